"""Concept spec strings (``Concept[N]?``) and the naming patterns of the language."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from pipelex.language.specs import (
    CONCEPT_CODE_RE,
    DOMAIN_RE,
    PIPE_CODE_RE,
    PIPE_REF_RE,
    ConceptSpec,
    Multiplicity,
    Presence,
    SpecSyntaxError,
    split_ref,
)

SINGLE, VARIABLE, FIXED = Multiplicity.SINGLE, Multiplicity.VARIABLE, Multiplicity.FIXED
REQUIRED, OPTIONAL, FORCED = Presence.REQUIRED, Presence.OPTIONAL, Presence.FORCED


@pytest.mark.parametrize(
    ("text", "concept_ref", "multiplicity", "item_count", "presence"),
    [
        ("Text", "Text", SINGLE, None, REQUIRED),
        ("Text[]", "Text", VARIABLE, None, REQUIRED),
        ("Headline[3]", "Headline", FIXED, 3, REQUIRED),
        ("Text?", "Text", SINGLE, None, OPTIONAL),
        ("Text!", "Text", SINGLE, None, FORCED),
        ("Crate[]?", "Crate", VARIABLE, None, OPTIONAL),
        ("native.Page[]", "native.Page", VARIABLE, None, REQUIRED),
        ("legal.contracts.Clause[2]!", "legal.contracts.Clause", FIXED, 2, FORCED),
        ("PDFReport", "PDFReport", SINGLE, None, REQUIRED),
    ],
    ids=[
        "bare",
        "variable-list",
        "fixed-list",
        "optional",
        "forced",
        "optional-list",
        "native-qualified",
        "dotted-domain-fixed-forced",
        "acronym-code",
    ],
)
def test_parse_valid_spec(
    text: str, concept_ref: str, multiplicity: Multiplicity, item_count: int | None, presence: Presence
) -> None:
    spec = ConceptSpec.parse(text)
    assert spec == ConceptSpec(
        concept_ref=concept_ref, multiplicity=multiplicity, item_count=item_count, presence=presence
    )
    assert spec.is_list is (multiplicity is not SINGLE)
    assert spec.is_optional is (presence is OPTIONAL)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "text",
        "Text[]]",
        "Text??",
        "Text?!",
        "Text[-1]",
        "Text?[]",
        "Text[ 3 ]",
        "Legal.Clause",
        "domain.Sub.Text",
        "Text[3",
        "Te xt",
        "9Text",
        "Text[a]",
        "->Text",
        "pkg->dom.Text",
        "  Text  ",
        "Text\n",
    ],
    ids=[
        "empty",
        "lowercase",
        "extra-bracket",
        "double-question",
        "question-and-bang",
        "negative-count",
        "presence-before-list",
        "spaced-count",
        "pascal-domain",
        "pascal-middle-domain",
        "unclosed-bracket",
        "inner-space",
        "leading-digit",
        "letter-count",
        "arrow-only",
        "package-prefix",
        "surrounding-space",  # the reference: "' Text'" is a schema violation, not Text
        "trailing-newline",
    ],
)
def test_parse_refuses_malformed_spec_with_a_hint(text: str) -> None:
    with pytest.raises(SpecSyntaxError) as info:
        ConceptSpec.parse(text)
    message = str(info.value)
    assert repr(text) in message
    assert "write a PascalCase concept" in message
    assert "e.g. 'Text', 'legal.Clause[]', 'Text?'" in message


def test_parse_snapshot_of_the_malformed_message() -> None:
    with pytest.raises(SpecSyntaxError) as info:
        ConceptSpec.parse("text[]")
    assert str(info.value) == (
        "'text[]' is not a concept spec: write a PascalCase concept, optionally domain-qualified, then '[]' or "
        "'[N]' for a list and '?' for an optional value (e.g. 'Text', 'legal.Clause[]', 'Text?')"
    )


def test_parse_refuses_a_zero_count() -> None:
    with pytest.raises(SpecSyntaxError, match=r"'Text\[0\]': a fixed list count must be at least 1"):
        ConceptSpec.parse("Text[0]")


def test_spec_syntax_error_is_a_value_error() -> None:
    assert issubclass(SpecSyntaxError, ValueError)


@pytest.mark.parametrize(
    "text",
    [
        "Text",
        "Text[]",
        "Text[3]",
        "Text?",
        "Text!",
        "Crate[]?",
        "native.Page[]",
        "legal.contracts.Clause[2]!",
    ],
    ids=["bare", "list", "fixed", "optional", "forced", "optional-list", "native", "dotted"],
)
def test_render_round_trips(text: str) -> None:
    spec = ConceptSpec.parse(text)
    assert spec.render() == text
    assert str(spec) == text
    assert ConceptSpec.parse(spec.render()) == spec


def test_render_normalises_leading_zeros() -> None:
    assert ConceptSpec.parse("Text[03]").render() == "Text[3]"


def test_transformations_return_new_specs() -> None:
    spec = ConceptSpec.parse("Headline[3]?")
    assert spec.as_single().render() == "Headline?"
    assert spec.as_list().render() == "Headline[]?"
    assert spec.with_concept("news.Title").render() == "news.Title[3]?"
    assert spec.with_presence(Presence.FORCED).render() == "Headline[3]!"
    assert spec.render() == "Headline[3]?"  # unchanged


def test_spec_is_frozen_and_forbids_extra_fields() -> None:
    spec = ConceptSpec.parse("Text")
    with pytest.raises(ValidationError):
        spec.concept_ref = "Number"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        ConceptSpec(concept_ref="Text", cardinality=2)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("legal.contracts.Clause", ("legal.contracts", "Clause")),
        ("native.Text", ("native", "Text")),
        ("Text", (None, "Text")),
        ("bistro.write_menu", ("bistro", "write_menu")),
    ],
    ids=["dotted-domain", "native", "bare", "pipe-ref"],
)
def test_split_ref(ref: str, expected: tuple[str | None, str]) -> None:
    assert split_ref(ref) == expected


@pytest.mark.parametrize(
    ("ref", "package", "domain", "code"),
    [
        ("extract_clause", None, None, "extract_clause"),
        ("legal.contracts.extract_clause", None, "legal.contracts", "extract_clause"),
        ("alias->legal.extract_clause", "alias", "legal", "extract_clause"),
        ("alias->extract_clause", "alias", None, "extract_clause"),
    ],
    ids=["bare", "domain-qualified", "package-qualified", "package-bare"],
)
def test_pipe_ref_forms(ref: str, package: str | None, domain: str | None, code: str) -> None:
    match = PIPE_REF_RE.match(ref)
    assert match is not None
    assert (match.group("package"), match.group("domain"), match.group("code")) == (package, domain, code)


@pytest.mark.parametrize(
    "ref",
    ["ExtractClause", "extract-clause", "1st", "legal.Extract", "", "a b", "legal..x"],
    ids=["pascal", "dash", "digit-first", "pascal-code", "empty", "space", "empty-segment"],
)
def test_pipe_ref_refuses(ref: str) -> None:
    assert PIPE_REF_RE.match(ref) is None


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (PIPE_CODE_RE, ["a", "write_menu_card", "step2"], ["Write", "2step", "_x", "write-menu", "a.b", ""]),
        (
            DOMAIN_RE,
            ["bistro", "legal.contracts", "a1.b_2"],
            ["Legal", "legal.", ".legal", "legal..x", "le-gal"],
        ),
        (CONCEPT_CODE_RE, ["Text", "MenuCard", "PDF", "Page2"], ["text", "Menu_Card", "2Page", "Menu Card"]),
    ],
    ids=["pipe-code", "domain", "concept-code"],
)
def test_naming_patterns(pattern: re.Pattern[str], good: list[str], bad: list[str]) -> None:
    assert [g for g in good if not pattern.match(g)] == []
    assert [b for b in bad if pattern.match(b)] == []
