"""The toolkit of the static checks of a pipe: what each kind's ``check`` (:mod:`pipelex.pipes.kinds`) uses to
report problems, read templates, resolve references and follow data through a controller.

:class:`PipeChecks` holds the library, the model deck, the limits and the diagnostics found so far; the checks
of the library as a whole (concepts, cycles, signatures, every pipe's inputs, output and models) extend it in
:mod:`pipelex.validation.static`. Pure: nothing here reads a file or runs a pipe.
"""

from __future__ import annotations

import re
from collections.abc import Set
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipelex.concepts.library import Concept
from pipelex.concepts.paths import Var, walk_path
from pipelex.config.deck import ModelDeck
from pipelex.diagnostics import Diagnostic, ErrorType, Severity
from pipelex.language.library import Library, PipeEntry, pipe_ref_parts
from pipelex.language.specs import (
    PATH_RE,
    RESERVED_NAME_PREFIX,
    ConceptSpec,
    Presence,
    SpecSyntaxError,
    is_variable_name,
    non_ascii_note,
)
from pipelex.language.templates import (
    NB_OUTPUT_VARIABLE,
    STUFF_METADATA_FIELDS,
    TemplateSyntaxProblem,
    analyze,
    inline_at_message,
    inline_at_sigils,
)
from pipelex.record import FrozenRecord, replace

if TYPE_CHECKING:
    from pipelex.config.settings import LimitsConfig

LIST_SUFFIX = re.compile(r"\[\d*\]$")


@cache
def _element_field() -> re.Pattern[str]:
    """A field naming a step or a branch (``steps[2].pipe``): compiled when a problem is first reported there."""
    return re.compile(r"^(steps|branches)\[(\d+)\]")


# the runtime variable a PipeLLM or PipeImgGen provides to its templates
NB_OUTPUT = frozenset({NB_OUTPUT_VARIABLE})
# the sandbox's globals (pipelex/pipes/sandbox.py): no `lipsum`, which generates unbounded text
TEMPLATE_GLOBALS = frozenset(
    {
        "range",
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


class OutputRule(FrozenRecord):
    """What an operator makes: the natives its output must refine, whether a structured concept also fits, and
    how to say it in a message (``"generates images"``)."""

    natives: tuple[str, ...]
    structured: bool
    wording: str

    FIELDS = ("natives", "structured", "wording")

    def __init__(self, natives: tuple[str, ...], structured: bool, wording: str) -> None:
        self.natives = natives
        self.structured = structured
        self.wording = wording


class PipeChecks:
    """Reports the problems of the pipes of a library (every problem, not the first)."""

    def __init__(self, library: Library, deck: ModelDeck, limits: LimitsConfig | None = None) -> None:
        from pipelex.config.settings import LimitsConfig

        self.library = library
        self.deck = deck
        self.limits = limits or LimitsConfig()  # the defaults unless the caller passes its run's [limits]
        self.diagnostics: list[Diagnostic] = []
        # a controller's input that several of its sub-pipes read as another concept: one error, naming them all
        self._input_mismatches: dict[tuple[str, str, str, str], tuple[int, str, list[str]]] = {}
        # (controller ref, input name): the inputs of a controller that one of its steps, branches, outcomes,
        # batch lists, bindings or expressions reads (a declared input nothing reads is an error)
        self.input_reads: set[tuple[str, str]] = set()
        self.calls_unknown: set[str] = (
            set()
        )  # controllers calling a pipe that cannot be resolved (or is broken)
        # what :meth:`spec` and :meth:`var_of` found for a spec string seen from a domain: each step of a sequence
        # reads its pipe's input and output specs, which that pipe's own check read already (a checker checks one
        # library once: the cache lives and dies with it)
        self._specs: dict[tuple[str, str], tuple[ConceptSpec, Concept] | None] = {}
        self._vars: dict[tuple[str, str], Var | None] = {}

    def note_read(self, entry: PipeEntry, name: str, var: Var | None) -> None:
        """``entry`` reads ``name`` from its memory: when that is still its own input (no step's result under
        the same name has replaced it), the input is used."""
        # (the origin's prefix first: most reads in a sequence are of earlier steps' results)
        if (
            var is not None
            and var.origin.startswith("the inputs of ")
            and var.origin == f"the inputs of {entry.code!r}"
        ):
            self.input_reads.add((entry.ref, name))

    def report(
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
            element = (
                _element_field().match(field) if field and field.startswith(("steps[", "branches[")) else None
            )
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
        key = (entry.domain, text)
        if key in self._specs:
            return self._specs[key]
        try:
            spec = ConceptSpec.parse(text)
        except SpecSyntaxError:
            found = None
        else:
            concept = self.library.resolve_concept(spec.concept_ref, entry.domain)
            found = (spec, concept) if concept is not None else None
        self._specs[key] = found
        return found

    def var_of(self, entry: PipeEntry, text: str) -> Var | None:
        """The :class:`Var` a spec string describes (a frozen record: the same one for the same spec and domain)."""
        key = (entry.domain, text)
        if key in self._vars:
            return self._vars[key]
        resolved = self.spec(entry, text)
        var: Var | None = None
        if resolved is not None:
            spec, concept = resolved
            # a list is never absent (empty when nothing is found): a '?' on one is the pipe's own
            # optional_marker_invalid, and makes nothing downstream optional
            var = Var(concept, spec.is_list, spec.item_count, spec.is_optional and not spec.is_list)
        self._vars[key] = var
        return var

    def resolve_ref(self, entry: PipeEntry, ref: str, field: str) -> PipeEntry | None:
        """Resolve a pipe reference from ``entry``, reporting why it cannot be."""
        local = self.library.local_pipe(ref, entry.domain)
        if local is not None:  # a bare code of a pipe of the entry's domain: resolved, nothing to report
            return local
        parts = pipe_ref_parts(ref)
        if parts is None:
            if "->" in ref or not ref:
                # a package call with no alias (``->domain.pipe``), or no reference at all
                self.report(
                    ErrorType.INVALID_PIPE_CODE_SYNTAX,
                    f"{ref!r} is not a valid pipe reference: write a "
                    "snake_case pipe code, optionally domain-qualified ('domain.pipe_code')",
                    entry,
                    field=field,
                )
            elif not self.library.is_broken_pipe(ref, entry.domain):
                # a name no pipe can have names no pipe: unresolved, as in the reference (the definition of a
                # pipe under such a name is the one invalid_pipe_code_syntax)
                self.report(
                    ErrorType.UNRESOLVED_PIPE_DEPENDENCY,
                    f"{ref!r} is not a pipe of this library, and no pipe can have that name{non_ascii_note(ref)}: "
                    "write the "
                    "snake_case code of a declared pipe, optionally domain-qualified ('domain.pipe_code')",
                    entry,
                    field=field,
                )
            self.calls_unknown.add(entry.ref)
            return None
        package, _, code = parts
        if package:
            self.report(
                ErrorType.UNRESOLVED_PACKAGE_DEPENDENCY,
                f"{ref!r} calls into the package "
                f"{package!r}, which no package manifest (METHODS.toml) of this library "
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
            self.report(
                ErrorType.UNRESOLVED_PIPE_DEPENDENCY,
                f"{ref!r} is not a pipe of this library: declare "
                f"[pipe.{code}] or fix the name (pipes of domain {domain!r}: "
                f"{_some(known)})",
                entry,
                field=field,
            )
        if target is None:
            self.calls_unknown.add(entry.ref)
        return target

    def check_makes(self, entry: PipeEntry, output: tuple[ConceptSpec, Concept], rule: OutputRule) -> bool:
        """An operator makes one kind of value: an output concept of another kind can never be produced.

        True when the output is a concept the operator makes (Dynamic and Anything are not checked: False).
        """
        concept = output[1]
        if concept.ref in ("native.Dynamic", "native.Anything"):
            return False
        concepts = self.library.concepts
        fits = False
        for code in rule.natives:  # a loop: an ``any(genexpr)`` left early raises GeneratorExit in it
            if concepts.refines(concept, concepts.concepts[f"native.{code}"]):
                fits = True
                break
        if not fits and rule.structured:
            fits = concepts.structure_of(concept) is not None
        if not fits:
            accepted = [repr(n) for n in rule.natives] + (["a structured concept"] if rule.structured else [])
            self.report(
                ErrorType.INADEQUATE_OUTPUT_CONCEPT,
                f"a {entry.blueprint.type} {rule.wording}, so its output "
                f"cannot be {entry.blueprint.output!r} ({concept.ref}): declare {' or '.join(accepted)}"
                f" (or a concept refining it), or use the operator that makes a {concept.code}",
                entry,
                field="output",
            )
        return fits

    def check_templates(
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
            misused = [
                (line, path) for line, path in inline_at_sigils(text) if path.split(".")[0] in all_declared
            ]
            if misused:
                unreadable = True
                self.report(
                    ErrorType.TEMPLATE_SYNTAX,
                    f"{field_name}: {inline_at_message(*misused[0])}",
                    entry,
                    field=field_name,
                )
                continue
            try:
                analysis = analyze(text)
            except TemplateSyntaxProblem as exc:
                unreadable = True
                self.report(
                    ErrorType.TEMPLATE_SYNTAX,
                    f"{field_name}: {exc}; fix the template",
                    entry,
                    field=field_name,
                )
                continue
            for private in sorted(analysis.private_names - runtime_names - STUFF_METADATA_FIELDS):
                self.report(
                    ErrorType.TEMPLATE_PRIVATE_NAME,
                    f"{field_name} reads {private!r}, a private name "
                    "(starting with '_') of the runtime: templates read the fields of declared inputs, "
                    f"their metadata ({', '.join(sorted(STUFF_METADATA_FIELDS))}) and the runtime "
                    "variables of the operator; remove it",
                    entry,
                    field=field_name,
                )
            for root in sorted(analysis.roots - all_declared - TEMPLATE_GLOBALS - runtime_names - constants):
                self.report(
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
                    self.report(
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
                    self.report(
                        ErrorType.EXTRANEOUS_INPUT_VARIABLE,
                        f"input {name!r} is declared but never used "
                        f"by the {' or '.join(k for k, v in templates.items() if v is not None) or 'pipe'}: "
                        "use it "
                        f"(e.g. ${name}) or remove it from `inputs`",
                        entry,
                        field=f"inputs.{name}",
                    )
        return roots_read

    def feed(
        self,
        entry: PipeEntry,
        where: str,
        target: PipeEntry,
        env: dict[str, Var],
        item: tuple[str, Var] | None = None,
        unknown: Set[str] = frozenset(),
        exact_lists: bool = False,
        pages_as_text_and_images: bool = True,
    ) -> bool:
        """Check that ``env`` satisfies ``target``'s inputs; return True when an absence lifts through it.

        ``unknown`` names values whose producer's error is already reported (a failed step's result, an
        unresolvable batch item): reading them reports nothing more. ``exact_lists``: a list input takes a list
        of its own multiplicity only (a parallel's branches: an ``X[]`` input does not take the parallel's
        ``X[2]``, as in the reference; a sequence's step does). ``pages_as_text_and_images``: a page fills a
        ``TextAndImages`` input (a sequence's steps, a batch's branch; not a condition's outcomes nor a parallel's
        branches, whose inputs the controller must declare as they are: the reference).
        """
        lifts = False
        for name, text in target.blueprint.input_specs().items():
            if not is_variable_name(
                name
            ):  # reported on ``target`` itself (invalid_input_name): nothing to feed
                continue
            if item is None or name != item[0]:
                self.note_read(entry, name, env.get(name))
            wanted = self.spec(target, text)
            if wanted is None:
                continue
            spec, concept = wanted
            if item is not None and name == item[0]:
                provided: Var | None = item[1]
            else:
                provided = env.get(name)
            if provided is None:
                if name in unknown:
                    continue
                self.report(
                    ErrorType.MISSING_INPUT_VARIABLE,
                    f"{where}: pipe {target.code!r} reads {name!r}, "
                    f"which {entry.code!r} neither declares in its inputs nor gets from an earlier step: "
                    f"declare it or produce it before this step"
                    + (
                        # an optional input may be absent when the pipe runs, but its name is still wired (as
                        # in the reference): the controller declares it too, optional itself if need be
                        f" (an optional input is wired like any other: declare {name} = '{text.strip()}' in "
                        f"the inputs of {entry.code!r})"
                        if spec.is_optional
                        else ""
                    ),
                    entry,
                    field=where,
                )
                continue
            if not self.library.concepts.is_compatible(provided.concept, concept) or (
                not pages_as_text_and_images
                and self.library.concepts.page_as_text_and_images(provided.concept, concept)
            ):
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
                    holder = self.holder(provided, entry)
                    stated, other = f"{holder} stores it as {held!r}", f"have {holder} store a {concept.code}"
                key = (entry.ref, name, provided.describe(), text.strip())
                if provided.origin.startswith("the inputs of") and key in self._input_mismatches:
                    self._also_reads(key, target.code)  # same root cause: the controller's declaration
                    continue
                self.report(
                    ErrorType.INPUT_STUFF_SPEC_MISMATCH,
                    f"{where}: pipe {target.code!r} reads {name!r} as "
                    f"{text.strip()!r} ({concept.ref}), but {stated} ({provided.concept.ref}). Declare the "
                    f"input as {held!r} in pipe {target.code!r} ({self.declared_at(target, 'inputs')}), or "
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
                    else f"{self.holder(provided, entry)} stores"
                )
                want = "a single item" if not spec.is_list else "a list"
                kind = "a list" if provided.is_list else "a single item"
                fix = f"declare the input as {held!r} in pipe {target.code!r} ({self.declared_at(target, 'inputs')})"
                if provided.is_list:
                    fix = f"batch over it (batch_over/batch_as) to take one item at a time, or {fix}"
                self.report(
                    ErrorType.INPUT_STUFF_SPEC_MISMATCH,
                    f"{where}: pipe {target.code!r} reads {name!r} as "
                    f"{want} ({text.strip()!r}), but {holder} {kind} ({held!r}, {provided.describe()}): {fix}",
                    entry,
                    field=where,
                )
            elif provided.item_count != spec.item_count and (
                spec.item_count is not None
                or (exact_lists and provided.is_list and not provided.items_are_lists)
            ):
                # a fixed-size input takes a list of exactly that size, never one whose length is only known at
                # run time (`X[]`, a batch's results, a list field) nor one of another size (as in the reference)
                held = provided.as_written(target.domain)
                holder = (
                    f"{entry.code!r} declares it as"
                    if provided.origin.startswith("the inputs of")
                    else f"{self.holder(provided, entry)} stores it as"
                )
                wanted = (
                    f"a list of exactly {spec.item_count}"
                    if spec.item_count is not None
                    else "a list of any length"
                )
                self.report(
                    ErrorType.INPUT_STUFF_SPEC_MISMATCH,
                    f"{where}: pipe {target.code!r} reads {name!r} as {wanted} "
                    f"({text.strip()!r}), but {holder} {held!r}: declare the input as {held!r} in pipe "
                    f"{target.code!r} ({self.declared_at(target, 'inputs')}), or give it "
                    f"'{text.strip()}'"
                    + (
                        ""
                        if spec.item_count is not None
                        else " (a branch of a parallel takes the multiplicity the parallel declares)"
                    ),
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
    def holder(var: Var, entry: PipeEntry) -> str:
        return var.origin or f"pipe {entry.code!r}"

    @staticmethod
    def declared_at(target: PipeEntry, field_name: str) -> str:
        """``file:line`` of a field of ``target``'s declaration (its table when the field has no line)."""
        line = target.source_map.field_line(target.code, field_name) or target.line
        file = Path(target.file).name if target.file else "<bundle>"
        return f"{file}:{line}" if line else file

    def output_var(
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
        if lifted and not var.maybe_absent and not var.is_list:  # (frozen: unchanged, the same value serves)
            # a pipe skipped for want of an input leaves nothing, but a list it would make is then an empty
            # list, not an absent value: absence does not flow on through lists (as in the reference)
            return replace(var, maybe_absent=True)
        return var

    def check_produced(
        self,
        entry: PipeEntry,
        declared: tuple[ConceptSpec, Concept] | None,
        produced: Var | None,
        what: str,
        *,
        multiplicity: bool = True,
    ) -> None:
        """The declared output takes what ``what`` produces: its concept, its multiplicity (unless
        ``multiplicity`` is False: a condition hands on its outcome's value, a batch collects whatever each
        branch made), and its absence."""
        if declared is None or produced is None:
            return
        spec, concept = declared
        if concept.ref == "native.Anything" and not spec.is_list:
            # "Anything" takes whatever the sub-pipe produces: any concept; it is one value (a JSON value but an
            # array), so where the multiplicity is checked a list does not fit it (the reference: a sequence
            # declaring 'Anything' whose last step makes a list is output_multiplicity_mismatch); a condition's
            # outcomes hand on any multiplicity (``multiplicity`` False)
            if multiplicity and produced.is_list:
                self.report(
                    ErrorType.INADEQUATE_OUTPUT_MULTIPLICITY,
                    f"the output is declared {entry.blueprint.output!r}, one value of any concept, but {what} "
                    f"produces {produced.describe()}: declare the list ('Anything' takes no list; name the "
                    "concept, e.g. 'Text[]')",
                    entry,
                    field="output",
                )
            if produced.maybe_absent and not spec.is_optional:
                self.report(
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
            self.report(
                ErrorType.INADEQUATE_OUTPUT_CONCEPT,
                f"the output is declared {entry.blueprint.output!r} "
                f"({concept.ref}), but {what} produces {produced.concept.ref}: make them agree",
                entry,
                field="output",
            )
        elif multiplicity and (
            spec.is_list != produced.is_list
            # a fixed-size output X[N] is made by a step making exactly N: not by one whose count is known only
            # at run time (X[], a batch), nor another size (as in the reference)
            or (spec.item_count is not None and produced.item_count != spec.item_count)
        ):
            self.report(
                ErrorType.INADEQUATE_OUTPUT_MULTIPLICITY,
                f"the output is declared "
                f"{entry.blueprint.output!r}, but {what} produces {produced.describe()}: make their "
                "multiplicities agree",
                entry,
                field="output",
            )
        if produced.maybe_absent and not spec.is_optional:
            self.report(
                ErrorType.OPTIONAL_NOT_HANDLED,
                f"{what} may produce nothing (an optional value is absent "
                f"upstream), but the output {entry.blueprint.output!r} is not optional: declare it "
                f"'{entry.blueprint.output}?', or guard the absence (an optional input, '!' to force it, or "
                "a PipeCondition)",
                entry,
                field="output",
            )

    def check_batch_names(
        self,
        entry: PipeEntry,
        where: str,
        batch_over: str | None,
        batch_as: str | None,
        *,
        allow_dotted_over: bool,
    ) -> bool:
        if (batch_over is None) != (batch_as is None) or batch_as == "":
            # a step of the schema's own shape (the reference: schema_violation, "carries `batch_over` without
            # `batch_as`")
            self.report(
                ErrorType.SCHEMA_VIOLATION,
                f"{where}: `batch_over` and `batch_as` go together: set both (a non-empty `batch_as`) or neither",
                entry,
                field=where,
            )
            return False
        if batch_over is None or batch_as is None:
            return True
        ok = True
        if not is_variable_name(batch_as):
            self.report(
                ErrorType.INVALID_INPUT_NAME,
                f"{where}: batch_as {batch_as!r} is not a plain input name{non_ascii_note(batch_as)}: "
                f"write a snake_case name (a lowercase letter first), undotted and not starting with "
                f"{RESERVED_NAME_PREFIX!r} (the "
                "name of the input the branch pipe reads)",
                entry,
                field=where,
            )
            ok = False
        if "." in batch_over and not allow_dotted_over:
            self.report(
                ErrorType.BINDING_STEP_INVALID,
                f"{where}: a parallel branch cannot batch over a dotted "
                f"path ({batch_over!r}): bind it in a sequence step first",
                entry,
                field=where,
            )
            ok = False
        elif not PATH_RE.match(batch_over):
            self.report(
                ErrorType.BINDING_STEP_INVALID,
                f"{where}: batch_over {batch_over!r} is not a name or a "
                "dotted path of field names (single dots, no brackets)",
                entry,
                field=where,
            )
            ok = False
        elif batch_over.startswith(RESERVED_NAME_PREFIX):
            self.report(
                ErrorType.INVALID_INPUT_NAME,
                f"{where}: batch_over {batch_over!r} starts with the reserved "
                f"prefix {RESERVED_NAME_PREFIX!r}: batch over a name of the sequence",
                entry,
                field=where,
            )
            ok = False
        if batch_over == batch_as:
            self.report(
                ErrorType.BATCH_ITEM_NAME_COLLISION,
                f"{where}: batch_over and batch_as are both "
                f"{batch_as!r}: name the item differently from the list (e.g. 'pages' and 'page')",
                entry,
                field=where,
            )
            ok = False
        return ok

    def batch_item(
        self,
        entry: PipeEntry,
        where: str,
        env: dict[str, Var],
        batch_over: str,
        unknown: Set[str] = frozenset(),
    ) -> Var | None:
        """The item a batch over ``batch_over`` hands each branch; None when it is not known (reported, or
        ``unknown``: its producer's error is already reported)."""
        root, *segments = batch_over.split(".")
        source = env.get(root)
        self.note_read(entry, root, source)
        if source is None:
            if root in unknown:
                return None
            self.report(
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
                self.report(
                    walked.error_type or ErrorType.BINDING_PATH_UNRESOLVED,
                    f"{where}: {walked.message}",
                    entry,
                    field=where,
                )
                return None
            source = walked.var
        if not source.is_list:
            self.report(
                ErrorType.INPUT_STUFF_SPEC_MISMATCH,
                f"{where}: batch_over {batch_over!r} holds a single "
                f"{source.concept.ref}, not a list: batch over a list",
                entry,
                field=where,
            )
            return None
        return source.item()

    def check_item_read(
        self, entry: PipeEntry, where: str, target: PipeEntry, item_name: str, key: str
    ) -> None:
        """A batched pipe declares the item among its inputs (the name it reads each item under): a batch whose
        pipe does not is refused, as in the reference (its PipeBatch: "Input item name ... not found in inputs of
        branch pipe"; its batched sequence step: the item's spec "not found")."""
        declared = {name.split(".", 1)[0] for name in target.blueprint.input_specs()}
        if item_name in declared:
            return
        self.report(
            ErrorType.SCHEMA_VIOLATION,
            f"{where}: {key} {item_name!r} is not an input of pipe {target.code!r} "
            f"(its inputs: {', '.join(sorted(declared)) or 'none'}): the pipe reads each item under that name; "
            f"declare {item_name} in its inputs ({self.declared_at(target, 'inputs')}), or set {key} to the name "
            "it reads the item under",
            entry,
            field=where,
        )

    def check_exact_inputs(
        self,
        entry: PipeEntry,
        env: dict[str, Var],
        uses: list[tuple[PipeEntry, tuple[str, str] | None]],
        *,
        last_decides: bool = False,
    ) -> None:
        """A PipeParallel's or PipeCondition's declared inputs are the concepts its branches or outcomes read,
        as they read them: a concept refining what they read (or one they would merely accept, as a text-like
        concept for another) is refused, as in the reference ("Pipe 'x' declares the input 'logo' as 'Visual',
        which its use does not accept. It accepts: Image."). ``uses``: each pipe called, with the name of the
        batch it makes (the input batched over, and the name the pipe reads each item under: the item's concept is
        the list's). A use reading ``Anything`` or ``Dynamic`` takes any
        concept; a mismatch :meth:`feed` reports already is not reported again. Uses reading one name as two
        concepts: with ``last_decides`` (a parallel's branches, in order) the last use reading it decides, as in
        the reference (branches reading `Image` then `Visual` take a `Visual`, not an `Image`; in the other order
        an `Image`); else (a condition's outcomes, where the reference's answer changes from one run to the next)
        any concept one of them reads is taken."""
        wanted: dict[
            str, dict[str, tuple[str, Concept]]
        ] = {}  # input name -> ref read -> (as written, concept)
        for target, batch in uses:
            for read, text in target.blueprint.input_specs().items():
                name = batch[0] if batch is not None and read == batch[1] else read
                if name not in env or not is_variable_name(read):
                    continue
                found = self.spec(target, text)
                if found is not None:
                    written = text.strip() if name == read else f"{text.strip()}[]"  # an item: the list's
                    if last_decides:
                        wanted[name] = {found[1].ref: (written, found[1])}
                    else:
                        wanted.setdefault(name, {}).setdefault(found[1].ref, (written, found[1]))
        concepts = self.library.concepts
        for name, reads in wanted.items():
            provided = env[name].concept
            if (
                provided.ref in reads
                or provided.ref in ("native.Anything", "native.Dynamic")
                or any(ref in ("native.Anything", "native.Dynamic") for ref in reads)
            ):
                continue
            if not all(
                concepts.is_compatible(provided, concept)
                and not concepts.page_as_text_and_images(provided, concept)
                for _, concept in reads.values()
            ):
                continue  # reported by feed: the concept does not fit at all
            accepted = ", ".join(f"{text!r}" for text, _ in reads.values())
            readers = (
                f"the last branch of {entry.code!r} reading it reads it as"
                if last_decides
                else f"the pipes {entry.code!r} runs read it as"
            )
            self.report(
                ErrorType.INPUT_STUFF_SPEC_MISMATCH,
                f"input {name!r} is declared as {env[name].as_written(entry.domain)!r} ({provided.ref}), but "
                f"{readers} {accepted}: a {entry.blueprint.type} declares its inputs "
                f"as the pipes it runs read them: declare {name} as {next(iter(reads.values()))[0]!r}",
                entry,
                field=f"inputs.{name}",
            )

    def check_call(
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
        exact_lists: bool = False,
        pages_as_text_and_images: bool = True,
    ) -> Var | None:
        """Check a call of ``target`` from a step or branch (batched when ``batch_over`` is set); its output
        (``exact_lists``, ``pages_as_text_and_images``: as for :meth:`feed`)."""
        item: tuple[str, Var] | None = None
        batched = batch_over is not None and batch_as is not None
        if batched and names_ok:
            item_var = self.batch_item(entry, where, env, batch_over or "", unknown)
            if item_var is not None:
                item = (batch_as or "", item_var)
            self.check_item_read(entry, where, target, batch_as or "", "batch_as")
        if batched and item is None:  # the batch problem is reported: the item is unknown, not missing
            unknown = unknown | {batch_as or ""}
        source = env.get(batch_over or "") if batched and exact_lists else None
        if source is not None and source.is_list and source.item_count is not None:
            # a parallel's branch takes the lists it reads as the parallel declares them, and a batch reads an
            # X[] (as in the reference, which a sequence's batched step does not ask)
            written = source.as_written(entry.domain)
            self.report(
                ErrorType.INPUT_STUFF_SPEC_MISMATCH,
                f"{where}: the branch batches over {batch_over!r}, which {entry.code!r} declares as {written!r}: "
                f"a parallel's batched branch takes a list of any length; declare it '{written.split('[')[0]}[]'",
                entry,
                field=where,
            )
        lifted = self.feed(
            entry,
            where,
            target,
            env,
            item,
            unknown,
            exact_lists=exact_lists,
            pages_as_text_and_images=pages_as_text_and_images,
        )
        return self.output_var(target, lifted=lifted, as_list=as_list, batched=batched)


def _some(names: list[str], shown: int = 20) -> str:
    """``names`` for a message: at most ``shown`` of them, then how many more (a message stays short)."""
    if not names:
        return "none"
    if len(names) <= shown:
        return ", ".join(names)
    return ", ".join(names[:shown]) + f" and {len(names) - shown} more"


def roots(inputs: dict[str, Var], owner: str = "") -> dict[str, Var]:
    """The undotted inputs of a controller, as what its memory holds first (their origin: its inputs)."""
    return {
        name: replace(var, origin=f"the inputs of {owner!r}" if owner else var.origin)
        for name, var in inputs.items()
        if "." not in name
    }
