"""Watchdogs for the adversarial tests: every bomb runs in a child process with a timeout and a memory
ceiling, so a regression fails its test instead of taking the machine down."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

PIPELEX_BIN = Path(sys.executable).with_name("pipelex")
WATCHDOG_MEMORY_BYTES = 3 * 1024**3


@dataclass(frozen=True)
class Watched:
    """What a watched child did: its exit code (None when the watchdog stopped it), stdout and stderr."""

    code: int | None
    out: str
    err: str

    @property
    def timed_out(self) -> bool:
        return self.code is None


def _limit_memory(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def watched(
    argv: list[str],
    *,
    timeout: float,
    memory_bytes: int = WATCHDOG_MEMORY_BYTES,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> Watched:
    """Run ``argv`` under a wall-clock timeout and an address-space ceiling (``stdin``: text to send it)."""
    try:
        done = subprocess.run(
            argv,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            preexec_fn=_limit_memory(memory_bytes),
        )
    except subprocess.TimeoutExpired as exc:

        def text(value: bytes | str | None) -> str:
            return value.decode(errors="replace") if isinstance(value, bytes) else (value or "")

        return Watched(None, text(exc.stdout), text(exc.stderr))
    return Watched(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def run_watched_cli(tmp_path: Path) -> Callable[..., Watched]:
    """``pipelex ARGS...`` in a child process under a watchdog, from an empty folder (no stray pipelex.toml)."""

    def run(
        *argv: str,
        timeout: float = 120.0,
        memory_bytes: int = WATCHDOG_MEMORY_BYTES,
        env: dict[str, str] | None = None,
    ) -> Watched:
        return watched(
            [str(PIPELEX_BIN), *argv], timeout=timeout, memory_bytes=memory_bytes, cwd=tmp_path, env=env
        )

    return run
