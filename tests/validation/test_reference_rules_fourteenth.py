"""Rules met by the fourteenth fidelity pass (``benchmarks/fidelity_bundles_fourteenth.py``): prompt templates,
conditions, operator options and inputs files, probed on the reference as a black box."""

from __future__ import annotations

import textwrap

import pytest

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.validation.report import ValidationReport, validate_library


def validate(text: str) -> ValidationReport:
    return validate_library(
        build_library([(textwrap.dedent(text).lstrip("\n"), "bundle.mthds")]), default_deck()
    )


def error_types(report: ValidationReport) -> list[str]:
    return [e.error_type for e in report.errors]


def llm_pipe(inputs: str, prompt: str, template_field: str = "prompt", pipe_type: str = "PipeLLM") -> str:
    return f'''
domain = "front_desk"

[pipe.answer]
type = "{pipe_type}"
description = "Answers a customer"
inputs = {inputs}
output = "Text"
{template_field} = """
{prompt}
"""
'''


@pytest.mark.parametrize("template_field", ["prompt", "system_prompt"])
@pytest.mark.parametrize(
    "prompt",
    [
        "Write {{ '{{' }} and {{ '}}' }} around the name of $customer",
        'Write {{ "{%" }} to open a tag, for $customer',
        "{# the customer: #} Hello $customer",
    ],
    ids=["quoted-braces", "quoted-statement-open", "after-a-comment"],
)
def test_a_sigil_after_a_closed_jinja_tag_is_read(prompt: str, template_field: str) -> None:
    """A Jinja2 tag ends at its first closing delimiter outside a quoted string: ``$customer`` after
    ``{{ '{{' }}`` is a sigil and reads the input (the reference: valid; it was 'declared but never used')."""
    text = llm_pipe('{ customer = "Text" }', prompt, template_field)
    if template_field == "system_prompt":
        text = text.replace('output = "Text"\n', 'output = "Text"\nprompt = "Answer"\n')
    report = validate(text)
    assert report.is_valid, error_types(report)


@pytest.mark.parametrize("pipe_type", ["PipeLLM", "PipeCompose"])
@pytest.mark.parametrize(
    "prompt",
    [
        "{{ loop.index }}. $notes",
        "{% for n in notes %}{{ n }}{% endfor %} ({{ loop.length }} notes)",
        "{% for n in notes %}{{ n }}{% else %}none ({{ loop.index }}){% endfor %}",
    ],
    ids=["no-loop", "after-the-loop", "in-the-else"],
)
def test_loop_outside_a_for_body_is_an_undeclared_variable(prompt: str, pipe_type: str) -> None:
    """``loop`` is defined inside a ``{% for %}`` body only: read anywhere else it is a variable of the template,
    and no input declares it (the reference: ``method.input_undeclared``)."""
    field = "prompt" if pipe_type == "PipeLLM" else "template"
    report = validate(llm_pipe('{ notes = "Text[]" }', prompt, field, pipe_type))
    assert "missing_input_variable" in error_types(report)
    assert any("'loop'" in e.message for e in report.errors)


@pytest.mark.parametrize("pipe_type", ["PipeLLM", "PipeCompose"])
def test_loop_inside_a_for_body_is_the_loop(pipe_type: str) -> None:
    field = "prompt" if pipe_type == "PipeLLM" else "template"
    prompt = "{% for n in notes %}{{ loop.index }}/{{ loop.length }} {{ n }}{% if loop.last %}.{% endif %}\n{% endfor %}"
    report = validate(llm_pipe('{ notes = "Text[]" }', prompt, field, pipe_type))
    assert report.is_valid, error_types(report)


@pytest.mark.parametrize("pipe_type", ["PipeLLM", "PipeCompose"])
@pytest.mark.parametrize(
    "prompt",
    [
        "{% set heading %}Ticket from $customer{% endset %}{{ heading }}",
        "{% set heading | upper %}{{ customer }}{% endset %}{{ heading }}: answer it",
    ],
    ids=["block-set", "block-set-filtered"],
)
def test_a_name_a_block_set_assigns_is_no_input(prompt: str, pipe_type: str) -> None:
    """``{% set x %}...{% endset %}`` assigns ``x`` in the template, as ``{% set x = ... %}`` does: reading it
    after is no input (the reference: valid; it was 'variable ... not declared in `inputs`')."""
    field = "prompt" if pipe_type == "PipeLLM" else "template"
    report = validate(llm_pipe('{ customer = "Text" }', prompt, field, pipe_type))
    assert report.is_valid, error_types(report)


def test_a_block_set_body_reads_inputs() -> None:
    report = validate(
        llm_pipe('{ customer = "Text" }', "{% set heading %}{{ client }}{% endset %}{{ heading }} $customer")
    )
    assert "missing_input_variable" in error_types(report)
    assert any("'client'" in e.message for e in report.errors)


ORDER_SLIP = """
domain = "cake_orders"

[concept.CakeOrder]
description = "A cake ordered at the bakery counter"

[concept.CakeOrder.structure]
customer = { type = "text", description = "The name the order is under", required = true }
wishes = { type = "text", description = "What the customer asked for, in Markdown", required = true }

[concept.Slip]
description = "An order slip"

[concept.Slip.structure]
heading = { type = "text", description = "The heading", required = true }

[pipe.write_slip]
type = "PIPE_TYPE"
description = "Writes the order slip"
inputs = { order = "CakeOrder" }
output = "OUTPUT"
BODY
"""


def slip(pipe_type: str, output: str, body: str) -> str:
    return ORDER_SLIP.replace("PIPE_TYPE", pipe_type).replace("OUTPUT", output).replace("BODY", body)


MARKDOWN_READ = "Order for {{ order.customer }}: {{ order.wishes | markdown }}"


@pytest.mark.parametrize(
    ("pipe_type", "output", "body"),
    [
        ("PipeCompose", "Html", f'template = {{ template = "{MARKDOWN_READ}", category = "html" }}'),
        ("PipeCompose", "Text", f'template = {{ template = "{MARKDOWN_READ}", category = "html" }}'),
    ],
    ids=["html-category", "html-category-text-output"],
)
def test_the_markdown_filter_of_an_html_template_is_valid(pipe_type: str, output: str, body: str) -> None:
    report = validate(slip(pipe_type, output, body))
    assert report.is_valid, error_types(report)


@pytest.mark.parametrize(
    ("pipe_type", "output", "body"),
    [
        ("PipeCompose", "Text", f'template = "{MARKDOWN_READ}"'),
        ("PipeCompose", "Html", f'template = "{MARKDOWN_READ}"'),
        ("PipeCompose", "Text", f'template = {{ template = "{MARKDOWN_READ}", category = "markdown" }}'),
        ("PipeCompose", "Text", f'template = {{ template = "{MARKDOWN_READ}", category = "llm_prompt" }}'),
        ("PipeCompose", "Slip", f'construct = {{ heading = {{ template = "{MARKDOWN_READ}" }} }}'),
        ("PipeLLM", "Text", f'prompt = "{MARKDOWN_READ}"'),
        ("PipeLLM", "Text", f'prompt = "Write the slip of $order"\nsystem_prompt = "{MARKDOWN_READ}"'),
        ("PipeImgGen", "Image", f'prompt = "{MARKDOWN_READ}"'),
    ],
    ids=[
        "basic",
        "basic-html-output",
        "markdown-category",
        "llm-prompt-category",
        "construct",
        "prompt",
        "system-prompt",
        "img-gen",
    ],
)
def test_the_markdown_filter_outside_an_html_template_fails_the_dry_run(
    pipe_type: str, output: str, body: str
) -> None:
    """``markdown`` turns Markdown into HTML, a filter of HTML templates only (the language's
    ``feature.markdown_filter``: a template table of ``category = "html"``); elsewhere, a bare template making an
    ``Html`` included, no filter has that name and the template fails when rendered (the
    reference: ``method.template_invalid``, "No filter named 'markdown'"; it was valid)."""
    report = validate(slip(pipe_type, output, body))
    assert error_types(report) == ["DryRunError"]
    assert "No filter named 'markdown'" in report.errors[0].message


ROUTER = """
domain = "parcel_desk"

[concept.Parcel]
description = "A parcel at the counter"

[concept.Parcel.structure]
zone = { type = "text", description = "Delivery zone", required = true }
weight = { type = "number", description = "Weight in kg" }

[pipe.ship_local]
type = "PipeCompose"
description = "A local label"
inputs = { parcel = "Parcel" }
output = "Text"
template = "Local: $parcel.zone"

[pipe.route]
type = "PipeCondition"
description = "Routes a parcel"
inputs = { parcel = "Parcel" }
output = "Text"
FIELD
outcomes = { local = "ship_local" }
default_outcome = "ship_local"
"""


@pytest.mark.parametrize(
    "field",
    [
        'expression = "parcel.zone | slugify"',
        'expression = "parcel.zone|markdown"',
        'expression_template = "{{ parcel.zone | shout }}"',
        'expression = "parcel.weight is heavy"',
        'expression = "parcel.weight is not heavy"',
    ],
    ids=["unknown-filter", "markdown-filter", "template-filter", "unknown-test", "negated-unknown-test"],
)
def test_a_condition_naming_a_filter_or_test_that_does_not_exist_does_not_compile(field: str) -> None:
    """A condition's expression must compile, every filter and test it names existing: the reference refuses it
    before any run (``method.schema_violation``: "does not compile ... Check that every filter and test it names
    exists"); it was found only by the dry run. (Inside an ``{% if %}`` block Jinja2 compiles an unknown name and
    fails only when the block runs: the dry run finds it, as the reference's.)"""
    report = validate(ROUTER.replace("FIELD", field))
    assert error_types(report) == ["template_syntax"]
    assert "No filter named" in report.errors[0].message or "No test named" in report.errors[0].message


@pytest.mark.parametrize(
    "field",
    [
        'expression = "parcel.zone | lower | trim"',
        'expression = "parcel.zone|format"',
        'expression_template = "{% if parcel.weight is defined and parcel.weight is number %}far{% endif %}"',
        "expression_template = \"{{ parcel.zone | default('local') }}\"",
        'expression_template = "local | far is what it says"',
    ],
    ids=["jinja-filters", "pipelex-filter", "jinja-tests", "default", "pipe-sign-in-text"],
)
def test_a_condition_naming_filters_and_tests_that_exist_is_valid(field: str) -> None:
    report = validate(ROUTER.replace("FIELD", field))
    assert report.is_valid, error_types(report)


CARD = """
domain = "front_desk"

[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
title = { type = "text", description = "Title", required = true }

[concept.Card]
description = "A card on the board"

[concept.Card.structure]
heading = { type = "text", description = "Heading", required = true }
owner = { type = "text", description = "Owner" }

[pipe.make_card]
type = "PipeCompose"
description = "Builds a card from a ticket"
inputs = { ticket = "Ticket" }
output = "Card"

[pipe.make_card.construct]
CONSTRUCT
"""


@pytest.mark.parametrize(
    "construct",
    [
        'heading = { from = "ticket.title", template = "#$ticket.title" }',
        'heading = { template = "$ticket.title", from = "ticket.title" }\nowner = "desk"',
        'heading = "Card"\n\n[pipe.make_card.construct.owner]\nfrom = "ticket.title"\ntemplate = "by $ticket.title"',
    ],
    ids=["from-then-template", "template-then-from", "sub-table"],
)
def test_a_construct_field_is_filled_from_a_path_or_a_template_not_both(construct: str) -> None:
    """A construct field has one way to get its value (the reference: "'from' and 'template' are mutually
    exclusive in field definition", ``method.schema_violation``; it was valid, the template ignored)."""
    report = validate(CARD.replace("CONSTRUCT", construct))
    assert error_types(report) == ["schema_violation"]
    assert "mutually exclusive" in report.errors[0].message


@pytest.mark.parametrize(
    "construct",
    ['heading = { from = "ticket.title" }', 'heading = { template = "#$ticket.title" }\nowner = "desk"'],
    ids=["from", "template"],
)
def test_a_construct_field_filled_one_way_is_valid(construct: str) -> None:
    report = validate(CARD.replace("CONSTRUCT", construct))
    assert report.is_valid, error_types(report)


def test_a_construct_with_no_field_is_a_schema_violation() -> None:
    """``construct = {}`` builds nothing (the reference refuses it by its schema; it was reported only as an
    input never read)."""
    text = CARD.replace("\n[pipe.make_card.construct]\nCONSTRUCT\n", "construct = {}\n")
    report = validate(text)
    assert error_types(report) == ["schema_violation"]
    assert "`construct` has no field" in report.errors[0].message


def test_an_input_read_by_a_macro_default_is_used() -> None:
    """``{% macro line(text=customer) %}``: the default reads ``customer`` when the call leaves ``text`` out (the
    reference: valid; it was 'declared but never used')."""
    prompt = "{% macro line(text=customer) %}- {{ text }}{% endmacro %}Answer:\n{{ line() }}"
    report = validate(llm_pipe('{ customer = "Text" }', prompt))
    assert report.is_valid, error_types(report)
