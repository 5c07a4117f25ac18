"""A run past a ``[limits]`` bound ends the same way on both backends: the same problem on the API, the same
:class:`~pipelex.errors.LimitExceededError` from the runner.

On Temporal the limit is hit on a worker (in an activity, or in the workflow itself) and its error crosses the
wire; it must come back as itself, with the name of its limit, not as a generic pipe failure. The run's
deadline is its top workflow's execution timeout there; past it the run fails as the direct backend's
deadline does.
"""

from __future__ import annotations

import textwrap
import time
from typing import Any, Literal

import httpx
import pytest

from pipelex.api.app import create_app
from pipelex.config.settings import LimitsConfig, PipelexConfig
from pipelex.errors import LimitExceededError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from tests.api.bundles import FUNCS
from tests.api.conftest import Backend, assert_problem, serving
from tests.timing import RUN_S

BOUNDED = textwrap.dedent("""
    domain = "bounds"
    description = "Pipes that pass a limit when the limits are tight"

    [pipe.brainstorm]
    type        = "PipeLLM"
    description = "Lists ideas (a dry run gives three)"
    inputs      = { topic = "Text" }
    output      = "Text[]"
    prompt      = "List ideas about $topic"

    [pipe.pad_inline]
    type        = "PipeCompose"
    description = "A template that loops (rendered in the workflow on Temporal)"
    inputs      = { topic = "Text" }
    output      = "Text"
    template    = "{% for i in range(300) %}.{% endfor %}{{ topic }}"

    [pipe.pad_prompt]
    type        = "PipeLLM"
    description = "A prompt that loops (rendered in an activity on Temporal)"
    inputs      = { topic = "Text" }
    output      = "Text"
    prompt      = "About {{ topic }}{% for i in range(300) %}.{% endfor %}"
""")

TIGHT = LimitsConfig(max_batch_items=2, template_max_steps=100)

# (pipe, the limit it passes, the problem's core code, the error class the runner raises on the direct backend)
CASES = [
    ("brainstorm", "max_batch_items", "input.too_large", LimitExceededError),
    ("pad_inline", "template_max_steps", "pipe.template_budget_exceeded", LimitExceededError),
    ("pad_prompt", "template_max_steps", "pipe.template_budget_exceeded", LimitExceededError),
]

# what a limit problem must say the same on both backends (the run ids and instances differ)
COMPARED = ("status", "kind", "code", "limit", "pipe_code", "params", "title")


def _configs(temporal_address: str, **api: Any) -> dict[str, PipelexConfig]:
    return {
        "direct": Backend("direct").config(**api),
        "temporal": Backend("temporal", temporal_address).config(**api),
    }


def _wait_finished(http: httpx.Client, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + RUN_S
    while True:
        response = http.get(f"/v1/runs/{run_id}")
        assert response.status_code == 200, response.text
        status = response.json()
        if status["status"] != "running":
            return status
        assert time.monotonic() < deadline, f"the run {run_id} did not end within {RUN_S:.0f} s"
        time.sleep(0.2)


def test_a_limit_error_is_the_same_problem_on_both_backends(api_temporal_server: Any) -> None:
    """/v1/execute and /v1/start of runs that pass a list bound (in a leaf's output) or a template budget (in the
    workflow, in an activity): the same run-limit-exceeded problem, field for field, on both backends."""
    seen: dict[str, dict[str, dict[str, Any]]] = {}
    for name, config in _configs(api_temporal_server.address).items():
        with (
            serving(create_app(config, api_key=None, limits=TIGHT)) as url,
            httpx.Client(base_url=url, timeout=RUN_S) as http,
        ):
            for pipe, limit, code, _ in CASES:
                body = {
                    "mthds_contents": [BOUNDED],
                    "pipe_code": pipe,
                    "dry_run": True,
                    "inputs": {"topic": "tides"},
                }
                document = assert_problem(http.post("/v1/execute", json=body), 422, "run-limit-exceeded")
                assert document["limit"] == limit and document["code"] == code, (name, document)
                assert document["pipe_code"] == pipe, (name, document)
                assert limit in document["detail"] and pipe in document["detail"], (name, document)
                seen.setdefault(pipe, {})[name] = document
                # a started run read back by id says the same (on Temporal: read from the Temporal server)
                started = http.post("/v1/start", json=body)
                assert started.status_code == 202, started.text
                run_id = started.json()["run_id"]
                status = _wait_finished(http, run_id)
                assert status["status"] == "failed", (name, status)
                stored = status["problem"]
                assert {k: stored.get(k) for k in COMPARED} == {k: document.get(k) for k in COMPARED}, (
                    name,
                    stored,
                )
                assert stored["run_id"] == run_id
    for pipe, documents in seen.items():
        direct, temporal = documents["direct"], documents["temporal"]
        assert {k: temporal.get(k) for k in COMPARED} == {k: direct.get(k) for k in COMPARED}, pipe
        assert temporal["detail"] == direct["detail"], pipe


@pytest.mark.parametrize("backend_name", ["direct", "temporal"])
async def test_the_runner_raises_the_limit_error_itself(
    api_temporal_server: Any, backend_name: Literal["direct", "temporal"]
) -> None:
    """The Python API: the runner raises the limit's own class, with its limit's name, on both backends."""
    config = _configs(api_temporal_server.address)[backend_name].model_copy(update={"limits": TIGHT})
    from pipelex.config.run_settings import RunSettings

    for pipe, limit, _, error_class in CASES:
        runner = PipelexRunner(
            mthds_content=BOUNDED,
            pipe_run_mode=PipeRunMode.DRY,
            backend=backend_name,
            config=config,
            settings=RunSettings(limits=TIGHT),
        )
        with pytest.raises(LimitExceededError) as caught:
            await runner.execute_pipeline({"topic": "tides"}, pipe)
        assert type(caught.value) is error_class, (backend_name, pipe, type(caught.value))
        assert caught.value.limit == limit and caught.value.pipe_code == pipe
        assert caught.value.error_type == "limit_exceeded"
        # what it did so far travels with it: the graph, with the failed pipe
        partial = caught.value.partial_output
        assert partial is not None and partial.graph.backend == backend_name
        assert [n.status for n in partial.graph.nodes if n.pipe_code == pipe] == ["failed"]


def test_a_run_past_its_deadline_is_the_same_problem_on_both_backends(api_temporal_server: Any) -> None:
    """A run that would take 20 s under a 3 s deadline: /v1/execute answers run-limit-exceeded (run.timed_out)
    on both backends, well before the run would have ended; on Temporal the workflow itself timed out (Temporal
    ended it), and a run started with /v1/start reads back as the same failure from another replica."""
    deadline = LimitsConfig(run_deadline_seconds=3)
    body = {"mthds_contents": [FUNCS], "pipe_code": "nap", "inputs": {"delay": "20"}}
    documents: dict[str, dict[str, Any]] = {}
    for name, config in _configs(api_temporal_server.address, allow_pipe_func=True).items():
        with (
            serving(create_app(config, api_key=None, limits=deadline)) as url,
            httpx.Client(base_url=url, timeout=RUN_S) as http,
        ):
            began = time.monotonic()
            document = assert_problem(http.post("/v1/execute", json=body), 422, "run-limit-exceeded")
            took = time.monotonic() - began
            assert document["code"] == "run.timed_out" and document["limit"] == "run_deadline_seconds", (
                document
            )
            assert document["params"] == {"timeout": 3}, document
            assert "deadline of 3 s" in document["detail"], document
            assert took < 20, f"{name}: the deadline did not stop the run ({took:.1f} s)"
            documents[name] = document
            if name != "temporal":
                continue
            run_id = http.post("/v1/start", json=body).json()["run_id"]
            with (
                serving(create_app(config, api_key=None, limits=deadline)) as other,
                httpx.Client(base_url=other, timeout=RUN_S) as replica,
            ):
                status = _wait_finished(replica, run_id)
            assert status["status"] == "failed", status
            assert {k: status["problem"].get(k) for k in COMPARED} == {k: document.get(k) for k in COMPARED}
            assert _workflow_status(config, run_id) == "TIMED_OUT"
    assert {k: documents["temporal"].get(k) for k in COMPARED} == {
        k: documents["direct"].get(k) for k in COMPARED
    }
    assert documents["temporal"]["detail"] == documents["direct"]["detail"]


def _workflow_status(config: PipelexConfig, workflow_id: str) -> str:
    import asyncio

    from temporalio.client import Client

    async def describe() -> str:
        client = await Client.connect(config.temporal.address, namespace=config.temporal.namespace)
        return (await client.get_workflow_handle(workflow_id).describe()).status.name  # type: ignore[union-attr]

    return asyncio.run(describe())
