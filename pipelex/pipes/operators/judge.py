"""PipeJudge: yes/no, choice or rating verdicts on one question or several."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelex.concepts.values import ContentError, to_content
from pipelex.config.deck import ModelCategory
from pipelex.diagnostics import ErrorType
from pipelex.errors import PipeRunError
from pipelex.inference.jobs import JudgeJob, JudgeQuestionJob
from pipelex.language.blueprint import JudgeQuestion, PipeJudgeBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import written_ref
from pipelex.memory.stuff import Stuff
from pipelex.pipes.checks import OutputRule, PipeChecks
from pipelex.pipes.context import RunContext
from pipelex.pipes.kinds import PipeKind, operator_runner
from pipelex.pipes.operators.common import calls_its_model, job_settings, leaf_usage, render
from pipelex.pipes.rendering import default_style
from pipelex.pipes.resolved import ResolvedInputs
from pipelex.pipes.runtime import make_output, output_spec

if TYPE_CHECKING:
    from pipelex.concepts.library import Concept
    from pipelex.concepts.paths import Var
    from pipelex.language.specs import ConceptSpec


def _question(key: str | None, q: JudgeQuestion) -> JudgeQuestionJob:
    if q.options:
        return JudgeQuestionJob(
            key=key, question=q.question, judgment="choice", options=list(q.options), threshold=q.threshold
        )
    if q.levels:
        return JudgeQuestionJob(
            key=key,
            question=q.question,
            judgment="rating",
            levels=[lv.label for lv in q.levels],
            threshold=q.threshold,
        )
    return JudgeQuestionJob(key=key, question=q.question, judgment="yes_no", threshold=q.threshold)


async def run(entry: PipeEntry, pipe: PipeJudgeBlueprint, inputs: ResolvedInputs, ctx: RunContext) -> Stuff:
    """Ask the questions; fill a YesNo/Choice/Rating, or a structure whose fields are the verdicts."""
    _, concept = output_spec(entry, ctx)
    if pipe.questions:
        questions = [_question(key, q) for key, q in pipe.questions.items()]
    else:
        single = JudgeQuestion(
            question=pipe.question or "",
            options=pipe.options,
            levels=pipe.levels,
            criteria=pipe.criteria,
            threshold=pipe.threshold,
        )
        questions = [_question(None, single)]
    job = JudgeJob(
        **job_settings(entry, ctx),
        prompt=render(ctx, entry, pipe.prompt, inputs, style=default_style(ctx.settings)) or "",
        questions=questions,
        model=written_ref(pipe.model),
    )
    with leaf_usage(ctx):
        verdicts = await ctx.generators.for_job(job).judge(job)
    data: Any = (
        verdicts[0] if not pipe.questions else {q.key: v for q, v in zip(questions, verdicts, strict=True)}
    )
    try:
        return make_output(entry, ctx, to_content(data, concept, ctx.library.concepts))
    except ContentError as exc:
        raise PipeRunError(
            f"pipe {entry.code!r}: the verdicts do not fit {concept.ref}: {exc.problem}",
            pipe_code=entry.code,
            error_type="pipe_output_invalid",
        ) from exc


MAKES = OutputRule(
    ("YesNo", "Choice", "Rating"), True, "returns judgments (YesNo, Choice, Rating), or a structure of them"
)


def check(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: PipeJudgeBlueprint,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
) -> None:
    """It makes judgments; it asks one question or a table of them; its prompt reads declared inputs."""
    if output is not None and checks.check_makes(entry, output, MAKES) and pipe.questions:
        structure = checks.library.concepts.structure_of(output[1])
        for key in pipe.questions:
            if structure is not None and key not in structure:
                # the reference, before any run: "The question 'x' has no field of `d.Verdict` to hold its verdict"
                checks.report(
                    ErrorType.INADEQUATE_OUTPUT_CONCEPT,
                    f"the question {key!r} has no field of {output[1].ref} to hold its verdict (fields: "
                    f"{', '.join(structure)}): a PipeJudge asking several questions fills the field named after "
                    "each; name the question after a field, or add the field",
                    entry,
                    field=f"questions.{key}",
                )
    _check_question(checks, entry, pipe)
    checks.check_templates(entry, inputs, {"prompt": pipe.prompt})


def _check_question(checks: PipeChecks, entry: PipeEntry, pipe: PipeJudgeBlueprint) -> None:
    if pipe.question is None and not pipe.questions:
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            "a PipeJudge needs a `question` (with options, levels or criteria) or a `questions` table",
            entry,
        )
    if pipe.question is not None and pipe.questions:
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            "a PipeJudge has either one `question` or a `questions` table, not both",
            entry,
            field="questions",
        )
    asked: list[tuple[str, str, JudgeQuestion | PipeJudgeBlueprint]] = []
    if pipe.question is not None:
        asked.append(("the question", "question", pipe))
    for key, question in (pipe.questions or {}).items():
        asked.append((f"the question {key!r}", f"questions.{key}", question))
    for label, field, question in asked:
        _check_kind(checks, entry, label, field, question)


def _check_kind(
    checks: PipeChecks, entry: PipeEntry, label: str, field: str, question: JudgeQuestion | PipeJudgeBlueprint
) -> None:
    """A question is a choice (`options`), a rating (`levels`) or a yes/no (`criteria`, `threshold`): one kind."""
    kinds = [name for name in ("options", "levels") if getattr(question, name) is not None]
    if len(kinds) > 1:
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            f"{label} declares both `options` (a choice) and `levels` (a rating): keep one",
            entry,
            field=field,
        )
    elif kinds and question.criteria is not None:
        made = "a choice" if kinds[0] == "options" else "a rating"
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            f"`criteria` applies to a yes/no question only, and {label} declares `{kinds[0]}`, which makes it "
            f"{made} question: remove `criteria`",
            entry,
            field=field,
        )
    if kinds and question.threshold is not None:
        # a threshold turns a probability of yes into a yes or a no: a choice or a rating has no yes to weigh
        made = "a choice" if kinds[0] == "options" else "a rating"
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            f"`threshold` applies to a yes/no question only, and {label} declares `{kinds[0]}`, which makes it "
            f"{made} question: remove `threshold`",
            entry,
            field=field,
        )
    if question.options is not None and len(question.options) < 2:
        # a choice among fewer than two options asks nothing (the reference refuses it when the method loads)
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            f"a choice question needs at least two `options` to choose between, and {label} declares "
            f"{len(question.options)}: add the other options, or ask a yes/no question (`criteria`)",
            entry,
            field=f"{field}.options" if field != "question" else "options",
        )
    if question.levels is not None:
        labels = [level.label for level in question.levels]
        repeated = sorted({x for x in labels if labels.count(x) > 1})
        if len(labels) < 2:
            checks.report(
                ErrorType.SCHEMA_VIOLATION,
                f"a rating question needs at least two `levels` on its scale, and {label} declares "
                f"{len(labels)}: add the other levels, or ask a yes/no question (`criteria`)",
                entry,
                field=f"{field}.levels" if field != "question" else "levels",
            )
        elif repeated:
            checks.report(
                ErrorType.SCHEMA_VIOLATION,
                f"a rating reports the label of its level, so the labels of one scale are distinct, and {label} "
                f"repeats {', '.join(repr(r) for r in repeated)}: give each level its own label",
                entry,
                field=f"{field}.levels" if field != "question" else "levels",
            )
    if question.threshold is not None and not 0 < question.threshold < 1:
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            f"`threshold` is a probability of yes, strictly between 0 and 1, and {label} declares "
            f"{question.threshold}: write a value such as 0.7",
            entry,
            field=field,
        )


KIND = PipeKind(
    blueprint=PipeJudgeBlueprint,
    run=operator_runner(run),
    check=check,
    model_category=ModelCategory.JUDGE,
    model_calls=calls_its_model(ModelCategory.JUDGE),
    task_kind="judge",
)
