"""Robustness probes of the non-CLI channels: the runner API over HTTP, the MCP server (stdio), the Python API.

Each probe sends one piece of bad input (a field of the wrong type, shape, size or encoding; a missing or extra
field; an odd bundle: broken TOML, a byte-order mark, UTF-16, empty; inputs of each concept kind in wrong shapes;
dry/live/mock flags mixed; a live run with no provider key; an unknown pipe) and checks the answer against the
robustness rule: a clear error naming the field, pipe or file and how to fix it, in the channel's own terms, never a
traceback, a 5xx for the caller's fault, pydantic's report, or another channel's flags. The concurrency and
interruption probes (cancels racing on one run id, a client dropped mid-run) are in ``--lifecycle``.

    .venv/bin/python benchmarks/robust_channels.py                 # every channel, a line per probe, a summary
    .venv/bin/python benchmarks/robust_channels.py --channel mcp   # api | mcp | python
    .venv/bin/python benchmarks/robust_channels.py --lifecycle     # + cancels and a dropped client (API, live
                                                                   #   on the fake provider)

The servers bind 127.0.0.1 on free ports and are stopped at the end; no provider key is read (the live probes
expect the "no provider" answer, or run on the fake provider of ``pipelex.testing``). Exit status 1 when a probe
fails the rule. Findings and fixes: docs/api.md, "Robustness of the API, MCP and Python channels".
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BUNDLE = """domain = "demo"
main_pipe = "summarize"

[concept.Note]
description = "A note"

[concept.Note.structure]
title = { type = "text", description = "t", required = true }
count = { type = "integer", description = "c" }

[pipe.summarize]
type = "PipeLLM"
description = "Summarize"
inputs = { text = "Text" }
output = "Text"
prompt = "Summarize: $text"

[pipe.note_title]
type = "PipeCompose"
description = "The note's title"
inputs = { note = "Note" }
output = "Text"
template = "$note.title"

[pipe.describe]
type = "PipeLLM"
description = "Describe a picture"
inputs = { pic = "Image" }
output = "Text"
prompt = "Describe $pic"
"""
NO_MAIN = BUNDLE.replace('main_pipe = "summarize"\n', "")

# what no answer may hold: a traceback, pydantic's own report, a CLI flag on another channel
LEAKS = ("Traceback", "errors.pydantic.dev", "valid dictionary or object", "[type=")
CLI_FLAGS = ("--dry-run", "--pipe ", "--mock-inputs", " -i ")


class Probes:
    """The probes of one channel: each answer is checked and printed; ``failures`` counts those breaking the rule."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.count = 0
        self.failures: list[str] = []

    def check(
        self, name: str, text: str, *, expect: tuple[str, ...] = (), ok: bool = False, fault: str = ""
    ) -> None:
        """``text``: the answer; ``expect``: words it must hold; ``ok``: the probe expects a success."""
        self.count += 1
        problems = [f"holds {leak!r}" for leak in LEAKS if leak in text]
        if self.channel != "cli":
            problems += [f"names the CLI's {flag.strip()!r}" for flag in CLI_FLAGS if flag in text]
        problems += [f"does not say {word!r}" for word in expect if word not in text]
        if fault:
            problems.append(fault)
        verdict = "FAIL" if problems else "ok"
        print(f"{verdict:4} {self.channel:6} {name:34} {text[:150].replace(chr(10), ' | ')}")
        for problem in problems:
            print(f"{'':12}-> {problem}")
        if problems:
            self.failures.append(f"{self.channel}: {name}: {'; '.join(problems)}")


# ------------------------------------------------------------------------------------------------------------ API


def _serve(app: Any) -> tuple[Any, threading.Thread, str]:
    import uvicorn

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


def probe_api(probes: Probes) -> None:
    import httpx

    from pipelex.api.app import create_app
    from pipelex.config.settings import PipelexConfig

    server, thread, url = _serve(create_app(PipelexConfig(), api_key=None))
    try:
        with httpx.Client(base_url=url, timeout=120) as http:

            def send(
                name: str,
                body: Any = None,
                *,
                raw: bytes | None = None,
                ctype: str = "application/json",
                path: str = "/v1/execute",
                expect: tuple[str, ...] = (),
                status: int = 422,
            ) -> None:
                if raw is not None:
                    answer = http.post(path, content=raw, headers={"content-type": ctype})
                else:
                    answer = http.post(path, json=body)
                fault = (
                    "" if answer.status_code == status else f"status {answer.status_code}, expected {status}"
                )
                try:
                    data = answer.json()
                except ValueError:
                    data = {"detail": answer.text}
                text = str(data.get("detail") or "") if answer.status_code >= 400 else json.dumps(data)[:200]
                probes.check(name, text, expect=expect, ok=status < 400, fault=fault)

            one = {"mthds_contents": [BUNDLE]}
            send("dry run", {**one, "inputs": {"text": "hi"}, "dry_run": True}, status=200)
            send(
                "live, no provider key",
                {**one, "inputs": {"text": "hi"}},
                status=503,
                expect=("OPENAI_API_KEY", '"dry_run": true'),
            )
            send("mock_inputs without dry_run", {**one, "mock_inputs": True}, expect=('"dry_run": true',))
            send(
                "no main_pipe",
                {"mthds_contents": [NO_MAIN], "dry_run": True, "mock_inputs": True},
                expect=('"pipe_code"',),
            )
            send("unknown pipe", {**one, "pipe_code": "zz", "dry_run": True}, expect=("summarize",))
            send("pipe_code a number", {**one, "pipe_code": 3, "dry_run": True}, expect=("body.pipe_code",))
            send("pipe_code past 256", {**one, "pipe_code": "x" * 100_000, "dry_run": True}, expect=("256",))
            send("inputs an array", {**one, "inputs": [1], "dry_run": True}, expect=("body.inputs",))
            send("missing input", {**one, "dry_run": True}, expect=('"inputs"', '"mock_inputs"'))
            send("unknown input", {**one, "inputs": {"txt": "x"}, "dry_run": True}, expect=("'txt'", "text"))
            send("null input", {**one, "inputs": {"text": None}, "dry_run": True}, expect=("'text'",))
            send(
                "text given an object",
                {**one, "inputs": {"text": {"a": 1}}, "dry_run": True},
                expect=("explicit form",),
            )
            send(
                "structure missing field",
                {**one, "pipe_code": "note_title", "inputs": {"note": {"count": 2}}, "dry_run": True},
                expect=("'title' is required",),
            )
            send(
                "structure field wrong type",
                {
                    **one,
                    "pipe_code": "note_title",
                    "inputs": {"note": {"title": "t", "count": "two"}},
                    "dry_run": True,
                },
                expect=("'count'",),
            )
            send(
                "structure as a string",
                {**one, "pipe_code": "note_title", "inputs": {"note": "t"}, "dry_run": True},
                expect=("object of its fields",),
            )
            send(
                "image a number",
                {**one, "pipe_code": "describe", "inputs": {"pic": 3}, "dry_run": True},
                expect=("'pic'",),
            )
            send(
                "image a server path",
                {**one, "pipe_code": "describe", "inputs": {"pic": {"url": "/etc/passwd"}}, "dry_run": True},
                expect=("data URL",),
            )
            send("empty bundle", {"mthds_contents": [""], "dry_run": True}, expect=("errors",))
            send("broken TOML", {"mthds_contents": ["[[["], "dry_run": True}, expect=("errors",))
            send(
                "bundle with a BOM",
                {"mthds_contents": ["\ufeff" + BUNDLE], "dry_run": True},
                expect=("errors",),
            )
            utf16 = base64.b64encode(BUNDLE.encode("utf-16")).decode()
            send(
                "files entry in UTF-16",
                {"files": {"a.mthds": {"base64": utf16}}, "dry_run": True},
                expect=("UTF-16", "save it as UTF-8"),
            )
            send("files and mthds_contents", {"files": {"a.mthds": BUNDLE}, **one}, expect=("not both",))
            send("no method", {"dry_run": True}, expect=("names no method",))
            send("misspelt field", {**one, "dry_rnu": True}, expect=("body.dry_rnu",))
            send("dry_run a string", {**one, "dry_run": "true"}, expect=("body.dry_run",))
            send("body not JSON", raw=b"{not", expect=("not valid JSON",))
            send("body a JSON array", raw=b"[1]", expect=("an array, not a JSON object",))
            send("body null", raw=b"null", expect=("null, not a JSON object",))
            send(
                "JSON sent as a form",
                raw=b'{"dry_run": true}',
                ctype="application/x-www-form-urlencoded",
                expect=("Content-Type: application/json",),
            )
            send("body in Latin-1", raw='{"mthds_contents": ["é"]}'.encode("latin-1"), expect=("UTF-8",))
            send(
                "unsupported output_name",
                {**one, "dry_run": True, "output_name": "x"},
                expect=("output_name",),
            )
            send(
                "validate: render a string",
                {**one, "render": "markdown"},
                path="/v1/validate",
                expect=("body.render",),
            )
            send(
                "pipe-io: unknown pipe",
                {"files": {"a.mthds": BUNDLE}, "pipe_ref": "nope"},
                path="/v1/pipe-io",
                expect=("nope",),
            )
            for name, route, status in (
                ("unknown run", "/v1/runs/nope", 404),
                ("run id past 64", "/v1/runs/" + "x" * 500 + "/status", 422),
            ):
                answer = http.get(route)
                fault = "" if answer.status_code == status else f"status {answer.status_code}"
                probes.check(name, str(answer.json().get("detail")), fault=fault)
    finally:
        server.should_exit = True
        thread.join(timeout=60)


def probe_lifecycle(probes: Probes) -> None:
    """Cancels racing on one run id, results read while it closes, a client dropped mid-``/execute``."""
    import httpx

    from pipelex.testing.fake_provider import FakeProvider

    with FakeProvider() as fake:
        os.environ.update(fake.env())
        from pipelex.api.app import create_app
        from pipelex.config.settings import PipelexConfig

        server, thread, url = _serve(create_app(PipelexConfig(), api_key=None))
        try:
            with httpx.Client(base_url=url, timeout=60) as http:
                fake.hold()
                run_id = http.post(
                    "/v1/start", json={"mthds_contents": [BUNDLE], "inputs": {"text": "hi"}}
                ).json()["pipeline_run_id"]
                answers: list[httpx.Response] = []

                def cancel() -> None:
                    with httpx.Client(base_url=url, timeout=60) as own:
                        answers.append(own.post(f"/v1/runs/{run_id}/cancel"))

                racing = [threading.Thread(target=cancel) for _ in range(6)]
                for racer in racing:
                    racer.start()
                for racer in racing:
                    racer.join()
                statuses = sorted(a.status_code for a in answers)
                fault = "" if set(statuses) <= {200, 409} and 200 in statuses else f"statuses {statuses}"
                probes.check("6 cancels racing on one run", str(statuses), fault=fault)
                status = http.get(f"/v1/runs/{run_id}/status").json()["status"]
                probes.check(
                    "status after the cancels", status, fault="" if status == "CANCELLED" else status
                )
                results = http.get(f"/v1/runs/{run_id}/results")
                probes.check(
                    "results of the cancelled run", str(results.json().get("detail")), expect=("cancel",)
                )
                fake.release()

                async def drop() -> None:
                    fake.hold()
                    async with httpx.AsyncClient(base_url=url, timeout=60) as own:
                        task = asyncio.create_task(
                            own.post(
                                "/v1/execute", json={"mthds_contents": [BUNDLE], "inputs": {"text": "hi"}}
                            )
                        )
                        while fake.total_calls == 0:  # the run is in its provider call
                            await asyncio.sleep(0.05)
                        task.cancel()
                        await asyncio.gather(task, return_exceptions=True)
                    fake.release()

                asyncio.run(drop())
                health = http.get("/health")
                after = http.post("/v1/execute", json={"mthds_contents": [BUNDLE], "inputs": {"text": "hi"}})
                probes.check(
                    "serving after a dropped client",
                    f"{health.status_code} {after.status_code}",
                    fault="" if (health.status_code, after.status_code) == (200, 200) else "not serving",
                )
        finally:
            server.should_exit = True
            thread.join(timeout=60)


# ------------------------------------------------------------------------------------------------------------ MCP


def probe_mcp(probes: Probes) -> None:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters
    from mcp.types import TextContent

    with tempfile.TemporaryDirectory() as folder:
        files = Path(folder)
        (files / "bom.mthds").write_bytes(b"\xef\xbb\xbf" + BUNDLE.encode())
        (files / "utf16.mthds").write_bytes(BUNDLE.encode("utf-16"))
        (files / "latin1.mthds").write_bytes(BUNDLE.replace("Summarize", "Résumé").encode("latin-1"))
        (files / "empty.mthds").write_bytes(b"")
        path = {"PYTHONPATH": os.environ["PYTHONPATH"]} if os.environ.get("PYTHONPATH") else {}
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "pipelex.cli.main", "mcp", "serve"], env=path, cwd=folder
        )
        cases: list[tuple[str, str, dict[str, Any], tuple[str, ...], bool]] = [
            ("dry run", "dry_run", {"mthds": BUNDLE, "inputs": {"text": "x"}}, (), True),
            (
                "inputs a string",
                "dry_run",
                {"mthds": BUNDLE, "inputs": "x"},
                ("`inputs` is a string",),
                False,
            ),
            (
                "library_dirs a string",
                "dry_run",
                {"mthds": BUNDLE, "library_dirs": "lib"},
                ("`library_dirs`",),
                False,
            ),
            ("pipe a number", "dry_run", {"mthds": BUNDLE, "pipe": 3}, ("`pipe`",), False),
            ("misspelt argument", "dry_run", {"mthds": BUNDLE, "inptus": {}}, ("`inptus`",), False),
            (
                "run_live given mock_inputs",
                "run_live",
                {"mthds": BUNDLE, "mock_inputs": True},
                ("`mock_inputs`",),
                False,
            ),
            ("no bundle", "dry_run", {}, ("give the bundle",), False),
            ("both bundle forms", "dry_run", {"mthds": BUNDLE, "path": "x.mthds"}, ("not both",), False),
            (
                "wrong input type",
                "dry_run",
                {"mthds": BUNDLE, "inputs": {"text": 3}, "mock_inputs": False},
                ("'text'",),
                False,
            ),
            ("unknown input", "dry_run", {"mthds": BUNDLE, "inputs": {"txt": "x"}}, ("'txt'",), False),
            (
                "missing input",
                "dry_run",
                {"mthds": BUNDLE, "mock_inputs": False},
                ("`inputs` argument",),
                False,
            ),
            ("unknown pipe", "dry_run", {"mthds": BUNDLE, "pipe": "zz"}, ("summarize",), False),
            ("no main_pipe", "dry_run", {"mthds": NO_MAIN}, ("`pipe` argument",), False),
            ("broken TOML", "dry_run", {"mthds": "[[["}, ("toml_syntax",), False),
            ("text with a BOM", "dry_run", {"mthds": "\ufeff" + BUNDLE}, ("byte-order mark",), False),
            ("file with a BOM", "dry_run", {"path": str(files / "bom.mthds")}, ("byte-order mark",), False),
            ("file in UTF-16", "dry_run", {"path": str(files / "utf16.mthds")}, ("UTF-16",), False),
            ("file in Latin-1", "dry_run", {"path": str(files / "latin1.mthds")}, ("UTF-8",), False),
            ("empty file", "dry_run", {"path": str(files / "empty.mthds")}, ("empty",), False),
            ("a folder as path", "dry_run", {"path": folder}, ("library_dirs",), False),
            ("no such file", "dry_run", {"path": str(files / "nope.mthds")}, ("no such file",), False),
            (
                "live, no provider key",
                "run_live",
                {"mthds": BUNDLE, "inputs": {"text": "x"}},
                ("OPENAI_API_KEY", "`dry_run` tool"),
                False,
            ),
            ("template: no main_pipe", "inputs_template", {"mthds": NO_MAIN}, ("`pipe` argument",), False),
            ("explain: no error_type", "explain_error", {}, ("`error_type` is required",), False),
        ]

        async def run() -> None:
            async with Client(params) as client:
                for name, tool, arguments, words, success in cases:
                    answer = await client.call_tool(tool, arguments)
                    block = answer.content[0] if answer.content else None
                    text = block.text if isinstance(block, TextContent) else str(answer.structured_content)
                    fault = "" if answer.is_error is not success else ("an error" if success else "no error")
                    probes.check(name, text, expect=words, ok=success, fault=fault)
                (files / "pipelex.toml").write_text("[limits]\nrun_workers = 0\n")
            async with Client(params) as client:  # a malformed config in the server's folder
                for tool, arguments in (("validate_bundle", {"mthds": BUNDLE}), ("list_models", {})):
                    answer = await client.call_tool(tool, arguments)
                    block = answer.content[0] if answer.content else None
                    text = block.text if isinstance(block, TextContent) else ""
                    probes.check(f"bad pipelex.toml: {tool}", text, expect=("limits.run_workers",))

        asyncio.run(run())


# ------------------------------------------------------------------------------------------------------------ Python


def probe_python(probes: Probes) -> None:
    from pipelex import PipelexRunner, PipeRunMode

    def attempt(name: str, make: Callable[[], Any], expect: tuple[str, ...] = ()) -> None:
        try:
            result = make()
            if asyncio.iscoroutine(result):
                result = asyncio.run(result)
            probes.check(name, f"ran: {type(result).__name__}", fault="no error" if expect else "")
        except Exception as exc:  # noqa: BLE001 - every error is checked
            fault = (
                ""
                if type(exc).__module__.startswith("pipelex") or isinstance(exc, TypeError | ValueError)
                else (f"a bare {type(exc).__name__}")
            )
            probes.check(name, f"{type(exc).__name__}: {exc}", expect=expect, fault=fault)

    dry = PipeRunMode.DRY
    # what a program may pass that its types do not allow (read from its own config or JSON)
    wrong: dict[str, Any] = {"str": "x", "int keys": {1: "x"}, "int": 3, "dry": "dry", "DRY": "DRY"}
    wrong["bytes"] = BUNDLE.encode()
    attempt(
        "live, no provider key",
        lambda: PipelexRunner(mthds_content=BUNDLE).execute_pipeline({"text": "x"}),
        ("OPENAI_API_KEY", "pipe_run_mode=PipeRunMode.DRY"),
    )
    attempt(
        "mock inputs in a live run",
        lambda: PipelexRunner(mthds_content=BUNDLE).execute_pipeline(mock_inputs=True),
        ("pipe_run_mode=PipeRunMode.DRY",),
    )
    attempt(
        "inputs a string",
        lambda: PipelexRunner(mthds_content=BUNDLE, pipe_run_mode=dry).execute_pipeline(wrong["str"]),
        ("give a dict",),
    )
    attempt(
        "inputs keyed by numbers",
        lambda: PipelexRunner(mthds_content=BUNDLE, pipe_run_mode=dry).execute_pipeline(wrong["int keys"]),
        ("not a string",),
    )
    attempt(
        "pipe_code a number",
        lambda: PipelexRunner(mthds_content=BUNDLE, pipe_run_mode=dry).execute_pipeline({}, wrong["int"]),
        ("pipe_code=",),
    )
    attempt(
        "no main_pipe",
        lambda: PipelexRunner(mthds_content=NO_MAIN, pipe_run_mode=dry).execute_pipeline({}),
        ("pipe_code=",),
    )
    attempt(
        "missing input",
        lambda: PipelexRunner(mthds_content=BUNDLE, pipe_run_mode=dry).execute_pipeline({}),
        ("mock_inputs=True",),
    )
    attempt(
        "pipe_run_mode 'dry'",
        lambda: PipelexRunner(mthds_content=BUNDLE, pipe_run_mode=wrong["dry"]).execute_pipeline(
            {"text": "x"}
        ),
    )
    attempt(
        "pipe_run_mode 'DRY'",
        lambda: PipelexRunner(mthds_content=BUNDLE, pipe_run_mode=wrong["DRY"]),
        ("PipeRunMode.LIVE",),
    )
    attempt("mthds_content bytes", lambda: PipelexRunner(mthds_content=wrong["bytes"]), (".decode",))
    attempt(
        "no bundle at all", lambda: PipelexRunner(pipe_run_mode=dry).execute_pipeline({}), ("bundle_uri",)
    )
    attempt(
        "broken TOML",
        lambda: PipelexRunner(mthds_content="[[[", pipe_run_mode=dry).execute_pipeline({}),
        ("toml_syntax",),
    )
    with tempfile.TemporaryDirectory() as folder:
        utf16 = Path(folder) / "utf16.mthds"
        utf16.write_bytes(BUNDLE.encode("utf-16"))
        attempt(
            "file in UTF-16",
            lambda: PipelexRunner(utf16, pipe_run_mode=dry).execute_pipeline({}),
            ("UTF-16",),
        )
        attempt(
            "library_dirs one folder",
            lambda: PipelexRunner(library_dirs=folder, pipe_run_mode=dry).load(),
            ("UTF-16",),
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--channel", choices=["api", "mcp", "python"], action="append")
    parser.add_argument("--lifecycle", action="store_true", help="also race cancels and drop a client (API)")
    args = parser.parse_args()
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"):
        os.environ.pop(name, None)
    channels = args.channel or ["api", "mcp", "python"]
    all_probes: list[Probes] = []
    for channel in channels:
        probes = Probes(channel)
        {"api": probe_api, "mcp": probe_mcp, "python": probe_python}[channel](probes)
        all_probes.append(probes)
    if args.lifecycle:
        probes = Probes("api")
        probe_lifecycle(probes)
        all_probes.append(probes)
    total = sum(p.count for p in all_probes)
    failures = [f for p in all_probes for f in p.failures]
    print(f"\n{total} probes, {len(failures)} failing the rule")
    for failure in failures:
        print(f"  {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
