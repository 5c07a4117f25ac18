"""The layers of the package: the import contract holds, and the README draws the layers the contract checks.

The contract is ``[tool.importlinter]`` in ``pyproject.toml`` (``make test`` and ``make lint`` run
``lint-imports`` too); these tests keep the README's diagram and the contract one description.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def contract(contract_id: str) -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["id"] == contract_id)


def readme_layers() -> list[str]:
    """The first column of the diagram after "**Layers.**" in the README, one layer per line."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text.split("**Layers.**", 1)[1]
    block = re.search(r"```\n(.*?)```", after, re.S)
    assert block is not None, "the README's **Layers.** paragraph is followed by the layer diagram"
    return [re.split(r"\s{2,}", line.strip())[0] for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_draws_the_layers_of_the_contract() -> None:
    layers = [str(layer) for layer in contract("layers")["layers"]]  # type: ignore[union-attr]
    assert readme_layers() == layers


def test_every_top_level_module_has_its_layer() -> None:
    # the contract is exhaustive (lint-imports checks it too): say so here with the names, for a clear failure
    declared = {name.strip() for layer in contract("layers")["layers"] for name in re.split(r"[|:]", layer)}  # type: ignore[union-attr]
    package = ROOT / "pipelex"
    present = {p.stem for p in package.glob("*.py") if p.name != "__init__.py"}
    present |= {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    assert present == declared, (
        f"give each new module a layer in pyproject.toml: {sorted(present ^ declared)}"
    )


def test_the_import_contract_holds() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports; raise SystemExit(lint_imports(no_cache=True))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
