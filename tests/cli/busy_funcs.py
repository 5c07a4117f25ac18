"""A PipeFunc function that computes in the main thread and never awaits: the event loop never gets to run while
it does (tests/cli/test_stop_grace.py)."""

import os
import time

from pipelex.concepts.natives import TextContent


def spin(loud: TextContent) -> TextContent:
    """Logs its start to ``PIPELEX_TEST_COUNTER_FILE``, then computes for up to 300 s without yielding."""
    with open(os.environ["PIPELEX_TEST_COUNTER_FILE"], "a", encoding="utf-8") as log:
        log.write(f"spin {loud.text}\n")
    deadline = time.monotonic() + 300
    total = 0
    while time.monotonic() < deadline:
        total += sum(range(1000))
    return TextContent(text=str(total))
