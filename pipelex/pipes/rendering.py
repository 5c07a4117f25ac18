"""Template rendering at run time: sigils preprocessed, then Jinja2 with the ``format``, ``tag`` and
``markdown`` filters. Rendering is real in both run modes (it calls no provider).

Templates follow Jinja's semantics for what is missing: a missing *attribute* (``note.added`` on a stuff
without that field) is undefined, so it is false in a test, iterates as nothing and prints as nothing, while
printing a missing *variable* is an error (static validation reports undeclared variables before any run).
Each input also answers four metadata fields, ``x._stuff_name``, ``x._concept_code``, ``x._content_class``
and ``x._stuff_code``; the operators add the runtime variables they provide (``_nb_output`` for a PipeLLM or
PipeImgGen with a list output).

The ``templating_style`` of a pipe decides the shape of ``@var`` blocks (its ``tag_style``: ``xml`` tags,
``ticks`` fences, ``square_brackets`` or ``no_tag``) and how values are written (its ``text_format``:
``plain``, ``markdown``, ``html`` or ``json``), for ``$var`` and ``@var`` alike.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from functools import cache, lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast, get_args

from pydantic import BaseModel

from pipelex.concepts.natives import (
    ContentList,
    ListContent,
    StuffContent,
    TextContent,
    native_kind,
    native_name,
)
from pipelex.config.run_settings import LimitsConfig
from pipelex.errors import LimitExceededError, PipeRunError, TemplateBudgetExceeded
from pipelex.language.blueprint import TagStyle, TemplatingStyleBlueprint, TemplatingStyleChoice, TextFormat
from pipelex.language.sigil_templates import Sigil, SigilPart, sigil_parts
from pipelex.language.templates import (
    NB_OUTPUT_VARIABLE,
    STUFF_METADATA_FIELDS,
    plain_jinja,
    preprocess,
    simple_template,
)
from pipelex.narrowing import is_dict, is_list, is_sequence
from pipelex.pipes.render_budget import RenderBudget, charge, current_budget, reset_budget, set_budget, sized
from pipelex.record import FrozenRecord

if TYPE_CHECKING:
    # the natives' classes but Text's are made on first use: code here asks native_kind / native_name which one a
    # value or a class is, which makes none (no value of a class never made can exist)
    from pipelex.concepts.natives import (
        ChoiceContent,
        DateContent,
        DocumentContent,
        HtmlContent,
        ImageContent,
        JSONContent,
        NumberContent,
        PageContent,
        RatingContent,
        TextAndImagesContent,
        TimeContent,
        YesNoContent,
    )
    from pipelex.language.simple_templates import Expr as SimpleExpr
    from pipelex.language.simple_templates import Node as SimpleNode
    from pipelex.language.simple_templates import SimpleTemplate
    from pipelex.language.simple_templates import Var as SimpleVar


class TemplatingStyle(FrozenRecord):
    """How a template writes values: the wrapper of ``@var`` blocks and the format of every value.

    A :class:`~pipelex.record.FrozenRecord`, not a dataclass: nothing to compile with ``exec`` at import."""

    __slots__ = ("tag_style", "text_format")
    FIELDS = ("tag_style", "text_format")

    tag_style: TagStyle
    text_format: TextFormat

    def __init__(self, tag_style: TagStyle = "xml", text_format: TextFormat = "plain") -> None:
        self.tag_style = tag_style
        self.text_format = text_format

    @classmethod
    def of(
        cls, choice: TemplatingStyleChoice | None, default: TemplatingStyle | None = None
    ) -> TemplatingStyle:
        """The style a pipe declares (a bare string is the tag style), else ``default`` (else xml, plain)."""
        if choice is None:
            return default or cls()
        if isinstance(choice, TemplatingStyleBlueprint):
            return cls(choice.tag_style, choice.text_format)
        return cls(tag_style=choice)


def default_style(settings: Any) -> TemplatingStyle:
    """The style of a pipe that declares none: ``[runtime] default_templating_style`` of the run's settings."""
    return _style_of(settings.tag_style, settings.text_format)


@lru_cache(maxsize=64)
def _style_of(tag_style: Any, text_format: Any) -> TemplatingStyle:  # frozen: one instance serves every pipe
    return TemplatingStyle(
        tag_style if tag_style in get_args(TagStyle) else "xml",
        text_format if text_format in get_args(TextFormat) else "plain",
    )


class StuffMetadata(FrozenRecord):
    """What ``x._stuff_name`` and its siblings answer for an input (a :class:`~pipelex.record.FrozenRecord`)."""

    __slots__ = ("stuff_name", "concept_code", "content_class", "stuff_code")
    FIELDS = ("stuff_name", "concept_code", "content_class", "stuff_code")

    def __init__(self, stuff_name: str, concept_code: str, content_class: str, stuff_code: str) -> None:
        self.stuff_name = stuff_name
        self.concept_code = concept_code
        self.content_class = content_class
        self.stuff_code = stuff_code

    def get(self, field: str) -> str:
        """The value of one of :data:`STUFF_METADATA_FIELDS`."""
        return getattr(self, field[1:])


_DEFAULT_STYLE = TemplatingStyle()
_NO_METADATA: Mapping[int, StuffMetadata] = MappingProxyType({})
# set around each render (rendering is synchronous, so a render never sees another one's values)
_STYLE: ContextVar[TemplatingStyle | None] = ContextVar("pipelex_templating_style", default=None)
_METADATA: ContextVar[Mapping[int, StuffMetadata] | None] = ContextVar("pipelex_stuff_metadata", default=None)
_INPUTS: ContextVar[Mapping[str, Any] | None] = ContextVar("pipelex_template_inputs", default=None)


def _style() -> TemplatingStyle:
    return _STYLE.get() or _DEFAULT_STYLE


class ImageRegistry:
    """The images an LLM prompt shows, numbered from 1 in the order the prompt mentions them (the same image
    twice keeps its number). Its images are sent beside the prompt text in that order, so ``[Image 2]`` in the
    text is the second image the model receives."""

    def __init__(self) -> None:
        self.images: list[ImageContent] = []
        self._numbers: dict[str, int] = {}

    def register(self, image: ImageContent) -> int:
        """The number of ``image`` in this prompt (a new one for an image not seen yet)."""
        number = self._numbers.get(image.url)
        if number is None:
            self.images.append(image)
            number = self._numbers[image.url] = len(self.images)
        return number


_IMAGES: ContextVar[ImageRegistry | None] = ContextVar("pipelex_prompt_images", default=None)


def format_value(value: Any) -> str:
    """A value as prompt/template text."""
    match value:
        case TextContent():
            return value.text
        case ListContent():
            return "\n".join(format_value(item) for item in value.items)
        case StuffContent() if (kind := native_kind(value)) is not None:
            return _format_native(kind, value)
        case list():
            return "\n".join(format_value(item) for item in cast("list[object]", value))
        case BaseModel():
            import json

            return json.dumps(value.model_dump(mode="json"), indent=4, ensure_ascii=False)
        case None:
            return ""
        case _:
            return str(value)


def _format_native(kind: str, value: Any) -> str:
    """:func:`format_value` of a native content but a text or a list, ``kind`` its class's name (see native_kind);
    a native with no case of its own (a search result, the open ones) is written as a model."""
    match kind:
        case "NumberContent":
            return str(cast("NumberContent", value).number)
        case "JSONContent":
            import json

            return json.dumps(cast("JSONContent", value).json_obj, indent=4, ensure_ascii=False)
        case "HtmlContent":
            return cast("HtmlContent", value).inner_html
        case "ImageContent":
            image = cast("ImageContent", value)
            registry = _IMAGES.get()
            if registry is not None:  # an LLM prompt: the image travels beside the text, named by its number
                return f"[Image {registry.register(image)}]"
            return image.caption or image.url
        case "DocumentContent":
            return cast("DocumentContent", value).url
        case "YesNoContent":
            return "yes" if cast("YesNoContent", value).yes_no else "no"
        case "ChoiceContent":
            return cast("ChoiceContent", value).choice
        case "RatingContent":
            rating = cast("RatingContent", value)
            return rating.label or str(rating.level)
        case "DateContent":
            date = cast("DateContent", value)
            return f"{date.date} {date.time}" if date.time else date.date
        case "TimeContent":
            return cast("TimeContent", value).time
        case "TextAndImagesContent":
            text = cast("TextAndImagesContent", value).text
            return text.text if text else ""
        case "PageContent":
            return format_value(cast("PageContent", value).text_and_images)
        case _:
            import json

            return json.dumps(value.model_dump(mode="json"), indent=4, ensure_ascii=False)


def _plain_text(value: Any) -> str:
    """``$x`` / ``@x`` in the plain text format: the value as a template prints it, its ``str()`` (the same text as
    ``{{ x }}``: a content as its model says, a list input as bullets or numbered items, a list field of plain
    values and of models in Python's form, ``['a', 'b']``, an unset field ``None``), as the reference writes it
    (``$_nb_output`` of a variable multiplicity, which the reference fails on, prints nothing: see
    :func:`render_template`). In an LLM prompt, a value holding images keeps each image as its ``[Image N]`` token
    (the image travels beside the text)."""
    if value is None:
        return "None"
    if _IMAGES.get() is not None and _holds_images(value):
        return format_value(value)
    if isinstance(value, BaseModel) and not isinstance(value, StuffContent):
        return format_value(value)
    return str(value)


def format_as(value: Any, text_format: TextFormat) -> str:
    """A value written in ``text_format``: plain text (:func:`format_value`), markdown, html or json."""
    match text_format:
        case "plain":
            return _plain_text(value)
        case "json":
            import json

            return json.dumps(_data_of(value), indent=2, ensure_ascii=False, default=str)
        case "markdown":
            return _markdown_of(value)
        case "html":
            return _html_of(value)


# the natives whose plain data is one field (by class name: see native_kind)
_DATA_FIELD: dict[str | None, str] = {
    "NumberContent": "number",
    "YesNoContent": "yes_no",
    "JSONContent": "json_obj",
}


def _data_of(value: Any) -> Any:
    """Plain data: a text-like content is its text, a number its number, a structure its fields."""
    match value:
        case TextContent():
            return value.text
        case StuffContent() if (kind := native_kind(value)) in _DATA_FIELD:
            return getattr(value, _DATA_FIELD[kind])
        case ListContent():
            return [_data_of(item) for item in value.items]
        case list() | tuple():
            return [_data_of(item) for item in cast("Sequence[object]", value)]
        case BaseModel():
            return value.model_dump(mode="json", exclude_none=True)
        case _:
            return value


# the natives written as one line of text (by class name: see native_kind)
_LEAF_TEXT_NATIVES = frozenset(
    {
        "TextContent",
        "NumberContent",
        "YesNoContent",
        "ChoiceContent",
        "RatingContent",
        "DateContent",
        "TimeContent",
        "HtmlContent",
        "ImageContent",
        "DocumentContent",
        "TextAndImagesContent",
        "PageContent",
    }
)


def _is_leaf_text(value: Any) -> bool:
    return (
        isinstance(value, str | int | float | bool)
        or value is None
        or (isinstance(value, StuffContent) and native_kind(value) in _LEAF_TEXT_NATIVES)
    )


def _markdown_of(value: Any) -> str:
    if isinstance(value, ListContent) or is_sequence(value):
        items: list[Any] = list(value.items) if isinstance(value, ListContent) else list(value)
        rows = [_data_of(item) for item in items]
        if rows and all(isinstance(row, dict) for row in rows):
            columns = list(dict.fromkeys(key for row in rows for key in row))
            lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
            for row in rows:
                lines.append("| " + " | ".join(_md_cell(row.get(c)) for c in columns) + " |")
            return "\n".join(lines)
        return "\n".join(f"- {_markdown_of(item)}" for item in items)
    if _is_leaf_text(value):
        return format_value(value)
    data = _data_of(value)
    if is_dict(data):
        return "\n".join(f"- **{key}**: {_md_inline(item)}" for key, item in data.items())
    return format_value(value)


def _md_inline(value: Any) -> str:
    if is_list(value):
        return ", ".join(_md_inline(v) for v in value)
    if is_dict(value):
        return "; ".join(f"{k}: {_md_inline(v)}" for k, v in value.items())
    return str(value)


def _md_cell(value: Any) -> str:
    return _md_inline(value).replace("|", "\\|").replace("\n", " ") if value is not None else ""


def _html_of(value: Any) -> str:
    import html as html_lib  # the html text format only (html.entities is a large table)

    if isinstance(value, StuffContent) and native_kind(value) == "HtmlContent":
        return cast("HtmlContent", value).inner_html
    if isinstance(value, ListContent) or is_sequence(value):
        items: list[Any] = list(value.items) if isinstance(value, ListContent) else list(value)
        return "<ul>" + "".join(f"<li>{_html_of(item)}</li>" for item in items) + "</ul>"
    if _is_leaf_text(value):
        return html_lib.escape(format_value(value)).replace("\n", "<br>\n")
    data = _data_of(value)
    if is_dict(data):
        cells = "".join(
            f"<tr><th>{html_lib.escape(str(k))}</th><td>{html_lib.escape(_md_inline(v))}</td></tr>"
            for k, v in data.items()
        )
        return f"<table>{cells}</table>"
    return html_lib.escape(format_value(value))


def _format_filter(value: Any) -> Any:
    text = format_as(_unwrap_undefined(value), _style().text_format)
    return _as_markup(text) if _style().text_format == "html" else text


def _tag(value: Any, name: str = "") -> Any:
    style = _style()
    value = _unwrap_undefined(value)
    body = format_as(value, style.text_format)
    # the block is named by the whole name it is given (`@order.city` is `<order.city>`), as the reference names it;
    # without one, by the input it is given (`{{ order|tag }}` is `<order>`), else `data` (a field, a loop item)
    text = _wrap_tag(body, name or _input_name(value), style.tag_style)
    return _as_markup(text) if style.text_format == "html" else text


def _input_name(value: Any) -> str:
    """The name of the input that is ``value`` itself (not an equal one: two inputs may hold the same text), else
    ``data``, as the reference names a ``tag`` block given no name."""
    if isinstance(value, StuffContent | ContentList):
        for name, candidate in (_INPUTS.get() or {}).items():
            if candidate is value and not name.startswith("_"):
                return name
    return "data"


def _wrap_tag(body: str, tag: str, tag_style: TagStyle) -> str:
    """``body`` in the ``@var`` block of ``tag_style``, named ``tag``."""
    match tag_style:
        case "xml":
            return f"<{tag}>\n{body}\n</{tag}>"
        case "square_brackets":
            return f"[{tag}]\n{body}\n[/{tag}]"
        case "ticks":
            return f"{tag}: ```\n{body}\n```"
        case "no_tag":
            return body


def _with_images(value: Any) -> Any:
    """The value as text with every image it holds, however deep, as an ``[Image N]`` token (in an LLM
    prompt, each such image is sent to the model); ``{{ page | with_images }}``."""
    if _is_undefined(value):
        raise ValueError("the with_images filter was given an undefined value: pass it a declared input")
    text = _text_with_images(value, _style().text_format)
    return _as_markup(text) if _style().text_format == "html" else text


def _text_with_images(value: Any, text_format: TextFormat) -> str:
    kind = native_kind(value) if isinstance(value, StuffContent) else None
    if kind == "ImageContent":
        return format_value(value)
    if isinstance(value, ListContent):
        return "\n".join(_text_with_images(item, text_format) for item in value.items)
    if isinstance(value, list | tuple):
        return "\n".join(_text_with_images(item, text_format) for item in cast("Sequence[object]", value))
    if kind == "TextAndImagesContent":
        text_and_images = cast("TextAndImagesContent", value)
        parts = [format_as(text_and_images.text, text_format)] if text_and_images.text else []
        parts += [format_value(image) for image in text_and_images.images or []]
        return "\n".join(parts)
    if kind == "PageContent":
        page = cast("PageContent", value)
        parts = [_text_with_images(page.text_and_images, text_format)]
        if page.page_view is not None:
            parts.append(f"page_view: {format_value(page.page_view)}")
        return "\n".join(part for part in parts if part)
    if isinstance(value, StuffContent) and _holds_images(value):
        lines: list[str] = []
        for name in type(value).model_fields:
            field = getattr(value, name)
            if field is None:
                continue
            rendered = _text_with_images(field, text_format)
            lines.append(
                f"{name}:\n  " + rendered.replace("\n", "\n  ") if "\n" in rendered else f"{name}: {rendered}"
            )
        return "\n".join(lines)
    return format_as(value, text_format)


def _holds_images(value: Any) -> bool:
    if isinstance(value, StuffContent) and native_kind(value) == "ImageContent":
        return True
    if isinstance(value, BaseModel):
        return any(_holds_images(getattr(value, name)) for name in type(value).model_fields)
    if is_sequence(value):
        return any(_holds_images(item) for item in value)
    return False


def _is_undefined(value: Any) -> bool:
    """Whether ``value`` is a Jinja2 undefined value (there is none while Jinja2 is not even imported)."""
    jinja2 = sys.modules.get("jinja2")
    return jinja2 is not None and isinstance(value, jinja2.Undefined)


def _unwrap_undefined(value: Any) -> Any:
    """The value a ``format`` or ``tag`` filter writes (``$x.path``, ``@x.path``): an undefined one is an error,
    a missing attribute too (``$note.nickname`` on a concept without that field), as the reference renders it.
    Raw Jinja2 keeps Jinja's semantics: ``{{ note.nickname }}`` prints nothing, ``{% if note.nickname %}`` is
    false."""
    if _is_undefined(value):
        str(value)  # a missing variable raises here, with Jinja2's own message
        holder = _concept_name(value._undefined_obj)  # a concept's class: domain__Code
        raise ValueError(
            f"{holder} has no field {value._undefined_name!r}, and the template writes it with $ or @ (or the "
            "format/tag filter), which needs a value: read a field the concept declares"
        )
    return value


def _as_markup(text: str) -> Any:
    from markupsafe import Markup

    return Markup(text)


# what the markdown filter takes of the template budget: a step per _CHARS_PER_STEP characters (markdown-it parses
# ~1 MB of emphasis or bracket soup in 4-7 s), and a step per _LINKIFY_UNITS_PER_STEP units of autolinking (a link
# candidate times the characters of its block: linkify-it scans the rest of a block from each candidate, so a block of
# m candidates and n characters costs ~m x n; 2,000 `http://a.` in one 18 KB paragraph took 2.3 s, 99,000 of them,
# under the output bound, hours). A render's 100,000 steps then hold a few seconds of it, not hours
_CHARS_PER_STEP = 25
_LINKIFY_UNITS_PER_STEP = 250
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")


def _linkify_cost(text: str) -> int:
    """What autolinking ``text`` costs, in link candidates (``://``, ``mailto:``) times the characters of the block
    (paragraphs apart: a blank line ends one) they are in, summed over its blocks."""
    if "://" not in text and ":" not in text:
        return 0
    total = 0
    for block in _BLANK_LINE_RE.split(text):
        links = block.count("://") + block.lower().count("mailto:")
        total += links * len(block)
    return total


def _markdown(value: Any) -> Any:
    from markdown_it import MarkdownIt
    from markupsafe import Markup

    text = format_value(value)
    budget = current_budget()
    if budget is not None:
        steps = len(text) // _CHARS_PER_STEP + _linkify_cost(text) // _LINKIFY_UNITS_PER_STEP
        if budget.steps + steps > budget.max_steps:
            raise TemplateBudgetExceeded(
                f"the markdown filter would spend {steps} steps on a text of {len(text)} characters (a step per "
                f"{_CHARS_PER_STEP} characters, and linking its URLs costs more the more of them one paragraph "
                f"holds), past what is left of the template budget of {budget.max_steps} steps ([limits] "
                "template_max_steps in pipelex.toml): give it less text or fewer URLs in one paragraph, or raise the "
                "limit",
                limit="template_max_steps",
            )
        budget.step(steps)
    md = MarkdownIt("commonmark", {"html": False, "linkify": True}).enable("linkify")
    md.linkify.set({"fuzzy_link": False, "fuzzy_email": False})  # type: ignore[union-attr]
    return Markup(md.render(text))


@cache
def _undefined_class() -> type:
    from jinja2 import Undefined
    from jinja2.utils import missing

    class MthdsUndefined(Undefined):
        """Jinja's own semantics: falsy, empty when iterated; printing a missing *variable* fails, while a
        missing *attribute* prints as nothing (``{{ note.added }}`` on a note without that field)."""

        __slots__ = ()

        def __str__(self) -> str:
            if self._undefined_obj is missing:
                self._fail_with_undefined_error()
            return ""

        @property
        def _undefined_message(self) -> str:
            """Jinja2's message, but a concept's content is named by its concept, not by the class pipelex made
            for it (``{{ house.tags[0] }}``: "realty.House has no field 'tags'", not "'pipelex.concepts.library.
            realty__House object' has no attribute 'tags'")."""
            holder = self._undefined_obj
            name = self._undefined_name
            if self._undefined_hint is None and isinstance(name, str) and _is_concept_content(holder):
                return f"{_concept_name(holder)} has no field {name!r}: read a field the concept declares"
            return str(Undefined._undefined_message.fget(self))  # type: ignore[attr-defined]

    return MthdsUndefined


def _is_concept_content(value: object) -> bool:
    """Whether ``value`` is the content of a concept a bundle declares (its class is named ``domain__Code``)."""
    return isinstance(value, StuffContent) and "__" in type(value).__name__


def _concept_name(value: object) -> str:
    """``domain.Code`` of a declared concept's content (its class: ``domain__Code``)."""
    return type(value).__name__.replace("__", ".", 1)


@cache
def _environment(autoescape: bool, markdown: bool = False):  # type: ignore[no-untyped-def]
    from pipelex.pipes.sandbox import BudgetedEnvironment

    class MthdsSandbox(BudgetedEnvironment):
        """The budgeted sandbox, plus the metadata fields of inputs (the only underscore names a template may
        read)."""

        def getattr(self, obj: Any, attribute: str) -> Any:
            if attribute in STUFF_METADATA_FIELDS:
                metadata = (_METADATA.get() or _NO_METADATA).get(id(obj))
                if metadata is not None:
                    return metadata.get(attribute)
            return super().getattr(obj, attribute)

    env = MthdsSandbox(autoescape=autoescape, undefined=_undefined_class(), keep_trailing_newline=False)
    env.filters["format"] = _format_filter
    env.filters["tag"] = _tag
    if (
        markdown
    ):  # Markdown made HTML: a filter of HTML templates only (category "html"), as the language defines it
        env.filters["markdown"] = _markdown
    env.filters["with_images"] = _with_images
    env.guard_filters()
    return env


def _is_nb_output(root: str, attributes: tuple[str, ...]) -> bool:
    return root == NB_OUTPUT_VARIABLE and not attributes


_NB_OUTPUT_FORMAT = f"{{{{ {NB_OUTPUT_VARIABLE}|format }}}}"
# `$_nb_output` prints nothing when the count is the model's (None): no filter call, as the sigil renderers do
_NB_OUTPUT_OR_NOTHING = f'{{{{ {NB_OUTPUT_VARIABLE}|format if {NB_OUTPUT_VARIABLE} is not none else "" }}}}'


@lru_cache(maxsize=2048)
def _compiled(template: str, html: bool, markdown: bool = False):  # type: ignore[no-untyped-def]
    compiled = _environment(html, markdown).from_string(
        preprocess(template).replace(_NB_OUTPUT_FORMAT, _NB_OUTPUT_OR_NOTHING)
    )
    # Template.render() merges the template's globals (a ChainMap) into every new context and iterates them
    # again for the context's globals keys: ~40 µs a call. Flatten them once; each render then starts from a
    # plain dict (the sandbox lives in the environment and the compiled code, not in the context).
    return compiled, dict(compiled.globals)


_MISSING = object()


def _render_sigils(parts: tuple[SigilPart, ...], context: dict[str, Any]) -> Iterator[str]:
    """Render a sigil template (see :mod:`pipelex.language.sigil_templates`) exactly as its compiled Jinja2 code
    would: the same variable lookup, undefined values, sandboxed attribute access, filters and budget checks.

    Jinja2 is not needed for the usual case, a present variable whose path reads declared fields of content
    models: there the sandbox's attribute lookup returns the field's value, and the filters are ours. Anything
    else (a missing variable, an attribute that is not a model field, a dict key, a callable) is looked up by
    the sandbox itself."""
    for part in parts:
        if isinstance(part, str):
            yield part
            continue
        root = context.get(part.root, _MISSING)
        if root is _MISSING and part.kind == "optional_tag":  # `@?var` of an absent variable: nothing
            continue
        obj = _fields_along(root, part.attributes)
        if obj is _MISSING:
            obj = _sandbox_lookup(part, context)
            if obj is _MISSING:  # `@?var` of an undefined value: nothing
                continue
        if part.kind == "optional_tag" and part.attributes and not obj:
            continue  # `@?var.path` of an unset or empty value: nothing (`{% if var.path %}`)
        if obj is None and part.kind == "format" and _is_nb_output(part.root, part.attributes):
            yield ""  # `$_nb_output` where the model decides the count: nothing (see `_compiled`)
            continue
        if part.kind == "format":
            result = _filtered("format", _format_filter, obj)
        else:
            result = _filtered("tag", _tag, obj, part.path)
        yield str(sized(result))


# A sigil of the direct path: (input name, tag name or None for ``$var``, optional ``@?var``).
_DirectSigil = tuple[str, str | None, bool]
# Contents a template writes without reading anything else (no image to number, no metadata, no style other than
# the text format): the direct path's values, alone or in a list.
# (by class name: the natives' classes but Text's are made on first use; see _is_direct_class)
_DIRECT_NATIVES = frozenset(
    {
        "TextContent",
        "NumberContent",
        "YesNoContent",
        "ChoiceContent",
        "RatingContent",
        "DateContent",
        "TimeContent",
    }
)
_DIRECT_OF_CLASS: dict[type, bool] = {}


def _is_direct_class(cls: type) -> bool:
    """Whether ``cls`` is one of ``_DIRECT_NATIVES`` itself (not a class derived from one); answered per class
    from a table."""
    found = _DIRECT_OF_CLASS.get(cls)
    if found is None:
        if len(_DIRECT_OF_CLASS) >= 4096:  # concept models are compiled per library: no leak
            _DIRECT_OF_CLASS.clear()
        found = _DIRECT_OF_CLASS[cls] = native_name(cls) in _DIRECT_NATIVES
    return found


_LISTS: frozenset[type] = frozenset({list, ContentList})


# the direct plans made so far, by the identity of their parts (``sigil_parts`` caches them: a template's parts
# are the same tuple at every render), each with its parts (held, so their id is not reused while the plan is)
_PLANS: dict[int, tuple[tuple[SigilPart, ...], tuple[str | _DirectSigil, ...] | None]] = {}
_PLANS_HELD = 4096


def _direct_plan(parts: tuple[SigilPart, ...]) -> tuple[str | _DirectSigil, ...] | None:
    """The parts of a sigil template whose sigils each name a whole input (no ``.field``), else None.

    Kept by the identity of ``parts``, not their value: hashing the parts (a Python-level hash per sigil) cost
    more than making the plan again."""
    known = _PLANS.get(id(parts))
    if known is not None and known[0] is parts:
        return known[1]
    plan = _make_direct_plan(parts)
    if len(_PLANS) >= _PLANS_HELD:
        _PLANS.clear()
    _PLANS[id(parts)] = (parts, plan)
    return plan


def _make_direct_plan(parts: tuple[SigilPart, ...]) -> tuple[str | _DirectSigil, ...] | None:
    plan: list[str | _DirectSigil] = []
    for part in parts:
        if isinstance(part, str):
            plan.append(part)
        elif part.attributes:
            return None  # the sandbox's attribute lookup (and the metadata fields) decide those
        else:
            plan.append(
                (part.root, None if part.kind == "format" else part.root, part.kind == "optional_tag")
            )
    return tuple(plan)


def _is_direct_value(value: object) -> bool:
    if _is_direct_class(type(value)):
        return True
    return type(value) in _LISTS and all(_is_direct_class(type(item)) for item in cast("list[object]", value))


def _render_direct(
    parts: tuple[SigilPart, ...], context: dict[str, Any], style: TemplatingStyle, budget: Any
) -> str | None:
    """A sigil template rendered straight from its inputs, or None when :func:`_render_sigils` must do it.

    The most common prompt (``Label: $note``, ``@text``) reads whole inputs of plain contents: its render is then
    the filters' own work without the Jinja2 machinery around them (environment, undefined values, context
    variables), with the same budget checks in the same order: a step for each filter call, the filter's result
    measured, then measured as a printed text, then counted as output. The sigil path (and through it Jinja2's
    semantics) stays the reference; a test compares both on generated templates.
    """
    if style.text_format == "html":
        return None  # Markup values: left to the filters
    plan = _direct_plan(parts)
    if plan is None:
        return None
    for part in plan:
        if isinstance(part, str):
            continue
        value = context.get(part[0], _MISSING)
        if value is _MISSING:
            if not part[2]:
                return None  # a missing input is an error: Jinja2's undefined value says which
        elif not _is_direct_value(value):
            return None
    text_format = style.text_format
    # First with the budget's room counted here: while the steps and the output stay within what it has left, none
    # of its checks below fails (each size checked is at most the output's, and the steps and the output only grow),
    # so the text is the one they let through, made by the same calls in the same order. At the first step or
    # character past it, the render starts again with the checks, to fail where they fail (having done no more work
    # than they let it do).
    room_steps = budget.max_steps - budget.steps
    room_chars = budget.max_chars - budget.output_chars
    steps = 0
    total = 0
    chunks: list[str] = []
    for part in plan:
        if isinstance(part, str):
            total += len(part)
            if total > room_chars:
                break
            chunks.append(part)
            continue
        name, tag, _ = part
        value = context.get(name, _MISSING)
        if value is _MISSING:
            continue
        steps += 1
        if steps > room_steps:
            break
        body = (
            value.text
            if text_format == "plain" and type(value) is TextContent
            else format_as(value, text_format)
        )
        result = body if tag is None else _wrap_tag(body, tag, style.tag_style)
        total += len(result)
        if total > room_chars:
            break
        chunks.append(result)
    else:
        budget.steps += steps
        budget.output_chars += total
        return "".join(chunks)
    chunks = []
    for part in plan:
        if isinstance(part, str):
            budget.output(part)
            chunks.append(part)
            continue
        name, tag, _ = part
        value = context.get(name, _MISSING)
        if value is _MISSING:
            continue  # an absent optional block: ``@?var`` prints nothing (checked above)
        budget.step()  # the ``format`` / ``tag`` filter call
        body = (
            value.text
            if text_format == "plain" and type(value) is TextContent
            else format_as(value, text_format)
        )
        if tag is None:
            result = body
            budget.size(len(result), "the result of the filter 'format'")  # what ``measure`` does with a text
        else:
            result = _wrap_tag(body, tag, style.tag_style)
            budget.size(len(result), "the result of the filter 'tag'")
        budget.size(len(result), "a text")  # the printed value's size check
        budget.output(result)
        chunks.append(result)
    return "".join(chunks)


def _fields_along(value: Any, attributes: tuple[str, ...]) -> Any:
    """``value.a.b...`` when every step reads a declared field of a pydantic model (which the sandbox reads as
    plain ``getattr``: public, not callable, not a mutating method) and the value is defined; else ``_MISSING``."""
    if value is _MISSING or _is_undefined(value):
        return _MISSING
    for attribute in attributes:
        if not isinstance(value, BaseModel) or attribute not in type(value).model_fields:
            return _MISSING
        value = getattr(value, attribute, _MISSING)
        if value is _MISSING or callable(value):
            return _MISSING
    return value


def _sandbox_lookup(part: Sigil, context: dict[str, Any]) -> Any:
    """The value of a sigil's path as the Jinja2 sandbox reads it (an undefined value where it is missing), or
    ``_MISSING`` for ``@?var`` of an undefined variable."""
    from jinja2.utils import missing

    env = _environment(False)
    value = context.get(part.root, missing)
    obj = env.undefined(name=part.root) if value is missing else value
    if part.kind == "optional_tag" and not env.tests["defined"](obj):
        return _MISSING
    for attribute in part.attributes:
        obj = env.getattr(obj, attribute)
    return obj


def _filtered(name: str, function: Callable[..., Any], *args: Any) -> Any:
    """A filter call as the sandbox makes it (its ``guard_filters`` wrapper): one step, then the result's size."""
    budget = current_budget()
    if budget is None:
        return function(*args)
    budget.step()
    return budget.measure(function(*args), f"the result of the filter {name!r}")


class _ToJinja(Exception):
    """The simple renderer met what only Jinja2 can answer (a missing value printed, a non-field attribute...)."""


class _Undefined:
    """What a missing variable is to the simple renderer: false, and iterated as nothing (as Jinja2's undefined)."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __iter__(self) -> Iterator[Any]:
        return iter(())


_UNDEFINED = _Undefined()


def _soft_str(value: Any) -> str:
    return value if isinstance(value, str) else str(value)  # markupsafe.soft_str: a Markup stays one


def _upper(value: Any) -> str:
    return _soft_str(value).upper()


def _lower(value: Any) -> str:
    return _soft_str(value).lower()


def _capitalize(value: Any) -> str:
    return _soft_str(value).capitalize()


def _trim(value: Any, chars: str | None = None) -> str:
    return _soft_str(value).strip(chars)


# The filters the simple renderer calls, with the number of arguments it passes them: ours, and Jinja2's whose code
# is one line (``length`` and ``count`` are ``len``; ``upper``, ``lower``, ``capitalize``, ``trim`` call the same
# ``str`` method on ``soft_str(value)``). Another filter, or another number of arguments (whose error names the
# function), is Jinja2's. No ``markdown``: a filter of HTML templates, which the simple renderer never renders.
_SIMPLE_FILTERS: dict[str, tuple[Callable[..., Any], frozenset[int]]] = {
    "format": (_format_filter, frozenset({0})),
    "tag": (_tag, frozenset({0, 1})),
    "with_images": (_with_images, frozenset({0})),
    "length": (len, frozenset({0})),
    "count": (len, frozenset({0})),
    "upper": (_upper, frozenset({0})),
    "lower": (_lower, frozenset({0})),
    "capitalize": (_capitalize, frozenset({0})),
    "trim": (_trim, frozenset({0, 1})),
}


def _simple_renderable(template: SimpleTemplate) -> bool:
    return template.filters <= _SIMPLE_FILTERS.keys()


class _SimpleRender:
    """A template of :mod:`pipelex.language.simple_templates` rendered as its compiled Jinja2 code would render it in
    the sandbox: the same lookups (a variable of the context, a declared field of a content model), the same filter
    calls, the same budget checks in the same order (a step and a size check per filter, a step per loop item, each
    printed value measured, each output chunk counted), the same chunks (each text, each printed value).

    Whatever Jinja2 would answer differently or with its own objects (printing or filtering a missing variable, an
    attribute that is not a model field, a dict key, a metadata field) raises :class:`_ToJinja` before it is done:
    the caller renders the template again with Jinja2, from the start, with a fresh budget. What ran before is what
    Jinja2 runs first too (images keep their numbers: the registry numbers an image once)."""

    __slots__ = ("budget", "chunks", "context")

    def __init__(self, context: dict[str, Any], budget: RenderBudget) -> None:
        self.context = context
        self.budget = budget
        self.chunks: list[str] = []

    def nodes(self, nodes: tuple[SimpleNode, ...], scope: dict[str, Any]) -> None:
        budget = self.budget
        for (
            node
        ) in nodes:  # dispatched on ``kind``: the node classes are not imported here (see their module)
            if node.kind == "text":
                budget.output(node.text)
                self.chunks.append(node.text)
            elif node.kind == "print":
                value = self.value(node.expr, scope)
                if value is _UNDEFINED:
                    raise _ToJinja  # printing a missing variable: Jinja2's error
                chunk = str(budget.measure(value, "a text"))
                budget.output(chunk)
                self.chunks.append(chunk)
            elif node.kind == "if":
                if self.value(node.test, scope):
                    self.nodes(node.body, scope)
                else:
                    for branch in node.elif_:
                        if self.value(branch.test, scope):
                            self.nodes(branch.body, scope)
                            break
                    else:
                        self.nodes(node.else_, scope)
            else:
                iterated = False
                for item in self.value(node.iter, scope):
                    budget.step()  # the sandbox counts each item as it is taken
                    iterated = True
                    self.nodes(node.body, {**scope, node.target: item})
                if not iterated:
                    self.nodes(node.else_, scope)

    def value(self, expr: SimpleExpr, scope: dict[str, Any]) -> Any:
        if expr.kind == "var":
            return self.lookup(expr, scope)
        if expr.kind == "filter":
            value = self.value(expr.node, scope)
            if (
                value is None
                and expr.name == "format"
                and expr.node.kind == "var"
                and not expr.args
                and _is_nb_output(expr.node.root, expr.node.attributes)
            ):
                return ""  # `$_nb_output` where the model decides the count (see `_compiled`)
            function, arities = _SIMPLE_FILTERS[expr.name]
            if value is _UNDEFINED or len(expr.args) not in arities:
                raise _ToJinja
            self.budget.step()  # the sandbox's filter guard
            return self.budget.measure(function(value, *expr.args), f"the result of the filter {expr.name!r}")
        if expr.kind == "defined":
            return self.value(expr.node, scope) is not _UNDEFINED
        if expr.kind == "not":
            return not self.value(expr.node, scope)
        left = self.value(expr.left, scope)
        if expr.kind == "and":
            return self.value(expr.right, scope) if left else left
        return left if left else self.value(expr.right, scope)

    def lookup(self, var: SimpleVar, scope: dict[str, Any]) -> Any:
        value = scope.get(var.root, _MISSING) if scope else _MISSING
        if value is _MISSING:
            value = self.context.get(var.root, _MISSING)
        if value is _MISSING:
            if var.attributes:
                raise _ToJinja  # an attribute of a missing variable: Jinja2's error
            return _UNDEFINED
        if _is_undefined(value):
            raise _ToJinja
        for attribute in var.attributes:
            if (
                attribute.startswith("_")  # private, or a metadata field: the sandbox decides
                or not isinstance(value, BaseModel)
                or attribute not in type(value).model_fields
            ):
                raise _ToJinja
            value = getattr(value, attribute, _MISSING)
            if value is _MISSING or callable(value):
                raise _ToJinja
        return value


def render_template(
    template: str,
    context: dict[str, Any],
    *,
    pipe_code: str,
    html: bool = False,
    markdown_filter: bool = False,
    style: TemplatingStyle | None = None,
    metadata: Mapping[int, StuffMetadata] | None = None,
    images: ImageRegistry | None = None,
    limits: LimitsConfig | None = None,
) -> str:
    """Render an MTHDS template (sigils allowed) against ``context``; compiled templates are cached.

    ``style`` is the pipe's templating style; ``metadata`` maps ``id(content)`` of each input to what its
    ``_stuff_name``-like fields answer; with ``images`` (an LLM prompt), an image renders as ``[Image N]``
    and is registered there, to be sent beside the text. The render has a budget (``template_max_steps`` and
    ``template_max_output_chars`` of ``limits``, the run's ``[limits]``; the defaults when not given, see
    :mod:`pipelex.pipes.sandbox`): past it the pipe fails with a :class:`LimitExceededError`.
    """
    limits = limits or LimitsConfig()
    budget = RenderBudget(max_steps=limits.template_max_steps, max_chars=limits.template_max_output_chars)
    token = None
    try:
        parts = None if html else sigil_parts(template)  # regular expressions only (cached): no budget to set
        if parts is not None:
            direct = _render_direct(parts, context, style or _DEFAULT_STYLE, budget)
            if direct is not None:
                return direct
        simple = None if html or parts is not None else simple_template(template)
        if simple is not None and not _simple_renderable(simple):
            simple = None
        # Compiling (cached) gets a budget of its own: Jinja2's constant folding runs filters and operators at
        # compile time, which must stay bounded (a bomb can be made of constants) but must not count against the
        # render, or a template's first render would use more steps than its later ones.
        token = set_budget(
            RenderBudget(max_steps=limits.template_max_steps, max_chars=limits.template_max_output_chars)
        )
        jinja = parts is None and simple is None
        compiled, globals_ = _compiled(template, html, markdown_filter) if jinja else (None, None)
        set_budget(budget)
        style_token = _STYLE.set(style or _DEFAULT_STYLE)
        metadata_token = _METADATA.set(metadata if metadata is not None else _NO_METADATA)
        inputs_token = _INPUTS.set(context)
        images_token = _IMAGES.set(images)
        try:
            if parts is not None:  # text and sigils only: rendered without compiling a Jinja2 template
                rendered: list[str] = []
                for chunk in _render_sigils(parts, context):
                    budget.output(chunk)
                    rendered.append(chunk)
                return "".join(rendered)
            if (
                simple is not None
            ):  # the subset of Jinja2 rendered without Jinja2, unless it needs Jinja2's answer
                render = _SimpleRender(context, budget)
                try:
                    render.nodes(simple.nodes, {})
                    return "".join(render.chunks)
                except _ToJinja:
                    set_budget(
                        RenderBudget(
                            max_steps=limits.template_max_steps, max_chars=limits.template_max_output_chars
                        )
                    )
                    compiled, globals_ = _compiled(template, html, markdown_filter)
                    budget = RenderBudget(
                        max_steps=limits.template_max_steps, max_chars=limits.template_max_output_chars
                    )
                    set_budget(budget)
            assert compiled is not None and globals_ is not None
            from jinja2.runtime import new_context

            jinja_context = new_context(
                compiled.environment, compiled.name, compiled.blocks, {**globals_, **context}, True, globals_
            )
            chunks: list[str] = []
            for chunk in compiled.root_render_func(jinja_context):  # type: ignore[attr-defined]
                budget.output(chunk)
                chunks.append(chunk)
            return compiled.environment.concat(chunks)  # type: ignore[attr-defined]
        finally:
            _IMAGES.reset(images_token)
            _INPUTS.reset(inputs_token)
            _METADATA.reset(metadata_token)
            _STYLE.reset(style_token)
    except LimitExceededError as exc:
        raise LimitExceededError(f"pipe {pipe_code!r}: {exc}", limit=exc.limit, pipe_code=pipe_code) from None
    except _template_error() as exc:
        hint = (
            " (the markdown filter turns Markdown into HTML: it is a filter of HTML templates, a PipeCompose "
            'whose template table has category = "html")'
            if not markdown_filter and "No filter named 'markdown'" in str(exc)
            else ""
        )
        raise PipeRunError(
            f"pipe {pipe_code!r}: the template cannot be rendered: {exc}{hint}",
            pipe_code=pipe_code,
            error_type="template_render_failed",
        ) from exc
    except RecursionError:
        raise PipeRunError(
            f"pipe {pipe_code!r}: the template recurses too deeply (a macro calling itself without end, or a value "
            "it built nesting lists or mappings thousands of levels deep, then printed or compared): bound the "
            "recursion or the nesting",
            pipe_code=pipe_code,
            error_type="template_render_failed",
        ) from None
    except (ValueError, TypeError, ArithmeticError, LookupError, AttributeError) as exc:
        raise PipeRunError(
            f"pipe {pipe_code!r}: the template cannot be rendered: {exc}",
            pipe_code=pipe_code,
            error_type="template_render_failed",
        ) from exc
    finally:
        if token is not None:
            reset_budget(token)
        charge(budget)  # the work a Temporal workflow task did inline (no meter elsewhere: a context lookup)


class _NoTemplateError(Exception):
    """Never raised: what :func:`_template_error` answers while Jinja2 is not imported."""


def _template_error() -> type[Exception]:
    """Jinja2's ``TemplateError`` once Jinja2 is imported (only Jinja2 raises it): an ``except`` clause
    evaluates this when an exception reaches it, so a render that never needed Jinja2 does not import it."""
    jinja2 = sys.modules.get("jinja2")
    return jinja2.TemplateError if jinja2 is not None else _NoTemplateError


@cache
def _filter_and_test_names() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A name after ``|`` and after ``is`` / ``is not``: compiled when a condition is first checked."""
    return re.compile(r"\|\s*([A-Za-z_][A-Za-z0-9_]*)"), re.compile(
        r"\bis\s+(?:not\s+)?([A-Za-z_][A-Za-z0-9_]*)"
    )


def unknown_filter_or_test(source: str) -> str | None:
    """Why the Jinja2 ``source`` of a text template does not compile for want of a filter or a test of that name
    (``No filter named 'markdown'.``), or None. Compiled only when it names a filter or test the environment lacks
    (a name after ``|`` or ``is``, which may also be text: the compile decides). A source naming none does not
    load Jinja2 (a ``validate`` whose templates need no Jinja2 never imports it)."""
    filter_name, test_name = _filter_and_test_names()
    names = {m.group(1) for m in filter_name.finditer(source)}
    tests = {m.group(1) for m in test_name.finditer(source)}
    if not names and not tests:
        return None
    env = _environment(False)
    names -= env.filters.keys()
    tests -= env.tests.keys()
    if not names and not tests:
        return None
    from jinja2 import TemplateAssertionError, TemplateSyntaxError

    limits = LimitsConfig()  # compiling folds constants: bounded as a render's compile is
    token = set_budget(
        RenderBudget(max_steps=limits.template_max_steps, max_chars=limits.template_max_output_chars)
    )
    try:
        env.compile(source)
    except TemplateAssertionError as exc:
        message = str(exc.message or exc)
        return message if message.startswith(("No filter named", "No test named")) else None
    except (TemplateSyntaxError, LimitExceededError):
        return None  # a syntax error is the analysis's to report, a bomb the dry run's
    finally:
        reset_budget(token)
    return None


def evaluate_expression(
    expression: str,
    context: dict[str, Any],
    *,
    pipe_code: str,
    is_template: bool,
    metadata: Mapping[int, StuffMetadata] | None = None,
    limits: LimitsConfig | None = None,
) -> str:
    """Evaluate a condition's ``expression`` (``{{ }}`` implied) or ``expression_template`` to a string: the text
    the template prints, as is (the outcome keys are matched exactly, as the reference matches them: a value of
    ``" billing"`` or ``"Billing"`` does not choose the outcome ``billing``)."""
    source = plain_jinja(expression) if is_template else f"{{{{ {expression} }}}}"
    return render_template(source, context, pipe_code=pipe_code, metadata=metadata, limits=limits)
