"""``LLMJob.of_checked``: the job an LLM leaf makes without validating values typed already is the job validation
makes of the same values (the leaves use it; the validator is then built only where a job is validated or
serialised)."""

from __future__ import annotations

from typing import Any

import pytest

from pipelex.inference.job_types.base import Attachment, LLMJob
from pipelex.io.policy import IOPolicy
from pipelex.pipe_run.pipe_run_mode import PipeRunMode

BASE: dict[str, Any] = {
    "run_mode": PipeRunMode.DRY,
    "pipe_code": "summarise_order",
    "nb_list_items": 3,
    "text_truncate_length": 256,
    "io_policy": IOPolicy.closed(),
}


@pytest.mark.parametrize(
    "fields",
    [
        {"output": "text", "prompt": "Say hi", "concept_ref": "native.Text"},
        {
            "output": "object_list",
            "prompt": "Fill it",
            "system_prompt": "You are terse.",
            "concept_ref": "order_desk.OrderSummary",
            "json_schema": {
                "type": "object",
                "properties": {"gist": {"type": "string"}},
                "required": ["gist"],
            },
            "item_count": 2,
            "model": "@default-general",
            "temperature": 0.25,
            "max_tokens": 300,
            "reasoning_effort": "low",
            "attachments": [
                Attachment(kind="image", url="data:image/png;base64,AAAA", mime_type="image/png")
            ],
        },
    ],
    ids=["text", "structured_list"],
)
def test_of_checked_is_the_validated_job(fields: dict[str, Any]) -> None:
    checked = LLMJob.of_checked(**BASE, **fields)
    validated = LLMJob(**BASE, **fields)
    assert checked == validated
    assert checked.model_dump() == validated.model_dump()
    assert checked.model_dump_json() == validated.model_dump_json()
    assert checked.kind == "llm"
    assert checked.attachments == fields.get("attachments", [])


def test_of_checked_keeps_each_value_as_given() -> None:
    """Nothing is converted: the values are typed already (a float temperature stays the float it is)."""
    schema = {"type": "object"}
    job = LLMJob.of_checked(
        **BASE, output="object", prompt="p", concept_ref="x.Y", json_schema=schema, temperature=1.0
    )
    assert job.json_schema is schema
    assert job.temperature == 1.0 and isinstance(job.temperature, float)
    assert job.io_policy is BASE["io_policy"]
