"""Live runs from the CLI against the fake provider: output, cost table (--costs/--no-costs, [reporting]),
the example bundles, and the concurrency bound of provider calls."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelex.testing.fake_provider import FakeProvider
from tests.conftest import CliResult
from tests.inference.conftest import RunBundle, boot, make_pdf

RunCli = Callable[..., CliResult]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_live_cli_run_prints_the_cost_table(live: FakeProvider, run_cli: RunCli, tmp_path: Path) -> None:
    code, out, err = run_cli(
        "run",
        "bundle",
        str(EXAMPLES / "menu_card.mthds"),
        "-i",
        '{"kitchen_note": "leeks, eggs"}',
        "-o",
        str(tmp_path),
    )
    assert code == 0, err
    assert "live run of 'write_menu_card'" in out and "cost report" in out
    row = next(line for line in out.splitlines() if line.startswith("gpt-4o "))
    assert row.split()[2] == "2"  # calls
    graph = json.loads(next(tmp_path.rglob("graph.json")).read_text())
    assert graph["usage"]["total"]["calls"] == 2 and graph["mode"] == "live"
    assert live.calls["chat"] == 2


def test_no_costs_flag_and_reporting_config(live: FakeProvider, run_cli: RunCli, tmp_path: Path) -> None:
    args = (
        "run",
        "bundle",
        str(EXAMPLES / "menu_card.mthds"),
        "-i",
        '{"kitchen_note": "leeks"}',
        "-o",
        str(tmp_path),
    )
    assert "cost report" not in run_cli(*args, "--no-costs")[1]
    boot(reporting={"is_cost_report_enabled": False})
    assert "cost report" not in run_cli(*args)[1]
    assert "cost report" in run_cli(*args, "--costs")[1]


def test_dry_run_prints_no_cost_table(live: FakeProvider, run_cli: RunCli, tmp_path: Path) -> None:
    code, out, _ = run_cli(
        "run",
        "bundle",
        str(EXAMPLES / "menu_card.mthds"),
        "--dry-run",
        "--mock-inputs",
        "-o",
        str(tmp_path),
        "--costs",
    )
    assert code == 0 and "cost report" not in out and live.total_calls == 0


def test_pdf_extraction_example_runs_live_with_no_key(no_keys: None, run_cli: RunCli, tmp_path: Path) -> None:
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(make_pdf(["Dear neighbour,", "The hedge will be cut on Monday."]))
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"document": "letter.pdf"}))
    code, out, err = run_cli(
        "run", "bundle", str(EXAMPLES / "extract_pdf.mthds"), "-i", str(inputs), "-o", str(tmp_path / "out")
    )
    assert code == 0, err
    pages = json.loads(next((tmp_path / "out").rglob("main_stuff.json")).read_text())["items"]
    assert [p["text_and_images"]["text"]["text"] for p in pages] == [
        "Dear neighbour,",
        "The hedge will be cut on Monday.",
    ]
    assert "cost report" not in out


def test_example_pdf_is_committed_and_extracts(no_keys: None, run_cli: RunCli, tmp_path: Path) -> None:
    code, out, err = run_cli(
        "run",
        "bundle",
        str(EXAMPLES / "extract_pdf.mthds"),
        "-i",
        str(EXAMPLES / "extract_pdf_inputs.json"),
        "-o",
        str(tmp_path),
    )
    assert code == 0, err
    assert "opening hours" in next(tmp_path.rglob("main_stuff.json")).read_text().lower()


BATCH = """
domain = "labels"
main_pipe = "label_all"

[pipe.label_all]
type = "PipeBatch"
description = "Label every crate"
inputs = { crates = "Text[]" }
output = "Text[]"
branch_pipe_code = "label_one"
input_list_name = "crates"
input_item_name = "crate"

[pipe.label_one]
type = "PipeLLM"
description = "Label one crate"
inputs = { crate = "Text" }
output = "Text"
prompt = "Label for $crate"
"""


@pytest.mark.parametrize("bound", [1, 4])
async def test_batch_calls_run_concurrently_up_to_the_bound(
    live: FakeProvider, run_bundle: RunBundle, bound: int
) -> None:
    boot(runtime={"max_concurrency": bound})
    live.latency = 0.15  # long enough for the bound's calls to overlap at the server even on a slow machine
    output = await run_bundle(BATCH, {"crates": [f"crate {i}" for i in range(8)]})
    assert len(output.main_stuff_json()["items"]) == 8 and live.calls["chat"] == 8
    assert live.max_in_flight == bound


def test_python_example_runs_live_and_prints_the_cost_table() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "live_with_fake_provider.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Fake reply of gpt-4o" in result.stdout and "cost report" in result.stdout
    assert "total: 2 call(s), unpriced (gpt-4o)" in result.stdout  # the fake is no official host: no $0 claim
    assert "$0.0" not in result.stdout


PARALLEL = """
domain = "weather"
main_pipe = "report"

[pipe.report]
type = "PipeParallel"
description = "Three forecasts at once"
inputs = { place = "Text" }
output = "Composite"
branches = [
  { pipe = "forecast", result = "morning" },
  { pipe = "forecast", result = "afternoon" },
  { pipe = "forecast", result = "evening" },
]

[pipe.forecast]
type = "PipeLLM"
description = "A forecast"
inputs = { place = "Text" }
output = "Text"
prompt = "Weather in $place"
"""


async def test_parallel_branches_call_the_provider_concurrently(
    live: FakeProvider, run_bundle: RunBundle
) -> None:
    live.latency = 0.15
    output = await run_bundle(PARALLEL, {"place": "Brest"})
    assert live.calls["chat"] == 3 and live.max_in_flight == 3
    assert output.usage.calls == 3
    report = next(n for n in output.graph.nodes if n.pipe_code == "report")
    assert report.usage is not None and report.usage["calls"] == 3
