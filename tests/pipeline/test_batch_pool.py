"""Batch items run in a fixed pool of ``max_concurrency`` workers: results in item order, nested batches never
wait on each other (a batch item used to hold the run-wide bound while its own items waited for it), and the
leaves in flight never pass the bound."""

from __future__ import annotations

import asyncio

import pytest

from pipelex.concepts.library import ConceptLibrary
from pipelex.concepts.natives import TextContent
from pipelex.config.run_settings import RunSettings
from pipelex.language.library import Library
from pipelex.memory.stuff import Absence, Stuff
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.pipes.context import RunContext
from pipelex.pipes.controllers.batching import run_each

NESTED = """
domain = "shelves"
description = "Labels every note of every shelf"
main_pipe = "label_every_shelf"

[concept.Shelf]
description = "A shelf holding notes"

[concept.Shelf.structure]
notes = { type = "list", item_type = "text", description = "the notes on the shelf", required = true }

[pipe.label_every_shelf]
type = "PipeBatch"
description = "One summary per shelf"
inputs = { shelves = "Shelf[]" }
output = "Text[]"
branch_pipe_code = "label_shelf"
input_list_name = "shelves"
input_item_name = "shelf"

[pipe.label_shelf]
type = "PipeSequence"
description = "Labels each note of a shelf, then joins the labels"
inputs = { shelf = "Shelf" }
output = "Text"
steps = [
  { pipe = "label_note", batch_over = "shelf.notes", batch_as = "note", result = "labels" },
  { pipe = "join_labels", result = "summary" },
]

[pipe.label_note]
type = "PipeCompose"
description = "A label for one note"
inputs = { note = "Text" }
output = "Text"
template = "Label: $note"

[pipe.join_labels]
type = "PipeCompose"
description = "The labels of a shelf on one line"
inputs = { labels = "Text[]" }
output = "Text"
template = "{{ labels | map(attribute='text') | join(' / ') }}"
"""


async def test_nested_batches_wider_than_the_bound_finish() -> None:
    """20 shelves of 3 notes with max_concurrency 8: every outer item holds a worker while its inner batch runs."""
    shelves = [{"notes": [f"n{i}-{j}" for j in range(3)]} for i in range(20)]
    runner = PipelexRunner(mthds_content=NESTED, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    output = await asyncio.wait_for(
        runner.execute_pipeline({"shelves": {"concept": "Shelf", "content": shelves}}), timeout=120
    )
    texts = [item["text"] for item in output.main_stuff_json()["items"]]
    assert texts == [f"Label: n{i}-0 / Label: n{i}-1 / Label: n{i}-2" for i in range(20)]
    assert sum(1 for n in output.graph.nodes if n.pipe_code == "label_note") == 60


class _CountingRouter:
    """Runs nothing: records how many items are in flight at once, and answers each item with its own text."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.peak = 0
        self.order: list[str] = []

    async def run(self, entry: object, memory: object, ctx: object, *, output_name: str) -> Stuff:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        self.order.append(output_name)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        self.in_flight -= 1
        item = memory.get("item")  # type: ignore[attr-defined]
        return Stuff(stuff_name=output_name, concept="native.Text", content=item.content)

    async def run_items(self, *args: object, **kwargs: object) -> list[Stuff]:  # pragma: no cover - unused
        raise AssertionError("not called")


@pytest.mark.parametrize("bound, size", [(1, 5), (3, 50), (8, 1), (8, 0)])
async def test_the_pool_keeps_order_and_bound(bound: int, size: int) -> None:
    from pipelex.concepts.natives import ListContent
    from pipelex.memory.stuff import WorkingMemory
    from pipelex.tracing.tracer import GraphTracer

    router = _CountingRouter()
    library = Library(concepts=ConceptLibrary())
    ctx = RunContext(
        library=library,
        run_mode=PipeRunMode.DRY,
        settings=RunSettings(max_concurrency=bound),
        tracer=GraphTracer(pipeline_run_id="r", main_pipe="m", domain="d", mode="dry"),
        router=router,  # type: ignore[arg-type]
    )
    items = Stuff(
        stuff_name="notes",
        concept="native.Text",
        content=ListContent(items=[TextContent(text=f"t{i}") for i in range(size)]),
    )
    results = await run_each(
        None,  # type: ignore[arg-type]
        items,
        "item",
        WorkingMemory(),
        ctx,
        output_name="labels",
        first_index=10,
    )
    texts = [r.content.text for r in results if isinstance(r, Stuff) and isinstance(r.content, TextContent)]
    assert texts == [f"t{i}" for i in range(size)]
    assert router.order == [f"labels[{10 + i}]" for i in range(size)]  # items start in order
    assert router.peak == min(bound, size)


class _ShuffledRouter:
    """Items finish out of order (later items sooner); every third item is absent; the rest come back as a
    refined concept, so the assembled list takes the first produced item's concept."""

    async def run(self, entry: object, memory: object, ctx: object, *, output_name: str) -> Stuff | Absence:
        index = int(output_name.split("[")[1].rstrip("]"))
        for _ in range(10 - index % 10):
            await asyncio.sleep(0)
        if index % 3 == 0:
            return Absence(variable_name=output_name, kind="skipped", reason="skipped for the test")
        item = memory.get("item")  # type: ignore[attr-defined]
        return Stuff(
            stuff_name=output_name, concept="shelves.Label", content=TextContent(text=item.content.text)
        )

    async def run_items(self, *args: object, **kwargs: object) -> list[Stuff]:  # pragma: no cover - unused
        raise AssertionError("not called")


async def test_the_assembled_output_keeps_item_order_drops_absences_and_shares_fields_sets() -> None:
    from pipelex.concepts.natives import ListContent
    from pipelex.memory.stuff import WorkingMemory
    from pipelex.pipes.controllers.batching import run_assembled
    from pipelex.tracing.tracer import GraphTracer

    ctx = RunContext(
        library=Library(concepts=ConceptLibrary()),
        run_mode=PipeRunMode.DRY,
        settings=RunSettings(max_concurrency=4),
        tracer=GraphTracer(pipeline_run_id="r", main_pipe="m", domain="d", mode="dry"),
        router=_ShuffledRouter(),  # type: ignore[arg-type]
    )
    items = Stuff(
        stuff_name="notes",
        concept="native.Text",
        content=ListContent(items=[TextContent(text=f"t{i}") for i in range(40)]),
    )
    output = await run_assembled(None, items, "item", WorkingMemory(), ctx, output_name="labels")  # type: ignore[arg-type]
    assert output.stuff_name == "labels" and output.concept == "shelves.Label"
    assert isinstance(output.content, ListContent)
    assert [c.text for c in output.content.items] == [f"t{i}" for i in range(40) if i % 3]
    # the kept contents share one fields-set (equal to what each would have had)
    sets = {id(c.__pydantic_fields_set__) for c in output.content.items}
    assert len(sets) == 1 and output.content.items[0].model_fields_set == {"text"}


async def test_a_batch_resolves_its_branch_once_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The branch's output spec and input specs are resolved once per run, not per item (``ctx.resolved``), and a
    batch item's template still reads its input's metadata (built only when a template asks for it)."""
    from pipelex.pipes import runtime

    bundle = NESTED.replace(
        'template = "Label: $note"', 'template = "Label: $note ($note._stuff_name, $note._concept_code)"'
    )
    resolved: list[str] = []
    original = runtime._resolve_output  # pyright: ignore[reportPrivateUsage]

    def counting(entry: object, ctx: object, override: object) -> object:
        resolved.append(entry.code)  # type: ignore[attr-defined]
        return original(entry, ctx, override)  # type: ignore[arg-type]

    monkeypatch.setattr(runtime, "_resolve_output", counting)
    shelves = [{"notes": [f"n{i}-{j}" for j in range(3)]} for i in range(4)]
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    output = await runner.execute_pipeline({"shelves": {"concept": "Shelf", "content": shelves}})
    texts = [item["text"] for item in output.main_stuff_json()["items"]]
    assert texts[0] == " / ".join(f"Label: n0-{j} (note, native.Text)" for j in range(3))
    assert sorted(resolved) == ["join_labels", "label_every_shelf", "label_note", "label_shelf"]
