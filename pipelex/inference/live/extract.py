"""Live extraction: pages of a PDF or an image.

Engines, chosen by the model deck (the default ``~document-extractor`` waterfall tries them in this order):

- ``pypdfium2``: the PDF's text layer, page by page; no key, no network. A PDF without a text layer (a scan)
  is a failure, so a waterfall moves on;
- a vision model (any LLM handle that accepts images): each page rendered to an image and transcribed;
- ``tesseract``: a local OCR engine, when the ``tesseract`` program is installed.

Page views (``page_views = true``) are the pages rendered at ``page_views_dpi``, stored and referenced by URI.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
from typing import TYPE_CHECKING

from pipelex.concepts.natives import ImageContent, PageContent, TextAndImagesContent, TextContent
from pipelex.config.deck import Backend, ModelHandle, ResolvedModel
from pipelex.inference.jobs import ExtractJob
from pipelex.inference.live.calls import provider_error
from pipelex.inference.providers.base import ChatRequest, Part
from pipelex.storage.protocol import Storage

if TYPE_CHECKING:
    from pipelex.inference.live.generator import LiveContentGenerator, LiveRuntime

TRANSCRIBE_PROMPT = (
    "Transcribe all the text of this page, in reading order, as plain text. Answer with the text only."
)


async def _tesseract(image: bytes) -> str:
    process = await asyncio.create_subprocess_exec(
        "tesseract",
        "stdin",
        "stdout",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await process.communicate(image)
    finally:  # a cancelled run (its deadline, a failing sibling) does not leave the OCR running
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    if process.returncode != 0:
        raise RuntimeError(err.decode(errors="replace")[:200])
    return out.decode(errors="replace").strip()


def _check_image_pixels(image: bytes, job: ExtractJob) -> None:
    """Refuse an image whose decoded bitmap would pass ``[limits] max_image_pixels`` (or whose size cannot be read
    from its header) before any engine decodes it: a 60 KB PNG may declare 60,000 x 60,000 pixels, 14 GB once
    decoded by an OCR engine. A PDF's pages are bounded where they are rendered (``pdf_reader``)."""
    from pipelex.errors import LimitExceededError, PipeRunError
    from pipelex.inference.live.resources import image_size

    size = image_size(image)
    if size is None or size[0] <= 0 or size[1] <= 0:
        raise PipeRunError(
            f"pipe {job.pipe_code!r}: the image's size cannot be read from its header: give a valid PNG, JPEG, "
            "GIF or WebP image",
            pipe_code=job.pipe_code,
        )
    width, height = size
    maximum = job.limits.max_image_pixels
    if width * height > maximum:
        raise LimitExceededError(
            f"pipe {job.pipe_code!r}: the image is {width:,} x {height:,} pixels, more than the {maximum:,} "
            "pixels an image may have to be read ([limits] max_image_pixels in pipelex.toml): give a smaller "
            "image or raise the limit",
            limit="max_image_pixels",
            pipe_code=job.pipe_code,
            value=maximum,
        )


async def _store_views(images: list[bytes], storage: Storage) -> list[ImageContent]:
    views: list[ImageContent] = []
    for image in images:
        uri, public = await asyncio.to_thread(storage.put, image, "image/png")
        views.append(ImageContent(url=uri, public_url=public, mime_type="image/png"))
    return views


async def extract_pages(
    generator: LiveContentGenerator, job: ExtractJob, resolved: ResolvedModel, runtime: LiveRuntime
) -> list[PageContent]:
    """The pages of ``job.source_url`` through the first engine of ``resolved`` that works."""
    from pipelex.inference.live.pdf_reader import pdf_text_pages, render_pdf_pages
    from pipelex.inference.live.resources import load_bytes, sniff_mime

    data, declared = await load_bytes(
        job.source_url, runtime.storage, policy=job.io_policy, pipe_code=job.pipe_code
    )
    mime = sniff_mime(data, declared)
    is_pdf = mime == "application/pdf"
    if not is_pdf and not mime.startswith("image/"):
        raise provider_error(
            f"pipe {job.pipe_code!r}: cannot extract pages from a {mime} file: give a PDF or an image",
            pipe_code=job.pipe_code,
            handle=None,
            status=None,
            reason="unsupported_input",
        )
    if not is_pdf:
        _check_image_pixels(data, job)
    renders: dict[int, list[bytes]] = {}

    async def rendered(dpi: int) -> list[bytes]:
        if dpi not in renders:
            renders[dpi] = await render_pdf_pages(data, job, dpi=dpi) if is_pdf else [data]
        return renders[dpi]

    def fits(handle: ModelHandle) -> str | None:
        needed = "pdf" if is_pdf else "images"
        return None if needed in handle.inputs else f"does not read {'PDFs' if is_pdf else 'images'}"

    async def call(handle: ModelHandle, backend: Backend) -> list[str]:
        if backend.kind == "internal" and handle.model_id == "pypdfium2":
            texts = await pdf_text_pages(data, job)
            if not any(texts):
                raise provider_error(
                    f"pipe {job.pipe_code!r}: the PDF has no text layer (a scan?): extract it with "
                    'a vision model or tesseract (model = "~document-extractor")',
                    pipe_code=job.pipe_code,
                    handle=handle,
                    status=None,
                    reason="no_text_layer",
                )
            return texts
        if backend.kind == "internal" and handle.model_id == "tesseract":
            if shutil.which("tesseract") is None:
                raise provider_error(
                    f"pipe {job.pipe_code!r}: tesseract is not installed (apt install "
                    "tesseract-ocr), so it cannot OCR this file",
                    pipe_code=job.pipe_code,
                    handle=handle,
                    status=None,
                    reason="engine_missing",
                )
            try:
                # one OCR process per core at a time, not one per page at once
                slots = asyncio.Semaphore(os.cpu_count() or 1)

                async def ocr(image: bytes) -> str:
                    async with slots:
                        return await _tesseract(image)

                return list(await asyncio.gather(*(ocr(image) for image in await rendered(300))))
            except (OSError, RuntimeError) as exc:
                raise provider_error(
                    f"pipe {job.pipe_code!r}: tesseract failed: {exc}",
                    pipe_code=job.pipe_code,
                    handle=handle,
                    status=None,
                    reason="engine_failed",
                ) from exc
        if backend.kind == "internal":
            raise provider_error(
                f"pipe {job.pipe_code!r}: {handle.handle!r} is not an extraction engine",
                pipe_code=job.pipe_code,
                handle=handle,
                status=None,
                reason="unsupported",
            )
        pages = await rendered(150)

        async def transcribe(image: bytes) -> str:
            part = Part(
                kind="image",
                mime_type="image/png" if is_pdf else mime,
                data_b64=base64.b64encode(image).decode(),
            )
            request = ChatRequest(
                model_id=handle.model_id,
                prompt=TRANSCRIBE_PROMPT,
                parts=[part],
                timeout=runtime.deck.policy.timeout,
                max_tokens=handle.max_tokens,
            )
            return await generator.chat_once(
                handle, backend, request, lambda text: text.strip(), pipe_code=job.pipe_code, runtime=runtime
            )

        return list(await asyncio.gather(*(transcribe(image) for image in pages)))

    texts = await generator.try_handles(
        runtime, resolved, pipe_code=job.pipe_code, what="extracted pages", fits=fits, call=call
    )
    views: list[ImageContent | None] = [None] * len(texts)
    if job.page_views:
        stored = await _store_views(await rendered(job.page_views_dpi), runtime.storage)
        views = [*stored, *[None] * (len(texts) - len(stored))][: len(texts)]
    return [
        PageContent(text_and_images=TextAndImagesContent(text=TextContent(text=text)), page_view=view)
        for text, view in zip(texts, views, strict=True)
    ]
