"""Folded graph nodes on disk, and the complete ``graph.json`` streamed from them.

A run whose controller has more children than ``[tracing] graph_children_in_memory`` (a batch of 100,000
items) folds the children past the bound: when such a child's run ends without a failure, its node and every
node below it are written here, one JSON line each, and leave the tracer's memory. The in-memory graph keeps
the first children, every failure, and a :class:`~pipelex.tracing.graph.FoldedRuns` summary per controller;
:meth:`GraphSpill.write_complete` writes the complete graph, every node in recording order and every edge,
without holding it in memory.
"""

from __future__ import annotations

import json
import tempfile
import weakref
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from pydantic_core import to_json


class NodeLike(Protocol):
    """What the spill reads of a held node (a :class:`~pipelex.tracing.graph.GraphNode`)."""

    id: str

    def model_dump_json(self) -> str:
        """The node as JSON."""
        ...


class GraphLike(Protocol):
    """What the spill reads of the graph it completes (an :class:`~pipelex.tracing.graph.ExecutionGraph`, which
    holds the spill: typed by what is read, so this module does not import the graph's)."""

    @property
    def nodes(self) -> Sequence[NodeLike]:
        """The nodes held in memory, in recording order."""
        ...

    @property
    def usage(self) -> dict[str, Any]:
        """The run's usage."""
        ...

    def model_dump(self, *, mode: str, exclude: set[str]) -> dict[str, Any]:
        """The graph's other fields."""
        ...


class EdgeLike(Protocol):
    """What the spill reads of an edge record (the tracer's ``_EdgeRecord``; its id is made from its index)."""

    kind: str
    source: str
    target: str
    label: str | None
    stuff_digest: str | None


def node_counter(node_id: str) -> int:
    """The recording rank of a node from its id (``<graph_id>:node_<n>``)."""
    return int(node_id.rsplit("_", 1)[1])


class GraphSpill:
    """An anonymous temporary file of folded nodes (removed when closed or collected), and its index."""

    def __init__(self) -> None:  # noqa: D107
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the graph that reads it
        # closed (and so removed) with the last graph or tracer holding it
        self._closer = weakref.finalize(self, self._file.close)
        self._size = 0
        self._at_end = True
        self._offsets = array("q")  # where each line starts
        self._counters = array("q")  # the node's recording rank
        self._groups = array("l")  # the fold group (controller) the node was folded under
        self._parent_group: dict[int, int] = {}  # a group folded inside another one: its outer group
        self._overrides: dict[int, tuple[str, str | None]] = {}  # a group marked checked/skipped later
        self._edges: Sequence[EdgeLike] = ()
        self._edge_prefix = ""

    def __len__(self) -> int:
        return len(self._offsets)

    def add(self, counter: int, group: int, node: dict[str, Any]) -> None:
        """Append one node (the dict of a :class:`~pipelex.tracing.graph.GraphNode`)."""
        line = to_json(node) + b"\n"
        if not self._at_end:  # the graph was written meanwhile (a run's graph can be built more than once)
            self._file.seek(0, 2)
            self._at_end = True
        self._file.write(line)
        self._offsets.append(self._size)
        self._counters.append(counter)
        self._groups.append(group)
        self._size += len(line)

    def absorb(self, inner: int, outer: int) -> None:
        """Group ``inner`` was folded with its controller into group ``outer``: a mark of ``outer`` reaches it."""
        self._parent_group[inner] = outer

    def override(self, group: int, status: str, tag: str | None) -> None:
        """The folded nodes of ``group`` now show ``status`` (except failed ones) and ``tag``."""
        self._overrides[group] = (status, tag)

    def set_edges(self, edges: Sequence[EdgeLike], id_prefix: str) -> None:
        """Every edge of the run (the tracer keeps them all, in recording order); an edge's id is ``id_prefix``
        followed by its index."""
        self._edges = edges
        self._edge_prefix = id_prefix

    def _override_of(self, group: int) -> tuple[str, str | None] | None:
        seen = 0
        while True:
            found = self._overrides.get(group)
            if found is not None or group not in self._parent_group or seen > len(self._parent_group):
                return found
            group = self._parent_group[group]
            seen += 1

    def _folded_lines(self) -> Iterator[tuple[int, bytes]]:
        """``(counter, line)`` of every folded node, in recording order."""
        count = len(self._offsets)
        order: Sequence[int] = range(count)
        in_order = not any(self._counters[i] > self._counters[i + 1] for i in range(count - 1))
        if not in_order:
            order = sorted(range(count), key=self._counters.__getitem__)
        self._file.flush()
        self._at_end = False
        lines: Iterator[bytes] = iter(())
        if in_order:  # the file's lines are the nodes in recording order (the usual case): read through it
            self._file.seek(0)
            lines = iter(self._file)
        for index in order:
            if in_order:
                line = next(lines)
            else:
                self._file.seek(self._offsets[index])
                line = self._file.readline()
            override = self._override_of(self._groups[index]) if self._overrides else None
            if override is not None:
                node = json.loads(line)
                status, tag = override
                if node.get("status") != "failed":
                    node["status"] = status
                if tag and tag not in node["tags"]:
                    node["tags"].append(tag)
                line = to_json(node) + b"\n"
            yield self._counters[index], line

    def write_complete(self, graph: GraphLike, path: Path) -> None:
        """Write ``graph`` with its folded nodes and every edge to ``path``: one node or edge per line."""
        header = graph.model_dump(mode="json", exclude={"nodes", "edges", "usage", "folded"})
        with path.open("wb") as out:
            out.write(b"{\n")
            for key, value in header.items():
                out.write(b'"' + key.encode() + b'": ' + to_json(value) + b",\n")
            out.write(b'"nodes": [\n')
            first = True
            held = iter(graph.nodes)
            current = next(held, None)
            for counter, line in self._folded_lines():
                while current is not None and node_counter(current.id) < counter:
                    out.write((b"" if first else b",\n") + current.model_dump_json().encode("utf-8"))
                    first = False
                    current = next(held, None)
                out.write((b"" if first else b",\n") + line.rstrip(b"\n"))
                first = False
            while current is not None:
                out.write((b"" if first else b",\n") + current.model_dump_json().encode("utf-8"))
                first = False
                current = next(held, None)
            out.write(b'\n],\n"edges": [\n')
            for index, edge in enumerate(self._edges):
                record = {
                    "id": f"{self._edge_prefix}{index}",
                    "kind": edge.kind,
                    "source": edge.source,
                    "target": edge.target,
                    "label": edge.label,
                    "stuff_digest": edge.stuff_digest,
                }
                out.write((b",\n" if index else b"") + to_json(record))
            out.write(b'\n],\n"usage": ' + to_json(graph.usage) + b',\n"folded": []\n}\n')

    def close(self) -> None:
        """Remove the file now."""
        self._closer()
