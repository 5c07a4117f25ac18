"""Huge dry batches: a list input past ``[limits] max_batch_items`` is refused before the run starts, and a run
past the graph's in-memory bound keeps memory bounded (RSS growth per item measured between two sizes, in
fresh ``pipelex`` processes) while ``graph.json`` stays complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelex.errors import LimitExceededError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from gen_bundle import generate_batch_bundle  # noqa: E402
from huge_batch import count_graph_nodes  # noqa: E402

PIPELEX = Path(sys.executable).with_name("pipelex")


async def test_a_million_item_input_is_refused_before_the_run() -> None:
    runner = PipelexRunner(
        mthds_content=generate_batch_bundle(), pipe_run_mode=PipeRunMode.DRY, backend="direct"
    )
    with pytest.raises(LimitExceededError) as caught:
        await runner.execute_pipeline({"notes": ["a note"] * 1_000_000})
    message = str(caught.value)
    assert "input 'notes' has 1000000 items, more than the 10000" in message
    assert "[limits] max_batch_items" in message and "raise the limit" in message
    assert caught.value.limit == "max_batch_items"
    assert runner.failed_output is None  # refused in the preparation: nothing ran, nothing to keep


async def test_the_same_input_given_as_concept_and_content_is_refused_too() -> None:
    runner = PipelexRunner(
        mthds_content=generate_batch_bundle(), pipe_run_mode=PipeRunMode.DRY, backend="direct"
    )
    with pytest.raises(LimitExceededError, match="input 'notes' has 10001 items"):
        await runner.execute_pipeline({"notes": {"concept": "Text", "content": ["x"] * 10_001}})


def _run_cli(tmp_path: Path, items: int) -> tuple[float, Path]:
    """A dry batch of ``items`` in a fresh process: (peak RSS in MB, the run folder)."""
    folder = tmp_path / str(items)
    folder.mkdir()
    (folder / "batch.mthds").write_text(generate_batch_bundle(), encoding="utf-8")
    (folder / "inputs.json").write_text(
        json.dumps({"notes": [f"note {i}" for i in range(items)]}), encoding="utf-8"
    )
    (folder / "pipelex.toml").write_text(
        "[limits]\nmax_batch_items = 100000\n[tracing]\ngraph_children_in_memory = 1000\n", encoding="utf-8"
    )
    argv = [str(PIPELEX), "run", "bundle", "batch.mthds", "-i", "inputs.json", "--dry-run", "-o", "out", "-q"]
    proc = subprocess.Popen(
        [*argv, "--no-pretty-print"], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert proc.stdout is not None
    with proc.stdout:
        output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, output.decode(errors="replace")
    [run_dir] = list((folder / "out").iterdir())
    return usage.ru_maxrss / 1024, run_dir


@pytest.mark.slow
def test_memory_per_item_stays_small_and_graph_json_complete(tmp_path: Path) -> None:
    small_mb, _ = _run_cli(tmp_path, 5_000)
    big_mb, run_dir = _run_cli(tmp_path, 30_000)
    per_item_kb = (big_mb - small_mb) * 1024 / 25_000
    print(
        f"peak RSS {small_mb:.0f} MB at 5,000 items, {big_mb:.0f} MB at 30,000: {per_item_kb:.2f} KB per item"
    )
    # before folding and streaming: ~12 KB per item (1.25 GB for 100,000); then ~1.9 KB (a million items at the
    # 2 GB mark); now ~0.5 KB: each item's input and output content (sharing their fields-sets), its edge and its
    # producer digest. 1.5 KB keeps a million items well under 2 GB, with room for the allocator's noise.
    assert per_item_kb < 1.5, f"{per_item_kb:.2f} KB per item ({small_mb:.0f} MB -> {big_mb:.0f} MB)"
    assert count_graph_nodes(run_dir / "graph.json") == 30_001
    assert json.loads((run_dir / "main_stuff.json").read_bytes())["items"][29_999] == {
        "text": "Label: note 29999"
    }
