"""Content models of long lists share their fields-sets; stuffs built by the runtime equal validated ones."""

from __future__ import annotations

import multiprocessing
import re

import pytest

from pipelex.concepts.natives import AnythingContent, HtmlContent, TextContent, share_fields_sets
from pipelex.memory.stuff import Stuff, WorkingMemory, new_stuff_code


def test_full_instances_share_one_set_and_readers_see_no_change() -> None:
    texts = [TextContent(text=f"t{i}") for i in range(5)]
    partial = HtmlContent(inner_html="<p>x</p>")  # css_class left to its default: its own set stays
    extra = AnythingContent.model_validate({"a": 1})  # takes extra fields: never shared
    share_fields_sets([*texts, partial, extra, "not a model"])
    assert len({id(t.__pydantic_fields_set__) for t in texts}) == 1
    assert all(t.model_fields_set == {"text"} for t in texts)
    assert partial.model_fields_set == {"inner_html"}
    assert partial.__pydantic_fields_set__ is not texts[0].__pydantic_fields_set__
    assert extra.__pydantic_fields_set__ is not texts[0].__pydantic_fields_set__
    # assigning a field, copying, dumping, comparing: as before
    texts[0].text = "changed"
    assert texts[1].model_fields_set == {"text"} and texts[1].text == "t1"
    copy = texts[2].model_copy(update={"text": "copy"})
    assert copy.__pydantic_fields_set__ is not texts[2].__pydantic_fields_set__
    assert texts[3] == TextContent(text="t3")
    assert texts[4].model_dump(exclude_unset=True) == {"text": "t4"}


def test_what_the_runtime_builds_shares_one_fields_set_per_class() -> None:
    """The stuffs, texts and graph IO items a run builds (five a step) share their class's one fields-set, as the
    items of a long list do; readers, assignments and copies see what they saw with a set each."""
    from pipelex.concepts.natives import text_content
    from pipelex.tracing.graph import IOItem

    stuffs = [Stuff.of(f"s{i}", "native.Text", text_content(f"t{i}")) for i in range(3)]
    stuffs.append(stuffs[0].named("renamed"))
    items = [
        IOItem.of_json(name=f"i{i}", concept="native.Text", data={"text": "x"}, digest=None) for i in range(3)
    ]
    for group in (stuffs, [s.content for s in stuffs], items):
        assert len({id(model.__pydantic_fields_set__) for model in group}) == 1
        assert all(model.model_fields_set == set(type(model).model_fields) for model in group)
    stuffs[1].stuff_name = "changed"  # an assignment adds a name already there
    assert stuffs[2].model_fields_set == {"stuff_code", "stuff_name", "concept", "content"}
    copy = stuffs[2].model_copy(update={"stuff_name": "copy"})
    assert copy.__pydantic_fields_set__ is not stuffs[2].__pydantic_fields_set__
    assert stuffs[2].stuff_name == "s2"
    assert items[0] == IOItem(name="i0", concept="native.Text", data={"text": "x"}, digest=None)
    assert stuffs[0].content == TextContent(text="t0")
    assert stuffs[0].content.model_dump(exclude_unset=True) == {"text": "t0"}


def test_a_runtime_stuff_equals_a_validated_one() -> None:
    content = TextContent(text="x")
    fast = Stuff.of("note", "native.Text", content)
    assert re.fullmatch(r"[A-Za-z0-9_-]{5}", fast.stuff_code)
    assert fast == Stuff(
        stuff_code=fast.stuff_code, stuff_name="note", concept="native.Text", content=content
    )
    assert fast.model_fields_set == {"stuff_code", "stuff_name", "concept", "content"}
    assert fast.named("note") is fast
    renamed = fast.named("other")
    assert (renamed.stuff_name, renamed.stuff_code, renamed.content) == ("other", fast.stuff_code, content)
    memory = WorkingMemory()
    memory.store("note", fast)
    fork = memory.fork()
    fork.store("more", renamed, main=False)
    assert memory.get("more") is None and fork.get("note") is fast and fork.main_name == "note"


def _child_codes(queue: multiprocessing.Queue[list[str]]) -> None:
    queue.put([new_stuff_code() for _ in range(50)])


def test_stuff_codes_are_unique_and_a_forked_child_draws_its_own() -> None:
    codes = [new_stuff_code() for _ in range(2_000)]
    # 30 random bits each: one collision among 2,000 happens ~1 time in 500, two ~1 in 500,000
    assert len(set(codes)) >= len(codes) - 1
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{5}", c) for c in codes)
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[list[str]] = context.Queue()
    process = context.Process(target=_child_codes, args=(queue,))
    process.start()
    child = queue.get(timeout=60)
    process.join(timeout=60)
    mine = [new_stuff_code() for _ in range(50)]  # the parent's next codes, from the same pool
    assert not set(child) & set(mine)


def test_text_content_built_without_validation_equals_the_validated_one() -> None:
    """What a template renders becomes a TextContent without running the validator: the same model in every way
    a reader sees (fields, fields set, JSON); a value that is not a plain ``str`` is still validated."""
    import pydantic

    from pipelex.concepts.natives import TextContent, text_content

    for text in ("", "Label: note 1", "é\n\x00"):
        built, validated = text_content(text), TextContent(text=text)
        assert built == validated and built.model_fields_set == validated.model_fields_set
        assert built.model_dump_json() == validated.model_dump_json()
        assert built.model_dump(mode="json") == {"text": text}
    with pytest.raises(pydantic.ValidationError):
        text_content(3)  # type: ignore[arg-type]


def test_per_class_tables_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-class tables (list classes, shared fields-sets) start again past their bound: a server that builds
    concept models per library does not keep every class alive; answers stay right."""
    from pipelex.concepts import natives
    from pipelex.concepts.natives import ListContent, NumberContent, is_list_content

    monkeypatch.setattr(natives, "_CLASS_TABLE_BOUND", 2)
    monkeypatch.setattr(natives, "_LIST_CLASSES", {})
    contents = [
        TextContent(text="a"),
        ListContent(items=[]),
        NumberContent(number=1),
        HtmlContent(inner_html=""),
    ]
    assert [is_list_content(c) for c in contents * 2] == [False, True, False, False] * 2
    assert len(natives._LIST_CLASSES) <= 2  # pyright: ignore[reportPrivateUsage]
