"""The stdio transport's input, one message a line, each line bounded in bytes.

The SDK's stdio transport reads a line as it comes, whole: a client (or whatever writes to the server's stdin)
sending 200 MB without a line break grew the server by as much, and without end for an endless one (the eighteenth
hostile pass). Here a line longer than the bound is read on to its end in chunks and dropped, and the transport
gets a short line in its place, which the SDK ignores as any line that is not JSON-RPC (a warning goes to stderr):
the session carries on, its memory bounded by the bound. The bound is ``[api] max_body_bytes``, an HTTP request body's (5 MiB by default).

Like the SDK, the server reads the protocol from a private duplicate of file descriptor 0 and points descriptor 0
at the null device meanwhile, so a child or a function reading stdin reads EOF, not the wire.
"""

from __future__ import annotations

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
        import anyio.to_thread

        line = await anyio.to_thread.run_sync(self.next_line, abandon_on_cancel=True)
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
    """The process's stdin as :class:`BoundedLines`, read from a private descriptor while descriptor 0 points at
    the null device; both restored on exit."""
    private = os.dup(0)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    try:
        with os.fdopen(private, "rb", closefd=False) as raw:
            yield BoundedLines(raw, limit)
    finally:
        os.dup2(private, 0)
        os.close(private)
