"""PipeCondition: one outcome pipe chosen by an expression. A dry run also checks the other outcomes."""

from __future__ import annotations

import asyncio

from pipelex.errors import PipeRunError
from pipelex.language.blueprint import PipeConditionBlueprint
from pipelex.language.library import PipeEntry
from pipelex.memory.stuff import Absence, PipeResult, WorkingMemory
from pipelex.pipes.context import RunContext
from pipelex.pipes.rendering import evaluate_expression
from pipelex.pipes.runtime import ResolvedInputs

SPECIAL = frozenset({"fail", "continue"})


async def run(
    entry: PipeEntry,
    pipe: PipeConditionBlueprint,
    inputs: ResolvedInputs,
    memory: WorkingMemory,
    ctx: RunContext,
    output_name: str,
) -> PipeResult:
    """Evaluate, pick the outcome, run it; in a dry run, dry-run the other outcomes on copies of the memory."""
    text = pipe.expression if pipe.expression is not None else (pipe.expression_template or "")
    context = inputs.template_context()
    value = evaluate_expression(
        text,
        context,
        pipe_code=entry.code,
        is_template=pipe.expression is None,
        metadata=inputs.template_metadata(context),
        limits=ctx.settings.limits,
    )
    if pipe.add_alias_from_expression_to:
        from pipelex.concepts.natives import TextContent
        from pipelex.memory.stuff import Stuff

        memory.store(
            pipe.add_alias_from_expression_to,
            Stuff(
                stuff_name=pipe.add_alias_from_expression_to,
                concept="native.Text",
                content=TextContent(text=value),
            ),
            main=False,
        )
    if value == "":
        raise PipeRunError(
            f"pipe {entry.code!r}: the expression {text!r} rendered to an empty string, so no outcome "
            "can be chosen: make it render one of the outcome keys "
            f"({', '.join(pipe.outcomes)})",
            pipe_code=entry.code,
            error_type="condition_refused",
        )
    chosen = pipe.outcomes.get(value, pipe.default_outcome)
    if chosen == "fail" and ctx.explore_all_outcomes:
        # A dry run checks every outcome pipe, as the reference does, and mock data cannot be expected to name
        # an outcome: it goes on through the first outcome pipe instead of failing on a value nobody wrote.
        chosen = next((ref for ref in pipe.outcomes.values() if ref not in SPECIAL), chosen)
    others = [
        ref
        for ref in dict.fromkeys([*pipe.outcomes.values(), pipe.default_outcome])
        if ref != chosen and ref not in SPECIAL
    ]
    if ctx.explore_all_outcomes and others:
        await asyncio.gather(*(_check(entry, ref, memory, ctx, output_name) for ref in others))
    if chosen == "continue":
        return Absence(
            variable_name=output_name,
            kind="declared_absent",
            producing_pipe=entry.code,
            reason=f"condition {entry.code!r} evaluated to {value!r}, which matches no outcome, and its "
            "default_outcome is 'continue'",
        )
    if chosen == "fail":
        raise PipeRunError(
            f"pipe {entry.code!r}: the expression evaluated to {value!r}, which matches no outcome "
            f"({', '.join(pipe.outcomes)}), and default_outcome is 'fail'",
            pipe_code=entry.code,
            error_type="condition_unmatched",
        )
    target = ctx.library.resolve_pipe(chosen, entry.domain)
    if target is None:  # pragma: no cover - static validation rejects this first
        raise PipeRunError(f"pipe {entry.code!r}: unknown outcome pipe {chosen!r}", pipe_code=entry.code)
    result = await ctx.router.run(target, memory, ctx, output_name=output_name)
    if ctx.parent_node is not None:
        chosen_node = ctx.tracer.last_child(ctx.parent_node, target.code)
        if chosen_node is not None:
            ctx.tracer.add_selected_outcome(ctx.parent_node, chosen_node, value)
    return result


async def _check(
    entry: PipeEntry, ref: str, memory: WorkingMemory, ctx: RunContext, output_name: str
) -> None:
    target = ctx.library.resolve_pipe(ref, entry.domain)
    if target is None:  # pragma: no cover
        return
    await ctx.router.run(target, memory.fork(), ctx, output_name=output_name)
    if ctx.parent_node is not None:
        node = ctx.tracer.last_child(ctx.parent_node, target.code)
        if node is not None:
            ctx.tracer.mark(node, "checked", tag="checked_outcome")
