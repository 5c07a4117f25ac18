"""SHA-256 without loading OpenSSL for a few small digests.

``hashlib.sha256`` is OpenSSL's: importing ``hashlib`` loads ``libcrypto`` and relocates it, ~12 M instructions and
~200 page faults, about 2 % of a small command, which hashes only a few kilobytes (the model deck's file, the
contents of a dry run's graph). CPython also builds its own SHA-256 (the module ``hashlib`` falls back to without
OpenSSL), ~7 times slower per byte but free to load. :class:`Sha256` hashes with it while the data is small and no
one has loaded OpenSSL yet, and hands what it has to OpenSSL's as soon as the data grows past :data:`SMALL`, or once
the process has hashed :data:`BUDGET` bytes with its own (many small digests, a big batch's): the same digest either
way (SHA-256 is SHA-256), the faster implementation for anything large.
"""

from __future__ import annotations

import sys
from functools import cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

#: bytes hashed with the interpreter's own SHA-256 at most: past this, OpenSSL's load (~4 ms) costs less than
#: the slower hashing would (~6 ns per byte)
SMALL = 256 * 1024
#: bytes this process hashes with the interpreter's own SHA-256 in all, before every new digest goes to OpenSSL
BUDGET = 512 * 1024
_hashed_without_openssl = 0
#: OpenSSL's constructor once this module has handed a digest to it: every later one goes straight there
_openssl_sha256: Callable[[bytes], Any] | None = None


class Sha256:
    """``hashlib.sha256``'s ``update`` / ``digest`` / ``hexdigest``, with the implementation chosen as the module
    says."""

    __slots__ = ("_hasher", "_pending", "_size")

    def __init__(self, data: bytes = b"") -> None:
        self._hasher: Any = None
        self._pending: list[bytes] = []
        self._size = 0
        if "_hashlib" in sys.modules or _hashed_without_openssl >= BUDGET:  # nothing (more) to save
            self._to_openssl()
        if data:
            self.update(data)

    def update(self, data: bytes) -> None:
        if self._hasher is not None:
            self._hasher.update(data)
            return
        self._pending.append(data)
        self._size += len(data)
        if self._size > SMALL:
            self._to_openssl()

    def digest(self) -> bytes:
        return self._finished().digest()

    def hexdigest(self) -> str:
        return self._finished().hexdigest()

    def _finished(self) -> Any:
        if self._hasher is not None:
            return self._hasher
        global _hashed_without_openssl  # noqa: PLW0603 - the process's own count, as the module doc says
        _hashed_without_openssl += self._size
        return _builtin_sha256()(b"".join(self._pending))

    def _to_openssl(self) -> None:
        hasher = _openssl()()
        for chunk in self._pending:
            hasher.update(chunk)
        self._hasher = hasher
        self._pending = []


def sha256_hex(data: bytes) -> str:
    """The hex SHA-256 of ``data`` (``hashlib.sha256(data).hexdigest()``): what ``Sha256(data).hexdigest()`` gives,
    by the same choice of implementation, without the hasher object (a batch digests two contents per item)."""
    if _openssl_sha256 is not None:
        return _openssl_sha256(data).hexdigest()  # type: ignore[no-any-return]
    global _hashed_without_openssl  # noqa: PLW0603 - the process's own count, as the module doc says
    if len(data) > SMALL or _hashed_without_openssl >= BUDGET or "_hashlib" in sys.modules:
        return _openssl()(data).hexdigest()  # type: ignore[no-any-return]
    _hashed_without_openssl += len(data)
    return _builtin_sha256()(data).hexdigest()  # type: ignore[no-any-return]


def _openssl() -> Callable[..., Any]:
    """``hashlib.sha256`` (OpenSSL's when the interpreter has it), kept for the digests that follow."""
    global _openssl_sha256  # noqa: PLW0603 - loaded once per process
    if _openssl_sha256 is None:
        import hashlib

        _openssl_sha256 = hashlib.sha256
    return _openssl_sha256


@cache
def _builtin_sha256() -> Callable[[bytes], Any]:
    """CPython's own SHA-256 constructor (``_sha256`` in 3.11, ``_sha2`` since 3.12), else ``hashlib``'s."""
    from importlib import import_module

    for name in ("_sha256", "_sha2"):
        try:
            constructor: Callable[[bytes], Any] = import_module(name).sha256
        except (ImportError, AttributeError):
            continue
        return constructor
    from hashlib import sha256

    return sha256
