"""OpenTelemetry export: a span per pipe run, over OTLP/HTTP, when an endpoint is configured.

Off unless ``[tracing] otlp_endpoint`` (or the standard ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` /
``OTEL_EXPORTER_OTLP_ENDPOINT``) names a collector; then, and only then, the OpenTelemetry SDK is imported
(the ``otel`` extra). Checking costs one config lookup per run.

A run is one trace. :func:`otel_run` opens the run's span (``pipelex run <pipe>``) around the backend's work;
when the run ends (succeeded or failed) the execution graph is turned into one span per pipe run, nested as
the graph nests them (controller → children, the top pipe under the run span), with the graph's own start and
end times. So both backends export the same spans from the same data. On Temporal, the client connects with
temporalio's ``TracingInterceptor`` while tracing is on: the workflow and activity spans of every worker
(``StartWorkflow``, ``RunWorkflow``, ``StartActivity``, ``RunActivity``), started under the run span, join
the same trace across processes; workers export them when their own environment names a collector.

Span attributes (``pipelex.*``): pipe code, type, domain, concepts in and out, status, run mode, backend,
pipeline run id, and for leaves that called a model: the model, tokens by category and cost
(``gen_ai.request.model``, ``gen_ai.usage.input_tokens``, ``gen_ai.usage.output_tokens``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from pipelex.errors import ConfigError

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

    from pipelex.config.settings import PipelexConfig
    from pipelex.tracing.graph import ExecutionGraph, GraphNode

INSTRUMENTATION_NAME = "pipelex"
_tracers: dict[tuple[str, str], Any] = {}  # (endpoint, service name) -> (provider, tracer): one per process


def traces_endpoint(config: PipelexConfig, env: Mapping[str, str] | None = None) -> str | None:
    """The OTLP/HTTP traces URL to export to, or None when tracing is off.

    ``[tracing] otlp_endpoint`` wins over the environment; like ``OTEL_EXPORTER_OTLP_ENDPOINT`` it is the
    collector's base URL (``/v1/traces`` is appended); ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` is used as is.
    """
    env = os.environ if env is None else env
    base = config.tracing.otlp_endpoint or env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "")
    if config.tracing.otlp_endpoint or not env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        if not base:
            return None
        base = base.rstrip("/")
        return base if base.endswith("/v1/traces") else f"{base}/v1/traces"
    return env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]


def tracer_for(config: PipelexConfig) -> Tracer | None:
    """The tracer exporting to the configured collector (made once per endpoint), or None when tracing is off."""
    endpoint = traces_endpoint(config)
    if endpoint is None:
        return None
    key = (endpoint, config.tracing.service_name)
    if key not in _tracers:
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError as exc:
            raise ConfigError(
                f"tracing is configured (OTLP endpoint {endpoint}) but the OpenTelemetry SDK is not installed "
                f"({exc.name}): pip install 'pipelex[otel]', or unset [tracing] otlp_endpoint / "
                "OTEL_EXPORTER_OTLP_ENDPOINT"
            ) from exc
        from pipelex.version import __version__

        provider = TracerProvider(
            resource=Resource.create(
                {"service.name": config.tracing.service_name, "service.version": __version__}
            )
        )
        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, timeout=config.tracing.export_timeout_s))
        )
        _tracers[key] = (provider, provider.get_tracer(INSTRUMENTATION_NAME, __version__))
    return _tracers[key][1]


def flush(timeout_s: float = 10.0) -> None:
    """Send every finished span now (a CLI process ends right after its run)."""
    for provider, _ in list(_tracers.values()):
        provider.force_flush(int(timeout_s * 1000))


def temporal_interceptors(config: PipelexConfig) -> list[Any]:
    """temporalio's tracing interceptor when tracing is on (clients and the workers made from them), else none."""
    tracer = tracer_for(config)
    if tracer is None:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor(tracer)]


class RunTrace:
    """The span of one run, and the export of its pipe runs when it ends."""

    def __init__(self, tracer: Tracer, span: Span, *, backend: str) -> None:
        self.tracer = tracer
        self.span = span
        self.backend = backend

    def export(self, graph: ExecutionGraph) -> None:
        """One span per pipe run of ``graph``, nested as the graph nests them, under the run's span."""
        from opentelemetry import trace

        self.span.set_attribute("pipelex.pipeline_run_id", graph.pipeline_run_id)
        self.span.set_attribute("pipelex.run_mode", graph.mode)
        self.span.set_attribute("pipelex.backend", self.backend)
        roots, children = graph.tree()
        stack: list[tuple[GraphNode, Any]] = [(root, trace.set_span_in_context(self.span)) for root in roots]
        while stack:
            node, parent = stack.pop()
            span = self.tracer.start_span(
                f"{node.pipe_type} {node.pipe_code}",
                context=parent,
                start_time=_ns(node.timing.started_at),
                attributes=_attributes(node, graph, self.backend),
            )
            if node.status == "failed":
                span.set_status(trace.Status(trace.StatusCode.ERROR, node.error or "failed"))
            ended = node.timing.ended_at
            span.end(end_time=_ns(ended) if ended is not None else None)
            context = trace.set_span_in_context(span)
            stack.extend((child, context) for child in reversed(children.get(node.id, [])))


@asynccontextmanager
async def otel_run(
    config: PipelexConfig, pipe_code: str, *, backend: str
) -> AsyncGenerator[RunTrace | None, None]:
    """The run's span, current for the block (so Temporal's spans nest under it); None when tracing is off.

    The caller exports its graph with :meth:`RunTrace.export` (also when the run fails, with the graph so far).
    """
    tracer = tracer_for(config)
    if tracer is None:
        yield None
        return
    from opentelemetry import trace

    try:
        with tracer.start_as_current_span(f"pipelex run {pipe_code}", record_exception=True) as span:
            span.set_attribute("pipelex.pipe.code", pipe_code)
            yield RunTrace(tracer, span, backend=backend)
            span.set_status(trace.Status(trace.StatusCode.OK))
    finally:  # a failed run's spans are sent too
        flush(config.tracing.export_timeout_s)


def _ns(epoch_seconds: float) -> int:
    return int(epoch_seconds * 1_000_000_000)


def _attributes(node: GraphNode, graph: ExecutionGraph, backend: str) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "pipelex.pipe.code": node.pipe_code,
        "pipelex.pipe.type": node.pipe_type,
        "pipelex.pipe.kind": node.kind,
        "pipelex.pipe.domain": node.domain,
        "pipelex.pipe.status": node.status,
        "pipelex.concept.in": [f"{i.name}: {i.concept}" for i in node.inputs],
        "pipelex.concept.out": [o.concept for o in node.outputs],
        "pipelex.run_mode": graph.mode,
        "pipelex.backend": backend,
        "pipelex.pipeline_run_id": graph.pipeline_run_id,
    }
    if node.placement:
        attributes.update(
            {f"pipelex.placement.{k}": str(v) for k, v in node.placement.items() if v is not None}
        )
    usage: dict[str, Any] = node.usage or {}
    if usage.get("calls"):
        by_model: dict[str, Any] = usage.get("by_model") or {}
        models = sorted({str(m.get("model_id") or m.get("model") or name) for name, m in by_model.items()})
        if models:
            attributes["gen_ai.request.model"] = models[0] if len(models) == 1 else ",".join(models)
        attributes["gen_ai.usage.input_tokens"] = int(usage.get("input_tokens", 0))
        attributes["gen_ai.usage.output_tokens"] = int(usage.get("output_tokens", 0))
        attributes["pipelex.usage.calls"] = int(usage["calls"])
        if "cost_usd" in usage:
            attributes["pipelex.usage.cost_usd"] = float(usage["cost_usd"])
    return attributes
