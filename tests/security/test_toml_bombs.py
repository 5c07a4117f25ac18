"""TOML bombs: small texts that make a TOML reader do unbounded work.

``tomllib`` keeps a tuple of the whole key path for each part of a dotted key, so a 200 KB bundle holding one key
of 100,000 parts (``x.x.x...y = 1``) took gigabytes and minutes to read (20,000 parts: 21 s; on a served API the
validation's worker reached its 2 GiB ceiling after 34 s); a table header (``[a.a.a...]``) the same, and a package
manifest (``METHODS.toml``) was read by ``tomllib`` directly. A dotted key of more parts than a bundle's tables
may nest is now refused before any reader sees it, as a document nesting too deeply is: ``toml_syntax`` for a
bundle, ``package_invalid`` naming the manifest. Each bomb runs in a child under a watchdog (a regression fails
the test instead of exhausting the machine).
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from tests.security.conftest import watched

BUNDLE = textwrap.dedent("""
    domain    = "t"
    main_pipe = "p"

    [pipe.p]
    type        = "PipeCompose"
    description = "d"
    output      = "Text"
    template    = "x"
""")

BOMBS = {
    "dotted key": "x." * 100_000 + "y = 1\n" + BUNDLE,
    "dotted key with blanks": "x . " * 60_000 + "y = 1\n" + BUNDLE,
    "quoted dotted key": '"x".' * 60_000 + "y = 1\n" + BUNDLE,
    "table header": BUNDLE + "[" + "a." * 60_000 + "b]\n",
    "array of tables header": BUNDLE + "[[" + "a." * 60_000 + "b]]\n",
    "big text, dotted key": BUNDLE + "# " + "-" * 70_000 + "\n" + "x." * 60_000 + "y = 1\n",
    # a quoted part holding U+2028 every 50 parts: str.splitlines() cut the key there into keys of 50 parts, so
    # the check passed it (60,000 parts: 181 s and 14 GB on the CLI); a TOML line ends only at a line feed
    "dotted key cut by line separators": "".join("x." if i % 50 else '"\u2028".' for i in range(1, 60_000))
    + "y = 1\n"
    + BUNDLE,
    "dotted key cut by next-line characters": "".join("x." if i % 50 else '"\x85".' for i in range(1, 60_000))
    + "y = 1\n"
    + BUNDLE,
}

_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pipelex.language.parser import parse_bundle
    results = {}
    for name, text in json.loads(sys.stdin.read()).items():
        started = time.monotonic()
        diagnostics = parse_bundle(text, file="bomb.mthds").diagnostics
        results[name] = {
            "seconds": time.monotonic() - started,
            "errors": [[d.error_type, d.message] for d in diagnostics],
        }
    print(json.dumps(results))
    """
)


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict[str, object]]:
    done = watched([sys.executable, "-c", _CHILD], timeout=120, memory_bytes=1024**3, stdin=json.dumps(BOMBS))
    assert not done.timed_out, "a TOML bomb was not stopped (the watchdog killed the parser)"
    assert done.code == 0, done.err[-3000:]
    return json.loads(done.out)


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_a_key_of_too_many_parts_is_refused_before_it_is_read(
    name: str, parsed: dict[str, dict[str, object]]
) -> None:
    result = parsed[name]
    assert result["errors"] == [
        ["toml_syntax", "the TOML document nests too deeply to be read: flatten its tables"]
    ]


def test_dotted_keys_of_ordinary_length_read_as_before() -> None:
    from pipelex.language.toml_text import SAFE_DEPTH, loads

    assert loads('a.b."c.d" = 1\n[x . y]\nz = 2\n') == {"a": {"b": {"c.d": 1}}, "x": {"y": {"z": 2}}}
    deep = "k." * SAFE_DEPTH + "v = 1\n"  # SAFE_DEPTH + 1 parts: the most a key may have
    value = loads(deep)
    for _ in range(SAFE_DEPTH):
        value = value["k"]
    assert value == {"v": 1}
    # a prose text holding many dots, and dotted words in strings, are no keys
    prose = 'description = "' + "Read it. Then act. " * 200 + '"\nversion = "' + ".".join("1" * 150) + '"\n'
    assert loads(prose)["version"].count(".") == 149


def test_a_package_manifest_of_a_huge_key_is_package_invalid(tmp_path: Path) -> None:
    (tmp_path / "b.mthds").write_text(BUNDLE, encoding="utf-8")
    (tmp_path / "METHODS.toml").write_text("x." * 100_000 + "y = 1\n", encoding="utf-8")
    done = watched(
        [sys.executable, "-m", "pipelex.cli.main", "validate", "bundle", str(tmp_path)],
        timeout=120,
        memory_bytes=1024**3,
        cwd=tmp_path,
    )
    assert not done.timed_out
    assert done.code == 1, done.err
    assert "[package_invalid]" in done.out + done.err
    assert "METHODS.toml: the package manifest nests too deeply to be read" in done.out + done.err
    assert "Traceback" not in done.err


def test_a_huge_package_manifest_above_a_bundle_is_not_read_whole(tmp_path: Path) -> None:
    """Twelfth hostile pass: a manifest is looked for in every folder above a bundle (a shared `/tmp`, a cloned
    folder), and it was read whole, unlike a bundle (10 MB): a 3 GB sparse `METHODS.toml` (free to make) ended a
    `validate` with "internal error (MemoryError)" under a 1 GiB ceiling, the machine's memory without one."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.mthds").write_text(BUNDLE, encoding="utf-8")
    with (tmp_path / "METHODS.toml").open("wb") as sparse:
        sparse.truncate(3 * 1024**3)
    done = watched(
        [sys.executable, "-m", "pipelex.cli.main", "validate", "bundle", str(tmp_path / "sub" / "b.mthds")],
        timeout=120,
        memory_bytes=1024**3,
        cwd=tmp_path,
    )
    assert not done.timed_out
    assert done.code == 1, done.out + done.err
    assert "[package_invalid]" in done.out and "over the 10 MB limit for a manifest" in done.out, done.out
    assert "internal error" not in done.out + done.err and "Traceback" not in done.err


def test_lines_are_counted_as_toml_counts_them() -> None:
    from pipelex.language.toml_text import toml_lines

    assert toml_lines("a\r\nb\u2028c\x85d\x0ce\n\n") == ["a", "b\u2028c\x85d\x0ce", ""]
    assert toml_lines("") == []
    assert toml_lines("a") == ["a"]


# a string holding U+2028 then a `[` and blanks without `]`: str.splitlines() made that a line of its own, read as a
# table header by a pattern that backtracked in cubic time (3,000 blanks: 22 s to report one error)
_SOURCE_MAP_BOMB = (
    'domain = "sm"\n\n[pipe.go]\ntype = "PipeLLM"\ndescription = "a\u2028[' + " " * 20_000 + 'b"\n'
    'output = "Txt"\nprompt = "hi"\n'
)


def test_a_line_separator_in_a_string_neither_starts_a_header_nor_slows_the_report(tmp_path: Path) -> None:
    """The source map (which finds the line of a diagnostic) reads the lines TOML reads and its header pattern
    does not backtrack: the error is reported at once, at its true line."""
    bundle = tmp_path / "sm.mthds"
    bundle.write_text(_SOURCE_MAP_BOMB, encoding="utf-8")
    done = watched(
        [sys.executable, "-m", "pipelex.cli.main", "validate", "bundle", str(bundle)],
        timeout=60,
        memory_bytes=1024**3,
        cwd=tmp_path,
    )
    assert not done.timed_out, "the report of one error did not end"
    assert done.code == 1, done.err
    assert f"{bundle}:6: [unresolved_concept] pipe 'go', field 'output'" in done.out + done.err
    assert "Traceback" not in done.err


def test_headers_are_found_with_their_blanks() -> None:
    from pipelex.language.source_map import SourceMap

    source = SourceMap('[ pipe . go ]\nx = 1\n[[ pipe.go.steps ]]\n[pipe."b c"]\ny = 2\r\n[\tconcept.C\t]\n')
    assert source.pipe_line("go") == 1
    assert source.field_line("go", "x") == 2
    assert source.field_line("go", "steps") == 3
    assert source.table_line("concept", "C") == 6
    assert source.text_line("y = 2") == 5
