"""The provider adapters: SDK errors are translated completely at one boundary; Anthropic faults are retried."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx
import openai
import pytest

from pipelex.errors import ProviderCallFailed
from pipelex.inference.providers import anthropic_messages, openai_compat
from pipelex.testing.fake_provider import FakeProvider
from tests.inference.conftest import RunBundle

REQUEST = httpx.Request("POST", "http://127.0.0.1/v1/x")


def _status_error(module: Any, status: int) -> Exception:
    response = httpx.Response(status, request=REQUEST, json={"error": {"message": f"status {status}"}})
    classes = {
        400: "BadRequestError",
        401: "AuthenticationError",
        403: "PermissionDeniedError",
        404: "NotFoundError",
        408: "APIStatusError",
        409: "ConflictError",
        422: "UnprocessableEntityError",
        429: "RateLimitError",
        500: "InternalServerError",
        503: "InternalServerError",
        529: "InternalServerError",
    }
    cls = getattr(module, classes[status])
    return cls(f"status {status}", response=response, body=None)


CASES = [
    (400, "rejected", False),
    (401, "auth", False),
    (403, "auth", False),
    (404, "not_found", False),
    (408, "server_error", True),
    (409, "server_error", True),
    (422, "rejected", False),
    (429, "rate_limited", True),
    (500, "server_error", True),
    (503, "server_error", True),
]


@pytest.mark.parametrize(("status", "reason", "retryable"), CASES, ids=[str(c[0]) for c in CASES])
@pytest.mark.parametrize("adapter", ["openai", "anthropic"])
def test_status_errors_are_translated(adapter: str, status: int, reason: str, retryable: bool) -> None:
    module, translate = (
        (openai, openai_compat.translate)
        if adapter == "openai"
        else (anthropic, anthropic_messages.translate)
    )
    error = translate(_status_error(module, status))
    assert (error.status, error.reason, error.retryable) == (status, reason, retryable)


@pytest.mark.parametrize("adapter", ["openai", "anthropic"])
def test_transport_and_reply_errors_are_translated(adapter: str) -> None:
    module, translate = (
        (openai, openai_compat.translate)
        if adapter == "openai"
        else (anthropic, anthropic_messages.translate)
    )
    timeout = translate(module.APITimeoutError(request=REQUEST))
    connection = translate(module.APIConnectionError(request=REQUEST))
    malformed = translate(ValueError("Expecting value"))
    unexpected = translate(RuntimeError("boom"))
    assert (timeout.reason, timeout.retryable) == ("timeout", True)
    assert (connection.reason, connection.retryable) == ("connection", True)
    assert (malformed.reason, malformed.retryable) == ("malformed", True)
    assert (unexpected.reason, unexpected.retryable) == ("unexpected", False)


def test_anthropic_overloaded_is_retryable() -> None:
    error = anthropic_messages.translate(_status_error(anthropic, 529))
    assert (error.status, error.reason, error.retryable) == (529, "overloaded", True)


SAY = """
domain = "talk"
main_pipe = "say"

[pipe.say]
type = "PipeLLM"
description = "Say"
inputs = { note = "Text" }
output = "Text"
model = "claude-sonnet"
prompt = "Say $note"
"""


@pytest.mark.parametrize("fault", ["429", "500", "timeout", "malformed"])
async def test_anthropic_faults_are_retried_then_named(
    live: FakeProvider, run_bundle: RunBundle, fault: str
) -> None:
    from tests.inference.conftest import boot

    boot(models={"calls": {"timeout": 2.0, "max_attempts": 2, "backoff_initial": 0.01, "backoff_max": 0.02}})
    live.inject(fault, count=1, route="messages")  # type: ignore[arg-type]
    output = await run_bundle(SAY, {"note": "hi"})
    assert "Fake reply of claude-sonnet-4-6" in output.main_stuff_json()["text"]
    live.inject(fault, count=5, route="messages")  # type: ignore[arg-type]
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(SAY, {"note": "hi"})
    assert (caught.value.provider, caught.value.model) == ("anthropic", "claude-sonnet")
    assert live.calls["messages"] == 4


@pytest.mark.parametrize(
    ("content", "finish", "expected"),
    [
        (None, "content_filter", ("refused", False, "content filter")),
        (None, "stop", ("malformed", True, "no content")),
    ],
)
async def test_a_reply_without_content_says_why(
    content: str | None, finish: str, expected: tuple[str, bool, str]
) -> None:
    """A reply the server's content filter withheld is not retried (the same prompt would be withheld again);
    an empty one for no stated reason is a malformed reply, retried."""
    from types import SimpleNamespace

    from openai.types.chat import ChatCompletion

    from pipelex.inference.providers.base import ChatRequest, ProviderCallError
    from pipelex.inference.providers.openai_compat import OpenAIProvider

    completion = ChatCompletion.model_validate(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [
                {"index": 0, "finish_reason": finish, "message": {"role": "assistant", "content": content}}
            ],
        }
    )

    async def create(**_: object) -> ChatCompletion:
        return completion

    client = SimpleNamespace(chat=SimpleNamespace(completions=SimpleNamespace(create=create)))
    provider = OpenAIProvider(client)  # type: ignore[arg-type]  # a stand-in for the SDK client
    with pytest.raises(ProviderCallError) as caught:
        await provider.chat(ChatRequest(model_id="m", prompt="hi"))
    reason, retryable, words = expected
    assert (caught.value.reason, caught.value.retryable) == (reason, retryable) and words in str(caught.value)
