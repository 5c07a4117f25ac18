"""PipeCompose's blueprint: a template rendered, or a structure built, from the inputs.

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Literal

from pydantic import Field

from pipelex.language.blueprints.base import Blueprint, JsonValue, PipeBlueprintBase, TemplatingStyleChoice

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
