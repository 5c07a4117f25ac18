"""The real server, wider: bundles as users write them (tests/real_llm/wide_bundle.py) run from the CLI on the
direct and Temporal backends, through a recording proxy in front of the llama.cpp server, so the tests see what
pipelex sent (system prompts, temperature, max_tokens) and can stop the server in the middle of a run.

The assertions are about pipelex's behaviour (the shape and validity of each result against its concept, the
calls and tokens counted, the request fields, the errors and what a failed run keeps), never the model's wording.
Opt-in as tests/real_llm/test_real_server.py.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.real_llm.harness import Run, forwarded, serving
from tests.real_llm.server import api_key, is_prepared, serve, server_kind
from tests.real_llm.wide_bundle import INSPECTION, NOTE

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("PIPELEX_REAL_LLM") != "1",
        reason="the real-server tier is opt-in: `make test-real-llm`",
    ),
    pytest.mark.skipif(
        os.environ.get("PIPELEX_REAL_LLM") == "1"
        and not os.environ.get("PIPELEX_REAL_LLM_URL")
        and not is_prepared(),
        reason="the llama.cpp server is not prepared: `python -m tests.real_llm.server prepare`",
    ),
    pytest.mark.timeout(900),
]

CALL_TIMEOUT = 300.0
CONFIG = f"""
[models.calls]
timeout = {CALL_TIMEOUT}
max_attempts = 2
backoff_initial = 0.05
backoff_max = 0.1
"""

BACKENDS = {"direct": [], "temporal": ["--temporal"]}


# ------------------------------------------------------------------------------------------------ the proxy


@dataclass
class Proxy:
    """Forwards to the real server and records each chat request's body and the status of its reply; from the
    first chat call whose prompt holds ``stop_at`` on, calls get their connection closed with no reply, as from
    a server that stopped (``dropped`` counts them: they are not among ``bodies``)."""

    upstream: str
    stop_at: str | None = None
    stopped: bool = False
    bodies: list[dict[str, Any]] = field(default_factory=lambda: [])
    statuses: list[int] = field(default_factory=lambda: [])
    dropped: int = 0
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def answered(self) -> list[dict[str, Any]]:
        """The bodies of the chat calls the server answered (2xx): a call refused for its structured-output mode
        (llama-cpp-python's 500 to a ``json_schema`` response format) is not among them."""
        return [b for b, status in zip(self.bodies, self.statuses, strict=True) if 200 <= status < 300]

    @property
    def refused(self) -> list[dict[str, Any]]:
        """The bodies of the chat calls the server answered with an error status."""
        return [b for b, status in zip(self.bodies, self.statuses, strict=True) if not 200 <= status < 300]


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def _forward(self, method: str) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            upstream = proxy.upstream.rstrip("/").removesuffix("/v1") + self.path
            chat = self.path.endswith("/chat/completions")
            if chat:
                with proxy.lock:
                    prompt = str(json.loads(body)["messages"][-1]["content"])
                    proxy.stopped = proxy.stopped or (proxy.stop_at is not None and proxy.stop_at in prompt)
                    if proxy.stopped:
                        proxy.dropped += 1
                        self.close_connection = True
                        return  # no status line: the client sees the connection drop
            reply = httpx.request(
                method,
                upstream,
                content=body,
                headers=forwarded(self.headers),
                # the proxy does not see pipelex give up on a call (its own request to the server stays open): at
                # a longer timeout (600 s), a call pipelex abandoned kept generating beside its retry, at half speed
                timeout=CALL_TIMEOUT + 5,
            )
            if chat:
                with proxy.lock:
                    proxy.bodies.append(json.loads(body))
                    proxy.statuses.append(reply.status_code)
            self.send_response(reply.status_code)
            self.send_header("Content-Type", reply.headers.get("Content-Type", "application/json"))
            self.send_header("Content-Length", str(len(reply.content)))
            self.end_headers()
            self.wfile.write(reply.content)

        def do_GET(self) -> None:
            self._forward("GET")

        def do_POST(self) -> None:
            self._forward("POST")

    return Handler


@pytest.fixture
def proxy(server: str) -> Iterator[Proxy]:
    """A recording proxy in front of the real server, for one test."""
    state = Proxy(upstream=server)
    with serving(_handler(state)) as url:
        state.url = url + "/v1"
        yield state


# ------------------------------------------------------------------------------------------------ running


def _run(
    tmp_path: Path,
    url: str,
    pipe: str,
    backend: str,
    *,
    ok: bool | None = True,
    note: str = NOTE,
    config: str = "",
) -> Run:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "inspection.mthds").write_text(INSPECTION)
    (tmp_path / "pipelex.toml").write_text(CONFIG + config)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIPELEX_", "OPENAI_", "ANTHROPIC_")) and k != "PYTEST_CURRENT_TEST"
    }
    env.update({"HOME": str(tmp_path), "OPENAI_BASE_URL": url, "OPENAI_API_KEY": api_key()})
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelex.cli.main",
            "run",
            "bundle",
            "inspection.mthds",
            "--pipe",
            pipe,
            "-i",
            json.dumps({"note": note}),
            "--graph",
            *BACKENDS[backend],
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=800,
    )
    assert "Traceback" not in result.stderr, result.stderr
    if ok:
        assert result.returncode == 0, result.stderr
    elif ok is not None:  # None: either, the test checks what it wants
        assert result.returncode != 0, result.stdout
    [run_dir] = sorted((tmp_path / "results").iterdir())
    run = Run(result.returncode, result.stdout, result.stderr, run_dir)
    assert run.graph["backend"] == backend and run.graph["mode"] == "live"
    return run


# ------------------------------------------------------------------------------------------------ checks


def _check_finding(finding: Any) -> dict[str, Any]:
    assert isinstance(finding, dict) and set(finding) == {"label", "severity"}, finding
    assert isinstance(finding["label"], str) and finding["severity"] in ("minor", "major")
    return finding


def _items(value: Any) -> list[Any]:
    items = value["items"] if isinstance(value, dict) else value
    assert isinstance(items, list)
    return items


def _check_inspection(inspection: Any) -> None:
    assert isinstance(inspection, dict)
    assert set(inspection) <= {
        "title",
        "visited_on",
        "place",
        "findings",
        "cost_estimate",
        "hours",
        "tags",
        "notes",
    }
    assert {"title", "visited_on", "place", "findings", "cost_estimate", "hours"} <= set(inspection)
    assert isinstance(inspection["title"], str)
    datetime.date.fromisoformat(inspection["visited_on"])  # a date, ISO in the saved memory
    place = inspection["place"]
    assert isinstance(place, dict) and isinstance(place["city"], str)
    assert place.get("floor") is None or isinstance(place["floor"], int)
    for finding in inspection["findings"]:
        _check_finding(finding)
    assert isinstance(inspection["cost_estimate"], int | float) and not isinstance(
        inspection["cost_estimate"], bool
    )
    assert isinstance(inspection["hours"], int) and not isinstance(inspection["hours"], bool)
    assert inspection.get("tags") is None or all(isinstance(t, str) for t in inspection["tags"])
    assert inspection.get("notes") is None or isinstance(inspection["notes"], str)


def _system(body: dict[str, Any]) -> str | None:
    messages = body["messages"]
    return messages[0]["content"] if messages[0]["role"] == "system" else None


# ------------------------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_a_structure_passed_between_two_llm_pipes(proxy: Proxy, tmp_path: Path, backend: str) -> None:
    """Nested concept, list of concepts, choices, optional fields, a date, a number: validated, then read by
    the next pipe's prompt; the bundle's system prompt goes with each call."""
    run = _run(tmp_path, proxy.url, "report", backend)
    inspection = run.memory("inspection")
    _check_inspection(inspection)
    assert isinstance(run.json("main_stuff.json")["text"], str)
    usage = run.graph["usage"]["total"]
    assert usage["calls"] == len(proxy.answered) >= 2
    assert usage["output_tokens"] > 0 and usage["input_tokens"] > 0
    assert all("careful building inspector" in (_system(b) or "") for b in proxy.bodies)
    summary_prompt = proxy.answered[-1]["messages"][-1]["content"]
    assert inspection["title"] in summary_prompt and inspection["place"]["city"] in summary_prompt


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_preliminary_text_drafts_then_structures(proxy: Proxy, tmp_path: Path, backend: str) -> None:
    run = _run(tmp_path, proxy.url, "inspect_in_two_calls", backend)
    _check_inspection(run.json("main_stuff.json"))
    answered = proxy.answered  # llama-cpp-python's server refuses json_schema (500): not a call
    assert len(answered) >= 2  # a text draft, then the structuring call
    assert "response_format" not in answered[0] and "tools" not in answered[0]
    assert "response_format" in answered[-1] or "tools" in answered[-1] or "JSON" in str(answered[-1])
    assert run.graph["usage"]["total"]["calls"] == len(answered)
    # the draft is bounded by the pipe's `model` (the tiny model can ramble to the end of its 4096-token context,
    # and the structuring call, draft included, then exceeds it: seen once on Temporal, the server's 400); the
    # structuring call takes `model_to_structure`, here the default, with no limit of its own: it carries the
    # default limit sent to a server other than a hosted API (4096)
    assert answered[0]["max_tokens"] == 600 and answered[-1]["max_tokens"] == 4096


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_a_fixed_count_list_of_concepts(server: str, tmp_path: Path, backend: str) -> None:
    run = _run(tmp_path, server, "two_findings", backend)
    findings = _items(run.json("main_stuff.json"))
    assert len(findings) == 2
    for finding in findings:
        _check_finding(finding)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_a_batch_of_structured_calls_over_an_llm_list(server: str, tmp_path: Path, backend: str) -> None:
    run = _run(tmp_path, server, "advise_all", backend)
    findings = [_check_finding(f) for f in _items(run.memory("findings"))]
    advice = _items(run.json("main_stuff.json"))
    assert len(advice) == len(findings)
    for item in advice:
        assert set(item) == {"action", "priority"} and isinstance(item["action"], str)
        assert isinstance(item["priority"], int)
    advised = run.nodes("advise")
    assert len(advised) == len(findings) and all(n["status"] == "succeeded" for n in advised)
    assert run.graph["usage"]["total"]["calls"] >= 1 + len(findings)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_a_condition_on_a_real_answer(server: str, tmp_path: Path, backend: str) -> None:
    run = _run(tmp_path, server, "escalate", backend)
    finding = _check_finding(run.memory("finding"))
    ran = [n["pipe_code"] for n in run.graph["nodes"] if n["pipe_code"] in ("call_owner", "log_it")]
    assert ran == ["call_owner" if finding["severity"] == "major" else "log_it"]
    assert isinstance(run.json("main_stuff.json")["text"], str)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_model_settings_reach_the_server(proxy: Proxy, tmp_path: Path, backend: str) -> None:
    """The pipe's temperature, max_tokens and system prompt are in the request; the server honours max_tokens
    (the usage it reports), and the cut-off reply is a warning on the pipe."""
    run = _run(tmp_path, proxy.url, "short_answer", backend)
    [body] = proxy.bodies
    assert body["temperature"] == 0.25 and body["max_tokens"] == 7
    assert "max_completion_tokens" not in body  # not OpenAI's host: the widely read field
    assert _system(body) == "You are a verbose assistant who always writes at length."
    usage = run.graph["usage"]["total"]
    assert usage["calls"] == 1 and 0 < usage["output_tokens"] <= 7
    [node] = run.nodes("short_answer")
    assert any("stopped at the token limit (max_tokens = 7)" in w for w in node.get("warnings", []))
    assert "stopped at the token limit" in run.stderr


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_a_pipe_without_max_tokens_sends_the_default(proxy: Proxy, tmp_path: Path, backend: str) -> None:
    """A pipe, preset and handle setting no limit: the request to the server (not a hosted API) carries the
    default, 4096, so a model repeating itself stops there; the server's reply stays within it."""
    run = _run(tmp_path, proxy.url, "one_line", backend)
    [body] = proxy.bodies
    assert body["max_tokens"] == 4096 and "max_completion_tokens" not in body
    assert isinstance(run.json("main_stuff.json")["text"], str)
    assert 0 < run.graph["usage"]["total"]["output_tokens"] <= 4096


#: a backend of its own for the local server, declared as the documented llama.cpp block is: no api_key_env
KEYLESS = """
[models.backends.local]
kind = "openai"
base_url_env = "OPENAI_BASE_URL"

[models.handles.smollm2]
backend = "local"
model_id = "smollm2"

[models.defaults]
llm = "smollm2"
"""


@pytest.mark.skipif(
    bool(os.environ.get("PIPELEX_REAL_LLM_URL")) or server_kind() == "litellm",
    reason="starts a llama.cpp server of its own, with --api-key",
)
def test_a_keyless_backend_on_a_server_asking_for_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server started with --api-key refuses a backend declared without api_key_env (401, not retried): the
    error says the backend sends no key and to declare one; with the key declared, the pipe runs."""
    with serve(key="sk-local-secret") as url:
        run = _run(tmp_path / "keyless", url, "one_line", "direct", ok=False, config=KEYLESS)
        assert "HTTP 401" in run.stderr and "backend 'local' sends none" in run.stderr
        assert "api_key_env" in run.stderr and run.graph["usage"]["total"]["calls"] == 0
        keyed = KEYLESS.replace(
            'base_url_env = "OPENAI_BASE_URL"', 'base_url_env = "OPENAI_BASE_URL"\napi_key_env = "LOCAL_KEY"'
        )
        monkeypatch.setenv("LOCAL_KEY", "sk-local-secret")
        run = _run(tmp_path / "keyed", url, "one_line", "direct", config=keyed)
        assert isinstance(run.json("main_stuff.json")["text"], str)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_the_server_stopping_mid_run(proxy: Proxy, tmp_path: Path, backend: str) -> None:
    """The server answers the first pipe's call(s) then stops: the error names the pipe and the model, and the
    failed run keeps what was paid for (the first pipe's result and its usage)."""
    # summarise's prompt: from it on, the calls are dropped (the first pipe may take two: a repair call)
    proxy.stop_at = "Write one sentence for the owner"
    run = _run(tmp_path, proxy.url, "report", backend, ok=False)
    assert proxy.dropped >= 1 and proxy.answered
    error = run.stderr
    assert "'summarise'" in error and "model 'gpt-4o'" in error and "provider 'openai'" in error, error
    assert "connect" in error.lower() or "connection" in error.lower(), error
    _check_inspection(run.memory("inspection"))  # the answered call's result is kept
    usage = run.json("usage.json")
    total = usage["total"] if "total" in usage else usage
    assert total["calls"] == len(proxy.answered) and total["output_tokens"] > 0
    assert str(run.run_dir.name) in error or "results" in error


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_a_prompt_past_the_context_window_is_the_server_s_error(
    proxy: Proxy, tmp_path: Path, backend: str
) -> None:
    """The server refuses a prompt longer than its context (4096 tokens): a 400 it is not worth retrying; the
    error names the pipe, the provider, the model and the status, and carries the server's words."""
    run = _run(tmp_path, proxy.url, "short_answer", backend, ok=False, note="inspection " * 6000)
    assert len(proxy.bodies) == 1  # refused, not retried
    error = run.stderr
    assert "'short_answer'" in error and "model 'gpt-4o'" in error and "provider 'openai'" in error, error
    assert "400" in error and "context" in error.lower(), error
    # the server's words, not a gateway's exception chain around them (the LiteLLM proxy's)
    assert "litellm." not in error and "Exception - " not in error, error
    assert run.graph["usage"]["total"]["calls"] == 0


#: the openai backend as the default deck declares it, configured to the forced-tool mode
TOOLS = """
[models.backends.openai]
kind = "openai"
base_url_env = "OPENAI_BASE_URL"
api_key_env = "OPENAI_API_KEY"
structured_output = "tools"
"""


@pytest.mark.skipif(server_kind() != "llama-server", reason="llama-server's reading of tool_choice")
def test_a_forced_tool_the_server_reads_as_auto_moves_to_prompt_mode(proxy: Proxy, tmp_path: Path) -> None:
    """llama-server reads OpenAI's named ``tool_choice`` as ``"auto"`` (its log: "Wrong type supplied for
    parameter 'tool_choice'"), and SmolLM2's chat template has no tools: the forced tool is answered in text.
    The repair call then describes the schema in the prompt, without the tool (before, a cut prose reply failed
    as a token-limit error, an uncut one was repaired with the ignored tool again). Either the repaired answer
    fits, or the one-line error says the reply did not fit after the retry; never a token-limit error."""
    run = _run(tmp_path, proxy.url, "worst_finding_bounded", "direct", ok=None, config=TOOLS)
    first = proxy.answered[0]
    assert first["tool_choice"]["function"]["name"] and first["tools"]
    later = proxy.answered[1:]
    assert all(
        "tools" not in b and "JSON schema of the answer:" in b["messages"][-1]["content"] for b in later
    )
    if run.returncode == 0:
        _check_finding(run.json("main_stuff.json"))
    else:
        assert later, run.stderr  # the text reply got the repair call in prompt mode
        assert "does not fit" in run.stderr or "not JSON" in run.stderr, run.stderr
        assert "token limit" not in run.stderr, run.stderr
