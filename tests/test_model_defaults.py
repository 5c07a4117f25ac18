"""Pydantic fields of the package give no builtin class as ``default_factory`` where a builtin costs start-up time.

Pydantic asks whether a ``default_factory`` takes the validated data by reading its signature. For ``list`` that
means parsing the class's text signature with ``tokenize``, whose regular expressions are compiled on first use:
about 7 ms the first time, 0.1 ms each after, in every process that defines such a model (every command). A
function (``lambda: []``) has a real signature and costs nothing. ``dict`` has no text signature: it stays cheap.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pipelex"
COSTLY = re.compile(r"default_factory\s*=\s*(list|set|frozenset|tuple)\b")


def test_no_builtin_sequence_as_default_factory() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if COSTLY.search(line)
    ]
    assert not found, "write `default_factory=lambda: []` (see this module's docstring):\n" + "\n".join(found)


def test_the_cost_is_real_on_this_python() -> None:
    """The reason above, checked: a model with ``default_factory=list`` compiles tokenize's expressions, one with
    a lambda does not (so the rule stays only as long as pydantic and Python behave this way)."""
    probe = """
import sys, tokenize
from pydantic import BaseModel, Field
class A(BaseModel):
    x: list[int] = Field(default_factory={factory})
print(tokenize._compile.cache_info().currsize)
"""
    sizes = [
        subprocess.run(
            [sys.executable, "-c", probe.format(factory=factory)], capture_output=True, text=True, timeout=60
        ).stdout.strip()
        for factory in ("list", "lambda: []")
    ]
    assert sizes[1] == "0"
    assert sizes[0] not in ("", "0")
