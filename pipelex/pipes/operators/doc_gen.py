"""PipeDocGen: a document generated from the inputs."""

from __future__ import annotations

import re
from pathlib import Path
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
    if pipe.template is not None and pipe.format != "pdf":
        # the inline template is HTML, laid out into a PDF; an office document is filled from a template file of
        # its own format (the reference: "PipeDocGen's inline 'template' is an HTML template, for the 'pdf'
        # format only")
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            f"the inline `template` is an HTML template, for the 'pdf' format only, and this PipeDocGen makes "
            f"{pipe.format!r}: remove `template` (the inputs are laid out by themselves), or name a "
            f".{pipe.format} file with `template_file`, or make a pdf",
            entry,
            field="template",
        )
    if pipe.template_file is not None:
        _check_template_file(checks, entry, pipe.template_file)
    checks.check_templates(
        entry, inputs, {"template": pipe.template, "filename": pipe.filename}, check_unused=False
    )
    if pipe.filename is not None:
        _check_filename_paths(checks, entry, pipe.filename, inputs)


def _check_template_file(checks: PipeChecks, entry: PipeEntry, name: str) -> None:
    """``template_file`` names a file of the method's folder: relative to the bundle's file, inside its folder."""
    why = ""
    if entry.file is None:
        why = "this bundle was given as text, with no folder to hold the file"
    else:
        folder = Path(entry.file).parent
        try:
            folder_resolved = folder.resolve()
            target = (folder / name).resolve()
        except (OSError, RuntimeError, ValueError):
            target = None
            folder_resolved = folder
        if target is None or Path(name).is_absolute() or folder_resolved not in target.parents:
            why = f"it is not a path inside the bundle's folder {str(folder_resolved)!r}"
        elif not target.is_file():
            why = f"there is no such file in the bundle's folder {str(folder_resolved)!r}"
    if why:
        checks.report(
            ErrorType.RESOURCE_MISSING,
            f"template_file {name!r} names no file of the method: {why}; put the template beside the bundle and "
            "name it by its path relative to the bundle's folder, or write an inline `template` (pdf)",
            entry,
            field="template_file",
        )


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
