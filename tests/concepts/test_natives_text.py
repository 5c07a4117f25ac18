"""How a template prints a content (``str()``): each native as the language prints it, a structure as headed
lines, a list input as bullets (Text) or numbered items (any other concept). The expected texts are what the
reference (pipelex 0.92.2) renders for ``{{ x }}`` in a PipeCompose."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import BaseModel

from pipelex.concepts.natives import (
    ChoiceContent,
    ContentList,
    DateContent,
    DocumentContent,
    HtmlContent,
    ImageContent,
    JSONContent,
    ListContent,
    NumberContent,
    PageContent,
    RatingContent,
    SearchResultContent,
    StuffContent,
    TextAndImagesContent,
    TextContent,
    TimeContent,
    YesNoContent,
    structure_text,
)

IMAGE = ImageContent(url="https://example.com/a.png")


@pytest.mark.parametrize(
    ("content", "printed"),
    [
        (TextContent(text="urgent"), "urgent"),
        (TextContent(text="héllo\n  wörld "), "héllo\n  wörld "),
        (NumberContent(number=3), "3"),
        (NumberContent(number=3.0), "3.0"),
        (NumberContent(number=1e20), "1e+20"),
        (YesNoContent(yes_no=True), "yes"),
        (YesNoContent(yes_no=False, probability=0.2), "no"),
        (ChoiceContent(choice="red", confidence=0.5), "red"),
        (RatingContent(level=4, label="good"), "good"),
        (RatingContent(level=4), "4"),
        (DateContent(date="2024-05-01"), "2024-05-01"),
        (DateContent(date="2024-05-01", time="10:30"), "2024-05-01T10:30:00"),
        (TimeContent(time="10:30"), "10:30:00"),
        (TimeContent(time="10:30:15"), "10:30:15"),
        (TimeContent(time="10:30+02:00"), "10:30:00+02:00"),
        (TimeContent(time="teatime"), "teatime"),  # no ISO time: as written
        (ImageContent(url="https://example.com/a.png", caption="a cat"), "https://example.com/a.png"),
        (DocumentContent(url="https://example.com/a.pdf"), "https://example.com/a.pdf"),
        (DocumentContent(url="https://example.com/a.pdf", title="T"), "- T: https://example.com/a.pdf"),
        (TextAndImagesContent(text=TextContent(text="hello"), images=[IMAGE]), "hello"),
        (TextAndImagesContent(images=[IMAGE]), ""),
        (HtmlContent(inner_html="<i>y</i>", css_class="c"), "<i>y</i>"),
        (
            JSONContent(json_obj={"a": [1, {"b": "é"}], "c": None}),
            '{\n    "a": [\n        1,\n        {\n'
            '            "b": "\\u00e9"\n        }\n    ],\n    "c": null\n}',
        ),
        (SearchResultContent(answer="42"), "42"),
        (
            SearchResultContent(
                answer="42",
                sources=[
                    DocumentContent(url="https://e.com/a.pdf", title="T"),
                    DocumentContent(url="https://e.com/b.pdf"),
                ],
            ),
            "42\n\nSources:\n- T: https://e.com/a.pdf\nhttps://e.com/b.pdf",
        ),
        (
            PageContent(text_and_images=TextAndImagesContent(text=TextContent(text="pg"))),
            "# text_and_images\n\n## text: ### text: pg\n\n## images: None\n\n## raw_html: None\n\n# page_view: None",
        ),
    ],
)
def test_a_native_prints_as_the_language_prints_it(content: StuffContent, printed: str) -> None:
    assert str(content) == printed
    assert f"{content}" == printed  # format() goes through __str__ as well


class Item(StuffContent):
    name: str
    notes: list[str]


class Ticket(StuffContent):
    title: str
    score: float
    urgent: bool
    tags: list[str]
    items: list[Item]
    label: TextContent
    when: dt.date
    maybe: str | None = None


TICKET = Ticket(
    title="Broken",
    score=3,
    urgent=True,
    tags=["a", "b"],
    items=[Item(name="a\nb", notes=["x", "y"]), Item(name="c", notes=[])],
    label=TextContent(text="inner"),
    when=dt.date(2024, 5, 1),
)


def test_a_structure_prints_its_fields_as_headed_lines() -> None:
    assert str(TICKET) == (
        "# title: Broken\n\n"
        "# score: 3.0\n\n"
        "# urgent: True\n\n"
        "# tags\n\n- a\n- b\n\n"  # a value on several lines goes below its heading
        "# items\n\n- ## name\n  a\n  b\n  ## notes\n  - x\n  - y\n- ## name: c\n  ## notes: \n\n"
        "# label: ## text: inner\n\n"  # a nested structure one level deeper, inline when one line
        "# when: 2024-05-01\n\n"
        "# maybe: None"
    )


def test_structure_text_reads_mappings_and_models_alike() -> None:
    class Inner(BaseModel):
        k: str

    assert structure_text({"inner": Inner(k="v"), "meta": {"k": "v", "k2": "v2"}}) == (
        "# inner: ## k: v\n\n# meta\n\n## k: v\n\n## k2: v2"
    )


def test_a_list_of_text_prints_as_bullets() -> None:
    texts = [TextContent(text="a\nb"), TextContent(text="c")]
    assert str(ContentList(texts, bulleted=True)) == " • a\nb\n • c\n"
    assert str(ContentList([], bulleted=True)) == ""
    assert str(ListContent(items=texts)) == " • a\nb\n • c\n"


def test_any_other_list_prints_numbered_items() -> None:
    numbers = ContentList([NumberContent(number=3), YesNoContent(yes_no=True)], bulleted=False)
    assert str(numbers) == "\n • item #1:\n\n3\n\n • item #2:\n\nyes\n"
    # a refined text (Markdown, a concept refining Text) is numbered as well
    assert str(ContentList([TextContent(text="# h")], bulleted=False)) == "\n • item #1:\n\n# h\n"
    # in a list, an image or a document is a Markdown link, a JSON object its fields
    assert str(ContentList([IMAGE], bulleted=False)) == (
        "\n • item #1:\n\n![https://example.com/a.png](https://example.com/a.png)\n"
    )
    document = DocumentContent(url="https://example.com/a.pdf")
    assert str(ContentList([document], bulleted=False)) == (
        "\n • item #1:\n\n[https://example.com/a.pdf](https://example.com/a.pdf)\n"
    )
    assert str(ContentList([JSONContent(json_obj={"a": 1})], bulleted=False)) == "\n • item #1:\n\n# a: 1\n"
    assert str(ListContent(items=[NumberContent(number=3)])) == "\n • item #1:\n\n3\n"


def test_a_content_list_is_still_a_list() -> None:
    items = ContentList([TextContent(text="a"), TextContent(text="b")], bulleted=True)
    assert isinstance(items, list) and len(items) == 2 and items[1].text == "b"
    assert [str(item) for item in items] == ["a", "b"]
