"""Live batch throughput and the engine's own overhead per live leaf, against the fake provider.

1. **Batch throughput**: a PipeBatch of ``--items`` (100) LLM leaves against the fake provider answering in
   ``--latency`` (200 ms), for several concurrency bounds (``[runtime] max_concurrency``). The ideal is
   ``items x latency / bound``; the report shows the measured wall time beside it.
2. **Overhead per live leaf**: ``--leaves`` sequential leaves against the fake with no latency, compared with
   the same number of bare SDK calls (same client library, same server, same request size). The difference,
   divided by the number of leaves, is what pipelex itself adds to a live leaf (rendering, job building, deck
   resolution, retries wrapper, usage accounting, tracing, output checks).

    .venv/bin/python benchmarks/live_batch.py [--items 100] [--latency 0.2] [--bounds 8 25 50 100] [--runs 3]

Not a test: timings depend on the machine. Figures go in ``benchmarks/live.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from pipelex.boot import Pipelex
from pipelex.config.settings import PipelexConfig
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.testing.fake_provider import FAKE_API_KEY

BATCH = """
domain = "bench"
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
prompt = "Write the label for $crate in eight words."

[pipe.chain]
type = "PipeSequence"
description = "Leaves one after the other"
inputs = { crate = "Text" }
output = "Text"
steps = [STEPS]
"""


def _boot(bound: int) -> None:
    config = PipelexConfig.model_validate(
        {"runtime": {"max_concurrency": bound}, "models": {"calls": {"max_concurrency": max(bound, 64)}}}
    )
    Pipelex.make(config=config)


async def _batch(items: int, bound: int) -> float:
    _boot(bound)
    runner = PipelexRunner(
        mthds_content=BATCH.replace("STEPS", '{ pipe = "label_one", result = "x" }'),
        pipe_run_mode=PipeRunMode.LIVE,
    )
    runner.load()
    start = time.perf_counter()
    output = await runner.execute_pipeline(inputs={"crates": [f"crate {i}" for i in range(items)]})
    elapsed = time.perf_counter() - start
    assert len(output.main_stuff_json()["items"]) == items
    return elapsed


async def _chain(leaves: int) -> float:
    _boot(8)
    steps = ", ".join('{ pipe = "label_one", result = "crate" }' for _ in range(leaves))
    runner = PipelexRunner(mthds_content=BATCH.replace("STEPS", steps), pipe_run_mode=PipeRunMode.LIVE)
    runner.load()
    start = time.perf_counter()
    await runner.execute_pipeline(inputs={"crate": "crate 0"}, pipe_code="chain")
    return time.perf_counter() - start


async def _bare_sdk(leaves: int, base_url: str) -> float:
    from openai import AsyncOpenAI

    async with AsyncOpenAI(api_key="bench", base_url=base_url, max_retries=0) as client:
        start = time.perf_counter()
        text = "crate 0"
        for _ in range(leaves):
            reply = await client.chat.completions.create(
                model="gpt-4o",
                messages=[{"role": "user", "content": f"Write the label for {text} in eight words."}],
            )
            text = reply.choices[0].message.content or ""
        return time.perf_counter() - start


def _admin(root: str, route: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{root}/_fake/{route}",
        data=data,
        method="POST" if data else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def main() -> None:
    """Run both benchmarks and print a markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--bounds", type=int, nargs="+", default=[8, 25, 50, 100])
    parser.add_argument("--leaves", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    storage = tempfile.mkdtemp(prefix="pipelex-bench-")
    os.environ["PIPELEX_STORAGE_DIR"] = storage
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}")
    # the fake runs in its own process, as a real provider would (in a thread it would share our GIL)
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelex.testing.fake_provider", "--latency", str(args.latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        root = base_url.removesuffix("/v1")
        os.environ.update({"OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": FAKE_API_KEY})
        asyncio.run(_batch(10, 10))  # warm-up: imports, first connections
        print(
            f"\n## Batch of {args.items} LLM leaves, fake provider answering in {args.latency * 1000:.0f} ms\n"
        )
        print(
            "| bound | ideal (ceil(items / bound) x latency) | measured (median) | ratio | calls in flight |"
        )
        print("|---:|---:|---:|---:|---:|")
        for bound in args.bounds:
            times = []
            in_flight = 0
            for _ in range(args.runs):
                _admin(root, "reset", {})
                times.append(asyncio.run(_batch(args.items, bound)))
                in_flight = max(in_flight, _admin(root, "calls")["max_in_flight"])
            ideal = -(-args.items // bound) * args.latency
            median = statistics.median(times)
            print(f"| {bound} | {ideal:.2f} s | {median:.2f} s | {median / ideal:.2f} | {in_flight} |")
        _admin(root, "latency", {"latency": 0.0})
        asyncio.run(_chain(5))  # warm-up
        asyncio.run(_bare_sdk(5, base_url))
        engine = statistics.median(asyncio.run(_chain(args.leaves)) for _ in range(args.runs))
        bare = statistics.median(asyncio.run(_bare_sdk(args.leaves, base_url)) for _ in range(args.runs))
        print(
            f"\n## Overhead per live leaf ({args.leaves} sequential leaves, fake provider with no latency)\n"
        )
        print("| | total | per leaf |")
        print("|---|---:|---:|")
        print(
            f"| pipelex run (sequence of PipeLLM leaves) | {engine:.3f} s | {engine / args.leaves * 1000:.2f} ms |"
        )
        print(
            f"| bare SDK calls (same server, same prompts) | {bare:.3f} s | {bare / args.leaves * 1000:.2f} ms |"
        )
        print(
            f"| **engine overhead** | {engine - bare:.3f} s | **{(engine - bare) / args.leaves * 1000:.2f} ms** |"
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
    Pipelex.teardown()
    print(f"\n(storage folder: {Path(storage)})")


if __name__ == "__main__":
    main()
