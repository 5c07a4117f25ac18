"""``pipelex api serve``: lazy imports, and a clean refusal when Temporal cannot be reached."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from pipelex.boot import Pipelex

CliResult = tuple[int, str, str]


@pytest.fixture
def fresh_boot() -> Iterator[None]:
    """Forget the boot (and the cached config) before and after: the command boots from the environment."""
    Pipelex.teardown()
    yield
    Pipelex.teardown()


def test_help_does_not_import_the_web_stack() -> None:
    code = (
        "import sys, contextlib, io\nfrom pipelex.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    for argv in (['--help'], ['api', 'serve', '--help']):\n"
        "        try:\n            main(argv)\n        except SystemExit:\n            pass\n"
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette', 'temporalio', 'mthds') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_serve_with_an_unreachable_temporal_says_so_without_traceback(
    run_cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch, fresh_boot: None
) -> None:
    monkeypatch.setenv("PIPELEX_TEMPORAL_ADDRESS", "127.0.0.1:1")
    monkeypatch.delenv("PIPELEX_CONFIG", raising=False)
    code, _, err = run_cli("api", "serve", "--temporal", "--port", "1")
    assert code == 1
    assert "cannot reach the Temporal server at '127.0.0.1:1'" in err
    assert "Traceback" not in err
