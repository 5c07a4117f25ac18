"""PipeDocGen: a document generated from the inputs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipelex.config.deck import ModelCategory
from pipelex.diagnostics import ErrorType
from pipelex.inference.jobs import DocGenJob
from pipelex.language.blueprint import PipeDocGenBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import written_ref
from pipelex.language.templates import analyze
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
    if pipe.filename is not None:
        _check_filename_paths(checks, entry, pipe.filename, inputs)


def _check_filename_paths(
    checks: PipeChecks, entry: PipeEntry, filename: str, inputs: dict[str, Var]
) -> None:
    """Each field path the file name reads (``{{ sheet.part }}``, ``$sheet.part``) names fields its input's
    structure has: the name is made before the document, so a wrong field is a static error (as in the
    reference; a prompt's raw ``{{ x.f }}`` is not checked). Paths into a native value are not walked."""
    try:
        paths = analyze(filename).paths
    except ValueError:  # a syntax error: check_templates reported it
        return
    concepts = checks.library.concepts
    for path in sorted(paths):
        root, *segments = path.split(".")
        var = inputs.get(root)
        if var is None:
            continue
        concept, walked = var.concept, root
        for segment in segments:
            infos = concepts.field_infos(concept)
            if infos is None:
                break
            info = infos.get(segment)
            if info is None:
                checks.report(
                    ErrorType.BINDING_PATH_UNRESOLVED,
                    f"the filename reads {path!r}, but {segment!r} is not a field of {walked!r} "
                    f"({concept.ref}; its fields: {', '.join(sorted(infos))}): name one of its fields",
                    entry,
                    field="filename",
                )
                break
            target = concepts.resolve(info.concept_ref, concept.domain)
            if target is None:
                break
            concept, walked = target, f"{walked}.{segment}"


KIND = PipeKind(
    blueprint=PipeDocGenBlueprint,
    run=operator_runner(run),
    check=check,
    model_category=ModelCategory.DOC_GEN,  # internal writers (reportlab, ...): no provider call to pre-flight
    task_kind="doc_gen",
)
