"""The default deck's stored data (``pipelex/config/default_deck_data.py``): what its generator writes from the
``models.toml`` beside it, the deck the TOML gives, used for that file only, and the same in a first process as in
any other (nothing is written anywhere)."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from pipelex.config import deck as deck_module
from pipelex.config import default_deck_data
from pipelex.config.deck import (
    DEFAULT_DECK_FILE,
    ModelCategory,
    deck_from_data,
    deck_to_data,
    default_deck,
    parse_default_deck,
)
from pipelex.config.default_deck_gen import TARGET, module_source

RAW = DEFAULT_DECK_FILE.read_bytes()


def test_the_stored_module_is_what_the_generator_writes() -> None:
    assert TARGET.read_text() == module_source(), "run `python -m pipelex.config.default_deck_gen`"
    assert default_deck_data.MODELS_TOML_SHA256 == hashlib.sha256(RAW).hexdigest()


def test_the_stored_deck_is_the_parsed_deck() -> None:
    parsed = parse_default_deck(RAW)
    assert default_deck_data.DATA == deck_to_data(parsed)
    stored = deck_from_data(default_deck_data.DATA)
    assert stored == parsed
    assert default_deck() == parsed
    assert all(isinstance(c, ModelCategory) for c in stored.aliases)
    handle = next(iter(stored.handles.values()))
    assert isinstance(handle.category, ModelCategory)
    assert isinstance(handle.inputs, tuple)
    assert stored.handles and stored.backends and any(stored.presets.values())


def test_a_models_toml_edited_in_place_is_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edited = tmp_path / "models.toml"
    assert b"\n[llm.aliases]\n" in RAW
    # one more alias: the digest differs, so the TOML is read
    edited.write_bytes(RAW.replace(b"\n[llm.aliases]\n", b'\n[llm.aliases]\nmy-edit = "gpt-4o"\n', 1))
    monkeypatch.setattr(deck_module, "DEFAULT_DECK_FILE", edited)
    deck_module._default_deck_cached.cache_clear()  # pyright: ignore[reportPrivateUsage]
    try:
        assert default_deck().aliases[ModelCategory.LLM]["my-edit"] == "gpt-4o"
    finally:
        deck_module._default_deck_cached.cache_clear()  # pyright: ignore[reportPrivateUsage]


def test_a_first_process_reads_the_stored_deck_and_writes_nothing(tmp_path: Path) -> None:
    probe = """
import sys
from pipelex.config.deck import default_deck
deck = default_deck()
print(len(deck.handles), "tomllib" in sys.modules, "pipelex.config.deck_config" in sys.modules)
"""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    # no TOML parse, no pydantic models of the deck's tables
    assert out.stdout.split() == [str(len(parse_default_deck(RAW).handles)), "False", "False"]
    assert list(tmp_path.iterdir()) == []
