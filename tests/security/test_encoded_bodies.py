"""A fetched body's ``Content-Encoding`` is decoded within the read's bound (the thirteenth hostile pass).

httpx's own decoders inflate a whole network chunk in one call, and stack every encoding a server lists: a 2 KB body
sent as ``Content-Encoding: gzip, gzip`` made 1 GB in one call (a CLI run fetching a URL its user named, from a
hostile host, took 2 GB of memory before the size check; three layers ask for a terabyte). The gate reads the raw
bytes and decodes them a stage at a time, each stage bounded by what the read may still return.
"""

from __future__ import annotations

import asyncio
import gzip
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipelex.errors import ReadFailedError
from pipelex.io.gate import read_reference
from pipelex.io.policy import IOPolicy


@contextmanager
def encoded_server(body: bytes, encoding: str, seen: list[str]) -> Iterator[str]:
    """A loopback server answering ``body`` with ``Content-Encoding: encoding``; records the Accept-Encoding."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
            seen.append(self.headers.get("Accept-Encoding", ""))
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the http.server signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="encoded")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def fetch(body: bytes, encoding: str, max_read_bytes: int = 50 * 2**20) -> tuple[bytes, list[str]]:
    seen: list[str] = []
    with encoded_server(body, encoding, seen) as origin:
        policy = IOPolicy(allow_urls=True, trusted_origins=(origin,), max_read_bytes=max_read_bytes)
        data, _mime = asyncio.run(read_reference(f"{origin}/doc.pdf", policy, None, pipe_code="probe"))
    return data, seen


def gzip_of_zeros(size: int) -> bytes:
    """A gzip stream of ``size`` zero bytes, made a piece at a time."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    piece = bytes(2**20)
    parts = [compressor.compress(piece) for _ in range(size // len(piece))]
    return b"".join([*parts, compressor.flush()])


TEXT = b"%PDF-1.4 hello " * 5000


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (TEXT, ""),
        (TEXT, "identity"),
        (gzip.compress(TEXT), "gzip"),
        (gzip.compress(TEXT), "x-gzip"),
        (zlib.compress(TEXT), "deflate"),
        (zlib.compress(TEXT)[2:-4], "deflate"),  # raw deflate, as some servers send it
        (gzip.compress(gzip.compress(TEXT)), "gzip, gzip"),
        (gzip.compress(zlib.compress(TEXT)), "deflate, gzip"),
        (gzip.compress(TEXT), "GZIP"),
    ],
)
def test_encoded_bodies_read_back_as_sent(body: bytes, encoding: str) -> None:
    data, seen = fetch(body, encoding)
    assert data == TEXT
    assert seen == ["gzip, deflate"]


def test_a_stacked_gzip_bomb_is_refused_within_the_bound() -> None:
    """256 MB of zeros gzipped twice (a few hundred bytes), read with a 1 MB bound: refused, holding a few MB."""
    bomb = gzip.compress(gzip_of_zeros(256 * 2**20), 9)
    assert len(bomb) < 2_000
    tracemalloc.start()
    try:
        with pytest.raises(ReadFailedError, match="cannot be read"):
            fetch(bomb, "gzip, gzip", max_read_bytes=2**20)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20, f"the read held {peak} bytes"


def test_a_gzip_body_past_the_bound_is_refused_within_it() -> None:
    body = gzip_of_zeros(64 * 2**20)
    tracemalloc.start()
    try:
        with pytest.raises(ReadFailedError, match="cannot be read"):
            fetch(body, "gzip", max_read_bytes=2**20)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20, f"the read held {peak} bytes"


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        # no real server stacks three
        (gzip.compress(gzip.compress(gzip.compress(TEXT))), "gzip, gzip, gzip"),
        (TEXT, "br"),  # not decoded here: its bytes are not the document
        (TEXT, "compress"),
        (b"not gzip at all", "gzip"),
    ],
)
def test_bodies_that_cannot_be_decoded_cannot_be_read(body: bytes, encoding: str) -> None:
    with pytest.raises(ReadFailedError, match="cannot be read"):
        fetch(body, encoding)
