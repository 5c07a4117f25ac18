"""A real uvicorn server on 127.0.0.1 (free port, in a thread) serving the runner API, and an httpx client."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from pipelex.api.app import create_app
from pipelex.config.settings import PipelexConfig, TemporalConfig
from tests.timing import STARTUP_S

ServerFactory = Callable[..., str]


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port; yield its base URL; stop it after."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"uvicorn-{port}"
    )
    thread.start()
    # generous: the Temporal backend's lifespan connects and starts a worker, slow on a loaded 2-core machine
    deadline = time.monotonic() + STARTUP_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server did not start within {STARTUP_S:.0f} s")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()
        assert not thread.is_alive(), "the test server did not stop"


@pytest.fixture(scope="session")
def api_temporal_server() -> Iterator[Any]:
    """A real ``temporal server start-dev`` on 127.0.0.1 for the API tests (skipped when it cannot start)."""
    from pipelex.backends.temporal.devserver import DevServer
    from pipelex.errors import TemporalUnavailableError

    try:
        server = DevServer().wait_ready()
    except (TemporalUnavailableError, OSError) as exc:
        pytest.skip(f"no local Temporal dev server: {exc}")
    try:
        yield server
    finally:
        server.stop()


class Backend:
    """How to configure servers of one backend: ``direct``, or ``temporal`` on the session's dev server."""

    def __init__(self, name: str, temporal_address: str | None = None) -> None:
        self.name = name
        self.temporal_address = temporal_address

    def config(self, **api: Any) -> PipelexConfig:
        """A configuration for one server: ``[api]`` overrides, and for Temporal a task queue of its own."""
        config = PipelexConfig()
        update: dict[str, Any] = {"api": config.api.model_copy(update=api)}
        if self.temporal_address is not None:
            update["temporal"] = TemporalConfig(
                is_enabled=True,
                address=self.temporal_address,
                task_queue=f"api-test-{uuid.uuid4().hex[:10]}",
                in_process_worker=True,
                retry_initial_interval_s=0.1,
            )
        return config.model_copy(update=update)


@pytest.fixture(scope="module", params=["direct", "temporal"])
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each test module runs on both backends (Temporal on a real local dev server)."""
    if request.param == "direct":
        return Backend("direct")
    server = request.getfixturevalue("api_temporal_server")
    return Backend("temporal", server.address)


@pytest.fixture
def make_server(backend: Backend) -> Iterator[ServerFactory]:
    """Start servers with a given ``[api]`` config and key; every one is stopped at the end of the test."""
    with ExitStack() as stack:

        def make(*, api_key: str | None = None, **api: Any) -> str:
            return stack.enter_context(serving(create_app(backend.config(**api), api_key=api_key)))

        yield make


@pytest.fixture(scope="module")
def base_url(backend: Backend) -> Iterator[str]:
    """One server with the default config and no key, shared by a test module."""
    with serving(create_app(backend.config(), api_key=None)) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    """An httpx client of the shared server."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        yield http


def assert_problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    """Check an RFC 9457 problem document; return it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    document = response.json()
    assert document["kind"] == kind, document
    assert document["type"] == f"https://mthds.ai/errors/{document['code']}", document
    assert document["status"] == status
    assert {"type", "title", "status", "detail", "instance", "code", "domain", "retry", "next_step"} <= set(
        document
    )
    assert document["instance"] == response.request.url.path
    assert "Traceback" not in response.text and 'File "' not in response.text
    return document
