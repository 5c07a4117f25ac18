"""PipeExtract: pages (text, images, page views) from a document or an image."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelex.concepts.natives import ImageContent, ListContent
from pipelex.config.deck import ModelCategory
from pipelex.diagnostics import ErrorType
from pipelex.errors import PipeRunError
from pipelex.inference.jobs import ExtractJob
from pipelex.language.blueprint import PipeExtractBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import written_ref
from pipelex.memory.stuff import Stuff
from pipelex.pipes.checks import PipeChecks
from pipelex.pipes.context import RunContext
from pipelex.pipes.kinds import PipeKind, operator_runner
from pipelex.pipes.operators.common import calls_its_model, job_settings, leaf_usage
from pipelex.pipes.resolved import ResolvedInputs
from pipelex.pipes.runtime import make_output

if TYPE_CHECKING:
    from pipelex.concepts.library import Concept
    from pipelex.concepts.paths import Var
    from pipelex.language.specs import ConceptSpec


async def run(entry: PipeEntry, pipe: PipeExtractBlueprint, inputs: ResolvedInputs, ctx: RunContext) -> Stuff:
    """Extract the pages of the single input."""
    if len(inputs.stuffs) != 1:
        raise PipeRunError(
            f"pipe {entry.code!r}: a PipeExtract reads exactly one document or image", pipe_code=entry.code
        )
    source = next(iter(inputs.stuffs.values())).content
    if isinstance(source, ListContent):
        raise PipeRunError(
            f"pipe {entry.code!r}: a PipeExtract reads one document, not a list", pipe_code=entry.code
        )
    url = getattr(source, "url", None)
    if not isinstance(url, str):
        raise PipeRunError(f"pipe {entry.code!r}: its input has no url to extract from", pipe_code=entry.code)
    dpi = 72 if pipe.page_views_dpi is None else pipe.page_views_dpi
    if dpi < 1:
        raise PipeRunError(
            f"pipe {entry.code!r}: page_views_dpi is {dpi}: give a positive number of dots per inch (72 by default)",
            pipe_code=entry.code,
        )
    job = ExtractJob(
        **job_settings(entry, ctx),
        source_url=url,
        source_kind="image" if isinstance(source, ImageContent) else "document",
        page_views=bool(pipe.page_views),
        page_views_dpi=dpi,
        nb_extract_pages=ctx.settings.nb_extract_pages,
        model=written_ref(pipe.model),
        limits=ctx.settings.limits,
    )
    with leaf_usage(ctx):
        pages = await ctx.generators.for_job(job).make_pages(job)
    return make_output(entry, ctx, list(pages))


def check(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: PipeExtractBlueprint,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
) -> None:
    """It makes a list of pages from exactly one Document or Image."""
    if output is not None:
        _check_output(checks, entry, output)
    _check_input(checks, entry, inputs)
    concepts = checks.library.concepts
    image = concepts.concepts["native.Image"]
    if any(concepts.refines(v.concept, image) for v in inputs.values()):
        # an image is one picture, not pages holding images or views (the reference refuses these on an image)
        for name, set_ in (
            ("max_page_images", pipe.max_page_images is not None),
            ("page_views", pipe.page_views is True),
            ("page_image_captions", pipe.page_image_captions is True),
        ):
            if set_:
                checks.report(
                    ErrorType.SCHEMA_VIOLATION,
                    f"`{name}` applies to the pages of a document, and this PipeExtract reads an image: remove "
                    f"{name}",
                    entry,
                    field=name,
                )


def _check_output(checks: PipeChecks, entry: PipeEntry, output: tuple[ConceptSpec, Concept]) -> None:
    """A PipeExtract makes a list of pages whose length the document decides: its output is 'Page[]', the native
    Pages, a rule of the pipe's own fields, as in the reference (schema_violation for 'Text', 'Page', 'Page[2]', a
    list of a concept refining Page, 'Dynamic[]' or 'Anything': "a variable-length list of native Pages"); a later
    pipe reads the pages and makes the user's concept."""
    spec, concept = output
    concepts = checks.library.concepts
    if concept.ref != "native.Page":
        kind = (
            "a concept refining Page"
            if concepts.refines(concept, concepts.concepts["native.Page"])
            else "not a page"
        )
        problem = f"{concept.ref} is {kind}, not the native Page"
    elif not spec.is_list:
        problem = "one page is not the list of the document's pages"
    elif spec.item_count is not None:
        problem = "the number of pages is the document's, not fixed in advance"
    else:
        return
    checks.report(
        ErrorType.SCHEMA_VIOLATION,
        f"a PipeExtract outputs the pages of a document or an image, 'Page[]', not {entry.blueprint.output!r} "
        f'({problem}): declare output = "Page[]", then read the pages\' text in the next pipe',
        entry,
        field="output",
    )


def _check_input(checks: PipeChecks, entry: PipeEntry, inputs: dict[str, Var]) -> None:
    specs = entry.blueprint.input_specs()
    # the reference: rules of the pipe's own fields ("Too many inputs provided for PipeExtract", "the input 'x' is a
    # native.Text, neither an Image nor a Document"): schema violations
    if len(specs) != 1:
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            f"a PipeExtract reads exactly one input (a Document or an Image), not {len(specs)}",
            entry,
            field="inputs",
        )
    concepts = checks.library.concepts
    for name, var in inputs.items():
        if not (
            concepts.refines(var.concept, concepts.concepts["native.Document"])
            or concepts.refines(var.concept, concepts.concepts["native.Image"])
        ):
            checks.report(
                ErrorType.SCHEMA_VIOLATION,
                f"input {name!r} is a {var.concept.ref}, but a "
                "PipeExtract reads a Document or an Image: pass a Document (or an Image), e.g. "
                f'{name} = "Document"',
                entry,
                field=f"inputs.{name}",
            )


KIND = PipeKind(
    blueprint=PipeExtractBlueprint,
    run=operator_runner(run),
    check=check,
    model_category=ModelCategory.EXTRACT,
    model_calls=calls_its_model(ModelCategory.EXTRACT),
    task_kind="extract",
)
