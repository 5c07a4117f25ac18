"""The source map's lexer (regular expressions over the whole text) against a plain char-by-char lexer of the same
TOML rules: on any text, the same lines inside multi-line strings and the same brackets outside strings and comments.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelex.language.source_map import SourceMap


def reference_lexed(text: str) -> tuple[frozenset[int], list[list[tuple[int, str]]]]:
    """Char by char: a quote opens a string (three a multi-line one) that the same quote(s) close; in a basic string
    a backslash escapes the next character; ``#`` outside strings comments out the rest of the line; a one-line
    string left open ends with its line."""
    inside: set[int] = set()
    brackets: list[list[tuple[int, str]]] = []
    quote: str | None = None
    lines = text.split("\n")  # TOML's lines: a line feed ends one (CRLF's CR dropped), nothing else does
    if lines[-1] == "":
        lines.pop()
    for number, line in enumerate(line.removesuffix("\r") for line in lines):
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
        if quote is not None and len(quote) == 1:
            quote = None
        brackets.append(found)
    return frozenset(inside), brackets


PIECES = [
    '"',
    "'",
    '"""',
    "'''",
    "\\",
    "#",
    "[",
    "]",
    "{",
    "}",
    "[[",
    "]]",
    "a",
    " ",
    "=",
    ".",
    "\n",
    "\r\n",
    "\r",
    "\x0c",
    "\u2028",
    "\x85",
]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=60).map("".join)


@settings(max_examples=3000, deadline=None, derandomize=True, database=None)
@given(texts)
def test_the_lexer_finds_what_a_char_by_char_lexer_finds(text: str) -> None:
    assert SourceMap(text)._lexed == reference_lexed(text)


def test_a_multi_line_string_hides_its_brackets_and_headers() -> None:
    text = 'domain = "d"\nprompt = """\n[pipe.not_a_header]\nx = { a = 1 }\\"""\n"""\n[pipe.real]\nsteps = [\n  { pipe = "p" },\n]\n'
    source = SourceMap(text)
    inside, brackets = source._lexed
    assert inside == {2, 3, 4}
    assert brackets[2] == [] and brackets[3] == [] and brackets[4] == []
    assert source.pipe_line("real") == 6
    assert source.pipe_line("not_a_header") is None
    assert source.element_line("real", "steps", 1) == 8


def test_lexing_stays_linear_on_hostile_texts() -> None:
    # an unclosed basic string per line, an unclosed multi-line string, and lines of brackets: one pass each
    for text in ('x = "' * 50_000, 'x = """' + "a\\" * 100_000, "[{" * 100_000 + "\n" + "]}" * 100_000):
        inside, brackets = SourceMap(text)._lexed
        assert len(brackets) == len(text.splitlines())
