"""Error types in the places a user puts them, as the reference reports them (probed on it as a black box through
``benchmarks/fidelity.py`` with ``benchmarks/fidelity_bundles_matrix.py``): each test is a bundle a user writes,
validated whole (static checks and the dry-run sweep), and the verdict it gets."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.validation.report import ValidationReport, validate_library


def validate(text: str) -> ValidationReport:
    return validate_library(
        build_library([(textwrap.dedent(text).lstrip("\n"), "bundle.mthds")]), default_deck()
    )


def problems(report: ValidationReport) -> list[tuple[str, str | None, str | None]]:
    return [(e.error_type, e.pipe, e.field) for e in report.errors]


DESK = """
domain = "front_desk"
main_pipe = "run"

[concept]
Note = "A note left at the front desk"
Summary = "A short summary of a note"

[pipe.headline]
type = "PipeLLM"
description = "A headline for a note"
inputs = { note = "Note" }
output = "Summary"
prompt = "Give a headline for: $note"
"""

# a reference whose text no pipe code can have (upper case, a dash, a space, a dotted domain in capitals)
MALFORMED_CALLS = {
    "step": (
        """
        [pipe.run]
        type = "PipeSequence"
        description = "Run"
        inputs = { note = "Note" }
        output = "Summary"
        steps = [{ pipe = "Head-Line", result = "summary" }]
        """,
        "steps[0]",
    ),
    "condition outcome": (
        """
        [pipe.run]
        type = "PipeCondition"
        description = "Run"
        inputs = { note = "Note" }
        output = "Summary"
        expression = "note.text"
        outcomes = { urgent = "Head Line" }
        default_outcome = "headline"
        """,
        "outcomes.urgent",
    ),
    "default outcome": (
        """
        [pipe.run]
        type = "PipeCondition"
        description = "Run"
        inputs = { note = "Note" }
        output = "Summary"
        expression = "note.text"
        outcomes = { urgent = "headline" }
        default_outcome = "Nope!"
        """,
        "default_outcome",
    ),
    "batch branch": (
        """
        [pipe.run]
        type = "PipeBatch"
        description = "Run"
        inputs = { notes = "Note[]" }
        output = "Summary[]"
        branch_pipe_code = "Headline"
        input_list_name = "notes"
        input_item_name = "note"
        """,
        "branch_pipe_code",
    ),
    "parallel branch": (
        """
        [pipe.run]
        type = "PipeParallel"
        description = "Run"
        inputs = { note = "Note" }
        output = "Composite"
        add_each_output = true
        branches = [{ pipe = "Front_Desk.headline", result = "heading" }]
        """,
        "branches[0]",
    ),
}


@pytest.mark.parametrize("where", list(MALFORMED_CALLS))
def test_a_call_to_a_name_no_pipe_can_have_is_an_unresolved_pipe(where: str) -> None:
    # the reference: "Pipe 'front_desk.run' references 'front_desk.Head-Line', which does not exist"
    # (method.pipe_unresolved); only the declaration of a pipe under such a name is an invalid pipe code
    controller, field = MALFORMED_CALLS[where]
    report = validate(DESK + textwrap.dedent(controller))
    assert [(t, p) for t, p, _ in problems(report)] == [("unresolved_pipe_dependency", "run")]
    assert report.errors[0].field is not None and report.errors[0].field.startswith(field)
    assert "no pipe can have that name" in report.errors[0].message


def test_a_call_to_a_pipe_declared_under_a_malformed_code_is_one_invalid_pipe_code() -> None:
    text = DESK.replace("[pipe.headline]", "[pipe.HeadLine]") + textwrap.dedent(
        MALFORMED_CALLS["step"][0]
    ).replace("Head-Line", "HeadLine")
    report = validate(text)
    assert problems(report) == [("invalid_pipe_code_syntax", "HeadLine", None)]


def test_a_call_without_a_package_alias_stays_an_invalid_pipe_code() -> None:
    text = DESK + textwrap.dedent(MALFORMED_CALLS["step"][0]).replace("Head-Line", "->front_desk.headline")
    assert [(t, p) for t, p, _ in problems(validate(text))] == [("invalid_pipe_code_syntax", "run")]


def test_the_same_calls_to_the_declared_pipe_are_valid() -> None:
    for controller, _ in MALFORMED_CALLS.values():
        fixed = textwrap.dedent(controller)
        for bad in ("Head-Line", "Head Line", "Nope!", "Headline", "Front_Desk.headline"):
            fixed = fixed.replace(f'"{bad}"', '"front_desk.headline"' if "Front" in bad else '"headline"')
        report = validate(DESK + fixed)
        assert report.is_valid, problems(report)


BATCH_OF_TICKETS = """
[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
title = { type = "text", description = "Title", required = true }

[pipe.run]
type = "PipeBatch"
description = "A headline per note"
inputs = { notes = "Note[]" }
output = "OUTPUT"
branch_pipe_code = "BRANCH"
input_list_name = "notes"
input_item_name = "note"

[pipe.title_ticket]
type = "PipeLLM"
description = "A headline for a ticket"
inputs = { note = "Ticket" }
output = "Summary"
prompt = "Give a headline for: $note.title"
"""


def test_a_batch_feeding_its_branch_another_concept_is_a_mismatch() -> None:
    # the reference does not check a PipeBatch's branch (valid), while the same call from a sequence step is its
    # method.input_concept_mismatch: pipelex checks both (docs/language.md, the differences)
    text = DESK + BATCH_OF_TICKETS.replace("OUTPUT", "Summary[]").replace("BRANCH", "title_ticket")
    assert [(t, p) for t, p, _ in problems(validate(text))] == [("input_stuff_spec_mismatch", "run")]


def test_a_batch_declaring_another_output_concept_than_its_branch_makes() -> None:
    text = DESK + BATCH_OF_TICKETS.replace("OUTPUT", "Ticket[]").replace("BRANCH", "headline")
    text = text.replace("[pipe.title_ticket]", "[pipe.unused_title_ticket]")
    report = validate(text)
    assert ("inadequate_output_concept", "run") in [(t, p) for t, p, _ in problems(report)]
    fixed = DESK + BATCH_OF_TICKETS.replace("OUTPUT", "Summary[]").replace("BRANCH", "headline")
    assert validate(fixed).is_valid, problems(validate(fixed))


TAGS_OF = """
domain = "desk"
main_pipe = "tags_of"

[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
title = { type = "text", description = "Title", required = true }
body = { type = "text", description = "Body" }
tags = { type = "list", item_type = "text", description = "Tags" }

[pipe.tags_of]
type = "PipeSequence"
description = "The tags of a ticket"
inputs = { ticket = "Ticket" }
output = "OUTPUT"
steps = [{ from = "ticket.FIELD", result = "value" }]
"""


def test_binding_an_optional_list_field_binds_a_list_never_an_absence() -> None:
    # the reference: valid (a list is never absent: unset, it is the empty list); an optional scalar field is
    # absent when unset, so a required output of it is optional_not_handled (as in the reference)
    report = validate(TAGS_OF.replace("OUTPUT", "Text[]").replace("FIELD", "tags"))
    assert report.is_valid, problems(report)
    report = validate(TAGS_OF.replace("OUTPUT", "Text").replace("FIELD", "body"))
    assert [t for t, _, _ in problems(report)] == ["optional_not_handled"]
    assert validate(TAGS_OF.replace("OUTPUT", "Text?").replace("FIELD", "body")).is_valid


def test_a_run_binding_an_unset_list_field_binds_the_empty_list(tmp_path: Path) -> None:
    from pipelex.cli.main import main

    bundle = tmp_path / "tags.mthds"
    bundle.write_text(
        textwrap.dedent(TAGS_OF.replace("OUTPUT", "Text[]").replace("FIELD", "tags")).lstrip("\n")
    )
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"ticket": {"concept": "Ticket", "content": {"title": "Printer on fire"}}}))
    out = tmp_path / "out"
    assert main(["run", "bundle", str(bundle), "--dry-run", "-i", str(inputs), "-o", str(out), "-q"]) == 0
    assert json.loads(next(out.glob("*/main_stuff.json")).read_text()) == {"items": []}


UNDERSCORED = {
    "input": (
        '[pipe.run]\ntype = "PipeLLM"\ndescription = "d"\ninputs = { _note = "Note" }\noutput = "Summary"\n'
        'prompt = "Sum {{ _note }}"\n',
        "invalid_input_name",
    ),
    "step result": (
        '[pipe.run]\ntype = "PipeSequence"\ndescription = "d"\ninputs = { note = "Note" }\noutput = "Summary"\n'
        'steps = [{ pipe = "headline", result = "_summary" }]\n',
        "invalid_input_name",
    ),
    "branch result": (
        '[pipe.run]\ntype = "PipeParallel"\ndescription = "d"\ninputs = { note = "Note" }\noutput = "Composite"\n'
        'add_each_output = true\nbranches = [{ pipe = "headline", result = "_heading" }]\n',
        "invalid_input_name",
    ),
    "binding result": (
        '[pipe.run]\ntype = "PipeSequence"\ndescription = "d"\ninputs = { note = "Note" }\noutput = "Note"\n'
        'steps = [{ from = "note", result = "_copy" }]\n',
        "binding_step_invalid",
    ),
}


@pytest.mark.parametrize("where", list(UNDERSCORED))
def test_a_name_starting_with_an_underscore_is_not_a_plain_name(where: str) -> None:
    # the reference: "Input '_note' is not a valid input name: ... matching `[a-z][a-z0-9_]*`" (identifier_invalid),
    # and the same for a step's or branch's result; a binding's result is its binding_step_invalid
    text, error_type = UNDERSCORED[where]
    report = validate(DESK + text)
    assert problems(report)[0][:2] == (error_type, "run")
    fixed = text.replace("_note", "note").replace('"_', '"')
    assert validate(DESK + fixed).is_valid, problems(validate(DESK + fixed))


SHAPES = {
    "batch_over without batch_as": (
        '[pipe.run]\ntype = "PipeSequence"\ndescription = "d"\ninputs = { notes = "Note[]" }\noutput = "Summary[]"\n'
        'steps = [{ pipe = "headline", batch_over = "notes", result = "r" }]\n'
    ),
    "an empty batch_as": (
        '[pipe.run]\ntype = "PipeSequence"\ndescription = "d"\ninputs = { notes = "Note[]" }\noutput = "Summary[]"\n'
        'steps = [{ pipe = "headline", batch_over = "notes", batch_as = "", result = "r" }]\n'
    ),
    "an empty input_item_name": (
        '[pipe.run]\ntype = "PipeBatch"\ndescription = "d"\ninputs = { notes = "Note[]" }\noutput = "Summary[]"\n'
        'branch_pipe_code = "headline"\ninput_list_name = "notes"\ninput_item_name = ""\n'
    ),
    "an input_list_name of no input": (
        '[pipe.run]\ntype = "PipeBatch"\ndescription = "d"\ninputs = { notes = "Note[]" }\noutput = "Summary[]"\n'
        'branch_pipe_code = "headline"\ninput_list_name = "items"\ninput_item_name = "note"\n'
    ),
    "a parallel output list": (
        '[pipe.run]\ntype = "PipeParallel"\ndescription = "d"\ninputs = { note = "Note" }\noutput = "Composite[]"\n'
        'add_each_output = true\nbranches = [{ pipe = "headline", result = "heading" }]\n'
    ),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_controller_whose_own_fields_disagree_is_a_schema_violation(shape: str) -> None:
    # the reference: method.schema_violation ("carries `batch_over` without `batch_as`", "Empty input item name is
    # not allowed", ...), reported first
    report = validate(DESK + SHAPES[shape])
    assert problems(report)[0][:2] == ("schema_violation", "run")


def test_an_empty_list_name_is_an_invalid_input_name() -> None:
    text = SHAPES["an input_list_name of no input"].replace('"items"', '""')
    assert problems(validate(DESK + text))[0][:2] == ("invalid_input_name", "run")
