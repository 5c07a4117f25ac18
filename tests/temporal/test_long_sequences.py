"""Sequences of any length on Temporal: past ``[temporal] sequence_chunk_size`` steps, a sequence runs its steps in
child workflows (``WfRunSteps``) of that many steps each (chunks of chunks past that many chunks), each taking the
working memory and giving it back, so no workflow history grows with the sequence.

Small chunk sizes stand in for the default 1,000 here; the ``slow`` test runs a sequence above the old ceiling.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from pipelex.backends.temporal.client import connect
from pipelex.config.settings import PipelexConfig
from pipelex.errors import PipeRunError
from pipelex.pipeline.runner import PipelineOutput
from tests.temporal.histories import histories_of
from tests.temporal.test_big_batches import run
from tests.temporal.test_matrix import shape
from tests.temporal.test_replay import each, replayer
from tests.timing import RUN_S

# ten steps: leaves, bindings, a batch step, a nested sequence, a parallel, a batch controller, inline templates
TEN_STEPS = """
domain = "dossier"
description = "Builds a dossier in ten steps"
main_pipe = "build_dossier"

[concept.Finding]
description = "One finding of the review"

[concept.Finding.structure]
title = { type = "text", description = "The finding in a few words" }
severity = { type = "integer", description = "1 to 5" }

[pipe.build_dossier]
type = "PipeSequence"
description = "Ten steps over one memory"
inputs = { topic = "Text" }
output = "Text"
steps = [
  { pipe = "draft", result = "draft" },
  { from = "draft", result = "kept_draft" },
  { pipe = "list_findings", result = "findings", nb_output = 4 },
  { pipe = "title_finding", batch_over = "findings", batch_as = "finding", result = "titles" },
  { pipe = "review", result = "reviewed" },
  { from = "findings", result = "kept_findings" },
  { pipe = "two_opinions", result = "opinions" },
  { pipe = "grade_all", result = "grades" },
  { pipe = "assemble", result = "assembled" },
  { pipe = "conclude", result = "conclusion" },
]

[pipe.draft]
type = "PipeLLM"
description = "A first draft"
inputs = { topic = "Text" }
output = "Text"
prompt = "Draft a note on $topic"

[pipe.list_findings]
type = "PipeLLM"
description = "The findings of the draft"
inputs = { draft = "Text" }
output = "Finding"
prompt = "List findings in: $draft"

[pipe.title_finding]
type = "PipeCompose"
description = "A finding's title line"
inputs = { finding = "Finding" }
output = "Text"
template = "[{{ finding.severity }}] {{ finding.title }}"

[pipe.review]
type = "PipeSequence"
description = "Reviews the draft, then signs the review"
inputs = { draft = "Text", titles = "Text[]" }
output = "Text"
steps = [
  { pipe = "critique", result = "critique" },
  { pipe = "sign", result = "signed" },
]

[pipe.critique]
type = "PipeLLM"
description = "Critiques the draft"
inputs = { draft = "Text", titles = "Text[]" }
output = "Text"
prompt = "Critique $draft given $titles"

[pipe.sign]
type = "PipeCompose"
description = "Signs the critique"
inputs = { critique = "Text" }
output = "Text"
template = "signed: $critique"

[pipe.two_opinions]
type = "PipeParallel"
description = "Two opinions at once"
inputs = { reviewed = "Text" }
output = "Composite"
add_each_output = true
branches = [
  { pipe = "opinion", result = "first_opinion" },
  { pipe = "opinion", result = "second_opinion" },
]

[pipe.opinion]
type = "PipeLLM"
description = "An opinion on the review"
inputs = { reviewed = "Text" }
output = "Text"
prompt = "Your opinion on: $reviewed"

[pipe.grade_all]
type = "PipeBatch"
description = "Grades each finding"
inputs = { kept_findings = "Finding[]" }
output = "Text[]"
branch_pipe_code = "grade_one"
input_list_name = "kept_findings"
input_item_name = "finding"

[pipe.grade_one]
type = "PipeLLM"
description = "Grades a finding"
inputs = { finding = "Finding" }
output = "Text"
prompt = "Grade $finding"

[pipe.assemble]
type = "PipeCompose"
description = "Puts it together"
inputs = { kept_draft = "Text", titles = "Text[]", first_opinion = "Text", grades = "Text[]" }
output = "Text"
template = "{{ kept_draft }} | {{ titles | length }} titles | {{ first_opinion }} | {{ grades | length }} grades"

[pipe.conclude]
type = "PipeLLM"
description = "Concludes"
inputs = { assembled = "Text" }
output = "Text"
prompt = "Conclude: $assembled"
"""

INPUTS = {"topic": "harbour safety"}


def chunked(config: PipelexConfig, size: int) -> PipelexConfig:
    return config.model_copy(
        update={"temporal": config.temporal.model_copy(update={"sequence_chunk_size": size})}
    )


def memory_json(output: PipelineOutput) -> dict[str, Any]:
    """The working memory without the stuff codes (random labels, one per stuff made)."""
    memory = output.working_memory.to_json()
    for stuff in memory["root"].values():
        stuff.pop("stuff_code", None)
    return memory


def workflow_ids(output: PipelineOutput) -> set[str]:
    return {n.placement["workflow_id"] for n in output.graph.nodes if n.placement}


def chunks_of(ids: set[str]) -> set[str]:
    """The chunk workflows (``...-steps-<first step>``) above the given workflows (a chunk of chunks too)."""
    found: set[str] = set()
    for workflow_id in ids:
        parts = workflow_id.split("/")
        found |= {
            "/".join(parts[: i + 1])
            for i, part in enumerate(parts)
            if re.fullmatch(r"\d+-.+-steps-\d+", part)
        }
    return found


@pytest.mark.parametrize(
    "size, chunks",
    [
        # at most 3 chunks in a workflow: [0, 9) and [9, 10), the first one in chunks of 3 steps
        (3, {"1-steps-0", "1-steps-0/1-steps-0", "1-steps-0/2-steps-3", "1-steps-0/3-steps-6", "2-steps-9"}),
        # at most 2: [0, 8) and [8, 10) (2 steps: run there), [0, 8) in chunks of 4, each in chunks of 2
        (
            2,
            {
                "1-steps-0",
                "1-steps-0/1-steps-0",
                "1-steps-0/1-steps-0/1-steps-0",
                "1-steps-0/1-steps-0/2-steps-2",
                "1-steps-0/2-steps-4",
                "1-steps-0/2-steps-4/1-steps-4",
                "1-steps-0/2-steps-4/2-steps-6",
                "2-steps-8",
            },
        ),
    ],
)
async def test_a_chunked_sequence_has_the_direct_output_memory_and_graph(
    temporal_config: PipelexConfig, size: int, chunks: set[str]
) -> None:
    config = chunked(temporal_config, size)
    temporal = await run(TEN_STEPS, INPUTS, config, "temporal")
    direct = await run(TEN_STEPS, INPUTS, config, "direct")
    assert temporal.main_stuff_json() == direct.main_stuff_json()
    assert memory_json(temporal) == memory_json(direct)
    assert shape(temporal.graph) == shape(direct.graph)
    # the steps' nodes are the sequence's children, in step order, as in a direct run
    for graph in (temporal.graph, direct.graph):
        top = next(n for n in graph.nodes if n.pipe_code == "build_dossier")
        children = [e.target for e in graph.edges if e.kind == "contains" and e.source == top.id]
        codes = {n.id: n.pipe_code for n in graph.nodes}
        assert [codes[c] for c in children][:3] == ["draft", "list_findings", "title_finding"]
    ids = workflow_ids(temporal)
    found = chunks_of(ids)
    top_id = next(w for w in ids if "/" not in w)
    assert {w.removeprefix(top_id + "/").replace("build_dossier-", "") for w in found} == chunks
    # nested controllers of a chunk run below it; every step ran in a chunk, none in the sequence's workflow
    assert any(w.startswith(tuple(found)) and w not in found for w in ids)
    assert not any(
        n.placement and n.placement["workflow_id"] == top_id
        for n in temporal.graph.nodes
        if n.kind == "operator"
    )
    client = await connect(config)
    histories = await histories_of(client, ids | found)
    results = await replayer().replay_workflows(each(histories), raise_on_replay_failure=False)
    assert results.replay_failures == {}  # the chunking code is deterministic


async def test_at_or_under_the_chunk_size_nothing_changes(temporal_config: PipelexConfig) -> None:
    output = await run(TEN_STEPS, INPUTS, chunked(temporal_config, 10), "temporal")
    assert not chunks_of(workflow_ids(output))
    client = await connect(temporal_config)
    top = next(w for w in workflow_ids(output) if "/" not in w)
    (history,) = await histories_of(client, {top})
    # no patch marker: the history is the one older versions wrote
    assert not any(e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED for e in history.events)


BROKEN_SEVEN = """
domain = "relay"
description = "Seven steps; the fifth one breaks on its input"
main_pipe = "relay"

[pipe.relay]
type = "PipeSequence"
description = "Passes the text along"
inputs = { text = "Text" }
output = "Text"
steps = [
  { pipe = "pass_on", result = "a" },
  { pipe = "echo", result = "b" },
  { pipe = "pass_on_b", result = "c" },
  { pipe = "echo_c", result = "d" },
  { pipe = "refuse", result = "e" },
  { pipe = "echo_c", result = "f" },
  { pipe = "echo_c", result = "g" },
]

[pipe.pass_on]
type = "PipeLLM"
description = "Passes it on"
inputs = { text = "Text" }
output = "Text"
prompt = "Pass on: $text"

[pipe.echo]
type = "PipeCompose"
description = "Echoes"
inputs = { a = "Text" }
output = "Text"
template = "echo $a"

[pipe.pass_on_b]
type = "PipeLLM"
description = "Passes b on"
inputs = { b = "Text" }
output = "Text"
prompt = "Pass on: $b"

[pipe.echo_c]
type = "PipeCompose"
description = "Echoes c"
inputs = { c = "Text" }
output = "Text"
template = "echo $c"

[pipe.refuse]
type = "PipeCompose"
description = "Cannot take its input"
inputs = { d = "Text" }
output = "Text"
template = "{{ 1 / 0 }}$d"
"""


async def test_a_failing_step_in_the_middle_of_a_chunk_fails_the_run_as_direct(
    temporal_config: PipelexConfig,
) -> None:
    config = chunked(temporal_config, 3)  # chunks [0, 3), [3, 6), [6, 7): step 4 is the middle of the second
    with pytest.raises(PipeRunError) as on_temporal:
        await run(BROKEN_SEVEN, {"text": "hello"}, config, "temporal")
    with pytest.raises(PipeRunError) as direct:
        await run(BROKEN_SEVEN, {"text": "hello"}, config, "direct")
    assert on_temporal.value.pipe_code == direct.value.pipe_code == "refuse"
    assert on_temporal.value.error_type == direct.value.error_type
    assert str(on_temporal.value) == str(direct.value)
    assert "refuse" in str(on_temporal.value)
    # it failed in the second chunk, which failed the sequence's workflow; the third chunk never started

    client = await connect(config)
    statuses: dict[str, WorkflowExecutionStatus | None] = {}
    deadline = time.monotonic() + RUN_S  # the server's visibility store may lag a moment behind the run
    while time.monotonic() < deadline:
        statuses = {
            w.id.rsplit("/", 1)[-1]: w.status
            async for w in client.list_workflows(f"TaskQueue = '{config.temporal.task_queue}'")
        }
        if statuses.get("2-relay-steps-3") == WorkflowExecutionStatus.FAILED:
            break
        await asyncio.sleep(0.2)
    assert statuses["1-relay-steps-0"] == WorkflowExecutionStatus.COMPLETED
    assert statuses["2-relay-steps-3"] == WorkflowExecutionStatus.FAILED
    assert "3-relay-steps-6" not in statuses


LONG_STEPS = 20_000  # above the old ceiling of about 15,000 steps in one workflow
HISTORY_EVENT_LIMIT = 51_200
HISTORY_BYTES_LIMIT = 50 * 1024 * 1024


@pytest.mark.slow
@pytest.mark.temporal
@pytest.mark.skipif(
    os.environ.get("PIPELEX_SCALE_TESTS") != "1",
    reason="20,000 sequential steps take ~17 min (the dev server's round trip per step): `make test-scale` runs it;"
    " the chunking itself is tested above with small chunk sizes, figures in benchmarks/temporal.md",
)
@pytest.mark.timeout(3600)  # about 17 min at load 14 on 2 cores (20 steps/s)
async def test_a_sequence_above_the_old_ceiling_completes_with_every_history_far_under_the_limit(
    temporal_config: PipelexConfig,
) -> None:
    import resource

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from temporal_long_sequence import chunk_ids, histories, long_sequence

    started = time.perf_counter()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    output = await run(long_sequence(LONG_STEPS), {"text": "a start"}, temporal_config, "temporal")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    assert (
        output.graph.folded_nodes + len(output.graph.nodes) == LONG_STEPS + 1
    )  # past 10,000 children: folded
    assert all(n.status == "succeeded" for n in output.graph.nodes)
    assert output.main_stuff_json()["text"]  # type: ignore[index]
    placed = workflow_ids(output)
    assert len(chunks_of(placed)) == LONG_STEPS // 1000  # the default sequence_chunk_size
    sizes = await histories(temporal_config.temporal.address, chunk_ids(placed))
    (events, size), biggest = max((v, k) for k, v in sizes.items())
    assert events < HISTORY_EVENT_LIMIT // 4, (biggest, events)  # 1,000 leaf steps: about 6,000
    assert size < HISTORY_BYTES_LIMIT // 4, (biggest, size)
    top = next(w for w in placed if "/" not in w)
    assert sizes[top][0] < 400  # the sequence's own workflow: a few events per chunk
    print(
        f"\n{LONG_STEPS} steps: {wall:.0f} s wall, {after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime:.0f}"
        f" s CPU (client + in-process worker), {len(sizes)} workflows, largest history {events} events / "
        f"{size / 1e6:.1f} MB, {sum(e for e, _ in sizes.values())} events in all, peak RSS "
        f"{after.ru_maxrss / 1024:.0f} MB, load {os.getloadavg()}"
    )
