"""Data flow between pipes: user-style bundles and one-rule mutations of them (part A of the fifth fidelity pass).

The same structure as ``fidelity_bundles``: ``BASES`` are valid bundles written the way users write them,
``BASE_MUTATIONS[base]`` are plain substitutions ``(old, new)`` applied to that base (first occurrence), each
breaking or bending one rule of the data flow: binding steps (``from``/``result``, dotted paths), batches on
steps and in PipeBatch, parallel branches (``add_each_output``), conditions (``expression`` /
``expression_template``, outcomes, ``default_outcome``), input names, missing or unused inputs, concepts and
multiplicities through bindings, optionals (``?``, ``!``, guards, optional outputs and branches) and template
variables. Some mutations are near misses that stay valid (a checker too strict is also wrong). ``INPUTS``
gives a base (or a case) a user inputs file: ``fidelity.py`` then dry-runs it with ``-i`` as well as with
``--mock-inputs``. Nothing here encodes an expected verdict: the two CLIs decide.
"""

from __future__ import annotations

import json

BASES: dict[str, str] = {}
BASE_MUTATIONS: dict[str, dict[str, tuple[str, str] | list[tuple[str, str]]]] = {}
# case or base name -> inputs (a JSON object), for a dry run with ``-i``
INPUTS: dict[str, dict[str, object]] = {}

# --- 1. a multi-stage sequence with deep bindings into structures ------------------------------------------
BASES["claims_flow"] = '''domain = "claims_desk"
description = "Read an insurance claim, check each damaged item against the policy, and answer the holder"
main_pipe = "handle_claim"

[concept.Holder]
description = "The person who holds the policy"

[concept.Holder.structure]
name = { type = "text", description = "Full name", required = true }
email = { type = "text", description = "Where to write" }

[concept.Policy]
description = "An insurance policy"

[concept.Policy.structure]
number = { type = "text", description = "Policy number", required = true }
holder = { type = "concept", concept_ref = "Holder", description = "Who holds it", required = true }
ceiling = { type = "number", description = "Most the policy pays", required = true }

[concept.DamagedItem]
description = "One damaged item of a claim"

[concept.DamagedItem.structure]
label = { type = "text", description = "What was damaged", required = true }
value = { type = "number", description = "What it was worth", required = true }

[concept.Claim]
description = "A claim as filed"

[concept.Claim.structure]
policy = { type = "concept", concept_ref = "Policy", description = "The policy claimed on", required = true }
items = { type = "list", item_type = "concept", item_concept_ref = "DamagedItem", description = "Damaged items", required = true }
story = { type = "text", description = "What happened", required = true }

[concept]
ItemCheck = "Whether one item is covered, and why"
ClaimLetter = "The letter sent back to the holder"

[pipe.handle_claim]
type = "PipeSequence"
description = "Read, bind the parts, check every item, write back"
inputs = { claim_text = "Text" }
output = "ClaimLetter"
steps = [
    { pipe = "read_claim", result = "claim" },
    { from = "claim.policy.holder", result = "holder" },
    { from = "claim.policy.ceiling", result = "ceiling" },
    { pipe = "check_item", batch_over = "claim.items", batch_as = "item", result = "checks" },
    { pipe = "write_letter", result = "letter" },
]

[pipe.read_claim]
type = "PipeLLM"
description = "Structure the claim"
inputs = { claim_text = "Text" }
output = "Claim"
prompt = """
Read this insurance claim and structure it:

@claim_text
"""

[pipe.check_item]
type = "PipeLLM"
description = "Check one item against the ceiling"
inputs = { item = "DamagedItem", ceiling = "Number" }
output = "ItemCheck"
prompt = "Is $item.label, worth $item.value, covered by a policy paying at most $ceiling?"

[pipe.write_letter]
type = "PipeSequence"
description = "Draft then polish the letter"
inputs = { holder = "Holder", checks = "ItemCheck[]" }
output = "ClaimLetter"
steps = [
    { pipe = "draft_letter", result = "draft" },
    { pipe = "polish_letter", result = "letter" },
]

[pipe.draft_letter]
type = "PipeLLM"
description = "Draft the letter"
inputs = { holder = "Holder", checks = "ItemCheck[]" }
output = "Text"
prompt = """
Write to $holder.name about their claim. The checks were:

@checks
"""

[pipe.polish_letter]
type = "PipeLLM"
description = "Polish the draft"
inputs = { draft = "Text" }
output = "ClaimLetter"
prompt = "Polish this letter, keep it short: $draft"
'''

INPUTS["claims_flow"] = {
    "claim_text": "My bike and laptop were stolen from the car. Policy P-77, holder Ana Diaz."
}

BASE_MUTATIONS["claims_flow"] = {
    # binding steps
    "bind_unknown_field": ('{ from = "claim.policy.holder", result', '{ from = "claim.policy.owner", result'),
    "bind_past_leaf": (
        '{ from = "claim.policy.ceiling", result',
        '{ from = "claim.policy.ceiling.amount", result',
    ),
    "bind_unknown_root": (
        '{ from = "claim.policy.holder", result',
        '{ from = "claims.policy.holder", result',
    ),
    "bind_root_only": (
        '{ from = "claim.policy.holder", result = "holder" }',
        '{ from = "claim", result = "holder" }',
    ),
    "bind_no_result": (
        '{ from = "claim.policy.ceiling", result = "ceiling" }',
        '{ from = "claim.policy.ceiling" }',
    ),
    "bind_result_dotted": ('result = "ceiling" }', 'result = "policy.ceiling" }'),
    "bind_result_empty": ('result = "ceiling" }', 'result = "" }'),
    "bind_with_pipe": (
        '{ from = "claim.policy.ceiling", result = "ceiling" }',
        '{ from = "claim.policy.ceiling", pipe = "read_claim", result = "ceiling" }',
    ),
    "bind_with_batch": (
        '{ from = "claim.policy.ceiling", result = "ceiling" }',
        '{ from = "claim.items", batch_over = "claim.items", batch_as = "x", result = "ceiling" }',
    ),
    "bind_path_trailing_dot": ('{ from = "claim.policy.ceiling", result', '{ from = "claim.policy.", result'),
    "bind_path_space": (
        '{ from = "claim.policy.ceiling", result',
        '{ from = "claim. policy.ceiling", result',
    ),
    "bind_path_index": ('{ from = "claim.policy.ceiling", result', '{ from = "claim.items[0]", result'),
    "bind_from_empty": ('{ from = "claim.policy.ceiling", result', '{ from = "", result'),
    "bind_before_source": (
        '    { pipe = "read_claim", result = "claim" },\n    { from = "claim.policy.holder", result = "holder" },',
        '    { from = "claim.policy.holder", result = "holder" },\n    { pipe = "read_claim", result = "claim" },',
    ),
    "bind_list_to_single": (
        '{ from = "claim.policy.ceiling", result = "ceiling" }',
        '{ from = "claim.items", result = "ceiling" }',
    ),
    "bind_wrong_concept": ('{ from = "claim.policy.holder", result', '{ from = "claim.policy", result'),
    "bind_text_field_for_number": (
        '{ from = "claim.policy.ceiling", result',
        '{ from = "claim.policy.number", result',
    ),
    "bind_same_name_as_root": ('result = "holder" }', 'result = "claim" }'),
    "bind_overwrites_input": (
        '{ from = "claim.policy.ceiling", result = "ceiling" }',
        '{ from = "claim.policy.ceiling", result = "ceiling" },\n    { from = "claim.story", result = "claim_text" }',
    ),
    "bind_unused_binding": (
        '{ from = "claim.policy.ceiling", result = "ceiling" }',
        '{ from = "claim.policy.ceiling", result = "ceiling" },\n    { from = "claim.story", result = "story" }',
    ),
    "bind_last_step": (
        '    { pipe = "write_letter", result = "letter" },\n]',
        '    { pipe = "write_letter", result = "letter" },\n    { from = "claim.story", result = "story" },\n]',
    ),
    "bind_last_step_text_output": [
        (
            'output = "ClaimLetter"\nsteps = [\n    { pipe = "read_claim"',
            'output = "Text"\nsteps = [\n    { pipe = "read_claim"',
        ),
        (
            '    { pipe = "write_letter", result = "letter" },\n]',
            '    { pipe = "write_letter", result = "letter" },\n    { from = "claim.story", result = "story" },\n]',
        ),
    ],
    "bind_deep_holder_name": (
        '{ from = "claim.policy.holder", result = "holder" }',
        '{ from = "claim.policy.holder.name", result = "holder" }',
    ),
    "bind_then_batch_over_binding": [
        (
            '{ from = "claim.policy.ceiling", result = "ceiling" },',
            '{ from = "claim.policy.ceiling", result = "ceiling" },\n    { from = "claim.items", result = "items" },',
        ),
        ('batch_over = "claim.items"', 'batch_over = "items"'),
    ],
    "bind_result_reused": (
        '{ from = "claim.policy.ceiling", result = "ceiling" }',
        '{ from = "claim.policy.number", result = "ceiling" },\n    { from = "claim.policy.ceiling", result = "ceiling" }',
    ),
    "bind_from_batch_result": (
        '    { pipe = "write_letter", result = "letter" },\n]',
        '    { from = "checks.label", result = "labels" },\n    { pipe = "write_letter", result = "letter" },\n]',
    ),
    "nested_reads_outer_binding": [
        (
            'inputs = { holder = "Holder", checks = "ItemCheck[]" }\noutput = "ClaimLetter"',
            'inputs = { holder = "Holder", checks = "ItemCheck[]", ceiling = "Number" }\noutput = "ClaimLetter"',
        ),
        (
            'inputs = { holder = "Holder", checks = "ItemCheck[]" }\noutput = "Text"',
            'inputs = { holder = "Holder", checks = "ItemCheck[]", ceiling = "Number" }\noutput = "Text"',
        ),
        (
            "Write to $holder.name about their claim.",
            "Write to $holder.name about their claim (ceiling $ceiling).",
        ),
    ],
    "nested_reads_outer_not_passed": [
        (
            'inputs = { holder = "Holder", checks = "ItemCheck[]" }\noutput = "Text"',
            'inputs = { holder = "Holder", checks = "ItemCheck[]", claim_text = "Text" }\noutput = "Text"',
        ),
        (
            "Write to $holder.name about their claim.",
            "Write to $holder.name about their claim ($claim_text).",
        ),
    ],
    "step_nb_output_read_fixed": [
        (
            '{ pipe = "polish_letter", result = "letter" }',
            '{ pipe = "polish_letter", result = "letters", nb_output = 2 },\n    { pipe = "pick_letter", result = "letter" }',
        ),
    ],
    "step_nb_output_read_other_fixed": [
        (
            '{ pipe = "polish_letter", result = "letter" }',
            '{ pipe = "polish_letter", result = "letters", nb_output = 3 },\n    { pipe = "pick_letter", result = "letter" }',
        ),
    ],
    "step_multiple_output_read_fixed": [
        (
            '{ pipe = "polish_letter", result = "letter" }',
            '{ pipe = "polish_letter", result = "letters", multiple_output = true },\n    { pipe = "pick_letter", result = "letter" }',
        ),
    ],
    "step_nb_output_seq_fixed_output": [
        (
            '{ pipe = "polish_letter", result = "letter" },\n]',
            '{ pipe = "polish_letter", result = "letter", nb_output = 2 },\n]',
        ),
        (
            'inputs = { holder = "Holder", checks = "ItemCheck[]" }\noutput = "ClaimLetter"\nsteps',
            'inputs = { holder = "Holder", checks = "ItemCheck[]" }\noutput = "ClaimLetter[2]"\nsteps',
        ),
        (
            'output = "ClaimLetter"\nsteps = [\n    { pipe = "read_claim"',
            'output = "ClaimLetter[2]"\nsteps = [\n    { pipe = "read_claim"',
        ),
    ],
    # batch_over through a dotted path
    "batch_over_dotted_leaf": ('batch_over = "claim.items"', 'batch_over = "claim.story"'),
    "batch_over_dotted_unknown": ('batch_over = "claim.items"', 'batch_over = "claim.things"'),
    "batch_over_dotted_single": ('batch_over = "claim.items"', 'batch_over = "claim.policy"'),
    "batch_as_dotted": ('batch_as = "item"', 'batch_as = "claim.item"'),
    "batch_as_same_as_over": (
        'batch_over = "claim.items", batch_as = "item"',
        'batch_over = "claim.items", batch_as = "claim"',
    ),
    "batch_as_reserved": ('batch_as = "item"', 'batch_as = "main_stuff"'),
    "batch_as_private": ('batch_as = "item"', 'batch_as = "_item"'),
    "batch_result_single_downstream": (
        'inputs = { holder = "Holder", checks = "ItemCheck[]" }\noutput = "ClaimLetter"',
        'inputs = { holder = "Holder", checks = "ItemCheck" }\noutput = "ClaimLetter"',
    ),
    "batch_over_without_as": (
        'batch_over = "claim.items", batch_as = "item", ',
        'batch_over = "claim.items", ',
    ),
    # outputs through the sequence
    "seq_output_wrong_concept": (
        'output = "ClaimLetter"\nsteps = [\n    { pipe = "read_claim"',
        'output = "ItemCheck"\nsteps = [\n    { pipe = "read_claim"',
    ),
    "seq_output_list": (
        'output = "ClaimLetter"\nsteps = [\n    { pipe = "read_claim"',
        'output = "ClaimLetter[]"\nsteps = [\n    { pipe = "read_claim"',
    ),
    "seq_output_native_text": (
        'output = "ClaimLetter"\nsteps = [\n    { pipe = "draft_letter"',
        'output = "Text"\nsteps = [\n    { pipe = "draft_letter"',
    ),
    "seq_output_optional": (
        'output = "ClaimLetter"\nsteps = [\n    { pipe = "read_claim"',
        'output = "ClaimLetter?"\nsteps = [\n    { pipe = "read_claim"',
    ),
    # inputs of the nested sequence
    "nested_missing_input": (
        'inputs = { holder = "Holder", checks = "ItemCheck[]" }\noutput = "ClaimLetter"',
        'inputs = { holder = "Holder" }\noutput = "ClaimLetter"',
    ),
    "nested_extra_input": (
        'inputs = { holder = "Holder", checks = "ItemCheck[]" }\noutput = "ClaimLetter"',
        'inputs = { holder = "Holder", checks = "ItemCheck[]", ceiling = "Number" }\noutput = "ClaimLetter"',
    ),
    "nested_input_wrong_concept": (
        'inputs = { holder = "Holder", checks = "ItemCheck[]" }\noutput = "ClaimLetter"',
        'inputs = { holder = "Policy", checks = "ItemCheck[]" }\noutput = "ClaimLetter"',
    ),
    "nested_input_fixed": (
        'inputs = { holder = "Holder", checks = "ItemCheck[]" }\noutput = "ClaimLetter"',
        'inputs = { holder = "Holder", checks = "ItemCheck[2]" }\noutput = "ClaimLetter"',
    ),
    "seq_input_unused": (
        'inputs = { claim_text = "Text" }\noutput = "ClaimLetter"',
        'inputs = { claim_text = "Text", tone = "Text" }\noutput = "ClaimLetter"',
    ),
    "seq_input_dotted": (
        'inputs = { claim_text = "Text" }\noutput = "ClaimLetter"',
        'inputs = { "claim.text" = "Text" }\noutput = "ClaimLetter"',
    ),
    # templates into structures
    "tpl_deep_path": ("Write to $holder.name about", "Write to $holder.name ($holder.email) about"),
    "tpl_unknown_field": ("Write to $holder.name about", "Write to $holder.surname about"),
    "tpl_private_var": ("Write to $holder.name about", "Write to $_holder about"),
    "tpl_private_attr": ("Write to $holder.name about", "Write to {{ holder.__class__ }} about"),
    "tpl_jinja_path": ("Write to $holder.name about", "Write to {{ holder.name }} about"),
    "tpl_jinja_loop": ("@checks\n", "{% for c in checks %}- {{ c }}\n{% endfor %}\n"),
    "tpl_at_inline": ("The checks were:\n\n@checks", "The checks were: @checks"),
    "tpl_at_path": ("Write to $holder.name about", "Write to them about\n@holder.name\n"),
    "tpl_dollar_item_path_deep": ("Is $item.label, worth", "Is $item.label.text, worth"),
}

# --- 2. a batch inside a parallel inside a sequence -------------------------------------------------------
BASES["harbour_ops"] = '''domain = "harbour_ops"
description = "Plan a day at the harbour: berth every ship and write the tide notice at once, then the day sheet"
main_pipe = "plan_day"

[concept.Ship]
description = "A ship expected in port"

[concept.Ship.structure]
name = { type = "text", description = "The ship's name", required = true }
length = { type = "number", description = "Length in metres", required = true }

[concept.Berth]
description = "Where a ship ties up"

[concept.Berth.structure]
ship = { type = "text", description = "Which ship", required = true }
quay = { type = "text", description = "Which quay", required = true }

[concept.HarbourDay]
description = "The plans for the day"

[concept.HarbourDay.structure]
berths = { type = "list", item_type = "concept", item_concept_ref = "Berth", description = "Where each ship goes", required = true }
tide_notice = { type = "concept", concept_ref = "Text", description = "The tide notice", required = true }

[pipe.plan_day]
type = "PipeSequence"
description = "Berths and tide notice in parallel, then the day sheet"
inputs = { ships = "Ship[]", tide = "Text" }
output = "Text"
steps = [
    { pipe = "plan_in_parallel", result = "day" },
    { pipe = "write_day_sheet", result = "sheet" },
]

[pipe.plan_in_parallel]
type = "PipeParallel"
description = "Berth the ships, write the tide notice"
inputs = { ships = "Ship[]", tide = "Text" }
output = "HarbourDay"
add_each_output = true
branches = [
    { pipe = "berth_all", result = "berths" },
    { pipe = "write_tide_notice", result = "tide_notice" },
]

[pipe.berth_all]
type = "PipeBatch"
description = "A berth for every ship"
inputs = { ships = "Ship[]", tide = "Text" }
output = "Berth[]"
branch_pipe_code = "berth_one"
input_list_name = "ships"
input_item_name = "ship"

[pipe.berth_one]
type = "PipeLLM"
description = "Find a berth for one ship"
inputs = { ship = "Ship", tide = "Text" }
output = "Berth"
prompt = "Pick a quay for $ship.name, $ship.length m long, given the tide: $tide"

[pipe.write_tide_notice]
type = "PipeCompose"
description = "The tide notice"
inputs = { tide = "Text" }
output = "Text"
template = "Tide today: $tide"

[pipe.write_day_sheet]
type = "PipeLLM"
description = "The day sheet from the berths and the notice"
inputs = { berths = "Berth[]", tide_notice = "Text" }
output = "Text"
prompt = """
Write the harbour's day sheet.

@berths

@tide_notice
"""
'''

INPUTS["harbour_ops"] = {
    "ships": [{"name": "Aurora", "length": 120}, {"name": "Petrel", "length": 45}],
    "tide": "High water at 06:10 and 18:32",
}

BASE_MUTATIONS["harbour_ops"] = {
    # PipeBatch names
    "pbatch_item_is_list": ('input_item_name = "ship"', 'input_item_name = "ships"'),
    "pbatch_item_is_shared_input": ('input_item_name = "ship"', 'input_item_name = "tide"'),
    "pbatch_item_empty": ('input_item_name = "ship"', 'input_item_name = ""'),
    "pbatch_item_dotted": ('input_item_name = "ship"', 'input_item_name = "ships.one"'),
    "pbatch_item_reserved": ('input_item_name = "ship"', 'input_item_name = "main_stuff"'),
    "pbatch_item_private": ('input_item_name = "ship"', 'input_item_name = "_ship"'),
    "pbatch_item_upper": ('input_item_name = "ship"', 'input_item_name = "Ship"'),
    "pbatch_list_not_input": ('input_list_name = "ships"', 'input_list_name = "vessels"'),
    "pbatch_list_single": (
        'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "Berth[]"',
        'inputs = { ships = "Ship", tide = "Text" }\noutput = "Berth[]"',
    ),
    "pbatch_list_fixed": (
        'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "Berth[]"',
        'inputs = { ships = "Ship[3]", tide = "Text" }\noutput = "Berth[]"',
    ),
    "pbatch_output_single": ('output = "Berth[]"\nbranch_pipe_code', 'output = "Berth"\nbranch_pipe_code'),
    "pbatch_output_fixed": ('output = "Berth[]"\nbranch_pipe_code', 'output = "Berth[2]"\nbranch_pipe_code'),
    "pbatch_output_wrong_concept": (
        'output = "Berth[]"\nbranch_pipe_code',
        'output = "Ship[]"\nbranch_pipe_code',
    ),
    "pbatch_shared_missing": (
        'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "Berth[]"',
        'inputs = { ships = "Ship[]" }\noutput = "Berth[]"',
    ),
    "pbatch_shared_extra": (
        'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "Berth[]"',
        'inputs = { ships = "Ship[]", tide = "Text", pilot = "Text" }\noutput = "Berth[]"',
    ),
    "pbatch_branch_item_wrong_concept": (
        'inputs = { ship = "Ship", tide = "Text" }',
        'inputs = { ship = "Berth", tide = "Text" }',
    ),
    "pbatch_branch_item_list": (
        'inputs = { ship = "Ship", tide = "Text" }',
        'inputs = { ship = "Ship[]", tide = "Text" }',
    ),
    "pbatch_branch_item_text": (
        'inputs = { ship = "Ship", tide = "Text" }',
        'inputs = { ship = "Text", tide = "Text" }',
    ),
    "pbatch_branch_item_optional": (
        'inputs = { ship = "Ship", tide = "Text" }',
        'inputs = { ship = "Ship?", tide = "Text" }',
    ),
    "pbatch_branch_reads_list": (
        'inputs = { ship = "Ship", tide = "Text" }',
        'inputs = { ship = "Ship", tide = "Text", ships = "Ship[]" }',
    ),
    "pbatch_branch_other_name": (
        'inputs = { ship = "Ship", tide = "Text" }\noutput = "Berth"\nprompt = "Pick a quay for $ship.name, $ship.length',
        'inputs = { vessel = "Ship", tide = "Text" }\noutput = "Berth"\nprompt = "Pick a quay for $vessel.name, $vessel.length',
    ),
    "pbatch_branch_list_output": ('output = "Berth"\nprompt = "Pick', 'output = "Berth[]"\nprompt = "Pick'),
    # PipeParallel
    "par_add_each_false": ("add_each_output = true", "add_each_output = false"),
    "par_add_each_absent": ("add_each_output = true\n", ""),
    "par_composite": ('output = "HarbourDay"\nadd_each_output', 'output = "Composite"\nadd_each_output'),
    "par_result_misnamed": (
        '{ pipe = "write_tide_notice", result = "tide_notice" }',
        '{ pipe = "write_tide_notice", result = "notice" }',
    ),
    "par_output_list": ('output = "HarbourDay"\nadd_each_output', 'output = "HarbourDay[]"\nadd_each_output'),
    "par_combined_output": (
        "add_each_output = true",
        'add_each_output = true\ncombined_output = "HarbourDay"',
    ),
    "par_branch_binding": (
        '{ pipe = "write_tide_notice", result = "tide_notice" }',
        '{ from = "tide", result = "tide_notice" }',
    ),
    "par_branch_batch": (
        '    { pipe = "berth_all", result = "berths" },',
        '    { pipe = "berth_one", batch_over = "ships", batch_as = "ship", result = "berths" },',
    ),
    "par_branch_batch_dotted": (
        '    { pipe = "berth_all", result = "berths" },',
        '    { pipe = "berth_one", batch_over = "day.ships", batch_as = "ship", result = "berths" },',
    ),
    "par_branch_no_result": (
        '{ pipe = "write_tide_notice", result = "tide_notice" }',
        '{ pipe = "write_tide_notice" }',
    ),
    "par_branch_dup_result": (
        '{ pipe = "write_tide_notice", result = "tide_notice" }',
        '{ pipe = "write_tide_notice", result = "berths" }',
    ),
    "par_missing_input": (
        'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "HarbourDay"',
        'inputs = { ships = "Ship[]" }\noutput = "HarbourDay"',
    ),
    "par_field_single_for_list": (
        'berths = { type = "list", item_type = "concept", item_concept_ref = "Berth", description = "Where each ship goes", required = true }',
        'berths = { type = "concept", concept_ref = "Berth", description = "Where each ship goes", required = true }',
    ),
    "par_field_text_type": (
        'tide_notice = { type = "concept", concept_ref = "Text", description = "The tide notice", required = true }',
        'tide_notice = { type = "text", description = "The tide notice", required = true }',
    ),
    "par_field_optional_extra": (
        "[pipe.plan_day]",
        '[concept.HarbourDay.structure.pilot]\ntype = "text"\ndescription = "The pilot on duty"\n\n[pipe.plan_day]',
    ),
    "par_field_required_extra": (
        'tide_notice = { type = "concept", concept_ref = "Text", description = "The tide notice", required = true }',
        'tide_notice = { type = "concept", concept_ref = "Text", description = "The tide notice", required = true }\npilot = { type = "text", description = "The pilot on duty", required = true }',
    ),
    # the sequence after the parallel
    "seq_reads_parallel_result": (
        'inputs = { berths = "Berth[]", tide_notice = "Text" }',
        'inputs = { day = "HarbourDay" }',
    ),
    "seq_reads_branch_single": (
        'inputs = { berths = "Berth[]", tide_notice = "Text" }',
        'inputs = { berths = "Berth", tide_notice = "Text" }',
    ),
    "seq_bind_from_parallel": (
        '    { pipe = "write_day_sheet", result = "sheet" },',
        '    { from = "day.tide_notice", result = "notice" },\n    { pipe = "write_day_sheet", result = "sheet" },',
    ),
    "seq_input_list_as_single": (
        'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "Text"',
        'inputs = { ships = "Ship", tide = "Text" }\noutput = "Text"',
    ),
    "par_branch_reads_optional": (
        'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "HarbourDay"',
        'inputs = { ships = "Ship[]", tide = "Text?" }\noutput = "HarbourDay"',
    ),
    "par_branch_batch_fixed_list": [
        (
            '    { pipe = "berth_all", result = "berths" },',
            '    { pipe = "berth_one", batch_over = "ships", batch_as = "ship", result = "berths" },',
        ),
        (
            'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "HarbourDay"',
            'inputs = { ships = "Ship[2]", tide = "Text" }\noutput = "HarbourDay"',
        ),
        (
            'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "Text"',
            'inputs = { ships = "Ship[2]", tide = "Text" }\noutput = "Text"',
        ),
    ],
    "par_add_each_read_by_name_and_whole": (
        'inputs = { berths = "Berth[]", tide_notice = "Text" }',
        'inputs = { berths = "Berth[]", tide_notice = "Text", day = "HarbourDay" }',
    ),
    "par_composite_bind_field": [
        ('output = "HarbourDay"\nadd_each_output', 'output = "Composite"\nadd_each_output'),
        (
            '    { pipe = "write_day_sheet", result = "sheet" },',
            '    { from = "day.tide_notice", result = "notice" },\n    { pipe = "write_day_sheet", result = "sheet" },',
        ),
    ],
    "seq_batch_over_fixed_then_fixed_read": [
        (
            '    { pipe = "plan_in_parallel", result = "day" },\n    { pipe = "write_day_sheet", result = "sheet" },',
            '    { pipe = "berth_one", batch_over = "ships", batch_as = "ship", result = "berths" },\n    { pipe = "write_tide_notice", result = "tide_notice" },\n    { pipe = "write_day_sheet", result = "sheet" },',
        ),
        (
            'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "Text"',
            'inputs = { ships = "Ship[2]", tide = "Text" }\noutput = "Text"',
        ),
        (
            'inputs = { berths = "Berth[]", tide_notice = "Text" }',
            'inputs = { berths = "Berth[2]", tide_notice = "Text" }',
        ),
    ],
    # fixed multiplicities handed on
    "fixed_seq_input_into_var": (
        'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "Text"',
        'inputs = { ships = "Ship[3]", tide = "Text" }\noutput = "Text"',
    ),
    "fixed_into_other_fixed": [
        (
            'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "Text"',
            'inputs = { ships = "Ship[3]", tide = "Text" }\noutput = "Text"',
        ),
        (
            'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "HarbourDay"',
            'inputs = { ships = "Ship[2]", tide = "Text" }\noutput = "HarbourDay"',
        ),
    ],
    "fixed_into_same_fixed": [
        (
            'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "Text"',
            'inputs = { ships = "Ship[2]", tide = "Text" }\noutput = "Text"',
        ),
        (
            'inputs = { ships = "Ship[]", tide = "Text" }\noutput = "HarbourDay"',
            'inputs = { ships = "Ship[2]", tide = "Text" }\noutput = "HarbourDay"',
        ),
    ],
    "fixed_batch_output_read_fixed": (
        'inputs = { berths = "Berth[]", tide_notice = "Text" }',
        'inputs = { berths = "Berth[2]", tide_notice = "Text" }',
    ),
    "tpl_jinja_loop_berths": (
        "@berths\n",
        "{% for b in berths %}- {{ b.ship }} at {{ b.quay }}\n{% endfor %}\n",
    ),
    "tpl_loop_unknown_field": (
        "@berths\n",
        "{% for b in berths %}- {{ b.ship }} at {{ b.dock }}\n{% endfor %}\n",
    ),
    "tpl_item_field_missing": ("$ship.name, $ship.length m long", "$ship.name, $ship.draught m deep"),
}

# --- 3. conditions feeding batches -----------------------------------------------------------------------
BASES["mail_sorter"] = """domain = "mail_sorter"
description = "Sort the morning's letters: urgent ones each get a reply, the rest a digest"
main_pipe = "sort_mail"

[concept.Letter]
description = "A letter received"

[concept.Letter.structure]
sender = { type = "text", description = "Who wrote", required = true }
body = { type = "text", description = "What it says", required = true }

[concept.MailBag]
description = "The morning's letters, triaged"

[concept.MailBag.structure]
letters = { type = "list", item_type = "concept", item_concept_ref = "Letter", description = "The letters", required = true }
urgency = { type = "text", description = "How urgent the bag is", choices = ["urgent", "routine", "spam"], required = true }

[concept]
Reply = "A reply to a letter"

[pipe.sort_mail]
type = "PipeSequence"
description = "Triage the bag, then answer it as its urgency says"
inputs = { scans = "Text" }
output = "Reply[]"
steps = [
    { pipe = "triage_bag", result = "bag" },
    { from = "bag.letters", result = "letters" },
    { pipe = "route_bag", result = "replies" },
]

[pipe.triage_bag]
type = "PipeLLM"
description = "Read the scans into a bag"
inputs = { scans = "Text" }
output = "MailBag"
prompt = "Split these scans into letters and rate the bag's urgency: $scans"

[pipe.route_bag]
type = "PipeCondition"
description = "Urgent bags get one reply a letter, the others one digest reply each"
inputs = { bag = "MailBag", letters = "Letter[]" }
output = "Reply[]"
expression = "bag.urgency"
outcomes = { urgent = "reply_each", routine = "digest_each" }
default_outcome = "fail"

[pipe.reply_each]
type = "PipeBatch"
description = "A reply to every letter"
inputs = { letters = "Letter[]" }
output = "Reply[]"
branch_pipe_code = "reply_one"
input_list_name = "letters"
input_item_name = "letter"

[pipe.reply_one]
type = "PipeLLM"
description = "Answer one letter"
inputs = { letter = "Letter" }
output = "Reply"
prompt = "Answer $letter.sender, who wrote: $letter.body"

[pipe.digest_each]
type = "PipeSequence"
description = "A short acknowledgement per letter"
inputs = { letters = "Letter[]" }
output = "Reply[]"
steps = [
    { pipe = "acknowledge", batch_over = "letters", batch_as = "letter", result = "acks" },
]

[pipe.acknowledge]
type = "PipeCompose"
description = "Acknowledge one letter"
inputs = { letter = "Letter" }
output = "Reply"
template = "Dear $letter.sender, we received your letter and will answer soon."
"""

INPUTS["mail_sorter"] = {
    "scans": "Letter 1 from Ines: the roof leaks. Letter 2 from Bo: thanks for the visit."
}

BASE_MUTATIONS["mail_sorter"] = {
    "cond_expression_template": ('expression = "bag.urgency"', 'expression_template = "{{ bag.urgency }}"'),
    "cond_expression_template_if": (
        'expression = "bag.urgency"',
        "expression_template = \"{% if bag.urgency == 'urgent' %}urgent{% else %}routine{% endif %}\"",
    ),
    "cond_both_expressions": (
        'expression = "bag.urgency"',
        'expression = "bag.urgency"\nexpression_template = "{{ bag.urgency }}"',
    ),
    "cond_no_expression": ('expression = "bag.urgency"\n', ""),
    "cond_expression_braces": ('expression = "bag.urgency"', 'expression = "{{ bag.urgency }}"'),
    "cond_expression_unknown_var": ('expression = "bag.urgency"', 'expression = "mailbag.urgency"'),
    "cond_expression_unknown_field": ('expression = "bag.urgency"', 'expression = "bag.priority"'),
    "cond_expression_dollar": ('expression = "bag.urgency"', 'expression = "$bag.urgency"'),
    "cond_expression_syntax": ('expression = "bag.urgency"', 'expression = "bag.urgency =="'),
    "cond_expression_private": ('expression = "bag.urgency"', 'expression = "bag.__class__"'),
    "cond_expression_list_var": ('expression = "bag.urgency"', 'expression = "letters | length"'),
    "cond_default_pipe": ('default_outcome = "fail"', 'default_outcome = "digest_each"'),
    "cond_default_continue": ('default_outcome = "fail"', 'default_outcome = "continue"'),
    "cond_default_continue_optional": [
        ('output = "Reply[]"\nexpression', 'output = "Reply[]?"\nexpression'),
        ('default_outcome = "fail"', 'default_outcome = "continue"'),
    ],
    "cond_default_missing": ('default_outcome = "fail"\n', ""),
    "cond_default_unknown_pipe": ('default_outcome = "fail"', 'default_outcome = "reply_later"'),
    "cond_outcomes_empty": ('outcomes = { urgent = "reply_each", routine = "digest_each" }', "outcomes = {}"),
    "cond_outcome_unknown_pipe": ('routine = "digest_each" }', 'routine = "digest_all" }'),
    "cond_outcome_continue": ('routine = "digest_each" }', 'routine = "continue" }'),
    "cond_outcome_fail": ('routine = "digest_each" }', 'routine = "fail" }'),
    "cond_outcome_single_output": (
        'output = "Reply[]"\nbranch_pipe_code = "reply_one"',
        'output = "Reply"\nbranch_pipe_code = "reply_one"',
    ),
    "cond_outcome_other_concept": [
        ('output = "Reply"\ntemplate = "Dear', 'output = "Text"\ntemplate = "Dear'),
        (
            'inputs = { letters = "Letter[]" }\noutput = "Reply[]"\nsteps',
            'inputs = { letters = "Letter[]" }\noutput = "Text[]"\nsteps',
        ),
    ],
    "cond_output_single": ('output = "Reply[]"\nexpression', 'output = "Reply"\nexpression'),
    "cond_output_text": ('output = "Reply[]"\nexpression', 'output = "Text[]"\nexpression'),
    "cond_outcome_needs_more": (
        'inputs = { letters = "Letter[]" }\noutput = "Reply[]"\nbranch',
        'inputs = { letters = "Letter[]", scans = "Text" }\noutput = "Reply[]"\nbranch',
    ),
    "cond_input_only_expression": (
        'inputs = { bag = "MailBag", letters = "Letter[]" }',
        'inputs = { bag = "MailBag", letters = "Letter[]", scans = "Text" }',
    ),
    "cond_missing_expression_input": (
        'inputs = { bag = "MailBag", letters = "Letter[]" }',
        'inputs = { letters = "Letter[]" }',
    ),
    "cond_alias": (
        'default_outcome = "fail"',
        'default_outcome = "fail"\nadd_alias_from_expression_to = "urgency_seen"',
    ),
    "cond_alias_dotted": (
        'default_outcome = "fail"',
        'default_outcome = "fail"\nadd_alias_from_expression_to = "bag.seen"',
    ),
    "cond_outcome_key_missing_choice": (
        'outcomes = { urgent = "reply_each", routine = "digest_each" }',
        'outcomes = { urgent = "reply_each", later = "digest_each" }',
    ),
    "seq_bind_before_condition_removed": ('    { from = "bag.letters", result = "letters" },\n', ""),
    "seq_bind_letters_wrong": (
        '{ from = "bag.letters", result = "letters" }',
        '{ from = "bag.urgency", result = "letters" }',
    ),
    "seq_batch_over_binding_step": (
        '    { pipe = "route_bag", result = "replies" },',
        '    { pipe = "reply_one", batch_over = "letters", batch_as = "letter", result = "replies" },',
    ),
    "seq_batch_over_dotted_in_seq": (
        '    { from = "bag.letters", result = "letters" },\n    { pipe = "route_bag", result = "replies" },',
        '    { pipe = "reply_one", batch_over = "bag.letters", batch_as = "letter", result = "replies" },',
    ),
    "seq_batch_as_collides_input": (
        'batch_over = "letters", batch_as = "letter"',
        'batch_over = "letters", batch_as = "letters"',
    ),
    "seq_one_step_batch_output_single": (
        'inputs = { letters = "Letter[]" }\noutput = "Reply[]"\nsteps',
        'inputs = { letters = "Letter[]" }\noutput = "Reply"\nsteps',
    ),
    "seq_batch_result_reserved": (
        'batch_as = "letter", result = "acks"',
        'batch_as = "letter", result = "main_stuff"',
    ),
    "cond_alias_read_by_outcome": [
        (
            'default_outcome = "fail"',
            'default_outcome = "fail"\nadd_alias_from_expression_to = "urgency_seen"',
        ),
        (
            'inputs = { letter = "Letter" }\noutput = "Reply"\nprompt = "Answer $letter.sender, who wrote: $letter.body"',
            'inputs = { letter = "Letter", urgency_seen = "Text" }\noutput = "Reply"\nprompt = "Answer $letter.sender ($urgency_seen), who wrote: $letter.body"',
        ),
        (
            'inputs = { letters = "Letter[]" }\noutput = "Reply[]"\nbranch',
            'inputs = { letters = "Letter[]", urgency_seen = "Text" }\noutput = "Reply[]"\nbranch',
        ),
    ],
    "cond_on_binding": [
        (
            '{ from = "bag.letters", result = "letters" },',
            '{ from = "bag.letters", result = "letters" },\n    { from = "bag.urgency", result = "urgency" },',
        ),
        (
            'inputs = { bag = "MailBag", letters = "Letter[]" }',
            'inputs = { urgency = "Text", letters = "Letter[]" }',
        ),
        ('expression = "bag.urgency"', 'expression = "urgency"'),
    ],
    "cond_on_binding_text_field": [
        (
            '{ from = "bag.letters", result = "letters" },',
            '{ from = "bag.letters", result = "letters" },\n    { from = "bag.urgency", result = "urgency" },',
        ),
        (
            'inputs = { bag = "MailBag", letters = "Letter[]" }',
            'inputs = { urgency = "Text", letters = "Letter[]" }',
        ),
        ('expression = "bag.urgency"', 'expression = "urgency.text"'),
    ],
    "cond_outcome_sequence_default": ('default_outcome = "fail"', 'default_outcome = "digest_each"'),
    "cond_outcome_reads_bag": [
        (
            'inputs = { letters = "Letter[]" }\noutput = "Reply[]"\nsteps',
            'inputs = { letters = "Letter[]", bag = "MailBag" }\noutput = "Reply[]"\nsteps',
        ),
        (
            '{ pipe = "acknowledge", batch_over = "letters"',
            '{ pipe = "acknowledge", batch_over = "bag.letters"',
        ),
    ],
    "fixed_seq_output_from_batch": (
        'inputs = { letters = "Letter[]" }\noutput = "Reply[]"\nsteps',
        'inputs = { letters = "Letter[]" }\noutput = "Reply[2]"\nsteps',
    ),
    "fixed_cond_output": ('output = "Reply[]"\nexpression', 'output = "Reply[2]"\nexpression'),
    "fixed_top_output": (
        'output = "Reply[]"\nsteps = [\n    { pipe = "triage_bag"',
        'output = "Reply[2]"\nsteps = [\n    { pipe = "triage_bag"',
    ),
    "fixed_bound_field_read_fixed": (
        'inputs = { bag = "MailBag", letters = "Letter[]" }',
        'inputs = { bag = "MailBag", letters = "Letter[4]" }',
    ),
    "pbatch_branch_list_output": (
        'output = "Reply"\nprompt = "Answer',
        'output = "Reply[]"\nprompt = "Answer',
    ),
    "result_main_stuff_first_step": (
        '{ pipe = "triage_bag", result = "bag" }',
        '{ pipe = "triage_bag", result = "main_stuff" }',
    ),
    "result_main_stuff_last_step": (
        '{ pipe = "route_bag", result = "replies" }',
        '{ pipe = "route_bag", result = "main_stuff" }',
    ),
    "input_name_main_stuff": [
        (
            'inputs = { scans = "Text" }\noutput = "Reply[]"',
            'inputs = { main_stuff = "Text" }\noutput = "Reply[]"',
        ),
        (
            'inputs = { scans = "Text" }\noutput = "MailBag"\nprompt = "Split these scans into letters and rate the bag\'s urgency: $scans"',
            'inputs = { main_stuff = "Text" }\noutput = "MailBag"\nprompt = "Split these scans into letters and rate the bag\'s urgency: $main_stuff"',
        ),
    ],
    "seq_step_result_dotted": (
        '{ pipe = "triage_bag", result = "bag" }',
        '{ pipe = "triage_bag", result = "mail.bag" }',
    ),
    "seq_step_no_result": ('{ pipe = "triage_bag", result = "bag" }', '{ pipe = "triage_bag" }'),
    "seq_step_result_is_pipe_code": (
        '{ pipe = "triage_bag", result = "bag" }',
        '{ pipe = "triage_bag", result = "triage_bag" }',
    ),
}

# --- 4. optional inputs threaded through three levels -----------------------------------------------------
BASES["guest_book"] = '''domain = "guest_book"
description = "Welcome a hotel guest; their loyalty card and a note from reception may or may not exist"
main_pipe = "welcome_guest"

[concept.LoyaltyCard]
description = "A loyalty card"

[concept.LoyaltyCard.structure]
level = { type = "text", description = "Card level", required = true }
points = { type = "integer", description = "Points held" }

[concept]
Guest = "A guest at the desk"
Welcome = "A welcome message"

[pipe.welcome_guest]
type = "PipeSequence"
description = "Look up the card, then write the welcome"
inputs = { guest = "Guest", card = "LoyaltyCard?", desk_note = "Text?" }
output = "Welcome"
steps = [
    { pipe = "maybe_perk", result = "perk" },
    { pipe = "compose_welcome", result = "welcome" },
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
description = "The perk for a gold card"
inputs = { card = "LoyaltyCard" }
output = "Text"
template = "A free breakfast for our $card.level member."

[pipe.compose_welcome]
type = "PipeSequence"
description = "Draft then sign"
inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?" }
output = "Welcome"
steps = [
    { pipe = "draft_welcome", result = "draft" },
    { pipe = "sign_welcome", result = "welcome" },
]

[pipe.draft_welcome]
type = "PipeLLM"
description = "Draft the welcome"
inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?" }
output = "Text"
prompt = """
Welcome $guest to the hotel in two sentences.
@?perk
@?desk_note
{% if perk is defined %}Mention the perk.{% endif %}
"""

[pipe.sign_welcome]
type = "PipeCompose"
description = "Sign the draft"
inputs = { draft = "Text" }
output = "Welcome"
template = "$draft -- The front desk"
'''

INPUTS["guest_book"] = {"guest": "Mr Okafor, room 12"}
INPUTS["guest_book__with_card"] = {
    "guest": "Mr Okafor",
    "card": {"level": "gold", "points": 1200},
    "desk_note": "Late arrival",
}

BASE_MUTATIONS["guest_book"] = {
    "opt_unguarded_dollar": ("Welcome $guest to the hotel", "Welcome $guest ($desk_note) to the hotel"),
    "opt_unguarded_at": ("@?desk_note\n", "@desk_note\n"),
    "opt_guard_jinja_if": ("@?desk_note\n", "{% if desk_note is defined %}{{ desk_note }}{% endif %}\n"),
    "opt_guard_jinja_not_none": (
        "@?desk_note\n",
        "{% if desk_note is not none %}{{ desk_note }}{% endif %}\n",
    ),
    "opt_guard_jinja_default": ("@?desk_note\n", "{{ desk_note | default('') }}\n"),
    "opt_guard_wrong_var": ("@?desk_note\n", "{% if perk is defined %}{{ desk_note }}{% endif %}\n"),
    "opt_at_question_on_required": (
        "Welcome $guest to the hotel in two sentences.",
        "Welcome to the hotel in two sentences.\n@?guest",
    ),
    "opt_marker_double": (
        'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?" }\noutput = "Text"',
        'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text??" }\noutput = "Text"',
    ),
    "opt_marker_force_and_optional": (
        'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?" }\noutput = "Text"',
        'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?!" }\noutput = "Text"',
    ),
    "opt_marker_before_list": (
        'inputs = { guest = "Guest", card = "LoyaltyCard?", desk_note',
        'inputs = { guest = "Guest", card = "LoyaltyCard?[]", desk_note',
    ),
    "opt_marker_on_output_llm": (
        'output = "Text"\nprompt = """\nWelcome',
        'output = "Text?"\nprompt = """\nWelcome',
    ),
    "opt_required_downstream": (
        'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?" }\noutput = "Text"',
        'inputs = { guest = "Guest", perk = "Text", desk_note = "Text?" }\noutput = "Text"',
    ),
    "opt_required_mid": (
        'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?" }\noutput = "Welcome"',
        'inputs = { guest = "Guest", perk = "Text", desk_note = "Text?" }\noutput = "Welcome"',
    ),
    "opt_forced_mid": (
        'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?" }\noutput = "Welcome"',
        'inputs = { guest = "Guest", perk = "Text!", desk_note = "Text?" }\noutput = "Welcome"',
    ),
    "opt_forced_leaf": (
        'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?" }\noutput = "Text"',
        'inputs = { guest = "Guest", perk = "Text!", desk_note = "Text?" }\noutput = "Text"',
    ),
    "opt_forced_required_input": ('inputs = { draft = "Text" }', 'inputs = { draft = "Text!" }'),
    "opt_forced_top": (
        'inputs = { guest = "Guest", card = "LoyaltyCard?", desk_note = "Text?" }',
        'inputs = { guest = "Guest", card = "LoyaltyCard!", desk_note = "Text?" }',
    ),
    "opt_top_required_card": (
        'inputs = { guest = "Guest", card = "LoyaltyCard?", desk_note = "Text?" }',
        'inputs = { guest = "Guest", card = "LoyaltyCard", desk_note = "Text?" }',
    ),
    "opt_cond_input_required": (
        'inputs = { card = "LoyaltyCard?" }\noutput = "Text?"',
        'inputs = { card = "LoyaltyCard" }\noutput = "Text?"',
    ),
    "opt_cond_output_required": (
        'inputs = { card = "LoyaltyCard?" }\noutput = "Text?"',
        'inputs = { card = "LoyaltyCard?" }\noutput = "Text"',
    ),
    "opt_cond_default_fail": ('default_outcome = "continue"', 'default_outcome = "fail"'),
    "opt_cond_expression_unguarded": (
        'expression_template = "{% if card is defined %}{{ card.level }}{% else %}none{% endif %}"',
        'expression = "card.level"',
    ),
    "opt_cond_template_unguarded": (
        'expression_template = "{% if card is defined %}{{ card.level }}{% else %}none{% endif %}"',
        'expression_template = "{{ card.level }}"',
    ),
    "opt_cond_expression_ternary": (
        'expression_template = "{% if card is defined %}{{ card.level }}{% else %}none{% endif %}"',
        "expression = \"card.level if card is defined else 'none'\"",
    ),
    "opt_cond_expression_and_guard": (
        'expression_template = "{% if card is defined %}{{ card.level }}{% else %}none{% endif %}"',
        'expression = "card is defined and card.level"',
    ),
    "opt_cond_template_default": (
        'expression_template = "{% if card is defined %}{{ card.level }}{% else %}none{% endif %}"',
        "expression_template = \"{{ card.level | default('none') }}\"",
    ),
    "opt_cond_template_not_none": (
        'expression_template = "{% if card is defined %}{{ card.level }}{% else %}none{% endif %}"',
        'expression_template = "{% if card is not none %}{{ card.level }}{% else %}none{% endif %}"',
    ),
    "opt_cond_template_truthy": (
        'expression_template = "{% if card is defined %}{{ card.level }}{% else %}none{% endif %}"',
        'expression_template = "{% if card %}{{ card.level }}{% else %}none{% endif %}"',
    ),
    "opt_three_levels_required_leaf": (
        'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?" }\noutput = "Text"',
        'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text" }\noutput = "Text"',
    ),
    "opt_three_levels_mid_required": (
        'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?" }\noutput = "Welcome"',
        'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text" }\noutput = "Welcome"',
    ),
    "opt_three_levels_forced_leaf": [
        (
            'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?" }\noutput = "Text"',
            'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text!" }\noutput = "Text"',
        ),
        ("@?desk_note\n", "@desk_note\n"),
    ],
    "opt_forced_guarded_redundant": (
        'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?" }\noutput = "Text"',
        'inputs = { guest = "Guest", perk = "Text!", desk_note = "Text?" }\noutput = "Text"',
    ),
    "opt_skipped_step_required_output": [
        ('inputs = { draft = "Text" }', 'inputs = { draft = "Text", perk = "Text" }'),
        ('template = "$draft -- The front desk"', 'template = "$draft -- $perk -- The front desk"'),
    ],
    "opt_skipped_step_optional_output_declared": [
        ('inputs = { draft = "Text" }', 'inputs = { draft = "Text", perk = "Text" }'),
        ('template = "$draft -- The front desk"', 'template = "$draft -- $perk -- The front desk"'),
        (
            'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?" }\noutput = "Welcome"',
            'inputs = { guest = "Guest", perk = "Text?", desk_note = "Text?" }\noutput = "Welcome?"',
        ),
        (
            'output = "Welcome"\nsteps = [\n    { pipe = "maybe_perk"',
            'output = "Welcome?"\nsteps = [\n    { pipe = "maybe_perk"',
        ),
    ],
    "opt_seq_output_optional": (
        'output = "Welcome"\nsteps = [\n    { pipe = "maybe_perk"',
        'output = "Welcome?"\nsteps = [\n    { pipe = "maybe_perk"',
    ),
    "opt_last_step_optional": (
        '    { pipe = "compose_welcome", result = "welcome" },\n]',
        '    { pipe = "compose_welcome", result = "welcome" },\n    { pipe = "maybe_perk", result = "last_perk" },\n]',
    ),
    "opt_last_step_optional_declared": (
        'output = "Welcome"\nsteps = [\n    { pipe = "maybe_perk", result = "perk" },\n    { pipe = "compose_welcome", result = "welcome" },\n]',
        'output = "Text?"\nsteps = [\n    { pipe = "compose_welcome", result = "welcome" },\n    { pipe = "maybe_perk", result = "perk" },\n]',
    ),
    "opt_bind_from_optional": (
        '    { pipe = "compose_welcome", result = "welcome" },\n]',
        '    { from = "card.level", result = "level" },\n    { pipe = "compose_welcome", result = "welcome" },\n]',
    ),
    "opt_bind_from_optional_used_required": (
        '    { pipe = "compose_welcome", result = "welcome" },\n]\n\n[pipe.maybe_perk]',
        '    { from = "card.level", result = "level" },\n    { pipe = "say_level", result = "level_line" },\n'
        '    { pipe = "compose_welcome", result = "welcome" },\n]\n\n'
        '[pipe.say_level]\ntype = "PipeCompose"\ndescription = "Say the level"\ninputs = { level = "Text" }\n'
        'output = "Text"\ntemplate = "Level: $level"\n\n[pipe.maybe_perk]',
    ),
    "opt_unused_optional": (
        'inputs = { draft = "Text" }',
        'inputs = { draft = "Text", desk_note = "Text?" }',
    ),
    "opt_vacuous_card": (
        'level = { type = "text", description = "Card level", required = true }',
        'level = { type = "text", description = "Card level" }',
    ),
    "opt_field_guard": (
        "{% if perk is defined %}Mention the perk.{% endif %}",
        "{% if perk is defined %}Mention the perk.{% endif %}\n@?desk_note.text",
    ),
    "opt_at_question_field": ("@?perk\n", "@?perk.text\n"),
    "tpl_private_guard": ("{% if perk is defined %}", "{% if _perk is defined %}"),
    "tpl_nb_output_var": ("Welcome $guest to the hotel", "Welcome $guest ($_nb_output) to the hotel"),
}

# --- 5. a PipeBatch whose branch is a sequence, with structured items, and a parallel root ----------------
BASES["exam_grader"] = '''domain = "exam_grader"
description = "Grade every answer sheet against the marking scheme, then summarise for the class"
main_pipe = "grade_class"

[concept.AnswerSheet]
description = "One student's answers"

[concept.AnswerSheet.structure]
student = { type = "text", description = "Student name", required = true }
answers = { type = "list", item_type = "text", description = "The answers, in order", required = true }

[concept.Grade]
description = "A student's grade"

[concept.Grade.structure]
student = { type = "text", description = "Student name", required = true }
mark = { type = "number", description = "Mark out of 20", required = true }
comment = { type = "text", description = "A comment" }

[concept.ClassReport]
description = "The grades and the summary"

[concept.ClassReport.structure]
roster = { type = "concept", concept_ref = "Text", description = "Every grade, one a line", required = true }
summary = { type = "concept", concept_ref = "Text", description = "How the class did", required = true }

[concept]
MarkingScheme = "How each answer is marked"

[pipe.grade_class]
type = "PipeSequence"
description = "Grade all, then report"
inputs = { sheets = "AnswerSheet[]", scheme = "MarkingScheme" }
output = "ClassReport"
steps = [
    { pipe = "grade_all", result = "grades" },
    { pipe = "report_class", result = "report" },
]

[pipe.grade_all]
type = "PipeBatch"
description = "Grade every sheet"
inputs = { sheets = "AnswerSheet[]", scheme = "MarkingScheme" }
output = "Grade[]"
branch_pipe_code = "grade_sheet"
input_list_name = "sheets"
input_item_name = "sheet"

[pipe.grade_sheet]
type = "PipeSequence"
description = "Bind the answers, then mark them"
inputs = { sheet = "AnswerSheet", scheme = "MarkingScheme" }
output = "Grade"
steps = [
    { from = "sheet.answers", result = "answers" },
    { from = "sheet.student", result = "student" },
    { pipe = "mark_answers", result = "grade" },
]

[pipe.mark_answers]
type = "PipeLLM"
description = "Mark the answers"
inputs = { student = "Text", answers = "Text[]", scheme = "MarkingScheme" }
output = "Grade"
prompt = """
Mark the answers of $student with this scheme:
@scheme

{% for a in answers %}
{{ loop.index }}. {{ a }}
{% endfor %}
"""

[pipe.report_class]
type = "PipeParallel"
description = "Keep the grades and write a summary"
inputs = { grades = "Grade[]" }
output = "ClassReport"
branches = [
    { pipe = "write_roster", result = "roster" },
    { pipe = "summarise_grades", result = "summary" },
]

[pipe.write_roster]
type = "PipeCompose"
description = "The roster of grades"
inputs = { grades = "Grade[]" }
output = "Text"
template = "{% for g in grades %}{{ g.student }}: {{ g.mark }}\\n{% endfor %}"

[pipe.summarise_grades]
type = "PipeLLM"
description = "How the class did"
inputs = { grades = "Grade[]" }
output = "Text"
prompt = """
Summarise how the class did:
@grades
"""
'''

INPUTS["exam_grader"] = {
    "sheets": [
        {"student": "Lea", "answers": ["Paris", "1789"]},
        {"student": "Tom", "answers": ["Lyon", "1815"]},
    ],
    "scheme": "One point a correct answer, ten questions",
}

BASE_MUTATIONS["exam_grader"] = {
    "bind_list_text_field_single": (
        'inputs = { student = "Text", answers = "Text[]", scheme',
        'inputs = { student = "Text", answers = "Text", scheme',
    ),
    "bind_list_text_field_fixed": (
        'inputs = { student = "Text", answers = "Text[]", scheme',
        'inputs = { student = "Text", answers = "Text[2]", scheme',
    ),
    "bind_number_field_as_text": (
        '{ from = "sheet.student", result = "student" }',
        '{ from = "sheet.answers", result = "student" }',
    ),
    "bind_from_list_item_path": (
        '{ from = "sheet.student", result = "student" }',
        '{ from = "sheet.answers.student", result = "student" }',
    ),
    "bind_batch_over_text_list": (
        '    { from = "sheet.answers", result = "answers" },\n    { from = "sheet.student", result = "student" },\n    { pipe = "mark_answers", result = "grade" },',
        '    { from = "sheet.student", result = "student" },\n    { pipe = "mark_one", batch_over = "sheet.answers", batch_as = "answer", result = "marks" },\n'
        '    { pipe = "mark_answers_from_marks", result = "grade" },',
    ),
    "pbatch_branch_seq_output_list": (
        'output = "Grade"\nsteps = [\n    { from',
        'output = "Grade[]"\nsteps = [\n    { from',
    ),
    "pbatch_item_name_result_clash": (
        '{ pipe = "mark_answers", result = "grade" }',
        '{ pipe = "mark_answers", result = "sheet" }',
    ),
    "pbatch_item_shadowed_by_binding": (
        '{ from = "sheet.student", result = "student" }',
        '{ from = "sheet.student", result = "scheme" }',
    ),
    "par_result_not_a_field": (
        '{ pipe = "write_roster", result = "roster" }',
        '{ pipe = "write_roster", result = "grades" }',
    ),
    "par_list_branch_into_list_field": [
        (
            'roster = { type = "concept", concept_ref = "Text", description = "Every grade, one a line", required = true }',
            'roster = { type = "list", item_type = "concept", item_concept_ref = "Grade", description = "Every grade", required = true }',
        ),
        ('{ pipe = "write_roster", result = "roster" }', '{ pipe = "pass_grades", result = "roster" }'),
    ],
    "par_no_add_each_field_mismatch": (
        'output = "Text"\ntemplate = "{% for g in grades %}',
        'output = "Grade"\ntemplate = "{% for g in grades %}',
    ),
    "par_root_composite": (
        'inputs = { grades = "Grade[]" }\noutput = "ClassReport"\nbranches',
        'inputs = { grades = "Grade[]" }\noutput = "Composite"\nbranches',
    ),
    "seq_output_composite_mismatch": ('output = "ClassReport"\nsteps', 'output = "Composite"\nsteps'),
    "tpl_loop_private": ("{{ loop.index }}. {{ a }}", "{{ loop.index }}. {{ a.__len__ }}"),
    "tpl_loop_var_shadows_input": (
        "{% for a in answers %}\n{{ loop.index }}. {{ a }}",
        "{% for student in answers %}\n{{ loop.index }}. {{ student }}",
    ),
    "tpl_set_private": ("{% for a in answers %}", "{% set _n = 1 %}{% for a in answers %}"),
    "tpl_jinja_dotted_list_field": (
        "Mark the answers of $student",
        "Mark the answers of $student ({{ answers | length }} answers)",
    ),
    "tpl_compose_escaped_newline": ("{{ g.mark }}\\n{% endfor %}", "{{ g.mark }}{% endfor %}"),
    "input_name_dotted_redundant": (
        'inputs = { sheets = "AnswerSheet[]", scheme = "MarkingScheme" }\noutput = "ClassReport"',
        'inputs = { sheets = "AnswerSheet[]", scheme = "MarkingScheme", "scheme.text" = "Text" }\noutput = "ClassReport"',
    ),
    "input_name_dotted_leaf": (
        'inputs = { sheet = "AnswerSheet", scheme = "MarkingScheme" }\noutput = "Grade"',
        'inputs = { "sheet.student" = "Text", scheme = "MarkingScheme" }\noutput = "Grade"',
    ),
    "input_name_reserved_branch": (
        'inputs = { grades = "Grade[]" }\noutput = "Text"\ntemplate',
        'inputs = { main_stuff = "Grade[]" }\noutput = "Text"\ntemplate',
    ),
}

# some near-miss fixes add a pipe that is absent from the base
_PICK_LETTER = '''
[pipe.pick_letter]
type = "PipeLLM"
description = "Pick the better letter"
inputs = { letters = "ClaimLetter[2]" }
output = "ClaimLetter"
prompt = """
Pick the better of these letters:
@letters
"""
'''
_EXTRA_PIPES = {
    "claims_flow__step_nb_output_read_fixed": _PICK_LETTER,
    "claims_flow__step_nb_output_read_other_fixed": _PICK_LETTER,
    "claims_flow__step_multiple_output_read_fixed": _PICK_LETTER,
    "exam_grader__bind_batch_over_text_list": '''
[pipe.mark_one]
type = "PipeLLM"
description = "Mark one answer"
inputs = { answer = "Text", scheme = "MarkingScheme" }
output = "Number"
prompt = """
Mark this answer out of 2: $answer
@scheme
"""

[pipe.mark_answers_from_marks]
type = "PipeLLM"
description = "The grade from the marks"
inputs = { student = "Text", marks = "Number[]" }
output = "Grade"
prompt = """
The grade of $student, from these marks:
@marks
"""
''',
    "exam_grader__par_list_branch_into_list_field": """
[pipe.pass_grades]
type = "PipeCompose"
description = "Pass the grades on, as a list"
inputs = { grades = "Grade[]" }
output = "Grade[]"
template = "{{ grades }}"
""",
}


def _apply(base: str, old: str, new: str) -> str | None:
    if old not in base:
        return None
    return base.replace(old, new, 1)


def cases() -> dict[str, str]:
    """Each base, then each of its mutations (skipped where its target is absent)."""
    out: dict[str, str] = {}
    for base_name, text in BASES.items():
        out[f"flow_{base_name}__base"] = text
        for mutation, pairs in BASE_MUTATIONS.get(base_name, {}).items():
            changed: str | None = text
            for old, new in [pairs] if isinstance(pairs, tuple) else pairs:
                changed = _apply(changed, old, new) if changed is not None else None
            if changed is None:
                raise ValueError(f"mutation {base_name}__{mutation}: its target is not in the base")
            changed += _EXTRA_PIPES.get(f"{base_name}__{mutation}", "")
            if changed != text:
                out[f"flow_{base_name}__{mutation}"] = changed
    for name in INPUTS:
        base_name, _, variant = name.partition("__")
        if variant:
            out[f"flow_{base_name}__{variant}"] = BASES[base_name]
    return out


def case_inputs() -> dict[str, str]:
    """Inputs JSON by case name: a base's inputs reach the base and its optional and condition mutations (where
    the values given change the path a run takes); ``INPUTS["base__variant"]`` is a case of its own."""
    by_case: dict[str, str] = {}
    for name in cases():
        base_name, _, variant = name[len("flow_") :].partition("__")
        given = INPUTS.get(f"{base_name}__{variant}")
        if given is None and (variant == "base" or variant.startswith("opt_") or variant.startswith("cond_")):
            given = INPUTS.get(base_name)
        if given is not None:
            by_case[name] = json.dumps(given)
    return by_case
