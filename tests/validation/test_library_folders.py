"""Libraries of several files and packages, validated as a folder or as a file in one, as the reference does
(probed on it as a black box: ``benchmarks/fidelity_bundles_ops.py``, folder bases ``lib_*`` and ``pkg_*``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipelex.config.deck import default_deck
from pipelex.language.loader import load_library
from pipelex.validation.report import ValidationReport, validate_library

CATALOG = """
domain = "shop"

[concept.Product]
description = "A product of the catalogue"

[concept.Product.structure]
name = { type = "text", description = "The product's name", required = true }

[pipe.describe_product]
type = "PipeLLM"
description = "A catalogue line"
inputs = { product = "Product" }
output = "Text"
prompt = "One catalogue line for $product.name"
"""

NEWSLETTER = """
domain = "shop.newsletter"
main_pipe = "write_newsletter"

[pipe.write_newsletter]
type = "PipeSequence"
description = "A newsletter from the products of the week"
inputs = { products = "PRODUCT[]" }
output = "Text[]"
steps = [
    { pipe = "DESCRIBE", batch_over = "products", batch_as = "product", result = "lines" },
]
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return folder


def validate(*paths: Path) -> ValidationReport:
    return validate_library(load_library(list(paths)), default_deck())


def problems(report: ValidationReport) -> list[tuple[str, str | None]]:
    return [(e.error_type, e.pipe) for e in report.errors]


def newsletter(product: str, describe: str) -> str:
    return NEWSLETTER.replace("PRODUCT", product).replace("DESCRIBE", describe)


def test_another_domains_concept_and_pipe_are_reached_by_qualified_names(tmp_path: Path) -> None:
    files = {
        "catalog.mthds": CATALOG,
        "newsletter.mthds": newsletter("shop.Product", "shop.describe_product"),
    }
    report = validate(write(tmp_path, files))
    assert report.is_valid, problems(report)


def test_a_bare_pipe_code_resolves_in_its_own_domain_only(tmp_path: Path) -> None:
    files = {"catalog.mthds": CATALOG, "newsletter.mthds": newsletter("shop.Product", "describe_product")}
    report = validate(write(tmp_path, files))
    assert problems(report) == [("unresolved_pipe_dependency", "write_newsletter")]


def test_a_bare_concept_code_resolves_in_its_own_domain_or_the_natives_only(tmp_path: Path) -> None:
    files = {"catalog.mthds": CATALOG, "newsletter.mthds": newsletter("Product", "shop.describe_product")}
    report = validate(write(tmp_path, files))
    assert ("unresolved_concept", "write_newsletter") in problems(report)
    assert "shop.newsletter" in report.errors[0].message


MANIFEST = """
[package]
address = "github.com/acme/shop-tools"
version = "1.0.0"
description = "Catalogue methods"

[exports.shop]
pipes = ["describe_product"]
"""


def test_a_package_with_its_manifest_is_valid(tmp_path: Path) -> None:
    folder = write(tmp_path, {"METHODS.toml": MANIFEST, "catalog.mthds": CATALOG})
    assert validate(folder).is_valid
    assert validate(folder / "catalog.mthds").is_valid


@pytest.mark.parametrize("where", ["", "pricing/"])
def test_a_manifest_that_is_not_toml_makes_the_folder_invalid(tmp_path: Path, where: str) -> None:
    broken = MANIFEST.replace('version = "1.0.0"', 'version = "1.0.0')
    folder = write(tmp_path, {"catalog.mthds": CATALOG, f"{where}METHODS.toml": broken})
    if where:
        (folder / where / "pricing.mthds").write_text(CATALOG.replace('"shop"', '"pricing"'))
    report = validate(folder)
    assert [e.error_type for e in report.errors] == ["package_invalid"]
    assert f"{where}METHODS.toml" in report.errors[0].message and "line 3" in report.errors[0].message


def test_a_file_of_a_package_whose_manifest_is_not_toml_is_invalid(tmp_path: Path) -> None:
    broken = MANIFEST.replace('version = "1.0.0"', 'version = "1.0.0')
    folder = write(tmp_path, {"METHODS.toml": broken, "methods/catalog.mthds": CATALOG})
    report = validate(folder / "methods" / "catalog.mthds")
    assert [e.error_type for e in report.errors] == ["package_invalid"]


def test_a_folder_tree_thousands_of_levels_deep_is_walked_in_order(tmp_path: Path) -> None:
    """Twelfth hostile pass: the walk of a library folder recursed once per level, so a cloned folder nesting 1,100
    folders ended `validate` and `show -L` with "the data nests too deeply to be processed" and no file named. The
    walk is iterative: the bundle at the bottom is read; files and packages come in the same order as before."""
    import shutil
    import tempfile

    from pipelex.language.loader import find_bundle_files, nested_packages

    # outside pytest's temporary folders: its cleanup (rmtree) recurses once per level and would fail on a leftover
    top = Path(tempfile.mkdtemp(prefix="pipelex-deep-"))
    deep = top
    try:
        (top / "catalog.mthds").write_text(CATALOG)
        for _ in range(1_100):  # one level at a time (os.makedirs recurses too)
            deep = deep / "a"
            deep.mkdir()
        (deep / "newsletter.mthds").write_text(NEWSLETTER)
        assert find_bundle_files(top) == [deep / "newsletter.mthds", top / "catalog.mthds"]
        library = load_library([top])
        assert "shop.newsletter.write_newsletter" in {f"{p.domain}.{p.code}" for p in library.pipes.values()}
    finally:  # from the bottom up
        (deep / "newsletter.mthds").unlink(missing_ok=True)
        while deep != top:
            deep.rmdir()
            deep = deep.parent
        shutil.rmtree(top)
    ordered = tmp_path / "ordered"
    for name in ("a/p", "a/q/r", "b", "c/x"):
        (ordered / name).mkdir(parents=True)
        (ordered / name / "METHODS.toml").write_text("")
    (ordered / "a" / "q" / "own.mthds").write_text(CATALOG)
    expected = [ordered / "a" / "p", ordered / "a" / "q" / "r", ordered / "b", ordered / "c" / "x"]
    assert nested_packages(ordered) == expected  # depth first, in name order, as the recursive walk gave
