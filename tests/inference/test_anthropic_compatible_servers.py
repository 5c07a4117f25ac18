"""A backend of kind ``anthropic`` pointed at a server that speaks Anthropic's messages API without being
Anthropic: llama.cpp's ``llama-server`` serves ``POST /v1/messages`` (build 11434; the real-server tier,
tests/real_llm/test_real_server_anthropic.py, runs it). A stub on 127.0.0.1 answers the way that server does,
from its own source (``server_task_result_cmpl_final::to_json_anthropic``, ``format_error_response``): errors in
the OpenAI shape ``{"error": {"code", "message", "type"}}`` even on the messages route, ``usage`` with
``cache_read_input_tokens`` beside ``input_tokens``, ``stop_reason = "max_tokens"`` at the token limit or the
end of the slot's context, a forced ``tool_choice`` made ``"required"`` (the tool's name dropped) and, with a
chat template that has no tools (SmolLM2's), ignored: prose comes back. The SDK and our adapter talk to the
stub's socket, nothing mocked between."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pipelex.errors import ProviderCallFailed
from tests.inference.conftest import RunBundle, boot

Answer = tuple[int, dict[str, Any]]

BUNDLE = """
domain = "desk"
main_pipe = "say"

[concept.Ticket]
description = "A support ticket, read"
[concept.Ticket.structure]
summary = { type = "text", description = "A one-line summary", required = true }
urgency = { type = "text", description = "How urgent it is", choices = ["high", "low"], required = true }

[pipe.say]
type = "PipeLLM"
description = "Say something"
inputs = { note = "Text" }
output = "Text"
prompt = "Say $note"

[pipe.say_short]
type = "PipeLLM"
description = "Say something short"
inputs = { note = "Text" }
output = "Text"
model = { model = "smollm2", temperature = 0.25, max_tokens = 7 }
prompt = "Say $note"

[pipe.read]
type = "PipeLLM"
description = "Read a ticket"
inputs = { note = "Text" }
output = "Ticket"
prompt = "Read this note into a ticket: $note"
"""


@dataclass
class Stub:
    """An Anthropic-compatible server answering each ``POST /v1/messages`` with ``answer(body)``; it records the
    request bodies."""

    answer: Callable[[dict[str, Any]], Answer]
    bodies: list[dict[str, Any]] = field(default_factory=lambda: [])
    url: str = ""


def _message(
    content: list[dict[str, Any]],
    stop_reason: str,
    *,
    input_tokens: int = 30,
    cached: int = 0,
    output: int = 5,
) -> dict[str, Any]:
    """A reply as llama-server writes it (``to_json_anthropic``)."""
    return {
        "id": "chatcmpl-stub",
        "type": "message",
        "role": "assistant",
        "content": content,
        "model": "smollm2",
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"cache_read_input_tokens": cached, "input_tokens": input_tokens, "output_tokens": output},
    }


def _text(text: str, stop_reason: str = "end_turn", **usage: int) -> Answer:
    return 200, _message([{"type": "text", "text": text}], stop_reason, **usage)


@pytest.fixture
def stub(storage_dir: Any) -> Iterator[Stub]:
    """The stub on a free port of 127.0.0.1, and pipelex booted with a backend of kind ``anthropic`` on it (no
    key: a local server needs none), the handle ``smollm2`` the default model."""
    state = Stub(answer=lambda body: _text("Hello."))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            state.bodies.append(body)
            status, reply = (
                state.answer(body) if self.path == "/v1/messages" else (404, {"error": "no route"})
            )
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    boot(
        models={
            "backends": {"llamacpp": {"kind": "anthropic", "base_url": state.url}},
            "handles": {
                "smollm2": {"backend": "llamacpp", "model_id": "smollm2", "outputs": ["text", "structured"]}
            },
            "aliases": {"default-general": "smollm2"},
            "calls": {"timeout": 5.0, "max_attempts": 2, "backoff_initial": 0.01, "backoff_max": 0.02},
        }
    )
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_a_server_error_in_the_openai_shape_is_quoted_once(stub: Stub, run_bundle: RunBundle) -> None:
    """llama-server answers a prompt longer than its slot's context with a 400 whose body is OpenAI's shape: the
    error carries its message once, not the SDK's "Error code: 400 - {'error': {...}}" (the status twice and
    a Python dict)."""
    stub.answer = lambda body: (
        400,
        {
            "error": {
                "code": 400,
                "message": "request (5000 tokens) exceeds the available context size (4096 tokens), try "
                "increasing it",
                "type": "exceed_context_size_error",
                "n_prompt_tokens": 5000,
                "n_ctx": 4096,
            }
        },
    )
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(BUNDLE, {"note": "hello"})
    message = str(caught.value)
    assert "HTTP 400: request (5000 tokens) exceeds the available context size (4096 tokens)" in message
    assert "Error code" not in message and "{'error'" not in message, message
    assert caught.value.status == 400 and len(stub.bodies) == 1  # a 400: not retried


def test_anthropic_s_own_error_body_is_quoted_as_its_message() -> None:
    import anthropic
    import httpx2 as httpx

    from pipelex.inference.providers.anthropic_messages import translate

    def status(code: int, body: object) -> anthropic.APIStatusError:
        request = httpx.Request("POST", "http://127.0.0.1:1/v1/messages")
        response = httpx.Response(code, request=request, json=body)
        return anthropic.APIStatusError(
            f"Error code: {code}" + (f" - {body}" if body is not None else ""), response=response, body=body
        )

    claude = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    overloaded = translate(status(529, claude))
    assert str(overloaded) == "HTTP 529: Overloaded" and overloaded.retryable
    assert str(translate(status(502, "Bad Gateway"))) == "HTTP 502: Bad Gateway"
    assert str(translate(status(503, None))) == "HTTP 503: no message"
    # a body with no message of its own is quoted as it came, once
    assert str(translate(status(400, {"detail": "bad"}))) == "HTTP 400: {'detail': 'bad'}"


async def test_a_pipe_without_max_tokens_names_the_limit_the_messages_api_was_sent(
    stub: Stub, run_bundle: RunBundle
) -> None:
    """The messages API requires ``max_tokens``: a pipe that sets none sends the default (4096), and a reply cut
    there says that limit, as the default, not "no max_tokens was sent"; llama-server stops at the end of its
    slot's context with ``stop_reason = "max_tokens"`` (4000 tokens here, fewer than the limit): the warning
    says the server cut it at a limit of its own, and does not say to raise max_tokens."""
    stub.answer = lambda body: _text("looping looping looping", "max_tokens", output=4000)
    output = await run_bundle(BUNDLE, {"note": "hello"})
    [body] = stub.bodies
    assert body["max_tokens"] == 4096
    [warning] = output.warnings
    assert "stopped at the token limit (max_tokens = 4096, the default" in warning, warning
    assert "the reply has 4000 tokens, fewer: the server stopped it" in warning
    assert "no max_tokens was sent" not in warning and "raise max_tokens" not in warning
    stub.answer = lambda body: _text("looping looping looping", "max_tokens", output=4096)
    [warning] = (await run_bundle(BUNDLE, {"note": "hello"})).warnings
    assert "(max_tokens = 4096, the default: the pipe, its preset and the model's handle set none)" in warning
    assert "raise max_tokens" in warning


async def test_settings_usage_and_a_cut_reply_as_llama_server_answers(
    stub: Stub, run_bundle: RunBundle
) -> None:
    """The pipe's temperature and max_tokens and the system prompt go in the body; llama-server's usage (the
    cached prompt tokens apart from ``input_tokens``) counts as input; ``stop_reason = "max_tokens"`` warns."""
    stub.answer = lambda body: _text("Hello there, how", "max_tokens", input_tokens=12, cached=20, output=7)
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say_short")
    [body] = stub.bodies
    assert body["temperature"] == 0.25 and body["max_tokens"] == 7 and body["model"] == "smollm2"
    assert "tools" not in body and "stream" not in body
    assert output.main_stuff_json()["text"] == "Hello there, how"
    assert (output.usage.calls, output.usage.input_tokens, output.usage.output_tokens) == (1, 32, 7)
    [warning] = output.warnings
    assert "stopped at the token limit (max_tokens = 7)" in warning


async def test_a_forced_tool_answered_as_a_tool_use_block(stub: Stub, run_bundle: RunBundle) -> None:
    """A structured pipe sends one tool and ``tool_choice = {"type": "tool", ...}``; a ``tool_use`` block (the
    server parsed the model's call) is the answer."""
    stub.answer = lambda body: (
        200,
        _message(
            [
                {
                    "type": "tool_use",
                    "id": "c1",
                    "name": body["tools"][0]["name"],
                    "input": {"summary": "Down", "urgency": "high"},
                }
            ],
            "tool_use",
        ),
    )
    output = await run_bundle(BUNDLE, {"note": "the site is down"}, pipe="read")
    assert output.main_stuff_json() == {"summary": "Down", "urgency": "high"}
    [body] = stub.bodies
    assert body["tool_choice"] == {"type": "tool", "name": body["tools"][0]["name"]}
    assert body["tools"][0]["input_schema"]["properties"]["urgency"]["enum"] == ["high", "low"]


async def test_a_server_ignoring_the_forced_tool_moves_the_backend_to_the_prompt_mode(
    stub: Stub, run_bundle: RunBundle
) -> None:
    """llama-server makes a forced tool ``"required"`` but, with a chat template that has no tools (SmolLM2's),
    builds no grammar and renders no tool: the model answers prose, never having seen the schema. The repair
    call and every later structured call of the process go in the ``prompt`` mode (the schema in the prompt, no
    tool): one call per structured pipe instead of a wasted forced-tool call each time."""

    def answer(body: dict[str, Any]) -> Answer:
        if "tools" in body:
            return _text("Sure! The checkout is broken and it is urgent.")
        return _text('Here it is: {"summary": "Checkout broken", "urgency": "high"}')

    stub.answer = answer
    first = await run_bundle(BUNDLE, {"note": "checkout broken"}, pipe="read")
    assert first.main_stuff_json() == {"summary": "Checkout broken", "urgency": "high"}
    assert ["tools" in b for b in stub.bodies] == [True, False]
    assert first.usage.calls == 2  # the ignored forced-tool call was answered (and counted) too
    repair = stub.bodies[1]["messages"][0]["content"]
    assert "urgency" in repair and "tool_choice" not in stub.bodies[1]
    stub.bodies.clear()
    second = await run_bundle(BUNDLE, {"note": "checkout broken"}, pipe="read")
    assert second.main_stuff_json() == {"summary": "Checkout broken", "urgency": "high"}
    [body] = stub.bodies  # straight to the prompt mode: the schema described, no tool
    assert "tools" not in body and '"urgency"' in str(body["messages"][0]["content"])


async def test_a_forced_tool_answered_with_text_that_fits_is_kept_and_learned(
    stub: Stub, run_bundle: RunBundle
) -> None:
    """Text holding a JSON answer that fits is the answer (no repair call); the backend still moves to the
    prompt mode, where the model is shown the schema."""
    stub.answer = lambda body: _text('{"summary": "Down", "urgency": "low"}')
    output = await run_bundle(BUNDLE, {"note": "down"}, pipe="read")
    assert output.main_stuff_json() == {"summary": "Down", "urgency": "low"} and len(stub.bodies) == 1
    await run_bundle(BUNDLE, {"note": "down"}, pipe="read")
    assert ["tools" in b for b in stub.bodies] == [True, False]


async def test_a_configured_tools_only_backend_keeps_the_forced_tool(
    stub: Stub, run_bundle: RunBundle
) -> None:
    """``structured_output = "tools"`` written alone is kept: prose, then the repair call with the tool again."""
    boot(
        models={
            "backends": {
                "llamacpp": {"kind": "anthropic", "base_url": stub.url, "structured_output": ["tools"]}
            },
            "handles": {
                "smollm2": {"backend": "llamacpp", "model_id": "smollm2", "outputs": ["text", "structured"]}
            },
            "aliases": {"default-general": "smollm2"},
            "calls": {"timeout": 5.0, "max_attempts": 1},
        }
    )
    replies = iter([_text("prose"), _text('{"summary": "Down", "urgency": "low"}')])
    stub.answer = lambda body: next(replies)
    output = await run_bundle(BUNDLE, {"note": "down"}, pipe="read")
    assert output.main_stuff_json() == {"summary": "Down", "urgency": "low"}
    assert ["tools" in b for b in stub.bodies] == [True, True]


async def test_an_ignored_forced_tool_cut_at_the_limit_still_gets_the_prompt_mode_call(
    stub: Stub, run_bundle: RunBundle
) -> None:
    """SmolLM2 on llama-server, shown no tool, rambled to the pipe's max_tokens (``stop_reason = "max_tokens"``):
    that prose is not a structure the limit cut (raising max_tokens would not help), so the call goes again in
    the prompt mode, with the schema, instead of failing as ``provider_length_limit``."""

    def answer(body: dict[str, Any]) -> Answer:
        if "tools" in body:
            return _text(
                "This note reads: the checkout, the checkout, the checkout", "max_tokens", output=300
            )
        return _text('{"summary": "Checkout broken", "urgency": "high"}')

    stub.answer = answer
    output = await run_bundle(BUNDLE, {"note": "checkout broken"}, pipe="read")
    assert output.main_stuff_json() == {"summary": "Checkout broken", "urgency": "high"}
    assert ["tools" in b for b in stub.bodies] == [True, False]
