"""Rules found by the valid side of the fidelity pass (``benchmarks/fidelity_bundles_valid.py``): bundles written
as users write them, whose verdict differed from the reference's. Each test is a user bundle and the verdict a
user gets from the whole validation."""

from __future__ import annotations

import textwrap

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.validation.report import ValidationReport, validate_library


def validate(text: str) -> ValidationReport:
    return validate_library(
        build_library([(textwrap.dedent(text).lstrip("\n"), "bundle.mthds")]), default_deck()
    )


JOB_MATCH = """
domain = "hr"
main_pipe = "extract_both"

[pipe.extract_both]
type = "PipeParallel"
description = "Both documents at once"
inputs = { cv = "Document", job_offer = "Document" }
output = "{output}"
add_each_output = true
branches = [
    { pipe = "extract_cv", result = "cv_pages" },
    { pipe = "extract_offer", result = "offer_pages" },
]

[pipe.extract_cv]
type = "PipeExtract"
description = "CV pages"
inputs = { cv = "Document" }
output = "Page[]"

[pipe.extract_offer]
type = "PipeExtract"
description = "Offer pages"
inputs = { job_offer = "Document" }
output = "Page[]"
"""


def test_a_parallel_whose_output_is_dynamic_is_refused() -> None:
    report = validate(JOB_MATCH.replace("{output}", "Dynamic"))
    assert not report.is_valid
    [error] = report.errors
    assert error.error_type == "schema_violation"  # the reference: "PipeParallel output 'Dynamic' is invalid"
    assert error.pipe == "extract_both"
    assert "'Composite'" in error.message and "Dynamic" in error.message


def test_the_same_parallel_with_a_composite_output_is_valid() -> None:
    report = validate(JOB_MATCH.replace("{output}", "Composite"))
    assert report.is_valid, [e.message for e in report.errors]


CLAIMS_GATE = """
domain = "claims_gate"
main_pipe = "gate_claim"

[concept.ClaimFile]
description = "A claim file"

[concept.ClaimFile.structure]
status = { type = "text", description = "Status", choices = ["fraud"{more}], required = true }
holder = { type = "text", description = "Holder", required = true }

[pipe.gate_claim]
type = "PipeCondition"
description = "Gate"
inputs = { claim = "ClaimFile" }
output = "Text"
expression = "claim.status"
default_outcome = "answer_claim"

[pipe.gate_claim.outcomes]
fraud = "fail"
review = "send_to_review"

[pipe.answer_claim]
type = "PipeLLM"
description = "Answer"
inputs = { claim = "ClaimFile" }
output = "Text"
prompt = "Confirm to $claim.holder that the claim is accepted."

[pipe.send_to_review]
type = "PipeLLM"
description = "Review"
inputs = { claim = "ClaimFile" }
output = "Text"
prompt = "Tell $claim.holder that the claim is under review."
"""


def test_an_outcome_mapped_to_fail_does_not_fail_the_dry_run_of_mock_data() -> None:
    # the mock status can only be 'fraud', whose outcome is 'fail': the dry run checks the method, not the data,
    # and goes on through the default outcome's pipe (every outcome pipe is dry-run as well)
    report = validate(CLAIMS_GATE.replace("{more}", ""))
    assert report.is_valid, [e.message for e in report.errors]
    report = validate(CLAIMS_GATE.replace("{more}", ', "ok", "review"'))
    assert report.is_valid, [e.message for e in report.errors]


PROMPT_KIT = """
domain = "prompt_kits"
main_pipe = "build_prompt"

[pipe.build_prompt]
type = "PipeCompose"
description = "A prompt for another model"
inputs = { task = "Text" }
output = "Text"

[pipe.build_prompt.template]
{table}
template = "Task: $task"
"""


def test_a_template_table_names_its_category() -> None:
    report = validate(PROMPT_KIT.replace("{table}", 'templating_style = { tag_style = "xml" }'))
    [error] = report.errors
    assert error.error_type == "schema_violation"
    assert error.pipe == "build_prompt"
    assert "'template.category' is required" in error.message


def test_a_template_table_takes_the_table_form_of_templating_style() -> None:
    report = validate(PROMPT_KIT.replace("{table}", 'category = "llm_prompt"\ntemplating_style = "xml"'))
    [error] = report.errors
    assert error.error_type == "schema_violation"
    assert 'templating_style = { tag_style = "xml" }' in error.message


def test_a_template_table_with_a_category_and_a_style_table_is_valid() -> None:
    table = 'category = "llm_prompt"\ntemplating_style = { tag_style = "ticks", text_format = "markdown" }'
    report = validate(PROMPT_KIT.replace("{table}", table))
    assert report.is_valid, [e.message for e in report.errors]
