"""PipeParallel: branches run concurrently, each on its own copy of the memory; results merged back."""

from __future__ import annotations

from pipelex.concepts.natives import CompositeContent, StuffContent
from pipelex.concepts.values import ContentError, to_content
from pipelex.errors import PipeRunError
from pipelex.language.blueprint import BranchBlueprint, PipeParallelBlueprint
from pipelex.language.library import PipeEntry
from pipelex.memory.stuff import PipeResult, Stuff, WorkingMemory
from pipelex.pipes.context import RunContext
from pipelex.pipes.controllers.batching import run_step
from pipelex.pipes.controllers.concurrently import run_all
from pipelex.pipes.runtime import make_output, output_spec


async def run(
    entry: PipeEntry, pipe: PipeParallelBlueprint, memory: WorkingMemory, ctx: RunContext, output_name: str
) -> PipeResult:
    """Run the branches, then build a Composite or the declared structure from their results."""

    async def one(branch: BranchBlueprint) -> tuple[str, PipeResult]:
        target = ctx.library.resolve_pipe(branch.pipe, entry.domain)
        if target is None:  # pragma: no cover - static validation rejects this first
            raise PipeRunError(
                f"pipe {entry.code!r}: unknown branch pipe {branch.pipe!r}", pipe_code=entry.code
            )
        name = branch.result or target.code
        result = await run_step(
            target,
            memory.fork(),
            ctx,
            output_name=name,
            batch_over=branch.batch_over,
            batch_as=branch.batch_as,
        )
        ctx.count("branches", advance=1)
        return name, result

    ctx.count("branches", total=len(pipe.branches))
    results = await run_all([one(branch) for branch in pipe.branches])
    if pipe.add_each_output:
        for name, result in results:
            memory.store(name, result, main=False)
    present = {name: r for name, r in results if isinstance(r, Stuff)}
    _, concept = output_spec(entry, ctx)
    if concept.ref == "native.Composite":
        return make_output(
            entry, ctx, CompositeContent.model_validate({n: s.content for n, s in present.items()})
        )
    data = {name: stuff.content.model_dump() for name, stuff in present.items()}
    try:
        content: StuffContent = to_content(data, concept, ctx.library.concepts)
    except ContentError as exc:
        raise PipeRunError(
            f"pipe {entry.code!r} produced an output that does not fit the concept {concept.ref} at "
            f"the fields {', '.join(data)}: {exc}; fields that hold branch results must be "
            'concept-typed (type = "concept")',
            pipe_code=entry.code,
            error_type="pipe_output_invalid",
        ) from exc
    return make_output(entry, ctx, content)
