"""Batches of any size on Temporal: past ``[temporal] batch_chunk_size`` items, a batch runs its items in child
workflows (``WfRunItems``) of that many items each, so no workflow history grows with the batch.

Small chunk sizes stand in for the default 1,000 here; ``benchmarks/temporal_big_batch.py`` runs the real sizes.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any, Literal

import pytest

from pipelex.backends.temporal.client import connect
from pipelex.boot import Pipelex
from pipelex.config.settings import PipelexConfig
from pipelex.errors import PipeRunError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner, PipelineOutput
from tests.temporal.histories import histories_of
from tests.temporal.test_matrix import shape
from tests.temporal.test_replay import each, replayer

SCORES = """
domain = "reviews"
description = "Scores reviews, one by one, then counts the good ones"
main_pipe = "score_reviews"

[concept.Score]
description = "The score of a review"

[concept.Score.structure]
stars = { type = "integer", description = "1 to 5" }
summary = { type = "text", description = "The review in a few words" }

[pipe.score_reviews]
type = "PipeSequence"
description = "Scores every review, then lists the scores"
inputs = { reviews = "Text[]" }
output = "Text"
steps = [
  { pipe = "score_all", result = "scores" },
  { pipe = "note_each", batch_over = "scores", batch_as = "score", result = "notes" },
  { pipe = "list_notes", result = "listing" },
]

[pipe.score_all]
type = "PipeBatch"
description = "Scores each review"
inputs = { reviews = "Text[]" }
output = "Score[]"
branch_pipe_code = "score_one"
input_list_name = "reviews"
input_item_name = "review"

[pipe.score_one]
type = "PipeLLM"
description = "Scores one review"
inputs = { review = "Text" }
output = "Score"
prompt = "Score this review from 1 to 5: $review"

[pipe.note_each]
type = "PipeSequence"
description = "Turns a score into a note (a controller per item)"
inputs = { score = "Score" }
output = "Text"
steps = [{ pipe = "write_note", result = "note" }]

[pipe.write_note]
type = "PipeCompose"
description = "Writes the note"
inputs = { score = "Score" }
output = "Text"
template = "{{ score.stars }} stars: {{ score.summary }}"

[pipe.list_notes]
type = "PipeCompose"
description = "Lists the notes"
inputs = { notes = "Text[]" }
output = "Text"
template = "{{ notes | length }} notes"
"""

N = 23
CHUNK = 5


def chunked(config: PipelexConfig, size: int = CHUNK) -> PipelexConfig:
    return config.model_copy(
        update={"temporal": config.temporal.model_copy(update={"batch_chunk_size": size})}
    )


async def run(
    bundle: str, inputs: dict[str, Any], config: PipelexConfig, backend: Literal["direct", "temporal"]
) -> PipelineOutput:
    Pipelex.make(config=config)
    try:
        return await PipelexRunner(
            mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend=backend
        ).execute_pipeline(inputs)
    finally:
        Pipelex.teardown()


async def test_a_batch_over_the_chunk_size_runs_in_slices_with_the_direct_output_and_graph(
    temporal_config: PipelexConfig,
) -> None:
    inputs = {"reviews": [f"review {i}: {'great' if i % 3 else 'meh'}" for i in range(N)]}
    config = chunked(temporal_config)
    temporal = await run(SCORES, inputs, config, "temporal")
    direct = await run(SCORES, inputs, config, "direct")
    assert temporal.main_stuff_json() == direct.main_stuff_json() == {"text": f"{N} notes"}
    on_temporal, on_direct = temporal.working_memory.get("scores"), direct.working_memory.get("scores")
    assert on_temporal is not None and on_direct is not None
    assert on_temporal.content_json() == on_direct.content_json()
    assert shape(temporal.graph) == shape(direct.graph)
    # both batches (the PipeBatch of leaves, the sequence step batched over a controller) ran in slices
    workflows = Counter(n.placement["workflow_id"] for n in temporal.graph.nodes if n.placement)
    slices = {
        m.group(0) for w in workflows if (m := re.match(r".*?-items-\d+", w))
    }  # a slice, or one below it
    assert len(
        {w for w in slices if w.endswith(tuple(f"score_one-items-{i}" for i in range(0, N, CHUNK)))}
    ) == (math.ceil(N / CHUNK))
    assert len({w for w in slices if "note_each-items-" in w}) == math.ceil(N / CHUNK)
    assert any(
        w.startswith(tuple(slices)) and w not in slices for w in workflows
    )  # controllers below a slice
    # every history stays bounded by the slice, not by the batch
    client = await connect(config)
    histories = await histories_of(client, set(workflows) | slices)
    sizes = {h.workflow_id: len(h.events) for h in histories}
    top = next(w for w in sizes if "/" not in w)
    assert max(sizes[w] for w in slices) < 12 * CHUNK + 40
    assert sizes[top] < 200  # the top workflow holds slices, not items
    results = await replayer().replay_workflows(each(histories), raise_on_replay_failure=False)
    assert results.replay_failures == {}  # the slicing code is deterministic


async def test_at_or_under_the_chunk_size_nothing_changes(temporal_config: PipelexConfig) -> None:
    inputs = {"reviews": [f"review {i}" for i in range(CHUNK)]}
    output = await run(SCORES, inputs, chunked(temporal_config), "temporal")
    assert not any("-items-" in n.placement["workflow_id"] for n in output.graph.nodes if n.placement)
    assert output.main_stuff_json() == {"text": f"{CHUNK} notes"}


ECHO_ALL = """
domain = "echoes"
description = "Echoes every line; line 17 breaks"
main_pipe = "echo_all"

[pipe.echo_all]
type = "PipeBatch"
description = "Echoes each line"
inputs = { lines = "Text[]" }
output = "Text[]"
branch_pipe_code = "echo_line"
input_list_name = "lines"
input_item_name = "line"

[pipe.echo_line]
type = "PipeCompose"
description = "Echoes a line, and cannot take line 17"
inputs = { line = "Text" }
output = "Text"
template = "{% if line.text == 'line 17' %}{{ 1 / 0 }}{% endif %}echo {{ line.text }}"
"""


async def test_a_failing_item_in_a_later_slice_fails_the_run_naming_the_pipe(
    temporal_config: PipelexConfig,
) -> None:
    inputs = {"lines": [f"line {i}" for i in range(N)]}
    with pytest.raises(PipeRunError) as on_temporal:
        await run(ECHO_ALL, inputs, chunked(temporal_config), "temporal")
    with pytest.raises(PipeRunError) as direct:
        await run(ECHO_ALL, inputs, chunked(temporal_config), "direct")
    assert on_temporal.value.pipe_code == direct.value.pipe_code == "echo_line"
    assert on_temporal.value.error_type == direct.value.error_type
    assert str(on_temporal.value) == str(direct.value)
    ok = await run(
        ECHO_ALL, {"lines": [f"line {i}" for i in range(17)]}, chunked(temporal_config), "temporal"
    )
    assert ok.main_stuff_json()["items"][16] == {"text": "echo line 16"}  # type: ignore[index]


async def test_slices_run_side_by_side_when_the_bound_leaves_room_and_the_bound_still_holds(
    temporal_config: PipelexConfig,
) -> None:
    # a slice's workflow keeps CHUNK items in flight at most, the bound is twice that: two slices at a time
    config = chunked(temporal_config)
    config = config.model_copy(
        update={
            "runtime": config.runtime.model_copy(update={"max_concurrency": 2 * CHUNK}),
            "temporal": config.temporal.model_copy(update={"slice_items_in_flight": CHUNK}),
        }
    )
    inputs = {"reviews": [f"review {i}: {'great' if i % 3 else 'meh'}" for i in range(N)]}
    temporal = await run(SCORES, inputs, config, "temporal")
    direct = await run(SCORES, inputs, config, "direct")
    assert temporal.main_stuff_json() == direct.main_stuff_json() == {"text": f"{N} notes"}
    scores_t, scores_d = temporal.working_memory.get("scores"), direct.working_memory.get("scores")
    assert scores_t is not None and scores_d is not None
    assert scores_t.content_json() == scores_d.content_json()  # item order kept
    assert shape(temporal.graph) == shape(direct.graph)
    leaves = [n for n in temporal.graph.nodes if n.pipe_code == "score_one" and n.placement]
    slices = sorted({n.placement["workflow_id"] for n in leaves if n.placement})  # type: ignore[index]
    assert len(slices) == math.ceil(N / CHUNK)
    client = await connect(config)
    spans = []
    for history in await histories_of(client, set(slices)):
        times = [e.event_time.ToDatetime() for e in history.events]
        spans.append((min(times), max(times)))
    spans.sort()
    assert any(
        later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False)
    )  # side by side
    # never more than the bound in flight: at most two slices (of CHUNK items each) run at any time
    for start, _ in spans:
        assert sum(1 for a, b in spans if a <= start <= b) <= 2


async def test_a_started_long_batch_read_back_by_id_has_the_direct_output_and_graph(
    temporal_config: PipelexConfig,
) -> None:
    import asyncio

    from pipelex.backends.temporal import temporal_session
    from pipelex.pipeline.temporal import get_pipeline_run_on_temporal, start_pipeline_on_temporal

    config = chunked(temporal_config)
    inputs = {"reviews": [f"review {i}: {'great' if i % 3 else 'meh'}" for i in range(N)]}
    direct = await run(SCORES, inputs, config, "direct")
    Pipelex.make(config=config)
    try:
        async with temporal_session(config):  # the in-process worker serves the run meanwhile
            run_id = await start_pipeline_on_temporal(
                [SCORES], inputs=inputs, pipe_run_mode=PipeRunMode.DRY, config=config
            )
            status = None
            for _ in range(600):
                status = await get_pipeline_run_on_temporal(run_id, config=config)
                if status.status != "running":
                    break
                await asyncio.sleep(0.2)
    finally:
        Pipelex.teardown()
    assert status is not None and status.status == "succeeded", status
    output = status.output
    assert output is not None
    assert output.main_stuff_json() == direct.main_stuff_json()
    scores = output.working_memory.get("scores")  # a stored list, read back from the payload store
    assert scores is not None and scores.content_json() == direct.working_memory.get("scores").content_json()  # type: ignore[union-attr]
    assert shape(output.graph) == shape(direct.graph)
