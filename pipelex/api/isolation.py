"""Runs and validations of the runner API in worker processes, each with a deadline and a memory ceiling.

Why processes: a bundle is untrusted input, and pure-Python work in a thread cannot be stopped from the
outside; a process can. Each request (``/v1/execute``, ``/v1/start``, ``/v1/validate``) runs in a fresh
child process forked from a warm *forkserver* (the pipelex modules imported once, so a child starts in
milliseconds) with:

- a **memory ceiling**: ``RLIMIT_AS`` set to ``[limits] run_memory_bytes`` before anything runs, so an
  allocation past it fails in the child (``MemoryError``) or the kernel stops it; the server's own
  memory never grows with a run;
- a **deadline**: the server waits ``[limits] run_deadline_seconds`` for the answer, then kills the
  child (``SIGKILL``: nothing a bundle does can delay it);
- every ``[limits]`` of the configuration in force inside (lists, batches, template budget).

A child that passes a limit ends as a ``run-limit-exceeded`` problem; its failure never touches the
server or other runs, and the event loop answering HTTP only waits on a pipe. Other errors travel back
as the problem document the child computed (the same one the in-process backend would answer).

The environment of the server at the time of the request (provider keys, ...) is sent with each job,
so a child sees the variables the server sees now, not those of when the forkserver started.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import pickle
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Literal

from pipelex.api.problems import ApiProblem

if TYPE_CHECKING:
    from pipelex.api.models import ExecuteRequest, Problem, ValidateRequest
    from pipelex.config.deck import ModelDeck
    from pipelex.config.settings import PipelexConfig

# imported once by the forkserver, so that every child starts with them loaded
_PRELOAD = ["pipelex.api.isolation", "pipelex.api.worker_warmup"]

_OK, _PROBLEM, _MEMORY = b"O", b"P", b"M"


class WorkerProblem(ApiProblem):
    """A run or validation in a worker process ended with a problem document (computed there, or by the
    deadline or memory watch here); the app answers it like any :class:`ApiProblem`."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.kind, problem.detail)
        self.problem = problem

    def to_problem(self, instance: str) -> Problem:
        """The worker's problem document, at ``instance``."""
        return self.problem.model_copy(update={"instance": instance})


@dataclass(frozen=True)
class IsolatedJob:
    """One request to run in a child process: what the child's ``work`` needs to answer it."""

    kind: Literal["execute", "validate", "call"]
    request: Any
    config: PipelexConfig
    deck: ModelDeck
    environ: dict[str, str]
    boot: tuple[bool, PipelexConfig] | None
    memory_bytes: int
    # the module-level function that answers the job in the child (pickled by reference): the runner API's
    # service gives its own (pipelex.api.service.answer_isolated_job), so this module never imports it
    work: Callable[[IsolatedJob], bytes]
    # the JSON body the request's inputs are read back from in the child (ExecuteRequest.for_worker), or None
    inputs_source: bytes | None = None

    def with_inputs_read(self) -> IsolatedJob:
        """This job, the inputs of its request read back from :attr:`inputs_source` (in the child)."""
        from dataclasses import replace

        from pipelex.api.models import ExecuteRequest

        source = self.inputs_source
        if source is None:
            return self
        if isinstance(self.request, ExecuteRequest):
            return replace(self, request=self.request.with_inputs_read(source), inputs_source=None)
        function, args = self.request  # a call: its first argument is the request (check_run)
        return replace(
            self, request=(function, (args[0].with_inputs_read(source), *args[1:])), inputs_source=None
        )


def _lean(kind: str, request: Any) -> tuple[Any, bytes | None]:
    """``request`` as a job sends it, and the body its inputs are read back from (see ``ExecuteRequest.for_worker``):
    a run's request, or a call's first argument when it is one (``/v1/start``'s check)."""
    from pipelex.api.models import ExecuteRequest

    if kind == "execute" and isinstance(request, ExecuteRequest):
        return request.for_worker()
    if kind == "call":
        function, args = request
        if args and isinstance(args[0], ExecuteRequest):
            lean, source = args[0].for_worker()
            return (function, (lean, *args[1:])), source
    return request, None


def _context() -> Any:
    """The multiprocessing context: a forkserver where the platform has one (Linux, macOS), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        context.set_forkserver_preload(_PRELOAD)
    return context


class IsolatedRunner:
    """Runs one job per child process, under the ``[limits]`` of ``config`` (see the module docstring).

    ``work`` answers a job in the child: a module-level function (the child imports it by name).
    """

    def __init__(
        self, config: PipelexConfig, deck: ModelDeck, *, work: Callable[[IsolatedJob], bytes]
    ) -> None:
        self.config = config
        self.deck = deck
        self.work = work
        self.limits = config.limits
        self._context = _context()
        self._children: set[Any] = set()
        self._workers = asyncio.Semaphore(config.limits.run_workers)

    async def execute(self, request: ExecuteRequest) -> bytes:
        """The :class:`ExecuteResponse` JSON of a run in a child process (raise :class:`WorkerProblem`)."""
        return await self._run("execute", request)

    async def validate(self, request: ValidateRequest) -> bytes:
        """The :class:`ValidateResponse` JSON of a validation in a child process (raise :class:`WorkerProblem`)."""
        return await self._run("validate", request)

    async def call(self, function: Callable[..., bytes], *args: Any) -> bytes:
        """``function(*args)`` (a module-level function, pickled by reference, returning JSON bytes) in a child
        process: the tooling routes (``/v1/pipe-io``, ``/v1/resolve``) load untrusted bundles too."""
        return await self._run("call", (function, args))

    def stop(self) -> None:
        """Kill the children still running (the server is stopping)."""
        for child in list(self._children):
            with contextlib.suppress(Exception):
                child.kill()

    async def _run(self, kind: Literal["execute", "validate", "call"], request: Any) -> bytes:
        async with self._workers:
            return await self._run_child(kind, request)

    async def _run_child(self, kind: Literal["execute", "validate", "call"], request: Any) -> bytes:
        from pipelex.boot import Pipelex

        boot = Pipelex.boot_settings()
        request, source = _lean(kind, request)
        job = IsolatedJob(
            kind=kind,
            request=request,
            config=self.config,
            deck=self.deck,
            environ=dict(os.environ),
            boot=boot,
            memory_bytes=self.limits.run_memory_bytes,
            work=self.work,
            inputs_source=source,
        )
        payload = pickle.dumps(job)
        receiving, sending = self._context.Pipe(duplex=False)
        child = self._context.Process(
            target=_child_main, args=(sending, payload), daemon=True, name=f"pipelex-{kind}"
        )
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, child.start)
        sending.close()
        self._children.add(child)
        try:
            answer = await self._answer(receiving, child, loop)
        finally:
            self._children.discard(child)
            receiving.close()
            if child.is_alive():
                child.kill()
            await loop.run_in_executor(None, child.join, 5)
        return self._result(answer, child.exitcode, kind)

    async def _answer(
        self, receiving: Connection, child: Any, loop: asyncio.AbstractEventLoop
    ) -> bytes | None:
        """The child's answer, or None when it ended without one; kill it past the deadline."""
        ready = loop.create_future()

        def on_readable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(receiving.fileno(), on_readable)
        try:
            await asyncio.wait_for(ready, timeout=self.limits.run_deadline_seconds)
        except TimeoutError:
            child.kill()
            raise WorkerProblem(
                _limit_problem(
                    f"the run took longer than its deadline of {self.limits.run_deadline_seconds:g} s and was stopped "
                    "([limits] run_deadline_seconds of the server): make it do less (fewer items, smaller inputs, "
                    "simpler templates), or ask the server's operator for a longer deadline",
                    limit="run_deadline_seconds",
                    value=self.limits.run_deadline_seconds,
                )
            ) from None
        finally:
            loop.remove_reader(receiving.fileno())
        # the child refuses an answer past [api] max_held_body_bytes itself (pipelex.api.service.checked_answer);
        # whatever it sends, the server never reads more than that (and a problem's few bytes)
        most = self.config.api.max_held_body_bytes + 1024**2
        try:  # the child wrote its answer (or closed the pipe by ending): read it off the loop
            return await loop.run_in_executor(None, receiving.recv_bytes, most)
        except (EOFError, OSError):
            return None

    def _result(self, answer: bytes | None, exitcode: int | None, kind: str) -> bytes:
        memory = self.limits.run_memory_bytes
        memory_problem = _limit_problem(
            f"the {'run' if kind == 'execute' else 'validation'} needed more memory than its ceiling of "
            f"{memory // 1024**2} MiB and was stopped ([limits] run_memory_bytes of the server): make it "
            "hold less (fewer or smaller items, smaller inputs)",
            limit="run_memory_bytes",
            value=memory,
        )
        if answer is None:
            raise WorkerProblem(_ended_without_answer(memory_problem, exitcode, kind))
        tag, body = answer[:1], answer[1:]
        if tag == _OK:
            return body
        if tag == _MEMORY:
            raise WorkerProblem(memory_problem)
        from pipelex.api.models import Problem

        raise WorkerProblem(Problem.model_validate_json(body))


# how a worker ends when memory runs out without Python seeing a MemoryError: native code that cannot allocate
# aborts (Rust's allocation failure, an allocator's own check: SIGABRT), the kernel's or a cgroup's out-of-memory
# killer stops it (SIGKILL)
_MEMORY_SIGNALS = frozenset({signal.SIGKILL, signal.SIGABRT})


def _ended_without_answer(memory_problem: Problem, exitcode: int | None, kind: str) -> Problem:
    """The problem of a worker that ended without answering, by how it ended (``exitcode``: ``-N`` for signal N).

    Stopped by SIGKILL or SIGABRT, the way a process past its memory is stopped: the memory problem, saying how it
    ended. Otherwise (a crash such as SIGSEGV, or an exit with a code: a function that called ``os._exit``) the
    worker failed, not the request's limits: an internal error, with the way it ended in the server log."""
    ending = _ending(exitcode)
    if exitcode is not None and exitcode < 0 and -exitcode in _MEMORY_SIGNALS:
        return memory_problem.model_copy(
            update={"detail": f"{memory_problem.detail} (its worker process was stopped by {ending})"}
        )
    import logging
    import uuid

    from pipelex.api.problems import problem

    incident = uuid.uuid4().hex[:12]
    logging.getLogger("pipelex.api").error(
        "internal error %s: the worker process of a %s ended without an answer (%s)", incident, kind, ending
    )
    return problem(
        "internal-error",
        f"the {'run' if kind == 'execute' else 'validation'}'s worker process ended without an answer ({ending}): "
        f"a failure on the server's side, not a limit of the request (incident {incident}, logged on the server)",
        instance="",
    )


def _ending(exitcode: int | None) -> str:
    """How a process ended, in words: ``signal SIGSEGV``, ``exit code 3``."""
    if exitcode is None:
        return "no exit code"
    if exitcode < 0:
        try:
            return f"signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit code {exitcode}"


def _limit_problem(detail: str, *, limit: str, value: float) -> Problem:
    from pipelex.api.problems import limit_problem

    return limit_problem(detail, limit=limit, instance="", value=value)


# ---------------------------------------------------------------------------------------------------- the child
def _child_main(sending: Connection, payload: bytes) -> None:
    """Run one job under its memory ceiling; send ``O`` + result, ``P`` + problem JSON, or ``M`` (memory)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C of the server stops the server, which kills us
    try:
        job: IsolatedJob = pickle.loads(payload)
        _limit_memory(job.memory_bytes)
        job = job.with_inputs_read()  # under the ceiling: the body's inputs are parsed here
        os.environ.clear()
        os.environ.update(job.environ)
        answer = _OK + job.work(job)
    except MemoryError:
        answer = _MEMORY
    except BaseException as exc:  # every failure becomes the problem document the route would answer
        answer = _problem_answer(exc)
    try:
        sending.send_bytes(answer)
    except MemoryError:
        sending.send_bytes(_MEMORY)
    except OSError:  # BrokenPipeError: the server stopped waiting (the run was cancelled): nothing to say
        pass
    finally:
        sending.close()


def _limit_memory(limit: int) -> None:
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    ceiling = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))


def _problem_answer(exc: BaseException) -> bytes:
    try:
        from pipelex.api.problems import problem_for_exception

        document = problem_for_exception(exc, instance="")
        return _PROBLEM + document.model_dump_json(exclude_none=True).encode()
    except MemoryError:
        return _MEMORY
    except BaseException:  # pragma: no cover - the problem itself failed: report the bare failure
        print(f"pipelex worker: {type(exc).__name__}", file=sys.stderr)
        return (
            _MEMORY
            if isinstance(exc, MemoryError)
            else _PROBLEM
            + (
                b'{"type":"urn:pipelex:problem:internal-error","title":"Internal error","status":500,'
                b'"detail":"the run failed in its worker process","instance":""}'
            )
        )
