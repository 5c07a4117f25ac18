"""The content-generator protocol: what a leaf asks of a live provider layer or of the dry mock layer."""

from __future__ import annotations

from typing import Any, Protocol

from pipelex.concepts.natives import (
    DocumentContent,
    ImageContent,
    PageContent,
    SearchResultContent,
    StuffContent,
)
from pipelex.inference.jobs import DocGenJob, ExtractJob, FuncJob, ImgGenJob, JudgeJob, LLMJob, SearchJob


class ContentGenerator(Protocol):
    """Makes the content of inference leaves. Live calls providers; dry builds mocks."""

    async def make_text(self, job: LLMJob) -> str:
        """Free text."""
        ...

    async def make_object(self, job: LLMJob, model: type[StuffContent]) -> StuffContent:
        """One instance of ``model``."""
        ...

    async def make_object_list(self, job: LLMJob, model: type[StuffContent]) -> list[StuffContent]:
        """Instances of ``model`` (``job.item_count`` of them when fixed)."""
        ...

    async def make_images(self, job: ImgGenJob) -> list[ImageContent]:
        """Generated images."""
        ...

    async def make_pages(self, job: ExtractJob) -> list[PageContent]:
        """Extracted pages."""
        ...

    async def search(self, job: SearchJob) -> SearchResultContent:
        """A search answer with sources."""
        ...

    async def judge(self, job: JudgeJob) -> list[dict[str, Any]]:
        """One verdict per question (``yes_no``/``choice``/``level`` keys)."""
        ...

    async def call_function(
        self, job: FuncJob, inputs: dict[str, Any], model: type[StuffContent]
    ) -> StuffContent:
        """The function's result (live) or a mock of its declared output (dry)."""
        ...

    async def make_document(self, job: DocGenJob) -> DocumentContent:
        """A generated document."""
        ...
