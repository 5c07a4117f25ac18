"""The JSON Schema of the ``.mthds`` format, for editors (Taplo / Even Better TOML) and other tools.

Built from the blueprint models, so it accepts what the parser accepts and refuses unknown keys the same way:
completion of field names, hover docs and typo flags while typing. Cross-references (a concept or pipe that
does not exist, an unused input...) are beyond a schema: ``pipelex validate`` checks them.

The schema is draft-07 with ``definitions`` (the dialect TOML language servers read).
"""

from __future__ import annotations

from typing import Any

from pipelex.language import blueprint as bp
from pipelex.narrowing import is_json_object, is_list

_SPEC_PATTERN = r"^\s*(?:[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*\.)?[A-Z][A-Za-z0-9]*(?:\[[0-9]*\])?[?!]?\s*$"

# hover docs of the fields, by field name (a field means the same thing in every pipe type that has it)
_DOCS: dict[str, str] = {
    "type": "The pipe type: an operator (PipeLLM, PipeImgGen, PipeExtract, PipeFunc, PipeCompose, PipeSearch, "
    "PipeStructure, PipeJudge, PipeDocGen) or a controller (PipeSequence, PipeParallel, PipeCondition, "
    "PipeBatch). A signature (a contract only) has no `type`.",
    "description": "What this is for, in one sentence.",
    "inputs": "Input name -> concept spec: 'Concept', 'domain.Concept', with '[]' (a list), '[N]' (exactly N), "
    "'?' (optional) or '!' (force an optional value present).",
    "output": "The concept spec of the output, e.g. 'Text', 'Summary', 'Idea[]', 'Headline[3]', 'Text?'.",
    "prompt": "The prompt template: $var inserts a value inline, @var a tagged block (alone on its line), "
    "@?var a block only when the optional input is present; Jinja2 is allowed.",
    "system_prompt": "The system prompt (a template, like prompt); overrides the bundle's system_prompt.",
    "model": "A model reference: '$preset', '@alias', '~waterfall' or a model handle; or an inline settings "
    "table { model = ..., temperature = ..., max_tokens = ..., reasoning_effort = ... }.",
    "model_to_structure": "The model that turns the draft text into the structured output (preliminary_text).",
    "structuring_method": "'direct' (one structured call) or 'preliminary_text' (write text, then structure it).",
    "templating_style": "How @var blocks are tagged: xml (default), ticks, square_brackets, no_tag; or a table "
    "{ tag_style = ..., text_format = plain|markdown|html|json } that also sets how values "
    "are written.",
    "negative_prompt": "What the image must not show.",
    "aspect_ratio": "The image's aspect ratio, e.g. square, landscape_16_9, portrait_3_4.",
    "function_name": "The Python function to call, as an import path: 'my_package.module.function'.",
    "template": "The template to render ($var, @var, @?var, Jinja2), or a table { template, category, "
    "templating_style, extra_context }.",
    "construct": "Build a structured output field by field: a literal, { from = 'input.path' }, "
    "{ template = '...' }, or a nested table.",
    "steps": "The steps, run in order: { pipe, result, batch_over, batch_as, nb_output, multiple_output } runs a "
    "pipe; { from = 'a.b', result = 'x' } binds a value.",
    "branches": "The branches, run concurrently: { pipe, result, batch_over, batch_as }.",
    "add_each_output": "Also store each branch's result under its own name (default false).",
    "expression": "A Jinja2 expression (no braces) whose value picks the outcome, e.g. 'ticket.priority'.",
    "expression_template": "A Jinja2 template rendering to the outcome's key.",
    "outcomes": "Outcome value -> pipe to run.",
    "default_outcome": "The pipe to run when no outcome matches, or 'fail' (stop with an error) or 'continue' "
    "(run nothing: declare the output optional, 'X?').",
    "add_alias_from_expression_to": "Store the evaluated expression in working memory under this name.",
    "branch_pipe_code": "The pipe run once per item.",
    "input_list_name": "The input holding the list (declared 'X[]' in inputs).",
    "input_item_name": "The name under which the branch pipe reads one item.",
    "pipe": "The code of the pipe to run: 'pipe_code', 'domain.pipe_code' or 'alias->domain.pipe_code'.",
    "result": "The name the output is stored under in working memory.",
    "from": "A binding step: the path of the value to bind, e.g. 'invoice.total'.",
    "batch_over": "Run the pipe once per item of this list (a name, or a dotted path in a sequence).",
    "batch_as": "The name of one item, as the batched pipe reads it.",
    "nb_output": "Ask the pipe for exactly this many outputs.",
    "multiple_output": "Ask the pipe for a list of outputs of any length.",
    "signature_for": "A signature (a pipe's contract, written without `type`, not yet implemented): the pipe "
    "type it will have. An optional hint.",
}


def mthds_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of one ``.mthds`` file."""
    definitions: dict[str, Any] = {}
    pipe_refs: list[dict[str, Any]] = []
    for type_name, model in bp.PIPE_CLASSES.items():
        schema = _inline(model.model_json_schema(by_alias=True), definitions)
        schema.pop("title", None)
        _document(schema)
        schema["properties"]["inputs"]["additionalProperties"] = {
            "anyOf": [{"type": "string", "pattern": _SPEC_PATTERN}, {"$ref": "#/definitions/InputSlot"}]
        }
        definitions[type_name] = schema
        if (
            type_name == bp.SIGNATURE_TYPE
        ):  # written without `type`; `signature_for = "PipeLLM"` is an optional hint
            del schema["properties"]["type"]
            schema["required"] = [r for r in schema.get("required", []) if r != "type"]
            schema["properties"]["signature_for"] = {
                "enum": list(bp.PIPE_TYPES),
                "description": _DOCS["signature_for"],
            }
            continue
        pipe_refs.append(
            {
                "if": {"properties": {"type": {"const": type_name}}, "required": ["type"]},
                "then": {"$ref": f"#/definitions/{type_name}"},
            }
        )
    concept = _inline(bp.ConceptBlueprint.model_json_schema(by_alias=True), definitions)
    concept.pop("title", None)
    concept["properties"]["description"]["description"] = "What the concept means, in one sentence."
    concept["properties"]["refines"]["description"] = (
        "The concept this one specialises: a native (Text, Image, Document...) or a concept of the library."
    )
    concept["properties"]["structure"]["description"] = (
        "The fields of a structured concept: name = 'description' "
        "(a text field) or { type, description, required, ... }."
    )
    definitions["Concept"] = concept
    schema = _by_json_type(
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "title": "MTHDS bundle (.mthds)",
            "description": "A bundle of typed concepts and pipes. The language guide: docs/language.md.",
            "type": "object",
            "additionalProperties": False,
            "required": ["domain"],
            "properties": {
                "domain": {
                    "type": "string",
                    "pattern": r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$",
                    "description": "The bundle's domain: snake_case, may be dotted ('legal.contracts').",
                },
                "description": {"type": "string", "description": "What the bundle does."},
                "system_prompt": {
                    "type": "string",
                    "description": "The default system prompt of the bundle's PipeLLMs.",
                },
                "main_pipe": {
                    "type": "string",
                    "description": "The pipe `pipelex run bundle` runs by default.",
                },
                "concept": {
                    "type": "object",
                    "description": "Concepts: Name = 'description' (a text-like concept), or [concept.Name] tables.",
                    "propertyNames": {"pattern": r"^[A-Z][A-Za-z0-9]*$"},
                    "additionalProperties": {
                        "anyOf": [{"type": "string"}, {"$ref": "#/definitions/Concept"}]
                    },
                },
                "pipe": {
                    "type": "object",
                    "description": "Pipes: [pipe.code] tables, discriminated by `type`.",
                    "propertyNames": {"pattern": r"^[a-z][a-z0-9_]*$"},
                    "additionalProperties": {
                        "type": "object",
                        "required": ["description", "output"],
                        "properties": {"type": {"enum": list(bp.PIPE_TYPES), "description": _DOCS["type"]}},
                        # without `type`, a pipe is a signature: its contract only (signature_for is a hint)
                        "if": {"not": {"required": ["type"]}},
                        "then": {"$ref": f"#/definitions/{bp.SIGNATURE_TYPE}"},
                        "else": {"required": ["type"], "allOf": pipe_refs},
                    },
                },
            },
            "definitions": definitions,
        }
    )
    _add_completion_hints(schema)
    return schema


def _add_completion_hints(schema: dict[str, Any]) -> None:
    """Name every possible field (with its doc) where the exact rules sit behind ``if``/``then``.

    Editors complete from ``properties``; validation stays with the branches (each refuses what its pipe type or
    concept form does not have), so these hints carry descriptions only, never constraints.
    """
    definitions = schema["definitions"]
    pipe = schema["properties"]["pipe"]["additionalProperties"]
    hints: dict[str, Any] = {}
    for name in [*bp.PIPE_TYPES, bp.SIGNATURE_TYPE]:
        for field_name, prop in definitions[name]["properties"].items():
            hints.setdefault(field_name, {"description": prop.get("description", field_name)})
    pipe["properties"] = {**hints, **pipe["properties"]}
    concept = schema["properties"]["concept"]["additionalProperties"]
    concept["properties"] = {
        k: {"description": v.get("description", k)} for k, v in definitions["Concept"]["properties"].items()
    }


def _by_json_type(node: Any) -> Any:
    """Turn each ``anyOf`` whose branches differ by JSON type into ``if``/``then``/``else`` on that type.

    A value that fits no branch of an ``anyOf`` gets one vague message at the union; with the type chosen first,
    a typo inside a concept table is reported at the typo (``structure.minutes.type``), in editors too.
    """
    if is_list(node):
        return [_by_json_type(v) for v in node]
    if not is_json_object(node):  # a JSON schema: keys are strings
        return node
    node = {k: _by_json_type(v) for k, v in node.items()}
    branches = node.get("anyOf")
    if not is_list(branches):
        return node
    kinds = [_json_type(b) for b in branches]
    if None in kinds or len(set(kinds)) != len(kinds):
        return node
    rest = {k: v for k, v in node.items() if k != "anyOf"}
    chain: dict[str, Any] = {"type": kinds}  # a value of none of the branches' types
    for kind, branch in zip(reversed(kinds), reversed(branches), strict=True):
        chain = {"if": {"type": kind}, "then": branch, "else": chain}
    return {**rest, **chain}


def _json_type(branch: object) -> str | None:
    if not is_json_object(branch):
        return None
    if "$ref" in branch:
        return "object"
    kind = branch.get("type")
    return kind if isinstance(kind, str) else None


def _inline(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """Move pydantic's ``$defs`` into the shared ``definitions`` and point the references there."""
    for name, sub in schema.pop("$defs", {}).items():
        sub.pop("title", None)
        _document(sub)
        definitions.setdefault(name, _repoint(sub))
    return _repoint(schema)


def _repoint(node: Any) -> Any:
    if is_json_object(node):  # a JSON schema: keys are strings
        return {
            k: ("#/definitions/" + v.rsplit("/", 1)[1] if k == "$ref" and isinstance(v, str) else _repoint(v))
            for k, v in node.items()
        }
    if is_list(node):
        return [_repoint(v) for v in node]
    return node


def _document(schema: dict[str, Any]) -> None:
    for name, prop in schema.get("properties", {}).items():
        prop.pop("title", None)
        if name in _DOCS and "description" not in prop:
            prop["description"] = _DOCS[name]
