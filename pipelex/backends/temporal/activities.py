"""The activities: ``act_run_leaf`` runs one inference leaf, ``act_dry_validate`` a whole validation.

``act_run_leaf`` runs the same :func:`~pipelex.pipes.runtime.run_pipe` as the direct backend, with the
in-process router (a leaf has no sub-pipes) and the content generator its payload's run mode picks: a dry
leaf mocks here, on the worker. While it runs it heartbeats, so a worker that dies mid-leaf is noticed
after the heartbeat timeout and the leaf is retried elsewhere. Errors of the bundle author are
non-retryable; provider faults are retried with the configured policy.

``act_dry_validate`` runs the whole validation (static checks and the dry-run sweep) in-process, with
the in-process router and the dry generator: nothing nested is dispatched. It is a plain (threaded)
activity because the sweep runs its own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from temporalio import activity
from temporalio.common import RawValue

from pipelex.backends.temporal.payloads import (
    ContentCodec,
    DryValidateOutcome,
    DryValidatePayload,
    LeafPayload,
    LeafSource,
    LibraryRef,
    PipeRunOutcomeJson,
    StoredListRef,
    StoredPart,
    StoredSlice,
    StoreItems,
    omit_held_data,
)
from pipelex.backends.temporal.process import (
    WORKER_IDENTITY,
    LibraryNotCachedError,
    keep_settings,
    library_for,
    resolved_for,
    settings_for,
)
from pipelex.backends.temporal.router import failure_error
from pipelex.backends.temporal.tracing import LeafEventTracer
from pipelex.errors import PipelexError, PipeRunError, ProviderError
from pipelex.language.library import Library
from pipelex.pipes.context import RunContext
from pipelex.pipes.in_process import InProcessRouter
from pipelex.pipes.kinds import kind_of
from pipelex.pipes.runtime import run_pipe

if TYPE_CHECKING:
    from pipelex.config.deck import ModelDeck
    from pipelex.config.run_settings import RunSettings
    from pipelex.config.settings import PipelexConfig
    from pipelex.inference.leaf import Generators


def is_retryable(exc: PipeRunError) -> bool:
    """Only a provider call that failed in a way worth retrying (rate limit, 5xx, timeout, connection,
    malformed reply: ``retryable = True``) is retried by the activity policy. Everything else fails at once:
    the author's errors, and what a retry cannot fix (a missing key, an unknown model, a refused input)."""
    return isinstance(exc, ProviderError) and getattr(exc, "retryable", False) is True


class _Beats:
    """The heartbeat timer of one leaf: a beat re-arms it (see :func:`_heartbeating`).

    An object, not a closure that re-arms itself by its own name: such a function refers to itself through its
    closure, a reference cycle that only the cyclic collector frees, with the timer, its copy of the activity's
    context and the activity's SDK objects, for every leaf. Here the armed timer holds this object (its argument),
    and cancelling it drops that reference: reference counting frees both.

    The activity's context (which the heartbeat reads) is held here too, not by the timer: a cancelled timer stays
    in the event loop's queue until it is due or the loop sweeps it (past 100 cancelled timers), and it keeps the
    context it was armed with; armed with the activity's, it kept the activity's SDK objects alive (its info, its
    context, its locks and events: about 15 objects per leaf) long after the leaf ended, long enough for the
    collector to promote them to its oldest generation, whose growth is what triggers full collections.
    """

    __slots__ = ("context", "handle", "interval", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop, interval: float) -> None:  # noqa: D107
        self.loop = loop
        self.interval = interval
        self.context = contextvars.copy_context()  # the activity's (activity.heartbeat reads it)
        self.handle: asyncio.TimerHandle | None = None

    def arm(self, delay: float) -> None:
        """Beat in ``delay`` seconds (the timer holds an empty context; the beat runs in the activity's)."""
        self.handle = self.loop.call_later(delay, _beat, self, context=contextvars.Context())

    def cancel(self) -> None:
        """No more beats."""
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None


def _beat(beats: _Beats) -> None:
    beats.context.run(activity.heartbeat)
    beats.arm(beats.interval)


async def _heartbeating(
    work: Coroutine[Any, Any, Any], interval: float, *, first: float | None = None
) -> Any:
    """Await ``work`` while telling the server every ``interval`` seconds that this activity is alive.

    A timer of the event loop, re-armed at each beat, not a task beside the work: most leaves end before the
    first beat and then cost no heartbeat at all (each beat is a call to the server, which counts the heartbeat
    timeout from the attempt's start). ``first``: seconds until the first beat (default ``interval``).
    """
    beats = _Beats(asyncio.get_running_loop(), interval)
    beats.arm(interval if first is None else first)
    try:
        return await work
    finally:
        beats.cancel()


def _first_beat(info: activity.Info, interval: float) -> float:
    """Seconds until a leaf's first heartbeat: ``interval`` after the attempt started on the server, so a leaf that
    waited on a busy worker before its code ran beats at once (the server's heartbeat timeout runs from the start
    of the attempt, not from when this code got the CPU)."""
    started = info.started_time
    waited = (datetime.now(UTC) - started).total_seconds() if started.tzinfo is not None else 0.0
    return min(interval, max(0.0, interval - waited))


def _placement(info: activity.Info) -> dict[str, Any]:
    """Where this activity runs: a Placement's JSON, every field in its order (the client validates it with a
    leaf's events; a sweep's nodes carry it as it is); a new dict on each call."""
    return {
        "worker": WORKER_IDENTITY,
        "workflow_id": info.workflow_id,
        "run_id": info.workflow_run_id,
        "task_queue": info.task_queue,
        "activity_id": info.activity_id,
        "attempt": info.attempt,
    }


async def _read_source(ref: LibraryRef) -> LeafSource:
    """The input of the workflow that holds a leaf's library (and run settings), read from its history; both are
    kept in this process for the next leaves."""
    if ref.source_workflow_id is None:
        raise PipeRunError(
            f"the library {ref.digest[:12]} was sent without its texts nor where to find them",
            error_type="library_unavailable",
        )
    activity.heartbeat()  # reading a history may take a while: the server hears from this activity first
    client = activity.client()
    handle = client.get_workflow_handle(ref.source_workflow_id, run_id=ref.source_run_id)
    async for event in handle.fetch_history_events():
        started = event.workflow_execution_started_event_attributes
        # the input of a WfRunPipe, a WfRunItems (a batch's slice) or a WfRunSteps: only its library and settings
        [source] = await client.data_converter.decode(started.input.payloads, [LeafSource])
        assert isinstance(source, LeafSource)
        if source.library.digest != ref.digest or source.library.texts is None:
            raise PipeRunError(
                f"workflow {ref.source_workflow_id!r} does not hold the library {ref.digest[:12]}",
                error_type="library_unavailable",
            )
        library_for(source.library)
        if source.settings is not None:
            keep_settings(source.settings)
        return source
    raise PipeRunError(
        f"workflow {ref.source_workflow_id!r} has no history", error_type="library_unavailable"
    )


async def _library(ref: LibraryRef) -> tuple[Library, ContentCodec]:
    """The compiled library; one sent by reference and never seen here is read from its workflow's history."""
    try:
        return library_for(ref)
    except LibraryNotCachedError:
        pass
    return library_for((await _read_source(ref)).library)


async def _settings(payload: LeafPayload) -> tuple[str, RunSettings]:
    """The leaf's run settings and their digest: by value, or by digest (kept here, else read from its workflow's
    input)."""
    if payload.settings is not None:
        return keep_settings(payload.settings)
    digest = payload.settings_digest
    assert digest is not None  # the payload's validator: one or the other
    found = settings_for(digest)
    if found is None:
        source = await _read_source(payload.library)
        found = settings_for(digest)
        if found is None:
            held = source.settings.digest()[:12] if source.settings is not None else "none"
            raise PipeRunError(
                f"the run settings {digest[:12]} of this leaf are not those of workflow "
                f"{payload.library.source_workflow_id!r} ({held})",
                error_type="settings_unavailable",
            )
    return digest, found


class WorkerActivities:
    """The activities of a worker, bound to the worker's configuration: a live leaf resolves its model in the
    worker's deck and stores in the worker's store (provider keys live on the workers); a validation checks
    models against the worker's deck. The run's own settings and ``[limits]`` come in each payload."""

    def __init__(self, config: PipelexConfig) -> None:  # noqa: D107
        from pipelex.config.deck import deck_for
        from pipelex.inference.leaf import Generators
        from pipelex.inference.live.runtime import LiveRuntime

        self.deck = deck_for(config)
        self.generators = Generators(live=LiveRuntime.of(config, self.deck))

    def all(self) -> list[Callable[..., Any]]:
        """The activities a worker registers."""
        return [self.act_run_leaf, act_load_items, act_store_items, self.act_dry_validate, act_inline_turn]

    @activity.defn(name="act_run_leaf")
    async def act_run_leaf(self, payload: LeafPayload) -> PipeRunOutcomeJson:
        """Run one leaf pipe here; return its result and its trace events (a :class:`PipeRunOutcome`'s JSON)."""
        return await run_leaf(payload, self.generators)

    @activity.defn(name="act_dry_validate")
    def act_dry_validate(self, payload: DryValidatePayload) -> DryValidateOutcome:
        """Validate the bundle texts in-process (static checks, then a dry run of every pipe)."""
        return dry_validate(payload, self.deck)


# seconds between heartbeats of a leaf dispatched without a heartbeat timeout (none runs out: the beats only let a
# cancellation reach the leaf)
_DEFAULT_HEARTBEAT_S = 30.0

# a leaf's sub-pipes run here (an operator has none: the router is there for the run context's sake); stateless
_LEAF_ROUTER = InProcessRouter()
# the bound on a leaf's own run: one leaf runs per activity, so the run-wide bound on leaves in flight
# ([runtime] max_concurrency) is its workflow's, which dispatches at most that many at once; here it never waits
_LEAF_BOUND = contextlib.nullcontext()


async def run_leaf(payload: LeafPayload, generators: Generators) -> PipeRunOutcomeJson:
    """Run one leaf pipe here, with ``generators`` (the worker's); return its result and its trace events.

    The events are recorded as the JSON they travel as (a :class:`PipeRunOutcome`'s: the workflow reads it as
    :class:`PipeRunOutcomeJson`, the client validates the events once); they leave out the data the workflow holds
    already (the inputs it sent, the result): it puts it back.
    """
    info = activity.info()
    tracer = LeafEventTracer(
        clock=time.time,
        placement_json=_placement(info),
    )
    codec: ContentCodec | None = None

    async def prepare_and_run() -> Any:
        nonlocal codec
        library, codec = await _library(payload.library)
        entry = library.pipes.get(payload.pipe_ref)
        if entry is None:
            raise PipeRunError(
                f"pipe {payload.pipe_ref!r} is not in the library sent to the worker",
                error_type="unknown_pipe",
            )
        settings_digest, settings = await _settings(payload)
        ctx = RunContext(
            library=library,
            run_mode=payload.run_mode,
            settings=settings,
            tracer=tracer,
            router=_LEAF_ROUTER,
            generators=generators,
            semaphore=_LEAF_BOUND,
            depth=payload.depth,
            stack=tuple(payload.stack),
            output_override=payload.run_override(),
            # what the run resolves once from its library and settings (output specs, parsed input specs), shared
            # by the leaves of that library and settings this worker runs, as a direct run's batch items share it
            resolved=resolved_for(payload.library.digest, settings_digest),
        )
        memory = payload.memory
        if any(
            stuff.stored is not None for stuff in memory.stuffs
        ):  # a long list it takes: read it back here
            from pipelex.backends.temporal.stored import read_items, store_of

            store = store_of(activity.client())
            loaded = await asyncio.to_thread(codec.memory, memory, lambda ref: read_items(store, ref))
        else:
            loaded = codec.memory(memory)
        work: Any = run_pipe(entry, loaded, ctx, output_name=payload.output_name)
        if kind_of(entry.blueprint).runs_user_code:
            # the author's function may block for long: run it on a thread of its own, so this worker's event
            # loop (its heartbeats, its other activities and workflows) keeps going
            work = asyncio.to_thread(asyncio.run, work)
        return await work

    try:
        # heartbeats cover the whole leaf, the library's loading included
        timeout = info.heartbeat_timeout
        interval = max(0.2, (timeout.total_seconds() if timeout else _DEFAULT_HEARTBEAT_S) / 3)
        result = await _heartbeating(prepare_and_run(), interval, first=_first_beat(info, interval))
    except PipeRunError as exc:
        raise failure_error(exc, tracer.events_json(), non_retryable=not is_retryable(exc)) from None
    except PipelexError as exc:
        raise failure_error(exc, tracer.events_json()) from None
    assert codec is not None  # set by prepare_and_run before it returned
    wire = codec.wire_result(result)
    events = tracer.events_json()
    omit_held_data(events, payload.memory, payload.output_name, wire)
    return PipeRunOutcomeJson(result=wire, events=events)


@activity.defn(name="act_inline_turn")
async def act_inline_turn() -> None:
    """Nothing: a workflow whose inline pipes did their share of work in one activation runs it as a local activity,
    which ends the activation (the SDK's 2 s deadlock limit counts per activation) and resumes the workflow at
    once, in the same workflow task, without a round trip to the server (``TemporalPipeRouter._inline_turn``)."""


@activity.defn(name="act_load_items")
async def act_load_items(ref: StoredListRef) -> list[Any]:
    """The encoded items of a stored list (a slice of a long batch, or a list an inline pipe reads)."""
    from pipelex.backends.temporal.stored import read_items, store_of

    store = store_of(activity.client())
    return await asyncio.to_thread(read_items, store, ref)


@activity.defn(name="act_store_items")
async def act_store_items(raw: RawValue) -> StoredSlice:
    """Keep a slice's produced items and trace events (a :class:`StoreItems`) in the payload store; return the key.

    The payload is taken raw and kept as it is, under the sha256 of its bytes: the key the claim-check codec
    already stored it under when it was big enough to be offloaded, so its bytes are in the store once, not twice.
    """
    from pipelex.backends.temporal.stored import keep_payload, store_of

    store = store_of(activity.client())
    key = await asyncio.to_thread(keep_payload, store, raw.payload)
    payload = activity.payload_converter().from_payload(raw.payload, StoreItems)
    return StoredSlice(
        items=StoredPart(key=key, count=len(payload.items)),
        events_key=key,
        nodes=payload.nodes,
        concept=payload.concept,
    )


def dry_validate(payload: DryValidatePayload, deck: ModelDeck) -> DryValidateOutcome:
    """Validate the bundle texts in-process (static checks against ``deck``, then a dry run of every pipe)."""
    from pipelex.language.library import build_library
    from pipelex.tracing.graph import ExecutionGraph
    from pipelex.validation.report import validate_library
    from pipelex.validation.sweep import merge_sweep_graphs

    info = activity.info()
    library = build_library([(t.text, t.file) for t in payload.library.texts or []])
    graphs: list[ExecutionGraph] = []
    report = validate_library(
        library,
        deck,
        settings=payload.settings.run_settings(),
        run_sweep=not payload.static_only,
        allow_signatures=payload.allow_signatures,
        bundle_path=payload.bundle_path,
        allowed_to_fail=frozenset(payload.allowed_to_fail),
        graphs=graphs,
    )
    graph = merge_sweep_graphs(graphs).model_copy(update={"backend": "temporal"})
    for node in graph.nodes:
        node.placement = _placement(info)
    return DryValidateOutcome(
        report=report.to_json(), worker=WORKER_IDENTITY, graph=graph.model_dump(mode="json")
    )
