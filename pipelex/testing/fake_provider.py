"""A fake AI provider served over real HTTP on 127.0.0.1, for testing live runs without the internet.

It speaks three real wire protocols, so the official SDKs talk to it unchanged:

- OpenAI chat completions: ``POST /v1/chat/completions`` (text; ``response_format`` of type
  ``json_schema`` or ``json_object`` gets a JSON reply that fits the schema, built deterministically
  from it; ``tools`` with a forced ``tool_choice`` get a tool call whose arguments fit the schema);
- OpenAI images: ``POST /v1/images/generations`` (``b64_json`` PNGs by default; ``response_format =
  "url"`` gives URLs served by the fake under ``/_fake/files/``);
- Anthropic messages: ``POST /v1/messages`` (text; a forced tool gets a ``tool_use`` block whose
  ``input`` fits the tool's ``input_schema``).

Replies are deterministic: the same request gives the same reply. Token usage is reported
(``ceil(characters / 4)`` per message text, 85 per image).

In-process use::

    from pipelex.testing.fake_provider import FakeProvider

    with FakeProvider(latency=0.2) as fake:       # binds 127.0.0.1 on a free port, serves in a thread
        fake.base_url             # "http://127.0.0.1:PORT/v1"  -> OPENAI_BASE_URL
        fake.anthropic_base_url   # "http://127.0.0.1:PORT"     -> ANTHROPIC_BASE_URL
        fake.url                  # "http://127.0.0.1:PORT"
        fake.env()                # {"OPENAI_BASE_URL": ..., "OPENAI_API_KEY": ..., "ANTHROPIC_BASE_URL": ..., ...}
        fake.calls                # {"chat": 3, "images": 0, "messages": 1}  (a snapshot; faulted calls count too)
        fake.total_calls          # 4
        fake.max_in_flight        # the most calls answered at the same time
        fake.requests             # [RecordedRequest(route, path, body, headers), ...]
        fake.inject("429", count=2)              # the next 2 model calls answer 429
        fake.inject("timeout", route="chat")     # the next chat call hangs for ``timeout_delay`` seconds
        fake.latency = 0.0                       # change the latency at any time
        fake.hold()                              # model calls wait (after being counted) until...
        fake.release()                           # ...released: a run held mid-flight for as long as a test needs
        fake.reset()                             # zero the counters, forget requests and pending faults

Faults (``inject(fault, count=1, route=None)``; ``route`` is ``"chat"``, ``"images"``, ``"messages"`` or
None for any model call): ``"429"`` (rate limited), ``"500"`` (server error), ``"timeout"`` (no answer for
``timeout_delay`` seconds), ``"malformed"`` (HTTP 200 whose body is not JSON), ``"schema_mismatch"``
(HTTP 200 whose structured content does not fit the requested schema), ``"error_in_200"`` (HTTP 200 whose
body is an ``{"error": {"message": ..., "code": 502}}``, as OpenRouter answers an upstream failure), ``"deep_reply"``
(a chat reply whose text is JSON nesting 100,000 arrays deep, as a prompt-injected model may write), ``"deep_body"``
(HTTP 200 whose body itself nests 100,000 deep), ``"503"`` (overloaded), ``"html_502"`` (a proxy's HTML page
with a 502), ``"reset"`` (a 200 whose body stops half-way: the connection is reset).

Server variants (``profile=`` or ``quirks=``; ``fake.quirks = ...`` at any time) behave like the servers people
run, so every structured-output mode and parameter name is tested against the behaviour it is for:

- ``"openai"`` (default): ``json_schema`` and ``json_object`` response formats, forced tools, both
  ``max_tokens`` and ``max_completion_tokens``;
- ``"llama_cpp"`` (llama-cpp-python's server): a ``json_schema`` response format is answered HTTP 500 naming
  it; ``{"type": "json_object", "schema": ...}`` works; only ``max_tokens`` limits the reply; tools are ignored;
- ``"lm_studio"``: a ``json_object`` response format is refused with a 400 (``json_schema`` works); only
  ``max_tokens``;
- ``"prose"`` (a server that ignores ``response_format`` and tools): the reply is prose unless the prompt
  describes the JSON to give (the schema after the line ``JSON schema of the answer:``); only ``max_tokens``;
- ``"no_tools"``: a forced tool is refused with a 400 naming ``tool_choice``.

``Quirks(omit_usage=True)`` leaves ``usage`` out of chat replies, as some OpenAI-compatible servers do;
``Quirks(refused_token_params=("max_tokens",))`` answers a request carrying that field with OpenAI's 400 to
its reasoning models (``max_completion_tokens``: a strict server's 422 "Extra inputs are not permitted");
``content_parts=True`` answers the content as a list of parts (thinking, then text), as Mistral's reasoning
models do; ``think_first=True`` starts it with a ``<think>...</think>`` block. ``retry_after="2"`` sends that
``Retry-After`` header with the ``429`` and ``503`` faults; ``reasoning_only=True`` answers with content null
and the reply in ``reasoning_content`` (vLLM's reasoning parser taking a grammar-constrained answer for
thinking); ``think_past_limit=True`` spends the whole token limit in ``reasoning_content`` and answers no
content (``finish_reason = "length"``); ``partial_usage=True`` reports ``usage`` as ``total_tokens`` alone;
``refuse_temperature=True`` answers a request carrying ``temperature`` with OpenAI's 400 to its reasoning
models (Anthropic route: "temperature is deprecated for this model", as its models after Opus 4.6 answer); ``stream_only=True`` sends every chat reply as server-sent events, asked or not;
``chatter="fenced"`` (or ``"bare"``) answers a structured request with prose around its JSON (in a fenced
block, or bare); ``claude_refusal=True`` answers messages with no content and ``stop_reason = "refusal"``;
``refuse_web_search=True`` answers ``web_search_options`` with Gemini's 400; ``fastapi_errors=True`` sends the OpenAI routes' errors as FastAPI's ``{"detail": [{"loc": ..., "msg": ...}]}``
(llama-cpp-python's server, vLLM's older ones); ``refused_image_params=("output_format",)`` answers an images request carrying one of them with DALL-E 3's
400 (``Unknown parameter: 'output_format'.``, ``param`` set); ``tool_arguments_object=True`` gives a tool call's arguments as a JSON object (as some llama-server builds do);
``versioned_paths=True`` answers model routes only at their own paths under ``/v1`` (a 404 elsewhere);
``refused_schema_keywords=("additionalProperties", "$ref")`` answers a schema using one of them with Gemini's
400 (``Unknown name "additionalProperties"``, the error object inside a list). ``context_tokens=N`` cuts every
reply at N tokens whatever limit was sent (``finish_reason = "length"``: llama-server's slot full);
``max_model_len=N`` answers a token limit past N less the prompt's tokens with vLLM's 400 ("'max_tokens' or
'max_completion_tokens' is too large: ...").

A reply longer than the token limit (``ceil(characters / 4)`` tokens) is cut there and ends with
``finish_reason = "length"`` (Anthropic: ``stop_reason = "max_tokens"``).

``api_key=...`` makes the fake refuse (401) requests that do not carry that key (``Authorization:
Bearer`` or ``x-api-key``); by default any key is accepted.

As a process (for tests that need a separate process, e.g. a worker calling it)::

    python -m pipelex.testing.fake_provider [--port N] [--latency SECONDS] [--api-key KEY] [--profile NAME]

prints its OpenAI base URL (``http://127.0.0.1:N/v1``) on the first line of stdout, then serves until
killed. Its admin routes drive it over HTTP:

- ``GET  /_fake/calls``  -> ``{"calls": {"chat": n, "images": n, "messages": n}, "total": n, "max_in_flight": n}``
- ``POST /_fake/faults`` with ``{"fault": "429", "count": 1, "route": null}``
- ``POST /_fake/latency`` with ``{"latency": 0.2}``
- ``POST /_fake/hold`` with ``{"hold": true}`` (calls wait) or ``{"hold": false}`` (they go on)
- ``POST /_fake/quirks`` with ``{"profile": "llama_cpp"}`` or the fields of :class:`Quirks`
- ``POST /_fake/reset``
- ``GET  /_fake/health`` -> ``{"ok": true}``
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import math
import struct
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, cast, get_args

from pipelex.narrowing import is_json_object

Route = Literal["chat", "images", "messages"]
Fault = Literal[
    "429",
    "500",
    "timeout",
    "malformed",
    "schema_mismatch",
    "error_in_200",
    "deep_reply",
    "deep_body",
    "503",
    "html_502",
    "reset",
]
ROUTES: tuple[Route, ...] = get_args(Route)
FAULTS: tuple[Fault, ...] = get_args(Fault)
DEEP = 100_000
"""How deep the ``deep_reply`` and ``deep_body`` faults nest their JSON."""
FAKE_API_KEY = "sk-fake-provider-key"


SCHEMA_MARKER = (
    "JSON schema of the answer:"  # pipelex.inference.live.structured.SCHEMA_MARKER (not imported: no deps)
)


@dataclass(frozen=True)
class Quirks:
    """How the fake departs from OpenAI's own behaviour (see the module docstring's profiles)."""

    refuse_json_schema: bool = False
    refuse_json_object: bool = False
    refuse_tools: bool = False
    ignore_response_format: bool = False
    ignore_tools: bool = False
    token_limit_params: tuple[str, ...] = ("max_tokens", "max_completion_tokens")
    omit_usage: bool = (
        False  # chat and image replies without ``usage`` (some OpenAI-compatible servers, DALL-E)
    )
    refused_token_params: tuple[str, ...] = ()  # token-limit fields answered with a 400 naming them
    content_parts: bool = (
        False  # chat content as a list of parts, thinking then text (Mistral's reasoning models)
    )
    think_first: bool = (
        False  # chat content starting with a <think>...</think> block (a reasoning model, unparsed)
    )
    retry_after: str | None = None  # the Retry-After header of 429 and 503 answers ("2", an HTTP date)
    reasoning_only: bool = False  # chat content null, the reply in reasoning_content (vLLM's parser quirk)
    think_past_limit: bool = False  # content null, reasoning_content, finish_reason length (spent reasoning)
    partial_usage: bool = False  # usage holding total_tokens alone
    refuse_temperature: bool = (
        False  # temperature refused: OpenAI's 400 to reasoning models, Anthropic's "deprecated"
    )
    stream_only: bool = False  # every chat reply sent as server-sent events, asked or not
    chatter: str | None = None  # structured content among prose: "fenced" (in a ```json block) or "bare"
    claude_refusal: bool = False  # messages answered with no content and stop_reason "refusal" (Claude 4)
    refuse_web_search: bool = False  # web_search_options answered with Gemini's "Unknown name" 400
    fastapi_errors: bool = False  # OpenAI-route errors as FastAPI's {"detail": [{"loc", "msg"}]} bodies
    refused_image_params: tuple[str, ...] = ()  # image fields answered with "Unknown parameter" (DALL-E 3)
    tool_arguments_object: bool = (
        False  # a tool call's arguments as a JSON object, not a string (llama-server)
    )
    versioned_paths: bool = (
        False  # model routes answer only at /v1/<route> (404 elsewhere), as real servers do
    )
    refused_schema_keywords: tuple[str, ...] = ()  # schema keywords answered with Gemini's 400 (a list body)
    context_tokens: int | None = (
        None  # the reply is cut there whatever token limit was sent (llama-server's slot)
    )
    max_model_len: int | None = (
        None  # a token limit past this context, the prompt counted, is vLLM's 400 "... is too large"
    )


PROFILES: dict[str, Quirks] = {
    "openai": Quirks(),
    "llama_cpp": Quirks(refuse_json_schema=True, ignore_tools=True, token_limit_params=("max_tokens",)),
    "lm_studio": Quirks(refuse_json_object=True, token_limit_params=("max_tokens",)),
    "prose": Quirks(ignore_response_format=True, ignore_tools=True, token_limit_params=("max_tokens",)),
    "no_tools": Quirks(refuse_tools=True),
}


@dataclass(frozen=True)
class RecordedRequest:
    """One model call the fake received."""

    route: Route
    path: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class _PendingFault:
    fault: Fault
    remaining: int
    route: Route | None


@dataclass
class _State:
    latency: float
    timeout_delay: float
    api_key: str | None
    quirks: Quirks = field(default_factory=Quirks)
    calls: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROUTES, 0))
    requests: list[RecordedRequest] = field(default_factory=lambda: [])
    faults: list[_PendingFault] = field(default_factory=lambda: [])
    files: dict[str, bytes] = field(default_factory=lambda: {})
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    # cleared by hold(): model calls wait for it (or for the server to stop) before answering
    open: threading.Event = field(default_factory=lambda: _set_event())

    def take_fault(self, route: Route) -> Fault | None:
        with self.lock:
            for pending in self.faults:
                if pending.route in (None, route) and pending.remaining > 0:
                    pending.remaining -= 1
                    fault = pending.fault
                    self.faults = [p for p in self.faults if p.remaining > 0]
                    return fault
        return None


def _set_event() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


# ---------------------------------------------------------------------------------------------------- replies


def tokens_of(text: str) -> int:
    """The fake's token count of a text: one token per four characters, rounded up."""
    return math.ceil(len(text) / 4) if text else 0


def instance_from_schema(
    schema: dict[str, Any], *, root: dict[str, Any] | None = None, name: str = "value", depth: int = 0
) -> Any:
    """A deterministic value that fits a JSON schema (``$ref``, ``anyOf``, ``enum``, objects, arrays, formats)."""
    root = root if root is not None else schema
    if depth > 12:
        return None
    if "$ref" in schema:
        target: object = root
        for part in str(schema["$ref"]).removeprefix("#/").split("/"):
            target = target.get(part, {}) if is_json_object(target) else {}
        return instance_from_schema(cast(dict[str, Any], target), root=root, name=name, depth=depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        candidates: list[object] = schema.get(key, [])
        options = [o for o in candidates if is_json_object(o) and o.get("type") != "null"]
        if options:
            return instance_from_schema(options[0], root=root, name=name, depth=depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in cast(list[str], kind) if k != "null"]
        kind = kinds[0] if kinds else "null"
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    match kind:
        case "object":
            properties = cast(dict[str, dict[str, Any]], schema.get("properties", {}))
            return {
                key: instance_from_schema(sub, root=root, name=key, depth=depth + 1)
                for key, sub in properties.items()
            }
        case "array":
            count = int(schema.get("minItems", 3))
            count = min(
                max(count, 1 if "minItems" not in schema else count), int(schema.get("maxItems", count))
            )
            item_schema = cast(dict[str, Any], schema.get("items", {"type": "string"}))
            return [
                instance_from_schema(item_schema, root=root, name=f"{name}_{i + 1}", depth=depth + 1)
                for i in range(count)
            ]
        case "integer":
            if "minimum" in schema:
                value = int(schema["minimum"])
            elif "exclusiveMinimum" in schema:
                value = int(schema["exclusiveMinimum"]) + 1
            else:
                value = 1
            return min(value, int(schema["maximum"])) if "maximum" in schema else value
        case "number":
            low = float(schema.get("minimum", 0.0))
            high = float(schema.get("maximum", low + 1.0))
            return round((low + high) / 2, 4)
        case "boolean":
            return True
        case "null":
            return None
        case _:
            fmt = schema.get("format")
            if fmt == "date":
                return "2024-01-02"
            if fmt == "date-time":
                return "2024-01-02T03:04:05Z"
            if fmt == "time":
                return "03:04:05"
            if fmt in ("uri", "url"):
                return "https://example.com/fake"
            text = f"fake {name}".ljust(int(schema.get("minLength", 0)), "x")
            return text[: int(schema["maxLength"])] if "maxLength" in schema else text


def _message_text(content: Any) -> tuple[str, int]:
    """The text of a chat/messages ``content`` and its number of images/documents."""
    if isinstance(content, str):
        return content, 0
    texts: list[str] = []
    media = 0
    if isinstance(content, list):
        for part in cast(list[Any], content):
            if not isinstance(part, dict):
                continue
            part = cast(dict[str, Any], part)
            if part.get("type") == "text":
                texts.append(str(part.get("text", "")))
            elif part.get("type") in ("image_url", "image", "file", "document", "input_image", "input_file"):
                media += 1
    return "\n".join(texts), media


def _prompt_of(messages: list[Any], system: Any = None) -> tuple[str, str, int]:
    """(all text, last user text, media count) of a request's messages."""
    all_texts: list[str] = []
    last_user = ""
    media = 0
    if system:
        all_texts.append(_message_text(system)[0])
    for message in messages:
        if not isinstance(message, dict):
            continue
        message = cast(dict[str, Any], message)
        text, count = _message_text(message.get("content"))
        all_texts.append(text)
        media += count
        if message.get("role") == "user":
            last_user = text
    return "\n".join(all_texts), last_user, media


def _text_reply(model: str, last_user: str, media: int) -> str:
    seen = f" (with {media} attachment(s))" if media else ""
    digest = hashlib.sha256(last_user.encode()).hexdigest()[:8]
    return f"Fake reply of {model}{seen} [{digest}] to: {' '.join(last_user.split())[:160]}"


def _png(seed: str, size: int = 8) -> bytes:
    """A small valid PNG whose colour depends on ``seed``."""
    red, green, blue = hashlib.sha256(seed.encode()).digest()[:3]
    row = b"\x00" + bytes([red, green, blue]) * size
    raw = row * size

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _deep_reply(route: Route, model: str) -> dict[str, Any]:
    """A well-formed reply whose text is JSON nesting ``DEEP`` arrays (the ``deep_reply`` fault)."""
    text = "[" * DEEP + "]" * DEEP
    if route == "messages":
        return {
            "id": "msg_fake_deep",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 1, "output_tokens": tokens_of(text)},
        }
    return {
        "id": "chatcmpl-fake-deep",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": 1,
            "completion_tokens": tokens_of(text),
            "total_tokens": 1 + tokens_of(text),
        },
    }


def _openai_error(status: int, message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": str(status)}}


def _anthropic_error(message: str, kind: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


# ---------------------------------------------------------------------------------------------------- the server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pipelex-fake-provider/1"
    disable_nagle_algorithm = (
        True  # headers and body are two writes: without this, delayed ACKs add ~40 ms a call
    )
    state: _State  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet: tests read counters, not logs."""

    # -- plumbing
    def _send(
        self,
        status: int,
        payload: Any,
        *,
        content_type: str = "application/json",
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        body = raw if raw is not None else json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout fault)
            self.close_connection = True

    def _read_json(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        if not data:
            return {}
        try:
            parsed = json.loads(data)
        except ValueError:
            return None
        return cast(dict[str, Any], parsed) if isinstance(parsed, dict) else None

    def _route_of(self) -> Route | None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path.endswith("/chat/completions"):
            return "chat"
        if path.endswith("/images/generations"):
            return "images"
        if path.endswith("/messages"):
            return "messages"
        return None

    # -- verbs
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        """Admin reads and generated files."""
        path = self.path.split("?", 1)[0]
        if path == "/_fake/health":
            self._send(200, {"ok": True})
        elif path == "/_fake/calls":
            with self.state.lock:
                calls = dict(self.state.calls)
            self._send(
                200, {"calls": calls, "total": sum(calls.values()), "max_in_flight": self.state.max_in_flight}
            )
        elif path.startswith("/_fake/files/"):
            data = self.state.files.get(path.rsplit("/", 1)[1])
            if data is None:
                self._send(404, _openai_error(404, "no such file", "not_found"))
            else:
                self._send(200, None, content_type="image/png", raw=data)
        else:
            self._send(404, _openai_error(404, f"no route GET {path}", "not_found"))

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        """Model calls and admin writes."""
        path = self.path.split("?", 1)[0]
        body = self._read_json()
        if path.startswith("/_fake/"):
            self._admin(path, body or {})
            return
        route = self._route_of()
        exact = ("/v1/chat/completions", "/v1/images/generations", "/v1/messages")
        if route is not None and self.state.quirks.versioned_paths and path.rstrip("/") not in exact:
            route = None
        if route is None:
            self._send(404, _openai_error(404, f"no route POST {path}", "not_found"))
            return
        state = self.state
        headers = {k.lower(): v for k, v in self.headers.items()}
        with state.lock:
            state.calls[route] += 1
            state.requests.append(RecordedRequest(route, path, body or {}, headers))
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            self._answer(route, body, headers)
        finally:
            with state.lock:
                state.in_flight -= 1

    def _answer(self, route: Route, body: dict[str, Any] | None, headers: dict[str, str]) -> None:
        state = self.state
        if state.api_key is not None:
            given = (
                headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ").strip()
            )
            if given != state.api_key:
                self._error(route, 401, "invalid api key", "authentication_error")
                return
        if body is None:
            self._error(route, 400, "the request body is not a JSON object", "invalid_request_error")
            return
        fault = state.take_fault(route)  # on arrival, in arrival order, held or not
        while not state.open.wait(0.05) and not state.stopping.is_set():  # held: wait for release()
            pass
        if fault == "timeout":
            state.stopping.wait(state.timeout_delay)
        elif state.latency > 0:
            state.stopping.wait(state.latency)
        if fault == "429":
            self._error(
                route, 429, "rate limited (injected)", "rate_limit_error", wait=state.quirks.retry_after
            )
        elif fault == "503":
            self._error(route, 503, "overloaded (injected)", "api_error", wait=state.quirks.retry_after)
        elif fault == "html_502":  # a proxy in front of the model server answering for it
            page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
            self._send(
                502, None, content_type="text/html", raw=page + b"<hr>nginx" + b" " * 5000 + b"</body></html>"
            )
        elif fault == "reset":  # the connection dropped while the reply was being sent
            self._reset_mid_body()
        elif fault == "500":
            self._error(route, 500, "server error (injected)", "api_error")
        elif fault == "malformed":
            self._send(200, None, raw=b'{"this is": not JSON')
        elif fault == "deep_reply":
            self._send(200, _deep_reply(route, str(body.get("model", "fake-model"))))
        elif fault == "deep_body":
            self._send(200, None, raw=b'{"id": "deep", "nest": ' + b"[" * DEEP + b"]" * DEEP + b"}")
        elif fault == "error_in_200":  # OpenRouter's way with an upstream failure: HTTP 200, an error body
            self._send(200, {"error": {"message": "upstream provider overloaded (injected)", "code": 502}})
        elif route == "chat" and (word := _refused_keyword(state.quirks, body)) is not None:
            message = (
                f'Invalid JSON payload received. Unknown name "{word}" at '
                "'generation_config.response_schema': Cannot find field."
            )
            self._send(400, [{"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}])
        elif route == "images" and (
            name := next((n for n in state.quirks.refused_image_params if n in body), None)
        ):
            error = _openai_error(400, f"Unknown parameter: '{name}'.", "invalid_request_error")
            error["error"]["param"] = name
            self._send(400, error)
        elif route == "messages" and state.quirks.refuse_temperature and "temperature" in body:
            self._error(route, 400, "temperature is deprecated for this model.", "invalid_request_error")
        elif route == "chat" and (refusal := _refusal(state.quirks, body)) is not None:
            self._error(route, refusal[0], refusal[1], "invalid_request_error")
        else:
            handler = {"chat": self._chat, "images": self._images, "messages": self._messages}[route]
            reply = handler(body, mismatch=fault == "schema_mismatch")
            if route == "chat" and state.quirks.stream_only:
                self._send(200, None, content_type="text/event-stream", raw=_event_stream(reply))
            else:
                self._send(200, reply)

    def _error(self, route: Route, status: int, message: str, kind: str, *, wait: str | None = None) -> None:
        payload = (
            _anthropic_error(message, kind) if route == "messages" else _openai_error(status, message, kind)
        )
        if (
            route != "messages" and self.state.quirks.fastapi_errors
        ):  # llama-cpp-python's, vLLM's older bodies
            payload = {"detail": [{"loc": ["body"], "msg": message, "type": kind}]}
        self._send(status, payload, headers={"Retry-After": wait} if wait is not None else None)

    def _reset_mid_body(self) -> None:
        """Promise a body, send part of it, then reset the connection (RST, not a clean close)."""
        import socket

        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "4096")
            self.end_headers()
            self.wfile.write(b'{"id": "chatcmpl-fake", "choices": [{"index": 0, "message": {"content": "Fa')
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()

    def _admin(self, path: str, body: dict[str, Any]) -> None:
        state = self.state
        if path == "/_fake/faults":
            fault = str(body.get("fault"))
            route = body.get("route")
            if fault not in FAULTS or route not in (None, *ROUTES):
                self._send(400, {"error": f"fault must be one of {FAULTS}, route one of {ROUTES} or null"})
                return
            with state.lock:
                state.faults.append(_PendingFault(fault, int(body.get("count", 1)), route))
            self._send(200, {"ok": True})
        elif path == "/_fake/hold":
            if body.get("hold", True):
                state.open.clear()
            else:
                state.open.set()
            self._send(200, {"ok": True})
        elif path == "/_fake/latency":
            state.latency = float(body.get("latency", 0.0))
            self._send(200, {"ok": True})
        elif path == "/_fake/quirks":
            try:
                state.quirks = quirks_from(body)
            except (KeyError, TypeError) as exc:
                self._send(
                    400,
                    {"error": f"bad quirks ({exc}): give a profile ({', '.join(PROFILES)}) or Quirks fields"},
                )
                return
            self._send(200, {"ok": True})
        elif path == "/_fake/reset":
            _reset(state)
            self._send(200, {"ok": True})
        else:
            self._send(404, {"error": f"no admin route {path}"})

    # -- protocols
    def _chat(self, body: dict[str, Any], *, mismatch: bool) -> dict[str, Any]:
        quirks = self.state.quirks
        model = str(body.get("model", "fake-model"))
        messages = cast(list[Any], body.get("messages", []))
        all_text, last_user, media = _prompt_of(messages)
        schema = None if quirks.ignore_response_format else _chat_schema(body)
        tool = None if quirks.ignore_tools else _forced_tool(body)
        if schema is None and tool is None:
            schema = _described_schema(last_user)  # a model following the prompt's instructions
        # the server's context (a slot) cuts a reply whatever limit was sent, a higher one included
        bounds = [_token_limit(body, quirks.token_limit_params), quirks.context_tokens]
        limit = min((b for b in bounds if b is not None), default=None)
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        finish = "stop"
        if tool is not None:
            name, params = tool
            arguments = {"__fake__": "does not fit"} if mismatch else instance_from_schema(params)
            reply, cut = _cut(json.dumps(arguments), limit)
            given: object = json.loads(reply) if quirks.tool_arguments_object and not cut else reply
            message["tool_calls"] = [
                {"id": "call_fake_1", "type": "function", "function": {"name": name, "arguments": given}}
            ]
            finish = "length" if cut else "tool_calls"
        else:
            if schema is not None:
                full = json.dumps({"__fake__": "does not fit"} if mismatch else instance_from_schema(schema))
            else:
                full = _text_reply(model, last_user, media)
            reply, cut = _cut(full, limit)
            content = (
                f"<think>\nThe user wants an answer.\n</think>\n{reply}" if quirks.think_first else reply
            )
            message["content"] = (
                [
                    {"type": "thinking", "thinking": [{"type": "text", "text": "The user wants an answer."}]},
                    {"type": "text", "text": content},
                ]
                if quirks.content_parts
                else content
            )
            finish = "length" if cut else "stop"
            if quirks.chatter is not None and schema is not None and isinstance(message["content"], str):
                body_text = (
                    f"```json\n{message['content']}\n```"
                    if quirks.chatter == "fenced"
                    else message["content"]
                )
                message["content"] = f"Sure! Here is the answer:\n{body_text}\nI hope this helps {{you}}."
            if quirks.reasoning_only:  # the answer taken for thinking by the server's reasoning parser
                message["content"], message["reasoning_content"] = None, reply
            if quirks.think_past_limit:  # every token spent thinking, none left for the answer
                thought = "Let me think about this step by step. " * 400
                reply, _ = _cut(thought, limit or 64)
                message["content"], message["reasoning_content"], finish = None, reply, "length"
        prompt_tokens = tokens_of(all_text) + 85 * media
        completion_tokens = tokens_of(reply)
        completion: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        }
        if quirks.partial_usage:
            completion["usage"] = {"total_tokens": prompt_tokens + completion_tokens}
        elif not quirks.omit_usage:
            completion["usage"] = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0},
            }
        return completion

    def _images(self, body: dict[str, Any], *, mismatch: bool) -> dict[str, Any]:
        prompt = str(body.get("prompt", ""))
        count = max(1, int(body.get("n") or 1))
        data: list[dict[str, Any]] = []
        for index in range(count):
            png = _png(f"{body.get('model')}|{prompt}|{index}")
            if body.get("response_format") == "url":
                name = hashlib.sha256(png).hexdigest()[:16] + ".png"
                self.state.files[name] = png
                host, port = cast(tuple[str, int], self.server.server_address)[:2]
                data.append({"url": f"http://{host}:{port}/_fake/files/{name}", "revised_prompt": prompt})
            else:
                data.append({"b64_json": base64.b64encode(png).decode(), "revised_prompt": prompt})
        input_tokens = tokens_of(prompt)
        output_tokens = 100 * count
        reply: dict[str, Any] = {"created": int(time.time()), "data": data}
        if not self.state.quirks.omit_usage:
            reply["usage"] = {
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens,
                "input_tokens_details": {"text_tokens": input_tokens, "image_tokens": 0},
            }
        return reply

    def _messages(self, body: dict[str, Any], *, mismatch: bool) -> dict[str, Any]:
        model = str(body.get("model", "fake-model"))
        all_text, last_user, media = _prompt_of(cast(list[Any], body.get("messages", [])), body.get("system"))
        content: list[dict[str, Any]]
        tool_choice = body.get("tool_choice")
        tools = cast(list[dict[str, Any]], body.get("tools") or [])
        chosen = None
        if is_json_object(tool_choice) and tool_choice.get("type") in ("tool", "any") and tools:
            name = tool_choice.get("name")
            chosen = next((t for t in tools if t.get("name") == name), tools[0])
        limit = _token_limit(body, ("max_tokens",))
        described = _described_schema(last_user)
        if chosen is not None:
            arguments = (
                {"__fake__": "does not fit"}
                if mismatch
                else instance_from_schema(cast(dict[str, Any], chosen.get("input_schema", {})))
            )
            content = [
                {"type": "tool_use", "id": "toolu_fake_1", "name": chosen.get("name"), "input": arguments}
            ]
            reply, stop = json.dumps(arguments), "tool_use"
        else:
            if described is not None:
                full = json.dumps(
                    {"__fake__": "does not fit"} if mismatch else instance_from_schema(described)
                )
            else:
                full = _text_reply(model, last_user, media)
            reply, cut = _cut(full, limit)
            stop = "max_tokens" if cut else "end_turn"
            content = [{"type": "text", "text": reply}]
        if self.state.quirks.claude_refusal:  # Claude 4's safety stop: no content
            content, stop = [], "refusal"
        return {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {
                "input_tokens": tokens_of(all_text) + 85 * media,
                "output_tokens": tokens_of(reply),
                "cache_read_input_tokens": 0,
                "cache_creation_input_tokens": 0,
            },
        }


def _chat_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    response_format = body.get("response_format")
    if not isinstance(response_format, dict):
        return None
    response_format = cast(dict[str, Any], response_format)
    if response_format.get("type") == "json_schema":
        spec = cast(dict[str, Any], response_format.get("json_schema") or {})
        return cast(dict[str, Any], spec.get("schema") or {"type": "object"})
    if response_format.get("type") == "json_object":
        if isinstance(response_format.get("schema"), dict):  # llama.cpp / vLLM: the schema rides along
            return cast(dict[str, Any], response_format["schema"])
        messages = cast(list[Any], body.get("messages", []))
        return _described_schema(_prompt_of(messages)[1]) or {
            "type": "object",
            "properties": {"answer": {"type": "string"}},
        }
    return None


def _described_schema(prompt: str) -> dict[str, Any] | None:
    """The JSON schema a prompt describes (the JSON on the line after :data:`SCHEMA_MARKER`), if any."""
    _, marker, rest = prompt.rpartition(SCHEMA_MARKER)
    if not marker:
        return None
    line = rest.strip().splitlines()[0] if rest.strip() else ""
    try:
        schema = json.loads(line)
    except ValueError:
        return None
    return cast(dict[str, Any], schema) if isinstance(schema, dict) else None


def _refused_keyword(quirks: Quirks, body: dict[str, Any]) -> str | None:
    """The first schema keyword of the request (response format or tool parameters) this server refuses."""
    if not quirks.refused_schema_keywords:
        return None
    schemas: list[object] = []
    response_format = body.get("response_format")
    if isinstance(response_format, dict):
        spec = cast(dict[str, Any], response_format)
        schemas.append(spec.get("schema"))
        if isinstance(spec.get("json_schema"), dict):
            schemas.append(cast(dict[str, Any], spec["json_schema"]).get("schema"))
    for tool in cast(list[object], body.get("tools") or []):
        if isinstance(tool, dict):
            schemas.append(
                cast(dict[str, Any], cast(dict[str, Any], tool).get("function") or {}).get("parameters")
            )

    def find(node: object) -> str | None:
        if isinstance(node, list):
            return next((w for item in cast(list[object], node) if (w := find(item)) is not None), None)
        if not isinstance(node, dict):
            return None
        for key, value in cast(dict[str, Any], node).items():
            if key in quirks.refused_schema_keywords:
                return key
            values = (
                list(cast(dict[str, Any], value).values())
                if key == "properties" and isinstance(value, dict)
                else [value]
            )
            if (word := find(values)) is not None:
                return word
        return None

    return find(schemas)


def _refusal(quirks: Quirks, body: dict[str, Any]) -> tuple[int, str] | None:
    """The (status, message) a server with these quirks answers to this chat request, or None."""
    response_format = body.get("response_format")
    kind = cast(dict[str, Any], response_format).get("type") if isinstance(response_format, dict) else None
    if kind == "json_schema" and quirks.refuse_json_schema:
        # llama-cpp-python's server answers its request validation error as a 500, naming the field
        return 500, (
            "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
            "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}"
        )
    if kind == "json_object" and quirks.refuse_json_object:
        return 400, "'response_format.type' must be 'json_schema' or 'text'"
    if body.get("tools") and quirks.refuse_tools:
        return 400, "tool_choice and tools are not supported by this server"
    if quirks.refuse_web_search and "web_search_options" in body:
        return 400, 'Invalid JSON payload received. Unknown name "web_search_options": Cannot find field.'
    if quirks.refuse_temperature and "temperature" in body:  # OpenAI's words to its reasoning models
        return 400, (
            f"Unsupported value: 'temperature' does not support {body['temperature']} with this model. "
            "Only the default (1) value is supported."
        )
    limit = _token_limit(body, ("max_tokens", "max_completion_tokens"))
    if quirks.max_model_len is not None and limit is not None:
        prompt = tokens_of(_prompt_of(cast(list[Any], body.get("messages", [])))[0])
        if limit > quirks.max_model_len - prompt:  # vLLM's words
            return 400, (
                f"'max_tokens' or 'max_completion_tokens' is too large: {limit}. This model's maximum context "
                f"length is {quirks.max_model_len} tokens and your request has {prompt} input tokens "
                f"({limit} > {quirks.max_model_len} - {prompt})."
            )
    for name in quirks.refused_token_params:
        if (
            name in body
        ):  # OpenAI's words to a reasoning model's max_tokens; a strict server's to an unknown one
            if name == "max_tokens":
                return 400, (
                    "Unsupported parameter: 'max_tokens' is not supported with this model. "
                    "Use 'max_completion_tokens' instead."
                )
            return 422, f"1 validation error: ('body', '{name}'): Extra inputs are not permitted"
    return None


def _event_stream(completion: dict[str, Any]) -> bytes:
    """A chat completion as a stream of server-sent events: a chunk per word of its content, then the finish
    reason and the usage, then ``[DONE]`` (as a server that only streams sends it, asked or not)."""
    base = {"id": completion["id"], "object": "chat.completion.chunk", "created": completion["created"]}
    base["model"] = completion["model"]
    [choice] = completion["choices"]
    message = choice["message"]
    events: list[dict[str, Any]] = []
    content = message.get("content")
    words = content.split(" ") if isinstance(content, str) else []
    for index, word in enumerate(words):
        text = word if index == 0 else " " + word
        delta: dict[str, Any] = {"content": text} if index else {"role": "assistant", "content": text}
        events.append({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    for call in cast(list[dict[str, Any]], message.get("tool_calls") or []):
        delta = {
            "tool_calls": [{"index": 0, "id": call["id"], "type": "function", "function": call["function"]}]
        }
        events.append({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]})
    if "usage" in completion:
        events.append({**base, "choices": [], "usage": completion["usage"]})
    lines = [f"data: {json.dumps(event)}\n\n" for event in events]
    return ("".join(lines) + "data: [DONE]\n\n").encode()


def _token_limit(body: dict[str, Any], honoured: tuple[str, ...]) -> int | None:
    limits = [int(body[name]) for name in honoured if isinstance(body.get(name), int)]
    return min(limits) if limits else None


def _cut(text: str, limit: int | None) -> tuple[str, bool]:
    """``text`` cut at ``limit`` tokens (four characters each), and whether it was cut."""
    if limit is None or tokens_of(text) <= limit:
        return text, False
    return text[: limit * 4], True


def quirks_from(data: dict[str, Any]) -> Quirks:
    """Quirks from ``{"profile": name}`` or from :class:`Quirks` fields."""
    if "profile" in data:
        return PROFILES[str(data["profile"])]
    fields = dict(data)
    for name in (
        "token_limit_params",
        "refused_token_params",
        "refused_schema_keywords",
        "refused_image_params",
    ):
        if name in fields:
            fields[name] = tuple(fields[name])
    return Quirks(**fields)


def _forced_tool(body: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    choice = body.get("tool_choice")
    tools = cast(list[dict[str, Any]], body.get("tools") or [])
    if not tools or choice in (None, "none", "auto"):
        return None
    name = None
    if isinstance(choice, dict):
        name = cast(dict[str, Any], cast(dict[str, Any], choice).get("function") or {}).get("name")
    for tool in tools:
        function = cast(dict[str, Any], tool.get("function") or {})
        if name is None or function.get("name") == name:
            return str(function.get("name")), cast(dict[str, Any], function.get("parameters") or {})
    return None


def _reset(state: _State) -> None:
    with state.lock:
        state.calls = dict.fromkeys(ROUTES, 0)
        state.requests.clear()
        state.faults.clear()
        state.files.clear()
        state.max_in_flight = state.in_flight


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a batch opens many connections at once; the default backlog (5) drops them
    allow_reuse_address = True


class FakeProvider:
    """A fake OpenAI-compatible and Anthropic-compatible provider on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        timeout_delay: float = 10.0,
        api_key: str | None = None,
        profile: str = "openai",
        quirks: Quirks | None = None,
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}: use one of {', '.join(PROFILES)}")
        self._state = _State(
            latency=latency, timeout_delay=timeout_delay, api_key=api_key, quirks=quirks or PROFILES[profile]
        )
        handler = type("_BoundHandler", (_Handler,), {"state": self._state})
        self._server = _Server((host, port), handler)
        self._thread: threading.Thread | None = None
        self.api_key = api_key or FAKE_API_KEY

    # -- life cycle
    def start(self) -> FakeProvider:
        """Serve in a daemon thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fake-provider",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; hung (timeout-fault) requests are released."""
        self._state.stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def serve_forever(self) -> None:
        """The foreground variant of :meth:`start`: serve in this thread until interrupted, then release the port."""
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._state.stopping.set()
            self._server.server_close()

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses
    @property
    def port(self) -> int:
        """The TCP port served."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self._server.server_address[0]}:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI base URL (``OPENAI_BASE_URL``): ``http://127.0.0.1:PORT/v1``."""
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """The Anthropic base URL (``ANTHROPIC_BASE_URL``): ``http://127.0.0.1:PORT`` (the SDK adds ``/v1``)."""
        return self.url

    def env(self) -> dict[str, str]:
        """Environment variables pointing the OpenAI and Anthropic SDKs (and pipelex) at this fake."""
        return {
            "OPENAI_BASE_URL": self.base_url,
            "OPENAI_API_KEY": self.api_key,
            "ANTHROPIC_BASE_URL": self.anthropic_base_url,
            "ANTHROPIC_API_KEY": self.api_key,
        }

    # -- observing and steering
    @property
    def latency(self) -> float:
        """Seconds every model call waits before answering."""
        return self._state.latency

    @latency.setter
    def latency(self, value: float) -> None:
        self._state.latency = value

    @property
    def quirks(self) -> Quirks:
        """How this fake departs from OpenAI's behaviour (see :data:`PROFILES`)."""
        return self._state.quirks

    @quirks.setter
    def quirks(self, value: Quirks | str) -> None:
        self._state.quirks = PROFILES[value] if isinstance(value, str) else value

    @property
    def calls(self) -> dict[str, int]:
        """Model calls received so far, by route (a snapshot)."""
        with self._state.lock:
            return dict(self._state.calls)

    @property
    def total_calls(self) -> int:
        """Model calls received so far, over every route."""
        return sum(self.calls.values())

    @property
    def max_in_flight(self) -> int:
        """The most model calls that were being answered at the same time (since the start or the last reset)."""
        return self._state.max_in_flight

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every model call received so far (a snapshot)."""
        with self._state.lock:
            return list(self._state.requests)

    def inject(self, fault: Fault, *, count: int = 1, route: Route | None = None) -> None:
        """Make the next ``count`` model calls (on ``route``, or any) answer with ``fault``."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}: use one of {', '.join(FAULTS)}")
        if route not in (None, *ROUTES):
            raise ValueError(f"unknown route {route!r}: use one of {', '.join(ROUTES)} or None")
        with self._state.lock:
            self._state.faults.append(_PendingFault(fault, count, route))

    def hold(self) -> None:
        """Hold model calls: each one received from now on is counted, then waits until :meth:`release` (or
        until the fake stops) before it is answered as usual."""
        self._state.open.clear()

    def release(self) -> None:
        """Let the held model calls (and the next ones) be answered."""
        self._state.open.set()

    def reset(self) -> None:
        """Zero the counters; forget recorded requests, pending faults and files."""
        _reset(self._state)

    def iter_bodies(self, route: Route) -> Iterator[dict[str, Any]]:
        """The bodies of the calls received on ``route``."""
        return (r.body for r in self.requests if r.route == route)


def main(argv: list[str] | None = None) -> int:
    """``python -m pipelex.testing.fake_provider``: serve until killed; print the OpenAI base URL first."""
    parser = argparse.ArgumentParser(
        prog="python -m pipelex.testing.fake_provider", description="A fake AI provider on 127.0.0.1."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each model call waits")
    parser.add_argument("--timeout-delay", type=float, default=10.0, help="seconds a timeout fault hangs")
    parser.add_argument("--api-key", default=None, help="refuse requests without this key")
    parser.add_argument(
        "--profile",
        default="openai",
        choices=sorted(PROFILES),
        help="behave like this kind of server (default: openai)",
    )
    args = parser.parse_args(argv)
    fake = FakeProvider(
        host=args.host,
        port=args.port,
        latency=args.latency,
        timeout_delay=args.timeout_delay,
        api_key=args.api_key,
        profile=args.profile,
    )
    print(fake.base_url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        fake.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
