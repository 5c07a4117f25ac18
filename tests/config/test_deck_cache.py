"""The default deck's cache (``pipelex/config/deck_cache.py``): the same deck as the TOML gives, read back only
for the same ``models.toml``, code and Python, and never in the way when it cannot be used."""

from __future__ import annotations

import marshal
import subprocess
import sys
from pathlib import Path

import pytest

from pipelex.config import deck_cache
from pipelex.config.deck import (
    DEFAULT_DECK_FILE,
    ModelCategory,
    _default_deck_cached,  # pyright: ignore[reportPrivateUsage]
    deck_from_data,
    deck_to_data,
    parse_default_deck,
)

RAW = DEFAULT_DECK_FILE.read_bytes()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PIPELEX_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_the_cached_deck_is_the_parsed_deck() -> None:
    parsed = parse_default_deck(RAW)
    decoded = deck_from_data(marshal.loads(marshal.dumps(deck_to_data(parsed))))
    assert decoded == parsed
    assert all(isinstance(c, ModelCategory) for c in decoded.aliases)
    handle = next(iter(decoded.handles.values()))
    assert isinstance(handle.category, ModelCategory)
    assert isinstance(handle.inputs, tuple)
    assert decoded.handles and decoded.backends and any(decoded.presets.values())


def test_store_then_load(cache: Path) -> None:
    assert deck_cache.load(RAW) is None
    parsed = parse_default_deck(RAW)
    deck_cache.store(RAW, deck_to_data(parsed))
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].name.startswith("deck-")
    data = deck_cache.load(RAW)
    assert data is not None and deck_from_data(data) == parsed


def test_another_models_toml_is_another_entry(cache: Path) -> None:
    deck_cache.store(RAW, deck_to_data(parse_default_deck(RAW)))
    changed = RAW + b"\n# a comment changes the digest\n"
    assert deck_cache.load(changed) is None


def test_a_damaged_cache_file_is_ignored(cache: Path) -> None:
    deck_cache.store(RAW, deck_to_data(parse_default_deck(RAW)))
    (entry,) = cache.iterdir()
    entry.write_bytes(b"not marshal data")
    assert deck_cache.load(RAW) is None
    entry.write_bytes(marshal.dumps({"handles": {}}))  # readable, but not a deck: the TOML is parsed again
    _default_deck_cached.cache_clear()
    try:
        assert _default_deck_cached() == parse_default_deck(RAW)
    finally:
        _default_deck_cached.cache_clear()
    entry.write_bytes(marshal.dumps([1, 2]))
    assert deck_cache.load(RAW) is None


def test_an_empty_cache_dir_setting_turns_the_cache_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PIPELEX_CACHE_DIR", "")
    assert deck_cache.cache_dir() is None
    deck_cache.store(RAW, deck_to_data(parse_default_deck(RAW)))  # nothing written, nothing raised
    assert deck_cache.load(RAW) is None


def test_the_default_place_follows_xdg(tmp_path: Path) -> None:
    assert deck_cache.cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "pipelex"
    assert deck_cache.cache_dir({"PIPELEX_CACHE_DIR": str(tmp_path / "x")}) == tmp_path / "x"


def test_an_unwritable_cache_is_not_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("PIPELEX_CACHE_DIR", str(blocker / "cache"))  # a folder under a file: cannot exist
    deck_cache.store(RAW, deck_to_data(parse_default_deck(RAW)))
    assert deck_cache.load(RAW) is None


def test_a_fresh_process_reads_the_cache_and_not_the_toml(tmp_path: Path) -> None:
    probe = """
import sys
from pipelex.config.deck import default_deck
deck = default_deck()
print(len(deck.handles), "tomllib" in sys.modules, "pipelex.config.deck_config" in sys.modules)
"""
    env = {"PIPELEX_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    first, second = (
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60)
        .stdout.strip()
        .split()
        for _ in range(2)
    )
    handles = str(len(parse_default_deck(RAW).handles))
    assert first == [handles, "True", "True"]  # parsed, then written
    assert second == [handles, "False", "False"]  # read back: no TOML parse, no pydantic models of the table
