"""PipeStructure: an input turned into the structured output concept."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelex.config.deck import ModelCategory
from pipelex.diagnostics import ErrorType
from pipelex.inference.jobs import LLMJob
from pipelex.language.blueprint import PipeStructureBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.model_ref import written_ref
from pipelex.memory.stuff import Stuff
from pipelex.pipes.checks import OutputRule, PipeChecks
from pipelex.pipes.context import RunContext
from pipelex.pipes.kinds import PipeKind, operator_runner
from pipelex.pipes.operators.common import (
    calls_its_model,
    generate_structured,
    job_settings,
    leaf_usage,
)
from pipelex.pipes.rendering import format_value
from pipelex.pipes.resolved import ResolvedInputs
from pipelex.pipes.runtime import make_output, output_spec

if TYPE_CHECKING:
    from pipelex.concepts.library import Concept
    from pipelex.concepts.paths import Var
    from pipelex.language.specs import ConceptSpec


async def run(
    entry: PipeEntry, pipe: PipeStructureBlueprint, inputs: ResolvedInputs, ctx: RunContext
) -> Stuff:
    """Ask the model to fill the output structure from the inputs' text."""
    spec, concept = output_spec(entry, ctx)
    model = ctx.library.concepts.content_model(concept)
    text = "\n\n".join(f"<{name}>\n{format_value(s.content)}\n</{name}>" for name, s in inputs.stuffs.items())
    job = LLMJob.of_checked(
        **job_settings(entry, ctx),
        output="object_list" if spec.is_list else "object",
        prompt=f"Fill the structure {concept.code} from this text:\n{text}",
        concept_ref=concept.ref,
        json_schema=ctx.library.concepts.json_schema(concept),
        item_count=spec.item_count,
        model=written_ref(pipe.model),
    )
    with leaf_usage(ctx):
        content = await generate_structured(ctx, job, model)
    return make_output(entry, ctx, content)


MAKES = OutputRule((), True, "fills a structured concept")


def check(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: PipeStructureBlueprint,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
) -> None:
    """It makes a structured concept, from writing (not media)."""
    if output is not None:
        checks.check_makes(entry, output, MAKES)
    _check_inputs(checks, entry, inputs)


def _check_inputs(checks: PipeChecks, entry: PipeEntry, inputs: dict[str, Var]) -> None:
    """Exactly one input, of text (``Text`` or a concept refining it): the writing its structure is read from."""
    specs = entry.blueprint.input_specs()
    if len(specs) != 1:
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            f"a PipeStructure reads exactly one text input, and this one declares {len(specs)}"
            f"{' (' + ', '.join(specs) + ')' if specs else ''}: declare a single input whose concept is Text "
            "or refines Text (turn other values into that text first, e.g. with a PipeLLM or a PipeCompose)",
            entry,
            field="inputs",
        )
        return
    concepts = checks.library.concepts
    text = concepts.concepts["native.Text"]
    for name, var in inputs.items():
        if var.is_list:
            checks.report(
                ErrorType.SCHEMA_VIOLATION,
                f"input {name!r} is declared {specs[name]!r}, a list, but a PipeStructure structures one text: "
                "declare it single, and batch the PipeStructure (a PipeBatch or a step's batch_over) to "
                "structure each item of a list",
                entry,
                field=f"inputs.{name}",
            )
        elif not concepts.is_compatible(var.concept, text):
            checks.report(
                ErrorType.INPUT_STUFF_SPEC_MISMATCH,
                f"input {name!r} is a {var.concept.ref}, but a PipeStructure reads text (Text or a concept "
                "refining it): extract or describe it first, as text (a PipeExtract, a PipeLLM or a PipeCompose "
                "template), then structure that",
                entry,
                field=f"inputs.{name}",
            )


KIND = PipeKind(
    blueprint=PipeStructureBlueprint,
    run=operator_runner(run),
    check=check,
    model_category=ModelCategory.LLM,
    model_calls=calls_its_model(ModelCategory.LLM),
    task_kind="llm",
)
