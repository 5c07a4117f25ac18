"""``benchmarks/realworld.py``: cases found in a folder, the reference's output read into verdict and error types,
and the summary listing every disagreement (the reference itself is not run here)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_realworld() -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("bench_realworld", ROOT / "benchmarks" / "realworld.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_realworld"] = module
    spec.loader.exec_module(module)
    return module


realworld = load_realworld()

REFERENCE_OUTPUT = """
❌ Bundle validation failed

Bundle: b.mthds

Pipe Validation Errors:

1. Unresolved Concept
   Pipe: a
   → Concept 'Foo' in pipe.a.output is not declared in domain 'x' and is not native.

2. Missing Input Variable
   Pipe: b
   → Variable 'city' is read by the prompt but not declared in `inputs`.

Problem:   The method does not validate
"""


def test_reference_headings_become_error_types_and_the_first_arrow_line_the_message() -> None:
    types, message = realworld.peer_types(REFERENCE_OUTPUT)
    assert types == ["missing_input_variable", "unresolved_concept"]
    assert message.startswith("Concept 'Foo' in pipe.a.output")


def test_an_output_without_headings_keeps_its_problem_line() -> None:
    types, message = realworld.peer_types("something broke\nProblem:   The file cannot be read\n")
    assert types == []
    assert message == "The file cannot be read"


def test_a_folder_of_several_bundles_is_one_case_and_a_folder_of_one_is_its_file(tmp_path: Path) -> None:
    (tmp_path / "loose.mthds").write_text('domain = "a"\n')
    (tmp_path / "single").mkdir()
    (tmp_path / "single" / "bundle.mthds").write_text('domain = "b"\n')
    (tmp_path / "method").mkdir()
    (tmp_path / "method" / "one.mthds").write_text('domain = "c"\n')
    (tmp_path / "method" / "two.mthds").write_text('domain = "c"\nmain_pipe = "x"\n')
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.md").write_text("no bundle here")
    cases = dict(realworld.discover(tmp_path))
    assert cases == {
        "loose.mthds": tmp_path / "loose.mthds",
        "method": tmp_path / "method",
        "single": tmp_path / "single" / "bundle.mthds",
    }
    assert realworld.has_main_pipe(tmp_path / "method")
    assert not realworld.has_main_pipe(tmp_path / "loose.mthds")
    before = realworld.digest(tmp_path / "method")
    (tmp_path / "method" / "two.mthds").write_text('domain = "c"\n')
    assert realworld.digest(tmp_path / "method") != before


def test_the_summary_counts_agreements_and_lists_each_disagreement() -> None:
    side = realworld.Side
    same = realworld.Case(
        "same.mthds", "same.mthds", "d1", True, side("valid", dry_run="ok"), side("valid", dry_run="ok")
    )
    differ = realworld.Case(
        "differ.mthds", "differ.mthds", "d2", False, side("invalid", ["unresolved_concept"]), side("valid")
    )
    text = realworld.markdown([same, differ], "now")
    assert "cases: 2; same verdict: 1; different: 1" in text
    assert "| differ.mthds | valid | invalid |  | unresolved_concept |" in text
    assert "same.mthds |" not in text


def test_saving_midway_keeps_the_stored_rows_not_reached_yet(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = realworld.Case("a.mthds", "a.mthds", "d1", False, realworld.Side("valid"), realworld.Side("valid"))
    stored = {
        "a.mthds": {"name": "a.mthds", "stale": True},
        "b.mthds": {"name": "b.mthds", "digest": "d2"},
    }
    realworld._save(out, [done], stored)
    rows = json.loads(out.read_text())
    assert [row["name"] for row in rows] == ["a.mthds", "b.mthds"]
    assert "stale" not in rows[0]
