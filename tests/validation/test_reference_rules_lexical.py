"""Lexical rules of the language probed on the reference as a black box (``benchmarks/fidelity.py``, base
``field_notes`` and its one-rule mutations): how concept specs, names and TOML corners are read."""

from __future__ import annotations

import textwrap

import pytest

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.language.specs import ConceptSpec, SpecSyntaxError
from pipelex.validation.report import ValidationReport, validate_library


def validate(text: str) -> ValidationReport:
    return validate_library(
        build_library([(textwrap.dedent(text).lstrip("\n"), "bundle.mthds")]), default_deck()
    )


def error_types(report: ValidationReport) -> list[str]:
    return [e.error_type for e in report.errors]


NOTES = """
domain = "field_notes"
main_pipe = "write_digest"
[concept]
Digest = "A digest"
[pipe.write_digest]
type = "PipeLLM"
description = "Write the digest"
inputs = { title = "{title_spec}" }
output = "Digest"
prompt = "Write a digest titled $title"
"""


@pytest.mark.parametrize("spec", [" Text", "Text ", "Text[] ", "\tText", "Text\n", " native.Text"])
def test_a_concept_spec_is_written_without_surrounding_whitespace(spec: str) -> None:
    # the reference: `inputs.title = " Text"` and `"Text "` are schema violations, not the concept Text
    with pytest.raises(SpecSyntaxError):
        ConceptSpec.parse_uncached(spec)
    report = validate(NOTES.replace("{title_spec}", spec.replace("\n", "\\n").replace("\t", "\\t")))
    assert not report.is_valid
    assert "invalid_concept_spec" in error_types(report)


@pytest.mark.parametrize("spec", ["Text", "native.Text"])
def test_a_concept_spec_without_whitespace_is_read(spec: str) -> None:
    report = validate(NOTES.replace("{title_spec}", spec))
    assert report.is_valid, error_types(report)


def test_a_fixed_count_with_a_leading_zero_is_the_count() -> None:
    # the reference accepts `Sighting[03]` as a list of three
    spec = ConceptSpec.parse_uncached("Sighting[03]")
    assert spec.item_count == 3


MEMOS = """
domain = "memos"
[concept.RiskMemo]
description = "A memo on risks"
refines = "{refines}"
[concept.UrgentMemo]
description = "An urgent memo"
refines = "RiskMemo"
"""


@pytest.mark.parametrize("refines", ["Markdown[]", "Markdown?", "Markdown[2]", "markdown", " Markdown"])
def test_refines_names_a_concept_reference_without_multiplicity_or_presence(refines: str) -> None:
    # the reference: "Refines 'Markdown[]' must be a valid concept ref (domain.ConceptCode) or concept code"
    report = validate(MEMOS.replace("{refines}", refines))
    # one error: the concept refining the broken one is not reported unresolved as well
    assert error_types(report) == ["schema_violation"], [e.render() for e in report.errors]
    assert report.errors[0].field == "refines"


@pytest.mark.parametrize("refines", ["Markdown", "native.Markdown"])
def test_refines_a_concept_reference(refines: str) -> None:
    report = validate(MEMOS.replace("{refines}", refines))
    assert report.is_valid, [e.render() for e in report.errors]


LIST_MARKER = """
domain = "field_notes"
main_pipe = "make_digest"
[concept]
Sighting = "A sighting"
Digest = "A digest"
[pipe.make_digest]
type = "PipeSequence"
description = "List then write"
inputs = { notes = "Text" }
output = "Digest"
steps = [
    { pipe = "list_sightings", result = "sightings" },
    { pipe = "write_digest", result = "digest" },
]
[pipe.list_sightings]
type = "PipeLLM"
description = "List"
inputs = { notes = "Text" }
output = "{output}"
prompt = "List the sightings in $notes"
[pipe.write_digest]
type = "PipeLLM"
description = "Write"
inputs = { sightings = "Sighting[]" }
output = "Digest"
prompt = \"\"\"Digest of:
@sightings
\"\"\"
"""


@pytest.mark.parametrize("output", ["Sighting[]?", "Sighting[3]?"])
def test_a_presence_marker_on_a_list_is_its_own_error_and_makes_nothing_optional(output: str) -> None:
    # the reference reports optional_marker_invalid alone: a list is never absent (it is the empty list), so the
    # steps after it do not see a value that may be missing
    report = validate(LIST_MARKER.replace("{output}", output))
    assert error_types(report) == ["optional_marker_invalid"], [e.render() for e in report.errors]


MULTILINE_INLINE = """
domain = "field_notes"
main_pipe = "write_digest"
[concept]
Digest = "A digest"
[pipe.write_digest]
type = "PipeLLM"
description = "Write the digest"
inputs = {
    title = "Text",  # TOML 1.1: an inline table spans lines, holds comments, ends with a comma
    notes = "Text[]",
}
output = "Digest"
prompt = \"\"\"Write a digest titled $title of:
@notes
\"\"\"
"""


def test_a_bundle_is_toml_11() -> None:
    # the reference reads bundles with tomli 2.5 (TOML 1.1): multi-line inline tables, trailing commas,
    # '\\e' and '\\xHH' escapes are valid there
    report = validate(MULTILINE_INLINE)
    assert report.is_valid, [e.render() for e in report.errors]
    report = validate(
        MULTILINE_INLINE.replace('description = "Write the digest"', 'description = "Digest \\\\x41"')
    )
    assert report.is_valid, [e.render() for e in report.errors]


def test_a_toml_11_bundle_with_an_error_reports_the_error_where_it_is() -> None:
    report = validate(MULTILINE_INLINE.replace('notes = "Text[]",', "notes = Text[],"))
    assert error_types(report) == ["toml_syntax"]
    assert report.errors[0].line == 10


def test_a_byte_order_mark_is_not_toml() -> None:
    # the reference: "TOML syntax error at line 1, column 1: ... Invalid statement"
    report = validate("\ufeff" + textwrap.dedent(NOTES).lstrip("\n").replace("{title_spec}", "Text"))
    assert error_types(report) == ["toml_syntax"]
    assert report.errors[0].line == 1
    assert "byte-order mark" in report.errors[0].message


def test_a_count_of_one_is_a_single_value() -> None:
    # the reference reads 'X[1]' as one X: an output 'Sighting[1]' is stored as 'Sighting', an input 'Note[1]'
    # reads 'Note' (a list given to it, or it given to a list, is input_concept_mismatch)
    spec = ConceptSpec.parse_uncached("Sighting[1]")
    assert not spec.is_list
    assert spec == ConceptSpec.parse_uncached("Sighting")
    assert ConceptSpec.parse_uncached("Sighting[2]").is_list
    # with a presence marker it stays a list, and the marker on it is refused as on any list
    assert ConceptSpec.parse_uncached("Sighting[1]?").is_list
    single_to_one = LIST_MARKER.replace("{output}", "Sighting[1]").replace('"Sighting[]" }', '"Sighting" }')
    assert validate(single_to_one).is_valid, error_types(validate(single_to_one))
    one_to_list = LIST_MARKER.replace("{output}", "Sighting[1]")
    assert error_types(validate(one_to_list)) == ["input_stuff_spec_mismatch"]
    assert error_types(validate(LIST_MARKER.replace("{output}", "Sighting[1]?"))) == [
        "optional_marker_invalid"
    ]


def test_a_main_pipe_naming_no_pipe_is_a_schema_violation() -> None:
    # the reference: "Main pipe 'nope' could not be found in pipelex bundle" (method.schema_violation)
    report = validate(
        NOTES.replace("{title_spec}", "Text").replace('main_pipe = "write_digest"', 'main_pipe = "nope"')
    )
    assert error_types(report) == ["schema_violation"]
    assert report.errors[0].field == "main_pipe"


@pytest.mark.parametrize(
    "main_pipe",
    ["field_notes.write_digest", "notes.write_digest", "field_notes.make.write_digest", ".write_digest"],
)
def test_a_domain_qualified_main_pipe_is_not_a_pipe_code(main_pipe: str) -> None:
    # the reference: "Invalid main pipe syntax 'support.tickets.route_ticket'. Must be in snake_case."
    # (method.identifier_invalid), even when the domain is the bundle's own: main_pipe is the code of a pipe
    # of this bundle, as its [pipe.X] key, not a reference
    report = validate(
        NOTES.replace("{title_spec}", "Text").replace(
            'main_pipe = "write_digest"', f'main_pipe = "{main_pipe}"'
        )
    )
    assert error_types(report) == ["invalid_pipe_code_syntax"]
    assert report.errors[0].line == 2
    assert "write main_pipe = 'write_digest'" in report.errors[0].message


def test_a_bare_main_pipe_validates() -> None:
    assert validate(NOTES.replace("{title_spec}", "Text")).is_valid
