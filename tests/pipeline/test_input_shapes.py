"""How a caller's inputs file is shaped against a user's bundle, as the reference shapes it (probed with
``benchmarks/fidelity_bundles_inputs.py``): the short value of each concept, the explicit form, and the
mistakes refused before anything runs."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelex.api.problems import input_error_code
from pipelex.concepts.natives import ListContent
from pipelex.errors import InputError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner

SHOP = '''domain = "shop_desk"
description = "Answer a shop customer"
main_pipe = "answer_customer"

[concept.Address]
description = "A postal address"

[concept.Address.structure]
street = { type = "text", description = "Street and number", required = true }
city = { type = "text", description = "City", required = true }

[concept.Customer]
description = "A customer of the shop"

[concept.Customer.structure]
name = { type = "text", description = "Full name", required = true }
age = { type = "integer", description = "Age in years", required = true }
address = { type = "concept", concept_ref = "shop_desk.Address", description = "Where they live" }
past_addresses = { type = "list", item_type = "concept", item_concept_ref = "shop_desk.Address", description = "Before" }

[concept.Question]
description = "A question from a customer"
refines = "Text"

[pipe.answer_customer]
type = "PipeLLM"
description = "Answer the customer's question"
inputs = { customer = "Customer", question = "Question", notes = "Text[]", pair = "Text[2]", total = "Number", day = "Date", page = "Page" }
output = "Text"
prompt = """
Customer: $customer
Question: $question
On $day, for $total euros.
Notes:
@notes
Pair:
@pair
@page
"""
'''

PAGE = {"concept": "Page", "content": {"text_and_images": {"text": {"text": "Opening hours"}}}}
GOOD: dict[str, Any] = {
    "customer": {"name": "Ana Diaz", "age": 33, "address": {"street": "14 Rue des Lilas", "city": "Rennes"}},
    "question": "Where is my parcel?",
    "notes": ["ordered on Monday"],
    "pair": ["first", "second"],
    "total": 12.5,
    "day": "2026-03-01",
    "page": PAGE,
}


@pytest.fixture(scope="module")
def runner() -> PipelexRunner:
    return PipelexRunner(mthds_content=SHOP, pipe_run_mode=PipeRunMode.DRY)


def shaped(runner: PipelexRunner, **changes: Any) -> dict[str, Any]:
    inputs = {**GOOD, **changes}
    return runner.prepare(inputs).memory.root


def refused(runner: PipelexRunner, **changes: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        shaped(runner, **changes)
    return caught.value


def test_the_short_values_fill_their_concepts(runner: PipelexRunner) -> None:
    root = shaped(runner)
    assert root["question"].concept == "shop_desk.Question"
    assert root["customer"].content.address.city == "Rennes"  # pyright: ignore[reportAttributeAccessIssue]


def test_one_value_for_a_list_is_a_list_of_it(runner: PipelexRunner) -> None:
    notes = shaped(runner, notes="ordered on Monday")["notes"].content
    assert isinstance(notes, ListContent) and [n.text for n in notes.items] == ["ordered on Monday"]


def test_one_value_for_a_fixed_count_is_the_wrong_multiplicity(runner: PipelexRunner) -> None:
    error = refused(runner, pair="first")
    assert error.input_name == "pair" and "exactly 2" in str(error)
    assert input_error_code(str(error)) == "input.wrong_multiplicity"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("question", {"text": "Where is my parcel?"}),
        ("notes", [{"text": "ordered on Monday"}]),
        ("total", {"number": 12.5}),
        ("day", {"date": "2026-03-01"}),
        ("page", PAGE["content"]),
    ],
)
def test_a_content_shaped_object_needs_the_explicit_form(
    runner: PipelexRunner, name: str, value: Any
) -> None:
    error = refused(runner, **{name: value})
    assert error.input_name == name and '"concept":' in str(error)
    assert input_error_code(str(error)) == "input.invalid"
    concept = {"question": "shop_desk.Question", "notes": "Text", "total": "Number", "day": "Date"}.get(
        name, "Page"
    )
    shaped(runner, **{name: {"concept": concept, "content": value}})  # the explicit form is taken


def test_fields_a_structure_does_not_declare_are_dropped_at_every_depth(runner: PipelexRunner) -> None:
    customer = {
        **GOOD["customer"],
        "nickname": "Ana",
        "address": {"street": "1 Quai", "city": "Brest", "country": "FR"},
        "past_addresses": [{"street": "2 Rue", "city": "Vannes", "floor": 3}],
    }
    content = shaped(runner, customer=customer)["customer"].content
    assert "nickname" not in content.model_dump() and content.address.city == "Brest"  # pyright: ignore
    assert content.past_addresses[0].city == "Vannes"  # pyright: ignore[reportAttributeAccessIssue]
    error = refused(
        runner, customer={**customer, "age": "thirty"}
    )  # a declared field's wrong value still fails
    assert error.input_name == "customer" and "age" in str(error)


@settings(max_examples=60, deadline=None)
@given(day=st.dates(min_value=dt.date(1, 1, 1)))
def test_every_iso_date_is_a_date(runner: PipelexRunner, day: dt.date) -> None:
    assert shaped(runner, day=day.isoformat())["day"].content.date == day.isoformat()  # pyright: ignore


@settings(max_examples=80, deadline=None)
@given(text=st.text(max_size=30))
def test_a_string_is_a_date_only_when_it_is_iso(runner: PipelexRunner, text: str) -> None:
    """Only the extended calendar form (the reference's "extended ISO 8601"), with or without a time."""
    extended = re.match(r"\d{4}-\d{2}-\d{2}(?:$|[T ])", text, re.ASCII) is not None
    try:
        is_iso = bool(dt.date.fromisoformat(text))
    except ValueError:
        try:
            is_iso = bool(dt.datetime.fromisoformat(text))
        except ValueError:
            is_iso = False
    if is_iso and extended:
        shaped(runner, day=text)
    else:
        error = refused(runner, day=text)
        assert error.input_name == "day" and "no ISO date" in str(error)


def test_a_string_for_a_page_is_a_text_given_for_a_page(runner: PipelexRunner) -> None:
    error = refused(runner, page="Opening hours")
    assert error.input_name == "page" and '"concept": "native.Page"' in str(error)
    assert input_error_code(str(error)) == "input.wrong_concept"


@pytest.mark.parametrize(
    "day",
    [
        "yesterday",
        {"concept": "Date", "content": "yesterday"},
        {"concept": "Date", "content": {"date": "yesterday"}},
    ],
)
def test_a_date_that_is_no_iso_date_is_refused_in_every_form(runner: PipelexRunner, day: Any) -> None:
    error = refused(runner, day=day)
    assert error.input_name == "day" and "'yesterday', which is no ISO date" in str(error)


@pytest.mark.parametrize("day", ["20260301", "2026-W09-1", "2026-060"])
def test_the_basic_and_week_forms_are_no_dates(runner: PipelexRunner, day: str) -> None:
    assert "no ISO date" in str(refused(runner, day=day))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "total",
            "twelve",
            """input 'total' is "twelve", but native.Number takes a number (e.g. 3 or 2.5)""",
        ),
        (
            "question",
            5,
            """input 'question' is 5, but shop_desk.Question takes a string (e.g. "some text")""",
        ),
        (
            "customer",
            "Ana",
            "input 'customer' is \"Ana\", but shop_desk.Customer takes an object of its fields",
        ),
        (
            "customer",
            {"name": "Ana", "age": "old"},
            """input 'customer' does not fit shop_desk.Customer: field 'age' is "old", but it takes an integer""",
        ),
        (
            "customer",
            {"age": 3},
            "input 'customer' does not fit shop_desk.Customer: field 'name' is required",
        ),
        (
            "customer",
            {"name": "Ana", "age": 3, "address": {"street": 14, "city": "Rennes"}},
            "input 'customer' does not fit shop_desk.Customer: field 'address.street' is 14, but it takes a string",
        ),
        (
            "total",
            {"concept": "Number", "content": {"number": "x"}},
            """input 'total' does not fit native.Number: field 'number' is "x", but it takes an integer or a number""",
        ),
    ],
    ids=["number", "text", "structure", "field", "missing-field", "nested-field", "explicit-form"],
)
def test_a_value_that_does_not_fit_says_what_was_given_and_what_is_taken(
    runner: PipelexRunner, name: str, value: Any, message: str
) -> None:
    error = refused(runner, **{name: value})
    assert error.input_name == name and str(error).startswith(message), str(error)
    assert input_error_code(str(error)) == "input.invalid"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["name", "age", "x"]), inner),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(["customer", "question", "total", "day"]), value=_JSON)
def test_every_refused_value_names_the_input_in_the_callers_words(
    runner: PipelexRunner, name: str, value: Any
) -> None:
    """Whatever JSON is given, a refusal names the input and speaks JSON: no content class, no pydantic text,
    no Python repr of what was given."""
    try:
        shaped(runner, **{name: value})
    except InputError as error:
        text = str(error)
        assert f"input {name!r} " in text and error.input_name == name, text
        for leak in (
            "Content",
            "Input should",
            "instance of",
            "{'",
            "['",
            "True",
            "None",
            "Traceback",
            "[type=",
        ):
            assert leak not in text, text
