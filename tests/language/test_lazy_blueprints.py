"""The pipe kinds' blueprint classes are created on first use, and nothing a caller sees changes: the list of types,
the classes found by name, the union pyright reads, and the errors and JSON schema of a model that validates pipes."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import TypeAdapter, ValidationError

from pipelex.language import blueprint as bp

ROOT = Path(__file__).resolve().parents[2]


def test_every_type_has_its_class_in_its_module_and_the_union_pyright_reads_lists_them_in_order() -> None:
    assert list(bp.PIPE_CLASSES) == list(bp.PIPE_KIND_MODULES)
    assert bp.PIPE_TYPES == tuple(n for n in bp.PIPE_KIND_MODULES if n != bp.SIGNATURE_TYPE)
    for name, cls in bp.PIPE_CLASSES.items():
        assert bp.type_name_of(cls) == name
        assert cls.__name__ == f"{name}Blueprint" and cls.__module__ == bp.PIPE_KIND_MODULES[name]
        assert getattr(bp, cls.__name__) is cls  # found by name from the facade, the same class
    members = get_args(get_args(bp.pipe_union())[0])
    assert [bp.type_name_of(cls) for cls in members] == list(bp.PIPE_KIND_MODULES)
    # the TYPE_CHECKING union of blueprint.py names the same classes in the same order
    tree = ast.parse((ROOT / "pipelex/language/blueprint.py").read_text(encoding="utf-8"))
    written = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "PipeBlueprint" for t in node.targets)
        and isinstance(node.value, ast.Subscript)
        and isinstance(node.value.slice, ast.Tuple)
    )
    assert isinstance(written, ast.Subscript) and isinstance(written.slice, ast.Tuple)
    names = [name.strip() for name in ast.unparse(written.slice.elts[0]).split("|")]
    assert names == [f"{name}Blueprint" for name in bp.PIPE_KIND_MODULES]


def test_an_unknown_type_or_name_is_refused() -> None:
    assert bp.PIPE_CLASSES.get("PipeNope") is None
    assert "PipeNope" not in bp.PIPE_CLASSES and "PipeLLM" in bp.PIPE_CLASSES
    with pytest.raises(KeyError):
        bp.PIPE_CLASSES["PipeNope"]
    with pytest.raises(AttributeError, match="has no attribute 'PipeNopeBlueprint'"):
        _ = bp.PipeNopeBlueprint  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue]


BAD_PIPES: list[Any] = [
    {"type": "PipeLLM", "description": "d", "output": "Text", "prompt": 3},
    {"description": "d", "output": "Text"},
    {"type": "Nope", "description": "d", "output": "Text"},
    {"type": "PipeImgGen", "description": "d", "output": "Image", "aspect_ratio": "round", "extra": 1},
    {"type": "PipeSequence", "description": "d", "output": "Text", "steps": []},
    {"type": "PipeJudge", "description": "d", "output": "Text", "prompt": "p", "levels": [{"name": "x"}]},
    3,
]


@pytest.mark.parametrize("pipe", BAD_PIPES, ids=[str(i) for i in range(len(BAD_PIPES))])
def test_a_bundle_model_validates_pipes_as_the_discriminated_union_does(pipe: Any) -> None:
    """``BundleBlueprint.pipes`` stands in for the union until built: same errors (types, locations, messages)."""
    union: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, bp.pipe_union()])  # pyright: ignore[reportInvalidTypeForm]
    with pytest.raises(ValidationError) as expected:
        union.validate_python({"p": pipe})
    with pytest.raises(ValidationError) as found:
        bp.BundleBlueprint.model_validate({"domain": "d", "pipes": {"p": pipe}})
    assert found.value.errors(include_url=False) == [
        {**err, "loc": ("pipes", *err["loc"])} for err in expected.value.errors(include_url=False)
    ]
    good = {"type": "PipeLLM", "description": "d", "output": "Text", "prompt": "p"}
    built = bp.BundleBlueprint.model_validate({"domain": "d", "pipes": {"p": good}})
    assert type(built.pipes["p"]) is bp.PipeLLMBlueprint
    assert built.pipes["p"] == union.validate_python({"p": good})["p"]


def test_the_bundle_json_schema_lists_every_kind() -> None:
    schema = bp.BundleBlueprint.model_json_schema()
    pipes = schema["properties"]["pipes"]["additionalProperties"]
    assert [branch["$ref"] for branch in pipes["oneOf"]] == [
        f"#/$defs/{name}Blueprint" for name in bp.PIPE_KIND_MODULES
    ]
    assert sorted(pipes["discriminator"]["mapping"]) == sorted(bp.PIPE_KIND_MODULES)
    assert {f"{name}Blueprint" for name in bp.PIPE_KIND_MODULES} <= set(schema["$defs"])


def test_importing_the_language_creates_no_pipe_kind_class() -> None:
    """Only the kinds asked for are created: the facade and the parser import none of them."""
    script = (
        "import json, sys\n"
        "import pipelex.language.parser, pipelex.language.library, pipelex.language.blueprint as bp\n"
        "before = sorted(m for m in sys.modules if m.startswith('pipelex.language.blueprints.'))\n"
        "bp.PIPE_CLASSES['PipeCompose']\n"
        "after = sorted(m for m in sys.modules if m.startswith('pipelex.language.blueprints.'))\n"
        "print(json.dumps([before, after]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    before, after = json.loads(result.stdout.splitlines()[-1])
    assert before == ["pipelex.language.blueprints.base"]
    assert after == ["pipelex.language.blueprints.base", "pipelex.language.blueprints.compose"]
