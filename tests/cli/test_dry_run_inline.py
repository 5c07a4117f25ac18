"""``pipelex run --dry-run`` runs without an event loop (``DirectBackend.runs_inline``, :mod:`pipelex.pipes.inline`)
and gives exactly what the same run gives in an event loop: the same run folder byte for byte (outputs, working
memory, graph.json, graph.mmd, graph.html; for a failed run error.json and usage.json), the same lines printed and
the same exit code. A run that meets a nested group (a batch inside a parallel...) is run again in a loop, from the
memory as prepared, without a trace of the first attempt. A signal stops an inline dry run at its next leaf: what it
did is kept and the command exits 130, as documented."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipelex.backends.direct import DirectBackend
from pipelex.cli import commands
from pipelex.cli.main import main
from pipelex.pipes import inline
from tests.cli.test_faults import CRASH_MARKS, INTERRUPTIONS, cli_env, sigint_at
from tests.cli.test_validate_imports import imported_by
from tests.temporal.bundles import sequence_bundle
from tests.validation.test_inline_sweep import GROUPS

REPO = Path(__file__).resolve().parents[2]
ORDER_DESK = REPO / "benchmarks" / "bundles" / "order_desk.mthds"
ORDER_DESK_INPUTS = REPO / "benchmarks" / "bundles" / "order_desk_inputs.json"
MENU_CARD = REPO / "examples" / "menu_card.mthds"
EXTRACT_PDF = REPO / "examples" / "extract_pdf.mthds"
EXTRACT_PDF_INPUTS = REPO / "examples" / "extract_pdf_inputs.json"

# a batch inside a batch: a group whose task runs a group, which only a loop runs in asyncio's order
NESTED_BATCHES = """
domain = "shelves"
main_pipe = "label_all_shelves"

[concept.Shelf]
description = "A shelf and its jars"
[concept.Shelf.structure]
name = { type = "text", description = "The shelf's name" }
jars = { type = "list", item_type = "text", description = "The jars on it", required = true }

[pipe.label_all_shelves]
type = "PipeBatch"
description = "Labels every shelf"
inputs = { shelves = "Shelf[]" }
output = "Text[]"
branch_pipe_code = "label_one_shelf"
input_list_name = "shelves"
input_item_name = "shelf"

[pipe.label_one_shelf]
type = "PipeSequence"
description = "Labels the jars of one shelf, then the shelf"
inputs = { shelf = "Shelf" }
output = "Text"
steps = [
    { pipe = "label_jar", batch_over = "shelf.jars", batch_as = "jar", result = "jar_labels" },
    { pipe = "label_shelf", result = "label" },
]

[pipe.label_jar]
type = "PipeLLM"
description = "Labels a jar"
inputs = { jar = "Text" }
output = "Text"
prompt = "A label for the jar $jar"

[pipe.label_shelf]
type = "PipeCompose"
description = "Labels the shelf"
inputs = { shelf = "Shelf", jar_labels = "Text[]" }
output = "Text"
template = '''
$shelf.name
@jar_labels
'''
"""

# a failure in a sequence, no group: the inline run fails as the loop run does, and keeps the same partial folder
FAILING_STEP = """
domain = "desk"
main_pipe = "write_note"

[pipe.write_note]
type = "PipeSequence"
description = "Writes a note, then a summary that fails"
inputs = { note = "Text" }
output = "Text"
steps = [{ pipe = "copy_note", result = "copy" }, { pipe = "broken", result = "summary" }]

[pipe.copy_note]
type = "PipeLLM"
description = "Copies the note"
inputs = { note = "Text" }
output = "Text"
prompt = "Copy this: $note"

[pipe.broken]
type = "PipeCompose"
description = "Fails on purpose"
inputs = { copy = "Text" }
output = "Text"
template = "{{ (copy.text | length) / 0 }}"
"""


def random_tree_bundle(seed: int) -> str:
    """A valid bundle whose main pipe is a random tree of controllers (sequences, batches, parallels, conditions;
    nested up to 3 deep) over Text leaves, about 1 leaf in 30 failing on purpose."""
    rng = random.Random(seed)
    pipes: list[str] = []
    count = itertools.count(1)

    def pipe(prefix: str, body: str, inputs: str = '{ text = "Text" }', output: str = "Text") -> str:
        code = f"{prefix}_{next(count)}"
        pipes.append(
            f'[pipe.{code}]\ndescription = "{prefix}"\ninputs = {inputs}\noutput = "{output}"\n{body}\n'
        )
        return code

    def node(depth: int) -> str:
        roll = rng.random()
        if depth >= 3 or roll < 0.3:
            leaf = rng.random()
            if leaf < 0.03:
                return pipe("broken", 'type = "PipeCompose"\ntemplate = "{{ (text.text | length) / 0 }}"')
            if leaf < 0.5:
                return pipe("llm", 'type = "PipeLLM"\nprompt = "Continue: $text"')
            return pipe("compose", 'type = "PipeCompose"\ntemplate = "done: $text"')
        if roll < 0.5:
            steps = ", ".join(
                f'{{ pipe = "{node(depth + 1)}", result = "text" }}' for _ in range(rng.randint(1, 3))
            )
            return pipe("sequence", f'type = "PipeSequence"\nsteps = [{steps}]')
        if roll < 0.7:  # a list, a batch over it, the list joined
            split = pipe(
                "split",
                'type = "PipeLLM"\nprompt = "Split: $text"',
                output=f"Text[{rng.randint(2, 3)}]",  # Text[1] is one Text (a rule of the language)
            )
            branch = node(depth + 1)
            batch = pipe(
                "batch",
                f'type = "PipeBatch"\nbranch_pipe_code = "{branch}"\ninput_list_name = "parts"\ninput_item_name = "text"',
                inputs='{ parts = "Text[]" }',
                output="Text[]",
            )
            join = pipe("join", 'type = "PipeCompose"\ntemplate = "$done"', inputs='{ done = "Text[]" }')
            steps = f'{{ pipe = "{split}", result = "parts" }}, {{ pipe = "{batch}", result = "done" }}, '
            return pipe(
                "sequence", f'type = "PipeSequence"\nsteps = [{steps}{{ pipe = "{join}", result = "text" }}]'
            )
        if roll < 0.85:  # two branches at once, then joined
            left, right = node(depth + 1), node(depth + 1)
            branches = f'[{{ pipe = "{left}", result = "a" }}, {{ pipe = "{right}", result = "b" }}]'
            both = pipe(
                "parallel",
                f'type = "PipeParallel"\nadd_each_output = true\nbranches = {branches}',
                output="Composite",
            )
            join = pipe(
                "join", 'type = "PipeCompose"\ntemplate = "$a / $b"', inputs='{ a = "Text", b = "Text" }'
            )
            steps = f'[{{ pipe = "{both}", result = "pair" }}, {{ pipe = "{join}", result = "text" }}]'
            return pipe("sequence", f'type = "PipeSequence"\nsteps = {steps}')
        chosen, other = node(depth + 1), node(depth + 1)
        return pipe(
            "condition",
            f'type = "PipeCondition"\nexpression = "text.text"\noutcomes = {{ yes = "{chosen}" }}\ndefault_outcome = "{other}"',
        )

    main = node(0)
    return f'domain = "tree"\ndescription = "A random tree"\nmain_pipe = "{main}"\n\n' + "\n".join(pipes)


class _FixedClock:
    """The tracer's clock and random ids, fixed: two runs of one bundle write byte-identical folders."""

    @staticmethod
    def time() -> float:
        return 1_796_000_000.0

    @staticmethod
    def perf_counter() -> float:
        return 1000.0


class _FixedRandomOs:
    """The ``os`` module as the tracer sees it, with fixed random bytes (its graph id)."""

    @staticmethod
    def urandom(size: int) -> bytes:
        return b"\x01" * size

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


class _FixedNow:
    @staticmethod
    def now(tz: Any = None) -> datetime:
        return datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pipelex.tracing.tracer.time", _FixedClock)
    monkeypatch.setattr("pipelex.tracing.tracer.datetime", _FixedNow)
    # the tracer's own ``os`` only: patching ``os.urandom`` itself would also fill the pool of stuff codes
    # (``pipelex.memory.stuff``) with repeated codes that outlive this test
    monkeypatch.setattr("pipelex.tracing.tracer.os", _FixedRandomOs())
    monkeypatch.setattr(DirectBackend, "new_run_id", lambda self: "0" * 32)
    # the CLI process exists for one run and tunes the garbage collector for it: not this test process
    monkeypatch.setattr(commands, "_tune_gc_for_a_run", lambda: None)


def _drivers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records how each run went: ``inline``, ``inline, loop`` (given up for a nested group) or ``loop``."""
    log: list[str] = []
    original_try, original_loop = inline.try_inline, commands._run_in_a_loop

    def spy_try(coroutine: Any, *, stop: Any = None) -> Any:
        log.append("inline")
        return original_try(coroutine, stop=stop)

    def spy_loop(coroutine: Any, **kwargs: Any) -> Any:
        log.append("loop")
        return original_loop(coroutine, **kwargs)

    monkeypatch.setattr(inline, "try_inline", spy_try)
    monkeypatch.setattr(commands, "_run_in_a_loop", spy_loop)
    return log


def _folder(root: Path) -> dict[str, bytes]:
    """The files of a run folder; a stuff's random code (``working_memory.json``) written as ``?``."""
    return {
        str(p.relative_to(root)): re.sub(rb'"stuff_code": "[^"]*"', b'"stuff_code": "?"', p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _run_cli(
    where: Path, argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str, dict[str, bytes]]:
    where.mkdir()
    monkeypatch.chdir(where)
    code = main([*argv, "-o", "out"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err, _folder(where / "out")


def _both(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[tuple[int, str, str, dict[str, bytes]], list[str]]:
    """The run by the CLI as it chooses (inline for a dry run), then forced into an event loop: identical."""
    log = _drivers(monkeypatch)
    chosen = _run_cli(tmp_path / "chosen", argv, capsys, monkeypatch)
    taken = list(log)
    with monkeypatch.context() as forced:
        forced.setattr(DirectBackend, "runs_inline", lambda self, run: False)
        log.clear()
        looped = _run_cli(tmp_path / "loop", argv, capsys, monkeypatch)
        assert log == ["loop"]
    code, out, err, files = chosen
    assert (code, out, err) == looped[:3]
    assert files.keys() == looped[3].keys()
    for name, data in files.items():
        assert data == looped[3][name], f"{name} differs between the inline and the loop drivers"
    return chosen, taken


CASES = [
    pytest.param(
        ["run", "bundle", str(ORDER_DESK), "--dry-run", "-i", str(ORDER_DESK_INPUTS)],
        ["inline"],
        id="order_desk",
    ),
    pytest.param(["run", "bundle", str(MENU_CARD), "--dry-run", "--mock-inputs"], ["inline"], id="menu_card"),
    pytest.param(
        ["run", "bundle", str(EXTRACT_PDF), "--dry-run", "-i", str(EXTRACT_PDF_INPUTS)],
        ["inline"],
        id="extract_pdf",
    ),
]


@pytest.mark.parametrize(("argv", "drivers"), CASES)
def test_a_dry_run_inline_writes_what_the_loop_writes(
    argv: list[str],
    drivers: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    deterministic: None,
) -> None:
    (code, out, _, files), taken = _both(tmp_path, argv, capsys, monkeypatch)
    assert taken == drivers
    assert code == 0, out
    assert {"main_stuff.json", "working_memory.json", "graph.json", "graph.mmd", "graph.html"} <= {
        Path(name).name for name in files
    }


@pytest.mark.parametrize("steps", [1, 40])
def test_a_long_sequence_runs_inline_as_in_a_loop(
    steps: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    deterministic: None,
) -> None:
    bundle = tmp_path / "steps.mthds"
    bundle.write_text(sequence_bundle(steps), encoding="utf-8")
    (code, out, _, _), taken = _both(
        tmp_path, ["run", "bundle", str(bundle), "--dry-run", "--mock-inputs"], capsys, monkeypatch
    )
    assert (code, taken) == (0, ["inline"])
    assert f"{steps + 1} pipe run(s)" in out


def test_a_nested_group_runs_again_in_a_loop_leaving_no_trace_of_the_attempt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, deterministic: None
) -> None:
    bundle = tmp_path / "shelves.mthds"
    bundle.write_text(NESTED_BATCHES, encoding="utf-8")
    inputs = {
        "shelves": {
            "concept": "Shelf",
            "content": [{"name": "top", "jars": ["jam", "honey"]}, {"name": "low", "jars": ["rice"]}],
        }
    }
    argv = ["run", "bundle", str(bundle), "--dry-run", "-i", json.dumps(inputs)]
    (code, out, err, files), taken = _both(tmp_path, argv, capsys, monkeypatch)
    assert taken == ["inline", "loop"]
    assert code == 0, out + err
    graph = json.loads(next(data for name, data in files.items() if name.endswith("graph.json")))
    # the batch + 2 shelves x (their sequence + its compose) + 3 jars (the step's items): none of the first attempt
    assert len(graph["nodes"]) == 1 + 2 * 2 + 3
    assert len({node["id"] for node in graph["nodes"]}) == len(graph["nodes"])


@pytest.mark.parametrize(
    ("text", "drivers"),
    [(FAILING_STEP, ["inline"]), (GROUPS, ["inline", "loop"])],
    ids=["sequence", "nested_group"],
)
def test_a_failed_dry_run_inline_fails_as_in_a_loop(
    text: str,
    drivers: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    deterministic: None,
) -> None:
    bundle = tmp_path / "failing.mthds"
    bundle.write_text(text, encoding="utf-8")
    argv = ["run", "bundle", str(bundle), "--dry-run", "--mock-inputs"]
    (code, _, err, files), taken = _both(tmp_path, argv, capsys, monkeypatch)
    assert taken == drivers
    assert code == 1
    assert "error: the run failed" in err and "division by zero" in err
    names = {Path(name).name for name in files}
    assert {"error.json", "usage.json", "working_memory.json", "graph.json"} <= names
    assert "main_stuff.json" not in names


TREE_SEEDS = range(24)


@pytest.mark.parametrize("seed", TREE_SEEDS)
def test_a_random_tree_of_controllers_runs_inline_as_in_a_loop(
    seed: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    deterministic: None,
) -> None:
    bundle = tmp_path / "tree.mthds"
    bundle.write_text(random_tree_bundle(seed), encoding="utf-8")
    (code, out, err, _), taken = _both(
        tmp_path, ["run", "bundle", str(bundle), "--dry-run", "--mock-inputs"], capsys, monkeypatch
    )
    assert taken in (["inline"], ["inline", "loop"])
    assert code in (0, 1), out + err
    assert "internal error" not in err


def test_the_random_trees_cover_nesting_failures_and_both_drivers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, deterministic: None
) -> None:
    """The comparison above covers runs that fell back to a loop, runs that stayed inline, and failed runs."""
    log = _drivers(monkeypatch)
    outcomes: list[tuple[int, tuple[str, ...]]] = []
    for seed in TREE_SEEDS:
        bundle = tmp_path / f"tree_{seed}.mthds"
        bundle.write_text(random_tree_bundle(seed), encoding="utf-8")
        log.clear()
        code = _run_cli(
            tmp_path / f"run_{seed}",
            ["run", "bundle", str(bundle), "--dry-run", "--mock-inputs"],
            capsys,
            monkeypatch,
        )[0]
        outcomes.append((code, tuple(log)))
    assert sum(taken == ("inline", "loop") for _, taken in outcomes) >= 3
    assert sum(taken == ("inline",) and code == 0 for code, taken in outcomes) >= 3
    assert sum(code == 1 for code, _ in outcomes) >= 2


def test_a_dry_run_with_its_spans_exported_keeps_the_loop(tmp_path: Path) -> None:
    """An inline attempt given up for a nested group would have sent its own span: with [tracing] on, the loop."""
    from pipelex.backends.protocol import PreparedRun
    from pipelex.config.settings import PipelexConfig
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode

    def prepared(mode: PipeRunMode, config: PipelexConfig | None) -> PreparedRun:
        return PreparedRun(
            run_id="r",
            entry=None,  # type: ignore[arg-type]
            library=None,  # type: ignore[arg-type]
            memory=None,  # type: ignore[arg-type]
            mode=mode,
            settings=None,  # type: ignore[arg-type]
            deck=None,  # type: ignore[arg-type]
            config=config,
        )

    backend = DirectBackend()
    plain = PipelexConfig()
    traced = plain.model_copy(
        update={"tracing": plain.tracing.model_copy(update={"otlp_endpoint": "http://127.0.0.1:4318"})}
    )
    assert backend.runs_inline(prepared(PipeRunMode.DRY, plain))
    assert backend.runs_inline(prepared(PipeRunMode.DRY, None))
    assert not backend.runs_inline(prepared(PipeRunMode.DRY, traced))
    assert not backend.runs_inline(prepared(PipeRunMode.LIVE, plain))


# ---------------------------------------------------------------------------------------------------- imports
@pytest.mark.parametrize(
    "argv",
    [
        ("run", "bundle", "examples/menu_card.mthds", "--dry-run", "--mock-inputs"),
        (
            "run",
            "bundle",
            "examples/extract_pdf.mthds",
            "--dry-run",
            "-i",
            "examples/extract_pdf_inputs.json",
        ),
        ("run", "bundle", str(ORDER_DESK), "--dry-run", "-i", str(ORDER_DESK_INPUTS)),
    ],
    ids=["menu_card", "extract_pdf", "order_desk"],
)
def test_a_dry_run_imports_no_asyncio(argv: tuple[str, ...], tmp_path: Path) -> None:
    code, modules = imported_by(*argv, "-o", str(tmp_path))
    assert code == 0
    assert any(tmp_path.rglob("graph.html"))
    assert "asyncio" not in modules, "a dry run without nested groups runs without an event loop"
    # nor what only a run elsewhere needs: the Temporal SDK's log routing; nor html.escape's entity table
    assert not {"logging", "html", "html.entities"} & set(modules), sorted({"logging", "html"} & set(modules))


def test_a_dry_run_of_a_nested_group_still_runs_in_a_loop(tmp_path: Path) -> None:
    """The import check above can fail: a nested group needs the loop."""
    bundle = tmp_path / "groups.mthds"
    bundle.write_text(GROUPS, encoding="utf-8")
    code, modules = imported_by(
        "run", "bundle", str(bundle), "--dry-run", "--mock-inputs", "-o", str(tmp_path)
    )
    assert code == 1  # the bundle's check_words fails on purpose
    assert "asyncio" in modules


# ---------------------------------------------------------------------------------------------------- signals
# a dry run whose leaves are slow: each PipeLLM leaf logs its start and end to the counter file around a sleep
SLOW_DRY_LEAVES = """
import os, sys, time
from pipelex.inference.dry.generator import DryContentGenerator

original = DryContentGenerator.make_text

async def slow_make_text(self, job):
    log = os.environ["PIPELEX_TEST_COUNTER_FILE"]
    with open(log, "a") as f:
        f.write(f"start {job.pipe_code}\\n")
    time.sleep(float(os.environ["PIPELEX_TEST_STEP_SECONDS"]))
    with open(log, "a") as f:
        f.write(f"end {job.pipe_code}\\n")
    return await original(self, job)

DryContentGenerator.make_text = slow_make_text
from pipelex.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture
def reaped() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:  # a hung run must not outlive its test
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.slow
@INTERRUPTIONS
def test_an_interrupted_dry_run_stops_at_its_next_leaf_and_keeps_its_folder(
    tmp_path: Path, sig: signal.Signals, sigint: signal.Handlers, reaped: list[subprocess.Popen[str]]
) -> None:
    bundle = tmp_path / "steps.mthds"
    bundle.write_text(sequence_bundle(6), encoding="utf-8")
    calls = tmp_path / "calls.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SLOW_DRY_LEAVES,
            "run",
            "bundle",
            str(bundle),
            "--dry-run",
            "-i",
            '{"text": "hi"}',
        ]
        + ["-o", "out"],
        cwd=tmp_path,
        env=cli_env(tmp_path, PIPELEX_TEST_STEP_SECONDS="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_at(sigint),
    )
    reaped.append(process)
    deadline = time.monotonic() + 90
    while len(calls.read_text().splitlines() if calls.exists() else []) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)  # step_0 ended and step_1 started
    process.send_signal(sig)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, out + err
    assert not any(mark in out + err for mark in CRASH_MARKS), out + err
    assert "error: interrupted" in err
    assert f"is in {Path('out') / 'main_01'}" in err
    graph = json.loads((tmp_path / "out" / "main_01" / "graph.json").read_text())
    statuses = {node["pipe_code"]: node["status"] for node in graph["nodes"]}
    # the leaf running when the signal came ran to its end (nothing is raised inside a leaf's work), and the run
    # stopped as its next leaf was about to start
    lines = calls.read_text().splitlines()
    ran = len(lines) // 2
    assert lines == [f"{edge} step_{i}" for i in range(ran) for edge in ("start", "end")], lines
    assert 2 <= ran < 6, lines
    assert all(statuses[f"step_{i}"] == "succeeded" for i in range(ran)), statuses
    assert statuses.get(f"step_{ran}") in (None, "running"), statuses
    assert not any(f"step_{i}" in statuses for i in range(ran + 1, 6)), statuses
