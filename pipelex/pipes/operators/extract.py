"""PipeExtract: pages (text, images, page views) from a document or an image."""

from __future__ import annotations

from pipelex.concepts.natives import ImageContent, ListContent
from pipelex.errors import PipeRunError
from pipelex.inference.jobs import ExtractJob
from pipelex.inference.leaf import content_generator_for
from pipelex.language.blueprint import PipeExtractBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import written_ref
from pipelex.memory.stuff import Stuff
from pipelex.pipes.context import RunContext
from pipelex.pipes.operators.common import job_settings, leaf_usage
from pipelex.pipes.runtime import ResolvedInputs, make_output


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
    job = ExtractJob(
        **job_settings(entry, ctx),
        source_url=url,
        source_kind="image" if isinstance(source, ImageContent) else "document",
        page_views=bool(pipe.page_views),
        page_views_dpi=pipe.page_views_dpi or 72,
        nb_extract_pages=ctx.settings.nb_extract_pages,
        model=written_ref(pipe.model),
    )
    with leaf_usage(ctx):
        pages = await content_generator_for(job).make_pages(job)
    return make_output(entry, ctx, list(pages))
