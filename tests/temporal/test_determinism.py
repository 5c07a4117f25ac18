"""Why pipelex's workflows run outside the SDK's sandbox, and the tripwire that checks workflow code instead.

The sandbox refuses the clock to the code it imports itself, not to a module passed through it, which is how
pipelex's workflow code would run in it (``pipelex.backends.temporal.worker``). The tests' tripwire
(``tests/temporal/guard.py``) refuses it to any code an activation runs.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from pipelex.backends.temporal.devserver import DevServer
from pipelex.config.settings import PipelexConfig
from pipelex.errors import PipelexError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from tests.temporal.bundles import ORDER, SHOP_BUNDLE
from tests.temporal.guard import GuardedWorkflowRunner


def _read_the_clock() -> str:
    """What workflow code must not do; the outcome as text (a refusal names its error)."""
    try:
        return f"read {time.time():.0f}"
    except Exception as exc:  # noqa: BLE001 - the refusal is the result
        return f"refused: {type(exc).__name__}: {exc}"


def _draw_an_id() -> str:
    try:
        return f"drew {uuid.uuid4().hex}"
    except Exception as exc:  # noqa: BLE001 - the refusal is the result
        return f"refused: {type(exc).__name__}: {exc}"


@workflow.defn(name="ReadsTheClock", sandboxed=True)
class ReadsTheClock:
    """Workflow code that reads the clock and draws a uuid through functions of this (passed-through) module."""

    @workflow.run
    async def run(self) -> list[str]:
        """Both outcomes."""
        return [_read_the_clock(), _draw_an_id()]


async def _run(server: DevServer, runner: object) -> list[str]:
    client = await Client.connect(server.address)
    queue = f"determinism-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=queue, workflows=[ReadsTheClock], workflow_runner=runner):  # type: ignore[arg-type]
        return await client.execute_workflow(
            ReadsTheClock.run, id=f"clock-{uuid.uuid4().hex}", task_queue=queue
        )


async def test_the_sandbox_does_not_guard_a_module_passed_through_it(temporal_server: DevServer) -> None:
    """pipelex's workflow code is in passed-through modules: the sandbox lets them read the clock."""
    runner = SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(__name__)
    )
    read, drew = await _run(temporal_server, runner)
    assert read.startswith("read ") and drew.startswith("drew ")


async def test_the_tripwire_refuses_the_clock_and_uuids_to_workflow_code(temporal_server: DevServer) -> None:
    """The tests' runner refuses them, whatever module the code is in; the same calls elsewhere still work."""
    read, drew = await _run(temporal_server, GuardedWorkflowRunner())
    assert (
        read
        == "refused: NondeterministicCall: time.time() called from workflow code: its result is not replayed"
    )
    assert drew.startswith("refused: NondeterministicCall: uuid.uuid4() called from workflow code")
    assert _read_the_clock().startswith("read ") and _draw_an_id().startswith("drew ")  # not in a workflow


async def test_a_run_whose_workflow_reads_the_clock_fails_naming_the_call(
    temporal_booted: PipelexConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workflow code of pipelex that read the clock would fail its run under the tripwire, with the call named."""
    from pipelex.backends.temporal.router import TemporalPipeRouter

    original = TemporalPipeRouter.run

    async def run_reading_the_clock(self: TemporalPipeRouter, *args: Any, **kwargs: Any) -> Any:
        time.time()
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(TemporalPipeRouter, "run", run_reading_the_clock)
    with pytest.raises(PipelexError, match=r"time\.time\(\) called from workflow code"):
        await PipelexRunner(mthds_content=SHOP_BUNDLE, pipe_run_mode=PipeRunMode.DRY).execute_pipeline(
            {"order": ORDER}
        )
