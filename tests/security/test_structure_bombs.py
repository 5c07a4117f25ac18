"""Concepts whose structures nest deeply or widely: bounded, with an error naming the concept.

- A dry run mocks a structure by filling every field: 30 list fields of a concept of 30 list fields, four levels
  down, is (3 x 30)^3 x 30 values. The dry run of such a 3 KB bundle took 3 minutes and wrote 1.3 GB (60 fields,
  five levels: hours). Past ``MOCK_VALUES_BUDGET`` values, lists of structures stay empty and optional fields
  unset; required concept fields that still multiply past twice the budget are refused naming the concept.
- A chain of 1,000 concepts each holding the next: compiling the outer one recursed past Python's stack, and
  `pipelex validate` said only "the data nests too deeply to be processed", naming nothing.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipelex.concepts.mocks import MOCK_VALUES_BUDGET, mock_content
from pipelex.errors import ConceptCompileError, MockUnsatisfiableError
from pipelex.language.library import Library, build_library
from tests.security.conftest import Watched


def _wide(width: int, depth: int, *, field: str) -> str:
    """``depth`` concepts, each with ``width`` fields holding the next (``field``: ``list`` or ``required``)."""
    text = 'domain = "wide"\nmain_pipe = "make"\n'
    for i in range(depth):
        text += f'[concept.C{i}]\ndescription = "level {i}"\n[concept.C{i}.structure]\n'
        for w in range(width):
            if i == depth - 1:
                text += f'f{w} = {{ type = "text", description = "leaf" }}\n'
            elif field == "list":
                text += (
                    f'f{w} = {{ type = "list", item_type = "concept", item_concept_ref = "wide.C{i + 1}", '
                    'description = "next" }\n'
                )
            else:
                text += (
                    f'f{w} = {{ type = "concept", concept_ref = "wide.C{i + 1}", description = "next", '
                    "required = true }\n"
                )
    text += '[pipe.make]\ntype = "PipeLLM"\ndescription = "make"\noutput = "C0"\nprompt = "make one"\n'
    return text


def _chain(depth: int) -> str:
    text = 'domain = "deep"\nmain_pipe = "pass_it"\n'
    for i in range(depth):
        field = (
            f'{{ type = "concept", concept_ref = "deep.C{i + 1}", description = "x" }}'
            if i < depth - 1
            else '{ type = "text", description = "x" }'
        )
        text += f'[concept.C{i}]\ndescription = "x"\n[concept.C{i}.structure]\nf = {field}\n'
    text += textwrap.dedent(
        """
        [pipe.pass_it]
        type = "PipeCompose"
        description = "x"
        inputs = { c = "C0" }
        output = "C0"
        construct = { f = { from = "c.f" } }
        """
    )
    return text


def _library(text: str) -> Library:
    lib = build_library([(text, "bundle.mthds")])
    assert lib.diagnostics == [], [d.render() for d in lib.diagnostics]
    return lib


def _count(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(_count(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_count(v) for v in value)
    return 1


def test_the_mock_of_a_wide_nested_structure_stays_within_its_budget_and_validates() -> None:
    lib = _library(_wide(30, 4, field="list"))
    model = lib.concepts.content_model(lib.concepts.concepts["wide.C0"])
    mock = mock_content(model, label="make")
    data = mock.model_dump()
    assert _count(data) <= 2 * MOCK_VALUES_BUDGET  # it was 3 x 30 x 3 x 30 x 3 x 30 x 30 = 19.7 M values
    assert len(data["f0"]) == 3 and len(data["f0"][0]["f0"]) == 3  # the first items are filled as usual
    assert not data["f29"]  # the budget ran out before the last field (an optional list: unset)
    model.model_validate(data)


def test_a_small_structure_is_mocked_as_before() -> None:
    lib = _library(_wide(3, 3, field="list"))
    model = lib.concepts.content_model(lib.concepts.concepts["wide.C0"])
    data = mock_content(model, label="make").model_dump()
    assert [len(data[f"f{w}"]) for w in range(3)] == [3, 3, 3]
    assert all(len(item[f"f{w}"]) == 3 for item in data["f0"] for w in range(3))


def test_required_concept_fields_multiplying_past_the_budget_are_refused_naming_the_concept() -> None:
    lib = _library(_wide(10, 8, field="required"))  # 10^7 required values
    model = lib.concepts.content_model(lib.concepts.concepts["wide.C0"])
    with pytest.raises(MockUnsatisfiableError, match=r"the structure of concept 'wide\.C\d'") as caught:
        mock_content(model, label="make")
    assert "required values" in str(caught.value) and "make nested fields optional" in str(caught.value)


def test_a_chain_of_a_thousand_concepts_is_a_concept_error_naming_the_outer_one() -> None:
    lib = _library(_chain(1000))
    with pytest.raises(ConceptCompileError, match="'deep.C0' nests structures too deeply"):
        lib.concepts.content_model(lib.concepts.concepts["deep.C0"])
    lib.concepts.content_model(lib.concepts.concepts["deep.C900"])  # a short enough tail compiles


def test_the_cli_dry_runs_a_wide_structure_in_seconds(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    (tmp_path / "wide.mthds").write_text(_wide(30, 4, field="list"), encoding="utf-8")
    watched = run_watched_cli(
        "run", "bundle", "wide.mthds", "--dry-run", "-o", "out", "--no-graph", timeout=90
    )
    assert watched.code == 0, watched.err[-2000:]
    written = sum(path.stat().st_size for path in (tmp_path / "out").rglob("*") if path.is_file())
    assert written < 50 * 1024**2  # it wrote 1.3 GB


def test_the_cli_validate_names_the_concept_of_a_chain_of_a_thousand(
    run_watched_cli: Callable[..., Watched], tmp_path: Path
) -> None:
    (tmp_path / "deep.mthds").write_text(_chain(1000), encoding="utf-8")
    watched = run_watched_cli("validate", "bundle", "deep.mthds", timeout=90)
    assert watched.code == 1, watched.err[-2000:]
    said = watched.out + watched.err
    assert "Traceback" not in said
    assert "deep.mthds:" in said and "pipe 'pass_it'" in said, said[-2000:]
    assert "concept 'deep.C0' nests structures too deeply" in said, said[-2000:]
