"""Templates as the reference defines them: Jinja's semantics for missing attributes, the metadata fields of
inputs, the runtime variable ``_nb_output``, and ``templating_style`` (string or table) shaping the render."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelex.boot import Pipelex
from pipelex.concepts.natives import ListContent, TextContent
from pipelex.config.deck import default_deck
from pipelex.errors import PipeRunError
from pipelex.language.library import build_library
from pipelex.memory.stuff import Stuff
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.pipes.rendering import TemplatingStyle, format_as, render_template
from pipelex.testing.fake_provider import FakeProvider
from pipelex.validation.static import check_library


@pytest.fixture(autouse=True)
def _booted() -> Iterator[None]:
    Pipelex.make(needs_inference=False)
    yield
    Pipelex.teardown()  # a later test must not inherit a process forced to dry mode


def diagnose(text: str) -> list[tuple[str, str | None, str]]:
    """``(error_type, pipe, message)`` of each static diagnostic of one bundle."""
    library = build_library([(textwrap.dedent(text), "bundle.mthds")])
    return [(d.error_type, d.pipe, d.message) for d in check_library(library, default_deck())]


async def dry_text(bundle: str, inputs: dict[str, Any], pipe: str | None = None) -> str:
    """The text a dry run's main output holds."""
    runner = PipelexRunner(mthds_content=textwrap.dedent(bundle), pipe_run_mode=PipeRunMode.DRY)
    output = await runner.execute_pipeline(inputs, pipe_code=pipe)
    assert isinstance(output.main_stuff, Stuff), output.main_stuff
    content = output.main_stuff.content
    assert isinstance(content, TextContent), content
    return content.text


GUESTBOOK = """
    domain = "guestbook"
    main_pipe = "thank_guest"

    [concept.GuestNote]
    description = "What a guest wrote in the book on leaving"
    [concept.GuestNote.structure]
    guest = { type = "text", description = "Who wrote it", required = true }
    message = { type = "text", description = "What they wrote", required = true }
    added = { type = "text", description = "When a host added a remark" }

    [pipe.thank_guest]
    type = "PipeCompose"
    description = "A thank-you card for the guest"
    inputs = { note = "GuestNote" }
    output = "Text"
    template = \"\"\"
    Dear $note.guest,
    {% if note.added %}A host noted on {{ note.added }}.{% endif %}
    {% if note.signature %}Signed {{ note.signature }}.{% else %}Unsigned.{% endif %}
    [{{ note.nickname }}]
    {% for line in note.postscripts %}PS {{ line }}{% endfor %}
    Thanks for: $note.message
    \"\"\"
"""


async def test_missing_attributes_are_undefined_as_in_jinja() -> None:
    text = await dry_text(GUESTBOOK, {"note": {"guest": "Ines", "message": "lovely stay"}})
    assert "Dear Ines," in text
    assert "A host noted" not in text  # a declared field left empty is false
    assert "Unsigned." in text  # a field the concept does not have is false too
    assert "[]" in text  # and prints as nothing
    assert "PS" not in text  # and iterates as nothing
    assert "Thanks for: lovely stay" in text


async def test_a_present_attribute_renders() -> None:
    text = await dry_text(GUESTBOOK, {"note": {"guest": "Ines", "message": "m", "added": "2026-05-01"}})
    assert "A host noted on 2026-05-01." in text


def test_missing_attributes_validate_and_dry_run_cleanly() -> None:
    assert diagnose(GUESTBOOK) == []


@pytest.mark.parametrize(
    "line",
    [
        "[$note.nickname]",
        "@note.nickname",
        "[{{ note.nickname|format() }}]",
        "{{ note|tag }} $note.x",
    ],
    ids=["dollar", "at", "format-filter", "dollar-after-a-tag"],
)
async def test_writing_a_field_the_concept_lacks_with_a_sigil_fails_to_render(line: str) -> None:
    # `$x.f` and `@x.f` are the format and tag filters, which need a value: the reference fails such a render
    bundle = GUESTBOOK.replace("[{{ note.nickname }}]", line)
    with pytest.raises(PipeRunError, match=r"guestbook\.GuestNote has no field '(nickname|x)'"):
        await dry_text(bundle, {"note": {"guest": "Ines", "message": "lovely stay"}})


async def test_an_optional_block_of_a_field_the_concept_lacks_prints_nothing() -> None:
    # `@?x.f` is a block only when x.f is there and not empty: a field the concept lacks is not there (the reference
    # prints nothing for it too, run as a black box)
    bundle = GUESTBOOK.replace("[{{ note.nickname }}]", "[\n@?note.nickname\n]")
    text = await dry_text(bundle, {"note": {"guest": "Ines", "message": "lovely stay"}})
    assert "[\n\n]" in text and "nickname" not in text


def test_a_sigil_writing_a_field_the_concept_lacks_fails_validation_in_its_dry_run() -> None:
    from pipelex.validation.report import validate_library

    bundle = textwrap.dedent(GUESTBOOK.replace("[{{ note.nickname }}]", "[$note.nickname]"))
    report = validate_library(build_library([(bundle, "bundle.mthds")]), default_deck())
    assert not report.is_valid
    (error,) = report.errors
    assert error.error_type == "DryRunError" and error.pipe == "thank_guest"
    assert "has no field 'nickname'" in error.message and "read a field the concept declares" in error.message


async def test_writing_a_declared_field_left_empty_with_a_sigil_renders() -> None:
    bundle = GUESTBOOK.replace("[{{ note.nickname }}]", "[$note.added]")
    text = await dry_text(bundle, {"note": {"guest": "Ines", "message": "lovely stay"}})
    assert "Dear Ines," in text and "Thanks for: lovely stay" in text


def test_an_undeclared_variable_is_still_a_static_error() -> None:
    found = diagnose("""
        domain = "guestbook"
        [pipe.thank]
        type = "PipeCompose"
        description = "card"
        inputs = { guest = "Text" }
        output = "Text"
        template = "Dear $guest, {% if host %}from {{ host }}{% endif %}"
    """)
    assert [(t, p) for t, p, _ in found] == [("missing_input_variable", "thank")]
    assert "'host'" in found[0][2]


def test_printing_a_missing_variable_fails_at_render_time() -> None:
    with pytest.raises(PipeRunError) as caught:
        render_template("Hello {{ nobody }}", {}, pipe_code="greet")
    assert caught.value.error_type == "template_render_failed" and "nobody" in str(caught.value)
    # a test, an iteration and an explicit default are fine, as in Jinja
    assert (
        render_template(
            "{% if nobody %}x{% endif %}{% for i in nobody %}y{% endfor %}{{ nobody|default('z') }}",
            {},
            pipe_code="greet",
        )
        == "z"
    )


def test_an_attribute_of_a_missing_attribute_fails_as_in_jinja() -> None:
    with pytest.raises(PipeRunError):
        render_template("{{ note.missing.deeper }}", {"note": TextContent(text="t")}, pipe_code="p")


METADATA = """
    domain = "library_desk"
    main_pipe = "describe"

    [concept]
    Loan = "A book lent to a reader"

    [pipe.describe]
    type = "PipeCompose"
    description = "Describes the stuff it receives"
    inputs = { loan = "Loan", returns = "Text[]" }
    output = "Text"
    template = "{{ loan._stuff_name }}|{{ loan._concept_code }}|{{ loan._content_class }}|{{ loan._stuff_code|length }}|{{ returns._stuff_name }}|{{ returns|length }}"
"""


async def test_inputs_answer_their_metadata_fields() -> None:
    assert diagnose(METADATA) == []
    text = await dry_text(METADATA, {"loan": "Dune, due Friday", "returns": ["a", "b"]})
    name, concept, content_class, code_length, list_name, count = text.split("|")
    assert (name, concept, content_class, list_name, count) == (
        "loan",
        "library_desk.Loan",
        "TextContent",
        "returns",
        "2",
    )
    assert int(code_length) > 0


@pytest.mark.parametrize(
    "expression",
    ["{{ loan._stuff }}", "{{ loan.__class__ }}", "{{ loan._secret_field }}"],
    ids=["wrapped-stuff", "dunder", "other-underscore"],
)
def test_other_private_names_stay_refused(expression: str) -> None:
    found = diagnose(f"""
        domain = "library_desk"
        [pipe.describe]
        type = "PipeCompose"
        description = "d"
        inputs = {{ loan = "Text" }}
        output = "Text"
        template = "{expression}"
    """)
    assert [t for t, _, _ in found] == ["template_private_name"]


NB_OUTPUT = """
    domain = "naming_studio"
    main_pipe = "name_boat"

    [concept]
    BoatName = "A name painted on the hull of a boat"

    [pipe.name_boat]
    type = "PipeLLM"
    description = "Names for a boat"
    inputs = {{ owner = "Text" }}
    output = "BoatName[{count}]"
    system_prompt = "You name boats; give exactly $_nb_output answers."
    prompt = "Give me $_nb_output names for the boat of $owner{{% if _nb_output and _nb_output > 2 %}}, a long list{{% endif %}}."
"""


def test_nb_output_is_a_runtime_variable_of_pipe_llm() -> None:
    assert diagnose(NB_OUTPUT.format(count="4")) == []
    assert diagnose(NB_OUTPUT.format(count="")) == []


def test_nb_output_is_not_an_input_of_other_operators() -> None:
    found = diagnose("""
        domain = "naming_studio"
        [pipe.card]
        type = "PipeCompose"
        description = "card"
        inputs = { owner = "Text" }
        output = "Text"
        template = "$owner has $_nb_output boats"
    """)
    assert sorted(t for t, _, _ in found) == ["missing_input_variable", "template_private_name"]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    """A fake OpenAI/Anthropic provider on 127.0.0.1, with the process booted for live runs."""
    with FakeProvider() as provider:
        for key, value in provider.env().items():
            monkeypatch.setenv(key, value)
        Pipelex.make()
        yield provider


def sent_prompts(fake: FakeProvider) -> list[tuple[str, str]]:
    """``(system, user)`` texts of each chat call the fake received."""
    found: list[tuple[str, str]] = []
    for request in fake.requests:
        messages = request.body.get("messages") or []
        system = next((m["content"] for m in messages if m.get("role") == "system"), "")
        user = [m["content"] for m in messages if m.get("role") == "user"]
        text = user[-1] if user else ""
        if isinstance(text, list):
            text = "".join(part.get("text", "") for part in text if isinstance(part, dict))
        found.append((str(system), str(text)))
    return found


@pytest.mark.parametrize(
    ("count", "expected"), [("4", "Give me 4 names"), ("", "Give me  names")], ids=["fixed", "variable"]
)
async def test_nb_output_has_its_real_value_in_a_live_run(
    fake: FakeProvider, count: str, expected: str
) -> None:
    runner = PipelexRunner(
        mthds_content=textwrap.dedent(NB_OUTPUT.format(count=count)), pipe_run_mode=PipeRunMode.LIVE
    )
    output = await runner.execute_pipeline({"owner": "Mira"})
    assert isinstance(output.main_stuff, Stuff), output.main_stuff
    assert isinstance(output.main_stuff.content, ListContent)
    system, prompt = sent_prompts(fake)[0]
    assert expected in prompt and "for the boat of Mira" in prompt
    if count:
        assert "of Mira, a long list." in prompt and "exactly 4 answers" in system
        assert len(output.main_stuff.content.items) == 4
    else:
        assert "a long list" not in prompt and "give exactly  answers" in system


STYLED = """
    domain = "press_room"
    main_pipe = "brief"

    [concept.Story]
    description = "A story on the desk"
    [concept.Story.structure]
    headline = {{ type = "text", description = "The headline", required = true }}
    words = {{ type = "integer", description = "Length in words", required = true }}

    [pipe.brief]
    type = "PipeLLM"
    description = "Brief the editor"
    inputs = {{ story = "Story", note = "Text" }}
    output = "Text"
    {style}
    prompt = \"\"\"
    Brief the editor on this story:
    @story
    Desk note: $note
    \"\"\"
"""


@pytest.mark.parametrize(
    ("style", "opening", "closing"),
    [
        ("", "<story>", "</story>"),
        ('templating_style = "square_brackets"', "[story]", "[/story]"),
        ('templating_style = "ticks"', "story: ```", "```"),
        ('templating_style = { tag_style = "xml", text_format = "markdown" }', "<story>", "</story>"),
    ],
    ids=["default-xml", "square-brackets", "ticks", "table-xml-markdown"],
)
async def test_templating_style_shapes_the_prompt(
    fake: FakeProvider, style: str, opening: str, closing: str
) -> None:
    bundle = STYLED.format(style=style)
    assert diagnose(bundle) == []
    runner = PipelexRunner(mthds_content=textwrap.dedent(bundle), pipe_run_mode=PipeRunMode.LIVE)
    await runner.execute_pipeline({"story": {"headline": "Tides rise", "words": 800}, "note": "short"})
    _, prompt = sent_prompts(fake)[0]
    assert opening in prompt and closing in prompt.split(opening, 1)[1]
    assert "Desk note: short" in prompt
    if "markdown" in style:
        assert "- **headline**: Tides rise" in prompt and "- **words**: 800" in prompt


async def test_no_tag_inserts_the_bare_value(fake: FakeProvider) -> None:
    bundle = STYLED.format(style='templating_style = { tag_style = "no_tag", text_format = "json" }')
    runner = PipelexRunner(mthds_content=textwrap.dedent(bundle), pipe_run_mode=PipeRunMode.LIVE)
    await runner.execute_pipeline({"story": {"headline": "Tides rise", "words": 800}, "note": "short"})
    _, prompt = sent_prompts(fake)[0]
    assert "<story>" not in prompt and "[story]" not in prompt
    block = prompt.split("Brief the editor on this story:", 1)[1].split("Desk note:", 1)[0]
    assert json.loads(block) == {"headline": "Tides rise", "words": 800}
    assert 'Desk note: "short"' in prompt  # json formats every value, a text as a JSON string


@pytest.mark.parametrize(
    "style",
    [
        '{ tag_style = "html" }',
        '{ text_format = "markdown" }',
        '{ tag_style = "xml", text_format = "yaml" }',
        '"bold"',
        '{ tag_style = "xml", extra = 1 }',
    ],
    ids=["bad-tag-style", "missing-tag-style", "bad-text-format", "bad-string", "unknown-key"],
)
def test_a_bad_templating_style_is_a_schema_error(style: str) -> None:
    found = diagnose(STYLED.format(style=f"templating_style = {style}"))
    assert found and all(t == "schema_violation" for t, _, _ in found), found
    assert any("templating_style" in message for _, _, message in found)


HTML_PAGE = """
    domain = "press_room"
    main_pipe = "page"

    [concept.Story]
    description = "A story on the desk"
    [concept.Story.structure]
    headline = { type = "text", description = "The headline", required = true }

    [pipe.page]
    type = "PipeCompose"
    description = "The story as a web page"
    inputs = { story = "Story", note = "Text" }
    output = "Html"

    [pipe.page.template]
    category = "html"
    templating_style = { tag_style = "xml", text_format = "html" }
    template = \"\"\"
    <h1>$story.headline</h1>
    <aside>$note</aside>
    \"\"\"
"""


async def test_compose_template_table_honours_its_text_format() -> None:
    assert diagnose(HTML_PAGE) == []
    runner = PipelexRunner(mthds_content=textwrap.dedent(HTML_PAGE), pipe_run_mode=PipeRunMode.DRY)
    output = await runner.execute_pipeline(
        {"story": {"headline": "Fish & <Chips>"}, "note": "line one\nline two"}
    )
    assert isinstance(output.main_stuff, Stuff), output.main_stuff
    html = output.main_stuff.content.model_dump()["inner_html"]
    assert "<h1>Fish &amp; &lt;Chips&gt;</h1>" in html
    assert "<aside>line one<br>\nline two</aside>" in html


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    tag=st.sampled_from(["xml", "ticks", "square_brackets", "no_tag"]),
    text_format=st.sampled_from(["plain", "markdown", "html", "json"]),
)
def test_every_style_keeps_the_value(text: str, tag: str, text_format: str) -> None:
    style = TemplatingStyle(tag, text_format)  # type: ignore[arg-type]
    rendered = render_template("@doc", {"doc": TextContent(text=text)}, pipe_code="p", style=style)
    body = format_as(TextContent(text=text), style.text_format)
    assert body in rendered
    if text_format == "json":
        assert json.loads(body) == text
    if tag == "no_tag":
        assert rendered == body


GALLERY = """
    domain = "art_desk"
    main_pipe = "compare"

    [concept.Catalogue]
    description = "A catalogue entry with its photo"
    [concept.Catalogue.structure]
    title = { type = "text", description = "The work", required = true }
    photo = { type = "concept", concept_ref = "Image", description = "The work's photo", required = true }

    [pipe.compare]
    type = "PipeLLM"
    description = "Compares a work with a reference and a catalogue entry"
    inputs = { reference = "Image", subject = "Image", entry = "Catalogue" }
    output = "Text"
    system_prompt = "Judge styles against this reference: $reference"
    prompt = \"\"\"
    Compare the style of $subject with the reference.
    The catalogue entry:
    {{ entry | with_images }}
    Again, the subject: $subject
    \"\"\"
"""


def _png_data_url(colour: tuple[int, int, int]) -> str:
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), colour).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def sent_images(fake: FakeProvider) -> list[str]:
    """The data URLs of the images of the first chat call, in the order the model receives them."""
    urls: list[str] = []
    for message in fake.requests[0].body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, list):
            urls += [part["image_url"]["url"] for part in content if part.get("type") == "image_url"]
    return urls


async def test_images_are_numbered_tokens_sent_in_that_order(
    fake: FakeProvider, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(tmp_path / "storage"))
    assert diagnose(GALLERY) == []
    red, green, blue = (_png_data_url(c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255)))
    inputs = {
        "reference": {"url": red},
        "subject": {"url": green},
        "entry": {"title": "Harbour at dawn", "photo": {"url": blue}},
    }
    runner = PipelexRunner(mthds_content=textwrap.dedent(GALLERY), pipe_run_mode=PipeRunMode.LIVE)
    await runner.execute_pipeline(inputs)
    system, prompt = sent_prompts(fake)[0]
    assert "against this reference: [Image 1]" in system  # the system prompt's images come first
    assert "Compare the style of [Image 2] with the reference." in prompt
    assert (
        "title: Harbour at dawn" in prompt and "photo: [Image 3]" in prompt
    )  # a nested image, by with_images
    assert "Again, the subject: [Image 2]" in prompt  # the same image keeps its number
    sent = sent_images(fake)
    assert [url.split(",", 1)[1] for url in sent] == [u.split(",", 1)[1] for u in (red, green, blue)]


def test_with_images_needs_a_value() -> None:
    with pytest.raises(PipeRunError) as caught:
        render_template("{{ entry.missing | with_images }}", {"entry": TextContent(text="t")}, pipe_code="p")
    assert "with_images" in str(caught.value)


async def test_the_runtime_default_style_applies_to_pipes_that_declare_none(
    fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelex.config.settings import parse_config

    config = parse_config(
        '[runtime]\ndefault_templating_style = { tag_style = "square_brackets", text_format = "markdown" }\n',
        source="proj/pipelex.toml",
    )
    Pipelex.make(config=config)
    try:
        story = {"story": {"headline": "Tides rise", "words": 800}, "note": "short"}
        for style, opening in (("", "[story]"), ('templating_style = "xml"', "<story>")):
            fake.reset()
            bundle = textwrap.dedent(STYLED.format(style=style))
            runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.LIVE)
            await runner.execute_pipeline(story)
            _, prompt = sent_prompts(fake)[0]
            assert opening in prompt  # the pipe's own style wins over the default
            if not style:
                assert "- **headline**: Tides rise" in prompt and "[/story]" in prompt
    finally:
        Pipelex.teardown()


def test_a_bad_default_style_is_a_config_error() -> None:
    from pipelex.config.settings import parse_config
    from pipelex.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        parse_config('[runtime]\ndefault_templating_style = "bold"\n', source="proj/pipelex.toml")
    assert "default_templating_style" in str(caught.value) and "proj/pipelex.toml" in str(caught.value)
