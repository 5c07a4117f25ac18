"""The ``[models]`` table of ``pipelex.toml`` (and the shape of ``models.toml``) as typed, strict models.

Imported only when a deck is parsed from TOML: the default deck comes from its stored data (``default_deck_data.py``,
written from ``models.toml`` by ``python -m pipelex.config.default_deck_gen``), and a ``pipelex.toml`` without
``[models]`` adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipelex.config.model_kinds import BackendKind, ModelCategory, StructuredMode, TokenLimitParam
from pipelex.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class BackendConfig(_Strict):
    """``[models.backends.<name>]``."""

    kind: BackendKind = "openai"
    base_url: str | None = None
    base_url_env: str | None = None
    api_key_env: str | None = None
    structured_output: StructuredMode | list[StructuredMode] | None = None
    token_limit_param: TokenLimitParam | None = None
    api_version: str | None = None
    api_version_env: str | None = None

    @model_validator(mode="after")
    def _fits_the_kind(self) -> BackendConfig:
        modes = self.modes()
        if self.kind == "anthropic" and any(m not in ("tools", "prompt") for m in modes):
            raise ValueError('an anthropic backend supports structured_output "tools" or "prompt" only')
        if len(set(modes)) != len(modes):
            raise ValueError("structured_output lists a mode twice")
        if self.kind == "azure_openai" and not (self.api_version or self.api_version_env):
            raise ValueError(
                'an azure_openai backend needs api_version (e.g. "2024-10-21") or api_version_env'
            )
        return self

    def modes(self) -> tuple[StructuredMode, ...]:
        """The configured structured-output modes (empty: the kind's default)."""
        if self.structured_output is None:
            return ()
        return (
            (self.structured_output,)
            if isinstance(self.structured_output, str)
            else tuple(self.structured_output)
        )


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
    costs: CostsConfig | None = None  # none: the handle is unpriced
    max_tokens: int | None = Field(default=None, ge=1)


class PresetConfig(_Strict):
    """``[models.presets.<name>]`` (or ``name = "reference"`` for a bare preset)."""

    model: str
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    reasoning_effort: str | None = None
    quality: Literal["low", "medium", "high"] | None = None
    description: str = ""


class CallsConfig(_Strict):
    """``[models.calls]``: timeout (s), attempts, backoff (s) and calls in flight per process."""

    timeout: float | None = Field(default=None, gt=0)
    max_attempts: int | None = Field(default=None, ge=1, le=20)
    backoff_initial: float | None = Field(default=None, ge=0)
    backoff_max: float | None = Field(default=None, ge=0)
    max_concurrency: int | None = Field(default=None, ge=1, le=10_000)


class CategoryNamesConfig(_Strict):
    """``[models.<category>]``: the aliases, presets and waterfalls of one category."""

    aliases: dict[str, str] = Field(default_factory=dict)
    presets: dict[str, PresetConfig | str] = Field(default_factory=dict)
    waterfalls: dict[str, list[str]] = Field(default_factory=dict)


class DeckConfig(_Strict):
    """The ``[models]`` table (and the shape of ``models.toml``): merged over the default deck.

    Names go in a category table (``[models.img_gen.aliases]``), or in the flat ``aliases``, ``presets`` and
    ``waterfalls`` tables, where a name joins the category of the model it points at.
    """

    backends: dict[str, BackendConfig] = Field(default_factory=dict)
    handles: dict[str, HandleConfig] = Field(default_factory=dict)
    aliases: dict[str, str] = Field(default_factory=dict)
    presets: dict[str, PresetConfig | str] = Field(default_factory=dict)
    waterfalls: dict[str, list[str]] = Field(default_factory=dict)
    llm: CategoryNamesConfig = Field(default_factory=CategoryNamesConfig)
    img_gen: CategoryNamesConfig = Field(default_factory=CategoryNamesConfig)
    extract: CategoryNamesConfig = Field(default_factory=CategoryNamesConfig)
    search: CategoryNamesConfig = Field(default_factory=CategoryNamesConfig)
    doc_gen: CategoryNamesConfig = Field(default_factory=CategoryNamesConfig)
    judge: CategoryNamesConfig = Field(default_factory=CategoryNamesConfig)
    defaults: dict[ModelCategory, str] = Field(default_factory=lambda: {})
    calls: CallsConfig = Field(default_factory=CallsConfig)


def parse_config(models: Mapping[str, Any], *, source: str, section: str = "models") -> DeckConfig:
    prefix = f"{section}." if section else ""
    try:
        return DeckConfig.model_validate(dict(models))
    except ValidationError as exc:
        problems: list[str] = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            problems.append(
                f"unknown key `{prefix}{where}`"
                if error["type"] == "extra_forbidden"
                else f"`{prefix}{where}`: {error['msg']}"
            )
        hint = "fix the [models] table (see `pipelex init`)" if section else "fix the deck file"
        raise ConfigError(f"{source}: " + "; ".join(problems) + f"; {hint}") from exc
