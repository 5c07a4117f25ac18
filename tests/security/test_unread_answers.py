"""Clients that never read their answers, against the real server (`pipelex api serve`).

A request's answer was handed to uvicorn whole: it went into the transport's write buffer at once, the request
ended and its hold in ``[api] max_held_body_bytes`` was released, while the bytes stayed in the server's memory for
as long as the client read nothing (for ever: a close waits for the buffer to drain). 40 connections each sending a
4 MB input and reading nothing of its 8 MB answer held 300 MB of the server process; a small bundle making a
100 MB answer, a hundred times, would end it. A large answer's end is now sent apart, which uvicorn writes only once
the client has read the answer, so the request and its hold last until then; and a connection whose client reads
nothing for ``[limits] request_idle_seconds`` is aborted, its unsent bytes dropped
(``pipelex.api.security._held_until_read``, ``pipelex.serving.protocol_class``).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.security.conftest import served_api

BUNDLE = (
    'domain = "echo"\nmain_pipe = "count"\n\n[pipe.count]\ntype = "PipeCompose"\ndescription = "d"\n'
    'inputs = { t = "Text" }\noutput = "Text"\ntemplate = "{{ t.text|length }}"\n'
)


def _body(size: int) -> bytes:
    # a dry run answers its working memory: the input's text comes back, ~2 x size with the main output's
    return json.dumps({"mthds_contents": [BUNDLE], "dry_run": True, "inputs": {"t": "x" * size}}).encode()


def _unread_request(url: str, body: bytes) -> socket.socket:
    """Send ``body`` to /v1/execute on a socket with a tiny receive buffer, and read nothing."""
    parts = urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((parts.hostname or "127.0.0.1", parts.port or 80))
    sock.sendall(
        b"POST /v1/execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    return sock


def _read_all(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    chunks: list[bytes] = []
    try:
        while chunk := sock.recv(1 << 20):
            chunks.append(chunk)
    except (ConnectionResetError, TimeoutError):
        pass
    return b"".join(chunks)


@pytest.fixture(scope="module")
def stalling_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_api(tmp_path_factory.mktemp("unread"), "[limits]\nrequest_idle_seconds = 2\n") as url:
        yield url


def test_an_answer_its_client_does_not_read_is_dropped_after_the_idle_time(stalling_api: str) -> None:
    sock = _unread_request(stalling_api, _body(4_000_000))
    try:
        time.sleep(
            9
        )  # the answer is made (a dry run), its first bytes written, then nothing is read for > 2 s
        received = _read_all(sock)
    finally:
        sock.close()
    head, _, content = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head[:200]
    declared = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    assert declared > 8_000_000
    # the server cut the connection: only what the kernel had already taken arrived, not the whole answer
    assert len(content) < declared - 1_000_000, (len(content), declared)
    assert httpx.get(f"{stalling_api}/health", timeout=10).status_code == 200


@pytest.fixture(scope="module")
def budgeted_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    config = "[api]\nmax_held_body_bytes = 16777216\n\n[limits]\nrequest_idle_seconds = 120\n"
    with served_api(tmp_path_factory.mktemp("unread-budget"), config) as url:
        yield url


def test_an_unread_answer_counts_in_the_held_budget_until_it_is_read(budgeted_api: str) -> None:
    unread = _unread_request(budgeted_api, _body(3_000_000))  # ~9 MB held: its body and its answer
    try:
        time.sleep(4)  # made, and waiting for its client
        # a second request whose body and answer (~13 MB) fit the 16 MiB budget alone, not beside the unread one
        busy = httpx.post(
            f"{budgeted_api}/v1/execute",
            content=_body(4_400_000),
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        assert busy.status_code == 503, busy.text[:300]
        assert busy.json()["kind"] == "server-busy"
    finally:
        unread.close()  # the client leaves: its answer is dropped and its hold released
    deadline = time.monotonic() + 20
    while True:
        again = httpx.post(
            f"{budgeted_api}/v1/execute",
            content=_body(4_400_000),
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        if again.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert again.status_code == 200, again.text[:300]
    assert again.json()["main_stuff"]["content"]["text"] == "4400000"


def test_unread_copies_of_a_stored_result_count_in_the_held_budget(budgeted_api: str) -> None:
    """`/v1/runs/{id}/results` of a finished run's ~6 MB result, asked by clients that read nothing: the third copy
    would pass the 16 MiB budget and is a 503 (each copy was held outside every budget)."""
    started = httpx.post(
        f"{budgeted_api}/v1/start",
        content=_body(3_000_000),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert started.status_code == 202, started.text[:300]
    run_id = started.json()["pipeline_run_id"]
    deadline = time.monotonic() + 60
    while httpx.get(f"{budgeted_api}/v1/runs/{run_id}/results", timeout=60).status_code != 200:
        assert time.monotonic() < deadline, "the started run did not finish"
        time.sleep(0.5)
    parts = urlsplit(budgeted_api)
    sockets: list[socket.socket] = []
    try:
        for _ in range(3):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect((parts.hostname or "127.0.0.1", parts.port or 80))
            sock.sendall(f"GET /v1/runs/{run_id}/results HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            sockets.append(sock)
            time.sleep(3)  # reshaped and written: its hold taken
        sockets[-1].settimeout(10)
        assert sockets[-1].recv(64).startswith(b"HTTP/1.1 503"), "a third unread copy was served"
    finally:
        for sock in sockets:
            sock.close()
