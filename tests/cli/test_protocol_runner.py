"""``mthds``' own ``PipelexRunner``, unmodified, drives our ``pipelex`` CLI: validate and execute through a subprocess.

It writes the method's tree to a folder and runs ``pipelex [-L DIR] validate bundle DIR`` and ``pipelex [-L DIR]
run bundle DIR --pipe X -i inputs.json --working-memory-path FILE -o DIR --no-pretty-print``, then reads the
working memory back through the protocol's wire models.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mthds.protocol.models import ValidationReport
from mthds.protocol.protocol import PROTOCOL_VERSION
from mthds.runners.pipelex.runner import PipelexRunner, PipelexRunnerError

import pipelex
from tests.api.bundles import MENU, MENU_INVALID

BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def pipelex_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The runner finds ``pipelex`` on PATH: this environment's console script."""
    assert (BIN / "pipelex").exists(), "pipelex is not installed in this environment"
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.chdir(tmp_path)


async def test_runner_validates_through_the_cli() -> None:
    runner = PipelexRunner()
    report = await runner.validate(files={"menu.mthds": MENU})
    assert isinstance(report, ValidationReport) and report.is_valid
    with pytest.raises(PipelexRunnerError, match="exited with code 1"):
        await runner.validate(files={"menu.mthds": MENU_INVALID})


async def test_runner_executes_through_the_cli() -> None:
    runner = PipelexRunner()
    result = await runner.execute(pipe_code="greet", files={"menu.mthds": MENU}, inputs={"name": "Ada"})
    memory = result.pipe_output.working_memory
    assert memory.root[memory.aliases["main_stuff"]].content == {"text": "Hello Ada!"}
    assert (result.model_extra or {})["main_stuff_name"] == memory.aliases["main_stuff"]


async def test_runner_passes_library_dirs_before_the_command(tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    (library / "menu.mthds").write_text(MENU)
    runner = PipelexRunner(library_dirs=[str(library)])
    result = await runner.execute(
        pipe_code="greet", inputs={"name": "Grace"}
    )  # `pipelex -L DIR run pipe greet`
    memory = result.pipe_output.working_memory
    assert memory.root[memory.aliases["main_stuff"]].content == {"text": "Hello Grace!"}


def test_version_names_the_protocol() -> None:
    assert pipelex.MTHDS_PROTOCOL_VERSION == PROTOCOL_VERSION
    done = subprocess.run([str(BIN / "pipelex"), "--version"], capture_output=True, text=True, check=True)
    assert f"MTHDS Protocol {PROTOCOL_VERSION}" in done.stdout


def test_global_library_dir_needs_a_command_that_reads_one() -> None:
    done = subprocess.run([str(BIN / "pipelex"), "-L", "x", "init"], capture_output=True, text=True)
    assert done.returncode == 2 and "reads no library folder" in done.stderr
