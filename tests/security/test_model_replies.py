"""Seventh hostile pass: a hostile model answer (a prompt-injected model, a broken server in front of one).

A structured reply of JSON nesting 100,000 arrays deep, or a reply body nesting as deep, made Python's JSON reader
recurse past its limit: the ``RecursionError`` failed the pipe unexplained ("RecursionError: maximum recursion
depth exceeded ...", not retried, no repair call). Both are now malformed replies like any other: the structured
one gets the repair call, the body the retries of a malformed reply. Held (no test needed here): a reply of
invalid UTF-8 is a retried malformed reply; a PipeLLM cannot output an image or a document, so a model never names
a file the next step reads (``llm_output_cannot_be_image``).
"""

from __future__ import annotations

import json
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pipelex.boot import Pipelex
from pipelex.concepts.natives import StuffContent
from pipelex.memory.stuff import Stuff
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.testing.fake_provider import FakeProvider, Fault

NOTE = textwrap.dedent("""
    domain    = "hostile_replies"
    main_pipe = "read_note"

    [concept.Record]
    description = "A record read from a note"

    [concept.Record.structure]
    title = { type = "text", description = "Its title", required = true }

    [pipe.read_note]
    type        = "PipeLLM"
    description = "Reads a note into a record"
    inputs      = { note = "Text" }
    output      = "Record"
    prompt      = "Read this note into a record: $note"
""")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    """The fake provider on 127.0.0.1, the process booted for live runs."""
    with FakeProvider() as provider:
        for key, value in provider.env().items():
            monkeypatch.setenv(key, value)
        Pipelex.make()
        try:
            yield provider
        finally:
            Pipelex.teardown()


@pytest.mark.parametrize("fault", ["deep_reply", "deep_body"])
async def test_a_reply_nesting_too_deeply_is_a_malformed_reply(fake: FakeProvider, fault: Fault) -> None:
    fake.inject(fault, route="chat")
    runner = PipelexRunner(mthds_content=NOTE, pipe_run_mode=PipeRunMode.LIVE)
    output = await runner.execute_pipeline({"note": "the harvest fair is on Sunday"})
    assert isinstance(output.main_stuff, Stuff), output.main_stuff
    content = output.main_stuff.content
    assert isinstance(content, StuffContent) and getattr(content, "title", None), content
    assert fake.calls["chat"] == 2  # the deep reply, then the repair call or the retry


async def test_a_structured_reply_that_always_nests_too_deeply_fails_saying_so(fake: FakeProvider) -> None:
    fake.inject("deep_reply", count=100, route="chat")
    runner = PipelexRunner(mthds_content=NOTE, pipe_run_mode=PipeRunMode.LIVE)
    with pytest.raises(Exception) as caught:
        await runner.execute_pipeline({"note": "the harvest fair is on Sunday"})
    message = str(caught.value)
    assert "nests too deeply to be read" in message and "RecursionError" not in message, message
    assert "read_note" in message


def test_a_reply_of_many_unclosed_fences_is_read_in_one_pass() -> None:
    """Ninth hostile pass: a reply of 250,000 opening fences and no closing one (1.25 MB from a hostile or
    prompt-injected model) was searched for a fenced block by one pattern scanning the rest of the reply from each
    opening (a 100 KB reply: 11 s; this one: about 20 minutes of a worker); it is read in one pass."""
    import subprocess
    import sys

    child = (
        "import time\n"
        "from pipelex.inference.live.generator import _json_in_prose\n"
        "started = time.monotonic()\n"
        "assert _json_in_prose('```\\na' * 250_000) is None\n"
        "assert _json_in_prose('```\\na' * 250_000 + '\\n```') is None\n"
        "assert _json_in_prose('Here:\\n```json\\n{\"title\": \"x\"}\\n```\\n' + '```\\na' * 1000) == ({'title': 'x'},)\n"
        "print(time.monotonic() - started)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout) < 5


# ---------------------------------------------------------------------------------------------------- numbers
SCORE = textwrap.dedent("""
    domain    = "hostile_numbers"
    main_pipe = "rate"

    [concept.Score]
    description = "A score"

    [concept.Score.structure]
    value = { type = "number", description = "The score", required = true }

    [pipe.rate]
    type        = "PipeLLM"
    description = "Rates a text"
    inputs      = { text = "Text" }
    output      = "Score"
    prompt      = "Rate: $text"
""")


@contextmanager
def replying(replies: list[str]) -> Iterator[tuple[int, list[str]]]:
    """An OpenAI-compatible server on 127.0.0.1 answering each chat call with the next of ``replies`` (the last one
    again once they run out); yields its port and the replies it sent."""
    sent: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            reply = replies[min(len(sent), len(replies) - 1)]
            sent.append(reply)
            body = json.dumps(
                {
                    "id": "x",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "gpt-4o",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            ).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], sent
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.parametrize(
    "reply",
    [
        '{"value": NaN}',
        '{"value": Infinity}',
        '{"value": -Infinity}',
        '{"value": 1e999}',
        'Here it is: ```json\n{"value": NaN}\n```',
        'The score: {"value": Infinity} as asked',
    ],
)
async def test_a_reply_holding_a_number_json_has_not_is_malformed(
    monkeypatch: pytest.MonkeyPatch, reply: str
) -> None:
    """Fourteenth hostile pass: Python's json reads `NaN`, `Infinity` and `1e999` (as infinity), JSON has none of
    them; a model answering one in a required number field (a prompt-injected model, a proxy in front of one) made a
    successful run whose output held `"value": null`. Such a reply is now malformed like any other: the retry told
    what was wrong, then the run fails saying so; a finite answer after it is taken."""
    with replying([reply, '{"value": 4.5}']) as (port, sent):
        output = await _rate(monkeypatch, port)
    assert isinstance(output.main_stuff, Stuff)
    assert output.main_stuff_json() == {"value": 4.5}
    assert sent == [reply, '{"value": 4.5}']


async def test_a_model_that_keeps_answering_nan_fails_the_pipe_saying_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with replying(['{"value": NaN}']) as (port, _sent), pytest.raises(Exception) as caught:
        await _rate(monkeypatch, port)
    assert "NaN is not a JSON number" in str(caught.value) and "rate" in str(caught.value)


async def _rate(monkeypatch: pytest.MonkeyPatch, port: int) -> Any:
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    Pipelex.make()
    try:
        return await PipelexRunner(mthds_content=SCORE, pipe_run_mode=PipeRunMode.LIVE).execute_pipeline(
            {"text": "a fair"}
        )
    finally:
        Pipelex.teardown()
