"""The validation sweep runs its dry runs through the router it is given (``validate_library(router=...)``), so
validation never picks a backend itself; by default they run in this process."""

from __future__ import annotations

import textwrap

import pytest

from pipelex.config.deck import default_deck
from pipelex.config.run_settings import RunSettings
from pipelex.language.library import PipeEntry, build_library
from pipelex.memory.stuff import PipeResult, Stuff, WorkingMemory
from pipelex.pipes.context import RunContext
from pipelex.pipes.in_process import InProcessRouter
from pipelex.tracing.graph import ExecutionGraph
from pipelex.tracing.tracer import TracingError
from pipelex.validation.report import validate_library
from pipelex.validation.sweep import PipeStatus, PipeVerdict, VerdictTracer

BUNDLE = textwrap.dedent("""
    domain = "notes"
    main_pipe = "outline_then_write"

    [pipe.outline_then_write]
    type = "PipeSequence"
    description = "Outlines, then writes"
    inputs = { topic = "Text" }
    output = "Text"
    steps = [
      { pipe = "outline", result = "outline" },
      { pipe = "write", result = "text" },
    ]

    [pipe.outline]
    type = "PipeLLM"
    description = "Outlines"
    inputs = { topic = "Text" }
    output = "Text"
    prompt = "Outline $topic"

    [pipe.write]
    type = "PipeLLM"
    description = "Writes"
    inputs = { outline = "Text" }
    output = "Text"
    prompt = "Write from $outline"
""")


class RecordingRouter(InProcessRouter):
    """Runs in process, and records which pipe each call ran and in which mode."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def run(
        self, entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, *, output_name: str
    ) -> PipeResult:
        self.calls.append((entry.code, ctx.run_mode.value))
        return await super().run(entry, memory, ctx, output_name=output_name)

    async def run_items(
        self,
        entry: PipeEntry,
        items: Stuff,
        item_name: str,
        memory: WorkingMemory,
        ctx: RunContext,
        *,
        output_name: str,
    ) -> Stuff:
        self.calls.append((entry.code, "items"))
        return await super().run_items(entry, items, item_name, memory, ctx, output_name=output_name)


def test_every_dry_run_of_the_sweep_goes_through_the_given_router() -> None:
    router = RecordingRouter()
    report = validate_library(
        build_library([(BUNDLE, "notes.mthds")]), default_deck(), settings=RunSettings(), router=router
    )
    assert report.is_valid, [e.render() for e in report.errors]
    assert {v.pipe_ref: v.status for v in report.validated_pipes} == {
        "notes.outline_then_write": PipeStatus.SUCCESS,
        "notes.outline": PipeStatus.SUCCESS,
        "notes.write": PipeStatus.SUCCESS,
    }
    # each pipe dry-run on its own, and the sequence's steps again inside the sequence's run
    assert sorted(router.calls) == sorted(
        [
            ("outline_then_write", "dry"),
            ("outline", "dry"),
            ("write", "dry"),
            ("outline", "dry"),
            ("write", "dry"),
        ]
    )


def test_without_a_router_the_sweep_runs_in_this_process() -> None:
    report = validate_library(
        build_library([(BUNDLE, "notes.mthds")]), default_deck(), settings=RunSettings()
    )
    assert report.is_valid and report.dry_run_sweep
    assert all(v.status is PipeStatus.SUCCESS for v in report.validated_pipes)


CONDITION_BUNDLE = textwrap.dedent("""
    domain = "parcels"

    [concept.Parcel]
    description = "A parcel"
    [concept.Parcel.structure]
    size = { type = "text", description = "small or large", required = true, choices = ["small", "large"] }

    [pipe.route]
    type = "PipeCondition"
    description = "Routes by size"
    inputs = { parcel = "Parcel" }
    output = "Text"
    expression = "parcel.size"
    outcomes = { small = "label_small", large = "label_large" }
    default_outcome = "fail"

    [pipe.label_small]
    type = "PipeCompose"
    description = "Labels a small parcel"
    inputs = { parcel = "Parcel" }
    output = "Text"
    template = "small: $parcel"

    [pipe.label_large]
    type = "PipeCompose"
    description = "Labels a large parcel, with a template that cannot render"
    inputs = { parcel = "Parcel" }
    output = "Text"
    template = "large: {{ parcel.size }} {{ 1 // (parcel.size | length - 5) }}"
""")


def test_a_sweep_without_graphs_gives_the_verdicts_a_recorded_sweep_gives() -> None:
    # without graphs each dry run gets a VerdictTracer (nothing recorded); with graphs a GraphTracer: same verdicts
    for text in (BUNDLE, CONDITION_BUNDLE):
        graphs: list[ExecutionGraph] = []
        recorded = validate_library(build_library([(text, "b.mthds")]), default_deck(), graphs=graphs)
        plain = validate_library(build_library([(text, "b.mthds")]), default_deck())
        assert graphs and all(graph.nodes for graph in graphs)
        assert plain.model_dump() == recorded.model_dump()
    statuses = {v.pipe_ref: v.status for v in plain.validated_pipes}
    assert statuses["parcels.label_small"] is PipeStatus.SUCCESS
    assert statuses["parcels.label_large"] is PipeStatus.FAILURE
    assert (
        statuses["parcels.route"] is PipeStatus.FAILURE
    )  # a dry run explores every outcome, the failing one too


def test_a_verdict_tracer_checks_what_it_is_given_and_builds_no_graph() -> None:
    tracer = VerdictTracer()
    first = tracer.start_node(
        pipe_code="a",
        pipe_type="PipeCompose",
        kind="operator",
        description="",
        domain="d",
        parent_id=None,
        inputs=[],
    )
    second = tracer.start_node(
        pipe_code="b",
        pipe_type="PipeSequence",
        kind="controller",
        description="",
        domain="d",
        parent_id=first,
        inputs=[],
    )
    assert first != second
    tracer.end_node(second, status="failed", error="boom")
    with pytest.raises(TracingError, match="Unknown node kind"):
        tracer.start_node(
            pipe_code="c",
            pipe_type="PipeCompose",
            kind="leaf",
            description="",
            domain="d",
            parent_id=None,
            inputs=[],
        )
    with pytest.raises(TracingError, match="Unknown node status"):
        tracer.end_node(first, status="exploded")
    with pytest.raises(TracingError, match="Unknown node status"):
        tracer.mark(first, "exploded")
    assert tracer.last_child(first, "b") is None and tracer.records_io is False
    with pytest.raises(TracingError, match="records no graph"):
        tracer.build()


@pytest.mark.parametrize(
    ("status", "error_type", "message"),
    [(PipeStatus.SUCCESS, None, None), (PipeStatus.FAILURE, "DryRunError", "the dry run failed")],
)
def test_a_verdict_of_the_sweep_is_the_one_model_construct_makes(
    status: PipeStatus, error_type: str | None, message: str | None
) -> None:
    made = PipeVerdict.of("notes.outline", status, error_type=error_type, message=message)
    constructed = PipeVerdict.model_construct(
        pipe_ref="notes.outline", status=status, error_type=error_type, message=message
    )
    assert made == constructed
    assert made.model_fields_set == constructed.model_fields_set == set(PipeVerdict.model_fields)
    assert made.model_dump_json() == constructed.model_dump_json()
    assert repr(made) == repr(constructed)
    assert PipeVerdict.model_validate_json(made.model_dump_json()) == made
    # an update copies; the verdict copied keeps its own values (the shared fields-set is never emptied)
    copied = made.model_copy(update={"status": PipeStatus.SUCCESS, "message": "allowed to fail"})
    assert (made.status, made.message) == (status, message)
    assert (copied.status, copied.message) == (PipeStatus.SUCCESS, "allowed to fail")
    assert made.model_fields_set == copied.model_fields_set == set(PipeVerdict.model_fields)
