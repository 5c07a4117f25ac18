"""Rules found by generating whole methods and validating them with both CLIs (``benchmarks/fidelity_fuzz.py``,
``benchmarks/fuzz.md``), written here as a user would write the bundles."""

from __future__ import annotations

import textwrap

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.validation.report import ValidationReport, validate_library


def validate(text: str) -> ValidationReport:
    return validate_library(
        build_library([(textwrap.dedent(text).lstrip("\n"), "bundle.mthds")]), default_deck()
    )


CRATES = """
domain = "warehouse"
main_pipe = "label_every_crate"

[concept]
Crate = "A crate standing on a pallet"
CrateLabel = "The line of text stuck on a crate"

[pipe.label_every_crate]
type = "PipeBatch"
description = "A label for each crate, in the warehouse's style"
inputs = { crates = "Crate[]", style = "Text" }
output = "CrateLabel[]"
branch_pipe_code = "label_one_crate"
input_list_name = "crates"
input_item_name = "crate"

[pipe.label_one_crate]
type = "PipeLLM"
description = "One label"
inputs = { BRANCH_INPUTS }
output = "CrateLabel"
prompt = "PROMPT"
"""


def crates(branch_inputs: str, prompt: str) -> str:
    return CRATES.replace("BRANCH_INPUTS", branch_inputs).replace("PROMPT", prompt)


def test_a_batch_whose_branch_reads_no_item_is_refused() -> None:
    # the branch forgot the crate: every run would write the same label (the reference: schema_violation, "Input
    # item name 'crate' not found in inputs of branch pipe")
    report = validate(crates('style = "Text"', "Write a label. Style: $style."))
    assert [e.error_type for e in report.errors] == ["schema_violation"]
    error = report.errors[0]
    assert error.pipe == "label_every_crate"
    assert "input_item_name 'crate' is not an input of pipe 'label_one_crate'" in error.message
    assert "its inputs: style" in error.message


def test_a_batch_whose_branch_reads_the_item_validates() -> None:
    report = validate(crates('crate = "Crate", style = "Text"', "Label $crate. Style: $style."))
    assert report.is_valid, [(e.error_type, e.message) for e in report.errors]


def test_a_branch_reading_a_field_of_the_item_reads_the_item() -> None:
    text = """
    domain = "shipping"
    main_pipe = "label_all"

    [concept.Parcel]
    description = "A parcel"

    [concept.Parcel.structure]
    address = { type = "text", description = "Where it goes", required = true }

    [pipe.label_all]
    type = "PipeBatch"
    description = "A label per parcel"
    inputs = { parcels = "Parcel[]" }
    output = "Text[]"
    branch_pipe_code = "label_one"
    input_list_name = "parcels"
    input_item_name = "parcel"

    [pipe.label_one]
    type = "PipeCompose"
    description = "One label"
    inputs = { "parcel.address" = "Text" }
    output = "Text"
    template = "To: $parcel.address"
    """
    report = validate(text)
    assert "schema_violation" not in [e.error_type for e in report.errors], report.errors


SEQUENCE = """
domain = "warehouse"
main_pipe = "label_all"

[concept]
Crate = "A crate standing on a pallet"
CrateLabel = "The line of text stuck on a crate"

[pipe.label_all]
type = "PipeSequence"
description = "Labels every crate"
inputs = { crates = "Crate[]", style = "Text" }
output = "CrateLabel[]"
steps = [ { pipe = "label_one_crate", batch_over = "crates", batch_as = "crate", result = "labels" } ]

[pipe.label_one_crate]
type = "PipeLLM"
description = "One label"
inputs = { BRANCH_INPUTS }
output = "CrateLabel"
prompt = "PROMPT"
"""


def test_a_batched_step_whose_pipe_reads_no_item_is_refused() -> None:
    # the reference refuses it too (method.wiring_invalid: the item's spec is not found in the step's pipe)
    text = SEQUENCE.replace("BRANCH_INPUTS", 'style = "Text"').replace("PROMPT", "A label. Style: $style.")
    report = validate(text)
    assert [e.error_type for e in report.errors] == ["schema_violation"]
    error = report.errors[0]
    assert error.pipe == "label_all"
    assert error.message.startswith("steps[0]: batch_as 'crate' is not an input of pipe 'label_one_crate'")


def test_a_batched_step_whose_pipe_reads_the_item_validates() -> None:
    text = SEQUENCE.replace("BRANCH_INPUTS", 'crate = "Crate", style = "Text"').replace(
        "PROMPT", "A label for $crate. Style: $style."
    )
    report = validate(text)
    assert report.is_valid, [(e.error_type, e.message) for e in report.errors]


def test_a_nested_sequence_is_read_under_its_step_result() -> None:
    # a kept difference: the reference stores a nested sequence's output only under its own last step's name
    text = """
    domain = "nesting"
    main_pipe = "outer"

    [pipe.outer]
    type = "PipeSequence"
    description = "Drafts, then polishes"
    inputs = { topic = "Text" }
    output = "Text"
    steps = [
      { pipe = "inner", result = "drafted" },
      { pipe = "polish", result = "polished" },
    ]

    [pipe.inner]
    type = "PipeSequence"
    description = "Drafts"
    inputs = { topic = "Text" }
    output = "Text"
    steps = [ { pipe = "draft", result = "draft_text" } ]

    [pipe.draft]
    type = "PipeLLM"
    description = "Draft"
    inputs = { topic = "Text" }
    output = "Text"
    prompt = "Draft a paragraph about $topic"

    [pipe.polish]
    type = "PipeLLM"
    description = "Polish"
    inputs = { drafted = "Text" }
    output = "Text"
    prompt = "Polish this: $drafted"
    """
    report = validate(text)
    assert report.is_valid, [(e.error_type, e.message) for e in report.errors]


CLAIMS = """
domain = "claims"
main_pipe = "handle"

[concept.Claim]
description = "A claim"

[concept.Claim.structure]
amount = { type = "number", description = "How much", required = true }

[concept.Invoice]
description = "An invoice, a kind of claim"
INVOICE

[pipe.handle]
type = "PipeSequence"
description = "A claim, then a note on it as an invoice"
inputs = { note = "Text" }
output = "Text"
steps = [
  { pipe = "write_claim", result = "claim" },
  { pipe = "write_note", result = "summary" },
]

[pipe.write_claim]
type = "PipeLLM"
description = "Claim"
inputs = { note = "Text" }
output = "Claim"
prompt = "Make a claim from $note"

[pipe.write_note]
type = "PipeLLM"
description = "Note"
inputs = { claim = "Invoice" }
output = "Text"
prompt = "Describe $claim"
"""


def test_a_refinement_adding_no_field_takes_its_parent() -> None:
    # Invoice holds exactly a Claim's fields: the reference lets a Claim feed it, as a native feeds a concept that
    # only refines it
    report = validate(CLAIMS.replace("INVOICE", 'refines = "Claim"'))
    assert report.is_valid, [(e.error_type, e.message) for e in report.errors]


def test_an_unrelated_concept_with_other_fields_does_not_take_it() -> None:
    text = CLAIMS.replace(
        "INVOICE",
        '\n[concept.Invoice.structure]\nnumber = { type = "text", description = "Its number", required = true }',
    )
    report = validate(text)
    assert [e.error_type for e in report.errors] == ["input_stuff_spec_mismatch"]
    assert "reads 'claim' as 'Invoice'" in report.errors[0].message
