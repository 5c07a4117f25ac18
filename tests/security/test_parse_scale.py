"""Parsing and static validation are linear: 16,000 concepts or pipes validate in seconds (issue #10).

The watchdog bound is generous (a busy 2-core machine): the quadratic source map this replaced took
80 s for 8,000 shorthand concepts, so 16,000 took several minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipelex.language.source_map import SourceMap
from tests.security.conftest import Watched

N = 16_000
WATCHDOG_S = 90.0


def _shorthand_concepts(n: int) -> str:
    return 'domain = "scale"\n\n[concept]\n' + "".join(f'C{i} = "Concept number {i}"\n' for i in range(n))


def _invalid_pipes(n: int) -> str:
    return 'domain = "scale"\n' + "".join(
        f'\n[pipe.p{i}]\ntype = "PipeCompose"\ndescription = "Pipe {i}"\ninputs = {{ note = "Text" }}\n'
        f'output = "Missing{i}"\ntemplate = "Note: $note"\n'
        for i in range(n)
    )


def _unresolved_calls(n: int) -> str:
    return 'domain = "scale"\n' + "".join(
        f'\n[pipe.p{i}]\ntype = "PipeSequence"\ndescription = "Pipe {i}"\ninputs = {{ note = "Text" }}\n'
        f'output = "Text"\nsteps = [{{ pipe = "missing{i}", result = "r" }}]\n'
        for i in range(n)
    )


@pytest.mark.parametrize(
    ("kind", "text", "expected_code"),
    [
        ("concepts", _shorthand_concepts(N), 0),
        ("pipes", _invalid_pipes(N), 1),
        ("calls", _unresolved_calls(N), 1),
    ],
)
def test_16k_items_validate_in_seconds(
    kind: str, text: str, expected_code: int, tmp_path: Path, run_watched_cli: Callable[..., Watched]
) -> None:
    bundle = tmp_path / f"{kind}.mthds"
    bundle.write_text(text, encoding="utf-8")
    done = run_watched_cli(
        "validate", "bundle", str(bundle), "--static-only", "--format", "json", timeout=WATCHDOG_S
    )
    assert not done.timed_out, f"validating {N} {kind} took more than {WATCHDOG_S} s (quadratic again?)"
    assert done.code == expected_code, done.err
    if kind == "calls":  # each message names a few of the domain's pipes, not all 16,000
        assert len(done.out) < 1000 * N
    if kind == "pipes":  # every diagnostic still points at its own pipe's output line
        import json

        errors = json.loads(done.out)["errors"]
        assert len(errors) == N
        located = {e["pipe"]: e["line"] for e in errors}
        assert located["p0"] == 7
        assert located[f"p{N - 1}"] == 7 + 7 * (N - 1)


def test_source_map_lookups_after_multiline_arrays() -> None:
    text = (
        'domain = "d"\nmain_pipe = "b"\n\n[concept]\nShort = "s"\n\n[pipe.a]\ntype = "PipeSequence"\n'
        'steps = [\n  { pipe = "x", result = "r" },\n  { pipe = "y", result = "s" },\n]\n'
        'choices = [\n  ["not", "a header"],\n]\noutput = "Text"\n\n'
        '[pipe.b]\ntype = "PipeCompose"\n\n[pipe.b.construct]\nfield = "v"\n'
        'prompt = """\n[pipe.fake]\noutput = 1\n"""\n'
    )
    source = SourceMap(text)
    assert source.key_line("main_pipe") == 2
    assert source.concept_line("Short") == 5
    assert source.pipe_line("a") == 7
    assert source.element_line("a", "steps", 2) == 11
    assert source.element_line("a", "steps", 9) == 9  # no such element: the field's line
    assert source.field_line("a", "output") == 16  # a nested array line starting with `[` is no header
    assert source.field_line("b", "construct") == 21
    assert source.field_line("b", "missing") == 18
    assert source.pipe_line("fake") is None  # inside a multi-line string
    assert source.text_line("not", pipe="a") == 14
