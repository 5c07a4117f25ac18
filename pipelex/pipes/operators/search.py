"""PipeSearch: a web search answered with sources."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipelex.concepts.natives import SearchResultContent, TextContent
from pipelex.config.deck import ModelCategory
from pipelex.diagnostics import ErrorType
from pipelex.inference.jobs import LLMJob, SearchJob
from pipelex.language.blueprint import PipeSearchBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import written_ref
from pipelex.memory.stuff import Stuff
from pipelex.pipes.checks import OutputRule, PipeChecks
from pipelex.pipes.context import RunContext
from pipelex.pipes.kinds import PipeKind, operator_runner
from pipelex.pipes.operators.common import (
    calls_its_model,
    generate_structured,
    job_settings,
    leaf_usage,
    render,
)
from pipelex.pipes.rendering import default_style
from pipelex.pipes.resolved import ResolvedInputs
from pipelex.pipes.runtime import make_output, output_spec

if TYPE_CHECKING:
    from pipelex.concepts.library import Concept
    from pipelex.concepts.paths import Var
    from pipelex.language.specs import ConceptSpec


async def run(entry: PipeEntry, pipe: PipeSearchBlueprint, inputs: ResolvedInputs, ctx: RunContext) -> Stuff:
    """Search; a structured output is then filled from the answer (structured search)."""
    spec, concept = output_spec(entry, ctx)
    prompt = render(ctx, entry, pipe.prompt, inputs, style=default_style(ctx.settings)) or ""
    job = SearchJob(
        **job_settings(entry, ctx),
        prompt=prompt,
        max_results=pipe.max_results,
        model=written_ref(pipe.model),
    )
    generator = ctx.generators.for_job(job)
    with leaf_usage(ctx):
        result = await generator.search(job)
    model = ctx.library.concepts.content_model(concept)
    if issubclass(model, SearchResultContent):
        # one search makes one result: a `SearchResult[]` output holds it as a list of one (valid in the reference)
        return make_output(entry, ctx, [result] if spec.is_list else result)
    if issubclass(model, TextContent):  # a text output (Text, Markdown, a text concept): the search's answer
        return make_output(entry, ctx, model(text=result.answer))
    structure_job = LLMJob.of_checked(
        **job_settings(entry, ctx),
        output="object",
        concept_ref=concept.ref,
        prompt=f"{prompt}\n\nSearch answer:\n{result.answer}",
        json_schema=ctx.library.concepts.json_schema(concept),
    )
    with leaf_usage(ctx):
        structured = await generate_structured(ctx, structure_job, model)
    return make_output(entry, ctx, structured)


MAKES = OutputRule(
    ("SearchResult", "Text"),
    True,
    "answers a web search with a SearchResult or its answer as text, or fills a structure from it",
)


def check(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: PipeSearchBlueprint,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
) -> None:
    """It makes a SearchResult or a structure; its prompt reads declared inputs."""
    if output is not None:
        checks.check_makes(entry, output, MAKES)
    checks.check_templates(entry, inputs, {"prompt": pipe.prompt})
    for name in ("from_date", "to_date"):
        value = getattr(pipe, name)
        if value is not None and not _is_iso_date(value):
            checks.report(
                ErrorType.SCHEMA_VIOLATION,
                f"{name} {value!r} is not an ISO 8601 date: write it YYYY-MM-DD (e.g. '2026-01-31')",
                entry,
                field=name,
            )


def _is_iso_date(value: str) -> bool:
    import datetime as dt

    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


KIND = PipeKind(
    blueprint=PipeSearchBlueprint,
    run=operator_runner(run),
    check=check,
    model_category=ModelCategory.SEARCH,
    model_calls=calls_its_model(ModelCategory.SEARCH),
    task_kind="search",
)
