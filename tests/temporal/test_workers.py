"""Several ``pipelex worker`` processes serve one run: workflows on one, routed leaves on another."""

from __future__ import annotations

import os
from pathlib import Path

from temporalio.api.enums.v1 import EventType

from pipelex.backends.temporal.client import connect
from pipelex.backends.temporal.payloads import LeafPayload
from pipelex.config.settings import PipelexConfig
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.temporal import run_pipeline_on_temporal
from tests.temporal.bundles import ORDER, SHOP_BUNDLE
from tests.temporal.workers import WorkerProcess

ONE_LEAF = """domain = "notes"
description = "One leaf"
main_pipe = "continue_note"

[pipe.continue_note]
type = "PipeLLM"
description = "Continue a note"
inputs = { note = "Text" }
output = "Text"
prompt = "Continue: $note"
"""


async def test_a_leaf_only_worker_gets_the_library_by_reference(
    temporal_config: PipelexConfig, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    t = temporal_config.temporal
    llm_queue = f"{t.task_queue}-llm"
    config = temporal_config.model_copy(
        update={
            "temporal": t.model_copy(update={"in_process_worker": False, "queue_by_kind": {"llm": llm_queue}})
        }
    )
    config_file = tmp_path / "pipelex.toml"
    config_file.write_text(f'[temporal]\naddress = "{t.address}"\ntask_queue = "{t.task_queue}"\n')
    env = {**os.environ, "PIPELEX_CONFIG": str(config_file), "PIPELEX_STORAGE_DIR": str(tmp_path / "storage")}
    controllers = WorkerProcess(env, "--task-queue", t.task_queue)
    workers.append(controllers)
    leaves = WorkerProcess(env, "--task-queue", llm_queue, "--max-concurrent-activities", "4")
    workers.append(leaves)
    output = await run_pipeline_on_temporal(
        [SHOP_BUNDLE], inputs={"order": ORDER}, pipe_run_mode=PipeRunMode.DRY, config=config
    )
    assert output.main_stuff_json() == {"text": "Ana | large desk for Ana | Parcel for Ana"}
    placed = {(n.pipe_code, n.placement["worker"]) for n in output.graph.nodes if n.placement}
    assert ("label_one_plant", leaves.identity) in placed and ("write_thanks", leaves.identity) in placed
    assert ("prepare_order", controllers.identity) in placed and ("write_tag", controllers.identity) in placed
    assert {w for _, w in placed} == {controllers.identity, leaves.identity}
    # the leaf worker never ran a workflow: it compiled the library from the texts in a workflow's history
    client = await connect(config)
    for workflow_id in {n.placement["workflow_id"] for n in output.graph.nodes if n.placement}:
        async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                attributes = event.activity_task_scheduled_event_attributes
                [payload] = await client.data_converter.decode(attributes.input.payloads, [LeafPayload])
                assert isinstance(payload, LeafPayload)
                assert payload.library.texts is None and payload.library.source_workflow_id == workflow_id
                assert payload.settings is None and payload.settings_digest is not None
    # the run's settings too: the leaf worker read them from the workflow's input, not from its own config
    short = config.model_copy(
        update={"dry_run": config.dry_run.model_copy(update={"text_gen_truncate_length": 20})}
    )
    output = await run_pipeline_on_temporal(
        [ONE_LEAF],
        inputs={"note": "a note long enough to be cut"},
        pipe_run_mode=PipeRunMode.DRY,
        config=short,
    )
    [leaf] = [n for n in output.graph.nodes if n.pipe_code == "continue_note"]
    assert leaf.placement is not None and leaf.placement["worker"] == leaves.identity
    text = output.main_stuff_json()["text"]
    assert len(text) == 20 and text.startswith("DRY RUN")


async def test_a_leaf_only_worker_reads_the_library_of_a_long_batch_slice(
    temporal_config: PipelexConfig, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    from tests.temporal.test_big_batches import SCORES

    t = temporal_config.temporal
    llm_queue = f"{t.task_queue}-llm"
    config = temporal_config.model_copy(
        update={
            "temporal": t.model_copy(
                update={
                    "in_process_worker": False,
                    "queue_by_kind": {"llm": llm_queue},
                    "batch_chunk_size": 5,
                }
            )
        }
    )
    config_file = tmp_path / "pipelex.toml"
    config_file.write_text(f'[temporal]\naddress = "{t.address}"\ntask_queue = "{t.task_queue}"\n')
    storage = os.environ.get("PIPELEX_STORAGE_DIR") or temporal_config.storage.local_dir  # the client's store
    env = {**os.environ, "PIPELEX_CONFIG": str(config_file), "PIPELEX_STORAGE_DIR": storage}
    controllers = WorkerProcess(env, "--task-queue", t.task_queue)
    workers.append(controllers)
    leaves = WorkerProcess(env, "--task-queue", llm_queue)
    workers.append(leaves)
    output = await run_pipeline_on_temporal(
        [SCORES],
        inputs={"reviews": [f"review {i}" for i in range(12)]},
        pipe_run_mode=PipeRunMode.DRY,
        config=config,
    )
    assert output.main_stuff_json() == {"text": "12 notes"}
    # the leaves ran on the leaf worker, which never ran a workflow: its library came from a slice's (WfRunItems)
    # history
    scored = [n for n in output.graph.nodes if n.pipe_code == "score_one" and n.placement]
    assert len(scored) == 12 and all("-items-" in n.placement["workflow_id"] for n in scored)  # type: ignore[index]
    assert {n.placement["worker"] for n in scored} == {leaves.identity}  # type: ignore[index]
