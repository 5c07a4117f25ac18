"""Render an :class:`~pipelex.tracing.graph.ExecutionGraph` as one self-contained HTML page.

The page loads nothing from anywhere (inline CSS and a small vanilla script; a Content Security
Policy forbids any other source) and shows:

- a header: main pipe, run mode and backend badges, run id, totals (pipe runs, failures,
  checked, duration);
- the pipe runs as a collapsible tree (``<details>``: controllers hold their children), each with
  pipe code, type, status badge, duration and a timing bar, inputs/outputs (name, concept,
  digest, producer), tags, usage and the error text of a failed run;
- the data edges (``producer → consumer (name)``) and the selected condition outcomes.

The graph JSON is embedded in ``<script type="application/json" id="graph-data">`` (with
``</`` written ``<\\/``), so :func:`graph_from_html` can read the graph back from a page.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel

from pipelex.narrowing import is_json_object, is_list
from pipelex.tracing.graph import (
    GRAPH_JSON_INDENT,
    ExecutionGraph,
    GraphNode,
    IOItem,
    encode_json_string,
    json_encoder,
    to_json_compatible,
)

_DATA_PREVIEW_CHARS = 600
_DATA_PREVIEW_ITEMS = 50  # items of a list a preview reads (enough for 600 characters)
_GRAPH_DATA = r'<script type="application/json" id="graph-data">(?P<json>.*?)</script>'


_HTML_SPECIAL = re.compile("[&<>\"']")


def _esc(text: object) -> str:
    """``html.escape(str(text), quote=True)``, the same replacements in the same order, without importing the
    ``html`` package (its ``html.entities`` table is a start-up cost of every ``run``, read by nothing here).

    A text with none of the five characters (most names, types, digests) is returned as it is after one scan."""
    value = str(text)
    if _HTML_SPECIAL.search(value) is None:
        return value
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def format_duration(seconds: float | None) -> str:
    """``"—"`` when unknown, ``"12 ms"`` below 10 s, ``"12.3 s"`` above."""
    if seconds is None:
        return "—"
    millis = seconds * 1000
    if millis < 1:
        return "<1 ms" if millis > 0 else "0 ms"
    if millis < 10_000:
        return f"{millis:,.0f} ms"
    return f"{seconds:,.1f} s"


def _format_timestamp(epoch: float | None) -> str:
    """The local wall-clock time of ``epoch``, to the millisecond. (No ``astimezone()``: it attached the local zone
    to the same wall time, which the format does not show, for ~15,000 instructions a node.)"""
    if epoch is None:
        return "—"
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _flatten_usage(usage: dict[str, object], prefix: str = "") -> list[tuple[str, object]]:
    pairs: list[tuple[str, object]] = []
    for key, value in usage.items():
        if is_json_object(value):  # usage JSON: keys are strings
            pairs.extend(_flatten_usage(value, f"{prefix}{key}."))
        else:
            pairs.append((f"{prefix}{key}", value))
    return pairs


def _format_created(created_at: str) -> str:
    try:
        return datetime.fromisoformat(created_at).strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    except ValueError:
        return created_at


# A controller with more children than _FOLD_AFTER + _FOLD_SLACK (a long batch) shows the first _FOLD_AFTER,
# every failed one, and one summary line for the rest: a page of 10,000 identical runs helps no one.
_FOLD_AFTER = 50
# the encoder ``json.dumps(value, ensure_ascii=False, default=repr)`` makes at each call (a preview per input/output)
_preview_encode = json_encoder(default=repr)
_FOLD_SLACK = 10


def _embed_json(graph: ExecutionGraph) -> Iterator[bytes]:
    """The graph's JSON as ``graph.json`` holds it when the graph is complete (the bytes of ``graph.to_json()``, as
    pydantic-core writes them: a megabyte-long graph is neither decoded nor encoded again), in pieces
    (:meth:`ExecutionGraph.json_pieces`), safe inside a ``<script>`` element."""
    for data in graph.json_pieces(indent=GRAPH_JSON_INDENT):
        yield _script_safe_json(data)


def _script_safe_json(data: bytes) -> bytes:
    """A piece of JSON that can't end the ``<script>`` element holding it nor open an HTML comment there."""
    if b"<" not in data:  # one fast scan: most graphs hold no "<" (each replace scans the bytes again)
        return data
    # "<" only ever occurs inside JSON strings, where "\/" is a valid escape of "/" and "\u003c" of "<": the
    # script element can't be closed early nor open an HTML comment (UTF-8 never holds an ASCII byte inside a
    # multi-byte character, so the bytes are replaced as the text would be; a piece ends between two members
    # or list items, never inside a string, so no "</" or "<!--" spans two pieces)
    return data.replace(b"</", b"<\\/").replace(b"<!--", b"\\u003c!--")


def graph_from_html(page: str) -> ExecutionGraph:
    """Read back the graph embedded in a page made by :func:`render_html`."""
    import json  # not at the top: a run writes pages, it reads none

    match = re.search(_GRAPH_DATA, page, re.DOTALL)  # compiled when a page is read (no run reads one)
    if match is None:
        raise ValueError('No <script id="graph-data"> element in this page: was it made by pipelex?')
    return ExecutionGraph.model_validate(json.loads(match.group("json")))


class _PageBuilder:
    def __init__(self, graph: ExecutionGraph) -> None:
        self.graph = graph
        self.nodes = graph.node_map()
        self.roots, self.children = graph.tree()
        self.dom_ids = {node.id: f"node-{index}" for index, node in enumerate(graph.nodes)}
        # the indexes read each edge's and node's fields from its ``__dict__``, once: each attribute read of a pydantic
        # model goes through its ``__getattr__`` hook, which keeps the interpreter from specialising it (~4x a dict
        # read), and these loops read every node and edge of the graph, shown or not
        self.producer_of_input: dict[tuple[str, str], GraphNode] = {}
        self.selected_label: dict[str, str] = {}
        for edge in graph.edges:
            fields = edge.__dict__
            kind: str = fields["kind"]
            label: str | None = fields["label"]
            if kind == "data" and label is not None and fields["source"] in self.nodes:
                self.producer_of_input.setdefault((fields["target"], label), self.nodes[fields["source"]])
            elif kind == "selected_outcome":
                self.selected_label[fields["target"]] = label or ""
        timings = [node.timing.__dict__ for node in graph.nodes]
        starts: list[float] = [timing["started_at"] for timing in timings]
        ends: list[float] = [timing["ended_at"] or timing["started_at"] for timing in timings]
        self.run_start = min(starts) if starts else 0.0
        self.run_end = max(ends) if ends else 0.0
        self.span = max(self.run_end - self.run_start, 1e-9)
        self.with_failure = self._failure_subtrees()
        self.folded: set[str] = set()  # runs left off the page (long batches); filled by tree()
        self.graph_folded = {f.parent: f for f in graph.folded}  # runs the graph folded out of memory
        self.ordinals: dict[str, str] = {}
        for kids in self.children.values():
            codes: list[str] = [kid.pipe_code for kid in kids]
            totals: dict[str, int] = {}
            for code in codes:
                totals[code] = totals.get(code, 0) + 1
            if len(totals) == len(codes):  # no pipe twice among these children: no ordinals
                continue
            seen: dict[str, int] = {}
            for kid, code in zip(kids, codes, strict=True):
                if totals[code] > 1:
                    seen[code] = seen.get(code, 0) + 1
                    self.ordinals[kid.id] = f"{seen[code]}/{totals[code]}"

    def _failure_subtrees(self) -> set[str]:
        """Ids of the nodes that failed or hold a failed descendant."""
        found: set[str] = set()
        parent_of: dict[str, str] = {}
        for parent_id, kids in self.children.items():
            for kid in kids:
                parent_of[kid.id] = parent_id
        for node in self.graph.nodes:
            if node.status != "failed":
                continue
            current: str | None = node.id
            while current is not None and current not in found:
                found.add(current)
                current = parent_of.get(current)
        return found

    # ------------------------------------------------------------------ pieces

    def link(self, node: GraphNode) -> str:
        if node.id in self.folded:  # not on the page: no anchor to jump to
            return f'<span class="nodelink folded-link">{_esc(node.pipe_code)}</span>'
        return f'<a href="#{self.dom_ids[node.id]}" class="nodelink">{_esc(node.pipe_code)}</a>'

    def io_item(self, item: IOItem, node: GraphNode, direction: str) -> str:
        concept = _esc(item.concept) + ("[]" if item.multiplicity == "list" else "")
        parts = [f'<span class="io-name">{_esc(item.name)}</span>', f'<span class="concept">{concept}</span>']
        if item.digest:
            parts.append(
                f'<code class="digest" title="digest {_esc(item.digest)}">#{_esc(item.digest[:8])}</code>'
            )
        if direction == "in":
            producer = self.producer_of_input.get((node.id, item.name))
            if producer is not None:
                parts.append(f'<span class="from">from {self.link(producer)}</span>')
        title = ""
        if item.data is not None:
            # ``json.dumps(..., ensure_ascii=False, default=repr)``, its encoder made once
            preview = _preview_json(item.data)
            if len(preview) > _DATA_PREVIEW_CHARS:
                preview = preview[:_DATA_PREVIEW_CHARS] + "…"
            title = f' title="{_esc(preview)}"'
        return f'<span class="io-item"{title}>{" ".join(parts)}</span>'

    def io_rows(self, node: GraphNode) -> str:
        rows: list[str] = []
        for direction, items, arrow in (("in", node.inputs, "in"), ("out", node.outputs, "out")):
            if not items:
                continue
            chips = "".join(self.io_item(item, node, direction) for item in items)
            rows.append(
                f'<div class="io-row io-{direction}"><span class="io-dir">{arrow}</span>'
                f'<span class="io-items">{chips}</span></div>'
            )
        return "".join(rows)

    @staticmethod
    def _flow_names(items: list[IOItem], limit: int = 3) -> str:
        names = [
            f'{_esc(item.name)}<span class="flow-concept">:{_esc(item.concept)}'
            f"{'[]' if item.multiplicity == 'list' else ''}</span>"
            for item in items[:limit]
        ]
        if len(items) > limit:
            names.append(f"+{len(items) - limit}")
        return ", ".join(names)

    def inline_flow(self, node: GraphNode) -> str:
        """A one-line ``inputs → outputs`` reminder for a collapsed operator."""
        if not node.inputs and not node.outputs:
            return ""
        inputs = self._flow_names(node.inputs) or "∅"
        outputs = self._flow_names(node.outputs) or ("✗" if node.status == "failed" else "∅")
        return f'<span class="flow">{inputs} <span class="flow-arrow">→</span> {outputs}</span>'

    def timing_bar(self, node: GraphNode) -> str:
        start = node.timing.started_at
        end = node.timing.ended_at if node.timing.ended_at is not None else self.run_end
        left = (start - self.run_start) / self.span * 100
        width = max((end - start) / self.span * 100, 0.6)
        left = min(max(left, 0.0), 100.0 - width) if width < 100 else 0.0
        return (
            f'<span class="bar" title="started {_esc(_format_timestamp(node.timing.started_at))}">'
            f'<span class="bar-fill" style="left:{left:.2f}%;width:{min(width, 100.0):.2f}%"></span></span>'
        )

    def summary(self, node: GraphNode) -> str:
        tags: list[str] = []
        if node.id in self.selected_label:
            label = self.selected_label[node.id]
            tags.append(
                f'<span class="tag tag-selected">selected{": " + _esc(label) if label else ""}</span>'
            )
        for tag in node.tags:
            if tag == "selected_outcome":
                continue
            tags.append(f'<span class="tag">{_esc(tag.replace("_", " "))}</span>')
        if node.warnings:
            tags.append(f'<span class="tag" title="{_esc(node.warnings[0])}">warning</span>')
        ordinal = self.ordinals.get(node.id)
        ordinal_html = (
            f'<span class="ordinal" title="run {ordinal} of this pipe here">{ordinal}</span>'
            if ordinal
            else ""
        )
        flow = self.inline_flow(node) if node.kind == "operator" else ""
        return (
            "<summary>"
            f'<span class="code">{_esc(node.pipe_code)}</span>{ordinal_html}'
            f'<span class="ptype">{_esc(node.pipe_type)}</span>'
            f'<span class="badge st-{_esc(node.status)}">{_esc(node.status)}</span>'
            f"{''.join(tags)}"
            f'<span class="spacer">{flow}</span>'
            f"{self.timing_bar(node)}"
            f'<span class="dur">{_esc(format_duration(node.timing.duration))}</span>'
            "</summary>"
        )

    def body(self, node: GraphNode) -> str:
        parts: list[str] = []
        if node.description:
            parts.append(f'<div class="desc">{_esc(node.description)}</div>')
        parts.append(self.io_rows(node))
        if node.error:
            parts.append(f'<pre class="error">{_esc(node.error)}</pre>')
        for warning in node.warnings:
            parts.append(f'<pre class="error warning">warning: {_esc(warning)}</pre>')
        if node.usage:
            usage = " · ".join(f"{key} {value}" for key, value in _flatten_usage(node.usage))
            parts.append(
                f'<div class="usage"><span class="io-dir">usage</span><code>{_esc(usage)}</code></div>'
            )
        return "".join(parts)

    def open_tag(self, node: GraphNode) -> str:
        classes = ["node", f"kind-{node.kind}", f"st-{node.status}"]
        if node.id in self.with_failure:
            classes.append("has-failure")
        opened = node.kind == "controller" or node.status == "failed" or node.id in self.with_failure
        search = " ".join((node.pipe_code, node.pipe_type, node.path, node.status, *node.tags)).lower()
        return (
            f'<details id="{self.dom_ids[node.id]}" class="{" ".join(classes)}"'
            f' data-status="{_esc(node.status)}" data-search="{_esc(search)}"'
            f' data-path="{_esc(node.path)}"{" open" if opened else ""}>'
        )

    def _fold(self, kids: list[GraphNode], parent: str) -> tuple[list[GraphNode], str]:
        """Past ``_FOLD_AFTER`` children, keep only those worth a look (failures); summarise the rest, with the
        runs the graph itself folded out of memory (``graph.folded``)."""
        outside = self.graph_folded.get(parent)
        if len(kids) <= _FOLD_AFTER + _FOLD_SLACK and outside is None:
            return kids, ""
        kept: list[GraphNode] = []
        folded_counts: dict[str, int] = dict(outside.statuses) if outside is not None else {}
        for index, kid in enumerate(kids):
            if (
                index < _FOLD_AFTER
                or len(kids) <= _FOLD_AFTER + _FOLD_SLACK
                or kid.status == "failed"
                or kid.id in self.with_failure
            ):
                kept.append(kid)
                continue
            folded_counts[kid.status] = folded_counts.get(kid.status, 0) + 1
            pending = [kid]
            while pending:  # the folded run and everything below it stay in graph.json only
                current = pending.pop()
                self.folded.add(current.id)
                pending.extend(self.children.get(current.id, []))
        total = sum(folded_counts.values())
        by_status = ", ".join(f"{count:,} {status}" for status, count in sorted(folded_counts.items()))
        note = (
            f'<div class="folded muted">… {total:,} more runs not shown ({_esc(by_status)}); '
            "every run is in graph.json</div>"
        )
        return kept, note

    def tree(self) -> str:
        out: list[str] = []
        visited: set[str] = set()

        def emit(start: GraphNode) -> None:
            # iterative walk (no recursion limit on deep graphs); None closes a controller
            stack: list[GraphNode | str | None] = [start]
            while stack:
                node = stack.pop()
                if node is None:
                    out.append("</div></div></details>")
                    continue
                if isinstance(node, str):  # the summary of folded children
                    out.append(node)
                    continue
                if node.id in visited:
                    continue
                visited.add(node.id)
                kids, fold_note = self._fold(
                    [kid for kid in self.children.get(node.id, []) if kid.id not in visited], node.id
                )
                out.append(self.open_tag(node))
                out.append(self.summary(node))
                out.append(f'<div class="body">{self.body(node)}')
                if kids:
                    out.append('<div class="children">')
                    stack.append(None)
                    if fold_note:
                        stack.append(fold_note)
                    stack.extend(reversed(kids))
                else:
                    out.append("</div></details>")

        for root in self.roots:
            emit(root)
        for node in self.graph.nodes:
            if node.id not in visited and node.id not in self.folded:
                emit(node)
        return "".join(out)

    def edges_section(self) -> str:
        rows: list[str] = []
        hidden = 0
        outcome_rows: list[str] = []
        for edge in self.graph.edges:
            fields = edge.__dict__  # its fields at once (see __init__)
            kind: str = fields["kind"]
            source: str = fields["source"]
            target: str = fields["target"]
            if kind == "data":
                if source not in self.nodes or target not in self.nodes:
                    continue
                if source in self.folded and target in self.folded:
                    hidden += 1
                    continue
                stuff_digest: str | None = fields["stuff_digest"]
                digest = f'<code class="digest">#{_esc(stuff_digest[:8])}</code>' if stuff_digest else ""
                rows.append(
                    f"<tr><td>{self.link(self.nodes[source])}</td>"
                    '<td class="arrow">→</td>'
                    f"<td>{self.link(self.nodes[target])}</td>"
                    f'<td><span class="io-name">({_esc(fields["label"] or "")})</span></td>'
                    f"<td>{digest}</td></tr>"
                )
            elif kind == "selected_outcome" and source in self.nodes and target in self.nodes:
                outcome_rows.append(
                    f"<tr><td>{self.link(self.nodes[source])}</td>"
                    '<td class="arrow">⇢</td>'
                    f"<td>{self.link(self.nodes[target])}</td>"
                    f'<td colspan="2"><span class="io-name">({_esc(fields["label"] or "")})</span></td></tr>'
                )
        head = (
            "<thead><tr><th>producer</th><th></th><th>consumer</th><th>input</th><th>digest</th></tr></thead>"
        )
        parts = [f'<section class="panel"><h2>Data flow <span class="count">{len(rows)}</span></h2>']
        if rows:
            parts.append(f'<table class="edges">{head}<tbody>{"".join(rows)}</tbody></table>')
            if hidden:
                parts.append(
                    f'<p class="muted">… {hidden:,} more data edges between runs not shown; every edge is '
                    "in graph.json</p>"
                )
        else:
            parts.append('<p class="muted">No data edges.</p>')
        if outcome_rows:
            parts.append(f'<h2>Condition outcomes <span class="count">{len(outcome_rows)}</span></h2>')
            outcome_head = '<thead><tr><th>condition</th><th></th><th>selected</th><th colspan="2">outcome</th></tr></thead>'
            parts.append(f'<table class="edges">{outcome_head}<tbody>{"".join(outcome_rows)}</tbody></table>')
        parts.append("</section>")
        return "".join(parts)

    def header(self) -> str:
        graph = self.graph
        counts = {status: 0 for status in ("succeeded", "failed", "checked", "skipped", "running")}
        operators = 0
        for node in graph.nodes:
            fields = node.__dict__  # its fields at once (see __init__)
            status: str = fields["status"]
            counts[status] = counts.get(status, 0) + 1
            if fields["kind"] == "operator":
                operators += 1
        duration = format_duration(self.run_end - self.run_start if graph.nodes else None)
        mode_label = "dry run" if graph.mode == "dry" else "live"
        folded = graph.folded_nodes
        stats = [
            (
                "pipe runs",
                f"{len(graph.nodes) + folded}",
                f"{operators} operators · {len(graph.nodes) - operators} controllers"
                + (
                    f" · {folded:,} more folded (graph.json only; the counts below are of the others)"
                    if folded
                    else ""
                ),
                "",
            ),
            ("succeeded", f"{counts['succeeded']}", "", "ok"),
            ("failed", f"{counts['failed']}", "", "bad" if counts["failed"] else ""),
            ("checked / skipped", f"{counts['checked']} / {counts['skipped']}", "", ""),
            ("duration", duration, "wall clock", ""),
        ]
        total_usage = graph.usage.get("total")
        if is_json_object(total_usage) and total_usage:
            usage_text = ", ".join(
                f"{key}: {value}" for key, value in total_usage.items() if not isinstance(value, dict)
            )
            if usage_text:
                stats.append(("usage", usage_text, "operators total", "wide"))
        cards = "".join(
            f'<div class="stat {cls}"><div class="stat-label">{_esc(label)}</div>'
            f'<div class="stat-value">{_esc(value)}</div>'
            + (f'<div class="stat-sub">{_esc(sub)}</div>' if sub else "")
            + "</div>"
            for label, value, sub, cls in stats
        )
        meta = [
            ("run", graph.pipeline_run_id),
            ("domain", graph.domain or "—"),
            ("graph", graph.graph_id),
            ("created", _format_created(graph.created_at)),
        ]
        meta_html = "".join(
            f'<span class="meta-item"><span class="meta-key">{_esc(key)}</span> <code>{_esc(value)}</code></span>'
            for key, value in meta
        )
        return (
            "<header>"
            f'<div class="title-row"><h1>{_esc(graph.main_pipe)}</h1>'
            f'<span class="badge mode mode-{_esc(graph.mode)}">{_esc(mode_label)}</span>'
            f'<span class="badge backend">backend: {_esc(graph.backend)}</span></div>'
            f'<div class="meta">{meta_html}</div>'
            f'<div class="stats">{cards}</div>'
            "</header>"
        )

    def head(self) -> bytes:
        """The page up to the graph's JSON, UTF-8 encoded."""
        graph = self.graph
        title = f"{graph.main_pipe} · {graph.mode} · pipelex execution graph"
        toolbar = (
            '<div class="toolbar">'
            '<button type="button" data-action="expand">Expand all</button>'
            '<button type="button" data-action="collapse">Collapse all</button>'
            '<label><input type="checkbox" id="failures-only"> failures only</label>'
            '<input type="search" id="filter" placeholder="filter by pipe code, type, status…" autocomplete="off">'
            '<span class="legend">'
            '<span class="badge st-succeeded">succeeded</span><span class="badge st-failed">failed</span>'
            '<span class="badge st-checked">checked</span><span class="badge st-skipped">skipped</span>'
            '<span class="badge st-running">running</span></span>'
            "</div>"
        )
        tree = self.tree() if graph.nodes else '<p class="muted">No pipe ran.</p>'
        diagram = (
            '<section class="panel diagram-panel"><h2>Diagram</h2>'
            '<p class="muted hint">Pipe runs (boxes) and the stuffs flowing between them (pills); controllers '
            "group their runs; drag to pan, wheel to zoom, click a run for its inputs, outputs, timing, model and "
            "cost. Long batches show their first runs and a group that reveals more.</p>"
            '<div class="diagram-wrap"><div id="diagram" data-state="loading"></div>'
            '<aside id="diagram-details" class="diagram-details" hidden></aside></div></section>'
            if graph.nodes
            else ""
        )
        # written in three parts, as bytes: the graph's JSON (most of the page, ASCII) is never copied into the
        # page's text, where the page's few non-ASCII characters would make every character of it two bytes wide
        head = (
            "<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>"
            f"{self.header()}"
            "<main>"
            f"{diagram}"
            f'<section class="panel"><h2>Pipe runs</h2>{toolbar}<div class="tree">{tree}</div></section>'
            f"{self.edges_section()}"
            "</main>"
            '<footer class="muted">Rendered by pipelex · self-contained page · hover an input/output to preview its data</footer>'
            '<script type="application/json" id="graph-data">'
        )
        return head.encode("utf-8")

    def end(self) -> bytes:
        """What follows the graph's JSON on the page."""
        return _page_end(with_diagram=bool(self.graph.nodes))

    def page(self) -> Iterator[bytes]:
        """The page, UTF-8 encoded, in pieces (the graph's JSON, most of the page, in pieces of its own, each made
        when the one before is written)."""
        yield self.head()
        yield from _embed_json(self.graph)
        yield self.end()


@functools.cache
def _page_end(*, with_diagram: bool) -> bytes:
    """What follows the graph's JSON on the page (the same bytes for every page: made once)."""
    return b"".join(
        (
            b"</script><script>",
            _JS.encode("utf-8"),
            b"</script>",
            *((b"<script>", _diagram_scripts(), b"</script>") if with_diagram else ()),
            b"</body></html>\n",
        )
    )


def _diagram_scripts() -> bytes:
    """The layout library (dagre, MIT, vendored in ``tracing/vendor``) and the diagram script, inline: the files'
    UTF-8 bytes, line ends made ``\\n`` as ``read_text`` makes them (a test checks both files are UTF-8 text).

    Read and joined as bytes, never decoded into a string and encoded again: diagram.js holds a few non-ASCII
    characters, which made every character of the 66 KB text two bytes wide, copied four times (~100 page faults
    of every run that writes a page)."""
    # the module's own folder (resolving its links asked the system about each part of the path)
    here = Path(__file__).parent
    code = (here / "vendor" / "dagre.min.js").read_bytes() + b"\n" + (here / "diagram.js").read_bytes()
    if b"\r" in code:  # universal newlines, as read_text reads them
        code = code.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return _escape_script_ends(code)  # no "</script>" inside the element


def _escape_script_ends(code: bytes) -> bytes:
    """``code.replace(b"</", b"<\\/")``, found from each ``<`` (``bytes.find`` of one byte is the C library's
    ``memchr``; the two-byte search of ``replace`` went through the 66 KB of script byte by byte, ~0.3 M
    instructions of every page)."""
    find = code.find
    at = find(b"<")
    parts: list[bytes] = []
    start = 0
    while at >= 0:
        if code[at + 1 : at + 2] == b"/":
            parts.append(code[start : at + 1])
            start = at + 1
        at = find(b"<", at + 1)
    if not parts:
        return code
    parts.append(code[start:])
    return b"\\".join(parts)


def _preview_json(data: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, default=repr)`` of :func:`_preview_data`'s head of ``data`` (as plain
    JSON data), for a preview. An object of text fields (a text's ``{"text": ...}``, most records of a run) is
    written directly, as that encoder writes it (``"key": "value"`` pairs joined by ``", "``): the encoder, made
    for each call, cost ~20,000 instructions a record, a tenth of a 400-step run's page."""
    if type(data) is dict:
        pairs: list[str] = []
        for key, value in cast("dict[object, object]", data).items():
            if type(key) is not str or type(value) is not str:
                break
            pairs.append(f"{encode_json_string(key)}: {encode_json_string(value)}")
        else:
            return "{" + ", ".join(pairs) + "}"
    return _preview_encode(to_json_compatible(_preview_data(data)))


def _preview_data(data: Any) -> Any:
    """The head of a long list (plain, or a list content: JSON or the model), enough for a preview."""
    value: object = data
    shared = getattr(value, "items", None) if isinstance(value, BaseModel) else None
    if is_list(shared):
        value = {"items": shared}  # a huge list content shared with the run's memory (``io_item``)
    if is_json_object(value):  # graph JSON: keys are strings
        items = value.get("items")
        if is_list(items) and len(items) > _DATA_PREVIEW_ITEMS:
            return {**value, "items": items[:_DATA_PREVIEW_ITEMS]}
    if is_list(value) and len(value) > _DATA_PREVIEW_ITEMS:
        return value[:_DATA_PREVIEW_ITEMS]
    return value


def render_html(graph: ExecutionGraph) -> str:
    """The self-contained HTML page of the graph (``graph.html``)."""
    return render_html_bytes(graph).decode("utf-8")


def render_html_bytes(graph: ExecutionGraph) -> bytes:
    """:func:`render_html`'s page encoded in UTF-8, as ``graph.html`` holds it (made as bytes: the graph's JSON, most
    of the page, is not decoded and encoded again)."""
    return b"".join(_PageBuilder(graph).page())


def write_html(graph: ExecutionGraph, path: Path) -> None:
    """Write :func:`render_html_bytes`'s page to ``path`` (``graph.html``) piece by piece: a page of megabytes is
    never one buffer, taken fresh from the system page by page to be written once (see
    :meth:`ExecutionGraph.json_pieces`)."""
    pieces = _PageBuilder(graph).page()
    head = next(pieces)  # the page's own markup, made before the file is opened
    with path.open("wb") as out:
        out.write(head)
        out.writelines(pieces)


def write_graph_files(graph: ExecutionGraph, json_path: Path, html_path: Path) -> None:
    """Write ``graph.json`` (:meth:`ExecutionGraph.write_json`) and ``graph.html`` (:func:`write_html`) together.

    A complete graph is serialized once: each piece of ``graph.json`` is written to both files (the page embeds
    the same JSON), where writing them one after the other serialized the whole graph twice (a 400-step dry run's
    graph: 1.5 MB, ~30 M instructions each time). A folded graph's ``graph.json`` is the complete graph, read back
    from where the run spilled it, and its page embeds the summary: each is written on its own."""
    if not graph.complete:
        graph.write_json(json_path)
        write_html(graph, html_path)
        return
    builder = _PageBuilder(graph)
    head = builder.head()
    with json_path.open("wb") as json_out, html_path.open("wb") as html_out:
        html_out.write(head)
        for data in graph.json_pieces(indent=GRAPH_JSON_INDENT):
            json_out.write(data)
            html_out.write(_script_safe_json(data))
        html_out.write(builder.end())


_CSS = """
:root{--bg:#f6f7f9;--panel:#fff;--ink:#1d2433;--muted:#667085;--line:#e3e6eb;--code:#3b4a6b;
--ok:#1e7a3c;--ok-bg:#e5f5ea;--bad:#b42318;--bad-bg:#fdecea;--chk:#5f6673;--chk-bg:#eef0f3;
--run:#8a5a00;--run-bg:#fff4d6;--accent:#3658c9;--ctl:#eef2fb}
@media (prefers-color-scheme:dark){:root{--bg:#14171c;--panel:#1c2027;--ink:#e6e8ec;--muted:#9aa3b2;
--line:#2e343e;--code:#b8c4e0;--ok:#6fd08f;--ok-bg:#173323;--bad:#ff8a80;--bad-bg:#3a1c1c;--chk:#aab1bd;
--chk-bg:#2a2f37;--run:#ffd27a;--run-bg:#3a3020;--accent:#8aa4ff;--ctl:#222a38}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
code,pre,.code,.digest{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
header{background:var(--panel);border-bottom:1px solid var(--line);padding:18px 28px 16px}
.title-row{display:flex;align-items:center;gap:10px;flex-wrap:wrap}
h1{font-size:22px;margin:0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
h2{font-size:15px;margin:0 0 10px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.count{background:var(--chk-bg);color:var(--chk);border-radius:9px;padding:0 7px;font-size:12px}
.meta{display:flex;flex-wrap:wrap;gap:6px 18px;margin-top:6px;color:var(--muted);font-size:12.5px}
.meta code{color:var(--code)}
.meta-key{text-transform:uppercase;font-size:11px;letter-spacing:.04em}
.stats{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}
.stat{border:1px solid var(--line);border-radius:8px;padding:7px 14px;min-width:120px;background:var(--bg)}
.stat-label{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.stat-value{font-size:20px;font-weight:600}
.stat-sub{font-size:11.5px;color:var(--muted)}
.stat.ok .stat-value{color:var(--ok)} .stat.bad .stat-value{color:var(--bad)}
.stat.bad{border-color:var(--bad);background:var(--bad-bg)}
.stat.wide .stat-value{font-size:13.5px;font-weight:500;padding-top:5px;
font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
main{padding:18px 28px;display:flex;flex-direction:column;gap:18px}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.toolbar{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin-bottom:10px}
.toolbar button{font:inherit;font-size:12.5px;padding:3px 10px;border:1px solid var(--line);border-radius:6px;
background:var(--bg);color:var(--ink);cursor:pointer}
.toolbar button:hover{border-color:var(--accent)}
.toolbar label{font-size:12.5px;color:var(--muted);display:flex;align-items:center;gap:4px}
#filter{font:inherit;font-size:12.5px;padding:3px 8px;border:1px solid var(--line);border-radius:6px;min-width:260px;
background:var(--bg);color:var(--ink)}
.legend{margin-left:auto;display:flex;gap:4px}
.badge{display:inline-block;font-size:11px;font-weight:600;line-height:16px;padding:1px 7px;border-radius:9px;
text-transform:uppercase;letter-spacing:.03em;white-space:nowrap}
.badge.mode-dry{background:#efe6ff;color:#5b2bb5;border:1px solid #c9b3f5}
.badge.mode-live{background:var(--ok-bg);color:var(--ok);border:1px solid var(--ok)}
.badge.backend{background:var(--chk-bg);color:var(--chk);border:1px solid var(--line)}
.badge.st-succeeded{background:var(--ok-bg);color:var(--ok)}
.badge.st-failed{background:var(--bad);color:#fff}
.badge.st-checked{background:var(--chk-bg);color:var(--chk);border:1px dashed var(--chk);line-height:14px}
.badge.st-skipped{background:var(--chk-bg);color:var(--chk)}
.badge.st-running{background:var(--run-bg);color:var(--run)}
.tree details{margin:0}
details.node>summary{list-style:none;display:flex;align-items:center;gap:8px;padding:4px 8px;border-radius:6px;
cursor:pointer;min-height:28px}
details.node>summary::-webkit-details-marker{display:none}
details.node>summary::before{content:"▸";color:var(--muted);width:10px;font-size:11px;flex:none}
details.node[open]>summary::before{content:"▾"}
details.node>summary:hover{background:var(--bg)}
details.kind-controller>summary{background:var(--ctl);font-weight:600}
details.kind-controller>summary:hover{filter:brightness(.98)}
details.st-failed>summary{background:var(--bad-bg);box-shadow:inset 3px 0 0 var(--bad)}
details.st-checked>summary,details.st-skipped>summary{opacity:.75;background:repeating-linear-gradient(
-45deg,transparent 0 6px,var(--chk-bg) 6px 8px);outline:1px dashed var(--chk);outline-offset:-1px}
.code{font-weight:600;color:var(--ink)}
details.kind-operator>summary .code{font-weight:500}
.ptype{font-size:12px;color:var(--accent);font-weight:500}
.tag{font-size:11px;padding:0 6px;border-radius:8px;border:1px solid var(--line);color:var(--muted);font-weight:500}
.tag-selected{border-color:var(--ok);color:var(--ok)}
.spacer{flex:1;min-width:0;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;padding-left:6px}
.flow{font-size:12px;color:var(--muted);font-weight:400;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.flow-concept{color:var(--accent);opacity:.75}
.flow-arrow{color:var(--ink);padding:0 2px}
.ordinal{font-size:11px;color:var(--muted);background:var(--chk-bg);border-radius:8px;padding:0 6px;font-weight:500;
font-variant-numeric:tabular-nums}
.bar{position:relative;width:160px;height:6px;background:var(--chk-bg);border-radius:3px;flex:none;overflow:hidden}
.bar-fill{position:absolute;top:0;bottom:0;background:var(--accent);border-radius:3px;opacity:.7}
.st-failed>summary .bar-fill{background:var(--bad)} .st-checked>summary .bar-fill{background:var(--chk)}
.dur{width:72px;text-align:right;font-variant-numeric:tabular-nums;color:var(--muted);font-size:12.5px;flex:none;
font-weight:400}
.body{margin-left:13px;padding-left:14px;border-left:1px solid var(--line)}
.body>.desc,.body>.io-row,.body>.error,.body>.usage{margin:2px 0 2px 6px}
.desc{color:var(--muted);font-size:12.5px;font-style:italic}
.io-row{display:flex;align-items:flex-start;gap:6px;font-size:12.5px;padding:1px 0}
.io-items{display:flex;flex-wrap:wrap;gap:4px 6px;min-width:0}
.io-dir{padding-top:2px;font-size:10.5px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);width:38px;flex:none}
.io-item{display:inline-flex;align-items:baseline;gap:5px;border:1px solid var(--line);border-radius:6px;padding:0 7px;
background:var(--panel)}
.io-out .io-item{border-color:#b9c7ee}
.io-name{font-weight:600}
.concept{color:var(--accent)}
.digest{color:var(--muted);font-size:11.5px}
.from{color:var(--muted);font-size:11.5px}
.error{white-space:pre-wrap;word-break:break-word;background:var(--bad-bg);color:var(--bad);border:1px solid var(--bad);
border-radius:6px;padding:6px 10px;font-size:12.5px;margin-top:4px!important}
.usage{display:flex;gap:6px;font-size:12px;color:var(--muted);align-items:baseline}
.children{padding-top:2px;padding-bottom:4px}
.edges+h2{margin-top:18px}
table.edges{border-collapse:collapse;font-size:13px}
table.edges th{text-align:left;font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;
color:var(--muted);padding:2px 14px 4px 0;border-bottom:1px solid var(--line)}
table.edges td{padding:3px 14px 3px 0;border-bottom:1px solid var(--line);white-space:nowrap}
table.edges tbody tr:hover{background:var(--bg)}
table.edges td.arrow{padding-right:10px}
.arrow{color:var(--muted)}
a.nodelink{color:var(--ink);text-decoration:none;border-bottom:1px dotted var(--muted);
font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
a.nodelink:hover{color:var(--accent);border-color:var(--accent)}
.muted{color:var(--muted)}
.folded{padding:6px 12px;font-style:italic}
footer{padding:0 28px 24px;font-size:12px}
details.flash>summary{animation:flash 1.6s ease-out}
@keyframes flash{0%{box-shadow:0 0 0 3px var(--accent)}100%{box-shadow:0 0 0 0 transparent}}
.hint{font-size:12.5px;margin:-4px 0 8px}
.diagram-wrap{display:flex;gap:12px;align-items:flex-start}
#diagram{flex:1;min-width:0;border:1px solid var(--line);border-radius:8px;background:var(--bg);overflow:hidden}
.diagram-svg{display:block;width:100%;cursor:grab;user-select:none}
.diagram-details{width:340px;flex:none;border:1px solid var(--line);border-radius:8px;padding:8px 12px;font-size:12.5px;
max-height:720px;overflow:auto;background:var(--panel)}
.diagram-details h3{margin:2px 0 6px;font-size:14px;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.diagram-details h4{margin:10px 0 4px;font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.diagram-details pre{white-space:pre-wrap;word-break:break-word;margin:2px 0 6px;font-size:11.5px;color:var(--code)}
.d-row{margin:3px 0}
.d-group rect{fill:var(--ctl);stroke:var(--line);stroke-width:1}
.d-group.has-failure rect{stroke:var(--bad);stroke-width:1.5}
.d-group.st-checked rect,.d-group.st-skipped rect{stroke-dasharray:5 4;opacity:.8}
.d-group-label{font:600 12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:var(--ink);cursor:pointer}
.d-node rect{fill:var(--panel);stroke:var(--accent);stroke-width:1.2}
.d-node{cursor:pointer}
.d-node:hover rect{stroke-width:2.2}
.d-label{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:var(--ink);pointer-events:none}
.d-run.st-failed rect{fill:var(--bad-bg);stroke:var(--bad);stroke-width:2}
.d-run.st-checked rect,.d-run.st-skipped rect{stroke:var(--chk);stroke-dasharray:5 4}
.d-run.d-selected rect{stroke:var(--ok);stroke-width:2.4}
.d-stuff rect{fill:var(--ok-bg);stroke:var(--ok);stroke-width:1}
.d-stuff.d-input rect{fill:var(--chk-bg);stroke:var(--chk)}
.d-stuff{cursor:default}
.d-more rect{fill:var(--chk-bg);stroke:var(--chk);stroke-dasharray:4 3}
.d-edge{fill:none;stroke:var(--muted);stroke-width:1.2}
.d-edge-selected{stroke:var(--ok);stroke-width:2}
.d-edge-label{font:11px system-ui,sans-serif;fill:var(--ok)}
.arrowhead{fill:var(--muted)}
"""

_JS = """
(function(){
  var nodes = Array.prototype.slice.call(document.querySelectorAll('details.node'));
  function kids(d){
    var c = d.querySelector(':scope > .body > .children');
    return c ? Array.prototype.filter.call(c.children, function(e){ return e.matches('details.node'); }) : [];
  }
  function setAll(open){ nodes.forEach(function(d){ d.open = open; }); }
  document.querySelectorAll('.toolbar button').forEach(function(b){
    b.addEventListener('click', function(){ setAll(b.getAttribute('data-action') === 'expand'); });
  });
  var filter = document.getElementById('filter');
  var failOnly = document.getElementById('failures-only');
  function apply(){
    var q = (filter.value || '').trim().toLowerCase();
    var f = failOnly.checked;
    for (var i = nodes.length - 1; i >= 0; i--) {
      var d = nodes[i];
      var self = (!q || d.getAttribute('data-search').indexOf(q) >= 0) &&
                 (!f || d.getAttribute('data-status') === 'failed');
      var child = kids(d).some(function(k){ return !k.hidden; });
      d.hidden = !(self || child);
      if (child && (q || f)) { d.open = true; }
    }
  }
  filter.addEventListener('input', apply);
  failOnly.addEventListener('change', apply);
  function reveal(){
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (!el) { return; }
    for (var p = el; p; p = p.parentElement) { if (p.tagName === 'DETAILS') { p.open = true; p.hidden = false; } }
    el.classList.remove('flash'); void el.offsetWidth; el.classList.add('flash');
    el.scrollIntoView({block: 'center'});
  }
  window.addEventListener('hashchange', reveal);
  reveal();
})();
"""
