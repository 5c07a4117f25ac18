"""``pipelex --version`` / ``-V``, and ``pipelex run pipe CODE -L DIR`` (a pipe of a library, by code)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest

import pipelex
from tests.cli.test_cli import MENU_BUNDLE
from tests.conftest import CliResult

RunCli = Callable[..., CliResult]

SHELF_BUNDLE = """
domain = "bistro_menus"

[pipe.greet_the_room]
type = "PipeCompose"
description = "A line for the dining room, from a note that lives in another file of the library"
inputs = { kitchen_note = "KitchenNote" }
output = "Text"
template = "Tonight: $kitchen_note"
"""


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_prints_the_package_version(run_cli: RunCli, flag: str) -> None:
    code, out, err = run_cli(flag)
    assert code == 0, err
    assert out.strip() == f"pipelex {version('pipelex')} (MTHDS Protocol {pipelex.MTHDS_PROTOCOL_VERSION})"


def test_version_from_the_console_script() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipelex.cli.main", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("pipelex ")


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A library of two files sharing a domain: the menu bundle, and a pipe using its concept."""
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "menu_card.mthds").write_text(MENU_BUNDLE)
    (folder / "shelf.mthds").write_text(SHELF_BUNDLE)
    return folder


def test_run_pipe_by_code_from_a_library(run_cli: RunCli, library: Path, tmp_path: Path) -> None:
    code, out, err = run_cli(
        "run",
        "pipe",
        "greet_the_room",
        "-L",
        str(library),
        "--dry-run",
        "-o",
        str(tmp_path / "out"),
        "-i",
        '{"kitchen_note": "leeks and cider"}',
    )
    assert code == 0, out + err
    run_dir = tmp_path / "out" / "greet_the_room_01"
    assert json.loads((run_dir / "main_stuff.json").read_text()) == {"text": "Tonight: leeks and cider"}
    assert "Tonight: leeks and cider" in out


def test_run_pipe_takes_a_qualified_code_and_mock_inputs(
    run_cli: RunCli, library: Path, tmp_path: Path
) -> None:
    code, out, err = run_cli(
        "run",
        "pipe",
        "bistro_menus.write_menu_card",
        "-L",
        str(library),
        "--dry-run",
        "--mock-inputs",
        "--no-graph",
        "-q",
        "-o",
        str(tmp_path / "out"),
    )
    assert (code, out, err) == (0, "", "")
    run_dir = tmp_path / "out" / "write_menu_card_01"
    assert {p.name for p in run_dir.iterdir()} == {"main_stuff.json", "main_stuff.md", "working_memory.json"}


def test_run_pipe_needs_a_library(run_cli: RunCli) -> None:
    code, _, err = run_cli("run", "pipe", "greet_the_room", "--dry-run")
    assert code == 2
    assert "-L DIR" in err and "'greet_the_room'" in err


def test_run_pipe_of_an_unknown_code_lists_the_library(
    run_cli: RunCli, library: Path, tmp_path: Path
) -> None:
    code, out, err = run_cli(
        "run", "pipe", "greet_the_hall", "-L", str(library), "--dry-run", "-o", str(tmp_path / "out")
    )
    assert code == 1
    assert "Traceback" not in out + err
    assert "'greet_the_hall' is not in the library" in err and "greet_the_room" in err


def test_run_pipe_refuses_mock_inputs_without_dry_run(run_cli: RunCli, library: Path) -> None:
    code, _, err = run_cli("run", "pipe", "greet_the_room", "-L", str(library), "--mock-inputs")
    assert code == 2
    assert "--dry-run" in err


def test_a_long_output_preview_says_where_it_is_cut_and_where_the_rest_is(
    run_cli: RunCli, tmp_path: Path, tmp_bundle: Callable[..., Path]
) -> None:
    bundle = tmp_bundle("""
domain = "echo"
main_pipe = "repeat"
[pipe.repeat]
type = "PipeCompose"
description = "Repeats a line many times"
inputs = { line = "Text" }
output = "Text"
template = "{% for i in range(400) %}$line {{ i }}\\n{% endfor %}"
""")
    code, out, err = run_cli(
        "run",
        "bundle",
        str(bundle),
        "--dry-run",
        "--no-graph",
        "-o",
        str(tmp_path / "out"),
        "-i",
        '{"line": "a line of the long output"}',
    )
    assert code == 0, err
    full = (tmp_path / "out" / "repeat_01" / "main_stuff.md").read_text()
    assert len(full) > 8000
    shown, _, marker = out.rpartition("\n… [preview cut at ")
    shown = shown[shown.index("a line of the long output 0") :]
    assert full.startswith(shown + "\n")  # the start of the output, cut at a line end
    assert f"of {len(full) - 1:,} characters" in marker  # main_stuff.md ends with a newline of its own
    assert str(tmp_path / "out" / "repeat_01" / "main_stuff.md") in marker


def test_preview_cuts_at_a_line_or_word_end() -> None:
    from pipelex.cli.commands import preview

    assert preview("short", full=Path("f.json")) == "short"
    text = "\n".join(f'  "key_{i}": "value number {i}",' for i in range(500))
    shown = preview(text, full=Path("run/main_stuff.json"), limit=1000)
    body, _, marker = shown.rpartition("\n")
    assert text.startswith(body) and text[len(body)] == "\n" and len(body) <= 1000
    assert marker.startswith("… [preview cut at") and "run/main_stuff.json" in marker
    one_line = "word " * 400
    shown = preview(one_line, full=Path("x.md"), limit=1000)
    assert shown.split("\n")[0].endswith("word")
