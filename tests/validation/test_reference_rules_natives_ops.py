"""Natives and operator settings as the reference checks them (probed on it as a black box through
``benchmarks/fidelity.py``, the bases of ``benchmarks/fidelity_bundles_ops.py``): each test is a bundle a user
writes, validated whole (static checks and the dry-run sweep), and the verdict it gets."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.validation.report import ValidationReport, validate_library


def validate(text: str, file: str = "bundle.mthds") -> ValidationReport:
    return validate_library(build_library([(textwrap.dedent(text).lstrip("\n"), file)]), default_deck())


def problems(report: ValidationReport) -> list[tuple[str, str | None, str | None]]:
    return [(e.error_type, e.pipe, e.field) for e in report.errors]


CONTRACT = """
domain = "office_docs"

[concept.Assessment]
description = "What the reviewer thinks of the contract"

[concept.Assessment.structure]
fair = { type = "concept", concept_ref = "YesNo", description = "Balanced for both sides", required = true }
clarity = { type = "concept", concept_ref = "Rating", description = "How clear it reads", required = true }

[pipe.assess]
type = "PipeJudge"
description = "Fairness and clarity"
inputs = { contract = "Text" }
output = "Assessment"
model = "@default-judgment"
prompt = "$contract"

[pipe.assess.questions.fair]
question = "Is the contract balanced for both sides?"
criteria = { yes = "obligations are mutual", no = "one side carries the risk" }
FAIR_THRESHOLD

[pipe.assess.questions.clarity]
question = "How clear is it?"
levels = ["opaque", "dense", "clear"]
CLARITY_THRESHOLD
"""


def test_a_threshold_on_a_yes_no_question_is_valid() -> None:
    report = validate(CONTRACT.replace("FAIR_THRESHOLD", "threshold = 0.6").replace("CLARITY_THRESHOLD", ""))
    assert report.is_valid, problems(report)


def test_a_threshold_on_a_rating_question_is_a_schema_violation() -> None:
    report = validate(CONTRACT.replace("FAIR_THRESHOLD", "").replace("CLARITY_THRESHOLD", "threshold = 0.5"))
    assert problems(report) == [("schema_violation", "assess", "questions.clarity")]
    assert "`threshold` applies to a yes/no question only" in report.errors[0].message
    assert "rating" in report.errors[0].message


def test_a_threshold_on_a_single_choice_question_is_a_schema_violation() -> None:
    report = validate(
        """
        domain = "loans"

        [pipe.band]
        type = "PipeJudge"
        description = "Put the application in a band"
        inputs = { application = "Text" }
        output = "Choice"
        model = "@default-judgment"
        prompt = "$application"
        question = "Which band?"
        options = { low = "Safe", high = "Refuse" }
        threshold = 0.7
        """
    )
    assert [p[0] for p in problems(report)] == ["schema_violation"]
    assert "choice" in report.errors[0].message


LETTER = """
domain = "letters"

[pipe.print_letter]
type = "PipeDocGen"
description = "The letter as a document"
inputs = { letter = "Text" }
output = "Document"
format = "FORMAT"
filename = "letter"
TEMPLATE
"""


def test_an_inline_template_makes_a_pdf() -> None:
    report = validate(LETTER.replace("FORMAT", "pdf").replace("TEMPLATE", 'template = "$letter"'))
    assert report.is_valid, problems(report)


@pytest.mark.parametrize("fmt", ["xlsx", "docx", "pptx"])
def test_an_inline_template_for_an_office_format_is_a_schema_violation(fmt: str) -> None:
    report = validate(LETTER.replace("FORMAT", fmt).replace("TEMPLATE", 'template = "$letter"'))
    assert problems(report) == [("schema_violation", "print_letter", "template")]
    assert "for the 'pdf' format only" in report.errors[0].message


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_an_office_format_without_a_template_is_laid_out_by_itself(fmt: str) -> None:
    report = validate(LETTER.replace("FORMAT", fmt).replace("TEMPLATE", ""))
    assert report.is_valid, problems(report)


def test_a_template_file_beside_the_bundle_is_valid(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "letter.html").write_text("<p>{{ letter }}</p>")
    text = LETTER.replace("FORMAT", "pdf").replace("TEMPLATE", 'template_file = "templates/letter.html"')
    report = validate(text, str(tmp_path / "letters.mthds"))
    assert report.is_valid, problems(report)


@pytest.mark.parametrize("name", ["letter.html", "../letter.html", "/etc/hostname"])
def test_a_template_file_that_is_not_in_the_bundles_folder_is_resource_missing(
    tmp_path: Path, name: str
) -> None:
    (tmp_path / "letter.html").write_text("<p>{{ letter }}</p>")  # beside the folder, not in it
    folder = tmp_path / "method"
    folder.mkdir()
    text = LETTER.replace("FORMAT", "pdf").replace("TEMPLATE", f'template_file = "{name}"')
    report = validate(text, str(folder / "letters.mthds"))
    assert problems(report) == [("resource_missing", "print_letter", "template_file")]
    assert repr(name) in report.errors[0].message


CIRCLE = """
domain = "reading_circle"

[concept.BookTitle]
description = "The title of the book under discussion"
hints = { intent = TITLE_INTENT }

[concept.CircleCard]
description = "The card pinned up for the month's reading circle"

[concept.CircleCard.structure]
headline = { type = "text", description = "the card's headline", hints = { intent = "label" }, required = true }
seats = { type = "integer", description = "how many seats the room holds", hints = { intent = SEATS_INTENT } }

[pipe.write_card]
type = "PipeLLM"
description = "Writes the circle card"
inputs = { title = "BookTitle", notes = { concept = "Text", hints = { intent = NOTES_INTENT } } }
output = "CircleCard"
prompt = \"\"\"
@title

@notes
\"\"\"
"""


def circle(title: str = '"label"', seats: str = '"quantity"', notes: str = '"prose"') -> str:
    return CIRCLE.replace("TITLE_INTENT", title).replace("SEATS_INTENT", seats).replace("NOTES_INTENT", notes)


def test_intent_hints_at_the_three_sites_are_valid() -> None:
    report = validate(circle())
    assert report.is_valid, problems(report)


@pytest.mark.parametrize("intent", ['"headline"', '"prose"'])
def test_an_unknown_or_inapplicable_intent_is_still_valid(intent: str) -> None:
    # hints are non-normative: a well-formed string the vocabulary does not know never fails validation
    report = validate(circle(seats=intent))
    assert report.is_valid, problems(report)


@pytest.mark.parametrize(
    ("site", "where"),
    [("title", None), ("seats", None), ("notes", "write_card")],
)
@pytest.mark.parametrize("value", ["3", "true", '["label"]', '{ kind = "label" }'])
def test_a_hint_value_that_is_not_a_string_is_a_schema_violation(
    site: str, where: str | None, value: str
) -> None:
    report = validate(circle(**{site: value}))
    assert [(kind, pipe) for kind, pipe, _ in problems(report)] == [("schema_violation", where)]
    assert "must be a string" in report.errors[0].message


TICKET = """
domain = "natives_desk"

[concept.Shot]
description = "A screenshot"
refines = "Image"

[concept.Attachment]
description = "A file the customer attached"

[concept.Attachment.structure]
shot = { type = "concept", concept_ref = "Image", description = "The screenshot" }

[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
subject = { type = "text", description = "Subject line", required = true }
FIELD

[pipe.open_ticket]
type = "PipeLLM"
description = "Open a ticket from the message"
inputs = { message = "Text" }
output = "Ticket"
prompt = "Open a support ticket for this message: $message"
"""


@pytest.mark.parametrize(
    "field",
    [
        'extra = { type = "concept", concept_ref = "Image", description = "An image" }',
        'extra = { type = "concept", concept_ref = "Image", description = "An image", required = true }',
        'extra = { type = "concept", concept_ref = "Shot", description = "A refined image" }',
    ],
)
def test_a_structured_llm_output_with_an_image_field_is_refused(field: str) -> None:
    report = validate(TICKET.replace("FIELD", field))
    assert problems(report) == [("llm_output_cannot_be_image", "open_ticket", "output")]
    assert "'extra'" in report.errors[0].message


@pytest.mark.parametrize(
    "field",
    [
        'extra = { type = "list", item_type = "concept", item_concept_ref = "Image", description = "Images" }',
        'extra = { type = "concept", concept_ref = "Attachment", description = "An image, nested" }',
        'extra = { type = "concept", concept_ref = "Page", description = "A page" }',
        'extra = { type = "concept", concept_ref = "TextAndImages", description = "Text and images" }',
        'extra = { type = "text", description = "The screenshot URL" }',
    ],
)
def test_an_llm_output_whose_image_is_in_a_list_or_nested_is_valid(field: str) -> None:
    # the reference checks the output's own fields for one image, not lists nor nested concepts
    report = validate(TICKET.replace("FIELD", field))
    assert report.is_valid, problems(report)


PAGE = """
domain = "pages"

[concept.Note]
description = "A note"
refines = "Text"

[pipe.page]
type = "PipeCompose"
description = "Build the output"
inputs = { answer = "Markdown" }
output = "OUTPUT"
construct = CONSTRUCT
"""


@pytest.mark.parametrize(
    ("output", "construct"),
    [
        ("Html", '{ inner_html = { template = "<p>$answer</p>" }, css_class = "answer" }'),
        ("Text", '{ text = { from = "answer.text" } }'),
        ("Note", '{ text = { from = "answer.text" } }'),
    ],
)
def test_a_construct_fills_the_fields_of_a_native(output: str, construct: str) -> None:
    report = validate(PAGE.replace("OUTPUT", output).replace("CONSTRUCT", construct))
    assert report.is_valid, problems(report)


def test_a_construct_missing_a_natives_required_field_fails_its_dry_run() -> None:
    report = validate(
        PAGE.replace("OUTPUT", "Html").replace("CONSTRUCT", '{ body = { from = "answer.text" } }')
    )
    assert [p[0] for p in problems(report)] == ["DryRunError"]
    assert "inner_html" in report.errors[0].message


@pytest.mark.parametrize("output", ["Anything", "Dynamic", "Composite"])
def test_a_construct_into_a_concept_without_fields_is_refused(output: str) -> None:
    report = validate(PAGE.replace("OUTPUT", output).replace("CONSTRUCT", '{ x = { from = "answer.text" } }'))
    assert problems(report) == [("inadequate_output_concept", "page", "output")]


def warnings_of(report: ValidationReport) -> list[tuple[str, str | None]]:
    return [(w.error_type, w.pipe) for w in report.warnings]


def test_well_placed_intent_hints_make_no_warning() -> None:
    report = validate(circle())
    assert report.is_valid and warnings_of(report) == []


@pytest.mark.parametrize(
    ("text", "expected", "words"),
    [
        (circle(title='"headline"'), ("hint_unknown_intent", None), ("'headline'", "concept")),
        (circle(notes='"essay"'), ("hint_unknown_intent", "write_card"), ("'essay'", "input 'notes'")),
        (
            circle().replace(
                'hints = { intent = "label" }\n', 'hints = { intent = "label", colour = "red" }\n', 1
            ),
            ("hint_unknown_key", None),
            ("'colour'",),
        ),
        (circle(seats='"prose"'), ("hint_inapplicable_intent", None), ("field 'seats'", "text-valued")),
        (circle(title='"quantity"'), ("hint_inapplicable_intent", None), ("concept", "number-valued")),
        (
            circle().replace('{ intent = "label" }, required', '{ intent = "rating" }, required'),
            ("hint_inapplicable_intent", None),
            ("field 'headline'",),
        ),
    ],
)
def test_a_hint_the_standard_does_not_know_or_that_does_not_apply_is_a_warning(
    text: str, expected: tuple[str, str | None], words: tuple[str, ...]
) -> None:
    report = validate(text)
    assert report.is_valid, problems(report)  # a hint never fails validation
    assert warnings_of(report) == [expected]
    assert all(word in report.warnings[0].message for word in words)


def test_an_intent_on_a_structured_concept_does_not_apply() -> None:
    text = circle().replace(
        'description = "The card pinned up for the month\'s reading circle"\n',
        'description = "The card pinned up for the month\'s reading circle"\nhints = { intent = "prose" }\n',
    )
    report = validate(text)
    assert report.is_valid and warnings_of(report) == [("hint_inapplicable_intent", None)]
