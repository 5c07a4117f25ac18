"""The in-process pipe router: every pipe runs in the caller's asyncio loop.

It is the router of the direct backend (``pipelex.backends.direct``), of the validation sweep's dry runs and of
the pipes a Temporal activity runs in place; it lives with the pipes because it is nothing but the interpreter
(:func:`~pipelex.pipes.runtime.run_pipe`) called here and now.
"""

from __future__ import annotations

from pipelex.language.library import PipeEntry
from pipelex.memory.stuff import PipeResult, Stuff, WorkingMemory
from pipelex.pipes.context import RunContext
from pipelex.pipes.controllers.batching import run_assembled
from pipelex.pipes.runtime import run_pipe


class InProcessRouter:
    """Runs pipes in this process (a :class:`~pipelex.pipes.context.PipeRouter`)."""

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
    ) -> Stuff:
        """Run ``entry`` once per item, here, concurrently up to the run's bound: the output list, assembled as
        the items finish (each item's result is not kept past its content)."""
        return await run_assembled(entry, items, item_name, memory, ctx, output_name=output_name)

    async def run_steps(
        self, entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, *, start: int, stop: int
    ) -> PipeResult:
        """Run steps ``start`` to ``stop`` of the sequence ``entry`` here."""
        from pipelex.pipes.controllers.sequence import run_steps

        return await run_steps(entry, memory, ctx, start=start, stop=stop)
