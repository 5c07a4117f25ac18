"""Rules met by the fifteenth fidelity pass's bundles (``benchmarks/fidelity_bundles_fifteenth.py``: the operators
the earlier passes touched least, multiplicity through controllers, batches, refinements, model references and
libraries), each probed on the reference as a black box on several variants before it was written."""

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


EXTRACT = """
domain = "invoices"

[concept.InvoicePage]
description = "One page of an invoice"
refines = "Page"

[concept.ScannedPage]
description = "A scanned page of an invoice"
refines = "InvoicePage"

[pipe.extract_pages]
type = "PipeExtract"
description = "Extract the invoice's pages"
inputs = { document = "Document" }
output = "{output}"
"""


@pytest.mark.parametrize(
    "output", ["InvoicePage[]", "ScannedPage[]", "invoices.InvoicePage[]", "Dynamic", "Dynamic[]", "Anything"]
)
def test_an_extract_outputs_the_native_pages_not_a_refinement_or_a_dynamic_concept(output: str) -> None:
    # the reference: "PipeExtract output must be 'Page[]' — a variable-length list of native Pages — but is
    # 'InvoicePage[]'" (likewise 'Dynamic[]' and 'Anything')
    report = validate(EXTRACT.replace("{output}", output))
    assert error_types(report) == ["schema_violation"]
    assert report.errors[0].pipe == "extract_pages"
    assert "'Page[]'" in report.errors[0].message


@pytest.mark.parametrize("output", ["Page[]", "native.Page[]"])
def test_an_extract_making_native_pages_is_valid(output: str) -> None:
    report = validate(EXTRACT.replace("{output}", output))
    assert report.is_valid, error_types(report)


DESCRIBE = """
domain = "writing"

[concept.Blurb]
description = "A blurb"

[concept.Blurb.structure]
title = "Title"

[pipe.describe]
type = "PipeLLM"
description = "Describe a product"
inputs = { product = "Text" }
output = "Blurb"
{models}
prompt = "Write a short, lively description of $product."
"""


@pytest.mark.parametrize(
    "models",
    [
        'model = "@default-judgment"',
        'model = "@default-judgment-vision"',
        'model = "alias:default-judgment"',
        'model = { model = "@default-judgment", temperature = 0.2 }',
        'model_to_structure = "@default-judgment"',
    ],
)
def test_a_judgment_alias_is_no_llm_name_even_though_it_names_an_llm(models: str) -> None:
    # the reference: "Pipe 'describe' (PipeLLM), field 'model': Alias 'default-judgment' was not found in the model
    # deck" (names are looked up in the operator's own category; a judgment alias names an LLM)
    report = validate(DESCRIBE.replace("{models}", models))
    assert error_types(report) == ["unknown_model"]
    assert "judge" in report.errors[0].message


@pytest.mark.parametrize(
    "models",
    ['model = "@default-premium"', 'model = "gpt-4o"', 'model_to_structure = "$engineering-structured"'],
)
def test_an_llm_name_or_handle_on_a_pipe_llm_is_valid(models: str) -> None:
    report = validate(DESCRIBE.replace("{models}", models))
    assert report.is_valid, error_types(report)


def test_a_judgment_alias_on_a_judge_is_valid() -> None:
    report = validate(
        """
        domain = "news"

        [pipe.judge]
        type = "PipeJudge"
        description = "Judge"
        inputs = { news = "Text" }
        output = "YesNo"
        model = "@default-judgment"
        prompt = "$news"
        question = "Is this material?"
        criteria = { yes = "It is", no = "It is not" }
        """
    )
    assert report.is_valid, error_types(report)


OPERATORS = {
    "PipeImgGen": ('output = "Image"\nprompt = "A red fox in snow"', '"$gen-image"'),
    "PipeExtract": ('inputs = { doc = "Document" }\noutput = "Page[]"', '"@default-extract-document"'),
    "PipeSearch": ('inputs = { q = "Text" }\noutput = "SearchResult"\nprompt = "$q"', '"$standard"'),
    "PipeJudge": (
        'inputs = { q = "Text" }\noutput = "YesNo"\nprompt = "$q"\nquestion = "Fine?"\n'
        'criteria = { yes = "Yes", no = "No" }',
        '"@default-judgment"',
    ),
}


def operator_with_table(kind: str, table: str) -> str:
    fields, model = OPERATORS[kind]
    return (
        f'domain = "settings"\n\n[pipe.op]\ntype = "{kind}"\ndescription = "An operator"\n{fields}\n'
        f"model = {{ {table.replace('MODEL', model)} }}\n"
    )


@pytest.mark.parametrize(
    ("kind", "table"),
    [
        ("PipeImgGen", 'model = MODEL, quality = "high"'),
        ("PipeImgGen", 'model = MODEL, description = "mine", nb_steps = 20, guidance_scale = 7.5'),
        ("PipeImgGen", "model = MODEL, is_moderated = true, safety_tolerance = 3"),
        ("PipeExtract", "model = MODEL, max_nb_images = 2, image_min_size = 10"),
        ("PipeSearch", "model = MODEL, max_results = 3, include_images = true"),
        ("PipeJudge", 'model = MODEL, description = "mine"'),
    ],
)
def test_an_operators_inline_model_table_takes_its_settings_keys(kind: str, table: str) -> None:
    report = validate(operator_with_table(kind, table))
    assert report.is_valid, error_types(report)


@pytest.mark.parametrize(
    ("kind", "table", "words"),
    [
        ("PipeImgGen", "model = MODEL, temperature = 0.5", "'temperature'"),
        ("PipeImgGen", 'model = MODEL, style = "noir"', "'style'"),
        ("PipeImgGen", 'model = MODEL, quality = "ultra"', "'ultra'"),
        ("PipeImgGen", 'model = MODEL, quality = "HIGH"', "'HIGH'"),
        ("PipeImgGen", "model = MODEL, quality = 3", "3"),
        ("PipeImgGen", 'quality = "high"', "no `model`"),
        ("PipeExtract", 'model = MODEL, quality = "high"', "'quality'"),
        ("PipeExtract", "model = MODEL, max_page_images = 2", "'max_page_images'"),
        ("PipeSearch", "model = MODEL, max_tokens = 10", "'max_tokens'"),
        ("PipeJudge", "model = MODEL, temperature = 0.5", "'temperature'"),
    ],
)
def test_another_key_in_an_operators_inline_model_table_is_a_schema_violation(
    kind: str, table: str, words: str
) -> None:
    # the reference: "Validation error at 'pipe.render.model.temperature': Extra inputs are not permitted",
    # "'pipe.render.model.quality': Input should be 'low', 'medium' or 'high'", "'pipe.render.model.model': Field
    # required" (and likewise at 'pipe.p.model.ExtractSetting.quality', SearchSetting, JudgmentSetting)
    report = validate(operator_with_table(kind, table))
    assert error_types(report) == ["schema_violation"]
    assert report.errors[0].field == "model"
    assert words in report.errors[0].message


ANY_SEQUENCE = """
domain = "summaries"

[pipe.summarize]
type = "PipeSequence"
description = "Summarize"
inputs = { text = "Text" }
output = "{output}"
steps = [{ pipe = "write", result = "written" }]

[pipe.write]
type = "PipeLLM"
description = "Write"
inputs = { text = "Text" }
output = "{last}"
prompt = "Summarize $text"
"""


@pytest.mark.parametrize("last", ["Text[]", "Text[3]"])
def test_a_sequence_declaring_anything_takes_no_list_from_its_last_step(last: str) -> None:
    # the reference: method.output_multiplicity_mismatch ('Anything' is one value, a JSON value but an array)
    report = validate(ANY_SEQUENCE.replace("{output}", "Anything").replace("{last}", last))
    assert error_types(report) == ["inadequate_output_multiplicity"]
    assert report.errors[0].pipe == "summarize"


@pytest.mark.parametrize(
    ("output", "last"), [("Anything", "Text"), ("Anything?", "Text"), ("Text[]", "Text[]")]
)
def test_a_sequence_declaring_anything_takes_one_value_of_any_concept(output: str, last: str) -> None:
    report = validate(ANY_SEQUENCE.replace("{output}", output).replace("{last}", last))
    assert report.is_valid, error_types(report)
