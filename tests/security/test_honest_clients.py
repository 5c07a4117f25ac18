"""The servers keep answering an honest client while another attacks them (seventeenth hostile pass).

A request body's errors are bounded before pydantic makes them: one error per unknown key (per branch of a union)
made a 5 MB body of 531,000 unknown keys hold the event loop 28 s and answer 144 MB; a ``files`` map of 400,000
malformed entries made 1,200,000 errors (its length was checked after its entries).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from pipelex.api.app import create_app
from pipelex.api.models import MAX_FILES, MAX_UNKNOWN_FIELDS, RunRequest, ValidateMethodRequest
from pipelex.api.protocol_routes import MissingBlobsRequestIn, PipeIORequestIn
from pipelex.config.settings import PipelexConfig
from tests.api.conftest import assert_problem, serving

MANY = 100_000
BUNDLE = 'domain = "ok"\nmain_pipe = "hello"\n\n[pipe.hello]\ntype = "PipeCompose"\ndescription = "Hi"\noutput = "Text"\ntemplate = "hello"\n'
UNKNOWN = {f"k{i}": 0 for i in range(MANY)}
HASH = {"sha256": "0" * 64, "size": 1}


@pytest.mark.parametrize(
    ("model", "body"),
    [
        pytest.param(RunRequest, {"mthds_contents": [BUNDLE], **UNKNOWN}, id="run-unknown-fields"),
        pytest.param(
            ValidateMethodRequest, {"mthds_contents": [BUNDLE], **UNKNOWN}, id="validate-unknown-fields"
        ),
        pytest.param(PipeIORequestIn, {"mthds_contents": [BUNDLE], **UNKNOWN}, id="pipe-io-unknown-fields"),
        pytest.param(
            RunRequest, {"files": {f"{i}.mthds": i for i in range(MANY)}}, id="files-malformed-entries"
        ),
        pytest.param(RunRequest, {"files": {"a.mthds": {**HASH, **UNKNOWN}}}, id="hash-entry-unknown-fields"),
        pytest.param(
            RunRequest, {"files": {"a.mthds": {"base64": "", **UNKNOWN}}}, id="base64-entry-unknown-fields"
        ),
        pytest.param(MissingBlobsRequestIn, {"blobs": [{**HASH, **UNKNOWN}]}, id="blob-unknown-fields"),
    ],
)
def test_a_body_makes_few_errors_however_many_keys_it_holds(
    model: type[BaseModel], body: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    errors = caught.value.errors()
    assert 1 <= len(errors) <= 3, errors[:5]
    assert any(
        f"{MANY:,} unknown fields" in e["msg"] or f"at most {MAX_FILES} items" in e["msg"] for e in errors
    ), errors


def test_a_few_unknown_fields_are_still_named_one_by_one() -> None:
    few = {f"k{i}": 0 for i in range(MAX_UNKNOWN_FIELDS)}
    with pytest.raises(ValidationError) as caught:
        RunRequest.model_validate({"mthds_contents": [BUNDLE], **few})
    errors = caught.value.errors()
    assert sorted(e["loc"] for e in errors) == sorted((name,) for name in few)
    assert {e["type"] for e in errors} == {"extra_forbidden"}


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serving(create_app(PipelexConfig(), api_key=None)) as url:
        yield url


@pytest.mark.parametrize("route", ["/v1/execute", "/v1/validate", "/v1/pipe-io"])
def test_a_body_of_many_unknown_fields_is_answered_in_one_short_error(api: str, route: str) -> None:
    response = httpx.post(f"{api}{route}", json={"mthds_contents": [BUNDLE], **UNKNOWN}, timeout=60)
    problem = assert_problem(response, 422, "request-invalid")
    assert len(response.content) < 10_000
    assert len(problem["errors"]) == 1, problem["errors"][:3]
    assert f"{MANY:,} unknown fields (`k0`, `k1`, `k2`, `k3`, `k4`, ...)" in problem["detail"]
