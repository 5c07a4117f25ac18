"""``benchmarks/temporal_leaf_path.py``: pipelex's own work per Temporal leaf, measured side by side, without a
server (the real router, data converter and leaf activity), and ``temporal_overhead.py``'s report."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load(name: str) -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


@pytest.fixture
def booted() -> Iterator[None]:
    from pipelex.boot import Pipelex
    from pipelex.config.settings import PipelexConfig

    Pipelex.make(config=PipelexConfig())
    yield
    Pipelex.teardown()


@pytest.mark.usefixtures("booted")
async def test_a_run_is_measured_on_every_side_and_builds_the_whole_graph() -> None:
    bench = load("temporal_leaf_path")
    overhead = sys.modules["temporal_overhead"]
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        notes = [f"item {i}" for i in range(5)]
        batch = await bench.one_run(overhead.BATCH_BUNDLE, {"notes": notes}, 5, loop)
        sequence = await bench.one_run(overhead.sequence_bundle(3), {"note": "x"}, 3, loop)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
    for spent in (batch, sequence):  # the graph had every leaf (asserted inside); each side did some work
        assert set(spent) == {"workflow", "wire", "activity", "client", "payload bytes", "outcome bytes"}
        assert all(value > 0 for value in spent.values()), spent
        # a leaf's payload names its run settings by digest: a few hundred bytes, not the settings' ~900
        assert spent["payload bytes"] < 1000 and spent["outcome bytes"] < 1500, spent


def test_the_report_gives_every_round_its_ratio_and_counts_those_over_the_limit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench = load("temporal_overhead")
    sample = bench.Sample
    samples = {
        "batch": {
            "bare": [sample(wall=10.0, cpu=2.0, server_cpu=4.0, load=1.0), sample(10.0, 2.0, 4.0, 1.0)],
            "pipelex": [sample(wall=11.0, cpu=2.2, server_cpu=4.0, load=1.0), sample(15.0, 3.0, 4.0, 1.0)],
        }
    }
    bench.report(samples, 1.3)
    out = capsys.readouterr().out
    wall = next(line for line in out.splitlines() if line.startswith("batch"))
    assert "1.50x" in wall and "1/2" in wall and "1.10 1.50" in wall


def test_the_direct_backend_reference_runs_the_same_shapes_whole() -> None:
    """The reference line: the same bundles on the direct backend (every leaf in the graph, asserted inside)."""
    bench = load("temporal_overhead")
    figures = bench.direct_cpu(["sequence", "batch"], rounds=1)
    assert set(figures) == {"sequence", "batch"}
    assert all(cpu > 0 for cpu in figures.values()), figures
