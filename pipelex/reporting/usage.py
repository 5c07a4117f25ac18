"""Token usage and cost: per provider call, per leaf, per pipe and per run.

A provider call reports a :class:`TokenUsage` to the *usage sink* of the leaf making it
(:func:`collect_usage`, a context variable in :mod:`pipelex.reporting.usage_sink`: no module-global state). The leaf's operator then records
the sum on its own graph node (``GraphTracer.add_usage``), so usage travels with the node's data
wherever the leaf ran (in-process, or in a Temporal activity whose node comes back to the workflow).
After the run, :func:`pipelex.tracing.rollup.roll_up` sums the operator nodes of the graph into each controller node and into
the run's :class:`UsageReport` (``graph.usage`` = ``{"total": {...}, "by_model": {...}}``). A dry run records
nothing: zero tokens, and no cost report.

Usage of a node (``GraphNode.usage``) is plain JSON::

    {"calls": 2, "input_tokens": 120, "input_cached_tokens": 0, "output_tokens": 40,
     "output_reasoning_tokens": 0, "cost_usd": 0.0007,
     "by_model": {"gpt-4o": {"model": "gpt-4o", "model_id": "gpt-4o", "backend": "openai", "calls": 2, ...}}}
"""

from contextlib import AbstractContextManager
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipelex.concepts.natives import constructed
from pipelex.narrowing import is_dict
from pipelex.reporting import usage_sink

TOKEN_FIELDS = ("input_tokens", "input_cached_tokens", "output_tokens", "output_reasoning_tokens")


class ModelUsage(BaseModel):
    """Calls, tokens by category and cost for one model handle."""

    # defer_build: built when a run first reports usage (a validation or a dry run may report none)
    model_config = ConfigDict(defer_build=True)

    model: str
    model_id: str = ""
    backend: str = ""
    calls: int = 0
    input_tokens: int = 0
    input_cached_tokens: int = 0
    output_tokens: int = 0
    output_reasoning_tokens: int = 0
    cost_usd: float = 0.0
    unpriced: bool = (
        False  # no price is known for this model where it was called: ``cost_usd`` counts nothing
    )

    def add(self, other: "ModelUsage") -> None:
        """Add ``other``'s counts to these."""
        self.calls += other.calls
        for name in TOKEN_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.cost_usd += other.cost_usd
        self.unpriced = self.unpriced or other.unpriced


class TokenUsage(ModelUsage):
    """What one provider call reports (``calls`` = 1)."""

    calls: int = 1


class UsageReport(BaseModel):
    """The usage of a run (or of a subtree), by model."""

    model_config = ConfigDict(defer_build=True)

    by_model: dict[str, ModelUsage] = Field(default_factory=dict)

    @classmethod
    def empty(cls) -> "UsageReport":
        """A report of nothing (what ``UsageReport()`` validates to, without building the validator: a dry run,
        whose graph's every node starts from one, reports no usage).

        Built as ``model_construct()`` builds it (no field set, ``by_model`` empty), without its generic work:
        for a field with a ``default_factory`` it asks ``inspect.signature`` whether the factory takes the
        validated data (~5 µs; the roll-up makes one per graph node)."""
        return constructed(cls, {"by_model": {}}, set())

    def add(self, usage: ModelUsage) -> None:
        """Add one model's usage."""
        current = self.by_model.get(usage.model)
        if current is None:
            self.by_model[usage.model] = usage.model_copy()
        else:
            current.add(usage)

    def merge(self, other: "UsageReport") -> None:
        """Add every model of ``other``."""
        for usage in other.by_model.values():
            self.add(usage)

    @property
    def calls(self) -> int:
        """Provider calls over every model."""
        return sum(u.calls for u in self.by_model.values())

    @property
    def input_tokens(self) -> int:
        """Input tokens over every model."""
        return sum(u.input_tokens for u in self.by_model.values())

    @property
    def output_tokens(self) -> int:
        """Output tokens over every model."""
        return sum(u.output_tokens for u in self.by_model.values())

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens over every model."""
        return self.input_tokens + self.output_tokens

    @property
    def total_cost_usd(self) -> float:
        """The cost in USD."""
        return sum(u.cost_usd for u in self.by_model.values())

    @property
    def unpriced_models(self) -> list[str]:
        """The models called without a known price (their tokens are counted, their cost is not)."""
        return sorted(u.model for u in self.by_model.values() if u.unpriced)

    @property
    def is_reportable(self) -> bool:
        """False when there is nothing to report (a dry run): the cost report is then suppressed."""
        return self.calls > 0 and self.total_tokens > 0

    def to_json(self) -> dict[str, Any]:
        """Totals by category, and by model (the shape of a graph node's ``usage``)."""
        totals: dict[str, Any] = {"calls": self.calls}
        for name in TOKEN_FIELDS:
            totals[name] = sum(getattr(u, name) for u in self.by_model.values())
        totals["total_tokens"] = self.total_tokens
        totals["cost_usd"] = round(self.total_cost_usd, 10)
        totals["total_cost_usd"] = totals["cost_usd"]
        totals["unpriced_models"] = self.unpriced_models
        totals["by_model"] = {k: v.model_dump() for k, v in self.by_model.items()}
        return totals

    def graph_json(self) -> dict[str, Any]:
        """The run's usage as ``graph.usage`` holds it: ``{"total": {...}, "by_model": {...}}``."""
        data = self.to_json()
        by_model = data.pop("by_model")
        return {"total": data, "by_model": by_model}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "UsageReport":
        """Read back :meth:`to_json` (a node's ``usage``); anything else gives an empty report."""
        report = cls.empty()
        if not data:
            return report
        by_model = data.get("by_model")
        if is_dict(by_model):
            for value in by_model.values():
                if is_dict(value):
                    report.add(ModelUsage.model_validate(value))
        return report


# ---------------------------------------------------------------------------------------------------- the sink

# (the sink itself is pipelex.reporting.usage_sink: a leaf collects without creating the models above)


def collect_usage() -> AbstractContextManager[list[TokenUsage]]:
    """Collect the usage the provider calls made inside the block report (tasks started inside share it)."""
    return usage_sink.collect_usage()


def record_usage(usage: TokenUsage) -> None:
    """Report one provider call's usage to the current sink (dropped when no leaf collects it)."""
    usage_sink.record_usage(usage)


def report_of(records: list[TokenUsage]) -> UsageReport:
    """The report of some provider calls."""
    report = UsageReport.empty()
    for record in records:
        report.add(record)
    return report
