"""A PipeJudge's job: imported the first time a pipe of the kind runs (see :mod:`pipelex.inference.jobs`)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipelex.inference.job_types.base import Job


class JudgeQuestionJob(BaseModel):
    """One question of a judgment job."""

    model_config = ConfigDict(defer_build=True)  # built with the first JudgeJob only

    key: str | None = None
    question: str
    judgment: Literal["yes_no", "choice", "rating"]
    options: list[str] = Field(default_factory=lambda: [])
    levels: list[str] = Field(default_factory=lambda: [])
    threshold: float | None = None


class JudgeJob(Job):
    """A judgment."""

    kind: Literal["judge"] = "judge"
    prompt: str
    questions: list[JudgeQuestionJob]
