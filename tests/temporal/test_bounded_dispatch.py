"""Bounded dispatch: a workflow keeps at most ``[temporal] slice_items_in_flight`` activities / child workflows in
flight, whatever asks for them (the items of a batch too short to be sliced, the branches of a parallel), so one
workflow task never schedules hundreds of them at once (Temporal's 2 s deadlock limit on a loaded worker).

The bound is read from the workflow histories (scheduled minus closed, event by event), not from timings. A run
recorded before the bound existed (``histories/wide_unbounded_dry.json``: this module's bundle, every item in flight
at once) still replays: ``tests/temporal/test_replay.py`` replays it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

from pipelex.backends.temporal.client import connect
from pipelex.config.settings import PipelexConfig
from tests.temporal.histories import histories_of
from tests.temporal.test_big_batches import run
from tests.temporal.test_matrix import shape
from tests.temporal.test_replay import each, replayer

WIDE = """
domain = "wide"
description = "A batch of many items and a parallel of many branches, each wider than the dispatch bound"
main_pipe = "tag_everything"

[pipe.tag_everything]
type = "PipeSequence"
description = "Tags every note (a step batched over leaves), then looks at them six ways at once"
inputs = { notes = "Text[]" }
output = "Text"
steps = [
  { pipe = "tag_note", batch_over = "notes", batch_as = "note", result = "tags" },
  { pipe = "six_views", result = "views" },
  { pipe = "sum_up", result = "summary" },
]

[pipe.tag_note]
type = "PipeLLM"
description = "Tags one note"
inputs = { note = "Text" }
output = "Text"
prompt = "Tag this note: $note"

[pipe.six_views]
type = "PipeParallel"
description = "Six views of the tags, side by side"
inputs = { tags = "Text[]" }
output = "Composite"
add_each_output = true
branches = [
  { pipe = "view", result = "view_1" },
  { pipe = "view", result = "view_2" },
  { pipe = "view", result = "view_3" },
  { pipe = "view", result = "view_4" },
  { pipe = "view", result = "view_5" },
  { pipe = "view", result = "view_6" },
]

[pipe.view]
type = "PipeLLM"
description = "One view of the tags"
inputs = { tags = "Text[]" }
output = "Text"
prompt = "Sum up these tags: $tags"

[pipe.sum_up]
type = "PipeCompose"
description = "Counts the tags"
inputs = { tags = "Text[]", view_1 = "Text" }
output = "Text"
template = "{{ tags | length }} tags; first view: {{ view_1 }}"
"""

ITEMS = 23
BOUND = 4


def bounded(config: PipelexConfig, *, in_flight: int = BOUND, concurrency: int = 64) -> PipelexConfig:
    """The batch is far under ``batch_chunk_size`` (not sliced), ``max_concurrency`` far over the bound."""
    return config.model_copy(
        update={
            "runtime": config.runtime.model_copy(update={"max_concurrency": concurrency}),
            "temporal": config.temporal.model_copy(update={"slice_items_in_flight": in_flight}),
        }
    )


def peak_in_flight(history: WorkflowHistory) -> int:
    """The most activities and child workflows this workflow had scheduled and not yet closed, event by event."""
    opened = {
        EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
        EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
    }
    closed = {
        EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
        EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
        EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
        EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
        EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
        EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
        EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
        EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
        EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED,
        EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
    }
    now = peak = 0
    for event in history.events:
        if event.event_type in opened:
            now += 1
            peak = max(peak, now)
        elif event.event_type in closed:
            now -= 1
    assert now == 0  # every dispatch came back
    return peak


async def _histories(config: PipelexConfig, output: Any) -> dict[str, WorkflowHistory]:
    ids = {n.placement["workflow_id"] for n in output.graph.nodes if n.placement}
    client = await connect(config)
    return {h.workflow_id: h for h in await histories_of(client, ids)}


async def test_an_unsliced_batch_and_a_wide_parallel_keep_at_most_the_bound_in_flight(
    temporal_config: PipelexConfig,
) -> None:
    config = bounded(temporal_config)
    inputs = {"notes": [f"note {i}" for i in range(ITEMS)]}
    temporal = await run(WIDE, inputs, config, "temporal")
    direct = await run(WIDE, inputs, config, "direct")
    assert temporal.main_stuff_json() == direct.main_stuff_json()
    assert shape(temporal.graph) == shape(direct.graph)  # the graph keeps the items' and branches' order
    tags_t, tags_d = temporal.working_memory.get("tags"), direct.working_memory.get("tags")
    assert tags_t is not None and tags_d is not None
    assert tags_t.content_json() == tags_d.content_json()
    histories = await _histories(config, temporal)
    top = next(w for w in histories if "/" not in w)
    parallel = next(w for w in histories if w.endswith("-six_views"))
    # the batch step (23 leaves, in the sequence's own workflow) and the parallel (6 leaves) reach the bound
    # and never pass it
    assert peak_in_flight(histories[top]) == BOUND
    assert peak_in_flight(histories[parallel]) == BOUND
    kinds = Counter(e.event_type for e in histories[top].events)
    assert kinds[EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED] == ITEMS  # every item ran, once
    results = await replayer().replay_workflows(each(list(histories.values())), raise_on_replay_failure=False)
    assert results.replay_failures == {}  # bounded dispatch replays (the patch marker is in the history)


async def test_under_the_bound_dispatch_is_as_wide_as_max_concurrency(temporal_config: PipelexConfig) -> None:
    # the bound never narrows a run below max_concurrency when it is the smaller: 23 items at max_concurrency 7
    config = bounded(temporal_config, in_flight=50, concurrency=7)
    temporal = await run(WIDE, {"notes": [f"note {i}" for i in range(ITEMS)]}, config, "temporal")
    histories = await _histories(config, temporal)
    top = next(w for w in histories if "/" not in w)
    assert peak_in_flight(histories[top]) == 7
    # no bound reached, so no patch marker either: the history is the one older versions wrote
    assert not any(e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED for e in histories[top].events)
