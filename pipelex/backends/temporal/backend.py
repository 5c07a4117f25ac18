"""The Temporal :class:`~pipelex.backends.protocol.Backend`: a run is the workflow ``WfRunPipe``, its id the run id.

A run id on this backend is its workflow id, ``pipelex-<32 hex digits>`` (random: not guessable, not
enumerable). Everything about a started run is read back from the Temporal server by that id -- status,
result, graph, usage, failure -- so a run outlives the process that started it: another process (an API
replica, the same API after a restart) reads it by id. Only ids of that exact form whose workflow is a
``WfRunPipe`` are runs: a child workflow, a validation workflow or a workflow someone else started on the
namespace is "no such run".

A run may have a deadline: the top workflow's execution timeout (``run_deadline_s``: the runner API gives its
``[limits] run_deadline_seconds``; the CLI and the Python API ``[temporal] run_deadline_s``, none by default).
Temporal ends the workflow when it passes, children included; the run then fails as the
:class:`~pipelex.errors.LimitExceededError` of the direct backend (``run_deadline_seconds``), whoever reads it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import time
import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import CancelledError as TemporalCancelledError
from temporalio.exceptions import TerminatedError as TemporalTerminatedError
from temporalio.exceptions import TimeoutError as TemporalTimeoutError
from temporalio.service import RPCError, RPCStatusCode

from pipelex.backends.protocol import PreparedRun, RunState, build_output
from pipelex.backends.temporal.client import (
    CLIENT_DEADLINE,
    SERVER_DEADLINE,
    WORKFLOW_ID_PREFIX,
    RunDeadline,
    TemporalSession,
    deadline_error,
    library_ref,
    temporal_session,
)
from pipelex.backends.temporal.codec import PayloadStore
from pipelex.backends.temporal.payloads import (
    ContentCodec,
    ListLoader,
    PipeRunOutcome,
    PipeRunPayload,
    TraceEvent,
    WireSettings,
)
from pipelex.backends.temporal.router import pipe_error_from
from pipelex.backends.temporal.stored import (
    iter_resolved_events,
    offload_lists,
    read_items,
    resolve_events,
    store_of,
)
from pipelex.backends.temporal.tracing import ReplayTracer
from pipelex.errors import PipeRunError, RunCancelledError, RunNotFoundError, TemporalUnavailableError
from pipelex.language.library import Library, PipeEntry
from pipelex.memory.stuff import PipeResult, WorkingMemory
from pipelex.narrowing import is_json_object, is_list
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.tracing.graph import ExecutionGraph
from pipelex.tracing.tracer import GraphTracer

if TYPE_CHECKING:
    from pipelex.config.settings import PipelexConfig

logger = logging.getLogger("pipelex.temporal")

RUN_WORKFLOW = "WfRunPipe"
_MEMO_KEY = "pipelex_run"
# how long a failed or timed-out run's trace is waited for (a query a worker answers by replaying the history)
_TRACE_QUERY_S = 10.0
RUN_ID_PATTERN = re.compile(rf"^{re.escape(WORKFLOW_ID_PREFIX)}[0-9a-f]{{32}}\Z")


def is_run_id(run_id: str) -> bool:
    """Whether ``run_id`` has the form of a Temporal run id (``pipelex-`` and 32 hex digits)."""
    return RUN_ID_PATTERN.fullmatch(run_id) is not None


class TemporalBackend:
    """Runs on Temporal workers (see the module docstring).

    ``config``: the configuration to connect with (default: the booted one, read when a session opens). A
    session active in the running loop (:func:`~pipelex.backends.temporal.temporal_session`) is reused.
    ``run_deadline_s``: the deadline of the runs this backend starts (the runner API passes its ``[limits]
    run_deadline_seconds``); None: the configuration's ``[temporal] run_deadline_s`` (none by default).
    ``owner``: who the runs this backend starts belong to (a runner API passes a fingerprint of its key), written
    in each run's memo; a run is read (``status``) and cancelled only by a backend of the same owner: another
    owner is told there is no such run, as for an id never handed out. None: runs started without an owner
    (the CLI, the Python API, a server without a key).
    """

    name = "temporal"

    def __init__(
        self,
        config: PipelexConfig | None = None,
        *,
        run_deadline_s: float | None = None,
        owner: str | None = None,
    ) -> None:
        self.config = config
        self.run_deadline_s = run_deadline_s
        self.owner = owner

    @asynccontextmanager
    async def session(self) -> AsyncGenerator[None, None]:
        """A Temporal client (and with no address configured, the embedded dev server and in-process workers)."""
        async with temporal_session(self.config):
            yield

    def check(self, run: PreparedRun) -> None:
        """Nothing here: the provider keys live on the workers, which report a missing one."""

    def new_run_id(self) -> str:
        """The workflow id of a new run: ``pipelex-`` and 128 random bits as hex."""
        return f"{WORKFLOW_ID_PREFIX}{uuid.uuid4().hex}"

    def runs_inline(self, run: PreparedRun) -> bool:
        """Never: a run here waits on the Temporal server."""
        return False

    def tracer(self, run: PreparedRun) -> ReplayTracer:
        """The client's tracer: the workflow's events are replayed into it; meanwhile it answers progress
        displays with the progress polled from the workflow."""
        return _tracer(run.run_id, run.entry, run.mode)

    def notices(self) -> list[str]:
        """Where to watch the run: the Web UI of the embedded dev server (started now), when there is one."""
        config = self._config()
        t = config.temporal
        if t.address or not t.embedded_ui:
            return []
        from pipelex.backends.temporal.devserver import embedded_server

        server = embedded_server(t.namespace, ui=True)  # the run's session reuses it
        return [f"Temporal Web UI of the embedded dev server (until this command ends): {server.ui_url}"]

    async def run(self, run: PreparedRun, tracer: GraphTracer) -> PipeResult:
        """Start the run's workflow and wait; ``run.memory`` becomes the memory the workflow left."""
        from pipelex.tracing.otel import otel_run

        if not isinstance(tracer, ReplayTracer):
            raise TypeError(
                "a Temporal run replays its events into the tracer of TemporalBackend.tracer(run)"
            )
        async with (
            temporal_session(self.config) as session,
            otel_run(session.config, run.entry.code, backend=self.name) as trace,
        ):
            deadline = self._deadline(session.config)
            # started under the run's span: the workflow's spans join its trace
            handle = await _start(session, run, deadline, self.owner)
            watcher = asyncio.create_task(_watch_progress(handle, tracer))
            stuck: asyncio.Future[PipeRunError] = asyncio.get_running_loop().create_future()
            guard = asyncio.create_task(_guard_workflow_tasks(handle, session.client, run.entry.code, stuck))
            store = store_of(session.client)
            codec = ContentCodec(run.library)
            try:
                outcome = await _outcome_through_outages(handle, session)
                await _replay_resolved(tracer, outcome.events, store, codec)
            except WorkflowFailureError as exc:
                if isinstance(exc.cause, TemporalTimeoutError):  # past its deadline: Temporal ended it
                    tracer.replay(await _trace_so_far(handle, store, codec))
                    raise deadline_error(deadline) from None
                if stuck.done() and isinstance(exc.cause, TemporalTerminatedError):  # the guard ended it
                    tracer.replay(await _trace_so_far(handle, store, codec, why=str(stuck.result())))
                    raise stuck.result() from None
                error, failure = pipe_error_from(exc.cause)
                if failure is not None:
                    await _replay_resolved(tracer, failure.events, store, codec)
                raise error from None
            except asyncio.CancelledError:  # the caller gave up (Ctrl-C): so does the run, on the server
                with contextlib.suppress(Exception):  # first, what it did so far (the caller keeps it)
                    events = await asyncio.shield(
                        asyncio.wait_for(handle.query("trace", result_type=list[TraceEvent]), timeout=5)
                    )
                    tracer.replay(resolve_events(events, store, codec))
                with contextlib.suppress(Exception):
                    await asyncio.shield(handle.cancel())
                raise
            finally:
                watcher.cancel()
                guard.cancel()
                if trace is not None:  # the spans of the pipe runs, also those of a failed run so far
                    trace.export(tracer.build())
        load = _loader(store)
        if outcome.memory is not None:
            back = await asyncio.to_thread(codec.memory, outcome.memory, load)
            run.memory.root, run.memory.aliases, run.memory.absences = back.root, back.aliases, back.absences
        return await asyncio.to_thread(codec.result, outcome.result, load)

    def memory_so_far(self, run: PreparedRun, graph: ExecutionGraph) -> WorkingMemory:
        """The run's memory stayed on the workers: the inputs, plus the outputs of the main pipe's finished
        steps read back from the graph."""
        return _memory_from_graph(run.memory, graph, run.library)

    async def start(self, run: PreparedRun) -> str:
        """Start the run's workflow; its id is the run id. Someone must serve the task queue meanwhile (a
        ``pipelex worker``, or the in-process worker of an enclosing session)."""
        async with temporal_session(self.config) as session:
            await _start(session, run, self._deadline(session.config), self.owner)
        return run.run_id

    async def status(self, run_id: str) -> RunState:
        """The run as the Temporal server has it; its output (or partial output) rebuilt from its history."""
        async with temporal_session(self.config) as session:
            handle, description = await _described(session, run_id)
            state = RunState(
                run_id=run_id,
                status="running",
                started_at=description.start_time.timestamp() if description.start_time else None,
                finished_at=description.close_time.timestamp() if description.close_time else None,
            )
            memo = await description.memo_value(_MEMO_KEY, None, type_hint=dict)
            self._check_owner(run_id, memo)
            if description.status == WorkflowExecutionStatus.RUNNING:
                if is_json_object(memo) and memo.get("pipe_code") and memo.get("run_mode"):
                    return state.model_copy(
                        update={
                            "pipe_code": str(memo["pipe_code"]),
                            "run_mode": PipeRunMode(memo["run_mode"]),
                        }
                    )
            payload = await _started_payload(session, handle)
            library, entry = _library_of(payload, run_id)
            state = state.model_copy(update={"pipe_code": entry.code, "run_mode": payload.run_mode})
            if description.status == WorkflowExecutionStatus.RUNNING:
                return state
            codec = ContentCodec(library)
            tracer = _tracer(run_id, entry, payload.run_mode)
            store = store_of(session.client)
            load = _loader(store)
            inputs = await asyncio.to_thread(codec.memory, payload.memory, load)
            try:
                outcome = await handle.result()
            except WorkflowFailureError as exc:
                cancelled = isinstance(exc.cause, TemporalCancelledError)
                error: PipeRunError | RunCancelledError
                if cancelled:
                    error = RunCancelledError(f"the run {run_id} was cancelled", run_id=run_id)
                elif isinstance(exc.cause, TemporalTimeoutError):  # past its deadline: Temporal ended it
                    error = deadline_error(_memo_deadline(memo, description))
                    tracer.replay(await _trace_so_far(handle, store, codec))
                else:
                    error, failure = pipe_error_from(exc.cause)
                    if failure is not None:
                        await _replay_resolved(tracer, failure.events, store, codec)
                graph = tracer.build()
                error.partial_output = build_output(
                    run_id=run_id,
                    entry=entry,
                    mode=payload.run_mode,
                    memory=_memory_from_graph(inputs, graph, library),
                    graph=graph,
                    result=None,
                )
                return state.model_copy(
                    update={"status": "cancelled" if cancelled else "failed", "error": error}
                )
            # the leaves' usage travelled in the trace events: build_output rolls it up as for a waited run
            await _replay_resolved(tracer, outcome.events, store, codec)
            memory = (
                await asyncio.to_thread(codec.memory, outcome.memory, load)
                if outcome.memory is not None
                else inputs
            )
            result = await asyncio.to_thread(codec.result, outcome.result, load)
        output = build_output(
            run_id=run_id,
            entry=entry,
            mode=payload.run_mode,
            memory=memory,
            graph=tracer.build(),
            result=result,
        )
        return state.model_copy(update={"status": "succeeded", "output": output})

    async def cancel(self, run_id: str) -> bool:
        """Cancel the run's workflow (its activities are cancelled at their next heartbeat); False when it had
        already finished."""
        async with temporal_session(self.config) as session:
            handle, description = await _described(session, run_id)
            self._check_owner(run_id, await description.memo_value(_MEMO_KEY, None, type_hint=dict))
            if description.status != WorkflowExecutionStatus.RUNNING:
                return False
            await handle.cancel()
        return True

    def _check_owner(self, run_id: str, memo: object) -> None:
        """Raise ``RunNotFoundError`` (the words of an unknown id) unless the run belongs to this backend's owner."""
        owner = memo.get("owner") if is_json_object(memo) else None
        if owner != self.owner:
            raise _not_found(run_id)

    def _deadline(self, config: PipelexConfig) -> RunDeadline | None:
        """The deadline of the runs this backend starts, and the setting that set it."""
        if self.run_deadline_s is not None:
            return RunDeadline(self.run_deadline_s, SERVER_DEADLINE)
        if config.temporal.run_deadline_s is not None:
            return RunDeadline(config.temporal.run_deadline_s, CLIENT_DEADLINE)
        return None

    def release(self) -> None:
        """Stop the embedded dev server, if one was started (it would otherwise live as long as the process)."""
        from pipelex.backends.temporal.devserver import stop_embedded_server

        stop_embedded_server()

    def _config(self) -> PipelexConfig:
        if self.config is not None:
            return self.config
        from pipelex.boot import Pipelex

        return Pipelex.config()


# ---------------------------------------------------------------------------------------------------- helpers
def _memo_deadline(memo: Any, description: Any) -> RunDeadline | None:
    """The deadline a run was started with: from its memo, else from its workflow's execution timeout."""
    if is_json_object(memo):
        recorded = memo.get("deadline_s")
        if isinstance(recorded, int | float):
            return RunDeadline(float(recorded), str(memo.get("deadline_setting") or CLIENT_DEADLINE))
    timeout = description.raw_description.execution_config.workflow_execution_timeout
    seconds = timeout.ToTimedelta().total_seconds()
    return RunDeadline(seconds, "its workflow execution timeout") if seconds else None


async def _trace_so_far(
    handle: WorkflowHandle[Any, Any],
    store: PayloadStore,
    codec: ContentCodec,
    why: str = "stopped: the run passed its deadline",
) -> list[TraceEvent]:
    """The trace events of a run Temporal ended (at its deadline, or the guard of workflow tasks: a worker replays
    its history to answer), the pipes still running then ended as failed with ``why``; none if no worker answers in
    time: the error still says why."""
    try:
        events = await asyncio.wait_for(
            handle.query("trace", result_type=list[TraceEvent]), timeout=_TRACE_QUERY_S
        )
        resolved = await asyncio.to_thread(resolve_events, events, store, codec)
    except Exception:  # noqa: BLE001 - the graph so far is a courtesy; the run's error is what matters
        return []
    ended = {e.node for e in resolved if e.op == "end"}
    still_running = [e.node for e in resolved if e.op == "start" and e.node not in ended]
    return resolved + [
        TraceEvent(op="end", node=node, status="failed", error=why) for node in reversed(still_running)
    ]


async def _start(
    session: TemporalSession, run: PreparedRun, deadline: RunDeadline | None = None, owner: str | None = None
) -> WorkflowHandle[Any, PipeRunOutcome]:
    """The one place a run's workflow is started: ``WfRunPipe``, its id the run id, on the default queue,
    with the run's deadline as its execution timeout (children and continued runs included), and its owner in
    its memo (see :class:`TemporalBackend`)."""
    from pipelex.inference.leaf import settings_for

    wire_memory = ContentCodec(run.library).wire_memory(run.memory)
    chunk = session.config.temporal.batch_chunk_size
    if any(s.is_list and is_list(s.content) and len(s.content) > chunk for s in wire_memory.stuffs):
        # long lists go to the payload store in parts: no workflow task handles them whole (see stored.py)
        wire_memory = offload_lists(wire_memory, store_of(session.client), chunk)
    payload = PipeRunPayload(
        library=library_ref(run.library),
        pipe_ref=run.entry.ref,
        output_name=run.entry.code,
        memory=wire_memory,
        run_mode=run.mode,
        # the run's settings (its limits) with what its mode's generator asks of conditions (exploration)
        settings=WireSettings.of(settings_for(run.mode, run.settings)),
        dispatch=session.dispatch_options(),
    )
    memo: dict[str, Any] = {"pipe_code": run.entry.code, "run_mode": run.mode.value}
    if deadline is not None:
        memo |= {"deadline_s": deadline.seconds, "deadline_setting": deadline.setting}
    if owner is not None:
        memo["owner"] = owner
    return await session.client.start_workflow(
        RUN_WORKFLOW,
        payload,
        id=run.run_id,
        task_queue=session.config.temporal.task_queue,
        result_type=PipeRunOutcome,
        execution_timeout=timedelta(seconds=deadline.seconds) if deadline is not None else None,
        # what a status read of a run in progress needs, without decoding the start payload (its inputs)
        memo={_MEMO_KEY: memo},
    )


def _not_found(run_id: str) -> RunNotFoundError:
    shown = run_id if len(run_id) <= 80 else run_id[:80] + "..."
    return RunNotFoundError(
        f"no run {shown!r} on the Temporal server: a run id is the `pipelex-<32 hex digits>` a start returned "
        "(check it, and that this client uses the same Temporal namespace)",
        run_id=run_id,
    )


async def _described(
    session: TemporalSession, run_id: str
) -> tuple[WorkflowHandle[Any, PipeRunOutcome], Any]:
    """The run's workflow handle and description; ``RunNotFoundError`` for anything that is not a run."""
    if not is_run_id(run_id):
        raise _not_found(run_id)
    handle = session.client.get_workflow_handle(run_id, result_type=PipeRunOutcome)
    try:
        description = await handle.describe()
    except RPCError as exc:
        if exc.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            raise _not_found(run_id) from None
        raise
    if description.workflow_type != RUN_WORKFLOW:
        raise _not_found(run_id)
    return handle, description


async def _started_payload(session: TemporalSession, handle: WorkflowHandle[Any, Any]) -> PipeRunPayload:
    """The payload the run's workflow was started with (its first history event); a workflow of that name
    whose input is not a run payload (not started by pipelex) is no run."""
    async for event in handle.fetch_history_events():
        started = event.workflow_execution_started_event_attributes
        try:
            [payload] = await session.client.data_converter.decode(started.input.payloads, [PipeRunPayload])
        except Exception:  # noqa: BLE001 - any undecodable input means the same: not one of our runs
            break
        if isinstance(payload, PipeRunPayload):
            return payload
        break
    raise _not_found(handle.id)


def _library_of(payload: PipeRunPayload, run_id: str) -> tuple[Library, PipeEntry]:
    from pipelex.backends.temporal.process import library_for

    library, _ = library_for(payload.library)
    entry = library.pipes.get(payload.pipe_ref)
    if entry is None:  # pragma: no cover - the payload was made from this library
        raise PipeRunError(f"the run {run_id} names a pipe its library lacks ({payload.pipe_ref})")
    return library, entry


def _tracer(run_id: str, entry: PipeEntry, mode: PipeRunMode) -> ReplayTracer:
    return ReplayTracer(
        pipeline_run_id=run_id, main_pipe=entry.code, domain=entry.domain, mode=mode.value, backend="temporal"
    )


_REPLAY_BATCH = 5_000  # trace events read (and their stored fragments) per step of a replay


async def _replay_resolved(
    tracer: ReplayTracer, events: list[TraceEvent], store: PayloadStore, codec: ContentCodec
) -> None:
    """Stream a run's events into its tracer: the stored fragments are read off the event loop a batch of events
    at a time and replayed on it, so a batch of any size never has its whole trace in memory at once (the graph
    folds children past ``[tracing] graph_children_in_memory`` to its spill file as they come)."""
    stream = iter_resolved_events(events, store, codec)
    ids: dict[int, str] = {}
    while chunk := await asyncio.to_thread(lambda: list(itertools.islice(stream, _REPLAY_BATCH))):
        tracer.replay(chunk, ids)


# what the SDK raises while a server cannot be reached (after its own retries, ~10 s)
_SERVER_GONE = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)


async def _outcome_through_outages(
    handle: WorkflowHandle[Any, PipeRunOutcome], session: TemporalSession
) -> PipeRunOutcome:
    """The run's outcome, waited for through a configured server that goes away for a while.

    A workflow lives on the server, not in this client: when the server restarts or its frontend is unreachable
    for a moment (an upgrade, a failover, a network cut), the run goes on on the workers once the server is back,
    and the wait resumes where it was (the history is read again). The client keeps trying for ``[temporal]
    reconnect_wait_s`` from the moment the SDK's own retries give up (~10-20 s after the server went), then gives
    up saying that the run was not cancelled; a server that answers again starts the count anew for a later
    outage. An embedded dev server holds its state in memory: once gone, the run is gone with it, so no wait.
    """
    t = session.config.temporal
    lost_since: float | None = None
    pause = 0.5
    while True:
        try:
            return await handle.result()
        except RPCError as exc:
            if exc.status not in _SERVER_GONE or not t.address:
                raise
            now = time.monotonic()
            first = lost_since is None
            lost_since = now if lost_since is None else lost_since
            left = t.reconnect_wait_s - (now - lost_since)
            if left <= 0:
                raise TemporalUnavailableError(
                    f"lost the Temporal server at {session.address} while waiting for run {handle.id}: it did not "
                    f"answer for {t.reconnect_wait_s:g} s more ([temporal] reconnect_wait_s; {exc.status.name}: "
                    f"{exc.message}). The run was not cancelled: if the server comes back, the run goes on there "
                    f"and keeps its result (read it with `get_pipeline_run_on_temporal('{handle.id}')`, or GET "
                    f"/v1/runs/{handle.id} of a runner API on that server)"
                ) from None
            if first:
                logger.warning(
                    "the Temporal server at %s cannot be reached (%s) while run %s waits on it: the run is not "
                    "cancelled, it goes on there once the server is back; trying again for up to %g s "
                    "([temporal] reconnect_wait_s)",
                    session.address,
                    exc.status.name,
                    handle.id,
                    t.reconnect_wait_s,
                )
        await asyncio.sleep(min(pause, left))
        pause = min(pause * 2, 5.0)
        try:  # a cheap question: once the server answers, a later outage gets the whole wait again
            await handle.describe()
        except RPCError as exc:
            if exc.status not in _SERVER_GONE:
                raise
        else:
            lost_since, pause = None, 0.5


# a workflow of a run whose workflow task failed this many times in a row (its first failure, the one recorded, on the
# deadlock limit) is stuck: the server retries such a task without end
_STUCK_ATTEMPTS = 3
_GUARD_EVERY_S = 5.0
# workflows of one run the guard describes per look at most (the top one, then its running children, breadth first)
_GUARD_MAX_DESCRIBED = 100
_CHILD_PIPE = re.compile(r"^\d+-(?P<code>.+?)(?:-items-\d+|-steps-\d+)?$")
# the SDK's message for a workflow activation past its 2 s limit (its code, TMPRL1101)
_DEADLOCK = "TMPRL1101"


async def _guard_workflow_tasks(
    handle: WorkflowHandle[Any, Any],
    client: Client,
    main_pipe: str,
    stuck: asyncio.Future[PipeRunError],
    every: float = _GUARD_EVERY_S,
) -> None:
    """Wait until a workflow of the run keeps failing its workflow task on the SDK's deadlock limit, then set
    ``stuck`` to the error to raise and end the run.

    The server retries a failed workflow task without end: a task the SDK fails for computing 2 s without yielding
    (an inline template computing too long in one render, which inline turns cannot split) hung the run, saying
    nothing, while each retry computed again. Every ``every`` seconds this describes the run's workflows (the top
    one, then the running children each lists, so no visibility query is needed): one whose pending workflow task is
    at its :data:`_STUCK_ATTEMPTS`-th attempt, and whose history's last workflow task event is a failure with the
    SDK's deadlock message (the server records the first failed attempt only), is stuck. Other failures are left to
    the server's retries (a payload store away for a moment recovers) and to the run's deadline. The run is then
    terminated (its children with it), and the error names the pipe and the SDK's message. A look that fails (the
    server away for a while) is tried again at the next, as is a terminate that fails."""
    judged: dict[tuple[str, str, int], str | None] = {}
    while True:
        await asyncio.sleep(every)
        try:
            found = await _stuck_workflow(client, handle.id, judged)
        except RPCError:
            continue
        if found is None:
            continue
        workflow_id, message = found
        tail = workflow_id[len(handle.id) :].rsplit("/", 1)[-1]
        match = _CHILD_PIPE.match(tail) if tail else None
        pipe = match.group("code") if match else main_pipe
        error = PipeRunError(
            f"pipe {pipe!r}: its workflow ({workflow_id}) failed its workflow task {_STUCK_ATTEMPTS} times in a row "
            f"on the worker, and Temporal retries such a task without end, so the run was stopped: {message} (a "
            "workflow computed for 2 s without yielding: an inline pipe, a PipeCompose, renders in the workflow "
            "itself; move heavy template work to a PipeFunc, which runs as an activity, or make the template do less)",
            pipe_code=pipe,
            error_type="temporal_task_failed",
        )
        stuck.set_result(error)  # before the run ends: its waiter then knows why
        while True:
            try:
                await handle.terminate(reason=str(error)[:1000])
                return
            except RPCError as exc:
                if exc.status == RPCStatusCode.NOT_FOUND:  # it closed meanwhile
                    return
            await asyncio.sleep(every)


async def _stuck_workflow(
    client: Client, root_id: str, judged: dict[tuple[str, str, int], str | None]
) -> tuple[str, str] | None:
    """The id of a workflow of the run ``root_id`` whose workflow task keeps failing on the deadlock limit, and the
    SDK's message. ``judged`` keeps the failure read from a history, by workflow, run and history length: a stuck
    workflow's history does not grow, so it is read once."""
    from temporalio.api.enums.v1 import EventType

    queue: list[tuple[str, str | None]] = [(root_id, None)]
    described = 0
    while queue and described < _GUARD_MAX_DESCRIBED:
        workflow_id, run_id = queue.pop(0)
        workflow = client.get_workflow_handle(workflow_id, run_id=run_id)
        description = await workflow.describe()
        described += 1
        raw = description.raw_description
        queue.extend((child.workflow_id, child.run_id or None) for child in raw.pending_children)
        if raw.pending_workflow_task.attempt < _STUCK_ATTEMPTS:
            continue
        key = (workflow_id, description.run_id, description.history_length)
        if key not in judged:
            message = None
            async for event in workflow.fetch_history_events():
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                    message = event.workflow_task_failed_event_attributes.failure.message or "(no message)"
                elif event.event_type in (
                    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
                    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
                ):
                    message = None
            judged[key] = message
        message = judged[key]
        if message is not None and _DEADLOCK in message:
            return workflow_id, message
    return None


async def _watch_progress(
    handle: WorkflowHandle[Any, Any], tracer: ReplayTracer, interval: float = 0.5
) -> None:
    """Poll the top workflow's progress while a display reads it."""
    while True:
        await asyncio.sleep(interval)
        if not tracer.remote.watched:
            continue
        try:
            done, running = await handle.query("progress", result_type=list[int])
            tracer.remote.latest = (done, running)
        except RPCError as exc:
            if exc.status not in _SERVER_GONE:  # e.g. the workflow just closed
                return  # the server away for a while (the run's wait rides it out): asked again after it
        except Exception:  # noqa: BLE001 - a progress display never fails a run
            return


def _loader(store: PayloadStore) -> ListLoader:
    """Reads the run's stored lists back (see :mod:`pipelex.backends.temporal.stored`)."""
    return lambda ref: read_items(store, ref)


def _memory_from_graph(inputs: WorkingMemory, graph: ExecutionGraph, library: Library) -> WorkingMemory:
    """The inputs, plus the outputs of the succeeded steps directly under the main pipe's node."""
    from pipelex.concepts.natives import ListContent
    from pipelex.concepts.values import ContentError, to_content
    from pipelex.memory.stuff import Stuff

    memory = WorkingMemory(
        root=dict(inputs.root), aliases=dict(inputs.aliases), absences=dict(inputs.absences)
    )
    roots, children = graph.tree()
    for root in roots[:1]:
        for node in children.get(root.id, []):
            if node.status != "succeeded":
                continue
            for item in node.outputs:
                concept = library.concepts.concepts.get(item.concept)
                if concept is None or item.data is None:
                    continue
                try:
                    if item.multiplicity == "list" and is_list(item.data):
                        content: Any = ListContent(
                            items=[to_content(v, concept, library.concepts) for v in item.data]
                        )
                    else:
                        content = to_content(item.data, concept, library.concepts)
                except ContentError:  # recorded data that no longer fits: the graph still has it
                    continue
                memory.store(item.name, Stuff(stuff_name=item.name, concept=concept.ref, content=content))
    return memory
