"""Time against size: `pipelex validate bundle --static-only` on generated bundles of 1k, 4k and 16k items.

Shows that parsing and static validation grow linearly with the bundle (issue #10: the source map
used to scan the text once per lookup, which made 8,000 shorthand concepts take 80 s). Each case
starts a fresh ``pipelex`` process, like a user; a case that takes longer than ``--timeout`` is
reported as such (and stops the series of its kind).

    .venv/bin/python benchmarks/parse_scale.py                # 1k, 4k, 16k of every kind
    .venv/bin/python benchmarks/parse_scale.py --sizes 1000 2000
    .venv/bin/python benchmarks/parse_scale.py --write        # also rewrite the table in README.md
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
PIPELEX = Path(sys.executable).with_name("pipelex")


def shorthand_concepts(n: int) -> str:
    """``n`` one-line concepts under ``[concept]``."""
    return 'domain = "scale"\n\n[concept]\n' + "".join(f'C{i} = "Concept number {i}"\n' for i in range(n))


def structured_concepts(n: int) -> str:
    """``n`` concept tables, each with a structure of two fields, each refining the previous one's neighbour."""
    parts = ['domain = "scale"\n']
    for i in range(n):
        parts.append(
            f'\n[concept.C{i}]\ndescription = "Concept number {i}"\n\n[concept.C{i}.structure]\n'
            f'title = "The title"\ncount = {{ type = "integer", description = "How many" }}\n'
        )
    return "".join(parts)


def compose_pipes(n: int) -> str:
    """``n`` valid PipeCompose pipes."""
    parts = ['domain = "scale"\n']
    for i in range(n):
        parts.append(
            f'\n[pipe.p{i}]\ntype = "PipeCompose"\ndescription = "Pipe {i}"\ninputs = {{ note = "Text" }}\n'
            f'output = "Text"\ntemplate = "Note {i}: $note"\n'
        )
    return "".join(parts)


def invalid_pipes(n: int) -> str:
    """``n`` pipes with three faults each (unknown concept, undeclared variable, unknown field): 3n diagnostics,
    each located by line."""
    parts = ['domain = "scale"\n']
    for i in range(n):
        parts.append(
            f'\n[pipe.p{i}]\ntype = "PipeCompose"\ndescription = "Pipe {i}"\ninputs = {{ note = "Text" }}\n'
            f'output = "Missing{i}"\ntemplate = "Note: $other"\nbogus = {i}\n'
        )
    return "".join(parts)


def unresolved_calls(n: int) -> str:
    """``n`` sequences, each calling a pipe that does not exist (each diagnostic names the domain's pipes)."""
    parts = ['domain = "scale"\n']
    for i in range(n):
        parts.append(
            f'\n[pipe.p{i}]\ntype = "PipeSequence"\ndescription = "Pipe {i}"\ninputs = {{ note = "Text" }}\n'
            f'output = "Text"\nsteps = [{{ pipe = "missing{i}", result = "r" }}]\n'
        )
    return "".join(parts)


def long_sequence(n: int) -> str:
    """One PipeSequence of ``n`` steps, each calling a pipe that does not exist: n diagnostics on array elements."""
    steps = "".join(f'  {{ pipe = "missing{i}", result = "r{i}" }},\n' for i in range(n))
    return (
        'domain = "scale"\nmain_pipe = "chain"\n\n[pipe.chain]\ntype = "PipeSequence"\ndescription = "Long"\n'
        f'inputs = {{ note = "Text" }}\noutput = "Text"\nsteps = [\n{steps}]\n'
    )


KINDS: dict[str, Callable[[int], str]] = {
    "shorthand concepts": shorthand_concepts,
    "structured concepts": structured_concepts,
    "valid pipes": compose_pipes,
    "invalid pipes (3 errors each)": invalid_pipes,
    "unresolved calls (1 error each)": unresolved_calls,
    "sequence steps (1 error each)": long_sequence,
}


def time_validate(text: str, timeout: float) -> tuple[float | None, int]:
    """Wall time of ``pipelex validate bundle --static-only`` on ``text`` (None past ``timeout``) and the exit code."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scale.mthds"
        path.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [str(PIPELEX), "validate", "bundle", str(path), "--static-only"],
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None, -1
        return time.perf_counter() - started, done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 16000])
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds before a case counts as too slow"
    )
    parser.add_argument(
        "--write", action="store_true", help="rewrite the results table of benchmarks/README.md"
    )
    args = parser.parse_args(argv)
    header = "| kind | " + " | ".join(f"{n:,}" for n in args.sizes) + " | exit |"
    rows = [header, "|---|" + "---:|" * len(args.sizes) + ":-:|"]
    print(header)
    for kind, generate in KINDS.items():
        cells: list[str] = []
        code = 0
        for size in args.sizes:
            text = generate(size)
            elapsed, code = time_validate(text, args.timeout)
            cells.append(f"> {args.timeout:.0f} s" if elapsed is None else f"{elapsed:.2f} s")
            if elapsed is None:
                cells.extend("-" for _ in args.sizes[len(cells) :])
                break
        row = f"| {kind} | " + " | ".join(cells) + f" | {code} |"
        print(row, flush=True)
        rows.append(row)
    machine = (
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()} on {platform.system()} "
        f"{platform.release()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Exit 1 is expected for the invalid kinds."
    )
    print(machine)
    if args.write:
        readme = HERE / "README.md"
        content = readme.read_text(encoding="utf-8")
        start, end = "<!-- parse-scale:start -->", "<!-- parse-scale:end -->"
        block = f"{start}\n{machine}\n\n" + "\n".join(rows) + f"\n{end}"
        if start in content:
            before, _, rest = content.partition(start)
            _, _, after = rest.partition(end)
            content = before + block + after
        else:
            content = content.rstrip("\n") + "\n\n## Parse and validation scale\n\n" + block + "\n"
        readme.write_text(content, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
