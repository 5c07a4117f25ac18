"""The CLI on Temporal under faults, each case a real ``pipelex`` subprocess against real servers.

No case may end with a crash at exit (``Fatal Python error: PyGILState_Release``, a segfault, a Rust panic),
a traceback, or the SDK core's log lines on the terminal; a failed or interrupted run keeps what it did.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipelex.backends.temporal.devserver import DevServer, free_port
from tests.cli.test_faults import (
    CRASH_MARKS,
    INTERRUPTIONS,
    REPO,
    assert_one_clear_line,
    assert_partial_run,
    cli_env,
    interrupted_run,
    sigint_at,
)
from tests.temporal.bundles import failing_bundle, sequence_bundle

EXIT_CRASH_TRIES = (
    30  # the crash it guards against happened in ~1 of 6 exits: 30 clean ones leave < 0.5 % luck
)


def pipelex_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipelex.cli.main", *args]


@contextmanager
def spawned(args: list[str], **kwargs: Any) -> Iterator[subprocess.Popen[str]]:
    """A subprocess that is killed (and its pipes closed) if it still runs when the block ends, even on a failure:
    a hung client must not outlive its test."""
    process: subprocess.Popen[str] = subprocess.Popen(args, **kwargs)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def run(
    tmp_path: Path, *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        pipelex_cmd(*args),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def config_file(tmp_path: Path, **temporal: object) -> Path:
    """A pipelex.toml with these [temporal] settings."""
    lines = ["[temporal]"]
    for key, value in temporal.items():
        lines.append(f"{key} = {json.dumps(value)}")
    path = tmp_path / f"pipelex-{uuid.uuid4().hex[:6]}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def no_crash(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode >= 0, f"killed by signal {-result.returncode}: {output}"
    for mark in CRASH_MARKS:
        assert mark not in output, output


# ---------------------------------------------------------------------------------------------------- unreachable
LIBRARY_CONNECT = """
import asyncio, sys
from pipelex.backends.temporal.client import connect
from pipelex.config.settings import PipelexConfig, TemporalConfig
from pipelex.errors import PipelexError
try:
    asyncio.run(connect(PipelexConfig(temporal=TemporalConfig(address=sys.argv[1]))))
except PipelexError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(1)
"""


def test_an_unreachable_server_never_crashes_the_process_at_exit(tmp_path: Path) -> None:
    bundle = tmp_path / "steps.mthds"
    bundle.write_text(sequence_bundle(2, pipe_type="PipeFunc"), encoding="utf-8")
    refused = f"127.0.0.1:{free_port()}"  # nothing listens there
    cases = [
        (
            ["run", "bundle", str(bundle), "--temporal", "--dry-run", "--mock-inputs"],
            refused,
            "connection refused",
        ),
        (["worker"], refused, "connection refused"),
        (
            ["run", "bundle", str(bundle), "--temporal", "--dry-run", "--mock-inputs"],
            "no-such-host.invalid:7233",
            "does not resolve",
        ),
        (["worker"], "no-such-host.invalid:7233", "does not resolve"),
    ]

    cases.append((["library"], refused, "connection refused"))  # pipelex used from a program, not the CLI

    def attempt(i: int) -> tuple[subprocess.CompletedProcess[str], str]:
        args, address, expected = cases[i % len(cases)]
        env = cli_env(tmp_path, PIPELEX_TEMPORAL_ADDRESS=address)
        if args[0] == "library":
            return subprocess.run(
                [sys.executable, "-c", LIBRARY_CONNECT, address],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            ), expected
        if args[0] == "run":
            args = [*args, "-o", "out"]
        return run(tmp_path, *args, env=env), expected

    with ThreadPoolExecutor(
        max_workers=3
    ) as pool:  # concurrent exits: a busy machine is where the race showed
        results = list(pool.map(attempt, range(EXIT_CRASH_TRIES)))
    for result, expected in results:
        assert_one_clear_line(
            result, 1, "cannot reach the Temporal server", expected, "temporal server start-dev"
        )


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers (a wrong port, a hung proxy)."""

    def __init__(self) -> None:  # noqa: D107
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()
        self._thread.join(timeout=5)


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()


def test_a_server_that_never_answers_times_out_saying_what_was_tried(
    tmp_path: Path, silent_server: SilentServer
) -> None:
    bundle = tmp_path / "steps.mthds"
    bundle.write_text(sequence_bundle(2, pipe_type="PipeFunc"), encoding="utf-8")
    env = cli_env(
        tmp_path,
        PIPELEX_CONFIG=str(config_file(tmp_path, address=silent_server.address, connect_timeout_s=2)),
    )
    for args in (
        ["run", "bundle", str(bundle), "--temporal", "--dry-run", "--mock-inputs", "-o", "out"],
        ["worker"],
        ["run", "bundle", str(bundle), "--temporal", "--dry-run", "--mock-inputs", "-o", "out"],
    ):
        started = time.monotonic()
        result = run(tmp_path, *args, env=env)
        elapsed = time.monotonic() - started
        assert_one_clear_line(
            result, 1, silent_server.address, "no answer within 2 s", "temporal server start-dev"
        )
        assert elapsed < 60, (
            elapsed
        )  # bounded by the timeout, not by the SDK's retries (generous: a busy machine)


# ---------------------------------------------------------------------------------------------------- failed runs
def test_a_failed_run_on_temporal_keeps_its_partial_results(
    tmp_path: Path, temporal_server: DevServer
) -> None:
    bundle = tmp_path / "broken.mthds"
    bundle.write_text(failing_bundle(), encoding="utf-8")
    config = config_file(
        tmp_path,
        address=temporal_server.address,
        task_queue=f"faults-{uuid.uuid4().hex[:8]}",
        in_process_worker=True,
    )
    env = cli_env(tmp_path, PIPELEX_CONFIG=str(config))
    result = run(
        tmp_path, "run", "bundle", str(bundle), "-i", '{"text": "hi"}', "-o", "out", "--temporal", env=env
    )
    assert_one_clear_line(result, 1, "refuse_it", "refusing 'HI!'")
    assert "Completing activity as failed" not in result.stderr  # the in-process worker's log goes to the log
    assert f"is in {Path('out') / 'go_01'}" in result.stderr
    assert_partial_run(tmp_path / "out" / "go_01", backend="temporal")


# ---------------------------------------------------------------------------------------------------- server gone
@dataclass
class _MidRun:
    """A worker and a waiting ``run bundle --temporal`` of four one-second steps, the first step ended."""

    worker: subprocess.Popen[str]
    client: subprocess.Popen[str]
    calls: Path
    worker_output: str = ""  # once the block ended (the worker stopped by SIGTERM)


@contextmanager
def _mid_run(tmp_path: Path, address: str, queue: str) -> Iterator[_MidRun]:
    """A ``pipelex worker`` and a client running four one-second steps on the server at ``address``, handed over
    once the first step has ended; the worker is stopped when the block ends (its output kept)."""
    bundle = tmp_path / "steps.mthds"
    bundle.write_text(sequence_bundle(4, pipe_type="PipeFunc"), encoding="utf-8")
    env = cli_env(
        tmp_path,
        PIPELEX_TEMPORAL_ADDRESS=address,
        PIPELEX_TEMPORAL_TASK_QUEUE=f"{queue}-{uuid.uuid4().hex[:8]}",
        PIPELEX_TEST_STEP_SECONDS="1",
    )
    calls = tmp_path / "calls.log"
    worker = subprocess.Popen(
        pipelex_cmd("worker"), cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    run = None
    try:
        assert worker.stdout is not None
        assert "serving task queue" in worker.stdout.readline()
        with spawned(
            pipelex_cmd("run", "bundle", str(bundle), "-i", '{"text": "hi"}', "-o", "out", "--temporal"),
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as client:
            deadline = time.monotonic() + 90
            while "end" not in (calls.read_text() if calls.exists() else "") and time.monotonic() < deadline:
                time.sleep(0.1)
            assert calls.exists(), "the first step never ran"
            run = _MidRun(worker, client, calls)
            yield run
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            output, _ = worker.communicate(timeout=60)
        finally:
            if worker.poll() is None:
                worker.kill()
                output, _ = worker.communicate()
        if run is not None:
            run.worker_output = output


def test_a_server_gone_mid_run_gives_one_line_and_the_core_logs_go_to_the_log(tmp_path: Path) -> None:
    """A server that does not come back: the client gives up after ``reconnect_wait_s`` (short here), in one line
    saying the run was not cancelled."""
    (tmp_path / "pipelex.toml").write_text("[temporal]\nreconnect_wait_s = 2\n", encoding="utf-8")
    server = DevServer().wait_ready()
    try:
        with _mid_run(tmp_path, server.address, "gone") as run:
            server.process.kill()  # the server dies mid-run
            server.process.wait()
            out, err = run.client.communicate(timeout=120)
            result = subprocess.CompletedProcess(run.client.args, run.client.returncode, out, err)
            assert_one_clear_line(result, 1, "lost the Temporal server at")
            assert "The run was not cancelled" in err and "reconnect_wait_s" in err, err
            assert (
                "WARN" not in err and "sdk_core" not in err
            )  # the core's retry warnings are not on the terminal
            assert "sdk_core" in (tmp_path / "pipelex.log").read_text()  # they are in the log
            assert (tmp_path / "out" / "main_01" / "error.json").exists()
    finally:
        server.stop()
    worker_result = subprocess.CompletedProcess(run.worker.args, run.worker.returncode, run.worker_output, "")
    no_crash(worker_result)
    assert run.worker.returncode == 0, run.worker_output


def test_a_server_restarted_mid_run_is_waited_for_and_the_run_completes(tmp_path: Path) -> None:
    """A configured server that restarts mid-run (its state in a file, as a deployment keeps it): the worker and
    the waiting client ride the outage out, past the SDK's own retries (~10 s), saying so once; the run then
    completes, each step run once or, the one in flight when the server went, twice."""
    db = tmp_path / "temporal.db"
    server = DevServer(db_file=db).wait_ready()
    try:
        with _mid_run(tmp_path, server.address, "restart") as run:
            server.process.kill()  # the server dies mid-run...
            server.stop()  # (reaps it, closes its log)
            time.sleep(20)  # ...for longer than the SDK's own retries
            assert run.client.poll() is None, "the client gave up while the server was away"
            server = DevServer(port=server.port, db_file=db).wait_ready()  # ...and comes back on its file
            out, err = run.client.communicate(timeout=180)
            assert run.client.returncode == 0, out + err
            assert err.count("cannot be reached") == 1 and "the run is not cancelled" in err, err
            assert "hi+" in out  # the four steps' output
            starts = [
                line.split(" ", 1)[1]
                for line in run.calls.read_text().splitlines()
                if line.startswith("start ")
            ]
            assert set(starts) == {"hi", "hi+", "hi++", "hi+++"}, starts
            assert all(starts.count(s) <= 2 for s in set(starts)), starts
            assert run.worker.poll() is None, "the worker did not outlive the outage"
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------------- signals
@INTERRUPTIONS
def test_an_interrupted_temporal_run_stops_cleanly_and_keeps_its_folder(
    tmp_path: Path, temporal_server: DevServer, sig: signal.Signals, sigint: signal.Handlers
) -> None:
    config = config_file(
        tmp_path,
        address=temporal_server.address,
        task_queue=f"sig-{uuid.uuid4().hex[:8]}",
        in_process_worker=True,
    )
    env = cli_env(tmp_path, PIPELEX_CONFIG=str(config), PIPELEX_TEST_STEP_SECONDS="1")
    calls = tmp_path / "calls.log"
    no_crash(interrupted_run(tmp_path, "--temporal", env=env, sig=sig, sigint=sigint))
    # what the workflow did before it was cancelled, asked of it (the `trace` query) before cancelling it
    graph = json.loads((tmp_path / "out" / "main_01" / "graph.json").read_text())
    statuses = {node["pipe_code"]: node["status"] for node in graph["nodes"]}
    done = sum(1 for status in statuses.values() if status == "succeeded")
    memory = json.loads((tmp_path / "out" / "main_01" / "working_memory.json").read_text())
    assert memory["root"]["text"]["content"] == {"text": "hi" + "+" * done}  # each finished step added a +
    time.sleep(3)  # the workflow was cancelled on the server: no step starts once the client is gone
    assert calls.read_text().count("start") <= done + 1


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_worker_stops_cleanly_on_a_signal(
    tmp_path: Path, temporal_server: DevServer, sig: signal.Signals
) -> None:
    env = cli_env(
        tmp_path,
        PIPELEX_TEMPORAL_ADDRESS=temporal_server.address,
        PIPELEX_TEMPORAL_TASK_QUEUE=f"stop-{uuid.uuid4().hex[:8]}",
    )
    for _ in range(5):
        with spawned(
            pipelex_cmd("worker"),
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=sigint_at(signal.SIG_DFL),
        ) as worker:
            assert worker.stdout is not None
            assert "serving task queue" in worker.stdout.readline()
            worker.send_signal(sig)
            out, _ = worker.communicate(timeout=60)
        no_crash(subprocess.CompletedProcess(worker.args, worker.returncode, out, ""))
        assert worker.returncode == 0, out
