"""The fake provider answers the real SDKs over HTTP: text, schema-fitting JSON, images, faults, counters."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from typing import Any

import anthropic
import openai
import pytest

from pipelex.testing.fake_provider import FakeProvider, instance_from_schema


@pytest.fixture
def fake() -> Any:
    with FakeProvider() as provider:
        yield provider


def _openai(fake: FakeProvider) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key="k", base_url=fake.base_url, max_retries=0)


async def test_chat_text_and_usage(fake: FakeProvider) -> None:
    async with _openai(fake) as client:
        reply = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hello"}]
        )
    assert reply.choices[0].message.content and "hello" in reply.choices[0].message.content
    assert reply.usage is not None and reply.usage.prompt_tokens == 2 and reply.usage.completion_tokens > 0
    assert fake.calls == {"chat": 1, "images": 0, "messages": 0}


async def test_chat_structured_output_fits_the_schema(fake: FakeProvider) -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}, "minItems": 2, "maxItems": 2},
        },
        "$defs": {
            "Tag": {
                "type": "object",
                "properties": {"level": {"enum": ["low", "high"]}, "n": {"type": "integer", "minimum": 4}},
            }
        },
    }
    async with _openai(fake) as client:
        reply = await client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "x"}],
            response_format={"type": "json_schema", "json_schema": {"name": "Out", "schema": schema}},
        )
    data = json.loads(reply.choices[0].message.content or "")
    assert data == {"name": "fake name", "tags": [{"level": "low", "n": 4}, {"level": "low", "n": 4}]}


@pytest.mark.parametrize(
    ("schema", "want"),
    [
        ({"type": "string", "format": "date"}, "2024-01-02"),
        ({"anyOf": [{"type": "null"}, {"type": "boolean"}]}, True),
        ({"type": ["null", "number"], "minimum": 1, "maximum": 3}, 2.0),
        ({"const": 7}, 7),
        ({"type": "object", "additionalProperties": {"type": "string"}}, {}),
        ({"type": "integer", "maximum": -2}, -2),
        ({"type": "integer", "exclusiveMinimum": 4}, 5),
        ({"type": "string", "maxLength": 3}, "fak"),
        ({"type": "string", "minLength": 12}, "fake valuexx"),
    ],
    ids=[
        "date",
        "any-of",
        "type-list",
        "const",
        "free-dict",
        "int-max",
        "int-exclusive-min",
        "max-length",
        "min-length",
    ],
)
def test_instance_from_schema(schema: dict[str, Any], want: Any) -> None:
    assert instance_from_schema(schema) == want


async def test_images_b64_and_url(fake: FakeProvider) -> None:
    async with _openai(fake) as client:
        result = await client.images.generate(model="img", prompt="a cat", n=2)
        url_result = await client.images.generate(model="img", prompt="a cat", response_format="url")
    assert result.data is not None and len(result.data) == 2
    assert url_result.data is not None and url_result.data[0].url
    with urllib.request.urlopen(url_result.data[0].url) as response:
        assert response.read().startswith(b"\x89PNG")


async def test_anthropic_text_and_forced_tool(fake: FakeProvider) -> None:
    tool: Any = {
        "name": "out",
        "description": "d",
        "input_schema": {"type": "object", "properties": {"x": {"type": "integer"}}},
    }
    async with anthropic.AsyncAnthropic(
        api_key="k", base_url=fake.anthropic_base_url, max_retries=0
    ) as client:
        message = await client.messages.create(
            model="c", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
        assert message.content[0].type == "text"
        message = await client.messages.create(
            model="c",
            max_tokens=10,
            messages=[{"role": "user", "content": "hi"}],
            tools=[tool],
            tool_choice={"type": "tool", "name": "out"},
        )
    block = message.content[0]
    assert block.type == "tool_use" and block.input == {"x": 1}
    assert fake.calls["messages"] == 2


async def test_faults_429_500_malformed_timeout(fake: FakeProvider) -> None:
    messages: Any = [{"role": "user", "content": "x"}]
    async with _openai(fake) as client:
        fake.inject("429")
        with pytest.raises(openai.RateLimitError):
            await client.chat.completions.create(model="m", messages=messages)
        fake.inject("500", route="chat")
        with pytest.raises(openai.InternalServerError):
            await client.chat.completions.create(model="m", messages=messages)
        fake.inject("malformed")
        with pytest.raises(ValueError):
            await client.chat.completions.create(model="m", messages=messages)
        fake.inject("timeout")
        with pytest.raises(openai.APITimeoutError):
            await client.chat.completions.create(model="m", messages=messages, timeout=0.2)
        reply = await client.chat.completions.create(model="m", messages=messages)
    assert reply.choices[0].message.content
    assert fake.total_calls == 5


async def test_api_key_is_checked_when_configured() -> None:
    with FakeProvider(api_key="right") as fake:
        async with openai.AsyncOpenAI(api_key="wrong", base_url=fake.base_url, max_retries=0) as client:
            with pytest.raises(openai.AuthenticationError):
                await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])


def test_runs_as_a_process_with_admin_routes() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelex.testing.fake_provider", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        root = base_url.removesuffix("/v1")
        request = urllib.request.Request(
            f"{root}/_fake/faults",
            data=json.dumps({"fault": "500"}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request).close()
        with openai.OpenAI(api_key="k", base_url=base_url, max_retries=0) as client:
            with pytest.raises(openai.InternalServerError):
                client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        with urllib.request.urlopen(f"{root}/_fake/calls") as response:
            assert json.loads(response.read()) == {
                "calls": {"chat": 2, "images": 0, "messages": 0},
                "total": 2,
                "max_in_flight": 1,
            }
    finally:
        process.terminate()
        process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


async def test_held_calls_are_counted_and_answered_once_released(fake: FakeProvider) -> None:
    import asyncio

    fake.hold()
    async with _openai(fake) as client:
        call = asyncio.create_task(
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        )
        for _ in range(200):  # the call arrives and is counted, but gets no answer while held
            if fake.total_calls == 1:
                break
            await asyncio.sleep(0.05)
        assert fake.total_calls == 1
        await asyncio.sleep(0.3)
        assert not call.done()
        fake.release()
        reply = await asyncio.wait_for(call, timeout=30)
    assert reply.choices[0].message.content
