"""Blueprint models: the typed, frozen form of a parsed MTHDS bundle.

Models use ``extra="forbid"`` so an unknown key is a schema error, and pipes are a discriminated
union on ``type``. Cross-references (concepts, pipes, inputs) are checked later by validation.
"""

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

JsonValue = Any


class Blueprint(BaseModel):
    """Base of every blueprint model: frozen, unknown keys refused."""

    # defer_build: a model's validator is built when it first validates, so a command pays only for the pipe kinds
    # its bundles use (building all of them at import took a fifth of a small bundle's validation)
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)


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
    hints: dict[str, JsonValue] | None = None


class ConceptBlueprint(Blueprint):
    """A concept declared in a bundle (table form; the string shorthand becomes one with only a description)."""

    description: str
    refines: str | None = None
    structure: dict[str, FieldBlueprint | str] | str | None = None
    hints: dict[str, JsonValue] | None = None


class InputSlot(Blueprint):
    """The expanded form of an input: ``name = { concept = "X", hints = {...} }``."""

    concept: str
    hints: dict[str, JsonValue] | None = None


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

    def input_specs(self) -> dict[str, str]:
        """Input name to concept spec string."""
        return {name: (slot if isinstance(slot, str) else slot.concept) for name, slot in self.inputs.items()}


class ControllerBlueprintBase(PipeBlueprintBase):
    """Fields shared by the controllers: the pipes that run other pipes (sequence, parallel, condition, batch)."""


class PipeLLMBlueprint(PipeBlueprintBase):
    """An LLM call."""

    type: Literal["PipeLLM"]
    prompt: str | None = None
    system_prompt: str | None = None
    model: ModelChoice | None = None
    model_to_structure: ModelChoice | None = None
    structuring_method: Literal["direct", "preliminary_text"] | None = None
    templating_style: TemplatingStyleChoice | None = None


AspectRatio = Literal[
    "square",
    "landscape_4_3",
    "landscape_3_2",
    "landscape_16_9",
    "landscape_21_9",
    "landscape_4_1",
    "landscape_8_1",
    "portrait_3_4",
    "portrait_2_3",
    "portrait_9_16",
    "portrait_9_21",
    "portrait_1_4",
    "portrait_1_8",
]


class PipeImgGenBlueprint(PipeBlueprintBase):
    """An image generation."""

    type: Literal["PipeImgGen"]
    prompt: str
    negative_prompt: str | None = None
    model: ModelChoice | None = None
    aspect_ratio: AspectRatio | None = None
    size: str | None = None
    quality: Literal["low", "medium", "high"] | None = None
    is_raw: bool | None = None
    seed: int | Literal["auto"] | None = None
    background: Literal["transparent", "opaque", "auto"] | None = None
    output_format: Literal["png", "jpeg", "webp"] | None = None


class PipeExtractBlueprint(PipeBlueprintBase):
    """Pages extracted from a document or an image."""

    type: Literal["PipeExtract"]
    model: ModelChoice | None = None
    max_page_images: int | None = None
    page_image_captions: bool | None = None
    page_views: bool | None = None
    page_views_dpi: int | None = None
    render_js: bool | None = None
    include_raw_html: bool | None = None


class PipeFuncBlueprint(PipeBlueprintBase):
    """A Python function called by import path."""

    type: Literal["PipeFunc"]
    function_name: str


TemplateCategory = Literal[
    "basic", "expression", "html", "markdown", "mermaid", "llm_prompt", "img_gen_prompt"
]


class TemplateBlueprint(Blueprint):
    """The table form of a PipeCompose template."""

    template: str
    category: TemplateCategory | None = None
    templating_style: TemplatingStyleChoice | None = None
    extra_context: dict[str, JsonValue] | None = None


class PipeComposeBlueprint(PipeBlueprintBase):
    """A template rendered, or a structure built, from the inputs."""

    type: Literal["PipeCompose"]
    template: str | TemplateBlueprint | None = None
    construct_: dict[str, JsonValue] | None = Field(default=None, alias="construct")


class PipeSearchBlueprint(PipeBlueprintBase):
    """A web search."""

    type: Literal["PipeSearch"]
    prompt: str
    model: ModelChoice | None = None
    include_images: bool | None = None
    max_results: int | None = None
    from_date: str | None = None
    to_date: str | None = None
    include_domains: list[str] | None = None
    exclude_domains: list[str] | None = None


class PipeStructureBlueprint(PipeBlueprintBase):
    """An input turned into the structured output concept."""

    type: Literal["PipeStructure"]
    model: ModelChoice | None = None


class JudgeLevel(Blueprint):
    """One level of a rating scale."""

    label: str
    description: str = ""


class JudgeCriteria(Blueprint):
    """What yes and no mean for a yes/no question."""

    yes: str
    no: str


class JudgeQuestion(Blueprint):
    """One question of a judgment."""

    question: str
    options: dict[str, str] | None = None
    levels: list[JudgeLevel] | None = None
    criteria: JudgeCriteria | None = None
    threshold: float | None = None


class PipeJudgeBlueprint(PipeBlueprintBase):
    """A judgment: yes/no, a choice among options, or a rating."""

    type: Literal["PipeJudge"]
    prompt: str
    model: ModelChoice | None = None
    question: str | None = None
    options: dict[str, str] | None = None
    levels: list[JudgeLevel] | None = None
    criteria: JudgeCriteria | None = None
    threshold: float | None = None
    questions: dict[str, JudgeQuestion] | None = None


class PipeDocGenBlueprint(PipeBlueprintBase):
    """A document generated from the inputs."""

    type: Literal["PipeDocGen"]
    format: Literal["pdf", "xlsx", "docx", "pptx"]
    template: str | None = None
    template_file: str | None = None
    filename: str | None = None
    model: ModelChoice | None = None


class PipeSignatureBlueprint(PipeBlueprintBase):
    """A pipe's contract alone (inputs, output, description): valid, not runnable until a concrete pipe replaces it.

    Bundles write it without ``type``, as ``signature_for = "PipeLLM"``; the parser tags it ``PipeSignature``.
    """

    type: Literal["PipeSignature"]
    signature_for: str | None = None


class StepBlueprint(Blueprint):
    """A sequence step: a pipe step, or a binding step ``{from, result}``. Shape rules are checked by validation."""

    pipe: str | None = None
    from_: str | None = Field(default=None, alias="from")
    result: str | None = None
    nb_output: int | None = None
    multiple_output: bool | None = None
    batch_over: str | None = None
    batch_as: str | None = None

    @property
    def is_binding(self) -> bool:
        """True for a binding step (it has ``from``)."""
        return self.from_ is not None


class BranchBlueprint(Blueprint):
    """A parallel branch."""

    pipe: str
    result: str | None = None
    batch_over: str | None = None
    batch_as: str | None = None


class PipeSequenceBlueprint(ControllerBlueprintBase):
    """Steps run in order over one working memory."""

    type: Literal["PipeSequence"]
    steps: list[StepBlueprint] = Field(min_length=1)


class PipeParallelBlueprint(ControllerBlueprintBase):
    """Branches run concurrently."""

    type: Literal["PipeParallel"]
    branches: list[BranchBlueprint] = Field(min_length=1)
    add_each_output: bool = False


class PipeConditionBlueprint(ControllerBlueprintBase):
    """One outcome pipe chosen by an expression."""

    type: Literal["PipeCondition"]
    expression: str | None = None
    expression_template: str | None = None
    outcomes: dict[str, str] = Field(default_factory=dict)  # none: the default outcome always runs
    default_outcome: str
    add_alias_from_expression_to: str | None = None


class PipeBatchBlueprint(ControllerBlueprintBase):
    """A branch pipe run once per item of a list."""

    type: Literal["PipeBatch"]
    branch_pipe_code: str
    input_list_name: str
    input_item_name: str


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


def type_name_of(cls: type[PipeBlueprintBase]) -> str:
    """The ``type`` literal of a pipe blueprint class (``"PipeLLM"`` for :class:`PipeLLMBlueprint`)."""
    return get_args(cls.model_fields["type"].annotation)[0]


# type name -> blueprint class, read from the union above (the one list of the language's pipe types; what
# each kind does lives in its module under pipelex/pipes, found through pipelex.pipes.kinds)
PIPE_CLASSES: dict[str, type[PipeBlueprintBase]] = {
    type_name_of(cls): cls for cls in get_args(get_args(PipeBlueprint)[0])
}
SIGNATURE_TYPE = type_name_of(PipeSignatureBlueprint)
# the runnable pipe types a bundle may write in `type` (a signature is none of them: it names one in `signature_for`)
PIPE_TYPES: tuple[str, ...] = tuple(name for name in PIPE_CLASSES if name != SIGNATURE_TYPE)


class BundleBlueprint(Blueprint):
    """One parsed ``.mthds`` file."""

    domain: str
    description: str | None = None
    system_prompt: str | None = None
    main_pipe: str | None = None
    concepts: dict[str, ConceptBlueprint] = Field(default_factory=dict)
    pipes: dict[str, PipeBlueprint] = Field(default_factory=dict)
    source: str | None = None
