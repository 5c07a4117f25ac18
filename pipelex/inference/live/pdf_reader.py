"""Reading a PDF's pages, bounded: the one place pipelex opens a PDF (text layers and rendered pages alike).

A PDF is untrusted input (an input, a fetched URL, a stored blob), and a small one can ask for unbounded work: a
page tree whose nodes repeat holds a million pages in 12 KB, a page of 200 by 200 inches rendered at 300 dpi is
a 14 GB bitmap, a compressed stream of 2 MB inflates to 2 GB (PDFium inflates a content stream whole, and aborts
the process when an allocation fails). So:

- PDFium runs in a child process (:mod:`pipelex.inference.live.pdf_child`) whose address space is capped at
  ``[limits] run_memory_bytes`` and CPU time at ``[limits] run_deadline_seconds``: a bomb ends the child, the
  run's pipe fails with a :class:`~pipelex.errors.LimitExceededError` naming the setting;
- a PDF of more pages than ``[limits] max_batch_items`` (a PipeExtract outputs one item per page) is refused
  before a page is read;
- a page is rendered at the dpi asked unless its bitmap would pass ``[limits] max_image_pixels``: then at the
  dpi that fits (so a poster is still read, at a lower resolution);
- the parent reads the child's frames as they come (never its whole output joined) and at most
  ``run_memory_bytes`` of rendered pages, or an eighth of it of text (:data:`TEXT_SHARE`: a text is held again
  when decoded, up to four bytes a character);
- the child never outlives its run: a read that is cancelled (a run cancelled, timed out, or failing
  elsewhere) kills it, and on Linux the kernel kills it when the process that started it dies
  (``PR_SET_PDEATHSIG``), so a runner API worker killed at its deadline takes its PDF reader with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from pipelex.errors import LimitExceededError, PipeRunError
from pipelex.inference.jobs import ExtractJob

if TYPE_CHECKING:
    from pipelex.config.run_settings import LimitsConfig

_CHILD = Path(__file__).with_name("pdf_child.py")
_MEMORY_EXIT = 3  # pdf_child.MEMORY_EXIT: a Python MemoryError in the child
TEXT_SHARE = 8
"""The text read from the child is at most ``run_memory_bytes // TEXT_SHARE`` bytes: held as bytes, then as
text (up to four bytes a character), a PDF's text layer stays well under the run's memory bound."""


class _Output(NamedTuple):
    """The child's frames: its header, pages and page error (``too_much``: they passed the cap, read no further)."""

    header: dict[str, object] | None
    pages: list[bytes]
    error: dict[str, object] | None
    too_much: bool


async def pdf_text_pages(data: bytes, job: ExtractJob) -> list[str]:
    """The text layer of each page of a PDF (raises :class:`LimitExceededError` or :class:`PipeRunError`)."""
    pages = await _read(data, job, mode="text", dpi=72)
    texts: list[str] = []
    for index, page in enumerate(pages):
        texts.append(page.decode(errors="replace"))
        pages[index] = b""  # each page's bytes let go once decoded: the two are never all held at once
    return texts


async def render_pdf_pages(data: bytes, job: ExtractJob, *, dpi: int) -> list[bytes]:
    """Each page of a PDF rendered as a PNG at ``dpi`` (lowered for a page past ``max_image_pixels``)."""
    return await _read(data, job, mode="render", dpi=dpi)


def child_command(mode: Literal["text", "render"], dpi: int, limits: LimitsConfig) -> list[str]:
    """The command line of the child that reads a PDF for this process (it dies with this process)."""
    return [
        sys.executable,
        "-P",  # the script's folder is not put on sys.path (its modules' names would shadow others)
        str(_CHILD),
        mode,
        str(dpi),
        str(limits.max_batch_items),
        str(limits.max_image_pixels),
        str(limits.run_memory_bytes),
        str(limits.run_deadline_seconds),
        str(os.getpid()),
    ]


async def _read(data: bytes, job: ExtractJob, *, mode: Literal["text", "render"], dpi: int) -> list[bytes]:
    limits = job.limits
    process = await asyncio.create_subprocess_exec(
        *child_command(mode, dpi, limits),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    cap = limits.run_memory_bytes if mode == "render" else limits.run_memory_bytes // TEXT_SHARE
    try:
        header, pages, error, too_much = await _talk(process, data, cap=cap)
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            # what the killed child left in the pipe is read and dropped: a reader stopped at the cap may have
            # paused the pipe, and the process is not reaped until its pipe reaches its end
            assert process.stdout is not None
            while await process.stdout.read(1 << 16):
                pass
            await process.wait()
    pipe_code = job.pipe_code
    if too_much and mode == "render":
        raise LimitExceededError(
            f"pipe {pipe_code!r}: the PDF's rendered pages take more than {limits.run_memory_bytes:,} bytes "
            "([limits] run_memory_bytes in pipelex.toml): give a smaller document (fewer pages) or a lower "
            "page_views_dpi",
            limit="run_memory_bytes",
            pipe_code=pipe_code,
            value=limits.run_memory_bytes,
        )
    if too_much:
        raise LimitExceededError(
            f"pipe {pipe_code!r}: the PDF's text takes more than {cap:,} bytes (1/{TEXT_SHARE} of [limits] "
            "run_memory_bytes in pipelex.toml, as a text is held several times over while it is read): give a "
            "smaller document (fewer pages), or raise the limit",
            limit="run_memory_bytes",
            pipe_code=pipe_code,
            value=limits.run_memory_bytes,
        )
    if header is None:
        raise _died(process.returncode, job)
    problem = header.get("error")
    if problem is None and error is None and (process.returncode != 0 or len(pages) != header.get("pages")):
        raise _died(process.returncode, job)
    if problem == "too_many_pages":
        raise LimitExceededError(
            f"pipe {pipe_code!r}: the PDF has {header['pages']:,} pages, more than the "
            f"{limits.max_batch_items:,} items a pipe may output ([limits] max_batch_items in pipelex.toml): "
            "split the document or raise the limit",
            limit="max_batch_items",
            pipe_code=pipe_code,
            value=limits.max_batch_items,
        )
    if problem == "unreadable":
        raise PipeRunError(
            f"pipe {pipe_code!r}: the document is not a PDF that can be read ({header.get('detail', '')}): "
            "give a valid PDF",
            pipe_code=pipe_code,
        )
    if error is not None:
        raise PipeRunError(
            f"pipe {pipe_code!r}: page {error.get('page')} of the PDF cannot be read ({error.get('detail', '')})",
            pipe_code=pipe_code,
        )
    return pages


async def _talk(process: asyncio.subprocess.Process, data: bytes, *, cap: int) -> _Output:
    """Send ``data`` and read the child's frames to the end of its stdout, or until they pass ``cap`` bytes."""
    assert process.stdin is not None and process.stdout is not None

    async def feed() -> None:
        assert process.stdin is not None
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            process.stdin.write(data)
            await process.stdin.drain()
            process.stdin.close()

    feeding = asyncio.create_task(feed())
    try:
        output = await _frames(process.stdout, cap)
        if not output.too_much:
            await process.wait()
        return output
    finally:
        feeding.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await feeding


async def _frames(stdout: asyncio.StreamReader, cap: int) -> _Output:
    """The header, the pages and the page error of the child's output, read frame by frame (a truncated frame
    ends it); past ``cap`` bytes, a frame's declared length included, nothing more is read."""
    header: dict[str, object] | None = None
    pages: list[bytes] = []
    error: dict[str, object] | None = None
    size = 0
    while True:
        try:
            head = await stdout.readexactly(5)
        except asyncio.IncompleteReadError:
            break
        kind, length = head[:1], int.from_bytes(head[1:5], "big")
        size += 5 + length
        if size > cap:  # refused before the frame's payload is read
            return _Output(header, [], error, too_much=True)
        try:
            payload = await stdout.readexactly(length)
        except asyncio.IncompleteReadError:
            break
        if kind == b"H":
            header = json.loads(payload)
        elif kind == b"P":
            pages.append(payload)
        elif kind == b"E":
            error = json.loads(payload)
    return _Output(header, pages, error, too_much=False)


def _died(returncode: int | None, job: ExtractJob) -> PipeRunError:
    """The error of a child that stopped before it finished: past its CPU time, past its memory (a Python
    ``MemoryError``, or PDFium's abort on a failed allocation), or another failure."""
    limits = job.limits
    if returncode not in (-signal.SIGXCPU, -signal.SIGABRT, -signal.SIGKILL, _MEMORY_EXIT):
        return PipeRunError(
            f"pipe {job.pipe_code!r}: the PDF cannot be read (its reader stopped with code {returncode}): "
            "check that it is a valid PDF",
            pipe_code=job.pipe_code,
        )
    if returncode == -signal.SIGXCPU:
        return LimitExceededError(
            f"pipe {job.pipe_code!r}: reading the PDF took more than {limits.run_deadline_seconds:g} s of CPU "
            "([limits] run_deadline_seconds in pipelex.toml): give a simpler document",
            limit="run_deadline_seconds",
            pipe_code=job.pipe_code,
            value=limits.run_deadline_seconds,
        )
    return LimitExceededError(
        f"pipe {job.pipe_code!r}: reading the PDF needs more than {limits.run_memory_bytes:,} bytes of memory "
        "([limits] run_memory_bytes in pipelex.toml): the document may be a decompression bomb; give a "
        "smaller or simpler document, or raise the limit",
        limit="run_memory_bytes",
        pipe_code=job.pipe_code,
        value=limits.run_memory_bytes,
    )


__all__ = ["pdf_text_pages", "render_pdf_pages"]
