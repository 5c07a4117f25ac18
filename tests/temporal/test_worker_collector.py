"""The in-process worker and its process's garbage collector (``pipelex.backends.temporal.worker.settle_collector``)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.backends.test_temporal_worker import run_python


@pytest.mark.temporal
def test_an_in_process_worker_settles_only_a_collector_its_process_froze(temporal_server: Any) -> None:
    """The in-process worker of a process that froze its collector (``pipelex run``) joins the freeze; in a program
    that did not (a caller embedding pipelex), the collector is left as the caller set it."""
    code = """
        import asyncio, gc
        from pipelex.backends.temporal import temporal_session
        from pipelex.config.settings import PipelexConfig, TemporalConfig

        FREEZE = {freeze}
        config = PipelexConfig(
            temporal=TemporalConfig(is_enabled=True, address="{address}", in_process_worker=True, task_queue="gc-q")
        )
        if FREEZE:
            gc.freeze()
        before = gc.get_freeze_count()

        async def main():
            async with temporal_session(config):
                return gc.get_freeze_count()

        print(before, asyncio.run(main()))
        """
    address = temporal_server.address
    before, during = map(int, run_python(code.format(freeze=True, address=address)).split())
    assert during > before > 0  # the worker's code (workflows, activities, every pipe kind) joined the freeze
    before, during = map(int, run_python(code.format(freeze=False, address=address)).split())
    assert before == during == 0
