"""Which fault a report names first: the reference's order of checks (docs/language.md, "The order of the errors").

A harbour-office method (``plan_berths``, a sequence, calls ``read_manifest`` then ``write_notice``, two
PipeLLMs) gets two or three faults. Every fault stays in the report; the first error is the fault of the
earliest stage (reading, schema, concept specs, main_pipe, concepts, each pipe on its own, data flow), and
within a stage the one written first (header and concepts, then the pipes in file order, then unknown
top-level keys; files in the library's order). The expected first error is derived from that rule and the
faults' stages, never read back from the implementation.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelex.config.deck import default_deck
from pipelex.diagnostics import Diagnostic, Severity
from pipelex.language.library import build_library
from pipelex.validation.order import ordered_errors
from pipelex.validation.static import check_library

DECK = default_deck()
PIPES = ("plan_berths", "read_manifest", "write_notice")  # in file order


def _base() -> dict[str, Any]:
    return {
        "domain": "harbour_office",
        "main_pipe": "plan_berths",
        "header": [],
        "concepts": {"Manifest": "A ship's cargo manifest", "Notice": "A berth notice for the quay"},
        "pipes": {
            "plan_berths": {
                "type": "PipeSequence",
                "inputs": {"manifest": "Manifest"},
                "output": "Notice",
                "body": [
                    "steps = [",
                    '    { pipe = "read_manifest", result = "summary" },',
                    '    { pipe = "write_notice", result = "notice" },',
                    "]",
                ],
            },
            "read_manifest": {
                "type": "PipeLLM",
                "inputs": {"manifest": "Manifest"},
                "output": "Text",
                "prompt": "List the cargo of this manifest: $manifest",
                "body": [],
            },
            "write_notice": {
                "type": "PipeLLM",
                "inputs": {"summary": "Text"},
                "output": "Notice",
                "prompt": "Write the berth notice for a ship carrying: $summary",
                "body": [],
            },
        },
    }


def _render(b: dict[str, Any]) -> str:
    lines = [f'domain = "{b["domain"]}"', 'description = "Berths for the ships of the day"']
    if b["main_pipe"]:
        lines.append(f'main_pipe = "{b["main_pipe"]}"')
    lines += b["header"]
    if b["concepts"]:
        lines += ["", "[concept]", *(f'{k} = "{v}"' for k, v in b["concepts"].items())]
    for code, p in b["pipes"].items():
        lines += ["", f"[pipe.{code}]"]
        lines += [f'type = "{p["type"]}"'] if p["type"] else []
        lines += [f'description = "The {code} step"']
        ins = ", ".join(f'{k} = "{v}"' for k, v in p["inputs"].items())
        lines += [f"inputs = {{ {ins} }}", f'output = "{p["output"]}"']
        if "prompt" in p:
            lines += ['prompt = """', p["prompt"], '"""']
        lines += p["body"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Fault:
    """A change to one pipe (or to the bundle, ``pipe`` None), the error type it gives, and its stage."""

    name: str
    error_type: str
    stage: int
    where: str  # "leaf", "controller" or "bundle"
    apply: Callable[[dict[str, Any], str | None], None]
    within: int = 0  # its rank among one pipe's errors of the same stage
    after_pipes: bool = False  # a top-level key the bundle does not take: after the pipes' schema errors
    table_level: bool = False  # a fault of the pipe table's keys and kinds: before every pipe's contents


def _first_input(p: dict[str, Any]) -> str:
    return next(iter(p["inputs"]))


def _rename_input(b: dict[str, Any], code: str | None) -> None:
    p = b["pipes"][code]
    old = _first_input(p)
    p["inputs"] = {(old.capitalize() if k == old else k): v for k, v in p["inputs"].items()}
    p["prompt"] = p["prompt"].replace(f"${old}", f"{{{{ {old.capitalize()} }}}}")


def _set(field: str, value: str) -> Callable[[dict[str, Any], str | None], None]:
    def apply(b: dict[str, Any], code: str | None) -> None:
        b["pipes"][code][field] = value

    return apply


def _append_prompt(text: str) -> Callable[[dict[str, Any], str | None], None]:
    def apply(b: dict[str, Any], code: str | None) -> None:
        p = b["pipes"][code]
        p["prompt"] += text.replace("INPUT", _first_input(p))

    return apply


def _body(line: str) -> Callable[[dict[str, Any], str | None], None]:
    def apply(b: dict[str, Any], code: str | None) -> None:
        b["pipes"][code]["body"].append(line)

    return apply


def _add_input(b: dict[str, Any], code: str | None) -> None:
    b["pipes"][code]["inputs"]["tide_table"] = "Text"


def _no_inputs(b: dict[str, Any], code: str | None) -> None:
    b["pipes"][code]["inputs"] = {}


def _unknown_step(b: dict[str, Any], code: str | None) -> None:
    p = b["pipes"][code]
    p["body"] = [ln.replace('"write_notice"', '"write_notise"') for ln in p["body"]]


def _main_pipe(b: dict[str, Any], _code: str | None) -> None:
    b["main_pipe"] = "plan_berth"


def _native(b: dict[str, Any], _code: str | None) -> None:
    b["concepts"]["Text"] = "Our own text"


def _header_key(b: dict[str, Any], _code: str | None) -> None:
    b["header"].append('version = "2"')


# stages: 1 reading, 2 schema, 3 concept specs, 4 main_pipe, 5 concepts, 6 each pipe alone, 7 what controllers
# do not get, 8 the rest of the data flow
FAULTS = [
    Fault("type", "unknown_pipe_type", 2, "leaf", _set("type", "PipeLlm")),
    Fault("no_type", "missing_pipe_type", 2, "leaf", _set("type", ""), table_level=True),
    Fault("input_name", "invalid_input_name", 2, "leaf", _rename_input),
    Fault(
        "undeclared", "missing_input_variable", 2, "leaf", _append_prompt(" for $harbour_master"), within=1
    ),
    Fault("unread", "extraneous_input_variable", 2, "leaf", _add_input, within=1),
    Fault("native", "native_concept_redeclaration", 2, "bundle", _native),
    Fault("header_key", "schema_violation", 2, "bundle", _header_key, after_pipes=True),
    Fault("spec", "invalid_concept_spec", 3, "leaf", _set("output", "Notice[[3]")),
    Fault("main_pipe", "schema_violation", 4, "bundle", _main_pipe),
    Fault("concept", "unresolved_concept", 5, "leaf", _set("output", "Notise")),
    Fault("model", "unknown_model", 6, "leaf", _body('model = "$no-such-preset"')),
    Fault("private", "template_private_name", 6, "leaf", _append_prompt(" {{ INPUT._stuff }}"), within=1),
    Fault("ctl_undeclared", "missing_input_variable", 7, "controller", _no_inputs),
    Fault("ctl_unread", "extraneous_input_variable", 8, "controller", _add_input),
    Fault("ctl_step", "unresolved_pipe_dependency", 8, "controller", _unknown_step),
]
BY_NAME = {f.name: f for f in FAULTS}


def _errors(*sources: tuple[str, str]) -> list[Diagnostic]:
    found = check_library(build_library(list(sources)), DECK)
    return [d for d in found if d.severity is Severity.ERROR]


def _bundle(placed: list[tuple[Fault, str | None]]) -> str:
    b = copy.deepcopy(_base())
    for fault, code in placed:
        fault.apply(b, code)
    return _render(b)


def _place(fault: Fault, code: str | None) -> tuple[int, ...]:
    if fault.where == "bundle":
        return (2, 0) if fault.after_pipes else (0, 0)
    assert code is not None
    return (1, 0 if fault.table_level else 1, PIPES.index(code))


def _expected_first(placed: list[tuple[Fault, str | None]]) -> set[str]:
    """The error types that may come first: those of the earliest (stage, place, rank in the pipe)."""
    keys = [((f.stage, *_place(f, code), f.within), f) for f, code in placed]
    earliest = min(k for k, _ in keys)
    return {f.error_type for k, f in keys if k == earliest}


def test_the_base_method_is_valid() -> None:
    assert _errors((_bundle([]), "harbour.mthds")) == []


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_each_fault_alone_gives_its_error_type(fault: Fault) -> None:
    code = {"leaf": "read_manifest", "controller": "plan_berths", "bundle": None}[fault.where]
    types = [d.error_type for d in _errors((_bundle([(fault, code)]), "harbour.mthds"))]
    assert types[0] == fault.error_type, types


@pytest.mark.parametrize(
    ("placed", "first"),
    [
        # an operator's undeclared input (schema) before another pipe's unknown model, in either file order
        ([("model", "read_manifest"), ("undeclared", "write_notice")], "missing_input_variable"),
        ([("undeclared", "read_manifest"), ("model", "write_notice")], "missing_input_variable"),
        # a concept that does not resolve before a model, even written after it
        ([("model", "read_manifest"), ("concept", "write_notice")], "unresolved_concept"),
        # a pipe without a type (the pipe table) before an earlier pipe's undeclared input (its contents)
        ([("undeclared", "read_manifest"), ("no_type", "write_notice")], "missing_pipe_type"),
        # two schema errors: the pipe written first
        ([("undeclared", "read_manifest"), ("type", "write_notice")], "missing_input_variable"),
        ([("type", "read_manifest"), ("undeclared", "write_notice")], "unknown_pipe_type"),
        # in one pipe: its input names before what its template reads
        ([("input_name", "read_manifest"), ("undeclared", "read_manifest")], "invalid_input_name"),
        # in one pipe: its model before a private name in its prompt
        ([("private", "read_manifest"), ("model", "read_manifest")], "unknown_model"),
        # each pipe alone, pipe by pipe: a private name in the first before the second's model
        ([("private", "read_manifest"), ("model", "write_notice")], "template_private_name"),
        # a controller's data flow after its steps' own checks, though the controller is written first
        ([("ctl_step", "plan_berths"), ("model", "write_notice")], "unknown_model"),
        ([("ctl_unread", "plan_berths"), ("concept", "read_manifest")], "unresolved_concept"),
        # what a controller does not get after each pipe's own checks, before the rest of the data flow
        ([("ctl_undeclared", "plan_berths"), ("model", "write_notice")], "unknown_model"),
        ([("ctl_undeclared", "plan_berths"), ("spec", "write_notice")], "invalid_concept_spec"),
        # bundle level: a native concept redeclared before any pipe's schema error
        ([("native", None), ("type", "read_manifest")], "native_concept_redeclaration"),
        # a top-level key the bundle does not take comes after the pipes' schema errors...
        ([("header_key", None), ("type", "write_notice")], "unknown_pipe_type"),
        # ...but before every later stage
        ([("header_key", None), ("concept", "read_manifest")], "schema_violation"),
        # main_pipe after the specs, before the concepts
        ([("main_pipe", None), ("spec", "write_notice")], "invalid_concept_spec"),
        ([("main_pipe", None), ("concept", "read_manifest")], "schema_violation"),
        # three faults
        (
            [("model", "read_manifest"), ("concept", "write_notice"), ("ctl_step", "plan_berths")],
            "unresolved_concept",
        ),
    ],
)
def test_first_error_of_two_or_three_faults(placed: list[tuple[str, str | None]], first: str) -> None:
    faults = [(BY_NAME[name], code) for name, code in placed]
    types = [d.error_type for d in _errors((_bundle(faults), "harbour.mthds"))]
    assert types[0] == first, types
    for fault, _ in faults:  # nothing dropped
        assert fault.error_type in types, (fault.name, types)


def test_files_in_library_order_within_a_stage_and_stages_across_files() -> None:
    model = _bundle([(BY_NAME["model"], "read_manifest")])
    undeclared = _bundle([(BY_NAME["undeclared"], "read_manifest")]).replace("harbour_office", "quay_office")
    typed = _bundle([(BY_NAME["type"], "write_notice")]).replace("harbour_office", "quay_office")
    # a schema error in the second file before a model in the first
    types = [d.error_type for d in _errors((model, "a.mthds"), (undeclared, "b.mthds"))]
    assert types[0] == "missing_input_variable", types
    # two schema errors: the first file's first
    errors = _errors((undeclared, "a.mthds"), (typed.replace("quay_office", "pier_office"), "b.mthds"))
    assert [(d.error_type, d.file) for d in errors][:2] == [
        ("missing_input_variable", "a.mthds"),
        ("unknown_pipe_type", "b.mthds"),
    ]


PLACES = {"leaf": ["read_manifest", "write_notice"], "controller": ["plan_berths"], "bundle": [None]}


@st.composite
def two_faults(draw: st.DrawFn) -> list[tuple[Fault, str | None]]:
    first = draw(st.sampled_from(FAULTS))
    second = draw(st.sampled_from([f for f in FAULTS if f.name != first.name]))
    placed: list[tuple[Fault, str | None]] = []
    for fault in (first, second):
        code = draw(st.sampled_from(PLACES[fault.where]))
        placed.append((fault, code))
    (f1, c1), (f2, c2) = placed
    # one pipe's unknown type hides the rest of that pipe (its kind decides what else is checked), and two
    # changes of one field of one pipe are one change: draw those in two pipes
    if c1 is not None and c1 == c2 and ({"type", "no_type"} & {f1.name, f2.name} or _same_field(f1, f2)):
        other = [c for c in PLACES[f2.where] if c != c1]
        if not other:
            other = [c for c in PLACES[f1.where] if c != c2]
            placed[0] = (f1, draw(st.sampled_from(other))) if other else placed[0]
        else:
            placed[1] = (f2, draw(st.sampled_from(other)))
    return placed


def _same_field(a: Fault, b: Fault) -> bool:
    fields = {
        "spec": "output",
        "concept": "output",
        "ctl_unread": "inputs",
        "unread": "inputs",
        "ctl_undeclared": "inputs",
    }
    return a.name in fields and fields.get(a.name) == fields.get(b.name)


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(two_faults())
def test_generated_pairs_of_faults(placed: list[tuple[Fault, str | None]]) -> None:
    (f1, c1), (f2, c2) = placed
    if c1 is not None and c1 == c2 and ({"type", "no_type"} & {f1.name, f2.name} or _same_field(f1, f2)):
        return  # no second pipe of that kind to move one to
    library = build_library([(_bundle(placed), "harbour.mthds")])
    errors = [d for d in check_library(library, DECK) if d.severity is Severity.ERROR]
    types = [d.error_type for d in errors]
    assert types, placed
    assert types[0] in _expected_first(placed), (placed, types)
    for fault, _ in placed:  # nothing dropped
        if fault.where == "controller" and {"type", "no_type"} & {f1.name, f2.name}:
            continue  # a step whose type is unknown does not load: the sequence's data flow is not checked
        if fault.name == "ctl_unread" and any(d.pipe == "plan_berths" for d in errors):
            continue  # whether a sequence reads an input is known only when its steps check out
        assert fault.error_type in types, (fault.name, types)
    # ordering is a permutation: the same errors whatever order they were found in
    assert Counter(ordered_errors(library, list(reversed(errors)))) == Counter(errors)


def test_what_a_controller_does_not_get_comes_before_another_controllers_unused_input() -> None:
    text = """domain = "harbour_office"
main_pipe = "plan_day"

[concept]
Manifest = "A ship's cargo manifest"

[pipe.plan_day]
type = "PipeSequence"
description = "Plans the day"
inputs = { manifest = "Manifest", weather = "Text" }
output = "Text"
steps = [{ pipe = "plan_berths", result = "plan" }]

[pipe.plan_berths]
type = "PipeSequence"
description = "Plans the berths"
output = "Text"
steps = [{ pipe = "read_manifest", result = "plan" }]

[pipe.read_manifest]
type = "PipeLLM"
description = "Reads a manifest"
inputs = { manifest = "Manifest" }
output = "Text"
prompt = "List the cargo of this manifest: $manifest"
"""
    errors = _errors((text, "harbour.mthds"))
    assert [(d.error_type, d.pipe) for d in errors][0] == ("missing_input_variable", "plan_berths"), [
        d.render() for d in errors
    ]
    assert ("extraneous_input_variable", "plan_day") in [(d.error_type, d.pipe) for d in errors]


@pytest.mark.parametrize(
    ("change", "other"),
    [
        # the sequence's output is not what its last step makes
        (lambda b: b["pipes"]["plan_berths"].update(output="Image"), "inadequate_output_concept"),
        (lambda b: b["pipes"]["plan_berths"].update(output="Notice[]"), "inadequate_output_multiplicity"),
        # a step reads its input as another concept than the sequence gives
        (
            lambda b: b["pipes"]["write_notice"]["inputs"].update(summary="Image"),
            "input_stuff_spec_mismatch",
        ),
    ],
    ids=["output_concept", "output_multiplicity", "step_concept"],
)
def test_a_controllers_unused_input_is_reported_first_beside_its_other_data_flow_faults(
    change: Callable[[dict[str, Any]], None], other: str
) -> None:
    b = copy.deepcopy(_base())
    b["pipes"]["plan_berths"]["inputs"]["tide_table"] = "Text"
    change(b)
    errors = _errors((_render(b), "harbour.mthds"))
    assert [(d.error_type, d.pipe) for d in errors][:2] == [
        ("extraneous_input_variable", "plan_berths"),
        (other, "plan_berths"),
    ], [d.render() for d in errors]
    assert errors[0].field == "inputs.tide_table"


# --- the dry run: the pipe where the fault lies before the controllers above it ---------------------------------

_HOLDER = """
[concept.Holder]
description = "A policy holder"

[concept.Holder.structure]
first_name = { type = "text", description = "First name", required = true }
"""


def _dry_run_chain(depth: int, order: list[int], fault_at_top: bool) -> tuple[str, list[str], str]:
    """A claims-desk method: ``depth`` nested sequences above ``greet`` (a PipeCompose whose template reads a field
    ``Holder`` does not have, which only its dry run finds), written in the file in ``order``; with
    ``fault_at_top``, the outermost sequence's own last step is a second leaf with the same fault.
    Returns the bundle, the failing pipes from the leaf up, and the second leaf (or "")."""
    codes = [f"level_{n}" for n in range(depth)]  # level_0 is the outermost
    pipes: list[str] = []
    for n, code in enumerate(codes):
        inner = codes[n + 1] if n + 1 < depth else "greet"
        steps = [f'{{ pipe = "{inner}", result = "letter_{n}" }}']
        if n == 0 and fault_at_top:
            steps.append('{ pipe = "sign", result = "signed" }')
        pipes.append(
            f'[pipe.{code}]\ntype = "PipeSequence"\ndescription = "Level {n}"\n'
            f'inputs = {{ holder = "Holder" }}\noutput = "Text"\nsteps = [{", ".join(steps)}]\n'
        )
    leaf = (
        '[pipe.greet]\ntype = "PipeCompose"\ndescription = "Greet the holder"\ninputs = { holder = "Holder" }\n'
        'output = "Text"\ntemplate = "Dear $holder.surname,"\n'
    )
    sign = (
        '[pipe.sign]\ntype = "PipeCompose"\ndescription = "Sign the letter"\ninputs = { holder = "Holder" }\n'
        'output = "Text"\ntemplate = "Yours, for $holder.nickname"\n'
    )
    blocks = [*pipes, leaf] + ([sign] if fault_at_top else [])
    written = [blocks[i] for i in order if i < len(blocks)]
    text = f'domain = "claims_desk"\ndescription = "Letters"\nmain_pipe = "level_0"\n{_HOLDER}\n' + "\n".join(
        written
    )
    return text, ["greet", *reversed(codes)], "sign" if fault_at_top else ""


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    depth=st.integers(min_value=1, max_value=3),
    order=st.permutations(range(5)),
    fault_at_top=st.booleans(),
)
def test_a_dry_run_failure_names_the_failing_step_before_the_controllers_above_it(
    depth: int, order: list[int], fault_at_top: bool
) -> None:
    from pipelex.validation.report import validate_library

    order = [i for i in order if i < depth + 1 + fault_at_top]
    text, chain, second = _dry_run_chain(depth, order, fault_at_top)
    report = validate_library(build_library([(text, "letters.mthds")]), DECK)
    named = [e.pipe or "" for e in report.errors if e.error_type == "DryRunError"]
    assert sorted(named) == sorted(chain + ([second] if second else []))  # nothing dropped, nothing added
    leaves = {"greet", second} - {""}
    assert set(named[: len(leaves)]) == leaves  # the leaves first, in the file's order
    assert named[: len(leaves)] == sorted(leaves, key=lambda p: text.index(f"[pipe.{p}]"))
    # every controller after each failing pipe it runs: the chain from the leaf up
    controllers = [p for p in named if p not in leaves]
    assert controllers == chain[1:]
