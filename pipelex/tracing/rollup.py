"""The usage roll-up of an execution graph: operator usage summed into each controller and into the run.

It lives with the graph it walks; the usage model it sums (:class:`~pipelex.reporting.usage.UsageReport`) is
below, in reporting, which the tracer also uses when it folds a huge batch out of memory.
"""

from __future__ import annotations

from typing import Any

from pipelex.reporting.usage import UsageReport
from pipelex.tracing.graph import ExecutionGraph, GraphNode


def roll_up(graph: ExecutionGraph) -> UsageReport:
    """Sum operator usage into every controller node (subtree totals) and return the run's report.

    Operator nodes keep the usage they recorded; each controller's ``usage`` becomes the sum over its
    subtree; ``graph.usage`` becomes the run's totals. Nodes that only *checked* an outcome (dry run)
    count like any other: a dry run records no usage anyway.
    """
    # the usage of runs folded out of a big graph (already summed per controller): counted in their controller
    folded = {f.parent: f.usage for f in graph.folded if f.usage}
    run = UsageReport.empty()
    if not folded and not _any_operator_usage(graph):
        # nothing to sum (a dry run): no controller gets a usage, the run's is empty; the walk below would make
        # and merge an empty report per node to find that
        graph.usage = run.graph_json()
        return run
    roots, children = graph.tree()
    by_id = graph.node_map()
    for root in roots:
        run.merge(_fill(root.id, by_id, children, folded))
    graph.usage = run.graph_json()
    return run


def _fill(
    node_id: str,
    by_id: dict[str, GraphNode],
    children: dict[str, list[GraphNode]],
    folded: dict[str, dict[str, Any]],
) -> UsageReport:
    """The usage of ``node_id``'s subtree, set on it when it is a controller that called something.

    A function of the module, not a closure of :func:`roll_up` that calls itself by name: such a closure refers to
    itself (a reference cycle), which would keep the whole graph's nodes alive until the cyclic collector ran."""
    node = by_id[node_id]
    report = UsageReport.from_json(node.usage) if node.kind == "operator" else UsageReport.empty()
    if node_id in folded:
        report.merge(UsageReport.from_json(folded[node_id]))
    for child in children.get(node_id, []):
        report.merge(_fill(child.id, by_id, children, folded))
    if node.kind == "controller" and report.calls:
        node.usage = report.to_json()
    return report


def _any_operator_usage(graph: ExecutionGraph) -> bool:
    """Whether an operator node recorded usage (only theirs is summed: a controller's is made by the roll-up)."""
    for node in graph.nodes:
        if node.usage and node.kind == "operator":
            return True
    return False
