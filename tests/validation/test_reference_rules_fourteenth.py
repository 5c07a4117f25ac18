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
