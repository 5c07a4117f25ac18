"""Conveniences for bundle texts on Temporal: a :class:`PipelexRunner` on a :class:`TemporalBackend`, in one call.

They hold nothing of their own: each prepares the run once (validation, pipe choice, input shapes) with a
runner and hands it to the backend, whose ``run``, ``start`` and ``status`` do the work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelex.pipe_run.pipe_run_mode import PipeRunMode

if TYPE_CHECKING:
    from pipelex.backends.protocol import PipelineOutput, RunState
    from pipelex.backends.temporal.backend import TemporalBackend
    from pipelex.config.settings import PipelexConfig
    from pipelex.pipeline.runner import PipelexRunner

__all__ = ["get_pipeline_run_on_temporal", "run_pipeline_on_temporal", "start_pipeline_on_temporal"]


def _runner(
    mthds_contents: list[str], pipe_run_mode: PipeRunMode, config: PipelexConfig | None
) -> PipelexRunner:
    from pipelex.backends.temporal.backend import TemporalBackend
    from pipelex.pipeline.runner import PipelexRunner

    return PipelexRunner(
        mthds_content=mthds_contents,
        pipe_run_mode=pipe_run_mode,
        backend=TemporalBackend(config),
        settings=config.run_settings() if config is not None else None,
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
    runner = _runner(mthds_contents, pipe_run_mode, config)
    return await runner.execute_pipeline(inputs, pipe_code, mock_inputs=mock_inputs)


async def start_pipeline_on_temporal(
    mthds_contents: list[str],
    *,
    inputs: dict[str, Any] | None = None,
    pipe_code: str | None = None,
    pipe_run_mode: PipeRunMode = PipeRunMode.LIVE,
    mock_inputs: bool = False,
    config: PipelexConfig | None = None,
) -> str:
    """Start a run on Temporal without waiting; return its run id (the workflow id, ``pipelex-<hex>``).

    Someone must serve the task queue meanwhile: a ``pipelex worker``, or the in-process worker of an
    enclosing :func:`~pipelex.backends.temporal.temporal_session`.
    """
    runner = _runner(mthds_contents, pipe_run_mode, config)
    return await runner.start_pipeline(inputs, pipe_code, mock_inputs=mock_inputs)


async def get_pipeline_run_on_temporal(run_id: str, *, config: PipelexConfig | None = None) -> RunState:
    """Where a started run stands (``status``: running, succeeded, failed, cancelled), read from the Temporal
    server: its ``output`` once it succeeded, its ``error`` (with ``partial_output``) once it failed."""
    return await _backend(config).status(run_id)


def _backend(config: PipelexConfig | None) -> TemporalBackend:
    from pipelex.backends.temporal.backend import TemporalBackend

    return TemporalBackend(config)
