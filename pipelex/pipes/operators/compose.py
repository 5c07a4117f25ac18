"""PipeCompose: a template rendered, or a structure built, from the inputs. Real in both run modes."""

from __future__ import annotations

from functools import lru_cache
from types import UnionType
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

from pydantic import BaseModel, PydanticUserError, ValidationError

from pipelex.concepts import natives
from pipelex.concepts.natives import (
    StuffContent,
    TextContent,
    native_kind,
    native_kind_of,
    native_name,
    text_content,
)
from pipelex.concepts.paths import walk_path
from pipelex.concepts.values import ContentError, to_content, walk_values
from pipelex.config.run_settings import LimitsConfig
from pipelex.diagnostics import ErrorType
from pipelex.errors import PipeRunError
from pipelex.language.blueprint import PipeComposeBlueprint
from pipelex.language.library import PipeEntry
from pipelex.language.parser import toml_kind
from pipelex.language.specs import PATH_RE
from pipelex.memory.stuff import Stuff
from pipelex.narrowing import is_dict, is_json_object, is_list
from pipelex.pipes.checks import LIST_SUFFIX, OutputRule, PipeChecks
from pipelex.pipes.context import RunContext
from pipelex.pipes.kinds import PipeKind, operator_runner
from pipelex.pipes.rendering import TemplatingStyle, default_style, format_value, render_template
from pipelex.pipes.resolved import ResolvedInputs
from pipelex.pipes.runtime import make_output, output_spec

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from pipelex.concepts.library import Concept
    from pipelex.concepts.paths import Var
    from pipelex.language.specs import ConceptSpec


async def run(entry: PipeEntry, pipe: PipeComposeBlueprint, inputs: ResolvedInputs, ctx: RunContext) -> Stuff:
    """Render the template or build the construct."""
    _, concept = output_spec(entry, ctx)
    concepts = ctx.library.concepts
    declared = pipe.template  # (read once: a model's field)
    if declared is not None:
        table = None if isinstance(declared, str) else declared  # a template table: its own settings
        template = declared if isinstance(declared, str) else declared.template
        category = table.category if table is not None else None
        context = inputs.template_context()
        metadata = inputs.template_metadata(context)
        style = default_style(ctx.settings)
        if table is not None:
            style = TemplatingStyle.of(table.templating_style, style)
            if table.extra_context:
                context = {**table.extra_context, **context}
        model = concepts.content_model(concept)
        # (the natives' classes are made on first use; a text, most templates' output, is not an HTML one)
        html_model = model is not TextContent and native_name(model) == "HtmlContent"
        html = category == "html" or html_model
        text = render_template(
            template,
            context,
            pipe_code=entry.code,
            html=html,
            markdown_filter=category == "html",
            style=style,
            metadata=metadata,
            limits=ctx.settings.limits,
        )
        content: StuffContent
        if html_model:
            content = natives.HtmlContent(inner_html=text)
        elif model is TextContent or concept.ref == "native.Dynamic":
            # a `Dynamic` output is decided by what the pipe makes: a template makes a text (as in the reference)
            content = text_content(text)
        else:
            try:
                content = to_content(text, concept, concepts)
            except ContentError as exc:
                raise PipeRunError(
                    f"pipe {entry.code!r}: a template renders text, which does not fit "
                    f"{concept.ref}: use `construct` to build a structure",
                    pipe_code=entry.code,
                    error_type="pipe_output_invalid",
                ) from exc
        return make_output(entry, ctx, content)
    assert pipe.construct_ is not None
    data = _build(
        pipe.construct_,
        entry,
        inputs,
        concepts.content_model(concept),
        default_style(ctx.settings),
        ctx.settings.limits,
    )
    try:
        return make_output(entry, ctx, to_content(data, concept, concepts))
    except ContentError as exc:
        raise PipeRunError(
            f"pipe {entry.code!r}: the construct does not fit {concept.ref}: {exc.problem}; make each field's "
            "`from` name a value of what the field takes, or change the field's type",
            pipe_code=entry.code,
            error_type="pipe_output_invalid",
        ) from exc


def _build(
    node: dict[str, Any],
    entry: PipeEntry,
    inputs: ResolvedInputs,
    model: Any,
    style: TemplatingStyle,
    limits: LimitsConfig,
) -> dict[str, Any]:
    """The construct table as data for ``model``: each field's value is fitted to the field's declared type."""
    fields = _model_fields(model)
    built: dict[str, Any] = {}
    for key, value in node.items():
        if fields and key not in fields:
            continue  # a key the structure does not declare builds nothing (the reference ignores it too)
        annotation = fields.get(key)
        if is_json_object(value) and "from" in value:  # a construct table (TOML): keys are strings
            found = _from(str(value["from"]), inputs, value.get("list_to_dict_keyed_by"))
            built[key] = fit_value(found, annotation)
        elif is_json_object(value) and "template" in value:
            context = inputs.template_context()
            rendered = render_template(
                str(value["template"]),
                context,
                pipe_code=entry.code,
                style=style,
                metadata=inputs.template_metadata(context),
                limits=limits,
            )
            built[key] = fit_value(rendered, annotation)
        elif is_json_object(value):
            built[key] = _build(value, entry, inputs, _strip_optional(annotation), style, limits)
        else:
            built[key] = fit_value(value, annotation)
    return built


def _from(path: str, inputs: ResolvedInputs, keyed_by: object) -> Any:
    """The value(s) at ``path`` among the inputs, contents kept as contents (fitted to the field later)."""
    root, *segments = path.split(".")
    stuff = inputs.stuffs.get(root)
    if stuff is None:
        return None
    values, is_list = walk_values(stuff.content, stuff.is_list, segments)
    if is_list:
        if isinstance(keyed_by, str):
            plain = [_plain(v) for v in values]
            return {item.get(keyed_by): item for item in plain if is_dict(item)}
        return values
    return values[0] if values else None


# ---------------------------------------------------------------------------------------------------- fitting values
# A construct field takes a value of the working memory and must hold it as its own declared type: a native
# content (``Text``, ``Number``, ``YesNo``, ...) put in a scalar field gives its value (``{"text": "x"}`` -> "x"),
# any content put in a text field gives its text form, and a scalar put in a field typed by a native concept is
# wrapped into that content ("x" -> ``{"text": "x"}``). A value that fits as it is stays as it is.

# by the native content class's name (the natives' classes are made on first use: see native_kind)
_PRIMARY_FIELD: dict[str, str] = {
    "TextContent": "text",
    "NumberContent": "number",
    "YesNoContent": "yes_no",
    "ChoiceContent": "choice",
    "RatingContent": "level",
    "DateContent": "date",
    "TimeContent": "time",
    "HtmlContent": "inner_html",
    "JSONContent": "json_obj",
}


def fit_value(value: Any, annotation: Any) -> Any:
    """``value`` in the shape the field type ``annotation`` accepts (unchanged when nothing fits better)."""
    if value is None or annotation is None:
        return _plain(value)
    adapter = _adapter(annotation)
    if adapter is None:
        return _plain(value)
    target = _strip_optional(annotation)
    if is_list(value) and get_origin(target) is list:
        (item_annotation,) = get_args(target) or (Any,)
        return [fit_value(item, item_annotation) for item in value]
    candidates: list[Any] = [_plain(value)]
    if isinstance(value, StuffContent):
        field_name = _PRIMARY_FIELD.get(native_kind(value) or "")
        if field_name is not None:
            candidates.append(getattr(value, field_name))
        candidates.append(format_value(value))
    elif isinstance(target, type) and issubclass(target, StuffContent) and not isinstance(value, dict | list):
        field_name = _PRIMARY_FIELD.get(native_kind_of(target) or "")
        if field_name is not None:
            candidates.append({field_name: value})
    for candidate in candidates:
        try:
            adapter.validate_python(candidate)
        except ValidationError:
            continue
        return candidate
    return candidates[0]  # nothing fits: the output check names the field and the reason


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if is_list(value):
        return [_plain(item) for item in value]
    return value


def _strip_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def _model_fields(model: Any) -> dict[str, Any]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return {name: info.annotation for name, info in model.model_fields.items()}
    return {}


@lru_cache(maxsize=1024)
def _cached_adapter(annotation: Any) -> TypeAdapter[Any] | None:
    from pydantic import TypeAdapter  # (pydantic.type_adapter: only a construct loads it)

    try:
        return TypeAdapter(annotation)
    except (PydanticUserError, TypeError, NameError):
        return None  # a forward reference not resolvable here: the output check validates the whole


def _adapter(annotation: Any) -> TypeAdapter[Any] | None:
    try:
        return _cached_adapter(annotation)
    except TypeError:  # unhashable annotation
        from pydantic import TypeAdapter

        try:
            return TypeAdapter(annotation)
        except (PydanticUserError, TypeError, NameError):
            return None


# what a template makes (a construct makes the structured output concept)
TEMPLATE_MAKES = OutputRule(("Text", "Html"), False, "renders a template to text (or HTML)")


def check(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: PipeComposeBlueprint,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
) -> None:
    """A template renders text from declared inputs; a construct fills a structure from them."""
    if output is not None and pipe.template is not None:
        checks.check_makes(entry, output, TEMPLATE_MAKES)
    _check_compose(checks, entry, pipe, inputs, output)


def _check_compose(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: PipeComposeBlueprint,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
) -> None:
    if (pipe.template is None) == (pipe.construct_ is None):
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            "a PipeCompose has exactly one of `template` and `construct`",
            entry,
        )
        return
    if pipe.template is not None:
        text = pipe.template if isinstance(pipe.template, str) else pipe.template.template
        extra = set((pipe.template.extra_context or {}) if not isinstance(pipe.template, str) else ())
        checks.check_templates(entry, inputs, {"template": text}, constants=extra)
        return
    assert pipe.construct_ is not None
    if not pipe.construct_:  # the reference: a construct with no field is refused by its schema
        checks.report(
            ErrorType.SCHEMA_VIOLATION,
            "`construct` has no field: give each field of the output its value (a literal, { from = ... } or "
            "{ template = ... }), or use `template` to render text",
            entry,
            field="construct",
        )
        return
    if output is not None and output[0].is_list:
        checks.report(
            ErrorType.INADEQUATE_OUTPUT_MULTIPLICITY,
            f"a PipeCompose `construct` builds one "
            f"structure, not a list: declare the output {LIST_SUFFIX.sub('', entry.blueprint.output)!r} "
            "(and batch the pipe to build several)",
            entry,
            field="output",
        )
    if output is not None and not _has_fields(checks, output[1]):
        # a construct fills the fields of its output: a structure's, or a native's content fields (a Text's
        # `text`, an Html's `inner_html`, as the reference builds them); Anything, Dynamic and Composite have none
        checks.report(
            ErrorType.INADEQUATE_OUTPUT_CONCEPT,
            f"a PipeCompose `construct` fills the fields of its output, but the output "
            f"{entry.blueprint.output!r} has no fields to fill: change the output to a concept with a "
            "`structure` (or a native such as Text or Html), or use `template` to render text",
            entry,
            field="output",
        )
        return  # the construct's fields cannot be checked against an output with no fields
    roots: set[str] = set()
    templates: dict[str, str | None] = {}
    _collect_construct(checks, pipe.construct_, "construct", roots, templates, entry, inputs)
    checks.check_templates(entry, inputs, templates, extra_roots=roots)


def _has_fields(checks: PipeChecks, concept: Concept) -> bool:
    """A structure, or a native with content fields (Anything, Dynamic and Composite have none to fill)."""
    concepts = checks.library.concepts
    if concepts.structure_of(concept) is not None:
        return True
    base = concepts.native_base(concept)
    if base is None or base.code in ("Anything", "Dynamic", "Composite"):
        return False
    return concepts.content_field_infos(concept) is not None


def _collect_construct(
    checks: PipeChecks,
    node: dict[str, object],
    prefix: str,
    roots: set[str],
    templates: dict[str, str | None],
    entry: PipeEntry,
    inputs: dict[str, Var],
) -> None:
    for key, value in node.items():
        where = f"{prefix}.{key}"
        if is_json_object(value):  # a construct table (TOML): keys are strings
            if "from" in value and "template" in value:
                # one way to fill a field: the value of a path, or a template (the reference: "'from' and
                # 'template' are mutually exclusive in field definition")
                checks.report(
                    ErrorType.SCHEMA_VIOLATION,
                    f"{where}: `from` and `template` are mutually exclusive: fill the field from a path "
                    "({ from = ... }) or render it ({ template = ... }), not both",
                    entry,
                    field=where,
                )  # the path is still checked (and its input counted as read)
            if "from" in value:
                path = value["from"]
                if not isinstance(path, str) or not PATH_RE.match(path):
                    checks.report(
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
                        checks.report(
                            ErrorType.MISSING_INPUT_VARIABLE,
                            f"{where} reads {root!r}, which is not "
                            f'declared in `inputs`: declare it (e.g. {root} = "Text") or read a '
                            "declared input",
                            entry,
                            field=where,
                        )
                    continue
                walked = walk_path(checks.library.concepts, inputs[root], root, segments, content_fields=True)
                if walked.var is None and walked.error_type:
                    checks.report(walked.error_type, f"{where}: {walked.message}", entry, field=where)
                elif walked.var is not None and not walked.var.is_list and "list_to_dict_keyed_by" in value:
                    # keying turns a list into a dict: a single value has nothing to key (the reference's dry
                    # run refuses the output it makes)
                    checks.report(
                        ErrorType.BINDING_PATH_UNRESOLVED,
                        f"{where}: `list_to_dict_keyed_by` keys a list, but {path!r} is a single "
                        f"{walked.var.concept.ref}: remove `list_to_dict_keyed_by`, or read a list",
                        entry,
                        field=where,
                    )
            elif "template" in value and isinstance(value["template"], str):
                if not value["template"]:
                    # nothing to render (the reference's dry run: "template is required for TEMPLATE method")
                    checks.report(
                        ErrorType.SCHEMA_VIOLATION,
                        f"{where}: the `template` of a construct field is empty: write the text to render, or "
                        f'give the field a value ({key} = "...")',
                        entry,
                        field=where,
                    )
                templates[where] = value["template"]
            elif "template" in value:
                # a construct field's template is the template's text: no table (``{ template = "...",
                # category = ... }`` is PipeCompose's own ``template`` form), no number (the reference:
                # ConstructFieldBlueprintTypeError, method.schema_violation)
                checks.report(
                    ErrorType.SCHEMA_VIOLATION,
                    f"{where}: the `template` of a construct field is a string (the text to render), not "
                    f'{toml_kind(value["template"])}: write {key} = {{ template = "..." }}',
                    entry,
                    field=where,
                )
            else:
                _collect_construct(checks, value, where, roots, templates, entry, inputs)  # type: ignore[arg-type]


KIND = PipeKind(
    blueprint=PipeComposeBlueprint,
    run=operator_runner(run),
    check=check,
    runs_inline=True,  # a template rendered or a structure built from the inputs: pure, no IO
)
