"""A PipeDocGen's job: imported the first time a pipe of the kind runs (see :mod:`pipelex.inference.jobs`)."""

from typing import Literal

from pipelex.inference.job_types.base import Job


class DocGenJob(Job):
    """A document generated from text."""

    kind: Literal["doc_gen"] = "doc_gen"
    format: str
    filename: str
    text: str
    title: str | None = None
