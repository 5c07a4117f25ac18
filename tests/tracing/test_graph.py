"""The execution graph: tracer, JSON, Mermaid and HTML renderers (SPEC §10)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelex.tracing.graph import ExecutionGraph, IOItem, canonical_json, digest
from pipelex.tracing.html import graph_from_html, render_html
from pipelex.tracing.mermaid import escape_label, render_mermaid
from pipelex.tracing.tracer import GraphTracer, TracingError

XSS_DESCRIPTION = 'Says <script>alert("x")</script> & "quotes"'


def start(
    tracer: GraphTracer, code: str, pipe_type: str, kind: str, *, parent: str | None, inputs: list[IOItem]
) -> str:
    return tracer.start_node(
        pipe_code=code,
        pipe_type=pipe_type,
        kind=kind,
        description="",
        domain="d",
        parent_id=parent,
        inputs=inputs,
    )


def item(name: str, concept: str, content: Any) -> IOItem:
    return IOItem.from_content(name=name, concept=concept, content=content)


class Run:
    """A small helper that drives a GraphTracer the way the runtime does."""

    def __init__(self, tracer: GraphTracer, pause: float = 0.0) -> None:
        self.tracer = tracer
        self.pause = pause

    def op(
        self,
        parent: str | None,
        code: str,
        pipe_type: str,
        inputs: list[IOItem],
        output: IOItem | None,
        *,
        fail: str | None = None,
        description: str = "",
        usage: dict[str, Any] | None = None,
    ) -> str:
        node = self.tracer.start_node(
            pipe_code=code,
            pipe_type=pipe_type,
            kind="operator",
            description=description or f"Runs {code}",
            domain="reports",
            parent_id=parent,
            inputs=inputs,
        )
        if self.pause:  # varied, plausible durations for rendered demos
            time.sleep(self.pause * (1 + len(code) % 5))
        if fail:
            self.tracer.end_node(node, status="failed", error=fail)
        else:
            self.tracer.end_node(node, outputs=[output] if output else [], usage=usage)
        return node

    def ctl(self, parent: str | None, code: str, pipe_type: str, inputs: list[IOItem]) -> str:
        return self.tracer.start_node(
            pipe_code=code,
            pipe_type=pipe_type,
            kind="controller",
            description=f"Controls {code}",
            domain="reports",
            parent_id=parent,
            inputs=inputs,
        )


def build_small_graph() -> tuple[ExecutionGraph, dict[str, str]]:
    """seq(main) → [op a, cond → (branch_x selected, branch_y checked), op b fails]."""
    tracer = GraphTracer(pipeline_run_id="run-1", main_pipe="main", domain="demo", mode="dry")
    run = Run(tracer)
    text = item("text", "Text", "hello")
    ids: dict[str, str] = {}
    ids["main"] = run.ctl(None, "main", "PipeSequence", [text])
    summary = item("summary", "Summary", {"title": "T", "points": ["p1", "p2"]})
    ids["a"] = run.op(ids["main"], "summarize", "PipeLLM", [text], summary, usage={"input_tokens": 10})
    ids["cond"] = run.ctl(ids["main"], "route", "PipeCondition", [summary])
    verdict = item("verdict", "Text", "long")
    ids["x"] = run.op(ids["cond"], "branch_x", "PipeLLM", [summary], verdict, usage={"input_tokens": 5})
    ids["y"] = run.op(ids["cond"], "branch_y", "PipeLLM", [summary], item("verdict", "Text", "short"))
    tracer.mark(ids["y"], "checked", "checked_outcome")
    tracer.add_selected_outcome(ids["cond"], ids["x"], "long")
    tracer.end_node(ids["cond"], outputs=[verdict])
    ids["b"] = run.op(
        ids["main"],
        "publish",
        "PipeFunc",
        [verdict, summary],
        None,
        fail="boom <b>",
        description=XSS_DESCRIPTION,
    )
    tracer.end_node(ids["main"], status="failed", error="publish failed")
    return tracer.build(), ids


def build_sample_30(pause: float = 0.0) -> ExecutionGraph:
    """A 30-pipe dry run: 3 sub-sequences with batches, a condition with a checked branch, a failure."""
    tracer = GraphTracer(
        pipeline_run_id="run_2024_demo_30", main_pipe="write_report", domain="reports", mode="dry"
    )
    run = Run(tracer, pause)
    topic = item("topic", "Text", "renewable energy in 2024")
    doc = item("source_doc", "Document", {"url": "file://report.pdf"})
    main = run.ctl(None, "write_report", "PipeSequence", [topic, doc])

    gather = run.ctl(main, "gather_sources", "PipeSequence", [doc])
    pages = item("pages", "Page", [{"text": f"page {i}"} for i in range(3)])
    run.op(gather, "extract_pages", "PipeExtract", [doc], pages, usage={"pages": 3})
    batch = run.ctl(gather, "summarize_pages", "PipeBatch", [pages])
    summaries = []
    for i in range(3):
        page = item("page", "Page", {"text": f"page {i}"})
        summary = item("page_summary", "Summary", {"text": f"summary {i}"})
        summaries.append(summary.data)
        run.op(
            batch,
            "summarize_page",
            "PipeLLM",
            [page],
            summary,
            usage={"input_tokens": 120, "output_tokens": 40},
        )
    summary_list = item("page_summaries", "Summary", summaries)
    tracer.end_node(batch, outputs=[summary_list])
    digest_item = item("digest", "Text", "merged summaries")
    run.op(gather, "merge_summaries", "PipeCompose", [summary_list, topic], digest_item)
    tracer.end_node(gather, outputs=[digest_item])

    analyze = run.ctl(main, "analyze", "PipeSequence", [digest_item, topic])
    claims = item("claims", "Claim", [{"claim": f"c{i}"} for i in range(4)])
    run.op(
        analyze,
        "list_claims",
        "PipeLLM",
        [digest_item],
        claims,
        usage={"input_tokens": 300, "output_tokens": 90},
    )
    check = run.ctl(analyze, "check_claims", "PipeBatch", [claims])
    verdicts = []
    for i in range(4):
        verdict = item("verdict", "Verdict", {"claim": f"c{i}", "ok": i % 2 == 0})
        verdicts.append(verdict.data)
        run.op(check, "check_claim", "PipeLLM", [item("claim", "Claim", {"claim": f"c{i}"})], verdict)
    verdict_list = item("verdicts", "Verdict", verdicts)
    tracer.end_node(check, outputs=[verdict_list])
    score = item("score", "Number", 0.72)
    run.op(analyze, "score_claims", "PipeFunc", [verdict_list], score)
    route = run.ctl(analyze, "route_by_score", "PipeCondition", [score])
    deep = run.ctl(route, "deep_review", "PipeSequence", [digest_item, score])
    draft = item("review_draft", "Text", "draft review")
    run.op(
        deep,
        "review_draft",
        "PipeLLM",
        [digest_item],
        draft,
        usage={"input_tokens": 200, "output_tokens": 150},
    )
    review = item("review", "Review", {"text": "final review"})
    run.op(
        deep, "review_critique", "PipeLLM", [draft], review, usage={"input_tokens": 180, "output_tokens": 120}
    )
    tracer.end_node(deep, outputs=[review])
    quick = run.op(
        route, "quick_review", "PipeLLM", [digest_item], item("review", "Review", {"text": "quick"})
    )
    tracer.mark(quick, "checked", "checked_outcome")
    tracer.add_selected_outcome(route, deep, "score >= 0.5")
    tracer.end_node(route, outputs=[review])
    tracer.end_node(analyze, outputs=[review])

    publish = run.ctl(main, "publish", "PipeSequence", [review, digest_item])
    sections_in = item("outline", "Section", [{"h": f"s{i}"} for i in range(3)])
    render = run.ctl(publish, "render_sections", "PipeBatch", [sections_in])
    rendered = []
    for i in range(3):
        section = item("section_html", "Html", f"<h2>s{i}</h2>")
        rendered.append(section.data)
        run.op(render, "render_section", "PipeCompose", [item("section", "Section", {"h": f"s{i}"})], section)
    rendered_list = item("sections", "Html", rendered)
    tracer.end_node(render, outputs=[rendered_list])
    cover = item("cover", "Image", {"url": "pipelex://dry-run/cover.png"})
    run.op(publish, "make_cover", "PipeImgGen", [topic], cover)
    assemble = run.ctl(publish, "assemble", "PipeParallel", [rendered_list, cover, review])
    page_html = item("report_html", "Html", "<html>…</html>")
    run.op(assemble, "assemble_html", "PipeCompose", [rendered_list, cover, review], page_html)
    run.op(
        assemble,
        "assemble_pdf",
        "PipeFunc",
        [rendered_list, cover],
        None,
        fail="PipeRunError: pipe 'assemble_pdf' failed: function 'html_to_pdf' raised "
        "OSError('wkhtmltopdf not found')\n  hint: install the converter or mark the pipe allowed_to_fail",
        description="Converts the <html> report to PDF",
    )
    tracer.end_node(assemble, status="failed", error="1 of 2 branches failed: assemble_pdf")
    tracer.end_node(publish, status="failed", error="step 'assemble' failed")
    tracer.end_node(main, status="failed", error="step 'publish' failed")
    return tracer.build()


# ---------------------------------------------------------------------------- digest & models


def test_digest_is_canonical_and_short() -> None:
    assert digest({"a": 1, "b": [1, 2]}) == digest({"b": [1, 2], "a": 1})
    assert digest({"a": 1}) != digest({"a": 2})
    assert re.fullmatch(r"[0-9a-f]{16}", digest("x"))


@settings(max_examples=300, deadline=None)
@given(
    data=st.dictionaries(
        st.text(),
        st.one_of(
            st.text(),
            st.text(alphabet='"\\\x00\x1f\x7f\u2028\ud800é\n\t'),
            st.integers(),
            st.none(),
            st.booleans(),
            st.floats(),
            st.lists(st.text(), max_size=2),
        ),
        max_size=4,
    )
)
def test_canonical_json_of_plain_objects_is_the_encoders(data: dict[str, Any]) -> None:
    """The direct writing of a flat object of strings is exactly what the canonical encoder writes (escapes, lone
    surrogates and key order included); anything else goes to the encoder."""
    encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)
    assert canonical_json(data, plain=True) == encoder.encode(data)
    try:
        expected = digest(data)
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8 form: refused on both paths
        with pytest.raises(UnicodeEncodeError):
            digest(data, plain=True)
    else:
        assert digest(data, plain=True) == expected


_NESTED_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(alphabet='"\\\x00\x1f\x7f\u2028\ud800é\n\tab'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(data=_NESTED_JSON, sort_keys=st.booleans(), compact=st.booleans())
def test_the_json_encoder_writes_what_jsons_own_writes(data: Any, sort_keys: bool, compact: bool) -> None:
    """``json_encoder`` (json's C encoder, without importing the json package) writes the text
    ``json.JSONEncoder(ensure_ascii=False, ...).encode`` writes: escapes, lone surrogates, floats, NaN, key order."""
    from pipelex.tracing.graph import json_encoder

    separators = (",", ":") if compact else (", ", ": ")
    ours = json_encoder(sort_keys=sort_keys, separators=separators, default=repr)
    theirs = json.JSONEncoder(ensure_ascii=False, sort_keys=sort_keys, separators=separators, default=repr)
    assert ours(data) == theirs.encode(data)


def test_the_json_encoder_fails_as_jsons_own_fails() -> None:
    """A value it cannot write, a cycle, keys that do not sort: the same errors, and the encoder still works after."""
    from pipelex.tracing.graph import json_encoder

    ours = json_encoder(sort_keys=True)
    theirs = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
    cycle: list[Any] = [1]
    cycle.append(cycle)
    for bad in ({"a": object()}, cycle, {1: "a", "b": "c"}):
        with pytest.raises((TypeError, ValueError)) as expected:
            theirs.encode(bad)
        with pytest.raises(type(expected.value), match=re.escape(str(expected.value)[:30])):
            ours(bad)
    assert ours({"b": [1.5, None], "a": "x"}) == '{"a": "x", "b": [1.5, null]}'
    assert json_encoder(default=repr)({"k": {1, 2}}) == theirs.encode({"k": repr({1, 2})})


def test_a_run_s_graph_modules_do_not_import_the_json_package() -> None:
    """The graph, its renderers and the direct backend write JSON without importing ``json`` (its import compiles
    regular expressions no run needs: ~5 M instructions of a dry run with mocked inputs)."""
    import subprocess
    import sys

    code = (
        "import sys, pipelex.backends.direct, pipelex.tracing.html, pipelex.tracing.mermaid\n"
        "print(sorted(m for m in sys.modules if m == 'json' or m.startswith('json.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_list_digest_is_the_digest_of_the_whole_list() -> None:
    """A list digested item by item (a huge batch's input and output) has the digest of the whole list's JSON."""
    from pipelex.concepts.natives import NumberContent, TextContent
    from pipelex.tracing.graph import list_digest

    items: list[Any] = [TextContent(text='é " x'), NumberContent(number=2.5), {"a": [1, None]}, "plain", 3]
    whole = {"items": [i.model_dump(mode="json") if hasattr(i, "model_dump") else i for i in items]}
    assert list_digest(items) == digest(whole)
    assert list_digest([]) == digest({"items": []})


@pytest.mark.parametrize("extra", [-1, 0, 1, 2])
@pytest.mark.parametrize("chunks", [1, 2])
def test_list_digest_across_its_chunks(chunks: int, extra: int) -> None:
    """The items' JSON is hashed a chunk at a time: a list ending just before, on or after a chunk's end has the
    digest of the whole list's JSON."""
    from pipelex.concepts.natives import TextContent
    from pipelex.tracing.graph import _LIST_DIGEST_CHUNK, list_digest  # pyright: ignore[reportPrivateUsage]

    items = [TextContent(text=f"note {index}") for index in range(chunks * _LIST_DIGEST_CHUNK + extra)]
    assert list_digest(items) == digest({"items": [{"text": item.text} for item in items]})


def test_io_item_from_content_sets_multiplicity_and_digest() -> None:
    single = IOItem.from_content(name="t", concept="Text", content="hi")
    many = IOItem.from_content(name="t", concept="Text", content=["hi"])
    assert single.multiplicity == "single" and many.multiplicity == "list"
    assert single.digest == digest("hi")
    assert IOItem.from_content(name="t", concept="Text", content="hi", include_data=False).data is None


def test_models_forbid_extra_fields() -> None:
    with pytest.raises(ValueError):
        IOItem.model_validate({"name": "a", "concept": "Text", "bogus": 1})


# ---------------------------------------------------------------------------- tracer


def test_tracer_nodes_and_contains_edges() -> None:
    graph, ids = build_small_graph()
    assert len(graph.nodes) == 6
    kinds = {node.pipe_code: node.kind for node in graph.nodes}
    assert kinds == {
        "main": "controller",
        "summarize": "operator",
        "route": "controller",
        "branch_x": "operator",
        "branch_y": "operator",
        "publish": "operator",
    }
    contains = graph.edges_of_kind("contains")
    assert {(edge.source, edge.target) for edge in contains} == {
        (ids["main"], ids["a"]),
        (ids["main"], ids["cond"]),
        (ids["cond"], ids["x"]),
        (ids["cond"], ids["y"]),
        (ids["main"], ids["b"]),
    }
    nodes = graph.node_map()
    assert nodes[ids["x"]].path == "main/route/branch_x"
    assert nodes[ids["main"]].path == "main"
    assert graph.mode == "dry" and graph.backend == "direct"


def test_tracer_statuses_tags_and_errors() -> None:
    graph, ids = build_small_graph()
    nodes = graph.node_map()
    assert nodes[ids["a"]].status == "succeeded"
    assert nodes[ids["y"]].status == "checked" and "checked_outcome" in nodes[ids["y"]].tags
    assert "selected_outcome" in nodes[ids["x"]].tags
    assert nodes[ids["b"]].status == "failed" and nodes[ids["b"]].error == "boom <b>"
    assert nodes[ids["main"]].status == "failed"
    timing = nodes[ids["a"]].timing
    assert timing.ended_at is not None and timing.duration is not None and timing.duration >= 0
    assert graph.usage == {"total": {"input_tokens": 15}}


def test_tracer_data_edges() -> None:
    graph, ids = build_small_graph()
    data = {(edge.source, edge.target, edge.label) for edge in graph.edges_of_kind("data")}
    assert data == {
        (ids["a"], ids["cond"], "summary"),
        (ids["a"], ids["x"], "summary"),
        (ids["a"], ids["y"], "summary"),
        # the verdict comes from the selected branch, not from the condition that passed it up,
        # nor from the checked branch
        (ids["x"], ids["b"], "verdict"),
        (ids["a"], ids["b"], "summary"),
    }
    for edge in graph.edges_of_kind("data"):
        assert edge.stuff_digest is not None
    selected = graph.edges_of_kind("selected_outcome")
    assert [(edge.source, edge.target, edge.label) for edge in selected] == [(ids["cond"], ids["x"], "long")]


def test_no_data_edge_to_self_or_ancestor() -> None:
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="outer", domain="d", mode="live")
    shared = item("x", "Text", "same")
    outer = start(tracer, "outer", "PipeSequence", "controller", parent=None, inputs=[])
    first = start(tracer, "make", "PipeLLM", "operator", parent=outer, inputs=[])
    tracer.end_node(first, outputs=[shared])
    tracer.end_node(outer, outputs=[shared])
    # a pass-through pipe whose output equals its input: no self edge
    again = start(tracer, "again", "PipeCompose", "operator", parent=None, inputs=[shared])
    tracer.end_node(again, outputs=[shared])
    graph = tracer.build()
    data = [(edge.source, edge.target) for edge in graph.edges_of_kind("data")]
    assert data == [(first, again)]
    for edge in graph.edges_of_kind("data"):
        assert edge.source != edge.target


def test_child_does_not_link_to_ancestor_producer() -> None:
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="outer", domain="d", mode="live")
    value = item("v", "Text", "v")
    outer = start(tracer, "outer", "PipeSequence", "controller", parent=None, inputs=[])
    # the controller reports an output early (e.g. an alias) and then a child consumes it
    tracer._producers[value.digest or ""] = outer  # pyright: ignore[reportPrivateUsage]
    child = start(tracer, "child", "PipeLLM", "operator", parent=outer, inputs=[value])
    tracer.end_node(child)
    tracer.end_node(outer)
    assert tracer.build().edges_of_kind("data") == []


def test_mark_checked_applies_to_descendants_but_keeps_failures() -> None:
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="cond", domain="d", mode="dry")
    run = Run(tracer)
    cond = run.ctl(None, "cond", "PipeCondition", [])
    branch = run.ctl(cond, "branch", "PipeSequence", [])
    ok = run.op(branch, "ok_step", "PipeLLM", [], item("o", "Text", "o"))
    bad = run.op(branch, "bad_step", "PipeLLM", [], None, fail="nope")
    tracer.end_node(branch, status="failed", error="nope")
    tracer.mark(branch, "checked", "checked_outcome")
    tracer.end_node(cond)
    nodes = tracer.build().node_map()
    assert nodes[branch].status == "checked"
    assert nodes[ok].status == "checked" and "checked_outcome" in nodes[ok].tags
    assert nodes[bad].status == "failed"
    # a checked node is no producer: a later real producer of the same content is the source
    later = run.op(None, "later", "PipeLLM", [], item("o", "Text", "o"))
    consumer = run.op(None, "consumer", "PipeLLM", [item("o", "Text", "o")], None)
    data = [(edge.source, edge.target) for edge in tracer.build().edges_of_kind("data")]
    assert data == [(later, consumer)]


def test_mark_before_end_keeps_checked_status() -> None:
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="p", domain="d", mode="dry")
    node = Run(tracer).ctl(None, "p", "PipeLLM", [])
    tracer.mark(node, "checked", "checked_outcome")
    tracer.end_node(node)
    assert tracer.build().nodes[0].status == "checked"


def test_tracer_rejects_unknown_ids_and_values() -> None:
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="p", domain="d", mode="live")
    with pytest.raises(TracingError):
        tracer.end_node("nope")
    with pytest.raises(TracingError):
        Run(tracer).ctl("missing-parent", "p", "PipeSequence", [])
    node = Run(tracer).ctl(None, "p", "PipeSequence", [])
    with pytest.raises(TracingError):
        tracer.mark(node, "bogus")
    with pytest.raises(TracingError):
        GraphTracer(pipeline_run_id="r", main_pipe="p", domain="d", mode="fast")


def test_tracer_accepts_str_enum_mode_and_can_drop_data() -> None:
    from enum import StrEnum

    class Mode(StrEnum):
        DRY = "dry"

    tracer = GraphTracer(pipeline_run_id="r", main_pipe="p", domain="d", mode=Mode.DRY, include_data=False)
    Run(tracer).op(None, "p", "PipeLLM", [item("t", "Text", "secret")], item("o", "Text", "out"))
    graph = tracer.build()
    assert graph.mode == "dry"
    assert graph.nodes[0].inputs[0].data is None and graph.nodes[0].outputs[0].data is None
    assert graph.nodes[0].inputs[0].digest == digest("secret")
    assert '"mode":"dry"' in graph.to_json(indent=None)


def test_running_node_stays_running() -> None:
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="p", domain="d", mode="live")
    Run(tracer).ctl(None, "p", "PipeSequence", [])
    node = tracer.build().nodes[0]
    assert node.status == "running" and node.timing.ended_at is None
    assert "running" in render_html(tracer.build())


def test_a_built_graph_keeps_its_values_when_the_run_goes_on() -> None:
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="p", domain="d", mode="live")
    root = start(tracer, "p", "PipeSequence", "controller", parent=None, inputs=[])
    leaf = start(tracer, "leaf", "PipeLLM", "operator", parent=root, inputs=[])
    tracer.add_usage(leaf, {"calls": 1})
    before = tracer.build()
    tracer.add_warning(leaf, "cut off")
    tracer.add_usage(leaf, {"calls": 1})
    tracer.end_node(leaf, outputs=[IOItem(name="x", concept="Text", digest="d")])
    tracer.mark(leaf, "succeeded", "retried")
    node = before.nodes[1]
    assert (node.warnings, node.tags, node.outputs, node.usage) == ([], [], [], {"calls": 1})
    after = tracer.build().nodes[1]
    assert (after.warnings, after.tags, after.usage) == (["cut off"], ["retried"], {"calls": 2})
    assert [item.name for item in after.outputs] == ["x"]


def test_built_nodes_and_edges_are_what_validating_them_makes() -> None:
    """``build`` makes the nodes and edges from the tracer's records without validating them: the graph is the one
    the validation of the same values makes (fields, fields-sets, JSON), a time recorded as an ``int`` included."""
    small, _ = build_small_graph()
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="p", domain="d", mode="dry")
    root = tracer.start_node(  # a run recorded elsewhere: its times and where it ran
        pipe_code="p",
        pipe_type="PipeSequence",
        kind="controller",
        description="",
        domain="d",
        parent_id=None,
        inputs=[],
        recorded_start=1_700_000_000,
        placement={"worker": "w1", "attempt": 1},
    )
    leaf = start(tracer, "leaf", "PipeLLM", "operator", parent=root, inputs=[item("x", "Text", "hi")])
    tracer.add_warning(leaf, "cut off")
    tracer.end_node(leaf, outputs=[item("y", "Text", "hi")], usage={"calls": 1})
    tracer.end_node(root, recorded_end=(1_700_000_002, 2))
    for built in (small, tracer.build()):
        validated = ExecutionGraph.model_validate(built.model_dump())
        assert built == validated
        assert built.model_dump_json(indent=2) == validated.model_dump_json(indent=2)
        for mine, theirs in zip(
            [*built.nodes, *built.edges], [*validated.nodes, *validated.edges], strict=True
        ):
            assert type(mine) is type(theirs) and mine.model_fields_set == theirs.model_fields_set
            assert (mine.__pydantic_extra__, mine.__pydantic_private__) == (None, None)
        for node in built.nodes:
            timing = node.timing
            assert timing.model_fields_set == validated.nodes[0].timing.model_fields_set
            assert all(type(t) is float for t in (timing.started_at, timing.ended_at, timing.duration))
    recorded = tracer.build().nodes[0]
    assert (recorded.timing.started_at, recorded.timing.duration) == (1_700_000_000.0, 2.0)
    assert recorded.placement == {"worker": "w1", "attempt": 1}
    assert '"started_at": 1700000000.0' in tracer.build().model_dump_json(indent=2)


def test_ten_thousand_nodes_trace() -> None:  # speed is measured by `make bench`, not here
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="root", domain="d", mode="dry", include_data=False)
    root = start(tracer, "root", "PipeSequence", "controller", parent=None, inputs=[])
    previous = IOItem(name="x", concept="Text", digest="seed")
    for index in range(100):
        ctl = start(tracer, f"seq_{index}", "PipeSequence", "controller", parent=root, inputs=[previous])
        for step in range(99):
            out = IOItem(name="x", concept="Text", digest=f"d{index}_{step}")
            node = start(tracer, f"step_{step}", "PipeLLM", "operator", parent=ctl, inputs=[previous])
            tracer.end_node(node, outputs=[out])
            previous = out
        tracer.end_node(ctl, outputs=[previous])
    tracer.end_node(root, outputs=[previous])
    graph = tracer.build()
    assert len(graph.nodes) == 1 + 100 + 100 * 99
    assert len(graph.edges_of_kind("contains")) == len(graph.nodes) - 1
    assert len(graph.edges_of_kind("data")) > 9_000


def test_html_folds_long_batches_but_keeps_failures() -> None:
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="batch", domain="d", mode="dry", include_data=False)
    root = start(tracer, "batch", "PipeBatch", "controller", parent=None, inputs=[])
    for index in range(200):
        node = start(tracer, "item", "PipeCompose", "operator", parent=root, inputs=[])
        if index == 150:
            tracer.end_node(node, outputs=[], status="failed", error="item 150 broke")
        else:
            tracer.end_node(node, outputs=[IOItem(name="x", concept="Text", digest=f"d{index}")])
    tracer.end_node(root, outputs=[], status="failed", error="one item failed")
    graph = tracer.build()
    page = render_html(graph)
    shown = page.count('class="node kind-operator')
    assert shown == 51  # the first 50 items and the failed one
    assert "item 150 broke" in page
    assert "149 more runs not shown (149 succeeded)" in page
    assert len(graph_from_html(page).nodes) == 201  # the embedded graph keeps every run


# ---------------------------------------------------------------------------- JSON


def test_json_round_trip() -> None:
    graph, _ = build_small_graph()
    text = graph.to_json()
    again = ExecutionGraph.from_json(text)
    assert again == graph
    payload = json.loads(text)
    assert set(payload) == {
        "graph_id",
        "created_at",
        "pipeline_run_id",
        "main_pipe",
        "domain",
        "mode",
        "backend",
        "nodes",
        "edges",
        "usage",
        "folded",  # runs summarised out of memory (huge batches): empty in a complete graph
    }
    assert payload["folded"] == []
    assert payload["nodes"][0]["id"].startswith(graph.graph_id + ":node_")


def test_json_of_odd_content_does_not_break() -> None:
    class Odd:
        def __repr__(self) -> str:
            return "Odd()"

    io = IOItem.from_content(name="o", concept="Any", content={"when": time.gmtime(0)[:3], "odd": Odd()})
    assert io.data == {"when": [1970, 1, 1], "odd": "Odd()"}


# ---------------------------------------------------------------------------- Mermaid


def test_mermaid_structure() -> None:
    graph, _ = build_small_graph()
    text = render_mermaid(graph)
    assert text.startswith("flowchart LR\n")
    assert text.count("subgraph ") == 2 and text.count("\n    end") + text.count("\n        end") == 2
    assert 'n1["summarize<br/>PipeLLM"]' in text
    assert '-->|"summary"|' in text
    assert '-.->|"long"|' in text
    assert "classDef failed" in text and "classDef checked" in text
    assert re.search(r"class [n0-9,]*n5[n0-9,]* failed", text)  # publish
    assert re.search(r"class [n0-9,]*n4[n0-9,]* checked", text)  # branch_y
    assert "style n0 " in text  # the failed main sequence
    assert "<script>" not in text


def test_mermaid_escapes_labels() -> None:
    assert escape_label('a "b" [c] <d>') == "a #quot;b#quot; #91;c#93; #lt;d#gt;"
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="p", domain="d", mode="live")
    Run(tracer).op(None, 'we"ird]', "PipeLLM", [], None)
    assert 'n0["we#quot;ird#93;<br/>PipeLLM"]' in render_mermaid(tracer.build())


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        st.text(),
        st.text(alphabet='ab _.#"<>[](){}|`;&\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\té', max_size=12),
    )
)
def test_a_label_is_escaped_as_the_translation_escapes_it(text: str) -> None:
    """A label with nothing to escape is kept as it is: exactly what the line join and translation make of it."""
    from pipelex.tracing.mermaid import _ESCAPE_TABLE

    assert escape_label(text) == " ".join(text.splitlines()).translate(_ESCAPE_TABLE)
    for special in '#"<>[](){}|`;&\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029':  # each one, beside plain text
        label = f"{text}x{special}y"
        assert escape_label(label) == " ".join(label.splitlines()).translate(_ESCAPE_TABLE) != label


def test_mermaid_of_sample_graph_balances_subgraphs() -> None:
    text = render_mermaid(build_sample_30())
    opened = len(re.findall(r"^\s*subgraph ", text, re.M))
    closed = len(re.findall(r"^\s*end$", text, re.M))
    assert opened == closed == 10  # every controller ran children


# ---------------------------------------------------------------------------- HTML


def test_html_is_self_contained_and_complete() -> None:
    graph = build_sample_30()
    page = render_html(graph)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    # the SVG namespace is an identifier the diagram script needs, not an address anything is loaded from
    unloaded = page.replace('SVGNS = "http://www.w3.org/2000/svg"', "")
    assert "http://" not in unloaded and "https://" not in unloaded
    assert "<link" not in page and "@import" not in page
    for node in graph.nodes:
        assert node.pipe_code in page
    assert "assemble_pdf" in page and "wkhtmltopdf not found" in page
    assert 'id="graph-data"' in page
    assert "dry run" in page
    assert "→" in page  # data edge list


def test_html_escapes_text() -> None:
    graph, _ = build_small_graph()
    page = render_html(graph)
    body = page.split('<script type="application/json"', 1)[0]
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert "boom &lt;b&gt;" in body
    embedded = page.split('id="graph-data">', 1)[1].split("</script>", 1)[0]
    assert "</" not in embedded and "<\\/script>" in embedded
    outside = page.replace(embedded, "")
    assert outside.count("<script") == 3  # the JSON block, the page's script and the diagram's (with dagre)


def test_html_scripts_are_the_vendored_files_text() -> None:
    """The page's scripts, read and joined as bytes, are the files' text as ``read_text`` reads it, encoded."""
    from pathlib import Path

    from pipelex.tracing import html

    here = Path(html.__file__).resolve().parent
    files = [here / "vendor" / "dagre.min.js", here / "diagram.js"]
    texts = [path.read_text(encoding="utf-8") for path in files]  # UTF-8 text, or this fails
    scripts = (texts[0] + "\n" + texts[1]).replace("</", "<\\/")
    assert "</" in texts[1] and not texts[1].isascii()  # what the bytes path must get right: escapes, UTF-8
    end = html._page_end(with_diagram=True)  # pyright: ignore[reportPrivateUsage]
    assert end == f"</script><script>{html._JS}</script><script>{scripts}</script></body></html>\n".encode()  # pyright: ignore[reportPrivateUsage]
    bare = html._page_end(with_diagram=False)  # pyright: ignore[reportPrivateUsage]
    assert bare == f"</script><script>{html._JS}</script></body></html>\n".encode()  # pyright: ignore[reportPrivateUsage]


@given(
    st.binary(max_size=64)
    | st.lists(st.sampled_from([b"<", b"/", b"</", b"a", b"\\", b"<<//"]), max_size=30).map(b"".join)
)
def test_script_ends_are_escaped_as_replace_escapes_them(code: bytes) -> None:
    """The scripts' ``</`` found from each ``<``: the bytes ``replace`` makes."""
    from pipelex.tracing.html import _escape_script_ends  # pyright: ignore[reportPrivateUsage]

    assert _escape_script_ends(code) == code.replace(b"</", b"<\\/")


def test_html_embedded_graph_round_trips() -> None:
    graph, _ = build_small_graph()
    assert graph_from_html(render_html(graph)) == graph
    sample = build_sample_30()
    assert graph_from_html(render_html(sample)) == sample


def test_html_lists_data_edges_and_outcomes() -> None:
    graph, _ = build_small_graph()
    page = render_html(graph)
    assert "Data flow" in page and "Condition outcomes" in page
    rows = [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr><td>.*?</tr>", page.split("Data flow", 1)[1])
    ]
    assert f"summarize → branch_x (summary) #{digest({'title': 'T', 'points': ['p1', 'p2']})[:8]}" in rows
    assert any(row.startswith("branch_x → publish (verdict) #") for row in rows)
    assert "route ⇢ branch_x (long)" in rows
    assert page.count("<details") == len(graph.nodes)


def test_sample_graph_shape() -> None:
    graph = build_sample_30()
    assert len(graph.nodes) == 30
    statuses = [node.status for node in graph.nodes]
    assert statuses.count("failed") == 4 and statuses.count("checked") == 1
    assert len(graph.edges_of_kind("selected_outcome")) == 1
    assert len(graph.edges_of_kind("contains")) == 29


def test_html_of_empty_graph_and_foreign_page() -> None:
    empty = GraphTracer(pipeline_run_id="r", main_pipe="p", domain="d", mode="live").build()
    page = render_html(empty)
    assert "No pipe ran." in page and "live" in page
    assert graph_from_html(page) == empty
    assert render_mermaid(empty).startswith("flowchart LR")
    with pytest.raises(ValueError):
        graph_from_html("<html></html>")


def test_html_embedding_cannot_open_comment_or_close_script() -> None:
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="p", domain="d", mode="live")
    Run(tracer).op(None, "p", "PipeLLM", [item("t", "Text", "<!-- </script><script>x()</script>")], None)
    graph = tracer.build()
    page = render_html(graph)
    embedded = page.split('id="graph-data">', 1)[1].split("</script>", 1)[0]
    assert "<!--" not in embedded and "</" not in embedded
    assert graph_from_html(page) == graph


@given(st.text() | st.integers() | st.none())
def test_the_page_escapes_text_as_html_escape_does(value: object) -> None:
    """``_esc`` spares the ``html`` package's import: the same text as ``html.escape(str(value), quote=True)``."""
    import html

    from pipelex.tracing.html import _esc  # pyright: ignore[reportPrivateUsage]

    assert _esc(value) == html.escape(str(value), quote=True)
    assert _esc("<a href='x'>\"&amp;\"</a>") == html.escape("<a href='x'>\"&amp;\"</a>", quote=True)


_JSON_TEXT = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from('"\\\x00\x1f\x7f\u2028<&é😀\n'))
_JSON_LEAF = _JSON_TEXT | st.integers() | st.floats() | st.booleans() | st.none()


@given(
    st.dictionaries(_JSON_TEXT, _JSON_TEXT, max_size=4)
    | st.dictionaries(_JSON_TEXT, _JSON_LEAF | st.lists(_JSON_LEAF, max_size=60), max_size=4)
    | st.lists(_JSON_LEAF, max_size=60)
    | _JSON_LEAF
)
def test_a_preview_is_the_json_dump_of_its_data(data: object) -> None:
    """An object of text fields is written directly: the same text as the encoder writes it (and anything else)."""
    from pipelex.tracing.graph import to_json_compatible
    from pipelex.tracing.html import _preview_data, _preview_json  # pyright: ignore[reportPrivateUsage]

    expected = json.dumps(to_json_compatible(_preview_data(data)), ensure_ascii=False, default=repr)
    assert _preview_json(data) == expected


def test_the_page_as_bytes_is_the_page_text_encoded() -> None:
    """``graph.html`` is written from :func:`render_html_bytes` (the graph's JSON kept as pydantic-core's bytes): the
    page is the UTF-8 of :func:`render_html`'s text, whose embedded graph is ``graph.json``'s JSON with ``</`` and
    ``<!--`` escaped, also around non-ASCII text."""
    from pipelex.tracing.html import render_html_bytes

    tracer = GraphTracer(pipeline_run_id="r", main_pipe="p", domain="d", mode="live")
    text = "naïve → ✓ <!-- </script> 😀 \u2028 end"
    Run(tracer).op(None, "p", "PipeLLM", [item("t", "Text", text)], None)
    for graph in (tracer.build(), build_small_graph()[0], build_sample_30()):
        page = render_html_bytes(graph)
        assert page == render_html(graph).encode("utf-8")
        decoded = page.decode("utf-8")
        embedded = decoded.split('id="graph-data">', 1)[1].split("</script>", 1)[0]
        assert embedded == graph.to_json().replace("</", "<\\/").replace("<!--", "\\u003c!--")
        assert graph_from_html(decoded) == graph


def test_the_graph_is_written_in_pieces_that_join_to_the_serializers_bytes(tmp_path: Any) -> None:
    """``graph.json`` and ``graph.html`` are written piece by piece (nodes and edges a few at a time,
    so that a graph of megabytes is never one buffer): the files hold exactly the serializer's bytes, indented
    (graph.json, and the page's embedded graph with ``</`` and ``<!--`` escaped in every piece that holds them),
    written one after the other or together (:func:`write_graph_files`: serialized once), for a graph with no node,
    one piece, and several pieces with a remainder."""
    from pipelex.tracing.graph import JSON_PIECE_ITEMS
    from pipelex.tracing.html import render_html_bytes, write_graph_files, write_html

    tracer = GraphTracer(pipeline_run_id="r", main_pipe="seq", domain="d", mode="dry")
    run = Run(tracer)
    seq = run.ctl(None, "seq", "PipeSequence", [item("note", "Text", "start")])
    previous = item("note", "Text", "start")
    for index in range(2 * JSON_PIECE_ITEMS + 3):  # nodes and edges (contains, data) over three pieces
        made = item(f"r{index}", "Text", f"<!-- </script> naïve → {index} " + "text " * (500 + 50 * index))
        run.op(
            seq,
            f"step{index}",
            "PipeCompose",
            [previous],
            made,
            usage={"calls": index} if index % 7 else None,
        )
        previous = made
    tracer.end_node(seq, outputs=[previous])
    empty = GraphTracer(pipeline_run_id="r", main_pipe="p", domain="d", mode="live").build()
    long = tracer.build()
    assert len(long.nodes) > 2 * JSON_PIECE_ITEMS and len(long.edges) > 4 * JSON_PIECE_ITEMS
    for graph in (empty, build_small_graph()[0], long):
        serializer = graph.__pydantic_serializer__
        for indent in (2, None, 4):
            pieces = list(graph.json_pieces(indent=indent))
            assert b"".join(pieces) == serializer.to_json(graph, indent=indent)
        graph.write_json(tmp_path / "graph.json")
        assert (tmp_path / "graph.json").read_bytes() == serializer.to_json(graph, indent=2)
        assert ExecutionGraph.from_json((tmp_path / "graph.json").read_bytes()) == graph
        write_html(graph, tmp_path / "graph.html")
        page = (tmp_path / "graph.html").read_bytes()
        assert page == render_html_bytes(graph) == render_html(graph).encode("utf-8")
        embedded = page.decode("utf-8").split('id="graph-data">', 1)[1].split("</script>", 1)[0]
        assert embedded == graph.to_json().replace("</", "<\\/").replace("<!--", "\\u003c!--")
        write_graph_files(graph, tmp_path / "together.json", tmp_path / "together.html")
        assert (tmp_path / "together.json").read_bytes() == (tmp_path / "graph.json").read_bytes()
        assert (tmp_path / "together.html").read_bytes() == page
    # the nodes (of kilobytes each: a few per piece) and the edges (one piece of 16, then the others) in pieces
    assert len(list(long.json_pieces(indent=2))) > 12
