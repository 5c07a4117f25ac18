"""Runs survive the API, with real processes: ``pipelex api serve`` killed mid-run, another one reads the runs.

Everything runs as it is deployed: a Temporal server (the session's dev server on 127.0.0.1), one ``pipelex
worker`` process, and API processes (``pipelex api serve --temporal``, no in-process worker) that share
nothing with each other or with the worker but the Temporal address and the API key: each has its own working
directory, home, temp folder and storage folder, and its own ``pipelex.toml``. The provider is the fake one
(a real HTTP server on 127.0.0.1, in this process); the test holds its calls, so a run is in flight for as
long as the test needs, whatever the machine's load.

API process A starts two live runs, then dies by SIGKILL while both are in flight (no goodbye, nothing
flushed): the first run's first call is held by the fake, the second run's hangs. API process B, started
afterwards, never saw either run: it reads the first one running, then (the fake released) its status,
progress, results and graph to completion from the Temporal server, and cancels the second one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipelex.backends.temporal.devserver import _die_with_parent, free_port  # pyright: ignore[reportPrivateUsage]
from pipelex.testing.fake_provider import FakeProvider
from tests.temporal.test_shared_nothing import own_places
from tests.temporal.workers import REPO, WorkerProcess
from tests.timing import RUN_S, STARTUP_S

pytestmark = pytest.mark.slow

KEY = "process-test-key"
LATENCY_S = 0.5  # each provider call, once the fake lets it through

TIDES = textwrap.dedent("""
    domain      = "harbour"
    description = "A harbour bulletin, written in three steps"
    main_pipe   = "bulletin"

    [pipe.bulletin]
    type        = "PipeSequence"
    description = "Checks the tide, the wind, then writes the bulletin"
    inputs      = { port = "Text" }
    output      = "Text"
    steps = [
      { pipe = "tide", result = "tide" },
      { pipe = "wind", result = "wind" },
      { pipe = "write", result = "bulletin" },
    ]

    [pipe.tide]
    type        = "PipeLLM"
    description = "The tide at the port"
    inputs      = { port = "Text" }
    output      = "Text"
    prompt      = "When is high tide at $port?"

    [pipe.wind]
    type        = "PipeLLM"
    description = "The wind at the port"
    inputs      = { port = "Text" }
    output      = "Text"
    prompt      = "What is the wind at $port?"

    [pipe.write]
    type        = "PipeLLM"
    description = "The bulletin"
    inputs      = { port = "Text", tide = "Text", wind = "Text" }
    output      = "Text"
    prompt      = "Write the bulletin of $port. Tide: $tide. Wind: $wind."
""")


def _clean_env(places: dict[str, str], extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any pipelex, provider or XDG setting, plus the process's own places."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIPELEX_", "OPENAI_", "ANTHROPIC_", "XDG_")) and k != "PYTEST_CURRENT_TEST"
    }
    env.update({k: v for k, v in places.items() if k != "cwd"})
    env["PYTHONPATH"] = str(REPO)  # the code (not state): pipelex and the test package
    env.update(extra or {})
    return env


def _config_file(folder: str, address: str, queue: str) -> None:
    (Path(folder) / "pipelex.toml").write_text(
        f'[temporal]\nis_enabled = true\naddress = "{address}"\ntask_queue = "{queue}"\n'
        "in_process_worker = false\nactivity_heartbeat_s = 3\n"
    )


class ApiProcess:
    """``pipelex api serve --temporal`` in a process of its own (its own folders), on a free loopback port."""

    def __init__(self, root: Path, address: str, queue: str) -> None:  # noqa: D107
        places = own_places(root)
        _config_file(places["cwd"], address, queue)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root / "api.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pipelex.cli.main",
                    "api",
                    "serve",
                    "--temporal",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                cwd=places["cwd"],
                env=_clean_env(places, {"PIPELEX_API_KEY": KEY}),
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,  # never outlives the test
            )
        began = time.monotonic()
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"the API process ended ({self.process.returncode}):\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() - began < STARTUP_S, f"the API did not start:\n{self.output()}"
            time.sleep(0.2)
        self.startup_s = time.monotonic() - began

    def client(self) -> httpx.Client:
        """A client of this API with the key."""
        return httpx.Client(base_url=self.url, timeout=60, headers={"Authorization": f"Bearer {KEY}"})

    def output(self) -> str:
        """What the process printed."""
        return self.log.read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        """SIGKILL: no shutdown, nothing flushed."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if needed."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def apis() -> Iterator[list[ApiProcess]]:
    """API processes started by the test, all stopped at the end."""
    started: list[ApiProcess] = []
    try:
        yield started
    finally:
        for api in started:
            api.stop()


@pytest.fixture
def worker_list() -> Iterator[list[WorkerProcess]]:
    """``pipelex worker`` processes started by the test, all stopped at the end."""
    started: list[WorkerProcess] = []
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()


def _wait(condition: Any, what: str, timeout: float = RUN_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout:.0f} s"
        time.sleep(0.1)


def test_runs_started_on_a_killed_api_are_read_and_cancelled_from_another(
    api_temporal_server: Any,
    tmp_path: Path,
    apis: list[ApiProcess],
    worker_list: list[WorkerProcess],
    record_property: Any,
) -> None:
    began = time.monotonic()
    address = api_temporal_server.address
    queue = f"api-processes-{free_port()}"
    with FakeProvider(latency=LATENCY_S, timeout_delay=600) as fake:
        worker_places = own_places(tmp_path / "worker")
        _config_file(worker_places["cwd"], address, queue)
        worker = WorkerProcess(_clean_env(worker_places, fake.env()), cwd=Path(worker_places["cwd"]))
        worker_list.append(worker)
        first = ApiProcess(tmp_path / "api-a", address, queue)
        apis.append(first)
        body = {"mthds_contents": [TIDES], "inputs": {"port": "Saint-Malo"}}
        with first.client() as a:
            # the run to cancel later: its first provider call hangs (the fake answers it after 10 minutes)
            fake.inject("timeout", count=1)
            hanging = a.post("/v1/start", json=body)
            assert hanging.status_code == 202, hanging.text
            hanging_id = hanging.json()["run_id"]
            _wait(lambda: fake.total_calls >= 1, "the hanging run's first call")
            fake.hold()  # the next calls (the other run's) wait until the test releases them
            started = a.post("/v1/start", json=body)
            assert started.status_code == 202, started.text
            run_id = started.json()["run_id"]
            assert run_id.startswith("pipelex-") and len(run_id) == 40
            _wait(lambda: fake.total_calls >= 2, "the run's first call")
            seen = a.get(f"/v1/runs/{run_id}")
            assert seen.status_code == 200 and seen.json()["status"] == "running", seen.text
        first.kill()  # mid-run: its first step is in flight on the worker (its call held by the fake)

        second = ApiProcess(tmp_path / "api-b", address, queue)
        apis.append(second)
        with second.client() as b:
            assert httpx.get(f"{second.url}/v1/runs/{run_id}", timeout=60).status_code == 401  # the key first
            # still held: B reads it running (and its results are not there yet)
            running = b.get(f"/v1/runs/{run_id}")
            assert running.status_code == 200, running.text
            assert running.json()["status"] == "running" and running.json()["backend"] == "temporal"
            assert b.get(f"/v1/runs/{run_id}/results").status_code == 202
            assert b.get(f"/v1/runs/{run_id}/progress").json()["status"] == "running"
            assert b.get(f"/v1/runs/{run_id}/status").json()["status"] == "RUNNING"
            fake.release()
            statuses: list[str] = []
            progress_seen: list[str] = []

            def finished() -> bool:
                state = b.get(f"/v1/runs/{run_id}")
                assert state.status_code == 200, state.text
                statuses.append(state.json()["status"])
                progress = b.get(f"/v1/runs/{run_id}/progress")
                assert progress.status_code == 200, progress.text
                progress_seen.append(progress.json()["status"])
                return statuses[-1] != "running"

            _wait(finished, "the run's end, read from the second API")
            state = b.get(f"/v1/runs/{run_id}").json()
            assert state["status"] == "succeeded", state
            assert state["backend"] == "temporal" and state["dry_run"] is False
            result = state["result"]
            assert result["main_stuff"]["concept"] == "native.Text"
            assert result["main_stuff"]["content"]["text"]
            assert not result["main_stuff"]["content"]["text"].startswith("DRY RUN")
            nodes = result["graph"]["nodes"]
            assert [n["pipe_code"] for n in nodes] == ["bulletin", "tide", "wind", "write"]
            assert all(n["status"] == "succeeded" for n in nodes), nodes
            leaves = [n for n in nodes if n["kind"] == "operator"]
            assert {n["placement"]["worker"] for n in leaves} == {
                worker.identity
            }  # the worker process ran them
            assert {n["placement"]["workflow_id"] for n in nodes} == {run_id}
            assert result["usage"]["total_tokens"] > 0
            # the three steps and the hanging call; more only if Temporal retried a call whose activity timed out
            # on a starved machine (seen at load 12+): the graph above shows each step ran once to success
            assert fake.calls["chat"] >= 4
            record = b.get(f"/v1/runs/{run_id}/status").json()
            assert record["status"] == "COMPLETED" and record["pipe_code"] == "bulletin"
            results = b.get(f"/v1/runs/{run_id}/results")
            assert (
                results.status_code == 200 and results.json()["main_stuff"] == result["main_stuff"]["content"]
            )
            progress = b.get(f"/v1/runs/{run_id}/progress").json()
            assert progress["status"] == "succeeded" and len(progress["invocations"]) == 4
            assert progress_seen[-1] == "succeeded"

            # the other run is still in flight (its call hangs): B cancels it
            assert b.get(f"/v1/runs/{hanging_id}").json()["status"] == "running"
            cancelled = b.post(f"/v1/runs/{hanging_id}/cancel")
            assert cancelled.status_code in (200, 202), cancelled.text
            _wait(lambda: b.get(f"/v1/runs/{hanging_id}").json()["status"] != "running", "the cancellation")
            after = b.get(f"/v1/runs/{hanging_id}").json()
            assert after["status"] == "cancelled", after
            assert after["problem"]["code"] == "run.cancelled" and after["problem"]["run_id"] == hanging_id
            again = b.post(f"/v1/runs/{hanging_id}/cancel")
            assert again.status_code == 409 and again.json()["code"] == "run.already_ended"
        # nothing of either run was ever written where the API processes keep things
        for name in ("api-a", "api-b"):
            assert not list((tmp_path / name / "storage").rglob("*")), name
    took = time.monotonic() - began
    load = os.getloadavg()[0]
    record_property("seconds", round(took, 1))
    print(
        f"\nruns survive the API (processes): {took:.1f} s in all, second API ready in {second.startup_s:.1f} s, "
        f"run read {statuses.count('running')} time(s) running then {statuses[-1]}; load average {load:.1f}"
    )
