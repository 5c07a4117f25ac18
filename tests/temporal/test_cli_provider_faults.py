"""Provider faults on ``pipelex run --temporal``: one line on stderr per failure, with the same hints as a
direct run; temporalio's own "Completing activity as failed" logging (and its traceback) stays out of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelex.testing.fake_provider import FakeProvider
from tests.temporal.test_cli import HELLO, fresh_env

CONFIG = """
[models.calls]
max_attempts = 2
backoff_initial = 0.01
backoff_max = 0.02

[temporal]
retry_initial_interval_s = 0.1
retry_max_attempts = 2
"""


def _run(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "my_bundle.mthds").write_text(HELLO)
    (tmp_path / "pipelex.toml").write_text(CONFIG)
    return subprocess.run(
        [sys.executable, "-m", "pipelex.cli.main", "run", "bundle", "my_bundle.mthds", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def error_lines(stderr: str) -> list[str]:
    """What stderr says of the failure: every line but the informational ones (where the embedded server's Web
    UI is; the ``note:`` saying where the failed run's folder is kept), which must each be one line too."""
    lines = stderr.strip().splitlines()
    informational = [line for line in lines if line.startswith(("note: ", "Temporal Web UI of the embedded"))]
    assert len(informational) <= 2, stderr
    return [line for line in lines if line not in informational]


@pytest.mark.parametrize("backend", [[], ["--temporal"]], ids=["direct", "temporal"])
def test_a_refused_key_is_one_line_naming_the_variable(tmp_path: Path, backend: list[str]) -> None:
    with FakeProvider(api_key="sk-the-right-key-0000000000") as fake:
        env = fresh_env(tmp_path, {**fake.env(), "OPENAI_API_KEY": "sk-a-wrong-key-1111111111"})
        result = _run(tmp_path, env, *backend)
    assert result.returncode == 1
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: the run failed: pipe 'write_greeting'")
    assert "OPENAI_API_KEY" in lines[0] and fake.base_url in lines[0] and "status 401" in lines[0]


def test_a_retried_fault_on_temporal_stays_one_line(tmp_path: Path) -> None:
    with FakeProvider() as fake:
        fake.inject("500", count=100)
        env = fresh_env(tmp_path, fake.env())
        result = _run(tmp_path, env, "--temporal")
        calls = fake.total_calls
    assert result.returncode == 1
    assert "Completing activity as failed" not in result.stderr and "Traceback" not in result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and "failed after 2 attempt(s)" in lines[0] and "status 500" in lines[0], (
        result.stderr
    )
    assert calls == 4  # 2 provider attempts in each of the 2 activity attempts
