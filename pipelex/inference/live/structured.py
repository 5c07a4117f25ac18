"""Structured output on the servers people run: the mode each backend is asked in, the fallback when a
server refuses a mode, and the schema described in the prompt.

A backend lists its modes in order (:meth:`~pipelex.config.deck.Backend.structured_modes`). A call uses the
first one this process has not seen refused. When the server refuses the mode itself (a 400/422/500/501
naming ``response_format``, ``json_schema``, ``tools``, ...), the call moves on to the next mode at once,
without spending an attempt of the retry budget, and the process remembers it for that backend and base
URL: later calls start there. ``prompt`` mode constrains nothing on the server: it always works when the
model follows instructions, and the reply is validated like any other.

The token limit's field is learned the same way: a server refusing the field a call carried (``max_tokens``
or ``max_completion_tokens``, :func:`~pipelex.inference.providers.base.refuses_token_field`) gets the call
again at once with the other one, and the process remembers it for that backend and base URL. So is an
optional setting a model refuses (``temperature`` on OpenAI's reasoning models, ``reasoning_effort`` on models
that do not reason): the call goes again without it, remembered for that backend, base URL and model, and the
leaf gets a warning saying the setting was not applied. A server refusing a JSON-schema keyword
(``additionalProperties``, ``$ref``, ...: Gemini's OpenAI-compatible endpoint) gets the same mode again with a
plain schema (:func:`plain_schema`), remembered for that backend and base URL.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, cast

from pipelex.config.deck import OPENAI_URL, Backend, StructuredMode, TokenLimitParam
from pipelex.inference.providers.base import DEFAULT_MAX_TOKENS, other_token_field

logger = logging.getLogger("pipelex.inference")

SCHEMA_MARKER = "JSON schema of the answer:"
"""The line before the schema when it is described in the prompt (the fake provider reads what follows)."""


@dataclass
class _Learned:
    """What this process learned a server (a backend at a base URL) refuses, and what it sends instead."""

    mode: StructuredMode | None = None
    """The structured mode calls start in (None: the backend's first)."""
    token_field: TokenLimitParam | None = None
    """The field the token limit goes in (None: the backend's)."""
    plain_schema: bool = False
    """Whether schemas go plain (:func:`plain_schema`)."""
    dropped: dict[str, set[str]] = field(default_factory=lambda: {})
    """Model id -> the optional settings that model refused."""
    no_default_limit: bool = False
    """Whether calls naming no token limit go without the default one (the server found it too large)."""


_servers: dict[tuple[str, str], _Learned] = {}
_lock = threading.Lock()


def _learned(backend: Backend, base_url: str | None) -> _Learned:
    """The memory of one server; the caller holds ``_lock``."""
    key = (backend.name, base_url or "")
    found = _servers.get(key)
    if found is None:
        found = _servers[key] = _Learned()
    return found


def mode_for(backend: Backend, base_url: str | None) -> StructuredMode:
    """The mode the next structured call to ``backend`` is asked in."""
    modes = backend.structured_modes()
    with _lock:
        learned = _learned(backend, base_url).mode
    return learned if learned in modes else modes[0]


def fall_back(
    backend: Backend, base_url: str | None, refused: StructuredMode, detail: str
) -> StructuredMode | None:
    """The mode after ``refused`` (remembered for the process), or None when none is left.

    When another call already moved this backend past ``refused``, its choice is returned as it is.
    """
    modes = backend.structured_modes()
    with _lock:
        server = _learned(backend, base_url)
        current = server.mode or modes[0]
        if current != refused:
            return current
        position = modes.index(refused) if refused in modes else len(modes)
        if position + 1 >= len(modes):
            return None
        following = modes[position + 1]
        server.mode = following
    logger.info(
        "backend %r (%s) refuses structured output as %s (%s): using %s from now on in this process",
        backend.name,
        base_url,
        refused,
        detail[:160],
        following,
    )
    return following


def token_field_for(backend: Backend, base_url: str | None) -> TokenLimitParam:
    """The field the next call to ``backend`` carries its token limit in."""
    with _lock:
        learned = _learned(backend, base_url).token_field
    return learned or backend.token_limit_field()


def switch_token_field(
    backend: Backend, base_url: str | None, refused: TokenLimitParam, detail: str
) -> TokenLimitParam | None:
    """The other token-limit field (remembered for the process), or None when this process already moved
    this backend away from the other one (both refused: the error stands)."""
    other = other_token_field(refused)
    with _lock:
        server = _learned(backend, base_url)
        if server.token_field == other:
            return other  # another call moved it already
        if server.token_field == refused:
            return None  # learned once already, refused again: the server takes neither
        server.token_field = other
    logger.info(
        "backend %r (%s) refuses the token limit as %s (%s): sending %s from now on in this process",
        backend.name,
        base_url,
        refused,
        detail[:160],
        other,
    )
    return other


_PLAIN_DROPPED = frozenset(
    ("$defs", "definitions", "$schema", "additionalProperties", "propertyNames", "title", "default")
)
_PLAIN_DEPTH = 12
"""How deep references are inlined: a concept that refers to itself (directly or not) stops there as an object."""


def plain_schema_for(backend: Backend, base_url: str | None) -> bool:
    """True when this process learned that ``backend`` refuses schema keywords (it gets :func:`plain_schema`)."""
    with _lock:
        return _learned(backend, base_url).plain_schema


def learn_plain_schema(backend: Backend, base_url: str | None, detail: str) -> bool:
    """Remember for the process that ``backend`` takes plain schemas only; False when it was known already."""
    with _lock:
        server = _learned(backend, base_url)
        if server.plain_schema:
            return False
        server.plain_schema = True
    logger.info(
        "backend %r (%s) refuses a JSON-schema keyword (%s): sending plain schemas from now on in this process",
        backend.name,
        base_url,
        detail[:160],
    )
    return True


def plain_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` for servers that know only a subset of JSON schema (Gemini's OpenAI-compatible endpoint):
    local ``$ref`` inlined from ``$defs``, and ``$defs``, ``$schema``, ``additionalProperties``,
    ``propertyNames``, ``title`` and ``default`` left out. What the reply must be is unchanged (it is validated
    against the concept either way); only what the server is told to enforce is looser."""
    found: object = schema.get("$defs") or schema.get("definitions")
    definitions = cast(dict[str, object], found) if isinstance(found, dict) else {}

    def walk(node: object, seen: tuple[str, ...]) -> object:
        if isinstance(node, list):
            return [walk(item, seen) for item in cast(list[object], node)]
        if not isinstance(node, dict):
            return node
        node = cast(dict[str, Any], node)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(("#/$defs/", "#/definitions/")):
            name = ref.rsplit("/", 1)[1]
            target = definitions.get(name)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if not isinstance(target, dict) or name in seen or len(seen) >= _PLAIN_DEPTH:
                return walk({"type": "object", **siblings}, seen)
            return walk({**cast(dict[str, Any], target), **siblings}, (*seen, name))
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _PLAIN_DROPPED:
                continue
            if key == "properties" and isinstance(value, dict):  # property names are kept, whatever they are
                out[key] = {name: walk(sub, seen) for name, sub in cast(dict[str, Any], value).items()}
            else:
                out[key] = walk(value, seen)
        return out

    return cast(dict[str, Any], walk(schema, ()))


def dropped_settings(backend: Backend, base_url: str | None, model_id: str) -> frozenset[str]:
    """The optional settings (``temperature``, ``reasoning_effort``) this model refused in this process."""
    with _lock:
        return frozenset(_learned(backend, base_url).dropped.get(model_id, ()))


def drop_setting(backend: Backend, base_url: str | None, model_id: str, name: str, detail: str) -> None:
    """Remember for the process that this model refuses the setting ``name``: later calls go without it."""
    with _lock:
        names = _learned(backend, base_url).dropped.setdefault(model_id, set())
        if name in names:
            return
        names.add(name)
    logger.info(
        "backend %r (%s), model %s refuses %s (%s): sending it without from now on in this process",
        backend.name,
        base_url,
        model_id,
        name,
        detail[:160],
    )


def default_token_limit(backend: Backend, base_url: str | None) -> int | None:
    """The token limit a call to ``backend`` carries when the pipe, its preset and the model's handle set none.

    Anthropic's messages API requires one: :data:`~pipelex.inference.providers.base.DEFAULT_MAX_TOKENS`.
    OpenAI's host, Azure and the default deck's other hosted APIs at their own host (Gemini, Mistral) default
    to the model's own maximum output, as the reference's deck leaves their models' ``max_tokens`` unset: none
    is sent. Every other OpenAI-compatible server (llama.cpp, vLLM, Ollama, LM Studio, a gateway, a hosted API
    declared in pipelex.toml) gets the default too: their own default is no limit but the context window, so a
    model repeating itself writes until the call's timeout. A server that found the default too large for its
    context (vLLM: a 400) is sent none from then on in this process.
    """
    if backend.kind == "anthropic":
        return DEFAULT_MAX_TOKENS
    if backend.kind != "openai" or backend.is_official_host() or (base_url or "").rstrip("/") == OPENAI_URL:
        return None
    with _lock:
        if _learned(backend, base_url).no_default_limit:
            return None
    return DEFAULT_MAX_TOKENS


def drop_default_limit(backend: Backend, base_url: str | None, detail: str) -> None:
    """Remember for the process that this server finds the default token limit too large: calls naming no limit
    go without one."""
    with _lock:
        server = _learned(backend, base_url)
        if server.no_default_limit:
            return
        server.no_default_limit = True
    logger.info(
        "backend %r (%s) refuses the default token limit as too large (%s): calls that set none go without "
        "one from now on in this process",
        backend.name,
        base_url,
        detail[:160],
    )


def forget_learned_modes() -> None:
    """Forget every fallback learned in this process, modes, token fields and refused settings (tests; a server
    upgraded)."""
    with _lock:
        _servers.clear()


def learned_modes() -> dict[tuple[str, str], StructuredMode]:
    """The modes this process moved to, by (backend, base URL)."""
    with _lock:
        return {key: server.mode for key, server in _servers.items() if server.mode is not None}


def describe_schema(schema: dict[str, Any]) -> str:
    """The instruction that asks for JSON fitting ``schema``, with the schema itself on the line after the marker."""
    return (
        "Answer with only a JSON value that fits the JSON schema below: no prose before or after it, no code "
        f"fence, no comment.\n{SCHEMA_MARKER}\n{json.dumps(schema, ensure_ascii=False, separators=(',', ':'))}"
    )


def prompt_for(prompt: str, schema: dict[str, Any] | None, mode: StructuredMode | None) -> str:
    """The prompt sent in ``mode``: the schema is described in it for ``json_object`` and ``prompt``."""
    if schema is None or mode not in ("json_object", "prompt"):
        return prompt
    return f"{prompt}\n\n{describe_schema(schema)}"


def repair_prompt(prompt: str, schema: dict[str, Any], problem: str, previous: str) -> str:
    """The prompt of the one retry after a reply that did not fit: the problem, the reply, the schema."""
    shown = previous if len(previous) <= 2000 else previous[:2000] + " [...]"
    return (
        f"{prompt}\n\nA previous answer to this request was refused: {problem}\nThe refused answer was:\n"
        f"{shown}\n\nAnswer again, fixing this. {describe_schema(schema)}"
    )
