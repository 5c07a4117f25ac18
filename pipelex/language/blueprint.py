"""Blueprint models: the typed, frozen form of a parsed MTHDS bundle.

Models use ``extra="forbid"`` so an unknown key is a schema error, and pipes are a discriminated
union on ``type``. Cross-references (concepts, pipes, inputs) are checked later by validation.

The models every bundle uses live in :mod:`pipelex.language.blueprints.base`; each pipe kind's blueprint class
(with the models only it uses) lives in its own module under :mod:`pipelex.language.blueprints`, imported the
first time it is asked for: by :data:`PIPE_CLASSES` (the parser asks for the kinds a bundle writes), or by name
from this module (``from pipelex.language.blueprint import PipeLLMBlueprint``). Creating a pydantic class costs
~1.5 M instructions even when its validator is deferred: a small bundle's validation no longer creates the
classes of the kinds it does not use. :data:`PIPE_KIND_MODULES` is the one list of the language's pipe types.
"""

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Annotated, Any, get_args

from pydantic import Field

from pipelex.language.blueprints.base import Blueprint as Blueprint
from pipelex.language.blueprints.base import ConceptBlueprint as ConceptBlueprint
from pipelex.language.blueprints.base import ControllerBlueprintBase as ControllerBlueprintBase
from pipelex.language.blueprints.base import FieldBlueprint as FieldBlueprint
from pipelex.language.blueprints.base import FieldType as FieldType
from pipelex.language.blueprints.base import InputSlot as InputSlot
from pipelex.language.blueprints.base import JsonValue as JsonValue
from pipelex.language.blueprints.base import ModelChoice as ModelChoice
from pipelex.language.blueprints.base import PipeBlueprintBase as PipeBlueprintBase
from pipelex.language.blueprints.base import TagStyle as TagStyle
from pipelex.language.blueprints.base import TemplatingStyleBlueprint as TemplatingStyleBlueprint
from pipelex.language.blueprints.base import TemplatingStyleChoice as TemplatingStyleChoice
from pipelex.language.blueprints.base import TextFormat as TextFormat
from pipelex.lazy import lazy_attributes

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

    from pipelex.language.blueprints.batch import PipeBatchBlueprint as PipeBatchBlueprint
    from pipelex.language.blueprints.compose import PipeComposeBlueprint as PipeComposeBlueprint
    from pipelex.language.blueprints.compose import TemplateBlueprint as TemplateBlueprint
    from pipelex.language.blueprints.compose import TemplateCategory as TemplateCategory
    from pipelex.language.blueprints.condition import PipeConditionBlueprint as PipeConditionBlueprint
    from pipelex.language.blueprints.doc_gen import PipeDocGenBlueprint as PipeDocGenBlueprint
    from pipelex.language.blueprints.extract import PipeExtractBlueprint as PipeExtractBlueprint
    from pipelex.language.blueprints.func import PipeFuncBlueprint as PipeFuncBlueprint
    from pipelex.language.blueprints.img_gen import AspectRatio as AspectRatio
    from pipelex.language.blueprints.img_gen import PipeImgGenBlueprint as PipeImgGenBlueprint
    from pipelex.language.blueprints.judge import JudgeCriteria as JudgeCriteria
    from pipelex.language.blueprints.judge import JudgeLevel as JudgeLevel
    from pipelex.language.blueprints.judge import JudgeQuestion as JudgeQuestion
    from pipelex.language.blueprints.judge import PipeJudgeBlueprint as PipeJudgeBlueprint
    from pipelex.language.blueprints.llm import PipeLLMBlueprint as PipeLLMBlueprint
    from pipelex.language.blueprints.parallel import BranchBlueprint as BranchBlueprint
    from pipelex.language.blueprints.parallel import PipeParallelBlueprint as PipeParallelBlueprint
    from pipelex.language.blueprints.search import PipeSearchBlueprint as PipeSearchBlueprint
    from pipelex.language.blueprints.sequence import PipeSequenceBlueprint as PipeSequenceBlueprint
    from pipelex.language.blueprints.sequence import StepBlueprint as StepBlueprint
    from pipelex.language.blueprints.signature import PipeSignatureBlueprint as PipeSignatureBlueprint
    from pipelex.language.blueprints.structure import PipeStructureBlueprint as PipeStructureBlueprint

# type name -> the module of its blueprint class, in the language's order (error messages list the types in it);
# the class is named after the type (``PipeLLM`` -> ``PipeLLMBlueprint``)
PIPE_KIND_MODULES: dict[str, str] = {
    "PipeLLM": "pipelex.language.blueprints.llm",
    "PipeImgGen": "pipelex.language.blueprints.img_gen",
    "PipeExtract": "pipelex.language.blueprints.extract",
    "PipeFunc": "pipelex.language.blueprints.func",
    "PipeCompose": "pipelex.language.blueprints.compose",
    "PipeSearch": "pipelex.language.blueprints.search",
    "PipeStructure": "pipelex.language.blueprints.structure",
    "PipeJudge": "pipelex.language.blueprints.judge",
    "PipeDocGen": "pipelex.language.blueprints.doc_gen",
    "PipeSignature": "pipelex.language.blueprints.signature",
    "PipeSequence": "pipelex.language.blueprints.sequence",
    "PipeParallel": "pipelex.language.blueprints.parallel",
    "PipeCondition": "pipelex.language.blueprints.condition",
    "PipeBatch": "pipelex.language.blueprints.batch",
}
# the models a kind's module holds besides its blueprint class, found here by name like the classes
_KIND_HELPERS: dict[str, str] = {
    "AspectRatio": "PipeImgGen",
    "TemplateCategory": "PipeCompose",
    "TemplateBlueprint": "PipeCompose",
    "JudgeLevel": "PipeJudge",
    "JudgeCriteria": "PipeJudge",
    "JudgeQuestion": "PipeJudge",
    "StepBlueprint": "PipeSequence",
    "BranchBlueprint": "PipeParallel",
}
# every name this module gives from a kind's module -> that module
_LAZY_NAMES: dict[str, str] = {
    **{f"{name}Blueprint": module for name, module in PIPE_KIND_MODULES.items()},
    **{helper: PIPE_KIND_MODULES[kind] for helper, kind in _KIND_HELPERS.items()},
}

SIGNATURE_TYPE = "PipeSignature"
# the runnable pipe types a bundle may write in `type` (a signature is none of them: it names one in `signature_for`)
PIPE_TYPES: tuple[str, ...] = tuple(name for name in PIPE_KIND_MODULES if name != SIGNATURE_TYPE)


if not TYPE_CHECKING:  # pyright sees the imports above; at run time a kind's names come on first use
    __getattr__ = lazy_attributes(__name__, _LAZY_NAMES, globals())


def type_name_of(cls: type[PipeBlueprintBase]) -> str:
    """The ``type`` literal of a pipe blueprint class (``"PipeLLM"`` for :class:`PipeLLMBlueprint`)."""
    return get_args(cls.model_fields["type"].annotation)[0]


class _PipeClasses(Mapping[str, type[PipeBlueprintBase]]):
    """Type name -> blueprint class, each class's module imported the first time its type is asked for.

    Iterating gives every type name without importing anything; values and items import every kind's module.
    """

    def __init__(self) -> None:
        self._loaded: dict[str, type[PipeBlueprintBase]] = {}

    def __getitem__(self, name: str) -> type[PipeBlueprintBase]:
        found = self._loaded.get(name)
        if found is None:
            module = importlib.import_module(PIPE_KIND_MODULES[name])  # KeyError: not a type of the language
            found = self._loaded[name] = getattr(module, f"{name}Blueprint")
        return found

    def __contains__(self, name: object) -> bool:
        return name in PIPE_KIND_MODULES

    def __iter__(self) -> Iterator[str]:
        return iter(PIPE_KIND_MODULES)

    def __len__(self) -> int:
        return len(PIPE_KIND_MODULES)


# type name -> blueprint class (what each kind does lives in its module under pipelex/pipes, found through
# pipelex.pipes.kinds)
PIPE_CLASSES: Mapping[str, type[PipeBlueprintBase]] = _PipeClasses()


def pipe_union() -> Any:
    """The discriminated union of every pipe kind's blueprint class (imports every kind's module)."""
    members = tuple(PIPE_CLASSES.values())
    union: Any = members[0]
    for member in members[1:]:
        union = union | member
    return Annotated[union, Field(discriminator="type")]


class _EveryPipeKind:
    """Stands in for the union in :data:`PipeBlueprint` until pydantic builds a schema that holds it.

    The schema is the union's own (same validation, errors, locations and JSON schema); it is built, and every
    kind's class created, only when a model that validates pipes (``BundleBlueprint``) is first built: the parser
    validates each pipe with its kind's class and makes the bundle with ``model_construct``.
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: "GetCoreSchemaHandler") -> "CoreSchema":
        return handler.generate_schema(pipe_union())


if TYPE_CHECKING:
    PipeBlueprint = Annotated[
        PipeLLMBlueprint
        | PipeImgGenBlueprint
        | PipeExtractBlueprint
        | PipeFuncBlueprint
        | PipeComposeBlueprint
        | PipeSearchBlueprint
        | PipeStructureBlueprint
        | PipeJudgeBlueprint
        | PipeDocGenBlueprint
        | PipeSignatureBlueprint
        | PipeSequenceBlueprint
        | PipeParallelBlueprint
        | PipeConditionBlueprint
        | PipeBatchBlueprint,
        Field(discriminator="type"),
    ]
else:
    PipeBlueprint = Annotated[PipeBlueprintBase, _EveryPipeKind]


class BundleBlueprint(Blueprint):
    """One parsed ``.mthds`` file."""

    domain: str
    description: str | None = None
    system_prompt: str | None = None
    main_pipe: str | None = None
    concepts: dict[str, ConceptBlueprint] = Field(default_factory=dict)
    pipes: dict[str, PipeBlueprint] = Field(default_factory=dict)
    source: str | None = None
