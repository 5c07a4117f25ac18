"""Model references parsed once (``pipelex.language.model_ref``): every form of ``model = ...`` and the settings
an inline table adds."""

from __future__ import annotations

from typing import Any

import pytest

from pipelex.config.deck import ModelCategory, default_deck
from pipelex.language.model_ref import ModelRef, ModelRefKind, ModelSettingError, ModelSettings, written_ref


@pytest.mark.parametrize(
    ("written", "kind", "name", "short"),
    [
        ("$writing-factual", ModelRefKind.PRESET, "writing-factual", "$writing-factual"),
        ("@default-general", ModelRefKind.ALIAS, "default-general", "@default-general"),
        ("~cheap-first", ModelRefKind.WATERFALL, "cheap-first", "~cheap-first"),
        ("gpt-4o-mini", ModelRefKind.HANDLE, "gpt-4o-mini", "gpt-4o-mini"),
        ("preset:writing-factual", ModelRefKind.PRESET, "writing-factual", "$writing-factual"),
        ("alias:default-general", ModelRefKind.ALIAS, "default-general", "@default-general"),
        ("waterfall:cheap-first", ModelRefKind.WATERFALL, "cheap-first", "~cheap-first"),
        ("handle:gpt-4o-mini", ModelRefKind.HANDLE, "gpt-4o-mini", "gpt-4o-mini"),
        ("  @default-general ", ModelRefKind.ALIAS, "default-general", "@default-general"),
    ],
)
def test_every_form_parses_to_its_kind_and_name(
    written: str, kind: ModelRefKind, name: str, short: str
) -> None:
    ref = ModelRef.parse(written)
    assert (ref.kind, ref.name, ref.short) == (kind, name, short)
    assert ref.written == written  # kept as written, for messages and jobs
    assert str(ref) == written


def test_a_model_field_holds_a_string_or_the_model_of_an_inline_table() -> None:
    assert ModelRef.of("$writing-factual") == ModelRef.parse("$writing-factual")
    table: dict[str, Any] = {"model": "@default-general", "temperature": 0.2}
    assert ModelRef.of(table) == ModelRef.parse("@default-general")
    assert ModelRef.of({"handle": "gpt-4o-mini"}) == ModelRef.parse("gpt-4o-mini")
    assert ModelRef.of({"temperature": 0.2}) is None  # a table naming no model: the default model is used
    assert ModelRef.of(None) is None
    assert written_ref({"model": "preset:writing-factual"}) == "preset:writing-factual"
    assert written_ref(None) is None


def test_the_deck_resolves_the_long_and_short_forms_alike() -> None:
    deck = default_deck()
    for short, long in (
        ("@default-general", "alias:default-general"),
        ("$writing-factual", "preset:writing-factual"),
    ):
        by_short = deck.resolve(short, ModelCategory.LLM)
        assert by_short, short
        assert deck.resolve(long, ModelCategory.LLM) == by_short
        assert deck.resolve(ModelRef.parse(long), ModelCategory.LLM) == by_short
    assert deck.resolve("$no-such-preset", ModelCategory.LLM) is None
    assert deck.category_of_name(ModelRef.parse("@default-general"))
    assert deck.category_of_name("gpt-4o-mini") == []


def test_inline_settings_are_read_and_checked() -> None:
    settings = ModelSettings.of(
        {"model": "x", "temperature": 1, "max_tokens": 300, "reasoning_effort": "low"}
    )
    assert settings == ModelSettings(temperature=1.0, max_tokens=300, reasoning_effort="low")
    assert ModelSettings.of("$writing-factual") == ModelSettings()
    for table, words in (
        ({"temperature": 3}, "temperature must be a number from 0 to 1"),
        ({"temperature": 1.5}, "temperature must be a number from 0 to 1"),
        ({"temperature": True}, "temperature must be a number"),
        ({"max_tokens": 0}, "max_tokens must be a positive integer"),
        # the reference's levels, lowercase and exact: " low ", "High", "extreme" are refused
        ({"reasoning_effort": " "}, "reasoning_effort must be one of 'none', 'minimal', 'low'"),
        ({"reasoning_effort": " low "}, "reasoning_effort must be one of"),
        ({"reasoning_effort": "High"}, "reasoning_effort must be one of"),
        ({"reasoning_effort": "extreme"}, "reasoning_effort must be one of"),
        ({"reasoning_effort": 2}, "reasoning_effort must be one of"),
    ):
        with pytest.raises(ModelSettingError, match=words):
            ModelSettings.of(table)


@pytest.mark.parametrize("effort", ["none", "minimal", "low", "medium", "high", "xhigh", "max"])
def test_every_level_of_reasoning_effort_is_taken(effort: str) -> None:
    assert ModelSettings.of({"model": "x", "reasoning_effort": effort}).reasoning_effort == effort
