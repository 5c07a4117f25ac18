"""PipeParallel: branches run concurrently, each on its own copy of the memory; results merged back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelex.concepts.natives import CompositeContent, ListContent, StuffContent
from pipelex.concepts.values import ContentError, to_content
from pipelex.diagnostics import ErrorType
from pipelex.errors import PipeRunError
from pipelex.language.blueprint import BranchBlueprint, PipeParallelBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.specs import is_variable_name, non_ascii_note
from pipelex.memory.stuff import PipeResult, Stuff, WorkingMemory
from pipelex.pipes.checks import LIST_SUFFIX, PipeChecks, roots
from pipelex.pipes.context import RunContext
from pipelex.pipes.controllers.batching import run_step
from pipelex.pipes.controllers.concurrently import run_all
from pipelex.pipes.kinds import PipeKind
from pipelex.pipes.resolved import ResolvedInputs
from pipelex.pipes.runtime import make_output, output_spec

if TYPE_CHECKING:
    from pipelex.concepts.library import Concept
    from pipelex.concepts.paths import Var
    from pipelex.language.specs import ConceptSpec


async def run(
    entry: PipeEntry,
    pipe: PipeParallelBlueprint,
    inputs: ResolvedInputs,
    memory: WorkingMemory,
    ctx: RunContext,
    output_name: str,
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
    # a branch that made a list (a batch, `X[]`) fills a list field with its items
    data = {
        name: [item.model_dump() for item in stuff.content.items]
        if type(stuff.content) is ListContent
        else stuff.content.model_dump()
        for name, stuff in present.items()
    }
    try:
        content: StuffContent = to_content(data, concept, ctx.library.concepts)
    except ContentError as exc:
        raise PipeRunError(
            f"pipe {entry.code!r} produced an output that does not fit the concept {concept.ref} at "
            f"the fields {', '.join(data)}: {exc.problem}; fields that hold branch results must be "
            'concept-typed (type = "concept")',
            pipe_code=entry.code,
            error_type="pipe_output_invalid",
        ) from exc
    return make_output(entry, ctx, content)


def sub_pipes(pipe: PipeParallelBlueprint) -> list[str]:
    """The branches' pipes, in order."""
    return [branch.pipe for branch in pipe.branches]


def check(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: PipeParallelBlueprint,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
) -> None:
    """Its branches, each fed by its inputs; its output a Composite or a structure of their results."""
    env = dict(roots(inputs, entry.code))
    results: dict[str, Var] = {}
    named: dict[str, int] = {}  # each branch's result name -> the first branch writing it
    uses: list[tuple[PipeEntry, tuple[str, str] | None]] = []  # each branch's pipe and its batch (over, as)
    for index, branch in enumerate(pipe.branches):
        where = f"branches[{index}]"
        name = branch.result or branch.pipe
        if name in named:
            # the branches' results are merged into one memory (and one output field each): a second branch
            # writing the same name would drop the first's value
            checks.report(
                ErrorType.DUPLICATE_DECLARATION,
                f"{where}: result {name!r} is already the result of branches[{named[name]}]: give each "
                "branch its own result name (one field of the output each)",
                entry,
                field=where,
            )
        else:
            named[name] = index
        if branch.result is not None and not is_variable_name(branch.result):
            checks.report(
                ErrorType.INVALID_INPUT_NAME,
                f"{where}: result {branch.result!r} is not a plain "
                f"snake_case name{non_ascii_note(branch.result)} (a lowercase letter, then lowercase letters, digits and underscores); the "
                "result is read by "
                "later pipes through their inputs",
                entry,
                field=where,
            )
        names_ok = checks.check_batch_names(
            entry, where, branch.batch_over, branch.batch_as, allow_dotted_over=False
        )
        target = checks.resolve_ref(entry, branch.pipe, where)
        if target is None:
            continue
        # a branch reads what the parallel declares, as declared: a page does not fill its TextAndImages input (the
        # reference: "input 'pages' is declared as 'Page[]' but its step needs 'TextAndImages[]'")
        produced = checks.check_call(
            entry,
            where,
            target,
            env,
            branch.batch_over,
            branch.batch_as,
            names_ok=names_ok,
            exact_lists=True,
            pages_as_text_and_images=False,
        )
        if produced is not None:
            results[branch.result or target.code] = produced
        batch = (branch.batch_over, branch.batch_as) if branch.batch_over and branch.batch_as else None
        uses.append((target, batch))
    checks.check_exact_inputs(entry, env, uses, last_decides=True)
    if output is None:
        return
    spec, concept = output
    # Dynamic has no fields to hold the branches: refused, as the reference refuses it
    combines = concept.ref == "native.Composite"
    structure = None if combines else checks.library.concepts.structure_of(concept)
    if spec.is_list:
        single = LIST_SUFFIX.sub("", entry.blueprint.output)
        fix = (
            f"declare it '{single}'"
            if combines or structure is not None
            else f'declare output = "Composite", or a concept with a `structure` whose fields are named after '
            f"the branch results ({', '.join(results) or 'their `result`'}); a list of {single} items, one per "
            "item of a list, is what a PipeBatch makes"
        )
        checks.report(
            ErrorType.SCHEMA_VIOLATION,  # the reference: a rule of the parallel's own fields (schema_violation)
            f"a PipeParallel outputs one Composite or one "
            f"structure, not a list ({entry.blueprint.output!r}): {fix}",
            entry,
            field="output",
        )
        if not combines and structure is None:
            return  # the one error says what to declare instead
    if combines:
        return
    if structure is None:
        checks.report(
            ErrorType.SCHEMA_VIOLATION,  # the reference: "PipeParallel output 'Text' is invalid", a rule of its fields
            f"a PipeParallel outputs 'Composite' or a structured "
            f"concept whose fields are the branch results, not {entry.blueprint.output!r} "
            f'({concept.ref}): declare output = "Composite", or a concept with a `structure` whose '
            f"fields are named after the branch results ({', '.join(results) or 'their `result`'})",
            entry,
            field="output",
        )
        return
    for name, var in results.items():
        if name not in structure:
            checks.report(
                ErrorType.INADEQUATE_OUTPUT_CONCEPT,
                f"branch result {name!r} is not a field of "
                f"{concept.ref} (fields: {', '.join(structure)}): name the result after a field",
                entry,
                field="branches",
            )
        elif var.maybe_absent and structure[name].required:
            checks.report(
                ErrorType.OPTIONAL_BRANCH_REQUIRED_FIELD,
                f"branch result {name!r} may be absent (an "
                f"optional input lifts through its pipe), but field {name!r} of {concept.ref} is "
                f"required: make the field optional (required = false) or guard the absence",
                entry,
                field="branches",
            )
    unfed = [name for name, field in structure.items() if field.required and name not in named]
    if unfed:
        # the output is the branches' results by name: a required field no branch fills cannot be made (as
        # the reference says before any run)
        checks.report(
            ErrorType.INADEQUATE_OUTPUT_CONCEPT,
            f"{concept.ref} requires the field(s) {', '.join(unfed)}, which no branch produces (branch results: "
            f"{', '.join(named) or 'none'}): add a branch whose result is named after each, or make the field "
            "optional (required = false)",
            entry,
            field="output",
        )


def caller_additions(checks: PipeChecks, target: PipeEntry) -> dict[str, Var]:
    """What a PipeParallel with ``add_each_output`` adds to its caller's memory: one name per branch."""
    pipe = target.blueprint
    if not isinstance(pipe, PipeParallelBlueprint) or not pipe.add_each_output:
        return {}
    added: dict[str, Var] = {}
    for branch in pipe.branches:
        sub = checks.library.resolve_pipe(branch.pipe, target.domain)
        if sub is None:
            continue
        var = checks.output_var(sub, lifted=False, batched=branch.batch_over is not None)
        if var is not None:
            added[branch.result or sub.code] = var
    return added


KIND = PipeKind(
    blueprint=PipeParallelBlueprint,
    run=run,
    check=check,
    sub_pipes=sub_pipes,
    caller_additions=caller_additions,
)
