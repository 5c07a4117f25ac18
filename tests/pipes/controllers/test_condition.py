"""PipeCondition, live: the expression prints its value as a template prints it (a Text its text, not
``text='...'``), and the outcome whose key is exactly that text runs (no trimming, no case folding, as the
reference chooses)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from pipelex.boot import Pipelex
from pipelex.errors import PipeRunError
from pipelex.memory.stuff import Stuff
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.testing.fake_provider import FakeProvider

ROUTER = """
    domain = "help_desk"
    main_pipe = "route"

    [pipe.route]
    type = "PipeCondition"
    description = "Route a ticket by its category"
    inputs = { category = "CONCEPT" }
    output = "Text"
    EXPRESSION
    default_outcome = "say_default"

    [pipe.route.outcomes]
    billing = "say_billing"
    "3" = "say_three"
    yes = "say_yes"

    [pipe.say_billing]
    type = "PipeCompose"
    description = "Billing"
    inputs = { category = "CONCEPT" }
    output = "Text"
    template = "BILLING {{ category }}"

    [pipe.say_three]
    type = "PipeCompose"
    description = "Three"
    inputs = { category = "CONCEPT" }
    output = "Text"
    template = "THREE {{ category }}"

    [pipe.say_yes]
    type = "PipeCompose"
    description = "Yes"
    inputs = { category = "CONCEPT" }
    output = "Text"
    template = "YES {{ category }}"

    [pipe.say_default]
    type = "PipeCompose"
    description = "Default"
    inputs = { category = "CONCEPT" }
    output = "Text"
    template = "DEFAULT {{ category }}"
"""


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        Pipelex.make()
        yield fake


async def route(concept: str, expression: str, content: Any) -> str:
    bundle = textwrap.dedent(ROUTER).replace("CONCEPT", concept).replace("EXPRESSION", expression)
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.LIVE)
    output = await runner.execute_pipeline({"category": {"concept": concept, "content": content}})
    assert isinstance(output.main_stuff, Stuff), output.main_stuff
    return output.main_stuff.content.model_dump()["text"]


@pytest.mark.parametrize(
    ("concept", "expression", "content", "chosen"),
    [
        ("Text", 'expression = "category"', "billing", "BILLING billing"),
        ("Text", 'expression_template = "{{ category }}"', "billing", "BILLING billing"),
        ("Text", 'expression = "category.text"', "billing", "BILLING billing"),
        ("Text", 'expression = "category"', "other", "DEFAULT other"),
        ("Text", 'expression = "category"', "Billing", "DEFAULT Billing"),  # keys are matched exactly
        ("Text", 'expression = "category"', "  billing \n", "DEFAULT   billing \n"),  # nor trimmed
        (
            "Text",
            'expression = "category"',
            " ",
            "DEFAULT  ",
        ),  # a blank value is a value: no outcome, the default
        (
            "Text",
            'expression_template = " {{ category }}"',
            "billing",
            "DEFAULT billing",
        ),  # the template's space
        (
            "Text",
            'expression_template = "{{ category }}\\n"',
            "billing",
            "BILLING billing",
        ),  # Jinja2 drops a last \n
        ("Text", 'expression = "category.text|lower"', "BILLING", "BILLING BILLING"),
        ("Number", 'expression = "category"', {"number": 3}, "THREE 3"),
        ("Number", 'expression = "category"', {"number": 3.0}, "DEFAULT 3.0"),
        ("YesNo", 'expression = "category"', {"yes_no": True}, "YES yes"),
    ],
)
async def test_a_live_condition_takes_the_outcome_its_value_prints(
    live: FakeProvider, concept: str, expression: str, content: Any, chosen: str
) -> None:
    assert await route(concept, expression, content) == chosen
    assert live.total_calls == 0  # no model call: conditions and templates are rendered locally


async def test_an_empty_value_matches_no_outcome_even_with_a_default(live: FakeProvider) -> None:
    expression = "expression_template = \"{% if category.text == 'x' %}x{% endif %}\""
    with pytest.raises(PipeRunError) as caught:
        await route("Text", expression, "billing")
    assert caught.value.error_type == "condition_unmatched"  # as the reference reports it
    assert "rendered to an empty string" in str(caught.value) and "billing, 3, yes" in str(caught.value)
