"""Tracing across workers: pipe runs record tracer calls as events; the client replays them into one graph.

Inside a workflow or an activity, :class:`EventTracer` stands in for the run's
:class:`~pipelex.tracing.tracer.GraphTracer`: it records each call (start, end, mark, selected outcome)
as a :class:`~pipelex.backends.temporal.payloads.TraceEvent`, with the time given by its clock (workflow
time in workflows, wall time in activities) and where the run happened. A child's events come back with
its result and are absorbed under the node that dispatched it; the start of a dispatched pipe is placed
where it was dispatched, so the replayed order matches a direct run's. The client then replays the whole
fragment with :func:`replay` into a real ``GraphTracer``, which computes the ``contains``, ``data`` and
``selected_outcome`` edges exactly as in a direct run, and the recorded timings and placements are put
back on the nodes.

The event side (:class:`EventTracer`) has no clock of its own and does no IO: safe in workflow code. The client's
:class:`ReplayTracer` also answers progress displays while the run goes (the progress polled from the workflow).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from pydantic_core import to_jsonable_python

from pipelex.backends.temporal.payloads import JsonEvent, Placement, TraceEvent
from pipelex.tracing.graph import ExecutionGraph, IOItem
from pipelex.tracing.tracer import GraphTracer, ProgressSnapshot


class Slot(list["TraceEvent | JsonEvent"]):
    """A place in the event list where a dispatched child's first event goes: the list of the events put there.

    A list itself, not an object holding one: a workflow keeps a slot per dispatch until it ends, and every object
    it keeps that long is one more for the cyclic collector to promote and scan."""

    __slots__ = ()

    @property
    def events(self) -> list[TraceEvent | JsonEvent]:
        """The events put in this slot (itself)."""
        return self


class EventTracer(GraphTracer):
    """Records tracer calls as events (node ids are ``"n<index>"``, local to this fragment).

    The events it records itself are :class:`TraceEvent` models; those it absorbs from a child are the JSON the child
    sent (:data:`JsonEvent`), kept as they came (re-numbered in place): workflow code passes them on as JSON
    (:meth:`events_json`), an activity sends its own as models (:meth:`events`).
    """

    def __init__(self, *, clock: Callable[[], float], placement: Placement | None = None) -> None:  # noqa: D107
        # deliberately not calling GraphTracer.__init__: no uuid, no wall clock (workflow code)
        self._clock = clock
        self._placement = placement
        self._events: list[TraceEvent | JsonEvent | Slot] = []
        self._count = 0
        self._status: dict[int, str] = {}
        self._started: dict[int, float] = {}
        self._parent: dict[int, int | None] = {}
        self._last: dict[tuple[str, str], str] = {}
        self._stored_nodes = 0  # pipe runs of the fragments kept in the payload store (all finished)

    # ------------------------------------------------------------------ tracer interface
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
        """Record the start of a pipe run (at ``recorded_start`` and ``placement`` when it was recorded elsewhere)."""
        index = self._new_node(parent_id)
        now = self._clock() if recorded_start is None else recorded_start
        self._started[index] = now
        self._events.append(
            TraceEvent(
                op="start",
                node=index,
                at=now,
                parent=self._parent[index],
                pipe_code=pipe_code,
                pipe_type=pipe_type,
                kind=kind,
                description=description,
                domain=domain,
                inputs=inputs,
                placement=self._placement if placement is None else Placement.model_validate(placement),
            )
        )
        if parent_id is not None:
            self._last[(parent_id, pipe_code)] = f"n{index}"
        return f"n{index}"

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
        """Record the end of a pipe run (``recorded_end``: its end and duration, when recorded elsewhere)."""
        index = _index(node_id)
        now = self._clock()
        duration = max(0.0, now - self._started[index])
        if recorded_end is not None:
            now, duration = (recorded_end[0] or now), recorded_end[1]
        self._status[index] = status
        self._events.append(
            TraceEvent(
                op="end",
                node=index,
                at=now,
                status=status,
                outputs=outputs or [],
                error=error,
                usage=usage,
                duration=duration,
            )
        )

    def mark(self, node_id: str, status: str, tag: str | None = None) -> None:
        """Record a status change (e.g. a condition outcome only checked)."""
        index = _index(node_id)
        self._status[index] = status
        self._events.append(TraceEvent(op="mark", node=index, status=status, tag=tag))

    def add_selected_outcome(self, condition_node_id: str, chosen_node_id: str, label: str) -> None:
        """Record the outcome a condition selected."""
        self._events.append(
            TraceEvent(
                op="selected", node=_index(condition_node_id), target=_index(chosen_node_id), label=label
            )
        )

    def add_usage(self, node_id: str, usage: dict[str, Any]) -> None:
        """Record a leaf's provider usage on its node."""
        self._events.append(TraceEvent(op="usage", node=_index(node_id), usage=usage))

    def add_warning(self, node_id: str, message: str) -> None:
        """Record a warning on a node."""
        self._events.append(TraceEvent(op="warning", node=_index(node_id), message=message))

    def last_child(self, parent_id: str, pipe_code: str) -> str | None:
        """The node most recently started for ``pipe_code`` under ``parent_id``."""
        return self._last.get((parent_id, pipe_code))

    def count(self, node_id: str, unit: str, *, total: int | None = None, advance: int = 0) -> None:
        """Counters feed local progress displays only; a workflow's progress is polled as (finished, running)."""

    def progress(self) -> tuple[int, int]:
        """``(finished, running)`` pipe runs recorded here; a dispatched child not back yet counts as running."""
        running = self._count - len(self._status)
        pending = sum(1 for item in self._events if isinstance(item, Slot) and not item.events)
        return self._count - running + self._stored_nodes, running + pending

    def __len__(self) -> int:
        return self._count

    def node_status(self, node_id: str) -> str:
        """The current status of a node."""
        return self._status.get(_index(node_id), "running")

    def build(self, *, usage: dict[str, Any] | None = None) -> ExecutionGraph:
        """Not available: the graph is built by the client from the events (:func:`replay`)."""
        raise NotImplementedError("an EventTracer records events; the client replays them into a GraphTracer")

    # ------------------------------------------------------------------ fragments
    def reserve(self) -> Slot:
        """A place for the first event of a child about to be dispatched."""
        slot = Slot()
        self._events.append(slot)
        return slot

    def absorb(self, events: list[JsonEvent], *, parent_id: str | None, slot: Slot | None = None) -> None:
        """Take in a child's events (the JSON it sent back); its root nodes attach to ``parent_id``; its first event
        goes to ``slot``.

        The events become this tracer's: they are re-numbered in place (they were just decoded from the child's
        outcome, nothing else holds them), not copied. A field that becomes null is dropped, as a
        :class:`TraceEvent` writes it.
        """
        mapping: dict[int, int] = {}
        for position, event in enumerate(events):
            op = event.get("op")
            if op == "start":
                parent = event.get("parent")
                index = self._new_node(parent_id if parent is None else f"n{mapping[parent]}")
                mapping[event["node"]] = index
                event["node"] = index
                _set_or_drop(event, "parent", self._parent[index])
                at = event.get("at")
                if at is not None:
                    self._started[index] = at
                pipe_code = event.get("pipe_code")
                if parent is None and parent_id is not None and pipe_code is not None:
                    self._last[(parent_id, pipe_code)] = f"n{index}"
            elif op == "fragment":  # a grandchild's events kept in the store: re-parented, read by the client
                self._stored_nodes += event.get("nodes") or 0
                parent = event.get("parent")
                _set_or_drop(
                    event,
                    "parent",
                    (_index(parent_id) if parent_id is not None else None)
                    if parent is None
                    else mapping[parent],
                )
            elif op == "selected":
                event["node"], event["target"] = mapping[event["node"]], mapping[event["target"]]
            else:
                node = event["node"] = mapping[event["node"]]
                status = event.get("status")
                if status is not None:
                    self._status[node] = status
            (slot.events if slot is not None and position == 0 else self._events).append(event)

    def absorb_stored(self, key: str, nodes: int, *, parent_id: str | None, slot: Slot) -> None:
        """Take in a child's events kept in the payload store under ``key`` (``nodes`` pipe runs): only a
        ``fragment`` event, in ``slot``; the client reads them back in its place (its roots under ``parent_id``)."""
        self._stored_nodes += nodes
        fragment: JsonEvent = {"op": "fragment", "node": -1}
        if parent_id is not None:
            fragment["parent"] = _index(parent_id)
        slot.events.append(fragment | {"ref": key, "nodes": nodes})

    def events(self) -> list[TraceEvent]:
        """Every event recorded, slots filled in place, as models (those absorbed as JSON validated)."""
        return [e if isinstance(e, TraceEvent) else TraceEvent.model_validate(e) for e in self._flat()]

    def events_json(self) -> list[JsonEvent]:
        """Every event recorded, slots filled in place, as the JSON they travel as (how workflow code passes them on:
        those absorbed are already, its own are written as a :class:`TraceEvent` writes itself)."""
        return [e.model_dump(mode="json") if isinstance(e, TraceEvent) else e for e in self._flat()]

    def _flat(self) -> list[TraceEvent | JsonEvent]:
        flat: list[TraceEvent | JsonEvent] = []
        for item in self._events:
            if isinstance(item, Slot):
                flat.extend(item.events)
            else:
                flat.append(item)
        return flat

    # ------------------------------------------------------------------ internals
    def _new_node(self, parent_id: str | None) -> int:
        index = self._count
        self._count += 1
        self._parent[index] = _index(parent_id) if parent_id is not None else None
        return index


class LeafEventTracer(EventTracer):
    """An :class:`EventTracer` that records its own events directly as the JSON a :class:`TraceEvent` writes (the
    fields that hold something, in the model's order): a leaf's activity, whose two events go straight to the wire.

    No model per event, item and placement, and no serializer call per event in the outcome (about 14 µs of a
    leaf): the client validates them once, as it reads the run's outcome, as it does every absorbed event.
    """

    def __init__(  # noqa: D107
        self,
        *,
        clock: Callable[[], float],
        placement: Placement | None = None,
        placement_json: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(clock=clock, placement=placement)
        # ``placement_json``: the placement as a Placement writes it, made by the caller (no model per leaf)
        self._placement_json = placement.model_dump(mode="json") if placement is not None else placement_json

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
        """Record the start of a pipe run, as JSON."""
        index = self._new_node(parent_id)
        now = self._clock() if recorded_start is None else recorded_start
        self._started[index] = now
        event: JsonEvent = {"op": "start", "node": index, "at": float(now)}
        parent = self._parent[index]
        if parent is not None:
            event["parent"] = parent
        event["pipe_code"] = pipe_code
        event["pipe_type"] = pipe_type
        event["kind"] = kind
        event["description"] = description
        event["domain"] = domain
        event["inputs"] = [_item_json(item) for item in inputs]
        where = (
            self._placement_json
            if placement is None
            else Placement.model_validate(placement).model_dump(mode="json")
        )
        if where is not None:
            event["placement"] = where
        self._events.append(event)
        if parent_id is not None:
            self._last[(parent_id, pipe_code)] = f"n{index}"
        return f"n{index}"

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
        """Record the end of a pipe run, as JSON."""
        index = _index(node_id)
        now = self._clock()
        duration: float | None = max(0.0, now - self._started[index])
        if recorded_end is not None:
            now, duration = (recorded_end[0] or now), recorded_end[1]
        self._status[index] = status
        event: JsonEvent = {
            "op": "end",
            "node": index,
            "at": float(now),
            "status": status,
            "outputs": [_item_json(item) for item in outputs or ()],
        }
        if error is not None:
            event["error"] = error
        if usage is not None:
            event["usage"] = to_jsonable_python(usage)
        if duration is not None:
            event["duration"] = float(duration)
        self._events.append(event)

    def mark(self, node_id: str, status: str, tag: str | None = None) -> None:
        """Record a status change, as JSON."""
        index = _index(node_id)
        self._status[index] = status
        event: JsonEvent = {"op": "mark", "node": index, "status": status}
        if tag is not None:
            event["tag"] = tag
        self._events.append(event)

    def add_selected_outcome(self, condition_node_id: str, chosen_node_id: str, label: str) -> None:
        """Record the outcome a condition selected, as JSON."""
        self._events.append(
            {
                "op": "selected",
                "node": _index(condition_node_id),
                "target": _index(chosen_node_id),
                "label": label,
            }
        )

    def add_usage(self, node_id: str, usage: dict[str, Any]) -> None:
        """Record a leaf's provider usage, as JSON."""
        self._events.append({"op": "usage", "node": _index(node_id), "usage": to_jsonable_python(usage)})

    def add_warning(self, node_id: str, message: str) -> None:
        """Record a warning, as JSON."""
        self._events.append({"op": "warning", "node": _index(node_id), "message": message})


def _item_json(item: IOItem) -> dict[str, Any]:
    """An item as a :class:`TraceEvent` writes it (its data known to be plain JSON taken as it is)."""
    if item.is_plain_json:
        return {
            "name": item.name,
            "concept": item.concept,
            "digest": item.digest,
            "multiplicity": item.multiplicity,
            "data": item.data,
        }
    return item.model_dump(mode="json")


def _index(node_id: str) -> int:
    return int(node_id[1:])


def _set_or_drop(event: JsonEvent, name: str, value: Any) -> None:
    """Set a field of a JSON event, or drop it when it becomes null (a :class:`TraceEvent` writes no nulls)."""
    if value is None:
        event.pop(name, None)
    else:
        event[name] = value


class RemoteProgress:
    """The progress of a run on Temporal, for progress displays: polled from the top workflow (a query) only
    while someone reads it."""

    def __init__(self) -> None:  # noqa: D107
        self.latest: tuple[int, int] = (0, 0)
        self.watched = False

    def progress(self) -> tuple[int, int]:
        """``(finished, running)`` as last polled."""
        self.watched = True
        return self.latest


class ReplayTracer(GraphTracer):
    """The client's tracer of a Temporal run: replays the run's events; its graph keeps the recorded timings
    and says where each node ran (``placement``)."""

    def __init__(self, **kwargs: Any) -> None:  # noqa: D107
        super().__init__(**kwargs)
        self._replayed = False
        # while the run goes on the workers, the progress polled from its workflow (until its events come back)
        self.remote = RemoteProgress()

    def progress(self) -> tuple[int, int]:
        """``(finished, running)``: as last polled from the workflow until the run's events are replayed."""
        if not self._replayed:
            return self.remote.progress()
        return super().progress()

    def snapshot(self) -> ProgressSnapshot:
        """The run's progress: counts polled from the workflow while it runs, the replayed graph's after."""
        if not self._replayed:
            finished, running = self.remote.progress()
            return ProgressSnapshot(
                finished=finished, running=running, elapsed_s=time.perf_counter() - self._started_perf
            )
        return super().snapshot()

    def replay(self, events: Iterable[TraceEvent], ids: dict[int, str] | None = None) -> None:
        """Replay a run's events (in order). Replaying a long trace in pieces: pass the same ``ids`` (the
        events' node numbers to graph node ids) to every call."""
        self._replayed = True
        ids = {} if ids is None else ids
        for event in events:
            match event.op:
                case "start":
                    node_id = self.start_node(
                        pipe_code=event.pipe_code or "",
                        pipe_type=event.pipe_type or "",
                        kind=event.kind or "operator",
                        description=event.description or "",
                        domain=event.domain or "",
                        parent_id=ids[event.parent] if event.parent is not None else None,
                        inputs=event.inputs or [],
                        recorded_start=event.at or 0.0,
                        placement=event.placement.model_dump(exclude_none=True)
                        if event.placement is not None
                        else None,
                    )
                    ids[event.node] = node_id
                case "end":
                    node_id = ids[event.node]
                    self.end_node(
                        node_id,
                        status=event.status or "succeeded",
                        outputs=event.outputs,
                        error=event.error,
                        usage=event.usage,
                        recorded_end=(event.at, event.duration),
                    )
                case "mark":
                    self.mark(ids[event.node], event.status or "checked", tag=event.tag)
                case "selected":
                    assert event.target is not None
                    self.add_selected_outcome(ids[event.node], ids[event.target], event.label or "")
                case "usage":
                    self.add_usage(ids[event.node], event.usage or {})
                case "warning":
                    self.add_warning(ids[event.node], event.message or "")
                case (
                    "fragment"
                ):  # the caller expands them first (pipelex.backends.temporal.stored.resolve_events)
                    raise ValueError("a stored trace fragment reached the replay unexpanded")
