"""Finds the line of a pipe, concept or field in the bundle text (tomllib keeps no positions).

Every lookup is O(1) or O(log n): one pass over the text builds the indexes (headers, the keys of
each table, the start of each inline table of an array), so diagnosing thousands of pipes stays
linear in the size of the bundle.
"""

from __future__ import annotations

import bisect
import re
from functools import cached_property

from pipelex.language.toml_text import toml_lines

# The patterns are compiled where they are used (``re`` keeps them compiled): a valid bundle never asks for a line,
# so most commands never compile them.
# possessive, its blanks stripped after the match: `\s*([^\]]*?)\s*\]` tried every split of a line's blanks
# between its three parts, cubic on a `[` and thousands of blanks without `]` (3,000 took 22 s)
_HEADER = r"""^\s*+\[\[?+((?:[^\]"']++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')*+)\]"""
_KEY = r'^\s*(?:"((?:[^"\\\n]|\\.)*+)"|\'([^\']*)\'|([A-Za-z0-9_-]+))\s*='
_HEADER_PART = r'"((?:[^"\\\n]|\\.)*+)"|\'([^\']*)\'|([^.\s"\']+)'
# the lexer of SourceMap._lexed, for TOML's strings and comments: a multi-line string ends at its first closing
# triple quote (or runs to the end of the text); a one-line string or a comment ends with its line (an unclosed
# one too: TOML refuses it anyway); in a basic string a backslash escapes the next character (in a multi-line one,
# a line break too). Each match skips what holds no bracket (possessively: no backtracking), then takes a bracket,
# a multi-line string, or the end of the text.
_SKIP = (
    r"""(?:[^"'#\[\]{}]++"""
    r'|"(?!"")(?:[^"\\\n]++|\\[^\n])*+"?'
    r"|'(?!'')[^'\n]*'?"
    r"|#[^\n]*)*+"
)
_TOKEN = (
    _SKIP + r"(?:(?P<bracket>[\[\]{}])"
    r'|(?P<multiline>"""(?:[^"\\]|\\(?:.|\Z)|"(?!""))*(?:"""|\Z)'
    r"|'''(?:[^']|'(?!''))*(?:'''|\Z))"
    r"|\Z)"
)


class SourceMap:
    """Line lookups over one bundle text; lines are 1-based."""

    def __init__(self, text: str, file: str | None = None) -> None:
        self.text = text
        self.file = file

    @cached_property
    def _lines(self) -> list[str]:
        return toml_lines(self.text)

    @cached_property
    def _lexed(self) -> tuple[frozenset[int], list[list[tuple[int, str]]]]:
        """One pass over the text: the 0-based indexes of the lines that start inside a multi-line string, and,
        per line, its brackets and braces outside strings and comments as ``(position, char)``."""
        lines = self._lines
        text = "\n".join(lines)  # the lines as TOML cuts them (CRLF read as LF), one separator between each
        inside: set[int] = set()
        brackets: list[list[tuple[int, str]]] = [[] for _ in lines]
        line = 0  # the line of the text at ``scanned``, and where that line starts
        line_start = 0
        scanned = 0
        for token in re.compile(_TOKEN, re.DOTALL).finditer(text):
            kind = token.lastgroup
            if kind is None:  # the end of the text
                break
            start = token.start(kind)
            newlines = text.count("\n", scanned, start)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", 0, start) + 1
            scanned = start
            if kind == "bracket":
                brackets[line].append((start - line_start, token.group(kind)))
                continue
            end = token.end()  # a multi-line string: the lines after its first one start inside it
            newlines = text.count("\n", start, end)
            if newlines:
                inside.update(range(line + 1, line + newlines + 1))
                line += newlines
                line_start = text.rfind("\n", 0, end) + 1
            scanned = end
        return frozenset(inside), brackets

    @property
    def _string_lines(self) -> frozenset[int]:
        """0-based indexes of the lines that start inside a multi-line string (never a header nor a key)."""
        return self._lexed[0]

    @cached_property
    def _index(self) -> _Index:
        """Headers, their order, and the first line of each key of each table, in one pass."""
        index = _Index()
        in_strings = self._string_lines
        current_keys: dict[str, int] = {}  # the keys of the table a key belongs to: first the top level's
        index.keys[0] = current_keys
        depth = 0  # brackets open at the start of a line: inside a multi-line array, no header nor key
        header_re, key_re = re.compile(_HEADER), re.compile(_KEY)
        for number, (line, line_brackets) in enumerate(
            zip(self._lines, self._lexed[1], strict=True), start=1
        ):
            at_start = depth
            for _, char in line_brackets:
                depth = depth + 1 if char in "[{" else max(depth - 1, 0)
            if at_start or number - 1 in in_strings:
                continue
            if line_brackets:
                header = header_re.match(line)
                if header:
                    current_keys = index.keys[number] = {}
                    index.header_lines.append(number)
                    path = tuple(_header_parts(header.group(1).strip()))
                    index.paths.setdefault(path, number)
                    if (
                        len(path) >= 2
                    ):  # [pipe.code], [pipe.code.sub], ["pipe"."code"] (quoted keys are keys too)
                        index.named.setdefault((path[0], path[1]), number)
                    continue
            key = key_re.match(line)
            if key:
                double, single, bare = key.groups()
                name = _basic(double) if double is not None else single if single is not None else bare
                current_keys.setdefault(name, number)
        return index

    def _next_header(self, after_line: int) -> int:
        """The last line (1-based) before the first header after ``after_line`` (or the last line)."""
        headers = self._index.header_lines
        position = bisect.bisect_right(headers, after_line)
        return headers[position] - 1 if position < len(headers) else len(self._lines)

    def _is_header(self, line: int) -> bool:
        return line in self._index.keys and line != 0

    def table_line(self, section: str, name: str) -> int | None:
        """Line of ``[section.name]`` (or ``[section.name.sub]``), or ``name =`` inside ``[section]``."""
        index = self._index
        found = index.named.get((section, name))
        if found is not None:
            return found
        section_header = index.paths.get((section,))
        if section_header is not None:
            return index.keys[section_header].get(name)
        return None

    def pipe_line(self, code: str) -> int | None:
        """Line where pipe ``code`` is declared."""
        return self.table_line("pipe", code)

    def concept_line(self, code: str) -> int | None:
        """Line where concept ``code`` is declared."""
        return self.table_line("concept", code)

    def key_line(self, key: str) -> int | None:
        """Line of a top-level ``key =``."""
        return self._index.keys[0].get(key)

    def end_line(self) -> tuple[int, str | None]:
        """The line a syntax error "at end of document" belongs to: where a multi-line string that is never
        closed opens (and its quotes), else the last line that holds anything (and ``None``)."""
        text = "\n".join(self._lines)
        for token in re.compile(_TOKEN, re.DOTALL).finditer(text):
            body = token.group("multiline")
            if body is not None and (len(body) < 6 or body[-3:] != body[:3]):
                return text.count("\n", 0, token.start("multiline")) + 1, body[:3]
        filled = [number for number, line in enumerate(self._lines, start=1) if line.strip()]
        return (filled[-1] if filled else 1), None

    def top_key_line(self, key: str) -> int | None:
        """Line where the top-level ``key`` is first written: ``key =``, a dotted ``key.sub =`` before the first
        header, or a header ``[key...]`` (quoted or not)."""
        found = self._index.keys[0].get(key)
        if found is not None:
            return found
        first_header = self._index.header_lines[0] if self._index.header_lines else len(self._lines) + 1
        dotted = re.compile(rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*\.""")
        strings = self._string_lines
        for number in range(1, first_header):
            if number - 1 not in strings and dotted.match(self._lines[number - 1]):
                return number
        headers = [line for path, line in self._index.paths.items() if path and path[0] == key]
        return min(headers) if headers else None

    def field_line(self, pipe: str, field: str) -> int | None:
        """Line of ``field`` inside the table of pipe ``pipe`` (falls back to the pipe's line)."""
        start = self.pipe_line(pipe)
        if start is None:
            return None
        index = self._index
        sub = index.paths.get(("pipe", pipe, field))
        if sub is not None:
            return sub
        if not self._is_header(start):  # `code = { ... }` inside [pipe]: an inline table sits on its own line
            return start
        return index.keys[start].get(field, start)

    @cached_property
    def _element_starts(self) -> dict[int, list[int]]:
        """Filled lazily: per key line, the lines where the inline tables of its array start."""
        return {}

    def element_line(self, pipe: str, field: str, index: int) -> int | None:
        """Line where the ``index``-th (1-based) inline table of the array ``field`` starts, e.g. ``steps[2]``.

        Falls back to the field's line when the array is not written inline with ``{...}`` elements.
        """
        key_line = self.field_line(pipe, field)
        if key_line is None:
            return None
        starts = self._element_starts.get(key_line)
        if starts is None:
            starts = self._element_starts[key_line] = self._scan_elements(key_line)
        return starts[index - 1] if 0 < index <= len(starts) else key_line

    def _scan_elements(self, key_line: int) -> list[int]:
        equals = self._lines[key_line - 1].find("=")
        depth = 0
        starts: list[int] = []
        brackets = self._lexed[1]
        for number in range(key_line - 1, len(self._lines)):
            for position, char in brackets[number]:
                if number == key_line - 1 and position < equals:
                    continue
                if char in "[{":
                    if char == "{" and depth == 1:
                        starts.append(number + 1)
                    depth += 1
                else:
                    depth -= 1
                    if depth <= 0:
                        return starts
        return starts

    def text_line(self, needle: str, pipe: str | None = None) -> int | None:
        """First line containing ``needle`` (inside ``pipe``'s table when given)."""
        start = 0
        stop = len(self._lines)
        if pipe is not None:
            pipe_start = self.pipe_line(pipe)
            if pipe_start is not None:
                start = pipe_start - 1
                stop = self._next_header(pipe_start)
        lines = self._lines
        for index in range(start, min(stop, len(lines))):
            if needle in lines[index]:
                return index + 1
        return None


class _Index:
    """What :attr:`SourceMap._index` holds."""

    def __init__(self) -> None:
        self.header_lines: list[int] = []  # ascending
        self.paths: dict[tuple[str, ...], int] = {}  # header path -> first line
        self.named: dict[tuple[str, str], int] = {}  # (section, name) of [section.name...] -> first line
        self.keys: dict[int, dict[str, int]] = {}  # table (header line, 0 = top level) -> key -> first line


def _header_parts(inner: str) -> list[str]:
    parts: list[str] = []
    for match in re.finditer(_HEADER_PART, inner):
        double, single, bare = match.groups()
        parts.append(_basic(double) if double is not None else single if single is not None else bare)
    return parts


def _basic(raw: str) -> str:
    """A basic (double-quoted) key's name as TOML reads it: its escapes (``\\u001f``, ``\\n``...) decoded."""
    if "\\" not in raw:
        return raw
    import tomllib

    try:
        return tomllib.loads(f'k = "{raw}"')["k"]
    except (tomllib.TOMLDecodeError, ValueError):
        return raw
