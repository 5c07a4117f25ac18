"""docs/language.md is checked, not trusted: every bundle in it validates (or fails with the error type it
announces), its inputs examples run, its error message is the real one, and it covers every pipe type, field,
native concept and error type. The README points at it from its first screen."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelex.concepts.natives import NATIVE_CONTENT
from pipelex.config.deck import default_deck
from pipelex.diagnostics import ErrorType
from pipelex.language import blueprint as bp
from pipelex.language import toml_text
from pipelex.language.library import build_library
from pipelex.validation.report import ValidationReport, validate_library
from tests.conftest import CliResult

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "language.md"
TEXT = GUIDE.read_text(encoding="utf-8")
RunCli = Callable[..., CliResult]

_BLOCK = re.compile(r"(?:<!--(?P<note>[^>]*)-->\n)?```(?P<lang>[a-z]*)\n(?P<body>.*?)```", re.S)


@dataclass(frozen=True)
class Block:
    lang: str
    note: str
    body: str
    line: int

    @property
    def name(self) -> str:
        return f"line{self.line}"

    @property
    def domain(self) -> str | None:
        return toml_text.loads(self.body).get("domain") if self.lang in ("mthds", "toml") else None


BLOCKS = [
    Block(
        m.group("lang"), (m.group("note") or "").strip(), m.group("body"), TEXT[: m.start()].count("\n") + 1
    )
    for m in _BLOCK.finditer(TEXT)
]
BUNDLES = [b for b in BLOCKS if b.lang == "mthds" and "library:" not in b.note]
LIBRARIES: dict[str, list[Block]] = {}
for _block in BLOCKS:
    if _block.lang == "mthds" and "library:" in _block.note:
        LIBRARIES.setdefault(_block.note.split("library:")[1].split()[0], []).append(_block)


def _validate(blocks: list[Block]) -> ValidationReport:
    return validate_library(build_library([(b.body, f"{b.name}.mthds") for b in blocks]), default_deck())


def _bundle_of(domain: str) -> Block:
    [found] = [b for b in BUNDLES if b.domain == domain]
    return found


def test_the_guide_has_examples_of_every_kind() -> None:
    assert len(BUNDLES) >= 20
    assert {b.lang for b in BLOCKS} >= {"mthds", "toml", "json", "bash", "text"}
    # every TOML example is a bundle, or says what else it is
    for block in BLOCKS:
        if block.lang == "toml":
            assert block.note.startswith(("config:", "taplo:")) or block.domain, block.line


@pytest.mark.parametrize("block", [b for b in BUNDLES if "invalid:" not in b.note], ids=lambda b: b.name)
def test_every_bundle_of_the_guide_validates(block: Block) -> None:
    report = _validate([block])
    assert report.is_valid, [e.render() for e in report.errors]
    assert all(v.status.value == "SUCCESS" or v.message for v in report.validated_pipes)


@pytest.mark.parametrize("block", [b for b in BUNDLES if "invalid:" in b.note], ids=lambda b: b.name)
def test_every_invalid_example_fails_as_announced(block: Block) -> None:
    expected = block.note.split("invalid:")[1].split()[0]
    report = _validate([block])
    assert [e.error_type for e in report.errors] == [expected], [e.render() for e in report.errors]


@pytest.mark.parametrize("name", sorted(LIBRARIES))
def test_every_library_of_the_guide_validates_as_one(name: str) -> None:
    blocks = LIBRARIES[name]
    assert len(blocks) >= 2
    report = _validate(blocks)
    assert report.is_valid, [e.render() for e in report.errors]
    for block in blocks:  # a file of a library alone is incomplete, the library is not
        assert block.note.split("file:")[1].split()[0].endswith(".mthds")


@pytest.mark.parametrize(
    "block", [b for b in BLOCKS if b.note.startswith("inputs-for:")], ids=lambda b: b.name
)
def test_every_inputs_example_runs(block: Block, run_cli: RunCli, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.mthds"
    bundle.write_text(_bundle_of(block.note.split(":")[1].strip()).body)
    inputs = tmp_path / "inputs.json"
    inputs.write_text(block.body)
    code, out, err = run_cli(
        "run", "bundle", str(bundle), "-i", str(inputs), "--dry-run", "-q", "-o", str(tmp_path / "results")
    )
    assert code == 0, out + err


def test_the_toml_inputs_example_is_the_json_one(run_cli: RunCli, tmp_path: Path) -> None:
    [toml_block] = [b for b in BLOCKS if b.note.startswith("config: inputs.toml")]
    bundle = tmp_path / "bundle.mthds"
    bundle.write_text(_bundle_of("parcel_routing").body)
    (tmp_path / "inputs.toml").write_text(toml_block.body)
    code, out, err = run_cli(
        "run",
        "bundle",
        str(bundle),
        "-i",
        str(tmp_path / "inputs.toml"),
        "--dry-run",
        "--no-graph",
        "-q",
        "-o",
        str(tmp_path / "results"),
    )
    assert code == 0, out + err
    memory = json.loads((tmp_path / "results" / "route_parcel_01" / "working_memory.json").read_text())
    assert memory["root"]["parcel"]["content"] == {"size": "large", "address": "14 Rue des Lilas, Rennes"}


def test_the_first_bundle_as_a_reader_uses_it(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validate, template the inputs, run the template as written, then the filled inputs, then by pipe code."""
    monkeypatch.chdir(tmp_path)
    first = BUNDLES[0]
    assert first.domain == "support_desk"
    Path("support_desk.mthds").write_text(first.body)
    commands = [
        line.split("#")[0].split() for line in TEXT.split("```bash\n", 1)[1].split("```")[0].splitlines()
    ]
    assert commands[0] == ["pipelex", "validate", "bundle", "support_desk.mthds"]
    code, out, err = run_cli(*commands[0][1:])
    assert code == 0, out + err
    code, out, err = run_cli(*commands[1][1:])  # build inputs -o inputs.json
    assert code == 0, out + err
    template = json.loads(Path("inputs.json").read_text())
    assert isinstance(template["tickets"], list) and set(template["tickets"][0]) == {
        "customer",
        "subject",
        "body",
    }
    code, out, err = run_cli(*commands[2][1:], "-q")  # the template runs as it is, dry
    assert code == 0, out + err
    [filled] = [b for b in BLOCKS if b.note == "inputs-for: support_desk"]
    Path("inputs.json").write_text(filled.body)
    code, out, err = run_cli(*commands[2][1:], "--no-graph")
    assert code == 0, out + err
    replies = json.loads(Path("results/answer_tickets_02/main_stuff.json").read_text())
    assert len(replies["items"]) == 2
    Path("lib").mkdir()
    Path("lib/support_desk.mthds").write_text(first.body)
    code, out, err = run_cli(
        "run",
        "pipe",
        "triage_ticket",
        "-L",
        "lib",
        "--dry-run",
        "-q",
        "-i",
        json.dumps({"ticket": json.loads(filled.body)["tickets"][0]}),
    )
    assert code == 0, out + err
    triage = json.loads(Path("results/triage_ticket_01/main_stuff.json").read_text())
    assert triage["category"] in ("billing", "bug", "other") and isinstance(triage["urgent"], bool)


def test_the_error_message_shown_is_the_real_one() -> None:
    [block] = [b for b in BLOCKS if b.note.startswith("message-of-first-bundle:")]
    first = BUNDLES[0].body
    old = 'inputs = { ticket = "Ticket", triage = "Triage" }\noutput = "Reply"\nexpression'
    assert first.count(old) == 1
    report = validate_library(
        build_library([(first.replace(old, old.replace('"Triage"', '"Ticket"')), "support_desk.mthds")]),
        default_deck(),
        run_sweep=False,
    )
    shown = " ".join(block.body.split())
    assert shown == " ".join(report.errors[0].render().split())


def test_the_editor_settings_parse() -> None:
    [taplo] = [b for b in BLOCKS if b.note.startswith("taplo:")]
    rule = tomllib.loads(taplo.body)["rule"][0]
    assert rule["include"] == ["**/*.mthds"] and rule["schema"]["path"].endswith("mthds.schema.json")
    [vscode] = [b for b in BLOCKS if b.lang == "json" and "evenBetterToml" in b.body]
    settings = json.loads(vscode.body)
    assert settings["files.associations"]["*.mthds"] == "toml"
    [(pattern, path)] = settings["evenBetterToml.schema.associations"].items()
    assert re.search(pattern, "bundles/support_desk.mthds") and path.endswith("mthds.schema.json")
    assert "pipelex schema -o .pipelex/mthds.schema.json" in TEXT


# ---------------------------------------------------------------------------------------------------- coverage
@pytest.mark.parametrize("pipe_type", bp.PIPE_TYPES)
def test_every_pipe_type_has_a_section(pipe_type: str) -> None:
    assert re.search(rf"^### {pipe_type}\b", TEXT, re.M), pipe_type
    assert any(f'type = "{pipe_type}"' in b.body for b in BUNDLES), f"no example of {pipe_type}"


def _fields(model: type[bp.Blueprint]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items() if name not in ("source",)]


@pytest.mark.parametrize(
    "model",
    [
        *bp.PIPE_CLASSES.values(),
        bp.StepBlueprint,
        bp.BranchBlueprint,
        bp.FieldBlueprint,
        bp.ConceptBlueprint,
        bp.TemplateBlueprint,
        bp.JudgeQuestion,
        bp.InputSlot,
    ],
    ids=lambda m: m.__name__,
)
def test_every_field_is_documented(model: type[bp.Blueprint]) -> None:
    missing = [f for f in _fields(model) if f"`{f}`" not in TEXT and f"`{f} =" not in TEXT]
    assert missing == [], f"{model.__name__}: {missing}"


def test_every_header_key_is_documented() -> None:
    for key in ("domain", "description", "system_prompt", "main_pipe", "[concept]", "[pipe.code]"):
        assert f"| `{key}`" in TEXT or f"`{key}`" in TEXT, key


@pytest.mark.parametrize("native", sorted(NATIVE_CONTENT))
def test_every_native_concept_is_listed(native: str) -> None:
    assert f"| `{native}` |" in TEXT


@pytest.mark.parametrize("error_type", [e.value for e in ErrorType])
def test_every_error_type_is_explained(error_type: str) -> None:
    row = re.search(rf"^\| `{re.escape(error_type)}` \| (\w+) \| (.+?) \| (.+?) \|$", TEXT, re.M)
    assert row is not None, f"no row for {error_type} in the errors table"


# ---------------------------------------------------------------------------------------------------- README
def test_the_readme_points_at_the_guide_from_its_first_screen() -> None:
    readme = (ROOT / "README.md").read_text().splitlines()
    assert any("docs/language.md" in line for line in readme[:25])
    first_block = readme[readme.index("```bash") + 1 : readme.index("```bash") + 3]
    assert first_block[0].startswith("make demo ") and first_block[1].startswith("make test ")
