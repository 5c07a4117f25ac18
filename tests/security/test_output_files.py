"""A file the user names for a command to write is never replaced without ``--force``, whatever the command.

Eighth hostile pass: ``build inputs -o`` refused to replace an existing file, but ``run --working-memory-path``,
``schema -o`` and ``graph render -o`` replaced it silently: a typo (``-o inputs.json``, ``--working-memory-path
report.pdf``) destroyed a file the user made, after a run that may have cost money. One rule now
(``pipelex.cli.paths.output_file``): an existing file is a usage error (exit 2, nothing run, nothing written) unless
``--force``. ``graph render`` without ``-o`` still replaces its own page next to the graph (a run writes one there).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

BUNDLE = """
domain = "notes"
main_pipe = "hello"

[pipe.hello]
type = "PipeCompose"
description = "Says hello"
output = "Text"
template = "hello"
"""
PRECIOUS = "my own notes, written by hand\n"


def _commands(tmp_path: Path, target: Path) -> dict[str, list[str]]:
    bundle = tmp_path / "notes.mthds"
    bundle.write_text(BUNDLE, encoding="utf-8")
    out = tmp_path / "results"
    run = [
        "run",
        "bundle",
        str(bundle),
        "--dry-run",
        "-q",
        "-o",
        str(out),
        "--working-memory-path",
        str(target),
    ]
    return {
        "run": run,
        "schema": ["schema", "-o", str(target)],
        "build inputs": ["build", "inputs", str(bundle), "-o", str(target)],
        "graph render": ["graph", "render", "GRAPH", "-o", str(target)],
    }


@pytest.mark.parametrize("command", ["run", "schema", "build inputs", "graph render"])
def test_an_existing_file_is_replaced_only_with_force(
    run_cli: Callable[..., CliResult], tmp_path: Path, command: str
) -> None:
    target = tmp_path / "precious.txt"
    commands = _commands(tmp_path, target)
    argv = commands[command]
    if command == "graph render":  # a graph to render: the run's
        code, _, err = run_cli(*commands["run"])
        assert code == 0, err
        target.unlink()
        [graph] = (tmp_path / "results").glob("*/graph.json")
        argv = [str(graph) if a == "GRAPH" else a for a in argv]
    target.write_text(PRECIOUS, encoding="utf-8")
    runs_before = sorted((tmp_path / "results").glob("*")) if (tmp_path / "results").exists() else []

    code, out, err = run_cli(*argv)
    assert code == 2, out + err
    assert "already exists" in err and "--force" in err and "Traceback" not in err
    assert target.read_text(encoding="utf-8") == PRECIOUS
    after = sorted((tmp_path / "results").glob("*")) if (tmp_path / "results").exists() else []
    assert after == runs_before  # refused before anything ran

    code, out, err = run_cli(*argv, "--force")
    assert code == 0, out + err
    assert target.read_text(encoding="utf-8") != PRECIOUS


def test_graph_render_replaces_its_own_page_next_to_the_graph(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    code, _, err = run_cli(*_commands(tmp_path, tmp_path / "memory.json")["run"])
    assert code == 0, err
    [graph] = (tmp_path / "results").glob("*/graph.json")
    page = graph.with_suffix(".html")
    assert page.is_file()  # the run wrote it
    page.write_text("stale", encoding="utf-8")
    code, _, err = run_cli("graph", "render", str(graph))
    assert code == 0, err
    assert page.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


# ---------------------------------------------------------------------------------------------------- links
# Twelfth hostile pass: a file the CLI writes was written through a symbolic link. A folder someone else made (a run
# folder shared as an archive, a cloned repository) may hold `graph.html` or `pipelex.toml.bak` linking to a file of
# the user's (`~/.bashrc`): `graph render` (its default page, replaced without --force) and `init --force` (whose
# backup is the folder's own pipelex.toml, any text) replaced that file. A dangling link passed the check of an
# existing file (`-o`, `--working-memory-path`) and the write created its target wherever it pointed.


@pytest.mark.parametrize("command", ["run", "schema", "build inputs", "graph render"])
@pytest.mark.parametrize("force", [False, True])
def test_a_named_output_that_is_a_link_is_refused(
    run_cli: Callable[..., CliResult], tmp_path: Path, command: str, force: bool
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    commands = _commands(tmp_path, tmp_path / "out.json")
    argv = commands[command]
    if command == "graph render":
        code, _, err = run_cli(*commands["run"])
        assert code == 0, err
        (tmp_path / "out.json").unlink()
        [graph] = (tmp_path / "results").glob("*/graph.json")
        argv = [str(graph) if a == "GRAPH" else a for a in argv]
    # an existing file, a dangling link
    for target in (elsewhere / "precious.txt", elsewhere / "not-yet.txt"):
        link = tmp_path / "out.json"
        link.unlink(missing_ok=True)
        if target.name == "precious.txt":
            target.write_text(PRECIOUS, encoding="utf-8")
        link.symlink_to(target)
        code, out, err = run_cli(*argv, *(["--force"] if force else []))
        assert code == 2, out + err
        assert "symbolic link" in err and "Traceback" not in err
        assert sorted(p.name for p in elsewhere.iterdir()) == ["precious.txt"]
        assert (elsewhere / "precious.txt").read_text(encoding="utf-8") == PRECIOUS


def test_graph_render_does_not_replace_a_linked_page_next_to_the_graph(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    code, _, err = run_cli(*_commands(tmp_path, tmp_path / "memory.json")["run"])
    assert code == 0, err
    [graph] = (tmp_path / "results").glob("*/graph.json")
    victim = tmp_path / "bashrc"
    victim.write_text(PRECIOUS, encoding="utf-8")
    page = graph.with_suffix(".html")
    page.unlink()
    page.symlink_to(victim)
    code, out, err = run_cli("graph", "render", str(graph))
    assert code == 2, out + err
    assert "symbolic link" in err
    assert victim.read_text(encoding="utf-8") == PRECIOUS


@pytest.mark.parametrize("linked", ["pipelex.toml.bak", "pipelex.toml"])
def test_init_does_not_write_through_a_link(
    run_cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, linked: str
) -> None:
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "bashrc"
    victim.write_text(PRECIOUS, encoding="utf-8")
    hostile = "#!/bin/sh\necho owned\n"  # a cloned folder's own pipelex.toml: any text its author wrote
    if linked == "pipelex.toml.bak":
        (tmp_path / "pipelex.toml").write_text(hostile, encoding="utf-8")
    (tmp_path / linked).symlink_to(victim)
    code, out, err = run_cli("init", "--force")
    assert code == 2, out + err
    assert "symbolic link" in err and "Traceback" not in err
    assert victim.read_text(encoding="utf-8") == PRECIOUS
    if linked == "pipelex.toml.bak":
        assert (tmp_path / "pipelex.toml").read_text(encoding="utf-8") == hostile  # nothing written at all


def test_init_still_replaces_a_regular_file_and_keeps_a_backup(
    run_cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipelex.toml").write_text("# mine\n", encoding="utf-8")
    (tmp_path / "pipelex.toml.bak").write_text("# older\n", encoding="utf-8")
    code, out, err = run_cli("init", "--force")
    assert code == 0, out + err
    assert (tmp_path / "pipelex.toml.bak").read_text(encoding="utf-8") == "# mine\n"
    assert "[" in (tmp_path / "pipelex.toml").read_text(encoding="utf-8")
