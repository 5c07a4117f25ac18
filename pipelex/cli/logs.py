"""Where the CLI's log records go: the log file, or stderr with ``--debug``.

Only the records that are not meant for the terminal are routed here: those of the Temporal SDK, its Rust
core (:data:`pipelex.backends.temporal.runtime.CORE_LOGGER`, e.g. its warnings when a server goes away
mid-run) and its Python side (``temporalio``: e.g. an in-process worker's "Completing activity as failed" with
a traceback, when a pipe fails; the command itself reports the failure in one line). The command's own
messages stay on stdout/stderr.

The log file is ``$PIPELEX_LOG_FILE``, else ``$XDG_STATE_HOME/pipelex/pipelex.log`` (``~/.local/state/...``);
it is only created when something is logged. If it cannot be written, the records are dropped rather than
printed: the terminal stays clean either way.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from pipelex.logtext import EscapingFormatter, escape_unhandled_records

CORE_LOGGER = (
    "pipelex.temporal.core"  # the same name as in pipelex.backends.temporal.runtime (kept import-free)
)
ROUTED_LOGGERS = (CORE_LOGGER, "temporalio")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_file() -> Path:
    """The log file of the CLI."""
    explicit = os.environ.get("PIPELEX_LOG_FILE")
    if explicit:
        return Path(explicit)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "pipelex" / "pipelex.log"


class _LogFileHandler(logging.FileHandler):
    """A file handler that makes its folder on the first record, and never reports its own failures on the
    terminal (a log that cannot be written must not print a traceback)."""

    def _open(self):  # type: ignore[no-untyped-def]  # noqa: ANN202 - the stdlib's signature
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - the stdlib's name
        del record


def configure_logging(*, debug: bool) -> None:
    """Route the Temporal SDK's records: to stderr with ``debug``, else to :func:`log_file`; every record, those
    and the ones no handler takes, prints the text it quotes escaped (``pipelex/logtext.py``)."""
    handler: logging.Handler
    if debug:
        handler = logging.StreamHandler(sys.stderr)
    else:
        handler = _LogFileHandler(log_file(), encoding="utf-8", delay=True)
    handler.setFormatter(EscapingFormatter(LOG_FORMAT))
    escape_unhandled_records()  # pipelex's own records (`pipelex.api`, `pipelex.inference`...): pipelex/logtext.py
    for name in ROUTED_LOGGERS:
        logger = logging.getLogger(name)
        logger.propagate = False
        for old in list(logger.handlers):
            logger.removeHandler(old)
            old.close()
        logger.setLevel(logging.DEBUG if debug else logging.INFO)
        logger.addHandler(handler)
