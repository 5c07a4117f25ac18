"""The usage sink of a leaf (see :mod:`pipelex.reporting.usage`, whose ``collect_usage`` and ``record_usage`` are
these, typed): where its provider calls report their ``TokenUsage``, a context variable (no module-global state).

Apart from the usage models, so a leaf that reports nothing (every leaf of a dry run or a validation) collects
without creating them (the three models were ~4 M instructions of every validate).
"""

from collections.abc import Generator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

# the records are TokenUsage models (typed by pipelex.reporting.usage's collect_usage and record_usage, which call
# these: this module does not import the models)
_sink: ContextVar[list[Any] | None] = ContextVar("pipelex_usage_sink", default=None)


@contextmanager
def collect_usage() -> Generator[list[Any], None, None]:
    """Collect the usage the provider calls made inside the block report (tasks started inside share it)."""
    records: list[Any] = []
    token = _sink.set(records)
    try:
        yield records
    finally:
        _sink.reset(token)


def record_usage(usage: Any) -> None:
    """Report one provider call's usage to the current sink (dropped when no leaf collects it)."""
    records = _sink.get()
    if records is not None:
        records.append(usage)
