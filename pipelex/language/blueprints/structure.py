"""PipeStructure's blueprint: an input turned into the structured output concept.

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Literal

from pipelex.language.blueprints.base import ModelChoice, PipeBlueprintBase


class PipeStructureBlueprint(PipeBlueprintBase):
    """An input turned into the structured output concept."""

    type: Literal["PipeStructure"]
    model: ModelChoice | None = None
