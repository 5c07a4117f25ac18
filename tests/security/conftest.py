"""Watchdogs for the adversarial tests: every bomb runs in a child process with a timeout and a memory
ceiling, so a regression fails its test instead of taking the machine down."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.timing import STARTUP_S

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


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served_api(
    folder: Path,
    config_toml: str,
    *,
    env: dict[str, str] | None = None,
    memory_bytes: int = WATCHDOG_MEMORY_BYTES,
) -> Iterator[str]:
    """``pipelex api serve`` in a child process (the real server, under a memory ceiling) with ``config_toml``
    as its pipelex.toml; yield its base URL; stop it (and its workers) at the end."""
    import httpx

    (folder / "pipelex.toml").write_text(config_toml, encoding="utf-8")
    port = free_port()
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [
            str(PIPELEX_BIN),
            "api",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=folder,
        env={**os.environ, "PIPELEX_CONFIG": str(folder / "pipelex.toml"), **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_limit_memory(memory_bytes),
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {(folder / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start within {STARTUP_S:.0f} s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with _suppress_oserror():
            os.killpg(process.pid, 9)  # any worker left behind
        log.close()


@contextmanager
def _suppress_oserror() -> Iterator[None]:
    try:
        yield
    except OSError:
        pass
