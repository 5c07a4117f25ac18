"""Anthropic messages: text, structured output through one forced tool, images and PDF documents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from pipelex.inference.providers.base import (
    DEFAULT_MAX_TOKENS,
    CallUsage,
    ChatRequest,
    ChatResult,
    ImageRequest,
    ImageResult,
    ProviderCallError,
    connection_error,
    gateway_message,
    retry_after_seconds,
    status_error,
    summarise_body,
    too_large_error,
)
from pipelex.narrowing import is_json_object

if TYPE_CHECKING:
    from anthropic import APIStatusError, AsyncAnthropic
    from anthropic.types import Message


def make_client(
    *, api_key: str, base_url: str | None, timeout: float, max_reply_bytes: int
) -> AsyncAnthropic:
    """An SDK client with the SDK's own retries off (pipelex retries, with backoff and jitter), its replies
    bounded (``max_reply_bytes``, and ``timeout`` for the whole call: :mod:`~pipelex.inference.providers.bounded_http`)."""
    from anthropic import AsyncAnthropic, DefaultAsyncHttpxClient

    from pipelex.inference.providers.bounded_http import bounded_client

    http_client = bounded_client(
        DefaultAsyncHttpxClient, max_reply_bytes=max_reply_bytes, deadline=timeout, timeout=timeout
    )
    return AsyncAnthropic(
        api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout, http_client=http_client
    )


def translate(exc: BaseException) -> ProviderCallError:
    """The one boundary where Anthropic SDK errors become :class:`ProviderCallError`."""
    import anthropic

    too_large = too_large_error(exc)
    if too_large is not None:
        return too_large
    if isinstance(exc, anthropic.APITimeoutError):
        return ProviderCallError("the call timed out", retryable=True, reason="timeout")
    if isinstance(exc, anthropic.APIConnectionError):
        return connection_error(exc)
    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        error = status_error(
            status,
            f"HTTP {status}: {summarise_body(_error_detail(exc))}",
            retry_after=retry_after_seconds(exc.response.headers),
        )
        if status == 529:  # overloaded
            error.retryable, error.reason = True, "overloaded"
        return error
    if isinstance(exc, anthropic.APIResponseValidationError | ValueError):
        return ProviderCallError(f"malformed reply ({exc})", retryable=True, reason="malformed")
    if isinstance(exc, RecursionError):  # a reply body nesting thousands deep: the SDK's JSON reader recursed
        return ProviderCallError(
            "malformed reply (it nests too deeply to be read)", retryable=True, reason="malformed"
        )
    return ProviderCallError(f"{type(exc).__name__}: {exc}", retryable=False, reason="unexpected")


def _error_detail(exc: APIStatusError) -> str:
    """The server's own words of an error reply: the ``message`` of its ``error`` object, in Anthropic's body
    (``{"type": "error", "error": {"type": ..., "message": ...}}``) and in the OpenAI-shaped one that
    Anthropic-compatible servers send on their messages route too (llama.cpp's ``llama-server``:
    ``{"error": {"code": 400, "message": ..., "type": "exceed_context_size_error"}}``); any other body as the
    SDK quoted it, without its "Error code: 400 - " prefix (the status is said once, by the caller)."""
    body = exc.body
    error = body.get("error") if is_json_object(body) else None
    message = error.get("message") if is_json_object(error) else None
    if isinstance(message, str) and message.strip():
        return gateway_message(message)  # a gateway's (LiteLLM's) exception chain around the upstream's words
    detail = exc.message.removeprefix(f"Error code: {exc.status_code} - ")
    if detail == f"Error code: {exc.status_code}":  # no body to quote
        return "no message"
    return detail


def _content(request: ChatRequest) -> str | list[dict[str, Any]]:
    if not request.parts:
        return request.prompt
    content: list[dict[str, Any]] = []
    for part in request.parts:
        block_type = "image" if part.kind == "image" else "document"
        if part.data_b64 is not None:
            source: dict[str, Any] = {"type": "base64", "media_type": part.mime_type, "data": part.data_b64}
        else:
            source = {"type": "url", "url": part.url}
        content.append({"type": block_type, "source": source})
    content.append({"type": "text", "text": request.prompt})
    return content


class AnthropicProvider:
    """Messages (text; a JSON schema becomes one tool the model is forced to call, or, in ``prompt`` mode, is
    described in the prompt)."""

    def __init__(self, client: AsyncAnthropic, *, default_max_tokens: int = DEFAULT_MAX_TOKENS) -> None:
        self.client = client
        self.default_max_tokens = default_max_tokens

    async def chat(self, request: ChatRequest) -> ChatResult:
        """One messages call; with a schema, the reply is the forced tool's input as JSON text."""
        import json

        kwargs: dict[str, Any] = {
            "model": request.model_id,
            "timeout": request.timeout,
            "max_tokens": request.max_tokens or self.default_max_tokens,
            "messages": [{"role": "user", "content": _content(request)}],
        }
        if request.system:
            kwargs["system"] = request.system
        if request.temperature is not None:
            # in the body, not as an argument: the SDK's 1.x releases dropped create()'s temperature argument
            # (a TypeError before any request), while the API still reads the field on the models that take it
            kwargs["extra_body"] = {"temperature": min(request.temperature, 1.0)}
        forced_tool = request.json_schema is not None and request.structured_mode == "tools"
        if forced_tool:
            kwargs["tools"] = [
                {
                    "name": request.schema_name,
                    "description": "Record the answer.",
                    "input_schema": request.json_schema,
                }
            ]
            kwargs["tool_choice"] = {"type": "tool", "name": request.schema_name}
        try:
            # the arguments are built as a dict, so the SDK's overloads cannot pick the return type: say it
            message = cast("Message", await self.client.messages.create(**kwargs))
        except Exception as exc:
            raise translate(exc) from exc
        text: str | None = None
        tool_used = False
        for block in message.content:
            if block.type == "tool_use" and forced_tool:
                text, tool_used = json.dumps(block.input), True
                break
            if block.type == "text":
                text = (text or "") + block.text
        usage = message.usage
        cached = getattr(usage, "cache_read_input_tokens", None) or 0
        used = CallUsage(
            input_tokens=(usage.input_tokens or 0) + cached,
            input_cached_tokens=cached,
            output_tokens=usage.output_tokens or 0,
        )
        if message.stop_reason == "refusal":  # Claude's safety stop: the same prompt would be refused again
            raise ProviderCallError(
                "the model declined to answer (stop_reason = refusal)",
                retryable=False,
                reason="refused",
                usage=used,
            )
        if text is None:
            raise ProviderCallError(
                "malformed reply (no text and no tool call)", retryable=True, reason="malformed", usage=used
            )
        return ChatResult(
            text=text,
            usage=used,
            truncated=message.stop_reason == "max_tokens",
            # Anthropic always calls a forced tool; an Anthropic-compatible server may answer in text instead
            tool_ignored=forced_tool and not tool_used,
        )

    async def generate_images(self, request: ImageRequest) -> ImageResult:
        """Anthropic has no image generation."""
        raise ProviderCallError(
            f"Anthropic models cannot generate images (model {request.model_id!r}): pick an "
            "OpenAI-compatible image model",
            retryable=False,
            reason="unsupported",
        )
