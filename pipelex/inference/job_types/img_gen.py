"""A PipeImgGen's job: imported the first time a pipe of the kind runs (see :mod:`pipelex.inference.jobs`)."""

from typing import Literal

from pipelex.inference.job_types.base import Job


class ImgGenJob(Job):
    """Images from a prompt."""

    kind: Literal["img_gen"] = "img_gen"
    prompt: str
    negative_prompt: str | None = None
    nb_images: int = 1
    aspect_ratio: str | None = None
    output_format: str | None = None
