"""The four cells (live/dry x direct/temporal) through the same assertions, on a real local Temporal server.

Live runs call a real HTTP fake provider on 127.0.0.1 (LLM leaves) and real Python functions (PipeFunc).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelex.errors import PipeRunError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner, PipelineOutput
from pipelex.testing.fake_provider import FakeProvider
from pipelex.tracing.graph import ExecutionGraph
from tests.temporal.bundles import NESTED_BUNDLE, NESTED_INPUTS, ORDER, SHOP_BUNDLE, failing_bundle
from tests.temporal.funcs import COUNTER_ENV


@pytest.fixture(params=["direct", "temporal"])
def backend(request: pytest.FixtureRequest) -> str:
    """The backend of the cell; Temporal cells boot with Temporal enabled on the session's server."""
    if request.param == "temporal":
        request.getfixturevalue("temporal_booted")
    return str(request.param)


@pytest.fixture(params=[PipeRunMode.DRY, PipeRunMode.LIVE], ids=["dry", "live"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[PipeRunMode]:
    """The run mode of the cell; live cells talk to a fake provider on 127.0.0.1."""
    if request.param is PipeRunMode.DRY:
        yield PipeRunMode.DRY
        return
    with FakeProvider() as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        yield PipeRunMode.LIVE


@pytest.fixture
def counter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The file the test functions log their calls to."""
    path = tmp_path / "calls.log"
    monkeypatch.setenv(COUNTER_ENV, str(path))
    return path


def calls(path: Path) -> list[str]:
    """The calls logged so far."""
    return path.read_text().splitlines() if path.exists() else []


async def run(bundle: str, inputs: dict[str, Any], mode: PipeRunMode, backend: str) -> PipelineOutput:
    """Run the bundle's main pipe. The backend comes from the config the fixtures booted."""
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=mode)
    assert runner.backend.name == backend
    return await runner.execute_pipeline(inputs)


def by_path(graph: ExecutionGraph) -> dict[str, str]:
    """Node id -> path."""
    return {node.id: node.path for node in graph.nodes}


def shape(graph: ExecutionGraph) -> tuple[Counter[tuple[str, ...]], Counter[tuple[str | None, ...]]]:
    """The graph without ids, timings and placements: nodes and edges as multisets, by path."""
    paths = by_path(graph)
    nodes = Counter(
        (
            n.path,
            n.pipe_code,
            n.pipe_type,
            n.kind,
            n.status,
            ",".join(sorted(n.tags)),
            ",".join(f"{i.name}:{i.concept}" for i in n.inputs),
            ",".join(f"{o.name}:{o.concept}" for o in n.outputs),
        )
        for n in graph.nodes
    )
    edges = Counter((e.kind, paths[e.source], paths[e.target], e.label) for e in graph.edges)
    return nodes, edges


def code_edges(graph: ExecutionGraph, kind: str) -> set[tuple[str, str, str | None]]:
    """``(source code, target code, label)`` of the edges of one kind."""
    codes = {node.id: node.pipe_code for node in graph.nodes}
    return {(codes[e.source], codes[e.target], e.label) for e in graph.edges if e.kind == kind}


# ---------------------------------------------------------------------------------------------------- the matrix
async def test_shop_bundle_output_memory_and_graph(backend: str, mode: PipeRunMode) -> None:
    output = await run(SHOP_BUNDLE, {"order": ORDER}, mode, backend)
    assert output.run_mode is mode
    assert output.graph.backend == backend
    assert output.main_stuff_json() == {"text": "Ana | large desk for Ana | Parcel for Ana"}
    memory = output.working_memory
    assert {"order", "customer", "plants", "labels", "routing", "extras", "thanks", "tag", "summary"} <= set(
        memory.root
    )
    labels = memory.get("labels")
    assert labels is not None and labels.concept == "garden_shop.PlantLabel"
    thanks = memory.get("thanks")
    assert thanks is not None
    text = thanks.content_json()["text"]
    if mode is PipeRunMode.DRY:
        assert "dry run" in text.lower() and "write_thanks" in text
    else:
        assert text.startswith("Fake reply of")
    extras = memory.get("extras")
    assert extras is not None and extras.content.model_dump(mode="json")["tag"] == {"text": "Parcel for Ana"}
    assert code_edges(output.graph, "selected_outcome") == {("route_order", "note_large_desk", "large")}
    assert {
        ("note_large_desk", "write_summary", "routing"),
        ("write_tag", "write_summary", "tag"),
    } <= code_edges(output.graph, "data")
    statuses = {n.pipe_code: n.status for n in output.graph.nodes}
    if mode is PipeRunMode.DRY:
        assert statuses["note_small_desk"] == "checked"  # dry conditions also check the other outcome
    else:
        assert "note_small_desk" not in statuses  # live conditions only run the chosen outcome
        assert output.usage.total_tokens > 0


async def test_nested_controllers_and_live_functions(backend: str, mode: PipeRunMode, counter: Path) -> None:
    output = await run(NESTED_BUNDLE, NESTED_INPUTS, mode, backend)
    text = output.main_stuff_json()["text"]
    if mode is PipeRunMode.LIVE:
        # `$entries` of a Text list prints one ' • ' line per text, as `{{ entries }}` does (and the reference)
        assert text.startswith(
            " • arrived: ONDINE!\n • arrived: MARLIN!\n | closing Douarnenez | Fake reply of"
        )
        assert sorted(calls(counter)) == ["shout Marlin", "shout Ondine"]  # each function called once
    else:
        assert "DRY RUN" in text and "closing Douarnenez" in text
        assert calls(counter) == []  # a dry PipeFunc is mocked, never called
    assert Counter(n.pipe_code for n in output.graph.nodes) == Counter(
        {
            "log_arrivals": 1,
            "log_each": 1,
            "log_one": 2,
            "shout_name": 2,
            "write_entry": 2,
            "close_day": 1,
            "write_summary": 1,
            "describe_weather": 1,
            "sign_log": 1,
        }
    )
    assert all(n.status == "succeeded" for n in output.graph.nodes)


async def test_a_failing_function_fails_the_run_once_naming_the_pipe(backend: str, counter: Path) -> None:
    with pytest.raises(PipeRunError) as caught:
        await run(failing_bundle(), {"text": "hi"}, PipeRunMode.LIVE, backend)
    assert caught.value.pipe_code == "refuse_it"
    assert "refusing 'HI!'" in str(caught.value)
    assert calls(counter) == ["shout hi", "refuse HI!"]  # an author's error is not retried


# ---------------------------------------------------------------------------------------------------- temporal vs direct
@pytest.mark.parametrize(
    "bundle, inputs",
    [(SHOP_BUNDLE, {"order": ORDER}), (NESTED_BUNDLE, NESTED_INPUTS)],
    ids=["shop", "nested"],
)
async def test_temporal_graph_has_the_direct_graph_nodes_and_edges_plus_placement(
    temporal_booted: Any, mode: PipeRunMode, bundle: str, inputs: dict[str, Any], counter: Path
) -> None:
    direct = await PipelexRunner(mthds_content=bundle, pipe_run_mode=mode, backend="direct").execute_pipeline(
        inputs
    )
    temporal = await PipelexRunner(
        mthds_content=bundle, pipe_run_mode=mode, backend="temporal"
    ).execute_pipeline(inputs)
    assert shape(temporal.graph) == shape(direct.graph)
    assert temporal.main_stuff_json() == direct.main_stuff_json() or mode is PipeRunMode.DRY
    top = temporal.graph.nodes[0]
    workflow_ids = set()
    for node in temporal.graph.nodes:
        assert node.placement is not None, node.path
        assert node.placement["worker"] and node.placement["workflow_id"].startswith("pipelex-")
        workflow_ids.add(node.placement["workflow_id"])
        if node.kind == "operator" and node.pipe_type != "PipeCompose":
            assert node.placement["attempt"] == 1 and node.placement["activity_id"]  # ran as an activity
        else:
            assert "activity_id" not in node.placement  # a controller's workflow, or inline in one
        assert node.timing.started_at > 0 and node.timing.duration is not None
    assert top.placement is not None and top.placement["workflow_id"] == temporal.pipeline_run_id
    controllers = [n for n in temporal.graph.nodes if n.kind == "controller"]
    assert len(workflow_ids) == len(controllers)  # one workflow per controller run


async def test_dry_run_on_temporal_dispatches_activities_that_carry_the_run_mode(
    temporal_booted: Any,
) -> None:
    from temporalio.api.enums.v1 import EventType

    from pipelex.backends.temporal.client import connect
    from pipelex.backends.temporal.payloads import LeafPayload

    output = await PipelexRunner(mthds_content=SHOP_BUNDLE, pipe_run_mode=PipeRunMode.DRY).execute_pipeline(
        {"order": ORDER}
    )
    client = await connect(temporal_booted)
    scheduled: list[LeafPayload] = []
    children = 0
    for workflow_id in {n.placement["workflow_id"] for n in output.graph.nodes if n.placement}:
        async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                attributes = event.activity_task_scheduled_event_attributes
                assert attributes.activity_type.name == "act_run_leaf"
                [payload] = await client.data_converter.decode(attributes.input.payloads, [LeafPayload])
                scheduled.append(payload)
            elif event.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
                children += 1
    # label_one_plant x2 and write_thanks are LLM leaves; the PipeCompose leaves run inline in workflows
    assert sorted(p.pipe_ref.rpartition(".")[2] for p in scheduled) == [
        "label_one_plant",
        "label_one_plant",
        "write_thanks",
    ]
    assert {p.run_mode for p in scheduled} == {PipeRunMode.DRY}
    assert children == 3  # label_plants (batch), route_order (condition), write_extras (parallel)
    # a leaf payload carries only the memory the leaf reads, and its workflow's run settings by digest
    assert all({s.name for s in p.memory.stuffs} <= {"plant", "customer"} for p in scheduled)
    assert all(p.settings is None and p.settings_digest and p.dispatch is None for p in scheduled)


def test_the_cli_help_does_not_import_temporalio() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from pipelex.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('LOADED' if 'temporalio' in sys.modules else 'LAZY')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={**os.environ}
    )
    assert result.stdout.strip().endswith("LAZY")
