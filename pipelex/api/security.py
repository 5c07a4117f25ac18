"""The API's guards: the bearer API key, the request-body size limit, and the policy on file and URL inputs."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from pipelex.api.problems import PROBLEM_MEDIA_TYPE, problem
from pipelex.concepts.natives import DocumentContent, ImageContent, ListContent, StuffContent
from pipelex.errors import InputRefusedError
from pipelex.io.gate import shown
from pipelex.io.policy import (
    IOPolicy,
    ReferenceKind,
    Refusal,
    RefusalReason,
    literal_address,
    parse_http_url,
    reference_kind,
)
from pipelex.memory.stuff import Stuff
from pipelex.narrowing import is_dict, is_sequence

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


# ---------------------------------------------------------------------------------------------------- API key
def key_matches(given: str, expected: str) -> bool:
    """Compare a presented key with the configured one in constant time (no early exit on the first mismatch)."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def run_owner(api_key: str | None) -> str | None:
    """Who a server's runs belong to: a fingerprint of its key (an HMAC, so the key is not written anywhere), None
    for a server without one. On Temporal, where servers of several keys may share a namespace, a run is read and
    cancelled only through a server of the key that started it (the direct backend keeps its runs in the
    server's own memory: only its key reaches them)."""
    if api_key is None:
        return None
    return "key:" + hmac.new(b"pipelex run owner", api_key.encode(), hashlib.sha256).hexdigest()[:32]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive), else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


# ---------------------------------------------------------------------------------------------------- body size
# A refused body is read on and dropped, up to this many more bytes and for at most this long, before the 413 is
# sent and the connection closed: closing a socket whose receive buffer holds unread bytes makes the kernel send a
# reset, and a client still writing its body would see "connection reset" instead of the 413 (nginx's lingering
# close). Nothing of it is kept; a body declared larger than the limit plus this is refused at once.
DRAIN_BYTES = 1024 * 1024
DRAIN_SECONDS = 2.0


async def _drain(receive: Receive, budget: int) -> None:
    """Read and drop at most ``budget`` bytes of the rest of a request body, for at most ``DRAIN_SECONDS``."""

    async def read() -> None:
        left = budget
        while left > 0:
            message = await receive()
            if message["type"] != "http.request":
                return
            left -= len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    try:
        await asyncio.wait_for(read(), DRAIN_SECONDS)
    except TimeoutError:
        return


async def _drain_declared(receive: Receive, declared: int, limit: int) -> None:
    """The body of a request refused from its ``Content-Length``: read and dropped when it is at most
    ``DRAIN_BYTES`` past ``limit``; a larger one is not read at all."""
    if declared <= limit + DRAIN_BYTES:
        await _drain(receive, declared)


HOLD_SCOPE_KEY = "pipelex.held_bytes"


class HeldBytes:
    """What the server holds for requests, in bytes, against ``[api] max_held_body_bytes`` (one event loop: no
    lock). The request bodies are counted as they arrive (:class:`BodySizeLimit`); a route adds what it loads
    for its request (the blobs of a method tree sent by hash, an upload's bytes); a run started with
    ``/v1/start`` keeps its request's bytes until it ends. Anything past the budget is a 503 ``server-busy``,
    except while nothing else is held (a budget below ``max_body_bytes`` cannot lock the largest bodies out)."""

    def __init__(self, budget: int | None) -> None:
        self.budget = budget
        self.held = 0

    def would_pass(self, more: int, *, holding: int = 0) -> bool:
        """Whether ``more`` bytes for a holder already holding ``holding`` pass the budget (never when nothing
        else is held)."""
        if self.budget is None or self.held - holding <= 0:
            return False
        return self.held + more > self.budget

    def busy_detail(self) -> str:
        """Why a request is refused as busy."""
        return (
            f"the requests and started runs in progress already hold {self.held} bytes, the most this server "
            "takes at once ([api] max_held_body_bytes): retry shortly"
        )


class Hold:
    """The bytes one request holds in a :class:`HeldBytes`, released when the request ends, or, once
    :meth:`keep` handed them to a started run, when that run ends (:meth:`release`)."""

    def __init__(self, ledger: HeldBytes) -> None:
        self.ledger = ledger
        self.bytes = 0
        self.kept = False

    def add(self, count: int) -> None:
        """Count ``count`` more bytes (the caller checked the budget)."""
        self.bytes += count
        self.ledger.held += count

    def take(self, count: int, *, close: bool = False) -> None:
        """Count ``count`` more bytes, or raise a 503 ``server-busy`` (``Retry-After``) past the budget (``close``:
        the answer closes the connection, for a body left unread)."""
        from pipelex.api.problems import ApiProblem

        if self.ledger.would_pass(count, holding=self.bytes):
            headers = {"Retry-After": "1", **({"Connection": "close"} if close else {})}
            raise ApiProblem("server-busy", self.ledger.busy_detail(), headers=headers, retry_after=1)
        self.add(count)

    def keep(self) -> None:
        """Hand the bytes to whoever outlives the request (a started run): the request's end no longer releases
        them, :meth:`release` must."""
        self.kept = True

    def release(self) -> None:
        """Give the bytes back (once)."""
        self.ledger.held -= self.bytes
        self.bytes = 0


def request_hold(scope: Scope) -> Hold | None:
    """The hold :class:`BodySizeLimit` made for this request (None when the app runs without it)."""
    hold = scope.get(HOLD_SCOPE_KEY)
    return hold if isinstance(hold, Hold) else None


# the hold of the request being served, for code below the routes (a run's answer coming back from its worker);
# a run started with /v1/start inherits its request's hold (tasks copy the context)
_CURRENT_HOLD: ContextVar[Hold | None] = ContextVar("pipelex_current_hold", default=None)


def current_hold() -> Hold | None:
    """The hold of the request this code serves (None outside a request)."""
    return _CURRENT_HOLD.get()


class BodySizeLimit:
    """ASGI middleware refusing request bodies over ``max_body_bytes`` with a 413 problem document.

    A declared ``Content-Length`` over the limit is refused from the headers; a body without one (chunked) is
    read chunk by chunk and refused as soon as it passes the limit, so at most ``max_body_bytes`` are ever held
    in memory. The rest of a refused body is dropped as it is read (:func:`_drain`) before the answer. The body
    read here is replayed to the application.

    ``max_held_bytes`` bounds the bodies of all requests in progress together (each is held from its first byte
    until its answer is sent: parsed, then run; for ``/v1/start`` until its run ends): a request that would pass
    it is a 503 ``server-busy`` with ``Retry-After``, refused from its declared length or as its chunks arrive, so
    a thousand connections each sending a body under the limit cannot make the server hold a thousand of them.
    A request arriving while nothing is held always passes (a budget below ``max_body_bytes`` cannot lock the
    largest bodies out). The request's :class:`Hold` is in its scope (:func:`request_hold`) for the routes to
    count what they load for it.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        streamed_bodies: dict[str, int] | None = None,
        max_held_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_held_bytes = max_held_bytes
        self.ledger = HeldBytes(max_held_bytes)
        # "METHOD /path-prefix" -> its own limit, for routes that read their body themselves as a stream, after
        # checking who sends it (a blob upload: its signed link first, then at most the bytes the link names).
        # Only a declared Content-Length is checked here; the route bounds what it reads.
        self.streamed_bodies = dict(streamed_bodies or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        hold = Hold(self.ledger)
        scope[HOLD_SCOPE_KEY] = hold
        token = _CURRENT_HOLD.set(hold)
        try:
            await self._serve(scope, receive, send, hold)
        finally:
            _CURRENT_HOLD.reset(token)
            if not hold.kept:
                hold.release()

    @property
    def held(self) -> int:
        """Bytes held now for the requests and started runs in progress."""
        return self.ledger.held

    async def _serve(self, scope: Scope, receive: Receive, send: Send, hold: Hold) -> None:
        route = f"{scope.get('method', '')} {scope.get('path', '')}"
        limit = next((n for prefix, n in self.streamed_bodies.items() if route.startswith(prefix)), None)
        if limit is not None:
            declared = _header(scope, b"content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > limit):
                what = (
                    f"{declared} bytes declared"
                    if declared.isdigit()
                    else "a Content-Length that is no number"
                )
                if declared.isdigit():
                    await _drain_declared(receive, int(declared), limit)
                await _send_problem(
                    scope,
                    send,
                    "body-too-large",
                    f"the request body is limited to {limit} bytes ({what}) on this route ([api] max_blob_bytes)",
                    close=True,
                )
                return
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _send_problem(scope, send, "bad-request", "the Content-Length header is not a number")
                return
            if int(declared) > self.max_body_bytes:
                await _drain_declared(receive, int(declared), self.max_body_bytes)
                await self._too_large(scope, send, f"{int(declared)} bytes declared")
                return
            if self._would_pass_budget(int(declared)):
                await _drain_declared(receive, int(declared), 0)
                await self._busy(scope, send)
                return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body: bytes = message.get("body", b"")
            if self.ledger.would_pass(len(body), holding=hold.bytes):
                if message.get("more_body", False):
                    await _drain(receive, DRAIN_BYTES)
                await self._busy(scope, send)
                return
            total += len(body)
            hold.add(len(body))
            if total > self.max_body_bytes:
                if message.get("more_body", False):
                    await _drain(receive, DRAIN_BYTES)
                await self._too_large(scope, send, f"more than {self.max_body_bytes} bytes sent")
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, _held_until_read(send))

    def _would_pass_budget(self, more: int) -> bool:
        return self.ledger.would_pass(more)

    async def _busy(self, scope: Scope, send: Send) -> None:
        await _send_problem(
            scope,
            send,
            "server-busy",
            self.ledger.busy_detail(),
            close=True,
            extra_headers=[(b"retry-after", b"1")],
        )

    async def _too_large(self, scope: Scope, send: Send, what: str) -> None:
        await _send_problem(
            scope,
            send,
            "body-too-large",
            f"the request body is limited to {self.max_body_bytes} bytes ({what}): send smaller "
            "bundles or inputs (the server's operator sets the limit: [api] max_body_bytes)",
            close=True,
        )


LARGE_ANSWER_BYTES = 64 * 1024  # asyncio's default high-water mark of a transport's write buffer


def _held_until_read(send: Send) -> Send:
    """``send`` that returns from a large answer only once its client has read it. The answer is written whole,
    then its end is sent apart: uvicorn writes nothing more on a connection until its client has read what it was
    given (the transport's buffer back under its low-water mark), so the request, and its hold in
    ``max_held_body_bytes``, lasts until then. Handed on in one message, the answer went into the transport's
    buffer and the request ended at once, its hold released, while the bytes stayed in memory for as long as the
    client read nothing (40 unread 8 MB answers: 300 MB of the server's memory that no budget saw); the protocol
    aborts a connection whose client reads nothing for ``request_idle_seconds`` (:func:`pipelex.serving.protocol_class`)."""

    async def held(message: Message) -> None:
        if (
            message["type"] != "http.response.body"
            or message.get("more_body", False)
            or len(message.get("body", b"")) <= LARGE_ANSWER_BYTES
        ):
            await send(message)
            return
        await send({**message, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return held


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


async def _send_problem(
    scope: Scope,
    send: Send,
    kind: str,
    detail: str,
    *,
    close: bool = False,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    answer = problem(kind, detail, instance=str(scope.get("path", "")))
    document = answer.model_dump_json(exclude_none=True).encode()
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(document)).encode()),
    ]
    if close:  # the unread rest of the body must not be taken for the next request
        headers.append((b"connection", b"close"))
    headers.extend(extra_headers or [])
    await send(
        {
            "type": "http.response.start",
            "status": answer.status,
            "headers": headers,
        }
    )
    await send({"type": "http.response.body", "body": document})


# ---------------------------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class InputPolicy:
    """The early check of a request's inputs against the server's IO policy, before anything runs.

    ``data:`` URLs always pass; files of the server (paths, ``file://``, ``pipelex-storage://``) only with
    ``[api] allow_local_files``; http(s) URLs only with ``[api] allow_urls``, and never to an internal
    address unless allowed. The run itself reads every reference (these and those its pipes build)
    through the IO gate, which checks again at read time (:mod:`pipelex.io.gate`).
    """

    policy: IOPolicy

    def check(self, stuffs: dict[str, Stuff]) -> None:
        """Refuse (:class:`InputRefusedError`) any image or document of the inputs this policy does not allow."""
        for name, stuff in stuffs.items():
            for url in _urls(stuff.content):
                self.check_url(name, url)

    def check_url(self, name: str, url: str) -> None:
        """Refuse one URL of input ``name`` unless allowed."""
        kind = reference_kind(url)
        if kind is ReferenceKind.DATA:
            return
        if kind in (ReferenceKind.FILE, ReferenceKind.STORAGE):
            if not self.policy.allow_local_files:
                # the reference is not repeated: a path was made absolute against the server's working folder
                # (and a caller must learn nothing of the server's files, not even where it runs)
                raise InputRefusedError(
                    f"input {name!r} references a file on the server: this server does not read "
                    "its own files for API inputs; send the content inline as a data URL "
                    '({"url": "data:image/png;base64,..."})',
                    input_name=name,
                )
            return
        refusal = self.policy.refusal(url, named=True)  # an input's URL is one the caller named
        if refusal is None and kind is ReferenceKind.HTTP:
            refusal = _resolved_refusal(self.policy, url)
        if refusal is None:
            return
        match refusal.reason:
            case RefusalReason.SCHEME:
                scheme = urlsplit(url).scheme.lower()
                message = (
                    f"input {name!r}: {refusal.detail}"
                    if scheme == "data"
                    else f"input {name!r} uses the URL scheme {scheme!r}: only data: URLs (and http(s) "
                    "URLs when the server allows them) are accepted"
                )
            case RefusalReason.URL:
                message = (
                    f"input {name!r} references the URL {_short(url)}: this server does not fetch URLs for "
                    'API inputs; send the content inline as a data URL ({"url": "data:...;base64,..."})'
                )
            case RefusalReason.INTERNAL:
                message = (
                    f"input {name!r} references {_short(url)}, whose host is not a public address (an "
                    "internal address, or one that does not resolve): only public hosts may be fetched"
                )
            case (
                RefusalReason.MALFORMED
                | RefusalReason.LOCAL_FILE
                | RefusalReason.BUILT_URL
                | RefusalReason.PROVIDER_FILE
                | RefusalReason.SYSTEM_FILE
            ):
                message = f"input {name!r} references {_short(url)}: {refusal.detail}; {refusal.hint}"
        raise InputRefusedError(message, input_name=name)


def _resolved_refusal(policy: IOPolicy, url: str) -> Refusal | None:
    """The policy's verdict on every address the URL's host resolves to now (the gate checks again)."""
    target = parse_http_url(url)
    if isinstance(target, Refusal):
        return target
    if policy.allow_internal_urls or policy.is_trusted(target.origin):
        return None
    if literal_address(target.host) is not None:
        return None  # judged without a lookup by policy.refusal
    try:
        infos = socket.getaddrinfo(target.host, target.port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        infos = []
    if not infos:
        return Refusal(RefusalReason.INTERNAL, "its host is not a public address")
    for info in infos:
        try:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        except ValueError:
            return Refusal(RefusalReason.INTERNAL, "its host is not a public address")
        refusal = policy.address_refusal(target, address)
        if refusal is not None:
            return refusal
    return None


def _short(url: str) -> str:
    return shown(url)


def _urls(content: Any) -> list[str]:
    """Every image/document URL inside a content, however deeply nested."""
    found: list[str] = []
    stack: list[Any] = [content]
    while stack:
        item = stack.pop()
        if isinstance(item, ImageContent | DocumentContent):
            found.append(item.url)
        if isinstance(item, ListContent):
            stack.extend(item.items)
        elif isinstance(item, StuffContent | BaseModel):
            stack.extend(getattr(item, name) for name in type(item).model_fields)
        elif is_sequence(item):
            stack.extend(item)
        elif is_dict(item):
            stack.extend(item.values())
    return found
