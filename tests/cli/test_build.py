"""``pipelex build inputs`` (a template ``run bundle -i`` accepts once filled) and ``build output`` (the shape)."""

from __future__ import annotations

import json
import textwrap
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, locate_corpus

RunCli = Callable[..., CliResult]
TmpBundle = Callable[..., Path]

TOUR_BUNDLE = textwrap.dedent("""
    domain = "city_tours"
    main_pipe = "plan_tour"

    [concept.Sight]
    description = "A place worth seeing"
    [concept.Sight.structure]
    name = "The sight's name"
    minutes = { type = "integer", description = "How long a visit takes", required = true }
    kind = { type = "text", description = "What it is", choices = ["museum", "park", "monument"], required = true }
    tags = { type = "list", item_type = "text", description = "Keywords" }

    [concept]
    Itinerary = "A walking itinerary"

    [pipe.plan_tour]
    type = "PipeLLM"
    description = "Plans a walk through the sights, in the weather given"
    inputs = { city = "Text", sights = "Sight[]", map = "Image", budget = "Number", weather = "Text?" }
    output = "Itinerary"
    prompt = \"\"\"
    Plan a walk in $city through these sights: $sights, within $budget euros. Map: $map.
    @?weather
    \"\"\"
""")


@pytest.fixture
def tour(tmp_bundle: TmpBundle) -> Path:
    return tmp_bundle(TOUR_BUNDLE, "tour.mthds")


def test_inputs_template_has_a_placeholder_of_each_shape(run_cli: RunCli, tour: Path) -> None:
    code, out, err = run_cli("build", "inputs", str(tour))
    assert code == 0, err
    template = json.loads(out)
    assert template["city"].startswith("<Text:")
    assert template["sights"] == [
        {"name": "<The sight's name>", "minutes": 0, "kind": "museum", "tags": ["<Keywords>"]}
    ]
    assert template["map"] == {"url": "https://example.com/your-image.png"}
    assert template["budget"] == 0
    assert "optional" in template["//weather"] and "Text?" in template["//weather"]
    assert "list" in template["//sights"] and "Sight[]" in template["//sights"]
    assert "run bundle" in template["//"]


def test_a_filled_template_runs(run_cli: RunCli, tour: Path, tmp_path: Path) -> None:
    code, out, err = run_cli("build", "inputs", str(tour), "-o", str(tmp_path / "inputs.json"))
    assert code == 0, err
    assert "wrote" in out and "-i" in out
    template = json.loads((tmp_path / "inputs.json").read_text())
    template.update(city="Lyon", budget=40)
    (tmp_path / "lyon.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # the map's placeholder path names no file
    template["map"]["url"] = "lyon.png"  # a path relative to the inputs file
    template["sights"].append({"name": "Parc de la Tête d'Or", "minutes": 90, "kind": "park"})
    del template["weather"]
    (tmp_path / "inputs.json").write_text(json.dumps(template))
    code, out, err = run_cli(
        "run",
        "bundle",
        str(tour),
        "--dry-run",
        "-q",
        "--no-graph",
        "-o",
        str(tmp_path / "out"),
        "-i",
        str(tmp_path / "inputs.json"),
    )
    assert code == 0, out + err
    memory = json.loads((tmp_path / "out" / "plan_tour_01" / "working_memory.json").read_text())
    assert memory["root"]["city"]["content"] == {"text": "Lyon"}
    assert len(memory["root"]["sights"]["content"]["items"]) == 2
    assert "weather" not in memory["root"]


def test_template_of_a_named_pipe_and_fixed_lists(run_cli: RunCli, tmp_bundle: TmpBundle) -> None:
    bundle = tmp_bundle(
        textwrap.dedent("""
        domain = "headlines"
        [pipe.pick]
        type = "PipeCompose"
        description = "Joins three headlines"
        inputs = { heads = "Text[3]" }
        output = "Text"
        template = "{{ heads | map(attribute='text') | join(' / ') }}"
    """)
    )
    code, out, err = run_cli("build", "inputs", str(bundle), "--pipe", "pick")
    assert code == 0, err
    template = json.loads(out)
    assert len(template["heads"]) == 3 and "exactly 3" in template["//heads"]


def test_template_of_an_unknown_pipe(run_cli: RunCli, tour: Path) -> None:
    code, out, err = run_cli("build", "inputs", str(tour), "--pipe", "plan_walk")
    assert code == 1
    assert "'plan_walk'" in err and "plan_tour" in err and "Traceback" not in out + err


def test_template_of_an_invalid_bundle_lists_its_errors(run_cli: RunCli, tmp_bundle: TmpBundle) -> None:
    bundle = tmp_bundle(
        'domain = "x"\nmain_pipe = "a"\n[pipe.a]\ntype = "PipeLLM"\ndescription = "d"\n'
        'output = "Nope"\nprompt = "hi"\n'
    )
    code, _, err = run_cli("build", "inputs", str(bundle))
    assert code == 1
    assert "does not validate" in err and "Nope" in err


def test_output_example_is_the_dry_mock_of_the_concept(run_cli: RunCli, tmp_bundle: TmpBundle) -> None:
    bundle = tmp_bundle(TOUR_BUNDLE.replace('output = "Itinerary"', 'output = "Sight[]"'))
    code, out, err = run_cli("build", "output", str(bundle))
    assert code == 0, err
    example = json.loads(out)
    assert len(example["items"]) == 3
    for item in example["items"]:
        assert item["kind"] in ("museum", "park", "monument")
        assert isinstance(item["minutes"], int)


def test_output_json_schema(run_cli: RunCli, tour: Path, tmp_path: Path) -> None:
    bundle = tour.with_name("sights.mthds")
    bundle.write_text(TOUR_BUNDLE.replace('output = "Itinerary"', 'output = "Sight[2]"'))
    code, out, err = run_cli("build", "output", str(bundle), "--json-schema")
    assert code == 0, err
    schema = json.loads(out)
    items = schema["properties"]["items"]
    assert (items["minItems"], items["maxItems"]) == (2, 2)
    assert items["items"]["properties"]["kind"]["enum"] == ["museum", "park", "monument"]


def _valid_corpus_entries() -> list[Path]:
    corpus = locate_corpus()
    if corpus is None:
        return []
    found = []
    for entry in sorted((corpus / "entries").iterdir()):
        meta = entry / "entry.toml"
        if not meta.is_file() or tomllib.loads(meta.read_text())["validity"] != "valid":
            continue
        bundle = entry / "bundle.mthds"
        if "main_pipe" in bundle.read_text():
            found.append(bundle)
    return found


@pytest.mark.conformance
@pytest.mark.parametrize("bundle", _valid_corpus_entries(), ids=lambda p: p.parent.name)
def test_every_corpus_template_runs_as_it_is(run_cli: RunCli, bundle: Path, tmp_path: Path) -> None:
    """The template of every valid corpus bundle, unfilled, is accepted by a dry run (placeholders are values)."""
    code, out, err = run_cli("build", "inputs", str(bundle), "-o", str(tmp_path / "inputs.json"))
    assert code == 0, err
    code, out, err = run_cli(
        "run",
        "bundle",
        str(bundle),
        "--dry-run",
        "-q",
        "--no-graph",
        "-o",
        str(tmp_path / "out"),
        "-i",
        str(tmp_path / "inputs.json"),
    )
    assert code == 0, out + err


def test_an_existing_inputs_file_is_kept_unless_forced(run_cli: RunCli, tour: Path, tmp_path: Path) -> None:
    target = tmp_path / "inputs.json"
    target.write_text('{"city": "Lyon"}')
    code, _, err = run_cli("build", "inputs", str(tour), "-o", str(target))
    assert code == 2 and "--force" in err  # a usage error, as for every file a command is told to write
    assert target.read_text() == '{"city": "Lyon"}'
    code, _, err = run_cli("build", "inputs", str(tour), "-o", str(target), "--force")
    assert code == 0, err
    assert "sights" in json.loads(target.read_text())


def test_a_bundle_without_pipes_says_so(run_cli: RunCli, tmp_bundle: TmpBundle) -> None:
    code, _, err = run_cli("build", "inputs", str(tmp_bundle('domain = "empty"\n')))
    assert code == 1
    assert "declares no pipe" in err
