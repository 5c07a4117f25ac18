"""``POST /v1/pipe-io`` and ``POST /v1/resolve``: what a pipe takes and gives, read from the loaded library.

Nothing runs: the method is parsed and its references resolved (the static core ``/validate`` starts
with), then each selected pipe is described in the standard's three artifacts, built through ``mthds``'
own models so their closed shapes are checked here before they leave:

- ``pipe_io_contracts``: per input, the concept, presence marker, multiplicity, item count and the JSON
  Schema of the payload; the same for the output;
- ``input_form``: one field descriptor per input, its kind read from the concept (text, number, date,
  image, document, an object of the structure's fields, a list of those) with ``required`` and ``gating``;
- ``output_form``: the output described the same way.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from pipelex.api.problems import ApiProblem, diagnostic_item
from pipelex.api.protocol.files import MethodSources
from pipelex.language.library import Library, PipeEntry
from pipelex.language.specs import ConceptSpec, Multiplicity, Presence

_PRESENCE = {Presence.REQUIRED: "plain", Presence.OPTIONAL: "optional", Presence.FORCED: "force"}
_NATIVE_KINDS = {
    "Text": "text",
    "Markdown": "prose",
    "Html": "prose",
    "Number": "number",
    "Image": "image",
    "Document": "document",
    "PDF": "document",
}


def load(sources: MethodSources) -> Library:
    """The library of the request's bundles (parsed and resolved; no static checks, no dry run)."""
    from pipelex.language.library import build_library

    return build_library(list(zip(sources.texts, sources.names, strict=True)))


def invalid_answer(library: Library, sources: MethodSources) -> dict[str, Any] | None:
    """The invalid arm when the method does not load (its parse and schema errors), else None."""
    from pipelex.diagnostics import Severity

    errors = [d for d in library.diagnostics if d.severity is Severity.ERROR]
    if not errors:
        return None
    items = [
        diagnostic_item(d, rename=sources.rename).model_dump(mode="json", exclude_none=True) for d in errors
    ]
    return {
        "is_valid": False,
        "errors": items,
        "message": f"the method does not load: {len(items)} error(s) in {', '.join(sources.names)}",
    }


def select_pipes(
    library: Library, pipe_ref: str | None, *, all_pipes: bool
) -> tuple[str | None, list[PipeEntry]]:
    """The pipe the request selects (or every pipe), refusing an unknown or missing selection."""
    if all_pipes:
        return None, list(library.pipes.values())
    if pipe_ref is not None:
        entry = library.resolve_pipe(pipe_ref)
        if entry is None:
            known = sorted(library.pipes)
            raise ApiProblem(
                "input-invalid",
                f"the method declares no pipe {pipe_ref!r} (or names it ambiguously); its pipes: "
                f"{', '.join(known) or 'none'}",
                code="request.pipe_not_found",
                params={"pipe": pipe_ref, "suggestions": known[:10]},
            )
        return entry.ref, [entry]
    main = library.main_pipe
    if main is None:
        known = sorted(library.pipes)
        raise ApiProblem(
            "input-invalid",
            "the request names no `pipe_ref` and the method has no `main_pipe`: name the pipe "
            f"(one of {', '.join(known) or 'none'}), or ask for `all_pipes`",
            code="request.pipe_unspecified",
            params={"candidates": known[:10]},
        )
    return main.ref, [main]


def pipe_io_answer(
    library: Library, sources: MethodSources, *, pipe_ref: str | None, all_pipes: bool, include_files: bool
) -> dict[str, Any]:
    """The ``/pipe-io`` valid arm for the selected pipe (or every pipe)."""
    selected, entries = select_pipes(library, pipe_ref, all_pipes=all_pipes)
    contracts: dict[str, Any] = {}
    input_form: dict[str, Any] = {}
    output_form: dict[str, Any] = {}
    for entry in entries:
        contracts[entry.ref], input_form[entry.ref], output_form[entry.ref] = describe_pipe(library, entry)
    pending = sorted(e.ref for e in library.pipes.values() if e.is_signature)
    main = library.main_pipe
    answer: dict[str, Any] = {
        "is_valid": True,
        "pipe_ref": selected,
        "pipe_io_contracts": contracts,
        "input_form": input_form,
        "output_form": output_form,
        "default_pipe_ref": main.ref if main is not None else None,
        "pending_signatures": pending,
        "is_runnable": selected is not None and selected not in pending,
    }
    if include_files:
        answer["files"] = dict(zip(sources.names, sources.texts, strict=True))
    return answer


def describe_pipe(
    library: Library, entry: PipeEntry
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The pipe's I/O contract, input form and output form, checked against the standard's models."""
    from mthds.protocol.input_form import PipeInputFormDescriptor
    from mthds.protocol.output_form import PipeOutputFormDescriptor
    from mthds.protocol.pipe_io_contracts import PipeIOContract

    inputs: dict[str, Any] = {}
    fields: list[dict[str, Any]] = []
    for name, text in entry.blueprint.input_specs().items():
        spec = ConceptSpec.parse(text)
        concept = library.resolve_concept(spec.concept_ref, entry.domain)
        if concept is None:
            continue  # an unresolved concept is a diagnostic of /validate; nothing to describe
        schema = _slot_schema(library, concept, spec)
        presence = _PRESENCE[spec.presence]
        inputs[name] = {
            "concept_ref": concept.ref,
            "presence": presence,
            "multiplicity": spec.multiplicity.value,
            "item_count": spec.item_count,
            "json_schema": schema,
        }
        optional = spec.presence is Presence.OPTIONAL
        node = _slot_node(library, concept, spec, required=not optional)
        node.update(
            name=name,
            presence=presence,
            gating=not optional and spec.multiplicity is not Multiplicity.VARIABLE,
        )
        fields.append(node)
    output_spec = ConceptSpec.parse(entry.blueprint.output)
    output_concept = library.resolve_concept(output_spec.concept_ref, entry.domain)
    optional_output = output_spec.presence is Presence.OPTIONAL
    if output_concept is None:  # pragma: no cover - a pipe with an unresolved output does not load
        raise ApiProblem(
            "bundle-invalid", f"pipe {entry.ref} outputs an unknown concept {output_spec.concept_ref!r}"
        )
    output = {
        "concept_ref": output_concept.ref,
        "multiplicity": output_spec.multiplicity.value,
        "item_count": output_spec.item_count,
        "optional": optional_output,
        "json_schema": _slot_schema(library, output_concept, output_spec),
    }
    output_node = _slot_node(library, output_concept, output_spec, required=not optional_output)
    output_node["name"] = "output"
    contract = PipeIOContract.model_validate({"inputs": inputs, "output": output})
    form = PipeInputFormDescriptor.model_validate({"fields": fields})
    out_form = PipeOutputFormDescriptor.model_validate({"field": output_node})
    return contract.model_dump(mode="json"), form.model_dump(mode="json"), out_form.model_dump(mode="json")


# a content model's JSON Schema, made once per model (pydantic makes it again at each call, ~3.5 ms for a small
# structure): `all_pipes` over 15,000 pipes of 50 concepts made it 90,000 times, 205 s of a worker's deadline
_SCHEMAS: WeakKeyDictionary[type, dict[str, Any]] = WeakKeyDictionary()


def concept_schema(library: Library, concept: Any) -> dict[str, Any]:
    """The JSON Schema of ``concept``'s content model (shared: read it, never change it)."""
    model = library.concepts.content_model(concept)
    schema = _SCHEMAS.get(model)
    if schema is None:
        schema = _SCHEMAS[model] = model.model_json_schema()
    return schema


def _slot_schema(library: Library, concept: Any, spec: ConceptSpec) -> dict[str, Any]:
    schema = concept_schema(library, concept)
    if spec.multiplicity is Multiplicity.SINGLE:
        return schema
    array: dict[str, Any] = {"type": "array", "items": schema}
    if spec.multiplicity is Multiplicity.FIXED and spec.item_count is not None:
        array.update(minItems=spec.item_count, maxItems=spec.item_count)
    return array


def _slot_node(library: Library, concept: Any, spec: ConceptSpec, *, required: bool) -> dict[str, Any]:
    element = _concept_node(library, concept, required=required)
    if spec.multiplicity is Multiplicity.SINGLE:
        return element
    node: dict[str, Any] = {
        "kind": "list",
        "concept_ref": concept.ref,
        "required": required,
        "item": {**element, "required": True},
    }
    for key in ("refines", "description"):
        if key in element:
            node[key] = element[key]
    if spec.multiplicity is Multiplicity.FIXED and spec.item_count is not None and spec.item_count >= 2:
        node["item_count"] = spec.item_count
    return node


def _concept_node(library: Library, concept: Any, *, required: bool) -> dict[str, Any]:
    """A concept-typed node: its kind from the native it refines, or an object of its structure's fields."""
    node: dict[str, Any] = {"concept_ref": concept.ref, "required": required}
    chain = [c.ref for c in library.concepts.ancestry(concept)[1:]]
    if chain:
        node["refines"] = chain
    if concept.description:
        node["description"] = concept.description
    base = library.concepts.native_base(concept)
    if library.concepts.structure_of(concept) is None and base is not None and base.code in _NATIVE_KINDS:
        node["kind"] = _NATIVE_KINDS[base.code]
        if node["kind"] == "number":
            node["integer"] = False
        return node
    if base is not None and base.code == "Date" and library.concepts.structure_of(concept) is None:
        node.update(kind="date", datetime=False)
        return node
    schema = concept_schema(library, concept)
    return {**node, **_schema_node(schema, schema.get("$defs", {}), required=required, depth=0)}


def _schema_node(
    schema: dict[str, Any], defs: dict[str, Any], *, required: bool, depth: int
) -> dict[str, Any]:
    """A nested (not concept-typed) node read from a JSON Schema."""
    if depth > 16:
        return {"kind": "unknown", "required": required}
    if "$ref" in schema:
        target = defs.get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
        return _schema_node(
            {**target, **{k: v for k, v in schema.items() if k != "$ref"}},
            defs,
            required=required,
            depth=depth + 1,
        )
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        merged = {**options[0], **{k: v for k, v in schema.items() if k != "anyOf"}}
        return _schema_node(merged, defs, required=required, depth=depth + 1)
    node: dict[str, Any] = {"required": required}
    if isinstance(schema.get("description"), str):
        node["description"] = schema["description"]
    kind = schema.get("type")
    if isinstance(schema.get("enum"), list) and all(isinstance(c, str) for c in schema["enum"]):
        node.update(kind="enum", choices=list(schema["enum"]))
    elif kind == "string" and schema.get("format") in ("date", "date-time"):
        node.update(kind="date", datetime=schema["format"] == "date-time")
    elif kind == "string":
        node["kind"] = "text"
    elif kind in ("integer", "number"):
        node.update(kind="number", integer=kind == "integer")
    elif kind == "boolean":
        node["kind"] = "boolean"
    elif kind == "array":
        node.update(
            kind="list", item=_schema_node(schema.get("items", {}), defs, required=True, depth=depth + 1)
        )
    elif kind == "object" and isinstance(schema.get("properties"), dict):
        needed = set(schema.get("required", []))
        node.update(
            kind="object",
            fields=[
                {"name": name, **_schema_node(prop, defs, required=name in needed, depth=depth + 1)}
                for name, prop in schema["properties"].items()
            ],
        )
    else:
        node["kind"] = "unknown"
    return node


def resolve_answer(library: Library, sources: MethodSources) -> dict[str, Any]:
    """``/resolve``'s valid arm: the library as loaded, every concept and pipe under its qualified reference."""
    concepts: dict[str, dict[str, Any]] = {
        c.ref: {
            "code": c.code,
            "domain": c.domain,
            "description": c.description,
            "refines": [a.ref for a in library.concepts.ancestry(c)[1:]],
            "json_schema": concept_schema(library, c),
        }
        for c in library.concepts.concepts.values()
        if not c.is_native
    }
    pipes = {
        ref: {
            "code": e.code,
            "domain": e.domain,
            "type": e.blueprint.type,
            "description": e.blueprint.description,
            "inputs": dict(e.blueprint.input_specs()),
            "output": e.blueprint.output,
            "file": sources.name_of(e.file),
            "line": e.line,
        }
        for ref, e in sorted(library.pipes.items())
    }
    main = library.main_pipe
    crate = {
        "domains": sorted(
            {e.domain for e in library.pipes.values()} | {c["domain"] for c in concepts.values()}
        ),
        "main_pipe": main.ref if main is not None else None,
        "concepts": concepts,
        "pipes": pipes,
        "files": list(sources.names),
    }
    return {
        "is_valid": True,
        "crate": crate,
        "message": f"the method resolves: {len(pipes)} pipe(s), {len(concepts)} concept(s)",
    }


def validation_artifacts(sources: MethodSources, views: list[str]) -> dict[str, Any]:
    """The standard's recommended extension fields of a valid ``/validate`` verdict.

    ``default_pipe_ref`` and ``pipe_io_contracts`` (every pipe, signatures included) always; ``input_form`` and
    ``output_form`` when ``views`` asks for them. A pipe this module cannot describe leaves the artifacts out
    (logged): a partial ``pipe_io_contracts`` would claim to cover every pipe.
    """
    import logging

    library = load(sources)
    if invalid_answer(library, sources) is not None:  # pragma: no cover - the verdict was valid
        return {}
    main = library.main_pipe
    artifacts: dict[str, Any] = {"default_pipe_ref": main.ref if main is not None else None}
    contracts: dict[str, Any] = {}
    forms: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for entry in library.pipes.values():
        try:
            contracts[entry.ref], forms[entry.ref], outputs[entry.ref] = describe_pipe(library, entry)
        except (
            Exception
        ) as exc:  # a gap of this module, not of the method: the verdict stands without artifacts
            logging.getLogger("pipelex.api").warning("no I/O artifacts for pipe %s: %s", entry.ref, exc)
            return artifacts
    artifacts["pipe_io_contracts"] = contracts
    if "input_form" in views:
        artifacts["input_form"] = forms
    if "output_form" in views:
        artifacts["output_form"] = outputs
    return artifacts


# ---------------------------------------------------------------------------------------------------- worker entries
# Loading a method is work an untrusted bundle decides (a chain of 4,000 refinements answers 77 MB from /resolve):
# the routes run these in a worker process, under the bounds of a validation (ApiBackend.call).
def _json(answer: dict[str, Any]) -> bytes:
    import json

    return json.dumps(answer, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def pipe_io_json(sources: MethodSources, pipe_ref: str | None, all_pipes: bool, include_files: bool) -> bytes:
    """``/v1/pipe-io``'s answer as JSON: the invalid arm, or the pipe's (or every pipe's) I/O."""
    library = load(sources)
    invalid = invalid_answer(library, sources)
    if invalid is not None:
        return _json(invalid)
    return _json(
        pipe_io_answer(library, sources, pipe_ref=pipe_ref, all_pipes=all_pipes, include_files=include_files)
    )


def resolve_json(sources: MethodSources) -> bytes:
    """``/v1/resolve``'s answer as JSON: the invalid arm, or the library as loaded."""
    library = load(sources)
    return _json(invalid_answer(library, sources) or resolve_answer(library, sources))
