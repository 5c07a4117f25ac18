"""Provider adapters: one small protocol (:class:`~pipelex.inference.providers.base.Provider`), one adapter per
wire protocol (OpenAI-compatible chat completions and images, Anthropic messages). SDKs are imported lazily inside
the adapters, so importing pipelex never imports them."""
