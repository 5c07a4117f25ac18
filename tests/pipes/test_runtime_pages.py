"""A page given to an input declared ``TextAndImages`` (validation accepts it, as the reference does): the pipe
receives the page's ``text_and_images``, what it declared, in a dry run as in a live one."""

from __future__ import annotations

import pytest

from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner

READ = """domain = "reports"
main_pipe = "read"

[concept.Slide]
description = "A slide"
refines = "TextAndImages"

[pipe.read]
type = "PipeSequence"
description = "Read the pages"
inputs = { pages = "Page[]" }
output = "Text"
steps = [{ pipe = "join", result = "joined" }]

[pipe.join]
type = "PipeCompose"
description = "Join the pages' texts"
inputs = { pages = "DECLARED[]" }
output = "Text"
template = "{% for p in pages %}{{ p.text }}|{% endfor %}"
"""

ONE = """domain = "reports"
main_pipe = "read"

[pipe.read]
type = "PipeSequence"
description = "Read one page at a time"
inputs = { pages = "Page[]" }
output = "Text[]"
steps = [{ pipe = "one", batch_over = "pages", batch_as = "page", result = "texts" }]

[pipe.one]
type = "PipeCompose"
description = "One page's text"
inputs = { page = "TextAndImages" }
output = "Text"
template = "{{ page.text }}"
"""

PAGES = {
    "pages": {
        "concept": "Page",
        "content": [
            {"text_and_images": {"text": {"text": "one"}}},
            {"text_and_images": {"text": {"text": "two"}}, "page_view": {"url": "https://example.com/2.png"}},
        ],
    }
}


@pytest.mark.parametrize("declared", ["TextAndImages", "Slide"])
async def test_pages_reach_a_text_and_images_input_as_their_text_and_images(declared: str) -> None:
    runner = PipelexRunner(
        mthds_content=READ.replace("DECLARED", declared), pipe_run_mode=PipeRunMode.DRY, backend="direct"
    )
    output = await runner.execute_pipeline(PAGES)
    assert output.main_stuff_json() == {"text": "one|two|"}


async def test_each_batched_page_reaches_a_text_and_images_input_as_its_text_and_images() -> None:
    runner = PipelexRunner(mthds_content=ONE, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    output = await runner.execute_pipeline(PAGES)
    assert output.main_stuff_json() == {"items": [{"text": "one"}, {"text": "two"}]}
