"""PipeDocGen: a document generated from the inputs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipelex.config.deck import ModelCategory
from pipelex.inference.jobs import DocGenJob
from pipelex.language.blueprint import PipeDocGenBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import written_ref
from pipelex.memory.stuff import Stuff
from pipelex.pipes.checks import OutputRule, PipeChecks
from pipelex.pipes.context import RunContext
from pipelex.pipes.kinds import PipeKind, operator_runner
from pipelex.pipes.operators.common import job_settings, render
from pipelex.pipes.rendering import default_style, format_value
from pipelex.pipes.resolved import ResolvedInputs
from pipelex.pipes.runtime import make_output

if TYPE_CHECKING:
    from pipelex.concepts.library import Concept
    from pipelex.concepts.paths import Var
    from pipelex.language.specs import ConceptSpec


def _safe_filename(name: str, extension: str) -> str:
    name = re.sub(r"\s+", "-", name.strip())
    name = re.sub(r"[^\w.\-]", "", name) or "document"
    return name if name.lower().endswith(f".{extension}") else f"{name}.{extension}"


async def run(entry: PipeEntry, pipe: PipeDocGenBlueprint, inputs: ResolvedInputs, ctx: RunContext) -> Stuff:
    """Render the text and the file name, then generate the document."""
    text = render(ctx, entry, pipe.template, inputs, style=default_style(ctx.settings))
    if text is None:
        text = "\n\n".join(format_value(s.content) for s in inputs.stuffs.values())
    filename = _safe_filename(
        render(ctx, entry, pipe.filename, inputs, style=default_style(ctx.settings)) or entry.code,
        pipe.format,
    )
    job = DocGenJob(
        **job_settings(entry, ctx),
        format=pipe.format,
        filename=filename,
        text=text,
        model=written_ref(pipe.model),
    )
    return make_output(entry, ctx, await ctx.generators.for_job(job).make_document(job))


MAKES = OutputRule(("Document",), False, "generates a document")


def check(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: PipeDocGenBlueprint,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
) -> None:
    """It makes a document; its template and file name read declared inputs (an input it does not name is
    written whole)."""
    if output is not None:
        checks.check_makes(entry, output, MAKES)
    checks.check_templates(
        entry, inputs, {"template": pipe.template, "filename": pipe.filename}, check_unused=False
    )


KIND = PipeKind(
    blueprint=PipeDocGenBlueprint,
    run=operator_runner(run),
    check=check,
    model_category=ModelCategory.DOC_GEN,  # internal writers (reportlab, ...): no provider call to pre-flight
    task_kind="doc_gen",
)
