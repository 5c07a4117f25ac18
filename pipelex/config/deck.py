"""The model deck: backends, model handles, aliases (``@x``), presets (``$x``) and waterfalls (``~x``).

A *backend* is a provider endpoint: its kind (``openai`` for every OpenAI-compatible endpoint,
``anthropic``, or ``internal`` for local engines such as pypdfium2 and reportlab), its base URL and the
environment variable holding its key. A *handle* is a concrete model of a backend with its
capabilities and prices (USD per million tokens). Aliases name a handle (or another reference),
presets add settings (temperature, max tokens, image quality) to a reference, and waterfalls list
references to try in turn when a provider fails. Aliases, presets and waterfalls have one namespace per
category (llm, img_gen, extract, search, doc_gen, judge): an operator looks a name up in its own category.

The default deck is a data file, ``pipelex/config/models.toml``: it knows the current models of the major
providers and resolves every name the reference implementation's default deck uses, so bundles written
for it validate and run unchanged. The ``[models]`` table of ``pipelex.toml`` has the same shape and is
merged over it (:func:`deck_from_config`); a reference to an unknown handle or backend is a
:class:`~pipelex.errors.ConfigError` naming the key and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

# the deck's vocabulary, re-exported: readers import it from here
from pipelex.config.model_kinds import (
    STRUCTURED_MODES,
    BackendKind,
    ModelCategory,
    StructuredMode,
    TokenLimitParam,
)
from pipelex.errors import ConfigError, MissingBaseUrlError
from pipelex.language.model_ref import ModelRef, ModelRefKind
from pipelex.record import FrozenRecord, Record, replace

if TYPE_CHECKING:
    from pipelex.config.deck_config import CategoryNamesConfig, CostsConfig, DeckConfig, PresetConfig

OPENAI_URL = "https://api.openai.com/v1"
ANTHROPIC_URL = "https://api.anthropic.com"


class Backend(FrozenRecord):
    """A provider endpoint. ``api_key_env = None`` means the backend needs no key (local engines, Ollama).

    ``structured_output``: the structured-output modes to try, in order (empty: the kind's default chain,
    see :meth:`structured_modes`); ``token_limit_param``: the request field carrying the token limit (None:
    ``max_completion_tokens`` on OpenAI's and Azure's own hosts, ``max_tokens`` elsewhere);
    ``official_base_url``: the host at which the deck's list prices apply (a backend pointed elsewhere
    serves other models: their usage is reported unpriced); ``api_version``: Azure OpenAI's API version.
    """

    name: str
    kind: BackendKind
    base_url: str | None
    base_url_env: str | None
    api_key_env: str | None
    structured_output: tuple[StructuredMode, ...]
    token_limit_param: TokenLimitParam | None
    official_base_url: str | None
    api_version: str | None
    api_version_env: str | None

    FIELDS = (
        "name",
        "kind",
        "base_url",
        "base_url_env",
        "api_key_env",
        "structured_output",
        "token_limit_param",
        "official_base_url",
        "api_version",
        "api_version_env",
    )

    def __init__(
        self,
        name: str,
        kind: BackendKind,
        base_url: str | None = None,
        base_url_env: str | None = None,
        api_key_env: str | None = None,
        structured_output: tuple[StructuredMode, ...] = (),
        token_limit_param: TokenLimitParam | None = None,
        official_base_url: str | None = None,
        api_version: str | None = None,
        api_version_env: str | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.base_url = base_url
        self.base_url_env = base_url_env
        self.api_key_env = api_key_env
        self.structured_output = structured_output
        self.token_limit_param = token_limit_param
        self.official_base_url = official_base_url
        self.api_version = api_version
        self.api_version_env = api_version_env

    def resolved_base_url(self, env: Mapping[str, str] | None = None) -> str | None:
        """The base URL: the ``base_url_env`` variable when set, else ``base_url``.

        Never the SDK's own default: a backend whose URL cannot be resolved is a :class:`MissingBaseUrlError`
        naming the variable, so a key never goes to a host it was not meant for. Local engines have none.
        """
        if self.kind == "internal":
            return None
        env = os.environ if env is None else env
        if self.base_url_env and env.get(self.base_url_env):
            return env[self.base_url_env].strip()
        if self.base_url:
            return self.base_url
        where = f"set {self.base_url_env} or " if self.base_url_env else ""
        raise MissingBaseUrlError(
            f'backend {self.name!r} has no base URL: {where}write `base_url = "https://..."` '
            f"under [models.backends.{self.name}] in pipelex.toml",
            backend=self.name,
            variable=self.base_url_env,
        )

    def base_url_source(self, env: Mapping[str, str] | None = None) -> str:
        """Where the base URL comes from, for hints: ``$VARIABLE`` or ``[models.backends.<name>] base_url``."""
        env = os.environ if env is None else env
        if self.base_url_env and env.get(self.base_url_env):
            return f"${self.base_url_env}"
        where = f"[models.backends.{self.name}] base_url"
        return f"{where} (or ${self.base_url_env})" if self.base_url_env else where

    def is_official_host(self, env: Mapping[str, str] | None = None) -> bool:
        """True when the backend reaches the host its list prices are for."""
        if self.official_base_url is None:
            return False
        try:
            url = self.resolved_base_url(env)
        except MissingBaseUrlError:
            return False
        return (url or "").rstrip("/") == self.official_base_url.rstrip("/")

    def token_limit_field(self, env: Mapping[str, str] | None = None) -> TokenLimitParam:
        """The request field that carries the token limit."""
        if self.token_limit_param is not None:
            return self.token_limit_param
        if self.kind == "azure_openai":
            return "max_completion_tokens"
        try:
            url = self.resolved_base_url(env) or ""
        except MissingBaseUrlError:
            url = ""
        return "max_completion_tokens" if url.rstrip("/") == OPENAI_URL else "max_tokens"

    def structured_modes(self) -> tuple[StructuredMode, ...]:
        """The structured-output modes to try in order: the configured chain, else the kind's default.

        One configured mode is followed by the less demanding modes after it (``json_schema`` ->
        ``json_object`` -> ``tools`` -> ``prompt``), so a server that refuses one still gets an answer.
        """
        if self.kind == "anthropic":
            return self.structured_output or ("tools", "prompt")
        if len(self.structured_output) == 1:
            start = STRUCTURED_MODES.index(self.structured_output[0])
            return STRUCTURED_MODES[start:]
        return self.structured_output or STRUCTURED_MODES[1:]

    def resolved_api_version(self, env: Mapping[str, str] | None = None) -> str | None:
        """Azure OpenAI's API version: ``api_version_env`` when set, else ``api_version``."""
        env = os.environ if env is None else env
        if self.api_version_env and env.get(self.api_version_env):
            return env[self.api_version_env]
        return self.api_version

    def api_key(self, env: Mapping[str, str] | None = None) -> str | None:
        """The key from the environment (None when unset or when the backend needs none)."""
        env = os.environ if env is None else env
        return env.get(self.api_key_env) or None if self.api_key_env else None

    @property
    def needs_key(self) -> bool:
        """True when calls need a key from ``api_key_env``."""
        return self.kind != "internal" and self.api_key_env is not None


Pricing = Literal["fixed", "list", "unpriced"]
"""``fixed``: the prices given hold wherever the backend points (declared ``costs``, free local engines);
``list``: the provider's list prices of the default deck, valid only on the backend's official host;
``unpriced``: no price is known (a handle declared without ``costs``): usage is reported as unpriced."""


class ModelHandle(FrozenRecord):
    """A concrete model: backend, provider model id, capabilities and prices (USD per 1M tokens)."""

    handle: str
    backend: str
    model_id: str
    category: ModelCategory
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    input_price: float
    output_price: float
    cached_input_price: float | None  # None: half the input price
    max_tokens: int | None
    pricing: Pricing

    FIELDS = (
        "handle",
        "backend",
        "model_id",
        "category",
        "inputs",
        "outputs",
        "input_price",
        "output_price",
        "cached_input_price",
        "max_tokens",
        "pricing",
    )

    def __init__(
        self,
        handle: str,
        backend: str,
        model_id: str,
        category: ModelCategory,
        inputs: tuple[str, ...] = ("text",),
        outputs: tuple[str, ...] = ("text",),
        input_price: float = 0.0,
        output_price: float = 0.0,
        cached_input_price: float | None = None,
        max_tokens: int | None = None,
        pricing: Pricing = "fixed",
    ) -> None:
        self.handle = handle
        self.backend = backend
        self.model_id = model_id
        self.category = category
        self.inputs = inputs
        self.outputs = outputs
        self.input_price = input_price
        self.output_price = output_price
        self.cached_input_price = cached_input_price
        self.max_tokens = max_tokens
        self.pricing = pricing

    def cost_usd(self, *, input_tokens: int, output_tokens: int, cached_input_tokens: int = 0) -> float:
        """The price of a call: cached input at its own price (half the input price by default)."""
        cached_price = (
            self.cached_input_price if self.cached_input_price is not None else self.input_price / 2
        )
        fresh = max(0, input_tokens - cached_input_tokens)
        return (
            fresh * self.input_price + cached_input_tokens * cached_price + output_tokens * self.output_price
        ) / 1e6

    def is_priced(self, backend: Backend, env: Mapping[str, str] | None = None) -> bool:
        """True when this handle's prices apply to a call through ``backend`` as it is configured now."""
        if self.pricing == "unpriced":
            return False
        return self.pricing == "fixed" or backend.is_official_host(env)


class Preset(FrozenRecord):
    """A model reference with settings."""

    model: str
    temperature: float | None
    max_tokens: int | None
    reasoning_effort: str | None
    description: str
    quality: str | None  # image generation: low, medium, high

    FIELDS = ("model", "temperature", "max_tokens", "reasoning_effort", "description", "quality")

    def __init__(
        self,
        model: str,
        temperature: float | None = None,
        max_tokens: int | None = None,
        reasoning_effort: str | None = None,
        description: str = "",
        quality: str | None = None,
    ) -> None:
        self.model = model
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.reasoning_effort = reasoning_effort
        self.description = description
        self.quality = quality


class CallPolicy(FrozenRecord):
    """How provider calls are made: per-call timeout (s), attempts, backoff (s), calls in flight per process."""

    timeout: float
    max_attempts: int
    backoff_initial: float
    backoff_max: float
    max_concurrency: int

    FIELDS = ("timeout", "max_attempts", "backoff_initial", "backoff_max", "max_concurrency")

    def __init__(
        self,
        timeout: float = 120.0,
        max_attempts: int = 4,
        backoff_initial: float = 0.5,
        backoff_max: float = 8.0,
        max_concurrency: int = 64,
    ) -> None:
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.max_concurrency = max_concurrency


class ResolvedModel(FrozenRecord):
    """What a model reference resolves to: the handles to try in order, and the settings of a preset."""

    handles: list[ModelHandle]
    temperature: float | None
    max_tokens: int | None
    reasoning_effort: str | None
    quality: str | None

    FIELDS = ("handles", "temperature", "max_tokens", "reasoning_effort", "quality")

    def __init__(
        self,
        handles: list[ModelHandle],
        temperature: float | None = None,
        max_tokens: int | None = None,
        reasoning_effort: str | None = None,
        quality: str | None = None,
    ) -> None:
        self.handles = handles
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.reasoning_effort = reasoning_effort
        self.quality = quality


# The order names are looked up in when no category is given (``pipelex show``, a bare ``resolve``).
CATEGORY_ORDER: tuple[ModelCategory, ...] = (
    ModelCategory.LLM,
    ModelCategory.IMG_GEN,
    ModelCategory.EXTRACT,
    ModelCategory.SEARCH,
    ModelCategory.DOC_GEN,
    ModelCategory.JUDGE,
)

# The categories of the models an operator may run: its own, and for a judgment an LLM (the judgment aliases
# name LLMs). Names (`@alias`, `$preset`, `~waterfall`) are looked up in the operator's own category only, and a
# handle written as is must be of that category (the reference: `gpt-4o` or `$writing-factual` on a PipeJudge,
# `@default-general` on a PipeExtract, are unknown models).
LOOKUP_ORDER: dict[ModelCategory, tuple[ModelCategory, ...]] = {
    ModelCategory.LLM: (ModelCategory.LLM,),
    ModelCategory.IMG_GEN: (ModelCategory.IMG_GEN,),
    ModelCategory.EXTRACT: (ModelCategory.EXTRACT,),
    ModelCategory.SEARCH: (ModelCategory.SEARCH,),
    ModelCategory.DOC_GEN: (ModelCategory.DOC_GEN,),
    ModelCategory.JUDGE: (ModelCategory.JUDGE, ModelCategory.LLM),
}


def _by_category() -> dict[ModelCategory, dict[str, Any]]:
    return {category: {} for category in CATEGORY_ORDER}


class ModelDeck(Record):
    """Backends, handles, the names per category (aliases, presets, waterfalls), the default choice per category
    and the call policy.

    Aliases, presets and waterfalls live in one namespace per category, as in the reference implementation:
    ``@default-small`` is the LLM alias of that name for a PipeLLM and the image-generation one for a PipeImgGen.
    A name resolves in the category it was found in; handles are global.
    """

    handles: dict[str, ModelHandle]
    aliases: dict[ModelCategory, dict[str, str]]
    presets: dict[ModelCategory, dict[str, Preset]]
    waterfalls: dict[ModelCategory, dict[str, list[str]]]
    backends: dict[str, Backend]
    defaults: dict[ModelCategory, str]
    policy: CallPolicy

    FIELDS = ("handles", "aliases", "presets", "waterfalls", "backends", "defaults", "policy")

    def __init__(
        self,
        handles: dict[str, ModelHandle] | None = None,
        aliases: dict[ModelCategory, dict[str, str]] | None = None,
        presets: dict[ModelCategory, dict[str, Preset]] | None = None,
        waterfalls: dict[ModelCategory, dict[str, list[str]]] | None = None,
        backends: dict[str, Backend] | None = None,
        defaults: dict[ModelCategory, str] | None = None,
        policy: CallPolicy | None = None,
    ) -> None:
        self.handles = {} if handles is None else handles
        self.aliases = _by_category() if aliases is None else aliases
        self.presets = _by_category() if presets is None else presets
        self.waterfalls = _by_category() if waterfalls is None else waterfalls
        self.backends = {} if backends is None else backends
        self.defaults = {} if defaults is None else defaults
        self.policy = CallPolicy() if policy is None else policy

    def resolve(self, ref: str | ModelRef, category: ModelCategory | None = None) -> list[ModelHandle] | None:
        """The handles a model reference names (several for a waterfall), or None when unknown."""
        resolved = self.resolve_model(ref, category)
        return resolved.handles if resolved is not None else None

    def resolve_model(
        self, ref: str | ModelRef, category: ModelCategory | None = None
    ) -> ResolvedModel | None:
        """The handles and settings a model reference names, or None when unknown.

        With a ``category``, names are looked up as that category's operators see them (:data:`LOOKUP_ORDER`);
        without one, in every category in turn (:data:`CATEGORY_ORDER`).
        """
        parsed = ref if isinstance(ref, ModelRef) else ModelRef.parse(ref)
        # a name (preset, alias, waterfall) is looked up in the operator's own category only (the reference: a
        # PipeJudge's `$writing-factual` is unknown); the handles it reaches may be of LOOKUP_ORDER's categories
        order = (category,) if category is not None else CATEGORY_ORDER
        if parsed.kind is ModelRefKind.PRESET:
            for cat in order:
                preset = self.presets[cat].get(parsed.name)
                if preset is None:
                    continue
                handles = self._resolve(preset.model, cat, {(cat, parsed.short)})
                if not handles:
                    return None
                return ResolvedModel(
                    handles, preset.temperature, preset.max_tokens, preset.reasoning_effort, preset.quality
                )
            return None
        for cat in order:
            handles = self._resolve(parsed.short, cat, set())
            if handles:
                return ResolvedModel(handles)
        return None

    def named_in(self, ref: ModelRef) -> dict[ModelCategory, object]:
        """What an alias, preset or waterfall name is in each category that defines it (empty for a handle): the
        alias's target, the :class:`Preset`, the waterfall's chain."""
        table: dict[ModelCategory, Any] | None = {
            ModelRefKind.ALIAS: self.aliases,
            ModelRefKind.PRESET: self.presets,
            ModelRefKind.WATERFALL: self.waterfalls,
        }.get(ref.kind)
        if table is None:
            return {}
        return {cat: table[cat][ref.name] for cat in CATEGORY_ORDER if ref.name in table[cat]}

    def category_of_name(self, ref: str | ModelRef) -> list[ModelCategory]:
        """The categories in which a prefixed name (``@x``, ``$x``, ``~x``) is defined (empty for a handle)."""
        return list(self.named_in(ref if isinstance(ref, ModelRef) else ModelRef.parse(ref)))

    def default_ref(self, category: ModelCategory) -> str | None:
        """The reference used when a pipe names no model; None when the deck names no default for ``category``
        (the default deck names none for judgment, as the reference's: such a pipe is ``model_unspecified``)."""
        return self.defaults.get(category)

    def resolve_in(self, ref: str, category: ModelCategory) -> list[ModelHandle] | None:
        """The handles ``ref`` names in ``category``'s own tables (no lookup order, no long forms), or None
        when unknown or cyclic: how the deck's own entries are checked."""
        return self._resolve(ref, category, set())

    def _resolve(
        self, ref: str, category: ModelCategory, seen: set[tuple[ModelCategory, str]]
    ) -> list[ModelHandle] | None:
        parsed = ModelRef.parse(ref)
        if (category, parsed.short) in seen:
            return None
        seen.add((category, parsed.short))
        if parsed.kind is ModelRefKind.PRESET:
            preset = self.presets[category].get(parsed.name)
            return self._resolve(preset.model, category, seen) if preset else None
        if parsed.kind is ModelRefKind.ALIAS:
            target = self.aliases[category].get(parsed.name)
            return self._resolve(target, category, seen) if target else None
        if parsed.kind is ModelRefKind.WATERFALL:
            chain = self.waterfalls[category].get(parsed.name)
            if chain is None:
                return None
            handles: list[ModelHandle] = []
            for item in chain:
                for handle in self._resolve(item, category, set(seen)) or []:
                    if handle not in handles:
                        handles.append(handle)
            return handles or None
        handle = self.handles.get(parsed.name)
        if handle is not None:
            return [handle]
        if parsed.written == parsed.name and parsed.name in self.aliases[category]:
            # a bare name that is no handle but an alias of the category is the alias, as in the reference
            # (`model = "default-small"`); a bare preset or waterfall name is not (`writing-factual` is unknown)
            return self._resolve(f"@{parsed.name}", category, seen)
        return None

    def names(self, category: ModelCategory | None = None) -> list[str]:
        """Every name a bundle may write in ``model = "..."`` (for one category's operators, or any)."""
        cats = (category,) if category is not None else CATEGORY_ORDER
        found = [*self.handles]
        for cat in cats:
            found += [f"@{a}" for a in self.aliases[cat]] + [f"${p}" for p in self.presets[cat]]
            found += [f"~{w}" for w in self.waterfalls[cat]]
        return list(dict.fromkeys(found))

    def backend_of(self, handle: ModelHandle) -> Backend:
        """The backend of a handle (checked when the deck is built)."""
        return self.backends[handle.backend]


# ---------------------------------------------------------------------------------------------------- the default deck

DEFAULT_DECK_FILE = Path(__file__).with_name("models.toml")


def default_deck() -> ModelDeck:
    """The deck shipped with pipelex: the data file ``pipelex/config/models.toml``."""
    return _copy_deck(_default_deck_cached())


@cache
def _default_deck_cached() -> ModelDeck:
    """The default deck, from its stored data (``default_deck_data.py``, written from ``models.toml`` by
    ``python -m pipelex.config.default_deck_gen``) while ``models.toml`` is the file it was written from: parsing
    the TOML and building the pydantic models of its tables is about a third of a small command's instructions.
    A ``models.toml`` that differs (edited in place) is parsed."""
    from pipelex.config import default_deck_data
    from pipelex.digests import sha256_hex

    raw = DEFAULT_DECK_FILE.read_bytes()
    if sha256_hex(raw) == default_deck_data.MODELS_TOML_SHA256:
        return deck_from_data(default_deck_data.DATA)
    return parse_default_deck(raw)


def deck_to_data(deck: ModelDeck) -> dict[str, Any]:
    """The deck as plain data (str, numbers, None, tuples, lists, dicts), what ``default_deck_data.py`` holds."""

    def record(obj: Any) -> dict[str, Any]:
        return {name: _plain(getattr(obj, name)) for name in obj.FIELDS}

    return {
        "handles": {name: record(h) for name, h in deck.handles.items()},
        "aliases": {str(c): dict(t) for c, t in deck.aliases.items()},
        "presets": {str(c): {k: record(p) for k, p in t.items()} for c, t in deck.presets.items()},
        "waterfalls": {str(c): {k: list(v) for k, v in t.items()} for c, t in deck.waterfalls.items()},
        "backends": {name: record(b) for name, b in deck.backends.items()},
        "defaults": {str(c): v for c, v in deck.defaults.items()},
        "policy": record(deck.policy),
    }


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, str) else value  # a StrEnum member is written as its value


def deck_from_data(data: dict[str, Any]) -> ModelDeck:
    """The deck :func:`deck_to_data` gave."""

    def handle(record: dict[str, Any]) -> ModelHandle:
        kwargs: dict[str, Any] = dict(record)
        kwargs["category"] = ModelCategory(record["category"])
        return ModelHandle(**kwargs)

    return ModelDeck(
        handles={name: handle(h) for name, h in data["handles"].items()},
        aliases={ModelCategory(c): dict(t) for c, t in data["aliases"].items()},
        presets={
            ModelCategory(c): {k: Preset(**p) for k, p in t.items()} for c, t in data["presets"].items()
        },
        waterfalls={
            ModelCategory(c): {k: list(v) for k, v in t.items()} for c, t in data["waterfalls"].items()
        },
        backends={name: Backend(**b) for name, b in data["backends"].items()},
        defaults={ModelCategory(c): v for c, v in data["defaults"].items()},
        policy=CallPolicy(**data["policy"]),
    )


def parse_default_deck(raw: bytes) -> ModelDeck:
    """The default deck read from the bytes of ``models.toml``."""
    import tomllib

    data = tomllib.loads(raw.decode("utf-8"))
    deck = ModelDeck()
    _merge(
        deck, _parse_config(data, source=str(DEFAULT_DECK_FILE), section=""), source=str(DEFAULT_DECK_FILE)
    )
    return deck


def _copy_deck(deck: ModelDeck) -> ModelDeck:
    return ModelDeck(
        handles=dict(deck.handles),
        aliases={c: dict(t) for c, t in deck.aliases.items()},
        presets={c: dict(t) for c, t in deck.presets.items()},
        waterfalls={c: {k: list(v) for k, v in t.items()} for c, t in deck.waterfalls.items()},
        backends=dict(deck.backends),
        defaults=dict(deck.defaults),
        policy=deck.policy,
    )


# ---------------------------------------------------------------------------------------------------- [models] config


def _parse_config(models: Mapping[str, Any], *, source: str, section: str = "models") -> DeckConfig:
    from pipelex.config.deck_config import parse_config

    return parse_config(models, source=source, section=section)


def deck_from_config(models: Mapping[str, Any], *, source: str = "pipelex.toml") -> ModelDeck:
    """The default deck with the ``[models]`` table merged over it; every reference checked."""
    if not models:
        return default_deck()
    config = _parse_config(models, source=source)
    deck = default_deck()
    _merge(deck, config, source=source)
    return deck


def _no_costs() -> CostsConfig:
    from pipelex.config.deck_config import CostsConfig

    return CostsConfig()


def _preset(preset: PresetConfig | str) -> Preset:
    if isinstance(preset, str):
        return Preset(preset)
    return Preset(
        preset.model,
        preset.temperature,
        preset.max_tokens,
        preset.reasoning_effort,
        preset.description,
        preset.quality,
    )


def _merge(deck: ModelDeck, config: DeckConfig, *, source: str) -> None:
    """Merge ``config`` into ``deck``, then check that every reference resolves."""
    is_default_deck = source == str(DEFAULT_DECK_FILE)
    for name, backend in config.backends.items():
        # the default deck's prices are list prices of the host its backends name; a backend redefined in
        # pipelex.toml keeps that host only when it is still of the same kind
        previous = deck.backends.get(name)
        if is_default_deck:
            official = backend.base_url
        else:
            official = (
                previous.official_base_url if previous is not None and previous.kind == backend.kind else None
            )
        deck.backends[name] = Backend(
            name,
            backend.kind,
            backend.base_url,
            backend.base_url_env,
            backend.api_key_env,
            structured_output=backend.modes(),
            token_limit_param=backend.token_limit_param,
            official_base_url=official,
            api_version=backend.api_version,
            api_version_env=backend.api_version_env,
        )
    for name, handle in config.handles.items():
        if handle.backend not in deck.backends:
            raise ConfigError(
                f"{source}: [models.handles.{name}] names backend {handle.backend!r}, which is not "
                f"declared: use one of {', '.join(sorted(deck.backends))} or add "
                f"[models.backends.{handle.backend}]"
            )
        costs = handle.costs or _no_costs()
        pricing: Pricing
        if deck.backends[handle.backend].kind == "internal":
            pricing = "fixed"  # local engines cost nothing
        elif handle.costs is None:
            pricing = "unpriced"
        else:
            pricing = "list" if is_default_deck else "fixed"
        deck.handles[name] = ModelHandle(
            name,
            handle.backend,
            handle.model_id,
            handle.category,
            tuple(handle.inputs),
            tuple(handle.outputs),
            costs.input,
            costs.output,
            costs.input_cached,
            handle.max_tokens,
            pricing=pricing,
        )
    for category in CATEGORY_ORDER:
        names: CategoryNamesConfig = getattr(config, category.value)
        deck.aliases[category].update(names.aliases)
        deck.presets[category].update({k: _preset(v) for k, v in names.presets.items()})
        deck.waterfalls[category].update({k: list(v) for k, v in names.waterfalls.items()})
    # flat names join the category of what they point at (an alias of an image model is an image alias)
    for name, target in config.aliases.items():
        deck.aliases[_category_of_target(deck, target, source, f"[models.aliases] {name}")][name] = target
    for name, preset in config.presets.items():
        value = _preset(preset)
        deck.presets[_category_of_target(deck, value.model, source, f"[models.presets] {name}")][name] = value
    for name, chain in config.waterfalls.items():
        first = chain[0] if chain else ""
        deck.waterfalls[_category_of_target(deck, first, source, f"[models.waterfalls] {name}")][name] = list(
            chain
        )
    deck.defaults.update(config.defaults)
    policy_updates = {k: v for k, v in config.calls.model_dump().items() if v is not None}
    deck.policy = replace(deck.policy, **policy_updates)
    _check_references(deck, source)


def _category_of_target(deck: ModelDeck, target: str, source: str, where: str) -> ModelCategory:
    handles = deck.resolve(target)
    if not handles:
        raise ConfigError(
            f"{source}: {where} does not resolve to a model handle (unknown name or a cycle): "
            "point it at a handle, '@alias', '$preset' or '~waterfall' that `pipelex show models` "
            "lists"
        )
    return handles[0].category


def _check_references(deck: ModelDeck, source: str) -> None:
    """Every alias, preset, waterfall and default resolves to known handles (within its own category)."""
    checks: list[tuple[str, str, ModelCategory | None, ModelCategory | None]] = []
    for cat in CATEGORY_ORDER:
        table = "" if cat is ModelCategory.LLM else f"{cat.value}."
        checks += [(f"[models.{table}aliases] {k}", f"@{k}", cat, cat) for k in deck.aliases[cat]]
        checks += [(f"[models.{table}presets] {k}", f"${k}", cat, cat) for k in deck.presets[cat]]
        checks += [(f"[models.{table}waterfalls] {k}", f"~{k}", cat, cat) for k in deck.waterfalls[cat]]
    checks += [(f"[models.defaults] {k.value}", v, k, None) for k, v in deck.defaults.items()]
    for where, ref, lookup, home in checks:
        resolved = deck.resolve(ref, lookup) if home is None else deck.resolve_in(ref, home)
        if not resolved:
            raise ConfigError(
                f"{source}: {where} does not resolve to a model handle (unknown name or a cycle): "
                "point it at a handle, '@alias', '$preset' or '~waterfall' that `pipelex show models` "
                "lists"
            )
    for cat in CATEGORY_ORDER:
        for waterfall, chain in deck.waterfalls[cat].items():
            for item in chain:
                if deck.resolve_in(item, cat) is None:
                    raise ConfigError(
                        f"{source}: [models.waterfalls] {waterfall} lists {item!r}, which is not a "
                        "known model reference: fix or remove it"
                    )


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
    lines = [
        f"{'handle':<24} {'backend':<10} {'model id':<28} {'category':<9} {'$/M in':>7} {'$/M out':>8}  inputs"
    ]
    for handle in deck.handles.values():
        if handle.pricing == "unpriced":
            prices = f"{'unpriced':>16}"
        else:
            prices = f"{handle.input_price:>7.2f} {handle.output_price:>8.2f}"
        lines.append(
            f"{handle.handle:<24} {handle.backend:<10} {handle.model_id:<28} {handle.category.value:<9} "
            f"{prices}  {','.join(handle.inputs)}"
        )
    lines.append("")
    lines.append("backends:")
    for backend in deck.backends.values():
        key = f"key ${backend.api_key_env}" if backend.needs_key else "no key"
        if backend.kind == "internal":
            url = "-"
        else:
            url = backend.base_url or "(none)"
            if backend.base_url_env:
                url = f"${backend.base_url_env}, else {url}"
        modes = (
            f"  structured: {' > '.join(backend.structured_modes())}" if backend.kind != "internal" else ""
        )
        lines.append(f"  {backend.name:<12} {backend.kind:<12} {key:<28} base URL: {url}{modes}")
    lines.append(
        "  (list prices apply only on a backend's official host; elsewhere usage is reported unpriced)"
    )
    lines.append("")
    lines.append("defaults:   " + ", ".join(f"{k.value} -> {v}" for k, v in deck.defaults.items()))
    for cat in CATEGORY_ORDER:
        aliases, presets, waterfalls = deck.aliases[cat], deck.presets[cat], deck.waterfalls[cat]
        if not (aliases or presets or waterfalls):
            continue
        lines.append(f"[{cat.value}]")
        if aliases:
            lines.append("  aliases:    " + ", ".join(f"@{k} -> {v}" for k, v in aliases.items()))
        if presets:
            lines.append(
                "  presets:    "
                + ", ".join(
                    f"${k} -> {p.model}"
                    + (f" (temperature {p.temperature:g})" if p.temperature is not None else "")
                    + (f" (quality {p.quality})" if p.quality else "")
                    for k, p in presets.items()
                )
            )
        if waterfalls:
            lines.append(
                "  waterfalls: " + ", ".join(f"~{k} -> {' > '.join(v)}" for k, v in waterfalls.items())
            )
    policy = deck.policy
    lines.append(
        f"calls:      timeout {policy.timeout:g}s, {policy.max_attempts} attempt(s), backoff "
        f"{policy.backoff_initial:g}s..{policy.backoff_max:g}s with jitter, {policy.max_concurrency} in flight"
    )
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
allow_built_urls = false            # also URLs a bundle builds during the run (only the inputs' URLs otherwise)
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

# The default deck (pipelex/config/models.toml) already knows OpenAI, Anthropic, Google Gemini and Mistral.
# Any other OpenAI-compatible endpoint is a backend of kind "openai":
# [models.backends.groq]
# kind = "openai"
# base_url = "https://api.groq.com/openai/v1"
# api_key_env = "GROQ_API_KEY"
#
# [models.backends.ollama]
# kind = "openai"
# base_url = "http://localhost:11434/v1"     # no api_key_env: Ollama needs no key
#
# [models.handles.llama-70b]
# backend = "groq"
# model_id = "llama-3.3-70b-versatile"
# category = "llm"                           # llm, img_gen, extract, search, doc_gen, judge
# inputs = ["text"]
# outputs = ["text", "structured"]
# costs = { input = 0.59, output = 0.79 }    # USD per million tokens (input_cached defaults to half the input)
#
# Names have one namespace per category (llm, img_gen, extract, search, doc_gen, judge):
# [models.llm.aliases]
# default-general = "llama-70b"
# [models.img_gen.aliases]
# default-small = "gpt-image-1-mini"
# (a flat [models.aliases] table also works: a name joins the category of the model it points at)
#
# [models.llm.presets.writing-factual]
# model = "@default-general"
# temperature = 0.2
#
# [models.llm.waterfalls]
# robust-general = ["gpt-4o", "claude-sonnet"]   # fall back to the next model when a provider fails
#
# [models.defaults]
# llm = "@default-general"
"""
