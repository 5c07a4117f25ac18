"""Data flow between pipes, as the reference judges it (probed as a black box by ``benchmarks/fidelity.py`` on
``benchmarks/fidelity_bundles_flow.py``): each rule on a user bundle, through the whole validation."""

from __future__ import annotations

import textwrap

import pytest

from pipelex.config.deck import default_deck
from pipelex.errors import PipelexError
from pipelex.language.library import build_library
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.validation.report import ValidationReport, validate_library


def validate(text: str) -> ValidationReport:
    return validate_library(
        build_library([(textwrap.dedent(text).lstrip("\n"), "bundle.mthds")]), default_deck()
    )


def errors(report: ValidationReport) -> list[tuple[str, str | None]]:
    return [(e.error_type, e.pipe) for e in report.errors]


# a harbour: a sequence hands its ships to a batch, which berths each one
HARBOUR = """
domain = "harbour"
main_pipe = "plan_day"

[concept.Ship]
description = "A ship expected in port"

[concept.Ship.structure]
name = {{ type = "text", description = "The ship's name", required = true }}

[concept]
Berth = "Where a ship ties up"

[pipe.plan_day]
type = "PipeSequence"
description = "Berth the ships, then write the sheet"
inputs = {{ ships = "{plan_ships}" }}
output = "Text"
steps = [
    {{ pipe = "berth_all", result = "berths" }},
    {{ pipe = "write_sheet", result = "sheet" }},
]

[pipe.berth_all]
type = "PipeBatch"
description = "A berth for every ship"
inputs = {{ ships = "{batch_ships}" }}
output = "Berth[]"
branch_pipe_code = "berth_one"
input_list_name = "ships"
input_item_name = "ship"

[pipe.berth_one]
type = "PipeLLM"
description = "A berth for one ship"
inputs = {{ ship = "Ship" }}
output = "Berth"
prompt = "Pick a quay for $ship.name"

[pipe.write_sheet]
type = "PipeLLM"
description = "The day sheet"
inputs = {{ berths = "{sheet_berths}" }}
output = "Text"
prompt = "Write the day sheet from these berths: $berths"
"""


def harbour(plan_ships: str = "Ship[]", batch_ships: str = "Ship[]", sheet_berths: str = "Berth[]") -> str:
    return HARBOUR.format(plan_ships=plan_ships, batch_ships=batch_ships, sheet_berths=sheet_berths)


@pytest.mark.parametrize(
    ("plan_ships", "batch_ships", "sheet_berths", "expected"),
    [
        ("Ship[]", "Ship[]", "Berth[]", []),
        ("Ship[3]", "Ship[]", "Berth[]", []),  # a list of 3 is a list
        ("Ship[3]", "Ship[3]", "Berth[]", []),  # the same size
        (
            "Ship[]",
            "Ship[3]",
            "Berth[]",
            [("input_stuff_spec_mismatch", "plan_day")],
        ),  # size known only at run time
        ("Ship[2]", "Ship[3]", "Berth[]", [("input_stuff_spec_mismatch", "plan_day")]),  # another size
        # a batch's results are as many as its items: never a fixed size
        ("Ship[]", "Ship[]", "Berth[2]", [("input_stuff_spec_mismatch", "plan_day")]),
    ],
)
def test_a_fixed_size_input_takes_a_list_of_that_size_only(
    plan_ships: str, batch_ships: str, sheet_berths: str, expected: list[tuple[str, str]]
) -> None:
    report = validate(harbour(plan_ships, batch_ships, sheet_berths))
    assert errors(report) == expected
    if expected:
        assert "a list of exactly" in report.errors[0].message


def test_a_list_field_bound_by_a_step_has_no_fixed_size() -> None:
    report = validate(
        """
        domain = "exams"
        main_pipe = "grade_sheet"

        [concept.AnswerSheet]
        description = "One student's answers"

        [concept.AnswerSheet.structure]
        answers = { type = "list", item_type = "text", description = "The answers", required = true }

        [pipe.grade_sheet]
        type = "PipeSequence"
        description = "Bind the answers, then mark them"
        inputs = { sheet = "AnswerSheet" }
        output = "Text"
        steps = [
            { from = "sheet.answers", result = "answers" },
            { pipe = "mark_answers", result = "mark" },
        ]

        [pipe.mark_answers]
        type = "PipeLLM"
        description = "Mark the two answers"
        inputs = { answers = "Text[2]" }
        output = "Text"
        prompt = "Mark these answers: $answers"
        """
    )
    assert errors(report) == [("input_stuff_spec_mismatch", "grade_sheet")]
    assert "the binding step steps[0]" in report.errors[0].message


MAIL = """
domain = "mail"
main_pipe = "route_bag"

[concept]
Letter = "A letter received"
Reply = "A reply to a letter"

[pipe.route_bag]
type = "PipeCondition"
description = "Urgent bags get a reply a letter"
inputs = {{ letters = "Letter[]", urgency = "Text" }}
output = "{output}"
expression = "urgency"
outcomes = {{ urgent = "{urgent}" }}
default_outcome = "{default}"

[pipe.reply_each]
type = "PipeBatch"
description = "A reply to every letter"
inputs = {{ letters = "Letter[]" }}
output = "Reply[]"
branch_pipe_code = "reply_one"
input_list_name = "letters"
input_item_name = "letter"

[pipe.reply_one]
type = "PipeLLM"
description = "Answer one letter"
inputs = {{ letter = "Letter" }}
output = "Reply"
prompt = "Answer this letter: $letter"

[pipe.reply_to_one]
type = "PipeLLM"
description = "Answer the first letter only"
inputs = {{ letters = "Letter[]" }}
output = "Reply"
prompt = "Answer the first of these letters: $letters"
"""


@pytest.mark.parametrize(
    ("output", "urgent", "default", "expected"),
    [
        ("Reply[]", "reply_each", "fail", []),
        ("Reply[]", "reply_each", "reply_each", []),
        # 'continue' leaves the output absent, and a list is never absent
        ("Reply[]", "reply_each", "continue", [("optional_output_required", "route_bag")]),
        ("Reply[]", "continue", "reply_each", [("optional_output_required", "route_bag")]),
        ("Reply?", "reply_to_one", "continue", []),
        ("Reply", "reply_to_one", "continue", [("optional_output_required", "route_bag")]),
    ],
)
def test_continue_needs_an_output_that_may_be_absent(
    output: str, urgent: str, default: str, expected: list[tuple[str, str]]
) -> None:
    report = validate(MAIL.format(output=output, urgent=urgent, default=default))
    assert errors(report) == expected
    if expected and output.endswith("[]"):
        assert "a list is never absent" in report.errors[0].message


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("Reply[]", []),
        ("Anything", []),
        # the outcomes all make a Reply: the condition's output is a Reply, not the Text it refines
        ("Text[]", [("inadequate_output_concept", "route_bag")]),
    ],
)
def test_outcomes_that_agree_fix_the_conditions_concept(output: str, expected: list[tuple[str, str]]) -> None:
    report = validate(MAIL.format(output=output, urgent="reply_each", default="reply_each"))
    assert errors(report) == expected
    if expected:
        assert "every outcome pipe makes mail.Reply" in report.errors[0].message


GUEST_BOOK = """
domain = "guest_book"
main_pipe = "welcome_guest"

[concept.LoyaltyCard]
description = "A loyalty card"

[concept.LoyaltyCard.structure]
level = { type = "text", description = "Card level", required = true }

[pipe.welcome_guest]
type = "PipeSequence"
description = "A perk for gold cards, then the welcome, which insists on the perk"
inputs = { guest = "Text", card = "LoyaltyCard?" }
output = "Text"
steps = [
    { pipe = "maybe_perk", result = "perk" },
    { pipe = "write_welcome", result = "welcome" },
]

[pipe.maybe_perk]
type = "PipeCondition"
description = "Gold cards get a perk, everyone else nothing"
inputs = { card = "LoyaltyCard?" }
output = "Text?"
expression_template = "{% if card is defined %}{{ card.level }}{% else %}none{% endif %}"
outcomes = { gold = "offer_perk" }
default_outcome = "continue"

[pipe.offer_perk]
type = "PipeCompose"
description = "The perk"
inputs = { card = "LoyaltyCard" }
output = "Text"
template = "A free breakfast for our $card.level member."

[pipe.write_welcome]
type = "PipeCompose"
description = "The welcome"
inputs = { guest = "Text", perk = "Text!" }
output = "Text"
template = "Welcome $guest. $perk"
"""


def test_mock_data_naming_no_outcome_goes_through_one_in_validation() -> None:
    # the mocked card's level names no outcome: validation's dry run goes on through the outcome pipe (as the
    # reference's does) instead of leaving the perk absent for the '!' that follows, a data condition
    assert errors(validate(GUEST_BOOK)) == []


async def test_a_live_value_naming_no_outcome_still_continues() -> None:
    """The same bundle run live (composes only: no model) on a card whose level names no outcome: 'continue'
    leaves the perk absent, and the '!' stops the run."""
    runner = PipelexRunner(
        mthds_content=textwrap.dedent(GUEST_BOOK), pipe_run_mode=PipeRunMode.LIVE, backend="direct"
    )
    with pytest.raises(PipelexError, match="perk"):
        await runner.execute_pipeline(
            {"guest": "Ana", "card": {"level": "silver"}}, pipe_code="welcome_guest"
        )
    output = await runner.execute_pipeline(
        {"guest": "Ana", "card": {"level": "gold"}}, pipe_code="welcome_guest"
    )
    assert output.main_stuff_json()["text"] == "Welcome Ana. A free breakfast for our gold member."


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('expression_template = "{% if card is defined %}{{ card.level }}{% else %}none{% endif %}"', []),
        ("expression = \"card.level if card is defined else 'none'\"", []),
        # the optional card may be absent: reading it bare is the unguarded read a prompt is refused for too
        ('expression = "card.level"', [("optional_input_unguarded", "maybe_perk")]),
        ('expression_template = "{{ card.level }}"', [("optional_input_unguarded", "maybe_perk")]),
    ],
)
def test_a_condition_guards_its_optional_inputs(expression: str, expected: list[tuple[str, str]]) -> None:
    text = (
        GUEST_BOOK.replace(
            'expression_template = "{% if card is defined %}{{ card.level }}{% else %}none{% endif %}"',
            expression,
        )
        .replace('perk = "Text!"', 'perk = "Text?"')
        .replace("Welcome $guest. $perk", "Welcome $guest.\\n@?perk")
    )
    assert errors(validate(text)) == expected


def test_an_optional_input_of_a_step_is_still_wired_by_its_sequence() -> None:
    # the welcome step reads the optional perk before any step makes it, and the sequence does not declare it:
    # optional means the value may be absent, not that the name may be missing
    text = (
        GUEST_BOOK.replace(
            '    { pipe = "maybe_perk", result = "perk" },\n    { pipe = "write_welcome", result = "welcome" },',
            '    { pipe = "write_welcome", result = "welcome" },\n    { pipe = "maybe_perk", result = "perk" },',
        )
        .replace('perk = "Text!"', 'perk = "Text?"')
        .replace("Welcome $guest. $perk", "Welcome $guest.\\n@?perk")
    )
    text = text.replace('output = "Text"\nsteps', 'output = "Text?"\nsteps')  # the last step may make nothing
    report = validate(text)
    assert errors(report) == [("missing_input_variable", "welcome_guest")]
    assert "an optional input is wired like any other" in report.errors[0].message
    declared = text.replace(
        'inputs = { guest = "Text", card = "LoyaltyCard?" }',
        'inputs = { guest = "Text", card = "LoyaltyCard?", perk = "Text?" }',
    )
    assert errors(validate(declared)) == []


@pytest.mark.parametrize(
    ("item_name", "expected"),
    [
        ("ship", None),
        ("ship_2", None),
        ("_ship", "invalid_input_name"),  # a lowercase letter first, as the reference
        ("Ship", "invalid_input_name"),
    ],
)
def test_a_batch_item_name_starts_with_a_lowercase_letter(item_name: str, expected: str | None) -> None:
    text = harbour().replace('input_item_name = "ship"', f'input_item_name = "{item_name}"')
    text = text.replace(
        'inputs = { ship = "Ship" }\noutput = "Berth"\nprompt = "Pick a quay for $ship.name"',
        f'inputs = {{ {item_name} = "Ship" }}\noutput = "Berth"\nprompt = "Pick a quay for ${item_name}.name"',
    )
    found = [e.error_type for e in validate(text).errors]
    assert found[:1] == ([expected] if expected else [])
    step = text.replace(
        '    { pipe = "berth_all", result = "berths" },',
        f'    {{ pipe = "berth_one", batch_over = "ships", batch_as = "{item_name}", result = "berths" }},',
    )
    found_in_step = [(e.error_type, e.pipe, e.field) for e in validate(step).errors]
    if expected is None:
        assert found_in_step == []
    else:
        assert (expected, "plan_day", "steps[0]") in found_in_step


SHIPS = """
domain = "harbour"
main_pipe = "plan_day"

[concept.Ship]
description = "A ship expected in port"

[concept.Ship.structure]
name = { type = "text", description = "The ship's name", required = true }

[pipe.plan_day]
type = "{controller}"
description = "Two notes about the ships"
inputs = { ships = "Ship[2]" }
output = "{output}"
{steps} = [
    { pipe = "list_ships", result = "listing" },
    { pipe = "count_ships", result = "count" },
]

[pipe.list_ships]
type = "PipeLLM"
description = "List the ships"
inputs = { ships = "Ship[]" }
output = "Text"
prompt = "List these ships: $ships"

[pipe.count_ships]
type = "PipeLLM"
description = "Count the ships"
inputs = { ships = "{count_reads}" }
output = "Text"
prompt = "How many ships: $ships"
"""


@pytest.mark.parametrize(
    ("controller", "output", "steps", "count_reads", "expected"),
    [
        # a step of a sequence reads the sequence's Ship[2] as a Ship[]
        ("PipeSequence", "Text", "steps", "Ship[]", []),
        # a branch of a parallel takes the multiplicity the parallel declares (as the reference)
        ("PipeParallel", "Composite", "branches", "Ship[2]", [("input_stuff_spec_mismatch", "plan_day")]),
        (
            "PipeParallel",
            "Composite",
            "branches",
            "Ship[]",
            [("input_stuff_spec_mismatch", "plan_day"), ("input_stuff_spec_mismatch", "plan_day")],
        ),
    ],
)
def test_a_parallel_hands_its_lists_on_as_declared(
    controller: str, output: str, steps: str, count_reads: str, expected: list[tuple[str, str]]
) -> None:
    text = (
        SHIPS.replace("{controller}", controller)
        .replace("{output}", output)
        .replace("{steps}", steps)
        .replace("{count_reads}", count_reads)
    )
    assert errors(validate(text)) == expected


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("Berth[]", []),
        # the batch makes as many berths as there are ships: a count known only at run time
        ("Berth[2]", [("inadequate_output_multiplicity", "plan_day")]),
    ],
)
def test_a_fixed_size_output_needs_a_last_step_of_that_size(
    output: str, expected: list[tuple[str, str]]
) -> None:
    text = harbour().replace(
        '    { pipe = "berth_all", result = "berths" },\n    { pipe = "write_sheet", result = "sheet" },',
        '    { pipe = "berth_all", result = "berths" },',
    )
    text = text.replace('output = "Text"\nsteps', f'output = "{output}"\nsteps')
    text = text.split("[pipe.write_sheet]")[0]
    assert errors(validate(text)) == expected


PRESS_KIT = """
domain = "press"

[concept.PressKit]
description = "What goes out to journalists"

[concept.PressKit.structure]
summary = { type = "concept", concept_ref = "Text", description = "A short summary", required = true }
headline = { type = "concept", concept_ref = "Text", description = "A headline", required = true }
{extra}

[pipe.make_kit]
type = "PipeParallel"
description = "Summary and headline at once"
inputs = { release = "Text" }
output = "PressKit"
branches = [
  { pipe = "summarize", result = "summary" },
  { pipe = "headline", result = "headline" },
]

[pipe.summarize]
type = "PipeLLM"
description = "Summarises"
inputs = { release = "Text" }
output = "Text"
prompt = "Summarise in two sentences: $release"

[pipe.headline]
type = "PipeLLM"
description = "A headline"
inputs = { release = "Text" }
output = "Text"
prompt = "A headline for: $release"
"""


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("", []),
        ('contact = { type = "text", description = "Who to call" }', []),  # optional: left unset
        (
            'contact = { type = "text", description = "Who to call", required = true }',
            [("inadequate_output_concept", "make_kit")],
        ),
    ],
)
def test_every_required_field_of_a_parallels_structure_has_a_branch(
    extra: str, expected: list[tuple[str, str]]
) -> None:
    report = validate(PRESS_KIT.replace("{extra}", extra))
    assert errors(report) == expected
    if expected:
        assert "requires the field(s) contact, which no branch produces" in report.errors[0].message


@pytest.mark.parametrize(
    ("controller", "output", "steps", "expected"),
    [
        ("PipeSequence", "Text[]", "steps", []),  # a sequence's step batches over the Ship[2]
        # a parallel's batched branch reads its list as an X[], which the parallel's Ship[2] is not
        ("PipeParallel", "Composite", "branches", [("input_stuff_spec_mismatch", "plan_day")]),
    ],
)
def test_a_parallels_batched_branch_takes_a_list_of_any_length(
    controller: str, output: str, steps: str, expected: list[tuple[str, str]]
) -> None:
    text = (
        SHIPS.replace("{controller}", controller)
        .replace("{output}", output)
        .replace("{steps}", steps)
        .replace("{count_reads}", "Ship[]")
        .replace(
            '    { pipe = "list_ships", result = "listing" },\n    { pipe = "count_ships", result = "count" },',
            '    { pipe = "name_ship", batch_over = "ships", batch_as = "ship", result = "names" },',
        )
    )
    text += '\n[pipe.name_ship]\ntype = "PipeCompose"\ndescription = "d"\ninputs = { ship = "Ship" }\noutput = "Text"\ntemplate = "$ship.name"\n'
    text = text.split("[pipe.list_ships]")[0] + "[pipe.name_ship]" + text.split("[pipe.name_ship]")[1]
    assert errors(validate(text)) == expected
