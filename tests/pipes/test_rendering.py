"""``$x`` / ``@x`` of a field, as the reference (pipelex 0.92.2, run as a black box on PipeCompose dry runs) writes
them: the block of ``@x.path`` is named by the whole path, a list field (of texts or of structures) prints as Python
prints the list (as ``{{ x.items }}`` does)."""

from __future__ import annotations

import json
import textwrap

import pytest

from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner

SHOW = textwrap.dedent("""
    domain = "show_fields"
    main_pipe = "show"

    [concept.Item]
    description = "An item"
    [concept.Item.structure]
    name = { type = "text", description = "Name", required = true }
    qty = { type = "integer", description = "Quantity", required = true }

    [concept.Order]
    description = "An order"
    [concept.Order.structure]
    title = { type = "text", description = "Title", required = true }
    note = { type = "text", description = "An optional note" }
    tags = { type = "list", item_type = "text", description = "Tags", required = true }
    items = { type = "list", item_type = "concept", item_concept_ref = "show_fields.Item", description = "Items" }
    lines = { type = "list", item_type = "concept", item_concept_ref = "Text", description = "Lines" }

    [pipe.show]
    type = "PipeCompose"
    description = "Print the order"
    inputs = { x = "Order" }
    output = "Text"
    template = "TEMPLATE"
""")

ORDER = {
    "title": "Broken",
    "tags": ["a", "b"],
    "items": [{"name": "bolt", "qty": 2}],
    "lines": [{"text": "one"}],
}
ITEMS = "[show_fields__Item(name='bolt', qty=2)]"


@pytest.mark.parametrize(
    ("template", "printed"),
    [
        ("A\n@x.title\nB", "A\n<x.title>\nBroken\n</x.title>\nB"),
        ("A[{{ x.title|tag('a.b') }}]B", "A[<a.b>\nBroken\n</a.b>]B"),
        ("A[{{ x.title|tag }}]B", "A[<data>\nBroken\n</data>]B"),
        # an unset field is nothing (the reference prints None; see _plain_text)
        ("A[$x.note]B", "A[]B"),
        ("A\n@x.note\nB", "A\n<x.note>\n\n</x.note>\nB"),
        ("A[$x.tags]B", "A[['a', 'b']]B"),
        ("A[$x.items]B", f"A[{ITEMS}]B"),
        ("A[{{ x.items }}]B", f"A[{ITEMS}]B"),
        (
            "A[$x.lines]B",
            "A[[TextContent(text='one')]]B",
        ),  # a field's list of texts: not a list input's bullets
        ("A\n@x.items\nB", f"A\n<x.items>\n{ITEMS}\n</x.items>\nB"),
    ],
)
async def test_a_sigil_of_a_field_writes_it_as_the_reference_does(template: str, printed: str) -> None:
    bundle = SHOW.replace('"TEMPLATE"', json.dumps(template))
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    output = await runner.execute_pipeline({"x": {"concept": "Order", "content": ORDER}})
    assert output.main_stuff_json() == {"text": printed}
