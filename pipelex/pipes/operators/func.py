"""PipeFunc: a Python function called by import path (live); its declared output mocked (dry)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pipelex.concepts.natives import ListContent
from pipelex.inference.jobs import FuncJob
from pipelex.language.blueprint import PipeFuncBlueprint
from pipelex.language.library import PipeEntry
from pipelex.memory.stuff import Stuff
from pipelex.pipes.checks import PipeChecks
from pipelex.pipes.context import RunContext
from pipelex.pipes.kinds import PipeKind, operator_runner
from pipelex.pipes.operators.common import job_settings
from pipelex.pipes.resolved import ResolvedInputs
from pipelex.pipes.runtime import make_output, output_spec

if TYPE_CHECKING:
    from pipelex.concepts.library import Concept
    from pipelex.concepts.paths import Var
    from pipelex.language.specs import ConceptSpec


async def run(entry: PipeEntry, pipe: PipeFuncBlueprint, inputs: ResolvedInputs, ctx: RunContext) -> Stuff:
    """Call the function with the input contents (keyword arguments named after the inputs)."""
    spec, concept = output_spec(entry, ctx)
    model = ctx.library.concepts.content_model(concept)
    kwargs: dict[str, Any] = {
        name: (list(s.content.items) if isinstance(s.content, ListContent) else s.content)
        for name, s in inputs.stuffs.items()
    }
    job = FuncJob(
        **job_settings(entry, ctx),
        function_name=pipe.function_name,
        concept_ref=concept.ref,
    )
    generator = ctx.generators.for_job(job)
    if spec.is_list:
        count = spec.item_count or ctx.settings.nb_list_items
        items = [await generator.call_function(job, kwargs, model) for _ in range(count)]
        return make_output(entry, ctx, items)
    return make_output(entry, ctx, await generator.call_function(job, kwargs, model))


_FUNC_PATH_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+\Z")


def check(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: PipeFuncBlueprint,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
) -> None:
    """Its function is named by an import path (``package.module.function``)."""
    if not _FUNC_PATH_RE.match(pipe.function_name):
        checks.report(
            "pipe_func_function_refused",
            f"function_name {pipe.function_name!r} is not an import path: write 'package.module.function'",
            entry,
            field="function_name",
        )


KIND = PipeKind(
    blueprint=PipeFuncBlueprint,
    run=operator_runner(run),
    check=check,
    task_kind="func",
    runs_user_code=True,
)
