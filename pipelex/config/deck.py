"""The model deck: model handles, aliases (``@x``), presets (``$x``) and waterfalls (``~x``) per category.

The default deck resolves every name the reference implementation's default deck uses, mapped to
models of the providers we support, so bundles written for it validate and run unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ModelCategory(StrEnum):
    """What a model does."""

    LLM = "llm"
    IMG_GEN = "img_gen"
    EXTRACT = "extract"
    SEARCH = "search"
    DOC_GEN = "doc_gen"
    JUDGE = "judge"


@dataclass(frozen=True)
class ModelHandle:
    """A concrete model: provider backend, provider model id, capabilities and prices (USD per 1M tokens)."""

    handle: str
    backend: str
    model_id: str
    category: ModelCategory
    inputs: tuple[str, ...] = ("text",)
    outputs: tuple[str, ...] = ("text",)
    input_price: float = 0.0
    output_price: float = 0.0


@dataclass
class ModelDeck:
    """Handles, aliases, presets and waterfalls."""

    handles: dict[str, ModelHandle] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    presets: dict[str, str] = field(default_factory=dict)
    waterfalls: dict[str, list[str]] = field(default_factory=dict)

    def resolve(self, ref: str) -> list[ModelHandle] | None:
        """The handles a model reference names (several for a waterfall), or None when unknown."""
        ref = ref.strip()
        for long, short in (("preset:", "$"), ("alias:", "@"), ("waterfall:", "~"), ("handle:", "")):
            if ref.startswith(long):
                ref = short + ref[len(long):]
        seen: set[str] = set()
        return self._resolve(ref, seen)

    def _resolve(self, ref: str, seen: set[str]) -> list[ModelHandle] | None:
        if ref in seen:
            return None
        seen.add(ref)
        if ref.startswith("$"):
            target = self.presets.get(ref[1:])
            return self._resolve(target, seen) if target else None
        if ref.startswith("@"):
            target = self.aliases.get(ref[1:])
            return self._resolve(target, seen) if target else None
        if ref.startswith("~"):
            chain = self.waterfalls.get(ref[1:])
            if chain is None:
                return None
            handles: list[ModelHandle] = []
            for item in chain:
                resolved = self._resolve(item, seen)
                if resolved:
                    handles.extend(resolved)
            return handles or None
        handle = self.handles.get(ref)
        return [handle] if handle else None

    def names(self) -> list[str]:
        """Every name a bundle may write in ``model = "..."``."""
        return ([*self.handles] + [f"@{a}" for a in self.aliases] + [f"${p}" for p in self.presets]
                + [f"~{w}" for w in self.waterfalls])


def default_deck() -> ModelDeck:
    """The deck shipped with pipelex."""
    llm = ModelCategory.LLM
    handles = [
        ModelHandle("gpt-4o", "openai", "gpt-4o", llm, ("text", "images", "pdf"), ("text", "structured"), 2.5, 10.0),
        ModelHandle("gpt-4o-mini", "openai", "gpt-4o-mini", llm, ("text", "images"), ("text", "structured"), 0.15, 0.6),
        ModelHandle("gpt-4.1", "openai", "gpt-4.1", llm, ("text", "images", "pdf"), ("text", "structured"), 2.0, 8.0),
        ModelHandle("claude-sonnet", "anthropic", "claude-sonnet-4-5", llm, ("text", "images", "pdf"),
                    ("text", "structured"), 3.0, 15.0),
        ModelHandle("claude-haiku", "anthropic", "claude-haiku-4-5", llm, ("text", "images"), ("text", "structured"),
                    1.0, 5.0),
        ModelHandle("gpt-image-1", "openai", "gpt-image-1", ModelCategory.IMG_GEN, ("text",), ("image",), 5.0, 40.0),
        ModelHandle("pypdfium2-extract-pdf", "internal", "pypdfium2", ModelCategory.EXTRACT, ("pdf",), ("pages",)),
        ModelHandle("vision-extract", "openai", "gpt-4o-mini", ModelCategory.EXTRACT, ("pdf", "images"), ("pages",),
                    0.15, 0.6),
        ModelHandle("web-search", "openai", "gpt-4o-mini-search-preview", ModelCategory.SEARCH, ("text",),
                    ("text",), 0.15, 0.6),
        ModelHandle("reportlab-pdf", "internal", "reportlab", ModelCategory.DOC_GEN, ("text",), ("pdf",)),
    ]
    deck = ModelDeck(handles={h.handle: h for h in handles})
    for alias in ("default-general", "default-premium-structured", "default-large-context-text",
                  "default-large-context-code", "best-gpt", "default-premium"):
        deck.aliases[alias] = "gpt-4o"
    for alias in ("default-premium-vision",):
        deck.aliases[alias] = "gpt-4o"
    for alias in ("default-small", "default-small-structured", "default-small-vision", "default-small-creative"):
        deck.aliases[alias] = "gpt-4o-mini"
    for preset in ("writing-factual", "writing-creative", "retrieval", "retrieval-premium", "engineering-structured",
                   "engineering-code", "engineering-codebase-analysis", "vision", "vision-diagram", "vision-table",
                   "img-gen-prompting", "deep-analysis"):
        deck.presets[preset] = "@default-premium"
    for preset in ("writing-factual-cheap", "writing-creative-cheap", "retrieval-cheap", "engineering-code-cheap",
                   "engineering-code-cheaper", "vision-cheap", "img-gen-prompting-cheap", "quick-reasoning",
                   "testing-text", "testing-structured", "testing-vision"):
        deck.presets[preset] = "@default-small"
    # image generation
    deck.aliases["default-img-gen"] = "gpt-image-1"
    for preset in ("gen-image", "gen-image-fast", "gen-image-high-quality", "gen-image-testing",
                   "gen-image-testing-img2img", "synthesize-photo", "synthesize-ui", "synthesize-chart"):
        deck.presets[preset] = "gpt-image-1"
    # extraction
    for alias in ("default-text-from-pdf", "default-no-inference"):
        deck.aliases[alias] = "pypdfium2-extract-pdf"
    for alias in ("default-extract-document", "default-extract-image", "default-extract-web-page"):
        deck.aliases[alias] = "vision-extract"
    deck.waterfalls["document-extractor"] = ["vision-extract", "pypdfium2-extract-pdf"]
    deck.waterfalls["ocr-extractor"] = ["vision-extract"]
    deck.presets["extract-testing"] = "pypdfium2-extract-pdf"
    # search, doc gen, judgment
    deck.aliases["default-search"] = "web-search"
    deck.presets["standard"] = "web-search"
    deck.presets["deep"] = "web-search"
    deck.aliases["default-pdf"] = "reportlab-pdf"
    deck.aliases["default-judgment"] = "gpt-4o"
    deck.aliases["default-judgment-vision"] = "gpt-4o"
    return deck
