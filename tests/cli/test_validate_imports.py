"""What ``pipelex validate bundle`` and ``pipelex run bundle --dry-run`` may import and build: start-up is most
of an everyday command's time.

Validating (and dry-running) a bundle needs the language, the static checks and the dry-run interpreter, with
pydantic and Jinja2; nothing of the API server, MCP, Temporal, live providers, storage back ends, graph
renderers or telemetry. A module that lands on this path by accident (an import at the top of a module instead
of inside the function that needs it) costs every command its import time: these tests name it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# third-party distributions a validation may load (the standard library is not counted)
ALLOWED_THIRD_PARTY = frozenset(
    {
        "pydantic",
        "pydantic_core",
        "annotated_types",
        "typing_extensions",
        "typing_inspection",
        "jinja2",
        "markupsafe",
    }
)
# parts of pipelex a validation never needs
FORBIDDEN_PIPELEX = (
    "pipelex.api",
    "pipelex.mcp",
    "pipelex.backends.temporal",
    # live inference but its pre-flight check (data only: the model calls a pipe makes, the keys they need)
    "pipelex.inference.live.generator",
    "pipelex.inference.live.calls",
    "pipelex.inference.live.extract",
    "pipelex.inference.live.pdf_reader",
    "pipelex.inference.live.docgen",
    "pipelex.inference.live.resources",
    "pipelex.inference.live.structured",
    "pipelex.inference.providers",
    "pipelex.storage.s3",
    "pipelex.storage.local",
    # the graph's models: a validation sweep records no graph (its tracer hands out node ids)
    "pipelex.tracing.graph",
    "pipelex.tracing.html",
    "pipelex.tracing.mermaid",
    "pipelex.tracing.otel",
    "pipelex.pipeline",
    "pipelex.reporting.console",
    "pipelex.cli.progress",
    "pipelex.testing",
    # the writers of the stored default deck and blueprint schemas (development tools), and the deck's table models:
    # the default deck comes from its stored data (tests/config/test_default_deck_data.py)
    "pipelex.config.default_deck_gen",
    "pipelex.language.stored_schemas_gen",
    "pipelex.config.deck_config",
)
# about 85 today (the language, checks, interpreter and every operator and controller): room for growth, not for
# a new subsystem
MAX_PIPELEX_MODULES = 110
# standard-library modules a validation has no use for, each once imported at the top of a module on its path for
# one call a validation never makes (the IO policy's inet_aton, --debug's traceback, the
# Temporal SDK's log routing, the html text format); a bundle whose templates use Jinja2 brings tempfile (Jinja2's
# bytecode cache imports it, and shutil with it). shutil (with bz2, lzma and zlib) was argparse's, for the terminal's
# width: the CLI's help formatter reads it without shutil. locale was gettext's, imported at argparse's first
# translated string to normalise the language of a catalogue nobody ships: argparse's strings are translated with
# one lookup (pipelex/cli/main.py, _translate_without_lookups; tests/cli/test_translations.py).
# mimetypes is for the MIME type of a file input named by a URL, when one is read; gettext was argparse's, whose
# strings a command translates once, without it when there is no catalogue (pipelex/cli/argparse_loader.py)
FORBIDDEN_STDLIB = ("socket", "selectors", "logging", "traceback", "html", "locale", "mimetypes", "gettext")
# json: a validate prints no JSON (but with --format json) and copies a structured leaf's JSON schema with marshal
# (pipelex.concepts.library); a dry run reads its inputs and writes its folder with it
FORBIDDEN_IN_VALIDATE = ("json",)
FORBIDDEN_STDLIB_WITHOUT_JINJA = (*FORBIDDEN_STDLIB, "tempfile", "shutil", "bz2", "lzma")

# a dry run loads what a validation does but the sweep, plus the run's own parts (the runner, the direct backend,
# the graph's models and the renderers that write graph.mmd and graph.html); still nothing of a live run or of a server
# (and the OpenTelemetry gate, which loads the SDK only when an endpoint is configured)
RUN_PARTS = (
    "pipelex.pipeline",
    "pipelex.tracing.graph",
    "pipelex.tracing.html",
    "pipelex.tracing.mermaid",
    "pipelex.tracing.otel",
)
FORBIDDEN_IN_DRY_RUN = (
    *(m for m in FORBIDDEN_PIPELEX if m not in RUN_PARTS),
    "pipelex.validation.sweep",
    "pipelex.storage.local",
)
# 121 on 2026-12-02 (pipelex.system_paths: the one list of system folders the loader, the IO policy and the CLI
# check): room for growth, not for a new subsystem
MAX_PIPELEX_MODULES_DRY_RUN = 125

# pydantic models whose validator is built (``__pydantic_complete__``) by one small command: the models it
# validates with, not every model it imports (``defer_build`` on the language, content, deck, config-less ones)
MAX_BUILT_MODELS = 30

SCRIPT = """
import sys
from pipelex.cli.main import main
try:
    code = main(sys.argv[1:], one_command=True)  # as the console script runs it
except SystemExit as exc:
    code = exc.code
loaded = sorted(sys.modules)  # before this script's own imports (json)

def models():
    if "pydantic" not in sys.modules:  # never loaded: nothing built (and nothing to import here)
        return set()
    from pydantic import BaseModel
    seen, todo = set(), [BaseModel]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return seen

built = sorted(f"{m.__module__}.{m.__qualname__}" for m in models() if m.__dict__.get("__pydantic_complete__"))
defined = sorted(f"{m.__module__}.{m.__qualname__}" for m in models())

def dataclasses_of_pipelex():
    found = set()
    for name, module in list(sys.modules.items()):
        if name.startswith("pipelex"):
            for value in list(vars(module).values()):
                if isinstance(value, type) and value.__module__ == name and "__dataclass_fields__" in value.__dict__:
                    found.add(f"{name}.{value.__qualname__}")
    return sorted(found)

import json
print("MODULES " + json.dumps(
    {
        "code": code,
        "modules": loaded,
        "built": built,
        "defined": defined,
        "dataclasses": dataclasses_of_pipelex(),
    }
))
"""


def _load(*argv: str, env: dict[str, str] | None = None) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True, cwd=ROOT, timeout=120, env=env
    )
    line = next(line for line in reversed(result.stdout.splitlines()) if line.startswith("MODULES "))
    return json.loads(line.removeprefix("MODULES "))


def imported_by(*argv: str) -> tuple[int, list[str]]:
    """The exit code and the modules loaded by ``pipelex ARGV`` in a fresh interpreter."""
    data = _load(*argv)
    return data["code"], data["modules"]  # type: ignore[return-value]


def third_party(modules: list[str]) -> set[str]:
    tops = {name.split(".")[0] for name in modules}
    return {t for t in tops if t not in sys.stdlib_module_names and not t.startswith("_") and t != "pipelex"}


@pytest.mark.parametrize(
    "argv",
    [
        ("validate", "bundle", "examples/menu_card.mthds"),
        ("validate", "bundle", "benchmarks/bundles/order_desk.mthds"),
        ("validate", "bundle", "examples/extract_pdf.mthds"),
    ],
    ids=["menu_card", "order_desk", "extract_pdf"],
)
def test_validate_imports_only_what_it_needs(argv: tuple[str, ...]) -> None:
    code, modules = imported_by(*argv)
    assert code == 0
    extra = third_party(modules) - ALLOWED_THIRD_PARTY
    assert not extra, f"validate imported {sorted(extra)}: import them inside the function that needs them"
    forbidden = [m for m in modules if m.startswith(FORBIDDEN_PIPELEX)]
    assert not forbidden, f"validate imported {forbidden}: import them inside the function that needs them"
    ours = [m for m in modules if m == "pipelex" or m.startswith("pipelex.")]
    assert len(ours) <= MAX_PIPELEX_MODULES, f"validate imported {len(ours)} pipelex modules: {ours}"
    stdlib = FORBIDDEN_STDLIB if "jinja2" in modules else FORBIDDEN_STDLIB_WITHOUT_JINJA
    unneeded = sorted(set(stdlib + FORBIDDEN_IN_VALIDATE) & set(modules))
    assert not unneeded, f"validate imported {unneeded}: import them inside the function that needs them"
    # a leaf collects its usage in pipelex.reporting.usage_sink; the usage models come only with usage to report
    assert "pipelex.reporting.usage" not in modules, (
        "validate created the usage models: no leaf reported usage"
    )
    # the sweep of a bundle without nested batches or parallels runs inline (pipelex.pipes.inline): no event loop
    assert "asyncio" not in modules, (
        "validate imported asyncio: the in-process sweep runs without an event loop"
    )


# bundles whose templates are text and sigils only (``$var``, ``@var``), or in the subset of Jinja2 read without it
# (pipelex.language.simple_templates: order_desk's ``{{ labels|length }}`` and its condition's ``priority``):
# Jinja2 is for templates that need it
WITHOUT_JINJA = [
    ("validate", "bundle", "examples/menu_card.mthds"),
    ("validate", "bundle", "examples/extract_pdf.mthds"),
    ("run", "bundle", "examples/menu_card.mthds", "--dry-run", "--mock-inputs"),
    ("validate", "bundle", "benchmarks/bundles/order_desk.mthds"),
    ("run", "bundle", "benchmarks/bundles/order_desk.mthds", "--dry-run", "--mock-inputs"),
]


@pytest.mark.parametrize(
    "argv",
    WITHOUT_JINJA,
    ids=[
        "validate_menu_card",
        "validate_extract_pdf",
        "dry_run_menu_card",
        "validate_order_desk",
        "dry_run_order_desk",
    ],
)
def test_templates_that_need_no_jinja_do_not_load_it(argv: tuple[str, ...], tmp_path: Path) -> None:
    code, modules = imported_by(*argv, *(("-o", str(tmp_path)) if argv[0] == "run" else ()))
    assert code == 0
    jinja = sorted({m.split(".")[0] for m in modules} & {"jinja2", "markupsafe"})
    assert not jinja, f"{' '.join(argv)} imported {jinja}: its templates need no Jinja2"


def test_a_jinja_template_still_loads_jinja(tmp_path: Path) -> None:
    """The check above can fail: a template beyond the subset (here a comparison) is Jinja2's."""
    source = (ROOT / "benchmarks/bundles/order_desk.mthds").read_text(encoding="utf-8")
    bundle = tmp_path / "order_desk.mthds"
    bundle.write_text(source.replace("{{ labels|length }}", "{{ labels|length > 1 }}"), encoding="utf-8")
    code, modules = imported_by("validate", "bundle", str(bundle))
    assert code == 0
    assert "jinja2" in modules


def test_help_imports_no_model_library() -> None:
    code, modules = imported_by("--help")
    assert code == 0
    assert not third_party(modules)
    assert "gettext" not in modules
    # typing (~10 M instructions, 8 % of the help: its modules name it for type checkers only, behind a TYPE_CHECKING
    # of their own), and json and shlex (the build commands', imported when they run)
    assert not {"typing", "json", "shlex"} & set(modules)
    # the CLI's entry, its argument tables, and the stored regex codes (help's formatting compiles ~15 patterns)
    assert len([m for m in modules if m.startswith("pipelex")]) <= 9


SMALL = "benchmarks/bundles/order_desk.mthds"


@pytest.mark.parametrize(
    "argv",
    [
        ("run", "bundle", SMALL, "--dry-run", "-i", "benchmarks/bundles/order_desk_inputs.json"),
        ("run", "bundle", "examples/menu_card.mthds", "--dry-run", "--mock-inputs"),
    ],
    ids=["order_desk", "menu_card"],
)
def test_dry_run_imports_only_what_it_needs(argv: tuple[str, ...], tmp_path: Path) -> None:
    code, modules = imported_by(*argv, "-o", str(tmp_path))
    assert code == 0
    assert (tmp_path / "main_stuff.json").is_file() or any(tmp_path.rglob("main_stuff.json"))
    extra = third_party(modules) - ALLOWED_THIRD_PARTY
    assert not extra, f"a dry run imported {sorted(extra)}: import them inside the function that needs them"
    forbidden = [m for m in modules if m.startswith(FORBIDDEN_IN_DRY_RUN)]
    assert not forbidden, f"a dry run imported {forbidden}: import them inside the function that needs them"
    ours = [m for m in modules if m == "pipelex" or m.startswith("pipelex.")]
    assert len(ours) <= MAX_PIPELEX_MODULES_DRY_RUN, f"a dry run imported {len(ours)} pipelex modules: {ours}"
    if "jinja2" not in modules:
        unneeded = sorted(set(FORBIDDEN_STDLIB_WITHOUT_JINJA) & set(modules))
        assert not unneeded, f"a dry run imported {unneeded}: import them inside the function that needs them"


@pytest.mark.parametrize(
    "argv",
    [
        ("validate", "bundle", SMALL),
        ("run", "bundle", SMALL, "--dry-run", "-i", "benchmarks/bundles/order_desk_inputs.json"),
    ],
    ids=["validate", "dry_run"],
)
def test_a_small_command_builds_only_the_models_it_uses(argv: tuple[str, ...], tmp_path: Path) -> None:
    # no config file anywhere (a user's ~/.config/pipelex/pipelex.toml would be read, and validated)
    env = {k: v for k, v in os.environ.items() if k != "PIPELEX_CONFIG"} | {"XDG_CONFIG_HOME": str(tmp_path)}
    data = _load(*argv, *(("-o", str(tmp_path)) if argv[0] == "run" else ()), env=env)
    assert data["code"] == 0
    built = data["built"]
    assert isinstance(built, list)
    # the pipe kinds and natives the bundle does not use stay unbuilt
    unused = {
        "pipelex.language.blueprints.img_gen.PipeImgGenBlueprint",
        "pipelex.language.blueprints.judge.PipeJudgeBlueprint",
        "pipelex.concepts.native_classes.image.ImageContent",
        "pipelex.concepts.native_classes.search.SearchResultContent",
        "pipelex.diagnostics.Diagnostic",
        # without a config file, the configuration is its defaults: none of its models validates anything
        "pipelex.config.settings.PipelexConfig",
        "pipelex.config.settings.TemporalConfig",
        "pipelex.config.settings.ApiConfig",
        "pipelex.config.run_settings.LimitsConfig",
        # an LLM leaf makes its job from values typed already (LLMJob.of_checked): no validator to build
        "pipelex.inference.job_types.base.LLMJob",
        # the runtime makes its memory, stuffs and absences from values typed already (``_construct``): their
        # validators are built when something from outside is validated into them
        "pipelex.memory.stuff.WorkingMemory",
        "pipelex.memory.stuff.Absence",
    }
    if argv[0] == "validate":  # a sweep mocks its inputs (Stuff.of); a run's given inputs are validated
        unused.add("pipelex.memory.stuff.Stuff")
    assert not unused & set(built), f"built although unused: {sorted(unused & set(built))}"
    assert len(built) <= MAX_BUILT_MODELS, f"{len(built)} pydantic models built: {built}"
    # nor created: the sections of pipelex.toml are plain classes, their pydantic models made when a file is read
    # (creating the ten model classes was ~23 M instructions of every command)
    defined = data["defined"]
    assert isinstance(defined, list)
    config_models = [name for name in defined if str(name).startswith("pipelex.config.settings.")]
    assert not config_models, f"config models created without a config file: {config_models}"


def test_a_config_file_still_makes_and_validates_the_config_models(tmp_path: Path) -> None:
    """The check above can fail: with a config file, the sections' models are made and validate it."""
    (tmp_path / "pipelex.toml").write_text("[dry_run]\nnb_list_items = 4\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PIPELEX_CONFIG"} | {
        "XDG_CONFIG_HOME": str(tmp_path),
        "PIPELEX_CONFIG": str(tmp_path / "pipelex.toml"),
    }
    data = _load("validate", "bundle", SMALL, env=env)
    assert data["code"] == 0
    built = data["built"]
    assert isinstance(built, list)
    assert {"pipelex.config.settings.PipelexConfig", "pipelex.config.settings.DryRunConfig"} <= set(built)


# order_desk's pipe kinds (a sequence, a batch, a condition, LLMs and a compose); creating a pydantic class costs
# ~1.5 M instructions even with its validator deferred, so the other kinds' classes are not even created
ORDER_DESK_KINDS = {"llm", "compose", "sequence", "condition", "batch"}


@pytest.mark.parametrize(
    "argv",
    [
        ("validate", "bundle", SMALL),
        ("run", "bundle", SMALL, "--dry-run", "-i", "benchmarks/bundles/order_desk_inputs.json"),
    ],
    ids=["validate", "dry_run"],
)
def test_a_small_command_creates_only_the_pipe_kinds_and_jobs_it_uses(
    argv: tuple[str, ...], tmp_path: Path
) -> None:
    data = _load(*argv, *(("-o", str(tmp_path)) if argv[0] == "run" else ()))
    assert data["code"] == 0
    defined = data["defined"]
    modules = data["modules"]
    assert isinstance(defined, list) and isinstance(modules, list)
    blueprints = {
        m.removeprefix("pipelex.language.blueprints.")
        for m in modules
        if m.startswith("pipelex.language.blueprints.")
    }
    # stored_schemas: the kinds' core schemas, as pydantic generates them (tests/language/test_stored_schemas.py)
    assert blueprints == {"base", "stored_schemas", *ORDER_DESK_KINDS}
    jobs = {
        m.removeprefix("pipelex.inference.job_types.")
        for m in modules
        if m.startswith("pipelex.inference.job_types.")
    }
    assert jobs == {"base"}  # order_desk's leaves are LLMs (and a compose, which runs no job)
    created = {name.split(".")[-1] for name in defined}
    unused = {
        "PipeImgGenBlueprint",
        "PipeJudgeBlueprint",
        "JudgeQuestion",
        "PipeParallelBlueprint",
        "BranchBlueprint",
        "PipeSignatureBlueprint",
        "ImgGenJob",
        "ExtractJob",
        "SearchJob",
        "JudgeJob",
        "JudgeQuestionJob",
        "FuncJob",
        "DocGenJob",
        # the natives' classes but Text's and the lists' are made on first use (tests/concepts/test_lazy_natives.py)
        "ImageContent",
        "NumberContent",
        "PageContent",
        "JSONContent",
        "AnythingContent",
    }
    assert not unused & created, f"created although unused: {sorted(unused & created)}"
    assert {"PipeLLMBlueprint", "PipeBatchBlueprint", "StepBlueprint", "LLMJob"} <= created


# every value class on these paths is a pipelex.record.Record, whose __init__ is in its source: a dataclass compiles
# its methods with exec at import (2-4 M instructions a class, ~0.5 ms; 37 of them were a tenth of a small validate;
# the template analysis's four were ~11 M instructions of every validate, the renderer's two the last ones, ~6 M)


@pytest.mark.parametrize(
    "argv",
    [
        ("validate", "bundle", SMALL),
        ("run", "bundle", SMALL, "--dry-run", "-i", "benchmarks/bundles/order_desk_inputs.json"),
        ("run", "bundle", "examples/menu_card.mthds", "--dry-run", "--mock-inputs"),
    ],
    ids=["validate", "dry_run", "dry_run_menu_card"],
)
def test_a_small_command_creates_no_dataclass_of_ours(argv: tuple[str, ...], tmp_path: Path) -> None:
    data = _load(*argv, *(("-o", str(tmp_path)) if argv[0] == "run" else ()))
    assert data["code"] == 0
    found = data["dataclasses"]
    assert isinstance(found, list)
    assert not found, f"dataclasses created at import: {found}: make them pipelex.record.Record subclasses"
