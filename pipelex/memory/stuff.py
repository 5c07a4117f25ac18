"""Stuff (a named, typed value), Absence (a recorded missing optional value) and the working memory."""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipelex.concepts.natives import ListContent, StuffContent

MAIN_STUFF = "main_stuff"


def new_stuff_code() -> str:
    """A short random id for a stuff."""
    return secrets.token_urlsafe(4)[:5]


class Stuff(BaseModel):
    """A named value of a concept in working memory."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    stuff_code: str = Field(default_factory=new_stuff_code)
    stuff_name: str
    concept: str
    content: StuffContent

    def __repr__(self) -> str:
        # kept short: stuffs may hold thousands of items and reprs show up in asyncio and logs
        return f"Stuff({self.stuff_name!r}, {self.concept})"

    @property
    def is_list(self) -> bool:
        """True when the content is a list of items."""
        return isinstance(self.content, ListContent)

    def content_json(self) -> Any:
        """The content as plain JSON data."""
        return self.content.model_dump(mode="json")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "stuff_code": self.stuff_code,
            "stuff_name": self.stuff_name,
            "concept": self.concept,
            "content": self.content_json(),
        }


class Absence(BaseModel):
    """A value that is absent, and why: declared absent (nothing to bind / not given) or skipped (an input was)."""

    model_config = ConfigDict(extra="forbid")

    variable_name: str
    kind: str
    reason: str
    producing_pipe: str | None = None
    upstream: Absence | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON with the ``absent`` marker on top."""
        return {"absent": True, **self.model_dump(mode="json")}


PipeResult = Stuff | Absence


class WorkingMemory(BaseModel):
    """Named stuffs, aliases (``main_stuff`` points at the latest output) and recorded absences."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    root: dict[str, Stuff] = Field(default_factory=dict)
    aliases: dict[str, str] = Field(default_factory=dict)
    absences: dict[str, Absence] = Field(default_factory=dict)

    def __repr__(self) -> str:
        return f"WorkingMemory(<{len(self.root)} stuffs, {len(self.absences)} absences>)"

    @classmethod
    def with_inputs(cls, stuffs: dict[str, Stuff]) -> WorkingMemory:
        """A memory holding the inputs of a run (``main_stuff`` points at nothing yet)."""
        memory = cls()
        for name, stuff in stuffs.items():
            memory.store(name, stuff, main=False)
        return memory

    def get(self, name: str) -> Stuff | None:
        """The stuff under ``name`` or an alias of it."""
        found = self.root.get(name)
        if found is None and name in self.aliases:
            found = self.root.get(self.aliases[name])
        return found

    def absence(self, name: str) -> Absence | None:
        """The recorded absence of ``name``, if any."""
        return self.absences.get(name)

    def store(self, name: str, result: PipeResult, *, main: bool = True) -> None:
        """Store a result under ``name`` (a stuff, or an absence) and point ``main_stuff`` at it."""
        if isinstance(result, Absence):
            self.root.pop(name, None)
            self.absences[name] = result
        else:
            self.absences.pop(name, None)
            self.root[name] = result.model_copy(update={"stuff_name": name})
        if main:
            self.aliases[MAIN_STUFF] = name

    @property
    def main_name(self) -> str | None:
        """The name ``main_stuff`` points at."""
        return self.aliases.get(MAIN_STUFF)

    def main_result(self) -> PipeResult | None:
        """The latest output: a stuff or an absence."""
        name = self.main_name
        if name is None:
            return None
        return self.root.get(name) or self.absences.get(name)

    def fork(self) -> WorkingMemory:
        """A copy whose changes do not reach this memory (contents are immutable by convention)."""
        return WorkingMemory(root=dict(self.root), aliases=dict(self.aliases), absences=dict(self.absences))

    def to_json(self) -> dict[str, Any]:
        """The JSON document saved as working_memory.json."""
        return {
            "root": {name: stuff.to_json() for name, stuff in self.root.items()},
            "aliases": dict(self.aliases),
            "absences": {name: absence.to_json() for name, absence in self.absences.items()},
        }
