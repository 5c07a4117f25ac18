"""A worker whose server stopped waiting for it (the run was cancelled, or passed its deadline) ends quietly.

Cancelling runs started with ``/v1/start`` left a ``BrokenPipeError`` traceback in the server's log for each worker
that finished between the cancel and its kill ("Process pipelex-execute: Traceback ..."): 19 tracebacks for 100
start-then-cancel requests, noise that hides real failures in an operator's log.
"""

from __future__ import annotations

import multiprocessing
import pickle
import time

from pipelex.api.isolation import IsolatedJob, _child_main  # pyright: ignore[reportPrivateUsage]
from pipelex.config.deck import deck_for
from pipelex.config.settings import PipelexConfig


def slow_answer(job: IsolatedJob) -> bytes:
    time.sleep(1.0)  # the server has stopped waiting by then
    return b"{}"


def test_a_worker_answering_a_server_that_stopped_waiting_ends_without_a_traceback() -> None:
    config = PipelexConfig()
    job = IsolatedJob(
        kind="call", request=None, config=config, deck=deck_for(config), environ={}, boot=None,
        memory_bytes=2 * 1024**3, work=slow_answer,
    )  # fmt: skip
    context = multiprocessing.get_context("forkserver")  # as the server: the worker holds no reading end
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(sending, pickle.dumps(job)), daemon=True)
    child.start()
    sending.close()
    receiving.close()  # the run was cancelled: the server closes its end before the worker answers
    child.join(timeout=60)
    assert child.exitcode == 0, "the worker died of its unanswered pipe (a traceback in the server's log)"
