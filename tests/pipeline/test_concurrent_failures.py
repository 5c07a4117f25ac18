"""A sub-pipe that fails among concurrent ones (batch items, parallel branches) is the error the caller gets:
its own pipe code and message, never a task group's "unhandled errors in a TaskGroup" wrapper."""

from __future__ import annotations

import pytest

from pipelex.errors import PipeRunError
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner

BATCH = """
domain = "labels"
description = "Prints a label per parcel"
main_pipe = "print_labels"

[pipe.print_labels]
type = "PipeBatch"
description = "One label per parcel"
inputs = { parcels = "Text[]" }
output = "Text[]"
branch_pipe_code = "print_label"
input_list_name = "parcels"
input_item_name = "parcel"

[pipe.print_label]
type = "PipeCompose"
description = "A label; the parcel 'crushed' cannot be labelled"
inputs = { parcel = "Text" }
output = "Text"
template = "{% if parcel.text == 'crushed' %}{{ 1 / 0 }}{% endif %}LABEL {{ parcel.text }}"
"""

PARALLEL = """
domain = "checks"
description = "Two checks side by side"
main_pipe = "check_both"

[pipe.check_both]
type = "PipeParallel"
description = "Runs both checks"
inputs = { note = "Text" }
output = "Composite"
branches = [{ pipe = "check_length", result = "length" }, { pipe = "check_words", result = "words" }]

[pipe.check_length]
type = "PipeCompose"
description = "Always fine"
inputs = { note = "Text" }
output = "Text"
template = "{{ note.text | length }}"

[pipe.check_words]
type = "PipeCompose"
description = "Fails on purpose"
inputs = { note = "Text" }
output = "Text"
template = "{{ (note.text | length) / 0 }}"
"""


@pytest.mark.parametrize(
    "bundle, inputs, failing",
    [
        (BATCH, {"parcels": ["a", "b", "crushed", "d"]}, "print_label"),
        (PARALLEL, {"note": "hello"}, "check_words"),
    ],
)
async def test_the_failing_sub_pipe_is_named(bundle: str, inputs: dict[str, object], failing: str) -> None:
    with pytest.raises(PipeRunError) as caught:
        await PipelexRunner(
            mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend="direct"
        ).execute_pipeline(inputs)
    assert caught.value.pipe_code == failing
    assert "TaskGroup" not in str(caught.value) and "division by zero" in str(caught.value)
    assert not isinstance(caught.value, BaseExceptionGroup)
