"""The MTHDS conformance corpus: every entry validates (or fails) as labelled, dry-runs, and offline entries run live.

The corpus is not committed: ``make test`` fetches it into ``.corpus``, or point ``MTHDS_CORPUS_DIR`` at a folder
holding ``entries/<name>/{bundle.mthds,entry.toml,inputs.json}``. Expected outputs of the offline-tier entries live
in ``shared/conformance/expected`` (override with ``MTHDS_EXPECTED_DIR``).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
from pydantic import ValidationError

from pipelex.config.deck import default_deck
from pipelex.language.library import Library
from pipelex.language.loader import load_library
from pipelex.language.specs import ConceptSpec
from pipelex.validation.report import ValidationReport, validate_library
from pipelex.validation.sweep import PipeStatus
from tests.conftest import CliResult, locate_corpus

NO_CORPUS_REASON = "MTHDS_CORPUS_DIR not set; run `make test` or fetch-corpus"
STORAGE_URI = "<storage-uri>"
DOC_GEN_ENTRY = "operator_doc_gen_door_notice"

RunCli = Callable[..., CliResult]


@dataclass(frozen=True)
class Entry:
    """One corpus entry, as labelled by its entry.toml."""

    name: str
    folder: Path
    validity: str
    tier: str
    expected_error: str | None

    @property
    def bundle(self) -> Path:
        return self.folder / "bundle.mthds"

    @property
    def inputs(self) -> Path | None:
        path = self.folder / "inputs.json"
        return path if path.is_file() else None

    @property
    def is_valid(self) -> bool:
        return self.validity == "valid"


def _load_entries(corpus: Path | None) -> list[Entry]:
    if corpus is None or not (corpus / "entries").is_dir():
        return []
    entries = []
    for folder in sorted(p for p in (corpus / "entries").iterdir() if (p / "entry.toml").is_file()):
        meta = tomllib.loads((folder / "entry.toml").read_text(encoding="utf-8"))
        entries.append(
            Entry(
                name=folder.name,
                folder=folder,
                validity=meta["validity"],
                tier=meta["tier"],
                expected_error=meta.get("expected_error"),
            )
        )
    return entries


def _expected_dir() -> Path:
    configured = os.environ.get("MTHDS_EXPECTED_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "shared" / "conformance" / "expected"


ENTRIES = _load_entries(locate_corpus())


def _params(keep: Callable[[Entry], bool]) -> list[Any]:
    return [pytest.param(e, id=e.name) for e in ENTRIES if keep(e)]


def _offline_params() -> list[Any]:
    return [pytest.param(e, id=e.name) for e in ENTRIES if e.is_valid and e.tier == "offline"]


# ---------------------------------------------------------------------------------------------------- helpers


def compare_meaning(got: Any, want: Any, where: str = "$") -> list[str]:
    """The differences between ``got`` and ``want``; empty when they mean the same.

    Dicts and lists compare recursively, numbers numerically (``9`` equals ``9.0``), and the placeholder
    ``<storage-uri>`` in ``want`` matches any non-empty string.
    """
    if want == STORAGE_URI:
        return [] if isinstance(got, str) and got else [f"{where}: expected a storage URI, got {got!r}"]
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{where}: expected an object, got {got!r}"]
        diffs = [f"{where}: missing key {k!r}" for k in want if k not in got]
        diffs += [f"{where}: unexpected key {k!r}" for k in got if k not in want]
        for key in want:
            if key in got:
                diffs += compare_meaning(got[key], want[key], f"{where}.{key}")
        return diffs
    if isinstance(want, list):
        if not isinstance(got, list):
            return [f"{where}: expected a list, got {got!r}"]
        if len(got) != len(want):
            return [f"{where}: expected {len(want)} items, got {len(got)}"]
        return [
            d
            for i, (g, w) in enumerate(zip(got, want, strict=True))
            for d in compare_meaning(g, w, f"{where}[{i}]")
        ]
    if _is_number(want) and _is_number(got):
        return (
            [] if math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12) else [f"{where}: {got!r} != {want!r}"]
        )
    if type(got) is not type(want) or got != want:
        return [f"{where}: {got!r} != {want!r}"]
    return []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _library(entry: Entry) -> Library:
    return load_library([entry.bundle])


def _report(entry: Entry, *, run_sweep: bool) -> ValidationReport:
    return validate_library(_library(entry), default_deck(), run_sweep=run_sweep)


def _error_types(report: ValidationReport) -> set[str]:
    return {e.error_type for e in report.errors}


def _run_folder(output_dir: Path) -> Path:
    folders = [p for p in output_dir.iterdir() if p.is_dir()]
    assert len(folders) == 1, f"expected one run folder in {output_dir}, got {folders}"
    return folders[0]


def _main_stuff(run_cli: RunCli, entry: Entry, output_dir: Path, *extra: str) -> Any:
    code, out, err = run_cli("run", "bundle", str(entry.bundle), "-o", str(output_dir), "-q", *extra)
    assert code == 0, f"exit {code}\nstdout: {out}\nstderr: {err}"
    assert "Traceback" not in out + err
    return json.loads((_run_folder(output_dir) / "main_stuff.json").read_text(encoding="utf-8"))


def _assert_fits_output_concept(entry: Entry, main_stuff: Any) -> None:
    """``main_stuff`` is an instance of the main pipe's declared output (each item for a list; absent if optional)."""
    library = _library(entry)
    pipe = library.main_pipe
    assert pipe is not None, f"{entry.name} has no main_pipe"
    spec = ConceptSpec.parse(pipe.blueprint.output)
    if isinstance(main_stuff, dict) and main_stuff.get("absent") is True:
        assert spec.is_optional, f"the output {spec.render()} is required, but the run produced an absence"
        assert main_stuff.get("variable_name") and main_stuff.get("reason")
        return
    concept = library.resolve_concept(spec.concept_ref, pipe.domain)
    assert concept is not None, spec.concept_ref
    model = library.concepts.content_model(concept)
    items = [main_stuff]
    if spec.is_list:
        assert isinstance(main_stuff, dict) and isinstance(main_stuff.get("items"), list), main_stuff
        items = main_stuff["items"]
        if spec.item_count is not None:
            assert len(items) == spec.item_count
    for item in items:
        try:
            model.model_validate(item)
        except ValidationError as exc:
            pytest.fail(f"main_stuff does not fit {concept.ref}: {exc}")


def _assert_documents_exist(value: Any) -> None:
    """A generated document (a dict with a PDF mime type) is a real PDF file behind its public URL."""
    if isinstance(value, list):
        for item in value:
            _assert_documents_exist(item)
    elif isinstance(value, dict):
        if value.get("mime_type") == "application/pdf" and isinstance(value.get("public_url"), str):
            parsed = urlparse(value["public_url"])
            assert parsed.scheme == "file", value["public_url"]
            assert Path(unquote(parsed.path)).read_bytes().startswith(b"%PDF")
        for item in value.values():
            _assert_documents_exist(item)


# ---------------------------------------------------------------------------------------------------- compare_meaning


@pytest.mark.parametrize(
    ("got", "want", "same"),
    [
        ({"a": [1, {"b": "x"}]}, {"a": [1, {"b": "x"}]}, True),
        ({"price": 9}, {"price": 9.0}, True),
        ({"price": 9.5}, {"price": 9.0}, False),
        ({"url": "pipelex-storage://abc.png"}, {"url": STORAGE_URI}, True),
        ({"url": ""}, {"url": STORAGE_URI}, False),
        ({"url": None}, {"url": STORAGE_URI}, False),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ({"a": 1, "b": 2}, {"a": 1}, False),
        ([1, 2], [1, 2, 3], False),
        ({"flag": True}, {"flag": 1}, False),
        ({"text": "a"}, {"text": "b"}, False),
        (None, None, True),
    ],
    ids=[
        "nested-equal",
        "int-float",
        "float-differs",
        "storage-uri",
        "storage-uri-empty",
        "storage-uri-null",
        "missing-key",
        "extra-key",
        "list-length",
        "bool-is-not-number",
        "text-differs",
        "null",
    ],
)
def test_compare_meaning(got: Any, want: Any, same: bool) -> None:
    assert (compare_meaning(got, want) == []) is same


# ---------------------------------------------------------------------------------------------------- the corpus


class TestCorpusMissing:
    """Stands in for the corpus tests when no corpus is available, so the skip is visible."""

    __test__ = not ENTRIES

    def test_corpus_entries(self) -> None:
        pytest.skip(NO_CORPUS_REASON)


class TestCorpus:
    """One case per corpus entry and check."""

    __test__ = bool(ENTRIES)

    @pytest.mark.parametrize("entry", _params(lambda e: e.is_valid))
    def test_valid_entry_validates(self, entry: Entry) -> None:
        report = _report(entry, run_sweep=True)
        assert [e.render() for e in report.errors] == []
        assert report.is_valid
        assert report.dry_run_sweep
        assert report.validated_pipes, "the sweep must give every pipe a status"
        failures = [v for v in report.validated_pipes if v.status is PipeStatus.FAILURE]
        assert failures == []

    @pytest.mark.parametrize("entry", _params(lambda e: not e.is_valid and e.tier == "static"))
    def test_static_invalid_entry_reports_its_error_statically(self, entry: Entry) -> None:
        report = _report(entry, run_sweep=False)
        assert not report.is_valid
        assert entry.expected_error in _error_types(report), [e.render() for e in report.errors]

    @pytest.mark.parametrize("entry", _params(lambda e: not e.is_valid))
    def test_invalid_entry_reports_its_error_after_the_sweep(self, entry: Entry) -> None:
        report = _report(entry, run_sweep=True)
        assert not report.is_valid
        assert entry.expected_error in _error_types(report), [e.render() for e in report.errors]
        for error in report.errors:
            assert error.message, error

    @pytest.mark.parametrize("entry", _params(lambda e: e.is_valid))
    def test_valid_entry_dry_runs_with_mock_inputs(
        self, entry: Entry, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        storage = tmp_path / "storage"
        monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(storage))
        main_stuff = _main_stuff(run_cli, entry, tmp_path / "out", "--dry-run", "--mock-inputs")
        _assert_fits_output_concept(entry, main_stuff)
        assert not storage.exists(), "a dry run must not touch storage"

    @pytest.mark.parametrize("entry", _params(lambda e: e.is_valid and e.inputs is not None))
    def test_valid_entry_dry_runs_with_its_inputs(
        self, entry: Entry, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        storage = tmp_path / "storage"
        monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(storage))
        main_stuff = _main_stuff(run_cli, entry, tmp_path / "out", "--dry-run", "-i", str(entry.inputs))
        _assert_fits_output_concept(entry, main_stuff)
        assert not storage.exists(), "a dry run must not touch storage"

    @pytest.mark.parametrize("entry", _offline_params())
    def test_offline_entry_runs_live_to_the_expected_output(
        self, entry: Entry, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        expected = _expected_dir() / f"{entry.name}.json"
        if not expected.is_file():
            pytest.skip(f"no expected output {expected}")
        assert entry.inputs is not None, "an offline entry comes with its inputs.json"
        monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(tmp_path / "storage"))
        main_stuff = _main_stuff(run_cli, entry, tmp_path / "out", "-i", str(entry.inputs))
        want = json.loads(expected.read_text(encoding="utf-8"))
        assert compare_meaning(main_stuff, want) == []
        _assert_documents_exist(main_stuff)
        if entry.name == DOC_GEN_ENTRY:  # the document carries the text of its inputs
            from tests.inference.conftest import pdf_texts

            pdf = Path(unquote(urlparse(main_stuff["public_url"]).path)).read_bytes()
            text = " ".join(asyncio.run(pdf_texts(pdf)))
            assert "Boulangerie Kerlann" in text and "7:00 to 19:30" in text, text
