"""PipeBatch's blueprint: a branch pipe run once per item of a list.

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Literal

from pipelex.language.blueprints.base import ControllerBlueprintBase


class PipeBatchBlueprint(ControllerBlueprintBase):
    """A branch pipe run once per item of a list."""

    type: Literal["PipeBatch"]
    branch_pipe_code: str
    input_list_name: str
    input_item_name: str
