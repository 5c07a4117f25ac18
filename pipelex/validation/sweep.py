"""The validation sweep: every pipe dry-run in isolation with mock inputs, a status for each."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from pipelex.errors import PipelexError
from pipelex.language.library import Library, PipeEntry
from pipelex.memory.stuff import WorkingMemory
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipes.context import RunSettings


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


async def dry_run_pipe(entry: PipeEntry, library: Library, settings: RunSettings) -> PipeVerdict:
    """Dry-run one pipe with mock inputs."""
    from pipelex.backends.direct import run_in_process
    from pipelex.memory.inputs import mock_inputs
    from pipelex.tracing.tracer import GraphTracer

    if entry.blueprint.type == "PipeSignature":
        return PipeVerdict(pipe_ref=entry.ref, status=PipeStatus.SKIPPED,
                           message="a PipeSignature is declared but not implemented: nothing to run")
    try:
        memory = WorkingMemory.with_inputs(mock_inputs(entry, library, {}, nb_list_items=settings.nb_list_items))
        tracer = GraphTracer(pipeline_run_id="validation", main_pipe=entry.code, domain=entry.domain, mode="dry")
        await run_in_process(entry, memory, library, run_mode=PipeRunMode.DRY, settings=settings, tracer=tracer)
    except PipelexError as exc:
        cause = getattr(exc, "error_type", type(exc).__name__)
        return PipeVerdict(pipe_ref=entry.ref, status=PipeStatus.FAILURE, error_type="DryRunError",
                           message=f"the dry run of {entry.code!r} failed ({cause}): {exc}")
    return PipeVerdict(pipe_ref=entry.ref, status=PipeStatus.SUCCESS)


async def sweep(library: Library, settings: RunSettings, *, failed_statically: set[str],
                allowed_to_fail: frozenset[str] = frozenset()) -> list[PipeVerdict]:
    """Dry-run every pipe that passed the static checks; pipes that failed them are reported FAILURE."""
    verdicts: list[PipeVerdict] = []
    for entry in library.pipes.values():
        if entry.code in failed_statically or entry.ref in failed_statically:
            verdicts.append(PipeVerdict(pipe_ref=entry.ref, status=PipeStatus.FAILURE, error_type="static",
                                        message="failed the static checks (see errors)"))
            continue
        verdict = await dry_run_pipe(entry, library, settings)
        if verdict.status is PipeStatus.FAILURE and (entry.ref in allowed_to_fail or entry.code in allowed_to_fail):
            verdict = verdict.model_copy(update={"status": PipeStatus.SUCCESS,
                                                 "message": f"allowed to fail: {verdict.message}"})
        verdicts.append(verdict)
    return verdicts
