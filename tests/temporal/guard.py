"""A determinism tripwire for workflow code, on in every Temporal test (``conftest.py``).

pipelex's workflows run outside the SDK's sandbox (``pipelex.backends.temporal.worker``). In the tests, each
workflow activation runs with the usual sources of nondeterminism refused on its own thread: the wall clock
(``time.time``, ``time.time_ns``), the global ``random`` functions, ``uuid.uuid1`` / ``uuid.uuid4``, ``open`` and
``os.getenv``. A call raises :class:`NondeterministicCall`, which fails the run with the call named (the
workflow's internal-error path), so a test of any construct on Temporal catches workflow code that reads one.

Other threads (the client, activities, the SDK's worker) are untouched, and so are two libraries' own bookkeeping,
which decides nothing a workflow commands: a log record's time stamp (``logging``), and pydantic reading
``PYDANTIC_DISABLE_PLUGINS`` as it builds a concept's model the first time workflow code uses it. Not covered: ``datetime.now()`` (a method of a C type, which cannot
be replaced), ``os.environ`` read directly, and ``os.urandom``, which workflow code calls on purpose: a new
stuff's ``stuff_code`` is random and only labels data (``docs/temporal.md``, "Determinism").
"""

from __future__ import annotations

import builtins
import os
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.worker import UnsandboxedWorkflowRunner, WorkflowInstance, WorkflowInstanceDetails

_GUARDED: list[tuple[Any, str]] = [
    (time, "time"),
    (time, "time_ns"),
    (uuid, "uuid1"),
    (uuid, "uuid4"),
    (os, "getenv"),
    (builtins, "open"),
    *(
        (random, name)
        for name in ("random", "randint", "randrange", "choice", "choices", "shuffle", "sample", "uniform")
    ),
]
# callers whose reads decide nothing a workflow commands (see the module's docstring)
_EXEMPT_CALLERS = ("logging", "pydantic")
_state = threading.local()


class NondeterministicCall(RuntimeError):
    """Workflow code called something whose result differs from one replay to the next."""


def _in_activation() -> bool:
    return getattr(_state, "active", False)


def _exempt(caller: str) -> bool:
    return caller.split(".", 1)[0] in _EXEMPT_CALLERS


def _tripwire(owner: Any, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    qualified = f"{getattr(owner, '__name__', owner)}.{name}"

    def guarded(*args: Any, **kwargs: Any) -> Any:
        if _in_activation() and not _exempt(sys._getframe(1).f_globals.get("__name__") or ""):  # noqa: SLF001
            raise NondeterministicCall(f"{qualified}() called from workflow code: its result is not replayed")
        return original(*args, **kwargs)

    return guarded


@contextmanager
def tripwires() -> Iterator[None]:
    """Install the tripwires for the duration (they only act on a thread running a workflow activation)."""
    originals = [(owner, name, getattr(owner, name)) for owner, name in _GUARDED]
    for owner, name, original in originals:
        setattr(owner, name, _tripwire(owner, name, original))
    try:
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


class GuardedWorkflowRunner(UnsandboxedWorkflowRunner):
    """pipelex's runner (outside the sandbox), with each activation's thread marked for the tripwires."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:  # noqa: D102
        instance = super().create_instance(det)
        activate = instance.activate

        def guarded_activate(act: WorkflowActivation) -> WorkflowActivationCompletion:
            _state.active = True
            try:
                return activate(act)
            finally:
                _state.active = False

        instance.activate = guarded_activate  # type: ignore[method-assign]
        return instance
