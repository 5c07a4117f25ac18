"""The message of a value that does not fit its concept (a caller's input, what a function returned): what was
given, where, what is taken instead.

pydantic's own words name the content classes (``instance of NumberContent``), print Python reprs and link to its
docs; a caller wrote JSON and knows the input's name and the concept's fields, so the message speaks of those.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from pipelex.narrowing import is_dict, is_list

# what a native concept takes, when its value is given bare (the explicit form's content too)
_TAKES: dict[str, str] = {
    "TextContent": 'a string (e.g. "some text")',
    "NumberContent": "a number (e.g. 3 or 2.5)",
    "YesNoContent": "a boolean: true or false",
    "DateContent": 'an ISO date (e.g. "2026-03-01")',
    "TimeContent": 'an ISO time (e.g. "18:30")',
    "JSONContent": "a JSON object",
    "ImageContent": 'a string (a file path, an http(s) URL or a data: URL) or {"url": "..."}',
    "DocumentContent": 'a string (a file path, an http(s) URL or a data: URL) or {"url": "..."}',
}
# pydantic's error types that say "a value of another kind was given", by what the field takes instead
_WANTED: dict[str, str] = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "a boolean (true or false)",
    "bool_parsing": "a boolean (true or false)",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object of its fields",
    "model_attributes_type": "an object of its fields",
    "date_type": 'an ISO date (e.g. "2026-03-01")',
    "date_parsing": 'an ISO date (e.g. "2026-03-01")',
    "date_from_datetime_parsing": 'an ISO date (e.g. "2026-03-01")',
    "date_from_datetime_inexact": 'a date without a time of day (e.g. "2026-03-01")',
}


def shown(value: object, limit: int = 60) -> str:
    """``value`` as the caller wrote it (JSON), cut at ``limit`` characters; a value JSON cannot write (a Python
    object a function returned, a cycle) by its type's name."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return _toml_shown(value) or f"a Python {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _toml_shown(value: object) -> str | None:
    """A date or time value (an unquoted one of a TOML inputs file, a function's result) as TOML and ISO 8601 write
    it, not "a Python date"; None for other values."""
    import datetime as dt

    if isinstance(value, dt.datetime):  # before date: a datetime is a date too
        kind, text = "date and time", value.isoformat()
    elif isinstance(value, dt.date | dt.time):
        kind, text = ("date" if isinstance(value, dt.date) else "time"), value.isoformat()
    else:
        return None
    return f"the {kind} {text}"


def _walk(
    value: object, loc: tuple[int | str, ...], *, missing: bool
) -> tuple[tuple[int | str, ...], bool, object]:
    """The part of ``loc`` that is a path through ``value`` (pydantic adds the members of a union it tried,
    ``number.int``, which are no fields), whether it reaches a value, and that value. A ``missing`` field is
    named by its whole ``loc``."""
    for depth, part in enumerate(loc):
        if is_dict(value) and part in value:
            value = value[part]
        elif is_list(value) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        else:
            return (loc if missing else loc[:depth]), False, None
    return loc, True, value


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _problems(errors: list[ErrorDetails], value: object) -> list[str]:
    """pydantic's errors as a caller reads them, one per field: the field, what it holds, what it takes."""
    by_path: dict[tuple[int | str, ...], list[ErrorDetails]] = {}
    for error in errors:
        loc, _, _ = _walk(value, tuple(error.get("loc", ())), missing=error.get("type") == "missing")
        by_path.setdefault(loc, []).append(error)
    problems: list[str] = []
    for loc, found_errors in by_path.items():
        path = _path(loc) or "the value"
        if any(e.get("type") == "missing" for e in found_errors):
            problems.append(f"field {path!r} is required: add it")
            continue
        if any(e.get("type") == "extra_forbidden" for e in found_errors):
            problems.append(f"{path!r} is not a field of the concept: remove it")
            continue
        _, found, held = _walk(value, loc, missing=False)
        holds = f" is {shown(held)}" if found else ""
        wanted = list(
            dict.fromkeys(w for e in found_errors if (w := _WANTED.get(e.get("type", ""))) is not None)
        )
        if wanted:
            problems.append(f"field {path!r}{holds}, but it takes {' or '.join(wanted)}: fix its value")
            continue
        message = str(found_errors[0].get("msg", "")).removeprefix("Value error, ")
        problems.append(
            f"field {path!r}{holds}: {message.replace('Input should be', 'it should be')}; fix its value"
        )
    return problems


def fit_problems(exc: ValidationError, value: object) -> str:
    """What pydantic refused in ``value`` as a caller reads it: the first field's problem, and how many more."""
    problems = _problems(exc.errors(), value) or ["it does not fit"]
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    return f"{problems[0]}{more}"


def misfit_message(
    where: str, value: Any, concept_ref: str, kind: str | None, fields: list[str], exc: BaseException
) -> str:
    """The message of input ``where`` whose ``value`` does not fit ``concept_ref`` (``kind``: its native content
    class's name, none for a structured concept; ``fields``: the structured concept's fields); ``exc`` the error
    that refused it (its pydantic cause, when it has one, says where)."""
    cause = exc.__cause__
    errors = cause.errors() if isinstance(cause, ValidationError) else []
    root = not errors or not errors[0].get("loc")
    if root and kind in _TAKES and not is_dict(value):
        return f"input {where!r} is {shown(value)}, but {concept_ref} takes {_TAKES[kind]}"
    if root and kind is None and not is_dict(value):
        named = f" ({', '.join(fields)})" if fields else ""
        return f"input {where!r} is {shown(value)}, but {concept_ref} takes an object of its fields{named}"
    if not errors:
        return f"input {where!r} does not fit {concept_ref}: {exc}"
    problems = _problems(errors, value)
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    return f"input {where!r} does not fit {concept_ref}: {problems[0]}{more}"
