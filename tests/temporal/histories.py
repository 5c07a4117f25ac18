"""Recording workflow histories for the replay tests: ``python -m tests.temporal.histories`` rewrites them.

Each file under ``tests/temporal/histories/`` is a JSON list of ``{"workflow_id", "history"}`` (every
workflow of one run: the top one and its children). Re-record only on purpose: a replay failure of a
recorded history means the workflow code changed in a way that breaks runs in flight.

``wide_unbounded_dry.json`` is not made by :func:`record`: it was recorded with the code before bounded dispatch
(``tests/temporal/test_bounded_dispatch.py``'s bundle, 23 items at ``slice_items_in_flight = 4``, every item in
flight at once), to show that such a run in flight still replays (``workflow.patched``). Never re-record it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHistory

HISTORY_DIR = Path(__file__).parent / "histories"


async def histories_of(client: Client, workflow_ids: set[str]) -> list[WorkflowHistory]:
    """The histories of the given workflows, sorted by id."""
    return [await client.get_workflow_handle(wid).fetch_history() for wid in sorted(workflow_ids)]


def save(name: str, histories: list[WorkflowHistory]) -> Path:
    """Write the histories of one run."""
    HISTORY_DIR.mkdir(exist_ok=True)
    path = HISTORY_DIR / f"{name}.json"
    data = [{"workflow_id": h.workflow_id, "history": h.to_json_dict()} for h in histories]
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path


def load(path: Path) -> list[WorkflowHistory]:
    """Read the histories of one run."""
    data: list[dict[str, Any]] = json.loads(path.read_text())
    return [WorkflowHistory.from_json(item["workflow_id"], item["history"]) for item in data]


async def record() -> None:
    """Run the recorded scenarios on a fresh dev server and save their histories."""
    import uuid

    from pipelex.backends.temporal import temporal_session, validate_on_temporal
    from pipelex.backends.temporal.client import connect
    from pipelex.backends.temporal.devserver import DevServer
    from pipelex.boot import Pipelex
    from pipelex.config.settings import PipelexConfig, TemporalConfig
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner
    from tests.temporal.bundles import NESTED_BUNDLE, NESTED_INPUTS, ORDER, SHOP_BUNDLE

    server = DevServer().wait_ready()
    try:
        config = PipelexConfig(
            temporal=TemporalConfig(
                is_enabled=True,
                address=server.address,
                in_process_worker=True,
                task_queue=f"record-{uuid.uuid4().hex[:8]}",
            )
        )
        Pipelex.make(config=config)
        async with temporal_session(config):
            client = await connect(config)
            for name, bundle, inputs in (
                ("shop_dry", SHOP_BUNDLE, {"order": ORDER}),
                ("nested_dry", NESTED_BUNDLE, NESTED_INPUTS),
            ):
                output = await PipelexRunner(
                    mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY
                ).execute_pipeline(inputs)
                ids = {n.placement["workflow_id"] for n in output.graph.nodes if n.placement}
                print(save(name, await histories_of(client, ids)))
            report = await validate_on_temporal([SHOP_BUNDLE])
            print(save("validate", await histories_of(client, {report.workflow_id})))
    finally:
        Pipelex.teardown()
        server.stop()


if __name__ == "__main__":
    asyncio.run(record())
