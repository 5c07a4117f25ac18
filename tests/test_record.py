"""Records behave as the dataclasses they replace: repr, equality, hash, ``replace``; every record's ``FIELDS``
names exactly the parameters of its ``__init__`` and the attributes it sets."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from typing import Any

import pytest

import pipelex
from pipelex.record import FrozenRecord, Record, replace


class Point(FrozenRecord):
    x: int
    y: int
    label: str

    FIELDS = ("x", "y", "label")
    COMPARED = ("x", "y")

    def __init__(self, x: int, y: int = 0, label: str = "") -> None:
        self.x = x
        self.y = y
        self.label = label


@dataclasses.dataclass(frozen=True)
class DataPoint:
    x: int
    y: int = 0
    label: str = dataclasses.field(default="", compare=False)


class Box(Record):
    __slots__ = ("items", "size")
    FIELDS = ("items", "size")

    def __init__(self, items: list[int] | None = None, size: int = 0) -> None:
        self.items = [] if items is None else items
        self.size = size


@dataclasses.dataclass(slots=True)
class DataBox:
    items: list[int] = dataclasses.field(default_factory=lambda: [])
    size: int = 0


@pytest.mark.parametrize(
    ("a", "b", "c"),
    [
        ((1, 2, "p"), (1, 2, "q"), (1, 3, "p")),
        ((0, 0, ""), (0, 0, "x"), (5, 0, "")),
    ],
    ids=["with_labels", "zeros"],
)
def test_a_frozen_record_is_a_frozen_dataclass(
    a: tuple[int, int, str], b: tuple[int, int, str], c: tuple[int, int, str]
) -> None:
    ra, rb, rc = Point(*a), Point(*b), Point(*c)
    da, db, dc = DataPoint(*a), DataPoint(*b), DataPoint(*c)
    assert repr(ra).replace("Point", "DataPoint") == repr(da)
    assert (ra == rb) is (da == db)
    assert (ra == rc) is (da == dc)
    assert (hash(ra) == hash(rb)) is (hash(da) == hash(db))
    assert len({ra, rb, rc}) == len({da, db, dc})
    assert ra != da  # another class: never equal, as two dataclasses of different classes
    assert ra.__eq__(object()) is NotImplemented


def test_a_mutable_record_is_a_dataclass() -> None:
    r, d = Box(), DataBox()
    assert repr(r).replace("Box", "DataBox") == repr(d)
    assert Box([1], 2) == Box([1], 2)
    assert Box([1], 2) != Box([1], 3)
    assert Box().items is not Box().items  # a fresh default each time, as default_factory
    with pytest.raises(TypeError):
        hash(r)
    with pytest.raises(TypeError):
        hash(d)
    with pytest.raises(AttributeError):
        r.other = 1  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue]


def test_replace_is_dataclasses_replace() -> None:
    moved = replace(Point(1, 2, "a"), y=5)
    assert (moved.x, moved.y, moved.label) == (1, 5, "a")
    assert type(moved) is Point
    with pytest.raises(TypeError):
        replace(Point(1), z=3)
    with pytest.raises(TypeError):
        dataclasses.replace(DataPoint(1), z=3)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]


def _records() -> list[type[Record]]:
    for info in pkgutil.walk_packages(pipelex.__path__, "pipelex."):
        if info.name.startswith(
            ("pipelex.backends.temporal", "pipelex.api", "pipelex.mcp", "pipelex.testing")
        ):
            continue
        importlib.import_module(info.name)
    found: list[type[Record]] = []
    todo: list[type[Any]] = [Record]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("pipelex.") and sub is not FrozenRecord:
                found.append(sub)
    return found


RECORDS = _records()


def test_records_are_found() -> None:
    names = {f"{r.__module__}.{r.__qualname__}" for r in RECORDS}
    assert {
        "pipelex.config.deck.ModelDeck",
        "pipelex.pipes.context.RunContext",
        "pipelex.concepts.paths.Var",
    } <= names


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: f"{r.__module__}.{r.__qualname__}")
def test_fields_are_the_init_parameters(record: type[Record]) -> None:
    params = [p for p in inspect.signature(record.__init__).parameters if p != "self"]
    assert tuple(params) == record.FIELDS, (
        f"{record.__qualname__}.FIELDS must list its __init__ parameters in order"
    )
    if record.COMPARED is not None:
        assert set(record.COMPARED) <= set(record.FIELDS)
    # every field is set by __init__, and nothing else is (source check: `self.<name> =` for each field)
    source = inspect.getsource(record.__init__)
    for name in record.FIELDS:
        assert f"self.{name} = " in source, f"{record.__qualname__}.__init__ does not set {name!r}"
