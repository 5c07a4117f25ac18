"""PipeSignature's blueprint: a pipe's contract alone (a signature).

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Literal

from pipelex.language.blueprints.base import PipeBlueprintBase


class PipeSignatureBlueprint(PipeBlueprintBase):
    """A pipe's contract alone (inputs, output, description): valid, not runnable until a concrete pipe replaces it.

    Bundles write it without ``type``, as ``signature_for = "PipeLLM"``; the parser tags it ``PipeSignature``.
    """

    type: Literal["PipeSignature"]
    signature_for: str | None = None
