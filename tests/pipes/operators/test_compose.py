"""PipeCompose in construct mode: a key the output structure does not declare builds nothing. In template mode,
``{{ x }}`` prints each kind of content as the language prints it (see tests/concepts/test_natives_text.py)."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.validation.report import validate_library

DIGEST = textwrap.dedent("""
    domain = "news_digest"
    main_pipe = "compose_digest"

    [concept.Digest]
    description = "A digest of an article"
    [concept.Digest.structure]
    headline = { type = "text", description = "The headline", required = true }
    word_count = { type = "integer", description = "Words in the article" }
    [concept.Digest.structure.source]
    type = "concept"
    concept_ref = "Source"
    description = "Where it comes from"

    [concept.Source]
    description = "A source"
    [concept.Source.structure]
    name = { type = "text", description = "Name", required = true }

    [pipe.compose_digest]
    type = "PipeCompose"
    description = "Assemble the digest"
    inputs = { headline = "Text" }
    output = "Digest"

    [pipe.compose_digest.construct]
    headline = { from = "headline.text" }
    word_count = 120
    author = "me"
    source = { name = "Wire", country = "FR" }
""")


def test_a_construct_key_the_structure_lacks_is_ignored_and_the_bundle_validates() -> None:
    report = validate_library(build_library([(DIGEST, "digest.mthds")]), default_deck())
    assert report.is_valid, [e.message for e in report.errors]


async def test_a_construct_builds_only_the_declared_fields() -> None:
    runner = PipelexRunner(mthds_content=DIGEST, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    output = await runner.execute_pipeline({"headline": "Rain in Rennes"})
    built = output.main_stuff_json()
    assert built["headline"] == "Rain in Rennes" and built["word_count"] == 120
    assert built["source"] == {"name": "Wire"}
    assert "author" not in built


SHOW = textwrap.dedent("""
    domain = "show_case"
    main_pipe = "show"

    [concept.Ticket]
    description = "A ticket"
    [concept.Ticket.structure]
    title = { type = "text", description = "Title", required = true }
    score = { type = "number", description = "Score", required = true }
    tags = { type = "list", item_type = "text", description = "Tags", required = true }

    [concept.Category]
    description = "A category"
    refines = "Text"

    [pipe.show]
    type = "PipeCompose"
    description = "Print the input"
    inputs = { x = "CONCEPT" }
    output = "Text"
    template = "TEMPLATE"
""")

TICKET = {"title": "Broken", "score": 3, "tags": ["a", "b"]}
TICKET_TEXT = "# title: Broken\n\n# score: 3.0\n\n# tags\n\n- a\n- b"


@pytest.mark.parametrize(
    ("concept", "content", "template", "printed"),
    [
        ("Text", "urgent", "A[{{ x }}]B", "A[urgent]B"),
        ("Text", "urgent", "A[{{ x.text }}]B", "A[urgent]B"),
        ("Category", "billing", "A[{{ x }}]B", "A[billing]B"),
        ("Number", {"number": 3}, "A[{{ x }}]B", "A[3]B"),
        ("Number", {"number": 2.5}, "A[{{ x }}]B", "A[2.5]B"),
        ("YesNo", {"yes_no": False}, "A[{{ x }}]B", "A[no]B"),
        ("Choice", {"choice": "red"}, "A[{{ x }}]B", "A[red]B"),
        ("Rating", {"level": 4, "label": "good"}, "A[{{ x }}]B", "A[good]B"),
        ("Date", {"date": "2024-05-01"}, "A[{{ x }}]B", "A[2024-05-01]B"),
        ("Time", {"time": "10:30"}, "A[{{ x }}]B", "A[10:30:00]B"),
        ("Image", {"url": "https://example.com/a.png"}, "A[{{ x }}]B", "A[https://example.com/a.png]B"),
        ("Document", {"url": "https://example.com/a.pdf"}, "A[{{ x }}]B", "A[https://example.com/a.pdf]B"),
        ("TextAndImages", {"text": {"text": "hello"}}, "A[{{ x }}]B", "A[hello]B"),
        ("Html", {"inner_html": "<b>x</b>"}, "A[{{ x }}]B", "A[<b>x</b>]B"),
        ("JSON", {"json_obj": {"a": 1}}, "A[{{ x }}]B", 'A[{\n    "a": 1\n}]B'),
        ("Ticket", TICKET, "A[{{ x }}]B", f"A[{TICKET_TEXT}]B"),
        ("Ticket", TICKET, "A[{{ x.title }}]B", "A[Broken]B"),
        ("Ticket", TICKET, "A[{{ x.tags }}]B", "A[['a', 'b']]B"),  # a plain list field: Python's form
        ("Text[]", ["a", "b"], "A[{{ x }}]B", "A[ • a\n • b\n]B"),
        ("Text[]", ["a", "b"], "A[{% for i in x %}<{{ i }}>{% endfor %}]B", "A[<a><b>]B"),
        ("Number[]", [{"number": 3}], "A[{{ x }}]B", "A[\n • item #1:\n\n3\n]B"),
        ("Ticket[]", [TICKET], "A[{{ x }}]B", f"A[\n • item #1:\n\n{TICKET_TEXT}\n]B"),
        ("Ticket[]", [TICKET], "A[{% for t in x %}<{{ t }}>{% endfor %}]B", f"A[<{TICKET_TEXT}>]B"),
        ("Category[]", ["billing"], "A[{{ x }}]B", "A[\n • item #1:\n\nbilling\n]B"),
        ("Text", "urgent", "A[{{ x | upper }}]B", "A[URGENT]B"),
        # $x and @x write the same text as {{ x }} (the plain text format), as the reference writes them
        ("Time", {"time": "10:30"}, "A[$x]B", "A[10:30:00]B"),
        ("Ticket", TICKET, "A[$x]B", f"A[{TICKET_TEXT}]B"),
        ("Ticket", TICKET, "A\n@x\nB", f"A\n<x>\n{TICKET_TEXT}\n</x>\nB"),
        ("Ticket", TICKET, "A[$x.tags]B", "A[['a', 'b']]B"),
        ("Ticket", TICKET, "A[$x.score]B", "A[3.0]B"),
        ("Text[]", ["a", "b"], "A[$x]B", "A[ • a\n • b\n]B"),
        ("Text[]", ["a", "b"], "A\n@x\nB", "A\n<x>\n • a\n • b\n\n</x>\nB"),
        (
            "Number[]",
            [{"number": 3}, {"number": 3}],
            "A[$x]B",
            "A[\n • item #1:\n\n3\n\n • item #2:\n\n3\n]B",
        ),
        (
            "Image[]",
            [{"url": "https://example.com/a.png"}],
            "A\n@x\nB",
            "A\n<x>\n\n • item #1:\n\n![https://example.com/a.png](https://example.com/a.png)\n\n</x>\nB",
        ),
    ],
)
async def test_a_template_prints_each_kind_of_content_as_the_language_does(
    concept: str, content: Any, template: str, printed: str
) -> None:
    bundle = SHOW.replace("CONCEPT", concept).replace('"TEMPLATE"', json.dumps(template))
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    item_concept = concept.removesuffix("[]")
    output = await runner.execute_pipeline({"x": {"concept": item_concept, "content": content}})
    assert output.main_stuff_json() == {"text": printed}


WEIGHT = textwrap.dedent("""
    domain = "scales"
    main_pipe = "make"

    [concept.Weight]
    description = "A weight"
    structure = { kg = { type = "number", required = true, description = "kilograms" } }

    [pipe.make]
    type = "PipeCompose"
    description = "Builds a weight from a note"
    inputs = { note = "Text" }
    output = "Weight"

    [pipe.make.construct]
    kg = { from = "note" }
""")


async def test_a_construct_that_does_not_fit_names_the_field_and_what_it_takes() -> None:
    """The error shows the value as JSON and the field's need, not a Python repr and pydantic's words."""
    from pipelex.errors import PipeRunError

    runner = PipelexRunner(mthds_content=WEIGHT, pipe_run_mode=PipeRunMode.LIVE)
    with pytest.raises(PipeRunError) as caught:
        await runner.execute_pipeline(inputs={"note": "heavy"})
    assert str(caught.value).startswith(
        """pipe 'make': the construct does not fit scales.Weight: field 'kg' is {"text": "heavy"}, but it takes """
        "a number"
    ), str(caught.value)
    assert "{'" not in str(caught.value) and "Input should" not in str(caught.value)
    report = validate_library(build_library([(WEIGHT, "scales.mthds")]), default_deck())
    [error] = report.errors  # the sweep finds it too, in the same words
    assert error.error_type == "DryRunError" and "field 'kg' is {\"text\": " in error.message
