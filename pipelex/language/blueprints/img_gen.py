"""PipeImgGen's blueprint: an image generation.

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Literal

from pipelex.language.blueprints.base import ModelChoice, PipeBlueprintBase

AspectRatio = Literal[
    "square",
    "landscape_4_3",
    "landscape_3_2",
    "landscape_16_9",
    "landscape_21_9",
    "landscape_4_1",
    "landscape_8_1",
    "portrait_3_4",
    "portrait_2_3",
    "portrait_9_16",
    "portrait_9_21",
    "portrait_1_4",
    "portrait_1_8",
]


class PipeImgGenBlueprint(PipeBlueprintBase):
    """An image generation."""

    type: Literal["PipeImgGen"]
    prompt: str
    negative_prompt: str | None = None
    model: ModelChoice | None = None
    aspect_ratio: AspectRatio | None = None
    size: str | None = None
    is_raw: bool | None = None
    seed: int | Literal["auto"] | None = None
    background: Literal["transparent", "opaque", "auto"] | None = None
    output_format: Literal["png", "jpeg", "webp"] | None = None
