"""The routes over real HTTP: execute, start + runs, validate, models, version, health, and their problems."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.bundles import FUNCS, MENU, MENU_INVALID
from tests.api.conftest import Backend, ServerFactory, assert_problem
from tests.timing import RUN_S

CliResult = tuple[int, str, str]


def _dry(bundle: str = MENU, **fields: Any) -> dict[str, Any]:
    return {"mthds_contents": [bundle], "dry_run": True, **fields}


# ---------------------------------------------------------------------------------------------------- /execute
def test_execute_dry_returns_output_memory_graph_and_usage(client: httpx.Client) -> None:
    response = client.post("/v1/execute", json=_dry(inputs={"kitchen_note": "eggs, leeks, a sack of flour"}))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["pipe_code"] == "write_menu_card"
    assert body["run_mode"] == "dry"
    assert body["main_stuff"]["concept"] == "bistro_menus.MenuCard"
    assert body["main_stuff"]["content"]["text"].startswith("DRY RUN")
    memory = body["pipe_output"]["working_memory"]
    assert memory["root"]["kitchen_note"]["content"] == {"text": "eggs, leeks, a sack of flour"}
    assert len(memory["root"]["dishes"]["content"]["items"]) == 3
    assert memory["aliases"]["main_stuff"] in memory["root"]
    graph = body["graph"]
    assert [n["pipe_code"] for n in graph["nodes"]] == ["write_menu_card", "list_dishes", "lay_out_card"]
    assert all(n["status"] == "succeeded" for n in graph["nodes"])
    assert {e["kind"] for e in graph["edges"]} >= {"contains", "data"}
    assert body["usage"] == {"total_tokens": 0, "total_cost_usd": 0.0, "by_model": {}}


def test_execute_named_pipe_with_mock_inputs(client: httpx.Client) -> None:
    response = client.post("/v1/execute", json=_dry(pipe_code="list_dishes", mock_inputs=True))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["pipe_code"] == "list_dishes"
    assert body["main_stuff"]["concept"] == "native.Text"
    assert len(body["main_stuff"]["content"]["items"]) == 3
    assert "kitchen_note" in body["pipe_output"]["working_memory"]["root"]


def test_execute_live_without_ai_leaf_needs_no_provider(client: httpx.Client) -> None:
    response = client.post(
        "/v1/execute", json={"mthds_contents": [MENU], "pipe_code": "greet", "inputs": {"name": "Ada"}}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["run_mode"] == "live"
    assert body["main_stuff"]["content"] == {"text": "Hello Ada!"}


def test_live_run_without_provider_is_a_clear_503(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(variable, raising=False)  # the server runs in this process
    response = client.post("/v1/execute", json={"mthds_contents": [MENU], "inputs": {"kitchen_note": "eggs"}})
    problem = assert_problem(response, 503, "provider-not-configured")
    assert "list_dishes" in problem["detail"]
    assert "OPENAI_API_KEY" in problem["detail"]
    assert '"dry_run": true' in problem["detail"]


def test_invalid_bundle_on_execute_lists_its_diagnostics(client: httpx.Client) -> None:
    response = client.post("/v1/execute", json=_dry(MENU_INVALID, mock_inputs=True))
    problem = assert_problem(response, 422, "bundle-invalid")
    types = {d["error_type"] for d in problem["diagnostics"]}
    assert "missing_input_variable" in types or "extraneous_input_variable" in types, problem
    assert all(d["file"] == "<bundle 1>" for d in problem["diagnostics"])


def test_not_toml_is_a_bundle_problem_with_its_line(client: httpx.Client) -> None:
    response = client.post("/v1/execute", json=_dry('domain = "x"\n[pipe.a\n'))
    problem = assert_problem(response, 422, "bundle-invalid")
    assert problem["diagnostics"][0]["error_type"] == "toml_syntax"
    assert problem["diagnostics"][0]["line"] == 2


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        pytest.param(
            {"mthds_contents": [MENU], "mock_inputs": True},
            "body.mock_inputs",
            "dry run",
            id="mock-inputs-need-dry-run",
        ),
        pytest.param(
            {"mthds_contents": [MENU], "dry_run": True, "input": {}},
            "body.input",
            "unknown field",
            id="unknown-field",
        ),
        pytest.param(
            {"mthds_contents": [], "dry_run": True}, "body.mthds_contents", "at least 1", id="no-bundle"
        ),
        pytest.param({"dry_run": True}, "body", "names no method", id="missing-bundles"),
        pytest.param(
            {"mthds_contents": "text", "dry_run": True}, "body.mthds_contents", "list", id="not-a-list"
        ),
        pytest.param(
            {"mthds_contents": [MENU], "dry_run": "maybe"}, "body.dry_run", "boolean", id="bad-bool"
        ),
        pytest.param({"mthds_contents": [MENU], "dry_run": 1}, "body.dry_run", "boolean", id="int-for-bool"),
    ],
)
def test_bad_request_bodies_name_the_field(
    client: httpx.Client, body: dict[str, Any], field: str, words: str
) -> None:
    problem = assert_problem(client.post("/v1/execute", json=body), 422, "request-invalid")
    assert any(e["field"] == field and words in e["message"] for e in problem["errors"]), problem
    assert field in problem["detail"]


@pytest.mark.parametrize(
    ("content", "content_type", "words", "code"),
    [
        pytest.param(
            b'{"dry_run": true}', "text/plain", "(Content-Type: text/plain)", "request.malformed", id="text"
        ),
        pytest.param(  # what `curl -d` sends
            b'{"dry_run": true}',
            "application/x-www-form-urlencoded",
            "`Content-Type: application/json`",
            "request.malformed",
            id="form",
        ),
        pytest.param(
            b"[1, 2]",
            "application/json",
            "the body is an array, not a JSON object",
            "request.invalid",
            id="array",
        ),
        pytest.param(
            b"null", "application/json", "the body is null, not a JSON object", "request.invalid", id="null"
        ),
        pytest.param(
            b'"x"',
            "application/json",
            "the body is a string, not a JSON object",
            "request.invalid",
            id="string",
        ),
    ],
)
def test_a_body_that_is_no_json_object_says_what_it_is_and_how_to_send_it(
    client: httpx.Client, content: bytes, content_type: str, words: str, code: str
) -> None:
    """Robustness pass (robust16): a JSON body sent with another Content-Type (`curl -d` sends a form's) and a body
    that is a JSON array, null or a string were answered pydantic's "Input should be a valid dictionary or object to
    extract fields from", which names neither the cause nor the fix; a body that is not valid JSON was located at
    the field `body.1` (FastAPI's character offset), which is no field."""
    response = client.post("/v1/execute", content=content, headers={"content-type": content_type})
    problem = assert_problem(response, 422, "request-invalid")
    assert words in problem["detail"] and problem["code"] == code, problem
    assert "valid dictionary" not in problem["detail"] and problem["errors"][0]["field"] == "body"
    broken = client.post("/v1/execute", content=b"{not json", headers={"content-type": "application/json"})
    problem = assert_problem(broken, 422, "request-invalid")
    assert "at character 1" in problem["detail"] and problem["errors"][0]["field"] == "body", problem


def test_body_that_is_not_json(client: httpx.Client) -> None:
    response = client.post("/v1/execute", content=b"{not json", headers={"content-type": "application/json"})
    problem = assert_problem(response, 422, "request-invalid")
    assert "not valid JSON" in problem["detail"]
    problem = assert_problem(client.post("/v1/execute"), 422, "request-invalid")
    assert "JSON body is required" in problem["detail"]
    problem = assert_problem(client.post("/v1/execute", json=[1, 2]), 422, "request-invalid")
    problem = assert_problem(
        client.post(
            "/v1/execute",
            content=b'{"mthds_contents": ["\xff\xfe"]}',
            headers={"content-type": "application/json"},
        ),
        422,
        "request-invalid",
    )
    assert "UTF-8" in problem["detail"] or "JSON" in problem["detail"]


@pytest.mark.parametrize(
    ("fields", "input_name", "words"),
    [
        pytest.param({"pipe_code": "nope"}, None, "not in the bundle", id="unknown-pipe"),
        pytest.param(
            {"inputs": {"kitchen_note": "x", "extra": "y"}}, "extra", "not an input", id="unknown-input"
        ),
        pytest.param({"inputs": {}}, "kitchen_note", '"mock_inputs": true', id="missing-input"),
        pytest.param(
            {"inputs": {"kitchen_note": ["a", "b"]}}, "kitchen_note", "is a list", id="list-for-single"
        ),
    ],
)
def test_input_problems_name_the_input(
    client: httpx.Client, fields: dict[str, Any], input_name: str | None, words: str
) -> None:
    problem = assert_problem(client.post("/v1/execute", json=_dry(**fields)), 422, "input-invalid")
    assert words in problem["detail"]
    if input_name is not None:
        assert [(e["field"], e["message"]) for e in problem["errors"]] == [
            (f"body.inputs.{input_name}", problem["detail"])
        ]
        assert problem["errors"][0]["location"]["input"] == input_name
        assert problem["code"].startswith("input.")


def test_failed_pipe_is_reported_with_its_code(make_server: ServerFactory) -> None:
    url = make_server(allow_pipe_func=True)
    response = httpx.post(
        f"{url}/v1/execute",
        json={"mthds_contents": [FUNCS], "pipe_code": "blow_up", "inputs": {"text": "soup"}},
        timeout=30,
    )
    problem = assert_problem(response, 422, "pipe-failed")
    assert problem["pipe_code"] == "blow_up"
    assert "could not handle 'soup'" in problem["detail"]


def test_live_pipe_func_is_refused_unless_allowed(client: httpx.Client) -> None:
    body = {"mthds_contents": [FUNCS], "pipe_code": "nap", "inputs": {"delay": "0"}}
    problem = assert_problem(client.post("/v1/execute", json=body), 422, "pipe-func-refused")
    assert "allow_pipe_func" in problem["detail"]
    dry = client.post("/v1/execute", json={**body, "dry_run": True})  # a dry run never calls the function
    assert dry.status_code == 200, dry.text


# ---------------------------------------------------------------------------------------------------- /start, /runs
def _wait(client: httpx.Client, run_id: str, timeout: float = RUN_S) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/v1/runs/{run_id}")
        assert response.status_code == 200, response.text
        status = response.json()
        if status["status"] != "running" or time.monotonic() > deadline:
            return status
        time.sleep(0.02)


def test_start_returns_at_once_then_the_run_has_its_result(client: httpx.Client) -> None:
    response = client.post("/v1/start", json=_dry(mock_inputs=True))
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["status"] == "running"
    assert response.headers["location"] == started["status_url"] == f"/v1/runs/{started['run_id']}"
    status = _wait(client, started["run_id"])
    assert status["status"] == "succeeded", status
    assert status["problem"] is None and status["finished_at"] is not None
    assert status["result"]["pipe_code"] == "write_menu_card"
    assert status["result"]["main_stuff"]["concept"] == "bistro_menus.MenuCard"
    assert len(status["result"]["graph"]["nodes"]) == 3


def test_start_refuses_an_invalid_bundle_at_once(client: httpx.Client) -> None:
    problem = assert_problem(
        client.post("/v1/start", json=_dry(MENU_INVALID, mock_inputs=True)), 422, "bundle-invalid"
    )
    assert problem["code"] == "method.invalid"
    assert problem["errors"] and all(e["code"].startswith(("method.", "model.")) for e in problem["errors"])


def test_started_run_that_fails_carries_its_problem(make_server: ServerFactory) -> None:
    url = make_server(allow_pipe_func=True)
    with httpx.Client(base_url=url, timeout=30) as http:
        body = {"mthds_contents": [FUNCS], "pipe_code": "blow_up", "inputs": {"text": "soup"}}
        started = http.post("/v1/start", json=body).json()
        status = _wait(http, started["run_id"])
    assert status["status"] == "failed"
    assert status["result"] is None
    problem = status["problem"]
    assert problem["kind"] == "pipe-failed" and problem["pipe_code"] == "blow_up"
    assert problem["run_id"] == started["run_id"] == started["pipeline_run_id"]
    assert problem["instance"] == f"/v1/runs/{started['run_id']}"


def test_unknown_run_is_404(client: httpx.Client) -> None:
    problem = assert_problem(client.get("/v1/runs/0123456789abcdef"), 404, "not-found")
    assert "'0123456789abcdef'" in problem["detail"]


def test_run_store_keeps_a_bounded_number_of_runs(make_server: ServerFactory, backend: Backend) -> None:
    url = make_server(max_stored_runs=2)
    with httpx.Client(base_url=url, timeout=30) as http:
        ids = []
        for _ in range(3):
            run_id = http.post("/v1/start", json=_dry(mock_inputs=True)).json()["run_id"]
            assert _wait(http, run_id)["status"] == "succeeded"
            ids.append(run_id)
        oldest = http.get(f"/v1/runs/{ids[0]}")
        if backend.name == "direct":
            assert_problem(oldest, 404, "not-found")  # the oldest finished run made room
        else:  # dropped from the server's cache, read again from the Temporal server
            assert oldest.status_code == 200 and oldest.json()["status"] == "succeeded", oldest.text
        assert http.get(f"/v1/runs/{ids[1]}").status_code == 200
        assert http.get(f"/v1/runs/{ids[2]}").status_code == 200


def test_runs_in_progress_are_never_dropped_new_starts_get_429(
    make_server: ServerFactory, backend: Backend
) -> None:
    url = make_server(max_stored_runs=1, allow_pipe_func=True)
    with httpx.Client(base_url=url, timeout=30) as http:
        slow = {"mthds_contents": [FUNCS], "pipe_code": "nap", "inputs": {"delay": "1.0"}}
        first = http.post("/v1/start", json=slow)
        assert first.status_code == 202
        second = http.post("/v1/start", json=slow)
        if backend.name == "direct":
            problem = assert_problem(second, 429, "too-many-runs")
            assert "1 runs are in progress" in problem["detail"]
        else:  # a run in progress lives on the Temporal server, not in this one: nothing to refuse
            assert second.status_code == 202, second.text
            assert _wait(http, second.json()["run_id"])["status"] == "succeeded"
        assert _wait(http, first.json()["run_id"])["status"] == "succeeded"
        assert http.post("/v1/start", json=_dry(mock_inputs=True)).status_code == 202


def test_finished_runs_expire_after_their_ttl(make_server: ServerFactory, backend: Backend) -> None:
    url = make_server(run_ttl_seconds=1)
    with httpx.Client(base_url=url, timeout=30) as http:
        run_id = http.post("/v1/start", json=_dry(mock_inputs=True)).json()["run_id"]
        assert _wait(http, run_id)["status"] == "succeeded"
        time.sleep(1.2)
        expired = http.get(f"/v1/runs/{run_id}")
        if backend.name == "direct":
            assert_problem(expired, 404, "not-found")
        else:  # the cached copy expired; the run itself is still on the Temporal server
            assert expired.status_code == 200 and expired.json()["status"] == "succeeded", expired.text


def test_a_run_in_progress_is_cancelled(make_server: ServerFactory) -> None:
    url = make_server(allow_pipe_func=True)
    with httpx.Client(base_url=url, timeout=60) as http:
        slow = {"mthds_contents": [FUNCS], "pipe_code": "nap", "inputs": {"delay": "8"}}
        run_id = http.post("/v1/start", json=slow).json()["run_id"]
        assert http.get(f"/v1/runs/{run_id}").json()["status"] == "running"
        cancelled = http.post(f"/v1/runs/{run_id}/cancel")
        assert cancelled.status_code in (200, 202), cancelled.text
        status = _wait(http, run_id, timeout=45)
        assert status["status"] == "cancelled", status
        assert status["result"] is None and status["finished_at"] is not None
        assert status["problem"]["kind"] == "run-cancelled" and status["problem"]["code"] == "run.cancelled"
        assert http.get(f"/v1/runs/{run_id}/status").json()["status"] == "CANCELLED"
        results = assert_problem(http.get(f"/v1/runs/{run_id}/results"), 409, "run-failed")
        assert results["run_error"]["code"] == "run.cancelled"
        again = assert_problem(http.post(f"/v1/runs/{run_id}/cancel"), 409, "run-already-ended")
        assert again["code"] == "run.already_ended"


def test_cancelling_a_finished_or_unknown_run_is_refused(client: httpx.Client) -> None:
    run_id = client.post("/v1/start", json=_dry(mock_inputs=True)).json()["run_id"]
    assert _wait(client, run_id)["status"] == "succeeded"
    problem = assert_problem(client.post(f"/v1/runs/{run_id}/cancel"), 409, "run-already-ended")
    assert problem["code"] == "run.already_ended" and run_id in problem["detail"]
    assert client.get(f"/v1/runs/{run_id}").json()["status"] == "succeeded"  # untouched
    for unknown in ("0123456789abcdef", "pipelex-" + "0" * 32, "pipelex-validate-" + "0" * 32):
        problem = assert_problem(client.post(f"/v1/runs/{unknown}/cancel"), 404, "not-found")
        assert problem["code"] == "run.not_found"


# ---------------------------------------------------------------------------------------------------- /validate
def test_validate_valid_bundle_returns_statuses_and_graph(client: httpx.Client, backend: Backend) -> None:
    response = client.post("/v1/validate", json={"mthds_contents": [MENU]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["is_valid"] is True and body["errors"] == []
    statuses = {v["pipe_ref"]: v["status"] for v in body["validated_pipes"]}
    assert statuses == {
        f"bistro_menus.{c}": "SUCCESS" for c in ("write_menu_card", "list_dishes", "lay_out_card", "greet")
    }
    roots = [n for n in body["graph"]["nodes"] if n["path"] == n["pipe_code"]]
    assert sorted(n["pipe_code"] for n in roots) == sorted(
        ["write_menu_card", "list_dishes", "lay_out_card", "greet"]
    )
    assert body["graph"]["mode"] == "dry"
    assert body["backend"] == backend.name


def test_validate_invalid_bundle_is_200_with_the_cli_diagnostics(
    client: httpx.Client, tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    response = client.post("/v1/validate", json={"mthds_contents": [MENU_INVALID]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["is_valid"] is False
    path = tmp_path / "menu.mthds"
    path.write_text(MENU_INVALID)
    code, out, _ = run_cli("validate", "bundle", str(path), "--format", "json")
    assert code == 1
    cli = json.loads(out)

    def strip(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
        keys = ("error_type", "message", "line", "pipe", "field", "severity")
        return [{k: e.get(k) for k in keys} for e in errors]

    assert strip(body["errors"]) == strip(cli["errors"])
    # each error is a protocol problem item too: a registry code, and our file/line/pipe/field in `location`
    for item, diagnostic in zip(body["errors"], cli["errors"], strict=True):
        assert item["detail"] == diagnostic["message"]
        assert item["code"].split(".")[0] in ("method", "model", "pipe")
        assert item["location"].get("line") == diagnostic["line"]
        assert item["location"]["file"] == "<bundle 1>"
    assert body["message"].startswith("the method does not validate")
    assert body["validated_pipes"] == cli["validated_pipes"]
    assert body["is_runnable"] == cli["is_runnable"]
    failed = {v["pipe_ref"] for v in body["validated_pipes"] if v["status"] == "FAILURE"}
    assert "bistro_menus.lay_out_card" in failed


def test_validate_garbage_is_200_invalid(client: httpx.Client) -> None:
    body = client.post("/v1/validate", json={"mthds_contents": ["not toml ["]}).json()
    assert body["is_valid"] is False
    assert body["errors"][0]["error_type"] == "toml_syntax"
    assert body["graph"]["nodes"] == []


def test_an_integer_too_long_to_read_is_a_located_syntax_error_not_a_500(client: httpx.Client) -> None:
    """Python refuses to read an integer of more than 4,300 digits (a bare ValueError out of tomllib)."""
    bundle = 'domain = "d"\nx = 1' + "0" * 5000 + "\n"
    body = client.post("/v1/validate", json={"files": {"big.mthds": bundle}}).json()
    assert body["is_valid"] is False
    error = body["errors"][0]
    assert error["error_type"] == "toml_syntax" and "4300 digits" in error["message"]
    assert error["location"] == {"file": "big.mthds", "line": 2}
    response = client.post("/v1/execute", json={"files": {"big.mthds": bundle}, "dry_run": True})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "method.invalid"


def test_validate_bad_request_is_422(client: httpx.Client) -> None:
    problem = assert_problem(
        client.post("/v1/validate", json={"mthds_contents": [MENU], "dry_run": True}), 422, "request-invalid"
    )
    assert problem["errors"][0]["field"] == "body.dry_run"


# ---------------------------------------------------------------------------------------------------- the rest
def test_models_version_health(client: httpx.Client, backend: Backend) -> None:
    models = client.get("/v1/models").json()
    handles = {h["handle"]: h for h in models["handles"]}
    assert handles["gpt-4o-mini"]["category"] == "llm"
    assert models["aliases"]["default-small"] == "gpt-4o-mini"
    assert "writing-factual" in models["presets"]
    version = client.get("/v1/version").json()
    assert (
        version["name"] == "pipelex" and version["api_version"] == "v1" and version["backend"] == backend.name
    )
    from pipelex import __version__

    assert version["version"] == __version__
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/v1/health").json() == {"status": "ok"}


def test_unknown_route_and_method_are_problems(client: httpx.Client) -> None:
    assert_problem(client.get("/v2/execute"), 404, "not-found")
    assert_problem(client.get("/v1/execute"), 405, "method-not-allowed")


def test_openapi_documents_typed_models_and_problem_responses(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    assert set(paths) >= {
        "/health",
        "/v1/health",
        "/v1/execute",
        "/v1/start",
        "/v1/runs/{run_id}",
        "/v1/runs/{run_id}/status",
        "/v1/runs/{run_id}/results",
        "/v1/runs/{run_id}/progress",
        "/v1/validate",
        "/v1/models",
        "/v1/version",
        "/v1/blobs/missing",
        "/v1/blobs/{sha256}",
    }
    protocol = {(p, m) for p, item in paths.items() for m, op in item.items() if op.get("x-mthds-protocol")}
    assert protocol == {
        ("/v1/execute", "post"),
        ("/v1/start", "post"),
        ("/v1/validate", "post"),
        ("/v1/models", "get"),
        ("/v1/version", "get"),
    }
    execute = paths["/v1/execute"]["post"]
    assert execute["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/RunRequest")
    assert execute["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ExecuteResponse"
    )
    for path_item in paths.values():
        for operation in path_item.values():
            for status, entry in operation["responses"].items():
                if int(status) >= 400:
                    assert list(entry["content"]) == ["application/problem+json"], (status, entry)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert {"type", "title", "status", "detail", "instance"} <= set(schemas["Problem"]["required"])
    assert schemas["RunRequest"]["additionalProperties"] is False
