"""What a PipeFunc's function returns must fit the pipe's output; when it does not, the run's error says what it
returned (as JSON), which field is wrong and what it takes, never pydantic's dump of the error."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pipelex.errors import PipeRunError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner

BUNDLE = """
domain = "scales"

[concept.Weight]
description = "A weight"
structure = { kg = { type = "number", required = true, description = "kilograms" } }

[pipe.weigh]
type = "PipeFunc"
description = "Weighs a parcel"
inputs = { parcel = "Text" }
output = "Weight"
function_name = "tests.inference.test_func_output.RETURNED_BY_WEIGH"

[pipe.name_it]
type = "PipeFunc"
description = "Names a parcel"
inputs = { parcel = "Text" }
output = "Text"
function_name = "tests.inference.test_func_output.RETURNED_BY_NAME_IT"
"""

_RETURNS: dict[str, Any] = {}


def RETURNED_BY_WEIGH(parcel: object) -> Any:  # noqa: N802  (named as the bundle calls it)
    return _RETURNS["weigh"]


def RETURNED_BY_NAME_IT(parcel: object) -> Any:  # noqa: N802
    return _RETURNS["name_it"]


@pytest.mark.parametrize(
    ("pipe", "returned", "message"),
    [
        ("weigh", {"kg": 2.5}, None),
        (
            "weigh",
            {"grams": 2500},
            "function 'tests.inference.test_func_output.RETURNED_BY_WEIGH' returned {\"grams\": 2500}, which does "
            "not fit scales.Weight: field 'kg' is required: add it (and 1 more problem(s))",
        ),
        ("weigh", {"kg": "heavy"}, """field 'kg' is "heavy", but it takes a number"""),
        (
            "weigh",
            object(),
            "returned a Python object, which does not fit scales.Weight: scales.Weight takes a dict",
        ),
        ("name_it", 5, "returned 5, which does not fit native.Text: native.Text takes a str"),
    ],
    ids=["fits", "missing-and-extra", "wrong-type", "not-a-dict", "number-for-a-text"],
)
async def test_what_a_function_returns_must_fit_and_the_error_says_where(
    pipe: str, returned: Any, message: str | None
) -> None:
    _RETURNS[pipe] = returned
    runner = PipelexRunner(mthds_content=BUNDLE, pipe_run_mode=PipeRunMode.LIVE)
    if message is None:
        output = await runner.execute_pipeline(inputs={"parcel": "a box"}, pipe_code=pipe)
        assert output.main_stuff_json() == {"kg": 2.5}
        return
    with pytest.raises(PipeRunError) as caught:
        await runner.execute_pipeline(inputs={"parcel": "a box"}, pipe_code=pipe)
    text = str(caught.value)
    assert message in text and caught.value.error_type == "pipe_output_invalid"
    for leak in ("pydantic", "[type=", "input_value", "validation error for", "__", "0x"):
        assert leak not in text, text


@pytest.mark.parametrize("returned", [{"kg": math.nan}, {"kg": math.inf}, {"kg": -math.inf}])
async def test_a_function_returning_a_number_json_has_not_fails_naming_the_field(returned: Any) -> None:
    """Fourteenth hostile pass: NaN or an infinity in a function's output was answered as `"kg": null` on the direct
    backend (a required number silently emptied) and failed as an "internal error in the workflow" on Temporal,
    whose payloads are JSON; both now fail the pipe naming the field, before anything is made of it."""
    _RETURNS["weigh"] = returned
    runner = PipelexRunner(mthds_content=BUNDLE, pipe_run_mode=PipeRunMode.LIVE)
    with pytest.raises(PipeRunError) as caught:
        await runner.execute_pipeline(inputs={"parcel": "a box"}, pipe_code="weigh")
    assert "field 'kg'" in str(caught.value) and "must be finite" in str(caught.value)
    assert caught.value.error_type == "pipe_output_invalid"
