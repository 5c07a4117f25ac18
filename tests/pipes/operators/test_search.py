"""PipeSearch's date bounds are ISO 8601 dates (YYYY-MM-DD), checked when the bundle validates."""

from __future__ import annotations

import textwrap

import pytest

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.validation.static import check_library

SEARCH = """
domain = "procurement"
[pipe.find_supplier]
type = "PipeSearch"
description = "Looks up suppliers who stock the part"
inputs = { part_name = "Text" }
output = "SearchResult"
prompt = "Which suppliers currently stock $part_name?"
BOUNDS
"""


@pytest.mark.parametrize(
    ("bounds", "bad"),
    [
        ('from_date = "2026-01-01"\nto_date = "2026-06-30"', []),
        ('from_date = "last year"', ["from_date"]),
        ('to_date = "2026-13-01"', ["to_date"]),
        ('from_date = "2026/01/01"\nto_date = "01-06-2026"', ["from_date", "to_date"]),
    ],
    ids=["iso-dates", "words", "no-such-month", "other-formats"],
)
def test_search_date_bounds_are_iso_dates(bounds: str, bad: list[str]) -> None:
    text = textwrap.dedent(SEARCH).replace("BOUNDS", bounds)
    diagnostics = check_library(build_library([(text, "bundle.mthds")]), default_deck())
    assert [d.field for d in diagnostics] == bad
    assert all(d.error_type == "schema_violation" and "YYYY-MM-DD" in d.message for d in diagnostics)


@pytest.mark.parametrize("output", ["SearchResult", "Text", "Markdown", "Lead"])
async def test_a_search_answers_as_a_search_result_or_as_text(output: str) -> None:
    from pipelex.concepts.natives import SearchResultContent, TextContent
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner

    text = (
        textwrap.dedent(SEARCH)
        .replace("BOUNDS", "")
        .replace('output = "SearchResult"', f'output = "{output}"')
        .replace('domain = "procurement"', 'domain = "procurement"\n[concept]\nLead = "A lead on a supplier"')
    )
    assert check_library(build_library([(text, "bundle.mthds")]), default_deck()) == []
    runner = PipelexRunner(mthds_content=text, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    result = await runner.execute_pipeline({"part_name": "M6 bolts"}, pipe_code="find_supplier")
    content = result.main_stuff.content  # type: ignore[union-attr]
    wanted = SearchResultContent if output == "SearchResult" else TextContent
    assert isinstance(content, wanted)
    if wanted is TextContent:
        assert isinstance(content, TextContent) and content.text
