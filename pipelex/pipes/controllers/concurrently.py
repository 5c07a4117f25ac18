"""Running sub-pipes concurrently (batch items, parallel branches) with the failure of a sub-pipe kept whole."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from pipelex.narrowing import is_exception_group

T = TypeVar("T")


async def run_all(coroutines: list[Coroutine[Any, Any, T]]) -> list[T]:
    """Await every coroutine concurrently; results in order. When one fails, the others are cancelled and its
    own exception propagates (the pipe error naming the sub-pipe that failed), not the task group's wrapper."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(coroutine) for coroutine in coroutines]
    except BaseExceptionGroup as failed:
        raise first_failure(failed) from None
    return [task.result() for task in tasks]


def first_failure(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first exception in ``group`` (depth first) that is not a cancellation, else the first one."""
    for exc in group.exceptions:
        inner = first_failure(exc) if is_exception_group(exc) else exc
        if not isinstance(inner, asyncio.CancelledError):
            return inner
    return group.exceptions[0]
