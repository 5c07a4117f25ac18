"""A user's mistakes in what the CLI reads (bundles, inputs, pipelex.toml, pipe codes): each gets one clear error
naming the file, line, input or pipe, never an internal error or a traceback.

The last test sweeps mutations of valid bundles (bytes, TOML values, fields) through ``pipelex validate bundle``
in-process, a bounded number of them.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli.test_fuzz_argv import run_in_process

REPO = Path(__file__).resolve().parents[2]
MENU = REPO / "examples" / "menu_card.mthds"
ORDER_DESK = REPO / "benchmarks" / "bundles" / "order_desk.mthds"
HUGE = "1" + "0" * 5000  # past Python's 4,300-digit limit for reading an integer


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding the menu card bundle; no keys, no config of the caller."""
    shutil.copy(MENU, tmp_path / "menu_card.mthds")
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "PIPELEX_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIPELEX_LOG_FILE", str(tmp_path / "pipelex.log"))
    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def clear_failure(argv: list[str], *expected: str) -> str:
    """Runs ``argv``; asserts exit 1, no internal error or traceback, and each expected text in the output."""
    code, output = run_in_process(argv)
    assert code == 1, (argv, code, output)
    assert "internal error" not in output and "Traceback" not in output, output
    for text in expected:
        assert text in output, (text, output)
    return output


def test_an_integer_too_long_to_read_in_a_bundle_names_its_line(here: Path) -> None:
    text = (here / "menu_card.mthds").read_text(encoding="utf-8")
    (here / "menu_card.mthds").write_text(text.replace("[concept]", f"x = {HUGE}\n[concept]", 1), "utf-8")
    line = text[: text.index("[concept]")].count("\n") + 1
    clear_failure(
        ["validate", "bundle", "menu_card.mthds"], f"menu_card.mthds:{line}:", "toml_syntax", "4300 digits"
    )


def test_an_integer_too_long_in_a_pipe_table_names_its_line(here: Path) -> None:
    text = (here / "menu_card.mthds").read_text(encoding="utf-8")
    (here / "menu_card.mthds").write_text(text + f"\n[pipe.list_dishes.extra]\nn = {HUGE}\n", "utf-8")
    line = text.count("\n") + 3
    clear_failure(["validate", "bundle", "menu_card.mthds", "--format", "text"], f"menu_card.mthds:{line}:")


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_an_integer_too_long_in_an_inputs_file_names_the_file_and_line(here: Path, suffix: str) -> None:
    body = f'{{"kitchen_note": {HUGE}}}' if suffix == ".json" else f"kitchen_note = {HUGE}\n"
    (here / f"inputs{suffix}").write_text(body, encoding="utf-8")
    argv = ["run", "bundle", "menu_card.mthds", "--dry-run", "-i", f"inputs{suffix}"]
    clear_failure(argv, f"inputs{suffix}", "4300 digits", "(at line 1,")


def test_an_integer_too_long_in_inline_inputs(here: Path) -> None:
    del here
    argv = ["run", "bundle", "menu_card.mthds", "--dry-run", "-i", f'{{"kitchen_note": {HUGE}}}']
    clear_failure(argv, "the inline inputs", "4300 digits", "column 18")


def test_an_integer_too_long_in_pipelex_toml_names_the_file(here: Path) -> None:
    """A subprocess: the configuration is read once per process."""
    (here / "custom.toml").write_text(f"[limits]\nmax_batch_items = {HUGE}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")} | {
        "PIPELEX_CONFIG": str(here / "custom.toml")
    }
    argv = ["run", "bundle", "menu_card.mthds", "--dry-run", "--mock-inputs"]
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pipelex.cli.main import main; sys.exit(main(sys.argv[1:]))",
            *argv,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=here,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert "custom.toml: a number has more than 4300 digits" in done.stderr
    assert "(at line 2, column 19)" in done.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'\xef\xbb\xbf{"kitchen_note": "leeks"}', "byte-order mark"),
        ('{"kitchen_note": "leeks"}'.encode("utf-16"), "not UTF-8"),
        (b'{"kitchen_note": "caf\xe9"}', "not UTF-8"),
    ],
)
def test_an_inputs_file_in_another_encoding_says_to_save_it_as_utf8(
    here: Path, raw: bytes, expected: str
) -> None:
    (here / "inputs.json").write_bytes(raw)
    output = clear_failure(["run", "bundle", "menu_card.mthds", "--dry-run", "-i", "inputs.json"], expected)
    assert "inputs.json" in output and "UTF-8" in output


@pytest.mark.parametrize(
    ("body", "kind"), [("[1, 2]", "a list"), ("null", "null"), ('"leeks"', "a string"), ("7", "a number")]
)
def test_inputs_that_are_not_an_object_name_the_file_and_what_it_holds(
    here: Path, body: str, kind: str
) -> None:
    (here / "inputs.json").write_text(body, encoding="utf-8")
    clear_failure(["run", "bundle", "menu_card.mthds", "--dry-run", "-i", "inputs.json"], "inputs.json", kind)


@pytest.mark.parametrize("code", ["nosuch", "bistro_menus.nosuch", "other.list_dishes"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_validating_a_pipe_the_library_does_not_hold_fails(here: Path, code: str, fmt: str) -> None:
    del here
    output = clear_failure(
        ["validate", "pipe", code, "-L", "menu_card.mthds", "--format", fmt], f"no pipe {code!r}"
    )
    assert "bistro_menus.list_dishes" in output  # the pipes it does hold
    # the report says it too: a JSON reader is not told the code validated (it said is_valid: true beside exit 1)
    if fmt == "json":
        report, _ = json.JSONDecoder().raw_decode(output)  # the report, then the message on stderr
        assert report["is_valid"] is False and report["validated_pipes"] == []
        assert [(e["error_type"], e["pipe"]) for e in report["errors"]] == [
            ("unresolved_pipe_dependency", code)
        ]
    else:
        assert "INVALID (1 error(s))" in output and "valid —" not in output


def test_validating_a_pipe_the_library_holds_still_succeeds(here: Path) -> None:
    del here
    for code in ("list_dishes", "bistro_menus.list_dishes"):
        exit_code, output = run_in_process(["validate", "pipe", code, "-L", "menu_card.mthds"])
        assert exit_code == 0, output
        assert "SUCCESS  bistro_menus.list_dishes" in output and "no pipe" not in output


# ------------------------------------------------------------------------------------------------ mutations
SEEDS = [MENU.read_text(encoding="utf-8"), ORDER_DESK.read_text(encoding="utf-8")]
ODD_VALUES = [
    HUGE,
    "-" + HUGE,
    "1e999",
    "nan",
    "inf",
    '""',
    "[]",
    "{}",
    "true",
    '"\\u0000"',
    "'''",
    "[[",
    "0x",
    "1979-05-27",
]
ODD_BYTES = [
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\r",
    b"\n[",
    b"=",
    b'"',
    b"\\",
    b"{",
    "é".encode(),
    b"\t",
    HUGE.encode(),
]


@st.composite
def mutated_bundle(draw: st.DrawFn) -> bytes:
    """A valid bundle with a few changes: bytes inserted, deleted or replaced, a value or a key replaced, a line
    dropped or duplicated."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["value", "key", "drop", "dup", "bytes"]))
        line = lines[at]
        if kind == "value" and "=" in line:
            lines[at] = line.split("=", 1)[0] + "= " + draw(st.sampled_from(ODD_VALUES))
        elif kind == "key" and "=" in line:
            key = draw(
                st.sampled_from(
                    ["type", "output", "inputs", "steps", "pipe", "model", "refines", "x", "é", '"a.b"']
                )
            )
            lines[at] = key + " =" + line.split("=", 1)[1]
        elif kind == "drop":
            del lines[at]
        elif kind == "dup":
            lines.insert(at, line)
        text = "\n".join(lines)
        if kind == "bytes":
            raw = text.encode("utf-8", "surrogateescape")
            pos = draw(st.integers(0, len(raw)))
            cut = draw(st.integers(0, 3))
            text = (raw[:pos] + draw(st.sampled_from(ODD_BYTES)) + raw[pos + cut :]).decode(
                "utf-8", "surrogateescape"
            )
    return text.encode("utf-8", "surrogateescape")


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=mutated_bundle(), fmt=st.sampled_from(["text", "json"]))
def test_mutated_bundles_through_the_cli_get_a_verdict_or_located_errors(
    here: Path, raw: bytes, fmt: str
) -> None:
    (here / "mutant.mthds").write_bytes(raw)
    code, output = run_in_process(["validate", "bundle", "mutant.mthds", "--format", fmt, "--static-only"])
    assert "internal error" not in output and "Traceback" not in output, output
    assert code in (0, 1), (code, output)
    if code == 1 and fmt == "text":
        errors = [line for line in output.splitlines() if line.startswith("error:")]
        assert errors, output
        assert all("mutant.mthds" in line for line in errors), (
            output
        )  # each names the file (and line or pipe)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"nodes": 5}', "5 problems, the first at `graph_id`: Field required"),
        ("[]", "(in the document: Input should be an object)"),
        ("not json", "(in the document: Invalid JSON"),
    ],
)
def test_a_graph_json_that_is_not_a_graph_names_the_first_problem(
    here: Path, body: str, expected: str
) -> None:
    (here / "graph.json").write_text(body, encoding="utf-8")
    clear_failure(["graph", "render", "graph.json"], "graph.json: not an execution graph", expected)


def _cli(here: Path, *argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``pipelex ARGV`` in a subprocess with ``env`` over a clean environment (no keys, no config)."""
    clean = {
        k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.startswith("PIPELEX_")
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pipelex.cli.main import main; sys.exit(main(sys.argv[1:]))",
            *argv,
        ],
        capture_output=True,
        text=True,
        env=clean | {"PIPELEX_LOG_FILE": str(here / "pipelex.log")} | env,
        cwd=here,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PIPELEX_API_DRY_RUN": "maybe"}, "$PIPELEX_API_DRY_RUN='maybe' is neither on"),
        ({"PIPELEX_API_KEY": "clé"}, "$PIPELEX_API_KEY holds a character that is not ASCII"),
    ],
)
def test_api_serve_refuses_an_environment_value_it_cannot_honour(
    here: Path, env: dict[str, str], expected: str
) -> None:
    """Read as off, a misspelt dry-run switch served live runs (they cost money); a non-ASCII key locked every
    client out (and undecodable bytes were an internal error). Both stop the server before it serves."""
    done = _cli(
        here, "api", "serve", "--port", "1", env=env
    )  # port 1: were it to serve, it would fail to bind
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert expected in done.stderr and "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_a_storage_folder_that_is_a_file_is_named_not_an_internal_error(here: Path) -> None:
    """A live run stores its data-URL inputs (examples/extract_pdf.mthds runs live with no key)."""
    shutil.copy(REPO / "examples" / "extract_pdf.mthds", here / "extract_pdf.mthds")
    pdf = base64.b64encode((REPO / "examples" / "extract_pdf_sample.pdf").read_bytes()).decode()
    (here / "inputs.json").write_text(
        json.dumps({"document": {"url": f"data:application/pdf;base64,{pdf}"}}), encoding="utf-8"
    )
    (here / "storage_file").write_text("not a folder", encoding="utf-8")
    done = _cli(
        here,
        "run",
        "bundle",
        "extract_pdf.mthds",
        "-i",
        "inputs.json",
        "-q",
        env={"PIPELEX_STORAGE_DIR": "storage_file"},
    )
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "the storage folder 'storage_file' cannot be written (it is a file, not a folder)" in done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "pipe", "list_dishes", "-L", "lib", "--dry-run", "--mock-inputs"],
        ["run", "bundle", "lib", "--pipe", "list_dishes", "--dry-run", "--mock-inputs"],
        ["build", "inputs", "lib/a.mthds", "-L", "lib", "--pipe", "list_dishes"],
        ["show", "pipe", "list_dishes", "-L", "lib"],
        ["validate", "pipe", "list_dishes", "-L", "lib"],
        ["validate", "pipe", "list_dishes", "-L", "lib", "--format", "json"],
    ],
)
def test_a_code_two_domains_declare_asks_for_domain_dot_code(here: Path, argv: list[str]) -> None:
    """It said the pipe "is not in the library" and then listed it, twice; ``validate pipe`` validated both pipes and
    said valid, where a run of the same code is refused."""
    (here / "lib").mkdir()
    text = (here / "menu_card.mthds").read_text(encoding="utf-8")
    (here / "lib" / "a.mthds").write_text(text, encoding="utf-8")
    (here / "lib" / "b.mthds").write_text(text.replace("bistro_menus", "other_menus"), encoding="utf-8")
    output = clear_failure(
        argv, "'list_dishes' names pipes of more than one domain", "bistro_menus.list_dishes"
    )
    assert "other_menus.list_dishes" in output and "is not in the" not in output
    code, output = run_in_process(
        [
            *argv[: argv.index("list_dishes")],
            "other_menus.list_dishes",
            *argv[argv.index("list_dishes") + 1 :],
        ]
    )
    assert code == 0, output


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (
            '{"kitchen_note": {"concept": null, "content": "leeks"}}',
            "`concept` is null, but it must name a concept",
        ),
        (
            '{"kitchen_note": {"concept": 5, "content": "leeks"}}',
            "`concept` is a number, but it must name a concept",
        ),
        (
            '{"kitchen_note": {"concept": "Nope", "content": "leeks"}}',
            "unknown concept 'Nope': name a concept",
        ),
    ],
)
def test_an_explicit_concept_that_is_not_a_name_says_what_to_write(
    here: Path, inputs: str, expected: str
) -> None:
    del here
    output = clear_failure(
        ["run", "bundle", "menu_card.mthds", "--dry-run", "-i", inputs], "input 'kitchen_note'", expected
    )
    assert '"bistro_menus.KitchenNote"' in output  # the concept the pipe reads, to copy


@pytest.mark.parametrize("document", ['""', '{"url": "  "}'])
def test_an_empty_document_reference_is_refused_before_the_run(here: Path, document: str) -> None:
    """A bare path of "" resolved to the working folder itself, and the run failed reading a folder."""
    shutil.copy(REPO / "examples" / "extract_pdf.mthds", here / "extract_pdf.mthds")
    argv = ["run", "bundle", "extract_pdf.mthds", "-o", "out", "-i", f'{{"document": {document}}}']
    clear_failure(argv, "input 'document' is an empty document reference")
    assert not (here / "out").exists() or not any((here / "out").iterdir())  # refused before any run folder


def test_a_pipelex_toml_not_in_utf8_says_to_save_it_as_utf8(here: Path) -> None:
    (here / "pipelex.toml").write_bytes("[limits]\n# café\n".encode("latin-1"))
    done = _cli(here, "run", "bundle", "menu_card.mthds", "--dry-run", "--mock-inputs", "-q", env={})
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "pipelex.toml: it is not UTF-8 text (byte 14 cannot be decoded); save it as UTF-8" in done.stderr


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ('"minutes.pdf"', "minutes.pdf"),  # a typo'd file name, relative to the inputs file
        ('{"url": "minutes.pdf"}', "minutes.pdf"),
        ('"the March minutes"', "the March minutes"),  # words, not a path
        ('"docs"', "docs"),  # a folder
        (f'"{"the minutes of March " * 300}"', "the minutes of March"),  # past the system's name length
        (f'"{"minutes/" * 800}"', "minutes/minutes"),
        ('{"url": "file:///no/such/minutes.pdf"}', "/no/such/minutes.pdf"),
    ],
)
def test_a_document_naming_no_readable_file_is_an_input_error_in_a_dry_run(
    here: Path, document: str, where: str
) -> None:
    """A dry run reads no file, yet a path naming none is the caller's mistake: refused before the run, naming the
    input and the path, as the reference does (input.file_unreadable)."""
    shutil.copy(REPO / "examples" / "extract_pdf.mthds", here / "extract_pdf.mthds")
    (here / "docs").mkdir()
    (here / "inputs.json").write_text(f'{{"document": {document}}}')
    argv = ["run", "bundle", "extract_pdf.mthds", "--dry-run", "-o", "out", "-i", "inputs.json"]
    clear_failure(argv, "input 'document': the document file", where, "cannot be read")
    assert not (here / "out").exists() or not any((here / "out").iterdir())


def test_a_document_naming_an_existing_file_dry_runs(here: Path) -> None:
    shutil.copy(REPO / "examples" / "extract_pdf.mthds", here / "extract_pdf.mthds")
    (here / "in").mkdir()
    (here / "in" / "minutes.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (here / "in" / "inputs.json").write_text('{"document": "minutes.pdf"}')  # relative to the inputs file
    argv = ["run", "bundle", "extract_pdf.mthds", "--dry-run", "-o", "out", "-i", "in/inputs.json"]
    code, output = run_in_process(argv)
    assert code == 0, output


def test_a_file_naming_no_readable_file_is_refused_by_the_policy_check_only_where_files_are_read(
    tmp_path: Path,
) -> None:
    """Where the run may read local files the path is checked (and coded input.file_unreadable, as the
    reference's); where it may not, nothing is looked at here (the API's input policy refuses the file itself,
    saying nothing of the server's files)."""
    from pipelex.api.problems import input_error_code
    from pipelex.concepts.natives import ImageContent, ListContent
    from pipelex.errors import InputError
    from pipelex.io.policy import IOPolicy
    from pipelex.memory.inputs import check_local_files
    from pipelex.memory.stuff import Stuff

    (tmp_path / "a.png").write_bytes(b"png")
    given = [ImageContent(url=(tmp_path / "a.png").as_uri()), ImageContent(url=str(tmp_path / "b.png"))]
    stuffs = {"scans": Stuff.of("scans", "native.Image", ListContent(items=given))}
    with pytest.raises(InputError) as caught:
        check_local_files(stuffs, IOPolicy.model_construct(allow_local_files=True))
    assert caught.value.input_name == "scans" and "b.png" in str(caught.value)
    assert input_error_code(str(caught.value)) == "input.file_unreadable"
    check_local_files(stuffs, IOPolicy.model_construct())  # reads no local file: not looked at
    check_local_files(
        {"scans": Stuff.of("scans", "native.Image", ListContent(items=given[:1]))},
        IOPolicy.model_construct(allow_local_files=True),
    )


@pytest.mark.parametrize("flag", ["-i", "--working-memory-path"])
def test_an_empty_path_value_is_refused_not_read_as_not_given(here: Path, flag: str) -> None:
    """`-i "$INPUTS"` with the variable unset ran without inputs (or with mocked ones), and an empty
    --working-memory-path wrote nothing without a word."""
    argv = ["run", "bundle", "menu_card.mthds", "--dry-run", "--mock-inputs", flag, ""]
    code, output = run_in_process(argv)
    assert code == 2, output
    assert f"{'-i/--inputs' if flag == '-i' else flag}: the path is empty" in output


@pytest.mark.parametrize(
    ("inline", "kind"), [('[{"kitchen_note": "leeks"}]', "a list"), ('"leeks"', "a string")]
)
def test_inline_inputs_that_are_not_an_object_say_so(here: Path, inline: str, kind: str) -> None:
    code, output = run_in_process(["run", "bundle", "menu_card.mthds", "--dry-run", "-i", inline])
    assert code == 2, output
    assert f"the inline inputs are {kind}, but they must be a JSON object" in output
    assert "no such inputs file" not in output


@pytest.mark.parametrize("where", ["inline", "file"])
@pytest.mark.parametrize(
    "body",
    [
        '{"kitchen_note": "leeks", "kitchen_note": "potatoes"}',
        '{"kitchen_note": {"concept": "KitchenNote", "content": {"text": "a", "text": "b"}}}',
    ],
    ids=["top-level", "nested"],
)
def test_a_key_given_twice_in_json_inputs_is_refused(here: Path, where: str, body: str) -> None:
    """json keeps the last value of a key given twice and drops the other one silently (a run on the wrong data)."""
    if where == "file":
        (here / "inputs.json").write_text(body, encoding="utf-8")
    argument = "inputs.json" if where == "file" else body
    output = clear_failure(
        ["run", "bundle", "menu_card.mthds", "--dry-run", "-i", argument], "is given twice"
    )
    assert ("inputs file 'inputs.json'" if where == "file" else "the inline inputs") in output


def test_an_inputs_file_over_the_size_limit_is_named_in_good_english(tmp_path: Path) -> None:
    from pipelex.cli.paths import input_file
    from pipelex.errors import UsageError

    big = tmp_path / "inputs.json"
    big.write_bytes(b" " * (2 * 2**20))
    with pytest.raises(UsageError, match="over the 1 MB limit for an inputs file$"):
        input_file(str(big), "-i/--inputs", max_bytes=2**20, what="inputs file")


def _write_memory(target: str) -> list[str]:
    return ["run", "bundle", "menu_card.mthds", "--dry-run", "-i", "inputs.json", "-q"] + [
        "--working-memory-path",
        target,
        "--force",
    ]


@pytest.mark.parametrize(
    ("argv", "target", "expected"),
    [
        (_write_memory("inputs.json"), "inputs.json", "a file this command reads"),
        (_write_memory("menu_card.mthds"), "menu_card.mthds", "a file this command reads"),
        (_write_memory("./lib/../menu_card.mthds"), "menu_card.mthds", "a file this command reads"),
        (
            [*_write_memory("lib/other.mthds"), "-L", "lib"],
            "lib/other.mthds",
            "a .mthds file of the library folder",
        ),
        (
            ["build", "inputs", "menu_card.mthds", "-o", "menu_card.mthds", "--force"],
            "menu_card.mthds",
            "reads",
        ),
        (
            ["build", "output", "menu_card.mthds", "-o", "lib/other.mthds", "--force", "-L", "lib"],
            "lib/other.mthds",
            "library",
        ),
        (
            ["graph", "render", "graph.json", "-o", "graph.json", "--force"],
            "graph.json",
            "a file this command reads",
        ),
    ],
    ids=[
        "wm-inputs",
        "wm-bundle",
        "wm-bundle-dots",
        "wm-library",
        "build-bundle",
        "build-library",
        "graph-itself",
    ],
)
def test_a_command_never_writes_over_a_file_it_reads(
    here: Path, argv: list[str], target: str, expected: str
) -> None:
    """--force replaced the bundle (or the inputs, or the graph) with what the command made from it: the user's
    source was lost, and the next load of the library failed on the JSON."""
    (here / "inputs.json").write_text('{"kitchen_note": "leeks"}', encoding="utf-8")
    (here / "lib").mkdir()
    (here / "lib" / "other.mthds").write_text(MENU.read_text().replace("bistro_menus", "bistro_two"), "utf-8")
    code, output = run_in_process(
        ["run", "bundle", "menu_card.mthds", "--dry-run", "-i", "inputs.json", "-q", "-o", "o"]
    )
    assert code == 0, output
    shutil.copy(here / "o" / "write_menu_card_01" / "graph.json", here / "graph.json")
    before = (here / target).read_bytes()
    code, output = run_in_process(argv)
    assert code == 2, output
    assert expected in output, output
    assert (here / target).read_bytes() == before


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "inputs", "menu_card.mthds", "-o", ""],
        ["build", "output", "menu_card.mthds", "-o", ""],
        ["schema", "-o", ""],
        ["graph", "render", "graph.json", "-o", ""],
    ],
    ids=["build-inputs", "build-output", "schema", "graph-render"],
)
def test_an_empty_output_path_is_refused_not_read_as_not_given(here: Path, argv: list[str]) -> None:
    (here / "graph.json").write_text("{}", encoding="utf-8")
    code, output = run_in_process(argv)
    assert code == 2, output
    assert "-o/--output: the path is empty" in output


def test_validate_pipe_with_a_code_and_all_is_refused(here: Path) -> None:
    """--all validated every pipe and ignored the code without a word."""
    code, output = run_in_process(["validate", "pipe", "list_dishes", "--all", "-L", "."])
    assert code == 2, output
    assert "name a pipe ('list_dishes') or pass --all, not both" in output


def test_graph_render_open_without_a_browser_warns_and_succeeds(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page is written: no browser to show it is a warning, not an `error:` line with exit code 0."""
    import webbrowser

    code, output = run_in_process(
        ["run", "bundle", "menu_card.mthds", "--dry-run", "-i", '{"kitchen_note": "leeks"}', "-q", "-o", "o"]
    )
    assert code == 0, output
    monkeypatch.setattr(webbrowser, "open", lambda *_args, **_kwargs: False)
    code, output = run_in_process(["graph", "render", "o/write_menu_card_01/graph.json", "--open"])
    assert code == 0, output
    assert "warning: no browser to open" in output
    assert "error:" not in output


DATES_BUNDLE = """
domain      = "dates"
description = "Events on dates"
main_pipe   = "announce"

[concept.Event]
description = "Something happening on a day"

[concept.Event.structure]
day  = { type = "date", description = "The day", required = true }
name = { type = "text", description = "What happens", required = true }

[pipe.announce]
type        = "PipeCompose"
description = "Announces an event"
inputs      = { title = "Text", day = "Date", event = "Event" }
output      = "Text"
template    = "$title $day $event.day $event.name"
"""


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            'title = 1979-05-27\nday = 1979-05-27\nevent = { day = 1979-05-27, name = "x" }',
            "input 'title' is the date 1979-05-27, but native.Text takes a string",
        ),
        (
            'title = "t"\nday = 07:32:00\nevent = { day = 1979-05-27, name = "x" }',
            "input 'day' is the time 07:32:00, but native.Date takes an ISO date",
        ),
        (
            'title = "t"\nday = 1979-05-27\nevent = { day = 1979-05-27T07:32:00-08:00, name = "x" }',
            "field 'day' is the date and time 1979-05-27T07:32:00-08:00, but it takes a date without a time of day",
        ),
    ],
    ids=["date-for-text", "time-for-date", "datetime-for-date-field"],
)
def test_an_unquoted_toml_date_that_does_not_fit_is_shown_as_written(
    here: Path, toml: str, expected: str
) -> None:
    """TOML inputs read unquoted dates and times as such: the message said "a Python date" (and pydantic's
    "Datetimes provided to dates should have zero time")."""
    (here / "dates.mthds").write_text(DATES_BUNDLE, encoding="utf-8")
    (here / "inputs.toml").write_text(toml + "\n", encoding="utf-8")
    output = clear_failure(["run", "bundle", "dates.mthds", "--dry-run", "-i", "inputs.toml"], expected)
    assert "Python" not in output


TYPED_BUNDLE = """
domain      = "typed"
description = "Inputs of every kind: a structure, a list of it, a number, an image, a document"
main_pipe   = "describe"

[concept.Record]
description = "A record of every field type"

[concept.Record.structure]
name  = { type = "text", description = "A name", required = true }
count = { type = "integer", description = "A count", required = true }
ratio = { type = "number", description = "A ratio" }
ok    = { type = "boolean", description = "A flag" }
tags  = { type = "list", item_type = "text", description = "Tags" }
meta  = { type = "dict", key_type = "text", value_type = "text", description = "Notes" }
kind  = { choices = ["a", "b"], description = "A kind" }

[pipe.describe]
type        = "PipeLLM"
description = "Describes the record"
inputs      = { rec = "Record", recs = "Record[]", n = "Number", img = "Image", doc = "Document" }
output      = "Text"
prompt      = "$rec.name $n $recs $img $doc"
"""
GOOD_TYPED_INPUTS: dict[str, object] = {
    "rec": {"name": "a", "count": 1},
    "recs": [{"name": "b", "count": 2}],
    "n": 3,
    "img": {"url": "https://example.com/a.png"},
    "doc": {"url": "https://example.com/a.pdf"},
}
_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(
        ["", "Record", "typed.Record", "Text", "native.Number", "concept", "content", ".", "a.png"]
    ),
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                ["name", "count", "ratio", "ok", "tags", "concept", "content", "url", "zz", "text"]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=8,
)


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    key=st.sampled_from([*GOOD_TYPED_INPUTS, "zz"]),
    field=st.sampled_from(["", "name", "count", "ratio", "ok", "tags", "meta", "kind"]),
    value=_json_values,
)
def test_inputs_of_any_json_shape_get_a_run_or_one_clear_error(
    here: Path, key: str, field: str, value: object
) -> None:
    """Any JSON value at any input, or at any field of a structured input: a dry run, or one `error:` line; never
    an internal error or a traceback (a sweep of 400 such values found none; this keeps it so)."""
    (here / "typed.mthds").write_text(TYPED_BUNDLE, encoding="utf-8")
    inputs = json.loads(json.dumps(GOOD_TYPED_INPUTS))
    if field and key == "rec":
        inputs["rec"][field] = value
    elif field and key == "recs":
        inputs["recs"][0][field] = value
    else:
        inputs[key] = value
    argv = [
        "run",
        "bundle",
        "typed.mthds",
        "--dry-run",
        "-q",
        "--no-graph",
        "-o",
        "out",
        "-i",
        json.dumps(inputs),
    ]
    code, output = run_in_process(argv)
    assert "internal error" not in output and "Traceback" not in output, output
    assert code in (0, 1), (code, output)
    if code == 1:
        assert len([line for line in output.splitlines() if line.startswith("error:")]) == 1, output
