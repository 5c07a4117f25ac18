"""The model deck: backends, model handles, aliases (``@x``), presets (``$x``) and waterfalls (``~x``).

A *backend* is a provider endpoint: its kind (``openai`` for every OpenAI-compatible endpoint,
``anthropic``, or ``internal`` for local engines such as pypdfium2 and reportlab), its base URL and the
environment variable holding its key. A *handle* is a concrete model of a backend with its
capabilities and prices (USD per million tokens). Aliases name a handle (or another reference),
presets add settings (temperature, max tokens) to a reference, and waterfalls list references to try
in turn when a provider fails.

The default deck resolves every name the reference implementation's default deck uses, mapped to
models of the providers we support, so bundles written for it validate and run unchanged. The
``[models]`` table of ``pipelex.toml`` is merged over it (:func:`deck_from_config`); a reference to an
unknown handle or backend is a :class:`~pipelex.errors.ConfigError` naming the key and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelex.errors import ConfigError


class ModelCategory(StrEnum):
    """What a model does."""

    LLM = "llm"
    IMG_GEN = "img_gen"
    EXTRACT = "extract"
    SEARCH = "search"
    DOC_GEN = "doc_gen"
    JUDGE = "judge"


BackendKind = Literal["openai", "anthropic", "internal"]


@dataclass(frozen=True)
class Backend:
    """A provider endpoint. ``api_key_env = None`` means the backend needs no key (local engines, Ollama)."""

    name: str
    kind: BackendKind
    base_url: str | None = None
    base_url_env: str | None = None
    api_key_env: str | None = None

    def resolved_base_url(self, env: Mapping[str, str] | None = None) -> str | None:
        """The base URL: the ``base_url_env`` variable when set, else ``base_url`` (None: the SDK default)."""
        env = os.environ if env is None else env
        if self.base_url_env and env.get(self.base_url_env):
            return env[self.base_url_env]
        return self.base_url

    def api_key(self, env: Mapping[str, str] | None = None) -> str | None:
        """The key from the environment (None when unset or when the backend needs none)."""
        env = os.environ if env is None else env
        return env.get(self.api_key_env) or None if self.api_key_env else None

    @property
    def needs_key(self) -> bool:
        """True when calls need a key from ``api_key_env``."""
        return self.kind != "internal" and self.api_key_env is not None


@dataclass(frozen=True)
class ModelHandle:
    """A concrete model: backend, provider model id, capabilities and prices (USD per 1M tokens)."""

    handle: str
    backend: str
    model_id: str
    category: ModelCategory
    inputs: tuple[str, ...] = ("text",)
    outputs: tuple[str, ...] = ("text",)
    input_price: float = 0.0
    output_price: float = 0.0
    cached_input_price: float | None = None  # None: half the input price
    max_tokens: int | None = None

    def cost_usd(self, *, input_tokens: int, output_tokens: int, cached_input_tokens: int = 0) -> float:
        """The price of a call: cached input at its own price (half the input price by default)."""
        cached_price = self.cached_input_price if self.cached_input_price is not None else self.input_price / 2
        fresh = max(0, input_tokens - cached_input_tokens)
        return (fresh * self.input_price + cached_input_tokens * cached_price + output_tokens * self.output_price) / 1e6


@dataclass(frozen=True)
class Preset:
    """A model reference with settings."""

    model: str
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None
    description: str = ""


@dataclass(frozen=True)
class CallPolicy:
    """How provider calls are made: per-call timeout (s), attempts, backoff (s), calls in flight per process."""

    timeout: float = 120.0
    max_attempts: int = 4
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    max_concurrency: int = 64


@dataclass(frozen=True)
class ResolvedModel:
    """What a model reference resolves to: the handles to try in order, and the settings of a preset."""

    handles: list[ModelHandle]
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None


@dataclass
class ModelDeck:
    """Backends, handles, aliases, presets, waterfalls, the default choice per category and the call policy."""

    handles: dict[str, ModelHandle] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    presets: dict[str, Preset] = field(default_factory=dict)
    waterfalls: dict[str, list[str]] = field(default_factory=dict)
    backends: dict[str, Backend] = field(default_factory=dict)
    defaults: dict[ModelCategory, str] = field(default_factory=dict)
    policy: CallPolicy = field(default_factory=CallPolicy)

    def resolve(self, ref: str) -> list[ModelHandle] | None:
        """The handles a model reference names (several for a waterfall), or None when unknown."""
        resolved = self.resolve_model(ref)
        return resolved.handles if resolved is not None else None

    def resolve_model(self, ref: str) -> ResolvedModel | None:
        """The handles and settings a model reference names, or None when unknown."""
        ref = ref.strip()
        for long, short in (("preset:", "$"), ("alias:", "@"), ("waterfall:", "~"), ("handle:", "")):
            if ref.startswith(long):
                ref = short + ref[len(long):]
        if ref.startswith("$"):
            preset = self.presets.get(ref[1:])
            if preset is None:
                return None
            handles = self._resolve(preset.model, {ref})
            if not handles:
                return None
            return ResolvedModel(handles, preset.temperature, preset.max_tokens, preset.reasoning_effort)
        handles = self._resolve(ref, set())
        return ResolvedModel(handles) if handles else None

    def default_ref(self, category: ModelCategory) -> str:
        """The reference used when a pipe names no model."""
        return self.defaults.get(category, "@default-general")

    def _resolve(self, ref: str, seen: set[str]) -> list[ModelHandle] | None:
        if ref in seen:
            return None
        seen.add(ref)
        if ref.startswith("$"):
            preset = self.presets.get(ref[1:])
            return self._resolve(preset.model, seen) if preset else None
        if ref.startswith("@"):
            target = self.aliases.get(ref[1:])
            return self._resolve(target, seen) if target else None
        if ref.startswith("~"):
            chain = self.waterfalls.get(ref[1:])
            if chain is None:
                return None
            handles: list[ModelHandle] = []
            for item in chain:
                for handle in self._resolve(item, set(seen)) or []:
                    if handle not in handles:
                        handles.append(handle)
            return handles or None
        handle = self.handles.get(ref)
        return [handle] if handle else None

    def names(self) -> list[str]:
        """Every name a bundle may write in ``model = "..."``."""
        return ([*self.handles] + [f"@{a}" for a in self.aliases] + [f"${p}" for p in self.presets]
                + [f"~{w}" for w in self.waterfalls])

    def backend_of(self, handle: ModelHandle) -> Backend:
        """The backend of a handle (checked when the deck is built)."""
        return self.backends[handle.backend]


# ---------------------------------------------------------------------------------------------------- the default deck


def _default_backends() -> dict[str, Backend]:
    return {
        "openai": Backend("openai", "openai", base_url_env="OPENAI_BASE_URL", api_key_env="OPENAI_API_KEY"),
        "anthropic": Backend("anthropic", "anthropic", base_url_env="ANTHROPIC_BASE_URL",
                             api_key_env="ANTHROPIC_API_KEY"),
        "internal": Backend("internal", "internal"),
    }


def default_deck() -> ModelDeck:
    """The deck shipped with pipelex."""
    llm = ModelCategory.LLM
    vision_pdf = ("text", "images", "pdf")
    structured = ("text", "structured")
    handles = [
        ModelHandle("gpt-4o", "openai", "gpt-4o", llm, vision_pdf, structured, 2.5, 10.0, 1.25),
        ModelHandle("gpt-4o-mini", "openai", "gpt-4o-mini", llm, vision_pdf, structured, 0.15, 0.6, 0.075),
        ModelHandle("gpt-4.1", "openai", "gpt-4.1", llm, vision_pdf, structured, 2.0, 8.0, 0.5),
        ModelHandle("claude-sonnet", "anthropic", "claude-sonnet-4-6", llm, vision_pdf, structured, 3.0, 15.0, 0.3,
                    max_tokens=8192),
        ModelHandle("claude-haiku", "anthropic", "claude-haiku-4-5", llm, ("text", "images"), structured, 1.0, 5.0,
                    0.1, max_tokens=8192),
        ModelHandle("gpt-image-1", "openai", "gpt-image-1", ModelCategory.IMG_GEN, ("text",), ("image",), 5.0, 40.0),
        ModelHandle("pypdfium2-extract-pdf", "internal", "pypdfium2", ModelCategory.EXTRACT, ("pdf",), ("pages",)),
        ModelHandle("tesseract-ocr", "internal", "tesseract", ModelCategory.EXTRACT, ("pdf", "images"), ("pages",)),
        ModelHandle("vision-extract", "openai", "gpt-4o-mini", ModelCategory.EXTRACT, ("pdf", "images"), ("pages",),
                    0.15, 0.6),
        ModelHandle("web-search", "openai", "gpt-4o-mini-search-preview", ModelCategory.SEARCH, ("text",),
                    ("text", "structured"), 0.15, 0.6),
        ModelHandle("reportlab-pdf", "internal", "reportlab", ModelCategory.DOC_GEN, ("text",), ("pdf",)),
        ModelHandle("docx-writer", "internal", "docx", ModelCategory.DOC_GEN, ("text",), ("docx",)),
        ModelHandle("xlsx-writer", "internal", "xlsx", ModelCategory.DOC_GEN, ("text",), ("xlsx",)),
    ]
    deck = ModelDeck(handles={h.handle: h for h in handles}, backends=_default_backends())
    for alias in ("default-general", "default-premium-structured", "default-large-context-text",
                  "default-large-context-code", "best-gpt", "default-premium", "default-premium-vision"):
        deck.aliases[alias] = "gpt-4o"
    for alias in ("default-small", "default-small-structured", "default-small-vision", "default-small-creative"):
        deck.aliases[alias] = "gpt-4o-mini"
    for name in ("writing-factual", "retrieval", "retrieval-premium", "engineering-structured", "engineering-code",
                 "engineering-codebase-analysis", "vision", "vision-diagram", "vision-table", "deep-analysis"):
        deck.presets[name] = Preset("@default-premium", temperature=0.2)
    for name in ("writing-creative", "img-gen-prompting"):
        deck.presets[name] = Preset("@default-premium", temperature=1.0)
    for name in ("writing-factual-cheap", "retrieval-cheap", "engineering-code-cheap", "engineering-code-cheaper",
                 "vision-cheap", "quick-reasoning", "testing-text", "testing-structured", "testing-vision"):
        deck.presets[name] = Preset("@default-small", temperature=0.2)
    for name in ("writing-creative-cheap", "img-gen-prompting-cheap"):
        deck.presets[name] = Preset("@default-small", temperature=1.0)
    # image generation
    deck.aliases["default-img-gen"] = "gpt-image-1"
    for name in ("gen-image", "gen-image-fast", "gen-image-high-quality", "gen-image-testing",
                 "gen-image-testing-img2img", "synthesize-photo", "synthesize-ui", "synthesize-chart"):
        deck.presets[name] = Preset("gpt-image-1")
    # extraction: the local text layer first (no key, exact), then a vision model, then a local OCR engine
    for alias in ("default-text-from-pdf", "default-no-inference"):
        deck.aliases[alias] = "pypdfium2-extract-pdf"
    deck.waterfalls["document-extractor"] = ["pypdfium2-extract-pdf", "vision-extract", "tesseract-ocr"]
    deck.waterfalls["ocr-extractor"] = ["vision-extract", "tesseract-ocr"]
    deck.aliases["default-extract-document"] = "~document-extractor"
    deck.aliases["default-extract-image"] = "~ocr-extractor"
    deck.aliases["default-extract-web-page"] = "vision-extract"
    deck.presets["extract-testing"] = Preset("pypdfium2-extract-pdf")
    # search, doc gen, judgment
    deck.aliases["default-search"] = "web-search"
    deck.presets["standard"] = Preset("web-search")
    deck.presets["deep"] = Preset("web-search")
    deck.aliases["default-pdf"] = "reportlab-pdf"
    deck.aliases["default-judgment"] = "gpt-4o"
    deck.aliases["default-judgment-vision"] = "gpt-4o"
    deck.defaults = {
        ModelCategory.LLM: "@default-general",
        ModelCategory.IMG_GEN: "$gen-image",
        ModelCategory.EXTRACT: "@default-extract-document",
        ModelCategory.SEARCH: "@default-search",
        ModelCategory.DOC_GEN: "@default-pdf",
        ModelCategory.JUDGE: "@default-judgment",
    }
    return deck


# ---------------------------------------------------------------------------------------------------- [models] config


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BackendConfig(_Strict):
    """``[models.backends.<name>]``."""

    kind: BackendKind = "openai"
    base_url: str | None = None
    base_url_env: str | None = None
    api_key_env: str | None = None


class CostsConfig(_Strict):
    """``costs = { input = ..., output = ..., input_cached = ... }`` in USD per million tokens."""

    input: float = Field(default=0.0, ge=0)
    output: float = Field(default=0.0, ge=0)
    input_cached: float | None = Field(default=None, ge=0)


class HandleConfig(_Strict):
    """``[models.handles.<handle>]``."""

    backend: str
    model_id: str
    category: ModelCategory = ModelCategory.LLM
    inputs: list[str] = Field(default_factory=lambda: ["text"])
    outputs: list[str] = Field(default_factory=lambda: ["text", "structured"])
    costs: CostsConfig = Field(default_factory=CostsConfig)
    max_tokens: int | None = Field(default=None, ge=1)


class PresetConfig(_Strict):
    """``[models.presets.<name>]`` (or ``name = "reference"`` for a bare preset)."""

    model: str
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    reasoning_effort: str | None = None
    description: str = ""


class CallsConfig(_Strict):
    """``[models.calls]``: timeout (s), attempts, backoff (s) and calls in flight per process."""

    timeout: float | None = Field(default=None, gt=0)
    max_attempts: int | None = Field(default=None, ge=1, le=20)
    backoff_initial: float | None = Field(default=None, ge=0)
    backoff_max: float | None = Field(default=None, ge=0)
    max_concurrency: int | None = Field(default=None, ge=1, le=10_000)


class DeckConfig(_Strict):
    """The ``[models]`` table: merged over the default deck."""

    backends: dict[str, BackendConfig] = Field(default_factory=dict)
    handles: dict[str, HandleConfig] = Field(default_factory=dict)
    aliases: dict[str, str] = Field(default_factory=dict)
    presets: dict[str, PresetConfig | str] = Field(default_factory=dict)
    waterfalls: dict[str, list[str]] = Field(default_factory=dict)
    defaults: dict[ModelCategory, str] = Field(default_factory=dict)
    calls: CallsConfig = Field(default_factory=CallsConfig)


def deck_from_config(models: Mapping[str, Any], *, source: str = "pipelex.toml") -> ModelDeck:
    """The default deck with the ``[models]`` table merged over it; every reference checked."""
    if not models:
        return default_deck()
    try:
        config = DeckConfig.model_validate(dict(models))
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            problems.append(f"unknown key `models.{where}`" if error["type"] == "extra_forbidden"
                            else f"`models.{where}`: {error['msg']}")
        raise ConfigError(f"{source}: " + "; ".join(problems) + "; fix the [models] table (see `pipelex init`)") from exc
    deck = default_deck()
    for name, backend in config.backends.items():
        deck.backends[name] = Backend(name, backend.kind, backend.base_url, backend.base_url_env, backend.api_key_env)
    for name, handle in config.handles.items():
        if handle.backend not in deck.backends:
            raise ConfigError(f"{source}: [models.handles.{name}] names backend {handle.backend!r}, which is not "
                              f"declared: use one of {', '.join(sorted(deck.backends))} or add "
                              f"[models.backends.{handle.backend}]")
        deck.handles[name] = ModelHandle(name, handle.backend, handle.model_id, handle.category,
                                         tuple(handle.inputs), tuple(handle.outputs), handle.costs.input,
                                         handle.costs.output, handle.costs.input_cached, handle.max_tokens)
    deck.aliases.update(config.aliases)
    for name, preset in config.presets.items():
        deck.presets[name] = (Preset(preset) if isinstance(preset, str) else
                              Preset(preset.model, preset.temperature, preset.max_tokens, preset.reasoning_effort,
                                     preset.description))
    deck.waterfalls.update(config.waterfalls)
    deck.defaults.update(config.defaults)
    policy_updates = {k: v for k, v in config.calls.model_dump().items() if v is not None}
    deck.policy = replace(deck.policy, **policy_updates)
    _check_references(deck, source)
    return deck


def _check_references(deck: ModelDeck, source: str) -> None:
    """Every alias, preset, waterfall and default resolves to known handles."""
    checks: list[tuple[str, str]] = [(f"[models.aliases] {k}", f"@{k}") for k in deck.aliases]
    checks += [(f"[models.presets] {k}", f"${k}") for k in deck.presets]
    checks += [(f"[models.waterfalls] {k}", f"~{k}") for k in deck.waterfalls]
    checks += [(f"[models.defaults] {k.value}", v) for k, v in deck.defaults.items()]
    for where, ref in checks:
        if deck.resolve(ref) is None:
            raise ConfigError(f"{source}: {where} does not resolve to a model handle (unknown name or a cycle): "
                              "point it at a handle, '@alias', '$preset' or '~waterfall' that `pipelex show models` "
                              "lists")
    for waterfall, chain in deck.waterfalls.items():
        for item in chain:
            if deck.resolve(item) is None:
                raise ConfigError(f"{source}: [models.waterfalls] {waterfall} lists {item!r}, which is not a known "
                                  "model reference: fix or remove it")


_cache: tuple[object, ModelDeck] | None = None


def deck_for(config: Any) -> ModelDeck:
    """The deck of a :class:`~pipelex.config.settings.PipelexConfig` (built once per config object)."""
    global _cache
    if _cache is not None and _cache[0] is config:
        return _cache[1]
    deck = deck_from_config(config.models, source=config.source or "pipelex.toml")
    _cache = (config, deck)
    return deck


# ---------------------------------------------------------------------------------------------------- display


def render_deck(deck: ModelDeck) -> str:
    """The deck as ``pipelex show models`` prints it: backends, handles with prices, references."""
    lines = [f"{'handle':<24} {'backend':<10} {'model id':<28} {'category':<9} {'$/M in':>7} {'$/M out':>8}  inputs"]
    for handle in deck.handles.values():
        lines.append(f"{handle.handle:<24} {handle.backend:<10} {handle.model_id:<28} {handle.category.value:<9} "
                     f"{handle.input_price:>7.2f} {handle.output_price:>8.2f}  {','.join(handle.inputs)}")
    lines.append("")
    lines.append("backends:")
    for backend in deck.backends.values():
        key = f"key ${backend.api_key_env}" if backend.needs_key else "no key"
        url = backend.base_url or (f"${backend.base_url_env} or the SDK default" if backend.base_url_env else "-")
        lines.append(f"  {backend.name:<12} {backend.kind:<10} {key:<28} base URL: {url}")
    lines.append("")
    lines.append("defaults:   " + ", ".join(f"{k.value} -> {v}" for k, v in deck.defaults.items()))
    lines.append("aliases:    " + ", ".join(f"@{k} -> {v}" for k, v in deck.aliases.items()))
    lines.append("presets:    " + ", ".join(
        f"${k} -> {p.model}" + (f" (temperature {p.temperature:g})" if p.temperature is not None else "")
        for k, p in deck.presets.items()))
    lines.append("waterfalls: " + ", ".join(f"~{k} -> {' > '.join(v)}" for k, v in deck.waterfalls.items()))
    policy = deck.policy
    lines.append(f"calls:      timeout {policy.timeout:g}s, {policy.max_attempts} attempt(s), backoff "
                 f"{policy.backoff_initial:g}s..{policy.backoff_max:g}s with jitter, {policy.max_concurrency} in flight")
    return "\n".join(lines)


DECK_CONFIG_TEMPLATE = """
[storage]
# where generated images, extracted pages and documents go: "local" (a folder) or "s3"
kind = "local"
local_dir = ".pipelex/storage"
# s3_bucket = "my-bucket"
# s3_prefix = "pipelex"
# s3_endpoint_url = "http://127.0.0.1:9000"   # MinIO and other S3-compatible stores
# s3_region = "us-east-1"

[io]
# what a CLI or Python API run may read (the runner API uses [api] allow_local_files / allow_urls instead)
allow_local_files = true            # the files the user (or the bundle) names; false: data: URLs and storage only
allow_urls = true                   # public http(s) URLs
allow_internal_urls = false         # loopback, private, link-local, ... addresses (and names resolving to them)
# trusted_origins = ["http://docs.internal:8000"]   # fetched even when internal
max_read_bytes = 52428800           # the most one read returns (50 MiB)
fetch_timeout_s = 30.0              # the longest one fetch may take, redirects included
max_redirects = 5                   # each hop is checked again

[reporting]
# print the cost table at the end of a live run (--costs / --no-costs override it)
is_cost_report_enabled = true

# The model deck. Everything here is merged over the default deck (`pipelex show models` lists it).
# Keys never live in this file: a backend names the environment variable holding its key.
[models.calls]
# per-call timeout in seconds, attempts on 429/5xx/timeouts, backoff (exponential, with jitter)
timeout = 120.0
max_attempts = 4
backoff_initial = 0.5
backoff_max = 8.0
# provider calls in flight at once in one run
max_concurrency = 64

# Any OpenAI-compatible endpoint is a backend of kind "openai":
# [models.backends.mistral]
# kind = "openai"
# base_url = "https://api.mistral.ai/v1"
# api_key_env = "MISTRAL_API_KEY"
#
# [models.backends.ollama]
# kind = "openai"
# base_url = "http://localhost:11434/v1"     # no api_key_env: Ollama needs no key
#
# [models.handles.mistral-large]
# backend = "mistral"
# model_id = "mistral-large-latest"
# category = "llm"                           # llm, img_gen, extract, search, doc_gen, judge
# inputs = ["text", "images"]
# outputs = ["text", "structured"]
# costs = { input = 2.0, output = 6.0 }      # USD per million tokens (input_cached defaults to half the input)
#
# [models.aliases]
# default-general = "mistral-large"
#
# [models.presets.writing-factual]
# model = "@default-general"
# temperature = 0.2
#
# [models.waterfalls]
# robust-general = ["gpt-4o", "claude-sonnet"]   # fall back to the next model when a provider fails
#
# [models.defaults]
# llm = "@default-general"
"""
