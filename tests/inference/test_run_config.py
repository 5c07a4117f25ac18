"""A run uses the configuration it was given (deck, store, limits), never whichever config the process booted.

Every test boots pipelex with a configuration that does NOT have what the run needs (the default deck, a
store elsewhere), then hands the runner another one: a leaf that read the process-wide configuration would
fail, or store in the wrong place.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from pipelex.boot import Pipelex
from pipelex.config.deck import deck_from_config
from pipelex.config.settings import PipelexConfig, StorageConfig
from pipelex.errors import BundleInvalidError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.testing.fake_provider import FakeProvider
from tests.inference.conftest import FAST_CALLS, SECRET_KEY

HOUSE_MODELS: dict[str, Any] = {
    "calls": FAST_CALLS,
    "handles": {"house": {"backend": "openai", "model_id": "house-model-v7"}},
    "aliases": {"house-writer": "house"},
}

HOUSE_BUNDLE = """domain = "house"
main_pipe = "write"

[pipe.write]
type = "PipeLLM"
description = "Writes with the house model"
output = "Text"
model = "@house-writer"
prompt = "Write one line about tides"
"""

DRAWING_BUNDLE = """domain = "house"
main_pipe = "draw"

[pipe.draw]
type = "PipeImgGen"
description = "Draws"
output = "Image"
prompt = "A lighthouse"
"""


@pytest.fixture
def fake_env(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    """The provider variables point at the fake; no storage folder override (each config says its own)."""
    for name, value in fake.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET_KEY)
    monkeypatch.delenv("PIPELEX_STORAGE_DIR", raising=False)
    return fake


def _models_called(fake: FakeProvider) -> list[str]:
    return [str(r.body.get("model")) for r in fake.requests]


def test_a_runner_runs_live_with_the_deck_it_was_given(fake_env: FakeProvider, tmp_path: Path) -> None:
    Pipelex.make(config=PipelexConfig(storage=StorageConfig(local_dir=str(tmp_path / "booted"))))
    deck = deck_from_config(HOUSE_MODELS, source="test")
    # the booted configuration has no such model: validation with it refuses the bundle
    with pytest.raises(BundleInvalidError, match="house-writer"):
        PipelexRunner(mthds_content=HOUSE_BUNDLE, backend="direct").load()
    runner = PipelexRunner(mthds_content=HOUSE_BUNDLE, deck=deck, backend="direct")
    output = asyncio.run(runner.execute_pipeline())
    assert "DRY RUN" not in str(output.main_stuff_json())
    assert _models_called(fake_env) == ["house-model-v7"]
    assert list(output.usage.by_model) == ["house"]


def test_a_runner_runs_with_the_config_it_was_given(fake_env: FakeProvider, tmp_path: Path) -> None:
    """The deck, the store and the limits of ``config``: a model only it defines, images in its store."""
    booted_store, own_store = tmp_path / "booted", tmp_path / "own"
    Pipelex.make(config=PipelexConfig(storage=StorageConfig(local_dir=str(booted_store))))
    config = PipelexConfig.model_validate({"models": HOUSE_MODELS, "storage": {"local_dir": str(own_store)}})
    output = asyncio.run(PipelexRunner(mthds_content=HOUSE_BUNDLE, config=config).execute_pipeline())
    assert output.graph.backend == "direct"  # the config's [temporal] is off
    assert _models_called(fake_env) == ["house-model-v7"]

    drawn = asyncio.run(PipelexRunner(mthds_content=DRAWING_BUNDLE, config=config).execute_pipeline())
    assert isinstance(drawn.main_stuff_json(), dict)
    assert [p for p in own_store.rglob("*") if p.is_file()], "the image went to the run's own store"
    assert not booted_store.exists(), "nothing went to the booted configuration's store"


def test_two_runners_of_two_decks_run_side_by_side(fake_env: FakeProvider) -> None:
    """No process-wide deck: each run's leaves resolve in their own runner's deck, concurrently."""
    Pipelex.make(config=PipelexConfig())
    other = {**HOUSE_MODELS, "handles": {"house": {"backend": "openai", "model_id": "other-model-v1"}}}
    first = PipelexRunner(mthds_content=HOUSE_BUNDLE, deck=deck_from_config(HOUSE_MODELS, source="a"))
    second = PipelexRunner(mthds_content=HOUSE_BUNDLE, deck=deck_from_config(other, source="b"))

    async def both() -> None:
        await asyncio.gather(first.execute_pipeline(), second.execute_pipeline())

    asyncio.run(both())
    assert sorted(_models_called(fake_env)) == ["house-model-v7", "other-model-v1"]


def test_a_live_leaf_without_the_runs_live_configuration_is_a_clear_error() -> None:
    from pipelex.errors import ConfigError
    from pipelex.inference.leaf import Generators

    assert Generators().for_mode(PipeRunMode.DRY) is Generators().for_mode(PipeRunMode.DRY)
    with pytest.raises(ConfigError, match="live configuration"):
        Generators().for_mode(PipeRunMode.LIVE)
