"""A local, content-addressed storage folder. URIs look like ``pipelex-storage://<sha256>.<ext>``.

Live runs normalise data URLs of inputs into storage; dry runs never touch storage.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import os
from pathlib import Path

from pydantic import BaseModel

from pipelex.concepts.natives import DocumentContent, ImageContent, ListContent, StuffContent

STORAGE_SCHEME = "pipelex-storage://"


class LocalStorage:
    """Content-addressed blobs in a folder (default ``.pipelex/storage``, or ``PIPELEX_STORAGE_DIR``)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Path(os.environ.get("PIPELEX_STORAGE_DIR", ".pipelex/storage"))

    def put(self, data: bytes, mime_type: str | None) -> tuple[str, str]:
        """Store ``data``; return its storage URI and a public ``file://`` URL."""
        extension = (mimetypes.guess_extension(mime_type or "") or ".bin").lstrip(".")
        name = f"{hashlib.sha256(data).hexdigest()}.{extension}"
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / name
        if not path.exists():
            path.write_bytes(data)
        return f"{STORAGE_SCHEME}{name}", path.resolve().as_uri()

    def get(self, uri: str) -> bytes:
        """The bytes behind a storage URI."""
        return (self.root / uri.removeprefix(STORAGE_SCHEME)).read_bytes()


def data_url_mime(url: str) -> str | None:
    """The MIME type a ``data:`` URL declares (None when it declares none, or for another URL)."""
    if not url.startswith("data:"):
        return None
    return url.partition(",")[0][5:].split(";", 1)[0] or None


def _decode_data_url(url: str) -> tuple[bytes, str | None] | None:
    header, _, payload = url.partition(",")
    if not header.startswith("data:") or not payload:
        return None
    mime = data_url_mime(url)
    try:
        data = base64.b64decode(payload) if ";base64" in header else payload.encode()
    except ValueError:
        return None
    return data, mime


def normalize_content(content: StuffContent, storage: LocalStorage) -> StuffContent:
    """A copy of ``content`` where every image/document given as a data URL points into storage."""
    if isinstance(content, ImageContent | DocumentContent) and content.url.startswith("data:"):
        decoded = _decode_data_url(content.url)
        if decoded is None:
            return content
        data, mime = decoded
        uri, public = storage.put(data, mime or content.mime_type)
        return content.model_copy(update={"url": uri, "public_url": public, "mime_type": content.mime_type or mime})
    if isinstance(content, ListContent):
        return ListContent(items=[normalize_content(i, storage) if isinstance(i, StuffContent) else i
                                  for i in content.items])
    updates: dict[str, object] = {}
    for name in type(content).model_fields:
        value = getattr(content, name)
        if isinstance(value, StuffContent):
            new = normalize_content(value, storage)
            if new is not value:
                updates[name] = new
        elif isinstance(value, list) and any(isinstance(v, BaseModel) for v in value):
            updates[name] = [normalize_content(v, storage) if isinstance(v, StuffContent) else v for v in value]
    return content.model_copy(update=updates) if updates else content
