"""``$x`` / ``@x`` of a field, as the reference (pipelex 0.92.2, run as a black box on PipeCompose dry runs) writes
them: the block of ``@x.path`` is named by the whole path, a list field (of texts or of structures) prints as Python
prints the list (as ``{{ x.items }}`` does), an unset field as ``None``, ``@?x.path`` only when the value is there and
not empty, a ``tag`` block without a name is named after the input it is given, ``$$`` is a literal ``$``."""

from __future__ import annotations

import json
import textwrap

import pytest

from pipelex.errors import PipeRunError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.pipes.rendering import render_template

SHOW = textwrap.dedent("""
    domain = "show_fields"
    main_pipe = "show"

    [concept.Item]
    description = "An item"
    [concept.Item.structure]
    name = { type = "text", description = "Name", required = true }
    qty = { type = "integer", description = "Quantity", required = true }

    [concept.Order]
    description = "An order"
    [concept.Order.structure]
    title = { type = "text", description = "Title", required = true }
    note = { type = "text", description = "An optional note" }
    tags = { type = "list", item_type = "text", description = "Tags", required = true }
    items = { type = "list", item_type = "concept", item_concept_ref = "show_fields.Item", description = "Items" }
    lines = { type = "list", item_type = "concept", item_concept_ref = "Text", description = "Lines" }

    [pipe.show]
    type = "PipeCompose"
    description = "Print the order"
    inputs = { x = "Order" }
    output = "Text"
    template = "TEMPLATE"
""")

ORDER = {
    "title": "Broken",
    "tags": ["a", "b"],
    "items": [{"name": "bolt", "qty": 2}],
    "lines": [{"text": "one"}],
}
ITEMS = "[show_fields__Item(name='bolt', qty=2)]"


@pytest.mark.parametrize(
    ("template", "printed"),
    [
        ("A\n@x.title\nB", "A\n<x.title>\nBroken\n</x.title>\nB"),
        ("A[{{ x.title|tag('a.b') }}]B", "A[<a.b>\nBroken\n</a.b>]B"),
        ("A[{{ x.title|tag }}]B", "A[<data>\nBroken\n</data>]B"),
        # an unset field prints None, as {{ x.note }} prints it (and the reference writes it)
        ("A[$x.note]B", "A[None]B"),
        ("A[{{ x.note }}]B", "A[None]B"),
        ("A\n@x.note\nB", "A\n<x.note>\nNone\n</x.note>\nB"),
        # an optional block of an unset or empty field, or of a field the concept lacks, is nothing
        ("A\n@?x.note\nB", "A\n\nB"),
        ("A\n@?x.nickname\nB", "A\n\nB"),
        ("A\n@?x.title\nB", "A\n<x.title>\nBroken\n</x.title>\nB"),
        (
            "{% if x.title %}T{% endif %}\n@?x.note\n$x.title",
            "T\n\nBroken",
        ),  # the same through the Jinja path
        ("A[$x.tags]B", "A[['a', 'b']]B"),
        ("A[$x.items]B", f"A[{ITEMS}]B"),
        ("A[{{ x.items }}]B", f"A[{ITEMS}]B"),
        (
            "A[$x.lines]B",
            "A[[TextContent(text='one')]]B",
        ),  # a field's list of texts: not a list input's bullets
        ("A\n@x.items\nB", f"A\n<x.items>\n{ITEMS}\n</x.items>\nB"),
    ],
)
async def test_a_sigil_of_a_field_writes_it_as_the_reference_does(template: str, printed: str) -> None:
    bundle = SHOW.replace('"TEMPLATE"', json.dumps(template))
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    output = await runner.execute_pipeline({"x": {"concept": "Order", "content": ORDER}})
    assert output.main_stuff_json() == {"text": printed}


@pytest.mark.parametrize(
    ("template", "printed"),
    [
        ("{{ x|tag }}", "<x>\n# title: Broken"),  # named after the input
        ("{{ (x)|tag }}|{{ x | tag() }}", "<x>\n# title: Broken"),
        ("{{ x.title|tag }}", "<data>\nBroken\n</data>"),  # a field is not an input
        ("{% set y = x %}{{ y|tag }}", "<x>\n# title: Broken"),  # the input itself, whatever the alias
        ("{% for t in x.tags %}{{ t|tag }}{% endfor %}", "<data>\na\n</data><data>\nb\n</data>"),
        ("{{ x.title|upper|tag }}", "<data>\nBROKEN\n</data>"),
    ],
)
async def test_a_tag_block_without_a_name_is_named_after_its_input(template: str, printed: str) -> None:
    bundle = SHOW.replace('"TEMPLATE"', json.dumps(template))
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    output = await runner.execute_pipeline({"x": {"concept": "Order", "content": ORDER}})
    text = output.main_stuff_json()["text"]
    assert isinstance(text, str) and text.startswith(printed)


async def test_two_inputs_of_equal_values_each_name_their_block() -> None:
    bundle = textwrap.dedent("""
        domain = "two"
        main_pipe = "show"
        [pipe.show]
        type = "PipeCompose"
        description = "Both"
        inputs = { a = "Text", b = "Text" }
        output = "Text"
        template = "{{ a|tag }}{{ b|tag }}"
    """)
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    output = await runner.execute_pipeline({"a": "hi", "b": "hi"})
    assert output.main_stuff_json() == {"text": "<a>\nhi\n</a><b>\nhi\n</b>"}


@pytest.mark.parametrize(
    ("template", "printed"),
    [
        ("a $$5 b $$ c $$$x.title d $$x.title e $x.title", "a $5 b $ c $Broken d $x.title e Broken"),
        ("mail me@@x.com, pay $$x.title: $x.title", "mail me@x.com, pay $x.title: Broken"),
        ("{% if x.title %}$$x.title{% endif %} $x.title", "$x.title Broken"),  # the Jinja path too
        (
            "Price $5, email a@b.com, {braces}, 100% $ @ $x.title",
            "Price $5, email a@b.com, {braces}, 100% $ @ Broken",
        ),
    ],
)
async def test_doubled_sigils_are_literal(template: str, printed: str) -> None:
    bundle = SHOW.replace('"TEMPLATE"', json.dumps(template))
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    output = await runner.execute_pipeline({"x": {"concept": "Order", "content": ORDER}})
    assert output.main_stuff_json() == {"text": printed}


@pytest.mark.parametrize(
    "template",
    [
        "Give $_nb_output names",
        "{{ 'Give' }} $_nb_output names",
        "{% if _nb_output is none %}Give{% endif %} $_nb_output names",
    ],
    ids=["sigils", "jinja", "simple"],
)
def test_nb_output_of_a_count_the_model_decides_prints_nothing(template: str) -> None:
    # `_nb_output` is None for an `X[]` output: `$_nb_output` prints nothing there (a field's None prints None)
    assert render_template(template, {"_nb_output": None}, pipe_code="p").endswith(" names")
    assert " None " not in render_template(template, {"_nb_output": None}, pipe_code="p")
    assert render_template(template, {"_nb_output": 3}, pipe_code="p").endswith("3 names")


async def test_a_date_prints_as_iso_text_alone_and_inside_a_structure() -> None:
    # docs/language.md: the reference prints a date inside a structure as its serializer's internals
    # (`## __class__: date`); pipelex writes it as it writes it alone
    bundle = textwrap.dedent("""
        domain = "dates"
        main_pipe = "show"
        [concept.Visit]
        description = "A visit"
        [concept.Visit.structure]
        who = { type = "text", description = "Who", required = true }
        day = { type = "date", description = "When", required = true }
        [pipe.show]
        type = "PipeCompose"
        description = "Print it"
        inputs = { visit = "Visit" }
        output = "Text"
        template = "$visit.day|{{ visit.day }}|$visit"
    """)
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    output = await runner.execute_pipeline({"visit": {"who": "Ana", "day": "2026-03-01"}})
    assert output.main_stuff_json() == {"text": "2026-03-01|2026-03-01|# who: Ana\n\n# day: 2026-03-01"}


@pytest.mark.parametrize(
    ("note", "printed"),
    [("", "A\n\nB"), ("kept", "A\n<x.note>\nkept\n</x.note>\nB")],
    ids=["empty", "set"],
)
async def test_an_optional_block_of_an_empty_field_is_nothing(note: str, printed: str) -> None:
    # the reference prints nothing for `@?x.f` of an empty text, a zero, false or an empty list (black box)
    bundle = SHOW.replace('"TEMPLATE"', json.dumps("A\n@?x.note\nB"))
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    output = await runner.execute_pipeline({"x": {"concept": "Order", "content": {**ORDER, "note": note}}})
    assert output.main_stuff_json() == {"text": printed}


def test_the_markdown_filter_is_a_filter_of_html_templates() -> None:
    """``markdown`` turns Markdown into HTML: an HTML template has it, a text template does not (the language's
    ``feature.markdown_filter``: "the markdown filter of an HTML template")."""
    from pipelex.errors import PipeRunError

    context = {"wishes": "**two** candles"}
    html = render_template(
        "<p>Order</p>{{ wishes|markdown }}", context, pipe_code="slip", html=True, markdown_filter=True
    )
    assert "<strong>two</strong>" in html
    with pytest.raises(PipeRunError):  # escaped HTML (an Html output) is not yet an HTML template
        render_template("{{ wishes|markdown }}", context, pipe_code="slip", html=True)
    for template in (
        "{{ wishes|markdown }}",
        "Wishes: {{ wishes | markdown }}",
        "{{ wishes|upper|markdown }}",
    ):
        with pytest.raises(PipeRunError) as caught:
            render_template(template, context, pipe_code="slip")
        assert caught.value.error_type == "template_render_failed"
        assert "No filter named 'markdown'" in str(caught.value)
        assert 'category = "html"' in str(caught.value)


@pytest.mark.parametrize(
    "use",
    ["{{ ns.x }}", "{{ ns.x|tojson }}", "{{ ns.x == [ns.x] }}", "{{ ns.x|string|length }}"],
)
def test_a_value_nested_thousands_deep_fails_naming_the_nesting(use: str) -> None:
    """A value a template nests 5,000 lists deep (each step under every budget), then prints or compares: Python's
    recursion ends it, and the message names the nesting, not only a macro calling itself (thirteenth hostile pass)."""
    template = (
        "{% set ns = namespace(x=1) %}{% for i in range(5000) %}{% set ns.x = [ns.x] %}{% endfor %}" + use
    )
    with pytest.raises(PipeRunError, match="nesting lists or mappings thousands of levels deep") as caught:
        render_template(template, {}, pipe_code="deep")
    assert caught.value.error_type == "template_render_failed"


@pytest.mark.parametrize(
    ("unit", "count"),
    [
        ("http://a.", 40_000),
        ("http://a.,", 40_000),
        ("ftp://a.<", 40_000),
        ("*a", 1_300_000),
        ("[a](", 700_000),
    ],
)
def test_the_markdown_filter_takes_its_cost_from_the_template_budget(unit: str, count: int) -> None:
    """markdown-it parses emphasis and bracket soup in seconds per MB, and linkify-it scans the rest of a paragraph
    from each URL it finds: 2,000 `http://a.` in one paragraph took 2.3 s, 99,000 (under the output bound) hours
    (thirteenth hostile pass). The filter takes a step per 25 characters and its links' cost from the template
    budget, refused before it parses when that passes what is left."""
    from pipelex.errors import LimitExceededError

    with pytest.raises(LimitExceededError, match="the markdown filter would spend") as caught:
        render_template(
            "{{ t|markdown }}", {"t": unit * count}, pipe_code="md", html=True, markdown_filter=True
        )
    assert caught.value.limit == "template_max_steps"
    text = "A paragraph with a link https://example.com/page and mailto:a@b.c in it.\n\n" * 1000  # ~75 KB
    html = render_template("{{ t|markdown }}", {"t": text}, pipe_code="md", html=True, markdown_filter=True)
    assert html.count('<a href="https://example.com/page">') == 1000


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ x.nickname[0] }}", "show_fields.Order has no field 'nickname'"),
        ("{{ x.nickname.first }}", "show_fields.Order has no field 'nickname'"),
        ("{{ x.items[0].colour.x }}", "show_fields.Item has no field 'colour'"),
        ("{{ x.title.nope.x }}", "'str object' has no attribute 'nope'"),  # not a concept: Jinja2's own words
    ],
)
async def test_a_field_the_concept_lacks_is_named_by_its_concept_not_by_pipelexs_class(
    template: str, expected: str
) -> None:
    """Eighteenth hostile pass: Jinja2 names an undefined value's holder by its Python class, so a field a concept
    lacks read through raw Jinja2 (``{{ house.tags[0] }}``) failed with "'pipelex.concepts.library.realty__House
    object' has no attribute 'tags'": pipelex's generated class, not the concept the bundle declares."""
    bundle = SHOW.replace('"TEMPLATE"', json.dumps(template))
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    with pytest.raises(PipeRunError) as caught:
        await runner.execute_pipeline({"x": {"concept": "Order", "content": ORDER}})
    assert expected in str(caught.value), str(caught.value)
    assert "pipelex.concepts" not in str(caught.value) and "__" not in str(caught.value), str(caught.value)
