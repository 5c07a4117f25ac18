"""PipeSequence's blueprint: steps run in order over one working memory.

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Literal

from pydantic import Field

from pipelex.language.blueprints.base import Blueprint, ControllerBlueprintBase


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


class PipeSequenceBlueprint(ControllerBlueprintBase):
    """Steps run in order over one working memory."""

    type: Literal["PipeSequence"]
    steps: list[StepBlueprint] = Field(min_length=1)
