"""Reading a bundle's TOML: TOML 1.1, as the reference reads it, fast on big texts.

The reference reads bundles with ``tomli`` 2.5, the TOML 1.1 grammar: inline tables may span lines, hold
comments and end with a comma (``inputs = { a = "Text", }`` over several lines), and strings take ``\\e`` and ``\\xHH``
escapes. A TOML 1.0 document reads the same in both grammars, so:

- a text is read by ``tomllib`` (TOML 1.0, the standard library: a valid bundle imports nothing more); only when
  it refuses one is the text read again by ``tomli`` >= 2.4 (TOML 1.1, a dependency), whose data or error is
  the answer (its error is raised as a :class:`tomllib.TOMLDecodeError`, same message format);
- ``tomllib`` is pure Python: about a fifth of validating a 10,000-pipe bundle. A big text is read first by
  compiled ``tomli`` (mypyc: about 1.5x faster); any error (a syntax error, too deep a nesting) reads the text
  again as above, and a document nesting past :data:`SAFE_DEPTH` levels too (``tomllib`` recurses two or three
  Python frames per level of inline arrays and tables and fails with a :class:`RecursionError` somewhere past
  ~300 levels, compiled ``tomli`` somewhat deeper; valid bundles nest about six levels deep).

A dotted key (``a.b.c = 1``, a header ``[a.b.c]``) of more than :data:`SAFE_DEPTH` parts is refused as nesting too
deeply (a :class:`RecursionError`, as a deep inline nesting is) before ``tomllib`` reads it: ``tomllib`` keeps a
tuple of the whole path for each part, so a 200 KB key of 100,000 parts took minutes and gigabytes (``tomli``
refuses keys past 1,000 parts, and a text it refuses is checked before ``tomllib`` reads it again).

A byte-order mark is not TOML (the reference: "Invalid statement" at line 1, column 1).
Small texts are read by ``tomllib`` alone: for them importing ``tomli`` costs more than it saves.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, cast

from pipelex.errors import too_many_digits

FAST_MIN_CHARS = 64 * 1024  # below this, tomllib alone (a ~150-pipe bundle)
SAFE_DEPTH = (
    100  # nesting that tomllib reads whatever the caller's stack (3 frames a level, a limit of 1,000)
)


# a key of SAFE_DEPTH + 1 parts (bare or quoted, dots with blanks around them), starting where no key part ends
_LONG_DOTTED_KEY = re.compile(
    r"""(?<![\w.\-"'])(?:(?:[\w-]+|"[^"\n]*"|'[^'\n]*')[ \t]*\.[ \t]*)""" + f"{{{SAFE_DEPTH + 1}}}"
)


def loads(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``: the same data, the same :class:`tomllib.TOMLDecodeError` or :class:`RecursionError`
    (also for a dotted key of more than :data:`SAFE_DEPTH` parts)."""
    fast = _compiled_tomli() if len(text) >= FAST_MIN_CHARS else None
    if fast is not None:
        try:
            data = fast(text)
        except Exception:  # noqa: BLE001 - any failure: tomllib reads it again and its error is the one raised
            data = None
        if data is not None and not nests_deeper(data, SAFE_DEPTH):
            return data
    if _has_long_dotted_key(text):
        raise RecursionError(f"a dotted key of more than {SAFE_DEPTH} parts")
    try:
        return tomllib.loads(text)
    except ValueError as exc:
        if not isinstance(exc, tomllib.TOMLDecodeError):
            message = too_many_digits(text, exc)
            if message is None:
                raise
            raise tomllib.TOMLDecodeError(
                message
            ) from None  # its "(at line L, column C)" as tomllib's errors
        toml11 = _toml11()
        if toml11 is None:
            raise
        loads11, error11 = toml11
        try:
            return loads11(text)
        except error11 as exc:
            raise tomllib.TOMLDecodeError(str(exc)) from None


def _has_long_dotted_key(text: str) -> bool:
    """Whether a key of ``text`` has more than :data:`SAFE_DEPTH` parts (a key is on one line: only lines of that
    many dots are searched)."""
    if text.count(".") <= SAFE_DEPTH:
        return False
    return any(line.count(".") > SAFE_DEPTH and _LONG_DOTTED_KEY.search(line) for line in toml_lines(text))


def toml_lines(text: str) -> list[str]:
    """The lines of a TOML text as TOML counts them (and its errors number them): each ends at a line feed, the
    carriage return of a CRLF dropped; a final line break opens no line. Not ``str.splitlines``, which also cuts at
    U+2028, U+2029, U+0085 (characters a TOML string or comment may hold) and at form feeds: a dotted key holding
    a quoted U+2028 every 50 parts passed as many short keys, and the lines of a bundle were misnumbered past one,
    its text read as headers."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def nests_deeper(data: dict[str, Any], limit: int) -> bool:
    """True when ``data`` holds tables or arrays more than ``limit`` levels deep (any depth: the walk stops
    ``limit`` + 1 levels down, so it recurses no deeper than that)."""
    return limit < 0 or _deeper(data, limit)


def _deeper(value: dict[str, Any] | list[Any], budget: int) -> bool:
    """True when ``value`` holds a table or an array nested more than ``budget`` levels below it."""
    children: Iterable[object] = (
        cast("dict[str, object]", value).values() if type(value) is dict else cast("list[object]", value)
    )
    for child in children:
        kind: type = type(child)
        if kind is dict or kind is list:
            if budget <= 0 or _deeper(cast("dict[str, Any] | list[Any]", child), budget - 1):
                return True
    return False


@cache
def _compiled_tomli() -> Callable[[str], dict[str, Any]] | None:
    """``tomli.loads`` when tomli is installed compiled and reads TOML 1.1; else None."""
    toml11 = _toml11()
    if toml11 is None:
        return None
    import tomli._parser as parser

    compiled = not str(getattr(parser, "__file__", "")).endswith(".py")
    return toml11[0] if compiled else None


@cache
def _toml11() -> tuple[Callable[[str], dict[str, Any]], type[Exception]] | None:
    """``tomli.loads`` and its error when the installed tomli reads TOML 1.1 (2.4 and later); else None."""
    try:
        import tomli
    except ImportError:
        return None
    parts = str(getattr(tomli, "__version__", "")).split(".")
    if (
        len(parts) < 2
        or not (parts[0].isdigit() and parts[1].isdigit())
        or (int(parts[0]), int(parts[1])) < (2, 4)
    ):
        return None
    return tomli.loads, tomli.TOMLDecodeError
