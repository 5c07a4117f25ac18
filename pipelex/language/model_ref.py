"""A model reference, parsed once: ``model = "..."`` (or the ``model`` of an inline settings table) as a typed
:class:`ModelRef`, and the settings an inline table adds (:class:`ModelSettings`).

The forms (``docs/language.md``): ``$name`` is a preset, ``@name`` an alias, ``~name`` a waterfall, a bare
string a model handle; the long forms ``preset:``, ``alias:``, ``waterfall:`` and ``handle:`` say the same.
The model deck resolves a :class:`ModelRef` (``pipelex.config.deck``); static validation, the pre-flight, the
operators and the Temporal dispatch read the reference through this module and nowhere else.
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import cast

from pydantic import BaseModel, ConfigDict

from pipelex.language.blueprint import ModelChoice
from pipelex.record import FrozenRecord


class ModelRefKind(StrEnum):
    """What a reference names."""

    HANDLE = "handle"
    ALIAS = "alias"
    PRESET = "preset"
    WATERFALL = "waterfall"


_SIGIL_OF = {
    ModelRefKind.PRESET: "$",
    ModelRefKind.ALIAS: "@",
    ModelRefKind.WATERFALL: "~",
    ModelRefKind.HANDLE: "",
}
_KIND_OF_SIGIL = {sigil: kind for kind, sigil in _SIGIL_OF.items() if sigil}
_LONG_FORMS = tuple((f"{kind.value}:", kind) for kind in ModelRefKind)


class ModelRef(FrozenRecord):
    """A parsed model reference.

    ``written`` is the reference as the bundle (or the deck) wrote it, kept for messages and jobs; ``kind`` and
    ``name`` are what it names (``name`` without sigil or long-form prefix); :attr:`short` is the canonical form.
    """

    kind: ModelRefKind
    name: str
    written: str

    FIELDS = ("kind", "name", "written")

    def __init__(self, kind: ModelRefKind, name: str, written: str) -> None:
        self.kind = kind
        self.name = name
        self.written = written

    @classmethod
    def parse(cls, text: str) -> "ModelRef":
        """``text`` parsed: long forms first (``preset:x`` is ``$x``), then the sigil; a bare string is a handle."""
        ref = text.strip()
        for prefix, kind in _LONG_FORMS:
            if ref.startswith(prefix):
                return cls(kind, ref[len(prefix) :], text)
        kind = _KIND_OF_SIGIL.get(ref[:1])
        if kind is not None:
            return cls(kind, ref[1:], text)
        return cls(ModelRefKind.HANDLE, ref, text)

    @classmethod
    def of(cls, choice: ModelChoice | None) -> "ModelRef | None":
        """The reference a ``model`` field holds: the string, or the ``model`` (or ``handle``) of an inline table;
        None when there is none (no field, or a table that names no model)."""
        if isinstance(choice, str):
            return cls.parse(choice)
        if isinstance(choice, dict):
            ref = choice.get("model") or choice.get("handle")
            return cls.parse(ref) if isinstance(ref, str) else None
        return None

    @property
    def short(self) -> str:
        """The canonical form: ``$name``, ``@name``, ``~name`` or the handle."""
        return _SIGIL_OF[self.kind] + self.name

    def __str__(self) -> str:
        return self.written


def written_ref(choice: ModelChoice | None) -> str | None:
    """The reference a ``model`` field holds, as written (what a job carries), or None."""
    ref = ModelRef.of(choice)
    return ref.written if ref is not None else None


# the levels of effort an LLM setting takes, as the reference takes them (lowercase, no others)
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


class ModelSettingError(ValueError):
    """A setting of an inline model table has a value it cannot take (the message says which and what fits).

    Not a :class:`~pipelex.errors.PipelexError`: the operator that reads the settings reports it as a pipe failure
    naming the pipe."""


class ModelSettings(BaseModel):
    """The settings of an inline model table: ``model = { model = "...", temperature = 0.2, max_tokens = 300,
    reasoning_effort = "low" }``; they override the preset's.

    :meth:`of` checks each value itself (with an error naming the setting) and makes the settings from the values
    it checked (``model_construct``): the validator is built only if settings are validated or serialised."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None

    @classmethod
    def of(cls, choice: ModelChoice | None) -> "ModelSettings":
        """The settings written inline in ``model = {...}`` (none for a plain reference).

        Raises :class:`ModelSettingError` for a value out of range or of the wrong type."""
        if not isinstance(choice, Mapping):
            return cls.model_construct()
        table = cast(Mapping[str, object], choice)
        settings: dict[str, object] = {}
        temperature = table.get("temperature")
        if temperature is not None:
            if (
                isinstance(temperature, bool)
                or not isinstance(temperature, int | float)
                or not 0 <= temperature <= 1
            ):
                # 0 to 1, as the reference's LLM setting takes it (Anthropic's range; 2 was an OpenAI-only value)
                raise ModelSettingError(
                    f"model temperature must be a number from 0 to 1, not {temperature!r}"
                )
            settings["temperature"] = float(temperature)
        max_tokens = table.get("max_tokens")
        if max_tokens is not None:
            if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
                raise ModelSettingError(f"model max_tokens must be a positive integer, not {max_tokens!r}")
            settings["max_tokens"] = max_tokens
        effort = table.get("reasoning_effort")
        if effort is not None:
            if effort not in REASONING_EFFORTS:
                raise ModelSettingError(
                    f"model reasoning_effort must be one of {', '.join(repr(e) for e in REASONING_EFFORTS)} "
                    f"(lowercase), not {effort!r}"
                )
            settings["reasoning_effort"] = effort
        return cls.model_construct(None, **settings)
