"""Process-wide state of a worker: its identity and the cache of compiled libraries (by content digest).

Workflow code reads both (the module is passed through the workflow sandbox, so one cache serves every
workflow run of the process). Reading them is deterministic where it matters: a digest always compiles
to the same library, and the identity only goes into trace metadata, never into a decision.
"""

from __future__ import annotations

import os
import socket
import threading
from collections import OrderedDict

from pipelex.backends.temporal.payloads import ContentCodec, LibraryRef
from pipelex.language.library import Library, build_library

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
