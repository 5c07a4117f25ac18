"""The run context handed down the pipe tree, and the pipe-router protocol (direct or Temporal)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from pipelex.config.run_settings import RunSettings
from pipelex.inference.leaf import Generators
from pipelex.limits import RunCounts
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipes.inline import bound
from pipelex.record import FrozenRecord, Record

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from pipelex.language.library import Library, PipeEntry
    from pipelex.memory.stuff import Absence, PipeResult, Stuff, WorkingMemory
    from pipelex.tracing.tracer import GraphTracer


class PipeRouter(Protocol):
    """Decides where a pipe runs: in this process (direct) or on a worker (Temporal)."""

    async def run(
        self, entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, *, output_name: str
    ) -> PipeResult:
        """Run ``entry`` over ``memory`` and return its output (a stuff or an absence)."""
        ...

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
        """Run ``entry`` once per item of the list ``items`` (each stored under ``item_name``), in item order.

        Returns each item's result, or the batch's output list already assembled (a router that keeps long lists
        by reference: the items' absences are left out, as in the assembled list of the results)."""
        ...

    async def run_steps(
        self, entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, *, start: int, stop: int
    ) -> PipeResult:
        """Run the steps ``start`` to ``stop`` (excluded) of the sequence ``entry`` in order over ``memory`` (each
        result stored there, as :func:`pipelex.pipes.controllers.sequence.run_steps` does); the last one's result.

        A router may run them elsewhere (Temporal: chunks of a long sequence in child workflows), leaving ``memory``
        as running them here would."""
        ...


class OutputOverride(FrozenRecord):
    """A sequence step's ``nb_output`` / ``multiple_output``: run the step's pipe for a list of its output concept
    instead of its declared output (``item_count``: exactly that many items, ``nb_output``; None: a list of any
    length, ``multiple_output``). It concerns the step's pipe only, never the pipes that pipe calls."""

    item_count: int | None

    FIELDS = ("item_count",)

    def __init__(self, item_count: int | None = None) -> None:
        self.item_count = item_count

    @classmethod
    def of_step(cls, nb_output: int | None, multiple_output: bool | None) -> OutputOverride | None:
        """The override a step asks for, or None when it asks for the pipe's declared output."""
        if nb_output:
            return cls(item_count=nb_output)
        if multiple_output:
            return cls()
        return None

    def describe(self) -> str:
        """How the step wrote it, for messages."""
        return f"nb_output = {self.item_count}" if self.item_count is not None else "multiple_output = true"


class RunContext(Record):
    """What every pipe run needs: the library, the mode, the settings, the tracer, the router, the generators.

    ``generators`` hold the run's content generators, the live one bound to the run's model deck and store;
    bare ones (the default) run dry leaves only, and a live leaf there is a clear error.
    """

    library: Library
    run_mode: PipeRunMode
    settings: RunSettings
    tracer: GraphTracer
    router: PipeRouter
    generators: Generators
    # bounds the leaves in flight; made from settings.max_concurrency (an asyncio semaphore; inline, a bound
    # that never waits: see pipelex.pipes.inline)
    semaphore: AbstractAsyncContextManager[Any] | None
    depth: int
    parent_node: str | None
    stack: tuple[str, ...]
    # a sequence step's nb_output / multiple_output, for the pipe the step runs (reset for that pipe's sub-pipes)
    output_override: OutputOverride | None
    # what a pipe's run resolves from the library and never changes during the run (its output spec and concept,
    # its parsed input specs), shared by every context of the run: a batch resolves its branch's once, not per item
    resolved: dict[object, Any]
    # this run's pipe runs and the list items its pipes have output, so far (shared by every context of the run,
    # against [limits] max_pipe_runs and max_run_items: pipelex.limits.count_pipe_run, count_run_items)
    run_counts: RunCounts

    FIELDS = (
        "library",
        "run_mode",
        "settings",
        "tracer",
        "router",
        "generators",
        "semaphore",
        "depth",
        "parent_node",
        "stack",
        "output_override",
        "resolved",
        "run_counts",
    )

    def __init__(
        self,
        library: Library,
        run_mode: PipeRunMode,
        settings: RunSettings,
        tracer: GraphTracer,
        router: PipeRouter,
        generators: Generators | None = None,
        semaphore: AbstractAsyncContextManager[Any] | None = None,
        depth: int = 0,
        parent_node: str | None = None,
        stack: tuple[str, ...] = (),
        output_override: OutputOverride | None = None,
        resolved: dict[object, Any] | None = None,
        run_counts: RunCounts | None = None,
    ) -> None:
        self.library = library
        self.run_mode = run_mode
        self.settings = settings
        self.tracer = tracer
        self.router = router
        self.generators = Generators() if generators is None else generators
        self.semaphore = bound(settings.max_concurrency) if semaphore is None else semaphore
        self.depth = depth
        self.parent_node = parent_node
        self.stack = stack
        self.output_override = output_override
        self.resolved = {} if resolved is None else resolved
        self.run_counts = RunCounts() if run_counts is None else run_counts

    def count(self, unit: str, *, total: int | None = None, advance: int = 0) -> None:
        """Report the running controller's progress in ``unit`` (steps, items, branches) to progress displays."""
        if self.parent_node is not None:
            self.tracer.count(self.parent_node, unit, total=total, advance=advance)

    def child(self, node_id: str, pipe_ref: str) -> RunContext:
        """The context for the sub-pipes of node ``node_id``."""
        # a copy of the fields as ``replace`` makes, without its per-field work (once per pipe run);
        # the semaphore is shared
        sub = object.__new__(type(self))
        sub.__dict__.update(self.__dict__)
        sub.depth = self.depth + 1
        sub.parent_node = node_id
        sub.stack = (*self.stack, pipe_ref)
        sub.output_override = None
        return sub
