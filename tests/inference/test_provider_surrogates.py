"""A provider's reply holding a lone UTF-16 surrogate (``"\\ud83d"``, half an emoji: a JSON escape the SDKs read into
a string no UTF-8 text can carry) is mended, each lone surrogate made U+FFFD as a decoder mends bytes it cannot
read: the run failed with a bare ``UnicodeEncodeError`` where the output was digested (a 500 on the API)."""

from __future__ import annotations

import pytest

from pipelex.narrowing import mend_json, mend_text
from pipelex.testing.fake_provider import FakeProvider
from tests.inference.conftest import RunBundle

BUNDLE = """domain = "t"
main_pipe = "say"

[concept.Gist]
description = "A gist"

[concept.Gist.structure]
gist = { type = "text", description = "the gist" }

[pipe.say]
type = "PipeLLM"
description = "x"
inputs = { note = "Text" }
output = "Text"
prompt = "Say $note"

[pipe.fill]
type = "PipeLLM"
description = "x"
inputs = { note = "Text" }
output = "Gist"
prompt = "Fill from $note"
"""


def test_mending_replaces_lone_surrogates_only() -> None:
    assert mend_text("ok é 😀") == "ok é 😀"
    assert mend_text("a\ud83db \udc00") == "a\ufffdb \ufffd"
    data = {"k\ud800": ["x", {"y": "\udfff"}, 3], "fine": "😀"}
    assert mend_json(data) == {"k\ufffd": ["x", {"y": "\ufffd"}, 3], "fine": "😀"}
    clean = {"a": ["b"]}
    assert mend_json(clean) is clean


async def test_a_text_reply_with_a_lone_surrogate_is_mended(
    live: FakeProvider, run_bundle: RunBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipelex.testing.fake_provider as fake

    monkeypatch.setattr(fake, "_text_reply", lambda *_: "half an emoji \ud83d here")
    out = await run_bundle(BUNDLE, {"note": "hi"})
    assert out.main_stuff_json() == {"text": "half an emoji \ufffd here"}


async def test_a_structured_reply_with_a_lone_surrogate_escape_is_mended(
    live: FakeProvider, run_bundle: RunBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipelex.testing.fake_provider as fake

    monkeypatch.setattr(fake, "instance_from_schema", lambda *_: {"gist": "cut \ud83d short"})
    out = await run_bundle(BUNDLE, {"note": "hi"}, pipe="fill")
    assert out.main_stuff_json() == {"gist": "cut \ufffd short"}
