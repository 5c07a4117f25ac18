"""Auth before body, deadlines on reading requests, slow clients cut: raw sockets against the real server.

`pipelex api serve` runs in a child process with a key and short request deadlines; every socket here is on
127.0.0.1 and every wait is bounded.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.security.conftest import served_api

KEY = "sec-limits-test-key"
HEADER_S = 2
IDLE_S = 2
BODY_S = 5
CONFIG = f"""
[limits]
request_header_seconds = {HEADER_S}
request_idle_seconds = {IDLE_S}
request_body_seconds = {BODY_S}
"""
BUNDLE = (
    'domain = "ok"\nmain_pipe = "hello"\n\n[pipe.hello]\ntype = "PipeCompose"\ndescription = "Hi"\n'
    'output = "Text"\ntemplate = "hello"\n'
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_api(tmp_path_factory.mktemp("auth"), CONFIG, env={"PIPELEX_API_KEY": KEY}) as url:
        yield url


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=30)
    return sock


def _read_response(sock: socket.socket) -> tuple[int, bytes]:
    """The status and the whole answer (until the server closes or the body is complete)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        None,
    )
    while length is not None and len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, head + b"\r\n\r\n" + body


def _closed_within(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closes ``sock`` (None if still open after ``seconds``)."""
    started = time.monotonic()
    sock.settimeout(seconds)
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return time.monotonic() - started
    except TimeoutError:
        return None
    except OSError:
        return time.monotonic() - started


def _head(path: str, *, length: int, key: str | None = None) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        f"Content-Length: {length}",
    ]
    if key is not None:
        lines.append(f"Authorization: Bearer {key}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_no_valid_key_is_refused_before_the_body(api: str, key: str | None) -> None:
    with _connect(api) as sock:
        sock.sendall(_head("/v1/execute", length=5_000_000, key=key))  # announces 5 MB, sends none of it
        started = time.monotonic()
        status, answer = _read_response(sock)
        assert status == 401, answer
        assert time.monotonic() - started < 5
        assert b'"kind":"unauthorized"' in answer
        assert b"www-authenticate: bearer" in answer.lower()
        assert _closed_within(sock, 10) is not None, "the connection stays open after a refusal"


def test_large_unauthenticated_bodies_are_not_read(api: str) -> None:
    body = b'{"mthds_contents": ["' + b"x" * 4_800_000 + b'"]}'
    for _ in range(20):
        with _connect(api) as sock:
            sock.sendall(_head("/v1/validate", length=len(body)))
            try:
                sock.sendall(body)
            except OSError:
                pass  # the server closed the connection: it never wanted the body
            status, _ = _read_response(sock)
            assert status == 401
    assert httpx.get(f"{api}/health", timeout=10).status_code == 200


def test_a_stalled_body_is_cut(api: str) -> None:
    with _connect(api) as sock:
        sock.sendall(_head("/v1/execute", length=1000, key=KEY) + b'{"mthds_con')
        started = time.monotonic()
        status, answer = _read_response(sock)
        waited = time.monotonic() - started
        assert status == 408, answer
        assert b'"kind":"request-timeout"' in answer and b"request_idle_seconds" in answer
        assert IDLE_S - 0.5 <= waited < IDLE_S + 15


def test_a_trickled_body_is_cut_at_its_total_deadline(api: str) -> None:
    with _connect(api) as sock:
        sock.sendall(_head("/v1/execute", length=1000, key=KEY))
        started = time.monotonic()
        sock.settimeout(0.1)
        status = 0
        answer = b""
        while time.monotonic() - started < BODY_S + 20:
            try:
                sock.sendall(b" ")  # one byte every half second: never idle long enough for the idle timeout
            except OSError:
                break
            try:
                answer = sock.recv(65536)
                if answer:
                    status = int(answer.split(b" ", 2)[1])
                    break
            except TimeoutError:
                pass
            time.sleep(0.5)
        assert status == 408, answer
        assert b"request_body_seconds" in answer
        assert BODY_S - 0.5 <= time.monotonic() - started < BODY_S + 15


def test_half_sent_headers_do_not_hold_a_connection(api: str) -> None:
    sockets = [_connect(api) for _ in range(50)]
    try:
        for sock in sockets:
            sock.sendall(b"POST /v1/execute HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert httpx.get(f"{api}/health", timeout=10).status_code == 200
        closed = [_closed_within(sock, HEADER_S + 20) for sock in sockets]
        assert all(c is not None for c in closed), f"{sum(c is None for c in closed)} connections still open"
    finally:
        for sock in sockets:
            sock.close()


def test_trickled_headers_are_cut(api: str) -> None:
    with _connect(api) as sock:
        started = time.monotonic()
        sock.settimeout(0.2)
        closed = False
        for byte in b"POST /v1/execute HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200:
            try:
                sock.sendall(bytes([byte]))
                if sock.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                pass
            except OSError:
                closed = True
                break
            if time.monotonic() - started > HEADER_S + 20:
                break
        assert closed, "a client trickling its headers kept the connection"
        assert time.monotonic() - started < HEADER_S + 20


def test_a_silent_connection_is_closed(api: str) -> None:
    with _connect(api) as sock:
        waited = _closed_within(sock, HEADER_S + 20)
        assert waited is not None and waited >= HEADER_S - 0.5


def test_the_key_still_works_and_keep_alive_is_kept(api: str) -> None:
    with httpx.Client(base_url=api, timeout=30, headers={"Authorization": f"Bearer {KEY}"}) as client:
        first = client.post("/v1/execute", json={"mthds_contents": [BUNDLE], "dry_run": True})
        assert first.status_code == 200, first.text
        time.sleep(
            HEADER_S + 1
        )  # idle on keep-alive past the header deadline: the connection is still usable
        second = client.post("/v1/execute", json={"mthds_contents": [BUNDLE], "dry_run": True})
        assert second.status_code == 200
        assert client.get("/v1/models").status_code == 200
    assert httpx.get(f"{api}/v1/models", timeout=10).status_code == 401
    assert httpx.get(f"{api}/v1/version", timeout=10).status_code == 200  # the public handshake stays public
    assert httpx.get(f"{api}/health", timeout=10).status_code == 200
