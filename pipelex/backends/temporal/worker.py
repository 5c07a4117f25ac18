"""Workers: one per task queue, each serving both workflows and both activities.

Workflows run outside the SDK's sandbox (:func:`workflow_runner`). The sandbox guards the code it imports
itself; pipelex's workflow code is all in the ``pipelex`` package, which it would have to pass through (one
import and one library cache per process, not one per workflow run), and code passed through runs unguarded:
``time.time()``, ``random`` or ``datetime.now()`` called from a passed-through module are not refused
(``tests/temporal/test_determinism.py`` shows it). What the sandbox did cost was per call: ``isinstance`` and
``issubclass`` replaced for the whole process while an activation runs, a code string compiled at each
serialization-context lookup, about 0.4 ms of CPU per leaf of a dry batch, more than the rest of pipelex's
Temporal path (``benchmarks/temporal.md``). The determinism of workflow code is guaranteed instead by:

- its design: controllers run the direct backend's code with workflow time as the clock, every IO in
  activities (``docs/temporal.md``, "Determinism");
- the replay tests (``tests/temporal/test_replay.py``): recorded and fresh histories replay with the current code;
- a tripwire in the Temporal tests (``tests/temporal/guard.py``): every workflow activation of the test suite runs
  with the clock, ``random``, ``uuid``, ``open`` and ``os.getenv`` refused on its thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import signal
from collections.abc import Sequence
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkflowRunner
from temporalio.workflow import NondeterminismError

from pipelex.backends.temporal.activities import WorkerActivities
from pipelex.backends.temporal.process import WORKER_IDENTITY
from pipelex.backends.temporal.workflows import WfDryValidate, WfRunItems, WfRunPipe, WfRunSteps
from pipelex.config.settings import PipelexConfig, TemporalConfig
from pipelex.errors import TemporalUnavailableError

WORKFLOWS = [WfRunPipe, WfRunItems, WfRunSteps, WfDryValidate]


def workflow_runner() -> WorkflowRunner:
    """The runner of pipelex's workflows: outside the SDK's sandbox (see the module's docstring for why, and what
    guarantees determinism instead). Histories recorded under the sandbox replay unchanged: the runner decides
    where the code runs, not what it commands."""
    return UnsandboxedWorkflowRunner()


_settled = False
# what a leaf's first run imports besides its pipe kind's module: the router it runs under, the pipe runtime
_LEAF_MODULES = ("pipelex.backends.direct", "pipelex.pipes.runtime")


def settle_collector() -> None:
    """Keep the cyclic garbage collector off what a worker process loads once, where the process is pipelex's.

    A worker holds everything pipelex and temporalio define (modules, classes, pydantic schemas: about 67,000
    tracked objects) for its whole life. Each full collection rescans them all (14 ms in a worker process on a 2-core
    machine; 50 ms in a process that also holds a client and its runs), every few hundred leaves, though none of
    them is ever garbage. So once a worker is started, the code its leaves run is loaded (every
    pipe kind, the direct router the leaf runs under), the garbage there is collected, and what is left is moved to
    the collector's permanent generation (``gc.freeze``): later collections scan only what the runs allocate.
    Reference counting still frees every object; a frozen object in a reference cycle that becomes garbage stays
    until the process ends (or :func:`~pipelex.backends.temporal.runtime.shutdown_runtime` unfreezes).

    Called by ``pipelex worker``, and by the in-process worker of a process that froze its collector already
    (``pipelex run``); a program embedding pipelex keeps its collector as it set it. Once per process: what is
    loaded once is frozen once (a later session of the same process loads nothing new).
    """
    global _settled  # noqa: PLW0603 - once per process
    if _settled:
        return
    _settled = True
    import importlib

    from pipelex.pipes.kinds import kind_of, registered_names

    for module in _LEAF_MODULES:
        importlib.import_module(module)
    for name in registered_names():
        kind_of(name)
    gc.collect()
    gc.freeze()


def task_queues(config: TemporalConfig) -> list[str]:
    """The default task queue and every routed one."""
    return list(
        dict.fromkeys([config.task_queue, *config.queue_by_kind.values(), *config.queue_by_model.values()])
    )


def make_worker(
    client: Client,
    task_queue: str,
    *,
    config: PipelexConfig,
    max_concurrent_activities: int | None = None,
    max_concurrent_workflow_tasks: int | None = None,
    fail_on_nondeterminism: bool = True,
    executor: concurrent.futures.Executor | None = None,
    sticky_timeout_s: float = 10.0,
    rate_limit: float | None = None,
) -> Worker:
    """A worker of ``task_queue`` serving pipelex's workflows and activities.

    ``fail_on_nondeterminism`` fails a workflow at once on a determinism bug, with a clear error, instead of
    retrying its task until fixed code is deployed (the SDK's default): a pipelex run is short-lived, a
    run that hangs helps no one. ``sticky_timeout_s``: how long a workflow cached by this worker waits
    for it before any worker of the queue takes it over (a dead worker is noticed this way). ``rate_limit``:
    activities per second started from the queue across all its workers (``[temporal] queue_rate_limits``).
    ``config``: the worker's own configuration; its leaves use its model deck and store (provider keys live on
    the workers), while each run's settings and ``[limits]`` come with the run.
    """
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=WorkerActivities(config).all(),
        activity_executor=executor or concurrent.futures.ThreadPoolExecutor(max_workers=4),
        workflow_runner=workflow_runner(),
        identity=WORKER_IDENTITY,
        max_concurrent_activities=max_concurrent_activities,
        max_concurrent_workflow_tasks=max_concurrent_workflow_tasks,
        workflow_failure_exception_types=[NondeterminismError] if fail_on_nondeterminism else [],
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=sticky_timeout_s),
        max_task_queue_activities_per_second=rate_limit,
    )


async def run_workers(
    client: Client,
    queues: Sequence[str],
    *,
    config: PipelexConfig,
    max_concurrent_activities: int | None = None,
    max_concurrent_workflow_tasks: int | None = None,
    sticky_timeout_s: float = 10.0,
    ready: str | None = None,
    rate_limits: dict[str, float] | None = None,
    provider_concurrency: int = 64,
    settle: bool = False,
) -> None:
    """Serve ``queues`` until SIGINT or SIGTERM (``pipelex worker``); print ``ready`` once polling.

    ``settle``: the process is the worker's own (``pipelex worker``): its collector is settled once the workers
    are made (:func:`settle_collector`).

    The live leaves of the worker share one provider session (an SDK client and its connection pool per provider,
    ``provider_concurrency`` calls in flight at most, ``[models.calls] max_concurrency``): a client made and closed
    per leaf costs more CPU than the leaf's own work and caps a worker at a few leaves per second.
    """
    from pipelex.inference.providers.session import provider_session

    async with provider_session(max_concurrency=provider_concurrency):
        await _serve(
            client,
            queues,
            config=config,
            max_concurrent_activities=max_concurrent_activities,
            max_concurrent_workflow_tasks=max_concurrent_workflow_tasks,
            sticky_timeout_s=sticky_timeout_s,
            ready=ready,
            rate_limits=rate_limits,
            settle=settle,
        )


async def _serve(
    client: Client,
    queues: Sequence[str],
    *,
    config: PipelexConfig,
    max_concurrent_activities: int | None,
    max_concurrent_workflow_tasks: int | None,
    sticky_timeout_s: float,
    ready: str | None,
    rate_limits: dict[str, float] | None,
    settle: bool,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # threads for the plain (threaded) activities (the validation sweep); sized to the activity slots so the SDK
    # does not warn that the slots outnumber the threads
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=max(4, max_concurrent_activities or 0))
    workers = [
        make_worker(
            client,
            queue,
            config=config,
            max_concurrent_activities=max_concurrent_activities,
            max_concurrent_workflow_tasks=max_concurrent_workflow_tasks,
            executor=executor,
            sticky_timeout_s=sticky_timeout_s,
            rate_limit=(rate_limits or {}).get(queue),
        )
        for queue in queues
    ]
    tasks = [asyncio.create_task(worker.run()) for worker in workers]
    if settle:
        settle_collector()
    if ready:
        print(ready, flush=True)
    stopped = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([stopped, *tasks], return_when=asyncio.FIRST_COMPLETED)
    await asyncio.gather(*(worker.shutdown() for worker in workers), return_exceptions=True)
    executor.shutdown(wait=False)
    for task in tasks:
        error = task.exception() if task in done else None
        if isinstance(error, RuntimeError):  # the SDK's worker validation (e.g. an unknown namespace)
            raise worker_refusal(error, client.namespace) from error
        if error is not None:
            raise error


def worker_refusal(exc: RuntimeError, namespace: str) -> TemporalUnavailableError:
    """A readable error for a worker the server refused."""
    hint = (
        f": create the namespace (`temporal operator namespace create --namespace {namespace}`) or fix "
        "[temporal] namespace"
        if "not found" in str(exc).lower()
        else ""
    )
    return TemporalUnavailableError(
        f"the Temporal server refused the worker: {str(exc).split(': Status')[0]}{hint}"
    )
