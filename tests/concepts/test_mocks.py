"""Dry-run mocks stay reproducible: the same label gives the same mock, whatever shortcut draws it."""

from __future__ import annotations

import random
import string

from pipelex.concepts.mocks import mock_content, random_word, rng_for
from pipelex.concepts.natives import TextContent


def _choice_word(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(length))


def test_random_word_draws_the_letters_random_choice_draws() -> None:
    for index in range(2000):
        fast, reference = rng_for(f"pipe.input{index}"), rng_for(f"pipe.input{index}")
        length = index % 14
        assert random_word(fast, length) == _choice_word(reference, length)
        assert fast.getstate() == reference.getstate()  # and leaves the source where choice leaves it


def test_random_word_of_another_random_source_uses_its_choice() -> None:
    class Counting(random.Random):
        calls = 0

        def choice(self, seq):  # type: ignore[no-untyped-def, override]
            Counting.calls += 1
            return super().choice(seq)

    word = random_word(Counting("x"), 5)
    assert len(word) == 5 and word.isalpha() and Counting.calls == 5


def test_a_mock_text_is_the_same_for_the_same_label() -> None:
    first = mock_content(TextContent, label="note", rng=rng_for("pipe.note"))
    again = mock_content(TextContent, label="note", rng=rng_for("pipe.note"))
    other = mock_content(TextContent, label="note", rng=rng_for("pipe.other"))
    assert isinstance(first, TextContent) and isinstance(other, TextContent)
    assert first == again
    assert first.text.startswith("DRY RUN: mock text for note (") and first != other


def test_a_mock_text_is_the_content_its_validation_makes() -> None:
    made = mock_content(TextContent, label="note", rng=rng_for("pipe.note"))
    assert isinstance(made, TextContent)
    validated = TextContent.model_validate({"text": made.text})
    assert made == validated
    assert made.model_fields_set == validated.model_fields_set
    assert made.model_dump_json() == validated.model_dump_json()
    # the word drawn is the one random.choice draws for the label (the values users see in dry runs)
    assert made.text == f"DRY RUN: mock text for note ({_choice_word(rng_for('pipe.note'), 8)})"
