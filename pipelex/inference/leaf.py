"""The leaf: the one place where the run mode is honoured. A job's mode picks the content generator."""

from __future__ import annotations

from functools import cache

from pipelex.inference.jobs import Job
from pipelex.inference.protocol import ContentGenerator
from pipelex.pipe_run.pipe_run_mode import PipeRunMode


@cache
def _dry() -> ContentGenerator:
    from pipelex.inference.dry.generator import DryContentGenerator

    return DryContentGenerator()


@cache
def _live() -> ContentGenerator:
    from pipelex.inference.live.generator import LiveContentGenerator

    return LiveContentGenerator()


def content_generator_for(job: Job) -> ContentGenerator:
    """The generator that honours ``job.run_mode``: live calls providers, dry builds mocks."""
    match job.run_mode:
        case PipeRunMode.DRY:
            return _dry()
        case PipeRunMode.LIVE:
            return _live()
