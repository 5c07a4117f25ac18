"""Render an :class:`~pipelex.tracing.graph.ExecutionGraph` as a Mermaid ``flowchart LR``.

- a controller that ran children is a ``subgraph`` titled ``pipe_code · PipeType`` holding them
  (a childless controller is a subroutine-shaped node);
- an operator is a node labelled ``pipe_code<br/>PipeType``;
- ``data`` edges are arrows labelled with the consumer's input name;
- ``selected_outcome`` edges are dashed arrows labelled with the outcome;
- failed nodes are red, checked/skipped nodes grey and dashed.

Mermaid ids are ``n0``, ``n1``... (graph node ids contain ``:``); every label is quoted and its
special characters are written as Mermaid entity codes (``#quot;``, ``#91;``...).
"""

from __future__ import annotations

import re

from pipelex.tracing.graph import ExecutionGraph, GraphNode

_ENTITY_CODES = {
    "#": "#35;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "[": "#91;",
    "]": "#93;",
    "(": "#40;",
    ")": "#41;",
    "{": "#123;",
    "}": "#125;",
    "|": "#124;",
    "`": "#96;",
    ";": "#59;",
    "&": "#38;",
}
_ESCAPE_TABLE = str.maketrans(_ENTITY_CODES)
# what escape_label changes: the characters above and the line boundaries ``str.splitlines`` splits at, all
# below U+0100 but two (U+2028, U+2029, looked for apart: a class holding them compiles in ~180 µs, one of
# Latin-1 characters only in ~30 µs, a cost of every run that writes graph.mmd)
_NEEDS_ESCAPE = re.compile("[" + re.escape("".join(_ENTITY_CODES)) + "\n\r\x0b\x0c\x1c\x1d\x1e\x85]")

_CLASS_DEFS = (
    "classDef operator fill:#eef4ff,stroke:#4a6fa5,color:#1b2a41",
    "classDef failed fill:#ffe0e0,stroke:#c62828,stroke-width:2px,color:#7f0000",
    "classDef checked fill:#f0f0f0,stroke:#9e9e9e,stroke-dasharray:5 5,color:#616161",
    "classDef running fill:#fff8e1,stroke:#f9a825,color:#5d4037",
)
_SUBGRAPH_STYLES = {
    "succeeded": "fill:#f6f8fc,stroke:#8a9bbd,color:#1b2a41",
    "failed": "fill:#fffafa,stroke:#c62828,stroke-width:2px,color:#7f0000",
    "checked": "fill:#fafafa,stroke:#9e9e9e,stroke-dasharray:5 5,color:#616161",
    "skipped": "fill:#fafafa,stroke:#9e9e9e,stroke-dasharray:5 5,color:#616161",
    "running": "fill:#fffdf5,stroke:#f9a825,color:#5d4037",
}


def escape_label(text: str) -> str:
    """Escape a label for use inside a quoted Mermaid label (newlines become spaces).

    A label with nothing to escape (most pipe codes, types and input names) is returned as it is after one scan:
    the translation looks each character up in its table (twice a node and once an edge of the graph)."""
    if (
        type(text) is str
        and _NEEDS_ESCAPE.search(text) is None
        and (text.isascii() or ("\u2028" not in text and "\u2029" not in text))
    ):
        return text
    return " ".join(str(text).splitlines()).translate(_ESCAPE_TABLE)


def _status_class(status: str) -> str:
    if status == "failed":
        return "failed"
    if status in ("checked", "skipped"):
        return "checked"
    if status == "running":
        return "running"
    return "operator"


def render_mermaid(graph: ExecutionGraph) -> str:
    """The Mermaid source of the graph (``graph.mmd``)."""
    # the nodes' and edges' fields are read from their ``__dict__``, once per node or edge: each attribute read of a
    # pydantic model goes through its ``__getattr__`` hook, which keeps the interpreter from specialising it (~4x a
    # dict read, ~10 reads a node)
    mermaid_ids = {node.id: f"n{index}" for index, node in enumerate(graph.nodes)}
    roots, children = graph.tree()
    lines: list[str] = ["flowchart LR"]
    node_classes: dict[str, list[str]] = {}
    subgraph_styles: list[str] = []
    visited: set[str] = set()

    def emit(start: GraphNode) -> None:
        # iterative depth-first walk; ("end", indent) closes a subgraph
        stack: list[tuple[GraphNode | None, int]] = [(start, 1)]
        while stack:
            node, depth = stack.pop()
            indent = "    " * depth
            if node is None:
                lines.append(f"{indent}end")
                continue
            fields = node.__dict__
            node_id: str = fields["id"]
            if node_id in visited:
                continue
            visited.add(node_id)
            mermaid_id = mermaid_ids[node_id]
            kids = [kid for kid in children.get(node_id, []) if kid.id not in visited]
            pipe_code = escape_label(fields["pipe_code"])
            pipe_type = escape_label(fields["pipe_type"])
            if fields["kind"] == "controller" and kids:
                # one-line title: a two-line subgraph title gets hidden behind the first child
                lines.append(f'{indent}subgraph {mermaid_id}["{pipe_code} · {pipe_type}"]')
                lines.append(f"{indent}    direction LR")
                style = _SUBGRAPH_STYLES.get(fields["status"])
                if style:
                    subgraph_styles.append(f"style {mermaid_id} {style}")
                stack.append((None, depth))
                stack.extend((kid, depth + 1) for kid in reversed(kids))
            else:
                shape_open, shape_close = ("[[", "]]") if fields["kind"] == "controller" else ("[", "]")
                lines.append(f'{indent}{mermaid_id}{shape_open}"{pipe_code}<br/>{pipe_type}"{shape_close}')
                node_classes.setdefault(_status_class(fields["status"]), []).append(mermaid_id)

    for root in roots:
        emit(root)
    for node in graph.nodes:  # nodes unreachable from a root (malformed contains edges)
        if node.id not in visited:
            emit(node)

    for edge in graph.edges:
        fields = edge.__dict__
        kind: str = fields["kind"]
        if kind == "data":
            arrow = "-->"
        elif kind == "selected_outcome":
            arrow = "-.->"
        else:
            continue  # containment is drawn by the subgraphs
        source = mermaid_ids.get(fields["source"])
        target = mermaid_ids.get(fields["target"])
        if source is None or target is None:
            continue
        label: str | None = fields["label"]
        if label:
            lines.append(f'    {source} {arrow}|"{escape_label(label)}"| {target}')
        else:
            lines.append(f"    {source} {arrow} {target}")

    lines.extend(f"    {class_def}" for class_def in _CLASS_DEFS)
    for class_name, ids in node_classes.items():
        lines.append(f"    class {','.join(ids)} {class_name}")
    lines.extend(f"    {style}" for style in subgraph_styles)
    return "\n".join(lines) + "\n"
