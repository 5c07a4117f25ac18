"""Reply shapes of real OpenAI-compatible servers that the fake provider does not produce, each from a loopback
stub on 127.0.0.1 that sends the server's wire format (its status, headers and JSON body) as the server would: the
SDK and our adapter talk to its socket, nothing mocked between.

- a reasoning model whose chat template opens the thinking in the prompt (DeepSeek-R1 and its distills, QwQ:
  the template ends with ``<think>\\n``), served without a reasoning parser (llama.cpp's ``--reasoning-format
  none``, Ollama's and vLLM's defaults for some models): the reply starts mid-thought and has a ``</think>`` but no
  ``<think>``;
- the answer encoded twice: a JSON string holding the object (a model writing its JSON as a string in ``json_object``
  mode, a proxy quoting a tool call's arguments again).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pipelex.errors import ProviderCallFailed
from tests.inference.conftest import RunBundle, boot

BUNDLE = """
domain = "desk"
main_pipe = "summarise"

[concept.Summary]
description = "A summary"
[concept.Summary.structure]
title = { type = "text", description = "Title", required = true }
words = { type = "integer", description = "Word count", required = true }

[pipe.summarise]
type = "PipeLLM"
description = "Summarise"
inputs = { note = "Text" }
output = "Summary"
model = { model = "stubbed", temperature = 0.2, max_tokens = 200 }
prompt = "Summarise $note"
"""

ANSWER = {"title": "The answer", "words": 3}


@dataclass
class Stub:
    """The replies the server gives, in order (the last one again when they run out), and the bodies it got."""

    replies: list[tuple[int, dict[str, str], dict[str, Any]]] = field(default_factory=lambda: [])
    bodies: list[dict[str, Any]] = field(default_factory=lambda: [])
    url: str = ""


def completion(
    content: str | None = None, *, tool_arguments: object = None, finish: str = "stop"
) -> dict[str, Any]:
    """A chat completion as llama-server, vLLM and Ollama send it."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_arguments is not None:
        message["tool_calls"] = [
            {"id": "call_1", "type": "function", "function": {"name": "Summary", "arguments": tool_arguments}}
        ]
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "stubbed",
        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
    }


@pytest.fixture
def stub(storage_dir: Any) -> Iterator[Stub]:
    state = Stub()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def do_POST(self) -> None:
            state.bodies.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0))))
            status, headers, body = state.replies[min(len(state.bodies), len(state.replies)) - 1]
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def _boot(stub: Stub, **backend: Any) -> None:
    boot(
        models={
            "backends": {"stub": {"kind": "openai", "base_url": stub.url, **backend}},
            "handles": {"stubbed": {"backend": "stub", "model_id": "stubbed"}},
            "calls": {"timeout": 30.0, "max_attempts": 2, "backoff_initial": 0.01, "backoff_max": 0.02},
        }
    )


async def _summary(run_bundle: RunBundle) -> dict[str, Any]:
    output = await run_bundle(BUNDLE, {"note": "a note"})
    return output.main_stuff_json()


# ------------------------------------------------------------------------------------------ thinking in the reply

THOUGHT = (
    "Okay, the user wants a summary. A first draft could be "
    + json.dumps({"title": "A draft", "words": 2})
    + ", but a better title is shorter. Let me write it.\n"
)


@pytest.mark.parametrize(
    "content",
    [
        f"{THOUGHT}</think>\n\n{json.dumps(ANSWER)}",  # the template opened the thinking in the prompt
        f"<think>\n{THOUGHT}</think>\n\n{json.dumps(ANSWER)}",  # the model opened it itself
        f"{THOUGHT}</think>\n\nHere it is:\n```json\n{json.dumps(ANSWER)}\n```",  # prose and a fence after it
    ],
    ids=["opened-in-the-prompt", "opened-in-the-reply", "fenced-after"],
)
async def test_the_answer_after_the_thinking_is_read_never_a_draft_in_it(
    stub: Stub, run_bundle: RunBundle, content: str
) -> None:
    _boot(stub)
    stub.replies = [(200, {}, completion(content))]
    assert await _summary(run_bundle) == ANSWER
    assert len(stub.bodies) == 1  # read at once, no repair call


async def test_thinking_with_no_answer_after_it_gets_the_repair_call(
    stub: Stub, run_bundle: RunBundle
) -> None:
    """Only thinking (the draft inside it is no answer): the repair call, then its answer."""
    _boot(stub)
    stub.replies = [
        (200, {}, completion(f"{THOUGHT}</think>\n\n")),
        (200, {}, completion(json.dumps(ANSWER))),
    ]
    assert await _summary(run_bundle) == ANSWER
    assert len(stub.bodies) == 2
    assert "A previous answer to this request was refused" in stub.bodies[1]["messages"][-1]["content"]


async def test_a_json_answer_whose_strings_hold_a_think_tag_is_read_whole(
    stub: Stub, run_bundle: RunBundle
) -> None:
    answer = {"title": "What </think> means", "words": 3}
    _boot(stub)
    stub.replies = [(200, {}, completion(json.dumps(answer)))]
    assert await _summary(run_bundle) == answer


# ------------------------------------------------------------------------------------------ an answer encoded twice


async def test_an_answer_given_as_a_json_string_is_read_once_more(stub: Stub, run_bundle: RunBundle) -> None:
    _boot(stub)
    stub.replies = [(200, {}, completion(json.dumps(json.dumps(ANSWER))))]
    assert await _summary(run_bundle) == ANSWER
    assert len(stub.bodies) == 1


async def test_tool_arguments_quoted_twice_are_read(stub: Stub, run_bundle: RunBundle) -> None:
    _boot(stub, structured_output="tools")
    stub.replies = [(200, {}, completion(None, tool_arguments=json.dumps(json.dumps(ANSWER))))]
    assert await _summary(run_bundle) == ANSWER
    assert len(stub.bodies) == 1 and "tools" in stub.bodies[0]


async def test_a_json_string_holding_no_object_is_still_a_mismatch(stub: Stub, run_bundle: RunBundle) -> None:
    _boot(stub)
    stub.replies = [(200, {}, completion(json.dumps("{not json")))]
    with pytest.raises(ProviderCallFailed) as caught:
        await _summary(run_bundle)
    assert caught.value.reason == "schema_mismatch"
    assert len(stub.bodies) == 2  # the reply and the repair call; a mismatch is not retried past that


# ------------------------------------------------------------------------------------------ a forced tool ignored

PROSE = "Water leak: a damaged pipe under the sink. " * 3


@pytest.mark.parametrize("finish", ["stop", "length"])
async def test_a_forced_tool_answered_in_text_moves_the_backend_to_prompt_mode(
    stub: Stub, run_bundle: RunBundle, finish: str
) -> None:
    """llama-server reads a named ``tool_choice`` as ``"auto"`` (it logs "Wrong type supplied for parameter
    'tool_choice'") and older Ollama releases did not read ``tool_choice``: the reply is prose with no tool call, cut at the token limit
    or not. The repair call describes the schema in the prompt, without the tool, and later calls start there."""
    _boot(stub, structured_output=["tools", "prompt"])
    stub.replies = [(200, {}, completion(PROSE, finish=finish)), (200, {}, completion(json.dumps(ANSWER)))]
    assert await _summary(run_bundle) == ANSWER
    first, repair = stub.bodies
    assert first["tool_choice"] == {
        "type": "function",
        "function": {"name": first["tools"][0]["function"]["name"]},
    }
    assert "tools" not in repair and "tool_choice" not in repair
    assert "JSON schema of the answer:" in repair["messages"][-1]["content"]
    assert await _summary(run_bundle) == ANSWER  # the next call starts in prompt mode
    assert len(stub.bodies) == 3 and "tools" not in stub.bodies[2]


async def test_a_forced_tool_answered_with_fitting_json_in_text_is_kept(
    stub: Stub, run_bundle: RunBundle
) -> None:
    _boot(stub, structured_output=["tools", "prompt"])
    stub.replies = [(200, {}, completion(json.dumps(ANSWER)))]
    assert await _summary(run_bundle) == ANSWER
    assert len(stub.bodies) == 1


# ------------------------------------------------------------------------------------------ a server still loading

LOADING = {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}}


async def test_a_server_still_loading_its_model_is_retried_then_named(
    stub: Stub, run_bundle: RunBundle
) -> None:
    """llama-server's 503 while its model loads: retried; if it lasts, one line naming the pipe, the provider, the
    server's words and what to do."""
    _boot(stub)
    stub.replies = [(503, {}, LOADING), (200, {}, completion(json.dumps(ANSWER)))]
    assert await _summary(run_bundle) == ANSWER  # the second attempt found it ready
    stub.bodies.clear()
    stub.replies = [(503, {}, LOADING)]
    with pytest.raises(ProviderCallFailed) as caught:
        await _summary(run_bundle)
    message = str(caught.value)
    assert len(stub.bodies) == 2  # max_attempts
    assert "pipe 'summarise'" in message and "provider 'stub'" in message and "after 2 attempt(s)" in message
    assert "HTTP 503: Loading model" in message and "still loading its model" in message
    assert caught.value.status == 503 and "\n" not in message


async def test_the_final_channel_of_a_harmony_reply_is_read(stub: Stub, run_bundle: RunBundle) -> None:
    """gpt-oss served without its harmony parser: the analysis channel (with a draft in it), then the final one."""
    _boot(stub)
    content = (
        f"<|channel|>analysis<|message|>{THOUGHT}<|end|><|start|>assistant<|channel|>final<|message|>"
        f"{json.dumps(ANSWER)}<|return|>"
    )
    stub.replies = [(200, {}, completion(content))]
    assert await _summary(run_bundle) == ANSWER
    assert len(stub.bodies) == 1


# ------------------------------------------------------------------------------------------ a reply that starts as JSON

NESTED = """
domain = "desk"
main_pipe = "file"

[concept.Place]
description = "A place"
[concept.Place.structure]
city = { type = "text", description = "The city", required = true }

[concept.Report]
description = "A report"
[concept.Report.structure]
title = { type = "text", description = "Title", required = true }
place = { type = "concept", concept_ref = "Place", description = "Where", required = true }
notes = { type = "text", description = "Notes", required = true }

[pipe.file]
type = "PipeLLM"
description = "File a report"
inputs = { note = "Text" }
output = "Report"
model = { model = "stubbed", temperature = 0.2, max_tokens = 40 }
prompt = "File $note"
"""

REPORT = {"title": "Flat", "place": {"city": "Lyon"}, "notes": "A leak"}


async def test_a_reply_cut_mid_json_is_not_read_from_an_inner_object(
    stub: Stub, run_bundle: RunBundle
) -> None:
    """llama-server's grammar-constrained reply cut at max_tokens: the nested object inside it is complete, but it
    is no answer; the error says the reply is not JSON (cut), not that every field of the concept is missing."""
    _boot(stub)
    cut = '{"title": "Flat", "place": {"city": "Lyon"}, "notes": "A leak under the sink, and'
    stub.replies = [(200, {}, completion(cut, finish="length"))]
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(NESTED, {"note": "a note"})
    message = str(caught.value)
    assert caught.value.reason == "length_limit" and "max_tokens = 40" in message
    assert "not JSON" in message and "Field required" not in message
    assert len(stub.bodies) == 1


async def test_a_broken_json_reply_gets_a_repair_call_saying_so(stub: Stub, run_bundle: RunBundle) -> None:
    _boot(stub)
    broken = '{"title": "Flat" "place": {"city": "Lyon"}, "notes": "A leak"}'  # a comma missing
    stub.replies = [(200, {}, completion(broken)), (200, {}, completion(json.dumps(REPORT)))]
    output = await run_bundle(NESTED, {"note": "a note"})
    assert output.main_stuff_json() == REPORT
    repair = stub.bodies[1]["messages"][-1]["content"]
    assert "is not JSON" in repair and "Field required" not in repair


async def test_json_followed_by_prose_is_still_read(stub: Stub, run_bundle: RunBundle) -> None:
    _boot(stub)
    stub.replies = [(200, {}, completion(json.dumps(REPORT) + "\n\nI hope this helps! {see above}"))]
    output = await run_bundle(NESTED, {"note": "a note"})
    assert output.main_stuff_json() == REPORT
    assert len(stub.bodies) == 1


# ------------------------------------------------------------------------------------------ the server checks the reply


def _generation_failed(code: str, message: str, generation: str) -> dict[str, Any]:
    """Groq's 400 when the model's reply failed its own check in a JSON mode or for a forced tool."""
    return {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "code": code,
            "failed_generation": generation,
        }
    }


JSON_FAILED = _generation_failed(
    "json_validate_failed",
    "Failed to generate JSON. Please adjust your prompt. See 'failed_generation' for more details.",
    '{"title": "The answer", words: 3}',
)
TOOL_FAILED = _generation_failed(
    "tool_use_failed",
    "tool call validation failed: parameters for tool answer did not match schema: errors: [`/words`: expected "
    "integer, but got string]",
    '<function=answer>{"title": "The answer", "words": "three"}</function>',
)


@pytest.mark.parametrize(
    ("mode", "failure"), [("json_schema", JSON_FAILED), ("tools", TOOL_FAILED)], ids=["json", "tool"]
)
async def test_a_reply_the_server_found_invalid_is_retried_in_the_same_mode(
    stub: Stub, run_bundle: RunBundle, mode: str, failure: dict[str, Any]
) -> None:
    """Groq answers a reply failing its own check with a 400 (``json_validate_failed``, ``tool_use_failed``): the
    model's sampling, not a refusal of the request or of the mode (the tool error names a tool and a schema). It is
    retried in the same mode; when it lasts, one line says so, with the code and the start of the reply."""
    _boot(stub, structured_output=mode)
    answer = (
        completion(json.dumps(ANSWER))
        if mode == "json_schema"
        else completion(None, tool_arguments=json.dumps(ANSWER))
    )
    stub.replies = [(400, {}, failure), (200, {}, answer)]
    assert await _summary(run_bundle) == ANSWER
    assert len(stub.bodies) == 2 and stub.bodies[0] == stub.bodies[1]  # the same request again
    stub.bodies.clear()
    stub.replies = [(400, {}, failure)]
    with pytest.raises(ProviderCallFailed) as caught:
        await _summary(run_bundle)
    message = str(caught.value)
    assert len(stub.bodies) == 2 and all(b == stub.bodies[0] for b in stub.bodies)
    assert ("tools" in stub.bodies[0]) == (mode == "tools")  # never moved to another mode
    assert "after 2 attempt(s)" in message and "HTTP 400" in message
    assert failure["error"]["code"] in message and "the reply was" in message
    assert caught.value.reason == "schema_mismatch"


@pytest.mark.parametrize(
    "content",
    [
        f"<think>\n{THOUGHT}",
        f"<|channel|>analysis<|message|>{THOUGHT}",
        f"<|start|>assistant<|channel|>analysis<|message|>{THOUGHT}",
    ],
    ids=["think", "harmony", "harmony-with-its-start"],
)
async def test_thinking_cut_at_the_token_limit_is_no_answer(
    stub: Stub, run_bundle: RunBundle, content: str
) -> None:
    """A reply cut while the model was still thinking: the draft in the thinking (which fits the concept) is not
    taken as the answer with a mere warning; the error says the reply stopped at the token limit."""
    _boot(stub)
    stub.replies = [(200, {}, completion(content, finish="length"))]
    with pytest.raises(ProviderCallFailed) as caught:
        await _summary(run_bundle)
    assert caught.value.reason == "length_limit" and "max_tokens = 200" in str(caught.value)
    assert len(stub.bodies) == 1


# ------------------------------------------------------------------------------------------ one line


async def test_a_server_error_over_several_lines_is_quoted_on_one(stub: Stub, run_bundle: RunBundle) -> None:
    """vLLM's request validation error is pydantic's, over three lines: the run's error stays one line."""
    _boot(stub)
    vllm = {
        "object": "error",
        "message": "1 validation error for ChatCompletionRequest\n  Value error, invalid value [type=value_error]\n"
        "    For further information visit https://errors.pydantic.dev",
        "type": "BadRequestError",
        "code": 400,
    }
    stub.replies = [(400, {}, vllm)]
    with pytest.raises(ProviderCallFailed) as caught:
        await _summary(run_bundle)
    message = str(caught.value)
    assert "\n" not in message and "[status 400]" in message
    assert (
        "ChatCompletionRequest Value error, invalid value [type=value_error] For further information"
        in message
    )


async def test_an_error_sent_with_http_200_over_several_lines_is_quoted_on_one(
    stub: Stub, run_bundle: RunBundle
) -> None:
    """A proxy's upstream failure sent as HTTP 200 with an ``{"error": ...}`` body (OpenRouter's shape), its message
    over several lines: retried, then one line."""
    _boot(stub)
    stub.replies = [
        (200, {}, {"error": {"message": "Upstream error:\n  the provider\n  is overloaded", "code": 502}})
    ]
    with pytest.raises(ProviderCallFailed) as caught:
        await _summary(run_bundle)
    message = str(caught.value)
    assert "\n" not in message and "Upstream error: the provider is overloaded" in message
    assert len(stub.bodies) == 2
