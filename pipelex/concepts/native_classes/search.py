"""The answer of a search, with its sources (``SearchResult``). Made on first use: see :mod:`pipelex.concepts.natives`."""

from pydantic import Field

from pipelex.concepts.native_classes.base import StuffContent
from pipelex.concepts.native_classes.document import DocumentContent


class SearchResultContent(StuffContent):
    """The answer of a search, with its sources."""

    answer: str
    sources: list[DocumentContent] = Field(default_factory=lambda: [])

    def __str__(self) -> str:
        if not self.sources:
            return self.answer
        return self.answer + "\n\nSources:\n" + "\n".join(str(source) for source in self.sources)
