"""PipeLLM: text, an object, or a list, from an LLM (or a mock, in a dry run)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelex.concepts.natives import TextContent
from pipelex.config.deck import ModelCategory
from pipelex.diagnostics import ErrorType
from pipelex.errors import PipeRunError
from pipelex.inference.jobs import LLMJob
from pipelex.inference.live.preflight import ModelCall
from pipelex.language.blueprint import PipeLLMBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import ModelRef, ModelSettingError, ModelSettings, written_ref
from pipelex.memory.stuff import Stuff
from pipelex.pipes.checks import NB_OUTPUT, PipeChecks
from pipelex.pipes.context import RunContext
from pipelex.pipes.kinds import PipeKind, operator_runner
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
from pipelex.pipes.resolved import ResolvedInputs
from pipelex.pipes.runtime import make_output, output_spec

if TYPE_CHECKING:
    from pipelex.concepts.library import Concept, ConceptLibrary
    from pipelex.concepts.paths import Var
    from pipelex.language.specs import ConceptSpec


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
    job = LLMJob.of_checked(
        **job_settings(entry, ctx),
        output=output,
        prompt=prompt,
        system_prompt=system,
        attachments=attachments(inputs, images),
        model=written_ref(pipe.model),
        concept_ref=concept.ref,
        json_schema=None if text_out else ctx.library.concepts.json_schema(concept),
        item_count=spec.item_count,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        reasoning_effort=settings.reasoning_effort,
    )
    if output == "text":
        with leaf_usage(ctx):
            text = await ctx.generators.for_job(job).make_text(job)
        return make_output(entry, ctx, TextContent(text=text))
    with leaf_usage(ctx):
        if pipe.structuring_method == "preliminary_text":  # draft as text, then structure the draft
            draft_job = job.model_copy(update={"output": "text", "json_schema": None})
            draft = await ctx.generators.for_job(draft_job).make_text(draft_job)
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
        content = await generate_structured(ctx, job, model)
    return make_output(entry, ctx, content)


def model_calls(entry: PipeEntry, pipe: PipeLLMBlueprint) -> list[ModelCall]:
    """Its ``model``, and ``model_to_structure`` when it structures a text draft (always an LLM)."""
    model = ModelRef.of(pipe.model)
    calls = [
        ModelCall(
            entry.code, "model", model if model is not None and model.written else None, ModelCategory.LLM
        )
    ]
    structure_ref = ModelRef.of(pipe.model_to_structure)
    if pipe.structuring_method == "preliminary_text" and structure_ref is not None and structure_ref.written:
        calls.append(ModelCall(entry.code, "model_to_structure", structure_ref, ModelCategory.LLM))
    return calls


def _image_field(concepts: ConceptLibrary, concept: Concept) -> str | None:
    """The first field of ``concept``'s structure that holds one image (``type = "concept"``, an Image)."""
    structure = concepts.structure_of(concept)
    if not structure:
        return None
    image = concepts.concepts["native.Image"]
    for name, spec in structure.items():
        if spec.type == "concept" and spec.concept_ref:
            target = concepts.resolve(spec.concept_ref, concept.domain)
            if target is not None and concepts.refines(target, image):
                return name
    return None


def check(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: PipeLLMBlueprint,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
) -> None:
    """A PipeLLM makes no image; its prompts read declared inputs."""
    if output is not None:
        concepts = checks.library.concepts
        if concepts.refines(output[1], concepts.concepts["native.Image"]):
            checks.report(
                ErrorType.LLM_OUTPUT_CANNOT_BE_IMAGE,
                f"a PipeLLM writes text or structures, not "
                f"images, so its output cannot be {entry.blueprint.output!r}: use a PipeImgGen to make "
                "an image",
                entry,
                field="output",
            )
        elif concepts.refines(output[1], concepts.concepts["native.Page"]):
            # a page is what an extraction reads off a document, with its view (an image): the reference
            # refuses it as an LLM output as it refuses an image (a TextAndImages is accepted)
            checks.report(
                ErrorType.LLM_OUTPUT_CANNOT_BE_IMAGE,
                f"a PipeLLM writes text or structures, not pages (a Page holds a page view, an image), so its "
                f"output cannot be {entry.blueprint.output!r}: use a PipeExtract to read pages off a document, "
                'or output a text or a structured concept (or "TextAndImages")',
                entry,
                field="output",
            )
        elif (image_field := _image_field(concepts, output[1])) is not None:
            # the reference refuses a structure whose own field holds an image ("cannot be compatible with the
            # Image concept"); a list of images, or an image nested in a field's concept, it lets through
            checks.report(
                ErrorType.LLM_OUTPUT_CANNOT_BE_IMAGE,
                f"a PipeLLM writes text or structures, not images, and its output {entry.blueprint.output!r} "
                f"has the field {image_field!r} holding an image: drop the field (make the image with a "
                "PipeImgGen, and assemble both in a PipeCompose `construct`), or make it a text (a caption, a URL)",
                entry,
                field="output",
            )
        elif pipe.structuring_method == "preliminary_text" and concepts.is_text_like(output[1]):
            # preliminary_text writes a text, then structures it: the second step makes a structure, so a text
            # output has nothing to structure (the reference: "PipeStructure output must be a structured concept")
            # `Text` itself is a rule of the pipe's fields in the reference ("PipeLLM with `structuring_method =
            # preliminary_text` cannot have output `Text`"); a concept refining it, a mismatch of concepts
            checks.report(
                ErrorType.SCHEMA_VIOLATION
                if output[1].ref == "native.Text"
                else ErrorType.INADEQUATE_OUTPUT_CONCEPT,
                f'structuring_method = "preliminary_text" writes a draft text then structures it, but the output '
                f"{entry.blueprint.output!r} is a text: remove structuring_method, or output a structured concept",
                entry,
                field="structuring_method",
            )
    # (with neither prompt nor system_prompt, nothing reads the inputs: each declared one is unused)
    checks.check_templates(
        entry,
        inputs,
        {"prompt": pipe.prompt, "system_prompt": pipe.system_prompt},
        runtime_names=NB_OUTPUT,
    )


KIND = PipeKind(
    blueprint=PipeLLMBlueprint,
    run=operator_runner(run),
    check=check,
    model_category=ModelCategory.LLM,
    model_calls=model_calls,
    task_kind="llm",
)
