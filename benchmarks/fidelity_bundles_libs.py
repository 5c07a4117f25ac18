"""Fidelity command cases: ``-L`` library folders and ``validate pipe CODE`` / ``run pipe CODE``.

Each case is a set of files (relative path -> text, written under ``<folder>/<name>/``) and a command line after
the program name, where ``{root}`` stands for the case's folder: ``benchmarks/fidelity.py --commands`` runs it
on both CLIs (a ``validate`` with ``--format json``: ours ``pipelex``, the reference ``pipelex-agent``; a ``run``
with ``pipelex`` on both) and compares the verdicts and first error codes. Libraries made of several folders, a
bundle using the concepts and pipes of another folder, duplicates across folders, a folder that does not exist,
a package folder with its ``METHODS.toml``; pipe codes that exist, do not, live in another domain, are
qualified, and runs with an inputs file. Nothing here encodes an expected verdict: the two CLIs decide.
"""

from __future__ import annotations

import json

_CATALOG = """domain = "shop"
description = "The shop's catalogue"

[concept.Product]
description = "A product of the catalogue"

[concept.Product.structure]
name = { type = "text", description = "The product's name", required = true }
price = { type = "number", description = "Price in euros", required = true }

[pipe.describe_product]
type = "PipeLLM"
description = "A catalogue line"
inputs = { product = "Product" }
output = "Text"
prompt = "One catalogue line for $product.name at $product.price euros"
"""

# another folder, another domain, using the catalogue's concept and pipe by their qualified names
_NEWS = """domain = "newsletter"
description = "The weekly newsletter"
main_pipe = "write_newsletter"

[pipe.write_newsletter]
type = "PipeSequence"
description = "A newsletter from the products of the week"
inputs = { products = "shop.Product[]" }
output = "Text"
steps = [
    { pipe = "shop.describe_product", batch_over = "products", batch_as = "product", result = "lines" },
    { pipe = "assemble", result = "newsletter" },
]

[pipe.assemble]
type = "PipeCompose"
description = "Puts the lines together"
inputs = { lines = "Text[]" }
output = "Text"
template = "This week:\\n$lines"
"""

# the same domain split over two folders: bare references across folders
_SHOP_EXTRA = """domain = "shop"

[pipe.price_tag]
type = "PipeLLM"
description = "A price tag for a product"
inputs = { product = "Product" }
output = "Text"
prompt = "A short price tag for $product.name: $product.price euros"

[pipe.tag_and_describe]
type = "PipeParallel"
description = "Tag and describe at once"
inputs = { product = "Product" }
output = "Text"
parallels = [
    { pipe = "price_tag", result = "tag" },
    { pipe = "describe_product", result = "line" },
]
combined_output = "Text"
"""

_SUMMARY_A = """domain = "legal"

[pipe.summarize]
type = "PipeLLM"
description = "Summarise a contract"
inputs = { contract = "Text" }
output = "Text"
prompt = "Summarise this contract: $contract"
"""

_SUMMARY_B = _SUMMARY_A.replace('"legal"', '"medical"').replace("contract", "report")

_MANIFEST = """[package]
address = "github.com/acme/harbour-tools"
version = "1.0.0"
description = "Berth allocation for a harbour"

[exports.harbour]
pipes = ["allocate_berth"]
"""

_HARBOUR = """domain = "harbour"
main_pipe = "allocate_berth"

[concept.Vessel]
description = "An arriving vessel"

[concept.Vessel.structure]
name = { type = "text", description = "The vessel's name", required = true }
length_m = { type = "number", description = "Length in metres", required = true }

[pipe.allocate_berth]
type = "PipeSequence"
description = "Check the vessel, then pick a berth"
inputs = { vessel = "Vessel" }
output = "Text"
steps = [
    { pipe = "check_vessel", result = "check" },
    { pipe = "pick_berth", result = "berth" },
]

[pipe.check_vessel]
type = "PipeLLM"
description = "Anything unusual about the vessel"
inputs = { vessel = "Vessel" }
output = "Text"
prompt = "Anything unusual about $vessel.name, $vessel.length_m m long?"

[pipe.pick_berth]
type = "PipeLLM"
description = "Pick a berth"
inputs = { check = "Text" }
output = "Text"
prompt = "Pick a berth given: $check"
"""

_BROKEN = """domain = "shop"

[pipe.restock]
type = "PipeLLM"
description = "Restock advice"
inputs = { product = "Product" }
output = "Text"
prompt = "Should we restock $product.name?
"""

_LIB = {"catalog/catalog.mthds": _CATALOG, "news/news.mthds": _NEWS}
_BOTH = ["-L", "{root}/catalog", "-L", "{root}/news"]
_DRY = ["--dry-run", "--mock-inputs"]
_PRODUCT = {"name": "Kettle", "price": 35}

CASES: dict[str, tuple[dict[str, str], list[str]]] = {
    # validate pipe CODE
    "vp_exists": (_LIB, ["validate", "pipe", "describe_product", "-L", "{root}/catalog"]),
    "vp_missing": (_LIB, ["validate", "pipe", "describe_products", "-L", "{root}/catalog"]),
    "vp_cross_folder": (_LIB, ["validate", "pipe", "write_newsletter", *_BOTH]),
    "vp_cross_folder_absent": (_LIB, ["validate", "pipe", "write_newsletter", "-L", "{root}/news"]),
    "vp_qualified": (_LIB, ["validate", "pipe", "shop.describe_product", *_BOTH]),
    "vp_qualified_other_domain": (_LIB, ["validate", "pipe", "newsletter.describe_product", *_BOTH]),
    "vp_qualified_unknown_domain": (_LIB, ["validate", "pipe", "billing.describe_product", *_BOTH]),
    "vp_same_domain_split": (
        {**_LIB, "extra/extra.mthds": _SHOP_EXTRA},
        ["validate", "pipe", "tag_and_describe", "-L", "{root}/catalog", "-L", "{root}/extra"],
    ),
    "vp_same_domain_split_absent": (
        {**_LIB, "extra/extra.mthds": _SHOP_EXTRA},
        ["validate", "pipe", "tag_and_describe", "-L", "{root}/extra"],
    ),
    "vp_bare_code_two_domains": (
        {"a/legal.mthds": _SUMMARY_A, "b/medical.mthds": _SUMMARY_B},
        ["validate", "pipe", "summarize", "-L", "{root}/a", "-L", "{root}/b"],
    ),
    "vp_qualified_two_domains": (
        {"a/legal.mthds": _SUMMARY_A, "b/medical.mthds": _SUMMARY_B},
        ["validate", "pipe", "medical.summarize", "-L", "{root}/a", "-L", "{root}/b"],
    ),
    "vp_duplicate_pipe_across_folders": (
        {
            **_LIB,
            "copy/catalog.mthds": _CATALOG.replace("[concept.Product]", "[concept.Item]")
            .replace("[concept.Product.structure]", "[concept.Item.structure]")
            .replace('"Product"', '"Item"'),
        },
        ["validate", "pipe", "describe_product", "-L", "{root}/catalog", "-L", "{root}/copy"],
    ),
    "vp_duplicate_concept_across_folders": (
        {**_LIB, "copy/more.mthds": _CATALOG.split("[pipe.")[0]},
        ["validate", "pipe", "describe_product", "-L", "{root}/catalog", "-L", "{root}/copy"],
    ),
    "vp_same_folder_twice": (
        _LIB,
        ["validate", "pipe", "describe_product", "-L", "{root}/catalog", "-L", "{root}/catalog"],
    ),
    "vp_nested_folder": (_LIB, ["validate", "pipe", "write_newsletter", "-L", "{root}"]),
    "vp_folder_absent": (_LIB, ["validate", "pipe", "describe_product", "-L", "{root}/catalogue"]),
    "vp_folder_empty": (
        {**_LIB, "empty/README.md": "Nothing here yet.\n"},
        ["validate", "pipe", "describe_product", "-L", "{root}/empty"],
    ),
    "vp_file_as_folder": (
        _LIB,
        ["validate", "pipe", "describe_product", "-L", "{root}/catalog/catalog.mthds"],
    ),
    "vp_broken_sibling": (
        {**_LIB, "catalog/restock.mthds": _BROKEN},
        ["validate", "pipe", "describe_product", "-L", "{root}/catalog"],
    ),
    "vp_all": (_LIB, ["validate", "pipe", "--all", *_BOTH]),
    "vp_all_broken_sibling": (
        {**_LIB, "catalog/restock.mthds": _BROKEN},
        ["validate", "pipe", "--all", *_BOTH],
    ),
    "vp_all_missing_dep": (_LIB, ["validate", "pipe", "--all", "-L", "{root}/news"]),
    "vp_package": (
        {"harbour/METHODS.toml": _MANIFEST, "harbour/harbour.mthds": _HARBOUR},
        ["validate", "pipe", "allocate_berth", "-L", "{root}/harbour"],
    ),
    "vp_package_unexported": (
        {"harbour/METHODS.toml": _MANIFEST, "harbour/harbour.mthds": _HARBOUR},
        ["validate", "pipe", "check_vessel", "-L", "{root}/harbour"],
    ),
    "vp_package_qualified": (
        {"harbour/METHODS.toml": _MANIFEST, "harbour/harbour.mthds": _HARBOUR},
        ["validate", "pipe", "harbour.allocate_berth", "-L", "{root}/harbour"],
    ),
    "vp_package_bad_manifest": (
        {"harbour/METHODS.toml": "[package\naddress = 1\n", "harbour/harbour.mthds": _HARBOUR},
        ["validate", "pipe", "allocate_berth", "-L", "{root}/harbour"],
    ),
    "vp_package_and_plain": (
        {"harbour/METHODS.toml": _MANIFEST, "harbour/harbour.mthds": _HARBOUR, **_LIB},
        ["validate", "pipe", "describe_product", "-L", "{root}/harbour", "-L", "{root}/catalog"],
    ),
    # validate bundle / run bundle with -L: a bundle using another folder's concepts and pipes
    "vb_with_library": (_LIB, ["validate", "bundle", "{root}/news/news.mthds", "-L", "{root}/catalog"]),
    "vb_without_library": (_LIB, ["validate", "bundle", "{root}/news/news.mthds"]),
    "vb_library_absent": (_LIB, ["validate", "bundle", "{root}/news/news.mthds", "-L", "{root}/catalogue"]),
    "vb_bundle_inside_library": (
        _LIB,
        ["validate", "bundle", "{root}/catalog/catalog.mthds", "-L", "{root}/catalog"],
    ),
    "vb_bundle_duplicates_library": (
        {**_LIB, "copy/catalog.mthds": _CATALOG},
        ["validate", "bundle", "{root}/catalog/catalog.mthds", "-L", "{root}/copy"],
    ),
    "vp_all_empty_folder": (
        {"empty/README.md": "Nothing here yet.\n"},
        ["validate", "pipe", "--all", "-L", "{root}/empty"],
    ),
    "rb_with_library": (
        _LIB,
        ["run", "bundle", "{root}/news/news.mthds", "-L", "{root}/catalog", *_DRY],
    ),
    "rb_without_library": (_LIB, ["run", "bundle", "{root}/news/news.mthds", *_DRY]),
    "rb_bundle_inside_library": (
        _LIB,
        [
            "run",
            "bundle",
            "{root}/catalog/catalog.mthds",
            "-L",
            "{root}/catalog",
            "--pipe",
            "describe_product",
            *_DRY,
        ],
    ),
    # run pipe CODE
    "rp_exists": (_LIB, ["run", "pipe", "describe_product", "-L", "{root}/catalog", *_DRY]),
    "rp_missing": (_LIB, ["run", "pipe", "describe_products", "-L", "{root}/catalog", *_DRY]),
    "rp_cross_folder": (_LIB, ["run", "pipe", "write_newsletter", *_BOTH, *_DRY]),
    "rp_cross_folder_absent": (_LIB, ["run", "pipe", "write_newsletter", "-L", "{root}/news", *_DRY]),
    "rp_qualified": (_LIB, ["run", "pipe", "shop.describe_product", *_BOTH, *_DRY]),
    "rp_qualified_other_domain": (_LIB, ["run", "pipe", "newsletter.describe_product", *_BOTH, *_DRY]),
    "rp_bare_code_two_domains": (
        {"a/legal.mthds": _SUMMARY_A, "b/medical.mthds": _SUMMARY_B},
        ["run", "pipe", "summarize", "-L", "{root}/a", "-L", "{root}/b", *_DRY],
    ),
    "rp_folder_absent": (_LIB, ["run", "pipe", "describe_product", "-L", "{root}/catalogue", *_DRY]),
    "rp_package": (
        {"harbour/METHODS.toml": _MANIFEST, "harbour/harbour.mthds": _HARBOUR},
        ["run", "pipe", "allocate_berth", "-L", "{root}/harbour", *_DRY],
    ),
    "rp_inputs_ok": (
        {**_LIB, "inputs.json": json.dumps({"product": _PRODUCT})},
        ["run", "pipe", "describe_product", "-L", "{root}/catalog", "--dry-run", "-i", "{root}/inputs.json"],
    ),
    "rp_inputs_list_cross_folder": (
        {**_LIB, "inputs.json": json.dumps({"products": [_PRODUCT, {"name": "Toaster", "price": 25}]})},
        ["run", "pipe", "write_newsletter", *_BOTH, "--dry-run", "-i", "{root}/inputs.json"],
    ),
    "rp_inputs_missing": (
        {**_LIB, "inputs.json": json.dumps({"item": _PRODUCT})},
        ["run", "pipe", "describe_product", "-L", "{root}/catalog", "--dry-run", "-i", "{root}/inputs.json"],
    ),
    "rp_inputs_wrong_field": (
        {**_LIB, "inputs.json": json.dumps({"product": {"name": "Kettle", "price": "cheap"}})},
        ["run", "pipe", "describe_product", "-L", "{root}/catalog", "--dry-run", "-i", "{root}/inputs.json"],
    ),
    "rp_inputs_envelope": (
        {**_LIB, "inputs.json": json.dumps({"product": {"concept": "shop.Product", "content": _PRODUCT}})},
        ["run", "pipe", "describe_product", "-L", "{root}/catalog", "--dry-run", "-i", "{root}/inputs.json"],
    ),
    "rp_inputs_file_absent": (
        _LIB,
        ["run", "pipe", "describe_product", "-L", "{root}/catalog", "--dry-run", "-i", "{root}/inputs.json"],
    ),
}


def cases() -> dict[str, tuple[dict[str, str], list[str]]]:
    return dict(CASES)
