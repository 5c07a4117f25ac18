"""Validation and Temporal: the CLI sweep dispatches nothing; ``validate_on_temporal`` is one activity."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType

from pipelex.backends.temporal import validate_on_temporal
from pipelex.backends.temporal.client import connect
from pipelex.backends.temporal.devserver import DevServer
from pipelex.config.settings import PipelexConfig
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from tests.temporal.bundles import NESTED_BUNDLE, ORDER, SHOP_BUNDLE

BROKEN = """
domain = "broken"
description = "A pipe reads an input it does not declare"
main_pipe = "greet"

[pipe.greet]
type = "PipeLLM"
description = "Greets"
inputs = { name = "Text" }
output = "Text"
prompt = "Hello $nickname"
"""


async def count_on_queue(config: PipelexConfig) -> int:
    """Workflows the server knows on the config's task queue."""
    client = await connect(config)
    return (await client.count_workflows(f"TaskQueue = '{config.temporal.task_queue}'")).count


def test_cli_validate_with_temporal_dispatches_nothing(
    temporal_server: DevServer,
    temporal_config: PipelexConfig,
    run_cli: Callable[..., Any],
    tmp_bundle: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue = temporal_config.temporal.task_queue
    monkeypatch.setenv("PIPELEX_TEMPORAL_ADDRESS", temporal_server.address)
    monkeypatch.setenv("PIPELEX_TEMPORAL_TASK_QUEUE", queue)
    from pipelex.boot import Pipelex

    Pipelex.teardown()  # read the config (with the environment overrides) afresh
    try:
        code, out, err = run_cli("validate", "bundle", str(tmp_bundle(SHOP_BUNDLE)), "--temporal")
        assert code == 0, err
        assert "Temporal is enabled for this boot" in out
        assert Pipelex.config().temporal.is_enabled  # the boot flipped Temporal on ...
        assert Pipelex.config().temporal.task_queue == queue
    finally:
        Pipelex.teardown()
    assert asyncio.run(count_on_queue(temporal_config)) == 0  # ... and the sweep started no workflow

    async def control() -> int:
        # the same query sees a run on that queue: the zero above is not blindness
        Pipelex.make(config=temporal_config)
        try:
            await PipelexRunner(mthds_content=SHOP_BUNDLE, pipe_run_mode=PipeRunMode.DRY).execute_pipeline(
                {"order": ORDER}
            )
        finally:
            Pipelex.teardown()
        for _ in range(50):  # visibility is eventually consistent
            count = await count_on_queue(temporal_config)
            if count:
                return count
            await asyncio.sleep(0.1)
        return 0

    assert asyncio.run(control()) > 0


async def test_validate_on_temporal_is_one_activity_with_statuses_errors_and_the_graph(
    temporal_booted: PipelexConfig,
) -> None:
    report = await validate_on_temporal([SHOP_BUNDLE, NESTED_BUNDLE])
    assert report.is_valid and report.is_runnable
    statuses = {v.pipe_ref: v.status.value for v in report.validated_pipes}
    assert statuses["garden_shop.prepare_order"] == "SUCCESS"
    assert statuses["harbour.log_arrivals"] == "SUCCESS"
    assert len(statuses) == report.total_pipes == 19
    assert report.graph is not None and report.graph.backend == "temporal"
    roots = [
        n
        for n in report.graph.nodes
        if not any(e.target == n.id for e in report.graph.edges if e.kind == "contains")
    ]
    assert Counter(n.pipe_code for n in roots)["prepare_order"] == 1  # every pipe's dry run is a root
    assert all(n.placement and n.placement["workflow_id"] == report.workflow_id for n in report.graph.nodes)
    client = await connect(temporal_booted)
    kinds = Counter()
    async for event in client.get_workflow_handle(report.workflow_id).fetch_history_events():
        kinds[event.event_type] += 1
    assert kinds[EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED] == 1  # the whole sweep, in one activity
    assert kinds[EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED] == 0


async def test_validate_on_temporal_reports_every_error(temporal_booted: PipelexConfig) -> None:
    report = await validate_on_temporal([BROKEN])
    assert not report.is_valid
    types = {e.error_type for e in report.errors}
    assert {"missing_input_variable", "extraneous_input_variable"} <= {str(t) for t in types}
    assert all(e.pipe == "greet" for e in report.errors)
    assert [v.status.value for v in report.validated_pipes] == ["FAILURE"]
