"""Helpers shared by operators: rendering prompts, job settings, output concepts."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypedDict, cast

from pipelex.concepts.library import Concept
from pipelex.concepts.natives import ListContent, StuffContent, native_kind
from pipelex.config.deck import ModelCategory
from pipelex.inference.jobs import Attachment, LLMJob
from pipelex.inference.live.preflight import ModelCall
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import ModelRef
from pipelex.language.specs import ConceptSpec
from pipelex.pipes.context import RunContext
from pipelex.pipes.rendering import ImageRegistry, TemplatingStyle, render_template
from pipelex.pipes.resolved import ResolvedInputs

if TYPE_CHECKING:
    from pipelex.concepts.natives import DocumentContent, ImageContent
    from pipelex.io.policy import IOPolicy
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipes.kinds import ModelCalls


def render(
    ctx: RunContext,
    entry: PipeEntry,
    template: str | None,
    inputs: ResolvedInputs,
    *,
    html: bool = False,
    style: TemplatingStyle | None = None,
    extra: dict[str, Any] | None = None,
    images: ImageRegistry | None = None,
) -> str | None:
    """Render one template of the pipe with its inputs (None stays None), within the run's ``[limits]``.

    ``style`` is the pipe's templating style; ``extra`` holds the runtime variables the operator provides
    (``_nb_output``), which never shadow an input; ``images`` (an LLM prompt) collects the images the
    template shows, each rendered as ``[Image N]``.
    """
    if template is None:
        return None
    context = inputs.template_context()
    metadata = inputs.template_metadata(context)
    if extra:
        context = {**extra, **context}
    return render_template(
        template,
        context,
        pipe_code=entry.code,
        html=html,
        style=style,
        metadata=metadata,
        images=images,
        limits=ctx.settings.limits,
    )


def nb_output_variable(spec: ConceptSpec) -> dict[str, Any]:
    """``_nb_output``: the number of outputs requested (N for ``X[N]``, 1 for a single output, None for ``X[]``,
    where the model decides)."""
    if spec.item_count is not None:
        return {"_nb_output": spec.item_count}
    return {"_nb_output": None if spec.is_list else 1}


def attachments(inputs: ResolvedInputs, images: ImageRegistry | None = None) -> list[Attachment]:
    """What is passed to the model beside the prompt: the images the prompt shows, in the order of their
    ``[Image N]`` numbers, then any image input it did not show and the document inputs."""
    found: list[Attachment] = [
        Attachment(kind="image", url=i.url, mime_type=i.mime_type)
        for i in (images.images if images is not None else [])
    ]
    shown = {a.url for a in found}
    for stuff in inputs.stuffs.values():
        items = stuff.content.items if isinstance(stuff.content, ListContent) else [stuff.content]
        for item in items:
            kind = native_kind(item)  # (the image and document classes are made on first use)
            if kind == "ImageContent":
                image = cast("ImageContent", item)
                if image.url not in shown:
                    shown.add(image.url)
                    found.append(Attachment(kind="image", url=image.url, mime_type=image.mime_type))
            elif kind == "DocumentContent":
                document = cast("DocumentContent", item)
                found.append(Attachment(kind="document", url=document.url, mime_type=document.mime_type))
    return found


def is_text(ctx: RunContext, concept: Concept) -> bool:
    """True when the concept's content is plain text."""
    return ctx.library.concepts.is_text_like(concept)


async def generate_structured(
    ctx: RunContext, job: LLMJob, model: type[StuffContent]
) -> StuffContent | list[StuffContent]:
    """One object, or a list when the job asks for one (``object_list`` / ``text_list``), from the run's generator
    of the job's mode."""
    generator = ctx.generators.for_job(job)
    if job.output in ("object_list", "text_list"):
        return list(await generator.make_object_list(job, model))
    return await generator.make_object(job, model)


@contextmanager
def leaf_usage(ctx: RunContext) -> Generator[None, None, None]:
    """Record on this leaf's graph node the usage its provider calls report and their warnings (a reply cut off
    by the token limit, ...), even when the leaf then fails."""
    from pipelex.reporting.run_warnings import collect_warnings
    from pipelex.reporting.usage_sink import collect_usage

    with collect_usage() as records, collect_warnings() as warnings:
        try:
            yield
        finally:
            if records and ctx.parent_node is not None:
                from pipelex.reporting.usage import report_of  # (its models: only a leaf that reported usage)

                ctx.tracer.add_usage(ctx.parent_node, report_of(records).to_json())
            if warnings and ctx.parent_node is not None:
                for message in warnings:
                    ctx.tracer.add_warning(ctx.parent_node, message)


class JobSettings(TypedDict):
    """Fields every job takes from the run (typed, so `**job_settings(...)` checks against each job class)."""

    run_mode: PipeRunMode
    pipe_code: str
    nb_list_items: int
    text_truncate_length: int
    io_policy: IOPolicy


def job_settings(entry: PipeEntry, ctx: RunContext) -> JobSettings:
    """Fields every job takes from the run."""
    return {
        "run_mode": ctx.run_mode,
        "pipe_code": entry.code,
        "nb_list_items": ctx.settings.nb_list_items,
        "text_truncate_length": ctx.settings.text_gen_truncate_length,
        "io_policy": ctx.settings.io_policy,
    }


def calls_its_model(category: ModelCategory) -> ModelCalls[Any]:
    """The model calls of an operator whose ``model`` field names one model of ``category`` (or its default)."""

    def calls(entry: PipeEntry, pipe: Any, /) -> list[ModelCall]:
        ref = ModelRef.of(getattr(pipe, "model", None))
        return [ModelCall(entry.code, "model", ref if ref is not None and ref.written else None, category)]

    return calls
