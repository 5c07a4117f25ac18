"""The library's pipe resolution: a bare code of a pipe of the caller's domain is found without reading the
reference (``Library.local_pipe``), and every other reference as :func:`pipe_ref_parts` reads it."""

from __future__ import annotations

import textwrap

import pytest

from pipelex.language.library import Library, build_library

_BUNDLES = [
    textwrap.dedent("""
        domain = "shop"

        [pipe.greet]
        type = "PipeCompose"
        description = "Greets"
        inputs = { name = "Text" }
        output = "Text"
        template = "Hello $name"
    """),
    # a dotted domain whose last part is the other domain's pipe code: ``shop.greet`` seen from ``shop`` is not it
    textwrap.dedent("""
        domain = "shop.greet"

        [pipe.greet]
        type = "PipeCompose"
        description = "Greets again"
        inputs = { name = "Text" }
        output = "Text"
        template = "Hello again $name"
    """),
]


def _library() -> Library:
    library = build_library([(text, f"b{i}.mthds") for i, text in enumerate(_BUNDLES)])
    assert not library.diagnostics
    return library


def _by_parts(library: Library, ref: str, from_domain: str | None) -> object:
    """What ``resolve_pipe`` finds by reading the reference (its path before the shortcut)."""
    from pipelex.language.library import pipe_ref_parts

    parts = pipe_ref_parts(ref)
    if parts is None or parts[0]:
        return None
    _, domain, code = parts
    if domain:
        return library.pipes.get(f"{domain}.{code}")
    if from_domain is not None:
        return library.pipes.get(f"{from_domain}.{code}")
    found = library.pipe_refs_of_code(code)
    return library.pipes[found[0]] if len(found) == 1 else None


@pytest.mark.parametrize(
    "ref",
    [
        "greet",
        "shop.greet",
        "greet.greet",
        "shop.greet.greet",
        "pkg->greet",
        "Greet",
        "",
        "greet ",
        "nope",
        "a.b",
    ],
)
@pytest.mark.parametrize("from_domain", ["shop", "shop.greet", "other", None])
def test_resolve_pipe_finds_what_reading_the_reference_finds(ref: str, from_domain: str | None) -> None:
    library = _library()
    assert library.resolve_pipe(ref, from_domain) is _by_parts(library, ref, from_domain)


def test_a_local_pipe_is_a_bare_code_of_a_pipe_of_that_domain() -> None:
    library = _library()
    assert library.local_pipe("greet", "shop") is library.pipes["shop.greet"]
    assert library.local_pipe("greet", "shop.greet") is library.pipes["shop.greet.greet"]
    # ``shop`` + ``greet.greet`` is the key of a pipe, but ``greet.greet`` is not its code: not a local pipe
    assert library.local_pipe("greet.greet", "shop") is None
    assert library.local_pipe("greet", "other") is None


def test_two_libraries_resolve_the_same_code_to_their_own_pipes() -> None:
    first, second = _library(), _library()
    assert first.resolve_pipe("greet", "shop") is first.pipes["shop.greet"]
    assert second.resolve_pipe("greet", "shop") is second.pipes["shop.greet"]
    assert first.pipes["shop.greet"] is not second.pipes["shop.greet"]
