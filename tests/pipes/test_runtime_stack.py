"""The pipe stack's safety net (``[runtime] pipe_stack_limit``): a chain of nested controllers deeper than the limit
fails naming the limit and the chain, not as "a pipe calls itself" (which it does not); within the limit it runs."""

from __future__ import annotations

import pytest

from pipelex.config.deck import default_deck
from pipelex.config.run_settings import RunSettings
from pipelex.errors import PipeRunError
from pipelex.language.library import build_library
from pipelex.memory.stuff import WorkingMemory
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.pipes.context import RunContext
from pipelex.pipes.runtime import run_pipe
from pipelex.tracing.tracer import GraphTracer
from pipelex.validation.report import validate_library


def chain(depth: int) -> str:
    """``s0`` -> ``s1`` -> ... -> ``s<depth>``: each a one-step sequence around the next, a PipeCompose last."""
    lines = ['domain = "deep"', 'main_pipe = "s0"', ""]
    for level in range(depth):
        lines += [
            f"[pipe.s{level}]",
            'type = "PipeSequence"',
            f'description = "Level {level}"',
            'inputs = { x = "Text" }',
            'output = "Text"',
            f'steps = [{{ pipe = "s{level + 1}", result = "y" }}]',
            "",
        ]
    lines += [f"[pipe.s{depth}]", 'type = "PipeCompose"', 'description = "Leaf"', 'inputs = { x = "Text" }']
    lines += ['output = "Text"', 'template = "$x"']
    return "\n".join(lines)


async def test_a_chain_deeper_than_the_stack_limit_says_so_and_not_that_a_pipe_calls_itself() -> None:
    runner = PipelexRunner(mthds_content=chain(200), pipe_run_mode=PipeRunMode.DRY, backend="direct")
    with pytest.raises(PipeRunError) as caught:
        await runner.execute_pipeline({"x": "hi"})
    message = str(caught.value)
    assert caught.value.error_type == "stack_overflow"
    assert "calls itself" not in message
    assert "pipe 's64'" in message and "[runtime] pipe_stack_limit" in message
    assert "a chain of nested pipes (deep.s0 -> ... -> deep.s62 -> deep.s63 -> deep.s64)" in message


async def test_a_chain_within_the_limit_validates_and_runs() -> None:
    text = chain(40)
    report = validate_library(build_library([(text, "deep.mthds")]), default_deck())
    assert report.is_valid, [e.message for e in report.errors][:3]
    runner = PipelexRunner(mthds_content=text, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    output = await runner.execute_pipeline({"x": "hi"})
    assert output.main_stuff_json() == {"text": "hi"}


async def test_a_pipe_met_again_on_the_stack_is_named_with_its_cycle() -> None:
    library = build_library([(chain(1), "deep.mthds")])
    entry = library.resolve_pipe("deep.s0")
    assert entry is not None
    ctx = RunContext(
        library=library,
        run_mode=PipeRunMode.DRY,
        settings=RunSettings(pipe_stack_limit=2),
        tracer=GraphTracer(pipeline_run_id="r", main_pipe="s0", domain="deep", mode="dry"),
        router=None,  # type: ignore[arg-type]  (the stack check comes before any routing)
        depth=2,
        stack=("deep.s0", "deep.s1"),
    )
    with pytest.raises(PipeRunError, match=r"a pipe calls itself \(deep\.s0 -> deep\.s1 -> deep\.s0\)"):
        await run_pipe(entry, WorkingMemory(), ctx, output_name="y")
