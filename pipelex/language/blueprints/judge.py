"""PipeJudge's blueprint: a judgment: yes/no, a choice among options, or a rating.

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Any, Literal

from pydantic import model_validator

from pipelex.language.blueprints.base import Blueprint, ModelChoice, PipeBlueprintBase


class JudgeLevel(Blueprint):
    """One level of a rating scale."""

    label: str
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _label_alone(cls, data: Any) -> Any:
        """A level written as a bare string is its label (``levels = ["low", "high"]``, as the reference reads it)."""
        return {"label": data} if isinstance(data, str) else data


class JudgeCriteria(Blueprint):
    """What yes and no mean for a yes/no question."""

    yes: str
    no: str


class JudgeQuestion(Blueprint):
    """One question of a judgment."""

    question: str
    options: dict[str, str] | None = None
    levels: list[JudgeLevel] | None = None
    criteria: JudgeCriteria | None = None
    threshold: float | None = None


class PipeJudgeBlueprint(PipeBlueprintBase):
    """A judgment: yes/no, a choice among options, or a rating."""

    type: Literal["PipeJudge"]
    prompt: str
    model: ModelChoice | None = None
    question: str | None = None
    options: dict[str, str] | None = None
    levels: list[JudgeLevel] | None = None
    criteria: JudgeCriteria | None = None
    threshold: float | None = None
    questions: dict[str, JudgeQuestion] | None = None
