"""PipeFunc's blueprint: a Python function called by import path.

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Literal

from pipelex.language.blueprints.base import PipeBlueprintBase


class PipeFuncBlueprint(PipeBlueprintBase):
    """A Python function called by import path."""

    type: Literal["PipeFunc"]
    function_name: str
