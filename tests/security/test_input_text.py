"""Strings no UTF-8 text can carry: a lone UTF-16 surrogate (``"\\ud800"``).

JSON's ``\\u`` escapes can name one, and Python's ``json`` reads it into a ``str`` that fails wherever it is written
out: a runner API request holding one in an input, an input's name or a bundle's text answered a 500
``internal-error`` (the run's digest, its answer or the problem itself could not be encoded), ``/v1/start`` accepted
the run and lost it; the CLI's ``-i`` failed the same way. Every request body (the one model every request is read
by) and every caller's inputs (the one function shaping them, whoever calls it) now refuse it up front, naming
the field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from pipelex.errors import InputError
from pipelex.memory.inputs import check_input_depth
from pipelex.narrowing import unencodable_path
from tests.security.conftest import Watched, served_api

BUNDLE = (
    'domain = "t"\nmain_pipe = "p"\n\n[pipe.p]\ntype = "PipeCompose"\ndescription = "x"\n'
    'inputs = { t = "Text" }\noutput = "Text"\ntemplate = "{{ t.text }}"\n'
)
LONE = "\\ud800"  # as it is written in JSON


def test_a_lone_surrogate_is_found_wherever_it_sits() -> None:
    assert unencodable_path({"a": ["x", {"b": "ok \U0001f600", "c": "\udfff"}]}) == "a[1].c"
    assert unencodable_path({"a": {"\ud800": 1}}) == "a.<a key>"
    assert (
        unencodable_path(
            {"a": ["é", "\U0001f600", "\ud83d\ude00".encode("utf-16", "surrogatepass").decode("utf-16")]}
        )
        is None
    )
    for data in ("\ud800", ["x", "\ud800"], {"k": {"\udc00": "v"}}):
        with pytest.raises(InputError, match="input 't' hold a string that is not text"):
            check_input_depth(data, "the values of input 't'")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_api(tmp_path_factory.mktemp("api-text"), "") as url:
        yield url


def _post(api: str, route: str, body: str) -> httpx.Response:
    return httpx.post(f"{api}{route}", content=body, headers={"content-type": "application/json"}, timeout=60)


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("/v1/execute", {"inputs": {"t": "LONE"}, "dry_run": False}, "inputs.t"),
        (
            "/v1/execute",
            {"inputs": {"t": {"concept": "Text", "content": {"text": "a LONE"}}}},
            "inputs.t.content.text",
        ),
        ("/v1/execute", {"inputs": {"tLONE": "x"}}, "inputs.<a key>"),
        ("/v1/start", {"inputs": {"t": "LONE"}, "dry_run": False}, "inputs.t"),
        ("/v1/validate", {"mthds_contents": ["LONE"]}, "mthds_contents[0]"),
        ("/v1/resolve", {"mthds_contents": ['domain = "t"\n[concept]\nA = "LONE"\n']}, "mthds_contents[0]"),
    ],
)
def test_the_api_refuses_a_lone_surrogate_naming_its_field(
    api: str, route: str, body: dict[str, object], field: str
) -> None:
    request = {"mthds_contents": [BUNDLE], **body}
    answer = _post(api, route, json.dumps(request).replace("LONE", LONE))
    assert answer.status_code == 422, answer.text[:1000]
    problem = answer.json()
    assert problem["code"] == "request.invalid", problem
    assert f"{field} holds a lone UTF-16 surrogate" in problem["detail"], problem
    assert _post(
        api,
        "/v1/execute",
        json.dumps({"mthds_contents": [BUNDLE], "inputs": {"t": "ok é"}, "dry_run": False}),
    ).json()["main_stuff"]["content"] == {"text": "ok é"}


def test_the_cli_refuses_a_lone_surrogate_in_its_inputs(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    (tmp_path / "t.mthds").write_text(BUNDLE, encoding="utf-8")
    inputs = '{"t": {"concept": "Text", "content": {"text": "a \\ud800"}}}'
    watched = run_watched_cli("run", "bundle", "t.mthds", "-i", inputs, "-o", "out", "--no-graph", timeout=90)
    assert watched.code == 1, (watched.code, watched.err[-2000:])
    assert "Traceback" not in watched.err
    assert "not text (t.content.text: a lone UTF-16 surrogate" in watched.err, watched.err[-2000:]
