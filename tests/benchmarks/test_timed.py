"""``benchmarks/timed.py``: a command's own exit code, CPU time, peak memory and output tail; killed past its timeout."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from timed import run_timed  # noqa: E402

BURN = "import sys\nx = bytearray(64 * 1024 * 1024)\nn = 0\nfor i in range(3_000_000): n += i\nprint('line 1')\nprint('done', n)\nsys.exit(3)"


def test_the_child_is_measured_on_its_own() -> None:
    timed = run_timed([sys.executable, "-c", BURN], timeout=120)
    assert timed.code == 3
    assert timed.tail.splitlines()[-1] == f"done {sum(range(3_000_000))}"
    assert timed.cpu > 0.0
    assert timed.wall >= timed.cpu * 0.5  # one thread: its CPU time cannot be far above the wall time
    assert timed.rss_mb >= 64  # the child's 64 MB buffer, not this process's memory


def test_a_command_past_its_timeout_is_killed_and_said_so() -> None:
    timed = run_timed([sys.executable, "-c", "import time; time.sleep(60)"], timeout=1.0)
    assert timed.code == -9
    assert timed.tail == "timed out after 1 s"
    assert timed.wall < 50
