"""``pipelex init`` (next steps, --force, --diff) and ``pipelex schema`` (the JSON Schema editors read)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.cli.test_build import TOUR_BUNDLE, _valid_corpus_entries
from tests.cli.test_cli import MENU_BUNDLE
from tests.conftest import CliResult

RunCli = Callable[..., CliResult]
ROOT = Path(__file__).resolve().parents[2]


def test_init_ends_with_the_next_commands(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "menu_card.mthds").write_text(MENU_BUNDLE)
    code, out, _ = run_cli("init")
    assert code == 0
    commands = [
        line.strip().split("  #")[0].strip()
        for line in out.splitlines()
        if line.strip().startswith("pipelex")
    ]
    assert commands == [
        "pipelex validate bundle menu_card.mthds",
        "pipelex build inputs menu_card.mthds -o inputs.json",
        "pipelex run bundle menu_card.mthds -i inputs.json --dry-run",
    ]
    for command in commands:  # each one works as printed
        code, out, err = run_cli(*command.split()[1:])
        assert code == 0, out + err


def test_init_without_a_bundle_points_at_the_guide(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("init")
    assert code == 0
    assert "docs/language.md" in out and "my_bundle.mthds" in out


def test_init_refusal_names_force_and_diff(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipelex.toml").write_text("[runtime]\nmax_concurrency = 2\n")
    code, _, err = run_cli("init")
    assert code == 1
    assert "--diff" in err and "--force" in err
    assert (tmp_path / "pipelex.toml").read_text() == "[runtime]\nmax_concurrency = 2\n"


def test_init_diff_shows_the_differences_and_writes_nothing(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run_cli("init")
    fresh = (tmp_path / "pipelex.toml").read_text()
    mine = fresh.replace("max_concurrency = 8", "max_concurrency = 2")
    (tmp_path / "pipelex.toml").write_text(mine)
    code, out, _ = run_cli("init", "--diff")
    assert code == 0
    assert "-max_concurrency = 2" in out and "+max_concurrency = 8" in out
    assert (tmp_path / "pipelex.toml").read_text() == mine
    (tmp_path / "pipelex.toml").write_text(fresh)
    code, out, _ = run_cli("init", "--diff")
    assert code == 0 and "nothing differs" in out


def test_init_force_replaces_and_keeps_a_backup(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipelex.toml").write_text("[runtime]\nmax_concurrency = 2\n")
    code, out, _ = run_cli("init", "--force")
    assert code == 0
    assert (tmp_path / "pipelex.toml.bak").read_text() == "[runtime]\nmax_concurrency = 2\n"
    assert "max_concurrency = 8" in (tmp_path / "pipelex.toml").read_text()
    assert "next:" in out


# ---------------------------------------------------------------------------------------------------- schema


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    from pipelex.language.schema import mthds_json_schema

    built = mthds_json_schema()
    jsonschema.Draft7Validator.check_schema(built)
    return built


def _problems(schema: dict[str, Any], text: str) -> list[str]:
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(tomllib.loads(text))
    ]


def test_schema_command_prints_the_schema(run_cli: RunCli, schema: dict[str, Any], tmp_path: Path) -> None:
    code, out, err = run_cli("schema")
    assert code == 0, err
    assert json.loads(out) == schema
    code, out, _ = run_cli("schema", "-o", str(tmp_path / "mthds.schema.json"))
    assert code == 0 and "wrote" in out
    assert json.loads((tmp_path / "mthds.schema.json").read_text()) == schema


@pytest.mark.parametrize("bundle", sorted((ROOT / "examples").glob("*.mthds")), ids=lambda p: p.name)
def test_schema_accepts_the_shipped_examples(schema: dict[str, Any], bundle: Path) -> None:
    assert _problems(schema, bundle.read_text()) == []


@pytest.mark.conformance
@pytest.mark.parametrize("bundle", _valid_corpus_entries(), ids=lambda p: p.parent.name)
def test_schema_accepts_the_valid_corpus_bundles(schema: dict[str, Any], bundle: Path) -> None:
    assert _problems(schema, bundle.read_text()) == []


@pytest.mark.parametrize(
    ("typo", "where"),
    [
        (('prompt = """', 'promt = """'), "pipe.plan_tour"),
        (('output = "Itinerary"', 'output = "Itinerary"\nmodle = "@default-general"'), "pipe.plan_tour"),
        (('description = "A place worth seeing"', 'descripton = "A place worth seeing"'), "concept.Sight"),
        (('minutes = { type = "integer"', 'minutes = { type = "int"'), "concept.Sight.structure.minutes"),
        (('type = "PipeLLM"', 'type = "PipeLlm"'), "pipe.plan_tour.type"),
        (('main_pipe = "plan_tour"', 'main_pipe = "plan_tour"\nmain_pipes = "x"'), ""),
    ],
    ids=["promt", "modle", "descripton", "int", "PipeLlm", "main_pipes"],
)
def test_schema_flags_a_typo(schema: dict[str, Any], typo: tuple[str, str], where: str) -> None:
    assert _problems(schema, TOUR_BUNDLE) == []
    problems = _problems(schema, TOUR_BUNDLE.replace(*typo, 1))
    assert problems, "the typo went unnoticed"
    assert any(p.startswith(where) for p in problems), problems


def test_schema_takes_signatures_written_without_type(schema: dict[str, Any]) -> None:
    signature = TOUR_BUNDLE.replace('type = "PipeLLM"', 'signature_for = "PipeLLM"').split('prompt = """')[0]
    assert _problems(schema, signature) == []
    assert _problems(schema, signature.replace('signature_for = "PipeLLM"', 'signature_for = "PipeLlm"'))
    # signature_for is an optional hint: the contract alone is a signature too
    assert _problems(schema, signature.replace('signature_for = "PipeLLM"', "")) == []
    # but a pipe without `type` that carries an implementation field is not a contract
    assert _problems(schema, TOUR_BUNDLE.replace('type = "PipeLLM"', ""))


def test_schema_documents_the_fields(schema: dict[str, Any]) -> None:
    batch = schema["definitions"]["PipeBatch"]["properties"]
    for field in ("branch_pipe_code", "input_list_name", "input_item_name", "inputs", "output"):
        assert batch[field]["description"]
    assert schema["definitions"]["PipeBatch"]["additionalProperties"] is False


def test_editors_can_complete_every_field_of_a_pipe_and_a_concept(schema: dict[str, Any]) -> None:
    from pipelex.language import blueprint as bp

    pipe = schema["properties"]["pipe"]["additionalProperties"]["properties"]
    for model in bp.PIPE_CLASSES.values():
        for name, info in model.model_fields.items():
            assert (info.alias or name) in pipe, name
    assert pipe["branch_pipe_code"]["description"] == "The pipe run once per item."
    assert set(schema["properties"]["concept"]["additionalProperties"]["properties"]) == {
        "description",
        "refines",
        "structure",
        "hints",
    }
