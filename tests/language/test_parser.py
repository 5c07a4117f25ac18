"""Parsing MTHDS text into blueprints, schema diagnostics with their lines, and the file loader."""

from __future__ import annotations

import gc
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipelex.diagnostics import Diagnostic
from pipelex.errors import BundleError, BundleLoadError, PipelexError
from pipelex.language import blueprint as bp
from pipelex.language.loader import find_bundle_files, load_library, read_bundle_text
from pipelex.language.parser import MAX_BUNDLE_BYTES, ParsedBundle, parse_bundle


def parse(text: str) -> ParsedBundle:
    return parse_bundle(textwrap.dedent(text).lstrip("\n"), file="bundle.mthds")


def only(result: ParsedBundle) -> Diagnostic:
    assert len(result.diagnostics) == 1, [d.render() for d in result.diagnostics]
    return result.diagnostics[0]


MENU = """
domain      = "bistro_menus"
description = "Menus"
system_prompt = "You are a chef."
main_pipe   = "write_menu_card"

[concept]
KitchenNote = "A short note from the kitchen."

[concept.MenuCard]
description = "The menu"
refines = "Text"

[concept.Dish]
description = "A dish"
[concept.Dish.structure]
name = { type = "text", description = "Its name", required = true }
price = { type = "number", description = "EUR" }
blurb = "Two words"

[pipe.write_menu_card]
type = "PipeSequence"
description = "Note -> dish list -> menu card"
inputs = { kitchen_note = "KitchenNote" }
output = "MenuCard"
steps = [
  { pipe = "list_dishes", result = "dishes" },
  { from = "dishes", result = "same_dishes" },
  { pipe = "lay_out_card", result = "menu_card" },
]

[pipe.list_dishes]
type = "PipeLLM"
description = "Names the dishes"
inputs = { kitchen_note = { concept = "KitchenNote", hints = { tone = "dry" } } }
output = "Dish[]"
prompt = "The kitchen has: $kitchen_note"

[pipe.lay_out_card]
type = "PipeLLM"
description = "Writes the card"
inputs = { same_dishes = "Dish[]" }
output = "MenuCard"
prompt = "Write these dishes: $same_dishes"
"""


def test_parses_a_full_bundle_into_typed_blueprints() -> None:
    result = parse(MENU)
    assert result.diagnostics == []
    assert result.broken_pipes == set() and result.broken_concepts == set()
    bundle = result.blueprint
    assert bundle is not None
    assert (bundle.domain, bundle.main_pipe, bundle.system_prompt, bundle.source) == (
        "bistro_menus",
        "write_menu_card",
        "You are a chef.",
        "bundle.mthds",
    )
    assert bundle.concepts["KitchenNote"] == bp.ConceptBlueprint(description="A short note from the kitchen.")
    assert bundle.concepts["MenuCard"].refines == "Text"
    structure = bundle.concepts["Dish"].structure
    assert isinstance(structure, dict)
    assert structure["name"] == bp.FieldBlueprint(type="text", description="Its name", required=True)
    assert structure["blurb"] == "Two words"
    sequence = bundle.pipes["write_menu_card"]
    assert isinstance(sequence, bp.PipeSequenceBlueprint)
    assert [s.is_binding for s in sequence.steps] == [False, True, False]
    assert sequence.steps[1].from_ == "dishes" and sequence.steps[1].result == "same_dishes"
    list_dishes = bundle.pipes["list_dishes"]
    assert isinstance(list_dishes, bp.PipeLLMBlueprint)
    assert list_dishes.input_specs() == {"kitchen_note": "KitchenNote"}
    assert list_dishes.inputs["kitchen_note"] == bp.InputSlot(concept="KitchenNote", hints={"tone": "dry"})


def test_blueprints_are_frozen() -> None:
    bundle = parse(MENU).blueprint
    assert bundle is not None
    with pytest.raises(ValidationError):
        bundle.domain = "other"  # type: ignore[misc]


PIPE_BODIES = {
    "PipeLLM": 'prompt = "p"',
    "PipeImgGen": 'prompt = "p"\naspect_ratio = "landscape_16_9"\nseed = "auto"',
    "PipeExtract": "page_views = true\npage_views_dpi = 96",
    "PipeFunc": 'function_name = "pkg.mod.fn"',
    "PipeCompose": 'template = { template = "t", category = "markdown" }',
    "PipeSearch": 'prompt = "p"\nmax_results = 3',
    "PipeStructure": 'model = "@default-small"',
    "PipeJudge": 'prompt = "p"\nquestion = "q"\ncriteria = { yes = "y", no = "n" }',
    "PipeDocGen": 'format = "pdf"\ntemplate = "t"',
    "PipeSequence": 'steps = [{ pipe = "x" }]',
    "PipeParallel": 'branches = [{ pipe = "x", result = "r" }]\nadd_each_output = true',
    "PipeCondition": 'expression = "a"\noutcomes = { yes = "x" }\ndefault_outcome = "fail"',
    "PipeBatch": 'branch_pipe_code = "x"\ninput_list_name = "xs"\ninput_item_name = "x"',
}


@pytest.mark.parametrize("pipe_type", sorted(PIPE_BODIES), ids=sorted(PIPE_BODIES))
def test_each_pipe_type_parses_to_its_class(pipe_type: str) -> None:
    text = f'domain = "d"\n[pipe.p]\ntype = "{pipe_type}"\ndescription = "x"\noutput = "Text"\n{PIPE_BODIES[pipe_type]}\n'
    result = parse_bundle(text)
    assert result.diagnostics == []
    assert result.blueprint is not None
    pipe = result.blueprint.pipes["p"]
    assert type(pipe) is bp.PIPE_CLASSES[pipe_type]
    assert pipe.type == pipe_type


def test_there_are_fourteen_pipe_classes_four_of_them_controllers() -> None:
    assert len(bp.PIPE_CLASSES) == 14
    controllers = {n for n, c in bp.PIPE_CLASSES.items() if issubclass(c, bp.ControllerBlueprintBase)}
    assert controllers == {"PipeSequence", "PipeParallel", "PipeCondition", "PipeBatch"}
    assert all(bp.type_name_of(c) == n for n, c in bp.PIPE_CLASSES.items())


def test_compose_construct_is_read_through_its_alias() -> None:
    result = parse("""
        domain = "d"
        [pipe.p]
        type = "PipeCompose"
        description = "x"
        output = "Tag"
        [pipe.p.construct]
        price = 3.2
        produce = { from = "produce.text" }
    """)
    assert result.diagnostics == []
    assert result.blueprint is not None
    pipe = result.blueprint.pipes["p"]
    assert isinstance(pipe, bp.PipeComposeBlueprint)
    assert pipe.construct_ == {"price": 3.2, "produce": {"from": "produce.text"}}


# ---------------------------------------------------------------- diagnostics, table-driven

SCHEMA_CASES = [
    pytest.param(
        """
        domain = "d"
        [pipe.a]
        type = "PipeLLM"
        description = "d"
        output = "Text"
        prompt = "hi"
        bogus = 1
        """,
        ("schema_violation", 7, "a", "bogus"),
        "pipe 'a' (PipeLLM): 'bogus' is not a known field here: remove it or check its spelling",
        id="unknown-pipe-key",
    ),
    pytest.param(
        """
        domain = "d"
        title = "x"
        """,
        ("schema_violation", 2, None, "title"),
        "unknown top-level key 'title': a bundle has only concept, description, domain, main_pipe, pipe, "
        "system_prompt: remove it or fix its name",
        id="unknown-top-level-key",
    ),
    pytest.param(
        """
        domain = "d"
        [pipe.both]
        type = "PipeParallel"
        description = "d"
        output = "Composite"
        branches = [{ pipe = "x", result = "r" }]
        combined_output = "Text"
        """,
        ("schema_violation", 7, "both", "combined_output"),
        "pipe 'both' (PipeParallel): 'combined_output' is not a known field here: remove it or check its spelling",
        id="removed-combined-output",
    ),
    pytest.param(
        """
        domain = "d"
        [pipe.a]
        type = "PipeLLM"
        output = "Text"
        """,
        ("schema_violation", 2, "a", "description"),
        "pipe 'a' (PipeLLM): 'description' is required: add it",
        id="missing-required-field",
    ),
    pytest.param(
        """
        domain = "d"
        [pipe.a]
        type = "PipeImgGen"
        description = "d"
        output = "Image"
        prompt = "p"
        aspect_ratio = "wide"
        """,
        ("schema_violation", 7, "a", "aspect_ratio"),
        None,
        id="literal-not-allowed",
    ),
    pytest.param(
        """
        domain = "d"
        [pipe.a]
        type = "PipeSequence"
        description = "d"
        output = "Text"
        steps = []
        """,
        ("schema_violation", 6, "a", "steps"),
        None,
        id="empty-steps",
    ),
    pytest.param(
        """
        domain = "d"
        [concept.Dish]
        description = "A dish"
        colour = "red"
        """,
        ("schema_violation", 2, None, "colour"),
        "concept 'Dish': 'colour' is not a known field here: remove it or check its spelling",
        id="unknown-concept-key",
    ),
    pytest.param(
        """
        domain = "d"
        [concept.Dish]
        description = "A dish"
        refines = "Text"
        structure = { name = "n" }
        """,
        ("schema_violation", 2, None, None),
        "concept 'Dish' has both `refines` and `structure`: a concept either refines another or declares its own "
        "structure; keep one",
        id="refines-and-structure",
    ),
    pytest.param(
        """
        domain = "d"
        [concept]
        dish = "A dish"
        """,
        ("schema_violation", 3, None, None),
        "concept code 'dish' is not PascalCase: write it like 'InvoiceLine'",
        id="concept-not-pascal",
    ),
    pytest.param(
        """
        description = "no domain"
        """,
        ("schema_violation", 1, None, None),
        'the bundle has no `domain`: add `domain = "my_domain"` at the top',
        id="missing-domain",
    ),
    pytest.param(
        """
        domain = "Bistro-Menus"
        """,
        ("schema_violation", 1, None, None),
        "domain 'Bistro-Menus' is not snake_case (dotted parts allowed, e.g. 'legal.contracts')",
        id="domain-not-snake",
    ),
    pytest.param(
        """
        domain = "d"
        main_pipe = 3
        """,
        ("schema_violation", 2, None, None),
        '`main_pipe` must be a string, not a number (3): write it quoted, e.g. `main_pipe = "..."`',
        id="header-not-string",
    ),
    pytest.param(
        """
        domain = "d"
        [pipe.a]
        description = "no type"
        output = "Text"
        prompt = "Write it"
        """,
        ("missing_pipe_type", 2, "a", "type"),
        "pipe 'a' has no `type`: add one of PipeLLM, PipeImgGen, PipeExtract, PipeFunc, PipeCompose, PipeSearch, "
        "PipeStructure, PipeJudge, PipeDocGen, PipeSequence, PipeParallel, PipeCondition, PipeBatch (without "
        "`type` a pipe is a signature, a contract of inputs and output only; it has implementation fields "
        "('prompt'), so it is not a signature)",
        id="missing-pipe-type",
    ),
    pytest.param(
        """
        domain = "d"
        [pipe.a]
        description = "old type"
        type = "PipeJinja2"
        output = "Text"
        """,
        ("unknown_pipe_type", 4, "a", "type"),
        "pipe 'a' has the unknown type 'PipeJinja2': use one of PipeLLM, PipeImgGen, PipeExtract, PipeFunc, "
        "PipeCompose, PipeSearch, PipeStructure, PipeJudge, PipeDocGen, PipeSequence, PipeParallel, PipeCondition, "
        "PipeBatch",
        id="unknown-pipe-type",
    ),
    pytest.param(
        """
        domain = "d"
        [pipe.WriteCard]
        type = "PipeLLM"
        description = "d"
        output = "Text"
        """,
        ("invalid_pipe_code_syntax", 2, "WriteCard", None),
        "pipe code 'WriteCard' is not valid: pipe codes are snake_case (lowercase letters, digits and underscores, "
        "starting with a letter)",
        id="pipe-code-not-snake",
    ),
    pytest.param(
        """
        domain = "d"
        main_pipe = "Write-Card"
        """,
        ("invalid_pipe_code_syntax", 2, None, None),
        None,
        id="main-pipe-not-snake",
    ),
    pytest.param(
        """
        domain = "d"
        [pipe.a
        type = "PipeLLM"
        """,
        ("toml_syntax", 2, None, None),
        "TOML syntax error at line 2, column 8: Expected ']' at the end of a table declaration; fix the TOML "
        "syntax there",
        id="toml-unclosed-header",
    ),
    pytest.param(
        """
        domain = "d"

        [pipe.a]
        type = "PipeLLM"
        prompt = "unterminated
        """,
        ("toml_syntax", 5, None, None),
        None,
        id="toml-unterminated-string",
    ),
    pytest.param(
        """
        domain = "d"
        domain = "e"
        """,
        ("toml_syntax", 2, None, None),
        None,
        id="toml-duplicate-key",
    ),
    pytest.param(
        '''
        domain = "d"
        [pipe.a]
        type = "PipeLLM"
        description = "x"
        output = "Text"
        prompt = """
        Hello

        [pipe.b]
        ''',
        ("toml_syntax", 6, None, None),
        'TOML syntax error: the multi-line string opened at line 6 is never closed: end it with """; fix the TOML '
        "syntax there",
        id="toml-multiline-string-never-closed",
    ),
    pytest.param(
        """
        domain = "d"
        [pipe.a]
        description = "x
        """,
        ("toml_syntax", 3, None, None),
        "TOML syntax error at line 3, column 17: Illegal character '\\n' (a string its line does not close: close "
        'its quote, or put a text of several lines in triple quotes """); fix the TOML syntax there',
        id="toml-string-not-closed-on-its-line",
    ),
    pytest.param(
        """
        domain = "d"
        x = [1,
        """,
        ("toml_syntax", 2, None, None),
        "TOML syntax error: Invalid value at the end of the file (line 2); fix the TOML syntax there",
        id="toml-open-at-the-end",
    ),
    pytest.param(
        """
        domain = "d"
        [conacept.Dish]
        description = "A dish"
        """,
        ("schema_violation", 2, None, "conacept"),
        "unknown top-level key 'conacept': a bundle has only concept, description, domain, main_pipe, pipe, "
        "system_prompt: remove it or fix its name",
        id="unknown-top-level-table",
    ),
    pytest.param(
        """
        domain = "d"
        m.ain_pipe = "x"
        """,
        ("schema_violation", 2, None, "m"),
        None,
        id="unknown-top-level-dotted-key",
    ),
    pytest.param(
        """
        "domain" = "d"
        ["pipe"."a"]
        "type" = "PipeLLM"
        "description" = "x"
        "output" = "Text"
        "prompt" = "Hi"
        "model" = 3
        """,
        ("schema_violation", 7, "a", "model"),
        None,
        id="quoted-keys-have-lines",
    ),
    pytest.param(
        """
        domain = "d"
        [description]
        text = "x"
        """,
        ("schema_violation", 2, None, None),
        '`description` must be a string, not a table: write it quoted, e.g. `description = "..."`',
        id="header-as-a-table",
    ),
    pytest.param(
        """
        domain = "d"
        "\\u0041x" = 1
        """,
        ("schema_violation", 2, None, "Ax"),
        None,
        id="escaped-quoted-key-has-a-line",
    ),
]


@pytest.mark.parametrize(("text", "where", "message"), SCHEMA_CASES)
def test_schema_diagnostics(
    text: str, where: tuple[str, int, str | None, str | None], message: str | None
) -> None:
    diagnostic = only(parse(text))
    assert (diagnostic.error_type, diagnostic.line, diagnostic.pipe, diagnostic.field) == where
    assert diagnostic.file == "bundle.mthds"
    if message is not None:
        assert diagnostic.message == message


def test_broken_pipes_and_concepts_are_remembered_and_left_out() -> None:
    result = parse("""
        domain = "d"
        [concept]
        bad = "x"
        Good = "y"
        [pipe.a]
        description = "no type"
        [pipe.b]
        type = "PipeLLM"
        description = "ok"
        output = "Text"
    """)
    assert result.broken_pipes == {"a"}
    assert result.broken_concepts == {"bad"}
    assert result.blueprint is not None
    assert set(result.blueprint.pipes) == {"b"}
    assert set(result.blueprint.concepts) == {"Good"}


def test_all_problems_are_reported_not_the_first() -> None:
    result = parse("""
        domain = "d"
        oops = 1
        [pipe.A]
        type = "PipeLLM"
        [pipe.b]
        type = "Nope"
        [pipe.c]
        description = "x"
    """)
    assert [(d.error_type, d.line) for d in result.diagnostics] == [
        ("schema_violation", 2),
        ("invalid_pipe_code_syntax", 3),
        ("unknown_pipe_type", 6),
        ("missing_pipe_type", 7),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the bundle is empty"),
        ("  \n\n\t", "the bundle is empty"),
        ('domain = "d"\x00', "NUL bytes"),
        ("#" * (MAX_BUNDLE_BYTES + 1), "over the 10 MB limit"),
    ],
    ids=["empty", "whitespace", "nul-byte", "too-large"],
)
def test_unreadable_texts_become_one_diagnostic(text: str, message: str) -> None:
    diagnostic = only(parse_bundle(text, file="f.mthds"))
    assert message in diagnostic.message
    assert diagnostic.file == "f.mthds"


def test_deep_nesting_is_a_diagnostic_not_a_crash() -> None:
    result = parse_bundle('domain = "d"\nx = ' + "[" * 100_000 + "]" * 100_000)
    assert [d.error_type for d in result.diagnostics] == ["toml_syntax"]


def test_crlf_line_endings_keep_lines_right() -> None:
    text = 'domain = "d"\r\n\r\n[pipe.a]\r\ndescription = "d"\r\ntype = "Nope"\r\n'
    diagnostic = only(parse_bundle(text))
    assert (diagnostic.error_type, diagnostic.line) == ("unknown_pipe_type", 5)


def test_quoted_table_keys_and_sub_tables_give_lines() -> None:
    result = parse("""
        domain = "d"
        main_pipe = "a"

        [pipe."a"]
        type = "PipeLLM"
        description = "d"
        output = "Text"

        [pipe.a.inputs]
        q = "Text"
        bad = 1
    """)
    assert {(d.line, d.pipe) for d in result.diagnostics} == {(9, "a")}
    assert result.source_map.pipe_line("a") == 4
    assert result.source_map.field_line("a", "inputs") == 9
    assert result.source_map.field_line("a", "output") == 7
    assert result.source_map.key_line("main_pipe") == 2


def test_field_line_after_a_multiline_prompt_holding_a_bracket_line() -> None:
    result = parse('''
        domain = "d"
        [pipe.a]
        type = "PipeLLM"
        description = "d"
        output = "Text"
        prompt = """
        [Context]
        Some text
        """
        model = "@nope"
    ''')
    assert result.source_map.field_line("a", "model") == 10


def test_non_string_domain_says_it_must_be_a_string() -> None:
    diagnostic = only(parse("domain = 3\n"))
    assert "no `domain`" not in diagnostic.message
    assert "string" in diagnostic.message


def test_wrongly_typed_input_gives_one_diagnostic_at_the_input() -> None:
    diagnostic = only(
        parse("""
        domain = "d"
        [pipe.a]
        type = "PipeLLM"
        description = "d"
        output = "Text"
        inputs = { q = 3 }
    """)
    )
    assert diagnostic.field == "inputs.q"


def test_bad_structure_field_type_gives_one_diagnostic_at_the_field() -> None:
    diagnostic = only(
        parse("""
        domain = "d"
        [concept.A]
        description = "a"
        [concept.A.structure]
        b = { type = "float", description = "b" }
    """)
    )
    assert diagnostic.field == "structure.b.type"


# ---------------------------------------------------------------- loader


def test_read_bundle_text_keeps_a_bom_which_the_parser_refuses(tmp_path: Path) -> None:
    # the reference (tomli 2.5) refuses a byte-order mark: "Invalid statement" at line 1, column 1
    path = tmp_path / "b.mthds"
    path.write_bytes('\ufeffdomain = "d"\n'.encode())
    text = read_bundle_text(path)
    assert text == '\ufeffdomain = "d"\n'
    diagnostics = parse_bundle(text, file="b.mthds").diagnostics
    assert [(d.error_type, d.line) for d in diagnostics] == [("toml_syntax", 1)]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "no such file"),
        ("dir", "is a directory"),
        (b"", "the file is empty"),
        (b"  \n", "the file is empty"),
        (b'domain = "d"\x00', "binary data"),
        (b"domain = '\xff'", "is not UTF-8 text (byte 10)"),
        # robust16: UTF-16 (PowerShell's `>`, with or without its byte-order mark) and UTF-32 were "binary data"
        ('domain = "d"\n'.encode("utf-16"), "is UTF-16 text, not UTF-8; save it as UTF-8 (PowerShell"),
        ('domain = "d"\n'.encode("utf-16-le"), "is UTF-16 text, not UTF-8"),
        ('domain = "d"\n'.encode("utf-16-be"), "is UTF-16 text, not UTF-8"),
        ('domain = "d"\n'.encode("utf-32"), "is UTF-32 text, not UTF-8; save it as UTF-8"),
    ],
    ids=["missing", "directory", "empty", "blank", "nul", "not-utf8", "utf16", "utf16le", "utf16be", "utf32"],
)
def test_read_bundle_text_refuses_with_a_load_error(
    tmp_path: Path, content: bytes | str | None, fragment: str
) -> None:
    path = tmp_path / "b.mthds"
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(BundleLoadError) as info:
        read_bundle_text(path)
    assert fragment in str(info.value)
    assert str(path) in str(info.value)
    assert info.value.file == str(path)
    assert isinstance(info.value, BundleError) and isinstance(info.value, PipelexError)


def test_load_library_reads_every_bundle_under_a_folder(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.mthds").write_text('domain = "d"\n[concept]\nNote = "n"\n')
    (tmp_path / "sub" / "a.mthds").write_text(
        'domain = "d"\n[pipe.p]\ntype = "PipeLLM"\ndescription = "x"\ninputs = { n = "Note" }\noutput = "Text"\n'
        'prompt = "$n"\n'
    )
    (tmp_path / "notes.txt").write_text("not a bundle")
    assert find_bundle_files(tmp_path) == [tmp_path / "b.mthds", tmp_path / "sub" / "a.mthds"]
    library = load_library([tmp_path])
    assert library.diagnostics == []
    assert set(library.pipes) == {"d.p"}
    assert library.pipes["d.p"].file == str(tmp_path / "sub" / "a.mthds")
    assert "d.Note" in library.concepts.concepts


def test_find_bundle_files_refuses_an_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(BundleLoadError, match="holds no .mthds file"):
        find_bundle_files(tmp_path)


def test_a_valid_library_is_checked_without_building_the_source_map_index() -> None:
    # lines are found only for diagnostics: parsing, loading and checking a valid bundle never lexes the text
    # (the index is the source map's cost: a fifth of parsing a big bundle)
    from pipelex.config.deck import default_deck
    from pipelex.language.library import build_library
    from pipelex.validation.static import check_library

    # (MENU's hint key `tone` is unknown to the standard: a warning, whose line is looked up; `intent` is known)
    menu = MENU.replace('hints = { tone = "dry" }', 'hints = { intent = "prose" }')
    library = build_library([(textwrap.dedent(menu).lstrip("\n"), "menu.mthds")])
    assert check_library(library, default_deck()) == []
    source_map = library.bundles[0].source_map
    assert "_index" not in vars(source_map) and "_lexed" not in vars(source_map)
    # and a diagnostic still finds its line, on the same map
    assert (
        source_map.pipe_line("write_menu_card")
        == menu.lstrip("\n").splitlines().index("[pipe.write_menu_card]") + 1
    )


def test_input_specs_are_made_once_and_read_only() -> None:
    from pipelex.language.blueprints import base

    bundle = parse(MENU).blueprint
    assert bundle is not None
    list_dishes = bundle.pipes["list_dishes"]
    specs = list_dishes.input_specs()
    assert specs == {"kitchen_note": "KitchenNote"} and list_dishes.input_specs() is specs
    with pytest.raises(TypeError):
        specs["other"] = "Text"  # type: ignore[index]
    twin = bp.PipeLLMBlueprint.model_validate(list_dishes.model_dump(by_alias=True))
    assert twin == list_dishes and twin is not list_dishes
    assert twin.input_specs() == specs and twin.input_specs() is not specs  # its own, equal
    # an entry lives as long as its blueprint: a long-lived server does not keep old requests' blueprints
    held = base._INPUT_SPECS  # pyright: ignore[reportPrivateUsage]
    twin_key = id(twin)
    assert twin_key in held
    del twin
    gc.collect()
    assert twin_key not in held
    assert all(
        pipe.input_specs()
        == {name: s if isinstance(s, str) else s.concept for name, s in pipe.inputs.items()}
        for pipe in bundle.pipes.values()
    )
    keys = {id(pipe) for pipe in bundle.pipes.values()}
    assert keys <= held.keys()
    del bundle, list_dishes
    gc.collect()
    assert not keys & held.keys()


def test_a_file_swapped_for_a_pipe_after_the_check_is_refused_not_waited_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the race a shared folder allows: the path is a regular file when it is looked at, a named pipe when it is
    # opened; the open must not wait for a writer and the read must not start (bundles and manifests alike)
    import os
    import threading

    from pipelex.language import loader

    path = tmp_path / "b.mthds"
    path.write_text('domain = "d"\n')
    real_stat = os.stat
    checked = {"regular": real_stat(path)}

    def stat_then_swap(target: object, *args: object, **kwargs: object) -> os.stat_result:
        if Path(str(target)) == path and "regular" in checked:
            result = checked.pop("regular")
            path.unlink()
            os.mkfifo(path)
            return result
        return real_stat(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", stat_then_swap)
    outcome: list[BaseException | tuple[bytes, int]] = []

    def read() -> None:
        try:
            outcome.append(loader._read_regular_file(path))  # pyright: ignore[reportPrivateUsage]
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=60)
    if reader.is_alive():  # free the blocked open so the thread ends, then fail
        with open(path, "wb"):  # noqa: PTH123
            pass
        pytest.fail("the read of a file swapped for a named pipe blocked")
    assert not checked, "the path was not checked before it was opened"
    assert len(outcome) == 1 and isinstance(outcome[0], OSError)
    assert "not a regular file" in str(outcome[0])


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_read_bundle_text_refuses_a_pipe_or_a_device_at_once(tmp_path: Path, kind: str) -> None:
    import os

    if kind == "fifo":
        path = tmp_path / "b.mthds"
        os.mkfifo(path)
    else:
        path = tmp_path / "zero.mthds"
        path.symlink_to("/dev/zero")
    with pytest.raises(BundleLoadError, match="is not a regular file"):
        read_bundle_text(path)


def test_a_bundle_whose_real_path_is_a_system_file_is_refused_unread(tmp_path: Path) -> None:
    # /proc/self/environ is a regular file (of /proc) holding the provider keys: named through a link (as MCP's
    # `path` or a library folder may), it is refused before a byte is read, as the CLI refuses it as an argument
    import os

    link = tmp_path / "environ.mthds"
    link.symlink_to("/proc/self/environ")
    assert os.path.isfile(link)
    with pytest.raises(BundleLoadError, match=r"lies in /proc, a system folder") as info:
        read_bundle_text(link)
    assert "PATH=" not in str(info.value)
