"""The bytes behind an image or document URL, through the run's IO gate (:mod:`pipelex.io.gate`)."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import urlparse

from pipelex.inference.providers.base import Part
from pipelex.io.gate import read_reference
from pipelex.io.policy import IOPolicy
from pipelex.storage.protocol import Storage, magic_type


async def load_bytes(
    url: str, storage: Storage, *, policy: IOPolicy, pipe_code: str
) -> tuple[bytes, str | None]:
    """The bytes and (when known) the MIME type behind ``url``, if the run's ``policy`` allows reading it.

    Raises :class:`~pipelex.errors.ReadRefusedError` or :class:`~pipelex.errors.ReadFailedError`.
    """
    return await read_reference(url, policy, storage, pipe_code=pipe_code)


def sniff_mime(data: bytes, declared: str | None) -> str:
    """The MIME type of some bytes: from their magic number, else the declared one."""
    return magic_type(data) or declared or "application/octet-stream"


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


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, JPEG, GIF or WebP, read from its header without decoding it (None when the
    header cannot be read)."""
    if data.startswith(b"\x89PNG"):
        return png_size(data)
    if data.startswith((b"GIF87a", b"GIF89a")):
        return _gif_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


_GIF_MAX_BLOCKS = 2_000_000
"""Sub-blocks a GIF's walk reads at most (a 50 MB GIF of ordinary 255-byte blocks has ~200,000): past it, the
size is not read (the image is refused), so a GIF of one-byte blocks cannot make the walk itself long."""


def _gif_size(data: bytes) -> tuple[int, int] | None:
    """The canvas that holds a GIF's logical screen and every frame: a frame's descriptor may be larger than the
    screen (a 1 x 1 screen holding a 65,535 x 65,535 frame), and decoders allocate the frame's own size. Walks
    the blocks (frames, extensions) without decoding anything; None when the header or a block is cut short."""
    if len(data) < 13:
        return None
    width, height = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    at = 13 + (3 << ((data[10] & 0x07) + 1) if data[10] & 0x80 else 0)
    blocks = frames = 0
    while at < len(data):
        introducer = data[at]
        if introducer == 0x3B:  # trailer
            return width, height
        if introducer == 0x2C:  # an image descriptor: left, top, width, height, flags
            if at + 10 > len(data):
                return None
            left, top = (
                int.from_bytes(data[at + 1 : at + 3], "little"),
                int.from_bytes(data[at + 3 : at + 5], "little"),
            )
            frame_w, frame_h = (
                int.from_bytes(data[at + 5 : at + 7], "little"),
                int.from_bytes(data[at + 7 : at + 9], "little"),
            )
            width, height = max(width, left + frame_w), max(height, top + frame_h)
            frames += 1
            flags = data[at + 9]
            at += (
                10 + (3 << ((flags & 0x07) + 1) if flags & 0x80 else 0) + 1
            )  # local colour table, LZW code size
        elif introducer == 0x21:  # an extension: its label, then sub-blocks
            at += 2
        else:
            return None
        while True:  # sub-blocks, up to a zero-length one
            if at >= len(data):
                return None
            length = data[at]
            at += 1 + length
            blocks += 1
            if blocks > _GIF_MAX_BLOCKS:
                return None
            if length == 0:
                break
    return (width, height) if frames else None  # no trailer (a file cut after a frame): what was read


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and len(data) >= 30:
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF
    return None


_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


_JPEG_MAX_STEPS = 100_000
"""Segments and fill bytes a JPEG's walk reads at most before its frame header (real files have a few dozen
segments before it: APPn, Exif, tables): past it the size is not read (the image is refused), so a 50 MB file of
five million empty comment segments or of fill bytes cannot make the walk itself long (it took 5-7 s)."""


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """The size in a JPEG's first frame header (SOFn), found by walking its segments."""
    at = 2
    for _ in range(_JPEG_MAX_STEPS):
        if at + 4 > len(data) or data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # segments without a length
            at += 2
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if marker in _JPEG_FRAMES:
            if at + 9 > len(data):
                return None
            return int.from_bytes(data[at + 7 : at + 9], "big"), int.from_bytes(data[at + 5 : at + 7], "big")
        if length < 2:
            return None
        at += 2 + length
    return None
