"""Bundles of the Temporal tests: every controller, inline and dispatched operators, live PipeFuncs."""

from __future__ import annotations

import textwrap

from tests.pipeline.test_runner import ORDER, SHOP_BUNDLE

__all__ = ["NESTED_BUNDLE", "NESTED_INPUTS", "ORDER", "SHOP_BUNDLE", "failing_bundle", "sequence_bundle"]

NESTED_BUNDLE = textwrap.dedent("""
    domain      = "harbour"
    description = "Boats in, notes out: nested controllers, a live function, templates"
    main_pipe   = "log_arrivals"

    [concept]
    BoatName = "The name painted on a boat"

    [pipe.log_arrivals]
    type        = "PipeSequence"
    description = "Logs each boat, then the day"
    inputs      = { boats = "BoatName[]", harbour = "Text" }
    output      = "Text"
    steps = [
      { pipe = "log_each", result = "entries" },
      { pipe = "close_day", result = "closing" },
      { pipe = "sign_log", result = "log" },
    ]

    [pipe.sign_log]
    type        = "PipeCompose"
    description = "The signed log"
    inputs      = { entries = "Text[]", summary = "Text", weather = "Text" }
    output      = "Text"
    template    = "$entries | $summary | $weather"

    [pipe.log_each]
    type             = "PipeBatch"
    description      = "One entry per boat"
    inputs           = { boats = "BoatName[]" }
    output           = "Text[]"
    branch_pipe_code = "log_one"
    input_list_name  = "boats"
    input_item_name  = "boat"

    [pipe.log_one]
    type        = "PipeSequence"
    description = "Shouts the name, then writes the entry"
    inputs      = { boat = "BoatName" }
    output      = "Text"
    steps = [
      { pipe = "shout_name", result = "loud" },
      { pipe = "write_entry", result = "entry" },
    ]

    [pipe.shout_name]
    type          = "PipeFunc"
    description   = "The name in capitals"
    inputs        = { boat = "BoatName" }
    output        = "Text"
    function_name = "tests.temporal.funcs.shout"

    [pipe.write_entry]
    type        = "PipeCompose"
    description = "The log entry"
    inputs      = { loud = "Text" }
    output      = "Text"
    template    = "arrived: $loud"

    [pipe.close_day]
    type        = "PipeParallel"
    description = "The summary and the weather at once"
    inputs      = { harbour = "Text" }
    output      = "Composite"
    add_each_output = true
    branches = [
      { pipe = "write_summary", result = "summary" },
      { pipe = "describe_weather", result = "weather" },
    ]

    [pipe.write_summary]
    type        = "PipeCompose"
    description = "The day's summary"
    inputs      = { harbour = "Text" }
    output      = "Text"
    template    = "closing $harbour"

    [pipe.describe_weather]
    type        = "PipeLLM"
    description = "A line about the weather"
    inputs      = { harbour = "Text" }
    output      = "Text"
    prompt      = "Describe the weather over $harbour in one line."
""")

NESTED_INPUTS = {"boats": ["Ondine", "Marlin"], "harbour": "Douarnenez"}


def failing_bundle() -> str:
    """A sequence whose second step is a function that raises."""
    return textwrap.dedent("""
        domain    = "broken"
        description = "A function that refuses"
        main_pipe = "go"

        [pipe.go]
        type        = "PipeSequence"
        description = "Shouts, then refuses"
        inputs      = { text = "Text" }
        output      = "Text"
        steps = [
          { pipe = "shout_it", result = "loud" },
          { pipe = "refuse_it", result = "never" },
        ]

        [pipe.shout_it]
        type          = "PipeFunc"
        description   = "Shouts"
        inputs        = { text = "Text" }
        output        = "Text"
        function_name = "tests.temporal.funcs.shout"

        [pipe.refuse_it]
        type          = "PipeFunc"
        description   = "Refuses"
        inputs        = { loud = "Text" }
        output        = "Text"
        function_name = "tests.temporal.funcs.refuse"
    """)


def sequence_bundle(n: int, *, pipe_type: str = "PipeLLM") -> str:
    """A sequence of ``n`` leaves, each reading the previous one's result (``text``): PipeLLM, or PipeFunc
    calling the slow, logging ``slow_step``."""
    body = (
        'prompt = "Continue: $text"'
        if pipe_type == "PipeLLM"
        else 'function_name = "tests.temporal.funcs.slow_step"'
    )
    steps = ", ".join(f'{{ pipe = "step_{i}", result = "text" }}' for i in range(n))
    pipes = "".join(
        f"""
[pipe.step_{i}]
type = "{pipe_type}"
description = "Step {i}"
inputs = {{ text = "Text" }}
output = "Text"
{body}
"""
        for i in range(n)
    )
    return f"""domain = "steps"
description = "A sequence of leaves"
main_pipe = "main"

[pipe.main]
type = "PipeSequence"
description = "The sequence"
inputs = {{ text = "Text" }}
output = "Text"
steps = [{steps}]
{pipes}"""
