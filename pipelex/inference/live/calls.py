"""Provider calls with retries: exponential backoff with jitter on 429, 5xx, timeouts and malformed replies, or
the wait the server asked for (``Retry-After``) when it asked one.

After the last attempt the error names the pipe, the provider (backend), the model and the last status.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pipelex.config.deck import Backend, CallPolicy, ModelHandle
from pipelex.errors import ProviderCallFailed
from pipelex.inference.providers.base import CLOSED_MID_REPLY, ProviderCallError, redact

logger = logging.getLogger("pipelex.inference")

T = TypeVar("T")


def backoff_delay(policy: CallPolicy, attempt: int, *, rng: random.Random | None = None) -> float:
    """The pause after failed attempt ``attempt`` (1-based): full jitter over an exponential ceiling."""
    ceiling = min(policy.backoff_max, policy.backoff_initial * (2 ** (attempt - 1)))
    return (rng or random).uniform(ceiling / 2, ceiling)


def provider_error(
    message: str,
    *,
    pipe_code: str,
    handle: ModelHandle | None,
    status: int | None,
    reason: str,
    retryable: bool = False,
    secrets: tuple[str | None, ...] = (),
) -> ProviderCallFailed:
    """A :class:`ProviderCallFailed` (keys redacted from the message)."""
    return ProviderCallFailed(
        redact(message, secrets),
        pipe_code=pipe_code,
        provider=handle.backend if handle else None,
        model=handle.handle if handle else None,
        status=status,
        reason=reason,
        retryable=retryable,
    )


async def call_with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    policy: CallPolicy,
    handle: ModelHandle,
    pipe_code: str,
    secrets: tuple[str | None, ...] = (),
    backend: Backend | None = None,
) -> T:
    """Run ``call``; retry retryable :class:`ProviderCallError` up to ``policy.max_attempts`` times.

    The final error names the pipe, backend, model and status, with a hint naming what to check (the base URL
    and the variable that sets it on a refused connection, the key variable on a 401/403, ...).
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call()
        except ProviderCallError as exc:
            # one line, whatever the server wrote (an error's message over lines, an error sent with HTTP 200)
            detail = " ".join(redact(str(exc), secrets).split())
            wait = exc.retry_after
            too_long = wait is not None and wait > policy.timeout
            if not exc.retryable or attempt >= policy.max_attempts or too_long:
                tries = f"after {attempt} attempt(s)" if exc.retryable else "(not retried)"
                asked = (
                    f"; the provider asks to wait {wait:.0f} s before another call (Retry-After), longer than "
                    f"a call's timeout ([models.calls] timeout = {policy.timeout:g} s): retry later"
                    if too_long
                    else _hint(exc, backend, handle)
                )
                raise provider_error(
                    f"pipe {pipe_code!r}: provider {handle.backend!r}, model {handle.handle!r} "
                    f"({handle.model_id}) failed {tries}: {detail}"
                    + (f" [status {exc.status}]" if exc.status else "")
                    + asked,
                    pipe_code=pipe_code,
                    handle=handle,
                    status=exc.status,
                    reason=exc.reason,
                    retryable=exc.retryable,
                    secrets=secrets,
                ) from None
            # the server's own wait, when it said one (Retry-After), else backoff with jitter
            delay = max(backoff_delay(policy, attempt), wait or 0.0)
            # info, not warning: a retried fault is not the user's business until it fails for good (one line then)
            logger.info(
                "pipe %r: %s/%s attempt %d failed (%s); retrying in %.2fs",
                pipe_code,
                handle.backend,
                handle.handle,
                attempt,
                detail[:200],
                delay,
            )
            await asyncio.sleep(delay)


def _base_url_text(backend: Backend) -> str:
    from pipelex.errors import MissingBaseUrlError

    try:
        url = backend.resolved_base_url()
    except MissingBaseUrlError:
        url = None
    return f"{url} (from {backend.base_url_source()})" if url else backend.base_url_source()


def _missing_v1(backend: Backend) -> str:
    """A note when a backend's base URL has a path its SDK does not expect: none at all on an OpenAI-compatible
    one (``http://localhost:11434``: vLLM, Ollama, llama.cpp and LM Studio serve under ``/v1``), the route pasted
    into it (``.../v1/chat/completions``: the SDK appends the route), or ``/v1`` on an Anthropic one (its SDK
    appends ``/v1/messages``)."""
    from urllib.parse import urlparse

    from pipelex.errors import MissingBaseUrlError

    try:
        url = backend.resolved_base_url()
    except MissingBaseUrlError:
        return ""
    if not url:
        return ""
    path = urlparse(url).path.rstrip("/")
    bare = url.rstrip("/")
    if backend.kind == "openai" and not path:
        return f" (the base URL has no path: OpenAI-compatible servers answer under /v1, e.g. {bare}/v1)"
    for route in ("/chat/completions", "/images/generations"):
        if backend.kind in ("openai", "azure_openai") and path.endswith(route):
            return f" (the base URL holds the route {route}, which the SDK appends itself: use {bare.removesuffix(route)})"
    if backend.kind == "anthropic" and (path.endswith("/v1") or path.endswith("/v1/messages")):
        trimmed = bare.removesuffix("/messages").removesuffix("/v1")
        return f" (the Anthropic SDK appends /v1/messages to the base URL itself: use {trimmed})"
    return ""


def _hint(exc: ProviderCallError, backend: Backend | None = None, handle: ModelHandle | None = None) -> str:
    match exc.reason:
        case "auth":
            if backend is not None and backend.api_key_env:
                return (
                    f"; the key was refused by {_base_url_text(backend)}: check {backend.api_key_env} (the key "
                    f"of backend {backend.name!r}) and that it belongs to that server"
                )
            if backend is not None and backend.kind != "internal":
                # a backend declared without a key (a local server's block) reaching a server started with
                # --api-key (llama-server, vLLM, llama-cpp-python): there is no variable to check, one is missing
                return (
                    f"; {_base_url_text(backend)} asks for a key and backend {backend.name!r} sends none (it has "
                    f'no api_key_env): a server started with --api-key needs `api_key_env = "VARIABLE"` under '
                    f"[models.backends.{backend.name}] in pipelex.toml, the key in that variable"
                )
            return "; the key was refused: check the key variable of this backend"
        case "not_found":
            if backend is not None and handle is not None:
                return (
                    f"; the endpoint or model id does not exist there: check the base URL {_base_url_text(backend)} "
                    f"and model_id {handle.model_id!r} of handle {handle.handle!r} in the deck"
                    + _missing_v1(backend)
                )
            return "; the endpoint or model id does not exist there: check base_url and model_id in the deck"
        case "connection" if str(exc).startswith(CLOSED_MID_REPLY):
            where = f" at {_base_url_text(backend)}" if backend is not None else ""
            return f"; the server{where} dropped the connection mid-reply: check its log (a crash, a proxy's limit)"
        case "connection":
            if backend is not None:
                return (
                    f"; nothing answered at {_base_url_text(backend)}: start the server or fix the URL "
                    f"(`pipelex show models` lists each backend's URL)"
                )
            return "; nothing answered: check the backend's base URL"
        case "length_limit":
            return ""
        case "rejected" if "web_search_options" in str(exc):
            return (
                "; this server or model does not search the web (it refuses web_search_options): give the pipe a "
                "search model, one of category search in `pipelex show models`"
            )
        case "server_error" if exc.status == 503:
            # llama-server answers 503 "Loading model" until its model is in memory (a large one takes minutes);
            # a gateway, a server starting or overloaded says the same
            return (
                "; the server is unavailable (still loading its model, starting or overloaded): retry once it is "
                "ready, or raise [models.calls] max_attempts and backoff_max to wait longer for it"
            )
        case "rate_limited":
            return "; the provider keeps rate-limiting: lower [runtime] max_concurrency or retry later"
        case "timeout":
            return "; raise [models.calls] timeout if the model is slow"
        case "schema_mismatch":
            return "; the model's reply does not fit the output concept: try a stronger model"
        case _:
            return ""
