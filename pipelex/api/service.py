"""What the routes call: a run or a validation, on the direct backend (here) or on Temporal (``api/temporal.py``).

The API is an adapter: the work is :class:`~pipelex.pipeline.runner.PipelexRunner` and
:func:`~pipelex.validation.report.validate_library`. On the direct backend runs execute on
:class:`RunLoops`: ``[api] run_threads`` threads, each running an event loop of its own, and a
validation sweep in a thread of the same number. Parsing, static checks, the run and the
serialisation of its result never hold the loop that answers HTTP, so ``/health`` and other requests
keep being answered while runs compute; many live runs (waiting on providers) interleave on a run
loop; and CPU-bound dry runs share few threads, which under the GIL is faster than many. At most
``[api] max_concurrent_runs`` runs and validations execute at once; more wait their turn. A result
leaves its thread as JSON bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pipelex.api.models import (
    AbsenceOut,
    BackendName,
    ExecuteRequest,
    ExecuteResponse,
    PipeOutputOut,
    StuffOut,
    UsageOut,
    ValidateRequest,
    ValidateResponse,
    WorkingMemoryOut,
)
from pipelex.api.problems import ApiProblem
from pipelex.api.security import InputPolicy, current_hold
from pipelex.backends.direct import DirectBackend
from pipelex.backends.protocol import Backend, PipelineOutput, PreparedRun
from pipelex.config.deck import ModelDeck, deck_for
from pipelex.config.settings import PipelexConfig
from pipelex.errors import BundleLoadError, LimitExceededError
from pipelex.memory.stuff import Absence
from pipelex.narrowing import is_json_object, is_list
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.tracing.graph import ExecutionGraph, GraphNode

if TYPE_CHECKING:
    from pipelex.api.isolation import IsolatedJob, IsolatedRunner
    from pipelex.api.protocol.files import MethodSources
    from pipelex.api.runs import RunRecord, RunStore

T = TypeVar("T")


class ApiBackend(Protocol):
    """Where the API's runs and validation sweeps happen."""

    name: BackendName

    def unknown_run_hint(self) -> str:
        """Why a run id may be unknown here, for the ``run.not_found`` problem."""
        ...

    async def execute(self, request: ExecuteRequest) -> bytes:
        """Run the request's pipe; return the :class:`ExecuteResponse` as JSON bytes (raise a pipelex error)."""
        ...

    async def validate(self, request: ValidateRequest) -> bytes:
        """Validate the request's bundles; return the :class:`ValidateResponse` as JSON bytes."""
        ...

    def serving(self) -> AbstractAsyncContextManager[None]:
        """Hold what the backend needs while the server runs (threads, a Temporal session); release it after."""
        ...

    async def start(self, request: ExecuteRequest, store: RunStore, sources: MethodSources) -> RunRecord:
        """Check the request (refuse a bad one now), start its run; the running run's record (its ``run_id``)."""
        ...

    async def lookup(self, run_id: str, store: RunStore) -> RunRecord | None:
        """A run ``store`` does not hold, read from where runs live (the Temporal server); None if unknown."""
        ...

    async def cancel(self, record: RunRecord, store: RunStore) -> RunRecord:
        """Stop a run in progress; its record as it stands after (cancelled, or still closing on Temporal)."""
        ...

    async def call(self, function: Callable[..., bytes], *args: Any) -> bytes:
        """``function(*args)``, a module-level function returning JSON bytes that loads an untrusted bundle (the
        tooling routes), under the bounds of a validation where this backend has them."""
        ...


def bundle_sources(mthds_contents: list[str]) -> list[tuple[str, str | None]]:
    """The ``(text, file name)`` pairs of request bundles; diagnostics name them ``<bundle N>``."""
    return [(text, f"<bundle {i + 1}>") for i, text in enumerate(mthds_contents)]


def run_mode_of(request: ExecuteRequest) -> PipeRunMode:
    """The run mode a request asks for."""
    return PipeRunMode.DRY if request.dry_run else PipeRunMode.LIVE


def without_local_paths(value: Any) -> Any:
    """JSON data of a run (contents, graph data) without the public URLs of stored images and documents that
    are not web URLs: ``file://`` names the server's storage folder, ``s3://`` its bucket (and prefix), which a
    caller can neither open nor should learn (the ``pipelex-storage://`` URI stays, and reads the blob back).
    Only an ``http(s)://`` public URL is kept. Shares every part it does not change."""
    if is_json_object(value):
        public = value.get("public_url")
        changed: dict[str, Any] | None = None
        if isinstance(public, str) and "url" in value and not _is_web_url(public):
            changed = {**value, "public_url": None}
        for key, item in value.items():
            if isinstance(item, dict | list):
                new = without_local_paths(item)
                if new is not item:
                    changed = changed if changed is not None else dict(value)
                    changed[key] = new
        return value if changed is None else changed
    if is_list(value):
        items = [without_local_paths(item) if isinstance(item, dict | list) else item for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def _is_web_url(url: str) -> bool:
    scheme = url.partition(":")[0].strip().lower()
    return scheme in ("http", "https") and ":" in url


def _graph_without_local_paths(graph: ExecutionGraph) -> ExecutionGraph:
    nodes: list[GraphNode] = []
    changed = False
    for node in graph.nodes:
        updates: dict[str, Any] = {}
        for side in ("inputs", "outputs"):
            items = getattr(node, side)
            new_items = [
                item.model_copy(update={"data": data})
                if (data := without_local_paths(item.data)) is not item.data
                else item
                for item in items
            ]
            if any(a is not b for a, b in zip(new_items, items, strict=True)):
                updates[side] = new_items
        nodes.append(node.model_copy(update=updates) if updates else node)
        changed = changed or bool(updates)
    return graph.model_copy(update={"nodes": nodes}) if changed else graph


def execute_response(output: PipelineOutput, *, backend: BackendName) -> ExecuteResponse:
    """The API document of a run's output (without the server's local paths: :func:`without_local_paths`)."""
    main = output.main_stuff
    main_out: StuffOut | AbsenceOut | None
    if main is None:
        main_out = None
    elif isinstance(main, Absence):
        main_out = AbsenceOut.model_validate(main.to_json())
    else:
        main_out = StuffOut.model_validate(without_local_paths(main.to_json()))
    memory = WorkingMemoryOut.model_validate(without_local_paths(output.working_memory.to_json()))
    return ExecuteResponse(
        pipeline_run_id=output.pipeline_run_id,
        pipe_output=PipeOutputOut(pipeline_run_id=output.pipeline_run_id, working_memory=memory),
        main_stuff_name=output.working_memory.aliases.get("main_stuff", "main_stuff"),
        main_stuff=main_out,
        pipe_code=output.pipe_code,
        run_mode=output.run_mode,
        backend=backend,
        graph=_graph_without_local_paths(output.graph),
        usage=UsageOut.model_validate(output.usage.to_json()),
    )


def prepare_run(
    request: ExecuteRequest, config: PipelexConfig, deck: ModelDeck, backend: Backend
) -> tuple[PipelexRunner, PreparedRun]:
    """Load and check the bundle, shape the inputs and apply the input policy, before anything runs: once.

    The run carries the server's IO policy (``config.served()``): every file or URL it reads, the inputs'
    and those its pipes build, goes through it. Raises the core's errors (bundle invalid, unknown pipe, bad
    input) and :class:`InputRefusedError`. The runner (on ``backend``) and its prepared run are returned:
    ``runner.execute_prepared(run)`` or ``backend.start(run)`` runs it without checking anything again.
    """
    config = config.served()
    runner = PipelexRunner(
        mthds_content=request.mthds_contents,
        pipe_run_mode=run_mode_of(request),
        settings=config.run_settings(),
        deck=deck,
        backend=backend,
        config=config,  # the run's store and tracing are the server's config, not whichever file is found
        inputs_hint='in the request\'s "inputs", or set "dry_run": true and "mock_inputs": true to mock them',
        dry_run_hint='send "dry_run": true',
        pipe_hint='in the request\'s "pipe_code"',
    )
    library = runner.load()
    runner.pick_pipe(library, request.pipe_code)  # an unknown pipe is refused before anything else
    if not request.dry_run and not config.api.allow_pipe_func:
        from pipelex.pipes.kinds import kind_of

        funcs = [e.code for e in library.pipes.values() if kind_of(e.blueprint).runs_user_code]
        if funcs:
            raise ApiProblem(
                "pipe-func-refused",
                f"the bundle has PipeFunc pipe(s) ({', '.join(funcs)}): a live run "
                "would import and call Python functions on this server, which its [api] config does "
                'not allow (allow_pipe_func); send "dry_run": true, or run it with the CLI',
                pipe_code=funcs[0],
            )
    run = runner.prepare(
        request.inputs,
        request.pipe_code,
        mock_inputs=request.mock_inputs,
        check_inputs=InputPolicy(runner.settings.io_policy).check,
    )
    return runner, run


def validate_texts(
    mthds_contents: list[str],
    config: PipelexConfig,
    deck: ModelDeck,
    *,
    allow_signatures: bool,
    backend: BackendName = "direct",
) -> ValidateResponse:
    """The whole validation of bundle texts, in this thread: the report plus the sweep's graph."""
    from pipelex.diagnostics import Diagnostic, ErrorType
    from pipelex.language.library import build_library
    from pipelex.validation.report import ValidationReport, validate_library
    from pipelex.validation.sweep import merge_sweep_graphs

    graphs: list[ExecutionGraph] = []
    try:
        library = build_library(bundle_sources(mthds_contents))
    except BundleLoadError as exc:
        unreadable = Diagnostic(
            error_type=ErrorType.FILE_UNREADABLE, message=str(exc), file=exc.file, line=exc.line
        )
        report = ValidationReport(
            is_valid=False,
            is_runnable=False,
            total_pipes=0,
            validated_pipes=[],
            errors=[unreadable],
            warnings=[],
            dry_run_sweep=False,
        )
    else:
        report = validate_library(
            library,
            deck,
            settings=config.run_settings(),
            allow_signatures=allow_signatures,
            allowed_to_fail=frozenset(config.dry_run.allowed_to_fail_pipes),
            graphs=graphs,
        )
    return ValidateResponse(**dict(report), graph=merge_sweep_graphs(graphs), backend=backend)


class RunLoops:
    """Event loops in threads of their own; a coroutine goes to the least busy one."""

    def __init__(self, count: int, *, name: str) -> None:
        self._loops = [asyncio.new_event_loop() for _ in range(count)]
        self._threads = [
            threading.Thread(target=loop.run_forever, name=f"{name}-{i}", daemon=True)
            for i, loop in enumerate(self._loops)
        ]
        self._busy = [0] * count  # only touched from the server's loop
        for thread in self._threads:
            thread.start()

    async def run(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run the coroutine ``make()`` builds on the least busy loop and wait for it."""
        index = min(range(len(self._loops)), key=self._busy.__getitem__)
        self._busy[index] += 1
        try:
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(make(), self._loops[index]))
        finally:
            self._busy[index] -= 1

    def stop(self) -> None:
        """Stop the loops (blocking: call it from a thread)."""
        for loop in self._loops:
            loop.call_soon_threadsafe(loop.stop)
        for thread, loop in zip(self._threads, self._loops, strict=True):
            thread.join()
            loop.close()


class DirectApiBackend:
    """Runs and sweeps on this machine: each in a worker process with a deadline and a memory ceiling
    (``[limits] run_isolation = "process"``, the default, see :mod:`pipelex.api.isolation`), or in this
    process off the server's event loop (``"thread"``: the deadline answers the client but cannot stop the
    work, and there is no memory ceiling)."""

    name: BackendName = "direct"

    def __init__(
        self, config: PipelexConfig, *, deck: ModelDeck | None = None, isolated: bool | None = None
    ) -> None:
        self.config = config.served()  # runs read what the server's [api] policy allows, not the CLI's [io]
        self.deck = deck or deck_for(config)  # the deck of this config ([models] over the default deck)
        self.core = DirectBackend()  # the core backend the runs execute on
        self._slots = asyncio.Semaphore(config.api.max_concurrent_runs)
        self._loops: RunLoops | None = None
        self._pool: ThreadPoolExecutor | None = None
        if isolated is None:
            isolated = config.limits.run_isolation == "process"
        self._isolated: IsolatedRunner | None = None
        if isolated:
            from pipelex.api.isolation import IsolatedRunner

            self._isolated = IsolatedRunner(self.config, self.deck, work=answer_isolated_job)

    @asynccontextmanager
    async def serving(self) -> AsyncGenerator[None, None]:
        """Start the run loops and the validation threads; stop them when the server stops."""
        self._loops = RunLoops(self.config.api.run_threads, name="pipelex-run")
        self._pool = ThreadPoolExecutor(
            max_workers=self.config.api.run_threads, thread_name_prefix="pipelex-validate"
        )
        try:
            yield
        finally:
            if self._isolated is not None:
                self._isolated.stop()
            loops, pool = self._loops, self._pool
            self._loops = self._pool = None
            await asyncio.get_running_loop().run_in_executor(None, pool.shutdown)
            await asyncio.get_running_loop().run_in_executor(None, loops.stop)

    async def execute(self, request: ExecuteRequest) -> bytes:
        """Run the pipe in a worker process, or on a run loop."""
        assert self._loops is not None, "the backend is not serving"
        loops = self._loops
        async with self._slots:
            if self._isolated is not None:
                return held_answer(await self._isolated.execute(request), self.config)
            answer = await self._within_deadline(loops.run(lambda: self.execute_here(request)))
            return held_answer(answer, self.config)

    async def execute_here(self, request: ExecuteRequest) -> bytes:
        """Run the pipe in this thread (its settings carry the config's ``[limits]``)."""
        return await self._execute(request)

    async def _execute(self, request: ExecuteRequest) -> bytes:
        runner, run = prepare_run(request, self.config, self.deck, self.core)
        output = await runner.execute_prepared(run)
        return checked_answer(
            execute_response(output, backend=self.name).model_dump_json().encode(), self.config
        )

    async def start(self, request: ExecuteRequest, store: RunStore, sources: MethodSources) -> RunRecord:
        """Check the request now (in a thread), then run it in the background like ``execute``; the run is a
        task of this server, its result kept in ``store``."""
        await self.call(check_run, request, self.config, self.deck, DirectBackend())
        record = store.new(backend=self.name, dry_run=request.dry_run, pipe_code=request.pipe_code)
        record.task = asyncio.create_task(run_into_store(self.execute, record, request, sources, store))
        return record

    async def lookup(self, run_id: str, store: RunStore) -> RunRecord | None:
        """Runs of this backend live in this server's memory only: one the store does not hold is unknown."""
        return None

    def unknown_run_hint(self) -> str:
        """Runs live in this server's memory, for a while."""
        return (
            f"it was never started here, or it finished more than {self.config.api.run_ttl_seconds} s ago, or "
            "newer runs took its place (runs of this server live in its memory)"
        )

    async def cancel(self, record: RunRecord, store: RunStore) -> RunRecord:
        """Cancel the run's task (its worker process, if any, is killed); the record is then cancelled."""
        task = record.task
        if task is not None and not task.done():
            record.cancel_requested = True
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(task)
        return record

    async def validate(self, request: ValidateRequest) -> bytes:
        """Validate in a worker process, or in a thread (the sweep runs its own event loop there)."""
        assert self._pool is not None, "the backend is not serving"
        pool = self._pool
        async with self._slots:
            if self._isolated is not None:
                return held_answer(await self._isolated.validate(request), self.config)
            running = asyncio.get_running_loop().run_in_executor(pool, self.validate_here, request)
            return held_answer(await self._within_deadline(running), self.config)

    async def call(self, function: Callable[..., bytes], *args: Any) -> bytes:
        """``function(*args)`` (module-level, returning JSON bytes) under the bounds of a validation: in a worker
        process, or in a thread within the deadline; the answer bounded and held (``held_answer``)."""
        async with self._slots:
            if self._isolated is not None:
                return held_answer(await self._isolated.call(function, *args), self.config)
            answer = await self._within_deadline(asyncio.to_thread(function, *args))
            return held_answer(checked_answer(answer, self.config), self.config)

    def validate_here(self, request: ValidateRequest) -> bytes:
        """Validate in this thread (its settings carry the config's ``[limits]``)."""
        return self._validate(request)

    async def _within_deadline(self, work: Awaitable[T]) -> T:
        """``work``, or a limit error past ``[limits] run_deadline_seconds`` (the thread itself runs on)."""
        deadline = self.config.limits.run_deadline_seconds
        try:
            return await asyncio.wait_for(work, timeout=deadline)
        except TimeoutError:
            raise LimitExceededError(
                f"the run took longer than its deadline of {deadline:g} s ([limits] run_deadline_seconds of the "
                "server): make it do less, or ask the server's operator for a longer deadline",
                limit="run_deadline_seconds",
                value=deadline,
            ) from None

    def _validate(self, request: ValidateRequest) -> bytes:
        response = validate_texts(
            request.mthds_contents,
            self.config,
            self.deck,
            allow_signatures=request.allow_signatures,
            backend=self.name,
        )
        return checked_answer(response.model_dump_json().encode(), self.config)


def checked_answer(answer: bytes, config: PipelexConfig) -> bytes:
    """``answer``, or a ``run-limit-exceeded`` when it is larger than the server holds for one request (``[api]
    max_held_body_bytes``): checked where the answer is made (a worker process), so the server never reads it."""
    budget = config.api.max_held_body_bytes
    if len(answer) > budget:
        raise LimitExceededError(
            f"the answer is {len(answer)} bytes, more than this server holds for one request ({budget} bytes, "
            "[api] max_held_body_bytes): make the run output less (fewer or smaller items, shorter texts), or "
            "ask the server's operator for a larger budget",
            limit="max_held_body_bytes",
            value=budget,
        )
    return answer


def held_answer(answer: bytes, config: PipelexConfig) -> bytes:
    """``answer`` (checked again), counted in its request's hold until it is sent (``max_held_body_bytes``; a
    started run's until the run ends): a 503 ``server-busy`` when the requests in progress hold too much."""
    checked_answer(answer, config)
    hold = current_hold()
    if hold is not None:
        hold.take(len(answer))
    return answer


async def run_into_store(
    execute: Callable[[ExecuteRequest], Awaitable[bytes]],
    record: RunRecord,
    request: ExecuteRequest,
    sources: MethodSources,
    store: RunStore,
) -> None:
    """Run a started request in this server and record its outcome (result, problem, or cancellation)."""
    from pipelex.api.problems import problem, problem_for_exception

    instance = f"/v1/runs/{record.run_id}"
    try:
        result = await execute(request)
    except asyncio.CancelledError:
        if record.cancel_requested:
            detail = f"the run {record.run_id} was cancelled (POST {instance}/cancel) before it finished"
            record.finish(
                problem=problem("run-cancelled", detail, instance=instance, run_id=record.run_id),
                cancelled=True,
            )
            store.settle(record)
        else:
            record.finish(
                problem=problem(
                    "internal-error",
                    "the server stopped before the run finished",
                    instance=instance,
                    run_id=record.run_id,
                    pipeline_run_id=record.run_id,
                )
            )
        raise
    except Exception as exc:  # every failure becomes the run's problem document
        record.finish(
            problem=problem_for_exception(exc, instance=instance, rename=sources.rename).model_copy(
                update={"run_id": record.run_id, "pipeline_run_id": record.run_id}
            )
        )
    else:
        record.finish(result_json=result)
    store.settle(record)


def check_run(request: ExecuteRequest, config: PipelexConfig, deck: ModelDeck, core: Backend) -> bytes:
    """Check a request as :func:`prepare_run` does on ``core``, raising what it raises (``/v1/start`` answers
    before its run; on Temporal, the server loads the method only after this check): loading an untrusted method
    takes memory and CPU, so it runs where a run would (the API backend's ``call``)."""
    prepare_run(request, config, deck, core)
    return b"{}"


class KeysOnWorkers(DirectBackend):
    """The core of :func:`check_run` for a run that starts on Temporal: what :func:`prepare_run` checks, but the
    provider keys, which live on the Temporal workers (they report a missing one), as ``TemporalBackend.check``
    says."""

    def check(self, run: PreparedRun) -> None:
        """Nothing here: the keys are the workers'."""


def answer_isolated_job(job: IsolatedJob) -> bytes:
    """Answer a request in a worker process of :class:`~pipelex.api.isolation.IsolatedRunner`: boot as the server
    did, then run or validate it here (the JSON of the response)."""
    if job.kind == "call":  # a tooling route's loading: no boot needed
        function, args = job.request
        return checked_answer(function(*args), job.config)
    from pipelex.boot import Pipelex

    if job.boot is not None:
        Pipelex.make(needs_inference=job.boot[0], config=job.boot[1])
    backend = DirectApiBackend(job.config, deck=job.deck, isolated=False)
    if job.kind == "execute":
        return asyncio.run(backend.execute_here(job.request))
    return backend.validate_here(job.request)
