"""The command line is parsed by a parser that declares in full only the group the command names
(``pipelex/cli/main.py``, ``_group_in``): every help page, choice list and parse must be what the full parser
gives."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from pipelex.cli.main import GROUPS, _build_parser, _group_in  # pyright: ignore[reportPrivateUsage]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # pyright: ignore[reportPrivateUsage]
        if isinstance(action, argparse._SubParsersAction):  # pyright: ignore[reportPrivateUsage]
            return dict(action.choices)  # pyright: ignore[reportUnknownArgumentType]
    return {}


def _pages(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, str]:
    """Every help page below ``parser``, by command path."""
    pages = {prefix: parser.format_help()}
    for name, sub in _subparsers(parser).items():
        pages.update(_pages(sub, f"{prefix} {name}".strip()))
    return pages


def test_the_groups_are_those_the_parser_declares() -> None:
    assert tuple(_subparsers(_build_parser())) == GROUPS


@pytest.mark.parametrize("group", GROUPS)
def test_a_group_parser_gives_the_full_parsers_help_pages(
    group: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    full = _pages(_build_parser())
    partial = _pages(_build_parser(only=group))
    assert partial[""] == full[""]  # the list of commands is whole
    mine = {path: page for path, page in full.items() if path.split(" ")[0] == group}
    assert mine
    assert {path: partial[path] for path in mine} == mine


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "bundle", "a.mthds", "--format", "json"],
        ["run", "bundle", "a.mthds", "--dry-run", "-i", "in.json", "--no-graph"],
        ["-L", "lib", "run", "pipe", "code", "-L", "more"],
        ["build", "output", "a.mthds", "--json-schema"],
        ["show", "pipe", "x", "-L", "d"],
        ["api", "serve", "--port", "9000"],
        ["worker", "--task-queue", "q"],
        ["mcp", "serve", "--http"],
        ["graph", "render", "g.json", "--format", "mermaid"],
        ["init", "--diff"],
        ["schema"],
    ],
)
def test_a_group_parser_parses_as_the_full_one(argv: list[str]) -> None:
    assert _group_in(argv) == argv[2 if argv[0] == "-L" else 0]
    assert _build_parser(only=_group_in(argv)).parse_args(argv) == _build_parser().parse_args(argv)


@pytest.mark.parametrize(
    ("argv", "group"),
    [
        (["validate", "bundle", "x"], "validate"),
        (["--help"], ""),  # no group: each is declared by name and help only
        ([], ""),
        (["-L", "run", "validate", "bundle", "x"], None),  # a folder called run: two group words
        (["validate", "bundle", "build"], None),  # a file called build
        (["run", "bundle", "run"], "run"),  # the same word twice is still one group
        (["validate.mthds"], ""),
    ],
)
def test_the_group_is_named_by_exactly_one_word(argv: list[str], group: str | None) -> None:
    assert _group_in(argv) == group


def test_two_group_words_parse_with_the_full_parser() -> None:
    argv = ["-L", "run", "validate", "bundle", "x.mthds"]
    args = _build_parser(only=_group_in(argv)).parse_args(argv)
    assert (args.group, args.what, args.global_library_dir) == ("validate", "bundle", ["run"])


def test_an_unknown_command_lists_every_group(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _build_parser(only=_group_in(["bogus", "validate"])).parse_args(["bogus", "validate"])
    err = capsys.readouterr().err
    assert all(repr(group) in err for group in GROUPS), err


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        [],
        ["--debug"],
        ["-L", "lib"],
        ["valdiate", "bundle", "x"],
        ["validate.mthds"],
        ["-V"],
        ["--nope"],
    ],
)
def test_a_command_line_that_names_no_group_is_parsed_and_helped_as_by_the_full_parser(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert _group_in(argv) == ""
    names_only = _build_parser(only="")
    assert all(not _subparsers(sub) for sub in _subparsers(names_only).values())  # nothing below the names
    assert names_only.format_help() == _build_parser().format_help()
    assert names_only.format_usage() == _build_parser().format_usage()
    outcomes: list[tuple[object, str, str]] = []
    for parser in (names_only, _build_parser()):
        try:
            outcome: object = parser.parse_args(argv)
        except SystemExit as exc:
            outcome = ("exit", exc.code)
        out, err = capsys.readouterr()
        outcomes.append((outcome, out, err))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize(
    ("argv", "code", "stream", "text"),
    [
        (["--help"], 0, "stdout", "usage: pipelex"),
        ([], 2, "stdout", "usage: pipelex"),
        (["valdiate"], 2, "stderr", "invalid choice: 'valdiate'"),
        (["validate"], 2, "stderr", "the following arguments are required: WHAT"),
    ],
)
def test_the_console_script_ends_argparse_s_exits_with_their_code(
    argv: list[str], code: int, stream: str, text: str
) -> None:
    # --help, a usage error: argparse raises SystemExit, which the entry point ends through _exit (no last collection)
    script = "import sys; from pipelex.cli.main import entry_point; sys.argv[0] = 'pipelex'; entry_point()"
    result = subprocess.run(
        [sys.executable, "-c", script, *argv], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == code
    assert text in getattr(result, stream)
