"""The in-memory store of runs started with ``POST /v1/start``, bounded in count, in bytes and in time.

At most ``max_runs`` runs are kept, holding at most ``max_bytes`` of results (``[limits]
max_stored_run_bytes``). A finished run is dropped ``ttl_seconds`` after it finished, or earlier when
room is needed for a new run or for a new result (the oldest finished first). A result larger than the
whole budget is not kept: its run is marked failed with a ``run-limit-exceeded`` problem saying to use
``POST /v1/execute``. A run in progress is never dropped: when every slot holds one, a new start is
refused (429) until one finishes. On the direct backend, results live in this process only; a restart
forgets them. On the Temporal backend a run lives on the Temporal server: this store only caches finished
runs read from there (the same bounds apply), and a run it has dropped is read again from the server.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pipelex.api.models import BackendName, Problem, RunStatus, RunStatusResponse
from pipelex.api.problems import ApiProblem, limit_problem


@dataclass
class RunRecord:
    """One run: its status and, once finished, its result (as JSON bytes) or problem."""

    run_id: str
    backend: BackendName
    dry_run: bool
    created_at: datetime
    pipe_code: str | None = None
    status: RunStatus = RunStatus.RUNNING
    finished_at: datetime | None = None
    finished_monotonic: float | None = None
    result_json: bytes | None = None
    problem: Problem | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    cancel_requested: bool = False  # POST /v1/runs/{id}/cancel asked to stop the run's task

    def finish(
        self, *, result_json: bytes | None = None, problem: Problem | None = None, cancelled: bool = False
    ) -> None:
        """Record the outcome."""
        if cancelled:
            self.status = RunStatus.CANCELLED
        else:
            self.status = RunStatus.SUCCEEDED if problem is None else RunStatus.FAILED
        self.result_json = result_json
        self.problem = problem
        self.finished_at = datetime.now(UTC)
        self.finished_monotonic = time.monotonic()
        self.task = None

    def status_json(self) -> bytes:
        """The ``GET /v1/runs/{id}`` document; the result is spliced in as already-serialised JSON."""
        head = RunStatusResponse(
            run_id=self.run_id,
            status=self.status,
            backend=self.backend,
            dry_run=self.dry_run,
            created_at=self.created_at,
            finished_at=self.finished_at,
            problem=self.problem,
        )
        document = head.model_dump_json(exclude={"result"})
        if self.result_json is None:
            return document[:-1].encode() + b',"result":null}'
        return document[:-1].encode() + b',"result":' + self.result_json + b"}"


class RunStore:
    """Runs by id, bounded (see the module docstring)."""

    def __init__(self, *, max_runs: int, ttl_seconds: float, max_bytes: int = 256 * 1024**2) -> None:
        self.max_runs = max_runs
        self.ttl_seconds = ttl_seconds
        self.max_bytes = max_bytes
        self._runs: OrderedDict[str, RunRecord] = OrderedDict()
        self._sizes: dict[str, int] = {}  # bytes held by each settled run

    @property
    def stored_bytes(self) -> int:
        """Bytes of results and problems held now."""
        return sum(self._sizes.values())

    def settle(self, record: RunRecord) -> None:
        """Account a finished run's bytes; drop the oldest finished runs beyond ``max_bytes`` (see the module)."""
        if record.run_id not in self._runs:  # dropped meanwhile (the server is stopping)
            return
        size = _size_of(record)
        if size > self.max_bytes:
            record.result_json = None
            record.status = RunStatus.FAILED
            record.problem = limit_problem(
                f"the run succeeded, but its result ({size} bytes) is larger than this server keeps for "
                f"GET /v1/runs ({self.max_bytes} bytes, [limits] max_stored_run_bytes): run it with "
                "POST /v1/execute to receive the result directly",
                instance=f"/v1/runs/{record.run_id}",
                run_id=record.run_id,
                limit="max_stored_run_bytes",
                value=self.max_bytes,
            )
            size = _size_of(record)
        self._sizes[record.run_id] = size
        total = self.stored_bytes
        for run_id in [k for k, r in self._runs.items() if r.status is not RunStatus.RUNNING]:
            if total <= self.max_bytes:
                break
            if run_id == record.run_id:
                continue
            total -= self._sizes.pop(run_id, 0)
            del self._runs[run_id]

    def __len__(self) -> int:
        return len(self._runs)

    def new(self, *, backend: BackendName, dry_run: bool, pipe_code: str | None = None) -> RunRecord:
        """Make room if needed and register a new running run; 429 when every slot is a run in progress."""
        self._expire()
        if len(self._runs) >= self.max_runs:
            oldest_finished = next(
                (k for k, r in self._runs.items() if r.status is not RunStatus.RUNNING), None
            )
            if oldest_finished is None:
                raise ApiProblem(
                    "too-many-runs",
                    f"{self.max_runs} runs are in progress, the most this server keeps: "
                    "retry when one has finished (or use POST /v1/execute)",
                    params={"dependency": "run store"},
                    headers={"Retry-After": "5"},
                    retry_after=5,
                )
            del self._runs[oldest_finished]
            self._sizes.pop(oldest_finished, None)
        record = RunRecord(
            run_id=uuid.uuid4().hex,
            backend=backend,
            dry_run=dry_run,
            created_at=datetime.now(UTC),
            pipe_code=pipe_code,
        )
        self._runs[record.run_id] = record
        return record

    def keep(self, record: RunRecord) -> None:
        """Cache a finished run read from elsewhere (the Temporal server), within the store's bounds."""
        self._expire()
        if record.run_id in self._runs:
            return
        while len(self._runs) >= self.max_runs:
            oldest_finished = next(
                (k for k, r in self._runs.items() if r.status is not RunStatus.RUNNING), None
            )
            if oldest_finished is None:
                return  # every slot is a run in progress here: serve it without keeping it
            del self._runs[oldest_finished]
            self._sizes.pop(oldest_finished, None)
        if record.finished_monotonic is None:
            record.finished_monotonic = time.monotonic()
        self._runs[record.run_id] = record
        self.settle(record)

    def get(self, run_id: str) -> RunRecord | None:
        """The run, or None when unknown or already dropped."""
        self._expire()
        return self._runs.get(run_id)

    def running_tasks(self) -> list[asyncio.Task[None]]:
        """The tasks of the runs in progress (cancelled when the server stops)."""
        return [r.task for r in self._runs.values() if r.task is not None]

    def _expire(self) -> None:
        deadline = time.monotonic() - self.ttl_seconds
        expired = [
            k
            for k, r in self._runs.items()
            if r.finished_monotonic is not None and r.finished_monotonic < deadline
        ]
        for key in expired:
            del self._runs[key]
            self._sizes.pop(key, None)


def _size_of(record: RunRecord) -> int:
    problem_size = len(record.problem.model_dump_json()) if record.problem is not None else 0
    return len(record.result_json or b"") + problem_size + 512  # the record itself, roughly
