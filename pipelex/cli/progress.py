"""The progress line of a run on a terminal: what is running, how far, how long, how much.

``  PipeBatch 'label_every_crate' · items 342/10,000 · pipes done 684, running 8 · 0:12 · ETA 0:21 · $0.0123``

Drawn on stderr, refreshed twice a second, only when stderr is a terminal (``run`` checks), and erased at the
end. Plain ANSI (carriage return + erase line): nothing to import for commands that do not draw.
"""

from __future__ import annotations

import shutil
import sys
import threading
from collections.abc import Callable
from typing import Any, Protocol, TextIO

from pipelex.tracing.tracer import ProgressSnapshot

_ERASE = "\r\x1b[2K"


class _Watched(Protocol):
    """What the display reads: the tracer of the run in progress (None before the run starts)."""

    current_tracer: Any


def render_line(snapshot: ProgressSnapshot, *, show_cost: bool, width: int) -> str:
    """The progress line for ``snapshot``, cut to ``width`` characters (a wrapped line cannot be redrawn)."""
    parts: list[str] = []
    if snapshot.controller:
        parts.append(snapshot.controller)
    parts += [f"{c.unit} {c.done:,}/{c.total:,}" for c in snapshot.counters if c.total]
    parts.append(f"pipes done {snapshot.finished:,}, running {snapshot.running:,}")
    parts.append(_clock(snapshot.elapsed_s))
    if snapshot.eta_s is not None:
        parts.append(f"ETA {_clock(snapshot.eta_s)}")
    if (
        show_cost and snapshot.cost_usd is not None
    ):  # unknown (a run on the workers): no figure rather than $0
        parts.append(f"${snapshot.cost_usd:,.4f}" + (" + unpriced calls" if snapshot.unpriced else ""))
    line = "  " + " · ".join(parts)
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"


def _clock(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _snapshot(tracer: Any) -> ProgressSnapshot | None:
    if tracer is None:
        return None
    snapshot = getattr(tracer, "snapshot", None)
    if callable(snapshot):
        taken = snapshot()
        if isinstance(taken, ProgressSnapshot):
            return taken
    finished, running = tracer.progress()  # a remote run (Temporal): counts only
    return ProgressSnapshot(finished=finished, running=running, elapsed_s=0.0)


class ProgressLine:
    """Draws the progress of ``watched`` on ``stream`` (a terminal)."""

    def __init__(
        self,
        watched: _Watched,
        *,
        stream: TextIO | None = None,
        show_cost: bool = False,
        interval_s: float = 0.5,
        clock: Callable[[], float] | None = None,
    ) -> None:  # noqa: D107
        import time

        self.watched = watched
        self.stream = stream or sys.stderr
        self.show_cost = show_cost
        self.interval_s = interval_s
        self._clock = clock or time.perf_counter
        self._started = self._clock()
        self._drawn = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def draw(self) -> None:
        """Draw the line once (when the run has started)."""
        snapshot = _snapshot(self.watched.current_tracer)
        if snapshot is None:
            return
        if snapshot.elapsed_s == 0.0:  # a remote run's counts: time it here
            snapshot = ProgressSnapshot(
                finished=snapshot.finished, running=snapshot.running, elapsed_s=self._clock() - self._started
            )
        width = shutil.get_terminal_size((100, 24)).columns - 1
        self.stream.write(_ERASE + render_line(snapshot, show_cost=self.show_cost, width=width))
        self.stream.flush()
        self._drawn = True

    def start(self) -> Callable[[], None]:
        """Redraw every ``interval_s`` in a thread; return the function that stops and erases it."""

        def loop() -> None:
            while not self._stop.wait(self.interval_s):
                self.draw()

        self._thread = threading.Thread(target=loop, name="pipelex-progress", daemon=True)
        self._thread.start()
        return self.stop

    def stop(self) -> None:
        """Stop redrawing and erase the line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._drawn:
            self.stream.write(_ERASE)
            self.stream.flush()
