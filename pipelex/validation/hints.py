"""Intent hints lint: warnings, never errors (hints are non-normative; a well-formed unknown entry is kept).

A ``hints`` table sits on a concept, a structure field or an expanded input slot. This version of the standard
knows one key, ``intent``, with four words: ``prose`` and ``label`` for a text-valued site, ``rating`` and
``quantity`` for a number-valued one. Another key is ``hint_unknown_key``, another word ``hint_unknown_intent``,
a word on a site of the other kind ``hint_inapplicable_intent`` (as the reference reports them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelex.diagnostics import Diagnostic, ErrorType, Severity
from pipelex.language.specs import ConceptSpec, SpecSyntaxError

if TYPE_CHECKING:
    from pipelex.concepts.library import Concept, ConceptLibrary
    from pipelex.language.library import Library
    from pipelex.language.parser import ParsedBundle

KNOWN_KEYS = ("intent",)
TEXT_INTENTS = ("prose", "label")
NUMBER_INTENTS = ("rating", "quantity")
INTENTS = TEXT_INTENTS + NUMBER_INTENTS
_PRESERVED = "The entry is kept; tools that do not know it ignore it."


def hint_warnings(library: Library) -> list[Diagnostic]:
    """One warning for each unknown key, unknown intent word, or intent word on a site of the other kind."""
    found: list[Diagnostic] = []
    concepts = library.concepts
    for parsed in library.bundles:
        bp = parsed.blueprint
        if bp is None:
            continue
        for code, concept_bp in bp.concepts.items():
            concept = concepts.concepts.get(f"{bp.domain}.{code}")
            line = _ConceptLine(parsed, code)
            if concept_bp.hints:
                kind = _concept_kind(concepts, concept) if concept is not None else None
                site = f"concept '{bp.domain}.{code}'"
                found += _check(concept_bp.hints, site, kind, parsed, line, None)
            if isinstance(concept_bp.structure, dict):
                for name, spec in concept_bp.structure.items():
                    if isinstance(spec, str) or not spec.hints:
                        continue
                    site = f"field '{name}' of concept '{bp.domain}.{code}'"
                    found += _check(spec.hints, site, _field_kind(spec.type), parsed, line, None)
        for code, pipe_bp in bp.pipes.items():
            for name, slot in pipe_bp.inputs.items():
                if isinstance(slot, str) or not slot.hints:
                    continue
                try:
                    concept = concepts.resolve(ConceptSpec.parse(slot.concept.strip()).concept_ref, bp.domain)
                except SpecSyntaxError:  # reported by the static checks; the hint's site has no known kind
                    concept = None
                kind = _concept_kind(concepts, concept) if concept is not None else None
                site = f"input '{name}' of pipe '{bp.domain}.{code}'"
                found += _check(slot.hints, site, kind, parsed, _PipeLine(parsed, code), code)
    return found


class _ConceptLine:
    """The line of a concept, looked up only when a warning needs it (finding lines lexes the whole text)."""

    def __init__(self, parsed: ParsedBundle, code: str) -> None:
        self.parsed, self.code = parsed, code

    def __call__(self) -> int | None:
        return self.parsed.source_map.concept_line(self.code)


class _PipeLine(_ConceptLine):
    def __call__(self) -> int | None:
        return self.parsed.source_map.pipe_line(self.code)


def _field_kind(field_type: str | None) -> str:
    if field_type in (None, "text"):
        return "text"
    if field_type in ("integer", "number"):
        return "number"
    return "other"


def _concept_kind(concepts: ConceptLibrary, concept: Concept) -> str:
    if concepts.is_text_like(concept):
        return "text"
    number = concepts.concepts.get("native.Number")
    if number is not None and concepts.refines(concept, number):
        return "number"
    return "other"


def _check(
    hints: dict[str, str],
    site: str,
    kind: str | None,
    parsed: ParsedBundle,
    line: _ConceptLine,
    pipe: str | None,
) -> list[Diagnostic]:
    found: list[Diagnostic] = []

    def warn(error_type: str, message: str) -> None:
        found.append(
            Diagnostic(
                error_type=error_type,
                message=f"{message}. {_PRESERVED}",
                file=parsed.source_map.file,
                line=line(),
                pipe=pipe,
                severity=Severity.WARNING,
            )
        )

    for key, value in hints.items():
        if key not in KNOWN_KEYS:
            warn(
                ErrorType.HINT_UNKNOWN_KEY,
                f"hint key {key!r} on {site} is not defined by this version of the standard (known keys: "
                f"{', '.join(KNOWN_KEYS)})",
            )
        elif value not in INTENTS:
            warn(
                ErrorType.HINT_UNKNOWN_INTENT,
                f"intent {value!r} on {site} is not in this version's vocabulary ({', '.join(INTENTS)})",
            )
        elif kind is not None and kind != ("text" if value in TEXT_INTENTS else "number"):
            wanted = "text-valued" if value in TEXT_INTENTS else "number-valued"
            warn(
                ErrorType.HINT_INAPPLICABLE_INTENT,
                f"intent {value!r} does not apply to {site} (it is not {wanted})",
            )
    return found
