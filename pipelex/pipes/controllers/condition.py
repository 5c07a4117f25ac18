"""PipeCondition: one outcome pipe chosen by an expression. A run whose settings ask for it (a dry run: its
generator does, see :func:`pipelex.inference.leaf.settings_for`) also checks the other outcomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelex.diagnostics import ErrorType
from pipelex.errors import PipeRunError
from pipelex.language.blueprint import PipeConditionBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.templates import (
    STUFF_METADATA_FIELDS,
    TemplateSyntaxProblem,
    analyze,
    plain_jinja,
)
from pipelex.memory.stuff import Absence, PipeResult, WorkingMemory
from pipelex.pipes.checks import TEMPLATE_GLOBALS, PipeChecks, roots
from pipelex.pipes.context import RunContext
from pipelex.pipes.controllers.concurrently import gather
from pipelex.pipes.kinds import PipeKind
from pipelex.pipes.rendering import evaluate_expression, unknown_filter_or_test
from pipelex.pipes.resolved import ResolvedInputs

if TYPE_CHECKING:
    from pipelex.concepts.library import Concept
    from pipelex.concepts.paths import Var
    from pipelex.language.specs import ConceptSpec


# what an outcome may name instead of a pipe: fail the run, or go on with nothing (an absence)
OUTCOME_KEYWORDS = frozenset({"fail", "continue"})


async def run(
    entry: PipeEntry,
    pipe: PipeConditionBlueprint,
    inputs: ResolvedInputs,
    memory: WorkingMemory,
    ctx: RunContext,
    output_name: str,
) -> PipeResult:
    """Evaluate, pick the outcome, run it; when the run explores every outcome (a dry run), run the other outcomes
    on copies of the memory."""
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
            Stuff.of(pipe.add_alias_from_expression_to, "native.Text", TextContent(text=value)),
            main=False,
        )
    if value == "":
        raise PipeRunError(
            f"pipe {entry.code!r}: the expression {text!r} rendered to an empty string, so no outcome "
            "can be chosen: make it render one of the outcome keys "
            f"({', '.join(pipe.outcomes)})",
            pipe_code=entry.code,
            # the reference's code too: an empty value matches no outcome, whatever the default outcome
            error_type="condition_unmatched",
        )
    matched = value in pipe.outcomes
    chosen = pipe.outcomes.get(value, pipe.default_outcome)
    if chosen in OUTCOME_KEYWORDS and ctx.settings.explore_all_outcomes:
        # An exploring (dry) run checks every outcome pipe, as the reference does, and mock data cannot be expected to
        # name an outcome, nor to avoid one mapped to 'fail' or 'continue' (`fraud = "fail"`): it goes on through
        # the default outcome's pipe, else the first outcome pipe, instead of failing, or of leaving the output
        # absent, on a value nobody wrote (a later '!' on that output would stop the run: the reference's dry run
        # goes on there too)
        pipes = [
            ref for ref in [pipe.default_outcome, *pipe.outcomes.values()] if ref not in OUTCOME_KEYWORDS
        ]
        chosen = pipes[0] if pipes else chosen
    others = [
        ref
        for ref in dict.fromkeys([*pipe.outcomes.values(), pipe.default_outcome])
        if ref != chosen and ref not in OUTCOME_KEYWORDS
    ]
    if ctx.settings.explore_all_outcomes and others:
        await gather([_check(entry, ref, memory, ctx, output_name) for ref in others])
    why = (
        f"the outcome of {value!r} is {chosen!r}"
        if matched
        else f"{value!r} matches no outcome ({', '.join(pipe.outcomes)}), and default_outcome is {chosen!r}"
    )
    if chosen == "continue":
        return Absence(
            variable_name=output_name,
            kind="declared_absent",
            producing_pipe=entry.code,
            reason=f"condition {entry.code!r}: {why}",
        )
    if chosen == "fail":
        raise PipeRunError(
            f"pipe {entry.code!r}: the expression evaluated to {value!r}; {why}",
            pipe_code=entry.code,
            # a value mapped to 'fail' is refused by the method; a value matching nothing is unmatched
            error_type="condition_refused" if matched else "condition_unmatched",
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


def sub_pipes(pipe: PipeConditionBlueprint) -> list[str]:
    """The outcome pipes (the default outcome last), outcome keywords left out."""
    return [ref for ref in [*pipe.outcomes.values(), pipe.default_outcome] if ref not in OUTCOME_KEYWORDS]


def check(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: PipeConditionBlueprint,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
) -> None:
    """One of `expression` and `expression_template`, reading declared inputs; every outcome pipe is fed by
    its inputs and makes its output ('continue' makes nothing: the output is then optional)."""
    if not pipe.outcomes and "outcomes" in pipe.model_fields_set:
        # an `outcomes` table written empty is refused, as in the reference ("PipeConditionBlueprint must have at
        # least one mapping in outcomes, got: {}"); none written: every value goes to the default outcome
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            "`outcomes` is empty: map at least one value of the expression to a pipe (or to 'fail' / 'continue'); "
            "default_outcome is for the values no outcome names",
            entry,
            field="outcomes",
        )
    if (pipe.expression is None) == (pipe.expression_template is None):
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            "a PipeCondition has exactly one of `expression` and `expression_template`",
            entry,
        )
    else:
        text = pipe.expression if pipe.expression is not None else pipe.expression_template
        field_name = "expression" if pipe.expression is not None else "expression_template"
        try:
            is_expression = pipe.expression is not None
            analysis = analyze(
                text or "" if is_expression else plain_jinja(text or ""), is_expression=is_expression
            )
        except TemplateSyntaxProblem as exc:
            checks.report(ErrorType.TEMPLATE_SYNTAX, f"{field_name}: {exc}", entry, field=field_name)
        else:
            source = f"{{{{ {text} }}}}" if is_expression else plain_jinja(text or "")
            if (unknown := unknown_filter_or_test(source)) is not None:
                # the reference: "does not compile ... Check that every filter and test it names exists"
                checks.report(
                    ErrorType.TEMPLATE_SYNTAX,
                    f"{field_name}: {unknown.rstrip('.')}: the {field_name} does not compile; name a filter or "
                    "test that exists (Jinja2's, or format, tag, with_images)",
                    entry,
                    field=field_name,
                )
            declared = {n.split(".")[0] for n in entry.blueprint.input_specs()}
            checks.input_reads.update((entry.ref, root) for root in analysis.roots & declared)
            for root in sorted(analysis.roots - declared - TEMPLATE_GLOBALS):
                checks.report(
                    ErrorType.MISSING_INPUT_VARIABLE,
                    f"the {field_name} reads {root!r}, which is not "
                    f'declared in `inputs`: declare it (e.g. {root} = "Text") or read a declared '
                    "input",
                    entry,
                    field=field_name,
                )
            for private in sorted(analysis.private_names - STUFF_METADATA_FIELDS):
                checks.report(
                    ErrorType.TEMPLATE_PRIVATE_NAME,
                    f"the {field_name} reads the private name {private!r}: remove it",
                    entry,
                    field=field_name,
                )
            optional_roots = {name for name, var in roots(inputs, entry.code).items() if var.maybe_absent}
            for root in sorted(analysis.unguarded & optional_roots):
                # an optional input may be absent: the expression guards it as a prompt does, as in the reference
                checks.report(
                    ErrorType.OPTIONAL_INPUT_UNGUARDED,
                    f"the {field_name} reads the optional input {root!r} without guarding it: write "
                    f'expression_template = "{{% if {root} is defined %}}...{{% else %}}...{{% endif %}}", or '
                    "declare the input required",
                    entry,
                    field=field_name,
                )
    env = dict(roots(inputs, entry.code))
    outcomes = [(f"outcomes.{k}", v) for k, v in pipe.outcomes.items()] + [
        ("default_outcome", pipe.default_outcome)
    ]
    before = len(checks.diagnostics)
    made: dict[str, str] = {}  # the concept each outcome pipe makes -> the first pipe making it
    uses: list[tuple[PipeEntry, tuple[str, str] | None]] = []  # each outcome pipe (none batched)
    for where, ref in outcomes:
        if ref in OUTCOME_KEYWORDS:
            continue
        target = checks.resolve_ref(entry, ref, where)
        if target is None:
            continue
        # an outcome reads what the condition declares, as declared: a page does not fill its TextAndImages input
        # (the reference: "input 'pages' is declared as 'Page[]' but its step needs 'TextAndImages[]'")
        lifted = checks.feed(entry, where, target, env, pages_as_text_and_images=False)
        uses.append((target, None))
        produced = checks.output_var(target, lifted=lifted)
        # the chosen outcome's value is handed on as it is: its concept must fit, its multiplicity is its own
        checks.check_produced(entry, output, produced, f"outcome pipe {target.code!r}", multiplicity=False)
        if produced is not None:
            made.setdefault(produced.concept.ref, target.code)
    checks.check_exact_inputs(entry, env, uses)
    if (
        len(made) > 1
        and output is not None
        and output[1].ref != "native.Anything"
        and len(checks.diagnostics) == before
    ):
        # whichever outcome runs, the condition's output is that pipe's: they make one concept, or it is Anything
        checks.report(
            ErrorType.INADEQUATE_OUTPUT_CONCEPT,
            "the outcome pipes make different concepts ("
            + ", ".join(f"{code!r} makes {ref}" for ref, code in made.items())
            + f"), but the output is declared {entry.blueprint.output!r}: make every outcome pipe output the "
            "same concept, or declare the output 'Anything'",
            entry,
            field="output",
        )
    elif (
        len(made) == 1
        and output is not None
        and output[1].ref != "native.Anything"
        and output[1].ref not in made
        and len(checks.diagnostics) == before
    ):
        # every outcome pipe makes one concept: the condition's output is that concept, not a broader one it
        # refines (a Text output over outcomes that all make a Reply is refused, as in the reference), nor
        # `Dynamic` (a concept decided at run time: here it is decided already; the reference refuses it too)
        (ref, code), *_ = made.items()
        checks.report(
            ErrorType.INADEQUATE_OUTPUT_CONCEPT,
            f"every outcome pipe makes {ref} (the first is {code!r}), but the output is declared "
            f"{entry.blueprint.output!r} ({output[1].ref}): when the outcomes agree, the condition's output is "
            f"exactly their concept: declare it {ref.rpartition('.')[2] if ref.startswith(entry.domain + '.') else ref!r}",
            entry,
            field="output",
        )
    continues = [where for where, ref in outcomes if ref == "continue"]
    if continues and output is not None and not output[0].is_optional:
        which = (
            "default_outcome is 'continue', so when no outcome matches"
            if continues == ["default_outcome"]
            else f"{' and '.join(continues)} {'is' if len(continues) == 1 else 'are'} 'continue', so then"
        )
        # 'continue' leaves the output absent; a list is never absent (nor declared optional), so a condition
        # whose output is a list has no 'continue' (as in the reference)
        fix = (
            "a list is never absent and cannot be declared optional: send that case to a pipe (one that "
            "makes an empty list, say) or to 'fail'"
            if output[0].is_list
            else f"declare it '{entry.blueprint.output}?'"
        )
        checks.report(
            ErrorType.OPTIONAL_OUTPUT_REQUIRED,
            f"{which} nothing is produced, but the output {entry.blueprint.output!r} is not optional: {fix}",
            entry,
            field="output",
        )


KIND = PipeKind(blueprint=PipeConditionBlueprint, run=run, check=check, sub_pipes=sub_pipes)
