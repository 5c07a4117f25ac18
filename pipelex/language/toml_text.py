"""Reading a bundle's TOML: exactly what :func:`tomllib.loads` accepts, gives and raises, faster on big texts.

``tomllib`` is pure Python: about a fifth of validating a 10,000-pipe bundle. ``tomli`` 2.2 and 2.3 are the same
parser (the code ``tomllib`` was taken from, the same TOML 1.0 grammar), and their wheels are compiled with mypyc:
about 1.5x faster. A big text is read by it when it is installed compiled in one of those versions; the result is
kept only when it is certainly the one ``tomllib`` gives:

- any error (a syntax error, too deep a nesting) reads the text again with ``tomllib``, whose error and message
  are the ones reported (the parse-error lines and messages are tested);
- ``tomllib`` recurses two or three Python frames per level of inline arrays and tables and fails with a
  :class:`RecursionError` somewhere past ~300 levels (where depends on the caller's stack), compiled ``tomli``
  somewhat deeper: a document nesting past :data:`SAFE_DEPTH` levels is read again with ``tomllib`` too (valid
  bundles nest about six levels deep).

Other versions of ``tomli`` are not used: 2.4 reads TOML 1.1, which accepts documents that ``tomllib`` refuses.
Small texts are read by ``tomllib`` alone: for them importing ``tomli`` costs more than it saves.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, cast

FAST_MIN_CHARS = 64 * 1024  # below this, tomllib alone (a ~150-pipe bundle)
SAFE_DEPTH = (
    100  # nesting that tomllib reads whatever the caller's stack (3 frames a level, a limit of 1,000)
)
_SAME_GRAMMAR = ("2.2.", "2.3.")  # tomli versions whose parser is tomllib's, TOML 1.0


def loads(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``: the same data, the same :class:`tomllib.TOMLDecodeError` or :class:`RecursionError`."""
    fast = _compiled_tomli() if len(text) >= FAST_MIN_CHARS else None
    if fast is not None:
        try:
            data = fast(text)
        except Exception:  # noqa: BLE001 - any failure: tomllib reads it again and its error is the one raised
            data = None
        if data is not None and not nests_deeper(data, SAFE_DEPTH):
            return data
    return tomllib.loads(text)


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
    """``tomli.loads`` when tomli is installed compiled, in a version with tomllib's grammar; else None."""
    try:
        import tomli
        import tomli._parser as parser
    except ImportError:
        return None
    version = str(getattr(tomli, "__version__", ""))
    compiled = not str(getattr(parser, "__file__", "")).endswith(".py")
    if not compiled or not version.startswith(_SAME_GRAMMAR):
        return None
    return tomli.loads
