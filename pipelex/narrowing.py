"""Type guards for values whose static type is unknown: parsed JSON/TOML, ``getattr`` results, user inputs.

``isinstance(value, list)`` on an ``object`` narrows to ``list[Unknown]`` under pyright strict; these guards
narrow to ``list[object]`` / ``dict[object, object]`` instead, which is true of every list and dict, so the
code that follows must still check what it reads. ``is_json_object`` is for values parsed from JSON or TOML
(or built the same way), whose keys are strings by construction: it does not look at the keys.
No imports beyond ``typing``: any layer may use it.
"""

from __future__ import annotations

from typing import TypeGuard

__all__ = ["is_dict", "is_exception_group", "is_json_object", "is_list", "is_sequence", "is_tuple"]


def is_list(value: object) -> TypeGuard[list[object]]:
    """True when ``value`` is a list (its items typed ``object``)."""
    return isinstance(value, list)


def is_sequence(value: object) -> TypeGuard[list[object] | tuple[object, ...]]:
    """True when ``value`` is a list or a tuple (its items typed ``object``)."""
    return isinstance(value, list | tuple)


def is_dict(value: object) -> TypeGuard[dict[object, object]]:
    """True when ``value`` is a dict (keys and values typed ``object``)."""
    return isinstance(value, dict)


def is_json_object(value: object) -> TypeGuard[dict[str, object]]:
    """True when ``value`` is a dict; for data parsed from JSON/TOML, whose keys are strings by construction."""
    return isinstance(value, dict)


def is_exception_group(exc: BaseException) -> TypeGuard[BaseExceptionGroup[BaseException]]:
    """True when ``exc`` is an exception group (its members typed ``BaseException``)."""
    return isinstance(exc, BaseExceptionGroup)


def is_tuple(value: object) -> TypeGuard[tuple[object, ...]]:
    """True when ``value`` is a tuple (its items typed ``object``)."""
    return isinstance(value, tuple)


def is_unencodable(text: str) -> bool:
    """True when ``text`` holds a lone surrogate (``"\\ud800"``: JSON's escapes and Python's ``json`` allow one), which
    no UTF-8 text can carry: such a string fails wherever it is written out (a digest, an answer, a log line)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unencodable_path(data: object, root: str = "") -> str | None:
    """The path (``inputs.t.text``, ``items[2]``) of the first string or key in ``data`` holding a lone surrogate, or
    None. Iterative: it never recurses, whatever the depth."""
    stack: list[tuple[object, str]] = [(data, root)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if is_unencodable(value):
                return path or "the value"
        elif is_dict(value):
            for key, child in value.items():
                name = str(key)
                if is_unencodable(name):
                    return f"{path}.<a key>" if path else "<a key>"
                stack.append((child, f"{path}.{name}" if path else name))
        elif is_sequence(value):
            for index, child in enumerate(value):
                stack.append((child, f"{path}[{index}]"))
    return None
