"""The real server through pipelex's ``anthropic`` backend kind: llama.cpp's ``llama-server`` also serves Anthropic's
messages API (``POST /v1/messages``), so a backend of kind ``anthropic`` configured as a user would
(``[models.backends.<name>]`` in pipelex.toml, its ``base_url`` the server's root, no key) runs bundles through
the ``anthropic`` SDK against it, on the direct and Temporal backends.

A recording proxy sits between pipelex and the server: each test sees every messages request pipelex sent and
the server's status and body, and each exchange is appended to ``<cache>/anthropic-exchanges.jsonl`` (what the
server answers each request kind, for docs/live-inference.md). The assertions are about pipelex's behaviour
(validity of each result against its concept, the request fields, calls and tokens counted, the errors), never
the tiny model's wording. Skipped with ``PIPELEX_REAL_LLM_SERVER=llama-cpp-python`` (that server has no
messages route) and, like the rest of the tier, unless ``PIPELEX_REAL_LLM=1``.
"""

from __future__ import annotations

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
from tests.real_llm.server import api_key, cache_dir, is_prepared, server_kind

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("PIPELEX_REAL_LLM") != "1",
        reason="the real-server tier is opt-in: `make test-real-llm`",
    ),
    pytest.mark.skipif(
        os.environ.get("PIPELEX_REAL_LLM") == "1"
        and not os.environ.get("PIPELEX_REAL_LLM_URL")
        and (server_kind() not in ("llama-server", "litellm") or not is_prepared()),
        reason="the messages API is llama.cpp's llama-server's and the LiteLLM proxy's (prepared with `python -m "
        "tests.real_llm.server prepare`); llama-cpp-python's server has none",
    ),
    pytest.mark.timeout(900),
]

CALL_TIMEOUT = 300.0
BACKENDS = {"direct": [], "temporal": ["--temporal"]}

BUNDLE = """
domain = "desk"
main_pipe = "triage"
system_prompt = "You are a helpdesk assistant. Answer briefly and in English."

[concept.Place]
description = "Where the problem is"
[concept.Place.structure]
site = { type = "text", description = "The site or page", required = true }
floor = { type = "integer", description = "The floor number, if the note gives one" }

[concept.Ticket]
description = "A support ticket, read"
[concept.Ticket.structure]
summary = { type = "text", description = "A one-line summary", required = true }
urgency = { type = "text", description = "How urgent it is", choices = ["high", "low"], required = true }
place = { type = "concept", concept_ref = "Place", description = "Where", required = true }
tags = { type = "list", item_type = "text", description = "Keywords", required = true }
minutes = { type = "integer", description = "Minutes needed to fix it", required = true }
notes = { type = "text", description = "Anything else, if needed" }

[concept.Step]
description = "One step of a plan"
[concept.Step.structure]
action = { type = "text", description = "What to do", required = true }

[pipe.say]
type = "PipeLLM"
description = "Answer in text, with no model settings (the messages API's default max_tokens)"
inputs = { note = "Text" }
output = "Text"
prompt = "Answer in one short sentence: $note"

[pipe.short_answer]
type = "PipeLLM"
description = "A short answer with settings"
inputs = { note = "Text" }
output = "Text"
system_prompt = "You are a verbose assistant who always writes at length."
model = { model = "smollm2", temperature = 0.25, max_tokens = 7 }
prompt = "Describe this problem in detail: $note"

[pipe.read_ticket]
type = "PipeLLM"
description = "Read a support note into a ticket"
inputs = { note = "Text" }
output = "Ticket"
model = { model = "smollm2", temperature = 0.3, max_tokens = 400 }
prompt = "Read this support note and fill in the ticket: $note"

[pipe.list_steps]
type = "PipeLLM"
description = "Steps to fix the problem"
inputs = { note = "Text" }
output = "Step[]"
model = { model = "smollm2", temperature = 0.3, max_tokens = 300 }
prompt = "List at most three short steps to fix this problem: $note"

[pipe.triage]
type = "PipeSequence"
description = "Read the ticket, then route it by urgency"
inputs = { note = "Text" }
output = "Text"
steps = [
  { pipe = "read_ticket", result = "ticket" },
  { pipe = "route", result = "reply" },
]

[pipe.route]
type = "PipeCondition"
description = "Page on-call for urgent tickets, queue the others"
inputs = { ticket = "Ticket" }
output = "Text"
expression = "ticket.urgency"
default_outcome = "queue_it"

[pipe.route.outcomes]
high = "page_oncall"
low = "queue_it"

[pipe.page_oncall]
type = "PipeLLM"
description = "Write a page"
inputs = { ticket = "Ticket" }
output = "Text"
model = { model = "smollm2", temperature = 0.3, max_tokens = 60 }
prompt = "Write a one-line page to the on-call engineer about: $ticket.summary"

[pipe.queue_it]
type = "PipeLLM"
description = "Write a queue note"
inputs = { ticket = "Ticket" }
output = "Text"
model = { model = "smollm2", temperature = 0.3, max_tokens = 60 }
prompt = "Write a one-line note for the support queue about: $ticket.summary"

[pipe.plan]
type = "PipeSequence"
description = "List steps, then explain each"
inputs = { note = "Text" }
output = "Text[]"
steps = [
  { pipe = "list_steps", result = "steps" },
  { pipe = "explain_step", batch_over = "steps", batch_as = "step", result = "explanations" },
]

[pipe.explain_step]
type = "PipeLLM"
description = "Explain one step"
inputs = { step = "Step" }
output = "Text"
model = { model = "smollm2", temperature = 0.3, max_tokens = 60 }
prompt = "Explain in one sentence why we should: $step.action"
"""

NOTE = (
    "The checkout page on the third floor kiosk returns an error 500 for every customer since this morning."
)


def _config(base_url: str) -> str:
    """pipelex.toml as a user writes it for a local Anthropic-compatible server: no key for llama-server (it needs
    none), the master key's variable for the LiteLLM proxy."""
    key_line = 'api_key_env = "REAL_LLM_KEY"\n' if api_key() != "no-key-needed" else ""
    return f"""
[models.backends.llamacpp_messages]
kind = "anthropic"
base_url = "{base_url}"
{key_line}
[models.handles.smollm2]
backend = "llamacpp_messages"
model_id = "smollm2"
outputs = ["text", "structured"]

[models.aliases]
default-general = "smollm2"

[models.calls]
timeout = {CALL_TIMEOUT}
max_attempts = 2
backoff_initial = 0.05
backoff_max = 0.1
"""


# ------------------------------------------------------------------------------------------------ the proxy


@dataclass
class Proxy:
    """Forwards to the real server and records each messages request's body, the status and body of the reply."""

    upstream: str
    exchanges: list[dict[str, Any]] = field(default_factory=lambda: [])
    url: str = ""
    test: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [e["request"] for e in self.exchanges]

    @property
    def answered(self) -> list[dict[str, Any]]:
        return [e for e in self.exchanges if 200 <= e["status"] < 300]


def _kind(body: dict[str, Any]) -> str:
    """The kind of request pipelex sent: text, or structured through the forced tool, or the schema in the
    prompt (``prompt`` mode, or the repair call of a reply that did not fit)."""
    if "tools" in body:
        return "forced_tool"
    return "text"


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            reply = httpx.post(
                proxy.upstream.rstrip("/") + self.path,
                content=raw,
                headers=forwarded(self.headers),
                timeout=CALL_TIMEOUT + 5,
            )
            if self.path.startswith("/v1/messages"):
                request = json.loads(raw)
                try:
                    answer: Any = reply.json()
                except ValueError:
                    answer = reply.text[:2000]
                exchange = {
                    "test": proxy.test,
                    "path": self.path,
                    "kind": _kind(request),
                    "request": request,
                    "status": reply.status_code,
                    "reply": answer,
                }
                with proxy.lock:
                    proxy.exchanges.append(exchange)
                    cache_dir().mkdir(parents=True, exist_ok=True)
                    with (cache_dir() / "anthropic-exchanges.jsonl").open("a") as out:
                        out.write(json.dumps(exchange) + "\n")
            self.send_response(reply.status_code)
            self.send_header("Content-Type", reply.headers.get("Content-Type", "application/json"))
            self.send_header("Content-Length", str(len(reply.content)))
            self.end_headers()
            self.wfile.write(reply.content)

    return Handler


@pytest.fixture
def proxy(server: str, request: pytest.FixtureRequest) -> Iterator[Proxy]:
    """A recording proxy in front of the real server's root (the messages route is ``/v1/messages``)."""
    state = Proxy(upstream=server.rstrip("/").removesuffix("/v1"), test=request.node.name)
    with serving(_handler(state)) as url:
        state.url = url
        yield state


# ------------------------------------------------------------------------------------------------ running


def _run(
    tmp_path: Path, proxy: Proxy, pipe: str, backend: str, *, ok: bool | None = True, note: str = NOTE
) -> Run:
    """Run ``pipe`` from the CLI; ``ok``: it must succeed (True), fail (False), or either (None)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "desk.mthds").write_text(BUNDLE)
    (tmp_path / "pipelex.toml").write_text(_config(proxy.url))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIPELEX_", "OPENAI_", "ANTHROPIC_")) and k != "PYTEST_CURRENT_TEST"
    }
    env["HOME"] = str(tmp_path)
    env["REAL_LLM_KEY"] = api_key()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelex.cli.main",
            "run",
            "bundle",
            "desk.mthds",
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
    elif ok is False:
        assert result.returncode != 0, result.stdout
    [run_dir] = sorted((tmp_path / "results").iterdir())
    run = Run(result.returncode, result.stdout, result.stderr, run_dir)
    assert run.graph["backend"] == backend and run.graph["mode"] == "live"
    assert all(e["path"] == "/v1/messages" for e in proxy.exchanges)  # the SDK's route, under the root URL
    return run


def _check_ticket(ticket: Any) -> dict[str, Any]:
    assert isinstance(ticket, dict)
    assert (
        {"summary", "urgency", "place", "tags", "minutes"}
        <= set(ticket)
        <= {
            "summary",
            "urgency",
            "place",
            "tags",
            "minutes",
            "notes",
        }
    ), ticket
    assert isinstance(ticket["summary"], str) and ticket["urgency"] in ("high", "low")
    assert isinstance(ticket["place"], dict) and isinstance(ticket["place"]["site"], str)
    assert ticket["place"].get("floor") is None or isinstance(ticket["place"]["floor"], int)
    assert isinstance(ticket["tags"], list) and all(isinstance(t, str) for t in ticket["tags"])
    assert isinstance(ticket["minutes"], int) and not isinstance(ticket["minutes"], bool)
    assert ticket.get("notes") is None or isinstance(ticket["notes"], str)
    return ticket


def _check_steps(steps: Any) -> list[dict[str, Any]]:
    items = steps["items"] if isinstance(steps, dict) else steps
    assert isinstance(items, list)
    for item in items:
        assert set(item) == {"action"} and isinstance(item["action"], str)
    return items


def _check_usage(run: Run, proxy: Proxy) -> None:
    """The run counts one call per answered request, and the tokens the server reported for them."""
    usage = run.graph["usage"]["total"]
    answered = proxy.answered
    assert usage["calls"] == len(answered)
    reported = sum(e["reply"]["usage"]["output_tokens"] for e in answered)
    assert usage["output_tokens"] == reported > 0
    assert "unpriced" in run.stdout + run.stderr  # a handle declared without costs (stderr: a failed run)


def _structured(run: Run, proxy: Proxy, pipe: str) -> bool:
    """What pipelex does with a structured pipe on this server, whatever the model writes: the first call forces
    the tool; llama-server, with SmolLM2's chat template (no tools), builds no grammar and the model answers
    prose, so the next calls go in the ``prompt`` mode (no tool, the schema in the prompt). SmolLM2-135M, given
    no grammar, seldom writes the JSON: the run then fails with the error naming the pipe and the concept's
    mismatch (or the token limit), no traceback, the calls counted. True when the pipe succeeded."""
    first = proxy.bodies[0]
    assert first["tool_choice"] == {"type": "tool", "name": first["tools"][0]["name"]}
    replies = [e["reply"] for e in proxy.answered]
    if not any(b["type"] == "tool_use" for b in replies[0]["content"]):  # the forced tool ignored
        assert all("tools" not in b for b in proxy.bodies[1:]), (
            "the calls after an ignored tool use the prompt mode"
        )
    _check_usage(run, proxy)
    if run.returncode == 0:
        return True
    error = run.stderr
    assert f"pipe '{pipe}'" in error and "provider 'llamacpp_messages'" in error, error
    assert (
        "does not fit" in error or "not JSON" in error or "token limit" in error or "validation" in error
    ), error
    return False


# ------------------------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_text_without_settings(proxy: Proxy, tmp_path: Path, backend: str) -> None:
    """No max_tokens, no temperature on the pipe: the messages API's default limit is sent, no temperature;
    the bundle's system prompt goes in ``system``."""
    run = _run(tmp_path, proxy, "say", backend)
    assert (
        isinstance(run.json("main_stuff.json")["text"], str) and run.json("main_stuff.json")["text"].strip()
    )
    [body] = proxy.bodies
    assert body["model"] == "smollm2" and body["max_tokens"] == 4096 and "temperature" not in body
    assert body["system"].startswith("You are a helpdesk assistant")
    assert "tools" not in body and "stream" not in body
    _check_usage(run, proxy)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_settings_reach_the_server_and_a_cut_reply_warns(proxy: Proxy, tmp_path: Path, backend: str) -> None:
    run = _run(tmp_path, proxy, "short_answer", backend)
    [exchange] = proxy.exchanges
    body = exchange["request"]
    assert body["temperature"] == 0.25 and body["max_tokens"] == 7
    assert body["system"] == "You are a verbose assistant who always writes at length."
    if server_kind() == "litellm":
        # the proxy bridges the messages route to the upstream's Responses API: max_tokens becomes max_output_tokens,
        # raised to 16 (OpenAI's minimum there), and llama-server's Responses route says "completed" for a reply
        # cut at the limit, so the proxy says end_turn: no cut is reported, and pipelex warns of none
        assert exchange["reply"]["stop_reason"] == "end_turn"
        assert 0 < exchange["reply"]["usage"]["output_tokens"] <= 16
        assert not any("token limit" in w for w in run.warnings), run.warnings
    else:
        assert exchange["reply"]["stop_reason"] == "max_tokens"
        assert 0 < exchange["reply"]["usage"]["output_tokens"] <= 7
        assert any("stopped at the token limit (max_tokens = 7)" in w for w in run.warnings)
    _check_usage(run, proxy)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_a_structured_concept(proxy: Proxy, tmp_path: Path, backend: str) -> None:
    """A nested concept, a list, optional fields and choices, through the forced tool (then, when the server's
    reply does not fit, the repair call or the ``prompt`` mode)."""
    run = _run(tmp_path, proxy, "read_ticket", backend, ok=None)
    assert proxy.bodies[0]["tools"][0]["input_schema"]["$defs"]  # the nested Place, by reference
    if _structured(run, proxy, "read_ticket"):
        _check_ticket(run.json("main_stuff.json"))


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_a_list_output(proxy: Proxy, tmp_path: Path, backend: str) -> None:
    run = _run(tmp_path, proxy, "list_steps", backend, ok=None)
    if _structured(run, proxy, "list_steps"):
        _check_steps(run.json("main_stuff.json"))


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_a_condition_on_an_llm_answer(proxy: Proxy, tmp_path: Path, backend: str) -> None:
    run = _run(tmp_path, proxy, "triage", backend, ok=None)
    if not _structured(run, proxy, "read_ticket"):
        assert not run.nodes("page_oncall") and not run.nodes("queue_it")  # the condition never ran
        return
    ticket = _check_ticket(run.memory("ticket"))
    ran = [n["pipe_code"] for n in run.graph["nodes"] if n["pipe_code"] in ("page_oncall", "queue_it")]
    assert ran == ["page_oncall" if ticket["urgency"] == "high" else "queue_it"]
    assert isinstance(run.json("main_stuff.json")["text"], str)
    _check_usage(run, proxy)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_a_batch_over_an_llm_list(proxy: Proxy, tmp_path: Path, backend: str) -> None:
    run = _run(tmp_path, proxy, "plan", backend, ok=None)
    if not _structured(run, proxy, "list_steps"):
        assert not run.nodes("explain_step")
        return
    steps = _check_steps(run.memory("steps"))
    assert len(run.json("main_stuff.json")["items"]) == len(steps)
    explained = run.nodes("explain_step")
    assert len(explained) == len(steps) and all(n["status"] == "succeeded" for n in explained)
    _check_usage(run, proxy)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_a_prompt_past_the_context_window_is_the_server_s_error(
    proxy: Proxy, tmp_path: Path, backend: str
) -> None:
    """The server refuses a prompt longer than its slot's context: a 400 in the OpenAI shape, on the messages
    route too; not retried; the error names the pipe, the provider and the model and quotes the message once."""
    run = _run(tmp_path, proxy, "short_answer", backend, ok=False, note="checkout " * 6000)
    [exchange] = proxy.exchanges
    # llama-server's own error type; the LiteLLM proxy's is invalid_request_error, its message the upstream's body
    # inside its exception chain
    kind = "invalid_request_error" if server_kind() == "litellm" else "exceed_context_size_error"
    assert exchange["status"] == 400 and exchange["reply"]["error"]["type"] == kind
    error = run.stderr
    assert "'short_answer'" in error and "provider 'llamacpp_messages'" in error and "'smollm2'" in error
    assert "HTTP 400: request (" in error and "context size" in error, error
    for wrapping in ("Error code", "{'error'", '{"error"', "litellm.", "Exception"):
        assert wrapping not in error, error
    assert run.graph["usage"]["total"]["calls"] == 0
