"""The static checks' toolkit: what a checker resolves for a spec string it keeps for its own library only."""

from __future__ import annotations

import textwrap

from pipelex.config.deck import default_deck
from pipelex.language.library import Library, build_library
from pipelex.pipes.checks import PipeChecks

_PIPE = """
[pipe.shape]
type = "PipeCompose"
description = "Shapes"
inputs = { item = "Thing" }
output = "Thing"
template = "Shaped: $item"
"""


def _library(concept: str) -> Library:
    text = textwrap.dedent('domain = "shop"\n') + textwrap.dedent(concept) + textwrap.dedent(_PIPE)
    library = build_library([(text, "shop.mthds")])
    assert not library.diagnostics
    return library


def test_a_checker_resolves_a_spec_once_and_for_its_own_library_only() -> None:
    plain = _library('[concept]\nThing = "A thing"\n')
    structured = _library(
        '[concept.Thing]\ndescription = "A thing"\n[concept.Thing.structure]\nname = "Its name"\n'
    )
    first, second = PipeChecks(plain, default_deck()), PipeChecks(structured, default_deck())
    entry_1, entry_2 = plain.pipes["shop.shape"], structured.pipes["shop.shape"]
    var_1, var_2 = first.var_of(entry_1, "Thing[]"), second.var_of(entry_2, "Thing[]")
    assert var_1 is not None and var_2 is not None
    # the same pipe code and spec in two libraries: each checker finds its own library's concept
    assert var_1.concept is plain.concepts.concepts["shop.Thing"]
    assert var_2.concept is structured.concepts.concepts["shop.Thing"]
    assert var_1.concept is not var_2.concept
    assert (var_1.is_list, var_1.item_count, var_1.maybe_absent) == (True, None, False)
    # asked again: the same frozen record; a spec that does not parse or resolve is None every time
    assert first.var_of(entry_1, "Thing[]") is var_1
    assert first.spec(entry_1, "Thing[]") == first.spec(entry_1, "Thing[]")
    for _ in range(2):
        assert first.var_of(entry_1, "Nothing") is None
        assert first.spec(entry_1, "not a spec!") is None
    # a list is never absent; an optional single value is
    optional = first.var_of(entry_1, "Thing?")
    assert optional is not None and optional.maybe_absent and not optional.is_list
    optional_list = first.var_of(entry_1, "Thing[]?")
    assert optional_list is not None and not optional_list.maybe_absent
