"""The connections of the HTTP servers (``pipelex.serving``): room for them in the process's limit of open files.

Each case runs in a child process, whose limits it changes."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

PROBE = """
import logging, resource, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
from pipelex.serving import ACCEPT_BURSTS, connection_room, FILE_MARGIN
resource.setrlimit(resource.RLIMIT_NOFILE, ({soft}, {hard}))
connections, backlog = connection_room(1000)
print(connections, backlog, resource.getrlimit(resource.RLIMIT_NOFILE)[0], FILE_MARGIN, ACCEPT_BURSTS)
"""


def _room(soft: int, hard: int) -> tuple[list[int], str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(soft=soft, hard=hard)], capture_output=True, text=True, check=True
    )
    return [int(word) for word in done.stdout.split()], done.stderr


def test_the_soft_limit_is_raised_to_hold_every_connection_and_the_backlog() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 8000:
        pytest.skip(f"this machine's hard limit of open files is {hard}")
    (connections, backlog, soft, margin, bursts), warned = _room(1024, 8000)
    assert (connections, backlog) == (1000, 2048)
    assert soft == connections + bursts * backlog + margin
    assert "warning" not in warned.lower()


def test_under_a_low_hard_limit_connections_and_backlog_fit_within_it() -> None:
    (connections, backlog, soft, margin, bursts), warned = _room(1024, 1024)
    assert soft == 1024
    assert connections + bursts * backlog + margin <= 1024 and connections >= 500 and backlog >= 1
    assert f"serves {connections} connections at once, not the 1000" in warned
