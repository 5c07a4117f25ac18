"""Static checks of a loaded library: references, specs, templates, data flow through controllers, optionals.

Pure: a :class:`Library` in, every :class:`Diagnostic` out (all problems, not the first).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Set
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipelex.concepts.library import Concept
from pipelex.concepts.paths import Var, walk_path
from pipelex.config.deck import LOOKUP_ORDER, PIPE_MODEL_CATEGORY, ModelCategory, ModelDeck
from pipelex.diagnostics import Diagnostic, ErrorType, Severity
from pipelex.language import blueprint as bp
from pipelex.language.library import Library, PipeEntry
from pipelex.language.model_ref import ModelRef
from pipelex.language.specs import (
    PATH_RE,
    PIPE_REF_RE,
    PLAIN_NAME_RE,
    RESERVED_NAME_PREFIX,
    ConceptSpec,
    Presence,
    SpecSyntaxError,
)
from pipelex.language.templates import (
    NB_OUTPUT_VARIABLE,
    STUFF_METADATA_FIELDS,
    TemplateSigilError,
    TemplateSyntaxProblem,
    analyze,
)

if TYPE_CHECKING:
    from pipelex.config.settings import LimitsConfig

SPECIAL_OUTCOMES = frozenset({"fail", "continue"})
_FUNC_PATH_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")

_LIST_SUFFIX = re.compile(r"\[\d*\]$")
# the model categories each operator can call (a model of another category is a bundle error)
_ELEMENT_FIELD = re.compile(r"^(steps|branches)\[(\d+)\]")


class StaticChecker:
    """Runs every static check over a library."""

    def __init__(self, library: Library, deck: ModelDeck, limits: LimitsConfig | None = None) -> None:
        from pipelex.config.settings import LimitsConfig

        self.library = library
        self.deck = deck
        self.limits = limits or LimitsConfig()  # the defaults unless the caller passes its run's [limits]
        self.diagnostics: list[Diagnostic] = []
        # a controller's input that several of its sub-pipes read as another concept: one error, naming them all
        self._input_mismatches: dict[tuple[str, str, str, str], tuple[int, str, list[str]]] = {}

    def _over_limit(self, entry: PipeEntry, spec: ConceptSpec, what: str, field: str) -> bool:
        """Report a fixed count `Concept[N]` past ``[limits] max_list_items``; True when reported."""
        maximum = self.limits.max_list_items
        if spec.item_count is None or spec.item_count <= maximum:
            return False
        self._report(
            ErrorType.LIMIT_EXCEEDED,
            f"{what} {spec.render()!r} asks for {spec.item_count} items, more than "
            f"the {maximum} allowed ([limits] max_list_items in pipelex.toml): ask for fewer items, use "
            f"'{spec.as_list().render()}' for a list of any length, or raise the limit",
            entry,
            field=field,
        )
        return True

    # ------------------------------------------------------------------ helpers
    def _report(
        self,
        error_type: str,
        message: str,
        entry: PipeEntry | None = None,
        *,
        field: str | None = None,
        line: int | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        if entry is not None and line is None:
            element = _ELEMENT_FIELD.match(field) if field else None
            if element is not None:
                line = entry.source_map.element_line(entry.code, element.group(1), int(element.group(2)) + 1)
            else:
                line = (
                    entry.source_map.field_line(entry.code, field.split(".")[0].split("[")[0])
                    if field
                    else entry.line
                )
        self.diagnostics.append(
            Diagnostic(
                error_type=error_type,
                message=message,
                file=entry.file if entry else None,
                line=line,
                pipe=entry.code if entry else None,
                field=field,
                severity=severity,
            )
        )

    def spec(self, entry: PipeEntry, text: str) -> tuple[ConceptSpec, Concept] | None:
        """Parse and resolve a spec quietly (problems are reported by the pipe's own check)."""
        try:
            spec = ConceptSpec.parse(text)
        except SpecSyntaxError:
            return None
        concept = self.library.resolve_concept(spec.concept_ref, entry.domain)
        return (spec, concept) if concept is not None else None

    def var_of(self, entry: PipeEntry, text: str) -> Var | None:
        """The :class:`Var` a spec string describes."""
        resolved = self.spec(entry, text)
        if resolved is None:
            return None
        spec, concept = resolved
        return Var(concept, spec.is_list, spec.item_count, spec.is_optional)

    def resolve_ref(self, entry: PipeEntry, ref: str, field: str) -> PipeEntry | None:
        """Resolve a pipe reference from ``entry``, reporting why it cannot be."""
        match = PIPE_REF_RE.match(ref)
        if match is None:
            self._report(
                ErrorType.INVALID_PIPE_CODE_SYNTAX,
                f"{ref!r} is not a valid pipe reference: write a "
                "snake_case pipe code, optionally domain-qualified ('domain.pipe_code')",
                entry,
                field=field,
            )
            return None
        if match.group("package"):
            self._report(
                ErrorType.UNRESOLVED_PACKAGE_DEPENDENCY,
                f"{ref!r} calls into the package "
                f"{match.group('package')!r}, which no package manifest (METHODS.toml) of this library "
                "declares as a dependency, so it cannot be resolved: declare the dependency or "
                "copy the pipe into the library",
                entry,
                field=field,
            )
            return None
        target = self.library.resolve_pipe(ref, entry.domain)
        if target is None and not self.library.is_broken_pipe(ref, entry.domain):
            domain = ref.rpartition(".")[0] or entry.domain
            known = self.library.pipe_codes_of_domain(domain)
            self._report(
                ErrorType.UNRESOLVED_PIPE_DEPENDENCY,
                f"{ref!r} is not a pipe of this library: declare "
                f"[pipe.{match.group('code')}] or fix the name (pipes of domain {domain!r}: "
                f"{_some(known)})",
                entry,
                field=field,
            )
        return target

    # ------------------------------------------------------------------ entry point
    def run(self) -> list[Diagnostic]:
        """Check everything; return the diagnostics."""
        self.check_concepts()
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
                self._report(
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
            line = _concept_line(self.library, concept)

            def report(
                error_type: str,
                message: str,
                field: str | None = None,
                *,
                _concept: Concept = concept,
                _line: int | None = line,
            ) -> None:
                self.diagnostics.append(
                    Diagnostic(
                        error_type=error_type, message=message, file=_concept.source, line=_line, field=field
                    )
                )

            if blueprint.refines is not None:
                parent = concepts.resolve(blueprint.refines, concept.domain)
                if parent is None:
                    report(
                        ErrorType.UNRESOLVED_CONCEPT,
                        f"concept {concept.ref!r} refines {blueprint.refines!r}, "
                        "which is neither native nor declared: declare it or fix the name",
                        "refines",
                    )
                else:
                    seen = {concept.ref}
                    current: Concept | None = parent
                    while current is not None:
                        if current.ref in seen:
                            report(
                                ErrorType.SCHEMA_VIOLATION,
                                f"concept {concept.code!r} refines itself through "
                                f"{blueprint.refines!r} (a refinement cycle): break the loop",
                                "refines",
                            )
                            break
                        seen.add(current.ref)
                        current = concepts.parent(current)
            if not isinstance(blueprint.structure, dict):
                continue
            for name, spec in blueprint.structure.items():
                where = f"structure.{name}"
                if not name.isidentifier() or keyword.iskeyword(name) or name.startswith(("_", "model_")):
                    report(
                        ErrorType.SCHEMA_VIOLATION,
                        f"field name {name!r} of concept {concept.code!r} is not "
                        "allowed: a field name is a Python identifier, not a keyword, and starts with neither "
                        "'_' nor the reserved 'model_'; rename it",
                        where,
                    )
                if isinstance(spec, str):
                    continue
                if spec.default_value is not None and (spec.required or spec.type == "concept"):
                    report(
                        ErrorType.SCHEMA_VIOLATION,
                        f"field {name!r} of concept {concept.code!r} has a "
                        f"default_value, which {'a required field' if spec.required else 'a concept-typed field'} "
                        "cannot have (a default only fills an optional scalar field the data leaves out): "
                        f"remove the default_value{' or `required = true`' if spec.required else ''}",
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
                for ref in refs:
                    if ref and concepts.resolve(ref, concept.domain) is None:
                        report(
                            ErrorType.UNRESOLVED_CONCEPT,
                            f"field {name!r} of concept {concept.code!r} names "
                            f"the concept {ref!r}, which is neither native nor declared: declare it or fix the "
                            "name",
                            where,
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
                        error_type=ErrorType.UNRESOLVED_PIPE_DEPENDENCY,
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

        def visit(ref: str, stack: list[str]) -> None:
            state[ref] = 1
            stack.append(ref)
            for child in graph.get(ref, []):
                if state.get(child) == 1:
                    cycle = stack[stack.index(child) :]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        entry = self.library.pipes[child]
                        self._report(
                            ErrorType.PIPE_CYCLE,
                            "these pipes call each other in a loop: "
                            f"{' -> '.join([*cycle, child])}; a method must be a tree of calls, break the "
                            "loop",
                            entry,
                        )
                elif state.get(child) is None:
                    visit(child, stack)
            stack.pop()
            state[ref] = 2

        for ref in graph:
            if ref not in state:
                visit(ref, [])

    def _children(self, entry: PipeEntry) -> list[PipeEntry]:
        found = [self.library.resolve_pipe(r, entry.domain) for r in _called_refs(entry)]
        return [f for f in found if f is not None]

    # ------------------------------------------------------------------ per pipe
    def check_pipe(self, entry: PipeEntry) -> None:
        """Every check of one pipe."""
        pipe = entry.blueprint
        inputs = self._check_inputs(entry)
        output = self._check_output(entry)
        self._check_models(entry)
        if output is not None:
            self._check_operator_output(entry, output)
        match pipe:
            case bp.PipeLLMBlueprint():
                self._check_llm(entry, pipe, inputs, output)
            case bp.PipeImgGenBlueprint():
                self._check_templates(
                    entry,
                    inputs,
                    {"prompt": pipe.prompt, "negative_prompt": pipe.negative_prompt},
                    runtime_names=_NB_OUTPUT,
                )
            case bp.PipeSearchBlueprint():
                self._check_templates(entry, inputs, {"prompt": pipe.prompt})
            case bp.PipeJudgeBlueprint():
                self._check_judge(entry, pipe)
                self._check_templates(entry, inputs, {"prompt": pipe.prompt})
            case bp.PipeComposeBlueprint():
                self._check_compose(entry, pipe, inputs, output)
            case bp.PipeDocGenBlueprint():
                self._check_templates(
                    entry, inputs, {"template": pipe.template, "filename": pipe.filename}, check_unused=False
                )
            case bp.PipeExtractBlueprint():
                self._check_extract(entry, inputs, output)
            case bp.PipeStructureBlueprint():
                self._check_structure(entry, inputs)
            case bp.PipeFuncBlueprint():
                if not _FUNC_PATH_RE.match(pipe.function_name):
                    self._report(
                        "pipe_func_function_refused",
                        f"function_name {pipe.function_name!r} is not an "
                        "import path: write 'package.module.function'",
                        entry,
                        field="function_name",
                    )
            case bp.PipeSignatureBlueprint():
                pass
            case bp.PipeSequenceBlueprint():
                self._check_sequence(entry, pipe, inputs, output)
            case bp.PipeParallelBlueprint():
                self._check_parallel(entry, pipe, inputs, output)
            case bp.PipeConditionBlueprint():
                self._check_condition(entry, pipe, inputs, output)
            case bp.PipeBatchBlueprint():
                self._check_batch(entry, pipe, inputs, output)

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
                self._report(
                    ErrorType.INVALID_INPUT_NAME,
                    f"input name {name!r} is not a plain identifier: an "
                    f"input name names a whole value, never a path into one; {fix}",
                    entry,
                    field=field,
                )
                continue
            if not PLAIN_NAME_RE.match(name) or name.startswith(RESERVED_NAME_PREFIX):
                self._report(
                    ErrorType.INVALID_INPUT_NAME,
                    f"input name {name!r} is not valid: an input name is "
                    "snake_case, a plain identifier of lowercase letters, digits and underscores, and never "
                    f"starts with {RESERVED_NAME_PREFIX!r}",
                    entry,
                    field=field,
                )
                continue
            try:
                spec = ConceptSpec.parse(text)
            except SpecSyntaxError as exc:
                self._report(ErrorType.INVALID_CONCEPT_SPEC, f"input {name!r}: {exc}", entry, field=field)
                continue
            if self._over_limit(entry, spec, f"input {name!r}", field):
                continue
            if spec.is_list and spec.presence is not Presence.REQUIRED:
                self._report(
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
                self._report(
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
            self._report(ErrorType.INVALID_CONCEPT_SPEC, f"output: {exc}", entry, field="output")
            return None
        if self._over_limit(entry, spec, "output", "output"):
            return None
        if spec.is_list and spec.presence is not Presence.REQUIRED:
            self._report(
                ErrorType.OPTIONAL_MARKER_INVALID,
                _marker_with_multiplicity("the output", text, spec),
                entry,
                field="output",
            )
        elif spec.presence is Presence.FORCED:
            self._report(
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
            self._report(
                ErrorType.UNRESOLVED_CONCEPT,
                f"output names the concept {spec.concept_ref!r}, which is "
                f"neither native nor declared in domain {entry.domain!r}: declare "
                f"[concept.{spec.concept_ref.rpartition('.')[2]}] or fix the name",
                entry,
                field="output",
            )
            return None
        return spec, concept

    def _check_operator_output(self, entry: PipeEntry, output: tuple[ConceptSpec, Concept]) -> None:
        """Each operator makes one kind of value: an output concept of another kind can never be produced."""
        kind = entry.blueprint.type
        if isinstance(entry.blueprint, bp.PipeComposeBlueprint) and entry.blueprint.template is not None:
            kind = "PipeCompose.template"
        rule = _OPERATOR_OUTPUTS.get(kind)
        if rule is None:
            return
        spec, concept = output
        if concept.ref in ("native.Dynamic", "native.Anything"):
            return
        concepts = self.library.concepts
        natives, structured_ok, what = rule
        fits = any(concepts.refines(concept, concepts.concepts[f"native.{code}"]) for code in natives)
        if not fits and structured_ok:
            fits = concepts.structure_of(concept) is not None
        if not fits:
            self._report(
                ErrorType.INADEQUATE_OUTPUT_CONCEPT,
                f"a {entry.blueprint.type} {what}, so its output "
                f"cannot be {entry.blueprint.output!r} ({concept.ref}): declare "
                f"{' or '.join(repr(n) for n in natives)}{' or a structured concept' if structured_ok else ''}"
                f" (or a concept refining it), or use the operator that makes a {concept.code}",
                entry,
                field="output",
            )
        elif kind == "PipeExtract" and not spec.is_list:
            self._report(
                ErrorType.INADEQUATE_OUTPUT_MULTIPLICITY,
                f"a PipeExtract outputs a list of pages, not "
                f"one {entry.blueprint.output!r}: declare '{entry.blueprint.output}[]'",
                entry,
                field="output",
            )

    def _check_models(self, entry: PipeEntry) -> None:
        category = PIPE_MODEL_CATEGORY.get(entry.blueprint.type)
        for field_name in ("model", "model_to_structure"):
            value = getattr(entry.blueprint, field_name, None)
            if value is None:
                continue
            model_ref = ModelRef.of(value)
            if model_ref is None:
                continue
            ref = model_ref.written
            # a name is looked up in the category of the operator (`@default-small` on a PipeImgGen is the
            # image-generation alias); `model_to_structure` is always an LLM
            wanted = category if field_name == "model" else ModelCategory.LLM
            handles = self.deck.resolve(model_ref, wanted)
            if handles is None:
                elsewhere = self.deck.resolve(model_ref)
                if elsewhere is None:
                    self._report(
                        ErrorType.UNKNOWN_MODEL,
                        f"model {ref!r} is not in the model deck: use a handle, "
                        "an '@alias', a '$preset' or a '~waterfall' that `pipelex show models` lists, or "
                        "add it to the deck in pipelex.toml",
                        entry,
                        field=field_name,
                    )
                    continue
                handles = elsewhere
            allowed = {c.value for c in LOOKUP_ORDER[wanted]} if wanted else set()
            if wanted and not any(h.category.value in allowed for h in handles):
                defined_in = self.deck.category_of_name(model_ref)
                found = ", ".join(sorted({f"{h.handle} ({h.category.value})" for h in handles}))
                where = (
                    f" (the name exists only for {', '.join(c.value for c in defined_in)} models)"
                    if defined_in
                    else ""
                )
                self._report(
                    ErrorType.UNKNOWN_MODEL,
                    f"{field_name} {ref!r} names {found}{where}, but a "
                    f"{entry.blueprint.type} needs a model of category {' or '.join(sorted(allowed))}: "
                    "pick one that `pipelex show models` lists in that category",
                    entry,
                    field=field_name,
                )

    # ------------------------------------------------------------------ templates
    def _check_templates(
        self,
        entry: PipeEntry,
        inputs: dict[str, Var],
        templates: dict[str, str | None],
        *,
        check_unused: bool = True,
        extra_roots: set[str] | None = None,
        runtime_names: frozenset[str] = frozenset(),
        constants: Set[str] = frozenset(),
    ) -> set[str]:
        """Read every template; ``runtime_names`` are the variables the operator provides (``_nb_output``),
        ``constants`` the ones the pipe defines itself (a PipeCompose's ``extra_context``)."""
        roots_read: set[str] = set(extra_roots or ())
        unreadable = False  # a template that cannot be read says nothing about which inputs it uses
        declared_roots = {name.split(".")[0]: var for name, var in inputs.items()}
        all_declared = {name.split(".")[0] for name in entry.blueprint.input_specs()}
        for field_name, text in templates.items():
            if text is None:
                continue
            try:
                analysis = analyze(text)
            except TemplateSigilError as exc:
                unreadable = True
                self._report(ErrorType.TEMPLATE_SYNTAX, f"{field_name}: {exc}", entry, field=field_name)
                continue
            except TemplateSyntaxProblem as exc:
                unreadable = True
                self._report(
                    ErrorType.TEMPLATE_SYNTAX,
                    f"{field_name}: {exc}; fix the template",
                    entry,
                    field=field_name,
                )
                continue
            for private in sorted(analysis.private_names - runtime_names - STUFF_METADATA_FIELDS):
                self._report(
                    ErrorType.TEMPLATE_PRIVATE_NAME,
                    f"{field_name} reads {private!r}, a private name "
                    "(starting with '_') of the runtime: templates read the fields of declared inputs, "
                    f"their metadata ({', '.join(sorted(STUFF_METADATA_FIELDS))}) and the runtime "
                    "variables of the operator; remove it",
                    entry,
                    field=field_name,
                )
            for root in sorted(analysis.roots - all_declared - _TEMPLATE_GLOBALS - runtime_names - constants):
                self._report(
                    ErrorType.MISSING_INPUT_VARIABLE,
                    f"variable {root!r} is read by the {field_name} but "
                    f'not declared in `inputs`: declare it (e.g. {root} = "Text") or remove it from the '
                    f"{field_name}",
                    entry,
                    field=field_name,
                )
            for root in sorted(analysis.unguarded):
                var = declared_roots.get(root)
                if var is not None and var.maybe_absent:
                    self._report(
                        ErrorType.OPTIONAL_INPUT_UNGUARDED,
                        f"the {field_name} reads the optional input "
                        f"{root!r} without guarding it: write '@?{root}' or wrap it in "
                        f"{{% if {root} is defined %}}...{{% endif %}}",
                        entry,
                        field=field_name,
                    )
            roots_read |= analysis.roots
        if check_unused and not unreadable:
            for name in entry.blueprint.input_specs():
                if name.split(".")[0] not in roots_read:
                    self._report(
                        ErrorType.EXTRANEOUS_INPUT_VARIABLE,
                        f"input {name!r} is declared but never used "
                        f"by the {' or '.join(k for k, v in templates.items() if v is not None) or 'pipe'}: "
                        "use it "
                        f"(e.g. ${name}) or remove it from `inputs`",
                        entry,
                        field=f"inputs.{name}",
                    )
        return roots_read

    def _check_llm(
        self,
        entry: PipeEntry,
        pipe: bp.PipeLLMBlueprint,
        inputs: dict[str, Var],
        output: tuple[ConceptSpec, Concept] | None,
    ) -> None:
        if output is not None:
            image = self.library.concepts.concepts["native.Image"]
            if self.library.concepts.refines(output[1], image):
                self._report(
                    ErrorType.LLM_OUTPUT_CANNOT_BE_IMAGE,
                    f"a PipeLLM writes text or structures, not "
                    f"images, so its output cannot be {entry.blueprint.output!r}: use a PipeImgGen to make "
                    "an image",
                    entry,
                    field="output",
                )
        if pipe.prompt is None and pipe.system_prompt is None:
            return
        self._check_templates(
            entry,
            inputs,
            {"prompt": pipe.prompt, "system_prompt": pipe.system_prompt},
            runtime_names=_NB_OUTPUT,
        )

    def _check_judge(self, entry: PipeEntry, pipe: bp.PipeJudgeBlueprint) -> None:
        if pipe.question is None and not pipe.questions:
            self._report(
                ErrorType.SCHEMA_VIOLATION,
                "a PipeJudge needs a `question` (with options, levels or criteria) or a `questions` table",
                entry,
            )
        if pipe.question is not None and pipe.questions:
            self._report(
                ErrorType.SCHEMA_VIOLATION,
                "a PipeJudge has either one `question` or a `questions` table, not both",
                entry,
                field="questions",
            )

    def _check_compose(
        self,
        entry: PipeEntry,
        pipe: bp.PipeComposeBlueprint,
        inputs: dict[str, Var],
        output: tuple[ConceptSpec, Concept] | None,
    ) -> None:
        if (pipe.template is None) == (pipe.construct_ is None):
            self._report(
                ErrorType.SCHEMA_VIOLATION,
                "a PipeCompose has exactly one of `template` and `construct`",
                entry,
            )
            return
        if pipe.template is not None:
            text = pipe.template if isinstance(pipe.template, str) else pipe.template.template
            extra = set((pipe.template.extra_context or {}) if not isinstance(pipe.template, str) else ())
            self._check_templates(entry, inputs, {"template": text}, constants=extra)
            return
        assert pipe.construct_ is not None
        if output is not None and output[0].is_list:
            self._report(
                ErrorType.INADEQUATE_OUTPUT_MULTIPLICITY,
                f"a PipeCompose `construct` builds one "
                f"structure, not a list: declare the output {_LIST_SUFFIX.sub('', entry.blueprint.output)!r} "
                "(and batch the pipe to build several)",
                entry,
                field="output",
            )
        if output is not None and self.library.concepts.structure_of(output[1]) is None:
            self._report(
                ErrorType.INADEQUATE_OUTPUT_CONCEPT,
                f"a PipeCompose `construct` builds a structured "
                f"concept, but the output {entry.blueprint.output!r} has no structure: change the output to "
                "a concept with a `structure`, or use `template` to render text",
                entry,
                field="output",
            )
            return  # the construct's fields cannot be checked against an output with no fields
        roots: set[str] = set()
        templates: dict[str, str | None] = {}
        self._collect_construct(pipe.construct_, "construct", roots, templates, entry, inputs)
        self._check_templates(entry, inputs, templates, extra_roots=roots)

    def _collect_construct(
        self,
        node: dict[str, object],
        prefix: str,
        roots: set[str],
        templates: dict[str, str | None],
        entry: PipeEntry,
        inputs: dict[str, Var],
    ) -> None:
        for key, value in node.items():
            where = f"{prefix}.{key}"
            if isinstance(value, dict):
                if "from" in value:
                    path = value["from"]
                    if not isinstance(path, str) or not PATH_RE.match(path):
                        self._report(
                            ErrorType.BINDING_STEP_INVALID,
                            f"{where}: `from` must be a dotted path of field names, not {path!r}",
                            entry,
                            field=where,
                        )
                        continue
                    root, *segments = path.split(".")
                    roots.add(root)
                    if root not in inputs:
                        if root not in {n.split(".")[0] for n in entry.blueprint.input_specs()}:
                            self._report(
                                ErrorType.MISSING_INPUT_VARIABLE,
                                f"{where} reads {root!r}, which is not "
                                f'declared in `inputs`: declare it (e.g. {root} = "Text") or read a '
                                "declared input",
                                entry,
                                field=where,
                            )
                        continue
                    walked = walk_path(
                        self.library.concepts, inputs[root], root, segments, content_fields=True
                    )
                    if walked.var is None and walked.error_type:
                        self._report(walked.error_type, f"{where}: {walked.message}", entry, field=where)
                elif "template" in value and isinstance(value["template"], str):
                    templates[where] = value["template"]
                else:
                    self._collect_construct(value, where, roots, templates, entry, inputs)  # type: ignore[arg-type]

    def _check_extract(
        self, entry: PipeEntry, inputs: dict[str, Var], output: tuple[ConceptSpec, Concept] | None
    ) -> None:
        specs = entry.blueprint.input_specs()
        if len(specs) != 1:
            self._report(
                ErrorType.INPUT_STUFF_SPEC_MISMATCH,
                f"a PipeExtract reads exactly one input (a Document or an Image), not {len(specs)}",
                entry,
                field="inputs",
            )
        concepts = self.library.concepts
        for name, var in inputs.items():
            if not (
                concepts.refines(var.concept, concepts.concepts["native.Document"])
                or concepts.refines(var.concept, concepts.concepts["native.Image"])
            ):
                self._report(
                    ErrorType.INPUT_STUFF_SPEC_MISMATCH,
                    f"input {name!r} is a {var.concept.ref}, but a "
                    "PipeExtract reads a Document or an Image: pass a Document (or an Image), e.g. "
                    f'{name} = "Document"',
                    entry,
                    field=f"inputs.{name}",
                )

    def _check_structure(self, entry: PipeEntry, inputs: dict[str, Var]) -> None:
        concepts = self.library.concepts
        for name, var in inputs.items():
            for media in ("Image", "Document", "Page"):
                if concepts.refines(var.concept, concepts.concepts[f"native.{media}"]):
                    self._report(
                        ErrorType.INPUT_STUFF_SPEC_MISMATCH,
                        f"input {name!r} is a {var.concept.ref}, but "
                        "a PipeStructure reads writing (text or structured concepts): extract or describe "
                        "it first (PipeExtract or PipeLLM), then structure that",
                        entry,
                        field=f"inputs.{name}",
                    )

    # ------------------------------------------------------------------ controllers
    def _feed(
        self,
        entry: PipeEntry,
        where: str,
        target: PipeEntry,
        env: dict[str, Var],
        item: tuple[str, Var] | None = None,
        unknown: Set[str] = frozenset(),
    ) -> bool:
        """Check that ``env`` satisfies ``target``'s inputs; return True when an absence lifts through it.

        ``unknown`` names values whose producer's error is already reported (a failed step's result, an
        unresolvable batch item): reading them reports nothing more.
        """
        lifts = False
        for name, text in target.blueprint.input_specs().items():
            wanted = self.spec(target, text)
            if wanted is None:
                continue
            spec, concept = wanted
            root, *segments = name.split(".")
            if item is not None and root == item[0]:
                provided: Var | None = item[1]
            else:
                provided = env.get(root)
            if provided is None:
                if spec.is_optional or root in unknown:
                    continue
                self._report(
                    ErrorType.MISSING_INPUT_VARIABLE,
                    f"{where}: pipe {target.code!r} reads {root!r}, "
                    f"which {entry.code!r} neither declares in its inputs nor gets from an earlier step: "
                    f"declare it or produce it before this step",
                    entry,
                    field=where,
                )
                continue
            if segments:
                walked = walk_path(self.library.concepts, provided, root, segments)
                if walked.var is None:
                    self._report(
                        walked.error_type or ErrorType.BINDING_PATH_UNRESOLVED,
                        f"{where}: input {name!r} of {target.code!r}: {walked.message}",
                        entry,
                        field=where,
                    )
                    continue
                provided = walked.var
            if not self.library.concepts.is_compatible(provided.concept, concept):
                held = provided.as_written(target.domain)
                if provided.origin.startswith("the inputs of"):
                    stated = f"{entry.code!r} declares it as {held!r} in its inputs"
                    other = f"declare it as {text.strip()!r} in the inputs of {entry.code!r}"
                elif provided.origin.startswith("the binding step"):
                    stated, other = (
                        f"{provided.origin} binds it as {held!r}",
                        f"bind a {concept.code} instead",
                    )
                else:
                    holder = self._holder(provided, entry)
                    stated, other = f"{holder} stores it as {held!r}", f"have {holder} store a {concept.code}"
                key = (entry.ref, root, provided.describe(), text.strip())
                if provided.origin.startswith("the inputs of") and key in self._input_mismatches:
                    self._also_reads(key, target.code)  # same root cause: the controller's declaration
                    continue
                self._report(
                    ErrorType.INPUT_STUFF_SPEC_MISMATCH,
                    f"{where}: pipe {target.code!r} reads {name!r} as "
                    f"{text.strip()!r} ({concept.ref}), but {stated} ({provided.concept.ref}). Declare the "
                    f"input as {held!r} in pipe {target.code!r} ({self._declared_at(target, 'inputs')}), or "
                    f"{other}",
                    entry,
                    field=where,
                )
                if provided.origin.startswith("the inputs of"):
                    self._input_mismatches[key] = (
                        len(self.diagnostics) - 1,
                        self.diagnostics[-1].message,
                        [],
                    )
            elif provided.is_list != spec.is_list:
                held = provided.as_written(target.domain)
                holder = (
                    f"{entry.code!r} declares"
                    if provided.origin.startswith("the inputs of")
                    else f"{self._holder(provided, entry)} stores"
                )
                want = "a single item" if not spec.is_list else "a list"
                kind = "a list" if provided.is_list else "a single item"
                fix = f"declare the input as {held!r} in pipe {target.code!r} ({self._declared_at(target, 'inputs')})"
                if provided.is_list:
                    fix = f"batch over it (batch_over/batch_as) to take one item at a time, or {fix}"
                self._report(
                    ErrorType.INPUT_STUFF_SPEC_MISMATCH,
                    f"{where}: pipe {target.code!r} reads {name!r} as "
                    f"{want} ({text.strip()!r}), but {holder} {kind} ({held!r}, {provided.describe()}): {fix}",
                    entry,
                    field=where,
                )
            if provided.maybe_absent and spec.presence is Presence.REQUIRED:
                lifts = True
        return lifts

    def _also_reads(self, key: tuple[str, str, str, str], reader: str) -> None:
        """Another sub-pipe reads the controller's input as the first one did: say so in that one error."""
        index, message, others = self._input_mismatches[key]
        others.append(reader)
        _, root, _, wanted = key
        names = ", ".join(repr(o) for o in others)
        self.diagnostics[index] = self.diagnostics[index].model_copy(
            update={
                "message": (
                    f"{message}. {len(others)} more of its pipes read {root!r} as {wanted!r} too ({names}): declaring it "
                    f"{wanted!r} in the inputs of {key[0].rpartition('.')[2]!r} fixes them all"
                )
            }
        )

    @staticmethod
    def _holder(var: Var, entry: PipeEntry) -> str:
        return var.origin or f"pipe {entry.code!r}"

    @staticmethod
    def _declared_at(target: PipeEntry, field_name: str) -> str:
        """``file:line`` of a field of ``target``'s declaration (its table when the field has no line)."""
        line = target.source_map.field_line(target.code, field_name) or target.line
        file = Path(target.file).name if target.file else "<bundle>"
        return f"{file}:{line}" if line else file

    def _output_var(
        self, target: PipeEntry, *, lifted: bool, as_list: bool = False, batched: bool = False
    ) -> Var | None:
        """What running ``target`` leaves in memory: once, several times (``as_list``), or once per item."""
        var = self.var_of(target, target.blueprint.output)
        if var is None:
            return None
        if batched:
            var = var.as_batched()
        elif as_list:
            var = replace(var, is_list=True, item_count=None)
        return replace(var, maybe_absent=var.maybe_absent or lifted)

    def _check_produced(
        self, entry: PipeEntry, declared: tuple[ConceptSpec, Concept] | None, produced: Var | None, what: str
    ) -> None:
        if declared is None or produced is None:
            return
        spec, concept = declared
        if concept.ref == "native.Anything" and not spec.is_list:
            # "Anything" takes whatever the sub-pipe produces: any concept, one value or a list
            if produced.maybe_absent and not spec.is_optional:
                self._report(
                    ErrorType.OPTIONAL_NOT_HANDLED,
                    f"{what} may produce nothing (an optional value is "
                    f"absent upstream), but the output {entry.blueprint.output!r} is not optional: declare "
                    f"it '{entry.blueprint.output}?'",
                    entry,
                    field="output",
                )
            return
        if concept.ref not in (
            "native.Dynamic",
            "native.Anything",
        ) and not self.library.concepts.is_compatible(produced.concept, concept):
            self._report(
                ErrorType.INADEQUATE_OUTPUT_CONCEPT,
                f"the output is declared {entry.blueprint.output!r} "
                f"({concept.ref}), but {what} produces {produced.concept.ref}: make them agree",
                entry,
                field="output",
            )
        elif (
            spec.is_list != produced.is_list
            or (
                spec.item_count is not None
                and produced.item_count is not None
                and spec.item_count != produced.item_count
            )
            or (spec.item_count is not None and produced.is_list is False)
        ):
            self._report(
                ErrorType.INADEQUATE_OUTPUT_MULTIPLICITY,
                f"the output is declared "
                f"{entry.blueprint.output!r}, but {what} produces {produced.describe()}: make their "
                "multiplicities agree",
                entry,
                field="output",
            )
        if produced.maybe_absent and not spec.is_optional:
            self._report(
                ErrorType.OPTIONAL_NOT_HANDLED,
                f"{what} may produce nothing (an optional value is absent "
                f"upstream), but the output {entry.blueprint.output!r} is not optional: declare it "
                f"'{entry.blueprint.output}?', or guard the absence (an optional input, '!' to force it, or "
                "a PipeCondition)",
                entry,
                field="output",
            )

    def _check_batch_names(
        self,
        entry: PipeEntry,
        where: str,
        batch_over: str | None,
        batch_as: str | None,
        *,
        allow_dotted_over: bool,
    ) -> bool:
        if (batch_over is None) != (batch_as is None):
            self._report(
                ErrorType.BINDING_STEP_INVALID,
                f"{where}: `batch_over` and `batch_as` go together: set both or neither",
                entry,
                field=where,
            )
            return False
        if batch_over is None or batch_as is None:
            return True
        ok = True
        if not PLAIN_NAME_RE.match(batch_as) or batch_as.startswith(RESERVED_NAME_PREFIX):
            self._report(
                ErrorType.INVALID_INPUT_NAME,
                f"{where}: batch_as {batch_as!r} is not a plain input name: "
                f"write a snake_case name, undotted and not starting with {RESERVED_NAME_PREFIX!r} (the "
                "name of the input the branch pipe reads)",
                entry,
                field=where,
            )
            ok = False
        if "." in batch_over and not allow_dotted_over:
            self._report(
                ErrorType.BINDING_STEP_INVALID,
                f"{where}: a parallel branch cannot batch over a dotted "
                f"path ({batch_over!r}): bind it in a sequence step first",
                entry,
                field=where,
            )
            ok = False
        elif not PATH_RE.match(batch_over):
            self._report(
                ErrorType.BINDING_STEP_INVALID,
                f"{where}: batch_over {batch_over!r} is not a name or a "
                "dotted path of field names (single dots, no brackets)",
                entry,
                field=where,
            )
            ok = False
        elif batch_over.startswith(RESERVED_NAME_PREFIX):
            self._report(
                ErrorType.INVALID_INPUT_NAME,
                f"{where}: batch_over {batch_over!r} starts with the reserved "
                f"prefix {RESERVED_NAME_PREFIX!r}: batch over a name of the sequence",
                entry,
                field=where,
            )
            ok = False
        if batch_over == batch_as:
            self._report(
                ErrorType.BATCH_ITEM_NAME_COLLISION,
                f"{where}: batch_over and batch_as are both "
                f"{batch_as!r}: name the item differently from the list (e.g. 'pages' and 'page')",
                entry,
                field=where,
            )
            ok = False
        return ok

    def _batch_item(self, entry: PipeEntry, where: str, env: dict[str, Var], batch_over: str) -> Var | None:
        root, *segments = batch_over.split(".")
        source = env.get(root)
        if source is None:
            self._report(
                ErrorType.MISSING_INPUT_VARIABLE,
                f"{where}: batch_over reads {root!r}, which is neither an "
                "input nor the result of an earlier step",
                entry,
                field=where,
            )
            return None
        if segments:
            walked = walk_path(self.library.concepts, source, root, segments)
            if walked.var is None:
                self._report(
                    walked.error_type or ErrorType.BINDING_PATH_UNRESOLVED,
                    f"{where}: {walked.message}",
                    entry,
                    field=where,
                )
                return None
            source = walked.var
        if not source.is_list:
            self._report(
                ErrorType.INPUT_STUFF_SPEC_MISMATCH,
                f"{where}: batch_over {batch_over!r} holds a single "
                f"{source.concept.ref}, not a list: batch over a list",
                entry,
                field=where,
            )
            return None
        return source.item()

    def _check_call(
        self,
        entry: PipeEntry,
        where: str,
        target: PipeEntry,
        env: dict[str, Var],
        batch_over: str | None,
        batch_as: str | None,
        *,
        names_ok: bool,
        as_list: bool = False,
        unknown: Set[str] = frozenset(),
    ) -> Var | None:
        """Check a call of ``target`` from a step or branch (batched when ``batch_over`` is set); its output."""
        item: tuple[str, Var] | None = None
        batched = batch_over is not None and batch_as is not None
        if batched and names_ok:
            item_var = self._batch_item(entry, where, env, batch_over or "")
            if item_var is not None:
                item = (batch_as or "", item_var)
        if batched and item is None:  # the batch problem is reported: the item is unknown, not missing
            unknown = unknown | {batch_as or ""}
        lifted = self._feed(entry, where, target, env, item, unknown)
        return self._output_var(target, lifted=lifted, as_list=as_list, batched=batched)

    def _check_sequence(
        self,
        entry: PipeEntry,
        pipe: bp.PipeSequenceBlueprint,
        inputs: dict[str, Var],
        output: tuple[ConceptSpec, Concept] | None,
    ) -> None:
        env = dict(_roots(inputs, entry.code))
        unknown: set[str] = set()  # results of steps whose error is already reported
        last: Var | None = None
        last_known = True
        for index, step in enumerate(
            pipe.steps
        ):  # counted from 0, as the file's array is: steps[0] is the first
            where = f"steps[{index}]"
            if step.is_binding:
                last = self._binding_step(entry, where, step, env)
                last_known = last is not None
                if last is None and step.result:
                    unknown.add(step.result)
                continue
            if step.pipe is None:
                self._report(
                    ErrorType.BINDING_STEP_INVALID,
                    f"{where}: a step runs a pipe (`pipe = ...`) or binds "
                    "a value (`from = ..., result = ...`); this one does neither",
                    entry,
                    field=where,
                )
                last_known = False
                continue
            if step.result is not None and not _plain_name(step.result):
                self._report(
                    ErrorType.INVALID_INPUT_NAME,
                    f"{where}: result {step.result!r} is not a plain "
                    f"snake_case name (never starting with {RESERVED_NAME_PREFIX!r}); later steps read it "
                    "through their inputs",
                    entry,
                    field=where,
                )
            if step.nb_output is not None and step.multiple_output is not None:
                self._report(
                    ErrorType.SCHEMA_VIOLATION,
                    f"{where}: `nb_output` and `multiple_output` are mutually exclusive: keep one",
                    entry,
                    field=where,
                )
            names_ok = self._check_batch_names(
                entry, where, step.batch_over, step.batch_as, allow_dotted_over=True
            )
            target = self.resolve_ref(entry, step.pipe, where)
            if target is None:
                last_known = False
                if step.result:
                    env.pop(step.result, None)
                    unknown.add(step.result)
                continue
            produced = self._check_call(
                entry,
                where,
                target,
                env,
                step.batch_over,
                step.batch_as,
                names_ok=names_ok,
                as_list=bool(step.multiple_output) or bool(step.nb_output),
                unknown=unknown,
            )
            if (
                produced is not None and step.nb_output and not step.batch_over
            ):  # a batch: one output per item
                produced = replace(produced, item_count=step.nb_output)
            last = produced
            last_known = produced is not None
            if produced is not None:
                env[step.result or target.code] = replace(
                    produced, origin=f"step {index} (pipe {target.code!r})"
                )
                unknown.discard(step.result or target.code)
            else:  # the step pipe's output is unresolvable, and reported: later reads of it report nothing more
                env.pop(step.result or target.code, None)
                unknown.add(step.result or target.code)
            env.update(self.parallel_outputs(target))
        if last_known:
            self._check_produced(entry, output, last, f"its last step (steps[{len(pipe.steps) - 1}])")

    def _binding_step(
        self, entry: PipeEntry, where: str, step: bp.StepBlueprint, env: dict[str, Var]
    ) -> Var | None:
        problems: list[str] = []
        if step.pipe is not None:
            problems.append(
                "it carries both `pipe` and `from`: a step either runs a pipe or binds a value; split it "
                "into two steps"
            )
        extra = [
            k
            for k in ("batch_over", "batch_as", "nb_output", "multiple_output")
            if getattr(step, k) is not None
        ]
        if extra:
            problems.append(
                f"a binding step carries only `from` and `result`, not {', '.join(extra)}: put batching on "
                "the pipe step that reads the bound list"
            )
        if step.result is None:
            problems.append("it has no `result`: name the bound value")
        elif not _plain_name(step.result):
            problems.append(
                f"result {step.result!r} is not a plain snake_case name, never starting with "
                f"{RESERVED_NAME_PREFIX!r} (later steps read it through their inputs)"
            )
        path = step.from_ or ""
        if not PATH_RE.match(path):
            problems.append(
                f"`from = {path!r}` is not a path: write field names separated by single dots, e.g. "
                "'invoice.total' (no brackets, no empty segments)"
            )
        if problems:
            for problem in problems:
                self._report(
                    ErrorType.BINDING_STEP_INVALID, f"{where} (binding step): {problem}", entry, field=where
                )
            return None
        root, *segments = path.split(".")
        source = env.get(root)
        if source is None:
            self._report(
                ErrorType.MISSING_INPUT_VARIABLE,
                f"{where}: the binding reads {root!r}, which is neither an "
                f"input of {entry.code!r} nor the result of an earlier step: declare it in `inputs` or "
                "produce it first",
                entry,
                field=where,
            )
            return None
        walked = walk_path(self.library.concepts, source, root, segments)
        if walked.var is None:
            self._report(
                walked.error_type or ErrorType.BINDING_PATH_UNRESOLVED,
                f"{where}: the binding `from = {path!r}` cannot be resolved: {walked.message}",
                entry,
                field=where,
            )
            return None
        bound = replace(walked.var, origin=f"the binding step {where} (`from = {path!r}`)")
        env[step.result or root] = bound
        return bound

    def parallel_outputs(self, target: PipeEntry) -> dict[str, Var]:
        """What a PipeParallel with ``add_each_output`` adds to its caller's memory: one name per branch."""
        pipe = target.blueprint
        if not isinstance(pipe, bp.PipeParallelBlueprint) or not pipe.add_each_output:
            return {}
        added: dict[str, Var] = {}
        for branch in pipe.branches:
            sub = self.library.resolve_pipe(branch.pipe, target.domain)
            if sub is None:
                continue
            var = self._output_var(sub, lifted=False, batched=branch.batch_over is not None)
            if var is not None:
                added[branch.result or sub.code] = var
        return added

    def _check_parallel(
        self,
        entry: PipeEntry,
        pipe: bp.PipeParallelBlueprint,
        inputs: dict[str, Var],
        output: tuple[ConceptSpec, Concept] | None,
    ) -> None:
        env = dict(_roots(inputs, entry.code))
        results: dict[str, Var] = {}
        for index, branch in enumerate(pipe.branches):
            where = f"branches[{index}]"
            if branch.result is not None and not _plain_name(branch.result):
                self._report(
                    ErrorType.INVALID_INPUT_NAME,
                    f"{where}: result {branch.result!r} is not a plain "
                    f"snake_case name (never starting with {RESERVED_NAME_PREFIX!r}); the result is read by "
                    "later pipes through their inputs",
                    entry,
                    field=where,
                )
            names_ok = self._check_batch_names(
                entry, where, branch.batch_over, branch.batch_as, allow_dotted_over=False
            )
            target = self.resolve_ref(entry, branch.pipe, where)
            if target is None:
                continue
            produced = self._check_call(
                entry, where, target, env, branch.batch_over, branch.batch_as, names_ok=names_ok
            )
            if produced is not None:
                results[branch.result or target.code] = produced
        if output is None:
            return
        spec, concept = output
        if spec.is_list:
            single = _LIST_SUFFIX.sub("", entry.blueprint.output)
            self._report(
                ErrorType.INADEQUATE_OUTPUT_MULTIPLICITY,
                f"a PipeParallel outputs one Composite or one "
                f"structure, not a list ({entry.blueprint.output!r}): declare it "
                f"'{single}'",
                entry,
                field="output",
            )
        if concept.ref in ("native.Composite", "native.Dynamic"):
            return
        structure = self.library.concepts.structure_of(concept)
        if structure is None:
            self._report(
                ErrorType.INADEQUATE_OUTPUT_CONCEPT,
                f"a PipeParallel outputs 'Composite' or a structured "
                f"concept whose fields are the branch results, not {entry.blueprint.output!r} "
                f'({concept.ref}): declare output = "Composite", or a concept with a `structure` whose '
                f"fields are named after the branch results ({', '.join(results) or 'their `result`'})",
                entry,
                field="output",
            )
            return
        for name, var in results.items():
            if name not in structure:
                self._report(
                    ErrorType.INADEQUATE_OUTPUT_CONCEPT,
                    f"branch result {name!r} is not a field of "
                    f"{concept.ref} (fields: {', '.join(structure)}): name the result after a field",
                    entry,
                    field="branches",
                )
            elif var.maybe_absent and structure[name].required:
                self._report(
                    ErrorType.OPTIONAL_BRANCH_REQUIRED_FIELD,
                    f"branch result {name!r} may be absent (an "
                    f"optional input lifts through its pipe), but field {name!r} of {concept.ref} is "
                    f"required: make the field optional (required = false) or guard the absence",
                    entry,
                    field="branches",
                )

    def _check_condition(
        self,
        entry: PipeEntry,
        pipe: bp.PipeConditionBlueprint,
        inputs: dict[str, Var],
        output: tuple[ConceptSpec, Concept] | None,
    ) -> None:
        if (pipe.expression is None) == (pipe.expression_template is None):
            self._report(
                ErrorType.SCHEMA_VIOLATION,
                "a PipeCondition has exactly one of `expression` and `expression_template`",
                entry,
            )
        else:
            text = pipe.expression if pipe.expression is not None else pipe.expression_template
            field_name = "expression" if pipe.expression is not None else "expression_template"
            try:
                analysis = analyze(text or "", is_expression=pipe.expression is not None)
            except (TemplateSyntaxProblem, TemplateSigilError) as exc:
                self._report(ErrorType.TEMPLATE_SYNTAX, f"{field_name}: {exc}", entry, field=field_name)
            else:
                declared = {n.split(".")[0] for n in entry.blueprint.input_specs()}
                for root in sorted(analysis.roots - declared - _TEMPLATE_GLOBALS):
                    self._report(
                        ErrorType.MISSING_INPUT_VARIABLE,
                        f"the {field_name} reads {root!r}, which is not "
                        f'declared in `inputs`: declare it (e.g. {root} = "Text") or read a declared '
                        "input",
                        entry,
                        field=field_name,
                    )
                for private in sorted(analysis.private_names - STUFF_METADATA_FIELDS):
                    self._report(
                        ErrorType.TEMPLATE_PRIVATE_NAME,
                        f"the {field_name} reads the private name {private!r}: remove it",
                        entry,
                        field=field_name,
                    )
        env = dict(_roots(inputs, entry.code))
        outcomes = [(f"outcomes.{k}", v) for k, v in pipe.outcomes.items()] + [
            ("default_outcome", pipe.default_outcome)
        ]
        for where, ref in outcomes:
            if ref in SPECIAL_OUTCOMES:
                continue
            target = self.resolve_ref(entry, ref, where)
            if target is None:
                continue
            lifted = self._feed(entry, where, target, env)
            produced = self._output_var(target, lifted=lifted)
            self._check_produced(entry, output, produced, f"outcome pipe {target.code!r}")
        continues = [where for where, ref in outcomes if ref == "continue"]
        if continues and output is not None and not output[0].is_optional and not output[0].is_list:
            which = (
                "default_outcome is 'continue', so when no outcome matches"
                if continues == ["default_outcome"]
                else f"{' and '.join(continues)} {'is' if len(continues) == 1 else 'are'} 'continue', so then"
            )
            self._report(
                ErrorType.OPTIONAL_OUTPUT_REQUIRED,
                f"{which} nothing is produced, but the output "
                f"{entry.blueprint.output!r} is not optional: declare it '{entry.blueprint.output}?'",
                entry,
                field="output",
            )

    def _check_batch(
        self,
        entry: PipeEntry,
        pipe: bp.PipeBatchBlueprint,
        inputs: dict[str, Var],
        output: tuple[ConceptSpec, Concept] | None,
    ) -> None:
        specs = entry.blueprint.input_specs()
        item_name = pipe.input_item_name
        if not item_name:
            self._report(
                ErrorType.BATCH_ITEM_NAME_COLLISION,
                "input_item_name is empty: name the item (e.g. the singular of the list)",
                entry,
                field="input_item_name",
            )
        elif item_name == pipe.input_list_name or item_name in specs:
            self._report(
                ErrorType.BATCH_ITEM_NAME_COLLISION,
                f"input_item_name {item_name!r} collides with "
                f"{'the list name' if item_name == pipe.input_list_name else 'an input of the batch'}: give "
                "the item its own name (e.g. the singular of the list)",
                entry,
                field="input_item_name",
            )
        elif not PLAIN_NAME_RE.match(item_name) or item_name.startswith(RESERVED_NAME_PREFIX):
            self._report(
                ErrorType.INVALID_INPUT_NAME,
                f"input_item_name {item_name!r} is not a plain snake_case name",
                entry,
                field="input_item_name",
            )
        list_var = inputs.get(pipe.input_list_name)
        if "." in pipe.input_list_name or pipe.input_list_name.startswith(RESERVED_NAME_PREFIX):
            self._report(
                ErrorType.INVALID_INPUT_NAME,
                f"input_list_name {pipe.input_list_name!r} is not a plain "
                "input name: name a list input of the batch (to batch over a field, bind it in a sequence "
                "step first, or batch a sequence step over the dotted path)",
                entry,
                field="input_list_name",
            )
        elif pipe.input_list_name not in specs:
            self._report(
                ErrorType.MISSING_INPUT_VARIABLE,
                f"input_list_name {pipe.input_list_name!r} is not one of "
                f"the batch's inputs ({', '.join(specs) or 'none'}): declare it as a list input",
                entry,
                field="input_list_name",
            )
        elif list_var is not None and not list_var.is_list:
            self._report(
                ErrorType.INPUT_STUFF_SPEC_MISMATCH,
                f"input_list_name {pipe.input_list_name!r} is declared "
                f"{specs[pipe.input_list_name]!r}, not a list: declare it 'X[]'",
                entry,
                field="input_list_name",
            )
        target = self.resolve_ref(entry, pipe.branch_pipe_code, "branch_pipe_code")
        if target is None:
            return
        env = {k: v for k, v in _roots(inputs, entry.code).items() if k != pipe.input_list_name}
        item = (item_name, list_var.item()) if list_var is not None else None
        lifted = self._feed(
            entry,
            "branch_pipe_code",
            target,
            env,
            item,
            unknown=frozenset({item_name}) if item is None else frozenset(),
        )
        produced = self._output_var(target, lifted=lifted, batched=True)
        self._check_produced(entry, output, produced, f"the batch of {target.code!r}")


# what each operator makes: (native concepts its output refines, whether a structured concept also fits, wording)
_OPERATOR_OUTPUTS: dict[str, tuple[tuple[str, ...], bool, str]] = {
    "PipeImgGen": (("Image",), False, "generates images"),
    "PipeExtract": (("Page",), False, "extracts the pages of a document or an image ('Page[]')"),
    "PipeSearch": (
        ("SearchResult",),
        True,
        "answers a web search with a SearchResult, or fills a structure from it",
    ),
    "PipeDocGen": (("Document",), False, "generates a document"),
    "PipeJudge": (
        ("YesNo", "Choice", "Rating"),
        True,
        "returns judgments (YesNo, Choice, Rating), or a structure of them",
    ),
    "PipeStructure": ((), True, "fills a structured concept"),
    "PipeCompose.template": (("Text", "Html"), False, "renders a template to text (or HTML)"),
}

_SCALAR_FIELD_TYPES = frozenset(
    {"text", "integer", "number", "boolean", "date", "datetime", "time", "dict", "list"}
)


def _plain_name(name: str) -> bool:
    """A name a pipe reads through its inputs: snake_case, undotted, not the runtime's reserved prefix."""
    return PLAIN_NAME_RE.match(name) is not None and not name.startswith(RESERVED_NAME_PREFIX)


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


_NB_OUTPUT = frozenset({NB_OUTPUT_VARIABLE})
# the sandbox's globals (pipelex/pipes/sandbox.py): no `lipsum`, which generates unbounded text
_TEMPLATE_GLOBALS = frozenset(
    {
        "range",
        "loop",
        "true",
        "false",
        "none",
        "True",
        "False",
        "None",
        "dict",
        "cycler",
        "joiner",
        "namespace",
    }
)


def _some(names: list[str], shown: int = 20) -> str:
    """``names`` for a message: at most ``shown`` of them, then how many more (a message stays short)."""
    if not names:
        return "none"
    if len(names) <= shown:
        return ", ".join(names)
    return ", ".join(names[:shown]) + f" and {len(names) - shown} more"


def _roots(inputs: dict[str, Var], owner: str = "") -> dict[str, Var]:
    return {
        name: replace(var, origin=f"the inputs of {owner!r}" if owner else var.origin)
        for name, var in inputs.items()
        if "." not in name
    }


def check_library(library: Library, deck: ModelDeck, limits: LimitsConfig | None = None) -> list[Diagnostic]:
    """Every diagnostic of a library: load/parse problems, then the static checks (``limits``: default the active
    ones, see :mod:`pipelex.limits`)."""
    return [*library.diagnostics, *StaticChecker(library, deck, limits).run()]


def _called_refs(entry: PipeEntry) -> list[str]:
    """The pipe references a controller calls, as written (resolvable or not)."""
    pipe = entry.blueprint
    match pipe:
        case bp.PipeSequenceBlueprint():
            return [s.pipe for s in pipe.steps if s.pipe and not s.is_binding]
        case bp.PipeParallelBlueprint():
            return [b.pipe for b in pipe.branches]
        case bp.PipeConditionBlueprint():
            return [r for r in [*pipe.outcomes.values(), pipe.default_outcome] if r not in SPECIAL_OUTCOMES]
        case bp.PipeBatchBlueprint():
            return [pipe.branch_pipe_code]
        case _:
            return []


def callers_of_failures(library: Library, failed: Set[str]) -> dict[str, str]:
    """Pipes that call, directly or through other controllers, a pipe that failed its checks or its schema.

    Their dry run could only fail on that pipe again: the sweep reports them FAILURE with the reason instead.
    ``failed`` holds pipe codes or refs; the result maps each caller's ref to the pipe it is blocked by.
    """
    blocked: dict[str, str] = {}
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
            for called in _called_refs(entry):
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
    return [ref for ref, entry in library.pipes.items() if entry.blueprint.type == "PipeSignature"]
