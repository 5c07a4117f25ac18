"""Random argument vectors fed to the CLI in-process: whatever a user types, no internal error, no traceback.

The vectors mix the real commands and flags with hostile values (system paths, a file where a folder is
expected, deep or broken JSON, empty and NUL-holding strings, huge and negative numbers, random text).
Commands that serve forever (``api serve``, ``mcp serve``, ``worker``) or write to the working folder
(``init``) are left out; Temporal is pointed at a closed port so that a ``--temporal`` typed by chance fails
fast instead of starting a server.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelex.backends.temporal.devserver import free_port
from pipelex.cli.main import main

REPO = Path(__file__).resolve().parents[2]
MENU = REPO / "examples" / "menu_card.mthds"

RUN_SWITCHES = ["--dry-run", "--mock-inputs", "--graph", "--no-graph", "-q", "--costs", "--no-costs"]
# each command: its words, whether it takes a positional, the options taking a value, the switches
COMMANDS: list[tuple[list[str], bool, list[str], list[str]]] = [
    (["run", "bundle"], True, ["-o", "-i", "-L", "--pipe"], RUN_SWITCHES),
    (["run", "pipe"], True, ["-o", "-i", "-L"], RUN_SWITCHES),
    (["validate", "bundle"], True, ["-L", "--format"], ["--static-only", "--allow-signatures"]),
    (["validate", "pipe"], True, ["-L", "--format"], ["--all", "--static-only", "--allow-signatures"]),
    (["show", "pipes"], False, ["-L"], []),
    (["show", "concepts"], False, ["-L"], []),
    (["show", "pipe"], True, ["-L"], []),
    (["graph", "render"], True, ["-o", "--format"], []),
    (["build", "inputs"], True, ["-o", "-L", "--pipe"], []),
    (["build", "output"], True, ["-o", "-L", "--pipe"], []),
    (["schema"], False, ["-o"], []),
]
VALUES = [
    "menu_card.mthds",
    "graph.json",
    "afile",
    "afile/sub",
    "folder",
    ".",
    "..",
    "/",
    "/proc",
    "/proc/self/status",
    "/dev/null",
    "/sys",
    "missing.mthds",
    "",
    " ",
    "\x00",
    "{",
    "{}",
    "[]",
    '{"kitchen_note": 1}',
    '{"kitchen_note": "leeks"}',
    '{"a": ' + "[" * 3000 + "]" * 3000 + "}",
    "json",
    "html",
    "text",
    "mermaid",
    "write_menu_card",
    "bistro_menus.write_menu_card",
    "nope.nope",
    "99999",
    "0",
    "1e9",
    "é",
    "💥" * 50,
    "a" * 300,
    "inputs.json",
    "deep.toml",
    "out",
    "out/deeper",
    "/tmp",
    "/nonexistent/x",
]
ODD_VALUES = ["-", "--", "-1", "-h", "--debug"]  # values that argparse reads as options

value = st.one_of(
    st.sampled_from(VALUES),
    st.sampled_from(VALUES),
    st.sampled_from(ODD_VALUES),
    st.text(max_size=20).filter(lambda t: not t.startswith("-")),
)


@st.composite
def well_formed(draw: st.DrawFn) -> list[str]:
    """A vector each command accepts in shape (its positional, its options), with hostile values."""
    words, positional, options, switches = draw(st.sampled_from(COMMANDS))
    argv = list(words)
    if positional:
        argv.append(draw(value))
    for flag in draw(st.lists(st.sampled_from(options), max_size=3)):
        argv += [flag, draw(value)]
    argv += draw(st.lists(st.sampled_from(switches), max_size=3, unique=True)) if switches else []
    if draw(st.booleans()) and draw(st.booleans()):
        argv.insert(0, "--debug")
    return argv


stray = st.tuples(
    st.sampled_from([c[0] for c in COMMANDS] + [[]]),
    st.lists(
        st.one_of(st.sampled_from(["-o", "-i", "-L", "--pipe", "--format", *RUN_SWITCHES, "-h"]), value),
        max_size=8,
    ),
).map(lambda t: [*t[0], *t[1]])
argv_strategy = st.one_of(well_formed(), well_formed(), well_formed(), stray)


@pytest.fixture
def playground(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding a bundle, a graph, a file, a folder and input files; no keys; Temporal closed."""
    shutil.copy(MENU, tmp_path / "menu_card.mthds")
    (tmp_path / "afile").write_text("a file", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "inputs.json").write_text('{"kitchen_note": "leeks, cod"}', encoding="utf-8")
    (tmp_path / "deep.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    (tmp_path / "graph.json").write_text('{"graph_id": 3}', encoding="utf-8")
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "PIPELEX_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIPELEX_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")
    monkeypatch.setenv("PIPELEX_LOG_FILE", str(tmp_path / "pipelex.log"))
    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_in_process(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: usage errors and --help
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return code, out.getvalue() + err.getvalue()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=argv_strategy)
def test_no_argument_vector_gives_an_internal_error_or_a_traceback(playground: Path, argv: list[str]) -> None:
    del playground
    code, output = run_in_process(argv)
    if (
        "--debug" in argv
    ):  # --debug prints tracebacks on purpose; the message must still not be an internal one
        assert "internal error" not in output, (argv, output)
    else:
        assert "internal error" not in output and "Traceback" not in output, (argv, output)
    assert code in (0, 1, 2), (argv, code, output)


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "bundle", "/"],
        ["validate", "bundle", "/"],
        ["run", "bundle", "menu_card.mthds", "-o", "afile", "--dry-run", "--mock-inputs"],
        ["run", "bundle", "menu_card.mthds", "-i", '{"a": ' + "[" * 3000 + "]" * 3000 + "}", "--dry-run"],
        ["run", "bundle", "menu_card.mthds", "-i", "deep.toml", "--dry-run"],
        ["graph", "render", "graph.json", "-o", "/proc/version"],
        ["run", "bundle", "\x00"],
        ["schema", "-o", "folder"],
        ["build", "inputs", "menu_card.mthds", "-o", "/nonexistent/x.json"],
    ],
)
def test_known_hostile_vectors(playground: Path, argv: list[str]) -> None:
    del playground
    code, output = run_in_process(argv)
    assert code in (1, 2), output
    assert "internal error" not in output and "Traceback" not in output, output
