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
