"""Guards in front of the runner API: the key before the body, deadlines on reading a request, slow clients cut.

- :class:`RequestGuard` (ASGI middleware, outermost): a request to a route that needs the key and does not
  carry it is answered 401 *before a byte of its body is read* (the connection is then closed, so the
  unread body is never parsed); on a server without a key, a request reaching it on a loopback address under
  another name (DNS rebinding: a web page calling it as its own origin) is a 403 the same way; a body that
  stalls longer than ``[limits] request_idle_seconds`` between two chunks, or takes longer than ``[limits]
  request_body_seconds`` in all, is cut with a 408 problem.
- :func:`protocol_class`: uvicorn's HTTP/1.1 protocol with a deadline on the request *headers*
  (``[limits] request_header_seconds``): uvicorn itself waits forever for a request that never completes
  its headers, so 500 half-open connections would stay open for good.
- :func:`uvicorn_config`: the server settings ``pipelex api serve`` uses (the protocol above, at most
  ``[limits] max_connections`` connections at once, keep-alive).
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from pipelex.api.security import bearer_token, key_matches
from pipelex.logtext import uvicorn_log_config

if TYPE_CHECKING:
    import uvicorn

    from pipelex.config.settings import LimitsConfig

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def routes_needing(app: Any) -> Callable[[Scope], bool]:
    """Whether a request goes to an operation of ``app`` that requires the key, as its OpenAPI document
    declares (``security``), read once at the first request.

    The routes say it themselves, so a public route (``/health``, ``/v1/version``, the signed blob upload)
    stays public and a new guarded route is guarded here too. A path no operation matches needs the key (a 401
    before its body is read rather than a 404 after): the API's own description (``/openapi.json``) and its
    pages (``/docs``, ``/redoc``) are for the key's holders, as every route but the public ones.
    """
    import re

    operations: list[tuple[re.Pattern[str], str, bool]] = []

    def load() -> None:
        for template, item in app.openapi().get("paths", {}).items():
            pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + r"\Z")
            for method, operation in item.items():
                operations.append((pattern, method.upper(), bool(operation.get("security"))))

    def required(scope: Scope) -> bool:
        if not operations:
            load()
        path, method = str(scope.get("path", "")), str(scope.get("method", "GET")).upper()
        matched = [
            (operation_method, guarded)
            for pattern, operation_method, guarded in operations
            if pattern.match(path)
        ]
        for operation_method, guarded in matched:
            if operation_method == method or (method == "HEAD" and operation_method == "GET"):
                return guarded
        # another method of a path every operation of which is public: its 405 is public too
        return not matched or any(guarded for _, guarded in matched)

    return required


class _BodyStalled(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class RequestGuard:
    """ASGI middleware: the API key checked from the headers alone, and deadlines on reading the body."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        api_key: str | None,
        key_required: Callable[[Scope], bool],
        idle_seconds: float,
        body_seconds: float,
    ) -> None:
        self.app = app
        self.api_key = api_key
        self.key_required = key_required
        self.idle_seconds = idle_seconds
        self.body_seconds = body_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.api_key is None and _rebound(scope):
            await _send_problem(
                scope,
                send,
                "forbidden",
                "this server has no API key and answers on a loopback address only requests naming it "
                "(Host: localhost, 127.0.0.1 or [::1]): a request naming another host reached it through a name "
                "resolving to a loopback address, as a web page rebinding its own name does. Call it as localhost, "
                "or give the server a key ([api] api_key_env) to serve it under another name (a reverse proxy)",
                code="auth.forbidden",
            )
            return
        if self.api_key is not None and self.key_required(scope):
            token = bearer_token(_header(scope, b"authorization"))
            if token is None or not key_matches(token, self.api_key):
                await _refuse(scope, send, sent=token is not None)
                return
        started = False
        body_done = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_seconds

        async def guarded_receive() -> Message:
            nonlocal body_done
            if body_done:  # after the body: waiting for a disconnect is not a stall
                return await receive()
            remaining = min(self.idle_seconds, deadline - loop.time())
            if remaining <= 0:
                raise _BodyStalled(
                    f"the request body took longer than {self.body_seconds:g} s to arrive "
                    "([limits] request_body_seconds): send it at once"
                )
            try:
                message = await asyncio.wait_for(receive(), timeout=remaining)
            except TimeoutError:
                raise _BodyStalled(
                    f"the request body stalled (nothing for {self.idle_seconds:g} s, [limits] request_idle_seconds) "
                    if remaining >= self.idle_seconds
                    else f"the request body took longer than {self.body_seconds:g} s to arrive ([limits] "
                    "request_body_seconds): send it at once"
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracked_send)
        except _BodyStalled as stalled:
            if not started:
                await _send_problem(scope, send, "request-timeout", stalled.detail)


def _rebound(scope: Scope) -> bool:
    """True when a request reached the server on a loopback address while its ``Host`` names something else.

    A web page the server's user opens can make its own name resolve to 127.0.0.1 (DNS rebinding) and then call
    the server as its own origin: the browser sends the page's name as ``Host`` and reads the answers, so on a
    server without a key any page could run bundles live with the operator's provider keys. A client on the machine
    names the address or ``localhost``; a request arriving on another address (the server listening on a network)
    is not judged here."""
    server = scope.get("server")
    if not server or not isinstance(server[0], str):
        return False
    try:
        if not _is_loopback(ipaddress.ip_address(server[0].split("%", 1)[0])):
            return False
    except ValueError:  # not an address (a Unix socket's path, a test client's name)
        return False
    host = _header(scope, b"host")
    if host is None:  # HTTP/1.0 without one: no browser sends it
        return False
    name, port = host.strip().lower(), ""
    if name.startswith("[") and "]" in name:  # [address]:port
        name, port = name[1:].split("]", 1)
        port = port[1:] if port.startswith(":") else port
    elif ":" in name:
        name, _, port = name.rpartition(":")
    if port and not port.isdigit():  # no browser sends it: anything after the name but a port is another name
        return True
    name = name.rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return False
    try:
        return not _is_loopback(ipaddress.ip_address(name))
    except ValueError:
        return True


def _is_loopback(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A loopback address, an IPv4 one mapped into IPv6 too (``::ffff:127.0.0.1``: a server listening on ``::``
    sees a connection to 127.0.0.1 so; Python 3.11 does not call it loopback)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def _refuse(scope: Scope, send: Send, *, sent: bool) -> None:
    """The 401 of the key dependency (``pipelex.api.app._require_api_key``), from the headers alone."""
    if sent:
        detail = "the API key sent does not match this server's key: send `Authorization: Bearer <key>` with its key"
        code = "auth.invalid_credential"
    else:
        detail = "this server requires its API key: send `Authorization: Bearer <key>`"
        code = "auth.missing_credential"
    await _send_problem(
        scope, send, "unauthorized", detail, code=code, extra=[(b"www-authenticate", b"Bearer")]
    )


async def _send_problem(
    scope: Scope,
    send: Send,
    kind: str,
    detail: str,
    *,
    code: str | None = None,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    from pipelex.api.problems import PROBLEM_MEDIA_TYPE, problem

    answer = problem(kind, detail, instance=str(scope.get("path", "")), code=code)
    document = answer.model_dump_json(exclude_none=True).encode()
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(document)).encode()),
        (b"connection", b"close"),  # the unread body must not be taken for the next request
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": document})


# ---------------------------------------------------------------------------------------------------- uvicorn
class _WriteStall:
    """Aborts a transport whose writing stays paused (its client reads nothing) for ``seconds`` (None: never)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.timer: asyncio.TimerHandle | None = None

    def paused(self, loop: asyncio.AbstractEventLoop, transport: asyncio.Transport) -> None:
        if self.timer is None and self.seconds is not None:
            # abort drops the unsent bytes; connection_lost follows (and wakes a send waiting for the client)
            self.timer = loop.call_later(self.seconds, transport.abort)

    def resumed(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


def protocol_class(
    header_seconds: float, max_connections: int | None = None, write_stall_seconds: float | None = None
) -> type:
    """uvicorn's h11 protocol, closing a connection whose request headers are not complete within
    ``header_seconds`` of the connection or of the first byte of the request (idling between requests is
    uvicorn's keep-alive timeout's business).

    With ``write_stall_seconds``, a connection whose client reads nothing of its answer for that long (the
    transport's buffer stays above its high-water mark: writing paused) is aborted, its unsent bytes dropped: a
    plain close would wait for the buffer to drain, for ever for a client that never reads, and the answer's bytes
    would stay in the server's memory with no budget counting them.

    With ``max_connections`` (uvicorn's ``limit_concurrency``), a new connection that brings the server to the
    limit closes the oldest connection that is not serving a request (half-open, or idle between requests):
    uvicorn answers 503 to any request while the connections reach the limit, so 1,000 idle or slowloris
    connections, renewed as the header deadline closes them, would otherwise keep ``/health`` and every
    request at 503 for as long as the attack lasts. Connections serving requests are never closed.
    """
    from uvicorn.protocols.http.h11_impl import H11Protocol

    # the server's connections in the order they opened (a dict: ordered, O(1) removal)
    opened: dict[H11Protocol, None] = {}

    class HeaderDeadlineProtocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            self._write_stall = _WriteStall(write_stall_seconds)
            super().connection_made(transport)
            opened[self] = None
            if max_connections is not None and len(self.connections) >= max_connections:
                self._make_room(len(self.connections) - max_connections + 1)
            self._arm()

        def _make_room(self, count: int) -> None:
            for other in list(opened):
                if count <= 0:
                    return
                if (
                    other is not self
                    and isinstance(other, HeaderDeadlineProtocol)
                    and other._waiting_for_headers()
                ):
                    other._disarm()
                    other.transport.close()
                    other.connection_lost(
                        None
                    )  # leaves server_state.connections now, not at the next loop turn
                    count -= 1

        def _waiting_for_headers(self) -> bool:
            # uvicorn declares ``cycle`` as always set, but it is None until a request's headers have arrived
            return self.cycle is None or self.cycle.response_complete  # pyright: ignore[reportUnnecessaryComparison]

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(header_seconds, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if self._waiting_for_headers() and not self.transport.is_closing():
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            waiting = self._waiting_for_headers()
            previous = self.cycle
            if waiting:
                self._arm()
            super().data_received(data)
            if waiting and self.cycle is not previous and self.cycle is not None:  # pyright: ignore[reportUnnecessaryComparison]
                self._disarm()  # a request's headers arrived: the body has its own deadlines (RequestGuard)

        def timeout_keep_alive_handler(self) -> None:
            self._disarm()
            super().timeout_keep_alive_handler()

        def pause_writing(self) -> None:
            super().pause_writing()
            self._write_stall.paused(self.loop, self.transport)

        def resume_writing(self) -> None:
            self._write_stall.resumed()
            super().resume_writing()

        def connection_lost(self, exc: Exception | None) -> None:
            self._write_stall.resumed()
            if opened.pop(self, 0) == 0:  # already counted out (closed by _make_room)
                return
            self._disarm()
            super().connection_lost(exc)

    return HeaderDeadlineProtocol


def uvicorn_config(
    app: Any, limits: LimitsConfig, *, host: str = "127.0.0.1", port: int = 8000, **options: Any
) -> uvicorn.Config:
    """The uvicorn settings of the runner API (``options`` pass through: log level, access log...)."""
    import uvicorn

    settings: dict[str, Any] = {
        "http": protocol_class(
            limits.request_header_seconds,
            limits.max_connections,
            write_stall_seconds=limits.request_idle_seconds,
        ),
        "limit_concurrency": limits.max_connections,
        # keep-alive longer than clients' own idle expiry (httpx: 5 s), so the server never closes a connection
        # at the moment a client reuses it (a client then sees a read error on a request that was never served)
        "timeout_keep_alive": 65,
        "timeout_graceful_shutdown": 10,
        "h11_max_incomplete_event_size": 64 * 1024,  # request line and headers
        "log_config": uvicorn_log_config(),
    }
    settings.update(options)
    return uvicorn.Config(app, host=host, port=port, **settings)
