"""Decompression bombs in documents: a small PDF that asks for unbounded pages, pixels or inflated bytes.

Each is run live (the ``pypdfium2`` text layer needs no key) through the real CLI under a watchdog, and through
a served API, so a regression fails its test instead of taking the machine down. Before the PDF reader was
bounded (``pipelex/inference/live/pdf_reader.py``), the 2 MB deflate bomb aborted the CLI (PDFium's failed
allocation, no message) or took all the machine's memory, the 12 KB PDF of a million pages read them all (21 s
of text, then a render per page for the page views) and a 200-inch page asked for a 3.6 GB bitmap.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from pipelex.errors import LimitExceededError, PipeRunError
from pipelex.inference.live.pdf_child import render_scale
from pipelex.inference.live.pdf_reader import pdf_text_pages, render_pdf_pages
from pipelex.inference.live.resources import png_size
from tests.inference.conftest import extract_job
from tests.security.conftest import Watched, served_api

MEMORY = 256 * 1024**2
CONFIG = f"""
[limits]
run_memory_bytes = {MEMORY}
max_image_pixels = 2000000
"""

BUNDLE = """domain = "bombs"
main_pipe = "read_pages"

[pipe.read_pages]
type = "PipeExtract"
description = "Read the pages"
inputs = { paper = "Document" }
output = "Page[]"
page_views = true
page_views_dpi = DPI
"""

_FONT = b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>"
_PAGE = b"/Resources<</Font<</F1 4 0 R>>>>"


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _stream(text: bytes, *, padding: int = 0) -> bytes:
    """A Flate-compressed content stream: ``text`` then ``padding`` spaces (compressed about 1,000 to 1)."""
    packer = zlib.compressobj(9)
    data = packer.compress(text)
    block = b" " * (1 << 20)
    for _ in range(padding >> 20):
        data += packer.compress(block)
    data += packer.flush()
    return f"<</Length {len(data)}/Filter/FlateDecode>>\nstream\n".encode() + data + b"\nendstream"


_HELLO = b"BT /F1 12 Tf 72 720 Td (hello) Tj ET\n"


def one_page_pdf(*, width: int = 595, height: int = 842, padding: int = 0) -> bytes:
    return _pdf(
        [
            b"<</Type/Catalog/Pages 2 0 R>>",
            b"<</Type/Pages/Kids[5 0 R]/Count 1>>",
            _stream(_HELLO, padding=padding),
            _FONT,
            f"<</Type/Page/Parent 2 0 R/MediaBox[0 0 {width} {height}]/Contents 3 0 R".encode()
            + _PAGE
            + b">>",
        ]
    )


def million_page_pdf() -> bytes:
    """12 KB, 1,000,000 pages: the root lists one node 1,000 times, which lists one page 1,000 times."""
    return _pdf(
        [
            b"<</Type/Catalog/Pages 2 0 R>>",
            b"<</Type/Pages/Kids[" + b" 6 0 R" * 1000 + b"]/Count 1000000>>",
            _stream(_HELLO),
            _FONT,
            b"null",  # unused
            b"<</Type/Pages/Parent 2 0 R/Kids[" + b" 7 0 R" * 1000 + b"]/Count 1000>>",
            b"<</Type/Page/Parent 6 0 R/MediaBox[0 0 595 842]/Contents 3 0 R" + _PAGE + b">>",
        ]
    )


@pytest.fixture
def cli_run(run_watched_cli: Callable[..., Watched], tmp_path: Path) -> Callable[..., Watched]:
    """``pipelex run bundle`` of a PipeExtract of ``pdf``, live, with the small limits of CONFIG."""
    (tmp_path / "pipelex.toml").write_text(CONFIG, encoding="utf-8")

    def run(pdf: bytes, *, dpi: int = 72) -> Watched:
        (tmp_path / "paper.pdf").write_bytes(pdf)
        (tmp_path / "read.mthds").write_text(BUNDLE.replace("DPI", str(dpi)), encoding="utf-8")
        return run_watched_cli(
            "run",
            "bundle",
            "read.mthds",
            "-i",
            json.dumps({"paper": {"url": "paper.pdf"}}),
            "-o",
            "out",
            "--no-graph",
            timeout=90,
        )

    return run


def _one_line_error(watched: Watched) -> str:
    assert watched.code == 1, (watched.code, watched.err[-2000:])
    assert "Traceback" not in watched.err and "/site-packages/" not in watched.err, watched.err
    return watched.err


def test_a_deflate_bomb_fails_its_pipe_naming_the_memory_limit(cli_run: Callable[..., Watched]) -> None:
    bomb = one_page_pdf(padding=600 * 1024**2)  # 600 KB that inflate to 600 MB
    assert len(bomb) < 1024**2
    err = _one_line_error(cli_run(bomb))
    assert "pipe 'read_pages'" in err and "[limits] run_memory_bytes" in err and "decompression bomb" in err


def test_a_pdf_of_a_million_pages_is_refused_before_a_page_is_read(cli_run: Callable[..., Watched]) -> None:
    err = _one_line_error(cli_run(million_page_pdf()))
    assert "the PDF has 1,000,000 pages" in err and "[limits] max_batch_items" in err


def test_a_page_of_200_inches_renders_within_max_image_pixels(
    cli_run: Callable[..., Watched], tmp_path: Path
) -> None:
    watched = cli_run(one_page_pdf(width=14400, height=14400), dpi=300)
    assert watched.code == 0, watched.err[-2000:]
    views = list((tmp_path / ".pipelex" / "storage").glob("*.png")) or list(tmp_path.rglob("storage/*.png"))
    assert len(views) == 1
    size = png_size(views[0].read_bytes())
    assert size is not None and size[0] * size[1] <= 2_000_000 and size[0] >= 1000


@pytest.mark.parametrize("dpi", [0, -5])
def test_a_dpi_that_is_not_positive_is_a_clear_error(cli_run: Callable[..., Watched], dpi: int) -> None:
    err = _one_line_error(cli_run(one_page_pdf(), dpi=dpi))
    assert f"page_views_dpi is {dpi}" in err


def test_a_file_that_is_not_a_pdf_is_a_clear_error(cli_run: Callable[..., Watched]) -> None:
    err = _one_line_error(cli_run(b"%PDF-1.4 this is no PDF at all"))
    assert "not a PDF that can be read" in err


async def test_the_reader_reads_an_honest_pdf_and_refuses_past_its_limits() -> None:
    from pipelex.config.run_settings import LimitsConfig

    assert await pdf_text_pages(one_page_pdf(), extract_job()) == ["hello"]
    strict = extract_job(limits=LimitsConfig(max_batch_items=2))
    three = _pdf(
        [
            b"<</Type/Catalog/Pages 2 0 R>>",
            b"<</Type/Pages/Kids[5 0 R 5 0 R 5 0 R]/Count 3>>",
            _stream(_HELLO),
            _FONT,
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 3 0 R" + _PAGE + b">>",
        ]
    )
    with pytest.raises(LimitExceededError, match="3 pages") as caught:
        await render_pdf_pages(three, strict, dpi=72)
    assert caught.value.limit == "max_batch_items"
    with pytest.raises(PipeRunError, match="not a PDF that can be read"):
        await pdf_text_pages(b"%PDF-1.7 nothing", extract_job())


def test_the_render_scale_keeps_the_dpi_asked_unless_the_bitmap_passes_the_bound() -> None:
    assert render_scale(595, 842, dpi=144, max_pixels=64_000_000) == 2.0
    scale = render_scale(14400, 14400, dpi=300, max_pixels=64_000_000)
    assert (14400 * scale) ** 2 <= 64_000_000 * 1.0001 and scale < 1


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_api(tmp_path_factory.mktemp("api-doc-bombs"), CONFIG) as url:
        yield url


def test_the_api_answers_a_deflate_bomb_with_a_limit_problem_and_keeps_serving(api: str) -> None:
    bomb = one_page_pdf(padding=600 * 1024**2)
    answer = httpx.post(
        f"{api}/v1/execute",
        json={
            "mthds_contents": [BUNDLE.replace("DPI", "72")],
            "inputs": {"paper": {"url": "data:application/pdf;base64," + base64.b64encode(bomb).decode()}},
            "dry_run": False,
        },
        timeout=90,
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert "run_memory_bytes" in problem["detail"] and "/tmp" not in answer.text, problem
    assert httpx.get(f"{api}/health", timeout=5).status_code == 200


@pytest.mark.parametrize(
    "ending, memory",
    [
        ("import sys; sys.exit(1)", False),  # an unexpected failure (a missing module, a bug)
        ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", False),  # PDFium crashing on a bad file
        ("import os, signal; os.kill(os.getpid(), signal.SIGABRT)", True),  # PDFium's failed allocation
        ("import sys; sys.exit(3)", True),  # a Python MemoryError
    ],
)
async def test_only_a_reader_stopped_by_memory_is_reported_as_a_memory_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: str, memory: bool
) -> None:
    from pipelex.inference.live import pdf_reader

    child = tmp_path / "child.py"
    child.write_text(ending + "\n", encoding="utf-8")
    monkeypatch.setattr(pdf_reader, "_CHILD", child)
    with pytest.raises(PipeRunError) as caught:
        await pdf_text_pages(one_page_pdf(), extract_job())
    assert isinstance(caught.value, LimitExceededError) is memory, caught.value
    assert ("run_memory_bytes" in str(caught.value)) is memory
