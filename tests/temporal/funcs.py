"""Functions called by the PipeFunc leaves of the Temporal tests (importable by worker subprocesses too)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pipelex.concepts.natives import TextContent

COUNTER_ENV = "PIPELEX_TEST_COUNTER_FILE"


def _record(line: str) -> None:
    path = os.environ.get(COUNTER_ENV)
    if path:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()


def shout(**inputs: TextContent) -> TextContent:
    """The (single) input text in capitals, with a mark (a live PipeFunc leaf)."""
    [text] = inputs.values()
    _record(f"shout {text.text}")
    return TextContent(text=text.text.upper() + "!")


def refuse(**inputs: TextContent) -> TextContent:
    """Always fails (an author's bug: never retried)."""
    [text] = inputs.values()
    _record(f"refuse {text.text}")
    raise ValueError(f"refusing {text.text!r}")


def slow_step(text: TextContent) -> TextContent:
    """Logs its start and end to the counter file and sleeps ``PIPELEX_TEST_STEP_SECONDS`` in between."""
    _record(f"start {text.text}")
    time.sleep(float(os.environ.get("PIPELEX_TEST_STEP_SECONDS", "0.5")))
    _record(f"end {text.text}")
    return TextContent(text=text.text + "+")
