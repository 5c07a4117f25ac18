"""The 18 native concepts (domain ``native``) and their content models.

A content's ``str()`` is how a template prints it (``{{ x }}``, a PipeCondition's expression): a text is its text,
a number its number, a yes/no ``yes`` or ``no``, a choice its choice, a rating its label (else its level), a date
or time its ISO form, an image or a document its URL, a text with images its text, a JSON object its JSON
(indented by 4), and any other content (a structured concept, a page) its fields as headed lines (see
:func:`structure_text`). A list input prints as :class:`ContentList` says. The Jinja2 path and the Jinja-free
renderer both call ``str()``, so they agree by construction.
"""

import sys
from collections.abc import Iterable, Iterator, Mapping, Set
from importlib import import_module
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, Field

from pipelex.concepts.native_classes.base import StuffContent as StuffContent
from pipelex.concepts.native_classes.base import TextContent as TextContent
from pipelex.concepts.native_classes.base import iso_time as iso_time
from pipelex.concepts.native_classes.base import structure_text as structure_text

# Pydantic models built from values known valid, as ``model_construct`` leaves them, without validating and without
# its generic per-field work (defaults, aliases, a ``default_factory``'s signature): the runtime builds several per
# pipe run (stuffs, memories, graph records, a batch item's text), a sweep a verdict per pipe. Pydantic's own slots
# of a model are set through their descriptors, found once here: ``object.__setattr__`` looks each descriptor up
# along the class's bases at every call (three times the cost).
_M = TypeVar("_M", bound=BaseModel)

_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def constructed(
    cls: type[_M],
    values: dict[str, Any],
    fields_set: Set[str] | None = None,
    private: dict[str, Any] | None = None,
) -> _M:
    """An instance of ``cls`` holding ``values`` (its ``__dict__``, taken as is), known valid.

    ``fields_set``: the names given (default: ``values``' keys). A class whose instances are all given the same
    fields may pass one set for all of them (pydantic keeps a set per instance, ~216 bytes): readers see an equal
    set, assigning a field adds a name already there, and ``model_copy`` copies the set (as
    :func:`share_fields_sets`). ``private``: the private attributes' values (None: the
    class has none set)."""
    model = cls.__new__(cls)
    _set_dict(model, values)
    _set_fields_set(model, set(values) if fields_set is None else fields_set)
    _set_extra(model, None)
    _set_private(model, private)
    return model


# the fields-set of every TextContent that text_content builds (its one field, given): one set for all of them, as
# share_fields_sets gives the items of a long list (a set per instance is ~216 bytes, more than most texts)
_TEXT_FIELDS = {"text"}


def text_content(text: str) -> TextContent:
    """``TextContent(text=text)``: for a ``str`` (the text a template renders, once per batch item), built as the
    validation leaves it (the one field set), without running it; anything else is validated."""
    if type(text) is not str:
        return TextContent(text=text)
    return constructed(TextContent, {"text": text}, _TEXT_FIELDS)  # the set shared: see share_fields_sets


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


# the class of each native concept's content; the classes but Text's are made on first use (a pydantic class
# costs ~0.7-1.5 M instructions to create even with its validator deferred: the 16 of them were ~12 M of every
# validate), each in the module of pipelex.concepts.native_classes named here
NATIVE_CLASS_NAMES: dict[str, str] = {
    "Text": "TextContent",
    "Markdown": "TextContent",
    "Html": "HtmlContent",
    "Image": "ImageContent",
    "Document": "DocumentContent",
    "TextAndImages": "TextAndImagesContent",
    "Page": "PageContent",
    "Number": "NumberContent",
    "YesNo": "YesNoContent",
    "Choice": "ChoiceContent",
    "Rating": "RatingContent",
    "Date": "DateContent",
    "Time": "TimeContent",
    "JSON": "JSONContent",
    "SearchResult": "SearchResultContent",
    "Anything": "AnythingContent",
    "Dynamic": "DynamicContent",
    "Composite": "CompositeContent",
}
_MODULE_OF_CLASS: dict[str, str] = {
    name: f"pipelex.concepts.native_classes.{module}"
    for module, names in (
        ("html", ("HtmlContent",)),
        ("image", ("ImageContent",)),
        ("document", ("DocumentContent",)),
        ("pages", ("TextAndImagesContent", "PageContent")),
        ("number", ("NumberContent",)),
        ("yes_no", ("YesNoContent",)),
        ("choice", ("ChoiceContent",)),
        ("rating", ("RatingContent",)),
        ("dates", ("DateContent", "TimeContent")),
        ("json_object", ("JSONContent",)),
        ("search", ("SearchResultContent",)),
        ("open", ("AnythingContent", "DynamicContent", "CompositeContent")),
    )
    for name in names
}
_NATIVE_CLASSES = frozenset(NATIVE_CLASS_NAMES.values())

if TYPE_CHECKING:  # the classes, re-exported (``X as X``) for pyright; at run time they come from _make
    from pipelex.concepts.native_classes.choice import ChoiceContent as ChoiceContent
    from pipelex.concepts.native_classes.dates import DateContent as DateContent
    from pipelex.concepts.native_classes.dates import TimeContent as TimeContent
    from pipelex.concepts.native_classes.document import DocumentContent as DocumentContent
    from pipelex.concepts.native_classes.html import HtmlContent as HtmlContent
    from pipelex.concepts.native_classes.image import ImageContent as ImageContent
    from pipelex.concepts.native_classes.json_object import JSONContent as JSONContent
    from pipelex.concepts.native_classes.number import NumberContent as NumberContent
    from pipelex.concepts.native_classes.open import AnythingContent as AnythingContent
    from pipelex.concepts.native_classes.open import CompositeContent as CompositeContent
    from pipelex.concepts.native_classes.open import DynamicContent as DynamicContent
    from pipelex.concepts.native_classes.pages import PageContent as PageContent
    from pipelex.concepts.native_classes.pages import TextAndImagesContent as TextAndImagesContent
    from pipelex.concepts.native_classes.rating import RatingContent as RatingContent
    from pipelex.concepts.native_classes.search import SearchResultContent as SearchResultContent
    from pipelex.concepts.native_classes.yes_no import YesNoContent as YesNoContent


def _make(name: str) -> Any:
    """``natives.ImageContent`` (and ``from pipelex.concepts.natives import ImageContent``): the class, made now
    if this is its first use (PEP 562), and kept here so the next use is a plain lookup."""
    module = _MODULE_OF_CLASS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


if not TYPE_CHECKING:  # pyright sees the imports above; at run time a class comes on first use
    __getattr__ = _make


def made(name: str) -> "type[StuffContent] | None":
    """The native content class ``name`` (``"ImageContent"``) if it exists in this process, without making it:
    ``None`` when it was never made. No content of a class never made can exist, so code that asks whether a value
    or a model is that class can answer no without making it."""
    value = globals().get(name)
    if value is not None:
        return value
    module = sys.modules.get(_MODULE_OF_CLASS[name])
    return None if module is None else getattr(module, name, None)


def native_name(model: object) -> str | None:
    """The class name of ``model`` when it is one of the natives' content classes itself (``model is
    ImageContent``), else ``None``; makes no class."""
    name = getattr(model, "__name__", None)
    if name in _NATIVE_CLASSES and made(name) is model:
        return name
    return None


_NATIVE_OF_CLASS: dict[type, str | None] = {}


def native_kind(value: object) -> str | None:
    """The class name of the native content class ``value`` is an instance of (``isinstance(value,
    ImageContent)``), else ``None``; makes no class. The natives' classes do not derive from one another, so a
    value is an instance of at most one; answered per class from a table."""
    return native_kind_of(type(value))


def native_kind_of(cls: type) -> str | None:
    """The class name of the native content class ``cls`` is or derives from (``issubclass(cls, ImageContent)``),
    else ``None``; makes no class (see :func:`native_kind`)."""
    try:
        return _NATIVE_OF_CLASS[cls]
    except KeyError:
        pass
    found = next((name for name in map(native_name, cls.__mro__) if name is not None), None)
    if len(_NATIVE_OF_CLASS) >= _CLASS_TABLE_BOUND:  # concept models are compiled per library: no leak
        _NATIVE_OF_CLASS.clear()
    _NATIVE_OF_CLASS[cls] = found
    return found


class _NativeContent(Mapping[str, "type[StuffContent]"]):
    """``NATIVE_CONTENT``: each native concept's content class by code, made when its code is first looked up;
    iterating the codes or asking ``code in NATIVE_CONTENT`` makes none (``values()``/``items()`` make them all)."""

    def __getitem__(self, code: str) -> "type[StuffContent]":
        name = NATIVE_CLASS_NAMES[code]
        value = globals().get(name)
        return value if value is not None else _make(name)

    def __iter__(self) -> Iterator[str]:
        return iter(NATIVE_CLASS_NAMES)

    def __len__(self) -> int:
        return len(NATIVE_CLASS_NAMES)

    def __contains__(self, code: object) -> bool:
        return code in NATIVE_CLASS_NAMES


NATIVE_CONTENT: Mapping[str, "type[StuffContent]"] = _NativeContent()

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
