"""A document (``Document``). Made on first use: see :mod:`pipelex.concepts.natives`."""

from pipelex.concepts.native_classes.base import StuffContent


class DocumentContent(StuffContent):
    """A document (PDF and other formats), by URL."""

    url: str
    public_url: str | None = None
    mime_type: str | None = None
    filename: str | None = None
    title: str | None = None
    snippet: str | None = None

    def __str__(self) -> str:
        return f"- {self.title}: {self.url}" if self.title else self.url

    def markdown_text(self) -> str:
        return f"[{self.url}]({self.url})"
