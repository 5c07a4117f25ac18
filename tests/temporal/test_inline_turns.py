"""Inline work is bounded per workflow task: past ``[temporal] inline_units_per_task`` units, the next inline pipe
waits on a no-op local activity, which ends the activation (the SDK's 2 s deadlock limit counts per activation).

A PipeCompose renders in the workflow itself. Before the bound, a sequence whose templates computed for more than
2 s in one workflow task was failed by the SDK as a potential deadlock (``TMPRL1101``) and retried by the server
without end: the run hung, saying nothing (the eighteenth hostile pass, ``docs/security.md``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from pipelex.backends.temporal.client import connect
from pipelex.backends.temporal.router import INLINE_TURNS_PATCH
from pipelex.config.settings import PipelexConfig
from pipelex.errors import PipeRunError
from tests.temporal.histories import histories_of
from tests.temporal.test_big_batches import run
from tests.temporal.test_replay import each, replayer

# each step loops 90,000 times in its template (about 20 ms on the direct backend): 200 of them compute for
# about 4 s, past the SDK's 2 s limit for one workflow task
STEPS = 200
LOOPS = 90_000


def heavy_sequence(steps: int = STEPS, loops: int = LOOPS) -> str:
    lines = ['domain = "spin"', 'main_pipe = "spin_all"', ""]
    step_list = ", ".join(f'{{ pipe = "spin_{i}", result = "n{i + 1}" }}' for i in range(steps))
    lines += [
        "[pipe.spin_all]",
        'type = "PipeSequence"',
        'description = "Spins through the steps"',
        'inputs = { n0 = "Text" }',
        'output = "Text"',
        f"steps = [{step_list}]",
        "",
    ]
    for i in range(steps):
        lines += [
            f"[pipe.spin_{i}]",
            'type = "PipeCompose"',
            f'description = "Spin step {i}"',
            f'inputs = {{ n{i} = "Text" }}',
            'output = "Text"',
            f'template = "{{% for i in range({loops}) %}}{{% endfor %}}{{{{ n{i} }}}}+"',
            "",
        ]
    return "\n".join(lines)


SMALL_BATCH = """
domain = "tags"
main_pipe = "tag_all"

[pipe.tag_all]
type = "PipeBatch"
description = "Tags each word"
inputs = { words = "Text[]" }
output = "Text[]"
branch_pipe_code = "tag_one"
input_list_name = "words"
input_item_name = "word"

[pipe.tag_one]
type = "PipeCompose"
description = "Tags one word"
inputs = { word = "Text" }
output = "Text"
template = "#$word"
"""


async def _events(config: PipelexConfig, output: Any) -> tuple[Counter[str], list[Any]]:
    client = await connect(config)
    ids = {n.placement["workflow_id"] for n in output.graph.nodes if n.placement}
    histories = await histories_of(client, ids)
    kinds: Counter[str] = Counter()
    for history in histories:
        for event in history.events:
            kinds[EventType.Name(event.event_type)] += 1
            if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
                marker = event.marker_recorded_event_attributes
                if INLINE_TURNS_PATCH in str(marker):
                    kinds["inline turns marker"] += 1
                elif marker.marker_name == "core_local_activity":
                    kinds["turns"] += 1
    return kinds, histories


@pytest.mark.timeout(300)
async def test_a_sequence_of_heavy_templates_yields_in_time_and_completes(
    temporal_config: PipelexConfig,
) -> None:
    output = await run(heavy_sequence(), {"n0": "x"}, temporal_config, "temporal")
    assert output.main_stuff_json() == {"text": "x" + "+" * STEPS}
    kinds, histories = await _events(temporal_config, output)
    # the work was split over several activations, no workflow task failed
    # 200 runs of about 92,000 units (their steps, and 2,000 each): a turn after every 11th, 18 in all
    assert 15 <= kinds["turns"] <= 20, kinds
    assert kinds["EVENT_TYPE_WORKFLOW_TASK_FAILED"] == 0, kinds
    assert kinds["inline turns marker"] >= 1, kinds
    results = await replayer().replay_workflows(each(histories), raise_on_replay_failure=False)
    assert results.replay_failures == {}


async def test_many_small_inline_pipes_take_turns_and_keep_their_order(
    temporal_config: PipelexConfig,
) -> None:
    words = [f"w{i}" for i in range(300)]
    # 4,000 units: two inline runs an activation (2,000 units each, plus their steps): about 150 turns
    config = temporal_config.model_copy(
        update={"temporal": temporal_config.temporal.model_copy(update={"inline_units_per_task": 4_000})}
    )
    temporal = await run(SMALL_BATCH, {"words": words}, config, "temporal")
    direct = await run(SMALL_BATCH, {"words": words}, config, "direct")
    assert temporal.main_stuff_json() == direct.main_stuff_json()
    assert temporal.main_stuff_json() == {"items": [{"text": f"#{w}"} for w in words]}
    kinds, histories = await _events(config, temporal)
    assert kinds["turns"] >= 100, kinds
    assert kinds["EVENT_TYPE_WORKFLOW_TASK_FAILED"] == 0, kinds
    results = await replayer().replay_workflows(each(histories), raise_on_replay_failure=False)
    assert results.replay_failures == {}


async def test_under_the_bound_a_workflow_records_no_turn_and_no_marker(
    temporal_config: PipelexConfig,
) -> None:
    """The bound costs nothing to a run that never reaches it: its commands are those of the code before it."""
    temporal = await run(SMALL_BATCH, {"words": ["a", "b", "c"]}, temporal_config, "temporal")
    assert temporal.main_stuff_json() == {"items": [{"text": "#a"}, {"text": "#b"}, {"text": "#c"}]}
    kinds, _ = await _events(temporal_config, temporal)
    assert kinds["EVENT_TYPE_MARKER_RECORDED"] == 0, kinds


# one render of a few seconds (a method scanning a 1 MB text, thousands of times): turns cannot split one pipe
ONE_HEAVY_RENDER = """
domain = "scan"
main_pipe = "scan_all"

[pipe.scan_all]
type = "PipeSequence"
description = "Scans a text, in a sequence of its own"
inputs = { big = "Text" }
output = "Text"
steps = [{ pipe = "inner", result = "found" }]

[pipe.inner]
type = "PipeSequence"
description = "Scans a text"
inputs = { big = "Text" }
output = "Text"
steps = [{ pipe = "scan", result = "scanned" }]

[pipe.scan]
type = "PipeCompose"
description = "Searches a text many times"
inputs = { big = "Text" }
output = "Text"
template = "{% for i in range(8000) %}{{ big.text.find('zz') }}{% endfor %}"
"""


@pytest.mark.timeout(300)
async def test_a_workflow_task_that_keeps_failing_ends_the_run_with_one_clear_error(
    temporal_config: PipelexConfig,
) -> None:
    """The SDK fails the task (its 2 s limit) and the server retries it without end: the client's guard sees the
    third failed attempt (in a child workflow: the nested sequence's), terminates the run and raises an error naming
    the pipe and the SDK's message."""
    with pytest.raises(PipeRunError) as caught:
        await run(ONE_HEAVY_RENDER, {"big": "ab" * 500_000}, temporal_config, "temporal")
    error = caught.value
    assert error.error_type == "temporal_task_failed", error
    assert error.pipe_code == "inner" and "TMPRL1101" in str(error) and "PipeFunc" in str(error), error
    client = await connect(temporal_config)
    terminated = [
        wf.id
        async for wf in client.list_workflows(f'TaskQueue = "{temporal_config.temporal.task_queue}"')
        if wf.status == WorkflowExecutionStatus.TERMINATED
    ]
    assert terminated, "the stuck run was not terminated"
