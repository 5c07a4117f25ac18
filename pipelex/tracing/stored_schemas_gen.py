"""Writes :mod:`pipelex.tracing.stored_schemas`: the core schema pydantic generates for :class:`ExecutionGraph`
(with its nodes, edges, IO items and folds), as Python source (see :mod:`pipelex.schema_store`).

    .venv/bin/python -m pipelex.tracing.stored_schemas_gen    # rewrite the module

Never imported by pipelex at run time: ``tests/tracing/test_stored_schemas.py`` checks that the stored module is
what this writes for the installed pydantic, and that its schema equals the one pydantic generates.
"""

from pathlib import Path

from pipelex.language.stored_schemas_gen import schemas_source
from pipelex.tracing.graph import ExecutionGraph

TARGET = Path(__file__).with_name("stored_schemas.py")


def module_source() -> str:
    """The text of :mod:`pipelex.tracing.stored_schemas` for the installed pydantic."""
    return schemas_source(
        [ExecutionGraph],
        doc="The core schema of the execution graph, as pydantic generates it.",
        generator="pipelex.tracing.stored_schemas_gen",
    )


if __name__ == "__main__":
    TARGET.write_text(module_source())
    print(f"wrote {TARGET}")
