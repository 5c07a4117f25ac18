"""Where a small command's instructions go, by module and by phase, under callgrind.

    .venv/bin/python benchmarks/startup_profile.py validate bundle benchmarks/bundles/order_desk.mthds
    .venv/bin/python benchmarks/startup_profile.py run bundle examples/menu_card.mthds --dry-run --mock-inputs -o /tmp/x
    .venv/bin/python benchmarks/startup_profile.py --top 80 validate bundle ...

Runs ``pipelex ARGS`` once (byte-code caches written first, ``PYTHONHASHSEED=0``) under
``valgrind --tool=callgrind --dump-before=getppid``, with a marker (a call of ``os.getppid``: callgrind dumps its
counters just before it) at each boundary of interest. Each stretch between two markers is charged to the
innermost thing running then:

- a module's body, while it is imported (its own statements, and the import machinery finding its children);
- a region: creating a pydantic model class (``class: Name``), building its validator (``build: Name``),
  creating an enum (``enum: Name``), compiling a regular expression (``regex``, cache hits included), parsing
  TOML (``toml``), and the command's phases (``phase: ...``: reading the library, the static checks, the sweep,
  a run's preparation, execution and folder);
- ``<start>`` before the first marker (the interpreter's start, ``site``), ``<command>`` for the rest of the
  CLI's own work.

The markers cost about 1 % more instructions than a plain run; the total is printed beside the plain run's.
Regions nest: a module imported while a phase runs is charged to the module, not to the phase.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# the phases of a command: (module, attribute path, label); wrapped right after the module is imported, so the
# importers' ``from module import name`` bind the wrapper
PHASES = (
    ("pipelex.language.loader", "load_library", "phase: load library (read, TOML, blueprints, concepts)"),
    ("pipelex.validation.static", "check_library", "phase: static checks"),
    ("pipelex.validation.report", "_run_sweep", "phase: dry-run sweep"),
    ("pipelex.boot", "Pipelex.config", "phase: config"),
    ("pipelex.config.deck", "deck_for", "phase: model deck"),
    ("pipelex.memory.inputs", "read_inputs_argument", "phase: read inputs"),
    ("pipelex.pipeline.runner", "PipelexRunner.prepare", "phase: run: prepare"),
    ("pipelex.pipeline.runner", "PipelexRunner.__init__", "phase: run: load"),
    ("pipelex.cli.commands", "_run_interruptibly", "phase: run: execute"),
    ("pipelex.cli.commands", "_write_run_dir", "phase: run: write the folder"),
)

HARNESS = r"""
import os, sys
events = []
stack = ["<start>"]
mark = os.getppid
PHASES = {phases!r}

def region(label, fn):
    def wrapped(*args, **kwargs):
        name = label(*args) if callable(label) else label
        events.append(stack[-1]); mark(); stack.append(name)
        try:
            return fn(*args, **kwargs)
        finally:
            events.append(name); mark(); stack.pop()
    wrapped.__wrapped__ = fn
    return wrapped

def wrap(owner, attr, label):
    raw = owner.__dict__.get(attr) if isinstance(owner, type) else None
    fn = getattr(owner, attr)
    wrapped = region(label, fn)
    setattr(owner, attr, staticmethod(wrapped) if isinstance(raw, staticmethod) else wrapped)

def after_import(name, module):
    for target, path, label in PHASES:
        if target == name:
            *owners, attr = path.split(".")
            owner = module
            for part in owners:
                owner = getattr(owner, part)
            wrap(owner, attr, label)
    if name == "pydantic._internal._model_construction":
        wrap(module.ModelMetaclass, "__new__", lambda mcs, cls_name, *a, **k: "class: " + cls_name)
        wrap(module, "complete_model_class", lambda cls, *a, **k: "build: " + cls.__name__)

from importlib._bootstrap_external import _LoaderBasics, ExtensionFileLoader
def wrap_loader(cls):
    original = cls.exec_module
    def exec_module(self, module):
        name = module.__name__
        events.append(stack[-1]); mark(); stack.append(name)
        try:
            return original(self, module)
        finally:
            events.append(name); mark(); stack.pop()
            after_import(name, module)
    cls.exec_module = exec_module
wrap_loader(_LoaderBasics)
wrap_loader(ExtensionFileLoader)

import enum, re
wrap(enum.EnumType, "__new__", lambda mcs, cls_name, *a, **k: "enum: " + cls_name)
wrap(re, "_compile", "regex")
def toml_hook():
    import tomllib
    wrap(tomllib, "loads", "toml")

events.append(stack[-1]); mark(); stack[0] = "<command>"
toml_hook()
code = 0
try:
    from pipelex.cli.main import main
    code = main(sys.argv[1:], one_command=True)
except SystemExit as exc:
    code = exc.code
finally:
    events.append(stack[-1]); mark()
    with open({events_file!r}, "w") as f:
        f.write("\n".join(events))
import gc
gc.freeze()
sys.exit(code)
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONHASHSEED"] = "0"
    return env


def _total(path: Path) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    return 0


def profile(argv: list[str], top: int) -> str:
    python = str(ROOT / ".venv" / "bin" / "python")
    with tempfile.TemporaryDirectory(prefix="startup-profile-") as tmp:
        out = Path(tmp) / "cg.out"
        events_file = Path(tmp) / "events.txt"
        script = Path(tmp) / "harness.py"
        script.write_text(HARNESS.format(phases=PHASES, events_file=str(events_file)))
        env = _env()
        plain = [
            python,
            "-c",
            "import sys; from pipelex.cli.main import entry_point; sys.argv[0] = 'pipelex'; entry_point()",
        ]
        subprocess.run([*plain, *argv], env=env, capture_output=True, check=False)  # write byte-code caches
        subprocess.run([python, str(script), *argv], env=env, capture_output=True, check=False)
        plain_out = Path(tmp) / "plain.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={plain_out}", *plain, *argv],
            env=env,
            capture_output=True,
            check=False,
        )
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--dump-before=getppid",
                f"--callgrind-out-file={out}",
                python,
                str(script),
                *argv,
            ],
            env=env,
            capture_output=True,
            check=False,
        )
        events = events_file.read_text().split("\n")
        dumps = sorted(
            (p for p in Path(tmp).glob("cg.out.*") if re.fullmatch(r"\d+", p.suffix[1:])),
            key=lambda p: int(p.suffix[1:]),
        )
        costs = [_total(p) for p in dumps]
        plain_total = _total(plain_out)
    # the dump before the k-th marker ends the stretch charged to events[k]; the last dump is the exit
    charged: collections.Counter[str] = collections.Counter()
    for k, cost in enumerate(costs):
        charged[events[k] if k < len(events) else "<exit>"] += cost
    return _report(argv, charged, plain_total, top)


def _kind(name: str) -> str:
    if ": " in name or name in ("regex", "toml"):
        return name.split(": ")[0] if ": " in name else name
    if name.startswith("<"):
        return name
    top = name.split(".")[0]
    if top == "pipelex":
        return "modules: pipelex"
    if top in sys.stdlib_module_names or top.startswith("_"):
        return "modules: standard library"
    return f"modules: {top}"


def _report(argv: list[str], charged: collections.Counter[str], plain_total: int, top: int) -> str:
    total = sum(charged.values())
    lines = [
        f"pipelex {' '.join(argv)}",
        f"plain run {plain_total / 1e6:,.1f} M instructions; with markers {total / 1e6:,.1f} M",
        "",
        "by kind:",
    ]
    kinds: collections.Counter[str] = collections.Counter()
    for name, cost in charged.items():
        kinds[_kind(name)] += cost
    lines += [f"  {cost / 1e6:8.1f} M  {kind}" for kind, cost in kinds.most_common()]
    lines += ["", f"the {top} largest:"]
    lines += [f"  {cost / 1e6:8.2f} M  {name}" for name, cost in charged.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--top", type=int, default=50, help="how many modules and regions to list (default 50)"
    )
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the pipelex command line")
    ns = parser.parse_args()
    print(profile(ns.args, ns.top))


if __name__ == "__main__":
    main()
