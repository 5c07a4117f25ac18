"""The connections of the HTTP servers pipelex starts with uvicorn (``pipelex api serve``, ``pipelex mcp serve
--http``): deadlines on request headers, a bound on connections that a flood of idle ones cannot fill, clients that
read nothing of their answer cut, and room for the connections in the process's limit of open files.

Both servers take these from ``[limits]`` (``request_header_seconds``, ``max_connections``, ``request_idle_seconds``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

logger = logging.getLogger("pipelex.serving")

FILE_MARGIN = 128
"""Open files a server needs besides its connections (its listening socket, event loop, log files, storage)."""

BACKLOG = 2048
"""uvicorn's: connections the kernel queues before they are accepted, and how many asyncio accepts in one go."""

ACCEPT_BURSTS = 3
"""Accept bursts whose sockets can be open at once: asyncio accepts up to the backlog each time the listening socket
is ready, and makes their transports in tasks of the next loop iteration, where the bound closes the connections
past it (their sockets closed an iteration later still), while the next burst may already be accepted: a flood
held 784 connections and two bursts of 112 under 1,024 files and hit the limit now and then (a test on a busy
machine)."""


def connection_room(connections: int, *, margin: int = FILE_MARGIN) -> tuple[int, int]:
    """How many connections this process can serve at once (up to ``connections``) and its listening backlog, within
    its limit of open files: the soft limit is raised (up to the hard limit) to hold them, the backlog and
    ``margin`` more; when the hard limit is lower, both are what fits (with a warning).

    uvicorn keeps its connections under ``limit_concurrency`` (``[limits] max_connections``, 1,000), but a process's
    soft limit is often 1,024 files (systemd's default): 1,000 idle connections from anyone who can reach the server
    (any local process, for the MCP server, without its token) then made every ``accept`` fail (``Too many open
    files``), so clients waited 9 s or timed out (seventeenth hostile pass). asyncio accepts up to the backlog in one
    go before a connection is served (or an idle one closed to make room): the backlog must fit too, a few times over
    (:data:`ACCEPT_BURSTS`), or each accept
    past the limit is logged with its traceback, up to 2,048 times a burst."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + ACCEPT_BURSTS * BACKLOG + margin
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):  # pragma: no cover - refused by the system: keep what we have
            pass
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return connections, BACKLOG
    available = max(4, soft - margin)
    backlog = max(1, available // 16)
    fitting = max(1, min(connections, available - ACCEPT_BURSTS * backlog))
    logger.warning(
        "this process may open %d files (its hard limit, `ulimit -Hn`): it serves %d connections at once, not the "
        "%d of [limits] max_connections; raise the limit to serve them all",
        soft,
        fitting,
        connections,
    )
    return fitting, backlog


def connection_settings(
    max_connections: int, header_seconds: float, idle_seconds: float, *, margin: int = FILE_MARGIN
) -> dict[str, Any]:
    """uvicorn's connection settings of both servers, from ``[limits]`` (``max_connections``,
    ``request_header_seconds``, ``request_idle_seconds``): the protocol of :func:`protocol_class`, the connections
    and backlog :func:`connection_room` finds room for (``margin``: the open files the server needs besides)."""
    connections, backlog = connection_room(max_connections, margin=margin)
    return {
        "http": protocol_class(header_seconds, connections, write_stall_seconds=idle_seconds),
        "limit_concurrency": connections,
        "backlog": backlog,
    }


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
