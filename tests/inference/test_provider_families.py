"""The provider families of docs/live-inference.md: every `[models]` block of its "Provider families" section
is a working deck entry. Each is run live (text, a structured concept, a list, a batch and a condition on an
LLM-made field) through its own backend against the fake provider behaving like that server."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from pipelex.config.deck import deck_from_config
from pipelex.errors import MissingBaseUrlError
from pipelex.testing.fake_provider import FakeProvider
from tests.inference.conftest import FAST_CALLS, SECRET_KEY, RunBundle, boot
from tests.inference.live_bundles import NOTE, TRIAGE
from tests.inference.test_structured_modes import _check_plan, _check_triage

DOC = Path(__file__).resolve().parents[2] / "docs" / "live-inference.md"
LOCAL = {"ollama", "vllm", "llamacpp", "llamacpp_messages", "lmstudio"}
# llama-server's messages route with a chat template without tools answers a forced tool in prose
PROFILES = {"llamacpp": "llama_cpp", "llamacpp_messages": "prose", "lmstudio": "lm_studio"}


def family_blocks() -> list[dict[str, Any]]:
    """The TOML blocks of the "Provider families" section, parsed."""
    text = DOC.read_text()
    section = text.split("## Provider families", 1)[1].split("\n## ", 1)[0]
    return [tomllib.loads(block) for block in re.findall(r"```toml\n(.*?)```", section, flags=re.S)]


FAMILIES = family_blocks()


def test_the_docs_cover_every_family() -> None:
    names = [next(iter(b["models"]["backends"])) for b in FAMILIES]
    assert names == [
        "openai",
        "azure",
        "anthropic",
        "llamacpp_messages",
        "gemini",
        "mistral",
        "groq",
        "openrouter",
        "xai",
        "ollama",
        "vllm",
        "llamacpp",
        "lmstudio",
    ]


@pytest.mark.parametrize("block", FAMILIES, ids=[next(iter(b["models"]["backends"])) for b in FAMILIES])
async def test_each_family_entry_runs_live(
    block: dict[str, Any],
    fake: FakeProvider,
    run_bundle: RunBundle,
    monkeypatch: pytest.MonkeyPatch,
    storage_dir: Path,
) -> None:
    models = block["models"]
    [(name, backend)] = models["backends"].items()
    handle_name, handle = next(iter(models["handles"].items()))
    deck = deck_from_config(models)
    # what the entry promises: a real host (local servers on localhost), a key variable for cloud ones, a
    # variable that can redirect it, and prices only where declared
    if (
        backend["kind"] == "azure_openai"
    ):  # the endpoint is the user's own resource: no default, a clear error
        with pytest.raises(MissingBaseUrlError, match="AZURE_OPENAI_ENDPOINT"):
            deck.backends[name].resolved_base_url({})
    else:
        url = deck.backends[name].resolved_base_url({})
        assert url is not None and url.startswith("http://localhost:" if name in LOCAL else "https://")
    assert (deck.backends[name].api_key_env is None) == (name in LOCAL)
    assert deck.backends[name].base_url_env, "every entry can be pointed elsewhere by a variable"
    # pointed at the fake, behaving like that server
    kind = backend["kind"]
    target = {"anthropic": fake.anthropic_base_url, "azure_openai": fake.url}.get(kind, fake.base_url)
    monkeypatch.setenv(backend["base_url_env"], target)
    if backend.get("api_key_env"):
        monkeypatch.setenv(backend["api_key_env"], SECRET_KEY)
    fake.quirks = PROFILES.get(name, "openai")
    boot(
        models={
            **models,
            "aliases": {**models.get("aliases", {}), "default-general": handle_name},
            "calls": FAST_CALLS,
        }
    )
    _check_triage(await run_bundle(TRIAGE, {"note": NOTE}))
    _check_plan(await run_bundle(TRIAGE, {"note": NOTE}, pipe="plan"))
    said = await run_bundle(TRIAGE, {"note": NOTE}, pipe="say")
    assert said.main_stuff_json()["text"]
    # the calls went to that backend's route, with its key, asking for that model
    route = "messages" if kind == "anthropic" else "chat"
    requests = [r for r in fake.requests if r.route == route]
    assert requests and fake.total_calls == len(requests)
    if kind == "azure_openai":
        assert all(f"/openai/deployments/{handle['model_id']}/" in r.path for r in requests)
        assert all(r.headers.get("api-key") == SECRET_KEY for r in requests)
    else:
        assert all(r.body["model"] == handle["model_id"] for r in requests)
    if backend.get("api_key_env") and kind != "azure_openai":
        assert all(
            SECRET_KEY in r.headers.get("authorization", "") + r.headers.get("x-api-key", "")
            for r in requests
        )
    usage = said.usage.by_model[handle_name]
    assert usage.unpriced == ("costs" not in handle) and (usage.cost_usd > 0) == ("costs" in handle)
