"""``pipelex``: the command-line entry point. Heavy modules are imported inside commands, so --help is instant."""

from __future__ import annotations

import functools
import os
import sys

from pipelex.cli.argparse_loader import argparse
from pipelex.cli.exits import EXIT_USAGE

TYPE_CHECKING = False  # not typing's: `pipelex --help` needs no typing (pipelex/__init__.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import CodeType
    from typing import Any

    _Groups = argparse._SubParsersAction[argparse.ArgumentParser]  # pyright: ignore[reportPrivateUsage]


def version_text() -> str:
    """What ``pipelex --version`` prints: the package version and the MTHDS Protocol version its runner API serves.

    The package's metadata takes its version from ``pipelex/version.py`` (pyproject.toml), so the number is read
    there, without ``importlib.metadata`` scanning every installed distribution (~30 ms)."""
    from pipelex.version import MTHDS_PROTOCOL_VERSION, __version__

    return f"pipelex {__version__} (MTHDS Protocol {MTHDS_PROTOCOL_VERSION})"


class _VersionAction(argparse.Action):
    """``--version``: the text is computed only when asked (reading package metadata costs a few ms)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=str(kwargs.get("help"))
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(version_text())
        parser.exit()


def _add_run_options(sub: argparse.ArgumentParser) -> None:
    """The options shared by ``run bundle`` and ``run pipe``."""
    sub.add_argument(
        "-i",
        "--inputs",
        help="inputs: a .json/.toml file, or inline JSON starting with '{' "
        "(`pipelex build inputs` writes a template)",
    )
    sub.add_argument("--dry-run", action="store_true", help="mock every inference leaf: no keys, no cost")
    sub.add_argument(
        "--mock-inputs", action="store_true", help="synthesise missing inputs (requires --dry-run)"
    )
    sub.add_argument("--temporal", action="store_true", help="run on the Temporal backend")
    sub.add_argument(
        "-o", "--output-dir", default="results", help="where run folders are written (default: results)"
    )
    sub.add_argument(
        "--graph",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write the execution graph (graph.json, graph.html, graph.mmd; default: on)",
    )
    sub.add_argument(
        "--costs",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="print the cost report of a live run (default: [reporting] is_cost_report_enabled)",
    )
    sub.add_argument(
        "-L", "--library-dir", action="append", default=[], help="extra library folder (repeatable)"
    )
    sub.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    sub.add_argument(
        "--working-memory-path", metavar="FILE", help="also write the run's working memory (JSON) to FILE"
    )
    sub.add_argument("--force", action="store_true", help="replace an existing --working-memory-path file")
    sub.add_argument(
        "--save-working-memory",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write working_memory.json in the run folder (default: yes)",
    )
    sub.add_argument(
        "--save-main-stuff",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write main_stuff.json (and .md for a text) in the run folder (default: yes)",
    )
    sub.add_argument(
        "--no-pretty-print",
        dest="pretty_print",
        action="store_false",
        help="do not print the output to the console (the files are still written)",
    )


# the command groups, in the order --help lists them
GROUPS = ("run", "build", "validate", "show", "graph", "init", "schema", "worker", "api", "mcp")


def _group_in(argv: Sequence[str]) -> str | None:
    """The command group ``argv`` names, when exactly one of its words is a group's name; ``""`` when none does;
    None when several do.

    argparse picks the group among the words of the command line, so when only one word names a group, the others
    need not be declared in full: declaring every subcommand and option of every group (about 110 arguments, each
    with its own help formatter and translation look-ups) took ~10 ms of every command. When no word names a group
    (``pipelex --help``, ``pipelex``, a mistyped command), argparse picks none: every group is declared by name and
    help only (``""`` names no group). Two such words (``-L run validate ...``, a file called ``build``): every
    group is declared.
    """
    named = {word for word in argv if word in GROUPS}
    if not named:
        return ""
    return named.pop() if len(named) == 1 else None


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``, without importing :mod:`shutil`: ``$COLUMNS`` when it is a positive
    number, else the width of the terminal of stdout, else 80.

    argparse's help formatter imports shutil for it, and argparse makes a formatter for every argument it declares
    (to check its metavar); shutil imports bz2, lzma and zlib at its top: ~6 M instructions of every command.
    """
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns or 80


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, its width read by :func:`terminal_columns` (the same width, without shutil)."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        super().__init__(
            prog, indent_increment, max_help_position, terminal_columns() - 2 if width is None else width
        )


class _ArgumentParser(argparse.ArgumentParser):
    """A parser whose formatter is :class:`_HelpFormatter` (its subcommands' parsers are of this class too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def _identity(message: str) -> str:
    return message


def _identity_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def _translate_without_lookups() -> None:
    """Give argparse the translation its messages would get, looked up once instead of at every string.

    argparse translates each of its strings (a parser's titles, every ``-h``'s help, its errors) with
    :func:`gettext.gettext`, which looks for a catalogue of the current domain each time: it reads the locale
    variables, imports :mod:`locale` to normalise them, tests the paths of the catalogues and raises (and catches)
    an ``OSError`` when none is there, for hundreds of strings per command (~3 M instructions). The catalogues of
    the domain live under ``localedir/<language>/LC_MESSAGES/<domain>.mo``: when that folder holds none for any
    language, no lookup can find one, and the translation is the identity (what gettext returns then); when it
    holds some, the translation gettext would find for this process's locale is looked up once. A process that
    changed the domain or its folder before (``textdomain``, ``bindtextdomain``) keeps gettext's own lookups.
    When nothing has imported gettext yet (``pipelex.cli.argparse_loader``), nobody chose either, and gettext is
    imported only if a catalogue is there.
    """
    # gettext's default domain and folder of catalogues (``gettext._default_localedir``)
    domain, localedir = "messages", os.path.join(sys.base_prefix, "share", "locale")
    gettext = sys.modules.get("gettext")
    if gettext is not None and (
        gettext.textdomain() != domain or gettext.bindtextdomain(domain) != localedir
    ):
        return  # someone chose the domain or its folder: leave gettext to it
    try:
        languages = os.listdir(localedir)
    except OSError:
        languages = []
    catalogue = os.path.join("LC_MESSAGES", f"{domain}.mo")
    if any(os.path.exists(os.path.join(localedir, language, catalogue)) for language in languages):
        import gettext

        translation = gettext.translation(domain, localedir, fallback=True)
        argparse._ = translation.gettext  # type: ignore[attr-defined]
        argparse.ngettext = translation.ngettext  # type: ignore[attr-defined]
    else:
        argparse._ = _identity  # type: ignore[attr-defined]
        argparse.ngettext = _identity_plural  # type: ignore[attr-defined]


def _new_parser(**kwargs: Any) -> argparse.ArgumentParser:
    """An :class:`_ArgumentParser`, typed as argparse's (the command groups' declarations take argparse's type)."""
    return _ArgumentParser(**kwargs)


def _build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of the command line; with ``only``, the other groups are declared by name and help only (what
    ``pipelex --help`` lists), without their subcommands and options (see :func:`_group_in`)."""
    parser = _new_parser(
        prog="pipelex",
        description="An open, fast runtime for MTHDS bundles: validate, "
        "dry-run and run declarative AI methods.",
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")
    parser.add_argument(
        "-V", "--version", action=_VersionAction, help="print the version of pipelex and exit"
    )
    parser.add_argument(
        "-L",
        "--library-dir",
        dest="global_library_dir",
        action="append",
        default=[],
        metavar="DIR",
        help="library folder for the command that follows (repeatable; the same as its own -L)",
    )
    groups = parser.add_subparsers(dest="group", metavar="COMMAND")
    declare: dict[str, Callable[[_Groups], None]] = {
        "run": _run_group,
        "build": _build_group,
        "validate": _validate_group,
        "show": _show_group,
        "graph": _graph_group,
        "init": _init_group,
        "schema": _schema_group,
        "worker": _worker_group,
        "api": _api_group,
        "mcp": _mcp_group,
    }
    for name in GROUPS:
        if only is None or only == name:
            declare[name](groups)
        else:  # a name and a help line for the list of commands; argparse cannot pick it (see _group_in)
            groups.add_parser(name, help=_GROUP_HELP[name], add_help=False)
    return parser


_GROUP_HELP = {
    "run": "run a pipe of a bundle",
    "build": "inputs templates and output examples of a pipe",
    "validate": "validate bundles or pipes",
    "show": "show pipes, concepts, models, config",
    "graph": "execution graphs",
    "init": "write a commented default pipelex.toml in this folder",
    "schema": "print the JSON Schema of the .mthds format (for editors: see docs/language.md, 'Editor support')",
    "worker": "run a Temporal worker serving pipelex's workflows and activities",
    "api": "the HTTP runner API",
    "mcp": "the MCP server for AI agents",
}


def _run_group(groups: _Groups) -> None:
    run = groups.add_parser("run", help=_GROUP_HELP["run"]).add_subparsers(dest="what", metavar="WHAT")
    run.required = True
    rb = run.add_parser("bundle", help="run a bundle's main pipe (or --pipe)")
    rb.add_argument("path", help="the .mthds file")
    rb.add_argument("--pipe", help="the pipe to run (default: the bundle's main_pipe)")
    rp = run.add_parser("pipe", help="run a pipe of a library by its code (give the library with -L DIR)")
    rp.add_argument("code", help="the pipe's code: `pipe_code`, `domain.pipe_code`")
    for sub in (rb, rp):
        _add_run_options(sub)


def _build_group(groups: _Groups) -> None:
    from pipelex.cli import build

    build.add_parser(groups, help_text=_GROUP_HELP["build"])


def _validate_group(groups: _Groups) -> None:
    val = groups.add_parser("validate", help=_GROUP_HELP["validate"]).add_subparsers(
        dest="what", metavar="WHAT"
    )
    val.required = True
    vb = val.add_parser("bundle", help="validate a .mthds file or every .mthds file of a folder")
    vb.add_argument("path", help="a .mthds file, or a folder: every .mthds file in it, as one library")
    vp = val.add_parser("pipe", help="validate one pipe (or --all) of a library")
    vp.add_argument("code", nargs="?", help="the pipe's code: `pipe_code`, `domain.pipe_code`")
    vp.add_argument("--all", action="store_true", help="every pipe of the library")
    for sub in (vb, vp):
        sub.add_argument(
            "--format", choices=["text", "json"], default="text", help="the report's format (default: text)"
        )
        sub.add_argument(
            "--allow-signatures",
            action="store_true",
            help="signatures (pipes stating a contract, with no type) do not fail the validation; "
            "they are dry-run on mocks of their outputs",
        )
        sub.add_argument(
            "--temporal",
            action="store_true",
            help="boot with Temporal enabled; the sweep still runs in-process",
        )
        sub.add_argument("--static-only", action="store_true", help="skip the dry-run sweep")
        sub.add_argument(
            "-L", "--library-dir", action="append", default=[], help="library folder (repeatable)"
        )


def _show_group(groups: _Groups) -> None:
    show = groups.add_parser("show", help=_GROUP_HELP["show"]).add_subparsers(dest="what", metavar="WHAT")
    show.required = True
    for name, help_text in (
        ("pipes", "list the pipes"),
        ("concepts", "list the concepts"),
        ("models", "list the model deck"),
        ("config", "show the effective configuration"),
    ):
        sp = show.add_parser(name, help=help_text)
        sp.add_argument(
            "-L", "--library-dir", action="append", default=[], help="library folder (repeatable)"
        )
    sp = show.add_parser("pipe", help="show one pipe")
    sp.add_argument("code", help="the pipe's code: `pipe_code`, `domain.pipe_code`")
    sp.add_argument("-L", "--library-dir", action="append", default=[], help="library folder (repeatable)")


def _graph_group(groups: _Groups) -> None:
    graph = groups.add_parser("graph", help=_GROUP_HELP["graph"]).add_subparsers(dest="what", metavar="WHAT")
    graph.required = True
    gr = graph.add_parser("render", help="render a saved graph.json")
    gr.add_argument("path", help="a graph.json written by a run or a validation")
    gr.add_argument("-o", "--output", help="output file (default: next to the graph)")
    gr.add_argument("--force", action="store_true", help="with -o: replace an existing file")
    gr.add_argument(
        "--format", choices=["mermaid", "html"], default="html", help="the rendering (default: html)"
    )
    gr.add_argument("--open", action="store_true", help="open the page in the default browser")


def _init_group(groups: _Groups) -> None:
    init = groups.add_parser("init", help=_GROUP_HELP["init"])
    init.add_argument("--force", action="store_true", help="replace an existing pipelex.toml (kept as .bak)")
    init.add_argument(
        "--diff",
        action="store_true",
        help="show how the existing pipelex.toml differs from the default; writes nothing unless --force",
    )


def _schema_group(groups: _Groups) -> None:
    sc = groups.add_parser("schema", help=_GROUP_HELP["schema"])
    sc.add_argument("-o", "--output", help="write it to this file instead of printing it")
    sc.add_argument("--force", action="store_true", help="with -o: replace an existing file")


def _worker_group(groups: _Groups) -> None:
    wk = groups.add_parser("worker", help=_GROUP_HELP["worker"])
    wk.add_argument(
        "--task-queue",
        action="append",
        default=[],
        help="task queue to serve (repeatable; default: [temporal] task_queue and every routed queue)",
    )
    wk.add_argument(
        "--max-concurrent-activities", type=_positive_int, help="activities run at once (default: SDK's)"
    )
    wk.add_argument(
        "--max-concurrent-workflow-tasks",
        type=_positive_int,
        help="workflow tasks run at once (default: SDK's)",
    )
    wk.add_argument(
        "--address", type=_host_port, help="Temporal server host:port (default: [temporal] address)"
    )
    wk.add_argument("--namespace", help="Temporal namespace (default: [temporal] namespace)")
    wk.add_argument(
        "--metrics-port",
        type=int,
        help="serve the SDK's Prometheus metrics (task slots, polls, latencies) on 127.0.0.1:PORT/metrics",
    )


def _api_group(groups: _Groups) -> None:
    api = groups.add_parser("api", help=_GROUP_HELP["api"]).add_subparsers(dest="what", metavar="WHAT")
    api.required = True
    serve = api.add_parser("serve", help="serve the runner API (FastAPI under uvicorn)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    serve.add_argument(
        "--port", type=_port, default=8081, help="port to listen on (default: 8081, the MTHDS Protocol's)"
    )
    serve.add_argument(
        "--dry-run",
        action="store_true",
        help="run every pipe dry, whatever the request says (also $PIPELEX_API_DRY_RUN=1)",
    )
    serve.add_argument("--temporal", action="store_true", help="run on the Temporal backend")
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="log every request (default: off)",
    )


def _mcp_group(groups: _Groups) -> None:
    mcp = groups.add_parser("mcp", help=_GROUP_HELP["mcp"]).add_subparsers(dest="what", metavar="WHAT")
    mcp.required = True
    ms = mcp.add_parser("serve", help="serve pipelex's tools over MCP (stdio by default)")
    ms.add_argument(
        "--http",
        action="store_true",
        help="serve streamable HTTP on 127.0.0.1 instead of stdio; requests need the token of $PIPELEX_MCP_TOKEN "
        "(or the one printed at start)",
    )
    ms.add_argument("--port", type=_port, default=None, help="port of --http (default: 8765)")


def _port(text: str) -> int:
    from pipelex.cli.paths import port

    return port(text)


def _host_port(text: str) -> str:
    from pipelex.cli.paths import host_port

    return host_port(text)


def _positive_int(text: str) -> int:
    from pipelex.cli.paths import positive_int

    return positive_int(text)


# the commands that serve until stopped: the collector keeps its defaults there
_SERVING = frozenset({"worker", "api", "mcp"})
# young-generation threshold of a one-command process while it loads (the default is 700): its command lowers it
# to 20,000 once what it loaded is frozen (`pipelex.cli.commands._settle_gc`)
_ONE_COMMAND_YOUNG_LOADING = 100_000
_ONE_COMMAND_MIDDLE = 50


def _tune_gc_for_one_command() -> None:
    """This process runs one command, then exits: most of what it allocates is modules, classes, models and
    schemas that live until the end. With the default thresholds the cyclic collector rescans them again and
    again while they load (a third of a small ``validate``'s start-up). Until the command has loaded what it
    works on (its modules, the library), young objects are collected 100,000 allocations apart instead of 700:
    a small command's loading makes ~33,000, so none of its young collections runs (the one that ran at 20,000
    scanned ~20,000 objects that all live on, 4-6 ms, while pydantic's schema module was imported). The command
    then freezes what it loaded and collects young objects 20,000 allocations apart (``_settle_gc``); the middle
    generation is collected after 50 young collections instead of 10 (a small command then never rescans its
    survivors). Garbage cycles are still collected; the peak memory of a 30,000-item dry batch is unchanged
    (215 MB, 214 MB with the defaults)."""
    import gc

    _, middle, old = gc.get_threshold()
    gc.set_threshold(_ONE_COMMAND_YOUNG_LOADING, max(middle, _ONE_COMMAND_MIDDLE), old)


def _skip_pydantic_plugin_scan() -> None:
    """Tell pydantic not to look for third-party plugins, unless ``PYDANTIC_DISABLE_PLUGINS`` is already set.

    Pydantic looks for plugins (observers of every validation) by reading the entry points of every installed
    distribution when it builds its first model: 30-40 ms in an environment of 150 packages, every command. No
    command of pipelex's CLI has a use for one. Set ``PYDANTIC_DISABLE_PLUGINS=`` (empty) to load them anyway.
    """
    import os

    if "PYDANTIC_DISABLE_PLUGINS" in os.environ:
        return
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    if "pydantic" not in sys.modules:
        _stand_in_plugin_loader()


def _compile_forward_refs_once() -> None:
    """Compile a forward reference when it is first evaluated, and each distinct one once, in this process.

    ``typing.ForwardRef`` compiles its string when it is made. pydantic's imports make ~700 of them, most in the
    TypedDicts of ``pydantic_core.core_schema`` (a field's annotation is a string there), which nothing evaluates,
    and ~70 % of them repeat a string already seen (``str``, ``Dict[str, Any]``, ``SerSchema``...): ~35 M
    instructions, 5 % of a small ``validate``. Here a reference's code is compiled the first time it is read (as
    Python 3.14's ``annotationlib.ForwardRef`` does), through a memo: code objects are immutable, so sharing one
    is the same as compiling it again. A string that does not compile raises the same ``SyntaxError`` when the
    reference is evaluated, instead of when it is made. Only in a one-command process, before pydantic is
    imported: an embedding program's ``typing`` is left as it is.
    """
    import typing
    from types import MemberDescriptorType

    forward_ref: Any = typing.ForwardRef
    slot = typing.cast("dict[str, object]", vars(forward_ref)).get("__forward_code__")
    if not isinstance(slot, MemberDescriptorType):
        return  # done already, or a Python whose ForwardRef compiles lazily itself (3.14)
    forward_ref.__forward_code__ = _LazyForwardCode(slot)
    forward_ref.__init__ = _forward_ref_init


class _LazyForwardCode:
    """``ForwardRef.__forward_code__``, compiled on first read into the slot it replaces (see
    :func:`_compile_forward_refs_once`)."""

    def __init__(self, slot: Any) -> None:
        self.slot = slot

    def __get__(self, ref: Any, owner: type | None = None) -> object:
        if ref is None:
            return self
        try:
            return self.slot.__get__(ref, owner)
        except AttributeError:
            arg = str(ref.__forward_arg__)
            try:
                code = _compiled_forward_ref(f"({arg},)[0]" if arg[0] == "*" else arg)
            except SyntaxError:
                raise SyntaxError(f"Forward reference must be an expression -- got {arg!r}") from None
            self.slot.__set__(ref, code)
            return code

    def __set__(self, ref: object, code: object) -> None:
        self.slot.__set__(ref, code)

    def __delete__(self, ref: object) -> None:
        self.slot.__delete__(ref)


@functools.cache
def _compiled_forward_ref(source: str) -> CodeType:
    """The code of a forward reference's expression, compiled once per distinct text (a code object is immutable:
    sharing it is the same as compiling again; a ``SyntaxError`` is not memoised, it is raised each time)."""
    return compile(source, "<string>", "eval")


def _forward_ref_init(
    self: Any, arg: object, is_argument: bool = True, module: object = None, *, is_class: bool = False
) -> None:
    """``typing.ForwardRef.__init__`` (Python 3.11-3.13) without the compile, which ``_LazyForwardCode`` does."""
    if not isinstance(arg, str):
        raise TypeError(f"Forward reference must be a string -- got {arg!r}")
    _ = arg[0]  # an empty string fails here (IndexError), as it does in typing's own
    self.__forward_arg__ = arg
    self.__forward_evaluated__ = False
    self.__forward_value__ = None
    self.__forward_is_argument__ = is_argument
    self.__forward_is_class__ = is_class
    self.__forward_module__ = module


def _store_dataclass_methods() -> None:
    """Take the methods of the dataclasses this command's imports make from their stored, compiled texts instead of
    compiling them again (~8 % of a small ``validate``): see :mod:`pipelex.cli.dataclass_store`. Only in a one-command
    process, before pydantic is imported."""
    from pipelex.cli.dataclass_store import install

    install()


def _defer_unused_stdlib_modules() -> None:
    """Execute the standard-library modules that the command's imports name but its work does not use (``secrets``,
    ``linecache``, ``tokenize``...) at their first use, not at import (~15 M instructions of every command): see
    :mod:`pipelex.cli.deferred_imports`. Only in a one-command process, before ``dataclasses`` and pydantic are
    imported."""
    from pipelex.cli.deferred_imports import install

    install()


def _store_regex_codes() -> None:
    """Hand ``re``'s engine the stored code of the patterns this command compiles instead of compiling them again
    (~7 % of a small ``validate``), under the interpreter they were stored with: see
    :mod:`pipelex.cli.regex_store`. Only in a one-command process."""
    from pipelex.cli.regex_store import install

    install()


_PYDANTIC_PLUGIN_LOADER = "pydantic.plugin._loader"


def _stand_in_plugin_loader() -> None:
    """Keep pydantic's plugin loader (and ``importlib.metadata``, which it imports: email, csv, zipfile, tempfile,
    about 4 % of a small command) unloaded while plugins are off.

    Pydantic imports ``pydantic.plugin._loader`` when it builds its first validator, only to call its
    ``get_plugins()``, which returns nothing when ``PYDANTIC_DISABLE_PLUGINS`` is ``__all__``. The stand-in
    answers the same while the variable says so; otherwise (the variable changed since) it hands over to the real
    loader for good, so plugins behave exactly as pydantic defines them.
    """
    import os
    from types import ModuleType

    stand_in = ModuleType(_PYDANTIC_PLUGIN_LOADER, "pipelex's stand-in for pydantic's plugin loader")

    def get_plugins() -> tuple[object, ...]:
        if os.environ.get("PYDANTIC_DISABLE_PLUGINS") in ("__all__", "1", "true"):
            return ()
        import importlib

        if sys.modules.get(_PYDANTIC_PLUGIN_LOADER) is stand_in:
            del sys.modules[_PYDANTIC_PLUGIN_LOADER]
        return tuple(importlib.import_module(_PYDANTIC_PLUGIN_LOADER).get_plugins())

    stand_in.get_plugins = get_plugins  # type: ignore[attr-defined]
    sys.modules[_PYDANTIC_PLUGIN_LOADER] = stand_in


def main(argv: Sequence[str] | None = None, *, one_command: bool = False) -> int:
    """Run the CLI; return the exit code.

    ``one_command``: this process exits after the command (the console script), so the garbage collector is
    tuned for it (see :func:`_tune_gc_for_one_command`) and argparse's translations are looked up once (see
    :func:`_translate_without_lookups`); an embedding process (tests, a caller) keeps its own.
    """
    words = sys.argv[1:] if argv is None else argv
    group = _group_in(words)
    if one_command:
        _translate_without_lookups()
        # before argparse compiles its patterns, with the collector already tuned (the stored codes are many small
        # objects)
        if not _SERVING.intersection(words):
            _tune_gc_for_one_command()
            _store_regex_codes()
    parser = _build_parser(only=group)
    args = parser.parse_args(words)
    if args.group is None:  # before the set-up of a command (it would import typing, for the help only)
        parser.print_help()
        return EXIT_USAGE
    # the command may tune the collector for itself too (freeze what it loaded): only in such a process
    args.one_command = one_command and args.group not in _SERVING
    if args.one_command:
        _tune_gc_for_one_command()
        _defer_unused_stdlib_modules()
        _skip_pydantic_plugin_scan()
        _compile_forward_refs_once()
        _store_dataclass_methods()
    if args.global_library_dir:  # `pipelex -L DIR run ...`: the standard's runner puts -L before the command
        if not hasattr(args, "library_dir"):
            parser.error(f"-L is given, but `pipelex {args.group}` reads no library folder")
        args.library_dir = [*args.global_library_dir, *args.library_dir]
    from pipelex.cli.commands import dispatch

    return dispatch(args)


def _exit(code: int | str | None) -> None:
    """End the process with ``code``, without a last full garbage collection over every object still alive, and
    without freeing them one by one when nothing but pipelex, the standard library and installed packages ran.

    At exit the interpreter collects once more over everything it holds (a tenth of a small ``validate``'s CPU
    time), only to free memory the system takes back anyway. Freezing moves those objects out of the
    collector's reach: finalisation still closes files, runs ``atexit`` and ``weakref.finalize`` callbacks and
    frees objects by reference counting. That freeing (~12 M instructions, 2 % of a small ``validate``) is skipped
    too when :func:`_only_own_code_ran`: the process then runs what the interpreter's exit runs before it frees
    anything (``atexit`` callbacks, among them ``logging``'s flush and ``weakref.finalize``'s, and the flush of
    stdout and stderr) and ends with :func:`os._exit`. Otherwise, or when a flush fails (a closed pipe), the
    interpreter's own exit runs, as before.
    """
    import gc

    gc.freeze()
    if (code is None or type(code) is int) and _only_own_code_ran():
        import atexit

        # what the interpreter's exit runs first (CPython's own name for it); it clears them: never run twice
        atexit._run_exitfuncs()  # pyright: ignore[reportPrivateUsage]
        try:
            for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
                if stream is not None:
                    stream.flush()
        except (OSError, ValueError):
            sys.exit(code)  # let the interpreter report it, as it does
        os._exit(code or 0)
    sys.exit(code)


def _only_own_code_ran() -> bool:
    """Whether the objects still alive can only be pipelex's, the standard library's and installed packages': every
    module loaded comes from the interpreter's or the environment's folders or from pipelex itself (a PipeFunc's
    module, run by a live run, comes from elsewhere), and no other thread is running (the interpreter's exit would
    wait for it). pipelex writes its files in ``with`` blocks, and what it keeps open is closed by ``atexit``
    (the Temporal runtime, a graph's spill file through ``weakref.finalize``, log files through ``logging``)."""
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return False
    import pipelex

    folders = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        os.path.dirname(pipelex.__file__),
    }
    roots = tuple(os.path.join(folder, "") for folder in folders)
    for module in list(sys.modules.values()):
        spec = getattr(module, "__spec__", None)  # not __file__: a deferred module would run to answer it
        origin = getattr(spec, "origin", None)
        if isinstance(origin, str) and os.path.isabs(origin) and not origin.startswith(roots):
            return False
    return True


def entry_point() -> None:  # pragma: no cover - console script wrapper
    """Console-script entry."""
    _exit(_one_command())


def _one_command() -> int | str | None:  # pragma: no cover - console script wrapper
    """The exit code of this process's one command; argparse's exits (``--help``, ``--version``, a usage error)
    end through :func:`_exit` too, without the last full collection (~5 M instructions of ``pipelex --help``)."""
    try:
        return main(one_command=True)
    except SystemExit as exc:
        return exc.code


if __name__ == "__main__":  # pragma: no cover
    _exit(_one_command())
