"""The bodies of the requests in progress are bounded together (``[api] max_held_body_bytes``): many
connections each sending a body under ``max_body_bytes`` cannot make the server hold them all; the one past the
budget is a 503 ``server-busy`` with ``Retry-After``, and the server goes on answering."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx

from tests.api.conftest import ServerFactory, assert_problem

KIB = 1024


@contextmanager
def stalled_body(url: str, declared: int, sent: int) -> Iterator[socket.socket]:
    """A request to /v1/execute declaring ``declared`` bytes and sending only ``sent`` of them, then waiting."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    try:
        sock.sendall(
            (
                f"POST /v1/execute HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {declared}\r\n\r\n"
            ).encode()
            + b" " * sent
        )
        yield sock
    finally:
        sock.close()


def wait_until_held(client: httpx.Client, probe: bytes) -> httpx.Response:
    """Send ``probe`` until the server refuses it as busy (the stalled body reaches the server asynchronously)."""
    answer = client.post("/v1/execute", content=probe, headers={"content-type": "application/json"})
    for _ in range(200):
        if answer.status_code == 503:
            return answer
        answer = client.post("/v1/execute", content=probe, headers={"content-type": "application/json"})
    raise AssertionError(f"never busy: last answer {answer.status_code} {answer.text[:200]}")


def test_a_body_past_the_held_budget_is_a_503_and_the_server_stays_up(make_server: ServerFactory) -> None:
    url = make_server(max_body_bytes=64 * KIB, max_held_body_bytes=100 * KIB)
    with httpx.Client(base_url=url, timeout=30) as client:
        with stalled_body(url, declared=60 * KIB, sent=50 * KIB):
            busy = wait_until_held(client, b" " * (60 * KIB))
            document = assert_problem(busy, 503, "server-busy")
            assert document["code"] == "runtime.unavailable"
            assert busy.headers["retry-after"] == "1"
            assert "max_held_body_bytes" in document["detail"]
            # small requests still fit in what is left, and the server answers everything else
            assert client.get("/health").status_code == 200
            small = client.post("/v1/execute", content=b"{}", headers={"content-type": "application/json"})
            assert small.status_code == 422, small.text
        # the stalled request is gone: its bytes are released, the same body passes the budget again
        again = busy
        for _ in range(200):
            again = client.post(
                "/v1/execute", content=b" " * (60 * KIB), headers={"content-type": "application/json"}
            )
            if again.status_code != 503:
                break
        assert again.status_code == 422, again.text


def test_a_lone_request_passes_whatever_the_budget(make_server: ServerFactory) -> None:
    # a budget below max_body_bytes must not lock the largest bodies out when nothing else is held
    url = make_server(max_body_bytes=64 * KIB, max_held_body_bytes=4 * KIB)
    with httpx.Client(base_url=url, timeout=30) as client:
        answer = client.post(
            "/v1/execute", content=b" " * (32 * KIB), headers={"content-type": "application/json"}
        )
        assert answer.status_code == 422, answer.text


def test_an_answer_past_the_held_budget_is_refused_on_both_backends(make_server: ServerFactory) -> None:
    # a 100-byte request whose run answers ~600 KB: refused where the answer is made (a direct worker, or this
    # server for a run on Temporal workers), never held
    url = make_server(max_held_body_bytes=100 * KIB)
    bundle = (
        'domain = "answer"\nmain_pipe = "blow"\n[pipe.blow]\ntype = "PipeCompose"\ndescription = "d"\n'
        'output = "Text"\ntemplate = "{{ \'x\' * 200000 }}"'
    )
    with httpx.Client(base_url=url, timeout=120) as client:
        refused = client.post("/v1/execute", json={"mthds_contents": [bundle], "dry_run": True})
        assert assert_problem(refused, 422, "run-limit-exceeded")["limit"] == "max_held_body_bytes"
        small = client.post(
            "/v1/execute", json={"mthds_contents": [bundle.replace("200000", "2000")], "dry_run": True}
        )
        assert small.status_code == 200 and small.json()["main_stuff"]["content"]["text"] == "x" * 2000
