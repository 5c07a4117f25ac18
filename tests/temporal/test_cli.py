"""The CLI on Temporal: the seed's four commands on a fresh machine, and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipelex.backends.temporal.devserver import free_port
from pipelex.testing.fake_provider import FakeProvider

HELLO = textwrap.dedent("""
    domain      = "greetings"
    description = "A greeting card, written then framed"
    main_pipe   = "make_card"

    [pipe.make_card]
    type        = "PipeSequence"
    description = "Writes the greeting, then frames it"
    output      = "Text"
    steps = [
      { pipe = "write_greeting", result = "greeting" },
      { pipe = "frame_it", result = "card" },
    ]

    [pipe.write_greeting]
    type        = "PipeLLM"
    description = "Writes a one-line greeting"
    output      = "Text"
    prompt      = "Write a one-line greeting for a harbour master."

    [pipe.frame_it]
    type        = "PipeCompose"
    description = "Frames the greeting"
    inputs      = { greeting = "Text" }
    output      = "Text"
    template    = "*** $greeting ***"
""")


def orphaned_dev_servers() -> set[str]:
    """PIDs of ``temporal server start-dev`` processes whose parent has gone (leaked by a finished command).

    Servers of other live processes (e.g. a concurrent test session's fixture) still have their parent.
    """
    found = subprocess.run(["pgrep", "-f", "temporal server start-dev"], capture_output=True, text=True)
    orphans = set()
    for pid in found.stdout.split():
        status = Path(f"/proc/{pid}/status")
        try:
            ppid = next(
                line.split()[1] for line in status.read_text().splitlines() if line.startswith("PPid:")
            )
        except (OSError, StopIteration):
            continue
        if ppid == "1":
            orphans.add(pid)
    return orphans


def fresh_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A fresh machine: no pipelex config, no Temporal address, no provider key unless given."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIPELEX_", "OPENAI_", "ANTHROPIC_")) and k != "PYTEST_CURRENT_TEST"
    }
    env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), **(extra or {})})
    return env


@pytest.mark.parametrize(
    "args, mode, backend",
    [
        ([], "live", "direct"),
        (["--dry-run", "--mock-inputs"], "dry", "direct"),
        (["--temporal"], "live", "temporal"),
        (["--temporal", "--dry-run", "--mock-inputs"], "dry", "temporal"),
    ],
    ids=["live-direct", "dry-direct", "live-temporal", "dry-temporal"],
)
def test_the_seed_commands_work_as_written_on_a_fresh_machine(
    tmp_path: Path, args: list[str], mode: str, backend: str
) -> None:
    (tmp_path / "my_bundle.mthds").write_text(HELLO)
    before = orphaned_dev_servers()
    with FakeProvider() as fake:
        env = fresh_env(tmp_path, fake.env() if mode == "live" else None)
        result = subprocess.run(
            [sys.executable, "-m", "pipelex.cli.main", "run", "bundle", "my_bundle.mthds", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        live_calls = fake.total_calls
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    graph = json.loads((tmp_path / "results" / "make_card_01" / "graph.json").read_text())
    assert (graph["mode"], graph["backend"]) == (mode, backend)
    main = json.loads((tmp_path / "results" / "make_card_01" / "main_stuff.json").read_text())
    assert main["text"].startswith("*** ") and main["text"].endswith(" ***")
    assert live_calls == (1 if mode == "live" else 0)  # a dry run never calls the provider, on any backend
    if backend == "temporal":
        leaf = next(n for n in graph["nodes"] if n["pipe_code"] == "write_greeting")
        assert leaf["placement"]["activity_id"] and leaf["placement"]["workflow_id"].startswith("pipelex-")
    assert orphaned_dev_servers() <= before  # the embedded dev server is stopped with the command


def test_an_unreachable_server_is_a_clear_error(
    run_cli: Callable[..., Any], tmp_bundle: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelex.boot import Pipelex

    monkeypatch.setenv("PIPELEX_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")
    Pipelex.teardown()
    try:
        code, _, err = run_cli(
            "run", "bundle", str(tmp_bundle(HELLO)), "--temporal", "--dry-run", "--mock-inputs"
        )
    finally:
        Pipelex.teardown()
    assert code == 1
    assert "cannot reach the Temporal server" in err and "temporal server start-dev" in err
    assert "Traceback" not in err


def test_a_worker_needs_a_server(run_cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelex.boot import Pipelex

    monkeypatch.delenv("PIPELEX_TEMPORAL_ADDRESS", raising=False)
    Pipelex.teardown()
    try:
        code, _, err = run_cli("worker")
    finally:
        Pipelex.teardown()
    assert code == 2
    assert "no Temporal server to serve" in err


def test_temporal_enabled_in_config_runs_on_temporal_without_the_flag(
    tmp_path: Path, temporal_server: Any
) -> None:
    (tmp_path / "my_bundle.mthds").write_text(HELLO)
    (tmp_path / "pipelex.toml").write_text(
        f'[temporal]\nis_enabled = true\naddress = "{temporal_server.address}"\ntask_queue = "cfg-{free_port()}"\n'
        "in_process_worker = true\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelex.cli.main",
            "run",
            "bundle",
            "my_bundle.mthds",
            "--dry-run",
            "--mock-inputs",
        ],
        cwd=tmp_path,
        env=fresh_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    graph = json.loads((tmp_path / "results" / "make_card_01" / "graph.json").read_text())
    assert graph["backend"] == "temporal"
    assert all(n["placement"]["workflow_id"].startswith("pipelex-") for n in graph["nodes"])


def test_validate_with_temporal_in_json(run_cli: Callable[..., Any], tmp_bundle: Callable[..., Path]) -> None:
    from pipelex.boot import Pipelex

    try:
        code, out, err = run_cli(
            "validate", "bundle", str(tmp_bundle(HELLO)), "--temporal", "--format", "json"
        )
    finally:
        Pipelex.teardown()
    assert code == 0, err
    report = json.loads(out)
    assert report["is_valid"] and {v["status"] for v in report["validated_pipes"]} == {"SUCCESS"}
