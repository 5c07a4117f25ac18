"""Workers that share nothing but the Temporal address and an S3 bucket (a real ``moto_server`` on 127.0.0.1).

Two ``pipelex worker`` processes and this client each get their own working directory, home, temp folder and
storage folder; ``[storage] kind = "s3"`` points all three at one bucket. A run whose payloads are over the
offload threshold goes through: the client offloads its input to the bucket, workers read it from there and
offload their own big results, and no payload lands on any local disk.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelex.backends.temporal.devserver import DevServer
from pipelex.boot import Pipelex
from pipelex.config.settings import PipelexConfig, StorageConfig, TemporalConfig
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from tests.storage.test_storage import _bucket, moto_endpoint  # noqa: F401 - the moto_server fixture
from tests.temporal.workers import WorkerProcess

BUNDLE = """
domain = "archive"
description = "Copies long notes through a template, one per item"
main_pipe = "copy_all"

[pipe.copy_all]
type = "PipeBatch"
description = "Copies each note"
inputs = { notes = "Text[]" }
output = "Text[]"
branch_pipe_code = "copy_note"
input_list_name = "notes"
input_item_name = "note"

[pipe.copy_note]
type = "PipeLLM"
description = "Rewrites one note"
inputs = { note = "Text" }
output = "Text"
prompt = "Rewrite: $note"
"""


def own_places(root: Path) -> dict[str, str]:
    """A working directory, home, temp and storage folder of one process's own."""
    places = {name: root / name for name in ("work", "home", "tmp", "storage")}
    for place in places.values():
        place.mkdir(parents=True)
    return {
        "cwd": str(places["work"]),
        "HOME": str(places["home"]),
        "TMPDIR": str(places["tmp"]),
        "PIPELEX_STORAGE_DIR": str(places["storage"]),
    }


async def test_workers_share_only_temporal_and_the_bucket(
    temporal_server: DevServer,
    moto_endpoint: str,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    workers: list[WorkerProcess],
) -> None:
    s3 = _bucket(moto_endpoint, "pipelex-shared")
    queue = "shared-nothing"
    storage_toml = (
        f'[storage]\nkind = "s3"\ns3_bucket = "pipelex-shared"\ns3_prefix = "deploy"\n'
        f's3_endpoint_url = "{moto_endpoint}"\n'
    )
    roots = []
    for name in ("worker-a", "worker-b"):
        places = own_places(tmp_path / name)
        config_file = Path(places["cwd"]) / "pipelex.toml"
        config_file.write_text(
            f'[temporal]\nis_enabled = true\naddress = "{temporal_server.address}"\n'
            f'task_queue = "{queue}"\npayload_offload_bytes = 65536\n{storage_toml}'
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIPELEX_", "XDG_"))}
        env.update({k: v for k, v in places.items() if k != "cwd"})
        workers.append(WorkerProcess(env, cwd=Path(places["cwd"])))
        roots.append(tmp_path / name)
    client_places = own_places(tmp_path / "client")
    config = PipelexConfig(
        temporal=TemporalConfig(
            is_enabled=True,
            address=temporal_server.address,
            task_queue=queue,
            in_process_worker=False,
            payload_offload_bytes=65536,
        ),
        storage=StorageConfig(
            kind="s3",
            s3_bucket="pipelex-shared",
            s3_prefix="deploy",
            s3_endpoint_url=moto_endpoint,
            local_dir=client_places["PIPELEX_STORAGE_DIR"],
        ),
    )
    notes = [f"note {i}: " + "tide table " * 3000 for i in range(6)]  # ~200 KB: over the 64 KiB threshold
    Pipelex.make(config=config)
    try:
        output = await PipelexRunner(
            mthds_content=BUNDLE, pipe_run_mode=PipeRunMode.DRY, backend="temporal"
        ).execute_pipeline({"notes": notes})
    finally:
        Pipelex.teardown()
    assert len(output.main_stuff_json()["items"]) == 6  # type: ignore[index]
    ran_on = {n.placement["worker"] for n in output.graph.nodes if n.placement and n.kind == "operator"}
    assert ran_on <= {w.identity for w in workers} and ran_on
    stored = [o["Key"] for o in s3.list_objects_v2(Bucket="pipelex-shared").get("Contents", [])]
    assert stored and all(key.startswith("deploy/temporal-payloads/") for key in stored)
    for root in [*roots, tmp_path / "client"]:  # nothing offloaded to any local folder
        assert not list(root.rglob("temporal-payloads")), root
