"""Messages an author reads: a type error names the use and the declaration to change, keeps the multiplicity,
counts steps from 0 as the file's array does; one root cause gives one error (no knock-on errors)."""

from __future__ import annotations

import textwrap

import pytest

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.validation.report import ValidationReport, validate_library
from pipelex.validation.sweep import PipeStatus

TOUR = textwrap.dedent("""
    domain = "city_tours"
    main_pipe = "plan_day"

    [concept]
    Itinerary = "A walking itinerary"

    [concept.Sight]
    description = "A place worth seeing"
    structure = { name = "Its name" }

    [concept.SightNote]
    description = "A note about a sight"
    structure = { note = "The note" }

    [pipe.plan_day]
    type = "PipeSequence"
    description = "Finds the sights, notes each one, then writes the itinerary"
    inputs = { city = "Text" }
    output = "Itinerary"
    steps = [
      { pipe = "find_sights", result = "sights" },
      { pipe = "note_sights", result = "notes" },
      { pipe = "write_itinerary", result = "itinerary" },
    ]

    [pipe.find_sights]
    type = "PipeLLM"
    description = "Finds"
    inputs = { city = "Text" }
    output = "Sight[]"
    prompt = "The sights of $city"

    [pipe.note_sights]
    type = "PipeLLM"
    description = "Notes"
    inputs = { sights = "Sight[]" }
    output = "SightNote[]"
    prompt = "Note each of $sights"

    [pipe.write_itinerary]
    type = "PipeLLM"
    description = "Writes"
    inputs = { notes = "Sight[]" }
    output = "Itinerary"
    prompt = "Write from $notes"
""")


def _report(text: str) -> ValidationReport:
    return validate_library(build_library([(text, "tour.mthds")]), default_deck())


def test_the_tour_is_valid_once_the_input_is_declared_right() -> None:
    assert _report(TOUR.replace('notes = "Sight[]"', 'notes = "SightNote[]"')).is_valid


def test_a_wrong_input_concept_names_the_step_the_producer_and_the_declaration() -> None:
    report = _report(TOUR)
    [error] = report.errors
    assert error.error_type == "input_stuff_spec_mismatch"
    assert (error.pipe, error.field) == ("plan_day", "steps[2]")  # the third step, counted from 0
    declaration = TOUR.splitlines().index('inputs = { notes = "Sight[]" }') + 1
    assert error.message == (
        "steps[2]: pipe 'write_itinerary' reads 'notes' as 'Sight[]' (city_tours.Sight), but step 1 (pipe "
        "'note_sights') stores it as 'SightNote[]' (city_tours.SightNote). Declare the input as 'SightNote[]' in "
        f"pipe 'write_itinerary' (tour.mthds:{declaration}), or have step 1 (pipe 'note_sights') store a Sight"
    )
    assert error.line == TOUR.splitlines().index('  { pipe = "write_itinerary", result = "itinerary" },') + 1


def test_a_list_fed_to_a_single_input_keeps_both_multiplicities() -> None:
    report = _report(TOUR.replace('notes = "Sight[]"', 'notes = "SightNote"'))
    [error] = report.errors
    assert "reads 'notes' as a single item ('SightNote')" in error.message
    assert "stores a list ('SightNote[]', city_tours.SightNote[])" in error.message
    assert "batch_over/batch_as" in error.message and "'write_itinerary' (tour.mthds:" in error.message


def test_a_pipe_missing_its_output_gives_one_error() -> None:
    report = _report(TOUR.replace('output = "SightNote[]"\n', ""))
    assert [(e.error_type, e.pipe) for e in report.errors] == [("schema_violation", "note_sights")]
    statuses = {v.pipe_ref: v.status for v in report.validated_pipes}
    assert statuses["city_tours.plan_day"] is PipeStatus.FAILURE  # it cannot run, but says so only once
    [verdict] = [v for v in report.validated_pipes if v.pipe_ref == "city_tours.plan_day"]
    assert "note_sights" in (verdict.message or "")


@pytest.mark.parametrize(
    "broken",
    ['structure = { note = "The note" }', 'description = "A note about a sight"'],
    ids=["bad-structure", "no-description"],
)
def test_a_broken_concept_gives_one_error(broken: str) -> None:
    text = TOUR.replace('notes = "Sight[]"', 'notes = "SightNote[]"')
    text = text.replace(
        broken,
        'structure = { note = { type = "txt", description = "The note" } }'
        if broken.startswith("structure")
        else "",
    )
    report = _report(text)
    assert [e.error_type for e in report.errors] == ["schema_violation"], [e.render() for e in report.errors]
    statuses = {v.pipe_ref: v.status for v in report.validated_pipes}
    assert statuses["city_tours.note_sights"] is PipeStatus.FAILURE
    assert statuses["city_tours.find_sights"] is PipeStatus.SUCCESS


def test_sub_pipes_disagreeing_with_one_declaration_give_one_error_naming_them_all() -> None:
    text = TOUR.replace('notes = "Sight[]"', 'notes = "SightNote[]"') + textwrap.dedent("""
        [pipe.notes_two_ways]
        type = "PipeParallel"
        description = "The same notes, written two ways"
        inputs = { notes = "Sight[]" }
        output = "Composite"
        branches = [
          { pipe = "write_itinerary", result = "walk" },
          { pipe = "write_itinerary", result = "again" },
          { pipe = "short_itinerary", result = "short" },
        ]

        [pipe.short_itinerary]
        type = "PipeLLM"
        description = "Writes briefly"
        inputs = { notes = "SightNote[]" }
        output = "Itinerary"
        prompt = "Briefly, from $notes"
    """)
    report = _report(text)
    [error] = report.errors
    assert (error.pipe, error.field) == ("notes_two_ways", "branches[0]")
    assert "'notes_two_ways' declares it as 'Sight[]' in its inputs" in error.message
    assert error.message.endswith(
        "2 more of its pipes read 'notes' as 'SightNote[]' too ('write_itinerary', "
        "'short_itinerary'): declaring it 'SightNote[]' in the inputs of 'notes_two_ways' "
        "fixes them all"
    )
