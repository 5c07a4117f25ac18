"""Process-wide state of a worker: its identity, the cache of compiled libraries and that of run settings (both by
content digest).

Workflow code reads them (the module is passed through the workflow sandbox, so one cache serves every
workflow run of the process). Reading them is deterministic where it matters: a digest always compiles
to the same library, and the identity only goes into trace metadata, never into a decision.
"""

from __future__ import annotations

import os
import socket
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from pipelex.backends.temporal.payloads import ContentCodec, LibraryRef, WireSettings
from pipelex.language.library import Library, build_library

if TYPE_CHECKING:
    from pipelex.config.run_settings import RunSettings

WORKER_IDENTITY = f"{os.getpid()}@{socket.gethostname()}"
_CACHE_SIZE = 64
_cache: OrderedDict[str, tuple[Library, ContentCodec]] = OrderedDict()
_lock = threading.Lock()


class LibraryNotCachedError(LookupError):
    """A library sent by reference is not compiled in this process yet."""


def library_for(ref: LibraryRef) -> tuple[Library, ContentCodec]:
    """The compiled library of ``ref`` and its content codec (compiled once per process and digest).

    Raises :class:`LibraryNotCachedError` for a library sent by reference that this process has not seen.
    """
    with _lock:
        found = _cache.get(ref.digest)
        if found is not None:
            _cache.move_to_end(ref.digest)
            return found
    if ref.texts is None:
        raise LibraryNotCachedError(ref.digest)
    library = build_library([(t.text, t.file) for t in ref.texts])
    compiled = (library, ContentCodec(library))
    with _lock:
        _cache[ref.digest] = compiled
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


_SETTINGS_CACHE_SIZE = 256
_settings: OrderedDict[str, RunSettings] = OrderedDict()


def settings_for(digest: str) -> RunSettings | None:
    """The run settings of ``digest`` if this process has kept them (:func:`keep_settings`), else None."""
    with _lock:
        found = _settings.get(digest)
        if found is not None:
            _settings.move_to_end(digest)
        return found


def keep_settings(wire: WireSettings, digest: str | None = None) -> tuple[str, RunSettings]:
    """Keep ``wire``'s run settings under their digest (computed unless given); return both.

    A workflow keeps the settings of its input (once per workflow run) and sends its leaves only the digest; a worker
    that has not seen them reads them from that workflow's input once.
    """
    key = digest or wire.digest()
    with _lock:
        found = _settings.get(key)
        if found is not None:
            _settings.move_to_end(key)
            return key, found
    settings = wire.run_settings()
    with _lock:
        _settings[key] = settings
        while len(_settings) > _SETTINGS_CACHE_SIZE:
            _settings.popitem(last=False)
    return key, settings
