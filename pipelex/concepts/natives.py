"""The 18 native concepts (domain ``native``) and their content models.

A content's ``str()`` is how a template prints it (``{{ x }}``, a PipeCondition's expression): a text is its text,
a number its number, a yes/no ``yes`` or ``no``, a choice its choice, a rating its label (else its level), a date
or time its ISO form, an image or a document its URL, a text with images its text, a JSON object its JSON
(indented by 4), and any other content (a structured concept, a page) its fields as headed lines (see
:func:`structure_text`). A list input prints as :class:`ContentList` says. The Jinja2 path and the Jinja-free
renderer both call ``str()``, so they agree by construction.
"""

from collections.abc import Iterable, Mapping
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field


def structure_text(data: Mapping[str, Any], level: int = 1) -> str:
    """The fields of a structure as a template prints them: one entry per field, ``# name: value`` when its value
    is one line, else ``# name`` then the value below; a nested structure one heading level deeper (``##``), a
    list as ``- item`` lines (an item on several lines continues indented). Entries are separated by a blank line.
    """
    return "\n\n".join(_entry_text(str(name), value, level) for name, value in data.items())


def _entry_text(name: str, value: Any, level: int) -> str:
    text = _value_text(value, level + 1)
    heading = "#" * level
    return f"{heading} {name}\n\n{text}" if "\n" in text else f"{heading} {name}: {text}"


def _value_text(value: Any, level: int) -> str:
    if isinstance(value, BaseModel):
        return structure_text(value.model_dump(), level)
    if isinstance(value, Mapping):
        return structure_text(cast("Mapping[str, Any]", value), level)
    if isinstance(value, list | tuple):
        return "\n".join(_list_item_text(item, level) for item in cast("Iterable[Any]", value))
    return str(value)


def _list_item_text(item: Any, level: int) -> str:
    lines = [line for line in _value_text(item, level).split("\n") if line]
    if not lines:
        return "- "
    return "\n".join([f"- {lines[0]}", *(f"  {line}" for line in lines[1:])])


def _iso_time(time: str) -> str:
    """A time of day in ISO form with its seconds (``10:30`` is ``10:30:00``); a text that is no ISO time as is."""
    import datetime as dt

    try:
        return dt.time.fromisoformat(time).isoformat()
    except ValueError:
        return time


class StuffContent(BaseModel):
    """Base of every content model."""

    # defer_build: a content model's validator is built when it is first used, so a command pays only for the
    # natives its bundles use (building the 20 of them at import took ~5 ms of every command's start-up)
    model_config = ConfigDict(extra="forbid", defer_build=True)

    def __str__(self) -> str:
        """How a template prints the content: its fields as headed lines (see :func:`structure_text`)."""
        return structure_text(self.model_dump())

    def markdown_text(self) -> str:
        """How the content prints as an item of a printed list (an image shows as a Markdown image)."""
        return str(self)


class TextContent(StuffContent):
    """A text."""

    text: str

    def __str__(self) -> str:
        return self.text


def text_content(text: str) -> TextContent:
    """``TextContent(text=text)``: for a ``str`` (the text a template renders, once per batch item), built as the
    validation leaves it (the one field set), without running it; anything else is validated."""
    if type(text) is not str:
        return TextContent(text=text)
    content = TextContent.__new__(TextContent)
    _set = object.__setattr__
    _set(content, "__dict__", {"text": text})
    _set(content, "__pydantic_fields_set__", {"text"})
    _set(content, "__pydantic_extra__", None)
    _set(content, "__pydantic_private__", None)
    return content


class HtmlContent(StuffContent):
    """An HTML fragment."""

    inner_html: str
    css_class: str | None = None

    def __str__(self) -> str:
        return self.inner_html


class ImageContent(StuffContent):
    """An image, by URL."""

    url: str
    public_url: str | None = None
    source_prompt: str | None = None
    source_negative_prompt: str | None = None
    caption: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    filename: str | None = None

    def __str__(self) -> str:
        return self.url

    def markdown_text(self) -> str:
        return f"![{self.url}]({self.url})"


class DocumentContent(StuffContent):
    """A document (PDF and other formats), by URL."""

    url: str
    public_url: str | None = None
    mime_type: str | None = None
    filename: str | None = None
    title: str | None = None
    snippet: str | None = None

    def __str__(self) -> str:
        return f"- {self.title}: {self.url}" if self.title else self.url

    def markdown_text(self) -> str:
        return f"[{self.url}]({self.url})"


class TextAndImagesContent(StuffContent):
    """A text with images."""

    text: TextContent | None = None
    images: list[ImageContent] | None = None
    raw_html: str | None = None

    def __str__(self) -> str:
        return self.text.text if self.text is not None else ""


class PageContent(StuffContent):
    """One page of a document: its text and images, and optionally a view of the page."""

    text_and_images: TextAndImagesContent
    page_view: ImageContent | None = None


class NumberContent(StuffContent):
    """A number."""

    number: int | float

    def __str__(self) -> str:
        return str(self.number)


class YesNoContent(StuffContent):
    """A yes/no verdict."""

    yes_no: bool
    probability: float | None = None

    def __str__(self) -> str:
        return "yes" if self.yes_no else "no"


class ChoiceContent(StuffContent):
    """A choice among options."""

    choice: str
    confidence: float | None = None
    probabilities: dict[str, float] | None = None

    def __str__(self) -> str:
        return self.choice


class RatingContent(StuffContent):
    """A rating on a scale of levels."""

    level: int
    label: str | None = None
    confidence: float | None = None
    probabilities: dict[str, float] | None = None
    position: float | None = None

    def __str__(self) -> str:
        return self.label or str(self.level)


class DateContent(StuffContent):
    """A date, optionally with a time."""

    date: str
    time: str | None = None

    def __str__(self) -> str:
        return f"{self.date}T{_iso_time(self.time)}" if self.time else self.date


class TimeContent(StuffContent):
    """A time of day."""

    time: str

    def __str__(self) -> str:
        return _iso_time(self.time)


class JSONContent(StuffContent):
    """A JSON object."""

    json_obj: dict[str, Any]

    def __str__(self) -> str:
        import json

        return json.dumps(self.json_obj, indent=4)

    def markdown_text(self) -> str:
        return structure_text(self.json_obj)


class SearchResultContent(StuffContent):
    """The answer of a search, with its sources."""

    answer: str
    sources: list[DocumentContent] = Field(default_factory=lambda: [])

    def __str__(self) -> str:
        if not self.sources:
            return self.answer
        return self.answer + "\n\nSources:\n" + "\n".join(str(source) for source in self.sources)


class AnythingContent(StuffContent):
    """Any JSON value except an array or null."""

    model_config = ConfigDict(extra="allow")


class DynamicContent(StuffContent):
    """Content whose concept is decided at run time."""

    model_config = ConfigDict(extra="allow")


class CompositeContent(StuffContent):
    """A named bag of branch results (PipeParallel output)."""

    model_config = ConfigDict(extra="allow")


def list_text(items: Iterable[Any], *, bulleted: bool) -> str:
    """How a template prints a list input: a list of Text as one `` • text`` line per item, any other list as
    numbered items (`` • item #1:``) each followed by the item's text (an image or a document as a Markdown link,
    a JSON object as its fields); an empty list prints nothing."""
    if bulleted:
        return "".join(f" • {item}\n" for item in items)
    return "".join(
        f"\n • item #{number}:\n\n{item.markdown_text() if isinstance(item, StuffContent) else item}\n"
        for number, item in enumerate(items, start=1)
    )


class ContentList(list[Any]):
    """A list input as a template sees it: a Python list (iterated, indexed, measured as one) that prints as the
    language prints a list (:func:`list_text`). ``bulleted``: the list's concept is ``Text`` itself (a refined
    text, ``Markdown`` included, prints numbered)."""

    __slots__ = ("bulleted",)

    def __init__(self, items: Iterable[Any], *, bulleted: bool) -> None:
        super().__init__(items)
        self.bulleted = bulleted

    def __str__(self) -> str:
        return list_text(self, bulleted=self.bulleted)


class ListContent(StuffContent):
    """A list of contents (``X[]``)."""

    items: list[Any]

    def __str__(self) -> str:
        return list_text(self.items, bulleted=all(type(item) is TextContent for item in self.items))

    def __repr__(self) -> str:
        # a list may hold thousands of items: keep reprs (logs, asyncio debugging) short
        return f"ListContent(<{len(self.items)} items>)"


class StoredListContent(ListContent):
    """A list kept outside the working memory, by reference: ``count`` items in a distributed backend's store.

    The Temporal backend keeps a list longer than ``[temporal] batch_chunk_size`` this way inside workflows, so no
    workflow task decodes, digests or encodes it whole: batches read it slice by slice, leaves and the client read
    it back (``ref`` is the backend's reference; ``items`` stays empty). Code that needs the items themselves gets
    the list materialized first (see ``pipelex/backends/temporal/stored.py``).
    """

    items: list[Any] = Field(default_factory=lambda: [])
    count: int
    concept: str
    ref: dict[str, Any]

    def __repr__(self) -> str:
        return f"StoredListContent(<{self.count} items, stored>)"


NATIVE_CONTENT: dict[str, type[StuffContent]] = {
    "Text": TextContent,
    "Markdown": TextContent,
    "Html": HtmlContent,
    "Image": ImageContent,
    "Document": DocumentContent,
    "TextAndImages": TextAndImagesContent,
    "Page": PageContent,
    "Number": NumberContent,
    "YesNo": YesNoContent,
    "Choice": ChoiceContent,
    "Rating": RatingContent,
    "Date": DateContent,
    "Time": TimeContent,
    "JSON": JSONContent,
    "SearchResult": SearchResultContent,
    "Anything": AnythingContent,
    "Dynamic": DynamicContent,
    "Composite": CompositeContent,
}

NATIVE_DESCRIPTIONS: dict[str, str] = {
    "Text": "A text",
    "Markdown": "A text written in Markdown",
    "Html": "An HTML fragment",
    "Image": "An image",
    "Document": "A document",
    "TextAndImages": "A text with images",
    "Page": "One page of a document",
    "Number": "A number",
    "YesNo": "A yes/no verdict",
    "Choice": "A choice among options",
    "Rating": "A rating on a scale",
    "Date": "A date",
    "Time": "A time of day",
    "JSON": "A JSON object",
    "SearchResult": "The answer of a search with its sources",
    "Anything": "Any value",
    "Dynamic": "A concept decided at run time",
    "Composite": "A named bag of results",
}

NATIVE_REFINES: dict[str, str] = {"Markdown": "Text"}

#: Natives a binding path cannot walk into: their value is held whole.
LEAF_NATIVES = frozenset(
    {"Text", "Markdown", "Html", "Number", "JSON", "Date", "Time", "Anything", "Dynamic"}
)


# one fields-set per content class, shared by every instance that set all its fields (see share_fields_sets)
_SHARED_FIELDS_SETS: dict[type[BaseModel], set[str] | None] = {}
# the per-class tables below hold classes; a long-lived server builds new concept models with each library, so
# the tables start again past this many classes rather than keep every class ever built alive
_CLASS_TABLE_BOUND = 4096


def share_fields_sets(contents: list[Any]) -> None:
    """Let the content models of a long list share one fields-set per class.

    Pydantic keeps, per instance, the set of the fields given (``__pydantic_fields_set__``, ~216 bytes: more than a
    short text). In a list of a million items (a huge batch's input and output) an instance that set every field of
    its class gets the class's one set instead. Nothing changes for readers: the set is equal; assigning a field
    adds a name already there; ``model_copy`` copies the set. Classes that take extra fields keep their own sets
    (an extra field set later would show on every instance).
    """
    for content in contents:
        if not isinstance(content, BaseModel):
            continue
        cls = type(content)
        try:
            shared = _SHARED_FIELDS_SETS[cls]
        except KeyError:
            shared = set(cls.model_fields) if cls.model_config.get("extra") != "allow" else None
            if len(_SHARED_FIELDS_SETS) >= _CLASS_TABLE_BOUND:  # see _CLASS_TABLE_BOUND
                _SHARED_FIELDS_SETS.clear()
            _SHARED_FIELDS_SETS[cls] = shared
        if shared is None:
            continue
        own = content.__pydantic_fields_set__
        if own is not shared and own == shared:
            object.__setattr__(content, "__pydantic_fields_set__", shared)


_LIST_CLASSES: dict[type, bool] = {}


def is_list_content(content: object) -> bool:
    """``isinstance(content, ListContent)``, answered per class from a table: the runtime asks it several times per
    pipe run, mostly of contents that are not lists, and a negative ``isinstance`` on a pydantic model class goes
    through its metaclass's ``__instancecheck__`` (~4x the cost of a table lookup)."""
    cls = type(content)
    found = _LIST_CLASSES.get(cls)
    if found is None:
        if len(_LIST_CLASSES) >= _CLASS_TABLE_BOUND:  # concept models are compiled per library: no leak
            _LIST_CLASSES.clear()
        found = _LIST_CLASSES[cls] = issubclass(cls, ListContent)
    return found
