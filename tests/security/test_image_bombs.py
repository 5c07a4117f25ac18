"""An image whose header declares more pixels than ``[limits] max_image_pixels`` is refused before any extraction
engine decodes it.

A PNG of a few hundred bytes may declare 60,000 x 60,000 pixels: 3.6 G pixels, 10 GB or more once an OCR engine
(``tesseract``) or a vision pipeline decodes it. Before this, a PipeExtract handed such an image to its engines
unchecked (OCR bounded only by the API worker's memory ceiling, and on the CLI by nothing).
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from pipelex.config.run_settings import LimitsConfig
from pipelex.errors import LimitExceededError, PipeRunError
from pipelex.inference.live.extract import _check_image_pixels  # pyright: ignore[reportPrivateUsage]
from pipelex.inference.live.resources import image_size
from tests.inference.conftest import extract_job
from tests.security.conftest import Watched


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` (its pixel data is one compressed row: a bomb's
    header, which is all a reader sees before decoding)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1)))
        + _chunk(b"IEND", b"")
    )


def _encoded(image_format: str, size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buffer, format=image_format)
    return buffer.getvalue()


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "WEBP"])
@pytest.mark.parametrize("size", [(1, 1), (317, 45), (4000, 3)])
def test_the_size_of_an_image_is_read_from_its_header(image_format: str, size: tuple[int, int]) -> None:
    assert image_size(_encoded(image_format, size)) == size


def test_a_lossless_webp_and_a_progressive_jpeg_are_read_too() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (123, 77)).save(buffer, format="WEBP", lossless=True)
    assert image_size(buffer.getvalue()) == (123, 77)
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480)).save(buffer, format="JPEG", progressive=True)
    assert image_size(buffer.getvalue()) == (640, 480)


@pytest.mark.parametrize(
    "data", [b"", b"\x89PNG", b"\xff\xd8\xff\xe0\x00", b"\xff\xd8\x00\x00", b"GIF89a\x01"]
)
def test_a_truncated_or_unknown_header_has_no_size(data: bytes) -> None:
    assert image_size(data) is None


def test_an_image_past_max_image_pixels_is_refused_naming_the_setting() -> None:
    job = extract_job(limits=LimitsConfig(max_image_pixels=2_000_000))
    with pytest.raises(LimitExceededError) as caught:
        _check_image_pixels(huge_png(60_000, 60_000), job)
    assert caught.value.limit == "max_image_pixels"
    assert "60,000 x 60,000" in str(caught.value) and "[limits] max_image_pixels" in str(caught.value)
    _check_image_pixels(huge_png(1000, 2000), job)  # exactly at the bound: read
    with pytest.raises(PipeRunError, match="size cannot be read"):
        _check_image_pixels(b"\x89PNG\r\n\x1a\n", job)


BUNDLE = """domain = "bombs"
main_pipe = "read_image"

[pipe.read_image]
type = "PipeExtract"
description = "Read the image"
inputs = { scan = "Image" }
output = "Page[]"
model = "tesseract-ocr"
"""


def test_the_cli_refuses_to_ocr_an_image_of_3_6_billion_pixels(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    (tmp_path / "pipelex.toml").write_text("[limits]\nmax_image_pixels = 2000000\n", encoding="utf-8")
    (tmp_path / "scan.png").write_bytes(huge_png(60_000, 60_000))
    (tmp_path / "read.mthds").write_text(BUNDLE, encoding="utf-8")
    watched = run_watched_cli(
        "run",
        "bundle",
        "read.mthds",
        "-i",
        json.dumps({"scan": {"url": "scan.png"}}),
        "-o",
        "out",
        "--no-graph",
        timeout=90,
    )
    assert watched.code == 1, (watched.code, watched.err[-2000:])
    assert "Traceback" not in watched.err
    assert "pipe 'read_image'" in watched.err and "[limits] max_image_pixels" in watched.err, watched.err


def gif_with_frame(screen: tuple[int, int], frame: tuple[int, int], *, at: tuple[int, int] = (0, 0)) -> bytes:
    """A GIF whose logical screen is ``screen`` and whose one frame, at ``at``, declares ``frame`` (a few bytes)."""
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", *screen, 0, 0, 0)
        + b"\x21\xf9\x04\x00\x00\x00\x00\x00"  # a graphic control extension, as animated GIFs carry
        + b"\x2c"
        + struct.pack("<HHHHB", *at, *frame, 0)
        + b"\x02\x02\x4c\x01\x00\x3b"
    )


def test_a_gif_frame_larger_than_its_screen_is_measured_by_the_frame() -> None:
    """Seventh hostile pass: the size was read from the logical screen only, but decoders allocate each frame's own
    size (Pillow opens a 1 x 1 screen holding a 9,000 x 9,000 frame as 9,000 x 9,000): a 40-byte GIF passed the
    check declaring 1 x 1 and decoded as 3.6 G pixels."""
    assert Image.open(io.BytesIO(gif_with_frame((1, 1), (9000, 9000)))).size == (
        9000,
        9000,
    )  # what a decoder sees
    assert image_size(gif_with_frame((1, 1), (60_000, 60_000))) == (60_000, 60_000)
    assert image_size(gif_with_frame((10, 10), (5, 5), at=(30_000, 20))) == (30_005, 25)
    job = extract_job(limits=LimitsConfig(max_image_pixels=2_000_000))
    with pytest.raises(LimitExceededError, match="60,000 x 60,000"):
        _check_image_pixels(gif_with_frame((1, 1), (60_000, 60_000)), job)
    frames = [Image.new("P", (50, 40), i) for i in range(5)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    assert image_size(buffer.getvalue()) == (50, 40)  # an ordinary animation: its screen


def test_a_gif_cut_short_or_of_endless_blocks_has_no_size(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = gif_with_frame((1, 1), (60_000, 60_000))
    for cut in (13, 20, 30, len(bomb) - 3):
        assert image_size(bomb[:cut]) is None, cut
    assert image_size(bomb[:-1]) == (60_000, 60_000)  # no trailer: what was read
    monkeypatch.setattr("pipelex.inference.live.resources._GIF_MAX_BLOCKS", 10)
    many = bomb[:-6] + b"\x02" + b"\x01\x00" * 50 + b"\x00\x3b"
    assert image_size(many) is None


def test_a_jpeg_of_endless_segments_or_fill_bytes_has_no_size() -> None:
    """Twelfth hostile pass: the JPEG walk had no bound, so a 20 MB file of five million empty comment segments
    (`FF FE 00 02`) took ~5 s to be read as sizeless, 50 MB of fill bytes ~7 s, per image (an `Image[]` of 500 on the
    CLI: an hour). Past 100,000 steps before its frame header, a JPEG's size is not read (and the image refused)."""
    import time

    for bomb in (b"\xff\xd8" + b"\xff\xfe\x00\x02" * 5_000_000, b"\xff\xd8" + b"\xff" * 20_000_000):
        start = time.process_time()
        assert image_size(bomb + _encoded("JPEG", (9, 9))[2:]) is None
        assert time.process_time() - start < 1.0
    exif = b"\xff\xe1" + (2 + 60_000).to_bytes(2, "big") + b"\x00" * 60_000  # a large APP1 segment, one step
    assert image_size(
        b"\xff\xd8" + exif * 50 + b"\xff\xfe\x00\x02" * 500 + _encoded("JPEG", (31, 7))[2:]
    ) == (31, 7)
