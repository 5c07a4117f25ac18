"""OpenTelemetry on Temporal: the client's run span, the workflows' and activities' spans (temporalio's tracing
interceptor) and a span per pipe run all join one trace, exported to an OTLP/HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import pytest

from pipelex.boot import Pipelex
from pipelex.config.settings import PipelexConfig, TracingConfig
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from tests.tracing.otlp_receiver import OtlpReceiver
from tests.tracing.test_otel import TRIP, assert_spans_mirror_the_graph

pytest.importorskip("opentelemetry.sdk")


async def test_client_workflow_activity_and_pipe_spans_join_one_trace(temporal_config: PipelexConfig) -> None:
    with OtlpReceiver() as receiver:
        config = temporal_config.model_copy(
            update={"tracing": TracingConfig(otlp_endpoint=receiver.endpoint)}
        )
        Pipelex.make(config=config)
        try:
            output = await PipelexRunner(
                mthds_content=TRIP, pipe_run_mode=PipeRunMode.DRY, backend="temporal"
            ).execute_pipeline({"city": "Lyon"})
        finally:
            Pipelex.teardown()
        from pipelex.tracing.otel import flush

        flush()  # the in-process worker's spans too
        spans = list(receiver.spans)
    run_span = assert_spans_mirror_the_graph(spans, output, "temporal")
    temporal_spans = [
        s
        for s in spans
        if s.name.split(":")[0]
        in ("StartWorkflow", "RunWorkflow", "StartChildWorkflow", "StartActivity", "RunActivity")
    ]
    names = {s.name for s in temporal_spans}
    assert {
        "StartWorkflow:WfRunPipe",
        "RunWorkflow:WfRunPipe",
        "StartActivity:act_run_leaf",
        "RunActivity:act_run_leaf",
    } <= names
    assert {s.trace_id for s in temporal_spans} == {run_span.trace_id}  # one trace across client and worker
    by_id = {s.span_id: s for s in spans}

    def ancestors(span_id: str) -> list[str]:
        chain = []
        while span_id in by_id:
            chain.append(by_id[span_id].name)
            span_id = by_id[span_id].parent_span_id
        return chain

    # every activity run hangs, through its workflow, under the client's run span
    for activity in (s for s in temporal_spans if s.name == "RunActivity:act_run_leaf"):
        assert ancestors(activity.span_id)[-1] == run_span.name
    assert len([s for s in temporal_spans if s.name == "RunActivity:act_run_leaf"]) == 4  # list + 3 items
