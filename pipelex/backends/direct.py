"""The direct backend: every pipe runs in the caller's asyncio loop."""

from __future__ import annotations

from pipelex.language.library import PipeEntry
from pipelex.memory.stuff import PipeResult, WorkingMemory
from pipelex.pipes.context import RunContext
from pipelex.pipes.runtime import run_pipe


class DirectPipeRouter:
    """Runs pipes in-process."""

    name = "direct"

    async def run(self, entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, *, output_name: str) -> PipeResult:
        """Run ``entry`` here and now."""
        return await run_pipe(entry, memory, ctx, output_name=output_name)
