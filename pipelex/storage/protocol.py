"""The storage protocol and content addressing shared by every store."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Protocol

from pipelex.record import FrozenRecord

STORAGE_SCHEME = "pipelex-storage://"

_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "text/plain": "txt",
    "image/gif": "gif",
}


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "application/pdf"),
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)

_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_INERT_TYPES = frozenset(
    {
        "application/pdf",
        "application/json",
        "application/zip",
        "application/gzip",
        "application/msword",
        "application/octet-stream",
        "text/plain",
        "text/markdown",
        "text/csv",
    }
)
_INERT_FAMILIES = (
    "image/",
    "audio/",
    "video/",
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
    "application/vnd.ms-",
)
_ACTIVE_WORDS = ("html", "script", "svg")


def magic_type(data: bytes) -> str | None:
    """The MIME type some bytes announce by their magic number (PDF, PNG, JPEG, GIF, WebP), None otherwise."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    return None


def stored_type(data: bytes, declared: str | None) -> str:
    """The content type a store writes ``data`` under (its S3 ``Content-Type``, its name's extension).

    ``application/octet-stream`` when that is declared (opaque bytes stay opaque); else the type the bytes announce
    by their magic number; else the declared one when it is a well-formed media type
    a browser shows or downloads but never runs (images but SVG, audio, video, PDF, plain text, office
    documents, ...); else ``application/octet-stream``. A caller's ``data:text/html`` or ``image/svg+xml`` input
    is stored, but never as a page a browser would run from the operator's bucket or folder, and a declared type
    is never written into a request header as it was given (a line break in it made S3 writes fail).
    """
    kind = (declared or "").partition(";")[0].strip().lower()
    if kind == "application/octet-stream":
        return kind  # opaque bytes asked for stay opaque (the runner API's blob store names its blobs <sha256>.bin)
    sniffed = magic_type(data)
    if sniffed is not None:
        return sniffed
    if not _MEDIA_TYPE.fullmatch(kind):
        return "application/octet-stream"
    subtype = kind.partition("/")[2]
    if subtype.endswith("xml") or any(word in subtype for word in _ACTIVE_WORDS):
        return "application/octet-stream"  # image/svg+xml, application/xhtml+xml, ...: pages a browser runs
    if kind in _INERT_TYPES or kind.startswith(_INERT_FAMILIES):
        return kind
    return "application/octet-stream"


def blob_name(data: bytes, mime_type: str | None) -> str:
    """``<sha256>.<ext>`` of some bytes, the extension that of the type they are stored under (:func:`stored_type`)."""
    import mimetypes

    from pipelex.digests import sha256_hex

    kind = stored_type(data, mime_type)
    extension = _EXTENSIONS.get(kind) or (mimetypes.guess_extension(kind) or ".bin").lstrip(".")
    return f"{sha256_hex(data)}.{extension}"


def name_of(uri: str) -> str:
    """The blob name of a storage URI (refuses anything that could leave the store)."""
    name = uri.removeprefix(STORAGE_SCHEME)
    # only a name this store writes (`<sha256>.<ext>`, `<sha256>`): a folder or a bucket shared with other data
    # (`s3_prefix = ""`) holds objects a run never wrote, and `pipelex-storage://users.csv` read them
    if not uri.startswith(STORAGE_SCHEME) or not is_blob_name(name):
        raise ValueError(f"not a storage URI: {uri[:120]!r}")
    return name


def is_blob_name(name: str) -> bool:
    """Whether ``name`` is one this store writes: ``<sha256>.<ext>`` (a blob) or ``<sha256>`` (a Temporal payload).
    A bounded store counts and ages only those: anything else in its folder or under its prefix (an S3 bucket shared
    with other data, ``s3_prefix = ""``) is not its to delete."""
    digest, dot, extension = name.partition(".")
    return (
        len(digest) == 64
        and all(c in "0123456789abcdef" for c in digest)
        and (not dot or (extension.isalnum() and extension.isascii()))
    )


RESCAN_SECONDS = 10.0
"""How long a store trusts the footprint it last counted (plus what it wrote since) before counting again: one
count per run of writes, not one per write (a run storing 10,000 pages counted the folder 10,000 times)."""


class Footprint:
    """The bytes a bounded store last counted it holds, trusted for ``RESCAN_SECONDS`` (plus what it wrote since):
    the one count both stores (local folder, S3 prefix) keep between listings."""

    __slots__ = ("_counted",)

    def __init__(self) -> None:  # noqa: D107
        self._counted: tuple[int, float] | None = None  # (bytes held, when counted: time.monotonic())

    def fresh(self) -> int | None:
        """The bytes counted, when that count is under ``RESCAN_SECONDS`` old; else None (count again)."""
        counted = self._counted
        if counted is not None and time.monotonic() - counted[1] < RESCAN_SECONDS:
            return counted[0]
        return None

    def counted(self, used: int) -> None:
        """The store was just counted: it holds ``used`` bytes."""
        self._counted = (used, time.monotonic())

    def grew(self, size: int) -> None:
        """The store wrote a new blob of ``size`` bytes since its count."""
        if self._counted is not None:
            self._counted = (self._counted[0] + size, self._counted[1])


class StorageBounds(FrozenRecord):
    """The footprint a store may take: ``max_bytes`` in all (0: no quota) and ``max_age_seconds`` per blob (0:
    kept forever; else a blob not stored again for that long is deleted by the next write).

    ``[storage] max_bytes`` / ``max_age_seconds`` (0 and 0 for the CLI's folder by default); a server's store is
    bounded by ``[api] max_storage_bytes`` / ``storage_max_age_seconds`` (``PipelexConfig.served()``).
    """

    __slots__ = ("max_age_seconds", "max_bytes")
    FIELDS = ("max_bytes", "max_age_seconds")

    def __init__(self, max_bytes: int = 0, max_age_seconds: int = 0) -> None:
        self.max_bytes = max_bytes
        self.max_age_seconds = max_age_seconds

    def fits(self, used: int, size: int) -> bool:
        """Whether a new blob of ``size`` bytes fits the quota beside ``used``."""
        return not self.max_bytes or used + size <= self.max_bytes

    def room(self, footprint: Footprint, needed: int, count: Callable[[], int]) -> int | None:
        """The bytes new blobs may still take (None: no quota): from ``footprint``'s fresh count when it leaves
        room for ``needed``, else from ``count()`` (a count of the store, its aged blobs deleted), so a refusal is
        never from a stale count."""
        if not self.max_bytes:
            return None
        fresh = footprint.fresh()
        if fresh is not None and (left := max(self.max_bytes - fresh, 0)) >= needed:
            return left
        return max(self.max_bytes - count(), 0)

    @property
    def bounded(self) -> bool:
        """Whether a write must look at what the store holds (a quota or an age is set)."""
        return self.max_bytes > 0 or self.max_age_seconds > 0

    def check_room(self, used: int, size: int) -> None:
        """Refuse (:class:`~pipelex.errors.StorageFullError`) a new blob of ``size`` bytes when the store holds
        ``used`` (its expired blobs already deleted) and the two pass the quota."""
        if not self.fits(used, size):
            from pipelex.errors import StorageFullError

            expiry = (
                f"a blob not stored again for {self.max_age_seconds} s is deleted by the next write"
                if self.max_age_seconds
                else "no blob expires (max_age_seconds = 0)"
            )
            raise StorageFullError(
                f"the storage is full: it holds {used} bytes, and {size} more would pass its quota of "
                f"{self.max_bytes} bytes ([storage] max_bytes; on a server [api] max_storage_bytes); "
                f"{expiry}: retry later, or ask the operator to raise the quota",
                limit="max_storage_bytes",
                value=self.max_bytes,
            )


class Storage(Protocol):
    """A content-addressed blob store."""

    def put(self, data: bytes, mime_type: str | None) -> tuple[str, str]:
        """Store ``data``; return its storage URI and a public URL (``file://`` or ``s3://``)."""
        ...

    def get(self, uri: str) -> bytes:
        """The bytes behind a storage URI."""
        ...

    def size(self, uri: str) -> int | None:
        """The size of the blob behind a storage URI, None when none is stored (nothing is read)."""
        ...

    def room(self, needed: int = 0) -> int | None:
        """The bytes new blobs may still take before the quota, None when the store has none. A count of the
        store under ``RESCAN_SECONDS`` old answers when it leaves room for ``needed`` bytes; else the store is
        counted again (its aged blobs deleted), so a refusal is never from a stale count."""
        ...
