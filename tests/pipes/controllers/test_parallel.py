"""PipeParallel: a structured output filled from the branch results."""

from __future__ import annotations

import textwrap

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.validation.report import validate_library

PLAN = textwrap.dedent("""
    domain = "events"
    main_pipe = "plan"
    [concept]
    Venue = "A venue"
    [concept.EventPlan]
    description = "Venues and a title"
    [concept.EventPlan.structure]
    venues = { type = "list", item_type = "concept", item_concept_ref = "Venue", description = "Venues", required = true }
    title = { type = "concept", concept_ref = "Text", description = "Title", required = true }
    [pipe.plan]
    type = "PipeParallel"
    description = "d"
    inputs = { themes = "Text[]" }
    output = "EventPlan"
    branches = [{ pipe = "find_venues", result = "venues" }, { pipe = "name_it", result = "title" }]
    [pipe.find_venues]
    type = "PipeBatch"
    description = "d"
    inputs = { themes = "Text[]" }
    output = "Venue[]"
    branch_pipe_code = "find_venue"
    input_list_name = "themes"
    input_item_name = "theme"
    [pipe.find_venue]
    type = "PipeLLM"
    description = "d"
    inputs = { theme = "Text" }
    output = "Venue"
    prompt = "A venue for $theme"
    [pipe.name_it]
    type = "PipeLLM"
    description = "d"
    inputs = { themes = "Text[]" }
    output = "Text"
    prompt = "A title for {{ themes | length }} themes"
""")


def test_a_list_field_takes_a_branch_that_makes_a_list() -> None:
    report = validate_library(build_library([(PLAN, "plan.mthds")]), default_deck())
    assert report.is_valid, [e.message for e in report.errors]


async def test_the_list_field_holds_every_item_the_branch_made() -> None:
    runner = PipelexRunner(mthds_content=PLAN, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    output = await runner.execute_pipeline({"themes": ["jazz", "garden", "winter"]})
    plan = output.main_stuff_json()
    assert isinstance(plan, dict)
    venues = plan["venues"]
    assert isinstance(venues, list) and len(venues) == 3
    assert all(isinstance(v, dict) and "text" in v for v in venues)
