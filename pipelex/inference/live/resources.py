"""The bytes behind an image or document URL, through the run's IO gate (:mod:`pipelex.io.gate`)."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import urlparse

from pipelex.inference.providers.base import Part
from pipelex.io.gate import read_reference
from pipelex.io.policy import IOPolicy
from pipelex.storage.protocol import Storage


async def load_bytes(
    url: str, storage: Storage, *, policy: IOPolicy, pipe_code: str
) -> tuple[bytes, str | None]:
    """The bytes and (when known) the MIME type behind ``url``, if the run's ``policy`` allows reading it.

    Raises :class:`~pipelex.errors.ReadRefusedError` or :class:`~pipelex.errors.ReadFailedError`.
    """
    return await read_reference(url, policy, storage, pipe_code=pipe_code)


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


async def load_part(
    kind: str, url: str, mime_type: str | None, storage: Storage, *, policy: IOPolicy, pipe_code: str
) -> Part:
    """An attachment as a provider part, always inlined: the bytes pass the run's IO gate here, so a
    URL is never handed on for a provider to fetch past the policy."""
    data, found = await load_bytes(url, storage, policy=policy, pipe_code=pipe_code)
    mime = sniff_mime(data, mime_type or found)
    part_kind = "image" if mime.startswith("image/") else "document"
    return Part(
        kind=part_kind,
        mime_type=mime,
        data_b64=base64.b64encode(data).decode(),
        filename=Path(urlparse(url).path).name or None,
    )


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG (None for another format)."""
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None
