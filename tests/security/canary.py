"""A canary HTTP server on 127.0.0.1: it records every request it gets, so a test can prove none came.

Routes: ``/doc.pdf`` answers a one-page PDF whose text is :data:`SECRET`; ``/r`` redirects (302) to
``/doc.pdf``; ``/to?url=...`` redirects to any URL; anything else is a 404.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SECRET = "CANARY-SECRET-7f3a"


def secret_pdf() -> bytes:
    """A small PDF with a text layer holding :data:`SECRET` (built with reportlab, a dependency)."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, SECRET)
    page.showPage()
    page.save()
    return buffer.getvalue()


@dataclass
class Canary:
    """A running canary: its base URL, port, and the requests it saw (method, path, Host header)."""

    url: str
    port: int
    requests: list[tuple[str, str, str]] = field(default_factory=list)


@contextmanager
def canary_server() -> Iterator[Canary]:
    """Serve a canary on a free loopback port for the block; stop it after."""
    body = secret_pdf()
    seen: list[tuple[str, str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
            seen.append(("GET", self.path, self.headers.get("Host", "")))
            parts = urlsplit(self.path)
            if parts.path == "/doc.pdf":
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif parts.path in ("/r", "/to"):
                target = parse_qs(parts.query).get("url", ["/doc.pdf"])[0]
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif parts.path == "/big":
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()  # no length: streamed until the client stops reading
                try:
                    for _ in range(4096):
                        self.wfile.write(b"x" * 65536)
                except OSError:
                    pass
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the http.server signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="canary")
    thread.start()
    port = server.server_address[1]
    try:
        yield Canary(url=f"http://127.0.0.1:{port}", port=port, requests=seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
