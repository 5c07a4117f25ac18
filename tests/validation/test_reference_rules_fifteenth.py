"""Rules met by the fifteenth fidelity pass's bundles (``benchmarks/fidelity_bundles_fifteenth.py``: the operators
the earlier passes touched least, multiplicity through controllers, batches, refinements, model references and
libraries), each probed on the reference as a black box on several variants before it was written."""

from __future__ import annotations

import textwrap

import pytest

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.validation.report import ValidationReport, validate_library


def validate(text: str) -> ValidationReport:
    return validate_library(
        build_library([(textwrap.dedent(text).lstrip("\n"), "bundle.mthds")]), default_deck()
    )


def error_types(report: ValidationReport) -> list[str]:
    return [e.error_type for e in report.errors]


EXTRACT = """
domain = "invoices"

[concept.InvoicePage]
description = "One page of an invoice"
refines = "Page"

[concept.ScannedPage]
description = "A scanned page of an invoice"
refines = "InvoicePage"

[pipe.extract_pages]
type = "PipeExtract"
description = "Extract the invoice's pages"
inputs = { document = "Document" }
output = "{output}"
"""


@pytest.mark.parametrize(
    "output", ["InvoicePage[]", "ScannedPage[]", "invoices.InvoicePage[]", "Dynamic", "Dynamic[]", "Anything"]
)
def test_an_extract_outputs_the_native_pages_not_a_refinement_or_a_dynamic_concept(output: str) -> None:
    # the reference: "PipeExtract output must be 'Page[]' — a variable-length list of native Pages — but is
    # 'InvoicePage[]'" (likewise 'Dynamic[]' and 'Anything')
    report = validate(EXTRACT.replace("{output}", output))
    assert error_types(report) == ["schema_violation"]
    assert report.errors[0].pipe == "extract_pages"
    assert "'Page[]'" in report.errors[0].message


@pytest.mark.parametrize("output", ["Page[]", "native.Page[]"])
def test_an_extract_making_native_pages_is_valid(output: str) -> None:
    report = validate(EXTRACT.replace("{output}", output))
    assert report.is_valid, error_types(report)
