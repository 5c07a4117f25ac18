"""A name ending in a line break is not a name: pipe codes, concept codes, domains, references, paths.

Eighth hostile pass: the naming rules were regular expressions anchored with ``$``, which also matches before a
final ``\\n``, so a quoted TOML key ``[pipe."hello\\n"]`` was a valid pipe code (and ``"Note\\n"`` a concept,
``"notes\\n"`` a domain). The bundle validated (the reference 0.92.2 refuses it: "not a valid pipe code"), and the
name carried its line break into the console (a forged line after ``SUCCESS``), the run folder's name and the
logs. The rules now end at ``\\Z``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipelex.language.specs import (
    CONCEPT_CODE_RE,
    DOMAIN_RE,
    PATH_RE,
    PIPE_CODE_RE,
    PIPE_REF_RE,
    PLAIN_NAME_RE,
    VARIABLE_NAME_RE,
)
from tests.conftest import CliResult

PIPE = (
    '[pipe.{code}]\ntype = "PipeCompose"\ndescription = "Says hello"\noutput = "{output}"\ntemplate = "hi"\n'
)


@pytest.mark.parametrize(
    ("bundle", "expected"),
    [
        ('domain = "nl"\n' + PIPE.format(code='"hello\\n"', output="Text"), "invalid_pipe_code_syntax"),
        (
            'domain = "nl"\n[concept."Note\\n"]\ndescription = "A note"\n'
            + PIPE.format(code="hello", output="Text"),
            "PascalCase",
        ),
        ('domain = "nl\\n"\n' + PIPE.format(code="hello", output="Text"), "not snake_case"),
        ('domain = "nl"\nmain_pipe = "hello\\n"\n' + PIPE.format(code="hello", output="Text"), "main_pipe"),
    ],
    ids=["pipe", "concept", "domain", "main_pipe"],
)
def test_a_name_ending_in_a_line_break_is_refused(
    run_cli: Callable[..., CliResult], tmp_path: Path, bundle: str, expected: str
) -> None:
    path = tmp_path / "nl.mthds"
    path.write_text(bundle, encoding="utf-8")
    code, out, err = run_cli("validate", "bundle", str(path))
    assert code == 1, out + err
    assert expected in out + err and "INVALID" in out + err, out + err
    assert "SUCCESS  nl.hello\n\n" not in out  # no name printed with its line break
    code, out, err = run_cli("run", "bundle", str(path), "--dry-run", "-o", str(tmp_path / "results"))
    assert code == 1 and not (tmp_path / "results").exists(), out + err


def test_every_naming_rule_ends_at_the_end_of_the_text() -> None:
    for rule, name in (
        (PIPE_CODE_RE, "hello"),
        (DOMAIN_RE, "legal.contracts"),
        (CONCEPT_CODE_RE, "Note"),
        (PLAIN_NAME_RE, "_x"),
        (VARIABLE_NAME_RE, "x"),
        (PATH_RE, "a.b"),
        (PIPE_REF_RE, "legal.hello"),
    ):
        assert rule.match(name), (rule.pattern, name)
        for ending in ("\n", "\r\n", "\n\n", " "):
            assert not rule.match(name + ending), (rule.pattern, name + ending)
