"""The in-process execution-graph recorder.

The runtime calls :meth:`GraphTracer.start_node` when a pipe run starts and
:meth:`GraphTracer.end_node` when it ends, then :meth:`GraphTracer.build` for the
:class:`~pipelex.tracing.graph.ExecutionGraph`. Every call is O(1) apart from a walk up the
node's ancestors when one of its inputs has a known producer, so tracing a 10,000-node run
costs milliseconds; the pydantic models are only built in :meth:`GraphTracer.build`.

Data edges: the tracer remembers, for each output digest, the *first* node that produced it.
Children end before their controller, so a controller that merely passes its last child's output
up never shadows the child: the edge starts at the deepest, earliest producer. A node started
with an input whose digest has a producer gets a ``data`` edge producer → node (label = input
name), unless the producer is one of the node's ancestors. Nodes marked ``checked`` or
``skipped`` (e.g. condition outcomes dry-run on a copy of the memory) never count as producers.

The tracer is safe to call from several threads (a lock guards the state); in asyncio code it
costs nothing more than the calls themselves.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, cast

from pipelex.record import FrozenRecord, Record
from pipelex.redaction import redact
from pipelex.tracing.names import NODE_STATUSES, RunModeName

if TYPE_CHECKING:
    # the graph's models are imported by the methods that build them: a validation sweep never does
    from pipelex.tracing.graph import ExecutionGraph, IOItem
    from pipelex.tracing.spill import GraphSpill


class Counter(FrozenRecord):
    """How far a controller is through its work, in one unit (``steps``, ``items``, ``branches``)."""

    unit: str
    done: int
    total: int
    started_perf: float

    __slots__ = ("unit", "done", "total", "started_perf")
    FIELDS = __slots__

    def __init__(self, unit: str, done: int, total: int, started_perf: float) -> None:
        self.unit = unit
        self.done = done
        self.total = total
        self.started_perf = started_perf


class _Count(Record):
    """A counter as the tracer moves it (one item at a time in a batch); read as a :class:`Counter`."""

    unit: str
    done: int
    total: int
    started_perf: float

    __slots__ = ("unit", "done", "total", "started_perf")
    FIELDS = __slots__

    def __init__(self, unit: str, done: int, total: int, started_perf: float) -> None:
        self.unit = unit
        self.done = done
        self.total = total
        self.started_perf = started_perf

    def frozen(self) -> Counter:
        return Counter(unit=self.unit, done=self.done, total=self.total, started_perf=self.started_perf)


class ProgressSnapshot(FrozenRecord):
    """A run's progress as a progress display shows it."""

    finished: int
    running: int
    elapsed_s: float
    controller: str | None  # the innermost running controller: "PipeBatch 'label_every_crate'"
    counters: tuple[Counter, ...]  # that controller's counters
    eta_s: float | None  # from the outermost counter of uniform work (items), else of steps
    cost_usd: float | None  # none: not known here (a run on the workers, before its events come back)
    unpriced: bool  # some calls so far had no price: their cost is not in ``cost_usd``

    __slots__ = (
        "finished",
        "running",
        "elapsed_s",
        "controller",
        "counters",
        "eta_s",
        "cost_usd",
        "unpriced",
    )
    FIELDS = __slots__

    def __init__(
        self,
        finished: int,
        running: int,
        elapsed_s: float,
        controller: str | None = None,
        counters: tuple[Counter, ...] = (),
        eta_s: float | None = None,
        cost_usd: float | None = None,
        unpriced: bool = False,
    ) -> None:
        self.finished = finished
        self.running = running
        self.elapsed_s = elapsed_s
        self.controller = controller
        self.counters = counters
        self.eta_s = eta_s
        self.cost_usd = cost_usd
        self.unpriced = unpriced


CHECKED_OUTCOME_TAG = "checked_outcome"
SELECTED_OUTCOME_TAG = "selected_outcome"
_INERT_STATUSES = frozenset({"checked", "skipped"})


class TracingError(ValueError):
    """The tracer was called with an unknown node id or an invalid value (a runtime bug)."""


class _NodeRecord(Record):
    id: str
    path: str
    kind: str
    pipe_code: str
    pipe_type: str
    description: str
    domain: str
    parent_id: str | None
    started_at: float
    started_perf: float
    inputs: list[IOItem]
    status: str
    ended_at: float | None
    duration: float | None
    outputs: list[IOItem]
    error: str | None
    usage: dict[str, Any] | None
    tags: list[str]
    children: list[str]
    warnings: list[str]
    placement: dict[str, Any] | None  # where it ran, when another process ran it (Temporal)
    fold: bool  # past its parent's in-memory bound: folded to disk when it ends without a failure
    counter: int  # its recording rank (the ``n`` of its id ``<graph_id>:node_<n>``)

    __slots__ = (
        "id",
        "path",
        "kind",
        "pipe_code",
        "pipe_type",
        "description",
        "domain",
        "parent_id",
        "started_at",
        "started_perf",
        "inputs",
        "status",
        "ended_at",
        "duration",
        "outputs",
        "error",
        "usage",
        "tags",
        "children",
        "warnings",
        "placement",
        "fold",
        "counter",
    )
    FIELDS = __slots__

    def __init__(
        self,
        id: str,
        path: str,
        kind: str,
        pipe_code: str,
        pipe_type: str,
        description: str,
        domain: str,
        parent_id: str | None,
        started_at: float,
        started_perf: float,
        inputs: list[IOItem],
        status: str = "running",
        ended_at: float | None = None,
        duration: float | None = None,
        outputs: list[IOItem] | None = None,
        error: str | None = None,
        usage: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        children: list[str] | None = None,
        warnings: list[str] | None = None,
        placement: dict[str, Any] | None = None,
        fold: bool = False,
        counter: int = 0,
    ) -> None:
        self.id = id
        self.path = path
        self.kind = kind
        self.pipe_code = pipe_code
        self.pipe_type = pipe_type
        self.description = description
        self.domain = domain
        self.parent_id = parent_id
        self.started_at = started_at
        self.started_perf = started_perf
        self.inputs = inputs
        self.status = status
        self.ended_at = ended_at
        self.duration = duration
        self.outputs = [] if outputs is None else outputs
        self.error = error
        self.usage = usage
        self.tags = [] if tags is None else tags
        self.children = [] if children is None else children
        self.warnings = [] if warnings is None else warnings
        self.placement = placement
        self.fold = fold
        self.counter = counter


class _Fold(Record):
    """The folded children of one controller (see :mod:`pipelex.tracing.spill`)."""

    index: int
    parent: str
    runs: int
    nodes: int
    statuses: dict[str, int]
    usage: Any  # a UsageReport, when a folded leaf recorded usage
    absorbed: bool  # its controller was folded too: counted in the outer fold

    __slots__ = ("index", "parent", "runs", "nodes", "statuses", "usage", "absorbed")
    FIELDS = __slots__

    def __init__(
        self,
        index: int,
        parent: str,
        runs: int = 0,
        nodes: int = 0,
        statuses: dict[str, int] | None = None,
        usage: Any = None,
        absorbed: bool = False,
    ) -> None:
        self.index = index
        self.parent = parent
        self.runs = runs
        self.nodes = nodes
        self.statuses = {} if statuses is None else statuses
        self.usage = usage
        self.absorbed = absorbed


class _EdgeRecord(Record):
    """An edge; its id is ``<graph_id>:edge_<its index in the run's edges>`` (not kept: one per batch item)."""

    kind: str
    source: str
    target: str
    label: str | None
    stuff_digest: str | None

    __slots__ = ("kind", "source", "target", "label", "stuff_digest")
    FIELDS = __slots__

    def __init__(
        self, kind: str, source: str, target: str, label: str | None = None, stuff_digest: str | None = None
    ) -> None:
        self.kind = kind
        self.source = source
        self.target = target
        self.label = label
        self.stuff_digest = stuff_digest


def _normalize_mode(mode: Any) -> RunModeName:
    value = str(getattr(mode, "value", mode)).lower()
    if value not in ("live", "dry"):
        raise TracingError(f"Unknown run mode {mode!r} for the graph tracer: use 'live' or 'dry'.")
    return value


def _check_status(status: str) -> None:
    if status not in NODE_STATUSES:
        raise TracingError(f"Unknown node status {status!r}: use one of {', '.join(NODE_STATUSES)}.")


def _eta(counters: list[tuple[int, Counter]], now: float) -> float | None:
    """Time left by the outermost counter of items (uniform work), else of anything, that has moved."""
    moved = [c for _, c in counters if c.done and c.total]
    if not moved:
        return None
    best = next((c for c in moved if c.unit == "items"), moved[0])
    rate = (now - best.started_perf) / best.done
    return rate * (best.total - best.done)


def _add_usage(total: dict[str, Any], usage: dict[str, Any], *, keep_labels: bool = False) -> None:
    """Sum the numbers of ``usage`` into ``total``, recursing into sub-dicts; ignore the rest, except labels
    (strings) and flags (booleans) when ``keep_labels``: then the first label seen for a key stays, and a flag
    is true when any part sets it."""
    for key, value in usage.items():
        if isinstance(value, bool):  # a flag (``unpriced``): true when any part says so
            if keep_labels:
                total[key] = bool(total.get(key)) or value
            continue
        if isinstance(value, (int, float)):
            previous = total.get(key, 0)
            if isinstance(previous, (int, float)) and not isinstance(previous, bool):
                total[key] = previous + value
        elif isinstance(value, dict):
            sub = total.get(key)
            if not isinstance(sub, dict):
                sub = {}
                total[key] = sub
            _add_usage(cast(dict[str, Any], sub), cast(dict[str, Any], value), keep_labels=keep_labels)
        elif keep_labels and isinstance(value, str):
            total.setdefault(key, value)


class GraphTracer:
    """Records the pipe runs of one pipeline run and builds its :class:`ExecutionGraph`."""

    records_io: bool = True  # a class default too: subclasses that skip __init__ (EventTracer) record IO
    # no in-memory bound unless given (also for subclasses that record events instead of nodes)
    _children_in_memory: int | None = None
    # the runtime's record of the last contents it recorded (see :func:`pipelex.pipes.runtime.io_item`): a step's
    # output is the next step's input, digested once; None for subclasses that skip __init__
    io_memo: dict[int, tuple[object, Any, str | None]] | None = None

    def __init__(
        self,
        *,
        pipeline_run_id: str,
        main_pipe: str,
        domain: str,
        mode: str,
        backend: str = "direct",
        include_data: bool = True,
        graph_id: str | None = None,
        children_in_memory: int | None = None,
        records_io: bool = True,
    ) -> None:
        """``children_in_memory``: children of one controller kept as nodes; the runs past it are folded to disk
        (:mod:`pipelex.tracing.spill`) when they end without a failure. None keeps every node in memory.

        ``records_io=False``: the runtime gives the nodes no inputs or outputs (no digests, no data, no data edges),
        for a run whose graph nobody reads (the validation sweep without ``graphs``)."""
        self.pipeline_run_id = pipeline_run_id
        self.main_pipe = main_pipe
        self.domain = domain
        self.mode: RunModeName = _normalize_mode(mode)
        self.backend = str(getattr(backend, "value", backend))
        self.include_data = include_data
        self.records_io = records_io
        self.io_memo = {}
        self.graph_id = graph_id or os.urandom(6).hex()  # 12 random hex digits
        self.created_at = datetime.now(UTC).isoformat()
        self._nodes: dict[str, _NodeRecord] = {}
        self._edges: list[_EdgeRecord] = []
        self._children_in_memory = children_in_memory
        self._spill: GraphSpill | None = None
        self._folds: dict[str, _Fold] = {}  # by controller node id
        self._folded_count = 0
        self._producers: dict[str, str] = {}
        self._node_count = 0
        self._last_child: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        # progress: running node ids, running controllers, counters per controller node, cost so far
        self._started_perf = time.perf_counter()
        self._running: set[str] = set()
        self._running_controllers: dict[str, _NodeRecord] = {}
        self._counters: dict[str, dict[str, _Count]] = {}
        self._cost_usd = 0.0
        self._unpriced = False

    # ------------------------------------------------------------------ recording

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
        """Record the start of a pipe run and return its node id.

        Adds a ``contains`` edge from ``parent_id`` and a ``data`` edge from the producer of each
        input digest already seen. A run recorded elsewhere (replayed from a Temporal trace) gives its own
        ``recorded_start`` (epoch seconds) and ``placement`` (where it ran).
        """
        if kind not in ("controller", "operator"):
            raise TracingError(f"Unknown node kind {kind!r}: use 'controller' or 'operator'.")
        started_at = time.time() if recorded_start is None else recorded_start
        started_perf = time.perf_counter()
        inputs = self._prepare_items(inputs)
        with self._lock:
            parent: _NodeRecord | None = None
            if parent_id is not None:
                parent = self._nodes.get(parent_id)
                if parent is None:
                    raise TracingError(f"Unknown parent node id {parent_id!r} for pipe '{pipe_code}'.")
            counter = self._node_count
            node_id = f"{self.graph_id}:node_{counter}"
            self._node_count += 1
            record = _NodeRecord(  # by position (once per pipe run: binding thirteen names costs more)
                node_id,
                f"{parent.path}/{pipe_code}" if parent is not None else pipe_code,
                kind,
                pipe_code,
                pipe_type,
                description or "",
                domain or "",
                parent_id,
                started_at,
                started_perf,
                inputs,
                "running",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                placement,
                False,
                counter,
            )
            self._nodes[node_id] = record
            self._running.add(node_id)
            if kind == "controller":
                self._running_controllers[node_id] = record
            if parent_id is not None:
                self._last_child[(parent_id, pipe_code)] = node_id
            if parent is not None:
                if self._children_in_memory is not None and len(parent.children) >= self._children_in_memory:
                    record.fold = True
                parent.children.append(node_id)
                self._add_edge("contains", parent.id, node_id)
            self._link_inputs(record)
        return node_id

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
        """Record the end of a pipe run.

        A node already marked ``checked``/``skipped`` keeps that status when it ends with
        ``succeeded`` (a failure still shows as ``failed``). A run recorded elsewhere gives its own
        ``recorded_end``: ``(ended_at, duration)`` as recorded, either possibly unknown (None).
        """
        if status not in NODE_STATUSES:
            _check_status(status)
        ended_at = time.time()
        ended_perf = time.perf_counter()
        items = self._prepare_items(outputs or [])
        with self._lock:
            record = self._nodes.get(node_id)
            if record is None:
                record = self._get(node_id)  # raises
            self._running.discard(node_id)
            self._running_controllers.pop(node_id, None)
            self._counters.pop(node_id, None)
            if recorded_end is None:
                record.ended_at = ended_at
                record.duration = max(0.0, ended_perf - record.started_perf)
            else:
                record.ended_at, record.duration = recorded_end
            if not (status == "succeeded" and record.status in _INERT_STATUSES):
                record.status = status
            record.outputs = items
            if error is not None:
                record.error = redact(error)  # the graph is shown, saved and served: no secret in it
            if usage is not None:
                record.usage = dict(usage)
            if record.status not in _INERT_STATUSES:
                producers = self._producers
                for item in items:
                    digest = item.digest
                    if digest is not None and digest not in producers:
                        producers[digest] = node_id
            if record.fold and record.status != "failed":
                self._fold_subtree(record)

    def mark(self, node_id: str, status: str, tag: str | None = None) -> None:
        """Set a node's status (and add ``tag``), e.g. ``mark(n, "checked", "checked_outcome")``.

        ``checked`` and ``skipped`` also apply to the node's descendants that did not fail, and
        such nodes stop counting as producers for data edges.
        """
        _check_status(status)
        with self._lock:
            root = self._get(node_id)
            if status not in _INERT_STATUSES:
                root.status = status
                if tag and tag not in root.tags:
                    root.tags.append(tag)
                return
            stack = [root]
            while stack:
                record = stack.pop()
                if record is root or record.status != "failed":
                    record.status = status
                if tag and tag not in record.tags:
                    record.tags.append(tag)
                for item in record.outputs:
                    if item.digest is not None and self._producers.get(item.digest) == record.id:
                        del self._producers[item.digest]
                fold = self._folds.get(record.id)
                if fold is not None and self._spill is not None:  # its folded children (never failed) follow
                    self._spill.override(fold.index, status, tag)
                    fold.statuses = {status: fold.runs}
                stack.extend(self._nodes[c] for c in record.children if c in self._nodes)

    def add_usage(self, node_id: str, usage: dict[str, Any]) -> None:
        """Add a leaf's provider usage (plain JSON numbers, nested by model) to its node's ``usage``.

        Usage lives on the node so it travels with the node's data (e.g. back from a Temporal activity);
        :func:`pipelex.tracing.rollup.roll_up` sums it per controller and per run.
        """
        with self._lock:
            record = self._get(node_id)
            if record.usage is None:
                record.usage = {}
            _add_usage(record.usage, usage, keep_labels=True)
            cost = usage.get("cost_usd")
            if isinstance(cost, (int, float)) and not isinstance(cost, bool):
                self._cost_usd += cost
            if usage.get("unpriced_models"):
                self._unpriced = True

    def count(self, node_id: str, unit: str, *, total: int | None = None, advance: int = 0) -> None:
        """A controller's progress in ``unit``: ``total`` starts (or restarts) a counter, ``advance`` moves it,
        ``total=0`` drops it.

        Progress displays read it (:meth:`snapshot`); the graph does not record it.
        """
        with self._lock:
            counters = self._counters.get(node_id)
            if counters is None:
                counters = self._counters[node_id] = {}
            if total == 0:  # nothing to count (an empty list), or a finished batch step: drop the counter
                counters.pop(unit, None)
                return
            current = counters.get(unit)
            if total is not None or current is None:
                current = counters[unit] = _Count(unit, 0, total or 0, time.perf_counter())
            current.done = (
                min(current.done + advance, current.total) if current.total else current.done + advance
            )

    def add_warning(self, node_id: str, message: str) -> None:
        """Record a warning on a node (e.g. a reply cut off by the token limit); each message once."""
        with self._lock:
            record = self._get(node_id)
            if message not in record.warnings:
                record.warnings.append(message)

    def add_selected_outcome(self, condition_node_id: str, chosen_node_id: str, label: str) -> None:
        """Record that a condition selected ``chosen_node_id`` (``label`` names the outcome)."""
        with self._lock:
            self._get(condition_node_id)
            chosen = self._get(chosen_node_id)
            if SELECTED_OUTCOME_TAG not in chosen.tags:
                chosen.tags.append(SELECTED_OUTCOME_TAG)
            self._add_edge("selected_outcome", condition_node_id, chosen_node_id, label=label)

    # ------------------------------------------------------------------ reading

    def progress(self) -> tuple[int, int]:
        """``(finished, running)`` pipe runs so far, for a progress line."""
        with self._lock:
            running = len(self._running)
            return len(self._nodes) + self._folded_count - running, running

    def snapshot(self) -> ProgressSnapshot:
        """The run's progress: pipes done and running, the innermost running controller and its counters,
        an ETA when a counter of the run gives one, and the cost so far (live runs)."""
        now = time.perf_counter()
        with self._lock:
            running = len(self._running)
            finished = len(self._nodes) + self._folded_count - running
            depth = {node_id: record.path.count("/") for node_id, record in self._running_controllers.items()}
            innermost = max(depth, key=lambda n: (depth[n], n in self._counters), default=None)
            counters = (
                tuple(c.frozen() for c in self._counters.get(innermost, {}).values()) if innermost else ()
            )
            controller = None
            if innermost is not None:
                record = self._running_controllers[innermost]
                controller = f"{record.pipe_type} {record.pipe_code!r}"
            eta = _eta(
                sorted(
                    (
                        (depth.get(n, 0), c.frozen())
                        for n, cs in self._counters.items()
                        for c in cs.values()
                        if n in depth
                    ),
                    key=lambda dc: dc[0],
                ),
                now,
            )
            return ProgressSnapshot(
                finished=finished,
                running=running,
                elapsed_s=now - self._started_perf,
                controller=controller,
                counters=counters,
                eta_s=eta,
                cost_usd=self._cost_usd,
                unpriced=self._unpriced,
            )

    def last_child(self, parent_id: str, pipe_code: str) -> str | None:
        """The node most recently started for ``pipe_code`` under ``parent_id`` (None if none)."""
        return self._last_child.get((parent_id, pipe_code))

    @property
    def lists_shared_over(self) -> int | None:
        """A list input or output longer than this is recorded as the run's own content models, not a copy
        (see :func:`pipelex.pipes.runtime.io_item`): the graph's in-memory bound, when it has one."""
        return self._children_in_memory

    def __len__(self) -> int:
        return len(self._nodes) + self._folded_count

    def node_status(self, node_id: str) -> str:
        """The current status of a node."""
        return self._get(node_id).status

    def build(self, *, usage: dict[str, Any] | None = None) -> ExecutionGraph:
        """Build the graph recorded so far (can be called again later).

        ``usage`` defaults to ``{"total": <numbers summed over the operator nodes' usage>}``
        (operators only, so controllers carrying a rolled-up usage are not counted twice).
        """
        from pipelex.tracing.graph import ExecutionGraph, GraphEdge, GraphNode, NodeTiming

        with self._lock:
            records = list(self._nodes.values())
            edges_now = list(self._edges)
            folds = [f for f in self._folds.values() if not f.absorbed]
            folded: list[dict[str, Any]] = [
                {
                    "parent": f.parent,
                    "runs": f.runs,
                    "nodes": f.nodes,
                    "statuses": dict(f.statuses),
                    "usage": f.usage.to_json() if f.usage is not None else None,
                }
                for f in folds
            ]
        total: dict[str, Any] = {}
        for fold in folded:
            if fold["usage"]:
                _add_usage(total, fold["usage"])
        if (
            self._spill is not None
        ):  # graph.json gets every edge; the graph held here, those between its nodes
            held = self._nodes
            self._spill.set_edges(edges_now, f"{self.graph_id}:edge_")
            edge_records = [(i, e) for i, e in enumerate(edges_now) if e.source in held and e.target in held]
        else:
            edge_records = list(enumerate(edges_now))
        # the nodes and edges made from the records as their validation would leave them, without running it (the
        # records hold what the tracer checked and typed: kinds, statuses, strings, times, IO items); each node gets
        # its own copies of its record's lists and dicts (a later change to a record is not seen by a graph built
        # before it)
        nodes: list[GraphNode] = []
        for record in records:
            if record.kind == "operator" and record.usage:
                _add_usage(total, record.usage)
            node_usage, placement = record.usage, record.placement
            nodes.append(
                GraphNode.of_record(
                    {
                        "id": record.id,
                        "path": record.path,
                        "kind": record.kind,
                        "pipe_code": record.pipe_code,
                        "pipe_type": record.pipe_type,
                        "description": record.description,
                        "domain": record.domain,
                        "status": record.status,
                        "timing": NodeTiming.of_record(record.started_at, record.ended_at, record.duration),
                        "inputs": list(record.inputs),
                        "outputs": list(record.outputs),
                        "error": record.error,
                        "usage": dict(node_usage) if node_usage is not None else None,
                        "tags": list(record.tags),
                        "warnings": list(record.warnings),
                        "placement": dict(placement) if placement is not None else None,
                    }
                )
            )
        prefix = f"{self.graph_id}:edge_"
        edges = [
            GraphEdge.of_record(
                f"{prefix}{index}", edge.kind, edge.source, edge.target, edge.label, edge.stuff_digest
            )
            for index, edge in edge_records
        ]
        # one validation pass in pydantic-core for the rest (the usage, the folded runs): the node and edge
        # instances are taken as they are
        graph = ExecutionGraph.model_validate(
            {
                "graph_id": self.graph_id,
                "created_at": self.created_at,
                "pipeline_run_id": self.pipeline_run_id,
                "main_pipe": self.main_pipe,
                "domain": self.domain,
                "mode": self.mode,
                "backend": self.backend,
                "nodes": nodes,
                "edges": edges,
                "usage": usage if usage is not None else {"total": total},
                "folded": folded,
            }
        )
        graph.keep_spill(self._spill)  # the graph reads the folded nodes back when written
        return graph

    # ------------------------------------------------------------------ internals

    def _fold_subtree(self, root: _NodeRecord) -> None:
        """Move a finished child run past the bound, and every node below it, to the spill file (lock held).

        A subtree with a failure anywhere stays in memory: failures are always shown.
        """
        subtree: list[_NodeRecord] = []
        inner: list[_Fold] = []
        if not root.children and root.id not in self._folds:  # a leaf (a batch item's operator): itself alone
            if root.status == "failed":
                return
            subtree.append(root)
        else:
            stack = [root]
            while stack:
                record = stack.pop()
                if record.status == "failed":
                    return
                subtree.append(record)
                held = self._folds.get(record.id)
                if held is not None:
                    inner.append(held)
                stack.extend(self._nodes[c] for c in record.children if c in self._nodes)
        assert root.parent_id is not None  # a folded run has a parent, the controller of its group
        fold = self._folds.get(root.parent_id)
        if fold is None:
            fold = self._folds[root.parent_id] = _Fold(index=len(self._folds), parent=root.parent_id)
        if self._spill is None:
            from pipelex.tracing.spill import GraphSpill

            self._spill = GraphSpill()
        spill = self._spill
        if len(subtree) == 1 and not inner:
            has_usage = bool(root.usage)
        else:
            has_usage = any(r.usage for r in subtree) or any(f.usage is not None for f in inner)
        if has_usage:
            self._fold_usage(root, subtree, inner, fold)
        for held in inner:  # an inner controller's own folded runs now count in this fold
            held.absorbed = True
            spill.absorb(held.index, fold.index)
            fold.nodes += held.nodes
        if len(subtree) > 1:
            subtree.sort(key=lambda r: r.counter)
        for record in subtree:
            spill.add(record.counter, fold.index, self._node_dict(record))
            del self._nodes[record.id]
        fold.runs += 1
        fold.nodes += len(subtree)
        fold.statuses[root.status] = fold.statuses.get(root.status, 0) + 1
        self._folded_count += len(subtree)

    def _fold_usage(
        self, root: _NodeRecord, subtree: list[_NodeRecord], inner: list[_Fold], fold: _Fold
    ) -> None:
        """Roll a folded subtree's usage up into its controllers (as :func:`~pipelex.tracing.rollup.roll_up`
        does for the graph held in memory), and add it to its fold's sum."""
        from pipelex.reporting.usage import UsageReport

        inner_usage = {f.parent: f.usage for f in inner if f.usage is not None}

        def fill(record: _NodeRecord) -> UsageReport:
            report = UsageReport.from_json(record.usage) if record.kind == "operator" else UsageReport()
            if record.id in inner_usage:
                report.merge(inner_usage[record.id])
            for child_id in record.children:
                child = self._nodes.get(child_id)
                if child is not None:
                    report.merge(fill(child))
            if record.kind == "controller" and report.calls:
                record.usage = report.to_json()
            return report

        total = fill(root)
        if fold.usage is None:
            fold.usage = UsageReport()
        fold.usage.merge(total)

    @staticmethod
    def _node_dict(record: _NodeRecord) -> dict[str, Any]:
        """A node as :class:`~pipelex.tracing.graph.GraphNode` writes it."""
        return {
            "id": record.id,
            "path": record.path,
            "kind": record.kind,
            "pipe_code": record.pipe_code,
            "pipe_type": record.pipe_type,
            "description": record.description,
            "domain": record.domain,
            "status": record.status,
            "timing": {
                "started_at": record.started_at,
                "ended_at": record.ended_at,
                "duration": record.duration,
            },
            "inputs": record.inputs,
            "outputs": record.outputs,
            "error": record.error,
            "usage": record.usage,
            "tags": record.tags,
            "warnings": record.warnings,
            "placement": record.placement,
        }

    def _get(self, node_id: str) -> _NodeRecord:
        record = self._nodes.get(node_id)
        if record is None:
            raise TracingError(f"Unknown node id {node_id!r} in the graph tracer.")
        return record

    def _prepare_items(self, items: list[IOItem]) -> list[IOItem]:
        """Drop the data (``include_data=False``) or make sure it is plain JSON data."""
        if self.include_data:
            for item in items:
                private = item.__pydantic_private__  # ``is_plain_json``, read without its property (per item)
                if not (private and private.get("_plain")):
                    break
            else:
                return items  # what the runtime gives (``io_item``): nothing to convert or copy
        from pipelex.tracing.graph import to_json_compatible

        prepared: list[IOItem] = []
        for item in items:
            data = item.data
            if data is None or (item.is_plain_json and self.include_data):
                prepared.append(item)
            elif not self.include_data:
                prepared.append(item.model_copy(update={"data": None}))
            elif isinstance(data, (str, int, float, bool)):
                prepared.append(item)
            else:
                prepared.append(item.model_copy(update={"data": to_json_compatible(data)}))
        return prepared

    def _add_edge(
        self,
        kind: Literal["contains", "data", "selected_outcome"],
        source: str,
        target: str,
        *,
        label: str | None = None,
        stuff_digest: str | None = None,
    ) -> None:
        self._edges.append(_EdgeRecord(kind, source, target, label, stuff_digest))

    def _link_inputs(self, record: _NodeRecord) -> None:
        # a new node: its edges can only repeat among its own inputs (no run-wide set of every data edge)
        linked: set[tuple[str, str]] | None = None  # made at the first edge (most inputs have no producer)
        ancestors: set[str] | None = None
        producers = self._producers
        for item in record.inputs:
            digest = item.digest
            if digest is None:
                continue
            producer = producers.get(digest)
            if producer is None or producer == record.id:
                continue
            if ancestors is None:
                ancestors = self._ancestors(record)
            if producer in ancestors:
                continue
            key = (producer, item.name)
            if linked is None:
                linked = set()
            elif key in linked:
                continue
            linked.add(key)
            self._add_edge("data", producer, record.id, label=item.name, stuff_digest=digest)

    def _ancestors(self, record: _NodeRecord) -> set[str]:
        found: set[str] = set()
        parent_id = record.parent_id
        while parent_id is not None and parent_id not in found:
            found.add(parent_id)
            parent_id = self._nodes[parent_id].parent_id
        return found
