"""Property tests: whatever text comes in, building and checking a library returns diagnostics and never crashes.

Only :class:`pipelex.errors.PipelexError` subclasses may escape; the pure core is expected not to raise at all.
"""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelex.config.deck import default_deck
from pipelex.diagnostics import Diagnostic, ErrorType, Severity
from pipelex.errors import PipelexError
from pipelex.language.blueprint import PIPE_CLASSES
from pipelex.language.library import build_library
from pipelex.validation.static import check_library

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DECK = default_deck()
KNOWN_TYPES = {e.value for e in ErrorType} | {"pipe_func_function_refused"}
CORPUS = Path("/tmp/corpus/entries")

SEEDS = [
    textwrap.dedent(t).lstrip("\n")
    for t in (
        """
    domain      = "bistro_menus"
    main_pipe   = "write_menu_card"
    [concept]
    KitchenNote = "A short note from the kitchen."
    MenuCard    = "The menu."
    [pipe.write_menu_card]
    type = "PipeSequence"
    description = "Note -> dish list -> menu card"
    inputs = { kitchen_note = "KitchenNote" }
    output = "MenuCard"
    steps = [ { pipe = "list_dishes", result = "dishes" }, { pipe = "lay_out_card", result = "menu_card" } ]
    [pipe.list_dishes]
    type = "PipeLLM"
    description = "Names the dishes"
    inputs = { kitchen_note = "KitchenNote" }
    output = "Text[]"
    prompt = "The kitchen has this in today: $kitchen_note. Name the dishes."
    [pipe.lay_out_card]
    type = "PipeLLM"
    description = "Writes the card"
    inputs = { dishes = "Text[]" }
    output = "MenuCard"
    prompt = \"\"\"
    Write these dishes out as a menu card:
    @dishes
    \"\"\"
    """,
        """
    domain = "parcel_routing"
    [concept.Parcel]
    description = "A parcel"
    [concept.Parcel.structure]
    size    = { type = "text", description = "small or large", required = true, choices = ["small", "large"] }
    address = { type = "text", description = "Where it is going", required = true }
    lines   = { type = "list", item_type = "concept", item_concept_ref = "Text", description = "x" }
    [pipe.route_parcel]
    type = "PipeCondition"
    description = "Route by size"
    inputs = { parcel = "Parcel" }
    output = "Text?"
    expression = "parcel.size"
    default_outcome = "continue"
    [pipe.route_parcel.outcomes]
    small = "note_small_belt"
    [pipe.note_small_belt]
    type = "PipeLLM"
    description = "small"
    inputs = { parcel = "Parcel" }
    output = "Text"
    prompt = "The parcel for $parcel.address goes on the small belt."
    [pipe.batch]
    type = "PipeBatch"
    description = "each"
    inputs = { parcels = "Parcel[]" }
    output = "Text[]"
    branch_pipe_code = "note_small_belt"
    input_list_name = "parcels"
    input_item_name = "parcel"
    """,
        """
    domain = "market_stall"
    [concept.PriceTag]
    description = "Tag on a crate"
    [concept.PriceTag.structure]
    produce = { type = "text", description = "What", required = true }
    price   = { type = "number", description = "EUR/kg", required = true }
    [pipe.prepare_stall]
    type = "PipeSequence"
    description = "tag then bind the price"
    inputs = { produce = "Text" }
    output = "Text"
    steps = [
      { pipe = "prepare_tag_and_sign", result = "stall" },
      { from = "price_tag.price", result = "price" },
      { pipe = "write_price_line", result = "price_line" },
    ]
    [pipe.prepare_tag_and_sign]
    type = "PipeParallel"
    description = "both at once"
    inputs = { produce = "Text" }
    output = "Composite"
    add_each_output = true
    branches = [ { pipe = "write_price_tag", result = "price_tag" } ]
    [pipe.write_price_tag]
    type = "PipeCompose"
    description = "construct mode"
    inputs = { produce = "Text" }
    output = "PriceTag"
    [pipe.write_price_tag.construct]
    produce = { from = "produce.text" }
    price   = 3.2
    [pipe.write_price_line]
    type = "PipeCompose"
    description = "number into text"
    inputs = { price = "Number" }
    output = "Text"
    template = "$price euros a kilo"
    """,
    )
]


def _corpus_texts() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*/bundle.mthds"))]


BUNDLES = SEEDS + _corpus_texts()


def check_texts(*texts: str) -> list[Diagnostic]:
    """Build and check; only pipelex errors may escape. Returns the diagnostics after checking their shape."""
    try:
        library = build_library([(text, f"f{i}.mthds") for i, text in enumerate(texts)])
        diagnostics = check_library(library, DECK)
    except PipelexError:
        return []
    assert isinstance(diagnostics, list)
    longest = max(len(t.splitlines()) for t in texts)
    for d in diagnostics:
        assert isinstance(d, Diagnostic)
        assert d.error_type in KNOWN_TYPES, d.render()
        assert d.message.strip(), d.render()
        assert d.severity in (Severity.ERROR, Severity.WARNING)
        assert d.line is None or 1 <= d.line <= longest + 1, d.render()
        assert d.file is None or d.file.startswith("f")
        # where: every problem of a file has a line (a file that is binary is one problem of the whole file)
        assert d.line is not None or d.error_type == "file_unreadable", d.render()
        # in the author's words: no Python repr or pydantic text of the checker's own objects
        for leak in _LEAKS:
            assert leak not in d.message, d.render()
        d.render()
    return diagnostics


_LEAKS = ("<class '", "[type=", "input_value=", "errors.pydantic.dev", " object at 0x", "Traceback (")


def test_the_seeds_and_corpus_bundles_are_fuzzed() -> None:
    assert len(SEEDS) == 3
    for text in SEEDS:
        assert check_texts(text) == []
    assert len(BUNDLES) >= len(SEEDS)


# ---------------------------------------------------------------- random text


@FUZZ
@given(st.text(max_size=400))
def test_random_text(text: str) -> None:
    check_texts(text)


TOKENS = [
    "domain",
    "=",
    '"d"',
    "[pipe.a]",
    "[concept]",
    "[concept.A]",
    "type",
    '"PipeLLM"',
    '"PipeSequence"',
    "inputs",
    "{",
    "}",
    "[",
    "]",
    ",",
    "output",
    '"Text[]?"',
    "prompt",
    '"$x @y"',
    "\n",
    " ",
    "steps",
    '{ pipe = "a" }',
    '{ from = "x.y", result = "z" }',
    "structure",
    "refines",
    '"""',
    "'",
    "#",
    ".",
    "\\",
    "main_pipe",
    '"a"',
    "x",
    "1",
    "true",
    "[[pipe]]",
    "description",
]


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_random_token_soup(tokens: list[str]) -> None:
    check_texts(" ".join(tokens))


# ---------------------------------------------------------------- mutations of real bundles


@st.composite
def mutated_bundle(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(BUNDLES))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        lines = text.split("\n")
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "change", "insert", "truncate"]))
        i = draw(st.integers(min_value=0, max_value=max(0, len(lines) - 1)))
        if op == "delete" and lines:
            del lines[i]
        elif op == "duplicate" and lines:
            lines.insert(i, lines[i])
        elif op == "swap" and len(lines) > 1:
            j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op in ("change", "insert") and lines:
            line = lines[i]
            pos = draw(st.integers(min_value=0, max_value=len(line)))
            char = draw(st.one_of(st.sampled_from(list("\"'[]{}=.,$@?!_ #\\\nAaZz0")), st.characters()))
            keep = pos if op == "insert" else pos + 1
            lines[i] = line[:pos] + char + line[keep:]
        elif op == "truncate":
            text = text[: draw(st.integers(min_value=0, max_value=len(text)))]
            continue
        text = "\n".join(lines)
    return text


@FUZZ
@given(mutated_bundle())
def test_mutated_bundles(text: str) -> None:
    check_texts(text)


@FUZZ
@given(st.lists(mutated_bundle(), min_size=2, max_size=3))
def test_mutated_multi_file_libraries(texts: list[str]) -> None:
    check_texts(*texts)


# ---------------------------------------------------------------- random TOML documents

KEYS = [
    "domain",
    "description",
    "main_pipe",
    "system_prompt",
    "concept",
    "pipe",
    "type",
    "inputs",
    "output",
    "prompt",
    "steps",
    "branches",
    "pipe",
    "result",
    "from",
    "batch_over",
    "batch_as",
    "structure",
    "refines",
    "required",
    "choices",
    "item_type",
    "item_concept_ref",
    "concept_ref",
    "outcomes",
    "default_outcome",
    "expression",
    "expression_template",
    "branch_pipe_code",
    "input_list_name",
    "input_item_name",
    "template",
    "construct",
    "model",
    "nb_output",
    "multiple_output",
    "add_each_output",
    "function_name",
    "format",
    "question",
    "questions",
    "levels",
    "criteria",
    "options",
    "a",
    "b",
    "Text",
    "Parcel",
    "_bound_x",
    "a.b",
    "page.page_view",
]
WORDS = [
    "PipeLLM",
    "PipeSequence",
    "PipeParallel",
    "PipeCondition",
    "PipeBatch",
    "PipeCompose",
    "PipeExtract",
    "PipeFunc",
    "PipeImgGen",
    "PipeSearch",
    "PipeStructure",
    "PipeJudge",
    "PipeDocGen",
    "PipeSignature",
    "Text",
    "Text[]",
    "Text?",
    "Text!",
    "Parcel",
    "Parcel[2]",
    "native.Page[]",
    "d.Parcel",
    "Image",
    "Composite",
    "a",
    "b",
    "d.a",
    "x->d.a",
    "continue",
    "fail",
    "$x",
    "@x",
    "@?x\n",
    "{{ x }}",
    "{% if x %}",
    "x.y",
    "x..y",
    "text",
    "list",
    "concept",
    "integer",
    "@default-general",
    "$writing-factual",
    "~nope",
    "pkg.mod.fn",
    "",
    "d",
]

scalars = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=8))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


def rarely(strategy: st.SearchStrategy[Any], usual: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``strategy`` about one time in eight, ``usual`` otherwise (``one_of`` does not weight its branches)."""
    return st.integers(min_value=0, max_value=7).flatmap(lambda i: strategy if i == 0 else usual)


def _toml_string(text: str) -> str:
    # JSON string syntax is TOML's basic string, except that TOML wants DEL escaped and no surrogate escapes.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(key: str) -> str:
    return _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"


def render_toml(document: dict[str, Any]) -> str:
    """Scalars and lists at the top, then one ``[table]`` per nested table (two levels deep)."""
    head = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in document.items() if not isinstance(v, dict)]
    tables: list[str] = []
    for key, table in document.items():
        if not isinstance(table, dict):
            continue
        tables.append(f"[{_toml_key(key)}]")
        tables += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
        for sub, sub_table in table.items():
            if isinstance(sub_table, dict):
                tables.append(f"[{_toml_key(key)}.{_toml_key(sub)}]")
                tables += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in sub_table.items()]
    return "\n".join(head + tables) + "\n"


specs = rarely(scalars, st.sampled_from([w for w in WORDS if w[:1].isupper()]))
names = st.sampled_from(["x", "y", "a", "b", "x.y", "page.page_view", "_bound_x", "X"])
templates = st.lists(
    st.sampled_from(WORDS + ["\n", " ", "$y", "@y\n", "{{ _x }}", "{% endif %}"]), max_size=6
).map("".join)
pipe_refs = st.sampled_from(["a", "b", "c", "d.a", "x->d.a", "Bad", "continue", "fail", ""])
steps = st.fixed_dictionaries(
    {},
    optional={
        "pipe": pipe_refs,
        "result": names,
        "from": names,
        "batch_over": names,
        "batch_as": names,
        "nb_output": st.integers(-1, 3),
        "multiple_output": st.booleans(),
    },
)
field_specs = st.one_of(
    st.text(max_size=5),
    st.fixed_dictionaries(
        {"description": st.just("f")},
        optional={
            "type": st.sampled_from(
                ["text", "list", "dict", "integer", "concept", "number", "date", "boolean", "x"]
            ),
            "required": st.booleans(),
            "choices": st.lists(st.text(max_size=3), max_size=3),
            "item_type": specs,
            "item_concept_ref": specs,
            "concept_ref": specs,
            "default_value": scalars,
        },
    ),
)
FIELD_VALUES = {
    "inputs": st.dictionaries(names, specs, max_size=3),
    "output": specs,
    "prompt": templates,
    "system_prompt": templates,
    "template": templates,
    "expression": templates,
    "expression_template": templates,
    "steps": st.lists(steps, min_size=1, max_size=3),
    "branches": st.lists(steps, min_size=1, max_size=3),
    "outcomes": st.dictionaries(st.text(max_size=3), pipe_refs, min_size=1, max_size=2),
    "default_outcome": pipe_refs,
    "branch_pipe_code": pipe_refs,
    "input_list_name": names,
    "input_item_name": names,
    "model": st.sampled_from(WORDS[-8:] + ["gpt-4o", "@nope"]),
    "construct": st.dictionaries(
        names,
        st.one_of(
            scalars, st.fixed_dictionaries({"from": names}), st.fixed_dictionaries({"template": templates})
        ),
        max_size=3,
    ),
    "add_each_output": st.booleans(),
    "function_name": st.sampled_from(["pkg.mod.fn", "fn"]),
}


def _pipe_table(pipe_type: str) -> st.SearchStrategy[dict[str, Any]]:
    fields = PIPE_CLASSES[pipe_type].model_fields
    required = {
        k: FIELD_VALUES.get(k, templates)
        for k, f in fields.items()
        if f.is_required() and k not in ("type", "description")
    }
    optional = {k: v for k, v in FIELD_VALUES.items() if k in fields or k == "construct"} | {"output": specs}
    optional = {k: v for k, v in optional.items() if k not in required}
    return st.builds(
        lambda typed, rest: {"type": pipe_type, "description": "d", **typed, **rest},
        st.fixed_dictionaries(required, optional=optional),
        rarely(st.dictionaries(st.sampled_from(KEYS[6:]), values, max_size=1), st.just({})),
    )


pipe_tables = st.sampled_from(sorted(PIPE_CLASSES)).flatmap(_pipe_table)
concept_tables = rarely(
    values,
    st.one_of(
        st.text(max_size=5),
        st.fixed_dictionaries(
            {"description": st.just("c")},
            optional={
                "refines": specs,
                "structure": rarely(scalars, st.dictionaries(names, field_specs, max_size=3)),
            },
        ),
    ),
)


def _bundle(domain: Any, main_pipe: Any, concepts: Any, pipes: Any, extra: Any) -> dict[str, Any]:
    document = {"domain": domain, "main_pipe": main_pipe, "concept": concepts, "pipe": pipes, "extra": extra}
    return {k: v for k, v in document.items() if v is not None}


bundles = st.builds(
    _bundle,
    rarely(scalars, st.just("d")),
    rarely(scalars, st.none() | pipe_refs),
    st.none()
    | st.dictionaries(st.sampled_from(["Parcel", "Text", "bad", "A", "B"]), concept_tables, max_size=3),
    st.none() | st.dictionaries(st.sampled_from(["a", "b", "c", "Bad"]), pipe_tables, max_size=3),
    rarely(values, st.none()),
)


def test_render_toml_round_trips() -> None:
    import tomllib

    document = {
        "domain": "d",
        "n": 1.5,
        "pipe": {"a": {"type": "PipeLLM", "inputs": {"x": "Text"}}, "k": [1, True]},
    }
    assert tomllib.loads(render_toml(document)) == document


@FUZZ
@given(bundles)
def test_random_toml_documents(document: dict[str, Any]) -> None:
    check_texts(render_toml(document))


@FUZZ
@given(st.dictionaries(keys, values, max_size=6))
def test_random_toml_dicts(document: dict[str, Any]) -> None:
    check_texts(render_toml(document))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the corpus is not fetched (conformance/fetch-corpus)")
def test_corpus_bundles_check_without_crashing() -> None:
    for text in _corpus_texts():
        check_texts(text)


@settings(FUZZ)
@given(bundles)
def test_compiling_every_concept_of_a_random_document_never_crashes(document: dict[str, Any]) -> None:
    library = build_library([(render_toml(document), "f.mthds")])
    for concept in library.concepts.concepts.values():
        try:
            library.concepts.json_schema(concept)
        except PipelexError:
            pass
