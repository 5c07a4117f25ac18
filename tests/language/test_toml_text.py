"""Reading a bundle's TOML: TOML 1.1 as the reference reads it (``tomllib`` for what TOML 1.0 accepts, then
``tomli`` >= 2.4), and the compiled fast path gives exactly that, data or error, on any text."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelex.diagnostics import Diagnostic
from pipelex.language import toml_text
from pipelex.language.parser import parse_bundle
from tests.conftest import locate_corpus

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from gen_bundle import generate_bundle, generate_long_sequence  # noqa: E402

needs_compiled = pytest.mark.skipif(
    toml_text._compiled_tomli() is None,  # pyright: ignore[reportPrivateUsage]
    reason="tomli >= 2.4 is not installed compiled here (no binary wheel for this platform): there is no fast "
    "path to compare",
)


def toml11(text: str) -> object:
    """The reading the language asks for: TOML 1.0 by tomllib, else TOML 1.1 by tomli (its error as tomllib's)."""
    import tomli

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        try:
            return tomli.loads(text)
        except tomli.TOMLDecodeError as exc:
            raise tomllib.TOMLDecodeError(str(exc)) from None


def outcome(read: object, text: str) -> tuple[str, object]:
    """What reading ``text`` gives: ("data", the data's repr: key order, types, NaN) or (the error's type, its
    message)."""
    assert callable(read)
    try:
        return "data", repr(read(text))
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        return type(exc).__name__, str(exc)


@pytest.fixture
def fast_for_every_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path for texts of any size (it is taken past 64 KB only)."""
    monkeypatch.setattr(toml_text, "FAST_MIN_CHARS", 0)


VALID = generate_bundle(30)
DOCUMENTS = [
    VALID,
    generate_long_sequence(5),
    'a = 1\nb = "two"\n[t]\nx = [1, 2.5, true, 1979-05-27T07:32:00Z, 07:32:00, 1979-05-27]\n',
    'k = """multi\nline"""\nl = \'\'\'raw\\n\'\'\'\n"quoted key" = { a.b = 1 }\n[[arr]]\nx = 1\n[[arr]]\nx = 2\n',
    "x = inf\ny = -nan\nz = 0x1F\nw = 0o17\nv = 0b101\nu = 1_000\n",
    # refused by TOML 1.0 (tomllib), accepted by TOML 1.1 (tomli 2.4): a newline or a trailing comma in an
    # inline table, a \e escape, a \x escape, a time without seconds
    "a = {\n b = 1,\n}\n",
    "a = { b = 1, }\n",
    'a = "\\e"\n',
    'a = "\\x41"\n',
    "a = 07:32\n",
    # syntax errors of every kind
    "a = \n",
    "a = 1\na = 2\n",
    "[t]\n[t]\n",
    'a = "unclosed\n',
    "a = [1, 2\n",
    "= 1\n",
    "a.b = 1\na = 2\n",
    "a = 1 b = 2\n",
    "[a]\nb = 1\n[a.b]\n",
    "a = 1979-13-27\n",
    "\x7f = 1\n",
    'a = "\\uD800"\n',
    VALID + "\n[pipe.g0_chain]\n",  # a table declared twice, at the end of a big text
    VALID.replace('output      = "Summary"', 'output      = "Summary', 1),
]


@needs_compiled
@pytest.mark.usefixtures("fast_for_every_text")
@pytest.mark.parametrize("text", DOCUMENTS)
def test_the_fast_path_gives_what_the_toml11_reading_gives(text: str) -> None:
    assert outcome(toml_text.loads, text) == outcome(toml11, text)


@needs_compiled
def test_a_big_bundle_takes_the_fast_path_and_gives_the_same_data(monkeypatch: pytest.MonkeyPatch) -> None:
    text = generate_bundle(400)
    assert len(text) > toml_text.FAST_MIN_CHARS
    fast = toml_text._compiled_tomli()  # pyright: ignore[reportPrivateUsage]
    calls: list[int] = []

    def counted(value: str) -> dict[str, object]:
        calls.append(len(value))
        assert fast is not None
        return fast(value)

    monkeypatch.setattr(toml_text, "_compiled_tomli", lambda: counted)
    assert toml_text.loads(text) == tomllib.loads(text)
    assert calls == [len(text)]
    # and the parse of the whole bundle is the same, diagnostics included, on a broken big bundle
    broken = text.replace('type        = "PipeCompose"', 'type        = PipeCompose"', 1)
    assert [d.render() for d in parse_bundle(broken, file="big.mthds").diagnostics] == [
        d.render() for d in _parsed_by_tomllib(broken, monkeypatch)
    ]


def _parsed_by_tomllib(text: str, monkeypatch: pytest.MonkeyPatch) -> list[Diagnostic]:
    monkeypatch.setattr(toml_text, "FAST_MIN_CHARS", sys.maxsize)
    return list(parse_bundle(text, file="big.mthds").diagnostics)


@needs_compiled
@pytest.mark.usefixtures("fast_for_every_text")
@pytest.mark.parametrize("depth", [5, toml_text.SAFE_DEPTH + 1, 200, 350, 400, 450, 600, 2000])
@pytest.mark.parametrize(("opening", "closing"), [("[", "]"), ("{ a = ", " }")])
def test_deep_nesting_gives_what_the_toml11_reading_gives(depth: int, opening: str, closing: str) -> None:
    # past SAFE_DEPTH the text is read again by tomllib, which fails with a RecursionError somewhere past ~300
    # levels (where depends on the stack); the compiled parser alone reads deeper (inline tables of 350-400 levels)
    text = "x = " + opening * depth + "1" + closing * depth + "\n"
    assert outcome(toml_text.loads, text) == outcome(toml11, text)


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("a = {\n b = 1,\n}\n", {"a": {"b": 1}}),
        ("a = {\n b = 1\n}\n", {"a": {"b": 1}}),
        ("a = { b = 1, }\n", {"a": {"b": 1}}),
        ("a = { # a comment\n b = 1 }\n", {"a": {"b": 1}}),
        ('a = "\\e"\n', {"a": "\x1b"}),
        ('a = "\\x41"\n', {"a": "A"}),
    ],
)
def test_toml_11_is_read(text: str, data: dict[str, object]) -> None:
    # the reference reads bundles as TOML 1.1 (multi-line inline tables with trailing commas: probed valid)
    assert toml_text.loads(text) == data


def test_a_toml_error_is_tomllibs_error_type_with_its_position() -> None:
    with pytest.raises(tomllib.TOMLDecodeError, match=r"at line 2, column"):
        toml_text.loads("a = {\n b = }\n")


def test_nests_deeper_counts_tables_and_arrays() -> None:
    data = {"a": {"b": [[{"c": 1}]]}, "d": 2}
    assert not toml_text.nests_deeper(data, 4)
    assert toml_text.nests_deeper(data, 3)
    assert not toml_text.nests_deeper({}, 0)


def test_small_texts_are_read_by_tomllib_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> dict[str, object]:
        raise AssertionError("the fast path was taken for a small text")

    monkeypatch.setattr(toml_text, "_compiled_tomli", lambda: refuse)
    assert toml_text.loads(VALID) == tomllib.loads(VALID)


def _corpus_texts() -> Iterator[Path]:
    corpus = locate_corpus()
    if corpus is not None:
        yield from sorted(corpus.rglob("*.mthds"))
    yield from sorted((Path(__file__).resolve().parents[2] / "examples").rglob("*.mthds"))


@needs_compiled
@pytest.mark.usefixtures("fast_for_every_text")
def test_the_corpus_and_the_examples_read_the_same() -> None:
    paths = list(_corpus_texts())
    assert paths
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert outcome(toml_text.loads, text) == outcome(toml11, text), path


PIECES = [
    "a",
    "=",
    " ",
    "\n",
    '"',
    "'",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    "1",
    "#",
    "\\",
    "true",
    "1979-05-27",
    "\t",
]


@needs_compiled
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(min_value=0, max_value=len(VALID)),
    removed=st.integers(min_value=0, max_value=8),
    inserted=st.lists(st.sampled_from(PIECES), max_size=4),
)
def test_any_edit_of_a_bundle_reads_the_same(
    cut: int, removed: int, inserted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(toml_text, "FAST_MIN_CHARS", 0)
    text = VALID[:cut] + "".join(inserted) + VALID[cut + removed :]
    assert outcome(toml_text.loads, text) == outcome(toml11, text)
