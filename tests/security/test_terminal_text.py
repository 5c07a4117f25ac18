"""Tenth hostile pass: what the CLI prints of a *bundle* is shown, never acted on by the terminal.

The seventh pass wrote out the control characters of what a run produced (``console_text``); the bundle's own text
still reached the terminal as it was. TOML strings hold any character through escapes (``"\\u001b]52;c;...\\u0007"``),
so a bundle someone else wrote, listed with ``pipelex show pipes`` (the command a user runs to see what a library
holds before running it), wrote the user's clipboard (OSC 52), set the window's title and cleared the screen through
its descriptions; ``validate`` printed an input name's escapes raw in a diagnostic's hint (``use it (e.g. $a...)``);
``build output --json-schema`` printed a description's C1 controls and bidi overrides raw (JSON keeps them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelex.cli.commands import console_json, console_text
from tests.security.conftest import Watched

# as TOML escapes: the bundle's text holds the characters themselves once parsed
CLIP = r"\u001b]52;c;ZWNobyBwd25lZA==\u0007"
TITLE = r"\u001b]0;PWNED\u0007"
C1 = r"\u009b2J \u009d0;T\u009c"
BIDI = r"\u202egnp.exe"

RAW = ("\x1b", "\x07", "\x9b", "\x9d", "\x9c", "\u202e")

LISTED = f"""domain = "listed"
description = "the domain {TITLE}"
main_pipe = "say"

[concept.Note]
description = "a note {CLIP} {C1}"

[concept.Note.structure]
body = {{ type = "text", description = "the body {C1} {BIDI}" }}

[pipe.say]
type = "PipeLLM"
description = "says {TITLE} \\u001b[2J\\r{BIDI}"
inputs = {{ note = "Note" }}
output = "Note"
prompt = "Say $note"
"""

INVALID = f"""domain = "invalid"
main_pipe = "say"

[pipe.say]
type = "PipeLLM"
description = "says"
inputs = {{ "a{CLIP}" = "Text" }}
output = "Text"
prompt = "Say hello"

[pipe."b{TITLE}"]
type = "PipeLLM"
description = "says"
output = "Text"
prompt = "Say hello"
"""


def _assert_shown_not_acted_on(watched: Watched) -> str:
    printed = watched.out + watched.err
    assert not any(ch in printed for ch in RAW), printed
    return printed


@pytest.mark.parametrize("what", ["pipes", "concepts"])
def test_show_lists_a_bundles_descriptions_without_their_control_characters(
    run_watched_cli: Callable[..., Watched], tmp_path: Path, what: str
) -> None:
    (tmp_path / "listed.mthds").write_text(LISTED, encoding="utf-8")
    watched = run_watched_cli("show", what, "-L", "listed.mthds", timeout=60)
    assert watched.code == 0, watched.err[-2000:]
    printed = _assert_shown_not_acted_on(watched)
    shown = "\\x1b]0;PWNED\\x07" if what == "pipes" else "\\x1b]52;c;ZWNobyBwd25lZA==\\x07"
    assert shown in printed, printed  # written out, so the user sees what the bundle holds


@pytest.mark.parametrize(
    "command", [["validate", "bundle", "invalid.mthds"], ["show", "pipes", "-L", "invalid.mthds"]]
)
def test_diagnostics_quoting_a_bundles_names_show_their_control_characters_written_out(
    run_watched_cli: Callable[..., Watched], tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "invalid.mthds").write_text(INVALID, encoding="utf-8")
    watched = run_watched_cli(*command, timeout=60)
    printed = _assert_shown_not_acted_on(watched)
    assert "\\x1b]0;PWNED" in printed, printed  # the pipe code, in a load diagnostic
    if command[0] == "validate":  # the input name, in a static check's hint
        assert "\\x1b]52;c;" in printed, printed


def test_a_run_of_an_invalid_bundle_prints_its_diagnostics_written_out(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    (tmp_path / "invalid.mthds").write_text(INVALID, encoding="utf-8")
    watched = run_watched_cli("run", "bundle", "invalid.mthds", "--dry-run", "-o", "out", timeout=60)
    assert watched.code == 1, watched.err[-2000:]
    printed = _assert_shown_not_acted_on(watched)
    assert "\\x1b]52;c;" in printed, printed


def test_build_prints_a_json_schema_whose_controls_are_json_escapes(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    (tmp_path / "listed.mthds").write_text(LISTED, encoding="utf-8")
    watched = run_watched_cli("build", "output", "listed.mthds", "--json-schema", timeout=60)
    assert watched.code == 0, watched.err[-2000:]
    _assert_shown_not_acted_on(watched)
    schema = json.loads(watched.out)  # the same JSON: the escapes read back as the characters
    assert schema["description"] == "a note \x1b]52;c;ZWNobyBwd25lZA==\x07 \x9b2J \x9d0;T\x9c"
    assert schema["properties"]["body"]["description"].endswith("\u202egnp.exe")


def test_console_json_escapes_only_inside_strings_and_keeps_the_value() -> None:
    value = {"k\u202e": ["\x9b2J", "é 東京\u2028", 1.5, None, "\x7f"]}
    text = json.dumps(value, indent=2, ensure_ascii=False)
    shown = console_json(text)
    assert not any(ch in shown for ch in ("\x9b", "\u202e", "\x7f")), shown
    assert "é 東京" in shown  # other non-ASCII text stays as it is
    assert json.loads(shown) == value
    assert console_text("a\x1b[2Jb") == "a\\x1b[2Jb"


def test_file_and_folder_names_of_a_library_are_written_out(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    """Twelfth hostile pass: the names of a library's files are the author's too. A bundle file name that is not
    UTF-8 (bytes 0x9b, an 8-bit CSI, and 0xff: Python reads them as lone surrogates) made `validate bundle` of the
    folder or the file fail with "internal error (UnicodeEncodeError ...)" on a console of a UTF-8 locale, and
    wrote the raw bytes on a C.UTF-8 one; a package folder's name holding ESC reached the terminal in the note."""
    library = tmp_path / "lib"
    package = library / "pk\x1b]0;PWNED\x07"
    package.mkdir(parents=True)
    (library / "listed.mthds").write_text(LISTED, encoding="utf-8")
    (package / "listed.mthds").write_text(LISTED, encoding="utf-8")
    (package / "METHODS.toml").write_text("", encoding="utf-8")
    broken = os.fsdecode(b"\x9b2J\xffbad.mthds")
    (library / broken).write_text('domain = "y\n', encoding="utf-8")
    strict = {
        "PYTHONIOENCODING": "utf-8:strict"
    }  # as a console of en_US.UTF-8 (this machine's C.UTF-8 is lenient)
    watched = run_watched_cli("validate", "bundle", "lib", timeout=60, env=strict)
    assert watched.code == 1 and "internal error" not in watched.out + watched.err, watched.out + watched.err
    printed = _assert_shown_not_acted_on(watched)
    assert "\\udc9b2J\\udcffbad.mthds" in printed and "pk\\x1b]0;PWNED\\x07" in printed, printed
    assert not any("\ud800" <= ch <= "\udfff" for ch in printed), printed
    (tmp_path / os.fsdecode(b"\xff\x9b.mthds")).write_text(LISTED, encoding="utf-8")
    watched = run_watched_cli("validate", "bundle", os.fsdecode(b"\xff\x9b.mthds"), timeout=60, env=strict)
    assert watched.code == 0 and "\\udcff\\udc9b.mthds: valid" in watched.out, watched.out + watched.err


def test_the_json_report_of_a_file_name_that_is_not_utf8_is_strict_json(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    """`validate --format json` wrote such a name's lone surrogates as ``\\udc9b`` escapes, which strict JSON readers
    (serde_json, any reader that decodes to UTF-8) refuse: a lone surrogate is no character. The report now writes
    them out as text, as the text report does, so the name still tells its bytes."""
    broken = os.fsdecode(b"\x9b2J\xffbad.mthds")
    (tmp_path / broken).write_text('domain = "y\n', encoding="utf-8")
    watched = run_watched_cli("validate", "bundle", broken, "--format", "json", timeout=60)
    assert watched.code == 1, watched.out + watched.err
    report = json.loads(watched.out)

    def texts(value: object) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict):
            return [t for k, v in value.items() for t in (*texts(k), *texts(v))]  # pyright: ignore[reportUnknownVariableType]
        if isinstance(value, list):
            return [t for v in value for t in texts(v)]  # pyright: ignore[reportUnknownVariableType]
        return []

    found = texts(report)
    for text in found:
        text.encode("utf-8")  # raises on a lone surrogate
    assert any("\\udc9b2J\\udcffbad.mthds" in text for text in found), found


def test_a_file_name_holding_a_line_break_prints_no_line_of_its_own(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    """Eighteenth hostile pass: a library folder someone else made may name its files with line breaks. Each
    diagnostic printed the name as it was (``error: lib/two`` then ``SUCCESS.mthds:3: ...``, and a duplicate's
    ``also in lib/one`` then ``  SUCCESS  x.fake.mthds)``), so the name's later part read as the CLI's own line, a
    verdict of ``validate`` or a ``SUCCESS``. A diagnostic is one line: its line breaks are written out."""
    library = tmp_path / "lib"
    library.mkdir()
    declared = 'domain = "x"\n[concept]\nA = "a"\n[pipe.a]\ntype = "PipeLLM"\ndescription = "d"\noutput = "Text"\nprompt = "hi"\n'
    (library / "one\n  SUCCESS  x.fake.mthds").write_text(declared, encoding="utf-8")
    (library / "two\r\nSUCCESS.mthds").write_text(declared, encoding="utf-8")
    (library / "three\u2028error.mthds").write_text("[[[", encoding="utf-8")
    for command in (
        ["validate", "bundle", "lib"],
        ["run", "bundle", "lib", "--dry-run", "--pipe", "a", "-o", "out"],
    ):
        watched = run_watched_cli(*command, timeout=60)
        assert watched.code == 1, watched.out + watched.err
        lines = (watched.out + watched.err).splitlines()
        forged = [line for line in lines if "SUCCESS" in line and not line.startswith(("error: ", "  lib/"))]
        assert not forged, lines
        assert not any("\u2028" in line or line.startswith("error.mthds") for line in lines), lines
        printed = "\n".join(lines)
        assert "lib/two\\r\\nSUCCESS.mthds:3: [duplicate_declaration]" in printed, printed
        assert "also in lib/one\\n  SUCCESS  x.fake.mthds" in printed, printed
        assert "lib/three\\u2028error.mthds:1: [toml_syntax]" in printed, printed
    (tmp_path / "lone\nSUCCESS: forged.mthds").write_text(declared, encoding="utf-8")
    watched = run_watched_cli("validate", "bundle", "lone\nSUCCESS: forged.mthds", timeout=60)
    assert watched.code == 0, watched.out + watched.err
    assert "lone\\nSUCCESS: forged.mthds: valid" in watched.out, watched.out
    assert not any(line.startswith("SUCCESS: forged") for line in watched.out.splitlines()), watched.out
