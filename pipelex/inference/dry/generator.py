"""The dry content generator: every leaf answers with a format-compliant mock, instantly and for free."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, ClassVar

from pipelex.concepts import natives
from pipelex.concepts.mocks import DRY_IMAGE_URL, mock_content, rng_for
from pipelex.concepts.natives import StuffContent, TextContent
from pipelex.inference.jobs import LLMJob

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pipelex.concepts.natives import DocumentContent, ImageContent, PageContent, SearchResultContent
    from pipelex.inference.jobs import DocGenJob, ExtractJob, FuncJob, ImgGenJob, JudgeJob, SearchJob
    from pipelex.inference.live.preflight import ModelCall
    from pipelex.memory.stuff import Stuff

_BLANK_PDF_DATA_URL = (
    "data:application/pdf;base64,JVBERi0xLjQKMSAwIG9iajw8L1R5cGUvQ2F0YWxvZy9QYWdlcyAyIDAgUj4+ZW5kb2JqCjIgMCBvYmo8PC9U"
    "eXBlL1BhZ2VzL0tpZHNbMyAwIFJdL0NvdW50IDE+PmVuZG9iagozIDAgb2JqPDwvVHlwZS9QYWdlL1BhcmVudCAyIDAgUi9NZWRpYUJveFsw"
    "IDAgNTk1IDg0Ml0+PmVuZG9iagp0cmFpbGVyPDwvUm9vdCAxIDAgUj4+Cg=="
)


class DryContentGenerator:
    """Builds mocks; never calls a provider and never touches storage."""

    # its leaves cost nothing: a dry run also checks the outcomes a condition did not take
    explores_all_outcomes: ClassVar[bool] = True
    # a dry run checks the wiring around a signature with a mock of its declared output
    mocks_signatures: ClassVar[bool] = True

    def preflight(self, calls: Callable[[], Sequence[ModelCall]]) -> None:
        """Nothing can be missing: no provider is called (``calls`` is not even listed)."""

    def prepare_inputs(self, stuffs: dict[str, Stuff]) -> dict[str, Stuff]:
        """The inputs as given: a dry run never touches storage."""
        return stuffs

    def session(self) -> contextlib.AbstractAsyncContextManager[object]:
        """Nothing to share."""
        return contextlib.nullcontext()

    async def make_text(self, job: LLMJob) -> str:
        """A text that says it is a dry run and names the pipe and model."""
        text = f"DRY RUN: llm text of pipe '{job.pipe_code}' (model {job.model or 'default'}) for prompt: {job.prompt}"
        return text[: job.text_truncate_length]

    async def make_object(self, job: LLMJob, model: type[StuffContent]) -> StuffContent:
        """A mock instance of the real concept model."""
        return mock_content(model, label=job.pipe_code, nb_list_items=job.nb_list_items)

    async def make_object_list(self, job: LLMJob, model: type[StuffContent]) -> list[StuffContent]:
        """``item_count`` mocks, or ``nb_list_items`` when the count is free."""
        count = job.item_count or job.nb_list_items
        rng = rng_for(job.pipe_code)
        return [
            mock_content(model, label=f"{job.pipe_code}[{i}]", nb_list_items=job.nb_list_items, rng=rng)
            for i in range(count)
        ]

    async def make_images(self, job: ImgGenJob) -> list[ImageContent]:
        """Placeholder images carrying the prompt."""
        return [
            natives.ImageContent(
                url=DRY_IMAGE_URL,
                mime_type="image/png",
                width=1024,
                height=1024,
                source_prompt=job.prompt,
                source_negative_prompt=job.negative_prompt,
            )
            for _ in range(job.nb_images)
        ]

    async def make_pages(self, job: ExtractJob) -> list[PageContent]:
        """``nb_extract_pages`` placeholder pages (one for an image)."""
        count = 1 if job.source_kind == "image" else job.nb_extract_pages
        return [
            natives.PageContent(
                text_and_images=natives.TextAndImagesContent(
                    text=TextContent(text=f"DRY RUN: OCR text of page {i}")
                ),
                page_view=natives.ImageContent(url=DRY_IMAGE_URL, mime_type="image/png")
                if job.page_views
                else None,
            )
            for i in range(1, count + 1)
        ]

    async def search(self, job: SearchJob) -> SearchResultContent:
        """A mock answer with three sources."""
        model = mock_content(natives.SearchResultContent, label=job.pipe_code)
        assert isinstance(model, natives.SearchResultContent)
        return model

    async def judge(self, job: JudgeJob) -> list[dict[str, Any]]:
        """Deterministic verdicts: yes, the first option, the first level."""
        verdicts: list[dict[str, Any]] = []
        for question in job.questions:
            match question.judgment:
                case "yes_no":
                    verdicts.append({"yes_no": True})
                case "choice":
                    verdicts.append({"choice": question.options[0] if question.options else ""})
                case "rating":
                    verdicts.append({"level": 0, "label": question.levels[0] if question.levels else None})
        return verdicts

    async def call_function(
        self, job: FuncJob, inputs: dict[str, Any], model: type[StuffContent]
    ) -> StuffContent:
        """Not called in a dry run: a mock of the declared output."""
        return mock_content(model, label=job.pipe_code, nb_list_items=job.nb_list_items)

    async def make_document(self, job: DocGenJob) -> DocumentContent:
        """A blank one-page PDF as a data URL."""
        return natives.DocumentContent(
            url=_BLANK_PDF_DATA_URL, mime_type="application/pdf", filename=job.filename
        )
