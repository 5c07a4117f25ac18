"""The pipe-kind registry: every pipe type of the language has one kind, declared in its own module, with all
its facts; the facts other parts read (Temporal routing, the pre-flight, the API's PipeFunc gate) are right."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import get_args

import pytest

from pipelex.config.deck import ModelCategory
from pipelex.language import blueprint as bp
from pipelex.language.library import Library, build_library
from pipelex.pipes import kinds
from pipelex.pipes.kinds import PipeKind, kind_of, model_calls, reachable_pipes, sub_pipe_refs

UNION = {bp.type_name_of(cls): cls for cls in get_args(get_args(bp.pipe_union())[0])}
ALL = kinds.all_kinds()
OPERATORS = {name for name, cls in UNION.items() if not issubclass(cls, bp.ControllerBlueprintBase)}
CONTROLLERS = set(UNION) - OPERATORS


def test_every_type_of_the_blueprint_union_is_registered_and_nothing_else() -> None:
    assert set(kinds.registered_names()) == set(UNION)
    assert CONTROLLERS == {"PipeSequence", "PipeParallel", "PipeCondition", "PipeBatch"}
    for name, cls in UNION.items():
        kind = ALL[name]
        assert kind.blueprint is cls, name
        assert kind.type_name == name
        assert kind_of(name) is kind


@pytest.mark.parametrize("name", sorted(UNION), ids=sorted(UNION))
def test_each_kind_lives_in_its_own_module_with_all_its_facts(name: str) -> None:
    kind = ALL[name]
    folder = "controllers" if name in CONTROLLERS else "operators"
    module = kinds._MODULES[name]  # pyright: ignore[reportPrivateUsage]
    assert module.startswith(f"pipelex.pipes.{folder}.") and sys.modules[module].KIND is kind
    assert inspect.unwrap(kind.run).__module__ == module  # its runner lives beside it
    assert inspect.iscoroutinefunction(kind.run)
    # every kind has checks of its own but the signature, whose contract is checked library-wide
    assert (kind.check is kinds.no_check) == (name == "PipeSignature")
    # a controller runs pipes and has no activity of its own; an operator runs none, and either runs inline
    # in the workflow or as an activity routed by its task kind
    assert kind.is_controller == (name in CONTROLLERS)
    if kind.is_controller:
        assert kind.sub_pipes is not kinds.no_sub_pipes
        assert kind.task_kind is None and not kind.runs_inline and kind.model_category is None
    else:
        assert kind.sub_pipes is kinds.no_sub_pipes
        assert kind.runs_inline != (kind.task_kind is not None), name
    # a model field is looked up in the kind's category, and only a kind with a model field has one
    has_model_field = "model" in kind.blueprint.model_fields
    assert has_model_field == (kind.model_category is not None), name
    if kind.model_calls is not kinds.no_model_calls:
        assert kind.model_category is not None


def test_the_facts_other_parts_rely_on() -> None:
    # docs/temporal.md: which operators run inline, and the `queue_by_kind` keys users configure
    assert {n for n, k in ALL.items() if k.runs_inline} == {"PipeCompose", "PipeSignature"}
    assert {n: k.task_kind for n, k in ALL.items() if k.task_kind} == {
        "PipeLLM": "llm",
        "PipeStructure": "llm",
        "PipeSearch": "search",
        "PipeJudge": "judge",
        "PipeImgGen": "img_gen",
        "PipeExtract": "extract",
        "PipeDocGen": "doc_gen",
        "PipeFunc": "func",
    }
    # the runner API's allow_pipe_func gate and the worker's thread for blocking code
    assert {n for n, k in ALL.items() if k.runs_user_code} == {"PipeFunc"}
    assert {n: k.model_category for n, k in ALL.items() if k.model_category} == {
        "PipeLLM": ModelCategory.LLM,
        "PipeStructure": ModelCategory.LLM,
        "PipeImgGen": ModelCategory.IMG_GEN,
        "PipeExtract": ModelCategory.EXTRACT,
        "PipeSearch": ModelCategory.SEARCH,
        "PipeJudge": ModelCategory.JUDGE,
        "PipeDocGen": ModelCategory.DOC_GEN,
    }


def test_an_unknown_type_name_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        kind_of("PipeTeleport")


LIBRARY = textwrap.dedent("""
    domain = "flow"
    [concept]
    Note = "A note"

    [pipe.main]
    type = "PipeSequence"
    description = "d"
    inputs = { notes = "Note[]" }
    output = "Text"
    steps = [
        { from = "notes", result = "bound" },
        { pipe = "route", result = "routed" },
        { pipe = "fan" },
    ]

    [pipe.route]
    type = "PipeCondition"
    description = "d"
    inputs = { notes = "Note[]" }
    output = "Text"
    expression = "notes"
    outcomes = { a = "draft", b = "fail" }
    default_outcome = "continue"

    [pipe.fan]
    type = "PipeParallel"
    description = "d"
    inputs = { notes = "Note[]" }
    output = "Composite"
    branches = [{ pipe = "per_note", result = "each" }, { pipe = "render", result = "shown" }]

    [pipe.per_note]
    type = "PipeBatch"
    description = "d"
    inputs = { notes = "Note[]" }
    output = "Text[]"
    branch_pipe_code = "draft_one"
    input_list_name = "notes"
    input_item_name = "note"

    [pipe.draft]
    type = "PipeLLM"
    description = "d"
    inputs = { notes = "Note[]" }
    output = "Text"
    model = { model = "claude-haiku", temperature = 0.1 }
    structuring_method = "preliminary_text"
    model_to_structure = "gpt-4o-mini"
    prompt = "$notes"

    [pipe.draft_one]
    type = "PipeJudge"
    description = "d"
    inputs = { note = "Note" }
    output = "YesNo"
    prompt = "$note"
    question = "ok?"
    criteria = { yes = "y", no = "n" }

    [pipe.render]
    type = "PipeDocGen"
    description = "d"
    inputs = { notes = "Note[]" }
    output = "Document"
    format = "pdf"
""")


def _library() -> Library:
    library = build_library([(LIBRARY, "flow.mthds")])
    assert library.diagnostics == []
    return library


def test_sub_pipes_leave_out_binding_steps_and_outcome_keywords() -> None:
    library = _library()
    refs = {
        code: sub_pipe_refs(library.pipes[f"flow.{code}"]) for code in ("main", "route", "fan", "per_note")
    }
    assert refs == {
        "main": ["route", "fan"],
        "route": ["draft"],
        "fan": ["per_note", "render"],
        "per_note": ["draft_one"],
    }
    assert sub_pipe_refs(library.pipes["flow.draft"]) == []
    reached = {e.code for e in reachable_pipes(library.pipes["flow.main"], library)}
    assert reached == {"main", "route", "fan", "per_note", "draft", "draft_one", "render"}


def test_model_calls_are_the_provider_models_of_every_reachable_pipe() -> None:
    library = _library()
    calls = {
        (c.pipe_code, c.field, c.ref.written if c.ref else None, c.category)
        for c in model_calls(library.pipes["flow.main"], library)
    }
    assert calls == {
        ("draft", "model", "claude-haiku", ModelCategory.LLM),
        ("draft", "model_to_structure", "gpt-4o-mini", ModelCategory.LLM),
        ("draft_one", "model", None, ModelCategory.JUDGE),  # no model written: the category's default
    }  # a PipeDocGen's writers are internal: no provider call to pre-flight


def test_a_kind_module_declaring_the_wrong_kind_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(kinds._MODULES, "PipeLLM", "pipelex.pipes.operators.compose")  # pyright: ignore[reportPrivateUsage]
    monkeypatch.setattr(kinds, "_KINDS", {})
    with pytest.raises(TypeError, match="not the PipeKind of 'PipeLLM'"):
        kind_of("PipeLLM")


def test_the_language_layer_imports_no_pipe_kind() -> None:
    root = Path(__file__).resolve().parents[2]
    script = (
        "import sys\n"
        "from pipelex.language.library import build_library\n"
        "from pipelex.language.schema import mthds_json_schema\n"
        'build_library([(\'domain = "d"\\n[pipe.p]\\ntype = "PipeLLM"\\ndescription = "x"\\noutput = "Text"\', None)])\n'
        "mthds_json_schema()\n"
        "print(sorted(m for m in sys.modules if m.startswith('pipelex.pipes')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_fact_of_a_kind_is_documented() -> None:
    facts = list(PipeKind.FIELDS)
    docstring = PipeKind.__doc__ or ""
    assert [f for f in facts if f"{f}:" not in docstring] == []
    guide = (Path(__file__).resolve().parents[2] / "docs" / "pipe-kinds.md").read_text()
    assert [f for f in facts if f"| `{f}` |" not in guide] == []


def test_the_fix_for_an_unknown_pipe_type_names_every_runnable_kind() -> None:
    from pipelex.validation.error_guide import explanation_of

    explanation = explanation_of("unknown_pipe_type")
    assert explanation is not None
    fix = explanation.fix
    assert [name for name in UNION if name != bp.SIGNATURE_TYPE and name not in fix] == []
