"""Temporal overhead per leaf: pipelex on Temporal vs. the same shape written directly with the temporalio SDK.

Two shapes, dry, on one local dev server (127.0.0.1, started and stopped here):

- a 20-step sequence: one workflow running 20 leaves one after the other;
- a 200-item batch: one workflow running 200 leaves, 8 at a time (pipelex's default concurrency bound).

pipelex: ``PipelexRunner(..., backend="temporal")`` on a bundle of PipeLLM leaves in dry mode (the full path:
payloads with the library and the memory, leaves mocking inside the worker, trace events, the graph replayed on
the client). Bare SDK: a workflow with the same number of activities that do no work, default data converter and,
as the SDK runs workflows by default, its sandbox (``--bare-runner unsandboxed``: outside it, as pipelex runs its
own). Where the workers run (``--workers``):

- ``in-process`` (default): both workers in this process, beside the clients, as a program embedding pipelex
  runs them; this process's collector is left as it is (the caller's);
- ``cli``: the same, with this process's collector tuned as ``pipelex run --temporal`` tunes its own (the
  CLI's own function, called here: both sides share the process, so both get it);
- ``process``: each side's worker in a process of its own, as deployed: ``pipelex worker`` (the console
  script's entry point) against a bare SDK worker (this file with ``--serve-bare``). CPU is then the
  client's (this process) plus the worker process's (``/proc``).

``--control`` runs the bare SDK twice in each round and prints the second run against the first: the spread of one
code against itself on this machine at this moment, the floor under any single round's ratio. ``--batch-items``
sets the batch's size (200): more leaves per round, less noise per round.

After the rounds, a reference line: the same bundles run by pipelex on the direct backend in this process (CPU per
leaf): the leaf's own work, which pipelex's Temporal figure includes and the bare SDK's no-op leaf does not.

Usage: ``.venv/bin/python benchmarks/temporal_overhead.py [--repeat 5] [--workers process]``. Prints per-leaf
medians and the ratio (goal: pipelex within 1.3x of the bare SDK figure), and with each round's ratios this
process's collector time in each side's run (a full collection marked). Figures are recorded in
benchmarks/temporal.md.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import functools
import gc
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

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


async def bare_round(client: Client, queue: str, shape: str) -> None:
    """One run of a bare SDK shape."""
    if shape == "sequence":
        await client.execute_workflow(
            BareSequence.run, SEQ_STEPS, id=f"bare-seq-{uuid.uuid4().hex}", task_queue=queue
        )
    else:
        await client.execute_workflow(
            BareBatch.run, LEAVES["batch"], id=f"bare-batch-{uuid.uuid4().hex}", task_queue=queue
        )


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


async def our_round(shape: str, notes: list[str]) -> None:
    """One run of a shape by pipelex on Temporal (dry), the whole way: validate, shape the inputs, run, replay."""
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner

    if shape == "sequence":
        output = await PipelexRunner(
            mthds_content=sequence_bundle(SEQ_STEPS), pipe_run_mode=PipeRunMode.DRY
        ).execute_pipeline({"note": "x"})
        assert len(output.graph.nodes) == SEQ_STEPS + 1 and output.graph.backend == "temporal"
    else:
        output = await PipelexRunner(
            mthds_content=BATCH_BUNDLE, pipe_run_mode=PipeRunMode.DRY
        ).execute_pipeline({"notes": notes})
        assert len(output.graph.nodes) == len(notes) + 1


LEAVES = {"sequence": SEQ_STEPS, "batch": BATCH_ITEMS}


@dataclass
class Sample:
    """One round of one shape by one side: wall time, this process's CPU time (client and in-process worker), the
    dev server's CPU time, all in ms per leaf, and the 1-minute load average when it ended; and this process's
    full collections during the round and the ms its collector spent (a worker process's own are not seen)."""

    wall: float
    cpu: float
    server_cpu: float
    load: float
    full_collections: int = 0
    collector_ms: float = 0.0


class Collector:
    """This process's garbage collections (``gc.callbacks``): how many full ones, and the CPU they took."""

    def __init__(self) -> None:  # noqa: D107
        self.full = 0
        self.seconds = 0.0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.thread_time()
            return
        self.seconds += time.thread_time() - self._started
        if info["generation"] == 2:
            self.full += 1


@functools.cache
def collector() -> Collector:
    """This process's collector probe, made at first use: not at import, since the workflow sandbox imports this
    module again (as ``__temporal_main__``) and a probe made there reads a clock the sandbox forbids."""
    return Collector()


def process_cpu() -> float:
    """CPU seconds (user + system) of this process, every thread."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_cpu(pid: int) -> float:
    """CPU seconds of another process: the dev server, a worker (``/proc``; 0 where there is no ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # fields after the command: state is [0], utime [11], stime [12] (man 5 proc), in clock ticks
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def timed(
    run: Coroutine[Any, Any, None], leaves: int, server_pid: int, worker_pid: int | None = None
) -> Sample:
    """Run one round and measure it (``worker_pid``: a worker process whose CPU counts with this process's)."""

    def cpu_now() -> float:
        return process_cpu() + (server_cpu(worker_pid) if worker_pid is not None else 0.0)

    probe = collector()
    full0, collected0 = probe.full, probe.seconds
    cpu0, server0, wall0 = cpu_now(), server_cpu(server_pid), time.perf_counter()
    await run
    wall, cpu, server = time.perf_counter() - wall0, cpu_now() - cpu0, server_cpu(server_pid) - server0
    return Sample(
        wall=wall / leaves * 1000,
        cpu=cpu / leaves * 1000,
        server_cpu=server / leaves * 1000,
        load=os.getloadavg()[0],
        full_collections=probe.full - full0,
        collector_ms=(probe.seconds - collected0) * 1000,
    )


class WorkerProcess:
    """A worker in a process of its own: started, waited for (its first line on stdout), stopped (SIGTERM, then
    killed if it lingers)."""

    def __init__(self, argv: list[str], ready: str) -> None:  # noqa: D107
        from pipelex.backends.temporal.devserver import _die_with_parent  # pyright: ignore[reportPrivateUsage]

        self.process = subprocess.Popen(  # never outlives this process, even killed
            argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, preexec_fn=_die_with_parent
        )
        self.ready = ready

    async def wait_ready(self, timeout: float = 120.0) -> None:
        """Wait for the worker's ready line."""
        assert self.process.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(self.process.stdout.readline), timeout)
        if self.ready not in line:
            self.stop()
            raise RuntimeError(f"the worker {self.process.args!r} did not start: {line!r}")

    def stop(self) -> None:
        """Stop the worker and reap it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


@asynccontextmanager
async def worker_processes(
    address: str, bare_queue: str, our_queue: str, bare_runner: str
) -> AsyncIterator[tuple[int, int]]:
    """A bare SDK worker and a ``pipelex worker``, each in its own process; yields their pids (bare, pipelex)."""
    bare = WorkerProcess(
        [sys.executable, __file__, "--serve-bare", address, bare_queue, "--bare-runner", bare_runner],
        ready="bare worker ready",
    )
    ours: WorkerProcess | None = None
    try:
        ours = WorkerProcess(
            [
                sys.executable,
                "-m",
                "pipelex.cli.main",  # as the `pipelex` console script runs it
                "worker",
                "--address",
                address,
                "--task-queue",
                our_queue,
            ],
            ready="pipelex worker",
        )
        await asyncio.gather(bare.wait_ready(), ours.wait_ready())
        yield bare.process.pid, ours.process.pid
    finally:
        bare.stop()
        if ours is not None:
            ours.stop()


def bare_worker(
    client: Client, queue: str, executor: concurrent.futures.Executor, runner: str = "sandboxed"
) -> Worker:
    """The bare SDK's worker: the two bare workflows and their no-op activity, on ``queue``; its workflows in the
    SDK's sandbox (its default) or outside it (``runner="unsandboxed"``, as pipelex runs its own)."""
    return Worker(
        client,
        task_queue=queue,
        workflows=[BareSequence, BareBatch],
        activities=[bare_leaf],
        activity_executor=executor,
        workflow_runner=UnsandboxedWorkflowRunner() if runner == "unsandboxed" else SandboxedWorkflowRunner(),
    )


def serve_bare(address: str, queue: str, runner: str) -> None:
    """``--serve-bare``: a bare SDK worker of the two bare workflows until SIGTERM (its own process)."""

    async def serve() -> None:
        client = await Client.connect(address)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        with concurrent.futures.ThreadPoolExecutor(4) as executor:
            async with bare_worker(client, queue, executor, runner):
                print("bare worker ready", flush=True)
                await stop.wait()

    asyncio.run(serve())


async def measure(
    address: str,
    server_pid: int,
    repeat: int,
    shapes: list[str],
    workers: str = "in-process",
    *,
    bare_runner: str = "sandboxed",
    control: bool = False,
) -> dict[str, dict[str, list[Sample]]]:
    """Alternate bare and pipelex rounds shape by shape (the first round of each is a warm-up), so a change of load
    hits both sides alike; the order within a pair alternates too. ``control``: a second bare run in each round
    (``"control"``), between the two others."""
    from pipelex.backends.temporal import temporal_session
    from pipelex.boot import Pipelex
    from pipelex.config.settings import PipelexConfig, RuntimeConfig, TemporalConfig

    our_queue = f"ours-{uuid.uuid4().hex[:8]}"
    config = PipelexConfig(
        runtime=RuntimeConfig(max_concurrency=CONCURRENCY),
        temporal=TemporalConfig(
            is_enabled=True,
            address=address,
            in_process_worker=workers != "process",
            task_queue=our_queue,
        ),
    )
    if workers == "cli":
        from pipelex.cli.commands import _tune_gc_for_a_run  # pyright: ignore[reportPrivateUsage]

        _tune_gc_for_a_run()
    Pipelex.make(config=config)
    notes = [f"item {i}" for i in range(LEAVES["batch"])]
    names = ["bare", "pipelex", *(["control"] if control else [])]
    samples: dict[str, dict[str, list[Sample]]] = {shape: {name: [] for name in names} for shape in shapes}
    client = await Client.connect(address)
    queue = f"bare-{uuid.uuid4().hex[:8]}"
    pids: dict[str, int | None] = {"bare": None, "pipelex": None, "control": None}
    with concurrent.futures.ThreadPoolExecutor(4) as executor:
        async with AsyncExitStack() as stack:
            if workers == "process":
                pids["bare"], pids["pipelex"] = await stack.enter_async_context(
                    worker_processes(address, queue, our_queue, bare_runner)
                )
                pids["control"] = pids["bare"]
            else:
                await stack.enter_async_context(bare_worker(client, queue, executor, bare_runner))
            await stack.enter_async_context(temporal_session(config))
            for round_index in range(repeat + 1):
                for shape in shapes:
                    pair: dict[str, Sample] = {}
                    sides = ("bare", "pipelex") if round_index % 2 == 0 else ("pipelex", "bare")
                    if control:
                        sides = (sides[0], "control", sides[1])
                    for side in sides:
                        run = (
                            our_round(shape, notes) if side == "pipelex" else bare_round(client, queue, shape)
                        )
                        pair[side] = await timed(run, LEAVES[shape], server_pid, pids[side])
                    if round_index == 0:
                        continue
                    for side, sample in pair.items():
                        samples[shape][side].append(sample)
                    aa = f" (bare/bare cpu {pair['control'].cpu / pair['bare'].cpu:.2f}x)" if control else ""
                    # this process's collector in the round, pipelex / bare: its ms, and the full collections
                    collector = " / ".join(
                        f"{pair[side].collector_ms:.0f} ms{' (full)' * pair[side].full_collections}"
                        for side in ("pipelex", "bare")
                    )
                    print(
                        f"  round {round_index} {shape:<8} wall {pair['pipelex'].wall / pair['bare'].wall:.2f}x "
                        f"cpu {pair['pipelex'].cpu / pair['bare'].cpu:.2f}x{aa}  load {os.getloadavg()[0]:.1f}"
                        f"  collector {collector}",
                        flush=True,
                    )
    Pipelex.teardown()
    return samples


def direct_cpu(shapes: list[str], rounds: int = 5) -> dict[str, float]:
    """The same shapes run by pipelex on the direct backend, in this process, dry: CPU ms per leaf, median of
    ``rounds`` after a warm-up. The leaf's own work (rendering, the mock, the output check, the graph), with no
    Temporal path: what of pipelex's Temporal figure is not the Temporal path's."""
    from pipelex.boot import Pipelex
    from pipelex.config.settings import PipelexConfig, RuntimeConfig
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner

    Pipelex.make(config=PipelexConfig(runtime=RuntimeConfig(max_concurrency=CONCURRENCY)))
    notes = [f"item {i}" for i in range(LEAVES["batch"])]
    figures: dict[str, float] = {}
    try:
        for shape in shapes:
            bundle, inputs = (
                (sequence_bundle(SEQ_STEPS), {"note": "x"})
                if shape == "sequence"
                else (BATCH_BUNDLE, {"notes": notes})
            )
            spent: list[float] = []
            for round_index in range(rounds + 1):
                cpu0 = process_cpu()
                runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend="direct")
                output = asyncio.run(runner.execute_pipeline(inputs))
                if round_index:
                    spent.append((process_cpu() - cpu0) / LEAVES[shape] * 1000)
                assert len(output.graph.nodes) == LEAVES[shape] + 1
            figures[shape] = statistics.median(spent)
    finally:
        Pipelex.teardown()
    return figures


def report(samples: dict[str, dict[str, list[Sample]]], limit: float) -> None:
    """Print, per shape: the medians of each side, the ratio of medians, every round's ratio and the worst."""
    for measure_name in ("wall", "cpu", "server_cpu"):
        title = {
            "wall": "wall time, ms per leaf",
            "cpu": "CPU time of the client and its worker (in this process, or the worker's own), ms per leaf",
            "server_cpu": "CPU time of the dev server, ms per leaf",
        }[measure_name]
        print(f"\n{title}")
        print(
            f"{'shape':<22} {'bare SDK':>9} {'pipelex':>9} {'ratio':>7} {'worst':>7} {'>' + str(limit):>6}  per round"
        )
        for shape, sides in samples.items():
            bare = [getattr(s, measure_name) for s in sides["bare"]]
            for other in [side for side in sides if side != "bare"]:
                ours = [getattr(s, measure_name) for s in sides[other]]
                ratios = [o / b if b else float("inf") for b, o in zip(bare, ours, strict=True)]
                b, o = statistics.median(bare), statistics.median(ours)
                over = sum(1 for r in ratios if r > limit)
                label = f"{shape} ({LEAVES[shape]} leaves)" + (" bare/bare" if other == "control" else "")
                print(
                    f"{label:<22} {b:>9.2f} {o:>9.2f} {o / b if b else float('inf'):>6.2f}x {max(ratios):>6.2f}x "
                    f"{over:>3}/{len(ratios):<2}  {' '.join(f'{r:.2f}' for r in ratios)}"
                )


def main() -> None:
    """Run both, print the tables."""
    from pipelex.backends.temporal.devserver import DevServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5, help="measured rounds per shape (after one warm-up)")
    parser.add_argument("--shapes", nargs="+", choices=sorted(LEAVES), default=["sequence", "batch"])
    parser.add_argument("--limit", type=float, default=1.3, help="the ratio a round should stay within")
    parser.add_argument(
        "--workers",
        choices=["in-process", "cli", "process"],
        default="in-process",
        help="where the workers run (see the module's docstring)",
    )
    parser.add_argument(
        "--bare-runner",
        choices=["sandboxed", "unsandboxed"],
        default="sandboxed",
        help="the bare SDK's workflows in the SDK's sandbox (its default) or outside it (as pipelex's)",
    )
    parser.add_argument("--control", action="store_true", help="a second bare run per round: the A/A spread")
    parser.add_argument("--batch-items", type=int, default=BATCH_ITEMS, help="leaves of the batch shape")
    parser.add_argument("--serve-bare", nargs=2, metavar=("ADDRESS", "QUEUE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        address, queue = args.serve_bare
        serve_bare(address, queue, args.bare_runner)
        return
    LEAVES["batch"] = args.batch_items
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(f"workers: {args.workers}, bare SDK's workflows: {args.bare_runner}")
    server = DevServer().wait_ready()
    try:
        samples = asyncio.run(
            measure(
                server.address,
                server.process.pid,
                args.repeat,
                args.shapes,
                workers=args.workers,
                bare_runner=args.bare_runner,
                control=args.control,
            )
        )
    finally:
        server.stop()
    report(samples, args.limit)
    print("\npipelex on the direct backend, same bundles, dry, this process (no Temporal): CPU ms per leaf")
    for shape, cpu in direct_cpu(args.shapes).items():
        print(f"{f'{shape} ({LEAVES[shape]} leaves)':<22} {cpu:>9.3f}")
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
