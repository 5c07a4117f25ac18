"""PipeImgGen: images from a prompt."""

from __future__ import annotations

from pipelex.inference.jobs import ImgGenJob
from pipelex.inference.leaf import content_generator_for
from pipelex.language.blueprint import PipeImgGenBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import written_ref
from pipelex.memory.stuff import Stuff
from pipelex.pipes.context import RunContext
from pipelex.pipes.operators.common import job_settings, leaf_usage, render
from pipelex.pipes.rendering import default_style
from pipelex.pipes.runtime import ResolvedInputs, make_output, output_spec


async def run(entry: PipeEntry, pipe: PipeImgGenBlueprint, inputs: ResolvedInputs, ctx: RunContext) -> Stuff:
    """Render the prompt and generate ``N`` images (one unless the output is ``Image[N]``)."""
    spec, _ = output_spec(entry, ctx)
    count = spec.item_count or (ctx.settings.nb_list_items if spec.is_list else 1)
    runtime_vars = {"_nb_output": count}  # the number of images asked for
    job = ImgGenJob(
        **job_settings(entry, ctx),
        prompt=render(ctx, entry, pipe.prompt, inputs, extra=runtime_vars, style=default_style(ctx.settings))
        or "",
        negative_prompt=render(
            ctx, entry, pipe.negative_prompt, inputs, extra=runtime_vars, style=default_style(ctx.settings)
        ),
        nb_images=count,
        aspect_ratio=pipe.aspect_ratio,
        output_format=pipe.output_format,
        model=written_ref(pipe.model),
    )
    with leaf_usage(ctx):
        images = await content_generator_for(job).make_images(job)
    return make_output(entry, ctx, list(images) if spec.is_list else images[0])
