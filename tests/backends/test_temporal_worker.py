"""A worker process's garbage collector: what it loads once is frozen, where the process is pipelex's own."""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from pipelex.cli import commands
from pipelex.config.settings import PipelexConfig, TemporalConfig


def run_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter (its collector is its own, not this test process's); its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_settling_loads_every_pipe_kind_and_freezes_what_is_loaded_once() -> None:
    out = run_python(
        """
        import gc, sys
        from pipelex.backends.temporal.worker import settle_collector
        from pipelex.pipes.kinds import _MODULES

        assert gc.get_freeze_count() == 0
        settle_collector()
        frozen = gc.get_freeze_count()
        missing = [module for module in _MODULES.values() if module not in sys.modules]
        assert not missing, missing  # a leaf's first run imports nothing the freeze left out
        assert "pipelex.backends.direct" in sys.modules
        assert gc.collect() < 1000  # what is left to collect is what was made since
        settle_collector()  # once per process: a second call changes nothing
        assert gc.get_freeze_count() == frozen
        print(frozen)
        """
    )
    assert int(out) > 20_000  # pipelex, pydantic and temporalio's long-lived objects


def test_pipelex_worker_settles_its_own_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    """``pipelex worker`` is a process of its own: it asks its workers to settle the collector."""
    from pipelex.backends.temporal import client, worker
    from pipelex.boot import Pipelex

    seen: dict[str, Any] = {}

    async def fake_connect(config: PipelexConfig) -> object:
        return object()

    async def fake_run_workers(_client: object, queues: list[str], **kwargs: Any) -> None:
        seen.update(kwargs, queues=queues)

    monkeypatch.setattr(client, "connect", fake_connect)
    monkeypatch.setattr(worker, "run_workers", fake_run_workers)
    Pipelex.make(config=PipelexConfig(temporal=TemporalConfig(address="127.0.0.1:1")))
    try:
        args = argparse.Namespace(
            address=None,
            namespace=None,
            task_queue=["q"],
            metrics_port=None,
            max_concurrent_activities=None,
            max_concurrent_workflow_tasks=None,
        )
        assert commands.worker(args) == 0
    finally:
        Pipelex.teardown()
    assert seen["queues"] == ["q"] and seen["settle"] is True
