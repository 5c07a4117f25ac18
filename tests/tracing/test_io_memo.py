"""The runtime's IO memo records the same items as digesting every input and output again."""

from __future__ import annotations

from typing import Any

from pipelex.memory.stuff import Stuff
from pipelex.pipes.runtime import IO_MEMO_SIZE, io_item
from pipelex.tracing.graph import IOItem


def test_io_memo_gives_the_items_digesting_gives() -> None:
    stuffs = [Stuff.of(f"s{i}", "native.Text", _text(f"value {i} " * i)) for i in range(IO_MEMO_SIZE + 5)]
    memo: dict[int, tuple[object, Any, str | None]] = {}
    first = [io_item(s.stuff_name, s, memo=memo) for s in stuffs]
    again = [io_item(f"again_{s.stuff_name}", s.named(f"again_{s.stuff_name}"), memo=memo) for s in stuffs]
    plain = [io_item(s.stuff_name, s) for s in stuffs]
    assert first == plain
    assert [i.model_copy(update={"name": p.name}) for i, p in zip(again, plain, strict=True)] == plain
    assert len(memo) <= IO_MEMO_SIZE  # bounded


def _text(value: str) -> Any:
    from pipelex.concepts.natives import TextContent

    return TextContent(text=value)


def test_io_item_of_an_item_is_plain() -> None:
    stuff = Stuff.of("x", "native.Text", _text("hi"))
    item = io_item("x", stuff, memo={})
    assert isinstance(item, IOItem)
    assert item.is_plain_json


def test_io_memo_records_a_content_once() -> None:
    memo: dict[int, tuple[object, Any, str | None]] = {}
    output = Stuff.of("step", "native.Text", _text("made by a step"))
    made = io_item("result", output, memo=memo)
    read = io_item("result", output.named("result"), memo=memo)  # the next step's input: the same content
    assert read == made
    assert read.data is made.data  # dumped and digested once


def test_graph_json_is_the_encoded_to_json(tmp_path: Any) -> None:
    from pipelex.tracing.tracer import GraphTracer

    tracer = GraphTracer(pipeline_run_id="r", main_pipe="p", domain="d", mode="dry")
    stuff = Stuff.of("x", "native.Text", _text("naïve </script> text → ✓"))
    node = tracer.start_node(
        pipe_code="p",
        pipe_type="PipeCompose",
        kind="operator",
        description="é",
        domain="d",
        parent_id=None,
        inputs=[io_item("x", stuff)],
    )
    tracer.end_node(node, outputs=[io_item("y", stuff)])
    graph = tracer.build()
    graph.write_json(tmp_path / "graph.json")
    assert (tmp_path / "graph.json").read_bytes() == graph.to_json().encode("utf-8")
