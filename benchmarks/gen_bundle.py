"""Generate valid MTHDS bundles of arbitrary size for the benchmarks.

Every generator returns the bundle text; nothing is written to disk here.

- ``generate_bundle(n_pipes)``: a ``bench`` domain with a few concepts and exactly
  ``n_pipes`` pipes, in groups of one PipeSequence chaining PipeCompose / PipeLLM leaves.
- ``generate_long_sequence(n_steps)``: one PipeSequence of ``n_steps`` PipeCompose steps,
  each reading the previous step's result.
- ``generate_batch_bundle()``: one PipeBatch over a ``Text[]`` input whose branch is a
  PipeCompose.

Run as a script to print a bundle: ``python benchmarks/gen_bundle.py 500 > big.mthds``.
"""

from __future__ import annotations

import argparse
import sys

_HEADER = """domain      = "bench"
description = "{description}"
main_pipe   = "{main_pipe}"
"""

_CONCEPTS = """
[concept]
Note    = "A short note written by someone on the team."
Summary = "A one-paragraph summary of a note."
Verdict = "A short verdict about a summary."
"""

# Leaves per sequence in generate_bundle: a sequence plus its leaves form one group.
_GROUP_LEAVES = 9


def _compose(code: str, input_name: str, description: str) -> str:
    return f'''
[pipe.{code}]
type        = "PipeCompose"
description = "{description}"
inputs      = {{ {input_name} = "Text" }}
output      = "Text"
template    = "Note: ${input_name}"
'''


def _llm(code: str, input_name: str) -> str:
    return f"""
[pipe.{code}]
type        = "PipeLLM"
description = "Summarises the text it is given"
inputs      = {{ {input_name} = "Text" }}
output      = "Summary"
prompt      = "Summarise this in one paragraph: ${input_name}"
"""


def _sequence(code: str, input_name: str, output: str, steps: list[tuple[str, str]]) -> str:
    lines = "\n".join(f'  {{ pipe = "{pipe}", result = "{result}" }},' for pipe, result in steps)
    return f'''
[pipe.{code}]
type        = "PipeSequence"
description = "Runs {len(steps)} steps, each reading the previous result"
inputs      = {{ {input_name} = "Text" }}
output      = "{output}"
steps = [
{lines}
]
'''


def _group(index: int, n_leaves: int) -> list[str]:
    """One sequence plus ``n_leaves`` leaves: composes chained on r0 -> r1 -> ..., an LLM last."""
    prefix = f"g{index}"
    parts: list[str] = []
    steps: list[tuple[str, str]] = []
    for j in range(n_leaves):
        code = f"{prefix}_step{j}"
        input_name = "note" if j == 0 else f"r{j - 1}"
        is_last = j == n_leaves - 1
        if is_last and n_leaves > 1:
            parts.append(_llm(code, input_name))
        else:
            parts.append(_compose(code, input_name, f"Rewrites the text for step {j} of group {index}"))
        steps.append((code, f"r{j}"))
    output = "Summary" if n_leaves > 1 else "Text"
    parts.insert(0, _sequence(f"{prefix}_chain", "note", output, steps))
    return parts


def generate_bundle(n_pipes: int) -> str:
    """A valid bundle with exactly ``n_pipes`` pipes (``n_pipes >= 1``)."""
    if n_pipes < 1:
        raise ValueError("n_pipes must be at least 1")
    if n_pipes == 1:
        return (
            _HEADER.format(description="One compose pipe", main_pipe="only")
            + _CONCEPTS
            + _compose("only", "note", "Rewrites the note")
        )
    parts: list[str] = []
    remaining = n_pipes
    index = 0
    while remaining > 0:
        group_size = min(remaining, _GROUP_LEAVES + 1)
        if group_size == 1:
            # A lone leftover pipe: a standalone compose.
            parts.append(_compose(f"g{index}_alone", "note", "Rewrites the note on its own"))
        else:
            parts.extend(_group(index, group_size - 1))
        remaining -= group_size
        index += 1
    header = _HEADER.format(description=f"A generated bundle of {n_pipes} pipes", main_pipe="g0_chain")
    return header + _CONCEPTS + "".join(parts)


def generate_long_sequence(n_steps: int) -> str:
    """One PipeSequence of ``n_steps`` PipeCompose steps, each reading the previous result."""
    if n_steps < 1:
        raise ValueError("n_steps must be at least 1")
    parts: list[str] = []
    steps: list[tuple[str, str]] = []
    for j in range(n_steps):
        code = f"step{j}"
        input_name = "note" if j == 0 else f"r{j - 1}"
        parts.append(_compose(code, input_name, f"Rewrites the previous text, step {j}"))
        steps.append((code, f"r{j}"))
    header = _HEADER.format(description=f"One sequence of {n_steps} steps", main_pipe="long_chain")
    return header + _sequence("long_chain", "note", "Text", steps) + "".join(parts)


def generate_batch_bundle() -> str:
    """One PipeBatch over a ``Text[]`` input; the branch is a PipeCompose."""
    header = _HEADER.format(description="One batch over a list of notes", main_pipe="label_every_note")
    return (
        header
        + """
[pipe.label_every_note]
type             = "PipeBatch"
description      = "Writes a label for each note in the list"
inputs           = { notes = "Text[]" }
output           = "Text[]"
branch_pipe_code = "label_one_note"
input_list_name  = "notes"
input_item_name  = "note"

[pipe.label_one_note]
type        = "PipeCompose"
description = "Writes the label for a single note"
inputs      = { note = "Text" }
output      = "Text"
template    = "Label: $note"
"""
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a generated MTHDS bundle.")
    parser.add_argument("size", type=int, nargs="?", default=500, help="number of pipes / steps")
    parser.add_argument("--kind", choices=["bundle", "sequence", "batch"], default="bundle")
    args = parser.parse_args(argv)
    if args.kind == "bundle":
        text = generate_bundle(args.size)
    elif args.kind == "sequence":
        text = generate_long_sequence(args.size)
    else:
        text = generate_batch_bundle()
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
