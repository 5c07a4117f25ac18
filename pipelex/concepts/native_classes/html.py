"""An HTML fragment (``Html``). Made on first use: see :mod:`pipelex.concepts.natives`."""

from pipelex.concepts.native_classes.base import StuffContent


class HtmlContent(StuffContent):
    """An HTML fragment."""

    inner_html: str
    css_class: str | None = None

    def __str__(self) -> str:
        return self.inner_html
