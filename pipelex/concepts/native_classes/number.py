"""A number (``Number``). Made on first use: see :mod:`pipelex.concepts.natives`."""

from pipelex.concepts.native_classes.base import StuffContent


class NumberContent(StuffContent):
    """A number."""

    number: int | float

    def __str__(self) -> str:
        return str(self.number)
