"""PipeStructure: an input turned into the structured output concept."""

from __future__ import annotations

from pipelex.inference.jobs import LLMJob
from pipelex.language.blueprint import PipeStructureBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import written_ref
from pipelex.memory.stuff import Stuff
from pipelex.pipes.context import RunContext
from pipelex.pipes.operators.common import generate_structured, job_settings, leaf_usage
from pipelex.pipes.rendering import format_value
from pipelex.pipes.runtime import ResolvedInputs, make_output, output_spec


async def run(
    entry: PipeEntry, pipe: PipeStructureBlueprint, inputs: ResolvedInputs, ctx: RunContext
) -> Stuff:
    """Ask the model to fill the output structure from the inputs' text."""
    spec, concept = output_spec(entry, ctx)
    model = ctx.library.concepts.content_model(concept)
    text = "\n\n".join(f"<{name}>\n{format_value(s.content)}\n</{name}>" for name, s in inputs.stuffs.items())
    job = LLMJob(
        **job_settings(entry, ctx),
        output="object_list" if spec.is_list else "object",
        prompt=f"Fill the structure {concept.code} from this text:\n{text}",
        concept_ref=concept.ref,
        json_schema=model.model_json_schema(),
        item_count=spec.item_count,
        model=written_ref(pipe.model),
    )
    with leaf_usage(ctx):
        content = await generate_structured(job, model)
    return make_output(entry, ctx, content)
