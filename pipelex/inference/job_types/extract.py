"""A PipeExtract's job: imported the first time a pipe of the kind runs (see :mod:`pipelex.inference.jobs`)."""

from typing import Literal

from pydantic import Field

from pipelex.config.run_settings import LimitsConfig
from pipelex.inference.job_types.base import Job


class ExtractJob(Job):
    """Pages extracted from a document or an image."""

    kind: Literal["extract"] = "extract"
    source_url: str
    source_kind: Literal["image", "document"]
    page_views: bool = False
    page_views_dpi: int = 72
    nb_extract_pages: int = 4
    # the run's limits: a PDF is opened in a process bounded by them (pipelex.inference.live.pdf_reader)
    limits: LimitsConfig = Field(default_factory=LimitsConfig.model_construct)
