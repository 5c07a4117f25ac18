"""The leaf activity's own behaviour, without a Temporal server (temporalio's ``ActivityEnvironment``)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from pipelex.backends.temporal import activities as activities_module
from pipelex.backends.temporal.activities import WorkerActivities, _first_beat, _heartbeating
from pipelex.backends.temporal.payloads import (
    LeafPayload,
    LeafSource,
    LibraryRef,
    PipeRunOutcome,
    PipeRunOutcomeJson,
    TraceEvent,
    WireSettings,
    restore_omitted,
)
from pipelex.backends.temporal.process import keep_settings, library_for, resolved_for
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

    def first_beat() -> float:
        return _first_beat(activity.info(), 10.0)

    assert _environment([]).run(first_beat) > 9.0
    late = datetime.now(UTC) - timedelta(seconds=8)
    assert 1.0 < _environment([], started=late).run(first_beat) < 2.1
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    assert _environment([], started=long_ago).run(first_beat) == 0.0


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


def _leaf(config: PipelexConfig, **fields: Any) -> tuple[LeafPayload, Any]:
    """The payload of the bundle's leaf over ``note = "hello"`` (``fields`` override), and its content codec."""
    ref = LibraryRef.of([(BUNDLE, "<bundle 1>")])
    library, codec = library_for(ref)
    entry = library.pipes["heartbeats.one"]
    memory = WorkingMemory.with_inputs(shape_inputs({"note": "hello"}, entry, library))
    values: dict[str, Any] = {
        "library": ref.by_reference("wf", "run"),  # a leaf gets the library by reference (compiled above)
        "pipe_ref": entry.ref,
        "output_name": "one",
        "memory": codec.wire_memory(memory),
        "run_mode": PipeRunMode.DRY,
        "settings": WireSettings.of(config.run_settings()),
    }
    return LeafPayload.model_validate(values | fields), codec


async def test_a_dry_leaf_runs_in_the_activity_and_returns_its_result_and_events() -> None:
    config = PipelexConfig()
    payload, _ = _leaf(config)
    beats: list[tuple[Any, ...]] = []
    sent = await _environment(beats).run(WorkerActivities(config).act_run_leaf, payload)
    assert isinstance(sent, PipeRunOutcomeJson)  # its events as the JSON they travel as
    outcome = PipeRunOutcome.model_validate_json(sent.model_dump_json())  # as a client reads it
    assert outcome.result.stuff is not None and outcome.result.stuff.concept == "native.Text"
    assert "Continue: hello" in outcome.result.stuff.content["text"]
    assert [e.op for e in outcome.events] == ["start", "end"]
    assert outcome.events[0].placement is not None and outcome.events[0].placement.attempt == 1
    assert beats == []


async def test_a_leaf_sends_back_no_data_its_workflow_holds_and_the_workflow_puts_it_back() -> None:
    """The inputs' data is what the payload carried, the output's is the result's: the events name them instead, and
    the workflow's copy is the trace the direct backend records."""
    config = PipelexConfig()
    payload, _ = _leaf(config)
    outcome = await _environment([]).run(WorkerActivities(config).act_run_leaf, payload)
    start, end = PipeRunOutcome.model_validate_json(outcome.model_dump_json()).events
    assert start.omitted == ["note"] and start.inputs is not None and start.inputs[0].data is None
    assert end.omitted == ["one"] and end.outputs is not None and end.outputs[0].data is None
    # an event is the JSON a TraceEvent writes: only the fields it sets, the same once validated and written again
    assert all(value is not None for event in outcome.events for value in event.values())
    assert [TraceEvent.model_validate(e).model_dump(mode="json") for e in outcome.events] == outcome.events
    wire = PipeRunOutcomeJson.model_validate_json(outcome.model_dump_json())  # as the workflow reads it
    restore_omitted(wire.events, payload.memory, payload.output_name, wire.result)
    assert "omitted" not in wire.events[0] and "omitted" not in wire.events[1]
    # as the client reads the workflow's outcome: the events validated once, there
    start, end = PipeRunOutcome.model_validate_json(wire.model_dump_json()).events
    assert start.omitted is None and end.omitted is None
    assert start.inputs is not None and start.inputs[0].data == {"text": "hello"}
    assert wire.result.stuff is not None
    assert end.outputs is not None and end.outputs[0].data == wire.result.stuff.content
    assert "Continue: hello" in wire.result.stuff.content["text"]
    assert "null" not in start.model_dump_json()  # an event writes only the fields it sets


async def test_a_leaf_takes_its_settings_by_digest() -> None:
    config = PipelexConfig()
    settings = WireSettings.of(config.run_settings()).model_copy(update={"text_gen_truncate_length": 20})
    digest, _ = keep_settings(settings)  # what its workflow did
    payload, _ = _leaf(config, settings=None, settings_digest=digest)
    outcome = await _environment([]).run(WorkerActivities(config).act_run_leaf, payload)
    assert outcome.result.stuff is not None and len(outcome.result.stuff.content["text"]) == 20


async def test_settings_by_digest_that_its_workflow_does_not_hold_fail_clearly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker that has not kept the digest reads the workflow's input; other settings there are an error."""
    config = PipelexConfig()
    payload, _ = _leaf(config, settings=None, settings_digest="0" * 64)
    other = WireSettings.of(config.run_settings())

    async def source(ref: LibraryRef) -> LeafSource:
        keep_settings(other)
        return LeafSource(library=ref, settings=other)

    monkeypatch.setattr(activities_module, "_read_source", source)
    with pytest.raises(ApplicationError) as caught:
        await _environment([]).run(WorkerActivities(config).act_run_leaf, payload)
    assert caught.value.type == "settings_unavailable" and "000000000000" in str(caught.value)


def test_a_leaf_payload_of_an_older_version_still_reads() -> None:
    """Payloads recorded before leaves took their settings by digest carried them by value, with dispatch options."""
    config = PipelexConfig()
    payload, _ = _leaf(config)
    recorded = payload.model_dump(mode="json", exclude={"settings_digest", "dispatch"})
    recorded["dispatch"] = {"task_queue": "q"}
    recorded["settings"] = {"nb_list_items": 3}  # no explore_all_outcomes: a dry run explored every outcome
    old = LeafPayload.model_validate(recorded)
    assert old.settings is not None and old.settings.explore_all_outcomes is True
    assert old.dispatch is not None and old.dispatch.task_queue == "q"
    with pytest.raises(ValueError, match="run settings, by value or by digest"):
        LeafPayload.model_validate({**recorded, "settings": None})


LIST_BUNDLE = """domain = "lists"
description = "A leaf that writes three texts"
main_pipe = "three"

[pipe.three]
type = "PipeLLM"
description = "Three items"
inputs = { note = "Text" }
output = "Text[3]"
prompt = "Three lines on: $note"
"""


async def test_the_leaves_of_one_run_share_what_it_resolves_and_other_settings_resolve_their_own() -> None:
    """A worker resolves a pipe's output spec once for the leaves of a library and run settings (as a direct run's batch
    items share it); a run with other settings (here a smaller ``max_list_items``) resolves its own, and its limit holds
    even after the pipe ran under a bigger one."""
    config = PipelexConfig()
    ref = LibraryRef.of([(LIST_BUNDLE, "<lists>")])
    library, codec = library_for(ref)
    entry = library.pipes["lists.three"]
    memory = codec.wire_memory(WorkingMemory.with_inputs(shape_inputs({"note": "tides"}, entry, library)))
    wide = WireSettings.of(config.run_settings())
    narrow = wide.model_copy(update={"limits": wide.limits.model_copy(update={"max_list_items": 2})})

    def leaf(settings: WireSettings) -> LeafPayload:
        return LeafPayload(
            library=ref.by_reference("wf", "run"),
            pipe_ref=entry.ref,
            output_name="lines",
            memory=memory,
            run_mode=PipeRunMode.DRY,
            settings_digest=keep_settings(settings)[0],
        )

    activities = WorkerActivities(config)
    first = await _environment([]).run(activities.act_run_leaf, leaf(wide))
    assert first.result.stuff is not None and len(first.result.stuff.content) == 3
    resolved = resolved_for(ref.digest, keep_settings(wide)[0])
    held = dict(resolved)
    assert held  # the output spec (and input specs) the first leaf resolved
    again = await _environment([]).run(activities.act_run_leaf, leaf(wide))
    assert again.result.stuff is not None
    assert resolved_for(ref.digest, keep_settings(wide)[0]) is resolved
    assert all(resolved[key] is value for key, value in held.items())  # reused, not resolved again
    with pytest.raises(ApplicationError, match="max_list_items"):
        await _environment([]).run(activities.act_run_leaf, leaf(narrow))


def _cyclic_garbage(run: Any) -> list[str]:
    """The types of the objects that ``run()`` left for the cyclic collector (reference counting did not free).

    ``run()`` runs once before it is measured: a first ``asyncio.run`` replaces the event loop an earlier test
    may have left current. While it is measured, every object that existed before is held: an earlier test's
    objects released meanwhile (a loop, a client, a runtime dropped by a cache) cannot become garbage then and be
    counted as this run's; only what the run made can.
    """
    import gc

    run()
    gc.collect()
    gc.disable()
    existing = gc.get_objects()
    try:
        run()
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        return [type(o).__qualname__ for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        del existing
        gc.enable()


@pytest.mark.parametrize("first", [None, 0.0])
def test_a_leaf_s_heartbeats_leave_no_reference_cycle(first: float | None) -> None:
    beats: list[tuple[Any, ...]] = []

    async def leaf() -> str:
        return await _heartbeating(asyncio.sleep(0.05, result="done"), interval=0.01, first=first)

    def run() -> None:
        assert asyncio.run(_environment(beats).run(leaf)) == "done"

    left = _cyclic_garbage(run)
    if first == 0.0:
        assert beats  # the timer did beat and re-arm (not only armed, then cancelled)
    assert not {"_Beats", "TimerHandle", "function", "cell", "Context"} & set(left), left


def test_a_leaf_s_cancelled_heartbeat_timer_keeps_nothing_of_the_activity() -> None:
    """A cancelled timer stays in the event loop's queue until it is due (or the loop sweeps it): the leaf's must not
    keep the activity's context there (the SDK's activity objects, which the collector would promote meanwhile)."""
    import contextvars
    import weakref

    held_var: contextvars.ContextVar[object] = contextvars.ContextVar("held_var")

    class Held:
        pass

    async def leaf(value: object) -> str:
        held_var.set(value)  # in the leaf's task's context, as the SDK sets the activity's
        return await _heartbeating(asyncio.sleep(0, result="done"), interval=60.0)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        # a timer due before the leaf's (another leaf's, the SDK's): the loop drops cancelled timers only from the head
        # of its queue, so the leaf's stays queued behind it
        earlier = loop.call_later(30.0, lambda: None)
        held = Held()
        ref = weakref.ref(held)
        task = asyncio.create_task(leaf(held))
        del held
        assert await task == "done"
        del task
        for _ in range(2):  # the loop lets go of the finished task (its last callbacks)
            await asyncio.sleep(0)
        queued = loop._scheduled  # pyright: ignore[reportAttributeAccessIssue]
        assert sorted(handle.cancelled() for handle in queued) == [
            False,
            True,
        ]  # the leaf's timer: still queued
        assert ref() is None
        earlier.cancel()

    asyncio.run(main())
