"""Rules met by the seventeenth fidelity pass's bundles (``benchmarks/fidelity_bundles_seventeenth.py``), each probed
on the reference as a black box on several variants before it was written."""

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


HELPDESK = """
domain = "helpdesk"
main_pipe = "route_ticket"

[concept.Triage]
description = "How a ticket was classified"

[concept.Triage.structure]
kind = { choices = ["bug", "billing", "other"], description = "The kind of ticket", required = true }

[pipe.route_ticket]
type = "PipeCondition"
description = "Reply according to the ticket's kind"
inputs = { ticket = "Text", triage = "Triage" }
output = "OUTPUT"
expression = "triage.kind"
default_outcome = "DEFAULT"
OUTCOMES

[pipe.reply_bug]
type = "PipeLLM"
description = "Reply to a bug report"
inputs = { ticket = "Text" }
output = "Text"
prompt = "Thank the customer for reporting the bug described in $ticket."

[pipe.reply_other]
type = "PipeLLM"
description = "Reply to anything else"
inputs = { ticket = "Text" }
output = "Text"
prompt = "Reply politely to: $ticket"
"""


def helpdesk(output: str = "Text", default: str = "reply_other", outcomes: str = "") -> str:
    return HELPDESK.replace("OUTPUT", output).replace("DEFAULT", default).replace("OUTCOMES", outcomes)


def test_a_condition_without_outcomes_runs_its_default_outcome() -> None:
    # the reference: valid, and its dry run goes through the default outcome (`outcomes` has a default there)
    report = validate(helpdesk())
    assert report.is_valid, error_types(report)


@pytest.mark.parametrize(
    "outcomes", ["outcomes = {}", "[pipe.route_ticket.outcomes]"], ids=["inline", "table"]
)
def test_an_outcomes_table_written_empty_is_refused(outcomes: str) -> None:
    # the reference: "PipeConditionBlueprint must have at least one mapping in outcomes, got: {}"
    report = validate(helpdesk(outcomes=outcomes))
    assert error_types(report) == ["schema_violation"]
    assert report.errors[0].pipe == "route_ticket" and report.errors[0].field == "outcomes"


@pytest.mark.parametrize(("default", "output"), [("fail", "Text"), ("continue", "Text?")])
def test_a_condition_without_outcomes_still_checks_its_inputs(default: str, output: str) -> None:
    # no outcome pipe reads `ticket` any more: the reference says `method.input_unused`, as with outcomes
    report = validate(helpdesk(output=output, default=default))
    assert error_types(report) == ["extraneous_input_variable"]


@pytest.mark.parametrize(("output", "billing"), [("Dynamic", "reply_bug"), ("Dynamic?", "continue")])
def test_dynamic_is_no_output_of_a_condition_whose_outcomes_agree(output: str, billing: str) -> None:
    # the reference: "All mapped pipes of PipeCondition 'route_ticket' have the same output concept
    # 'native.Text', but PipeCondition declares output 'native.Dynamic'"
    outcomes = f'[pipe.route_ticket.outcomes]\nbug = "reply_bug"\nbilling = "{billing}"'
    report = validate(helpdesk(output=output, outcomes=outcomes))
    assert error_types(report) == ["inadequate_output_concept"]
    assert report.errors[0].pipe == "route_ticket" and "native.Dynamic" in report.errors[0].message


@pytest.mark.parametrize(("output", "valid"), [("Text", True), ("Anything", True), ("Markdown", False)])
def test_a_condition_whose_outcomes_agree_declares_their_concept_or_anything(
    output: str, valid: bool
) -> None:
    report = validate(helpdesk(output=output, outcomes='outcomes = { bug = "reply_bug" }'))
    assert report.is_valid is valid, error_types(report)


def test_a_condition_whose_outcomes_make_dynamic_may_declare_dynamic() -> None:
    text = helpdesk(output="Dynamic", outcomes='outcomes = { bug = "reply_bug" }').replace(
        'output = "Text"\nprompt', 'output = "Dynamic"\nprompt'
    )
    report = validate(text)
    assert report.is_valid, error_types(report)


NOTE = """
domain = "desk"
main_pipe = "build_value"

[pipe.build_value]
type = "PipeCompose"
description = "Build the value"
inputs = { note = "Text" }
output = "OUTPUT"
template = "Note: $note"
"""


@pytest.mark.parametrize(("output", "valid"), [("Dynamic", True), ("Text", True), ("Number", False)])
def test_a_template_makes_a_text_for_a_dynamic_output(output: str, valid: bool) -> None:
    # the reference: valid, its dry run too (a Dynamic output is what the pipe makes); a Number is no text
    report = validate(NOTE.replace("OUTPUT", output))
    assert report.is_valid is valid, error_types(report)
