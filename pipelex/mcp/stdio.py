"""The stdio transport's input, one message a line, each line bounded in bytes.

The SDK's stdio transport reads a line as it comes, whole: a client (or whatever writes to the server's stdin)
sending 200 MB without a line break grew the server by as much, and without end for an endless one (the eighteenth
hostile pass). Here a line longer than the bound is read on to its end in chunks and dropped, and the transport
gets a short line in its place, which the SDK ignores as any line that is not JSON-RPC (a warning goes to stderr):
the session carries on, its memory bounded by the bound. The bound is ``[api] max_body_bytes``, an HTTP request
body's (5 MiB by default).

Like the SDK, the server reads the protocol from a private duplicate of file descriptor 0 and points descriptor 0
at the null device meanwhile, so a child or a function reading stdin reads EOF, not the wire.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Generator
from contextlib import contextmanager
from typing import BinaryIO

_CHUNK = 64 * 1024


class BoundedLines:
    """``async for line in ...``: the lines of ``raw`` as text, each of at most ``limit`` bytes (longer ones are
    dropped: a short invalid line comes in their place)."""

    def __init__(self, raw: BinaryIO, limit: int) -> None:  # noqa: D107
        self.raw = raw
        self.limit = limit
        self.dropped = 0

    def __aiter__(self) -> BoundedLines:
        return self

    async def __anext__(self) -> str:
        # read in a daemon thread of its own: one blocked on a stdin that never ends (the server interrupted while
        # its client keeps the pipe open) must not keep the process from exiting, as a worker thread does
        import asyncio
        import threading

        loop = asyncio.get_running_loop()
        answer: asyncio.Future[str | None] = loop.create_future()

        def settle(line: str | None, error: BaseException | None) -> None:
            if answer.done():
                return
            if error is not None:
                answer.set_exception(error)
            else:
                answer.set_result(line)

        def read() -> None:
            try:
                line, error = self.next_line(), None
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting coroutine
                line, error = None, exc
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits any more
                loop.call_soon_threadsafe(settle, line, error)

        threading.Thread(target=read, name="pipelex-mcp-stdin", daemon=True).start()
        line = await answer
        if line is None:
            raise StopAsyncIteration
        return line

    def next_line(self) -> str | None:
        """The next line (None at the end of the input); blocking."""
        data = self.raw.readline(self.limit + 1)
        if not data:
            return None
        if len(data) <= self.limit or data.endswith(b"\n"):
            return data.decode("utf-8", errors="replace")
        while True:  # past the bound: read on to the line's end, keeping nothing
            rest = self.raw.readline(_CHUNK)
            if not rest or rest.endswith(b"\n"):
                break
        self.dropped += 1
        logging.getLogger(__name__).warning(
            "dropped a message of more than %d bytes on stdin ([api] max_body_bytes): its request gets no answer",
            self.limit,
        )
        # not JSON-RPC: the transport ignores it as any such line
        return f"a message of more than {self.limit} bytes ([api] max_body_bytes) was dropped\n"


@contextmanager
def bounded_stdin(limit: int) -> Generator[BoundedLines, None, None]:
    """The process's stdin as :class:`BoundedLines`, read from a private descriptor (above 2, not inherited) while
    descriptor 0 points at the null device; descriptor 0 restored on exit.

    The private descriptor and its reader are never closed: a reader thread abandoned on cancellation may still be
    blocked in ``readline`` on them, and closing the reader would wait for its lock until a line or the end came
    (as the SDK's own stdio transport, which never closes its private descriptor either)."""
    import fcntl

    private = fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 3)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    raw = os.fdopen(private, "rb", closefd=False)
    try:
        yield BoundedLines(raw, limit)
    finally:
        os.dup2(private, 0)
