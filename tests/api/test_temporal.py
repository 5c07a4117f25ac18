"""On a real Temporal server: ``/validate`` is one ``act_dry_validate`` activity, ``/execute`` really dispatches."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus

from pipelex.api.app import create_app
from pipelex.config.settings import PipelexConfig
from tests.api.bundles import FUNCS, MENU, MENU_INVALID
from tests.api.conftest import Backend, assert_problem, serving


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
    started: dict[str, str] = {}
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


# ---------------------------------------------------------------------------------------------------- runs survive the API
def _wait_status(http: httpx.Client, run_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = http.get(f"/v1/runs/{run_id}")
        assert response.status_code == 200, response.text
        status = response.json()
        if status["status"] != "running" or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def test_a_started_run_is_read_after_the_api_restarts(api_temporal_server: Any) -> None:
    """/v1/start returns the workflow id; a new server (the same one restarted: nothing in memory) reads the run,
    its result, status record, results and progress from the Temporal server."""
    config = Backend("temporal", api_temporal_server.address).config()
    body = {"mthds_contents": [MENU], "dry_run": True, "mock_inputs": True}
    with (
        serving(create_app(config, api_key="k1")) as url,
        httpx.Client(base_url=url, timeout=60, headers={"Authorization": "Bearer k1"}) as http,
    ):
        started = http.post("/v1/start", json=body)
        assert started.status_code == 202, started.text
        run_id = started.json()["run_id"]
        assert (
            run_id == started.json()["pipeline_run_id"]
            and run_id.startswith("pipelex-")
            and len(run_id) == 40
        )
        before = _wait_status(http, run_id)
    assert before["status"] == "succeeded", before

    # the restarted server: a new app and backend, nothing in memory; the same Temporal server and key
    with serving(create_app(config, api_key="k1")) as url, httpx.Client(base_url=url, timeout=60) as http:
        assert http.get(f"/v1/runs/{run_id}").status_code == 401  # the key is still checked first
        http.headers["Authorization"] = "Bearer k1"
        after = http.get(f"/v1/runs/{run_id}")
        assert after.status_code == 200, after.text
        read = after.json()
        assert read["status"] == "succeeded" and read["backend"] == "temporal" and read["dry_run"] is True
        assert read["result"]["main_stuff"] == before["result"]["main_stuff"]
        assert read["result"]["pipe_output"] == before["result"]["pipe_output"]
        assert read["result"]["usage"] == before["result"]["usage"]
        assert [n["pipe_code"] for n in read["result"]["graph"]["nodes"]] == [
            n["pipe_code"] for n in before["result"]["graph"]["nodes"]
        ]
        assert read["created_at"] and read["finished_at"]
        record = http.get(f"/v1/runs/{run_id}/status").json()
        assert record["status"] == "COMPLETED" and record["pipe_code"] == "write_menu_card"
        results = http.get(f"/v1/runs/{run_id}/results")
        assert (
            results.status_code == 200
            and results.json()["main_stuff"] == before["result"]["main_stuff"]["content"]
        )
        progress = http.get(f"/v1/runs/{run_id}/progress").json()
        assert progress["status"] == "succeeded" and len(progress["invocations"]) == 3
        # ids that are not runs of this namespace are 404 problems, without a traceback or the server's address
        for unknown in (
            "pipelex-" + "0" * 32,
            "pipelex-validate-" + "1" * 32,
            run_id + "/1-list_dishes",
            "x" * 64,
        ):
            missing = http.get(f"/v1/runs/{unknown}")
            assert missing.status_code in (404,), (unknown, missing.text)
            assert missing.headers["content-type"].startswith("application/problem+json")
            assert api_temporal_server.address not in missing.text


def test_a_run_in_progress_is_read_and_cancelled_from_another_replica(api_temporal_server: Any) -> None:
    """Two servers share one Temporal server: a run started on one is read and cancelled on the other, and
    both then see it cancelled; the workflow itself is cancelled on the Temporal server."""
    config = Backend("temporal", api_temporal_server.address).config(allow_pipe_func=True)
    slow = {"mthds_contents": [FUNCS], "pipe_code": "nap", "inputs": {"delay": "8"}}
    with (
        serving(create_app(config, api_key=None)) as first,
        serving(create_app(config, api_key=None)) as second,
    ):
        with (
            httpx.Client(base_url=first, timeout=60) as one,
            httpx.Client(base_url=second, timeout=60) as two,
        ):
            run_id = one.post("/v1/start", json=slow).json()["run_id"]
            seen = two.get(f"/v1/runs/{run_id}")
            assert seen.status_code == 200 and seen.json()["status"] == "running", seen.text
            assert two.get(f"/v1/runs/{run_id}/results").status_code == 202
            cancelled = two.post(f"/v1/runs/{run_id}/cancel")
            assert cancelled.status_code in (200, 202), cancelled.text
            on_two, on_one = _wait_status(two, run_id), _wait_status(one, run_id)
            assert on_two["status"] == on_one["status"] == "cancelled", (on_two, on_one)
            assert on_one["problem"]["code"] == "run.cancelled" and on_one["problem"]["run_id"] == run_id
            again = two.post(f"/v1/runs/{run_id}/cancel")
            assert again.status_code == 409 and again.json()["code"] == "run.already_ended"
    description = asyncio.run(_describe(config, run_id))
    assert description.status == WorkflowExecutionStatus.CANCELED


def test_a_run_belongs_to_the_key_that_started_it(api_temporal_server: Any) -> None:
    """Servers of different keys share one Temporal namespace: a run started with one key was read, its results
    fetched and the run cancelled through a server of any other key (or of none), by its id. Now only a server
    of the key that started it sees the run; any other answers the 404 of an id never handed out."""
    config = Backend("temporal", api_temporal_server.address).config(allow_pipe_func=True)
    slow = {"mthds_contents": [FUNCS], "pipe_code": "nap", "inputs": {"delay": "8"}}
    with (
        serving(create_app(config, api_key="key-a")) as first,
        serving(create_app(config, api_key="key-b")) as second,
        serving(create_app(config, api_key=None)) as third,
        httpx.Client(base_url=first, timeout=60, headers={"Authorization": "Bearer key-a"}) as owner,
        httpx.Client(base_url=second, timeout=60, headers={"Authorization": "Bearer key-b"}) as other,
        httpx.Client(base_url=third, timeout=60) as keyless,
    ):
        started = owner.post("/v1/start", json=slow)
        assert started.status_code == 202, started.text
        run_id = started.json()["run_id"]
        for http in (other, keyless):
            for path in ("", "/status", "/results", "/progress"):
                read = http.get(f"/v1/runs/{run_id}{path}")
                assert read.status_code == 404, (path, read.text)
                assert read.json()["code"] == "run.not_found"
            refused = http.post(f"/v1/runs/{run_id}/cancel")
            assert refused.status_code == 404 and refused.json()["code"] == "run.not_found", refused.text
        still = owner.get(f"/v1/runs/{run_id}")
        assert still.status_code == 200 and still.json()["status"] == "running", still.text
        assert owner.post(f"/v1/runs/{run_id}/cancel").status_code in (200, 202)
        assert _wait_status(owner, run_id)["status"] == "cancelled"
        assert other.get(f"/v1/runs/{run_id}").status_code == 404  # ended: still not the other key's


async def _describe(config: PipelexConfig, workflow_id: str) -> Any:
    client = await Client.connect(config.temporal.address, namespace=config.temporal.namespace)
    return await client.get_workflow_handle(workflow_id).describe()


def test_a_foreign_workflow_is_no_run(temporal_setup: tuple[str, PipelexConfig]) -> None:
    """A workflow of the namespace named like a run (``WfRunPipe``, ``pipelex-<hex>``) but not started by
    pipelex is a 404, not an internal error."""
    import uuid

    url, config = temporal_setup
    workflow_id = f"pipelex-{uuid.uuid4().hex}"

    async def start_foreign() -> Any:
        client = await Client.connect(config.temporal.address, namespace=config.temporal.namespace)
        return await client.start_workflow(
            "WfRunPipe", {"not": "a run"}, id=workflow_id, task_queue=f"nobody-{uuid.uuid4().hex[:8]}"
        )

    async def terminate() -> None:
        client = await Client.connect(config.temporal.address, namespace=config.temporal.namespace)
        await client.get_workflow_handle(workflow_id).terminate("test over")

    asyncio.run(start_foreign())
    try:
        with httpx.Client(base_url=url, timeout=60) as http:
            for route in ("", "/status", "/results", "/progress"):
                missing = http.get(f"/v1/runs/{workflow_id}{route}")
                assert missing.status_code == 404, (route, missing.text)
                assert missing.json()["code"] == "run.not_found"
            assert http.post(f"/v1/runs/{workflow_id}/cancel").status_code == 404
    finally:
        asyncio.run(terminate())


@pytest.mark.parametrize("route", ["/v1/start", "/v1/execute"])
def test_a_run_is_checked_under_the_bounds_of_a_run_before_this_server_loads_it(
    api_temporal_server: Any, route: str
) -> None:
    # the Temporal backend loaded a run's method (parse, resolution, static checks) in a thread of the server
    # process, without the deadline or memory ceiling of a run; it is now loaded in a worker process first, under
    # them (here a deadline no worker can meet), and nothing is started when that check fails
    from pipelex.config.settings import LimitsConfig

    config = Backend("temporal", api_temporal_server.address).config()
    app = create_app(config, api_key=None, limits=LimitsConfig(run_deadline_seconds=0.001))
    before = {wid for wid, _ in asyncio.run(_all_workflows(config))}
    with serving(app) as url, httpx.Client(base_url=url, timeout=120) as http:
        body = {"mthds_contents": [MENU], "inputs": {"kitchen_note": "leeks"}, "dry_run": True}
        document = assert_problem(http.post(route, json=body), 422, "run-limit-exceeded")
        assert document["limit"] == "run_deadline_seconds"
        assert http.get("/health").status_code == 200
    assert {wid for wid, _ in asyncio.run(_all_workflows(config))} == before
