"""PipeLLM's blueprint: an LLM call.

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Literal

from pipelex.language.blueprints.base import ModelChoice, PipeBlueprintBase, TemplatingStyleChoice


class PipeLLMBlueprint(PipeBlueprintBase):
    """An LLM call."""

    type: Literal["PipeLLM"]
    prompt: str | None = None
    system_prompt: str | None = None
    model: ModelChoice | None = None
    model_to_structure: ModelChoice | None = None
    structuring_method: Literal["direct", "preliminary_text"] | None = None
    templating_style: TemplatingStyleChoice | None = None
