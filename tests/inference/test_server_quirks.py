"""How the OpenAI-compatible servers people run depart from OpenAI's API, each reproduced by the fake provider
on a real loopback HTTP server (the SDK and our adapter talk to its socket, nothing mocked between):
``Retry-After`` on 429/503, answers given only as ``reasoning_content``, a token limit spent reasoning, partial
``usage``, ``temperature`` refused by reasoning models, replies streamed although not asked, a proxy's HTML
error page, a connection reset half-way through the reply."""

from __future__ import annotations

import logging
import re
import time
from email.utils import formatdate

import httpx2 as httpx
import pytest

from pipelex.errors import ProviderCallFailed
from pipelex.inference.providers.base import ProviderCallError, refuses_setting, retry_after_seconds
from pipelex.testing.fake_provider import FakeProvider, Quirks
from tests.inference.conftest import RunBundle, boot, boot_openai

BUNDLE = """
domain = "desk"
main_pipe = "summarise"

[concept.Summary]
description = "A summary"
[concept.Summary.structure]
title = { type = "text", description = "Title", required = true }
words = { type = "integer", description = "Word count", required = true }

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
model = { model = "gpt-4o", temperature = 0.5, max_tokens = 40 }
prompt = "Say $note"

[pipe.say_cool]
type = "PipeLLM"
description = "Say something, cool-headed"
inputs = { note = "Text" }
output = "Text"
model = { model = "gpt-4o", temperature = 0.2 }
prompt = "Say $note"

[pipe.summarise]
type = "PipeLLM"
description = "Summarise"
inputs = { note = "Text" }
output = "Summary"
model = { model = "gpt-4o", temperature = 0.2 }
prompt = "Summarise $note"
"""

CLAUDE = BUNDLE.replace('model = { model = "gpt-4o"', 'model = { model = "claude-sonnet"')


def _calls(timeout: float = 5.0, attempts: int = 3) -> None:
    boot(
        models={
            "calls": {
                "timeout": timeout,
                "max_attempts": attempts,
                "backoff_initial": 0.01,
                "backoff_max": 0.02,
            }
        }
    )


# ---------------------------------------------------------------------------------------------- Retry-After


def test_retry_after_is_read_in_each_of_its_forms() -> None:
    headers = httpx.Headers
    assert retry_after_seconds(headers({"Retry-After": "3"})) == 3.0
    assert retry_after_seconds(headers({"retry-after": "0.5"})) == 0.5
    assert (
        retry_after_seconds(headers({"retry-after-ms": "1500", "retry-after": "9"})) == 1.5
    )  # OpenAI's, first
    later = retry_after_seconds(headers({"Retry-After": formatdate(time.time() + 30, usegmt=True)}))
    assert later is not None and 25 < later <= 30
    assert retry_after_seconds(headers({"Retry-After": formatdate(time.time() - 30, usegmt=True)})) == 0.0
    for unreadable in ("soon", "", "nan", "inf", "Wed, 99 Foo 2026"):
        assert retry_after_seconds(headers({"Retry-After": unreadable})) is None
    assert retry_after_seconds(headers({"Retry-After": "-4"})) == 0.0
    assert retry_after_seconds(headers({})) is None


@pytest.mark.parametrize("fault", ["429", "503"])
async def test_the_wait_a_server_asks_for_is_waited(
    live: FakeProvider, run_bundle: RunBundle, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Groq, OpenAI and most gateways say how long to wait in ``Retry-After``: the retry waits that long, not
    the policy's few milliseconds of backoff (the pause is read from the retry's log line)."""
    caplog.set_level(logging.INFO, logger="pipelex.inference")
    _calls()
    live.quirks = Quirks(retry_after="1")
    live.inject(fault, count=1)  # type: ignore[arg-type]
    started = time.monotonic()
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    waited = time.monotonic() - started
    assert "Fake reply" in output.main_stuff_json()["text"] and live.calls["chat"] == 2
    assert waited >= 1.0 and _pauses(caplog) == [1.0]
    caplog.clear()
    live.reset()
    live.quirks = Quirks()  # no Retry-After: the policy's backoff (10-20 ms)
    live.inject(fault, count=1)  # type: ignore[arg-type]
    await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    [pause] = _pauses(caplog)
    assert pause <= 0.02 and live.calls["chat"] == 2


def _pauses(caplog: pytest.LogCaptureFixture) -> list[float]:
    """The pauses before each retry, as logged ("...; retrying in 1.00s")."""
    return [float(m) for m in re.findall(r"retrying in ([0-9.]+)s", caplog.text)]


async def test_a_wait_longer_than_a_call_s_timeout_fails_at_once_saying_so(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """A daily quota's ``Retry-After: 3600`` is not slept through: the pipe fails at once, naming the wait."""
    _calls(timeout=5.0)
    live.quirks = Quirks(retry_after="3600")
    live.inject("429", count=5)
    started = time.monotonic()
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    assert time.monotonic() - started < 3.0 and live.calls["chat"] == 1
    error = caught.value
    assert (error.status, error.reason, error.pipe_code, error.model) == (
        429,
        "rate_limited",
        "say",
        "gpt-4o",
    )
    assert "wait 3600 s" in str(error) and "Retry-After" in str(error) and "timeout = 5 s" in str(error)


# ------------------------------------------------------------------------------------------ reasoning replies


async def test_an_answer_given_only_as_reasoning_content_is_read_and_said(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """vLLM's reasoning parser may take a grammar-constrained answer (no ``<think>`` block) for thinking: content
    null, the JSON in ``reasoning_content``. It is read (and validated: a structured one must fit its concept),
    and the leaf says where the answer came from. Without the quirk: no such warning."""
    live.quirks = Quirks(reasoning_only=True)
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="summarise")
    assert set(output.main_stuff_json()) == {"title", "words"} and live.calls["chat"] == 1
    [warning] = output.warnings
    assert "'summarise'" in warning and "reasoning_content" in warning and "taken as the answer" in warning
    text = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    assert "Fake reply" in text.main_stuff_json()["text"]
    live.quirks = Quirks()
    assert (await run_bundle(BUNDLE, {"note": "hello"}, pipe="summarise")).warnings == []


async def test_a_token_limit_spent_reasoning_is_a_clear_error_and_its_tokens_are_kept(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """A reasoning model (DeepSeek, llama.cpp's, OpenAI's) that spends ``max_tokens`` thinking answers no content
    with ``finish_reason = length``: not a malformed reply retried (each retry would spend the same), but one
    error saying to raise max_tokens; the tokens the server counted are recorded (they are billed)."""
    _calls(attempts=4)
    live.quirks = Quirks(think_past_limit=True)
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(BUNDLE, {"note": "hello"}, pipe="say_short")
    error = caught.value
    assert (error.reason, error.retryable, error.pipe_code) == ("length_limit", False, "say_short")
    assert "reasoning" in str(error) and "raise max_tokens" in str(error) and live.calls["chat"] == 1
    partial = error.partial_output  # pyright: ignore[reportAttributeAccessIssue]
    assert partial.usage.calls == 1 and partial.usage.output_tokens == 40  # the limit, all spent thinking
    live.quirks = Quirks(think_past_limit=True, omit_usage=True)  # nothing counted: nothing recorded
    with pytest.raises(ProviderCallFailed) as uncounted:
        await run_bundle(BUNDLE, {"note": "hello"}, pipe="say_short")
    assert uncounted.value.partial_output.usage.calls == 0  # pyright: ignore[reportAttributeAccessIssue]


# ------------------------------------------------------------------------------------------------- usage


async def test_a_partial_usage_is_said_and_nothing_is_guessed(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """``usage`` holding ``total_tokens`` alone: the input/output split is unknown, so both are 0 (never a guess
    from the total) and the leaf names what was missing."""
    live.quirks = Quirks(partial_usage=True)
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    assert (output.usage.calls, output.usage.input_tokens, output.usage.output_tokens) == (1, 0, 0)
    [warning] = output.warnings
    assert "partial token usage" in warning and "prompt_tokens" in warning and "completion_tokens" in warning
    assert output.usage.total_cost_usd == 0.0


# ------------------------------------------------------------------------------------------ refused settings


async def test_a_temperature_the_model_refuses_is_dropped_said_and_remembered(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """OpenAI's reasoning models (o1, o3, gpt-5) refuse any temperature but 1 with a 400: the call goes again at
    once without it (no attempt spent), later calls of that model go without it from the start, and each leaf
    whose temperature was not applied says so."""
    _calls(attempts=1)
    live.quirks = Quirks(refuse_temperature=True)
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say_cool")
    assert "Fake reply" in output.main_stuff_json()["text"]
    assert [("temperature" in r.body) for r in live.requests] == [True, False]
    [warning] = output.warnings
    assert "'say_cool'" in warning and "refuses temperature" in warning and "0.2" in warning
    live.reset()
    again = await run_bundle(BUNDLE, {"note": "hello"}, pipe="summarise")
    assert set(again.main_stuff_json()) == {"title", "words"}
    assert [("temperature" in r.body) for r in live.requests] == [False]  # remembered: one call
    assert any("refuses temperature" in w for w in again.warnings)


def test_a_temperature_out_of_range_is_not_a_refused_setting() -> None:
    def error(status: int, message: str) -> ProviderCallError:
        return ProviderCallError(message, status=status, retryable=False, reason="rejected")

    out_of_range = error(400, "Invalid 'temperature': decimal above maximum value. Expected a value <= 2.")
    assert not refuses_setting(out_of_range, "temperature")
    assert refuses_setting(error(400, "Unsupported parameter: 'temperature' is not supported"), "temperature")
    unrecognized = error(400, "Unrecognized request argument supplied: reasoning_effort")
    assert refuses_setting(unrecognized, "reasoning_effort") and not refuses_setting(
        unrecognized, "temperature"
    )
    assert not refuses_setting(error(500, "temperature is not supported"), "temperature")


# ------------------------------------------------------------------------------------------- reply transport


async def test_a_reply_streamed_although_not_asked_is_read(live: FakeProvider, run_bundle: RunBundle) -> None:
    """A server or proxy that only streams answers server-sent events to a plain request: the chunks are
    joined (content, tool-call arguments, finish reason, usage), for text and structured replies alike."""
    live.quirks = Quirks(stream_only=True)
    text = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    assert text.main_stuff_json()["text"].startswith("Fake reply") and text.usage.output_tokens > 0
    assert text.warnings == []
    summary = await run_bundle(BUNDLE, {"note": "hello"}, pipe="summarise")
    assert set(summary.main_stuff_json()) == {"title", "words"} and live.calls["chat"] == 2


async def test_a_proxy_s_html_error_page_is_named_not_quoted_whole(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """nginx or Cloudflare in front of a model server answer a 502 with an HTML page: retried as a server error,
    and the last error names the page's title instead of quoting kilobytes of markup."""
    _calls(attempts=2)
    live.inject("html_502", count=1)
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    assert "Fake reply" in output.main_stuff_json()["text"] and live.calls["chat"] == 2
    live.reset()
    live.inject("html_502", count=5)
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    message = str(caught.value)
    assert caught.value.status == 502 and "502 Bad Gateway" in message and "HTML page" in message
    assert "<" not in message and len(message) < 700


async def test_a_connection_reset_mid_reply_is_retried_and_named(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """A server that crashes (or a proxy that cuts the reply) half-way through the body: retried as a connection
    fault, and the last error says the connection dropped mid-reply, not that nothing answered."""
    _calls(attempts=2)
    live.inject("reset", count=1)
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    assert "Fake reply" in output.main_stuff_json()["text"] and live.calls["chat"] == 2
    live.reset()
    live.inject("reset", count=5)
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    message = str(caught.value)
    assert caught.value.reason == "connection" and "after 2 attempt(s)" in message
    assert "before its reply was complete" in message and "dropped the connection mid-reply" in message
    assert "nothing answered" not in message


# ----------------------------------------------------------------------------------------- schema keywords

NESTED = """
domain = "trips"
main_pipe = "plan_visit"

[concept.Place]
description = "A place"
[concept.Place.structure]
city = { type = "text", description = "City", required = true }

[concept.Visit]
description = "A visit"
[concept.Visit.structure]
place = { type = "concept", concept_ref = "trips.Place", description = "Where", required = true }
note = { type = "text", description = "A note", required = false }
kind = { type = "text", description = "Kind", choices = ["day", "night"], required = true }

[pipe.plan_visit]
type = "PipeLLM"
description = "Plan a visit"
inputs = { wish = "Text" }
output = "Visit"
prompt = "Plan a visit: $wish"
"""


def _keys(node: object) -> set[str]:
    """Every key of a JSON value, at any depth."""
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    if isinstance(node, list):
        return {k for v in node for k in _keys(v)}  # pyright: ignore[reportUnknownVariableType]
    return set()


async def test_a_server_refusing_schema_keywords_gets_a_plain_schema_in_the_same_mode(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """Gemini's OpenAI-compatible endpoint answers ``additionalProperties`` or ``$ref`` in a response schema
    with a 400 ("Unknown name ...", the error inside a list): the same ``json_schema`` mode is asked again at
    once with the references inlined and those keywords left out, remembered for the backend; the reply is
    still validated against the concept."""
    live.quirks = Quirks(refused_schema_keywords=("additionalProperties", "$ref", "$defs"))
    output = await run_bundle(NESTED, {"wish": "the sea"})
    visit = output.main_stuff_json()
    assert (
        set(visit) >= {"place", "kind"}
        and set(visit["place"]) == {"city"}
        and visit["kind"] in ("day", "night")
    )
    first, second = (r.body["response_format"] for r in live.requests)
    assert first["type"] == second["type"] == "json_schema"
    assert {"$defs", "additionalProperties"} <= _keys(first) and not _keys(second) & {
        "$defs",
        "$ref",
        "additionalProperties",
    }
    place = second["json_schema"]["schema"]["properties"]["place"]
    assert place["properties"]["city"]["type"] == "string" and place["description"] == "Where"  # inlined
    live.reset()
    await run_bundle(NESTED, {"wish": "the hills"})
    [again] = live.requests  # remembered: no refused call
    assert again.body["response_format"]["type"] == "json_schema" and "$defs" not in _keys(again.body)


async def test_a_listed_error_body_is_quoted_by_its_message(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """Gemini's error bodies are a list holding the error object: the error quotes its message, not the list."""
    boot_openai(structured_output=["json_schema", "tools"])
    live.quirks = Quirks(refused_schema_keywords=("enum",))  # one a plain schema keeps: refused for good
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(NESTED, {"wish": "the sea"})
    message = str(caught.value)
    assert caught.value.status == 400 and live.calls["chat"] == 2  # each mode of the chain refused
    assert 'HTTP 400: Invalid JSON payload received. Unknown name "enum"' in message and "[{" not in message


def test_a_plain_schema_keeps_property_names_and_stops_at_a_cycle() -> None:
    from pipelex.inference.live.structured import plain_schema

    schema = {
        "$defs": {
            "Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}, "title": "Node"}
        },
        "type": "object",
        "additionalProperties": False,
        "properties": {"title": {"type": "string", "default": "x"}, "root": {"$ref": "#/$defs/Node"}},
        "required": ["title", "root"],
    }
    plain = plain_schema(schema)
    assert set(plain["properties"]) == {"title", "root"} and plain["properties"]["title"] == {
        "type": "string"
    }
    assert plain["properties"]["root"]["properties"]["next"] == {"type": "object"}  # the cycle, cut
    assert (
        plain["required"] == ["title", "root"]
        and "$defs" not in plain
        and "additionalProperties" not in plain
    )


async def test_a_base_url_without_v1_is_a_404_whose_hint_says_so(
    live: FakeProvider, run_bundle: RunBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``OPENAI_BASE_URL=http://localhost:11434`` (no ``/v1``): the server's 404 is not retried, and the hint
    says the servers answer under /v1, giving the URL to try."""
    live.quirks = Quirks(versioned_paths=True)
    monkeypatch.setenv("OPENAI_BASE_URL", live.url)
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    message = str(caught.value)
    assert caught.value.status == 404 and live.calls["chat"] == 0  # refused at routing, before being counted
    assert f"e.g. {live.url}/v1" in message and "OPENAI_BASE_URL" in message
    monkeypatch.setenv("OPENAI_BASE_URL", live.base_url)
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    assert "Fake reply" in output.main_stuff_json()["text"]


@pytest.mark.parametrize("stream", [False, True])
async def test_tool_arguments_given_as_an_object_are_read(
    live: FakeProvider, run_bundle: RunBundle, stream: bool
) -> None:
    """OpenAI sends a tool call's arguments as JSON text; some llama-server builds send the object itself. In
    ``tools`` mode both are read as the answer, streamed or not."""
    boot_openai(structured_output=["tools", "prompt"])
    live.quirks = Quirks(tool_arguments_object=True, stream_only=stream)
    output = await run_bundle(NESTED, {"wish": "the sea"})
    assert set(output.main_stuff_json()["place"]) == {"city"} and live.calls["chat"] == 1
    assert "tools" in live.requests[0].body


# ------------------------------------------------------------------------------------------------ images

IMAGES = """
domain = "garden"
main_pipe = "draw"

[pipe.draw]
type = "PipeImgGen"
description = "Draw the bed"
inputs = { brief = "Text" }
output = "Image"
prompt = "A watercolour of $brief"
output_format = "jpeg"
"""


async def test_an_image_setting_the_model_refuses_is_dropped_and_said(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """DALL-E 3 answers ``output_format`` with "Unknown parameter" (its ``param`` named): the images call goes
    again at once without it (remembered for the model), the image is the model's default format, and the leaf
    says the setting was not applied."""
    _calls(attempts=1)
    live.quirks = Quirks(refused_image_params=("output_format",))
    output = await run_bundle(IMAGES, {"brief": "tomatoes"})
    assert output.main_stuff_json()["url"].startswith("pipelex-storage://")
    assert [("output_format" in r.body) for r in live.requests] == [True, False]
    [warning] = output.warnings
    assert "'draw'" in warning and "refuses output_format" in warning and "'jpeg'" in warning
    live.reset()
    again = await run_bundle(IMAGES, {"brief": "leeks"})
    assert [("output_format" in r.body) for r in live.requests] == [False] and len(again.warnings) == 1


async def test_an_image_reply_without_usage_is_said(live: FakeProvider, run_bundle: RunBundle) -> None:
    """DALL-E and most image servers send no ``usage``: the call is counted at 0 tokens, and the leaf says so
    (as for a chat reply without usage), instead of a silently free image."""
    live.quirks = Quirks(omit_usage=True)
    output = await run_bundle(IMAGES.replace('output_format = "jpeg"\n', ""), {"brief": "tomatoes"})
    assert (output.usage.calls, output.usage.output_tokens) == (1, 0)
    [warning] = output.warnings
    assert "'draw'" in warning and "carried no token usage" in warning
    live.quirks = Quirks()
    assert (await run_bundle(IMAGES.replace('output_format = "jpeg"\n', ""), {"brief": "x"})).warnings == []


# ------------------------------------------------------------------------------------------- chatty replies


@pytest.mark.parametrize("chatter", ["fenced", "bare"])
async def test_json_among_prose_is_read_without_a_repair_call(
    live: FakeProvider, run_bundle: RunBundle, chatter: str
) -> None:
    """A model on a server without constrained decoding (``prompt`` mode, or one that ignores the response
    format) says "Sure! Here is the answer:" and then the JSON, fenced or bare, and a closing sentence (with
    braces of its own): the JSON is read and validated at once, no repair call."""
    boot_openai(structured_output=["prompt", "tools"])
    live.quirks = Quirks(chatter=chatter)
    output = await run_bundle(NESTED, {"wish": "the sea"})
    assert set(output.main_stuff_json()["place"]) == {"city"} and live.calls["chat"] == 1
    assert "response_format" not in live.requests[0].body  # prompt mode: nothing constrained the reply


def test_json_among_prose_takes_the_fenced_block_then_the_first_value() -> None:
    from pipelex.inference.live.generator import _json_in_prose  # pyright: ignore[reportPrivateUsage]

    assert _json_in_prose('Here:\n```json\n{"a": 1}\n```\nand {"b": 2}') == ({"a": 1},)
    assert _json_in_prose('I think {not json} but then {"a": [1, 2]} done') == ({"a": [1, 2]},)
    assert _json_in_prose("no json here at all") is None
    assert _json_in_prose("a number 42 is no object") is None
    assert _json_in_prose("{" * 50 + "x") is None  # only the first few brackets are tried


@pytest.mark.parametrize(
    ("variable", "suffix", "note"),
    [
        ("OPENAI_BASE_URL", "/v1/chat/completions", "holds the route /chat/completions"),
        ("ANTHROPIC_BASE_URL", "/v1", "appends /v1/messages to the base URL itself"),
    ],
)
async def test_a_base_url_holding_what_the_sdk_appends_is_named(
    live: FakeProvider,
    run_bundle: RunBundle,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    suffix: str,
    note: str,
) -> None:
    """The endpoint pasted as the base URL (``.../v1/chat/completions``) or ``/v1`` on an Anthropic base URL:
    the SDK appends its route again, the server answers 404, and the hint says what to use instead."""
    live.quirks = Quirks(versioned_paths=True)
    monkeypatch.setenv(variable, live.url + suffix)
    bundle = BUNDLE if variable == "OPENAI_BASE_URL" else CLAUDE
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(bundle, {"note": "hello"}, pipe="say_cool")
    message = str(caught.value)
    assert caught.value.status == 404 and note in message and f"use {live.url}" in message


async def test_anthropic_s_retry_after_is_waited_too(
    live: FakeProvider, run_bundle: RunBundle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pipelex.inference")
    _calls()
    live.quirks = Quirks(retry_after="1")
    live.inject("429", count=1, route="messages")
    output = await run_bundle(CLAUDE, {"note": "hello"}, pipe="say_cool")
    assert "claude" in output.main_stuff_json()["text"] and live.calls["messages"] == 2
    assert _pauses(caplog) == [1.0]


# --------------------------------------------------------------------------------------------- Anthropic


async def test_an_anthropic_temperature_reaches_the_request(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """The anthropic SDK's 1.x releases dropped ``temperature`` from ``messages.create`` (a TypeError before any
    request: every Claude pipe with an inline model table failed); it is sent in the body, capped at 1."""
    output = await run_bundle(CLAUDE, {"note": "hello"}, pipe="say_cool")
    assert "claude" in output.main_stuff_json()["text"]
    [request] = live.requests
    assert request.route == "messages" and request.body["temperature"] == 0.2


async def test_an_anthropic_model_refusing_temperature_is_called_without_it(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """Anthropic's models after Opus 4.6 answer a temperature as deprecated: called again without it, said."""
    _calls(attempts=1)
    live.quirks = Quirks(refuse_temperature=True)
    output = await run_bundle(CLAUDE, {"note": "hello"}, pipe="say_cool")
    assert "claude" in output.main_stuff_json()["text"]
    assert [("temperature" in r.body) for r in live.requests] == [True, False]
    assert any("refuses temperature" in w for w in output.warnings)


def test_vllm_s_too_large_naming_both_token_fields_is_not_a_refused_field() -> None:
    """vLLM names both fields when the value does not fit the context: not a refusal of either field (it would
    spend a call on the other field and teach the process to send it)."""
    from pipelex.inference.providers.base import refuses_token_field

    too_large = ProviderCallError(
        "HTTP 400: 'max_tokens' or 'max_completion_tokens' is too large: 4096. This model's maximum context "
        "length is 4096 tokens and your request has 9 input tokens (4096 > 4096 - 9).",
        status=400,
        retryable=False,
        reason="rejected",
    )
    assert not refuses_token_field(too_large, "max_tokens")
    assert not refuses_token_field(too_large, "max_completion_tokens")


async def test_fastapi_error_bodies_are_read_as_their_messages(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """llama-cpp-python's server (and vLLM's older ones) answer errors as FastAPI's ``{"detail": [...]}``: a
    refused setting is still recognised in it, and a final error quotes its message, not the dict."""
    _calls(attempts=1)
    live.quirks = Quirks(refuse_temperature=True, fastapi_errors=True)
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say_cool")
    assert "Fake reply" in output.main_stuff_json()["text"] and live.calls["chat"] == 2
    live.reset()
    live.quirks = Quirks(refused_token_params=("max_tokens", "max_completion_tokens"), fastapi_errors=True)
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(BUNDLE, {"note": "hello"}, pipe="say_short")
    message = str(caught.value)
    assert "HTTP 422: body: 1 validation error" in message and "{'detail'" not in message


def test_an_error_sent_down_an_unasked_stream_is_that_error() -> None:
    from pipelex.inference.providers.openai_compat import (  # pyright: ignore[reportPrivateUsage]
        _from_event_stream,
        _no_choices,
    )

    completion = _from_event_stream(
        'data: {"error": {"message": "upstream died", "code": 502}}\n\ndata: [DONE]\n'
    )
    problem = _no_choices(completion)
    assert (problem.status, problem.reason, problem.retryable) == (502, "server_error", True)
    with pytest.raises(ProviderCallError) as caught:
        _from_event_stream("<p>not a stream</p>")
    assert caught.value.reason == "malformed" and "not JSON" in str(caught.value)


SEARCH = """
domain = "leads"
main_pipe = "find"

[pipe.find]
type = "PipeSearch"
description = "Search suppliers"
inputs = { topic = "Text" }
output = "SearchResult"
prompt = "Suppliers of $topic"
"""


async def test_a_server_that_does_not_search_says_to_pick_a_search_model(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """Gemini's OpenAI endpoint (and most servers) refuse ``web_search_options``: the search is not made without
    it (that would be an unsearched answer), the error says to give the pipe a search model."""
    live.quirks = Quirks(refuse_web_search=True)
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(SEARCH, {"topic": "leeks"})
    message = str(caught.value)
    assert caught.value.status == 400 and live.calls["chat"] == 1
    assert "'find'" in message and "does not search the web" in message and "search model" in message


async def test_a_claude_refusal_is_not_retried_and_its_tokens_are_kept(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """Claude 4 models stop with ``stop_reason = "refusal"`` and no content: the same prompt would be refused
    again, so it is ``provider_refused`` at once, and the tokens the reply counted are recorded."""
    _calls(attempts=3)
    live.quirks = Quirks(claude_refusal=True)
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(CLAUDE, {"note": "hello"}, pipe="say_cool")
    error = caught.value
    assert (error.reason, error.retryable, live.calls["messages"]) == ("refused", False, 1)
    assert "declined to answer" in str(error)
    assert error.partial_output.usage.calls == 1  # pyright: ignore[reportAttributeAccessIssue]


def test_an_openai_error_naming_its_field_only_in_param_quotes_it() -> None:
    import openai

    from pipelex.inference.providers.openai_compat import translate

    request = httpx.Request("POST", "http://127.0.0.1:1/v1/images/generations")
    body = {
        "error": {"message": "Invalid value: '1536x1024'.", "type": "invalid_request_error", "param": "size"}
    }
    client = openai.OpenAI(api_key="k", base_url="http://127.0.0.1:1/v1")
    error = client._make_status_error_from_response(httpx.Response(400, request=request, json=body))  # pyright: ignore[reportPrivateUsage]
    assert str(translate(error)) == "HTTP 400: Invalid value: '1536x1024'. (param 'size')"
