"""PipeCompose in construct mode: a key the output structure does not declare builds nothing."""

from __future__ import annotations

import textwrap

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
