"""The console script tunes the process for one command then exit (the garbage collector, pydantic's plugin
scan); an embedding process (this test run, an application calling ``main``) keeps its own settings."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelex.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "benchmarks" / "bundles" / "order_desk.mthds"

PROBE = """
import gc, os, sys
from pipelex.cli import main as cli
if sys.argv[1] == "--no-dispatch":  # parse and tune only: a serving command would serve until stopped
    import pipelex.cli.commands
    pipelex.cli.commands.dispatch = lambda args: 0
    del sys.argv[1]
seen = {}
original = cli.main
def spy(argv=None, **kw):
    try:
        return original(argv, **kw)
    finally:
        seen["threshold"] = gc.get_threshold()
cli.main = spy
def ended(code):  # the console script's fast exit (nothing but our code ran): end as sys.exit, to print below
    print("FAST", code)
    raise SystemExit(code)
os._exit = ended
try:
    cli._exit(cli.main(sys.argv[1:], one_command=True))
except SystemExit as exc:
    print("EXIT", exc.code, seen["threshold"][0], gc.get_freeze_count() > 0)
    print("MIDDLE", seen["threshold"][1])
    print("PLUGINS", repr(os.environ.get("PYDANTIC_DISABLE_PLUGINS")))
    print("METADATA", "importlib.metadata" in sys.modules)
    import pydantic.plugin._loader as loader
    print("SCANNED", getattr(loader, "_plugins", None) is not None)
    import typing
    print("LAZY", type(vars(typing.ForwardRef)["__forward_code__"]).__name__)
    import dataclasses
    print("STORED", "exec" in vars(dataclasses))
    from re import _compiler
    print("CODES", hasattr(_compiler.compile, "stored"))
"""


def _run_probe(*argv: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, cwd=ROOT, timeout=120, env=env
    ).stdout


def _probe(*argv: str) -> tuple[int, int, bool]:
    out = _run_probe(*argv)
    line = next(line for line in out.splitlines() if line.startswith("EXIT "))
    _, code, young, frozen = line.split()
    return int(code), int(young), frozen == "True"


def test_main_in_process_leaves_the_collector_alone(capsys: pytest.CaptureFixture[str]) -> None:
    before = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    assert main(["validate", "bundle", str(SMALL), "--static-only"]) == 0
    assert gc.get_threshold() == before
    # nothing frozen (a freeze adds every object alive); an object an earlier in-process run froze may die meanwhile
    assert gc.get_freeze_count() <= frozen_before
    assert "valid" in capsys.readouterr().out


def test_one_command_batches_young_collections_and_keeps_the_exit_code(tmp_path: Path) -> None:
    code, young, frozen = _probe("validate", "bundle", str(SMALL), "--static-only")
    assert (code, young, frozen) == (0, 20_000, True)
    assert "MIDDLE 50" in _run_probe("validate", "bundle", str(SMALL), "--static-only")
    broken = tmp_path / "broken.mthds"
    broken.write_text('domain = "x"\n[pipe.a]\ntype = "PipeNope"\n')
    code, _, frozen = _probe("validate", "bundle", str(broken))
    assert code != 0
    assert frozen


@pytest.mark.parametrize("argv", [("worker",), ("api", "serve"), ("mcp", "serve")])
def test_serving_commands_keep_the_default_thresholds(argv: tuple[str, ...]) -> None:
    code, young, _ = _probe("--no-dispatch", *argv)
    assert code == 0
    assert young == 700  # CPython's default


def test_the_probe_sees_the_tuning_without_dispatch() -> None:
    # before its command has loaded anything, the process collects young objects 100,000 allocations apart
    assert _probe("--no-dispatch", "validate", "bundle", str(SMALL))[:2] == (0, 100_000)


LOADING_PROBE = """
import gc, sys
from pipelex.cli import main as cli
import pipelex.cli.commands as commands
seen = {}
def young_collections():
    return gc.get_stats()[0]["collections"]
tune, settle = cli._tune_gc_for_one_command, commands._settle_gc
def spy_tune():
    tune()
    seen["tuned"] = young_collections()
def spy_settle():
    seen["settled"] = young_collections()
    settle()
    seen["after"] = gc.get_threshold()[0]
cli._tune_gc_for_one_command, commands._settle_gc = spy_tune, spy_settle
code = cli.main(sys.argv[1:], one_command=True)
print("LOADING", code, seen["settled"] - seen["tuned"], seen["after"])
"""


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_small_command_loads_without_a_young_collection(dry_run: bool, tmp_path: Path) -> None:
    # what a command loads (modules, classes, schemas, the library) lives until the end: a young collection
    # while it loads scans ~20,000 objects to free none (4-6 ms). A small bundle's command loads under the
    # loading threshold, then freezes what it loaded and collects 20,000 allocations apart.
    argv = ["validate", "bundle", str(SMALL)]
    if dry_run:
        argv = ["run", "bundle", str(SMALL), "--dry-run", "--mock-inputs", "-o", str(tmp_path)]
    out = subprocess.run(
        [sys.executable, "-c", LOADING_PROBE, *argv], capture_output=True, text=True, cwd=ROOT, timeout=120
    ).stdout
    assert "LOADING 0 0 20000" in out


BUILD_PROBE = """
import gc, sys
from pipelex.cli import main as cli
from pipelex.tracing.tracer import GraphTracer
seen = []
build = GraphTracer.build
def spy(self, **kw):
    seen.append(gc.get_count()[0])  # young objects not collected nor frozen since the last collection
    seen.append(gc.get_freeze_count())
    return build(self, **kw)
GraphTracer.build = spy
code = cli.main(sys.argv[1:], one_command=True)
print("BUILD", code, *seen)
"""


def _long_sequence(steps: int) -> str:
    listed = ", ".join(f'{{ pipe = "step{i}", result = "r{i}" }}' for i in range(steps))
    text = (
        'domain = "bench"\nmain_pipe = "chain"\n\n[pipe.chain]\ntype = "PipeSequence"\ndescription = "chain"\n'
        f'inputs = {{ note = "Text" }}\noutput = "Text"\nsteps = [{listed}]\n'
    )
    for i in range(steps):
        read = "note" if i == 0 else f"r{i - 1}"
        text += (
            f'\n[pipe.step{i}]\ntype = "PipeCompose"\ndescription = "step {i}"\n'
            f'inputs = {{ {read} = "Text" }}\noutput = "Text"\ntemplate = "Note: ${read}"\n'
        )
    return text


@pytest.mark.parametrize("one_command", [True, False])
def test_what_a_run_made_is_frozen_before_its_graph_is_built(one_command: bool, tmp_path: Path) -> None:
    """In a one-command process, what a run made lives until the end: once the run has ended it is frozen, so
    that no young collection while the graph is built and the folder written scans it again (a 400-step
    sequence's build met one, scanning the run's ~20,000 objects to free ~18). A process embedding ``main``
    keeps its collector as it set it."""
    bundle = tmp_path / "chain.mthds"
    bundle.write_text(_long_sequence(150))
    argv = ["run", "bundle", str(bundle), "--dry-run", "--mock-inputs", "-o", str(tmp_path / "out")]
    probe = BUILD_PROBE if one_command else BUILD_PROBE.replace("one_command=True", "one_command=False")
    out = subprocess.run(
        [sys.executable, "-c", probe, *argv], capture_output=True, text=True, cwd=ROOT, timeout=120
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BUILD "))
    _, code, young, frozen = line.split()
    assert code == "0"
    if one_command:
        assert int(young) < 50  # frozen: only what was made between the run's end and the build
    else:
        assert frozen == "0"  # nothing frozen, ever


def test_one_command_skips_the_pydantic_plugin_scan() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    out = _run_probe("validate", "bundle", str(SMALL), env=env)
    assert "PLUGINS '__all__'" in out
    assert "SCANNED False" in out  # models were built (the sweep ran), the entry points never read
    # pydantic's loader (which imports importlib.metadata, email, zipfile, tempfile...) was not even imported
    assert "METADATA False" in out


def test_a_plugin_setting_of_the_user_is_kept() -> None:
    env = {**os.environ, "PYDANTIC_DISABLE_PLUGINS": ""}  # empty: load the plugins
    out = _run_probe("validate", "bundle", str(SMALL), env=env)
    assert "PLUGINS ''" in out
    assert "SCANNED True" in out
    assert "METADATA True" in out


HANDOVER = """
import os, sys
from pipelex.cli import main as cli
os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)
cli._skip_pydantic_plugin_scan()
from pydantic import BaseModel

class A(BaseModel):
    x: int

assert A(x=1).x == 1
print("BEFORE", "importlib.metadata" in sys.modules)
os.environ["PYDANTIC_DISABLE_PLUGINS"] = ""  # plugins wanted after all: the real loader takes over

class B(BaseModel):
    y: int

assert B(y=2).y == 2
import pydantic.plugin._loader as loader
print("AFTER", "importlib.metadata" in sys.modules, loader._plugins is not None)
"""


def test_the_stand_in_loader_hands_over_when_plugins_are_wanted_again() -> None:
    out = subprocess.run(
        [sys.executable, "-c", HANDOVER], capture_output=True, text=True, cwd=ROOT, timeout=120
    ).stdout
    assert "BEFORE False" in out
    assert "AFTER True True" in out  # pydantic's own loader scanned the entry points


def test_a_one_command_process_compiles_each_forward_reference_once() -> None:
    out = _run_probe("validate", "bundle", str(SMALL))
    assert "EXIT 0" in out
    assert "LAZY _LazyForwardCode" in out


@pytest.mark.usefixtures("stores_byte_code")
def test_a_one_command_process_takes_dataclass_methods_and_regex_codes_from_the_store() -> None:
    # pipelex/cli/dataclass_store.py; tests/cli/test_dataclass_store.py checks the store itself
    out = _run_probe("validate", "bundle", str(SMALL))
    assert "EXIT 0" in out
    assert "STORED True" in out
    assert "CODES True" in out  # pipelex/cli/regex_store.py (under the interpreter it was stored with)


FORWARD_REFS = """
import typing
from pipelex.cli import main as cli
cli._compile_forward_refs_once()
cli._compile_forward_refs_once()  # twice is once
a, b = typing.ForwardRef("dict[str, Item]"), typing.ForwardRef("dict[str, Item]")
print("SHARED", a.__forward_code__ is b.__forward_code__)
class Item: ...
print("EVALUATED", typing.get_type_hints(type("H", (), {"__annotations__": {"x": a}}), localns={"Item": Item}))
print("STARRED", typing.ForwardRef("*Ts").__forward_code__.co_names)
print("EQUAL", a == typing.ForwardRef("dict[str, Item]"), hash(a) == hash(b))
bad = typing.ForwardRef("dict[str,")  # made, as it is refused when read, each time
for _ in range(2):
    try:
        typing.get_type_hints(type("B", (), {"__annotations__": {"x": bad}}))
    except SyntaxError as exc:
        print("REFUSED", exc)
for wrong in ("", 3):
    try:
        typing.ForwardRef(wrong)
    except (IndexError, TypeError) as exc:
        print("WRONG", type(exc).__name__)
"""


def test_a_lazy_forward_reference_evaluates_and_refuses_as_before() -> None:
    out = subprocess.run(
        [sys.executable, "-c", FORWARD_REFS], capture_output=True, text=True, cwd=ROOT, timeout=120
    ).stdout
    assert "SHARED True" in out
    assert "EVALUATED {'x': dict[str, __main__.Item]}" in out
    assert "STARRED ('Ts',)" in out
    assert "EQUAL True True" in out
    assert out.count("REFUSED Forward reference must be an expression -- got 'dict[str,'") == 2
    assert "WRONG IndexError" in out and "WRONG TypeError" in out


def test_main_in_process_leaves_typing_alone() -> None:
    import typing

    assert main(["validate", "bundle", str(SMALL), "--static-only"]) == 0
    assert type(vars(typing.ForwardRef)["__forward_code__"]).__name__ == "member_descriptor"


def test_main_in_process_leaves_dataclasses_alone() -> None:
    import dataclasses

    assert main(["validate", "bundle", str(SMALL), "--static-only"]) == 0
    assert "exec" not in vars(dataclasses)


def test_main_in_process_leaves_re_alone() -> None:
    from re import _compiler  # pyright: ignore[reportAttributeAccessIssue]

    assert main(["validate", "bundle", str(SMALL), "--static-only"]) == 0
    assert not hasattr(_compiler.compile, "stored")


def test_main_in_process_sets_no_plugin_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    assert main(["validate", "bundle", str(SMALL), "--static-only"]) == 0
    assert "PYDANTIC_DISABLE_PLUGINS" not in os.environ


RUN_PROBE = """
import gc, sys
from pipelex.cli import main as cli
from pipelex.pipeline.runner import PipelexRunner
seen = {}
original = PipelexRunner.execute_prepared
async def spy(self, run, **kwargs):
    tracked = {id(o) for o in gc.get_objects()}  # what the collector can still scan (not frozen)
    seen["library"] = id(run.library.pipes) in tracked
    return await original(self, run, **kwargs)
PipelexRunner.execute_prepared = spy
code = cli.main(sys.argv[1:], one_command=True)
print("RUN", code, seen["library"])
"""


def test_a_run_starts_with_its_prepared_library_out_of_the_collectors_reach(tmp_path: Path) -> None:
    # a young collection during the run would scan the whole library again (it lives until the end): what the
    # run was prepared with is frozen before the run starts
    out = subprocess.run(
        [sys.executable, "-c", RUN_PROBE, "run", "bundle", str(SMALL), "--dry-run", "--mock-inputs"]
        + ["-o", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    ).stdout
    assert "RUN 0 False" in out


VALIDATE_PROBE = """
import gc, sys
from pipelex.cli import main as cli
import pipelex.validation.report as report
seen = {}
original = report.validate_library
def spy(library, *args, **kwargs):
    seen["library"] = id(library.pipes) in {id(o) for o in gc.get_objects()}
    return original(library, *args, **kwargs)
report.validate_library = spy
code = cli.main(sys.argv[2:], one_command=sys.argv[1] == "one")
print("VALIDATE", code, seen["library"])
"""


@pytest.mark.parametrize(("mode", "tracked"), [("one", False), ("embedded", True)])
def test_validate_checks_a_library_out_of_the_collectors_reach_in_its_own_process(
    mode: str, tracked: bool
) -> None:
    # the static checks and the sweep would otherwise rescan the whole library at each young collection;
    # a process embedding the CLI keeps its collector as it is
    out = subprocess.run(
        [sys.executable, "-c", VALIDATE_PROBE, mode, "validate", "bundle", str(SMALL)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    ).stdout
    assert f"VALIDATE 0 {tracked}" in out


EMBEDDED_RUN_PROBE = """
import gc, sys
from pipelex.cli import main as cli
before = gc.get_threshold()
code = cli.main(sys.argv[1:])
print("EMBEDDED", code, gc.get_freeze_count(), gc.get_threshold() == before)
"""


def test_a_run_in_an_embedding_process_leaves_its_collector_alone(tmp_path: Path) -> None:
    # an application calling main() for run after run keeps its collector: a freeze there would keep every
    # run's prepared library and inputs (and whatever cycles they hold) out of reach for the process's life
    out = subprocess.run(
        [sys.executable, "-c", EMBEDDED_RUN_PROBE, "run", "bundle", str(SMALL), "--dry-run", "--mock-inputs"]
        + ["-o", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    ).stdout
    assert "EMBEDDED 0 0 True" in out


EXIT_PROBE = """
import atexit, os, sys, threading
from pipelex.cli import main as cli
real_exit = os._exit
def ended(code):
    print("FAST", code, flush=True)
    real_exit(code)
os._exit = ended
atexit.register(lambda: print("ATEXIT", flush=True))
what = sys.argv[1]
if what == "foreign":  # a module from outside the environment and pipelex (a PipeFunc's, in a live run)
    sys.path.insert(0, sys.argv[2])
    import foreign_module
if what == "thread":  # a thread still running: the interpreter's exit waits for it
    threading.Thread(target=lambda: (__import__("time").sleep(0.3), print("THREAD DONE", flush=True))).start()
print("OUT " + "x" * 200_000)  # a big write still buffered when the command ends
cli._exit(3)
"""


@pytest.mark.parametrize("what", ["own", "foreign", "thread"])
def test_the_exit_skips_freeing_objects_only_when_nothing_else_ran(what: str, tmp_path: Path) -> None:
    (tmp_path / "foreign_module.py").write_text("VALUE = 1\n")
    proc = subprocess.run(
        [sys.executable, "-c", EXIT_PROBE, what, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 3, proc.stderr
    lines = proc.stdout.splitlines()
    assert "OUT " + "x" * 200_000 in lines  # flushed whole either way
    assert "ATEXIT" in lines  # atexit callbacks run either way, once
    assert lines.count("ATEXIT") == 1
    fast = "FAST 3" in lines
    assert fast is (what == "own")
    if what == "thread":
        assert "THREAD DONE" in lines


def test_the_console_script_ends_a_command_whole(tmp_path: Path) -> None:
    # the fast exit under the real console script: the whole report through a pipe, the command's exit code
    script = Path(sys.executable).with_name("pipelex")
    if not script.is_file():
        pytest.skip("no console script beside this interpreter")
    broken = tmp_path / "broken.mthds"
    broken.write_text('domain = "x"\n' + "".join(f'[pipe.p{i}]\ntype = "PipeNope"\n' for i in range(300)))
    proc = subprocess.run(
        [str(script), "validate", "bundle", str(broken), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert len(json.dumps(report)) > 20_000
    ok = subprocess.run(
        [str(script), "validate", "bundle", str(SMALL)], capture_output=True, text=True, timeout=120
    )
    assert ok.returncode == 0 and "valid" in ok.stdout
