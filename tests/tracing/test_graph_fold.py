"""Folding a big graph: the children of a controller past ``children_in_memory`` leave memory when they end (the
graph held keeps a summary), and ``ExecutionGraph.write_json`` still writes the complete graph, the same as a
run that folded nothing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.tracing.graph import ExecutionGraph, IOItem
from pipelex.tracing.html import render_html
from pipelex.tracing.rollup import roll_up
from pipelex.tracing.tracer import GraphTracer

BATCH_OF_SEQUENCES = """
domain = "parcels"
description = "Labels and stamps every parcel"
main_pipe = "handle_parcels"

[pipe.handle_parcels]
type = "PipeBatch"
description = "Each parcel"
inputs = { parcels = "Text[]" }
output = "Text[]"
branch_pipe_code = "handle_parcel"
input_list_name = "parcels"
input_item_name = "parcel"

[pipe.handle_parcel]
type = "PipeSequence"
description = "Label, then stamp"
inputs = { parcel = "Text" }
output = "Text"
steps = [{ pipe = "label_parcel", result = "label" }, { pipe = "stamp_label", result = "stamped" }]

[pipe.label_parcel]
type = "PipeCompose"
description = "A label"
inputs = { parcel = "Text" }
output = "Text"
template = "LABEL $parcel"

[pipe.stamp_label]
type = "PipeCompose"
description = "A stamped label"
inputs = { label = "Text" }
output = "Text"
template = "STAMPED $label"
"""


def _shape(graph: ExecutionGraph) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Nodes and edges in recording order, without ids and timings (edges by the paths and ranks of their ends)."""
    rank = {node.id: index for index, node in enumerate(graph.nodes)}
    nodes: list[tuple[object, ...]] = [
        (
            n.path,
            n.kind,
            n.status,
            [(i.name, i.digest, i.data) for i in n.inputs],
            [o.digest for o in n.outputs],
        )
        for n in graph.nodes
    ]
    edges: list[tuple[object, ...]] = [
        (e.kind, rank[e.source], rank[e.target], e.label, e.stuff_digest) for e in graph.edges
    ]
    return nodes, edges


async def _run(bundle: str, inputs: dict[str, Any], children_in_memory: int | None) -> ExecutionGraph:
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    runner.graph_children_in_memory = children_in_memory
    return (await runner.execute_pipeline(inputs)).graph


async def test_a_folded_graph_writes_the_same_complete_graph(tmp_path: Path) -> None:
    inputs = {"parcels": [f"parcel {i}" for i in range(40)]}
    whole = await _run(BATCH_OF_SEQUENCES, inputs, None)
    folded = await _run(BATCH_OF_SEQUENCES, inputs, 6)

    assert whole.folded == [] and len(whole.nodes) == 1 + 40 * 3
    # held in memory: the batch, its first 6 items and their steps; the rest is summarised
    assert len(folded.nodes) == 1 + 6 * 3
    [summary] = folded.folded
    assert summary.parent == folded.nodes[0].id
    assert (summary.runs, summary.nodes, summary.statuses) == (34, 34 * 3, {"succeeded": 34})
    assert folded.folded_nodes == 34 * 3
    assert all(e.source in {n.id for n in folded.nodes} for e in folded.edges)

    whole.write_json(tmp_path / "whole.json")
    folded.write_json(tmp_path / "folded.json")
    complete = ExecutionGraph.from_json((tmp_path / "folded.json").read_bytes())
    assert complete.folded == []
    assert _shape(complete) == _shape(ExecutionGraph.from_json((tmp_path / "whole.json").read_bytes()))
    assert [int(n.id.rsplit("_", 1)[1]) for n in complete.nodes] == list(range(len(complete.nodes)))

    # a run's folder: graph.json complete, graph.html embedding the summary held in memory
    from pipelex.tracing.html import graph_from_html, render_html_bytes, write_graph_files

    assert whole.complete and not folded.complete
    write_graph_files(folded, tmp_path / "run.json", tmp_path / "run.html")
    assert (tmp_path / "run.json").read_bytes() == (tmp_path / "folded.json").read_bytes()
    assert (tmp_path / "run.html").read_bytes() == render_html_bytes(folded)
    embedded = graph_from_html((tmp_path / "run.html").read_text(encoding="utf-8"))
    assert embedded == ExecutionGraph.from_json(folded.to_json()) and embedded.folded == folded.folded


async def test_the_page_counts_the_folded_runs() -> None:
    folded = await _run(BATCH_OF_SEQUENCES, {"parcels": [f"p{i}" for i in range(70)]}, 60)
    page = render_html(folded)
    assert "10 succeeded" in page and "every run is in graph.json" in page
    assert "30 more folded (graph.json only" in page  # 10 runs of 3 nodes, in the header's count


def _leaf(tracer: GraphTracer, parent: str, index: int, *, usage: bool = False, fail: bool = False) -> str:
    node = tracer.start_node(
        pipe_code="leaf",
        pipe_type="PipeLLM",
        kind="operator",
        description="",
        domain="d",
        parent_id=parent,
        inputs=[
            IOItem.of_json(name="x", concept="native.Text", digest=f"in{index:013d}", data={"text": "x"})
        ],
    )
    if usage:
        tracer.add_usage(
            node,
            {
                "calls": 1,
                "input_tokens": 10,
                "output_tokens": 2,
                "cost_usd": 0.5,
                "by_model": {
                    "m": {
                        "model": "m",
                        "model_id": "m",
                        "backend": "b",
                        "calls": 1,
                        "input_tokens": 10,
                        "cost_usd": 0.5,
                    },
                },
            },
        )
    tracer.end_node(node, status="failed" if fail else "succeeded", error="boom" if fail else None)
    return node


def _batch(tracer: GraphTracer, parent: str | None, items: int, **kwargs: bool) -> str:
    batch = tracer.start_node(
        pipe_code="batch",
        pipe_type="PipeBatch",
        kind="controller",
        description="",
        domain="d",
        parent_id=parent,
        inputs=[],
    )
    for index in range(items):
        _leaf(tracer, batch, index, **kwargs)
    return batch


def test_a_failure_stays_in_memory_and_usage_is_counted(tmp_path: Path) -> None:
    tracer = GraphTracer(
        pipeline_run_id="r", main_pipe="batch", domain="d", mode="live", children_in_memory=3
    )
    batch = _batch(tracer, None, 10, usage=True)
    failed = _leaf(tracer, batch, 10, fail=True)
    tracer.end_node(batch, status="failed", error="boom")
    graph = tracer.build()
    assert [n.status for n in graph.nodes].count("failed") == 2 and failed in {n.id for n in graph.nodes}
    assert len(graph.nodes) == 1 + 3 + 1 and graph.folded[0].runs == 7
    report = roll_up(graph)
    assert report.calls == 10 and round(report.total_cost_usd, 6) == 5.0
    assert graph.nodes[0].usage is not None and graph.nodes[0].usage["calls"] == 10
    graph.write_json(tmp_path / "graph.json")
    complete = ExecutionGraph.from_json((tmp_path / "graph.json").read_bytes())
    assert len(complete.nodes) == 12
    assert complete.nodes[0].usage is not None and complete.nodes[0].usage["calls"] == 10
    assert sum(n.usage["calls"] for n in complete.nodes[1:] if n.usage) == 10


def test_nested_folds_and_a_later_mark_reach_the_folded_nodes(tmp_path: Path) -> None:
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="outer", domain="d", mode="dry", children_in_memory=2)
    outcome = tracer.start_node(
        pipe_code="outer",
        pipe_type="PipeBatch",
        kind="controller",
        description="",
        domain="d",
        parent_id=None,
        inputs=[],
    )
    for _ in range(
        5
    ):  # 5 inner batches of 4 items: each inner folds 2, the outer folds 3 inner batches whole
        inner = _batch(tracer, outcome, 4)
        tracer.end_node(inner)
    tracer.end_node(outcome)
    tracer.mark(outcome, "checked", "checked_outcome")
    graph = tracer.build()
    assert len(tracer) == 1 + 5 * 5
    held = {n.id for n in graph.nodes}
    assert len(held) == 1 + 2 * (1 + 2)
    assert sum(f.nodes for f in graph.folded) == 5 * 5 - 6
    graph.write_json(tmp_path / "graph.json")
    complete = ExecutionGraph.from_json((tmp_path / "graph.json").read_bytes())
    assert len(complete.nodes) == 26
    assert Counter(n.status for n in complete.nodes) == {"checked": 26}
    assert all("checked_outcome" in n.tags for n in complete.nodes)
    assert len(complete.edges) == 25 and len(graph.edges) < 25
    # the graph can be built and written again, and the run goes on folding meanwhile
    again = tracer.build()
    again.write_json(tmp_path / "again.json")
    assert len(ExecutionGraph.from_json((tmp_path / "again.json").read_bytes()).nodes) == 26


@pytest.mark.parametrize("lines_per_block", [1, 2, 3, 2048])
def test_folded_nodes_copied_in_blocks_are_the_lines_written_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines_per_block: int
) -> None:
    """graph.json copies the folded nodes from the spill file a block of lines at a time, between the nodes held in
    memory (here a held inner batch recorded after folded leaves of the first): the bytes of the merge written a
    node at a time."""
    from pipelex.tracing import spill

    tracer = GraphTracer(pipeline_run_id="r", main_pipe="outer", domain="d", mode="dry", children_in_memory=2)
    outer = tracer.start_node(
        pipe_code="outer",
        pipe_type="PipeBatch",
        kind="controller",
        description="",
        domain="d",
        parent_id=None,
        inputs=[],
    )
    for _ in range(2):  # two inner batches of 5 leaves: each holds 2 and folds 3
        tracer.end_node(_batch(tracer, outer, 5))
    tracer.end_node(outer)
    graph = tracer.build()
    monkeypatch.setattr(spill, "_LINES_PER_BLOCK", lines_per_block)
    graph.write_json(tmp_path / "blocks.json")
    monkeypatch.setattr(
        spill.GraphSpill,
        "_write_nodes_in_blocks",
        spill.GraphSpill._write_nodes_by_line,  # pyright: ignore[reportPrivateUsage]
    )
    graph.write_json(tmp_path / "lines.json")
    written = (tmp_path / "blocks.json").read_bytes()
    assert written == (tmp_path / "lines.json").read_bytes()
    complete = ExecutionGraph.from_json(written)
    assert [int(n.id.rsplit("_", 1)[1]) for n in complete.nodes] == list(range(13))
    assert len(complete.edges) == 12
