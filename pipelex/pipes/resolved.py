"""A pipe's inputs once resolved from working memory: the stuffs present, the optional ones absent, and how
templates see them. What every pipe kind's runner receives (:mod:`pipelex.pipes.kinds`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pipelex.concepts.natives import ContentList, ListContent, StoredListContent, is_list_content
from pipelex.errors import PipeRunError
from pipelex.memory.stuff import Absence, Stuff
from pipelex.narrowing import is_dict, is_json_object
from pipelex.pipes.rendering import StuffMetadata
from pipelex.record import Record


class ResolvedInputs(Record):
    """A pipe's inputs: present stuffs, and the optional ones that are absent."""

    stuffs: dict[str, Stuff]
    absent: dict[str, Absence]

    FIELDS = ("stuffs", "absent")

    def __init__(self, stuffs: dict[str, Stuff], absent: dict[str, Absence]) -> None:
        self.stuffs = stuffs
        self.absent = absent

    def template_context(self) -> dict[str, Any]:
        """Names to contents for templates (lists as :class:`ContentList`, Python lists that print as the language
        prints a list; absent names left out)."""
        context: dict[str, Any] = {}
        for name, stuff in self.stuffs.items():
            listed = is_list_content(stuff.content)
            if listed and isinstance(stuff.content, StoredListContent):
                raise PipeRunError(
                    f"the list {name!r} ({stuff.content.count} items) is kept by reference here and was not read "
                    "back before this pipe used its items: a bug of the backend, please report it",
                    error_type="internal_error",
                )
            value: Any = (
                ContentList(stuff.content.items, bulleted=stuff.concept == "native.Text")
                if listed and isinstance(stuff.content, ListContent)
                else stuff.content
            )
            if "." in name:
                _nest(context, name.split("."), value)
            else:  # most inputs: a plain name (no list made by splitting it)
                context[name] = value
        return context

    def template_metadata(self, context: dict[str, Any]) -> Mapping[int, StuffMetadata]:
        """What ``x._stuff_name`` (and siblings) answer for each input value of ``context``: worked out when a
        template first reads one (most never do: a batch item's ``Label: $note`` renders without it)."""
        return _InputMetadata(self.stuffs, context)


class _InputMetadata(Mapping[int, StuffMetadata]):
    """``id(value)`` of each input value of a template context to its metadata, built at the first read."""

    __slots__ = ("_context", "_stuffs", "_table")

    def __init__(self, stuffs: dict[str, Stuff], context: dict[str, Any]) -> None:
        self._stuffs = stuffs
        self._context = context
        self._table: dict[int, StuffMetadata] | None = None

    def _built(self) -> dict[int, StuffMetadata]:
        if self._table is None:
            table: dict[int, StuffMetadata] = {}
            for name, stuff in self._stuffs.items():
                value: object = self._context
                for part in name.split("."):
                    value = value.get(part) if is_dict(value) else None
                if value is not None:
                    table[id(value)] = StuffMetadata(
                        stuff_name=name,
                        concept_code=stuff.concept,
                        content_class=type(stuff.content).__name__,
                        stuff_code=stuff.stuff_code,
                    )
            self._table = table
        return self._table

    def __getitem__(self, key: int) -> StuffMetadata:
        return self._built()[key]

    def __iter__(self) -> Iterator[int]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())


def _nest(context: dict[str, Any], parts: list[str], value: Any) -> None:
    if len(parts) == 1:
        context[parts[0]] = value
        return
    fresh: dict[str, Any] = {}
    holder = context.setdefault(parts[0], fresh)
    if is_json_object(holder):  # a template context: keys are names
        _nest(holder, parts[1:], value)
