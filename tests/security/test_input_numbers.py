"""Numbers JSON has no room for: ``NaN``, ``Infinity``, ``-Infinity`` and ``1e999`` (past the largest float).

Python's ``json`` reads all four (the last as ``inf``). A runner API request giving one to a required number field
ran, and the answer carried the field as ``null`` (a required value silently emptied); the CLI's ``-i`` did the
same. Inputs holding one are now refused before the run, naming the input.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from pipelex.errors import InputError
from pipelex.memory.inputs import check_input_depth
from tests.security.conftest import Watched, served_api

BUNDLE = """domain = "t"
main_pipe = "p"

[concept.Amount]
description = "An amount"

[concept.Amount.structure]
value = { type = "number", description = "the value" }

[pipe.p]
type = "PipeCompose"
description = "Pass the amount on"
inputs = { a = "Amount" }
output = "Amount"
construct = { value = { from = "a.value" } }
"""

NOT_FINITE = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_number_that_is_not_finite_is_refused_wherever_it_sits(value: float) -> None:
    for data in (value, [1.0, value], {"a": {"b": [0, {"c": value}]}}):
        with pytest.raises(InputError, match="input 'a' hold a number that is not finite"):
            check_input_depth(data, "the values of input 'a'")
    check_input_depth(
        {"a": [1.5, 1e308, -1e308, 0, 10**400, "NaN", "Infinity"]}
    )  # finite, ints, strings: fine


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_api(tmp_path_factory.mktemp("api-numbers"), "") as url:
        yield url


@pytest.mark.parametrize("literal", NOT_FINITE)
def test_the_api_refuses_a_number_json_has_not(api: str, literal: str) -> None:
    body = (
        f'{{"mthds_contents": [{json.dumps(BUNDLE)}], "dry_run": false, '
        f'"inputs": {{"a": {{"concept": "t.Amount", "content": {{"value": {literal}}}}}}}}}'
    )
    answer = httpx.post(
        f"{api}/v1/execute", content=body, headers={"content-type": "application/json"}, timeout=60
    )
    assert answer.status_code == 422, answer.text[:1000]
    problem = answer.json()
    assert problem["code"] == "input.invalid", problem
    assert "input 'a'" in problem["detail"] and "not finite" in problem["detail"], problem


def test_the_api_still_runs_a_finite_number(api: str) -> None:
    answer = httpx.post(
        f"{api}/v1/execute",
        json={
            "mthds_contents": [BUNDLE],
            "dry_run": False,
            "inputs": {"a": {"concept": "t.Amount", "content": {"value": 1e308}}},
        },
        timeout=60,
    )
    assert answer.status_code == 200, answer.text[:1000]
    assert answer.json()["main_stuff"]["content"] == {"value": 1e308}


def test_the_cli_refuses_infinity_in_its_inputs(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    (tmp_path / "t.mthds").write_text(BUNDLE, encoding="utf-8")
    inputs = '{"a": {"concept": "t.Amount", "content": {"value": 1e999}}}'
    watched = run_watched_cli("run", "bundle", "t.mthds", "-i", inputs, "-o", "out", "--no-graph", timeout=90)
    assert watched.code != 0, watched.out[-2000:]
    assert "Traceback" not in watched.err
    assert "not finite" in watched.err, watched.err[-2000:]
