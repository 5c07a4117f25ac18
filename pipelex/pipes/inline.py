"""Running a coroutine *inline*: to its end in this thread, without an event loop and without importing asyncio.

A run normally runs in an asyncio event loop. A run whose coroutines never wait on anything (the in-process
dry-run sweep of ``validate``: every leaf is a mock) can instead run inline (:func:`run_inline`), which spares a
small command asyncio's import (about a tenth of its start-up). The concurrency helpers
(:mod:`pipelex.pipes.controllers.concurrently`) and the run-wide bound (:func:`bound`) then keep asyncio's order
exactly: tasks that never wait run one after the other in the order they were created, each to its end and in its
own copy of the context, before their group learns of any failure.

Exactness has a limit: a group whose task itself runs a group (a batch inside a batch, a parallel of batches)
suspends that task in asyncio, and the loop then starts the task's later siblings before the inner group's tasks.
Inline, that nested group raises :class:`InlineNeedsLoop` before it runs anything, and the caller runs the whole
coroutine again in an event loop (:func:`run_inline` takes a factory for this).

A run driven inline is interrupted through a :class:`StopRequest` (:func:`try_inline`): the caller's signal handler
only records the request, and the run raises ``KeyboardInterrupt`` when its next leaf is about to start (its
bound is entered), as a task cancelled in a loop stops at its next wait: never from inside a pipe's own work.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextvars import ContextVar, copy_context
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

T = TypeVar("T")

_INLINE: ContextVar[bool] = ContextVar("pipelex_inline_run", default=False)
_IN_GROUP: ContextVar[bool] = ContextVar("pipelex_inline_group_task", default=False)
_STOP: ContextVar[StopRequest | None] = ContextVar("pipelex_inline_stop", default=None)


class StopRequest:
    """Asks a run driven inline to stop: set from a signal handler (:meth:`request`); the run raises
    ``KeyboardInterrupt`` when it next enters its bound (a leaf about to start)."""

    __slots__ = ("requested",)

    def __init__(self) -> None:
        self.requested = False

    def request(self) -> None:
        """Stop at the next leaf (safe to call from a signal handler: it only sets a flag)."""
        self.requested = True


class InlineRunSuspended(RuntimeError):
    """A coroutine run inline waited on a future, which only an event loop can resolve: a bug of pipelex (the run
    that called :func:`run_inline` needs asyncio), not of the bundle."""


class InlineNeedsLoop(BaseException):
    """A nested group met inline: only an event loop runs it in asyncio's order (see the module docstring).

    A ``BaseException``, as a cancellation is: the pipes' handlers of failures let it through to :func:`run_inline`.
    """


def run_inline(make: Callable[[], Coroutine[Any, Any, T]], *, on_loop: Callable[[], None] | None = None) -> T:
    """Run the coroutine ``make()`` to its end in this thread without an event loop (see the module docstring), in
    a copy of the current context as ``asyncio.run`` does. If it meets a nested group, ``on_loop()`` undoes what the
    first attempt left behind and a new ``make()`` runs with ``asyncio.run``.

    Raises :class:`InlineRunSuspended` if the coroutine waits on a future.
    """
    try:
        return try_inline(make())
    except InlineNeedsLoop:
        pass
    if on_loop is not None:
        on_loop()
    import asyncio

    return asyncio.run(make())


def try_inline(coroutine: Coroutine[Any, Any, T], *, stop: StopRequest | None = None) -> T:
    """Run ``coroutine`` to its end in this thread without an event loop, in a copy of the current context.

    Raises :class:`InlineNeedsLoop` when it meets a nested group (the caller runs it again in a loop, after undoing
    what this attempt left behind), :class:`InlineRunSuspended` if it waits on a future, and ``KeyboardInterrupt``
    at the first leaf after ``stop`` was requested.
    """
    return copy_context().run(_drive_inline, coroutine, stop)


def _drive_inline(coroutine: Coroutine[Any, Any, T], stop: StopRequest | None) -> T:
    _INLINE.set(True)
    _STOP.set(stop)
    return _drive(coroutine)


def _drive(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        while True:
            waited = coroutine.send(None)
            if waited is not None:  # a future: only a loop can resolve it (a bare yield just lets others run)
                coroutine.close()
                raise InlineRunSuspended(
                    f"a coroutine run without an event loop waited on {type(waited).__name__}: run it with asyncio"
                )
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def _drive_task(coroutine: Coroutine[Any, Any, T]) -> T:
    _IN_GROUP.set(True)
    return _drive(coroutine)


def is_inline() -> bool:
    """Whether the current run runs inline (no event loop)."""
    return _INLINE.get()


def inline_all(coroutines: list[Coroutine[Any, Any, T]]) -> list[T]:
    """Each coroutine to its end, in order, in its own copy of the context taken before any runs (as tasks
    are created, then run); their results in order, or the first failure, raised once every one has run (as a
    task group and ``gather`` raise it).

    Raises :class:`InlineNeedsLoop` (closing the coroutines) when called from one of these tasks: a nested group.
    """
    if _IN_GROUP.get():
        _close(coroutines)
        raise InlineNeedsLoop
    contexts = [copy_context() for _ in coroutines]
    results: list[T] = []
    failure: Exception | None = None
    for index, (coroutine, context) in enumerate(zip(coroutines, contexts, strict=True)):
        try:
            results.append(context.run(_drive_task, coroutine))
        except Exception as exc:  # noqa: BLE001 - kept, raised once every task has run (as in a task group)
            if isinstance(exc, InlineRunSuspended):
                _close(coroutines[index + 1 :])
                raise
            failure = failure or exc
        except BaseException:  # a nested group, an interrupt: the tasks not started never will be
            _close(coroutines[index + 1 :])
            raise
    if failure is not None:
        raise failure
    return results


def _close(coroutines: list[Coroutine[Any, Any, Any]]) -> None:
    for coroutine in coroutines:
        coroutine.close()


def bound(limit: int) -> AbstractAsyncContextManager[Any]:
    """The run-wide bound on leaves in flight: a semaphore of ``limit``; inline, where one leaf runs at a time,
    a bound that never waits (where the run's :class:`StopRequest` is honoured)."""
    if _INLINE.get():
        return _NoWait(_STOP.get())
    import asyncio

    return asyncio.Semaphore(limit)


def entered_now(bound: object) -> bool:
    """Whether ``bound`` is an inline run's (it never waits), entered here and now: ``async with bound`` would do
    nothing more than this check (raise ``KeyboardInterrupt`` when a stop was requested) around its body; a leaf in
    a batch of a million items spares the two coroutines of ``async with``. False for a bound to enter with
    ``async with`` (an asyncio semaphore)."""
    if type(bound) is not _NoWait:
        return False
    bound.enter()
    return True


class _NoWait:
    """The bound of an inline run: it never waits; a leaf entering it after a stop was requested raises
    ``KeyboardInterrupt`` (as a cancelled task stops when it next waits)."""

    __slots__ = ("_stop",)

    def __init__(self, stop: StopRequest | None) -> None:
        self._stop = stop

    def enter(self) -> None:
        """What entering it does: raise ``KeyboardInterrupt`` when a stop was requested."""
        if self._stop is not None and self._stop.requested:
            raise KeyboardInterrupt

    async def __aenter__(self) -> None:
        self.enter()

    async def __aexit__(self, *exc: object) -> None:
        return None
