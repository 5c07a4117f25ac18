"""The direct :class:`Backend`: run, start, status and cancel in this process; the backend picked once, by name."""

from __future__ import annotations

import asyncio
import textwrap

import pytest

from pipelex.backends import backend_for
from pipelex.backends.direct import DirectBackend
from pipelex.backends.protocol import Backend
from pipelex.errors import ConfigError, PipeRunError, RunCancelledError, RunNotFoundError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner

LABELS = textwrap.dedent("""
    domain      = "labels"
    description = "Labels for a list of plants"
    main_pipe   = "label_all"

    [pipe.label_all]
    type             = "PipeBatch"
    description      = "Writes a label for each plant"
    inputs           = { plants = "Text[]" }
    output           = "Text[]"
    branch_pipe_code = "label_one"
    input_list_name  = "plants"
    input_item_name  = "plant"

    [pipe.label_one]
    type        = "PipeCompose"
    description = "One label"
    inputs      = { plant = "Text" }
    output      = "Text"
    template    = "LABEL: $plant"
""")

FAILS = textwrap.dedent("""
    domain      = "fails"
    description = "A run that fails"
    main_pipe   = "refuse"

    [pipe.refuse]
    type        = "PipeFunc"
    description = "Refuses"
    inputs      = { text = "Text" }
    output      = "Text"
    function_name = "tests.api.funcs.explode"
""")


def test_the_backend_is_picked_once_by_name() -> None:
    direct = backend_for("direct")
    assert isinstance(direct, DirectBackend) and direct.name == "direct"
    assert backend_for("temporal").name == "temporal"
    with pytest.raises(ConfigError, match="unknown backend 'celery'"):
        backend_for("celery")
    runner = PipelexRunner(mthds_content=LABELS, pipe_run_mode=PipeRunMode.DRY, backend=direct)
    assert runner.backend is direct  # an instance is used as given


def test_a_direct_backend_satisfies_the_protocol() -> None:
    backend: Backend = DirectBackend()
    assert backend.notices() == []
    assert len(backend.new_run_id()) == 32 and backend.new_run_id() != backend.new_run_id()


async def test_a_started_run_is_read_by_id_with_the_output_of_a_waited_run() -> None:
    runner = PipelexRunner(mthds_content=LABELS, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    inputs = {"plants": ["fern", "ivy", "sage"]}
    waited = await runner.execute_pipeline(inputs)
    run_id = await runner.start_pipeline(inputs)
    state = await runner.backend.status(run_id)
    for _ in range(200):
        if state.is_finished:
            break
        await asyncio.sleep(0.01)
        state = await runner.backend.status(run_id)
    assert state.status == "succeeded" and state.error is None
    assert state.pipe_code == "label_all" and state.run_mode is PipeRunMode.DRY
    assert (
        state.started_at is not None
        and state.finished_at is not None
        and state.finished_at >= state.started_at
    )
    output = state.output
    assert output is not None and output.pipeline_run_id == run_id != waited.pipeline_run_id
    assert output.main_stuff_json() == waited.main_stuff_json()
    assert [n.pipe_code for n in output.graph.nodes] == [n.pipe_code for n in waited.graph.nodes]
    assert output.usage.to_json() == waited.usage.to_json()
    assert await runner.backend.cancel(run_id) is False  # it had finished


async def test_a_failed_started_run_carries_its_error_and_partial_output() -> None:
    runner = PipelexRunner(mthds_content=FAILS, pipe_run_mode=PipeRunMode.LIVE, backend="direct")
    run_id = await runner.start_pipeline({"text": "soup"})
    state = await runner.backend.status(run_id)
    while not state.is_finished:
        await asyncio.sleep(0.01)
        state = await runner.backend.status(run_id)
    assert state.status == "failed" and isinstance(state.error, PipeRunError)
    assert state.error.pipe_code == "refuse"
    partial = state.error.partial_output
    assert partial is not None and partial.main_stuff is None
    assert [n.status for n in partial.graph.nodes] == ["failed"]


async def test_a_started_run_is_cancelled() -> None:
    runner = PipelexRunner(mthds_content=LABELS, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    run_id = await runner.start_pipeline({"plants": [f"plant {i}" for i in range(5_000)]})
    assert (await runner.backend.status(run_id)).status == "running"
    assert await runner.backend.cancel(run_id) is True
    state = await runner.backend.status(run_id)
    assert state.status == "cancelled" and isinstance(state.error, RunCancelledError)
    assert state.output is None


async def test_an_unknown_run_id_is_a_clear_error() -> None:
    backend = DirectBackend()
    with pytest.raises(RunNotFoundError, match="no run 'nope' was started on this direct backend"):
        await backend.status("nope")
    with pytest.raises(RunNotFoundError):
        await backend.cancel("nope")
