"""Template sigils (``$var``, ``@var``, ``@?var``) turned into Jinja2, and static analysis of templates.

``$var.path`` inserts a value inline; ``@var`` alone on its line inserts a tagged block; ``@?var`` does
so only when ``var`` is present (``@?var.path``: when the value at the path is present and not empty, false, zero
or None); ``@@`` is a literal ``@`` and ``$$`` a literal ``$``. Raw Jinja2 is always allowed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache, lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pipelex.record import FrozenRecord

if TYPE_CHECKING:
    from jinja2 import Environment

    from pipelex.language.simple_templates import SimpleTemplate

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_PATH = rf"{_IDENT}(?:\.{_IDENT})*"
_DOLLAR_RE = re.compile(rf"(?<![A-Za-z0-9_$])\$({_PATH})")


@cache
def _at_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The ``@`` sigil alone on its line, and anywhere in a line: compiled when a template first holds an ``@``
    (~2 M instructions; a bundle of ``$`` templates never needs them)."""
    return (
        re.compile(rf"^(?P<indent>[ \t]*)@(?P<opt>\?)?(?P<path>{_PATH})[ \t]*$"),
        re.compile(rf"(?<![A-Za-z0-9_@.])@\??({_PATH})"),
    )


# `@@` and `$$` while a line is preprocessed (a template never holds NUL: the parser refuses it)
_AT_ESCAPE = "\x00\x01"
_DOLLAR_ESCAPE = "\x00\x02"


STUFF_METADATA_FIELDS = frozenset({"_stuff_name", "_concept_code", "_content_class", "_stuff_code"})
"""The underscore names a template may read on an input (``{{ invoice._concept_code }}``)."""

NB_OUTPUT_VARIABLE = "_nb_output"
"""The runtime variable of a PipeLLM or PipeImgGen: the number of outputs asked for (``$_nb_output``)."""


def preprocess(template: str) -> str:
    """Turn the sigils of ``template`` into Jinja2 source (an ``@`` inside a line stays as written)."""
    out_lines: list[str] = []
    for line in template.split("\n"):
        at_line = _at_patterns()[0] if "@" in line else None
        match = at_line.match(line) if at_line is not None else None
        if match:
            path = match.group("path")
            root = path.split(".")[0]
            block = f'{{{{ {path}|tag("{path}") }}}}'
            if match.group("opt"):
                if path != root:  # `@?x.field`: nothing when the field is unset or empty, as the reference
                    block = f"{{% if {path} %}}{block}{{% endif %}}"
                block = f"{{% if {root} is defined %}}{block}{{% endif %}}"
            out_lines.append(match.group("indent") + block)
            continue
        # an `@name` inside a line is text here (a handle, an e-mail address); when `name` is an input of the pipe,
        # validation refuses it (:func:`inline_at_sigils`)
        protected = _substitute_dollars(line.replace("@@", _AT_ESCAPE).replace("$$", _DOLLAR_ESCAPE))
        out_lines.append(protected.replace(_AT_ESCAPE, "@").replace(_DOLLAR_ESCAPE, "$"))
    return "\n".join(out_lines)


@lru_cache(maxsize=4096)
def inline_at_sigils(template: str) -> tuple[tuple[str, str], ...]:
    """The ``@path`` written inside a line of ``template`` (not alone on it, not inside Jinja2), as (the line, the
    path), in order. Such an ``@`` is text where ``path`` names no input of the pipe (``Sign as @support_team``,
    ``team@example.com``), and a misused block where it does (validation refuses it, :func:`inline_at_message`),
    as in the reference."""
    if "@" not in template:
        return ()
    at_line, at_inline = _at_patterns()
    found: list[tuple[str, str]] = []
    for line in template.split("\n"):
        if "@" not in line or at_line.match(line):
            continue
        protected = line.replace("@@", _AT_ESCAPE).replace("$$", _DOLLAR_ESCAPE)
        spans = _jinja_spans(protected)
        for inline in at_inline.finditer(protected):
            if not _inside_jinja(spans, inline.start()):
                found.append((line, inline.group(1)))
    return tuple(found)


def inline_at_message(line: str, path: str) -> str:
    """What is wrong with an ``@path`` of an input written inside ``line``, and the fixes."""
    return (
        f"the '@' sigil in {line.strip()!r} produces tag-wrapped block content and must appear alone on its "
        f"own line: put '@{path}' on a line of its own, use '${path}' for an inline value, or write '@@' for a "
        "literal '@'"
    )


def _substitute_dollars(line: str) -> str:
    if "$" not in line:
        return line
    spans = _jinja_spans(line)

    def replace(match: re.Match[str]) -> str:
        if _inside_jinja(spans, match.start()):
            return match.group(0)
        return f"{{{{ {match.group(1)}|format }}}}"

    return _DOLLAR_RE.sub(replace, line)


_JINJA_CLOSE = {"{": "}}", "%": "%}", "#": "#}"}


@cache
def _tag_patterns() -> tuple[re.Pattern[str], dict[str, re.Pattern[str]], dict[str, re.Pattern[str]]]:
    """A tag's opening; inside a tag, its closing delimiter or a quote opening a string (a comment has no
    strings); the rest of a string after its opening quote. Compiled when a line with a sigil first holds a ``{``."""
    return (
        re.compile(r"\{[{%#]"),
        {"}}": re.compile(r"""['"]|\}\}"""), "%}": re.compile(r"""['"]|%\}"""), "#}": re.compile(r"#\}")},
        {"'": re.compile(r"(?:[^'\\]|\\.)*'", re.S), '"': re.compile(r'(?:[^"\\]|\\.)*"', re.S)},
    )


def _jinja_spans(line: str) -> tuple[list[int], list[int]]:
    """The Jinja2 tags (``{{ }}``, ``{% %}``, ``{# #}``) of ``line``: their starts and the indexes just past their
    ends (one left open runs past the end of the line). A tag ends at its first closing delimiter outside a quoted
    string, as Jinja2 reads it: ``{{ '{{' }}`` (the way to print two braces) is one closed tag. One pass, in
    regular expressions: a line of many tags and sigils costs its length, not its length times its sigils."""
    starts: list[int] = []
    ends: list[int] = []
    if "{" not in line:
        return starts, ends
    tag_open = _tag_patterns()[0]
    at = 0
    while (found := tag_open.search(line, at)) is not None:
        start = found.start()
        end = _tag_end(line, start + 2, _JINJA_CLOSE[line[start + 1]])
        starts.append(start)
        ends.append(end if end >= 0 else len(line) + 1)
        if end < 0:
            break
        at = end
    return starts, ends


def _tag_end(line: str, at: int, closing: str) -> int:
    """The index just past ``closing`` from ``at`` in ``line``, skipping quoted strings; -1 when the tag is not
    closed on the line."""
    _, in_tag, quoted_rest = _tag_patterns()
    pattern = in_tag[closing]
    while (found := pattern.search(line, at)) is not None:
        token = found.group()
        if token == closing:
            return found.end()
        rest = quoted_rest[token].match(line, found.end())
        if rest is None:
            return -1  # a string left open: the tag runs to the end of the line
        at = rest.end()
    return -1


def _inside_jinja(spans: tuple[list[int], list[int]], pos: int) -> bool:
    """Whether ``pos`` is inside one of the tags ``spans`` (:func:`_jinja_spans`) of its line."""
    starts, ends = spans
    index = bisect_right(starts, pos) - 1
    return index >= 0 and pos < ends[index]


class _Reads:
    """What a template reads, collected while walking its tree."""

    __slots__ = ("roots", "paths", "private_names", "unguarded", "guarded")

    def __init__(self) -> None:
        self.roots: set[str] = set()
        self.paths: set[str] = set()
        self.private_names: set[str] = set()
        self.unguarded: set[str] = set()
        self.guarded: set[str] = set()


class TemplateAnalysis(FrozenRecord):
    """What a template reads (immutable: :func:`analyze` caches and shares it).

    A :class:`~pipelex.record.FrozenRecord`, not a dataclass: nothing to compile with ``exec`` at import."""

    __slots__ = ("roots", "paths", "private_names", "unguarded", "guarded")
    FIELDS = ("roots", "paths", "private_names", "unguarded", "guarded")

    def __init__(
        self,
        roots: frozenset[str] = frozenset(),
        paths: frozenset[str] = frozenset(),
        private_names: frozenset[str] = frozenset(),
        unguarded: frozenset[str] = frozenset(),
        guarded: frozenset[str] = frozenset(),
    ) -> None:
        self.roots = roots
        self.paths = paths
        self.private_names = private_names
        self.unguarded = unguarded
        self.guarded = guarded


class TemplateSyntaxProblem(ValueError):
    """The template is not valid Jinja2 (after sigil preprocessing)."""


@lru_cache(maxsize=4096)
def plain_jinja(template: str) -> str:
    """``template`` with its ``$`` and ``@`` escaped, so that an MTHDS template reads it as plain Jinja2: a
    PipeCondition's ``expression_template`` is a Jinja2 template, where ``$x`` is text (as the reference reads it)."""
    return template.replace("$", "$$").replace("@", "@@")


@lru_cache(maxsize=4096)
def analyze(template: str, *, is_expression: bool = False) -> TemplateAnalysis:
    """Read the variables a template (or a bare Jinja2 expression) uses; raises on syntax errors.

    Cached, as the readings it starts from are (:func:`~pipelex.language.sigil_templates.sigil_parts`,
    :func:`simple_template`): the analysis is immutable, and the pipes of a big bundle share few templates (the
    static checks read each pipe's; an error is raised again on each call, never cached)."""
    if is_expression:
        simple = simple_expression(template)
    else:
        sigils = _sigil_templates()
        parts = sigils.sigil_parts(template)
        if parts is not None:  # text and sigils only: no Jinja2 parse
            return sigils.analyze_sigils(parts)
        simple = simple_template(template)
    if simple is not None:  # the subset of Jinja2 read without Jinja2
        from pipelex.language.simple_templates import analyze_simple

        reads = analyze_simple(simple)
        return TemplateAnalysis(
            roots=frozenset(reads.roots),
            paths=frozenset(reads.paths),
            private_names=frozenset(reads.private_names),
            unguarded=frozenset(reads.unguarded),
            guarded=frozenset(reads.guarded),
        )
    return analyze_with_jinja(template, is_expression=is_expression)


@cache
def _sigil_templates():  # noqa: ANN202 (the module: its names keep their types)
    """:mod:`pipelex.language.sigil_templates` (it imports this module). Cached: an import statement in
    :func:`analyze` cost an import-system call per distinct template (a 400-step bundle has 400)."""
    from pipelex.language import sigil_templates

    return sigil_templates


@lru_cache(maxsize=4096)
def simple_template(template: str) -> SimpleTemplate | None:
    """The tree of an MTHDS template (sigils allowed) in the subset of :mod:`pipelex.language.simple_templates`, else
    None."""
    from pipelex.language.simple_templates import parse_jinja  # not loaded for sigil templates

    return parse_jinja(preprocess(template))


@lru_cache(maxsize=4096)
def simple_expression(expression: str) -> SimpleTemplate | None:
    """The tree of a PipeCondition ``expression`` in the subset (``{{ }}`` implied, as the analysis reads it)."""
    from pipelex.language.simple_templates import parse_jinja

    return parse_jinja(f"{{{{ {expression} }}}}")


def analyze_with_jinja(template: str, *, is_expression: bool = False) -> TemplateAnalysis:
    """:func:`analyze` by Jinja2's parser, for any template (:func:`analyze` takes shortcuts for sigil templates and
    for the subset of :mod:`pipelex.language.simple_templates`)."""
    from jinja2 import TemplateSyntaxError, nodes

    source = f"{{{{ {template} }}}}" if is_expression else preprocess(template)
    env = _analysis_env()
    reads = _Reads()
    try:
        tree = env.parse(source)
        _walk(tree, frozenset(), set(), reads, nodes)
    except TemplateSyntaxError as exc:
        raise TemplateSyntaxProblem(
            f"Jinja2 syntax error at template line {exc.lineno}: {exc.message}"
        ) from exc
    except RecursionError:  # Jinja2's parser recurses per bracket, filter or block: ~70 nested brackets
        raise TemplateSyntaxProblem(
            "the template nests too deeply to be read (brackets, filters or blocks inside each other): flatten it"
        ) from None
    return TemplateAnalysis(
        roots=frozenset(reads.roots),
        paths=frozenset(reads.paths),
        private_names=frozenset(reads.private_names),
        unguarded=frozenset(reads.unguarded),
        guarded=frozenset(reads.guarded),
    )


@lru_cache(maxsize=1)
def _analysis_env() -> Environment:
    from jinja2 import Environment

    return Environment(autoescape=False)


def _guards_of(test: Any, nodes_mod: ModuleType, positive: bool = True) -> set[str]:
    """Names surely present where ``test`` is truthy (``positive``) or falsy (not ``positive``).

    ``x is defined`` and a bare ``x`` (an absent value is falsy) guard x when true; ``not`` flips the
    polarity, ``and``/``or`` combine: so ``x is not defined`` guards nothing in its body, and x in its else.
    """
    if isinstance(test, nodes_mod.Not):
        return _guards_of(test.node, nodes_mod, not positive)
    if isinstance(test, nodes_mod.Test) and test.name == "defined" and isinstance(test.node, nodes_mod.Name):
        return {test.node.name} if positive else set()
    if isinstance(test, nodes_mod.Name):
        return {test.name} if positive else set()
    if isinstance(test, (nodes_mod.And, nodes_mod.Or)):
        left = _guards_of(test.left, nodes_mod, positive)
        right = _guards_of(test.right, nodes_mod, positive)
        # a and b (true): both hold; a or b (false): both fail. Otherwise only what both sides guarantee.
        both = isinstance(test, nodes_mod.And) == positive
        return left | right if both else left & right
    return set()


def _path_of(node: Any, nodes_mod: ModuleType) -> str | None:
    parts: list[str] = []
    while isinstance(node, nodes_mod.Getattr):
        parts.append(node.attr)
        node = node.node
    if isinstance(node, nodes_mod.Name):
        parts.append(node.name)
        return ".".join(reversed(parts))
    return None


def _target_names(target: Any, nodes_mod: ModuleType) -> set[str]:
    """The names an assignment's or a loop's target writes (``x``, or ``a, b``)."""
    found = [target] if isinstance(target, nodes_mod.Name) else target.find_all(nodes_mod.Name)
    return {name.name for name in found}


def _walk(node: Any, guards: frozenset[str], local: set[str], out: _Reads, nodes_mod: ModuleType) -> None:
    if isinstance(node, nodes_mod.If):
        test_guards = _guards_of(node.test, nodes_mod)
        _walk_expr(node.test, guards | test_guards, local, out, nodes_mod, in_test=True)
        for child in node.body:
            _walk(child, guards | test_guards, local, out, nodes_mod)
        otherwise = guards | _guards_of(node.test, nodes_mod, positive=False)
        for child in node.elif_:
            _walk(child, otherwise, local, out, nodes_mod)
        for child in node.else_:
            _walk(child, otherwise, local, out, nodes_mod)
        return
    if isinstance(node, nodes_mod.For):
        _walk_expr(node.iter, guards, local, out, nodes_mod)
        inner = set(local) | _target_names(node.target, nodes_mod) | {"loop"}
        for child in node.body:
            _walk(child, guards, inner, out, nodes_mod)
        for child in node.else_:
            _walk(child, guards, local, out, nodes_mod)
        if node.test is not None:
            _walk_expr(node.test, guards, inner, out, nodes_mod)
        return
    if isinstance(node, nodes_mod.With):
        inner = set(local)
        for target, value in zip(node.targets, node.values, strict=False):
            _walk_expr(value, guards, local, out, nodes_mod)
            inner |= _target_names(target, nodes_mod)
        for child in node.body:
            _walk(child, guards, inner, out, nodes_mod)
        return
    if isinstance(node, nodes_mod.Macro | nodes_mod.CallBlock):
        inner = set(local) | {a.name for a in node.args} | {"caller", "varargs", "kwargs"}
        # `{% macro m(x=ticket.title) %}`: a default is read when a call leaves its parameter out
        for default in node.defaults:
            _walk_expr(default, guards, inner, out, nodes_mod)
        if isinstance(node, nodes_mod.Macro):
            local.add(node.name)
        else:
            _walk_expr(node.call, guards, local, out, nodes_mod)
        for child in node.body:
            _walk(child, guards, inner, out, nodes_mod)
        return
    if isinstance(node, nodes_mod.Assign):
        _walk_expr(node.node, guards, local, out, nodes_mod)
        local |= _target_names(node.target, nodes_mod)
        return
    if isinstance(node, nodes_mod.AssignBlock):
        # `{% set x %}...{% endset %}`: the body is read, x is written
        for child in node.body:
            _walk(child, guards, local, out, nodes_mod)
        if node.filter is not None:
            _walk_expr(node.filter, guards, local, out, nodes_mod)
        local |= _target_names(node.target, nodes_mod)
        return
    if isinstance(node, nodes_mod.Expr):
        _walk_expr(node, guards, local, out, nodes_mod)
        return
    for child in node.iter_child_nodes():
        if isinstance(child, nodes_mod.Expr):
            _walk_expr(child, guards, local, out, nodes_mod)
        else:
            _walk(child, guards, local, out, nodes_mod)


def _walk_expr(
    expr: Any,
    guards: frozenset[str],
    local: set[str],
    out: _Reads,
    nodes_mod: ModuleType,
    in_test: bool = False,
    in_path: bool = False,
) -> None:
    if isinstance(expr, nodes_mod.CondExpr):
        test_guards = _guards_of(expr.test, nodes_mod)
        _walk_expr(expr.test, guards | test_guards, local, out, nodes_mod, in_test=True)
        _walk_expr(expr.expr1, guards | test_guards, local, out, nodes_mod)
        if expr.expr2 is not None:
            _walk_expr(
                expr.expr2, guards | _guards_of(expr.test, nodes_mod, positive=False), local, out, nodes_mod
            )
        return
    if isinstance(expr, nodes_mod.Getattr):
        path = _path_of(expr, nodes_mod)
        if path is not None:
            # a dotted read `x.a.b`: record the whole path once, then read the root name x
            if path.split(".")[0] not in local:
                out.paths.add(path)
            base: Any = expr
            while isinstance(base, nodes_mod.Getattr):
                if base.attr.startswith("_"):
                    out.private_names.add(base.attr)
                base = base.node
            _walk_expr(base, guards, local, out, nodes_mod, in_test=in_test, in_path=True)
            return
        if expr.attr.startswith("_"):
            out.private_names.add(expr.attr)
    if isinstance(expr, nodes_mod.Name):
        name = expr.name
        if name in local:
            return
        if name.startswith("_"):
            out.private_names.add(name)
        out.roots.add(name)
        if not in_path:
            out.paths.add(name)
        if name in guards or in_test:
            out.guarded.add(name)
        else:
            out.unguarded.add(name)
        return
    if isinstance(expr, nodes_mod.Test) and expr.name == "defined":
        # `x is defined` reads x only to test its presence
        if isinstance(expr.node, nodes_mod.Name) and expr.node.name not in local:
            out.roots.add(expr.node.name)
            out.guarded.add(expr.node.name)
            return
    for child in expr.iter_child_nodes():
        _walk_expr(child, guards, local, out, nodes_mod, in_test=in_test)
