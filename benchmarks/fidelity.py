"""Verdicts on generated user-style bundles and their mutations, side by side with the reference (black box).

The cases are ``fidelity_bundles.cases()``: valid base bundles written the way users write them, and one-rule
mutations of them (see that module). Each case is written to ``<folder>/<name>.mthds``; both CLIs validate it
(ours: ``pipelex validate bundle --format json``; the reference: ``pipelex-agent validate bundle --format
json``, which names its problem codes and the pipe of each), and when both find it valid and it has a
``main_pipe``, both dry-run it (``pipelex run bundle --dry-run --mock-inputs``, and with ``-i`` when
``fidelity_bundles_flow.case_inputs()`` gives the case an inputs file, written beside it as ``<name>.inputs.json``). The reference runs offline
with its own HOME and no keys (``benchmarks/peer.py``'s ``clean_env``), two calls at a time at most.

A case may also be a folder: a dict of relative path -> text (a multi-file library, a package with its
``METHODS.toml``). It is written to ``<folder>/<name>/`` and validated twice: the folder itself (row ``<name>``)
and its entry file (row ``<name>@file``: ``bundle.mthds`` if the case has one, else its first ``.mthds`` file with
a ``main_pipe``, else its first ``.mthds`` file), which alone reaches none of its siblings. Only the entry file is
dry-run.

With ``--commands`` the cases are instead ``fidelity_bundles_libs.cases()``: files and a command line (``validate
pipe CODE -L ...``, ``run pipe CODE -L ... --dry-run``) run as they are on both CLIs, rows named ``cmd:<name>``.

Results go to a JSON file keyed by case name with the digest of the case's text, so a second run (after a change
of ours) re-runs only our side::

    .venv/bin/python benchmarks/fidelity.py .fidelity --out .fidelity-results.json
    .venv/bin/python benchmarks/fidelity.py .fidelity --out .fidelity-results.json --ours-only
    .venv/bin/python benchmarks/fidelity.py .fidelity --out .fidelity-results.json --only cond_ batch_

It prints the counts and every disagreement (verdict, then the reference's codes and pipes against ours).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

sys.path.insert(0, str(HERE))
from fidelity_bundles import cases as all_cases  # noqa: E402
from fidelity_bundles_flow import case_inputs  # noqa: E402
from fidelity_bundles_inputs import case_inputs as inputs_case_inputs  # noqa: E402
from fidelity_bundles_libs import cases as command_cases  # noqa: E402
from fidelity_bundles_valid import case_inputs as valid_case_inputs  # noqa: E402
from peer import clean_env, peer_cache  # noqa: E402

TIMEOUT = 300.0


@dataclass
class Side:
    verdict: str = "?"  # valid | not_runnable | invalid | error
    codes: list[str] = field(default_factory=list)
    pipes: list[str] = field(default_factory=list)
    message: str = ""
    dry_run: str = ""
    dry_run_inputs: str = ""  # the dry run with the case's inputs file (``-i``), when it has one
    dry_run_inputs_code: str = ""  # its error code when it failed (``input.invalid``, ``pipe.*``, ...)


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    with tempfile.TemporaryDirectory(prefix="fidelity-") as scratch:
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=scratch, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return -1, "", "timeout"
    return proc.returncode, proc.stdout or "", proc.stderr or ""


def _json_in(text: str) -> dict[str, Any] | None:
    start = text.find("{")
    end = text.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        value = json.loads(text[start : end + 1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _dry_run(argv: list[str], env: dict[str, str]) -> tuple[str, str]:
    """The outcome of a dry run ("ok" or "failed: <its last lines>") and, when it failed, its error code: the
    reference prints ``Code: <code>``; ours prints ``error: <message>``, coded as the API codes it."""
    code, out, err = _run(argv, env)
    lines = [ln for ln in (out + err).splitlines() if ln.strip()]
    if code == 0:
        return "ok", ""
    error_code = ""
    for line in lines:
        if (found := re.match(r"\s*Code:\s+(\S+)", line)) is not None:
            error_code = found.group(1)
        elif line.startswith("The bundle does not validate") and not error_code:
            error_code = "method.invalid"  # the API's code of a run of a bundle that does not validate
        elif line.startswith("error: ") and not error_code:
            from pipelex.api.problems import input_error_code

            coded = input_error_code(line)  # the API's code of the message (a pipe not found: request.*)
            error_code = coded if "input" in line or not coded.startswith("input.") else "run.failed"
    return f"failed: {' | '.join(lines[-3:])[:400]}", error_code


def _inputs_file(target: Path) -> Path | None:
    path = target.with_suffix(".inputs.json")
    return path if path.exists() else None


def run_peer(target: Path, main: bool, known: Side | None = None) -> Side:
    """The reference's verdict on ``target`` (``known``: its verdict and mock dry run on the same text, already
    taken for another case; only the dry run with this case's inputs file is then run)."""
    venv = peer_cache() / "venv" / "bin"
    env = clean_env(peer_cache() / "home")
    env["COLUMNS"] = "300"
    if known is not None:
        side = Side(**{**asdict(known), "dry_run_inputs": "", "dry_run_inputs_code": ""})
        if side.verdict == "valid" and main and (inputs := _inputs_file(target)) is not None:
            side.dry_run_inputs, side.dry_run_inputs_code = _dry_run(
                [str(venv / "pipelex"), "run", "bundle", str(target), "--dry-run", "-i", str(inputs)], env
            )
        return side
    code, out, err = _run(
        [str(venv / "pipelex-agent"), "validate", "bundle", str(target), "--format", "json"], env
    )
    side = Side()
    doc = _json_in(out) if code == 0 else (_json_in(err) or _json_in(out))
    if code < 0:
        side.verdict = "error"
    elif code == 0:
        side.verdict = "valid"
    elif doc is not None and doc.get("is_valid") is True:
        side.verdict = "not_runnable"
    else:
        side.verdict = "invalid"
    if doc is not None and side.verdict == "invalid":
        for problem in doc.get("errors") or []:
            side.codes.append(str(problem.get("code", "?")))
            pipe = (problem.get("location") or {}).get("pipe") or (problem.get("params") or {}).get("pipe")
            if pipe:
                side.pipes.append(str(pipe))
        side.message = str(doc.get("message") or doc.get("detail") or "")[:400]
    elif side.verdict == "invalid":
        side.message = (err or out).strip()[-400:]
    if side.verdict == "valid" and main:
        code, out, err = _run(
            [str(venv / "pipelex"), "run", "bundle", str(target), "--dry-run", "--mock-inputs"], env
        )
        tail = [ln for ln in (out + err).splitlines() if ln.strip()]
        side.dry_run = "ok" if code == 0 else f"failed: {' | '.join(tail[-3:])[:400]}"
        if (inputs := _inputs_file(target)) is not None:
            side.dry_run_inputs, side.dry_run_inputs_code = _dry_run(
                [str(venv / "pipelex"), "run", "bundle", str(target), "--dry-run", "-i", str(inputs)], env
            )
    return side


def run_ours(target: Path, main: bool, known: Side | None = None) -> Side:
    """Our verdict on ``target`` (``known`` as for :func:`run_peer`)."""
    exe = ROOT / ".venv" / "bin" / "pipelex"
    env = clean_env()
    if known is not None:
        side = Side(**{**asdict(known), "dry_run_inputs": "", "dry_run_inputs_code": ""})
        if side.verdict == "valid" and main and (inputs := _inputs_file(target)) is not None:
            side.dry_run_inputs, side.dry_run_inputs_code = _dry_run(
                [str(exe), "run", "bundle", str(target), "--dry-run", "-i", str(inputs)], env
            )
        return side
    code, out, err = _run([str(exe), "validate", "bundle", str(target), "--format", "json"], env)
    side = Side()
    report = _json_in(out)
    if report is None:
        side.verdict = "error" if code not in (0, 1) else "invalid"
        side.message = (err or out).strip()[-400:]
        return side
    errors = [e for e in report.get("errors", []) if e.get("severity", "error") == "error"]
    side.verdict = "invalid"
    if report.get("is_valid"):
        side.verdict = "valid" if report.get("is_runnable", True) else "not_runnable"
    else:
        side.codes = [str(e.get("error_type", "?")) for e in errors]
        side.pipes = [str(e["pipe"]) for e in errors if e.get("pipe")]
        side.message = str(errors[0].get("message", ""))[:400] if errors else ""
    if side.verdict == "valid" and main:
        code, out, err = _run([str(exe), "run", "bundle", str(target), "--dry-run", "--mock-inputs"], env)
        tail = [ln for ln in (out + err).splitlines() if ln.strip()]
        side.dry_run = "ok" if code == 0 else f"failed: {' | '.join(tail[-3:])[:400]}"
        if (inputs := _inputs_file(target)) is not None:
            side.dry_run_inputs, side.dry_run_inputs_code = _dry_run(
                [str(exe), "run", "bundle", str(target), "--dry-run", "-i", str(inputs)], env
            )
    return side


def run_command(args: list[str], peer: bool) -> Side:
    """A command case's verdict: a ``validate`` read from its JSON report (the reference's ``pipelex-agent``), a
    ``run`` from its exit code and the error code it prints (``valid``: it succeeded)."""
    if peer:
        venv = peer_cache() / "venv" / "bin"
        env = clean_env(peer_cache() / "home")
        env["COLUMNS"] = "300"
        exe = venv / ("pipelex-agent" if args[0] == "validate" else "pipelex")
    else:
        env = clean_env()
        exe = ROOT / ".venv" / "bin" / "pipelex"
    side = Side()
    if args[0] == "run":
        outcome, side.dry_run_inputs_code = _dry_run([str(exe), *args], env)
        side.verdict = "valid" if outcome == "ok" else "invalid"
        side.codes = [side.dry_run_inputs_code] if side.dry_run_inputs_code else []
        side.message = outcome[:400]
        return side
    code, out, err = _run([str(exe), *args, "--format", "json"], env)
    doc = _json_in(out) if code == 0 else (_json_in(err) or _json_in(out))
    side.verdict = "error" if code < 0 else "valid" if code == 0 else "invalid"
    if doc is not None and side.verdict == "invalid":
        for problem in doc.get("errors") or []:
            if problem.get("severity", "error") != "error":
                continue
            side.codes.append(str(problem.get("code") or problem.get("error_type") or "?"))
            pipe = problem.get("pipe") or (problem.get("location") or {}).get("pipe")
            if pipe:
                side.pipes.append(str(pipe))
        first = (doc.get("errors") or [{}])[0]
        side.message = str(doc.get("message") or first.get("message") or doc.get("detail") or "")[:400]
    elif side.verdict == "invalid":
        side.message = (err or out).strip()[-400:]
    return side


def commands_main(args: argparse.Namespace) -> int:
    """``--commands``: every command case on both CLIs (the reference's side kept while its files are unchanged)."""
    stored: dict[str, dict[str, Any]] = {}
    if args.out.exists():
        stored = {row["name"]: row for row in json.loads(args.out.read_text())}
    rows = dict(stored)
    todo = {n: c for n, c in command_cases().items() if not args.only or any(w in n for w in args.only)}

    def one(name: str) -> None:
        files, argv = todo[name]
        root = (args.folder / name).resolve()
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        line = [part.replace("{root}", str(root)) for part in argv]
        blob = "\0".join(f"{rel}\0{body}" for rel, body in sorted(files.items())) + "\0" + " ".join(argv)
        digest = hashlib.sha256(blob.encode()).hexdigest()[:16]
        key = f"cmd:{name}"
        old = stored.get(key)
        if old and old["digest"] == digest and (args.ours_only or old["peer"]["verdict"] != "?"):
            peer = Side(**old["peer"])
        else:
            peer = Side() if args.ours_only else run_command(line, peer=True)
        ours = run_command(line, peer=False)
        rows[key] = {"name": key, "digest": digest, "peer": asdict(peer), "ours": asdict(ours)}
        mark = "=" if peer.verdict == ours.verdict else "!"
        print(f"{mark} {key}: ref {peer.verdict} {peer.codes} ours {ours.verdict} {ours.codes}", flush=True)

    with ThreadPoolExecutor(max_workers=max(1, min(args.jobs, 2))) as pool:
        list(pool.map(one, todo))
    args.out.write_text(json.dumps(sorted(rows.values(), key=lambda r: r["name"]), indent=1))
    summary([r for r in rows.values() if r["name"].startswith("cmd:")])
    return 0


def _entry_file(files: dict[str, str]) -> str:
    """The file of a folder case validated alone: ``bundle.mthds``, else the first with a ``main_pipe``."""
    mthds = [rel for rel in files if rel.endswith(".mthds")]
    for rel in mthds:
        if rel.rsplit("/", 1)[-1] == "bundle.mthds" and "/" not in rel:
            return rel
    for rel in mthds:
        if "\nmain_pipe" in "\n" + files[rel]:
            return rel
    return mthds[0]


def _targets(cases: dict[str, str | dict[str, str]]) -> dict[str, tuple[dict[str, str], str]]:
    """Each row's files (relative to the run's folder) and the path validated: one a single-file case, two a
    folder case (the folder, then its entry file alone)."""
    out: dict[str, tuple[dict[str, str], str]] = {}
    for name, case in cases.items():
        if isinstance(case, str):
            out[name] = ({f"{name}.mthds": case}, f"{name}.mthds")
            continue
        files = {f"{name}/{rel}": text for rel, text in case.items()}
        out[name] = (files, name)
        out[f"{name}@file"] = (files, f"{name}/{_entry_file(case)}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--ours-only", action="store_true")
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument(
        "--names-file",
        type=Path,
        help="run exactly the case names listed in this file (one a line), in its order",
    )
    parser.add_argument("--jobs", type=int, default=2, help="reference calls at a time (at most 2)")
    parser.add_argument(
        "--no-dry-run", action="store_true", help="validate only (a dry run doubles the cost)"
    )
    parser.add_argument(
        "--commands", action="store_true", help="the command cases of fidelity_bundles_libs (-L, pipe CODE)"
    )
    args = parser.parse_args(argv)

    args.folder.mkdir(parents=True, exist_ok=True)
    if args.commands:
        return commands_main(args)
    stored: dict[str, dict[str, Any]] = {}
    if args.out.exists():
        stored = {row["name"]: row for row in json.loads(args.out.read_text())}
    targets = _targets(all_cases())
    inputs_of = {**case_inputs(), **valid_case_inputs(), **inputs_case_inputs()}
    names = [n for n in targets if not args.only or any(w in n for w in args.only)]
    if args.names_file:
        wanted = [ln.strip() for ln in args.names_file.read_text().splitlines() if ln.strip()]
        names = [n for n in wanted if n in targets]
    # every mutation once first (on the first base that has it), then the rest: an interrupted run covers every rule
    seen: set[str] = set()
    firsts = [n for n in names if not (n.split("__")[1] in seen or seen.add(n.split("__")[1]))]
    names = firsts + [n for n in names if n not in set(firsts)]
    rows: dict[str, dict[str, Any]] = dict(stored)
    shared: dict[str, tuple[Side, Side]] = {}
    shared_lock = threading.Lock()

    def one(name: str) -> None:
        files, target_rel = targets[name]
        for rel, text in files.items():
            path = args.folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            # a folder case's two rows (the folder, its entry file) run at once: replace each file whole, never
            # truncate one the other row is reading
            if not path.exists() or path.read_text() != text:
                scratch = path.with_name(f".{path.name}.{threading.get_ident()}")
                scratch.write_text(text)
                os.replace(scratch, path)
        target = args.folder / target_rel
        text = files.get(target_rel, "")
        if (
            len(files) == 1 and target_rel in files
        ):  # a single-file case: its text's digest (as stored before)
            digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        else:
            blob = "\0".join(f"{rel}\0{body}" for rel, body in sorted(files.items())) + f"\0{target_rel}"
            digest = hashlib.sha256(blob.encode()).hexdigest()[:16]
        if name in inputs_of:
            target.with_suffix(".inputs.json").write_text(inputs_of[name])
            digest = hashlib.sha256((text + inputs_of[name]).encode()).hexdigest()[:16]
        has_main = "\nmain_pipe" in "\n" + text and not args.no_dry_run
        old = stored.get(name)
        # a single-file case whose text another case has (the same bundle, another inputs file): its verdict and
        # mock dry run are taken once per run, only the dry run with the inputs file is run for each case
        shared_key = (
            hashlib.sha256(text.encode()).hexdigest() if len(files) == 1 and name in inputs_of else None
        )
        with shared_lock:
            known_peer, known_ours = shared.get(shared_key, (None, None)) if shared_key else (None, None)
        if old and old["digest"] == digest and (args.ours_only or old["peer"]["verdict"] != "?"):
            peer = Side(**{"dry_run_inputs": "", **old["peer"]})
        elif args.ours_only:
            peer = Side()
        else:
            peer = run_peer(target, has_main, known_peer)
        ours = run_ours(target, has_main, known_ours)
        if shared_key and peer.verdict != "?":
            with shared_lock:
                shared.setdefault(shared_key, (peer, ours))
        rows[name] = {"name": name, "digest": digest, "peer": asdict(peer), "ours": asdict(ours)}
        mark = "=" if peer.verdict == ours.verdict else "!"
        print(f"{mark} {name}: ref {peer.verdict} {peer.codes} ours {ours.verdict} {ours.codes}", flush=True)

    with ThreadPoolExecutor(max_workers=max(1, min(args.jobs, 2))) as pool:
        for number, _ in enumerate(pool.map(one, names), 1):
            if number % 2 == 0:
                args.out.write_text(json.dumps(sorted(rows.values(), key=lambda r: r["name"]), indent=1))
    args.out.write_text(json.dumps(sorted(rows.values(), key=lambda r: r["name"]), indent=1))
    summary(list(rows.values()))
    return 0


def _codes(codes: list[str]) -> set[str]:
    """Our error types in the reference's vocabulary (``method.*``), as ``pipelex.api.codes`` maps them."""
    from pipelex.api.codes import ERROR_TYPE_CODES

    return {ERROR_TYPE_CODES.get(code, code) for code in codes}


def summary(rows: list[dict[str, Any]]) -> None:
    both = [r for r in rows if r["peer"]["verdict"] != "?"]
    same = [r for r in both if r["peer"]["verdict"] == r["ours"]["verdict"]]
    dry = [r for r in same if r["peer"]["dry_run"] and r["ours"]["dry_run"]]
    dry_same = [r for r in dry if (r["peer"]["dry_run"] == "ok") == (r["ours"]["dry_run"] == "ok")]
    print(f"cases: {len(both)}; same verdict: {len(same)}; different: {len(both) - len(same)}")
    print(
        f"valid for both: {sum(r['ours']['verdict'] == 'valid' for r in same)}; dry runs compared: {len(dry)}; "
        f"same outcome: {len(dry_same)}"
    )
    for r in sorted(both, key=lambda r: r["name"]):
        if r not in same:
            print(
                f"DIFF {r['name']}: ref {r['peer']['verdict']} {r['peer']['codes']} {r['peer']['pipes']} "
                f"| ours {r['ours']['verdict']} {r['ours']['codes']} {r['ours']['pipes']}"
            )
            print(f"    ref: {r['peer']['message'][:300]}")
            print(f"    ours: {r['ours']['message'][:300]}")
    coded = [r for r in same if r["ours"]["verdict"] == "invalid" and r["peer"]["codes"]]
    code_diff = [r for r in coded if not _codes(r["ours"]["codes"]) & set(r["peer"]["codes"])]
    print(
        f"invalid for both with the reference's codes: {len(coded)}; none of ours among them: {len(code_diff)}"
    )
    for r in sorted(code_diff, key=lambda r: r["name"]):
        print(
            f"CODE {r['name']}: ref {r['peer']['codes']} {r['peer']['pipes']} | ours {r['ours']['codes']} {r['ours']['pipes']}"
        )
        print(f"    ref: {r['peer']['message'][:300]}")
        print(f"    ours: {r['ours']['message'][:300]}")
    for r in dry:
        if r not in dry_same:
            print(f"DRY {r['name']}: ref {r['peer']['dry_run'][:300]} | ours {r['ours']['dry_run'][:300]}")
    given = [r for r in same if r["peer"].get("dry_run_inputs") and r["ours"].get("dry_run_inputs")]
    given_diff = [
        r for r in given if (r["peer"]["dry_run_inputs"] == "ok") != (r["ours"]["dry_run_inputs"] == "ok")
    ]
    print(f"dry runs with an inputs file compared: {len(given)}; different outcome: {len(given_diff)}")
    for r in given_diff:
        print(
            f"DRY-I {r['name']}: ref {r['peer']['dry_run_inputs'][:300]} | ours {r['ours']['dry_run_inputs'][:300]}"
        )
    failed = [r for r in given if r not in given_diff and r["peer"]["dry_run_inputs"] != "ok"]
    coded = [
        r for r in failed if r["peer"].get("dry_run_inputs_code") and r["ours"].get("dry_run_inputs_code")
    ]
    code_diff = [r for r in coded if r["peer"]["dry_run_inputs_code"] != r["ours"]["dry_run_inputs_code"]]
    print(
        f"failed for both with an inputs file: {len(failed)}; both coded: {len(coded)}; "
        f"different code: {len(code_diff)}"
    )
    for r in code_diff:
        print(
            f"CODE-I {r['name']}: ref {r['peer']['dry_run_inputs_code']} | ours {r['ours']['dry_run_inputs_code']}: "
            f"{r['ours']['dry_run_inputs'][:200]}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
