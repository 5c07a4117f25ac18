"""The model deck: the default deck, [models] merged over it, references, and clear configuration errors."""

from __future__ import annotations

from typing import Any

import pytest

from pipelex.config.deck import (
    DECK_CONFIG_TEMPLATE,
    ModelCategory,
    deck_from_config,
    default_deck,
    render_deck,
)
from pipelex.config.settings import parse_config
from pipelex.errors import ConfigError

REFERENCE_NAMES = [
    "@default-general",
    "@default-premium",
    "@default-premium-vision",
    "@default-small-structured",
    "@best-gpt",
    "$writing-factual",
    "$engineering-code-cheaper",
    "$testing-vision",
    "$deep-analysis",
    "$gen-image",
    "$synthesize-chart",
    "@default-extract-document",
    "@default-text-from-pdf",
    "@default-no-inference",
    "~document-extractor",
    "~ocr-extractor",
    "$extract-testing",
    "@default-search",
    "$standard",
    "$deep",
    "@default-pdf",
    "@default-judgment",
    "@default-judgment-vision",
    "preset:writing-creative",
    "alias:default-small",
    "waterfall:ocr-extractor",
    "handle:gpt-4o",
]


@pytest.mark.parametrize("name", REFERENCE_NAMES)
def test_default_deck_resolves_the_reference_names(name: str) -> None:
    assert default_deck().resolve(name)


def test_every_default_resolves_and_extraction_needs_no_key_first() -> None:
    deck = default_deck()
    for category in ModelCategory:
        ref = deck.default_ref(category)
        # judgment has no default, as in the reference's deck (a PipeJudge names its model)
        assert (ref is None) == (category is ModelCategory.JUDGE), category
        assert ref is None or deck.resolve(ref), category
    first = deck.resolve(deck.default_ref(ModelCategory.EXTRACT) or "")
    assert first is not None and not deck.backend_of(first[0]).needs_key


def test_presets_carry_settings() -> None:
    resolved = default_deck().resolve_model("$writing-factual")
    assert resolved is not None and resolved.temperature == 0.2 and resolved.handles[0].handle == "gpt-4o"


def test_models_table_is_merged_over_the_default() -> None:
    deck = deck_from_config(
        {
            "backends": {
                "groq": {
                    "kind": "openai",
                    "base_url": "https://api.groq.com/openai/v1",
                    "api_key_env": "GROQ_API_KEY",
                }
            },
            "handles": {
                "llama": {
                    "backend": "groq",
                    "model_id": "llama-3.3-70b",
                    "costs": {"input": 0.5, "output": 0.8, "input_cached": 0.1},
                }
            },
            "aliases": {"default-general": "llama"},
            "presets": {"cheap": "llama", "careful": {"model": "@default-general", "temperature": 0.0}},
            "waterfalls": {"robust": ["llama", "gpt-4o"]},
            "calls": {"timeout": 9, "max_attempts": 2},
        }
    )
    assert [h.handle for h in deck.resolve("@default-general") or []] == ["llama"]
    assert [h.handle for h in deck.resolve("~robust") or []] == ["llama", "gpt-4o"]
    careful = deck.resolve_model("$careful")
    assert careful is not None and careful.temperature == 0.0
    assert deck.policy.timeout == 9 and deck.policy.max_attempts == 2 and deck.policy.backoff_max == 8.0
    llama = deck.handles["llama"]
    assert llama.cost_usd(
        input_tokens=1_000_000, output_tokens=1_000_000, cached_input_tokens=500_000
    ) == pytest.approx(0.25 + 0.05 + 0.8)
    assert deck.backend_of(llama).resolved_base_url({}) == "https://api.groq.com/openai/v1"
    assert "gpt-4o" in deck.handles  # the default deck is still there
    assert "llama" in render_deck(deck) and "GROQ_API_KEY" in render_deck(deck)


def test_cached_input_defaults_to_half_price() -> None:
    gpt = default_deck().handles["gpt-image-1"]
    assert gpt.cost_usd(input_tokens=100, output_tokens=0, cached_input_tokens=100) == pytest.approx(
        100 * 2.5 / 1e6
    )


@pytest.mark.parametrize(
    ("models", "message"),
    [
        ({"handles": {"x": {"backend": "nowhere", "model_id": "m"}}}, "names backend 'nowhere'"),
        ({"aliases": {"default-general": "gpt-9"}}, "[models.aliases] default-general does not resolve"),
        ({"presets": {"p": {"model": "@missing"}}}, "[models.presets] p does not resolve"),
        ({"waterfalls": {"w": ["gpt-4o", "nope"]}}, "lists 'nope'"),
        ({"aliases": {"a": "@b", "b": "@a"}}, "[models.aliases] a does not resolve"),
        ({"defaults": {"llm": "@nope"}}, "[models.defaults] llm"),
        ({"handels": {}}, "unknown key `models.handels`"),
        (
            {"handles": {"x": {"backend": "openai", "model_id": "m", "price": 3}}},
            "unknown key `models.handles.x.price`",
        ),
        ({"calls": {"max_attempts": 0}}, "models.calls.max_attempts"),
        ({"backends": {"b": {"kind": "grpc"}}}, "models.backends.b.kind"),
    ],
    ids=[
        "unknown-backend",
        "alias-to-unknown",
        "preset-to-unknown",
        "waterfall-item",
        "alias-cycle",
        "default-unknown",
        "unknown-section",
        "unknown-handle-key",
        "bad-attempts",
        "bad-kind",
    ],
)
def test_bad_models_tables_are_clear_errors(models: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        deck_from_config(models, source="proj/pipelex.toml")
    assert message in str(caught.value) and "proj/pipelex.toml" in str(caught.value)


def test_unknown_handle_in_a_bundle_fails_validation_with_the_config_deck(
    tmp_path: Any, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipelex.toml").write_text('[models.handles.mine]\nbackend = "openai"\nmodel_id = "m"\n')
    bundle = tmp_path / "b.mthds"
    bundle.write_text(
        'domain = "d"\n[pipe.p]\ntype = "PipeLLM"\ndescription = "x"\noutput = "Text"\nprompt = "hi"\n'
        'model = "MODEL"\n'
    )
    from pipelex.boot import Pipelex

    Pipelex.teardown()
    try:
        bundle.write_text(bundle.read_text().replace("MODEL", "mine"))
        assert run_cli("validate", "bundle", str(bundle))[0] == 0
        bundle.write_text(bundle.read_text().replace('"mine"', '"not-a-handle"'))
        code, out, _ = run_cli("validate", "bundle", str(bundle))
        assert code == 1 and "unknown_model" in out
    finally:
        Pipelex.teardown()


def test_init_template_parses_and_leaves_the_default_deck() -> None:
    from pipelex.cli.commands import DEFAULT_CONFIG

    config = parse_config(DEFAULT_CONFIG + DECK_CONFIG_TEMPLATE, source="template")
    deck = deck_from_config(config.models)
    assert deck.handles == default_deck().handles and deck.policy.max_attempts == 4
    assert config.storage.kind == "local" and config.reporting.is_cost_report_enabled


def test_a_bad_models_table_fails_when_the_config_is_read() -> None:
    with pytest.raises(ConfigError, match="names backend 'nope'"):
        parse_config('[models.handles.x]\nbackend = "nope"\nmodel_id = "m"\n', source="pipelex.toml")
