"""The commands the README and docs/ show are checked, not trusted: every `pipelex` line of their code blocks (the
synopses included) names subcommands and options the command line has, and every one a reader can run here
(offline: validate, build, schema, show, graph, init, dry runs, the PDF example that needs no key) runs as
written, line after line, in a folder holding what the pages hold (examples/, the guide's bundles)."""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelex.cli.main import _build_parser  # pyright: ignore[reportPrivateUsage]
from tests.conftest import CliResult

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "examples" / "README.md"]
RunCli = Callable[..., CliResult]

_BLOCK = re.compile(r"(?:<!--(?P<note>[^>]*)-->\n)?```(?P<lang>[a-z]*)\n(?P<body>.*?)```", re.S)
_OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


@dataclass(frozen=True)
class Command:
    page: str
    line: int
    text: str  # the line as written, comment included
    block: int  # the index of its block in the page: lines of one block run in order, in one folder

    @property
    def name(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def words(self) -> list[str]:
        """The line's words after `pipelex`, its comment and any `VAR=value` prefix left out."""
        words = shlex.split(self.text, comments=True)
        while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
            words.pop(0)
        assert words and words[0].endswith("pipelex"), self.text
        return words[1:]

    @property
    def is_synopsis(self) -> bool:
        """A line of a synopsis (`[--format text|json]`, `PATH|DIR`), not a command to type."""
        code = self.text.split(" #")[0]
        return "[" in code or "|" in code or bool(re.search(r"\b[A-Z]{2,}\b", code.split("pipelex", 1)[1]))


def _commands() -> Iterator[Command]:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for index, block in enumerate(_BLOCK.finditer(text)):
            if block.group("lang") not in ("", "bash"):
                continue
            first = text[: block.start("body")].count("\n") + 1
            for offset, line in enumerate(block.group("body").splitlines()):
                if re.match(r"^\s*(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?:\.venv/bin/)?pipelex(?:\s|$)", line):
                    yield Command(page.relative_to(ROOT).as_posix(), first + offset, line.strip(), index)


COMMANDS = list(_commands())


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # pyright: ignore[reportPrivateUsage]
        if isinstance(action, argparse._SubParsersAction):  # pyright: ignore[reportPrivateUsage]
            return dict(action.choices)  # pyright: ignore[reportUnknownArgumentType]
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}  # pyright: ignore[reportPrivateUsage]


def test_the_pages_show_commands_of_every_group() -> None:
    assert len(COMMANDS) >= 30
    groups = {c.words[0] for c in COMMANDS if c.words and not c.words[0].startswith("-")}
    assert groups >= {"run", "build", "validate", "show", "graph", "init", "schema", "worker", "api", "mcp"}


def _problems(command: Command) -> list[str]:
    """What the line names that the command line does not have: the words lead to a command (`show
    pipes|concepts`: to each), and each option is one of it or the root's."""
    root = _build_parser()
    parsers = [root]
    words = command.words
    while words and words[0] in (
        "-L",
        "--library-dir",
        "--debug",
    ):  # the root's own options, before the group
        words = words[2:] if words[0] != "--debug" else words[1:]
    for word in words:
        choices = [sub for parser in parsers for sub in [_subparsers(parser)] if sub]
        if not choices:
            break
        alternatives = [w for w in word.split("|") if w]
        reached = [c[w] for c in choices for w in alternatives if w in c]
        if not reached:
            if not word.startswith("-"):
                return [f"{word!r} is no subcommand of {sorted(choices[0])}"]
            break
        parsers = reached
    known = _options(root) | {option for parser in parsers for option in _options(parser)}
    code = command.text.split(" #")[0]
    named = set(_OPTION.findall(code.split("pipelex", 1)[1]))
    problems = [f"{option} is no option of this command" for option in sorted(named - known)]
    if not {"--help", "-h", "--version", "-V"} & named and any(_subparsers(p) for p in parsers):
        problems.append("it names a group, not a command")
    return problems


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_command_shown_names_subcommands_and_options_that_exist(command: Command) -> None:
    assert _problems(command) == [], command.text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("pipelex run bundle b.mthds --dry-rnu", "--dry-rnu is no option of this command"),
        ("pipelex validate bundel b.mthds", "'bundel' is no subcommand of ['bundle', 'pipe']"),
        ("pipelex show", "it names a group, not a command"),
        (
            "pipelex graph render G.json [--open] [--format mermaid|html] [--watch]",
            "--watch is no option of this command",
        ),
    ],
)
def test_a_command_that_does_not_exist_is_caught(text: str, problem: str) -> None:
    assert problem in _problems(Command("page.md", 1, text, 0))


# ---------------------------------------------------------------------------------------------- runnable here


def _runnable(command: Command) -> bool:
    """Offline and keyless: no server, no worker, no live call to a provider (the PDF example needs none)."""
    if command.is_synopsis:
        return False
    words = command.words
    group = words[0] if words else ""
    if group in ("validate", "build", "schema", "show", "graph", "init"):
        return True
    if group == "run":
        return "--dry-run" in words or "examples/extract_pdf.mthds" in words
    return False


RUNNABLE = [c for c in COMMANDS if _runnable(c)]
_GUIDE_FILE = re.compile(r"<!--\s*library:\s*\S+\s+file:\s*(\S+)\s*-->\n```mthds\n(.*?)```", re.S)


def _scratch(folder: Path) -> None:
    """What a reader of the pages has: the repository's examples/, the guide's first bundle and its library."""
    shutil.copytree(ROOT / "examples", folder / "examples")
    guide = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    first = re.search(r"```mthds\n(domain = \"support_desk\".*?)```", guide, re.S)
    assert first is not None
    (folder / "support_desk.mthds").write_text(first.group(1), encoding="utf-8")
    for path, body in _GUIDE_FILE.findall(guide):
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(body, encoding="utf-8")


def _blocks() -> list[list[Command]]:
    grouped: dict[tuple[str, int], list[Command]] = {}
    for command in RUNNABLE:
        grouped.setdefault((command.page, command.block), []).append(command)
    return list(grouped.values())


def _shell_lines(command: Command) -> list[str]:
    """The block's plain shell lines before ``command`` (`mkdir -p DIR`) that it relies on."""
    text = (ROOT / command.page).read_text(encoding="utf-8").splitlines()
    block_start = max(i for i in range(command.line - 1) if text[i].startswith("```"))
    return [line for line in text[block_start + 1 : command.line - 1] if line.startswith("mkdir -p ")]


def test_the_runnable_commands_cover_every_page_that_shows_one() -> None:
    pages = {c.page for c in RUNNABLE}
    assert {"docs/language.md", "docs/live-inference.md", "examples/README.md"} <= pages
    assert any(c.words[0] == "schema" for c in RUNNABLE) and any("--dry-run" in c.words for c in RUNNABLE)


@pytest.mark.parametrize("block", _blocks(), ids=lambda b: b[0].name)
def test_every_runnable_command_runs_as_written(
    block: list[Command], run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each line of the block in turn, in the same folder (a line may read what the one before wrote)."""
    _scratch(tmp_path)
    monkeypatch.chdir(tmp_path)
    for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "PIPELEX_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    for command in block:
        for line in _shell_lines(command):
            Path(shlex.split(line, comments=True)[-1]).mkdir(parents=True, exist_ok=True)
        code, out, err = run_cli(*command.words)
        assert code == 0, f"{command.name}: {command.text}\n{out}{err}"
        assert "Traceback" not in out + err


def test_the_readme_python_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's Python lines, in an async function (they await), from the repository's folder."""
    import asyncio
    import textwrap

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [code] = re.findall(r"```python\n(.*?)```", readme, re.S)
    *lines, last = code.strip().splitlines()
    assert last.startswith("response.main_stuff,")
    body = "\n".join([*lines, f"return ({last})"])
    namespace: dict[str, object] = {}
    exec(f"async def example():\n{textwrap.indent(body, '    ')}\n", namespace)  # noqa: S102
    monkeypatch.chdir(ROOT)
    main_stuff, memory, graph, usage = asyncio.run(namespace["example"]())  # pyright: ignore[reportCallIssue, reportUnknownVariableType]
    assert main_stuff.concept.endswith("MenuCard") and "menu_card" in memory.root  # pyright: ignore[reportUnknownMemberType, reportAttributeAccessIssue]
    assert len(graph.nodes) == 3 and usage.calls == 0  # pyright: ignore[reportUnknownMemberType, reportAttributeAccessIssue, reportUnknownArgumentType]
