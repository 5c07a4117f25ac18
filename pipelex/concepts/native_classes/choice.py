"""A choice among options (``Choice``). Made on first use: see :mod:`pipelex.concepts.natives`."""

from pipelex.concepts.native_classes.base import StuffContent


class ChoiceContent(StuffContent):
    """A choice among options."""

    choice: str
    confidence: float | None = None
    probabilities: dict[str, float] | None = None

    def __str__(self) -> str:
        return self.choice
