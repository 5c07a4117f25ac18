"""A real uvicorn server on 127.0.0.1 (free port, in a thread) serving the runner API, and an httpx client."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from pipelex.api.app import create_app
from pipelex.config.settings import PipelexConfig

ServerFactory = Callable[..., str]


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port; yield its base URL; stop it after."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"uvicorn-{port}")
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        assert not thread.is_alive(), "the test server did not stop"


def make_config(**api: Any) -> PipelexConfig:
    """The default configuration with ``[api]`` overrides."""
    config = PipelexConfig()
    return config.model_copy(update={"api": config.api.model_copy(update=api)})


@pytest.fixture
def make_server() -> Iterator[ServerFactory]:
    """Start servers with a given ``[api]`` config and key; every one is stopped at the end of the test."""
    with ExitStack() as stack:

        def make(*, api_key: str | None = None, config: PipelexConfig | None = None, **api: Any) -> str:
            app = create_app(config or make_config(**api), api_key=api_key)
            return stack.enter_context(serving(app))

        yield make


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """One server with the default config and no key, shared by a test module."""
    with serving(create_app(PipelexConfig(), api_key=None)) as url:
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
    assert document["type"] == f"urn:pipelex:problem:{kind}", document
    assert document["status"] == status
    assert {"type", "title", "status", "detail", "instance"} <= set(document)
    assert document["instance"] == response.request.url.path
    assert "Traceback" not in response.text and 'File "' not in response.text
    return document
