"""The order of a report's errors: the order in which the reference checks a library.

We report every fault of a library in one pass; the reference stops at its first failing stage and reports
what that stage found. So that our first error is the one it reports, a report lists its errors stage by
stage, the way it checks (learnt by running it on bundles with two and three faults, see
``benchmarks/fidelity_bundles_order.py``):

1. reading each file: TOML syntax, an unreadable file, a package manifest;
2. the schema of each file, file by file: its header and concepts first, then the pipe table's keys (a pipe
   code that is not snake_case, a pipe with no type), then its pipes in the order the file writes them, each
   pipe's fields (type, input names, markers, keys, a batch's item name, template syntax) before what its
   template reads against its inputs (an operator's undeclared or unused input); a top-level key the bundle
   does not take last;
3. concept specs that do not parse (or ask for too many items);
4. ``main_pipe`` naming a pipe of the bundle;
5. concepts resolved (``refines``, structures, the concepts pipes name);
6. each pipe on its own, in order: its model, then private names in its templates, then optional inputs;
7. what the controllers' steps, branches and outcomes need that the controller does not get (its undeclared
   inputs), every controller's before the rest of the data flow;
8. the rest of the data flow through controllers, pipe by pipe: a controller's unused inputs, then what a step
   receives, its outputs, the pipes it calls, cycles;
9. the dry run.

Within a stage, errors keep the order in which they were found. Nothing is dropped, nothing added: only the
order changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelex.diagnostics import Diagnostic, ErrorType
from pipelex.language.blueprints.base import ControllerBlueprintBase
from pipelex.language.library import Library
from pipelex.language.parser import TOP_LEVEL_KEYS

_READ = 0
_SCHEMA = 1
_SPEC = 2
_MAIN_PIPE = 3
_RESOLUTION = 4
_OWN = 5
_FLOW_INPUTS = 6
_FLOW = 7
_RUN = 8

# the stage of each error type (a type not named here is a data-flow check: stage 8)
_STAGES: dict[str, int] = {
    ErrorType.TOML_SYNTAX: _READ,
    ErrorType.FILE_UNREADABLE: _READ,
    ErrorType.PACKAGE_INVALID: _READ,
    ErrorType.SCHEMA_VIOLATION: _SCHEMA,
    ErrorType.CONCEPT_CYCLE: _SCHEMA,  # found with the concepts' own fields, where it was a schema_violation
    ErrorType.UNKNOWN_PIPE_TYPE: _SCHEMA,
    ErrorType.MISSING_PIPE_TYPE: _SCHEMA,
    ErrorType.INVALID_PIPE_CODE_SYNTAX: _SCHEMA,
    ErrorType.INVALID_INPUT_NAME: _SCHEMA,
    ErrorType.BINDING_STEP_INVALID: _SCHEMA,
    ErrorType.BATCH_ITEM_NAME_COLLISION: _SCHEMA,
    ErrorType.NATIVE_CONCEPT_REDECLARATION: _SCHEMA,
    ErrorType.DUPLICATE_DECLARATION: _SCHEMA,
    ErrorType.OPTIONAL_MARKER_INVALID: _SCHEMA,
    ErrorType.TEMPLATE_SYNTAX: _SCHEMA,
    ErrorType.INVALID_CONCEPT_SPEC: _SPEC,
    ErrorType.LIMIT_EXCEEDED: _SPEC,
    ErrorType.UNRESOLVED_CONCEPT: _RESOLUTION,
    ErrorType.UNKNOWN_MODEL: _OWN,
    ErrorType.MODEL_UNSPECIFIED: _OWN,
    ErrorType.TEMPLATE_PRIVATE_NAME: _OWN,
    ErrorType.OPTIONAL_INPUT_UNGUARDED: _OWN,
    ErrorType.OPTIONAL_FORCE_REDUNDANT: _OWN,
    ErrorType.DRY_RUN_ERROR: _RUN,
    ErrorType.PIPE_OUTPUT_INVALID: _RUN,
    ErrorType.MOCK_UNSATISFIABLE: _RUN,
}
# an operator's template read against its inputs is part of its schema; a controller's is data flow
_TEMPLATE_INPUTS = frozenset({ErrorType.MISSING_INPUT_VARIABLE, ErrorType.EXTRANEOUS_INPUT_VARIABLE})
# within one pipe at stage 2: its fields, then its template against its inputs
# within one pipe at stage 6: its model, its templates' private names, its optional inputs
_OWN_RANK: dict[str, int] = {
    ErrorType.UNKNOWN_MODEL: 0,
    ErrorType.MODEL_UNSPECIFIED: 0,
    ErrorType.TEMPLATE_PRIVATE_NAME: 1,
}
_LAST = 1 << 30


def _stage(diagnostic: Diagnostic, controllers: set[tuple[str | None, str]]) -> int:
    if diagnostic.error_type in _TEMPLATE_INPUTS:
        if (diagnostic.file, diagnostic.pipe or "") not in controllers:
            return _SCHEMA
        return _FLOW_INPUTS if diagnostic.error_type == ErrorType.MISSING_INPUT_VARIABLE else _FLOW
    if (
        diagnostic.error_type == ErrorType.SCHEMA_VIOLATION
        and not diagnostic.pipe
        and diagnostic.field == "main_pipe"
    ):
        return _MAIN_PIPE
    return _STAGES.get(diagnostic.error_type, _FLOW)


def _of_the_pipe_table(d: Diagnostic) -> bool:
    """A fault of the ``[pipe]`` table's keys and kinds: a pipe code that is not snake_case (the table's key, not
    a reference to a pipe), a pipe with no ``type``."""
    if d.error_type == ErrorType.MISSING_PIPE_TYPE:
        return True
    return d.error_type == ErrorType.INVALID_PIPE_CODE_SYNTAX and d.field is None


def _unknown_top_level_key(library: Library, d: Diagnostic) -> bool:
    """The parser's error for a top-level key a bundle does not take (its field is the key)."""
    if not d.field or d.field in TOP_LEVEL_KEYS or d.line is None:
        return False
    return any(
        parsed.source_map.file == d.file and parsed.source_map.top_key_line(d.field) == d.line
        for parsed in library.bundles
    )


def ordered_errors(library: Library, errors: Sequence[Diagnostic]) -> list[Diagnostic]:
    """``errors`` in the reference's order of checks (see the module's docstring); the same errors."""
    if len(errors) < 2:
        return list(errors)
    files: dict[str | None, int] = {}
    pipe_lines: dict[tuple[str | None, str], int] = {}
    controllers: set[tuple[str | None, str]] = set()
    for parsed in library.bundles:
        file = parsed.source_map.file
        files.setdefault(file, len(files))
        if parsed.blueprint is None:
            continue
        for code, pipe_bp in parsed.blueprint.pipes.items():
            if isinstance(pipe_bp, ControllerBlueprintBase):
                controllers.add((file, code))

    def pipe_line(file: str | None, code: str) -> int:
        key = (file, code)
        if key not in pipe_lines:
            line = None
            for parsed in library.bundles:
                if parsed.source_map.file == file:
                    line = parsed.source_map.pipe_line(code)
                    break
            pipe_lines[key] = line if line is not None else _LAST
        return pipe_lines[key]

    def key(indexed: tuple[int, Diagnostic]) -> tuple[int, ...]:
        found, d = indexed
        stage = _stage(d, controllers)
        file = files.get(d.file, len(files))
        if stage == _READ or stage == _MAIN_PIPE or stage == _RUN:
            return (stage, file, found)
        if d.pipe:
            # the pipe table's own keys (a pipe code, a pipe without a type) before any pipe's contents
            place = (1, 0 if stage == _SCHEMA and _of_the_pipe_table(d) else 1, pipe_line(d.file, d.pipe))
        elif d.error_type == ErrorType.SCHEMA_VIOLATION and _unknown_top_level_key(library, d):
            place = (2, 0, d.line or 0)  # a top-level key the bundle does not take: after its pipes
        else:
            place = (0, 0, d.line or 0)  # the header and the concepts come before the pipes
        if stage == _SCHEMA:
            within = 1 if d.error_type in _TEMPLATE_INPUTS else 0
        elif stage == _OWN:
            within = _OWN_RANK.get(d.error_type, 2)
        elif stage == _FLOW:  # a controller's unused inputs before the rest of its data flow
            within = 0 if d.error_type == ErrorType.EXTRANEOUS_INPUT_VARIABLE else 1
        else:
            within = 0
        return (stage, file, *place, within, found)

    return [d for _, d in sorted(enumerate(errors), key=key)]


def leaf_first(library: Library, failed: Sequence[str]) -> list[str]:
    """The pipes ``failed`` (refs, in the sweep's order) whose dry run failed, the pipes where a fault lies first:
    a pipe before every controller above it that failed only because it runs that pipe.

    A controller's dry run runs its steps, so a fault in a step fails the step's own dry run and the dry run of
    every controller above it. The reference reports the pipe where the fault lies (the leaf); we report each pipe
    that failed, the leaf first. A pipe's rank is 0 when it runs no pipe that failed, else one more than the
    highest rank of the failed pipes it runs (through pipes that did not fail too); pipes of one rank keep the
    sweep's order (the file's).
    """
    from pipelex.pipes.kinds import sub_pipe_refs

    wanted = set(failed)
    ranks: dict[str, int] = {}

    def rank(ref: str, visiting: set[str]) -> int:
        """The rank of ``ref`` if it failed; for a pipe that did not, the highest rank below it (-1: none)."""
        if ref in ranks:
            return ranks[ref]
        entry = library.pipes.get(ref)
        below = -1
        if entry is not None:
            visiting.add(ref)
            for called in sub_pipe_refs(entry):
                target = library.resolve_pipe(called, entry.domain)
                if target is not None and target.ref not in visiting:
                    below = max(below, rank(target.ref, visiting))
            visiting.discard(ref)
        ranks[ref] = below + 1 if ref in wanted else below
        return ranks[ref]

    order = {ref: (rank(ref, set()), index) for index, ref in enumerate(failed)}
    return sorted(failed, key=order.__getitem__)
