"""Operator settings and structure fields as the reference checks them (probed on it as a black box through
``benchmarks/fidelity.py``, bases ``loan_desk``, ``podcast_studio``, ``lab_results``, ``market_watch``): each test is
a bundle a user writes, validated whole (static checks and the dry-run sweep), and the verdict it gets."""

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


def problems(report: ValidationReport) -> list[tuple[str, str | None, str | None]]:
    return [(e.error_type, e.pipe, e.field) for e in report.errors]


LOANS = """
domain = "loans"
main_pipe = "band_application"

[concept.RiskBand]
description = "The risk band of an application"
refines = "Choice"

[pipe.band_application]
type = "PipeJudge"
description = "Put the application in a risk band"
inputs = { application = "Text" }
output = "RiskBand"
MODEL
prompt = "The application: $application"
question = "Which risk band fits this application?"
options = OPTIONS
"""

THREE = '{ low = "Safe to grant", medium = "Needs a review", high = "Refuse" }'


def test_a_judgment_with_its_model_and_options_is_valid() -> None:
    report = validate(LOANS.replace("MODEL", 'model = "@default-judgment"').replace("OPTIONS", THREE))
    assert report.is_valid, problems(report)


def test_a_judgment_without_a_model_is_model_unspecified() -> None:
    # the reference's deck names no judgment default: "The step names no judgment model, and the deployment names
    # no default for that kind" (model.unspecified); so does ours
    report = validate(LOANS.replace("MODEL", "").replace("OPTIONS", THREE))
    assert problems(report) == [("model_unspecified", "band_application", "model")]
    assert "@default-judgment" in report.errors[0].message


@pytest.mark.parametrize("options", ['{ low = "Safe to grant" }', "{}"])
def test_a_choice_needs_two_options(options: str) -> None:
    report = validate(LOANS.replace("MODEL", 'model = "@default-judgment"').replace("OPTIONS", options))
    assert problems(report) == [("schema_violation", "band_application", "options")]
    assert "at least two `options`" in report.errors[0].message


def test_a_choice_question_of_a_table_needs_two_options() -> None:
    text = """
    domain = "desk"
    [concept.Review]
    description = "A review"
    [concept.Review.structure]
    team = { type = "concept", concept_ref = "Choice", description = "Team", required = true }
    [pipe.review]
    type = "PipeJudge"
    description = "Judge"
    inputs = { request = "Text" }
    output = "Review"
    model = "@default-judgment"
    prompt = "The request: $request"
    [pipe.review.questions.team]
    question = "Which team?"
    options = { purchasing = "Buying" }
    """
    assert problems(validate(text)) == [("schema_violation", "review", "questions.team.options")]


STRUCTURE = """
domain = "loans"

[concept.Application]
description = "A loan application"

[concept.Application.structure]
amount = { type = "number", description = "Amount asked", required = true }
FIELD

[pipe.summarize]
type = "PipeLLM"
description = "Summarize"
inputs = { application = "Application" }
output = "Text"
prompt = "Summarize this application: $application.amount"
"""


@pytest.mark.parametrize(
    ("field", "ok"),
    [
        (
            'scores = { type = "dict", key_type = "text", value_type = "integer", description = "By bureau" }',
            True,
        ),
        (
            'scores = { type = "dict", key_type = "integer", value_type = "integer", description = "By bureau" }',
            False,
        ),
        (
            'scores = { type = "dict", key_type = "number", value_type = "integer", description = "By bureau" }',
            False,
        ),
    ],
    ids=["text-keys", "integer-keys", "number-keys"],
)
def test_the_keys_of_a_dict_field_are_text(field: str, ok: bool) -> None:
    report = validate(STRUCTURE.replace("FIELD", field))
    if ok:
        assert report.is_valid, problems(report)
    else:
        assert problems(report) == [("schema_violation", None, "structure.scores")]
        assert "keys of a dict are text" in report.errors[0].message


@pytest.mark.parametrize(
    ("field", "ok"),
    [
        (
            'co_signers = { type = "list", item_type = "concept", item_concept_ref = "Text", description = "Names" }',
            True,
        ),
        (
            'tags = { type = "list", item_type = "text", item_concept_ref = "Text", description = "Tags" }',
            False,
        ),
        ('note = { type = "text", item_concept_ref = "Text", description = "A note" }', False),
    ],
    ids=["list-of-concepts", "list-of-text", "text"],
)
def test_item_concept_ref_belongs_to_a_list_of_concepts(field: str, ok: bool) -> None:
    report = validate(STRUCTURE.replace("FIELD", field))
    if ok:
        assert report.is_valid, problems(report)
    else:
        (error,) = report.errors
        assert error.error_type == "schema_violation" and "item_concept_ref" in error.message


COVER = """
domain = "podcast"
main_pipe = "draw_cover"

[pipe.draw_cover]
type = "PipeImgGen"
description = "Cover art"
inputs = { show_name = "Text" }
output = "Image"
prompt = "Square cover art for the podcast $show_name"
SETTINGS
"""


@pytest.mark.parametrize(
    ("settings", "field", "words"),
    [
        ('aspect_ratio = "square"\nseed = 42\noutput_format = "png"', None, None),
        ('aspect_ratio = "square"\nseed = 0', None, None),
        ('size = "1024x1024"', None, None),
        ('aspect_ratio = "square"\nsize = "1k"', None, None),
        ('aspect_ratio = "square"\nseed = -1', "seed", "non-negative"),
        ('size = "huge"', "size", "neither a size tier"),
        ('aspect_ratio = "square"\nsize = "1024x1024"', "size", "cannot be set too"),
        ('quality = "high"', "quality", "not a known field"),
    ],
    ids=[
        "valid",
        "seed-0",
        "exact-size",
        "tier-and-ratio",
        "seed-negative",
        "size-unknown",
        "size-and-ratio",
        "quality",
    ],
)
def test_image_generation_settings(settings: str, field: str | None, words: str | None) -> None:
    report = validate(COVER.replace("SETTINGS", settings))
    if field is None:
        assert report.is_valid, problems(report)
    else:
        (error,) = report.errors
        assert (error.error_type, error.pipe, error.field) == ("schema_violation", "draw_cover", field)
        assert words is not None and words in error.message


SCAN = """
domain = "scans"
main_pipe = "read_scan"

[concept.Scan]
description = "A scan"
refines = "REFINES"

[pipe.read_scan]
type = "PipeExtract"
description = "Text of the scan"
inputs = { scan = "Scan" }
output = "Page[]"
max_page_images = 2
"""


def test_max_page_images_is_for_documents() -> None:
    assert validate(SCAN.replace("REFINES", "Document")).is_valid
    report = validate(SCAN.replace("REFINES", "Image"))
    assert problems(report) == [("schema_violation", "read_scan", "max_page_images")]


LAB = """
domain = "lab"
main_pipe = "check_sample"

[concept.Check]
description = "Does a sample pass the checks"

[concept.Check.structure]
severity = { type = "concept", concept_ref = "Rating", description = "How bad", required = true }

[pipe.check_sample]
type = "PipeJudge"
description = "Check one sample"
inputs = { sample = "Text" }
output = "Check"
model = "@default-judgment"
prompt = "Sample: $sample"

[pipe.check_sample.questions.severity]
question = "How serious is the worst value?"
levels = LEVELS
"""


@pytest.mark.parametrize(
    ("levels", "words"),
    [
        (
            '[{ label = "harmless", description = "No action" }, { label = "alarming", description = "Call" }]',
            None,
        ),
        ('["harmless", "watch", "alarming"]', None),  # a bare string is a level's label
        ('[{ label = "harmless" }, "alarming"]', None),
        ('["harmless"]', "at least two `levels`"),
        ("[]", "at least two `levels`"),
        ('["harmless", "watch", "harmless"]', "repeats 'harmless'"),
    ],
    ids=["tables", "strings", "mixed", "one", "none", "repeated"],
)
def test_a_rating_scale_has_two_distinct_levels(levels: str, words: str | None) -> None:
    report = validate(LAB.replace("LEVELS", levels))
    if words is None:
        assert report.is_valid, problems(report)
    else:
        assert problems(report) == [("schema_violation", "check_sample", "questions.severity.levels")]
        assert words in report.errors[0].message


REPORT = """
domain = "lab"
main_pipe = "draft_report"

[concept]
LabReport = "A report on the samples"

[concept.Sample]
description = "One sample"

[concept.Sample.structure]
sample_id = { type = "text", description = "Identifier", required = true }

[pipe.draft_report]
type = "PipeLLM"
description = "Report"
inputs = { notes = "Text" }
output = "OUTPUT"
SETTINGS
prompt = "Write from these notes: $notes"
"""


@pytest.mark.parametrize(
    ("output", "settings", "problem"),
    [
        ("LabReport", 'model = { model = "@default-general", temperature = 1 }', None),
        ("LabReport", 'model = { model = "@default-general", temperature = 0 }', None),
        (
            "LabReport",
            'model = { model = "@default-general", temperature = 2 }',
            ("schema_violation", "model"),
        ),
        (
            "LabReport",
            'model = { model = "@default-general", temperature = 1.2 }',
            ("schema_violation", "model"),
        ),
        ("Sample", 'structuring_method = "preliminary_text"', None),
        (
            "LabReport",
            'structuring_method = "preliminary_text"',
            ("inadequate_output_concept", "structuring_method"),
        ),
        (
            "Markdown",
            'structuring_method = "preliminary_text"',
            ("inadequate_output_concept", "structuring_method"),
        ),
    ],
    ids=[
        "temperature-1",
        "temperature-0",
        "temperature-2",
        "temperature-1.2",
        "preliminary-structure",
        "preliminary-text",
        "preliminary-markdown",
    ],
)
def test_llm_settings(output: str, settings: str, problem: tuple[str, str] | None) -> None:
    report = validate(REPORT.replace("OUTPUT", output).replace("SETTINGS", settings))
    if problem is None:
        assert report.is_valid, problems(report)
    else:
        assert problems(report) == [(problem[0], "draft_report", problem[1])]


def test_nothing_refines_anything() -> None:
    text = STRUCTURE.replace("FIELD", "").replace(
        "[pipe.summarize]",
        '[concept.Measurement]\ndescription = "A value"\nrefines = "REFINES"\n\n[pipe.summarize]',
    )
    assert validate(text.replace("REFINES", "Number")).is_valid
    report = validate(text.replace("REFINES", "Anything"))
    assert [(e.error_type, e.field) for e in report.errors] == [("schema_violation", "refines")]
