"""PipeLLM: text, an object, or a list, from an LLM (or a mock, in a dry run)."""

from __future__ import annotations

from pipelex.concepts.natives import TextContent
from pipelex.errors import PipeRunError
from pipelex.inference.jobs import LLMJob
from pipelex.inference.leaf import content_generator_for
from pipelex.language.blueprint import PipeLLMBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import ModelSettingError, ModelSettings, written_ref
from pipelex.memory.stuff import Stuff
from pipelex.pipes.context import RunContext
from pipelex.pipes.operators.common import (
    attachments,
    generate_structured,
    is_text,
    job_settings,
    leaf_usage,
    nb_output_variable,
    render,
)
from pipelex.pipes.rendering import ImageRegistry, TemplatingStyle, default_style
from pipelex.pipes.runtime import ResolvedInputs, make_output, output_spec


async def run(entry: PipeEntry, pipe: PipeLLMBlueprint, inputs: ResolvedInputs, ctx: RunContext) -> Stuff:
    """Render the prompts, build the job, let the leaf answer."""
    spec, concept = output_spec(entry, ctx)
    style = TemplatingStyle.of(pipe.templating_style, default_style(ctx.settings))
    runtime_vars = nb_output_variable(spec)
    images = ImageRegistry()  # the system prompt's images are numbered first, as the model reads it first
    system = render(
        ctx,
        entry,
        pipe.system_prompt or entry.bundle.system_prompt,
        inputs,
        style=style,
        extra=runtime_vars,
        images=images,
    )
    prompt = (
        render(ctx, entry, pipe.prompt, inputs, style=style, extra=runtime_vars, images=images)
        or entry.blueprint.description
    )
    model = ctx.library.concepts.content_model(concept)
    text_out = is_text(ctx, concept)
    output = (
        ("text_list" if spec.is_list else "text")
        if text_out
        else ("object_list" if spec.is_list else "object")
    )
    try:
        settings = ModelSettings.of(pipe.model)
    except ModelSettingError as exc:
        raise PipeRunError(
            f"pipe {entry.code!r}: {exc}", pipe_code=entry.code, error_type="invalid_model_setting"
        ) from exc
    job = LLMJob(
        **job_settings(entry, ctx),
        output=output,
        prompt=prompt,
        system_prompt=system,
        attachments=attachments(inputs, images),
        model=written_ref(pipe.model),
        concept_ref=concept.ref,
        json_schema=None if text_out else model.model_json_schema(),
        item_count=spec.item_count,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        reasoning_effort=settings.reasoning_effort,
    )
    if output == "text":
        with leaf_usage(ctx):
            text = await content_generator_for(job).make_text(job)
        return make_output(entry, ctx, TextContent(text=text))
    with leaf_usage(ctx):
        if pipe.structuring_method == "preliminary_text":  # draft as text, then structure the draft
            draft_job = job.model_copy(update={"output": "text", "json_schema": None})
            draft = await content_generator_for(draft_job).make_text(draft_job)
            job = job.model_copy(
                update={
                    "prompt": f"Fill the structure {concept.code} from this text:\n{draft}",
                    "system_prompt": None,
                    "attachments": [],
                    "temperature": None,
                    "max_tokens": None,
                    "reasoning_effort": None,
                    "model": written_ref(pipe.model_to_structure) or job.model,
                }
            )
        content = await generate_structured(job, model)
    return make_output(entry, ctx, content)
