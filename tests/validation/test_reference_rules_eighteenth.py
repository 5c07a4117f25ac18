"""Rules met by the eighteenth fidelity pass's bundles (``benchmarks/fidelity_bundles_eighteenth.py``), each probed
on the reference as a black box on several variants before it was written."""

from __future__ import annotations

import textwrap

import pytest

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.validation.report import ValidationReport, validate_library


def validate(text: str) -> ValidationReport:
    return validate_library(
        build_library([(textwrap.dedent(text).lstrip("\n"), "bundle.mthds")]), default_deck()
    )


def error_types(report: ValidationReport) -> list[str]:
    return [e.error_type for e in report.errors]


STUDIO = """
domain = "studio"
main_pipe = "main"

[concept.Visual]
description = "An image for the campaign"
refines = "Image"

[concept.Note]
description = "A note"
refines = "Text"

[concept.Base]
description = "A structured base"

[concept.Base.structure]
name = { type = "text", description = "The name", required = true }

[concept.Derived]
description = "A refinement of the base"
refines = "Base"

CONTROLLER

[pipe.use_it]
type = "PipeLLM"
description = "Use the value"
inputs = { logo = "LEAF" }
output = "Text"
prompt = "Describe $logo"
"""

PARALLEL = """
[pipe.main]
type = "PipeParallel"
description = "Run the branch"
inputs = { logo = "DECLARED" }
output = "Composite"
branches = [ { pipe = "use_it", result = "out" } ]
add_each_output = true
"""

CONDITION = """
[pipe.main]
type = "PipeCondition"
description = "Run the outcome"
inputs = { logo = "DECLARED" }
output = "Text"
expression = "'a'"
default_outcome = "use_it"

[pipe.main.outcomes]
a = "use_it"
"""

SEQUENCE = """
[pipe.main]
type = "PipeSequence"
description = "Run the step"
inputs = { logo = "DECLARED" }
output = "Text"
steps = [ { pipe = "use_it", result = "out" } ]
"""


def studio(controller: str, declared: str, leaf: str) -> str:
    return STUDIO.replace("CONTROLLER", controller.replace("DECLARED", declared)).replace("LEAF", leaf)


@pytest.mark.parametrize("controller", [PARALLEL, CONDITION], ids=["parallel", "condition"])
@pytest.mark.parametrize(
    ("declared", "leaf"),
    [
        ("Visual", "Image"),  # a refinement of what the pipe reads
        ("Image", "Visual"),  # what the refinement refines
        ("Note", "Text"),  # a text-like concept for Text
        ("Derived", "Base"),  # a structured refinement
        ("Visual[]", "Image[]"),  # lists alike
    ],
)
def test_parallel_and_condition_declare_inputs_as_their_pipes_read_them(
    controller: str, declared: str, leaf: str
) -> None:
    # the reference: "Pipe 'main' declares the input 'logo' as 'Visual', which its use does not accept. It accepts:
    # Image." (method.input_concept_mismatch)
    report = validate(studio(controller, declared, leaf))
    assert error_types(report) == ["input_stuff_spec_mismatch"]
    error = report.errors[0]
    assert error.pipe == "main"
    assert error.field == "inputs.logo"
    assert f"declare logo as '{leaf}'" in error.message


@pytest.mark.parametrize("controller", [PARALLEL, CONDITION], ids=["parallel", "condition"])
@pytest.mark.parametrize(
    ("declared", "leaf"),
    [("Image", "Image"), ("Visual", "Visual"), ("native.Image", "Image"), ("Visual", "Anything")],
)
def test_the_concept_read_or_anything_is_accepted(controller: str, declared: str, leaf: str) -> None:
    assert validate(studio(controller, declared, leaf)).is_valid


@pytest.mark.parametrize(("declared", "leaf"), [("Visual", "Image"), ("Image", "Visual"), ("Note", "Text")])
def test_a_sequence_still_hands_on_what_fits(declared: str, leaf: str) -> None:
    # the reference accepts these in a sequence (and in a PipeBatch's branch): the rule is the two controllers'
    assert validate(studio(SEQUENCE, declared, leaf)).is_valid


USE_VISUAL = """
[pipe.use_visual]
type = "PipeLLM"
description = "Use the visual"
inputs = { logo = "Visual" }
output = "Text"
prompt = "Describe $logo"
"""


def two_branches(declared: str, order: str) -> str:
    first, second = ("use_it", "use_visual") if order == "image_first" else ("use_visual", "use_it")
    return studio(PARALLEL, declared, "Image").replace(
        'branches = [ { pipe = "use_it", result = "out" } ]',
        f'branches = [ {{ pipe = "{first}", result = "out" }}, {{ pipe = "{second}", result = "out2" }} ]',
    ) + textwrap.dedent(USE_VISUAL)


@pytest.mark.parametrize(
    ("declared", "order", "valid"),
    [
        ("Visual", "image_first", True),
        ("Image", "image_first", False),
        ("Image", "visual_first", True),
        ("Visual", "visual_first", False),
    ],
)
def test_branches_reading_two_concepts_the_last_decides(declared: str, order: str, valid: bool) -> None:
    # the reference, the same on every run: branches reading Image then Visual take a Visual ("It accepts: Visual"
    # for an Image), in the other order an Image
    report = validate(two_branches(declared, order))
    if valid:
        assert report.is_valid
    else:
        assert error_types(report) == ["input_stuff_spec_mismatch"]
        assert "the last branch of 'main' reading it" in report.errors[0].message


@pytest.mark.parametrize("declared", ["Image", "Visual"])
@pytest.mark.parametrize("default", ["use_it", "use_visual"])
def test_outcomes_reading_two_concepts_take_either(declared: str, default: str) -> None:
    # the reference's answer here changes from one run to the next (the same bundle valid, then refused): either
    # concept an outcome reads is taken
    text = studio(CONDITION, declared, "Image").replace(
        'default_outcome = "use_it"', f'default_outcome = "{default}"'
    ).replace('a = "use_it"', f'a = "{"use_visual" if default == "use_it" else "use_it"}"') + textwrap.dedent(
        USE_VISUAL
    )
    assert validate(text).is_valid


def test_a_batched_branch_reads_the_list_as_its_items_concept() -> None:
    text = studio(PARALLEL, "Visual[]", "Image").replace(
        'branches = [ { pipe = "use_it", result = "out" } ]',
        'branches = [ { pipe = "use_it", batch_over = "logo", batch_as = "logo", result = "out" } ]',
    )
    text = text.replace('inputs = { logo = "Visual[]" }', 'inputs = { logos = "Visual[]" }').replace(
        'batch_over = "logo"', 'batch_over = "logos"'
    )
    report = validate(text)
    assert error_types(report) == ["input_stuff_spec_mismatch"]
    assert "declare logos as 'Image[]'" in report.errors[0].message


def test_a_condition_over_a_sequence_reads_what_the_sequence_declares() -> None:
    text = studio(CONDITION, "Visual", "Image").replace(
        'default_outcome = "use_it"', 'default_outcome = "inner"'
    ).replace('a = "use_it"', 'a = "inner"') + textwrap.dedent(
        """
        [pipe.inner]
        type = "PipeSequence"
        description = "Run the step"
        inputs = { logo = "Image" }
        output = "Text"
        steps = [ { pipe = "use_it", result = "out" } ]
        """
    )
    report = validate(text)
    assert error_types(report) == ["input_stuff_spec_mismatch"]
    assert report.errors[0].pipe == "main"


@pytest.mark.parametrize("controller", [PARALLEL, CONDITION], ids=["parallel", "condition"])
@pytest.mark.parametrize("declared", ["Image", "Visual"])
def test_a_concept_that_does_not_fit_is_reported_once(controller: str, declared: str) -> None:
    # an image for a Text: the call's own mismatch (the reference: "It accepts: Text"), not a second error at the
    # declaration
    report = validate(studio(controller, declared, "Text"))
    assert error_types(report) == ["input_stuff_spec_mismatch"]
    assert report.errors[0].field != "inputs.logo"


@pytest.mark.parametrize(("inner_declares", "valid"), [("Image", False), ("Visual", True)])
def test_a_parallel_over_a_sequence_reads_what_the_sequence_declares(
    inner_declares: str, valid: bool
) -> None:
    # the reference: the branch's use is the sequence's declaration (Visual for an inner sequence declaring Image:
    # "It accepts: Image"); the sequence itself hands its Visual on to a step reading Image
    text = studio(PARALLEL, "Visual", "Image").replace(
        'branches = [ { pipe = "use_it", result = "out" } ]',
        'branches = [ { pipe = "inner", result = "out" } ]',
    ) + textwrap.dedent(
        f"""
        [pipe.inner]
        type = "PipeSequence"
        description = "Run the step"
        inputs = {{ logo = "{inner_declares}" }}
        output = "Text"
        steps = [ {{ pipe = "use_it", result = "out" }} ]
        """
    )
    report = validate(text)
    assert report.is_valid is valid
    if not valid:
        assert error_types(report) == ["input_stuff_spec_mismatch"]


def test_a_parallel_over_a_batch_reads_the_batch_s_list() -> None:
    text = studio(PARALLEL, "Visual[]", "Image").replace(
        'branches = [ { pipe = "use_it", result = "out" } ]',
        'branches = [ { pipe = "each", result = "out" } ]',
    ).replace('inputs = { logo = "Visual[]" }', 'inputs = { logos = "Visual[]" }') + textwrap.dedent(
        """
        [pipe.each]
        type = "PipeBatch"
        description = "Each logo"
        inputs = { logos = "Image[]" }
        output = "Text[]"
        branch_pipe_code = "use_it"
        input_list_name = "logos"
        input_item_name = "logo"
        """
    )
    report = validate(text)
    assert error_types(report) == ["input_stuff_spec_mismatch"]
    assert "declare logos as 'Image[]'" in report.errors[0].message
