"""A text with images and a page of a document (``TextAndImages``, ``Page``). Made on first use: see :mod:`pipelex.concepts.natives`."""

from pipelex.concepts.native_classes.base import StuffContent, TextContent
from pipelex.concepts.native_classes.image import ImageContent


class TextAndImagesContent(StuffContent):
    """A text with images."""

    text: TextContent | None = None
    images: list[ImageContent] | None = None
    raw_html: str | None = None

    def __str__(self) -> str:
        return self.text.text if self.text is not None else ""


class PageContent(StuffContent):
    """One page of a document: its text and images, and optionally a view of the page."""

    text_and_images: TextAndImagesContent
    page_view: ImageContent | None = None
