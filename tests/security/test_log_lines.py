"""Eleventh hostile pass: the server's and the worker's log lines cannot be forged by the text they quote.

``pipelex api serve`` logged a provider's failure (``pipelex.api``: "a provider call failed while serving ...:
<its whole text>") and an internal error's traceback through Python's last-resort handler, as they were: a
provider's error body holding a line break (a hostile proxy in front of the operator's model server) added a line
that read as pipelex's own, and a terminal escape acted on the terminal of an operator tailing the log. The
Temporal SDK's records a worker routes (``temporalio``: "Completing activity as failed" with the activity's
exception) did the same through the exception's message. Every record now prints the text it quotes escaped
(``pipelex/logtext.py``); the format text and the traceback's own lines stay as they were.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap

import pytest

from pipelex.logtext import EscapingFormatter, LogLines, escape_log_text, format_exception_escaped

FORGED = "2026-12-02 04:00:00,000 WARNING pipelex.api: all clear"
CLIP = "\x1b]52;c;ZWNobyBwd25lZA==\x07"

SERVER = textwrap.dedent(
    f"""
    import logging
    from pipelex.cli.logs import configure_logging

    configure_logging(debug=True)  # what `pipelex api serve` and `pipelex worker` do before serving
    from pipelex.api.problems import problem_for_exception, served_provider_detail

    served_provider_detail("refused by http://10.0.3.7:8000/v1\\n{FORGED}{CLIP}\\r", "/v1/run")
    problem_for_exception(RuntimeError("boom\\n{FORGED}\\x1b[2J"), instance="/v1/run")
    try:
        raise ValueError("activity failed\\n{FORGED}\\u202e")
    except ValueError:
        logging.getLogger("temporalio.activity").warning("Completing activity as failed", exc_info=True)
    logging.getLogger("pipelex.io").warning("read %d bytes of %s in %.1f s", 12, "a.txt", 0.5)
    """
)


def _server_log() -> str:
    done = subprocess.run(
        [sys.executable, "-c", SERVER], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_a_quoted_text_cannot_add_a_log_line_nor_reach_the_terminal() -> None:
    log = _server_log()
    lines = log.splitlines()
    assert not [line for line in lines if line.startswith(FORGED)], log
    for raw in ("\x1b", "\x07", "\r", "\u202e"):
        assert raw not in log, (raw, log)
    # the provider's failure: one line, its text written out
    assert (
        f"a provider call failed while serving /v1/run: refused by http://10.0.3.7:8000/v1\\n{FORGED}" in log
    )
    assert "\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\r" in log
    # the internal error: its traceback keeps its lines, the exception's message is one of them
    assert "Traceback (most recent call last):\n" in log
    assert f"RuntimeError: boom\\n{FORGED}\\x1b[2J" in lines
    # the worker's routed SDK record (the activity's exception) likewise
    assert f"ValueError: activity failed\\n{FORGED}\\u202e" in lines
    # a normal message is unchanged
    assert "read 12 bytes of a.txt in 0.5 s" in lines


def _record(msg: object, args: object = None, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("pipelex.api", logging.WARNING, __file__, 1, msg, args, exc_info)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        ("plain", None),
        ("%s of %d items in %.2f s (%r)", ("run", 3, 1.5, "x")),
        (
            "internal error %s while serving %s\n%s",
            ("abc", "/v1/run", LogLines("Traceback:\n  line\nError: x")),
        ),
        ("%(pipe)s: %(n)d", {"pipe": "say", "n": 2}),
        ("tab\tand unicode é ✓ %s", ("ok",)),
        ("the Temporal session was reopened", ()),
    ],
)
def test_normal_messages_are_unchanged(msg: str, args: object) -> None:
    for fmt in ("%(message)s", "%(levelname)s %(name)s: %(message)s"):
        assert EscapingFormatter(fmt).format(_record(msg, args)) == logging.Formatter(fmt).format(
            _record(msg, args)
        )


def test_a_normal_traceback_is_unchanged() -> None:
    try:
        try:
            raise KeyError("k")
        except KeyError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as exc:
        caught = exc
    assert EscapingFormatter().format(_record("failed", None, caught)) == logging.Formatter().format(
        _record("failed", None, caught)
    )


def test_a_record_is_left_as_it_was_for_the_other_handlers() -> None:
    try:
        raise ValueError("x\ny")
    except ValueError as exc:
        caught = exc
    record = _record("%s", ("a\nb",), caught)
    EscapingFormatter().format(record)
    assert record.args == ("a\nb",)
    assert record.msg == "%s"
    assert logging.Formatter().format(record).startswith("a\nb\n")
    assert "ValueError: x\ny" in logging.Formatter().format(record)


def test_escaping_keeps_only_line_feeds_of_log_lines() -> None:
    assert escape_log_text("a\nb\r\x1b\u2028\x85\t") == "a\\nb\\r\\x1b\\u2028\\x85\t"
    assert escape_log_text("a\nb\r", keep_lines=True) == "a\nb\\r"
    try:
        raise ValueError("one\ntwo")
    except ValueError as exc:
        text = format_exception_escaped(exc)
    assert isinstance(text, LogLines)
    assert text.splitlines()[-1] == "ValueError: one\\ntwo"


UVICORN = textwrap.dedent(
    f"""
    import logging
    from pipelex.api.guards import uvicorn_config
    from pipelex.config.settings import LimitsConfig

    uvicorn_config(object(), LimitsConfig(), log_level="info")  # `pipelex api serve`'s settings: logging set up
    try:
        raise RuntimeError("escaped the app\\n{FORGED}\\x1b[2J")
    except RuntimeError:
        logging.getLogger("uvicorn.error").error("Exception in ASGI application", exc_info=True)
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    """
)


def test_uvicorns_records_under_api_serve_quote_escaped() -> None:
    done = subprocess.run(
        [sys.executable, "-c", UVICORN], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert not [line for line in lines if line.startswith(FORGED)], done.stderr
    assert "\x1b" not in done.stderr
    assert f"RuntimeError: escaped the app\\n{FORGED}\\x1b[2J" in lines
    assert "Traceback (most recent call last):" in lines
    assert "INFO:     Started server process [42]" in lines  # uvicorn's own format, unchanged


MCP_UVICORN = textwrap.dedent(
    f"""
    import logging, logging.config
    import uvicorn
    from pipelex.mcp import server

    given = {{}}
    uvicorn.run = lambda app, **options: given.update(options)  # `pipelex mcp serve --http`'s settings, not served
    server._serve_http(server.build_server(), 8765)
    logging.config.dictConfig(given["log_config"])  # what uvicorn.run does with them
    try:
        raise RuntimeError("escaped the app\\n{FORGED}\\x1b[2J")
    except RuntimeError:
        logging.getLogger("uvicorn.error").error("Exception in ASGI application", exc_info=True)
    """
)


def test_uvicorns_records_under_mcp_serve_http_quote_escaped() -> None:
    """The eleventh pass's left item: the MCP server's HTTP transport kept uvicorn's default formatter."""
    done = subprocess.run(
        [sys.executable, "-c", MCP_UVICORN],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PIPELEX_MCP_TOKEN": "t"},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert not [line for line in lines if line.startswith(FORGED)], done.stderr
    assert "\x1b" not in done.stderr
    assert f"RuntimeError: escaped the app\\n{FORGED}\\x1b[2J" in lines, done.stderr


EMBEDDED = textwrap.dedent(
    f"""
    import logging, sys
    from pipelex.reporting.run_warnings import record_warning

    before = logging.lastResort
    record_warning("an input said\\n{FORGED}{CLIP}")  # no leaf collects it: logged under pipelex.run
    assert logging.lastResort is before, "the program's last-resort handler was replaced"
    logging.getLogger("app").warning("the program's own\\nrecord")  # the program's: its last resort, as it is
    print("--", file=sys.stderr)
    logging.basicConfig(format="APP %(name)s %(message)s")  # the program configures logging: its handler alone
    record_warning("second")
    """
)


def test_an_embedding_program_keeps_its_last_resort_handler() -> None:
    """A library path that logs (a run warning no leaf collects, the boot's warning, a live run) leaves
    ``logging.lastResort`` as the program set it: the ``pipelex`` records no handler takes print escaped, once,
    and once the program configures a handler they go there only."""
    done = subprocess.run(
        [sys.executable, "-c", EMBEDDED], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    first, second = done.stderr.split("--\n")
    assert first.count(FORGED) == 1 and "\x1b" not in first
    assert "an input said\\n" + FORGED in first  # escaped, on one line
    assert "the program's own\nrecord" in first  # the program's record: Python's last resort, untouched
    assert second.strip() == "APP pipelex.run second"  # the program's handler, no second copy


COMMAND = textwrap.dedent(
    f"""
    import logging
    from pipelex.logtext import escape_pipelex_records, escape_unhandled_records
    from pipelex.reporting.run_warnings import record_warning

    escape_unhandled_records()  # what a command does first (its last resort escapes)
    escape_pipelex_records()  # what a live run's library path does next
    record_warning("an input said\\n{FORGED}")  # no leaf collects it: logged under pipelex.run
    logging.getLogger("pipelex.temporal").warning("the server went away")
    logging.getLogger("app").warning("not pipelex's")
    """
)


def test_a_commands_pipelex_records_print_once_when_both_last_resorts_are_installed() -> None:
    """A command installs its escaping last resort, and a live run's library path adds the ``pipelex`` logger's
    own: each ``pipelex`` record still prints, once and escaped (Python's last resort is not consulted for a
    record that met a handler on its way, so the ``pipelex`` one must write it)."""
    done = subprocess.run(
        [sys.executable, "-c", COMMAND], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count(FORGED) == 1 and "an input said\\n" + FORGED in done.stderr, done.stderr
    assert done.stderr.count("the server went away") == 1, done.stderr
    assert done.stderr.count("not pipelex's") == 1, done.stderr
