"""The leaf activity's own behaviour, without a Temporal server (temporalio's ``ActivityEnvironment``)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.testing import ActivityEnvironment

from pipelex.backends.temporal.activities import WorkerActivities, _first_beat, _heartbeating
from pipelex.backends.temporal.payloads import (
    DispatchOptions,
    LibraryRef,
    PipeRunOutcome,
    PipeRunPayload,
    WireSettings,
)
from pipelex.backends.temporal.process import library_for
from pipelex.config.settings import PipelexConfig
from pipelex.memory.inputs import shape_inputs
from pipelex.memory.stuff import WorkingMemory
from pipelex.pipe_run.pipe_run_mode import PipeRunMode

BUNDLE = """domain = "heartbeats"
description = "One leaf"
main_pipe = "one"

[pipe.one]
type = "PipeLLM"
description = "One item"
inputs = { note = "Text" }
output = "Text"
prompt = "Continue: $note"
"""


def _environment(beats: list[tuple[Any, ...]], *, started: datetime | None = None) -> ActivityEnvironment:
    """An activity environment recording heartbeats; the attempt started at ``started`` (default: now)."""
    environment = ActivityEnvironment()
    environment.info = dataclasses.replace(environment.info, started_time=started or datetime.now(UTC))
    environment.on_heartbeat = lambda *details: beats.append(details)
    return environment


async def test_a_quick_leaf_sends_no_heartbeat() -> None:
    beats: list[tuple[Any, ...]] = []

    async def quick() -> str:
        return await _heartbeating(asyncio.sleep(0, result="done"), interval=30.0)

    assert await _environment(beats).run(quick) == "done"
    assert beats == []  # the server counts the heartbeat timeout from the start: a quick leaf costs no call


def test_the_first_beat_counts_from_the_start_of_the_attempt() -> None:
    """The server's heartbeat timeout runs from the attempt's start: a leaf whose code got the CPU late (a busy
    worker) beats at once, one that starts at once waits a whole interval."""
    assert _environment([]).run(_first_beat, 10.0) > 9.0
    late = datetime.now(UTC) - timedelta(seconds=8)
    assert 1.0 < _environment([], started=late).run(_first_beat, 10.0) < 2.1
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    assert _environment([], started=long_ago).run(_first_beat, 10.0) == 0.0


async def test_a_leaf_that_started_late_beats_at_once() -> None:
    beats: list[tuple[Any, ...]] = []

    async def late() -> str:
        return await _heartbeating(asyncio.sleep(0.2, result="done"), interval=30.0, first=0.0)

    assert await _environment(beats).run(late) == "done"
    assert len(beats) == 1


async def test_a_long_leaf_heartbeats_while_it_runs_and_not_after() -> None:
    beats: list[tuple[Any, ...]] = []
    interval = 0.05

    async def long() -> str:
        result = await _heartbeating(asyncio.sleep(10 * interval, result="done"), interval=interval)
        seen = len(beats)
        await asyncio.sleep(4 * interval)  # the timer is gone with the work: no beat afterwards
        assert len(beats) == seen
        return result

    assert await _environment(beats).run(long) == "done"
    assert beats  # timers fire in deadline order: the first beat came before the work's own wake-up


async def test_a_failing_leaf_stops_its_heartbeats() -> None:
    beats: list[tuple[Any, ...]] = []
    interval = 0.05

    async def failing() -> None:
        await asyncio.sleep(3 * interval)
        raise ValueError("the leaf failed")

    async def run() -> int:
        with pytest.raises(ValueError, match="the leaf failed"):
            await _heartbeating(failing(), interval=interval)
        seen = len(beats)
        await asyncio.sleep(4 * interval)
        return len(beats) - seen

    assert await _environment(beats).run(run) == 0


async def test_a_dry_leaf_runs_in_the_activity_and_returns_its_result_and_events() -> None:
    config = PipelexConfig()
    ref = LibraryRef.of([(BUNDLE, "<bundle 1>")])
    library, codec = library_for(ref)
    entry = library.pipes["heartbeats.one"]
    memory = WorkingMemory.with_inputs(shape_inputs({"note": "hello"}, entry, library))
    payload = PipeRunPayload(
        library=ref.by_reference("wf", "run"),  # a leaf gets the library by reference (compiled above)
        pipe_ref=entry.ref,
        output_name="one",
        memory=codec.wire_memory(memory),
        run_mode=PipeRunMode.DRY,
        settings=WireSettings.of(config.run_settings()),
        dispatch=DispatchOptions(task_queue="q"),
    )
    beats: list[tuple[Any, ...]] = []
    outcome = await _environment(beats).run(WorkerActivities(config).act_run_leaf, payload)
    assert isinstance(outcome, PipeRunOutcome)
    assert outcome.result.stuff is not None and outcome.result.stuff.concept == "native.Text"
    assert "Continue: hello" in outcome.result.stuff.content["text"]
    assert [e.op for e in outcome.events] == ["start", "end"]
    assert outcome.events[0].placement is not None and outcome.events[0].placement.attempt == 1
    assert beats == []
