"""Shared fixtures: the MTHDS corpus folder, an in-process CLI runner, and bundle files written to tmp.

Markers (``make test-fast`` leaves both out; ``make test`` runs everything):
- ``temporal``: needs a real Temporal dev server (every test under ``tests/temporal/``, and any test using its
  fixtures);
- ``slow``: subprocess-heavy or long (browsers, worker processes, fuzzing, big inputs): marked where they are.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelex.cli.main import main

REPO_CORPUS = Path(__file__).resolve().parents[1] / ".corpus"

CliResult = tuple[int, str, str]


def locate_corpus() -> Path | None:
    """The corpus folder: ``$MTHDS_CORPUS_DIR``, else the repo's ``.corpus`` (``make test``), else None."""
    configured = os.environ.get("MTHDS_CORPUS_DIR")
    if configured:
        path = Path(configured)
        return path if path.is_dir() else None
    return REPO_CORPUS if REPO_CORPUS.is_dir() else None


@pytest.fixture
def stores_byte_code() -> None:
    """The byte code of the CLI's two start-up stores written, as Python writes it at a first import: a process
    under ``PYTHONDONTWRITEBYTECODE`` (a fresh checkout) would otherwise go without the stores, by design
    (``pipelex/cli/dataclass_store.py``'s ``byte_code_kept``)."""
    import py_compile
    from importlib.util import cache_from_source

    import pipelex.cli

    for name in ("dataclass_methods.py", "regex_codes.py"):
        source = Path(pipelex.cli.__file__).with_name(name)
        if not Path(cache_from_source(str(source))).is_file():
            py_compile.compile(str(source), doraise=True)


@pytest.fixture
def corpus_dir() -> Path | None:
    """The MTHDS corpus folder (holding ``entries/``), or None when it is not available."""
    return locate_corpus()


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``pipelex ARGS...`` in-process; return ``(exit_code, stdout, stderr)``."""

    def run(*argv: str) -> CliResult:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse: --help and usage errors
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def tmp_bundle(tmp_path: Path) -> Callable[..., Path]:
    """Write bundle text to a ``.mthds`` file under tmp_path and return its path."""

    def write(text: str, name: str = "bundle.mthds") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


_TEMPORAL_FIXTURES = frozenset(
    {
        "temporal_server",
        "temporal_config",
        "temporal_booted",
        "temporal_session_active",
        "api_temporal_server",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that need a Temporal server ``temporal`` (by folder or by fixture)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "tests/temporal/" in item.nodeid or fixtures & _TEMPORAL_FIXTURES:
            item.add_marker(pytest.mark.temporal)
