"""The ``pipelex`` command line, run in-process: help, validate, run, graph render, show, init, and bad files."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelex.tracing.graph import ExecutionGraph
from tests.conftest import CliResult

RunCli = Callable[..., CliResult]
TmpBundle = Callable[..., Path]

MENU_BUNDLE = textwrap.dedent("""
    domain      = "bistro_menus"
    description = "Writing the day's menu card from a note of what the kitchen has in"
    main_pipe   = "write_menu_card"

    [concept]
    KitchenNote = "A short note from the kitchen listing what is available today."
    MenuCard    = "The menu as it is written out for the dining room."

    [pipe.write_menu_card]
    type = "PipeSequence"
    description = "Turns the kitchen's note into a dish list, then writes the menu card from it"
    inputs = { kitchen_note = "KitchenNote" }
    output = "MenuCard"
    steps = [
      { pipe = "list_dishes", result = "dishes" },
      { pipe = "lay_out_card", result = "menu_card" },
    ]

    [pipe.list_dishes]
    type        = "PipeLLM"
    description = "Names the dishes the kitchen can serve from what it has in"
    inputs      = { kitchen_note = "KitchenNote" }
    output      = "Text[]"
    prompt      = "The kitchen has this in today: $kitchen_note. Name the dishes that can be served from it."

    [pipe.lay_out_card]
    type        = "PipeLLM"
    description = "Writes the dish list out as the menu card the dining room sees"
    inputs      = { dishes = "Text[]" }
    output      = "MenuCard"
    prompt      = "Write these dishes out as a menu card for the dining room: $dishes"
""")

INVALID_BUNDLE = textwrap.dedent("""
    domain      = "orchard_yields"
    description = "Counting the crates an orchard filled"
    main_pipe   = "count_crates"

    [pipe.count_crates]
    type        = "PipeLLM"
    description = "Counts the crates"
    inputs      = { note = "Text" }
    output      = "CrateTally"
    prompt      = "Count the crates in $note"
""")

# the invalid bundle's error is on its `output = "CrateTally"` line
INVALID_LINE = next(i for i, line in enumerate(INVALID_BUNDLE.splitlines(), 1) if "CrateTally" in line)
MENU_PIPES = ["bistro_menus.write_menu_card", "bistro_menus.list_dishes", "bistro_menus.lay_out_card"]
ARTEFACTS = {
    "main_stuff.json",
    "main_stuff.md",
    "working_memory.json",
    "graph.json",
    "graph.mmd",
    "graph.html",
}


def error_lines(out: str, err: str) -> list[str]:
    return [line for line in (out + err).splitlines() if line.startswith("error")]


@pytest.fixture
def menu(tmp_bundle: TmpBundle) -> Path:
    return tmp_bundle(MENU_BUNDLE, "menu_card.mthds")


@pytest.fixture
def menu_run(run_cli: RunCli, menu: Path, tmp_path: Path) -> Path:
    """The run folder of a dry run of the menu bundle with mocked inputs."""
    code, out, err = run_cli(
        "run", "bundle", str(menu), "--dry-run", "--mock-inputs", "-o", str(tmp_path / "out")
    )
    assert code == 0, out + err
    return tmp_path / "out" / "write_menu_card_01"


# ---------------------------------------------------------------------------------------------------- help


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["run"],
        ["run", "bundle"],
        ["run", "pipe"],
        ["validate"],
        ["validate", "bundle"],
        ["validate", "pipe"],
        ["show"],
        ["show", "pipes"],
        ["show", "concepts"],
        ["show", "pipe"],
        ["show", "models"],
        ["show", "config"],
        ["graph"],
        ["graph", "render"],
        ["init"],
        ["build"],
        ["build", "inputs"],
        ["build", "output"],
        ["schema"],
    ],
    ids=lambda c: " ".join(c) or "pipelex",
)
def test_help_of_every_command(run_cli: RunCli, command: list[str]) -> None:
    code, out, err = run_cli(*command, "--help")
    assert code == 0, err
    assert out.startswith("usage: pipelex")
    assert err == ""


def test_no_command_prints_help_and_is_a_usage_error(run_cli: RunCli) -> None:
    code, out, _ = run_cli()
    assert code == 2
    assert "usage: pipelex" in out


def test_an_unknown_option_is_a_usage_error(run_cli: RunCli, menu: Path) -> None:
    code, _, err = run_cli("validate", "bundle", str(menu), "--no-such-option")
    assert code == 2
    assert "--no-such-option" in err


# ---------------------------------------------------------------------------------------------------- validate


def test_validate_bundle_text(run_cli: RunCli, menu: Path) -> None:
    code, out, err = run_cli("validate", "bundle", str(menu))
    assert code == 0, out + err
    for ref in MENU_PIPES:
        assert f"SUCCESS  {ref}" in out
    assert "valid" in out.splitlines()[-1]
    assert "dry-run sweep" in out


def test_the_summary_says_how_many_pipes_the_sweep_dry_ran(run_cli: RunCli, tmp_path: Path) -> None:
    """A pipe that fails the static checks is not dry-run: the summary does not claim the sweep checked it."""
    bundle = tmp_path / "notes.mthds"
    bundle.write_text(
        'domain = "notes"\n\n[pipe.good]\ntype = "PipeCompose"\ndescription = "d"\ninputs = { a = "Text" }\n'
        'output = "Text"\ntemplate = "$a"\n\n[pipe.bad]\ntype = "PipeCompose"\ndescription = "d"\n'
        'inputs = { a = "Text" }\noutput = "Text"\ntemplate = "$a $b"\n'
    )
    code, out, _ = run_cli("validate", "bundle", str(bundle))
    assert code == 1
    assert out.splitlines()[-1].endswith("static checks, dry-run sweep (1 of 2 pipe(s) dry-run)"), out
    code, out, _ = run_cli("validate", "bundle", str(bundle), "--static-only")
    assert out.splitlines()[-1].endswith("stages: parse, schema, references, static checks"), out


def test_validate_bundle_json(run_cli: RunCli, menu: Path) -> None:
    code, out, err = run_cli("validate", "bundle", str(menu), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["is_valid"] is True
    assert report["is_runnable"] is True
    assert report["errors"] == []
    assert report["warnings"] == []
    assert {(p["pipe_ref"], p["status"]) for p in report["validated_pipes"]} == {
        (r, "SUCCESS") for r in MENU_PIPES
    }


def test_validate_static_only_marks_pipes_skipped(run_cli: RunCli, menu: Path) -> None:
    code, out, _ = run_cli("validate", "bundle", str(menu), "--format", "json", "--static-only")
    assert code == 0
    report = json.loads(out)
    assert {p["status"] for p in report["validated_pipes"]} == {"SKIPPED"}


def test_validate_an_invalid_bundle_lists_the_error(run_cli: RunCli, tmp_bundle: TmpBundle) -> None:
    path = tmp_bundle(INVALID_BUNDLE, "orchard.mthds")
    code, out, err = run_cli("validate", "bundle", str(path))
    assert code == 1
    assert "Traceback" not in out + err
    [line] = error_lines(out, err)
    assert "[unresolved_concept]" in line
    assert f"{path}:{INVALID_LINE}:" in line
    assert "'count_crates'" in line and "CrateTally" in line
    assert "INVALID (1 error(s))" in out


def test_validate_an_invalid_bundle_json(run_cli: RunCli, tmp_bundle: TmpBundle) -> None:
    path = tmp_bundle(INVALID_BUNDLE, "orchard.mthds")
    code, out, _ = run_cli("validate", "bundle", str(path), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["is_valid"] is False
    assert report["is_runnable"] is False
    [error] = report["errors"]
    assert {"error_type", "message", "pipe", "file", "line", "field"} <= set(error)
    assert error["error_type"] == "unresolved_concept"
    assert error["pipe"] == "count_crates"
    assert error["file"] == str(path)
    assert error["line"] == INVALID_LINE
    assert error["field"] == "output"
    assert "CrateTally" in error["message"]
    assert {(p["pipe_ref"], p["status"]) for p in report["validated_pipes"]} == {
        ("orchard_yields.count_crates", "FAILURE")
    }


def test_validate_pipe_of_a_library(run_cli: RunCli, menu: Path) -> None:
    code, out, _ = run_cli("validate", "pipe", "list_dishes", "-L", str(menu.parent), "--format", "json")
    assert code == 0
    assert [p["pipe_ref"] for p in json.loads(out)["validated_pipes"]] == ["bistro_menus.list_dishes"]
    code, out, _ = run_cli("validate", "pipe", "--all", "-L", str(menu.parent), "--format", "json")
    assert code == 0
    assert len(json.loads(out)["validated_pipes"]) == 3


def test_validate_pipe_needs_a_library_and_a_pipe(run_cli: RunCli, menu: Path) -> None:
    code, _, err = run_cli("validate", "pipe", "list_dishes")
    assert code == 2 and "-L" in err
    code, _, err = run_cli("validate", "pipe", "-L", str(menu.parent))
    assert code == 2 and "--all" in err


# ---------------------------------------------------------------------------------------------------- bad files


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "nowhere.mthds"


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.mthds"
    path.write_text("")
    return path


def _binary(tmp_path: Path) -> Path:
    path = tmp_path / "binary.mthds"
    path.write_bytes(bytes(range(256)) * 64)
    return path


def _huge(tmp_path: Path) -> Path:
    path = tmp_path / "huge.mthds"
    line = b"# " + b"x" * 1022 + b"\n"
    with path.open("wb") as handle:
        handle.write(b'domain = "huge"\n')
        for _ in range(50 * 1024):
            handle.write(line)
    return path


def _deep(tmp_path: Path) -> Path:
    path = tmp_path / "deep.mthds"
    path.write_text("a = " + "[" * 5000)
    return path


def _toml_error(tmp_path: Path) -> Path:
    path = tmp_path / "broken.mthds"
    path.write_text('domain = "broken"\n[pipe.a\ntype = "PipeLLM"\n')
    return path


BAD_FILES = {
    "missing": (_missing, "no such file"),
    "empty": (_empty, "empty"),
    "binary": (_binary, "binary"),
    "50MB": (_huge, "50 MB"),
    "deep-nesting": (_deep, "nests too deeply"),
    "toml-syntax": (_toml_error, "line 2, column"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_gives_one_readable_message(run_cli: RunCli, tmp_path: Path, kind: str) -> None:
    make, expected = BAD_FILES[kind]
    path = make(tmp_path)
    code, out, err = run_cli("validate", "bundle", str(path))
    assert code == (2 if kind == "missing" else 1)  # a path that does not exist is a usage error
    assert "Traceback" not in out + err
    [line] = error_lines(out, err)
    assert path.name in line
    assert expected in line


@pytest.mark.parametrize("kind", ["missing", "empty", "binary", "toml-syntax"])
def test_running_a_bad_file_gives_one_readable_message(run_cli: RunCli, tmp_path: Path, kind: str) -> None:
    make, expected = BAD_FILES[kind]
    path = make(tmp_path)
    code, out, err = run_cli(
        "run", "bundle", str(path), "--dry-run", "--mock-inputs", "-o", str(tmp_path / "out")
    )
    assert code == (2 if kind == "missing" else 1)  # a path that does not exist is a usage error
    assert "Traceback" not in out + err
    assert path.name in out + err
    assert expected in out + err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "kind",
    [
        "empty",
        "binary",
        "deep-nesting",
        "toml-syntax",
    ],
)
def test_validate_json_reports_an_unreadable_bundle_as_json(
    run_cli: RunCli, tmp_path: Path, kind: str
) -> None:
    make, _ = BAD_FILES[kind]
    code, out, _ = run_cli("validate", "bundle", str(make(tmp_path)), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["is_valid"] is False
    assert len(report["errors"]) == 1


# ---------------------------------------------------------------------------------------------------- run


def test_mock_inputs_without_dry_run_is_a_usage_error(run_cli: RunCli, menu: Path, tmp_path: Path) -> None:
    code, out, err = run_cli("run", "bundle", str(menu), "--mock-inputs", "-o", str(tmp_path / "out"))
    assert code == 2
    assert "--mock-inputs requires --dry-run" in err
    assert out == ""
    assert not (tmp_path / "out").exists()


def test_dry_run_writes_every_artefact(menu_run: Path) -> None:
    assert {p.name for p in menu_run.iterdir()} == ARTEFACTS
    main_stuff = json.loads((menu_run / "main_stuff.json").read_text())
    assert set(main_stuff) == {"text"} and "DRY RUN" in main_stuff["text"]
    assert (menu_run / "main_stuff.md").read_text().strip() == main_stuff["text"].strip()
    memory = json.loads((menu_run / "working_memory.json").read_text())
    assert {"kitchen_note", "dishes", "menu_card"} <= set(memory["root"])
    assert memory["aliases"]["main_stuff"] in memory["root"]
    graph = ExecutionGraph.from_json((menu_run / "graph.json").read_text())
    assert graph.mode == "dry"
    assert sorted(n.pipe_code for n in graph.nodes) == ["lay_out_card", "list_dishes", "write_menu_card"]
    assert {n.status for n in graph.nodes} == {"succeeded"}
    assert (menu_run / "graph.mmd").read_text().startswith("flowchart")
    html = (menu_run / "graph.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "<script src=" not in html and "<link" not in html, "graph.html must be self-contained"


def test_run_folders_are_numbered(run_cli: RunCli, menu: Path, tmp_path: Path) -> None:
    for _ in range(2):
        code, _, _ = run_cli(
            "run", "bundle", str(menu), "--dry-run", "--mock-inputs", "-q", "-o", str(tmp_path)
        )
        assert code == 0
    assert sorted(
        p.name for p in tmp_path.iterdir() if p.is_dir() and p.name.startswith("write_menu_card")
    ) == ["write_menu_card_01", "write_menu_card_02"]


def test_no_graph_writes_no_graph(run_cli: RunCli, menu: Path, tmp_path: Path) -> None:
    code, _, _ = run_cli(
        "run",
        "bundle",
        str(menu),
        "--dry-run",
        "--mock-inputs",
        "--no-graph",
        "-q",
        "-o",
        str(tmp_path / "out"),
    )
    assert code == 0
    run_dir = tmp_path / "out" / "write_menu_card_01"
    assert {p.name for p in run_dir.iterdir()} == {"main_stuff.json", "main_stuff.md", "working_memory.json"}


def test_quiet_prints_nothing(run_cli: RunCli, menu: Path, tmp_path: Path) -> None:
    code, out, err = run_cli(
        "run", "bundle", str(menu), "--dry-run", "--mock-inputs", "-q", "-o", str(tmp_path)
    )
    assert (code, out, err) == (0, "", "")


def test_run_with_inline_inputs_and_a_named_pipe(run_cli: RunCli, menu: Path, tmp_path: Path) -> None:
    code, out, err = run_cli(
        "run",
        "bundle",
        str(menu),
        "--dry-run",
        "--pipe",
        "list_dishes",
        "-q",
        "-o",
        str(tmp_path),
        "-i",
        '{"kitchen_note": "leeks, potatoes"}',
    )
    assert code == 0, out + err
    memory = json.loads((tmp_path / "list_dishes_01" / "working_memory.json").read_text())
    assert memory["root"]["kitchen_note"]["content"] == {"text": "leeks, potatoes"}
    assert len(json.loads((tmp_path / "list_dishes_01" / "main_stuff.json").read_text())["items"]) == 3


def test_run_without_its_inputs_says_how_to_give_them(run_cli: RunCli, menu: Path, tmp_path: Path) -> None:
    code, out, err = run_cli("run", "bundle", str(menu), "--dry-run", "-o", str(tmp_path / "out"))
    assert code == 1
    assert "Traceback" not in out + err
    [line] = error_lines(out, err)
    assert "'kitchen_note'" in line and "-i" in line and "--mock-inputs" in line


def test_run_with_an_unknown_input_names_it(run_cli: RunCli, menu: Path, tmp_path: Path) -> None:
    code, out, err = run_cli(
        "run",
        "bundle",
        str(menu),
        "--dry-run",
        "-o",
        str(tmp_path / "out"),
        "-i",
        '{"kitchen_note": "leeks", "cellar_note": "cider"}',
    )
    assert code == 1
    [line] = error_lines(out, err)
    assert "'cellar_note'" in line


def test_run_live_without_a_provider_fails_cleanly(
    run_cli: RunCli, menu: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(tmp_path / "storage"))
    code, out, err = run_cli(
        "run", "bundle", str(menu), "-o", str(tmp_path / "out"), "-i", '{"kitchen_note": "leeks"}'
    )
    assert code == 1
    assert "Traceback" not in out + err
    [line] = error_lines(out, err)
    assert "OPENAI_API_KEY" in line and "--dry-run" in line


# ---------------------------------------------------------------------------------------------------- graph render


@pytest.mark.parametrize(
    ("fmt", "suffix", "start"), [("html", ".html", "<!doctype html"), ("mermaid", ".mmd", "flowchart")]
)
def test_graph_render(
    run_cli: RunCli, menu_run: Path, tmp_path: Path, fmt: str, suffix: str, start: str
) -> None:
    target = tmp_path / f"rendered{suffix}"
    code, out, err = run_cli(
        "graph", "render", str(menu_run / "graph.json"), "--format", fmt, "-o", str(target)
    )
    assert code == 0, err
    assert str(target) in out
    text = target.read_text()
    assert text.lstrip().lower().startswith(start)
    for pipe in ("write_menu_card", "list_dishes", "lay_out_card"):
        assert pipe in text
    assert text == (menu_run / f"graph{suffix}").read_text()


def test_graph_render_defaults_to_html_next_to_the_graph(run_cli: RunCli, menu_run: Path) -> None:
    (menu_run / "graph.html").unlink()
    code, _, _ = run_cli("graph", "render", str(menu_run / "graph.json"))
    assert code == 0
    assert (menu_run / "graph.html").is_file()


def test_graph_render_refuses_a_file_that_is_not_a_graph(run_cli: RunCli, menu_run: Path) -> None:
    code, out, err = run_cli("graph", "render", str(menu_run / "main_stuff.json"))
    assert code == 1
    assert "Traceback" not in out + err
    [line] = error_lines(out, err)
    assert "not an execution graph" in line


# ---------------------------------------------------------------------------------------------------- show, init


def test_show_pipes(run_cli: RunCli, menu: Path) -> None:
    code, out, _ = run_cli("show", "pipes", "-L", str(menu))
    assert code == 0
    assert [line.split()[:2] for line in out.splitlines()] == [
        ["bistro_menus.write_menu_card", "PipeSequence"],
        ["bistro_menus.list_dishes", "PipeLLM"],
        ["bistro_menus.lay_out_card", "PipeLLM"],
    ]


def test_show_concepts_lists_the_declared_ones(run_cli: RunCli, menu: Path) -> None:
    code, out, _ = run_cli("show", "concepts", "-L", str(menu))
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [
        "bistro_menus.KitchenNote",
        "bistro_menus.MenuCard",
    ]


def test_show_pipe(run_cli: RunCli, menu: Path) -> None:
    code, out, _ = run_cli("show", "pipe", "list_dishes", "-L", str(menu))
    assert code == 0
    shown = json.loads(out)
    assert shown["type"] == "PipeLLM"
    assert shown["output"] == "Text[]"
    assert shown["inputs"] == {"kitchen_note": "KitchenNote"}


def test_show_an_unknown_pipe(run_cli: RunCli, menu: Path) -> None:
    code, out, err = run_cli("show", "pipe", "nope", "-L", str(menu))
    assert code == 1
    assert "'nope'" in err


def test_show_models(run_cli: RunCli) -> None:
    code, out, _ = run_cli("show", "models")
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["handle", "backend", "model"]
    assert "gpt-4o-mini" in out
    assert "aliases:" in out and "@" in out
    assert "presets:" in out and "waterfalls:" in out


def test_show_config(run_cli: RunCli) -> None:
    code, out, _ = run_cli("show", "config")
    assert code == 0
    config = json.loads(out)
    assert config["dry_run"]["nb_list_items"] == 3
    assert config["temporal"]["is_enabled"] is False


def test_init_writes_a_config_once(run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = run_cli("init")
    assert code == 0
    text = (tmp_path / "pipelex.toml").read_text()
    assert "[dry_run]" in text and "nb_list_items = 3" in text
    code, _, err = run_cli("init")
    assert code == 1
    assert "already exists" in err
    assert (tmp_path / "pipelex.toml").read_text() == text
