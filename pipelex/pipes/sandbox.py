"""The Jinja2 sandbox templates render in, with a budget per render (a bundle is untrusted input).

Jinja2's own sandbox keeps templates away from Python internals, but not from unbounded work: two nested
``range(100000)`` loops spin for hours, ``'a' * 10**10`` or ``lipsum(n=2000000)`` fill the memory. Here every
render gets a :class:`RenderBudget` from ``[limits]``:

- **steps** (``template_max_steps``): every loop iteration (``{% for %}``, recursive ``loop()``) and every call
  (functions, methods, macros, filters) takes one; past the budget the render stops;
- **size** (``template_max_output_chars``): the output, and every text or list built while rendering (``~``,
  ``+``, ``*``, ``%``, filters, methods, block ``set``), stays under it. Operations whose result would pass it
  are refused *before* they allocate when their size can be told from their arguments (``'a' * n``,
  ``center(n)``, ``'%0*d'``, ``replace``, ``join``, ``indent``, the same on ``bytes``, ``to_bytes``...), a
  ``str.format`` call field by field as it formats (:class:`_WeighedFormatter`), and checked after otherwise; everything the render builds is also counted in all (``RenderBudget.build``), so
  many values each under the bound cannot be kept together in a list or a mapping;
- integers stay under ``_MAX_INT_BITS`` bits (``9 ** 9 ** 9`` is refused before it is computed);
- the globals are ``range`` (bounded by the step budget), ``dict``, ``namespace``, ``cycler`` and ``joiner``:
  ``lipsum``, which generates text, is not offered.

A content object (a pydantic model) offers its fields and pipelex's own methods (``markdown_text``), never
pydantic's machinery: ``BaseModel.parse_file`` reads any file of the server, ``parse_raw(...,
content_type="application/pickle", allow_pickle=True)`` unpickles a string the template built (arbitrary code),
``model_rebuild`` and ``model_construct`` change or forge models. Of pydantic's names only the read-only
dumps (``model_dump``, ``model_dump_json``, ``dict``, ``json``) stay reachable.

Loops are counted by rewriting the template's tree when it is compiled: each ``for`` iterates through a
counting filter, each ``~`` concatenation and each printed expression goes through a size check.

No value a template can print shows a memory address (Python's default ``repr``: ``<built-in method
fromisoformat of type object at 0x7f...>``, which tells the server's memory layout): a function or method read
as an attribute or item is handed out as :class:`_Function` (printed ``<method fromisoformat>``, called through
the sandbox as before), the iterators filters return (``map``, ``select``, ``reverse``...) as :class:`_Iterated`
(printed ``<iterator>``), and the globals ``range``, ``cycler()`` and ``joiner()`` print their names.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Iterator, Sized
from functools import cache, wraps
from functools import partial as functools_partial
from typing import Any, cast

from jinja2 import Environment, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, LoopContext
from jinja2.sandbox import SandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
from jinja2.utils import Cycler, Joiner, Namespace
from jinja2.visitor import NodeTransformer
from markupsafe import Markup
from pydantic import BaseModel

from pipelex.errors import TemplateBudgetExceeded
from pipelex.narrowing import is_dict, is_sequence, is_tuple
from pipelex.pipes.render_budget import BUDGET as _BUDGET
from pipelex.pipes.render_budget import MAX_INT_BITS as _MAX_INT_BITS
from pipelex.pipes.render_budget import RenderBudget
from pipelex.pipes.render_budget import built as _built
from pipelex.pipes.render_budget import sized as _sized

TEMPLATE_TOO_DEEP = (
    "the template nests too deeply to be compiled (loops, blocks, brackets or filters inside each other, "
    "past what Jinja2 and Python can compile): flatten it"
)
_ITER_FILTER = "_pipelex_counted"
_SIZE_FILTER = "_pipelex_sized"
_BUILT_FILTER = "_pipelex_built"
_OPERAND_FILTER = "_pipelex_operand"
_DIGITS_RE = re.compile(r"\d+")


# ---------------------------------------------------------------------------------------------------- checks
def _int_args(args: Iterable[Any]) -> Iterator[int]:
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool):
            yield arg


def _length(value: Any) -> int:
    return len(value) if isinstance(value, Sized) else 0


# after a ``%`` (and its key): flags, width, precision, length modifier and the conversion, as ``%`` formatting reads
# them; possessive, so a failed match never backtracks
_PERCENT_TAIL_RE = re.compile(r"[#0\- +]*+(\*|\d++)?+(?:\.(\*|\d++)?+)?+[hlL]?+", re.ASCII)
_PARENTHESIS_RE = re.compile(r"[()]")


def _check_widths(budget: RenderBudget, numbers: Iterable[str | None]) -> None:
    for digits in numbers:
        if digits and digits != "*":
            budget.size(int(digits) if len(digits) <= 12 else 10**12, "a formatted text")


def _percent_widths(text: str) -> Iterator[str | None]:
    """The widths and precisions of the conversions of a ``%`` format, read left to right in one pass as ``%``
    formatting reads them: a key in parentheses ends at its matching parenthesis (``'%((a))9s'`` has the key
    ``(a)``), and ``%%`` is a literal percent sign. Linear in the text (a pattern searched from every ``%`` took
    quadratic time on ``'%(' * n``, and missed the width after a key holding parentheses)."""
    end = len(text)
    position = text.find("%")
    while position != -1:
        position += 1
        if position < end and text[position] == "(":
            depth = 0
            for parenthesis in _PARENTHESIS_RE.finditer(text, position):
                depth += 1 if parenthesis.group() == "(" else -1
                if depth == 0:
                    position = parenthesis.end()
                    break
            else:
                return  # an unclosed key: formatting fails there ("incomplete format key")
        tail = _PERCENT_TAIL_RE.match(text, position)
        if tail is None:  # pragma: no cover - every part of the tail is optional
            return
        yield from tail.groups()
        position = text.find("%", tail.end() + 1)  # past the conversion character (the second % of %%)


def _percent_keys(text: str) -> Iterator[tuple[str | None, int]]:
    """The conversions of a ``%`` format, read as :func:`_percent_widths` reads them: each one's key (None for a
    positional one) and the positional arguments it takes (a ``*`` width or precision takes one more)."""
    end = len(text)
    position = text.find("%")
    while position != -1:
        position += 1
        key: str | None = None
        if position < end and text[position] == "(":
            depth = 0
            for parenthesis in _PARENTHESIS_RE.finditer(text, position):
                depth += 1 if parenthesis.group() == "(" else -1
                if depth == 0:
                    key = text[position + 1 : parenthesis.start()]
                    position = parenthesis.end()
                    break
            else:
                return
        tail = _PERCENT_TAIL_RE.match(text, position)
        if tail is None:  # pragma: no cover - every part of the tail is optional
            return
        if tail.end() < end and text[tail.end()] != "%":
            yield key, (key is None) + sum(part == "*" for part in tail.groups())
        position = text.find("%", tail.end() + 1)


def _check_percent_values(budget: RenderBudget, spec: str, right: Any, values: tuple[Any, ...]) -> None:
    """Refuse a ``%`` format whose conversions would write more text than the size budget, before it is built: each
    writes its value's text at the least (a key repeated writes its value each time: ``('%(a)s' * 3000) % d``)."""
    if not any(isinstance(value, (str, bytes, *_TEXT_CONTAINERS)) for value in (*values, right)):
        return
    made = 0
    taken = 0
    for key, arguments in _percent_keys(spec):
        if key is not None:
            value = right.get(key) if is_dict(right) else None
        else:
            taken += arguments
            value = values[taken - 1] if 0 < taken <= len(values) else None
        made += text_size(value, budget.max_chars)
        budget.size(made, "a formatted text")


def _check_percent_format(budget: RenderBudget, text: str) -> None:
    """Refuse a ``%`` format whose widths or precisions pass the size budget (``'%0999999999d'``)."""
    _check_widths(budget, _percent_widths(text))


class _WeighedFormatter(SandboxedFormatter):
    """Jinja2's sandboxed formatter of ``str.format`` / ``format_map``, weighing each replacement field as Python's
    own formatter (``string.Formatter``, which Jinja2's sandbox formats with) reaches it: its spec, once the fields
    nested in it are replaced (``'{:{w}}'.format(x, w='999999999')``, ``'{0:{1[0]}}'``, a width from a mapping),
    is refused when a width or precision passes the size budget, before the field is formatted; and the text
    made so far is refused past the budget as each field adds to it (``('{0}' * 1000).format(t)`` of a text ``t``
    under the budget), so no format call builds more than one field past the bound. Checking the call's text and
    its arguments before it (a pattern over the spec, the integers among the arguments) missed the widths the
    arguments hold in other shapes and the fields repeated, and let a call build gigabytes."""

    def __init__(self, env: Environment, budget: RenderBudget, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        self._budget = budget
        self._made = 0

    def format_field(self, value: Any, format_spec: str) -> Any:
        _check_widths(self._budget, _DIGITS_RE.findall(format_spec))
        self._budget.size(self._made + text_size(value, self._budget.max_chars), "a formatted text")
        piece = super().format_field(value, format_spec)
        self._made += len(piece)
        self._budget.size(self._made, "a formatted text")
        return piece


class _WeighedEscapeFormatter(_WeighedFormatter, SandboxedEscapeFormatter):
    """:class:`_WeighedFormatter` for a ``Markup`` text (its fields escaped, as Jinja2's sandbox does)."""


def _estimate_str_method(
    budget: RenderBudget, text: str | bytes, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Refuse a ``str`` (or ``bytes``) method whose result would pass the size budget, before calling it."""
    values = [*args, *kwargs.values()]
    if name in ("ljust", "rjust", "center", "zfill"):
        for width in _int_args(values):
            budget.size(width, "a padded text")
    elif name == "expandtabs":
        tabs = text.count("\t") if isinstance(text, str) else text.count(b"\t")
        for size in _int_args(values):
            budget.size(len(text) + tabs * size, "a text")
    elif name == "replace" and len(args) >= 2 and type(args[0]) is type(text) and type(args[1]) is type(text):
        old: Any = args[0]
        new: Any = args[1]
        occurrences = len(text) + 1 if not old else text.count(old)
        budget.size(len(text) + occurrences * len(new), "a text")
    elif name == "join" and args:
        budget.size(
            _length(args[0]) * len(text) + sum(_length(item) for item in _sized_items(args[0])), "a text"
        )
    elif name == "translate" and args and is_dict(args[0]):
        longest = max((_length(v) for v in args[0].values()), default=1)
        budget.size(len(text) * max(longest, 1), "a text")


_INDENT_WALK_NODES = 100_000


def _estimate_json_indent(budget: RenderBudget, value: Any, indent: Any) -> None:
    """Refuse a JSON dump whose ``indent`` would make it pass the size budget, before dumping it: each value
    nested ``d`` levels down starts a line of ``d * indent`` spaces (``model_dump_json(indent=999999999)`` of a
    two-field model is gigabytes; pydantic's serializer panics or the process runs out of memory)."""
    if not isinstance(indent, int) or indent <= 0:
        return
    spaces = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    seen = 0
    while stack and seen < _INDENT_WALK_NODES:
        item, depth = stack.pop()
        seen += 1
        spaces += depth
        if isinstance(item, BaseModel):
            children: Iterable[Any] = [getattr(item, name, None) for name in type(item).model_fields]
        elif is_dict(item):
            children = item.values()
        elif is_sequence(item) and not isinstance(item, str | bytes):
            children = item
        else:
            continue
        stack.extend((child, depth + 1) for child in children)
        if spaces * indent > budget.max_chars:
            break
    budget.size(spaces * indent, "an indented JSON text")


# the values whose text (``str``, a list's ``repr``, ``tojson``, ``join``, the ``tag`` and ``format`` filters) can be far
# longer than their length: a list of 3,000 references to one text of 1 MB is 3,000 items, written 3 GB
_EMPTY: dict[str, Any] = {}
_TEXT_CONTAINERS: tuple[type, ...] = (
    list,
    tuple,
    set,
    frozenset,
    dict,
    Namespace,
    type(_EMPTY.keys()),
    type(_EMPTY.values()),
    type(_EMPTY.items()),
)
_TEXT_SIZE_VISITS = 2_000_000
_PLAIN_TEXTS = frozenset({str})
_END = object()


def _parts(value: Any) -> Iterator[Any] | None:
    """The values a value's text writes in full, whatever the way it is written: a container's items (a mapping's
    keys and values), a model's fields; None for a leaf. An image or a document is written as a link or a token
    (``[Image 1]``), shorter than its URL (a data URL), and a ``ListContent`` inside a list by its count: none of
    their fields counts."""
    if isinstance(value, Namespace):
        value = object.__getattribute__(value, "_Namespace__attrs")
    if is_dict(value):
        return (part for pair in value.items() for part in pair)
    if isinstance(value, _TEXT_CONTAINERS):
        return iter(cast(Iterable[Any], value))
    if isinstance(value, BaseModel):
        if _is_written_short(type(value)):
            return iter(())
        return iter(list(value.__dict__.values()))
    return None


@cache
def _is_written_short(cls: type) -> bool:
    """``cls`` is written shorter than its fields somewhere: the content class of an image or a document, or one
    deriving from it (a concept refining Image: a link or a token), or a model with its own ``repr`` (a
    ``ListContent``'s, ``ListContent(<3 items>)``, inside a list)."""
    return cls.__repr__ is not BaseModel.__repr__ or any(
        base.__name__ in ("ImageContent", "DocumentContent") for base in cls.__mro__
    )


def text_size(value: Any, bound: int) -> int:
    """The length of the text of ``value`` (``str``, ``repr``, JSON, a filter's text), at the least: the texts it
    holds, however deep, each written in full by every way of writing it (quotes, separators and headings only add
    to them), read without building it, a part shared or repeated measured once and counted each time: a number
    past ``bound`` as soon as it passes it. A text of every value a container holds is built when it is printed,
    concatenated (``~``), formatted (``%``, ``str.format``) or given to a filter that reads it as text
    (``string``, ``tojson``, ``join``, ``tag``...): the budget is asked before, since a few thousand references
    to one text under the budget make gigabytes."""
    if isinstance(value, str | bytes):
        return len(value)
    if type(value) in (list, tuple) and set(map(type, value)) <= _PLAIN_TEXTS:  # (most lists: one pass in C)
        return sum(map(len, value))
    parts = _parts(value)
    if parts is None:
        return 0
    done: dict[int, int] = {}
    held: list[Any] = [value]  # every value measured stays alive, so no id is reused during the walk
    opened: set[int] = {id(value)}
    stack: list[list[Any]] = [[id(value), parts, 0]]
    total = 0
    visits = 0
    while stack and total <= bound and visits < _TEXT_SIZE_VISITS:
        visits += 1
        frame = stack[-1]
        child = next(frame[1], _END)
        if child is _END:
            stack.pop()
            opened.discard(frame[0])
            done[frame[0]] = frame[2]
            if stack:
                stack[-1][2] += frame[2]
            continue
        if isinstance(child, str | bytes):
            frame[2] += len(child)
            total += len(child)
            continue
        key = id(child)
        if key in done:
            frame[2] += done[key]
            total += done[key]
        elif key not in opened:  # (a container holding itself is written `[...]`)
            inner = _parts(child)
            if inner is not None:
                held.append(child)
                opened.add(key)
                stack.append([key, inner, 0])
    return total


def _check_text(budget: RenderBudget, value: Any, what: str = "a text") -> None:
    """Refuse a container whose text would pass the size budget, before it is written (see :func:`text_size`)."""
    if isinstance(value, _TEXT_CONTAINERS):
        budget.size(text_size(value, budget.max_chars), what)


def _printed(value: Any) -> Any:
    """The size filter of printed values: a container's text weighed before it is written, then the value checked
    as before (:func:`pipelex.pipes.render_budget.sized`)."""
    if type(value) is not str:
        budget = _BUDGET.get()
        if budget is not None:
            _check_text(budget, value)
    return _sized(value)


def _operand(value: Any) -> Any:
    """The filter of each operand of ``~`` that is not a literal: a container's text weighed before it is written
    (the concatenation itself is checked once made, :func:`pipelex.pipes.render_budget.built`)."""
    if type(value) is not str:
        budget = _BUDGET.get()
        if budget is not None:
            _check_text(budget, value)
    return value


def _sized_items(value: Any) -> list[Any]:
    return list(value) if is_sequence(value) else []


def _estimate_filter(
    budget: RenderBudget, name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Refuse a filter whose result would pass the size budget, before running it."""
    values = [*args, *kwargs.values()]
    text = value if isinstance(value, str) else None
    if name in ("center", "batch", "slice"):
        for number in _int_args(values):
            budget.size(number, "a padded text or list")
    elif name == "indent":
        width = kwargs.get("width", args[0] if args else 4)
        unit = width if isinstance(width, int) and not isinstance(width, bool) else _length(width)
        source = text if text is not None else str(value)
        budget.size(len(source) + (source.count("\n") + 1) * unit, "an indented text")
    elif name == "wordwrap" and text is not None:
        width = kwargs.get("width", args[0] if args else 79)
        wrap = kwargs.get("wrapstring", args[2] if len(args) > 2 else "\n")
        if isinstance(width, int) and width > 0:
            budget.size(len(text) + (len(text) // width + 1) * _length(wrap), "a wrapped text")
    elif name == "replace" and text is not None and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        occurrences = len(text) + 1 if old == "" else text.count(old)
        budget.size(len(text) + occurrences * len(new), "a text")
    elif name == "join":
        separator = kwargs.get("d", args[0] if args else "")
        budget.size(_length(value) * _length(separator), "a joined text")
    elif name == "list" and isinstance(value, Sized):
        budget.size(len(value), "a list")
    elif name == "tojson":
        _estimate_json_indent(budget, value, kwargs.get("indent", args[0] if args else None))
    elif name == "sum" and not isinstance(kwargs.get("start", args[1] if len(args) > 1 else 0), int | float):
        # sum(start=[]) concatenates: the result holds every item's length (and Python builds it quadratically)
        budget.size(sum(_length(item) for item in _sized_items(value)), "a summed list or text")


# the filters that write their value as text (a list's items, however deep): Jinja2's that read it as a text, and
# pipelex's own (`format`, `tag`, `markdown`, `with_images`)
_TEXT_FILTERS = frozenset(
    {
        "capitalize",
        "center",
        "e",
        "escape",
        "forceescape",
        "format",
        "indent",
        "join",
        "lower",
        "markdown",
        "pprint",
        "replace",
        "safe",
        "string",
        "striptags",
        "tag",
        "title",
        "tojson",
        "trim",
        "truncate",
        "upper",
        "urlencode",
        "urlize",
        "with_images",
        "wordcount",
        "wordwrap",
        "xmlattr",
    }
)
_SIZE_FILTERS = frozenset(
    {"center", "batch", "slice", "indent", "wordwrap", "replace", "join", "list", "tojson", "sum"}
)


# Jinja2's filters that compare texts ignoring case unless ``case_sensitive=true``: each text they compare is
# lowercased first, a copy per item (per comparison key), however often the same text comes back; the number of
# copies of each text (``groupby`` lowercases its keys to sort, then to group)
_CASE_FOLDING_FILTERS = {"unique": 1, "sort": 1, "min": 1, "max": 1, "dictsort": 1, "groupby": 2}


def _spend_case_folding(
    budget: RenderBudget, name: str, function: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Count the lowercased copies a case-folding filter will make in what the render builds in all, before it
    runs: ``(['x' * 999999] * 3000)|unique`` lowercased 3 GB of text (~4 s of CPU) within every size limit. A list,
    a tuple or a mapping is read ahead; an iterator is not (it would be used up), its items were counted as they
    were built."""
    import inspect

    try:
        arguments = inspect.signature(function).bind(*args, **kwargs).arguments
    except (TypeError, ValueError):
        return  # the filter refuses its arguments itself
    if arguments.get("case_sensitive", False):
        return
    value = arguments.get("value")
    texts: Iterable[Any]
    if name == "dictsort":
        if not is_dict(value):
            return
        texts = value.values() if arguments.get("by", "key") == "value" else value.keys()
    else:
        items = _sized_items(value)
        attribute = arguments.get("attribute")
        environment = arguments.get("environment")
        if attribute is not None and isinstance(environment, Environment):
            from jinja2.filters import make_attrgetter

            getter = make_attrgetter(environment, attribute)
            texts = (getter(item) for item in items)
        else:
            texts = items
    chars = sum(len(text) for text in texts if isinstance(text, str))
    budget.spend(chars * _CASE_FOLDING_FILTERS[name])


def _guarded_filter(name: str, function: Any) -> Any:
    @wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        budget = _BUDGET.get()
        if budget is None:
            return _shown(function(*args, **kwargs))
        budget.step()
        # the value is the first argument after the context/environment ones a pass_* filter receives
        offset = 1 if args and _is_passed_arg(args[0]) else 0
        if name in _TEXT_FILTERS and len(args) > offset:  # the value's text is built: weighed before
            _check_text(budget, args[offset], f"the text given to the filter {name!r}")
        if name in _SIZE_FILTERS and len(args) > offset:
            _estimate_filter(budget, name, args[offset], args[offset + 1 :], kwargs)
        if name in _CASE_FOLDING_FILTERS:
            _spend_case_folding(budget, name, function, args, kwargs)
        return _shown(budget.build(function(*args, **kwargs), f"the result of the filter {name!r}"))

    return guarded


# ------------------------------------------------------------------------------------- values without addresses
_FUNCTION_TYPES = (
    types.FunctionType,
    types.MethodType,
    types.BuiltinFunctionType,
    types.MethodWrapperType,
    types.WrapperDescriptorType,
    types.MethodDescriptorType,
    types.ClassMethodDescriptorType,
)


class _Function:
    """A function or method a template read (``d.fromisoformat``): printed by its name, called through the
    sandbox's ``call`` (which unwraps it, so every check applies to the function itself)."""

    __slots__ = ("function",)

    def __init__(self, function: Any) -> None:
        self.function = function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise SecurityError("a template's function is called through the sandbox only")

    def __repr__(self) -> str:
        return f"<method {getattr(self.function, '__name__', '?')}>"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Function) and other.function == self.function

    def __hash__(self) -> int:
        return hash(self.function)


class _Iterated:
    """An iterator a filter returned (``map``, ``select``, ``reverse``...): iterated as it is, printed
    ``<iterator>`` (a generator's ``repr`` holds its address)."""

    __slots__ = ("iterator",)

    def __init__(self, iterator: Iterator[Any]) -> None:
        self.iterator = iterator

    def __iter__(self) -> Iterator[Any]:
        return self.iterator

    def __next__(self) -> Any:
        return next(self.iterator)

    def __repr__(self) -> str:
        return "<iterator>"

    __str__ = __repr__


def _shown(value: Any) -> Any:
    """``value`` as a template may hold it: a function or an iterator wrapped so that printing it shows no
    memory address; anything else as it is."""
    if isinstance(value, _FUNCTION_TYPES) or type(value) is functools_partial:
        return _Function(value)
    if isinstance(value, Iterator) and not isinstance(value, _Iterated | str):
        return _Iterated(cast(Iterator[Any], value))
    return value


class _BoundedRange:
    """The ``range`` global (bounded by the step budget), printed by its name."""

    def __call__(self, *args: int) -> range:
        return _bounded_range(*args)

    def __repr__(self) -> str:
        return "<function range>"


class _Cycler(Cycler):
    def __repr__(self) -> str:
        return "<cycler>"


class _Joiner(Joiner):
    def __repr__(self) -> str:
        return "<joiner>"


def _is_passed_arg(value: Any) -> bool:
    return isinstance(value, Context | Environment | nodes.EvalContext)


# ---------------------------------------------------------------------------------------------------- the tree
class _Guard(NodeTransformer):
    """Loops iterate through the counting filter; concatenations and printed values through the size check."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, _ITER_FILTER, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        node.nodes = [  # each operand's text weighed before it is written (a container's)
            child
            if isinstance(child, nodes.Const)
            else nodes.Filter(child, _OPERAND_FILTER, [], [], None, None, lineno=child.lineno)
            for child in node.nodes
        ]
        return nodes.Filter(node, _BUILT_FILTER, [], [], None, None, lineno=node.lineno)

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        node.nodes = [
            child
            if isinstance(child, nodes.TemplateData)
            else nodes.Filter(child, _SIZE_FILTER, [], [], None, None, lineno=child.lineno)
            for child in node.nodes
        ]
        return node


def _counted(iterable: Any) -> Iterator[Any]:
    budget = _BUDGET.get()
    if budget is None:
        yield from iterable
        return
    for item in iterable:
        budget.step()
        yield item


def _bounded_range(*args: int) -> range:
    budget = _BUDGET.get()
    numbers = range(*args)
    if budget is not None and len(numbers) > budget.max_steps:
        raise TemplateBudgetExceeded(
            f"range() of {len(numbers)} numbers is more than the template budget of {budget.max_steps} steps "
            "([limits] template_max_steps in pipelex.toml)",
            limit="template_max_steps",
        )
    return numbers


# what a template may read of pydantic's own attributes on a content object: its read-only dumps
_PYDANTIC_ALLOWED = frozenset({"model_dump", "model_dump_json", "dict", "json"})


@cache
def _pydantic_names() -> frozenset[str]:
    from pydantic import BaseModel

    return frozenset(dir(BaseModel)) - _PYDANTIC_ALLOWED


def _is_pydantic_machinery(obj: Any, attr: str) -> bool:
    """Whether ``attr`` of ``obj`` (a model or a model class) is pydantic's machinery, not a field's value."""
    from pydantic import BaseModel

    model = obj if isinstance(obj, type) else type(obj)
    if not issubclass(model, BaseModel):
        return False
    if attr in model.model_fields and not isinstance(obj, type):
        return False  # a field named like a pydantic method (``json``, ``schema``): its value
    return attr in _pydantic_names()


class BudgetedEnvironment(SandboxedEnvironment):
    """The sandbox with the render budget enforced (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    # jinja2 leaves these to inference from its default entries (``range`` is the class there); any value goes
    globals: dict[str, Any]
    filters: dict[str, Any]
    tests: dict[str, Any]

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals.pop("lipsum", None)
        self.globals["range"] = _BoundedRange()
        self.globals["cycler"] = _Cycler
        self.globals["joiner"] = _Joiner
        self.filters[_ITER_FILTER] = _counted
        self.filters[_SIZE_FILTER] = _printed
        self.filters[_BUILT_FILTER] = _built
        self.filters[_OPERAND_FILTER] = _operand

    def guard_filters(self) -> None:
        """Wrap every filter (call once the filters are all registered)."""
        for name, function in list(self.filters.items()):
            if name not in (_ITER_FILTER, _SIZE_FILTER, _BUILT_FILTER, _OPERAND_FILTER) and not getattr(
                function, "_pipelex_guarded", False
            ):
                guarded = _guarded_filter(name, function)
                guarded._pipelex_guarded = True  # type: ignore[attr-defined]
                self.filters[name] = guarded

    def compile(  # type: ignore[override]  # jinja2 declares overloads on ``raw``; any call passes through
        self,
        source: str | nodes.Template,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        """Jinja2's compile, with a template past the nesting Python can compile (20 loops, 100 indented blocks
        inside each other) or Jinja2 can parse (brackets, filters or blocks a few dozen deep: its parser and code
        generator recurse) refused as a template error, instead of a ``SyntaxError`` about the generated code
        or a ``RecursionError``."""
        from jinja2 import TemplateError

        try:
            return super().compile(source, name, filename, raw, defer_init)  # pyright: ignore[reportCallIssue, reportArgumentType]
        except (SyntaxError, RecursionError):
            raise TemplateError(TEMPLATE_TOO_DEEP) from None

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        guarded = _Guard().visit(tree)
        guarded.set_environment(self)
        return guarded

    def wrap_str_format(self, value: Any) -> Any:
        """Jinja2's sandboxed ``str.format`` / ``format_map`` (the same checks of its arguments), formatting with
        :class:`_WeighedFormatter` while a render's budget is set."""
        if not isinstance(value, types.MethodType | types.BuiltinMethodType) or value.__name__ not in (
            "format",
            "format_map",
        ):
            return None
        text: Any = value.__self__
        if not isinstance(text, str):
            return None
        is_format_map = value.__name__ == "format_map"

        @wraps(value)
        def weighed(*args: Any, **kwargs: Any) -> str:
            if is_format_map:
                if kwargs:
                    raise TypeError("format_map() takes no keyword arguments")
                if len(args) != 1:
                    raise TypeError(f"format_map() takes exactly one argument ({len(args)} given)")
                kwargs, args = args[0], ()
            budget = _BUDGET.get()
            formatter: SandboxedFormatter
            if budget is None:  # a render outside a budget (none in pipelex): Jinja2's own formatters
                formatter = (
                    SandboxedEscapeFormatter(self, escape=text.escape)
                    if isinstance(text, Markup)
                    else SandboxedFormatter(self)
                )
            elif isinstance(text, Markup):
                formatter = _WeighedEscapeFormatter(self, budget, escape=text.escape)
            else:
                formatter = _WeighedFormatter(self, budget)
            return type(text)(formatter.vformat(text, args, kwargs))

        return weighed

    def getattr(self, obj: Any, attribute: str) -> Any:
        return _shown(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        return _shown(super().getitem(obj, argument))

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja2's rule, and none of pydantic's machinery on a content object (see the module docstring)."""
        if _is_pydantic_machinery(obj, attr):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = _BUDGET.get()
        if budget is not None:
            budget.step()
            _estimate_binop(budget, operator, left, right)
            return budget.build(super().call_binop(context, operator, left, right), "a value")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        if isinstance(__obj, _Function):
            __obj = __obj.function
        budget = _BUDGET.get()
        if budget is None:
            return SandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs)
        budget.step()
        if isinstance(__obj, LoopContext) and args:  # a recursive loop: its new items are counted too
            args = (_counted(args[0]), *args[1:])
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format / format_map
        owner = getattr(method, "__self__", None)
        if isinstance(owner, str | bytes):
            _estimate_str_method(budget, owner, getattr(method, "__name__", ""), args, kwargs)
        elif isinstance(owner, int) and getattr(method, "__name__", "") == "to_bytes":  # (1).to_bytes(10**9)
            for length in _int_args((*args[:1], kwargs.get("length"))):
                budget.size(length, "a byte string")
        elif isinstance(owner, BaseModel) and "indent" in kwargs:  # model_dump_json(indent=n)
            _estimate_json_indent(budget, owner, kwargs["indent"])
        elif isinstance(owner, list | dict | set):
            for value in (*args, *kwargs.values()):
                budget.measure(value, "a value")
            if getattr(__obj, "__name__", "") == "extend":
                budget.size(len(cast(Sized, owner)) + sum(_length(a) for a in args), "a list")
        result = SandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs)
        if isinstance(owner, list | dict | set):
            budget.measure(owner, "a list")
        return budget.build(result, "a value")


def _estimate_binop(budget: RenderBudget, operator: str, left: Any, right: Any) -> None:
    """Refuse ``*``, ``**``, ``%`` whose result would pass the budget, before computing it."""
    ints = [isinstance(v, int) and not isinstance(v, bool) for v in (left, right)]
    if operator == "*":
        if all(ints):
            if left.bit_length() + right.bit_length() > _MAX_INT_BITS:
                budget.too_big_int()
        elif ints[1] and isinstance(left, Sized):
            budget.size(len(left) * max(right, 0), "a repeated text or list")
        elif ints[0] and isinstance(right, Sized):
            budget.size(len(right) * max(left, 0), "a repeated text or list")
    elif operator == "**" and all(ints):
        if right > 0 and abs(left) > 1 and left.bit_length() * right > _MAX_INT_BITS:
            budget.too_big_int()
    elif operator == "%" and isinstance(left, str | bytes):  # b'%0999999999d' % 1 formats bytes alike
        spec = left if isinstance(left, str) else left.decode("latin-1")
        _check_percent_format(budget, spec)
        values = right if is_tuple(right) else (right,)
        if "*" in spec:
            for number in _int_args(values):
                budget.size(number, "a formatted text")
        _check_percent_values(budget, spec, right, values)
