"""The commands behind the CLI. Each maps the core's errors to a readable message and an exit code."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Coroutine, Generator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pipelex.cli.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from pipelex.errors import (
    DRY_RUN_FIX,
    BundleInvalidError,
    BundleLoadError,
    ConfigError,
    InputError,
    PipelexError,
    RunError,
    UsageError,
)
from pipelex.narrowing import is_dict, is_sequence

if TYPE_CHECKING:
    from pipelex.diagnostics import Diagnostic
    from pipelex.language.library import Library
    from pipelex.pipes.inline import StopRequest

T = TypeVar("T")


#: how a missing input is given on the command line (the runner's error: "give them <this>")
CLI_INPUTS_HINT = "with -i (a JSON/TOML file or inline JSON), or add --dry-run --mock-inputs to mock them"
CLI_PIPE_HINT = "with --pipe CODE"


def _err(message: str) -> None:
    """The command's error line on stderr. A message of several lines (a provider's error body, a function's
    exception, a document's text it quotes) keeps its breaks, each later line indented under ``error:``, so no text
    a run quotes starts a line of its own that reads as the CLI's (``SUCCESS: ...``, ``note: results in ...``)."""
    from pipelex.redaction import redact

    print(console_line("error", redact(message)), file=sys.stderr)


def console_line(label: str, text: str) -> str:
    """``label: text`` as the console shows it (:func:`console_text`), the later lines of a text of several
    indented under the label: the one shape of the CLI's error, warning and note lines."""
    return f"{label}: " + console_text(text).rstrip("\n").replace("\n", "\n  ")


def console_text(text: str) -> str:
    """``text`` as the console shows it: every control character a terminal would act on, and every bidi override,
    written out visibly (``\\x1b``, ``\\u202e``), line ends and tabs kept (``\\r\\n`` read as a line end).

    What the console prints of a run (its output's preview, an error or a warning quoting a model's answer, a
    document's text or a function's message) is not pipelex's to trust: a prompt-injected model answering
    ``ESC ] 52 ; c ; ...`` wrote to the user's clipboard in terminals that allow it, ``ESC ] 0 ;`` set the window's
    title, ``ESC [ 2 J`` cleared the screen and ``\\r`` printed over a line. The files keep the text as it is.
    """
    shown = text.replace("\r\n", "\n").translate(_controls())
    return shown if shown.isascii() else _surrogates_written_out(shown, "\\u")


def console_json(text: str) -> str:
    """JSON text as the console shows it: the characters :func:`console_text` writes out, written as JSON escapes
    (``\\u009b``, ``\\u202e``), so the text stays the same JSON (they only occur inside its strings: ``json.dumps``
    escapes the other controls itself, but not C1 controls nor bidi overrides when it keeps non-ASCII text); a lone
    surrogate (a file name that is not UTF-8) as text (``\\\\udc9b`` in the JSON), which strict readers take."""
    shown = text.translate(_json_controls())
    return shown if shown.isascii() else _surrogates_written_out(shown, "\\\\u")


def _surrogates_written_out(text: str, prefix: str) -> str:
    """``text`` with each lone surrogate (the bytes of a file name that is not UTF-8, as Python reads them:
    written back raw, 0x9b is an 8-bit CSI, or failing the print on a strict console) written ``prefix`` + its
    four hex digits. Checked apart from the translate table: the table would hold 2,048 more entries to build in
    every command that prints."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(f"{prefix}{ord(ch):04x}" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text


_CONTROL_CODES = (
    *range(0x00, 0x09),
    *range(0x0B, 0x20),
    *range(0x7F, 0xA0),
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
)  # and lone surrogates (:func:`_surrogates_written_out`)


@functools.cache
def _controls() -> dict[int, str]:
    """What :func:`console_text` writes out, and how (a table for ``str.translate``: no regex compiled)."""
    return {code: repr(chr(code))[1:-1] for code in _CONTROL_CODES}


@functools.cache
def _json_controls() -> dict[int, str]:
    """What :func:`console_json` writes out: the controls JSON text may hold raw (not line feeds, tabs or the
    other controls below 0x20, which ``json.dumps`` always escapes, nor blanks between tokens)."""
    return {code: f"\\u{code:04x}" for code in _CONTROL_CODES if code >= 0x7F}


def report_json(data: Any) -> str:
    """``data`` as the indented JSON a command prints, every text in it valid Unicode: a file name that is not UTF-8
    holds lone surrogates (Python's surrogateescape), which ``json.dumps`` writes as ``\\udc9b`` escapes that strict
    JSON readers refuse (a lone surrogate is no character); they are written out as text (``\\udc9b``, what the
    text report shows), so the name still tells its bytes."""
    import json

    return json.dumps(_without_lone_surrogates(data), indent=2)


def _without_lone_surrogates(value: object) -> object:
    if isinstance(value, str):
        return value if value.isascii() else _surrogates_written_out(value, "\\u")
    if is_dict(value):
        return {_without_lone_surrogates(key): _without_lone_surrogates(item) for key, item in value.items()}
    if is_sequence(value):
        return [_without_lone_surrogates(item) for item in value]
    return value


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """A handler living in its own module, imported when the command runs."""

    def handler(args: argparse.Namespace) -> int:
        from importlib import import_module

        return getattr(import_module(module), name)(args)

    return handler


# command groups whose Temporal SDK log records are not routed before the command runs (the others route them
# first, cli/logs.py): ``validate`` never loads the SDK (``validate --temporal`` boots with Temporal enabled, but
# its sweep runs in this process and dispatches nothing), so it skips importing logging; ``run`` routes them once
# it knows where it runs (``_run``: only a run on Temporal loads the SDK)
_LOGS_NOT_ROUTED_FIRST = frozenset({"validate", "run"})


def dispatch(args: argparse.Namespace) -> int:
    """Run the chosen command; never lets a traceback out unless --debug."""
    handlers = {
        ("validate", "bundle"): validate_bundle,
        ("validate", "pipe"): validate_pipe,
        ("run", "bundle"): run_bundle,
        ("run", "pipe"): run_pipe,
        ("build", "inputs"): _lazy("pipelex.cli.build", "build_inputs"),
        ("build", "output"): _lazy("pipelex.cli.build", "build_output"),
        ("graph", "render"): graph_render,
        ("init", None): init_config,
        ("schema", None): schema,
        ("worker", None): worker,
        ("api", "serve"): api_serve,
        ("mcp", "serve"): mcp_serve,
    }
    key = (args.group, getattr(args, "what", None))
    handler = handlers.get(key) or (show if args.group == "show" else None)
    if handler is None:  # pragma: no cover - argparse refuses unknown commands first
        _err(f"unknown command {' '.join(k for k in key if k)}")
        return EXIT_USAGE
    if args.group not in _LOGS_NOT_ROUTED_FIRST:
        _route_logs(args)
    _escape_what_stdout_cannot_encode()
    try:
        return _handle(handler, args)
    finally:
        _release_temporal()


def _escape_what_stdout_cannot_encode() -> None:
    """Characters stdout's encoding lacks (``PYTHONIOENCODING=ascii``, a legacy Windows code page) written as
    ``\\u2014`` escapes, as Python writes them on stderr, instead of a UnicodeEncodeError ending the command
    (``validate`` prints an em dash, a run its output): JSON printed there stays the same JSON."""
    stdout = sys.stdout
    encoding = (getattr(stdout, "encoding", None) or "utf-8").lower().replace("_", "-")
    if encoding not in ("utf-8", "utf8") and getattr(stdout, "errors", "strict") == "strict":
        reconfigure = getattr(stdout, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _route_logs(args: argparse.Namespace) -> None:
    """Send the Temporal SDK's log records to the log file (stderr with --debug): ``cli/logs.py``."""
    from pipelex.cli.logs import configure_logging

    configure_logging(debug=args.debug)


def _release_temporal() -> None:
    """Tear the Temporal SDK's runtime down now, while Python is alive, if this command used it (see
    ``pipelex/backends/temporal/runtime.py``: else its threads can crash the interpreter's finalization)."""
    if "temporalio.runtime" in sys.modules:
        from pipelex.backends.temporal.runtime import shutdown_runtime

        shutdown_runtime()


def _handle(handler: Any, args: argparse.Namespace) -> int:
    try:
        return handler(args)
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except BundleInvalidError as exc:
        print("The bundle does not validate:", file=sys.stderr)
        for diagnostic in exc.diagnostics:
            print(f"  {console_text(diagnostic.render())}", file=sys.stderr)
        return EXIT_FAILED
    except (BundleLoadError, InputError, ConfigError) as exc:
        _err(str(exc))
        _print_notes(exc)
        return EXIT_FAILED
    except RunError as exc:
        _err(f"the run failed: {exc}")
        _print_notes(exc)
        if args.debug:
            _print_traceback()
        return EXIT_FAILED
    except PipelexError as exc:
        _err(str(exc))
        _print_notes(exc)
        return EXIT_FAILED
    except BrokenPipeError:  # the reader went away (e.g. `| head`): not an error of ours
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:
        import errno

        # a write that found no room: a full disk, a user's quota, a file past the size limit
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) or exc.filename is not None:
            return _internal_error(exc, args)
        # stdout's file is on a full disk (`> out.json`): say so, and let the exit's flush of what is left go
        # nowhere rather than fail again with a traceback
        _err(f"the output cannot be written ({exc.strerror}): free some space, or send it to another disk")
        _discard_stdout()
        return EXIT_FAILED
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except RecursionError:  # a structure deeper than every bound we know of: still not a traceback
        if args.debug:
            _print_traceback()
        _err("the data nests too deeply to be processed (objects or lists inside each other): flatten it")
        return EXIT_FAILED
    except Exception as exc:  # a bug of ours: say so plainly
        return _internal_error(exc, args)


def _internal_error(exc: Exception, args: argparse.Namespace) -> int:
    if args.debug:
        _print_traceback()
    _err(f"internal error ({type(exc).__name__}: {exc}); rerun with --debug for the traceback and report it")
    _print_notes(exc)
    return EXIT_FAILED


def _discard_stdout() -> None:
    """What stdout still buffers, dropped: its descriptor now writes to the null device."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (
        OSError,
        ValueError,
        AttributeError,
    ):  # not a real file (a test's StringIO): nothing buffered below
        pass


def _print_traceback() -> None:
    """The traceback of the exception being handled, on stderr (``--debug``)."""
    import traceback

    traceback.print_exc()


def _print_notes(exc: BaseException) -> None:
    """The notes added on the way out (e.g. where a failed run's partial results are)."""
    for note in getattr(exc, "__notes__", []):
        print(console_line("note", note), file=sys.stderr)


# ---------------------------------------------------------------------------------------------------- validate
def _validate(
    paths: list[Path], args: argparse.Namespace, *, only: list[str] | None, bundle_path: str | None
) -> int:
    from pipelex.config.deck import deck_for
    from pipelex.diagnostics import Diagnostic, ErrorType, one_line
    from pipelex.language.loader import load_library
    from pipelex.validation.report import ValidationReport, validate_library

    try:
        library = load_library(paths)
    except BundleLoadError as exc:
        if args.format != "json":
            raise
        unreadable = Diagnostic(
            error_type=ErrorType.FILE_UNREADABLE, message=str(exc), file=exc.file, line=exc.line
        )
        report = ValidationReport(
            is_valid=False,
            is_runnable=False,
            bundle_path=bundle_path,
            total_pipes=0,
            validated_pipes=[],
            errors=[unreadable],
            warnings=[],
            dry_run_sweep=False,
        )
        print(report_json(report.to_json()))
        return EXIT_FAILED
    if getattr(args, "one_command", False):
        # the library lives until the process ends: out of the collector's reach, so a young collection during
        # the checks and the sweep scans only what they make (a 400-step sequence's sweep rescanned its ~18,000
        # objects, 3-5 ms, to free none)
        _settle_gc()
    from pipelex.boot import Pipelex

    config = Pipelex.config()
    if args.temporal and not config.temporal.is_enabled:
        # boot with Temporal enabled, only to show that the CLI sweep still runs in-process
        Pipelex.make(
            config=config.model_copy(
                update={"temporal": config.temporal.model_copy(update={"is_enabled": True})}
            )
        )
        config = Pipelex.config()
    report = validate_library(
        library,
        deck_for(config),
        settings=config.run_settings(),
        run_sweep=not args.static_only,
        allow_signatures=args.allow_signatures,
        bundle_path=bundle_path,
        only=only,
        allowed_to_fail=frozenset(config.dry_run.allowed_to_fail_pipes),
    )
    code_problem = _pipe_code_problem(library, only)
    if code_problem is not None:  # the code validated no one pipe: the report says so, text and JSON alike
        report = report.model_copy(
            update={"is_valid": False, "is_runnable": False, "errors": [*report.errors, code_problem]}
        )
    if args.format == "json":
        print(report_json(report.to_json()))
    else:
        for verdict in report.validated_pipes:
            print(f"  {verdict.status.value:<8} {console_text(verdict.pipe_ref)}")
        for warning in report.warnings:
            print(f"warning: {console_text(warning.render())}")
        for error in report.errors:
            print(f"error: {console_text(error.render())}")
        stages = "parse, schema, references, static checks" + ("" if args.static_only else ", dry-run sweep")
        swept = sum(
            v.status.value == "SUCCESS" or v.error_type == "DryRunError" for v in report.validated_pipes
        )
        if not args.static_only and swept < len(report.validated_pipes):  # say how far the sweep went
            stages += f" ({swept} of {len(report.validated_pipes)} pipe(s) dry-run)"
        from pipelex.language.loader import nested_packages

        for package in (p for path in paths for p in nested_packages(path)):
            shown_package = console_text(one_line(str(package)))
            print(
                f"note: {shown_package} is a separate package (it has its own METHODS.toml): not merged into this "
                f"library; validate it on its own with `pipelex validate bundle {shown_package}`"
            )
        if args.temporal:
            print(
                "note: Temporal is enabled for this boot; the validation sweep ran in-process and dispatched "
                "nothing"
            )
        verdict = "valid" if report.is_valid else f"INVALID ({len(report.errors)} error(s))"
        if report.is_valid and report.pending_signatures:
            verdict += (
                f" but NOT yet runnable ({len(report.pending_signatures)} signature(s) to implement)"
                if not args.allow_signatures
                else f" ({len(report.pending_signatures)} signature(s) accepted by --allow-signatures)"
            )
        shown = (
            console_text(one_line(bundle_path)) if bundle_path else "library"
        )  # a file name holding escapes, line breaks, not UTF-8
        print(f"{shown}: {verdict} — {report.total_pipes} pipe(s); stages: {stages}")
    if code_problem is not None:
        if args.format == "json":  # stdout is the report; a person reads stderr (the text report printed it)
            _err(code_problem.message)
        return EXIT_FAILED
    if not report.is_valid:
        return EXIT_FAILED
    return EXIT_FAILED if report.pending_signatures and not args.allow_signatures else EXIT_OK


def _pipe_code_problem(library: Library, only: list[str] | None) -> Diagnostic | None:
    """Why a code given to ``validate pipe`` validated no one pipe, as an error of the report, or None.

    A code that names no pipe validated nothing: not a success (the report still shows the library's own problems,
    e.g. the TOML error of the file that should have held it). A bare code two domains declare names no one pipe:
    as ``run pipe`` and ``show pipe`` do, it asks for ``domain.code`` (a run of that code is refused too)."""
    from pipelex.diagnostics import Diagnostic, ErrorType

    for code in only or []:
        if code in library.pipes:
            continue
        refs = library.pipe_refs_of_code(code)
        if not refs:
            message = (
                f"no pipe {code!r} in the library (its pipes: {', '.join(sorted(library.pipes)) or 'none'}): "
                "check the code, or the -L paths"
            )
        elif len(refs) > 1:
            message = (
                f"pipe {code!r} names pipes of more than one domain of the library ({', '.join(refs)}): "
                "name the one to validate as domain.code"
            )
        else:
            continue
        return Diagnostic(error_type=ErrorType.UNRESOLVED_PIPE_DEPENDENCY, message=message, pipe=code)
    return None


def _library_paths(args: argparse.Namespace) -> list[Path]:
    """The ``-L`` paths, each checked (a file or a folder, not a system folder)."""
    from pipelex.cli.paths import library_path

    return [library_path(raw) for raw in args.library_dir]


def validate_bundle(args: argparse.Namespace) -> int:
    """``pipelex validate bundle PATH``."""
    from pipelex.cli.paths import library_path

    path = library_path(args.path, "PATH")
    return _validate([*_library_paths(args), path], args, only=None, bundle_path=str(path))


def validate_pipe(args: argparse.Namespace) -> int:
    """``pipelex validate pipe CODE | --all -L DIR``."""
    if not args.library_dir:
        _err("give the library with -L DIR")
        return EXIT_USAGE
    code: str | None = args.code
    if not args.all and not code:
        _err("name a pipe, or pass --all")
        return EXIT_USAGE
    if args.all and code is not None:  # which one was meant? --all validated every pipe, the code ignored
        _err(f"name a pipe ({code!r}) or pass --all, not both")
        return EXIT_USAGE
    return _validate(_library_paths(args), args, only=None if code is None else [code], bundle_path=None)


# ---------------------------------------------------------------------------------------------------- run
def _next_run_dir(base: Path, name: str) -> Path:
    base.mkdir(parents=True, exist_ok=True)
    # the entries ``name_*`` of the folder, listed (a glob compiles its pattern: ~0.3 ms of every run); a folder
    # that cannot be listed but can be written to lists nothing, as the glob did; ``isdecimal``: what ``int`` reads
    # (``isdigit`` also took ``name_²``, which ``int`` refuses)
    prefix = f"{name}_"
    try:
        entries = os.listdir(base)
    except PermissionError:
        entries = []
    numbers = [
        int(entry.rsplit("_", 1)[1])
        for entry in entries
        if entry.startswith(prefix) and entry.rsplit("_", 1)[1].isdecimal()
    ]
    number = (max(numbers) + 1) if numbers else 1
    while True:  # another run into the same folder may take a number between the listing and the mkdir
        run_dir = base / f"{name}_{number:02d}"
        try:
            run_dir.mkdir()
        except FileExistsError:
            number += 1
            continue
        return run_dir


def _is_folder(raw: str) -> bool:
    """True for an existing folder; False otherwise, also for a path the system refuses (a name too long, a
    permission denied on the way): the bundle check that follows names that problem."""
    try:
        return Path(raw).is_dir()
    except OSError:
        return False


def run_bundle(args: argparse.Namespace) -> int:
    """``pipelex run bundle PATH``: a ``.mthds`` file, or a method's folder (its bundles, as ``mthds``' CLI runner
    writes a method's tree and runs it: ``pipelex run bundle DIR [--pipe CODE]``)."""
    if _is_folder(args.path):
        from pipelex.cli import paths

        folder = paths.library_path(args.path, "PATH")
        args.library_dir = [*args.library_dir, str(folder)]
        return _run(args, bundle_uri=None, pipe_code=args.pipe)
    return _run(args, bundle_uri=args.path, pipe_code=args.pipe)


def run_pipe(args: argparse.Namespace) -> int:
    """``pipelex run pipe CODE -L DIR``: a pipe of a library, by code, with the options of ``run bundle``."""
    if not args.library_dir:
        _err(
            f"give the library holding {args.code!r} with -L DIR (a folder of .mthds files, or one .mthds file; "
            "repeatable)"
        )
        return EXIT_USAGE
    return _run(args, bundle_uri=None, pipe_code=args.code)


def _refuse_inline_non_object(value: str) -> None:
    """A UsageError for ``-i`` inline JSON that is not an object (``[...]``, ``"..."``): read as a file name, it was
    "no such inputs file" (unless a file of that name exists: then it is read)."""
    text = value.strip()
    if text[:1] in ("[", '"') and not os.path.lexists(value):
        kind = "a list" if text.startswith("[") else "a string"
        raise UsageError(
            f"-i/--inputs: the inline inputs are {kind}, but they must be a JSON object mapping input names to "
            'values, e.g. {"text": "..."}'
        )


def _run(args: argparse.Namespace, *, bundle_uri: str | None, pipe_code: str | None) -> int:
    from pipelex.cli import paths
    from pipelex.memory.inputs import read_inputs_argument
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner
    from pipelex.record import replace

    if args.mock_inputs and not args.dry_run:
        _err("--mock-inputs requires --dry-run: mocked inputs only make sense in a dry run")
        return EXIT_USAGE
    # every path is checked before any work starts: a run's results are never lost to a bad -o
    bundle = paths.bundle_file(bundle_uri) if bundle_uri is not None else None
    library_dirs = _library_paths(args)
    output_dir = paths.output_dir(args.output_dir)
    # an empty value (`-i "$UNSET"`) is refused as an empty path, never read as "not given"
    memory_raw: str | None = args.working_memory_path
    memory_path = (
        paths.output_file(memory_raw, "--working-memory-path", force=args.force)
        if memory_raw is not None
        else None
    )
    inputs_file = None
    if args.inputs is not None and not args.inputs.strip().startswith("{"):
        _refuse_inline_non_object(args.inputs)
        inputs_file = paths.input_file(
            args.inputs, "-i/--inputs", max_bytes=paths.MAX_INPUTS_FILE_BYTES, what="inputs file"
        )
    if memory_path is not None and memory_raw is not None:
        sources = [*([bundle] if bundle else []), *([inputs_file] if inputs_file else []), *library_dirs]
        paths.refuse_overwriting_a_source(memory_path, "--working-memory-path", memory_raw, sources=sources)
    inputs: dict[str, Any] = {}
    base_dir = None
    if args.inputs is not None:
        inputs, base_dir = read_inputs_argument(args.inputs)
    mode = PipeRunMode.DRY if args.dry_run else PipeRunMode.LIVE
    # a process of its own (one embedding main() keeps its collector as it set it)
    one_command = getattr(args, "one_command", False)
    if one_command:
        _tune_gc_for_a_run()
    runner = PipelexRunner(
        bundle_uri=bundle,
        library_dirs=list(library_dirs),
        pipe_run_mode=mode,
        backend="temporal" if args.temporal else None,
        inputs_hint=CLI_INPUTS_HINT,
        dry_run_hint=DRY_RUN_FIX,
        pipe_hint=CLI_PIPE_HINT,
    )
    if runner.backend.name != "direct":  # a run elsewhere (Temporal) loads an SDK whose records are routed
        _route_logs(args)
    elif mode is PipeRunMode.LIVE:  # a live run logs (its providers, its reads): the records print escaped
        from pipelex.logtext import escape_unhandled_records

        escape_unhandled_records()
    if not args.quiet:
        for notice in runner.backend.notices():  # e.g. where the embedded Temporal server's Web UI is
            print(notice, file=sys.stderr)
    stop = (
        _start_progress(runner, show_cost=mode is PipeRunMode.LIVE)
        if not args.quiet and sys.stderr.isatty()
        else None
    )
    try:
        run = runner.prepare(inputs, pipe_code, mock_inputs=args.mock_inputs, inputs_base_dir=base_dir)
        if one_command:
            _tune_gc_for_a_run()  # again: the library and the inputs just prepared live until the end too
        # a run that waits on nothing (a dry run here) runs without an event loop, on a copy of its memory: if it
        # meets a nested group, it runs again in a loop from the memory as prepared (the same run id)
        inline = runner.backend.runs_inline(run)
        attempt = replace(run, memory=run.memory.fork()) if inline else run

        def again_in_a_loop() -> None:
            nonlocal attempt
            attempt = run

        # once the run has ended, what it made (stuffs, IO records, the graph's records) lives until the end too
        ended = _tune_gc_for_a_run if one_command else None
        output = _run_interruptibly(
            lambda: runner.execute_prepared(attempt, ended=ended), inline=inline, on_loop=again_in_a_loop
        )
    except BaseException as exc:
        if stop is not None:
            stop()
            stop = None
        if runner.failed_output is not None:  # the run started: keep what it did, and say where
            _keep_partial_run(output_dir, runner.failed_output, exc, args)
        raise
    finally:
        if stop is not None:
            stop()
        runner.backend.release()
    for message in output.warnings:
        print(console_line("warning", message), file=sys.stderr)
    try:
        run_dir = _write_run_dir(
            output_dir,
            output,
            graph=args.graph,
            save_main_stuff=args.save_main_stuff,
            save_working_memory=args.save_working_memory,
        )
    except RunError as exc:  # a full disk: the run itself succeeded, and its output was paid for
        _print_unsaved_output(output, exc)
        raise
    main_text = _main_text(output.main_stuff)
    if memory_path is not None:  # the standard's CLI runner reads the working memory from there
        try:
            _write_json(memory_path, _memory_document(output.working_memory), replace=args.force)
        except (OSError, UsageError) as exc:  # a link or a file put there during the run: not written through
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if isinstance(exc, OSError) and memory_path.is_file() and not memory_path.is_symlink():
                memory_path.unlink(
                    missing_ok=True
                )  # half written (a full disk): never read as the memory later
            error = RunError(
                f"the working memory cannot be written to {memory_path} ({reason}); give "
                "another --working-memory-path"
            )
            error.add_note(f"the run succeeded: its results are in {run_dir}")
            raise error from exc
    if not args.quiet:
        nodes = len(output.graph.nodes) + output.graph.folded_nodes
        print(
            f"{output.run_mode.value} run of {output.pipe_code!r}: {nodes} pipe run(s); output in {run_dir}"
        )
        if args.graph:
            print(
                f"execution graph: {run_dir / 'graph.html'} (open it in a browser; also graph.json, graph.mmd)"
            )
        if args.pretty_print:  # --no-pretty-print: the output is in the files only
            if isinstance(main_text, str):
                print(console_text(preview(main_text, full=run_dir / "main_stuff.md")))
            else:
                print(console_text(_preview_json(output, run_dir / "main_stuff.json")))
        _print_costs(output, args)
    return EXIT_OK


def _print_unsaved_output(output: Any, exc: RunError) -> None:
    """A finished run's main output, in full on stdout, when its run folder cannot be written (a full disk, a folder
    removed during the run): else a live run's answer, paid for, was lost with the folder. A note on ``exc`` says
    so (whatever ``-q`` or ``--no-pretty-print`` asked: the files they count on are not there)."""
    main_text = _main_text(output.main_stuff)
    try:
        print(
            console_text(main_text)
            if main_text is not None
            else console_json(_json_text(output.main_stuff_json()))
        )
    except (OSError, ValueError):  # stdout is gone too: nothing more can be kept
        return
    exc.add_note("the run's output is printed above, in full: it could not be saved in the run folder")


PREVIEW_LIMIT = 4000


def preview(text: str, *, full: Path, limit: int = PREVIEW_LIMIT, total: int | None = None) -> str:
    """``text`` as printed after a run: whole when short, else cut at a line (or word) end, saying so and where
    the full output is. ``total``: the full output's size when ``text`` is only its head."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit + 1)
    if cut < limit * 3 // 4:  # no line end near the limit: end at a space, never inside a word or a token
        cut = max(text.rfind(" ", 0, limit + 1), 0) or limit
    return (
        f"{text[:cut].rstrip()}\n… [preview cut at {cut:,} of {total or len(text):,} characters; the full output is "
        f"in {full}]"
    )


#: Seconds a run has, after SIGTERM (or Ctrl-C) asked it to stop, to reach a point where it can stop cleanly
#: (its next leaf, or its next wait in the event loop); past them it is interrupted where it is, as by a second
#: signal (a function computing for minutes never reaches such a point). Its folder is kept either way.
STOP_GRACE_SECONDS = 10.0


def _run_interruptibly(
    make: Callable[[], Coroutine[Any, Any, T]],
    *,
    inline: bool = False,
    on_loop: Callable[[], None] | None = None,
    grace: float = STOP_GRACE_SECONDS,
) -> T:
    """Run the coroutine ``make()`` to its end, where SIGTERM stops the run as Ctrl-C does: the run stops (what it
    did is kept, a Temporal workflow is cancelled too) and the command ends with KeyboardInterrupt (exit 130),
    instead of the process being killed on the spot.

    ``inline``: the run waits on nothing (``Backend.runs_inline``): it runs without an event loop
    (:func:`pipelex.pipes.inline.try_inline`); if it meets a nested group, ``on_loop()`` undoes the attempt and
    a new ``make()`` runs in an event loop. Otherwise it runs in an event loop (``asyncio.run``).

    Signals are honoured where the run can stop cleanly, never by raising from a signal handler wherever the
    main thread happens to be: in a loop, the run's task is cancelled (``loop.add_signal_handler``); inline, the
    run stops when its next leaf is about to start (:class:`pipelex.pipes.inline.StopRequest`). SIGINT is handled
    as ``asyncio.run`` handles it, and stays ignored when the process was started with it ignored (a background
    job of a shell); SIGTERM interrupts in both cases. A second signal cuts the run's clean-up short, and so does
    the first one's ``grace`` running out while the main thread is busy where it cannot stop (a function computing
    in the main thread, which keeps the event loop from ever seeing the signal): KeyboardInterrupt is raised where
    that code is."""
    if inline:
        from pipelex.pipes.inline import InlineNeedsLoop, StopRequest, try_inline

        stop = StopRequest()
        try:
            with _stop_on_signals(stop, grace=grace):
                return try_inline(make(), stop=stop)
        except InlineNeedsLoop:
            if on_loop is not None:
                on_loop()
    return _run_in_a_loop(make(), grace=grace)


class _Escalation:
    """After a first stop request: unless the run ends within ``grace`` seconds, SIGTERM is sent to this process
    again, which the run's handler takes as the second signal (KeyboardInterrupt where the main thread is: Python
    runs signal handlers between byte-codes, even in code that never returns to the event loop). ``finish()``
    when the run ends: a signal sent after it is ignored by the handler, never left to a default handler."""

    def __init__(self, grace: float) -> None:
        import threading

        self.grace = grace
        self.finished = False
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def arm(self) -> None:
        import threading

        with self._lock:
            if self._timer is not None or self.finished:
                return
            self._timer = threading.Timer(self.grace, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        import os
        import signal

        with self._lock:
            if self.finished:
                return
            print(
                f"error: the run did not stop within {self.grace:g} s of the signal; interrupting it where it is",
                file=sys.stderr,
                flush=True,
            )
            os.kill(os.getpid(), signal.SIGTERM)

    def finish(self) -> None:
        with self._lock:
            self.finished = True
            if self._timer is not None:
                self._timer.cancel()


@contextmanager
def _stop_on_signals(stop: StopRequest, *, grace: float = STOP_GRACE_SECONDS) -> Generator[None]:
    """For an inline run (no event loop): the first SIGTERM (and SIGINT, when its handler is Python's default)
    asks the run to stop at its next leaf (``stop.request()``); a second one, or the first one's ``grace``
    running out, raises KeyboardInterrupt at once, as ``asyncio.run`` does on a second Ctrl-C. The previous
    handlers are back when the run ends.

    The handlers are set with ``_signal``, the C module ``signal`` wraps: importing ``signal`` builds its enums
    (~0.35 ms of every dry run, which imports nothing else that needs it); a handler read here is the plain value
    (``SIG_DFL`` is ``0``, not ``Handlers.SIG_DFL``), set back as it was read."""
    import importlib
    import threading

    signal: Any = importlib.import_module("_signal")

    if threading.current_thread() is not threading.main_thread():  # signal handlers live in the main thread
        yield
        return

    escalation = _Escalation(grace)

    def on_signal(signum: int, frame: object) -> None:
        if escalation.finished:
            return
        if stop.requested:
            raise KeyboardInterrupt
        stop.request()
        escalation.arm()

    previous_term = signal.getsignal(signal.SIGTERM)
    previous_int = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGTERM, on_signal)
    # SIGINT ignored (a background job) or set by the caller: kept as it is
    takes_sigint = previous_int is signal.default_int_handler
    if takes_sigint:
        signal.signal(signal.SIGINT, on_signal)
    try:
        yield
    finally:
        escalation.finish()
        signal.signal(signal.SIGTERM, previous_term)
        if takes_sigint:
            signal.signal(signal.SIGINT, previous_int)


def _run_in_a_loop(coro: Coroutine[Any, Any, T], *, grace: float = STOP_GRACE_SECONDS) -> T:
    """``asyncio.run(coro)``, where SIGTERM cancels the run's task inside the event loop (an exception raised from
    a signal handler can leave the loop with tasks that never finish); a second SIGTERM, or the first one's
    ``grace`` running out while the loop never gets to run the cancellation (its thread busy in code that does
    not await), raises KeyboardInterrupt where the main thread is. SIGINT keeps asyncio's own handling.

    The handler is a plain ``signal.signal`` one, not ``loop.add_signal_handler``'s: that one only runs when the
    loop polls, so a busy loop would never arm the grace timer."""
    import asyncio
    import signal
    import threading

    interrupted = False

    async def guarded() -> T:
        nonlocal interrupted
        # signal handlers live in the main thread
        if threading.current_thread() is not threading.main_thread():
            return await coro
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        escalation = _Escalation(grace)

        def on_sigterm(signum: int, frame: object) -> None:
            nonlocal interrupted
            if escalation.finished:
                return
            if interrupted:
                raise KeyboardInterrupt
            interrupted = True
            loop.call_soon_threadsafe(task.cancel)
            escalation.arm()

        previous = signal.signal(signal.SIGTERM, on_sigterm)
        try:
            return await coro
        finally:
            escalation.finish()
            signal.signal(signal.SIGTERM, previous)

    try:
        return asyncio.run(guarded())
    except asyncio.CancelledError:
        if interrupted:
            raise KeyboardInterrupt from None
        raise


def _print_costs(output: Any, args: argparse.Namespace, *, file: Any = None) -> None:
    from pipelex.boot import Pipelex

    show_costs = args.costs if args.costs is not None else Pipelex.config().reporting.is_cost_report_enabled
    if show_costs and output.usage.is_reportable:  # a dry run has nothing to report
        from pipelex.reporting.console import render_cost_table

        print(render_cost_table(output.usage), file=file or sys.stdout)


def _write_run_dir(
    output_dir: Path,
    output: Any,
    *,
    graph: bool,
    error: BaseException | None = None,
    save_main_stuff: bool = True,
    save_working_memory: bool = True,
) -> Path:
    """Write a run's folder: main output, working memory, graph; for a failed run, ``error.json`` and
    ``usage.json`` instead of the main output. A write that fails (a full disk, a folder removed meanwhile) is a :class:`RunError`."""
    run_dir: Path | None = None
    try:
        run_dir = _next_run_dir(output_dir, output.pipe_code)
        if error is None and save_main_stuff:
            main_stuff = output.main_stuff
            content = getattr(main_stuff, "content", None)
            # written from the content models, streamed: a million-item output is never a million dicts here
            _write_json(
                run_dir / "main_stuff.json", content if content is not None else output.main_stuff_json()
            )
            main_text = _main_text(main_stuff)
            if main_text is not None:
                (run_dir / "main_stuff.md").write_text(main_text + "\n", encoding="utf-8")
        elif error is not None:
            failed = [n for n in output.graph.nodes if n.status == "failed"]
            (run_dir / "error.json").write_text(
                _json_text(
                    {
                        "error": str(error) or type(error).__name__,
                        "error_class": type(error).__name__,
                        "error_type": getattr(error, "error_type", None),
                        "pipe_code": getattr(error, "pipe_code", None)
                        or (failed[-1].pipe_code if failed else None),
                        "failed_pipes": [n.pipe_code for n in failed],
                    }
                ),
                encoding="utf-8",
            )
        if save_working_memory or error is not None:
            _write_json(run_dir / "working_memory.json", _memory_document(output.working_memory))
        if error is not None:  # what the failed run cost so far (a finished run prints its cost table)
            (run_dir / "usage.json").write_text(_json_text(output.usage.to_json()), encoding="utf-8")
        if graph:
            from pipelex.tracing.html import write_graph_files
            from pipelex.tracing.mermaid import render_mermaid

            # graph.json complete, also when the graph held here is folded; graph.html embeds the same JSON
            write_graph_files(output.graph, run_dir / "graph.json", run_dir / "graph.html")
            (run_dir / "graph.mmd").write_text(render_mermaid(output.graph), encoding="utf-8")
    except OSError as exc:
        where = run_dir or output_dir
        raise RunError(
            f"the results cannot be written to {where} ({exc.strerror or exc}); {results_write_advice(exc)}"
        ) from exc
    return run_dir


def results_write_advice(exc: OSError) -> str:
    """What to do when a run's results cannot be written, by the system's reason (a full disk is not the only one:
    the folder may have been removed during the run, or be read-only)."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "free some space or give another folder with -o"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return (
            "the folder (or one above it) was removed or replaced during the run; give another folder with -o"
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "the folder cannot be written to; give a writable folder with -o"
    return "give another folder with -o"


def _keep_partial_run(output_dir: Path, partial: Any, exc: BaseException, args: argparse.Namespace) -> None:
    """Save what a failed run did, and tell where (a note on the error, printed with it; or printed now)."""
    try:
        run_dir = _write_run_dir(output_dir, partial, graph=True, error=exc)
    except RunError as write_error:
        note = f"the partial results could not be kept: {write_error}"
    else:
        note = _partial_note(partial, run_dir)
    if isinstance(exc, Exception):
        exc.add_note(note)
    else:  # Ctrl-C: no error line follows
        print(console_line("note", note), file=sys.stderr)
    if not args.quiet and partial.usage.is_reportable:
        _print_costs(partial, args, file=sys.stderr)


def _partial_note(partial: Any, run_dir: Path) -> str:
    nodes = partial.graph.nodes
    if not nodes:  # on Temporal, pipes report back with the workflow's result or failure
        if (
            partial.graph.backend == "temporal"
        ):  # the command stopped; the workflow may not have (server lost)
            return (
                "no pipe reported back before this command stopped (on Temporal the pipes report back when the "
                f"workflow ends); its inputs are kept in {run_dir}"
            )
        return f"the run stopped before any pipe reported back; its inputs are kept in {run_dir}"
    done = sum(1 for n in nodes if n.status == "succeeded") + _folded_succeeded(partial.graph)
    failed = [n.pipe_code for n in nodes if n.status == "failed"]
    where = f"; failed: {', '.join(dict.fromkeys(failed))}" if failed else ""
    return (
        f"what the run did before it stopped ({done} pipe run(s) succeeded{where}) is in {run_dir}: "
        "graph.html shows where, working_memory.json what was produced, usage.json what it cost"
    )


def _folded_succeeded(graph: Any) -> int:
    """The succeeded pipe runs the graph folded out of memory (a long batch's runs past the in-memory bound):
    its succeeded children, and their sub-pipe runs when every folded child succeeded (only a run that ended
    without a failure is folded)."""
    total = 0
    for folded in graph.folded:
        total += folded.statuses.get("succeeded", 0)
        if set(folded.statuses) <= {"succeeded"}:
            total += folded.nodes - folded.runs
    return total


def _main_text(main_stuff: Any) -> str | None:
    """The text of a main output whose JSON has a ``text`` string (also written as ``main_stuff.md``)."""
    text = getattr(getattr(main_stuff, "content", None), "text", None)
    return text if isinstance(text, str) else None


def _memory_document(memory: Any) -> dict[str, Any]:
    """``working_memory.json`` (``WorkingMemory.to_json``) with the contents left as models, for :func:`_write_json`."""
    return {
        "root": {
            name: {
                "stuff_code": stuff.stuff_code,
                "stuff_name": stuff.stuff_name,
                "concept": stuff.concept,
                "content": stuff.content,
            }
            for name, stuff in memory.root.items()
        },
        "aliases": dict(memory.aliases),
        "absences": {name: absence.to_json() for name, absence in memory.absences.items()},
    }


# the levels of a document written member by member (`_write_json`): the document, then each of its members
# (working memory: `root`, `aliases`, `absences`); a value below is written by one call (a stuff, whole)
_STREAMED_LEVELS = 2


def _write_json(path: Path, data: Any, *, replace: bool = True) -> None:
    """Write ``data`` as indented JSON (the bytes of ``_json_text(data)``), one member at a time down to
    :data:`_STREAMED_LEVELS` (a working memory: stuff by stuff): the values (pydantic models, lists, a stuff's
    record) are serialized by pydantic-core straight to bytes, never as Python dicts. Never through a link
    (:func:`pipelex.cli.paths.open_output`)."""
    from pydantic_core import to_json

    from pipelex.cli.paths import open_output

    def dump(out: Any, value: Any, level: int) -> None:
        if level < _STREAMED_LEVELS and is_dict(value) and value:
            out.write(b"{")
            pad = b"\n" + b"  " * (level + 1)
            for index, (key, item) in enumerate(value.items()):
                out.write((b"," if index else b"") + pad + to_json(str(key)) + b": ")
                dump(out, item, level + 1)
            out.write(b"\n" + b"  " * level + b"}")
            return
        text = to_json(value, indent=2)
        out.write(text.replace(b"\n", b"\n" + b"  " * level) if level else text)

    with open_output(path, replace=replace) as out:
        dump(out, data, 0)
        out.write(b"\n")


def _preview_json(output: Any, full: Path) -> str:
    """The head of the main output's JSON, read back from ``main_stuff.json`` (never re-encoded in full)."""
    try:
        with full.open(encoding="utf-8") as handle:
            head = handle.read(PREVIEW_LIMIT + 1)
            size = full.stat().st_size
    except OSError:  # --no-save-main-stuff: no file to read from
        return preview(_json_text(output.main_stuff_json()).rstrip("\n"), full=full)
    if len(head) <= PREVIEW_LIMIT:
        return head.rstrip("\n")
    return preview(head, full=full, total=size)


def _json_text(data: Any) -> str:
    """Indented JSON (UTF-8 kept) for the artefacts; pydantic-core's encoder is ~10x the stdlib's indented one."""
    from pydantic_core import to_json

    return to_json(data, indent=2).decode("utf-8") + "\n"


def _tune_gc_for_a_run() -> None:
    """This process exists for one run (``pipelex run`` as the console script, never in a process embedding
    ``main``): keep the cyclic GC off what was loaded, and make full collections rare.

    The objects of a big run (10,000 batch items...) mostly live until the end; the default thresholds rescan
    all of them in full collections (0.6 s of a 10,000-item dry run). Young collections still run as usual.
    Called before the run is prepared, and again once it is (the library, its models and the inputs): a young
    collection during the run then scans only what the run made, not the library again (a 400-step sequence's
    young collection scanned its ~17,000 objects, ~3 ms, to free none). And once more when the run has ended,
    before its graph is built: building the graph and writing the folder then scan nothing the run made (a
    400-step sequence's build met a young collection of the run's ~20,000 objects, 0.8-4.8 ms, freeing ~18).
    """
    import gc

    _settle_gc()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 100)


# young-generation threshold of a one-command process once its command has frozen what it loaded
_ONE_COMMAND_YOUNG = 20_000


def _settle_gc() -> None:
    """In a one-command process whose command has loaded what it works on: freeze that (it lives until the end:
    no collection scans it again) and collect young objects 20,000 allocations apart from now on, instead of the
    100,000 the loading ran under (``pipelex.cli.main._tune_gc_for_one_command``)."""
    import gc

    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(_ONE_COMMAND_YOUNG, middle, old)


def _start_progress(runner: Any, *, show_cost: bool) -> Any:
    """The progress line on stderr (a terminal): returns the function that stops and erases it."""
    from pipelex.cli.progress import ProgressLine

    return ProgressLine(runner, show_cost=show_cost).start()


# ---------------------------------------------------------------------------------------------------- show
def show(args: argparse.Namespace) -> int:
    """``pipelex show pipes|concepts|pipe CODE|models|config``."""
    if args.what == "models":
        from pipelex.boot import Pipelex
        from pipelex.config.deck import deck_for, render_deck

        print(render_deck(deck_for(Pipelex.config())))
        return EXIT_OK
    if args.what == "config":
        from pipelex.boot import Pipelex

        config = Pipelex.config()
        shown = {
            "source": config.source or "defaults (no pipelex.toml found)",
            **config.model_dump(mode="json"),
        }
        print(report_json(shown))
        return EXIT_OK
    from pipelex.language.loader import load_library

    if not args.library_dir:
        _err("give the library with -L DIR (a folder or a .mthds file)")
        return EXIT_USAGE
    library = load_library(_library_paths(args))
    for diagnostic in library.diagnostics:
        print(f"warning: {console_text(diagnostic.render())}", file=sys.stderr)
    if args.what == "pipes":
        for entry in library.pipes.values():
            print(console_text(f"{entry.ref:<48} {entry.blueprint.type:<14} {entry.blueprint.description}"))
    elif args.what == "concepts":
        for concept in library.concepts.concepts.values():
            if not concept.is_native:
                print(console_text(f"{concept.ref:<48} {concept.description}"))
    elif args.what == "pipe":
        entry = library.resolve_pipe(args.code)
        if entry is None:
            refs = library.pipe_refs_of_code(args.code)
            _err(
                f"pipe {args.code!r} names pipes of more than one domain ({', '.join(refs)}): name one as domain.code"
                if len(refs) > 1
                else f"no pipe {args.code!r} in the library (its pipes: {', '.join(sorted(library.pipes)) or 'none'})"
            )
            return EXIT_FAILED
        import json

        print(json.dumps(entry.blueprint.model_dump(mode="json", exclude_none=True, by_alias=True), indent=2))
    return EXIT_OK


# ---------------------------------------------------------------------------------------------------- graph
def graph_render(args: argparse.Namespace) -> int:
    """``pipelex graph render GRAPH.json``."""
    from pydantic import ValidationError

    from pipelex.cli import paths
    from pipelex.tracing.graph import ExecutionGraph

    path = paths.input_file(args.path, "GRAPH", max_bytes=paths.MAX_GRAPH_FILE_BYTES, what="graph.json file")
    suffix = ".html" if args.format == "html" else ".mmd"
    # its own default, the graph's page next to it (a run writes one there): re-rendering replaces it, but never
    # through a link (a run folder someone else made may hold `graph.html -> ~/.bashrc`)
    replace = args.force or args.output is None
    out = (
        paths.output_file(args.output, force=args.force)
        if args.output is not None
        else paths.output_file(str(path.with_suffix(suffix)), "the output next to the graph", force=True)
    )
    paths.refuse_overwriting_a_source(out, "-o/--output", str(out), sources=[path])
    try:
        graph = ExecutionGraph.from_json(path.read_bytes())
    except ValidationError as exc:  # name the first problem: its place in the JSON and what is wrong there
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        place = f"at `{where}`" if where else "in the document"
        count = exc.error_count()
        _err(
            f"{path}: not an execution graph saved by pipelex ("
            + (f"{count} problems, the first {place}" if count > 1 else place)
            + f": {first['msg']}); give the graph.json a run wrote in its run folder"
        )
        return EXIT_FAILED
    except ValueError as exc:
        _err(f"{path}: not an execution graph saved by pipelex ({str(exc).splitlines()[0]})")
        return EXIT_FAILED
    if args.format == "html":
        from pipelex.tracing.html import render_html_bytes

        page = render_html_bytes(graph)
    else:
        from pipelex.tracing.mermaid import render_mermaid

        page = render_mermaid(graph).encode("utf-8")
    try:
        paths.write_output(out, page, replace=replace)
    except OSError as exc:  # e.g. the disk is full, or the folder went away since the check
        _err(f"cannot write {out}: {exc.strerror}")
        return EXIT_FAILED
    print(f"wrote {out}")
    if getattr(args, "open", False):
        import webbrowser

        if not webbrowser.open(out.resolve().as_uri()):  # the file is written: the command did its work
            print(f"warning: no browser to open {out}: open it by hand", file=sys.stderr)
    return EXIT_OK


def api_serve(args: argparse.Namespace) -> int:
    """``pipelex api serve``: the runner API (see ``pipelex/api/cli.py``)."""
    from pipelex.api.cli import serve
    from pipelex.cli.paths import listen_address

    listen_address(args.host, args.port)  # a busy port or a foreign address: one line, before anything starts
    return serve(args)


MCP_HTTP_PORT = 8765  # `mcp serve --http`'s port when --port is not given


def mcp_serve(args: argparse.Namespace) -> int:
    """``pipelex mcp serve``: the MCP server for AI agents (``pipelex/mcp/server.py``)."""
    if args.port is not None and not args.http:  # stdio has no port: a --port alone was silently ignored
        _err(f"--port {args.port} is for --http: the default transport, stdio, has no port; add --http")
        return EXIT_USAGE
    try:
        from pipelex.mcp.server import serve
    except ImportError as exc:  # the SDK is a dependency; an environment without it says so plainly
        _err(f"the MCP server needs the `mcp` package ({exc}); install pipelex with its dependencies")
        return EXIT_FAILED
    serve(http=args.http, port=MCP_HTTP_PORT if args.port is None else args.port)
    return EXIT_OK


def worker(args: argparse.Namespace) -> int:
    """``pipelex worker``: serve the pipelex workflows and activities of a Temporal server until SIGINT/SIGTERM."""
    from pipelex.boot import Pipelex

    config = Pipelex.config()
    temporal = config.temporal.model_copy(
        update={k: v for k, v in (("address", args.address), ("namespace", args.namespace)) if v}
    )
    if not temporal.address:
        _err(
            "no Temporal server to serve: set [temporal] address (or PIPELEX_TEMPORAL_ADDRESS, or --address) to a "
            "running server, e.g. one started with `temporal server start-dev --ip 127.0.0.1`"
        )
        return EXIT_USAGE
    from pipelex.backends.temporal.client import connect
    from pipelex.backends.temporal.process import WORKER_IDENTITY
    from pipelex.backends.temporal.worker import run_workers, task_queues
    from pipelex.config.deck import deck_for

    # bounded as a server's store: the worker writes what any client of its queues sends (a runner API's callers)
    config = config.for_worker().model_copy(update={"temporal": temporal})
    queues = args.task_queue or task_queues(temporal)
    metrics = ""
    if args.metrics_port is not None:
        if not 0 < args.metrics_port < 65536:
            _err(f"--metrics-port {args.metrics_port} is not a TCP port (1-65535)")
            return EXIT_USAGE
        from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

        bind = f"127.0.0.1:{args.metrics_port}"  # every client this process makes (ours) uses this runtime
        Runtime.set_default(Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind))))
        metrics = f"; Prometheus metrics on http://{bind}/metrics"

    async def serve() -> None:
        client = await connect(config)
        await run_workers(
            client,
            queues,
            config=config,
            max_concurrent_activities=args.max_concurrent_activities,
            max_concurrent_workflow_tasks=args.max_concurrent_workflow_tasks,
            sticky_timeout_s=temporal.sticky_timeout_s,
            rate_limits=dict(temporal.queue_rate_limits),
            provider_concurrency=deck_for(config).policy.max_concurrency,
            settle=True,  # this process is the worker's
            ready=f"pipelex worker {WORKER_IDENTITY} serving task queue(s) {', '.join(queues)} on "
            f"{temporal.address} (namespace {temporal.namespace}){metrics}; Ctrl-C to stop",
        )

    import asyncio

    try:
        asyncio.run(serve())
    finally:
        from pipelex.tracing.otel import flush

        flush()  # the spans of the last activities, when [tracing] is on (no-op otherwise)
    return EXIT_OK


def schema(args: argparse.Namespace) -> int:
    """``pipelex schema [-o FILE]``: the JSON Schema of the .mthds format."""
    import json

    from pipelex.language.schema import mthds_json_schema

    text = json.dumps(mthds_json_schema(), indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    from pipelex.cli.paths import output_file, write_output

    # checked: a folder, a missing folder, a system path, a link, an existing file without --force are usage errors
    out = output_file(args.output, force=args.force)
    write_output(out, text, replace=args.force)
    print(f"wrote {out}; associate it with *.mthds files in your editor (docs/language.md, 'Editor support')")
    return EXIT_OK


def init_config(args: argparse.Namespace) -> int:
    """``pipelex init [--force] [--diff]``: a commented default pipelex.toml, then the next commands to type."""
    from pipelex.config.deck import DECK_CONFIG_TEMPLATE

    target = Path("pipelex.toml")
    fresh = DEFAULT_CONFIG + DECK_CONFIG_TEMPLATE
    if target.exists() and not target.is_file():
        _err(f"{target} exists and is not a file: move it away first")
        return EXIT_FAILED
    current = target.read_text(encoding="utf-8", errors="replace") if target.exists() else None
    if args.diff:
        if current is None:
            print(f"{target} does not exist yet: `pipelex init` writes the default below")
            sys.stdout.write(fresh)
        elif current == fresh:
            print(f"{target} is the default configuration: nothing differs")
        else:
            import difflib

            sys.stdout.writelines(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    fresh.splitlines(keepends=True),
                    fromfile=f"{target} (yours)",
                    tofile=f"{target} (default)",
                )
            )
            if not args.force:
                print(
                    f"\n(nothing written: `pipelex init --force` replaces {target} by the default, keeping yours "
                    f"as {target}.bak)"
                )
        if not args.force:
            return EXIT_OK
    if current is not None and not args.force:
        _err(
            f"{target} already exists: `pipelex init --diff` shows how it differs from the default, "
            f"`pipelex init --force` replaces it (yours is kept as {target}.bak)"
        )
        return EXIT_FAILED
    from pipelex.cli.paths import refuse_link, write_output

    # never through a link: a folder someone else made may hold `pipelex.toml.bak -> ~/.bashrc`, and the backup is
    # that folder's own pipelex.toml, any text its author wrote
    backup = target.with_name(target.name + ".bak")
    refuse_link(target, "pipelex init")
    if current is not None:
        refuse_link(backup, "pipelex init")
        write_output(backup, current, replace=True)
        print(f"kept your previous configuration as {backup}")
    write_output(target, fresh, replace=True)
    print(
        f"wrote {target} (each setting explained; `pipelex show config` prints the effective configuration)"
    )
    print(_next_steps())
    return EXIT_OK


def _next_steps() -> str:
    """The next commands to type, on a bundle of this folder when there is one."""
    found = sorted(Path(".").glob("*.mthds")) or sorted(Path(".").glob("*/*.mthds"))
    bundle = str(found[0]) if found else "my_bundle.mthds"
    import shlex

    quoted = shlex.quote(bundle)
    lines = ["", "next:"]
    if not found:
        lines.append(
            "  # write a bundle first: the language guide is docs/language.md (concepts, pipes, templates)"
        )
    steps = [
        (f"pipelex validate bundle {quoted}", "check it: parse, references, a dry run of every pipe"),
        (f"pipelex build inputs {quoted} -o inputs.json", "the inputs to fill in"),
        (
            f"pipelex run bundle {quoted} -i inputs.json --dry-run",
            "a free run with mocked AI; without --dry-run it runs live (OPENAI_API_KEY or ANTHROPIC_API_KEY)",
        ),
    ]
    width = max(len(command) for command, _ in steps)
    lines += [f"  {command:<{width}}  # {why}" for command, why in steps]
    return "\n".join(lines)


DEFAULT_CONFIG = """# pipelex configuration
[dry_run]
# how many items a mocked list holds
nb_list_items = 3
# dry-run LLM texts are cut to this length
text_gen_truncate_length = 256
# pages a mocked extraction returns for a document
nb_extract_pages = 4
# pipes whose dry-run failure the validation sweep tolerates (domain.pipe_code)
allowed_to_fail_pipes = []

[runtime]
# how many batch items / parallel branches run at once
max_concurrency = 8
# how templates write @var blocks and values when a pipe declares no templating_style:
# a tag style (xml, ticks, square_brackets, no_tag) or { tag_style = "xml", text_format = "markdown" }
default_templating_style = "xml"

[limits]
# bounds on what one bundle may ask for (docs/security.md, "Limits"; docs/api.md lists every key)
# the N of `Concept[N]`, and the items of one batch or one list output
max_list_items = 1000
max_batch_items = 10000
# one template render: loop iterations plus calls, and characters built
template_max_steps = 100000
template_max_output_chars = 1000000
# runner API: each run in a worker process, stopped past its deadline (seconds) or memory ceiling (bytes)
run_deadline_seconds = 300
run_memory_bytes = 2147483648

[temporal]
# run on Temporal by default (`pipelex run --temporal` does it for one run); see docs/temporal.md
is_enabled = false
# host:port of a Temporal server; "" starts an embedded local dev server (127.0.0.1) for each run
address = ""
namespace = "default"
task_queue = "pipelex"
# route leaf activities to other task queues, by kind (llm, img_gen, extract, search, judge, func, doc_gen)
# or by model as written in the pipe, e.g. { llm = "llm-queue" }, { "gpt-4o-mini" = "cheap-queue" }
queue_by_kind = {}
queue_by_model = {}
# seconds a whole run may take before Temporal ends it (CLI and Python runs; the runner API uses [limits]
# run_deadline_seconds); none by default
# run_deadline_s = 3600
"""
