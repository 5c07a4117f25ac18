"""Static checks, table-driven: one small bundle per error type, the exact error type, where it points, and a fix.

In a snippet, a line ending with the marker ``#!`` is the line the diagnostic must point at.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pytest

from pipelex.config.deck import default_deck
from pipelex.diagnostics import Diagnostic, Severity
from pipelex.language.library import build_library
from pipelex.validation.static import check_library

MARK = "#!"


def _clean(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def diagnose(*texts: str) -> list[Diagnostic]:
    """Every diagnostic of a library made of ``texts`` (files ``bundle.mthds``, ``bundle1.mthds``, ...)."""
    sources: list[tuple[str, str | None]] = [
        (_clean(t), "bundle.mthds" if i == 0 else f"bundle{i}.mthds") for i, t in enumerate(texts)
    ]
    return check_library(build_library(sources), default_deck())


def marked_line(text: str) -> int | None:
    lines = [i for i, line in enumerate(_clean(text).splitlines(), start=1) if line.rstrip().endswith(MARK)]
    assert len(lines) <= 1, "at most one marked line per snippet"
    return lines[0] if lines else None


def rendered(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.render() for d in diagnostics]


@dataclass(frozen=True)
class Case:
    """One invalid snippet and what its diagnostic must say."""

    text: str
    error_type: str
    pipe: str | None
    field: str | None
    mentions: tuple[str, ...]  # names the message must quote: the offending variable, pipe, concept...
    hint: str  # the fix the message suggests
    exact: bool = True  # no other error type is reported
    line: int | None = None  # when the line cannot carry the marker (inside a multi-line string)


# ---------------------------------------------------------------- shared snippet parts

KITCHEN = """
domain = "kitchen"
[concept]
Note = "A note from the kitchen"
Dish = "A dish"
[pipe.list_dishes]
type = "PipeLLM"
description = "Names the dishes"
inputs = { note = "Note" }
output = "Dish[]"
prompt = "Dishes from $note"
[pipe.one_line]
type = "PipeLLM"
description = "One line for a dish"
inputs = { dish = "Dish" }
output = "Text"
prompt = "Line for $dish"
"""

PARCELS = """
domain = "parcels"
[concept.Parcel]
description = "A parcel"
[concept.Parcel.structure]
size = { type = "text", description = "Size", required = true, choices = ["small", "large"] }
address = { type = "text", description = "Where", required = true }
weight = { type = "number", description = "kg" }
[pipe.small_belt]
type = "PipeLLM"
description = "Small belt"
inputs = { parcel = "Parcel" }
output = "Text"
prompt = "Small belt for $parcel.address"
[pipe.large_belt]
type = "PipeLLM"
description = "Large belt"
inputs = { parcel = "Parcel" }
output = "Text"
prompt = "Large belt for $parcel.address"
[pipe.weigh]
type = "PipeLLM"
description = "Weighs"
inputs = { parcel = "Parcel" }
output = "Number"
prompt = "Weigh $parcel"
[pipe.write_address]
type = "PipeCompose"
description = "Address line"
inputs = { address = "Text" }
output = "Text"
template = "To: $address"
"""

WEATHER = """
domain = "weather"
[concept]
Gauge = "Gauge readings"
Word = "What the coastal station sent"
[concept.Report]
description = "The report"
[concept.Report.structure]
inland = { type = "concept", concept_ref = "Text", description = "Inland", required = true }
coastal = { type = "concept", concept_ref = "Text", description = "Coastal" }
[pipe.read_gauge]
type = "PipeLLM"
description = "Gauge"
inputs = { gauge = "Gauge" }
output = "Text"
prompt = "Gauge: $gauge"
[pipe.read_word]
type = "PipeLLM"
description = "Word"
inputs = { word = "Word" }
output = "Text"
prompt = "Word: $word"
"""


def llm(inputs: str, output: str, prompt: str, *, extra: str = "", mark: str = "prompt") -> str:
    """A one-pipe bundle ``harbour.write_berth_note``; ``mark`` says which line carries the marker."""
    marks = {name: f"  {MARK}" if name == mark else "" for name in ("inputs", "output", "prompt", "extra")}
    return f"""
domain = "harbour"
[pipe.write_berth_note]
type = "PipeLLM"
description = "Writes the berth note"
inputs = {{ {inputs} }}{marks["inputs"]}
output = "{output}"{marks["output"]}
prompt = "{prompt}"{marks["prompt"]}
{extra}{marks["extra"] if extra else ""}
"""


CASES: list[object] = [
    # ------------------------------------------------------------ inputs and templates
    pytest.param(
        Case(
            llm('boat = "Text"', "Text", "Berth for $boat at $tide"),
            "missing_input_variable",
            "write_berth_note",
            "prompt",
            ("'tide'",),
            'declare it (e.g. tide = "Text")',
        ),
        id="missing_input_variable-prompt",
    ),
    pytest.param(
        Case(
            llm(
                'boat = "Text"',
                "Text",
                "Berth for $boat",
                extra='system_prompt = "You know {{ harbour_master }}"',
                mark="extra",
            ),
            "missing_input_variable",
            "write_berth_note",
            "system_prompt",
            ("'harbour_master'", "system_prompt"),
            "declare it",
        ),
        id="missing_input_variable-system-prompt",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        output = "Dish[]"
        steps = [{ pipe = "list_dishes", result = "dishes" }]  #!
        """,
            "missing_input_variable",
            "menu",
            "steps[0]",
            ("'list_dishes'", "'note'", "'menu'"),
            "declare it or produce it before this step",
        ),
        id="missing_input_variable-step",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.ship]
        type = "PipeSequence"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"
        steps = [{ from = "box.address", result = "address" }]  #!
        """,
            "missing_input_variable",
            "ship",
            "steps[0]",
            ("'box'", "'ship'"),
            "declare it in `inputs` or produce it first",
        ),
        id="missing_input_variable-binding-root",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.all_lines]
        type = "PipeBatch"
        description = "d"
        inputs = { dishes = "Dish[]" }
        output = "Text[]"
        branch_pipe_code = "one_line"
        input_list_name = "dish_list"  #!
        input_item_name = "dish"
        """,
            "schema_violation",
            "all_lines",
            "input_list_name",
            ("'dish_list'", "dishes"),
            "declare it as a list input",
            exact=False,
        ),
        id="schema_violation-batch-list-not-an-input",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.route]
        type = "PipeCondition"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"
        expression = "box.size"  #!
        outcomes = { large = "large_belt" }
        default_outcome = "small_belt"
        """,
            "missing_input_variable",
            "route",
            "expression",
            ("'box'",),
            "declare it",
        ),
        id="missing_input_variable-condition-expression",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.relabel]
        type = "PipeCompose"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Parcel"
        [pipe.relabel.construct]  #!
        size = "small"
        address = { from = "box.address" }
        weight = { template = "$parcel.weight" }
        """,
            "missing_input_variable",
            "relabel",
            "construct.address",
            ("'box'",),
            "declare it",
        ),
        id="missing_input_variable-construct-from",
    ),
    pytest.param(
        Case(
            llm('tide = "Text", boat = "Text"', "Text", "The tide is $tide", mark="inputs"),
            "extraneous_input_variable",
            "write_berth_note",
            "inputs.boat",
            ("'boat'",),
            "use it (e.g. $boat) or remove it from `inputs`",
        ),
        id="extraneous_input_variable",
    ),
    pytest.param(
        Case(
            llm('tide = "Text"', "Text", "The tide is {{ tide._raw }}"),
            "template_private_name",
            "write_berth_note",
            "prompt",
            ("'_raw'",),
            "remove it",
        ),
        id="template_private_name-attribute",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.route]
        type = "PipeCondition"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"
        expression = "parcel._size"  #!
        outcomes = { large = "large_belt" }
        default_outcome = "small_belt"
        """,
            "template_private_name",
            "route",
            "expression",
            ("'_size'",),
            "remove it",
        ),
        id="template_private_name-expression",
    ),
    pytest.param(
        Case(
            llm('tide = "Text?"', "Text", "The tide is $tide"),
            "optional_input_unguarded",
            "write_berth_note",
            "prompt",
            ("'tide'",),
            "write '@?tide' or wrap it in {% if tide is defined %}",
        ),
        id="optional_input_unguarded",
    ),
    pytest.param(
        Case(
            """
        domain = "harbour"
        [pipe.write_berth_note]
        type = "PipeLLM"
        description = "d"
        inputs = { tide = "Text", _bound_tide = "Text" }  #!
        output = "Text"
        prompt = "The tide is $tide"
        """,
            "invalid_input_name",
            "write_berth_note",
            "inputs._bound_tide",
            ("'_bound_tide'",),
            "a lowercase letter, then lowercase letters",
            exact=False,
        ),
        id="invalid_input_name-reserved",
    ),
    pytest.param(
        Case(
            """
        domain = "catalog"
        [pipe.describe]
        type = "PipeLLM"
        description = "d"
        inputs = { "page.page_view" = "Image", page = "Page" }  #!
        output = "Text"
        prompt = "Describe $page"
        """,
            "invalid_input_name",
            "describe",
            "inputs.page.page_view",
            ("'page.page_view'", "'page'"),
            "remove 'page.page_view'",
        ),
        id="invalid_input_name-redundant-dotted",
    ),
    pytest.param(
        Case(
            """
        domain = "harbour"
        [pipe.log_tide]
        type = "PipeFunc"
        description = "d"
        inputs = { TideLevel = "Number" }  #!
        output = "Text"
        function_name = "harbour.tides.log"
        """,
            "invalid_input_name",
            "log_tide",
            "inputs.TideLevel",
            ("'TideLevel'",),
            "an input name is snake_case",
        ),
        id="invalid_input_name-pascal",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { note = "Note" }
        output = "Dish[]"
        steps = [{ pipe = "list_dishes", result = "Dishes" }]  #!
        """,
            "invalid_input_name",
            "menu",
            "steps[0]",
            ("'Dishes'",),
            "plain snake_case name",
        ),
        id="invalid_input_name-step-result",
    ),
    pytest.param(
        Case(
            WEATHER
            + """
        [pipe.report]
        type = "PipeParallel"
        description = "d"
        inputs = { gauges = "Gauge[]" }
        output = "Composite"
        branches = [{ pipe = "read_gauge", result = "inland", batch_over = "gauges", batch_as = "_bound_gauge" }]  #!
        """,
            "invalid_input_name",
            "report",
            "branches[0]",
            ("'_bound_gauge'",),
            "write a snake_case name",
            exact=False,
        ),
        id="invalid_input_name-branch-batch-as",
    ),
    # ------------------------------------------------------------ data flow through controllers
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { dish = "Number" }
        output = "Text"
        steps = [{ pipe = "one_line", result = "line" }]  #!
        """,
            "input_stuff_spec_mismatch",
            "menu",
            "steps[0]",
            (
                "'one_line'",
                "'dish'",
                "native.Number",
                "kitchen.Dish",
                "'menu' declares it as 'Number' in its inputs",
            ),
            "Declare the input as 'Number' in pipe 'one_line' (bundle.mthds:",
        ),
        id="input_stuff_spec_mismatch-concept",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { note = "Note" }
        output = "Text"
        steps = [{ pipe = "list_dishes", result = "dish" }, { pipe = "one_line", result = "line" }]  #!
        """,
            "input_stuff_spec_mismatch",
            "menu",
            "steps[1]",
            ("'one_line'", "'dish'", "'Dish[]'", "step 0 (pipe 'list_dishes')"),
            "batch over it (batch_over/batch_as)",
        ),
        id="input_stuff_spec_mismatch-multiplicity",
    ),
    pytest.param(
        Case(
            """
        domain = "invoices"
        [concept.Invoice]
        description = "An invoice"
        [concept.Invoice.structure]
        total = { type = "number", description = "Total", required = true }
        [pipe.say_total]
        type = "PipeLLM"
        description = "d"
        inputs = { total = "Text" }
        output = "Text"
        prompt = "Say $total"
        [pipe.ack]
        type = "PipeSequence"
        description = "d"
        inputs = { invoice = "Invoice" }
        output = "Text"
        steps = [{ from = "invoice.total", result = "total" }, { pipe = "say_total" }]  #!
        """,
            "input_stuff_spec_mismatch",
            "ack",
            "steps[1]",
            ("'say_total'", "'total'", "native.Number"),
            "Declare the input as 'Number' in pipe 'say_total' (bundle.mthds:",
        ),
        id="input_stuff_spec_mismatch-binding",
    ),
    pytest.param(
        Case(
            """
        domain = "opening_hours"
        [concept.OpeningHours]
        description = "Hours"
        structure = { weekday = "text", hours = "text" }
        [pipe.set_out]
        type = "PipeStructure"
        description = "d"
        inputs = { shop_front = "Image" }  #!
        output = "OpeningHours"
        """,
            "input_stuff_spec_mismatch",
            "set_out",
            "inputs.shop_front",
            ("'shop_front'", "native.Image"),
            "extract or describe it first",
        ),
        id="input_stuff_spec_mismatch-structure-image",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.all_lines]
        type = "PipeBatch"
        description = "d"
        inputs = { dishes = "Dish" }
        output = "Text[]"
        branch_pipe_code = "one_line"
        input_list_name = "dishes"  #!
        input_item_name = "dish"
        """,
            "input_stuff_spec_mismatch",
            "all_lines",
            "input_list_name",
            ("'dishes'", "'Dish'"),
            "declare it 'X[]'",
        ),
        id="input_stuff_spec_mismatch-batch-list-single",
    ),
    pytest.param(
        Case(
            """
        domain = "scans"
        [pipe.read_pages]
        type = "PipeExtract"
        description = "d"
        inputs = { note = "Text" }  #!
        output = "Page[]"
        """,
            "schema_violation",  # the reference: a rule of the PipeExtract's own fields
            "read_pages",
            "inputs.note",
            ("'note'", "native.Text"),
            "pass a Document",
        ),
        id="schema_violation-extract-text-input",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { note = "Note" }
        output = "Number[]"  #!
        steps = [{ pipe = "list_dishes", result = "dishes" }]
        """,
            "inadequate_output_concept",
            "menu",
            "output",
            ("'Number[]'", "kitchen.Dish", "last step"),
            "make them agree",
        ),
        id="inadequate_output_concept-sequence",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.route]
        type = "PipeCondition"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"  #!
        expression = "parcel.size"
        outcomes = { small = "small_belt", large = "weigh" }
        default_outcome = "fail"
        """,
            "inadequate_output_concept",
            "route",
            "output",
            ("'weigh'", "native.Number"),
            "make them agree",
        ),
        id="inadequate_output_concept-condition-outcome",
    ),
    pytest.param(
        Case(
            WEATHER
            + """
        [pipe.report]
        type = "PipeParallel"
        description = "d"
        inputs = { gauge = "Gauge", word = "Word" }
        output = "Report"
        branches = [{ pipe = "read_gauge", result = "inland" }, { pipe = "read_word", result = "seaside" }]  #!
        """,
            "inadequate_output_concept",
            "report",
            "branches",
            ("'seaside'", "weather.Report", "inland, coastal"),
            "name the result after a field",
        ),
        id="inadequate_output_concept-parallel-field",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.relabel]
        type = "PipeCompose"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Anything"  #!
        [pipe.relabel.construct]
        size = "small"
        """,
            "inadequate_output_concept",
            "relabel",
            "output",
            ("'Anything'",),
            "change the output",
        ),
        id="inadequate_output_concept-construct-unstructured",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { note = "Note" }
        output = "Dish"  #!
        steps = [{ pipe = "list_dishes", result = "dishes" }]
        """,
            "inadequate_output_multiplicity",
            "menu",
            "output",
            ("'Dish'", "kitchen.Dish[]"),
            "make their multiplicities agree",
        ),
        id="inadequate_output_multiplicity-sequence",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { dish = "Dish" }
        output = "Text[3]"  #!
        steps = [{ pipe = "one_line", result = "lines", nb_output = 2 }]
        """,
            "inadequate_output_multiplicity",
            "menu",
            "output",
            ("'Text[3]'", "native.Text[2]"),
            "make their multiplicities agree",
        ),
        id="inadequate_output_multiplicity-nb-output",
    ),
    pytest.param(
        Case(
            WEATHER
            + """
        [pipe.report]
        type = "PipeParallel"
        description = "d"
        inputs = { gauge = "Gauge", word = "Word" }
        output = "Composite[]"  #!
        branches = [{ pipe = "read_gauge", result = "inland" }, { pipe = "read_word", result = "coastal" }]
        """,
            "schema_violation",
            "report",
            "output",
            ("'Composite[]'",),
            "declare it 'Composite'",
        ),
        id="schema_violation-parallel-list",
    ),
    pytest.param(
        Case(
            WEATHER
            + """
        [pipe.report]
        type = "PipeParallel"
        description = "d"
        inputs = { gauge = "Gauge", word = "Word" }
        output = "Text[]"  #!
        add_each_output = true
        branches = [{ pipe = "read_gauge", result = "inland" }, { pipe = "read_word", result = "coastal" }]
        """,
            "schema_violation",
            "report",
            "output",
            ("'Text[]'", "inland", "coastal"),
            'declare output = "Composite"',
            exact=False,
        ),
        id="schema_violation-parallel-list-of-a-plain-concept",
    ),
    # ------------------------------------------------------------ resolution
    pytest.param(
        Case(
            llm('tide = "Tide"', "Text", "The tide is $tide", mark="inputs"),
            "unresolved_concept",
            "write_berth_note",
            "inputs.tide",
            ("'tide'", "'Tide'", "'harbour'"),
            "declare [concept.Tide] or fix the name",
        ),
        id="unresolved_concept-input",
    ),
    pytest.param(
        Case(
            llm('tide = "Text"', "harbour.BerthNote", "The tide is $tide", mark="output"),
            "unresolved_concept",
            "write_berth_note",
            "output",
            ("'harbour.BerthNote'",),
            "declare [concept.BerthNote] or fix the name",
        ),
        id="unresolved_concept-output",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { note = "Note" }
        output = "Dish[]"
        steps = [{ pipe = "list_dishez", result = "dishes" }]  #!
        """,
            "unresolved_pipe_dependency",
            "menu",
            "steps[0]",
            ("'list_dishez'", "list_dishes"),
            "declare [pipe.list_dishez] or fix the name",
        ),
        id="unresolved_pipe_dependency-step",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.route]
        type = "PipeCondition"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"
        expression = "parcel.size"
        outcomes = { large = "large_belt" }
        default_outcome = "medium_belt"  #!
        """,
            "unresolved_pipe_dependency",
            "route",
            "default_outcome",
            ("'medium_belt'",),
            "fix the name",
        ),
        id="unresolved_pipe_dependency-default-outcome",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.all_lines]
        type = "PipeBatch"
        description = "d"
        inputs = { dishes = "Dish[]" }
        output = "Text[]"
        branch_pipe_code = "kitchen.one_lines"  #!
        input_list_name = "dishes"
        input_item_name = "dish"
        """,
            "unresolved_pipe_dependency",
            "all_lines",
            "branch_pipe_code",
            ("'kitchen.one_lines'",),
            "declare [pipe.one_lines]",
        ),
        id="unresolved_pipe_dependency-batch-branch",
    ),
    pytest.param(
        Case(
            """
        domain = "harbour"
        main_pipe = "write_note"  #!
        [pipe.write_berth_note]
        type = "PipeLLM"
        description = "d"
        output = "Text"
        prompt = "A note"
        """,
            "schema_violation",  # the reference: "Main pipe 'write_note' could not be found in pipelex bundle"
            None,
            "main_pipe",
            ("'write_note'",),
            "declare it or fix the name",
        ),
        id="schema_violation-main-pipe",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { note = "Note" }
        output = "Dish[]"
        steps = [{ pipe = "chefs->kitchen.list_dishes", result = "dishes" }]  #!
        """,
            "unresolved_package_dependency",
            "menu",
            "steps[0]",
            ("'chefs->kitchen.list_dishes'", "'chefs'"),
            "declare the dependency",
        ),
        id="unresolved_package_dependency",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { note = "Note" }
        output = "Dish[]"
        steps = [{ pipe = "List-Dishes", result = "dishes" }]  #!
        """,
            "unresolved_pipe_dependency",
            "menu",
            "steps[0]",
            ("'List-Dishes'",),
            "no pipe can have that name",
        ),
        id="unresolved_pipe_dependency-malformed-reference",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { note = "Note" }
        output = "Dish[]"
        steps = [{ pipe = "->kitchen.list_dishes", result = "dishes" }]  #!
        """,
            "invalid_pipe_code_syntax",
            "menu",
            "steps[0]",
            ("'->kitchen.list_dishes'",),
            "write a snake_case pipe code",
        ),
        id="invalid_pipe_code_syntax-reference",
    ),
    pytest.param(
        Case(
            """
        domain = "harbour"
        [pipe.WriteBerthNote]  #!
        type = "PipeLLM"
        description = "d"
        output = "Text"
        prompt = "A note"
        """,
            "invalid_pipe_code_syntax",
            "WriteBerthNote",
            None,
            ("'WriteBerthNote'",),
            "snake_case",
        ),
        id="invalid_pipe_code_syntax-declaration",
    ),
    pytest.param(
        Case(
            """
        domain = "harbour"
        [pipe.write_berth_note]
        type = "PipeJinja2"  #!
        description = "d"
        output = "Text"
        """,
            "unknown_pipe_type",
            "write_berth_note",
            "type",
            ("'PipeJinja2'",),
            "use one of PipeLLM",
        ),
        id="unknown_pipe_type",
    ),
    pytest.param(
        Case(
            """
        domain = "harbour"
        [pipe.write_berth_note]  #!
        description = "d"
        output = "Text"
        prompt = "Write the berth note"
        """,
            "missing_pipe_type",
            "write_berth_note",
            "type",
            ("'write_berth_note'",),
            "add one of PipeLLM",
        ),
        id="missing_pipe_type",
    ),
    pytest.param(
        Case(
            llm('tide = "Text"', "Text", "The tide is $tide", extra='model = "@no-such-alias"', mark="extra"),
            "unknown_model",
            "write_berth_note",
            "model",
            ("'@no-such-alias'",),
            "`pipelex show models`",
        ),
        id="unknown_model-alias",
    ),
    pytest.param(
        Case(
            llm(
                'tide = "Text"',
                "Text",
                "The tide is $tide",
                extra='model = { model = "gpt-17", temperature = 0.2 }',
                mark="extra",
            ),
            "unknown_model",
            "write_berth_note",
            "model",
            ("'gpt-17'",),
            "add it to the deck",
        ),
        id="unknown_model-inline-setting",
    ),
    pytest.param(
        Case(
            llm(
                'tide = "Text"',
                "Text",
                "The tide is $tide",
                extra='model_to_structure = "$no-such-preset"',
                mark="extra",
            ),
            "unknown_model",
            "write_berth_note",
            "model_to_structure",
            ("'$no-such-preset'",),
            "'$preset'",
        ),
        id="unknown_model-model-to-structure",
    ),
    pytest.param(
        Case(
            """
        domain = "loops"
        [pipe.first]  #!
        type = "PipeSequence"
        description = "d"
        inputs = { t = "Text" }
        output = "Text"
        steps = [{ pipe = "second", result = "x" }]
        [pipe.second]
        type = "PipeSequence"
        description = "d"
        inputs = { t = "Text" }
        output = "Text"
        steps = [{ pipe = "first", result = "y" }]
        """,
            "pipe_cycle",
            "first",
            None,
            ("loops.first -> loops.second -> loops.first",),
            "break the loop",
        ),
        id="pipe_cycle-two-pipes",
    ),
    pytest.param(
        Case(
            """
        domain = "loops"
        [pipe.again]  #!
        type = "PipeCondition"
        description = "d"
        inputs = { t = "Text" }
        output = "Text"
        expression = "t.text"
        outcomes = { more = "again" }
        default_outcome = "fail"
        """,
            "pipe_cycle",
            "again",
            None,
            ("loops.again -> loops.again",),
            "break the loop",
        ),
        id="pipe_cycle-condition-self",
    ),
    # ------------------------------------------------------------ batches and bindings
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.all_lines]
        type = "PipeBatch"
        description = "d"
        inputs = { dishes = "Dish[]" }
        output = "Text[]"
        branch_pipe_code = "one_line"
        input_list_name = "dishes"
        input_item_name = "dishes"  #!
        """,
            "batch_item_name_collision",
            "all_lines",
            "input_item_name",
            ("'dishes'",),
            "give the item its own name",
            exact=False,
        ),
        id="batch_item_name_collision-batch-list",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.all_lines]
        type = "PipeBatch"
        description = "d"
        inputs = { dishes = "Dish[]", dish = "Dish" }
        output = "Text[]"
        branch_pipe_code = "one_line"
        input_list_name = "dishes"
        input_item_name = "dish"  #!
        """,
            "batch_item_name_collision",
            "all_lines",
            "input_item_name",
            ("'dish'", "an input of the batch"),
            "give the item its own name",
        ),
        id="batch_item_name_collision-batch-input",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { dish = "Dish[]" }
        output = "Text[]"
        steps = [{ pipe = "one_line", batch_over = "dish", batch_as = "dish", result = "lines" }]  #!
        """,
            "batch_item_name_collision",
            "menu",
            "steps[0]",
            ("'dish'",),
            "name the item differently from the list",
            exact=False,
        ),
        id="batch_item_name_collision-step",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.ship]
        type = "PipeSequence"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"
        steps = [{ from = "parcel.address", pipe = "write_address", result = "address" }]  #!
        """,
            "binding_step_invalid",
            "ship",
            "steps[0]",
            ("`pipe` and `from`",),
            "split it into two steps",
        ),
        id="binding_step_invalid-pipe-and-from",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.ship]
        type = "PipeSequence"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"
        steps = [{ from = "parcel.address" }]  #!
        """,
            "binding_step_invalid",
            "ship",
            "steps[0]",
            ("`result`",),
            "name the bound value",
        ),
        id="binding_step_invalid-no-result",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.ship]
        type = "PipeSequence"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"
        steps = [{ from = "parcel..address", result = "address" }, { pipe = "write_address" }]  #!
        """,
            "binding_step_invalid",
            "ship",
            "steps[0]",
            ("'parcel..address'",),
            "write field names separated by single dots",
            exact=False,
        ),
        id="binding_step_invalid-malformed-path",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.ship]
        type = "PipeSequence"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"
        steps = [{ from = "parcel.address", result = "address", batch_as = "a" }, { pipe = "write_address" }]  #!
        """,
            "binding_step_invalid",
            "ship",
            "steps[0]",
            ("batch_as",),
            "put batching on the pipe step",
            exact=False,
        ),
        id="binding_step_invalid-batch-fields",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.ship]
        type = "PipeSequence"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"
        steps = [{ result = "address" }]  #!
        """,
            "binding_step_invalid",
            "ship",
            "steps[0]",
            ("`pipe = ...`", "`from = ..., result = ...`"),
            "runs a pipe",
        ),
        id="binding_step_invalid-neither",
    ),
    pytest.param(
        Case(
            WEATHER
            + """
        [concept.Station]
        description = "A station"
        [concept.Station.structure]
        gauges = { type = "list", item_type = "concept", item_concept_ref = "Gauge", description = "G", required = true }
        [pipe.report]
        type = "PipeParallel"
        description = "d"
        inputs = { station = "Station" }
        output = "Composite"
        branches = [{ pipe = "read_gauge", result = "inland", batch_over = "station.gauges", batch_as = "gauge" }]  #!
        """,
            "binding_step_invalid",
            "report",
            "branches[0]",
            ("'station.gauges'",),
            "bind it in a sequence step first",
            exact=False,
        ),
        id="binding_step_invalid-parallel-dotted-batch-over",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.ship]
        type = "PipeSequence"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"
        steps = [{ from = "parcel.adress", result = "address" }]  #!
        """,
            "binding_path_unresolved",
            "ship",
            "steps[0]",
            ("'adress'", "parcels.Parcel", "address, size, weight"),
            "its fields are",
        ),
        id="binding_path_unresolved-unknown-field",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.ship]
        type = "PipeSequence"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"
        steps = [{ from = "parcel.address.text", result = "address" }]  #!
        """,
            "binding_path_unresolved",
            "ship",
            "steps[0]",
            ("'parcel.address'", "native.Text", "'.text'"),
            "bind 'parcel.address' itself",
        ),
        id="binding_path_unresolved-past-a-leaf",
    ),
    pytest.param(
        Case(
            KITCHEN
            + """
        [pipe.bind_note]
        type = "PipeSequence"
        description = "d"
        inputs = { note = "Note" }
        output = "Text"
        steps = [{ from = "note.heading", result = "heading" }]  #!
        """,
            "binding_path_unresolved",
            "bind_note",
            "steps[0]",
            ("'note'", "kitchen.Note"),
            "bind 'note' itself",
        ),
        id="binding_path_unresolved-root-without-structure",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.relabel]
        type = "PipeCompose"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Parcel"
        [pipe.relabel.construct]  #!
        size = "small"
        address = { from = "parcel.adress" }
        """,
            "binding_path_unresolved",
            "relabel",
            "construct.address",
            ("'adress'",),
            "its fields are",
        ),
        id="binding_path_unresolved-construct",
    ),
    # ------------------------------------------------------------ operators and optionals
    pytest.param(
        Case(
            llm('label = "Text"', "Image", "Read $label", mark="output"),
            "llm_output_cannot_be_image",
            "write_berth_note",
            "output",
            ("'Image'",),
            "use a PipeImgGen",
        ),
        id="llm_output_cannot_be_image",
    ),
    pytest.param(
        Case(
            """
        domain = "harbour"
        [concept.Photo]
        description = "A photo"
        refines = "Image"
        [pipe.snap]
        type = "PipeLLM"
        description = "d"
        inputs = { label = "Text" }
        output = "Photo[]"  #!
        prompt = "Read $label"
        """,
            "llm_output_cannot_be_image",
            "snap",
            "output",
            ("'Photo[]'",),
            "use a PipeImgGen",
        ),
        id="llm_output_cannot_be_image-refined-list",
    ),
    pytest.param(
        Case(
            """
        domain = "harbour"
        [concept]
        Text = "My own text"  #!
        """,
            "native_concept_redeclaration",
            None,
            None,
            ("'Text'", "native.Text"),
            "give your concept another name",
        ),
        id="native_concept_redeclaration-shorthand",
    ),
    pytest.param(
        Case(
            """
        domain = "harbour"
        [concept.Image]  #!
        description = "A picture"
        """,
            "native_concept_redeclaration",
            None,
            None,
            ("'Image'",),
            "use the native one as it is",
        ),
        id="native_concept_redeclaration-table",
    ),
    pytest.param(
        Case(
            """
        domain = "bakery"
        [concept]
        Flavour = "A flavour"
        Docket = "A docket"
        [pipe.write_docket]
        type = "PipeSequence"
        description = "d"
        inputs = { flavour = "Flavour?" }
        output = "Docket"  #!
        steps = [{ pipe = "draft_docket", result = "docket" }]
        [pipe.draft_docket]
        type = "PipeLLM"
        description = "d"
        inputs = { flavour = "Flavour" }
        output = "Docket"
        prompt = "A docket for $flavour"
        """,
            "optional_not_handled",
            "write_docket",
            "output",
            ("'Docket'",),
            "declare it 'Docket?'",
        ),
        id="optional_not_handled-sequence",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.weight_of]
        type = "PipeSequence"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Number"  #!
        steps = [{ from = "parcel.weight", result = "weight" }]
        """,
            "optional_not_handled",
            "weight_of",
            "output",
            ("'Number'",),
            "declare it 'Number?'",
        ),
        id="optional_not_handled-binding-optional-field",
    ),
    pytest.param(
        Case(
            PARCELS
            + """
        [pipe.route]
        type = "PipeCondition"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"  #!
        expression = "parcel.size"
        outcomes = { small = "small_belt", large = "large_belt" }
        default_outcome = "continue"
        """,
            "optional_output_required",
            "route",
            "output",
            ("'continue'", "'Text'"),
            "declare it 'Text?'",
        ),
        id="optional_output_required",
    ),
    pytest.param(
        Case(
            WEATHER
            + """
        [pipe.report]
        type = "PipeParallel"
        description = "d"
        inputs = { gauge = "Gauge?", word = "Word" }
        output = "Report"
        branches = [{ pipe = "read_gauge", result = "inland" }, { pipe = "read_word", result = "coastal" }]  #!
        """,
            "optional_branch_required_field",
            "report",
            "branches",
            ("'inland'", "weather.Report"),
            "make the field optional (required = false)",
        ),
        id="optional_branch_required_field",
    ),
    # ------------------------------------------------------------ load level, through build_library
    pytest.param(
        Case(
            """
        domain = "harbour"
        [pipe.write_berth_note]
        type = "PipeLLM"
        description = "d"
        output = "Text"
        prompt = "p"
        combined_output = "Text"  #!
        """,
            "schema_violation",
            "write_berth_note",
            "combined_output",
            ("'combined_output'",),
            "remove it or check its spelling",
        ),
        id="schema_violation-unknown-key",
    ),
    pytest.param(
        Case(
            """
        domain = "harbour"
        [pipe.write_berth_note]
        type = "PipeLLM"
        description = "d
        output = "Text"
        """,
            "toml_syntax",
            None,
            None,
            ("line 4",),
            "fix the TOML syntax there",
            line=4,
        ),
        id="toml_syntax",
    ),
]


def _the_diagnostic(case: Case, diagnostics: list[Diagnostic]) -> Diagnostic:
    matching = [d for d in diagnostics if d.error_type == case.error_type and d.field == case.field]
    assert len(matching) == 1, rendered(diagnostics)
    return matching[0]


@pytest.mark.parametrize("case", CASES)
def test_invalid_snippet(case: Case) -> None:
    diagnostics = diagnose(case.text)
    found = _the_diagnostic(case, diagnostics)
    if case.exact:
        assert {d.error_type for d in diagnostics} == {case.error_type}, rendered(diagnostics)
    assert (found.pipe, found.field) == (case.pipe, case.field), found.render()
    assert found.file == "bundle.mthds"
    assert found.severity is Severity.ERROR
    expected_line = case.line if case.line is not None else marked_line(case.text)
    assert expected_line is not None, "mark the expected line with #! or give `line`"
    assert found.line == expected_line, found.render()
    for mention in case.mentions:
        assert mention in found.message, found.render()
    assert case.hint in found.message, found.render()
    # the rendered form names the place
    where = found.render()
    assert where.startswith(f"bundle.mthds:{expected_line}: [{case.error_type}]")
    if case.pipe:
        assert f"pipe {case.pipe!r}" in where
    if case.field:
        assert f"field {case.field!r}" in where


# ---------------------------------------------------------------- message snapshots

SNAPSHOTS = [
    pytest.param(
        llm('boat = "Text"', "Text", "Berth for $boat at $tide"),
        "bundle.mthds:7: [missing_input_variable] pipe 'write_berth_note', field 'prompt': variable 'tide' is read "
        'by the prompt but not declared in `inputs`: declare it (e.g. tide = "Text") or remove it from the prompt',
        id="missing_input_variable",
    ),
    pytest.param(
        llm('tide = "Text", boat = "Text"', "Text", "The tide is $tide"),
        "bundle.mthds:5: [extraneous_input_variable] pipe 'write_berth_note', field 'inputs.boat': input 'boat' is "
        "declared but never used by the prompt: use it (e.g. $boat) or remove it from `inputs`",
        id="extraneous_input_variable",
    ),
    pytest.param(
        KITCHEN
        + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { note = "Note" }
        output = "Text"
        steps = [{ pipe = "list_dishes", result = "dish" }, { pipe = "one_line", result = "line" }]
        """,
        "bundle.mthds:23: [input_stuff_spec_mismatch] pipe 'menu', field 'steps[1]': steps[1]: pipe 'one_line' "
        "reads 'dish' as a single item ('Dish'), but step 0 (pipe 'list_dishes') stores a list ('Dish[]', kitchen.Dish[]): batch "
        "over it (batch_over/batch_as) to take one item at a time, or declare the input as 'Dish[]' in pipe "
        "'one_line' (bundle.mthds:14)",
        id="input_stuff_spec_mismatch",
    ),
    pytest.param(
        PARCELS
        + """
        [pipe.route]
        type = "PipeCondition"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"
        expression = "parcel.size"
        outcomes = { small = "small_belt" }
        default_outcome = "continue"
        """,
        "bundle.mthds:37: [optional_output_required] pipe 'route', field 'output': default_outcome is 'continue', "
        "so when no outcome matches nothing is produced, but the output 'Text' is not optional: declare it 'Text?'",
        id="optional_output_required",
    ),
    pytest.param(
        """
        domain = "harbour"
        [concept]
        Text = "My own text"
        """,
        "bundle.mthds:3: [native_concept_redeclaration] concept 'Text' redeclares the native concept native.Text: "
        "use the native one as it is, or give your concept another name (e.g. 'MyText') that refines it",
        id="native_concept_redeclaration",
    ),
]


@pytest.mark.parametrize(("text", "expected"), SNAPSHOTS)
def test_message_snapshot(text: str, expected: str) -> None:
    assert rendered(diagnose(text)) == [expected]


# ---------------------------------------------------------------- valid snippets

VALID = [
    pytest.param(
        KITCHEN
        + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { note = "Note" }
        output = "Text[]"
        steps = [
          { pipe = "list_dishes", result = "dishes" },
          { pipe = "one_line", batch_over = "dishes", batch_as = "dish", result = "lines" },
        ]
        """,
        id="sequence-with-batched-step",
    ),
    pytest.param(
        KITCHEN
        + """
        [pipe.all_lines]
        type = "PipeBatch"
        description = "d"
        inputs = { dishes = "Dish[]" }
        output = "Text[]"
        branch_pipe_code = "one_line"
        input_list_name = "dishes"
        input_item_name = "dish"
        """,
        id="batch",
    ),
    pytest.param(
        KITCHEN
        + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { dish = "Dish" }
        output = "Text[3]"
        steps = [{ pipe = "one_line", result = "lines", nb_output = 3 }]
        """,
        id="nb-output",
    ),
    pytest.param(
        WEATHER
        + """
        [pipe.report]
        type = "PipeParallel"
        description = "d"
        inputs = { gauge = "Gauge", word = "Word?" }
        output = "Report"
        branches = [{ pipe = "read_gauge", result = "inland" }, { pipe = "read_word", result = "coastal" }]
        """,
        id="parallel-optional-into-optional-field",
    ),
    pytest.param(
        WEATHER
        + """
        [pipe.report]
        type = "PipeParallel"
        description = "d"
        inputs = { gauge = "Gauge", word = "Word" }
        output = "Composite"
        add_each_output = true
        branches = [{ pipe = "read_gauge", result = "inland" }, { pipe = "read_word", result = "coastal" }]
        [pipe.combine]
        type = "PipeSequence"
        description = "d"
        inputs = { gauge = "Gauge", word = "Word" }
        output = "Text"
        steps = [{ pipe = "report", result = "both" }, { pipe = "join" }]
        [pipe.join]
        type = "PipeCompose"
        description = "d"
        inputs = { inland = "Text", coastal = "Text" }
        output = "Text"
        template = "$inland / $coastal"
        """,
        id="parallel-add-each-output-feeds-next-step",
    ),
    pytest.param(
        PARCELS
        + """
        [pipe.route]
        type = "PipeCondition"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text?"
        expression = "parcel.size"
        outcomes = { small = "small_belt", large = "large_belt" }
        default_outcome = "continue"
        """,
        id="condition-continue-optional",
    ),
    pytest.param(
        PARCELS
        + """
        [pipe.route]
        type = "PipeCondition"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"
        expression_template = "{% if parcel.size == 'small' %}small{% else %}large{% endif %}"
        outcomes = { small = "small_belt" }
        default_outcome = "large_belt"
        """,
        id="condition-expression-template",
    ),
    pytest.param(
        PARCELS
        + """
        [pipe.ship]
        type = "PipeSequence"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Text"
        steps = [{ from = "parcel.address", result = "address" }, { pipe = "write_address", result = "line" }]
        """,
        id="binding-step",
    ),
    pytest.param(
        PARCELS
        + """
        [pipe.weight_of]
        type = "PipeSequence"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Number?"
        steps = [{ from = "parcel.weight", result = "weight" }]
        """,
        id="binding-optional-field-optional-output",
    ),
    pytest.param(
        PARCELS
        + """
        [pipe.relabel]
        type = "PipeCompose"
        description = "d"
        inputs = { parcel = "Parcel" }
        output = "Parcel"
        [pipe.relabel.construct]
        size = "small"
        address = { from = "parcel.address" }
        weight = { template = "$parcel.weight" }
        """,
        id="compose-construct",
    ),
    pytest.param(
        """
        domain = "village"
        [pipe.draft_notice]
        type = "PipeLLM"
        description = "d"
        inputs = { subject = "Text", style_hint = "Text?" }
        output = "Text"
        prompt = \"\"\"
        Write about $subject.

        @?style_hint
        {% if style_hint is defined %}Follow {{ style_hint }}.{% endif %}
        \"\"\"
        """,
        id="optional-input-guarded",
    ),
    pytest.param(
        """
        domain = "bakery"
        [concept]
        Flavour = "A flavour"
        [pipe.write_docket]
        type = "PipeSequence"
        description = "d"
        inputs = { flavour = "Flavour?" }
        output = "Text"
        steps = [{ pipe = "draft_docket", result = "docket" }]
        [pipe.draft_docket]
        type = "PipeLLM"
        description = "d"
        inputs = { flavour = "Flavour!" }
        output = "Text"
        prompt = "A docket for $flavour"
        """,
        id="forced-input",
    ),
    pytest.param(
        """
        domain = "models"
        [pipe.a]
        type = "PipeLLM"
        description = "d"
        inputs = { t = "Text" }
        output = "Text"
        prompt = "$t"
        model = "$writing-factual"
        model_to_structure = "@default-small-structured"
        [pipe.b]
        type = "PipeLLM"
        description = "d"
        inputs = { t = "Text" }
        output = "Text"
        prompt = "$t"
        model = { model = "preset:retrieval", temperature = 0.1 }
        [pipe.c]
        type = "PipeExtract"
        description = "d"
        inputs = { doc = "Document" }
        output = "Page[]"
        model = "~document-extractor"
        [pipe.d]
        type = "PipeImgGen"
        description = "d"
        inputs = { t = "Text" }
        output = "Image[2]"
        prompt = "$t"
        model = "$gen-image"
        """,
        id="model-reference-forms",
    ),
    pytest.param(
        """
        domain = "prices"
        [pipe.line]
        type = "PipeCompose"
        description = "d"
        inputs = { price = "Number" }
        output = "Text"
        template = "{% for i in range(2) %}{{ loop.index }}: $price costs $5{% endfor %} mail@@x.org"
        """,
        id="template-globals-and-escapes",
    ),
]


@pytest.mark.parametrize("text", VALID)
def test_valid_snippet_has_no_diagnostics(text: str) -> None:
    assert rendered(diagnose(text)) == []


# ---------------------------------------------------------------- multi-file libraries

CONTRACTS = """
domain = "legal.contracts"
[concept]
Clause = "A clause of a contract"
[pipe.extract_clause]
type = "PipeLLM"
description = "Finds a clause"
inputs = { contract = "Text" }
output = "Clause"
prompt = "Find a clause in $contract"
"""

CONTRACTS_MORE = """
domain = "legal.contracts"
[pipe.summarize]
type = "PipeSequence"
description = "Summarizes a clause"
inputs = { contract = "Text" }
output = "Text"
steps = [{ pipe = "extract_clause", result = "clause" }, { pipe = "legal.contracts.say", result = "summary" }]
[pipe.say]
type = "PipeLLM"
description = "d"
inputs = { clause = "Clause" }
output = "Text"
prompt = "Summarize $clause"
"""

REVIEW = """
domain = "review"
[concept.Verdict]
description = "A verdict on a clause"
refines = "legal.contracts.Clause"
[pipe.review]
type = "PipeSequence"
description = "Reviews a contract"
inputs = { contract = "Text" }
output = "legal.contracts.Clause"
steps = [{ pipe = "legal.contracts.extract_clause", result = "clause" }]
"""


@pytest.mark.parametrize(
    "texts",
    [
        (CONTRACTS, CONTRACTS_MORE),
        (CONTRACTS_MORE, CONTRACTS),
        (CONTRACTS, REVIEW),
        (REVIEW, CONTRACTS),
        (REVIEW, CONTRACTS_MORE, CONTRACTS),
    ],
    ids=["same-domain", "same-domain-reversed", "cross-domain", "cross-domain-reversed", "three-files"],
)
def test_multi_file_library_resolves_across_files(texts: tuple[str, ...]) -> None:
    assert rendered(diagnose(*texts)) == []


def test_a_file_alone_misses_what_its_sibling_declares() -> None:
    diagnostics = diagnose(CONTRACTS_MORE)
    assert [(d.error_type, d.pipe, d.field) for d in diagnostics] == [
        ("unresolved_concept", "say", "inputs.clause"),  # concepts resolve before the data flow is checked
        ("unresolved_pipe_dependency", "summarize", "steps[0]"),
    ]


def test_diagnostics_carry_the_file_and_line_of_each_file() -> None:
    bad_review = REVIEW.replace('"legal.contracts.extract_clause"', '"legal.contracts.extract_clauses"')
    diagnostics = diagnose(CONTRACTS, bad_review)
    assert [(d.error_type, d.file, d.line, d.pipe) for d in diagnostics] == [
        ("unresolved_pipe_dependency", "bundle1.mthds", 10, "review")
    ]
    assert "'legal.contracts.extract_clauses'" in diagnostics[0].message


def test_a_pipe_declared_twice_across_files_is_reported_in_the_second() -> None:
    diagnostics = diagnose(CONTRACTS, CONTRACTS)
    assert [(d.error_type, d.file, d.line, d.pipe) for d in diagnostics] == [
        ("duplicate_declaration", "bundle1.mthds", 3, None),
        ("duplicate_declaration", "bundle1.mthds", 4, "extract_clause"),
    ]
    assert "also in bundle.mthds" in diagnostics[1].message


def test_a_signature_is_satisfied_by_a_definition_in_another_file() -> None:
    signature = """
    domain = "legal.contracts"
    [pipe.extract_clause]
    signature_for = "PipeLLM"
    description = "To be written"
    inputs = { contract = "Text" }
    output = "Clause"
    """
    for texts in [(signature, CONTRACTS), (CONTRACTS, signature)]:
        library = build_library([(_clean(t), f"f{i}.mthds") for i, t in enumerate(texts)])
        assert check_library(library, default_deck()) == []
        assert library.pipes["legal.contracts.extract_clause"].blueprint.type == "PipeLLM"


def test_every_problem_in_a_library_is_reported() -> None:
    diagnostics = diagnose(
        llm('boat = "Text"', "Image", "Berth for $tide"),
        """
        domain = "other"
        [pipe.broken]
        description = "no type"
        """,
    )
    assert sorted((d.file, d.error_type) for d in diagnostics) == [
        ("bundle.mthds", "extraneous_input_variable"),
        ("bundle.mthds", "llm_output_cannot_be_image"),
        ("bundle.mthds", "missing_input_variable"),
        ("bundle1.mthds", "missing_pipe_type"),
    ]


def test_a_broken_pipe_is_not_also_reported_as_unresolved() -> None:
    diagnostics = diagnose("""
        domain = "harbour"
        [pipe.caller]
        type = "PipeSequence"
        description = "d"
        inputs = { t = "Text" }
        output = "Text"
        steps = [{ pipe = "callee", result = "r" }]
        [pipe.callee]
        type = "PipeLLM"
        description = "d"
        inputs = { t = "Text" }
        output = "Text"
        prompt = "$t"
        temperature = 0.3
        """)
    assert [d.error_type for d in diagnostics] == ["schema_violation"]


def test_a_step_after_a_broken_parallel_does_not_miss_its_branch_results() -> None:
    """A parallel written with an old field name (`parallels`) is one schema error: the names its branches
    would have added to memory (add_each_output) are unknown, not missing, for the steps after it."""
    diagnostics = diagnose("""
        domain = "newsroom"
        [concept]
        Brief = "What the campaign is about"
        [pipe.write_post]
        type = "PipeLLM"
        description = "d"
        inputs = { brief = "Brief" }
        output = "Text"
        prompt = "A post about $brief"
        [pipe.write_tweet]
        type = "PipeLLM"
        description = "d"
        inputs = { brief = "Brief" }
        output = "Text"
        prompt = "A tweet about $brief"
        [pipe.write_both]
        type = "PipeParallel"
        description = "d"
        inputs = { brief = "Brief" }
        output = "Composite"
        add_each_output = true
        parallels = [{ pipe = "write_post", result = "post" }, { pipe = "write_tweet", result = "tweet" }]
        [pipe.bundle_up]
        type = "PipeCompose"
        description = "d"
        inputs = { post = "Text", tweet = "Text" }
        output = "Text"
        template = "$post / $tweet"
        [pipe.campaign]
        type = "PipeSequence"
        description = "d"
        inputs = { brief = "Brief" }
        output = "Text"
        steps = [
          { pipe = "write_both", result = "both" },
          { pipe = "bundle_up", result = "package" },
        ]
        """)
    assert sorted(d.error_type for d in diagnostics) == ["schema_violation", "schema_violation"]


def test_batching_over_the_result_of_an_unresolved_step_reports_only_the_unresolved_pipe() -> None:
    diagnostics = diagnose("""
        domain = "invoices"
        [pipe.read_pages]
        type = "PipeSequence"
        description = "d"
        inputs = { scan = "Document" }
        output = "Text[]"
        steps = [
          { pipe = "extract_page_views", result = "pages" },
          { pipe = "summarize_page", batch_over = "pages", batch_as = "page", result = "summaries" },
          { from = "pages.first", result = "first_page" },
        ]
        [pipe.summarize_page]
        type = "PipeLLM"
        description = "d"
        inputs = { page = "Page" }
        output = "Text"
        prompt = "Summarize $page"
        """)
    assert [d.error_type for d in diagnostics] == ["unresolved_pipe_dependency"]


def test_a_dotted_input_is_reported_once_on_its_pipe_not_again_on_its_caller() -> None:
    """`"page.page_view" = "Image"` is invalid_input_name on the pipe that declares it; the sequence calling
    it gets no second error (no optional absence walked through the invalid name)."""
    diagnostics = diagnose("""
        domain = "slides"
        [pipe.read_slides]
        type = "PipeSequence"
        description = "d"
        inputs = { deck = "Document" }
        output = "Text[]"
        steps = [
          { pipe = "extract_slides", result = "pages" },
          { pipe = "transcribe_slide", batch_over = "pages", batch_as = "page", result = "notes" },
        ]
        [pipe.extract_slides]
        type = "PipeExtract"
        description = "d"
        inputs = { deck = "Document" }
        output = "Page[]"
        [pipe.transcribe_slide]
        type = "PipeLLM"
        description = "d"
        inputs = { "page.page_view" = "Image", page = "Page" }
        output = "Text"
        prompt = '''
        The slide: $page.page_view
        Its text layer:
        @page.text_and_images
        '''
        """)
    assert [(d.error_type, d.pipe) for d in diagnostics] == [("invalid_input_name", "transcribe_slide")]


# ---------------------------------------------------------------- lines


def test_lines_point_at_the_field_inside_each_pipe() -> None:
    diagnostics = diagnose("""
        domain = "harbour"

        [pipe.first]
        type = "PipeLLM"
        description = "d"
        inputs = { tide = "Tide" }
        output = "Text"
        prompt = "$tide"

        [pipe.second]
        type = "PipeLLM"
        description = "d"
        output = "Text"
        prompt = "$tide"

        [pipe.second_more]
        type = "PipeLLM"
        description = "d"
        output = "Image"
        prompt = "hi"
        """)
    assert [(d.error_type, d.pipe, d.line) for d in diagnostics] == [
        # the reference's order of checks (pipelex.validation.order): a template's inputs, then concepts
        ("missing_input_variable", "second", 14),
        ("unresolved_concept", "first", 6),
        ("llm_output_cannot_be_image", "second_more", 19),
    ]


def test_a_field_in_a_sub_table_points_at_the_sub_table() -> None:
    diagnostics = diagnose("""
        domain = "harbour"
        [pipe.write_berth_note]
        type = "PipeLLM"
        description = "d"
        output = "Text"
        prompt = "$tide"

        [pipe.write_berth_note.inputs]
        tide = "Text"
        boat = "Text"
        """)
    assert [(d.error_type, d.line) for d in diagnostics] == [("extraneous_input_variable", 8)]


# ---------------------------------------------------------------- gaps once pinned by strict xfails, now fixed


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            PARCELS
            + """
            [pipe.ship]
            type = "PipeSequence"
            description = "d"
            inputs = { parcel = "Parcel" }
            output = "Text"
            steps = [{ from = "parcel.adress", result = "address" }, { pipe = "write_address", result = "line" }]
            """,
            id="failed-binding",
        ),
        pytest.param(
            KITCHEN
            + """
            [pipe.menu]
            type = "PipeSequence"
            description = "d"
            inputs = { note = "Note" }
            output = "Text[]"
            steps = [{ pipe = "one_line", batch_over = "dishes", batch_as = "dish", result = "lines" }]
            """,
            id="unknown-batch-over",
        ),
        pytest.param(
            WEATHER
            + """
            [concept.Station]
            description = "A station"
            [concept.Station.structure]
            gauges = { type = "list", item_type = "concept", item_concept_ref = "Gauge", description = "G", required = true }
            [pipe.report]
            type = "PipeParallel"
            description = "d"
            inputs = { station = "Station" }
            output = "Composite"
            branches = [{ pipe = "read_gauge", result = "inland", batch_over = "station.gauges", batch_as = "gauge" }]
            """,
            id="parallel-dotted-batch-over",
        ),
    ],
)
def test_a_broken_step_is_reported_once(text: str) -> None:
    diagnostics = diagnose(text)
    assert len(diagnostics) == 1, rendered(diagnostics)


def test_a_broken_pipe_in_another_domain_does_not_hide_an_unresolved_reference() -> None:
    diagnostics = diagnose(
        """
        domain = "a"
        [pipe.write]
        description = "no type"
        """,
        """
        domain = "b"
        [pipe.go]
        type = "PipeSequence"
        description = "d"
        inputs = { t = "Text" }
        output = "Text"
        steps = [{ pipe = "c.write", result = "x" }]
        """,
    )
    assert sorted(d.error_type for d in diagnostics) == ["missing_pipe_type", "unresolved_pipe_dependency"]


def test_unresolved_cross_domain_reference_lists_that_domains_pipes() -> None:
    bad_review = REVIEW.replace('"legal.contracts.extract_clause"', '"legal.contracts.extract_clauses"')
    (diagnostic,) = diagnose(CONTRACTS, bad_review)
    assert "pipes of domain 'legal.contracts': extract_clause" in diagnostic.message


@pytest.mark.parametrize(
    "field_spec",
    [
        '{ type = "concept", concept_ref = "Stopp", description = "s" }',
        '{ type = "list", item_type = "concept", item_concept_ref = "Stopp", description = "s" }',
        '{ type = "list", item_type = "Stopp", description = "s" }',
    ],
    ids=["concept-ref", "item-concept-ref", "item-type-shorthand"],
)
def test_unknown_concept_in_a_structure_is_unresolved(field_spec: str) -> None:
    diagnostics = diagnose(f"""
        domain = "rounds"
        [concept.Round]
        description = "A round"
        [concept.Round.structure]
        stop = {field_spec}
        """)
    assert [d.error_type for d in diagnostics] == ["unresolved_concept"]
    assert "'Stopp'" in diagnostics[0].message


def test_refining_an_unknown_concept_is_unresolved() -> None:
    diagnostics = diagnose("""
        domain = "rounds"
        [concept.ShopStop]
        description = "A stop"
        refines = "Stopp"
        """)
    assert [d.error_type for d in diagnostics] == ["unresolved_concept"]


def test_a_refinement_cycle_is_reported() -> None:
    diagnostics = diagnose("""
        domain = "rounds"
        [concept.A]
        description = "a"
        refines = "B"
        [concept.B]
        description = "b"
        refines = "A"
        """)
    assert any(d.severity is Severity.ERROR and "'A'" in d.message for d in diagnostics)


def test_with_block_does_not_read_an_undeclared_input() -> None:
    assert rendered(diagnose(llm('v = "Text"', "Text", "{% with w = v %}{{ w }}{% endwith %}"))) == []


def test_a_step_diagnostic_points_at_the_step_line() -> None:
    diagnostics = diagnose(
        KITCHEN
        + """
        [pipe.menu]
        type = "PipeSequence"
        description = "d"
        inputs = { note = "Note" }
        output = "Dish[]"
        steps = [
          { pipe = "list_dishes", result = "dishes" },
          { pipe = "list_dishez", result = "more" },
        ]
        """
    )
    (diagnostic,) = [d for d in diagnostics if d.error_type == "unresolved_pipe_dependency"]
    assert diagnostic.line == 25


def test_element_line_skips_brackets_in_strings_and_comments() -> None:
    from pipelex.language.source_map import SourceMap

    text = (
        "[pipe.p]\n"
        "steps = [ # a comment with { braces [\n"
        '  { pipe = "a", result = "x{" },\n'
        '  { pipe = \'b}\', result = """y]""" },\n'
        '  { pipe = "c" },\n'
        "]\n"
    )
    source_map = SourceMap(text)
    assert [source_map.element_line("p", "steps", n) for n in (1, 2, 3)] == [3, 4, 5]
    assert source_map.element_line("p", "steps", 9) == 2  # no such element: the key's line


@pytest.mark.parametrize(
    ("pipe_type", "extra", "model", "ok"),
    [
        ("PipeImgGen", 'prompt = "a cat"', "@best-claude", False),
        ("PipeImgGen", 'prompt = "a cat"', "$writing-factual", False),
        ("PipeImgGen", 'prompt = "a cat"', "gpt-4o", False),
        ("PipeImgGen", 'prompt = "a cat"', "@default-general", True),
        ("PipeImgGen", 'prompt = "a cat"', "@default-img-gen", True),
        ("PipeLLM", 'prompt = "hi"', "gpt-image-1", False),
        ("PipeLLM", 'prompt = "hi"', "$gen-image", False),
        ("PipeLLM", 'prompt = "hi"', "$writing-factual", True),
    ],
    ids=[
        "imggen-with-llm-alias",
        "imggen-with-llm-preset",
        "imggen-with-llm-handle",
        "imggen-alias-of-its-category",
        "imggen-with-imggen",
        "llm-with-imggen",
        "llm-with-imggen-preset",
        "llm-with-preset",
    ],
)
def test_a_model_of_the_wrong_category_is_refused(pipe_type: str, extra: str, model: str, ok: bool) -> None:
    output = "Image" if pipe_type == "PipeImgGen" else "Text"
    diagnostics = diagnose(f"""
        domain = "d"
        [pipe.p]
        type = "{pipe_type}"
        description = "d"
        output = "{output}"
        {extra}
        model = "{model}"
    """)
    if ok:
        assert diagnostics == [], rendered(diagnostics)
    else:
        (diagnostic,) = diagnostics
        assert diagnostic.error_type == "unknown_model" and "needs a model of category" in diagnostic.message
        assert diagnostic.field == "model"


TRIAGE = """
domain = "triage"

[concept.Analysis]
description = "What a review says"
[concept.Analysis.structure]
mood = { type = "text", description = "Mood", required = true }

[pipe.triage]
type = "PipeSequence"
description = "Analyse then reply"
inputs = { review = "Text"EXTRA }
output = "Text"
steps = [STEPS
    { pipe = "analyse", result = "analysis" },
    { pipe = "reply", result = "reply" },
]

[pipe.analyse]
type = "PipeLLM"
description = "Analyse"
inputs = { review = "Text" }
output = "Analysis"
prompt = "Analyse $review"

[pipe.reply]
type = "PipeLLM"
description = "Reply"
inputs = { review = "Text", analysis = "Analysis" }
output = "Text"
prompt = "Reply to $review, mood $analysis.mood"

[pipe.route]
type = "PipeCondition"
description = "Route"
inputs = { analysis = "Analysis"COND_EXTRA }
output = "Text"
expression = "analysis.mood"
outcomes = { happy = "thank" }
default_outcome = "thank"

[pipe.thank]
type = "PipeLLM"
description = "Thank"
inputs = { analysis = "Analysis" }
output = "Text"
prompt = "Thank them, mood $analysis.mood"

[pipe.both]
type = "PipeParallel"
description = "Both"
inputs = { review = "Text"PAR_EXTRA }
output = "Composite"
branches = [ { pipe = "analyse", result = "analysis" } ]
"""


def _triage(extra: str = "", steps: str = "", cond_extra: str = "", par_extra: str = "") -> str:
    return (
        TRIAGE.replace("COND_EXTRA", cond_extra)
        .replace("PAR_EXTRA", par_extra)
        .replace("EXTRA", extra)
        .replace("STEPS", steps)
    )


def test_controllers_whose_inputs_are_all_read_are_valid() -> None:
    assert diagnose(_triage()) == []
    # an input read only by a binding step is used
    binding = '\n    { from = "prior.mood", result = "prior_mood" },'
    assert diagnose(_triage(extra=', prior = "Analysis"', steps=binding)) == []


@pytest.mark.parametrize(
    ("kwargs", "pipe", "name", "parts"),
    [
        ({"extra": ', tone = "Text"'}, "triage", "tone", "steps"),
        ({"extra": ', tone = "Text?"'}, "triage", "tone", "steps"),  # optional: still declared for nothing
        ({"extra": ', analysis = "Analysis"'}, "triage", "analysis", "steps"),  # replaced by step 0's result
        ({"cond_extra": ', lang = "Text"'}, "route", "lang", "expression and outcome pipes"),
        ({"par_extra": ', tone = "Text"'}, "both", "tone", "branches"),
    ],
    ids=["sequence", "sequence-optional", "sequence-shadowed-by-a-result", "condition", "parallel"],
)
def test_a_controller_input_none_of_its_parts_reads_is_extraneous(
    kwargs: dict[str, str], pipe: str, name: str, parts: str
) -> None:
    (diagnostic,) = diagnose(_triage(**kwargs))
    assert diagnostic.error_type == "extraneous_input_variable"
    assert diagnostic.pipe == pipe and diagnostic.field == f"inputs.{name}"
    assert f"input {name!r} is declared but none of the pipe's {parts} reads it" in diagnostic.message


def test_a_batch_input_its_branch_does_not_read_is_valid() -> None:
    batch = """
        domain = "quiz"
        [pipe.quiz_all]
        type = "PipeBatch"
        description = "Each"
        inputs = { chapters = "Text[]", level = "Text" }
        output = "Text[]"
        branch_pipe_code = "quiz_one"
        input_list_name = "chapters"
        input_item_name = "chapter"
        [pipe.quiz_one]
        type = "PipeLLM"
        description = "One"
        inputs = { chapter = "Text" }
        output = "Text"
        prompt = "Quiz on $chapter"
    """
    assert diagnose(batch) == []


def test_a_controller_with_an_unresolved_step_reports_no_unused_input() -> None:
    broken = _triage(extra=', tone = "Text"').replace('{ pipe = "reply"', '{ pipe = "replyy"')
    assert [d.error_type for d in diagnose(broken)] == ["unresolved_pipe_dependency"]


@pytest.mark.parametrize(
    ("field", "ok"),
    [
        ('{ type = "list", item_type = "concept", item_concept_ref = "Line", description = "Lines" }', True),
        ('{ type = "list", item_type = "concept", description = "Lines" }', False),
        ('{ type = "concept", description = "Line" }', False),
    ],
    ids=["list-of-concept", "list-of-concept-without-its-concept", "concept-without-its-concept"],
)
def test_a_concept_typed_field_names_its_concept(field: str, ok: bool) -> None:
    diagnostics = diagnose(f"""
        domain = "invoices"
        [concept.Line]
        description = "A line"
        [concept.Invoice]
        description = "An invoice"
        [concept.Invoice.structure]
        lines = {field}
    """)
    if ok:
        assert diagnostics == [], rendered(diagnostics)
    else:
        (diagnostic,) = diagnostics
        assert diagnostic.error_type == "schema_violation" and "'lines'" in diagnostic.message
        assert "concept_ref" in diagnostic.message


def test_a_controller_input_of_an_unresolved_concept_is_not_also_reported_unused() -> None:
    broken = _triage().replace(
        'type = "PipeSequence"\ndescription = "Analyse then reply"\ninputs = { review = "Text" }',
        'type = "PipeSequence"\ndescription = "Analyse then reply"\ninputs = { review = "Revieww" }',
    )
    found = [d.error_type for d in diagnose(broken)]
    assert "unresolved_concept" in found and "extraneous_input_variable" not in found


JUDGE = """
domain = "desk"
[concept.Review]
description = "A review"
[concept.Review.structure]
urgent = { type = "concept", concept_ref = "YesNo", description = "Today?", required = true }
team = { type = "concept", concept_ref = "Choice", description = "Team", required = true }

[pipe.review]
type = "PipeJudge"
description = "Judge"
inputs = { request = "Text" }
output = "Review"
MODEL
prompt = "The request: $request"

[pipe.review.questions.urgent]
question = "Does this need an answer today?"
criteria = { yes = "Blocked", no = "It can wait" }
threshold = THRESHOLD

[pipe.review.questions.team]
question = "Which team?"
options = { purchasing = "Buying", engineering = "Alternatives" }
TEAM_EXTRA
"""


@pytest.mark.parametrize(
    ("model", "threshold", "team_extra", "problem"),
    [
        ('model = "@default-judgment"', "0.7", "", None),
        ("", "0.7", "", "names no model"),  # the default deck names no judgment default, as the reference's
        ('model = "@default-judgment"', "1.7", "", "strictly between 0 and 1"),
        ('model = "@default-judgment"', "0", "", "strictly between 0 and 1"),
        (
            'model = "@default-judgment"',
            "0.7",
            'criteria = { yes = "a", no = "b" }',
            "applies to a yes/no question",
        ),
        (
            'model = "@default-judgment"',
            "0.7",
            'levels = [ { label = "Low", description = "x" }, "High" ]',
            "both",
        ),
        ('model = "$writing-factual"', "0.7", "", "needs a model of category judge"),
        ('model = "@default-general"', "0.7", "", "needs a model of category judge"),
        ('model = "gpt-4o"', "0.7", "", "needs a model of category judge"),
    ],
    ids=[
        "valid",
        "no-model",
        "threshold-above-1",
        "threshold-0",
        "criteria-on-a-choice",
        "options-and-levels",
        "llm-preset",
        "llm-alias",
        "llm-handle",
    ],
)
def test_a_judgment_asks_questions_of_one_kind_with_a_judgment_model(
    model: str, threshold: str, team_extra: str, problem: str | None
) -> None:
    text = JUDGE.replace("MODEL", model).replace("THRESHOLD", threshold).replace("TEAM_EXTRA", team_extra)
    diagnostics = diagnose(text)
    if problem is None:
        assert diagnostics == [], rendered(diagnostics)
    else:
        (diagnostic,) = diagnostics
        assert diagnostic.pipe == "review" and problem in diagnostic.message
        expected = (
            "model_unspecified" if "no model" in problem else "unknown_model" if "model" in problem else None
        )
        assert diagnostic.error_type == (expected or "schema_violation")


@pytest.mark.parametrize(
    ("model", "ok"),
    [
        ('"@default-extract-document"', True),
        ('"@default-premium"', True),  # the extraction alias of that name
        ('"~document-extractor"', True),
        ('"$writing-factual"', False),
        ('"@default-general"', False),
        ('"gpt-4o"', False),
    ],
)
def test_an_extraction_takes_extraction_models_only(model: str, ok: bool) -> None:
    diagnostics = diagnose(f"""
        domain = "invoices"
        [pipe.pages]
        type = "PipeExtract"
        description = "Pages"
        inputs = {{ invoice = "Document" }}
        output = "Page[]"
        model = {model}
    """)
    if ok:
        assert diagnostics == [], rendered(diagnostics)
    else:
        (diagnostic,) = diagnostics
        assert diagnostic.error_type == "unknown_model" and "category extract" in diagnostic.message


STRUCTURE = """
domain = "shop"
[concept]
Notice = "The notice on the door"
[concept.Hours]
description = "Hours"
[concept.Hours.structure]
day = "The day"
[concept.Flyer]
description = "A flyer"
refines = "Markdown"

[pipe.read_hours]
type = "PipeStructure"
description = "Read the hours"
INPUTS
output = "Hours"
"""


@pytest.mark.parametrize(
    ("inputs", "error_type"),
    [
        ('inputs = { notice = "Notice" }', None),
        ('inputs = { notice = "Text" }', None),
        ('inputs = { notice = "Flyer" }', None),
        ("", "schema_violation"),
        ('inputs = { notice = "Notice", extra = "Text" }', "schema_violation"),
        ('inputs = { hours = "Hours" }', "input_stuff_spec_mismatch"),
        ('inputs = { result = "SearchResult" }', "input_stuff_spec_mismatch"),
        ('inputs = { notices = "Notice[]" }', "schema_violation"),
    ],
    ids=["shorthand", "text", "markdown-refinement", "none", "two", "structured", "search-result", "list"],
)
def test_a_pipe_structure_reads_exactly_one_text(inputs: str, error_type: str | None) -> None:
    diagnostics = diagnose(STRUCTURE.replace("INPUTS", inputs))
    if error_type is None:
        assert diagnostics == [], rendered(diagnostics)
    else:
        (diagnostic,) = diagnostics
        assert diagnostic.error_type == error_type and diagnostic.pipe == "read_hours"


@pytest.mark.parametrize(
    ("given", "wanted", "ok"),
    [
        ("Note", "Text", True),
        ("Text", "Note", True),
        ("Note", "Memo", True),  # two plain (text-like) concepts
        ("Markdown", "Note", True),
        ("Markdown", "Markdown", True),
        ("Flyer", "Markdown", True),  # a refinement of Markdown
        ("Note", "Markdown", False),
        ("Text", "Markdown", False),
        ("Text", "Flyer", False),
        ("Html", "Note", False),
    ],
)
def test_markdown_takes_markdown_and_other_text_concepts_take_any_text(
    given: str, wanted: str, ok: bool
) -> None:
    diagnostics = diagnose(f"""
        domain = "notes"
        [concept]
        Note = "A note"
        Memo = "A memo"
        [concept.Flyer]
        description = "A flyer"
        refines = "Markdown"

        [pipe.pass_on]
        type = "PipeSequence"
        description = "Pass it on"
        inputs = {{ item = "{given}" }}
        output = "Text"
        steps = [{{ pipe = "write", result = "written" }}]

        [pipe.write]
        type = "PipeLLM"
        description = "Write"
        inputs = {{ item = "{wanted}" }}
        output = "Text"
        prompt = "Rewrite $item"
    """)
    if ok:
        assert diagnostics == [], rendered(diagnostics)
    else:
        (diagnostic,) = diagnostics
        assert diagnostic.error_type == "input_stuff_spec_mismatch" and diagnostic.pipe == "pass_on"


ROUTER = """
domain = "router"
[concept]
Answer = "An answer"

[pipe.route]
type = "PipeCondition"
description = "Route"
inputs = { topic = "Text" }
output = "OUTPUT"
expression = "topic"
OUTCOMES
default_outcome = "answer_a"

[pipe.answer_a]
type = "PipeLLM"
description = "A"
inputs = { topic = "Text" }
output = "Answer"
prompt = "Answer $topic"

[pipe.answer_b]
type = "PipeLLM"
description = "B"
inputs = { topic = "Text" }
output = "B_OUTPUT"
prompt = "Answer $topic"
"""


@pytest.mark.parametrize(
    ("output", "b_output", "outcomes", "error_type"),
    [
        ("Answer", "Answer", 'outcomes = { b = "answer_b" }', None),
        ("Answer", "Text", 'outcomes = { b = "answer_b" }', "inadequate_output_concept"),
        ("Answer", "Dynamic", 'outcomes = { b = "answer_b" }', "inadequate_output_concept"),
        ("Anything", "Text", 'outcomes = { b = "answer_b" }', None),
    ],
    ids=["same-concept", "text-and-answer", "dynamic-and-answer", "anything-takes-both"],
)
def test_the_outcome_pipes_of_a_condition_make_one_concept(
    output: str, b_output: str, outcomes: str, error_type: str | None
) -> None:
    text = ROUTER.replace("B_OUTPUT", b_output).replace("OUTPUT", output).replace("OUTCOMES", outcomes)
    diagnostics = diagnose(text)
    if error_type is None:
        assert diagnostics == [], rendered(diagnostics)
    else:
        (diagnostic,) = diagnostics
        assert diagnostic.error_type == error_type and diagnostic.pipe == "route"
        assert "answer_b" in diagnostic.message and "Anything" in diagnostic.message


@pytest.mark.parametrize(
    ("snippet", "error_type", "field"),
    [
        (  # a PipeLLM with no prompt reads none of its inputs
            '[pipe.p]\ntype = "PipeLLM"\ndescription = "d"\ninputs = { topic = "Text" }\noutput = "Text"',
            "extraneous_input_variable",
            "inputs.topic",
        ),
        (
            '[pipe.p]\ntype = "PipeImgGen"\ndescription = "d"\noutput = "Image[]"\nprompt = "a cat"',
            "schema_violation",
            "output",
        ),
        (
            '[pipe.p]\ntype = "PipeLLM"\ndescription = "d"\noutput = "Text"\nprompt = "hi"\n'
            'model = { model = "$writing-creative" }',
            "schema_violation",
            "model",
        ),
        (
            '[concept.Trip]\ndescription = "A trip"\n[concept.Trip.structure]\n'
            'budget = { type = "number", description = "EUR", default_value = "cheap" }',
            "schema_violation",
            "structure.budget",
        ),
        *(  # TOML's nan and inf (and 1e400, which reads as inf): the reference refuses the structure; the
            # default was silently answered as null
            (
                '[concept.Trip]\ndescription = "A trip"\n[concept.Trip.structure]\n'
                f'budget = {{ type = "number", description = "EUR", default_value = {value} }}',
                "schema_violation",
                "structure.budget",
            )
            for value in ("nan", "inf", "-inf", "1e400")
        ),
    ],
    ids=[
        "llm-without-prompt",
        "img-gen-any-count",
        "llm-setting-without-temperature",
        "default-of-another-type",
        "default-nan",
        "default-inf",
        "default-minus-inf",
        "default-1e400",
    ],
)
def test_rules_the_reference_applies(snippet: str, error_type: str, field: str) -> None:
    (diagnostic,) = diagnose('domain = "d"\n' + snippet)
    assert (diagnostic.error_type, diagnostic.field) == (error_type, field)


@pytest.mark.parametrize(
    "snippet",
    [
        '[pipe.p]\ntype = "PipeImgGen"\ndescription = "d"\noutput = "Image[2]"\nprompt = "a cat"',
        '[pipe.p]\ntype = "PipeLLM"\ndescription = "d"\noutput = "Text"\nprompt = "hi"\n'
        'model = { model = "@default-general", temperature = 0.7 }',
        '[concept.Trip]\ndescription = "A trip"\n[concept.Trip.structure]\n'
        'budget = { type = "number", description = "EUR", default_value = 100 }',
    ],
    ids=["img-gen-count", "llm-setting", "default-of-its-type"],
)
def test_the_valid_forms_of_those_rules(snippet: str) -> None:
    assert diagnose('domain = "d"\n' + snippet) == []


def test_the_checks_leave_the_checker_to_reference_counting() -> None:
    import gc

    library = build_library(
        [
            (
                _clean(
                    """
                    domain = "loops"
                    [pipe.first]
                    type = "PipeSequence"
                    description = "d"
                    inputs = { t = "Text" }
                    output = "Text"
                    steps = [{ pipe = "second", result = "x" }]
                    [pipe.second]
                    type = "PipeSequence"
                    description = "d"
                    inputs = { t = "Text" }
                    output = "Text"
                    steps = [{ pipe = "first", result = "y" }]
                    """
                ),
                None,
            )
        ]
    )
    deck = default_deck()
    gc.collect()
    gc.disable()
    try:
        codes = [d.error_type for d in check_library(library, deck)]
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = {type(o).__qualname__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert "pipe_cycle" in codes
    assert not {"StaticChecker", "function", "cell"} & left, left


_LOOKALIKES = """
domain = "t"
main_pipe = "hell\u043e"

[concept."N\u043ete"]
description = "A note"

[pipe.hello]
type = "PipeCompose"
description = "d"
inputs = { name = "\u0422ext" }
output = "Text"
template = "Hello {{ name }}"

[pipe.seq]
type = "PipeSequence"
description = "d"
inputs = { name = "Text" }
output = "Text"
steps = [{ pipe = "hel\u202elo", result = "x" }, { pipe = "hello", result = "\uff58" }]
"""


@pytest.mark.parametrize(
    "expected",
    [
        "main_pipe 'hell\u043e' is not a valid pipe code (it holds '\u043e', U+043E CYRILLIC SMALL LETTER O: names "
        "are ASCII)",
        "concept code 'N\u043ete' is not PascalCase (it holds '\u043e', U+043E CYRILLIC SMALL LETTER O",
        "'\u0422ext' is not a concept spec (it holds '\u0422', U+0422 CYRILLIC CAPITAL LETTER TE: names are ASCII)",
        "and no pipe can have that name (it holds '\\u202e', U+202E RIGHT-TO-LEFT OVERRIDE: names are ASCII)",
        "result '\uff58' is not a plain snake_case name (it holds '\uff58', U+FF58 FULLWIDTH LATIN SMALL LETTER X",
    ],
)
def test_a_name_holding_a_lookalike_letter_says_which(expected: str) -> None:
    """A Cyrillic, fullwidth or bidi character in a name looks like the ASCII name it imitates: the message quoting it
    names the character, or "'Тext' is not a concept spec" reads as nonsense (thirteenth hostile pass)."""
    messages = [d.message for d in diagnose(_LOOKALIKES)]
    assert any(expected in message for message in messages), messages
