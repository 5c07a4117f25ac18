"""The Temporal backend: controllers run as (child) workflows, inference leaves as activities on workers.

The backend decides only *where* a pipe runs; the pipe and leaf code is the same as the direct
backend's (:func:`pipelex.pipes.runtime.run_pipe`). The run mode rides in every activity payload,
so a dry run on Temporal really dispatches activities and they mock inside the worker.

The backend itself is :class:`~pipelex.backends.temporal.backend.TemporalBackend` (the
:class:`~pipelex.backends.protocol.Backend` protocol: run, start, status, cancel, session); a run's id is
its workflow id. ``pipelex.pipeline.temporal`` has one-call conveniences for bundle texts
(``run_pipeline_on_temporal``, ``start_pipeline_on_temporal``, ``get_pipeline_run_on_temporal``).

Entry points of this package (temporalio is imported lazily, on first call)::

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
    async def temporal_session(config: PipelexConfig | None = None) -> AsyncGenerator[TemporalSession, None]
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

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelex.backends.temporal.client import TemporalSession, TemporalValidationReport
    from pipelex.config.settings import PipelexConfig

__all__ = ["temporal_session", "validate_on_temporal"]


async def validate_on_temporal(
    mthds_contents: list[str],
    *,
    allow_signatures: bool = False,
    static_only: bool = False,
    config: PipelexConfig | None = None,
    deadline_s: float | None = None,
) -> TemporalValidationReport:
    """Validate bundle texts on a worker, as the single activity ``act_dry_validate`` of ``WfDryValidate``
    (``deadline_s``: past it, a :class:`~pipelex.errors.LimitExceededError`)."""
    from pipelex.backends.temporal.client import validate_texts_on_temporal

    return await validate_texts_on_temporal(
        mthds_contents,
        allow_signatures=allow_signatures,
        static_only=static_only,
        config=config,
        deadline_s=deadline_s,
    )


@asynccontextmanager
async def temporal_session(config: PipelexConfig | None = None) -> AsyncGenerator[TemporalSession, None]:
    """Keep a Temporal client (and, with no address configured, a dev server and a worker) for the block."""
    from pipelex.backends.temporal.client import temporal_session as open_session

    async with open_session(config) as session:
        yield session
