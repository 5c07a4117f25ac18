"""Durability: a worker killed (SIGKILL) in the middle of a live run loses nothing.

Worker processes are real ``pipelex worker`` subprocesses. The first is killed while a leaf is in flight;
a second one takes over: the run completes with the same result as a direct run, completed leaves are not
called again (the fake provider / the function's log counts calls), and only the leaf in flight is retried.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from pipelex.backends.protocol import RunState
from pipelex.backends.temporal.devserver import DevServer
from pipelex.config.settings import PipelexConfig, StorageConfig, TemporalConfig
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.pipeline.temporal import get_pipeline_run_on_temporal, start_pipeline_on_temporal
from pipelex.testing.fake_provider import FakeProvider
from tests.temporal.bundles import sequence_bundle
from tests.temporal.funcs import COUNTER_ENV
from tests.temporal.workers import WorkerProcess

STEPS = 4


async def wait_until(predicate: object, timeout: float) -> None:
    """Poll ``predicate()`` until true."""
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def wait_for_run(run_id: str, config: PipelexConfig, timeout: float = 90) -> RunState:
    """Poll the run until it is no longer running."""
    deadline = time.monotonic() + timeout
    while True:
        status = await get_pipeline_run_on_temporal(run_id, config=config)
        if status.status != "running":
            return status
        assert time.monotonic() < deadline, "the run did not finish"
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("leaf", ["PipeLLM", "PipeFunc"])
async def test_a_worker_killed_mid_run_loses_nothing(
    temporal_server: DevServer,
    tmp_path: Path,
    leaf: str,
    workers: list[WorkerProcess],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue = f"durable-{uuid.uuid4().hex[:8]}"
    config = PipelexConfig(
        temporal=TemporalConfig(
            is_enabled=True,
            address=temporal_server.address,
            task_queue=queue,
            in_process_worker=False,
            # the SDK throttles heartbeats to 0.8x this timeout: 1 s left 0.2 s of slack, and on a busy machine
            # a leaf that was never killed timed out and was retried; 4 s holds there, and the killed leaf is
            # still retried within seconds
            activity_heartbeat_s=4.0,
            retry_initial_interval_s=0.1,
        ),
        storage=StorageConfig(local_dir=str(tmp_path / "storage")),
    )
    log = tmp_path / "calls.log"
    config_file = tmp_path / "pipelex.toml"  # the workers' config: the one of a deployment
    config_file.write_text(
        f'[temporal]\nis_enabled = true\naddress = "{temporal_server.address}"\n'
        f'task_queue = "{queue}"\nsticky_timeout_s = 1.0\n'
    )
    bundle = sequence_bundle(STEPS, pipe_type=leaf)
    with FakeProvider(latency=1.0) as fake:
        env = {
            **os.environ,
            **fake.env(),
            "PIPELEX_CONFIG": str(config_file),
            "PIPELEX_STORAGE_DIR": str(tmp_path / "storage"),
            COUNTER_ENV: str(log),
            "PIPELEX_TEST_STEP_SECONDS": "1.0",
        }
        for key, value in env.items():
            if key.startswith(("OPENAI_", "ANTHROPIC_")) or key in (COUNTER_ENV, "PIPELEX_TEST_STEP_SECONDS"):
                monkeypatch.setenv(key, value)

        def started() -> list[str]:
            return [
                line.split(" ", 1)[1]
                for line in (log.read_text().splitlines() if log.exists() else [])
                if line.startswith("start ")
            ]

        def in_flight() -> int:  # leaves started so far (the last one is running)
            return fake.total_calls if leaf == "PipeLLM" else len(started())

        first = WorkerProcess(env)
        workers.append(first)
        run_id = await start_pipeline_on_temporal(
            [bundle], inputs={"text": "x"}, pipe_run_mode=PipeRunMode.LIVE, config=config
        )
        await wait_until(lambda: in_flight() >= 2, timeout=30)  # step 0 done, step 1 in flight
        first.kill()
        done_before_kill = in_flight() - 1
        second = WorkerProcess(env)
        workers.append(second)
        status = await wait_for_run(run_id, config)
        assert status.status == "succeeded", status.error
        output = status.output
        assert output is not None
        calls_on_temporal = fake.total_calls
        prompts = Counter(str(r.body) for r in fake.requests)
        starts = Counter(started())
        fake.latency = 0.0  # the reference run need not be slow
        monkeypatch.setenv("PIPELEX_TEST_STEP_SECONDS", "0")
        direct = await PipelexRunner(
            mthds_content=bundle, pipe_run_mode=PipeRunMode.LIVE, backend="direct"
        ).execute_pipeline({"text": "x"})
    assert output.main_stuff_json() == direct.main_stuff_json()  # the same result as without the kill
    assert done_before_kill >= 1
    if leaf == "PipeLLM":
        # every leaf called once, except the one in flight at the kill (called again on the new worker)
        assert calls_on_temporal == STEPS + 1
        assert sorted(prompts.values()) == [1] * (STEPS - 1) + [2]
    else:
        assert starts == Counter({"x": 1, "x+": 2, "x++": 1, "x+++": 1})
    leaves = sorted(
        (n for n in output.graph.nodes if n.kind == "operator"), key=lambda n: n.timing.started_at
    )
    assert [n.placement["worker"] for n in leaves if n.placement] == [first.identity] + [second.identity] * 3
    attempts = [n.placement["attempt"] for n in leaves if n.placement]
    # step 1 was in flight at the kill: retried. Steps 2 and 3 ran once, on the new worker. Step 0 completed
    # before the kill (its work ran once: the call counts above); on a starved machine its first attempt may
    # have missed a heartbeat before doing anything, so its attempt number is not pinned
    assert attempts[1] >= 2 and attempts[2:] == [1, 1]
