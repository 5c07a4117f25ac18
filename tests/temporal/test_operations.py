"""Operating Temporal deployments: rate limits per task queue, worker metrics, the embedded server's Web UI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from pipelex.backends.temporal.devserver import DevServer
from pipelex.boot import Pipelex
from pipelex.config.settings import PipelexConfig
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from tests.temporal.workers import WorkerProcess
from tests.timing import STARTUP_S

BATCH = """
domain = "lines"
description = "One leaf per line"
main_pipe = "all_lines"

[pipe.all_lines]
type = "PipeBatch"
description = "Every line"
inputs = { lines = "Text[]" }
output = "Text[]"
branch_pipe_code = "one_line"
input_list_name = "lines"
input_item_name = "line"

[pipe.one_line]
type = "PipeLLM"
description = "One line"
inputs = { line = "Text" }
output = "Text"
model = "gpt-4o-mini"
prompt = "Say $line"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_rate_limited_queue_paces_its_activities(temporal_config: PipelexConfig) -> None:
    limited = f"limited-{uuid.uuid4().hex[:6]}"
    t = temporal_config.temporal.model_copy(
        update={"queue_by_model": {"gpt-4o-mini": limited}, "queue_rate_limits": {limited: 1.0}}
    )
    config = temporal_config.model_copy(update={"temporal": t})
    Pipelex.make(config=config)
    try:
        started = time.monotonic()
        output = await PipelexRunner(
            mthds_content=BATCH, pipe_run_mode=PipeRunMode.DRY, backend="temporal"
        ).execute_pipeline({"lines": [f"l{i}" for i in range(5)]})
        elapsed = time.monotonic() - started
    finally:
        Pipelex.teardown()
    leaves = [n for n in output.graph.nodes if n.kind == "operator"]
    assert {n.placement["task_queue"] for n in leaves if n.placement} == {limited}
    starts = sorted(n.timing.started_at for n in leaves)
    # 5 activities at 1 per second: the server spreads their starts over about 4 s (never faster; a busy
    # machine only makes it slower, so only the lower bound is checked)
    assert starts[-1] - starts[0] >= 2.5 and elapsed >= 2.5


def test_a_worker_serves_prometheus_metrics(
    temporal_server: DevServer, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PIPELEX_")},
        "PIPELEX_TEMPORAL_ADDRESS": temporal_server.address,
        "PIPELEX_TEMPORAL_TASK_QUEUE": "metrics-q",
        "PIPELEX_STORAGE_DIR": str(tmp_path),
    }
    worker = WorkerProcess(env, "--metrics-port", str(port))
    workers.append(worker)
    deadline = time.monotonic() + STARTUP_S
    body = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
                body = response.read().decode()
            if "temporal_" in body:
                break
        except OSError:
            pass
        time.sleep(0.3)
    assert "temporal_" in body  # the SDK's worker metrics (slots, polls, ...)


def test_a_bad_metrics_port_is_a_usage_error() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelex.cli.main",
            "worker",
            "--address",
            "127.0.0.1:1",
            "--metrics-port",
            "70000",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--metrics-port 70000" in done.stderr


def test_the_embedded_server_serves_its_web_ui_on_loopback() -> None:
    server = DevServer(ui=True).wait_ready()
    try:
        assert server.ui_url is not None and server.ui_url.startswith("http://127.0.0.1:")
        deadline = time.monotonic() + STARTUP_S
        page = ""
        while time.monotonic() < deadline and "<html" not in page.lower():
            try:
                with urllib.request.urlopen(server.ui_url, timeout=2) as response:
                    page = response.read().decode(errors="replace")
            except OSError:
                time.sleep(0.3)
        assert "<html" in page.lower()
    finally:
        server.stop()


def test_run_temporal_prints_where_the_web_ui_is(tmp_path: Path) -> None:
    bundle = Path(__file__).resolve().parents[2] / "examples" / "menu_card.mthds"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELEX_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelex.cli.main",
            "run",
            "bundle",
            str(bundle),
            "--temporal",
            "--dry-run",
            "--mock-inputs",
            "-o",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "Temporal Web UI of the embedded dev server" in done.stderr
    assert "http://127.0.0.1:" in done.stderr
