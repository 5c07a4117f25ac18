"""A construct whose fields come from native Text, Number, YesNo and Text[] stuffs (one of them produced by an
LLM leaf) gives the same tag on Temporal, dry and live, as on the direct backend (tests/pipeline)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import pytest

from pipelex.config.settings import PipelexConfig
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.testing.fake_provider import FakeProvider
from tests.pipeline.test_constructs import INPUTS, STALL


@pytest.fixture(params=[PipeRunMode.DRY, PipeRunMode.LIVE], ids=["dry", "live"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[PipeRunMode]:
    """Dry, or live against a fake provider on 127.0.0.1."""
    if request.param is PipeRunMode.DRY:
        yield PipeRunMode.DRY
        return
    with FakeProvider() as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        yield PipeRunMode.LIVE


async def test_construct_fills_scalar_fields_on_temporal(
    temporal_booted: PipelexConfig, mode: PipeRunMode
) -> None:
    runner = PipelexRunner(mthds_content=textwrap.dedent(STALL), pipe_run_mode=mode)
    assert runner.backend.name == "temporal"
    output = await runner.execute_pipeline(INPUTS)
    tag = output.main_stuff_json()
    assert (tag["produce"], tag["price"], tag["organic"], tag["crates"]) == ("Gala apples", 3.2, True, 7)
    assert tag["label"] == {"text": "Gala apples"} and tag["keywords"] == ["crisp", "local"]
    assert tag["price_text"] == "3.2" and tag["headline"] == "Gala apples at 3.2 EUR/kg"
    blurb = output.working_memory.get("blurb")
    assert blurb is not None and tag["blurb"] == blurb.content_json()["text"]
    if mode is PipeRunMode.LIVE:
        assert tag["blurb"].startswith("Fake reply of")
    assert output.graph.backend == "temporal"
