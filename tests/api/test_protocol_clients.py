"""The protocol's own clients, unmodified, over real HTTP on 127.0.0.1, on both backends.

``mthds.MthdsAPIClient`` (the MTHDS Protocol's client) and ``pipelex_sdk.PipelexAPIClient`` (the reference's
SDK) parse every answer with their own models: a shape that drifts from the protocol fails here.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mthds.protocol.models import InvalidValidationReport, ModelCategory, ValidationReport
from mthds.protocol.pipeline_inputs import PipelineInputs
from mthds.protocol.protocol import PROTOCOL_VERSION
from mthds.runners.api.client import MthdsAPIClient
from mthds.runners.api.exceptions import ApiResponseError
from pipelex_sdk.client import PipelexAPIClient
from pipelex_sdk.errors import ApiResponseError as SdkApiResponseError
from pipelex_sdk.runs import RunStatus, WaitForResultOptions
from pipelex_sdk.validation_models import PipelexInvalidReport, PipelexValidationReport

from tests.api.bundles import MENU, MENU_INVALID
from tests.api.conftest import Backend, ServerFactory
from tests.timing import STARTUP_S

FILES = {"menu.mthds": MENU}
NOTE: PipelineInputs = {"kitchen_note": "eggs, leeks, a sack of flour"}
DRY = {"dry_run": True}


@pytest.fixture
async def mthds_client(base_url: str) -> AsyncIterator[MthdsAPIClient]:
    async with MthdsAPIClient(api_key="unused", base_url=base_url, request_timeout_seconds=120) as client:
        yield client


@pytest.fixture
async def sdk(base_url: str) -> AsyncIterator[PipelexAPIClient]:
    async with PipelexAPIClient(api_key="unused", base_url=base_url, request_timeout_seconds=120) as client:
        yield client


# ---------------------------------------------------------------------------------------------------- version, models
async def test_version_handshake(
    mthds_client: MthdsAPIClient, sdk: PipelexAPIClient, backend: Backend
) -> None:
    for info in (await mthds_client.version(), await sdk.version()):
        assert info.protocol_version == PROTOCOL_VERSION == "2.0.0"
        assert info.blob_store is True
        assert info.runner_version
        extra = info.model_extra or {}
        assert extra["implementation"] == "pipelex" and extra["backend"] == backend.name


async def test_models_deck_and_type_filter(mthds_client: MthdsAPIClient, sdk: PipelexAPIClient) -> None:
    deck = await mthds_client.models()
    assert deck.models, "the deck lists its models"
    kinds = {m.type for m in deck.models}
    assert ModelCategory.LLM in kinds
    assert all(m.name for m in deck.models)
    llms = await sdk.models(ModelCategory.LLM)
    assert llms.models and {m.type for m in llms.models} == {ModelCategory.LLM}
    assert len(llms.models) < len(deck.models)
    with pytest.raises(ApiResponseError) as refused:
        await mthds_client.models("colour")  # type: ignore[arg-type]
    assert refused.value.problem.code == "request.invalid"


# ---------------------------------------------------------------------------------------------------- validate
async def test_validate_valid_method(mthds_client: MthdsAPIClient, sdk: PipelexAPIClient) -> None:
    verdict = await mthds_client.validate(files=FILES)
    assert isinstance(verdict, ValidationReport) and verdict.is_valid
    report = await sdk.validate(files=FILES)
    assert isinstance(report, PipelexValidationReport)
    assert {v.pipe_ref for v in report.validated_pipes} == {
        f"bistro_menus.{c}" for c in ("write_menu_card", "list_dishes", "lay_out_card", "greet")
    }
    assert report.rendered_markdown and "Valid method" in report.rendered_markdown


async def test_validate_invalid_method_names_file_line_and_pipe(
    mthds_client: MthdsAPIClient, sdk: PipelexAPIClient
) -> None:
    files = {"methods/menu.mthds": MENU_INVALID}
    verdict = await mthds_client.validate(files=files)
    assert isinstance(verdict, InvalidValidationReport)
    assert verdict.message and not verdict.is_runnable
    codes = {item.code for item in verdict.errors}
    assert "method.input_undeclared" in codes, codes
    undeclared = next(
        i
        for i in verdict.errors
        if i.code == "method.input_undeclared"
        and i.location is not None
        and i.location.pipe == "lay_out_card"
    )
    assert undeclared.location is not None and undeclared.location.field == "prompt"
    assert undeclared.location.file == "methods/menu.mthds"
    assert undeclared.location.pipe == "lay_out_card"
    assert undeclared.location.line is not None and undeclared.location.line > 1
    assert undeclared.effective_domain.value == "method"
    assert (undeclared.model_extra or {})["error_type"] == "missing_input_variable"
    report = await sdk.validate(files=files)
    assert isinstance(report, PipelexInvalidReport)
    assert {e.code for e in report.errors} == codes
    assert report.rendered_markdown and "methods/menu.mthds" in report.rendered_markdown


# ---------------------------------------------------------------------------------------------------- execute
async def test_execute_dry(mthds_client: MthdsAPIClient, sdk: PipelexAPIClient, backend: Backend) -> None:
    result = await mthds_client.execute(files=FILES, inputs=NOTE, extra=DRY)
    memory = result.pipe_output.working_memory
    main = memory.root[memory.aliases["main_stuff"]]
    assert main.concept == "bistro_menus.MenuCard"
    assert memory.root["kitchen_note"].content == {"text": NOTE["kitchen_note"]}
    assert (result.model_extra or {})["backend"] == backend.name
    sdk_result = await sdk.execute(files=FILES, inputs=NOTE, extra=DRY)
    assert sdk_result.main_stuff["text"].startswith("DRY RUN")
    greeting = await sdk.execute(pipe_code="greet", files=FILES, inputs={"name": "Ada"})  # live, no AI leaf
    assert greeting.main_stuff == {"text": "Hello Ada!"}


async def test_execute_failures_carry_registry_codes(
    mthds_client: MthdsAPIClient, sdk: PipelexAPIClient
) -> None:
    with pytest.raises(ApiResponseError) as missing:
        await mthds_client.execute(files=FILES, inputs={}, extra=DRY)
    problem = missing.value.problem
    assert problem.code == "input.missing" and problem.status == 422
    detail = str(problem.detail)  # the how-to names the request's fields, not the CLI's flags
    assert '"mock_inputs": true' in detail and "--mock-inputs" not in detail
    assert problem.effective_domain.value == "input" and not problem.is_retryable
    with pytest.raises(SdkApiResponseError) as invalid:
        await sdk.execute(files={"menu.mthds": MENU_INVALID}, inputs=NOTE, extra=DRY)
    assert invalid.value.problem.code == "method.invalid"
    assert invalid.value.problem.errors and {e.code for e in invalid.value.problem.errors} >= {
        "method.input_undeclared"
    }
    with pytest.raises(ApiResponseError) as unknown:
        await mthds_client.execute(pipe_code="nope", files=FILES, inputs=NOTE, extra=DRY)
    assert unknown.value.problem.code == "request.pipe_not_found"
    # a bare code that two domains declare is not "not found" (both are there): the registry's ambiguity code
    twice = {**FILES, "other.mthds": MENU.replace('"bistro_menus"', '"other_menus"')}
    with pytest.raises(ApiResponseError) as ambiguous:
        await mthds_client.execute(pipe_code="write_menu_card", files=twice, inputs=NOTE, extra=DRY)
    assert ambiguous.value.problem.code == "request.pipe_ambiguous", ambiguous.value.problem
    assert "other_menus.write_menu_card" in str(ambiguous.value.problem.detail)


# ---------------------------------------------------------------------------------------------------- start, runs
async def test_start_then_status_progress_and_results(
    sdk: PipelexAPIClient, mthds_client: MthdsAPIClient
) -> None:
    started = await mthds_client.start(files=FILES, inputs=NOTE, extra=DRY)
    assert started.pipeline_run_id
    sdk_started = await sdk.start(files=FILES, inputs=NOTE, extra=DRY)
    results = await sdk.wait_for_result(
        sdk_started.pipeline_run_id, WaitForResultOptions(interval_seconds=0.05, timeout_seconds=120)
    )
    assert results.main_stuff["text"].startswith("DRY RUN")
    assert results.working_memory is not None and "kitchen_note" in results.working_memory.root
    status = await sdk.get_run_status(sdk_started.pipeline_run_id)
    assert status.status is RunStatus.COMPLETED and status.finished_at
    progress = await sdk.get_run_progress(sdk_started.pipeline_run_id)
    assert progress.status == "succeeded"
    assert [i.pipe_code for i in progress.invocations] == ["write_menu_card", "list_dishes", "lay_out_card"]
    first = await sdk.wait_for_result(
        started.pipeline_run_id, WaitForResultOptions(interval_seconds=0.05, timeout_seconds=120)
    )
    assert first.pipeline_run_id == started.pipeline_run_id


async def test_started_run_that_fails_reads_as_failed(make_server: ServerFactory) -> None:
    from pipelex_sdk.errors import RunFailedError

    from tests.api.bundles import FUNCS

    url = make_server(allow_pipe_func=True)
    async with PipelexAPIClient(api_key="unused", base_url=url, request_timeout_seconds=120) as client:
        started = await client.start(
            pipe_code="blow_up", files={"funcs.mthds": FUNCS}, inputs={"text": "soup"}
        )
        with pytest.raises(RunFailedError) as failed:
            await client.wait_for_result(
                started.pipeline_run_id, WaitForResultOptions(interval_seconds=0.05, timeout_seconds=120)
            )
        assert failed.value.problem is not None and failed.value.problem.code == "run.failed"
        status = await client.get_run_status(started.pipeline_run_id)
        assert status.status is RunStatus.FAILED and status.error is not None
        with pytest.raises(SdkApiResponseError) as unknown:
            await client.get_run_status("0" * 32)
        assert unknown.value.problem.code == "run.not_found"


# ---------------------------------------------------------------------------------------------------- auth, dry mode
async def test_auth_tells_missing_from_invalid_credentials(make_server: ServerFactory) -> None:
    url = make_server(api_key="the-right-key")
    for key, code in (("a-wrong-key", "auth.invalid_credential"), ("the-right-key", None)):
        async with MthdsAPIClient(api_key=key, base_url=url) as client:
            assert (await client.version()).protocol_version == PROTOCOL_VERSION  # public
            if code is None:
                assert (await client.models()).models
                continue
            with pytest.raises(ApiResponseError) as refused:
                await client.models()
            assert refused.value.problem.code == code
            assert refused.value.problem.effective_step_kind.value == "check_credentials"
    async with PipelexAPIClient(api_key="", base_url=url) as anonymous:  # sends no Authorization at all
        with pytest.raises(SdkApiResponseError) as missing:
            await anonymous.models()
        assert missing.value.problem.code == "auth.missing_credential"


async def test_server_forced_dry_runs(make_server: ServerFactory) -> None:
    url = make_server(force_dry_run=True)
    async with PipelexAPIClient(api_key="unused", base_url=url) as client:
        info = await client.version()
        assert (info.model_extra or {})["dry_run"] is True
        result = await client.execute(files=FILES, inputs=NOTE)  # no dry_run asked: the server forces it
        assert result.main_stuff["text"].startswith("DRY RUN")
        assert (result.model_extra or {})["run_mode"] == "dry"
        with pytest.raises(SdkApiResponseError) as refused:
            await client.execute(files=FILES, inputs=NOTE, extra={"dry_run": False})
        assert refused.value.problem.code == "request.unsupported"


async def test_pipelex_api_serve_dry_run_as_a_process(tmp_path: Path) -> None:
    """``pipelex api serve --dry-run`` as a real process, read by the reference's SDK; stopped at the end."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "PYTHONPATH": str(Path(__file__).parents[2]),
    }
    for name in ("PIPELEX_CONFIG", "PIPELEX_API_KEY", "PIPELEX_API_DRY_RUN"):
        env.pop(name, None)
    command = [sys.executable, "-m", "pipelex.cli.main", "api", "serve", "--dry-run", "--port", str(port)]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        async with PipelexAPIClient(api_key="", base_url=url, request_timeout_seconds=120) as client:
            deadline = time.monotonic() + STARTUP_S
            while True:
                try:
                    info = await client.version()
                    break
                except Exception:
                    assert process.poll() is None, process.communicate()
                    assert time.monotonic() < deadline, "the server did not come up"
                    await asyncio.sleep(0.2)
            assert (info.model_extra or {})["dry_run"] is True
            result = await client.execute(files=FILES, inputs=NOTE)
            assert result.main_stuff["text"].startswith("DRY RUN")
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert b"MTHDS Protocol 2.0.0" in err and b"every run dry" in err
