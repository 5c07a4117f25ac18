"""The end-of-run cost report: a table by model."""

from __future__ import annotations

from pipelex.reporting.usage import UsageReport


def render_cost_table(usage: UsageReport) -> str:
    """A plain-text table of calls, tokens and cost per model, with a total line."""
    lines = [f"{'model':<28} {'calls':>6} {'input tok':>10} {'output tok':>10} {'cost USD':>10}"]
    for item in usage.by_model.values():
        lines.append(f"{item.model:<28} {item.calls:>6} {item.input_tokens:>10} {item.output_tokens:>10} "
                     f"{item.cost_usd:>10.4f}")
    lines.append(f"{'total':<28} {'':>6} {'':>10} {usage.total_tokens:>10} {usage.total_cost_usd:>10.4f}")
    return "\n".join(lines)
