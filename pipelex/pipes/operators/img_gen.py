"""PipeImgGen: images from a prompt."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipelex.config.deck import ModelCategory
from pipelex.diagnostics import ErrorType
from pipelex.inference.jobs import ImgGenJob
from pipelex.language.blueprint import PipeImgGenBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import written_ref
from pipelex.memory.stuff import Stuff
from pipelex.pipes.checks import NB_OUTPUT, OutputRule, PipeChecks
from pipelex.pipes.context import RunContext
from pipelex.pipes.kinds import PipeKind, operator_runner
from pipelex.pipes.operators.common import calls_its_model, job_settings, leaf_usage, render
from pipelex.pipes.rendering import default_style
from pipelex.pipes.resolved import ResolvedInputs
from pipelex.pipes.runtime import make_output, output_spec

if TYPE_CHECKING:
    from pipelex.concepts.library import Concept
    from pipelex.concepts.paths import Var
    from pipelex.language.specs import ConceptSpec


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
        images = await ctx.generators.for_job(job).make_images(job)
    return make_output(entry, ctx, list(images) if spec.is_list else images[0])


MAKES = OutputRule(("Image",), False, "generates images")

SIZE_TIERS = ("0.5k", "1k", "2k", "4k")
EXACT_SIZE = re.compile(r"[1-9][0-9]*x[1-9][0-9]*")


def _check_settings(checks: PipeChecks, entry: PipeEntry, pipe: PipeImgGenBlueprint) -> None:
    """The size is a tier or an exact ``WxH`` (which sets the aspect ratio itself); a seed is not negative."""
    if pipe.size is not None:
        if pipe.size not in SIZE_TIERS and not EXACT_SIZE.fullmatch(pipe.size):
            checks.report(
                ErrorType.SCHEMA_VIOLATION,
                f"`size` {pipe.size!r} is neither a size tier ({', '.join(SIZE_TIERS)}) nor an exact size "
                "such as '2048x1152'",
                entry,
                field="size",
            )
        elif pipe.aspect_ratio is not None and EXACT_SIZE.fullmatch(pipe.size):
            checks.report(
                ErrorType.SCHEMA_VIOLATION,
                f"an exact `size` ({pipe.size!r}) sets the aspect ratio, so `aspect_ratio` "
                f"({pipe.aspect_ratio!r}) cannot be set too: remove aspect_ratio, or use a size tier "
                f"({', '.join(SIZE_TIERS)})",
                entry,
                field="size",
            )
    if isinstance(pipe.seed, int) and pipe.seed < 0:
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            f'`seed` is a non-negative integer or "auto", and this PipeImgGen declares {pipe.seed}',
            entry,
            field="seed",
        )


def check(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: PipeImgGenBlueprint,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
) -> None:
    """It makes images; its prompts read declared inputs (and ``$_nb_output``); its settings are well formed."""
    _check_settings(checks, entry, pipe)
    if output is not None:
        checks.check_makes(entry, output, MAKES)
        if output[0].is_list and output[0].item_count is None:
            checks.report(
                ErrorType.SCHEMA_VIOLATION,
                f"a PipeImgGen makes a set number of images, so its output cannot be {entry.blueprint.output!r}: "
                "declare one image ('Image') or a count ('Image[3]')",
                entry,
                field="output",
            )
    checks.check_templates(
        entry,
        inputs,
        {"prompt": pipe.prompt, "negative_prompt": pipe.negative_prompt},
        runtime_names=NB_OUTPUT,
    )


KIND = PipeKind(
    blueprint=PipeImgGenBlueprint,
    run=operator_runner(run),
    check=check,
    model_category=ModelCategory.IMG_GEN,
    model_calls=calls_its_model(ModelCategory.IMG_GEN),
    task_kind="img_gen",
)
