"""PipeJudge: yes/no, choice or rating verdicts on one question or several."""

from __future__ import annotations

from typing import Any

from pipelex.concepts.values import ContentError, to_content
from pipelex.errors import PipeRunError
from pipelex.inference.jobs import JudgeJob, JudgeQuestionJob
from pipelex.inference.leaf import content_generator_for
from pipelex.language.blueprint import JudgeQuestion, PipeJudgeBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import written_ref
from pipelex.memory.stuff import Stuff
from pipelex.pipes.context import RunContext
from pipelex.pipes.operators.common import job_settings, leaf_usage, render
from pipelex.pipes.rendering import default_style
from pipelex.pipes.runtime import ResolvedInputs, make_output, output_spec


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
        verdicts = await content_generator_for(job).judge(job)
    data: Any = (
        verdicts[0] if not pipe.questions else {q.key: v for q, v in zip(questions, verdicts, strict=True)}
    )
    try:
        return make_output(entry, ctx, to_content(data, concept, ctx.library.concepts))
    except ContentError as exc:
        raise PipeRunError(
            f"pipe {entry.code!r}: the verdicts do not fit {concept.ref}: {exc}",
            pipe_code=entry.code,
            error_type="pipe_output_invalid",
        ) from exc
