"""The fast paths of input shaping (``pipelex/memory/inputs.py``) give what the general paths give: a string for a
text becomes the content its validation makes, and the walk over what the inputs hold yields the same values in
the same order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from pipelex.concepts.natives import ListContent, TextContent
from pipelex.memory.inputs import _held_values  # pyright: ignore[reportPrivateUsage]
from pipelex.narrowing import is_dict, is_sequence
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from tests.pipeline.test_input_shapes import GOOD, SHOP

RUNNER = PipelexRunner(mthds_content=SHOP, pipe_run_mode=PipeRunMode.DRY)


def _general_walk(content: object) -> Iterator[object]:
    """The walk as it reads without the fast path: every model's fields, every list's items, every dict's values."""
    stack: list[object] = [content]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, BaseModel):
            stack.extend(getattr(item, field) for field in type(item).model_fields)
        elif is_sequence(item):
            stack.extend(item)
        elif is_dict(item):
            stack.extend(item.values())


@settings(max_examples=60, deadline=None)
@given(notes=st.lists(st.text(max_size=40), min_size=1, max_size=6), question=st.text(max_size=40))
def test_a_string_for_a_text_is_the_content_its_validation_makes(notes: list[str], question: str) -> None:
    root = RUNNER.prepare({**GOOD, "notes": notes, "question": question}).memory.root
    items = root["notes"].content
    assert isinstance(items, ListContent)
    for got, text in zip(items.items, notes, strict=True):
        expected = TextContent.model_validate({"text": text})
        assert type(got) is TextContent and got == expected
        assert got.model_fields_set == expected.model_fields_set
        assert got.model_dump_json() == expected.model_dump_json()
    asked = root["question"].content
    assert isinstance(asked, TextContent) and asked.text == question


def test_the_walk_over_held_values_yields_what_the_general_walk_yields_in_order() -> None:
    root = RUNNER.prepare({**GOOD, "notes": ["a", "https://example.org/x", "c"]}).memory.root
    contents: list[Any] = [stuff.content for stuff in root.values()]
    contents.append(ListContent(items=[TextContent(text="x"), TextContent(text="y")]))
    for content in contents:
        assert list(_held_values(content)) == list(_general_walk(content))
