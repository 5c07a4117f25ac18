"""The output check of one pipe run (``check_output``): a single output is kept as it is when it already is its
concept's model, made into the model when it is its JSON, refused when it is a list, another concept or does not
fit; a list output is checked item by item."""

from __future__ import annotations

from typing import Any

import pytest

from pipelex.concepts.natives import ListContent, text_content
from pipelex.config.run_settings import RunSettings
from pipelex.errors import PipeRunError
from pipelex.language.library import Library, build_library
from pipelex.language.specs import ConceptSpec
from pipelex.memory.stuff import Stuff
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipes.context import RunContext
from pipelex.pipes.runtime import check_output
from pipelex.tracing.tracer import GraphTracer

DESK = """domain = "desk"
main_pipe = "write_tag"

[concept.Tag]
description = "A tag"

[concept.Tag.structure]
label = { type = "text", description = "The label", required = true }

[pipe.write_tag]
type = "PipeCompose"
description = "A tag"
inputs = { x = "Text" }
output = "Tag"
construct = { label = { from = "x" } }

[pipe.write_tags]
type = "PipeCompose"
description = "Tags"
inputs = { x = "Text" }
output = "Tag[]"
construct = { label = { from = "x" } }
"""


def _check(library: Library, pipe: str, stuff: Stuff) -> Stuff:
    entry = library.resolve_pipe(pipe, "desk")
    assert entry is not None
    ctx = RunContext(
        library=library,
        run_mode=PipeRunMode.DRY,
        settings=RunSettings(),
        tracer=GraphTracer(pipeline_run_id="r", main_pipe=pipe, domain="desk", mode="dry"),
        router=None,  # type: ignore[arg-type]  (nothing is routed)
    )
    spec = ConceptSpec.parse(entry.blueprint.output)
    declared = library.resolve_concept(spec.concept_ref, "desk")
    assert declared is not None
    return check_output(entry, ctx, stuff, spec, declared)


def _tag(library: Library, label: str) -> Any:
    """A ``desk.Tag`` content, validated (its model is made from the bundle)."""
    model = library.concepts.content_model(library.concepts.concepts["desk.Tag"])
    return model.model_validate({"label": label})


@pytest.fixture(scope="module")
def library() -> Library:
    return build_library([(DESK, "desk.mthds")])


def test_a_single_output_of_its_model_is_kept_as_it_is(library: Library) -> None:
    stuff = Stuff.of("tag", "desk.Tag", _tag(library, "one"))
    assert _check(library, "write_tag", stuff) is stuff


def test_a_single_output_given_as_json_becomes_its_model(library: Library) -> None:
    model = library.concepts.content_model(library.concepts.concepts["desk.Tag"])
    stuff = Stuff.of("tag", "desk.Tag", {"label": "one"})  # type: ignore[arg-type]  (a producer's JSON)
    checked = _check(library, "write_tag", stuff)
    assert checked is not stuff and type(checked.content) is model
    assert checked.content.model_dump() == {"label": "one"} and checked.stuff_code == stuff.stuff_code


def test_a_single_output_that_does_not_fit_is_refused(library: Library) -> None:
    stuff = Stuff.of("tag", "desk.Tag", {"title": "one"})  # type: ignore[arg-type]
    with pytest.raises(
        PipeRunError, match="produced an output that does not fit the concept desk.Tag"
    ) as caught:
        _check(library, "write_tag", stuff)
    assert caught.value.error_type == "pipe_output_invalid"


def test_another_concept_or_a_list_is_refused_where_one_tag_is_declared(library: Library) -> None:
    with pytest.raises(PipeRunError, match=r"produced a native\.Text, which is not a desk\.Tag"):
        _check(library, "write_tag", Stuff.of("tag", "native.Text", text_content("one")))
    listed = Stuff.of("tag", "desk.Tag", ListContent(items=[_tag(library, "one")]))
    with pytest.raises(PipeRunError, match="produced a list but its output is 'Tag'"):
        _check(library, "write_tag", listed)


def test_a_list_output_is_checked_item_by_item(library: Library) -> None:
    model = library.concepts.content_model(library.concepts.concepts["desk.Tag"])
    kept = Stuff.of("tags", "desk.Tag", ListContent(items=[_tag(library, "one"), _tag(library, "two")]))
    assert _check(library, "write_tags", kept) is kept
    made = Stuff.of("tags", "desk.Tag", ListContent(items=[_tag(library, "one"), {"label": "two"}]))  # type: ignore[list-item]
    checked = _check(library, "write_tags", made)
    assert isinstance(checked.content, ListContent)
    assert [type(item) for item in checked.content.items] == [model, model]
    with pytest.raises(PipeRunError, match="produced a single item but its output is 'Tag\\[\\]'"):
        _check(library, "write_tags", Stuff.of("tags", "desk.Tag", _tag(library, "one")))
