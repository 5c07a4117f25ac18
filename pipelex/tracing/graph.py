"""The execution-graph data model (SPEC §10).

A graph has one :class:`GraphNode` per pipe run and three kinds of :class:`GraphEdge`:

- ``contains``: controller → child pipe run;
- ``data``: producer → consumer, when a node's input has the digest of an earlier node's output
  (``label`` is the input name, ``stuff_digest`` the shared digest);
- ``selected_outcome``: condition → the outcome pipe run it selected (``label`` names the outcome).

Node statuses: ``running`` (never ended), ``succeeded``, ``failed``, ``checked`` (run only to
check it, e.g. a condition outcome dry-run on a copy of the memory but not selected) and
``skipped``.

The graph is saved as JSON (:meth:`ExecutionGraph.to_json` / :meth:`ExecutionGraph.from_json`)
and rendered by :mod:`pipelex.tracing.mermaid` and :mod:`pipelex.tracing.html`.
"""

# No ``from __future__ import annotations`` here: pydantic would evaluate every field's annotation from its text
# when it makes the classes (the graph's six model classes, made in every run); written as objects, they are read as
# they are (~1-2 M instructions of a run less). Names only a type checker knows are quoted.
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr
from pydantic_core import PydanticSerializationError, to_json, to_jsonable_python

from pipelex.concepts.natives import constructed
from pipelex.digests import Sha256, sha256_hex
from pipelex.schema_store import stored_core_schema
from pipelex.tracing.names import EdgeKind, Multiplicity, NodeKind, NodeStatus, RunModeName

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

    from pipelex.tracing.spill import GraphSpill

DIGEST_LENGTH = 16
# a graph's JSON in pieces (:meth:`ExecutionGraph.json_pieces`): the nodes or edges of the first piece of each list,
# and about the size of the next ones (below the 128 KiB from which the C library maps fresh pages for a buffer)
JSON_PIECE_ITEMS = 16
JSON_PIECE_BYTES = 64 * 1024
#: ``graph.json``'s indent (the page, ``graph.html``, embeds the same bytes)
GRAPH_JSON_INDENT = 2
_PIECEWISE = frozenset(("nodes", "edges"))


def to_json_compatible(value: Any) -> Any:
    """Turn ``value`` into plain JSON data (dicts, lists, str, numbers, bools, None).

    Pydantic models, dataclasses, dates, enums, sets... are converted the way pydantic would;
    anything else falls back to its ``repr``, so tracing never fails on exotic content.
    """
    return to_jsonable_python(value, fallback=repr)


try:  # json's C accelerator, without importing the json package (see json_encoder)
    from _json import encode_basestring as _c_encode_string
    from _json import make_encoder as _c_make_encoder
except ImportError:  # pragma: no cover - an interpreter without it: json's own encoder
    _c_encode_string = None
    _c_make_encoder = None


def _not_serializable(value: object) -> object:
    """``json.JSONEncoder.default``: what the encoder does with a value it cannot write."""
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def json_encoder(
    *,
    sort_keys: bool = False,
    separators: tuple[str, str] = (", ", ": "),
    default: Callable[[Any], Any] = _not_serializable,
) -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=False, sort_keys=..., separators=..., default=...).encode``: the same text, made
    by the C encoder that method makes (``_json.make_encoder``, given the same arguments, a new one per value as it
    does), without importing the ``json`` package, whose import compiles its decoder's and encoder's regular
    expressions (~6 M instructions of a dry run on mocked inputs, which parses no JSON text)."""
    if _c_make_encoder is None or _c_encode_string is None:  # pragma: no cover - no C accelerator
        import json

        return json.JSONEncoder(
            ensure_ascii=False, sort_keys=sort_keys, separators=separators, default=default
        ).encode
    item_separator, key_separator = separators
    make_encoder: Any = _c_make_encoder
    encode_string = _c_encode_string

    def encode(value: Any) -> str:
        if isinstance(value, str):
            return encode_string(value)
        # as JSONEncoder.iterencode(value, _one_shot=True): a fresh dict of markers (check_circular), no indent,
        # skipkeys False, allow_nan True
        return "".join(
            make_encoder(
                {}, default, encode_string, None, key_separator, item_separator, sort_keys, False, True
            )(value, 0)
        )

    return encode


def _py_encode_string(text: str) -> str:  # pragma: no cover - no C accelerator
    from json.encoder import py_encode_basestring

    return py_encode_basestring(text)


#: How ``json`` writes a string with ``ensure_ascii=False`` (``json.encoder.encode_basestring``): the C function when
#: the interpreter has it.
encode_json_string: Callable[[str], str] = (
    _c_encode_string if _c_encode_string is not None else _py_encode_string
)
# one encoder for every digest (``json.dumps`` with options builds a new encoder per call)
_canonical_encode = json_encoder(sort_keys=True, separators=(",", ":"))


def canonical_json(content_json: Any, *, plain: bool = False) -> str:
    """The canonical JSON text of ``content_json``: sorted keys, no whitespace, UTF-8 kept.

    ``plain``: ``content_json`` is plain JSON data already (a pydantic ``model_dump(mode="json")``), so it is not
    converted again (the conversion leaves such data as it is)."""
    if plain and type(content_json) is dict:
        flat = _flat_object_json(content_json)  # pyright: ignore[reportUnknownArgumentType]
        if flat is not None:
            return flat
    return _canonical_encode(content_json if plain else to_json_compatible(content_json))


def _flat_object_json(data: dict[Any, Any]) -> str | None:
    """The canonical JSON of an object of strings (a text content's ``{"text": ...}``, most small contents), written
    directly, or None for anything else: the encoder's own string escaping, without building an encoder per call
    (which ``JSONEncoder.encode`` does)."""
    members: list[str] = []
    for key in sorted(data) if len(data) > 1 else data:
        value = data[key]
        if type(key) is not str or type(value) is not str:
            return None
        members.append(encode_json_string(key) + ":" + encode_json_string(value))
    return "{" + ",".join(members) + "}"


def _canonical_bytes(content_json: Any, *, plain: bool = False) -> bytes:
    """:func:`canonical_json` encoded in UTF-8. An object of strings (a text content's ``{"text": ...}``) is written
    by pydantic-core, whose escapes are the encoder's (``"``, ``\\``, ``\\n``, ``\\r``, ``\\t``, ``\\b``, ``\\f``, other
    control characters as lowercase ``\\u00XX``, the rest kept) at a fraction of its cost, straight to the bytes the
    digest reads; a string it cannot encode (a lone surrogate) goes the encoder's way and fails as it did."""
    if plain and type(content_json) is dict:
        data: dict[Any, Any] = content_json  # pyright: ignore[reportUnknownVariableType]
        for key, value in data.items():
            if type(key) is not str or type(value) is not str:
                break
        else:
            try:
                return to_json(data if len(data) < 2 else {key: data[key] for key in sorted(data)})
            except PydanticSerializationError:
                pass
    return canonical_json(content_json, plain=plain).encode("utf-8")


def list_digest(items: list[Any]) -> str:
    """:func:`digest` of a list content, ``{"items": items}`` (models or JSON data), one item at a time: the same
    value, without the whole list's JSON in memory at once."""
    hasher = Sha256(b'{"items":[')
    # the items' JSON, hashed _LIST_DIGEST_CHUNK at a time (one hasher call per chunk)
    pieces: list[bytes] = []
    separator = b""
    for item in items:
        model = isinstance(item, BaseModel)
        # ``model_dump(mode="json")``, its serializer called directly (once per item of a huge batch, twice)
        data = item.__pydantic_serializer__.to_python(item, mode="json") if model else item
        pieces.append(_canonical_bytes(data, plain=model))
        if len(pieces) == _LIST_DIGEST_CHUNK:
            hasher.update(separator + b",".join(pieces))
            pieces.clear()
            separator = b","
    if pieces:
        hasher.update(separator + b",".join(pieces))
    hasher.update(b"]}")
    return hasher.hexdigest()[:DIGEST_LENGTH]


# items whose JSON :func:`list_digest` joins before handing it to the hasher
_LIST_DIGEST_CHUNK = 512


def digest(content_json: Any, *, plain: bool = False) -> str:
    """The content digest of a stuff: sha256 of its canonical JSON, first 16 hex digits.

    Equal content gives the same digest in every process (keys are sorted), which is how a
    consumer's input is matched with the node that produced it, across workers too. ``plain``: as for
    :func:`canonical_json`.
    """
    return sha256_hex(_canonical_bytes(content_json, plain=plain))[:DIGEST_LENGTH]


class IOItem(BaseModel):
    """One input or output of a pipe run: a named stuff with its concept and digest."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: str
    concept: str
    digest: str | None = None
    multiplicity: Multiplicity = "single"
    data: Any | None = None
    # ``data`` is known to be plain JSON already (made by :meth:`from_content` / :meth:`of_json`): the tracer
    # takes the item as it is instead of converting and copying it
    _plain: bool = PrivateAttr(default=False)

    @property
    def is_plain_json(self) -> bool:
        """True when ``data`` is known to be plain JSON already (made by :meth:`from_content` / :meth:`of_json`)."""
        private = self.__pydantic_private__  # read directly: pydantic's __getattr__ for private names is slow
        return bool(private and private.get("_plain"))

    def known_plain_json(self) -> "IOItem":
        """This item, its ``data`` known to be plain JSON (e.g. parsed from JSON text): the tracer takes it as is."""
        self._plain = True
        return self

    def __eq__(self, other: object) -> bool:
        """Equal fields (how an item was made does not count)."""
        if not isinstance(other, IOItem):
            return NotImplemented
        return self.__dict__ == other.__dict__

    @classmethod
    def of_json(
        cls, *, name: str, concept: str, data: Any, digest: str | None, multiplicity: Multiplicity = "single"
    ) -> "IOItem":
        """An item whose ``data`` is plain JSON data already (e.g. a pydantic ``model_dump(mode="json")``), or
        a list of content models that pydantic writes as such (a huge list shared with the working memory)."""
        # made once per input and output of every pipe run (twice per item of a batch): the fields are known
        # valid (typed above), so the instance is built as ``model_construct`` does, without its generic
        # per-field work (a third of the time of a validated build)
        return constructed(
            cls,
            {"name": name, "concept": concept, "digest": digest, "multiplicity": multiplicity, "data": data},
            _IO_FIELDS_SET,  # every field given: one set for all (see _IO_FIELDS_SET)
            {"_plain": True},
        )

    @classmethod
    def from_content(
        cls,
        *,
        name: str,
        concept: str,
        content: Any,
        multiplicity: Multiplicity | None = None,
        include_data: bool = True,
    ) -> "IOItem":
        """Build an item from a stuff's content, computing its digest.

        ``multiplicity`` defaults to ``"list"`` when ``content`` is a list or tuple.
        """
        json_content = to_json_compatible(content)
        if multiplicity is None:
            multiplicity = "list" if isinstance(content, (list, tuple)) else "single"
        return cls.of_json(
            name=name,
            concept=concept,
            digest=digest(json_content),
            multiplicity=multiplicity,
            data=json_content if include_data else None,
        )


_IO_FIELDS = frozenset(("name", "concept", "digest", "multiplicity", "data"))
# the fields-set of every item of_json builds (two per pipe run): shared, as
# pipelex.concepts.natives.share_fields_sets shares a long list's (readers see the same set, assigning a field adds a
# name already there, model_copy copies the set)
_IO_FIELDS_SET = set(_IO_FIELDS)


class NodeTiming(BaseModel):
    """Wall-clock timing of a pipe run: epoch seconds, duration in seconds."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    started_at: float
    ended_at: float | None = None
    duration: float | None = None

    @classmethod
    def of_record(cls, started_at: float, ended_at: float | None, duration: float | None) -> "NodeTiming":
        """A timing of a tracer's record, as :meth:`model_validate` leaves it, without running it: a time given as
        an ``int`` becomes a ``float``, as the field's validation makes it (written ``1.0``, not ``1``)."""
        if type(started_at) is not float or type(ended_at) is not float or type(duration) is not float:
            # not the tracer's own clock readings (a running node's end, a time recorded elsewhere): as validated
            started_at, ended_at, duration = float(started_at), _seconds(ended_at), _seconds(duration)
        return constructed(
            cls, {"started_at": started_at, "ended_at": ended_at, "duration": duration}, _TIMING_FIELDS_SET
        )


def _seconds(value: float | None) -> float | None:
    return None if value is None else float(value)


class GraphNode(BaseModel):
    """One pipe run."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str
    path: str
    kind: NodeKind
    pipe_code: str
    pipe_type: str
    description: str = ""
    domain: str = ""
    status: NodeStatus = "running"
    timing: NodeTiming
    inputs: list[IOItem] = Field(default_factory=lambda: [])
    outputs: list[IOItem] = Field(default_factory=lambda: [])
    error: str | None = None
    usage: dict[str, Any] | None = None
    tags: list[str] = Field(default_factory=lambda: [])
    warnings: list[str] = Field(default_factory=lambda: [])
    # where the run happened, on a distributed backend (Temporal: worker, workflow_id, run_id, attempt...)
    placement: dict[str, Any] | None = None

    @classmethod
    def of_record(cls, values: dict[str, Any]) -> "GraphNode":
        """A node of a tracer's record, known valid, as :meth:`model_validate` of the same values leaves it, without
        running it. ``values`` holds every field, in the fields' order (the order its JSON is written in): the kind
        and status the tracer checked, the strings it typed, a :meth:`NodeTiming.of_record`, and lists and dicts of
        the node's own (the caller's copies)."""
        return constructed(cls, values, _NODE_FIELDS_SET)


# the fields-sets of the timings, nodes and edges a tracer builds (every field given): one set for each class, as
# for the IO items (see _IO_FIELDS_SET)
_TIMING_FIELDS_SET = set(NodeTiming.__pydantic_fields__)
_NODE_FIELDS_SET = set(GraphNode.__pydantic_fields__)


class GraphEdge(BaseModel):
    """A relation between two nodes (see the module docstring for the kinds)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str
    kind: EdgeKind
    source: str
    target: str
    label: str | None = None
    stuff_digest: str | None = None

    @classmethod
    def of_record(
        cls, edge_id: str, kind: str, source: str, target: str, label: str | None, stuff_digest: str | None
    ) -> "GraphEdge":
        """An edge of a tracer's record, known valid (its ``kind`` one of :data:`EdgeKind`, as the tracer records
        it), as :meth:`GraphNode.of_record` makes a node."""
        return constructed(
            cls,
            {
                "id": edge_id,
                "kind": kind,
                "source": source,
                "target": target,
                "label": label,
                "stuff_digest": stuff_digest,
            },
            _EDGE_FIELDS_SET,
        )


_EDGE_FIELDS_SET = set(GraphEdge.__pydantic_fields__)


class FoldedRuns(BaseModel):
    """The runs of one controller's children past the in-memory bound (``[tracing] graph_children_in_memory``).

    A batch of 100,000 items keeps its first runs (and every failure) as nodes; the others are *folded*: counted
    here and written to ``graph.json`` on disk (:meth:`ExecutionGraph.write_json`), never held in memory.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    parent: str  # the controller's node id
    runs: int = 0  # children folded (batch items, ...)
    nodes: int = 0  # nodes folded in all: the children and every pipe run below them
    statuses: dict[str, int] = Field(default_factory=dict)  # the folded children's statuses
    usage: dict[str, Any] | None = None  # the folded operators' usage, summed


class ExecutionGraph(BaseModel):
    """The execution graph of one pipeline run.

    ``folded``: when a controller ran more children than the in-memory bound, the runs past it (and their
    sub-pipes) are summarised there and left out of ``nodes`` and ``edges``; :meth:`write_json` still writes the
    complete graph, every node and edge, streamed from where the run spilled them.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    graph_id: str
    created_at: str
    pipeline_run_id: str
    main_pipe: str
    domain: str = ""
    mode: RunModeName = "live"
    backend: str = "direct"
    nodes: list[GraphNode] = Field(default_factory=lambda: [])
    edges: list[GraphEdge] = Field(default_factory=lambda: [])
    usage: dict[str, Any] = Field(default_factory=dict)
    folded: list[FoldedRuns] = Field(default_factory=lambda: [])
    # the folded nodes and every edge, on disk (set by the tracer that folded them)
    _spill: "GraphSpill | None" = PrivateAttr(default=None)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: "GetCoreSchemaHandler", /) -> "CoreSchema":
        """The graph's core schema as stored (``pipelex/tracing/stored_schemas.py``, written from what pydantic
        generates for it by ``python -m pipelex.tracing.stored_schemas_gen``): the tracer validates the graph it
        builds, and generating this schema (the graph, its nodes, edges, IO items, folds) was ~6 M instructions of
        every run. Same validator, errors and JSON schema (:mod:`pipelex.schema_store`;
        ``tests/tracing/test_stored_schemas.py`` compares them)."""
        return stored_core_schema(cls, source, handler, "pipelex.tracing.stored_schemas")

    def __eq__(self, other: object) -> bool:
        """Equal fields (where the folded nodes are kept does not count)."""
        if not isinstance(other, ExecutionGraph):
            return NotImplemented
        return self.__dict__ == other.__dict__

    @property
    def folded_nodes(self) -> int:
        """Nodes left out of ``nodes`` (0 for a complete graph)."""
        return sum(f.nodes for f in self.folded)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The graph as JSON text (a folded graph: its summary; :meth:`write_json` writes the complete one)."""
        return self.model_dump_json(indent=indent)

    def keep_spill(self, spill: "GraphSpill | None") -> None:
        """Read the folded nodes and every edge back from ``spill`` when written (set by the tracer that folded
        them)."""
        self._spill = spill

    def write_json(self, path: Path) -> None:
        """Write the complete graph to ``path`` (what ``graph.json`` holds).

        A folded graph is streamed, one node or edge per line, merging the nodes held here with the folded ones
        in recording order: memory stays bounded however many nodes the run had.
        """
        if self._spill is None:
            # the bytes of ``to_json()`` encoded, written as pydantic-core makes them (not decoded and encoded again),
            # piece by piece: a graph of megabytes is never one buffer (see :meth:`json_pieces`)
            with path.open("wb") as out:
                out.writelines(self.json_pieces(indent=GRAPH_JSON_INDENT))
            return
        self._spill.write_complete(self, path)

    @property
    def complete(self) -> bool:
        """Whether this graph holds every node and edge of its run (:meth:`to_json` is then what :meth:`write_json`
        writes); a folded graph's complete form is on disk."""
        return self._spill is None

    def json_pieces(self, *, indent: int | None = 2) -> Iterator[bytes]:
        """The bytes of ``self.__pydantic_serializer__.to_json(self, indent=indent)``, in pieces that join to them.

        The nodes and edges are serialized a few at a time (about :data:`JSON_PIECE_BYTES` each), by the graph's own
        serializer (a copy of the graph holding only those items, the other fields excluded), the other fields
        together: the same serializer writes every byte, and the joints fall between list items, where it writes
        ``,`` and a line end. Written to a file piece by piece, a graph of megabytes (a long run's step texts,
        each an output and again the next step's input) never sits in memory as one buffer, which the process
        would take fresh from the system, page by page, to write it once and free it (a 400-step dry run's
        graph.json, 1.5 MB: ~800 page faults, each a couple of microseconds of CPU that no instruction count
        shows).
        """
        serializer = self.__pydantic_serializer__
        line = b"\n" if indent else b""
        pad = b" " * (indent or 0)
        opening = b": [" if indent else b":["
        members: set[str] = set()  # the fields written together next, by one call
        written = False  # a member is written: the next one follows a ","

        def flush() -> Iterator[bytes]:
            nonlocal written
            if members:
                text = serializer.to_json(self, indent=indent, include=members)  # {<line><members><line>}
                yield (b"," if written else b"{") + text[1 : len(text) - 1 - len(line)]
                written = True
                members.clear()

        for name in type(self).__pydantic_fields__:
            items = self.__dict__[name]
            if name not in _PIECEWISE or not items:
                members.add(name)
                continue
            yield from flush()
            key = to_json(name)
            yield (b"," if written else b"{") + line + pad + key + opening
            written = True
            # each piece: {<line><pad>"name": [<items>]<line><pad>]<line>}, where <items> starts with a line end
            head = 1 + len(line) + len(pad) + len(key) + len(opening)
            tail = len(line) + len(pad) + 1 + len(line) + 1
            start, count = 0, JSON_PIECE_ITEMS
            while start < len(items):
                part = self.model_copy(update={name: items[start : start + count]})
                text = serializer.to_json(part, indent=indent, include={name})
                yield (b"," if start else b"") + text[head : len(text) - tail]
                start += count
                # as many items next as make about JSON_PIECE_BYTES, judged by these (an edge is a few hundred bytes,
                # a node holding a step's text kilobytes)
                count = max(1, min(1024, count * JSON_PIECE_BYTES // max(len(text), 1)))
            yield line + pad + b"]"
        yield from flush()
        yield line + b"}"

    @classmethod
    def from_json(cls, text: str | bytes) -> "ExecutionGraph":
        """Parse a graph saved with :meth:`to_json`."""
        return cls.model_validate_json(text)

    def node_map(self) -> dict[str, GraphNode]:
        """Nodes by id."""
        return {node.id: node for node in self.nodes}

    def edges_of_kind(self, kind: EdgeKind) -> list[GraphEdge]:
        """The edges of one kind, in recording order."""
        return [edge for edge in self.edges if edge.kind == kind]

    def tree(self) -> tuple[list[GraphNode], dict[str, list[GraphNode]]]:
        """The ``contains`` hierarchy: ``(roots, children by parent id)``, in recording order.

        A node is a root when no ``contains`` edge targets it. Edges naming unknown nodes are
        ignored, so a partial graph still renders.
        """
        nodes = self.node_map()
        children: dict[str, list[GraphNode]] = {}
        has_parent: set[str] = set()
        for edge in self.edges:
            # the edge's fields at once: each attribute read of a pydantic model goes through its ``__getattr__``
            # hook, which keeps the interpreter from specialising it (~4x a dict read; renderers walk every edge)
            fields = edge.__dict__
            if fields["kind"] != "contains":
                continue
            source: str = fields["source"]
            target: str = fields["target"]
            if source not in nodes or target not in nodes or target in has_parent or target == source:
                continue
            has_parent.add(target)
            children.setdefault(source, []).append(nodes[target])
        roots = [node for node in self.nodes if node.id not in has_parent]
        return roots, children
