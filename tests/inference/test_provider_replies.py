"""A hostile or broken model server (or a proxy in front of it) cannot hold a run's memory or time: each call's
reply is read up to ``[limits] max_reply_bytes`` (raw and inflated, success and error bodies alike) and the call
is over within ``[models.calls] timeout`` however slowly its bytes come (``pipelex/inference/providers/
bounded_http.py``). A stub on 127.0.0.1 answers through pipelex's ``openai`` and ``anthropic`` backend kinds:
the SDKs and our adapters talk to its socket, nothing mocked between. Memory is checked by what the server
managed to send before the client stopped reading (a small multiple of the bound: the sockets' buffers), not
by timing."""

from __future__ import annotations

import asyncio
import json
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pipelex.config.run_settings import LimitsConfig
from pipelex.errors import ProviderCallFailed
from pipelex.inference.providers.base import ProviderCallError
from tests.inference.conftest import RunBundle, boot

MB = 1024**2
BOUND = 1 * MB  # [limits] max_reply_bytes in these tests (its least value)
SENT_AT_MOST = 48 * MB  # the bound plus what loopback sockets buffer, far under an endless reply
GUARD_S = 120  # a run still going after this long read without bound (no assertion on speed below it)

BUNDLE = """
domain = "desk"
main_pipe = "flow"

[pipe.flow]
type = "PipeSequence"
description = "Say twice"
inputs = { note = "Text" }
output = "Text"
steps = [{ pipe = "say", result = "first" }, { pipe = "again", result = "second" }]

[pipe.say]
type = "PipeLLM"
description = "Say something"
inputs = { note = "Text" }
output = "Text"
model = { model = "stubbed", temperature = 0.2, max_tokens = 50 }
prompt = "Say $note"

[pipe.again]
type = "PipeLLM"
description = "Say it again"
inputs = { first = "Text" }
output = "Text"
model = { model = "stubbed", temperature = 0.2, max_tokens = 50 }
prompt = "Again: $first"
"""

OPENAI_REPLY = {
    "id": "c1",
    "object": "chat.completion",
    "created": 0,
    "model": "stubbed",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hi there"}}
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
}
ANTHROPIC_REPLY = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "stubbed",
    "content": [{"type": "text", "text": "Hi there"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 3, "output_tokens": 2},
}


@dataclass
class Stub:
    """How the server answers (``mode``, ``status``) and what it did: bytes sent, the client ports it served."""

    mode: str = "ok"
    status: int = 200
    sent: int = 0
    ports: list[int] = field(default_factory=lambda: [])
    url: str = ""
    stop: threading.Event = field(default_factory=threading.Event)


def _gzip_bomb() -> bytes:
    """64 MB of JSON text in about 64 KB of gzip."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"a" * MB
    return b"".join(
        [packer.compress(b'{"x": "')] + [packer.compress(block) for _ in range(64)] + [packer.flush()]
    )


BOMB = _gzip_bomb()


@pytest.fixture
def stub(storage_dir: Any) -> Iterator[Stub]:
    state = Stub()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the client's pool reuses the connection

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def _send(self, data: bytes) -> None:
            self.wfile.write(data)
            state.sent += len(data)

        def _head(self, **headers: str) -> None:
            self.send_response(state.status)
            self.send_header("Content-Type", headers.pop("content_type", "application/json"))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()

        def _endless(self, chunked: bool) -> None:
            block = b"a" * (64 * 1024)
            piece = (b"%x\r\n" % len(block) + block + b"\r\n") if chunked else block
            while not state.stop.is_set():
                self._send(piece)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.ports.append(self.client_address[1])
            reply = ANTHROPIC_REPLY if self.path.endswith("/messages") else OPENAI_REPLY
            try:
                self._answer(json.dumps(reply).encode())
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _answer(self, body: bytes) -> None:
            match state.mode:
                case "ok" | "ok-gzip" | "ok-deflate" | "ok-raw-deflate":
                    if state.mode == "ok-gzip":
                        packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
                        body, encoding = packer.compress(body) + packer.flush(), "gzip"
                    elif state.mode == "ok-deflate":
                        body, encoding = zlib.compress(body), "deflate"
                    elif state.mode == "ok-raw-deflate":
                        packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
                        body, encoding = packer.compress(body) + packer.flush(), "deflate"
                    else:
                        encoding = "identity"
                    self._head(Content_Length=str(len(body)), Content_Encoding=encoding)
                    self._send(body)
                case "declared":  # a Content-Length past the bound: refused before its body is read
                    self._head(Content_Length=str(300 * MB))
                    self._endless(chunked=False)
                case "chunked":  # a chunked body with no end
                    self._head(Transfer_Encoding="chunked")
                    self._endless(chunked=True)
                case "close":  # no length at all: a body that ends when the connection does, never
                    self._head(Connection="close")
                    self._endless(chunked=False)
                case "events":  # an event stream with no end (a server that only streams)
                    self._head(content_type="text/event-stream", Transfer_Encoding="chunked")
                    event = (
                        b'data: {"choices": [{"index": 0, "delta": {"content": "' + b"a" * 4000 + b'"}}]}\n\n'
                    )
                    while not state.stop.is_set():
                        self._send(b"%x\r\n" % len(event) + event + b"\r\n")
                case "bomb":  # a gzip body inflating 1000-fold
                    self._head(Content_Length=str(len(BOMB)), Content_Encoding="gzip")
                    self._send(BOMB)
                case "drip":  # a byte at a time, each well under the read timeout, without end
                    self._head(Content_Length=str(MB // 2))
                    while not state.stop.wait(0.2):
                        self._send(b" ")
                        self.wfile.flush()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        httpd.shutdown()
        httpd.server_close()


def _boot(stub: Stub, kind: str, monkeypatch: pytest.MonkeyPatch, *, timeout: float = 60.0) -> None:
    monkeypatch.setenv("STUB_KEY", "sk-stub-test-key")
    base_url = stub.url + "/v1" if kind == "openai" else stub.url
    boot(
        models={
            "backends": {"stub": {"kind": kind, "base_url": base_url, "api_key_env": "STUB_KEY"}},
            "handles": {"stubbed": {"backend": "stub", "model_id": "stubbed"}},
            "aliases": {"default-general": "stubbed"},
            "calls": {"timeout": timeout, "max_attempts": 2, "backoff_initial": 0.01, "backoff_max": 0.02},
        },
        limits={"max_reply_bytes": BOUND},
    )


async def _fails(run_bundle: RunBundle) -> ProviderCallFailed:
    with pytest.raises(ProviderCallFailed) as caught:
        await asyncio.wait_for(run_bundle(BUNDLE, {"note": "hello"}), GUARD_S)
    return caught.value


KINDS = ["openai", "anthropic"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ["declared", "chunked", "close", "events", "bomb"])
@pytest.mark.parametrize("status", [200, 500])
async def test_a_reply_past_the_bound_fails_the_call_naming_the_setting(
    stub: Stub, run_bundle: RunBundle, monkeypatch: pytest.MonkeyPatch, kind: str, mode: str, status: int
) -> None:
    """A body of gigabytes (declared or not), one without end, an endless event stream, a gzip bomb, as a success
    or an error reply: the call stops reading at the bound and fails once (the same server would send the same),
    saying what happened and which setting bounds it."""
    stub.mode, stub.status = mode, status
    _boot(stub, kind, monkeypatch)
    error = await _fails(run_bundle)
    message = str(error)
    assert f"the provider's reply (HTTP {status}) passed 1 MB ([limits] max_reply_bytes = {BOUND})" in message
    assert "(not retried)" in message and error.reason == "reply_too_large" and not error.retryable
    assert len(stub.ports) == 1
    assert stub.sent < SENT_AT_MOST, stub.sent


@pytest.mark.parametrize("kind", KINDS)
async def test_a_drip_of_bytes_cannot_extend_a_call_past_its_timeout(
    stub: Stub, run_bundle: RunBundle, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A byte every 0.2 s never trips the SDK's read timeout; the call's own deadline ([models.calls] timeout,
    for the whole call) ends it, as a timeout (retried)."""
    stub.mode = "drip"
    _boot(stub, kind, monkeypatch, timeout=2.0)
    error = await _fails(run_bundle)
    assert error.reason == "timeout" and "after 2 attempt(s)" in str(error), str(error)
    assert len(stub.ports) == 2


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ["ok", "ok-gzip", "ok-deflate", "ok-raw-deflate"])
async def test_replies_under_the_bound_are_read_and_share_one_connection(
    stub: Stub, run_bundle: RunBundle, monkeypatch: pytest.MonkeyPatch, kind: str, mode: str
) -> None:
    """Plain and compressed replies (inflated by the bounded reader, not the SDK's client) read as before, and the
    run's two calls go through one pooled connection (the bound wraps the pool, does not replace it)."""
    stub.mode = mode
    _boot(stub, kind, monkeypatch)
    output = await asyncio.wait_for(run_bundle(BUNDLE, {"note": "hello"}), GUARD_S)
    assert output.main_stuff_json()["text"] == "Hi there"
    assert output.usage.calls == 2
    assert len(stub.ports) == 2 and stub.ports[0] == stub.ports[1], stub.ports


def test_the_bound_is_a_limits_setting_with_a_default_far_above_any_reply() -> None:
    assert LimitsConfig().max_reply_bytes == 64 * MB
    assert LimitsConfig(max_reply_bytes=BOUND).max_reply_bytes == BOUND
    with pytest.raises(ValueError, match="max_reply_bytes"):
        LimitsConfig(max_reply_bytes=1000)


def test_the_adapters_make_the_bound_one_non_retryable_error() -> None:
    """The OpenAI SDK passes the error on as raised, the Anthropic SDK wraps it in its connection error: both
    adapters give the same error."""
    import anthropic
    import httpx2
    import openai

    from pipelex.inference.providers import anthropic_messages, openai_compat
    from pipelex.inference.providers.bounded_http import ReplyTooLarge

    raw = ReplyTooLarge(BOUND, 502)
    wrapped = anthropic.APIConnectionError(request=httpx2.Request("POST", "http://127.0.0.1/v1/messages"))
    wrapped.__cause__ = raw
    for error in (openai_compat.translate(raw), anthropic_messages.translate(wrapped)):
        assert isinstance(error, ProviderCallError)
        assert not error.retryable and error.reason == "reply_too_large" and error.status is None
        assert "(HTTP 502) passed 1 MB ([limits] max_reply_bytes = 1048576)" in str(error)
    assert openai_compat.translate(openai.APIConnectionError(request=wrapped.request)).reason == "connection"


def test_a_runner_bounds_replies_by_its_run_s_limits() -> None:
    """The bound comes from the run's settings when the caller gives them (as every other limit), else from the
    config's [limits]."""
    from pipelex.config.run_settings import RunSettings
    from pipelex.pipeline.runner import PipelexRunner

    config = boot(limits={"max_reply_bytes": 3 * MB})
    runner = PipelexRunner(mthds_content=BUNDLE, config=config)
    assert runner.generators.live is not None and runner.generators.live.max_reply_bytes == 3 * MB
    given = RunSettings(limits=LimitsConfig(max_reply_bytes=BOUND))
    runner = PipelexRunner(mthds_content=BUNDLE, config=config, settings=given)
    assert runner.generators.live is not None and runner.generators.live.max_reply_bytes == BOUND
