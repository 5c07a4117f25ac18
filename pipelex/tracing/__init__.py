"""Execution-graph tracing (SPEC §10).

Every run records a graph: a node per pipe run, ``contains`` edges controller → child, ``data``
edges producer → consumer (matched by stuff digest) and ``selected_outcome`` edges for
conditions. The modules are:

- :mod:`pipelex.tracing.graph`: the pydantic models (:class:`ExecutionGraph`, nodes, edges, IO
  items) and :func:`digest`, the content digest used to match producers and consumers;
- :mod:`pipelex.tracing.tracer`: :class:`GraphTracer`, the cheap in-process recorder the runtime
  calls at the start and end of every pipe run;
- :mod:`pipelex.tracing.mermaid`: :func:`render_mermaid`, a Mermaid ``flowchart LR``;
- :mod:`pipelex.tracing.html`: :func:`render_html`, one self-contained HTML page (no CDN).

This package docstring imports nothing on purpose: import the submodule you need.
"""
