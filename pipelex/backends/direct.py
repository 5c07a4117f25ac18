"""The direct backend: every pipe runs in the caller's asyncio loop."""

from __future__ import annotations

from pipelex.config.run_settings import RunSettings
from pipelex.language.library import Library, PipeEntry
from pipelex.memory.stuff import PipeResult, WorkingMemory
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipes.context import RunContext
from pipelex.pipes.in_process import InProcessRouter
from pipelex.tracing.tracer import GraphTracer


async def run_in_process(
    entry: PipeEntry,
    memory: WorkingMemory,
    library: Library,
    *,
    run_mode: PipeRunMode,
    settings: RunSettings,
    tracer: GraphTracer,
    export_spans: bool = False,
) -> PipeResult:
    """Run ``entry`` (and every pipe below it) in this process.

    ``export_spans``: a pipeline run (not a validation sweep) exports its spans when tracing is configured.
    """
    router = DirectPipeRouter()
    ctx = RunContext(library=library, run_mode=run_mode, settings=settings, tracer=tracer, router=router)
    if not export_spans:
        return await router.run(entry, memory, ctx, output_name=entry.code)
    from pipelex.boot import Pipelex
    from pipelex.tracing.otel import otel_run

    async with otel_run(Pipelex.config(), entry.code, backend="direct") as trace:
        try:
            return await router.run(entry, memory, ctx, output_name=entry.code)
        finally:
            if trace is not None:  # the spans of the pipe runs, also those of a failed run so far
                trace.export(tracer.build())


# the direct backend's router is the in-process one (the validation sweep uses it too)
DirectPipeRouter = InProcessRouter
