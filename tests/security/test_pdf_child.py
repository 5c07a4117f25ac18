"""The PDF reader's child process never outlives its run.

PDFium runs in a child (``pipelex/inference/live/pdf_reader.py``) bounded by its CPU time; before this, a run the
runner API killed at its deadline (``SIGKILL`` of the worker) left the child reading on, up to its CPU cap
(``run_deadline_seconds`` of CPU: minutes of a core for each killed run). The child now asks the kernel to kill
it when its parent dies, and a cancelled read kills it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelex.config.run_settings import LimitsConfig
from pipelex.errors import LimitExceededError
from pipelex.inference.live import pdf_reader
from pipelex.inference.live.pdf_reader import child_command, pdf_text_pages, render_pdf_pages
from tests.inference.conftest import extract_job
from tests.timing import STARTUP_S

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


def _gone(pid: int) -> bool:
    """Whether ``pid`` has ended (a zombie waiting for its reaper counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in {"Z", "X"}


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return _gone(pid)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# The "run": starts the PDF reader's child exactly as pdf_reader does (its command line), its stdin a pipe the
# test holds open (so the child waits for the PDF), prints the child's pid, then waits to be killed.
_RUN = """
import subprocess, sys, time
argv = sys.argv[2:]
child = subprocess.Popen(argv, stdin=int(sys.argv[1]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(child.pid, flush=True)
time.sleep(600)
"""


@linux_only
def test_the_pdf_reader_dies_with_the_process_that_started_it() -> None:
    reading, writing = os.pipe()
    # child_command names the pid of the process that builds it: build it in the run process itself
    run = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, os\n"
            "from pipelex.config.run_settings import LimitsConfig\n"
            "from pipelex.inference.live.pdf_reader import child_command\n"
            f"sys.argv = [sys.argv[0], {reading!r}, *child_command('text', 72, LimitsConfig(run_deadline_seconds=600))]\n"
            + _RUN,
        ],
        pass_fds=(reading,),
        stdout=subprocess.PIPE,
        text=True,
    )
    os.close(reading)
    child = 0
    try:
        assert run.stdout is not None
        child = int(run.stdout.readline())
        time.sleep(min(STARTUP_S, 2.0))  # the child is up (python started, its prctl done)
        assert not _gone(child), "the reader should be waiting for its PDF"
        run.send_signal(signal.SIGKILL)  # the API kills a worker past its deadline like this
        run.wait()
        assert _wait_gone(child, 10), "the PDF reader outlived the run that started it"
    finally:
        os.close(writing)
        if child:
            _kill(child)
        if run.poll() is None:
            run.kill()
        run.wait()
        if run.stdout is not None:
            run.stdout.close()


@linux_only
def test_a_reader_whose_parent_is_already_gone_stops_at_once() -> None:
    # a parent id that is not the child's parent: the parent died between the fork and the prctl
    argv = child_command("text", 72, LimitsConfig())
    argv[-1] = str(os.getpid() + 1_000_000)
    done = subprocess.run(argv, input=b"%PDF-1.4", capture_output=True, timeout=60, check=False)
    assert done.returncode == 4  # pdf_child.ORPHAN_EXIT
    assert done.stdout == b""


async def test_a_cancelled_read_kills_the_pdf_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[asyncio.subprocess.Process] = []
    spawn = asyncio.create_subprocess_exec

    async def recording(*argv: str, **kwargs: object) -> asyncio.subprocess.Process:
        process = await spawn(*argv, **kwargs)  # type: ignore[arg-type]
        started.append(process)
        return process

    async def never(process: asyncio.subprocess.Process, data: bytes, *, cap: int) -> tuple[bytes, bool]:
        await asyncio.Event().wait()  # a read still going on when its run is cancelled
        raise AssertionError("unreachable")

    monkeypatch.setattr(pdf_reader.asyncio, "create_subprocess_exec", recording)
    monkeypatch.setattr(pdf_reader, "_talk", never)
    task = asyncio.create_task(pdf_text_pages(b"%PDF-1.4", extract_job()))
    for _ in range(200):
        if started:
            break
        await asyncio.sleep(0.05)
    assert started, "the reader was not started"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert started[0].returncode is not None, "the cancelled read left its PDF reader running"
    assert _wait_gone(started[0].pid, 10)


_FRAMES_CHILD = """
import json, sys
out = sys.stdout.buffer
def frame(kind, payload):
    out.write(kind + len(payload).to_bytes(4, "big") + payload)
frame(b"H", json.dumps({"pages": 40}).encode())
{body}
out.flush()
"""


def _frames_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    """A stand-in for the PDF reader's child writing these frames, whatever PDF it is given."""
    child = tmp_path / "child.py"
    child.write_text(_FRAMES_CHILD.replace("{body}", body), encoding="utf-8")
    monkeypatch.setattr(pdf_reader, "_CHILD", child)


SMALLEST = LimitsConfig(
    run_memory_bytes=128 * 1024**2
)  # text read up to 16 MiB, rendered pages up to 128 MiB


async def test_a_pdfs_text_is_read_up_to_an_eighth_of_the_memory_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 pages of 1 MiB of text each (a text bomb's output): past 16 MiB the read stops and the pipe fails naming
    run_memory_bytes; the same 40 MiB as rendered pages is read (their bound is the whole setting)."""
    _frames_child(tmp_path, monkeypatch, "for _ in range(40):\n    frame(b'P', b'a' * 1024 * 1024)")
    with pytest.raises(LimitExceededError) as caught:
        await pdf_text_pages(b"%PDF-1.4", extract_job(limits=SMALLEST))
    message = str(caught.value)
    assert "the PDF's text takes more than 16,777,216 bytes (1/8 of [limits] run_memory_bytes" in message, (
        message
    )
    pages = await render_pdf_pages(b"%PDF-1.4", extract_job(limits=SMALLEST), dpi=72)
    assert len(pages) == 40 and {len(page) for page in pages} == {1024 * 1024}


async def test_a_frame_declaring_more_than_the_bound_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A frame whose length passes the bound is refused from its header (its payload never comes: a reader waiting
    for it would wait forever); an endless run of small frames stops at the bound too."""
    _frames_child(
        tmp_path,
        monkeypatch,
        "out.write(b'P' + (2**32 - 1).to_bytes(4, 'big'))\nout.flush()\nimport time\ntime.sleep(3600)",
    )
    with pytest.raises(LimitExceededError, match="rendered pages take more than"):
        await render_pdf_pages(b"%PDF-1.4", extract_job(limits=SMALLEST), dpi=72)
    _frames_child(tmp_path, monkeypatch, "while True:\n    frame(b'P', b'a' * 65536)")
    with pytest.raises(LimitExceededError, match="the PDF's text takes more than"):
        await pdf_text_pages(b"%PDF-1.4", extract_job(limits=SMALLEST))
