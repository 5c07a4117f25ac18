"""Concept specs (``Concept``, ``domain.Concept[]``, ``Text[3]?``) and naming rules of the language."""

import re
from enum import StrEnum
from functools import cache, lru_cache

from pydantic import BaseModel, ConfigDict

# \Z, not $: $ also matches before a final line break, so "hello\n" passed for a name (a quoted TOML key)
PIPE_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*\Z")
DOMAIN_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\Z")
CONCEPT_CODE_RE = re.compile(r"^[A-Z][A-Za-z0-9]*\Z")
PLAIN_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*\Z")
# a name a pipe reads through its inputs (an input, a result, a batch's item): a lowercase letter first, as the reference
VARIABLE_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*\Z")
PATH_RE = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*\Z")
PIPE_REF_RE = re.compile(
    r"^(?:(?P<package>[^\s>]+)->)?(?:(?P<domain>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\.)?(?P<code>[a-z][a-z0-9_]*)\Z"
)
_SPEC_RE = re.compile(
    r"^(?:(?P<domain>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\.)?(?P<code>[A-Z][A-Za-z0-9]*)"
    r"(?P<mult>\[(?P<n>[0-9]*)\])?(?P<presence>[?!])?\Z"
)
RESERVED_NAME_PREFIX = "_bound_"


def non_ascii_note(name: str) -> str:
    """``""`` for an ASCII name; else what a message about it adds: its first character past ASCII, named. Names are
    ASCII, and a Cyrillic ``Т``, a Greek ``ο`` or a fullwidth letter looks like the letter it stands for, so a message
    quoting ``'Тext'`` as "not a concept spec" reads as nonsense without it."""
    for char in name:
        if not char.isascii():
            import unicodedata

            title = unicodedata.name(char, "")
            return f" (it holds {char!r}, U+{ord(char):04X}{' ' + title if title else ''}: names are ASCII)"
    return ""


def is_variable_name(name: str) -> bool:
    """Whether ``name`` may name what a pipe reads through its inputs: an input, a step's, branch's or binding's
    result, a batch's item (``batch_as``, ``input_item_name``, ``input_list_name``): a lowercase letter first, then
    lowercase letters, digits and underscores, as the reference (``_note`` is refused, and so is the runtime's
    reserved prefix ``_bound_``)."""
    return VARIABLE_NAME_RE.match(name) is not None


def is_concept_ref(text: str) -> bool:
    """Whether ``text`` is a concept reference without multiplicity or presence: ``Text``, ``native.Text``,
    ``legal.contracts.Clause`` (what a concept's ``refines`` names)."""
    return _concept_ref_re().match(text) is not None


@cache
def _concept_ref_re() -> re.Pattern[str]:
    # compiled at its first use (a concept that refines another): ~0.8 M instructions a command otherwise
    return re.compile(r"^(?:[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*\.)?[A-Z][A-Za-z0-9]*\Z")


class Multiplicity(StrEnum):
    """How many items a spec holds."""

    SINGLE = "single"
    VARIABLE = "variable"
    FIXED = "fixed"


class Presence(StrEnum):
    """Whether a value may be absent."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    FORCED = "forced"


class SpecSyntaxError(ValueError):
    """A concept spec string does not follow the grammar ``Concept[N]?``."""


class ConceptSpec(BaseModel):
    """A parsed concept spec: the concept reference, its multiplicity and its presence.

    Made by :meth:`parse` from the parts its grammar matched (``model_construct``: typed already): the validator
    is built only if a spec is validated or serialised, which no validation or dry run does.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    concept_ref: str
    multiplicity: Multiplicity = Multiplicity.SINGLE
    item_count: int | None = None
    presence: Presence = Presence.REQUIRED

    @classmethod
    def parse(cls, text: str) -> "ConceptSpec":
        """Parse ``text``; raise :class:`SpecSyntaxError` with a fix hint when it is malformed.

        Specs are frozen, so a parse is cached: pipes re-read their specs on every run.
        """
        return _parse_spec(text)

    @classmethod
    def parse_uncached(cls, text: str) -> "ConceptSpec":
        """:meth:`parse` without its cache (what the cache calls on a miss)."""
        match = _SPEC_RE.match(text)
        if match is None:
            raise SpecSyntaxError(
                f"{text!r} is not a concept spec{non_ascii_note(text)}: write a PascalCase concept, optionally "
                "domain-qualified, "
                "then '[]' or '[N]' for a list and '?' for an optional value (e.g. 'Text', 'legal.Clause[]', 'Text?')"
            )
        domain, code = match.group("domain"), match.group("code")
        ref = f"{domain}.{code}" if domain else code
        multiplicity = Multiplicity.SINGLE
        count: int | None = None
        if match.group("mult"):
            n = match.group("n")
            if n:
                count = int(n)
                if count < 1:
                    raise SpecSyntaxError(f"{text!r}: a fixed list count must be at least 1")
                multiplicity = Multiplicity.FIXED
                if count == 1 and not match.group("presence"):
                    # the reference reads 'X[1]' as one X (probed: an output 'Sighting[1]' is stored as
                    # 'Sighting', an input 'Note[1]' reads 'Note'); with a marker it stays a list, whose '?' or '!'
                    # is optional_marker_invalid as on any list
                    multiplicity, count = Multiplicity.SINGLE, None
            else:
                multiplicity = Multiplicity.VARIABLE
        presence = {"?": Presence.OPTIONAL, "!": Presence.FORCED}.get(
            match.group("presence") or "", Presence.REQUIRED
        )
        return cls.model_construct(
            concept_ref=ref, multiplicity=multiplicity, item_count=count, presence=presence
        )

    @property
    def is_list(self) -> bool:
        """True for ``X[]`` and ``X[N]``."""
        return self.multiplicity is not Multiplicity.SINGLE

    @property
    def is_optional(self) -> bool:
        """True for ``X?``."""
        return self.presence is Presence.OPTIONAL

    def with_concept(self, concept_ref: str) -> "ConceptSpec":
        """A copy of this spec for another concept."""
        return self.model_copy(update={"concept_ref": concept_ref})

    def as_list(self) -> "ConceptSpec":
        """The list form of this spec."""
        return self.model_copy(update={"multiplicity": Multiplicity.VARIABLE, "item_count": None})

    def as_single(self) -> "ConceptSpec":
        """The single-item form of this spec."""
        return self.model_copy(update={"multiplicity": Multiplicity.SINGLE, "item_count": None})

    def with_presence(self, presence: Presence) -> "ConceptSpec":
        """A copy with another presence."""
        return self.model_copy(update={"presence": presence})

    def render(self) -> str:
        """Back to the spec string."""
        mult = {Multiplicity.SINGLE: "", Multiplicity.VARIABLE: "[]"}.get(
            self.multiplicity, f"[{self.item_count}]"
        )
        pres = {Presence.REQUIRED: "", Presence.OPTIONAL: "?", Presence.FORCED: "!"}[self.presence]
        return f"{self.concept_ref}{mult}{pres}"

    def __str__(self) -> str:
        return self.render()


@lru_cache(maxsize=4096)
def _parse_spec(text: str) -> ConceptSpec:
    return ConceptSpec.parse_uncached(text)


def split_ref(ref: str) -> tuple[str | None, str]:
    """Split ``domain.Code`` (or ``domain.code``) into its domain (or None) and its code."""
    if "." in ref:
        domain, _, code = ref.rpartition(".")
        return domain, code
    return None, ref
