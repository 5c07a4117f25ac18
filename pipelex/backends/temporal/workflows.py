"""The workflows: ``WfRunPipe`` runs one controller (the top one, or a child), ``WfRunItems`` a slice of a long
batch, ``WfRunSteps`` a chunk of a long sequence, ``WfDryValidate`` a validation.

Workflow code is deterministic: no clock (workflow time only), no random, no IO, no environment. The
controllers' code is the direct backend's (:func:`pipelex.pipes.runtime.run_pipe`); only the router
differs (:class:`~pipelex.backends.temporal.router.TemporalPipeRouter`). Errors of the bundle author
fail the workflow with a non-retryable application error that carries the pipe, the error type and the
trace events recorded so far.

Workflows run outside the SDK's sandbox (:func:`pipelex.backends.temporal.worker.workflow_runner`), so their imports
are plain imports (no ``workflow.unsafe.imports_passed_through()``: outside the sandbox it does nothing); what keeps
workflow code deterministic is the tripwire armed in every Temporal test (``tests/temporal/guard.py``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

from pipelex.backends.temporal.payloads import (
    ContentCodec,
    DryValidateOutcome,
    DryValidatePayload,
    ItemsOutcome,
    ItemsPayload,
    JsonEvent,
    PipeRunOutcomeJson,
    PipeRunPayload,
    Placement,
    StepsOutcome,
    StepsPayload,
    StoredSlice,
    StoreItems,
    WireStuff,
)
from pipelex.backends.temporal.process import WORKER_IDENTITY, library_for
from pipelex.backends.temporal.router import TemporalPipeRouter, failure_error, input_roots, runs_inline
from pipelex.backends.temporal.tracing import EventTracer
from pipelex.errors import PipelexError, PipeRunError
from pipelex.language.library import PipeEntry
from pipelex.memory.stuff import Stuff
from pipelex.pipes.context import RunContext
from pipelex.pipes.controllers.batching import run_each
from pipelex.pipes.runtime import run_pipe


def _workflow_time() -> float:
    return workflow.now().timestamp()


def _tracer() -> EventTracer:
    """The tracer of this workflow run, its nodes placed here."""
    info = workflow.info()
    return EventTracer(
        clock=_workflow_time,
        placement=Placement(
            worker=WORKER_IDENTITY,
            workflow_id=info.workflow_id,
            run_id=info.run_id,
            task_queue=info.task_queue,
        ),
    )


def _prepare(
    payload: PipeRunPayload, tracer: EventTracer
) -> tuple[PipeEntry, ContentCodec, TemporalPipeRouter, RunContext]:
    """The pipe a job names, its codec, a router for its sub-pipes and its run context."""
    library, codec = library_for(payload.library)
    entry = library.pipes.get(payload.pipe_ref)
    if entry is None:
        raise PipeRunError(
            f"pipe {payload.pipe_ref!r} is not in the library sent to the worker", error_type="unknown_pipe"
        )
    router = TemporalPipeRouter(payload, codec, tracer)
    ctx = RunContext(
        library=library,
        run_mode=payload.run_mode,
        settings=payload.settings.run_settings(),
        tracer=tracer,
        router=router,
        depth=payload.depth,
        stack=tuple(payload.stack),
        output_override=payload.run_override(),
    )
    return entry, codec, router, ctx


def _internal_error(payload: PipeRunPayload, exc: Exception) -> PipeRunError:
    """A bug of ours: the run fails with a clear message rather than retrying forever."""
    return PipeRunError(
        f"internal error in the workflow of {payload.pipe_ref!r}: {type(exc).__name__}: {exc}",
        error_type="internal_error",
    )


@workflow.defn(name="WfRunPipe")
class WfRunPipe:
    """Run one pipe over a working memory; sub-pipes are child workflows, activities or inline."""

    def __init__(self) -> None:  # noqa: D107
        self._tracer: EventTracer | None = None

    @workflow.query(name="progress")
    def progress(self) -> list[int]:
        """``[done, running]`` pipe runs seen by this workflow (a dispatched child counts as running)."""
        return list(self._tracer.progress()) if self._tracer is not None else [0, 0]

    @workflow.query(name="trace")
    def trace(self) -> list[JsonEvent]:
        """The trace events recorded so far (read by the client as TraceEvents): a client that gives up on the run
        (Ctrl-C) keeps what it did."""
        return self._tracer.events_json() if self._tracer is not None else []

    @workflow.run
    async def run(self, payload: PipeRunPayload) -> PipeRunOutcomeJson:
        """Run ``payload.pipe_ref``; return its result, the memory it leaves and its trace events."""
        tracer = self._tracer = _tracer()
        try:
            entry, codec, router, ctx = _prepare(payload, tracer)
            memory = codec.memory(payload.memory)
            if runs_inline(entry) or entry.blueprint.type == "PipeCondition":  # they read their inputs' items
                await router.materialize(memory, input_roots(entry, memory))
            if entry.is_controller or runs_inline(entry):
                result = await run_pipe(entry, memory, ctx, output_name=payload.output_name)
            else:
                result = await router.run(entry, memory, ctx, output_name=payload.output_name)
        except PipelexError as exc:
            raise failure_error(exc, tracer.events_json()) from None
        except Exception as exc:
            raise failure_error(_internal_error(payload, exc), tracer.events_json()) from exc
        # the client reads it as a PipeRunOutcome (the same JSON): the events are validated there, once
        return PipeRunOutcomeJson(
            result=codec.wire_result(result), memory=codec.wire_memory(memory), events=tracer.events_json()
        )


@workflow.defn(name="WfRunItems")
class WfRunItems:
    """Run one pipe per item of a slice of a batch (see ``TemporalPipeRouter.run_items``): each item is an
    activity or a child workflow, exactly as it would be in the batch's own workflow."""

    def __init__(self) -> None:  # noqa: D107
        self._tracer: EventTracer | None = None

    @workflow.query(name="progress")
    def progress(self) -> list[int]:
        """``[done, running]`` pipe runs seen by this workflow."""
        return list(self._tracer.progress()) if self._tracer is not None else [0, 0]

    @workflow.run
    async def run(self, payload: ItemsPayload) -> ItemsOutcome:
        """Run ``payload.pipe_ref`` for each item; return the results in item order and the trace events (or, asked
        to store them, only where they are stored: a slice of a long batch)."""
        tracer = self._tracer = _tracer()
        try:
            entry, codec, _, ctx = _prepare(payload.run_payload(), tracer)
            items = await _slice_items(payload, codec)
            results = await run_each(
                entry,
                items,
                payload.item_name,
                codec.memory(payload.memory),
                ctx,
                output_name=payload.output_name,
                first_index=payload.first_index,
            )
            if payload.store_results:
                produced = [r for r in results if isinstance(r, Stuff)]
                stored = await workflow.execute_activity(
                    "act_store_items",
                    StoreItems(
                        items=[codec.encode(r.content) for r in produced],
                        concept=produced[0].concept if produced else None,
                        events=tracer.events_json(),
                        nodes=sum(tracer.progress()),
                    ),
                    result_type=StoredSlice,
                    start_to_close_timeout=timedelta(seconds=payload.dispatch.activity_start_to_close_s),
                    retry_policy=RetryPolicy(maximum_attempts=payload.dispatch.retry_max_attempts),
                )
                return ItemsOutcome(stored=stored)
        except PipelexError as exc:
            raise failure_error(exc, tracer.events_json()) from None
        except Exception as exc:
            raise failure_error(_internal_error(payload, exc), tracer.events_json()) from exc
        return ItemsOutcome(results=[codec.wire_result(r) for r in results], events=tracer.events_json())


@workflow.defn(name="WfRunSteps")
class WfRunSteps:
    """Run a range of steps of a sequence (a chunk of a long sequence, see ``TemporalPipeRouter.run_steps``): each
    step exactly as it would run in the sequence's own workflow; the memory comes whole and goes back after them,
    the trace events go to the payload store (one fragment for the sequence's workflow)."""

    def __init__(self) -> None:  # noqa: D107
        self._tracer: EventTracer | None = None

    @workflow.query(name="progress")
    def progress(self) -> list[int]:
        """``[done, running]`` pipe runs seen by this workflow."""
        return list(self._tracer.progress()) if self._tracer is not None else [0, 0]

    @workflow.run
    async def run(self, payload: StepsPayload) -> StepsOutcome:
        """Run steps ``payload.start`` to ``payload.stop`` of ``payload.pipe_ref`` (a longer range in chunks again)."""
        tracer = self._tracer = _tracer()
        try:
            entry, codec, router, ctx = _prepare(payload.run_payload(), tracer)
            memory = codec.memory(payload.memory)
            result = await router.run_steps(entry, memory, ctx, start=payload.start, stop=payload.stop)
            stored = await workflow.execute_activity(
                "act_store_items",
                StoreItems(items=[], events=tracer.events_json(), nodes=sum(tracer.progress())),
                result_type=StoredSlice,
                start_to_close_timeout=timedelta(seconds=payload.dispatch.activity_start_to_close_s),
                retry_policy=RetryPolicy(maximum_attempts=payload.dispatch.retry_max_attempts),
            )
        except PipelexError as exc:
            raise failure_error(exc, tracer.events_json()) from None
        except Exception as exc:
            raise failure_error(_internal_error(payload, exc), tracer.events_json()) from exc
        return StepsOutcome(result=codec.wire_result(result), memory=codec.wire_memory(memory), stored=stored)


async def _slice_items(payload: ItemsPayload, codec: ContentCodec) -> Stuff:
    """The slice's items: by value in the payload, or read from the payload store (``act_load_items``)."""
    if payload.items is not None:
        return codec.stuff(payload.items)
    if payload.items_ref is None:
        raise PipeRunError("a batch slice came without its items", error_type="internal_error")
    ref = payload.items_ref
    encoded = await workflow.execute_activity(
        "act_load_items",
        ref,
        result_type=list[Any],
        start_to_close_timeout=timedelta(seconds=payload.dispatch.activity_start_to_close_s),
        retry_policy=RetryPolicy(maximum_attempts=payload.dispatch.retry_max_attempts),
    )
    return codec.stuff(
        WireStuff(
            name=payload.item_name + "s",
            stuff_code=payload.items_stuff_code,
            concept=ref.concept,
            is_list=True,
            content=encoded,
        )
    )


@workflow.defn(name="WfDryValidate")
class WfDryValidate:
    """Validate bundle texts on a worker: the whole sweep is ONE activity, ``act_dry_validate``."""

    @workflow.run
    async def run(self, payload: DryValidatePayload) -> DryValidateOutcome:
        """Run ``act_dry_validate`` once and return its report."""
        return await workflow.execute_activity(
            "act_dry_validate",
            payload,
            result_type=DryValidateOutcome,
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RetryPolicy(maximum_attempts=2),
        )
