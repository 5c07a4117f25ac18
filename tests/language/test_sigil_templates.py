"""The sigil-template fast path gives exactly what Jinja2 gives: the same analysis, the same text, the same errors.

Every template here is checked both ways (the fast path, then Jinja2 forced), over hand-picked edge cases and
generated templates mixing sigils with text Jinja2 reads specially (``{``, ``{{``, ``\\r``, trailing newlines),
values of every shape, every templating style, and budgets small enough to be exceeded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelex.boot import Pipelex
from pipelex.concepts.natives import (
    ContentList,
    DateContent,
    ListContent,
    NumberContent,
    StuffContent,
    TextContent,
    YesNoContent,
)
from pipelex.config.settings import LimitsConfig
from pipelex.errors import LimitExceededError
from pipelex.language import sigil_templates
from pipelex.language.sigil_templates import Sigil, analyze_sigils, sigil_parts
from pipelex.language.templates import analyze_with_jinja
from pipelex.pipes import rendering
from pipelex.pipes.rendering import StuffMetadata, TemplatingStyle, render_template


@pytest.fixture(autouse=True)
def _booted() -> Iterator[None]:
    Pipelex.make(needs_inference=False)
    yield
    Pipelex.teardown()  # a boot without inference must not force the next tests' runs dry


class Address(StuffContent):
    city: str
    lines: list[str]


class Order(StuffContent):
    gist: str
    address: Address
    note: TextContent | None = None
    count: int = 0


ORDER = Order(gist="two chairs", address=Address(city="Lyon", lines=["1 rue A", "2e étage"]), count=2)

CONTEXT: dict[str, Any] = {
    "order": ORDER,
    "partial": Order.model_construct(gist="no address"),  # a field without a value: the sandbox's undefined
    "data": {"gist": "from a dict", "items": [1, 2], "copy": "a key"},
    "note": TextContent(text="a short note"),
    "notes": ListContent(items=[TextContent(text="one"), TextContent(text="two <b>")]),
    "count": NumberContent(number=3),
    "empty": TextContent(text=""),
    "_nb_output": 2,
    "long": TextContent(text="x" * 600),
    # as a pipe's template context holds them: a list input as a Python list, other plain contents
    # a list input of Text, as templates see it (a plain list is a field's value: it prints in Python's form)
    "texts": ContentList(
        [TextContent(text="one"), TextContent(text="two & <b>"), TextContent(text="")], bulleted=True
    ),
    "answer": YesNoContent(yes_no=True),
    "day": DateContent(date="2026-11-30", time="12:00"),
}
METADATA = {id(CONTEXT["note"]): StuffMetadata("note", "demo.Note", "TextContent", "abc123")}


def outcome(call: Any) -> tuple[str, Any]:
    """``("ok", value)`` or ``("error", exception type, message)`` of ``call()``."""
    try:
        return ("ok", call())
    except Exception as exc:  # noqa: BLE001 - the point is to compare whatever both paths raise
        return ("error", (type(exc).__name__, str(exc)))


def render_both(
    template: str, style: TemplatingStyle | None = None, limits: LimitsConfig | None = None
) -> tuple[tuple[str, Any], tuple[str, Any]]:
    """The render by the fast path, and by Jinja2 (the fast path switched off)."""

    def render() -> str:
        return render_template(
            template, CONTEXT, pipe_code="p", style=style, metadata=METADATA, limits=limits
        )

    fast = outcome(render)
    original = rendering.sigil_parts
    rendering.sigil_parts = lambda template: None  # type: ignore[assignment]
    try:
        slow = outcome(render)
    finally:
        rendering.sigil_parts = original
    return fast, slow


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Summarise $note.", ["Summarise ", "format:note", "."]),
        ("@notes", ["tag:notes"]),
        ("  @?absent\n", ["  ", "optional_tag:absent"]),
        ("Price: $100 and $note.text", ["Price: $100 and ", "format:note.text"]),
        ("mail me @@ home: $note", ["mail me @ home: ", "format:note"]),
        ("line\r\nnext $note\r\n", ["line\nnext ", "format:note"]),
        ("$_nb_output items", ["format:_nb_output", " items"]),
    ],
    ids=["inline", "block", "optional-block", "dollar-amount", "escaped-at", "crlf", "runtime-variable"],
)
def test_sigil_templates_split_into_text_and_sigils(template: str, expected: list[str]) -> None:
    parts = sigil_parts(template)
    assert parts is not None
    assert [p if isinstance(p, str) else f"{p.kind}:{p.path}" for p in parts] == expected


@pytest.mark.parametrize(
    "template",
    [
        "{{ note }}",
        "Hello {% if note %}$note{% endif %}",
        "{# a comment #} $note",
        "{$note}",
        "$true and $none",
        "$range",
        "$note.not",
        "$loop.index",
    ],
    ids=[
        "raw-expression",
        "raw-block",
        "comment",
        "brace-before-sigil",
        "constants",
        "global",
        "keyword",
        "loop",
    ],
)
def test_templates_jinja_reads_specially_go_to_jinja(template: str) -> None:
    assert sigil_parts(template) is None


def test_an_inline_at_is_text_the_same_way() -> None:
    # validation refuses `@note` inside a line when `note` is an input; to the renderer it is text, as to preprocess
    assert sigil_parts("Sentiment of @note, $note") == (
        "Sentiment of @note, ",
        Sigil(kind="format", path="note", root="note", attributes=()),
    )


@pytest.mark.parametrize(
    "template",
    [
        "Summarise $note.",
        "$note.text and $note.missing",
        "$nobody",
        "$nobody.field",
        "@note\n@?nobody\n@?note.text\n$notes",
        "$note._stuff_name / $note._concept_code",
        "$note.__class__",
        "@long\n@long",
        "trailing newline\n\n",
        "cr\rline\r\n$count\n",
        "@@ $notes }}} %} #}",
        "Label: $note",
        "$texts / $answer / $day / $count\n@texts\n@?nobody\n@?answer",
        "$order.gist in $order.address.city\n@order.address\n@?order.note\n$order.note.text $order.count",
        "$order.address.lines / $order.missing / $order.address.missing",
        "$order.copy / $order.model_fields / $order.model_dump / $order._stuff_code",
        "$data.gist / $data.items / $data.copy / $data.nothing",
        "@partial\n$partial.gist\n$partial.address\n@?partial.address",
    ],
)
@pytest.mark.parametrize(
    "style",
    [TemplatingStyle(), TemplatingStyle("ticks", "markdown"), TemplatingStyle("square_brackets", "html")],
    ids=["xml-plain", "ticks-markdown", "brackets-html"],
)
def test_fast_path_renders_and_analyses_as_jinja(template: str, style: TemplatingStyle) -> None:
    parts = sigil_parts(template)
    assert parts is not None, template
    assert analyze_sigils(parts) == analyze_with_jinja(template)
    fast, slow = render_both(template, style)
    assert fast == slow


_TEXT = st.sampled_from(
    ["Hello ", " ", "\n", "\r\n", "\r", "{", "}", "{{ note }}", "{% if note %}x{% endif %}", "{#", "$", "$1", "@@", ".",
     "é", "%}", "text"]
)  # fmt: skip
_SIGIL = st.sampled_from(
    ["$note", "$note.text", "$notes", "$count", "$empty", "$nobody", "$note.missing", "$note._stuff_code", "$true",
     "$range", "$_nb_output", "$long", "$note.__class__", "$count.number", "$texts", "$answer", "$day",
     "$order.gist", "$order.address.city",
     "$order.address.lines", "$order.note", "$order.copy", "$data.gist", "$data.items", "$partial.address"]
)  # fmt: skip
_BLOCK = st.sampled_from(
    [
        "@note",
        "@notes",
        "@?nobody",
        "@?note",
        "@?notes.items",
        "@long",
        "@nobody",
        "  @count",
        "@texts",
        "@?texts",
        "@answer",
        "@day",
        "@order",
        "@?order.address",
        "@data.items",
    ]
)


@st.composite
def templates(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            lines.append(draw(_BLOCK))
        else:
            pieces = draw(st.lists(st.one_of(_TEXT, _SIGIL), min_size=0, max_size=6))
            lines.append("".join(pieces))
    repeat = draw(st.sampled_from([1, 1, 1, 40]))  # 40 copies pass the smallest budgets
    return "\n".join(lines * repeat)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    template=templates(),
    tag_style=st.sampled_from(["xml", "ticks", "square_brackets", "no_tag"]),
    text_format=st.sampled_from(["plain", "markdown", "html", "json"]),
    budget=st.sampled_from([None, (100, 1_000), (100, 100_000), (100_000, 1_000)]),
)
def test_generated_templates_render_and_analyse_as_jinja(
    template: str, tag_style: Any, text_format: Any, budget: tuple[int, int] | None
) -> None:
    parts = outcome(lambda: sigil_parts(template))
    if parts[0] == "ok" and parts[1] is not None:
        assert outcome(lambda: analyze_sigils(parts[1])) == outcome(lambda: analyze_with_jinja(template))
    limits = (
        None
        if budget is None
        else LimitsConfig(template_max_steps=budget[0], template_max_output_chars=budget[1])
    )
    fast, slow = render_both(template, TemplatingStyle(tag_style, text_format), limits)
    assert fast == slow


def test_the_fast_path_is_taken_for_plain_prompts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain prompt never reaches Jinja2's compiler (the point of the fast path)."""

    def no_compile(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("compiled with Jinja2")

    monkeypatch.setattr(rendering, "_compiled", no_compile)
    text = render_template("Dear $note,\n@notes\n", CONTEXT, pipe_code="p")
    # a list of Text prints as bullets, as the reference prints it (the old expectation, one text a line, was not)
    assert text == "Dear a short note,\n<notes>\n • one\n • two <b>\n\n</notes>"
    assert isinstance(sigil_parts("@notes")[0], Sigil)  # type: ignore[index]
    assert sigil_templates.sigil_parts.cache_info().currsize > 0


def test_whole_plain_inputs_render_without_the_filters(monkeypatch: pytest.MonkeyPatch) -> None:
    """A template reading whole inputs of plain contents (the common prompt, once per batch item) renders directly:
    not through the sigil renderer's filters, with the same text and the same budget as Jinja2."""
    template = "Label: $note\n@texts\n@?nobody\n$count"
    fast, slow = render_both(template, TemplatingStyle("square_brackets", "markdown"))
    assert fast == slow and fast[0] == "ok"

    def no_filters(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("rendered through the filters")

    monkeypatch.setattr(rendering, "_render_sigils", no_filters)
    text = render_template(template, CONTEXT, pipe_code="p")
    assert (
        text == "Label: a short note\n<texts>\n • one\n • two & <b>\n • \n\n</texts>\n\n3"
    )  # the absent block leaves its line
    tight = LimitsConfig(template_max_steps=100, template_max_output_chars=1_000)
    with pytest.raises(
        LimitExceededError, match="more than 100 steps"
    ):  # a filter call each: the 101st is refused
        render_template("$count " * 101, CONTEXT, pipe_code="p", limits=tight)
    with pytest.raises(LimitExceededError, match="an output of 1216 characters"):
        render_template("@long\n$long$long", CONTEXT, pipe_code="p", limits=tight)
    with pytest.raises(AssertionError, match="through the filters"):  # a field: the sandbox's lookup decides
        render_template("$note.text", CONTEXT, pipe_code="p")


NO_JINJA = """
import sys
from pipelex.concepts.natives import TextContent
from pipelex.pipes.rendering import render_template

note = TextContent(text="a note")
print(render_template("Dear $note.text,\\n@note\\n@?absent", {"note": note}, pipe_code="p"))
print("JINJA", "jinja2" in sys.modules)
try:
    render_template("Dear $nobody", {}, pipe_code="p")
except Exception as exc:
    print("ERROR", type(exc).__name__, exc)
"""


def test_a_sigil_template_of_model_fields_renders_without_jinja2() -> None:
    """Jinja2 is imported only for what only it can answer (here: the missing variable's error)."""
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
    assert "Dear a note,\n<note>\na note\n</note>\n" in out
    assert "JINJA False" in out
    assert "ERROR PipeRunError pipe 'p': the template cannot be rendered: 'nobody' is undefined" in out


def test_direct_plans_are_kept_by_their_parts_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """The direct path's plan of a template is made once per parts tuple (``sigil_parts`` hands the same tuple out
    again), and made again for equal parts held elsewhere or once the bound cleared the plans: the same plan."""
    parts = sigil_parts("Label: $note\n@texts\n@?nobody")
    assert parts is not None
    plan = rendering._direct_plan(parts)  # pyright: ignore[reportPrivateUsage]
    assert plan == (
        "Label: ",
        ("note", None, False),
        "\n",
        ("texts", "texts", False),
        "\n",
        ("nobody", "nobody", True),
    )
    assert rendering._direct_plan(parts) is plan  # pyright: ignore[reportPrivateUsage]
    copy = tuple(list(parts))
    assert copy is not parts and rendering._direct_plan(copy) == plan  # pyright: ignore[reportPrivateUsage]
    assert rendering._direct_plan(sigil_parts("$note.text") or ()) is None  # pyright: ignore[reportPrivateUsage]
    monkeypatch.setattr(rendering, "_PLANS_HELD", 2)
    texts = [render_template(f"Step {i}: $note", CONTEXT, pipe_code="p") for i in range(6)]
    assert texts == [f"Step {i}: a short note" for i in range(6)]
    assert len(rendering._PLANS) <= 2  # pyright: ignore[reportPrivateUsage]


_DOLLAR_TEXT = st.lists(
    st.sampled_from(
        ["$", "$$", ".", "a", "b_1", "_x", "9", " ", "true", "loop", "é", "@", "{", "}", "\n", "\r", "\t"]
    ),
    max_size=30,
).map("".join)


@given(
    _DOLLAR_TEXT
    | st.lists(st.sampled_from(["Note: ", "$r1", "$note.text", "$$", ".", "x", "$none"])).map("".join)
)
@settings(max_examples=400)
def test_one_line_dollar_templates_split_as_their_jinja_source_does(template: str) -> None:
    """The shortcut for one-line ``$`` templates (no preprocessing) gives the parts the preprocessed source gives."""
    fast = sigil_parts.__wrapped__(template)
    assert fast == sigil_templates._parts_of_source(template)  # pyright: ignore[reportPrivateUsage]
