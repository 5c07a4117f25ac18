"""A dry PipeBatch of N items on Temporal (embedded dev server, in-process worker), sliced into child workflows.

Checks and prints: wall time, leaves per second, peak memory of this process (client, worker and run), the
number of workflows, the largest workflow history (events), the events and bytes of all the histories, what the
payload store holds (a fresh folder: files and bytes by kind), and, at ``--compare`` items, that the output and
the graph's shape equal the direct backend's.

Usage: ``.venv/bin/python benchmarks/temporal_big_batch.py [--items 100000] [--compare 5000] [--chunk 1000]
[--concurrency 8] [--workers 0]``.
Figures are recorded in benchmarks/temporal.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from pipelex.backends.temporal.devserver import _die_with_parent  # pyright: ignore[reportPrivateUsage]

BUNDLE = """
domain = "reviews"
description = "Scores every review"
main_pipe = "score_all"

[pipe.score_all]
type = "PipeBatch"
description = "Scores each review"
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
prompt = "Score this review from 1 to 5: $review"
"""


def shape(graph: Any) -> tuple[Counter[tuple[str, ...]], Counter[tuple[str | None, ...]]]:
    """Nodes and edges without ids, timings and placements."""
    paths = {n.id: n.path for n in graph.nodes}
    nodes = Counter(
        (n.path, n.pipe_code, n.status, ",".join(o.concept for o in n.outputs)) for n in graph.nodes
    )
    edges = Counter((e.kind, paths[e.source], paths[e.target], e.label) for e in graph.edges)
    return nodes, edges


async def run(
    items: int, address: str, chunk: int, backend: str, concurrency: int = 8, queue: str | None = None
) -> tuple[Any, float]:
    from pipelex.boot import Pipelex
    from pipelex.config.settings import LimitsConfig, PipelexConfig, RuntimeConfig, TemporalConfig
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner

    config = PipelexConfig(
        temporal=TemporalConfig(
            is_enabled=True,
            address=address,
            in_process_worker=True,
            task_queue=queue or f"big-{uuid.uuid4().hex[:8]}",
            batch_chunk_size=chunk,
        ),
        limits=LimitsConfig(max_batch_items=max(items, 10_000)),
        runtime=RuntimeConfig(max_concurrency=concurrency),
    )
    Pipelex.make(config=config)
    try:
        start = time.perf_counter()
        output = await PipelexRunner(
            mthds_content=BUNDLE, pipe_run_mode=PipeRunMode.DRY, backend=backend
        ).execute_pipeline(  # type: ignore[arg-type]
            {"reviews": [f"review {i}" for i in range(items)]}
        )
        return output, time.perf_counter() - start
    finally:
        Pipelex.teardown()


async def histories(address: str, workflow_ids: set[str]) -> tuple[int, str, int, int]:
    """The largest history (events, workflow id), and the events and bytes of all of them."""
    from temporalio.client import Client

    client = await Client.connect(address)
    largest = (0, "")
    total_events = total_bytes = 0
    for workflow_id in sorted(workflow_ids):
        count = 0
        async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
            count += 1
            total_bytes += event.ByteSize()
        total_events += count
        largest = max(largest, (count, workflow_id))
    return largest[0], largest[1], total_events, total_bytes


def _worker(address: str, queue: str) -> subprocess.Popen[str]:
    """A ``pipelex worker`` on the run's task queue, beside the in-process one (same storage folder)."""
    env = {**os.environ, "PIPELEX_TEMPORAL_ADDRESS": address, "PIPELEX_TEMPORAL_TASK_QUEUE": queue}
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelex.cli.main", "worker", "--address", address],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_die_with_parent,  # never outlives the benchmark
    )
    while process.stdout is not None:
        line = process.stdout.readline()
        if not line or "serving task queue" in line:
            break
    assert process.poll() is None, "a worker did not start"
    threading.Thread(target=lambda: process.stdout and process.stdout.read(), daemon=True).start()  # drain it
    return process


def store_bytes(folder: Path, before: set[Path]) -> dict[str, tuple[int, int]]:
    """Files and bytes added to the payload store, by kind (the codec's offloaded payloads, stored items, traces)."""
    kinds: dict[str, tuple[int, int]] = {}
    for path in set(folder.glob("*")) - before:
        head = path.read_bytes()[:12]
        kind = (
            "items"
            if head.startswith(b'{"items"')
            else "trace"
            if head.startswith(b'{"events"')
            else "payloads"
        )
        files, size = kinds.get(kind, (0, 0))
        kinds[kind] = (files + 1, size + path.stat().st_size)
    return kinds


async def main_async(args: argparse.Namespace, address: str) -> None:
    if args.compare:
        temporal, _ = await run(args.compare, address, args.chunk, "temporal")
        direct, _ = await run(args.compare, address, args.chunk, "direct")
        same_output = temporal.main_stuff_json() == direct.main_stuff_json()
        same_graph = shape(temporal.graph) == shape(direct.graph)
        print(
            f"{args.compare:,} items: output equal to direct: {same_output}; graph shape equal: {same_graph}"
        )
        assert same_output and same_graph
    folder = Path(os.environ["PIPELEX_STORAGE_DIR"]) / "temporal-payloads"
    before = set(folder.glob("*"))
    queue = f"big-{uuid.uuid4().hex[:8]}"
    workers = [_worker(address, queue) for _ in range(args.workers)]
    try:
        output, seconds = await run(args.items, address, args.chunk, "temporal", args.concurrency, queue)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
    nodes = len(output.graph.nodes) + output.graph.folded_nodes  # past 10,000 children the graph folds them
    assert nodes == args.items + 1 and len(output.main_stuff_json()["items"]) == args.items
    top = next(n.placement["workflow_id"] for n in output.graph.nodes if n.placement)
    slices = {  # the slices' ids are known: <top>/<n>-<pipe>-items-<first index>
        f"{top}/{n + 1}-score_one-items-{first}" for n, first in enumerate(range(0, args.items, args.chunk))
    }
    workflows = {top, *slices}
    events, biggest, all_events, all_bytes = await histories(address, {top, *slices})
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.items:,} items: {seconds:.1f} s, {args.items / seconds:,.0f} leaves/s, peak RSS {peak_mb:,.0f} MB, "
        f"{len(workflows)} workflows ({len(slices)} slices of {args.chunk}), largest history {events:,} events "
        f"({biggest.rsplit('/', 1)[-1]}); all histories {all_events:,} events, {all_bytes / 1e6:,.1f} MB"
    )
    stored = store_bytes(folder, before)
    print(
        "payload store: "
        + ", ".join(
            f"{kind} {files:,} files {size / 1e6:,.1f} MB" for kind, (files, size) in sorted(stored.items())
        )
        + f"; {sum(s for _, s in stored.values()) / args.items:,.0f} bytes per item"
    )


def main() -> None:
    from pipelex.backends.temporal.devserver import DevServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--compare", type=int, default=5_000)
    parser.add_argument("--chunk", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=8, help="[runtime] max_concurrency of the big run")
    parser.add_argument(
        "--workers", type=int, default=0, help="pipelex worker processes beside the in-process one"
    )
    args = parser.parse_args()
    os.environ["PIPELEX_STORAGE_DIR"] = tempfile.mkdtemp(
        prefix="pipelex-big-batch-"
    )  # a fresh store, measured
    server = DevServer().wait_ready()
    try:
        asyncio.run(main_async(args, server.address))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
