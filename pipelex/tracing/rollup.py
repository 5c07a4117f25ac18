"""The usage roll-up of an execution graph: operator usage summed into each controller and into the run.

It lives with the graph it walks; the usage model it sums (:class:`~pipelex.reporting.usage.UsageReport`) is
below, in reporting, which the tracer also uses when it folds a huge batch out of memory.
"""

from __future__ import annotations

from pipelex.reporting.usage import UsageReport
from pipelex.tracing.graph import ExecutionGraph


def roll_up(graph: ExecutionGraph) -> UsageReport:
    """Sum operator usage into every controller node (subtree totals) and return the run's report.

    Operator nodes keep the usage they recorded; each controller's ``usage`` becomes the sum over its
    subtree; ``graph.usage`` becomes the run's totals. Nodes that only *checked* an outcome (dry run)
    count like any other: a dry run records no usage anyway.
    """
    roots, children = graph.tree()
    by_id = graph.node_map()
    run = UsageReport.empty()
    # the usage of runs folded out of a big graph (already summed per controller): counted in their controller
    folded = {f.parent: f.usage for f in graph.folded if f.usage}

    def fill(node_id: str) -> UsageReport:
        node = by_id[node_id]
        report = UsageReport.from_json(node.usage) if node.kind == "operator" else UsageReport.empty()
        if node_id in folded:
            report.merge(UsageReport.from_json(folded[node_id]))
        for child in children.get(node_id, []):
            report.merge(fill(child.id))
        if node.kind == "controller" and report.calls:
            node.usage = report.to_json()
        return report

    for root in roots:
        run.merge(fill(root.id))
    graph.usage = run.graph_json()
    return run
