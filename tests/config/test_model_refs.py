"""Model references: one namespace of aliases, presets and waterfalls per category, looked up in the category the
operator needs, and a default deck (a data file) that knows the current models of the major providers."""

from __future__ import annotations

import textwrap
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest

from pipelex.boot import Pipelex
from pipelex.config.deck import (
    CATEGORY_ORDER,
    DEFAULT_DECK_FILE,
    ModelCategory,
    deck_from_config,
    default_deck,
    render_deck,
)
from pipelex.errors import ConfigError
from pipelex.language.library import build_library
from pipelex.memory.stuff import Stuff
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.testing.fake_provider import FakeProvider
from pipelex.validation.static import check_library

LLM, IMG = ModelCategory.LLM, ModelCategory.IMG_GEN


def handles(
    ref: str, category: ModelCategory | None = None, models: dict[str, Any] | None = None
) -> list[str]:
    deck = deck_from_config(models or {})
    return [h.handle for h in deck.resolve(ref, category) or []]


@pytest.mark.parametrize(
    ("ref", "category", "expected"),
    [
        ("@default-small", LLM, ["gpt-4o-mini"]),
        ("@default-small", IMG, ["gpt-image-1-mini"]),
        ("@default-general", IMG, ["gpt-image-1"]),
        ("@default-premium", IMG, ["gpt-image-2"]),
        ("@best-gpt", IMG, ["gpt-image-2"]),
        ("@best-gpt", LLM, ["gpt-5.4"]),
        ("@default-premium", ModelCategory.EXTRACT, ["vision-extract"]),
        ("$gen-image", IMG, ["gpt-image-1"]),
        ("preset:gen-image-high-quality", IMG, ["gpt-image-2"]),
        (
            "~document-extractor",
            ModelCategory.EXTRACT,
            ["pypdfium2-extract-pdf", "vision-extract", "tesseract-ocr"],
        ),
        ("@default-small", None, ["gpt-4o-mini"]),  # no category: the LLM meaning comes first
    ],
    ids=lambda v: str(v),
)
def test_a_name_resolves_in_the_category_asked(
    ref: str, category: ModelCategory | None, expected: list[str]
) -> None:
    assert handles(ref, category) == expected


@pytest.mark.parametrize(
    ("ref", "category"),
    [
        ("@best-claude", IMG),
        ("$gen-image", LLM),
        ("$writing-factual", IMG),
        ("~ocr-extractor", LLM),
        ("$writing-factual", ModelCategory.EXTRACT),  # an extraction takes extraction models only
        ("@default-general", ModelCategory.EXTRACT),
        ("$writing-factual", ModelCategory.JUDGE),  # a judgment takes judgment models only
        ("@default-general", ModelCategory.JUDGE),
        ("@nope", None),
    ],
)
def test_a_name_outside_the_category_does_not_resolve(ref: str, category: ModelCategory | None) -> None:
    assert handles(ref, category) == []


@pytest.mark.parametrize(
    "handle",
    [
        "gpt-image-2",
        "nano-banana-2",
        "nano-banana-pro",
        "nano-banana",
        "claude-4.6-sonnet",
        "claude-4.7-opus",
        "claude-4.5-haiku",
        "gemini-flash-latest",
        "gemini-pro-latest",
        "gemini-flash-lite-latest",
        "gemini-3.1-pro",
        "gemini-2.5-flash",
        "gpt-5.4",
        "gpt-5.6-terra",
        "gpt-5.6-luna",
        "gpt-4.1",
        "mistral-large",
        "gpt-image-1.5",
    ],
)
def test_the_default_deck_knows_current_models(handle: str) -> None:
    deck = default_deck()
    assert handle in deck.handles
    model = deck.handles[handle]
    assert model.backend in deck.backends and model.model_id
    expected = IMG if handle.startswith(("gpt-image", "nano-banana")) else LLM
    assert model.category is expected


def test_every_name_of_the_data_file_resolves_in_its_own_category() -> None:
    data = tomllib.loads(DEFAULT_DECK_FILE.read_text(encoding="utf-8"))
    deck = default_deck()
    count = 0
    for category in CATEGORY_ORDER:
        table = data.get(category.value, {})
        for prefix, kind in (("@", "aliases"), ("$", "presets"), ("~", "waterfalls")):
            for name in table.get(kind, {}):
                assert deck.resolve(f"{prefix}{name}", category), (category, name)
                count += 1
    assert count >= 60
    for category in ModelCategory:
        ref = deck.default_ref(category)
        assert ref is None or deck.resolve(ref, category), category


def test_category_tables_and_flat_tables_of_the_config() -> None:
    models = {
        "backends": {
            "groq": {
                "kind": "openai",
                "base_url": "https://api.groq.com/openai/v1",
                "api_key_env": "GROQ_API_KEY",
            }
        },
        "handles": {
            "llama": {"backend": "groq", "model_id": "llama-3.3-70b"},
            "flux": {"backend": "groq", "model_id": "flux", "category": "img_gen", "outputs": ["image"]},
        },
        "img_gen": {
            "aliases": {"default-small": "flux"},
            "presets": {"poster": {"model": "flux", "quality": "high"}},
        },
        "aliases": {"default-general": "llama", "house-images": "flux"},
    }
    assert handles("@default-small", IMG, models) == ["flux"]
    assert handles("@default-small", LLM, models) == [
        "gpt-4o-mini"
    ]  # the LLM alias of that name is untouched
    assert handles("@default-general", LLM, models) == ["llama"]  # a flat alias to an LLM is an LLM alias
    assert handles("@default-general", IMG, models) == ["gpt-image-1"]
    assert handles("@house-images", IMG, models) == [
        "flux"
    ]  # a flat alias to an image model is an image alias
    assert handles("@house-images", LLM, models) == []
    resolved = deck_from_config(models).resolve_model("$poster", IMG)
    assert resolved is not None and resolved.quality == "high"
    shown = render_deck(deck_from_config(models))
    assert (
        "[img_gen]" in shown
        and "@default-small -> flux" in shown
        and "$poster -> flux (quality high)" in shown
    )


@pytest.mark.parametrize(
    ("models", "message"),
    [
        ({"img_gen": {"aliases": {"x": "@nowhere"}}}, "[models.img_gen.aliases] x does not resolve"),
        ({"img_gen": {"aliases": {"a": "@b", "b": "@a"}}}, "[models.img_gen.aliases] a does not resolve"),
        (
            {"img_gen": {"presets": {"p": {"model": "gpt-image-1", "quality": "ultra"}}}},
            "models.img_gen.presets.p",
        ),
        ({"imggen": {"aliases": {}}}, "unknown key `models.imggen`"),
        ({"llm": {"alias": {}}}, "unknown key `models.llm.alias`"),
    ],
    ids=["alias-to-unknown", "cycle", "bad-quality", "unknown-category", "unknown-table"],
)
def test_bad_category_tables_are_clear_errors(models: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        deck_from_config(models, source="proj/pipelex.toml")
    assert message in str(caught.value) and "proj/pipelex.toml" in str(caught.value)


GALLERY = """
    domain = "gallery_posters"
    main_pipe = "make_poster"

    [pipe.make_poster]
    type = "PipeSequence"
    description = "A caption, then a poster"
    inputs = {{ theme = "Text" }}
    output = "Image"
    steps = [
        {{ pipe = "write_caption", result = "caption" }},
        {{ pipe = "draw_poster", result = "poster" }},
    ]

    [pipe.write_caption]
    type = "PipeLLM"
    description = "A caption for the poster"
    inputs = {{ theme = "Text" }}
    output = "Text"
    model = "{llm_model}"
    prompt = "Write a poster caption about $theme."

    [pipe.draw_poster]
    type = "PipeImgGen"
    description = "The poster"
    inputs = {{ caption = "Text" }}
    output = "Image"
    model = "{img_model}"
    prompt = "A gallery poster: $caption"
"""


def diagnose(text: str) -> list[tuple[str, str | None, str | None, str]]:
    library = build_library([(textwrap.dedent(text), "gallery.mthds")])
    return [(d.error_type, d.pipe, d.field, d.message) for d in check_library(library, default_deck())]


@pytest.mark.parametrize(
    ("llm_model", "img_model"),
    [
        ("@default-small", "@default-small"),
        ("@default-premium", "@default-premium"),
        ("$writing-creative", "$gen-image"),
        ("alias:best-gpt", "alias:best-gpt"),
        ("claude-4.6-sonnet", "nano-banana-2"),
        ("gemini-flash-latest", "gpt-image-2"),
    ],
    ids=["small", "premium", "presets", "long-forms", "handles", "more-handles"],
)
def test_the_same_name_on_two_operators_validates(llm_model: str, img_model: str) -> None:
    assert diagnose(GALLERY.format(llm_model=llm_model, img_model=img_model)) == []


@pytest.mark.parametrize(
    ("llm_model", "img_model", "field_pipe", "needle"),
    [
        ("@default-small", "@best-claude", "draw_poster", "exists only for llm models"),
        ("$gen-image", "@default-small", "write_caption", "exists only for img_gen models"),
        ("nano-banana-pro", "@default-small", "write_caption", "nano-banana-pro (img_gen)"),
        ("@default-small", "claude-4.6-sonnet", "draw_poster", "claude-4.6-sonnet (llm)"),
    ],
    ids=["llm-alias-on-imggen", "imggen-preset-on-llm", "image-handle-on-llm", "llm-handle-on-imggen"],
)
def test_a_name_of_another_category_is_refused_naming_the_category(
    llm_model: str, img_model: str, field_pipe: str, needle: str
) -> None:
    found = diagnose(GALLERY.format(llm_model=llm_model, img_model=img_model))
    assert [(t, p, f) for t, p, f, _ in found] == [("unknown_model", field_pipe, "model")]
    message = found[0][3]
    assert needle in message and "needs a model of category" in message


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    with FakeProvider() as provider:
        for key, value in provider.env().items():
            monkeypatch.setenv(key, value)
        Pipelex.make()
        yield provider


async def test_a_live_run_calls_the_model_of_each_category(
    fake: FakeProvider, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(tmp_path / "storage"))
    bundle = textwrap.dedent(GALLERY.format(llm_model="@default-small", img_model="$gen-image-high-quality"))
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.LIVE)
    output = await runner.execute_pipeline({"theme": "tides"})
    assert isinstance(output.main_stuff, Stuff), output.main_stuff
    assert output.main_stuff.concept == "native.Image"
    chats = [r.body for r in fake.requests if r.route in ("chat", "messages")]
    images = [r.body for r in fake.requests if r.route == "images"]
    assert [c["model"] for c in chats] == ["gpt-4o-mini"]  # @default-small of the LLM category
    assert [(i["model"], i.get("quality")) for i in images] == [("gpt-image-2", "high")]  # the image preset
