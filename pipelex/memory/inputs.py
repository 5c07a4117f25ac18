"""Shaping caller inputs against the declared inputs of a pipe, and synthesising mock inputs.

A string fills a text-like concept, a number a Number, an object a structure, a list an ``X[]``;
``{"concept": ..., "content": ...}`` is the explicit form; images and documents are ``{"url": ...}``
or a path (relative to the inputs file); keys starting with ``//`` are notes (inputs templates write them).
Problems raise :class:`InputError` naming the input.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelex.concepts.library import Concept
from pipelex.concepts.natives import ListContent, StuffContent, TextContent, native_name, text_content
from pipelex.concepts.values import ContentError, to_content
from pipelex.errors import InputError, too_many_digits
from pipelex.language.library import Library, PipeEntry
from pipelex.language.specs import ConceptSpec, Multiplicity
from pipelex.limits import check_list_size
from pipelex.memory.stuff import Stuff
from pipelex.memory.templates import EXPLICIT_ONLY, NOTE_PREFIX
from pipelex.narrowing import (
    is_dict,
    is_json_object,
    is_list,
    is_sequence,
    is_unencodable,
    unencodable_path,
)

if TYPE_CHECKING:
    from random import Random

    from pipelex.config.settings import LimitsConfig
    from pipelex.io.policy import IOPolicy

MAX_INPUT_DEPTH = 64
"""How deep input values may nest (objects and lists). Real structured inputs nest a handful of levels; the
bound keeps hostile inputs (10,000 nested lists) from exhausting the interpreter's stack in parsing, shaping,
validation or serialisation, and gives a clear message instead."""


def _too_deep(where: str) -> InputError:
    return InputError(
        f"{where} nest deeper than {MAX_INPUT_DEPTH} levels of objects and lists, the limit for "
        "inputs: flatten the data"
    )


def _not_finite(where: str) -> InputError:
    return InputError(
        f"{where} hold a number that is not finite (NaN, Infinity, or past 1.8e308 such as 1e999): JSON has "
        "no such number and the run could not give it back: give a finite number"
    )


def _not_text(where: str, path: str) -> InputError:
    return InputError(
        f"{where} hold a string that is not text ({path}: a lone UTF-16 surrogate such as \\ud800, which no "
        "UTF-8 text can carry): send the text's characters, or pairs of surrogates"
    )


def check_input_depth(data: Any, where: str = "the inputs") -> None:
    """Raise :class:`InputError` if ``data`` nests deeper than :data:`MAX_INPUT_DEPTH`, or holds a number that is
    not finite (Python's ``json`` reads ``NaN``, ``Infinity`` and ``1e999``; such a number became ``null`` in a
    run's answer, a required field silently emptied), or a string or key holding a lone surrogate (the run failed
    writing it out: a 500 on the API). An iterative walk: it never recurses, whatever the depth."""
    if type(data) is float and not math.isfinite(data):
        raise _not_finite(where)
    if type(data) is str and is_unencodable(data):
        raise _not_text(where, "the value")
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        children: Iterable[object]
        if is_dict(value):
            children = value.values()
            if any(type(k) is str and is_unencodable(k) for k in value):
                raise _not_text(where, unencodable_path(data) or "a key")
        elif is_sequence(value):
            children = value
        else:
            continue
        if depth >= MAX_INPUT_DEPTH:
            raise _too_deep(where)
        for child in children:
            if is_dict(child) or is_sequence(child):
                stack.append((child, depth + 1))
            elif type(child) is float and not math.isfinite(child):
                raise _not_finite(where)
            elif type(child) is str and is_unencodable(child):
                raise _not_text(where, unencodable_path(data) or "a string")


def json_kind(value: object) -> str:
    """What a JSON value is, for a message: "null", "a list", "an empty string", ..."""
    if value is None:
        return "null"
    if type(value) is str:
        return "an empty string" if not value.strip() else "a string"
    kinds: dict[type, str] = {list: "a list", bool: "a boolean", dict: "an object"}
    return kinds.get(type(value), "a number")


def _unique_keys(where: str) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """A ``json`` object hook refusing a key given twice in one object: ``json`` keeps the last value and drops
    the others without a word (RFC 8259 leaves it to the reader), so a pasted second ``"order"`` silently replaced
    the first one's order; TOML refuses it as a syntax error."""

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        built = dict(pairs)
        if len(built) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    raise InputError(
                        f"{where}: the key {key!r} is given twice in one object (JSON would keep only the last "
                        "one): keep one"
                    )
                seen.add(key)
        return built

    return build


def read_inputs_argument(argument: str) -> tuple[dict[str, Any], Path | None]:
    """``-i`` value: inline JSON (starting with ``{``), or a .json/.toml file. Returns data and the file's folder."""
    import json

    text = argument.strip()
    data: object
    if text.startswith("{"):
        try:
            data = json.loads(text, object_pairs_hook=_unique_keys("the inline inputs"))
        except json.JSONDecodeError as exc:
            raise InputError(
                f"the inline inputs are not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            ) from exc
        except RecursionError:
            raise _too_deep("the inline inputs") from None
        except ValueError as exc:  # an integer past Python's digit limit
            message = too_many_digits(text, exc)
            if message is None:
                raise
            raise InputError(f"the inline inputs cannot be read: {message}") from None
        base: Path | None = None
    else:
        path = Path(argument)
        if not path.is_file():
            raise InputError(
                f"inputs file {argument!r} does not exist: give a .json or .toml file, or inline JSON "
                "starting with '{'"
            )
        raw = ""
        try:
            raw = path.read_text(encoding="utf-8")
            if raw.startswith("\ufeff"):
                raise InputError(
                    f"inputs file {argument!r} starts with a byte-order mark (U+FEFF), which is not JSON or "
                    "TOML: save the file as UTF-8 without a BOM"
                )
            if path.suffix.lower() == ".toml":  # a key given twice is a TOML syntax error
                data = tomllib.loads(raw)
            else:
                data = json.loads(raw, object_pairs_hook=_unique_keys(f"inputs file {argument!r}"))
        except UnicodeDecodeError as exc:
            raise InputError(
                f"inputs file {argument!r} is not UTF-8 text (byte {exc.start} cannot be decoded): save it as "
                "UTF-8 (an editor may have written UTF-16 or Latin-1)"
            ) from None
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"inputs file {argument!r} cannot be parsed: {exc}") from exc
        except ValueError as exc:  # an integer past Python's digit limit
            message = too_many_digits(raw, exc)
            if message is None:
                raise
            raise InputError(f"inputs file {argument!r} cannot be read: {message}") from None
        except RecursionError:
            raise _too_deep(f"the values of inputs file {argument!r}") from None
        except OSError as exc:
            raise InputError(
                f"inputs file {argument!r} cannot be read ({exc.strerror}); check its permissions"
            ) from exc
        base = path.parent
    if not is_json_object(data):
        kind = json_kind(data)
        where = "the inline inputs" if base is None else f"inputs file {argument!r}"
        raise InputError(
            f"{where}: the top level is {kind}, but the inputs must be an object mapping input names to "
            'values, e.g. {"text": "..."}'
        )
    check_input_depth(data)
    return data, base


def shape_inputs(
    raw: dict[str, Any],
    entry: PipeEntry,
    library: Library,
    *,
    base_dir: Path | None = None,
    limits: LimitsConfig | None = None,
) -> dict[str, Stuff]:
    """Shape every given input against ``entry``'s declared inputs.

    ``limits``: a list input past ``max_batch_items`` is refused here, before any of its items is converted
    (a million-item input is refused in a second, not after the run has built it and started batching it).
    """
    specs = entry.blueprint.input_specs()
    shaped: dict[str, Stuff] = {}
    for name, value in raw.items():
        if is_unencodable(name):
            raise _not_text("the inputs", "an input's name")
        if name.startswith(NOTE_PREFIX):  # a note of an inputs template (`pipelex build inputs`)
            continue
        try:
            check_input_depth(value, f"the values of input {name!r}")
        except InputError as exc:  # the same problem, named by its input (the API's location)
            raise InputError(str(exc), input_name=name) from None
        if name not in specs:
            raise InputError(
                f"input {name!r} is not an input of pipe {entry.code!r} (its inputs: "
                f"{', '.join(specs) or 'none'}): remove it or fix its name",
                input_name=name,
            )
        spec = ConceptSpec.parse(specs[name])
        concept = library.resolve_concept(spec.concept_ref, entry.domain)
        assert concept is not None
        if limits is not None:
            listed = value.get("content") if is_json_object(value) else value
            if is_list(listed):
                check_list_size(len(listed), limits, what=f"input {name!r}", pipe_code=entry.code)
        shaped[name] = shape_one(name, value, spec, concept, library, base_dir)
    return shaped


def shape_one(
    name: str, value: Any, spec: ConceptSpec, concept: Concept, library: Library, base_dir: Path | None
) -> Stuff:
    """One input value to a stuff of the declared spec."""
    if value is None:
        raise InputError(
            f"input {name!r} is null: give a value, or leave it out if it is optional", input_name=name
        )
    target, bare = concept, True
    if (
        is_json_object(value)
        and "concept" in value
        and "content" in value
        and set(value) <= {"concept", "content"}
    ):
        named = value["concept"]
        if type(named) is not str or not named.strip():
            raise InputError(
                f"input {name!r}: `concept` is {json_kind(named)}, but it must name a concept, e.g. "
                f'"{concept.code}" (the one the pipe reads) or "{concept.ref}"',
                input_name=name,
            )
        explicit = library.resolve_concept(named, concept.domain)
        if explicit is None:
            raise InputError(
                f"input {name!r} names the unknown concept {named!r}: name a concept of the library or a native "
                f'one, e.g. "{concept.ref}" (the one the pipe reads)',
                input_name=name,
            )
        if not library.concepts.is_compatible(explicit, concept):
            raise InputError(
                f"input {name!r} is given as {explicit.ref}, but the pipe reads {concept.ref}",
                input_name=name,
            )
        target, value, bare = explicit, value["content"], False
    if is_list(value):
        if not spec.is_list:
            raise InputError(
                f"input {name!r} is a list, but the pipe reads a single {concept.ref} ({spec.render()})",
                input_name=name,
            )
        if spec.multiplicity is Multiplicity.FIXED and len(value) != spec.item_count:
            raise InputError(
                f"input {name!r} has {len(value)} items, but the pipe reads exactly {spec.item_count}",
                input_name=name,
            )
        items = [
            _content(name, f"{name}[{i}]", v, target, library, base_dir, bare=bare)
            for i, v in enumerate(value)
        ]
        return Stuff(stuff_name=name, concept=target.ref, content=ListContent(items=items))
    if spec.is_list:  # one value for a list: a list of that one value (a fixed count must then be 1)
        if spec.multiplicity is Multiplicity.FIXED and spec.item_count != 1:
            raise InputError(
                f"input {name!r} is a single value, but the pipe reads exactly {spec.item_count} "
                f"({spec.render()}): give a list of {spec.item_count}",
                input_name=name,
            )
        item = _content(name, name, value, target, library, base_dir, bare=bare)
        return Stuff(stuff_name=name, concept=target.ref, content=ListContent(items=[item]))
    return Stuff(
        stuff_name=name,
        concept=target.ref,
        content=_content(name, name, value, target, library, base_dir, bare=bare),
    )


# the natives whose bare value is a scalar (a string, a number, a boolean, an ISO date) or whose content nests
# natives: an object for one of them (``{"text": "..."}`` for a Text, ``{"number": 3}``) is their content's
# shape, given only in the explicit form ``{"concept": ..., "content": ...}``, as in the reference (a bare object
# fills a structured concept, JSON or Anything; an image or a document takes ``{"url": ...}``)
_SCALAR_GIVEN_AS: dict[str, str] = {
    "TextContent": "a string",
    "NumberContent": "a number",
    "YesNoContent": "a boolean (true or false)",
    "DateContent": 'an ISO date (e.g. "2026-03-01")',
    "TimeContent": 'an ISO time (e.g. "18:30")',
    **dict.fromkeys(EXPLICIT_ONLY, ""),
}


def _declared_fields(value: dict[str, Any], model: type[StuffContent], depth: int) -> dict[str, Any]:
    """``value`` without the keys ``model`` (a structured concept's content) does not declare, at every depth of
    its structured fields: a caller's object may carry more than the concept reads (a record exported from
    another system), and the reference takes it, reading the fields it declares. A declared field's wrong value is
    still an error."""
    if depth > MAX_INPUT_DEPTH:
        return value
    fields = model.model_fields
    kept: dict[str, Any] = {}
    for key, item in value.items():
        info = fields.get(key)
        if info is None:
            continue
        sub = _structured_model(info.annotation)
        if sub is not None and is_json_object(item):
            item = _declared_fields(item, sub, depth + 1)
        elif sub is not None and is_list(item):
            item = [_declared_fields(i, sub, depth + 1) if is_json_object(i) else i for i in item]
        kept[key] = item
    return kept


def _structured_model(annotation: Any) -> type[StuffContent] | None:
    """The structured concept's content class inside a field's annotation (``X``, ``X | None``, ``list[X]``), or
    None (a native's class or a scalar: their keys are theirs to check)."""
    import typing

    from pydantic import BaseModel

    candidates = [annotation]
    while candidates:
        current = candidates.pop()
        if isinstance(current, type):
            if issubclass(current, BaseModel) and issubclass(current, StuffContent):
                is_native = native_name(current) is not None or current.__name__ == "TextContent"
                return None if is_native else current
            continue
        candidates.extend(typing.get_args(current))
    return None


def _iso_date(text: str) -> bool:
    """``text`` is an extended ISO 8601 calendar date (``2026-03-01``), or one with a time (``...T18:30:00``)."""
    import datetime as dt
    import re

    if re.match(r"\d{4}-\d{2}-\d{2}(?:$|[T ])", text, re.ASCII) is None:  # not 20260301, 2026-W09-1
        return False

    for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
        try:
            parse(text)
        except ValueError:
            continue
        return True
    return False


def _content(
    name: str,
    where: str,
    value: Any,
    concept: Concept,
    library: Library,
    base_dir: Path | None,
    *,
    bare: bool = True,
) -> StuffContent:
    """One value as content of ``concept``; ``bare``: given as is, not in the explicit form."""
    model = library.concepts.content_model(concept)
    if model is TextContent and type(value) is str:
        # the common case, once per item of a long list of texts: what the checks below and ``to_content`` make of
        # a string for a text (none of them applies: a text's class has no native name), without the validator
        return text_content(value)
    kind = native_name(model)
    if bare and kind in _SCALAR_GIVEN_AS and is_dict(value):
        give = _SCALAR_GIVEN_AS[kind]
        explicit = f'{{"concept": "{concept.ref}", "content": {{...}}}}'
        raise InputError(
            f"input {where!r} is an object, but {concept.ref} takes {give}; its content as an object only in "
            f"the explicit form {explicit}"
            if give
            else f"input {where!r} is a bare object: {concept.ref} is given in the explicit form {explicit}",
            input_name=name,
        )
    if bare and kind in EXPLICIT_ONLY and type(value) is str:  # a string is a text, not a page
        raise InputError(
            f"input {where!r} is a string, so it is given as native.Text, but the pipe reads {concept.ref}: give "
            f'it in the explicit form {{"concept": "{concept.ref}", "content": {{...}}}}',
            input_name=name,
        )
    if kind is None and is_json_object(value):  # a structured concept: fields it does not declare are dropped
        value = _declared_fields(value, model, 0)
    written = value.get("date") if kind == "DateContent" and is_dict(value) else value  # the explicit form's
    if kind == "DateContent" and type(written) is str and not _iso_date(written):
        raise InputError(
            f'input {where!r} is {written[:40]!r}, which is no ISO date: give one such as "2026-03-01" '
            '(a date and time: "2026-03-01T18:30:00")',
            input_name=name,
        )
    if native_name(model) in ("ImageContent", "DocumentContent"):  # (no native class is made here)
        if isinstance(value, str):
            value = {"url": value}
        url = value.get("url") if is_json_object(value) else None
        if isinstance(url, str) and not url.strip():  # a bare path of "" would be the working folder itself
            raise InputError(
                f"input {where!r} is an empty {'image' if native_name(model) == 'ImageContent' else 'document'} "
                "reference: give a file path, an http(s) URL or a data: URL",
                input_name=name,
            )
        if is_json_object(value) and isinstance(url, str):
            resolved = _resolve_url(url, base_dir)
            value = {**value, "url": resolved}
            if not value.get("mime_type"):
                value["mime_type"] = _mime_of(resolved)
    try:
        return to_content(value, concept, library.concepts)
    except ContentError as exc:
        from pipelex.concepts.fit_messages import misfit_message

        fields = [] if kind is not None else list(model.model_fields)
        message = misfit_message(where, value, concept.ref, kind or _text_kind(model), fields, exc)
        raise InputError(message, input_name=name) from exc


def _text_kind(model: type[StuffContent]) -> str | None:
    """``"TextContent"`` for the text class (``native_name`` leaves it out: it is made at import), else none."""
    return "TextContent" if model.__name__ == "TextContent" else None


def _resolve_url(url: str, base_dir: Path | None) -> str:
    """A bare path as a ``file://`` URL, anchored to ``base_dir`` (or the working folder); any other reference
    (a URL of any scheme, ``file:`` included) as given.

    Lexically only: nothing on disk is looked at here (no symlink followed, no ``stat``), since the caller may
    not be allowed to read the file at all (a server's caller). The IO gate checks the path, by its real path,
    and opens it when the run reads it.
    """
    from pipelex.io.policy import ReferenceKind, reference_kind

    if reference_kind(url) is not ReferenceKind.FILE or url[:5].lower() == "file:":
        return url
    path = Path(url)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return Path(os.path.abspath(path)).as_uri()


def check_local_files(stuffs: dict[str, Stuff], policy: IOPolicy) -> None:
    """Refuse (:class:`InputError`) an image or a document of the caller's inputs naming a local file that the run
    may read (``policy`` allows it) but that is no readable regular file: a mistyped path, or a string that is no
    path at all (``"photo": "my cat"``), is an input error before anything runs, a dry run included (it reads no
    file, so it would pass such a path). A file the policy refuses is left to the policy's own check and to the IO
    gate, which say nothing of the server's files."""
    files = ("ImageContent", "DocumentContent")
    for name, stuff in stuffs.items():
        for item in _held_values(stuff.content, opaque=files):
            kind = native_name(type(item))  # makes no class: an image is one only if its class was made
            if kind in files:
                _check_local_file(name, str(getattr(item, "url", "")), kind, policy)


def _check_local_file(name: str, url: str, kind: str, policy: IOPolicy) -> None:
    from pipelex.io.policy import ReferenceKind, RefusalReason, local_path, reference_kind

    if reference_kind(url) is not ReferenceKind.FILE:
        return
    refusal = policy.refusal(url)
    what = "image" if kind == "ImageContent" else "document"
    # a file the run reads, but never one of a system folder: said before anything runs
    if refusal is not None and refusal.reason is RefusalReason.SYSTEM_FILE:
        raise InputError(
            f"input {name!r}: the {what} file {url[:200]!r} is never read: {refusal.detail}; {refusal.hint}",
            input_name=name,
        )
    if refusal is not None:
        return
    path = local_path(url)
    try:
        if path.is_file() and os.access(path, os.R_OK):
            return
    except (OSError, ValueError):  # a name too long for the system (a paragraph given as a path): no file
        pass
    raise InputError(
        f"input {name!r}: the {what} file {str(path)[:200]!r} cannot be read (no such readable file): give an "
        "existing file, an http(s) URL or a data: URL",
        input_name=name,
    )


def caller_urls(stuffs: dict[str, Stuff]) -> list[str]:
    """Every http(s) URL the caller's inputs hold as a whole value: an image's or a document's ``url``, a text, a
    field of a structure, at any depth. These are the URLs the caller named; a run fetches only these, unless
    its IO policy lets it fetch the URLs it builds (:meth:`~pipelex.io.policy.IOPolicy.naming`)."""
    from pipelex.io.policy import ReferenceKind, reference_kind

    return [
        item
        for stuff in stuffs.values()
        for item in _held_values(stuff.content)
        if isinstance(item, str) and item[:4].lower() == "http" and reference_kind(item) is ReferenceKind.HTTP
    ]


def _held_values(content: object, *, opaque: tuple[str, ...] = ()) -> Iterator[object]:
    """``content`` and every value it holds, at any depth: a model's fields, a list's or a tuple's items, a dict's
    values. A native content whose kind is in ``opaque`` is given but not entered."""
    from pydantic import BaseModel

    stack: list[object] = [content]
    while stack:
        item = stack.pop()
        yield item
        if type(item) is TextContent:  # the common leaf (an item of a long list of texts): its one field next
            yield item.text
            continue
        if isinstance(item, BaseModel):
            if not (opaque and native_name(type(item)) in opaque):
                stack.extend(getattr(item, field) for field in type(item).model_fields)
        elif is_sequence(item):
            stack.extend(item)
        elif is_dict(item):
            stack.extend(item.values())


def _mime_of(url: str) -> str | None:
    from pipelex.storage.local import data_url_mime

    if url.startswith("data:"):
        return data_url_mime(url)
    import mimetypes

    return mimetypes.guess_type(url)[0]


@cache
def _mocks() -> tuple[Callable[..., StuffContent], Callable[[str], Random]]:
    """``mock_content`` and ``rng_for``, imported by the first call (cached: an import statement costs an
    import-system call per pipe of a validation sweep)."""
    from pipelex.concepts.mocks import mock_content, rng_for

    return mock_content, rng_for


def mock_inputs(
    entry: PipeEntry,
    library: Library,
    given: dict[str, Stuff],
    *,
    nb_list_items: int,
    optional: bool = False,
) -> dict[str, Stuff]:
    """Mocks for every required input that was not given (``--mock-inputs``); for the optional ones (``X?``) too
    when ``optional`` (the validation sweep: a caller who gives everything the pipe can read, so a value forced
    with ``!`` downstream of an optional input is proven, not refused for a run stop that only an absent input
    causes; the reference finds such a bundle valid too)."""
    mock_content, rng_for = _mocks()

    mocked: dict[str, Stuff] = {}
    for name, text in entry.blueprint.input_specs().items():
        if name in given or "." in name:
            continue
        spec = ConceptSpec.parse(text)
        if spec.is_optional and not optional:
            continue
        concept = library.resolve_concept(spec.concept_ref, entry.domain)
        assert concept is not None
        model = library.concepts.content_model(concept)
        rng = rng_for(f"{entry.code}.{name}")
        if spec.is_list:
            count = spec.item_count or nb_list_items
            items = [
                mock_content(model, label=f"{name}[{i}]", nb_list_items=nb_list_items, rng=rng)
                for i in range(count)
            ]
            mocked[name] = Stuff.of(name, concept.ref, ListContent(items=items))
        else:  # a content model made valid, a concept ref: nothing to validate (once per pipe of a sweep)
            mocked[name] = Stuff.of(
                name, concept.ref, mock_content(model, label=name, nb_list_items=nb_list_items, rng=rng)
            )
    return mocked
