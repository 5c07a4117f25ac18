"""The validation sweep: every pipe dry-run in isolation with mock inputs, a status for each."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any, Self

from pydantic import BaseModel, ConfigDict

from pipelex.concepts.natives import constructed
from pipelex.config.run_settings import RunSettings
from pipelex.errors import PipelexError
from pipelex.language.library import Library, PipeEntry
from pipelex.memory.stuff import Stuff, WorkingMemory
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipes.context import PipeRouter, RunContext
from pipelex.tracing.names import NODE_STATUSES
from pipelex.tracing.tracer import GraphTracer, TracingError

if TYPE_CHECKING:
    # a sweep without ``graphs`` builds no graph: the graph's models are imported where one is built
    from pipelex.tracing.graph import ExecutionGraph, IOItem


class PipeStatus(StrEnum):
    """The verdict on one pipe."""

    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    SKIPPED = "SKIPPED"


class PipeVerdict(BaseModel):
    """One pipe's status and, for a failure, why."""

    # defer_build: the sweep makes its verdicts with :meth:`of`; the validator is built when one is validated
    # (a verdict read back from JSON)
    model_config = ConfigDict(defer_build=True)

    pipe_ref: str
    status: PipeStatus
    error_type: str | None = None
    message: str | None = None

    @classmethod
    def of(
        cls, pipe_ref: str, status: PipeStatus, *, error_type: str | None = None, message: str | None = None
    ) -> Self:
        """A verdict of values typed already (the sweep's own): made as ``model_construct`` makes it (every field
        given, so every field set), without its generic per-field work (a verdict per pipe of the sweep).

        The instances share one fields-set of the four fields, as the stuffs of a run do (``Stuff.of``): readers see
        an equal set, assigning a field adds a name already there, ``model_copy`` copies the set."""
        return constructed(
            cls,
            {"pipe_ref": pipe_ref, "status": status, "error_type": error_type, "message": message},
            _VERDICT_FIELDS if cls is PipeVerdict else None,
        )


# every field of a verdict: the fields-set the verdicts made by PipeVerdict.of share
_VERDICT_FIELDS = set(PipeVerdict.__pydantic_fields__)


class VerdictTracer(GraphTracer):
    """The tracer of a dry run whose graph nobody reads (a sweep without ``graphs``): it hands out node ids and
    checks what the runtime passes it, and records nothing.

    A verdict depends on the run, not on its trace: the nodes, edges, statuses, usage and progress counters a
    :class:`GraphTracer` keeps are only read when its graph is built, which this run never does (``build`` and the
    progress views are not available). Starting and ending a node costs a counter instead of a record.
    """

    records_io = False

    def __init__(self) -> None:
        """An empty tracer's state (what it inherits works on it), and a counter of node ids."""
        super().__init__(pipeline_run_id="validation", main_pipe="", domain="", mode="dry", records_io=False)
        self._started = 0

    def start_node(
        self,
        *,
        pipe_code: str,
        pipe_type: str,
        kind: str,
        description: str,
        domain: str,
        parent_id: str | None,
        inputs: list[IOItem],
        recorded_start: float | None = None,
        placement: dict[str, Any] | None = None,
    ) -> str:
        """A new node id (the kind checked as a recording tracer checks it)."""
        if kind not in ("controller", "operator"):
            raise TracingError(f"Unknown node kind {kind!r}: use 'controller' or 'operator'.")
        self._started += 1
        return f"validation:node_{self._started}"

    def end_node(
        self,
        node_id: str,
        *,
        status: str = "succeeded",
        outputs: list[IOItem] | None = None,
        error: str | None = None,
        usage: dict[str, Any] | None = None,
        recorded_end: tuple[float | None, float | None] | None = None,
    ) -> None:
        """Nothing to record (the status checked)."""
        _check_status(status)

    def mark(self, node_id: str, status: str, tag: str | None = None) -> None:
        """Nothing to record (the status checked)."""
        _check_status(status)

    def add_usage(self, node_id: str, usage: dict[str, Any]) -> None:
        """A dry run calls no provider: nothing to record."""

    def count(self, node_id: str, unit: str, *, total: int | None = None, advance: int = 0) -> None:
        """No progress display watches a sweep's runs."""

    def add_warning(self, node_id: str, message: str) -> None:
        """Warnings live on graph nodes: nothing to record."""

    def add_selected_outcome(self, condition_node_id: str, chosen_node_id: str, label: str) -> None:
        """The chosen outcome lives on the graph: nothing to record."""

    def last_child(self, parent_id: str, pipe_code: str) -> str | None:
        """No node is recorded: none to mark."""
        return None

    def build(self, *, usage: dict[str, Any] | None = None) -> ExecutionGraph:
        """Never built: a sweep that keeps graphs uses a recording tracer."""
        raise TracingError("a verdict tracer records no graph: give the sweep `graphs` to keep them")


def _check_status(status: str) -> None:
    if status not in NODE_STATUSES:
        raise TracingError(f"Unknown node status {status!r}: use one of {', '.join(NODE_STATUSES)}.")


class _SweepShared:
    """What the dry runs of one sweep share: they run pipes of one library with the same settings.

    - ``generators``: a sweep's runs have no live configuration (a live leaf is an error), so one set of content
      generators serves them all;
    - ``resolved``: what a run resolves from the library for a pipe (its output spec and concept, its parsed input
      specs, :mod:`pipelex.pipes.runtime`) depends on the pipe, the library and the settings' limits only, the
      same in every run of the sweep: a leaf resolved in its own run is not resolved again inside its caller's.
    """

    __slots__ = ("generators", "resolved")

    def __init__(self) -> None:  # noqa: D107
        from pipelex.inference.leaf import Generators

        self.generators = Generators()
        self.resolved: dict[object, Any] = {}


@cache
def _run_helpers() -> tuple[
    Callable[[PipeRunMode, RunSettings], RunSettings], Callable[..., dict[str, Stuff]]
]:
    """``settings_for`` and ``mock_inputs``, imported by the first dry run (cached: an import statement costs an
    import-system call per pipe of the sweep)."""
    from pipelex.inference.leaf import settings_for
    from pipelex.memory.inputs import mock_inputs

    return settings_for, mock_inputs


async def dry_run_pipe(
    entry: PipeEntry,
    library: Library,
    settings: RunSettings,
    router: PipeRouter,
    *,
    graphs: list[ExecutionGraph] | None = None,
    dry_settings: RunSettings | None = None,
    verdict_tracer: VerdictTracer | None = None,
    shared: _SweepShared | None = None,
) -> PipeVerdict:
    """Dry-run one pipe with mock inputs through ``router``; append its execution graph to ``graphs`` when given.

    ``dry_settings``: ``settings_for(PipeRunMode.DRY, settings)`` when the caller made it already (a sweep makes
    it once for all its pipes). ``verdict_tracer``: the tracer of a run without ``graphs``, when the caller shares
    one between its runs (it records nothing, so one run leaves nothing in it for the next). ``shared``: what
    the runs of one sweep share (see :class:`_SweepShared`)."""
    settings_for, mock_inputs = _run_helpers()
    tracer: GraphTracer
    if graphs is not None:
        tracer = GraphTracer(
            pipeline_run_id="validation", main_pipe=entry.code, domain=entry.domain, mode="dry"
        )
    else:
        tracer = verdict_tracer if verdict_tracer is not None else VerdictTracer()
    try:
        memory = WorkingMemory.with_inputs(
            mock_inputs(entry, library, {}, nb_list_items=settings.nb_list_items, optional=True)
        )
        ctx = RunContext(
            library=library,
            run_mode=PipeRunMode.DRY,
            # a dry run explores every outcome
            settings=dry_settings if dry_settings is not None else settings_for(PipeRunMode.DRY, settings),
            tracer=tracer,
            router=router,
            generators=shared.generators if shared is not None else None,
            resolved=shared.resolved if shared is not None else None,
        )
        await router.run(entry, memory, ctx, output_name=entry.code)
    except PipelexError as exc:
        cause = getattr(exc, "error_type", type(exc).__name__)
        if graphs is not None:
            graphs.append(tracer.build())
        return PipeVerdict.of(
            pipe_ref=entry.ref,
            status=PipeStatus.FAILURE,
            error_type="DryRunError",
            message=f"the dry run of {entry.code!r} failed ({cause}): {exc}",
        )
    if graphs is not None:
        graphs.append(tracer.build())
    return PipeVerdict.of(entry.ref, PipeStatus.SUCCESS)


async def sweep(
    library: Library,
    settings: RunSettings,
    router: PipeRouter,
    *,
    failed_statically: set[str],
    allowed_to_fail: frozenset[str] = frozenset(),
    graphs: list[ExecutionGraph] | None = None,
    blocked: dict[str, str] | None = None,
    allow_signatures: bool = False,
) -> list[PipeVerdict]:
    """Dry-run every pipe that passed the static checks (through ``router``, which decides where the pipes run);
    pipes that failed them are reported FAILURE.

    Signatures are SKIPPED unless ``allow_signatures``; pipes calling a pipe that failed are reported
    FAILURE, blocked by it (``blocked`` maps their refs to that pipe).

    When ``graphs`` is given, the execution graph of each pipe's dry run is appended to it
    (:func:`merge_sweep_graphs` makes one graph of them).
    """
    from pipelex.inference.leaf import settings_for

    verdicts: list[PipeVerdict] = []
    dry_settings = settings_for(PipeRunMode.DRY, settings)
    verdict_tracer = VerdictTracer() if graphs is None else None  # one for every run: it records nothing
    shared = _SweepShared()
    for entry in library.pipes.values():
        if entry.code in failed_statically or entry.ref in failed_statically:
            verdicts.append(
                PipeVerdict.of(
                    pipe_ref=entry.ref,
                    status=PipeStatus.FAILURE,
                    error_type="static",
                    message="failed the static checks (see errors)",
                )
            )
            continue
        if entry.is_signature and not allow_signatures:
            # the callers of a signature still dry-run (on a mock of its output); the signature itself is
            # dry-run only when signatures are accepted
            verdicts.append(
                PipeVerdict.of(
                    pipe_ref=entry.ref,
                    status=PipeStatus.SKIPPED,
                    message="a signature (contract only): dry-run as a mock of its output "
                    "with --allow-signatures",
                )
            )
            continue
        if blocked and entry.ref in blocked:
            verdicts.append(
                PipeVerdict.of(
                    pipe_ref=entry.ref,
                    status=PipeStatus.FAILURE,
                    error_type="static",
                    message=f"not dry-run: it depends on {blocked[entry.ref]!r}, which does not "
                    "validate (see errors)",
                )
            )
            continue
        verdict = await dry_run_pipe(
            entry,
            library,
            settings,
            router,
            graphs=graphs,
            dry_settings=dry_settings,
            verdict_tracer=verdict_tracer,
            shared=shared,
        )
        if verdict.status is PipeStatus.FAILURE and (
            entry.ref in allowed_to_fail or entry.code in allowed_to_fail
        ):
            verdict = verdict.model_copy(
                update={"status": PipeStatus.SUCCESS, "message": f"allowed to fail: {verdict.message}"}
            )
        verdicts.append(verdict)
    return verdicts


def merge_sweep_graphs(graphs: list[ExecutionGraph]) -> ExecutionGraph:
    """One graph of a validation sweep: every pipe's dry run is a root, nodes and edges kept as recorded.

    Node ids are prefixed by each run's graph id, so they never collide; no edge joins two pipes' runs
    (each ran in isolation on its own mock inputs).
    """
    from datetime import UTC, datetime

    from pipelex.tracing.graph import ExecutionGraph

    nodes = [node for graph in graphs for node in graph.nodes]
    edges = [edge for graph in graphs for edge in graph.edges]
    return ExecutionGraph(
        graph_id=uuid.uuid4().hex[:12],
        created_at=datetime.now(UTC).isoformat(),
        pipeline_run_id="validation",
        main_pipe="(validation sweep)",
        domain=graphs[0].domain if graphs else "",
        mode="dry",
        backend="direct",
        nodes=nodes,
        edges=edges,
        usage={"total": {}},
    )
