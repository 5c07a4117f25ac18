"""The child process that opens a PDF: run by :mod:`pipelex.inference.live.pdf_reader`, never imported by pipelex.

A PDF is untrusted input: a few kilobytes can hold a million pages (a page tree whose nodes repeat), a page of
200 by 200 inches, or a compressed stream that inflates to tens of gigabytes. PDFium opens it here, in a process
of its own whose address space and CPU time are capped before a byte of the PDF is read, so a bomb ends this
process (PDFium aborts on a failed allocation) and never the run's.

It is run as a script (``python -P pdf_child.py``) and imports only the standard library and ``pypdfium2``.

``argv``: ``text`` or ``render``, then dpi, max pages, max pixels per rendered page, memory bytes, CPU seconds,
the parent's process id. On Linux the child asks the kernel to kill it when its parent dies (``PR_SET_PDEATHSIG``),
so a run killed from outside (a runner API worker past its deadline, ``SIGKILL``) does not leave it reading on.
The PDF arrives on stdin. stdout carries frames: one byte of kind, four bytes of length (big-endian), the payload:

- ``H`` a JSON header, ``{"pages": n}``, or ``{"error": "too_many_pages", "pages": n}`` (nothing follows), or
  ``{"error": "unreadable", "detail": "..."}``;
- ``P`` one page: its text (UTF-8) or its PNG, in order;
- ``E`` a JSON error met while reading a page (``{"error": "page", "page": i, "detail": "..."}``).

Exit code 3: a Python ``MemoryError`` (a signal, ``SIGABRT`` from PDFium or ``SIGXCPU``, otherwise).
"""

from __future__ import annotations

import io
import json
import math
import os
import resource
import signal
import sys
from typing import Any, BinaryIO

MEMORY_EXIT = 3
ORPHAN_EXIT = 4  # the parent was gone before the child could tie its life to it
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_parent(parent: int) -> bool:
    """Have the kernel send ``SIGKILL`` to this process when its parent dies; False when it is already gone.

    The parent may die between the fork and this call: the process is then an orphan (its parent id is no
    longer ``parent``), and nothing would kill it, so it tells the caller to stop.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc symbol: the CPU cap still bounds the child
            pass
    return os.getppid() == parent


def _frame(out: BinaryIO, kind: bytes, payload: bytes) -> None:
    out.write(kind + len(payload).to_bytes(4, "big") + payload)


def _cap(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    # never above a ceiling the parent already has (a runner API worker's address space, say)
    new = value if hard == resource.RLIM_INFINITY else min(value, hard)
    if soft == resource.RLIM_INFINITY or new < soft:
        resource.setrlimit(which, (new, hard))


def render_scale(width: float, height: float, *, dpi: int, max_pixels: int) -> float:
    """The scale that renders a page of ``width`` x ``height`` points at ``dpi``, lowered so the bitmap holds at most
    ``max_pixels`` pixels."""
    scale = dpi / 72
    width, height = max(width, 1.0), max(height, 1.0)
    if math.ceil(width * scale) * math.ceil(height * scale) > max_pixels:
        scale = math.sqrt(max_pixels / (width * height))
        while (
            math.ceil(width * scale) * math.ceil(height * scale) > max_pixels
        ):  # the bitmap's sides round up
            scale *= 0.999
    return scale


def _page_png(page: Any, *, dpi: int, max_pixels: int) -> bytes:
    width, height = page.get_size()
    bitmap = page.render(scale=render_scale(width, height, dpi=dpi, max_pixels=max_pixels))
    try:
        buffer = io.BytesIO()
        bitmap.to_pil().save(buffer, format="PNG")
        return buffer.getvalue()
    finally:
        bitmap.close()


def _page_text(page: Any) -> bytes:
    textpage = page.get_textpage()
    try:
        return textpage.get_text_range().replace("\r\n", "\n").strip().encode()
    finally:
        textpage.close()


def main(argv: list[str]) -> int:
    mode, dpi, max_pages, max_pixels, memory, cpu, parent = argv
    if not _die_with_parent(int(parent)):
        return ORPHAN_EXIT
    _cap(resource.RLIMIT_AS, int(memory))
    _cap(resource.RLIMIT_CPU, max(1, math.ceil(float(cpu))))
    data = sys.stdin.buffer.read()
    out = sys.stdout.buffer
    try:
        import pypdfium2 as pdfium  # pyright: ignore[reportMissingTypeStubs]  (pypdfium2 ships no stubs)

        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            _frame(out, b"H", json.dumps({"error": "unreadable", "detail": str(exc)}).encode())
            return 0
        count = len(pdf)
        if count > int(max_pages):
            _frame(out, b"H", json.dumps({"error": "too_many_pages", "pages": count}).encode())
            return 0
        _frame(out, b"H", json.dumps({"pages": count}).encode())
        for index in range(count):
            try:
                page = pdf[index]
                try:
                    if mode == "text":
                        payload = _page_text(page)
                    else:
                        payload = _page_png(page, dpi=int(dpi), max_pixels=int(max_pixels))
                finally:
                    page.close()
            except (pdfium.PdfiumError, ValueError, OSError) as exc:
                _frame(
                    out, b"E", json.dumps({"error": "page", "page": index + 1, "detail": str(exc)}).encode()
                )
                return 0
            _frame(out, b"P", payload)
        out.flush()
        return 0
    except MemoryError:
        return MEMORY_EXIT


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
