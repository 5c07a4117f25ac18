"""A local, content-addressed storage folder. URIs look like ``pipelex-storage://<sha256>.<ext>``.

Live runs normalise data URLs of inputs into storage; dry runs never touch storage.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from pydantic import BaseModel

from pipelex.concepts.natives import DocumentContent, ImageContent, ListContent, StuffContent
from pipelex.narrowing import is_list
from pipelex.storage.protocol import STORAGE_SCHEME, Storage, blob_name, name_of

__all__ = ["STORAGE_SCHEME", "LocalStorage", "data_url_mime", "decode_data_url", "normalize_content"]


class LocalStorage:
    """Content-addressed blobs in a folder (default ``.pipelex/storage``, or ``PIPELEX_STORAGE_DIR``)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Path(os.environ.get("PIPELEX_STORAGE_DIR", ".pipelex/storage"))

    def put(self, data: bytes, mime_type: str | None) -> tuple[str, str]:
        """Store ``data``; return its storage URI and a public ``file://`` URL."""
        name = blob_name(data, mime_type)
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / name
        if (
            not path.exists()
        ):  # write then rename: concurrent writers of the same blob never see a partial file
            partial = path.with_name(f".{name}.{os.getpid()}.{id(data)}.part")
            partial.write_bytes(data)
            partial.replace(path)
        return f"{STORAGE_SCHEME}{name}", path.resolve().as_uri()

    def get(self, uri: str) -> bytes:
        """The bytes behind a storage URI."""
        return (self.root / name_of(uri)).read_bytes()


def data_url_mime(url: str) -> str | None:
    """The MIME type a ``data:`` URL declares (None when it declares none, or for another URL)."""
    if not url.startswith("data:"):
        return None
    return url.partition(",")[0][5:].split(";", 1)[0] or None


def decode_data_url(url: str) -> tuple[bytes, str | None] | None:
    """The bytes and MIME type of a ``data:`` URL (None when it is not one, or is broken)."""
    header, _, payload = url.partition(",")
    if not header.startswith("data:") or not payload:
        return None
    mime = data_url_mime(url)
    try:
        data = base64.b64decode(payload) if ";base64" in header else payload.encode()
    except ValueError:
        return None
    return data, mime


def normalize_content(content: StuffContent, storage: Storage) -> StuffContent:
    """A copy of ``content`` where every image/document given as a data URL points into storage."""
    if isinstance(content, ImageContent | DocumentContent) and content.url.startswith("data:"):
        decoded = decode_data_url(content.url)
        if decoded is None:
            return content
        data, mime = decoded
        uri, public = storage.put(data, mime or content.mime_type)
        return content.model_copy(
            update={"url": uri, "public_url": public, "mime_type": content.mime_type or mime}
        )
    if isinstance(content, ListContent):
        return ListContent(
            items=[normalize_content(i, storage) if isinstance(i, StuffContent) else i for i in content.items]
        )
    updates: dict[str, object] = {}
    for name in type(content).model_fields:
        value = getattr(content, name)
        if isinstance(value, StuffContent):
            new = normalize_content(value, storage)
            if new is not value:
                updates[name] = new
        elif is_list(value) and any(isinstance(v, BaseModel) for v in value):
            updates[name] = [
                normalize_content(v, storage) if isinstance(v, StuffContent) else v for v in value
            ]
    return content.model_copy(update=updates) if updates else content
