"""The direct backend's runner behaviour tests, run again with Temporal enabled in config.

``PipelexRunner`` picks its backend from the boot's config, so these are the very same test functions
(``tests/pipeline/test_runner.py``), with every run going through the Temporal server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipelex.config.settings import PipelexConfig
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from tests.pipeline.test_runner import (  # noqa: F401  (the fixtures the imported tests take)
    no_provider,
    seed_runner,
    test_a_self_nesting_concept_is_refused_before_anything_runs,
    test_a_wrong_input_is_refused_before_anything_runs,
    test_dry_condition_follows_the_data_and_only_checks_the_other_outcome,
    test_dry_llm_text_says_it_is_a_dry_run_and_names_the_pipe,
    test_dry_run_graph_records_contains_data_and_the_selected_outcome,
    test_dry_run_returns_the_main_stuff_and_every_named_stuff,
    test_dry_run_usage_is_zero_and_not_reported,
    test_given_inputs_are_kept_and_only_missing_ones_mocked,
    test_list_mocks_have_nb_list_items_or_exactly_n,
    test_mock_inputs_are_refused_in_a_live_run,
    test_mock_inputs_are_valid_lists_of_nb_list_items,
    test_structured_mock_validates_and_honours_choices,
)


@pytest.fixture(autouse=True)
def on_temporal(temporal_booted: PipelexConfig) -> Iterator[None]:
    """Every runner of these tests runs on Temporal (checked, so a silent fallback to direct would fail)."""
    original = PipelexRunner.execute_pipeline

    async def checked(self: PipelexRunner, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        assert self.backend.name == "temporal"
        output = await original(self, *args, **kwargs)  # type: ignore[arg-type]
        assert output.graph.backend == "temporal"
        return output

    PipelexRunner.execute_pipeline = checked  # type: ignore[method-assign]
    try:
        yield
    finally:
        PipelexRunner.execute_pipeline = original  # type: ignore[method-assign]


def test_the_backend_comes_from_config(temporal_booted: PipelexConfig) -> None:
    assert PipelexRunner(mthds_content="", pipe_run_mode=PipeRunMode.DRY).backend.name == "temporal"
    assert PipelexRunner(mthds_content="", backend="direct").backend.name == "direct"


LIMITED = """domain = "fan"
main_pipe = "label_all"

[pipe.label_all]
type = "PipeBatch"
description = "Labels every note"
inputs = { notes = "Text[]" }
output = "Text[]"
branch_pipe_code = "label_one"
input_list_name = "notes"
input_item_name = "note"

[pipe.label_one]
type = "PipeLLM"
description = "Labels one note"
inputs = { note = "Text" }
output = "Text"
prompt = "Label: $note{% for i in range(300) %}.{% endfor %}"
"""


async def test_the_run_limits_travel_to_the_workflows_and_the_activities(
    temporal_booted: PipelexConfig,
) -> None:
    """The worker (here in-process, booted with the default [limits]) bounds the run by the run's own limits:
    the batch fan-out in the workflow, the template budget of the prompt in the activity."""
    from pipelex.config.run_settings import RunSettings
    from pipelex.config.settings import LimitsConfig
    from pipelex.errors import LimitExceededError

    notes = {"notes": {"concept": "Text", "content": [f"note {i}" for i in range(15)]}}

    def runner(limits: LimitsConfig) -> PipelexRunner:
        return PipelexRunner(
            mthds_content=LIMITED, pipe_run_mode=PipeRunMode.DRY, settings=RunSettings(limits=limits)
        )

    output = await runner(LimitsConfig()).execute_pipeline(notes)
    assert output.main_stuff is not None
    # the failure crosses the wire and comes back as itself, with its limit's name
    with pytest.raises(LimitExceededError) as batch:
        await runner(LimitsConfig(max_batch_items=10)).execute_pipeline(notes)
    assert batch.value.error_type == "limit_exceeded" and batch.value.limit == "max_batch_items"
    assert "15 items, more than the 10" in str(batch.value) and "max_batch_items" in str(batch.value)
    with pytest.raises(LimitExceededError) as render:
        await runner(LimitsConfig(template_max_steps=100)).execute_pipeline(notes)
    assert render.value.error_type == "limit_exceeded" and render.value.limit == "template_max_steps"
    assert "template_max_steps" in str(render.value) and "label_one" in str(render.value)
