"""Huge dry batches on the direct backend: time and peak memory of ``pipelex run bundle --dry-run`` over a
``Text[]`` of 10,000 / 100,000 / 1,000,000 items, a fresh process each (like a user).

Each size runs in its own folder with a ``pipelex.toml`` raising ``[limits] max_batch_items`` to the size (the
default, 10,000, refuses more); the default's refusal of 1,000,000 items is measured too. For each run: wall
time, CPU time (user + system: what the run costs on a busy machine, where wall time also counts waiting for a
core), peak RSS (``os.wait4``), the sizes of the artefacts, and a check that ``graph.json`` is complete (one node
per item plus the batch's, counted line by line without loading it) and that ``main_stuff.json`` holds every item.

    .venv/bin/python benchmarks/huge_batch.py [--sizes 10000 100000 1000000] [--runs 3] [--write]

``--runs N``: each size N times (1,000,000 items once: about 2.5 min of CPU), the median of each figure recorded,
with the load average before and after the runs of a size.

``--write`` rewrites the huge-batch section of ``benchmarks/README.md`` (between the ``huge-batch`` markers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
README = HERE / "README.md"
START_MARKER = "<!-- huge-batch:start -->"
END_MARKER = "<!-- huge-batch:end -->"

sys.path.insert(0, str(HERE))
from gen_bundle import generate_batch_bundle  # noqa: E402

TARGETS = {100_000: (10.0, 600.0), 1_000_000: (None, 2048.0)}  # seconds, MB


@dataclass
class Outcome:
    label: str
    items: int
    code: int
    wall_s: float
    cpu_s: float
    rss_mb: float
    note: str
    runs: int = 1
    load: str = ""


def run(argv: list[str], cwd: Path, timeout: float) -> tuple[int, float, float, float, str]:
    """Run ``argv`` in ``cwd``: (exit code, wall s, CPU s, peak RSS MB, last lines of output)."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        tail = out.read().decode(errors="replace").strip().splitlines()[-3:]
    rss_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return proc.returncode, wall, usage.ru_utime + usage.ru_stime, rss_mb, "\n".join(tail)


def count_graph_nodes(path: Path) -> int:
    """Nodes in a ``graph.json`` written one node per line (a folded run's), else parsed in full."""
    marker = b'{"id":"'
    count = 0
    with path.open("rb") as handle:
        for line in handle:
            if line.startswith(marker) and b":node_" in line[7 : line.find(b'"', 7)]:
                count += 1
    if count:
        return count
    return len(json.loads(path.read_bytes())["nodes"])


def measure(items: int, work: Path, *, limit: int | None, timeout: float) -> Outcome:
    folder = work / f"{items}-{limit or 'default'}"
    folder.mkdir(parents=True)
    (folder / "batch.mthds").write_text(generate_batch_bundle(), encoding="utf-8")
    with (folder / "inputs.json").open("w", encoding="utf-8") as handle:
        json.dump({"notes": [f"note number {i}" for i in range(items)]}, handle)
    if limit is not None:
        (folder / "pipelex.toml").write_text(f"[limits]\nmax_batch_items = {limit}\n", encoding="utf-8")
    pipelex = str(ROOT / ".venv" / "bin" / "pipelex")
    argv = [pipelex, "run", "bundle", "batch.mthds", "-i", "inputs.json", "--dry-run", "-o", "out"]
    argv += ["-q", "--no-pretty-print"]
    code, wall, cpu, rss, tail = run(argv, folder, timeout)
    label = f"{items:,} items" + ("" if limit is not None else ", default limit")
    if code != 0:
        note = tail.splitlines()[0] if tail else f"exit code {code}"
        return Outcome(label, items, code, wall, cpu, rss, note[:200])
    [run_dir] = list((folder / "out").iterdir())
    sizes = {p.name: p.stat().st_size for p in run_dir.iterdir()}
    nodes = count_graph_nodes(run_dir / "graph.json")
    with (run_dir / "main_stuff.json").open("rb") as handle:
        outputs = sum(line.count(b'"text":') for line in handle)
    complete = nodes == items + 1 and outputs == items
    note = (
        f"graph.json {sizes['graph.json'] / 1e6:,.0f} MB ({nodes:,} nodes), graph.html "
        f"{sizes['graph.html'] / 1e6:,.1f} MB, working_memory.json {sizes['working_memory.json'] / 1e6:,.0f} MB"
        + ("" if complete else f"; INCOMPLETE: {nodes} nodes, {outputs} outputs")
    )
    return Outcome(label, items, code, wall, cpu, rss, note)


def measure_median(items: int, work: Path, *, limit: int | None, timeout: float, runs: int) -> Outcome:
    """``runs`` runs of :func:`measure`: the median wall, CPU and peak RSS, the load average around them."""
    before = os.getloadavg()[0]
    outcomes: list[Outcome] = []
    for index in range(runs):
        outcomes.append(measure(items, work / f"run{index}", limit=limit, timeout=timeout))
        shutil.rmtree(work / f"run{index}", ignore_errors=True)  # a million items leave ~1.2 GB of artefacts
    after = os.getloadavg()[0]
    first = outcomes[0]
    return Outcome(
        first.label,
        items,
        max(o.code for o in outcomes),
        statistics.median(o.wall_s for o in outcomes),
        statistics.median(o.cpu_s for o in outcomes),
        statistics.median(o.rss_mb for o in outcomes),
        next((o.note for o in outcomes if o.code != 0), first.note),
        runs,
        f"{before:.1f} → {after:.1f}",
    )


def table(outcomes: list[Outcome]) -> str:
    lines = [
        "| run | runs | load | exit | wall | CPU | peak RSS | target | ok | artefacts / message |",
        "|---|--:|---|:-:|---:|---:|---:|---|:-:|---|",
    ]
    for o in outcomes:
        target_s, target_mb = (
            TARGETS.get(o.items, (None, None)) if "default" not in o.label else (None, 2048.0)
        )
        target = ", ".join(
            part
            for part in (
                f"< {target_s:g} s" if target_s else "",
                f"< {target_mb:,.0f} MB" if target_mb else "",
            )
            if part
        )
        ok = "-"
        if target:  # time: the CPU time (on a loaded machine the wall time is mostly waiting for a core)
            ok = (
                "yes"
                if (target_s is None or o.cpu_s < target_s) and (o.rss_mb < (target_mb or 1e12))
                else "no"
            )
        lines.append(
            f"| {o.label} | {o.runs} | {o.load} | {o.code} | {o.wall_s:.1f} s | {o.cpu_s:.1f} s | {o.rss_mb:,.0f} MB "
            f"| {target or '-'} | {ok} | {o.note} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3, help="runs per size below 1,000,000 items (median)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed per run")
    parser.add_argument("--write", action="store_true", help="rewrite the section of benchmarks/README.md")
    args = parser.parse_args(argv)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="pipelex-huge-") as tmp:
        work = Path(tmp)
        for items in args.sizes:
            runs = 1 if items >= 1_000_000 else args.runs
            outcomes.append(
                measure_median(items, work / f"{items}", limit=items, timeout=args.timeout, runs=runs)
            )
            print(table(outcomes[-1:]).splitlines()[-1], flush=True)
        if max(args.sizes) > 10_000:  # the default limit refuses up front
            outcomes.append(
                measure_median(max(args.sizes), work / "default", limit=None, timeout=args.timeout, runs=1)
            )
            print(table(outcomes[-1:]).splitlines()[-1], flush=True)
    load = os.getloadavg()[0]
    header = (
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()} on {platform.system()}; load average "
        f"{load:.1f} at the end; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC."
    )
    text = header + "\n\n" + table(outcomes)
    print("\n" + text)
    if args.write:
        readme = README.read_text(encoding="utf-8")
        start, end = readme.index(START_MARKER) + len(START_MARKER), readme.index(END_MARKER)
        README.write_text(readme[:start] + "\n" + text + "\n" + readme[end:], encoding="utf-8")
    return 0 if all(o.code == 0 or "default" in o.label for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
