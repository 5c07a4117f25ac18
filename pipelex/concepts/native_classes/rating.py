"""A rating on a scale (``Rating``). Made on first use: see :mod:`pipelex.concepts.natives`."""

from pipelex.concepts.native_classes.base import StuffContent


class RatingContent(StuffContent):
    """A rating on a scale of levels."""

    level: int
    label: str | None = None
    confidence: float | None = None
    probabilities: dict[str, float] | None = None
    position: float | None = None

    def __str__(self) -> str:
        return self.label or str(self.level)
