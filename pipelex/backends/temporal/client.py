"""The client side of the Temporal backend: sessions (server, client, in-process workers), runs, validations.

A :func:`temporal_session` holds a connected client for the running event loop. With no server address
configured it starts the embedded local dev server (loopback only) and an in-process worker per task
queue, so ``pipelex run --temporal`` works on a fresh machine. Every function here reuses the session
active in the running loop, or opens one for its own duration.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
import weakref
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode

from pipelex.backends.temporal.codec import data_converter, payload_store
from pipelex.backends.temporal.devserver import TemporalUnavailableError, embedded_server
from pipelex.backends.temporal.payloads import (
    ContentCodec,
    DispatchOptions,
    DryValidateOutcome,
    DryValidatePayload,
    LibraryRef,
    PipeRunOutcome,
    PipeRunPayload,
    TraceEvent,
    WireSettings,
)
from pipelex.backends.temporal.router import pipe_error_from
from pipelex.backends.temporal.stored import resolve_events, store_of
from pipelex.backends.temporal.tracing import RemoteProgress, ReplayTracer
from pipelex.config.run_settings import RunSettings
from pipelex.config.settings import PipelexConfig
from pipelex.language.library import Library, PipeEntry
from pipelex.memory.stuff import PipeResult, WorkingMemory
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.tracing.graph import ExecutionGraph
from pipelex.validation.report import ValidationReport

WORKFLOW_ID_PREFIX = "pipelex-"


@dataclass
class TemporalSession:
    """A connected client (and the in-process workers, if any) for one event loop."""

    client: Client
    config: PipelexConfig
    address: str
    has_local_worker: bool

    def dispatch_options(self) -> DispatchOptions:
        """The dispatch options workflow code needs (it cannot read the config)."""
        t = self.config.temporal
        return DispatchOptions(
            task_queue=t.task_queue,
            queue_by_kind=dict(t.queue_by_kind),
            queue_by_model=dict(t.queue_by_model),
            activity_start_to_close_s=t.activity_start_to_close_s,
            activity_heartbeat_s=t.activity_heartbeat_s,
            retry_initial_interval_s=t.retry_initial_interval_s,
            retry_backoff=t.retry_backoff,
            retry_max_interval_s=t.retry_max_interval_s,
            retry_max_attempts=t.retry_max_attempts,
            batch_chunk_size=t.batch_chunk_size,
        )


_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, TemporalSession] = weakref.WeakKeyDictionary()


def _config(config: PipelexConfig | None) -> PipelexConfig:
    if config is not None:
        return config
    from pipelex.boot import Pipelex

    return Pipelex.config()


async def connect(config: PipelexConfig, address: str | None = None) -> Client:
    """A client of the configured server (pydantic payloads, big ones by reference).

    Gives up after ``[temporal] connect_timeout_s`` with a :class:`TemporalUnavailableError` saying what was
    tried, why it failed (refused, unresolvable name, no answer) and how to start a server.
    """
    from pipelex.backends.temporal.runtime import install_runtime

    install_runtime()
    t = config.temporal
    target = address or t.address
    converter = data_converter(store=payload_store(config.storage), threshold=t.payload_offload_bytes)
    timeout = t.connect_timeout_s
    try:
        from pipelex.tracing.otel import temporal_interceptors

        client = await asyncio.wait_for(
            _connect_when_healthy(target, t.namespace, converter, timeout, temporal_interceptors(config)),
            timeout=timeout,
        )
    except TimeoutError as exc:
        raise _unreachable(
            target,
            t.namespace,
            f"no answer within {timeout:g} s (something may accept connections there without being a "
            "Temporal server: check the port)",
        ) from exc
    except ValueError as exc:  # the SDK refuses the target before connecting
        raise _unreachable(target, t.namespace, f"the address is not a valid host:port ({exc})") from exc
    except (RuntimeError, RPCError, OSError) as exc:
        raise _unreachable(target, t.namespace, connect_failure_reason(exc, target)) from exc
    try:  # an unknown namespace is refused here, before any worker starts on it
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=t.namespace), timeout=timedelta(seconds=timeout)
        )
    except RPCError as exc:
        raise server_refusal(exc, config) from exc
    return client


def _unreachable(target: str, namespace: str, reason: str) -> TemporalUnavailableError:
    return TemporalUnavailableError(
        f"cannot reach the Temporal server at {target!r} (namespace {namespace!r}): {reason}. Start one "
        "(`temporal server start-dev`), fix [temporal] address / PIPELEX_TEMPORAL_ADDRESS, or leave the address "
        "empty to use an embedded local dev server"
    )


def connect_failure_reason(exc: BaseException, target: str) -> str:
    """Why a connection failed, in words (the SDK's message is a Rust error's debug dump)."""
    text = str(exc)
    lowered = text.lower()
    host = target.rsplit(":", 1)[0]
    if "connection refused" in lowered:
        return "connection refused (nothing listens on that port)"
    if "dns error" in lowered or "lookup address" in lowered or "name or service not known" in lowered:
        return f"the host name {host!r} does not resolve"
    if "invalid" in lowered and ("uri" in lowered or "url" in lowered or "authority" in lowered):
        return "the address is not a valid host:port"
    if "timed out" in lowered or "deadline" in lowered:
        return "the connection timed out"
    if "connection reset" in lowered or "broken pipe" in lowered:
        return "the connection was closed by the other end (is it a Temporal server?)"
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return first[:300]


async def _connect_when_healthy(
    target: str,
    namespace: str,
    converter: DataConverter,
    timeout: float,
    interceptors: list[Any] | None = None,
) -> Client:
    # a server that just started accepts connections a moment before its frontend is healthy
    while True:
        try:
            return await Client.connect(
                target,
                namespace=namespace,
                data_converter=converter,
                interceptors=interceptors or [],
                connect_timeout=timedelta(seconds=timeout),
            )
        except RuntimeError as exc:
            if "not healthy yet" not in str(exc):
                raise
            await asyncio.sleep(0.1)


@asynccontextmanager
async def temporal_session(config: PipelexConfig | None = None) -> AsyncIterator[TemporalSession]:
    """The Temporal session of the running loop: reused when active, else opened for the block."""
    loop = asyncio.get_running_loop()
    active = _sessions.get(loop)
    if active is not None:
        try:
            yield active
        except RPCError as exc:  # the server went away (or refused) while the session was held
            raise server_refusal(exc, active.config) from exc
        return
    try:
        async with _open_session(config, loop) as session:
            yield session
    except RPCError as exc:  # the one place where the server's refusals become pipelex errors
        raise server_refusal(exc, config) from exc


def server_refusal(exc: RPCError, config: PipelexConfig | None) -> TemporalUnavailableError:
    """A readable error for a request the Temporal server refused."""
    t = _config(config).temporal
    if exc.status == RPCStatusCode.NOT_FOUND and "namespace" in exc.message.lower():
        return TemporalUnavailableError(
            f"the Temporal namespace {t.namespace!r} does not exist on {t.address or 'the embedded server'}: create it "
            f"(`temporal operator namespace create --namespace {t.namespace}`) or fix [temporal] namespace / "
            "PIPELEX_TEMPORAL_NAMESPACE"
        )
    if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
        return TemporalUnavailableError(
            f"the Temporal server at {t.address or 'the embedded server'} cannot be reached ({exc.status.name}: "
            f"{exc.message}): check that it runs, or fix [temporal] address / PIPELEX_TEMPORAL_ADDRESS"
        )
    return TemporalUnavailableError(
        f"the Temporal server refused a request ({exc.status.name}): {exc.message}"
    )


def worker_refusal(exc: RuntimeError, namespace: str) -> TemporalUnavailableError:
    """A readable error for a worker the server refused."""
    hint = (
        f": create the namespace (`temporal operator namespace create --namespace {namespace}`) or fix "
        "[temporal] namespace"
        if "not found" in str(exc).lower()
        else ""
    )
    return TemporalUnavailableError(
        f"the Temporal server refused the worker: {str(exc).split(': Status')[0]}{hint}"
    )


@asynccontextmanager
async def _open_session(
    config: PipelexConfig | None, loop: asyncio.AbstractEventLoop
) -> AsyncIterator[TemporalSession]:
    config = _config(config)
    t = config.temporal
    # started from this (the loop's) thread: the server lives as long as it, and ends with it
    address = t.address or embedded_server(t.namespace, ui=t.embedded_ui).address
    client = await connect(config, address)
    local_worker = t.in_process_worker if t.in_process_worker is not None else not t.address
    session = TemporalSession(client=client, config=config, address=address, has_local_worker=local_worker)
    async with AsyncExitStack() as stack:
        if local_worker:
            from pipelex.backends.temporal.worker import make_worker, task_queues

            for queue in task_queues(t):
                try:
                    await stack.enter_async_context(
                        make_worker(
                            client,
                            queue,
                            sticky_timeout_s=t.sticky_timeout_s,
                            rate_limit=t.queue_rate_limits.get(queue),
                        )
                    )
                except RuntimeError as exc:  # the SDK's worker validation (e.g. an unknown namespace)
                    raise worker_refusal(exc, t.namespace) from exc
        _sessions[loop] = session
        try:
            yield session
        finally:
            _sessions.pop(loop, None)


def library_ref(library: Library) -> LibraryRef:
    """The library by value: the texts of its bundles (and their digest)."""
    return LibraryRef.of([(parsed.source_map.text, parsed.source_map.file) for parsed in library.bundles])


def _payload(
    session: TemporalSession,
    entry: PipeEntry,
    memory: WorkingMemory,
    library: Library,
    *,
    run_mode: PipeRunMode,
    settings: RunSettings,
) -> tuple[PipeRunPayload, ContentCodec]:
    from pipelex.backends.temporal.stored import offload_lists

    codec = ContentCodec(library)
    wire_memory = codec.wire_memory(memory)
    chunk = session.config.temporal.batch_chunk_size
    if any(s.is_list and isinstance(s.content, list) and len(s.content) > chunk for s in wire_memory.stuffs):  # pyright: ignore[reportUnknownArgumentType]
        # long lists go to the payload store in parts: no workflow task handles them whole (see stored.py)
        wire_memory = offload_lists(wire_memory, store_of(session.client), chunk)
    payload = PipeRunPayload(
        library=library_ref(library),
        pipe_ref=entry.ref,
        output_name=entry.code,
        memory=wire_memory,
        run_mode=run_mode,
        settings=WireSettings.of(settings),
        dispatch=session.dispatch_options(),
    )
    return payload, codec


async def start_on_temporal(
    session: TemporalSession,
    entry: PipeEntry,
    memory: WorkingMemory,
    library: Library,
    *,
    run_mode: PipeRunMode,
    settings: RunSettings,
    pipeline_run_id: str,
) -> str:
    """Start the workflow of a run; return its workflow id."""
    payload, _ = _payload(session, entry, memory, library, run_mode=run_mode, settings=settings)
    workflow_id = f"{WORKFLOW_ID_PREFIX}{pipeline_run_id}"
    await session.client.start_workflow(
        "WfRunPipe",
        payload,
        id=workflow_id,
        task_queue=session.config.temporal.task_queue,
        result_type=PipeRunOutcome,
    )
    return workflow_id


async def run_on_temporal(
    entry: PipeEntry,
    memory: WorkingMemory,
    library: Library,
    *,
    run_mode: PipeRunMode,
    settings: RunSettings,
    pipeline_run_id: str,
    config: PipelexConfig | None = None,
    observer: Any = None,
    tracer: ReplayTracer | None = None,
) -> tuple[ReplayTracer, PipeResult]:
    """Run ``entry`` on Temporal and wait. ``memory`` is left as the run leaves it (like a direct run);
    returns the run's tracer (its graph is the run's graph) and the result.

    ``tracer``, when given, is the one replayed into: after a failure the caller still holds it, with what the
    workflow reported it did before failing (the failure on the node that failed).

    ``observer.current_tracer`` (e.g. a :class:`~pipelex.pipeline.runner.PipelexRunner`), when given, is set to a
    :class:`RemoteProgress` for progress displays while the run goes on.
    """
    from pipelex.tracing.otel import otel_run

    async with (
        temporal_session(config) as session,
        otel_run(session.config, entry.code, backend="temporal") as trace,
    ):
        payload, codec = _payload(session, entry, memory, library, run_mode=run_mode, settings=settings)
        if tracer is None:
            tracer = ReplayTracer(
                pipeline_run_id=pipeline_run_id,
                main_pipe=entry.code,
                domain=entry.domain,
                mode=run_mode.value,
                backend="temporal",
            )
        handle = (
            await session.client.start_workflow(  # under the run's span: the workflow's spans join its trace
                "WfRunPipe",
                payload,
                id=f"{WORKFLOW_ID_PREFIX}{pipeline_run_id}",
                task_queue=session.config.temporal.task_queue,
                result_type=PipeRunOutcome,
            )
        )
        watcher = None
        if observer is not None:
            remote = RemoteProgress()
            observer.current_tracer = remote
            watcher = asyncio.create_task(_watch_progress(handle, remote))
        store = store_of(session.client)
        try:
            outcome = await handle.result()
            tracer.replay(await asyncio.to_thread(resolve_events, outcome.events, store, codec))
        except WorkflowFailureError as exc:
            error, failure = pipe_error_from(exc.cause)
            if failure is not None:
                tracer.replay(await asyncio.to_thread(resolve_events, failure.events, store, codec))
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
            if watcher is not None:
                watcher.cancel()
            if trace is not None:  # the spans of the pipe runs, also those of a failed run so far
                trace.export(tracer.build())
    load = _loader(store)
    if outcome.memory is not None:
        back = await asyncio.to_thread(codec.memory, outcome.memory, load)
        memory.root, memory.aliases, memory.absences = back.root, back.aliases, back.absences
    return tracer, await asyncio.to_thread(codec.result, outcome.result, load)


def _loader(store: Any) -> Any:
    """Reads the run's stored lists back (see :mod:`pipelex.backends.temporal.stored`)."""
    from pipelex.backends.temporal.stored import read_items

    return lambda ref: read_items(store, ref)


async def _watch_progress(handle: Any, remote: RemoteProgress, interval: float = 0.5) -> None:
    """Poll the top workflow's progress while a display reads it."""
    while True:
        await asyncio.sleep(interval)
        if not remote.watched:
            continue
        try:
            done, running = await handle.query("progress", result_type=list[int])
            remote.latest = (done, running)
        except Exception:  # noqa: BLE001 - a progress display never fails a run (e.g. the workflow just closed)
            return


# ---------------------------------------------------------------------------------------------------- runs by id
class TemporalRunStatus(BaseModel):
    """Where a run started with :func:`start_pipeline_on_temporal` stands."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    pipeline_run_id: str
    status: Literal["running", "succeeded", "failed"]
    output: Any = None  # a PipelineOutput once succeeded
    error: str | None = None
    error_type: str | None = None


async def get_run_status(pipeline_run_id: str, *, config: PipelexConfig | None = None) -> TemporalRunStatus:
    """The status of a run, and its output once it succeeded (rebuilt from the workflow's history)."""
    from pipelex.backends.temporal.process import library_for
    from pipelex.pipeline.runner import PipelineOutput
    from pipelex.reporting.usage import roll_up

    async with temporal_session(config) as session:
        handle = session.client.get_workflow_handle(
            f"{WORKFLOW_ID_PREFIX}{pipeline_run_id}", result_type=PipeRunOutcome
        )
        try:
            description = await handle.describe()
        except RPCError as exc:
            from pipelex.errors import InputError

            raise InputError(f"no run {pipeline_run_id!r} on the Temporal server ({exc})") from exc
        if description.status == WorkflowExecutionStatus.RUNNING:
            return TemporalRunStatus(pipeline_run_id=pipeline_run_id, status="running")
        started = None
        async for event in handle.fetch_history_events():
            started = event.workflow_execution_started_event_attributes
            break
        assert started is not None
        [payload] = await session.client.data_converter.decode(started.input.payloads, [PipeRunPayload])
        assert isinstance(payload, PipeRunPayload)
        library, codec = library_for(payload.library)
        entry = library.pipes[payload.pipe_ref]
        tracer = ReplayTracer(
            pipeline_run_id=pipeline_run_id,
            main_pipe=entry.code,
            domain=entry.domain,
            mode=payload.run_mode.value,
            backend="temporal",
        )
        try:
            outcome = await handle.result()
        except WorkflowFailureError as exc:
            error, _ = pipe_error_from(exc.cause)
            return TemporalRunStatus(
                pipeline_run_id=pipeline_run_id,
                status="failed",
                error=str(error),
                error_type=error.error_type,
            )
    store = store_of(session.client)
    load = _loader(store)
    tracer.replay(await asyncio.to_thread(resolve_events, outcome.events, store, codec))
    memory = (
        await asyncio.to_thread(codec.memory, outcome.memory, load)
        if outcome.memory is not None
        else WorkingMemory()
    )
    result = await asyncio.to_thread(codec.result, outcome.result, load)
    from pipelex.pipeline.runner import store_result

    store_result(memory, entry, result)
    graph = tracer.build()
    usage = roll_up(graph)  # the leaves' usage travelled in the trace events: sum it as the runner does
    output = PipelineOutput(
        pipeline_run_id=pipeline_run_id,
        pipe_code=entry.code,
        run_mode=payload.run_mode,
        main_stuff=result,
        working_memory=memory,
        graph=graph,
        usage=usage,
    )
    return TemporalRunStatus(pipeline_run_id=pipeline_run_id, status="succeeded", output=output)


# ---------------------------------------------------------------------------------------------------- validation
class TemporalValidationReport(ValidationReport):
    """A validation report made on a worker, with the sweep's execution graph and the workflow id."""

    graph: ExecutionGraph | None = None
    workflow_id: str
    worker: str | None = None


async def validate_texts_on_temporal(
    mthds_contents: list[str],
    *,
    allow_signatures: bool = False,
    static_only: bool = False,
    config: PipelexConfig | None = None,
    bundle_path: str | None = None,
) -> TemporalValidationReport:
    """Validate bundle texts on a worker, as one activity (``act_dry_validate`` in ``WfDryValidate``)."""
    async with temporal_session(config) as session:
        cfg = session.config
        payload = DryValidatePayload(
            library=LibraryRef.of([(text, f"<bundle {i + 1}>") for i, text in enumerate(mthds_contents)]),
            settings=WireSettings.of(cfg.run_settings()),
            allow_signatures=allow_signatures,
            static_only=static_only,
            allowed_to_fail=list(cfg.dry_run.allowed_to_fail_pipes),
            bundle_path=bundle_path,
        )
        workflow_id = f"{WORKFLOW_ID_PREFIX}validate-{uuid.uuid4().hex}"
        outcome = await session.client.execute_workflow(
            "WfDryValidate",
            payload,
            id=workflow_id,
            task_queue=cfg.temporal.task_queue,
            result_type=DryValidateOutcome,
        )
    graph = ExecutionGraph.model_validate(outcome.graph) if outcome.graph is not None else None
    return TemporalValidationReport.model_validate(
        {**outcome.report, "graph": graph, "workflow_id": workflow_id, "worker": outcome.worker}
    )
