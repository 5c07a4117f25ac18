"""Faults: retries with backoff on 429/5xx/timeouts/malformed replies, a clear error after the last attempt,
waterfall fallback, schema mismatches, the pre-flight key check, and keys never leaking anywhere."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelex.config.deck import CallPolicy
from pipelex.errors import MissingKeyError, ProviderCallFailed, ProviderError
from pipelex.inference.live.calls import backoff_delay
from pipelex.testing.fake_provider import FakeProvider
from tests.conftest import CliResult
from tests.inference.conftest import SECRET_KEY, RunBundle, boot

RunCli = Callable[..., CliResult]

BUNDLE = """
domain = "notes"
main_pipe = "flow"

[concept.Summary]
description = "A summary"
[concept.Summary.structure]
title = { type = "text", description = "Title", required = true }
words = { type = "integer", description = "Word count", required = true }

[pipe.flow]
type = "PipeSequence"
description = "Say, then summarise each"
inputs = { notes = "Text[]" }
output = "Summary[]"
steps = [{ pipe = "summarise_all", result = "summaries" }]

[pipe.summarise_all]
type = "PipeBatch"
description = "Summarise each note"
inputs = { notes = "Text[]" }
output = "Summary[]"
branch_pipe_code = "summarise"
input_list_name = "notes"
input_item_name = "note"

[pipe.say]
type = "PipeLLM"
description = "Say something"
inputs = { note = "Text" }
output = "Text"
prompt = "Say $note"

[pipe.summarise]
type = "PipeLLM"
description = "Summarise"
inputs = { note = "Text" }
output = "Summary"
prompt = "Summarise $note"
"""


# a call's timeout far above a loopback reply's time on a busy machine (a reply past it would be read as a timeout
# fault), far under the fake's delay for its timeout fault (5 s)
@pytest.mark.parametrize("fault", ["429", "500", "timeout", "malformed"])
async def test_transient_faults_are_retried(live: FakeProvider, run_bundle: RunBundle, fault: str) -> None:
    boot(models={"calls": {"timeout": 2.0, "max_attempts": 3, "backoff_initial": 0.01, "backoff_max": 0.02}})
    live.inject(fault, count=2)  # type: ignore[arg-type]
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    assert "Fake reply" in output.main_stuff_json()["text"]
    assert live.calls["chat"] == 3
    assert output.usage.calls == 1  # failed attempts reported no usage


@pytest.mark.parametrize(
    ("fault", "status", "reason"),
    [
        ("429", 429, "rate_limited"),
        ("500", 500, "server_error"),
        ("timeout", None, "timeout"),
        ("malformed", None, "malformed"),
    ],
)
async def test_the_last_attempt_gives_a_clear_error(
    live: FakeProvider, run_bundle: RunBundle, fault: str, status: int | None, reason: str
) -> None:
    boot(models={"calls": {"timeout": 2.0, "max_attempts": 2, "backoff_initial": 0.01, "backoff_max": 0.02}})
    live.inject(fault, count=5)  # type: ignore[arg-type]
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    error = caught.value
    assert (error.provider, error.model, error.status, error.reason) == ("openai", "gpt-4o", status, reason)
    message = str(error)
    assert "provider 'openai'" in message and "model 'gpt-4o'" in message and "after 2 attempt(s)" in message
    assert "'say'" in message
    # `say` sets no max_tokens: the fake, a server other than a hosted API, gets the default, and a timeout says
    # so (a local model repeating itself writes until the timeout)
    assert ("the default max_tokens = 4096 was sent" in message) == (fault == "timeout"), message
    if status:
        assert f"status {status}" in message and f"HTTP {status}: " in message
        assert "Error code" not in message  # the SDK's prefix, which said the status a second time
    assert live.calls["chat"] == 2


async def test_a_timeout_of_a_bounded_call_does_not_blame_the_missing_max_tokens(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    boot(models={"calls": {"timeout": 2.0, "max_attempts": 1}})
    live.inject("timeout", count=5)
    bounded = BUNDLE.replace(
        'prompt = "Say $note"',
        'prompt = "Say $note"\nmodel = { model = "gpt-4o", temperature = 0.5, max_tokens = 50 }',
    )
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(bounded, {"note": "hello"}, pipe="say")
    assert caught.value.reason == "timeout" and "no max_tokens" not in str(caught.value)
    assert "default max_tokens" not in str(caught.value)
    assert "raise [models.calls] timeout" in str(caught.value)


def test_backoff_is_exponential_with_jitter() -> None:
    policy = CallPolicy(backoff_initial=1.0, backoff_max=5.0)
    rng = random.Random(7)
    delays = [[backoff_delay(policy, attempt, rng=rng) for attempt in (1, 2, 3, 4, 5)] for _ in range(50)]
    for series in delays:
        for attempt, delay in enumerate(series, start=1):
            ceiling = min(5.0, 2 ** (attempt - 1))
            assert ceiling / 2 <= delay <= ceiling
    assert len({round(s[2], 6) for s in delays}) > 10  # jittered, not a fixed schedule


async def test_auth_errors_are_not_retried(
    run_bundle: RunBundle, monkeypatch: pytest.MonkeyPatch, storage_dir: Path
) -> None:
    with FakeProvider(api_key="the-right-key") as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
        boot()
        with pytest.raises(ProviderCallFailed, match="not retried") as caught:
            await run_bundle(BUNDLE, {"note": "x"}, pipe="say")
        assert caught.value.status == 401 and fake.total_calls == 1
        assert SECRET_KEY not in str(caught.value)


async def test_a_keyless_backend_refused_by_a_server_asking_for_a_key_is_told_to_declare_one(
    run_bundle: RunBundle, storage_dir: Path
) -> None:
    """A local server's block without ``api_key_env`` (the documented llama.cpp, vLLM and Ollama blocks) meets a
    server started with ``--api-key`` (llama-server answers 401 "Invalid API Key"): there is no key variable to
    check, so the hint says the backend sends none and how to give it one (it said "check the key variable")."""
    with FakeProvider(api_key="the-right-key") as fake:
        boot(
            models={
                "backends": {"llamacpp": {"kind": "openai", "base_url": fake.base_url}},
                "handles": {"smollm2": {"backend": "llamacpp", "model_id": "smollm2"}},
            }
        )
        bundle = BUNDLE.replace('prompt = "Say $note"', 'model = "smollm2"\nprompt = "Say $note"')
        with pytest.raises(ProviderCallFailed) as caught:
            await run_bundle(bundle, {"note": "x"}, pipe="say")
    message = str(caught.value)
    assert caught.value.status == 401 and fake.total_calls == 1
    assert f"{fake.base_url} (from [models.backends.llamacpp] base_url) asks for a key" in message
    assert "backend 'llamacpp' sends none" in message
    assert '`api_key_env = "VARIABLE"` under [models.backends.llamacpp]' in message
    assert "check the key variable" not in message


async def test_schema_mismatch_is_retried_then_a_clear_error(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    live.inject("schema_mismatch", count=1)
    output = await run_bundle(BUNDLE, {"note": "x"}, pipe="summarise")
    assert output.main_stuff_json() == {"title": "fake title", "words": 1}
    live.inject("schema_mismatch", count=10)
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(BUNDLE, {"note": "x"}, pipe="summarise")
    message = str(caught.value)
    assert caught.value.reason == "schema_mismatch"
    assert "notes.Summary" in message and "field title" in message and "field words" in message


async def test_a_waterfall_falls_back_on_provider_failure(live: FakeProvider, run_bundle: RunBundle) -> None:
    with FakeProvider() as broken:
        broken.inject("500", count=100)
        boot(
            models={
                "backends": {
                    "flaky": {"kind": "openai", "base_url": broken.base_url, "api_key_env": "OPENAI_API_KEY"}
                },
                "handles": {"flaky-model": {"backend": "flaky", "model_id": "flaky-1"}},
                "waterfalls": {"robust": ["flaky-model", "gpt-4o"]},
            }
        )
        bundle = BUNDLE.replace('prompt = "Say $note"', 'model = "~robust"\nprompt = "Say $note"')
        output = await run_bundle(bundle, {"note": "x"}, pipe="say")
        assert "Fake reply of gpt-4o" in output.main_stuff_json()["text"]
        assert broken.calls["chat"] == 3 and live.calls["chat"] == 1
        assert list(output.usage.by_model) == ["gpt-4o"]


async def test_a_waterfall_where_every_model_fails_names_each(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    boot(models={"waterfalls": {"both": ["gpt-4o", "claude-sonnet"]}})
    live.inject("500", count=100)
    bundle = BUNDLE.replace('prompt = "Say $note"', 'model = "~both"\nprompt = "Say $note"')
    with pytest.raises(ProviderError) as caught:
        await run_bundle(bundle, {"note": "x"}, pipe="say")
    message = str(caught.value)
    assert "no model could provide text" in message and "gpt-4o:" in message and "claude-sonnet:" in message


async def test_missing_key_is_caught_before_the_run_starts(
    fake: FakeProvider, run_bundle: RunBundle, monkeypatch: pytest.MonkeyPatch, storage_dir: Path
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    boot()
    with pytest.raises(MissingKeyError) as caught:  # the LLM is two controllers deep
        await run_bundle(BUNDLE, {"notes": ["a", "b"]})
    assert caught.value.variables == ["OPENAI_API_KEY"]
    assert "pipe 'summarise'" in str(caught.value) and "Set OPENAI_API_KEY" in str(caught.value)
    assert fake.total_calls == 0 and not storage_dir.exists()
    anthropic_bundle = BUNDLE.replace('prompt = "Say $note"', 'model = "claude-haiku"\nprompt = "Say $note"')
    with pytest.raises(MissingKeyError, match="ANTHROPIC_API_KEY"):
        await run_bundle(anthropic_bundle, {"note": "a"}, pipe="say")


def test_missing_key_from_the_cli_names_the_variable(
    fake: FakeProvider, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, storage_dir: Path, tmp_path: Path
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    path = tmp_path / "b.mthds"
    path.write_text(BUNDLE)
    code, out, err = run_cli(
        "run", "bundle", str(path), "--pipe", "say", "-i", '{"note": "x"}', "-o", str(tmp_path / "out")
    )
    assert code == 1 and "OPENAI_API_KEY" in err and "Traceback" not in out + err
    assert not (tmp_path / "out").exists()


def test_keys_never_leak(
    live: FakeProvider, run_cli: RunCli, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The key is in no log line, graph, error message or saved artefact (a success, retries and a failure)."""
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "b.mthds"
    path.write_text(BUNDLE)
    live.inject("429", count=2)
    code, out, err = run_cli(
        "run", "bundle", str(path), "-i", '{"notes": ["a", "b"]}', "-o", str(tmp_path / "out")
    )
    assert code == 0, err
    live.inject("500", count=100)
    code2, out2, err2 = run_cli(
        "run", "bundle", str(path), "-i", '{"notes": ["a"]}', "-o", str(tmp_path / "out")
    )
    assert code2 == 1 and "status 500" in err2
    saved = "".join(p.read_text(errors="replace") for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert "graph.json" in {p.name for p in (tmp_path / "out").rglob("*")}
    for text in (out, err, out2, err2, caplog.text, saved):
        assert SECRET_KEY not in text
        assert SECRET_KEY[8:30] not in text
    assert "retrying" in caplog.text  # the retries were logged (without the key)
    # the successful run's folder (the failed run keeps a folder of its own, with error.json and no main output)
    [succeeded] = [
        p for p in (tmp_path / "out").rglob("graph.json") if (p.parent / "main_stuff.json").exists()
    ]
    assert json.loads(succeeded.read_text())["usage"]["total"]["calls"] == 2


def test_redact_hides_keys() -> None:
    from pipelex.inference.providers.base import redact

    assert redact(f"Incorrect API key provided: {SECRET_KEY}") == "Incorrect API key provided: ***"
    assert redact("key abcd1234 refused", ["abcd1234"]) == "key *** refused"


def test_the_pre_flight_is_left_to_the_workers_on_temporal(
    fake: FakeProvider, monkeypatch: pytest.MonkeyPatch, storage_dir: Path
) -> None:
    """On Temporal the keys live on the workers: the client does not refuse a run for lacking them."""
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    boot()
    runner = PipelexRunner(mthds_content=BUNDLE, pipe_run_mode=PipeRunMode.LIVE, backend="temporal")
    run = runner.prepare({"note": "x"}, "say")
    assert run.mode is PipeRunMode.LIVE and run.entry.code == "say"
    with pytest.raises(MissingKeyError):
        PipelexRunner(mthds_content=BUNDLE, pipe_run_mode=PipeRunMode.LIVE, backend="direct").prepare(
            {"note": "x"}, "say"
        )


# ---------------------------------------------------------------------------------------------------- server quirks


async def test_a_reply_without_usage_counts_the_call_and_says_its_tokens_are_not_known(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """Some OpenAI-compatible servers leave ``usage`` out of their replies: the call is counted, its tokens are
    0, and the leaf says so instead of reporting a free call silently."""
    from pipelex.testing.fake_provider import Quirks

    live.quirks = Quirks(omit_usage=True)
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    assert "Fake reply" in output.main_stuff_json()["text"]
    assert (output.usage.calls, output.usage.input_tokens, output.usage.output_tokens) == (1, 0, 0)
    [warning] = output.warnings
    assert "'say'" in warning and "'gpt-4o'" in warning and "carried no token usage" in warning
    live.quirks = Quirks()
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    assert output.warnings == [] and output.usage.output_tokens > 0


async def test_an_error_answered_with_http_200_is_retried_then_named(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    """OpenRouter-style: an upstream failure comes back as HTTP 200 with an ``error`` body and no choices. It is
    retried as the status it names, and the last error quotes the server's message."""
    boot(models={"calls": {"max_attempts": 2, "backoff_initial": 0.01, "backoff_max": 0.02}})
    live.inject("error_in_200", count=1)
    output = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    assert "Fake reply" in output.main_stuff_json()["text"] and live.calls["chat"] == 2
    assert output.usage.calls == 1
    live.reset()
    live.inject("error_in_200", count=5)
    with pytest.raises(ProviderCallFailed) as caught:
        await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    error = caught.value
    assert (error.model, error.status, error.reason) == ("gpt-4o", 502, "server_error")
    assert "upstream provider overloaded (injected)" in str(error) and "HTTP 200" in str(error)
    assert "'say'" in str(error) and live.calls["chat"] == 2


def test_a_reply_without_choices_or_error_is_malformed() -> None:
    from openai.types.chat import ChatCompletion

    from pipelex.inference.providers.openai_compat import _no_choices  # pyright: ignore[reportPrivateUsage]

    bare = ChatCompletion.model_construct(id="x", choices=[], created=0, model="m", object="chat.completion")
    assert (str(_no_choices(bare)), _no_choices(bare).reason) == ("malformed reply (no choices)", "malformed")
    coded = ChatCompletion.model_validate(
        {"id": "x", "choices": [], "created": 0, "model": "m", "object": "chat.completion", "error": "busy"}
    )
    problem = _no_choices(coded)
    assert problem.retryable and problem.status is None and "busy" in str(problem)


@pytest.mark.parametrize(
    "quirks", [{"content_parts": True}, {"think_first": True}, {"content_parts": True, "think_first": True}]
)
async def test_replies_of_reasoning_models_give_their_answer(
    live: FakeProvider, run_bundle: RunBundle, quirks: dict[str, bool]
) -> None:
    """Content as a list of parts (thinking, then text) and a leading <think> block: the text parts are the
    reply, and a structured reply is read after the thinking."""
    from pipelex.testing.fake_provider import Quirks

    live.quirks = Quirks(
        content_parts=quirks.get("content_parts", False), think_first=quirks.get("think_first", False)
    )
    output = await run_bundle(BUNDLE, {"notes": ["a note", "another"]})
    summaries = output.main_stuff_json()["items"]
    assert len(summaries) == 2 and all(set(s) == {"title", "words"} for s in summaries)
    assert live.calls["chat"] == 2  # no retry: each reply read at once
    text = await run_bundle(BUNDLE, {"note": "hello"}, pipe="say")
    reply = text.main_stuff_json()["text"]
    assert "Fake reply" in reply and "thinking" not in reply
    assert reply.startswith("<think>") == quirks.get("think_first", False)  # a text reply is the model's own


def test_a_status_error_says_the_server_s_message_once() -> None:
    import httpx2 as httpx
    import openai

    from pipelex.inference.providers.openai_compat import translate

    def status(code: int, body: object) -> openai.APIStatusError:
        request = httpx.Request("POST", "http://127.0.0.1:1/v1/chat/completions")
        response = httpx.Response(code, request=request, json=body)
        return openai.APIStatusError(
            f"Error code: {code}"
            + (f" - {body['error']['message']}" if isinstance(body, dict) and "error" in body else ""),
            response=response,
            body=body,
        )

    assert (
        str(translate(status(400, {"error": {"message": "context too long"}})))
        == "HTTP 400: context too long"
    )
    assert str(translate(status(502, "Bad Gateway"))) == "HTTP 502: Bad Gateway"
    assert str(translate(status(503, None))) == "HTTP 503: no message"
