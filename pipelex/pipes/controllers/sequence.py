"""PipeSequence: steps in order over one working memory; pipe steps, batch steps and binding steps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelex.concepts.natives import ListContent
from pipelex.concepts.paths import walk_path
from pipelex.diagnostics import ErrorType
from pipelex.errors import PipeRunError
from pipelex.language.blueprint import PipeSequenceBlueprint, StepBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.specs import PATH_RE, is_variable_name, non_ascii_note
from pipelex.memory.stuff import Absence, PipeResult, WorkingMemory
from pipelex.pipes.checks import PipeChecks, roots
from pipelex.pipes.context import OutputOverride, RunContext
from pipelex.pipes.controllers.batching import run_step
from pipelex.pipes.kinds import PipeKind, kind_of
from pipelex.pipes.resolved import ResolvedInputs
from pipelex.pipes.runtime import PathUnresolvedError, extract_path, output_spec
from pipelex.record import replace

if TYPE_CHECKING:
    from pipelex.concepts.library import Concept
    from pipelex.concepts.paths import Var
    from pipelex.language.specs import ConceptSpec


async def run(
    entry: PipeEntry,
    pipe: PipeSequenceBlueprint,
    inputs: ResolvedInputs,
    memory: WorkingMemory,
    ctx: RunContext,
    output_name: str,
) -> PipeResult:
    """Run every step; the last step's result is the sequence's output.

    The router runs the steps (:func:`run_steps`): here, or on Temporal, for a long sequence, in chunks of steps in
    child workflows, each taking the memory and giving it back after its steps.
    """
    ctx.count("steps", total=len(pipe.steps))
    last = await ctx.router.run_steps(entry, memory, ctx, start=0, stop=len(pipe.steps))
    if isinstance(last, Absence):
        return last
    declared = output_spec(entry, ctx)[0]
    if declared.is_list and not last.is_list:
        return last.model_copy(update={"content": ListContent(items=[last.content])})
    return last


async def run_steps(
    entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, *, start: int, stop: int
) -> PipeResult:
    """Run the steps ``start`` to ``stop`` (excluded) of the sequence ``entry`` here, in order over ``memory`` (each
    result stored there under its name); the last one's result."""
    pipe = entry.blueprint
    assert isinstance(pipe, PipeSequenceBlueprint)
    last: PipeResult | None = None
    for index in range(start, stop):
        step = pipe.steps[index]
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
    if last is None:
        raise PipeRunError(
            f"pipe {entry.code!r}: no step to run between steps[{start}] and steps[{stop}]",
            pipe_code=entry.code,
            error_type="internal_error",
        )
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


def sub_pipes(pipe: PipeSequenceBlueprint) -> list[str]:
    """The pipes of its pipe steps, in order (binding steps run none)."""
    return [step.pipe for step in pipe.steps if step.pipe and not step.is_binding]


def check(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: PipeSequenceBlueprint,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
) -> None:
    """Its steps: pipe steps fed by what the memory holds so far, binding steps, batches; its last
    step makes its output."""
    env = dict(roots(inputs, entry.code))
    unknown: set[str] = set()  # results of steps whose error is already reported
    # after a step whose pipe cannot be resolved (reported), what it would have added to memory besides its
    # result (a parallel's add_each_output) is unknown too: later reads of names memory lacks report nothing
    opaque = False
    last: Var | None = None
    last_known = True
    for index, step in enumerate(pipe.steps):  # counted from 0, as the file's array is: steps[0] is the first
        where = f"steps[{index}]"
        # each field read once (a blueprint's attribute read goes through pydantic's hook: ~20 a step otherwise)
        step_pipe, result, nb_output, batch_over = step.pipe, step.result, step.nb_output, step.batch_over
        if opaque:
            unknown |= {name for name in _reads(step) if name not in env}
        if step.is_binding:
            last = _binding_step(checks, entry, where, step, env, unknown)
            last_known = last is not None
            if last is None and result:
                unknown.add(result)
            continue
        if step_pipe is None:
            checks.report(
                ErrorType.BINDING_STEP_INVALID,
                f"{where}: a step runs a pipe (`pipe = ...`) or binds "
                "a value (`from = ..., result = ...`); this one does neither",
                entry,
                field=where,
            )
            last_known = False
            continue
        if result is not None and not is_variable_name(result):
            checks.report(
                ErrorType.INVALID_INPUT_NAME,
                f"{where}: result {result!r} is not a plain "
                f"snake_case name{non_ascii_note(result)} (a lowercase letter, then lowercase letters, digits and underscores); later "
                "steps read it "
                "through their inputs",
                entry,
                field=where,
            )
        if nb_output is not None and step.multiple_output is not None:
            checks.report(
                ErrorType.SCHEMA_VIOLATION,
                f"{where}: `nb_output` and `multiple_output` are mutually exclusive: keep one",
                entry,
                field=where,
            )
        batch_as = step.batch_as
        names_ok = checks.check_batch_names(entry, where, batch_over, batch_as, allow_dotted_over=True)
        target = checks.resolve_ref(entry, step_pipe, where)
        if target is not None and opaque:
            unknown |= {name for name in target.blueprint.input_specs() if name not in env}
        if target is None:
            opaque = True
            last_known = False
            if result:
                env.pop(result, None)
                unknown.add(result)
            continue
        produced = checks.check_call(
            entry,
            where,
            target,
            env,
            batch_over,
            batch_as,
            names_ok=names_ok,
            as_list=bool(step.multiple_output) or bool(nb_output),
            unknown=unknown,
        )
        if produced is not None and nb_output and not batch_over:  # a batch: one output per item
            produced = replace(produced, item_count=nb_output)
        last = produced
        last_known = produced is not None
        stored = result or target.code
        if produced is not None:
            env[stored] = produced.with_origin(f"step {index} (pipe {target.code!r})")
            unknown.discard(stored)
        else:  # the step pipe's output is unresolvable, and reported: later reads of it report nothing more
            env.pop(stored, None)
            unknown.add(stored)
        env.update(kind_of(target.blueprint).caller_additions(checks, target))
    if last_known:
        checks.check_produced(entry, output, last, f"its last step (steps[{len(pipe.steps) - 1}])")


def _reads(step: StepBlueprint) -> set[str]:
    """The names of memory a step reads by itself (its batch list, its binding's root)."""
    paths = [step.from_ if step.is_binding else step.batch_over]
    return {path.split(".")[0] for path in paths if path}


def _binding_step(
    checks: PipeChecks,
    entry: PipeEntry,
    where: str,
    step: StepBlueprint,
    env: dict[str, Var],
    unknown: set[str],
) -> Var | None:
    """The value a binding step binds; None when it cannot (reported, or read from an ``unknown`` result,
    whose producer's error is already reported)."""
    problems: list[str] = []
    if step.pipe is not None:
        problems.append(
            "it carries both `pipe` and `from`: a step either runs a pipe or binds a value; split it "
            "into two steps"
        )
    extra = [
        k for k in ("batch_over", "batch_as", "nb_output", "multiple_output") if getattr(step, k) is not None
    ]
    if extra:
        problems.append(
            f"a binding step carries only `from` and `result`, not {', '.join(extra)}: put batching on "
            "the pipe step that reads the bound list"
        )
    if step.result is None:
        problems.append("it has no `result`: name the bound value")
    elif not is_variable_name(step.result):
        problems.append(
            f"result {step.result!r} is not a plain snake_case name{non_ascii_note(step.result)}, a lowercase "
            "letter first "
            "(later steps read it through their inputs)"
        )
    path = step.from_ or ""
    if not PATH_RE.match(path):
        problems.append(
            f"`from = {path!r}` is not a path: write field names separated by single dots, e.g. "
            "'invoice.total' (no brackets, no empty segments)"
        )
    if problems:
        for problem in problems:
            checks.report(
                ErrorType.BINDING_STEP_INVALID, f"{where} (binding step): {problem}", entry, field=where
            )
        return None
    root, *segments = path.split(".")
    source = env.get(root)
    checks.note_read(entry, root, source)
    if source is None:
        if root in unknown:
            return None
        checks.report(
            ErrorType.MISSING_INPUT_VARIABLE,
            f"{where}: the binding reads {root!r}, which is neither an "
            f"input of {entry.code!r} nor the result of an earlier step: declare it in `inputs` or "
            "produce it first",
            entry,
            field=where,
        )
        return None
    walked = walk_path(checks.library.concepts, source, root, segments)
    if walked.var is None:
        checks.report(
            walked.error_type or ErrorType.BINDING_PATH_UNRESOLVED,
            f"{where}: the binding `from = {path!r}` cannot be resolved: {walked.message}",
            entry,
            field=where,
        )
        return None
    bound = replace(walked.var, origin=f"the binding step {where} (`from = {path!r}`)")
    env[step.result or root] = bound
    return bound


KIND = PipeKind(blueprint=PipeSequenceBlueprint, run=run, check=check, sub_pipes=sub_pipes)
