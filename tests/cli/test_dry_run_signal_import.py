"""An inline dry run sets its stop handlers (SIGTERM, SIGINT) with ``_signal``, the C module that ``signal`` wraps:
importing ``signal`` builds its enums (~0.35 ms of every dry run), and nothing else on an inline run's path needs it.
The handlers themselves are tested in ``test_stop_grace.py`` and ``test_dry_run_inline.py``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from pipelex.cli.main import main
code = main(sys.argv[1:], one_command=True)
print("LOADED", code, "signal" in sys.modules, "asyncio" in sys.modules)
"""


@pytest.mark.parametrize(
    "argv",
    [
        ("benchmarks/bundles/order_desk.mthds", "-i", "benchmarks/bundles/order_desk_inputs.json"),
        ("examples/menu_card.mthds", "--mock-inputs"),
    ],
    ids=["order_desk", "menu_card"],
)
def test_an_inline_dry_run_does_not_import_signal(argv: tuple[str, ...], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, "run", "bundle", *argv, "--dry-run", "-q", "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    line = next(line for line in reversed(result.stdout.splitlines()) if line.startswith("LOADED "))
    _, code, signal_loaded, asyncio_loaded = line.split()
    assert code == "0", result.stderr
    assert (
        asyncio_loaded == "False"
    )  # the run was inline (a run in an event loop imports signal with asyncio)
    assert signal_loaded == "False", "an inline dry run imported signal: set its handlers with _signal"
