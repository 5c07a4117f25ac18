"""Seventh hostile pass: what the CLI prints of a run is shown, never acted on by the terminal.

A run's output is a model's answer (or a document's text, a function's message): a prompt-injected model answering
``ESC ] 52 ; c ; <base64> BEL`` wrote to the user's clipboard in terminals that allow it, ``ESC ] 0 ; ... BEL`` set
the window's title, ``ESC [ 2 J`` cleared the screen, ``\\r`` printed over what came before, and a bidi override
reordered what the user read. The CLI printed the output's preview (and error and warning lines) as they were; it
now writes every such character out visibly (``console_text``), while ``main_stuff.md`` keeps the text as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pipelex.cli.commands import console_text
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
