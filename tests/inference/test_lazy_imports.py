"""Provider SDKs and engines are imported only when a live leaf needs them: `pipelex --help` and dry runs stay
light."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("openai", "anthropic", "boto3", "reportlab", "pypdfium2", "PIL")

SCRIPT = """
import sys, asyncio
from pipelex.cli.main import main
try:
    main(["--help"])
except SystemExit:
    pass
from pipelex.pipeline.runner import PipelexRunner
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
runner = PipelexRunner(bundle_uri="examples/menu_card.mthds", pipe_run_mode=PipeRunMode.DRY)
asyncio.run(runner.execute_pipeline(mock_inputs=True))
print("LOADED", [m for m in HEAVY if m in sys.modules])
"""


def test_help_and_dry_runs_import_no_sdk() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{SCRIPT}"],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "LOADED []"
