"""Bombs against the runner API: every run has a deadline and a memory ceiling, enforced in worker processes,
and the server keeps answering other requests at normal latency during and after an attack.

The server is the real `pipelex api serve` in a child process under a memory ceiling (the watchdog); the
bounds below are generous for a busy 2-core machine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipelex.api.models import RunStatus
from pipelex.api.runs import RunStore
from tests.security.conftest import served_api

DEADLINE_S = 8
HARMLESS_BOUND_S = (
    5.0  # a dry run of a one-pipe bundle while a bomb runs (it takes ~0.1 s on a quiet machine)
)

# the template budget is raised so that these bombs reach the process limits (deadline, memory)
CONFIG = f"""
[limits]
run_deadline_seconds = {DEADLINE_S}
run_memory_bytes = {768 * 1024**2}
template_max_steps = 1000000000
template_max_output_chars = 1000000000
"""


def _bundle(template: str, output: str = "Text") -> str:
    return (
        'domain = "bomb"\nmain_pipe = "p"\n\n[pipe.p]\ntype = "PipeCompose"\ndescription = "A bomb"\n'
        f'output = "{output}"\ntemplate = """{template}"""\n'
    )


HARMLESS = _bundle("hello")
SPIN = _bundle("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
GREEDY = _bundle("{{ ('a' * 900000000)|length }}")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_api(tmp_path_factory.mktemp("api-bombs"), CONFIG) as url:
        yield url


def _execute(url: str, bundle: str, timeout: float = 60) -> httpx.Response:
    return httpx.post(
        f"{url}/v1/execute", json={"mthds_contents": [bundle], "dry_run": True}, timeout=timeout
    )


def _timed_harmless(url: str) -> float:
    started = time.monotonic()
    answer = _execute(url, HARMLESS, timeout=30)
    elapsed = time.monotonic() - started
    assert answer.status_code == 200, answer.text
    assert answer.json()["main_stuff"]["content"]["text"] == "hello"
    return elapsed


def test_a_spinning_run_is_stopped_at_its_deadline_while_others_are_served(api: str) -> None:
    assert _timed_harmless(api) < HARMLESS_BOUND_S
    outcome: dict[str, Any] = {}

    def attack() -> None:
        started = time.monotonic()
        outcome["response"] = _execute(api, SPIN)
        outcome["seconds"] = time.monotonic() - started

    attacker = threading.Thread(target=attack)
    attacker.start()
    try:
        time.sleep(1.0)
        during = [_timed_harmless(api) for _ in range(3)]
        health_started = time.monotonic()
        assert httpx.get(f"{api}/health", timeout=10).status_code == 200
        assert time.monotonic() - health_started < HARMLESS_BOUND_S
        assert max(during) < HARMLESS_BOUND_S, f"harmless runs took {during} s during the attack"
        assert attacker.is_alive(), "the bomb ended before its deadline"
    finally:
        attacker.join(timeout=DEADLINE_S + 60)
    response: httpx.Response = outcome["response"]
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["kind"] == "run-limit-exceeded"
    assert problem["limit"] == "run_deadline_seconds"
    assert f"{DEADLINE_S} s" in problem["detail"] and "run_deadline_seconds" in problem["detail"]
    assert DEADLINE_S - 1 <= outcome["seconds"] < DEADLINE_S + 30
    assert _timed_harmless(api) < HARMLESS_BOUND_S  # and after


def test_a_greedy_run_hits_its_memory_ceiling_not_the_server(api: str) -> None:
    response = _execute(api, GREEDY)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["kind"] == "run-limit-exceeded"
    assert problem["limit"] == "run_memory_bytes"
    assert "run_memory_bytes" in problem["detail"]
    assert _timed_harmless(api) < HARMLESS_BOUND_S


def test_two_spinning_starts_do_not_wedge_the_server(api: str) -> None:
    """The issue's wedge: two template bombs started, the clients gone; later harmless runs still answer."""
    ids = []
    for _ in range(2):
        started = httpx.post(f"{api}/v1/start", json={"mthds_contents": [SPIN], "dry_run": True}, timeout=30)
        assert started.status_code == 202
        ids.append(started.json()["run_id"])
    time.sleep(0.5)
    assert _timed_harmless(api) < HARMLESS_BOUND_S
    deadline = time.monotonic() + DEADLINE_S + 60
    statuses: list[dict[str, Any]] = []
    for run_id in ids:
        while True:
            status = httpx.get(f"{api}/v1/runs/{run_id}", timeout=10).json()
            if status["status"] != RunStatus.RUNNING.value or time.monotonic() > deadline:
                statuses.append(status)
                break
            time.sleep(0.5)
    for status in statuses:
        assert status["status"] == "failed", status
        assert status["problem"]["kind"] == "run-limit-exceeded"
        assert status["problem"]["limit"] == "run_deadline_seconds"


def test_validate_refuses_a_huge_list_quickly_with_a_small_answer(api: str) -> None:
    bundle = _bundle("x", output="Text[10000000]").replace('template = """x"""', 'template = "x"')
    started = time.monotonic()
    response = httpx.post(f"{api}/v1/validate", json={"mthds_contents": [bundle]}, timeout=60)
    assert time.monotonic() - started < 30
    assert response.status_code == 200
    assert len(response.content) < 100_000
    report = response.json()
    assert report["is_valid"] is False
    assert [e["error_type"] for e in report["errors"]] == ["limit_exceeded"]


def test_validate_of_a_template_bomb_ends(api: str) -> None:
    """The sweep renders templates too: the bomb is stopped there (by the deadline, or the template budget)."""
    started = time.monotonic()
    response = httpx.post(f"{api}/v1/validate", json={"mthds_contents": [SPIN]}, timeout=DEADLINE_S + 60)
    assert time.monotonic() - started < DEADLINE_S + 30
    if response.status_code == 200:
        assert response.json()["is_valid"] is False
    else:
        assert response.json()["kind"] == "run-limit-exceeded"


def test_default_template_budget_stops_a_bomb_fast(tmp_path: Path) -> None:
    with served_api(tmp_path, "") as url:
        started = time.monotonic()
        response = _execute(url, SPIN)
        assert time.monotonic() - started < 30
        assert response.status_code == 422
        problem = response.json()
        assert problem["kind"] == "run-limit-exceeded"
        assert problem["limit"] == "template_max_steps" and problem["pipe_code"] == "p"


# ---------------------------------------------------------------------------------------------------- run store
def _finished(store: RunStore, size: int) -> str:
    record = store.new(backend="direct", dry_run=True)
    record.finish(result_json=b"x" * size)
    store.settle(record)
    return record.run_id


def test_run_store_is_bounded_in_bytes() -> None:
    store = RunStore(max_runs=1000, ttl_seconds=3600, max_bytes=10_000)
    first = _finished(store, 4_000)
    second = _finished(store, 4_000)
    assert store.get(first) is not None and store.get(second) is not None
    third = _finished(store, 4_000)  # 12 kB > 10 kB: the oldest finished run goes
    assert store.get(first) is None
    assert store.get(second) is not None and store.get(third) is not None
    assert store.stored_bytes <= 10_000


def test_a_result_bigger_than_the_store_is_not_kept() -> None:
    store = RunStore(max_runs=1000, ttl_seconds=3600, max_bytes=10_000)
    kept = _finished(store, 1_000)
    huge = _finished(store, 50_000)
    record = store.get(huge)
    assert record is not None and record.result_json is None
    assert record.status is RunStatus.FAILED and record.problem is not None
    assert record.problem.kind == "run-limit-exceeded" and record.problem.limit == "max_stored_run_bytes"
    assert "POST /v1/execute" in record.problem.detail
    assert store.get(kept) is not None
