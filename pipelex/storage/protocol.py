"""The storage protocol and content addressing shared by every store."""

from __future__ import annotations

import hashlib
from typing import Protocol

STORAGE_SCHEME = "pipelex-storage://"

_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "text/plain": "txt",
    "image/gif": "gif",
}


def blob_name(data: bytes, mime_type: str | None) -> str:
    """``<sha256>.<ext>`` of some bytes."""
    import mimetypes

    extension = _EXTENSIONS.get(mime_type or "") or (
        mimetypes.guess_extension(mime_type or "") or ".bin"
    ).lstrip(".")
    return f"{hashlib.sha256(data).hexdigest()}.{extension}"


def name_of(uri: str) -> str:
    """The blob name of a storage URI (refuses anything that could leave the store)."""
    name = uri.removeprefix(STORAGE_SCHEME)
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"not a storage URI: {uri!r}")
    return name


class Storage(Protocol):
    """A content-addressed blob store."""

    def put(self, data: bytes, mime_type: str | None) -> tuple[str, str]:
        """Store ``data``; return its storage URI and a public URL (``file://`` or ``s3://``)."""
        ...

    def get(self, uri: str) -> bytes:
        """The bytes behind a storage URI."""
        ...
