"""Usage: recorded per leaf on the graph node through the tracer, rolled up per controller and per run."""

from __future__ import annotations

import pytest

from pipelex.reporting.console import render_cost_table
from pipelex.reporting.usage import TokenUsage, collect_usage, record_usage, report_of
from pipelex.tracing.rollup import roll_up
from pipelex.tracing.tracer import GraphTracer


def _usage(model: str, tokens_in: int, tokens_out: int, cost: float) -> TokenUsage:
    return TokenUsage(
        model=model,
        model_id=f"{model}-id",
        backend="openai",
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        cost_usd=cost,
    )


def _sequence_of_one_llm(mode: str) -> tuple[GraphTracer, str, str]:
    """A tracer with a PipeSequence node ``root`` holding one PipeLLM node ``leaf``, both started."""
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="root", domain="d", mode=mode)
    root = tracer.start_node(
        pipe_code="root",
        pipe_type="PipeSequence",
        kind="controller",
        description="",
        domain="d",
        parent_id=None,
        inputs=[],
    )
    leaf = tracer.start_node(
        pipe_code="leaf",
        pipe_type="PipeLLM",
        kind="operator",
        description="",
        domain="d",
        parent_id=root,
        inputs=[],
    )
    return tracer, root, leaf


def test_usage_recorded_on_leaf_nodes_rolls_up_per_controller_and_run() -> None:
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="root", domain="d", mode="live")
    root = tracer.start_node(
        pipe_code="root",
        pipe_type="PipeSequence",
        kind="controller",
        description="",
        domain="d",
        parent_id=None,
        inputs=[],
    )
    inner = tracer.start_node(
        pipe_code="inner",
        pipe_type="PipeBatch",
        kind="controller",
        description="",
        domain="d",
        parent_id=root,
        inputs=[],
    )
    leaves = [
        tracer.start_node(
            pipe_code=f"leaf{i}",
            pipe_type="PipeLLM",
            kind="operator",
            description="",
            domain="d",
            parent_id=inner if i else root,
            inputs=[],
        )
        for i in range(3)
    ]
    tracer.add_usage(leaves[0], report_of([_usage("a", 10, 5, 0.1)]).to_json())
    tracer.add_usage(leaves[1], report_of([_usage("a", 1, 1, 0.01), _usage("b", 2, 2, 0.02)]).to_json())
    tracer.add_usage(
        leaves[1], report_of([_usage("b", 3, 3, 0.03)]).to_json()
    )  # a second call of the same leaf
    for node in [*leaves, inner, root]:
        tracer.end_node(node)
    graph = tracer.build()
    report = roll_up(graph)
    nodes = {n.pipe_code: n for n in graph.nodes}
    assert nodes["leaf1"].usage is not None and nodes["leaf1"].usage["by_model"]["b"]["calls"] == 2
    assert nodes["leaf1"].usage["by_model"]["b"]["model_id"] == "b-id"
    assert nodes["leaf2"].usage is None
    assert nodes["inner"].usage is not None and nodes["inner"].usage["calls"] == 3
    assert nodes["root"].usage is not None and nodes["root"].usage["calls"] == 4
    assert (
        report.calls == 4
        and report.by_model["a"].input_tokens == 11
        and report.by_model["b"].output_tokens == 5
    )
    assert report.total_cost_usd == pytest.approx(0.16)
    assert graph.usage["total"]["calls"] == 4 and graph.usage["by_model"]["b"]["calls"] == 2
    # the graph survives a JSON round trip (what a Temporal activity ships back) with the same roll-up
    from pipelex.tracing.graph import ExecutionGraph

    again = roll_up(ExecutionGraph.from_json(graph.to_json()))
    assert again.model_dump() == report.model_dump()


def test_a_graph_without_operator_usage_rolls_up_to_nothing() -> None:
    tracer, root, leaf = _sequence_of_one_llm("dry")
    tracer.end_node(leaf)
    # a controller's own usage is not summed (the roll-up makes it): with no operator usage it is left as it is
    tracer.end_node(root, usage={"calls": 7})
    graph = tracer.build()
    report = roll_up(graph)
    assert report.calls == 0 and report.by_model == {}
    assert graph.usage == {
        "total": {
            "calls": 0,
            "input_tokens": 0,
            "input_cached_tokens": 0,
            "output_tokens": 0,
            "output_reasoning_tokens": 0,
            "total_tokens": 0,
            "cost_usd": 0,
            "total_cost_usd": 0,
            "unpriced_models": [],
        },
        "by_model": {},
    }
    assert [node.usage for node in graph.nodes] == [{"calls": 7}, None]
    tracer.add_usage(leaf, {"by_model": {"m": {"model": "m", "calls": 2}}})  # now one operator has some
    graph = tracer.build()
    assert (
        roll_up(graph).calls == 2 and graph.nodes[0].usage is not None and graph.nodes[0].usage["calls"] == 2
    )


def test_the_sink_collects_inside_and_drops_outside() -> None:
    record_usage(_usage("lost", 1, 1, 1.0))
    with collect_usage() as records:
        record_usage(_usage("kept", 1, 2, 0.5))
    assert [r.model for r in records] == ["kept"]


def test_cost_table_by_model() -> None:
    report = report_of([_usage("cheap", 100, 10, 0.001), _usage("dear", 1000, 100, 0.5)])
    table = render_cost_table(report)
    lines = table.splitlines()
    assert lines[0] == "cost report" and lines[3].startswith("dear") and lines[4].startswith("cheap")
    assert lines[-1].split()[:4] == ["total", "2", "1100", "0"] and lines[-1].endswith("0.5010")


def test_a_total_of_unpriced_calls_only_is_unpriced_not_zero() -> None:
    unpriced = _usage("local", 100, 10, 0.0).model_copy(update={"unpriced": True})
    lines = render_cost_table(report_of([unpriced])).splitlines()
    assert lines[-2].startswith("total") and lines[-2].endswith("unpriced") and "0.0000" not in lines[-2]
    assert lines[-1].startswith("unpriced (no known price, not in the total): local;")
    assert "official host" in lines[-1]
    mixed = render_cost_table(report_of([unpriced, _usage("dear", 1000, 100, 0.5)])).splitlines()
    assert mixed[-2].endswith("0.5000")  # the priced part, the note below names the rest


def test_an_empty_report_is_what_model_construct_and_validation_make() -> None:
    from pipelex.reporting.usage import UsageReport

    empty = UsageReport.empty()
    constructed = UsageReport.model_construct()
    assert empty.__dict__ == constructed.__dict__ == UsageReport().__dict__ == {"by_model": {}}
    assert empty.model_fields_set == constructed.model_fields_set == set()
    assert empty.__pydantic_extra__ is None and empty.__pydantic_private__ is None
    assert empty.model_dump() == UsageReport().model_dump()
    assert empty.graph_json() == UsageReport().graph_json()
    assert UsageReport.empty().by_model is not empty.by_model  # each report its own dict
    empty.add(_usage("gpt-4o", 10, 5, 0.1))
    assert empty.calls == 1 and empty.input_tokens == 10
    assert UsageReport.empty().calls == 0


def test_the_roll_up_leaves_the_graph_to_reference_counting() -> None:
    import gc

    tracer, root, leaf = _sequence_of_one_llm("live")
    tracer.add_usage(leaf, report_of([_usage("a", 10, 5, 0.1)]).to_json())
    tracer.end_node(leaf)
    tracer.end_node(root)
    gc.collect()
    gc.disable()
    try:
        assert roll_up(tracer.build()).calls == 1  # the graph is dropped at once
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = {type(o).__qualname__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not {"GraphNode", "ExecutionGraph", "UsageReport", "function", "cell"} & left, left
