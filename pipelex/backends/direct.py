"""The direct backend: every pipe runs in the caller's asyncio loop."""

from __future__ import annotations

from pipelex.config.run_settings import RunSettings
from pipelex.language.library import Library, PipeEntry
from pipelex.memory.stuff import Absence, PipeResult, Stuff, WorkingMemory
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipes.context import RunContext
from pipelex.pipes.runtime import run_pipe
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


class DirectPipeRouter:
    """Runs pipes in-process."""

    name = "direct"

    async def run(
        self, entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, *, output_name: str
    ) -> PipeResult:
        """Run ``entry`` here and now."""
        return await run_pipe(entry, memory, ctx, output_name=output_name)

    async def run_items(
        self,
        entry: PipeEntry,
        items: Stuff,
        item_name: str,
        memory: WorkingMemory,
        ctx: RunContext,
        *,
        output_name: str,
    ) -> list[Stuff | Absence]:
        """Run ``entry`` once per item, here, concurrently up to the run's bound."""
        from pipelex.pipes.controllers.batching import run_each

        return await run_each(entry, items, item_name, memory, ctx, output_name=output_name)
