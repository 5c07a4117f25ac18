"""Every valid corpus entry runs live against the fake provider (its inputs.json, or mocked inputs whose images
and documents are real PNG/PDF bytes), and its output fits the declared output concept."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from pipelex.concepts.natives import DocumentContent, ImageContent, ListContent, StuffContent
from pipelex.memory.inputs import mock_inputs, read_inputs_argument
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.testing.fake_provider import FakeProvider
from tests.conformance.test_corpus import ENTRIES, Entry, _assert_fits_output_concept, _library
from tests.inference.conftest import make_pdf, make_png

PNG_URL = "data:image/png;base64," + base64.b64encode(make_png()).decode()
PDF_URL = (
    "data:application/pdf;base64," + base64.b64encode(make_pdf(["Page one text", "Page two text"])).decode()
)


def _real_media(value: Any) -> Any:
    """``value`` with every image and document pointing at real PNG / PDF bytes."""
    if isinstance(value, ImageContent):
        return value.model_copy(update={"url": PNG_URL, "mime_type": "image/png"})
    if isinstance(value, DocumentContent):
        return value.model_copy(update={"url": PDF_URL, "mime_type": "application/pdf"})
    if isinstance(value, ListContent):
        return ListContent(items=[_real_media(i) for i in value.items])
    if isinstance(value, BaseModel):
        updates = {name: _real_media(getattr(value, name)) for name in type(value).model_fields}
        return value.model_copy(update=updates)
    if isinstance(value, list):
        return [_real_media(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


def _inputs(entry: Entry) -> tuple[dict[str, Any], Path | None]:
    if entry.inputs is not None:
        return read_inputs_argument(str(entry.inputs))
    library = _library(entry)
    pipe = library.main_pipe
    assert pipe is not None
    stuffs = mock_inputs(pipe, library, {}, nb_list_items=2)
    inputs: dict[str, Any] = {}
    for name, stuff in stuffs.items():
        content = _real_media(stuff.content)
        if isinstance(
            content, ListContent
        ):  # a list in the explicit form: its items are contents, not values
            inputs[name] = {
                "concept": stuff.concept,
                "content": [i.model_dump(mode="json") for i in content.items],
            }
        else:
            assert isinstance(content, StuffContent)
            inputs[name] = {"concept": stuff.concept, "content": content.model_dump(mode="json")}
    return inputs, None


@pytest.mark.skipif(not ENTRIES, reason="MTHDS_CORPUS_DIR not set; run `make test` or fetch-corpus")
@pytest.mark.parametrize("entry", [pytest.param(e, id=e.name) for e in ENTRIES if e.is_valid])
async def test_valid_entry_runs_live_against_the_fake(entry: Entry, live: FakeProvider) -> None:
    inputs, base_dir = _inputs(entry)
    runner = PipelexRunner(bundle_uri=entry.bundle, pipe_run_mode=PipeRunMode.LIVE)
    output = await runner.execute_pipeline(inputs=inputs, inputs_base_dir=base_dir)
    assert output.run_mode is PipeRunMode.LIVE
    _assert_fits_output_concept(entry, output.main_stuff_json())
    assert output.usage.calls == live.total_calls  # every provider call is accounted for, on some leaf
