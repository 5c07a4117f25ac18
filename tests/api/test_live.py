"""Live runs through the API against the local fake provider (a real HTTP server on 127.0.0.1), both backends."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pipelex.testing.fake_provider import FakeProvider
from tests.api.bundles import MENU
from tests.api.conftest import ServerFactory


@pytest.fixture
def fake_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    """The fake provider, with the provider variables of this process (the server's) pointing at it."""
    with FakeProvider() as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        yield fake


def test_live_execute_calls_the_provider_and_reports_usage(
    make_server: ServerFactory, fake_provider: FakeProvider
) -> None:
    url = make_server()
    response = httpx.post(
        f"{url}/v1/execute",
        timeout=60,
        json={"mthds_contents": [MENU], "inputs": {"kitchen_note": "eggs and leeks"}},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["run_mode"] == "live"
    assert body["main_stuff"]["concept"] == "bistro_menus.MenuCard"
    assert not body["main_stuff"]["content"]["text"].startswith("DRY RUN")
    assert fake_provider.total_calls == 2  # the two LLM pipes, nothing more
    assert body["usage"]["total_tokens"] > 0
    assert [n["status"] for n in body["graph"]["nodes"]] == ["succeeded"] * 3


def test_dry_execute_never_calls_the_provider(
    make_server: ServerFactory, fake_provider: FakeProvider
) -> None:
    url = make_server()
    response = httpx.post(
        f"{url}/v1/execute", timeout=60, json={"mthds_contents": [MENU], "dry_run": True, "mock_inputs": True}
    )
    assert response.status_code == 200, response.text
    assert response.json()["usage"]["total_tokens"] == 0
    assert fake_provider.total_calls == 0


def test_a_client_leaving_its_execute_cancels_the_run(
    make_server: ServerFactory, fake_provider: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that closes its connection mid-``/v1/execute`` can never read the answer nor learn the run's id:
    the run is cancelled there (its worker killed, or its workflow cancelled), and its next model call is never
    made (it was: paid for, and its answer discarded)."""
    import asyncio
    import logging
    import time

    from tests.timing import RUN_S

    caplog.set_level(logging.INFO, logger="pipelex.api")
    url = make_server(max_concurrent_runs=1)
    live = {"mthds_contents": [MENU], "inputs": {"kitchen_note": "eggs and leeks"}}

    async def leave_during_the_first_call() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            asking = asyncio.create_task(http.post("/v1/execute", json=live))
            deadline = time.monotonic() + RUN_S
            while fake_provider.total_calls == 0:  # the run is in its first model call, held there
                assert not asking.done(), asking.result().text
                assert time.monotonic() < deadline, "the run never called the provider"
                await asyncio.sleep(0.05)
            asking.cancel()  # the client gives up: its connection closes
            await asyncio.gather(asking, return_exceptions=True)

    def cancelled() -> bool:
        return any("left before its answer" in record.getMessage() for record in caplog.records)

    fake_provider.hold()
    try:
        asyncio.run(leave_during_the_first_call())
        deadline = time.monotonic() + RUN_S / 2  # under the test's timeout: a failure, not a hang
        while not cancelled():  # the server saw the client go and stopped the run (the call is still held)
            assert time.monotonic() < deadline, "the server did not cancel the run of a client that left"
            time.sleep(0.05)
    finally:
        fake_provider.release()
    assert fake_provider.total_calls == 1
    # one slot: this run starts when the dropped one has ended
    after = httpx.post(f"{url}/v1/execute", timeout=120, json=live)
    assert after.status_code == 200, after.text
    assert fake_provider.total_calls == 3, "the dropped run went on to its second model call"
