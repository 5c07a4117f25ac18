"""``pipelex mcp serve``: an MCP server so AI agents (Claude Code, Cursor, ...) validate and run bundles they write.

Built on the official ``mcp`` Python SDK (``MCPServer``). Tools take a bundle either as text (``mthds``) or as a
path (``path``, a ``.mthds`` file), plus library folders; they answer structured JSON:

- ``validate_bundle``: the validation report (every diagnostic with its error type, file, line, pipe, field)
- ``dry_run``: a dry run (mocked leaves, mocked missing inputs by default): main output, memory, graph summary
- ``run_live``: a live run (provider keys from the server's environment): output, usage and cost
- ``inputs_template``: an inputs JSON template for a pipe
- ``list_pipes`` / ``list_concepts`` / ``list_models``: what a library or the model deck holds
- ``explain_error``: what an error type means and how to fix it

Resources: the language guide and the error catalogue. The server acts with the rights of the user who starts
it, like the CLI: it reads the files the agent names and runs its bundles' PipeFuncs. Over HTTP it binds 127.0.0.1
only and answers only requests carrying its token (``Authorization: Bearer <token>``, :data:`TOKEN_ENV` or one made
at start): loopback is shared by every local user and process, and a tool call may run any Python function.
"""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp.server import MCPServer

    from pipelex.language.library import Library

TOKEN_ENV = "PIPELEX_MCP_TOKEN"
MAX_ANSWER_CHARS = 200_000  # an agent's context is precious: bigger outputs are cut, with a marker
MAX_ERROR_CHARS = (
    20_000  # a tool's error message: every diagnostic of a sizeable bundle, not a 1 MB input name
)
GUIDE_PATH = Path(__file__).resolve().parents[2] / "docs" / "language.md"

INSTRUCTIONS = (
    "pipelex validates, dry-runs and runs MTHDS bundles (.mthds TOML files declaring concepts and pipes). "
    "Write a bundle, call validate_bundle until it is valid (each error names its type, line, pipe and field; "
    "explain_error tells how to fix a type), get its inputs with inputs_template, dry_run it (free), then "
    "run_live it (calls AI providers, costs money). Give a bundle as `mthds` (its text) or `path` (a file)."
)


class McpToolError(Exception):
    """A tool could not do what it was asked; the message says why and what to do."""


def _sources(mthds: str, path: str, library_dirs: list[str]) -> tuple[list[Path], list[str]]:
    if bool(mthds) == bool(path):
        raise McpToolError(
            "give the bundle either as `mthds` (its TOML text) or as `path` (a .mthds file), not both"
            if mthds
            else "give the bundle: `mthds` (its TOML text, not empty) or `path` (a .mthds file)"
        )
    paths = [Path(d) for d in library_dirs]
    if path:
        bundle = Path(path)
        try:
            is_dir = bundle.is_dir()
        except (
            OSError,
            ValueError,
        ) as exc:  # a name too long for the file system, a NUL (the loader says which)
            if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
                raise McpToolError(
                    f"`path` {_shown(path)}: the name is too long for the file system; give the path of a .mthds file"
                ) from None
            is_dir = False
        if is_dir:
            raise McpToolError(
                f"{path} is a folder: give a .mthds file as `path`, and folders as `library_dirs`"
            )
        paths.append(bundle)
    return paths, [mthds] if mthds else []


def _shown(text: str) -> str:
    """A caller's text as a message quotes it: ``repr`` (escapes written out), cut past 100 characters."""
    return repr(text if len(text) <= 100 else text[:97] + "...")


def _message(exc: Exception) -> str:
    """An error's message as a tool answers it, cut at the answer budget (a message quoting a caller's 1 MB input
    name or pipe name would fill an agent's context)."""
    text = str(exc)
    if len(text) <= MAX_ERROR_CHARS:
        return text
    return text[:MAX_ERROR_CHARS] + f"... (cut: the message holds {len(text)} characters)"


def _loaded(library: Library) -> Library:
    """``library``, unless a bundle of it could not be loaded: a listing that silently left out a bundle that does
    not parse (an empty list for a broken bundle) tells an agent the wrong thing; the CLI's `show` warns."""
    from pipelex.diagnostics import Severity
    from pipelex.errors import BundleInvalidError

    problems = [d for d in library.diagnostics if d.severity is Severity.ERROR]
    if problems:
        raise BundleInvalidError(problems)
    return library


def _load(mthds: str, path: str, library_dirs: list[str]) -> Library:
    from pipelex.language.library import build_library
    from pipelex.language.loader import load_library

    paths, texts = _sources(mthds, path, library_dirs)
    sources: list[tuple[str, str | None]] = [(text, f"<bundle {i + 1}>") for i, text in enumerate(texts)]
    if not paths:
        return build_library(sources)
    if not sources:
        return load_library(paths)
    from pipelex.language.loader import find_bundle_files, read_bundle_text

    for root in paths:
        sources.extend((read_bundle_text(file), str(file)) for file in find_bundle_files(root))
    return build_library(sources)


def _cut(data: Any) -> Any:
    """``data``, or a marker saying it was cut when its JSON is over the answer budget."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    if len(text) <= MAX_ANSWER_CHARS:
        return data
    return {
        "truncated": True,
        "size_chars": len(text),
        "head": text[:MAX_ANSWER_CHARS],
        "note": "the value is larger than an MCP answer should be: run it with the CLI to get every file",
    }


def _graph_summary(graph: Any) -> dict[str, Any]:
    failed = [n.pipe_code for n in graph.nodes if n.status == "failed"]
    return {
        "pipe_runs": len(graph.nodes),
        "failed": failed,
        "pipes": sorted({f"{n.pipe_code} ({n.pipe_type})" for n in graph.nodes})[:200],
    }


async def _run(
    mthds: str,
    path: str,
    library_dirs: list[str],
    pipe: str | None,
    inputs: dict[str, Any] | None,
    *,
    dry: bool,
    mock_inputs: bool,
) -> dict[str, Any]:
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner

    paths, texts = _sources(mthds, path, library_dirs)
    bundle = paths.pop() if path else None
    runner = PipelexRunner(
        bundle_uri=bundle,
        mthds_content=texts or None,
        library_dirs=list(paths),
        pipe_run_mode=PipeRunMode.DRY if dry else PipeRunMode.LIVE,
        backend="direct",
        inputs_hint="in the tool's `inputs` argument, or call dry_run with `mock_inputs` true to mock them",
        dry_run_hint="call the `dry_run` tool instead of `run_live`",
        pipe_hint="in the tool's `pipe` argument",
    )
    base_dir = bundle.parent if bundle is not None else None
    output = await runner.execute_pipeline(
        inputs or {}, pipe, mock_inputs=mock_inputs and dry, inputs_base_dir=base_dir
    )
    answer: dict[str, Any] = {
        "pipeline_run_id": output.pipeline_run_id,
        "pipe_code": output.pipe_code,
        "run_mode": output.run_mode.value,
        "main_stuff": _cut(output.main_stuff_json()),
        "working_memory": _cut(output.working_memory.to_json()),
        "graph": _graph_summary(output.graph),
    }
    if not dry:
        answer["usage"] = output.usage.to_json()
    return answer


def build_server() -> MCPServer:
    """The MCP server with pipelex's tools and resources (transport chosen by :func:`serve`)."""
    from mcp.server.mcpserver.exceptions import ToolError

    from pipelex.errors import PipelexError
    from pipelex.version import __version__

    server = _server_class()("pipelex", version=__version__, instructions=INSTRUCTIONS)

    def fail(exc: Exception) -> ToolError:
        return ToolError(_message(exc))

    @server.tool()
    def validate_bundle(
        mthds: str = "",
        path: str = "",
        library_dirs: list[str] | None = None,
        static_only: bool = False,
        allow_signatures: bool = False,
    ) -> dict[str, Any]:
        """Validate a bundle (text in `mthds`, or a .mthds file in `path`) with its library folders.

        Answers the validation report: is_valid, and every error and warning with its error_type, message (with
        a fix), file, line, pipe and field. `static_only` skips the dry-run sweep of every pipe.
        """
        from pipelex.boot import Pipelex
        from pipelex.config.deck import deck_for
        from pipelex.diagnostics import Diagnostic, ErrorType
        from pipelex.errors import BundleLoadError
        from pipelex.validation.report import ValidationReport, validate_library

        try:
            library = _load(mthds, path, library_dirs or [])
        except BundleLoadError as exc:
            unreadable = Diagnostic(
                error_type=ErrorType.FILE_UNREADABLE, message=str(exc), file=exc.file, line=exc.line
            )
            return ValidationReport(
                is_valid=False,
                is_runnable=False,
                bundle_path=path or None,
                total_pipes=0,
                validated_pipes=[],
                errors=[unreadable],
                warnings=[],
                dry_run_sweep=False,
            ).to_json()
        except (McpToolError, PipelexError) as exc:
            raise fail(exc) from exc
        config = Pipelex.config()
        report = validate_library(
            library,
            deck_for(config),
            settings=config.run_settings(),
            run_sweep=not static_only,
            allow_signatures=allow_signatures,
            bundle_path=path or None,
            allowed_to_fail=frozenset(config.dry_run.allowed_to_fail_pipes),
        )
        return report.to_json()

    @server.tool()
    async def dry_run(
        mthds: str = "",
        path: str = "",
        library_dirs: list[str] | None = None,
        pipe: str | None = None,
        inputs: dict[str, Any] | None = None,
        mock_inputs: bool = True,
    ) -> dict[str, Any]:
        """Dry-run a pipe (default: the bundle's main_pipe): every AI leaf is mocked, nothing is paid.

        `inputs` maps input names to values (text, numbers, or objects of the concept's fields); with
        `mock_inputs` (default) the missing ones are mocked. Answers the main output, the working memory and a
        summary of the execution graph.
        """
        try:
            return await _run(
                mthds, path, library_dirs or [], pipe, inputs, dry=True, mock_inputs=mock_inputs
            )
        except (McpToolError, PipelexError) as exc:
            raise fail(exc) from exc

    @server.tool()
    async def run_live(
        mthds: str = "",
        path: str = "",
        library_dirs: list[str] | None = None,
        pipe: str | None = None,
        inputs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Run a pipe live: AI leaves call the providers configured on this machine (this costs money).

        Give every input in `inputs`. Answers the main output, the working memory, a graph summary and the
        usage (tokens and cost by model). A missing provider key is reported before anything runs.
        """
        try:
            return await _run(mthds, path, library_dirs or [], pipe, inputs, dry=False, mock_inputs=False)
        except (McpToolError, PipelexError) as exc:
            raise fail(exc) from exc

    @server.tool()
    def inputs_template(
        mthds: str = "", path: str = "", library_dirs: list[str] | None = None, pipe: str | None = None
    ) -> dict[str, Any]:
        """An inputs JSON template for a pipe (default: main_pipe): every input with a value of its concept's shape.

        Fill it in and pass it as `inputs` to dry_run or run_live (keys starting with `//` are notes: optional
        inputs, list sizes; they are ignored).
        """
        from pipelex.memory.templates import inputs_template as template_of

        try:
            library = _loaded(_load(mthds, path, library_dirs or []))
            entry = library.resolve_pipe(pipe) if pipe else library.main_pipe
            if entry is None:
                known = ", ".join(p.code for p in library.pipes.values())
                raise McpToolError(
                    f"no pipe {pipe!r} in the bundle; its pipes: {known}"
                    if pipe
                    else f"the bundle has no main_pipe: name the pipe in the tool's `pipe` argument; its pipes: {known}"
                )
            template = template_of(entry, library)
        except (McpToolError, PipelexError) as exc:
            raise fail(exc) from exc
        return {"pipe": entry.ref, "inputs": template}

    @server.tool()
    def list_pipes(
        mthds: str = "", path: str = "", library_dirs: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """The pipes of a bundle or library: reference, type, description, inputs and output."""
        try:
            library = _loaded(_load(mthds, path, library_dirs or []))
        except (McpToolError, PipelexError) as exc:
            raise fail(exc) from exc
        return [
            {
                "pipe": e.ref,
                "type": e.blueprint.type,
                "description": e.blueprint.description,
                "inputs": dict(e.blueprint.input_specs()),
                "output": e.blueprint.output,
            }
            for e in library.pipes.values()
        ]

    @server.tool()
    def list_concepts(
        mthds: str = "", path: str = "", library_dirs: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """The concepts a bundle or library declares (natives left out): reference and description."""
        try:
            library = _loaded(_load(mthds, path, library_dirs or []))
        except (McpToolError, PipelexError) as exc:
            raise fail(exc) from exc
        return [
            {"concept": c.ref, "description": c.description}
            for c in library.concepts.concepts.values()
            if not c.is_native
        ]

    @server.tool()
    def list_models() -> str:
        """The model deck of this machine: backends, models, aliases, presets and waterfalls by category."""
        from pipelex.boot import Pipelex
        from pipelex.config.deck import deck_for, render_deck

        return render_deck(deck_for(Pipelex.config()))

    @server.tool()
    def explain_error(error_type: str) -> dict[str, Any]:
        """What a validation error type (e.g. `missing_input_variable`) means, and the usual fix."""
        from pipelex.validation.error_guide import explanation_of, known_error_types

        explanation = explanation_of(error_type)
        if explanation is None:
            raise ToolError(
                f"{_shown(error_type)} is not an error type of pipelex; known: {', '.join(known_error_types())}"
            )
        return explanation.model_dump()

    @server.resource(
        "pipelex://guide/language",
        mime_type="text/markdown",
        description="The MTHDS language guide: bundles, concepts, every pipe type, templates, models",
    )
    def language_guide() -> str:
        if GUIDE_PATH.is_file():
            return GUIDE_PATH.read_text(encoding="utf-8")
        return (
            "The language guide ships with the source tree (docs/language.md); this installation has no copy. "
            "Use validate_bundle and explain_error to learn from the diagnostics."
        )

    @server.resource(
        "pipelex://guide/errors",
        mime_type="application/json",
        description="Every validation error type with its meaning and usual fix",
    )
    def error_catalogue() -> str:
        from pipelex.validation.error_guide import all_explanations

        return json.dumps([e.model_dump() for e in all_explanations()], indent=2)

    return server


#: what an argument of the wrong JSON type should be, by pydantic's error type
_SHOULD_BE = {
    "dict_type": "an object",
    "list_type": "an array",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "an integer",
    "int_parsing": "an integer",
}


def _json_kind(value: object) -> str:
    """What a JSON value is, in JSON's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    kinds: dict[type, str] = {
        dict: "an object",
        list: "an array",
        str: "a string",
        int: "a number",
        float: "a number",
    }
    return kinds.get(type(value), "a value")


def _arguments_problem(tool: str, errors: list[Any], known: list[str]) -> str:
    """A tool's arguments that do not fit its input schema, said in the tool's terms: each argument at fault, what it
    is and what it should be (the SDK's own message is pydantic's report, with a link to pydantic's docs)."""
    parts: list[str] = []
    for error in errors[:5]:
        field = ".".join(str(part) for part in error.get("loc", ())) or "arguments"
        kind = str(error.get("type", ""))
        if kind == "missing":
            parts.append(f"`{field}` is required")
        elif kind in _SHOULD_BE:
            parts.append(f"`{field}` is {_json_kind(error.get('input'))}, but it takes {_SHOULD_BE[kind]}")
        else:
            parts.append(f"`{field}`: {error.get('msg', 'invalid')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return (
        f"the arguments of `{tool}` do not fit it: {'; '.join(parts)}{more}. Its arguments: {', '.join(known)} "
        "(see the tool's input schema)"
    )


def _server_class() -> type[MCPServer]:
    """``MCPServer``, checking each call's arguments against the tool's input schema first: an argument the tool does
    not take is refused, naming it (the SDK ignores it: a misspelt `mock_input` or `inptus` silently ran with mocked
    inputs), and arguments of the wrong type get a message in the tool's terms. A pipelex error no tool caught is
    answered with its message."""
    from mcp.server import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
    from pydantic import ValidationError

    from pipelex.errors import PipelexError

    class PipelexMCPServer(MCPServer):
        async def run_stdio_async(self) -> None:
            """The SDK's stdio transport, its input lines bounded (:mod:`pipelex.mcp.stdio`)."""
            from mcp.server.stdio import stdio_server

            from pipelex.boot import Pipelex
            from pipelex.config.settings import ApiConfig
            from pipelex.errors import ConfigError
            from pipelex.mcp.stdio import bounded_stdin

            try:
                limit = Pipelex.config().api.max_body_bytes
            except ConfigError:  # a malformed pipelex.toml: the tools that read it name it
                limit = ApiConfig().max_body_bytes
            with bounded_stdin(limit) as stdin:
                async with stdio_server(stdin=stdin) as (read_stream, write_stream):  # type: ignore[arg-type]
                    await self._lowlevel_server.run(
                        read_stream, write_stream, self._lowlevel_server.create_initialization_options()
                    )

        async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
            schema = next((t.input_schema for t in await self.list_tools() if t.name == name), None)
            known = list((schema or {}).get("properties", {}))
            unknown = [a for a in arguments if a not in known]
            if schema is not None and unknown:
                listed = ", ".join(f"`{_shown(a)[1:-1]}`" for a in unknown[:5])
                raise ToolError(
                    f"`{name}` takes no argument {listed}: remove it or fix its name; its arguments: "
                    f"{', '.join(known) or 'none'}"
                )
            try:
                return await super().call_tool(name, arguments, context)
            except ToolError as exc:
                cause = exc.__cause__
                if isinstance(cause, ValidationError) and not isinstance(exc, UnexpectedToolError):
                    # the caller's arguments did not fit (the SDK logs their field names only, from the cause)
                    raise ToolError(_arguments_problem(name, list(cause.errors()), known)) from cause
                if isinstance(
                    cause, PipelexError
                ):  # raised on purpose, with its how-to (a malformed pipelex.toml
                    # read by validate_bundle or list_models): its message, not the SDK's bare "Error executing tool"
                    raise ToolError(f"Error executing tool {name}: {_message(cause)}") from cause
                raise

    return PipelexMCPServer


def serve(*, http: bool = False, port: int = 8765) -> None:
    """Serve over stdio (the default for agents that start the server) or streamable HTTP on 127.0.0.1."""
    import logging

    # stdout is the protocol channel on stdio: our logs go to stderr only
    from pipelex.logtext import EscapingFormatter, escape_unhandled_records

    logging.basicConfig(level=logging.WARNING, stream=__import__("sys").stderr)
    for handler in logging.getLogger().handlers:  # a tool's error quotes a bundle's text: printed escaped
        handler.setFormatter(EscapingFormatter(logging.BASIC_FORMAT))
    escape_unhandled_records()
    server = build_server()
    if http:
        _serve_http(server, port)
    else:
        server.run("stdio")


def _serve_http(server: MCPServer, port: int) -> None:
    """Streamable HTTP on 127.0.0.1, every request checked for the token first (see the module docstring)."""
    import os
    import secrets
    import sys

    import uvicorn

    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        token = secrets.token_urlsafe(32)
        print(
            f"pipelex mcp serve: give your agent the header `Authorization: Bearer {token}` (a new token at each "
            f"start; set {TOKEN_ENV} to choose it)",
            file=sys.stderr,
            flush=True,
        )
    app = server.streamable_http_app(host="127.0.0.1")  # with the SDK's Host and Origin checks
    from pipelex.boot import Pipelex
    from pipelex.logtext import uvicorn_log_config
    from pipelex.serving import connection_settings

    # connections bounded as under `api serve` ([limits]): any local process, without the token, could hold ~1,000
    # idle or half-open ones and the agent's requests timed out (Too many open files, or no deadline on headers)
    limits = Pipelex.config().limits
    # uvicorn's own records (an exception escaping the app quotes its message) escaped, as under `api serve`
    uvicorn.run(
        BearerGuard(app, token),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        log_config=uvicorn_log_config(),
        **connection_settings(
            limits.max_connections, limits.request_header_seconds, limits.request_idle_seconds
        ),
    )


class BearerGuard:
    """ASGI: answer 401 to an HTTP request without ``Authorization: Bearer <token>`` (compared in constant time),
    before the MCP app reads anything; other scopes (the lifespan) pass through."""

    def __init__(self, app: Any, token: str) -> None:  # noqa: D107
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:  # noqa: D102
        import hmac

        if scope["type"] == "http":
            header = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
            scheme, _, sent = bytes(header).partition(b" ")
            if scheme.lower() != b"bearer" or not hmac.compare_digest(sent.strip(), self.token):
                body = json.dumps(
                    {
                        "error": f"this MCP server needs its token: send `Authorization: Bearer <token>` ({TOKEN_ENV})"
                    }
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"www-authenticate", b"Bearer"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
