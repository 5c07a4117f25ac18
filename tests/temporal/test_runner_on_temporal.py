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
    test_a_self_nesting_concept_gets_a_finite_mock_that_validates,
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
        assert self.backend == "temporal"
        output = await original(self, *args, **kwargs)  # type: ignore[arg-type]
        assert output.graph.backend == "temporal"
        return output

    PipelexRunner.execute_pipeline = checked  # type: ignore[method-assign]
    try:
        yield
    finally:
        PipelexRunner.execute_pipeline = original  # type: ignore[method-assign]


def test_the_backend_comes_from_config(temporal_booted: PipelexConfig) -> None:
    assert PipelexRunner(mthds_content="", pipe_run_mode=PipeRunMode.DRY).backend == "temporal"
    assert PipelexRunner(mthds_content="", backend="direct").backend == "direct"
