"""A worker process that ends without answering is reported by how it ended, not always as a memory problem.

A worker stopped the way a process past its memory is stopped (SIGKILL by an out-of-memory killer, SIGABRT from
native code that could not allocate) is the ``run-limit-exceeded`` problem of ``[limits] run_memory_bytes``, saying
which signal stopped it. A worker that crashed (SIGSEGV) or exited with a code (a function calling ``os._exit``)
did not pass a limit of the request: that is an ``internal-error``, with an incident the server log explains.
The workers are real child processes of a real :class:`IsolatedRunner`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import pytest

from pipelex.api.isolation import IsolatedJob, IsolatedRunner, WorkerProblem
from pipelex.config.deck import deck_for
from pipelex.config.settings import PipelexConfig


def exits_with_three(job: IsolatedJob) -> bytes:
    os._exit(3)


def crashes(job: IsolatedJob) -> bytes:
    os.kill(os.getpid(), signal.SIGSEGV)
    return b"{}"  # not reached: the default action of SIGSEGV ends the process


def aborts(job: IsolatedJob) -> bytes:
    os.abort()


def is_killed(job: IsolatedJob) -> bytes:
    os.kill(os.getpid(), signal.SIGKILL)
    return b"{}"


def answers(job: IsolatedJob) -> bytes:
    return b'{"ok": true}'


def _ending_of(work: object) -> WorkerProblem:
    config = PipelexConfig()
    runner = IsolatedRunner(config, deck_for(config), work=work)  # type: ignore[arg-type]
    with pytest.raises(WorkerProblem) as caught:
        asyncio.run(runner.validate(None))  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(("work", "ending"), [(exits_with_three, "exit code 3"), (crashes, "signal SIGSEGV")])
def test_a_worker_that_crashes_or_exits_is_an_internal_error(
    work: object, ending: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="pipelex.api"):
        problem = _ending_of(work).problem
    assert problem.kind == "internal-error"
    assert problem.status == 500
    assert ending in problem.detail
    assert "memory" not in problem.detail
    incident = problem.detail.split("incident ")[1].split(",")[0]
    assert any(incident in r.getMessage() and ending in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("work", "ending"), [(is_killed, "SIGKILL"), (aborts, "SIGABRT")])
def test_a_worker_stopped_as_memory_stops_it_is_the_memory_limit(work: object, ending: str) -> None:
    problem = _ending_of(work).problem
    assert problem.kind == "run-limit-exceeded"
    assert problem.model_dump().get("limit") == "run_memory_bytes"
    assert f"stopped by signal {ending}" in problem.detail


def test_a_worker_that_answers_is_not_a_problem() -> None:
    config = PipelexConfig()
    runner = IsolatedRunner(config, deck_for(config), work=answers)
    assert asyncio.run(runner.validate(None)) == b'{"ok": true}'  # type: ignore[arg-type]
