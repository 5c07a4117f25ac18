"""The provider protocol: typed requests and results, and the one error every adapter raises.

Adapters translate their SDK's exceptions into :class:`ProviderCallError` (retryable or not, with the HTTP
status when there is one) at one boundary; the live generator retries, falls back and reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from pipelex.config.deck import StructuredMode, TokenLimitParam
from pipelex.narrowing import is_json_object


class Part(BaseModel):
    """An image or document sent with a prompt: inline bytes (base64) or a remote URL."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["image", "document"]
    mime_type: str
    data_b64: str | None = None
    url: str | None = None
    filename: str | None = None

    @property
    def data_url(self) -> str:
        """A ``data:`` URL of the bytes, or the remote URL."""
        if self.data_b64 is not None:
            return f"data:{self.mime_type};base64,{self.data_b64}"
        return self.url or ""


DEFAULT_MAX_TOKENS = 4096
"""The token limit a call carries when the pipe, its preset and the model's handle set none, to the servers
whose own default is no limit at all (:func:`pipelex.inference.live.structured.default_token_limit`):
Anthropic's messages API, which requires one, and every OpenAI-compatible server but OpenAI's, Azure's and the
default deck's hosted APIs (llama.cpp, vLLM, Ollama, LM Studio write until the model stops or the context is
full, so a small model repeating itself wrote until the call's timeout)."""


class ChatRequest(BaseModel):
    """One LLM call: prompts, attachments, an optional JSON schema for structured output, settings."""

    model_id: str
    prompt: str
    system: str | None = None
    parts: list[Part] = Field(default_factory=lambda: [])
    json_schema: dict[str, Any] | None = None
    schema_name: str = "answer"
    structured_mode: StructuredMode = "json_schema"
    temperature: float | None = None
    max_tokens: int | None = None
    default_limit: bool = False
    """True when ``max_tokens`` is pipelex's default (:data:`DEFAULT_MAX_TOKENS`: the pipe, its preset and the
    model's handle set none), not a limit the user gave: messages say so, and a server finding it too large
    for its context gets the call without it."""
    token_limit_param: TokenLimitParam = "max_tokens"
    timeout: float = 120.0
    web_search: bool = False
    reasoning_effort: str | None = None


class CallUsage(BaseModel):
    """Tokens a call used, by category."""

    input_tokens: int = 0
    input_cached_tokens: int = 0
    output_tokens: int = 0
    output_reasoning_tokens: int = 0


class ChatResult(BaseModel):
    """The reply: text, or (with a schema) the JSON text the model produced.

    ``truncated``: the model stopped on the token limit (OpenAI's ``finish_reason = "length"``, Anthropic's
    ``stop_reason = "max_tokens"``), so the text may be cut short. ``usage_reported``: False when the reply
    carried no token usage (some OpenAI-compatible servers leave ``usage`` out), so ``usage`` is zeros, not
    a count; ``usage_missing`` names the counts a partial ``usage`` left out (they are 0 in ``usage``).
    ``from_reasoning``: the server gave no content, only a reasoning text, and that text is the reply (a
    reasoning parser that took the whole answer for thinking: vLLM's with a grammar-constrained reply).
    ``tool_ignored``: the request forced a tool and the reply is text with no tool call, the server ignoring
    forced tools (llama-server's messages API with a chat template that has no tools: SmolLM2's; on the OpenAI
    route, llama-server reading a named ``tool_choice`` as ``"auto"``, Ollama releases that did not read ``tool_choice``).
    """

    text: str
    usage: CallUsage = Field(default_factory=CallUsage)
    truncated: bool = False
    usage_reported: bool = True
    usage_missing: tuple[str, ...] = ()
    from_reasoning: bool = False
    tool_ignored: bool = False


class ImageRequest(BaseModel):
    """One image-generation call."""

    model_id: str
    prompt: str
    n: int = 1
    size: str | None = None
    quality: str | None = None
    background: str | None = None
    output_format: str | None = None
    timeout: float = 120.0


class GeneratedImage(BaseModel):
    """An image as bytes, or as a URL to fetch."""

    data_b64: str | None = None
    url: str | None = None
    mime_type: str = "image/png"


class ImageResult(BaseModel):
    """Generated images and usage (``usage_reported``: False when the reply carried none: DALL-E's and most
    other image servers' replies, whose ``usage`` is then zeros, not a count)."""

    images: list[GeneratedImage]
    usage: CallUsage = Field(default_factory=CallUsage)
    usage_reported: bool = True


class ProviderCallError(Exception):
    """A provider call failed. ``retryable``: a rate limit, a 5xx, a timeout, a connection error, a malformed reply.

    ``retry_after``: the seconds the server asked to wait before another call (its ``Retry-After`` or
    ``retry-after-ms`` header), when it said. ``usage``: the tokens the failed call still used (a reply that
    came back unusable was paid for), when the server reported them.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool,
        reason: str,
        retry_after: float | None = None,
        usage: CallUsage | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.reason = (
            reason  # "rate_limited", "server_error", "timeout", "connection", "malformed", "auth", ...
        )
        self.retry_after = retry_after
        self.usage = usage


def retry_after_seconds(headers: object) -> float | None:
    """The wait a reply's headers ask for: ``retry-after-ms`` (OpenAI's), else ``Retry-After`` in seconds or as
    an HTTP date; None when neither is there or readable. ``headers``: a case-insensitive mapping (httpx's)."""
    import math

    get = getattr(headers, "get", None)
    if get is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        given = get(name)
        if not isinstance(given, str) or not given.strip():
            continue
        try:
            value = float(given.strip()) * scale
        except ValueError:
            value = _seconds_until(given) if scale == 1.0 else None
        if value is not None and math.isfinite(value):
            return max(value, 0.0)
    return None


CLOSED_MID_REPLY = "the server closed the connection before its reply was complete"


def connection_error(exc: BaseException) -> ProviderCallError:
    """The error of an SDK's connection error (retryable): a connection dropped mid-reply says so
    (:data:`CLOSED_MID_REPLY`, which the hints read), any other is one that could not be made."""
    if closed_mid_reply(exc):
        return ProviderCallError(
            f"{CLOSED_MID_REPLY} ({type(exc.__cause__).__name__})", retryable=True, reason="connection"
        )
    return ProviderCallError(f"cannot connect ({exc})", retryable=True, reason="connection")


def limit_sent(request: ChatRequest) -> str:
    """The token limit ``request`` carried, as a message names it: ``max_tokens = N`` (its field), with ``, the
    default: ...`` when it is pipelex's (:data:`DEFAULT_MAX_TOKENS`); "" when it carried none."""
    if not request.max_tokens:
        return ""
    sent = f"{request.token_limit_param} = {request.max_tokens}"
    if request.default_limit:
        sent += ", the default: the pipe, its preset and the model's handle set none"
    return sent


def too_large_error(exc: BaseException) -> ProviderCallError | None:
    """The error of a reply past ``[limits] max_reply_bytes``
    (:class:`~pipelex.inference.providers.bounded_http.ReplyTooLarge`, as the SDK raised it: the OpenAI SDK
    passes it on, the Anthropic SDK wraps it in its connection error): not retried (the same server would send
    the same again); None for any other error."""
    cause = exc if type(exc).__name__ == "ReplyTooLarge" else exc.__cause__
    if type(cause).__name__ != "ReplyTooLarge":  # by name: the module imports httpx2, an error needs none
        return None
    # no status: the message says it, and a status would read as the server's verdict on the request
    return ProviderCallError(str(cause), retryable=False, reason="reply_too_large")


def closed_mid_reply(exc: BaseException) -> bool:
    """True when an SDK connection error is a connection that was open and then dropped (a reset or an early
    close while the reply was read: a server that crashed or a proxy that cut it), not one that never opened."""
    cause = exc.__cause__
    seen = 0
    while cause is not None and seen < 8:
        if type(cause).__name__ in ("ReadError", "RemoteProtocolError", "WriteError"):
            return True
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    return False


_TAG = re.compile(r"<[^<>]*>")
_TITLE = re.compile(r"<title[^<>]*>([^<]*)</title>", re.IGNORECASE)


# a chain of exception names a gateway wrote before its upstream's words (LiteLLM: "litellm.ContextWindowExceededError:
# litellm.BadRequestError: ContextWindowExceededError: OpenAIException - request (6032 tokens) exceeds ...")
_EXCEPTION_NAME = r"(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception)(?::[ \t]+|[ \t]+-[ \t]+)"
# two names at least: the gateway's own and its client's for the upstream (one, as in "ValueError: ...", is a
# server's own message, quoted whole)
_EXCEPTION_CHAIN = re.compile(f"(?:{_EXCEPTION_NAME}){{2,}}")


def gateway_message(detail: str) -> str:
    """The upstream server's words in an error a gateway passed on: a message that starts with a chain of two or more
    exception names (LiteLLM's proxy: ``litellm.BadRequestError: OpenAIException - <the server's message>``, then lines of
    its own about model groups and fallbacks) is quoted as the message after the chain, its first line; when that
    is the upstream's JSON error body (``{"error": {"message": ...}}``, as LiteLLM quotes it on its messages
    route), its ``message``. Any other message is returned as it is."""
    chain = _EXCEPTION_CHAIN.match(detail)
    if chain is None:
        return detail
    rest = detail[chain.end() :].lstrip()
    if rest.startswith("{"):
        import json

        try:
            body: object = json.JSONDecoder().raw_decode(rest)[0]
        except ValueError:
            body = None
        error = body.get("error", body) if is_json_object(body) else None
        message = error.get("message") if is_json_object(error) else None
        if isinstance(message, str) and message.strip():
            return gateway_message(message.strip())
    first = rest.split("\n", 1)[0].strip()
    return first or detail


def summarise_body(detail: str, limit: int = 400) -> str:
    """An error body fit to quote: an HTML page (a proxy's or gateway's, not the API's JSON error) as its title
    or its text, anything else on one line (vLLM's pydantic errors span three: "1 validation error for
    ChatCompletionRequest\\n  Value error, ...") and cut at ``limit`` characters."""
    head = detail[:2000].lower()
    if "<html" in head or "<!doctype" in head or "<body" in head:
        title = _TITLE.search(detail[:20_000])
        text = title.group(1) if title else _TAG.sub(" ", detail[:20_000])
        text = " ".join(text.split())[:200] or "no text"
        return (
            f"an HTML page, not the API's JSON error ({text!r}): a proxy or gateway answered for the server"
        )
    detail = " ".join(detail.split())
    return detail if len(detail) <= limit else detail[:limit] + " [...]"


def _seconds_until(http_date: str) -> float | None:
    """The seconds from now to an HTTP date (``Wed, 02 Dec 2026 01:00:00 GMT``), or None when it is not one."""
    import time
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(http_date.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return None if when.tzinfo is None else when.timestamp() - time.time()


class Provider(Protocol):
    """A provider adapter (one per wire protocol)."""

    async def chat(self, request: ChatRequest) -> ChatResult:
        """One chat/messages call."""
        ...

    async def generate_images(self, request: ImageRequest) -> ImageResult:
        """One image-generation call."""
        ...


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every known secret (in its common encodings) and every key-looking token replaced."""
    from pipelex.redaction import redact as redact_secrets

    return redact_secrets(text, secrets, key_like=True)


_MODE_WORDS: dict[str, tuple[str, ...]] = {
    "json_schema_strict": ("response_format", "json_schema", "strict", "schema"),
    "json_schema": ("response_format", "json_schema", "schema"),
    "json_object": ("response_format", "json_object", "schema"),
    "tools": ("tool",),
}


def refuses_mode(error: ProviderCallError, mode: StructuredMode) -> bool:
    """True when ``error`` is the server refusing the structured-output ``mode`` itself, not a passing fault.

    Servers say so with a 400, 422 or 501, and some (llama.cpp's Python server) with a 500, naming the
    field they refuse (``response_format``, ``json_schema``, ``tools``, ...) in the message.
    """
    if error.status not in (400, 422, 500, 501) or mode == "prompt":
        return False
    message = str(error).lower()
    return any(word in message for word in _MODE_WORDS[mode])


_REFUSAL_WORDS = ("unsupported", "not supported", "unrecognized", "unknown", "not permitted", "not allowed")


_SIZE_WORDS = ("too large", "context length", "context window", "exceeds", "must be less", "must be at most")


def other_token_field(field: TokenLimitParam) -> TokenLimitParam:
    """The token-limit field a server refusing ``field`` may take instead."""
    return "max_tokens" if field == "max_completion_tokens" else "max_completion_tokens"


def refuses_token_field(error: ProviderCallError, field: TokenLimitParam) -> bool:
    """True when ``error`` is the server refusing the token-limit field the request carried, not its value.

    OpenAI's reasoning models answer ``max_tokens`` with a 400 "Unsupported parameter: 'max_tokens' ... Use
    'max_completion_tokens' instead"; a server validating strictly answers an unknown ``max_completion_tokens``
    with a 400 or 422 naming it ("extra inputs are not permitted"). A value out of range names the field too,
    but neither the other field nor a refusal word; vLLM names both fields when the value is too large for the
    context ("'max_tokens' or 'max_completion_tokens' is too large: 4096. This model's maximum context length
    is 4096 tokens..."), which is a value problem too.
    """
    if error.status not in (400, 422):
        return False
    message = str(error).lower()
    if any(word in message for word in _SIZE_WORDS):  # the value does not fit, whichever field carried it
        return False
    other = other_token_field(field)
    named = field in message.replace(other, "")
    return named and (other in message or any(word in message for word in _REFUSAL_WORDS))


def refuses_limit_value(error: ProviderCallError) -> bool:
    """True when ``error`` is the server refusing the token limit's value as too large for its context: vLLM's
    400 "'max_tokens' or 'max_completion_tokens' is too large: 4096. This model's maximum context length is
    4096 tokens ..." (older releases: "... you requested 4126 tokens (30 in the messages, 4096 in the
    completion)"), a strict server's "max_tokens must be at most ...". A prompt too long for the context alone
    (llama-server's "request (6032 tokens) exceeds the available context size") names no limit."""
    if error.status not in (400, 422):
        return False
    message = str(error).lower()
    named = "max_tokens" in message or "max_completion_tokens" in message or "in the completion" in message
    if not (named and any(word in message for word in _SIZE_WORDS)):
        return False
    # vLLM's older words name the prompt's share: a prompt filling the context alone is the prompt's fault, and
    # a call without the limit would be refused as well
    context = re.search(r"maximum context length is (\d+)", message)
    prompt = re.search(r"\((\d+) in the messages", message)
    return not (context and prompt and int(prompt.group(1)) >= int(context.group(1)))


_SCHEMA_KEYWORDS = ("additionalproperties", "$ref", "$defs", "$schema", "propertynames")


def refuses_schema_keyword(error: ProviderCallError) -> bool:
    """True when ``error`` is the server refusing a JSON-schema keyword it does not know, not the mode itself.

    Gemini's OpenAI-compatible endpoint answers ``Invalid JSON payload received. Unknown name
    "additionalProperties" at 'generation_config.response_schema'`` (or ``"$ref"``, ``"$schema"``, ...) with a
    400; the same mode takes a plain schema (references inlined, those keywords left out).
    """
    if error.status not in (400, 422):
        return False
    message = str(error).lower()
    return any(word in message for word in _SCHEMA_KEYWORDS)


DROPPABLE_SETTINGS = ("temperature", "reasoning_effort")
"""The optional settings a call goes without when its model refuses them (the reply is still the model's)."""
DROPPABLE_IMAGE_SETTINGS = ("quality", "background", "output_format")
"""The same for image generation: DALL-E 3 refuses ``output_format`` and ``background`` ("Unknown parameter"),
DALL-E 2 a ``quality`` other than ``standard``; the images are still the model's, in its defaults. The size is
never dropped: an aspect ratio the model refuses is the server's error."""


def refuses_setting(error: ProviderCallError, name: str) -> bool:
    """True when ``error`` is the server refusing the optional setting ``name`` for this model, not its value.

    OpenAI's reasoning models answer a ``temperature`` with a 400 "Unsupported value: 'temperature' does not
    support 0.2 with this model. Only the default (1) value is supported." (or "Unsupported parameter"); models
    that do not reason refuse ``reasoning_effort`` ("Unrecognized request argument supplied"); Anthropic's models
    after Opus 4.6 answer a ``temperature`` as deprecated. A value out of range ("Invalid 'temperature': decimal above maximum value") is not a refusal of the setting.
    """
    if error.status not in (400, 422):
        return False
    message = str(error).lower()
    return name in message and any(
        word in message
        for word in (*_REFUSAL_WORDS, "only the default", "supported values are", "deprecated")
    )


def status_error(status: int | None, message: str, *, retry_after: float | None = None) -> ProviderCallError:
    """The error for an HTTP status: 408/409/429/5xx are retryable (after ``retry_after`` s, when the server
    asked for a wait)."""
    if status == 429:
        return ProviderCallError(
            message, status=status, retryable=True, reason="rate_limited", retry_after=retry_after
        )
    if status is not None and (status >= 500 or status in (408, 409)):
        return ProviderCallError(
            message, status=status, retryable=True, reason="server_error", retry_after=retry_after
        )
    if status in (401, 403):
        return ProviderCallError(message, status=status, retryable=False, reason="auth")
    if status == 404:
        return ProviderCallError(message, status=status, retryable=False, reason="not_found")
    return ProviderCallError(message, status=status, retryable=False, reason="rejected")
