"""``benchmarks/fidelity_fuzz.py``: the whole methods it generates are the same for the same seed, parse, validate
when no fault was put in, and fail with the fault's error when one was (the reference itself is not run here)."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.validation.report import ValidationReport, validate_library

ROOT = Path(__file__).resolve().parents[2]


def load_fuzz() -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location(
        "bench_fidelity_fuzz", ROOT / "benchmarks" / "fidelity_fuzz.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_fidelity_fuzz"] = module
    spec.loader.exec_module(module)
    return module


fuzz = load_fuzz()


def validate(files: dict[str, str]) -> ValidationReport:
    bundles: list[tuple[str, str | None]] = [
        (text, rel) for rel, text in sorted(files.items()) if rel.endswith(".mthds")
    ]
    return validate_library(build_library(bundles), default_deck())


def test_a_seed_gives_the_same_method_every_time() -> None:
    assert fuzz.make_case(7) == fuzz.make_case(7)
    assert fuzz.make_case(7) != fuzz.make_case(8)


def test_every_generated_file_is_toml_and_every_kind_of_pipe_is_generated() -> None:
    kinds: set[str] = set()
    for seed in range(60):
        files, _fault = fuzz.make_case(seed)
        for rel, text in files.items():
            if rel.endswith(".mthds"):
                doc = tomllib.loads(text)
                kinds.update(p["type"] for p in doc.get("pipe", {}).values())
    assert kinds >= {
        "PipeLLM",
        "PipeCompose",
        "PipeSequence",
        "PipeParallel",
        "PipeCondition",
        "PipeBatch",
        "PipeExtract",
        "PipeImgGen",
        "PipeFunc",
    }


@pytest.mark.parametrize("seed", range(0, 40))
def test_a_method_without_a_fault_validates(seed: int) -> None:
    files, fault = fuzz.make_case(seed)
    if fault != "none":
        pytest.skip(f"case {seed} has a fault ({fault})")
    report = validate(files)
    assert report.is_valid, [(e.error_type, e.message) for e in report.errors]


# the faults whose error is the same wherever the generator puts them (and the reference's, in the run of 2026-12-02)
FAULT_ERRORS = {
    "missing_input": "missing_input_variable",
    "sequence_output": {"inadequate_output_concept", "inadequate_output_multiplicity"},
    "cycle": "pipe_cycle",
    "foreign_concept": "unresolved_concept",
    "unknown_step": "unresolved_pipe_dependency",
    "llm_image": "llm_output_cannot_be_image",
    # the third run's (2026-12-02, seeds 500 to 679: the reference gave its matching code on each)
    "bad_model": "unknown_model",
    "sequence_output_mult": "inadequate_output_multiplicity",
    "toml_duplicate_key": "toml_syntax",
    "input_bad_name": "invalid_input_name",
    "bad_result_name": "invalid_input_name",
    "field_concept_unknown": "unresolved_concept",
    "unknown_pipe_key": "schema_violation",
}


def test_a_fault_gives_its_error() -> None:
    seen: set[str] = set()
    for seed in range(440):
        files, fault = fuzz.make_case(seed)
        if fault not in FAULT_ERRORS:
            continue
        seen.add(fault)
        wanted = FAULT_ERRORS[fault]
        types = {e.error_type for e in validate(files).errors}
        assert types & ({wanted} if isinstance(wanted, str) else wanted), (seed, fault, types)
    assert seen == set(FAULT_ERRORS)


def test_the_summary_counts_verdicts_and_error_types(capsys: pytest.CaptureFixture[str]) -> None:
    def side(verdict: str, codes: list[str], message: str = "") -> dict[str, object]:
        return {"verdict": verdict, "codes": codes, "pipes": [], "message": message}

    rows = [
        {"name": "fuzz_0000", "fault": "none", "peer": side("valid", []), "ours": side("valid", [])},
        {
            "name": "fuzz_0001",
            "fault": "missing_input",
            "peer": side("invalid", ["method.input_undeclared"]),
            "ours": side("invalid", ["missing_input_variable"]),
        },
        {
            "name": "fuzz_0002",
            "fault": "none",
            "peer": side("invalid", ["pipe.input_unresolved"]),
            "ours": side("valid", []),
        },
        {
            "name": "fuzz_0003",
            "fault": "unused_input",
            "peer": side("valid", []),
            "ours": side("invalid", ["extraneous_input_variable"], "input 'spare_note' is never read"),
        },
    ]
    fuzz.summary(rows)
    out = capsys.readouterr().out
    assert "cases: 4; same verdict: 2; different: 2" in out
    assert "invalid for both: 1; same error type (ours among the reference's codes): 1" in out
    assert "different, a kept difference: 1" in out
    assert "DIFF fuzz_0003" in out and "DIFF fuzz_0002" not in out


def test_the_kept_rows_of_the_third_run_are_recognised() -> None:
    def side(verdict: str, codes: list[str], message: str = "") -> dict[str, object]:
        return {"verdict": verdict, "codes": codes, "pipes": [], "message": message}

    split = {
        "peer": side("invalid", ["pipe.input_unresolved"]),
        "ours": side("valid", []),
        "features": ["PipeLLM", "PipeSequence", "preliminary_text"],
    }
    assert "preliminary_text in a sequence" in (fuzz.kept_difference(split) or "")
    assert fuzz.kept_difference({**split, "features": ["PipeLLM", "PipeSequence"]}) is None
    twice = {**split, "peer": side("invalid", ["pipe.input_unresolved"] * 2), "features": ["nested_sequence"]}
    assert "nested sequence" in (fuzz.kept_difference(twice) or "")
    elaboration = {
        "peer": side(
            "invalid",
            [],
            "Bundle elaboration produced an invalid bundle (domain 'legal'). ... 'template' field should only "
            "have the 'template' key",
        ),
        "ours": side("valid", []),
        "features": ["PipeCompose"],
    }
    assert "construct's template field" in (fuzz.kept_difference(elaboration) or "")


def test_a_fault_written_in_the_toml_leaves_the_features_empty() -> None:
    assert fuzz.features({"bundle.mthds": 'domain = "a"\ndomain = "b"\n'}) == []
