"""Provider clients for a run: one SDK client per backend, shared by the run's calls and closed at its end.

:func:`provider_session` opens a session (the runner opens one around each live run); inside it, calls share
clients (and their connection pools) and a bound on calls in flight. A leaf called outside a session (for
example in a Temporal activity) opens and closes its own client around the call.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from pipelex.config.deck import Backend
from pipelex.config.run_settings import DEFAULT_MAX_REPLY_BYTES
from pipelex.inference.providers.base import Provider

_session: ContextVar[ProviderSession | None] = ContextVar("pipelex_provider_session", default=None)


class ProviderSession:
    """Clients keyed by backend, base URL and a digest of the key; a semaphore bounding calls in flight."""

    def __init__(self, max_concurrency: int) -> None:
        self._clients: dict[tuple[str, str, str | None, str, float, int], Any] = {}
        self.semaphore = asyncio.Semaphore(max_concurrency)

    def client(
        self, backend: Backend, api_key: str, base_url: str | None, timeout: float, max_reply_bytes: int
    ) -> Any:
        """The session's client for this backend and these bounds (made on first use)."""
        key = (
            backend.kind,
            backend.name,
            base_url,
            hashlib.sha256(api_key.encode()).hexdigest(),
            timeout,
            max_reply_bytes,
        )
        client = self._clients.get(key)
        if client is None:
            client = _make_client(backend, api_key, base_url, timeout, max_reply_bytes)
            self._clients[key] = client
        return client

    async def aclose(self) -> None:
        """Close every client."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()


def _make_client(
    backend: Backend, api_key: str, base_url: str | None, timeout: float, max_reply_bytes: int
) -> Any:
    if backend.kind == "anthropic":
        from pipelex.inference.providers.anthropic_messages import make_client

        return make_client(
            api_key=api_key, base_url=base_url, timeout=timeout, max_reply_bytes=max_reply_bytes
        )
    if backend.kind == "azure_openai":
        from pipelex.inference.providers.openai_compat import make_azure_client

        return make_azure_client(
            api_key=api_key,
            endpoint=base_url or "",
            api_version=backend.resolved_api_version(),
            timeout=timeout,
            max_reply_bytes=max_reply_bytes,
        )
    from pipelex.inference.providers.openai_compat import make_client as make_openai

    return make_openai(api_key=api_key, base_url=base_url, timeout=timeout, max_reply_bytes=max_reply_bytes)


def _wrap(backend: Backend, client: Any, max_tokens: int | None) -> Provider:
    if backend.kind == "anthropic":
        from pipelex.inference.providers.anthropic_messages import AnthropicProvider
        from pipelex.inference.providers.base import DEFAULT_MAX_TOKENS

        return AnthropicProvider(client, default_max_tokens=max_tokens or DEFAULT_MAX_TOKENS)
    from pipelex.inference.providers.openai_compat import OpenAIProvider

    return OpenAIProvider(client)


@asynccontextmanager
async def provider_session(*, max_concurrency: int = 64) -> AsyncGenerator[ProviderSession, None]:
    """Share clients between the calls made inside the block; close them at its end."""
    session = ProviderSession(max_concurrency)
    token = _session.set(session)
    try:
        yield session
    finally:
        _session.reset(token)
        await session.aclose()


@asynccontextmanager
async def open_provider(
    backend: Backend,
    *,
    api_key: str,
    base_url: str | None,
    timeout: float,
    max_tokens: int | None = None,
    max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
) -> AsyncGenerator[Provider, None]:
    """The provider adapter of ``backend``, on the session's client (or on a client of its own, closed after).

    Each call reads at most ``max_reply_bytes`` of reply (``[limits] max_reply_bytes``) and is over within
    ``timeout`` seconds, however slowly its bytes come (:mod:`pipelex.inference.providers.bounded_http`)."""
    session = _session.get()
    if session is not None:
        async with session.semaphore:
            yield _wrap(
                backend, session.client(backend, api_key, base_url, timeout, max_reply_bytes), max_tokens
            )
        return
    client = _make_client(backend, api_key, base_url, timeout, max_reply_bytes)
    try:
        yield _wrap(backend, client, max_tokens)
    finally:
        await client.close()
