"""An image (``Image``). Made on first use: see :mod:`pipelex.concepts.natives`."""

from pipelex.concepts.native_classes.base import StuffContent


class ImageContent(StuffContent):
    """An image, by URL."""

    url: str
    public_url: str | None = None
    source_prompt: str | None = None
    source_negative_prompt: str | None = None
    caption: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    filename: str | None = None

    def __str__(self) -> str:
        return self.url

    def markdown_text(self) -> str:
        return f"![{self.url}]({self.url})"
