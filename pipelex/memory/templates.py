"""Templates of a pipe's inputs and examples of its output, for people writing inputs files by hand.

``inputs_template`` gives the JSON that ``pipelex run bundle -i`` reads, with a placeholder of each input's
concept shape: a string for a text-like concept, a number for a Number, an object of every field for a
structure, ``{"url": ...}`` for an image or a document (an example https URL: a dry run reads nothing, a path
would name no file), the explicit form for a page or a text with images, a one-item list for ``X[]`` (N items for ``X[N]``).
Keys starting with ``//`` are notes for the reader (optional inputs, lists); the inputs reader skips them.
``output_example`` gives what the pipe's main output looks like: the dry-run mock of its concept.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Any, Literal

from pydantic import BaseModel

from pipelex.concepts.library import Concept
from pipelex.concepts.natives import StuffContent, TextContent, native_name
from pipelex.language.library import Library, PipeEntry
from pipelex.language.specs import ConceptSpec, Multiplicity

NOTE_PREFIX = "//"
EXPLICIT_ONLY = frozenset({"PageContent", "TextAndImagesContent"})
"""The natives whose content (an object of natives) is given only in the explicit form ``{"concept", "content"}``:
they have no short form, and a bare object for them is refused, as in the reference."""
# an image's or a document's placeholder, as an input or a field (a dry run reads no URL; a path would name no file)
_EXAMPLE_URLS = {
    "ImageContent": "https://example.com/your-image.png",
    "DocumentContent": "https://example.com/your-document.pdf",
}
_MAX_DEPTH = 4  # a concept nesting itself stops being expanded here


def inputs_template(entry: PipeEntry, library: Library, *, run_hint: str | None = None) -> dict[str, Any]:
    """The inputs JSON of ``entry``: every input the caller gives, with a placeholder of its shape and notes."""
    template: dict[str, Any] = {}
    header = f"inputs of pipe {entry.ref!r}: replace each placeholder by your value"
    if run_hint:
        header += f", then run: {run_hint}"
    template[NOTE_PREFIX] = header + f" (keys starting with {NOTE_PREFIX!r} are notes, ignored)"
    for name, text in entry.blueprint.input_specs().items():
        if "." in name:  # a sub-field of another input: filled from that input
            continue
        spec = ConceptSpec.parse(text)
        concept = library.resolve_concept(spec.concept_ref, entry.domain)
        if concept is None:  # an invalid bundle: validation names it
            continue
        notes: list[str] = []
        if spec.is_optional:
            notes.append(f"optional ({text}): remove this entry to run without it")
        if spec.multiplicity is Multiplicity.VARIABLE:
            notes.append(f"a list ({text}): one item shown, give as many as you need")
        elif spec.multiplicity is Multiplicity.FIXED:
            notes.append(f"a list of exactly {spec.item_count} items ({text})")
        if notes:
            template[f"{NOTE_PREFIX}{name}"] = "; ".join(notes)
        value = input_placeholder(concept, library)
        if spec.is_list:
            value = [value] * (spec.item_count or 1)
        if native_name(library.concepts.content_model(concept)) in EXPLICIT_ONLY:
            value = {"concept": concept.ref, "content": value}
        template[name] = value
    return template


def input_placeholder(concept: Concept, library: Library) -> Any:
    """A value of ``concept``'s shape, in the short form the inputs reader accepts."""
    model = library.concepts.content_model(concept)
    if model is TextContent:
        return f"<{concept.code}: {_one_line(concept.description)}>"
    match native_name(model):  # the other natives' classes are made on first use: none is made here
        case "NumberContent":
            return 0
        case "YesNoContent":
            return False
        case "DateContent":
            return "2026-01-31"
        case "TimeContent":
            return "12:00"
        case "JSONContent":
            return {}
        case ("ImageContent" | "DocumentContent") as kind:
            return {"url": _EXAMPLE_URLS[kind]}
        case "AnythingContent" | "DynamicContent":
            return f"<{concept.code}: any JSON value>"
        case _:
            return _model_placeholder(model, only_required=concept.is_native, depth=0)


def _model_placeholder(model: type[BaseModel], *, only_required: bool, depth: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if only_required and not info.is_required():
            continue
        value = _value_placeholder(info.annotation, info.description or name, depth + 1)
        if value is _SKIP:
            continue
        data[name] = value
    return data


_SKIP = object()


def _value_placeholder(annotation: Any, description: str, depth: int) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        non_none = [a for a in args if a is not type(None)]
        if not non_none or (len(non_none) < len(args) and depth > _MAX_DEPTH):
            return _SKIP
        return _value_placeholder(non_none[0], description, depth)
    if origin is Literal:
        return args[0]
    if origin is list:
        if depth > _MAX_DEPTH:
            return []
        item = _value_placeholder(args[0] if args else str, description, depth)
        return [] if item is _SKIP else [item]
    if origin is dict:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation is TextContent:
            return {"text": f"<{_one_line(description)}>"}
        url = _EXAMPLE_URLS.get(native_name(annotation) or "")
        if url is not None:  # an image or a document field
            return {"url": url}
        return _model_placeholder(annotation, only_required=not _is_compiled(annotation), depth=depth)
    if annotation is str:
        return f"<{_one_line(description)}>"
    if annotation is bool:
        return False
    if annotation is int:
        return 0
    if annotation is float or annotation in (int | float, float | int):
        return 0.0
    if annotation is dt.date:
        return "2026-01-31"
    if annotation is dt.datetime:
        return "2026-01-31T12:00:00"
    if annotation is dt.time:
        return "12:00:00"
    return f"<{_one_line(description)}>"


def _is_compiled(model: type[BaseModel]) -> bool:
    """True for a concept compiled from a bundle's structure (all its fields are worth showing)."""
    return model is not TextContent and native_name(model) is None


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 100 else line[:99] + "…"


def output_example(entry: PipeEntry, library: Library, *, nb_list_items: int = 3) -> Any:
    """What the main output of ``entry`` looks like in ``main_stuff.json``: the dry-run mock of its concept."""
    from pipelex.concepts.mocks import mock_content, rng_for
    from pipelex.concepts.natives import ListContent

    spec = ConceptSpec.parse(entry.blueprint.output)
    concept = library.resolve_concept(spec.concept_ref, entry.domain)
    if concept is None:
        return None
    model: type[StuffContent] = library.concepts.content_model(concept)
    rng = rng_for(f"{entry.ref}.output")
    if spec.is_list:
        items = [
            mock_content(model, label=f"{entry.code}[{i}]", nb_list_items=nb_list_items, rng=rng)
            for i in range(spec.item_count or nb_list_items)
        ]
        return ListContent(items=items).model_dump(mode="json")
    return mock_content(model, label=entry.code, nb_list_items=nb_list_items, rng=rng).model_dump(mode="json")
