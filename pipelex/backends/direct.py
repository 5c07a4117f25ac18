"""The direct backend: every pipe runs in the caller's asyncio loop."""

from __future__ import annotations

from pipelex.language.library import Library, PipeEntry
from pipelex.memory.stuff import PipeResult, WorkingMemory
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipes.context import RunContext, RunSettings
from pipelex.pipes.runtime import run_pipe
from pipelex.tracing.tracer import GraphTracer


async def run_in_process(entry: PipeEntry, memory: WorkingMemory, library: Library, *, run_mode: PipeRunMode,
                         settings: RunSettings, tracer: GraphTracer) -> PipeResult:
    """Run ``entry`` (and every pipe below it) in this process."""
    router = DirectPipeRouter()
    ctx = RunContext(library=library, run_mode=run_mode, settings=settings, tracer=tracer, router=router)
    return await router.run(entry, memory, ctx, output_name=entry.code)


class DirectPipeRouter:
    """Runs pipes in-process."""

    name = "direct"

    async def run(self, entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, *, output_name: str) -> PipeResult:
        """Run ``entry`` here and now."""
        return await run_pipe(entry, memory, ctx, output_name=output_name)
