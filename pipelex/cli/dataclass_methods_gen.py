"""Writes :mod:`pipelex.cli.dataclass_methods`: the texts of the dataclass methods pipelex's everyday commands make,
as a module (see :mod:`pipelex.cli.dataclass_store`).

    .venv/bin/python -m pipelex.cli.dataclass_methods_gen    # rewrite the module

It runs ``--help``, ``validate`` and dry runs (:data:`COMMANDS`) in a child process whose ``dataclasses``
records every text it compiles, and writes each text that is one ``def`` (all of them, under CPython 3.11-3.13).
Never imported by pipelex at run time: ``tests/cli/test_dataclass_store.py`` checks that the stored module is what this
writes for the installed Python and libraries.
"""

import ast
import json
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, packages_distributions, version
from pathlib import Path
from typing import Any

TARGET = Path(__file__).with_name("dataclass_methods.py")
ROOT = Path(__file__).resolve().parents[2]

# run in the child: record what `dataclasses` compiles while the commands run
_RECORD = """
import builtins, dataclasses
seen = {}
def exec_(source, globals=None, locals=None, /):
    if type(source) is str:
        seen.setdefault(source, (globals or {}).get("__name__", ""))
        source = compile(source, "<string>", "exec", dont_inherit=True)
    builtins.exec(source, globals, locals)
dataclasses.exec = exec_
def recorded():
    return seen
"""

# the child's end: run the commands (its first argument), then print what its hook recorded, as JSON
_RUN_COMMANDS = """
from pipelex.cli.main import main
for argv in json.loads(sys.argv[1]):
    try:
        main(argv)
    except SystemExit:
        pass
sys.stdout.flush()
print("\\n@@recorded@@" + json.dumps(recorded()))
"""

# the commands whose start-up the store serves, over copies of the shipped examples, the benchmarks' bundles (a
# sequence, a batch, a condition, a structured output, `$` and `@` templates; Jinja's loops and filters; the
# mistakes people make, for the error paths) and a long sequence
COMMANDS = [
    ["--help"],
    ["validate", "bundle", "menu_card.mthds"],
    ["run", "bundle", "menu_card.mthds", "--dry-run", "--mock-inputs"],
    ["validate", "bundle", "extract_pdf.mthds"],
    ["run", "bundle", "extract_pdf.mthds", "--dry-run", "-i", "extract_pdf_inputs.json"],
    ["validate", "bundle", "order_desk.mthds"],
    ["run", "bundle", "order_desk.mthds", "--dry-run", "-i", "order_desk_inputs.json"],
    ["validate", "bundle", "mistakes.mthds"],
    ["validate", "bundle", "tea_card.mthds"],
    ["run", "bundle", "tea_card.mthds", "--dry-run", "--mock-inputs"],
    ["validate", "bundle", "long_sequence.mthds"],
    ["run", "bundle", "long_sequence.mthds", "--dry-run", "--mock-inputs"],
]


def long_sequence(steps: int = 400) -> str:
    """A sequence of ``steps`` PipeCompose steps, each reading the previous result: more than 64 KB, a text
    :mod:`pipelex.language.toml_text` reads with compiled ``tomli`` (whose patterns the store then holds too)."""
    lines = [
        'domain = "long"',
        'description = "A long sequence"',
        'main_pipe = "chain"',
        "",
        "[pipe.chain]",
        'type = "PipeSequence"',
        'description = "Runs every step"',
        'inputs = { note = "Text" }',
        'output = "Text"',
        "steps = [",
        *(f'  {{ pipe = "step{index}", result = "r{index}" }},' for index in range(steps)),
        "]",
    ]
    for index in range(steps):
        source = "note" if index == 0 else f"r{index - 1}"
        lines += [
            "",
            f"[pipe.step{index}]",
            'type = "PipeCompose"',
            f'description = "Rewrites the previous text, step {index}"',
            f'inputs = {{ {source} = "Text" }}',
            'output = "Text"',
            f'template = "Step {index}: ${source}"',
        ]
    return "\n".join(lines) + "\n"


def recorded_while_commands_run(hook: str) -> Any:
    """What ``hook`` records in a child process while :data:`COMMANDS` run there, over a copy of the shipped
    examples: ``hook`` is Python run before the commands, with ``json`` and ``sys`` imported, that defines
    ``recorded()`` (returning what it saw, as JSON data)."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder) / "examples"
        shutil.copytree(ROOT / "examples", work)
        for bundle in (ROOT / "benchmarks" / "bundles").iterdir():
            shutil.copy(bundle, work / bundle.name)
        (work / "long_sequence.mthds").write_text(long_sequence())
        done = subprocess.run(
            [sys.executable, "-c", "import json, sys\n" + hook + _RUN_COMMANDS, json.dumps(COMMANDS)],
            cwd=work,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
    return json.loads(done.stdout.rpartition("@@recorded@@")[2])


def recorded_texts() -> dict[str, str]:
    """Every text ``dataclasses`` compiles while the commands run, with the module of its dataclass."""
    return recorded_while_commands_run(_RECORD)


def is_one_def(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    return len(tree.body) == 1 and isinstance(tree.body[0], ast.FunctionDef)


def _versions(packages: list[str]) -> dict[str, str]:
    """The version of the distribution of each top-level package (``markdown_it`` is ``markdown-it-py``'s), by the
    distribution's name, the one ``importlib.metadata.version`` reads."""
    distributions = packages_distributions()
    versions: dict[str, str] = {}
    for package in packages:
        for distribution in distributions.get(package, [package]):
            try:
                versions[distribution] = version(distribution)
            except PackageNotFoundError:
                continue
    return versions


def module_source(texts: dict[str, str] | None = None) -> str:
    """The text of :mod:`pipelex.cli.dataclass_methods` for the installed Python and libraries."""
    texts = recorded_texts() if texts is None else texts
    stored = sorted(t for t in texts if is_one_def(t))
    packages = sorted({texts[t].partition(".")[0] for t in stored} - {""})
    python = ".".join(str(n) for n in sys.version_info[:3])
    lines = [
        '"""The methods of the dataclasses pipelex\'s everyday commands make, by their text (see',
        ":mod:`pipelex.cli.dataclass_store`).",
        "",
        "Generated by ``python -m pipelex.cli.dataclass_methods_gen``: do not edit.",
        f"Recorded under Python {python}, for the dataclasses of: {', '.join(packages) or 'none'}. Under other",
        "versions a text may differ: it is then compiled as ``dataclasses`` does.",
        '"""',
        "",
        "# ruff: noqa",
        "# pyright: basic, reportInvalidTypeForm=false, reportRedeclaration=false",
        "# fmt: off",
        "from types import CodeType",
        "",
        f"PYTHON = {python!r}",
        f"VERSIONS = {json.dumps(_versions(packages), sort_keys=True)}",
        "CODES: dict[str, CodeType] = {}",
        "",
    ]
    for text in stored:
        name = ast.parse(text).body[0]
        assert isinstance(name, ast.FunctionDef)
        lines += [text, f"CODES[{text!r}] = {name.name}.__code__", f"del {name.name}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    TARGET.write_text(module_source())
    print(f"wrote {TARGET}")
