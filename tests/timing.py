"""Ceilings for the waits of the tests: how long a server may take to come up, a short run to end.

They are deadlines, not speed checks: every wait ends as soon as its condition holds (or its process exits,
which fails at once), so a generous ceiling costs nothing when things work. They are sized for a busy 2-core
machine (CI may run on a developer's machine with other test runs and type checks beside it, load 20 and
more), where an API server with an in-process Temporal worker took over 30 s to answer its first /health.
"""

STARTUP_S = 120.0
"""A server (a subprocess, or uvicorn in a thread) answering its first request."""

RUN_S = 120.0
"""A short run (a dry run, a one-second nap) reaching its end state."""
