"""The API on Temporal when the Temporal server goes away: a 503 ``backend-unavailable`` problem (never a 500),
no traceback in the server log, ``/health`` still answering; and once the server is back on its address, the
next request succeeds. A real local dev server of this test's own, stopped and started again."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pipelex.api.app import create_app
from pipelex.config.settings import PipelexConfig, TemporalConfig
from tests.api.bundles import MENU
from tests.api.conftest import assert_problem, serving

DRY = {"mthds_contents": [MENU], "dry_run": True, "mock_inputs": True}


@pytest.fixture
def temporal_server() -> Iterator[Any]:
    """A dev server of this test's own (the test stops and restarts it); skipped when it cannot start."""
    from pipelex.backends.temporal.devserver import DevServer
    from pipelex.errors import TemporalUnavailableError

    try:
        server = DevServer().wait_ready()
    except (TemporalUnavailableError, OSError) as exc:
        pytest.skip(f"no local Temporal dev server: {exc}")
    holder = {"server": server}
    try:
        yield holder
    finally:
        holder["server"].stop()


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.INFO
        and (record.exc_info is not None or "Traceback" in record.getMessage())
    ]


def test_temporal_down_is_a_503_and_the_server_recovers(
    temporal_server: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    from pipelex.backends.temporal.devserver import DevServer

    server = temporal_server["server"]
    config = PipelexConfig(
        temporal=TemporalConfig(
            is_enabled=True,
            address=server.address,
            task_queue=f"sec-down-{uuid.uuid4().hex[:10]}",
            in_process_worker=True,
        )
    )
    caplog.set_level(logging.INFO)
    app = create_app(config, api_key=None)
    with serving(app) as url, httpx.Client(base_url=url, timeout=120) as client:
        assert client.post("/v1/execute", json=DRY).status_code == 200

        server.stop()
        assert_problem(client.post("/v1/execute", json=DRY), 503, "backend-unavailable")
        problem = assert_problem(
            client.post("/v1/validate", json={"mthds_contents": [MENU]}), 503, "backend-unavailable"
        )
        assert server.address not in problem["detail"]  # the server's topology stays with its operator
        # a run on Temporal is its workflow: with no server to start it on, /start is refused at once
        started = assert_problem(client.post("/v1/start", json=DRY), 503, "backend-unavailable")
        assert server.address not in started["detail"]
        assert client.get("/health").status_code == 200
        assert _tracebacks(caplog) == []
        assert any("Temporal backend is unavailable" in r.getMessage() for r in caplog.records)

        temporal_server["server"] = DevServer(port=server.port).wait_ready()
        response = client.post("/v1/execute", json=DRY)
        assert response.status_code == 200, response.text
        assert response.json()["backend"] == "temporal"

        # a held session that ended (its in-process worker failed while Temporal was away) is reopened
        backend = app.state.backend
        future, stop = backend._held
        backend._session_loop.call_soon_threadsafe(stop.set)
        future.result(timeout=60)
        assert client.post("/v1/execute", json=DRY).status_code == 200
        assert any("session was reopened" in r.getMessage() for r in caplog.records)
    assert _tracebacks(caplog) == []
