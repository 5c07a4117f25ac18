"""Workflow code keeps a child's trace events as the JSON they came in (``EventTracer.absorb``, ``events_json``):
re-numbered, their held data put back, and written exactly as a ``TraceEvent`` writes itself."""

from __future__ import annotations

from typing import Any

from pipelex.backends.temporal.payloads import (
    PipeRunOutcome,
    PipeRunOutcomeJson,
    Placement,
    TraceEvent,
    WireMemory,
    WireResult,
    WireStuff,
    restore_omitted,
)
from pipelex.backends.temporal.tracing import EventTracer
from pipelex.tracing.graph import IOItem


def _child_outcome() -> PipeRunOutcome:
    """A child's outcome as its activity or workflow sends it: a controller (node 0) over two runs, one selected."""
    return PipeRunOutcome(
        result=WireResult(
            stuff=WireStuff(
                name="out", stuff_code="c9", concept="native.Text", is_list=False, content={"text": "b"}
            )
        ),
        events=[
            TraceEvent(
                op="start",
                node=0,
                at=1.0,
                pipe_code="cond",
                pipe_type="PipeCondition",
                kind="controller",
                inputs=[IOItem(name="note", concept="native.Text", digest="d1")],
                placement=Placement(worker="w1", attempt=1),
                omitted=["note"],
            ),
            TraceEvent(op="start", node=1, at=2.0, parent=0, pipe_code="leaf", pipe_type="PipeLLM"),
            TraceEvent(op="usage", node=1, usage={"calls": 1}),
            TraceEvent(op="end", node=1, at=3.0, status="succeeded", duration=1.0),
            TraceEvent(op="selected", node=0, target=1, label="yes"),
            TraceEvent(op="fragment", node=-1, parent=0, ref="ab" * 32, nodes=7),
            TraceEvent(op="mark", node=0, status="checked", tag="t"),
            TraceEvent(
                op="end",
                node=0,
                at=4.0,
                status="succeeded",
                outputs=[IOItem(name="out", concept="native.Text", digest="d2")],
                omitted=["out"],
            ),
        ],
    )


def test_absorbed_json_events_are_renumbered_and_written_as_trace_events_write_themselves() -> None:
    memory = WireMemory(
        stuffs=[
            WireStuff(
                name="note", stuff_code="c1", concept="native.Text", is_list=False, content={"text": "a"}
            )
        ]
    )
    outcome = _child_outcome()
    read = PipeRunOutcomeJson.model_validate_json(outcome.model_dump_json())  # as workflow code reads it
    restore_omitted(read.events, memory, "out", read.result)

    tracer = EventTracer(clock=lambda: 0.5)
    top = tracer.start_node(
        pipe_code="main",
        pipe_type="PipeSequence",
        kind="controller",
        description="",
        domain="d",
        parent_id=None,
        inputs=[],
    )
    slot = tracer.reserve()
    tracer.absorb(read.events, parent_id=top, slot=slot)
    tracer.end_node(top)
    written = tracer.events_json()

    # each event is what a TraceEvent writes: no null fields, no `omitted`, the held data back
    for event in written:
        assert TraceEvent.model_validate(event).model_dump(mode="json") == event
        assert "omitted" not in event and None not in event.values()
    by_op: dict[str, list[dict[str, Any]]] = {}
    for event in written:
        by_op.setdefault(event["op"], []).append(event)
    # the child's nodes follow the controller's (n0): cond is n1 under n0, leaf n2 under n1; the order of the
    # controller's own events holds, the child's first event in its slot
    assert [(e["op"], e["node"]) for e in written] == [
        ("start", 0),
        ("start", 1),
        ("start", 2),
        ("usage", 2),
        ("end", 2),
        ("selected", 1),
        ("fragment", -1),
        ("mark", 1),
        ("end", 1),
        ("end", 0),
    ]
    cond, leaf = by_op["start"][1], by_op["start"][2]
    assert cond["parent"] == 0 and leaf["parent"] == 1 and "parent" not in by_op["start"][0]
    assert cond["inputs"][0]["data"] == {"text": "a"} and by_op["end"][1]["outputs"][0]["data"] == {
        "text": "b"
    }
    assert by_op["selected"][0]["target"] == 2 and by_op["fragment"][0]["parent"] == 1
    assert tracer.node_status("n2") == "succeeded" and tracer.node_status("n1") == "succeeded"
    assert tracer.last_child(top, "cond") == "n1"
    assert tracer.progress() == (3 + 7, 0)  # the fragment's 7 runs count as done
    # the client reads the workflow's outcome as TraceEvents: the same events as the models path
    events = PipeRunOutcome.model_validate_json(
        PipeRunOutcomeJson(result=read.result, events=written).model_dump_json()
    ).events
    assert events == tracer.events()


def test_a_root_fragment_of_a_top_workflow_has_no_parent() -> None:
    tracer = EventTracer(clock=lambda: 0.0)
    tracer.absorb([{"op": "fragment", "node": -1, "ref": "cd" * 32, "nodes": 2}], parent_id=None)
    tracer.absorb_stored("ef" * 32, 3, parent_id=None, slot=tracer.reserve())
    assert tracer.events_json() == [
        {"op": "fragment", "node": -1, "ref": "cd" * 32, "nodes": 2},
        {"op": "fragment", "node": -1, "ref": "ef" * 32, "nodes": 3},
    ]
    assert tracer.progress() == (5, 0)
