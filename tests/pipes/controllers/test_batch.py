"""PipeBatch runs its branch once per item; its output is the declared list of what the branches produce."""

from __future__ import annotations

import textwrap

from pipelex.config.deck import default_deck
from pipelex.language.library import build_library
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.validation.report import validate_library

# a user's batch: three questions per chapter, the batch declared as one list of questions
QUIZ = textwrap.dedent("""
    domain = "quiz_maker"
    main_pipe = "quiz_all_chapters"

    [concept]
    Chapter = "A chapter of a course"

    [concept.Question]
    description = "A quiz question"

    [concept.Question.structure]
    question = { type = "text", description = "The question", required = true }
    correct_index = { type = "integer", description = "Index of the right answer", required = true }

    [pipe.quiz_all_chapters]
    type = "PipeBatch"
    description = "Questions for each chapter"
    inputs = { chapters = "Chapter[]" }
    output = "Question[]"
    branch_pipe_code = "quiz_one_chapter"
    input_list_name = "chapters"
    input_item_name = "chapter"

    [pipe.quiz_one_chapter]
    type = "PipeLLM"
    description = "Three questions on one chapter"
    inputs = { chapter = "Chapter" }
    output = "Question[3]"
    prompt = "Write three quiz questions on this chapter: $chapter"
""")


def test_a_batch_of_a_branch_that_makes_a_list_validates() -> None:
    report = validate_library(build_library([(QUIZ, "quiz.mthds")]), default_deck())
    assert report.is_valid, [e.message for e in report.errors]


async def test_a_batch_of_a_branch_that_makes_a_list_holds_every_item_of_every_branch_in_order() -> None:
    runner = PipelexRunner(mthds_content=QUIZ, pipe_run_mode=PipeRunMode.DRY, backend="direct")
    output = await runner.execute_pipeline({"chapters": ["Fractions", "Decimals"]})
    items = output.main_stuff_json()["items"]
    assert isinstance(items, list) and len(items) == 6  # 2 chapters x 3 questions, one flat list
    assert all(isinstance(item, dict) and set(item) == {"question", "correct_index"} for item in items)


async def test_a_batch_declaring_a_count_or_a_single_value_holds_what_its_branches_made() -> None:
    """A batch makes one list of every branch's items whatever multiplicity its output declares (the reference
    validates and runs ``Question[4]`` or ``Question`` here); it is validated and run, not refused."""
    for declared in ("Question[4]", "Question"):
        text = QUIZ.replace(
            'output = "Question[]"\nbranch_pipe_code', f'output = "{declared}"\nbranch_pipe_code'
        )
        report = validate_library(build_library([(text, "quiz.mthds")]), default_deck())
        assert report.is_valid, [e.message for e in report.errors]
        runner = PipelexRunner(mthds_content=text, pipe_run_mode=PipeRunMode.DRY, backend="direct")
        output = await runner.execute_pipeline({"chapters": ["Fractions", "Decimals"]})
        items = output.main_stuff_json()["items"]
        assert isinstance(items, list) and len(items) == 6
