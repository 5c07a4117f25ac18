"""A live run from Python against the fake provider, with the cost table: no real provider, no spend.

    .venv/bin/python examples/live_with_fake_provider.py

Starts the fake OpenAI-compatible provider on 127.0.0.1, points the environment at it, runs
``menu_card.mthds`` live, prints the menu card and the cost table by model.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.reporting.console import render_cost_table
from pipelex.testing.fake_provider import FakeProvider

HERE = Path(__file__).resolve().parent


async def run() -> None:
    """Run the menu card bundle live and print its output and costs."""
    runner = PipelexRunner(bundle_uri=HERE / "menu_card.mthds", pipe_run_mode=PipeRunMode.LIVE)
    output = await runner.execute_pipeline(inputs={"kitchen_note": "leeks, eggs, butter, a little cream"})
    print(output.main_stuff_json()["text"])
    print(render_cost_table(output.usage))
    unpriced = output.usage.unpriced_models  # the fake is no official host: list prices do not apply to it
    cost = f"unpriced ({', '.join(unpriced)})" if unpriced else f"${output.usage.total_cost_usd:.6f}"
    print(f"total: {output.usage.calls} call(s), {cost}")


def main() -> None:
    """Serve the fake provider for the duration of the run."""
    with FakeProvider(latency=0.05) as fake:
        os.environ.update(fake.env())
        os.environ.setdefault("PIPELEX_STORAGE_DIR", tempfile.mkdtemp(prefix="pipelex-example-"))
        asyncio.run(run())


if __name__ == "__main__":
    main()
