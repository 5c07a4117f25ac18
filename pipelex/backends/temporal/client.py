"""The client side of the Temporal backend: sessions (server, client, in-process workers), runs, validations.

A :func:`temporal_session` holds a connected client for the running event loop. With no server address
configured it starts the embedded local dev server (loopback only) and an in-process worker per task
queue, so ``pipelex run --temporal`` works on a fresh machine. Every function here reuses the session
active in the running loop, or opens one for its own duration.
"""

from __future__ import annotations

import asyncio
import gc
import uuid
import weakref
from collections.abc import AsyncGenerator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode

from pipelex.backends.temporal.codec import data_converter, payload_min_age, payload_store
from pipelex.backends.temporal.devserver import embedded_server
from pipelex.backends.temporal.payloads import (
    DispatchOptions,
    DryValidateOutcome,
    DryValidatePayload,
    LibraryRef,
    WireSettings,
)
from pipelex.config.settings import PipelexConfig
from pipelex.errors import LimitExceededError, TemporalUnavailableError
from pipelex.language.library import Library
from pipelex.tracing.graph import ExecutionGraph
from pipelex.validation.report import ValidationReport

WORKFLOW_ID_PREFIX = "pipelex-"
# the setting that set a run's deadline, as its error names it (kept in the run's memo: any replica says the same)
SERVER_DEADLINE = "[limits] run_deadline_seconds of the server"
CLIENT_DEADLINE = "[temporal] run_deadline_s"


@dataclass(frozen=True)
class RunDeadline:
    """A run's deadline (seconds from its start) and the setting it came from (which its error names)."""

    seconds: float
    setting: str


def deadline_error(deadline: RunDeadline | None) -> LimitExceededError:
    """The error of a run (or a validation) Temporal ended at its deadline: the direct backend's
    (``run_deadline_seconds``)."""
    if deadline is None:  # pragma: no cover - a run without a deadline has no execution timeout
        deadline = RunDeadline(0.0, "its workflow execution timeout")
    return LimitExceededError(
        f"the run took longer than its deadline of {deadline.seconds:g} s and was stopped ({deadline.setting}): "
        "make it do less (fewer items, smaller inputs, simpler templates), or "
        + (
            "ask the server's operator for a longer deadline"
            if deadline.setting == SERVER_DEADLINE
            else "raise that setting"
        ),
        limit="run_deadline_seconds",
        value=deadline.seconds,
    )


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
            queue_by_kind={str(kind): queue for kind, queue in t.queue_by_kind.items()},
            queue_by_model=dict(t.queue_by_model),
            activity_start_to_close_s=t.activity_start_to_close_s,
            activity_heartbeat_s=t.activity_heartbeat_s,
            retry_initial_interval_s=t.retry_initial_interval_s,
            retry_backoff=t.retry_backoff,
            retry_max_interval_s=t.retry_max_interval_s,
            retry_max_attempts=t.retry_max_attempts,
            batch_chunk_size=t.batch_chunk_size,
            slice_items_in_flight=t.slice_items_in_flight,
            sequence_chunk_size=t.sequence_chunk_size,
            inline_units_per_task=t.inline_units_per_task,
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
    store = payload_store(config.storage, payload_min_age(config))
    converter = data_converter(store=store, threshold=t.payload_offload_bytes)
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
async def temporal_session(config: PipelexConfig | None = None) -> AsyncGenerator[TemporalSession, None]:
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


@asynccontextmanager
async def _open_session(
    config: PipelexConfig | None, loop: asyncio.AbstractEventLoop
) -> AsyncGenerator[TemporalSession, None]:
    config = _config(config)
    t = config.temporal
    # started from this (the loop's) thread: the server lives as long as it, and ends with it
    address = t.address or embedded_server(t.namespace, ui=t.embedded_ui).address
    client = await connect(config, address)
    local_worker = t.in_process_worker if t.in_process_worker is not None else not t.address
    session = TemporalSession(client=client, config=config, address=address, has_local_worker=local_worker)
    async with AsyncExitStack() as stack:
        if local_worker:
            from pipelex.backends.temporal.worker import make_worker, task_queues, worker_refusal

            for queue in task_queues(t):
                try:
                    await stack.enter_async_context(
                        make_worker(
                            client,
                            queue,
                            config=config,
                            sticky_timeout_s=t.sticky_timeout_s,
                            rate_limit=t.queue_rate_limits.get(queue),
                        )
                    )
                except RuntimeError as exc:  # the SDK's worker validation (e.g. an unknown namespace)
                    raise worker_refusal(exc, t.namespace) from exc
            if gc.get_freeze_count():  # the process froze its collector (`pipelex run`): the worker joins it
                from pipelex.backends.temporal.worker import settle_collector

                settle_collector()
        _sessions[loop] = session
        try:
            yield session
        finally:
            _sessions.pop(loop, None)


def library_ref(library: Library) -> LibraryRef:
    """The library by value: the texts of its bundles (and their digest)."""
    return LibraryRef.of([(parsed.source_map.text, parsed.source_map.file) for parsed in library.bundles])


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
    deadline_s: float | None = None,
) -> TemporalValidationReport:
    """Validate bundle texts on a worker, as one activity (``act_dry_validate`` in ``WfDryValidate``).

    ``deadline_s``: the validation's deadline (the runner API's ``[limits] run_deadline_seconds``), its
    workflow's execution timeout; past it a :class:`~pipelex.errors.LimitExceededError`, as on the direct backend.
    """
    from temporalio.client import WorkflowFailureError
    from temporalio.exceptions import TimeoutError as TemporalTimeoutError

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
        try:
            outcome = await session.client.execute_workflow(
                "WfDryValidate",
                payload,
                id=workflow_id,
                task_queue=cfg.temporal.task_queue,
                result_type=DryValidateOutcome,
                execution_timeout=timedelta(seconds=deadline_s) if deadline_s is not None else None,
            )
        except WorkflowFailureError as exc:
            if deadline_s is not None and isinstance(exc.cause, TemporalTimeoutError):
                raise deadline_error(RunDeadline(deadline_s, SERVER_DEADLINE)) from None
            raise
    graph = ExecutionGraph.model_validate(outcome.graph) if outcome.graph is not None else None
    return TemporalValidationReport.model_validate(
        {**outcome.report, "graph": graph, "workflow_id": workflow_id, "worker": outcome.worker}
    )
