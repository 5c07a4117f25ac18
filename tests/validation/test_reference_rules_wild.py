"""Rules met by bundles written the way users we had not imitated write them, probed on the reference as a black
box (``benchmarks/fidelity.py``, cases of ``benchmarks/fidelity_bundles_wild.py``)."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.validation.report import ValidationReport, validate_library


def validate(text: str) -> ValidationReport:
    return validate_library(
        build_library([(textwrap.dedent(text).lstrip("\n"), "bundle.mthds")]), default_deck()
    )


def error_types(report: ValidationReport) -> list[str]:
    return [e.error_type for e in report.errors]


SUPPORT_REPLY = '''
domain = "contact_desk"
main_pipe = "reply"

[pipe.reply]
type = "PipeLLM"
description = "Replies to a customer's message"
inputs = { message = "Text", customer = "Text" }
output = "Text"
prompt = """
Reply to $customer about this message:
@message

{line}
"""
'''


@pytest.mark.parametrize(
    "line",
    [
        "Sign as @support_team (we answer within a day).",
        "Thanks, @support_team",
        "Write to help@example.com or to @Support on the forum.",
        "Mention @message_board, our forum, once.",  # `message` is an input, `message_board` is not
        "Follow us: @acme.news",
    ],
    ids=["handle", "handle-at-end", "email-and-capitalised", "input-name-prefix", "dotted-handle"],
)
def test_an_at_before_a_word_that_names_no_input_is_text(line: str) -> None:
    # the reference: `@support_team` inside a sentence, naming no input, is text (valid); only an input's `@` must be
    # alone on its line
    report = validate(SUPPORT_REPLY.replace("{line}", line))
    assert report.is_valid, error_types(report)


@pytest.mark.parametrize(
    "line",
    [
        "Sign for @customer.",
        "Quote it: @message",
        "Use @?customer if given.",
        "The customer's name: @customer.text",
        "> @customer",
    ],
    ids=["input", "input-at-end", "optional-sigil", "input-field", "markdown-quote"],
)
def test_an_input_written_with_at_inside_a_line_is_a_template_syntax_error(line: str) -> None:
    report = validate(SUPPORT_REPLY.replace("{line}", line))
    assert error_types(report) == ["template_syntax"]
    message = report.errors[0].message
    assert "must appear alone on its own line" in message
    assert report.errors[0].pipe == "reply"


def test_an_at_handle_in_a_system_prompt_and_a_compose_template_is_text() -> None:
    report = validate(
        """
        domain = "static_texts"

        [pipe.answer]
        type = "PipeLLM"
        description = "Answers for the team"
        inputs = { question = "Text" }
        output = "Text"
        system_prompt = "You answer for @support_team."
        prompt = "Answer: $question"

        [pipe.footer]
        type = "PipeCompose"
        description = "A footer"
        output = "Text"
        template = "Written by @ai_helper. Questions: team@example.com"
        """
    )
    assert report.is_valid, error_types(report)


_WORDS = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda w: w not in {"message", "customer"}
)


@given(
    handle=_WORDS,
    before=st.sampled_from(["Sign as ", "cc: ", "(", "Thanks ", "x"]),
    after=st.sampled_from(["", ".", ")", " today"]),
)
@settings(max_examples=60, deadline=None)
def test_an_at_handle_is_text_whatever_surrounds_it(handle: str, before: str, after: str) -> None:
    report = validate(SUPPORT_REPLY.replace("{line}", f"{before}@{handle}{after}"))
    assert report.is_valid, (handle, error_types(report))


NEWSLETTER = """
domain = "newsletter_ops"
main_pipe = "gather"

[pipe.gather]
type = "PipeParallel"
description = "Intro and outro at once"
inputs = { topic = "Text" }
output = "{output}"

[[pipe.gather.branches]]
pipe = "intro"
result = "intro"

[[pipe.gather.branches]]
pipe = "outro"
{outro_result}

[pipe.intro]
type = "PipeLLM"
description = "The intro"
inputs = { topic = "Text" }
output = "Text"
prompt = "An intro about $topic"

[pipe.outro]
type = "PipeLLM"
description = "The outro"
inputs = { topic = "Text" }
output = "Text"
prompt = "An outro about $topic"
"""


def newsletter(output: str = "Composite", outro_result: str = 'result = "outro"') -> str:
    return NEWSLETTER.replace("{output}", output).replace("{outro_result}", outro_result)


def test_a_parallel_written_with_arrays_of_tables_is_valid() -> None:
    report = validate(newsletter())
    assert report.is_valid, error_types(report)


def test_a_parallel_branch_without_result_is_a_schema_violation() -> None:
    # the reference: a sequence step's result defaults to the pipe's code, a parallel branch's is required
    report = validate(newsletter(outro_result=""))
    assert error_types(report) == ["schema_violation"]
    assert report.errors[0].pipe == "gather"
    assert "branches[1] has no `result`" in report.errors[0].message


@pytest.mark.parametrize("output", ["Text", "Dynamic", "Number"])
def test_a_parallel_output_with_no_fields_for_its_branches_is_a_schema_violation(output: str) -> None:
    # the reference: "PipeParallel output 'Text' is invalid: the output of a parallel must be 'Composite' or a
    # structured concept whose fields correspond to the branch result names"
    report = validate(newsletter(output=output))
    assert error_types(report) == ["schema_violation"]
    assert "a PipeParallel outputs 'Composite' or a structured concept" in report.errors[0].message


LOGO = """
domain = "media_kit"

[concept]
LogoNote = "What the logo says"

[pipe.logo_pages]
type = "PipeExtract"
description = "Reads the logo"
inputs = { logo = "Image" }
output = "{output}"
"""


@pytest.mark.parametrize("output", ["Text", "Page", "Page[2]", "LogoNote[]", "Text[]"])
def test_an_extract_output_other_than_a_list_of_pages_is_a_schema_violation(output: str) -> None:
    # the reference: "PipeExtract output must be 'Page[]' — a variable-length list of native Pages — but is 'Text'"
    report = validate(LOGO.replace("{output}", output))
    assert error_types(report) == ["schema_violation"]
    assert report.errors[0].pipe == "logo_pages"
    assert f"'Page[]', not {output!r}" in report.errors[0].message


def test_an_extract_making_pages_is_valid() -> None:
    report = validate(LOGO.replace("{output}", "Page[]"))
    assert report.is_valid, error_types(report)


def test_a_batch_list_name_that_is_no_input_comes_before_the_item_name_it_collides_with() -> None:
    # `input_list_name = "plant"` (the singular, a typo) with `input_item_name = "plant"`: the reference stops at the
    # list name that is not an input
    report = validate(
        """
        domain = "garden"

        [concept]
        Plant = "A plant of the garden"

        [pipe.care_sheets]
        type = "PipeBatch"
        description = "A care sheet per plant"
        inputs = { plants = "Plant[]" }
        output = "Text[]"
        branch_pipe_code = "care_sheet"
        input_list_name = "plant"
        input_item_name = "plant"

        [pipe.care_sheet]
        type = "PipeLLM"
        description = "One care sheet"
        inputs = { plant = "Plant" }
        output = "Text"
        prompt = "Care sheet for $plant"
        """
    )
    assert error_types(report)[0] == "schema_violation"
    assert report.errors[0].field == "input_list_name"


MODERATION = """
domain = "moderation"

[concept.Verdict]
description = "A moderation verdict"

[concept.Verdict.structure]
action = { type = "text", description = "What to do", choices = ["publish", "review", "reject"], required = true }

[pipe.act]
type = "PipeCondition"
description = "Rewrite posts under review"
inputs = { post = "Text", verdict = "Verdict" }
output = "Text"
expression = "verdict.action"
{outcomes}
default_outcome = "rewrite"

[pipe.rewrite]
type = "PipeLLM"
description = "Rewrites a post politely"
inputs = { post = "Text" }
output = "Text"
prompt = "Rewrite politely: $post"
"""


@pytest.mark.parametrize("outcomes", ["outcomes = {}", "[pipe.act.outcomes]"], ids=["inline", "table"])
def test_a_condition_maps_at_least_one_outcome(outcomes: str) -> None:
    # the reference: "PipeConditionBlueprint must have at least one mapping in outcomes, got: {}" (an `outcomes`
    # written empty; none written is valid: tests/validation/test_reference_rules_seventeenth.py)
    if outcomes.startswith("["):  # a table of its own, after the pipe's other keys
        text = MODERATION.replace("{outcomes}\n", "") + f"\n{outcomes}\n"
    else:
        text = MODERATION.replace("{outcomes}", outcomes)
    report = validate(text)
    assert error_types(report)[0] == "schema_violation"
    assert report.errors[0].pipe == "act" and report.errors[0].field == "outcomes"


def test_a_condition_with_one_outcome_is_valid() -> None:
    report = validate(MODERATION.replace("{outcomes}", 'outcomes = { review = "rewrite" }'))
    assert report.is_valid, error_types(report)


TEAM = """
domain = "org_chart"

[concept.Person]
description = "A person"

[concept.Person.structure]
name = { type = "text", description = "Name", required = true }

[concept.Team]
description = "A team"

[concept.Team.structure]
lead = { type = "concept", concept_ref = "{ref}", description = "Team lead", required = true }

[pipe.chart]
type = "PipeLLM"
description = "An org chart"
inputs = { team = "Team" }
output = "Text"
prompt = "Draw the team led by {{ team.lead.name }}"
"""


@pytest.mark.parametrize("ref", ["Person[]", "Person?", "Person[2]", "org_chart.Person!"])
def test_a_field_names_a_concept_without_multiplicity_or_presence(ref: str) -> None:
    # the reference: "Concept ref 'Person[]' must be a valid concept ref (domain.ConceptCode) or simply a concept code"
    report = validate(TEAM.replace("{ref}", ref))
    assert error_types(report) == ["schema_violation"]
    assert repr(ref) in report.errors[0].message


@pytest.mark.parametrize("ref", ["Person", "org_chart.Person"])
def test_a_field_naming_a_concept_is_valid(ref: str) -> None:
    report = validate(TEAM.replace("{ref}", ref))
    assert report.is_valid, error_types(report)


def test_a_signature_for_naming_no_pipe_type_is_a_schema_violation() -> None:
    report = validate(
        """
        domain = "drafting"

        [pipe.research]
        signature_for = "PipeSerch"
        description = "Facts for the question (to be written)"
        inputs = { question = "Text" }
        output = "SearchResult"
        """
    )
    assert error_types(report) == ["schema_violation"]
    assert report.errors[0].field == "signature_for"


@pytest.mark.parametrize(
    ("inputs", "fragment"),
    [('{ scan = "Document", hint = "Text" }', "exactly one input"), ('{ scan = "Text" }', "native.Text")],
    ids=["two-inputs", "text-input"],
)
def test_an_extract_reads_one_document_or_image_a_rule_of_its_fields(inputs: str, fragment: str) -> None:
    report = validate(
        f"""
        domain = "paperwork"

        [pipe.pages_of]
        type = "PipeExtract"
        description = "The pages"
        inputs = {inputs}
        output = "Page[]"
        """
    )
    assert "schema_violation" in error_types(report)
    assert "input_stuff_spec_mismatch" not in error_types(report)
    assert any(fragment in e.message for e in report.errors)


@pytest.mark.parametrize(
    ("output", "error_type"), [("Text", "schema_violation"), ("Memo", "inadequate_output_concept")]
)
def test_preliminary_text_into_a_text(output: str, error_type: str) -> None:
    # the reference: "PipeLLM with `structuring_method = preliminary_text` cannot have output `Text`" (a rule of its
    # fields); a concept refining Text is a mismatch of concepts ("PipeStructure output must be a structured concept")
    report = validate(
        f'''
        domain = "memos"

        [concept]
        Memo = "A memo"

        [pipe.draft]
        type = "PipeLLM"
        description = "Drafts"
        inputs = {{ note = "Text" }}
        output = "{output}"
        structuring_method = "preliminary_text"
        prompt = "Draft a memo from $note"
        '''
    )
    assert error_types(report) == [error_type]


DEPARTMENT = """
domain = "org_chart"

[concept.Department]
description = "A department"

[concept.Department.structure]
name = { type = "text", description = "Department name", required = true }
{field} = { type = "dict", key_type = "text", value_type = "number", description = "Budget per line" }

[pipe.describe]
type = "PipeLLM"
description = "Describes a department"
inputs = { department = "Department" }
output = "Text"
prompt = "Describe {{ department.name }}"
"""


@pytest.mark.parametrize("field", ["model_budget", "model_year", "modelled"])
def test_a_field_may_start_with_model(field: str) -> None:
    # the reference: a field `model_budget` is valid; the content model has no member of that name
    report = validate(DEPARTMENT.replace("{field}", field))
    assert report.is_valid, error_types(report)


@pytest.mark.parametrize("field", ["model_dump", "model_config", "_budget"])
def test_a_field_may_not_take_a_name_of_the_content_model(field: str) -> None:
    report = validate(DEPARTMENT.replace("{field}", field))
    assert "schema_violation" in error_types(report)


LEGAL = """
domain = "legal_docs"

[concept.LegalText]
description = "Any text of legal value"
refines = "{legal_parent}"

[concept.ContractText]
description = "The text of a contract"
refines = "LegalText"

[concept.ClauseText]
description = "One clause of a contract"
refines = "ContractText"

[pipe.summarise]
type = "PipeLLM"
description = "Summarises any legal text"
inputs = { clause = "ClauseText" }
output = "Text"
prompt = "Summarise in plain words: $clause"
"""


def test_a_refines_chain_is_valid() -> None:
    report = validate(LEGAL.replace("{legal_parent}", "Text"))
    assert report.is_valid, error_types(report)


def test_a_refinement_loop_is_a_concept_cycle() -> None:
    # the reference: method.cycle, "Cycle detected in concept refines dependencies"
    report = validate(LEGAL.replace("{legal_parent}", "ClauseText"))
    assert set(error_types(report)) == {"concept_cycle"}
    assert "refinement cycle" in report.errors[0].message


REVIEWS = """
domain = "reviews"

[concept.Verdict]
description = "What a review says"

[concept.Verdict.structure]
tone = { type = "concept", concept_ref = "Choice", description = "The review's tone", required = true }
stars = { type = "concept", concept_ref = "Rating", description = "How good the stay was", required = true }

[pipe.judge_review]
type = "PipeJudge"
description = "Tone and stars of a review"
inputs = { review = "Text" }
output = "Verdict"
model = "@default-judgment"
prompt = "Read this hotel review: $review"

[pipe.judge_review.questions.tone]
question = "What is the tone?"
options = { warm = "pleased", cold = "neutral" }

[pipe.judge_review.questions.{key}]
question = "How good was the stay?"
levels = ["bad", "fine", "great"]
"""


def test_judge_questions_named_after_the_fields_are_valid() -> None:
    report = validate(REVIEWS.replace("{key}", "stars"))
    assert report.is_valid, error_types(report)


def test_a_judge_question_naming_no_field_is_an_inadequate_output_concept_before_any_run() -> None:
    # the reference: "The question 'star' has no field of `reviews.Verdict` to hold its verdict"
    report = validate(REVIEWS.replace("{key}", "star"))
    assert error_types(report) == ["inadequate_output_concept"]
    assert report.errors[0].field == "questions.star"
    assert "tone, stars" in report.errors[0].message


ASK = """
domain = "model_zoo"

[pipe.ask]
type = "PipeLLM"
description = "Asks a model"
inputs = { question = "Text" }
output = "Text"
model = {model}
prompt = "$question"
"""


@pytest.mark.parametrize(
    "model",
    [
        '"default-small"',
        '"default-premium"',
        '{ model = "default-general", temperature = 0.7 }',
        '"gpt-4o-mini"',
    ],
)
def test_a_bare_name_is_a_handle_or_else_an_alias_of_the_category(model: str) -> None:
    # the reference: `model = "default-small"` is valid (the alias @default-small)
    report = validate(ASK.replace("{model}", model))
    assert report.is_valid, error_types(report)


@pytest.mark.parametrize("model", ['"writing-factual"', '"document-extractor"', '"gpt-99"'])
def test_a_bare_preset_or_waterfall_name_is_unknown(model: str) -> None:
    # the reference: a bare `writing-factual` is unknown (a preset is written `$writing-factual`)
    report = validate(ASK.replace("{model}", model))
    assert error_types(report) == ["unknown_model"]
