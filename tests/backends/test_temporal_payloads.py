"""Wire models of the Temporal backend, without a server."""

from __future__ import annotations

from pipelex.backends.temporal.payloads import PipeRunOutcome, TraceEvent, WireResult
from pipelex.backends.temporal.tracing import ReplayTracer
from pipelex.tracing.graph import IOItem


def _outcome() -> PipeRunOutcome:
    item = IOItem(name="note", concept="native.Text", digest="0123456789abcdef", data={"text": "hello"})
    return PipeRunOutcome(
        result=WireResult(),
        events=[
            TraceEvent(
                op="start",
                node=0,
                at=1.0,
                pipe_code="one",
                pipe_type="PipeLLM",
                kind="operator",
                inputs=[item],
            ),
            TraceEvent(
                op="end", node=0, at=2.0, status="succeeded", outputs=[item.model_copy()], duration=1.0
            ),
        ],
    )


def test_items_read_from_json_are_known_plain_and_items_built_in_python_are_not() -> None:
    built = _outcome()
    assert not any(i.is_plain_json for e in built.events for i in (e.inputs or []) + (e.outputs or []))
    parsed = PipeRunOutcome.model_validate_json(built.model_dump_json())
    items = [i for e in parsed.events for i in (e.inputs or []) + (e.outputs or [])]
    assert len(items) == 2 and all(i.is_plain_json for i in items)
    assert parsed == built  # how an item was made does not count in equality


def test_the_client_graph_takes_parsed_items_as_they_are() -> None:
    parsed = PipeRunOutcome.model_validate_json(_outcome().model_dump_json())
    tracer = ReplayTracer(pipeline_run_id="r", main_pipe="one", domain="d", mode="dry")
    tracer.replay(parsed.events)
    [node] = tracer.build().nodes
    sent = parsed.events[0].inputs
    assert sent is not None
    assert node.inputs[0] is sent[0]  # not converted nor copied again
    assert node.inputs[0].data == {"text": "hello"} and node.outputs[0].data == {"text": "hello"}
