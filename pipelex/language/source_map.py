"""Finds the line of a pipe, concept or field in the bundle text (tomllib keeps no positions)."""

from __future__ import annotations

import re
from functools import cached_property


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
        for number, line in enumerate(self._lines):
            if quote is not None:
                inside.add(number)
            found: list[tuple[int, str]] = []
            position = 0
            while position < len(line):
                char = line[position]
                if quote is not None:
                    if line.startswith(quote, position):
                        position += len(quote)
                        quote = None
                        continue
                    position += 2 if char == "\\" and quote[0] == '"' else 1
                    continue
                if char == "#":
                    break
                if char in "\"'":
                    quote = char * 3 if line.startswith(char * 3, position) else char
                    position += len(quote)
                    continue
                if char in "[]{}":
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

    def _find(self, pattern: re.Pattern[str], start: int = 0, stop: int | None = None, *,
              in_strings: bool = False) -> int | None:
        """First line (1-based) from ``start`` matching ``pattern``; lines inside multi-line strings are skipped
        unless ``in_strings``."""
        lines = self._lines
        skipped = frozenset() if in_strings else self._string_lines
        for index in range(start, len(lines) if stop is None else min(stop, len(lines))):
            if index not in skipped and pattern.search(lines[index]):
                return index + 1
        return None

    def _next_header(self, after_line: int) -> int:
        header = re.compile(r"^\s*\[")
        found = self._find(header, after_line)
        return found - 1 if found is not None else len(self._lines)

    @cached_property
    def _headers(self) -> dict[tuple[str, str], int]:
        """First line of every ``[section.name...]`` header, indexed once (keeps lookups O(1))."""
        index: dict[tuple[str, str], int] = {}
        pattern = re.compile(r'^\s*\[\s*([a-z_]+)\s*\.\s*"?([A-Za-z0-9_]+)"?\s*(\]|\.)')
        in_strings = self._string_lines
        for number, line in enumerate(self._lines, start=1):
            if number - 1 in in_strings:
                continue
            match = pattern.match(line)
            if match:
                index.setdefault((match.group(1), match.group(2)), number)
        return index

    def table_line(self, section: str, name: str) -> int | None:
        """Line of ``[section.name]`` (or ``[section.name.sub]``), or ``name =`` inside ``[section]``."""
        quoted = re.escape(name)
        found = self._headers.get((section, name))
        if found is not None:
            return found
        section_header = self._find(re.compile(rf"^\s*\[\s*{section}\s*\]"))
        if section_header is not None:
            return self._find(re.compile(rf'^\s*"?{quoted}"?\s*='), section_header, self._next_header(section_header))
        return None

    def pipe_line(self, code: str) -> int | None:
        """Line where pipe ``code`` is declared."""
        return self.table_line("pipe", code)

    def concept_line(self, code: str) -> int | None:
        """Line where concept ``code`` is declared."""
        return self.table_line("concept", code)

    def key_line(self, key: str) -> int | None:
        """Line of a top-level ``key =``."""
        first_header = self._find(re.compile(r"^\s*\["))
        return self._find(re.compile(rf"^\s*{re.escape(key)}\s*="), 0, (first_header or len(self._lines) + 1) - 1)

    def field_line(self, pipe: str, field: str) -> int | None:
        """Line of ``field`` inside the table of pipe ``pipe`` (falls back to the pipe's line)."""
        start = self.pipe_line(pipe)
        if start is None:
            return None
        sub = self._find(re.compile(rf"^\s*\[\s*pipe\s*\.\s*{re.escape(pipe)}\s*\.\s*{re.escape(field)}\s*[\].]"))
        if sub is not None:
            return sub
        found = self._find(re.compile(rf"^\s*\"?{re.escape(field)}\"?\s*="), start, self._next_header(start))
        return found if found is not None else start

    def element_line(self, pipe: str, field: str, index: int) -> int | None:
        """Line where the ``index``-th (1-based) inline table of the array ``field`` starts, e.g. ``steps[2]``.

        Falls back to the field's line when the array is not written inline with ``{...}`` elements.
        """
        key_line = self.field_line(pipe, field)
        if key_line is None:
            return None
        equals = self._lines[key_line - 1].find("=")
        depth = 0
        seen = 0
        for number in range(key_line - 1, len(self._lines)):
            for position, char in self._lexed[1][number]:
                if number == key_line - 1 and position < equals:
                    continue
                if char in "[{":
                    if char == "{" and depth == 1:
                        seen += 1
                        if seen == index:
                            return number + 1
                    depth += 1
                else:
                    depth -= 1
                    if depth == 0:
                        return key_line
        return key_line

    def text_line(self, needle: str, pipe: str | None = None) -> int | None:
        """First line containing ``needle`` (inside ``pipe``'s table when given)."""
        start = 0
        stop = None
        if pipe is not None:
            pipe_start = self.pipe_line(pipe)
            if pipe_start is not None:
                start = pipe_start - 1
                stop = self._next_header(pipe_start)
        return self._find(re.compile(re.escape(needle)), start, stop, in_strings=True)
