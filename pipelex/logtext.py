"""Log records as an operator's log shows them: the text that came from outside written out visibly.

A log record quotes text pipelex does not control: a provider's error body (a hostile proxy in front of the
operator's model server), an exception's message, a bundle's pipe code or description, an input name. Written as
it is, a line break in it adds a line to the log that reads as pipelex's own (``...: x\\n2026-12-02 WARNING
pipelex.api: all clear``), and a terminal escape acts on the terminal of an operator who tails it (``ESC ] 52``
writes the clipboard, ``ESC [ 2 J`` clears the screen, ``\\r`` prints over the line). :class:`EscapingFormatter`
writes every such character out (``\\n``, ``\\x1b``, ``\\u202e``): in the values a record interpolates (a record
without arguments: its whole message), and in the messages of the exceptions its traceback quotes. The format
text of a record is pipelex's own, so its line breaks stay; a multi-line value pipelex built itself (a traceback
whose exception messages are escaped already) is given as :class:`LogLines`, whose line breaks stay too. Normal
messages are unchanged.

:func:`escape_unhandled_records` makes Python's last-resort handler (where the records of a logger nobody
configured go: ``pipelex.api``, ``pipelex.inference``... under ``pipelex api serve``, ``pipelex worker`` and the
CLI) format through it, for a process pipelex owns (a command); the handlers pipelex configures
(``pipelex/cli/logs.py``, the MCP server) use it too. Inside a program that embeds pipelex, the library's own paths
call :func:`escape_pipelex_records` instead: the last-resort handler stays the program's, and the ``pipelex``
records that no handler of the program takes are written as the last-resort handler would write them, escaped.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Mapping
from typing import Any

_CONTROL_CODES = (
    *range(0x00, 0x09),
    *range(0x0A, 0x20),
    *range(0x7F, 0xA0),
    *range(0x202A, 0x202F),  # bidi embeddings and overrides
    *range(0x2066, 0x206A),  # bidi isolates
    0x2028,  # line and paragraph separators: line breaks to some log viewers
    0x2029,
)
_LINES = {code: repr(chr(code))[1:-1] for code in _CONTROL_CODES if code != 0x0A}
_ONE_LINE = {code: repr(chr(code))[1:-1] for code in _CONTROL_CODES}


class LogLines(str):
    """A text of several lines pipelex built itself for the log (every quoted outside text escaped already): the
    formatter keeps its line breaks and escapes the other controls."""

    __slots__ = ()


def escape_log_text(text: str, *, keep_lines: bool = False) -> str:
    """``text`` with every control character, bidi control and line separator written out (``\\x1b``); with
    ``keep_lines``, line feeds stay (``\\r`` is still written out)."""
    return text.translate(_LINES if keep_lines else _ONE_LINE)


def _escape_value(value: object) -> str:
    return (
        escape_log_text(value, keep_lines=True)
        if isinstance(value, LogLines)
        else escape_log_text(str(value))
    )


class _Escaped:
    """An argument of a record, as ``%s`` and ``%r`` write it: escaped."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __str__(self) -> str:
        return _escape_value(self.value)

    def __repr__(self) -> str:
        return escape_log_text(repr(self.value))


def _escaped(value: object) -> object:
    # numbers stay themselves (``%d``, ``%.2f`` need them; their text holds no control)
    if value is None or isinstance(value, (int, float)):
        return value
    return _Escaped(value)


def _escape_exception(te: traceback.TracebackException, seen: set[int]) -> None:
    """Escape the messages (and notes) of ``te`` and of the exceptions it chains, in place."""
    if id(te) in seen:
        return
    seen.add(id(te))
    text = getattr(te, "_str", None)
    if isinstance(text, str):
        te._str = escape_log_text(text)  # type: ignore[attr-defined]  # noqa: SLF001 - the message it prints
    notes = getattr(te, "__notes__", None)
    if isinstance(notes, list):
        te.__notes__ = [escape_log_text(str(note)) for note in notes]  # type: ignore[attr-defined]
    for chained in (te.__cause__, te.__context__, *(getattr(te, "exceptions", None) or ())):
        if chained is not None:
            _escape_exception(chained, seen)


def format_exception_escaped(exc: BaseException) -> LogLines:
    """The traceback of ``exc`` as :func:`traceback.format_exception` writes it, the message of every exception it
    quotes escaped (one line each)."""
    te = traceback.TracebackException(type(exc), exc, exc.__traceback__, compact=True)
    _escape_exception(te, set())
    return LogLines("".join(te.format()))


class EscapingFormatter(logging.Formatter):
    """A :class:`logging.Formatter` writing out the controls of the text a record quotes (module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        msg, args, exc_text = record.msg, record.args, record.exc_text
        if args:
            if isinstance(args, Mapping):
                record.args = {key: _escaped(value) for key, value in args.items()}
            else:
                record.args = tuple(_escaped(value) for value in args)
        elif not isinstance(msg, LogLines):
            record.msg = escape_log_text(str(msg))
        record.exc_text = None  # what another handler cached is not escaped
        try:
            return super().format(record)
        finally:
            record.msg, record.args, record.exc_text = msg, args, exc_text

    def formatException(self, ei: Any) -> str:  # noqa: N802 - the stdlib's name
        exc: object = ei[1] if isinstance(ei, tuple) else ei  # pyright: ignore[reportUnknownVariableType]
        if isinstance(exc, BaseException):
            return format_exception_escaped(exc).rstrip("\n")
        text: str = super().formatException(ei)  # pyright: ignore[reportUnknownArgumentType]
        return escape_log_text(text, keep_lines=True)

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - the stdlib's name
        return escape_log_text(stack_info, keep_lines=True)


class _StderrHandler(logging.Handler):
    """Python's last-resort handler (the stream is whatever ``sys.stderr`` is when a record comes), escaping."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.setFormatter(EscapingFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stderr
            if stream is None:  # pragma: no cover - pythonw
                return
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:  # noqa: BLE001 - as the stdlib's handlers: report, never raise
            self.handleError(record)


def escape_unhandled_records() -> None:
    """Make the records no handler takes (Python's ``logging.lastResort``: WARNING and above, message only, to
    stderr) print escaped; idempotent. Process-wide: for a process pipelex owns (a command); a library path calls
    :func:`escape_pipelex_records`."""
    if not isinstance(logging.lastResort, _StderrHandler):
        logging.lastResort = _StderrHandler(logging.WARNING)


class _PipelexLastResort(_StderrHandler):
    """On the ``pipelex`` logger: a record that no other handler on its way up takes is written as Python's
    last-resort handler would write it (WARNING and above, to stderr), escaped; nothing when another handler takes
    it, or when the program silenced the last resort (``logging.lastResort = None``).

    Also when the last resort is pipelex's own (a command: :func:`escape_unhandled_records`): Python consults the
    last resort only for a record that met no handler at all on its way up, and this one is on the way of every
    ``pipelex`` record, so the last resort never sees them (it did, and they were dropped: a command's live run
    installs both)."""

    def handle(self, record: logging.LogRecord) -> bool:
        if logging.lastResort is None:  # silenced by the program
            return False
        if record.levelno < self.level or _taken_elsewhere(record.name, self):
            return False
        return bool(super().handle(record))


def _taken_elsewhere(name: str, own: logging.Handler) -> bool:
    """Whether a handler other than ``own`` is on the way of a record of logger ``name`` up the hierarchy (as
    ``Logger.callHandlers`` walks it: up to a logger that does not propagate)."""
    logger: logging.Logger | None = logging.getLogger(name)
    while logger is not None:
        if any(handler is not own for handler in logger.handlers):
            return True
        if not logger.propagate:
            return False
        logger = logger.parent
    return False


def escape_pipelex_records() -> None:
    """Have the ``pipelex`` records that no handler takes print escaped, without touching the process's last-resort
    handler (a program that embeds pipelex keeps its own); idempotent."""
    logger = logging.getLogger("pipelex")
    if not any(isinstance(handler, _PipelexLastResort) for handler in logger.handlers):
        logger.addHandler(_PipelexLastResort(logging.WARNING))


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's logging settings, its records (``uvicorn.error``: an exception escaping the app, with its
    traceback) formatted as pipelex's are: the text they quote escaped, the rest as uvicorn writes it (its level
    prefix and colours). The access log keeps uvicorn's formatter (h11 refuses a request line holding a control).
    The one setting of both servers pipelex starts with uvicorn: ``pipelex api serve`` and ``pipelex mcp serve
    --http``."""
    import copy

    from uvicorn.config import LOGGING_CONFIG
    from uvicorn.logging import DefaultFormatter

    class EscapingDefaultFormatter(EscapingFormatter, DefaultFormatter):
        """uvicorn's default formatter (level prefix, colours) over pipelex's escaping."""

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["default"]["()"] = EscapingDefaultFormatter
    return config
