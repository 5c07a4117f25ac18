"""The end-of-run cost report: a table by model (calls, tokens by category, cost), with a total line."""

from __future__ import annotations

from pipelex.reporting.usage import UsageReport


def render_cost_table(usage: UsageReport) -> str:
    """A plain-text table of calls, input (of which cached), output (of which reasoning) tokens and USD per model."""
    header = (
        f"{'model':<26} {'backend':<10} {'calls':>6} {'input tok':>10} {'cached':>8} {'output tok':>10} "
        f"{'reasoning':>9} {'cost USD':>10}"
    )
    lines = ["cost report", header, "-" * len(header)]
    for item in sorted(usage.by_model.values(), key=lambda u: (-u.cost_usd, u.model)):
        cost = f"{'unpriced':>10}" if item.unpriced else f"{item.cost_usd:>10.4f}"
        lines.append(
            f"{item.model[:26]:<26} {item.backend[:10]:<10} {item.calls:>6} {item.input_tokens:>10} "
            f"{item.input_cached_tokens:>8} {item.output_tokens:>10} {item.output_reasoning_tokens:>9} "
            f"{cost}"
        )
    lines.append("-" * len(header))
    cached = sum(u.input_cached_tokens for u in usage.by_model.values())
    reasoning = sum(u.output_reasoning_tokens for u in usage.by_model.values())
    every_unpriced = bool(usage.by_model) and all(u.unpriced for u in usage.by_model.values())
    total = f"{'unpriced':>10}" if every_unpriced else f"{usage.total_cost_usd:>10.4f}"  # not $0: unknown
    lines.append(
        f"{'total':<26} {'':<10} {usage.calls:>6} {usage.input_tokens:>10} {cached:>8} "
        f"{usage.output_tokens:>10} {reasoning:>9} {total}"
    )
    if usage.unpriced_models:
        lines.append(
            f"unpriced (no known price, not in the total): {', '.join(usage.unpriced_models)}; a handle's list "
            "price applies only on its backend's official host: declare `costs` on the handle in "
            "[models.handles] to price it"
        )
    return "\n".join(lines)
