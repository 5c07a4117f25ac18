"""Paths through concepts (``pipelex.concepts.paths``): what ``root.field.sub`` reaches, by declared structures.

Static validation and the run-time path extraction both walk with :func:`walk_path`, so the cases here are the
rules both rely on: fields resolve to their concepts, crossing a list gives a list, an optional field may be
absent, a plain native is held whole (unless content fields are asked for), an unknown field is named.
"""

from __future__ import annotations

import textwrap

from pipelex.concepts.library import ConceptLibrary
from pipelex.concepts.paths import Var, walk_path
from pipelex.diagnostics import ErrorType
from pipelex.language.library import build_library

BUNDLE = """
domain = "trips"
main_pipe = "noop"

[concept.Sight]
description = "A sight"

[concept.Sight.structure]
name = { type = "text", description = "Its name", required = true }
note = { type = "text", description = "A note" }

[concept.Day]
description = "A day of a trip"

[concept.Day.structure]
title = { type = "text", description = "Title", required = true }
sights = { type = "list", item_type = "concept", item_concept_ref = "trips.Sight", description = "Sights", required = true }

[pipe.noop]
type = "PipeFunc"
description = "Nothing"
inputs = { day = "Day" }
output = "Text"
function_name = "noop"
"""


def concepts() -> ConceptLibrary:
    library = build_library([(textwrap.dedent(BUNDLE), "trips.mthds")])
    assert library.diagnostics == [], [d.render() for d in library.diagnostics]
    return library.concepts


def var(lib: ConceptLibrary, ref: str, *, is_list: bool = False) -> Var:
    concept = lib.resolve(ref, "trips")
    assert concept is not None
    return Var(concept, is_list)


def test_a_field_resolves_to_its_concept_and_crossing_a_list_gives_a_list() -> None:
    lib = concepts()
    walked = walk_path(lib, var(lib, "Day"), "day", ["sights", "name"])
    assert walked.var is not None and walked.error_type is None
    assert walked.var.concept.ref == "native.Text"
    assert walked.var.is_list
    single = walk_path(lib, var(lib, "Day"), "day", ["title"])
    assert single.var is not None and not single.var.is_list and not single.var.maybe_absent


def test_an_optional_field_of_a_single_value_may_be_absent() -> None:
    lib = concepts()
    walked = walk_path(lib, var(lib, "Sight"), "sight", ["note"])
    assert walked.var is not None and walked.var.maybe_absent
    assert walked.var.describe() == "native.Text?"


def test_an_unknown_field_is_named_with_the_fields_there_are() -> None:
    lib = concepts()
    walked = walk_path(lib, var(lib, "Sight"), "sight", ["address"])
    assert walked.var is None
    assert walked.error_type == ErrorType.BINDING_PATH_UNRESOLVED
    assert walked.message is not None
    assert "'address'" in walked.message and "name, note" in walked.message


def test_a_plain_native_is_held_whole_unless_content_fields_are_asked_for() -> None:
    lib = concepts()
    text = var(lib, "Text")
    held = walk_path(lib, text, "title", ["text"])
    assert held.var is None and held.error_type == ErrorType.BINDING_PATH_UNRESOLVED
    assert held.message is not None and "held whole" in held.message
    reached = walk_path(lib, text, "title", ["text"], content_fields=True)
    assert reached.var is not None and reached.var.concept.ref == "native.Text"


def test_a_value_with_another_origin_is_what_replace_makes() -> None:
    """``Var.with_origin`` (a sequence's check, once a step) is ``replace(var, origin=...)``: every field kept but the
    origin, whatever the values (every field set away from its default here)."""
    from pipelex.record import replace

    base = var(concepts(), "Text", is_list=True)
    base = Var(base.concept, True, 3, True, True, "first")
    moved = base.with_origin("step 2 (pipe 'x')")
    assert moved == replace(base, origin="step 2 (pipe 'x')")
    assert [getattr(moved, name) for name in Var.FIELDS] == [
        getattr(replace(base, origin="step 2 (pipe 'x')"), name) for name in Var.FIELDS
    ]
    assert moved.origin == "step 2 (pipe 'x')" and base.origin == "first"
