"""PipeCondition's blueprint: one outcome pipe chosen by an expression.

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Literal

from pydantic import Field

from pipelex.language.blueprints.base import ControllerBlueprintBase


class PipeConditionBlueprint(ControllerBlueprintBase):
    """One outcome pipe chosen by an expression."""

    type: Literal["PipeCondition"]
    expression: str | None = None
    expression_template: str | None = None
    outcomes: dict[str, str] = Field(default_factory=dict)  # none: the default outcome always runs
    default_outcome: str
    add_alias_from_expression_to: str | None = None
