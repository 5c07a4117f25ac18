"""The diagram view of graph.html: embedded layout library and script, in a real headless Chromium.

The browser tests need Debian's ``chromium`` (``.ci/run`` installs it where it can); without it they skip with a
reason. They render pages of real runs (a condition, a failed run, a 2,000-item batch), let the page draw, and
read back what the diagram drew (``#diagram`` records its state and counts) and what the console said.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipelex.errors import PipeRunError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.tracing.graph import ExecutionGraph
from pipelex.tracing.html import graph_from_html, render_html

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"

TRIAGE = """
domain = "support"
description = "Triages tickets, then answers each one the way its urgency asks"
main_pipe = "handle_tickets"

[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
subject = { type = "text", description = "The subject line" }
urgent = { type = "boolean", description = "Whether it is urgent" }

[pipe.handle_tickets]
type = "PipeBatch"
description = "Answers every ticket"
inputs = { tickets = "Ticket[]" }
output = "Text[]"
branch_pipe_code = "answer_ticket"
input_list_name = "tickets"
input_item_name = "ticket"

[pipe.answer_ticket]
type = "PipeCondition"
description = "Urgent tickets get a call-back, the others a reply"
inputs = { ticket = "Ticket" }
output = "Text"
expression = "ticket.urgent"
outcomes = { "True" = "call_back", "False" = "reply" }
default_outcome = "reply"

[pipe.call_back]
type = "PipeLLM"
description = "Writes a call-back note"
inputs = { ticket = "Ticket" }
output = "Text"
prompt = "Write a call-back note about $ticket.subject."

[pipe.reply]
type = "PipeLLM"
description = "Writes a reply"
inputs = { ticket = "Ticket" }
output = "Text"
prompt = "Reply to $ticket.subject."
"""

BATCH = """
domain = "reviews"
description = "Scores reviews"
main_pipe = "score_all"

[pipe.score_all]
type = "PipeBatch"
description = "Scores every review"
inputs = { reviews = "Text[]" }
output = "Text[]"
branch_pipe_code = "score_one"
input_list_name = "reviews"
input_item_name = "review"

[pipe.score_one]
type = "PipeLLM"
description = "Scores one review"
inputs = { review = "Text" }
output = "Text"
prompt = "Score: $review"
"""

FAILING = """
domain = "sums"
description = "Adds, then fails on purpose"
main_pipe = "add_then_fail"

[pipe.add_then_fail]
type = "PipeSequence"
description = "Two steps, the second fails"
inputs = { note = "Text" }
output = "Text"
steps = [{ pipe = "copy", result = "copied" }, { pipe = "divide", result = "divided" }]

[pipe.copy]
type = "PipeCompose"
description = "Copies"
inputs = { note = "Text" }
output = "Text"
template = "{{ note.text }}"

[pipe.divide]
type = "PipeCompose"
description = "Divides by zero when rendered"
inputs = { copied = "Text" }
output = "Text"
template = "{{ (copied.text | length) / 0 }}"
"""


def run_graph(bundle: str, inputs: dict[str, object]) -> ExecutionGraph:
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    return asyncio.run(runner.execute_pipeline(inputs)).graph


def failed_graph() -> ExecutionGraph:
    """The graph of a run that failed, as the tracer left it (the runner keeps it on the error's context)."""
    from pipelex.backends.direct import run_in_process
    from pipelex.tracing.tracer import GraphTracer

    runner = PipelexRunner(mthds_content=FAILING, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    run = runner.prepare({"note": "twelve"})
    mode, library, entry, memory = run.mode, run.library, run.entry, run.memory
    tracer = GraphTracer(
        pipeline_run_id="failed", main_pipe=entry.code, domain=entry.domain, mode="dry", backend="direct"
    )
    with pytest.raises(PipeRunError):
        asyncio.run(
            run_in_process(entry, memory, library, run_mode=mode, settings=runner.settings, tracer=tracer)
        )
    return tracer.build()


def test_the_page_embeds_the_layout_library_and_stays_self_contained() -> None:
    graph = run_graph(
        TRIAGE,
        {
            "tickets": [
                {"subject": "Printer on fire", "urgent": True},
                {"subject": "Invoice copy", "urgent": False},
            ]
        },
    )
    page = render_html(graph)
    assert "var dagre=" in page and 'id="diagram"' in page
    assert not re.search(r"<script[^>]+src=", page) and "https://" not in page.split("<script>")[0]
    assert "default-src 'none'" in page  # the CSP still forbids every other source
    scripts = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    assert all("</" not in script for script in scripts)  # nothing can close a script element early
    assert graph_from_html(page) == graph  # the graph still reads back from the page


def test_an_empty_graph_has_no_diagram() -> None:
    empty = ExecutionGraph(
        graph_id="g", created_at="2026-01-01T00:00:00+00:00", pipeline_run_id="r", main_pipe="m"
    )
    assert 'id="diagram"' not in render_html(empty)


# ------------------------------------------------------------------------------------------------ in Chromium
CHROMIUM = next(
    (shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)),
    None,
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no headless Chromium here (Debian package chromium)"
)
slow = pytest.mark.slow
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=8000",
]


def in_chromium(page: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            *extra,
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def drawn(page: Path, tmp_path: Path) -> tuple[dict[str, str], str]:
    """The #diagram element's attributes after the page ran, and what it holds (the drawn SVG)."""
    done = in_chromium(page, tmp_path, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    console_errors = [
        line
        for line in done.stderr.splitlines()
        if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)
    ]
    assert console_errors == []
    match = re.search(r'<div id="diagram"([^>]*)>', done.stdout)
    assert match is not None, done.stdout[:2000]
    attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))
    start = match.start()
    return attributes, done.stdout[start : done.stdout.index("</div>", start)]  # the diagram, not the script


def screenshot(page: Path, tmp_path: Path, name: str, height: int) -> None:
    """A screenshot of the page; PIPELEX_UPDATE_SCREENSHOTS=1 also copies it to docs/images (the docs' pictures)."""
    shot = tmp_path / name
    in_chromium(page, tmp_path, f"--window-size=1400,{height}", f"--screenshot={shot}")
    assert shot.is_file() and shot.stat().st_size > 10_000  # a blank page compresses to a few hundred bytes
    if os.environ.get("PIPELEX_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / name)


@slow
@needs_chromium
def test_a_small_run_with_a_condition_draws_groups_stuffs_and_the_selected_outcome(tmp_path: Path) -> None:
    graph = run_graph(
        TRIAGE,
        {
            "tickets": [
                {"subject": "Printer on fire", "urgent": True},
                {"subject": "Invoice copy", "urgent": False},
            ]
        },
    )
    page = tmp_path / "graph.html"
    page.write_text(render_html(graph))
    attributes, dom = drawn(page, tmp_path)
    assert attributes["data-state"] == "ready", attributes
    # 1 batch + 2 conditions + their outcome runs (selected, and the other one checked in a dry run), + stuffs
    runs = len(graph.nodes)
    assert int(attributes["data-nodes"]) > runs and int(attributes["data-edges"]) >= 2
    assert dom.count('class="d-node d-run') == runs - 3  # every leaf run is a box (3 controllers are groups)
    assert dom.count("d-group st-") == 3
    assert "d-selected" in dom  # the outcome each condition selected is marked
    screenshot(page, tmp_path, "diagram-condition.png", 900)


@slow
@needs_chromium
def test_a_failed_run_is_highlighted(tmp_path: Path) -> None:
    graph = failed_graph()
    assert [n.pipe_code for n in graph.nodes if n.status == "failed"] == ["add_then_fail", "divide"]
    page = tmp_path / "graph.html"
    page.write_text(render_html(graph))
    attributes, dom = drawn(page, tmp_path)
    assert attributes["data-state"] == "ready"
    assert dom.count("d-run st-failed") == 1 and "d-group st-failed has-failure" in dom


@slow
@needs_chromium
def test_a_2000_item_batch_stays_readable(tmp_path: Path) -> None:
    graph = run_graph(BATCH, {"reviews": [f"review {i}" for i in range(2000)]})
    assert len(graph.nodes) == 2001
    page = tmp_path / "graph.html"
    page.write_text(render_html(graph))
    attributes, dom = drawn(page, tmp_path)
    assert attributes["data-state"] == "ready"
    # the first five items, one "+1,995 more runs" group, the batch group, the input and output stuffs
    assert dom.count('class="d-node d-run') == 5
    assert "+1,995 more runs" in dom
    assert int(attributes["data-nodes"]) < 20
    screenshot(page, tmp_path, "diagram-batch-2000.png", 760)
    assert json.loads(json.dumps(attributes))  # plain strings, nothing else
