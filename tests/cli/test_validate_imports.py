"""What ``pipelex validate bundle`` may import: start-up is most of an everyday command's time.

Validating (and dry-running) a bundle needs the language, the static checks and the dry-run interpreter, with
pydantic and Jinja2; nothing of the API server, MCP, Temporal, live providers, storage back ends, graph
renderers or telemetry. A module that lands on this path by accident (an import at the top of a module instead
of inside the function that needs it) costs every command its import time: these tests name it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# third-party distributions a validation may load (the standard library is not counted)
ALLOWED_THIRD_PARTY = frozenset(
    {
        "pydantic",
        "pydantic_core",
        "annotated_types",
        "typing_extensions",
        "typing_inspection",
        "jinja2",
        "markupsafe",
    }
)
# parts of pipelex a validation never needs
FORBIDDEN_PIPELEX = (
    "pipelex.api",
    "pipelex.mcp",
    "pipelex.backends.temporal",
    # live inference but its pre-flight check (data only: the model calls a pipe makes, the keys they need)
    "pipelex.inference.live.generator",
    "pipelex.inference.live.calls",
    "pipelex.inference.live.extract",
    "pipelex.inference.live.docgen",
    "pipelex.inference.live.resources",
    "pipelex.inference.live.structured",
    "pipelex.inference.providers",
    "pipelex.storage.s3",
    "pipelex.storage.local",
    "pipelex.tracing.html",
    "pipelex.tracing.mermaid",
    "pipelex.tracing.otel",
    "pipelex.pipeline",
    "pipelex.reporting.console",
    "pipelex.cli.progress",
    "pipelex.testing",
)
# about 85 today (the language, checks, interpreter and every operator and controller): room for growth, not for
# a new subsystem
MAX_PIPELEX_MODULES = 110

SCRIPT = """
import json, sys
from pipelex.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print("MODULES " + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def imported_by(*argv: str) -> tuple[int, list[str]]:
    """The exit code and the modules loaded by ``pipelex ARGV`` in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    line = next(line for line in reversed(result.stdout.splitlines()) if line.startswith("MODULES "))
    data = json.loads(line.removeprefix("MODULES "))
    return data["code"], data["modules"]


def third_party(modules: list[str]) -> set[str]:
    tops = {name.split(".")[0] for name in modules}
    return {t for t in tops if t not in sys.stdlib_module_names and not t.startswith("_") and t != "pipelex"}


@pytest.mark.parametrize(
    "argv",
    [
        ("validate", "bundle", "examples/menu_card.mthds"),
        ("validate", "bundle", "benchmarks/bundles/order_desk.mthds"),
        ("validate", "bundle", "examples/extract_pdf.mthds"),
    ],
    ids=["menu_card", "order_desk", "extract_pdf"],
)
def test_validate_imports_only_what_it_needs(argv: tuple[str, ...]) -> None:
    code, modules = imported_by(*argv)
    assert code == 0
    extra = third_party(modules) - ALLOWED_THIRD_PARTY
    assert not extra, f"validate imported {sorted(extra)}: import them inside the function that needs them"
    forbidden = [m for m in modules if m.startswith(FORBIDDEN_PIPELEX)]
    assert not forbidden, f"validate imported {forbidden}: import them inside the function that needs them"
    ours = [m for m in modules if m == "pipelex" or m.startswith("pipelex.")]
    assert len(ours) <= MAX_PIPELEX_MODULES, f"validate imported {len(ours)} pipelex modules: {ours}"


def test_help_imports_no_model_library() -> None:
    code, modules = imported_by("--help")
    assert code == 0
    assert not third_party(modules)
    assert len([m for m in modules if m.startswith("pipelex")]) <= 6
