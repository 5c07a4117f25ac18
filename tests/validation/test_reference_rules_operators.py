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


WATCH = """
domain = "market_watch"
main_pipe = "watch"

[concept.NewsFinding]
description = "What the search found on one competitor"
refines = "SearchResult"

[concept]
Briefing = "A short briefing"

[pipe.watch]
type = "PipeSequence"
description = "Search then brief"
inputs = { competitor = "Text" }
output = "Briefing"
steps = [
    { pipe = "search_competitor", result = "finding" },
    { pipe = "write_briefing", result = "briefing" },
]

[pipe.search_competitor]
type = "PipeSearch"
description = "News on one competitor"
inputs = { competitor = "Text" }
output = "SEARCH_OUTPUT"
prompt = "Recent news on $competitor"

[pipe.write_briefing]
type = "PipeLLM"
description = "Briefing"
inputs = { finding = "NewsFinding" }
output = "Briefing"
prompt = "Write a briefing from: $finding"
"""


@pytest.mark.parametrize("search_output", ["NewsFinding", "SearchResult"])
def test_a_native_fills_a_concept_that_only_refines_it(search_output: str) -> None:
    # NewsFinding holds a SearchResult's content: a SearchResult step feeds it (as in the reference)
    report = validate(WATCH.replace("SEARCH_OUTPUT", search_output))
    assert report.is_valid, problems(report)


def test_a_native_does_not_fill_a_concept_refining_another_native() -> None:
    report = validate(WATCH.replace("SEARCH_OUTPUT", "Text"))
    assert [e.error_type for e in report.errors] == ["input_stuff_spec_mismatch"]


ROUTE = """
domain = "market_watch"
main_pipe = "maybe_brief"

[pipe.maybe_brief]
type = "PipeCondition"
description = "Brief only when relevant"
inputs = { relevance = "YesNo", notes = "Text" }
output = "Text?"
expression_template = "EXPRESSION"
default_outcome = "continue"

[pipe.maybe_brief.outcomes]
brief = "write_briefing"

[pipe.write_briefing]
type = "PipeLLM"
description = "Briefing"
inputs = { notes = "Text" }
output = "Text"
prompt = "Write a briefing from: $notes"
"""


def test_an_expression_template_is_plain_jinja() -> None:
    ok = validate(ROUTE.replace("EXPRESSION", "{% if relevance.yes_no %}brief{% else %}skip{% endif %}"))
    assert ok.is_valid, problems(ok)
    # `$relevance` is text in a Jinja2 template: the input is read by nothing (the reference: input_unused)
    report = validate(ROUTE.replace("EXPRESSION", "$relevance"))
    assert problems(report) == [("extraneous_input_variable", "maybe_brief", "inputs.relevance")]


@pytest.mark.parametrize(
    ("setting", "field"),
    [("page_views = true", "page_views"), ("page_image_captions = true", "page_image_captions")],
)
def test_page_settings_are_for_documents(setting: str, field: str) -> None:
    text = SCAN.replace("max_page_images = 2", setting)
    assert validate(text.replace("REFINES", "Document")).is_valid
    assert problems(validate(text.replace("REFINES", "Image"))) == [("schema_violation", "read_scan", field)]
    captions_off = SCAN.replace("max_page_images = 2", "page_image_captions = false")
    assert validate(captions_off.replace("REFINES", "Image")).is_valid


APPLICATIONS = """
domain = "loans"

[concept.Applicant]
description = "A person asking for a loan"

[concept.Applicant.structure]
full_name = { type = "text", description = "Full name", required = true }
APPLICANT_FIELD

[concept.Application]
description = "A loan application"

[concept.Application.structure]
applicant = { type = "concept", concept_ref = "Applicant", description = "Who asks", required = true }
APPLICATION_FIELD

[pipe.summarize]
type = "PipeLLM"
description = "Summarize"
inputs = { application = "Application" }
output = "Text"
prompt = "Summarize the application of $application.applicant.full_name"
"""


@pytest.mark.parametrize(
    ("applicant_field", "application_field", "field"),
    [
        ("", "", None),
        (
            "",
            'co_signers = { type = "list", item_type = "concept", item_concept_ref = "Applicant", description = "x" }',
            None,
        ),
        (
            "",
            'previous = { type = "concept", concept_ref = "Application", description = "An earlier one" }',
            "previous",
        ),
        (
            "",
            'earlier = { type = "list", item_type = "concept", item_concept_ref = "Application", description = "x" }',
            "earlier",
        ),
        (
            'last = { type = "concept", concept_ref = "Application", description = "Their last one" }',
            "",
            "last",
        ),
    ],
    ids=["tree-free", "list-of-another", "optional-self", "list-of-self", "mutual"],
)
def test_a_structure_never_holds_its_own_concept(
    applicant_field: str, application_field: str, field: str | None
) -> None:
    # the reference: "Cycle detected in concept references" (method.cycle), however optional the field
    report = validate(
        APPLICATIONS.replace("APPLICANT_FIELD", applicant_field).replace(
            "APPLICATION_FIELD", application_field
        )
    )
    if field is None:
        assert report.is_valid, problems(report)
    else:
        (error,) = report.errors
        assert (error.error_type, error.field) == ("concept_cycle", f"structure.{field}")
        assert "holds itself" in error.message


@pytest.mark.parametrize(
    ("field", "ok"),
    [
        ('day = { type = "date", description = "Day", default_value = 2026-01-01 }', True),
        ('day = { type = "date", description = "Day", default_value = "2026-01-01" }', False),
        ('day = { type = "date", description = "Day", default_value = 2026-01-01T10:00:00 }', False),
        ('at = { type = "datetime", description = "When", default_value = 2026-01-01T10:00:00 }', True),
        ('at = { type = "datetime", description = "When", default_value = "2026-01-01T10:00:00" }', False),
        ('at = { type = "time", description = "When", default_value = 10:00:00 }', True),
        ('at = { type = "time", description = "When", default_value = "10:00:00" }', False),
    ],
    ids=["date", "date-str", "date-datetime", "datetime", "datetime-str", "time", "time-str"],
)
def test_a_date_default_is_a_toml_date(field: str, ok: bool) -> None:
    # the reference: "default_value type mismatch: expected date for type 'date', but got str"
    report = validate(STRUCTURE.replace("FIELD", field))
    if ok:
        assert report.is_valid, problems(report)
    else:
        (error,) = report.errors
        assert error.error_type == "schema_violation" and "unquoted" in error.message
