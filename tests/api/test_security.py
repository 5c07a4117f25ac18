"""Auth, body limits, the input policy, error hygiene and a free event loop, over real HTTP."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from pipelex.api.app import create_app
from pipelex.api.models import BackendName, ExecuteRequest, ValidateRequest
from pipelex.api.protocol.files import MethodSources
from pipelex.api.runs import RunRecord, RunStore
from pipelex.api.security import key_matches
from pipelex.config.settings import PipelexConfig
from pipelex.storage.protocol import STORAGE_SCHEME
from pipelex.testing.fake_provider import FakeProvider
from tests.api.bundles import FUNCS, MENU, PHOTO
from tests.api.conftest import Backend, ServerFactory, assert_problem, serving
from tests.timing import STARTUP_S

KEY = "s3cret-test-key-7f3a9c"
PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


# ---------------------------------------------------------------------------------------------------- API key
@pytest.fixture(scope="module")
def keyed_url(backend: Backend) -> Iterator[str]:
    """A server that requires ``KEY``."""
    with serving(create_app(backend.config(), api_key=KEY)) as url:
        yield url


def _operations(url: str, headers: dict[str, str]) -> list[tuple[str, str]]:
    document = httpx.get(f"{url}/openapi.json", headers=headers).json()
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item]


def _call(url: str, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    body: dict[str, Any] | None = None
    if path in ("/v1/execute", "/v1/start"):
        body = {"mthds_contents": [MENU], "dry_run": True, "mock_inputs": True}
    elif path in ("/v1/validate", "/v1/pipe-io", "/v1/resolve"):
        body = {"files": {"menu.mthds": MENU}}
    elif path == "/v1/blobs/missing":
        body = {"blobs": []}
    query = "?reference=gpt-4o" if path == "/v1/models/check" else ""
    return httpx.request(
        method, url + path.replace("{run_id}", "0" * 32) + query, json=body, headers=headers, timeout=30
    )


PUBLIC = ("/health", "/v1/health", "/v1/version")


def test_every_route_but_health_needs_the_key(keyed_url: str) -> None:
    good = {"Authorization": f"Bearer {KEY}"}
    # the signed blob upload is authorised by its link, not the key (tests/api/test_protocol_blobs.py)
    operations = [op for op in _operations(keyed_url, good) if op != ("PUT", "/v1/blobs/{sha256}")]
    assert len(operations) >= 12
    for method, path in operations:
        if path in PUBLIC:  # the protocol's version handshake is public
            assert _call(keyed_url, method, path, {}).status_code == 200
            continue
        missing = _call(keyed_url, method, path, {})
        problem = assert_problem(missing, 401, "unauthorized")
        assert problem["code"] == "auth.missing_credential" and problem["domain"] == "account"
        assert missing.headers["www-authenticate"] == "Bearer"
        assert KEY not in missing.text
        for bad, code in (
            ({"Authorization": "Bearer wrong"}, "auth.invalid_credential"),
            ({"Authorization": f"Basic {KEY}"}, "auth.missing_credential"),
            ({"Authorization": f"Bearer {KEY}x"}, "auth.invalid_credential"),
            ({"Authorization": f"Bearer {KEY[:-1]}"}, "auth.invalid_credential"),
        ):
            refused = _call(keyed_url, method, path, bad)
            assert assert_problem(refused, 401, "unauthorized")["code"] == code
            assert KEY not in refused.text
        accepted = _call(keyed_url, method, path, good)
        assert accepted.status_code in (200, 202, 404), (
            method,
            path,
            accepted.text,
        )  # 404: the made-up run id
        assert "Authorization" in problem["detail"]


def test_openapi_declares_the_bearer_scheme_only_when_a_key_is_set(
    keyed_url: str, client: httpx.Client
) -> None:
    keyed = httpx.get(f"{keyed_url}/openapi.json", headers={"Authorization": f"Bearer {KEY}"}).json()
    assert keyed["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "401" in keyed["paths"]["/v1/execute"]["post"]["responses"]
    assert "security" not in keyed["paths"]["/health"]["get"]
    open_doc = client.get("/openapi.json").json()
    assert "securitySchemes" not in open_doc.get("components", {})
    assert "401" not in open_doc["paths"]["/v1/execute"]["post"]["responses"]


def test_key_comparison_is_constant_time_and_exact() -> None:
    assert key_matches(KEY, KEY)
    assert not key_matches(KEY + " ", KEY)
    assert not key_matches("", KEY)
    assert not key_matches(KEY.upper(), KEY)


def test_cli_server_reads_the_key_from_the_environment(tmp_path: Path, backend: Backend) -> None:
    """``pipelex api serve`` as a real process: PIPELEX_API_KEY guards it; it stops cleanly on SIGTERM."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "PIPELEX_API_KEY": KEY,
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    env.pop("PIPELEX_CONFIG", None)
    if backend.temporal_address is not None:  # the server's pipelex.toml points at the test's Temporal server
        temporal = backend.config().temporal
        (tmp_path / "pipelex.toml").write_text(
            f'[temporal]\nis_enabled = true\naddress = "{temporal.address}"\ntask_queue = "{temporal.task_queue}"\n'
            "in_process_worker = true\n"
        )
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelex.cli.main", "api", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_S
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.1)
        assert_problem(httpx.get(f"{url}/v1/models"), 401, "unauthorized")
        version = httpx.get(f"{url}/v1/version")  # public, as the protocol says
        assert version.status_code == 200 and version.json()["backend"] == backend.name
        run = httpx.post(
            f"{url}/v1/execute",
            json={"mthds_contents": [MENU], "dry_run": True, "mock_inputs": True},
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=30,
        )
        assert run.status_code == 200, run.text
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises the signal it caught (exit status -SIGTERM)
    assert process.returncode in (0, -signal.SIGTERM), err
    assert "Application shutdown complete" in err
    assert "API key required" in err
    assert KEY not in err


# ---------------------------------------------------------------------------------------------------- body size
def _raw_request(url: str, head: bytes, body_chunks: list[bytes] | None = None) -> bytes:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head)
        for chunk in body_chunks or []:
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):  # the server answered and closed first
                break
        received = b""
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            received += data
        return received


def test_declared_body_over_the_limit_is_refused_before_it_is_read(make_server: ServerFactory) -> None:
    url = make_server(max_body_bytes=4096)
    host = urlsplit(url).netloc
    started = time.monotonic()
    # a 10 GB body is declared and never sent: only an answer from the headers alone can come back
    reply = _raw_request(
        url,
        (
            f"POST /v1/execute HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            "Content-Length: 10000000000\r\n\r\n"
        ).encode(),
    )
    assert time.monotonic() - started < 5
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), reply[:300]
    assert b"content-type: application/problem+json" in head.lower()
    assert b"connection: close" in head.lower()
    assert b"https://mthds.ai/errors/request.too_large" in body and b"4096 bytes" in body


def _send_then_read(url: str, head: bytes, body: bytes) -> bytes:
    """Write the whole request before reading, as most clients do."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            head + body
        )  # a server that closed on unread bytes makes this, or the read, fail with a reset
        received = b""
        while data := sock.recv(65536):
            received += data
        return received


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_a_body_a_little_over_the_limit_gets_the_413_not_a_reset(
    make_server: ServerFactory, chunked: bool
) -> None:
    # A client that writes its whole body before it reads (most do) must get the problem document: the server
    # reads the rest of a body it refused and drops it before closing, instead of closing on unread bytes.
    url = make_server(max_body_bytes=4096)
    host = urlsplit(url).netloc
    payload = b"x" * (256 * 1024)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(payload)}"
    head = f"POST /v1/execute HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    if chunked:  # the first chunk already passes the limit: the refusal is decided before the rest is sent
        first = b"x" * 8192
        head_bytes = head.encode() + f"{len(first):x}\r\n".encode() + first + b"\r\n"
        rest = payload[len(first) :]
        body = f"{len(rest):x}\r\n".encode() + rest + b"\r\n0\r\n\r\n"
    else:
        head_bytes, body = head.encode(), payload
    for _ in range(10):
        reply = _send_then_read(url, head_bytes, body)
        assert reply.startswith(b"HTTP/1.1 413"), reply[:300]
        assert b"https://mthds.ai/errors/request.too_large" in reply


def test_chunked_body_over_the_limit_is_refused(make_server: ServerFactory) -> None:
    url = make_server(max_body_bytes=4096)
    host = urlsplit(url).netloc
    chunk = b"x" * 1024
    chunks = [f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for _ in range(64)] + [b"0\r\n\r\n"]
    reply = _raw_request(
        url,
        (
            f"POST /v1/execute HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        ).encode(),
        chunks,
    )
    assert reply.startswith(b"HTTP/1.1 413"), reply[:300]
    assert b"https://mthds.ai/errors/request.too_large" in reply


def test_chunked_body_under_the_limit_is_served(make_server: ServerFactory) -> None:
    url = make_server(max_body_bytes=64 * 1024)
    payload = httpx.Request(
        "POST", "/", json={"mthds_contents": [MENU], "dry_run": True, "mock_inputs": True}
    ).content

    def stream() -> Iterator[bytes]:  # no Content-Length: httpx sends it chunked
        for start in range(0, len(payload), 500):
            yield payload[start : start + 500]

    response = httpx.post(
        f"{url}/v1/execute", content=stream(), headers={"content-type": "application/json"}, timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.request.headers.get("transfer-encoding") == "chunked"


def test_body_over_the_limit_through_a_client_is_413(make_server: ServerFactory) -> None:
    url = make_server(max_body_bytes=4096)
    response = httpx.post(f"{url}/v1/validate", json={"mthds_contents": ["#" * 5000]}, timeout=30)
    assert_problem(response, 413, "body-too-large")


# ---------------------------------------------------------------------------------------------------- input policy
@pytest.mark.parametrize(
    ("photo", "words"),
    [
        pytest.param("/etc/passwd", "a file on the server", id="absolute-path"),
        pytest.param("photo.png", "a file on the server", id="relative-path"),
        pytest.param({"url": "file:///etc/hostname"}, "a file on the server", id="file-url"),
        pytest.param({"url": "pipelex-storage://../../etc/passwd"}, "a file on the server", id="storage-uri"),
        pytest.param(
            {"url": "http://169.254.169.254/latest/meta-data/"}, "does not fetch URLs", id="metadata-url"
        ),
        pytest.param({"url": "https://example.com/cat.png"}, "does not fetch URLs", id="public-url"),
        pytest.param({"url": "gopher://example.com/x"}, "scheme 'gopher'", id="other-scheme"),
        pytest.param(
            [{"url": PNG}, {"url": "file:///etc/hostname"}], "a file on the server", id="inside-a-list"
        ),
    ],
)
def test_inputs_referencing_files_or_urls_are_refused_by_default(
    client: httpx.Client, photo: Any, words: str
) -> None:
    bundle = PHOTO.replace('"Image"', '"Image[]"') if isinstance(photo, list) else PHOTO
    body = {"mthds_contents": [bundle], "dry_run": True, "inputs": {"photo": photo}}
    problem = assert_problem(client.post("/v1/execute", json=body), 422, "input-refused")
    assert words in problem["detail"]
    assert problem["errors"][0]["field"] == "body.inputs.photo"
    assert "data:" in problem["detail"] or "scheme" in problem["detail"]


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("photo.png", id="relative"),
        pytest.param("/proc/self/exe", id="interpreter-symlink"),
        pytest.param("/proc/self/cwd/photo.png", id="working-folder-symlink"),
        pytest.param("/proc/self/fd/0", id="open-file-symlink"),
        pytest.param("/proc/self/root/../../etc/passwd", id="dot-dot"),
    ],
)
def test_a_refused_file_input_tells_nothing_of_the_servers_files(client: httpx.Client, path: str) -> None:
    """The refusal repeats neither the server's working folder (a relative path was anchored to it) nor where a
    symlink of the server points (the interpreter, an open file): a caller learns nothing of its disk."""
    body = {"mthds_contents": [PHOTO], "dry_run": True, "inputs": {"photo": {"url": path}}}
    problem = assert_problem(client.post("/v1/execute", json=body), 422, "input-refused")
    leaks = {
        os.getcwd(),
        os.path.realpath(sys.executable),
        os.path.realpath("/proc/self/fd/0"),
        "/etc/passwd",
    }
    text = str(problem)
    assert not [leak for leak in leaks if leak != "/" and leak in text], text
    assert "a file on the server" in problem["detail"]


def test_a_url_of_another_scheme_without_slashes_is_refused_as_a_scheme(client: httpx.Client) -> None:
    """``javascript:x`` is a URL of scheme ``javascript``, not a relative path named so."""
    body = {"mthds_contents": [PHOTO], "dry_run": True, "inputs": {"photo": {"url": "javascript:alert(1)"}}}
    problem = assert_problem(client.post("/v1/execute", json=body), 422, "input-refused")
    assert "scheme 'javascript'" in problem["detail"], problem["detail"]


@pytest.mark.parametrize("url", ["DATA:image/png;base64,AAAA", "Data:,x"])
def test_a_data_url_with_its_scheme_in_upper_case_is_refused_saying_how_to_write_it(
    client: httpx.Client, url: str
) -> None:
    # the refusal said "uses the URL scheme 'data': only data: URLs ... are accepted", contradicting itself
    body = {"mthds_contents": [PHOTO], "dry_run": True, "inputs": {"photo": {"url": url}}}
    problem = assert_problem(client.post("/v1/execute", json=body), 422, "input-refused")
    assert f"write {url[:5]!r} as 'data:'" in problem["detail"], problem["detail"]
    assert "only data: URLs" not in problem["detail"]


_EXTRACT = """
domain = "papers"
main_pipe = "pages"

[pipe.pages]
type = "PipeExtract"
description = "Reads the pages of a PDF"
inputs = { doc = "Document" }
output = "Page[]"
"""


def test_a_live_run_answers_no_path_of_the_servers_storage(client: httpx.Client) -> None:
    """A live run stores its data-URL inputs; the answer names them by their ``pipelex-storage://`` URI, never by
    the ``file://`` URL of the server's storage folder (in the memory, the main output or the graph's data)."""
    pdf = (Path(__file__).parents[2] / "examples" / "extract_pdf_sample.pdf").read_bytes()
    url = "data:application/pdf;base64," + base64.b64encode(pdf).decode()
    body = {"mthds_contents": [_EXTRACT], "dry_run": False, "inputs": {"doc": {"url": url}}}
    response = client.post("/v1/execute", json=body)
    assert response.status_code == 200, response.text
    document = response.json()
    stored = document["pipe_output"]["working_memory"]["root"]["doc"]["content"]
    assert stored["url"].startswith("pipelex-storage://") and stored["public_url"] is None, stored
    assert "file:" not in response.text and os.getcwd() not in response.text


_KEEP = """
domain = "keeping"
main_pipe = "acknowledge"

[pipe.acknowledge]
type = "PipeCompose"
description = "Acknowledges a document without reading it"
inputs = { doc = "Document" }
output = "Text"
template = "received $doc"
"""


def test_a_live_api_run_stores_a_data_url_page_as_bytes(client: httpx.Client) -> None:
    """A ``data:text/html`` document input is stored, never as a page (a ``.html`` blob, an S3 ``text/html`` object:
    ``tests/security/test_stored_types.py``)."""
    page = b"<html><script>alert(document.domain)</script></html>"
    url = "data:text/html;base64," + base64.b64encode(page).decode()
    body = {"mthds_contents": [_KEEP], "dry_run": False, "inputs": {"doc": {"url": url}}}
    response = client.post("/v1/execute", json=body)
    assert response.status_code == 200, response.text
    stored = response.json()["pipe_output"]["working_memory"]["root"]["doc"]["content"]
    assert stored["url"].startswith(STORAGE_SCHEME) and stored["url"].endswith(".bin"), stored


def test_data_urls_are_always_accepted(client: httpx.Client) -> None:
    body = {"mthds_contents": [PHOTO], "dry_run": True, "inputs": {"photo": {"url": PNG}}}
    response = client.post("/v1/execute", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["pipe_output"]["working_memory"]["root"]["photo"]["content"]["url"] == PNG


def test_allowed_urls_still_refuse_internal_addresses(make_server: ServerFactory) -> None:
    url = make_server(allow_urls=True)
    for internal in (
        "http://127.0.0.1:8080/x.png",
        "http://localhost/x.png",
        "http://10.0.0.7/x.png",
        "http://169.254.169.254/latest",
        "http://[::1]/x.png",
        "http://0.0.0.0/x.png",
    ):
        body = {"mthds_contents": [PHOTO], "dry_run": True, "inputs": {"photo": {"url": internal}}}
        problem = assert_problem(httpx.post(f"{url}/v1/execute", json=body, timeout=30), 422, "input-refused")
        assert "internal address" in problem["detail"], internal
    public = {
        "mthds_contents": [PHOTO],
        "dry_run": True,
        "inputs": {"photo": {"url": "http://93.184.215.14/c.png"}},
    }
    assert httpx.post(f"{url}/v1/execute", json=public, timeout=30).status_code == 200


def test_local_files_when_allowed(make_server: ServerFactory, tmp_path: Path) -> None:
    url = make_server(allow_local_files=True)
    photo = tmp_path / "cat.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n")
    body = {"mthds_contents": [PHOTO], "dry_run": True, "inputs": {"photo": str(photo)}}
    response = httpx.post(f"{url}/v1/execute", json=body, timeout=30)
    assert response.status_code == 200, response.text
    assert (
        response.json()["pipe_output"]["working_memory"]["root"]["photo"]["content"]["url"] == photo.as_uri()
    )
    # a file the server may read but that is not there: the caller's mistake, before the run (a dry run too)
    body["inputs"] = {"photo": str(tmp_path / "dog.png")}
    response = httpx.post(f"{url}/v1/execute", json=body, timeout=30)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "input.file_unreadable"


# ---------------------------------------------------------------------------------------------------- hygiene
class _BuggyBackend:
    """A backend with a bug whose message holds a secret: the client must see neither."""

    name: BackendName = "direct"

    async def execute(self, request: ExecuteRequest) -> bytes:
        raise RuntimeError("db password hunter2 leaked in a bug")

    async def validate(self, request: ValidateRequest) -> bytes:
        raise KeyError("hunter2")

    def unknown_run_hint(self) -> str:
        return ""

    async def start(self, request: ExecuteRequest, store: RunStore, sources: MethodSources) -> RunRecord:
        raise RuntimeError("db password hunter2 leaked in a bug")

    async def lookup(self, run_id: str, store: RunStore) -> RunRecord | None:
        raise RuntimeError("db password hunter2 leaked in a bug")

    async def cancel(self, record: RunRecord, store: RunStore) -> RunRecord:
        raise RuntimeError("db password hunter2 leaked in a bug")

    async def call(self, function: Callable[..., bytes], *args: Any) -> bytes:
        raise RuntimeError("db password hunter2 leaked in a bug")

    @asynccontextmanager
    async def serving(self) -> AsyncGenerator[None, None]:
        yield


def test_internal_errors_are_500_problems_without_trace_or_secret() -> None:
    app = create_app(PipelexConfig(), api_key=None, backend=_BuggyBackend())
    with serving(app) as url:
        for path, body in (
            ("/v1/execute", {"mthds_contents": [MENU], "dry_run": True}),
            ("/v1/validate", {"mthds_contents": [MENU]}),
        ):
            response = httpx.post(url + path, json=body, timeout=30)
            problem = assert_problem(response, 500, "internal-error")
            assert "hunter2" not in response.text
            assert "incident" in problem["detail"]
        assert httpx.get(f"{url}/health").status_code == 200  # still serving


def test_a_blocking_run_does_not_block_the_event_loop(make_server: ServerFactory, backend: Backend) -> None:
    """A run blocking its thread for 20 s: the server keeps answering meanwhile, each answer far sooner than the run.

    On Temporal the run sleeps in the in-process worker, whose session has a loop of its own; other runs
    then wait for that worker (as they would for a busy remote one), so only the API's own routes are timed.
    """
    url = make_server(allow_pipe_func=True)
    slow_done = threading.Event()
    result: dict[str, Any] = {}

    def slow_run() -> None:
        body = {"mthds_contents": [FUNCS], "pipe_code": "nap", "inputs": {"delay": "20"}}
        result["response"] = httpx.post(f"{url}/v1/execute", json=body, timeout=120)
        slow_done.set()

    thread = threading.Thread(target=slow_run)
    thread.start()
    time.sleep(0.3)  # the run is now sleeping in its worker thread
    latencies = []
    for _ in range(5):
        started = time.monotonic()
        assert httpx.get(f"{url}/health", timeout=5).status_code == 200
        assert httpx.get(f"{url}/v1/version", timeout=5).status_code == 200
        if backend.name == "direct":
            dry = httpx.post(
                f"{url}/v1/execute",
                timeout=5,
                json={"mthds_contents": [MENU], "dry_run": True, "mock_inputs": True},
            )
            assert dry.status_code == 200
        latencies.append(time.monotonic() - started)
        # each answer came while the run was still blocking its thread (a blocked loop answers only after it)
        assert not slow_done.is_set(), ("the slow run ended before the server answered", latencies)
    # a busy 2-core machine is allowed seconds per answer; a blocked loop would take the run's 20 s
    assert max(latencies) < 10.0, latencies
    thread.join(timeout=120)
    assert result["response"].status_code == 200, result["response"].text
    assert result["response"].json()["main_stuff"]["content"] == {"text": "slept 20 s"}


@pytest.mark.parametrize("failure", ["refused-key", "nothing-answers"])
def test_a_provider_failure_tells_the_caller_no_address_of_the_servers_model_servers(
    make_server: ServerFactory, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    """A live run whose provider refuses the server's key, or whose model server does not answer: the problem says
    so, naming the variables to check, but not the address the operator configured (an internal gateway, and
    whether it answers, is not a key holder's to learn; the server log keeps it)."""
    with FakeProvider(api_key="the-key-the-provider-wants") as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-not-the-key-the-provider-wants")
        address = f"127.0.0.1:{fake.port}"
        if failure == "nothing-answers":
            with socket.socket() as probe:  # a loopback port nothing listens on
                probe.bind(("127.0.0.1", 0))
                address = f"127.0.0.1:{probe.getsockname()[1]}"
            monkeypatch.setenv("OPENAI_BASE_URL", f"http://{address}/v1")
        url = make_server()
        body = {"mthds_contents": [MENU], "inputs": {"kitchen_note": "eggs and leeks"}}
        problem = assert_problem(
            httpx.post(f"{url}/v1/execute", json=body, timeout=120), 502, "provider-failed"
        )
    assert address not in problem["detail"] and "<address withheld>" in problem["detail"], problem["detail"]
    assert "OPENAI_BASE_URL" in problem["detail"], problem["detail"]


def test_withholding_addresses_stays_linear_on_a_long_provider_message() -> None:
    """The provider's own words are in the detail, at any length: the address pattern must not backtrack over them
    (``a.a.a.`` x 20,000 took 5 s with an unbounded scheme)."""
    from pipelex.api.problems import served_provider_detail

    started = time.process_time()
    assert served_provider_detail("a." * 30_000, "/v1/execute") == "a." * 30_000
    assert time.process_time() - started < 2.0
    withheld = served_provider_detail("nothing answered at http://10.0.3.7:8000/v1 (from $X)", "/v1/execute")
    assert withheld == "nothing answered at <address withheld> (from $X)"
