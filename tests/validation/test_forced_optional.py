"""A value forced with ``!`` downstream of an optional input: valid (a run stops only when the value is absent).

Probed on the reference as a black box (``benchmarks/fidelity.py``, ``travel_plan__opt_forced_in_step``): it finds
such a bundle valid, and its dry run mocks the optional input present. Our validation sweep used to mock only the
required inputs, so the forced step met an absent value and the bundle was refused (``DryRunError``)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.memory.inputs import mock_inputs
from pipelex.validation.report import ValidationReport, validate_library

TRIP = """
domain = "trips"
main_pipe = "plan_trip"

[concept]
DayPlan = "What to do on one day of a trip"

[pipe.plan_trip]
type = "PipeSequence"
description = "Plan the days, then sum them up"
inputs = { destination = "Text", preferences = "Text?" }
output = "Text"
steps = [
    { pipe = "plan_days", result = "days" },
    { pipe = "sum_up", result = "summary" },
]

[pipe.plan_days]
type = "PipeLLM"
description = "One plan per day, following the traveller's preferences"
inputs = { destination = "Text", preferences = "Text{marker}" }
output = "DayPlan[]"
prompt = "Plan three days in $destination for a traveller who likes: $preferences"

[pipe.sum_up]
type = "PipeLLM"
description = "A short summary of the plan"
inputs = { days = "DayPlan[]" }
output = "Text"
prompt = '''
Sum up this plan in two sentences:

@days
'''
"""


def validate(text: str) -> ValidationReport:
    library = build_library([(textwrap.dedent(text).lstrip("\n"), "trip.mthds")])
    return validate_library(library, default_deck())


def test_a_forced_value_downstream_of_an_optional_input_validates() -> None:
    report = validate(TRIP.replace("{marker}", "!"))
    assert report.is_valid, [(e.error_type, e.message) for e in report.errors]


def test_the_same_bundle_without_the_force_is_an_unguarded_optional() -> None:
    # the control: reading an optional input as required is a static fault, the sweep's mocks do not hide it
    report = validate(TRIP.replace("{marker}", "?"))
    assert not report.is_valid
    assert "optional_input_unguarded" in [e.error_type for e in report.errors]


def test_mocks_for_a_sweep_include_the_optional_inputs_and_for_a_run_only_the_required() -> None:
    library = build_library([(textwrap.dedent(TRIP.replace("{marker}", "!")).lstrip("\n"), "trip.mthds")])
    entry = library.pipes["trips.plan_trip"]
    assert sorted(mock_inputs(entry, library, {}, nb_list_items=2)) == ["destination"]
    assert sorted(mock_inputs(entry, library, {}, nb_list_items=2, optional=True)) == [
        "destination",
        "preferences",
    ]


def test_a_dry_run_with_mock_inputs_still_stops_at_the_forced_absent_value(tmp_path: Path) -> None:
    from pipelex.cli.main import main

    bundle = tmp_path / "trip.mthds"
    bundle.write_text(textwrap.dedent(TRIP.replace("{marker}", "!")).lstrip("\n"))
    code = main(
        ["run", "bundle", str(bundle), "--dry-run", "--mock-inputs", "-o", str(tmp_path / "out"), "-q"]
    )
    assert code != 0  # the run stops: 'plan_days' forces 'preferences', which --mock-inputs left absent
    error = json.loads(next((tmp_path / "out").glob("*/error.json")).read_text())
    assert (error["error_type"], error["pipe_code"]) == ("forced_input_absent", "plan_days")
