"""A sequence step's ``nb_output`` / ``multiple_output`` on Temporal: the request travels in the leaf's activity
payload, the run makes the same lists as on the direct backend (tests/pipeline/test_step_outputs.py), and a
payload of an older version (without the field) still decodes to the pipe's declared output."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from pipelex.backends.temporal.payloads import LeafPayload, PipeRunPayload, WireOutputOverride
from pipelex.concepts.natives import ListContent, TextContent
from pipelex.config.settings import PipelexConfig
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.pipes.context import OutputOverride
from pipelex.testing.fake_provider import FakeProvider
from tests.pipeline.test_step_outputs import KITCHEN


@pytest.fixture(params=[PipeRunMode.DRY, PipeRunMode.LIVE], ids=["dry", "live"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[PipeRunMode]:
    """Dry, or live against a fake provider on 127.0.0.1."""
    if request.param is PipeRunMode.DRY:
        yield PipeRunMode.DRY
        return
    with FakeProvider() as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        yield PipeRunMode.LIVE


def test_the_override_has_a_wire_form_and_old_payloads_have_none() -> None:
    assert WireOutputOverride.of(None) is None
    assert WireOutputOverride.of(OutputOverride(item_count=3)) == WireOutputOverride(item_count=3)
    assert WireOutputOverride(item_count=None).runtime() == OutputOverride()
    field = PipeRunPayload.model_fields["output_override"]
    assert not field.is_required() and field.default is None


async def test_steps_make_their_lists_on_temporal(temporal_booted: PipelexConfig, mode: PipeRunMode) -> None:
    from temporalio.api.enums.v1 import EventType

    from pipelex.backends.temporal.client import connect

    runner = PipelexRunner(mthds_content=textwrap.dedent(KITCHEN), pipe_run_mode=mode)
    assert runner.backend.name == "temporal"
    output = await runner.execute_pipeline({"theme": "harvest"})
    assert output.graph.backend == "temporal"

    def items(name: str) -> list[Any]:
        stuff = output.working_memory.get(name)
        assert stuff is not None and isinstance(stuff.content, ListContent), name
        return list(stuff.content.items)

    assert len(items("dishes")) == 3 and len(items("sides")) >= 1
    cards = items("cards")
    assert len(cards) == 3 and all(isinstance(card, TextContent) for card in cards)

    client = await connect(temporal_booted)
    overrides: dict[str, WireOutputOverride | None] = {}
    for workflow_id in {n.placement["workflow_id"] for n in output.graph.nodes if n.placement}:
        async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                attributes = event.activity_task_scheduled_event_attributes
                [payload] = await client.data_converter.decode(attributes.input.payloads, [LeafPayload])
                overrides[payload.pipe_ref.rpartition(".")[2]] = payload.output_override
    assert overrides["invent_dish"] == WireOutputOverride(item_count=3)
    assert overrides["side_idea"] == WireOutputOverride(item_count=None)
    assert overrides["menu_card"] is None
