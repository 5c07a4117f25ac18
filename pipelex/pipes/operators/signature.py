"""PipeSignature: a pipe's contract alone. A dry run mocks its declared output; a live run refuses it."""

from __future__ import annotations

from pipelex.concepts.mocks import mock_content
from pipelex.errors import PipeRunError
from pipelex.inference.leaf import generator_class
from pipelex.language.blueprint import PipeSignatureBlueprint
from pipelex.language.library import PipeEntry
from pipelex.memory.stuff import Stuff
from pipelex.pipes.context import RunContext
from pipelex.pipes.kinds import PipeKind, no_check, operator_runner
from pipelex.pipes.resolved import ResolvedInputs
from pipelex.pipes.runtime import make_output, output_spec


async def run(
    entry: PipeEntry, pipe: PipeSignatureBlueprint, inputs: ResolvedInputs, ctx: RunContext
) -> Stuff:
    """Mock the promised output (dry), or refuse to run (live): nothing implements the contract yet.

    The inputs were already resolved against the signature by the caller, so a dry run checks the wiring of
    every pipe around the signature before the signature has a body.
    """
    if not generator_class(ctx.run_mode).mocks_signatures:  # a live run refuses it
        raise PipeRunError(
            f"pipe {entry.code!r} is a signature: a contract with no implementation, so it cannot run live; "
            f"replace it with a concrete {pipe.signature_for or 'pipe'} of the same inputs and output",
            pipe_code=entry.code,
            error_type="not_runnable",
        )
    spec, concept = output_spec(entry, ctx)
    model = ctx.library.concepts.content_model(concept)
    label = f"{entry.ref}:signature"
    if spec.is_list:
        count = spec.item_count or ctx.settings.nb_list_items
        return make_output(
            entry,
            ctx,
            [
                mock_content(model, label=f"{label}[{i}]", nb_list_items=ctx.settings.nb_list_items)
                for i in range(count)
            ],
        )
    return make_output(entry, ctx, mock_content(model, label=label, nb_list_items=ctx.settings.nb_list_items))


KIND = PipeKind(
    blueprint=PipeSignatureBlueprint,
    run=operator_runner(run),
    check=no_check,  # its contract is checked against its implementation's, library-wide (validation.static)
    runs_inline=True,  # it only mocks (dry) or refuses (live): no IO
)
