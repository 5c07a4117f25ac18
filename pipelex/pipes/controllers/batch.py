"""PipeBatch: a branch pipe run once per item of a list input."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelex.concepts.natives import ListContent, StoredListContent, StuffContent
from pipelex.diagnostics import ErrorType
from pipelex.errors import PipeRunError
from pipelex.language.blueprint import PipeBatchBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.specs import Multiplicity, is_variable_name, non_ascii_note
from pipelex.memory.stuff import PipeResult, Stuff, WorkingMemory
from pipelex.pipes.checks import PipeChecks, roots
from pipelex.pipes.context import RunContext
from pipelex.pipes.controllers.batching import run_over_items
from pipelex.pipes.kinds import PipeKind
from pipelex.pipes.resolved import ResolvedInputs
from pipelex.pipes.runtime import check_output, output_spec

if TYPE_CHECKING:
    from pipelex.concepts.library import Concept
    from pipelex.concepts.paths import Var
    from pipelex.language.specs import ConceptSpec


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
    spec, declared = output_spec(entry, ctx)
    if declared.ref != "native.Anything":
        # a batch makes one list of what its branches made, whatever multiplicity its output declares
        # (``output = "Question"`` or ``"Question[2]"`` are valid there too, as in the reference)
        spec = spec.model_copy(update={"multiplicity": Multiplicity.VARIABLE, "item_count": None})
    if isinstance(
        result.content, StoredListContent
    ):  # kept by reference: checked as a whole, not item by item
        return check_output(entry, ctx, result.model_copy(update={"stuff_name": entry.code}), spec, declared)
    produced: list[StuffContent] = []
    for item in result.content.items:
        # a branch whose output is itself a list (``Question[3]`` per chapter): the batch's ``Question[]`` holds
        # every item of every branch, in order (as static validation types it: the declared list)
        produced.extend(item.items if isinstance(item, ListContent) else [item])
    concept = ctx.library.concepts.concepts[result.concept]
    stuff = Stuff.of(entry.code, concept.ref, ListContent(items=produced))
    return check_output(entry, ctx, stuff, spec, declared)


def sub_pipes(pipe: PipeBatchBlueprint) -> list[str]:
    """The branch pipe."""
    return [pipe.branch_pipe_code]


def check(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: PipeBatchBlueprint,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
) -> None:
    """Its list input and item name, and its branch pipe fed one item at a time."""
    specs = entry.blueprint.input_specs()
    item_name = pipe.input_item_name
    if not item_name:
        # the reference: schema_violation ("Empty input item name is not allowed"); nothing more to check of it
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            "input_item_name is empty: name the item (e.g. the singular of the list)",
            entry,
            field="input_item_name",
        )
        return
    # the list first: the reference stops at a list name that is not an input before it looks at the item's name
    list_var = inputs.get(pipe.input_list_name)
    if not is_variable_name(pipe.input_list_name):
        checks.report(
            ErrorType.INVALID_INPUT_NAME,
            f"input_list_name {pipe.input_list_name!r} is not a plain "
            "input name: name a list input of the batch (to batch over a field, bind it in a sequence "
            "step first, or batch a sequence step over the dotted path)",
            entry,
            field="input_list_name",
        )
    elif pipe.input_list_name not in specs:
        checks.report(
            ErrorType.SCHEMA_VIOLATION,  # as the reference: the batch's own fields disagree
            f"input_list_name {pipe.input_list_name!r} is not one of "
            f"the batch's inputs ({', '.join(specs) or 'none'}): declare it as a list input",
            entry,
            field="input_list_name",
        )
    elif list_var is not None and not list_var.is_list:
        checks.report(
            ErrorType.INPUT_STUFF_SPEC_MISMATCH,
            f"input_list_name {pipe.input_list_name!r} is declared "
            f"{specs[pipe.input_list_name]!r}, not a list: declare it 'X[]'",
            entry,
            field="input_list_name",
        )
    if item_name == pipe.input_list_name or item_name in specs:
        checks.report(
            ErrorType.BATCH_ITEM_NAME_COLLISION,
            f"input_item_name {item_name!r} collides with "
            f"{'the list name' if item_name == pipe.input_list_name else 'an input of the batch'}: give "
            "the item its own name (e.g. the singular of the list)",
            entry,
            field="input_item_name",
        )
    elif not is_variable_name(item_name):
        checks.report(
            ErrorType.INVALID_INPUT_NAME,
            f"input_item_name {item_name!r} is not a plain snake_case name{non_ascii_note(item_name)} (a lowercase "
            "letter, then lowercase "
            "letters, digits and underscores)",
            entry,
            field="input_item_name",
        )
    target = checks.resolve_ref(entry, pipe.branch_pipe_code, "branch_pipe_code")
    if target is None:
        return
    if is_variable_name(item_name) and item_name != pipe.input_list_name and item_name not in specs:
        checks.check_item_read(entry, "branch_pipe_code", target, item_name, "input_item_name")
    env = {k: v for k, v in roots(inputs, entry.code).items() if k != pipe.input_list_name}
    item = (item_name, list_var.item()) if list_var is not None else None
    lifted = checks.feed(
        entry,
        "branch_pipe_code",
        target,
        env,
        item,
        unknown=frozenset({item_name}) if item is None else frozenset(),
    )
    produced = checks.output_var(target, lifted=lifted, batched=True)
    # the batch collects what each branch made, whatever the declared multiplicity says (as the reference)
    checks.check_produced(entry, output, produced, f"the batch of {target.code!r}", multiplicity=False)


KIND = PipeKind(blueprint=PipeBatchBlueprint, run=run, check=check, sub_pipes=sub_pipes)
