"""The ``[limits]`` in force: per run when a caller sets them, else the booted configuration's.

A bundle is untrusted input, so the work it may ask for is bounded (``docs/security.md``, "Limits"):
list sizes, batch fan-out and template renders here; the runner API adds a deadline and a memory
ceiling per run (``pipelex/api/isolation.py``). The limits travel in a context variable, so every
task a run starts sees the limits of that run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from pipelex.errors import LimitExceededError

if TYPE_CHECKING:
    from pipelex.config.settings import LimitsConfig

_ACTIVE: ContextVar[LimitsConfig | None] = ContextVar("pipelex_limits", default=None)


def active_limits() -> LimitsConfig:
    """The limits of the run in progress, else those of the configuration."""
    chosen = _ACTIVE.get()
    if chosen is not None:
        return chosen
    from pipelex.boot import Pipelex

    return Pipelex.config().limits


@contextmanager
def limits_applied(limits: LimitsConfig) -> Iterator[LimitsConfig]:
    """Use ``limits`` for what runs inside (and every task started inside)."""
    token = _ACTIVE.set(limits)
    try:
        yield limits
    finally:
        _ACTIVE.reset(token)


def check_list_size(count: int, *, what: str, pipe_code: str | None = None) -> None:
    """Refuse a list of ``count`` items past ``[limits] max_batch_items`` (raise :class:`LimitExceededError`)."""
    maximum = active_limits().max_batch_items
    if count > maximum:
        where = f"pipe {pipe_code!r}: " if pipe_code else ""
        raise LimitExceededError(
            f"{where}{what} has {count} items, more than the {maximum} this server allows "
            f"([limits] max_batch_items in pipelex.toml): split the work or raise the limit",
            limit="max_batch_items",
            pipe_code=pipe_code,
        )
