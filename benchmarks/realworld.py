"""Verdicts on real-world bundles, side by side with the reference pipelex (a differential run, black box).

Takes a folder of bundles written elsewhere (never committed: fetch them into a git-ignored folder such as
``.realworld/``) and runs, for each case, ``pipelex validate bundle`` of this pipelex and of the reference
(``pipelex`` 0.92.2, installed by ``benchmarks/peer.py`` into its cache, run offline with its own HOME, no keys,
``DO_NOT_TRACK=1``); for cases both find valid and that declare a ``main_pipe``, also
``pipelex run bundle --dry-run --mock-inputs``. It records each side's verdict (valid / invalid) and error
types and writes a JSON file and a markdown summary (counts, then every disagreement). No bundle text is
written, only the case names.

A case is a sub-folder of the given folder: a single ``.mthds`` file inside is validated as a file, several as a
folder (a multi-file method). ``.mthds`` files directly in the given folder are one case each. The reference's
results are kept in the JSON keyed by a digest of the case's files, so a second run (after a change of ours)
only re-runs our side::

    .venv/bin/python benchmarks/realworld.py .realworld --out .realworld-results.json --markdown out.md
    .venv/bin/python benchmarks/realworld.py .realworld --out .realworld-results.json --ours-only

The reference's error types are its headings (``1. Unresolved Concept`` -> ``unresolved_concept``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

sys.path.insert(0, str(HERE))
from peer import PEER_VERSION, clean_env, peer_cache  # noqa: E402

TIMEOUT = 300.0
_HEADING = re.compile(r"^\s*\d+\.\s+([A-Z][A-Za-z ]+?)\s*$")
_PROBLEM = re.compile(r"^Problem:\s+(.*)$")


@dataclass
class Side:
    """One CLI's verdict on a case."""

    verdict: str = (
        "?"  # valid | not_runnable (valid, with signatures to implement) | invalid | error (crash, timeout)
    )
    error_types: list[str] = field(default_factory=list)
    first_message: str = ""
    dry_run: str = ""  # "", ok, failed: <types>


@dataclass
class Case:
    """One bundle or multi-file method and both verdicts."""

    name: str
    target: str
    digest: str
    has_main_pipe: bool
    ours: Side = field(default_factory=Side)
    peer: Side = field(default_factory=Side)


def discover(folder: Path) -> list[tuple[str, Path]]:
    """The cases of ``folder``: (name, path to validate), sorted by name."""
    cases: list[tuple[str, Path]] = []
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and entry.suffix == ".mthds":
            cases.append((entry.name, entry))
        elif entry.is_dir():
            files = sorted(entry.rglob("*.mthds"))
            if len(files) == 1:
                cases.append((entry.name, files[0]))
            elif files:
                cases.append((entry.name, entry))
    return cases


def digest(path: Path) -> str:
    """A digest of every file of the case (names and bytes)."""
    sha = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        sha.update(file.name.encode())
        sha.update(file.read_bytes())
    return sha.hexdigest()[:16]


def has_main_pipe(path: Path) -> bool:
    files = [path] if path.is_file() else sorted(path.rglob("*.mthds"))
    return any(re.search(r"^\s*main_pipe\s*=", f.read_text(errors="replace"), re.MULTILINE) for f in files)


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``argv`` in a scratch folder (a dry run may write its results into the working folder)."""
    with tempfile.TemporaryDirectory(prefix="realworld-") as scratch:
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=scratch, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return -1, "timeout"
    return proc.returncode, (proc.stdout or "") + "\n" + (proc.stderr or "")


def _snake(heading: str) -> str:
    return "_".join(heading.lower().split())


def peer_types(output: str) -> tuple[list[str], str]:
    """The reference's error types (its numbered headings) and its first explanatory line."""
    types: list[str] = []
    message = ""
    for line in output.splitlines():
        match = _HEADING.match(line)
        if match:
            types.append(_snake(match.group(1)))
        elif not message and line.strip().startswith("→"):
            message = line.strip().lstrip("→ ").strip()
        elif not message and _PROBLEM.match(line.strip()):
            message = line.strip().removeprefix("Problem:").strip()
    if not message:
        lines = [ln.strip() for ln in output.splitlines() if ln.strip() and "░" not in ln]
        message = lines[-1] if lines else ""
    return sorted(set(types)), message[:300]


def run_peer(target: Path, main: bool) -> Side:
    exe = peer_cache() / "venv" / "bin" / "pipelex"
    env = clean_env(peer_cache() / "home")
    env["COLUMNS"] = "300"
    code, out = _run([str(exe), "validate", "bundle", str(target)], env)
    side = Side()
    side.error_types, side.first_message = peer_types(out)
    side.verdict = "valid" if code == 0 else ("error" if code < 0 else "invalid")
    if side.verdict == "invalid" and "valid but NOT yet runnable" in out:
        side.verdict = "not_runnable"  # exit 1, as strict validation says of a PipeSignature placeholder
    if side.verdict in ("valid", "not_runnable"):
        side.first_message = ""
        if main and target.is_file():
            code, out = _run([str(exe), "run", "bundle", str(target), "--dry-run", "--mock-inputs"], env)
            types, message = peer_types(out)
            side.dry_run = "ok" if code == 0 else f"failed: {','.join(types) or message[:200]}"
    return side


def run_ours(target: Path, main: bool) -> Side:
    exe = ROOT / ".venv" / "bin" / "pipelex"
    env = clean_env()
    code, out = _run([str(exe), "validate", "bundle", str(target), "--format", "json"], env)
    side = Side()
    try:
        report = json.loads(out[: out.rindex("}") + 1] if "}" in out else out)
        errors = report.get("errors", [])
        side.error_types = sorted(
            {e.get("error_type", "?") for e in errors if e.get("severity", "error") == "error"}
        )
        side.first_message = errors[0].get("message", "")[:300] if errors else ""
        side.verdict = "invalid"
        if report.get("is_valid"):
            side.verdict = "valid" if report.get("is_runnable", True) else "not_runnable"
        if side.verdict != "invalid":
            side.first_message = ""
    except (ValueError, AttributeError):
        side.verdict = "error" if code != 1 else "invalid"
        side.first_message = out.strip().splitlines()[-1][:300] if out.strip() else ""
    if side.verdict == "valid" and main and target.is_file():
        code, out = _run([str(exe), "run", "bundle", str(target), "--dry-run", "--mock-inputs"], env)
        last = out.strip().splitlines()[-1][:200] if out.strip() else ""
        side.dry_run = "ok" if code == 0 else f"failed: {last}"
    return side


def agree(case: Case) -> bool:
    return case.ours.verdict == case.peer.verdict


def markdown(cases: list[Case], when: str) -> str:
    both = [c for c in cases if c.peer.verdict != "?"]
    agreeing = [c for c in both if agree(c)]
    valid_both = [c for c in agreeing if c.ours.verdict == "valid"]
    dry = [c for c in valid_both if c.peer.dry_run and c.ours.dry_run]
    dry_agree = [c for c in dry if (c.peer.dry_run == "ok") == (c.ours.dry_run == "ok")]
    lines = [
        f"Run {when}, reference pipelex {PEER_VERSION}.",
        "",
        f"- cases: {len(both)}; same verdict: {len(agreeing)}; different: {len(both) - len(agreeing)}",
        f"- valid for both: {len(valid_both)}; invalid for both: {len(agreeing) - len(valid_both)}",
        f"- dry runs compared (valid for both, with a main_pipe): {len(dry)}; same outcome: {len(dry_agree)}",
        "",
        "| case | reference | ours | reference's errors | our errors |",
        "|---|---|---|---|---|",
    ]
    for c in both:
        if not agree(c):
            lines.append(
                f"| {c.name} | {c.peer.verdict} | {c.ours.verdict} | {', '.join(c.peer.error_types)} | "
                f"{', '.join(c.ours.error_types)} |"
            )
    for c in dry:
        if c not in dry_agree:
            lines.append(f"| {c.name} (dry run) | {c.peer.dry_run} | {c.ours.dry_run} | | |")
    return "\n".join(lines) + "\n"


def _save(path: Path, cases: list[Case], stored: dict[str, dict[str, Any]]) -> None:
    """The cases run so far, then the stored rows not reached yet (an interrupted run loses nothing)."""
    done = {case.name for case in cases}
    rows = [asdict(case) for case in cases] + [row for name, row in stored.items() if name not in done]
    path.write_text(json.dumps(rows, indent=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument(
        "--out", type=Path, required=True, help="JSON results (read back to reuse the reference's)"
    )
    parser.add_argument("--markdown", type=Path, help="write the summary here (else print it)")
    parser.add_argument(
        "--ours-only", action="store_true", help="re-run our side only; keep stored reference results"
    )
    parser.add_argument("--only", nargs="*", default=[], help="cases whose name contains one of these words")
    args = parser.parse_args(argv)

    stored: dict[str, dict[str, Any]] = {}
    if args.out.exists():
        for row in json.loads(args.out.read_text()):
            stored[row["name"]] = row
    cases: list[Case] = []
    found = discover(args.folder.resolve())
    for number, (name, target) in enumerate(found, 1):
        case = Case(
            name, str(target.relative_to(args.folder.resolve())), digest(target), has_main_pipe(target)
        )
        if args.only and not any(word in name for word in args.only):
            if name in stored:
                row = stored[name]
                case.ours = Side(**row["ours"])
                case.peer = Side(**row["peer"])
            cases.append(case)
            continue
        old = stored.get(name)
        if (
            old is not None
            and old.get("digest") == case.digest
            and (args.ours_only or old["peer"]["verdict"] != "?")
        ):
            case.peer = Side(**old["peer"])
        elif not args.ours_only:
            case.peer = run_peer(target, case.has_main_pipe)
        case.ours = run_ours(target, case.has_main_pipe)
        cases.append(case)
        mark = "=" if agree(case) else "!"
        print(
            f"[{number}/{len(found)}] {mark} {name}: ref {case.peer.verdict} ours {case.ours.verdict}",
            flush=True,
        )
        _save(args.out, cases, stored)
    args.out.write_text(json.dumps([asdict(c) for c in cases], indent=1))
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") + f", load {os.getloadavg()[0]:.2f}"
    text = markdown(cases, when)
    if args.markdown:
        args.markdown.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
