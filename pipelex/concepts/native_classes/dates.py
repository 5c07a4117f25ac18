"""A date and a time of day (``Date``, ``Time``). Made on first use: see :mod:`pipelex.concepts.natives`."""

from pipelex.concepts.native_classes.base import StuffContent, iso_time


class DateContent(StuffContent):
    """A date, optionally with a time."""

    date: str
    time: str | None = None

    def __str__(self) -> str:
        return f"{self.date}T{iso_time(self.time)}" if self.time else self.date


class TimeContent(StuffContent):
    """A time of day."""

    time: str

    def __str__(self) -> str:
        return iso_time(self.time)
