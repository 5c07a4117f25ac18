"""A dry PipeSequence of N leaf steps on Temporal (embedded dev server, in-process worker), run in chunks of steps.

Prints: wall and CPU time of this process (client, worker and run), steps per second, peak memory, the number of
workflows (the sequence's and its chunks), the largest history (events and bytes) against Temporal's limits, and
the events and bytes of all the histories, with the load average. At ``--compare`` steps it first checks that the
output, the memory and the graph's shape equal the direct backend's.

Usage: ``.venv/bin/python benchmarks/temporal_long_sequence.py [--steps 20000] [--chunk 1000] [--compare 300]
[--distinct]`` (``--distinct``: each step writes a result of its own, so the memory grows with the sequence).
Figures are recorded in benchmarks/temporal.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import tempfile
import time
import uuid
from collections import Counter
from typing import Any

LEAVES = ("revise", "expand", "tighten")


def long_sequence(steps: int, *, distinct: bool = False) -> str:
    """A sequence of ``steps`` dry leaves (PipeLLM) taking turns, each reading the text the previous one wrote
    (``text``); ``distinct``: each leaf step is followed by a binding step keeping its text under a name of its own
    (``kept_1``, ``kept_2``, ...), so the working memory grows with the sequence."""
    listed: list[str] = []
    for i in range(steps):
        listed.append(f'  {{ pipe = "{LEAVES[i % 3]}", result = "text" }}')
        if distinct:
            listed.append(f'  {{ from = "text", result = "kept_{i + 1}" }}')
    leaves = "".join(
        f"""
[pipe.{code}]
type = "PipeLLM"
description = "{code.capitalize()}s the text"
inputs = {{ text = "Text" }}
output = "Text"
prompt = "{code.capitalize()}: $text"
"""
        for code in LEAVES
    )
    steps_text = ",\n".join(listed)
    return f"""domain = "long"
description = "A long generated sequence"
main_pipe = "main"

[pipe.main]
type = "PipeSequence"
description = "{steps} leaf steps"
inputs = {{ text = "Text" }}
output = "Text"
steps = [
{steps_text},
]
{leaves}"""


def shape(graph: Any) -> tuple[Counter[tuple[str, ...]], Counter[tuple[str | None, ...]]]:
    """Nodes and edges without ids, timings and placements."""
    paths = {n.id: n.path for n in graph.nodes}
    nodes = Counter(
        (n.path, n.pipe_code, n.status, ",".join(o.concept for o in n.outputs)) for n in graph.nodes
    )
    edges = Counter((e.kind, paths[e.source], paths[e.target], e.label) for e in graph.edges)
    return nodes, edges


async def run(bundle: str, address: str, chunk: int, backend: str) -> tuple[Any, float, float]:
    """The run's output, its wall time and this process's CPU time during it."""
    from pipelex.boot import Pipelex
    from pipelex.config.settings import PipelexConfig, TemporalConfig
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner

    config = PipelexConfig(
        temporal=TemporalConfig(
            is_enabled=True,
            address=address,
            in_process_worker=True,
            task_queue=f"long-{uuid.uuid4().hex[:8]}",
            sequence_chunk_size=chunk,
        )
    )
    Pipelex.make(config=config)
    try:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        output = await PipelexRunner(
            mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend=backend
        ).execute_pipeline(  # type: ignore[arg-type]
            {"text": "a start"}
        )
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
        return output, time.perf_counter() - start, cpu
    finally:
        Pipelex.teardown()


async def histories(address: str, workflow_ids: set[str]) -> dict[str, tuple[int, int]]:
    """Events and bytes of each history."""
    from temporalio.client import Client

    client = await Client.connect(address)
    sizes: dict[str, tuple[int, int]] = {}
    for workflow_id in sorted(workflow_ids):
        count = size = 0
        async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
            count += 1
            size += event.ByteSize()
        sizes[workflow_id] = (count, size)
    return sizes


def chunk_ids(ids: set[str]) -> set[str]:
    """Every workflow above a placed node (chunks of chunks hold no node of their own)."""
    return {"/".join(w.split("/")[: i + 1]) for w in ids for i in range(w.count("/") + 1)}


async def main_async(args: argparse.Namespace, address: str) -> None:
    if args.compare:
        bundle = long_sequence(args.compare, distinct=args.distinct)
        small = max(2, args.compare // 7)  # several chunks, and chunks of chunks
        temporal, _, _ = await run(bundle, address, small, "temporal")
        direct, _, _ = await run(bundle, address, small, "direct")
        same = (
            temporal.main_stuff_json() == direct.main_stuff_json(),
            shape(temporal.graph) == shape(direct.graph),
            set(temporal.working_memory.root) == set(direct.working_memory.root),
        )
        print(f"{args.compare:,} steps in chunks of {small}: output, graph shape, memory names equal: {same}")
        assert all(same)
    output, seconds, cpu = await run(
        long_sequence(args.steps, distinct=args.distinct), address, args.chunk, "temporal"
    )
    nodes = len(output.graph.nodes) + output.graph.folded_nodes  # past 10,000 children the graph folds them
    assert nodes == args.steps + 1, nodes  # binding steps make no node
    placed = {n.placement["workflow_id"] for n in output.graph.nodes if n.placement}
    sizes = await histories(address, chunk_ids(placed))
    (events, size), biggest = max((v, k) for k, v in sizes.items())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{args.steps:,} steps (chunks of {args.chunk}{', distinct results' if args.distinct else ''}): "
        f"{seconds:.0f} s wall, {cpu:.0f} s CPU, {args.steps / seconds:,.1f} steps/s, peak RSS {peak_mb:,.0f} MB, "
        f"{len(sizes)} workflows, largest history {events:,} events / {size / 1e6:.1f} MB "
        f"({biggest.rsplit('/', 1)[-1]}); all histories {sum(e for e, _ in sizes.values()):,} events, "
        f"{sum(s for _, s in sizes.values()) / 1e6:,.1f} MB; load {load}"
    )


def main() -> None:
    from pipelex.backends.temporal.devserver import DevServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=1_000, help="[temporal] sequence_chunk_size")
    parser.add_argument(
        "--compare", type=int, default=300, help="steps of the comparison with direct (0: none)"
    )
    parser.add_argument("--distinct", action="store_true", help="each step writes a result of its own")
    args = parser.parse_args()
    os.environ["PIPELEX_STORAGE_DIR"] = tempfile.mkdtemp(prefix="pipelex-long-sequence-")
    server = DevServer().wait_ready()
    try:
        asyncio.run(main_async(args, server.address))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
