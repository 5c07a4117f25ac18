"""The stored dataclass methods (``pipelex/cli/dataclass_methods.py``, ``pipelex/cli/dataclass_store.py``): the module is what
its generator writes, each stored code is what Python compiles from its text, dataclasses made from the store are
the ones ``dataclasses`` makes, and any other text is compiled as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from types import CodeType
from typing import Any

import pytest

from pipelex.cli import dataclass_methods
from pipelex.cli.dataclass_methods_gen import TARGET, is_one_def, module_source, recorded_texts

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ".".join(str(n) for n in sys.version_info[:3])
# the texts depend on the Python and the libraries they were recorded with: under others, a text that differs is a
# miss (compiled as before), and only what holds under any version is checked
SAME_VERSIONS = pytest.mark.skipif(
    dataclass_methods.PYTHON != PYTHON
    or any(version(name) != wanted for name, wanted in dataclass_methods.VERSIONS.items()),
    reason="recorded under another Python or library version: run `python -m pipelex.cli.dataclass_methods_gen`",
)


def _shape(code: CodeType) -> tuple[object, ...]:
    """A code object without where it was written (file, lines): what it does."""
    consts = tuple(_shape(c) if isinstance(c, CodeType) else (type(c).__name__, c) for c in code.co_consts)
    return (
        code.co_name,
        code.co_qualname,
        code.co_code,
        consts,
        code.co_names,
        code.co_varnames,
        code.co_freevars,
        code.co_cellvars,
        code.co_argcount,
        code.co_kwonlyargcount,
        code.co_posonlyargcount,
        code.co_flags,
        code.co_stacksize,
        code.co_exceptiontable,
    )


@SAME_VERSIONS
@pytest.mark.slow
def test_the_store_holds_what_the_everyday_commands_compile() -> None:
    # a dataclass added since the store was written is compiled as before (a miss costs speed, never correctness)
    recorded = {text for text, _ in recorded_texts().items() if is_one_def(text)}
    missing = recorded - set(dataclass_methods.CODES)
    assert len(missing) <= len(recorded) // 10, "run `python -m pipelex.cli.dataclass_methods_gen`"
    stored = {text: "" for text in dataclass_methods.CODES}
    assert TARGET.read_text().partition("CODES: dict")[2] == module_source(stored).partition("CODES: dict")[2]


def test_each_stored_code_is_what_python_compiles_from_its_text() -> None:
    assert len(dataclass_methods.CODES) > 100
    for text, code in dataclass_methods.CODES.items():
        namespace: dict[str, object] = {}
        exec(compile(text, "<string>", "exec", dont_inherit=True), {}, namespace)
        (made,) = namespace.values()
        assert _shape(made.__code__) == _shape(code), text  # type: ignore[attr-defined]


# every dataclass of pydantic and annotated_types, by its methods' code, signatures and annotations
FINGERPRINT = """
import dataclasses, inspect, json, sys
if sys.argv[1] == "store":
    from pipelex.cli.dataclass_store import install
    assert install()
import annotated_types, pydantic, pydantic.types, pydantic.functional_validators, pydantic.json_schema
seen, stored = {}, 0
for module in [m for name, m in list(sys.modules.items()) if name.split(".")[0] in ("pydantic", "annotated_types")]:
    for cls in [v for v in vars(module).values() if isinstance(v, type) and dataclasses.is_dataclass(v)]:
        methods = {}
        for name, fn in sorted(vars(cls).items()):
            fn = getattr(fn, "__wrapped__", fn)
            code = getattr(fn, "__code__", None)
            if code is None or not name.startswith("__"):
                continue
            stored += code.co_filename.endswith("dataclass_methods.py")
            consts = [(c.co_name, c.co_code.hex()) if hasattr(c, "co_code") else repr(c) for c in code.co_consts]
            methods[name] = [code.co_code.hex(), consts, code.co_names, code.co_varnames,
                             str(inspect.signature(fn)), repr(getattr(fn, "__annotations__", None)), fn.__qualname__,
                             repr(fn.__defaults__), repr(fn.__kwdefaults__)]
        seen[f"{cls.__module__}.{cls.__qualname__}"] = methods
print(json.dumps({"seen": seen, "stored": stored}))
"""


def _fingerprint(mode: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", FINGERPRINT, mode],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


@SAME_VERSIONS
@pytest.mark.usefixtures("stores_byte_code")
def test_dataclasses_made_from_the_store_are_the_ones_dataclasses_makes() -> None:
    plain, stored = _fingerprint("plain"), _fingerprint("store")
    assert plain["stored"] == 0
    assert stored["stored"] > 100  # the store served them
    assert len(plain["seen"]) > 30
    assert stored["seen"] == plain["seen"]


BEHAVIOUR = """
import dataclasses, sys
from pipelex.cli.dataclass_store import install
assert install() and not install()  # twice is once
import annotated_types
g = annotated_types.Gt(3)
print("GT", repr(g), g == annotated_types.Gt(3), g != annotated_types.Gt(4), hash(g) == hash(annotated_types.Gt(3)))
try:
    g.gt = 4
except dataclasses.FrozenInstanceError as exc:
    print("FROZEN", exc)
print("FROM", annotated_types.Gt.__init__.__code__.co_filename.endswith("dataclass_methods.py"))
print("INIT", annotated_types.Gt.__init__.__qualname__, annotated_types.Gt.__init__.__module__)
"""

# a dataclass nobody stored: compiled as before, without the store's compiler flags (this module postpones
# annotations; the probe's does not, so its annotations are evaluated)
USER = """
import dataclasses
from pipelex.cli.dataclass_store import install
install()
@dataclasses.dataclass(order=True)
class Mine:
    a: int
    b: list[str] = dataclasses.field(default_factory=list)
print("MINE", Mine(1), Mine(1) < Mine(2), Mine.__init__.__annotations__, Mine.__init__.__code__.co_filename)
ns = {}
dataclasses.exec("x = 1", ns)  # a text that is no `def`, with no namespace of its own: run in the one given
print("PLAIN", ns["x"])
"""


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@SAME_VERSIONS
@pytest.mark.usefixtures("stores_byte_code")
def test_a_stored_dataclass_behaves_as_a_compiled_one() -> None:
    out = _run(BEHAVIOUR)
    assert "GT Gt(gt=3) True True True" in out
    assert "FROZEN cannot assign to field 'gt'" in out
    assert "FROM True" in out
    assert "INIT Gt.__init__ annotated_types" in out


def test_a_text_nobody_stored_is_compiled_as_before() -> None:
    out = _run(USER)
    assert "MINE Mine(a=1, b=[]) True {'a': <class 'int'>, 'b': list[str], 'return': None} <string>" in out
    assert "PLAIN 1" in out


WITHOUT_CACHE = """
import sys
from pathlib import Path
from pipelex.cli.dataclass_store import byte_code_kept
source = Path(sys.argv[1])
print("KEPT", byte_code_kept(source))
"""


@pytest.mark.parametrize("dont_write", [False, True])
@pytest.mark.parametrize("cached", [False, True])
def test_a_store_is_used_only_when_python_keeps_its_byte_code(
    cached: bool, dont_write: bool, tmp_path: Path
) -> None:
    # compiling a 100 KB store from source in every command costs more than it saves (a read-only install
    # without its .pyc, under PYTHONDONTWRITEBYTECODE): such a process goes without the stores
    source = tmp_path / "store.py"
    source.write_text("X = 1\n")
    if cached:
        import py_compile

        py_compile.compile(str(source), doraise=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if dont_write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_CACHE, str(source)], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert f"KEPT {cached or not dont_write}" in done.stdout, done.stderr
