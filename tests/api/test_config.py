"""A server runs with the configuration it was made with (``create_app(config=X)``), on both backends: the model
deck and the ``[limits]`` of X reach the run's leaves and controllers (the process booted with another one)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pipelex.api.app import create_app
from pipelex.boot import Pipelex
from pipelex.config.settings import LimitsConfig, PipelexConfig
from pipelex.testing.fake_provider import FakeProvider
from tests.api.conftest import Backend, serving

HOUSE_MODELS: dict[str, Any] = {
    "calls": {"timeout": 5.0, "max_attempts": 2, "backoff_initial": 0.01, "backoff_max": 0.02},
    "handles": {"house": {"backend": "openai", "model_id": "house-model-v7"}},
    "aliases": {"house-writer": "house"},
}

HOUSE_BUNDLE = """domain = "house"
main_pipe = "write"

[pipe.write]
type = "PipeLLM"
description = "Writes with the house model"
output = "Text"
model = "@house-writer"
prompt = "Write one line about tides"
"""

BATCH_BUNDLE = """domain = "fan"
main_pipe = "label_all"

[pipe.label_all]
type = "PipeBatch"
description = "Labels every note"
inputs = { notes = "Text[]" }
output = "Text[]"
branch_pipe_code = "label_one"
input_list_name = "notes"
input_item_name = "note"

[pipe.label_one]
type = "PipeCompose"
description = "Labels one note"
inputs = { note = "Text" }
output = "Text"
template = "Label: $note"
"""


@pytest.fixture
def fake_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    """The fake provider, with the provider variables of this process (the server's) pointing at it."""
    with FakeProvider() as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-config")
        yield fake


@pytest.fixture
def booted_elsewhere() -> Iterator[None]:
    """The process is booted with the default configuration (no house model, default limits)."""
    Pipelex.make(config=PipelexConfig())
    try:
        yield
    finally:
        Pipelex.teardown()


def _config(backend: Backend, isolation: str = "thread", **update: Any) -> PipelexConfig:
    config = backend.config()
    limits = update.pop("limits", config.limits).model_copy(update={"run_isolation": isolation})
    return PipelexConfig.model_validate({**config.model_dump(), **update, "limits": limits.model_dump()})


@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_a_live_run_uses_the_model_deck_of_the_servers_config(
    backend: Backend, fake_provider: FakeProvider, booted_elsewhere: None, isolation: str
) -> None:
    """In the server process, or in a worker process of the server (which is handed the server's config)."""
    with serving(create_app(_config(backend, isolation, models=HOUSE_MODELS), api_key=None)) as url:
        response = httpx.post(f"{url}/v1/execute", timeout=60, json={"mthds_contents": [HOUSE_BUNDLE]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["run_mode"] == "live" and body["backend"] == backend.name
    assert [str(r.body.get("model")) for r in fake_provider.requests] == ["house-model-v7"]


def test_a_run_is_bounded_by_the_limits_of_the_servers_config(
    backend: Backend, booted_elsewhere: None
) -> None:
    notes = {"notes": {"concept": "Text", "content": ["a", "b", "c"]}}
    body = {"mthds_contents": [BATCH_BUNDLE], "inputs": notes, "dry_run": True}
    with serving(create_app(_config(backend), api_key=None)) as url:
        allowed = httpx.post(f"{url}/v1/execute", timeout=60, json=body)
    assert allowed.status_code == 200, allowed.text
    with serving(create_app(_config(backend, limits=LimitsConfig(max_batch_items=2)), api_key=None)) as url:
        refused = httpx.post(f"{url}/v1/execute", timeout=60, json=body)
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert "3 items, more than the 2" in detail and "max_batch_items" in detail
