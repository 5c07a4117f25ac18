"""A PipeSearch's job: imported the first time a pipe of the kind runs (see :mod:`pipelex.inference.jobs`)."""

from typing import Literal

from pipelex.inference.job_types.base import Job


class SearchJob(Job):
    """A web search."""

    kind: Literal["search"] = "search"
    prompt: str
    max_results: int | None = None
