"""The vocabulary of the model deck that its readers share: model categories, backend kinds, structured-output
modes and token-limit parameters (``deck.py`` builds decks from them, ``deck_config.py`` validates them in TOML)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class ModelCategory(StrEnum):
    """What a model does."""

    LLM = "llm"
    IMG_GEN = "img_gen"
    EXTRACT = "extract"
    SEARCH = "search"
    DOC_GEN = "doc_gen"
    JUDGE = "judge"


BackendKind = Literal["openai", "azure_openai", "anthropic", "internal"]

StructuredMode = Literal["json_schema_strict", "json_schema", "json_object", "tools", "prompt"]
"""How a backend is asked for structured output:

- ``json_schema_strict`` / ``json_schema``: ``response_format = {"type": "json_schema", ...}``, strict or not;
- ``json_object``: ``response_format = {"type": "json_object", "schema": ...}`` (llama.cpp, vLLM, ...), the schema
  also described in the prompt;
- ``tools``: one function the model is forced to call, whose parameters are the schema;
- ``prompt``: no constraint on the server, the schema described in the prompt.

Every mode parses the reply and validates it against the concept model.
"""
STRUCTURED_MODES: tuple[StructuredMode, ...] = (
    "json_schema_strict",
    "json_schema",
    "json_object",
    "tools",
    "prompt",
)
TokenLimitParam = Literal["max_tokens", "max_completion_tokens"]
