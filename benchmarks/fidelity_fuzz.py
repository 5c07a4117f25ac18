"""Differential fuzzing of whole bundles (thirteenth pass of fidelity).

The other fidelity modules mutate one field of a few hand-written bases. This one generates WHOLE methods the way
users write them, with random structure, from a seed: a folder holding ``bundle.mthds`` (the method's domain: its
concepts, a main ``PipeSequence`` and the pipes it calls), often a second bundle of another domain
(``shared.mthds``: concepts and a pipe the first one uses, written ``shared_domain.Concept``), and, when the method
has a PipeFunc, the Python module its ``function_name`` names (``fuzz_funcs.py``, beside the bundles).

Concepts: structures with every field type (text, integer, number, boolean, date, datetime, list of scalars, list of
concepts, a concept, a dict; required or not, choices, defaults), text concepts (``Name = "..."``), refines of natives
(``Text``, ``Document``, ``Image``) and of the method's own concepts. Pipes: PipeLLM (structured outputs,
multiplicities ``X[]`` / ``X[3]``, ``$var`` and ``@var`` in the prompt), PipeCompose (templates and constructs),
PipeSequence (nested, with ``batch_over`` / ``batch_as`` steps and binding steps), PipeParallel, PipeCondition
(expressions on a ``choices`` field, outcomes, every kind of default outcome), PipeBatch, PipeExtract, PipeImgGen,
PipeFunc. The generator keeps the names of what the sequence holds (a working memory), so what a step reads is
what an earlier step wrote.

Half the cases then get one fault, the way the wiring of a real method goes wrong: a wrong multiplicity, an input
a prompt reads but ``inputs`` does not declare, an input no step produces, a concept that does not refine what the
reader wants, a cycle, a concept of a domain nobody declares, an unused input, a sequence output that is not the
last step's, an outcome whose output differs, ``batch_as`` equal to ``batch_over``, a list given where an item is
read, a language model asked for an image, an extraction of a text, a parallel output with a multiplicity, a step
calling a pipe nobody declares. The fault's name is recorded with the case; nothing here encodes a verdict.

Both CLIs validate each case's folder (``fidelity.run_ours`` / ``fidelity.run_peer``: ours ``pipelex validate
bundle --format json``, the reference ``pipelex-agent validate bundle --format json``); results go to a JSON file
keyed by case name with its digest, so a second run re-runs only our side::

    .venv/bin/python benchmarks/fidelity_fuzz.py .fuzz --out .fuzz-results.json --count 300
    .venv/bin/python benchmarks/fidelity_fuzz.py .fuzz --out .fuzz-results.json --count 300 --ours-only
    .venv/bin/python benchmarks/fidelity_fuzz.py --show 17          # print case 17's files and its fault

The seed of case ``N`` is ``N`` (``--first`` moves the window): the same command writes the same bundles.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# --- a tiny TOML writer: the generator builds dicts, the writer lays them out as users do ---------------------------


def _val(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        if "\n" in value:
            return '"""\n' + value.replace("\\", "\\\\").replace('"""', '\\"""') + '"""'
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return "[\n" + "".join(f"  {_val(v)},\n" for v in value) + "]"
        return "[" + ", ".join(_val(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_val(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def _key(name: str) -> str:
    return name if name.replace("_", "").replace("-", "").isalnum() and name.isascii() else json.dumps(name)


def _plain_text(spec: dict[str, Any]) -> bool:
    """A field the shorthand ``name = "description"`` declares (a required text field, nothing else)."""
    return spec == {"type": "text", "description": spec.get("description"), "required": True}


@dataclass
class Concept:
    code: str
    description: str
    fields: dict[str, dict[str, Any]] | None = None  # a structure
    refines: str | None = None
    shorthand: bool = False  # ``Code = "description"`` under ``[concept]``
    short_fields: bool = False  # a required text field written ``name = "description"`` (third run)


@dataclass
class Bundle:
    domain: str
    description: str
    main_pipe: str | None = None
    concepts: list[Concept] = field(default_factory=list)
    pipes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: set[tuple[str, str]] = field(default_factory=set)  # (pipe, key) written as a sub-table

    def text(self) -> str:
        out = [f'domain = "{self.domain}"', f"description = {_val(self.description)}"]
        if self.main_pipe:
            out.append(f'main_pipe = "{self.main_pipe}"')
        short = [c for c in self.concepts if c.shorthand]
        if short:
            out += ["", "[concept]"] + [f"{c.code} = {_val(c.description)}" for c in short]
        for c in self.concepts:
            if c.shorthand:
                continue
            out += ["", f"[concept.{c.code}]", f"description = {_val(c.description)}"]
            if c.refines:
                out.append(f'refines = "{c.refines}"')
            if c.fields is not None:
                out += ["", f"[concept.{c.code}.structure]"]
                out += [
                    f"{name} = {_val(spec['description'] if c.short_fields and _plain_text(spec) else spec)}"
                    for name, spec in c.fields.items()
                ]
        for code, pipe in self.pipes.items():
            out += ["", f"[pipe.{code}]"]
            subs = []
            for key, value in pipe.items():
                if (code, key) in self.tables and isinstance(value, dict):
                    subs.append((key, value))
                else:
                    out.append(f"{_key(key)} = {_val(value)}")
            for key, value in subs:
                out += ["", f"[pipe.{code}.{key}]"] + [f"{_key(k)} = {_val(v)}" for k, v in value.items()]
        return "\n".join(out) + "\n"


# --- the generator ----------------------------------------------------------------------------------------------------

DOMAINS = [
    "orders",
    "clinic.intake",
    "legal.contracts",
    "newsroom",
    "hr_onboarding",
    "field_service",
    "bistro",
]
SHARED_DOMAINS = ["shared_vocab", "common.people", "reference_data"]
NOUNS = [
    "Ticket",
    "Invoice",
    "Report",
    "Summary",
    "Lead",
    "Claim",
    "Memo",
    "Review",
    "Shipment",
    "Patient",
    "Clause",
    "Article",
    "Recipe",
    "Visit",
    "Quote",
    "Finding",
    "Profile",
    "Headline",
    "Answer",
    "Draft",
]
FIELD_NAMES = [
    "title",
    "status",
    "amount",
    "count",
    "score",
    "is_urgent",
    "due_on",
    "created_at",
    "tags",
    "notes",
    "owner",
    "category",
    "items",
    "summary",
    "priority",
    "lines",
    "contact",
    "metadata",
    "region",
    "verdict",
]
CHOICES = [["open", "closed", "pending"], ["low", "medium", "high"], ["yes", "no"], ["draft", "final"]]


@dataclass
class Var:
    """What the working memory of a sequence holds under a name."""

    concept: str  # the ref as written by the bundle's pipes
    mult: str = ""  # "", "[]", "[3]"
    optional: bool = False

    def spec(self) -> str:
        return self.concept + self.mult + ("?" if self.optional else "")


class Gen:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.seed = seed
        self.bundle = Bundle(domain=self.rnd.choice(DOMAINS), description=f"Generated method {seed}")
        self.shared: Bundle | None = None
        self.funcs: list[str] = []
        self.used_names: set[str] = set()
        self.nouns = self.rnd.sample(NOUNS, len(NOUNS))
        self.struct: list[Concept] = []  # structured concepts (ours and shared), by ref
        self.refs: dict[str, Concept] = {}
        self.choice_fields: dict[str, tuple[str, list[str]]] = {}  # concept ref -> (field, choices)
        self.faults: list[tuple[str, Callable[[], bool]]] = []
        self.text_edits: list[Callable[[str], str]] = []  # faults made on the written text (third run)
        # the third run's shapes draw from their own stream, so the older draws stay in step
        self.shape = random.Random(seed * 7919 + 3)

    # names
    def name(self, stem: str) -> str:
        n, i = stem, 2
        while n in self.used_names:
            n, i = f"{stem}_{i}", i + 1
        self.used_names.add(n)
        return n

    def noun(self) -> str:
        return self.nouns.pop() if self.nouns else self.name("Thing").title().replace("_", "")

    # concepts
    def make_concepts(self) -> None:
        r = self.rnd
        if r.random() < 0.6:
            self.shared = Bundle(domain=r.choice(SHARED_DOMAINS), description="Shared vocabulary")
        n_struct = r.randint(2, 4)
        for i in range(n_struct):
            owner = self.shared if self.shared is not None and i == 0 else self.bundle
            code = self.noun()
            fields: dict[str, dict[str, Any]] = {}
            names = r.sample(FIELD_NAMES, r.randint(2, 5))
            for j, fname in enumerate(names):
                fields[fname] = self.field_spec(fname, first=j == 0)
            c = Concept(code, f"A {code.lower()} as the team keeps it", fields=fields)
            c.short_fields = self.shape.random() < 0.4
            owner.concepts.append(c)
            ref = code if owner is self.bundle else f"{owner.domain}.{code}"
            self.refs[ref] = c
            self.struct.append(c)
            for fname, spec in fields.items():
                if "choices" in spec and spec.get("required"):
                    self.choice_fields.setdefault(ref, (fname, spec["choices"]))
        if not self.choice_fields:  # a condition needs a value to branch on
            c = self.struct[-1]
            c.fields = {
                "status": {
                    "type": "text",
                    "description": "Where it stands",
                    "choices": CHOICES[0],
                    "required": True,
                },
                **(c.fields or {}),
            }
            ref = next(k for k, v in self.refs.items() if v is c)
            self.choice_fields[ref] = ("status", CHOICES[0])
        for _ in range(r.randint(1, 3)):
            code = self.noun()
            c = Concept(code, f"The {code.lower()} written out as prose", shorthand=r.random() < 0.6)
            if not c.shorthand and r.random() < 0.5:
                c.refines = self.shape.choice(["Text", "Text", "native.Text"])
            self.bundle.concepts.append(c)
            self.refs[code] = c
        # refines of a native file concept, and of one of ours
        code = self.noun()
        self.doc_concept = Concept(code, f"A scanned {code.lower()}", refines=r.choice(["Document", "Image"]))
        self.bundle.concepts.append(self.doc_concept)
        self.refs[code] = self.doc_concept
        parent = self.rnd.choice([k for k, v in self.refs.items() if v.fields is not None])
        code = self.noun()
        child = Concept(
            code, f"A {code.lower()}, a kind of {parent.rsplit('.', 1)[-1].lower()}", refines=parent
        )
        self.bundle.concepts.append(child)
        self.refs[code] = child

    def field_spec(self, fname: str, first: bool) -> dict[str, Any]:
        r = self.rnd
        kind = r.choice(
            [
                "text",
                "text",
                "integer",
                "number",
                "boolean",
                "date",
                "datetime",
                "list",
                "list_concept",
                "concept",
                "dict",
                "choices",
            ]
        )
        spec: dict[str, Any] = {}
        if kind == "choices":
            spec = {"type": "text", "choices": r.choice(CHOICES)}
        elif kind == "list":
            spec = {"type": "list", "item_type": r.choice(["text", "integer", "number"])}
        elif kind == "list_concept" and self.struct:
            spec = {
                "type": "list",
                "item_type": "concept",
                "item_concept_ref": self.ref_of(r.choice(self.struct)),
            }
        elif kind == "concept" and self.struct:
            spec = {"type": "concept", "concept_ref": self.ref_of(r.choice(self.struct))}
        elif kind == "dict":
            spec = {"type": "dict", "key_type": "text", "value_type": r.choice(["text", "integer"])}
        elif kind in ("list_concept", "concept"):
            spec = {"type": "text"}
        else:
            spec = {"type": kind}
            if kind == "datetime" and self.shape.random() < 0.3:
                spec = {"type": "time"}
        spec["description"] = f"The {fname.replace('_', ' ')}"
        if first or r.random() < 0.5:
            spec["required"] = True
        elif "choices" in spec and self.shape.random() < 0.4:
            spec["default_value"] = spec["choices"][-1]
        elif spec["type"] == "boolean" and r.random() < 0.5:
            spec["default_value"] = False
        elif spec["type"] == "integer" and r.random() < 0.4:
            spec["default_value"] = 0
        return spec

    def ref_of(self, c: Concept) -> str:
        for k, v in self.refs.items():
            if v is c:
                return k if "." not in k or self.shared is None else k
        return c.code

    def text_concepts(self) -> list[str]:
        return [
            k for k, v in self.refs.items() if v.fields is None and v.refines in (None, "Text", "native.Text")
        ]

    def child_refs(self) -> list[str]:
        """Our concepts refining one of our structures."""
        return [k for k, v in self.refs.items() if v.fields is None and v.refines in self.refs]

    def struct_refs(self) -> list[str]:
        return [k for k, v in self.refs.items() if v.fields is not None]

    def output_concept(self) -> str:
        r = self.rnd
        pool = self.struct_refs() + self.text_concepts() + self.child_refs() + ["Text"]
        return r.choice(pool)

    # prompts
    def prompt_for(self, inputs: dict[str, str], verb: str) -> str:
        r = self.rnd
        lines = [f"{verb}."]
        for name in inputs:
            if r.random() < 0.3:
                lines += ["Here it is:", f"@{name}", ""]
            else:
                lines.append(f"Use ${name} as the source.")
        if r.random() < 0.3:
            lines.append("{% if true %}Be concise.{% endif %}")
        return "\n".join(lines) if len(lines) > 2 or r.random() < 0.5 else " ".join(lines)

    # pipes
    def add_pipe(self, code: str, pipe: dict[str, Any], owner: Bundle | None = None) -> None:
        (owner or self.bundle).pipes[code] = pipe
        if pipe.get("inputs") and self.shape.random() < 0.15:  # ``[pipe.x.inputs]`` as users write it too
            (owner or self.bundle).tables.add((code, "inputs"))

    def llm(self, inputs: dict[str, str], output: str, stem: str = "write") -> str:
        noun = output.split("[")[0].rstrip("?").rsplit(".", 1)[-1].lower()
        code = self.name(f"{stem}_{noun}")
        pipe: dict[str, Any] = {"type": "PipeLLM", "description": f"Writes the {noun}"}
        if inputs:
            pipe["inputs"] = dict(inputs)
        pipe["output"] = output
        if self.rnd.random() < 0.2:
            pipe["system_prompt"] = "You are a careful clerk."
        pipe["prompt"] = self.prompt_for(inputs, f"Write the {noun}")
        if self.rnd.random() < 0.15:
            pipe["model"] = self.rnd.choice(
                ["$writing-factual", "@default-general", "$engineering-structured"]
            )
            if self.shape.random() < 0.4:  # the other spellings of a model reference (third run)
                pipe["model"] = self.shape.choice(
                    [
                        "preset:writing-factual",
                        "alias:default-general",
                        {"model": "@default-general", "temperature": 0.2},
                        "$retrieval",
                    ]
                )
        base = output.split("[")[0].rstrip("?")
        if base in self.refs and self.refs[base].fields is not None and self.shape.random() < 0.15:
            pipe["structuring_method"] = "preliminary_text"
        for name, spec in inputs.items():  # a field of a structured input, read in the prompt
            c = self.refs.get(spec.rstrip("?"))
            if c is not None and c.fields and self.shape.random() < 0.2:
                pipe["prompt"] += f"\nMind {{{{ {name}.{next(iter(c.fields))} }}}}."
        self.add_pipe(code, pipe)
        return code

    def pick(self, memory: dict[str, Var], want: Callable[[Var], bool]) -> str | None:
        names = [n for n, v in memory.items() if want(v)]
        unread = [n for n in names if n not in self.read]
        if unread and self.rnd.random() < 0.8:
            return self.rnd.choice(unread)
        return self.rnd.choice(names) if names else None

    def stage(self, memory: dict[str, Var], steps: list[dict[str, Any]], depth: int) -> None:
        r = self.rnd
        kinds = [
            "llm",
            "llm",
            "compose",
            "construct",
            "batch_step",
            "pipe_batch",
            "parallel",
            "condition",
            "extract",
            "imggen",
            "func",
            "binding",
            "subseq",
        ]
        for _ in range(6):
            kind = r.choice(kinds)
            if getattr(self, f"stage_{kind}")(memory, steps, depth):
                return

    def single(self, v: Var) -> bool:
        return v.mult == "" and not v.optional and v.concept not in ("Image", "Page", "Composite")

    def stage_llm(self, memory: dict[str, Var], steps: list[dict[str, Any]], depth: int) -> bool:
        r = self.rnd
        first = self.pick(memory, lambda v: not v.optional and v.concept not in ("Composite",))
        if first is None:
            return False
        names = [first]
        second = self.pick(memory, lambda v: not v.optional and v.concept not in ("Composite",))
        if second and second != first and r.random() < 0.4:
            names.append(second)
        output = self.output_concept()
        mult = r.choice(["", "", "", "[]", "[3]"])
        code = self.llm({n: memory[n].spec() for n in names}, output + mult)
        result = self.name(output.rsplit(".", 1)[-1].lower() + ("s" if mult else ""))
        steps.append({"pipe": code, "result": result})
        self.read.update(names)
        memory[result] = Var(output, mult)
        return True

    def stage_compose(self, memory: dict[str, Var], steps: list[dict[str, Any]], depth: int) -> bool:
        name = self.pick(memory, self.single)
        if name is None:
            return False
        v = memory[name]
        c = self.refs.get(v.concept)
        ref = f"${name}"
        if c is not None and c.fields and self.rnd.random() < 0.5:
            fname = next(iter(c.fields))
            ref = f"{{{{ {name}.{fname} }}}}"
        output = self.rnd.choice(self.text_concepts() + ["Text"])
        code = self.name(f"render_{name}")
        self.add_pipe(
            code,
            {
                "type": "PipeCompose",
                "description": f"Lays out the {name}",
                "inputs": {name: v.spec()},
                "output": output,
                "template": f"## Notes\n\n{ref}\n",
            },
        )
        if self.shape.random() < 0.2:  # the template as a table, with its category (third run)
            pipe = self.bundle.pipes[code]
            pipe["template"] = {
                "template": pipe["template"],
                "category": self.shape.choice(["markdown", "basic"]),
            }
        result = self.name(f"{name}_text")
        steps.append({"pipe": code, "result": result})
        self.read.add(name)
        memory[result] = Var(output)
        return True

    def stage_construct(self, memory: dict[str, Var], steps: list[dict[str, Any]], depth: int) -> bool:
        name = self.pick(memory, self.single)
        targets = [
            k
            for k in self.struct_refs()
            if all(
                s["type"] in ("text", "integer", "number", "boolean")
                for s in (self.refs[k].fields or {}).values()
            )
        ]
        if name is None or not targets:
            return False
        target = self.rnd.choice(targets)
        construct: dict[str, Any] = {}
        for fname, spec in (self.refs[target].fields or {}).items():
            t = spec["type"]
            if "choices" in spec:
                construct[fname] = spec["choices"][0]
            elif t == "text":
                construct[fname] = {"template": f"From ${name}"} if not construct else f"fixed {fname}"
            elif t == "integer":
                construct[fname] = 3
            elif t == "number":
                construct[fname] = 2.5
            else:
                construct[fname] = True
        if not any(isinstance(v, dict) for v in construct.values()):
            return False
        code = self.name(f"build_{target.rsplit('.', 1)[-1].lower()}")
        self.add_pipe(
            code,
            {
                "type": "PipeCompose",
                "description": "Builds a record",
                "inputs": {name: memory[name].spec()},
                "output": target,
                "construct": construct,
            },
        )
        self.bundle.tables.add((code, "construct"))
        result = self.name(target.rsplit(".", 1)[-1].lower())
        steps.append({"pipe": code, "result": result})
        self.read.add(name)
        memory[result] = Var(target)
        return True

    def stage_batch_step(self, memory: dict[str, Var], steps: list[dict[str, Any]], depth: int) -> bool:
        name = self.pick(memory, lambda v: v.mult != "" and not v.optional and v.concept != "Image")
        if name is None:
            return False
        v = memory[name]
        item = self.name(name.rstrip("s") + "_item" if not name.endswith("s") else name[:-1])
        output = self.output_concept()
        code = self.llm({item: v.concept}, output, stem="handle")
        result = self.name(output.rsplit(".", 1)[-1].lower() + "_list")
        steps.append({"pipe": code, "batch_over": name, "batch_as": item, "result": result})
        self.read.add(name)
        memory[result] = Var(output, "[]")
        return True

    def stage_pipe_batch(self, memory: dict[str, Var], steps: list[dict[str, Any]], depth: int) -> bool:
        name = self.pick(memory, lambda v: v.mult != "" and not v.optional and v.concept != "Image")
        if name is None:
            return False
        v = memory[name]
        item = self.name("one_" + name)
        output = self.output_concept()
        branch = self.llm({item: v.concept}, output, stem="treat")
        code = self.name(f"treat_each_{name}")
        self.add_pipe(
            code,
            {
                "type": "PipeBatch",
                "description": f"Each of the {name}",
                "inputs": {name: v.concept + "[]"},
                "output": output + "[]",
                "branch_pipe_code": branch,
                "input_list_name": name,
                "input_item_name": item,
            },
        )
        result = self.name(f"treated_{name}")
        steps.append({"pipe": code, "result": result})
        self.read.add(name)
        memory[result] = Var(output, "[]")
        return True

    def stage_parallel(self, memory: dict[str, Var], steps: list[dict[str, Any]], depth: int) -> bool:
        name = self.pick(memory, self.single)
        if name is None:
            return False
        v = memory[name]
        branches = []
        outs: dict[str, str] = {}
        for _ in range(self.rnd.randint(2, 3)):
            output = self.output_concept()
            code = self.llm({name: v.spec()}, output, stem="draft")
            result = self.name(output.rsplit(".", 1)[-1].lower() + "_part")
            branches.append({"pipe": code, "result": result})
            outs[result] = output
        add_each = self.rnd.random() < 0.6
        code = self.name(f"fan_out_{name}")
        pipe: dict[str, Any] = {
            "type": "PipeParallel",
            "description": "Several drafts at once",
            "inputs": {name: v.spec()},
            "output": "Composite",
            "branches": branches,
        }
        if add_each or self.rnd.random() < 0.5:
            pipe["add_each_output"] = add_each
        self.add_pipe(code, pipe)
        result = self.name(f"{name}_drafts")
        steps.append({"pipe": code, "result": result})
        self.read.add(name)
        memory[result] = Var("Composite")
        if add_each:
            for res, out in outs.items():
                memory[res] = Var(out)
        return True

    def stage_condition(self, memory: dict[str, Var], steps: list[dict[str, Any]], depth: int) -> bool:
        name = self.pick(memory, lambda v: self.single(v) and v.concept in self.choice_fields)
        if name is None:
            return False
        v = memory[name]
        fname, choices = self.choice_fields[v.concept]
        output = self.output_concept()
        outcomes = {}
        for choice in self.rnd.sample(choices, self.rnd.randint(1, len(choices))):
            outcomes[choice] = self.llm({name: v.spec()}, output, stem=f"on_{choice}")
        default = self.rnd.choice(["fail", "continue", "pipe"])
        code = self.name(f"route_{name}")
        pipe: dict[str, Any] = {
            "type": "PipeCondition",
            "description": f"Route by {fname}",
            "inputs": {name: v.spec()},
            "output": output + ("?" if default == "continue" else ""),
        }
        if self.rnd.random() < 0.7:
            pipe["expression"] = f"{name}.{fname}"
        else:
            pipe["expression_template"] = f"{{{{ {name}.{fname} }}}}"
        pipe["default_outcome"] = (
            self.llm({name: v.spec()}, output, stem="otherwise") if default == "pipe" else default
        )
        pipe["outcomes"] = outcomes
        if self.rnd.random() < 0.5:
            self.bundle.tables.add((code, "outcomes"))
        self.add_pipe(code, pipe)
        result = self.name(f"routed_{name}")
        steps.append({"pipe": code, "result": result})
        self.read.add(name)
        memory[result] = Var(output, optional=default == "continue")
        return True

    def stage_extract(self, memory: dict[str, Var], steps: list[dict[str, Any]], depth: int) -> bool:
        name = self.pick(memory, lambda v: self.single(v) and v.concept == self.doc_concept.code)
        if name is None:
            return False
        code = self.name(f"read_{name}")
        pipe: dict[str, Any] = {
            "type": "PipeExtract",
            "description": "Reads the pages",
            "inputs": {name: memory[name].spec()},
            "output": "Page[]",
        }
        # an image has no pages to view
        if self.rnd.random() < 0.3 and self.doc_concept.refines == "Document":
            pipe["page_views"] = True
        self.add_pipe(code, pipe)
        result = self.name("pages")
        steps.append({"pipe": code, "result": result})
        self.read.add(name)
        memory[result] = Var("Page", "[]")
        return True

    def stage_imggen(self, memory: dict[str, Var], steps: list[dict[str, Any]], depth: int) -> bool:
        name = self.pick(memory, lambda v: self.single(v) and v.concept in self.text_concepts() + ["Text"])
        if name is None:
            return False
        code = self.name(f"illustrate_{name}")
        pipe: dict[str, Any] = {
            "type": "PipeImgGen",
            "description": "Draws it",
            "inputs": {name: memory[name].spec()},
            "output": "Image",
            "prompt": f"A flat illustration of ${name}",
        }
        if self.rnd.random() < 0.5:
            pipe["aspect_ratio"] = self.rnd.choice(["square", "landscape_16_9", "portrait_3_4"])
        self.add_pipe(code, pipe)
        result = self.name(f"{name}_picture")
        steps.append({"pipe": code, "result": result})
        self.read.add(name)
        memory[result] = Var("Image")
        return True

    def stage_func(self, memory: dict[str, Var], steps: list[dict[str, Any]], depth: int) -> bool:
        name = self.pick(memory, self.single)
        if name is None:
            return False
        # the reference checks the function's return class against the output's (TextContent here)
        output = "Text"
        fn = self.name(f"compute_{name}")
        self.funcs.append(fn)
        code = self.name(f"run_{fn}")
        self.add_pipe(
            code,
            {
                "type": "PipeFunc",
                "description": "Computes in Python",
                "inputs": {name: memory[name].spec()},
                "output": output,
                "function_name": f"fuzz_funcs.{fn}",
            },
        )
        result = self.name(f"{name}_computed")
        steps.append({"pipe": code, "result": result})
        self.read.add(name)
        memory[result] = Var(output)
        return True

    def stage_binding(self, memory: dict[str, Var], steps: list[dict[str, Any]], depth: int) -> bool:
        name = self.pick(memory, lambda v: self.single(v) and v.concept in self.struct_refs())
        if name is None:
            return False
        fields = self.refs[memory[name].concept].fields or {}
        texts = [f for f, s in fields.items() if s["type"] == "text" and s.get("required")]
        if not texts:
            return False
        fname = self.rnd.choice(texts)
        result = self.name(f"{name}_{fname}")
        steps.append({"from": f"{name}.{fname}", "result": result})
        # the binding alone reads nothing a pipe declares: the next stage reads what it bound
        memory[result] = Var("Text")
        return True

    def stage_subseq(self, memory: dict[str, Var], steps: list[dict[str, Any]], depth: int) -> bool:
        if depth >= 2:
            return False
        name = self.pick(memory, self.single)
        if name is None:
            return False
        local = {name: memory[name]}
        inner: list[dict[str, Any]] = []
        saved = self.read
        self.read = set()
        for _ in range(self.rnd.randint(1, 3)):
            self.stage(local, inner, depth + 1)
        self.read = saved
        if not inner or "pipe" not in inner[-1]:
            return False
        last = inner[-1]["result"]
        code = self.name(f"stage_{name}")
        self.add_pipe(
            code,
            {
                "type": "PipeSequence",
                "description": "A stage of its own",
                "inputs": {name: memory[name].spec()},
                "output": local[last].spec(),
                "steps": inner,
            },
        )
        result = self.name(f"{name}_staged")
        if self.rnd.random() < 0.5 and last not in memory:  # named as its last step's result, half the time
            result = last
        steps.append({"pipe": code, "result": result})
        self.read.add(name)
        memory[result] = Var(local[last].concept, local[last].mult, local[last].optional)
        return True

    def generate(self) -> None:
        r = self.rnd
        self.make_concepts()
        memory: dict[str, Var] = {}
        inputs: dict[str, str] = {}
        starts = [r.choice(self.struct_refs())]
        if r.random() < 0.5:
            starts.append(self.doc_concept.code)
        if r.random() < 0.3:
            starts.append(r.choice(self.text_concepts() + ["Text"]))
        if r.random() < 0.2:
            starts.append(r.choice(self.struct_refs()) + "[]")
        for ref in starts:
            base = ref.rstrip("[]")
            nm = self.name(base.rsplit(".", 1)[-1].lower() + ("s" if ref.endswith("[]") else ""))
            memory[nm] = Var(base, "[]" if ref.endswith("[]") else "")
            inputs[nm] = ref
        self.read: set[str] = set()
        steps: list[dict[str, Any]] = []
        for _ in range(r.randint(2, 6)):
            self.stage(memory, steps, 0)
        for nm in inputs:  # every input of the main sequence is read by a step
            while nm not in self.read:
                before = len(steps)
                local = {nm: memory[nm]}
                self.stage(local, steps, 1)
                memory.update(local)
                if len(steps) == before:
                    result = self.name("note")
                    steps.append(
                        {"pipe": self.llm({nm: memory[nm].spec()}, "Text", stem="note"), "result": result}
                    )
                    memory[result] = Var("Text")
                    self.read.add(nm)
        # bindings nobody read: read them
        for step in steps:
            if "from" in step and step["result"] not in self.read:
                nm = step["result"]
                result = self.name("used")
                steps.append({"pipe": self.llm({nm: "Text"}, "Text", stem="use"), "result": result})
                memory[result] = Var("Text")
                self.read.add(nm)
        while "pipe" not in steps[-1] or memory[steps[-1]["result"]].optional:
            nm = self.pick(memory, self.single) or next(iter(inputs))
            steps.append(
                {
                    "pipe": self.llm({nm: memory[nm].spec()}, "Text", stem="conclude"),
                    "result": self.name("conclusion"),
                }
            )
            memory[steps[-1]["result"]] = Var("Text")
        main = self.name("main_" + self.bundle.domain.rsplit(".", 1)[-1])
        last = memory[steps[-1]["result"]]
        pipe = {
            "type": "PipeSequence",
            "description": "The whole method",
            "inputs": inputs,
            "output": last.spec(),
            "steps": steps,
        }
        self.bundle.pipes = {main: pipe, **self.bundle.pipes}
        self.bundle.main_pipe = main
        self.main = main
        if self.shared is not None and r.random() < 0.5:  # a pipe of the shared domain the method calls
            ref = next(k for k in self.refs if k.startswith(self.shared.domain + "."))
            code = self.name("describe_shared")
            self.shared.pipes[code] = {
                "type": "PipeLLM",
                "description": "Describes a record",
                "inputs": {"record": ref},
                "output": "Text",
                "prompt": "Describe $record in one line.",
            }
            struct_vars = [n for n, v in memory.items() if v.concept == ref and self.single(v)]
            if struct_vars:
                nm = struct_vars[0]
                pipe["steps"].insert(
                    len(pipe["steps"]) - 1,
                    {"pipe": f"{self.shared.domain}.{code}", "result": self.name("shared_note")},
                )
                # the shared pipe reads `record`: bind it under that name first
                pipe["steps"].insert(len(pipe["steps"]) - 2, {"from": nm, "result": "record"})
        self.memory = memory

    def files(self) -> dict[str, str]:
        out = {"bundle.mthds": self.bundle.text()}
        if self.shared is not None:
            out["shared.mthds"] = self.shared.text()
        for edit in self.text_edits:
            out["bundle.mthds"] = edit(out["bundle.mthds"])
        if self.funcs:
            # the reference's convention (its docs): an async function decorated with @pipe_func(), reading the
            # working memory; pipelex validates the import path only (docs/language.md, "PipeFunc")
            out["fuzz_funcs.py"] = FUNCS_HEADER + "".join(
                f"\n\n@pipe_func()\nasync def {fn}(working_memory: WorkingMemory) -> TextContent:\n"
                f'    return TextContent(text="computed")\n'
                for fn in self.funcs
            )
        return out


FUNCS_HEADER = """from pipelex.core.memory.working_memory import WorkingMemory
from pipelex.core.stuffs.text_content import TextContent
from pipelex.system.registries.func_registry import pipe_func
"""

# --- faults: each returns False when this method offers no place for it -----------------------------------------------


def _pipes_of(g: Gen, kind: str) -> list[str]:
    return [c for c, p in g.bundle.pipes.items() if p["type"] == kind]


def _llm_with_input(g: Gen) -> list[str]:
    return [c for c in _pipes_of(g, "PipeLLM") if g.bundle.pipes[c].get("inputs")]


def f_wrong_multiplicity(g: Gen) -> bool:
    cands = _llm_with_input(g)
    if not cands:
        return False
    p = g.bundle.pipes[g.rnd.choice(cands)]
    name = g.rnd.choice(list(p["inputs"]))
    spec = p["inputs"][name]
    p["inputs"][name] = spec[:-2] if spec.endswith("[]") else spec.rstrip("?") + "[]"
    return True


def f_missing_input(g: Gen) -> bool:
    cands = _llm_with_input(g)
    if not cands:
        return False
    p = g.bundle.pipes[g.rnd.choice(cands)]
    del p["inputs"][g.rnd.choice(list(p["inputs"]))]
    if not p["inputs"]:
        del p["inputs"]
    return True


def f_never_produced(g: Gen) -> bool:
    cands = _llm_with_input(g)
    if not cands:
        return False
    p = g.bundle.pipes[g.rnd.choice(cands)]
    old = g.rnd.choice(list(p["inputs"]))
    p["inputs"] = {("ghost_" + old if k == old else k): v for k, v in p["inputs"].items()}
    p["prompt"] = p["prompt"].replace(f"${old}", f"$ghost_{old}").replace(f"@{old}", f"@ghost_{old}")
    return True


def f_refine_misfit(g: Gen) -> bool:
    cands = _llm_with_input(g)
    if not cands:
        return False
    p = g.bundle.pipes[g.rnd.choice(cands)]
    name = g.rnd.choice(list(p["inputs"]))
    spec = p["inputs"][name]
    base = spec.rstrip("?").removesuffix("[]").split("[")[0]
    others = [k for k in g.refs if k != base and g.refs[k].refines != base]
    if not others:
        return False
    p["inputs"][name] = spec.replace(base, g.rnd.choice(others), 1)
    return True


def f_refines_bad_parent(g: Gen) -> bool:
    kids = [c for c in g.bundle.concepts if c.refines and c.fields is None]
    if not kids:
        return False
    kid = g.rnd.choice(kids)
    kid.refines = g.rnd.choice(["Nonexistent", "native.Sound", f"{g.bundle.domain}.{kid.code}", "Text[]"])
    return True


def f_cycle(g: Gen) -> bool:
    seqs = [c for c in _pipes_of(g, "PipeSequence") if c != g.main]
    if seqs and g.rnd.random() < 0.6:
        code = g.rnd.choice(seqs)
        p = g.bundle.pipes[code]
        p["steps"].insert(0, {"pipe": g.main, "result": "again"})
        return True
    p = g.bundle.pipes[g.main]
    p["steps"].insert(len(p["steps"]) - 1, {"pipe": g.main, "result": "loop_back"})
    return True


def f_foreign_concept(g: Gen) -> bool:
    cands = _llm_with_input(g)
    if not cands:
        return False
    p = g.bundle.pipes[g.rnd.choice(cands)]
    code = p["output"].rstrip("?").split("[")[0].rsplit(".", 1)[-1]
    p["output"] = p["output"].replace(p["output"].rstrip("?").split("[")[0], f"billing_archive.{code}", 1)
    return True


def f_unused_input(g: Gen) -> bool:
    seq = g.rnd.random() < 0.5
    cands = [g.main] if seq else _pipes_of(g, "PipeLLM")
    if not cands:
        return False
    p = g.bundle.pipes[g.rnd.choice(cands)]
    p.setdefault("inputs", {})["spare_note"] = "Text"
    return True


def f_sequence_output(g: Gen) -> bool:
    p = g.bundle.pipes[g.main]
    out = p["output"]
    base = out.rstrip("?").split("[")[0]
    if g.rnd.random() < 0.5:
        p["output"] = out.replace(base, g.rnd.choice([k for k in g.refs if k != base] or ["Number"]), 1)
    else:
        p["output"] = base + ("" if "[" in out else "[]")
    return True


def f_outcome_output(g: Gen) -> bool:
    conds = _pipes_of(g, "PipeCondition")
    if not conds:
        return False
    p = g.bundle.pipes[g.rnd.choice(conds)]
    target = g.bundle.pipes[next(iter(p["outcomes"].values()))]
    base = target["output"].split("[")[0]
    target["output"] = "Number" if base != "Number" else "Text"
    return True


def f_batch_as_equal(g: Gen) -> bool:
    for p in g.bundle.pipes.values():
        for step in p.get("steps", []):
            if "batch_as" in step:
                step["batch_as"] = step["batch_over"]
                return True
    batches = _pipes_of(g, "PipeBatch")
    if batches:
        p = g.bundle.pipes[batches[0]]
        p["input_item_name"] = p["input_list_name"]
        return True
    return False


def f_list_for_item(g: Gen) -> bool:
    for p in g.bundle.pipes.values():
        for step in p.get("steps", []):
            if "batch_as" in step:
                del step["batch_as"]
                del step["batch_over"]
                return True
    batches = _pipes_of(g, "PipeBatch")
    if batches:
        p = g.bundle.pipes[batches[0]]
        p["inputs"][p["input_list_name"]] = p["inputs"][p["input_list_name"]].removesuffix("[]")
        return True
    return False


def f_llm_image(g: Gen) -> bool:
    cands = _pipes_of(g, "PipeLLM")
    if not cands:
        return False
    p = g.bundle.pipes[g.rnd.choice(cands)]
    p["output"] = "Image"
    return True


def f_extract_text(g: Gen) -> bool:
    ex = _pipes_of(g, "PipeExtract")
    if not ex:
        return False
    p = g.bundle.pipes[ex[0]]
    name = next(iter(p["inputs"]))
    p["inputs"][name] = "Text"
    return True


def f_parallel_mult(g: Gen) -> bool:
    par = _pipes_of(g, "PipeParallel")
    if not par:
        return False
    g.bundle.pipes[par[0]]["output"] = "Composite[]"
    return True


def f_unknown_step(g: Gen) -> bool:
    p = g.bundle.pipes[g.main]
    steps = [s for s in p["steps"] if "pipe" in s]
    g.rnd.choice(steps)["pipe"] = "summarise_evrything"
    return True


def f_missing_default(g: Gen) -> bool:
    conds = _pipes_of(g, "PipeCondition")
    if not conds:
        return False
    del g.bundle.pipes[conds[0]]["default_outcome"]
    return True


def f_optional_unguarded(g: Gen) -> bool:
    cands = _llm_with_input(g)
    if not cands:
        return False
    p = g.bundle.pipes[g.rnd.choice(cands)]
    name = g.rnd.choice(list(p["inputs"]))
    if p["inputs"][name].endswith("?"):
        return False
    p["inputs"][name] += "?"
    return True


def f_shared_unqualified(g: Gen) -> bool:
    """A concept of the shared domain written bare in the method's domain."""
    if g.shared is None:
        return False
    for p in g.bundle.pipes.values():
        for key in ("inputs",):
            for name, spec in (p.get(key) or {}).items():
                if spec.startswith(g.shared.domain + "."):
                    p[key][name] = spec[len(g.shared.domain) + 1 :]
                    return True
        if p["output"].startswith(g.shared.domain + "."):
            p["output"] = p["output"][len(g.shared.domain) + 1 :]
            return True
    return False


def _steps(g: Gen) -> list[dict[str, Any]]:
    return [step for p in g.bundle.pipes.values() for step in p.get("steps", [])]


def f_binding_bad_path(g: Gen) -> bool:
    binds = [s for s in _steps(g) if "from" in s and "." in s["from"]]
    if not binds:
        return False
    step = g.rnd.choice(binds)
    step["from"] = step["from"].rsplit(".", 1)[0] + ".no_such_field"
    return True


def f_condition_bad_field(g: Gen) -> bool:
    conds = _pipes_of(g, "PipeCondition")
    if not conds:
        return False
    p = g.bundle.pipes[conds[0]]
    key = "expression" if "expression" in p else "expression_template"
    p[key] = p[key].replace(".", ".stauts_", 1)
    return True


def f_construct_extra_field(g: Gen) -> bool:
    cons = [c for c in _pipes_of(g, "PipeCompose") if "construct" in g.bundle.pipes[c]]
    if not cons:
        return False
    g.bundle.pipes[cons[0]]["construct"]["remarks"] = "not a field of the concept"
    return True


def f_construct_missing_field(g: Gen) -> bool:
    cons = [c for c in _pipes_of(g, "PipeCompose") if "construct" in g.bundle.pipes[c]]
    if not cons:
        return False
    construct = g.bundle.pipes[cons[0]]["construct"]
    plain = [k for k, v in construct.items() if not isinstance(v, dict)]
    if not plain:
        return False
    del construct[plain[0]]
    return True


def f_template_bad_field(g: Gen) -> bool:
    comps = [c for c in _pipes_of(g, "PipeCompose") if "{{ " in g.bundle.pipes[c].get("template", "")]
    if not comps:
        return False
    p = g.bundle.pipes[comps[0]]
    p["template"] = p["template"].replace(" }}", "_typo }}", 1)
    return True


def f_batch_over_single(g: Gen) -> bool:
    main = g.bundle.pipes[g.main]
    singles = [n for n, spec in main["inputs"].items() if not spec.endswith("]")]
    batched = [s for s in main["steps"] if "batch_over" in s]
    if not singles or not batched:
        return False
    batched[0]["batch_over"] = singles[0]
    return True


def f_batch_output_single(g: Gen) -> bool:
    batches = _pipes_of(g, "PipeBatch")
    if not batches:
        return False
    p = g.bundle.pipes[batches[0]]
    p["output"] = p["output"].removesuffix("[]")
    return True


def f_continue_not_optional(g: Gen) -> bool:
    conds = [c for c in _pipes_of(g, "PipeCondition") if g.bundle.pipes[c]["default_outcome"] == "continue"]
    if not conds:
        return False
    p = g.bundle.pipes[conds[0]]
    p["output"] = p["output"].rstrip("?")
    return True


def f_duplicate_result(g: Gen) -> bool:
    steps = [s for s in g.bundle.pipes[g.main]["steps"] if "pipe" in s]
    if len(steps) < 3:
        return False
    steps[1]["result"] = steps[0]["result"]
    return True


def f_optional_guarded(g: Gen) -> bool:
    """Not a fault: an input made optional and read with ``@?`` (valid wherever the value is given)."""
    cands = [c for c in _llm_with_input(g) if len(g.bundle.pipes[c]["inputs"]) == 1]
    if not cands:
        return False
    p = g.bundle.pipes[g.rnd.choice(cands)]
    name = next(iter(p["inputs"]))
    if p["inputs"][name].endswith("?"):
        return False
    p["inputs"][name] += "?"
    p["prompt"] = f"Write it.\n@?{name}\n"
    return True


def f_nb_output(g: Gen) -> bool:
    steps = [s for s in g.bundle.pipes[g.main]["steps"] if "pipe" in s and "batch_over" not in s]
    cands = [s for s in steps if g.bundle.pipes.get(s["pipe"], {}).get("type") == "PipeLLM"]
    if not cands:
        return False
    g.rnd.choice(cands)["nb_output"] = 2
    return True


def f_child_for_parent(g: Gen) -> bool:
    """A reader declaring a concept refining what it receives (a parent is no child)."""
    for code, c in g.refs.items():
        if c.refines in g.refs and g.refs[c.refines].fields is not None:
            for p in g.bundle.pipes.values():
                if p["type"] == "PipeLLM":
                    for name, spec in (p.get("inputs") or {}).items():
                        if spec == c.refines:
                            p["inputs"][name] = code
                            return True
    return False


# --- the third run's faults (2026-12-02): concept structures, model references, names, controllers, TOML ----------


def _our_structs(g: Gen) -> list[Concept]:
    return [c for c in g.bundle.concepts if c.fields]


def f_bad_model(g: Gen) -> bool:
    """A model reference the deck does not know."""
    cands = _pipes_of(g, "PipeLLM")
    if not cands:
        return False
    g.bundle.pipes[g.rnd.choice(cands)]["model"] = g.rnd.choice(
        ["$writing-factuel", "@no-such-alias", "gpt-9-ultra", "~no-such-waterfall"]
    )
    return True


def f_field_bad_type(g: Gen) -> bool:
    """A structure field of a type the language has not (``string``, ``float``)."""
    structs = _our_structs(g)
    if not structs:
        return False
    c = g.rnd.choice(structs)
    fname = g.rnd.choice(list(c.fields or {}))
    spec = (c.fields or {})[fname]
    (c.fields or {})[fname] = {**spec, "type": g.rnd.choice(["string", "float", "int", "datetime_tz"])}
    for key in ("item_type", "concept_ref", "item_concept_ref", "key_type", "value_type", "choices"):
        (c.fields or {})[fname].pop(key, None)
    c.short_fields = False
    return True


def f_default_not_in_choices(g: Gen) -> bool:
    for c in _our_structs(g):
        for spec in (c.fields or {}).values():
            if "choices" in spec:
                spec.pop("required", None)
                spec["default_value"] = "unknown"
                return True
    return False


def f_default_wrong_type(g: Gen) -> bool:
    """A default value of another type than its field's."""
    for c in _our_structs(g):
        for spec in (c.fields or {}).values():
            if spec["type"] in ("integer", "boolean", "number"):
                spec.pop("required", None)
                spec["default_value"] = "many"
                return True
    return False


def f_field_concept_unknown(g: Gen) -> bool:
    """A concept field (or a list of concepts) naming a concept nobody declares."""
    for c in _our_structs(g):
        for spec in (c.fields or {}).values():
            for key in ("concept_ref", "item_concept_ref"):
                if key in spec:
                    spec[key] = "Gadget"
                    return True
    return False


def f_list_no_item_type(g: Gen) -> bool:
    for c in _our_structs(g):
        for spec in (c.fields or {}).values():
            if spec["type"] == "list":
                spec.pop("item_type", None)
                spec.pop("item_concept_ref", None)
                return True
    return False


def f_field_bad_name(g: Gen) -> bool:
    """A field named as no Python attribute can be (a keyword, a leading underscore, a dash)."""
    structs = _our_structs(g)
    if not structs:
        return False
    c = g.rnd.choice(structs)
    bad = g.rnd.choice(["class", "_secret", "due-date", "from"])
    fields = c.fields or {}
    fields[bad] = {"type": "text", "description": "A field with an odd name"}
    c.short_fields = False
    return True


def f_refines_and_structure(g: Gen) -> bool:
    """A concept with a structure and a ``refines`` both."""
    structs = _our_structs(g)
    if not structs:
        return False
    g.rnd.choice(structs).refines = "Text"
    return True


def f_concept_lowercase(g: Gen) -> bool:
    """A concept code not in PascalCase, written so everywhere."""
    structs = _our_structs(g)
    if not structs:
        return False
    code = g.rnd.choice(structs).code
    low = code.lower() + "_record"

    def edit(text: str) -> str:
        import re

        return re.sub(rf"(?<![A-Za-z_.]){code}(?![A-Za-z_])", low, text)

    g.text_edits.append(edit)
    return True


def f_bad_result_name(g: Gen) -> bool:
    """A step's result named as no variable can be, and read so."""
    main = g.bundle.pipes[g.main]
    steps = [st for st in main["steps"][:-1] if "pipe" in st and "batch_over" not in st]
    if not steps:
        return False
    old = g.rnd.choice(steps)["result"]
    bad = g.rnd.choice([old.title().replace("_", ""), old.replace("_", "-") + "-x", "2" + old])

    def edit(text: str) -> str:
        import re

        text = re.sub(rf'(result|batch_over|from) = "{old}(?=[".])', rf'\1 = "{bad}', text)
        return text

    g.text_edits.append(edit)
    return True


def f_main_pipe_unknown(g: Gen) -> bool:
    g.bundle.main_pipe = f"{g.main}_v2"
    return True


def f_sequence_output_mult(g: Gen) -> bool:
    """The main sequence declares a list where its last step makes one item, or one item where it makes a list."""
    p = g.bundle.pipes[g.main]
    out = p["output"]
    p["output"] = out.split("[")[0] + "[]" if "[" not in out else out.split("[")[0]
    return True


def f_imggen_output_text(g: Gen) -> bool:
    cands = _pipes_of(g, "PipeImgGen")
    if not cands:
        return False
    g.bundle.pipes[cands[0]]["output"] = g.rnd.choice(["Text", "Document"])
    return True


def f_extract_output_single(g: Gen) -> bool:
    cands = _pipes_of(g, "PipeExtract")
    if not cands:
        return False
    g.bundle.pipes[cands[0]]["output"] = g.rnd.choice(["Page", "Text[]"])
    return True


def f_parallel_struct_output(g: Gen) -> bool:
    """A parallel declaring one of our structures whose fields are not its branches' results."""
    par = _pipes_of(g, "PipeParallel")
    structs = [k for k, c in g.refs.items() if c.fields and "." not in k]
    if not par or not structs:
        return False
    g.bundle.pipes[par[0]]["output"] = g.rnd.choice(structs)
    return True


def f_nb_and_multiple(g: Gen) -> bool:
    steps = [s for s in g.bundle.pipes[g.main]["steps"] if "pipe" in s and "batch_over" not in s]
    if not steps:
        return False
    step = g.rnd.choice(steps)
    step["nb_output"] = 2
    step["multiple_output"] = True
    return True


def f_bad_aspect_ratio(g: Gen) -> bool:
    cands = _pipes_of(g, "PipeImgGen")
    if not cands:
        return False
    g.bundle.pipes[cands[0]]["aspect_ratio"] = g.rnd.choice(["widescreen", "16:9", "landscape_5_4"])
    return True


def f_unknown_pipe_key(g: Gen) -> bool:
    """A key the pipe's type has not (``temperature`` on a PipeLLM, ``prompt`` on a sequence...)."""
    code = g.rnd.choice(list(g.bundle.pipes))
    p = g.bundle.pipes[code]
    key = {"PipeLLM": "temperature", "PipeSequence": "prompt", "PipeCompose": "model"}.get(
        p["type"], "retries"
    )
    p[key] = (
        0.3 if key in ("temperature",) else ("Do it." if key == "prompt" else 2 if key == "retries" else "@x")
    )
    return True


def f_inline_block_sigil(g: Gen) -> bool:
    """``@var`` inside a sentence (it must stand alone on its line)."""
    cands = _llm_with_input(g)
    if not cands:
        return False
    p = g.bundle.pipes[g.rnd.choice(cands)]
    name = next(iter(p["inputs"]))
    if p["inputs"][name].endswith("?"):
        return False
    p["prompt"] = f"Summarise @{name} in one line."
    p["inputs"] = {name: p["inputs"][name]}
    return True


def f_outcome_unknown_pipe(g: Gen) -> bool:
    conds = _pipes_of(g, "PipeCondition")
    if not conds:
        return False
    outcomes = g.bundle.pipes[conds[0]]["outcomes"]
    outcomes[next(iter(outcomes))] = "handle_the_rest"
    return True


def f_fixed_mult_zero(g: Gen) -> bool:
    cands = _pipes_of(g, "PipeLLM")
    if not cands:
        return False
    p = g.bundle.pipes[g.rnd.choice(cands)]
    p["output"] = p["output"].split("[")[0] + g.rnd.choice(["[0]", "[-1]", "[two]"])
    return True


def f_toml_duplicate_key(g: Gen) -> bool:
    """A key written twice in one table (a TOML error, the kind an edit by hand leaves)."""
    code = g.rnd.choice([c for c in g.bundle.pipes if c != g.main] or [g.main])

    def edit(text: str) -> str:
        return text.replace(f"[pipe.{code}]\n", f'[pipe.{code}]\ndescription = "Written twice"\n', 1)

    g.text_edits.append(edit)
    return True


def f_domain_bad(g: Gen) -> bool:
    g.bundle.domain = g.rnd.choice(["Orders", "field-service", "2024_orders", "orders..intake"])
    return True


def f_input_bad_name(g: Gen) -> bool:
    """An input named as no variable can be (dashes, a capital), read under that name."""
    cands = [c for c in _llm_with_input(g) if len(g.bundle.pipes[c]["inputs"]) == 1]
    if not cands:
        return False
    p = g.bundle.pipes[g.rnd.choice(cands)]
    name = next(iter(p["inputs"]))
    bad = name.replace("_", "-") + "-in" if g.rnd.random() < 0.5 else name.title().replace("_", "")
    p["inputs"] = {bad: p["inputs"][name]}
    p["prompt"] = f"Write it.\n@{bad}\n"
    return True


def f_concept_in_two_domains_unqualified(g: Gen) -> bool:
    """The method declares a concept of the shared domain's name, and reads the shared one bare."""
    if g.shared is None or not g.shared.concepts:
        return False
    shared_code = g.shared.concepts[0].code
    g.bundle.concepts.append(Concept(shared_code, "Our own, same name", refines="Text"))
    for p in g.bundle.pipes.values():
        for name, spec in (p.get("inputs") or {}).items():
            if (
                spec.split("[")[0].rstrip("?") == f"{g.shared.domain}.{shared_code}"
                and p["type"] == "PipeLLM"
            ):
                p["inputs"][name] = spec[len(g.shared.domain) + 1 :]
                return True
    return False


FAULTS: dict[str, Callable[[Gen], bool]] = {
    name[2:]: cast("Callable[[Gen], bool]", fn)
    for name, fn in dict(globals()).items()
    if name.startswith("f_") and callable(fn)
}


def make_case(seed: int) -> tuple[dict[str, str], str]:
    """The files of case ``seed`` and the name of its fault (``none``)."""
    g = Gen(seed)
    g.generate()
    fault = "none"
    if g.rnd.random() < 0.55:
        for name in g.rnd.sample(sorted(FAULTS), len(FAULTS)):
            if FAULTS[name](g):
                fault = name
                break
    return g.files(), fault


# --- running ----------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path, nargs="?")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--ours-only", action="store_true")
    parser.add_argument("--jobs", type=int, default=2, help="reference calls at a time (at most 2)")
    parser.add_argument("--show", type=int, help="print one case's files and fault, run nothing")
    parser.add_argument("--summary", action="store_true", help="print the counts of --out, run nothing")
    args = parser.parse_args(argv)
    if args.show is not None:
        files, fault = make_case(args.show)
        print(f"# fault: {fault}")
        for rel, text in files.items():
            print(f"# --- {rel}\n{text}")
        return 0
    if args.out is None or (args.folder is None and not args.summary):
        parser.error("folder and --out are needed")
    stored: dict[str, dict[str, Any]] = {}
    if args.out.exists():
        stored = {row["name"]: row for row in json.loads(args.out.read_text())}
    if args.summary:
        summary(list(stored.values()))
        return 0
    from fidelity import Side, run_ours, run_peer

    rows = dict(stored)
    names = [f"fuzz_{seed:04d}" for seed in range(args.first, args.first + args.count)]

    def one(name: str) -> None:
        try:
            files, fault = make_case(int(name.split("_")[1]))
        except Exception as exc:  # a generator bug: say it, go on with the other cases
            print(f"? {name}: the generator failed: {exc!r}", flush=True)
            return
        root = args.folder / name
        root.mkdir(parents=True, exist_ok=True)
        for rel, text in files.items():
            (root / rel).write_text(text)
        blob = "\0".join(f"{rel}\0{body}" for rel, body in sorted(files.items()))
        digest = hashlib.sha256(blob.encode()).hexdigest()[:16]
        old = stored.get(name)
        if old and old["digest"] == digest and (args.ours_only or old["peer"]["verdict"] != "?"):
            peer = Side(**old["peer"])
        elif args.ours_only:
            peer = Side()
        else:
            peer = run_peer(root, False)
        ours = run_ours(root, False)
        rows[name] = {
            "name": name,
            "fault": fault,
            "features": features(files),
            "digest": digest,
            "peer": asdict(peer),
            "ours": asdict(ours),
        }
        mark = "=" if peer.verdict == ours.verdict else "!"
        print(
            f"{mark} {name} [{fault}]: ref {peer.verdict} {peer.codes} ours {ours.verdict} {ours.codes}",
            flush=True,
        )

    with ThreadPoolExecutor(max_workers=max(1, min(args.jobs, 2))) as pool:
        for number, _ in enumerate(pool.map(one, names), 1):
            if number % 4 == 0:
                args.out.write_text(json.dumps(sorted(rows.values(), key=lambda r: r["name"]), indent=1))
    args.out.write_text(json.dumps(sorted(rows.values(), key=lambda r: r["name"]), indent=1))
    summary(list(rows.values()))
    return 0


def features(files: dict[str, str]) -> list[str]:
    """The pipe types of a case, ``nested_sequence`` when a sequence calls another one, ``preliminary_text``."""
    import tomllib

    found: set[str] = set()
    for rel, text in files.items():
        if rel.endswith(".mthds"):
            try:
                pipes = tomllib.loads(text).get("pipe", {})
            except tomllib.TOMLDecodeError:  # a fault written in the TOML itself
                continue
            found.update(p.get("type", "?") for p in pipes.values())
            for p in pipes.values():
                if p.get("structuring_method") == "preliminary_text":
                    found.add("preliminary_text")
                for step in p.get("steps", []):
                    if pipes.get(step.get("pipe", ""), {}).get("type") == "PipeSequence":
                        found.add("nested_sequence")
    return sorted(found)


def kept_difference(row: dict[str, Any]) -> str | None:
    """The row of docs/language.md's "Where pipelex and the reference differ" a different verdict falls under, by
    the two sides' codes and messages (None: not explained; read it)."""
    peer, ours = row["peer"], row["ours"]
    nested = "nested_sequence" in row.get("features", ["nested_sequence"])
    if (
        peer["verdict"] == "invalid"
        and ours["verdict"] == "valid"
        and set(peer["codes"]) == {"pipe.input_unresolved"}  # once per nested sequence read so
        and nested
    ):
        return "a nested sequence's output read under its step's result"
    if (
        peer["verdict"] == "invalid"
        and ours["verdict"] == "valid"
        and set(peer["codes"]) == {"pipe.input_unresolved"}
        and "preliminary_text" in row.get("features", [])
    ):
        return "preliminary_text in a sequence (the reference's two-step split loses the step's inputs)"
    if (
        peer["verdict"] == "valid"
        and ours["verdict"] == "invalid"
        and set(ours["codes"]) <= {"input_stuff_spec_mismatch", "inadequate_output_concept"}
        and any(mark in ours["message"] for mark in ("branches[", "branch_pipe_code:", "PipeBatch", "batch"))
    ):
        return "a parallel or batch branch reading its input as another concept or multiplicity"
    if (
        peer["verdict"] == "invalid"
        and ours["verdict"] == "valid"
        and "Bundle elaboration produced an invalid bundle" in peer["message"]
        and "'template' field should only have the 'template' key" in peer["message"]
    ):
        return "preliminary_text beside a construct's template field (the reference's split refuses its own bundle)"
    return None


def summary(rows: list[dict[str, Any]]) -> None:
    from fidelity import _codes  # pyright: ignore[reportPrivateUsage] - the side-by-side harness's own mapping

    both = [r for r in rows if r["peer"]["verdict"] != "?"]
    same = [r for r in both if r["peer"]["verdict"] == r["ours"]["verdict"]]
    coded = [r for r in same if r["ours"]["verdict"] == "invalid" and r["peer"]["codes"]]
    code_same = [r for r in coded if _codes(r["ours"]["codes"]) & set(r["peer"]["codes"])]
    faults: dict[str, list[int]] = {}
    for r in both:
        cell = faults.setdefault(r.get("fault", "?"), [0, 0])
        cell[0] += 1
        cell[1] += r in same
    print(f"cases: {len(both)}; same verdict: {len(same)}; different: {len(both) - len(same)}")
    print(
        f"invalid for both: {len(coded)}; same error type (ours among the reference's codes): {len(code_same)}"
    )
    print(
        "by fault (cases, same verdict): "
        + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(faults.items()))
    )
    kept: dict[str, int] = {}
    for r in both:
        if r not in same and (why := kept_difference(r)) is not None:
            kept[why] = kept.get(why, 0) + 1
    print(
        f"different, a kept difference: {sum(kept.values())} "
        + "; ".join(f"{v}: {k}" for k, v in kept.items())
    )
    for r in both:
        if r not in same and kept_difference(r) is None:
            print(
                f"DIFF {r['name']} [{r.get('fault')}]: ref {r['peer']['verdict']} {r['peer']['codes']} "
                f"{r['peer']['pipes']} | ours {r['ours']['verdict']} {r['ours']['codes']} {r['ours']['pipes']}"
            )
            print(f"    ref: {r['peer']['message'][:300]}")
            print(f"    ours: {r['ours']['message'][:300]}")
    for r in coded:
        if r not in code_same:
            print(
                f"CODE {r['name']} [{r.get('fault')}]: ref {r['peer']['codes']} {r['peer']['pipes']} | "
                f"ours {r['ours']['codes']} {r['ours']['pipes']}"
            )
            print(f"    ref: {r['peer']['message'][:300]}")
            print(f"    ours: {r['ours']['message'][:300]}")


if __name__ == "__main__":
    raise SystemExit(main())
