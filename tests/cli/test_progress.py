"""The progress line of a run on a terminal: the innermost controller and its counters, pipes done, elapsed,
ETA, cost so far on live runs; nothing when stderr is not a terminal."""

from __future__ import annotations

import asyncio
import io
import textwrap
from collections.abc import Callable
from pathlib import Path

from pipelex.cli.progress import ProgressLine, render_line
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.tracing.tracer import Counter, GraphTracer, ProgressSnapshot
from tests.conftest import CliResult

RunCli = Callable[..., CliResult]

CRATES = textwrap.dedent("""
    domain = "warehouse"
    main_pipe = "label_pallet"

    [concept]
    Crate = "A crate on a pallet"
    Label = "The line stuck on a crate"

    [pipe.label_pallet]
    type = "PipeSequence"
    description = "Labels every crate, then writes the pallet's sheet"
    inputs = { crates = "Crate[]" }
    output = "Text"
    steps = [
      { pipe = "label_every_crate", result = "labels" },
      { pipe = "sheet", result = "sheet" },
    ]

    [pipe.label_every_crate]
    type = "PipeBatch"
    description = "A label for each crate"
    inputs = { crates = "Crate[]" }
    output = "Label[]"
    branch_pipe_code = "label_one_crate"
    input_list_name = "crates"
    input_item_name = "crate"

    [pipe.label_one_crate]
    type = "PipeCompose"
    description = "One label"
    inputs = { crate = "Crate" }
    output = "Label"
    template = "Label: $crate"

    [pipe.sheet]
    type = "PipeCompose"
    description = "The sheet"
    inputs = { labels = "Label[]" }
    output = "Text"
    template = "{{ labels | length }} labels"
""")


class RecordingTracer(GraphTracer):
    """A tracer that takes a snapshot each time a controller reports progress."""

    def __init__(self, **kwargs: object) -> None:  # noqa: D107
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.snapshots: list[ProgressSnapshot] = []

    def count(self, node_id: str, unit: str, *, total: int | None = None, advance: int = 0) -> None:
        super().count(node_id, unit, total=total, advance=advance)
        self.snapshots.append(self.snapshot())


def test_a_run_reports_its_innermost_controller_its_counters_and_an_eta() -> None:
    from pipelex.backends.direct import run_in_process

    runner = PipelexRunner(mthds_content=CRATES, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    crates = [f"crate {i}" for i in range(5)]
    run = runner.prepare({"crates": crates})
    mode, library, entry, memory = run.mode, run.library, run.entry, run.memory
    tracer = RecordingTracer(pipeline_run_id="r", main_pipe=entry.code, domain=entry.domain, mode="dry")
    asyncio.run(
        run_in_process(entry, memory, library, run_mode=mode, settings=runner.settings, tracer=tracer)
    )
    shown = [(s.controller, tuple((c.unit, c.done, c.total) for c in s.counters)) for s in tracer.snapshots]
    assert shown[0] == ("PipeSequence 'label_pallet'", (("steps", 0, 2),))
    assert shown[1] == ("PipeBatch 'label_every_crate'", (("items", 0, 5),))
    batch = [s for s in tracer.snapshots if s.controller == "PipeBatch 'label_every_crate'"]
    assert [s.counters[0].done for s in batch] == [0, 1, 2, 3, 4, 5]
    assert all(s.eta_s is not None for s in batch[1:])  # items done give a rate
    assert batch[-1].eta_s == 0.0
    assert shown[-1] == ("PipeSequence 'label_pallet'", (("steps", 2, 2),))
    assert (
        tracer.snapshots[-1].finished == 1 + 5 + 1
    )  # the batch, its items, the sheet (running: the sequence)
    assert tracer.snapshot().running == 0 and tracer.snapshot().controller is None  # all done


def test_render_line() -> None:
    snapshot = ProgressSnapshot(
        finished=684,
        running=8,
        elapsed_s=12.4,
        controller="PipeBatch 'label_every_crate'",
        counters=(Counter("items", 342, 10_000, 0.0),),
        eta_s=21.0,
        cost_usd=0.01234,
    )
    assert render_line(snapshot, show_cost=True, width=200) == (
        "  PipeBatch 'label_every_crate' · items 342/10,000 · pipes done 684, running 8 · 0:12 · ETA 0:21 · $0.0123"
    )
    assert "$" not in render_line(snapshot, show_cost=False, width=200)
    long = ProgressSnapshot(
        finished=1, running=1, elapsed_s=3_700.0, controller="PipeSequence '" + "x" * 300 + "'"
    )
    line = render_line(long, show_cost=False, width=80)
    assert len(line) == 80 and line.endswith("…")
    assert "1:01:40" in render_line(
        ProgressSnapshot(finished=1, running=0, elapsed_s=3_700.0), show_cost=False, width=80
    )


def test_cost_so_far_adds_the_leaves_usage() -> None:
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="m", domain="d", mode="live")
    root = tracer.start_node(
        pipe_code="m",
        pipe_type="PipeBatch",
        kind="controller",
        description="",
        domain="d",
        parent_id=None,
        inputs=[],
    )
    for i in range(3):
        leaf = tracer.start_node(
            pipe_code="w",
            pipe_type="PipeLLM",
            kind="operator",
            description="",
            domain="d",
            parent_id=root,
            inputs=[],
        )
        tracer.add_usage(leaf, {"calls": 1, "cost_usd": 0.25, "by_model": {"m": {"cost_usd": 0.25}}})
        if i < 2:
            tracer.end_node(leaf)
    snapshot = tracer.snapshot()
    assert snapshot.cost_usd == 0.75 and not snapshot.unpriced
    assert (snapshot.finished, snapshot.running, snapshot.controller) == (2, 2, "PipeBatch 'm'")
    assert render_line(snapshot, show_cost=True, width=200).endswith("$0.7500")
    tracer.add_usage(
        root, {"calls": 1, "cost_usd": 0.0, "unpriced_models": ["local"]}
    )  # a model with no price
    snapshot = tracer.snapshot()
    assert snapshot.cost_usd == 0.75 and snapshot.unpriced
    assert render_line(snapshot, show_cost=True, width=200).endswith("$0.7500 + unpriced calls")


def test_a_cost_not_known_here_is_not_shown_as_zero() -> None:
    """A run on the workers reports counts only until its events come back: no cost, rather than $0.0000."""
    remote = ProgressSnapshot(finished=3, running=1, elapsed_s=2.0)
    assert remote.cost_usd is None
    assert "$" not in render_line(remote, show_cost=True, width=200)


class _Runner:
    def __init__(self, tracer: object) -> None:
        self.current_tracer = tracer


def test_the_line_is_drawn_then_erased() -> None:
    tracer = GraphTracer(pipeline_run_id="r", main_pipe="m", domain="d", mode="dry")
    root = tracer.start_node(
        pipe_code="label_pallet",
        pipe_type="PipeSequence",
        kind="controller",
        description="",
        domain="d",
        parent_id=None,
        inputs=[],
    )
    tracer.count(root, "steps", total=3, advance=1)
    stream = io.StringIO()
    line = ProgressLine(_Runner(tracer), stream=stream)
    line.draw()
    assert "PipeSequence 'label_pallet' · steps 1/3 · pipes done 0, running 1" in stream.getvalue()
    assert stream.getvalue().startswith("\r\x1b[2K")
    line.stop()
    assert stream.getvalue().endswith("\r\x1b[2K")


def test_a_remote_run_shows_its_counts() -> None:
    class Remote:
        def progress(self) -> tuple[int, int]:
            return 7, 2

    stream = io.StringIO()
    ProgressLine(_Runner(Remote()), stream=stream).draw()
    assert "pipes done 7, running 2" in stream.getvalue()


def test_nothing_is_drawn_before_the_run_starts() -> None:
    stream = io.StringIO()
    line = ProgressLine(_Runner(None), stream=stream)
    line.draw()
    line.stop()
    assert stream.getvalue() == ""


def test_no_progress_when_stderr_is_not_a_terminal(
    run_cli: RunCli, tmp_bundle: Callable[..., Path], tmp_path: Path
) -> None:
    bundle = tmp_bundle(CRATES)
    code, out, err = run_cli(
        "run", "bundle", str(bundle), "--dry-run", "--mock-inputs", "-o", str(tmp_path / "o")
    )
    assert code == 0, err
    assert err == ""


SLOW_BATCH = """
domain = "slow_shop"
main_pipe = "weigh_all"

[pipe.weigh_all]
type = "PipeBatch"
description = "Weighs every parcel"
inputs = { parcels = "Text[]" }
output = "Number[]"
branch_pipe_code = "weigh"
input_list_name = "parcels"
input_item_name = "parcel"

[pipe.weigh]
type = "PipeFunc"
description = "Weighs one parcel (slowly)"
inputs = { parcel = "Text" }
output = "Number"
function_name = "slow_scale.weigh"
"""


def test_a_live_run_on_a_terminal_draws_the_line_then_erases_it(tmp_path: Path) -> None:
    """A real terminal (a pty) on stderr: the line names the batch, its items, and the cost so far (live)."""
    import os
    import pty
    import subprocess
    import sys

    (tmp_path / "slow_scale.py").write_text(
        "import time\n\ndef weigh(parcel):\n    time.sleep(2.5)\n    return {'number': len(parcel.text)}\n"
    )
    (tmp_path / "shop.mthds").write_text(SLOW_BATCH)
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "PIPELEX_CONFIG"):
        env.pop(key, None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelex.cli.main",
            "run",
            "bundle",
            "shop.mthds",
            "--no-graph",
            "-o",
            "out",
            "-i",
            '{"parcels": ["a", "bb"]}',
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
    )
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    stdout, _ = process.communicate(timeout=120)
    os.close(master)
    assert process.returncode == 0, stdout.decode() + drawn.decode(errors="replace")
    text = drawn.decode(errors="replace")
    assert "PipeBatch 'weigh_all' · items 0/2" in text
    assert "pipes done 0, running 3" in text and "$0.0000" in text
    assert text.endswith("\r\x1b[2K")  # erased at the end
    assert b"\x1b" not in stdout  # the output itself carries no terminal codes
