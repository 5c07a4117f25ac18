"""The budget of one template render (steps and sizes, from ``[limits]``), without Jinja2.

:mod:`pipelex.pipes.sandbox` enforces it inside Jinja2's sandbox; the renderer of sigil templates
(:mod:`pipelex.pipes.rendering`), which needs no Jinja2, counts against the same budget.
"""

from __future__ import annotations

from collections.abc import Sized
from contextvars import ContextVar
from typing import Any, cast

from pipelex.errors import TemplateBudgetExceeded
from pipelex.record import Record

MAX_INT_BITS = 100_000
BUILT_FACTOR = 64
"""What a render may build in all, in units of ``template_max_output_chars``: each value stays under that limit,
and the values built while rendering (texts, lists, each new one counted once: a character a unit, a list's item
``_ITEM_UNITS``) stay under this many times it together. Without it 100,000 appends of texts just under the limit
to one list (a step each) kept 100 GB; with it a render holds a few hundred MB at most, while accumulating a text
or a list in a loop (``ns.x = ns.x ~ y``) stays well within it."""
_ITEM_UNITS = 8  # a list's item is a reference of 8 bytes, and often an object of its own


class RenderBudget(Record):
    """What one render may still do (a :class:`~pipelex.record.Record`: no dataclass to create at import)."""

    __slots__ = ("max_steps", "max_chars", "steps", "output_chars", "built")
    FIELDS = ("max_steps", "max_chars", "steps", "output_chars", "built")

    def __init__(
        self, max_steps: int, max_chars: int, steps: int = 0, output_chars: int = 0, built: int = 0
    ) -> None:
        self.max_steps = max_steps
        self.max_chars = max_chars
        self.steps = steps
        self.output_chars = output_chars
        self.built = built

    def step(self, count: int = 1) -> None:
        """Take ``count`` steps; raise past the budget."""
        self.steps += count
        if self.steps > self.max_steps:
            raise TemplateBudgetExceeded(
                f"the template did more than {self.max_steps} steps (loop iterations and calls) "
                "([limits] template_max_steps in pipelex.toml): simplify the template, loop over less, "
                "or raise the limit",
                limit="template_max_steps",
            )

    def size(self, size: int, what: str = "a value") -> None:
        """Refuse a text or list of ``size`` characters/items past the size budget."""
        if size > self.max_chars:
            raise TemplateBudgetExceeded(
                f"the template built {what} of {size} characters or items, more than the {self.max_chars} "
                "allowed ([limits] template_max_output_chars in pipelex.toml): build less text, or raise the limit",
                limit="template_max_output_chars",
            )

    def measure(self, value: Any, what: str = "a value") -> Any:
        """Check the size of a text, list or mapping (other values pass); return ``value``."""
        self._check_size(value, what)
        return value

    def build(self, value: object, what: str = "a value") -> Any:
        """Check a value the render just built (a result: of an operator, a filter, a method, a concatenation) like
        :meth:`measure`, and count it in what the render built in all (see :data:`BUILT_FACTOR`); return it."""
        result: Any = value
        if isinstance(value, str | bytes):
            self.size(len(value), what)
            self.spend(len(value))
        elif isinstance(value, list | tuple | dict | set | frozenset):
            length = len(cast(Sized, value))
            self.size(length, what)
            self.spend(length * _ITEM_UNITS)
        else:
            self._check_size(value, what)
        return result

    def spend(self, units: int) -> None:
        """Count ``units`` (characters; a list's item :data:`_ITEM_UNITS`) in what the render built in all: values
        it keeps, and copies a filter makes as it works (the lowercased texts ``unique`` compares); raise past
        :data:`BUILT_FACTOR` times the size limit."""
        self.built += units
        if self.built > self.max_chars * BUILT_FACTOR:
            raise TemplateBudgetExceeded(
                f"the template built more than {self.max_chars * BUILT_FACTOR} characters (a list's item counting "
                f"{_ITEM_UNITS}) in all while rendering, {BUILT_FACTOR} times [limits] template_max_output_chars "
                f"({self.max_chars}): build fewer or smaller texts and lists, or raise the limit",
                limit="template_max_output_chars",
            )

    def _check_size(self, value: object, what: str) -> None:
        if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
            self.size(len(cast(Sized, value)), what)  # the item types do not matter to a length
        elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
            self.too_big_int()

    def output(self, chunk: str) -> None:
        """Count rendered output."""
        self.output_chars += len(chunk)
        self.size(self.output_chars, "an output")

    def too_big_int(self) -> None:
        raise TemplateBudgetExceeded(
            f"the template computed a number of more than {MAX_INT_BITS} bits (a fixed bound): templates do not do "
            "big arithmetic; compute it in a PipeFunc",
            limit="template_max_int_bits",
        )


BUDGET: ContextVar[RenderBudget | None] = ContextVar("pipelex_render_budget", default=None)


def current_budget() -> RenderBudget | None:
    """The budget of the render in progress (None outside a render)."""
    return BUDGET.get()


def set_budget(budget: RenderBudget | None) -> Any:
    """Make ``budget`` the current one; returns the token to reset it with."""
    return BUDGET.set(budget)


def reset_budget(token: Any) -> None:
    BUDGET.reset(token)


def sized(value: Any) -> Any:
    """Check the size of a printed value against the current render's budget (the sandbox's size filter)."""
    budget = BUDGET.get()
    return value if budget is None else budget.measure(value, "a text")


def built(value: Any) -> Any:
    """Check and count a text a concatenation built (``~``: the sandbox's filter on concatenations)."""
    budget = BUDGET.get()
    return value if budget is None else budget.build(value, "a text")


class WorkMeter(Record):
    """The template work of the renders run while it is the current meter (:data:`METER`): their steps, plus their
    output and the values they built in characters. Deterministic (the same inputs render in the same steps), so
    workflow code may decide on it: the Temporal router ends a workflow task once its inline pipes did so much
    work (:mod:`pipelex.backends.temporal.router`). Where those turns fall depends on how renders count steps and
    characters: a change to the counting needs a new ``INLINE_TURNS_PATCH`` id there, or a workflow in flight
    replays its turns elsewhere."""

    __slots__ = ("steps", "chars")
    FIELDS = ("steps", "chars")

    def __init__(self, steps: int = 0, chars: int = 0) -> None:
        self.steps = steps
        self.chars = chars


METER: ContextVar[WorkMeter | None] = ContextVar("pipelex_work_meter", default=None)


def charge(budget: RenderBudget) -> None:
    """Add what the render of ``budget`` did to the current meter, if any (a render outside one is not metered)."""
    meter = METER.get()
    if meter is not None:
        meter.steps += budget.steps
        meter.chars += budget.output_chars + budget.built
