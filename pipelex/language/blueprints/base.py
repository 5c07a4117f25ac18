"""The blueprint models every bundle uses: the base classes, fields, concepts, inputs and templating styles.

The pipe kinds' blueprint classes live one module per kind beside this one, imported the first time a bundle
uses the kind (or a caller names the class); :mod:`pipelex.language.blueprint` is where everything is found.
"""

from collections.abc import Mapping
from functools import partial
from types import MappingProxyType
from typing import Any, Literal
from weakref import ReferenceType, ref

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import CoreSchema

from pipelex.schema_store import stored_core_schema

JsonValue = Any


class Blueprint(BaseModel):
    """Base of every blueprint model: frozen, unknown keys refused."""

    # defer_build: a model's validator is built when it first validates, so a command pays only for the pipe kinds
    # its bundles use (building all of them at import took a fifth of a small bundle's validation)
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler, /) -> CoreSchema:
        """The class's core schema: the one stored for it (``stored_schemas``, written from what pydantic generates
        for it), else pydantic's own generation.

        Generating a blueprint class's schema (pydantic walks every field's type) was ~85 % of building its
        validator: ~0.5 M instructions per class, for the concept blueprint and each pipe kind a bundle uses. The
        stored schema is the same dict, written as source: the same validator, errors and JSON schema
        (:mod:`pipelex.schema_store`; ``tests/language/test_stored_schemas.py`` checks it against pydantic's)."""
        return stored_core_schema(cls, source, handler, STORED_SCHEMAS)


# the stored schemas of the blueprint classes (pipelex/language/stored_schemas_gen.py writes them)
STORED_SCHEMAS = "pipelex.language.blueprints.stored_schemas"


FieldType = Literal[
    "text", "list", "dict", "integer", "boolean", "number", "date", "datetime", "time", "concept"
]


class FieldBlueprint(Blueprint):
    """One field of a concept structure."""

    type: FieldType | None = None
    description: str
    required: bool = False
    default_value: JsonValue = None
    choices: list[str] | None = None
    item_type: str | None = None
    item_concept_ref: str | None = None
    concept_ref: str | None = None
    key_type: str | None = None
    value_type: str | None = None
    hints: dict[str, str] | None = None  # a flat table of string keys to string values (intent hints)


class ConceptBlueprint(Blueprint):
    """A concept declared in a bundle (table form; the string shorthand becomes one with only a description)."""

    description: str
    refines: str | None = None
    structure: dict[str, FieldBlueprint | str] | str | None = None
    hints: dict[str, str] | None = None  # a flat table of string keys to string values (intent hints)


class InputSlot(Blueprint):
    """The expanded form of an input: ``name = { concept = "X", hints = {...} }``."""

    concept: str
    hints: dict[str, str] | None = None  # a flat table of string keys to string values (intent hints)


ModelChoice = str | dict[str, JsonValue]

TagStyle = Literal["no_tag", "ticks", "xml", "square_brackets"]
TextFormat = Literal["plain", "markdown", "html", "json"]


class TemplatingStyleBlueprint(Blueprint):
    """The table form of ``templating_style``: how ``@var`` blocks are tagged and how values are formatted."""

    tag_style: TagStyle
    text_format: TextFormat = "plain"


TemplatingStyleChoice = TagStyle | TemplatingStyleBlueprint


class PipeBlueprintBase(Blueprint):
    """Fields shared by every pipe."""

    description: str
    inputs: dict[str, str | InputSlot] = Field(default_factory=dict)
    output: str

    def input_specs(self) -> Mapping[str, str]:
        """Input name to concept spec string (read-only: made once per blueprint, which is never changed; the
        checks and the runs of a pipe ask for it several times)."""
        key = id(self)
        known = _INPUT_SPECS.get(key)
        if known is not None and known[0]() is self:
            return known[1]
        specs = MappingProxyType(
            {name: (slot if isinstance(slot, str) else slot.concept) for name, slot in self.inputs.items()}
        )
        _INPUT_SPECS[key] = (ref(self, partial(_forget_input_specs, key)), specs)
        return specs


# the input specs made so far, by the identity of their blueprint; a weak reference, so an entry lives exactly as
# long as its blueprint (a frozen model's own hash would hash every field, and a private attribute would take part
# in ``==`` and be copied stale by ``model_copy(update=...)``)
_INPUT_SPECS: dict[int, tuple[ReferenceType[PipeBlueprintBase], Mapping[str, str]]] = {}


def _forget_input_specs(key: int, dead: ReferenceType[PipeBlueprintBase]) -> None:
    known = _INPUT_SPECS.get(key)
    if known is not None and known[0] is dead:
        del _INPUT_SPECS[key]


class ControllerBlueprintBase(PipeBlueprintBase):
    """Fields shared by the controllers: the pipes that run other pipes (sequence, parallel, condition, batch)."""
