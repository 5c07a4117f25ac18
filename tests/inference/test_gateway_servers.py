"""A gateway between pipelex and the model server: the LiteLLM proxy (``litellm[proxy]`` 1.106.12; the real-server
tier runs it in front of llama.cpp's ``llama-server``, ``PIPELEX_REAL_LLM_SERVER=litellm``). The proxy passes an
upstream error on with its own status but wraps the upstream's words in its exception chain and adds lines of its
own (its model groups, fallbacks, a documentation link); on its Anthropic-style messages route the upstream's
words are the upstream's whole JSON error body. A stub on 127.0.0.1 answers with the bodies the proxy sent in
the tier's run (copied from its replies), through pipelex's ``openai`` and ``anthropic`` backend kinds: the SDKs
and our adapters talk to the stub's socket, nothing mocked between."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pipelex.errors import ProviderCallFailed
from pipelex.inference.providers.base import gateway_message
from tests.inference.conftest import RunBundle, boot

Answer = tuple[int, dict[str, Any]]

BUNDLE = """
domain = "desk"
main_pipe = "say"

[pipe.say]
type = "PipeLLM"
description = "Say something"
inputs = { note = "Text" }
output = "Text"
model = { model = "smollm2", temperature = 0.2, max_tokens = 50 }
prompt = "Say $note"
"""

UPSTREAM_CONTEXT = "request (6032 tokens) exceeds the available context size (4096 tokens), try increasing it"
TRAILER = (
    "\nmodel=smollm2. context_window_fallbacks=None. fallbacks=None.\n\nSet 'context_window_fallback' - "
    "https://docs.litellm.ai/docs/routing#fallbacks\n\nLiteLLM: model group 'smollm2' failed with the error "
    "above. No fallback was attempted."
)
CHAIN = "litellm.ContextWindowExceededError: litellm.BadRequestError: ContextWindowExceededError: OpenAIException - "

#: the proxy's chat-completions error: the upstream's message after the chain, the code as a string
CHAT_CONTEXT_ERROR = {
    "error": {
        "message": CHAIN + UPSTREAM_CONTEXT + TRAILER,
        "type": "invalid_request_error",
        "param": None,
        "code": "400",
    }
}
#: the proxy's messages-route error: Anthropic's shape, the upstream's whole JSON body after the chain
MESSAGES_CONTEXT_ERROR = {
    "type": "error",
    "error": {
        "type": "invalid_request_error",
        "message": CHAIN
        + json.dumps(
            {
                "error": {
                    "code": 400,
                    "message": UPSTREAM_CONTEXT,
                    "type": "exceed_context_size_error",
                    "n_prompt_tokens": 6032,
                    "n_ctx": 4096,
                }
            },
            separators=(",", ":"),
        )
        + TRAILER,
    },
}


@dataclass
class Stub:
    """The proxy's two routes: ``/v1/chat/completions`` and ``/v1/messages`` each answer ``answer(path, body)``."""

    answer: Callable[[str, dict[str, Any]], Answer]
    bodies: list[dict[str, Any]] = field(default_factory=lambda: [])
    url: str = ""


@pytest.fixture
def stub(storage_dir: Any) -> Iterator[Stub]:
    state = Stub(answer=lambda path, body: (500, {"error": {"message": "unset"}}))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            state.bodies.append(body)
            status, reply = state.answer(self.path, body)
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def _boot(stub: Stub, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A backend of ``kind`` on the proxy, with its master key, as a user configures one."""
    monkeypatch.setenv("LITELLM_KEY", "sk-gateway-test-key")
    base_url = stub.url + "/v1" if kind == "openai" else stub.url
    boot(
        models={
            "backends": {"gateway": {"kind": kind, "base_url": base_url, "api_key_env": "LITELLM_KEY"}},
            "handles": {"smollm2": {"backend": "gateway", "model_id": "smollm2"}},
            "aliases": {"default-general": "smollm2"},
            "calls": {"timeout": 5.0, "max_attempts": 2, "backoff_initial": 0.01, "backoff_max": 0.02},
        }
    )


@pytest.mark.parametrize(
    ("kind", "reply"), [("openai", CHAT_CONTEXT_ERROR), ("anthropic", MESSAGES_CONTEXT_ERROR)]
)
async def test_an_upstream_error_through_the_proxy_is_quoted_in_the_upstream_s_words(
    stub: Stub, run_bundle: RunBundle, monkeypatch: pytest.MonkeyPatch, kind: str, reply: dict[str, Any]
) -> None:
    """llama-server's 400 for a prompt past its context, as the proxy passes it on: the error says the server's
    message once, without the proxy's exception chain, its notes on fallbacks or (on the messages route) the
    upstream's JSON around it; a 400 is not retried."""
    stub.answer = lambda path, body: (400, reply)
    _boot(stub, kind, monkeypatch)
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(BUNDLE, {"note": "hello"})
    message = str(caught.value)
    assert f"HTTP 400: {UPSTREAM_CONTEXT}" in message, message
    for wrapping in ("litellm.", "OpenAIException", "context_window_fallback", '{"error"', "{'error'"):
        assert wrapping not in message, message
    assert caught.value.status == 400 and len(stub.bodies) == 1


def test_only_a_leading_exception_chain_is_unwrapped() -> None:
    """Messages that are no gateway's exception chain are quoted as they came (their later lines too)."""
    bad_field = (
        "litellm.BadRequestError: OpenAIException - Field 'temperature': [json.exception.type_error.302] type "
        "must be number, but is string\n\nLiteLLM: model group 'smollm2' failed with the error above."
    )
    assert gateway_message(bad_field) == (
        "Field 'temperature': [json.exception.type_error.302] type must be number, but is string"
    )
    unknown_model = (
        "/chat/completions: Invalid model name passed in model=gpt-4o. Call `/v1/models` to view available "
        "models for your key."
    )
    for plain in (
        unknown_model,
        "No connected db.",
        "Invalid value: 'x'\nsecond line",
        "ValueError is not raised",
    ):
        assert gateway_message(plain) == plain
    # a chain before something that is no JSON error body: its first line
    assert gateway_message("gateway.SomeError: UpstreamException - {not json\nmore") == "{not json"
    # one exception name is a server's own message (a Python server's "ValueError: ..."), quoted whole
    one = "ValidationError: 2 validation errors for ChatRequest\nmessages: field required\nmodel: field required"
    assert gateway_message(one) == one
