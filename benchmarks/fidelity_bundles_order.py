"""Which fault comes first: user-style bundles with two or three faults of different error types.

The reference stops at its first failing check and reports what that check found; we report every fault. A
judge that reads the first error of each compares the two, so these bundles put faults of different types in
different places, to learn the reference's order of checks and to keep ours the same: in the same pipe, in
two pipes (both orders of the file), in a concept and a pipe, in the file's header and a pipe, in the main
sequence and a step, and in two files of one library.

Every bundle is one small front-desk method: ``run`` (the main PipeSequence) calls ``first`` (a PipeLLM that
summarises a note) and then ``second`` (a PipeLLM that polishes the summary). A fault is a named change to one
part of it (:data:`FAULTS`); a case applies two or three of them. Case names are
``ord_<fault>+<fault>__<where>``; ``fidelity.py`` writes and runs them like the other modules' cases. Nothing
here encodes an expected verdict or order: the two CLIs decide.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

CONCEPTS = {
    "Note": '"A note left at the front desk"',
    "Summary": '"A short summary of a note"',
}
TICKET = """[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
title = { type = "text", description = "Title", required = true }
body = { type = "text", description = "Body" }
"""

Bundle = dict[str, Any]


def base() -> Bundle:
    """The valid method every case starts from, as parts a fault can change."""
    return {
        "domain": "front_desk",
        "main_pipe": "run",
        "header_extra": [],
        "concepts": dict(CONCEPTS),
        "concept_tables": [TICKET],
        "pipes": {
            "run": {
                "type": "PipeSequence",
                "inputs": {"note": "Note"},
                "output": "Summary",
                "body": [
                    "steps = [",
                    '    { pipe = "first", result = "draft" },',
                    '    { pipe = "second", result = "final" },',
                    "]",
                ],
            },
            "first": {
                "type": "PipeLLM",
                "inputs": {"note": "Note"},
                "output": "Summary",
                "prompt": "Summarise this note in two lines: $note",
                "body": [],
            },
            "second": {
                "type": "PipeLLM",
                "inputs": {"draft": "Summary"},
                "output": "Summary",
                "prompt": "Polish this summary: $draft",
                "body": [],
            },
        },
    }


def render(b: Bundle) -> str:
    lines = [f'domain = "{b["domain"]}"', 'description = "Front desk notes"']
    if b["main_pipe"]:
        lines.append(f'main_pipe = "{b["main_pipe"]}"')
    lines += b["header_extra"]
    lines.append("")
    if b["concepts"]:
        lines += ["[concept]", *(f"{k} = {v}" for k, v in b["concepts"].items()), ""]
    for table in b["concept_tables"]:
        lines += [table, ""]
    for code, p in b["pipes"].items():
        lines.append(f"[pipe.{code}]")
        if p["type"] is not None:
            lines.append(f'type = "{p["type"]}"')
        lines.append(f'description = "The {code} pipe"')
        if p["inputs"]:
            ins = ", ".join(f'{k if k.isidentifier() else repr(k)} = "{v}"' for k, v in p["inputs"].items())
            lines.append(f"inputs = {{ {ins} }}")
        lines.append(f'output = "{p["output"]}"')
        if "prompt" in p:
            lines += ['prompt = """', p["prompt"], '"""']
        lines += p["body"]
        lines.append("")
    return "\n".join(lines)


# --- the faults: each changes one part of the bundle (a pipe's faults take the pipe's code) ------------------


def _pipe(b: Bundle, code: str) -> dict[str, Any]:
    return b["pipes"][code]


def _rename_input(b: Bundle, code: str, old: str, new: str) -> None:
    p = _pipe(b, code)
    p["inputs"] = {(new if k == old else k): v for k, v in p["inputs"].items()}
    if "prompt" in p:
        p["prompt"] = p["prompt"].replace(f"${old}", f"{{{{ {new} }}}}")


PipeFault = Callable[[Bundle, str], None]
BundleFault = Callable[[Bundle], None]


def f_type(b: Bundle, code: str) -> None:  # unknown_pipe_type
    p = _pipe(b, code)
    p["type"] = p["type"].replace("PipeLLM", "PipeLlm").replace("PipeSequence", "PipeSeq")


def f_notype(b: Bundle, code: str) -> None:  # missing_pipe_type
    _pipe(b, code)["type"] = None


def f_inname(b: Bundle, code: str) -> None:  # invalid_input_name
    p = _pipe(b, code)
    first = next(iter(p["inputs"]))
    _rename_input(b, code, first, first.capitalize())


def f_spec(b: Bundle, code: str) -> None:  # invalid_concept_spec (a malformed output spec)
    _pipe(b, code)["output"] = "Summary[[2]"


def f_marker(b: Bundle, code: str) -> None:  # optional_marker_invalid
    p = _pipe(b, code)
    first = next(iter(p["inputs"]))
    p["inputs"][first] = p["inputs"][first] + "[]?"


def f_concept(b: Bundle, code: str) -> None:  # unresolved_concept (the output names no concept)
    _pipe(b, code)["output"] = "Sumary"


def f_inconcept(b: Bundle, code: str) -> None:  # unresolved_concept (an input names no concept)
    p = _pipe(b, code)
    first = next(iter(p["inputs"]))
    p["inputs"][first] = p["inputs"][first] + "z"


def f_model(b: Bundle, code: str) -> None:  # unknown_model
    _pipe(b, code)["body"].append('model = "$no-such-preset"')


def f_missing(b: Bundle, code: str) -> None:  # missing_input_variable
    p = _pipe(b, code)
    p["prompt"] = p["prompt"] + " for $reader"


def f_private(b: Bundle, code: str) -> None:  # template_private_name
    p = _pipe(b, code)
    first = next(iter(p["inputs"]))
    p["prompt"] = p["prompt"] + f" {{{{ {first}._stuff }}}}"


def f_tsyntax(b: Bundle, code: str) -> None:  # template_syntax
    p = _pipe(b, code)
    p["prompt"] = p["prompt"] + " {% if %}"


def f_image(b: Bundle, code: str) -> None:  # llm_output_cannot_be_image
    _pipe(b, code)["output"] = "Image"


def f_extrakey(b: Bundle, code: str) -> None:  # schema_violation (a key the pipe does not take)
    _pipe(b, code)["body"].append("temprature = 0.2")


def f_badtemp(b: Bundle, code: str) -> None:  # schema_violation (a field of the wrong type)
    _pipe(b, code)["body"].append('max_tokens = "many"')


def f_unused(b: Bundle, code: str) -> None:  # extraneous_input_variable (a controller's input nobody reads)
    _pipe(b, code)["inputs"]["extra"] = "Text"


def f_steppipe(b: Bundle, code: str) -> None:  # unresolved_pipe_dependency (run's second step)
    p = _pipe(b, code)
    p["body"] = [ln.replace('pipe = "second"', 'pipe = "secnd"') for ln in p["body"]]


def f_outmult(b: Bundle, code: str) -> None:  # inadequate_output_multiplicity (a sequence says a list)
    _pipe(b, code)["output"] = "Summary[]"


def f_outconcept(b: Bundle, code: str) -> None:  # inadequate_output_concept (a sequence says Ticket)
    _pipe(b, code)["output"] = "Ticket"


def f_optional(b: Bundle, code: str) -> None:  # optional_input_unguarded (an optional input read bare)
    p = _pipe(b, code)
    first = next(iter(p["inputs"]))
    p["inputs"][first] = p["inputs"][first] + "?"


def f_noinput(b: Bundle, code: str) -> None:  # missing_input_variable in a controller (no input to pass on)
    _pipe(b, code)["inputs"] = {}


def f_cycle(b: Bundle, code: str) -> None:  # pipe_cycle (the sequence's last step calls the sequence)
    p = _pipe(b, code)
    p["body"] = [ln.replace('pipe = "second"', f'pipe = "{code}"') for ln in p["body"]]


def f_bindstep(b: Bundle, code: str) -> None:
    """binding_step_invalid: a step that is a pipe step and a binding."""
    p = _pipe(b, code)
    p["body"] = [ln.replace('{ pipe = "first", ', '{ pipe = "first", from = "note", ') for ln in p["body"]]


def f_bindpath(b: Bundle, code: str) -> None:
    """binding_path_unresolved: a binding step reads a field the concept does not have."""
    p = _pipe(b, code)
    p["body"] = [
        ln.replace("steps = [", 'steps = [\n    { from = "note.nope", result = "aside" },')
        for ln in p["body"]
    ]


def f_mismatch(b: Bundle, code: str) -> None:
    """input_stuff_spec_mismatch: the pipe reads its input as a Ticket, where the sequence gives a Summary."""
    p = _pipe(b, code)
    first = next(iter(p["inputs"]))
    p["inputs"][first] = "Ticket"


def f_badcode(b: Bundle, code: str) -> None:  # invalid_pipe_code_syntax (the pipe's code is CamelCase)
    new = code.capitalize() + "Step"
    b["pipes"] = {(new if k == code else k): v for k, v in b["pipes"].items()}
    for p in b["pipes"].values():
        p["body"] = [ln.replace(f'pipe = "{code}"', f'pipe = "{new}"') for ln in p["body"]]
    if b["main_pipe"] == code:
        b["main_pipe"] = new


def f_native(b: Bundle) -> None:  # native_concept_redeclaration
    b["concepts"] = {"Text": '"Our own text"', **b["concepts"]}


def f_fieldtype(b: Bundle) -> None:  # schema_violation in a concept's structure (an unknown field type)
    b["concept_tables"] = [
        t.replace('type = "text", description = "Body"', 'type = "txt", description = "Body"')
        for t in b["concept_tables"]
    ]


def f_refines(b: Bundle) -> None:  # unresolved_concept (a concept refines one that does not exist)
    b["concept_tables"] = [
        *b["concept_tables"],
        '[concept.Memo]\ndescription = "A memo"\nrefines = "Notee"\n',
    ]


def f_mainpipe(b: Bundle) -> None:  # schema_violation (main_pipe names no pipe)
    b["main_pipe"] = "runn"


def f_domain(b: Bundle) -> None:  # schema_violation (a domain name that is not snake_case)
    b["domain"] = "Front Desk"


def f_headerkey(b: Bundle) -> None:  # schema_violation (a header key the bundle does not take)
    b["header_extra"].append('version = "1.0"')


PIPE_FAULTS: dict[str, PipeFault] = {
    "type": f_type,
    "notype": f_notype,
    "inname": f_inname,
    "spec": f_spec,
    "marker": f_marker,
    "concept": f_concept,
    "inconcept": f_inconcept,
    "model": f_model,
    "missing": f_missing,
    "private": f_private,
    "tsyntax": f_tsyntax,
    "image": f_image,
    "extrakey": f_extrakey,
    "badtemp": f_badtemp,
    "unused": f_unused,
    "steppipe": f_steppipe,
    "outmult": f_outmult,
    "outconcept": f_outconcept,
    "optional": f_optional,
    "badcode": f_badcode,
    "noinput": f_noinput,
    "cycle": f_cycle,
    "bindstep": f_bindstep,
    "bindpath": f_bindpath,
    "mismatch": f_mismatch,
}
BUNDLE_FAULTS: dict[str, BundleFault] = {
    "native": f_native,
    "fieldtype": f_fieldtype,
    "refines": f_refines,
    "mainpipe": f_mainpipe,
    "domain": f_domain,
    "headerkey": f_headerkey,
}


def make(*faults: tuple[str, str | None]) -> str:
    """The base bundle with each ``(fault, pipe)`` applied in turn (``pipe`` None for a bundle fault)."""
    b = copy.deepcopy(base())
    for name, code in faults:
        if code is None:
            BUNDLE_FAULTS[name](b)
        else:
            PIPE_FAULTS[name](b, code)
    return render(b)


def _name(faults: tuple[tuple[str, str | None], ...], where: str) -> str:
    return "ord_" + "+".join(f for f, _ in faults) + "__" + where


def _pairs(text: str) -> list[tuple[str, str]]:
    """``"a+b c+d"`` -> ``[("a", "b"), ("c", "d")]``."""
    return [(a, b) for a, _, b in (word.partition("+") for word in text.split())]


# pairs of leaf faults in one pipe (both orders are the same bundle: one case each)
SAME_PIPE = _pairs(
    "type+missing type+model type+concept notype+missing inname+model inname+concept inname+missing "
    "inname+spec spec+missing spec+model marker+missing marker+concept concept+model concept+missing "
    "concept+private concept+image model+missing model+private model+tsyntax model+image missing+private "
    "missing+image missing+tsyntax private+tsyntax private+image image+tsyntax extrakey+missing "
    "extrakey+concept extrakey+model badtemp+missing badtemp+model optional+model optional+concept "
    "optional+private type+extrakey inname+extrakey "
)
# pairs across the two leaves: the first fault in ``first``, the second in ``second``, and swapped
TWO_PIPES = _pairs(
    "model+missing concept+missing concept+model type+missing inname+model private+model tsyntax+concept "
    "image+missing extrakey+missing spec+model marker+private optional+concept "
)
# a sequence fault with a leaf fault
SEQ_LEAF = _pairs(
    "unused+missing unused+model unused+concept steppipe+missing steppipe+model outmult+missing "
    "outmult+concept outconcept+model outconcept+missing type+missing inname+concept concept+model "
    "extrakey+missing unused+type steppipe+inname "
)
# a bundle-level fault (header or concept) with a pipe fault
BUNDLE_PIPE = _pairs(
    "native+missing native+model native+concept native+inname fieldtype+missing fieldtype+model "
    "fieldtype+type refines+missing refines+model refines+concept mainpipe+missing mainpipe+model "
    "mainpipe+concept mainpipe+type domain+missing domain+model headerkey+missing headerkey+concept "
    "native+extrakey refines+type "
)
BUNDLE_BUNDLE = _pairs("native+mainpipe native+fieldtype refines+mainpipe fieldtype+refines ")
# one fault in named places: the controller's own checks against each stage of a step's
PLACED = [
    (("noinput", "run"), ("model", "first")),
    (("noinput", "run"), ("concept", "second")),
    (("noinput", "run"), ("private", "second")),
    (("noinput", "run"), ("type", "second")),
    (("noinput", "run"), ("missing", "second")),
    (("noinput", "run"), ("unused", "second")),
    (("unused", "first"), ("model", "first")),
    (("unused", "first"), ("concept", "second")),
    (("unused", "second"), ("missing", "first")),
    (("unused", "first"), ("private", "first")),
    (("unused", "second"), ("unused", "run")),
    (("image", "second"), ("unused", "run")),
    (("image", "first"), ("steppipe", "run")),
    (("image", "second"), ("outmult", "run")),
    (("image", "first"), ("optional", "second")),
    (("outmult", "run"), ("steppipe", "run")),
    (("outconcept", "run"), ("unused", "run")),
    (("headerkey", None), ("type", "second")),
    (("headerkey", None), ("inname", "first")),
    (("spec", "second"), ("concept", "first")),
    (("spec", "first"), ("concept", "second")),
    (("refines", None), ("spec", "first")),
    (("mainpipe", None), ("spec", "first")),
    (("mainpipe", None), ("private", "first")),
    (("optional", "first"), ("steppipe", "run")),
    (("private", "second"), ("unused", "run")),
    (("optional", "second"), ("model", "first")),
    (("domain", None), ("type", "second")),
    (("marker", "second"), ("missing", "first")),
    (("tsyntax", "second"), ("type", "first")),
    # the second round: pipe codes, binding steps, cycles, and the data-flow stage against the others
    (("badcode", "first"), ("model", "second")),
    (("badcode", "second"), ("missing", "first")),
    (("badcode", "second"), ("type", "first")),
    (("badcode", "first"), ("concept", "second")),
    (("bindstep", "run"), ("missing", "first")),
    (("bindstep", "run"), ("model", "second")),
    (("bindstep", "run"), ("concept", "second")),
    (("bindstep", "run"), ("type", "second")),
    (("bindstep", "run"), ("private", "first")),
    (("cycle", "run"), ("model", "first")),
    (("cycle", "run"), ("concept", "first")),
    (("cycle", "run"), ("missing", "first")),
    (("cycle", "run"), ("private", "first")),
    (("notype", "second"), ("model", "first")),
    (("notype", "second"), ("missing", "first")),
    (("image", "first"), ("model", "second")),
    (("image", "first"), ("private", "second")),
    (("image", "first"), ("concept", "second")),
    (("marker", "second"), ("model", "first")),
    (("marker", "second"), ("concept", "first")),
    (("spec", "second"), ("marker", "first")),
    (("optional", "first"), ("private", "second")),
    (("outmult", "run"), ("optional", "second")),
    (("outconcept", "run"), ("image", "second")),
    (("steppipe", "run"), ("concept", "first")),
    (("steppipe", "run"), ("private", "first")),
    (("noinput", "run"), ("image", "second")),
    (("unused", "run"), ("optional", "first")),
    # the third round: bindings, what a step gets, cycles against the other data-flow checks
    (("bindpath", "run"), ("missing", "first")),
    (("bindpath", "run"), ("model", "first")),
    (("bindpath", "run"), ("concept", "second")),
    (("bindpath", "run"), ("mismatch", "second")),
    (("mismatch", "second"), ("model", "first")),
    (("mismatch", "second"), ("concept", "first")),
    (("mismatch", "second"), ("private", "first")),
    (("mismatch", "second"), ("steppipe", "run")),
    (("mismatch", "second"), ("unused", "run")),
    (("mismatch", "second"), ("outmult", "run")),
    (("cycle", "run"), ("mismatch", "second")),
    (("cycle", "run"), ("unused", "run")),
    (("noinput", "run"), ("mismatch", "second")),
    (("noinput", "run"), ("bindpath", "run")),
]
TRIPLES = [
    (("model", "first"), ("missing", "second"), ("unused", "run")),
    (("concept", "second"), ("model", "first"), ("steppipe", "run")),
    (("native", None), ("model", "first"), ("missing", "second")),
    (("mainpipe", None), ("image", "first"), ("private", "second")),
    (("type", "second"), ("missing", "first"), ("outmult", "run")),
    (("tsyntax", "first"), ("optional", "second"), ("refines", None)),
    (("extrakey", "second"), ("concept", "first"), ("model", "first")),
    (("inname", "second"), ("missing", "first"), ("native", None)),
]


def _multi(faults_a: list[tuple[str, str | None]], faults_b: list[tuple[str, str | None]]) -> dict[str, str]:
    """Two files of one library: ``bundle.mthds`` holds the concepts, ``run`` and ``first`` (``faults_a``);
    ``polish.mthds`` holds ``second`` (``faults_b``). Each file is rendered from the whole bundle with the
    faults applied, then cut to its own pipes."""
    files: dict[str, str] = {}
    for rel, codes, faults in (
        ("bundle.mthds", ("run", "first"), faults_a),
        ("polish.mthds", ("second",), faults_b),
    ):
        b = copy.deepcopy(base())
        for name, code in faults:
            if code is None:
                BUNDLE_FAULTS[name](b)
            else:
                PIPE_FAULTS[name](b, code)
        b["pipes"] = {k: v for k, v in b["pipes"].items() if k in codes}
        if rel != "bundle.mthds":  # the concepts stay in bundle.mthds, but a fault's own concept
            b["main_pipe"] = ""
            b["concepts"] = {k: v for k, v in b["concepts"].items() if k not in CONCEPTS}
            b["concept_tables"] = []
        files[rel] = render(b)
    return files


def cases() -> dict[str, str | dict[str, str]]:
    c: dict[str, str | dict[str, str]] = {}
    for a, b in SAME_PIPE:
        faults = ((a, "first"), (b, "first"))
        c[_name(faults, "same_pipe")] = make(*faults)
    for a, b in TWO_PIPES:
        faults = ((a, "first"), (b, "second"))
        c[_name(faults, "first_then_second")] = make(*faults)
        faults = ((a, "second"), (b, "first"))
        c[_name(faults, "second_then_first")] = make(*faults)
    for a, b in SEQ_LEAF:
        faults = ((a, "run"), (b, "first"))
        c[_name(faults, "run_and_first")] = make(*faults)
    for a, b in BUNDLE_PIPE:
        faults = ((a, None), (b, "second" if b in ("type", "inname") else "first"))
        c[_name(faults, "bundle_and_pipe")] = make(*faults)
    for a, b in BUNDLE_BUNDLE:
        faults = ((a, None), (b, None))
        c[_name(faults, "bundle")] = make(*faults)
    for placed in PLACED:
        c[_name(placed, "_".join(p or "bundle" for _, p in placed))] = make(*placed)
    for n, triple in enumerate(TRIPLES):
        c[_name(triple, f"three_{n}")] = make(*triple)
    # two files of one library: a fault in each, each order of the files' names
    multi = [
        ([("model", "first")], [("missing", "second")]),
        ([("missing", "first")], [("model", "second")]),
        ([("concept", "first")], [("type", "second")]),
        ([("type", "first")], [("concept", "second")]),
        ([("native", None)], [("missing", "second")]),
        ([("private", "first")], [("inname", "second")]),
        ([("unused", "run")], [("model", "second")]),
        ([("steppipe", "run")], [("extrakey", "second")]),
        ([("missing", "first")], [("native", None)]),
        ([("model", "first")], [("type", "second")]),
    ]
    for fa, fb in multi:
        names = "+".join(f for f, _ in fa) + "+" + "+".join(f for f, _ in fb)
        c[f"ord_{names}__two_files"] = _multi(fa, fb)
    return c
