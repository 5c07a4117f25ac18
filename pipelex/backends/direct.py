"""The direct backend: every pipe runs in this process, in the caller's asyncio loop (a dry run may also run
without one: :meth:`DirectBackend.runs_inline`)."""

from __future__ import annotations

import contextlib
import time
import uuid
from typing import TYPE_CHECKING

from pipelex.backends.protocol import PreparedRun, RunState, build_output
from pipelex.config.run_settings import RunSettings
from pipelex.config.settings import PipelexConfig
from pipelex.errors import PipelexError, RunCancelledError, RunNotFoundError
from pipelex.inference.leaf import Generators
from pipelex.language.library import Library, PipeEntry
from pipelex.memory.stuff import PipeResult, WorkingMemory
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipes.context import RunContext
from pipelex.pipes.in_process import InProcessRouter
from pipelex.record import Record
from pipelex.tracing.graph import ExecutionGraph
from pipelex.tracing.tracer import GraphTracer

if TYPE_CHECKING:
    import asyncio


async def run_in_process(
    entry: PipeEntry,
    memory: WorkingMemory,
    library: Library,
    *,
    run_mode: PipeRunMode,
    settings: RunSettings,
    tracer: GraphTracer,
    generators: Generators | None = None,
    spans_config: PipelexConfig | None = None,
) -> PipeResult:
    """Run ``entry`` (and every pipe below it) in this process.

    ``generators``: the run's content generators (the live one bound to the run's deck and store); without
    them only dry leaves can run. ``spans_config``: a pipeline run (not a validation sweep) exports its spans
    to that configuration's ``[tracing]`` when it is on.
    """
    from pipelex.inference.leaf import settings_for

    router = DirectPipeRouter()
    ctx = RunContext(
        library=library,
        run_mode=run_mode,
        settings=settings_for(run_mode, settings),
        tracer=tracer,
        router=router,
        generators=generators or Generators(),
    )
    if spans_config is None:
        return await router.run(entry, memory, ctx, output_name=entry.code)
    from pipelex.tracing.otel import otel_run

    async with otel_run(spans_config, entry.code, backend="direct") as trace:
        try:
            return await router.run(entry, memory, ctx, output_name=entry.code)
        finally:
            if trace is not None:  # the spans of the pipe runs, also those of a failed run so far
                trace.export(tracer.build())


# the direct backend's router is the in-process one (the validation sweep uses it too)
DirectPipeRouter = InProcessRouter


class _Started(Record):
    """A run started with :meth:`DirectBackend.start`: its task, and what its state is built from."""

    run: PreparedRun
    tracer: GraphTracer
    task: asyncio.Task[PipeResult]
    started_at: float
    finished_at: float | None

    FIELDS = ("run", "tracer", "task", "started_at", "finished_at")

    def __init__(
        self,
        run: PreparedRun,
        tracer: GraphTracer,
        task: asyncio.Task[PipeResult],
        started_at: float,
        finished_at: float | None = None,
    ) -> None:
        self.run = run
        self.tracer = tracer
        self.task = task
        self.started_at = started_at
        self.finished_at = finished_at

    def settle(self, task: asyncio.Task[PipeResult]) -> None:
        """Note when the run ended; its error is read by ``status`` (never reported as unretrieved)."""
        self.finished_at = time.time()
        if not task.cancelled():
            task.exception()


class DirectBackend:
    """Runs in this process, in the caller's event loop (live runs share provider clients per run).

    Runs started with :meth:`start` are tasks of the loop that started them, kept by this backend instance
    (at most ``keep`` finished ones, oldest dropped first): they end with the process.
    """

    name = "direct"

    def __init__(self, *, keep: int = 1000) -> None:
        self._started: dict[str, _Started] = {}
        self._keep = keep

    def router(self) -> InProcessRouter:
        """The in-run router of this backend: sub-pipes run here, in this loop."""
        return InProcessRouter()

    def session(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Nothing to hold between runs: each live run opens its provider session in :meth:`run`."""
        return contextlib.nullcontext()

    def check(self, run: PreparedRun) -> None:
        """The provider keys are read here: the pre-flight of the run's generator (live: a missing key fails now,
        before anything runs; dry: nothing to check)."""
        from pipelex.pipes.kinds import model_calls

        run.generators.for_mode(run.mode).preflight(lambda: model_calls(run.entry, run.library))

    def new_run_id(self) -> str:
        """A random 128-bit id, as hex."""
        return uuid.uuid4().hex

    def notices(self) -> list[str]:
        """Nothing to announce: the run's progress shows here."""
        return []

    def tracer(self, run: PreparedRun) -> GraphTracer:
        """A graph tracer that is also the run's live progress."""
        return GraphTracer(
            pipeline_run_id=run.run_id,
            main_pipe=run.entry.code,
            domain=run.entry.domain,
            mode=run.mode.value,
            backend=self.name,
            children_in_memory=run.graph_children_in_memory,
        )

    def runs_inline(self, run: PreparedRun) -> bool:
        """A dry run here waits on nothing (every leaf is a mock, nothing is read or called): it may run without an
        event loop. Not when its spans are exported ([tracing] on): an attempt given up for a nested group would
        have sent its own span."""
        if run.mode is not PipeRunMode.DRY:
            return False
        if run.config is None:
            return True
        from pipelex.tracing.otel import traces_endpoint

        return traces_endpoint(run.config) is None

    async def run(self, run: PreparedRun, tracer: GraphTracer) -> PipeResult:
        """Run here, in this loop, and wait."""
        # live: provider clients shared by the run's calls (closed at its end), calls in flight bounded
        async with run.generators.for_mode(run.mode).session():
            return await run_in_process(
                run.entry,
                run.memory,
                run.library,
                run_mode=run.mode,
                settings=run.settings,
                tracer=tracer,
                generators=run.generators,
                spans_config=run.config,
            )

    def memory_so_far(self, run: PreparedRun, graph: ExecutionGraph) -> WorkingMemory:
        """The memory the run filled, here."""
        return run.memory

    async def start(self, run: PreparedRun) -> str:
        """Start the run as a task of the running loop; return its id."""
        import asyncio

        self._forget_oldest()
        tracer = self.tracer(run)
        task = asyncio.get_running_loop().create_task(self.run(run, tracer), name=f"pipelex-run-{run.run_id}")
        started = _Started(run=run, tracer=tracer, task=task, started_at=time.time())
        task.add_done_callback(started.settle)
        self._started[run.run_id] = started
        return run.run_id

    async def status(self, run_id: str) -> RunState:
        """The state of a run this backend started."""
        started = self._get(run_id)
        run, task = started.run, started.task
        if task.done() and started.finished_at is None:  # its done callback has not run yet
            started.finished_at = time.time()
        state = RunState(
            run_id=run_id,
            status="running",
            pipe_code=run.entry.code,
            run_mode=run.mode,
            started_at=started.started_at,
            finished_at=started.finished_at,
        )
        if not task.done():
            return state
        if task.cancelled():
            return state.model_copy(
                update={
                    "status": "cancelled",
                    "error": RunCancelledError(f"the run {run_id} was cancelled", run_id=run_id),
                }
            )
        graph = started.tracer.build()
        error = task.exception()
        if error is not None:
            if isinstance(error, PipelexError) and error.partial_output is None:
                error.partial_output = build_output(
                    run_id=run_id, entry=run.entry, mode=run.mode, memory=run.memory, graph=graph, result=None
                )
            return state.model_copy(update={"status": "failed", "error": error})
        output = build_output(
            run_id=run_id,
            entry=run.entry,
            mode=run.mode,
            memory=run.memory,
            graph=graph,
            result=task.result(),
        )
        return state.model_copy(update={"status": "succeeded", "output": output})

    async def cancel(self, run_id: str) -> bool:
        """Cancel the run's task; False when it had already finished."""
        started = self._get(run_id)
        if started.task.done():
            return False
        started.task.cancel()
        with contextlib.suppress(BaseException):  # its outcome is read with status()
            await started.task
        return True

    def release(self) -> None:
        """Nothing outlives a direct run."""

    def _get(self, run_id: str) -> _Started:
        started = self._started.get(run_id)
        if started is None:
            raise RunNotFoundError(
                f"no run {run_id!r} was started on this direct backend (runs live in the process that started "
                "them): check the id",
                run_id=run_id,
            )
        return started

    def _forget_oldest(self) -> None:
        finished = [k for k, s in self._started.items() if s.task.done()]
        for run_id in finished[: max(0, len(self._started) - self._keep + 1)]:
            del self._started[run_id]
