"""Live throughput on Temporal with 1, 2 and 4 worker processes: does it scale with workers?

A live ``PipeBatch`` of ``--items`` (2,000) PipeLLM leaves against the fake provider (its own process, answering
in ``--latency``, 200 ms), on the embedded dev server (127.0.0.1), with the leaves routed the way a deployment
routes them: ``queue_by_model`` sends the model's leaves to a queue of their own, paced by
``queue_rate_limits`` (Temporal's ``max_task_queue_activities_per_second``, enforced by the server across all
the queue's workers). Workers are real ``pipelex worker`` processes (``--max-concurrent-activities``
``--slots``, 16 by default: a worker's activity slots are the unit of capacity that adding a worker adds); the
client runs no worker. The batch's own bound (``[runtime] max_concurrency``) is set high so that it is not what
limits the run.

For each worker count: wall time of the run (start to output), leaves per second, speedup over one worker,
the ideal (``workers x slots / latency`` leaves per second), how the leaves spread over the workers (from the
placements in the execution graph), and the largest number of calls the fake answered at once. A last run,
with ``--limited-rate`` (40 per second) on the model's queue and the most workers, checks that the rate limit
holds whatever the number of workers.

    .venv/bin/python benchmarks/temporal_scaling.py [--items 2000] [--latency 0.2] [--workers 1 2 4] [--slots 16]

Not a test: timings depend on the machine. Figures go in ``benchmarks/temporal.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from pipelex.backends.temporal.devserver import _die_with_parent  # pyright: ignore[reportPrivateUsage]

MODEL = "gpt-4o-mini"
QUEUE = "bench-llm"
BUNDLE = f"""
domain = "bench"
description = "Labels every crate"
main_pipe = "label_all"

[pipe.label_all]
type = "PipeBatch"
description = "Label every crate"
inputs = {{ crates = "Text[]" }}
output = "Text[]"
branch_pipe_code = "label_one"
input_list_name = "crates"
input_item_name = "crate"

[pipe.label_one]
type = "PipeLLM"
description = "Label one crate"
inputs = {{ crate = "Text" }}
output = "Text"
model = "{MODEL}"
prompt = "Write the label for $crate in eight words."
"""


def _admin(root: str, what: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{root}/_fake/{what}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"content-type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 - the fake, on 127.0.0.1
        return json.loads(reply.read() or b"{}")


def _config_file(folder: Path, address: str, task_queue: str, rate: float) -> Path:
    path = folder / f"pipelex-{task_queue}.toml"
    path.write_text(
        "[temporal]\n"
        "is_enabled = true\n"
        f'address = "{address}"\n'
        f'task_queue = "{task_queue}"\n'
        "in_process_worker = false\n"
        f'queue_by_model = {{ "{MODEL}" = "{QUEUE}-{task_queue}" }}\n'
        f'queue_rate_limits = {{ "{QUEUE}-{task_queue}" = {rate} }}\n'
        "\n[runtime]\nmax_concurrency = 4000\n"
        "\n[models.calls]\nmax_concurrency = 1000\n"
        "\n[limits]\nmax_batch_items = 1000000\n"
    )
    return path


class Workers:
    """``count`` ``pipelex worker`` processes serving the run's queues."""

    def __init__(self, count: int, env: dict[str, str], slots: int) -> None:  # noqa: D107
        self.processes: list[subprocess.Popen[str]] = []
        for _ in range(count):
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pipelex.cli.main",
                    "worker",
                    "--max-concurrent-activities",
                    str(slots),
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                preexec_fn=_die_with_parent,  # never outlives the benchmark
            )
            self.processes.append(process)
        for process in self.processes:
            seen: list[str] = []
            while process.stdout is not None and not any("serving task queue" in line for line in seen[-1:]):
                line = process.stdout.readline()
                if not line:
                    self.stop()
                    raise SystemExit("a worker did not start:\n" + "".join(seen))
                seen.append(line)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if needed."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout:
                process.stdout.close()


async def _run(items: int, config_path: Path) -> tuple[float, Any]:
    import tomllib

    from pipelex.boot import Pipelex
    from pipelex.config.settings import PipelexConfig
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner

    config = PipelexConfig.model_validate(tomllib.loads(config_path.read_text()))
    Pipelex.make(config=config)
    try:
        start = time.perf_counter()
        output = await PipelexRunner(
            mthds_content=BUNDLE, pipe_run_mode=PipeRunMode.LIVE, backend="temporal"
        ).execute_pipeline({"crates": [f"crate {i}" for i in range(items)]})
        return time.perf_counter() - start, output
    finally:
        Pipelex.teardown()


def _measure(
    args: argparse.Namespace, address: str, base_env: dict[str, str], folder: Path, count: int, rate: float
) -> dict[str, Any]:
    task_queue = f"scale-{uuid.uuid4().hex[:6]}"
    config_path = _config_file(folder, address, task_queue, rate)
    env = {**base_env, "PIPELEX_CONFIG": str(config_path)}
    os.environ["PIPELEX_CONFIG"] = str(config_path)
    workers = Workers(count, env, args.slots)
    try:
        _admin(args.root, "reset", {})
        seconds, output = asyncio.run(_run(args.items, config_path))
        calls = _admin(args.root, "calls")
    finally:
        workers.stop()
    leaves = [n for n in output.graph.nodes if n.pipe_code == "label_one"]
    queues = Counter(n.placement.get("task_queue") for n in leaves if n.placement)
    spread = Counter(n.placement.get("worker") for n in leaves if n.placement)
    assert len(leaves) == args.items and len(output.main_stuff_json()["items"]) == args.items
    assert set(queues) == {f"{QUEUE}-{task_queue}"}, (
        f"the leaves did not all run on the model's queue: {queues}"
    )
    return {
        "workers": count,
        "seconds": seconds,
        "rate": args.items / seconds,
        "spread": sorted(spread.values(), reverse=True),
        "in_flight": calls.get("max_in_flight"),
        "calls": calls.get("total"),
    }


def main() -> None:
    from pipelex.backends.temporal.devserver import DevServer
    from pipelex.testing.fake_provider import FAKE_API_KEY

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--slots", type=int, default=16, help="--max-concurrent-activities of each worker")
    parser.add_argument(
        "--rate", type=float, default=10_000.0, help="the model queue's rate limit (per second)"
    )
    parser.add_argument(
        "--limited-rate", type=float, default=40.0, help="a last run at this rate limit (0: none)"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pipelex-scaling-"))
    storage = str(folder / "storage")
    os.environ["PIPELEX_STORAGE_DIR"] = storage
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    fake = subprocess.Popen(
        [sys.executable, "-m", "pipelex.testing.fake_provider", "--latency", str(args.latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    server = DevServer().wait_ready()
    try:
        assert fake.stdout is not None
        base_url = fake.stdout.readline().strip()
        args.root = base_url.removesuffix("/v1")
        fake_env = {"OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": FAKE_API_KEY}
        os.environ.update(fake_env)
        base_env = {**os.environ, **fake_env, "PIPELEX_STORAGE_DIR": storage}
        _measure(
            argparse.Namespace(**{**vars(args), "items": 50}), server.address, base_env, folder, 1, args.rate
        )  # warm-up: imports, first connections
        print(
            f"\n{args.items:,} live PipeLLM leaves, fake provider answering in {args.latency * 1000:.0f} ms, "
            f"{args.slots} activity slots per worker, model queue rate limit {args.rate:g}/s\n"
        )
        print(
            "| workers | time | leaves/s | speedup | ideal leaves/s | leaves per worker | calls in flight (max) |"
        )
        print("|---:|---:|---:|---:|---:|---|---:|")
        base = None
        for count in args.workers:
            row = _measure(args, server.address, base_env, folder, count, args.rate)
            base = base or row["rate"]
            ideal = count * args.slots / args.latency
            print(
                f"| {count} | {row['seconds']:.1f} s | {row['rate']:.0f} | {row['rate'] / base:.2f}x | {ideal:.0f} "
                f"| {'/'.join(map(str, row['spread']))} | {row['in_flight']} |",
                flush=True,
            )
        if args.limited_rate:
            count = max(args.workers)
            row = _measure(args, server.address, base_env, folder, count, args.limited_rate)
            print(
                f"\nrate limit {args.limited_rate:g}/s on the model's queue, {count} workers: {row['seconds']:.1f} s, "
                f"{row['rate']:.1f} leaves/s (leaves per worker {'/'.join(map(str, row['spread']))})"
            )
    finally:
        server.stop()
        fake.terminate()
        fake.wait(timeout=10)


if __name__ == "__main__":
    main()
