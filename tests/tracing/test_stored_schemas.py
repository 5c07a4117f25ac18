"""The execution graph's stored core schema (``pipelex/tracing/stored_schemas.py``) is pydantic's own: the module is
what its generator writes for the installed pydantic, the schema equals the one pydantic generates, a graph validates
(and fails) the same with either, and a dry run builds the graph from it."""

import subprocess
import sys
from pathlib import Path

import pydantic
import pydantic_core
import pytest
from pydantic import ValidationError

from pipelex import schema_store
from pipelex.language.stored_schemas_gen import generated_schema
from pipelex.tracing import stored_schemas
from pipelex.tracing.graph import ExecutionGraph
from pipelex.tracing.stored_schemas_gen import TARGET, module_source
from tests.tracing.test_graph import build_small_graph

ROOT = Path(__file__).resolve().parents[2]
# the stored schemas are used only under the pydantic they were written with: under another, pydantic generates every
# schema and nothing stored is compared (a new pydantic: run `python -m pipelex.tracing.stored_schemas_gen`)
SAME_PYDANTIC = pytest.mark.skipif(
    (stored_schemas.PYDANTIC_VERSION, stored_schemas.PYDANTIC_CORE_VERSION)
    != (pydantic.VERSION, pydantic_core.__version__),
    reason="stored under another pydantic version",
)
KEY = "pipelex.tracing.graph.ExecutionGraph"


@SAME_PYDANTIC
def test_the_stored_module_is_what_the_generator_writes() -> None:
    assert TARGET.read_text() == module_source(), "run `python -m pipelex.tracing.stored_schemas_gen`"
    assert set(stored_schemas.SCHEMAS) == {KEY}


@SAME_PYDANTIC
def test_the_stored_schema_is_the_one_pydantic_generates() -> None:
    assert stored_schemas.SCHEMAS[KEY](schema_store.loaded) == generated_schema(ExecutionGraph)


@SAME_PYDANTIC
def test_a_graph_validates_and_fails_the_same_with_the_stored_schema() -> None:
    graph, _ = build_small_graph()
    data = graph.model_dump(mode="json")
    bad = {**data, "nodes": [{**data["nodes"][0], "status": "nope", "extra": 1}], "edges": "x"}

    def outcome() -> tuple[object, object, object]:
        with pytest.raises(ValidationError) as failure:
            ExecutionGraph.model_validate(bad)
        return (
            ExecutionGraph.model_validate(data).model_dump(mode="json"),
            failure.value.errors(include_url=False),
            ExecutionGraph.model_json_schema(),
        )

    ExecutionGraph.model_rebuild(force=True)  # from the stored schema
    assert stored_schemas.SCHEMAS[KEY](schema_store.loaded) == ExecutionGraph.__pydantic_core_schema__
    stored = outcome()
    generated_schema(ExecutionGraph)  # rebuilt by pydantic's own generation
    assert outcome() == stored
    assert stored[0] == data
    errors = stored[1]
    assert isinstance(errors, list) and {e["type"] for e in errors} >= {"literal_error", "extra_forbidden"}


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
def test_a_dry_run_builds_its_graph_from_the_stored_schema(tmp_path: Path) -> None:
    argv = [
        "run",
        "bundle",
        "benchmarks/bundles/order_desk.mthds",
        "--dry-run",
        "--mock-inputs",
        "-o",
        str(tmp_path),
    ]
    out = subprocess.run(
        [sys.executable, "-c", SPY, *argv], capture_output=True, text=True, cwd=ROOT, timeout=120
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("GENERATED"))
    assert line.startswith("GENERATED 0 ")
    generated = set(eval(line.split(" ", 2)[2]))  # noqa: S307 - our own probe's list of names
    assert generated  # the spy sees pydantic's generation (the run's other models)
    assert not generated & {"ExecutionGraph", "GraphNode", "GraphEdge", "IOItem", "NodeTiming", "FoldedRuns"}
