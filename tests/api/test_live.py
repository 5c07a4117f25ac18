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
