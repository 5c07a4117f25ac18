"""Template rendering at run time: sigils preprocessed, then Jinja2 with the ``format``, ``tag`` and
``markdown`` filters. Rendering is real in both run modes (it calls no provider)."""

from __future__ import annotations

import json
from functools import cache, lru_cache
from typing import Any

from pydantic import BaseModel

from pipelex.concepts.natives import (
    ChoiceContent,
    DateContent,
    DocumentContent,
    HtmlContent,
    ImageContent,
    JSONContent,
    ListContent,
    NumberContent,
    PageContent,
    RatingContent,
    TextAndImagesContent,
    TextContent,
    TimeContent,
    YesNoContent,
)
from pipelex.errors import LimitExceededError, PipeRunError
from pipelex.language.templates import TemplateSigilError, preprocess


def format_value(value: Any) -> str:
    """A value as prompt/template text."""
    match value:
        case TextContent():
            return value.text
        case NumberContent():
            return str(value.number)
        case JSONContent():
            return json.dumps(value.json_obj, indent=4, ensure_ascii=False)
        case HtmlContent():
            return value.inner_html
        case ImageContent() | DocumentContent():
            return value.caption if isinstance(value, ImageContent) and value.caption else value.url
        case YesNoContent():
            return "yes" if value.yes_no else "no"
        case ChoiceContent():
            return value.choice
        case RatingContent():
            return value.label or str(value.level)
        case DateContent():
            return f"{value.date} {value.time}" if value.time else value.date
        case TimeContent():
            return value.time
        case TextAndImagesContent():
            return value.text.text if value.text else ""
        case PageContent():
            return format_value(value.text_and_images)
        case ListContent():
            return "\n".join(format_value(item) for item in value.items)
        case list():
            return "\n".join(format_value(item) for item in value)
        case BaseModel():
            return json.dumps(value.model_dump(mode="json"), indent=4, ensure_ascii=False)
        case None:
            return ""
        case _:
            return str(value)


def _tag(value: Any, name: str = "") -> str:
    tag = name.split(".")[-1] or "value"
    return f"<{tag}>\n{format_value(value)}\n</{tag}>"


def _markdown(value: Any) -> Any:
    from markdown_it import MarkdownIt
    from markupsafe import Markup

    md = MarkdownIt("commonmark", {"html": False, "linkify": True}).enable("linkify")
    md.linkify.set({"fuzzy_link": False, "fuzzy_email": False})  # type: ignore[union-attr]
    return Markup(md.render(format_value(value)))


@cache
def _environment(autoescape: bool):  # type: ignore[no-untyped-def]
    from jinja2 import StrictUndefined

    from pipelex.pipes.sandbox import BudgetedEnvironment

    env = BudgetedEnvironment(autoescape=autoescape, undefined=StrictUndefined, keep_trailing_newline=False)
    env.filters["format"] = format_value
    env.filters["tag"] = _tag
    env.filters["markdown"] = _markdown
    env.guard_filters()
    return env


@lru_cache(maxsize=2048)
def _compiled(template: str, html: bool):  # type: ignore[no-untyped-def]
    compiled = _environment(html).from_string(preprocess(template))
    # Template.render() merges the template's globals (a ChainMap) into every new context and iterates them
    # again for the context's globals keys: ~40 µs a call. Flatten them once; each render then starts from a
    # plain dict (the sandbox lives in the environment and the compiled code, not in the context).
    return compiled, dict(compiled.globals)


def render_template(template: str, context: dict[str, Any], *, pipe_code: str, html: bool = False) -> str:
    """Render an MTHDS template (sigils allowed) against ``context``; compiled templates are cached.

    The render has a budget (``[limits] template_max_steps`` and ``template_max_output_chars``, see
    :mod:`pipelex.pipes.sandbox`): past it the pipe fails with a :class:`LimitExceededError`.
    """
    from jinja2 import TemplateError
    from jinja2.runtime import new_context

    from pipelex.limits import active_limits
    from pipelex.pipes.sandbox import RenderBudget, reset_budget, set_budget

    limits = active_limits()
    budget = RenderBudget(max_steps=limits.template_max_steps, max_chars=limits.template_max_output_chars)
    token = set_budget(budget)
    try:
        compiled, globals_ = _compiled(template, html)
        jinja_context = new_context(compiled.environment, compiled.name, compiled.blocks, {**globals_, **context},
                                    True, globals_)
        chunks: list[str] = []
        for chunk in compiled.root_render_func(jinja_context):  # type: ignore[attr-defined]
            budget.output(chunk)
            chunks.append(chunk)
        return compiled.environment.concat(chunks)  # type: ignore[attr-defined]
    except LimitExceededError as exc:
        raise LimitExceededError(f"pipe {pipe_code!r}: {exc}", limit=exc.limit, pipe_code=pipe_code) from None
    except TemplateError as exc:
        raise PipeRunError(f"pipe {pipe_code!r}: the template cannot be rendered: {exc}", pipe_code=pipe_code,
                           error_type="template_render_failed") from exc
    except RecursionError:
        raise PipeRunError(f"pipe {pipe_code!r}: the template recurses too deeply (a macro calling itself without "
                           "end?): bound the recursion", pipe_code=pipe_code,
                           error_type="template_render_failed") from None
    except TemplateSigilError as exc:
        raise PipeRunError(f"pipe {pipe_code!r}: {exc}", pipe_code=pipe_code,
                           error_type="template_render_failed") from exc
    except (ValueError, TypeError, ArithmeticError, LookupError, AttributeError) as exc:
        raise PipeRunError(f"pipe {pipe_code!r}: the template cannot be rendered: {exc}", pipe_code=pipe_code,
                           error_type="template_render_failed") from exc
    finally:
        reset_budget(token)


def evaluate_expression(expression: str, context: dict[str, Any], *, pipe_code: str, is_template: bool) -> str:
    """Evaluate a condition's ``expression`` (``{{ }}`` implied) or ``expression_template`` to a string."""
    source = expression if is_template else f"{{{{ {expression} }}}}"
    return render_template(source, context, pipe_code=pipe_code).strip()
