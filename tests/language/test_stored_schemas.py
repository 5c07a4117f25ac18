"""The blueprint classes' stored core schemas (``pipelex/language/blueprints/stored_schemas.py``) are pydantic's
own: the module is what its generator writes for the installed pydantic, each schema equals the one pydantic
generates for its class, a validate builds the blueprints from them, and another pydantic version generates."""

import subprocess
import sys
from pathlib import Path

import pydantic
import pydantic_core
import pytest
from pydantic import ValidationError

from pipelex import schema_store
from pipelex.language.blueprint import BundleBlueprint, ConceptBlueprint, PipeLLMBlueprint
from pipelex.language.blueprints import base, stored_schemas
from pipelex.language.stored_schemas_gen import (
    TARGET,
    generated_schema,
    module_source,
    stored_classes,
)

ROOT = Path(__file__).resolve().parents[2]
# the stored schemas are used only under the pydantic they were written with: under another, pydantic generates every
# schema and nothing stored is compared (a new pydantic: run `python -m pipelex.language.stored_schemas_gen`)
SAME_PYDANTIC = pytest.mark.skipif(
    (stored_schemas.PYDANTIC_VERSION, stored_schemas.PYDANTIC_CORE_VERSION)
    != (pydantic.VERSION, pydantic_core.__version__),
    reason="stored under another pydantic version",
)


def _key(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _stored(cls: type) -> object:
    return stored_schemas.SCHEMAS[_key(cls)](schema_store.loaded)


@SAME_PYDANTIC
def test_the_stored_module_is_what_the_generator_writes_for_the_installed_pydantic() -> None:
    assert TARGET.read_text() == module_source(), "run `python -m pipelex.language.stored_schemas_gen`"


@SAME_PYDANTIC
def test_every_stored_schema_is_the_one_pydantic_generates() -> None:
    stored = [cls for cls in stored_classes() if _key(cls) in stored_schemas.SCHEMAS]
    # all but the kinds whose schema holds a validator function (PipeJudge's levels)
    assert {cls.__name__ for cls in stored_classes()} - {cls.__name__ for cls in stored} == {
        "PipeJudgeBlueprint"
    }
    for cls in stored:
        made = _stored(cls)
        assert made == generated_schema(cls), cls.__name__


@SAME_PYDANTIC
def test_a_class_built_from_its_stored_schema_validates_and_fails_as_pydantic_s() -> None:
    good = {"type": "PipeLLM", "description": "d", "output": "Text", "templating_style": {"tag_style": "xml"}}
    bad = {
        "type": "PipeLLM",
        "description": 3,
        "output": "Text",
        "templating_style": {"tag_style": "nope"},
        "x": 1,
    }

    def outcome() -> tuple[object, object, object]:
        with pytest.raises(ValidationError) as failure:
            PipeLLMBlueprint.model_validate(bad)
        errors = failure.value.errors(include_url=False)
        return PipeLLMBlueprint.model_validate(good), errors, PipeLLMBlueprint.model_json_schema()

    PipeLLMBlueprint.model_rebuild(force=True)  # from the stored schema
    stored = outcome()
    assert _stored(PipeLLMBlueprint) == PipeLLMBlueprint.__pydantic_core_schema__
    generated_schema(PipeLLMBlueprint)  # rebuilt by pydantic's own generation
    assert outcome() == stored
    errors = stored[1]
    assert isinstance(errors, list)
    # the description, both members of the templating style's union, the unknown key
    assert [error["type"] for error in errors] == [
        "string_type",
        "literal_error",
        "literal_error",
        "extra_forbidden",
    ]


@SAME_PYDANTIC
def test_another_pydantic_version_generates_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    assert schema_store.stored_maker(ConceptBlueprint, base.STORED_SCHEMAS) is not None
    monkeypatch.setattr(stored_schemas, "PYDANTIC_CORE_VERSION", "0.0.0")
    assert schema_store.stored_maker(ConceptBlueprint, base.STORED_SCHEMAS) is None
    ConceptBlueprint.model_rebuild(force=True)
    assert ConceptBlueprint.model_validate({"description": "d"}).description == "d"


def test_a_class_without_a_stored_schema_is_generated_as_before() -> None:
    # the bundle's model (never built by a validate) nests every kind: the same schema with or without the stored ones
    BundleBlueprint.model_rebuild(force=True)
    with_stored = BundleBlueprint.__pydantic_core_schema__
    assert generated_schema(BundleBlueprint) == with_stored


SPY = """
import sys
from pydantic._internal import _generate_schema
generated = []
original = _generate_schema.GenerateSchema._model_schema
def spy(self, cls):
    generated.append(cls.__name__)
    return original(self, cls)
_generate_schema.GenerateSchema._model_schema = spy
from pipelex.cli.main import main
code = main(sys.argv[1:])
print("GENERATED", code, sorted(set(generated)))
"""


@SAME_PYDANTIC
def test_a_validate_builds_its_blueprints_from_the_stored_schemas() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SPY, "validate", "bundle", "benchmarks/bundles/order_desk.mthds"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("GENERATED"))
    assert line.startswith("GENERATED 0 ")
    generated = set(eval(line.split(" ", 2)[2]))  # noqa: S307 - our own probe's list of names
    assert generated  # the spy sees pydantic's generation (the concepts' own models, the contents)
    assert not {name for name in generated if name.endswith("Blueprint")}
