"""The servers keep answering an honest client while another attacks them (seventeenth hostile pass).

A request body's errors are bounded before pydantic makes them: one error per unknown key (per branch of a union)
made a 5 MB body of 531,000 unknown keys hold the event loop 28 s and answer 144 MB; a ``files`` map of 400,000
malformed entries made 1,200,000 errors (its length was checked after its entries).

The problem of an invalid method lists its first ``MAX_LISTED_PROBLEMS`` problems (the count says how many there are;
``/v1/validate`` lists them all): the server reads a worker's problem and writes it out on its event loop, ~0.1 ms a
problem, so a 3.8 MB bundle of 40,000 broken pipes (80,000 problems, a 64 MB answer) held every client 8.6 s.

A body whose bytes show a surrogate escape (a lone one, an emoji escaped as a pair, ``\\ud800``) is walked for a lone
surrogate where it is parsed, in a thread, not by the request model on the event loop: one such escape beside 5 MB of
empty lists held every client 3.2 s.

Both servers keep their connections within the process's limit of open files (``pipelex.serving.connection_room``):
under the common soft limit of 1,024, 1,000 idle connections made every ``accept`` fail, so the API answered in 9 s
and the MCP server's token holder timed out while any local process, without the token, held them.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from pipelex.api.app import create_app
from pipelex.api.models import MAX_FILES, MAX_UNKNOWN_FIELDS, RunRequest, ValidateMethodRequest
from pipelex.api.problems import MAX_LISTED_PROBLEMS, problem_for_exception
from pipelex.api.protocol_routes import MissingBlobsRequestIn, PipeIORequestIn
from pipelex.config.settings import PipelexConfig
from pipelex.diagnostics import Diagnostic
from pipelex.errors import BundleInvalidError
from tests.api.conftest import assert_problem, serving
from tests.security.conftest import PIPELEX_BIN, free_port
from tests.timing import STARTUP_S

MANY = 100_000
BUNDLE = 'domain = "ok"\nmain_pipe = "hello"\n\n[pipe.hello]\ntype = "PipeCompose"\ndescription = "Hi"\noutput = "Text"\ntemplate = "hello"\n'
UNKNOWN = {f"k{i}": 0 for i in range(MANY)}
HASH = {"sha256": "0" * 64, "size": 1}


@pytest.mark.parametrize(
    ("model", "body"),
    [
        pytest.param(RunRequest, {"mthds_contents": [BUNDLE], **UNKNOWN}, id="run-unknown-fields"),
        pytest.param(
            ValidateMethodRequest, {"mthds_contents": [BUNDLE], **UNKNOWN}, id="validate-unknown-fields"
        ),
        pytest.param(PipeIORequestIn, {"mthds_contents": [BUNDLE], **UNKNOWN}, id="pipe-io-unknown-fields"),
        pytest.param(
            RunRequest, {"files": {f"{i}.mthds": i for i in range(MANY)}}, id="files-malformed-entries"
        ),
        pytest.param(RunRequest, {"files": {"a.mthds": {**HASH, **UNKNOWN}}}, id="hash-entry-unknown-fields"),
        pytest.param(
            RunRequest, {"files": {"a.mthds": {"base64": "", **UNKNOWN}}}, id="base64-entry-unknown-fields"
        ),
        pytest.param(MissingBlobsRequestIn, {"blobs": [{**HASH, **UNKNOWN}]}, id="blob-unknown-fields"),
    ],
)
def test_a_body_makes_few_errors_however_many_keys_it_holds(
    model: type[BaseModel], body: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    errors = caught.value.errors()
    assert 1 <= len(errors) <= 3, errors[:5]
    assert any(
        f"{MANY:,} unknown fields" in e["msg"] or f"at most {MAX_FILES} items" in e["msg"] for e in errors
    ), errors


def test_a_few_unknown_fields_are_still_named_one_by_one() -> None:
    few = {f"k{i}": 0 for i in range(MAX_UNKNOWN_FIELDS)}
    with pytest.raises(ValidationError) as caught:
        RunRequest.model_validate({"mthds_contents": [BUNDLE], **few})
    errors = caught.value.errors()
    assert sorted(e["loc"] for e in errors) == sorted((name,) for name in few)
    assert {e["type"] for e in errors} == {"extra_forbidden"}


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serving(create_app(PipelexConfig(), api_key=None)) as url:
        yield url


@pytest.mark.parametrize("route", ["/v1/execute", "/v1/validate", "/v1/pipe-io"])
def test_a_body_of_many_unknown_fields_is_answered_in_one_short_error(api: str, route: str) -> None:
    response = httpx.post(f"{api}{route}", json={"mthds_contents": [BUNDLE], **UNKNOWN}, timeout=60)
    problem = assert_problem(response, 422, "request-invalid")
    assert len(response.content) < 10_000
    assert len(problem["errors"]) == 1, problem["errors"][:3]
    assert f"{MANY:,} unknown fields (`k0`, `k1`, `k2`, `k3`, `k4`, ...)" in problem["detail"]


def _broken_pipes(count: int) -> str:
    pipes = "".join(
        f'[pipe.p{i}]\ntype = "PipeCompose"\ndescription = "x"\noutput = "Nope{i}"\ntemplate = "hi"\n'
        for i in range(count)
    )
    return f'domain = "d"\nmain_pipe = "p0"\n\n{pipes}'


def test_an_invalid_methods_problem_lists_its_first_problems_and_counts_them_all() -> None:
    many = [Diagnostic(error_type="concept_unknown", message=f"m{i}", pipe=f"p{i}") for i in range(5_000)]
    document = problem_for_exception(BundleInvalidError(many), instance="/v1/execute")
    assert [e.detail for e in document.errors or []] == [f"m{i}" for i in range(MAX_LISTED_PROBLEMS)]
    assert len(document.diagnostics or []) == MAX_LISTED_PROBLEMS
    assert "(5,000 problem(s))" in document.detail and f"the first {MAX_LISTED_PROBLEMS}" in document.detail
    few = problem_for_exception(BundleInvalidError(many[:3]), instance="/v1/execute")
    assert len(few.errors or []) == 3 and "(3 problem(s))" in few.detail and "first" not in few.detail


def test_a_served_invalid_method_of_many_problems_is_answered_short(api: str) -> None:
    count = MAX_LISTED_PROBLEMS + 50
    body = {"mthds_contents": [_broken_pipes(count)], "dry_run": True}
    document = assert_problem(httpx.post(f"{api}/v1/execute", json=body, timeout=120), 422, "bundle-invalid")
    assert len(document["errors"]) == MAX_LISTED_PROBLEMS
    assert f"the first {MAX_LISTED_PROBLEMS}" in document["detail"]
    verdict = httpx.post(
        f"{api}/v1/validate", json={"mthds_contents": body["mthds_contents"]}, timeout=120
    ).json()
    assert verdict["is_valid"] is False and len(verdict["errors"]) >= count  # the full report


FLOOD = 1_100
FILE_LIMIT = 1_024
TOKEN = "t0ken-of-this-test"


@pytest.fixture
def room_for_a_flood() -> Iterator[None]:
    """This process may hold the flood's sockets (its soft limit raised for the test, then restored)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = FLOOD + 256
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"this machine's hard limit of open files is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, needed), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _limit_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))


def _start(argv: list[str], folder: Path, env: dict[str, str], ready: str) -> subprocess.Popen[bytes]:
    """``argv`` under a hard limit of 1,024 open files, once ``ready`` (a URL) answers."""
    (folder / "pipelex.toml").write_text("", encoding="utf-8")
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        argv,
        cwd=folder,
        env={**os.environ, "PIPELEX_CONFIG": str(folder / "pipelex.toml"), **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_limit_files,
        start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + STARTUP_S
    while True:
        assert process.poll() is None, (folder / "server.log").read_text()[-2000:]
        try:
            httpx.get(ready, timeout=2)
            return process
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    try:
        os.killpg(process.pid, 9)  # any worker left behind
    except OSError:
        pass


def _flood(port: int) -> list[socket.socket]:
    """``FLOOD`` connections that send nothing (no token, no request)."""
    return [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(FLOOD)]


@pytest.mark.usefixtures("room_for_a_flood")
def test_the_api_answers_while_idle_connections_pass_its_file_limit(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [
        str(PIPELEX_BIN),
        "api",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    server = _start(argv, tmp_path, {}, f"{url}/health")
    sockets: list[socket.socket] = []
    try:
        sockets = _flood(port)
        time.sleep(1)  # the server has accepted what it could
        assert httpx.get(f"{url}/health", timeout=60).status_code == 200
        run = httpx.post(f"{url}/v1/execute", json={"mthds_contents": [BUNDLE], "dry_run": True}, timeout=120)
        assert run.status_code == 200, run.text
    finally:
        for sock in sockets:
            sock.close()
        _stop(server)
    log = (tmp_path / "server.log").read_text()
    assert "Too many open files" not in log and "connections at once" in log


@pytest.mark.usefixtures("room_for_a_flood")
def test_the_mcp_server_answers_its_token_holder_while_others_hold_connections(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    argv = [sys.executable, "-m", "pipelex.cli.main", "mcp", "serve", "--http", "--port", str(port)]
    server = _start(argv, tmp_path, {"PIPELEX_MCP_TOKEN": TOKEN}, url)
    hello = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-03-26",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json, text/event-stream"}
    sockets: list[socket.socket] = []
    try:
        sockets = _flood(port)
        time.sleep(1)
        answer = httpx.post(url, json=hello, headers=headers, timeout=60)
        assert answer.status_code == 200, answer.text
    finally:
        for sock in sockets:
            sock.close()
        _stop(server)
    log = (tmp_path / "server.log").read_text()
    assert "Too many open files" not in log and "connections at once" in log


@pytest.mark.parametrize(
    ("text", "refused"),
    [(b"\\\\ud800", False), (b"\\ud83d\\ude00", False), (b"\\ud800", True)],
    ids=["escaped-backslash", "escaped-emoji", "lone-surrogate"],
)
def test_a_body_showing_a_surrogate_escape_is_walked_once_off_the_event_loop(
    text: bytes, refused: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import threading

    import pipelex.api.body as body_module
    import pipelex.api.models as models
    from pipelex.narrowing import unencodable_path

    walked_in: list[str] = []

    def recording(data: object, root: str = "") -> str | None:
        walked_in.append(threading.current_thread().name)
        return unencodable_path(data, root)

    monkeypatch.setattr(body_module, "unencodable_path", recording)
    monkeypatch.setattr(models, "unencodable_path", recording)
    app = create_app(PipelexConfig(), api_key=None)
    lists = b",".join([b"[]"] * 10_000)
    # refused for its unknown field once its model is validated (the test's app runs nothing)
    body = (
        b'{"mthds_contents": ["x"], "unknown": 1, "inputs": {"t": "a' + text + b'", "l": [' + lists + b"]}}"
    )

    async def post() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
            return await client.post(
                "/v1/execute", content=body, headers={"content-type": "application/json"}
            )

    answer = asyncio.run(post())
    assert answer.status_code == 422, answer.text
    assert ("inputs.t holds a lone UTF-16 surrogate" in answer.text) is refused, answer.text
    assert refused or "unknown field" in answer.text, answer.text
    assert len(walked_in) == 1 and walked_in[0].startswith("pipelex-body-walk"), walked_in


def test_an_invalid_body_of_many_errors_lists_the_first_and_counts_them_all(api: str) -> None:
    """1,000 ``files`` entries of 20 unknown keys each: 44,000 errors (each entry fails each branch of its union), a
    14 MB answer shaped on the event loop (every client held 1.4 s); now the first ``MAX_LISTED_PROBLEMS``."""
    entry = {f"k{i}": 0 for i in range(MAX_UNKNOWN_FIELDS)}
    body = {"files": {f"f{i}.mthds": entry for i in range(MAX_FILES)}}
    response = httpx.post(f"{api}/v1/execute", json=body, timeout=60)
    problem = assert_problem(response, 422, "request-invalid")
    assert len(problem["errors"]) == MAX_LISTED_PROBLEMS
    assert f"(and 43,995 more; `errors` lists the first {MAX_LISTED_PROBLEMS})" in problem["detail"]
    assert len(response.content) < 100_000
