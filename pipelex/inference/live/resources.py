"""Reading the bytes behind an image or document URL: storage URIs, data URLs, files, http(s)."""

from __future__ import annotations

import asyncio
import base64
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlparse

from pipelex.errors import PipeRunError
from pipelex.inference.providers.base import Part
from pipelex.storage.local import decode_data_url
from pipelex.storage.protocol import STORAGE_SCHEME, Storage


async def load_bytes(url: str, storage: Storage, *, pipe_code: str, timeout: float = 60.0) -> tuple[bytes, str | None]:
    """The bytes and (when known) the MIME type behind ``url``; a clear error when they cannot be read."""
    try:
        if url.startswith(STORAGE_SCHEME):
            data = await asyncio.to_thread(storage.get, url)
            return data, mimetypes.guess_type(url.removeprefix(STORAGE_SCHEME))[0]
        if url.startswith("data:"):
            decoded = decode_data_url(url)
            if decoded is None:
                raise ValueError("a broken data: URL")
            return decoded
        if url.startswith(("http://", "https://")):
            import httpx

            async with httpx.AsyncClient(timeout=timeout, follow_redirects=True) as client:
                response = await client.get(url)
                response.raise_for_status()
                return response.content, response.headers.get("content-type", "").split(";")[0] or None
        path = Path(unquote(urlparse(url).path)) if url.startswith("file://") else Path(url)
        data = await asyncio.to_thread(path.read_bytes)
        return data, mimetypes.guess_type(path.name)[0]
    except PipeRunError:
        raise
    except Exception as exc:
        shown = url if len(url) < 120 else url[:117] + "..."
        raise PipeRunError(f"pipe {pipe_code!r}: cannot read {shown!r} ({type(exc).__name__}: {exc}); give a "
                           "reachable URL, a file path, or a data: URL", pipe_code=pipe_code,
                           error_type="input_unreadable") from exc


def sniff_mime(data: bytes, declared: str | None) -> str:
    """The MIME type of some bytes: from their magic number, else the declared one."""
    if data.startswith(b"%PDF"):
        return "application/pdf"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return declared or "application/octet-stream"


async def load_part(kind: str, url: str, mime_type: str | None, storage: Storage, *, pipe_code: str) -> Part:
    """An attachment as a provider part: remote http(s) images stay URLs, everything else is inlined."""
    if kind == "image" and url.startswith(("http://", "https://")):
        return Part(kind="image", mime_type=mime_type or "image/png", url=url)
    data, found = await load_bytes(url, storage, pipe_code=pipe_code)
    mime = sniff_mime(data, mime_type or found)
    part_kind = "image" if mime.startswith("image/") else "document"
    return Part(kind=part_kind, mime_type=mime, data_b64=base64.b64encode(data).decode(),
                filename=Path(urlparse(url).path).name or None)


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG (None for another format)."""
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None
