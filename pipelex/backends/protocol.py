"""The ``Backend`` protocol: where a whole run happens (this process, or Temporal workers), and what a run is.

A backend is chosen once, when a :class:`~pipelex.pipeline.runner.PipelexRunner` (or the runner API, or the
CLI) is made; nothing after that asks which one it is. Every backend does the same five things::

    session()          what its runs need open (a provider session; a Temporal client, server and workers)
    run(run, tracer)   run a prepared run and wait: its result, its memory filled, its graph in ``tracer``
    start(run)         start a prepared run without waiting: its run id (on Temporal, the workflow id)
    status(run_id)     where a started run stands: running, succeeded (with its output), failed, cancelled
    cancel(run_id)     cancel a started run

A run is prepared once, by the runner (:class:`PreparedRun`: the library validated, the pipe picked, the
inputs shaped and checked); the backend never validates or shapes again. The output of a run is built in
one place, :func:`build_output`, whether the run was waited for or fetched later by id.

Inside a run, *sub-pipes* are routed by the backend's :class:`~pipelex.pipes.context.PipeRouter`, the
in-run seam: the direct backend hands its :class:`~pipelex.backends.direct.DirectPipeRouter` to the run's
context; on Temporal, each workflow builds a ``TemporalPipeRouter`` for its job
(:mod:`pipelex.backends.temporal.router`), which makes controllers child workflows and leaves activities.

Layering: this module sits in ``backends/`` and imports nothing above it (no runner, no CLI, no API); the
runner, the CLI and the API import it. The backends themselves are chosen by :func:`pipelex.backends.backend_for`.
"""

# No ``from __future__ import annotations`` here: pydantic would evaluate every field's annotation from its text
# when it makes the classes (PipelineOutput and RunState, made in every run); written as objects, they are read as
# they are (~1-2 M instructions of a run less). Names only a type checker knows are quoted.
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from pipelex.config.deck import ModelDeck
from pipelex.config.run_settings import RunSettings
from pipelex.inference.leaf import Generators
from pipelex.language.library import Library, PipeEntry
from pipelex.memory.stuff import Absence, PipeResult, Stuff, WorkingMemory
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.record import Record
from pipelex.reporting.usage import UsageReport
from pipelex.tracing.graph import ExecutionGraph
from pipelex.tracing.rollup import roll_up
from pipelex.tracing.tracer import GraphTracer

if TYPE_CHECKING:
    from pipelex.config.settings import PipelexConfig

RunStateName = Literal["running", "succeeded", "failed", "cancelled"]


class PreparedRun(Record):
    """A run ready to go: everything checked once, before any backend sees it.

    ``memory`` holds the shaped inputs; a backend's :meth:`Backend.run` leaves it as the run leaves it.
    """

    run_id: str
    entry: PipeEntry
    library: Library
    memory: WorkingMemory
    mode: PipeRunMode
    settings: RunSettings
    deck: ModelDeck
    # the run's content generators (the live one bound to the run's deck and store): what the run needs beside
    # its leaves (pre-flight, provider session) is asked of the generator of its mode
    generators: Generators
    # the configuration the run was set up with (its [tracing] for the run's spans); None: no spans exported
    config: "PipelexConfig | None"
    graph_children_in_memory: int | None

    FIELDS = (
        "run_id",
        "entry",
        "library",
        "memory",
        "mode",
        "settings",
        "deck",
        "generators",
        "config",
        "graph_children_in_memory",
    )

    def __init__(
        self,
        run_id: str,
        entry: PipeEntry,
        library: Library,
        memory: WorkingMemory,
        mode: PipeRunMode,
        settings: RunSettings,
        deck: ModelDeck,
        generators: Generators | None = None,
        config: "PipelexConfig | None" = None,
        graph_children_in_memory: int | None = None,
    ) -> None:
        self.run_id = run_id
        self.entry = entry
        self.library = library
        self.memory = memory
        self.mode = mode
        self.settings = settings
        self.deck = deck
        self.generators = Generators() if generators is None else generators
        self.config = config
        self.graph_children_in_memory = graph_children_in_memory


class PipelineOutput(BaseModel):
    """What a run returns (made by :func:`build_output` only, from values typed already: not re-validated)."""

    # defer_build: a command that only writes a run's files never validates nor dumps this model as a whole
    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    pipeline_run_id: str
    pipe_code: str
    run_mode: PipeRunMode
    main_stuff: Stuff | Absence | None
    working_memory: WorkingMemory
    graph: ExecutionGraph
    usage: UsageReport

    def __repr__(self) -> str:
        # asyncio.run() reprs the main task (and so its result) when it restores the SIGINT handler: a default
        # repr of a 10,000-item run costs about a second
        return f"PipelineOutput(run={self.pipeline_run_id!r}, pipe={self.pipe_code!r}, mode={self.run_mode.value})"

    @property
    def warnings(self) -> list[str]:
        """The warnings recorded on the run's pipes (a reply cut off by the token limit, ...), in graph order."""
        return [message for node in self.graph.nodes for message in node.warnings]

    def main_stuff_json(self) -> Any:
        """The main output as JSON: the content of a stuff, or the absence record."""
        if self.main_stuff is None:
            return None
        if isinstance(self.main_stuff, Absence):
            return self.main_stuff.to_json()
        return self.main_stuff.content_json()


def store_result(memory: WorkingMemory, entry: PipeEntry, result: PipeResult) -> None:
    """Store a run's result in its memory (under its own name, or the pipe's code)."""
    if isinstance(result, Stuff):
        memory.store(result.stuff_name if result.stuff_name in memory.root else entry.code, result)
    else:
        memory.store(result.variable_name, result)


def build_output(
    *,
    run_id: str,
    entry: PipeEntry,
    mode: PipeRunMode,
    memory: WorkingMemory,
    graph: ExecutionGraph,
    result: PipeResult | None,
) -> PipelineOutput:
    """The output of a run, finished (``result``) or stopped (None): the one place a ``PipelineOutput`` is made.

    The result is stored in ``memory``; the usage is rolled up from the graph, where each leaf recorded its own
    (so a run waited for and the same run fetched later by id report the same tokens, cost and calls).
    """
    if result is not None:
        store_result(memory, entry, result)
    return PipelineOutput.model_construct(
        pipeline_run_id=run_id,
        pipe_code=entry.code,
        run_mode=mode,
        main_stuff=result,
        working_memory=memory,
        graph=graph,
        usage=roll_up(graph),
    )


class RunState(BaseModel):
    """Where a started run stands: its output once it succeeded, its error once it failed or was cancelled."""

    # defer_build: built when a started run is first asked about (the API, ``status``), never by ``pipelex run``
    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    run_id: str
    status: RunStateName
    pipe_code: str | None = None
    run_mode: PipeRunMode | None = None
    started_at: float | None = None  # epoch seconds
    finished_at: float | None = None
    output: PipelineOutput | None = None
    error: Exception | None = None  # a PipelexError (failed) or a RunCancelledError (cancelled)

    @property
    def is_finished(self) -> bool:
        """Whether the run ended (succeeded, failed or cancelled)."""
        return self.status != "running"


class Backend(Protocol):
    """Where whole runs happen (see the module docstring)."""

    @property
    def name(self) -> str:
        """The backend's name, recorded in the run's graph and in API answers (``direct``, ``temporal``)."""
        ...

    def session(self) -> AbstractAsyncContextManager[None]:
        """What this backend's runs need open around them; reused when one is already open in this loop."""
        ...

    def check(self, run: PreparedRun) -> None:
        """The checks this backend makes before anything is dispatched (e.g. provider keys where they are read)."""
        ...

    def new_run_id(self) -> str:
        """A fresh, unguessable run id in this backend's scheme."""
        ...

    def notices(self) -> list[str]:
        """What to tell a person before a run starts (where to watch it), one line each; often nothing."""
        ...

    def tracer(self, run: PreparedRun) -> GraphTracer:
        """The tracer the run's graph is built in; it also answers progress displays while the run goes."""
        ...

    def runs_inline(self, run: PreparedRun) -> bool:
        """Whether :meth:`run` of ``run`` never waits on anything (no I/O, no timer, no other task): it may then be
        driven without an event loop (:mod:`pipelex.pipes.inline`), and run again in one if it meets a nested
        group, so an attempt must leave nothing behind outside the run (no workflow started, no span sent)."""
        ...

    async def run(self, run: PreparedRun, tracer: GraphTracer) -> PipeResult:
        """Run and wait: the result; ``run.memory`` left as the run leaves it; the run's graph in ``tracer``.

        On failure the graph so far (the failure on its node) is in ``tracer``; the error is raised.
        """
        ...

    def memory_so_far(self, run: PreparedRun, graph: ExecutionGraph) -> WorkingMemory:
        """The memory of a run that stopped: what it holds here, or rebuilt from the graph's recorded outputs."""
        ...

    async def start(self, run: PreparedRun) -> str:
        """Start the run without waiting; return its run id (``run.run_id``)."""
        ...

    async def status(self, run_id: str) -> RunState:
        """Where a started run stands; raise :class:`~pipelex.errors.RunNotFoundError` for an unknown id."""
        ...

    async def cancel(self, run_id: str) -> bool:
        """Ask a started run to stop; False when it had already finished. Unknown id: ``RunNotFoundError``."""
        ...

    def release(self) -> None:
        """Release what outlives runs (the embedded Temporal dev server); a process calls it before it exits."""
        ...
