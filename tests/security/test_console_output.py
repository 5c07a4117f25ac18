"""Seventh hostile pass: what the CLI prints of a run is shown, never acted on by the terminal.

A run's output is a model's answer (or a document's text, a function's message): a prompt-injected model answering
``ESC ] 52 ; c ; <base64> BEL`` wrote to the user's clipboard in terminals that allow it, ``ESC ] 0 ; ... BEL`` set
the window's title, ``ESC [ 2 J`` cleared the screen, ``\\r`` printed over what came before, and a bidi override
reordered what the user read. The CLI printed the output's preview (and error and warning lines) as they were; it
now writes every such character out visibly (``console_text``), while ``main_stuff.md`` keeps the text as it is.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipelex.cli.commands import console_line, console_text
from pipelex.testing.fake_provider import FakeProvider
from tests.security.conftest import Watched

HOSTILE = "clip \x1b]52;c;ZWNobyBwd25lZA==\x07 title \x1b]0;PWNED\x07 clear \x1b[2J over\rX bidi \u202egnp.exe C1 \x9b31m"

SAY = """domain = "console"
main_pipe = "say"

[pipe.say]
type = "PipeLLM"
description = "Answers about a note"
inputs = { note = "Text" }
output = "Text"
prompt = "Answer about this note: $note"
"""


def test_console_text_writes_controls_out_and_keeps_lines() -> None:
    shown = console_text(HOSTILE + "\nline two\tend\r\nline three")
    assert not any(ch in shown for ch in "\x1b\x07\r\x9b\u202e"), shown
    assert "\\x1b]52;c;" in shown and "\\u202e" in shown and "\\r" in shown and "\\x9b" in shown
    assert shown.endswith("\nline two\tend\nline three")
    assert console_text("Grüße, 東京 — ok\n\ttabbed") == "Grüße, 東京 — ok\n\ttabbed"


def test_the_cli_prints_a_hostile_answer_without_its_control_characters(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    """End to end: the fake provider's reply repeats the prompt, so the answer carries the escapes a
    prompt-injected model would write. The console shows them written out; the run's files keep them."""
    (tmp_path / "say.mthds").write_text(SAY, encoding="utf-8")
    with FakeProvider() as fake:
        watched = run_watched_cli(
            "run",
            "bundle",
            "say.mthds",
            "-i",
            json.dumps({"note": HOSTILE}),
            "-o",
            "out",
            "--no-graph",
            "--no-costs",
            timeout=120,
            env=fake.env(),
        )
    assert watched.code == 0, watched.err[-2000:]
    printed = watched.out + watched.err
    assert not any(ch in printed for ch in "\x1b\x07\x9b\u202e"), printed
    assert "\\x1b]52;c;ZWNobyBwd25lZA==\\x07" in watched.out, watched.out
    kept = next((tmp_path / "out").rglob("main_stuff.md")).read_text(encoding="utf-8")
    assert "\x1b]52;c;" in kept  # the files keep the answer as it is


# Fifteenth pass: a provider's error body (a hostile proxy in front of the model server, or a server quoting what a
# prompt sent it) holding line breaks printed lines of its own after the CLI's ``error:`` line, reading as the CLI's
FORGED = "SUCCESS: run completed, results in results/ok_01"


def test_console_line_indents_the_later_lines_of_a_message() -> None:
    assert console_line("error", "one line") == "error: one line"
    assert console_line("error", f"refused\n{FORGED}\r\nnote: all clear\n") == (
        f"error: refused\n  {FORGED}\n  note: all clear"
    )
    assert console_line("warning", "a\rb\x1b[2J") == "warning: a\\rb\\x1b[2J"


@contextmanager
def refusing_endpoint(message: str) -> Iterator[str]:
    """An OpenAI-compatible endpoint on 127.0.0.1 answering every call 400 with ``message``; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            """Quiet."""

        def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = json.dumps({"error": {"message": message, "type": "invalid_request_error", "code": "400"}})
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body.encode())))
            self.end_headers()
            self.wfile.write(body.encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_providers_error_body_starts_no_line_of_its_own(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    (tmp_path / "say.mthds").write_text(SAY, encoding="utf-8")
    with refusing_endpoint(f"Invalid request\n{FORGED}\nFORGED LINE") as base_url:
        watched = run_watched_cli(
            "run",
            "bundle",
            "say.mthds",
            "-i",
            json.dumps({"note": "hi"}),
            "-o",
            "out",
            "--no-graph",
            "--no-costs",
            timeout=120,
            env={"OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sk-test"},
        )
    assert watched.code == 1, watched.err[-2000:]
    lines = watched.err.splitlines()
    assert lines[0].startswith("error: the run failed: pipe 'say'"), watched.err
    # the provider's message is collapsed onto the error's own line (3b57235): the forged text is read
    # as part of the error, never as a line of its own
    assert f"Invalid request {FORGED} FORGED LINE [status 400]" in lines[0], watched.err
    assert not any(line.lstrip().startswith(("SUCCESS", "FORGED")) for line in lines), watched.err
    # every line starts with one of the CLI's own labels, or is indented under one
    assert all(line.startswith(("error: ", "note: ", "  ")) for line in lines), watched.err
