"""The stdio transport bounds a message's line (``pipelex/mcp/stdio.py``): the eighteenth hostile pass's left item,
200 MB sent without a line break grew the server by as much."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from pipelex.mcp.stdio import BoundedLines
from tests.cli.test_faults import sigint_at
from tests.timing import STARTUP_S


def test_a_line_past_the_bound_is_dropped_and_the_next_one_is_read() -> None:
    raw = io.BytesIO(b'{"a": 1}\n' + b"x" * 5_000 + b"\n" + b'{"b": 2}\n' + b"y" * 3_000)
    lines = BoundedLines(raw, limit=1_000)
    assert lines.next_line() == '{"a": 1}\n'
    dropped = lines.next_line()
    assert dropped is not None and "more than 1000 bytes" in dropped and "xxxx" not in dropped
    assert lines.next_line() == '{"b": 2}\n'
    last = lines.next_line()  # past the bound, and the input ends without a line break
    assert last is not None and "more than 1000 bytes" in last
    assert lines.next_line() is None
    assert lines.dropped == 2
    # a line of exactly the bound, its line break past it, is kept whole
    exact = BoundedLines(io.BytesIO(b"z" * 1_000 + b"\n"), limit=1_000)
    assert exact.next_line() == "z" * 1_000 + "\n"


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _answer(stdout: IO[bytes], timeout: float) -> dict[str, object]:
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert got and got[0], "no answer from the server"
    return json.loads(got[0])


def _initialized_server(tmp_path: Path) -> subprocess.Popen[bytes]:
    """``pipelex mcp serve`` over pipes, past its ``initialize``; SIGINT at its default, as a terminal delivers it,
    whatever the runner has (a shell's background job ignores it, and children inherit that)."""
    import signal

    server = subprocess.Popen(
        [sys.executable, "-m", "pipelex.cli.main", "mcp", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**os.environ, "PIPELEX_NO_UPDATE_CHECK": "1"},
        preexec_fn=sigint_at(signal.SIG_DFL),
    )
    assert server.stdin is not None and server.stdout is not None
    hello = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    try:
        server.stdin.write(json.dumps(hello).encode() + b"\n")
        server.stdin.flush()
        assert _answer(server.stdout, STARTUP_S * 3).get("id") == 1
    except BaseException:
        _stop(server)
        raise
    return server


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Close its stdin (the end of the session), wait for it (killed past 20 s) and close its pipes."""
    if server.stdin is not None:
        server.stdin.close()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    for stream in (server.stdout, server.stderr):
        if stream is not None:
            stream.close()


def test_sixty_megabytes_without_a_line_break_do_not_grow_the_server(tmp_path: Path) -> None:
    server = _initialized_server(tmp_path)
    assert server.stdin is not None and server.stdout is not None
    try:
        before = _peak_rss_mb(server.pid)
        chunk = b"a" * (1024 * 1024)
        for _ in range(60):
            server.stdin.write(chunk)
        server.stdin.write(b"\n")
        server.stdin.write(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "ping"}).encode() + b"\n")
        server.stdin.flush()
        answer = _answer(server.stdout, 60)
        while answer.get("id") != 2:  # a notification or error about the dropped line may come first
            answer = _answer(server.stdout, 60)
        assert answer.get("result") == {}, answer
        # the line was never held: the peak grew by far less than the 60 MB sent (the bound is 5 MiB)
        assert _peak_rss_mb(server.pid) - before < 30, (before, _peak_rss_mb(server.pid))
    finally:
        _stop(server)


def test_an_interrupted_server_exits_while_its_client_keeps_stdin_open(tmp_path: Path) -> None:
    """Ctrl-C with the client's pipe still open: the reader blocked on stdin kept the process alive (the SDK's
    worker thread is joined at exit); the line is now read in a daemon thread, and the server exits with 130."""
    import signal

    server = _initialized_server(tmp_path)
    assert server.stderr is not None
    try:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=60) == 130
        assert b"interrupted" in server.stderr.read()
    finally:
        if server.poll() is None:
            server.kill()
        _stop(server)
