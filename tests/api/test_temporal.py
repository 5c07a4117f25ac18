"""On a real Temporal server: ``/validate`` is one ``act_dry_validate`` activity, ``/execute`` really dispatches."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from pipelex.api.app import create_app
from pipelex.config.settings import PipelexConfig
from tests.api.bundles import MENU, MENU_INVALID
from tests.api.conftest import Backend, serving


@pytest.fixture(scope="module")
def temporal_setup(api_temporal_server: Any) -> Iterator[tuple[str, PipelexConfig]]:
    """A server on the Temporal backend (its own task queue, an in-process worker); its URL and config."""
    config = Backend("temporal", api_temporal_server.address).config()
    with serving(create_app(config, api_key=None)) as url:
        yield url, config


async def _history(config: PipelexConfig, workflow_id: str) -> tuple[str, list[Any]]:
    client = await Client.connect(config.temporal.address, namespace=config.temporal.namespace)
    handle = client.get_workflow_handle(workflow_id)
    description = await handle.describe()
    events = [event async for event in handle.fetch_history_events()]
    return description.workflow_type, events


async def _all_workflows(config: PipelexConfig) -> list[tuple[str, str]]:
    """Every workflow of the namespace (on every task queue) this module's server could have started."""
    client = await Client.connect(config.temporal.address, namespace=config.temporal.namespace)
    return [(w.id, w.workflow_type) async for w in client.list_workflows()]


async def _new_workflows(
    config: PipelexConfig, before: set[str], *, expected: str | None = None
) -> dict[str, str]:
    """Workflows of the namespace not in ``before`` (visibility may lag a little: wait up to 5 s for one)."""
    for _ in range(50):
        started = {wid: wtype for wid, wtype in await _all_workflows(config) if wid not in before}
        if started and (expected is None or expected in started):
            return started
        await asyncio.sleep(0.1)
    return started


def _scheduled_activities(events: list[Any]) -> list[str]:
    return [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]


def _child_workflows(events: list[Any]) -> list[str]:
    return [
        e.start_child_workflow_execution_initiated_event_attributes.workflow_type.name
        for e in events
        if e.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
    ]


async def test_validate_is_one_activity_with_statuses_and_graph(
    temporal_setup: tuple[str, PipelexConfig],
) -> None:
    url, config = temporal_setup
    before = {wid for wid, _ in await _all_workflows(config)}
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        response = await http.post("/v1/validate", json={"mthds_contents": [MENU_INVALID]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["backend"] == "temporal"
    # per-pipe statuses and the graph came back in the one round trip
    assert body["is_valid"] is False
    statuses = {v["pipe_ref"]: v["status"] for v in body["validated_pipes"]}
    assert statuses["bistro_menus.lay_out_card"] == "FAILURE"
    assert statuses["bistro_menus.list_dishes"] == "SUCCESS"
    assert statuses["bistro_menus.greet"] == "SUCCESS"
    assert {"list_dishes", "greet"} <= {n["pipe_code"] for n in body["graph"]["nodes"]}
    assert body["graph"]["backend"] == "temporal"
    # exactly one workflow, WfDryValidate, with exactly one activity, act_dry_validate, and nothing nested
    workflow_type, events = await _history(config, body["workflow_id"])
    assert workflow_type == "WfDryValidate"
    assert _scheduled_activities(events) == ["act_dry_validate"]
    assert _child_workflows(events) == []
    started = await _new_workflows(config, before, expected=body["workflow_id"])
    assert started == {body["workflow_id"]: "WfDryValidate"}


async def test_execute_really_dispatches_to_workers(temporal_setup: tuple[str, PipelexConfig]) -> None:
    url, config = temporal_setup
    before = {wid for wid, _ in await _all_workflows(config)}
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        response = await http.post(
            "/v1/execute", json={"mthds_contents": [MENU], "dry_run": True, "mock_inputs": True}
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["backend"] == "temporal"
    assert [n["pipe_code"] for n in body["graph"]["nodes"]] == [
        "write_menu_card",
        "list_dishes",
        "lay_out_card",
    ]
    started = await _new_workflows(config, before)
    assert started, "the run started no workflow"
    activities: list[str] = []
    for workflow_id in started:
        _, events = await _history(config, workflow_id)
        activities += _scheduled_activities(events)
    assert activities.count("act_run_leaf") >= 2, (
        activities
    )  # the two LLM leaves ran as activities on the worker
    assert "act_dry_validate" not in activities


async def test_validate_valid_bundle_matches_the_direct_backend(
    temporal_setup: tuple[str, PipelexConfig],
) -> None:
    url, _ = temporal_setup
    with serving(create_app(PipelexConfig(), api_key=None)) as direct_url:
        async with httpx.AsyncClient(timeout=60) as http:
            on_temporal = (await http.post(f"{url}/v1/validate", json={"mthds_contents": [MENU]})).json()
            direct = (await http.post(f"{direct_url}/v1/validate", json={"mthds_contents": [MENU]})).json()
    for key in ("is_valid", "is_runnable", "validated_pipes", "errors", "warnings", "total_pipes"):
        assert on_temporal[key] == direct[key], key
    assert sorted(n["pipe_code"] for n in on_temporal["graph"]["nodes"]) == sorted(
        n["pipe_code"] for n in direct["graph"]["nodes"]
    )
    assert direct["workflow_id"] is None and on_temporal["workflow_id"].startswith("pipelex-validate-")
