"""A flood of connections that send no complete request (slowloris, idle sockets) against the real server: the
server keeps answering `/health` and small requests while the flood holds every connection slot.

uvicorn answers 503 to every request while its open connections reach ``limit_concurrency``; the header deadline
closes half-open ones only after ``request_header_seconds``, and an attacker opens new ones as fast. The server
now closes the oldest connection that serves no request to make room for a new one
(``pipelex.serving.protocol_class``). Before, `/health` answered 503 for the whole attack.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.security.conftest import served_api

MAX_CONNECTIONS = 40
CONFIG = f"""
[limits]
max_connections = {MAX_CONNECTIONS}
request_header_seconds = 120
"""
BUNDLE = (
    'domain = "ok"\nmain_pipe = "hello"\n\n[pipe.hello]\ntype = "PipeCompose"\ndescription = "Hi"\n'
    'output = "Text"\ntemplate = "hello"\n'
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_api(tmp_path_factory.mktemp("flood"), CONFIG) as url:
        yield url


def _flood(url: str, count: int, opening: bytes) -> list[socket.socket]:
    parts = urlsplit(url)
    sockets: list[socket.socket] = []
    for _ in range(count):
        sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10)
        if opening:
            sock.sendall(opening)
        sockets.append(sock)
    time.sleep(0.5)  # the server has accepted them all
    return sockets


@pytest.mark.parametrize(
    "opening",
    [b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", b""],
    ids=["slowloris", "idle"],
)
def test_health_and_small_requests_are_served_while_connections_flood_every_slot(
    api: str, opening: bytes
) -> None:
    sockets = _flood(api, MAX_CONNECTIONS * 2, opening)
    try:
        for _ in range(3):
            started = time.monotonic()
            health = httpx.get(f"{api}/health", timeout=10)
            assert health.status_code == 200, health.text
            run = httpx.post(
                f"{api}/v1/execute", json={"mthds_contents": [BUNDLE], "dry_run": True}, timeout=30
            )
            assert run.status_code == 200, run.text
            assert time.monotonic() - started < 10
            sockets += _flood(api, MAX_CONNECTIONS // 2, opening)  # the attacker keeps opening more
    finally:
        for sock in sockets:
            sock.close()
