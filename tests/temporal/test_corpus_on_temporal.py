"""The MTHDS corpus on Temporal: every valid entry dry-runs to the same output and graph as on the direct
backend, and the offline entries run live on Temporal to their expected outputs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelex.config.settings import PipelexConfig
from pipelex.memory.inputs import read_inputs_argument
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner, PipelineOutput
from tests.conformance.test_corpus import (
    NO_CORPUS_REASON,
    Entry,
    _expected_dir,
    _offline_params,
    _params,
    compare_meaning,
)
from tests.conftest import locate_corpus
from tests.temporal.test_matrix import shape

pytestmark = pytest.mark.skipif(locate_corpus() is None, reason=NO_CORPUS_REASON)


@pytest.fixture(autouse=True)
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "storage"
    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(path))
    yield path


async def run(entry: Entry, backend: str, mode: PipeRunMode) -> PipelineOutput:
    inputs: dict[str, Any] = {}
    base_dir = None
    if entry.inputs is not None:
        inputs, base_dir = read_inputs_argument(str(entry.inputs))
    runner = PipelexRunner(bundle_uri=entry.bundle, pipe_run_mode=mode, backend=backend)  # type: ignore[arg-type]
    return await runner.execute_pipeline(
        inputs, mock_inputs=mode is PipeRunMode.DRY, inputs_base_dir=base_dir
    )


@pytest.mark.parametrize("entry", _params(lambda e: e.is_valid))
async def test_valid_entry_dry_runs_on_temporal_like_on_direct(
    entry: Entry, temporal_booted: PipelexConfig, storage: Path
) -> None:
    direct = await run(entry, "direct", PipeRunMode.DRY)
    temporal = await run(entry, "temporal", PipeRunMode.DRY)
    assert temporal.main_stuff_json() == direct.main_stuff_json()
    assert shape(temporal.graph) == shape(direct.graph)
    assert not (storage.exists() and any(p.name != "temporal-payloads" for p in storage.iterdir()))


@pytest.mark.parametrize("entry", _offline_params())
async def test_offline_entry_runs_live_on_temporal_to_the_expected_output(
    entry: Entry, temporal_booted: PipelexConfig
) -> None:
    expected = _expected_dir() / f"{entry.name}.json"
    if not expected.is_file():
        pytest.skip(f"no expected output {expected}")
    output = await run(entry, "temporal", PipeRunMode.LIVE)
    assert output.graph.backend == "temporal"
    assert compare_meaning(output.main_stuff_json(), json.loads(expected.read_text(encoding="utf-8"))) == []
