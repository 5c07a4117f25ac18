"""Generated bundles: valid methods drawn from the grammar validate and dry-run; one mutation gives its error type.

A method is drawn as a small model (concepts, then a main sequence whose steps each read values already in
working memory and add one), rendered to TOML with varied layouts (shorthand or table concepts, inline or
multi-line arrays, comments, one file or a library of several files sharing the domain). The main sequence's
steps cover the operators that need no code (PipeLLM with text, list and structured outputs, PipeCompose,
PipeImgGen, PipeSearch, PipeJudge, PipeExtract batched over documents, then batched again over the list of
page lists), binding steps, batch steps, PipeBatch, PipeParallel and PipeCondition; some pipes may live in a
second domain, called and typed through qualified references.

Each mutation changes one field of a valid method and names the error type the language gives for it.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelex.config.deck import default_deck
from pipelex.config.run_settings import RunSettings
from pipelex.language.library import build_library
from pipelex.validation.report import ValidationReport, validate_library
from pipelex.validation.sweep import PipeStatus

GENERATED = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DECK = default_deck()

NOUNS = [
    "parcel",
    "invoice",
    "recipe",
    "ticket",
    "harvest",
    "lesson",
    "voyage",
    "clause",
    "shelf",
    "tide",
    "meeting",
    "garden",
    "review",
    "booking",
    "sample",
    "lantern",
]
VERBS = ["write", "draft", "sum_up", "list", "rate", "check", "label", "describe", "plan", "sort", "tag"]


def _pascal(word: str) -> str:
    return "".join(part.capitalize() for part in word.split("_"))


@dataclass
class Var:
    """A value in the main sequence's working memory."""

    concept: str  # a concept code or a native ref
    is_list: bool = False
    fields: dict[str, str] = field(default_factory=dict)  # text-typed fields of a structured concept
    nested: bool = False  # a list of lists (a batch over a pipe that outputs a list)


@dataclass
class Method:
    """A valid method, as data: rendered to TOML by :func:`render`."""

    domain: str
    concepts: dict[str, dict[str, Any] | str] = field(default_factory=dict)
    pipes: dict[str, dict[str, Any]] = field(default_factory=dict)
    main: str = ""
    file_of_pipe: dict[str, int] = field(default_factory=dict)
    nb_files: int = 1
    inline_arrays: bool = True
    helper_domain: str | None = None  # a second domain holding some pipes, called by qualified references
    helper_pipes: set[str] = field(default_factory=set)
    # contract-only headers of pipes, written in a file of their own (the concrete pipes implement them)
    signatures: dict[str, dict[str, Any]] = field(default_factory=dict)

    def leaf_llms(self) -> list[str]:
        return [code for code, pipe in self.pipes.items() if pipe.get("type") == "PipeLLM"]


# ---------------------------------------------------------------------------------------------------- drawing


class Drawer:
    """Builds a valid method step by step, keeping the names unique and every input used."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.used: set[str] = set()

    def name(self, words: list[str], style: Callable[[str], str] = str) -> str:
        base = style(self.draw(st.sampled_from(words)))
        candidate, n = base, 2
        while candidate in self.used:
            candidate, n = f"{base}{n}" if style is not str else f"{base}_{n}", n + 1
        self.used.add(candidate)
        return candidate

    def concept(self, method: Method) -> Var:
        code = self.name(NOUNS, _pascal)
        if self.draw(st.booleans()):
            method.concepts[code] = f"A {code.lower()} as people write it"
            return Var(code)
        fields = {
            self.name(["title", "summary", "owner", "place", "status", "note"]): "text"
            for _ in range(self.draw(st.integers(1, 3)))
        }
        structure: dict[str, Any] = {}
        for name in fields:
            structure[name] = (
                f"The {name}"
                if self.draw(st.booleans())
                else {"type": "text", "description": f"The {name}", "required": True}
            )
        if self.draw(st.booleans()):
            structure[self.name(["count", "weight", "score"])] = {
                "type": "number",
                "description": "A figure",
                "required": True,
            }
        method.concepts[code] = {"description": f"A {code.lower()} with its details", "structure": structure}
        return Var(code, fields=fields)

    def pipe(self, method: Method, pipe: dict[str, Any]) -> str:
        code = self.name([f"{v}_{n}" for v in VERBS for n in NOUNS[:6]])
        method.pipes[code] = pipe
        method.file_of_pipe[code] = self.draw(st.integers(0, method.nb_files - 1))
        if method.helper_domain and self.draw(st.booleans()):
            method.helper_pipes.add(code)
        return code


def _spec(var: Var) -> str:
    return f"{var.concept}[]" if var.is_list else var.concept


def _llm(inputs: dict[str, Var], output: str, verb: str) -> dict[str, Any]:
    reads = ", ".join(f"${name}" for name in inputs)
    return {
        "type": "PipeLLM",
        "description": f"{verb.replace('_', ' ').capitalize()} from {', '.join(inputs)}",
        "inputs": {n: _spec(v) for n, v in inputs.items()},
        "output": output,
        "prompt": f"{verb.replace('_', ' ').capitalize()} using {reads}.",
    }


@st.composite
def methods(draw: st.DrawFn) -> Method:
    """A valid method: a main sequence over one or two inputs, 2 to 6 steps of varied kinds."""
    d = Drawer(draw)
    method = Method(
        domain=".".join(d.name(NOUNS) for _ in range(draw(st.integers(1, 2)))),
        nb_files=draw(st.integers(1, 3)),
        inline_arrays=draw(st.booleans()),
    )
    if draw(st.booleans()):
        method.helper_domain = f"{d.name(NOUNS)}_helpers"
    memory: dict[str, Var] = {}
    first = d.concept(method)
    memory[d.name(NOUNS)] = first
    if draw(st.booleans()):
        memory[d.name(NOUNS)] = Var("Text")
    if draw(st.booleans()):
        memory[d.name(["scans", "folders", "files"])] = Var("Document", is_list=True)
    main_inputs = dict(memory)
    steps: list[dict[str, Any]] = []
    last: Var | None = None
    for index in range(draw(st.integers(2, 6))):
        kind = draw(
            st.sampled_from(
                ["llm", "llm_list", "llm_structured"]
                if index == 0
                else [
                    "llm",
                    "llm_list",
                    "llm_structured",
                    "compose",
                    "img_gen",
                    "search",
                    "judge",
                    "binding",
                    "batch_step",
                    "pipe_batch",
                    "parallel",
                    "condition",
                    "extract_each",
                    "extract_each",
                ]
            )
        )
        singles = {n: v for n, v in memory.items() if not v.is_list}
        lists = {n: v for n, v in memory.items() if v.is_list}
        documents = {n: v for n, v in lists.items() if v.concept == "Document" and not v.nested}
        structured = {n: v for n, v in singles.items() if v.fields}
        texts = {n: v for n, v in singles.items() if v.concept == "Text"}
        if kind in ("binding",) and not structured:
            kind = "llm"
        if kind == "extract_each" and not documents:
            kind = "llm_list"
        if kind == "pipe_batch" and lists and all(v.nested for v in lists.values()):
            kind = "batch_step"  # a PipeBatch's list input is declared X[]: its items are single
        if kind in ("batch_step", "pipe_batch") and not lists:
            kind = "llm_list"
        if kind == "condition" and not texts:
            kind = "compose"
        if not singles and kind not in ("batch_step", "pipe_batch"):
            kind = "batch_step" if lists else kind
        result = d.name(NOUNS)
        step: dict[str, Any]
        produced: Var
        if kind == "binding":
            source = draw(st.sampled_from(sorted(structured)))
            path = f"{source}.{draw(st.sampled_from(sorted(structured[source].fields)))}"
            step, produced = {"from": path, "result": result}, Var("Text")
        elif kind == "extract_each":
            source = draw(st.sampled_from(sorted(documents)))
            item_name = d.name(["scan", "folder", "file"])
            extract = d.pipe(
                method,
                {
                    "type": "PipeExtract",
                    "description": "The pages of one document",
                    "inputs": {item_name: "Document"},
                    "output": "Page[]",
                },
            )
            step = {"pipe": extract, "result": result, "batch_over": source, "batch_as": item_name}
            produced = Var("Page", is_list=True, nested=True)
            if draw(
                st.booleans()
            ):  # then one summary per document: each item of the list of lists is a Page[]
                steps.append(step)
                memory[result] = produced
                pages = d.name(["pages", "leaves"])
                reader = d.pipe(method, _llm({pages: Var("Page", is_list=True)}, "Text", "sum_up"))
                result = d.name(NOUNS)
                step = {"pipe": reader, "result": result, "batch_over": step["result"], "batch_as": pages}
                produced = Var("Text", is_list=True)
        elif kind in ("batch_step", "pipe_batch"):
            candidates = lists if kind == "batch_step" else {n: v for n, v in lists.items() if not v.nested}
            nested = {n: v for n, v in candidates.items() if v.nested}
            if nested and draw(st.booleans()):
                candidates = nested  # each item is itself a list: the branch reads X[]
            source = draw(st.sampled_from(sorted(candidates)))
            item_name = d.name(NOUNS)
            item = Var(lists[source].concept, is_list=lists[source].nested, fields=lists[source].fields)
            branch = d.pipe(method, _llm({item_name: item}, "Text", draw(st.sampled_from(VERBS))))
            if kind == "batch_step":
                step = {"pipe": branch, "result": result, "batch_over": source, "batch_as": item_name}
            else:
                batch = d.pipe(
                    method,
                    {
                        "type": "PipeBatch",
                        "description": f"Each of {source}",
                        "inputs": {source: _spec(lists[source])},
                        "output": "Text[]",
                        "branch_pipe_code": branch,
                        "input_list_name": source,
                        "input_item_name": item_name,
                    },
                )
                step = {"pipe": batch, "result": result}
            produced = Var("Text", is_list=True)
        else:
            picked = draw(
                st.lists(
                    st.sampled_from(sorted(singles)), min_size=1, max_size=min(2, len(singles)), unique=True
                )
            )
            reads = {n: singles[n] for n in picked}
            pipe, produced = _reading_step(d, method, memory, kind, reads, texts)
            step = {"pipe": d.pipe(method, pipe), "result": result}
        steps.append(step)
        memory[result] = produced
        last = produced
    assert last is not None
    # a sequence declares only the inputs its steps read (an input declared for nothing is an error)
    read: set[str] = set()
    for step in steps:
        read |= {path.split(".")[0] for path in (step.get("from"), step.get("batch_over")) if path}
        if "pipe" in step:
            read |= set(method.pipes[step["pipe"]]["inputs"]) - {step.get("batch_as")}
    method.main = d.pipe(
        method,
        {
            "type": "PipeSequence",
            "description": "The whole method",
            "inputs": {n: _spec(v) for n, v in main_inputs.items() if n in read},
            "output": _spec(last),
            "steps": steps,
        },
    )
    method.helper_pipes.discard(method.main)  # main_pipe names a pipe of the bundle that declares it
    return method


def _reading_step(
    d: Drawer, method: Method, memory: dict[str, Var], kind: str, reads: dict[str, Var], texts: dict[str, Var]
) -> tuple[dict[str, Any], Var]:
    """A pipe of ``kind`` reading ``reads`` (values of the main sequence's memory), and the value it adds."""
    draw = d.draw
    verb = draw(st.sampled_from(VERBS))
    pipe: dict[str, Any]
    produced: Var
    if kind == "llm":
        pipe, produced = _llm(reads, "Text", verb), Var("Text")
    elif kind == "llm_list":
        count = draw(st.sampled_from(["[]", "[2]", "[3]"]))
        pipe, produced = _llm(reads, f"Text{count}", verb), Var("Text", is_list=True)
    elif kind == "llm_structured":
        produced = d.concept(method)
        pipe = _llm(reads, produced.concept, verb)
    elif kind == "compose":
        body = " / ".join(f"{{{{ {n} }}}}" if draw(st.booleans()) else f"${n}" for n in reads)
        pipe = {
            "type": "PipeCompose",
            "description": "Put the pieces together",
            "inputs": {n: _spec(v) for n, v in reads.items()},
            "output": "Text",
            "template": f"Notes: {body}",
        }
        produced = Var("Text")
    elif kind == "img_gen":
        pipe = {
            "type": "PipeImgGen",
            "description": "An illustration",
            "inputs": {n: _spec(v) for n, v in reads.items()},
            "output": "Image",
            "prompt": "A watercolour of " + " and ".join(f"${n}" for n in reads),
        }
        if draw(st.booleans()):
            pipe["aspect_ratio"] = draw(st.sampled_from(["square", "landscape_16_9", "portrait_3_4"]))
        produced = Var("Image")
    elif kind == "search":
        pipe = {
            "type": "PipeSearch",
            "description": "Look it up",
            "inputs": {n: _spec(v) for n, v in reads.items()},
            "output": "SearchResult",
            "prompt": "Who offers " + " and ".join(f"${n}" for n in reads) + "?",
        }
        produced = Var("SearchResult")
    elif kind == "judge":
        pipe = {
            "type": "PipeJudge",
            "description": "Is it acceptable?",
            "inputs": {n: _spec(v) for n, v in reads.items()},
            "output": "YesNo",
            "model": "@default-judgment",  # the deck names no judgment default, as the reference's
            "prompt": "Judge " + " and ".join(f"${n}" for n in reads),
            "question": "Acceptable?",
            "criteria": {"yes": "clear and complete", "no": "vague"},
        }
        produced = Var("YesNo")
    elif kind == "parallel":
        branches = []
        for _ in range(draw(st.integers(2, 3))):
            sub = d.pipe(method, _llm(reads, "Text", draw(st.sampled_from(VERBS))))
            branches.append({"pipe": sub, "result": d.name(NOUNS)})
        pipe = {
            "type": "PipeParallel",
            "description": "Several drafts at once",
            "inputs": {n: _spec(v) for n, v in reads.items()},
            "output": "Composite",
            "add_each_output": True,
            "branches": branches,
        }
        produced = Var("Composite")
        for branch in branches:
            memory[branch["result"]] = Var("Text")
    else:  # condition over a text input
        selector = draw(st.sampled_from(sorted(texts)))
        outcomes = {}
        for label in draw(
            st.lists(
                st.sampled_from(["urgent", "normal", "late", "early"]),
                min_size=1,
                max_size=3,
                unique=True,
            )
        ):
            outcomes[label] = d.pipe(method, _llm(reads, "Text", draw(st.sampled_from(VERBS))))
        default = d.pipe(method, _llm(reads, "Text", "write"))
        pipe = {
            "type": "PipeCondition",
            "description": "Route on the selector",
            "inputs": {n: _spec(v) for n, v in {**reads, selector: texts[selector]}.items()},
            "output": "Text",
            "expression": selector,
            "outcomes": outcomes,
            "default_outcome": default,
        }
        produced = Var("Text")
    return pipe, produced


# ---------------------------------------------------------------------------------------------------- rendering


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }" if value else "{}"
        )
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(value)


def _pipe_lines(code: str, pipe: dict[str, Any], inline_arrays: bool) -> list[str]:
    lines = [f"[pipe.{code}]"]
    tables: list[str] = []
    for key, value in pipe.items():
        if key == "outcomes" and isinstance(value, dict):
            tables += ["", f"[pipe.{code}.outcomes]", *(f"{_key(k)} = {_value(v)}" for k, v in value.items())]
        elif isinstance(value, list) and value and not inline_arrays:
            lines += [f"{key} = [", *(f"    {_value(v)},  # {i + 1}" for i, v in enumerate(value)), "]"]
        else:
            lines.append(f"{key} = {_value(value)}")
    return lines + tables + [""]


_REF_KEYS = ("pipe", "branch_pipe_code", "default_outcome")


def _qualified(method: Method, pipe: dict[str, Any], *, in_helper: bool) -> dict[str, Any]:
    """References to helper pipes are written ``domain.code``; a helper pipe qualifies the method's concepts."""

    def ref(code: Any) -> Any:
        return f"{method.helper_domain}.{code}" if code in method.helper_pipes else code

    def spec(text: str) -> str:
        code = text.removesuffix("[]").split("[")[0]
        return f"{method.domain}.{text}" if in_helper and code in method.concepts else text

    out: dict[str, Any] = {}
    for key, value in pipe.items():
        if key in _REF_KEYS:
            value = ref(value)
        elif key in ("steps", "branches"):
            value = [{k: ref(v) if k == "pipe" else v for k, v in item.items()} for item in value]
        elif key == "outcomes":
            value = {k: ref(v) for k, v in value.items()}
        elif key == "inputs":
            value = {k: spec(v) for k, v in value.items()}
        elif key == "output":
            value = spec(value)
        out[key] = value
    return out


def render(method: Method) -> list[str]:
    """The method's files: concepts and the main sequence in the first, other pipes spread over the files.

    Pipes of the helper domain go to files of their own, after the method's files.
    """
    files: list[list[str]] = [[f'domain = "{method.domain}"'] for _ in range(method.nb_files)]
    helper_files: list[list[str]] = [[f'domain = "{method.helper_domain}"'] for _ in range(method.nb_files)]
    files[0] += [f'main_pipe = "{method.main}"', "# generated: concepts first, then pipes", ""]
    shorthand = {k: v for k, v in method.concepts.items() if isinstance(v, str)}
    if shorthand:
        files[0] += ["[concept]", *(f"{k} = {_value(v)}" for k, v in shorthand.items()), ""]
    for code, concept in method.concepts.items():
        if isinstance(concept, str):
            continue
        files[0] += [
            f"[concept.{code}]",
            f"description = {_value(concept['description'])}",
            f"[concept.{code}.structure]",
            *(f"{_key(k)} = {_value(v)}" for k, v in concept["structure"].items()),
            "",
        ]
    for code, pipe in method.pipes.items():
        index = 0 if code == method.main else method.file_of_pipe[code]
        in_helper = code in method.helper_pipes
        lines = _pipe_lines(code, _qualified(method, pipe, in_helper=in_helper), method.inline_arrays)
        (helper_files if in_helper else files)[index] += lines
    headers: dict[str, list[str]] = {}  # domain -> the file of its signatures (contracts written apart)
    for code, signature in method.signatures.items():
        in_helper = code in method.helper_pipes
        domain = method.helper_domain if in_helper else method.domain
        lines = headers.setdefault(
            str(domain), [f'domain = "{domain}"', "# the contracts, written first", ""]
        )
        lines += _pipe_lines(code, _qualified(method, signature, in_helper=in_helper), method.inline_arrays)
    files += headers.values()
    used_helper_files = [f for f in helper_files if len(f) > 1]
    return ["\n".join(lines) + "\n" for lines in [*files, *used_helper_files]]


def validate(texts: list[str]) -> ValidationReport:
    library = build_library([(text, f"part{i}.mthds") for i, text in enumerate(texts)])
    return validate_library(library, DECK, settings=RunSettings(nb_list_items=2))


# ---------------------------------------------------------------------------------------------------- properties


@GENERATED
@given(methods())
def test_a_generated_method_validates_and_every_pipe_dry_runs(method: Method) -> None:
    report = validate(render(method))
    assert report.is_valid, [e.render() for e in report.errors]
    assert report.warnings == []
    assert {v.pipe_ref for v in report.validated_pipes} == {
        f"{method.helper_domain if c in method.helper_pipes else method.domain}.{c}" for c in method.pipes
    }
    assert {v.status for v in report.validated_pipes} == {PipeStatus.SUCCESS}


Mutation = Callable[[Method, st.DrawFn], None]


def _some(draw: st.DrawFn, codes: list[str]) -> str:
    return draw(st.sampled_from(sorted(codes)))


def _of_type(method: Method, *types: str) -> list[str]:
    return [c for c, p in method.pipes.items() if p["type"] in types]


def _dotted_input(method: Method, draw: st.DrawFn) -> None:
    pipe = method.pipes[_some(draw, method.leaf_llms())]
    root = next(iter(pipe["inputs"]))
    pipe["inputs"][f"{root}.text"] = "Text"


def _marker_on_list(method: Method, draw: st.DrawFn) -> None:
    pipe = method.pipes[method.main]
    pipe["output"] = pipe["output"].removesuffix("[]") + "[]?"


def _unknown_concept(method: Method, draw: st.DrawFn) -> None:
    method.pipes[_some(draw, method.leaf_llms())]["output"] = "Unheard"


def _unknown_step_pipe(method: Method, draw: st.DrawFn) -> None:
    steps = method.pipes[method.main]["steps"]
    pipe_steps = [s for s in steps if "pipe" in s]
    if not pipe_steps:
        steps.append({"pipe": "nowhere_to_be_found", "result": "lost"})
    else:
        draw(st.sampled_from(pipe_steps))["pipe"] = "nowhere_to_be_found"


def _undeclared_variable(method: Method, draw: st.DrawFn) -> None:
    method.pipes[_some(draw, method.leaf_llms())]["prompt"] += " Also mind $weather_forecast."


def _unused_input(method: Method, draw: st.DrawFn) -> None:
    method.pipes[_some(draw, method.leaf_llms())]["inputs"]["stray_note"] = "Text"


def _retired_signature(method: Method, draw: st.DrawFn) -> None:
    code = _some(draw, method.leaf_llms())
    pipe = method.pipes[code]
    method.pipes[code] = {
        "type": "PipeSignature",
        "signature_for": "PipeLLM",
        "description": pipe["description"],
        "inputs": pipe["inputs"],
        "output": pipe["output"],
    }


def _no_type(method: Method, draw: st.DrawFn) -> None:
    del method.pipes[_some(draw, list(method.pipes))]["type"]


def _llm_makes_image(method: Method, draw: st.DrawFn) -> None:
    method.pipes[_some(draw, method.leaf_llms())]["output"] = "Image"


def _img_gen_makes_text(method: Method, draw: st.DrawFn) -> None:
    codes = _of_type(method, "PipeImgGen")
    if codes:
        method.pipes[_some(draw, codes)]["output"] = "Text"
    else:
        method.pipes["draw_a_text"] = {
            "type": "PipeImgGen",
            "description": "wrong kind",
            "output": "Text",
            "prompt": "A lighthouse at dawn",
        }
        method.file_of_pipe["draw_a_text"] = 0


def _parallel_makes_anything(method: Method, draw: st.DrawFn) -> None:
    codes = _of_type(method, "PipeParallel")
    if codes:
        method.pipes[_some(draw, codes)]["output"] = "Anything"
    else:
        leaf = _some(draw, method.leaf_llms())
        inputs = method.pipes[leaf]["inputs"]
        method.pipes["both_at_once"] = {
            "type": "PipeParallel",
            "description": "wrong output",
            "inputs": dict(inputs),
            "output": "Anything",
            "branches": [{"pipe": leaf, "result": "only_branch"}],
        }
        method.file_of_pipe["both_at_once"] = 0


def _binding_in_parallel(method: Method, draw: st.DrawFn) -> None:
    leaf = _some(draw, method.leaf_llms())
    inputs = method.pipes[leaf]["inputs"]
    root = next(iter(inputs))
    method.pipes["fan_out"] = {
        "type": "PipeParallel",
        "description": "a binding in a branch",
        "inputs": dict(inputs),
        "output": "Composite",
        "branches": [{"pipe": leaf, "result": "drafted"}, {"from": root, "result": "copy"}],
    }
    method.file_of_pipe["fan_out"] = 0


def _camel_pipe_code(method: Method, draw: st.DrawFn) -> None:
    code = _some(draw, method.leaf_llms())
    method.pipes["WriteItAll"] = method.pipes[code]
    method.file_of_pipe["WriteItAll"] = 0


def _wrong_sequence_multiplicity(method: Method, draw: st.DrawFn) -> None:
    pipe = method.pipes[method.main]
    output = pipe["output"]
    pipe["output"] = output.removesuffix("[]") if output.endswith("[]") else f"{output}[]"


def _continue_without_optional(method: Method, draw: st.DrawFn) -> None:
    codes = _of_type(method, "PipeCondition")
    if codes:
        pipe = method.pipes[_some(draw, codes)]
        key = draw(st.sampled_from(sorted([*pipe["outcomes"], "default_outcome"])))
        if key == "default_outcome":
            pipe["default_outcome"] = "continue"
        else:
            pipe["outcomes"][key] = "continue"
    else:
        leaf = _some(draw, method.leaf_llms())
        inputs = method.pipes[leaf]["inputs"]
        method.pipes["route_it"] = {
            "type": "PipeCondition",
            "description": "may produce nothing",
            "inputs": dict(inputs),
            "output": "Text",  # single: a list is never absent, so only a single output needs the `?`
            "expression": next(iter(inputs)),
            "outcomes": {"go": leaf},
            "default_outcome": "continue",
        }
        method.file_of_pipe["route_it"] = 0


def _signature_broken_contract(method: Method, draw: st.DrawFn) -> None:
    code = _some(draw, method.leaf_llms())
    pipe = method.pipes[code]
    signature = {"description": pipe["description"], "inputs": dict(pipe["inputs"]), "output": "Text[]"}
    if pipe["output"] == "Text[]":
        signature["output"] = "Text"
    method.signatures[code] = signature


MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "dotted-input": (_dotted_input, "invalid_input_name"),
    "marker-on-list": (_marker_on_list, "optional_marker_invalid"),
    "unknown-concept": (_unknown_concept, "unresolved_concept"),
    "unknown-step-pipe": (_unknown_step_pipe, "unresolved_pipe_dependency"),
    "undeclared-variable": (_undeclared_variable, "missing_input_variable"),
    "unused-input": (_unused_input, "extraneous_input_variable"),
    "retired-signature-type": (_retired_signature, "unknown_pipe_type"),
    "no-type": (_no_type, "missing_pipe_type"),
    "llm-makes-image": (_llm_makes_image, "llm_output_cannot_be_image"),
    "img-gen-makes-text": (_img_gen_makes_text, "inadequate_output_concept"),
    "parallel-makes-anything": (_parallel_makes_anything, "schema_violation"),  # as the reference
    "binding-in-parallel": (_binding_in_parallel, "binding_step_invalid"),
    "camel-pipe-code": (_camel_pipe_code, "invalid_pipe_code_syntax"),
    "sequence-multiplicity": (_wrong_sequence_multiplicity, "inadequate_output_multiplicity"),
    "continue-without-optional": (_continue_without_optional, "optional_output_required"),
    "signature-contract": (_signature_broken_contract, "signature_mismatch"),
}


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Method]:
    method = draw(methods())
    name = draw(st.sampled_from(sorted(MUTATIONS)))
    changed = copy.deepcopy(method)
    MUTATIONS[name][0](changed, draw)
    return name, changed


@GENERATED
@given(mutated())
def test_one_mutation_gives_its_error_type(case: tuple[str, Method]) -> None:
    name, method = case
    report = validate(render(method))
    expected = MUTATIONS[name][1]
    assert not report.is_valid, name
    assert expected in {e.error_type for e in report.errors}, (name, [e.render() for e in report.errors])
    assert all(e.file and e.message for e in report.errors if e.error_type == expected)


def test_every_mutation_is_drawn() -> None:
    seen: set[str] = set()

    @settings(
        max_examples=120,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.sampled_from(sorted(MUTATIONS)))
    def collect(name: str) -> None:
        seen.add(name)

    collect()
    assert seen == set(MUTATIONS)
