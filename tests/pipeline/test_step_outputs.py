"""A sequence step's ``nb_output`` / ``multiple_output`` asks the pipe it runs for a list (``X[N]`` / ``X[]``) instead
of its declared output: validation, dry runs and live runs agree on it, ``$_nb_output`` sees the requested number,
and the request concerns that step only (the same pipe elsewhere, and the pipes it calls, keep their outputs)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from pipelex.boot import Pipelex
from pipelex.concepts.natives import ListContent, TextContent
from pipelex.config.deck import default_deck
from pipelex.errors import PipeRunError
from pipelex.language.library import build_library
from pipelex.memory.stuff import Stuff
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner, PipelineOutput
from pipelex.testing.fake_provider import FakeProvider
from pipelex.validation.static import check_library

KITCHEN = """
    domain = "test_kitchen"
    main_pipe = "plan_menu"

    [concept.Dish]
    description = "A dish on the menu"
    [concept.Dish.structure]
    name = { type = "text", description = "Its name", required = true }
    course = { type = "text", description = "Starter, main or dessert", required = true }

    [pipe.plan_menu]
    type = "PipeSequence"
    description = "Three dishes, some side ideas, then a menu card line per dish"
    inputs = { theme = "Text" }
    output = "Text[]"
    steps = [
      { pipe = "invent_dish", result = "dishes", nb_output = 3 },
      # the model decides how many sides
      { pipe = "side_idea", result = "sides", multiple_output = true },
      { pipe = "menu_card", batch_over = "dishes", batch_as = "dish", result = "cards" },
    ]

    [pipe.invent_dish]
    type = "PipeLLM"
    description = "Invent a dish"
    inputs = { theme = "Text" }
    output = "Dish"
    prompt = "Invent $_nb_output dishes for a $theme dinner."

    [pipe.side_idea]
    type = "PipeLLM"
    description = "A side dish idea"
    inputs = { theme = "Text" }
    output = "Text"
    prompt = "Suggest side dishes for a $theme dinner{% if _nb_output is none %}, as many as fit{% endif %}."

    [pipe.menu_card]
    type = "PipeLLM"
    description = "One line of the menu card"
    inputs = { dish = "Dish", sides = "Text[]" }
    output = "Text"
    prompt = "Write a menu card line for $dish.name, served with one of: $sides"
"""

COURSE = """
    domain = "test_kitchen"
    main_pipe = "courses"

    [pipe.courses]
    type = "PipeSequence"
    description = "Two courses from a sub-sequence"
    inputs = { theme = "Text" }
    output = "Text[]"
    steps = [{ pipe = "one_course", result = "lines", nb_output = 2 }]

    [pipe.one_course]
    type = "PipeSequence"
    description = "One course line"
    inputs = { theme = "Text" }
    output = "Text"
    steps = [{ pipe = "course_line", result = "line" }]

    [pipe.course_line]
    type = "PipeLLM"
    description = "A course line"
    inputs = { theme = "Text" }
    output = "Text"
    prompt = "A course for $theme"
"""


@pytest.fixture(autouse=True)
def _booted() -> Iterator[None]:
    Pipelex.make(needs_inference=False)
    yield
    Pipelex.teardown()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    """A fake OpenAI/Anthropic provider on 127.0.0.1, with the process booted for live runs."""
    with FakeProvider() as provider:
        for key, value in provider.env().items():
            monkeypatch.setenv(key, value)
        Pipelex.make()
        yield provider


def diagnose(text: str) -> list[tuple[str, str | None, str]]:
    library = build_library([(textwrap.dedent(text), "bundle.mthds")])
    return [(d.error_type, d.pipe, d.message) for d in check_library(library, default_deck())]


async def run(bundle: str, mode: PipeRunMode, pipe: str | None = None) -> PipelineOutput:
    runner = PipelexRunner(mthds_content=textwrap.dedent(bundle), pipe_run_mode=mode)
    return await runner.execute_pipeline({"theme": "harvest"}, pipe_code=pipe)


def items_of(output: PipelineOutput, name: str) -> list[Any]:
    stuff = output.working_memory.get(name)
    assert stuff is not None, name
    assert isinstance(stuff.content, ListContent), f"{name} holds {stuff.content!r}, not a list"
    return list(stuff.content.items)


def test_the_kitchen_bundle_validates() -> None:
    assert diagnose(KITCHEN) == []


def test_without_its_list_request_a_later_step_reading_the_list_is_refused() -> None:
    found = diagnose(KITCHEN.replace(", multiple_output = true", ""))
    assert found and all(pipe == "plan_menu" for _, pipe, _ in found), found


@pytest.mark.parametrize("mode", [PipeRunMode.DRY, PipeRunMode.LIVE], ids=["dry", "live"])
async def test_steps_make_the_lists_they_ask_for(mode: PipeRunMode, request: pytest.FixtureRequest) -> None:
    if mode is PipeRunMode.LIVE:
        request.getfixturevalue("fake")
    output = await run(KITCHEN, mode)
    dishes = items_of(output, "dishes")
    assert len(dishes) == 3
    stored = output.working_memory.get("dishes")
    assert stored is not None and stored.concept == "test_kitchen.Dish"
    assert len(items_of(output, "sides")) >= 1
    assert all(isinstance(side, TextContent) for side in items_of(output, "sides"))
    cards = items_of(output, "cards")  # one single line per dish: the request stays on its own step
    assert len(cards) == 3 and all(isinstance(card, TextContent) for card in cards)
    assert isinstance(output.main_stuff, Stuff), output.main_stuff
    assert isinstance(output.main_stuff.content, ListContent) and len(output.main_stuff.content.items) == 3


async def test_nb_output_in_the_prompt_is_the_number_the_step_asks_for(fake: FakeProvider) -> None:
    await run(KITCHEN, PipeRunMode.LIVE)
    prompts = [text for _, text in _sent(fake)]
    assert any("Invent 3 dishes for a harvest dinner." in p for p in prompts), prompts
    assert any("for a harvest dinner, as many as fit." in p for p in prompts), prompts


async def test_the_same_pipe_run_alone_keeps_its_declared_output(fake: FakeProvider) -> None:
    output = await run(KITCHEN, PipeRunMode.LIVE, pipe="invent_dish")
    assert isinstance(output.main_stuff, Stuff), output.main_stuff
    assert not isinstance(output.main_stuff.content, ListContent)
    assert any("Invent 1 dishes" in text for _, text in _sent(fake))


async def test_a_controller_step_with_nb_output_that_yields_one_item_fails_clearly() -> None:
    assert diagnose(COURSE) == []
    with pytest.raises(PipeRunError) as caught:
        await run(COURSE, PipeRunMode.DRY)
    message = str(caught.value)
    assert "one_course" in message and "nb_output = 2" in message and "1 items" in message


async def test_a_controller_step_with_multiple_output_gives_a_list() -> None:
    output = await run(COURSE.replace("nb_output = 2", "multiple_output = true"), PipeRunMode.DRY)
    assert len(items_of(output, "lines")) == 1


def _sent(fake: FakeProvider) -> list[tuple[str, str]]:
    """``(system, user)`` texts of each chat call the fake received."""
    found: list[tuple[str, str]] = []
    for req in fake.requests:
        messages = req.body.get("messages") or []
        system = next((m["content"] for m in messages if m.get("role") == "system"), "")
        user = [m["content"] for m in messages if m.get("role") == "user"]
        text = user[-1] if user else ""
        if isinstance(text, list):
            text = "".join(part.get("text", "") for part in text if isinstance(part, dict))
        found.append((str(system), str(text)))
    return found


BATCHED = (
    KITCHEN.replace(
        '{ pipe = "menu_card", batch_over = "dishes", batch_as = "dish", result = "cards" },',
        '{ pipe = "menu_card", batch_over = "dishes", batch_as = "dish", result = "cards", nb_output = 2 },\n'
        '      { pipe = "count_cards", result = "tally" },',
    ).replace('output = "Text[]"', 'output = "Text"', 1)
    + """
    [pipe.count_cards]
    type = "PipeLLM"
    description = "Count the cards"
    inputs = { cards = "Text[]" }
    output = "Text"
    prompt = "How many cards: $cards"
"""
)


async def test_a_batched_step_keeps_one_output_per_item_in_validation_and_run() -> None:
    assert diagnose(BATCHED) == []
    output = await run(BATCHED, PipeRunMode.DRY)
    cards = items_of(output, "cards")
    assert len(cards) == 3 and all(isinstance(card, TextContent) for card in cards)


POSTERS = """
    domain = "test_kitchen"
    main_pipe = "posters"

    [pipe.posters]
    type = "PipeSequence"
    description = "Two poster images, then a caption over both"
    inputs = { theme = "Text" }
    output = "Text"
    steps = [
      { pipe = "draw_poster", result = "images", nb_output = 2 },
      { pipe = "caption", result = "caption" },
    ]

    [pipe.draw_poster]
    type = "PipeImgGen"
    description = "A poster"
    inputs = { theme = "Text" }
    output = "Image"
    prompt = "Poster number 1 of $_nb_output for a $theme dinner"

    [pipe.caption]
    type = "PipeLLM"
    description = "A caption over the posters"
    inputs = { images = "Image[]" }
    output = "Text"
    prompt = "Caption these posters: $images"
"""


async def test_an_image_step_with_nb_output_makes_that_many_images() -> None:
    assert diagnose(POSTERS) == []
    output = await run(POSTERS, PipeRunMode.DRY)
    assert len(items_of(output, "images")) == 2
