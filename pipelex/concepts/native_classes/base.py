"""What every native content class builds on: :class:`StuffContent`, the text (:class:`TextContent`) and how a
content prints as text (:func:`structure_text`). Below :mod:`pipelex.concepts.natives`, which gives these names
too, and the modules of the classes made on first use beside this one."""

from collections.abc import Iterable, Mapping
from typing import Any, cast

from pydantic import BaseModel, ConfigDict


def structure_text(data: Mapping[str, Any], level: int = 1) -> str:
    """The fields of a structure as a template prints them: one entry per field, ``# name: value`` when its value
    is one line, else ``# name`` then the value below; a nested structure one heading level deeper (``##``), a
    list as ``- item`` lines (an item on several lines continues indented). Entries are separated by a blank line.
    """
    return "\n\n".join(_entry_text(str(name), value, level) for name, value in data.items())


def _entry_text(name: str, value: Any, level: int) -> str:
    text = _value_text(value, level + 1)
    heading = "#" * level
    return f"{heading} {name}\n\n{text}" if "\n" in text else f"{heading} {name}: {text}"


def _value_text(value: Any, level: int) -> str:
    if isinstance(value, BaseModel):
        return structure_text(value.model_dump(), level)
    if isinstance(value, Mapping):
        return structure_text(cast("Mapping[str, Any]", value), level)
    if isinstance(value, list | tuple):
        return "\n".join(_list_item_text(item, level) for item in cast("Iterable[Any]", value))
    return str(value)


def _list_item_text(item: Any, level: int) -> str:
    lines = [line for line in _value_text(item, level).split("\n") if line]
    if not lines:
        return "- "
    return "\n".join([f"- {lines[0]}", *(f"  {line}" for line in lines[1:])])


def iso_time(time: str) -> str:
    """A time of day in ISO form with its seconds (``10:30`` is ``10:30:00``); a text that is no ISO time as is."""
    import datetime as dt

    try:
        return dt.time.fromisoformat(time).isoformat()
    except ValueError:
        return time


class StuffContent(BaseModel):
    """Base of every content model."""

    # defer_build: a content model's validator is built when it is first used, so a command pays only for the
    # natives its bundles use (building the 20 of them at import took ~5 ms of every command's start-up)
    model_config = ConfigDict(extra="forbid", defer_build=True)

    def __str__(self) -> str:
        """How a template prints the content: its fields as headed lines (see :func:`structure_text`)."""
        return structure_text(self.model_dump())

    def markdown_text(self) -> str:
        """How the content prints as an item of a printed list (an image shows as a Markdown image)."""
        return str(self)


class TextContent(StuffContent):
    """A text."""

    text: str

    def __str__(self) -> str:
        return self.text
