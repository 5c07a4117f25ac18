"""Running a branch pipe once per item of a list, concurrently up to the configured bound."""

from __future__ import annotations

from collections.abc import Callable

from pipelex.concepts.natives import ListContent, StoredListContent, StuffContent, share_fields_sets
from pipelex.errors import PipeRunError
from pipelex.language.library import PipeEntry
from pipelex.limits import check_list_size
from pipelex.memory.stuff import Absence, Stuff, WorkingMemory
from pipelex.pipes.context import RunContext
from pipelex.pipes.controllers.concurrently import run_all


async def run_over_items(
    target: PipeEntry,
    items: Stuff,
    item_name: str,
    memory: WorkingMemory,
    ctx: RunContext,
    *,
    output_name: str,
) -> Stuff:
    """Run ``target`` for each item of ``items`` (stored under ``item_name``); collect a list output.

    The router runs the items: here (the router returns the output list, assembled as the items finish), or on
    Temporal in child workflows of a bounded number of items each (a long list is then kept by reference, and the
    router returns the output list itself too).
    """
    if not isinstance(items.content, ListContent):
        raise PipeRunError(
            f"cannot batch over {items.stuff_name!r}: it holds one {items.concept}, not a list",
            pipe_code=target.code,
        )
    size = items.content.count if isinstance(items.content, StoredListContent) else len(items.content.items)
    check_list_size(
        size, ctx.settings.limits, what=f"the batch over {items.stuff_name!r}", pipe_code=target.code
    )
    results = await ctx.router.run_items(target, items, item_name, memory, ctx, output_name=output_name)
    if isinstance(results, Stuff):  # the router assembled the output itself
        return results
    produced = [r for r in results if isinstance(r, Stuff)]
    concept = produced[0].concept if produced else _declared_concept(target, ctx)
    return Stuff.of(output_name, concept, ListContent(items=[r.content for r in produced]))


async def run_each(
    target: PipeEntry,
    items: Stuff,
    item_name: str,
    memory: WorkingMemory,
    ctx: RunContext,
    *,
    output_name: str,
    first_index: int = 0,
) -> list[Stuff | Absence]:
    """Run ``target`` once per item of ``items``, at most ``max_concurrency`` at a time; results in item order.

    ``first_index``: the place of the first item in the whole list, when ``items`` is a slice of it.
    """
    assert isinstance(items.content, ListContent)
    results: list[Stuff | Absence | None] = [None] * len(items.content.items)
    await _over_items(target, items, item_name, memory, ctx, output_name, first_index, results.__setitem__)
    done = [r for r in results if r is not None]
    assert len(done) == len(results)  # every worker ran to the end, or the first failure was raised
    return done


async def run_assembled(
    target: PipeEntry,
    items: Stuff,
    item_name: str,
    memory: WorkingMemory,
    ctx: RunContext,
    *,
    output_name: str,
) -> Stuff:
    """Run ``target`` once per item of ``items`` (as :func:`run_each`) and return the output list itself: the
    items' contents in item order, absences left out, of the first produced item's concept (else the declared).

    Only each item's content is kept once it is done, not its result: a batch of a million items holds a million
    contents, not also a million stuffs until it ends; the contents share their fields-sets
    (:func:`~pipelex.concepts.natives.share_fields_sets`).
    """
    assert isinstance(items.content, ListContent)
    total = len(items.content.items)
    contents: list[StuffContent | None] = [None] * total
    first: list[tuple[int, str]] = []  # (index, concept) of the first produced item

    def keep(index: int, result: Stuff | Absence) -> None:
        if isinstance(result, Stuff):
            contents[index] = result.content
            share_fields_sets([result.content])
            if not first or index < first[0][0]:
                first[:] = [(index, result.concept)]

    await _over_items(target, items, item_name, memory, ctx, output_name, 0, keep)
    concept = first[0][1] if first else _declared_concept(target, ctx)
    produced = [c for c in contents if c is not None]
    return Stuff.of(output_name, concept, ListContent(items=produced))


async def _over_items(
    target: PipeEntry,
    items: Stuff,
    item_name: str,
    memory: WorkingMemory,
    ctx: RunContext,
    output_name: str,
    first_index: int,
    keep: Callable[[int, Stuff | Absence], None],
) -> None:
    """Run ``target`` once per item, handing each result to ``keep`` with the item's index.

    A fixed pool of ``max_concurrency`` workers takes the items in order: a batch of a million items holds a
    handful of coroutines, not a million tasks waiting on a semaphore (each ~2 KB, and all created up front).
    The pool is the batch's own bound; the run-wide bound is held by the leaves (``run_pipe``), never by a batch
    item while its children wait for it, so nested batches cannot starve each other.
    """
    assert isinstance(items.content, ListContent)
    contents: list[StuffContent] = items.content.items
    total = len(contents)
    concept = items.concept
    share_fields_sets(contents)  # the items of a long input list held at once with their outputs
    run = ctx.router.run

    async def one(index: int) -> None:
        branch_memory = memory.fork()
        branch_memory.store(item_name, Stuff.of(item_name, concept, contents[index]), main=False)
        keep(
            index, await run(target, branch_memory, ctx, output_name=f"{output_name}[{first_index + index}]")
        )
        ctx.count("items", advance=1)

    ctx.count("items", total=total)
    if total <= 1:
        for index in range(total):
            await one(index)
    else:
        pending = iter(range(total))  # shared by the workers: each takes the next item when it is free

        async def worker() -> None:
            for index in pending:
                await one(index)

        await run_all([worker() for _ in range(min(ctx.settings.max_concurrency, total))])


async def run_step(
    target: PipeEntry,
    memory: WorkingMemory,
    ctx: RunContext,
    *,
    output_name: str,
    batch_over: str | None,
    batch_as: str | None,
) -> Stuff | Absence:
    """Run ``target`` once, or once per item of ``batch_over`` (each item stored under ``batch_as``).

    An absent list skips the batch, and the skip records the upstream absence.
    """
    if not (batch_over and batch_as):
        return await ctx.router.run(target, memory, ctx, output_name=output_name)
    from pipelex.pipes.runtime import lookup

    items = lookup(memory, batch_over, ctx)
    if not isinstance(items, Stuff):
        return Absence(
            variable_name=output_name,
            kind="skipped",
            producing_pipe=target.code,
            reason=f"skipped because {batch_over!r} is absent",
            upstream=items if isinstance(items, Absence) else None,
        )
    return await run_over_items(target, items, batch_as, memory, ctx, output_name=output_name)


def _declared_concept(target: PipeEntry, ctx: RunContext) -> str:
    from pipelex.pipes.runtime import output_spec

    return output_spec(target, ctx)[1].ref
