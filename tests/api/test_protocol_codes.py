"""Every problem kind and every diagnostic type has a code of the MTHDS core registry, and the problem documents
built from them read back through the protocol's own ``Problem`` model."""

from __future__ import annotations

import pytest
from mthds.protocol.problem.models import Problem as ProtocolProblem
from mthds.protocol.problem.registry import CORE_CODE_SPECS, RaisedAs

from pipelex.api.codes import ERROR_TYPE_CODES, KIND_CODES, code_for_error_type
from pipelex.api.problems import _TITLES, problem
from pipelex.config.deck import default_deck
from pipelex.diagnostics import ErrorType, Severity
from pipelex.language.library import build_library
from pipelex.validation.static import check_library


def test_every_code_we_send_is_a_core_code_a_runtime_may_send() -> None:
    for code in {*KIND_CODES.values(), *ERROR_TYPE_CODES.values()}:
        spec = CORE_CODE_SPECS.get(code)
        assert spec is not None, code
        assert spec.raised_as is not RaisedAs.CLIENT, f"{code} is raised by clients only"


def test_every_problem_kind_and_error_type_has_a_code() -> None:
    assert set(_TITLES) <= set(KIND_CODES), set(_TITLES) - set(KIND_CODES)
    unmapped = [e.value for e in ErrorType if e.value not in ERROR_TYPE_CODES and e.value != "DryRunError"]
    assert unmapped == []
    assert code_for_error_type("DryRunError") == "method.invalid"


@pytest.mark.parametrize("kind", sorted(_TITLES))
def test_each_kind_makes_a_protocol_problem(kind: str) -> None:
    document = problem(kind, "what went wrong, and how to fix it", instance="/v1/x")
    wire = document.model_dump(mode="json", exclude_none=True)
    read = ProtocolProblem.model_validate(wire)
    assert read.code == KIND_CODES[kind]
    assert read.type == f"https://mthds.ai/errors/{read.code}"
    assert read.effective_domain.value == CORE_CODE_SPECS[read.code].domain.value
    assert read.effective_retry.value == CORE_CODE_SPECS[read.code].retry.value
    assert read.next_step.detail and read.status == document.status


_BROKEN_TEMPLATES = {
    "prompt": 'type = "PipeLLM"\ninputs = { note = "Text" }\noutput = "Text"\nprompt = "Sum up $note {% if %}"',
    "expression": (
        'type = "PipeCondition"\ninputs = { note = "Text" }\noutput = "Text"\n'
        'expression_template = "{{ note.text "\noutcomes = { urgent = "leaf" }\ndefault_outcome = "leaf"'
    ),
}


@pytest.mark.parametrize("where", sorted(_BROKEN_TEMPLATES))
def test_a_template_that_does_not_parse_is_a_schema_violation_as_in_the_reference(where: str) -> None:
    text = (
        'domain = "front_desk"\n\n[pipe.route]\ndescription = "Routes a note"\n'
        + _BROKEN_TEMPLATES[where]
        + '\n\n[pipe.leaf]\ntype = "PipeLLM"\ndescription = "d"\ninputs = { note = "Text" }\noutput = "Text"\n'
        'prompt = "Sum up $note"\n'
    )
    found = check_library(build_library([(text, "desk.mthds")]), default_deck())
    errors = [d for d in found if d.severity is Severity.ERROR]
    assert [d.error_type for d in errors] == ["template_syntax"], [d.render() for d in errors]
    assert code_for_error_type(errors[0].error_type) == "method.schema_violation"
