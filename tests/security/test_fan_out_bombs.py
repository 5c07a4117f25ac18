"""Work that multiplies: the list items of one run (``[limits] max_run_items``) and its pipe runs (``max_pipe_runs``).

Eighth hostile pass: every list and every batch was bounded (``max_list_items`` for a ``Text[N]``, 1,000;
``max_batch_items`` for a fan-out or an output, 10,000), but nested batches multiply: a 1.2 KB bundle of three levels
of ``Text[1000]`` batched over each other asks a dry run for a billion texts. ``pipelex validate`` of it (the command
a user runs on a bundle they were sent, before trusting it) took 3 GB in 54 s and aborted; without a ceiling it took
the machine's memory. Now the run's count of list items stops it at 25 times ``max_batch_items`` (250,000).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipelex.config.settings import LimitsConfig
from pipelex.errors import LimitExceededError
from pipelex.limits import RunCounts, count_pipe_run, count_run_items, pipe_runs_bound, run_items_bound
from tests.security.conftest import Watched


def _fan(outer: int, inner: int, innermost: int) -> str:
    return f"""
domain = "fan"
main_pipe = "outer"

[pipe.outer]
type = "PipeSequence"
description = "Fans out three levels"
output = "Text[]"
steps = [
  {{ pipe = "many", result = "xs" }},
  {{ pipe = "mid", batch_over = "xs", batch_as = "x", result = "ys" }},
]

[pipe.mid]
type = "PipeSequence"
description = "Level two"
inputs = {{ x = "Text" }}
output = "Text[]"
steps = [
  {{ pipe = "many_from", result = "zs" }},
  {{ pipe = "many_from2", batch_over = "zs", batch_as = "z", result = "ws" }},
]

[pipe.many]
type = "PipeLLM"
description = "Many"
output = "Text[{outer}]"
prompt = "list"

[pipe.many_from]
type = "PipeLLM"
description = "Many from x"
inputs = {{ x = "Text" }}
output = "Text[{inner}]"
prompt = "list $x"

[pipe.many_from2]
type = "PipeLLM"
description = "Many from z"
inputs = {{ z = "Text" }}
output = "Text[{innermost}]"
prompt = "list $z"
"""


def test_validating_a_billion_item_fan_out_stops_at_the_run_bound(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    bundle = tmp_path / "fan.mthds"
    bundle.write_text(_fan(1000, 1000, 1000), encoding="utf-8")
    done = run_watched_cli("validate", "bundle", str(bundle), timeout=180, memory_bytes=1536 * 1024**2)
    assert done.code == 1, (done.code, done.err[-2000:])  # not killed by the watchdog, not aborted
    assert "Traceback" not in done.out + done.err and "memory allocation" not in done.err
    for pipe in ("many", "many_from", "many_from2"):  # each pipe alone is fine
        assert f"SUCCESS  fan.{pipe}\n" in done.out, done.out
    for pipe in ("outer", "mid"):
        line = next(line for line in (done.out + done.err).splitlines() if f"pipe {pipe!r}" in line)
        assert "limit_exceeded" in line and "[limits] max_run_items" in line and "250,000" in line, line


def test_a_large_fan_out_within_the_bound_validates(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    bundle = tmp_path / "fan.mthds"
    bundle.write_text(_fan(20, 50, 100), encoding="utf-8")  # 100,000 innermost texts, and their lists
    done = run_watched_cli("validate", "bundle", str(bundle), timeout=180)
    assert done.code == 0, done.err[-2000:]


def test_the_run_bound_follows_max_batch_items_unless_set() -> None:
    assert run_items_bound(LimitsConfig()) == 250_000
    assert (
        run_items_bound(LimitsConfig(max_batch_items=1_000_000)) == 25_000_000
    )  # a raised batch is not refused
    assert run_items_bound(LimitsConfig(max_run_items=10)) == 10
    counted = RunCounts()
    count_run_items(6, LimitsConfig(max_run_items=10), counted, pipe_code="p")
    count_run_items(4, LimitsConfig(max_run_items=10), counted, pipe_code="p")
    with pytest.raises(
        LimitExceededError, match=r"pipe 'p': .* more than 10 list items .*max_run_items"
    ) as caught:
        count_run_items(1, LimitsConfig(max_run_items=10), counted, pipe_code="p")
    assert caught.value.limit == "max_run_items" and caught.value.error_type == "limit_exceeded"


def _doubling(depth: int) -> str:
    """``p0`` calls ``p1`` twice, which calls ``p2`` twice, ...: 2^depth leaf runs from a few KB."""
    parts = ['domain = "dbl"\nmain_pipe = "p0"\n']
    for i in range(depth):
        parts.append(
            f'[pipe.p{i}]\ntype = "PipeSequence"\ndescription = "Twice"\noutput = "Text"\n'
            f'steps = [{{ pipe = "p{i + 1}", result = "a" }}, {{ pipe = "p{i + 1}", result = "b" }}]\n'
        )
    parts.append(
        f'[pipe.p{depth}]\ntype = "PipeCompose"\ndescription = "Leaf"\noutput = "Text"\ntemplate = "x"\n'
    )
    return "\n".join(parts)


def test_a_doubling_call_tree_stops_at_the_pipe_run_bound(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    """2^40 pipe runs from a 6 KB bundle, each under every other bound (the stack 40 deep, no list): a dry run
    computed for days and its graph took the machine's memory. Here with ``max_pipe_runs = 3000`` (the default,
    100,000, stops the same run in about a minute and 1.2 GB, its graph included)."""
    (tmp_path / "pipelex.toml").write_text("[limits]\nmax_pipe_runs = 3000\n", encoding="utf-8")
    bundle = tmp_path / "dbl.mthds"
    bundle.write_text(_doubling(40), encoding="utf-8")
    run = run_watched_cli(
        "run", "bundle", str(bundle), "--dry-run", "-q", "-o", str(tmp_path / "out"), timeout=120
    )
    assert run.code == 1, (run.code, run.err[-2000:])
    assert "[limits] max_pipe_runs" in run.err and "3,000 pipe runs" in run.err, run.err[-2000:]
    done = run_watched_cli("validate", "bundle", str(bundle), timeout=120)
    assert done.code == 1, (done.code, done.err[-2000:])
    text = done.out + done.err
    assert "SUCCESS  dbl.p40\n" in text and "SUCCESS  dbl.p30\n" in text  # 2^10 runs: within the bound
    line = next(line for line in text.splitlines() if "pipe 'p0'" in line)
    assert "limit_exceeded" in line and "max_pipe_runs" in line, line


def test_the_pipe_run_bound_follows_max_batch_items_unless_set() -> None:
    assert pipe_runs_bound(LimitsConfig()) == 100_000
    assert pipe_runs_bound(LimitsConfig(max_batch_items=1_000_000)) == 10_000_000
    assert pipe_runs_bound(LimitsConfig(max_pipe_runs=2)) == 2
    counts = RunCounts()
    count_pipe_run(LimitsConfig(max_pipe_runs=2), counts, pipe_code="p")
    count_pipe_run(LimitsConfig(max_pipe_runs=2), counts, pipe_code="p")
    with pytest.raises(LimitExceededError, match=r"pipe 'p': .* more than 2 pipe runs .*max_pipe_runs"):
        count_pipe_run(LimitsConfig(max_pipe_runs=2), counts, pipe_code="p")
    assert counts == RunCounts(list_items=0, pipe_runs=3)
