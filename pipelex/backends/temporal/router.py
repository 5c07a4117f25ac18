"""The Temporal pipe router, used inside workflows: controllers become child workflows, leaves activities.

Which operators run inline, in the workflow itself? Only those that are deterministic and do no IO, as their
kind says (``PipeKind.runs_inline``, :mod:`pipelex.pipes.kinds`): ``PipeCompose`` (a template rendered or a
structure built from the inputs: pure) and ``PipeSignature`` (it only refuses to run). Every other operator
-- PipeLLM, PipeStructure, PipeSearch, PipeJudge, PipeImgGen, PipeExtract, PipeDocGen and PipeFunc
(arbitrary Python: it may do IO) -- is dispatched as the activity ``act_run_leaf``, in both run modes: the
run mode rides in the payload and a dry leaf mocks inside the worker.

Task queues: an activity goes to ``queue_by_model[<model as written in the pipe>]``, else
``queue_by_kind[<its kind's task_kind>]`` (llm, img_gen, extract, search, judge, func, doc_gen), else the
default task queue. Child workflows run on the default task queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Generator
from datetime import timedelta
from typing import Any, NoReturn

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    ApplicationErrorCategory,
    ChildWorkflowError,
    is_cancelled_exception,
)

from pipelex.backends.temporal.payloads import (
    ContentCodec,
    DispatchOptions,
    ItemsOutcome,
    ItemsPayload,
    LeafPayload,
    LibraryRef,
    PipeFailure,
    PipeRunOutcomeJson,
    PipeRunPayload,
    StepsOutcome,
    StepsPayload,
    StoredListRef,
    StoredSlice,
    WireOutputOverride,
    WireSettings,
    restore_omitted,
)
from pipelex.backends.temporal.process import keep_settings
from pipelex.backends.temporal.tracing import EventTracer, Slot
from pipelex.config.run_settings import LimitsConfig
from pipelex.errors import (
    DryRunError,
    LimitExceededError,
    MockUnsatisfiableError,
    PipelexError,
    PipeRunError,
    ProviderError,
    TemplateBudgetExceeded,
)
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import written_ref
from pipelex.memory.stuff import Absence, PipeResult, Stuff, WorkingMemory
from pipelex.narrowing import is_json_object
from pipelex.pipes.context import RunContext
from pipelex.pipes.kinds import kind_of

_ERROR_CLASSES: dict[str, type[PipeRunError]] = {
    "ProviderError": ProviderError,
    "DryRunError": DryRunError,
    "MockUnsatisfiableError": MockUnsatisfiableError,
    # a limit error comes back as itself (and its limit's name): the CLI, the API and the runner then treat it
    # exactly as on the direct backend (a run-limit-exceeded problem, not a generic pipe failure)
    "LimitExceededError": LimitExceededError,
    "TemplateBudgetExceeded": TemplateBudgetExceeded,
}


# the workflow.patched() id of the bounded dispatch (a workflow keeps at most slice_items_in_flight children in
# flight): histories recorded before it dispatched every batch item / parallel branch at once
BOUNDED_DISPATCH_PATCH = "pipelex-bounded-dispatch"
# the workflow.patched() id of the chunked sequences: histories recorded before it ran every step of a sequence
# longer than sequence_chunk_size in the sequence's own workflow
SEQUENCE_CHUNKS_PATCH = "pipelex-sequence-chunks"
# the workflow.patched() id of the inline work bound (an activation ends, on the no-op local activity
# act_inline_turn, once its inline pipes did inline_units_per_task units of work): histories recorded before it ran
# every inline pipe of a task in one activation. The units come from the renders' step and character counts
# (render_budget.WorkMeter): a change to how renders count moves the turns, so it needs a new patch id here
INLINE_TURNS_PATCH = "pipelex-inline-turns"
# what an inline pipe run costs on its own, in template steps (its memory, its result, its trace: measured on
# Temporal, a one-line PipeCompose of a wide parallel took about as long as 2,000 loop iterations), beside the steps
# and characters its templates spent
INLINE_PIPE_UNITS = 2_000
# characters a template rendered or built count one unit per this many
INLINE_CHARS_PER_UNIT = 64


def runs_inline(entry: PipeEntry) -> bool:
    """True for the operators that run in the workflow itself (deterministic, no IO)."""
    return kind_of(entry.blueprint).runs_inline


def input_roots(entry: PipeEntry, memory: WorkingMemory) -> set[str]:
    """The memory roots a pipe reads (its inputs' first names, and the roots their aliases lead to)."""
    names = {name.split(".", 1)[0] for name in entry.blueprint.input_specs()}
    return names | {memory.aliases[n] for n in names if n in memory.aliases}


def leaf_queue(entry: PipeEntry, dispatch: DispatchOptions) -> str:
    """The task queue of a leaf: by model handle, else by kind, else the default queue."""
    model = written_ref(getattr(entry.blueprint, "model", None))
    if model is not None and model in dispatch.queue_by_model:
        return dispatch.queue_by_model[model]
    kind = kind_of(entry.blueprint).task_kind or "other"
    return dispatch.queue_by_kind.get(kind, dispatch.task_queue)


def failure_details(exc: PipeRunError, events: list[Any]) -> dict[str, Any]:
    """The details of the application error that carries a pipe failure across the wire."""
    # the nearest class the other side rebuilds (a ProviderCallFailed travels as a ProviderError)
    known = next(c.__name__ for c in type(exc).__mro__ if c.__name__ in _ERROR_CLASSES or c is PipeRunError)
    extra: dict[str, Any] = {"error_class": known}
    if isinstance(exc, LimitExceededError):
        extra |= {"limit": exc.limit, "limit_value": exc.value}
    return (
        PipeFailure(
            message=str(exc), pipe_code=exc.pipe_code, error_type=exc.error_type, events=events
        ).model_dump(mode="json")
        | extra
    )


def failure_error(exc: PipelexError, events: list[Any], *, non_retryable: bool = True) -> ApplicationError:
    """The application error that carries ``exc`` across the wire; an error outside the pipe-run branch travels
    as a :class:`PipeRunError` typed by its class name."""
    error = (
        exc
        if isinstance(exc, PipeRunError)
        else PipeRunError(str(exc), pipe_code=None, error_type=type(exc).__name__)
    )
    # BENIGN: an expected failure, reported once by the client as one line; the worker logs it at debug level
    # (not as temporalio's "Completing activity as failed" warning with a traceback on the user's terminal)
    return ApplicationError(
        str(error),
        failure_details(error, events),
        type=error.error_type,
        non_retryable=non_retryable,
        category=ApplicationErrorCategory.BENIGN,
    )


def pipe_error_from(exc: BaseException) -> tuple[PipeRunError, PipeFailure | None]:
    """Translate an activity / child-workflow failure back into the pipe error it carries."""
    cause: BaseException | None = exc
    while isinstance(cause, ActivityError | ChildWorkflowError):
        cause = cause.cause
    if isinstance(cause, ApplicationError) and cause.details:
        raw = cause.details[0]
        if is_json_object(raw):  # the details are JSON: keys are strings
            data: dict[str, Any] = dict(raw)
            error_class = _ERROR_CLASSES.get(str(data.pop("error_class", "")), PipeRunError)
            limit, value = data.pop("limit", None), data.pop("limit_value", None)
            failure = PipeFailure.model_validate(data)
            limited = failure.error_type == LimitExceededError.error_type
            if limited and not issubclass(error_class, LimitExceededError):
                # a history recorded before limit errors travelled as themselves: the error type says it
                error_class = LimitExceededError
            if issubclass(error_class, LimitExceededError):
                error: PipeRunError = error_class(
                    failure.message,
                    limit=str(limit) if limit else _limit_named(failure.message),
                    pipe_code=failure.pipe_code,
                    value=float(value) if isinstance(value, int | float) else None,
                )
            else:
                error = error_class(
                    failure.message, pipe_code=failure.pipe_code, error_type=failure.error_type
                )
            return error, failure
    message = str(cause) if cause is not None else str(exc)
    return PipeRunError(
        f"a Temporal task failed: {type(cause or exc).__name__}: {message}", error_type="temporal_task_failed"
    ), None


def _limit_named(message: str) -> str:
    """The ``[limits]`` setting a limit error's message names (its messages always name one), else "unknown"."""
    return next((name for name in LimitsConfig.model_fields if name in message), "unknown")


class TemporalPipeRouter:
    """Runs a pipe where the Temporal backend puts it; only for use inside a workflow."""

    name = "temporal"

    def __init__(self, payload: PipeRunPayload, codec: ContentCodec, tracer: EventTracer) -> None:  # noqa: D107
        self.payload = payload
        self.codec = codec
        self.tracer = tracer
        self._children = 0
        self._leaf_library: LibraryRef | None = None
        self._settings_digest: str | None = None
        # the dispatches (activities, child workflows) this workflow keeps in flight at most, whatever asks for
        # them: batch items, parallel branches (see :meth:`_dispatch_slot`)
        self._in_flight = asyncio.Semaphore(max(1, payload.dispatch.slice_items_in_flight))
        self._bounded: bool | None = None
        # per leaf pipe dispatched from here: its task queue and the memory roots it reads (the same for each of its
        # runs: a batch's items ask once); and the options of every leaf's activity (this workflow's dispatch)
        self._leaves: dict[str, tuple[str, set[str]]] = {}
        self._leaf_options: dict[str, Any] | None = None
        # the work the inline pipes did since this workflow last took a turn (see :meth:`_inline_turn`)
        self._inline_spent = 0
        self._turn: asyncio.Future[None] | None = None
        self._turns: bool | None = None

    async def run(
        self, entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, *, output_name: str
    ) -> PipeResult:
        """Run ``entry``: inline, as a child workflow (a controller) or as an activity (a leaf)."""
        if runs_inline(entry):
            from pipelex.pipes.render_budget import METER, WorkMeter
            from pipelex.pipes.runtime import run_pipe

            await self.materialize(memory, input_roots(entry, memory))
            await self._inline_turn()
            meter = WorkMeter()
            token = METER.set(meter)
            try:
                return await run_pipe(entry, memory, ctx, output_name=output_name)
            finally:
                METER.reset(token)
                self._inline_spent += INLINE_PIPE_UNITS + meter.steps + meter.chars // INLINE_CHARS_PER_UNIT
        # the graph keeps the order of the calls, whatever order they dispatch in
        slot = self.tracer.reserve()
        # the payload is made once a slot is free: a task starting 1,000 items encodes `slice_items_in_flight`
        # memories, not 1,000 (the slot and the failure handled without context managers: every batch item comes here)
        held = await self._take_dispatch_slot()
        try:
            if entry.is_controller:
                child = self._payload(entry, memory, ctx, output_name, whole_memory=True)
                outcome = await self._child_workflow(entry, child)
            else:
                outcome = await self._leaf(entry, memory, ctx, output_name)
        except (ActivityError, ChildWorkflowError) as exc:
            self._raise_failure(exc, ctx, slot)
        finally:
            if held:
                self._in_flight.release()
        self.tracer.absorb(outcome.events, parent_id=ctx.parent_node, slot=slot)
        if outcome.memory is not None:
            back = self.codec.memory(outcome.memory)
            memory.root, memory.aliases, memory.absences = back.root, back.aliases, back.absences
        return self.codec.result(outcome.result)

    async def _leaf(
        self, entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, output_name: str
    ) -> PipeRunOutcomeJson:
        """Run a leaf in its activity (the dispatch slot held by the caller); its events get back the data they left
        out."""
        leaf = self._leaf_payload(entry, memory, ctx, output_name)
        outcome = await self._activity(entry, leaf)
        restore_omitted(outcome.events, leaf.memory, leaf.output_name, outcome.result)
        return outcome

    async def run_items(
        self,
        entry: PipeEntry,
        items: Stuff,
        item_name: str,
        memory: WorkingMemory,
        ctx: RunContext,
        *,
        output_name: str,
    ) -> list[Stuff | Absence] | Stuff:
        """Run ``entry`` once per item: here when the list is short, else in child workflows (``WfRunItems``) of
        ``batch_chunk_size`` items each, one after the other (so the run's concurrency bound still holds).

        Each leaf costs its workflow about 3 history events: one workflow running every item of a 20,000-item
        batch would pass Temporal's history limits; slices keep each history small whatever the batch size. And
        no workflow task may handle the whole list (Temporal fails a task that computes for 2 s): past
        ``batch_chunk_size`` items each slice reads its items from the payload store itself (a stored list) or
        gets them by value (a list made in this workflow), and stores its results and trace there; this
        workflow keeps one reference per slice and returns the output as a stored list.
        """
        from pipelex.concepts.natives import ListContent, StoredListContent

        assert isinstance(items.content, ListContent)
        size = self.payload.dispatch.batch_chunk_size
        stored_in = (
            StoredListRef.model_validate(items.content.ref)
            if isinstance(items.content, StoredListContent)
            else None
        )
        total = stored_in.count if stored_in is not None else len(items.content.items)
        if stored_in is None and total <= size:
            from pipelex.pipes.controllers.batching import run_each

            return await run_each(entry, items, item_name, memory, ctx, output_name=output_name)
        contents = [] if stored_in is not None else list(items.content.items)
        # slices run one at a time, or several at once when the run's bound leaves room for more items in flight
        # than one slice's workflow may keep (``slice_items_in_flight``: dispatching more in one workflow task
        # risks Temporal's 2 s deadlock limit): each then gets its share of the bound, so the batch never runs
        # more items at once than max_concurrency, and a big bound is not capped by one workflow's dispatching
        bound = self.payload.settings.max_concurrency
        per_slice = max(1, min(bound, self.payload.dispatch.slice_items_in_flight))
        starts = list(range(0, total, size))
        at_once = max(1, min(len(starts), bound // per_slice))
        settings = self.payload.settings.model_copy(update={"max_concurrency": max(1, bound // at_once)})
        settings = settings.model_copy(update={"max_concurrency": min(settings.max_concurrency, per_slice)})
        gate = asyncio.Semaphore(at_once)

        async def one_slice(first: int, slot: Any, number: int) -> StoredSlice:
            base = self._payload(
                entry, memory, ctx, output_name, whole_memory=entry.is_controller
            ).model_copy(update={"settings": settings})
            if stored_in is not None:
                by_value, by_ref = None, stored_in.slice(first, size)
            else:
                part = Stuff(
                    stuff_name=items.stuff_name,
                    concept=items.concept,
                    content=ListContent(items=contents[first : first + size]),
                )
                by_value, by_ref = self.codec.wire_stuff(items.stuff_name, part), None
            payload = ItemsPayload(
                **dict(base),
                items=by_value,
                items_ref=by_ref,
                items_stuff_code=items.stuff_code,
                item_name=item_name,
                first_index=first,
                store_results=True,
            )
            async with gate:
                with self._failures_of(ctx, slot):
                    outcome = await workflow.execute_child_workflow(
                        "WfRunItems",
                        payload,
                        id=f"{workflow.info().workflow_id}/{number}-{entry.code}-items-{first}",
                        task_queue=payload.dispatch.task_queue,
                        result_type=ItemsOutcome,
                    )
            if outcome.stored is None:  # pragma: no cover - a slice asked to store always does
                raise PipeRunError(
                    "a slice of a long batch returned no stored results", error_type="internal_error"
                )
            self.tracer.absorb_stored(
                outcome.stored.events_key, outcome.stored.nodes, parent_id=ctx.parent_node, slot=slot
            )
            return outcome.stored

        runs: list[Coroutine[Any, Any, StoredSlice]] = []
        for first in starts:  # slots and child numbers in item order, whatever order the slices end in
            self._children += 1
            runs.append(one_slice(first, self.tracer.reserve(), self._children))
        if at_once == 1:
            done: list[StoredSlice] = []
            try:
                for run in runs:
                    done.append(await run)
            finally:
                for run in runs[len(done) + 1 :]:  # the slices never started after a failure
                    run.close()
        else:
            from pipelex.pipes.controllers.concurrently import run_all

            done = await run_all(runs)
        parts = [stored.items for stored in done if stored.items.count]
        concept = next((stored.concept for stored in done if stored.items.count and stored.concept), None)
        if concept is None:
            from pipelex.pipes.runtime import output_spec

            concept = output_spec(entry, ctx)[1].ref
        ref = StoredListRef(concept=concept, count=sum(p.count for p in parts), parts=parts)
        return Stuff(
            stuff_name=output_name,
            concept=concept,
            content=StoredListContent(count=ref.count, concept=concept, ref=ref.model_dump(mode="json")),
        )

    async def _inline_turn(self) -> None:
        """End the activation once the inline pipes of this one did their share of work, and go on in the next.

        Inline pipes (a PipeCompose renders its template in the workflow itself) run one after the other in the
        workflow task that reached them, and the SDK fails a task that computes for 2 s as a potential deadlock
        (``TMPRL1101``), which the server then retries without end: a sequence of 600 heavy templates, or a parallel
        of 20,000 small ones, hung its run and could hold a worker's workflow slots for good. So once they spent
        ``inline_units_per_task`` units (:data:`INLINE_PIPE_UNITS` a run, plus its templates' steps and characters,
        :class:`~pipelex.pipes.render_budget.WorkMeter`), the next inline pipe first runs the no-op local activity
        ``act_inline_turn``: the activation ends there (the SDK's 2 s limit counts per activation) and the work goes
        on in the next one, in the same workflow task, with no round trip to the server (a 1 ms timer waited about a
        second each on the dev server). The units are deterministic (the same inputs render in the same steps), so
        a replay takes its turns where the run did. Every inline pipe waiting at that point shares one turn (a
        parallel's branches), and they go on in order after it. A history recorded before the bound
        (``workflow.patched``) replays without the turns it never had."""
        bound = self.payload.dispatch.inline_units_per_task
        while self._inline_spent >= bound:
            if self._turns is None:
                self._turns = workflow.patched(INLINE_TURNS_PATCH)
            if not self._turns:
                return
            if self._turn is None:
                self._turn = asyncio.ensure_future(self._next_task())
            # shielded: a branch cancelled while it waits does not cancel the turn its siblings wait on
            await asyncio.shield(self._turn)

    async def _next_task(self) -> None:
        try:
            await workflow.execute_local_activity(
                "act_inline_turn", start_to_close_timeout=timedelta(seconds=30)
            )
        finally:
            self._inline_spent = 0
            self._turn = None

    async def _take_dispatch_slot(self) -> bool:
        """Take one of the ``slice_items_in_flight`` dispatch slots of this workflow while a child runs.

        A workflow task that schedules hundreds of activities or child workflows at once can pass Temporal's 2 s
        deadlock limit on a loaded worker (a batch under ``batch_chunk_size`` items with a big ``max_concurrency``,
        a parallel with many branches): past the bound, a dispatch waits until one in flight comes back. Below it
        nothing changes (acquiring a free slot does not yield), so the commands of a workflow that never reaches the
        bound are those of older versions; one that reaches it asks ``workflow.patched`` first, so a history
        recorded before the bound existed (which dispatched them all at once) replays as it ran.

        True when it was taken (the caller releases it when the child is back); False for a history recorded before
        the bound, which dispatches past it.
        """
        gate = self._in_flight
        if gate.locked():
            if self._bounded is None:
                self._bounded = workflow.patched(BOUNDED_DISPATCH_PATCH)
            if not self._bounded:
                return False
        await gate.acquire()
        return True

    async def run_steps(
        self, entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, *, start: int, stop: int
    ) -> PipeResult:
        """Run steps ``start`` to ``stop`` of the sequence ``entry``: here when they are at most
        ``sequence_chunk_size``, else in child workflows (``WfRunSteps``), one after the other.

        Every step costs its workflow a few history events (about 6 for a leaf step: the activity's scheduled,
        started, completed, and the workflow task that follows); a sequence of 20,000 steps in one workflow would
        pass Temporal's history limits. Chunks of ``sequence_chunk_size`` steps keep each history bounded: the
        sequence's workflow keeps a handful of events per chunk, and past ``sequence_chunk_size`` chunks each chunk
        is itself a range of chunks (a tree of depth log(steps) / log(sequence_chunk_size)), so no workflow holds
        more than ``sequence_chunk_size`` dispatches whatever the length. Each chunk gets the memory whole and sends
        back the memory after its steps (offloaded to the payload store by the codec when big), and keeps its trace
        events in the store: this workflow absorbs one ``fragment`` per chunk.
        """
        from pipelex.pipes.controllers.sequence import run_steps

        # at least 2 (the config refuses less): chunks of 1 step would nest forever
        size = max(2, self.payload.dispatch.sequence_chunk_size)
        if stop - start <= size or not workflow.patched(SEQUENCE_CHUNKS_PATCH):
            return await run_steps(entry, memory, ctx, start=start, stop=stop)
        span = size
        while -(-(stop - start) // span) > size:  # at most `size` chunks here, each of `span` steps at most
            span *= size
        last: PipeResult | None = None
        for first in range(start, stop, span):
            last = await self._steps_chunk(entry, memory, ctx, first, min(first + span, stop))
        assert last is not None  # stop > start + size: at least two chunks ran
        return last

    @contextlib.contextmanager
    def _failures_of(self, ctx: RunContext, slot: Slot) -> Generator[None]:
        """A dispatched activity's or child workflow's failure as the run sees it: a cancellation stays one (the
        run ends cancelled, not failed); otherwise the pipe's own error, the trace its failure carried placed in
        the child's slot of the graph."""
        try:
            yield
        except (ActivityError, ChildWorkflowError) as exc:
            self._raise_failure(exc, ctx, slot)

    def _raise_failure(
        self, exc: ActivityError | ChildWorkflowError, ctx: RunContext, slot: Slot
    ) -> NoReturn:
        """Raise a dispatched child's failure as the run sees it (see :meth:`_failures_of`)."""
        if is_cancelled_exception(exc):
            raise asyncio.CancelledError() from exc
        error, failure = pipe_error_from(exc)
        if failure is not None:
            events = [event.model_dump(mode="json") for event in failure.events]
            self.tracer.absorb(events, parent_id=ctx.parent_node, slot=slot)
        raise error from None

    async def _steps_chunk(
        self, entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, start: int, stop: int
    ) -> PipeResult:
        """Run steps ``start`` to ``stop`` in a child ``WfRunSteps``; ``memory`` becomes the memory it leaves."""
        base = self._payload(entry, memory, ctx, entry.code, whole_memory=True)
        payload = StepsPayload(**dict(base), start=start, stop=stop)
        slot = self.tracer.reserve()
        self._children += 1
        with self._failures_of(ctx, slot):
            outcome = await workflow.execute_child_workflow(
                "WfRunSteps",
                payload,
                id=f"{workflow.info().workflow_id}/{self._children}-{entry.code}-steps-{start}",
                task_queue=payload.dispatch.task_queue,
                result_type=StepsOutcome,
            )
        self.tracer.absorb_stored(
            outcome.stored.events_key, outcome.stored.nodes, parent_id=ctx.parent_node, slot=slot
        )
        back = self.codec.memory(outcome.memory)
        memory.root, memory.aliases, memory.absences = back.root, back.aliases, back.absences
        return self.codec.result(outcome.result)

    async def materialize(self, memory: WorkingMemory, names: set[str] | None = None) -> None:
        """Read back, in an activity, the stored lists of ``memory`` (those named, or all) that code here is about
        to use item by item (an inline pipe)."""
        from pipelex.concepts.natives import StoredListContent

        for name, stuff in list(memory.root.items()):
            if (names is None or name in names) and isinstance(stuff.content, StoredListContent):
                ref = StoredListRef.model_validate(stuff.content.ref)
                encoded = await workflow.execute_activity(
                    "act_load_items",
                    ref,
                    result_type=list[Any],
                    start_to_close_timeout=timedelta(seconds=self.payload.dispatch.activity_start_to_close_s),
                    retry_policy=RetryPolicy(maximum_attempts=self.payload.dispatch.retry_max_attempts),
                )
                memory.root[name] = stuff.model_copy(
                    update={"content": self.codec.decode(encoded, stuff.concept, is_list=True)}
                )

    def _payload(
        self,
        entry: PipeEntry,
        memory: WorkingMemory,
        ctx: RunContext,
        output_name: str,
        *,
        whole_memory: bool,
    ) -> PipeRunPayload:
        """The payload of a child workflow: this workflow's, for ``entry`` over ``memory`` (or the roots it reads), the
        library by value."""
        only = None if whole_memory else {name.split(".", 1)[0] for name in entry.blueprint.input_specs()}
        return self.payload.model_copy(
            update={
                "pipe_ref": entry.ref,
                "output_name": output_name,
                "memory": self.codec.wire_memory(memory, only=only),
                "run_mode": ctx.run_mode,
                "depth": ctx.depth,
                "stack": list(ctx.stack),
                "output_override": WireOutputOverride.of(ctx.output_override),
            }
        )

    def _leaf_payload(
        self, entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, output_name: str
    ) -> LeafPayload:
        """A leaf's payload: the memory it reads, its library and run settings by reference (the workflow's own)."""
        library = self.payload.library
        settings: WireSettings | None = self.payload.settings
        digest: str | None = None
        if library.texts is not None:  # by reference to this workflow, whose input holds them
            if self._leaf_library is None:  # the same for every leaf of this workflow: made once
                info = workflow.info()
                self._leaf_library = library.by_reference(info.workflow_id, info.run_id)
                # kept in this process: a worker here runs the leaves without reading them back
                self._settings_digest = keep_settings(self.payload.settings)[0]
            library, settings, digest = self._leaf_library, None, self._settings_digest
        return LeafPayload(
            library=library,
            pipe_ref=entry.ref,
            output_name=output_name,
            memory=self.codec.wire_memory(memory, only=self._leaf_of(entry)[1]),
            run_mode=ctx.run_mode,
            settings=settings,
            settings_digest=digest,
            depth=ctx.depth,
            stack=list(ctx.stack),
            output_override=WireOutputOverride.of(ctx.output_override),
        )

    async def _child_workflow(self, entry: PipeEntry, payload: PipeRunPayload) -> PipeRunOutcomeJson:
        self._children += 1
        info = workflow.info()
        return await workflow.execute_child_workflow(
            "WfRunPipe",
            payload,
            id=f"{info.workflow_id}/{self._children}-{entry.code}",
            task_queue=payload.dispatch.task_queue,
            result_type=PipeRunOutcomeJson,
        )

    def _leaf_of(self, entry: PipeEntry) -> tuple[str, set[str]]:
        """A leaf pipe's task queue and the memory roots it reads (asked once per pipe in a workflow)."""
        found = self._leaves.get(entry.ref)
        if found is None:
            roots = {name.split(".", 1)[0] for name in entry.blueprint.input_specs()}
            found = self._leaves[entry.ref] = (leaf_queue(entry, self.payload.dispatch), roots)
        return found

    async def _activity(self, entry: PipeEntry, payload: LeafPayload) -> PipeRunOutcomeJson:
        """Run a leaf in ``act_run_leaf``; its outcome read as :class:`PipeRunOutcomeJson` (the activity sends its
        events as the JSON a :class:`PipeRunOutcome` holds, kept as JSON here)."""
        options = self._leaf_options
        if options is None:  # the same for every leaf of this workflow (the SDK only reads them)
            dispatch = self.payload.dispatch
            options = self._leaf_options = {
                "result_type": PipeRunOutcomeJson,
                "start_to_close_timeout": timedelta(seconds=dispatch.activity_start_to_close_s),
                "heartbeat_timeout": timedelta(seconds=dispatch.activity_heartbeat_s),
                "retry_policy": RetryPolicy(
                    initial_interval=timedelta(seconds=dispatch.retry_initial_interval_s),
                    backoff_coefficient=dispatch.retry_backoff,
                    maximum_interval=timedelta(seconds=dispatch.retry_max_interval_s),
                    maximum_attempts=dispatch.retry_max_attempts,
                ),
            }
        return await workflow.execute_activity(
            "act_run_leaf", payload, task_queue=self._leaf_of(entry)[0], **options
        )
