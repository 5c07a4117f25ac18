"""pipelex's own CPU per Temporal leaf, without a Temporal server: a steady figure on a loaded machine.

`temporal_overhead.py` times the whole way on a dev server, where the server, the SDK and the machine's load move
every figure. This benchmark runs only what pipelex adds to a leaf, in one thread, and counts CPU time
(``time.thread_time`` of each side's thread), which the load of other processes barely moves:

- **workflow side**: the controller's code (``run_pipe`` of the batch or the sequence, with the real
  :class:`~pipelex.backends.temporal.router.TemporalPipeRouter`): the leaf's payload (its memory slice to JSON),
  then the outcome back (result and trace events absorbed);
- **wire**: the payload and the outcome through the data converter pipelex workers use (JSON out, validated in as
  the workflow reads it), exactly as the SDK calls it, and the run's outcome written by its workflow;
- **activity side**: ``run_leaf`` (the leaf mocked in dry mode, its trace events, its result to JSON), run in
  temporalio's ``ActivityEnvironment``;
- **client side**: the run's outcome read (its trace events validated) and replayed into the execution graph.

What it leaves out is what the bare SDK pays too (the server round trip, the SDK's activation handling, the
sandbox): see ``temporal_overhead.py`` for those. Shapes are the same: a sequence of 20 PipeLLM steps and a batch
of 200 PipeLLM items, dry.

Usage: ``.venv/bin/python benchmarks/temporal_leaf_path.py [--rounds 7] [--profile]``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).parent))

from temporal_overhead import BATCH_BUNDLE, BATCH_ITEMS, SEQ_STEPS, sequence_bundle  # noqa: E402


class _WorkflowInfo:
    workflow_id = "bench-workflow"
    run_id = "bench-run"
    task_queue = "bench"


async def one_run(
    bundle: str, inputs: dict[str, Any], leaves: int, activity_loop: asyncio.AbstractEventLoop
) -> dict[str, float]:
    """One run of a shape; CPU µs per leaf of each side (the activities run on ``activity_loop``'s thread)."""
    from temporalio.testing import ActivityEnvironment

    from pipelex.backends.direct import DirectPipeRouter  # noqa: F401 - imported by run_leaf, out of the timing
    from pipelex.backends.temporal import router as router_module
    from pipelex.backends.temporal.activities import WorkerActivities
    from pipelex.backends.temporal.codec import data_converter
    from pipelex.backends.temporal.payloads import (
        DispatchOptions,
        LeafPayload,
        LibraryRef,
        PipeRunOutcome,
        PipeRunOutcomeJson,
        PipeRunPayload,
        WireSettings,
    )
    from pipelex.backends.temporal.process import library_for
    from pipelex.backends.temporal.router import TemporalPipeRouter
    from pipelex.backends.temporal.tracing import EventTracer, ReplayTracer
    from pipelex.config.settings import PipelexConfig
    from pipelex.memory.inputs import shape_inputs
    from pipelex.memory.stuff import WorkingMemory
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipes.context import RunContext
    from pipelex.pipes.runtime import run_pipe

    config = PipelexConfig()
    converter = data_converter(store=Path("/nonexistent"), threshold=1 << 40).payload_converter
    activities = WorkerActivities(config)
    environment = ActivityEnvironment()
    spent = {"workflow": 0.0, "wire": 0.0, "activity": 0.0, "client": 0.0}
    sizes = {"payload bytes": 0, "outcome bytes": 0}

    library_ref = LibraryRef.of([(bundle, "<bundle 1>")])
    library, codec = library_for(library_ref)
    entry = library.main_pipe
    assert entry is not None
    payload = PipeRunPayload(
        library=library_ref,
        pipe_ref=entry.ref,
        output_name=entry.code,
        memory=codec.wire_memory(WorkingMemory.with_inputs(shape_inputs(inputs, entry, library))),
        run_mode=PipeRunMode.DRY,
        settings=WireSettings.of(config.run_settings()),
        dispatch=DispatchOptions(task_queue="bench"),
    )

    async def activity_side(decoded: LeafPayload) -> PipeRunOutcome:
        t0 = time.thread_time()
        outcome = await environment.run(activities.act_run_leaf, decoded)
        spent["activity"] += time.thread_time() - t0
        return outcome

    async def leaf_trip(
        self: TemporalPipeRouter, _entry: Any, leaf_payload: LeafPayload
    ) -> PipeRunOutcomeJson:
        """What the SDK does between the workflow and the activity, and the activity itself (on a thread of its
        own, as on a worker: this thread waits, so its CPU time leaves the activity's out)."""
        t0 = time.thread_time()
        [wire_in] = converter.to_payloads([leaf_payload])
        [decoded] = converter.from_payloads([wire_in], [LeafPayload])
        spent["wire"] += time.thread_time() - t0
        sizes["payload bytes"] += wire_in.ByteSize()
        outcome = asyncio.run_coroutine_threadsafe(activity_side(decoded), activity_loop).result()
        t0 = time.thread_time()
        [wire_out] = converter.to_payloads([outcome])
        [back] = converter.from_payloads([wire_out], [PipeRunOutcomeJson])  # as the workflow reads it
        spent["wire"] += time.thread_time() - t0
        sizes["outcome bytes"] += wire_out.ByteSize()
        return back

    tracer = EventTracer(clock=time.time)
    router = TemporalPipeRouter(payload, codec, tracer)
    ctx = RunContext(
        library=library,
        run_mode=payload.run_mode,
        settings=payload.settings.run_settings(),
        tracer=tracer,
        router=router,
        depth=0,
    )
    with (
        mock.patch.object(TemporalPipeRouter, "_activity", leaf_trip),
        mock.patch.object(router_module.workflow, "info", lambda: _WorkflowInfo()),
    ):
        t0 = time.thread_time()
        memory = codec.memory(payload.memory)
        result = await run_pipe(entry, memory, ctx, output_name=payload.output_name)
        outcome = PipeRunOutcomeJson(result=codec.wire_result(result), events=tracer.events_json())
        # this thread's time, less the wire's (the activity ran on its own thread)
        spent["workflow"] += time.thread_time() - t0 - spent["wire"]
    t0 = time.thread_time()
    [wire_run] = converter.to_payloads([outcome])  # the workflow's outcome, to the client
    spent["wire"] += time.thread_time() - t0
    t0 = time.thread_time()
    [read] = converter.from_payloads([wire_run], [PipeRunOutcome])  # as the client reads it
    replay = ReplayTracer(pipeline_run_id="bench", main_pipe=entry.code, domain=entry.domain, mode="dry")
    replay.replay(read.events)
    graph = replay.build()
    spent["client"] += time.thread_time() - t0
    assert len(graph.nodes) == leaves + 1, len(graph.nodes)
    return {side: seconds / leaves * 1e6 for side, seconds in spent.items()} | {
        name: total / leaves for name, total in sizes.items()
    }


async def measure(rounds: int, *, profile: bool = False) -> dict[str, list[dict[str, float]]]:
    """``rounds`` timed runs of each shape, after one warm-up run; ``profile``: print where each thread's CPU time
    goes in the timed rounds (cProfile on CPU time, one profile per thread)."""
    from pipelex.boot import Pipelex
    from pipelex.config.settings import PipelexConfig

    Pipelex.make(config=PipelexConfig())
    shapes = {
        "sequence": (sequence_bundle(SEQ_STEPS), {"note": "x"}, SEQ_STEPS),
        "batch": (BATCH_BUNDLE, {"notes": [f"item {i}" for i in range(BATCH_ITEMS)]}, BATCH_ITEMS),
    }
    figures: dict[str, list[dict[str, float]]] = {shape: [] for shape in shapes}
    activity_loop = asyncio.new_event_loop()
    thread = threading.Thread(target=activity_loop.run_forever, daemon=True)
    thread.start()
    profilers = {
        "workflow, wire and client": cProfile.Profile(time.thread_time),
        "activity": cProfile.Profile(time.thread_time),
    }

    async def toggle_activity_profile(on: bool) -> None:
        _ = profilers["activity"].enable() if on else profilers["activity"].disable()

    try:
        for round_index in range(rounds + 1):
            if round_index == 1 and profile:
                profilers["workflow, wire and client"].enable()
                asyncio.run_coroutine_threadsafe(toggle_activity_profile(True), activity_loop).result()
            for shape, (bundle, inputs, leaves) in shapes.items():
                spent = await one_run(bundle, inputs, leaves, activity_loop)
                if round_index:
                    figures[shape].append(spent)
        if profile:
            profilers["workflow, wire and client"].disable()
            asyncio.run_coroutine_threadsafe(toggle_activity_profile(False), activity_loop).result()
            for name, profiler in profilers.items():
                print(f"\n--- {name}: CPU time, by own time")
                pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(
                    int(os.environ.get("PROFILE_LINES", "30"))
                )
    finally:
        activity_loop.call_soon_threadsafe(activity_loop.stop)
        thread.join()
        activity_loop.close()
        Pipelex.teardown()
    return figures


def main() -> None:
    """Print the medians per side, in µs of CPU per leaf, and the bytes of a leaf's payload and outcome."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the timed rounds")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    figures = asyncio.run(measure(args.rounds, profile=args.profile))
    sides = ("workflow", "wire", "activity", "client")
    print(f"\nCPU µs per leaf (median of {args.rounds} rounds)")
    print(f"{'shape':<22} " + " ".join(f"{side:>9}" for side in sides) + f" {'total':>9}")
    for shape, rounds in figures.items():
        medians = [statistics.median(r[side] for r in rounds) for side in sides]
        total = statistics.median(sum(r[side] for side in sides) for r in rounds)
        leaves = SEQ_STEPS if shape == "sequence" else BATCH_ITEMS
        print(
            f"{f'{shape} ({leaves} leaves)':<22} "
            + " ".join(f"{m:>9.0f}" for m in medians)
            + f" {total:>9.0f}"
        )
    print("\nbytes per leaf on the wire (its payload, its outcome)")
    for shape, rounds in figures.items():
        print(f"{shape:<22} {rounds[0]['payload bytes']:>9.0f} {rounds[0]['outcome bytes']:>9.0f}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
