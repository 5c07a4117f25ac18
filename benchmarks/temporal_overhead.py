"""Temporal overhead per leaf: pipelex on Temporal vs. the same shape written directly with the temporalio SDK.

Two shapes, dry, on one local dev server (127.0.0.1, started and stopped here):

- a 20-step sequence: one workflow running 20 leaves one after the other;
- a 200-item batch: one workflow running 200 leaves, 8 at a time (pipelex's default concurrency bound).

pipelex: ``PipelexRunner(..., backend="temporal")`` on a bundle of PipeLLM leaves in dry mode, an in-process
worker (the full path: payloads with the library and the memory, leaves mocking inside the worker, trace
events, the graph replayed on the client). Bare SDK: a workflow with the same number of activities that do
no work, an in-process worker, default data converter and sandbox.

Usage: ``.venv/bin/python benchmarks/temporal_overhead.py [--repeat 5]``. Prints per-leaf medians and the
ratio (goal: pipelex within 1.3x of the bare SDK figure). Figures are recorded in benchmarks/temporal.md.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import statistics
import time
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

SEQ_STEPS = 20
BATCH_ITEMS = 200
CONCURRENCY = 8


# ---------------------------------------------------------------------------------------------------- bare SDK
@activity.defn(name="bare_leaf")
async def bare_leaf(value: str) -> str:
    """A leaf that does no work."""
    return value


@workflow.defn(name="BareSequence")
class BareSequence:
    """``n`` activities, one after the other."""

    @workflow.run
    async def run(self, n: int) -> str:
        """Run the leaves."""
        value = "x"
        for _ in range(n):
            value = await workflow.execute_activity(
                bare_leaf, value, start_to_close_timeout=timedelta(minutes=1)
            )
        return value


@workflow.defn(name="BareBatch")
class BareBatch:
    """``n`` activities, ``CONCURRENCY`` at a time."""

    @workflow.run
    async def run(self, n: int) -> list[str]:
        """Run the leaves."""
        semaphore = asyncio.Semaphore(CONCURRENCY)

        async def one(i: int) -> str:
            async with semaphore:
                return await workflow.execute_activity(
                    bare_leaf, f"item {i}", start_to_close_timeout=timedelta(minutes=1)
                )

        return list(await asyncio.gather(*(one(i) for i in range(n))))


async def bare_round(client: Client, queue: str) -> dict[str, float]:
    """One timing of each bare SDK shape."""
    times: dict[str, float] = {}
    start = time.perf_counter()
    await client.execute_workflow(
        BareSequence.run, SEQ_STEPS, id=f"bare-seq-{uuid.uuid4().hex}", task_queue=queue
    )
    times["sequence"] = time.perf_counter() - start
    start = time.perf_counter()
    await client.execute_workflow(
        BareBatch.run, BATCH_ITEMS, id=f"bare-batch-{uuid.uuid4().hex}", task_queue=queue
    )
    times["batch"] = time.perf_counter() - start
    return times


# ---------------------------------------------------------------------------------------------------- pipelex
def sequence_bundle(n: int) -> str:
    """A sequence of ``n`` PipeLLM steps, each reading the previous result."""
    steps = ",\n".join(f'  {{ pipe = "step_{i}", result = "r{i}" }}' for i in range(n))
    pipes = "\n".join(
        f"""
[pipe.step_{i}]
type = "PipeLLM"
description = "Step {i}"
inputs = {{ {"note" if i == 0 else f"r{i - 1}"} = "Text" }}
output = "Text"
prompt = "Continue: ${"note" if i == 0 else f"r{i - 1}"}"
"""
        for i in range(n)
    )
    return f"""domain = "bench"
description = "A long sequence"
main_pipe = "main"

[pipe.main]
type = "PipeSequence"
description = "The sequence"
inputs = {{ note = "Text" }}
output = "Text"
steps = [
{steps}
]
{pipes}"""


BATCH_BUNDLE = """domain = "bench"
description = "A wide batch"
main_pipe = "main"

[pipe.main]
type = "PipeBatch"
description = "The batch"
inputs = { notes = "Text[]" }
output = "Text[]"
branch_pipe_code = "one"
input_list_name = "notes"
input_item_name = "note"

[pipe.one]
type = "PipeLLM"
description = "One item"
inputs = { note = "Text" }
output = "Text"
prompt = "Continue: $note"
"""


async def our_round(notes: list[str]) -> dict[str, float]:
    """One timing of each shape, run by pipelex on Temporal (dry)."""
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner

    times: dict[str, float] = {}
    start = time.perf_counter()
    output = await PipelexRunner(
        mthds_content=sequence_bundle(SEQ_STEPS), pipe_run_mode=PipeRunMode.DRY
    ).execute_pipeline({"note": "x"})
    times["sequence"] = time.perf_counter() - start
    assert len(output.graph.nodes) == SEQ_STEPS + 1 and output.graph.backend == "temporal"
    start = time.perf_counter()
    output = await PipelexRunner(mthds_content=BATCH_BUNDLE, pipe_run_mode=PipeRunMode.DRY).execute_pipeline(
        {"notes": notes}
    )
    times["batch"] = time.perf_counter() - start
    assert len(output.graph.nodes) == BATCH_ITEMS + 1
    return times


async def measure(address: str, repeat: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Alternate bare and pipelex rounds (the first of each warms up), so load changes hit both alike."""
    from pipelex.backends.temporal import temporal_session
    from pipelex.boot import Pipelex
    from pipelex.config.settings import PipelexConfig, RuntimeConfig, TemporalConfig

    config = PipelexConfig(
        runtime=RuntimeConfig(max_concurrency=CONCURRENCY),
        temporal=TemporalConfig(
            is_enabled=True,
            address=address,
            in_process_worker=True,
            task_queue=f"ours-{uuid.uuid4().hex[:8]}",
        ),
    )
    Pipelex.make(config=config)
    notes = [f"item {i}" for i in range(BATCH_ITEMS)]
    bare_times: dict[str, list[float]] = {"sequence": [], "batch": []}
    our_times: dict[str, list[float]] = {"sequence": [], "batch": []}
    client = await Client.connect(address)
    queue = f"bare-{uuid.uuid4().hex[:8]}"
    with concurrent.futures.ThreadPoolExecutor(4) as executor:
        async with (
            Worker(
                client,
                task_queue=queue,
                workflows=[BareSequence, BareBatch],
                activities=[bare_leaf],
                activity_executor=executor,
            ),
            temporal_session(config),
        ):
            for round_index in range(repeat + 1):
                bare = await bare_round(client, queue)
                ours = await our_round(notes)
                if round_index == 0:
                    continue
                for shape in bare_times:
                    bare_times[shape].append(bare[shape])
                    our_times[shape].append(ours[shape])
    Pipelex.teardown()
    return bare_times, our_times


def main() -> None:
    """Run both, print the table."""
    from pipelex.backends.temporal.devserver import DevServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    server = DevServer().wait_ready()
    try:
        bare_times, our_times = asyncio.run(measure(server.address, args.repeat))
    finally:
        server.stop()
    print(
        f"{'shape':<22} {'bare SDK ms/leaf':>17} {'pipelex ms/leaf':>16} {'ratio':>7}  per round (pipelex/bare)"
    )
    for shape, leaves in (("sequence", SEQ_STEPS), ("batch", BATCH_ITEMS)):
        b = statistics.median(bare_times[shape]) / leaves * 1000
        o = statistics.median(our_times[shape]) / leaves * 1000
        label = f"{shape} ({leaves} leaves)"
        rounds = " ".join(
            f"{ours / bare:.2f}" for bare, ours in zip(bare_times[shape], our_times[shape], strict=True)
        )
        print(f"{label:<22} {b:>17.2f} {o:>16.2f} {o / b:>6.2f}x  {rounds}")


if __name__ == "__main__":
    main()
