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
