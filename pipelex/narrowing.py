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


def holds_unencodable(data: object) -> bool:
    """True when a string or key anywhere in ``data`` holds a lone surrogate. One pass that builds nothing per value
    (a request body of a million values is checked in ~0.1 s, on the API's event loop), iterative whatever the
    depth."""
    stack: list[object] = [data]
    pop, extend = stack.pop, stack.extend
    while stack:
        value = pop()
        kind = type(value)
        if kind is int or kind is float or kind is bool or value is None:  # JSON's own scalars, by identity
            continue
        if isinstance(value, str):
            if not value.isascii() and is_unencodable(value):
                return True
        elif is_dict(value):
            for key in value:
                if isinstance(key, str) and not key.isascii() and is_unencodable(key):
                    return True
            extend(value.values())
        elif is_sequence(value):
            extend(value)
    return False


def unencodable_path(data: object, root: str = "") -> str | None:
    """The path (``inputs.t.text``, ``items[2]``) of the first string or key in ``data`` holding a lone surrogate, or
    None. Iterative: it never recurses, whatever the depth. The paths are only built when there is one to name
    (:func:`holds_unencodable` first): building one per value took ~1 s for a 4.7 MB body."""
    if not holds_unencodable(data):
        return None
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


def mend_text(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (a surrogate pair kept as its character): what a
    UTF-8 decoder makes of bytes it cannot read. For text from outside that is not refused (a provider's reply)."""
    if not is_unencodable(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def mend_json(data: object) -> object:
    """Parsed JSON (``json.loads``'s, owned by the caller) with :func:`mend_text` applied, in place, to every string
    and key holding a lone surrogate; a string is returned mended. Iterative: it never recurses, whatever the
    depth."""
    if isinstance(data, str):
        return mend_text(data)
    if unencodable_path(data) is None:
        return data
    stack: list[object] = [data]
    while stack:
        value = stack.pop()
        if is_dict(value):
            pairs = list(value.items())
            value.clear()
            for key, child in pairs:
                value[mend_text(key) if isinstance(key, str) else key] = (
                    mend_text(child) if isinstance(child, str) else child
                )
                stack.append(child)
        elif is_list(value):
            for index, child in enumerate(value):
                if isinstance(child, str):
                    value[index] = mend_text(child)
                else:
                    stack.append(child)
    return data


def wide_encoding(raw: bytes) -> str | None:
    """``"UTF-16"`` or ``"UTF-32"`` when ``raw`` is text in that encoding (its byte-order mark, or ASCII text whose
    every other byte is NUL, as PowerShell's ``>`` and some Windows editors write it), else None: a file that is no
    UTF-8 for that reason is told so, not called binary data or a decoding error at byte 0."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = raw[:64] if len(raw) % 2 == 0 else raw[:63]
    if len(head) >= 4 and (
        (b"\x00" not in head[0::2] and head[1::2].count(0) == len(head[1::2]))
        or (b"\x00" not in head[1::2] and head[0::2].count(0) == len(head[0::2]))
    ):
        return "UTF-16"
    return None
