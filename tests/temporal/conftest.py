"""Temporal fixtures: one real local dev server per test session, a fresh task queue (and worker) per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from pipelex.backends.temporal.devserver import DevServer
from pipelex.boot import Pipelex
from pipelex.config.settings import PipelexConfig, StorageConfig, TemporalConfig
from tests.temporal.workers import WorkerProcess


@pytest.fixture(scope="session")
def temporal_server() -> Iterator[DevServer]:
    """A ``temporal server start-dev`` on 127.0.0.1 (free ports), stopped at the end of the session."""
    server = DevServer().wait_ready()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def temporal_config(temporal_server: DevServer, tmp_path: Path) -> PipelexConfig:
    """A config pointing at the session's server, with a task queue of this test's own."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    return PipelexConfig(
        temporal=TemporalConfig(
            is_enabled=True,
            address=temporal_server.address,
            task_queue=queue,
            in_process_worker=True,
            activity_heartbeat_s=5,
            retry_initial_interval_s=0.1,
        ),
        storage=StorageConfig(local_dir=str(tmp_path / "storage")),
    )


@pytest.fixture
def temporal_booted(temporal_config: PipelexConfig) -> Iterator[PipelexConfig]:
    """Pipelex booted with Temporal enabled (runners then pick the Temporal backend from config)."""
    Pipelex.make(config=temporal_config)
    try:
        yield temporal_config
    finally:
        Pipelex.teardown()


@pytest.fixture
async def temporal_session_active(temporal_booted: PipelexConfig) -> AsyncIterator[PipelexConfig]:
    """An open session (client + in-process worker on the test's queue) for the whole test."""
    from pipelex.backends.temporal import temporal_session

    async with temporal_session(temporal_booted):
        yield temporal_booted


@pytest.fixture
def counter_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The file the test functions (``tests/temporal/funcs.py``) log their calls to."""
    from tests.temporal.funcs import COUNTER_ENV

    path = tmp_path / "calls.log"
    monkeypatch.setenv(COUNTER_ENV, str(path))
    return path


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    """``pipelex worker`` processes started by the test, all stopped at the end."""
    started: list[WorkerProcess] = []
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()


@pytest.fixture(autouse=True)
def determinism_tripwires(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every workflow this process runs in a Temporal test (in-process workers, the replayer) is checked for calls
    to the clock, ``random``, ``uuid``, ``open`` and ``os.getenv`` (``tests/temporal/guard.py``)."""
    from pipelex.backends.temporal import worker
    from tests.temporal.guard import GuardedWorkflowRunner, tripwires

    monkeypatch.setattr(worker, "workflow_runner", GuardedWorkflowRunner)
    with tripwires():
        yield
