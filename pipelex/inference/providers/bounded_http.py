"""The HTTP client the provider SDKs are given: every reply bounded in bytes and every call in time.

A model server is untrusted input too (an OpenAI-compatible URL the operator configured, a proxy in front of it).
The SDKs read a reply's body whole, and their timeout bounds each read, not the call: a body of gigabytes, one
with no end, a ``Content-Length`` that lies or a drip of a byte under the read timeout held a run's memory or
its time without bound. Here each call (its redirects too) may read at most ``max_reply_bytes`` of reply, raw
and decoded (a compressed reply is inflated here, a bounded piece at a time), success and error bodies alike,
and must be over within ``deadline`` seconds from its start, whatever pace the bytes come at. Past the bytes the
call fails with :class:`ReplyTooLarge` (the adapters make it a non-retryable ``ProviderCallError`` naming
``[limits] max_reply_bytes``); past the deadline with the SDK's timeout error (retryable, as a timeout is).

The client is the SDK's own default one (its connection limits, keep-alive and proxies from the environment),
with the transport of each request wrapped: connection pooling and the SDKs' timeouts work as before.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar, cast

import httpx2

ClientT = TypeVar("ClientT", bound=httpx2.AsyncClient)

_PIECE = 64 * 1024  # an inflated reply is produced at most this many bytes at a time
_DECODED = ("gzip", "deflate")  # the encodings asked for (Accept-Encoding) and inflated here


class ReplyTooLarge(Exception):
    """A provider's reply passed the run's ``[limits] max_reply_bytes``."""

    def __init__(self, limit: int, status: int | None) -> None:
        status_text = f" (HTTP {status})" if status is not None else ""
        super().__init__(
            f"the provider's reply{status_text} passed {limit / 1024**2:g} MB ([limits] max_reply_bytes = {limit}): "
            "a server or proxy answering without end, or a reply far larger than any model's; it was not read further"
        )
        self.limit = limit
        self.status = status


class _Budget:
    """One call's bounds: bytes read (raw and decoded, over all its hops) and the instant it must be over by."""

    def __init__(self, max_bytes: int, deadline: float) -> None:
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.ends_at = time.monotonic() + deadline
        self.raw = 0
        self.decoded = 0

    def remaining(self) -> float:
        return max(self.ends_at - time.monotonic(), 0.0)

    def timed_out(self, request: httpx2.Request) -> httpx2.ReadTimeout:
        return httpx2.ReadTimeout(
            f"the reply was not over within the call's {self.deadline:g} s ([models.calls] timeout)",
            request=request,
        )


_current: ContextVar[_Budget | None] = ContextVar("pipelex_reply_budget", default=None)


def bounded_client(base: type[ClientT], *, max_reply_bytes: int, deadline: float, **kwargs: Any) -> ClientT:
    """An instance of ``base`` (an SDK's ``DefaultAsyncHttpxClient``, made with ``kwargs``) whose calls read at
    most ``max_reply_bytes`` of reply and end within ``deadline`` seconds."""
    headers = dict(kwargs.pop("headers", None) or {})
    headers.setdefault("Accept-Encoding", ", ".join(_DECODED))  # never an encoding not inflated here

    class BoundedClient(base):
        async def send(self, request: httpx2.Request, **options: Any) -> httpx2.Response:
            token = _current.set(_Budget(max_reply_bytes, deadline))
            try:
                return await super().send(request, **options)
            finally:
                _current.reset(token)

        def _transport_for_url(self, url: httpx2.URL) -> httpx2.AsyncBaseTransport:
            transport = super()._transport_for_url(url)
            budget = _current.get()
            return transport if budget is None else _BoundedTransport(transport, budget)

    return cast(ClientT, BoundedClient(headers=headers, **kwargs))


class _BoundedTransport(httpx2.AsyncBaseTransport):
    """A pooled transport (not owned: never closed here) whose reply is bounded by one call's budget."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, budget: _Budget) -> None:
        self._inner = inner
        self._budget = budget

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        budget = self._budget
        try:
            async with asyncio.timeout(budget.remaining()):
                response = await self._inner.handle_async_request(request)
        except TimeoutError:
            raise budget.timed_out(request) from None
        declared = response.headers.get("content-length", "")
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if declared.strip().isdigit() and budget.raw + int(declared) > budget.max_bytes:
            await response.aclose()  # refused before a byte of the body is read
            raise ReplyTooLarge(budget.max_bytes, response.status_code)
        headers = [
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower() not in ("content-encoding", "content-length")
        ]
        stream = response.stream
        assert isinstance(stream, httpx2.AsyncByteStream)  # an async transport's
        return httpx2.Response(
            response.status_code,
            headers=headers,
            stream=_BoundedStream(stream, budget, request, response.status_code, encoding),
            extensions=response.extensions,
        )


class _BoundedStream(httpx2.AsyncByteStream):
    """A reply body read within the budget: each chunk awaited no later than the deadline, raw bytes and
    inflated bytes counted (``gzip``/``deflate`` inflated here, in bounded pieces; any other encoding passed as
    it came, which the SDK then fails to read as JSON)."""

    def __init__(
        self,
        inner: httpx2.AsyncByteStream,
        budget: _Budget,
        request: httpx2.Request,
        status: int,
        encoding: str,
    ) -> None:
        self._inner = inner
        self._budget = budget
        self._request = request
        self._status = status
        self._encoding = encoding

    async def __aiter__(self) -> AsyncIterator[bytes]:
        budget = self._budget
        inflater: Any = None
        chunks = self._inner.__aiter__()
        while True:
            try:
                async with asyncio.timeout(budget.remaining()):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                break
            except TimeoutError:
                raise budget.timed_out(self._request) from None
            budget.raw += len(chunk)
            if budget.raw > budget.max_bytes:
                raise ReplyTooLarge(budget.max_bytes, self._status)
            if self._encoding not in _DECODED:
                yield self._count(chunk)
                continue
            if inflater is None:
                inflater = _inflater(self._encoding, chunk)
            for piece in _inflate(inflater, chunk):
                yield self._count(piece)

    def _count(self, piece: bytes) -> bytes:
        self._budget.decoded += len(piece)
        if self._budget.decoded > self._budget.max_bytes:
            raise ReplyTooLarge(self._budget.max_bytes, self._status)
        return piece

    async def aclose(self) -> None:
        await self._inner.aclose()


def _inflater(encoding: str, first: bytes) -> Any:
    """A zlib stream for ``encoding``: gzip; deflate as zlib data or, from servers that send it so, raw."""
    if encoding == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    is_zlib = len(first) >= 2 and (first[0] & 0x0F) == 8 and ((first[0] << 8) | first[1]) % 31 == 0
    return zlib.decompressobj(zlib.MAX_WBITS if is_zlib else -zlib.MAX_WBITS)


def _inflate(inflater: Any, data: bytes) -> Iterator[bytes]:
    """The bytes ``data`` inflates to, at most :data:`_PIECE` at a time (a bomb is counted piece by piece, each
    counted before the next is made)."""
    while data and not inflater.eof:
        try:
            piece = inflater.decompress(data, _PIECE)
        except zlib.error as exc:
            raise httpx2.DecodingError(f"the reply's compressed body is corrupt ({exc})") from None
        if piece:
            yield piece
        data = inflater.unconsumed_tail
