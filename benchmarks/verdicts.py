"""Dump the verdicts of many libraries, to show a speed change leaves every verdict as it was.

For each library (the fuzz strategies of ``tests/validation/test_fuzz.py`` drawn with fixed seeds, mutations
of the seeds and of the corpus entries, the corpus entries, ``examples/``, generated bundles) it writes one
JSON line: the static diagnostics, the full validation report (parse, static checks, dry-run sweep) as
``pipelex validate`` makes it and as a sweep that keeps its graphs makes it, and, per pipe of the sweep, what its
dry run did (each node's pipe, status, error, and the digests of its inputs and
outputs). Draw the libraries once, dump their verdicts on the code before a change and after, and compare::

    .venv/bin/python benchmarks/verdicts.py --libraries libs.jsonl --count 1000
    PYTHONPATH=/path/to/old/tree:. .venv/bin/python benchmarks/verdicts.py --dump libs.jsonl before.jsonl
    .venv/bin/python benchmarks/verdicts.py --dump libs.jsonl after.jsonl
    .venv/bin/python benchmarks/verdicts.py --compare before.jsonl after.jsonl

(hypothesis does not always draw the same examples in two processes: the libraries are drawn once.)

Node ids, run ids and times are left out (they differ on every run); everything else must be equal byte for
byte. ``MTHDS_CORPUS_DIR`` (else ``.corpus``) holds the corpus entries.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _corpus_dir() -> Path | None:
    configured = os.environ.get("MTHDS_CORPUS_DIR")
    folder = Path(configured) if configured else ROOT / ".corpus"
    return folder / "entries" if (folder / "entries").is_dir() else None


def _corpus_texts() -> list[tuple[str, str]]:
    folder = _corpus_dir()
    if folder is None:
        return []
    return [
        (f"corpus/{p.parent.name}", p.read_text(encoding="utf-8"))
        for p in sorted(folder.glob("*/bundle.mthds"))
    ]


def _drawn(strategy: Any, count: int, seed: int) -> list[Any]:
    """``count`` examples of a hypothesis strategy, the same on every run (a fixed seed, no database)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as fixed_seed

    found: list[Any] = []

    @fixed_seed(seed)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    return found


def libraries(count: int) -> Iterator[tuple[str, list[str]]]:
    """(name, texts of the library's files)."""
    sys.path.insert(0, str(ROOT))
    from hypothesis import strategies as st

    from benchmarks.gen_bundle import generate_batch_bundle, generate_bundle, generate_long_sequence
    from tests.validation import test_fuzz as fuzz

    corpus = _corpus_texts()
    for name, text in corpus:
        yield name, [text]
    for path in sorted((ROOT / "examples").glob("*.mthds")):
        yield f"examples/{path.name}", [path.read_text(encoding="utf-8")]
    for i, text in enumerate(fuzz.SEEDS):
        yield f"seed/{i}", [text]
    for size in (1, 2, 9, 10, 11, 57, 100):
        yield f"gen/bundle{size}", [generate_bundle(size)]
    yield "gen/sequence40", [generate_long_sequence(40)]
    yield "gen/batch", [generate_batch_bundle()]
    fuzz.BUNDLES[:] = [*fuzz.SEEDS, *(text for _, text in corpus)]  # mutate the corpus entries too
    strategies: list[tuple[str, Any, int]] = [
        ("mutated", fuzz.mutated_bundle(), count),
        ("mutated_multi", st.lists(fuzz.mutated_bundle(), min_size=2, max_size=3), count // 4),
        ("toml", fuzz.bundles.map(fuzz.render_toml), count),
        ("soup", st.lists(st.sampled_from(fuzz.TOKENS), max_size=60).map(" ".join), count // 4),
    ]
    for label, strategy, n in strategies:
        for i, drawn in enumerate(_drawn(strategy, n, seed=20261130)):
            yield f"{label}/{i}", drawn if isinstance(drawn, list) else [drawn]


def _node_summary(node: Any) -> dict[str, Any]:
    def ios(items: list[Any]) -> list[Any]:
        return [[item.name, item.concept, item.digest] for item in items]

    return {
        "pipe": node.pipe_code,
        "type": node.pipe_type,
        "status": node.status,
        "error": node.error,
        "inputs": ios(node.inputs),
        "outputs": ios(node.outputs),
    }


def dump(texts: list[str]) -> dict[str, Any]:
    """Static diagnostics, the full report and each dry run's nodes of one library."""
    from pipelex.config.deck import default_deck
    from pipelex.errors import PipelexError
    from pipelex.language.library import build_library
    from pipelex.tracing.graph import ExecutionGraph
    from pipelex.validation.report import validate_library
    from pipelex.validation.static import check_library

    deck = default_deck()
    files = [(text, f"f{i}.mthds") for i, text in enumerate(texts)]
    try:
        library = build_library(files)
        static = [d.model_dump(mode="json") for d in check_library(library, deck)]
    except PipelexError as exc:
        return {"raised": f"{type(exc).__name__}: {exc}"}
    graphs: list[ExecutionGraph] = []
    try:
        report = validate_library(build_library(files), deck).to_json()  # as `pipelex validate` makes it
        recorded = validate_library(
            build_library(files), deck, graphs=graphs
        ).to_json()  # each dry run's graph
    except PipelexError as exc:
        return {"static": static, "raised": f"{type(exc).__name__}: {exc}"}
    runs = [[_node_summary(n) for n in graph.nodes] for graph in graphs]
    return {"static": static, "report": report, "recorded_report": recorded, "runs": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--libraries", type=Path, help="write the libraries here (one JSON line each)")
    parser.add_argument("--count", type=int, default=1000, help="examples per fuzz strategy (default 1000)")
    parser.add_argument(
        "--dump", nargs=2, type=Path, metavar=("LIBRARIES", "OUT"), help="dump their verdicts"
    )
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        before, after = (p.read_text(encoding="utf-8").splitlines() for p in args.compare)
        if len(before) != len(after):
            print(f"different counts: {len(before)} libraries before, {len(after)} after")
            return 1
        differ = [json.loads(b)["name"] for b, a in zip(before, after, strict=True) if a != b]
        print(f"{len(before)} libraries compared, {len(differ)} differ")
        for name in differ[:20]:
            print(f"  differs: {name}")
        return 1 if differ else 0
    if os.environ.get("PYTHONHASHSEED") != "0":  # sets iterate in one order on every run
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    if args.libraries:
        with args.libraries.open("w", encoding="utf-8") as out:
            written = 0
            for name, texts in libraries(args.count):
                out.write(json.dumps({"name": name, "texts": texts}) + "\n")
                written += 1
        print(f"{written} libraries written to {args.libraries}")
        return 0
    if not args.dump:
        parser.error("--libraries, --dump or --compare")
    import logging

    logging.disable(logging.CRITICAL)
    source, target = args.dump
    written = 0
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for line in lines:
            library = json.loads(line)
            out.write(json.dumps({"name": library["name"], **dump(library["texts"])}, sort_keys=True) + "\n")
            written += 1
    print(f"{written} libraries dumped to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
