"""argparse's strings are translated as gettext would translate them, looked up once per command
(``pipelex/cli/main.py``, ``_translate_without_lookups``): the identity when no catalogue exists, the catalogue of
the process's language when one does."""

from __future__ import annotations

import argparse
import gettext
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from pipelex.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]


def _write_mo(path: Path, catalogue: dict[str, str]) -> None:
    """A GNU ``.mo`` file (the format :class:`gettext.GNUTranslations` reads) of ``catalogue``."""
    entries = sorted({"": "Content-Type: text/plain; charset=UTF-8\n", **catalogue}.items())
    ids = [key.encode() for key, _ in entries]
    strs = [value.encode() for _, value in entries]
    header = 7 * 4
    table = header + 2 * 8 * len(entries)
    originals, translations, blob = [], [], b""
    for text in ids:
        originals.append((len(text), table + len(blob)))
        blob += text + b"\0"
    for text in strs:
        translations.append((len(text), table + len(blob)))
        blob += text + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, len(entries), header, header + 8 * len(entries), 0, 0)
    out += b"".join(struct.pack("<2I", *pair) for pair in originals + translations) + blob
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out)


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "bundle", "x.mthds", "--no-such-option"],
        ["validate", "bundle"],
        ["run", "bundle", "--help"],
        ["--help"],
    ],
    ids=["unknown_option", "missing_argument", "help_of_a_command", "help"],
)
def test_without_catalogues_the_strings_are_argparse_s_and_locale_is_not_loaded(argv: list[str]) -> None:
    script = (
        "import sys\n"
        "from pipelex.cli.main import main\n"
        "try:\n"
        "    main(sys.argv[2:], one_command=sys.argv[1] == 'one')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('LOCALE', 'locale' in sys.modules)\n"
    )
    outputs = {}
    for mode in ("one", "embedded"):  # embedded: gettext's own lookup at every string
        result = subprocess.run(
            [sys.executable, "-c", script, mode, *argv],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
            check=False,
            env={**os.environ, "COLUMNS": "100"},
        )
        outputs[mode] = result
    one, embedded = outputs["one"], outputs["embedded"]
    assert "usage: pipelex" in one.stdout + one.stderr
    assert one.stderr == embedded.stderr
    assert one.stdout.replace("LOCALE False", "LOCALE True") == embedded.stdout
    assert "LOCALE False" in one.stdout


def test_with_a_catalogue_the_translation_is_gettext_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    localedir = tmp_path / "share" / "locale"
    _write_mo(
        localedir / "fr" / "LC_MESSAGES" / "messages.mo",
        {"options": "options (fr)", "show this help message and exit": "afficher l'aide"},
    )
    monkeypatch.setattr(sys, "base_prefix", str(tmp_path))
    monkeypatch.setattr(gettext, "_default_localedir", str(localedir))
    monkeypatch.setenv("LANGUAGE", "fr_FR")
    monkeypatch.setattr(argparse, "_", vars(argparse)["_"])  # restored after the test
    monkeypatch.setattr(argparse, "ngettext", vars(argparse)["ngettext"])
    expected = [gettext.gettext(m) for m in ("options", "show this help message and exit", "usage: ")]
    assert expected[:2] == ["options (fr)", "afficher l'aide"]
    cli_main._translate_without_lookups()  # pyright: ignore[reportPrivateUsage]
    assert [
        vars(argparse)["_"](m) for m in ("options", "show this help message and exit", "usage: ")
    ] == expected
    monkeypatch.setenv("LANGUAGE", "de")  # the language of the process when the command started stays
    assert vars(argparse)["_"]("options") == "options (fr)"


def test_a_chosen_domain_keeps_gettext_s_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(argparse, "_", vars(argparse)["_"])
    original = vars(argparse)["_"]
    previous = gettext.textdomain()
    gettext.textdomain("someone-else")
    try:
        cli_main._translate_without_lookups()  # pyright: ignore[reportPrivateUsage]
    finally:
        gettext.textdomain(previous)
    assert vars(argparse)["_"] is original


def test_argparse_imported_first_by_the_cli_still_translates_with_gettext(tmp_path: Path) -> None:
    """argparse is imported against a stand-in gettext (``pipelex/cli/argparse_loader.py``): the stand-in is gone
    once argparse is loaded (``import gettext`` is the real module), and argparse's ``_`` answers what gettext
    answers, in a process that keeps gettext's own lookups (embedded) as in one that chose a domain."""
    script = (
        "import sys\n"
        "from pipelex.cli import main\n"
        "import argparse\n"
        "print('LOADED', 'gettext' in sys.modules)\n"
        "import gettext\n"
        "print('REAL', hasattr(gettext, 'translation'))\n"
        "gettext.bindtextdomain('demo', sys.argv[1])\n"
        "gettext.textdomain('demo')\n"
        "print('SAID', vars(argparse)['_']('options'), vars(argparse)['ngettext']('one', 'many', 2))\n"
    )
    _write_mo(tmp_path / "fr" / "LC_MESSAGES" / "demo.mo", {"options": "options (fr)"})
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
        env={**os.environ, "LANGUAGE": "fr"},
    )
    assert result.stdout.splitlines() == ["LOADED False", "REAL True", "SAID options (fr) many"]
