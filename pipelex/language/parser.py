"""MTHDS text to a :class:`BundleBlueprint`, with every problem reported as a diagnostic.

Pure and synchronous: no file IO here (see :mod:`pipelex.language.loader`).
"""

from __future__ import annotations

import re
import tomllib
from typing import Any, Protocol

from pydantic import ValidationError

from pipelex.diagnostics import Diagnostic, ErrorType
from pipelex.language import toml_text
from pipelex.language.blueprint import (
    PIPE_CLASSES,
    PIPE_TYPES,
    SIGNATURE_TYPE,
    BundleBlueprint,
    ConceptBlueprint,
    PipeBlueprint,
    PipeBlueprintBase,
)
from pipelex.language.source_map import SourceMap
from pipelex.language.specs import CONCEPT_CODE_RE, DOMAIN_RE, PIPE_CODE_RE, is_concept_ref, non_ascii_note
from pipelex.narrowing import is_dict, is_json_object, is_list
from pipelex.record import Record

# the fields of a signature: a pipe written with these only (and no `type`) is a contract, not an implementation
SIGNATURE_KEYS = frozenset({"description", "inputs", "output", "signature_for"})
TOP_LEVEL_KEYS = frozenset(
    {"domain", "description", "system_prompt", "main_pipe", "concept", "pipe", "source"}
)
MAX_BUNDLE_BYTES = 10 * 1024 * 1024
# error-message patterns, compiled when a message needs them (``re`` keeps them compiled)
_TOML_POS = r"\(at line (\d+), column (\d+)\)"


class ParsedBundle(Record):
    """The result of parsing one bundle text."""

    blueprint: BundleBlueprint | None
    source_map: SourceMap
    diagnostics: list[Diagnostic]
    broken_pipes: set[str]
    broken_concepts: set[str]

    FIELDS = ("blueprint", "source_map", "diagnostics", "broken_pipes", "broken_concepts")

    def __init__(
        self,
        blueprint: BundleBlueprint | None,
        source_map: SourceMap,
        diagnostics: list[Diagnostic] | None = None,
        broken_pipes: set[str] | None = None,
        broken_concepts: set[str] | None = None,
    ) -> None:
        self.blueprint = blueprint
        self.source_map = source_map
        self.diagnostics = [] if diagnostics is None else diagnostics
        self.broken_pipes = set() if broken_pipes is None else broken_pipes
        self.broken_concepts = set() if broken_concepts is None else broken_concepts


class _Report(Protocol):
    """Records one diagnostic of the bundle being parsed (``diag`` in :func:`parse_bundle`)."""

    def __call__(
        self,
        error_type: str,
        message: str,
        *,
        line: int | None = None,
        pipe: str | None = None,
        field_name: str | None = None,
    ) -> None: ...


def _data_path(loc: tuple[Any, ...], data: Any, *, missing: bool) -> tuple[Any, ...]:
    """The part of pydantic's ``loc`` that indexes the data: union member tags ('str', 'InputSlot', ...) are
    dropped. For a ``missing`` error the last part is the absent key itself, and is kept."""
    kept: list[Any] = []
    current: object = data
    for index, part in enumerate(loc):
        if is_dict(current) and part in current:
            current = current[part]
        elif is_list(current) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        elif not (missing and index == len(loc) - 1):
            continue
        kept.append(part)
    return tuple(kept)


def collapse_union_errors(errors: list[Any], data: Any) -> list[dict[str, Any]]:
    """One error per data path: union alternatives are merged, and an alternative refused at a shallower path
    than another (the value had the other's shape) is dropped."""
    cleaned = [
        {
            **dict(err),
            "loc": _data_path(tuple(err.get("loc", ())), data, missing=err.get("type") == "missing"),
        }
        for err in errors
    ]
    locs = {err["loc"] for err in cleaned}
    deeper = [
        err
        for err in cleaned
        if not any(other != err["loc"] and other[: len(err["loc"])] == err["loc"] for other in locs)
    ]
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for err in deeper:
        seen = merged.get(err["loc"])
        if seen is None:
            merged[err["loc"]] = err
        elif err.get("msg") not in seen["msg"]:
            seen["msg"] = f"{seen['msg']} or {err.get('msg')}"
            seen["type"] = "union"
    return list(merged.values())


_PYDANTIC_WORDS = (
    (r"Input should be a valid dictionary( or instance of \w+)?", "an inline table ({ ... })"),
    (r"Input should be a valid (string|integer|number|boolean|list)", r"a \1"),
)


def _plain(message: str) -> str:
    """Pydantic's wording with our class names replaced by TOML words."""
    for pattern, words in _PYDANTIC_WORDS:
        message = re.sub(pattern, words, message)
    return message


def _describe_pydantic_error(err: dict[str, Any]) -> tuple[str, str]:
    loc = ".".join(str(part) for part in err.get("loc", ()) if not str(part).startswith("function-"))
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return loc, f"{loc!r} is not a known field here: remove it or check its spelling"
    if kind == "missing" and loc.endswith("template.category"):
        return loc, (
            f"{loc!r} is required: a template table names its category (basic, expression, html, markdown, "
            "mermaid, llm_prompt, img_gen_prompt); a bare template string is a basic one"
        )
    if kind == "missing":
        return loc, f"{loc!r} is required: add it"
    if loc.endswith("template.templating_style") and isinstance(err.get("input"), str):
        return loc, (
            f"{loc!r} must be a table in a template table (got {err.get('input')!r}): write "
            f'templating_style = {{ tag_style = "{err.get("input")}" }}'
        )
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return loc, f"{loc!r} has the value {err.get('input')!r}, which is not allowed; expected {expected}"
    if kind == "union":
        return loc, (
            f"{loc!r} has the value {err.get('input')!r}, which is none of the accepted forms: write "
            f"{_plain(str(err.get('msg')))}"
        )
    message = str(err.get("msg", "invalid value"))
    plain = _plain(message)
    if plain != message:
        return loc, f"{loc!r} must be {plain} (got {err.get('input')!r})"
    return loc, f"{loc!r}: {message} (got {err.get('input')!r})"


def toml_kind(value: object) -> str:
    """What a TOML value is, in TOML's words (a table, an array...), for a message."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"  # a date or a time


def parse_bundle(text: str, *, file: str | None = None) -> ParsedBundle:
    """Parse MTHDS ``text`` into a blueprint; never raises for bad input, returns diagnostics instead."""
    source_map = SourceMap(text, file)
    result = ParsedBundle(blueprint=None, source_map=source_map)

    def diag(
        error_type: str,
        message: str,
        *,
        line: int | None = None,
        pipe: str | None = None,
        field_name: str | None = None,
    ) -> None:
        result.diagnostics.append(
            Diagnostic(
                error_type=error_type, message=message, file=file, line=line, pipe=pipe, field=field_name
            )
        )

    if len(text) > MAX_BUNDLE_BYTES:
        diag(
            ErrorType.FILE_UNREADABLE,
            f"the bundle is {len(text) // (1024 * 1024)} MB, over the "
            f"{MAX_BUNDLE_BYTES // (1024 * 1024)} MB limit: a bundle is a small TOML document; split it into files",
        )
        return result
    if "\x00" in text:
        diag(ErrorType.FILE_UNREADABLE, "the file holds NUL bytes: it is binary, not a TOML bundle")
        return result
    if not text.strip():
        diag(
            ErrorType.SCHEMA_VIOLATION,
            'the bundle is empty: write at least `domain = "my_domain"` and one pipe',
            line=1,
        )
        return result
    if text.startswith("\ufeff"):
        diag(
            ErrorType.TOML_SYNTAX,
            "TOML syntax error at line 1, column 1: the file starts with a byte-order mark (U+FEFF), which is "
            "not TOML; save the file as UTF-8 without a BOM",
            line=1,
        )
        return result
    try:
        data = toml_text.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(_TOML_POS, message)
        line = int(match.group(1)) if match else None
        col = f", column {match.group(2)}" if match else ""
        where = f" at line {line}{col}" if line else ""
        if (
            line is None and "(at end of document)" in message
        ):  # a string or a table left open: where it opens
            line, quotes = source_map.end_line()
            message = (
                f"the multi-line string opened at line {line} is never closed: end it with {quotes}"
                if quotes
                else message.replace("(at end of document)", f"at the end of the file (line {line})")
            )
        message = re.sub(_TOML_POS, "", message).strip()
        if (
            message == "Illegal character '\\n'"
        ):  # tomllib's words for a one-line string its line does not close
            message += ' (a string its line does not close: close its quote, or put a text of several lines in triple quotes """)'
        diag(
            ErrorType.TOML_SYNTAX,
            f"TOML syntax error{where}: {message}; fix the TOML syntax there",
            line=line,
        )
        return result
    except RecursionError:
        diag(ErrorType.TOML_SYNTAX, "the TOML document nests too deeply to be read: flatten its tables")
        return result

    for key in data:
        if key not in TOP_LEVEL_KEYS:
            diag(
                ErrorType.SCHEMA_VIOLATION,
                f"unknown top-level key {key!r}: a bundle has only "
                f"{', '.join(sorted(TOP_LEVEL_KEYS - {'source'}))}: remove it or fix its name",
                line=source_map.top_key_line(key),
                field_name=key,
            )

    domain = data.get("domain")
    if domain is not None and not isinstance(domain, str):
        diag(
            ErrorType.SCHEMA_VIOLATION,
            f"`domain` must be a string, not {toml_kind(domain)}: "
            'write it quoted, e.g. `domain = "my_domain"`',
            line=source_map.top_key_line("domain") or 1,
        )
        domain_ok = False
    elif not isinstance(domain, str) or not domain:
        diag(
            ErrorType.SCHEMA_VIOLATION,
            'the bundle has no `domain`: add `domain = "my_domain"` at the top',
            line=1,
        )
        domain_ok = False
    elif not DOMAIN_RE.match(domain):
        diag(
            ErrorType.SCHEMA_VIOLATION,
            f"domain {domain!r} is not snake_case{non_ascii_note(domain)} (dotted parts allowed, e.g. "
            "'legal.contracts')",
            line=source_map.top_key_line("domain"),
        )
        domain_ok = False
    else:
        domain_ok = True

    header: dict[str, Any] = {}
    for key in ("description", "system_prompt", "main_pipe"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            diag(
                ErrorType.SCHEMA_VIOLATION,
                f'`{key}` must be a string, not {toml_kind(value)}: write it quoted, e.g. `{key} = "..."`',
                line=source_map.top_key_line(key),
            )
            continue
        header[key] = value
    main_pipe = header.get("main_pipe")
    # main_pipe names a pipe of this bundle by its code, as its [pipe.X] key: bare, never domain-qualified
    if main_pipe is not None and not PIPE_CODE_RE.match(main_pipe):
        bare = main_pipe.rpartition(".")[2]
        hint = (
            f"; main_pipe names a pipe of this bundle by its bare code: write main_pipe = {bare!r}"
            if "." in main_pipe and PIPE_CODE_RE.match(bare)
            else ""
        )
        diag(
            ErrorType.INVALID_PIPE_CODE_SYNTAX,
            f"main_pipe {main_pipe!r} is not a valid pipe code{non_ascii_note(main_pipe)}: pipe codes are "
            f"snake_case (lowercase letters, digits and underscores, starting with a letter){hint}",
            line=source_map.top_key_line("main_pipe"),
        )
        header.pop("main_pipe")

    concepts = _parse_concepts(data.get("concept"), source_map, result, diag)
    pipes = _parse_pipes(data.get("pipe"), source_map, result, diag)

    if domain_ok:
        # every part was validated above (the header's strings, each concept, each pipe by its own class):
        # assembling them needs no validator for the union of every pipe kind
        result.blueprint = BundleBlueprint.model_construct(
            domain=str(domain), concepts=concepts, pipes=pipes, source=file, **header
        )
    return result


def _parse_concepts(
    raw: object, source_map: SourceMap, result: ParsedBundle, diag: _Report
) -> dict[str, ConceptBlueprint]:
    concepts: dict[str, ConceptBlueprint] = {}
    if raw is None:
        return concepts
    if not is_json_object(raw):  # parsed TOML: table keys are strings
        diag(
            ErrorType.SCHEMA_VIOLATION,
            f"`concept` must be a table of concepts ([concept] or [concept.Name]), not {toml_kind(raw)}",
            line=source_map.top_key_line("concept"),
        )
        return concepts
    for code, value in raw.items():
        # the line is found only for a diagnostic: a valid bundle never builds the source map's index
        if not CONCEPT_CODE_RE.match(code):
            diag(
                ErrorType.SCHEMA_VIOLATION,
                f"concept code {code!r} is not PascalCase{non_ascii_note(code)}: write it like 'InvoiceLine'",
                line=source_map.concept_line(code),
            )
            result.broken_concepts.add(code)
            continue
        if isinstance(value, str):
            concepts[code] = ConceptBlueprint(description=value)
            continue
        if not is_json_object(value):
            diag(
                ErrorType.SCHEMA_VIOLATION,
                f"concept {code!r} must be a description string or a table",
                line=source_map.concept_line(code),
            )
            result.broken_concepts.add(code)
            continue
        try:
            blueprint = ConceptBlueprint.model_validate(value)
        except ValidationError as exc:
            for err in collapse_union_errors(exc.errors(), value):
                loc, message = _describe_pydantic_error(dict(err))
                diag(
                    ErrorType.SCHEMA_VIOLATION,
                    f"concept {code!r}: {message}",
                    line=source_map.concept_line(code),
                    field_name=loc,
                )
            result.broken_concepts.add(code)
            continue
        if blueprint.refines is not None and not is_concept_ref(blueprint.refines):
            # the reference: a schema violation ("must be a valid concept ref (domain.ConceptCode) or concept
            # code (PascalCase)"); a multiplicity or a presence marker has no meaning for a refinement
            diag(
                ErrorType.SCHEMA_VIOLATION,
                f"concept {code!r} refines {blueprint.refines!r}, which is not a concept reference: write a "
                "PascalCase concept, optionally domain-qualified (e.g. 'Text', 'legal.Clause'), without '[]' or '?'",
                line=source_map.concept_line(code),
                field_name="refines",
            )
            result.broken_concepts.add(code)
            continue
        if blueprint.refines is not None and blueprint.structure is not None:
            diag(
                ErrorType.SCHEMA_VIOLATION,
                f"concept {code!r} has both `refines` and `structure`: a concept "
                "either refines another or declares its own structure; keep one",
                line=source_map.concept_line(code),
            )
        concepts[code] = blueprint
    return concepts


def _parse_pipes(
    raw: object, source_map: SourceMap, result: ParsedBundle, diag: _Report
) -> dict[str, PipeBlueprint]:
    pipes: dict[str, PipeBlueprint] = {}
    if raw is None:
        return pipes
    if not is_json_object(raw):  # parsed TOML: table keys are strings
        diag(
            ErrorType.SCHEMA_VIOLATION,
            f"`pipe` must be a table of pipes ([pipe.my_pipe]), not {toml_kind(raw)}",
            line=source_map.top_key_line("pipe"),
        )
        return pipes
    for code, value in raw.items():
        # the line is found only for a diagnostic: a valid bundle never builds the source map's index
        if not PIPE_CODE_RE.match(code):
            diag(
                ErrorType.INVALID_PIPE_CODE_SYNTAX,
                f"pipe code {code!r} is not valid{non_ascii_note(code)}: pipe codes are snake_case "
                "(lowercase letters, digits and underscores, starting with a letter)",
                line=source_map.pipe_line(code),
                pipe=code,
            )
            result.broken_pipes.add(code)
            continue
        if not is_json_object(value):
            diag(
                ErrorType.SCHEMA_VIOLATION,
                f"pipe {code!r} must be a table ([pipe.{code}])",
                line=source_map.pipe_line(code),
                pipe=code,
            )
            result.broken_pipes.add(code)
            continue
        pipe_type = value.get("type")
        if pipe_type is None and set(value) <= SIGNATURE_KEYS and ({"output", "signature_for"} & set(value)):
            # A signature is a contract, not a pipe type: written without `type` and with no implementation
            # field (`signature_for` is an optional hint naming the intended type).
            if "signature_for" in value and not _signature_target_ok(code, value, source_map, result, diag):
                continue
            value = {**value, "type": SIGNATURE_TYPE}
            pipe_type = SIGNATURE_TYPE
        elif pipe_type == SIGNATURE_TYPE:
            diag(
                ErrorType.UNKNOWN_PIPE_TYPE,
                f'pipe {code!r}: `type = "PipeSignature"` is retired syntax; a '
                "signature is declared by `signature_for` alone: delete the `type` line and write "
                '`signature_for = "PipeLLM"` (or the pipe type it stands for)',
                line=source_map.field_line(code, "type"),
                pipe=code,
                field_name="type",
            )
            result.broken_pipes.add(code)
            continue
        if pipe_type is None:
            implementation = sorted(set(value) - SIGNATURE_KEYS)
            why = (
                f"it has implementation fields ({', '.join(repr(k) for k in implementation[:3])}), so it is not "
                "a signature"
                if implementation
                else "a signature declares at least its `output`"
            )
            diag(
                ErrorType.MISSING_PIPE_TYPE,
                f"pipe {code!r} has no `type`: add one of {', '.join(PIPE_TYPES)} "
                f"(without `type` a pipe is a signature, a contract of inputs and output only; {why})",
                line=source_map.pipe_line(code),
                pipe=code,
                field_name="type",
            )
            result.broken_pipes.add(code)
            continue
        cls = PIPE_CLASSES.get(pipe_type) if isinstance(pipe_type, str) else None
        if cls is None:
            diag(
                ErrorType.UNKNOWN_PIPE_TYPE,
                f"pipe {code!r} has the unknown type {pipe_type!r}: use one of {', '.join(PIPE_TYPES)}",
                line=source_map.field_line(code, "type"),
                pipe=code,
                field_name="type",
            )
            result.broken_pipes.add(code)
            continue
        if pipe_type == "PipeParallel" and not _parallel_branches_ok(code, value, source_map, result, diag):
            continue
        try:
            pipes[code] = _validate_pipe(cls, value)
        except ValidationError as exc:
            for err in collapse_union_errors(exc.errors(), value):
                loc, message = _describe_pydantic_error(dict(err))
                top = loc.split(".")[0] if loc else None
                diag(
                    ErrorType.SCHEMA_VIOLATION,
                    f"pipe {code!r} ({pipe_type}): {message}",
                    line=source_map.field_line(code, top) if top else source_map.pipe_line(code),
                    pipe=code,
                    field_name=loc or None,
                )
            result.broken_pipes.add(code)
    return pipes


def _signature_target_ok(
    code: str, value: dict[str, object], source_map: SourceMap, result: ParsedBundle, diag: _Report
) -> bool:
    """``signature_for`` names the pipe type the signature stands for (one of the runnable pipe types)."""
    target = value.get("signature_for")
    if isinstance(target, str) and target in PIPE_TYPES:
        return True
    diag(
        ErrorType.SCHEMA_VIOLATION,  # as the reference: a value outside the field's choices, not the pipe's type
        f"pipe {code!r}: signature_for {target!r} is not a pipe type: name the type "
        f"the signature stands for, one of {', '.join(PIPE_TYPES)}",
        line=source_map.field_line(code, "signature_for"),
        pipe=code,
        field_name="signature_for",
    )
    result.broken_pipes.add(code)
    return False


def _parallel_branches_ok(
    code: str, value: dict[str, object], source_map: SourceMap, result: ParsedBundle, diag: _Report
) -> bool:
    """Binding steps (``{from = ..., result = ...}``) belong to sequences; a parallel branch runs a pipe and names
    its result."""
    branches = value.get("branches")
    if not is_list(branches):
        return True
    ok = True
    for index, branch in enumerate(branches):  # counted from 0, like every `steps[i]`/`branches[i]` field
        if is_dict(branch) and "from" in branch:
            diag(
                ErrorType.BINDING_STEP_INVALID,
                f"pipe {code!r} (PipeParallel): branches[{index}] is a binding step "
                f"(`from = {branch.get('from')!r}`), but binding steps exist only in a PipeSequence: bind the value "
                "in a sequence step before the parallel, and give each branch a `pipe`",
                line=source_map.element_line(code, "branches", index + 1),
                pipe=code,
                field_name=f"branches[{index}]",
            )
            ok = False
        elif is_dict(branch) and "pipe" in branch and "result" not in branch:
            # as in the reference: a branch's output is known by its result name (a sequence step's defaults to the
            # pipe's code; a branch's does not)
            diag(
                ErrorType.SCHEMA_VIOLATION,
                f"pipe {code!r} (PipeParallel): branches[{index}] has no `result`: name what the branch makes "
                f'(`{{ pipe = {branch.get("pipe", "...")!r}, result = "..." }}`), the name the parallel\'s output '
                "holds it under",
                line=source_map.element_line(code, "branches", index + 1),
                pipe=code,
                field_name=f"branches[{index}].result",
            )
            ok = False
    if not ok:
        result.broken_pipes.add(code)
    return ok


def _validate_pipe(cls: type[PipeBlueprintBase], value: dict[str, Any]) -> PipeBlueprint:
    # Validating against the concrete class gives errors without the union's discriminator noise.
    return cls.model_validate(value)  # type: ignore[return-value]  # each class is a member of the union
