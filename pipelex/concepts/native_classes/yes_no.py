"""A yes/no verdict (``YesNo``). Made on first use: see :mod:`pipelex.concepts.natives`."""

from pipelex.concepts.native_classes.base import StuffContent


class YesNoContent(StuffContent):
    """A yes/no verdict."""

    yes_no: bool
    probability: float | None = None

    def __str__(self) -> str:
        return "yes" if self.yes_no else "no"
