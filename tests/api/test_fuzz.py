"""Schemathesis fuzzes every operation of the served OpenAPI document, on both backends.

Every answer must be a non-5xx that the document describes (status, content type, body schema), and
requests that break the schema (negative generation) must be refused with a 4xx. Bounded:
``MAX_EXAMPLES`` positive and as many negative cases per operation.
"""

from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = int(os.environ.get("PIPELEX_API_FUZZ_EXAMPLES", "25"))  # raise it for a longer hunt
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
OPERATIONS = [
    ("GET", "/health"),
    ("GET", "/v1/health"),
    ("POST", "/v1/execute"),
    ("POST", "/v1/start"),
    ("GET", "/v1/runs/{run_id}"),
    ("GET", "/v1/runs/{run_id}/status"),
    ("GET", "/v1/runs/{run_id}/results"),
    ("GET", "/v1/runs/{run_id}/progress"),
    ("POST", "/v1/runs/{run_id}/cancel"),
    ("POST", "/v1/validate"),
    ("GET", "/v1/models"),
    ("GET", "/v1/version"),
    ("POST", "/v1/blobs/missing"),
    ("PUT", "/v1/blobs/{sha256}"),
    ("POST", "/v1/pipe-io"),
    ("POST", "/v1/resolve"),
    ("GET", "/v1/models/check"),
]


def test_the_fuzzed_operations_are_all_the_operations(base_url: str) -> None:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", timeout=30)
    assert sorted((m.upper(), p) for p, item in schema.raw_schema["paths"].items() for m in item) == sorted(
        OPERATIONS
    )


# negative cases need something to break: a body or a parameter (the plain GETs have neither)
CASES = [
    (method, path, mode)
    for method, path in OPERATIONS
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or method in ("POST", "PUT") or "{" in path
]


@pytest.mark.parametrize(("method", "path", "mode"), CASES, ids=[f"{m} {p} {g.value}" for m, p, g in CASES])
def test_fuzzed_requests_get_documented_answers_and_no_5xx(
    base_url: str, method: str, path: str, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", timeout=30)
    operation = schema[path][method]

    with requests.Session() as session:  # closed after: no connection outlives the test

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
                HealthCheck.data_too_large,
            ],
        )
        def fuzz(case: Case) -> None:
            case.call_and_validate(session=session, checks=CHECKS, timeout=30)

        fuzz()
