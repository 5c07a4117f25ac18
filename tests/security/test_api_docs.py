"""The API's own description (``/openapi.json``) and pages (``/docs``, ``/redoc``) under a key, over real HTTP.

Eighth hostile pass: a server with a key answered its whole description (every route, every request model) and
FastAPI's interactive pages (scripts from a CDN) to anyone. An operator who sets a key expects nothing but the
public routes (``/health``, ``/v1/version``) to answer without it; ``[api] docs_pages = false`` turns the pages off.
"""

from __future__ import annotations

import httpx
import pytest

from pipelex.api.app import create_app
from pipelex.config.settings import ApiConfig, PipelexConfig
from tests.api.conftest import assert_problem, serving

KEY = "docs-test-key-51c2"
GOOD = {"Authorization": f"Bearer {KEY}"}
DESCRIPTION = ("/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect")


@pytest.mark.parametrize("path", DESCRIPTION)
def test_with_a_key_the_description_and_its_pages_need_the_key(path: str) -> None:
    with serving(create_app(PipelexConfig(), api_key=KEY)) as url:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            refused = httpx.get(url + path, headers=headers, timeout=30)
            assert_problem(refused, 401, "unauthorized")
            assert "/v1/execute" not in refused.text and "swagger" not in refused.text.lower()
        assert httpx.get(url + path, headers=GOOD, timeout=30).status_code == 200
        # the public routes stay public, and so does their 405 for another method
        assert httpx.get(url + "/health", timeout=30).status_code == 200
        assert httpx.get(url + "/v1/version", timeout=30).status_code == 200
        assert httpx.post(url + "/health", timeout=30).status_code == 405
        # a path no route serves tells nothing without the key (no 404 to map the routes by)
        assert_problem(httpx.get(url + "/admin", timeout=30), 401, "unauthorized")
        assert httpx.get(url + "/admin", headers=GOOD, timeout=30).status_code == 404


def test_without_a_key_the_description_and_pages_are_public() -> None:
    with serving(create_app(PipelexConfig(), api_key=None)) as url:
        for path in DESCRIPTION:
            assert httpx.get(url + path, timeout=30).status_code == 200, path


def test_the_pages_can_be_turned_off() -> None:
    config = PipelexConfig(api=ApiConfig(docs_pages=False))
    with serving(create_app(config, api_key=None)) as url:
        for path in ("/docs", "/redoc"):
            assert httpx.get(url + path, timeout=30).status_code == 404, path
        document = httpx.get(url + "/openapi.json", timeout=30).json()  # the clients' description stays
        assert "/v1/execute" in document["paths"]
