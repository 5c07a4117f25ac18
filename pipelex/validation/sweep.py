"""The validation sweep: every pipe dry-run in isolation with mock inputs, a status for each."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel

from pipelex.config.run_settings import RunSettings
from pipelex.errors import PipelexError
from pipelex.language.library import Library, PipeEntry
from pipelex.memory.stuff import WorkingMemory
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipes.context import PipeRouter, RunContext
from pipelex.tracing.graph import ExecutionGraph


class PipeStatus(StrEnum):
    """The verdict on one pipe."""

    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    SKIPPED = "SKIPPED"


class PipeVerdict(BaseModel):
    """One pipe's status and, for a failure, why."""

    pipe_ref: str
    status: PipeStatus
    error_type: str | None = None
    message: str | None = None


async def dry_run_pipe(
    entry: PipeEntry,
    library: Library,
    settings: RunSettings,
    router: PipeRouter,
    *,
    graphs: list[ExecutionGraph] | None = None,
    dry_settings: RunSettings | None = None,
) -> PipeVerdict:
    """Dry-run one pipe with mock inputs through ``router``; append its execution graph to ``graphs`` when given.

    ``dry_settings``: ``settings_for(PipeRunMode.DRY, settings)`` when the caller made it already (a sweep makes
    it once for all its pipes)."""
    from pipelex.inference.leaf import settings_for
    from pipelex.memory.inputs import mock_inputs
    from pipelex.tracing.tracer import GraphTracer

    tracer = GraphTracer(
        pipeline_run_id="validation",
        main_pipe=entry.code,
        domain=entry.domain,
        mode="dry",
        records_io=graphs is not None,
    )
    try:
        memory = WorkingMemory.with_inputs(
            mock_inputs(entry, library, {}, nb_list_items=settings.nb_list_items)
        )
        ctx = RunContext(
            library=library,
            run_mode=PipeRunMode.DRY,
            # a dry run explores every outcome
            settings=dry_settings if dry_settings is not None else settings_for(PipeRunMode.DRY, settings),
            tracer=tracer,
            router=router,
        )
        await router.run(entry, memory, ctx, output_name=entry.code)
    except PipelexError as exc:
        cause = getattr(exc, "error_type", type(exc).__name__)
        if graphs is not None:
            graphs.append(tracer.build())
        return PipeVerdict(
            pipe_ref=entry.ref,
            status=PipeStatus.FAILURE,
            error_type="DryRunError",
            message=f"the dry run of {entry.code!r} failed ({cause}): {exc}",
        )
    if graphs is not None:
        graphs.append(tracer.build())
    return PipeVerdict(pipe_ref=entry.ref, status=PipeStatus.SUCCESS)


async def sweep(
    library: Library,
    settings: RunSettings,
    router: PipeRouter,
    *,
    failed_statically: set[str],
    allowed_to_fail: frozenset[str] = frozenset(),
    graphs: list[ExecutionGraph] | None = None,
    blocked: dict[str, str] | None = None,
    allow_signatures: bool = False,
) -> list[PipeVerdict]:
    """Dry-run every pipe that passed the static checks (through ``router``, which decides where the pipes run);
    pipes that failed them are reported FAILURE.

    Signatures are SKIPPED unless ``allow_signatures``; pipes calling a pipe that failed are reported
    FAILURE, blocked by it (``blocked`` maps their refs to that pipe).

    When ``graphs`` is given, the execution graph of each pipe's dry run is appended to it
    (:func:`merge_sweep_graphs` makes one graph of them).
    """
    from pipelex.inference.leaf import settings_for

    verdicts: list[PipeVerdict] = []
    dry_settings = settings_for(PipeRunMode.DRY, settings)
    for entry in library.pipes.values():
        if entry.code in failed_statically or entry.ref in failed_statically:
            verdicts.append(
                PipeVerdict(
                    pipe_ref=entry.ref,
                    status=PipeStatus.FAILURE,
                    error_type="static",
                    message="failed the static checks (see errors)",
                )
            )
            continue
        if entry.is_signature and not allow_signatures:
            # the callers of a signature still dry-run (on a mock of its output); the signature itself is
            # dry-run only when signatures are accepted
            verdicts.append(
                PipeVerdict(
                    pipe_ref=entry.ref,
                    status=PipeStatus.SKIPPED,
                    message="a signature (contract only): dry-run as a mock of its output "
                    "with --allow-signatures",
                )
            )
            continue
        if blocked and entry.ref in blocked:
            verdicts.append(
                PipeVerdict(
                    pipe_ref=entry.ref,
                    status=PipeStatus.FAILURE,
                    error_type="static",
                    message=f"not dry-run: it depends on {blocked[entry.ref]!r}, which does not "
                    "validate (see errors)",
                )
            )
            continue
        verdict = await dry_run_pipe(
            entry, library, settings, router, graphs=graphs, dry_settings=dry_settings
        )
        if verdict.status is PipeStatus.FAILURE and (
            entry.ref in allowed_to_fail or entry.code in allowed_to_fail
        ):
            verdict = verdict.model_copy(
                update={"status": PipeStatus.SUCCESS, "message": f"allowed to fail: {verdict.message}"}
            )
        verdicts.append(verdict)
    return verdicts


def merge_sweep_graphs(graphs: list[ExecutionGraph]) -> ExecutionGraph:
    """One graph of a validation sweep: every pipe's dry run is a root, nodes and edges kept as recorded.

    Node ids are prefixed by each run's graph id, so they never collide; no edge joins two pipes' runs
    (each ran in isolation on its own mock inputs).
    """
    from datetime import UTC, datetime

    nodes = [node for graph in graphs for node in graph.nodes]
    edges = [edge for graph in graphs for edge in graph.edges]
    return ExecutionGraph(
        graph_id=uuid.uuid4().hex[:12],
        created_at=datetime.now(UTC).isoformat(),
        pipeline_run_id="validation",
        main_pipe="(validation sweep)",
        domain=graphs[0].domain if graphs else "",
        mode="dry",
        backend="direct",
        nodes=nodes,
        edges=edges,
        usage={"total": {}},
    )
