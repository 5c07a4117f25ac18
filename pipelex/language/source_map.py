"""Finds the line of a pipe, concept or field in the bundle text (tomllib keeps no positions).

Every lookup is O(1) or O(log n): one pass over the text builds the indexes (headers, the keys of
each table, the start of each inline table of an array), so diagnosing thousands of pipes stays
linear in the size of the bundle.
"""

from __future__ import annotations

import bisect
import re
from functools import cached_property

_HEADER_RE = re.compile(r"^\s*\[\[?\s*([^\]]*?)\s*\]")
_NAMED_HEADER_RE = re.compile(r'^\s*\[\s*([a-z_]+)\s*\.\s*"?([A-Za-z0-9_]+)"?\s*(\]|\.)')
_KEY_RE = re.compile(r'^\s*(?:"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_-]+))\s*=')
_HEADER_PART_RE = re.compile(r'"([^"]*)"|\'([^\']*)\'|([^.\s"\']+)')
# the lexer of SourceMap._lexed: what matters outside strings, and what ends each kind of string
_LINE_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"?|\'[^\']*\'?|#|[\[\]{}]')  # a line with no multi-line string
_BRACKETS = frozenset("[]{}")
_OUTSIDE_RE = re.compile(r"[\"'#\[\]{}]")
_CLOSING_RES = {
    '"': re.compile(r'\\|"'),
    '"""': re.compile(r'\\|"""'),
    "'": re.compile("'"),
    "'''": re.compile("'''"),
}


class SourceMap:
    """Line lookups over one bundle text; lines are 1-based."""

    def __init__(self, text: str, file: str | None = None) -> None:
        self.text = text
        self.file = file

    @cached_property
    def _lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def _lexed(self) -> tuple[frozenset[int], list[list[tuple[int, str]]]]:
        """One pass over the text: the 0-based indexes of the lines that start inside a multi-line string, and,
        per line, its brackets and braces outside strings and comments as ``(position, char)``."""
        inside: set[int] = set()
        brackets: list[list[tuple[int, str]]] = []
        quote: str | None = None
        outside = _OUTSIDE_RE
        for number, line in enumerate(self._lines):
            if quote is not None:
                inside.add(number)
            elif '"""' not in line and "'''" not in line:  # most lines: one-line strings at most
                found = []
                for token in _LINE_TOKEN_RE.finditer(line):
                    char = token.group()
                    if char == "#":
                        break
                    if char in _BRACKETS:
                        found.append((token.start(), char))
                brackets.append(found)
                continue
            found: list[tuple[int, str]] = []
            position = 0
            while True:
                if (
                    quote is not None
                ):  # the next closing quote (a backslash escapes one char in a basic string)
                    closing = _CLOSING_RES[quote].search(line, position)
                    if closing is None:
                        break
                    if closing.group() == "\\":
                        position = closing.start() + 2
                        continue
                    position = closing.end()
                    quote = None
                    continue
                token = outside.search(line, position)
                if token is None:
                    break
                char = token.group()
                position = token.start()
                if char == "#":
                    break
                if char in "\"'":
                    quote = char * 3 if line.startswith(char * 3, position) else char
                    position += len(quote)
                    continue
                found.append((position, char))
                position += 1
            if quote is not None and len(quote) == 1:  # an unclosed one-line string: TOML refuses it anyway
                quote = None
            brackets.append(found)
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
        brackets = self._lexed[1]
        current = 0  # the table a key belongs to: 0 = the top level, else the header's line
        index.keys[0] = {}
        depth = 0  # brackets open at the start of a line: inside a multi-line array, no header nor key
        for number, line in enumerate(self._lines, start=1):
            at_start = depth
            for _, char in brackets[number - 1]:
                depth = depth + 1 if char in "[{" else max(depth - 1, 0)
            if number - 1 in in_strings or at_start:
                continue
            header = _HEADER_RE.match(line)
            if header:
                current = number
                index.header_lines.append(number)
                index.keys[number] = {}
                path = tuple(_header_parts(header.group(1)))
                index.paths.setdefault(path, number)
                named = _NAMED_HEADER_RE.match(line)
                if named:
                    index.named.setdefault((named.group(1), named.group(2)), number)
                continue
            key = _KEY_RE.match(line)
            if key:
                name = next(g for g in key.groups() if g is not None)
                index.keys[current].setdefault(name, number)
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
    return [next(g for g in m.groups() if g is not None) for m in _HEADER_PART_RE.finditer(inner)]
