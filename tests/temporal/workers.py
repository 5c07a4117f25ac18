"""``pipelex worker`` subprocesses for the Temporal tests."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from pipelex.backends.temporal.devserver import _die_with_parent  # pyright: ignore[reportPrivateUsage]

REPO = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """A ``pipelex worker`` subprocess."""

    def __init__(self, env: dict[str, str], *args: str, cwd: Path = REPO) -> None:  # noqa: D107
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipelex.cli.main", "worker", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=_die_with_parent,
        )  # never outlives the test process
        line = self.process.stdout.readline() if self.process.stdout else ""
        assert "serving task queue" in line, line
        self.identity = line.split()[2]

    def kill(self) -> None:
        """SIGKILL: no goodbye to the server."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (a graceful stop), then SIGKILL if needed."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
