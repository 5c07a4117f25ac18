"""The token limit a call carries when the pipe, its preset and the model's handle set none.

OpenAI-compatible servers other than the hosted APIs (llama.cpp's servers, vLLM, Ollama, LM Studio) write until
the model stops or their context is full when no limit is sent: a small model repeating itself (SmolLM2 on
llama-server) wrote until the 300 s call timeout. Such a call now carries the default limit (4096, as the
messages API gets), said to be the default wherever a message names it; OpenAI's own host, Azure and the default
deck's hosted APIs get none (their default is the model's own maximum output); a server finding the default too
large for its context (vLLM's 400) is called again at once without it, remembered. Every call runs on the fake
provider, a real loopback HTTP server.
"""

from __future__ import annotations

import pytest

from pipelex.config.deck import OPENAI_URL, Backend
from pipelex.errors import ProviderCallFailed
from pipelex.inference.live.structured import default_token_limit, drop_default_limit
from pipelex.inference.providers.base import DEFAULT_MAX_TOKENS, ProviderCallError, refuses_limit_value
from pipelex.testing.fake_provider import FakeProvider, Quirks
from tests.inference.conftest import RunBundle, boot

BUNDLE = """
domain = "desk"
main_pipe = "say"

[concept.Ticket]
description = "A support ticket"
[concept.Ticket.structure]
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

[pipe.read_ticket]
type = "PipeLLM"
description = "Fill in a ticket"
inputs = { note = "Text" }
output = "Ticket"
prompt = "Fill in the ticket: $note"
"""


def _limits(fake: FakeProvider) -> list[object]:
    return [body.get("max_tokens", body.get("max_completion_tokens")) for body in fake.iter_bodies("chat")]


async def test_a_pipe_without_a_limit_sends_the_default_to_a_local_server(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    await run_bundle(BUNDLE, {"note": "hello"}, pipe="read_ticket")
    await run_bundle(BUNDLE, {"note": "hello"}, pipe="say_short")  # the pipe's own limit wins
    assert _limits(live) == [DEFAULT_MAX_TOKENS, DEFAULT_MAX_TOKENS, 40]
    assert all("max_completion_tokens" not in body for body in live.iter_bodies("chat"))


async def test_the_handle_s_max_tokens_wins_over_the_default(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    boot(models={"handles": {"gpt-4o": {"backend": "openai", "model_id": "gpt-4o", "max_tokens": 700}}})
    await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    assert _limits(live) == [700]


def test_hosted_apis_get_no_default_and_other_servers_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenAI's host, Azure and the default deck's hosted APIs at their own host default to the model's maximum
    output: nothing is sent. The same backend pointed elsewhere, a backend declared for a local server, and the
    messages API (which requires one) get the default."""
    official = Backend("openai", "openai", base_url=OPENAI_URL, official_base_url=OPENAI_URL)
    assert default_token_limit(official, OPENAI_URL) is None
    gemini_url = "https://generativelanguage.googleapis.com/v1beta/openai/"
    gemini = Backend("google", "openai", base_url=gemini_url, official_base_url=gemini_url)
    assert default_token_limit(gemini, gemini_url) is None
    declared = Backend("mine", "openai", base_url=OPENAI_URL + "/")  # OpenAI's host under another name
    assert default_token_limit(declared, OPENAI_URL + "/") is None
    azure = Backend("azure", "azure_openai", base_url="https://r.openai.azure.com")
    assert default_token_limit(azure, "https://r.openai.azure.com") is None
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")
    elsewhere = Backend(
        "openai", "openai", base_url=OPENAI_URL, base_url_env="OPENAI_BASE_URL", official_base_url=OPENAI_URL
    )
    assert default_token_limit(elsewhere, "http://127.0.0.1:8080/v1") == DEFAULT_MAX_TOKENS
    vllm = Backend("vllm", "openai", base_url="http://localhost:8000/v1")
    assert default_token_limit(vllm, "http://localhost:8000/v1") == DEFAULT_MAX_TOKENS
    claude = Backend("anthropic", "anthropic", base_url="https://api.anthropic.com")
    assert default_token_limit(claude, "https://api.anthropic.com") == DEFAULT_MAX_TOKENS
    drop_default_limit(vllm, "http://localhost:8000/v1", "too large")
    assert default_token_limit(vllm, "http://localhost:8000/v1") is None
    assert default_token_limit(vllm, "http://localhost:8001/v1") == DEFAULT_MAX_TOKENS  # another server


def test_a_reply_cut_at_the_default_says_it_was_the_default() -> None:
    """A reply cut at the default limit (all of it written) names the limit as the default and says where to set
    one; with fewer tokens than the limit, the server cut it at its own (its context), and raising the limit helps
    nothing."""
    from pipelex.inference.live.generator import (  # pyright: ignore[reportPrivateUsage]
        _limit_advice,
        _limit_text,
    )
    from pipelex.inference.providers.base import CallUsage, ChatRequest, ChatResult

    request = ChatRequest(model_id="smollm2", prompt="p", max_tokens=DEFAULT_MAX_TOKENS, default_limit=True)
    full = ChatResult(text="...", usage=CallUsage(output_tokens=DEFAULT_MAX_TOKENS), truncated=True)
    assert _limit_text(request, full) == (
        "max_tokens = 4096, the default: the pipe, its preset and the model's handle set none"
    )
    assert _limit_advice(request, full).startswith("raise max_tokens (in the model's preset")
    short = ChatResult(text="...", usage=CallUsage(output_tokens=3900), truncated=True)
    assert "the reply has 3900 tokens, fewer: the server stopped it at a limit of its own" in _limit_text(
        request, short
    )
    assert "raise max_tokens" not in _limit_advice(request, short)
    unknown = ChatResult(text="...", truncated=True, usage_reported=False)  # no usage: nothing to compare
    assert _limit_text(request, unknown).endswith("set none")
    mine = ChatRequest(model_id="smollm2", prompt="p", max_tokens=300)
    assert _limit_text(mine, full) == "max_tokens = 300"


async def test_a_server_finding_the_default_too_large_is_called_without_it(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """vLLM answers a limit past its context (the prompt counted) with a 400: the default, not the user's, is
    dropped at once (no attempt spent) and the server remembered; a limit the pipe set stays the server's 400."""
    boot(models={"calls": {"timeout": 5.0, "max_attempts": 1}})
    live.quirks = Quirks(max_model_len=2048)
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    assert "Fake reply" in output.main_stuff_json()["text"]
    assert _limits(live) == [DEFAULT_MAX_TOKENS, None]
    await run_bundle(BUNDLE, {"note": "hello"}, pipe="read_ticket")
    assert _limits(live) == [DEFAULT_MAX_TOKENS, None, None]  # remembered: no limit, one call
    live.reset()
    live.quirks = Quirks(max_model_len=30)
    too_long = BUNDLE.replace("max_tokens = 40", "max_tokens = 400")
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(too_long, {"note": "hello"}, pipe="say_short")
    assert caught.value.status == 400 and "is too large: 400" in str(caught.value)
    assert _limits(live) == [400]


async def test_a_server_taking_neither_token_field_is_called_without_the_default(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """A strict server refusing both ``max_tokens`` and ``max_completion_tokens`` answered a pipe without a limit
    before there was a default: it still does (the other field tried, then none), where a pipe's own limit
    fails with the server's words."""
    boot(models={"calls": {"timeout": 5.0, "max_attempts": 1}})
    live.quirks = Quirks(refused_token_params=("max_tokens", "max_completion_tokens"))
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    assert "Fake reply" in output.main_stuff_json()["text"]
    fields = [sorted(k for k in body if "max" in k) for body in live.iter_bodies("chat")]
    assert fields == [["max_tokens"], ["max_completion_tokens"], []]


async def test_a_reasoning_model_spending_the_default_says_it_was_the_default(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """A local reasoning model (Qwen3, DeepSeek R1 on llama.cpp or vLLM) that spends the default limit thinking:
    the error names the limit as the default and says where to set one; a pipe's own limit is named as it is."""
    boot(models={"calls": {"timeout": 5.0, "max_attempts": 1}})
    live.quirks = Quirks(think_past_limit=True)
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    message = str(caught.value)
    assert caught.value.reason == "length_limit" and live.calls["chat"] == 1
    assert (
        "(content empty, max_tokens = 4096, the default: the pipe, its preset and the model's handle"
        in message
    )
    assert "raise max_tokens (on the pipe's model, its preset or the handle)" in message
    with pytest.raises(ProviderCallFailed) as own:
        await run_bundle(BUNDLE, {"note": "hello"}, pipe="say_short")
    assert "(content empty, max_tokens = 40; finish_reason = length)" in str(own.value)


def test_only_a_limit_too_large_for_the_context_is_a_refused_value() -> None:
    def error(message: str, status: int = 400) -> ProviderCallError:
        return ProviderCallError(
            f"HTTP {status}: {message}", status=status, retryable=False, reason="rejected"
        )

    assert refuses_limit_value(
        error(
            "'max_tokens' or 'max_completion_tokens' is too large: 4096. This model's maximum context length is "
            "4096 tokens and your request has 9 input tokens (4096 > 4096 - 9)."
        )
    )
    assert refuses_limit_value(  # vLLM's older words
        error(
            "This model's maximum context length is 2048 tokens. However, you requested 4126 tokens (30 in the "
            "messages, 4096 in the completion). Please reduce the length of the messages or completion."
        )
    )
    assert not refuses_limit_value(  # the same words for a prompt past the context: the prompt's fault
        error(
            "This model's maximum context length is 2048 tokens. However, you requested 9000 tokens (4904 in the "
            "messages, 4096 in the completion). Please reduce the length of the messages or completion."
        )
    )
    assert not refuses_limit_value(  # llama-cpp-python 0.3.36's 400 to a prompt past its context (measured)
        error(
            "This model's maximum context length is 256 tokens. However, you requested 4727 tokens (631 in the "
            "messages, 4096 in the completion). Please reduce the length of the messages or completion."
        )
    )
    # llama-server's prompt past the context names no limit; a field refused is not its value; nor is a 500
    assert not refuses_limit_value(
        error("request (6032 tokens) exceeds the available context size (4096 tokens), try increasing it")
    )
    assert not refuses_limit_value(
        error("Unsupported parameter: 'max_tokens' is not supported with this model.")
    )
    assert not refuses_limit_value(error("max_tokens is too large", status=500))
