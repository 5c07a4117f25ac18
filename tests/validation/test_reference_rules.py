"""Rules probed on the reference as a black box (each on small variations, so a rule and not an accident), checked
here through the whole validation (static checks and the dry-run sweep): the verdict a user gets."""

from __future__ import annotations

import textwrap

import pytest

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.validation.report import ValidationReport, validate_library
from pipelex.validation.static import check_library


def validate(text: str) -> ValidationReport:
    return validate_library(
        build_library([(textwrap.dedent(text).lstrip("\n"), "bundle.mthds")]), default_deck()
    )


def error_types(report: ValidationReport) -> list[str]:
    return [e.error_type for e in report.errors]


TICKETS = """
domain = "tickets"
main_pipe = "route"
[concept.Ticket]
description = "A ticket"
[concept.Ticket.structure]
title = { type = "text", description = "Title", required = true }
category = { type = "text", description = "Category", choices = ["bug", "billing"], required = true }
[concept]
Answer = "An answer"
[pipe.route]
type = "PipeCondition"
description = "d"
inputs = { ticket = "Ticket" }
output = "{route_output}"
expression = "ticket.category"
default_outcome = "answer_billing"
[pipe.route.outcomes]
bug = "answer_bug"
[pipe.answer_billing]
type = "PipeLLM"
description = "d"
inputs = { ticket = "Ticket" }
output = "Answer"
prompt = "Answer $ticket.title"
[pipe.answer_bug]
type = "PipeLLM"
description = "d"
inputs = { ticket = "Ticket" }
output = "{bug_output}"
prompt = "Acknowledge $ticket.title"
"""


@pytest.mark.parametrize(
    ("route_output", "bug_output"),
    [("Answer", "Answer[]"), ("Answer[]", "Answer"), ("Answer[2]", "Answer[3]")],
)
def test_a_condition_hands_on_its_outcome_whatever_its_multiplicity(
    route_output: str, bug_output: str
) -> None:
    report = validate(TICKETS.replace("{route_output}", route_output).replace("{bug_output}", bug_output))
    assert report.is_valid, error_types(report)


def test_a_condition_outcome_of_another_concept_is_still_refused() -> None:
    text = TICKETS.replace("{route_output}", "Answer").replace("{bug_output}", "Number")
    assert "inadequate_output_concept" in error_types(validate(text))


QUIZ = """
domain = "quiz"
main_pipe = "quiz_all"
[concept]
Chapter = "A chapter"
Question = "A question"
[pipe.quiz_all]
type = "PipeBatch"
description = "d"
inputs = { chapters = "Chapter[]" }
output = "{batch_output}"
branch_pipe_code = "quiz_one"
input_list_name = "chapters"
input_item_name = "chapter"
[pipe.quiz_one]
type = "PipeLLM"
description = "d"
inputs = { chapter = "Chapter" }
output = "{branch_output}"
prompt = "A question on $chapter"
"""


@pytest.mark.parametrize(
    ("batch_output", "branch_output"),
    [
        ("Question", "Question"),
        ("Question[2]", "Question"),
        ("Question", "Question[3]"),
        ("Question[]", "Question"),
    ],
)
def test_a_batch_makes_a_list_whatever_multiplicity_it_declares(
    batch_output: str, branch_output: str
) -> None:
    report = validate(QUIZ.replace("{batch_output}", batch_output).replace("{branch_output}", branch_output))
    assert report.is_valid, error_types(report)


def test_a_batch_of_another_concept_is_still_refused() -> None:
    text = QUIZ.replace("{batch_output}", "Number[]").replace("{branch_output}", "Question")
    assert "inadequate_output_concept" in error_types(validate(text))


SHEET = """
domain = "suppliers"
[concept.Sheet]
description = "A sheet"
[concept.Sheet.structure]
part = { type = "text", description = "The part", required = true }
[concept]
Printed = "A printed sheet"
[pipe.print_sheet]
type = "PipeDocGen"
description = "d"
inputs = { sheet = "Sheet" }
output = "Document"
format = "pdf"
filename = "{filename}"
"""


@pytest.mark.parametrize("filename", ["suppliers-{{ sheet.parts }}", "suppliers-$sheet.parts"])
def test_a_docgen_filename_reading_a_field_the_input_lacks_is_a_static_error(filename: str) -> None:
    report = validate(SHEET.replace("{filename}", filename))
    problems = [e for e in report.errors if e.error_type == "binding_path_unresolved"]
    assert len(problems) == 1, error_types(report)
    assert problems[0].pipe == "print_sheet"
    assert problems[0].field == "filename"
    assert "'parts'" in problems[0].message and "part" in problems[0].message


@pytest.mark.parametrize(
    "filename", ["suppliers-{{ sheet.part }}", "suppliers-$sheet.part", "sheet-{{ sheet }}"]
)
def test_a_docgen_filename_reading_real_fields_is_valid(filename: str) -> None:
    report = validate(SHEET.replace("{filename}", filename))
    assert report.is_valid, error_types(report)


def test_a_prompt_reading_an_unknown_field_in_raw_jinja_stays_valid() -> None:
    """Only the file name is checked statically: a prompt's ``{{ x.f }}`` renders empty (the reference agrees)."""
    text = """
    domain = "suppliers"
    [concept.Sheet]
    description = "A sheet"
    [concept.Sheet.structure]
    part = { type = "text", description = "The part", required = true }
    [pipe.say]
    type = "PipeLLM"
    description = "d"
    inputs = { sheet = "Sheet" }
    output = "Text"
    prompt = "Say {{ sheet.parts }}"
    """
    assert validate(text).is_valid


PLAN = """
domain = "travel"
[pipe.plan]
type = "PipeLLM"
description = "d"
inputs = { request = "Text" }
output = "Text"
model = {model_table}
prompt = "Plan $request"
"""


@pytest.mark.parametrize(
    "table",
    [
        '{ model = "@default-general", temperature = 0.7 }',
        '{ model = "@default-general", temperature = 0.7, max_tokens = 500 }',
        '{ model = "@default-general", temperature = 0.7, reasoning_effort = "low" }',
        '{ model = "@default-general", temperature = 0.7, image_detail = "high" }',
        '{ model = "@default-general", temperature = 0.7, description = "d" }',
    ],
)
def test_an_inline_llm_setting_with_its_own_keys_is_valid(table: str) -> None:
    report = validate(PLAN.replace("{model_table}", table))
    assert report.is_valid, error_types(report)


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ('{ model = "@default-general", temperature = 0.7, top_k = 3 }', "'top_k'"),
        ('{ model = "@default-general", temperature = 0.7, quality = "high" }', "'quality'"),
        (
            '{ model = "@default-general", temperature = 0.7, prompting_target = "anthropic" }',
            "'prompting_target'",
        ),
        ('{ handle = "@default-general", temperature = 0.7 }', "`model` instead of `handle`"),
    ],
)
def test_an_inline_llm_setting_with_another_key_is_a_schema_violation(table: str, named: str) -> None:
    report = validate(PLAN.replace("{model_table}", table))
    problems = [e for e in report.errors if e.error_type == "schema_violation"]
    assert len(problems) == 1, error_types(report)
    assert problems[0].pipe == "plan" and problems[0].field == "model"
    assert named in problems[0].message


DOCKET = """
domain = "bakery"
[concept]
Flavour = "A flavour"
Docket = "A docket"
[pipe.write_docket]
type = "PipeSequence"
description = "d"
inputs = { flavour = "Flavour?" }
output = "{output}"
steps = [{ pipe = "draft_docket", result = "docket" }]
[pipe.draft_docket]
type = "PipeLLM"
description = "d"
inputs = { flavour = "Flavour" }
output = "{output}"
prompt = "Dockets for $flavour"
"""


def static_types(text: str) -> list[str]:
    library = build_library([(textwrap.dedent(text).lstrip("\n"), "bundle.mthds")])
    return [d.error_type for d in check_library(library, default_deck())]


def test_an_absent_value_skipping_a_pipe_that_makes_one_value_must_be_declared_optional() -> None:
    assert "optional_not_handled" in static_types(DOCKET.replace("{output}", "Docket"))


def test_an_absent_value_does_not_flow_on_through_a_list_the_skipped_pipe_would_make() -> None:
    """The skipped pipe's list is empty, not absent (the reference validates this bundle)."""
    assert "optional_not_handled" not in static_types(DOCKET.replace("{output}", "Docket[]"))


FLYER = """
domain = "estate"
[concept]
Flyer = "A flyer"
[pipe.write]
type = "PipeLLM"
description = "d"
inputs = { notes = "Text" }
output = "Flyer"
prompt = "A flyer from $notes"
[pipe.draw]
type = "PipeLLM"
description = "d"
inputs = { notes = "Text" }
output = "Text"
prompt = "A caption from $notes"
[pipe.both]
type = "PipeParallel"
description = "d"
inputs = { notes = "Text" }
output = "Composite"
branches = [{ pipe = "write", result = "flyer" }, { pipe = "draw", result = "{second}" }]
"""


def test_two_parallel_branches_with_one_result_name_are_refused() -> None:
    report = validate(FLYER.replace("{second}", "flyer"))
    problems = [e for e in report.errors if e.error_type == "duplicate_declaration"]
    assert len(problems) == 1, error_types(report)
    assert problems[0].pipe == "both" and problems[0].field == "branches[1]"
    assert "branches[0]" in problems[0].message


def test_two_parallel_branches_with_their_own_results_are_valid() -> None:
    assert validate(FLYER.replace("{second}", "caption")).is_valid


def with_concept(concept: str, output: str = "Text") -> str:
    return f"""
    domain = "odd"
    {concept}
    [pipe.say]
    type = "PipeLLM"
    description = "d"
    inputs = {{ notes = "Text" }}
    output = "{output}"
    prompt = "Say $notes"
    """


@pytest.mark.parametrize("name", ["RecipeModel", "Text"])
def test_a_string_structure_naming_no_registered_class_is_refused(name: str) -> None:
    report = validate(with_concept(f'[concept.Odd]\ndescription = "x"\nstructure = "{name}"'))
    problems = [e for e in report.errors if e.error_type == "schema_violation" and e.field == "structure"]
    assert len(problems) == 1, error_types(report)
    assert repr(name) in problems[0].message


def test_a_string_structure_naming_a_content_class_is_valid() -> None:
    assert validate(with_concept('[concept.Odd]\ndescription = "x"\nstructure = "TextContent"')).is_valid


@pytest.mark.parametrize(
    ("concept", "output"),
    [("", "Page"), ("", "Page[]"), ('[concept.Leaf]\ndescription = "x"\nrefines = "Page"', "Leaf")],
)
def test_a_page_as_an_llm_output_is_refused(concept: str, output: str) -> None:
    report = validate(with_concept(concept, output))
    assert error_types(report) == ["llm_output_cannot_be_image"]
    assert "PipeExtract" in report.errors[0].message


@pytest.mark.parametrize(
    ("concept", "output"),
    [
        ("", "TextAndImages"),
        ('[concept.Leaf]\ndescription = "x"\nrefines = "TextAndImages"', "Leaf"),
        ('[concept.Leaf]\ndescription = "x"\nrefines = "Document"', "Leaf"),
    ],
)
def test_text_and_images_or_a_document_concept_as_an_llm_output_stays_valid(
    concept: str, output: str
) -> None:
    report = validate(with_concept(concept, output))
    assert report.is_valid, error_types(report)


def test_a_search_output_declared_as_a_list_holds_the_one_result() -> None:
    text = """
    domain = "parts"
    [pipe.find]
    type = "PipeSearch"
    description = "d"
    inputs = { part = "Text" }
    output = "SearchResult[]"
    prompt = "Who stocks $part?"
    """
    report = validate(text)
    assert report.is_valid, [e.message for e in report.errors]


DIGEST = """
domain = "news"
[concept.Digest]
description = "A digest"
[concept.Digest.structure]
headlines = { type = "dict", description = "Headlines by text" }
[pipe.compose]
type = "PipeCompose"
description = "d"
inputs = { headline = "{input}" }
output = "Digest"
[pipe.compose.construct]
headlines = { from = "headline", list_to_dict_keyed_by = "text" }
"""


def test_list_to_dict_keyed_by_on_a_single_value_is_refused() -> None:
    report = validate(DIGEST.replace("{input}", "Text"))
    problems = [e for e in report.errors if e.error_type == "binding_path_unresolved"]
    assert len(problems) == 1, error_types(report)
    assert problems[0].field == "construct.headlines" and "single" in problems[0].message


def test_a_skipped_pipe_that_would_make_a_list_leaves_an_empty_list() -> None:
    """Without the optional input, the step requiring it is skipped, and its list is empty: the whole validation
    (dry run included) passes, and a run without the input gives an empty list."""
    text = DOCKET.replace("{output}", "Docket[]")
    report = validate(text)
    assert report.is_valid, [e.message for e in report.errors]


async def test_a_run_without_the_optional_input_gives_the_empty_list() -> None:
    runner = PipelexRunner(
        mthds_content=textwrap.dedent(DOCKET.replace("{output}", "Docket[]")),
        pipe_run_mode=PipeRunMode.DRY,
        backend="direct",
    )
    output = await runner.execute_pipeline({}, pipe_code="write_docket")
    assert output.main_stuff_json()["items"] == []


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ('{ model = "@default-general", temperature = "0.1" }', "temperature"),
        ('{ model = "@default-general", temperature = 0.7, max_tokens = 2000.5 }', "max_tokens"),
        ('{ model = "@default-general", temperature = 3 }', "temperature"),
    ],
)
def test_an_inline_llm_setting_value_of_the_wrong_type_is_a_static_schema_violation(
    table: str, named: str
) -> None:
    report = validate(PLAN.replace("{model_table}", table))
    problems = [e for e in report.errors if e.error_type == "schema_violation"]
    assert len(problems) == 1, [e.message for e in report.errors]
    assert problems[0].field == "model" and named in problems[0].message


def test_a_bundle_of_domain_native_keeps_its_own_concepts_apart_from_the_natives() -> None:
    """`domain = "native"` is valid in the reference; its concepts are the bundle's, not natives (this crashed
    the mock of their inputs with a KeyError)."""
    text = """
    domain = "native"
    [concept]
    Brief = "A brief"
    [concept.Plan]
    description = "A plan"
    [concept.Plan.structure]
    title = { type = "text", description = "Title", required = true }
    [pipe.plan]
    type = "PipeLLM"
    description = "d"
    inputs = { brief = "Brief" }
    output = "Plan"
    prompt = "Plan $brief"
    """
    report = validate(text)
    assert report.is_valid, [e.message for e in report.errors]


@pytest.mark.parametrize(
    ("types", "missing"),
    [('key_type = "text", ', "value_type"), ('value_type = "boolean", ', "key_type")],
)
def test_a_dict_field_names_its_key_and_value_types(types: str, missing: str) -> None:
    text = f"""
    domain = "guests"
    [concept.GuestList]
    description = "Guests"
    [concept.GuestList.structure]
    vip = {{ type = "dict", {types}description = "VIP by name" }}
    """
    problems = [e for e in validate(text).errors if e.error_type == "schema_violation"]
    assert len(problems) == 1 and missing in problems[0].message, [e.message for e in problems]


def test_a_dict_field_with_both_types_is_valid() -> None:
    text = """
    domain = "guests"
    [concept.GuestList]
    description = "Guests"
    [concept.GuestList.structure]
    vip = { type = "dict", key_type = "text", value_type = "boolean", description = "VIP by name" }
    """
    assert validate(text).is_valid


@pytest.mark.parametrize(
    ("effort", "valid"), [("xhigh", True), ("minimal", True), ("extreme", False), ("High", False)]
)
def test_an_inline_reasoning_effort_is_one_of_the_levels(effort: str, valid: bool) -> None:
    # the reference: "Input should be 'none', 'minimal', 'low', 'medium', 'high', 'xhigh' or 'max'"
    # (method.schema_violation at pipe.<code>.model.reasoning_effort)
    text = f"""
domain = "front_desk"
main_pipe = "answer"

[pipe.answer]
type = "PipeLLM"
description = "Answer a guest"
inputs = {{ question = "Text" }}
output = "Text"
model = {{ model = "@default-small", temperature = 0.2, reasoning_effort = "{effort}" }}
prompt = "Answer the guest: $question"
"""
    report = validate_library(build_library([(text, "desk.mthds")]), default_deck())
    assert report.is_valid is valid
    if not valid:
        assert [(e.error_type, e.pipe, e.field) for e in report.errors] == [
            ("schema_violation", "answer", "model")
        ]
