"""Seventh hostile pass: a generated image's URL that names a file of this machine.

An image endpoint answers ``{"data": [{"url": ...}]}``; pipelex fetches that URL through the IO gate, the
provider's origin trusted. The policy it used kept the run's own rights over files, so on the CLI (``[io]
allow_local_files``) an answer naming ``file:///home/<user>/.ssh/id_rsa``, or a bare path, was read and stored as
the generated image: a hostile endpoint (a proxy in front of a model, a compromised server) had any file the user
can read put in the run's output and handed to the next step (a PipeLLM describing the image sends it back out).
A provider's answer now never names a local file (``IOPolicy.provider_output``).
"""

from __future__ import annotations

import json
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipelex.boot import Pipelex
from pipelex.errors import ReadRefusedError
from pipelex.io.gate import read_reference
from pipelex.io.policy import IOPolicy, RefusalReason
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.storage.local import LocalStorage

SECRET = "SECRET-OF-THE-USER-5c1e"
CLI = IOPolicy(allow_local_files=True, allow_urls=True)  # the CLI's default [io]

DRAW = textwrap.dedent("""
    domain    = "hostile_images"
    main_pipe = "draw"

    [pipe.draw]
    type        = "PipeImgGen"
    description = "Draws a picture"
    inputs      = { idea = "Text" }
    output      = "Image"
    prompt      = "A picture of $idea"
""")


@contextmanager
def image_endpoint(url: str) -> Iterator[str]:
    """An OpenAI-compatible images endpoint on 127.0.0.1 whose every image is ``url``; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            """Quiet."""

        def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = json.dumps({"created": 0, "data": [{"url": url}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "id_rsa"
    path.write_text(SECRET)
    return path


@pytest.mark.parametrize("form", ["file-url", "bare-path", "file-localhost"])
async def test_a_provider_answer_never_names_a_local_file(secret: Path, tmp_path: Path, form: str) -> None:
    url = {
        "file-url": secret.as_uri(),
        "bare-path": str(secret),
        "file-localhost": f"file://localhost{secret}",
    }[form]
    policy = CLI.for_provider_output("https://api.example.com/v1")
    refusal = policy.refusal(url)
    assert refusal is not None and refusal.reason is RefusalReason.PROVIDER_FILE, refusal
    with pytest.raises(ReadRefusedError):
        await read_reference(url, policy, LocalStorage(tmp_path / "store"), pipe_code="draw")
    # the run's own files stay readable where they were, and a server's storage folder is no exception
    assert CLI.refusal(url) is None
    served = IOPolicy(local_roots=(str(tmp_path),)).for_provider_output(None)
    assert served.refusal(url) is not None


def test_a_provider_answer_is_otherwise_read_as_before() -> None:
    policy = CLI.for_provider_output("http://127.0.0.1:9/v1")
    assert policy.refusal("http://127.0.0.1:9/files/i.png") is None  # its own origin, trusted
    assert policy.refusal("https://cdn.example.net/i.png") is None  # another public host
    assert policy.refusal("data:image/png;base64,iVBORw0KGgo=") is None
    internal = policy.refusal("http://169.254.169.254/latest/meta-data")
    assert internal is not None and internal.reason is RefusalReason.INTERNAL


async def test_a_live_run_does_not_store_a_file_an_image_endpoint_names(
    secret: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end, under the CLI's own ``[io]`` (local files read): the run fails naming the refusal, and nothing of
    the file is stored."""
    store = tmp_path / "store"
    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(store))
    with image_endpoint(secret.as_uri()) as base_url:
        monkeypatch.setenv("OPENAI_BASE_URL", base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        Pipelex.make()
        try:
            runner = PipelexRunner(mthds_content=DRAW, pipe_run_mode=PipeRunMode.LIVE)
            assert runner.settings.io_policy.allow_local_files  # the CLI's policy: the user's files are read
            with pytest.raises(ReadRefusedError) as caught:
                await runner.execute_pipeline({"idea": "a cat"})
        finally:
            Pipelex.teardown()
    assert "never names" in str(caught.value) and SECRET not in str(caught.value)
    stored = [p.read_bytes() for p in store.rglob("*") if p.is_file()] if store.exists() else []
    assert not any(SECRET.encode() in data for data in stored)
