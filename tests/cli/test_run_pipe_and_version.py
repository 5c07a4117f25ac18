"""``pipelex --version`` / ``-V``, and ``pipelex run pipe CODE -L DIR`` (a pipe of a library, by code)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest

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
    assert out.strip() == f"pipelex {version('pipelex')}"


def test_version_from_the_console_script() -> None:
    result = subprocess.run([sys.executable, "-m", "pipelex.cli.main", "--version"], capture_output=True, text=True,
                            timeout=60)
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
    code, out, err = run_cli("run", "pipe", "greet_the_room", "-L", str(library), "--dry-run", "-o",
                             str(tmp_path / "out"), "-i", '{"kitchen_note": "leeks and cider"}')
    assert code == 0, out + err
    run_dir = tmp_path / "out" / "greet_the_room_01"
    assert json.loads((run_dir / "main_stuff.json").read_text()) == {"text": "Tonight: leeks and cider"}
    assert "Tonight: leeks and cider" in out


def test_run_pipe_takes_a_qualified_code_and_mock_inputs(run_cli: RunCli, library: Path, tmp_path: Path) -> None:
    code, out, err = run_cli("run", "pipe", "bistro_menus.write_menu_card", "-L", str(library), "--dry-run",
                             "--mock-inputs", "--no-graph", "-q", "-o", str(tmp_path / "out"))
    assert (code, out, err) == (0, "", "")
    run_dir = tmp_path / "out" / "write_menu_card_01"
    assert {p.name for p in run_dir.iterdir()} == {"main_stuff.json", "main_stuff.md", "working_memory.json"}


def test_run_pipe_needs_a_library(run_cli: RunCli) -> None:
    code, _, err = run_cli("run", "pipe", "greet_the_room", "--dry-run")
    assert code == 2
    assert "-L DIR" in err and "'greet_the_room'" in err


def test_run_pipe_of_an_unknown_code_lists_the_library(run_cli: RunCli, library: Path, tmp_path: Path) -> None:
    code, out, err = run_cli("run", "pipe", "greet_the_hall", "-L", str(library), "--dry-run", "-o",
                             str(tmp_path / "out"))
    assert code == 1
    assert "Traceback" not in out + err
    assert "'greet_the_hall' is not in the library" in err and "greet_the_room" in err


def test_run_pipe_refuses_mock_inputs_without_dry_run(run_cli: RunCli, library: Path) -> None:
    code, _, err = run_cli("run", "pipe", "greet_the_room", "-L", str(library), "--mock-inputs")
    assert code == 2
    assert "--dry-run" in err
