"""PipeCompose's blueprint: a template rendered, or a structure built, from the inputs.

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Literal

from pydantic import Field

from pipelex.language.blueprints.base import (
    Blueprint,
    JsonValue,
    PipeBlueprintBase,
    TemplatingStyleBlueprint,
)

TemplateCategory = Literal[
    "basic", "expression", "html", "markdown", "mermaid", "llm_prompt", "img_gen_prompt"
]


class TemplateBlueprint(Blueprint):
    """The table form of a PipeCompose template. As in the reference, the table names its ``category`` (a bare
    template string is the ``basic`` one), and its ``templating_style`` is the table form ``{ tag_style = ... }``
    (the bare tag style, ``"xml"``, is a PipeLLM's shorthand, refused here)."""

    template: str
    category: TemplateCategory
    templating_style: TemplatingStyleBlueprint | None = None
    extra_context: dict[str, JsonValue] | None = None


class PipeComposeBlueprint(PipeBlueprintBase):
    """A template rendered, or a structure built, from the inputs."""

    type: Literal["PipeCompose"]
    template: str | TemplateBlueprint | None = None
    construct_: dict[str, JsonValue] | None = Field(default=None, alias="construct")
