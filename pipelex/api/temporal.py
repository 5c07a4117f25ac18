"""The Temporal backend of the runner API: runs on workers, and ``/validate`` as one ``act_dry_validate`` activity.

The server holds one Temporal session (client, and with no address configured an embedded dev server
and an in-process worker) for its whole life, so runs started with ``/start`` keep progressing after
their request returned. The session lives on an event loop of its own, in a thread: an in-process
worker's activities (a PipeFunc calling a blocking function, say) then never hold the loop that
answers HTTP requests. The request's checks that need no worker (bundle validity, pipe choice, input
shapes, the input policy, the PipeFunc refusal) run first, in a thread, and refuse a bad request before
anything is dispatched; the result is serialised in a thread too.

Runs go through the core :class:`~pipelex.backends.temporal.backend.TemporalBackend` (``self.core``), on the
session's loop: ``/execute`` runs the request prepared once; ``/start`` starts the run's workflow and answers
its workflow id; the ``/v1/runs/{id}`` routes read a run this server does not hold from the Temporal server
(:meth:`TemporalApiBackend.lookup`), so runs survive a restart of the API and are readable from any replica;
``/cancel`` cancels the workflow.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import AsyncGenerator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pipelex.api.models import BackendName, ExecuteRequest, ValidateRequest, ValidateResponse
from pipelex.api.problems import ApiProblem, problem_for_exception
from pipelex.api.protocol.files import MethodSources
from pipelex.api.runs import RunRecord, RunStore
from pipelex.api.service import execute_response, held_answer, prepare_run
from pipelex.config.deck import deck_for
from pipelex.config.settings import PipelexConfig
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.tracing.graph import ExecutionGraph
from pipelex.validation.report import ValidationReport

if TYPE_CHECKING:
    from pipelex.api.isolation import IsolatedRunner

T = TypeVar("T")

logger = logging.getLogger("pipelex.api")
# how long a cancelled caller waits for its run's workflow to be cancelled on the server (a query of its trace,
# 5 s at most, then the cancel request)
CANCEL_WAIT_SECONDS = 30.0


class TemporalApiBackend:
    """Runs dispatched to Temporal workers; validation sweeps as the single activity of ``WfDryValidate``."""

    name: BackendName = "temporal"

    def __init__(self, config: PipelexConfig, *, owner: str | None = None) -> None:
        self.config = config.served()  # runs read what the server's [api] policy allows, not the CLI's [io]
        self._pool = ThreadPoolExecutor(max_workers=config.api.run_threads, thread_name_prefix="pipelex-api")
        self._slots = asyncio.Semaphore(config.api.max_concurrent_runs)
        self._loop: asyncio.AbstractEventLoop | None = None  # set while serving
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._held: tuple[concurrent.futures.Future[None], asyncio.Event] | None = None
        self._reopen = asyncio.Lock()
        self._isolated: IsolatedRunner | None = (
            None  # worker processes of the tooling routes, made at first use
        )
        self.deck = deck_for(config)
        from pipelex.backends.temporal.backend import TemporalBackend

        # the core backend: runs, starts, reads and cancels workflows; each run's workflow ends at the server's
        # deadline (its execution timeout), as a run of the direct backend's worker processes does
        # its runs belong to ``owner`` (the fingerprint of this server's key, see pipelex.api.security.run_owner):
        # a run of the namespace another key started is no run here
        self.core = TemporalBackend(
            self.config, run_deadline_s=config.limits.run_deadline_seconds, owner=owner
        )

    @asynccontextmanager
    async def serving(self) -> AsyncGenerator[None, None]:
        """Hold a Temporal session, on the backend's own loop thread, while the server serves.

        The session must open when the server starts (an unreachable Temporal server stops the start). If it
        ends later (its in-process worker failed while the Temporal server was away), the next request
        opens a new one; a request while Temporal cannot be reached is a 503 ``backend-unavailable``.
        """
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="pipelex-api-temporal", daemon=True)
        thread.start()
        self._session_loop = loop
        try:
            await self._open_session()
            self._loop = loop
            yield
        finally:
            self._loop = None
            if self._isolated is not None:
                self._isolated.stop()
            await self._close_session()
            loop.call_soon_threadsafe(loop.stop)
            await asyncio.get_running_loop().run_in_executor(None, thread.join)
            loop.close()
            await asyncio.get_running_loop().run_in_executor(None, self._pool.shutdown)

    async def _open_session(self) -> None:
        """Open the held session on the session loop; raise when it cannot open."""
        from pipelex.backends.temporal import temporal_session

        loop = self._session_loop
        assert loop is not None
        opened: concurrent.futures.Future[None] = concurrent.futures.Future()
        stop = asyncio.Event()

        async def hold_session() -> None:
            try:
                async with temporal_session(self.config):
                    opened.set_result(None)
                    await stop.wait()
            except BaseException as exc:
                if not opened.done():
                    opened.set_exception(exc)
                raise

        held = asyncio.run_coroutine_threadsafe(hold_session(), loop)
        self._held = (held, stop)
        await asyncio.wrap_future(opened)

    async def _close_session(self) -> None:
        held = self._held
        if held is None:
            return
        future, stop = held
        self._held = None
        if not future.done() and self._session_loop is not None:
            self._session_loop.call_soon_threadsafe(stop.set)
        try:
            await asyncio.wrap_future(future)
        except BaseException:  # the session already failed: its error was answered (or logged) then
            logger.debug("the held Temporal session ended with an error", exc_info=True)

    async def _session(self) -> None:
        """Make sure a session is held: reopen it when the held one has ended."""
        held = self._held
        if held is not None and not held[0].done():
            return
        async with self._reopen:
            held = self._held
            if held is not None and not held[0].done():
                return
            await self._close_session()
            async with _translated():
                await self._open_session()
            logger.warning("the Temporal session was reopened")

    async def _on_session_loop(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._loop is None:  # pragma: no cover - routes only run while serving
            coroutine.close()
            raise ApiProblem(
                "backend-unavailable", "the Temporal session is not open (the server is stopping)"
            )
        try:
            await self._session()
        except BaseException:
            coroutine.close()
            raise
        ended = asyncio.Event()
        here = asyncio.get_running_loop()

        async def tracked() -> T:
            try:
                return await coroutine
            finally:
                here.call_soon_threadsafe(ended.set)

        future = asyncio.run_coroutine_threadsafe(tracked(), self._loop)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            # the caller gave up (a client gone, a cancel): the cancellation reaches the session loop's task, which
            # cancels the run's workflow on the server; wait for that (bounded), so that the caller's slot is
            # freed when the run is stopped, not while its cancellation is still on its way
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ended.wait(), timeout=CANCEL_WAIT_SECONDS)
            raise

    async def _check_isolated(self, request: ExecuteRequest) -> None:
        """Under ``[limits] run_isolation = "process"``, load the request's method in a worker process first,
        under a run's deadline and memory ceiling (:meth:`call`): a bundle is untrusted input, and this server
        then loads (to start its workflow) only a method a worker loaded within them. Raises what the check
        raises (``run-limit-exceeded``, ``bundle-invalid``, ...)."""
        if self.config.limits.run_isolation == "process":
            from pipelex.api.service import KeysOnWorkers, check_run

            await self.call(check_run, request, self.config, self.deck, KeysOnWorkers())

    async def execute(self, request: ExecuteRequest) -> bytes:
        """Check the request in a worker process, then here (to start it), run it on the workers, serialise the
        output."""
        loop = asyncio.get_running_loop()
        await self._check_isolated(request)
        async with self._slots:
            runner, run = await loop.run_in_executor(
                self._pool, prepare_run, request, self.config, self.deck, self.core
            )
            async with _translated():
                output = await self._on_session_loop(runner.execute_prepared(run))
            answer = await loop.run_in_executor(
                self._pool, lambda: execute_response(output, backend=self.name).model_dump_json().encode()
            )
            return held_answer(answer, self.config)  # bounded and held like a direct run's

    async def start(self, request: ExecuteRequest, store: RunStore, sources: MethodSources) -> RunRecord:
        """Check the request in a worker process, then here, start its workflow; the run id is the workflow id.
        Nothing is kept in this server: any replica (or this one after a restart) reads the run from the Temporal
        server."""
        loop = asyncio.get_running_loop()
        await self._check_isolated(request)
        _, run = await loop.run_in_executor(
            self._pool, prepare_run, request, self.config, self.deck, self.core
        )
        async with _translated():
            await self._on_session_loop(self.core.start(run))
        return RunRecord(
            run_id=run.run_id,
            backend=self.name,
            dry_run=request.dry_run,
            created_at=datetime.now(UTC),
            pipe_code=request.pipe_code,
        )

    async def lookup(self, run_id: str, store: RunStore) -> RunRecord | None:
        """The run as the Temporal server has it (None for an id that is not a run); a finished run is cached
        in ``store``."""
        from pipelex.backends.temporal.backend import is_run_id
        from pipelex.errors import RunNotFoundError

        if not is_run_id(run_id):  # not a workflow id we hand out: no round trip
            return None
        try:
            async with _translated():
                state = await self._on_session_loop(self.core.status(run_id))
        except RunNotFoundError:
            return None
        record = RunRecord(
            run_id=run_id,
            backend=self.name,
            dry_run=state.run_mode is PipeRunMode.DRY,
            created_at=_moment(state.started_at) or datetime.now(UTC),
            pipe_code=state.pipe_code,
        )
        if not state.is_finished:
            return record
        instance = f"/v1/runs/{run_id}"
        if state.output is not None:
            output = state.output
            result = await asyncio.get_running_loop().run_in_executor(
                self._pool, lambda: execute_response(output, backend=self.name).model_dump_json().encode()
            )
            record.finish(result_json=result)
        else:
            error = state.error or RuntimeError(f"the run {run_id} ended without a result")
            document = problem_for_exception(error, instance=instance).model_copy(
                update={"run_id": run_id, "pipeline_run_id": run_id}
            )
            record.finish(problem=document, cancelled=state.status == "cancelled")
        record.finished_at = _moment(state.finished_at) or record.finished_at
        store.keep(record)
        return record

    def unknown_run_hint(self) -> str:
        """Runs live on the Temporal server."""
        return "it was never started, it is not a run of this server's Temporal namespace, or another API key started it"

    async def cancel(self, record: RunRecord, store: RunStore) -> RunRecord:
        """Cancel the run's workflow on the Temporal server; the record as the server has it right after."""
        async with _translated():
            await self._on_session_loop(self.core.cancel(record.run_id))
        return await self.lookup(record.run_id, store) or record

    async def call(self, function: Callable[..., bytes], *args: Any) -> bytes:
        """A tooling route's loading (``function(*args)``): in a worker process of this server under the
        ``[limits]`` of a validation (``run_isolation = "process"``), else in a thread within the deadline."""
        from pipelex.api.service import answer_isolated_job, checked_answer

        async with self._slots:
            if self.config.limits.run_isolation == "process":
                if self._isolated is None:
                    from pipelex.api.isolation import IsolatedRunner

                    self._isolated = IsolatedRunner(self.config, self.deck, work=answer_isolated_job)
                return held_answer(await self._isolated.call(function, *args), self.config)
            deadline = self.config.limits.run_deadline_seconds
            try:
                answer = await asyncio.wait_for(asyncio.to_thread(function, *args), timeout=deadline)
            except TimeoutError:
                from pipelex.errors import LimitExceededError

                raise LimitExceededError(
                    f"loading the method took longer than its deadline of {deadline:g} s ([limits] "
                    "run_deadline_seconds of the server): send a smaller method",
                    limit="run_deadline_seconds",
                    value=deadline,
                ) from None
            return held_answer(checked_answer(answer, self.config), self.config)

    async def validate(self, request: ValidateRequest) -> bytes:
        """The whole validation on a worker, as one activity; the report and the sweep's graph in one round trip."""
        from pipelex.backends.temporal import validate_on_temporal

        async with self._slots, _translated():
            report = await self._on_session_loop(
                validate_on_temporal(
                    request.mthds_contents,
                    allow_signatures=request.allow_signatures,
                    config=self.config,
                    deadline_s=self.config.limits.run_deadline_seconds,
                )
            )
        fields = {name: getattr(report, name) for name in ValidationReport.model_fields}
        graph = report.graph or ExecutionGraph(
            graph_id=report.workflow_id,
            created_at=datetime.now(UTC).isoformat(),
            pipeline_run_id="validation",
            main_pipe="(validation sweep)",
            mode="dry",
            backend="temporal",
        )
        response = ValidateResponse(**fields, graph=graph, backend=self.name, workflow_id=report.workflow_id)
        return held_answer(response.model_dump_json().encode(), self.config)


@asynccontextmanager
async def _translated() -> AsyncGenerator[None, None]:
    """Temporal being unreachable is the server's state, not the request's fault: a 503 problem.

    The client learns only that the backend is unavailable (not the server's address); the cause goes to
    the log in one line, with the traceback only when debug logging is on.
    """
    from temporalio.service import RPCError

    from pipelex.errors import TemporalUnavailableError

    try:
        yield
    except (TemporalUnavailableError, RPCError) as exc:
        logger.warning("the Temporal backend is unavailable: %s", exc)
        logger.debug("the Temporal backend is unavailable", exc_info=exc)
        raise ApiProblem(
            "backend-unavailable",
            "the Temporal backend of this server cannot be reached right now: retry later (the server's "
            "operator finds the cause in its log)",
        ) from None


def _moment(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)
