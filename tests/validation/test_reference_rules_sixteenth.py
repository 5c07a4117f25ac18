"""Rules met by the sixteenth fidelity pass's bundles (``benchmarks/fidelity_bundles_sixteenth.py``), each probed on
the reference as a black box on several variants before it was written."""

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


PAGES = """
domain = "reports"
main_pipe = "summarize_report"

[concept.ScannedPage]
description = "A scanned page"
refines = "Page"

[concept.Slide]
description = "A slide"
refines = "TextAndImages"

[pipe.summarize_report]
type = "PipeSequence"
description = "Extract the pages, then summarize them"
inputs = { document = "Document" }
output = "Text"
steps = [
    { pipe = "extract_pages", result = "pages" },
    { pipe = "summarize_pages", result = "summary" },
]

[pipe.extract_pages]
type = "PipeExtract"
description = "Extract the report's pages"
inputs = { document = "Document" }
output = "Page[]"

[pipe.summarize_pages]
type = "PipeLLM"
description = "Summarize the pages"
inputs = { pages = "{input}" }
output = "Text"
prompt = \"\"\"
Summarize these pages:

@pages
\"\"\"
"""


@pytest.mark.parametrize("declared", ["TextAndImages[]", "native.TextAndImages[]", "Slide[]"])
def test_pages_fill_a_text_and_images_list(declared: str) -> None:
    # the reference: valid, and its dry run passes (a page holds its text and images: it is taken for one)
    report = validate(PAGES.replace("{input}", declared))
    assert report.is_valid, [e.message for e in report.errors]


@pytest.mark.parametrize("declared", ["TextAndImages", "Text[]", "Text", "Document[]", "TextAndImages[3]"])
def test_pages_do_not_fill_a_single_text_and_images_a_text_or_a_document(declared: str) -> None:
    # the reference: method.input_concept_mismatch ("reads 'pages' as 'TextAndImages', but step 1 stores it as
    # 'Page[]'"): one for one only, and a page is not a Text nor a Document
    report = validate(PAGES.replace("{input}", declared))
    assert error_types(report) == ["input_stuff_spec_mismatch"]


DIRECT = """
domain = "reports"
main_pipe = "summarize_report"

[concept.ScannedPage]
description = "A scanned page"
refines = "Page"

[pipe.summarize_report]
type = "PipeSequence"
description = "Summarize the pages"
inputs = { pages = "{given}" }
output = "Text"
steps = [{ pipe = "summarize_pages", result = "summary" }]

[pipe.summarize_pages]
type = "PipeLLM"
description = "Summarize the pages"
inputs = { pages = "{declared}" }
output = "Text"
prompt = \"\"\"
Summarize:

@pages
\"\"\"
"""


@pytest.mark.parametrize(
    ("given", "declared"),
    [("Page[]", "TextAndImages[]"), ("Page", "TextAndImages"), ("ScannedPage[]", "TextAndImages[]")],
)
def test_a_page_or_a_refinement_of_it_fills_a_text_and_images(given: str, declared: str) -> None:
    report = validate(DIRECT.replace("{given}", given).replace("{declared}", declared))
    assert report.is_valid, [e.message for e in report.errors]


@pytest.mark.parametrize(
    ("given", "declared"), [("TextAndImages[]", "Page[]"), ("Page[]", "Text[]"), ("TextAndImages", "Page")]
)
def test_a_text_and_images_is_no_page_and_a_page_no_text(given: str, declared: str) -> None:
    report = validate(DIRECT.replace("{given}", given).replace("{declared}", declared))
    assert error_types(report) == ["input_stuff_spec_mismatch"]


def test_a_batch_over_pages_hands_each_to_a_text_and_images_input() -> None:
    text = PAGES.replace("{input}", "TextAndImages").replace(
        '{ pipe = "summarize_pages", result = "summary" }',
        '{ pipe = "summarize_pages", batch_over = "pages", batch_as = "page", result = "summary" }',
    )
    text = text.replace('inputs = { pages = "TextAndImages" }', 'inputs = { page = "TextAndImages" }')
    text = text.replace("@pages", "@page").replace('output = "Text"\nsteps', 'output = "Text[]"\nsteps')
    report = validate(text)
    assert report.is_valid, [e.message for e in report.errors]


CONDITION = """
domain = "reports"

[pipe.pick]
type = "PipeCondition"
description = "Short or long summary"
inputs = { pages = "{given}" }
output = "Text"
expression = "pages | length > 3"
outcomes = { "True" = "summarize_pages", "False" = "summarize_pages" }
default_outcome = "summarize_pages"

[pipe.summarize_pages]
type = "PipeLLM"
description = "Summarize the pages"
inputs = { pages = "TextAndImages[]" }
output = "Text"
prompt = \"\"\"
Summarize:

@pages
\"\"\"
"""


def test_a_condition_declares_its_outcomes_text_and_images_input_as_it_is() -> None:
    # the reference: "In pipe 'pick', input 'pages' is declared as 'Page[]' but its step needs
    # 'TextAndImages[]'" (method.input_concept_mismatch); a sequence's step or a batch's branch takes the pages
    report = validate(CONDITION.replace("{given}", "Page[]"))
    assert error_types(report) == ["input_stuff_spec_mismatch"]
    assert report.errors[0].pipe == "pick"
    assert validate(CONDITION.replace("{given}", "TextAndImages[]")).is_valid


PARALLEL = """
domain = "reports"

[pipe.two_views]
type = "PipeParallel"
description = "Summarize and list the key figures at once"
inputs = { pages = "{given}" }
output = "Composite"
add_each_output = true
branches = [
    { pipe = "summarize_pages", result = "short" },
    { pipe = "summarize_pages", result = "again" },
]

[pipe.summarize_pages]
type = "PipeLLM"
description = "Summarize the pages"
inputs = { pages = "TextAndImages[]" }
output = "Text"
prompt = \"\"\"
Summarize:

@pages
\"\"\"
"""


def test_a_parallel_declares_its_branches_text_and_images_input_as_it_is() -> None:
    # the reference: "In pipe 'two_views', input 'pages' is declared as 'Page[]' but its step needs
    # 'TextAndImages[]'" (method.input_concept_mismatch)
    report = validate(PARALLEL.replace("{given}", "Page[]"))
    assert set(error_types(report)) == {"input_stuff_spec_mismatch"}
    assert {e.pipe for e in report.errors} == {"two_views"}
    assert validate(PARALLEL.replace("{given}", "TextAndImages[]")).is_valid


CONSTRUCT = """
domain = "market"

[concept.Label]
description = "A shelf label"

[concept.Label.structure]
title = { type = "text", description = "The big line", required = true }
note = { type = "text", description = "A small line" }

[pipe.make_label]
type = "PipeCompose"
description = "Build the label"
inputs = { name = "Text" }
output = "Label"

[pipe.make_label.construct]
title = { from = "name" }
note = {note}
"""


@pytest.mark.parametrize(
    "note",
    ['{ template = { template = "Fresh: $name", category = "basic" } }', "{ template = 5 }"],
)
def test_a_construct_fields_template_is_a_string(note: str) -> None:
    # the reference: ConstructFieldBlueprintTypeError (method.schema_violation) for a table
    report = validate(CONSTRUCT.replace("{note}", note))
    assert error_types(report) == ["schema_violation"]
    assert "construct.note" in report.errors[0].message


def test_a_construct_fields_template_string_is_valid() -> None:
    report = validate(CONSTRUCT.replace("{note}", '{ template = "Fresh: $name" }'))
    assert report.is_valid, [e.message for e in report.errors]


STRUCTURE = """
domain = "hr"

[concept.Application]
description = "A job application"

[concept.Application.structure]
candidate = {field}
"""


@pytest.mark.parametrize(
    "field",
    [
        '{ type = "text", concept_ref = "Text", description = "Name" }',
        '{ type = "integer", concept_ref = "Number", description = "Years" }',
    ],
)
def test_concept_ref_is_only_for_a_concept_field(field: str) -> None:
    # the reference: "'concept_ref' can only be set when type is 'concept'. Actual type: text"
    report = validate(STRUCTURE.replace("{field}", field))
    assert error_types(report) == ["schema_violation"]
    assert "concept_ref" in report.errors[0].message


def test_concept_ref_on_a_concept_field_is_valid() -> None:
    report = validate(
        STRUCTURE.replace("{field}", '{ type = "concept", concept_ref = "Text", description = "Name" }')
    )
    assert report.is_valid, [e.message for e in report.errors]


def test_a_field_table_without_type_lists_its_choices() -> None:
    # the reference: "When type is None (array), choices must not be empty" (method.schema_violation)
    for field in ('{ description = "Name", required = true }', '{ description = "Name", choices = [] }'):
        report = validate(STRUCTURE.replace("{field}", field))
        assert error_types(report) == ["schema_violation"], field
        assert "no type" in report.errors[0].message
    for field in ('{ description = "Level", choices = ["junior", "senior"] }', '"Name"'):
        report = validate(STRUCTURE.replace("{field}", field))
        assert report.is_valid, [e.message for e in report.errors]


def test_an_empty_construct_template_is_refused() -> None:
    # the reference's dry run: "template is required for TEMPLATE method"
    report = validate(CONSTRUCT.replace("{note}", '{ template = "" }'))
    assert error_types(report) == ["schema_violation"]
    assert "empty" in report.errors[0].message


def test_a_field_without_type_is_a_choice_its_default_among_its_choices() -> None:
    # the reference: a default outside the choices of a field without type is a schema_violation (with type =
    # "text" it is not checked there), and concept_ref on such a field too
    outside = '{ description = "Name", choices = ["Ann", "Bob"], default_value = "Cy" }'
    report = validate(STRUCTURE.replace("{field}", outside))
    assert error_types(report) == ["schema_violation"]
    assert "none of them" in report.errors[0].message
    inside = '{ description = "Name", choices = ["Ann", "Bob"], default_value = "Ann" }'
    assert validate(STRUCTURE.replace("{field}", inside)).is_valid
    typed = '{ type = "text", description = "Name", choices = ["Ann", "Bob"], default_value = "Cy" }'
    assert validate(STRUCTURE.replace("{field}", typed)).is_valid
    with_ref = '{ description = "Name", concept_ref = "Text", choices = ["a"] }'
    assert error_types(validate(STRUCTURE.replace("{field}", with_ref))) == ["schema_violation"]
