"""Structured output against the server variants people run (the fake provider's profiles): every mode, the
fallback when a server refuses one (remembered, no retry spent), the one retry told what was wrong, token-limit
fields, inline settings, replies cut off by the token limit, base URLs, prices and hints."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipelex.config.deck import deck_from_config, default_deck
from pipelex.errors import ConfigError, MissingBaseUrlError, ProviderCallFailed
from pipelex.inference.live.structured import SCHEMA_MARKER, learned_modes
from pipelex.reporting.console import render_cost_table
from pipelex.testing.fake_provider import FakeProvider, Quirks
from tests.inference.conftest import RunBundle, boot, boot_openai
from tests.inference.live_bundles import NOTE, TRIAGE

ONE_ATTEMPT = {"timeout": 2.0, "max_attempts": 1, "backoff_initial": 0.01, "backoff_max": 0.02}


def _check_triage(output: Any) -> None:
    ticket = output.working_memory.root["ticket"].content_json()
    assert set(ticket) == {"summary", "urgency", "minutes"} and ticket["urgency"] in ("high", "low")
    assert isinstance(ticket["minutes"], int) and isinstance(output.main_stuff_json()["text"], str)
    chosen = [n.pipe_code for n in output.graph.nodes if n.pipe_code in ("page_oncall", "queue_it")]
    assert chosen == ["page_oncall" if ticket["urgency"] == "high" else "queue_it"]


def _check_plan(output: Any) -> None:
    steps = output.working_memory.root["steps"].content_json()["items"]
    assert steps and all(set(s) == {"action"} for s in steps)
    assert len(output.main_stuff_json()["items"]) == len(steps)


def _formats(fake: FakeProvider) -> list[str]:
    """The structured-output form of each chat call: the response_format type, "tools", or "none"."""
    kinds = []
    for body in fake.iter_bodies("chat"):
        if "response_format" in body:
            kinds.append(body["response_format"]["type"])
        elif "tools" in body:
            kinds.append("tools")
        else:
            kinds.append("none")
    return kinds


@pytest.mark.parametrize("profile", ["openai", "llama_cpp", "lm_studio", "prose", "no_tools"])
async def test_the_default_configuration_works_on_every_server_variant(
    live: FakeProvider, run_bundle: RunBundle, profile: str
) -> None:
    boot(models={"calls": ONE_ATTEMPT})  # a refused mode must not cost an attempt: one is all there is
    live.quirks = profile
    _check_triage(await run_bundle(TRIAGE, {"note": NOTE}))
    _check_plan(await run_bundle(TRIAGE, {"note": NOTE}, pipe="plan"))
    three = (await run_bundle(TRIAGE, {"note": NOTE}, pipe="three_steps")).main_stuff_json()["items"]
    assert len(three) == 3


async def test_llama_cpp_refusal_falls_back_once_and_is_remembered(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    boot(models={"calls": ONE_ATTEMPT})
    live.quirks = "llama_cpp"
    await run_bundle(TRIAGE, {"note": NOTE})
    # read_ticket: json_schema refused (500), then json_object; the text calls carry no format
    assert _formats(live) == ["json_schema", "json_object", "none"]
    json_object = list(live.iter_bodies("chat"))[1]
    assert json_object["response_format"]["schema"]["properties"]["urgency"]["enum"] == ["high", "low"]
    assert SCHEMA_MARKER in json_object["messages"][-1]["content"]  # the schema is described too
    assert list(learned_modes().values()) == ["json_object"]
    live.reset()
    await run_bundle(TRIAGE, {"note": NOTE}, pipe="plan")
    assert _formats(live)[0] == "json_object"  # learned: no second refusal
    assert "json_schema" not in _formats(live)


async def test_a_server_ignoring_response_format_gets_the_schema_in_the_retry(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    live.quirks = Quirks(ignore_response_format=True)  # accepts json_schema, replies prose
    output = await run_bundle(TRIAGE, {"note": NOTE}, pipe="read_ticket")
    assert set(output.main_stuff_json()) == {"summary", "urgency", "minutes"}
    first, retry = [b["messages"][-1]["content"] for b in live.iter_bodies("chat")]
    assert SCHEMA_MARKER not in first
    assert "was refused: the structured reply is not JSON" in retry and SCHEMA_MARKER in retry


@pytest.mark.parametrize("mode", ["json_schema_strict", "json_schema", "json_object", "tools", "prompt"])
async def test_each_configured_mode_sends_its_form_and_validates(
    live: FakeProvider, run_bundle: RunBundle, mode: str
) -> None:
    boot_openai(structured_output=[mode])
    _check_plan(await run_bundle(TRIAGE, {"note": NOTE}, pipe="plan"))
    body = next(iter(live.iter_bodies("chat")))
    prompt = body["messages"][-1]["content"]
    match mode:
        case "json_schema_strict":
            spec = body["response_format"]["json_schema"]
            assert spec["strict"] is True and spec["schema"]["additionalProperties"] is False
            item = spec["schema"]["properties"]["items"]["items"]
            item = spec["schema"]["$defs"][item["$ref"].rsplit("/", 1)[1]] if "$ref" in item else item
            assert item["additionalProperties"] is False and item["required"] == list(item["properties"])
        case "json_schema":
            assert body["response_format"]["json_schema"]["strict"] is False
        case "json_object":
            assert body["response_format"]["type"] == "json_object" and "schema" in body["response_format"]
            assert SCHEMA_MARKER in prompt
        case "tools":
            assert body["tool_choice"]["function"]["name"] == body["tools"][0]["function"]["name"]
            assert "response_format" not in body
        case "prompt":
            assert "response_format" not in body and "tools" not in body and SCHEMA_MARKER in prompt


async def test_a_chain_with_no_mode_left_is_a_clear_error(live: FakeProvider, run_bundle: RunBundle) -> None:
    # an explicit chain is tried as written, and nothing after it
    boot_openai(structured_output=["json_schema", "tools"])
    live.quirks = Quirks(refuse_json_schema=True, refuse_tools=True)
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(TRIAGE, {"note": NOTE}, pipe="read_ticket")
    assert caught.value.status == 400 and "tool" in str(caught.value) and live.calls["chat"] == 2


def test_a_single_mode_starts_the_chain_and_anthropic_takes_tools_or_prompt() -> None:
    deck = deck_from_config(
        {"backends": {"a": {"kind": "openai", "base_url": "http://x/v1", "structured_output": "json_object"}}}
    )
    assert deck.backends["a"].structured_modes() == ("json_object", "tools", "prompt")
    assert default_deck().backends["openai"].structured_modes() == (
        "json_schema",
        "json_object",
        "tools",
        "prompt",
    )
    assert default_deck().backends["anthropic"].structured_modes() == ("tools", "prompt")
    with pytest.raises(ConfigError) as caught:
        deck_from_config(
            {
                "backends": {
                    "c": {"kind": "anthropic", "base_url": "http://x", "structured_output": "json_schema"}
                }
            }
        )
    assert "models.backends.c" in str(caught.value) and "tools" in str(caught.value)


def test_strict_schema_closes_objects_and_makes_optional_fields_nullable() -> None:
    from pipelex.inference.providers.openai_compat import strict_schema

    schema = {
        "type": "object",
        "required": ["a"],
        "properties": {
            "a": {"type": "string", "default": "x"},
            "b": {"type": "object", "properties": {"c": {"type": "integer"}}},
        },
    }
    strict = strict_schema(schema)
    assert strict["required"] == ["a", "b"] and strict["additionalProperties"] is False
    assert "default" not in strict["properties"]["a"]
    nested = strict["properties"]["b"]["anyOf"][0]
    assert strict["properties"]["b"]["anyOf"][1] == {"type": "null"}
    assert nested["required"] == ["c"] and nested["properties"]["c"]["anyOf"][1] == {"type": "null"}


async def test_a_reply_that_does_not_fit_is_retried_once_with_the_problem(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    live.inject("schema_mismatch", count=1)
    output = await run_bundle(TRIAGE, {"note": NOTE}, pipe="read_ticket")
    assert set(output.main_stuff_json()) == {"summary", "urgency", "minutes"}
    retry = [b["messages"][-1]["content"] for b in live.iter_bodies("chat")][1]
    assert "does not fit the concept triage.Ticket" in retry and "field summary" in retry
    assert '{"__fake__": "does not fit"}' in retry and SCHEMA_MARKER in retry
    live.reset()
    live.inject("schema_mismatch", count=10)
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(TRIAGE, {"note": NOTE}, pipe="read_ticket")
    assert caught.value.reason == "schema_mismatch" and live.calls["chat"] == 2  # one retry, not the budget


# ---------------------------------------------------------------------------------------------------- parameters

SETTINGS = TRIAGE.replace(
    '''prompt = "Answer in one sentence: $note"''',
    """prompt = "Answer in one sentence: $note"
model = { model = "gpt-4o", max_tokens = 300, temperature = 0.4, reasoning_effort = "low" }""",
)


async def test_inline_settings_reach_the_call_in_the_backend_token_field(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    await run_bundle(SETTINGS, {"note": NOTE}, pipe="say")
    body = next(iter(live.iter_bodies("chat")))
    assert (body["max_tokens"], body["temperature"], body["reasoning_effort"]) == (300, 0.4, "low")
    assert "max_completion_tokens" not in body  # not OpenAI's own host: the widely read field
    live.reset()
    boot_openai(token_limit_param="max_completion_tokens")
    await run_bundle(SETTINGS, {"note": NOTE}, pipe="say")
    body = next(iter(live.iter_bodies("chat")))
    assert body["max_completion_tokens"] == 300 and "max_tokens" not in body


@pytest.mark.parametrize(
    ("configured", "refused", "sent_after"),
    [
        (None, "max_tokens", "max_completion_tokens"),  # a gateway to a reasoning model: OpenAI's 400
        ("max_completion_tokens", "max_completion_tokens", "max_tokens"),  # a strict server's 422
    ],
)
async def test_a_refused_token_field_is_swapped_once_and_remembered(
    live: FakeProvider, run_bundle: RunBundle, configured: str | None, refused: str, sent_after: str
) -> None:
    backend: dict[str, Any] = {
        "kind": "openai",
        "base_url_env": "OPENAI_BASE_URL",
        "api_key_env": "OPENAI_API_KEY",
    }
    if configured:
        backend["token_limit_param"] = configured
    boot(models={"backends": {"openai": backend}, "calls": ONE_ATTEMPT})
    live.quirks = Quirks(refused_token_params=(refused,))
    output = await run_bundle(SETTINGS, {"note": NOTE}, pipe="say")  # one attempt: the swap spends none
    first, second = live.iter_bodies("chat")
    assert first[refused] == 300 and second[sent_after] == 300 and refused not in second
    assert output.usage.calls == 1 and isinstance(output.main_stuff_json()["text"], str)
    live.reset()
    await run_bundle(SETTINGS, {"note": NOTE}, pipe="say")  # remembered: no refused call first
    [body] = live.iter_bodies("chat")
    assert body[sent_after] == 300 and refused not in body


async def test_a_server_refusing_both_token_fields_gives_its_error(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    boot(models={"calls": ONE_ATTEMPT})
    live.quirks = Quirks(refused_token_params=("max_tokens", "max_completion_tokens"))
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(SETTINGS, {"note": NOTE}, pipe="say")
    assert caught.value.status == 422 and "max_completion_tokens" in str(caught.value)
    assert "'say'" in str(caught.value) and live.calls["chat"] == 2


def test_a_token_value_out_of_range_is_not_a_refused_field() -> None:
    from pipelex.inference.providers.base import ProviderCallError, refuses_token_field

    def error(status: int, message: str) -> ProviderCallError:
        return ProviderCallError(message, status=status, retryable=False, reason="rejected")

    too_large = error(
        400, "max_tokens is too large: 100000. This model supports at most 16384 completion tokens"
    )
    assert not refuses_token_field(too_large, "max_tokens")
    assert not refuses_token_field(error(500, "Unsupported parameter: 'max_tokens'"), "max_tokens")
    openai = error(400, "Unsupported parameter: 'max_tokens' is not supported with this model.")
    assert refuses_token_field(openai, "max_tokens")
    assert not refuses_token_field(openai, "max_completion_tokens")  # it names the other field only
    assert refuses_token_field(
        error(422, "max_completion_tokens: Extra inputs are not permitted"), "max_completion_tokens"
    )


def test_the_token_field_follows_the_host() -> None:
    openai = default_deck().backends["openai"]
    assert openai.token_limit_field({}) == "max_completion_tokens"  # OpenAI itself
    assert openai.token_limit_field({"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1"}) == "max_tokens"


async def test_a_preset_max_tokens_is_honoured_by_a_max_tokens_only_server(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    boot(models={"presets": {"short": {"model": "gpt-4o", "max_tokens": 5}}})
    live.quirks = "llama_cpp"
    output = await run_bundle(
        TRIAGE.replace(
            'prompt = "Answer in one sentence: $note"',
            'prompt = "Answer in one sentence: $note"\nmodel = "$short"',
        ),
        {"note": NOTE},
        pipe="say",
    )
    assert output.usage.output_tokens <= 5
    [warning] = output.warnings
    assert "stopped at the token limit (max_tokens = 5)" in warning and "'say'" in warning
    node = next(n for n in output.graph.nodes if n.pipe_code == "say")
    assert node.warnings == [warning]


async def test_a_cut_off_structured_reply_is_an_error(live: FakeProvider, run_bundle: RunBundle) -> None:
    bundle = TRIAGE.replace(
        'prompt = "Read this support note and fill in the ticket: $note"',
        'prompt = "Read this support note and fill in the ticket: $note"\n'
        'model = { model = "gpt-4o", temperature = 0.2, max_tokens = 5 }',
    )
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(bundle, {"note": NOTE}, pipe="read_ticket")
    assert caught.value.reason == "length_limit" and "raise max_tokens" in str(caught.value)
    assert live.calls["chat"] == 1


async def test_a_structured_reply_cut_by_the_servers_own_limit_does_not_say_raise_max_tokens(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """llama-server cuts a reply at its slot's context (a small model listing findings forever reached 4,095
    tokens), before the default limit sent (4096). Raising a limit nobody set helps nothing: the error says whose
    limit it was (the default's, and the server's under it)."""
    live.quirks = Quirks(context_tokens=5)
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(TRIAGE, {"note": NOTE}, pipe="read_ticket")
    message = str(caught.value)
    assert caught.value.reason == "length_limit" and live.calls["chat"] == 1
    assert "max_tokens = 4096, the default" in message
    assert "the reply has 5 tokens, fewer: the server stopped it at a limit of its own" in message
    assert "raise max_tokens" not in message and "repeating itself" in message


# ---------------------------------------------------------------------------------------------------- hosts, prices


def test_no_silent_host_fallback() -> None:
    deck = deck_from_config(
        {
            "backends": {
                "groq": {"kind": "openai", "base_url_env": "GROQ_BASE_URL", "api_key_env": "GROQ_API_KEY"}
            }
        }
    )
    with pytest.raises(MissingBaseUrlError) as caught:
        deck.backends["groq"].resolved_base_url({"OPENAI_BASE_URL": "http://elsewhere/v1"})
    assert "GROQ_BASE_URL" in str(caught.value) and "[models.backends.groq]" in str(caught.value)
    assert default_deck().backends["openai"].resolved_base_url({}) == "https://api.openai.com/v1"
    assert default_deck().backends["anthropic"].resolved_base_url({}) == "https://api.anthropic.com"


async def test_a_backend_without_base_url_fails_before_any_call(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    boot(
        models={
            "backends": {
                "groq": {"kind": "openai", "base_url_env": "GROQ_BASE_URL", "api_key_env": "OPENAI_API_KEY"}
            },
            "handles": {"llama": {"backend": "groq", "model_id": "llama-3.3-70b"}},
        }
    )
    with pytest.raises(MissingBaseUrlError) as caught:
        await run_bundle(
            TRIAGE.replace(
                'prompt = "Answer in one sentence: $note"',
                'prompt = "Answer in one sentence: $note"\nmodel = "llama"',
            ),
            {"note": NOTE},
            pipe="say",
        )
    assert "GROQ_BASE_URL" in str(caught.value) and live.total_calls == 0


async def test_models_without_a_known_price_are_unpriced(live: FakeProvider, run_bundle: RunBundle) -> None:
    boot(models={"handles": {"local": {"backend": "openai", "model_id": "smollm2"}}})
    output = await run_bundle(TRIAGE, {"note": NOTE}, pipe="say")  # gpt-4o, but the fake is not OpenAI
    usage = output.usage.by_model["gpt-4o"]
    assert usage.unpriced and usage.cost_usd == 0 and usage.output_tokens > 0
    assert output.usage.unpriced_models == ["gpt-4o"] and output.graph.usage["total"]["unpriced_models"] == [
        "gpt-4o"
    ]
    table = render_cost_table(output.usage)
    assert "unpriced" in table.splitlines()[3] and "unpriced (no known price" in table
    deck = deck_from_config({"handles": {"local": {"backend": "openai", "model_id": "smollm2"}}})
    openai = deck.backends["openai"]
    assert deck.handles["gpt-4o"].is_priced(openai, {}) and not deck.handles["local"].is_priced(openai, {})
    assert not deck.handles["gpt-4o"].is_priced(openai, {"OPENAI_BASE_URL": "http://127.0.0.1:1/v1"})
    assert deck.handles["pypdfium2-extract-pdf"].is_priced(deck.backends["internal"], {})


# ---------------------------------------------------------------------------------------------------- hints


async def test_connection_refused_names_the_url_and_its_variable(
    live: FakeProvider, run_bundle: RunBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeProvider() as gone:
        url = gone.base_url
    monkeypatch.setenv("OPENAI_BASE_URL", url)  # nothing listens there any more
    boot(models={"calls": ONE_ATTEMPT})
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(TRIAGE, {"note": NOTE}, pipe="say")
    message = str(caught.value)
    assert caught.value.reason == "connection" and url in message and "$OPENAI_BASE_URL" in message


async def test_a_refused_key_names_the_key_variable(
    run_bundle: RunBundle, monkeypatch: pytest.MonkeyPatch, storage_dir: Any
) -> None:
    with FakeProvider(api_key="sk-the-right-key-0000000000") as fake:
        monkeypatch.setenv("LOCAL_BASE_URL", fake.base_url)
        monkeypatch.setenv("LOCAL_KEY", "sk-a-wrong-key-11111111111")
        boot(
            models={
                "backends": {
                    "local": {"kind": "openai", "base_url_env": "LOCAL_BASE_URL", "api_key_env": "LOCAL_KEY"}
                },
                "handles": {"m": {"backend": "local", "model_id": "m"}},
            }
        )
        with pytest.raises(ProviderCallFailed) as caught:
            await run_bundle(
                TRIAGE.replace(
                    'prompt = "Answer in one sentence: $note"',
                    'prompt = "Answer in one sentence: $note"\nmodel = "m"',
                ),
                {"note": NOTE},
                pipe="say",
            )
    message = str(caught.value)
    assert caught.value.status == 401 and "LOCAL_KEY" in message and fake.base_url in message
    assert "sk-a-wrong-key" not in message


def test_the_fake_reads_a_schema_described_in_the_prompt() -> None:
    with FakeProvider(profile="prose") as fake:
        import httpx

        schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
        body = {
            "model": "m",
            "messages": [{"role": "user", "content": f"Count.\n{SCHEMA_MARKER}\n{json.dumps(schema)}"}],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "x", "schema": {"type": "string"}},
            },
        }
        reply = httpx.post(f"{fake.base_url}/chat/completions", json=body).json()
        assert json.loads(reply["choices"][0]["message"]["content"]) == {"n": 1}
        body["messages"][0]["content"] = "Count."
        reply = httpx.post(f"{fake.base_url}/chat/completions", json=body).json()
        assert reply["choices"][0]["message"]["content"].startswith("Fake reply")


def test_llama_server_without_jinja_refusing_tools_is_a_refused_mode() -> None:
    """llama-server started without ``--jinja`` answers a request carrying ``tools`` with a 500 (measured): the
    tools mode is refused (the next mode at once), not a server fault retried."""
    from pipelex.inference.providers.base import ProviderCallError, refuses_mode

    error = ProviderCallError(
        "HTTP 500: tools param requires --jinja flag", status=500, retryable=True, reason="server_error"
    )
    assert refuses_mode(error, "tools")
    assert not refuses_mode(error, "json_schema")
