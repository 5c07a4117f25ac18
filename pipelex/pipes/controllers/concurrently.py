"""Running sub-pipes concurrently (batch items, parallel branches) with the failure of a sub-pipe kept whole.

In a run that runs inline (:mod:`pipelex.pipes.inline`: no event loop), the same helpers run the sub-pipes one
after the other, in asyncio's order.
"""

from __future__ import annotations

import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

from pipelex.narrowing import is_exception_group
from pipelex.pipes.inline import inline_all, is_inline

T = TypeVar("T")


async def run_all(coroutines: list[Coroutine[Any, Any, T]]) -> list[T]:
    """Await every coroutine concurrently; results in order. When one fails, the others are cancelled and its
    own exception propagates (the pipe error naming the sub-pipe that failed), not the task group's wrapper."""
    if is_inline():
        return inline_all(coroutines)
    import asyncio

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(coroutine) for coroutine in coroutines]
    except BaseExceptionGroup as failed:
        raise first_failure(failed) from None
    return [task.result() for task in tasks]


async def gather(coroutines: list[Coroutine[Any, Any, T]]) -> list[T]:
    """``asyncio.gather`` of ``coroutines``: every one runs; the first failure propagates."""
    if is_inline():
        return inline_all(coroutines)
    import asyncio

    return list(await asyncio.gather(*coroutines))


def first_failure(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first exception in ``group`` (depth first) that is not a cancellation, else the first one."""
    asyncio = sys.modules.get("asyncio")  # a cancellation exists only once asyncio is loaded
    cancelled: type[BaseException] | None = asyncio.CancelledError if asyncio is not None else None
    for exc in group.exceptions:
        inner = first_failure(exc) if is_exception_group(exc) else exc
        if cancelled is None or not isinstance(inner, cancelled):
            return inner
    return group.exceptions[0]
