"""PipeCompose: a template rendered, or a structure built, from the inputs. Real in both run modes."""

from __future__ import annotations

from typing import Any

from pipelex.concepts.natives import HtmlContent, StuffContent, TextContent
from pipelex.errors import PipeRunError
from pipelex.language.blueprint import PipeComposeBlueprint, TemplateBlueprint
from pipelex.language.library import PipeEntry
from pipelex.memory.stuff import Stuff
from pipelex.pipes.context import RunContext
from pipelex.pipes.rendering import render_template
from pipelex.pipes.runtime import ResolvedInputs, make_output, output_spec
from pipelex.pipes.values import ContentError, to_content, walk_values


async def run(entry: PipeEntry, pipe: PipeComposeBlueprint, inputs: ResolvedInputs, ctx: RunContext) -> Stuff:
    """Render the template or build the construct."""
    _, concept = output_spec(entry, ctx)
    concepts = ctx.library.concepts
    if pipe.template is not None:
        template = pipe.template if isinstance(pipe.template, str) else pipe.template.template
        category = pipe.template.category if isinstance(pipe.template, TemplateBlueprint) else None
        context = inputs.template_context()
        if isinstance(pipe.template, TemplateBlueprint) and pipe.template.extra_context:
            context = {**pipe.template.extra_context, **context}
        model = concepts.content_model(concept)
        html = category == "html" or model is HtmlContent
        text = render_template(template, context, pipe_code=entry.code, html=html)
        content: StuffContent
        if model is HtmlContent:
            content = HtmlContent(inner_html=text)
        elif model is TextContent:
            content = TextContent(text=text)
        else:
            try:
                content = to_content(text, concept, concepts)
            except ContentError as exc:
                raise PipeRunError(f"pipe {entry.code!r}: a template renders text, which does not fit "
                                   f"{concept.ref}: use `construct` to build a structure", pipe_code=entry.code,
                                   error_type="pipe_output_invalid") from exc
        return make_output(entry, ctx, content)
    assert pipe.construct_ is not None
    data = _build(pipe.construct_, entry, inputs)
    try:
        return make_output(entry, ctx, to_content(data, concept, concepts))
    except ContentError as exc:
        raise PipeRunError(f"pipe {entry.code!r}: the construct does not fit {concept.ref}: {exc}",
                           pipe_code=entry.code, error_type="pipe_output_invalid") from exc


def _build(node: dict[str, Any], entry: PipeEntry, inputs: ResolvedInputs) -> dict[str, Any]:
    built: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(value, dict) and "from" in value:
            built[key] = _from(str(value["from"]), inputs, value.get("list_to_dict_keyed_by"))
        elif isinstance(value, dict) and "template" in value:
            built[key] = render_template(str(value["template"]), inputs.template_context(), pipe_code=entry.code)
        elif isinstance(value, dict):
            built[key] = _build(value, entry, inputs)
        else:
            built[key] = value
    return built


def _from(path: str, inputs: ResolvedInputs, keyed_by: object) -> Any:
    root, *segments = path.split(".")
    stuff = inputs.stuffs.get(root)
    if stuff is None:
        return None
    values, is_list = walk_values(stuff.content, stuff.is_list, segments)
    plain = [v.model_dump() if hasattr(v, "model_dump") else v for v in values]
    if is_list:
        if isinstance(keyed_by, str):
            return {item.get(keyed_by): item for item in plain if isinstance(item, dict)}
        return plain
    return plain[0] if plain else None
