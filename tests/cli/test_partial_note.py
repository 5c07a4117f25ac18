"""The note of a run that stopped early counts every pipe run that succeeded, held in memory or folded out of it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from pipelex.cli.commands import _partial_note
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from tests.tracing.test_graph_fold import BATCH_OF_SEQUENCES


async def _note(children_in_memory: int | None, tmp_path: Path) -> str:
    runner = PipelexRunner(mthds_content=BATCH_OF_SEQUENCES, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    runner.graph_children_in_memory = children_in_memory
    graph = (await runner.execute_pipeline({"parcels": [f"parcel {i}" for i in range(40)]})).graph
    return _partial_note(SimpleNamespace(graph=graph), tmp_path)


async def test_the_note_counts_the_runs_folded_out_of_memory(tmp_path: Path) -> None:
    whole = await _note(None, tmp_path)
    folded = await _note(
        6, tmp_path
    )  # the batch, 6 items and their steps held; 34 items and their steps folded
    # the batch, 40 sequences and their 80 steps, in both cases
    assert "(121 pipe run(s) succeeded)" in whole
    assert "(121 pipe run(s) succeeded)" in folded
