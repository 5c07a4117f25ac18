"""Static checks of a loaded library: the checks of the library as a whole (concepts, main pipes, cycles,
signature contracts) and the checks every pipe gets (inputs, output, models); each pipe kind's own checks
(templates, data flow through a controller, what an operator can make) live in its module and run through
the registry (:mod:`pipelex.pipes.kinds`, the toolkit in :mod:`pipelex.pipes.checks`).

Pure: a :class:`Library` in, every :class:`Diagnostic` out (all problems, not the first).
"""

from __future__ import annotations

import datetime as dt
import keyword
import math
from collections.abc import Callable, Set
from functools import cache
from typing import TYPE_CHECKING, cast

from pipelex.concepts.library import Concept
from pipelex.concepts.natives import NATIVE_CLASS_NAMES
from pipelex.concepts.paths import Var
from pipelex.config.deck import LOOKUP_ORDER, ModelCategory, ModelDeck
from pipelex.diagnostics import Diagnostic, ErrorType, Severity
from pipelex.language.library import Library, PipeEntry
from pipelex.language.model_ref import ModelRef, ModelRefKind, ModelSettingError, ModelSettings
from pipelex.language.specs import (
    PLAIN_NAME_RE,
    ConceptSpec,
    Presence,
    SpecSyntaxError,
    is_variable_name,
)
from pipelex.pipes.checks import PipeChecks
from pipelex.pipes.kinds import kind_of, sub_pipe_refs
from pipelex.validation.hints import hint_warnings
from pipelex.validation.order import ordered_errors

if TYPE_CHECKING:
    from pipelex.config.settings import LimitsConfig
    from pipelex.language.blueprints.base import FieldBlueprint


# the controllers that read every input they declare, by type (the part of the pipe that reads them)
_PARTS = {
    "PipeSequence": "steps",
    "PipeCondition": "expression and outcome pipes",
    "PipeParallel": "branches",
}


# a controller's faults after which every read of its inputs is known: what a step gets or what the controller
# makes does not fit (its unused inputs are still reported, as the reference does, before them)
_READS_KNOWN = frozenset(
    {
        ErrorType.INPUT_STUFF_SPEC_MISMATCH,
        ErrorType.INADEQUATE_OUTPUT_CONCEPT,
        ErrorType.INADEQUATE_OUTPUT_MULTIPLICITY,
    }
)


class StaticChecker(PipeChecks):
    """Runs every static check over a library: the checks of the library as a whole, and each pipe's (the
    common ones here, its kind's own through :mod:`pipelex.pipes.kinds`)."""

    def _over_limit(self, entry: PipeEntry, spec: ConceptSpec, what: str, field: str) -> bool:
        """Report a fixed count `Concept[N]` past ``[limits] max_list_items``; True when reported."""
        maximum = self.limits.max_list_items
        if spec.item_count is None or spec.item_count <= maximum:
            return False
        self.report(
            ErrorType.LIMIT_EXCEEDED,
            f"{what} {spec.render()!r} asks for {spec.item_count} items, more than "
            f"the {maximum} allowed ([limits] max_list_items in pipelex.toml): ask for fewer items, use "
            f"'{spec.as_list().render()}' for a list of any length, or raise the limit",
            entry,
            field=field,
        )
        return True

    # ------------------------------------------------------------------ entry point
    def run(self) -> list[Diagnostic]:
        """Check everything; return the diagnostics."""
        self.check_concepts()
        self.check_concept_cycles()
        for entry in self.library.pipes.values():
            self.check_pipe(entry)
        self.check_main_pipes()
        self.check_cycles()
        self.check_signature_contracts()
        return self.diagnostics

    def check_signature_contracts(self) -> None:
        """A concrete pipe that implements a signature keeps its contract: the same inputs and output.

        Concepts are compared by identity (``Brief`` is ``domain.Brief``, ``Text`` is ``native.Text``) and
        multiplicities structurally; a signature's ``signature_for`` is only a hint and is not compared.
        """
        for ref, signature in self.library.implemented_signatures.items():
            concrete = self.library.pipes.get(ref)
            if concrete is None:
                continue
            problems: list[str] = []
            promised, made = self._contract(signature), self._contract(concrete)
            if promised is None or made is None:
                continue  # a spec that does not parse is reported where it is written
            (promised_inputs, promised_output), (made_inputs, made_output) = promised, made
            if promised_output != made_output:
                problems.append(
                    f"its output is {concrete.blueprint.output!r} where the signature promises "
                    f"{signature.blueprint.output!r}"
                )
            for name in sorted(set(promised_inputs) | set(made_inputs)):
                if name not in made_inputs:
                    problems.append(f"it does not take the input {name!r} the signature declares")
                elif name not in promised_inputs:
                    problems.append(f"it takes the input {name!r}, which the signature does not declare")
                elif promised_inputs[name] != made_inputs[name]:
                    problems.append(
                        f"its input {name!r} is {concrete.blueprint.input_specs()[name]!r} where the "
                        f"signature declares {signature.blueprint.input_specs()[name]!r}"
                    )
            for problem in problems:
                self.report(
                    ErrorType.SIGNATURE_MISMATCH,
                    f"pipe {ref!r} implements the signature declared in "
                    f"{signature.file}:{signature.line}, but {problem}: make the definition keep the "
                    "signature's contract, or change the signature",
                    concrete,
                )

    def _contract(
        self, entry: PipeEntry
    ) -> tuple[dict[str, tuple[str, str, int | None, str]], tuple[str, str, int | None, str]] | None:
        def identity(text: str) -> tuple[str, str, int | None, str] | None:
            resolved = self.spec(entry, text)
            if resolved is None:
                return None
            spec, concept = resolved
            return concept.ref, spec.multiplicity.value, spec.item_count, spec.presence.value

        inputs = {name: identity(text) for name, text in entry.blueprint.input_specs().items()}
        output = identity(entry.blueprint.output)
        if output is None or any(v is None for v in inputs.values()):
            return None
        return {k: v for k, v in inputs.items() if v is not None}, output

    def check_concepts(self) -> None:
        """Declared concepts: ``refines`` and structure references resolve, no refinement cycle, valid field names."""
        concepts = self.library.concepts
        for concept in list(concepts.concepts.values()):
            blueprint = concept.blueprint
            if blueprint is None:
                continue

            def report(
                error_type: str,
                message: str,
                field: str | None = None,
                *,
                _concept: Concept = concept,
            ) -> None:
                # the line is found only for a diagnostic: a valid library never builds a source map's index
                line = _concept_line(self.library, _concept)
                self.diagnostics.append(
                    Diagnostic(
                        error_type=error_type, message=message, file=_concept.source, line=line, field=field
                    )
                )

            if blueprint.refines is not None:
                parent = concepts.resolve(blueprint.refines, concept.domain)
                # a refined concept whose own declaration failed has its error reported: one root cause, one error
                if parent is None and not self.library.is_broken_concept(blueprint.refines, concept.domain):
                    report(
                        ErrorType.UNRESOLVED_CONCEPT,
                        f"concept {concept.ref!r} refines {blueprint.refines!r}, "
                        "which is neither native nor declared: declare it or fix the name",
                        "refines",
                    )
                elif parent is not None and parent.ref in _UNREFINABLE:
                    # Anything is any value: a concept built on it has no content to build or describe (the
                    # reference: concept_invalid, "A concept's structure cannot be built or described")
                    report(
                        ErrorType.SCHEMA_VIOLATION,
                        f"concept {concept.code!r} refines {blueprint.refines!r}, which names no content to build "
                        "on (any value): refine a concept with a content (Text, JSON, a structured concept), or "
                        "declare a structure",
                        "refines",
                    )
                elif parent is not None:
                    seen = {concept.ref}
                    current: Concept | None = parent
                    while current is not None:
                        if current.ref in seen:
                            report(
                                ErrorType.CONCEPT_CYCLE,  # the reference: method.cycle ("Cycle detected in ...")
                                f"concept {concept.code!r} refines itself through "
                                f"{blueprint.refines!r} (a refinement cycle): break the loop",
                                "refines",
                            )
                            break
                        seen.add(current.ref)
                        current = concepts.parent(current)
            if isinstance(blueprint.structure, str) and blueprint.structure not in _REGISTERED_CLASSES:
                # the legacy string form names a Python class registered in code; a bundle registers none,
                # so only the runtime's own content classes resolve (the reference: concept_invalid)
                report(
                    ErrorType.SCHEMA_VIOLATION,
                    f"concept {concept.code!r} has structure = {blueprint.structure!r}, a class name no code "
                    f"registers (the string form names a content class: {', '.join(sorted(_REGISTERED_CLASSES))}): "
                    f"write the structure as a table of fields ([concept.{concept.code}.structure]), or use "
                    '`refines = "..."` to build on a concept',
                    "structure",
                )
            if not isinstance(blueprint.structure, dict):
                continue
            for name, spec in blueprint.structure.items():
                where = f"structure.{name}"
                if (
                    not name.isidentifier()
                    or keyword.iskeyword(name)
                    or name.startswith("_")
                    or (name.startswith("model_") and _is_content_model_member(name))
                ):
                    report(
                        ErrorType.SCHEMA_VIOLATION,
                        f"field name {name!r} of concept {concept.code!r} is not "
                        "allowed: a field name is a Python identifier, not a keyword, does not start with '_' and "
                        "is none of the content model's own 'model_*' names (model_dump, model_config...); rename it",
                        where,
                    )
                if isinstance(spec, str):
                    continue
                _check_untyped_field(report, concept.code, name, spec, where)
                if spec.default_value is not None and (spec.required or spec.type == "concept"):
                    report(
                        ErrorType.SCHEMA_VIOLATION,
                        f"field {name!r} of concept {concept.code!r} has a "
                        f"default_value, which {'a required field' if spec.required else 'a concept-typed field'} "
                        "cannot have (a default only fills an optional scalar field the data leaves out): "
                        f"remove the default_value{' or `required = true`' if spec.required else ''}",
                        where,
                    )
                elif spec.default_value is not None and not _default_fits(
                    spec.type or "text", spec.default_value
                ):
                    report(
                        ErrorType.SCHEMA_VIOLATION,
                        f"field {name!r} of concept {concept.code!r} is of type {spec.type or 'text'!r}, but its "
                        f"default_value {spec.default_value!r} is not{_default_hint(spec)}",
                        where,
                    )
                refs = [spec.concept_ref] if spec.type == "concept" else []
                if spec.type == "list":
                    item = spec.item_concept_ref if spec.item_type == "concept" else spec.item_type
                    if item is not None and item not in _SCALAR_FIELD_TYPES:
                        refs.append(item)
                if spec.type == "concept" and not spec.concept_ref:
                    report(
                        ErrorType.SCHEMA_VIOLATION,
                        f"field {name!r} of concept {concept.code!r} has type "
                        "'concept' but no concept_ref: name the concept",
                        where,
                    )
                _check_collection_field(report, concept.code, name, spec)
                if spec.type == "list" and spec.item_type == "concept" and not spec.item_concept_ref:
                    report(
                        ErrorType.SCHEMA_VIOLATION,
                        f"field {name!r} of concept {concept.code!r} is a list "
                        "with item_type 'concept' but no item_concept_ref: name the concept of its items "
                        '(item_concept_ref = "LineItem")',
                        where,
                    )
                for ref in refs:
                    if ref and any(mark in ref for mark in "[]?!"):
                        # the reference: "Concept ref 'Person[]' must be a valid concept ref (domain.ConceptCode) or
                        # simply a concept code"; a list of concepts is `type = "list"` with item_concept_ref
                        report(
                            ErrorType.SCHEMA_VIOLATION,
                            f"field {name!r} of concept {concept.code!r} names {ref!r}: a field names a concept "
                            "reference alone, without a multiplicity or a presence marker (for a list, write "
                            'type = "list", item_type = "concept", item_concept_ref = "...")',
                            where,
                        )
                    elif ref and concepts.resolve(ref, concept.domain) is None:
                        report(
                            ErrorType.UNRESOLVED_CONCEPT,
                            f"field {name!r} of concept {concept.code!r} names "
                            f"the concept {ref!r}, which is neither native nor declared: declare it or fix the "
                            "name",
                            where,
                        )

    def check_concept_cycles(self) -> None:
        """A structure never holds its own concept, directly or through other structures (a required field, an
        optional one or a list alike: the reference refuses every such cycle, "Cycle detected in concept
        references")."""
        concepts = self.library.concepts
        edges: dict[str, list[tuple[str, str]]] = {}
        for concept in concepts.concepts.values():
            structure = concept.blueprint.structure if concept.blueprint is not None else None
            if not isinstance(structure, dict):
                continue
            for name, spec in structure.items():
                if isinstance(spec, str):
                    continue
                ref = spec.concept_ref if spec.type == "concept" else None
                if spec.type == "list" and spec.item_type == "concept":
                    ref = spec.item_concept_ref
                target = concepts.resolve(ref, concept.domain) if ref else None
                if target is not None and not target.is_native:
                    edges.setdefault(concept.ref, []).append((name, target.ref))
        reported: set[str] = set()
        for start in edges:
            path = _concept_cycle(edges, start)
            if path is None or start in reported:
                continue
            reported.update(ref for ref, _ in path)
            concept = concepts.concepts[start]
            line = _concept_line(self.library, concept)
            chain = " -> ".join(f"{ref}.{field}" for ref, field in path) + f" -> {start}"
            self.diagnostics.append(
                Diagnostic(
                    error_type=ErrorType.CONCEPT_CYCLE,
                    message=f"concept {concept.code!r} holds itself through its fields ({chain}): a structure "
                    "cannot nest its own concept, even in an optional field or a list; keep the nested one's "
                    "fields in a concept of its own, or refer to it by an identifier",
                    file=concept.source,
                    line=line,
                    field=f"structure.{path[0][1]}",
                )
            )

    def check_main_pipes(self) -> None:
        """``main_pipe`` must name a pipe of the library."""
        for parsed in self.library.bundles:
            blueprint = parsed.blueprint
            if blueprint is None or not blueprint.main_pipe:
                continue
            if self.library.resolve_pipe(
                blueprint.main_pipe, blueprint.domain
            ) is None and not self.library.is_broken_pipe(blueprint.main_pipe, blueprint.domain):
                self.diagnostics.append(
                    Diagnostic(
                        # the reference: a bundle-level schema violation ("Main pipe 'x' could not be found in
                        # pipelex bundle"), not an unresolved dependency of a pipe
                        error_type=ErrorType.SCHEMA_VIOLATION,
                        file=parsed.source_map.file,
                        line=parsed.source_map.key_line("main_pipe"),
                        field="main_pipe",
                        message=f"main_pipe {blueprint.main_pipe!r} is not a pipe of this bundle: declare it or fix "
                        "the name",
                    )
                )

    def check_cycles(self) -> None:
        """A pipe must not call itself, directly or through other controllers."""
        graph = {ref: [t.ref for t in self._children(entry)] for ref, entry in self.library.pipes.items()}
        state: dict[str, int] = {}
        reported: set[frozenset[str]] = set()
        for ref in graph:
            if ref not in state:
                self._visit(ref, [], graph, state, reported)

    def _visit(
        self,
        ref: str,
        stack: list[str],
        graph: dict[str, list[str]],
        state: dict[str, int],
        reported: set[frozenset[str]],
    ) -> None:
        """Depth-first from ``ref`` (a method, not a closure that calls itself by name: that would be a reference
        cycle holding this checker until the cyclic collector ran)."""
        state[ref] = 1
        stack.append(ref)
        for child in graph.get(ref, []):
            if state.get(child) == 1:
                cycle = stack[stack.index(child) :]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    entry = self.library.pipes[child]
                    self.report(
                        ErrorType.PIPE_CYCLE,
                        "these pipes call each other in a loop: "
                        f"{' -> '.join([*cycle, child])}; a method must be a tree of calls, break the "
                        "loop",
                        entry,
                    )
            elif state.get(child) is None:
                self._visit(child, stack, graph, state, reported)
        stack.pop()
        state[ref] = 2

    def _children(self, entry: PipeEntry) -> list[PipeEntry]:
        found = [self.library.resolve_pipe(r, entry.domain) for r in sub_pipe_refs(entry)]
        return [f for f in found if f is not None]

    # ------------------------------------------------------------------ per pipe
    def check_pipe(self, entry: PipeEntry) -> None:
        """Every check of one pipe: its inputs, its output and its models, then its kind's own checks."""
        inputs = self._check_inputs(entry)
        output = self._check_output(entry)
        self._check_models(entry)
        before = len(self.diagnostics)
        kind_of(entry.blueprint).check(self, entry, entry.blueprint, inputs, output)
        if (
            entry.blueprint.type in _PARTS
            and entry.ref not in self.calls_unknown
            and not any(
                d.pipe == entry.code and d.severity is Severity.ERROR and d.error_type not in _READS_KNOWN
                for d in self.diagnostics[before:]
            )
        ):
            self._check_inputs_read(entry, inputs)

    def _check_inputs_read(self, entry: PipeEntry, inputs: dict[str, Var]) -> None:
        """A sequence, condition or parallel passes its inputs on to its steps, outcomes and branches: an input
        none of them reads (nor a batch list, binding or expression; or only after a step's result replaced it)
        is declared for nothing. (A PipeBatch's other inputs go to every branch run, read or not.)"""
        for name in entry.blueprint.input_specs():
            # (an input whose concept does not resolve is reported already: whether it is read is unknown)
            if "." in name or name not in inputs or (entry.ref, name) in self.input_reads:
                continue
            self.report(
                ErrorType.EXTRANEOUS_INPUT_VARIABLE,
                f"input {name!r} is declared but none of the pipe's "
                f"{_PARTS.get(entry.blueprint.type, 'sub-pipes')} reads it: remove it from "
                "`inputs`, or pass it to the pipe that needs it (declare it in that pipe's inputs)",
                entry,
                field=f"inputs.{name}",
            )

    def _check_inputs(self, entry: PipeEntry) -> dict[str, Var]:
        specs = entry.blueprint.input_specs()
        result: dict[str, Var] = {}
        for name, text in specs.items():
            field = f"inputs.{name}"
            segments = name.split(".")
            if len(segments) > 1 and all(PLAIN_NAME_RE.match(s) for s in segments):
                root = segments[0]
                fix = (
                    f"the pipe already declares {root!r}: remove {name!r} and read '{name}' through {root!r}"
                    if root in specs
                    else f"declare the whole value instead ({root} = \"...\") and read '{name}' in the template"
                )
                self.report(
                    ErrorType.INVALID_INPUT_NAME,
                    f"input name {name!r} is not a plain identifier: an "
                    f"input name names a whole value, never a path into one; {fix}",
                    entry,
                    field=field,
                )
                continue
            if not is_variable_name(name):
                self.report(
                    ErrorType.INVALID_INPUT_NAME,
                    f"input name {name!r} is not valid: an input name is "
                    "snake_case, a plain identifier: a lowercase letter, then lowercase letters, digits and "
                    "underscores",
                    entry,
                    field=field,
                )
                continue
            try:
                spec = ConceptSpec.parse(text)
            except SpecSyntaxError as exc:
                self.report(ErrorType.INVALID_CONCEPT_SPEC, f"input {name!r}: {exc}", entry, field=field)
                continue
            if self._over_limit(entry, spec, f"input {name!r}", field):
                continue
            if spec.is_list and spec.presence is not Presence.REQUIRED:
                self.report(
                    ErrorType.OPTIONAL_MARKER_INVALID,
                    _marker_with_multiplicity(f"input {name!r}", text, spec),
                    entry,
                    field=field,
                )
                continue
            concept = self.library.resolve_concept(spec.concept_ref, entry.domain)
            if concept is None and self.library.is_broken_concept(spec.concept_ref, entry.domain):
                continue  # its declaration's error is reported: one root cause, one error
            if concept is None:
                self.report(
                    ErrorType.UNRESOLVED_CONCEPT,
                    f"input {name!r} names the concept {spec.concept_ref!r}, "
                    f"which is neither native nor declared in domain {entry.domain!r}: declare "
                    f"[concept.{spec.concept_ref.rpartition('.')[2]}] or fix the name",
                    entry,
                    field=field,
                )
                continue
            result[name] = Var(concept, spec.is_list, spec.item_count, spec.is_optional)
        return result

    def _check_output(self, entry: PipeEntry) -> tuple[ConceptSpec, Concept] | None:
        text = entry.blueprint.output
        try:
            spec = ConceptSpec.parse(text)
        except SpecSyntaxError as exc:
            self.report(ErrorType.INVALID_CONCEPT_SPEC, f"output: {exc}", entry, field="output")
            return None
        if self._over_limit(entry, spec, "output", "output"):
            return None
        if spec.is_list and spec.presence is not Presence.REQUIRED:
            self.report(
                ErrorType.OPTIONAL_MARKER_INVALID,
                _marker_with_multiplicity("the output", text, spec),
                entry,
                field="output",
            )
        elif spec.presence is Presence.FORCED:
            self.report(
                ErrorType.OPTIONAL_MARKER_INVALID,
                f"output {text!r} carries '!', which only forces an "
                "optional input: remove it from the output",
                entry,
                field="output",
            )
        concept = self.library.resolve_concept(spec.concept_ref, entry.domain)
        if concept is None and self.library.is_broken_concept(spec.concept_ref, entry.domain):
            return None  # its declaration's error is reported: one root cause, one error
        if concept is None:
            self.report(
                ErrorType.UNRESOLVED_CONCEPT,
                f"output names the concept {spec.concept_ref!r}, which is "
                f"neither native nor declared in domain {entry.domain!r}: declare "
                f"[concept.{spec.concept_ref.rpartition('.')[2]}] or fix the name",
                entry,
                field="output",
            )
            return None
        return spec, concept

    def _check_llm_setting_keys(self, entry: PipeEntry, value: object) -> None:
        """An inline LLM setting names its model under `model` and holds only the setting's keys."""
        if not isinstance(value, dict):
            return
        table = cast(dict[str, object], value)
        unknown = sorted(set(table) - LLM_SETTING_KEYS - ({"handle"} if "model" not in table else set()))
        if unknown:
            self.report(
                ErrorType.SCHEMA_VIOLATION,
                f"the inline model table has {', '.join(repr(k) for k in unknown)}, which an LLM setting does "
                f"not take (it takes {', '.join(sorted(LLM_SETTING_KEYS))}): remove "
                f"{'it' if len(unknown) == 1 else 'them'}, or put {'it' if len(unknown) == 1 else 'them'} in a "
                "preset of the model deck",
                entry,
                field="model",
            )
        try:
            ModelSettings.of(table)
        except ModelSettingError as exc:
            # a value of the wrong type or out of range: a schema violation (the run would refuse it)
            self.report(ErrorType.SCHEMA_VIOLATION, f"the inline model table: {exc}", entry, field="model")
        if "model" not in table:
            self.report(
                ErrorType.SCHEMA_VIOLATION,
                "the inline model table names no `model` "
                '(e.g. model = { model = "@default-general", temperature = 0.7 })'
                + (": write `model` instead of `handle`" if "handle" in table else ""),
                entry,
                field="model",
            )

    def _check_operator_setting_keys(self, entry: PipeEntry, value: object) -> None:
        """An inline model table of an image generation, an extraction, a search or a judgment is that operator's
        setting: its model under `model`, and only that setting's keys (the reference's schema: another key "is not
        permitted", `model` is required, an image `quality` is low, medium or high)."""
        if not isinstance(value, dict):
            return
        table = cast(dict[str, object], value)
        kind = entry.blueprint.type
        allowed = OPERATOR_SETTING_KEYS[kind]
        unknown = sorted(set(table) - allowed)
        if unknown:
            self.report(
                ErrorType.SCHEMA_VIOLATION,
                f"the inline model table has {', '.join(repr(k) for k in unknown)}, which the setting of a {kind} "
                f"does not take (it takes {', '.join(sorted(allowed))}): remove "
                f"{'it' if len(unknown) == 1 else 'them'}, or put {'it' if len(unknown) == 1 else 'them'} in a "
                "preset of the model deck",
                entry,
                field="model",
            )
        quality = table.get("quality")
        if kind == "PipeImgGen" and "quality" in table and quality not in IMAGE_QUALITIES:
            self.report(
                ErrorType.SCHEMA_VIOLATION,
                f"the inline model table's quality is {quality!r}: an image quality is one of "
                f"{', '.join(IMAGE_QUALITIES)}",
                entry,
                field="model",
            )
        if "model" not in table:
            self.report(
                ErrorType.SCHEMA_VIOLATION,
                'the inline model table names no `model` (e.g. model = { model = "..." }, or the reference as a '
                'string: model = "...")',
                entry,
                field="model",
            )

    def _check_models(self, entry: PipeEntry) -> None:
        category = kind_of(entry.blueprint).model_category
        fields = type(
            entry.blueprint
        ).__pydantic_fields__  # ``model_fields``, without its deprecation wrapper
        if (
            category is not None
            and "model" in fields
            and entry.blueprint.model is None  # type: ignore[attr-defined]
            and self.deck.default_ref(category) is None
        ):
            # the reference: "The step names no judgment model, and the deployment names no default for that kind"
            self.report(
                ErrorType.MODEL_UNSPECIFIED,
                f"a {entry.blueprint.type} names no model, and the model deck names no default for "
                f'{category.value} models: name one on the pipe (e.g. model = "@default-judgment" for a '
                f"PipeJudge; `pipelex show models` lists them), or set [models.defaults] {category.value}",
                entry,
                field="model",
            )
        for field_name in ("model", "model_to_structure"):
            # a blueprint without the field has no model (pydantic's __getattr__ miss is slow on every pipe)
            value = getattr(entry.blueprint, field_name) if field_name in fields else None
            if value is None:
                continue
            if field_name == "model" and entry.blueprint.type == "PipeLLM":
                self._check_llm_setting_keys(entry, value)
            elif field_name == "model" and entry.blueprint.type in OPERATOR_SETTING_KEYS:
                self._check_operator_setting_keys(entry, value)
            if (
                field_name == "model"
                and entry.blueprint.type == "PipeLLM"
                and _table_without_temperature(value)
            ):
                # an inline LLM setting is a whole setting (the reference: `temperature` is a required field)
                self.report(
                    ErrorType.SCHEMA_VIOLATION,
                    "an inline model table of a PipeLLM is a whole setting and needs `temperature` "
                    '(e.g. model = { model = "@default-general", temperature = 0.7 }); to use a preset or an '
                    'alias as it is, write it as a string (model = "$writing-factual")',
                    entry,
                    field=field_name,
                )
            model_ref = ModelRef.of(value)
            if model_ref is None:
                continue
            ref = model_ref.written
            # a name is looked up in the category of the operator (`@default-small` on a PipeImgGen is the
            # image-generation alias); `model_to_structure` is always an LLM
            wanted = category if field_name == "model" else ModelCategory.LLM
            handles = self.deck.resolve(model_ref, wanted)
            own_names = handles is not None  # found among the names of the operator's category
            if handles is None:
                elsewhere = self.deck.resolve(model_ref)
                if elsewhere is None:
                    self.report(
                        ErrorType.UNKNOWN_MODEL,
                        f"model {ref!r} is not in the model deck: use a handle, "
                        "an '@alias', a '$preset' or a '~waterfall' that `pipelex show models` lists, or "
                        "add it to the deck in pipelex.toml",
                        entry,
                        field=field_name,
                    )
                    continue
                handles = elsewhere
            allowed: set[str] = set()
            if wanted and (model_ref.kind is ModelRefKind.HANDLE or not own_names):
                # a handle written as is, or a name of another category: a model of the operator's own category
                allowed = {wanted.value}
            elif wanted:
                allowed = {c.value for c in LOOKUP_ORDER[wanted]}
            # an alias, preset or waterfall is a name of one category's tables: another category's name is unknown
            # to this operator even when its model would fit (the reference: a PipeLLM's `@default-judgment`, the
            # judgment alias of an LLM, "was not found in the model deck")
            foreign_name = not own_names and model_ref.kind is not ModelRefKind.HANDLE
            if wanted and (foreign_name or not any(h.category.value in allowed for h in handles)):
                defined_in = self.deck.category_of_name(model_ref)
                found = ", ".join(sorted({f"{h.handle} ({h.category.value})" for h in handles}))
                where = (
                    f" (the name exists only for {', '.join(c.value for c in defined_in)} models)"
                    if defined_in
                    else ""
                )
                self.report(
                    ErrorType.UNKNOWN_MODEL,
                    f"{field_name} {ref!r} names {found}{where}, but a "
                    f"{entry.blueprint.type} needs a model of category {' or '.join(sorted(allowed))}: "
                    "pick one that `pipelex show models` lists in that category",
                    entry,
                    field=field_name,
                )


# the keys of an inline LLM setting (``model = { model = "...", temperature = 0.2 }``), as the reference's schema
# takes them: another key is a schema violation there (`top_k`, `quality`, `prompting_target`, `llm_handle`)
LLM_SETTING_KEYS = frozenset(
    {
        "model",
        "temperature",
        "max_tokens",
        "reasoning_effort",
        "reasoning_budget",
        "image_detail",
        "description",
    }
)


# the keys of the inline model table of the other operators that take one, as the reference's schema takes them
# (probed: every other key "is not permitted" there, `temperature` on a judgment included)
OPERATOR_SETTING_KEYS: dict[str, frozenset[str]] = {
    "PipeImgGen": frozenset(
        {"model", "description", "quality", "nb_steps", "guidance_scale", "is_moderated", "safety_tolerance"}
    ),
    "PipeExtract": frozenset({"model", "description", "max_nb_images", "image_min_size"}),
    "PipeSearch": frozenset({"model", "description", "max_results", "include_images"}),
    "PipeJudge": frozenset({"model", "description"}),
}
IMAGE_QUALITIES = ("low", "medium", "high")


# the class names the legacy string form of `structure` can name: the runtime's own content classes
_REGISTERED_CLASSES = frozenset(NATIVE_CLASS_NAMES.values())


def _table_without_temperature(choice: object) -> bool:
    return isinstance(choice, dict) and "temperature" not in choice


def _check_untyped_field(
    report: Callable[..., None], concept_code: str, name: str, spec: FieldBlueprint, where: str
) -> None:
    """A field table without ``type`` is a choice of text: it lists its choices, and its default is one of them."""
    if spec.type is None and not spec.choices:
        # a table names its type, or lists its choices (then it is a choice of text); the bare string
        # form alone is a text by default (the reference: "When type is None (array), choices must not
        # be empty")
        report(
            ErrorType.SCHEMA_VIOLATION,
            f"field {name!r} of concept {concept_code!r} is a table with no type"
            + (" and no choices" if spec.choices is None else " and empty choices")
            + ': name its type (type = "text", "integer", "list"...), list its choices '
            '(choices = ["a", "b"]), or write the field as its description alone (a text)',
            where,
        )
    elif (
        spec.type is None
        and spec.choices is not None
        and spec.default_value is not None
        and spec.default_value not in spec.choices
    ):
        # a table without a type is a choice among its choices: its default is one of them (the
        # reference; with `type = "text"` the choices are not checked against the default there)
        report(
            ErrorType.SCHEMA_VIOLATION,
            f"field {name!r} of concept {concept_code!r} is a choice among {spec.choices!r}, but its "
            f"default_value {spec.default_value!r} is none of them: give one of the choices",
            where,
        )


def _check_collection_field(
    report: Callable[..., None], concept_code: str, name: str, spec: FieldBlueprint
) -> None:
    """``concept_ref`` only on a concept field, ``item_concept_ref`` only on a list of concepts; a dict names both
    types, and its keys are text."""
    if spec.concept_ref is not None and spec.type != "concept" and (spec.type is not None or spec.choices):
        # the reference: "'concept_ref' can only be set when type is 'concept'. Actual type: text"
        report(
            ErrorType.SCHEMA_VIOLATION,
            f"field {name!r} of concept {concept_code!r} sets concept_ref, which names the concept of a "
            f'concept field, but it is of type {spec.type or "text (a choice)"!r}: write type = "concept", or '
            "remove concept_ref"
            + (
                ' (a list of concepts: item_type = "concept", item_concept_ref = "...")'
                if spec.type == "list"
                else ""
            ),
            f"structure.{name}",
        )
    if spec.item_concept_ref is not None and not (spec.type == "list" and spec.item_type == "concept"):
        # the reference: "item_concept_ref can only be set when item_type is 'concept'"
        report(
            ErrorType.SCHEMA_VIOLATION,
            f"field {name!r} of concept {concept_code!r} sets item_concept_ref, which names the "
            "concept of the items of a list of concepts, but it is "
            + (
                f"a list of {spec.item_type or 'text'!r}"
                if spec.type == "list"
                else f"of type {spec.type or 'text'!r}"
            )
            + ': write type = "list", item_type = "concept", or remove item_concept_ref',
            f"structure.{name}",
        )
    if spec.type == "dict":
        for attr in ("key_type", "value_type"):
            if not getattr(spec, attr):
                report(
                    ErrorType.SCHEMA_VIOLATION,
                    f"field {name!r} of concept {concept_code!r} is a dict with no {attr}: "
                    f'name the type of its {attr.split("_")[0]}s ({attr} = "text")',
                    f"structure.{name}",
                )
        if spec.key_type and spec.key_type != "text":
            # keys are names (JSON object keys): the reference refuses any other key type
            report(
                ErrorType.SCHEMA_VIOLATION,
                f"field {name!r} of concept {concept_code!r} is a dict with key_type "
                f'{spec.key_type!r}, but the keys of a dict are text: write key_type = "text"',
                f"structure.{name}",
            )


def _concept_cycle(edges: dict[str, list[tuple[str, str]]], start: str) -> list[tuple[str, str]] | None:
    """The fields (concept, field name) of a path of structure references from ``start`` back to it, if any."""
    stack: list[tuple[str, list[tuple[str, str]]]] = [(start, [])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for field, target in edges.get(node, []):
            step = [*path, (node, field)]
            if target == start:
                return step
            if target not in seen:
                seen.add(target)
                stack.append((target, step))
    return None


# natives no concept may refine (probed on the reference)
_UNREFINABLE = frozenset({"native.Anything"})


def _default_hint(spec: FieldBlueprint) -> str:
    """What to write instead of a ``default_value`` that does not fit its field's type."""
    if isinstance(spec.default_value, float) and not math.isfinite(spec.default_value):
        return " a finite number (JSON holds no NaN or infinity): give a default of that type"
    if spec.type in _TOML_EXAMPLES:
        unquoted = ", not a string" if isinstance(spec.default_value, str) else ""
        return f": give a TOML {spec.type}, unquoted (default_value = {_TOML_EXAMPLES[spec.type]}){unquoted}"
    return ": give a default of that type"


_TOML_EXAMPLES = {"date": "2026-01-01", "datetime": "2026-01-01T09:30:00", "time": "09:30:00"}


def _default_fits(kind: str, value: object) -> bool:
    """Whether a field's ``default_value`` is a value of its type: a date, a date-time or a time is a TOML one
    (``default_value = 2026-01-01``), not a string (the reference: "expected date for type 'date', but got str")."""
    match kind:
        case "text":
            return isinstance(value, str)
        case "date":
            return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        case "datetime":
            return isinstance(value, dt.datetime)
        case "time":
            return isinstance(value, dt.time)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case (
            "number"
        ):  # NaN and the infinities (TOML's nan, inf, 1e400) are no JSON number: the value became null
            return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        case "boolean":
            return isinstance(value, bool)
        case "list":
            return isinstance(value, list)
        case "dict":
            return isinstance(value, dict)
        case _:
            return True


_SCALAR_FIELD_TYPES = frozenset(
    {"text", "integer", "number", "boolean", "date", "datetime", "time", "dict", "list"}
)


def _marker_with_multiplicity(what: str, text: str, spec: ConceptSpec) -> str:
    marker = "?" if spec.is_optional else "!"
    return (
        f"{what} is {text!r}: a presence marker ('{marker}') never combines with a multiplicity ('[]', '[N]'): "
        "a list is never absent (when nothing is found it is the empty list), so remove the "
        f"'{marker}' and write '{spec.with_presence(Presence.REQUIRED).render()}'"
    )


def _concept_line(library: Library, concept: Concept) -> int | None:
    for parsed in library.bundles:
        if parsed.source_map.file == concept.source:
            return parsed.source_map.concept_line(concept.code)
    return None


def check_library(library: Library, deck: ModelDeck, limits: LimitsConfig | None = None) -> list[Diagnostic]:
    """Every diagnostic of a library: its errors in the reference's order of checks (:mod:`pipelex.validation.order`:
    load/parse problems, then the static checks), then its warnings (``limits``: default the active ones, see
    :mod:`pipelex.limits`)."""
    found = [*library.diagnostics, *StaticChecker(library, deck, limits).run(), *hint_warnings(library)]
    errors = ordered_errors(library, [d for d in found if d.severity is Severity.ERROR])
    return [*errors, *(d for d in found if d.severity is not Severity.ERROR)]


def callers_of_failures(library: Library, failed: Set[str]) -> dict[str, str]:
    """Pipes that call, directly or through other controllers, a pipe that failed its checks or its schema.

    Their dry run could only fail on that pipe again: the sweep reports them FAILURE with the reason instead.
    ``failed`` holds pipe codes or refs; the result maps each caller's ref to the pipe it is blocked by.
    """
    blocked: dict[str, str] = {}
    if not failed and not library.broken_pipes and not library.broken_concepts:
        return blocked  # nothing failed and nothing is broken: no pipe can be blocked (the checks below find none)
    for ref, entry in library.pipes.items():  # a pipe reading or making a concept whose declaration is broken
        if entry.code in failed or ref in failed:
            continue
        for text in [*entry.blueprint.input_specs().values(), entry.blueprint.output]:
            concept_ref = text.strip().rstrip("?!").split("[")[0]
            if library.resolve_concept(concept_ref, entry.domain) is None and library.is_broken_concept(
                concept_ref, entry.domain
            ):
                blocked[ref] = f"concept {concept_ref}"
                break
    changed = True
    while changed:
        changed = False
        for ref, entry in library.pipes.items():
            if ref in blocked or entry.code in failed or ref in failed:
                continue
            for called in sub_pipe_refs(entry):
                target = library.resolve_pipe(called, entry.domain)
                if library.is_broken_pipe(called, entry.domain) or (
                    target is not None
                    and (target.ref in blocked or target.code in failed or target.ref in failed)
                ):
                    blocked[ref] = called
                    changed = True
                    break
    return blocked


def pending_signatures(library: Library) -> list[str]:
    """Pipes declared as PipeSignature and never given a concrete definition."""
    return [ref for ref, entry in library.pipes.items() if entry.is_signature]


@cache
def _is_content_model_member(name: str) -> bool:
    """A ``model_*`` name a content model has of its own (``model_dump``, ``model_config``, ``model_fields``...): a
    field may not take one. Any other ``model_`` name (``model_budget``) is a field like another, as in the
    reference."""
    from pipelex.concepts.natives import StuffContent

    return hasattr(StuffContent, name)
