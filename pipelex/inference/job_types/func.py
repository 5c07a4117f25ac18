"""A PipeFunc's job: imported the first time a pipe of the kind runs (see :mod:`pipelex.inference.jobs`)."""

from typing import Literal

from pipelex.inference.job_types.base import Job


class FuncJob(Job):
    """A Python function called by import path."""

    kind: Literal["func"] = "func"
    function_name: str
    concept_ref: str
