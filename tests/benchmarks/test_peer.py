"""``benchmarks/peer.py``: both CLIs run alternately on the same arguments, failures are reported, not timed."""

from __future__ import annotations

import importlib.util
import stat
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_peer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_peer", ROOT / "benchmarks" / "peer.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_peer"] = module
    spec.loader.exec_module(module)
    return module


def fake_cli(path: Path, log: Path, *, fails_on: str | None = None) -> str:
    """A CLI that appends its name and arguments to ``log`` (and fails when its arguments hold ``fails_on``)."""
    fail = f'case "$*" in *{fails_on}*) echo "boom: $*"; exit 3;; esac\n' if fails_on else ""
    path.write_text(f'#!/bin/sh\necho "{path.name} $*" >> {log}\n{fail}echo ok\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_rows_alternate_and_failures_are_reported(tmp_path: Path) -> None:
    peer = load_peer()
    log = tmp_path / "calls.log"
    ours = fake_cli(tmp_path / "ours", log)
    ref = fake_cli(tmp_path / "ref", log, fails_on="broken")
    bench = peer.Bench(ours, ref, tmp_path / "home", tmp_path / "work", timeout=30)
    good = peer.Row("validate good", ["validate", "good"], 3, 3)
    bad = peer.Row("validate broken", ["validate", "broken"], 2, 2)
    bench.measure(good)
    bench.measure(bad)

    calls = log.read_text().splitlines()
    good_calls = [c.split()[0] for c in calls if c.endswith("good")]
    # one warm-up each, then ours first on even runs and the reference first on odd ones
    assert good_calls == ["ours", "ref", "ours", "ref", "ref", "ours", "ours", "ref"]
    assert len(good.ours.times) == len(good.peer.times) == 3
    assert bad.peer.failed is not None and "exit 3" in bad.peer.failed and not bad.peer.times
    assert len(bad.ours.times) == 2

    table = peer.tables([good, bad])
    assert "| validate good |" in table and "3/3" in table
    assert "fails (exit 3: boom: validate broken)" in table


def test_the_reference_runs_offline_in_its_own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    peer = load_peer()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = peer.clean_env(tmp_path / "home")
    ours = peer.clean_env()
    assert env["HOME"] == str(tmp_path / "home") and env["DO_NOT_TRACK"] == "1"
    assert "OPENAI_API_KEY" not in env and "PYTHONPATH" not in env
    assert "OPENAI_API_KEY" not in ours and "PYTHONDONTWRITEBYTECODE" not in ours


def test_floor_rows_run_the_interpreter_alone_and_bound_the_ratio(tmp_path: Path) -> None:
    peer = load_peer()
    log = tmp_path / "calls.log"
    ours = fake_cli(tmp_path / "ours", log)
    ref = fake_cli(tmp_path / "ref", log)
    python = fake_cli(tmp_path / "python", log)
    bench = peer.Bench(ours, ref, tmp_path / "home", tmp_path / "work", timeout=30)
    command = peer.Row("`validate bundle` small", ["validate", "small"], 2, 2)
    floors = peer.floor_rows(python, 2)
    for row in [command, *floors]:
        bench.measure(row)

    calls = log.read_text().splitlines()
    # the floor rows run only our interpreter: a warm-up and the timed runs of each, never a CLI
    assert [c.split()[0] for c in calls if c.startswith("python")] == ["python"] * 6
    assert not any(c.startswith(("ours", "ref")) and "-c" in c for c in calls)
    assert all(f.peer.failed == "not run (a floor row)" and len(f.ours.times) == 2 for f in floors)

    # known CPU times: the ratio of the reference to the last floor row (the pydantic one) is printed per command
    command.peer.cpus = [2.0, 2.0]
    floors[-1].ours.cpus = [0.1, 0.1]
    table = peer.tables([command, *floors])
    assert "| `validate bundle` small | 2.00 s | 20.0x |" in table
    assert "| `validate bundle` small |" in table.split("The floor")[0]  # the command row, in the main table
    assert "floor:" not in table.split("The floor")[0]  # the floor rows are not command rows


def test_write_keeps_the_run_it_replaces_below_the_markers(tmp_path: Path) -> None:
    peer = load_peer()
    readme = tmp_path / "README.md"
    readme.write_text(
        f"# Page\n\n{peer.START_MARKER}\nMeasured 2026-01-01 10:00 UTC on 2 CPUs.\n\n| a |\n\nA note.\n"
        f"{peer.END_MARKER}\n\n## Next section\n"
    )
    peer.write_readme("Measured 2026-01-02 11:00 UTC on 2 CPUs.\n\n| b |", readme)
    peer.write_readme("Measured 2026-01-03 12:00 UTC on 2 CPUs.\n\n| c |", readme)
    text = readme.read_text()
    inside = text.split(peer.START_MARKER)[1].split(peer.END_MARKER)[0]
    assert "| c |" in inside and "| b |" not in inside and "| a |" not in inside
    after = text.split(peer.END_MARKER)[1]
    # newest earlier run first, each under its own heading, its note kept, the rest of the page after them
    assert after.index("### Earlier run: 2026-01-02 11:00 UTC") < after.index(
        "### Earlier run: 2026-01-01 10:00 UTC"
    )
    assert after.index("A note.") < after.index("## Next section")
    assert text.count(peer.START_MARKER) == text.count(peer.END_MARKER) == 1


def test_a_venv_behind_pyproject_is_refused(tmp_path: Path) -> None:
    peer = load_peer()
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        "[project]\nname = 'x'\ndependencies = [\n"
        "  'pytest>=1',\n"  # installed, version fits
        "  'pytest<1',\n"  # installed, at another version
        "  'no-such-distribution-here>=1',\n"  # not installed
        "  'another-missing-one; python_version < \"3\"',\n"  # not for this interpreter: not required
        "]\n"
    )
    unmet = peer.unmet_requirements(sys.executable, pyproject)
    assert unmet[0].startswith("pytest<1 (installed: ")
    assert unmet[1:] == ["no-such-distribution-here>=1 (not installed)"]
    # this repository's own environment satisfies its pyproject
    assert peer.unmet_requirements(sys.executable) == []
