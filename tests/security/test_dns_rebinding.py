"""Fifteenth hostile pass: a server without a key, on a loopback address, answers no request naming another host.

A web page its user opens can make its own name resolve to 127.0.0.1 (DNS rebinding) and call `pipelex api serve`
as its own origin: the browser sends the page's name as ``Host`` and lets the page read the answers. On a server
without a key (the usual way to serve on loopback) any page could then run bundles live with the operator's
provider keys, and read what they made. Such a request is a 403 before its body is read; a client naming the
address or ``localhost`` is served as before, and a server with a key is unchanged (the page cannot know it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pipelex.api.guards import _rebound  # pyright: ignore[reportPrivateUsage]
from tests.security.conftest import served_api

BUNDLE = (
    'domain = "ok"\nmain_pipe = "hello"\n\n[pipe.hello]\ntype = "PipeCompose"\ndescription = "Hi"\n'
    'output = "Text"\ntemplate = "hello"\n'
)


def _scope(server: tuple[str, int] | tuple[str, None] | None, host: str | None) -> dict[str, Any]:
    headers = [] if host is None else [(b"host", host.encode("latin-1"))]
    return {"type": "http", "server": server, "headers": headers}


@pytest.mark.parametrize(
    ("server", "host", "rebound"),
    [
        (("127.0.0.1", 8000), "evil.example:8000", True),
        (("127.0.0.1", 8000), "evil.example", True),
        (("127.0.0.1", 8000), "127.0.0.1.nip.io:8000", True),
        (("127.0.0.1", 8000), "[fe80::1]:8000", True),
        (("::1", 8000), "evil.example:8000", True),
        (("127.0.0.1", 8000), "127.0.0.1:8000@evil.example", True),
        (("127.0.0.1", 8000), "[::1]evil.example", True),
        (("127.0.0.1", 8000), "::1", True),
        (("::ffff:127.0.0.1", 8000), "evil.example:8000", True),  # a server listening on "::"
        (("::ffff:127.0.0.1", 8000), "[::ffff:127.0.0.1]:8000", False),
        (("127.0.0.1", 8000), "127.0.0.1:8000", False),
        (("127.0.0.1", 8000), "127.0.0.1", False),
        (("127.0.0.1", 8000), "LOCALHOST:8000", False),
        (("127.0.0.1", 8000), "localhost.:8000", False),
        (("127.0.0.1", 8000), "app.localhost:8000", False),
        (("::1", 8000), "[::1]:8000", False),
        (("127.0.0.1", 8000), None, False),  # HTTP/1.0 without a Host: no browser
        (("10.0.3.7", 8000), "api.example.com", False),  # a request on the network: the operator's names
        (("testserver", 80), "testserver", False),
        (("/run/pipelex.sock", None), "evil.example", False),
        (None, "evil.example", False),
    ],
)
def test_a_loopback_request_naming_another_host_is_rebound(
    server: tuple[str, int] | None, host: str | None, rebound: bool
) -> None:
    assert _rebound(_scope(server, host)) is rebound


@pytest.fixture(scope="module")
def keyless_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_api(tmp_path_factory.mktemp("rebind"), "", env={"PIPELEX_API_KEY": ""}) as url:
        yield url


def _execute(url: str, host: str | None) -> httpx.Response:
    body = json.dumps({"mthds_contents": [BUNDLE], "inputs": {}, "dry_run": True})
    headers = {"Content-Type": "application/json", "Origin": f"http://{host}"} if host else {}
    if host is not None:
        headers["Host"] = host
    return httpx.post(f"{url}/v1/execute", content=body, headers=headers, timeout=120)


def test_a_keyless_server_refuses_a_rebound_request_and_serves_its_own_names(keyless_api: str) -> None:
    port = keyless_api.rsplit(":", 1)[1]
    refused = _execute(keyless_api, f"attacker.example:{port}")
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "auth.forbidden"
    assert "loopback" in refused.json()["detail"] and "[api] api_key_env" in refused.json()["detail"]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        served = _execute(keyless_api, host)
        assert served.status_code == 200, served.text
    # every route alike (a page learns from /v1/version what answers); a health check on the machine names it
    assert (
        httpx.get(f"{keyless_api}/v1/version", headers={"Host": "attacker.example"}, timeout=30).status_code
        == 403
    )
    assert httpx.get(f"{keyless_api}/health", timeout=30).status_code == 200
