"""PipeLLM, live against the fake provider: ``{{ x }}`` in a prompt prints the input as a template prints it (a
Text its text, a list of Text as bullets, a structure as headed lines), never a model's ``text='...'`` form."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from pipelex.boot import Pipelex
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.testing.fake_provider import FakeProvider

ASK = """
    domain = "ask_desk"
    main_pipe = "ask"

    [concept.Ticket]
    description = "A ticket"
    [concept.Ticket.structure]
    title = { type = "text", description = "Title", required = true }
    tags = { type = "list", item_type = "text", description = "Tags", required = true }

    [pipe.ask]
    type = "PipeLLM"
    description = "Ask about the input"
    inputs = { x = "CONCEPT" }
    output = "Text"
    prompt = "About <<{{ x }}>>: answer."
"""


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    with FakeProvider() as provider:
        for key, value in provider.env().items():
            monkeypatch.setenv(key, value)
        Pipelex.make()
        yield provider


def _prompts(fake: FakeProvider) -> list[str]:
    """The user text of each chat call the fake received."""
    found: list[str] = []
    for request in fake.requests:
        messages = request.body.get("messages") or []
        for message in messages:
            if message.get("role") != "user":
                continue
            content = message["content"]
            if isinstance(content, list):
                content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
            found.append(str(content))
    return found


@pytest.mark.parametrize(
    ("concept", "content", "printed"),
    [
        ("Text", "urgent", "urgent"),
        ("Number", {"number": 3}, "3"),
        ("YesNo", {"yes_no": True}, "yes"),
        ("Text[]", ["a", "b"], " • a\n • b\n"),
        ("Ticket", {"title": "Broken", "tags": ["a", "b"]}, "# title: Broken\n\n# tags\n\n- a\n- b"),
        ("Ticket", {"title": "Broken", "tags": ["a"]}, "# title: Broken\n\n# tags: - a"),  # one line: inline
    ],
)
async def test_a_prompt_prints_its_inputs_as_the_language_does(
    fake: FakeProvider, concept: str, content: Any, printed: str
) -> None:
    bundle = textwrap.dedent(ASK).replace("CONCEPT", concept)
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.LIVE)
    await runner.execute_pipeline({"x": {"concept": concept.removesuffix("[]"), "content": content}})
    prompts = _prompts(fake)
    assert any(f"About <<{printed}>>: answer." in prompt for prompt in prompts), prompts
