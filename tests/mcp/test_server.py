"""``pipelex mcp serve`` end to end: the official MCP SDK's client starts the server over stdio and calls its tools."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pipelex.diagnostics import ErrorType
from pipelex.testing.fake_provider import FakeProvider
from pipelex.validation.error_guide import explanation_of, known_error_types
from tests.timing import STARTUP_S

mcp = pytest.importorskip("mcp")
pytestmark = pytest.mark.slow  # every test starts the server as a subprocess
from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402
from mcp.types import TextContent, TextResourceContents  # noqa: E402

GREETING = """
domain = "greetings"
description = "Writes a greeting card"
main_pipe = "write_card"

[concept.Card]
description = "A greeting card"

[concept.Card.structure]
title = { type = "text", description = "The card's title" }
message = { type = "text", description = "The message inside" }

[pipe.write_card]
type = "PipeSequence"
description = "Drafts, then titles a card"
inputs = { occasion = "Text", recipient = "Text" }
output = "Card"
steps = [
  { pipe = "draft", result = "draft" },
  { pipe = "make_card", result = "card" },
]

[pipe.draft]
type = "PipeLLM"
description = "Drafts the message"
inputs = { occasion = "Text", recipient = "Text" }
output = "Text"
prompt = "Write a short card message to $recipient for $occasion."

[pipe.make_card]
type = "PipeLLM"
description = "Turns the draft into a card"
inputs = { draft = "Text" }
output = "Card"
prompt = '''
Give this card a title and a message:
@draft
'''
"""

# `tone` is used by the prompt but not declared: a missing_input_variable on the pipe's line
BROKEN = GREETING.replace("for $occasion.", "for $occasion in a $tone tone.")


def _params(tmp_path: Path, env: dict[str, str] | None = None) -> StdioServerParameters:
    # the SDK starts the server with a minimal environment: PYTHONPATH is handed on, so a checkout run with another
    # checkout's interpreter (PYTHONPATH=<worktree>) serves its own code
    path = {"PYTHONPATH": os.environ["PYTHONPATH"]} if os.environ.get("PYTHONPATH") else {}
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "pipelex.cli.main", "mcp", "serve"],
        env={**path, **(env or {})},
        cwd=str(tmp_path),
    )


def _first_text(blocks: Sequence[object]) -> str:
    """The text of the first block of a tool result or a resource, which must be text."""
    first = blocks[0]
    assert isinstance(first, TextContent | TextResourceContents), first
    return first.text


def _data(result: Any) -> Any:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        content = result.structured_content
        return content["result"] if set(content) == {"result"} else content
    return json.loads(_first_text(result.content))


async def test_the_tools_an_agent_needs_are_listed(tmp_path: Path) -> None:
    async with Client(_params(tmp_path)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert {
            "validate_bundle",
            "dry_run",
            "run_live",
            "inputs_template",
            "list_pipes",
            "list_concepts",
            "list_models",
            "explain_error",
        } <= set(tools)
        assert "mthds" in tools["validate_bundle"].input_schema["properties"]
        assert all(tool.description for tool in tools.values())


async def test_validate_answers_the_diagnostics(tmp_path: Path) -> None:
    async with Client(_params(tmp_path)) as client:
        valid = _data(await client.call_tool("validate_bundle", {"mthds": GREETING}))
        assert valid["is_valid"] is True
        assert {p["pipe_ref"] for p in valid["validated_pipes"]} >= {
            "greetings.write_card",
            "greetings.draft",
        }
        bundle = tmp_path / "card.mthds"
        bundle.write_text(BROKEN)
        invalid = _data(await client.call_tool("validate_bundle", {"path": str(bundle)}))
        assert invalid["is_valid"] is False
        [error] = [e for e in invalid["errors"] if e["error_type"] == "missing_input_variable"]
        assert error["pipe"] == "draft" and error["file"] == str(bundle) and error["line"] is not None
        assert "tone" in error["message"]
        explained = _data(await client.call_tool("explain_error", {"error_type": error["error_type"]}))
        assert explained["error_type"] == "missing_input_variable" and explained["fix"]


async def test_an_unreadable_bundle_and_a_bad_call_are_clear(tmp_path: Path) -> None:
    async with Client(_params(tmp_path)) as client:
        missing = _data(await client.call_tool("validate_bundle", {"path": str(tmp_path / "nope.mthds")}))
        assert missing["is_valid"] is False and missing["errors"][0]["error_type"] == "file_unreadable"
        both = await client.call_tool("validate_bundle", {"mthds": GREETING, "path": "x.mthds"})
        assert both.is_error and "not both" in _first_text(both.content)
        unknown = await client.call_tool("explain_error", {"error_type": "no_such_error"})
        assert unknown.is_error and "missing_input_variable" in _first_text(unknown.content)
        bad_pipe = await client.call_tool("dry_run", {"mthds": GREETING, "pipe": "no_such_pipe"})
        assert bad_pipe.is_error and "draft" in _first_text(bad_pipe.content)


async def test_a_device_or_the_whole_file_system_is_refused_not_read(tmp_path: Path) -> None:
    """`path = /dev/zero` read forever (memory growing) and `library_dirs = ["/"]` walked the whole disk until a
    bare PermissionError: the MCP tools take any path their client sends, so the loader refuses them itself."""
    bundle = tmp_path / "card.mthds"
    bundle.write_text(GREETING)
    os.mkfifo(tmp_path / "pipe.mthds")
    async with Client(_params(tmp_path)) as client:
        for path, expected in (
            ("/dev/zero", "not a regular file"),
            (str(tmp_path / "pipe.mthds"), "not a regular file"),
            (
                "/proc/self/environ",
                "lies in /proc, a system folder",
            ),  # a regular file: the server's environment
        ):
            answer = _data(await asyncio.wait_for(client.call_tool("validate_bundle", {"path": path}), 30))
            assert answer["is_valid"] is False and expected in answer["errors"][0]["message"], answer
        for folders in (["/"], ["/proc/self"], [str(tmp_path / ".." / ".." / ".." / ".." / "..")]):
            result = await asyncio.wait_for(
                client.call_tool("list_pipes", {"path": str(bundle), "library_dirs": folders}), 30
            )
            assert result.is_error and "refusing to search it for bundles" in _first_text(result.content)


async def test_a_path_holding_a_nul_byte_is_a_clear_error(tmp_path: Path) -> None:
    """Twelfth hostile pass: a `path` or a `library_dirs` entry holding a NUL byte (JSON carries it as `\\u0000`)
    raised a bare ValueError in the loader: the client got "Error executing tool validate_bundle", no reason, and
    the server logged a traceback. The loader (every caller's) now says the path cannot hold one."""
    bundle = tmp_path / "card.mthds"
    bundle.write_text(GREETING)
    async with Client(_params(tmp_path)) as client:
        report = _data(await client.call_tool("validate_bundle", {"path": f"{bundle}\x00.txt"}))
        assert report["is_valid"] is False and "NUL" in report["errors"][0]["message"], report
        for tool, arguments in (
            ("list_pipes", {"path": str(bundle), "library_dirs": [f"{tmp_path}\x00"]}),
            ("dry_run", {"path": f"{bundle}\x00", "mock_inputs": True}),
        ):
            result = await client.call_tool(tool, arguments)
            assert result.is_error and "cannot hold a NUL character" in _first_text(result.content), result


async def test_hostile_arguments_get_clear_bounded_errors(tmp_path: Path) -> None:
    """Fourteenth hostile pass. A `path` or a `library_dirs` entry too long for the file system raised a bare OSError
    (`File name too long`): the agent got "Error executing tool list_pipes", no reason, and the server logged a
    traceback. `list_pipes`, `list_concepts` and `inputs_template` of a bundle that does not parse answered an empty
    list (or "the bundle has no main_pipe"), where `dry_run` names the problem. An error quoting a 1 MB input name or
    error type answered all of it (the outputs are cut at 200,000 characters; errors were not)."""
    async with Client(_params(tmp_path)) as client:
        for tool, arguments in (
            ("list_pipes", {"path": "a" * 100_000}),
            ("dry_run", {"path": f"{tmp_path}/{'b' * 300}.mthds"}),
            ("list_pipes", {"mthds": GREETING, "library_dirs": ["c" * 5_000]}),
        ):
            result = await client.call_tool(tool, arguments)
            text = _first_text(result.content)
            assert result.is_error and "too long" in text and len(text) < 1_000, text[:300]
        for tool in ("list_pipes", "list_concepts", "inputs_template"):
            result = await client.call_tool(tool, {"mthds": "[[["})
            assert result.is_error and "toml_syntax" in _first_text(result.content), result
        for tool, arguments in (
            ("explain_error", {"error_type": "x" * 1_000_000}),
            ("dry_run", {"mthds": GREETING, "inputs": {"k" * 1_000_000: "x"}}),
        ):
            result = await client.call_tool(tool, arguments)
            assert result.is_error and len(_first_text(result.content)) < 25_000


async def test_inputs_template_then_dry_run(tmp_path: Path) -> None:
    async with Client(_params(tmp_path)) as client:
        template = _data(await client.call_tool("inputs_template", {"mthds": GREETING}))
        assert template["pipe"] == "greetings.write_card"
        assert {k for k in template["inputs"] if not k.startswith("//")} == {"occasion", "recipient"}
        run = _data(  # the template as it is runs: its notes are ignored
            await client.call_tool(
                "dry_run", {"mthds": GREETING, "inputs": template["inputs"], "mock_inputs": False}
            )
        )
        assert run["run_mode"] == "dry" and run["pipe_code"] == "write_card"
        assert set(run["main_stuff"]) == {"title", "message"}
        assert run["graph"]["pipe_runs"] == 3 and run["graph"]["failed"] == []
        assert "usage" not in run
        pipes = _data(await client.call_tool("list_pipes", {"mthds": GREETING}))
        assert {p["pipe"]: p["type"] for p in pipes}["greetings.draft"] == "PipeLLM"
        concepts = _data(await client.call_tool("list_concepts", {"mthds": GREETING}))
        assert [c["concept"] for c in concepts] == ["greetings.Card"]


async def test_a_missing_input_is_told_in_the_tools_terms(tmp_path: Path) -> None:
    async with Client(_params(tmp_path)) as client:
        answer = await client.call_tool("dry_run", {"mthds": GREETING, "inputs": {}, "mock_inputs": False})
        assert answer.is_error
        text = _first_text(answer.content)
        assert "needs the input(s)" in text and "`inputs` argument" in text and "mock_inputs" in text
        assert "-i " not in text and "--mock-inputs" not in text  # the CLI's flags mean nothing to an agent


async def test_a_live_run_without_a_provider_is_told_in_the_tools_terms(tmp_path: Path) -> None:
    """Robustness pass (robust16): `run_live` with no provider key told the agent to "run with --dry-run", a CLI
    flag; a bundle without `main_pipe` to give `--pipe CODE / pipe_code=...`. Each names the tool's own terms."""
    async with Client(_params(tmp_path)) as client:  # the server's environment holds no provider key
        answer = await client.call_tool(
            "run_live", {"mthds": GREETING, "inputs": {"occasion": "a birthday", "recipient": "Ana"}}
        )
        text = _first_text(answer.content)
        assert answer.is_error and "OPENAI_API_KEY" in text and "call the `dry_run` tool" in text, text
        assert "--dry-run" not in text
        no_main = await client.call_tool(
            "dry_run", {"mthds": GREETING.replace('main_pipe = "write_card"', "")}
        )
        text = _first_text(no_main.content)
        assert no_main.is_error and "in the tool's `pipe` argument" in text and "--pipe" not in text, text


async def test_arguments_a_tool_does_not_take_or_of_the_wrong_type_are_named(tmp_path: Path) -> None:
    """Robustness pass (robust16): an argument a tool does not take was ignored, so a misspelt `inptus` dry-ran on
    mocked inputs and `run_live` with `mock_inputs` ran as if it were not there; an argument of the wrong type was
    answered pydantic's report (`1 validation error for dry_runArguments ... https://errors.pydantic.dev/...`); no
    bundle at all was told "... not both"."""
    async with Client(_params(tmp_path)) as client:
        misspelt = await client.call_tool(
            "dry_run", {"mthds": GREETING, "inptus": {"occasion": "a birthday"}}
        )
        text = _first_text(misspelt.content)
        assert misspelt.is_error and "`dry_run` takes no argument `inptus`" in text and "inputs" in text, text
        live_mocks = await client.call_tool("run_live", {"mthds": GREETING, "mock_inputs": True})
        assert live_mocks.is_error and "no argument `mock_inputs`" in _first_text(live_mocks.content)
        for arguments, words in (
            (
                {"mthds": GREETING, "inputs": "occasion=birthday"},
                "`inputs` is a string, but it takes an object",
            ),
            ({"mthds": GREETING, "library_dirs": "lib"}, "`library_dirs` is a string, but it takes an array"),
            ({"mthds": GREETING, "pipe": 3}, "`pipe` is a number, but it takes a string"),
        ):
            wrong = await client.call_tool("dry_run", arguments)
            text = _first_text(wrong.content)
            assert wrong.is_error and words in text and "pydantic" not in text, text
        missing = await client.call_tool("explain_error", {})
        assert missing.is_error and "`error_type` is required" in _first_text(missing.content)
        nothing = await client.call_tool("dry_run", {})
        text = _first_text(nothing.content)
        assert nothing.is_error and "give the bundle" in text and "not both" not in text, text
        assert _data(
            await client.call_tool("list_pipes", {"mthds": GREETING})
        )  # the right arguments still work


async def test_a_malformed_config_file_is_named_by_every_tool_that_reads_it(tmp_path: Path) -> None:
    """Robustness pass (robust16): with a pipelex.toml whose value is out of range in the server's folder,
    `validate_bundle` and `list_models` answered "Error executing tool validate_bundle", no reason (the server logged
    a traceback); `dry_run` named the file and the key."""
    (tmp_path / "pipelex.toml").write_text("[limits]\nrun_workers = 0\n")
    async with Client(_params(tmp_path)) as client:
        for tool, arguments in (
            ("validate_bundle", {"mthds": GREETING}),
            ("list_models", {}),
            ("dry_run", {"mthds": GREETING}),
        ):
            answer = await client.call_tool(tool, arguments)
            text = _first_text(answer.content)
            assert answer.is_error and "pipelex.toml" in text and "limits.run_workers" in text, (tool, text)


async def test_run_live_calls_the_provider_and_reports_usage(tmp_path: Path) -> None:
    with FakeProvider() as fake:
        async with Client(_params(tmp_path, fake.env())) as session:
            run = _data(
                await session.call_tool(
                    "run_live", {"mthds": GREETING, "inputs": {"occasion": "a birthday", "recipient": "Ana"}}
                )
            )
    assert run["run_mode"] == "live" and set(run["main_stuff"]) == {"title", "message"}
    assert run["usage"]["calls"] == 2 and fake.total_calls == 2


async def test_resources_hold_the_guide_and_the_error_catalogue(tmp_path: Path) -> None:
    async with Client(_params(tmp_path)) as client:
        uris = {str(r.uri) for r in (await client.list_resources()).resources}
        assert {"pipelex://guide/language", "pipelex://guide/errors"} <= uris
        catalogue = json.loads(_first_text((await client.read_resource("pipelex://guide/errors")).contents))
        assert {entry["error_type"] for entry in catalogue} == set(known_error_types())
        guide = _first_text((await client.read_resource("pipelex://guide/language")).contents)
        assert guide.strip()


def test_every_error_type_is_explained() -> None:
    for error_type in ErrorType:
        explanation = explanation_of(error_type.value)
        assert explanation is not None, f"no explanation for {error_type.value}: add it to error_guide.py"
        assert explanation.meaning.endswith(".") and explanation.fix


def test_the_port_is_checked_by_the_cli() -> None:
    from pipelex.cli.main import main

    with pytest.raises(SystemExit) as exit_info:  # argparse's usage error, as for every port of the CLI
        main(["mcp", "serve", "--http", "--port", "99999"])
    assert exit_info.value.code == 2
    assert main(["mcp", "serve", "--port", "9000"]) == 2  # stdio has no port: it was silently ignored


def _start_http_server(tmp_path: Path, token: str | None) -> tuple[Any, int]:
    """``pipelex mcp serve --http`` in a process of its own (``token``: its PIPELEX_MCP_TOKEN, None: unset), once it
    accepts connections; stderr goes to ``tmp_path / "stderr"``."""
    import socket
    import subprocess
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "PIPELEX_MCP_TOKEN"}
    if token is not None:
        env["PIPELEX_MCP_TOKEN"] = token
    with (tmp_path / "stderr").open("w") as stderr:  # the child holds its own descriptor
        server = subprocess.Popen(
            [sys.executable, "-m", "pipelex.cli.main", "mcp", "serve", "--http", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    deadline = time.monotonic() + STARTUP_S
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server, port
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise AssertionError("the MCP server did not start") from None
            time.sleep(0.2)


async def test_streamable_http_on_loopback(tmp_path: Path) -> None:
    """``pipelex mcp serve --http``: the same tools over streamable HTTP, bound to 127.0.0.1, for a client holding
    the server's token."""
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    server, port = _start_http_server(tmp_path, "t0ken-of-this-test")
    try:
        headers = {"Authorization": "Bearer t0ken-of-this-test"}
        async with httpx2.AsyncClient(
            headers=headers, timeout=60
        ) as http:  # a client we give is ours to close
            transport = streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)
            async with Client(transport) as client:
                report = _data(
                    await client.call_tool("validate_bundle", {"mthds": GREETING, "static_only": True})
                )
        assert report["is_valid"] is True
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_over_http_a_call_without_the_token_is_refused(tmp_path: Path) -> None:
    """Loopback is every local user's and process's: without a token any of them could call ``run_live`` on a
    bundle whose PipeFunc runs any Python function as the user who started the server. A request without the
    token, or with another, is a 401 before the MCP app reads it; with no PIPELEX_MCP_TOKEN the server makes one
    and prints it on stderr."""
    import httpx

    server, port = _start_http_server(tmp_path, None)
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        headers = {"Accept": "application/json, text/event-stream"}
        for auth in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic eDp5"}):
            answer = httpx.post(url, json=call, headers={**headers, **auth}, timeout=30)
            assert answer.status_code == 401, answer.text
            assert answer.headers["www-authenticate"] == "Bearer" and "PIPELEX_MCP_TOKEN" in answer.text
        printed = (tmp_path / "stderr").read_text()
        token = printed.split("Bearer ", 1)[1].split("`", 1)[0]
        assert len(token) >= 32
        allowed = httpx.post(
            url, json=call, headers={**headers, "Authorization": f"Bearer {token}"}, timeout=30
        )
        assert allowed.status_code != 401
    finally:
        server.terminate()
        server.wait(timeout=20)
