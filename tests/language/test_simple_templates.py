"""The Jinja2 subset read without Jinja2 (``{{ a.b|f }}``, ``{% if %}``, ``{% for %}``) gives exactly what Jinja2 gives:
the same analysis, the same text, the same errors, the same budget checks.

Every template is checked both ways: the simple path, then Jinja2 forced (the sigil and simple paths switched off).
The templates are drawn from the subset's grammar mixed with near-misses Jinja2 reads differently or refuses
(``{{`` alone, ``{%+``, brackets, numbers, literals, ``loop``, unknown filters and tests, tags out of place, tags
left open, non-ASCII names), over values of every shape (model fields, lists, dicts, ``None``, numbers, missing
names and attributes, images) and budgets small enough to be exceeded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelex.boot import Pipelex
from pipelex.concepts.natives import (
    ChoiceContent,
    ContentList,
    DateContent,
    DocumentContent,
    HtmlContent,
    ImageContent,
    JSONContent,
    NumberContent,
    PageContent,
    RatingContent,
    SearchResultContent,
    StuffContent,
    TextAndImagesContent,
    TextContent,
    TimeContent,
    YesNoContent,
)
from pipelex.config.settings import LimitsConfig
from pipelex.language import templates as templates_module
from pipelex.language.simple_templates import SimpleTemplate, analyze_simple
from pipelex.language.templates import (
    TemplateAnalysis,
    analyze,
    analyze_with_jinja,
    simple_expression,
    simple_template,
)
from pipelex.pipes import rendering
from pipelex.pipes.rendering import (
    ImageRegistry,
    StuffMetadata,
    TemplatingStyle,
    evaluate_expression,
    render_template,
)


@pytest.fixture(autouse=True)
def _booted() -> Iterator[None]:
    Pipelex.make(needs_inference=False)
    yield
    Pipelex.teardown()


class Address(StuffContent):
    city: str
    lines: list[str]


class Order(StuffContent):
    gist: str
    address: Address
    note: TextContent | None = None
    items: list[TextContent] = []
    count: int = 0


ORDER = Order(
    gist="two chairs",
    address=Address(city="Lyon", lines=["1 rue A", "2e étage"]),
    items=[TextContent(text="chair"), TextContent(text="table <b>")],
    count=2,
)
PICTURE = ImageContent(url="https://example.com/a.png", caption="a chair")

CONTEXT: dict[str, Any] = {
    "order": ORDER,
    "partial": Order.model_construct(gist="no address"),  # a field without a value: the sandbox's undefined
    "data": {"gist": "from a dict", "items": [1, 2]},
    "note": TextContent(text="  a short note  "),
    "notes": [TextContent(text="one"), TextContent(text="two & <b>"), TextContent(text="")],
    "count": NumberContent(number=3),
    "zero": 0,
    "word": "héllo wörld",
    "empty": TextContent(text=""),
    "flag": YesNoContent(yes_no=False),
    "picture": PICTURE,
    "pictures": [PICTURE, ImageContent(url="https://example.com/b.png")],
    "long": TextContent(text="x" * 600),
    "_nb_output": 2,
    # list inputs as templates see them (printed as bullets or numbered items), and a content of every native kind
    "texts": ContentList([TextContent(text="one"), TextContent(text="two\n<b>")], bulleted=True),
    "orders": ContentList([ORDER, NumberContent(number=2.5), PICTURE], bulleted=False),
    "natives": ContentList(
        [
            ChoiceContent(choice="red"),
            RatingContent(level=4),
            DateContent(date="2024-05-01", time="10:30"),
            TimeContent(time="10:30"),
            DocumentContent(url="https://example.com/a.pdf", title="T"),
            TextAndImagesContent(text=TextContent(text="hi"), images=[PICTURE]),
            PageContent(text_and_images=TextAndImagesContent(text=TextContent(text="pg"))),
            JSONContent(json_obj={"a": [1, "é"]}),
            HtmlContent(inner_html="<i>y</i>"),
            SearchResultContent(answer="42", sources=[DocumentContent(url="https://example.com/s.pdf")]),
        ],
        bulleted=False,
    ),
    "rating": RatingContent(level=3, label="fair"),
    "page": PageContent(text_and_images=TextAndImagesContent(text=TextContent(text="pg")), page_view=PICTURE),
    "blob": JSONContent(json_obj={"k": {"n": None}}),
}
METADATA = {id(CONTEXT["note"]): StuffMetadata("note", "demo.Note", "TextContent", "abc123")}


def analysis_of(simple: SimpleTemplate) -> TemplateAnalysis:
    reads = analyze_simple(simple)
    return TemplateAnalysis(
        roots=frozenset(reads.roots),
        paths=frozenset(reads.paths),
        private_names=frozenset(reads.private_names),
        unguarded=frozenset(reads.unguarded),
        guarded=frozenset(reads.guarded),
    )


def outcome(call: Any) -> tuple[str, Any]:
    """``("ok", value)`` or ``("error", (exception type, message))`` of ``call()``."""
    try:
        return ("ok", call())
    except Exception as exc:  # noqa: BLE001 - the point is to compare whatever both paths raise
        return ("error", (type(exc).__name__, str(exc)))


def render_both(
    template: str,
    style: TemplatingStyle | None = None,
    limits: LimitsConfig | None = None,
    with_images: bool = False,
) -> tuple[tuple[str, Any], tuple[str, Any]]:
    """The render by the simple path, and by Jinja2 (the sigil and simple paths switched off), each with the
    images it numbered."""

    def render() -> tuple[str, list[str]]:
        images = ImageRegistry() if with_images else None
        text = render_template(
            template, CONTEXT, pipe_code="p", style=style, metadata=METADATA, limits=limits, images=images
        )
        return text, [image.url for image in images.images] if images else []

    fast = outcome(render)
    originals = rendering.sigil_parts, rendering.simple_template
    rendering.sigil_parts = lambda template: None  # type: ignore[assignment]
    rendering.simple_template = lambda template: None  # type: ignore[assignment]
    try:
        slow = outcome(render)
    finally:
        rendering.sigil_parts, rendering.simple_template = originals
    return fast, slow


def check(template: str, **options: Any) -> bool:
    """Both analyses and both renders agree; True when the template is in the subset."""
    simple = outcome(lambda: simple_template(template))
    jinja = outcome(lambda: analyze_with_jinja(template))
    if simple[0] == "error":  # a misused sigil: preprocess refuses it on both paths
        assert jinja[0] == "error" and jinja[1] == simple[1]
    elif simple[1] is not None:
        assert jinja == outcome(lambda: analysis_of(simple[1])), template
    fast, slow = render_both(template, **options)
    assert fast == slow, template
    return simple[0] == "ok" and simple[1] is not None


# ---------------------------------------------------------------------------------------------- by hand
IN_SUBSET = [
    "{{ order.gist }}: {{ order.address.city }} ({{ order.count }})",
    "Thank you: {{ notes|length }} item(s), $order.gist",
    "{% if note is defined %}Note: {{ note.text|trim }}{% else %}No note.{% endif %}\n",
    "{% if nobody is defined %}x{% elif zero %}zero{% elif count %}{{ count.number }}{% else %}none{% endif %}",
    "{% for item in order.items %}- {{ item.text|upper }}\n{% else %}nothing{% endfor %}done",
    "{% for item in nobody %}x{% else %}empty{% endfor %}",
    "{% for c in word %}{{ c }}.{% endfor %}",
    "{%- if not flag.yes_no and order -%}\n  {{- order.gist -}}  \n{%- endif %}\n",
    "a {#- a comment -#} b {# another #}c",
    "{{ order.note }} {{ order.items }} {{ order }}",
    "{{ texts }}|{{ orders }}|{{ natives }}|{% for n in natives %}<{{ n }}>{% endfor %}|{{ rating }} {{ page }} {{ blob }}",
    "Write about $order.gist.\n\n@?nobody\n{% if nobody is not defined or zero %}No hint.{% endif %}\n",
    "{{ note|format }} {{ notes|tag('list') }} {{ word|capitalize }} {{ word|lower|count }}",
    "{{ picture|with_images }} {{ pictures|format }} {{ picture|format }}",
    "{{ nobody }}",  # missing: Jinja2's error
    "{{ order.missing }}|{{ partial.address }}|{{ data.gist }}|{{ note._stuff_name }}",  # Jinja2's lookups
    "{{ zero|length }}",  # a TypeError, the same on both paths
    "{% for x in zero %}{% endfor %}",
]


@pytest.mark.parametrize("template", IN_SUBSET)
@pytest.mark.parametrize(
    "style",
    [TemplatingStyle(), TemplatingStyle("ticks", "markdown"), TemplatingStyle("square_brackets", "json")],
    ids=["xml-plain", "ticks-markdown", "brackets-json"],
)
def test_subset_templates_analyse_and_render_as_jinja(template: str, style: TemplatingStyle) -> None:
    assert check(template, style=style, with_images=True)


TIGHT = LimitsConfig(template_max_steps=100, template_max_output_chars=1_000)


@pytest.mark.parametrize(
    "template",
    [
        "{% for c in long.text %}{% endfor %}",  # a step per item
        "{% for c in word %}{% endfor %}" * 9 + "{% for c in word %}{{ c }}{% endfor %}",  # the 101st step
        "{{ word|upper }}" * 101,  # a step per filter call
        "{% if count|length %}{% endif %}",  # a filter's error inside a test
        "{{ long.text }}{{ long.text }}",  # the output
        "{{ long.text|upper }}{{ long.text|lower }}",
        "{% for n in notes %}{{ long.text }}{% endfor %}",
        "{{ long.text|tag('t') }}{{ long.text|format }}",
    ],
)
def test_budgets_are_spent_as_jinja_spends_them(template: str) -> None:
    assert check(template, limits=TIGHT)
    assert render_both(template, limits=TIGHT)[0][0] == "error"


@pytest.mark.parametrize(
    "template",
    [
        "{{ x[0] }}",
        "{{ x.0 }}",
        "{{ 'text' }}",
        "{{ x|tag('a\\nb') }}",
        "{{ x|tag('a',) }}",
        "{{ loop.index }}",
        "{{ none }}",
        "{{ xé }}",
        "{{ x + 1 }}",
        "{{ x if y }}",
        "{{ x is defined }}",
        "{{ not x }}",
        "{{ x() }}",
        "{%+ if x %}{% endif %}",
        "{% if x +%}{% endif %}",
        "{% if x %}",
        "{% if x %}{% endfor %}",
        "{% if x %}{% else %}{% elif y %}{% endif %}",
        "{% if x %}{% else y %}{% endif %}",
        "{% if x %}{% endif x %}",
        "{% if x: %}{% endif %}",
        "{% if x is string %}{% endif %}",
        "{% if x == 1 %}{% endif %}",
        "{% for a, b in x %}{% endfor %}",
        "{% for x in y if x %}{% endfor %}",
        "{% for x in y recursive %}{% endfor %}",
        "{% for loop in y %}{% endfor %}",
        "{% set x = 1 %}",
        "{% raw %}{{ x }}{% endraw %}",
        "{# not closed",
        "{#+ c #}",
        "{{ x",
        "{{ x }",
        "{{ {'a': 1} }}",
    ],
)
def test_templates_outside_the_subset_go_to_jinja(template: str) -> None:
    assert simple_template(template) is None
    check(template)


@pytest.mark.parametrize(
    "template", ["{{ nobody|default('y') }}", "{{ notes|join(', ') }}", "{{ note|nosuchfilter }}"]
)
def test_filters_the_renderer_does_not_know_are_rendered_by_jinja(template: str) -> None:
    """Any filter is in the subset for the analysis (a filter changes nothing to what is read); the renderer knows
    a few, and leaves the others to Jinja2 (with its error for an unknown one)."""
    simple = simple_template(template)
    assert simple is not None and not rendering._simple_renderable(simple)  # pyright: ignore[reportPrivateUsage]
    assert check(template)


def test_expressions_in_the_subset() -> None:
    for expression in ["priority", "order.address.city", "notes|length", "word|upper"]:
        simple = simple_expression(expression)
        assert simple is not None
        assert analysis_of(simple) == analyze_with_jinja(expression, is_expression=True)
        assert analyze(expression, is_expression=True) == analyze_with_jinja(expression, is_expression=True)
    assert simple_expression("''") is None
    assert simple_expression("a == b") is None
    assert evaluate_expression("order.address.city", CONTEXT, pipe_code="p", is_template=False) == "Lyon"


# ---------------------------------------------------------------------------------------------- generated
_PATHS = [
    "order", "order.gist", "order.address.city", "order.address.lines", "order.note", "order.note.text",
    "order.items", "order.count", "order.missing", "order._stuff_code", "partial.address", "partial.gist",
    "data", "data.gist", "data.items", "note", "note.text", "note._stuff_name", "notes", "count", "count.number",
    "zero", "word", "empty", "empty.text", "flag", "flag.yes_no", "picture", "pictures", "long", "long.text",
    "nobody", "nobody.field", "_nb_output", "item", "item.text", "item.url",
    "texts", "orders", "natives", "rating", "rating.label", "page", "page.text_and_images", "blob", "blob.json_obj",
]  # fmt: skip
_FILTERS = [
    "", "", "", "|length", "|count", "|upper", "|lower", "|trim", "|trim('x ')", "|capitalize", "|format",
    "|tag('t')", "|tag", "|markdown", "|with_images", "|default('d')", "|join(', ')", "|nosuchfilter",
    "|length()", "|upper('x')", " | lower ", "|tag(\"a\", \"b\")",
]  # fmt: skip
_TEXT = [
    "Hello ", " ", "\n", "\r\n", "\r", "{", "}", "%}", "#}", "é", " \t ", "-", "+", "$", "@@", "{{", "{%", "{#",
    "{ {", "x }} y",
]  # fmt: skip
_NEAR_MISS = [
    "{{ x[0] }}", "{{ note.0 }}", "{{ 'lit' }}", "{{ loop }}", "{{ none }}", "{{ notè }}", "{{ count + 1 }}",
    "{%+ if note %}x{% endif %}", "{% else %}", "{% endif %}", "{% endfor %}", "{% if note %}", "{# open",
    "{{ note", "{% for a, b in notes %}{% endfor %}", "{% if note is none %}x{% endif %}", "{% if note: %}x{% endif %}",
    "{{ note is defined }}", "{{ not note }}",
]  # fmt: skip
_OPEN = st.sampled_from(["{% ", "{%- ", "{%"])
_CLOSE = st.sampled_from([" %}", " -%}", "%}"])


@st.composite
def _expr(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(_PATHS)) + draw(st.sampled_from(_FILTERS))


@st.composite
def _test(draw: st.DrawFn) -> str:
    def atom() -> str:
        base = draw(_expr())
        suffix = draw(st.sampled_from(["", "", " is defined", " is not defined"]))
        return draw(st.sampled_from(["", "", "not ", "not not "])) + base + suffix

    test = atom()
    for _ in range(draw(st.integers(0, 2))):
        test += draw(st.sampled_from([" and ", " or "])) + atom()
    return test


def _tag(draw: st.DrawFn, body: str) -> str:
    return draw(_OPEN) + body + draw(_CLOSE)


@st.composite
def _nodes(draw: st.DrawFn, depth: int = 0) -> str:
    out: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["text", "text", "print", "print", "if", "for", "comment", "miss"]))
        if kind == "text":
            out.append(draw(st.sampled_from(_TEXT)))
        elif kind == "print":
            out.append(
                draw(st.sampled_from(["{{ ", "{{- ", "{{"]))
                + draw(_expr())
                + draw(st.sampled_from([" }}", " -}}", "}}"]))
            )
        elif kind == "comment":
            out.append(draw(st.sampled_from(["{# c #}", "{#- c -#}", "{# {{ x }} #}", "{#-#}"])))
        elif kind == "miss":
            out.append(draw(st.sampled_from(_NEAR_MISS)))
        elif depth < 2 and kind == "if":
            block = _tag(draw, "if " + draw(_test())) + draw(_nodes(depth + 1))
            for _ in range(draw(st.integers(0, 2))):
                block += _tag(draw, "elif " + draw(_test())) + draw(_nodes(depth + 1))
            if draw(st.booleans()):
                block += _tag(draw, "else") + draw(_nodes(depth + 1))
            out.append(
                block + _tag(draw, draw(st.sampled_from(["endif", "endif", "endif", "endfor", "endif x"])))
            )
        elif depth < 2 and kind == "for":
            target = draw(st.sampled_from(["item", "item", "note", "c"]))
            block = _tag(draw, f"for {target} in " + draw(_expr())) + draw(_nodes(depth + 1))
            if draw(st.booleans()):
                block += _tag(draw, "else") + draw(_nodes(depth + 1))
            out.append(block + _tag(draw, draw(st.sampled_from(["endfor", "endfor", "endfor", "endif"]))))
    return "".join(out)


@st.composite
def templates(draw: st.DrawFn) -> str:
    template = draw(_nodes())
    return template * draw(st.sampled_from([1, 1, 1, 40]))  # 40 copies pass the smallest budgets


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    template=templates(),
    tag_style=st.sampled_from(["xml", "ticks", "square_brackets", "no_tag"]),
    text_format=st.sampled_from(["plain", "markdown", "json"]),
    budget=st.sampled_from([None, (100, 1_000), (100, 100_000), (100_000, 1_000)]),
    with_images=st.booleans(),
)
def test_generated_templates_analyse_and_render_as_jinja(
    template: str, tag_style: Any, text_format: Any, budget: tuple[int, int] | None, with_images: bool
) -> None:
    limits = (
        None
        if budget is None
        else LimitsConfig(template_max_steps=budget[0], template_max_output_chars=budget[1])
    )
    check(template, style=TemplatingStyle(tag_style, text_format), limits=limits, with_images=with_images)


def test_the_generated_templates_reach_the_subset() -> None:
    """The differential test above means something only if many drawn templates are in the subset (and many not)."""
    inside = outside = 0

    @settings(max_examples=300, deadline=None, database=None)
    @given(templates())
    def count(template: str) -> None:
        nonlocal inside, outside
        try:
            simple = simple_template(template)
        except ValueError:
            return
        if simple is None:
            outside += 1
        else:
            inside += 1

    count()
    assert inside > 60 and outside > 60, (inside, outside)


def test_subset_templates_render_without_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    """A template of the subset whose values are plain never reaches Jinja2's compiler (the point of the path)."""

    def no_compile(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("compiled with Jinja2")

    monkeypatch.setattr(rendering, "_compiled", no_compile)
    text = render_template(
        "{{ notes|length }} notes{% for n in notes %}, {{ n.text }}{% endfor %}\n"
        "{% if nobody is defined %}?{% else %}{{ order.address.city }}{% endif %}",
        CONTEXT,
        pipe_code="p",
    )
    assert text == "3 notes, one, two & <b>, \nLyon"
    assert templates_module.simple_template.cache_info().currsize > 0
    with pytest.raises(
        AssertionError, match="compiled with Jinja2"
    ):  # a missing value printed: Jinja2's error
        render_template("{{ nobody }}", CONTEXT, pipe_code="p")


NO_JINJA = """
import sys
from pipelex.concepts.natives import TextContent
from pipelex.language.templates import analyze
from pipelex.pipes.rendering import evaluate_expression, render_template

labels = [TextContent(text="a"), TextContent(text="b")]
print(analyze("{{ labels|length }} {% if note is defined %}{{ note.text }}{% endif %}").roots == {"labels", "note"})
print(render_template("{{ labels|length }} item(s){% for l in labels %} {{ l.text }}{% endfor %}", {"labels": labels},
      pipe_code="p"))
print(evaluate_expression("priority.text", {"priority": TextContent(text="urgent")}, pipe_code="p", is_template=False))
print("JINJA", "jinja2" in sys.modules)
"""


def test_subset_templates_need_no_jinja2() -> None:
    import subprocess
    import sys
    from pathlib import Path

    out = subprocess.run(
        [sys.executable, "-c", NO_JINJA],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout
    assert out.splitlines() == ["True", "2 item(s) a b", "urgent", "JINJA False"]
