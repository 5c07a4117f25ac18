"""One command in a fresh process, measured on its own: exit code, wall time, CPU time and peak RSS of the child.

The child is reaped with ``os.wait4``, whose ``rusage`` covers that child only (not this process, not other
children), so a figure is the command's own even when the benchmark runs servers beside it. Shared by the
benchmarks that time command lines (``run.py``, ``peer.py``, ``huge_batch.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Timed:
    """One finished (or killed) run of a command."""

    code: int  # the exit code; -9 when the run passed its timeout and was killed
    wall: float  # seconds, start to exit
    cpu: float  # user + system seconds of the child
    rss_mb: float  # peak resident memory of the child, MB
    tail: str  # the last lines of its merged stdout/stderr, or why it was killed


def run_timed(
    argv: list[str],
    *,
    cwd: Path | str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600.0,
    tail_lines: int = 5,
) -> Timed:
    """Run ``argv`` once (stdin closed, output to a temporary file) and measure it; kill it past ``timeout``."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        deadline = start + timeout
        killed = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                killed = True
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # reaped by wait4: keep Popen from waiting again
        out.seek(0)
        tail = "\n".join(out.read().decode(errors="replace").strip().splitlines()[-tail_lines:])
    if killed:
        code, tail = -9, f"timed out after {timeout:g} s"
    rss_mb = usage.ru_maxrss / (
        1024 * 1024 if sys.platform == "darwin" else 1024
    )  # KiB on Linux, bytes on macOS
    return Timed(code, wall, usage.ru_utime + usage.ru_stime, rss_mb, tail)
