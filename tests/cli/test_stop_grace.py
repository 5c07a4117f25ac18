"""A run asked to stop (SIGTERM, Ctrl-C) stops at its next leaf or await; one whose main thread is busy where it
cannot stop (a function computing for minutes) is interrupted where it is once the grace has run out
(``STOP_GRACE_SECONDS``), its folder kept, instead of running on until the computation ends."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.cli.test_faults import CRASH_MARKS, REPO, cli_env, sigint_at

pytestmark = pytest.mark.slow  # real processes

BUSY_BUNDLE = textwrap.dedent("""
    domain      = "busy"
    description = "A step that computes for minutes"
    main_pipe   = "main"

    [pipe.main]
    type        = "PipeSequence"
    description = "Shout, then spin"
    inputs      = { text = "Text" }
    output      = "Text"
    steps       = [{ pipe = "shout_it", result = "loud" }, { pipe = "spin_it", result = "spun" }]

    [pipe.shout_it]
    type          = "PipeFunc"
    description   = "Shouts"
    inputs        = { text = "Text" }
    output        = "Text"
    function_name = "tests.temporal.funcs.shout"

    [pipe.spin_it]
    type          = "PipeFunc"
    description   = "Computes without yielding"
    inputs        = { loud = "Text" }
    output        = "Text"
    function_name = "tests.cli.busy_funcs.spin"
""")


def wait_for_line(path: Path, prefix: str, *, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and any(line.startswith(prefix) for line in path.read_text().splitlines()):
            return
        time.sleep(0.1)
    raise AssertionError(f"no line {prefix!r} in {path} after {timeout} s")


@pytest.mark.parametrize("sigint", [signal.SIG_DFL, signal.SIG_IGN], ids=["foreground", "background"])
def test_a_run_busy_in_a_function_stops_after_the_grace_and_keeps_its_folder(
    tmp_path: Path, sigint: signal.Handlers
) -> None:
    bundle = tmp_path / "busy.mthds"
    bundle.write_text(BUSY_BUNDLE, encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelex.cli.main",
            "run",
            "bundle",
            str(bundle),
            "-i",
            '{"text": "hi"}',
            "-o",
            "out",
        ],
        cwd=tmp_path,
        env=cli_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_at(sigint),
    )
    try:
        wait_for_line(tmp_path / "calls.log", "spin ")
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=150)  # the function alone would compute for 300 s
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, out + err
    assert not any(mark in out + err for mark in CRASH_MARKS), out + err
    assert "did not stop within 10 s of the signal" in err
    assert "error: interrupted" in err
    assert took < 150
    graph = json.loads((tmp_path / "out" / "main_01" / "graph.json").read_text())
    statuses = {node["pipe_code"]: node["status"] for node in graph["nodes"]}
    assert statuses["shout_it"] == "succeeded", statuses
    assert statuses["spin_it"] != "succeeded", statuses


SCRIPT = textwrap.dedent("""
    import os, signal, sys, threading
    from pipelex.cli.commands import _run_interruptibly

    async def spin():
        open(sys.argv[2], "w").write("spinning")
        while True:
            pass

    async def quick():
        return "done"

    try:
        result = _run_interruptibly(spin if sys.argv[3] == "spin" else quick, inline=sys.argv[1] == "inline", grace=1.0)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(42)
    if sys.argv[3] == "quick":
        # the run is over: a SIGTERM now meets the handler that was there before (here Python's default), not
        # the run's: the process ends as a plain SIGTERM ends it
        print(result, flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
        threading.Event().wait(30)
""")


@pytest.mark.parametrize("mode", ["inline", "loop"])
def test_the_grace_interrupts_a_coroutine_that_never_awaits(tmp_path: Path, mode: str) -> None:
    marker = tmp_path / "started"
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, mode, str(marker), "spin"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 42, out + err
    assert out.strip() == "interrupted"
    assert "did not stop within 1 s of the signal" in err


@pytest.mark.parametrize("mode", ["inline", "loop"])
def test_a_finished_run_leaves_no_handler_or_timer_behind(tmp_path: Path, mode: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode, str(tmp_path / "unused"), "quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "done"
    assert result.returncode == -signal.SIGTERM, result.stdout + result.stderr
    assert "did not stop" not in result.stderr
