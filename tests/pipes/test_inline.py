"""A run driven inline (no event loop) does what asyncio does with coroutines that never wait: same results, same
order of side effects, same failure, same context isolation; and it refuses to go on when something waits."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from contextvars import ContextVar
from typing import Any

import pytest

from pipelex.pipes.controllers.concurrently import gather, run_all
from pipelex.pipes.inline import (
    InlineNeedsLoop,
    InlineRunSuspended,
    StopRequest,
    bound,
    entered_now,
    is_inline,
    run_inline,
    try_inline,
)

_SEEN: ContextVar[str] = ContextVar("seen", default="-")


class Boom(Exception):
    """A task's failure."""


def _tree(rng: random.Random, depth: int) -> list[Any]:
    """A random tree of tasks: each a leaf (ok / fails), a sequence of sub-tasks, or a group (run_all / gather)."""
    nodes: list[Any] = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if depth < 3 and roll < 0.45:
            nodes.append((rng.choice(["all", "gather", "seq"]), _tree(rng, depth + 1)))
        else:
            nodes.append(("fail" if roll > 0.85 else "ok", None))
    return nodes


async def _one(node: tuple[str, Any], name: str, log: list[str]) -> Any:
    kind, children = node
    log.append(f"start {name} sees {_SEEN.get()}")
    _SEEN.set(name)  # a task's context is its own: its siblings must not see this
    if kind in ("ok", "fail"):
        async with bound(2):  # never waits, as a dry-run leaf
            log.append(f"leaf {name}")
        if kind == "fail":
            raise Boom(name)
        return name
    try:
        if kind == "seq":
            result = [await _one(child, f"{name}.{i}", log) for i, child in enumerate(children)]
        else:
            helper = run_all if kind == "all" else gather
            result = await helper([_one(child, f"{name}.{i}", log) for i, child in enumerate(children)])
    except Boom as exc:
        log.append(f"{name} failed with {exc}")
        raise
    log.append(f"end {name}")
    return result


def _outcome(nodes: list[Any], *, inline: bool) -> tuple[list[str], Any, bool]:
    """The log and the result (or failure) of running ``nodes`` in a sequence; and whether it fell back to a loop."""
    log: list[str] = []
    fell_back: list[bool] = []

    def make() -> Coroutine[Any, Any, Any]:
        return _one(("seq", nodes), "t", log)

    def forget() -> None:
        fell_back.append(True)
        log.clear()

    try:
        result: Any = run_inline(make, on_loop=forget) if inline else asyncio.run(make())
    except Boom as exc:
        result = ("failed", str(exc))
    return log, result, bool(fell_back)


def _nested(nodes: list[Any], in_group: bool = False) -> bool:
    """Whether a group runs inside a task of another group."""
    for kind, children in nodes:
        if kind in ("all", "gather"):
            if in_group or _nested(children, True):
                return True
        elif kind == "seq" and _nested(children, in_group):
            return True
    return False


@pytest.mark.parametrize("seed", range(80))
def test_inline_runs_as_asyncio_does(seed: int) -> None:
    nodes = _tree(random.Random(seed), 0)
    log, result, _ = _outcome(nodes, inline=False)
    inline_log, inline_result, fell_back = _outcome(nodes, inline=True)
    assert (inline_log, inline_result) == (log, result)
    assert _nested(nodes) or not fell_back  # only a nested group needs the loop (if the run gets that far)


def test_the_generated_trees_cover_failures_groups_and_nesting() -> None:
    """The comparison above covers failures and both ways of running, not only successes."""
    outcomes = [_outcome(_tree(random.Random(seed), 0), inline=True) for seed in range(80)]
    assert 5 < sum(result[0] == "failed" for _, result, _ in outcomes if isinstance(result, tuple)) < 75
    fell_back = sum(nested for _, _, nested in outcomes)
    inline_groups = sum(
        not _nested(nodes) and any(kind in ("all", "gather") for kind, _ in nodes)
        for nodes in (_tree(random.Random(seed), 0) for seed in range(80))
    )
    assert fell_back > 5 and inline_groups > 5


def test_inline_result_and_context_stay_inside() -> None:
    async def main() -> str:
        assert is_inline()
        _SEEN.set("inside")
        return "done"

    assert run_inline(main) == "done"
    assert _SEEN.get() == "-"  # as asyncio.run: the run has its own copy of the context
    assert not is_inline()


def test_the_bound_of_an_inline_run_never_waits_and_a_loop_gets_a_semaphore() -> None:
    async def main() -> Any:
        return bound(1)

    inline_bound = run_inline(main)
    assert not isinstance(inline_bound, asyncio.Semaphore)
    assert isinstance(asyncio.run(main()), asyncio.Semaphore)


def test_an_inline_bound_is_entered_at_once_and_a_semaphore_is_left_to_async_with() -> None:
    """``entered_now`` does what ``async with`` on an inline run's bound does (nothing, or raise when a stop was
    requested); an asyncio semaphore is not entered by it."""

    async def main() -> Any:
        return bound(1)

    stop = StopRequest()
    inline_bound = try_inline(main(), stop=stop)
    assert entered_now(inline_bound)
    stop.request()
    with pytest.raises(KeyboardInterrupt):
        entered_now(inline_bound)
    assert entered_now(run_inline(main))  # no stop request at all
    assert not entered_now(asyncio.run(main()))


def test_waiting_on_a_future_inline_is_refused() -> None:
    class Waits:
        def __await__(self) -> Any:
            yield "a future"  # what an asyncio future yields to its loop

    cleaned: list[str] = []

    async def main() -> None:
        try:
            await Waits()
        finally:
            cleaned.append("closed")

    with pytest.raises(InlineRunSuspended, match="waited on str"):
        run_inline(main)
    assert cleaned == ["closed"]


def test_a_bare_yield_only_lets_others_run() -> None:
    class Yields:
        def __await__(self) -> Any:
            yield  # asyncio.sleep(0): nothing to wait for
            return 7

    async def main() -> int:
        return await Yields()

    assert run_inline(main) == 7


def _leaves(log: list[str], stop: StopRequest | None = None, *, stop_after: int | None = None) -> Any:
    """A sequence of 5 leaves then a group of 3, each entering the run's bound; ``stop`` is requested by leaf
    ``stop_after`` (as a signal handler would, while that leaf works)."""

    async def leaf(name: str, index: int) -> str:
        async with bound(2):
            log.append(f"leaf {name}")
            if stop is not None and index == stop_after:
                stop.request()
        return name

    async def main() -> list[str]:
        done = [await leaf(f"s{i}", i) for i in range(5)]
        done += await run_all([leaf(f"g{i}", 5 + i) for i in range(3)])
        return done

    return main()


def test_without_a_stop_request_an_inline_run_goes_to_its_end() -> None:
    log: list[str] = []
    assert try_inline(_leaves(log), stop=StopRequest()) == ["s0", "s1", "s2", "s3", "s4", "g0", "g1", "g2"]
    assert len(log) == 8


@pytest.mark.parametrize(
    ("stop_after", "ran"), [(1, 2), (4, 5), (5, 6)], ids=["sequence", "last_step", "group"]
)
def test_a_stop_request_stops_an_inline_run_at_its_next_leaf(stop_after: int, ran: int) -> None:
    log: list[str] = []
    stop = StopRequest()
    with pytest.raises(KeyboardInterrupt):
        try_inline(_leaves(log, stop, stop_after=stop_after), stop=stop)
    assert len(log) == ran  # the leaf that saw the request finished its work; the next one never started


def test_a_nested_group_met_by_try_inline_is_left_to_the_caller() -> None:
    async def inner() -> list[int]:
        return await run_all([_value(1), _value(2)])

    async def main() -> list[list[int]]:
        return await run_all([inner(), inner()])

    with pytest.raises(InlineNeedsLoop):
        try_inline(main())
    assert asyncio.run(main()) == [[1, 2], [1, 2]]


async def _value(value: int) -> int:
    return value
