"""Warnings of a leaf (a reply cut off by the token limit, ...), collected like usage: a context variable
set around the leaf, filled by the provider layer, then written on the leaf's graph node.

The run's warnings are the warnings of its graph nodes (``PipelineOutput.warnings``); the CLI prints them.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from contextvars import ContextVar

_sink: ContextVar[list[str] | None] = ContextVar("pipelex_warning_sink", default=None)


@contextmanager
def collect_warnings() -> Generator[list[str], None, None]:
    """Collect the warnings raised inside the block (tasks started inside share the list)."""
    messages: list[str] = []
    token = _sink.set(messages)
    try:
        yield messages
    finally:
        _sink.reset(token)


def record_warning(message: str) -> None:
    """Add a warning to the current leaf (logged when no leaf collects it)."""
    messages = _sink.get()
    if messages is not None:
        if message not in messages:
            messages.append(message)
        return
    import logging

    from pipelex.logtext import escape_pipelex_records

    escape_pipelex_records()  # a warning quotes what a run met (a model's answer, an input): printed escaped
    logging.getLogger("pipelex.run").warning("%s", message)
