"""Time the pipelex CLI end to end, the way a user feels it.

Each benchmark runs a fresh ``pipelex`` process ``--runs`` times (default 7) and reports the
median / min / max wall time (``time.perf_counter`` around ``subprocess``) and the peak RSS of
the child (``os.wait4`` rusage, so each child is measured on its own). A benchmark whose
command fails is skipped with the reason. ``--write`` rewrites the results section of
``benchmarks/README.md`` (between the ``results`` markers).

    .venv/bin/python benchmarks/run.py [--runs N] [--write] [--only NAME ...]
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
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
README = HERE / "README.md"
START_MARKER = "<!-- results:start -->"
END_MARKER = "<!-- results:end -->"

sys.path.insert(0, str(HERE))
from gen_bundle import generate_batch_bundle, generate_bundle, generate_long_sequence  # noqa: E402
from timed import run_timed  # noqa: E402

BIG_BUNDLE_PIPES = 500
LONG_SEQUENCE_STEPS = 1000
BATCH_ITEMS = 10000


class Skip(Exception):
    """The benchmark cannot run here; the message says why."""


@dataclass
class Benchmark:
    name: str
    argv: list[str]
    target_s: float | None = None
    target_mb: float | None = None
    ok_codes: tuple[int, ...] = (0,)
    note: str = ""
    pipe_runs: int | None = None  # pipe runs of one execution, for the pipe-runs/second column


@dataclass
class Result:
    bench: Benchmark
    times: list[float] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    skipped: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def meets_target(self) -> bool:
        ok = True
        if self.bench.target_s is not None:
            ok = ok and self.median < self.bench.target_s
        if self.bench.target_mb is not None:
            ok = ok and self.peak_rss_mb < self.bench.target_mb
        return ok


def find_pipelex() -> str | None:
    candidate = ROOT / ".venv" / "bin" / "pipelex"
    if candidate.exists():
        return str(candidate)
    return shutil.which("pipelex")


def run_once(argv: list[str], *, timeout: float = 600.0) -> tuple[int, float, float, str]:
    """Run ``argv`` once: (exit code, wall seconds, peak RSS in MB, tail of stderr/stdout)."""
    timed = run_timed(argv, cwd=ROOT, timeout=timeout)
    return timed.code, timed.wall, timed.rss_mb, timed.tail


def measure(bench: Benchmark, runs: int) -> Result:
    result = Result(bench)
    for _ in range(runs):
        code, elapsed, rss_mb, tail = run_once(bench.argv)
        if code not in bench.ok_codes:
            last = tail.splitlines()[-1] if tail else "(no output)"
            print(tail, file=sys.stderr)
            result.skipped = f"exit code {code}: {last}"
            result.times.clear()
            return result
        result.times.append(elapsed)
        result.peak_rss_mb = max(result.peak_rss_mb, rss_mb)
    return result


def command_works(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, cwd=ROOT, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def build_benchmarks(pipelex: str, work: Path) -> list[Benchmark | tuple[str, str]]:
    """The benchmarks to run, or (name, reason) for those that cannot run here."""
    example = "examples/menu_card.mthds"
    big = work / "bench_500.mthds"
    big.write_text(generate_bundle(BIG_BUNDLE_PIPES))
    items: list[Benchmark | tuple[str, str]] = [
        Benchmark("pipelex --help", [pipelex, "--help"], target_s=0.3),
        Benchmark("validate menu_card (small)", [pipelex, "validate", "bundle", example], target_s=0.5),
        Benchmark(
            f"validate {BIG_BUNDLE_PIPES} pipes", [pipelex, "validate", "bundle", str(big)], target_s=2.0
        ),
    ]
    dry = ["--dry-run", "--mock-inputs", "-o"]
    if command_works([pipelex, "run", "--help"]):
        seq = work / "bench_sequence.mthds"
        seq.write_text(generate_long_sequence(LONG_SEQUENCE_STEPS))
        batch = work / "bench_batch.mthds"
        batch.write_text(generate_batch_bundle())
        batch_inputs = work / "bench_batch_inputs.json"
        batch_inputs.write_text(json.dumps({"notes": [f"note number {i}" for i in range(BATCH_ITEMS)]}))
        out = str(work / "results")
        items += [
            Benchmark(
                "dry-run menu_card (small)", [pipelex, "run", "bundle", example, *dry, out], target_s=0.5
            ),
            Benchmark(
                f"dry-run {LONG_SEQUENCE_STEPS}-step sequence",
                [pipelex, "run", "bundle", str(seq), *dry, out],
                target_s=2.0,
                target_mb=300,
                pipe_runs=LONG_SEQUENCE_STEPS + 1,
            ),
            Benchmark(
                f"dry-run {BATCH_ITEMS}-item batch",
                [pipelex, "run", "bundle", str(batch), "-i", str(batch_inputs), *dry, out],
                target_s=2.0,
                target_mb=300,
                pipe_runs=BATCH_ITEMS + 1,
            ),
        ]
    else:
        items.append(("dry runs", "`pipelex run --help` does not exit 0"))
    corpus = os.environ.get("MTHDS_CORPUS_DIR")
    if corpus:
        # The corpus holds deliberately invalid bundles too: exit code 1 is the expected verdict.
        items.append(
            Benchmark(
                "validate corpus dir",
                [pipelex, "validate", "bundle", corpus],
                ok_codes=(0, 1),
                note="includes invalid entries",
            )
        )
    else:
        items.append(("validate corpus dir", "MTHDS_CORPUS_DIR is not set"))
    return items


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.3f} s"


def _target(bench: Benchmark) -> str:
    parts = []
    if bench.target_s is not None:
        parts.append(f"< {bench.target_s:g} s")
    if bench.target_mb is not None:
        parts.append(f"< {bench.target_mb:g} MB")
    return ", ".join(parts) or "-"


def markdown_table(results: list[Result], skipped: list[tuple[str, str]], runs: int) -> str:
    lines = [
        f"| benchmark ({runs} runs) | median | min | max | peak RSS | pipe runs/s | target | ok |",
        "|---|---:|---:|---:|---:|---:|---|:-:|",
    ]
    for r in results:
        if r.skipped:
            skipped.append((r.bench.name, r.skipped))
            continue
        name = r.bench.name + (f" ({r.bench.note})" if r.bench.note else "")
        has_target = r.bench.target_s is not None or r.bench.target_mb is not None
        ok = ("yes" if r.meets_target() else "**no**") if has_target else "-"
        rate = f"{r.bench.pipe_runs / r.median:,.0f}" if r.bench.pipe_runs else "-"
        lines.append(
            f"| {name} | {_fmt_s(r.median)} | {_fmt_s(min(r.times))} | {_fmt_s(max(r.times))} "
            f"| {r.peak_rss_mb:.0f} MB | {rate} | {_target(r.bench)} | {ok} |"
        )
    for name, reason in skipped:
        lines.append(f"| {name} | skipped: {reason.replace('|', '/')} | | | | | | |")
    return "\n".join(lines)


def machine_description() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"Machine: {os.cpu_count()} CPUs ({model}), {ram} RAM, "
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}; {date}."
    )


def write_readme(section: str) -> None:
    text = README.read_text()
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    if start < 0 or end < start:
        raise SystemExit(f"{README}: markers {START_MARKER} / {END_MARKER} not found")
    new = text[: start + len(START_MARKER)] + "\n" + section.strip() + "\n" + text[end:]
    README.write_text(new)
    print(f"updated {README.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the pipelex CLI.")
    parser.add_argument("--runs", type=int, default=7, help="runs per benchmark (default 7)")
    parser.add_argument("--write", action="store_true", help="rewrite the results section of README.md")
    parser.add_argument(
        "--only", nargs="*", default=None, help="run benchmarks whose name contains one of these"
    )
    parser.add_argument("--pipelex", default=None, help="the pipelex executable (default: .venv/bin/pipelex)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    pipelex = args.pipelex or find_pipelex()
    if pipelex is None:
        print("pipelex executable not found: run `make install` first", file=sys.stderr)
        return 1

    results: list[Result] = []
    skipped: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="pipelex-bench-") as tmp:
        for item in build_benchmarks(pipelex, Path(tmp)):
            name = item[0] if isinstance(item, tuple) else item.name
            if args.only is not None and not any(word in name for word in args.only):
                continue
            if isinstance(item, tuple):
                print(f"skip  {name}: {item[1]}", file=sys.stderr)
                skipped.append(item)
                continue
            print(f"run   {name} ...", file=sys.stderr, flush=True)
            result = measure(item, args.runs)
            if result.skipped:
                print(f"skip  {name}: {result.skipped}", file=sys.stderr)
            results.append(result)

    machine = machine_description()
    table = markdown_table(results, skipped, args.runs)
    print()
    print(machine)
    print()
    print(table)
    if args.write:
        write_readme(f"{machine}\n\n{table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
