"""PipeParallel's blueprint: branches run concurrently.

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Literal

from pydantic import Field

from pipelex.language.blueprints.base import Blueprint, ControllerBlueprintBase


class BranchBlueprint(Blueprint):
    """A parallel branch."""

    pipe: str
    result: str | None = None
    batch_over: str | None = None
    batch_as: str | None = None


class PipeParallelBlueprint(ControllerBlueprintBase):
    """Branches run concurrently."""

    type: Literal["PipeParallel"]
    branches: list[BranchBlueprint] = Field(min_length=1)
    add_each_output: bool = False
