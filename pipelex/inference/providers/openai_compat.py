"""OpenAI-compatible chat completions and images (OpenAI, Azure OpenAI, Mistral, Groq, OpenRouter, Ollama, vLLM, ...).

Structured output is asked in the request's mode (:data:`~pipelex.config.deck.StructuredMode`): a
``json_schema`` response format (strict or not), a ``json_object`` response format carrying the schema, one
forced tool whose parameters are the schema, or nothing at all (the schema is then in the prompt). The token
limit goes in the field the backend reads (``max_tokens`` or ``max_completion_tokens``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from pipelex.inference.providers.base import (
    CallUsage,
    ChatRequest,
    ChatResult,
    GeneratedImage,
    ImageRequest,
    ImageResult,
    ProviderCallError,
    connection_error,
    gateway_message,
    limit_sent,
    retry_after_seconds,
    status_error,
    summarise_body,
    too_large_error,
)
from pipelex.narrowing import is_json_object, is_list

if TYPE_CHECKING:
    from openai import AsyncOpenAI
    from openai.types import ImagesResponse
    from openai.types.chat import ChatCompletion


def make_client(*, api_key: str, base_url: str | None, timeout: float, max_reply_bytes: int) -> AsyncOpenAI:
    """An SDK client with the SDK's own retries off (pipelex retries, with backoff and jitter), its replies
    bounded (``max_reply_bytes``, and ``timeout`` for the whole call: :mod:`~pipelex.inference.providers.bounded_http`)."""
    from openai import AsyncOpenAI

    return AsyncOpenAI(
        api_key=api_key,
        base_url=base_url,
        max_retries=0,
        timeout=timeout,
        http_client=_http_client(timeout, max_reply_bytes),
    )


def make_azure_client(
    *, api_key: str, endpoint: str, api_version: str | None, timeout: float, max_reply_bytes: int
) -> AsyncOpenAI:
    """The SDK's Azure client: ``endpoint`` is the resource URL, model ids are deployment names."""
    from openai import AsyncAzureOpenAI

    return AsyncAzureOpenAI(
        api_key=api_key,
        azure_endpoint=endpoint,
        api_version=api_version,
        max_retries=0,
        timeout=timeout,
        http_client=_http_client(timeout, max_reply_bytes),
    )


def _http_client(timeout: float, max_reply_bytes: int) -> Any:
    from openai import DefaultAsyncHttpxClient

    from pipelex.inference.providers.bounded_http import bounded_client

    return bounded_client(
        DefaultAsyncHttpxClient, max_reply_bytes=max_reply_bytes, deadline=timeout, timeout=timeout
    )


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` as OpenAI's strict mode wants it: every object closed, every property required (an
    optional one may be null instead), no ``default``. The reply is still validated against the concept."""

    def walk(node: object) -> object:
        if is_list(node):
            return [walk(item) for item in node]
        if not is_json_object(node):  # a JSON schema: keys are strings
            return node
        out = {k: walk(v) for k, v in node.items() if k != "default"}
        properties = out.get("properties")
        if is_json_object(properties) and (out.get("type") in (None, "object")):
            required = set(cast(list[str], node.get("required", [])))  # JSON schema: a list of names
            for name, sub in properties.items():
                if name not in required and not _nullable(sub):
                    properties[name] = {"anyOf": [sub, {"type": "null"}]}
            out["required"] = list(properties)
            out["additionalProperties"] = False
        return out

    return cast(dict[str, Any], walk(schema))


def _nullable(schema: object) -> bool:
    if not is_json_object(schema):
        return False
    kind = schema.get("type")
    if kind == "null" or (is_list(kind) and "null" in kind):
        return True
    options = cast(list[object], schema.get("anyOf", []))  # JSON schema: ``anyOf`` is a list of schemas
    return any(is_json_object(o) and o.get("type") == "null" for o in options)


def translate(exc: BaseException) -> ProviderCallError:
    """The one boundary where OpenAI SDK errors become :class:`ProviderCallError`."""
    import openai

    too_large = too_large_error(exc)
    if too_large is not None:
        return too_large
    if isinstance(exc, openai.APITimeoutError):
        return ProviderCallError("the call timed out", retryable=True, reason="timeout")
    if isinstance(exc, openai.APIConnectionError):
        return connection_error(exc)
    if isinstance(exc, openai.APIStatusError):
        # the SDK's message starts "Error code: 400 - ", which would say the status twice
        detail = exc.message.removeprefix(f"Error code: {exc.status_code} - ")
        if detail == f"Error code: {exc.status_code}":  # a body without an error message: say what it held
            detail = str(exc.body)[:300] if exc.body else "no message"
        detail = gateway_message(detail)  # the upstream's words, not a gateway's exception chain
        listed = _listed_error(exc.body) or _fastapi_detail(exc.body)
        if listed is not None:  # Gemini's error object inside a list; FastAPI's {"detail": ...}
            detail = listed
        generation = _failed_generation(exc.body)
        if generation is not None:
            return ProviderCallError(
                f"HTTP {exc.status_code}: the server found the model's reply invalid ({summarise_body(detail, 200)})"
                + generation,
                retryable=True,  # the model's sampling, not the request: another attempt may fit
                reason="schema_mismatch",
            )
        param = exc.body.get("param") if is_json_object(exc.body) else None
        if (
            isinstance(param, str) and param and param not in detail
        ):  # "Invalid value: '1536x1024'" names none
            detail = f"{detail} (param {param!r})"
        return status_error(
            exc.status_code,
            f"HTTP {exc.status_code}: {summarise_body(detail)}",
            retry_after=retry_after_seconds(exc.response.headers),
        )
    if isinstance(exc, openai.APIResponseValidationError | ValueError):
        return ProviderCallError(f"malformed reply ({exc})", retryable=True, reason="malformed")
    if isinstance(exc, RecursionError):  # a reply body nesting thousands deep: the SDK's JSON reader recursed
        return ProviderCallError(
            "malformed reply (it nests too deeply to be read)", retryable=True, reason="malformed"
        )
    return ProviderCallError(f"{type(exc).__name__}: {exc}", retryable=False, reason="unexpected")


# the codes of an error that is the model's reply failing the server's own check of it (Groq's: "Failed to generate
# JSON" in a JSON mode, "Failed to call a function" or "tool call validation failed" for a forced tool), with the
# reply in ``failed_generation``
_GENERATION_FAILED = ("json_validate_failed", "tool_use_failed")


def _failed_generation(body: object) -> str | None:
    """For an error body saying the model's reply failed the server's check (Groq's ``json_validate_failed`` and
    ``tool_use_failed``), what to add to its message: the code and the start of the reply (``failed_generation``);
    None for any other body. Such a 400 is no refusal of the request or of its structured mode: it is retried,
    as a reply that does not fit is."""
    if not is_json_object(body) or body.get("code") not in _GENERATION_FAILED:
        return None
    failed = body.get("failed_generation")
    shown = (
        f"; the reply was {' '.join(failed.split())[:160]!r}" if isinstance(failed, str) and failed else ""
    )
    return f" [{body['code']}]{shown}"


def _listed_error(body: object) -> str | None:
    """The message of an error body given as a list (``[{"error": {"message": ...}}]``: Gemini's
    OpenAI-compatible endpoint), or None for any other body."""
    if not is_list(body) or not body:
        return None
    first = body[0]
    error = first.get("error") if is_json_object(first) else None
    message = error.get("message") if is_json_object(error) else None
    return message if isinstance(message, str) else None


def _fastapi_detail(body: object) -> str | None:
    """The message of a FastAPI error body (llama-cpp-python's server, vLLM's older ones, Mistral's 422s):
    ``{"detail": "Not Found"}``, or a validation error's list, as ``body.reasoning_effort: Extra inputs are not
    permitted; ...``; None for any other body."""
    if not is_json_object(body) or set(body) != {"detail"}:
        return None
    detail = body["detail"]
    if isinstance(detail, str):
        return detail
    if not is_list(detail):
        return None
    problems: list[str] = []
    for item in detail[:5]:
        if not is_json_object(item):
            continue
        where = item.get("loc")
        place = ".".join(str(p) for p in where) if is_list(where) else ""
        problems.append(f"{place}: {item.get('msg', '')}" if place else str(item.get("msg", "")))
    return "; ".join(problems) or None


def _message_text(content: object) -> str | None:
    """The reply's text: ``content`` is a string on most servers, but a list of parts on some (Mistral's
    reasoning models: ``{"type": "thinking", ...}`` then ``{"type": "text", "text": ...}``), whose text parts
    are joined (the thinking is left out)."""
    if content is None or isinstance(content, str):
        return content
    if not is_list(content):
        return None
    texts = [
        part["text"]
        for part in content
        if is_json_object(part) and part.get("type") == "text" and isinstance(part.get("text"), str)
    ]
    return "".join(cast(list[str], texts)) if texts else None


def _arguments_text(arguments: object) -> str | None:
    """A tool call's arguments as JSON text: a string as OpenAI sends them, or an object or list as some
    llama-server builds (early 2026) and other servers send them, written back as JSON."""
    if arguments is None or isinstance(arguments, str):
        return arguments
    if is_json_object(arguments) or is_list(arguments):
        return json.dumps(arguments, ensure_ascii=False)
    return None


# where servers put a reply's reasoning: DeepSeek, llama.cpp and vLLM before 0.10; vLLM after, OpenRouter
_REASONING_FIELDS = ("reasoning_content", "reasoning")


def _reasoning_text(message: object) -> str | None:
    """The reasoning a message carries beside its content: ``reasoning_content`` (DeepSeek, llama.cpp, vLLM
    before 0.10) or ``reasoning`` (vLLM after, OpenRouter), when it is non-blank text."""
    extra = getattr(message, "model_extra", None)
    if not is_json_object(extra):
        return None
    for name in _REASONING_FIELDS:
        value = extra.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _usage(usage: object) -> tuple[CallUsage, tuple[str, ...]]:
    """The call's tokens, and the counts the reply's ``usage`` left out (a partial ``usage``: some servers give
    ``total_tokens`` alone): those are 0, never guessed. No ``usage`` at all: zeros, nothing named."""
    if usage is None:
        return CallUsage(), ()
    prompt = getattr(usage, "prompt_tokens", None)
    completion = getattr(usage, "completion_tokens", None)
    missing = tuple(
        name
        for name, value in (("prompt_tokens", prompt), ("completion_tokens", completion))
        if not isinstance(value, int) or isinstance(value, bool) or value < 0
    )
    details = getattr(usage, "prompt_tokens_details", None)
    out_details = getattr(usage, "completion_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) if details is not None else None
    reasoning = getattr(out_details, "reasoning_tokens", None) if out_details is not None else None
    return (
        CallUsage(
            input_tokens=prompt if "prompt_tokens" not in missing else 0,  # pyright: ignore[reportArgumentType]
            input_cached_tokens=cached if isinstance(cached, int) and cached >= 0 else 0,
            output_tokens=completion if "completion_tokens" not in missing else 0,  # pyright: ignore[reportArgumentType]
            output_reasoning_tokens=reasoning if isinstance(reasoning, int) and reasoning >= 0 else 0,
        ),
        missing,
    )


def _from_event_stream(body: str) -> ChatCompletion:
    """The completion a server sent as a stream of server-sent events although none was asked (a server or
    proxy that only streams): its chunks' deltas joined into one message. A body that is no event stream is a
    malformed reply, quoted."""
    from openai.types.chat import ChatCompletion

    chunks: list[dict[str, Any]] = []
    for line in body.splitlines():
        if not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if payload == "[DONE]":
            break
        try:
            chunk = json.loads(payload)
        except ValueError:
            continue
        if is_json_object(chunk):
            chunks.append(cast(dict[str, Any], chunk))
    if not chunks:
        shown = " ".join(body[:200].split())
        raise ProviderCallError(
            f"malformed reply (not JSON: {shown!r})" if shown else "malformed reply (an empty body)",
            retryable=True,
            reason="malformed",
        )
    for chunk in chunks:
        if "error" in chunk:  # an error sent down the stream
            return ChatCompletion.model_construct(**chunk)
    content: list[str] = []
    reasoning: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    finish: str | None = None
    usage: object = None
    for chunk in chunks:
        usage = chunk.get("usage") or usage
        for choice in cast(list[object], chunk.get("choices") or []):
            if not is_json_object(choice) or choice.get("index", 0) != 0:
                continue
            finish = cast(str | None, choice.get("finish_reason")) or finish
            delta: object = choice.get("delta") or choice.get("message")
            if not is_json_object(delta):
                continue
            if isinstance(text := delta.get("content"), str):
                content.append(text)
            for name in _REASONING_FIELDS:
                if isinstance(text := delta.get(name), str):
                    reasoning.append(text)
            for call in cast(list[object], delta.get("tool_calls") or []):
                if not is_json_object(call):
                    continue
                index = call.get("index", 0)
                entry = calls.setdefault(
                    index if isinstance(index, int) else 0,
                    {"id": "call_0", "type": "function", "function": {"name": "", "arguments": ""}},
                )
                function = call.get("function")
                if is_json_object(function):
                    entry["function"]["name"] += str(function.get("name") or "")
                    entry["function"]["arguments"] += _arguments_text(function.get("arguments")) or ""
                if isinstance(call.get("id"), str):
                    entry["id"] = call["id"]
    message: dict[str, Any] = {"role": "assistant", "content": "".join(content) if content else None}
    if reasoning:
        message["reasoning_content"] = "".join(reasoning)
    if calls:
        message["tool_calls"] = [calls[i] for i in sorted(calls)]
    first = chunks[0]
    return ChatCompletion.model_validate(
        {
            "id": str(first.get("id", "stream")),
            "object": "chat.completion",
            "created": first.get("created") if isinstance(first.get("created"), int) else 0,
            "model": str(first.get("model", "")),
            "choices": [{"index": 0, "message": message, "finish_reason": finish or "stop"}],
            "usage": usage if is_json_object(usage) else None,
        }
    )


def _no_choices(completion: object) -> ProviderCallError:
    """The error for a reply without choices: some servers (OpenRouter, proxies in front of a model) answer an
    upstream failure with HTTP 200 and an ``{"error": {...}}`` body instead of a completion; say what it says."""
    extra = getattr(completion, "model_extra", None)
    error = extra.get("error") if is_json_object(extra) else None
    if error is not None:
        detail = error.get("message", error) if is_json_object(error) else error
        code = error.get("code") if is_json_object(error) else None
        status = code if isinstance(code, int) and 400 <= code < 600 else None
        text = str(detail)[:500]
        if status is not None:
            return status_error(status, f"the server answered an error with HTTP 200 (code {status}): {text}")
        return ProviderCallError(
            f"the server answered an error with HTTP 200: {text}", retryable=True, reason="server_error"
        )
    return ProviderCallError("malformed reply (no choices)", retryable=True, reason="malformed")


def _content(request: ChatRequest) -> str | list[dict[str, Any]]:
    if not request.parts:
        return request.prompt
    content: list[dict[str, Any]] = [{"type": "text", "text": request.prompt}]
    for part in request.parts:
        if part.kind == "image":
            content.append({"type": "image_url", "image_url": {"url": part.data_url}})
        else:
            content.append(
                {
                    "type": "file",
                    "file": {"filename": part.filename or "document.pdf", "file_data": part.data_url},
                }
            )
    return content


def _structured_fields(request: ChatRequest) -> dict[str, Any]:
    """The request fields asking for structured output in the request's mode (none in ``prompt`` mode)."""
    schema = request.json_schema or {"type": "object"}
    match request.structured_mode:
        case "json_schema_strict":
            return {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {
                        "name": request.schema_name,
                        "schema": strict_schema(schema),
                        "strict": True,
                    },
                }
            }
        case "json_schema":
            return {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": request.schema_name, "schema": schema, "strict": False},
                }
            }
        case "json_object":
            return {"response_format": {"type": "json_object", "schema": schema}}
        case "tools":
            return {
                "tools": [
                    {
                        "type": "function",
                        "function": {
                            "name": request.schema_name,
                            "description": "Record the answer.",
                            "parameters": schema,
                        },
                    }
                ],
                "tool_choice": {"type": "function", "function": {"name": request.schema_name}},
            }
        case "prompt":
            return {}


class OpenAIProvider:
    """Chat completions (text, ``json_schema`` structured output, multimodal parts) and image generation."""

    def __init__(self, client: AsyncOpenAI) -> None:
        self.client = client

    async def chat(self, request: ChatRequest) -> ChatResult:
        """One chat completion; with a schema, the reply is the JSON text the model produced."""
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.append({"role": "user", "content": _content(request)})
        kwargs: dict[str, Any] = {"model": request.model_id, "messages": messages, "timeout": request.timeout}
        if request.temperature is not None:
            kwargs["temperature"] = request.temperature
        if request.max_tokens is not None:
            kwargs[request.token_limit_param] = request.max_tokens
        if request.json_schema is not None:
            kwargs.update(_structured_fields(request))
        if request.web_search:
            kwargs["web_search_options"] = {}
        if request.reasoning_effort is not None:
            kwargs["reasoning_effort"] = request.reasoning_effort
        try:
            # the arguments are built as a dict (no ``stream``), so the SDK's overloads cannot pick the return type
            completion = cast("ChatCompletion | str", await self.client.chat.completions.create(**kwargs))
        except Exception as exc:
            raise translate(exc) from exc
        if isinstance(completion, str):  # a body that is not JSON: the SDK hands it over as text
            completion = _from_event_stream(completion)
        choices = getattr(completion, "choices", None)
        if not choices:
            raise _no_choices(completion)
        usage, missing = _usage(completion.usage)
        # a failed call's tokens are recorded only when the reply counted them all
        known = usage if completion.usage is not None and not missing else None
        message = choices[0].message
        finish = choices[0].finish_reason
        text = _message_text(message.content)
        if message.tool_calls and (text is None or not text.strip() or request.structured_mode == "tools"):
            text = _arguments_text(message.tool_calls[0].function.arguments)
        from_reasoning = False
        if text is None or not text.strip():
            reasoning = _reasoning_text(message)
            if reasoning and finish == "length":
                limit = f"{limit_sent(request)}; " if request.max_tokens else ""
                raise ProviderCallError(
                    "the model spent its whole token limit reasoning and gave no answer (content empty, "
                    f"{limit}finish_reason = length): raise max_tokens (on the pipe's model, its preset or the "
                    "handle), or lower reasoning_effort",
                    retryable=False,
                    reason="length_limit",
                    usage=known,
                )
            if reasoning:
                text, from_reasoning = reasoning, True
        if text is None and finish == "content_filter":  # Azure's, and others': not retried
            raise ProviderCallError(
                "the server's content filter withheld the reply (finish_reason = content_filter)",
                retryable=False,
                reason="refused",
                usage=known,
            )
        if text is None:
            refusal = getattr(message, "refusal", None)
            raise ProviderCallError(
                f"the model refused: {refusal}" if refusal else "malformed reply (no content)",
                retryable=not refusal,
                reason="refused" if refusal else "malformed",
                usage=known,
            )
        return ChatResult(
            text=text,
            usage=usage,
            truncated=finish == "length",
            usage_reported=completion.usage is not None and not missing,
            usage_missing=missing if completion.usage is not None else (),
            from_reasoning=from_reasoning,
            # a forced tool answered in text: llama-server reads a named tool_choice as "auto" (it logs "Wrong type
            # supplied for parameter 'tool_choice'"); older Ollama releases did not read tool_choice; a chat
            # template without tools
            tool_ignored=request.json_schema is not None
            and request.structured_mode == "tools"
            and not message.tool_calls,
        )

    async def generate_images(self, request: ImageRequest) -> ImageResult:
        """One images call; images come back as base64 (or URLs, from endpoints that only give URLs)."""
        kwargs: dict[str, Any] = {
            "model": request.model_id,
            "prompt": request.prompt,
            "n": request.n,
            "timeout": request.timeout,
        }
        for name in ("size", "quality", "background", "output_format"):
            value = getattr(request, name)
            if value is not None:
                kwargs[name] = value
        try:
            # as for chat: the arguments are a dict, the SDK's overloads cannot pick the return type
            response = cast("ImagesResponse", await self.client.images.generate(**kwargs))
        except Exception as exc:
            raise translate(exc) from exc
        mime = f"image/{'jpeg' if request.output_format == 'jpeg' else request.output_format or 'png'}"
        images = [
            GeneratedImage(data_b64=item.b64_json, url=item.url, mime_type=mime)
            for item in response.data or []
        ]
        if not images or any(i.data_b64 is None and i.url is None for i in images):
            raise ProviderCallError(
                f"malformed reply ({json.dumps(len(images))} image(s), some empty)",
                retryable=True,
                reason="malformed",
            )
        usage = CallUsage()
        if response.usage is not None:
            usage = CallUsage(
                input_tokens=response.usage.input_tokens or 0, output_tokens=response.usage.output_tokens or 0
            )
        return ImageResult(images=images, usage=usage, usage_reported=response.usage is not None)
