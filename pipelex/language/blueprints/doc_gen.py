"""PipeDocGen's blueprint: a document generated from the inputs.

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Literal

from pipelex.language.blueprints.base import ModelChoice, PipeBlueprintBase


class PipeDocGenBlueprint(PipeBlueprintBase):
    """A document generated from the inputs."""

    type: Literal["PipeDocGen"]
    format: Literal["pdf", "xlsx", "docx", "pptx"]
    template: str | None = None
    template_file: str | None = None
    filename: str | None = None
    model: ModelChoice | None = None
