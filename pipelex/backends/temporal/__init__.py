"""The Temporal backend: controllers run as (child) workflows, inference leaves as activities on workers.

The backend decides only *where* a pipe runs; the pipe and leaf code is the same as the direct
backend's (:func:`pipelex.pipes.runtime.run_pipe`). The run mode rides in every activity payload,
so a dry run on Temporal really dispatches activities and they mock inside the worker.

Entry points (all importable from this package; temporalio is imported lazily, on first call)::

    async def run_pipeline_on_temporal(
        mthds_contents: list[str], *, inputs: dict[str, Any] | None = None, pipe_code: str | None = None,
        pipe_run_mode: PipeRunMode = PipeRunMode.LIVE, mock_inputs: bool = False,
        config: PipelexConfig | None = None,
    ) -> PipelineOutput
        # Run a pipe of the bundle texts on Temporal and wait for it; the same PipelineOutput as the
        # direct backend (main_stuff, working_memory, graph, usage). Used by the API's /execute.
        # Raises BundleInvalidError / InputError before anything is dispatched, PipeRunError when a
        # pipe fails, TemporalUnavailableError (a ConfigError) when the server cannot be reached.

    async def start_pipeline_on_temporal(<same arguments>, pipeline_run_id: str | None = None) -> str
        # Start the same run without waiting; returns the pipeline_run_id (used by the API's /start).
        # Someone must serve the task queue meanwhile: a `pipelex worker`, or the in-process worker of
        # an enclosing temporal_session().

    async def get_pipeline_run_on_temporal(pipeline_run_id: str, *, config: PipelexConfig | None = None
                                           ) -> TemporalRunStatus
        # TemporalRunStatus: status "running" | "succeeded" | "failed", output: PipelineOutput | None,
        # error: str | None (used by the API's GET /runs/{id}).

    async def validate_on_temporal(
        mthds_contents: list[str], *, allow_signatures: bool = False, static_only: bool = False,
        config: PipelexConfig | None = None,
    ) -> TemporalValidationReport
        # The whole validation (static checks + the dry-run sweep) shipped to a worker as ONE activity,
        # ``act_dry_validate`` in the workflow ``WfDryValidate``; nothing nested is dispatched.
        # TemporalValidationReport is a ValidationReport (is_valid, validated_pipes, errors, warnings,
        # is_runnable, ...) plus ``graph`` (the sweep's ExecutionGraph: each pipe's dry run is a root, as
        # merge_sweep_graphs makes it), ``workflow_id`` and ``worker`` (the identity of the worker).

    @asynccontextmanager
    async def temporal_session(config: PipelexConfig | None = None) -> AsyncIterator[TemporalSession]
        # A client (and, with no address configured, an embedded dev server and an in-process worker)
        # kept for the duration of the block; the functions above reuse the active session of the
        # running event loop. A long-lived host (the HTTP API) should wrap its lifespan in it, so
        # /start runs keep progressing after the request returns.

Configuration: ``[temporal]`` in ``pipelex.toml`` (``is_enabled``, ``address`` -- empty means an embedded
local dev server --, ``namespace``, ``task_queue``, ``queue_by_kind``, ``queue_by_model``), with the
environment overrides ``PIPELEX_TEMPORAL_ADDRESS`` / ``_NAMESPACE`` / ``_TASK_QUEUE``.
See ``docs/temporal.md`` for the user-facing choices.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from pipelex.pipe_run.pipe_run_mode import PipeRunMode

if TYPE_CHECKING:
    from pipelex.backends.temporal.client import TemporalRunStatus, TemporalSession, TemporalValidationReport
    from pipelex.config.settings import PipelexConfig
    from pipelex.pipeline.runner import PipelexRunner, PipelineOutput

__all__ = [
    "get_pipeline_run_on_temporal",
    "run_pipeline_on_temporal",
    "start_pipeline_on_temporal",
    "temporal_session",
    "validate_on_temporal",
]


def _runner(mthds_contents: list[str], pipe_run_mode: PipeRunMode, config: PipelexConfig) -> PipelexRunner:
    from pipelex.pipeline.runner import PipelexRunner

    return PipelexRunner(
        mthds_content=mthds_contents,
        pipe_run_mode=pipe_run_mode,
        backend="temporal",
        settings=config.run_settings(),
    )


async def run_pipeline_on_temporal(
    mthds_contents: list[str],
    *,
    inputs: dict[str, Any] | None = None,
    pipe_code: str | None = None,
    pipe_run_mode: PipeRunMode = PipeRunMode.LIVE,
    mock_inputs: bool = False,
    config: PipelexConfig | None = None,
) -> PipelineOutput:
    """Run a pipe of the bundle texts on Temporal and wait; the same output as a direct run."""
    async with temporal_session(config) as session:
        runner = _runner(mthds_contents, pipe_run_mode, session.config)
        return await runner.execute_pipeline(inputs, pipe_code, mock_inputs=mock_inputs)


async def start_pipeline_on_temporal(
    mthds_contents: list[str],
    *,
    inputs: dict[str, Any] | None = None,
    pipe_code: str | None = None,
    pipe_run_mode: PipeRunMode = PipeRunMode.LIVE,
    mock_inputs: bool = False,
    config: PipelexConfig | None = None,
    pipeline_run_id: str | None = None,
) -> str:
    """Start a run on Temporal without waiting for it; return its ``pipeline_run_id``."""
    from pipelex.backends.temporal.client import start_on_temporal

    async with temporal_session(config) as session:
        runner = _runner(mthds_contents, pipe_run_mode, session.config)
        mode, library, entry, memory = runner.prepare(inputs, pipe_code, mock_inputs=mock_inputs)
        run_id = pipeline_run_id or uuid.uuid4().hex
        await start_on_temporal(
            session, entry, memory, library, run_mode=mode, settings=runner.settings, pipeline_run_id=run_id
        )
        return run_id


async def get_pipeline_run_on_temporal(
    pipeline_run_id: str, *, config: PipelexConfig | None = None
) -> TemporalRunStatus:
    """Where a started run stands; its output once it succeeded."""
    from pipelex.backends.temporal.client import get_run_status

    return await get_run_status(pipeline_run_id, config=config)


async def validate_on_temporal(
    mthds_contents: list[str],
    *,
    allow_signatures: bool = False,
    static_only: bool = False,
    config: PipelexConfig | None = None,
) -> TemporalValidationReport:
    """Validate bundle texts on a worker, as the single activity ``act_dry_validate`` of ``WfDryValidate``."""
    from pipelex.backends.temporal.client import validate_texts_on_temporal

    return await validate_texts_on_temporal(
        mthds_contents, allow_signatures=allow_signatures, static_only=static_only, config=config
    )


@asynccontextmanager
async def temporal_session(config: PipelexConfig | None = None) -> AsyncIterator[TemporalSession]:
    """Keep a Temporal client (and, with no address configured, a dev server and a worker) for the block."""
    from pipelex.backends.temporal.client import temporal_session as open_session

    async with open_session(config) as session:
        yield session
