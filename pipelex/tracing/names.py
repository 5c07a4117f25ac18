"""The names an execution graph's nodes, edges and IO items take: plain literals, no model.

:mod:`pipelex.tracing.graph` types its models with them; the tracer and the validation sweep check statuses and
modes against them without importing the graph's pydantic models (a validate builds no graph)."""

from typing import Literal

NodeKind = Literal["controller", "operator"]
NodeStatus = Literal["running", "succeeded", "failed", "checked", "skipped"]
EdgeKind = Literal["contains", "data", "selected_outcome"]
Multiplicity = Literal["single", "list"]
RunModeName = Literal["live", "dry"]

NODE_STATUSES: tuple[str, ...] = ("running", "succeeded", "failed", "checked", "skipped")
