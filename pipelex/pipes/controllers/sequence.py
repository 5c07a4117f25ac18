"""PipeSequence: steps in order over one working memory; pipe steps, batch steps and binding steps."""

from __future__ import annotations

from dataclasses import replace

from pipelex.concepts.natives import ListContent
from pipelex.errors import PipeRunError
from pipelex.language.blueprint import PipeSequenceBlueprint, StepBlueprint
from pipelex.language.library import PipeEntry
from pipelex.memory.stuff import Absence, PipeResult, WorkingMemory
from pipelex.pipes.context import OutputOverride, RunContext
from pipelex.pipes.controllers.batching import run_step
from pipelex.pipes.runtime import PathUnresolvedError, extract_path, output_spec


async def run(
    entry: PipeEntry, pipe: PipeSequenceBlueprint, memory: WorkingMemory, ctx: RunContext, output_name: str
) -> PipeResult:
    """Run every step; the last step's result is the sequence's output."""
    last: PipeResult | None = None
    ctx.count("steps", total=len(pipe.steps))
    for step in pipe.steps:
        if step.is_binding:
            name = step.result or ""
            last = bind(entry, step, memory, ctx)
            memory.store(name, last)
            ctx.count("steps", advance=1)
            continue
        target = ctx.library.resolve_pipe(step.pipe or "", entry.domain)
        if target is None:  # pragma: no cover - static validation rejects this first
            raise PipeRunError(f"pipe {entry.code!r}: unknown step pipe {step.pipe!r}", pipe_code=entry.code)
        name = step.result or target.code
        # the step's pipe makes a list; a batched step's result is already the list of its branches' outputs,
        # as static validation reads it (each branch keeps the pipe's declared output)
        override = None if step.batch_over else OutputOverride.of_step(step.nb_output, step.multiple_output)
        step_ctx = ctx if override is None else replace(ctx, output_override=override)
        last = await run_step(
            target, memory, step_ctx, output_name=name, batch_over=step.batch_over, batch_as=step.batch_as
        )
        memory.store(name, last)
        if step.batch_over:
            ctx.count("items", total=0)  # the step's batch is over
        ctx.count("steps", advance=1)
    assert last is not None
    if isinstance(last, Absence):
        return last
    declared = output_spec(entry, ctx)[0]
    if declared.is_list and not last.is_list:
        return last.model_copy(update={"content": ListContent(items=[last.content])})
    return last


def bind(entry: PipeEntry, step: StepBlueprint, memory: WorkingMemory, ctx: RunContext) -> PipeResult:
    """A binding step: the value at ``from`` (a deep copy), as its declared-structure concept."""
    path = step.from_ or ""
    result_name = step.result or ""
    root, *segments = path.split(".")
    described = f'{{ from = "{path}", result = "{result_name}" }}'
    stuff = memory.get(root)
    if stuff is None:
        upstream = memory.absence(root)
        reason = (
            f"the binding step {described} of pipe {entry.code!r} bound nothing, because {root!r} is absent"
            if upstream
            else f"the binding step {described} of pipe {entry.code!r} found no {root!r}"
        )
        return Absence(variable_name=result_name, kind="declared_absent", reason=reason, upstream=upstream)
    concept = ctx.library.concepts.concepts.get(stuff.concept)
    if concept is None:
        raise PipeRunError(
            f"pipe {entry.code!r}: {root!r} holds the unknown concept {stuff.concept!r}", pipe_code=entry.code
        )
    try:
        bound = extract_path(stuff, concept, root, segments, ctx, name=result_name, content_fields=False)
    except PathUnresolvedError as exc:
        raise PipeRunError(
            f"pipe {entry.code!r}: the binding step {described} cannot be resolved: {exc}",
            pipe_code=entry.code,
            error_type="binding_path_unresolved",
        ) from exc
    if bound is None:
        return Absence(
            variable_name=result_name,
            kind="declared_absent",
            reason=f"the binding step {described} of pipe {entry.code!r} bound nothing, because "
            f"{path!r} holds nothing",
        )
    return bound
