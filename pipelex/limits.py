"""Checks of the ``[limits]`` of a run (``RunSettings.limits``).

A bundle is untrusted input, so the work it may ask for is bounded (``docs/security.md``, "Limits"):
list sizes, batch fan-out and template renders here; the runner API adds a deadline and a memory
ceiling per run (``pipelex/api/isolation.py``). The limits travel with the run, in its settings (to
Temporal workers in the workflow input): each check is handed the limits of the run it guards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelex.errors import LimitExceededError

if TYPE_CHECKING:
    from pipelex.config.settings import LimitsConfig


def check_list_size(count: int, limits: LimitsConfig, *, what: str, pipe_code: str | None = None) -> None:
    """Refuse a list of ``count`` items past ``limits.max_batch_items`` (raise :class:`LimitExceededError`)."""
    maximum = limits.max_batch_items
    if count > maximum:
        where = f"pipe {pipe_code!r}: " if pipe_code else ""
        raise LimitExceededError(
            f"{where}{what} has {count} items, more than the {maximum} this server allows "
            f"([limits] max_batch_items in pipelex.toml): split the work or raise the limit",
            limit="max_batch_items",
            pipe_code=pipe_code,
        )
