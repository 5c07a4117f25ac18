"""Rules of the language as the reference documents them, pinned with bundles written the way users write them.

Each test validates a whole library (parse, static checks and the dry-run sweep) and asserts the verdict and the
error type, so a rule that only holds statically but breaks the dry run (or the reverse) fails here.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelex.config.deck import default_deck
from pipelex.config.run_settings import RunSettings
from pipelex.diagnostics import Diagnostic
from pipelex.errors import BundleLoadError
from pipelex.language.library import build_library
from pipelex.language.loader import find_bundle_files, load_library, nested_packages
from pipelex.validation.report import ValidationReport, validate_library
from pipelex.validation.sweep import PipeStatus
from tests.conftest import CliResult

RunCli = Callable[..., CliResult]


def _clean(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def validate(*texts: str, allow_signatures: bool = False) -> ValidationReport:
    """The full validation (static checks and dry-run sweep) of a library made of ``texts``."""
    sources: list[tuple[str, str | None]] = [(_clean(t), f"file{i}.mthds") for i, t in enumerate(texts)]
    return validate_library(
        build_library(sources), default_deck(), settings=RunSettings(), allow_signatures=allow_signatures
    )


def error_types(report: ValidationReport) -> set[str]:
    return {e.error_type for e in report.errors}


def only_error(report: ValidationReport, error_type: str) -> Diagnostic:
    """The one error of ``report``, which must be of ``error_type``."""
    assert [e.error_type for e in report.errors] == [error_type], [e.render() for e in report.errors]
    return report.errors[0]


def assert_valid(report: ValidationReport) -> None:
    assert report.is_valid, [e.render() for e in report.errors]
    assert {v.status for v in report.validated_pipes} == {PipeStatus.SUCCESS}, report.validated_pipes


# ---------------------------------------------------------------------------------------------------- signatures

CLAIMS = """
domain = "insurance.claims"
description = "Triage of home insurance claims"
main_pipe = "triage_claim"

[concept.Claim]
description = "A claim as the customer wrote it"

[concept.TrackDecision]
description = "Which track the claim goes to"
[concept.TrackDecision.structure]
track = { type = "text", description = "fast or full", choices = ["fast", "full"], required = true }
reason = "Why"

[pipe.triage_claim]
type = "PipeSequence"
description = "Summarise the claim, then decide its track"
inputs = { claim = "Claim" }
output = "TrackDecision"
steps = [
    { pipe = "summarise_claim", result = "summary" },
    { pipe = "decide_track", result = "decision" },
]

[pipe.summarise_claim]
type = "PipeLLM"
description = "Two lines on what happened"
inputs = { claim = "Claim" }
output = "Text"
prompt = "Summarise this claim in two lines: $claim"
"""

DECIDE_SIGNATURE = """
# Not written yet: only the contract, so the sequence around it can be checked already.
[pipe.decide_track]
signature_for = "PipeLLM"
description = "Decide the track from the summary"
inputs = { summary = "Text" }
output = "TrackDecision"
"""

DECIDE_CONCRETE = """
domain = "insurance.claims"

[pipe.decide_track]
type = "PipeLLM"
description = "Decide the track from the summary"
inputs = { summary = "Text" }
output = "TrackDecision"
prompt = "Fast track or full review? $summary"
"""


def test_a_signature_written_with_signature_for_alone_is_valid_but_not_runnable() -> None:
    report = validate(CLAIMS + DECIDE_SIGNATURE)
    assert report.is_valid, [e.render() for e in report.errors]
    statuses = {v.pipe_ref: v.status for v in report.validated_pipes}
    # without --allow-signatures the signature itself is not dry-run; the sequence calling it is, on a mock
    assert statuses.pop("insurance.claims.decide_track") is PipeStatus.SKIPPED
    assert set(statuses.values()) == {PipeStatus.SUCCESS}
    assert report.is_runnable is False
    assert report.pending_signatures == ["insurance.claims.decide_track"]
    [warning] = report.warnings
    assert warning.error_type == "not_runnable" and warning.pipe == "decide_track"
    assert "NOT yet runnable" in warning.message


def test_the_sequence_around_a_signature_dry_runs_on_its_mocked_output() -> None:
    report = validate(CLAIMS + DECIDE_SIGNATURE, allow_signatures=True)
    assert_valid(report)
    assert report.warnings == []
    statuses = {v.pipe_ref: v.status for v in report.validated_pipes}
    assert statuses["insurance.claims.triage_claim"] is PipeStatus.SUCCESS


def test_a_signature_is_still_checked_against_its_callers() -> None:
    wrong = DECIDE_SIGNATURE.replace('inputs = { summary = "Text" }', 'inputs = { summary = "Claim[]" }')
    report = validate(CLAIMS + wrong)
    assert "input_stuff_spec_mismatch" in error_types(report)


def test_a_concrete_pipe_in_another_file_implements_the_signature() -> None:
    for texts in [(CLAIMS + DECIDE_SIGNATURE, DECIDE_CONCRETE), (DECIDE_CONCRETE, CLAIMS + DECIDE_SIGNATURE)]:
        report = validate(*texts)
        assert_valid(report)
        assert report.is_runnable and report.pending_signatures == []


def test_type_pipe_signature_is_retired_syntax_that_says_to_delete_the_type_line() -> None:
    retired = DECIDE_SIGNATURE.replace(
        'signature_for = "PipeLLM"', 'type = "PipeSignature"\nsignature_for = "PipeLLM"'
    )
    error = only_error(validate(CLAIMS + retired), "unknown_pipe_type")
    assert error.pipe == "decide_track" and error.field == "type"
    assert "delete the `type` line" in error.message
    assert error.line == _clean(CLAIMS + retired).splitlines().index('type = "PipeSignature"') + 1


@pytest.mark.parametrize("target", ["PipeWizard", "PipeSignature", "llm"])
def test_signature_for_names_a_runnable_pipe_type(target: str) -> None:
    bad = DECIDE_SIGNATURE.replace('signature_for = "PipeLLM"', f'signature_for = "{target}"')
    error = only_error(
        validate(CLAIMS + bad), "schema_violation"
    )  # as the reference: a value outside its choices
    assert error.field == "signature_for" and repr(target) in error.message and "PipeLLM" in error.message


def test_signature_for_is_an_optional_hint_a_contract_without_type_is_a_signature() -> None:
    untyped = DECIDE_SIGNATURE.replace('signature_for = "PipeLLM"\n', "")
    report = validate(CLAIMS + untyped, allow_signatures=True)
    assert_valid(report)
    assert report.pending_signatures == ["insurance.claims.decide_track"]


@pytest.mark.parametrize(
    ("extra", "mentions"),
    [('prompt = "Fast or full? $summary"', "'prompt'"), ('model = "$writing-factual"', "'model'")],
)
def test_a_pipe_without_type_but_with_implementation_fields_has_no_type(extra: str, mentions: str) -> None:
    untyped = DECIDE_SIGNATURE.replace('signature_for = "PipeLLM"', extra)
    error = only_error(validate(CLAIMS + untyped), "missing_pipe_type")
    assert error.pipe == "decide_track" and mentions in error.message


def test_a_pipe_with_only_a_description_has_no_type() -> None:
    text = 'domain = "d"\n[pipe.half_written]\ndescription = "Started, never finished"\n'
    assert only_error(validate(text), "missing_pipe_type").pipe == "half_written"


@pytest.mark.parametrize(
    ("change", "mentions"),
    [
        (('output = "TrackDecision"\nprompt', 'output = "Text"\nprompt'), "its output is 'Text'"),
        (
            (
                'inputs = { summary = "Text" }\noutput = "TrackDecision"\nprompt',
                'inputs = { summary = "Text[]" }\noutput = "TrackDecision"\nprompt',
            ),
            "its input 'summary' is 'Text[]'",
        ),
        (
            (
                'inputs = { summary = "Text" }\noutput = "TrackDecision"\nprompt',
                'inputs = { summary = "Text", claim = "Claim" }\noutput = "TrackDecision"\nprompt',
            ),
            "takes the input 'claim'",
        ),
    ],
    ids=["output", "input-multiplicity", "extra-input"],
)
def test_a_definition_must_keep_its_signature_contract(change: tuple[str, str], mentions: str) -> None:
    concrete = DECIDE_CONCRETE.replace(*change)
    if "claim" in change[1]:
        concrete = concrete.replace("$summary", "$summary for $claim")
    report = validate(CLAIMS + DECIDE_SIGNATURE, concrete)
    errors = [e for e in report.errors if e.error_type == "signature_mismatch"]
    assert len(errors) == 1, [e.render() for e in report.errors]
    assert (
        errors[0].pipe == "decide_track" and errors[0].file == "file1.mthds" and mentions in errors[0].message
    )


def test_a_definition_keeps_the_contract_through_other_spellings() -> None:
    concrete = DECIDE_CONCRETE.replace(
        'inputs = { summary = "Text" }', 'inputs = { summary = "native.Text" }'
    )
    concrete = concrete.replace('output = "TrackDecision"', 'output = "insurance.claims.TrackDecision"')
    report = validate(CLAIMS + DECIDE_SIGNATURE, concrete)
    assert_valid(report)
    assert report.is_runnable


def test_cli_exit_codes_for_a_signature(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "claims.mthds"
    path.write_text(_clean(CLAIMS + DECIDE_SIGNATURE))
    code, out, _ = run_cli("validate", "bundle", str(path))
    assert code == 1 and "valid but NOT yet runnable (1 signature(s) to implement)" in out
    code, out, _ = run_cli("validate", "bundle", str(path), "--allow-signatures")
    assert code == 0, out
    code, out, _ = run_cli("validate", "bundle", str(path), "--format", "json")
    report = json.loads(out)
    assert (code, report["is_valid"], report["is_runnable"]) == (1, True, False)
    assert report["pending_signatures"] == ["insurance.claims.decide_track"]


# ---------------------------------------------------------------------------------------------------- conditions

GARDEN = """
domain = "garden_planner"
main_pipe = "plan_bed"

[concept]
BedRequest = "What the gardener wants to grow in one raised bed"

[pipe.plan_bed]
type = "PipeCondition"
description = "Pick a planner by season"
inputs = { request = "BedRequest", season = "Text" }
output = "{output}"
expression = "season"
default_outcome = "list_seedlings"

[pipe.plan_bed.outcomes]
winter = "write_winter_note"   # one text
spring = "name_three_crops"    # exactly three

[pipe.write_winter_note]
type = "PipeLLM"
description = "One note for a bed left to rest"
inputs = { request = "BedRequest" }
output = "Text"
prompt = "Write a short note about resting this bed over winter: $request"

[pipe.name_three_crops]
type = "PipeLLM"
description = "Three spring crops"
inputs = { request = "BedRequest" }
output = "Text[3]"
prompt = "Name three spring crops for: $request"

[pipe.list_seedlings]
type = "PipeLLM"
description = "Any number of seedlings"
inputs = { request = "BedRequest" }
output = "BedRequest[]"
prompt = "List seedlings for: $request"
"""


def test_a_condition_that_outputs_anything_takes_outcomes_of_any_concept_and_multiplicity() -> None:
    assert_valid(validate(GARDEN.replace("{output}", "Anything")))


def test_a_condition_with_a_precise_output_still_checks_its_outcome_concepts() -> None:
    report = validate(GARDEN.replace("{output}", "Text"))
    assert error_types(report) == {"inadequate_output_concept"}  # list_seedlings makes BedRequest, not Text
    assert "list_seedlings" in report.errors[0].message


def test_a_condition_hands_on_its_outcome_whatever_multiplicity_it_declares() -> None:
    # one Text, three Texts, any number of Texts: one concept, so a `Text` output is valid (as the reference)
    garden = GARDEN.replace("{output}", "Text").replace('output = "BedRequest[]"', 'output = "Text[]"')
    assert_valid(validate(garden))


# ---------------------------------------------------------------------------------------------------- parallel

STALL = """
domain = "market_stall"
main_pipe = "prepare_stall"

[concept.StallKit]
description = "Everything printed for the stall"
[concept.StallKit.structure]
price_tag = { type = "concept", concept_ref = "native.Text", description = "The tag", required = true }
stall_sign = { type = "concept", concept_ref = "native.Text", description = "The sign", required = true }

[pipe.prepare_stall]
type = "PipeParallel"
description = "Tag and sign at once"
inputs = { produce = "Text" }
output = "{output}"
add_each_output = true
branches = [
    { pipe = "write_price_tag", result = "price_tag" },
    { pipe = "write_stall_sign", result = "stall_sign" },
]

[pipe.write_price_tag]
type = "PipeCompose"
description = "The tag"
inputs = { produce = "Text" }
output = "Text"
template = "$produce: 3.20 EUR/kg"

[pipe.write_stall_sign]
type = "PipeCompose"
description = "The sign"
inputs = { produce = "Text" }
output = "Text"
template = "Fresh $produce today"
"""


@pytest.mark.parametrize("output", ["Composite", "StallKit"])
def test_a_parallel_outputs_composite_or_a_structure(output: str) -> None:
    assert_valid(validate(STALL.replace("{output}", output)))


@pytest.mark.parametrize("output", ["Anything", "Text", "native.Number"])
def test_a_parallel_output_that_is_neither_composite_nor_a_structure_is_a_schema_violation(
    output: str,
) -> None:
    # the reference: "PipeParallel output 'Text' is invalid", a rule of the parallel's own fields
    error = only_error(validate(STALL.replace("{output}", output)), "schema_violation")
    assert error.pipe == "prepare_stall" and error.field == "output"
    assert "Composite" in error.message and "price_tag, stall_sign" in error.message


def test_a_binding_step_in_a_parallel_branch_is_refused() -> None:
    text = STALL.replace("{output}", "Composite").replace(
        '{ pipe = "write_stall_sign", result = "stall_sign" },',
        '{ pipe = "write_stall_sign", result = "stall_sign" },\n    { from = "produce.text", result = "name" },',
    )
    error = only_error(validate(text), "binding_step_invalid")
    assert (error.pipe, error.field) == ("prepare_stall", "branches[2]")
    assert (
        error.line == _clean(text).splitlines().index('    { from = "produce.text", result = "name" },') + 1
    )
    assert "PipeSequence" in error.message


# ---------------------------------------------------------------------------------------------------- operator outputs

MEDIA = """
domain = "product_studio"

[concept.Photo]
description = "A product photo"
refines = "Image"

[concept.Scan]
description = "A scanned delivery note"
refines = "Document"

[concept.ShelfLabel]
description = "A label for the shelf"
[concept.ShelfLabel.structure]
name = "Product name"
price = { type = "number", description = "Price in EUR", required = true }

[concept.Finding]
description = "What a web search found"
refines = "SearchResult"

[concept.Verdict]
description = "Whether the photo is usable"
refines = "YesNo"
"""

# (operator body, an output that fits, an output that does not)
OPERATORS = {
    "img_gen": ('type = "PipeImgGen"\nprompt = "A studio shot of $brief"', "Photo", "Text"),
    "img_gen_list": ('type = "PipeImgGen"\nprompt = "Studio shots of $brief"', "Image[2]", "ShelfLabel[2]"),
    "extract": ('type = "PipeExtract"', "Page[]", "Text[]"),
    "search": ('type = "PipeSearch"\nprompt = "Who sells $brief?"', "Finding", "Photo"),
    "search_structured": ('type = "PipeSearch"\nprompt = "Who sells $brief?"', "ShelfLabel", "Scan"),
    "doc_gen": ('type = "PipeDocGen"\nformat = "pdf"\ntemplate = "Note: $brief"', "Scan", "Text"),
    "judge": (
        'type = "PipeJudge"\nmodel = "@default-judgment"\nprompt = "Is $brief usable?"\nquestion = "Usable?"\n'
        'criteria = { yes = "sharp", no = "blurry" }',
        "Verdict",
        "Text",
    ),
    "structure": ('type = "PipeStructure"', "ShelfLabel", "Text"),
    "compose_template": ('type = "PipeCompose"\ntemplate = "Label: $brief"', "Text", "ShelfLabel"),
    "compose_template_html": ('type = "PipeCompose"\ntemplate = "<b>$brief</b>"', "Html", "Photo"),
}


def _operator(body: str, output: str) -> str:
    brief = "Scan" if "PipeExtract" in body else "Text"
    return (
        MEDIA
        + textwrap.dedent(f"""
    [pipe.make_it]
    description = "One operator"
    inputs = {{ brief = "{brief}" }}
    output = "{output}"
    """)
        + body
        + "\n"
    )


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_an_operator_output_of_its_kind_validates_and_dry_runs(name: str) -> None:
    body, good, _ = OPERATORS[name]
    assert_valid(validate(_operator(body, good)))


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_an_operator_output_of_another_kind_is_a_static_inadequate_output_concept(name: str) -> None:
    body, _, bad = OPERATORS[name]
    report = validate(_operator(body, bad))
    # a PipeExtract's output is a rule of its own fields in the reference ("must be 'Page[]'")
    error = only_error(report, "schema_violation" if name == "extract" else "inadequate_output_concept")
    assert (error.pipe, error.field) == ("make_it", "output")
    assert repr(bad) in error.message
    assert all(v.error_type != "DryRunError" for v in report.validated_pipes)


def test_an_extract_outputs_a_list_of_pages() -> None:
    error = only_error(validate(_operator('type = "PipeExtract"', "Page")), "schema_violation")
    assert "'Page[]'" in error.message


# ---------------------------------------------------------------------------------------------------- input names

INVOICE = """
domain = "accounts_payable"

[concept.InvoiceHeader]
description = "The top of an invoice"
[concept.InvoiceHeader.structure]
supplier = "Who sent it"
number = "Invoice number"

[concept.Invoice]
description = "A supplier invoice"
[concept.Invoice.structure]
header = { type = "concept", concept_ref = "InvoiceHeader", description = "Header", required = true }
total = { type = "number", description = "Total", required = true }

[pipe.greet_supplier]
type = "PipeLLM"
description = "A thank-you line to the supplier"
inputs = { {inputs} }
output = "Text"
prompt = "Thank the supplier named in $invoice.header for invoice $invoice.header.number."
"""


@pytest.mark.parametrize(
    "inputs",
    ['"invoice.header" = "InvoiceHeader"', 'invoice = "Invoice", "invoice.header" = "InvoiceHeader"'],
    ids=["dotted-alone", "dotted-redundant"],
)
def test_an_input_name_is_a_plain_identifier(inputs: str) -> None:
    error = only_error(validate(INVOICE.replace("{inputs}", inputs)), "invalid_input_name")
    assert error.field == "inputs.invoice.header" and "'invoice.header'" in error.message


def test_reading_a_field_through_a_plain_input_is_the_way() -> None:
    assert_valid(validate(INVOICE.replace("{inputs}", 'invoice = "Invoice"')))


# ---------------------------------------------------------------------------------------------------- presence markers

NOTICE = """
domain = "village_notices"

[concept]
Notice = "A notice pinned on the village board"

[pipe.read_notices]
type = "PipeLLM"
description = "Summarise the notices"
inputs = { notices = "{input}" }
output = "{output}"
prompt = "{prompt}"
"""


def _notice(input_spec: str, output: str, prompt: str = "Summarise: $notices") -> str:
    return NOTICE.replace("{input}", input_spec).replace("{output}", output).replace("{prompt}", prompt)


@pytest.mark.parametrize("spec", ["Notice[]?", "Notice[3]?", "Notice[]!", "Notice[2]!"])
def test_a_presence_marker_never_combines_with_a_multiplicity_on_an_input(spec: str) -> None:
    error = only_error(validate(_notice(spec, "Text")), "optional_marker_invalid")
    assert error.field == "inputs.notices" and repr(spec) in error.message
    assert repr(spec[:-1]) in error.message  # the fix: the list without the marker


@pytest.mark.parametrize("spec", ["Text[]?", "Text[2]?", "Text!"])
def test_an_output_takes_no_marker_with_a_multiplicity_and_never_a_force(spec: str) -> None:
    error = only_error(validate(_notice("Notice[]", spec)), "optional_marker_invalid")
    assert error.field == "output"


@pytest.mark.parametrize(
    ("input_spec", "output", "prompt"),
    [
        ("Notice[]", "Text[]", "Summarise: $notices"),
        ("Notice?", "Text?", "Summarise:\\n@?notices"),
        ("Notice[4]", "Text", "Summarise: $notices"),
    ],
)
def test_documented_marker_combinations_validate(input_spec: str, output: str, prompt: str) -> None:
    assert_valid(validate(_notice(input_spec, output, prompt)))


# ---------------------------------------------------------------------------------------------------- concepts


def test_a_concept_cannot_both_refine_and_declare_a_structure() -> None:
    text = """
    domain = "bakery"
    [concept.Loaf]
    description = "A loaf on the shelf"
    refines = "Text"
    [concept.Loaf.structure]
    weight = { type = "number", description = "Grams", required = true }
    """
    error = only_error(validate(text), "schema_violation")
    assert "'Loaf'" in error.message and "refines" in error.message and error.line == 2


# ---------------------------------------------------------------------------------------------------- nested batches

ARCHIVE = """
domain = "archive_review"
main_pipe = "review_archive"

[pipe.review_archive]
type = "PipeSequence"
description = "Extract every scanned folder, then summarise each folder's pages"
inputs = { folders = "Document[]" }
output = "Text[]"
steps = [
    # one Page[] per folder: a list of lists
    { pipe = "extract_folder", batch_over = "folders", batch_as = "folder", result = "folder_pages" },
    # each item of that list is itself a Page[]
    { pipe = "summarise_pages", batch_over = "folder_pages", batch_as = "pages", result = "summaries" },
]
"""

ARCHIVE_OPERATORS = """
domain = "archive_review"

[pipe.extract_folder]
type = "PipeExtract"
description = "Pages of one folder"
inputs = { folder = "Document" }
output = "Page[]"

[pipe.summarise_pages]
type = "PipeLLM"
description = "Summarise the pages of one folder"
inputs = { pages = "{pages}" }
output = "Text"
prompt = "Summarise these pages: $pages"
"""


def test_a_batch_over_a_list_of_lists_gives_each_branch_a_list() -> None:
    report = validate(ARCHIVE, ARCHIVE_OPERATORS.replace("{pages}", "Page[]"))
    assert_valid(report)
    assert report.warnings == []


def test_a_branch_that_reads_one_page_from_a_list_of_lists_is_a_mismatch() -> None:
    report = validate(ARCHIVE, ARCHIVE_OPERATORS.replace("{pages}", "Page"))
    error = only_error(report, "input_stuff_spec_mismatch")
    assert error.pipe == "review_archive" and "native.Page[]" in error.message


# ---------------------------------------------------------------------------------------------------- packages

BAKERY = """
domain = "bakery"
main_pipe = "write_label"
[pipe.write_label]
type = "PipeLLM"
description = "A label for a loaf"
inputs = { loaf = "Text" }
output = "Text"
prompt = "Write a shelf label for $loaf"
"""

FLORIST = BAKERY.replace("bakery", "florist").replace("loaf", "bouquet")
MANIFEST = (
    '[package]\naddress = "github.com/acme/{name}"\nversion = "1.0.0"\ndescription = "{name} methods"\n'
)


def _package(root: Path, name: str, text: str) -> Path:
    folder = root / name
    (folder / "methods").mkdir(parents=True)
    (folder / "METHODS.toml").write_text(MANIFEST.format(name=name))
    (folder / "methods" / f"{name}.mthds").write_text(_clean(text))
    return folder


def test_a_folder_of_only_packages_holds_no_bundle_of_its_own(tmp_path: Path, run_cli: RunCli) -> None:
    _package(tmp_path, "bakery", BAKERY)
    _package(tmp_path, "florist", FLORIST)
    with pytest.raises(BundleLoadError, match="holds no bundle of its own") as caught:
        find_bundle_files(tmp_path)
    assert "bakery, florist" in str(caught.value) and "METHODS.toml" in str(caught.value)
    code, _, err = run_cli("validate", "bundle", str(tmp_path))
    assert code == 1 and "holds no bundle of its own" in err and "Traceback" not in err


def test_each_package_validates_on_its_own_and_is_never_merged(tmp_path: Path, run_cli: RunCli) -> None:
    bakery = _package(tmp_path, "bakery", BAKERY)
    _package(tmp_path, "florist", FLORIST)
    # a bundle at the top level sees only its own files: both packages share the pipe code, no duplicate
    (tmp_path / "front_desk.mthds").write_text(_clean(BAKERY.replace("bakery", "front_desk")))
    library = load_library([tmp_path])
    assert sorted(library.pipes) == ["front_desk.write_label"]
    assert nested_packages(tmp_path) == [tmp_path / "bakery", tmp_path / "florist"]
    code, out, _ = run_cli("validate", "bundle", str(tmp_path))
    assert code == 0, out
    assert "florist is a separate package" in out
    code, out, _ = run_cli("validate", "bundle", str(bakery))
    assert code == 0 and "SUCCESS  bakery.write_label" in out


def test_hidden_folders_are_not_part_of_a_method(tmp_path: Path) -> None:
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "stray.mthds").write_text("not toml at all [")
    (tmp_path / "bakery.mthds").write_text(_clean(BAKERY))
    assert find_bundle_files(tmp_path) == [tmp_path / "bakery.mthds"]


def test_a_list_of_lists_fills_a_list_input_of_a_later_step() -> None:
    # the shape of a document Q&A method: one Page[] per document, then every page read at once
    questions = (
        """
    domain = "archive_review"
    main_pipe = "answer_from_archive"

    [pipe.answer_from_archive]
    type = "PipeSequence"
    description = "Extract every folder, then answer from all the pages"
    inputs = { folders = "Document[]", question = "Text" }
    output = "Text"
    steps = [
        { pipe = "extract_folder", batch_over = "folders", batch_as = "folder", result = "pages" },
        { pipe = "answer", result = "answer" },
    ]

    [pipe.answer]
    type = "PipeLLM"
    description = "Answer from the pages"
    inputs = { pages = "Page[]", question = "Text" }
    output = "Text"
    prompt = """
        + '"""'
        + """
    Question: $question

    @pages
    """
        + '"""'
        + """
    """
    )
    assert_valid(validate(questions, ARCHIVE_OPERATORS.replace("{pages}", "Page[]")))


def test_a_template_that_cannot_be_read_is_one_error_not_a_cascade_of_unused_inputs() -> None:
    text = """
    domain = "help_desk"
    [pipe.answer_ticket]
    type = "PipeLLM"
    description = "Answer a ticket"
    inputs = { ticket = "Text", tone = "Text" }
    output = "Text"
    prompt = "Answer @ticket in a $tone tone"
    """
    error = only_error(validate(text), "template_syntax")
    assert "'@ticket'" in error.message and "own line" in error.message


# ---------------------------------------------------------------------------------------------------- reserved names

CRATES = """
domain = "warehouse_labelling"
[concept]
Crate = "A crate on a pallet"
[concept.Pallet]
description = "A pallet and its crates"
[concept.Pallet.structure]
crates = { type = "list", item_type = "concept", item_concept_ref = "Crate", description = "Crates", required = true }

[pipe.label_pallet]
type = "PipeSequence"
description = "A label for each crate of a pallet"
inputs = { pallet = "Pallet" }
output = "Text[]"
steps = [
    { from = "pallet.crates", result = "{bound}" },
    { pipe = "label_crate", batch_over = "{over}", batch_as = "{item}", result = "{result}" },
]

[pipe.label_crate]
type = "PipeLLM"
description = "One label"
inputs = { {item} = "Crate" }
output = "Text"
prompt = "Label for ${item}"

[pipe.label_all]
type = "PipeBatch"
description = "The same, as a PipeBatch"
inputs = { {list} = "Crate[]" }
output = "Text[]"
branch_pipe_code = "label_crate"
input_list_name = "{list}"
input_item_name = "{item}"
"""


def _crates(**names: str) -> str:
    values = {
        "bound": "crates",
        "over": "crates",
        "item": "crate",
        "result": "labels",
        "list": "crates",
    } | names
    text = CRATES
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def test_the_crate_labels_validate() -> None:
    assert_valid(validate(_crates()))


@pytest.mark.parametrize(
    "names",
    [{"result": "_bound_labels"}, {"bound": "_bound_crates", "over": "_bound_crates"}],
    ids=["step-result", "binding-result"],
)
def test_a_name_with_the_reserved_prefix_is_refused(names: dict[str, str]) -> None:
    report = validate(_crates(**names))
    assert error_types(report) <= {"invalid_input_name", "binding_step_invalid"}, report.errors
    assert any("'_bound_" in e.message for e in report.errors)


def test_a_dotted_input_list_name_is_an_invalid_input_name() -> None:
    text = _crates().replace('input_list_name = "crates"', 'input_list_name = "pallet.crates"')
    error = only_error(validate(text), "invalid_input_name")
    assert error.pipe == "label_all" and error.field == "input_list_name"


@pytest.mark.parametrize(
    "field",
    [
        '{ type = "text", description = "Bay", required = true, default_value = "A1" }',
        '{ type = "concept", concept_ref = "Crate", description = "Top crate", default_value = "none" }',
    ],
    ids=["required", "concept-typed"],
)
def test_a_default_value_fills_only_an_optional_scalar_field(field: str) -> None:
    text = _crates().replace(
        'description = "Crates", required = true }',
        f'description = "Crates", required = true }}\nbay = {field}',
    )
    error = only_error(validate(text), "schema_violation")
    assert error.field == "structure.bay" and "default_value" in error.message


def test_a_default_value_on_an_optional_scalar_field_is_fine() -> None:
    field = '{ type = "text", description = "Bay", default_value = "A1" }'
    text = _crates().replace(
        'description = "Crates", required = true }',
        f'description = "Crates", required = true }}\nbay = {field}',
    )
    assert_valid(validate(text))


# ---------------------------------------------------------------------------------------------------- continue / construct

PARCELS = """
domain = "parcel_routing"
[concept.Parcel]
description = "A parcel at the sorting belt"
[concept.Parcel.structure]
size = { type = "text", description = "small or large", required = true }

[pipe.route_parcel]
type = "PipeCondition"
description = "Route by size"
inputs = { parcel = "Parcel" }
output = "{output}"
expression = "parcel.size"
default_outcome = "{default}"

[pipe.route_parcel.outcomes]
small = "note_small_belt"
oversized = "{oversized}"

[pipe.note_small_belt]
type = "PipeLLM"
description = "Small belt"
inputs = { parcel = "Parcel" }
output = "Text"
prompt = "One line: $parcel goes on the small belt."
"""


def _parcels(output: str, default: str, oversized: str) -> str:
    return PARCELS.replace("{output}", output).replace("{default}", default).replace("{oversized}", oversized)


@pytest.mark.parametrize(
    ("default", "oversized", "mentions"),
    [
        ("continue", "fail", "default_outcome is 'continue'"),
        ("fail", "continue", "outcomes.oversized is 'continue'"),
    ],
    ids=["default", "outcome"],
)
def test_a_condition_that_can_continue_declares_an_optional_output(
    default: str, oversized: str, mentions: str
) -> None:
    error = only_error(validate(_parcels("Text", default, oversized)), "optional_output_required")
    assert mentions in error.message and "'Text?'" in error.message
    assert_valid(validate(_parcels("Text?", default, oversized)))


def test_a_construct_builds_one_structure_not_a_list() -> None:
    text = """
    domain = "market_stall"
    [concept.PriceTag]
    description = "Tag on a crate"
    [concept.PriceTag.structure]
    produce = { type = "text", description = "What", required = true }
    price = { type = "number", description = "EUR/kg", required = true }

    [pipe.write_price_tags]
    type = "PipeCompose"
    description = "Tags"
    inputs = { produce = "Text" }
    output = "PriceTag[]"

    [pipe.write_price_tags.construct]
    produce = { from = "produce.text" }
    price = 3.2
    """
    error = only_error(validate(text), "inadequate_output_multiplicity")
    assert "'PriceTag'" in error.message


def test_a_condition_that_fails_on_unmatched_values_validates_on_mock_data() -> None:
    # the mock size is random text that names no outcome: the dry run goes on through an outcome pipe
    report = validate(_parcels("Text", "fail", "note_small_belt"))
    assert_valid(report)


def test_a_condition_with_no_outcome_pipe_to_go_through_is_left_failing() -> None:
    text = _parcels("Text?", "fail", "continue").replace('small = "note_small_belt"', 'small = "continue"')
    report = validate(text)
    assert error_types(report) == {"DryRunError"}
    assert "matches no outcome" in report.errors[0].message
