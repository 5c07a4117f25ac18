"""Stuff (a named, typed value), Absence (a recorded missing optional value) and the working memory."""

import base64
import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipelex.concepts.natives import StuffContent, constructed, is_list_content

MAIN_STUFF = "main_stuff"


_CODES_PER_READ = 819  # 3 KB of random bytes: 4,096 url-safe characters, 819 codes of 5
_codes: list[str] = []


def new_stuff_code() -> str:
    """A short random id for a stuff: 5 url-safe characters (30 bits) from the system's random source, as
    ``secrets.token_urlsafe(4)[:5]`` gives.

    A batch makes two stuffs per item: the random bytes are read 3 KB at a time rather than a syscall each (and
    ``list.pop`` hands each code out once, across threads too).
    """
    try:
        return _codes.pop()
    except IndexError:
        text = base64.urlsafe_b64encode(os.urandom(3 * 1024)).decode("ascii")
        _codes.extend(text[i : i + 5] for i in range(0, 5 * _CODES_PER_READ, 5))
        return _codes.pop()


def _forget_codes() -> None:  # a forked process must not hand out its parent's next codes
    _codes.clear()


os.register_at_fork(after_in_child=_forget_codes)


class Stuff(BaseModel):
    """A named value of a concept in working memory."""

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    stuff_code: str = Field(default_factory=new_stuff_code)
    stuff_name: str
    concept: str
    content: StuffContent

    def __repr__(self) -> str:
        # kept short: stuffs may hold thousands of items and reprs show up in asyncio and logs
        return f"Stuff({self.stuff_name!r}, {self.concept})"

    @classmethod
    def of(cls, name: str, concept: str, content: StuffContent, *, stuff_code: str | None = None) -> "Stuff":
        """A stuff of values known valid (a content model, a concept ref): built as ``model_construct`` does,
        without validating or its generic per-field work. The runtime makes several per pipe run (a batch item,
        an output), so this is the cheap way; ``Stuff(...)`` validates what comes from outside."""
        values: dict[str, Any] = {"stuff_code": stuff_code or new_stuff_code(), "stuff_name": name}
        values["concept"] = concept
        values["content"] = content
        return constructed(cls, values, _STUFF_FIELDS if cls is Stuff else None)

    def named(self, name: str) -> "Stuff":
        """This stuff under another name (itself when the name is the same: contents are never changed)."""
        if name == self.stuff_name:
            return self
        return Stuff.of(name, self.concept, self.content, stuff_code=self.stuff_code)

    @property
    def is_list(self) -> bool:
        """True when the content is a list of items."""
        return is_list_content(self.content)

    def content_json(self) -> Any:
        """The content as plain JSON data (``model_dump(mode="json")``, its serializer called directly: twice per
        pipe run when the graph records inputs and outputs)."""
        content = self.content
        return content.__pydantic_serializer__.to_python(content, mode="json")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "stuff_code": self.stuff_code,
            "stuff_name": self.stuff_name,
            "concept": self.concept,
            "content": self.content_json(),
        }


# every field of a Stuff: the fields-set the stuffs built by Stuff.of share (see pipelex.prebuilt.constructed)
_STUFF_FIELDS = set(Stuff.__pydantic_fields__)


class Absence(BaseModel):
    """A value that is absent, and why: declared absent (nothing to bind / not given) or skipped (an input was)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    variable_name: str
    kind: str
    reason: str
    producing_pipe: str | None = None
    upstream: "Absence | None" = None

    def to_json(self) -> dict[str, Any]:
        """JSON with the ``absent`` marker on top."""
        return {"absent": True, **self.model_dump(mode="json")}


PipeResult = Stuff | Absence


class WorkingMemory(BaseModel):
    """Named stuffs, aliases (``main_stuff`` points at the latest output) and recorded absences."""

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    root: dict[str, Stuff] = Field(default_factory=dict)
    aliases: dict[str, str] = Field(default_factory=dict)
    absences: dict[str, Absence] = Field(default_factory=dict)

    def __repr__(self) -> str:
        return f"WorkingMemory(<{len(self.root)} stuffs, {len(self.absences)} absences>)"

    @classmethod
    def with_inputs(cls, stuffs: dict[str, Stuff]) -> "WorkingMemory":
        """A memory holding the inputs of a run (``main_stuff`` points at nothing yet)."""
        # built as ``model_construct`` does (its three fields known valid: empty), not validated: once per run
        memory = constructed(cls, {"root": {}, "aliases": {}, "absences": {}})
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
        if type(result) is not Stuff and isinstance(
            result, Absence
        ):  # (a negative isinstance of a model is slow)
            self.root.pop(name, None)
            self.absences[name] = result
        else:
            self.absences.pop(name, None)
            self.root[name] = result.named(name)
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

    def fork(self) -> "WorkingMemory":
        """A copy whose changes do not reach this memory (contents are immutable by convention)."""
        return constructed(
            WorkingMemory,
            {"root": dict(self.root), "aliases": dict(self.aliases), "absences": dict(self.absences)},
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON document saved as working_memory.json."""
        return {
            "root": {name: stuff.to_json() for name, stuff in self.root.items()},
            "aliases": dict(self.aliases),
            "absences": {name: absence.to_json() for name, absence in self.absences.items()},
        }
