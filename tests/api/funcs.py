"""Functions the test bundles' PipeFunc pipes call (live runs, on servers that allow PipeFunc)."""

from __future__ import annotations

import time

from pipelex.concepts.natives import TextContent


def sleepy(delay: TextContent) -> TextContent:
    """Block the calling thread for ``delay`` seconds (a run that keeps a worker busy)."""
    time.sleep(float(delay.text))
    return TextContent(text=f"slept {delay.text} s")


def explode(text: TextContent) -> TextContent:
    """Fail the way a buggy user function does."""
    raise RuntimeError(f"the function could not handle {text.text!r}")
