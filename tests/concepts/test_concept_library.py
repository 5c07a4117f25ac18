"""Native concepts, concept resolution and refinement, and the pydantic models compiled from structures."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any, cast

import pytest
from pydantic import BaseModel, ValidationError

from pipelex.concepts.library import Concept, ConceptLibrary
from pipelex.concepts.natives import (
    NATIVE_CONTENT,
    NATIVE_DESCRIPTIONS,
    AnythingContent,
    ImageContent,
    PageContent,
    StuffContent,
    TextContent,
)
from pipelex.config.deck import default_deck
from pipelex.errors import PipelexError
from pipelex.language.library import Library, build_library
from pipelex.validation.static import check_library

NATIVES = [
    "Text",
    "Markdown",
    "Html",
    "Image",
    "Document",
    "TextAndImages",
    "Page",
    "Number",
    "YesNo",
    "Choice",
    "Rating",
    "Date",
    "Time",
    "JSON",
    "SearchResult",
    "Anything",
    "Dynamic",
    "Composite",
]


def library(*texts: str) -> Library:
    lib = build_library([(textwrap.dedent(t), f"bundle{i}.mthds") for i, t in enumerate(texts)])
    assert lib.diagnostics == [], [d.render() for d in lib.diagnostics]
    return lib


def concept(lib: Library, ref: str) -> Concept:
    return lib.concepts.concepts[ref]


def field_names(lib: Library, c: Concept) -> set[str]:
    infos = lib.concepts.field_infos(c)
    assert infos is not None
    return set(infos)


def model_of(lib: Library, ref: str) -> type[StuffContent]:
    return lib.concepts.content_model(concept(lib, ref))


# ---------------------------------------------------------------- natives


def test_there_are_eighteen_natives_in_domain_native() -> None:
    natives = ConceptLibrary.with_natives()
    assert sorted(natives.concepts) == sorted(f"native.{code}" for code in NATIVES)
    assert len(natives.concepts) == 18
    assert all(c.is_native and c.domain == "native" for c in natives.concepts.values())
    assert set(NATIVE_CONTENT) == set(NATIVE_DESCRIPTIONS) == set(NATIVES)


@pytest.mark.parametrize(
    ("code", "required", "optional"),
    [
        ("Text", {"text"}, set()),
        ("Markdown", {"text"}, set()),
        ("Html", {"inner_html"}, {"css_class"}),
        (
            "Image",
            {"url"},
            {
                "public_url",
                "source_prompt",
                "source_negative_prompt",
                "caption",
                "mime_type",
                "width",
                "height",
                "filename",
            },
        ),
        ("Document", {"url"}, {"public_url", "mime_type", "filename", "title", "snippet"}),
        ("TextAndImages", set(), {"text", "images", "raw_html"}),
        ("Page", {"text_and_images"}, {"page_view"}),
        ("Number", {"number"}, set()),
        ("YesNo", {"yes_no"}, {"probability"}),
        ("Choice", {"choice"}, {"confidence", "probabilities"}),
        ("Rating", {"level"}, {"label", "confidence", "probabilities", "position"}),
        ("Date", {"date"}, {"time"}),
        ("Time", {"time"}, set()),
        ("JSON", {"json_obj"}, set()),
        ("SearchResult", {"answer"}, {"sources"}),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_native_content_fields(code: str, required: set[str], optional: set[str]) -> None:
    fields = NATIVE_CONTENT[code].model_fields
    assert {n for n, f in fields.items() if f.is_required()} == required
    assert {n for n, f in fields.items() if not f.is_required()} == optional


def test_markdown_refines_text() -> None:
    natives = ConceptLibrary.with_natives()
    markdown = natives.concepts["native.Markdown"]
    assert [c.ref for c in natives.ancestry(markdown)] == ["native.Markdown", "native.Text"]
    assert natives.is_text_like(markdown)
    assert natives.content_model(markdown) is TextContent


def test_native_contents_validate_and_refuse() -> None:
    page = PageContent.model_validate(
        {"text_and_images": {"text": {"text": "hi"}, "images": [{"url": "u"}]}, "page_view": {"url": "v"}}
    )
    assert page.text_and_images.images == [ImageContent(url="u")]
    with pytest.raises(ValidationError):
        ImageContent.model_validate({"caption": "no url"})
    with pytest.raises(ValidationError):
        TextContent.model_validate({"text": "t", "extra": 1})
    assert AnythingContent.model_validate({"any": {"shape": [1]}}).model_dump() == {"any": {"shape": [1]}}
    with pytest.raises(ValidationError):
        AnythingContent.model_validate([1, 2])


# ---------------------------------------------------------------- resolution and refinement


def test_resolution_is_the_own_domain_then_natives_and_a_unique_match_only_without_a_domain() -> None:
    lib = library(
        'domain = "a"\n[concept]\nNote = "n"\n', 'domain = "b"\n[concept]\nNote = "n2"\nOnly = "o"\n'
    )
    resolve = lib.concepts.resolve
    assert resolve("Note", "a") is concept(lib, "a.Note")
    assert resolve("Note", "b") is concept(lib, "b.Note")
    assert resolve("Note", None) is None  # ambiguous
    assert resolve("Only", "a") is None  # another domain's concept is written qualified, seen from a domain
    assert resolve("Only", None) is concept(
        lib, "b.Only"
    )  # a name given on the command line: unique is found
    assert resolve("Text", "a") is concept(lib, "native.Text")
    assert resolve("b.Note", "a") is concept(lib, "b.Note")
    assert resolve("c.Note", "a") is None


def test_refinement_across_files_in_any_order() -> None:
    lib = library(
        """
        domain = "shop"
        [concept.Receipt]
        description = "A till receipt"
        refines = "billing.Bill"
        """,
        """
        domain = "billing"
        [concept.Bill]
        description = "A bill"
        [concept.Bill.structure]
        total = { type = "number", description = "Total", required = true }
        """,
    )
    receipt = concept(lib, "shop.Receipt")
    assert [c.ref for c in lib.concepts.ancestry(receipt)] == ["shop.Receipt", "billing.Bill"]
    assert lib.concepts.refines(receipt, concept(lib, "billing.Bill"))
    assert not lib.concepts.refines(concept(lib, "billing.Bill"), receipt)
    model = model_of(lib, "shop.Receipt")
    assert model.__name__ == "shop__Receipt"
    assert model.model_validate({"total": 9.5}).model_dump() == {"total": 9.5}
    with pytest.raises(ValidationError):
        model.model_validate({})


def test_shorthand_and_structureless_concepts_are_texts() -> None:
    lib = library("""
        domain = "notes"
        [concept]
        Note = "A note"
        [concept.Memo]
        description = "A memo"
        [concept.Urgent]
        description = "An urgent verdict"
        refines = "YesNo"
    """)
    for ref in ("notes.Note", "notes.Memo"):
        assert lib.concepts.is_text_like(concept(lib, ref))
        assert model_of(lib, ref) is TextContent
        assert lib.concepts.is_compatible(concept(lib, ref), concept(lib, "native.Text"))
        assert lib.concepts.is_compatible(concept(lib, "native.Text"), concept(lib, ref))
    urgent = concept(lib, "notes.Urgent")
    assert model_of(lib, "notes.Urgent") is NATIVE_CONTENT["YesNo"]
    assert lib.concepts.native_base(urgent) is concept(lib, "native.YesNo")
    assert not lib.concepts.is_compatible(urgent, concept(lib, "native.Text"))
    assert lib.concepts.is_compatible(urgent, concept(lib, "native.YesNo"))
    assert lib.concepts.is_compatible(urgent, concept(lib, "native.Anything"))
    assert not lib.concepts.is_compatible(concept(lib, "native.Number"), concept(lib, "native.Text"))


# ---------------------------------------------------------------- compiled structures

ROUNDS = """
domain = "post.rounds"

[concept.Stop]
description = "One address on the round"
[concept.Stop.structure]
address = { type = "text", description = "Address", required = true }
parcels = { type = "list", item_type = "text", description = "Parcel numbers", required = true }
kind    = { type = "text", description = "Kind of stop", choices = ["home", "shop"], default_value = "home" }
attempts = { type = "integer", description = "Tries", default_value = 1 }
remark  = "A remark"

[concept.DeliveryRound]
description = "A day's round"
[concept.DeliveryRound.structure]
driver   = { type = "text", description = "Who drove", required = true }
stops    = { type = "list", item_type = "concept", item_concept_ref = "Stop", description = "Stops", required = true }
extra    = { type = "list", item_type = "Stop", description = "Extra stops" }
counts   = { type = "list", item_type = "integer", description = "Counts" }
triage   = { type = "concept", concept_ref = "YesNo", description = "Urgent?" }
meta     = { type = "dict", key_type = "text", value_type = "integer", description = "Meta" }
day      = { type = "date", description = "Day" }
started  = { type = "datetime", description = "Start" }
at       = { type = "time", description = "Time" }
late     = { type = "boolean", description = "Late?" }
distance = { type = "number", description = "km" }

[concept.ShopStop]
description = "A stop at a shop"
refines = "Stop"
"""

STOP = {"address": "14 Rue des Lilas", "parcels": ["p1"], "remark": "ring twice"}


@pytest.fixture(scope="module")
def rounds() -> Library:
    return library(ROUNDS)


def test_compiled_model_is_named_after_domain_and_concept(rounds: Library) -> None:
    assert model_of(rounds, "post.rounds.Stop").__name__ == "post_rounds__Stop"
    assert model_of(rounds, "post.rounds.Stop") is model_of(rounds, "post.rounds.Stop")  # compiled once


def test_required_fields_defaults_and_shorthand_fields(rounds: Library) -> None:
    stop = model_of(rounds, "post.rounds.Stop").model_validate(STOP)
    assert stop.model_dump() == {**STOP, "kind": "home", "attempts": 1}
    for missing in ("address", "parcels", "remark"):  # a shorthand field is a required string
        with pytest.raises(ValidationError) as info:
            model_of(rounds, "post.rounds.Stop").model_validate(
                {k: v for k, v in STOP.items() if k != missing}
            )
        assert info.value.errors()[0]["loc"] == (missing,)


@pytest.mark.parametrize(
    ("patch", "loc"),
    [
        ({"kind": "office"}, ("kind",)),
        ({"parcels": "p1"}, ("parcels",)),
        ({"attempts": "many"}, ("attempts",)),
        ({"surprise": 1}, ("surprise",)),
        ({"address": 3}, ("address",)),
    ],
    ids=["choice-not-allowed", "list-expected", "integer-expected", "extra-key", "string-expected"],
)
def test_structure_refuses_bad_data(rounds: Library, patch: dict[str, Any], loc: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        model_of(rounds, "post.rounds.Stop").model_validate({**STOP, **patch})
    assert [e["loc"] for e in info.value.errors()] == [loc]


def test_choices_accept_listed_values(rounds: Library) -> None:
    stop = model_of(rounds, "post.rounds.Stop").model_validate({**STOP, "kind": "shop"})
    assert stop.model_dump()["kind"] == "shop"


def test_nested_concepts_lists_dicts_and_scalars(rounds: Library) -> None:
    model = model_of(rounds, "post.rounds.DeliveryRound")
    value = model.model_validate(
        {
            "driver": "Ada",
            "stops": [STOP],
            "extra": [STOP],
            "counts": [1, 2],
            "triage": {"yes_no": True},
            "meta": {"van": 3},
            "day": "2024-05-02",
            "started": "2024-05-02T08:00:00",
            "at": "08:30",
            "late": False,
            "distance": 12.5,
        }
    )
    data: Any = value
    stop_model = model_of(rounds, "post.rounds.Stop")
    assert isinstance(data.stops[0], stop_model) and isinstance(data.extra[0], stop_model)
    assert data.triage.yes_no is True
    assert (data.day, data.started, data.at) == (
        dt.date(2024, 5, 2),
        dt.datetime(2024, 5, 2, 8),
        dt.time(8, 30),
    )
    assert data.meta == {"van": 3} and data.counts == [1, 2] and data.distance == 12.5
    optional = model.model_validate({"driver": "Ada", "stops": []})
    assert optional.model_dump()["triage"] is None


@pytest.mark.parametrize(
    ("data", "loc"),
    [
        ({"driver": "Ada", "stops": [{"address": "a"}]}, ("stops", 0, "parcels")),
        ({"driver": "Ada", "stops": [], "extra": ["plain"]}, ("extra", 0)),
        ({"driver": "Ada", "stops": [], "meta": {"van": "x"}}, ("meta", "van")),
        ({"driver": "Ada", "stops": [], "triage": {"yes_no": "perhaps"}}, ("triage", "yes_no")),
        ({"driver": "Ada", "stops": [], "counts": ["x"]}, ("counts", 0)),
        ({"driver": "Ada", "stops": [], "day": "not a day"}, ("day",)),
        ({"stops": []}, ("driver",)),
    ],
    ids=[
        "nested-required",
        "list-of-concept-item",
        "dict-value",
        "native-field",
        "list-of-int",
        "date",
        "required",
    ],
)
def test_nested_structure_refuses_bad_data(
    rounds: Library, data: dict[str, Any], loc: tuple[Any, ...]
) -> None:
    with pytest.raises(ValidationError) as info:
        model_of(rounds, "post.rounds.DeliveryRound").model_validate(data)
    assert info.value.errors()[0]["loc"][: len(loc)] == loc


def test_refinement_inherits_the_fields(rounds: Library) -> None:
    model = model_of(rounds, "post.rounds.ShopStop")
    assert model.__name__ == "post_rounds__ShopStop"
    assert set(model.model_fields) == set(model_of(rounds, "post.rounds.Stop").model_fields)
    assert model.model_validate(STOP).model_dump()["kind"] == "home"
    with pytest.raises(ValidationError):
        model.model_validate({"parcels": []})
    shop_stop = concept(rounds, "post.rounds.ShopStop")
    assert field_names(rounds, shop_stop) == {"address", "parcels", "kind", "attempts", "remark"}


def test_json_schema_is_exposed(rounds: Library) -> None:
    schema = rounds.concepts.json_schema(concept(rounds, "post.rounds.DeliveryRound"))
    assert schema["title"] == "post_rounds__DeliveryRound"
    assert schema["description"] == "A day's round"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"driver", "stops"}
    assert schema["properties"]["stops"]["items"] == {"$ref": "#/$defs/post_rounds__Stop"}
    assert schema["properties"]["driver"] == {"description": "Who drove", "title": "Driver", "type": "string"}
    stop = schema["$defs"]["post_rounds__Stop"]
    assert set(stop["required"]) == {"address", "parcels", "remark"}
    kind = stop["properties"]["kind"]
    assert kind["default"] == "home"
    assert {"enum": ["home", "shop"], "type": "string"} in kind["anyOf"]
    assert schema["$defs"]["YesNoContent"]["required"] == ["yes_no"]


def test_json_schema_of_natives() -> None:
    natives = ConceptLibrary.with_natives()
    schema = natives.json_schema(natives.concepts["native.Number"])
    assert schema["required"] == ["number"]
    assert schema["properties"]["number"]["anyOf"] == [{"type": "integer"}, {"type": "number"}]


def test_field_infos_walk_structures_and_natives(rounds: Library) -> None:
    infos = rounds.concepts.field_infos(concept(rounds, "post.rounds.DeliveryRound"))
    assert infos is not None
    assert (infos["stops"].concept_ref, infos["stops"].is_list, infos["stops"].required) == (
        "post.rounds.Stop",
        True,
        True,
    )
    assert (infos["triage"].concept_ref, infos["triage"].required) == ("native.YesNo", False)
    assert infos["distance"].concept_ref == "native.Number"
    page = rounds.concepts.field_infos(concept(rounds, "native.Page"))
    assert (
        page is not None
        and page["page_view"].concept_ref == "native.Image"
        and not page["page_view"].required
    )
    assert rounds.concepts.field_infos(concept(rounds, "native.Text")) is None  # a leaf
    text_content = rounds.concepts.content_field_infos(concept(rounds, "native.Text"))
    assert text_content is not None and set(text_content) == {"text"}


def test_recursive_structure_validates_nested_items() -> None:
    lib = library("""
        domain = "trees"
        [concept.Node]
        description = "A node"
        [concept.Node.structure]
        label = { type = "text", description = "Label", required = true }
        children = { type = "list", item_type = "concept", item_concept_ref = "Node", description = "Kids" }
    """)
    node = model_of(lib, "trees.Node").model_validate({"label": "a", "children": [{"label": "b"}]})
    assert isinstance(node, BaseModel)
    assert type(cast(Any, node).children[0]) is type(
        node
    )  # compiled at run time: fields unknown to the checker
    with pytest.raises(ValidationError):
        model_of(lib, "trees.Node").model_validate({"label": "a", "children": [{"children": []}]})


def test_mutually_recursive_structures_compile_and_validate() -> None:
    lib = library("""
        domain = "org"
        [concept.Team]
        description = "A team"
        [concept.Team.structure]
        name = { type = "text", description = "Name", required = true }
        members = { type = "list", item_type = "concept", item_concept_ref = "Person", description = "M" }
        [concept.Person]
        description = "A person"
        [concept.Person.structure]
        name = { type = "text", description = "Name", required = true }
        team = { type = "concept", concept_ref = "Team", description = "Their team" }
    """)
    team = model_of(lib, "org.Team").model_validate(
        {"name": "core", "members": [{"name": "ada", "team": {"name": "core", "members": []}}]}
    )
    # models compiled at run time: their fields are unknown to the type checker
    person = cast(Any, team).members[0]
    assert type(person) is model_of(lib, "org.Person")
    assert type(cast(Any, person).team) is type(team)
    schema = lib.concepts.json_schema(concept(lib, "org.Person"))
    assert "$defs" in schema


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("_secret", id="leading-underscore"),
        pytest.param("class", id="keyword"),
        pytest.param("model_config", id="reserved-model-config"),
        pytest.param("model_dump", id="reserved-model-dump"),
        pytest.param("2nd", id="not-identifier"),
    ],
)
def test_invalid_structure_field_names_are_schema_violations(name: str) -> None:
    text = f'domain = "d"\n[concept.A]\ndescription = "a"\n[concept.A.structure]\n"{name}" = "a field"\n'
    diagnostics = check_library(build_library([(text, "b.mthds")]), default_deck())
    assert [d.error_type for d in diagnostics] == ["schema_violation"]
    assert repr(name) in diagnostics[0].message


def test_compiling_a_concept_with_a_refused_field_name_raises_a_pipelex_error() -> None:
    text = 'domain = "d"\n[concept.A]\ndescription = "a"\n[concept.A.structure]\n"_x" = "a field"\n'
    lib = build_library([(text, "b.mthds")])
    with pytest.raises(PipelexError):
        lib.concepts.json_schema(concept(lib, "d.A"))


def test_a_concepts_json_schema_is_generated_once_and_handed_out_as_a_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lib = library(
        """
        domain = "desk"
        [concept.Ticket]
        description = "A support ticket"
        [concept.Ticket.structure]
        title = { type = "text", description = "What it is about", required = true }
        """
    )
    ticket = concept(lib, "desk.Ticket")
    model = model_of(lib, "desk.Ticket")
    expected = model.model_json_schema()
    calls: list[type[BaseModel]] = []

    def counting(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(cls)
        return BaseModel.model_json_schema.__func__(cls, *args, **kwargs)  # type: ignore[attr-defined]

    monkeypatch.setattr(model, "model_json_schema", classmethod(counting))
    first = lib.concepts.json_schema(ticket)
    first["properties"]["title"]["description"] = "changed by a caller"
    second = lib.concepts.json_schema(ticket)
    assert second == expected
    assert calls == [model]


def test_a_structure_nested_past_the_stack_is_a_concept_error_not_a_recursion_error() -> None:
    """Each concept holding the next, 60 deep: pydantic's JSON schema generation recurses past Python's stack, so a
    structured leaf making the outer concept failed with a bare 'RecursionError'. The error names the concept."""
    from pipelex.errors import ConceptCompileError

    depth = 60
    text = 'domain = "deep"\n'
    for i in range(depth):
        field = (
            f'{{type = "concept", concept_ref = "deep.C{i + 1}", description = "x"}}'
            if i < depth - 1
            else ('{type = "text", description = "x"}')
        )
        text += f'[concept.C{i}]\ndescription = "x"\n[concept.C{i}.structure]\nf = {field}\n'
    lib = library(text)
    with pytest.raises(ConceptCompileError, match="'deep.C0' nests structures too deeply"):
        lib.concepts.json_schema(concept(lib, "deep.C0"))


def test_a_concepts_json_schema_is_what_a_json_round_trip_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """The copies are made without the json module: equal to ``json.loads(json.dumps(schema))`` value for value and
    type for type, with no part shared between two places of a copy, whatever the schema holds (tuples, an enum
    member, a key that is not text, the same list at two places, non-finite numbers)."""
    import enum
    import json

    class Colour(enum.StrEnum):
        RED = "red"

    lib = library(
        """
        domain = "desk"
        [concept.Ticket]
        description = "A support ticket"
        [concept.Ticket.structure]
        title = { type = "text", description = "What it is about", required = true }
        """
    )
    ticket = concept(lib, "desk.Ticket")
    model = model_of(lib, "desk.Ticket")
    plain = lib.concepts.json_schema(ticket)
    assert plain == json.loads(json.dumps(model.model_json_schema()))

    for odd in (False, True):
        shared = ["a", 1.5, None, True]
        schema: dict[str, Any] = {"first": shared, "second": shared, "big": float("inf")}
        if odd:
            schema |= {"pair": ("x", 2), "colour": Colour.RED, "by_number": {3: "three"}}
        other = model_of(lib, "desk.Ticket")
        monkeypatch.setattr(other, "model_json_schema", classmethod(lambda cls, *a, s=schema, **k: s))
        from pipelex.concepts import library as concepts_library

        concepts_library._SCHEMA_DATA.pop(other, None)  # pyright: ignore[reportPrivateUsage]
        got = lib.concepts.json_schema(ticket)
        expected = json.loads(json.dumps(schema))
        assert got == expected
        assert json.dumps(got) == json.dumps(expected)  # the same types: lists, plain text, text keys
        assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]
        assert got["first"] is not got["second"]
        got["first"].append("changed")
        assert lib.concepts.json_schema(ticket) == expected


def test_a_native_base_is_kept_per_library_and_found_again_when_a_concept_is_added() -> None:
    from pipelex.language.blueprint import ConceptBlueprint

    first, second = ConceptLibrary.with_natives(), ConceptLibrary.with_natives()
    # the same concept code in two libraries, refining different natives
    first.add("shop", "Label", ConceptBlueprint(description="A label", refines="Image"))
    second.add("shop", "Label", ConceptBlueprint(description="A label", refines="Number"))
    label_1, label_2 = first.concepts["shop.Label"], second.concepts["shop.Label"]
    base_1, base_2 = first.native_base(label_1), second.native_base(label_2)
    assert base_1 is first.concepts["native.Image"]
    assert base_2 is second.concepts["native.Number"]
    assert first.native_base(label_1) is base_1  # asked again: the same answer
    # a concept refining one not declared yet: no native base, until it is declared
    first.add("shop", "Sticker", ConceptBlueprint(description="A sticker", refines="Badge"))
    sticker = first.concepts["shop.Sticker"]
    assert first.native_base(sticker) is None
    first.add("shop", "Badge", ConceptBlueprint(description="A badge", refines="Image"))
    assert first.native_base(sticker) is first.concepts["native.Image"]
    # a concept the library does not hold is walked as it is, not confused with the one of the same ref
    assert first.native_base(label_2) is first.concepts["native.Number"]
    assert first.native_base(label_1) is base_1
