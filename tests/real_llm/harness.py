"""What the real-server modules that run bundles from the CLI share: a run's outcome and folder (:class:`Run`), and
a recording proxy served on 127.0.0.1 for one test (:func:`serving`); each module keeps its own proxy's handler."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Run:
    """One CLI run: its exit code, its output, and the run folder it wrote."""

    returncode: int
    stdout: str
    stderr: str
    run_dir: Path

    def json(self, name: str) -> Any:
        return json.loads((self.run_dir / name).read_text())

    @property
    def graph(self) -> dict[str, Any]:
        return self.json("graph.json")

    def memory(self, name: str) -> Any:
        memory = self.json("working_memory.json")
        stuff = memory["root"][name] if "root" in memory else memory[name]
        return stuff.get("content", stuff)

    def nodes(self, pipe_code: str) -> list[dict[str, Any]]:
        return [n for n in self.graph["nodes"] if n["pipe_code"] == pipe_code]

    @property
    def warnings(self) -> list[str]:
        return [w for n in self.graph["nodes"] for w in n.get("warnings", [])]


#: the request headers a recording proxy passes on: the body's type and the key (the LiteLLM proxy requires its
#: master key, as ``Authorization: Bearer`` from the OpenAI SDK or ``x-api-key`` from Anthropic's)
FORWARDED_HEADERS = ("Content-Type", "Authorization", "x-api-key", "anthropic-version")


def forwarded(headers: Any) -> dict[str, str]:
    """The headers of ``FORWARDED_HEADERS`` that the client sent (``Content-Type`` JSON when it sent none)."""
    out = {name: headers[name] for name in FORWARDED_HEADERS if headers.get(name)}
    out.setdefault("Content-Type", "application/json")
    return out


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served on 127.0.0.1 (a free port) in a thread; yields its root URL, stops it after."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
