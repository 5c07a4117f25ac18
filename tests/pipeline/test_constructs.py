"""PipeCompose constructs fit each value to its field: a native Text, Number, YesNo... put in a scalar field gives
its value, any content put in a text field gives its text, and a plain value put in a field typed by a native
concept is wrapped into that content. Dry and live runs on the direct backend (Temporal: tests/temporal)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelex.boot import Pipelex
from pipelex.concepts.natives import NumberContent, TextContent, YesNoContent
from pipelex.errors import RunError
from pipelex.memory.stuff import Stuff
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.pipes.operators.compose import fit_value
from pipelex.testing.fake_provider import FakeProvider

STALL = """
    domain = "market_stall"
    description = "Tags for the crates of a market stall"
    main_pipe = "prepare_tag"

    [concept.PriceTag]
    description = "The tag stuck on a crate"

    [concept.PriceTag.structure]
    produce  = { type = "text", description = "What the crate holds", required = true }
    price    = { type = "number", description = "Euros per kilo", required = true }
    organic  = { type = "boolean", description = "Certified organic", required = true }
    crates   = { type = "integer", description = "Crates left", required = true }
    blurb    = { type = "text", description = "A line to catch the eye", required = true }
    label    = { type = "concept", concept_ref = "Text", description = "The label as a text", required = true }
    keywords = { type = "list", item_type = "text", description = "Search words", required = true }
    headline = { type = "text", description = "Produce and price", required = true }
    price_text = { type = "text", description = "The price written out" }
    stand    = { type = "text", description = "Fixed stand name" }

    [pipe.prepare_tag]
    type = "PipeSequence"
    description = "Writes a blurb, then builds the tag"
    inputs = { produce = "Text", price = "Number", is_organic = "YesNo", crates_left = "Number", keywords = "Text[]" }
    output = "PriceTag"
    steps = [
        { pipe = "write_blurb", result = "blurb" },
        { pipe = "build_tag", result = "tag" },
    ]

    [pipe.write_blurb]
    type = "PipeLLM"
    description = "One catchy line"
    inputs = { produce = "Text" }
    output = "Text"
    prompt = "Write one catchy line for a crate of $produce."

    [pipe.build_tag]
    type = "PipeCompose"
    description = "The tag, field by field"
    inputs = { produce = "Text", price = "Number", is_organic = "YesNo", crates_left = "Number", keywords = "Text[]", blurb = "Text" }
    output = "PriceTag"

    [pipe.build_tag.construct]
    produce = { from = "produce" }
    price = { from = "price" }
    organic = { from = "is_organic" }
    crates = { from = "crates_left" }
    blurb = { from = "blurb" }
    label = { from = "produce.text" }
    keywords = { from = "keywords" }
    headline = { template = "$produce at $price EUR/kg" }
    price_text = { from = "price" }
    stand = "North gate"
"""

INPUTS: dict[str, Any] = {
    "produce": "Gala apples",
    "price": 3.2,
    "is_organic": {"concept": "YesNo", "content": {"yes_no": True}},
    "crates_left": 7,
    "keywords": ["crisp", "local"],
}


@pytest.fixture(params=[PipeRunMode.DRY, PipeRunMode.LIVE], ids=["dry", "live"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[PipeRunMode]:
    """Dry, or live against a fake provider on 127.0.0.1."""
    if request.param is PipeRunMode.DRY:
        Pipelex.make(needs_inference=False)
        yield PipeRunMode.DRY
        return
    with FakeProvider() as fake:
        for key, value in fake.env().items():
            monkeypatch.setenv(key, value)
        Pipelex.make()
        yield PipeRunMode.LIVE


async def run(
    bundle: str, inputs: dict[str, Any], mode: PipeRunMode, pipe: str | None = None
) -> dict[str, Any]:
    runner = PipelexRunner(mthds_content=textwrap.dedent(bundle), pipe_run_mode=mode)
    output = await runner.execute_pipeline(inputs, pipe_code=pipe)
    assert isinstance(output.main_stuff, Stuff), output.main_stuff
    return output.main_stuff.content.model_dump()


async def test_natives_fill_scalar_fields_with_their_values(mode: PipeRunMode) -> None:
    tag = await run(STALL, INPUTS, mode)
    assert tag["produce"] == "Gala apples"  # a Text into a text field: its text, not {"text": ...}
    assert tag["price"] == 3.2  # a Number into a number field
    assert tag["organic"] is True  # a YesNo into a boolean field
    assert tag["crates"] == 7  # a Number into an integer field
    assert tag["label"] == {"text": "Gala apples"}  # a text value into a field typed by the Text concept
    assert tag["keywords"] == ["crisp", "local"]  # a Text[] into a list of texts
    assert tag["headline"] == "Gala apples at 3.2 EUR/kg"
    assert tag["price_text"] == "3.2"  # a Number into a text field: its text form
    assert tag["stand"] == "North gate"
    assert isinstance(tag["blurb"], str) and tag["blurb"]  # the LLM's Text, dry or live


async def test_the_whole_bundle_validates() -> None:
    from pipelex.config.deck import default_deck
    from pipelex.language.library import build_library
    from pipelex.validation.static import check_library

    library = build_library([(textwrap.dedent(STALL), "stall.mthds")])
    assert check_library(library, default_deck()) == []


NESTED = """
    domain = "field_survey"
    main_pipe = "record"

    [concept.Reading]
    description = "One instrument reading"
    [concept.Reading.structure]
    value = { type = "number", description = "The value", required = true }
    unit = { type = "text", description = "The unit", required = true }

    [concept.SurveyRecord]
    description = "What a surveyor records at a site"
    [concept.SurveyRecord.structure]
    site = { type = "text", description = "Where", required = true }
    reading = { type = "concept", concept_ref = "Reading", description = "The reading", required = true }
    verdict = { type = "concept", concept_ref = "YesNo", description = "Safe to build?", required = true }
    note = { type = "text", description = "Free note" }

    [pipe.record]
    type = "PipeCompose"
    description = "Builds the record"
    inputs = { site = "Text", depth = "Number", safe = "YesNo" }
    output = "SurveyRecord"

    [pipe.record.construct]
    site = { from = "site" }
    verdict = { from = "safe" }
    note = { from = "safe" }

    [pipe.record.construct.reading]
    value = { from = "depth" }
    unit = "m"
"""


async def test_nested_tables_and_concept_fields_fit_too() -> None:
    Pipelex.make(needs_inference=False)
    record = await run(
        NESTED,
        {"site": "Quay 4", "depth": 12.5, "safe": {"concept": "YesNo", "content": {"yes_no": False}}},
        PipeRunMode.DRY,
    )
    assert record["site"] == "Quay 4"
    assert record["reading"] == {"value": 12.5, "unit": "m"}
    assert record["verdict"]["yes_no"] is False  # a YesNo into a field typed by YesNo: kept whole
    assert record["note"] == "no"  # a YesNo into a text field: its text form


async def test_a_value_that_cannot_fit_is_a_clear_run_error() -> None:
    Pipelex.make(needs_inference=False)
    bundle = NESTED.replace('value = { from = "depth" }', 'value = { from = "site" }').replace(
        'note = { from = "safe" }', 'note = { from = "depth" }'
    )
    with pytest.raises(RunError) as caught:
        await run(
            bundle,
            {"site": "Quay 4", "depth": 1, "safe": {"concept": "YesNo", "content": {"yes_no": True}}},
            PipeRunMode.DRY,
        )
    message = str(caught.value)
    assert "record" in message and "reading" in message and "Traceback" not in message


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(max_size=30),
    number=st.one_of(st.integers(-(10**9), 10**9), st.floats(allow_nan=False, allow_infinity=False)),
    flag=st.booleans(),
)
def test_fit_value_unwraps_and_wraps_natives(text: str, number: float, flag: bool) -> None:
    assert fit_value(TextContent(text=text), str | None) == text
    assert fit_value(NumberContent(number=number), float | None) == number
    assert fit_value(YesNoContent(yes_no=flag), bool) is flag
    assert fit_value(text, TextContent) == {"text": text}
    assert fit_value(number, NumberContent | None) == {"number": number}
    assert fit_value([TextContent(text=text)], list[str] | None) == [text]
    assert fit_value(TextContent(text=text), TextContent) == {"text": text}  # fits whole: kept whole
    assert fit_value(NumberContent(number=number), str) == str(number)
