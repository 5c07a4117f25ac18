"""Token usage and cost of a run. A dry run reports zero tokens and no cost report."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ModelUsage(BaseModel):
    """Tokens and cost for one model."""

    model: str
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class UsageReport(BaseModel):
    """The usage of a run, by model."""

    by_model: dict[str, ModelUsage] = Field(default_factory=dict)

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens over every model."""
        return sum(u.input_tokens + u.output_tokens for u in self.by_model.values())

    @property
    def total_cost_usd(self) -> float:
        """The cost of the run in USD."""
        return sum(u.cost_usd for u in self.by_model.values())

    @property
    def is_reportable(self) -> bool:
        """False when there is nothing to report (a dry run): the cost report is then suppressed."""
        return self.total_tokens > 0

    def to_json(self) -> dict[str, object]:
        """JSON with totals."""
        return {"total_tokens": self.total_tokens, "total_cost_usd": self.total_cost_usd,
                "by_model": {k: v.model_dump() for k, v in self.by_model.items()}}
