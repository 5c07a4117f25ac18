"""The CLI under careless input and injected faults, each case as a real ``pipelex`` subprocess.

Every case ends with one clear line and the right exit code (2: usage, 1: the bundle or the run failed), never
an ``internal error``, a traceback or a crash at exit; a run that fails after it started keeps what it did.
The Temporal cases (exit crashes, a server that never answers, a server gone mid-run, signals) are in
``tests/temporal/test_cli_faults.py`` (they use its dev-server fixtures).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.temporal.bundles import failing_bundle, sequence_bundle

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # subprocess-heavy: every case is a real `pipelex` process
CRASH_MARKS = ("Traceback", "internal error", "Fatal Python error", "panicked", "Segmentation fault")

SHOUT_BUNDLE = textwrap.dedent("""
    domain      = "shouting"
    description = "Shouting a text back"
    main_pipe   = "shout_it"

    [pipe.shout_it]
    type          = "PipeFunc"
    description   = "Shouts"
    inputs        = { text = "Text" }
    output        = "Text"
    function_name = "tests.temporal.funcs.shout"
""")


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment: no pipelex settings or keys of the caller, the test functions importable, calls of
    the test functions logged to ``tmp_path/calls.log``, the log file under tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIPELEX_", "OPENAI_", "ANTHROPIC_"))}
    env.pop("PYTEST_CURRENT_TEST", None)
    env.update(
        {
            "HOME": str(tmp_path / "home"),
            "XDG_CONFIG_HOME": str(tmp_path / "home" / ".config"),
            "PYTHONPATH": str(REPO),
            "PIPELEX_TEST_COUNTER_FILE": str(tmp_path / "calls.log"),
            "PIPELEX_LOG_FILE": str(tmp_path / "pipelex.log"),
            "PIPELEX_STORAGE_DIR": str(tmp_path / "storage"),
        }
    )
    env.update(extra)
    return env


def pipelex(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``pipelex ARGS`` in a subprocess, from tmp_path."""
    return subprocess.run(
        [sys.executable, "-m", "pipelex.cli.main", *args],
        cwd=tmp_path,
        env=env or cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess[str], code: int, *expected: str) -> str:
    """The exit code, no crash mark, exactly one ``error:`` line holding every expected fragment."""
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    for mark in CRASH_MARKS:
        assert mark not in output, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    for fragment in expected:
        assert fragment in errors[0], errors[0]
    return errors[0]


@pytest.fixture
def shout(tmp_path: Path) -> Path:
    path = tmp_path / "shout.mthds"
    path.write_text(SHOUT_BUNDLE, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------------- output paths
@pytest.mark.parametrize(
    "target, expected",
    [
        ("afile", "is not a folder"),
        ("afile/sub", "is a file"),
        ("/proc/foo", "/proc is a system folder"),
        ("/dev/null", "/dev is a system folder"),
        ("", "empty"),
    ],
)
def test_a_bad_output_folder_is_refused_before_anything_runs(
    tmp_path: Path, shout: Path, target: str, expected: str
) -> None:
    (tmp_path / "afile").write_text("not a folder")
    result = pipelex(tmp_path, "run", "bundle", str(shout), "-i", '{"text": "hi"}', "-o", target)
    assert_one_clear_line(result, 2, "-o/--output-dir", expected)
    assert not (tmp_path / "calls.log").exists()  # the live function was never called


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root writes to read-only folders: the permission check cannot fail"
)
def test_a_read_only_output_folder_is_refused(tmp_path: Path, shout: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = pipelex(tmp_path, "run", "bundle", str(shout), "-i", '{"text": "hi"}', "-o", str(locked / "out"))
    assert_one_clear_line(result, 2, "not writable")
    assert not (tmp_path / "calls.log").exists()


def test_a_live_run_writes_where_it_was_told(tmp_path: Path, shout: Path) -> None:
    result = pipelex(tmp_path, "run", "bundle", str(shout), "-i", '{"text": "hi"}', "-o", "new/deeper")
    assert result.returncode == 0, result.stderr
    run_dir = tmp_path / "new" / "deeper" / "shout_it_01"
    assert json.loads((run_dir / "main_stuff.json").read_text())["text"] == "HI!"
    assert (tmp_path / "calls.log").read_text().split() == ["shout", "hi"]


def test_an_output_folder_that_leads_into_a_system_folder_through_a_symlink_or_dots_is_refused(
    tmp_path: Path, shout: Path
) -> None:
    (tmp_path / "link").symlink_to("/proc/self")
    for target in ("link/out", "../" * (len(tmp_path.parts) + 2) + "dev/shm/x"):
        result = pipelex(tmp_path, "run", "bundle", str(shout), "-i", '{"text": "hi"}', "-o", target)
        assert_one_clear_line(result, 2, "-o/--output-dir", "is a system folder")
    assert not (tmp_path / "calls.log").exists()


def test_a_planted_run_folder_symlink_is_stepped_over_not_written_through(
    tmp_path: Path, shout: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "shout_it_01").symlink_to(elsewhere)
    result = pipelex(tmp_path, "run", "bundle", str(shout), "-i", '{"text": "hi"}', "-o", "out")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "shout_it_02" / "main_stuff.json").is_file()
    assert list(elsewhere.iterdir()) == []


def test_two_runs_taking_the_same_number_both_get_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelex.cli import commands

    taken = tmp_path / "hello_01"
    real_mkdir = Path.mkdir

    def racing_mkdir(self: Path, *args: object, **kwargs: object) -> None:
        if self == taken and not taken.exists():
            real_mkdir(taken)  # the other run, between our listing and our mkdir
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", racing_mkdir)
    assert commands._next_run_dir(tmp_path, "hello") == tmp_path / "hello_02"  # pyright: ignore[reportPrivateUsage]


def test_a_run_folder_takes_the_number_after_the_highest_of_its_pipe(tmp_path: Path) -> None:
    from pipelex.cli import commands

    for name in ("hello_03", "hello_01", "hello_x", "hello_12.bak", "hello_²", "helloworld_40", "other_09"):
        (tmp_path / name).mkdir()
    (tmp_path / "hello_07").write_text("a file also holds its number")
    assert commands._next_run_dir(tmp_path, "hello") == tmp_path / "hello_08"  # pyright: ignore[reportPrivateUsage]
    assert commands._next_run_dir(tmp_path, "other") == tmp_path / "other_10"  # pyright: ignore[reportPrivateUsage]
    assert commands._next_run_dir(tmp_path / "new", "hello") == tmp_path / "new" / "hello_01"  # pyright: ignore[reportPrivateUsage]


def test_a_run_folder_in_a_folder_that_cannot_be_listed_is_still_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder one may write to but not list (``-wx``; root lists any folder, so the refusal is simulated): the
    listing finds nothing, and the run takes the first number free."""
    from pipelex.cli import commands

    (tmp_path / "hello_01").mkdir()

    def refused(path: object) -> list[str]:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(commands.os, "listdir", refused)
    assert commands._next_run_dir(tmp_path, "hello") == tmp_path / "hello_02"  # pyright: ignore[reportPrivateUsage]


def test_an_output_folder_inside_the_method_folder_is_not_read_back_as_bundles(
    tmp_path: Path, shout: Path
) -> None:
    for _ in range(2):
        result = pipelex(
            tmp_path, "run", "bundle", str(tmp_path), "-i", '{"text": "hi"}', "-o", str(tmp_path / "out")
        )
        assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["shout_it_01", "shout_it_02"]


# ---------------------------------------------------------------------------------------------------- input paths
@pytest.mark.parametrize(
    "inputs, code, expected",
    [
        ("missing.json", 2, "no such inputs file"),
        (".", 2, "it is a folder"),
        ("/proc/self/status", 2, "/proc is a system folder"),
    ],
)
def test_a_bad_inputs_path_is_refused(
    tmp_path: Path, shout: Path, inputs: str, code: int, expected: str
) -> None:
    result = pipelex(tmp_path, "run", "bundle", str(shout), "-i", inputs)
    assert_one_clear_line(result, code, expected)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("form", ["json-file", "toml-file", "inline"])
def test_inputs_nested_10000_deep_get_a_clear_message(tmp_path: Path, shout: Path, form: str) -> None:
    if form == "json-file":
        (tmp_path / "deep.json").write_text('{"text": ' + _nested(10_000) + "}")
        argument = "deep.json"
    elif form == "toml-file":
        (tmp_path / "deep.toml").write_text("text = " + _nested(10_000) + "\n")
        argument = "deep.toml"
    else:
        argument = '{"text": ' + _nested(10_000) + "}"
    result = pipelex(tmp_path, "run", "bundle", str(shout), "-i", argument, "--dry-run")
    assert_one_clear_line(result, 1, "deeper than 64 levels")


def test_inputs_under_the_python_limit_but_over_ours_are_refused_too(tmp_path: Path, shout: Path) -> None:
    result = pipelex(
        tmp_path, "run", "bundle", str(shout), "-i", '{"text": ' + _nested(500) + "}", "--dry-run"
    )
    assert_one_clear_line(result, 1, "deeper than 64 levels")


def test_a_bundle_nested_10000_deep_gets_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "deep.mthds"
    path.write_text(SHOUT_BUNDLE + "\n[extra]\nx = " + _nested(10_000) + "\n")
    result = pipelex(tmp_path, "validate", "bundle", str(path))
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "nests too deeply" in output
    assert not any(mark in output for mark in CRASH_MARKS), output


# ---------------------------------------------------------------------------------------------------- bundle paths
@pytest.mark.parametrize("command", [["run", "bundle"], ["validate", "bundle"]])
@pytest.mark.parametrize(
    "path, expected",
    [
        ("/", None),
        ("/proc", "/proc is a system folder"),
        ("/sys/kernel", "/sys is a system folder"),
        ("/dev/null", "/dev is a system folder"),
        ("missing.mthds", "no such file"),
        ("a" * 300 + ".mthds", "over 255 bytes"),  # a name the system refuses: one clear line, no crash
    ],
)
def test_system_and_missing_bundle_paths_are_refused(
    tmp_path: Path, command: list[str], path: str, expected: str | None
) -> None:
    result = pipelex(tmp_path, *command, path)
    line = assert_one_clear_line(result, 2)
    if expected is not None:
        assert expected in line
    else:  # `/`: a folder for both (a method's folder is run or validated): the whole file system is refused
        assert "whole file system" in line


def test_run_bundle_of_a_folder_runs_the_method_in_it(tmp_path: Path, shout: Path) -> None:
    # mthds' CLI runner writes a method's tree to a folder and runs `pipelex run bundle DIR`
    result = pipelex(tmp_path, "run", "bundle", str(tmp_path), "--dry-run", "--mock-inputs", "-o", "out")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_library_folder_that_is_a_file_path_is_refused(tmp_path: Path, shout: Path) -> None:
    result = pipelex(
        tmp_path, "run", "bundle", str(shout), "-L", "no-such-folder", "--dry-run", "--mock-inputs"
    )
    assert_one_clear_line(result, 2, "-L/--library-dir", "no such file or folder")


def test_the_bundle_given_again_in_a_library_folder_is_loaded_once(tmp_path: Path, shout: Path) -> None:
    for args in (["-L", str(tmp_path)], ["-L", str(shout)], ["-L", "."]):
        result = pipelex(tmp_path, "run", "bundle", str(shout), *args, "-i", '{"text": "hi"}', "-o", "out")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "duplicate_declaration" not in result.stdout + result.stderr
    result = pipelex(tmp_path, "validate", "bundle", str(shout), "-L", str(tmp_path), "--static-only")
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------------------------------------------- graph render
@pytest.fixture
def saved_graph(tmp_path: Path, shout: Path) -> Path:
    result = pipelex(tmp_path, "run", "bundle", str(shout), "-i", '{"text": "hi"}', "-o", "out")
    assert result.returncode == 0, result.stderr
    return tmp_path / "out" / "shout_it_01" / "graph.json"


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/nonexistent/x.html", "does not exist"),
        ("/tmp", "it is a folder"),
        ("/proc/version", "/proc is a system folder"),
        ("afile/x.html", "is a file"),
    ],
)
def test_graph_render_refuses_a_bad_output_path(
    tmp_path: Path, saved_graph: Path, target: str, expected: str
) -> None:
    (tmp_path / "afile").write_text("a file")
    result = pipelex(tmp_path, "graph", "render", str(saved_graph), "-o", target)
    assert_one_clear_line(result, 2, "-o/--output", expected)


def test_graph_render_writes_a_good_output_path(tmp_path: Path, saved_graph: Path) -> None:
    result = pipelex(tmp_path, "graph", "render", str(saved_graph), "-o", "g.mmd", "--format", "mermaid")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "g.mmd").read_text().startswith(("flowchart", "graph", "%%"))


# ---------------------------------------------------------------------------------------------------- numbers
@pytest.mark.parametrize(
    "args, expected",
    [
        (["api", "serve", "--port", "99999"], "is not a port"),
        (["api", "serve", "--port", "-1"], "is not a port"),
        (["api", "serve", "--port", "http"], "is not a port"),
        (["mcp", "serve", "--http", "--port", "0"], "is not a port"),
        (["mcp", "serve", "--port", "9000"], "--port 9000 is for --http"),  # stdio has none: it was ignored
        (["worker", "--address", "127.0.0.1:99999"], "is not a port"),
        (["worker", "--address", "no-port"], "host:port"),
        (["worker", "--max-concurrent-activities", "0"], "out of range"),
    ],
)
def test_ports_and_counts_are_checked_by_the_cli(tmp_path: Path, args: list[str], expected: str) -> None:
    result = pipelex(tmp_path, *args, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert expected in output
    assert not any(mark in output for mark in CRASH_MARKS), output


# ---------------------------------------------------------------------------------------------------- failed runs
def test_a_failed_live_run_keeps_its_partial_results(tmp_path: Path) -> None:
    bundle = tmp_path / "broken.mthds"
    bundle.write_text(failing_bundle(), encoding="utf-8")
    result = pipelex(tmp_path, "run", "bundle", str(bundle), "-i", '{"text": "hi"}', "-o", "out")
    assert_one_clear_line(result, 1, "refuse_it", "refusing 'HI!'")
    run_dir = tmp_path / "out" / "go_01"
    assert f"is in {Path('out') / 'go_01'}" in result.stderr  # the CLI says where
    assert_partial_run(run_dir, backend="direct")


def assert_partial_run(run_dir: Path, *, backend: str) -> None:
    """The folder of the failing ``go`` sequence: shout_it succeeded, refuse_it failed, what shout_it made kept."""
    assert not (run_dir / "main_stuff.json").exists()
    error = json.loads((run_dir / "error.json").read_text())
    assert error["pipe_code"] == "refuse_it"
    assert "refusing 'HI!'" in error["error"]
    graph = json.loads((run_dir / "graph.json").read_text())
    assert graph["backend"] == backend
    statuses = {node["pipe_code"]: node["status"] for node in graph["nodes"]}
    assert statuses == {"go": "failed", "shout_it": "succeeded", "refuse_it": "failed"}
    [failed_leaf] = [node for node in graph["nodes"] if node["pipe_code"] == "refuse_it"]
    assert "refusing 'HI!'" in failed_leaf["error"]
    memory = json.loads((run_dir / "working_memory.json").read_text())
    assert memory["root"]["loud"]["content"] == {"text": "HI!"}
    assert memory["root"]["text"]["content"] == {"text": "hi"}
    assert "calls" in json.loads((run_dir / "usage.json").read_text())
    assert (run_dir / "graph.html").stat().st_size > 1000
    assert (run_dir / "graph.mmd").read_text().strip()


def test_a_run_that_fails_before_starting_writes_nothing(tmp_path: Path) -> None:
    bundle = tmp_path / "broken.mthds"
    bundle.write_text(failing_bundle(), encoding="utf-8")
    result = pipelex(tmp_path, "run", "bundle", str(bundle), "-i", '{"nope": "hi"}', "-o", "out")
    assert_one_clear_line(result, 1, "'nope' is not an input")
    assert not (tmp_path / "out").exists()


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


def test_api_serve_on_a_busy_port_says_so(tmp_path: Path, busy_port: int) -> None:
    result = pipelex(tmp_path, "api", "serve", "--port", str(busy_port), timeout=60)
    assert_one_clear_line(result, 2, f"127.0.0.1:{busy_port}", "already in use", "choose another --port")
    assert "Started server process" not in result.stderr


@pytest.mark.parametrize(
    "host, expected",
    [
        ("192.0.2.1", "not an address of this machine"),  # TEST-NET-1: never a local address
        ("no-such-host.invalid", "does not resolve"),
    ],
)
def test_api_serve_on_a_foreign_host_says_so(tmp_path: Path, host: str, expected: str) -> None:
    result = pipelex(tmp_path, "api", "serve", "--host", host, "--port", "8080", timeout=60)
    assert_one_clear_line(result, 2, expected)


# ---------------------------------------------------------------------------------------------------- signals
INTERRUPTIONS = pytest.mark.parametrize(
    ("sig", "sigint"),
    [
        (signal.SIGINT, signal.SIG_DFL),
        (signal.SIGTERM, signal.SIG_DFL),
        (signal.SIGTERM, signal.SIG_IGN),  # a shell's background job: SIGINT ignored, SIGTERM still stops it
    ],
    ids=["sigint", "sigterm", "sigterm-in-background"],
)


def sigint_at(disposition: signal.Handlers) -> Callable[[], None]:
    """For ``preexec_fn``: the child starts with SIGINT at ``disposition`` whatever the test runner has (a runner
    started as a shell's background job has SIGINT ignored, and children inherit that)."""

    def preexec() -> None:
        signal.signal(signal.SIGINT, disposition)

    return preexec


def interrupted_run(
    tmp_path: Path, *args: str, env: dict[str, str], sig: signal.Signals, sigint: signal.Handlers
) -> subprocess.CompletedProcess[str]:
    """Run a 6-step sequence of 1 s ``slow_step`` functions (``pipelex run bundle ... -o out`` and ``args``), send
    ``sig`` once step_0 is done and step_1 has started, and return how the process ended (killed if it hangs: a
    hung run must not outlive its test). Checks it ended as interrupted, with no crash and its folder kept."""
    bundle = tmp_path / "steps.mthds"
    bundle.write_text(sequence_bundle(6, pipe_type="PipeFunc"), encoding="utf-8")
    calls = tmp_path / "calls.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelex.cli.main",
            "run",
            "bundle",
            str(bundle),
            "-i",
            '{"text": "hi"}',
            "-o",
            "out",
        ]
        + list(args),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_at(sigint),
    )
    try:
        # step_1 starting means step_0's completion is recorded (on Temporal: by the workflow; its function writing
        # "end" does not, as on a loaded machine the activity's result can still be on its way)
        deadline = time.monotonic() + 90
        while (
            len((calls.read_text() if calls.exists() else "").splitlines()) < 3
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        process.send_signal(sig)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, out + err
    assert not any(mark in out + err for mark in CRASH_MARKS), out + err
    assert "error: interrupted" in err
    assert f"is in {Path('out') / 'main_01'}" in err
    graph = json.loads((tmp_path / "out" / "main_01" / "graph.json").read_text())
    statuses = {node["pipe_code"]: node["status"] for node in graph["nodes"]}
    assert statuses["step_0"] == "succeeded", statuses
    assert statuses.get("step_5") != "succeeded", statuses
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@INTERRUPTIONS
def test_an_interrupted_run_stops_cleanly_and_keeps_its_folder(
    tmp_path: Path, sig: signal.Signals, sigint: signal.Handlers
) -> None:
    interrupted_run(tmp_path, env=cli_env(tmp_path, PIPELEX_TEST_STEP_SECONDS="1"), sig=sig, sigint=sigint)


# ---------------------------------------------------------------------------------------------------- full disks
def _file_size_limit(limit: int) -> Callable[[], None]:
    """For ``preexec_fn``: writes past ``limit`` bytes fail with EFBIG, as on a full disk (SIGXFSZ ignored: by
    default it kills the process)."""

    def apply() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _limited(
    tmp_path: Path, limit: int, *args: str, stdout: int | None = None
) -> subprocess.CompletedProcess[str]:
    env = cli_env(tmp_path, PIPELEX_LOG_FILE=os.devnull)
    return subprocess.run(
        [sys.executable, "-m", "pipelex.cli.main", *args],
        cwd=tmp_path,
        env=env,
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=_file_size_limit(limit),
    )


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX file size limits")
def test_a_file_a_command_writes_on_a_full_disk_is_named_and_not_left_truncated(tmp_path: Path) -> None:
    result = _limited(tmp_path, 10_000, "schema", "-o", "schema.json")  # the schema is ~90 KB
    assert_one_clear_line(result, 1, "'schema.json' cannot be written", "free some space")
    assert not (tmp_path / "schema.json").exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_stdout_on_a_full_disk_is_an_error_line_not_a_traceback(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        result = _limited(tmp_path, 2**40, "schema", stdout=full.fileno())
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: the output cannot be written (No space left on device): free some space, or send it to another "
        "disk"
    ]


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX file size limits")
def test_a_finished_run_whose_folder_cannot_be_written_still_gives_its_output(
    tmp_path: Path, shout: Path
) -> None:
    """graph.html (~35 KB) does not fit: the run's output (a live one's was paid for) is printed in full, -q or
    not, and the error says why the folder is incomplete."""
    result = _limited(
        tmp_path, 20_000, "run", "bundle", str(shout), "-i", '{"text": "hi"}', "-o", "out", "-q"
    )
    assert_one_clear_line(result, 1, "the results cannot be written", "free some space")
    assert result.stdout.strip() == "HI!"
    assert "note: the run's output is printed above, in full" in result.stderr


def test_a_console_that_cannot_encode_unicode_gets_escapes_not_an_internal_error(
    tmp_path: Path, shout: Path
) -> None:
    """PYTHONIOENCODING=ascii (or a legacy Windows code page): `validate` printed an em dash and failed with a
    UnicodeEncodeError; a run's output holding any non-ASCII character did too."""
    env = cli_env(tmp_path, PYTHONIOENCODING="ascii")
    result = pipelex(tmp_path, "validate", "bundle", str(shout), "--static-only", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "shout.mthds: valid \\u2014 1 pipe(s)" in result.stdout
    result = pipelex(
        tmp_path, "run", "bundle", str(shout), "-i", '{"text": "caf\\u00e9 \\u2603"}', "-o", "o", env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CAF\\xc9 \\u2603!" in result.stdout


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX file size limits")
def test_a_working_memory_file_that_does_not_fit_is_removed_and_the_results_named(
    tmp_path: Path, shout: Path
) -> None:
    """The run folder (no graph, no memory in it) fits under the limit, the --working-memory-path file does not:
    no half-written memory is left to be read later, and the error says where the run's results are."""
    text = "a" * 2000
    result = _limited(
        tmp_path, 3500, "run", "bundle", str(shout), "-i", json.dumps({"text": text}), "-o", "out", "-q",
        "--no-graph", "--no-save-working-memory", "--working-memory-path", "memory.json",
    )  # fmt: skip
    assert_one_clear_line(result, 1, "the working memory cannot be written to memory.json")
    assert f"note: the run succeeded: its results are in {Path('out') / 'shout_it_01'}" in result.stderr
    assert not (tmp_path / "memory.json").exists()
    assert json.loads((tmp_path / "out" / "shout_it_01" / "main_stuff.json").read_text()) == {
        "text": text.upper() + "!"
    }


def test_a_missing_input_is_told_in_the_clis_terms(tmp_path: Path) -> None:
    # the runner's error takes its how-to from the channel: on the command line, the flags
    result = pipelex(
        tmp_path, "run", "bundle", str(REPO / "examples" / "menu_card.mthds"), "--dry-run", timeout=60
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0 and not any(mark in output for mark in CRASH_MARKS), output
    assert "needs the input(s)" in output and "with -i" in output and "--dry-run --mock-inputs" in output
