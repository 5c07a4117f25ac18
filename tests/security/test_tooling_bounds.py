"""The tooling routes (``/v1/pipe-io``, ``/v1/resolve``) load untrusted bundles too: they do it under the bounds of a
validation (a worker process with a memory ceiling and a deadline) and their answer is bounded by ``[api]
max_held_body_bytes`` (fourth hostile pass). They loaded in a thread of the server process: a chain of 4,000
refinements (200 KB) made ``/v1/resolve`` answer 77 MB after 29 s of the server's CPU, and 5 MiB of them had no end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pipelex.api.app import create_app
from pipelex.config.run_settings import LimitsConfig
from pipelex.config.settings import PipelexConfig
from tests.api.conftest import assert_problem, serving

KIB = 1024


def refinement_chain(count: int) -> str:
    """A method whose concepts each refine the previous one (``/resolve`` lists each one's whole ancestry)."""
    lines = ['domain = "chain"', 'main_pipe = "show"', "[concept]", 'C0 = "The first"']
    lines += [f'[concept.C{i}]\ndescription = "The next"\nrefines = "C{i - 1}"' for i in range(1, count)]
    lines.append(
        f'[pipe.show]\ntype = "PipeCompose"\ndescription = "Shows it"\ninputs = {{ t = "C{count - 1}" }}\n'
        'output = "Text"\ntemplate = "{{ t }}"'
    )
    return "\n".join(lines)


@pytest.fixture
def bounded_server() -> Iterator[str]:
    config = PipelexConfig()
    config = config.model_copy(
        update={"api": config.api.model_copy(update={"max_held_body_bytes": 100 * KIB})}
    )
    with serving(create_app(config, api_key=None, limits=LimitsConfig(run_deadline_seconds=2))) as url:
        yield url


def test_a_tooling_answer_past_the_held_budget_is_refused(bounded_server: str) -> None:
    body: dict[str, Any] = {"mthds_contents": [refinement_chain(300)]}  # 16 KB: a 1.4 MB answer
    with httpx.Client(base_url=bounded_server, timeout=120) as http:
        document = assert_problem(http.post("/v1/resolve", json=body), 422, "run-limit-exceeded")
        assert document["limit"] == "max_held_body_bytes"
        small = http.post("/v1/resolve", json={"mthds_contents": [refinement_chain(5)]})
        assert small.status_code == 200, small.text
        assert small.json()["crate"]["concepts"]["chain.C4"]["refines"][:2] == ["chain.C3", "chain.C2"]
        io = http.post("/v1/pipe-io", json={**body, "all_pipes": True})  # a small answer of the same method
        assert io.status_code == 200 and io.json()["is_valid"] is True, io.text


def test_a_tooling_load_past_the_deadline_is_stopped_and_the_server_answers(bounded_server: str) -> None:
    body = {"mthds_contents": [refinement_chain(4000)]}  # ~30 s of loading and answering on this machine
    with httpx.Client(base_url=bounded_server, timeout=120) as http:
        document = assert_problem(http.post("/v1/resolve", json=body), 422, "run-limit-exceeded")
        assert document["limit"] == "run_deadline_seconds"
        assert http.get("/health").status_code == 200


def test_the_check_of_a_started_run_runs_under_the_bounds_of_a_run() -> None:
    # /v1/start checked the method (parse, resolution, static checks) in a thread of the server process: six
    # 4.5 MB bundles at once took the server to 757 MB and /health to 5.6 s; the check now runs in a worker
    # process, under the run's deadline (here one no worker can meet) and memory ceiling
    with serving(
        create_app(PipelexConfig(), api_key=None, limits=LimitsConfig(run_deadline_seconds=0.001))
    ) as url:
        with httpx.Client(base_url=url, timeout=120) as http:
            body = {"mthds_contents": [refinement_chain(3)], "inputs": {"t": "x"}, "dry_run": True}
            document = assert_problem(http.post("/v1/start", json=body), 422, "run-limit-exceeded")
            assert document["limit"] == "run_deadline_seconds"
            assert http.get("/health").status_code == 200
