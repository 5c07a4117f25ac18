"""Mocks that validate against their content model: choices honoured, required fields filled, right types."""

from __future__ import annotations

import datetime as dt
import random
import string
import types
import typing
from typing import Any, Literal, cast

from pydantic import BaseModel, ValidationError

from pipelex.concepts import natives
from pipelex.concepts.natives import StuffContent, TextContent, native_name, text_content
from pipelex.errors import MockUnsatisfiableError

DRY_IMAGE_URL = "https://placeholder.pipelex.invalid/dry-run-image.png"
DRY_DOCUMENT_URL = "https://placeholder.pipelex.invalid/dry-run-document.pdf"
_MAX_DEPTH = 8
_SHALLOW_DEPTH = (
    4  # past it, optional fields are left empty and lists hold no items: self-nesting concepts end
)


# A structure's mock grows as the product of its widths: 30 list fields of a concept of 30 list fields, four levels
# down, is 3 x 30 x 3 x 30 x ... values (a dry run took 3 minutes and wrote 1.3 GB). Past this many values, lists
# of structures hold no items and optional fields stay empty (as past _SHALLOW_DEPTH); past twice as many (only
# required fields left to fill), the mock is refused.
MOCK_VALUES_BUDGET = 100_000

_LETTERS = string.ascii_lowercase


class _Budget:
    """The values a mock may still build (one per value, nested ones included)."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MOCK_VALUES_BUDGET

    @property
    def spent(self) -> bool:
        return self.left <= 0


def rng_for(label: str) -> random.Random:
    """A deterministic random source per label, so dry runs are reproducible."""
    return random.Random(label)


def random_word(rng: random.Random, length: int = 12) -> str:
    """A random lowercase word."""
    if type(rng) is not random.Random:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(length))
    # the letters ``rng.choice`` picks (``Random._randbelow_with_getrandbits``: 5 bits, redrawn past 25), drawn
    # without its per-letter calls: every dry run mocks text with these words
    getrandbits = rng.getrandbits
    letters: list[str] = []
    for _ in range(length):
        index = getrandbits(5)
        while index >= 26:
            index = getrandbits(5)
        letters.append(_LETTERS[index])
    return "".join(letters)


def mock_content(
    model: type[StuffContent], *, label: str, nb_list_items: int = 3, rng: random.Random | None = None
) -> StuffContent:
    """An instance of ``model`` filled with mock data that passes its validation."""
    rng = rng or rng_for(label)
    special = _special_native(model, label, rng)
    if special is not None:
        return special
    data = _mock_fields(model, label, nb_list_items, rng, 0, _Budget())
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise MockUnsatisfiableError(
            f"cannot build a dry-run mock of {model.__name__} that passes its validation: "
            f"{exc.errors()[0].get('msg')} at {exc.errors()[0].get('loc')}; check the "
            "concept's constraints (choices, types, defaults)"
        ) from exc


def _special_native(model: type[BaseModel], label: str, rng: random.Random) -> StuffContent | None:
    if model is TextContent:  # a str: made as its validation makes it, without running it (a mock per pipe)
        return text_content(f"DRY RUN: mock text for {label} ({random_word(rng, 8)})")
    match native_name(model):  # the other natives' classes are made on first use: none is made here
        case "ImageContent":
            return natives.ImageContent(
                url=DRY_IMAGE_URL,
                mime_type="image/png",
                width=1024,
                height=1024,
                caption=f"dry-run image for {label}",
            )
        case "DocumentContent":
            return natives.DocumentContent(
                url=DRY_DOCUMENT_URL, mime_type="application/pdf", filename=f"{label}.pdf"
            )
        case "PageContent":
            return natives.PageContent(
                text_and_images=natives.TextAndImagesContent(text=TextContent(text="DRY RUN: page text"))
            )
        case "JSONContent":
            return natives.JSONContent(json_obj={"dry_run": True, "pipe": label})
        case "DateContent":
            return natives.DateContent(date=dt.date(2026, 1, 1 + rng.randrange(28)).isoformat())
        case "TimeContent":
            return natives.TimeContent(time=f"{rng.randrange(24):02d}:{rng.randrange(60):02d}")
        case "SearchResultContent":
            return natives.SearchResultContent(
                answer=f"DRY RUN: mock search answer for {label}",
                sources=[
                    natives.DocumentContent(
                        url=f"https://placeholder.pipelex.invalid/source-{i}",
                        title=f"Source {i}",
                        snippet="dry-run source",
                    )
                    for i in range(1, 4)
                ],
            )
        case "AnythingContent" | "DynamicContent" | "CompositeContent":
            return cast("StuffContent", model.model_validate({"dry_run": True}))
        case _:
            return None


def _mock_fields(
    model: type[BaseModel], label: str, n: int, rng: random.Random, depth: int, budget: _Budget
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        data[name] = _mock_value(info.annotation, f"{label}.{name}", n, rng, depth + 1, budget)
    return data


def _concept_name(model: type[BaseModel]) -> str:
    """``domain.Code`` of a compiled content model (named ``domain__Code``), else the class's name."""
    domain, _, code = model.__name__.rpartition("__")
    return f"{domain}.{code}" if domain else model.__name__


def _mock_value(annotation: Any, label: str, n: int, rng: random.Random, depth: int, budget: _Budget) -> Any:
    if depth > _MAX_DEPTH:
        raise MockUnsatisfiableError(f"cannot mock {label!r}: the concept nests itself too deeply")
    budget.left -= 1
    shallow = depth >= _SHALLOW_DEPTH or budget.spent
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        non_none = [a for a in args if a is not type(None)]
        if not non_none or (len(non_none) < len(args) and shallow):
            return None
        return _mock_value(non_none[0], label, n, rng, depth, budget)
    if origin is Literal:
        return args[rng.randrange(len(args))]
    if origin is list:
        item = args[0] if args else str
        if shallow and isinstance(item, type) and issubclass(item, BaseModel):
            return []
        return [_mock_value(item, f"{label}[{i}]", n, rng, depth, budget) for i in range(n)]
    if origin is dict:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        special = _special_native(annotation, label, rng)
        if special is not None:
            return special.model_dump()
        if budget.left <= -MOCK_VALUES_BUDGET:
            raise MockUnsatisfiableError(
                f"cannot mock {label!r}: the structure of concept {_concept_name(annotation)!r} holds more than "
                f"{2 * MOCK_VALUES_BUDGET:,} required values once its nested concepts are filled (required "
                "concept fields inside each other, each multiplying the size): make nested fields optional "
                "or flatten the structure"
            )
        return _mock_fields(annotation, label, n, rng, depth, budget)
    if annotation is str:
        return f"mock {label.rpartition('.')[2]} {random_word(rng, 6)}"
    if annotation is bool:
        return rng.random() < 0.5
    if annotation is int:
        return rng.randrange(1, 100)
    if annotation is float:
        return round(rng.uniform(1, 100), 2)
    if annotation is dt.date:
        return dt.date(2026, 1, 1 + rng.randrange(28)).isoformat()
    if annotation is dt.datetime:
        return dt.datetime(2026, 1, 1 + rng.randrange(28), 12, 0).isoformat()
    if annotation is dt.time:
        return dt.time(rng.randrange(24), rng.randrange(60)).isoformat()
    if annotation is Any or annotation is None:
        return f"mock {label}"
    if annotation in (int | float, float | int):
        return rng.randrange(1, 100)
    return f"mock {label}"
