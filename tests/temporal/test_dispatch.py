"""Dispatch details: task-queue routing, big payloads by reference, runs started and fetched by id."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType

from pipelex.backends.temporal import temporal_session
from pipelex.backends.temporal.client import connect
from pipelex.boot import Pipelex
from pipelex.config.settings import LimitsConfig, PipelexConfig
from pipelex.errors import PipeRunError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.pipeline.temporal import (
    get_pipeline_run_on_temporal,
    run_pipeline_on_temporal,
    start_pipeline_on_temporal,
)
from tests.temporal.bundles import NESTED_BUNDLE, NESTED_INPUTS, ORDER, SHOP_BUNDLE, failing_bundle

ECHO = """
domain = "echo"
description = "Copies a text through a template and a model"
main_pipe = "echo_twice"

[pipe.echo_twice]
type = "PipeSequence"
description = "Copies, then describes"
inputs = { text = "Text" }
output = "Text"
steps = [
  { pipe = "copy_text", result = "copy" },
  { pipe = "describe_copy", result = "described" },
  { pipe = "copy_back", result = "back" },
]

[pipe.copy_text]
type = "PipeCompose"
description = "The text, copied"
inputs = { text = "Text" }
output = "Text"
template = "$text"

[pipe.describe_copy]
type = "PipeLLM"
description = "Describes the copy"
inputs = { copy = "Text" }
output = "Text"
prompt = "Describe: $copy"
model = "gpt-4o-mini"

[pipe.copy_back]
type = "PipeCompose"
description = "The copy, again"
inputs = { copy = "Text" }
output = "Text"
template = "$copy"
"""


def with_temporal(config: PipelexConfig, **updates: object) -> PipelexConfig:
    """``config`` with ``[temporal]`` keys changed."""
    return config.model_copy(update={"temporal": config.temporal.model_copy(update=updates)})


async def test_leaves_are_routed_by_model_then_by_kind(temporal_config: PipelexConfig) -> None:
    queue = temporal_config.temporal.task_queue
    config = with_temporal(
        temporal_config,
        queue_by_kind={"llm": f"{queue}-llm", "func": f"{queue}-func"},
        queue_by_model={"gpt-4o-mini": f"{queue}-mini"},
    )
    Pipelex.make(config=config)
    try:
        shop = await PipelexRunner(mthds_content=SHOP_BUNDLE, pipe_run_mode=PipeRunMode.DRY).execute_pipeline(
            {"order": ORDER}
        )
        echo = await PipelexRunner(mthds_content=ECHO, pipe_run_mode=PipeRunMode.DRY).execute_pipeline(
            {"text": "x"}
        )
        nested = await PipelexRunner(
            mthds_content=NESTED_BUNDLE, pipe_run_mode=PipeRunMode.DRY
        ).execute_pipeline(NESTED_INPUTS)
    finally:
        Pipelex.teardown()
    queues = {
        (n.pipe_code, n.placement["task_queue"])
        for g in (shop.graph, echo.graph, nested.graph)
        for n in g.nodes
        if n.placement
    }
    assert ("label_one_plant", f"{queue}-llm") in queues  # by kind
    assert ("describe_copy", f"{queue}-mini") in queues  # by model handle, before the kind
    assert ("shout_name", f"{queue}-func") in queues
    assert ("prepare_order", queue) in queues and (
        "copy_text",
        queue,
    ) in queues  # workflows and inline leaves


async def test_a_payload_over_the_limit_goes_by_reference(
    temporal_config: PipelexConfig, tmp_path: Path
) -> None:
    big = "tide tables " * 300_000  # 3.6 MB: over Temporal's 2 MiB payload limit
    # the templates copy 3.6 MB: over the default template output budget, raised for this run
    config = with_temporal(temporal_config).model_copy(
        update={"limits": LimitsConfig(template_max_output_chars=10_000_000)}
    )
    Pipelex.make(config=config)  # the in-process worker renders with the booted [limits]
    try:
        output = await run_pipeline_on_temporal(
            [ECHO], inputs={"text": big}, pipe_run_mode=PipeRunMode.DRY, config=config
        )
    finally:
        Pipelex.teardown()
    assert output.main_stuff_json()["text"] == big
    copy = output.working_memory.get("copy")
    assert copy is not None and copy.content_json()["text"] == big
    stored = list((tmp_path / "storage" / "temporal-payloads").iterdir())
    assert stored and all(p.stat().st_size > config.temporal.payload_offload_bytes for p in stored)
    client = await connect(config)
    handle = client.get_workflow_handle(output.pipeline_run_id)  # the run id is the workflow id
    largest = 0
    async for event in handle.fetch_history_events():
        largest = max(largest, event.ByteSize())
    assert largest < config.temporal.payload_offload_bytes + 64 * 1024  # the history holds references only


async def test_a_run_started_then_fetched_by_id(temporal_booted: PipelexConfig) -> None:
    async with temporal_session(temporal_booted):  # the session's worker keeps serving after start returns
        run_id = await start_pipeline_on_temporal(
            [SHOP_BUNDLE], inputs={"order": ORDER}, pipe_run_mode=PipeRunMode.DRY
        )
        status = await get_pipeline_run_on_temporal(run_id)
        for _ in range(200):
            if status.status != "running":
                break
            await asyncio.sleep(0.05)
            status = await get_pipeline_run_on_temporal(run_id)
        assert status.status == "succeeded", status.error
        assert status.output is not None
        assert status.output.main_stuff_json() == {"text": "Ana | large desk for Ana | Parcel for Ana"}
        assert len(status.output.graph.nodes) == 11
        failed_id = await start_pipeline_on_temporal(
            [failing_bundle()], inputs={"text": "hi"}, pipe_run_mode=PipeRunMode.LIVE
        )
        for _ in range(200):
            status = await get_pipeline_run_on_temporal(failed_id)
            if status.status != "running":
                break
            await asyncio.sleep(0.05)
    assert status.status == "failed"
    assert status.error is not None and "refusing 'HI!'" in str(status.error)


async def test_a_live_run_fetched_by_id_reports_its_usage(
    temporal_booted: PipelexConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The output rebuilt from the workflow's history rolls usage up from the graph as a direct run does."""
    from pipelex.testing.fake_provider import FakeProvider

    with FakeProvider() as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        async with temporal_session(temporal_booted):
            run_id = await start_pipeline_on_temporal(
                [ECHO], inputs={"text": "x"}, pipe_run_mode=PipeRunMode.LIVE
            )
            status = await get_pipeline_run_on_temporal(run_id)
            for _ in range(600):
                if status.status != "running":
                    break
                await asyncio.sleep(0.05)
                status = await get_pipeline_run_on_temporal(run_id)
        direct = await PipelexRunner(
            mthds_content=ECHO, pipe_run_mode=PipeRunMode.LIVE, backend="direct"
        ).execute_pipeline({"text": "x"})
    assert status.status == "succeeded", status.error
    assert status.output is not None
    fetched = status.output.usage
    assert fetched.calls == direct.usage.calls == 1
    assert fetched.total_tokens == direct.usage.total_tokens > 0
    assert status.output.graph.usage == direct.graph.usage
    leaf = next(n for n in status.output.graph.nodes if n.pipe_code == "describe_copy")
    root = next(n for n in status.output.graph.nodes if n.pipe_code == "echo_twice")
    assert leaf.usage and root.usage  # per leaf, and rolled up into the controller


TWO_CALLS = (
    ECHO.replace(
        '  { pipe = "copy_back", result = "back" },',
        '  { pipe = "copy_back", result = "back" },\n  { pipe = "describe_again", result = "again" },',
    )
    + """
[pipe.describe_again]
type = "PipeLLM"
description = "Describes the copy once more"
inputs = { back = "Text" }
output = "Text"
prompt = "Describe it again: $back"
model = "gpt-4o-mini"
"""
)


async def test_a_live_run_fetched_by_id_reports_the_usage_of_the_run_itself(
    temporal_booted: PipelexConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live run on Temporal, waited for; then the same run read back by id from the Temporal server: the
    output is built by the same code, so tokens, cost and calls are the same, in total, per model and per node."""
    from pipelex.backends.temporal.backend import TemporalBackend
    from pipelex.testing.fake_provider import FakeProvider

    # the fake is not OpenAI: gpt-4o-mini is priced here only because the test declares its costs
    handle = {"backend": "openai", "model_id": "gpt-4o-mini", "costs": {"input": 0.15, "output": 0.6}}
    priced = PipelexConfig.model_validate(
        {**temporal_booted.model_dump(), "models": {"handles": {"gpt-4o-mini": handle}}}
    )
    Pipelex.make(config=priced)  # the in-process worker prices the calls with the booted deck
    with FakeProvider() as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        ran = await PipelexRunner(mthds_content=TWO_CALLS, pipe_run_mode=PipeRunMode.LIVE).execute_pipeline(
            {"text": "x"}
        )
        calls_made = fake.total_calls
    state = await TemporalBackend(temporal_booted).status(ran.pipeline_run_id)
    assert state.status == "succeeded", state.error
    fetched = state.output
    assert fetched is not None and fetched.pipeline_run_id == ran.pipeline_run_id
    assert ran.graph.backend == fetched.graph.backend == "temporal"
    assert calls_made == ran.usage.calls == fetched.usage.calls == 2
    assert fetched.usage.total_tokens == ran.usage.total_tokens > 0
    assert fetched.usage.input_tokens == ran.usage.input_tokens
    assert fetched.usage.output_tokens == ran.usage.output_tokens
    assert fetched.usage.total_cost_usd == ran.usage.total_cost_usd > 0
    assert fetched.usage.to_json() == ran.usage.to_json()
    assert fetched.graph.usage == ran.graph.usage
    assert [(n.pipe_code, n.usage) for n in fetched.graph.nodes] == [
        (n.pipe_code, n.usage) for n in ran.graph.nodes
    ]
    assert fetched.main_stuff_json() == ran.main_stuff_json()
    assert fetched.working_memory.to_json() == ran.working_memory.to_json()


async def test_the_failed_pipe_and_its_controllers_are_named(temporal_booted: PipelexConfig) -> None:
    with pytest.raises(PipeRunError) as caught:
        await run_pipeline_on_temporal([failing_bundle()], inputs={"text": "hi"}, config=temporal_booted)
    assert caught.value.pipe_code == "refuse_it"
    assert caught.value.error_type == "pipe_run_failed"
    client = await connect(temporal_booted)
    query = f"TaskQueue = '{temporal_booted.temporal.task_queue}'"
    found = [w async for w in client.list_workflows(query)]
    for _ in range(50):  # visibility is eventually consistent
        if found:
            break
        await asyncio.sleep(0.1)
        found = [w async for w in client.list_workflows(query)]
    [summary] = found
    history = [e async for e in client.get_workflow_handle(summary.id).fetch_history_events()]
    # the author's error failed the activity once (not retried), then the workflow
    assert sum(e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED for e in history) == 1
    assert history[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED
    failure = history[-1].workflow_execution_failed_event_attributes.failure
    assert failure.application_failure_info.non_retryable


@pytest.mark.parametrize("faults, succeeds", [(1, True), (5, False)], ids=["retried", "exhausted"])
async def test_provider_faults_follow_the_retry_policy(
    temporal_config: PipelexConfig, faults: int, succeeds: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelex.errors import ProviderError
    from pipelex.testing.fake_provider import FakeProvider

    # one provider attempt per activity attempt, two activity attempts: the activity retry policy is what we see
    config = with_temporal(temporal_config, retry_max_attempts=2).model_copy(
        update={"models": {"calls": {"max_attempts": 1}}}
    )
    with FakeProvider() as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        fake.inject("500", count=faults)
        Pipelex.make(config=config)
        try:
            if succeeds:
                output = await PipelexRunner(
                    mthds_content=ECHO, pipe_run_mode=PipeRunMode.LIVE
                ).execute_pipeline({"text": "x"})
                leaf = next(n for n in output.graph.nodes if n.pipe_code == "describe_copy")
                assert leaf.placement is not None and leaf.placement["attempt"] == 2
            else:
                with pytest.raises(ProviderError) as caught:
                    await PipelexRunner(mthds_content=ECHO, pipe_run_mode=PipeRunMode.LIVE).execute_pipeline(
                        {"text": "x"}
                    )
                assert caught.value.pipe_code == "describe_copy"
        finally:
            Pipelex.teardown()
        assert fake.total_calls == 2


async def test_an_unknown_namespace_is_a_clear_error(temporal_config: PipelexConfig) -> None:
    from pipelex.errors import TemporalUnavailableError

    for in_process_worker in (False, True):
        config = with_temporal(
            temporal_config, namespace="no_such_namespace", in_process_worker=in_process_worker
        )
        with pytest.raises(TemporalUnavailableError, match="namespace 'no_such_namespace' does not exist"):
            await run_pipeline_on_temporal(
                [ECHO], inputs={"text": "x"}, pipe_run_mode=PipeRunMode.DRY, config=config
            )


@pytest.mark.parametrize(
    "pipe_code, inputs, expected",
    [("describe_copy", {"copy": "hello"}, "DRY RUN"), ("copy_text", {"text": "hello"}, "hello")],
    ids=["an-activity", "inline"],
)
async def test_a_leaf_can_be_the_pipe_run(
    temporal_booted: PipelexConfig, pipe_code: str, inputs: dict[str, str], expected: str
) -> None:
    output = await PipelexRunner(mthds_content=ECHO, pipe_run_mode=PipeRunMode.DRY).execute_pipeline(
        inputs, pipe_code
    )
    assert expected in output.main_stuff_json()["text"]
    [node] = output.graph.nodes
    assert node.pipe_code == pipe_code and node.placement is not None
    assert node.placement["workflow_id"] == output.pipeline_run_id


async def test_a_leaf_over_its_time_limit_fails_the_run_clearly(
    temporal_config: PipelexConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.temporal.bundles import sequence_bundle
    from tests.temporal.funcs import COUNTER_ENV

    monkeypatch.setenv(COUNTER_ENV, str(tmp_path / "calls.log"))
    monkeypatch.setenv("PIPELEX_TEST_STEP_SECONDS", "1.5")
    config = with_temporal(temporal_config, activity_start_to_close_s=0.5, retry_max_attempts=1)
    with pytest.raises(PipeRunError) as caught:
        await run_pipeline_on_temporal(
            [sequence_bundle(1, pipe_type="PipeFunc")], inputs={"text": "x"}, config=config
        )
    assert caught.value.error_type == "temporal_task_failed"
    assert "TimeoutError" in str(caught.value) and "activity StartToClose timeout" in str(caught.value)


async def test_a_slow_blocking_function_keeps_heartbeating_and_runs_once(
    temporal_config: PipelexConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.temporal.bundles import sequence_bundle
    from tests.temporal.funcs import COUNTER_ENV

    log = tmp_path / "calls.log"
    monkeypatch.setenv(COUNTER_ENV, str(log))
    monkeypatch.setenv(
        "PIPELEX_TEST_STEP_SECONDS", "2.5"
    )  # a blocking time.sleep, 2.5x the heartbeat timeout
    config = with_temporal(temporal_config, activity_heartbeat_s=1.0)
    output = await run_pipeline_on_temporal(
        [sequence_bundle(1, pipe_type="PipeFunc")], inputs={"text": "x"}, config=config
    )
    assert output.main_stuff_json() == {"text": "x+"}
    assert log.read_text().splitlines() == ["start x", "end x"]  # not timed out, not retried
    leaf = next(n for n in output.graph.nodes if n.kind == "operator")
    assert leaf.placement is not None and leaf.placement["attempt"] == 1


async def test_a_run_reports_its_progress_while_it_goes(
    temporal_booted: PipelexConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.temporal.bundles import sequence_bundle
    from tests.temporal.funcs import COUNTER_ENV

    monkeypatch.setenv(COUNTER_ENV, str(tmp_path / "calls.log"))
    monkeypatch.setenv("PIPELEX_TEST_STEP_SECONDS", "0.7")
    runner = PipelexRunner(
        mthds_content=sequence_bundle(3, pipe_type="PipeFunc"), pipe_run_mode=PipeRunMode.LIVE
    )
    run = asyncio.create_task(runner.execute_pipeline({"text": "x"}))
    seen: set[tuple[int, int]] = set()
    while not run.done():
        if runner.current_tracer is not None:
            seen.add(runner.current_tracer.progress())  # what the CLI's progress line reads
        await asyncio.sleep(0.05)
    output = await run
    assert output.main_stuff_json() == {"text": "x+++"}
    assert any(done >= 1 and running >= 1 for done, running in seen), seen  # mid-run: some done, some running


async def test_a_run_given_up_by_its_caller_is_cancelled_on_the_server(
    temporal_booted: PipelexConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from temporalio.client import WorkflowExecutionStatus

    from tests.temporal.bundles import sequence_bundle
    from tests.temporal.funcs import COUNTER_ENV

    log = tmp_path / "calls.log"
    monkeypatch.setenv(COUNTER_ENV, str(log))
    monkeypatch.setenv("PIPELEX_TEST_STEP_SECONDS", "0.5")
    async with temporal_session(temporal_booted) as session:
        runner = PipelexRunner(
            mthds_content=sequence_bundle(6, pipe_type="PipeFunc"), pipe_run_mode=PipeRunMode.LIVE
        )
        run = asyncio.create_task(runner.execute_pipeline({"text": "x"}))
        while not log.exists():
            await asyncio.sleep(0.05)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        [summary] = [
            w
            async for w in session.client.list_workflows(
                f"TaskQueue = '{temporal_booted.temporal.task_queue}'"
            )
        ] or [None]
        assert summary is not None
        handle = session.client.get_workflow_handle(summary.id)
        status = None
        for _ in range(100):
            status = (await handle.describe()).status
            if status != WorkflowExecutionStatus.RUNNING:
                break
            await asyncio.sleep(0.1)
    assert status == WorkflowExecutionStatus.CANCELED
    assert len([line for line in log.read_text().splitlines() if line.startswith("start")]) < 6


async def test_a_missing_key_on_the_worker_fails_at_once(
    temporal_booted: PipelexConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelex.errors import ProviderError

    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ProviderError) as caught:
        await PipelexRunner(mthds_content=ECHO, pipe_run_mode=PipeRunMode.LIVE).execute_pipeline(
            {"text": "x"}
        )
    assert caught.value.error_type == "provider_missing_key"
    assert caught.value.pipe_code == "describe_copy"
    assert "OPENAI_API_KEY" in str(caught.value)
    client = await connect(temporal_booted)
    query = f"TaskQueue = '{temporal_booted.temporal.task_queue}'"
    found = [w async for w in client.list_workflows(query)]
    for _ in range(50):  # visibility is eventually consistent
        if found:
            break
        await asyncio.sleep(0.1)
        found = [w async for w in client.list_workflows(query)]
    attempts = [
        e.activity_task_started_event_attributes.attempt
        async for e in client.get_workflow_handle(found[0].id).fetch_history_events()
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    ]
    assert attempts == [1]  # not retried: a retry cannot fix a missing key
