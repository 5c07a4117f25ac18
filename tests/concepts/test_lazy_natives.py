"""The natives' content classes but Text's (and the lists') are made on first use (``pipelex/concepts/natives.py``):
a command creates only the classes its bundles' contents need, and code asking which native a value or a class
is (``native_kind``, ``native_name``, ``made``) makes none, since no value of a class never made can exist."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from pipelex.concepts import natives
from pipelex.concepts.natives import (
    NATIVE_CLASS_NAMES,
    NATIVE_CONTENT,
    StuffContent,
    TextContent,
    made,
    native_kind,
    native_kind_of,
    native_name,
)

ROOT = Path(__file__).resolve().parents[2]


def _fresh(script: str) -> dict[str, object]:
    """Run ``script`` in a fresh interpreter; it prints one JSON line last."""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120, check=True
    )
    return json.loads(result.stdout.splitlines()[-1])


def _made_in(script: str) -> list[str]:
    """The modules of native classes made on first use that ``script`` loaded (``base`` holds what all need)."""
    return _fresh(
        script
        + "\nimport json, sys\n"
        + "print(json.dumps(sorted(m for m in sys.modules if m.startswith('pipelex.concepts.native_classes.')"
        + " and m != 'pipelex.concepts.native_classes.base')))"
    )  # type: ignore[return-value]


def test_asking_which_native_makes_no_class() -> None:
    made_modules = _made_in(
        "from pipelex.concepts.natives import NATIVE_CONTENT, TextContent, made, native_kind, native_name\n"
        "assert native_name(TextContent) == 'TextContent' and native_kind(TextContent(text='x')) == 'TextContent'\n"
        "assert native_name(dict) is None and native_kind(3) is None\n"
        "assert made('ImageContent') is None and made('NumberContent') is None\n"
        "assert list(NATIVE_CONTENT)[:3] == ['Text', 'Markdown', 'Html'] and 'Image' in NATIVE_CONTENT\n"
        "assert len(NATIVE_CONTENT) == 18 and NATIVE_CONTENT['Text'] is TextContent\n"
    )
    assert made_modules == []


def test_a_class_is_made_by_its_first_use_and_only_its_module() -> None:
    made_modules = _made_in(
        "from pipelex.concepts import natives\n"
        "from pipelex.concepts.natives import NATIVE_CONTENT, made\n"
        "page = NATIVE_CONTENT['Page']\n"
        "assert made('PageContent') is page and made('ImageContent') is not None and made('NumberContent') is None\n"
        "from pipelex.concepts.natives import DateContent\n"
        "assert natives.DateContent is DateContent and made('TimeContent') is natives.TimeContent\n"
    )
    # the page needs the text with images and the image; the date module holds the time too
    assert made_modules == [
        "pipelex.concepts.native_classes.dates",
        "pipelex.concepts.native_classes.image",
        "pipelex.concepts.native_classes.pages",
    ]


def test_a_small_command_makes_none_of_them(tmp_path: Path) -> None:
    """order_desk and menu_card's contents are texts, lists and structures: their validate and dry run make no
    other native class (the dry run's mocks, renders and checks ask which native a value is)."""
    for argv in (
        ["validate", "bundle", "benchmarks/bundles/order_desk.mthds"],
        ["run", "bundle", "benchmarks/bundles/order_desk.mthds", "--dry-run", "-i",
         "benchmarks/bundles/order_desk_inputs.json", "-o", str(tmp_path / "od")],
        ["run", "bundle", "examples/menu_card.mthds", "--dry-run", "--mock-inputs", "-o", str(tmp_path / "mc")],
    ):  # fmt: skip
        made_modules = _made_in(
            f"import sys\nfrom pipelex.cli.main import main\ncode = main({argv!r})\nassert code == 0, code\n"
        )
        assert made_modules == [], (argv, made_modules)


def test_every_native_class_is_the_one_its_code_names() -> None:
    for code, name in NATIVE_CLASS_NAMES.items():
        cls = NATIVE_CONTENT[code]
        assert cls.__name__ == name and getattr(natives, name) is cls and made(name) is cls
        assert issubclass(cls, StuffContent)
        assert native_name(cls) == name and native_kind_of(cls) == name
    assert dict(NATIVE_CONTENT.items()) == {
        code: getattr(natives, n) for code, n in NATIVE_CLASS_NAMES.items()
    }
    # no native class derives from another: a value is an instance of at most one (what native_kind relies on)
    classes = set(NATIVE_CONTENT.values())
    for cls in classes:
        assert [other for other in classes if issubclass(cls, other)] == [cls]


@pytest.mark.parametrize("code", sorted(NATIVE_CLASS_NAMES))
def test_native_kind_answers_as_isinstance(code: str) -> None:
    cls = NATIVE_CONTENT[code]
    refined = type(
        f"Refined{cls.__name__}", (cls,), {"__module__": __name__}
    )  # a concept refining the native
    assert native_name(refined) is None
    assert native_kind_of(refined) == cls.__name__
    for other in NATIVE_CONTENT.values():
        assert (native_kind_of(refined) == other.__name__) == issubclass(refined, other)
    assert native_kind_of(BaseModel) is None and native_kind_of(StuffContent) is None
    assert native_kind(refined.model_construct()) == native_kind(cls.model_construct()) == cls.__name__


def test_a_value_of_each_native_renders_and_mocks_as_before() -> None:
    """Spot checks of the dispatch by name: the renderer, the values and the mocks pick the native's own case."""
    from pipelex.concepts.mocks import mock_content
    from pipelex.pipes.rendering import format_value

    assert format_value(natives.NumberContent(number=3)) == "3"
    assert format_value(natives.YesNoContent(yes_no=False)) == "no"
    assert format_value(natives.RatingContent(level=2)) == "2"
    assert format_value(natives.HtmlContent(inner_html="<b>x</b>")) == "<b>x</b>"
    assert format_value(natives.DateContent(date="2026-01-02", time="10:00")) == "2026-01-02 10:00"
    assert format_value(natives.JSONContent(json_obj={"a": 1})) == '{\n    "a": 1\n}'
    assert (
        format_value(natives.SearchResultContent(answer="a")) == '{\n    "answer": "a",\n    "sources": []\n}'
    )
    assert format_value(TextContent(text="t")) == "t"
    page = mock_content(natives.PageContent, label="p")
    assert isinstance(page, natives.PageContent) and format_value(page) == "DRY RUN: page text"
    assert isinstance(mock_content(natives.AnythingContent, label="a"), natives.AnythingContent)
