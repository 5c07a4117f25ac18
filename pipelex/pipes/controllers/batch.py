"""PipeBatch: a branch pipe run once per item of a list input."""

from __future__ import annotations

from pipelex.concepts.natives import ListContent, StoredListContent
from pipelex.errors import PipeRunError
from pipelex.language.blueprint import PipeBatchBlueprint
from pipelex.language.library import PipeEntry
from pipelex.memory.stuff import PipeResult, WorkingMemory
from pipelex.pipes.context import RunContext
from pipelex.pipes.controllers.batching import run_over_items
from pipelex.pipes.runtime import ResolvedInputs, check_output, make_output, output_spec


async def run(
    entry: PipeEntry,
    pipe: PipeBatchBlueprint,
    inputs: ResolvedInputs,
    memory: WorkingMemory,
    ctx: RunContext,
    output_name: str,
) -> PipeResult:
    """Run the branch for each item of ``input_list_name``."""
    items = inputs.stuffs.get(pipe.input_list_name)
    if items is None:
        raise PipeRunError(
            f"pipe {entry.code!r}: the list input {pipe.input_list_name!r} is absent", pipe_code=entry.code
        )
    target = ctx.library.resolve_pipe(pipe.branch_pipe_code, entry.domain)
    if target is None:  # pragma: no cover - static validation rejects this first
        raise PipeRunError(
            f"pipe {entry.code!r}: unknown branch pipe {pipe.branch_pipe_code!r}", pipe_code=entry.code
        )
    result = await run_over_items(target, items, pipe.input_item_name, memory, ctx, output_name=output_name)
    assert isinstance(result.content, ListContent)
    if isinstance(
        result.content, StoredListContent
    ):  # kept by reference: checked as a whole, not item by item
        spec, declared = output_spec(entry, ctx)
        return check_output(entry, ctx, result.model_copy(update={"stuff_name": entry.code}), spec, declared)
    return make_output(
        entry, ctx, list(result.content.items), concept=ctx.library.concepts.concepts[result.concept]
    )
