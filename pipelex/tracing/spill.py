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
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pydantic_core import SchemaSerializer, to_json


class NodeLike(Protocol):
    """What the spill reads of a held node (a :class:`~pipelex.tracing.graph.GraphNode`)."""

    id: str

    # the node's serializer (``to_json(node)``: the bytes of ``model_dump_json()``)
    __pydantic_serializer__: ClassVar[SchemaSerializer]


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


# folded nodes copied from the spill file in one block at most (about a kilobyte each), edges written at once
_LINES_PER_BLOCK = 2048
_EDGES_PER_WRITE = 4096


def _node_json(node: NodeLike) -> bytes:
    """A held node's JSON as ``model_dump_json()`` writes it, as bytes (its serializer's own, not decoded and
    encoded again)."""
    return node.__pydantic_serializer__.to_json(node)


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
            write = out.write
            write(b"{\n")
            for key, value in header.items():
                write(b'"' + key.encode() + b'": ' + to_json(value) + b",\n")
            write(b'"nodes": [\n')
            if self._overrides or not self._in_order():
                self._write_nodes_by_line(graph, write)
            else:
                self._write_nodes_in_blocks(graph, write)
            write(b'\n],\n"edges": [\n')
            prefix = self._edge_prefix
            chunk: list[bytes] = []  # edges written a few thousand at a time (one write, no copy per edge)
            separator = b""
            for index, edge in enumerate(self._edges):
                chunk.append(
                    to_json(
                        {
                            "id": f"{prefix}{index}",
                            "kind": edge.kind,
                            "source": edge.source,
                            "target": edge.target,
                            "label": edge.label,
                            "stuff_digest": edge.stuff_digest,
                        }
                    )
                )
                if len(chunk) == _EDGES_PER_WRITE:
                    write(separator)
                    write(b",\n".join(chunk))
                    chunk.clear()
                    separator = b",\n"
            if chunk:
                write(separator)
                write(b",\n".join(chunk))
            write(b'\n],\n"usage": ' + to_json(graph.usage) + b',\n"folded": []\n}\n')

    def _in_order(self) -> bool:
        """Whether the file's lines are the folded nodes in recording order (the usual case)."""
        counters = self._counters
        return not any(counters[i] > counters[i + 1] for i in range(len(counters) - 1))

    def _write_nodes_by_line(self, graph: GraphLike, write: Callable[[bytes], object]) -> None:
        """The held and folded nodes merged in recording order, a line at a time (folded nodes out of order, or
        a group's status overridden)."""
        first = True
        held = iter(graph.nodes)
        current = next(held, None)
        for counter, line in self._folded_lines():
            while current is not None and node_counter(current.id) < counter:
                write((b"" if first else b",\n") + _node_json(current))
                first = False
                current = next(held, None)
            write((b"" if first else b",\n") + line.rstrip(b"\n"))
            first = False
        while current is not None:
            write((b"" if first else b",\n") + _node_json(current))
            first = False
            current = next(held, None)

    def _write_nodes_in_blocks(self, graph: GraphLike, write: Callable[[bytes], object]) -> None:
        """The held and folded nodes merged in recording order, the folded ones copied from the file in blocks of
        whole lines (each line end but the block's last becoming the ``,`` and line end between nodes): the
        bytes :meth:`_write_nodes_by_line` writes, without a Python step per folded node."""
        count = len(self._offsets)
        self._file.flush()
        self._at_end = False
        read_at = self._file.seek
        read = self._file.read
        offsets, counters, size = self._offsets, self._counters, self._size
        wrote = False
        done = 0  # folded lines written so far

        def folded_until(stop: int) -> None:  # the folded lines ``done`` to ``stop`` (excluded)
            nonlocal done, wrote
            while done < stop:
                end = min(stop, done + _LINES_PER_BLOCK)
                read_at(offsets[done])
                block = read((offsets[end] if end < count else size) - offsets[done])
                if wrote:
                    write(b",\n")
                write(block[:-1].replace(b"\n", b",\n"))  # a node's JSON holds no line end (escaped)
                wrote = True
                done = end

        for node in graph.nodes:
            folded_until(bisect_left(counters, node_counter(node.id), done))
            if wrote:
                write(b",\n")
            write(_node_json(node))
            wrote = True
        folded_until(count)

    def close(self) -> None:
        """Remove the file now."""
        self._closer()
