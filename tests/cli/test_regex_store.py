"""The stored regular-expression codes (``pipelex/cli/regex_codes.py``, ``pipelex/cli/regex_store.py``): the module is
what its generator writes, each stored pattern is the one ``re`` compiles (the engine compares their code), it is used
only under the interpreter it was stored with, and any other pattern is compiled as before."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelex.cli import regex_codes
from pipelex.cli.regex_codes_gen import TARGET, compiled_parts, module_source, recorded_patterns

ROOT = Path(__file__).resolve().parents[2]
SAME_PYTHON = pytest.mark.skipif(
    regex_codes.PYTHON != sys.version,
    reason="stored under another interpreter (not used there): run `python -m pipelex.cli.regex_codes_gen`",
)


@SAME_PYTHON
@pytest.mark.slow
def test_the_store_holds_what_the_everyday_commands_compile() -> None:
    # a pattern added since the store was written is compiled as before (a miss costs speed, never correctness):
    # the store need not be rewritten for each, but it must keep serving the commands' start-up
    recorded = set(recorded_patterns())
    missing = recorded - set(regex_codes.CODES)
    assert len(missing) <= len(recorded) // 10, (
        f"run `python -m pipelex.cli.regex_codes_gen`: {sorted(missing)}"
    )
    assert TARGET.read_text() == module_source(list(regex_codes.CODES)), (
        "the module is the generator's writing"
    )


@SAME_PYTHON
def test_each_stored_code_is_what_re_compiles() -> None:
    assert len(regex_codes.CODES) > 30
    for (pattern, flags), parts in regex_codes.CODES.items():
        assert compiled_parts(pattern, flags) == parts, pattern
    # bytes patterns too (platform's, json's); none has the text of a stored str pattern, whose key would then
    # compare a str with bytes (an error under `python -bb`)
    texts = {pattern for pattern, _ in regex_codes.CODES if type(pattern) is str}
    stored_bytes = [pattern for pattern, _ in regex_codes.CODES if type(pattern) is bytes]
    assert stored_bytes
    assert not [pattern for pattern in stored_bytes if pattern.decode("latin-1") in texts]


SAME = """
import re, sys
from re import _compiler
original = _compiler.compile
from pipelex.cli import regex_codes
from pipelex.cli.regex_store import install
assert install() and not install()  # twice is once
assert _compiler.compile is not original
same = 0
for (pattern, flags) in regex_codes.CODES:
    mine, theirs = _compiler.compile(pattern, flags), original(pattern, flags)
    # a pattern equals another when their flags, text and engine code are the same
    assert mine == theirs and mine.groupindex == theirs.groupindex and mine.groups == theirs.groups, pattern
    assert mine is not theirs
    same += 1
print("SAME", same)
word = re.compile(r"(?P<word>[a-z]+)-(\\d+)", re.I)  # nobody stored it: compiled as before
print("OTHER", word.match("Ab-12").groupdict(), word.groups, re.compile(rb"x+").match(b"xx").group())
print("TOML", bool(re.compile(list(regex_codes.CODES)[0][0], list(regex_codes.CODES)[0][1])))
"""


@SAME_PYTHON
@pytest.mark.usefixtures("stores_byte_code")
def test_a_pattern_from_the_store_is_the_one_re_compiles() -> None:
    done = subprocess.run([sys.executable, "-c", SAME], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"SAME {len(regex_codes.CODES)}" in done.stdout
    assert "OTHER {'word': 'Ab'} 2 b'xx'" in done.stdout


OTHER_PYTHON = """
from re import _compiler
original = _compiler.compile
from pipelex.cli import regex_codes
regex_codes.PYTHON = "3.0.0 (elsewhere)"
from pipelex.cli.regex_store import install
print("INSTALLED", install(), _compiler.compile is original)
"""


def test_under_another_interpreter_nothing_changes() -> None:
    done = subprocess.run(
        [sys.executable, "-c", OTHER_PYTHON], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert "INSTALLED False True" in done.stdout, done.stderr
