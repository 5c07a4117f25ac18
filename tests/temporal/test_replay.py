"""Determinism: workflow histories replay with the current code (``temporalio.worker.Replayer``)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from pipelex.backends.temporal import worker
from pipelex.backends.temporal.client import connect
from pipelex.backends.temporal.codec import data_converter, payload_store_dir
from pipelex.backends.temporal.payloads import PipeRunOutcome, PipeRunPayload, TraceEvent
from pipelex.backends.temporal.worker import WORKFLOWS
from pipelex.config.settings import PipelexConfig
from pipelex.errors import PipeRunError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from tests.temporal.bundles import NESTED_BUNDLE, NESTED_INPUTS, ORDER, SHOP_BUNDLE, failing_bundle
from tests.temporal.histories import HISTORY_DIR, histories_of, load


async def each(histories: list[WorkflowHistory]) -> AsyncIterator[WorkflowHistory]:
    """The histories as the async iterator the replayer takes."""
    for history in histories:
        yield history


def replayer(workflows: list[type] | None = None) -> Replayer:
    """A replayer configured like the workers, with their runner as the tests have it (``conftest.py``: the tripwire
    of ``tests/temporal/guard.py`` armed on every activation), so a replay also checks the code it replays."""
    return Replayer(
        workflows=workflows or WORKFLOWS,
        workflow_runner=worker.workflow_runner(),
        data_converter=data_converter(store=payload_store_dir(), threshold=256 * 1024),
    )


@pytest.mark.parametrize("path", sorted(HISTORY_DIR.glob("*.json")), ids=lambda p: p.stem)
async def test_recorded_histories_replay_with_the_current_code(path: Path) -> None:
    histories = load(path)
    assert histories
    results = await replayer().replay_workflows(each(histories), raise_on_replay_failure=False)
    assert results.replay_failures == {}


async def test_fresh_histories_replay(temporal_booted: PipelexConfig, counter_file: Path) -> None:
    client = await connect(temporal_booted)
    ids: set[str] = set()
    for bundle, inputs, mode in (
        (SHOP_BUNDLE, {"order": ORDER}, PipeRunMode.DRY),
        (NESTED_BUNDLE, NESTED_INPUTS, PipeRunMode.DRY),
        (NESTED_BUNDLE, {**NESTED_INPUTS, "harbour": "Brest"}, PipeRunMode.DRY),
    ):
        output = await PipelexRunner(mthds_content=bundle, pipe_run_mode=mode).execute_pipeline(inputs)
        ids |= {n.placement["workflow_id"] for n in output.graph.nodes if n.placement}
    with pytest.raises(PipeRunError):  # a failed run replays too
        await PipelexRunner(mthds_content=failing_bundle(), pipe_run_mode=PipeRunMode.LIVE).execute_pipeline(
            {"text": "hi"}
        )
    async for summary in client.list_workflows(f"TaskQueue = '{temporal_booted.temporal.task_queue}'"):
        ids.add(summary.id)
    histories = await histories_of(client, ids)
    assert len(histories) >= 10
    results = await replayer().replay_workflows(each(histories), raise_on_replay_failure=False)
    assert results.replay_failures == {}


@workflow.defn(name="WfRunPipe")
class ReorderedWfRunPipe:
    """A changed workflow: dispatches a leaf first, where the recorded code started a child workflow."""

    @workflow.run
    async def run(self, payload: PipeRunPayload) -> PipeRunOutcome:
        """Not what the recorded runs did."""
        return await workflow.execute_activity(
            "act_run_leaf", payload, result_type=PipeRunOutcome, start_to_close_timeout=timedelta(seconds=5)
        )


async def test_a_nondeterministic_change_is_caught_by_the_replay() -> None:
    histories = load(HISTORY_DIR / "shop_dry.json")
    top = [h for h in histories if "/" not in h.workflow_id]
    assert len(top) == 1
    results = await replayer([ReorderedWfRunPipe]).replay_workflows(each(top), raise_on_replay_failure=False)
    assert set(results.replay_failures) == {top[0].run_id}
    assert isinstance(results.replay_failures[top[0].run_id], workflow.NondeterminismError)


async def test_a_replay_refuses_the_clock_to_the_workflow_code_it_replays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The recorded runs replay under the tripwire too: workflow code that read the clock now, where the recorded code
    did not, fails the replay (its run fails where the history goes on)."""
    from pipelex.backends.temporal.router import TemporalPipeRouter

    original = TemporalPipeRouter.run

    async def run_reading_the_clock(self: TemporalPipeRouter, *args: Any, **kwargs: Any) -> Any:
        time.time()
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(TemporalPipeRouter, "run", run_reading_the_clock)
    histories = load(HISTORY_DIR / "shop_dry.json")
    top = [h for h in histories if "/" not in h.workflow_id]
    results = await replayer().replay_workflows(each(top), raise_on_replay_failure=False)
    assert set(results.replay_failures) == {top[0].run_id}


def _top_result(histories: list[WorkflowHistory]) -> dict[str, Any]:
    """The JSON result the top workflow of a run recorded."""
    [top] = [h for h in histories if "/" not in h.workflow_id]
    for event in top.events:
        if event.HasField("workflow_execution_completed_event_attributes"):
            result: dict[str, Any] = json.loads(
                event.workflow_execution_completed_event_attributes.result.payloads[0].data
            )
            return result
    raise AssertionError("the top workflow did not complete")


def _shape(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What a trace says, whatever the order its concurrent children came back in and their timings: the runs, their
    places in the graph, their statuses and the data of their inputs and outputs."""
    return sorted(
        (
            e["op"],
            e["node"],
            e.get("parent"),
            e.get("pipe_code"),
            e.get("status"),
            json.dumps(
                [i.get("data") for i in (e.get("inputs") or []) + (e.get("outputs") or [])], sort_keys=True
            ),
        )
        for e in events
    )


async def test_a_workflow_records_its_trace_as_the_recorded_runs_did(temporal_booted: PipelexConfig) -> None:
    """Workflow code keeps its children's events as JSON (``PipeRunOutcomeJson``): the result it records holds the
    same runs and data as the recorded run's (which kept them as models), each event written as a TraceEvent writes
    itself."""
    client = await connect(temporal_booted)
    output = await PipelexRunner(mthds_content=SHOP_BUNDLE, pipe_run_mode=PipeRunMode.DRY).execute_pipeline(
        {"order": ORDER}
    )
    ids = {n.placement["workflow_id"] for n in output.graph.nodes if n.placement}
    fresh = _top_result(await histories_of(client, ids))
    recorded = _top_result(load(HISTORY_DIR / "shop_dry.json"))
    assert _shape(fresh["events"]) == _shape(recorded["events"])
    for event in fresh["events"]:
        assert "omitted" not in event
        assert (
            TraceEvent.model_validate(event).model_dump(mode="json") == event
        )  # as a TraceEvent writes itself
