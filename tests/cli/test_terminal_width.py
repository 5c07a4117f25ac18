"""The CLI's help formatter reads the terminal's width without importing shutil (``pipelex/cli/main.py``,
``terminal_columns``): the width, and so every help page, must be what argparse's own formatter gives."""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios

import pytest

from pipelex.cli import main as cli_main
from pipelex.cli.main import terminal_columns

from .test_parser_by_group import _pages  # pyright: ignore[reportPrivateUsage]


@pytest.mark.parametrize("columns", [None, "", "50", "200", "0", "-3", "abc"], ids=repr)
def test_columns_are_shutil_s(columns: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert terminal_columns() == shutil.get_terminal_size().columns


@pytest.mark.parametrize("width", [40, 97, 250])
def test_columns_of_a_terminal_are_shutil_s(width: int) -> None:
    leader, follower = pty.openpty()
    try:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, width, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import shutil, sys\nfrom pipelex.cli.main import terminal_columns\n"
                "print(terminal_columns(), shutil.get_terminal_size().columns, file=sys.stderr)",
            ],
            stdout=follower,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
            check=True,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert result.stderr.split() == [str(width), str(width)]


@pytest.mark.parametrize("columns", ["60", "133"])
def test_help_pages_are_those_of_argparse_s_formatter(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    ours = _pages(cli_main._build_parser())  # pyright: ignore[reportPrivateUsage]
    monkeypatch.setattr(cli_main, "_HelpFormatter", argparse.HelpFormatter)
    theirs = _pages(cli_main._build_parser())  # pyright: ignore[reportPrivateUsage]
    assert ours == theirs
    assert len(ours) > 20
