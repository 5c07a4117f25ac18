"""Process-wide state of a worker: its identity, the cache of compiled libraries and that of run settings (both by
content digest).

Workflow code reads them as activities do (workflows run outside the SDK's sandbox: the module is imported once, and
one cache serves every workflow run and activity of the process). Reading them is deterministic where it matters: a
digest always compiles to the same library, and the identity only goes into trace metadata, never into a decision.
"""

from __future__ import annotations

import os
import socket
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pipelex.backends.temporal.payloads import ContentCodec, LibraryRef, WireSettings
from pipelex.language.library import Library, build_library

if TYPE_CHECKING:
    from pipelex.config.run_settings import RunSettings

WORKER_IDENTITY = f"{os.getpid()}@{socket.gethostname()}"

V = TypeVar("V")


class _DigestCache(Generic[V]):
    """What digests compile to, at most ``size`` of them (the least recently used dropped first), shared by the
    threads of the process."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str) -> V | None:
        with self._lock:
            found = self._items.get(digest)
            if found is not None:
                self._items.move_to_end(digest)
            return found

    def put(self, digest: str, value: V) -> None:
        with self._lock:
            self._items[digest] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_libraries: _DigestCache[tuple[Library, ContentCodec]] = _DigestCache(64)
_settings: _DigestCache[RunSettings] = _DigestCache(256)
_resolved: _DigestCache[dict[object, Any]] = _DigestCache(256)


class LibraryNotCachedError(LookupError):
    """A library sent by reference is not compiled in this process yet."""


def library_for(ref: LibraryRef) -> tuple[Library, ContentCodec]:
    """The compiled library of ``ref`` and its content codec (compiled once per process and digest).

    Raises :class:`LibraryNotCachedError` for a library sent by reference that this process has not seen.
    """
    found = _libraries.get(ref.digest)
    if found is not None:
        return found
    if ref.texts is None:
        raise LibraryNotCachedError(ref.digest)
    library = build_library([(t.text, t.file) for t in ref.texts])
    compiled = (library, ContentCodec(library))
    _libraries.put(ref.digest, compiled)
    return compiled


def settings_for(digest: str) -> RunSettings | None:
    """The run settings of ``digest`` if this process has kept them (:func:`keep_settings`), else None."""
    return _settings.get(digest)


def keep_settings(wire: WireSettings, digest: str | None = None) -> tuple[str, RunSettings]:
    """Keep ``wire``'s run settings under their digest (computed unless given); return both.

    A workflow keeps the settings of its input (once per workflow run) and sends its leaves only the digest; a worker
    that has not seen them reads them from that workflow's input once.
    """
    key = digest or wire.digest()
    found = _settings.get(key)
    if found is not None:
        return key, found
    settings = wire.run_settings()
    _settings.put(key, settings)
    return key, settings


def resolved_for(library_digest: str, settings_digest: str) -> dict[object, Any]:
    """What the runs of a library under some run settings resolve once and reuse (a run context's ``resolved``: output
    specs and concepts, parsed input specs; :mod:`pipelex.pipes.runtime`), shared by the leaves this process runs for
    them. Each value holds the library entry it was resolved for, so a library compiled again resolves afresh."""
    key = f"{library_digest}:{settings_digest}"
    found = _resolved.get(key)
    if found is not None:
        return found
    made: dict[object, Any] = {}
    _resolved.put(key, made)
    return made
