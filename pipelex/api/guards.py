"""Guards in front of the runner API: the key before the body, deadlines on reading a request, slow clients cut.

- :class:`RequestGuard` (ASGI middleware, outermost): a request to a route that needs the key and does not
  carry it is answered 401 *before a byte of its body is read* (the connection is then closed, so the
  unread body is never parsed); on a server without a key, a request reaching it on a loopback address under
  another name (DNS rebinding: a web page calling it as its own origin) is a 403 the same way; a body that
  stalls longer than ``[limits] request_idle_seconds`` between two chunks, or takes longer than ``[limits]
  request_body_seconds`` in all, is cut with a 408 problem.
- :func:`uvicorn_config`: the server settings ``pipelex api serve`` uses: :func:`pipelex.serving.protocol_class`
  (a deadline on the request *headers*, ``[limits] request_header_seconds``: uvicorn itself waits forever for a
  request that never completes its headers; at most ``[limits] max_connections`` connections at once, a new one
  closing the oldest idle one; a client reading nothing of its answer cut), room for them in the process's limit
  of open files, keep-alive.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from pipelex.api.security import bearer_token, key_matches
from pipelex.logtext import uvicorn_log_config
from pipelex.serving import FILE_MARGIN, connection_settings

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
def uvicorn_config(
    app: Any, limits: LimitsConfig, *, host: str = "127.0.0.1", port: int = 8000, **options: Any
) -> uvicorn.Config:
    """The uvicorn settings of the runner API (``options`` pass through: log level, access log...)."""
    import uvicorn

    settings: dict[str, Any] = {
        **connection_settings(
            limits.max_connections,
            limits.request_header_seconds,
            limits.request_idle_seconds,
            # each worker process holds a few files of this one open (its pipe, its sentinel)
            margin=FILE_MARGIN + 4 * limits.run_workers,
        ),
        # keep-alive longer than clients' own idle expiry (httpx: 5 s), so the server never closes a connection
        # at the moment a client reuses it (a client then sees a read error on a request that was never served)
        "timeout_keep_alive": 65,
        "timeout_graceful_shutdown": 10,
        "h11_max_incomplete_event_size": 64 * 1024,  # request line and headers
        "log_config": uvicorn_log_config(),
    }
    settings.update(options)
    return uvicorn.Config(app, host=host, port=port, **settings)
