"""The in-process sweep runs inline (no event loop, see ``pipelex.pipes.inline``): its report and graphs are the
ones the same sweep makes in an event loop, with batches, parallels, conditions, failures and nested groups (which
it runs again in a loop)."""

from __future__ import annotations

import textwrap

import pytest

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.pipes import inline
from pipelex.pipes.in_process import InProcessRouter
from pipelex.tracing.graph import ExecutionGraph
from pipelex.validation.report import ValidationReport, validate_library
from tests.validation.test_sweep import BUNDLE, CONDITION_BUNDLE

GROUPS = textwrap.dedent("""
    domain = "desk"
    main_pipe = "all_checks"

    [pipe.all_checks]
    type = "PipeParallel"
    description = "Labels the parcels and checks the note at once"
    inputs = { parcels = "Text[]", note = "Text" }
    output = "Composite"
    branches = [{ pipe = "print_labels", result = "labels" }, { pipe = "check_words", result = "words" }]

    [pipe.print_labels]
    type = "PipeBatch"
    description = "One label per parcel"
    inputs = { parcels = "Text[]" }
    output = "Text[]"
    branch_pipe_code = "print_label"
    input_list_name = "parcels"
    input_item_name = "parcel"

    [pipe.print_label]
    type = "PipeCompose"
    description = "A label"
    inputs = { parcel = "Text" }
    output = "Text"
    template = "LABEL $parcel"

    [pipe.check_words]
    type = "PipeCompose"
    description = "Fails on purpose"
    inputs = { note = "Text" }
    output = "Text"
    template = "{{ (note.text | length) / 0 }}"
""")


def _graph_shape(graph: ExecutionGraph) -> list[tuple[str, str, str | None]]:
    return [(node.pipe_code, node.status, node.error) for node in graph.nodes]


def _both(
    text: str,
) -> tuple[tuple[ValidationReport, list[ExecutionGraph]], tuple[ValidationReport, list[ExecutionGraph]]]:
    inline_graphs: list[ExecutionGraph] = []
    loop_graphs: list[ExecutionGraph] = []
    by_inline = validate_library(build_library([(text, "b.mthds")]), default_deck(), graphs=inline_graphs)
    by_loop = validate_library(  # an explicit router: the sweep runs in an event loop
        build_library([(text, "b.mthds")]), default_deck(), graphs=loop_graphs, router=InProcessRouter()
    )
    return (by_inline, inline_graphs), (by_loop, loop_graphs)


@pytest.mark.parametrize("text", [BUNDLE, CONDITION_BUNDLE, GROUPS], ids=["sequence", "condition", "groups"])
def test_the_inline_sweep_reports_as_the_loop_does(text: str) -> None:
    (by_inline, inline_graphs), (by_loop, loop_graphs) = _both(text)
    assert by_inline.model_dump() == by_loop.model_dump()
    assert [_graph_shape(g) for g in inline_graphs] == [_graph_shape(g) for g in loop_graphs]


def test_a_nested_group_is_run_again_in_a_loop_without_doubled_graphs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attempts: list[str] = []
    original = inline.run_inline

    def spy(make, *, on_loop=None):  # type: ignore[no-untyped-def]
        def forget() -> None:
            attempts.append("loop")
            if on_loop is not None:
                on_loop()

        return original(make, on_loop=forget)

    monkeypatch.setattr("pipelex.validation.report.run_inline", spy)
    (by_inline, inline_graphs), (_, loop_graphs) = _both(GROUPS)
    assert attempts == ["loop"]  # the parallel's batch branch is a group inside a group
    assert len(inline_graphs) == len(loop_graphs) == len(by_inline.validated_pipes)
    statuses = {v.pipe_ref: v.status.value for v in by_inline.validated_pipes}
    assert statuses["desk.all_checks"] == "FAILURE" and statuses["desk.print_labels"] == "SUCCESS"
    attempts.clear()
    _both(BUNDLE)
    assert attempts == []  # no group at all: inline to the end
