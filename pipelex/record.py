"""Small value classes written out by hand: what ``@dataclass`` would generate, without its cost at import.

``@dataclass`` writes the source of ``__init__``, ``__repr__``, ``__eq__`` (and ``__setattr__``, ``__hash__`` when
frozen) and compiles it with ``exec`` when the class is created, in every process: 2 to 4 M instructions a class,
about 0.5 ms, so the few dozen records a ``validate`` imports cost a tenth of the command. A :class:`Record`
spells its ``__init__`` out in its own source (compiled once, into the byte-code cache) and names its fields in
``FIELDS``, from which this base derives what a dataclass would: the ``repr``, equality between two records of
the same class (the fields compared in order, as a tuple), and :func:`replace`. :class:`FrozenRecord` adds the
hash of the fields, as ``@dataclass(frozen=True)`` does. Nothing stops an assignment to a frozen record at run
time (the dataclass's guard made every ``__init__`` slower too); none is made, and a test compares both kinds of
record with the dataclasses they replace.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

R = TypeVar("R", bound="Record")


class Record:
    """A class whose fields are ``FIELDS``, set by its own ``__init__``: repr and equality as a dataclass's.

    ``COMPARED`` names the fields equality and hash read when some are left out (a dataclass's
    ``field(compare=False)``); by default, every field.
    """

    __slots__ = ()
    FIELDS: ClassVar[tuple[str, ...]] = ()
    COMPARED: ClassVar[tuple[str, ...] | None] = None
    # a mutable record is unhashable, as a dataclass with ``eq=True`` and no ``frozen``
    __hash__ = None  # pyright: ignore[reportAssignmentType]

    def _compared(self) -> tuple[object, ...]:
        names = self.FIELDS if self.COMPARED is None else self.COMPARED
        return tuple([getattr(self, name) for name in names])

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{type(self).__qualname__}({values})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            assert isinstance(other, Record)
            return self._compared() == other._compared()
        return NotImplemented


class FrozenRecord(Record):
    """A record nobody assigns to after ``__init__``: hashable by its compared fields."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._compared())


def replace(record: R, /, **changes: object) -> R:
    """A copy of ``record`` with ``changes`` (as :func:`dataclasses.replace`: an unknown name is a TypeError)."""
    values: dict[str, object] = {name: getattr(record, name) for name in record.FIELDS}
    values.update(changes)
    return type(record)(**values)
