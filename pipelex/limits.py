"""Checks of the ``[limits]`` of a run (``RunSettings.limits``).

A bundle is untrusted input, so the work it may ask for is bounded (``docs/security.md``, "Limits"):
list sizes, batch fan-out and template renders here; the runner API adds a deadline and a memory
ceiling per run (``pipelex/api/isolation.py``). The limits travel with the run, in its settings (to
Temporal workers in the workflow input): each check is handed the limits of the run it guards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelex.errors import LimitExceededError
from pipelex.record import Record

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


class RunCounts(Record):
    """What one run has made so far, shared by every context of the run (``RunContext.run_counts``): the list items
    its pipes have output (against ``[limits] max_run_items``) and its pipe runs (``max_pipe_runs``)."""

    __slots__ = ("list_items", "pipe_runs")
    FIELDS = ("list_items", "pipe_runs")

    def __init__(self, list_items: int = 0, pipe_runs: int = 0) -> None:
        self.list_items = list_items
        self.pipe_runs = pipe_runs


def count_run_items(
    count: int, limits: LimitsConfig, run_counts: RunCounts, *, pipe_code: str | None = None
) -> None:
    """Add a list output of ``count`` items to its run's count (``run_counts``: every context of the run shares it);
    refuse past ``[limits] max_run_items`` (raise :class:`LimitExceededError`).

    Each batch and each list is bounded by ``max_batch_items``, but batches nested in batches multiply: three
    levels of 1,000 make a billion items from a 1 KB bundle (a dry run took all the machine's memory). The run's
    items together are bounded here, wherever they are made (a leaf, a batch assembling its branches' outputs).
    """
    run_counts.list_items += count
    maximum = run_items_bound(limits)
    if run_counts.list_items > maximum:
        where = f"pipe {pipe_code!r}: " if pipe_code else ""
        raise LimitExceededError(
            f"{where}the run's pipes have output more than {maximum:,} list items in all ([limits] max_run_items "
            "in pipelex.toml): nested batches multiply their lists; batch over fewer items or raise the limit",
            limit="max_run_items",
            pipe_code=pipe_code,
        )


def count_pipe_run(limits: LimitsConfig, run_counts: RunCounts, *, pipe_code: str) -> None:
    """Count one pipe run of its run (``run_counts``); refuse past ``[limits] max_pipe_runs`` (raise
    :class:`LimitExceededError`).

    A pipe may call the same pipe twice, which calls another twice, ...: forty such sequences (6 KB) make 2^40 pipe
    runs, each under every other bound (the stack is 40 deep, no list is long): a dry run computed for days, its
    graph taking the machine's memory (~6 KB a pipe run). The pipe runs of one run are bounded here, as each starts.
    """
    run_counts.pipe_runs += 1
    maximum = pipe_runs_bound(limits)
    if run_counts.pipe_runs > maximum:
        raise LimitExceededError(
            f"pipe {pipe_code!r}: the run has made more than {maximum:,} pipe runs ([limits] max_pipe_runs in "
            "pipelex.toml): pipes that call pipes several times multiply their runs; call fewer or raise the limit",
            limit="max_pipe_runs",
            pipe_code=pipe_code,
        )


def run_items_bound(limits: LimitsConfig) -> int:
    """``[limits] max_run_items``, by default 25 times ``max_batch_items`` (raising the one raises the other)."""
    return limits.max_run_items if limits.max_run_items is not None else 25 * limits.max_batch_items


def pipe_runs_bound(limits: LimitsConfig) -> int:
    """``[limits] max_pipe_runs``, by default 10 times ``max_batch_items`` (raising the one raises the other)."""
    return limits.max_pipe_runs if limits.max_pipe_runs is not None else 10 * limits.max_batch_items
