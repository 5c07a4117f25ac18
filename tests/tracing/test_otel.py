"""OpenTelemetry: a span per pipe run, exported over OTLP/HTTP to a receiver on 127.0.0.1 (direct backend).

The Temporal backend's spans (joined across the client, workflows and activities) are tested in
``tests/temporal/test_otel_on_temporal.py``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from pipelex.boot import Pipelex
from pipelex.config.settings import PipelexConfig, TracingConfig
from pipelex.errors import PipeRunError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner, PipelineOutput
from pipelex.testing.fake_provider import FakeProvider
from pipelex.tracing.otel import traces_endpoint
from tests.tracing.otlp_receiver import OtlpReceiver, ReceivedSpan

pytest.importorskip("opentelemetry.sdk")

TRIP = """
domain = "trips"
description = "Plans a day out"
main_pipe = "plan_day"

[concept.Stop]
description = "A place to visit"

[concept.Stop.structure]
name = { type = "text", description = "Its name" }
why = { type = "text", description = "Why go there" }

[pipe.plan_day]
type = "PipeSequence"
description = "Lists stops, then describes each"
inputs = { city = "Text" }
output = "Text"
steps = [
  { pipe = "list_stops", result = "stops" },
  { pipe = "describe_stops", result = "notes" },
  { pipe = "summarise", result = "summary" },
]

[pipe.list_stops]
type = "PipeLLM"
description = "Lists three stops"
inputs = { city = "Text" }
output = "Stop[3]"
prompt = "Three places to visit in $city."

[pipe.describe_stops]
type = "PipeBatch"
description = "Describes each stop"
inputs = { stops = "Stop[]" }
output = "Text[]"
branch_pipe_code = "describe_stop"
input_list_name = "stops"
input_item_name = "stop"

[pipe.describe_stop]
type = "PipeLLM"
description = "Describes one stop"
inputs = { stop = "Stop" }
output = "Text"
prompt = "Describe $stop.name in one line."

[pipe.summarise]
type = "PipeCompose"
description = "Joins the notes"
inputs = { notes = "Text[]" }
output = "Text"
template = "{% for note in notes %}{{ note.text }}\\n{% endfor %}"
"""


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as running:
        yield running


@pytest.fixture
def traced(receiver: OtlpReceiver) -> Iterator[PipelexConfig]:
    config = PipelexConfig(tracing=TracingConfig(otlp_endpoint=receiver.endpoint))
    Pipelex.make(config=config)
    try:
        yield config
    finally:
        Pipelex.teardown()


def assert_spans_mirror_the_graph(
    spans: list[ReceivedSpan], output: PipelineOutput, backend: str
) -> ReceivedSpan:
    """Every pipe run is one span, nested as the graph nests them, under the run's span; returns the run span."""
    graph = output.graph
    [run_span] = [s for s in spans if s.name == f"pipelex run {output.pipe_code}"]
    assert run_span.parent_span_id == ""  # the root of the trace
    pipe_spans = [
        s
        for s in spans
        if s.attributes.get("pipelex.pipeline_run_id") == graph.pipeline_run_id
        and "pipelex.pipe.type" in s.attributes
    ]
    assert len(pipe_spans) == len(graph.nodes)
    assert {s.trace_id for s in pipe_spans} == {run_span.trace_id}
    by_id = {s.span_id: s for s in pipe_spans}
    parent_code = {
        edge.target: graph.node_map()[edge.source].pipe_code for edge in graph.edges_of_kind("contains")
    }
    for node in graph.nodes:
        [span] = [
            s
            for s in pipe_spans
            if s.name == f"{node.pipe_type} {node.pipe_code}"
            and s.attributes["pipelex.pipe.status"] == node.status
            and s.attributes["pipelex.concept.out"] == [o.concept for o in node.outputs]
        ][:1] or [None]
        assert span is not None, node.pipe_code
        assert span.attributes["pipelex.backend"] == backend
        assert span.attributes["pipelex.run_mode"] == graph.mode
        if node.id in parent_code:
            assert by_id[span.parent_span_id].attributes["pipelex.pipe.code"] == parent_code[node.id]
        else:
            assert span.parent_span_id == run_span.span_id
    return run_span


async def test_a_dry_run_exports_a_span_per_pipe_run(receiver: OtlpReceiver, traced: PipelexConfig) -> None:
    output = await PipelexRunner(
        mthds_content=TRIP, pipe_run_mode=PipeRunMode.DRY, backend="direct"
    ).execute_pipeline({"city": "Lyon"})
    assert len(output.graph.nodes) == 1 + 1 + 1 + 3 + 1  # sequence, list, batch, 3 items, compose
    run_span = assert_spans_mirror_the_graph(receiver.spans, output, "direct")
    assert run_span.service == "pipelex"
    batch = next(s for s in receiver.spans if s.attributes.get("pipelex.pipe.code") == "describe_stops")
    assert batch.attributes["pipelex.concept.in"] == ["stops: trips.Stop"]
    assert batch.attributes["pipelex.pipe.kind"] == "controller"


async def test_a_live_run_puts_model_tokens_and_cost_on_leaf_spans(
    receiver: OtlpReceiver, traced: PipelexConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeProvider() as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        output = await PipelexRunner(
            mthds_content=TRIP, pipe_run_mode=PipeRunMode.LIVE, backend="direct"
        ).execute_pipeline({"city": "Lyon"})
    assert_spans_mirror_the_graph(receiver.spans, output, "direct")
    leaves = [s for s in receiver.spans if s.attributes.get("pipelex.pipe.type") == "PipeLLM"]
    assert len(leaves) == 4 and fake.total_calls == 4
    for leaf in leaves:
        assert leaf.attributes["gen_ai.request.model"]
        assert leaf.attributes["gen_ai.usage.input_tokens"] > 0
        assert leaf.attributes["gen_ai.usage.output_tokens"] > 0
        assert leaf.attributes["pipelex.usage.calls"] == 1


async def test_a_failed_run_exports_what_ran_with_the_failure_marked(
    receiver: OtlpReceiver, traced: PipelexConfig
) -> None:
    failing = TRIP.replace("{{ note.text }}", "{{ (notes | length) / 0 }}")  # fails when rendered
    assert failing != TRIP
    with pytest.raises(PipeRunError):
        await PipelexRunner(
            mthds_content=failing, pipe_run_mode=PipeRunMode.DRY, backend="direct"
        ).execute_pipeline({"city": "Lyon"})
    failed = [s for s in receiver.spans if s.attributes.get("pipelex.pipe.status") == "failed"]
    assert {s.attributes["pipelex.pipe.code"] for s in failed} >= {"summarise"}
    assert all(s.status_code == 2 for s in failed)  # STATUS_CODE_ERROR
    assert any(
        s.attributes.get("pipelex.pipe.code") == "list_stops" for s in receiver.spans
    )  # what ran before


def test_the_endpoint_comes_from_config_then_the_standard_variables() -> None:
    off = PipelexConfig()
    assert traces_endpoint(off, {}) is None
    assert traces_endpoint(off, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318/"}) == (
        "http://127.0.0.1:4318/v1/traces"
    )
    assert (
        traces_endpoint(
            off,
            {
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/custom",
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://other:4318",
            },
        )
        == "http://c:4318/custom"
    )
    on = PipelexConfig(tracing=TracingConfig(otlp_endpoint="http://127.0.0.1:9999"))
    assert traces_endpoint(on, {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/x"}) == (
        "http://127.0.0.1:9999/v1/traces"
    )


def test_tracing_off_imports_no_opentelemetry_sdk(tmp_path: object) -> None:
    code = (
        "import asyncio, sys\n"
        "from pipelex.pipeline.runner import PipelexRunner\n"
        "from pipelex.pipe_run.pipe_run_mode import PipeRunMode\n"
        f"asyncio.run(PipelexRunner(mthds_content={TRIP!r}, pipe_run_mode=PipeRunMode.DRY,"
        " backend='direct').execute_pipeline({'city': 'x'}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("OTEL_")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, cwd=str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
