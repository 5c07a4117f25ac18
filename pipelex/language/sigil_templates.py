"""A fast path for templates made only of text and sigils (``$var.path``, ``@var``, ``@?var``): no Jinja2 compile.

Most prompts are plain text with ``$var`` / ``@var`` sigils. Their Jinja2 source (what :func:`preprocess` makes of
them) is text plus three fixed constructs: ``{{ p|format }}``, ``{{ p|tag("p") }}`` and
``{% if r is defined %}{{ p|tag("p") }}{% endif %}`` (``@?r.path`` tests the path too:
``{% if r is defined %}{% if p %}...{% endif %}{% endif %}``). Parsing and compiling that with Jinja2 costs a millisecond or
more per distinct template, which dominates the validation and dry run of large bundles. :func:`sigil_parts`
recognises such a template and splits it into text and sigil parts; the static analysis
(:func:`analyze_sigils`) and the renderer (``pipelex.pipes.rendering``) then work from the parts, with exactly the
semantics Jinja2 would give the same source: the renderer calls the same filters, attribute lookup, undefined
values and render budget as the compiled template does.

A template is left to Jinja2 (``sigil_parts`` returns None) whenever the fast path could differ in any way: raw
Jinja2 anywhere (``{{``, ``{%``, ``{#`` in the text, or a ``{`` just before a sigil, which Jinja2 would read as a
delimiter), a name Jinja2 reads specially (``true``, ``none``, ``not``, ``range``, ``loop``...).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Literal

from pipelex.language.jinja_names import JINJA_SPECIAL_NAMES
from pipelex.language.templates import _DOLLAR_RE, TemplateAnalysis, preprocess  # pyright: ignore[reportPrivateUsage]
from pipelex.record import FrozenRecord

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PATH = rf"{_NAME}(?:\.{_NAME})*"


@cache
def _construct_re() -> re.Pattern[str]:
    """Exactly what `preprocess` writes for `$p`, `@p` and `@?p` (and nothing else). Compiled at its first use
    (~4 M instructions, half a percent of a small validate): a bundle whose templates are one-line ``$`` text
    never reads it (:func:`_dollar_parts`), nor one whose preprocessed templates hold no ``{``."""
    return re.compile(
        rf"\{{% if (?P<root>{_NAME}) is defined %\}}(?:\{{% if (?P<optp>{_PATH}) %\}})?"
        rf'\{{\{{ (?P<opt>{_PATH})\|tag\("(?P=opt)"\) \}}\}}(?(optp)\{{% endif %\}})\{{% endif %\}}'
        rf'|\{{\{{ (?P<tag>{_PATH})\|tag\("(?P=tag)"\) \}}\}}'
        rf"|\{{\{{ (?P<fmt>{_PATH})\|format \}}\}}"
    )


_NEWLINE_RE = re.compile(r"\r\n|\r")


class Sigil(FrozenRecord):
    """One sigil: ``kind`` is ``format`` (``$p``), ``tag`` (``@p``) or ``optional_tag`` (``@?p``: nothing when the
    root is not defined, nor, for a path with attributes, when the value at the path is false: unset or empty)."""

    __slots__ = ("kind", "path", "root", "attributes")
    FIELDS = ("kind", "path", "root", "attributes")

    kind: Literal["format", "tag", "optional_tag"]
    path: str
    root: str
    attributes: tuple[str, ...]

    def __init__(
        self,
        kind: Literal["format", "tag", "optional_tag"],
        path: str,
        root: str,
        attributes: tuple[str, ...],
    ) -> None:
        self.kind = kind
        self.path = path
        self.root = root
        self.attributes = attributes


SigilPart = str | Sigil
"""A part of a sigil template: literal text (newlines normalised as Jinja2 does), or a sigil."""


@lru_cache(maxsize=4096)
def sigil_parts(template: str) -> tuple[SigilPart, ...] | None:
    """The parts of a template of text and sigils only, or None when it must go through Jinja2."""
    if _ONE_LINE_OF_DOLLARS.isdisjoint(template) and "$$" not in template:
        return _dollar_parts(template)
    return _parts_of_source(template)


# what a template of one line with ``$`` sigils only never holds: no ``@`` sigil, no Jinja2 delimiter, no line end
# (nor the escapes' NUL): its parts are its ``$`` sigils and the text between them, read without preprocessing
_ONE_LINE_OF_DOLLARS = frozenset("@{}\r\n\x00")


def _dollar_parts(template: str) -> tuple[SigilPart, ...] | None:
    """:func:`sigil_parts` of a one-line template whose only sigils are ``$path`` (no ``$$`` escape): the same
    parts, without writing its Jinja2 source and reading it back (a test compares both on generated templates)."""
    parts: list[SigilPart] = []
    pos = 0
    for match in _DOLLAR_RE.finditer(template):
        if match.start() > pos:
            parts.append(template[pos : match.start()])
        path = match.group(1)
        names = path.split(".")
        if not JINJA_SPECIAL_NAMES.isdisjoint(names):
            return None
        parts.append(Sigil("format", path, names[0], tuple(names[1:])))
        pos = match.end()
    if pos < len(template):
        parts.append(template[pos:])
    return tuple(parts)


def _parts_of_source(template: str) -> tuple[SigilPart, ...] | None:
    source = preprocess(template)
    parts: list[SigilPart] = []
    pos = 0
    for match in _construct_re().finditer(source) if "{" in source else ():
        text = source[pos : match.start()]
        if not _plain_text(text) or text.endswith("{"):
            return None
        if text:
            parts.append(text)
        sigil = _sigil(match)
        if sigil is None:
            return None
        parts.append(sigil)
        pos = match.end()
    tail = source[pos:]
    if not _plain_text(tail):
        return None
    if tail:
        parts.append(tail)
    return _jinja_text(parts)


def _plain_text(text: str) -> bool:
    return "{{" not in text and "{%" not in text and "{#" not in text


def _sigil(match: re.Match[str]) -> Sigil | None:
    if match.group("opt") is not None:
        kind: Literal["format", "tag", "optional_tag"] = "optional_tag"
        path = match.group("opt")
    elif match.group("tag") is not None:
        kind, path = "tag", match.group("tag")
    else:
        kind, path = "format", match.group("fmt")
    names = path.split(".")
    if any(name in JINJA_SPECIAL_NAMES for name in names):
        return None
    if kind == "optional_tag":
        tested = match.group("optp")
        if match.group("root") != names[0]:
            return None
        # `@?x` tests that x is defined; `@?x.path` also that the value at the path is true (not unset or empty)
        if (tested is None) != (len(names) == 1) or (tested is not None and tested != path):
            return None
    return Sigil(kind=kind, path=path, root=names[0], attributes=tuple(names[1:]))


def _jinja_text(parts: list[SigilPart]) -> tuple[SigilPart, ...]:
    """Jinja2's lexer turns ``\\r\\n`` and ``\\r`` into ``\\n`` and drops one trailing newline of the source."""
    normalised = [_NEWLINE_RE.sub("\n", part) if isinstance(part, str) else part for part in parts]
    if normalised and isinstance(normalised[-1], str) and normalised[-1].endswith("\n"):
        last = normalised[-1][:-1]
        normalised = normalised[:-1] + ([last] if last else [])
    return tuple(normalised)


def analyze_sigils(parts: tuple[SigilPart, ...]) -> TemplateAnalysis:
    """What a sigil template reads: the same answer :func:`~pipelex.language.templates.analyze` gets from Jinja2."""
    roots: set[str] = set()
    paths: set[str] = set()
    private: set[str] = set()
    unguarded: set[str] = set()
    guarded: set[str] = set()
    for part in parts:
        if isinstance(part, str):
            continue
        root = part.root
        roots.add(root)
        paths.add(part.path)
        if root.startswith("_"):
            private.add(root)
        for name in part.attributes:
            if name.startswith("_"):
                private.add(name)
        (guarded if part.kind == "optional_tag" else unguarded).add(root)
    return TemplateAnalysis(
        roots=frozenset(roots),
        paths=frozenset(paths),
        private_names=frozenset(private),
        unguarded=frozenset(unguarded),
        guarded=frozenset(guarded),
    )
