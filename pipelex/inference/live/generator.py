"""The live content generator: real provider calls, resolved through the model deck of its run.

For each leaf job: resolve the model reference (the pipe's ``model``, else the deck's default for the
category) to the handles to try; skip handles that lack a capability (images, PDFs, structured output) or
whose key is not set; call the provider with retries (:mod:`pipelex.inference.live.calls`); on a final failure
fall back to the next handle of a waterfall; report usage (tokens by category, cost) to the leaf's usage sink.
Structured replies are parsed and validated against the concept model; a mismatch is retried, then is a clear
error naming the fields. Generated images and documents go to storage and are referenced by URI.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib
import inspect
import itertools
import json
import math
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ValidationError

from pipelex.concepts.natives import (
    DocumentContent,
    ImageContent,
    PageContent,
    SearchResultContent,
    StuffContent,
    TextContent,
)
from pipelex.config.deck import (
    Backend,
    MissingBaseUrlError,
    ModelCategory,
    ModelHandle,
    ResolvedModel,
)
from pipelex.errors import DRY_RUN_FIX, InputError, PipeRunError, ProviderCallFailed, ProviderError
from pipelex.inference.jobs import (
    DocGenJob,
    ExtractJob,
    FuncJob,
    ImgGenJob,
    JudgeJob,
    JudgeQuestionJob,
    LLMJob,
    SearchJob,
)
from pipelex.inference.live.calls import call_with_retries, provider_error
from pipelex.inference.live.runtime import LiveRuntime
from pipelex.inference.providers.base import (
    CallUsage,
    ChatRequest,
    ChatResult,
    ImageRequest,
    ImageResult,
    Part,
    ProviderCallError,
    limit_sent,
)
from pipelex.narrowing import is_dict, is_json_object, is_list, mend_json, mend_text
from pipelex.reporting.run_warnings import record_warning
from pipelex.reporting.usage import TokenUsage, record_usage
from pipelex.storage.protocol import Storage

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipelex.inference.live.preflight import ModelCall
    from pipelex.memory.stuff import Stuff

T = TypeVar("T")

_ASPECT_SIZES = {"square": "1024x1024", "landscape": "1536x1024", "portrait": "1024x1536"}


def record(handle: ModelHandle, usage: CallUsage, *, priced: bool = True) -> None:
    """Report one call's usage (with its cost, when the model's price is known) to the leaf's usage sink."""
    cost = (
        handle.cost_usd(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cached_input_tokens=usage.input_cached_tokens,
        )
        if priced
        else 0.0
    )
    record_usage(
        TokenUsage(
            model=handle.handle,
            model_id=handle.model_id,
            backend=handle.backend,
            input_tokens=usage.input_tokens,
            input_cached_tokens=usage.input_cached_tokens,
            output_tokens=usage.output_tokens,
            output_reasoning_tokens=usage.output_reasoning_tokens,
            cost_usd=cost,
            unpriced=not priced,
        )
    )


def _limit_text(request: ChatRequest, result: ChatResult | None = None) -> str:
    if not request.max_tokens:
        return "no max_tokens was sent: the server's own limit, its context window or longest reply"
    sent = limit_sent(request)
    if _cut_by_server(request, result):
        assert result is not None
        sent += (
            f"; the reply has {result.usage.output_tokens} tokens, fewer: the server stopped it at a limit of "
            "its own, its context window"
        )
    return sent


def _cut_by_server(request: ChatRequest, result: ChatResult | None) -> bool:
    """True when a reply cut at "the token limit" has fewer output tokens than the limit sent: the server cut it
    at a limit of its own (llama-server at the end of its slot's context, with ``finish_reason = length``)."""
    if result is None or not request.max_tokens or not result.usage_reported:
        return False
    return 0 < result.usage.output_tokens < request.max_tokens


def _limit_advice(request: ChatRequest, result: ChatResult | None = None) -> str:
    """What to do about a reply cut at the token limit: raise the limit the call carried; with none, or cut
    sooner by the server's own limit (a local server's context window), which a reply reaches mostly by
    repeating itself, ask for less or use a larger context."""
    if request.max_tokens and not _cut_by_server(request, result):
        return (
            "raise max_tokens (in the model's preset, an inline "
            '`model = { model = "...", max_tokens = N }` or the handle\'s max_tokens)'
        )
    bounded = (
        "a smaller max_tokens on the pipe makes such a call fail sooner"
        if request.max_tokens
        else "a max_tokens on the pipe makes such a call fail sooner"
    )
    return (
        "a reply that long is often a model repeating itself (a list that does not end): ask for less in the "
        f"prompt or use a stronger model or a larger context; {bounded}"
    )


def _unbounded_timeout(problem: ProviderCallError, request: ChatRequest) -> ProviderCallError:
    """A timeout of a call that carried no token limit of the user's, saying so: such a reply runs until the
    model stops, the server's own limit or the default limit, and a small model repeating itself (SmolLM2 on
    llama-server, listing findings for 4,000 tokens at a few tokens a second) writes until the call's timeout."""
    sent = (
        f"the default {request.token_limit_param} = {request.max_tokens} was sent (the pipe, its preset and "
        "the model's handle set none): a model repeating itself writes that many tokens; a smaller max_tokens "
        "on the pipe's model bounds the call sooner"
        if request.max_tokens
        else "no max_tokens was sent: the reply runs until the model stops or the server's own limit, and "
        "a model repeating itself runs that long; a max_tokens on the pipe's model bounds the call"
    )
    return ProviderCallError(
        f"{problem} ({sent})",
        status=problem.status,
        retryable=problem.retryable,
        reason=problem.reason,
        retry_after=problem.retry_after,
        usage=problem.usage,
    )


def _with_default_limit(request: ChatRequest, backend: Backend, base_url: str | None) -> ChatRequest:
    """``request`` with the default token limit when the pipe, its preset and the handle set none: the messages
    API requires one, and the servers whose own default is no limit (llama.cpp, vLLM, Ollama, ...) get one too,
    so a model repeating itself stops there, not at the call's timeout. The request says the limit is the
    default (a cut reply's warning and a timeout's error name it as such)."""
    from pipelex.inference.live.structured import default_token_limit

    if request.max_tokens is not None:
        return request
    default = default_token_limit(backend, base_url)
    if default is None:
        return request
    return request.model_copy(update={"max_tokens": default, "default_limit": True})


def _cut_off(request: ChatRequest, problem: ProviderCallError, result: ChatResult) -> ProviderCallError:
    return ProviderCallError(
        f"the reply stopped at the token limit ({_limit_text(request, result)}) before the structured "
        f"output was complete ({problem}): {_limit_advice(request, result)}",
        retryable=False,
        reason="length_limit",
    )


def _say_what_the_reply_lacked(result: ChatResult, pipe_code: str, handle: ModelHandle) -> None:
    """Warnings on the leaf for a reply without (complete) usage, or whose answer came as reasoning text."""
    if result.usage_missing:
        record_warning(
            f"pipe {pipe_code!r}: the reply of {handle.handle!r} carried a partial token usage (no "
            f"{' and no '.join(result.usage_missing)}): those tokens (and their cost) are counted as 0"
        )
    elif not result.usage_reported:
        _say_no_usage(pipe_code, handle)
    if result.from_reasoning:
        record_warning(
            f"pipe {pipe_code!r}: the reply of {handle.handle!r} had no content, only a reasoning text "
            "(reasoning_content): that text is taken as the answer (a server's reasoning parser may "
            "have taken the answer for thinking)"
        )


def _say_no_usage(pipe_code: str, handle: ModelHandle) -> None:
    """The warning on the leaf for a reply (text or images) that carried no token usage."""
    record_warning(
        f"pipe {pipe_code!r}: the reply of {handle.handle!r} carried no token usage: "
        "its tokens (and cost) are counted as 0"
    )


_Settings = TypeVar("_Settings", bound=BaseModel)


def _without_settings(
    request: _Settings, names: Iterable[str], pipe_code: str, handle: ModelHandle
) -> _Settings:
    """``request`` without the optional settings ``names`` its model refuses; the leaf is told of each one it set."""
    for name in names:
        asked = getattr(request, name, None)
        if asked is None:
            continue
        record_warning(
            f"pipe {pipe_code!r}: model {handle.handle!r} ({handle.model_id}) refuses {name} "
            f"(asked {asked!r}): it was called without it"
        )
        request = request.model_copy(update={name: None})
    return request


def _learn_refused_settings(
    exc: ProviderCallError,
    request: BaseModel,
    droppable: Iterable[str],
    backend: Backend,
    base_url: str | None,
    handle: ModelHandle,
) -> list[str]:
    """The optional settings of ``droppable`` that ``request`` set and that ``exc`` says its model refuses, each
    remembered for the process (later calls go without it)."""
    from pipelex.inference.live.structured import drop_setting
    from pipelex.inference.providers.base import refuses_setting

    refused = [n for n in droppable if getattr(request, n, None) is not None and refuses_setting(exc, n)]
    for name in refused:
        drop_setting(backend, base_url, handle.model_id, name, str(exc))
    return refused


def missing_key_message(backend: Backend) -> str:
    """What to do when a backend's key is not set."""
    return f"set {backend.api_key_env} (the key of backend {backend.name!r})"


class LiveContentGenerator:
    """Calls providers for real, with the model deck and the store of its run (``runtime``)."""

    # a live leaf calls a provider: a live run runs only the outcome a condition takes
    explores_all_outcomes: ClassVar[bool] = False
    # nothing implements a signature: a live run refuses it
    mocks_signatures: ClassVar[bool] = False

    def __init__(self, runtime: LiveRuntime) -> None:  # noqa: D107
        self.runtime = runtime

    # ------------------------------------------------------------------------------------------------- the run
    def preflight(self, calls: Callable[[], Sequence[ModelCall]]) -> None:
        """The models the run may call (``calls``: those of every pipe reachable from the one run) get resolved in
        the run's deck: a provider key that is not set fails the run here, before anything runs
        (:mod:`pipelex.inference.live.preflight`)."""
        from pipelex.inference.live.preflight import preflight

        preflight(calls(), self.runtime.deck)

    def prepare_inputs(self, stuffs: dict[str, Stuff]) -> dict[str, Stuff]:
        """The inputs with every image or document given as a data URL stored in the run's store (its leaves
        then pass a URI, not megabytes of base64).

        A data URL that cannot be decoded is refused here, naming its input, before anything runs: its reader
        would fail on it mid-run, after the pipes before it were run and paid for."""
        from pipelex.storage.local import normalize_content

        storage = self.runtime.storage
        prepared: dict[str, Stuff] = {}
        for name, stuff in stuffs.items():

            def malformed(url: str, name: str = name) -> None:
                shown = url if len(url) <= 60 else url[:57] + "..."
                raise InputError(
                    f"input {name!r} holds a malformed data: URL ({shown!r}): after ';base64,' give its bytes in "
                    "standard padded Base64 (after a bare ',' URL-encoded bytes), and no empty data",
                    input_name=name,
                )

            prepared[name] = stuff.model_copy(
                update={"content": normalize_content(stuff.content, storage, malformed)}
            )
        return prepared

    def session(self) -> contextlib.AbstractAsyncContextManager[object]:
        """Provider clients shared by the run's calls (closed at its end), calls in flight bounded by the deck's
        ``max_concurrency``."""
        from pipelex.inference.providers.session import provider_session

        return provider_session(max_concurrency=self.runtime.deck.policy.max_concurrency)

    # ------------------------------------------------------------------------------------------ model resolution
    def _resolve(
        self, runtime: LiveRuntime, job_model: str | None, category: ModelCategory, pipe_code: str
    ) -> ResolvedModel:
        ref = job_model or runtime.deck.default_ref(category)
        if ref is None:
            raise ProviderError(
                f"pipe {pipe_code!r} names no {category.value} model, and the model deck names no default for "
                f'that category: write model = "..." on the pipe, or set [models.defaults] {category.value}',
                pipe_code=pipe_code,
                error_type="model_unspecified",
            )
        resolved = runtime.deck.resolve_model(ref, category)  # names are looked up in the operator's category
        if resolved is None:
            raise ProviderError(
                f"pipe {pipe_code!r}: model {ref!r} is not in the model deck: use a name that "
                "`pipelex show models` lists, or add it under [models] in pipelex.toml",
                pipe_code=pipe_code,
                error_type="unknown_model",
            )
        return resolved

    async def try_handles(
        self,
        runtime: LiveRuntime,
        resolved: ResolvedModel,
        *,
        pipe_code: str,
        what: str,
        fits: Callable[[ModelHandle], str | None],
        call: Callable[[ModelHandle, Backend], Awaitable[T]],
    ) -> T:
        """Try each handle in turn (a waterfall falls back on failure); one clear error when none worked."""
        failures: list[str] = []
        last: ProviderError | MissingBaseUrlError | None = None
        for handle in resolved.handles:
            unfit = fits(handle)
            if unfit:
                failures.append(f"{handle.handle}: {unfit}")
                continue
            backend = runtime.deck.backend_of(handle)
            try:
                backend.resolved_base_url()
            except MissingBaseUrlError as exc:
                failures.append(f"{handle.handle}: {exc}")
                last = exc
                continue
            if backend.needs_key and not backend.api_key():
                failures.append(f"{handle.handle}: no key ({missing_key_message(backend)})")
                last = provider_error(
                    f"pipe {pipe_code!r} needs {what} from model {handle.handle!r} "
                    f"(provider {backend.name!r}), and {backend.api_key_env} is not set: "
                    f"{missing_key_message(backend)}, or {DRY_RUN_FIX}",
                    pipe_code=pipe_code,
                    handle=handle,
                    status=None,
                    reason="missing_key",
                )
                continue
            try:
                return await call(handle, backend)
            except ProviderError as exc:
                failures.append(f"{handle.handle}: {exc}")
                last = exc
        if last is not None and len(failures) == 1:
            raise last  # one model tried: its own error says it all
        detail = "; ".join(failures) or "no model to try"
        raise provider_error(
            f"pipe {pipe_code!r}: no model could provide {what} ({detail})",
            pipe_code=pipe_code,
            handle=None,
            status=getattr(last, "status", None),
            reason=getattr(last, "reason", "no_model"),
        )

    # ------------------------------------------------------------------------------------------ chat
    async def _chat(
        self,
        job: LLMJob | SearchJob | JudgeJob,
        *,
        category: ModelCategory,
        prompt: str,
        system: str | None,
        parts: list[Part],
        schema: dict[str, Any] | None,
        parse: Callable[[str], T],
        what: str,
    ) -> T:
        runtime = self.runtime
        resolved = self._resolve(runtime, job.model, category, job.pipe_code)
        policy = runtime.deck.policy
        needs = {p.kind for p in parts}
        inline = job if isinstance(job, LLMJob) else None

        def fits(handle: ModelHandle) -> str | None:
            backend = runtime.deck.backends[handle.backend]
            if backend.kind == "internal":
                return f"a local {handle.category.value} engine cannot answer a prompt"
            if "image" in needs and "images" not in handle.inputs:
                return "does not accept images"
            if "document" in needs and "pdf" not in handle.inputs:
                return "does not accept documents"
            if schema is not None and "structured" not in handle.outputs:
                return "cannot produce structured output"
            return None

        async def call(handle: ModelHandle, backend: Backend) -> T:
            # inline settings (model = { ... }) win over the preset's, which win over the handle's
            temperature = (
                inline.temperature
                if inline is not None and inline.temperature is not None
                else resolved.temperature
            )
            max_tokens = (
                inline.max_tokens
                if inline is not None and inline.max_tokens is not None
                else resolved.max_tokens or handle.max_tokens
            )
            effort = (
                inline.reasoning_effort
                if inline is not None and inline.reasoning_effort is not None
                else resolved.reasoning_effort
            )
            request = ChatRequest(
                model_id=handle.model_id,
                prompt=prompt,
                system=system,
                parts=parts,
                json_schema=schema,
                temperature=temperature,
                max_tokens=max_tokens,
                timeout=policy.timeout,
                web_search=isinstance(job, SearchJob),
                reasoning_effort=effort,
            )
            return await self.chat_once(
                handle, backend, request, parse, pipe_code=job.pipe_code, runtime=runtime, what=what
            )

        return await self.try_handles(
            runtime, resolved, pipe_code=job.pipe_code, what=what, fits=fits, call=call
        )

    async def chat_once(
        self,
        handle: ModelHandle,
        backend: Backend,
        request: ChatRequest,
        parse: Callable[[str], T],
        *,
        pipe_code: str,
        runtime: LiveRuntime,
        what: str = "text",
    ) -> T:
        """One chat call to ``handle`` (with retries), its usage reported, its reply parsed and validated.

        A structured request goes out in the backend's current mode (:mod:`pipelex.inference.live.structured`):
        a server refusing that mode moves the call to the next one without spending an attempt. A reply that
        does not parse or validate gets one more call carrying the problem and the schema; a reply cut off by
        the token limit is a warning on the leaf (or an error when what came back cannot be parsed).
        """
        from pipelex.inference.live.structured import (
            drop_default_limit,
            dropped_settings,
            fall_back,
            learn_plain_schema,
            mode_for,
            plain_schema,
            plain_schema_for,
            prompt_for,
            repair_prompt,
            switch_token_field,
            token_field_for,
        )
        from pipelex.inference.providers.base import (
            DROPPABLE_SETTINGS,
            refuses_limit_value,
            refuses_mode,
            refuses_schema_keyword,
            refuses_token_field,
        )
        from pipelex.inference.providers.session import open_provider

        key = backend.api_key() or "no-key-needed"
        policy = runtime.deck.policy
        base_url = backend.resolved_base_url()
        priced = handle.is_priced(backend)
        base = request.model_copy(update={"token_limit_param": token_field_for(backend, base_url)})
        base = _with_default_limit(base, backend, base_url)
        schema = request.json_schema

        base = _without_settings(
            base, sorted(dropped_settings(backend, base_url, handle.model_id)), pipe_code, handle
        )

        async def send(prepared: ChatRequest) -> ChatResult:
            try:
                async with open_provider(
                    backend,
                    api_key=key,
                    base_url=base_url,
                    timeout=policy.timeout,
                    max_tokens=handle.max_tokens,
                    max_reply_bytes=runtime.max_reply_bytes,
                ) as provider:
                    result = await provider.chat(prepared)
            except ProviderCallError as exc:
                if exc.usage is not None:  # an unusable reply the server still counted (and billed)
                    record(handle, exc.usage, priced=priced)
                if exc.reason == "timeout" and (not prepared.max_tokens or prepared.default_limit):
                    raise _unbounded_timeout(exc, prepared) from None
                raise
            record(handle, result.usage, priced=priced)
            _say_what_the_reply_lacked(result, pipe_code, handle)
            return result

        async def ask() -> tuple[ChatResult, ChatRequest]:
            """One answer, moving along the backend's structured modes while the server refuses them, and to
            the other token-limit field when the server refuses the one sent."""
            nonlocal base
            while True:
                mode = mode_for(backend, base_url) if schema is not None else None
                sent = (
                    plain_schema(schema)
                    if schema is not None and plain_schema_for(backend, base_url)
                    else schema
                )
                prepared = (
                    base
                    if mode is None
                    else base.model_copy(
                        update={
                            "structured_mode": mode,
                            "prompt": prompt_for(base.prompt, sent, mode),
                            "json_schema": sent,
                        }
                    )
                )
                try:
                    return await send(prepared), prepared
                except ProviderCallError as exc:
                    sent = prepared.token_limit_param
                    field_refused = prepared.max_tokens is not None and refuses_token_field(exc, sent)
                    other = switch_token_field(backend, base_url, sent, str(exc)) if field_refused else None
                    if other is not None:
                        base = base.model_copy(update={"token_limit_param": other})
                        continue
                    if (
                        prepared.default_limit
                        and backend.kind != "anthropic"
                        and (field_refused or refuses_limit_value(exc))
                    ):
                        # the default limit, not the user's, does not fit the server's context (vLLM's 400) or
                        # neither field is taken: the call goes without one, as before there was a default
                        drop_default_limit(backend, base_url, str(exc))
                        base = base.model_copy(update={"max_tokens": None, "default_limit": False})
                        continue
                    if field_refused:
                        raise
                    refused = _learn_refused_settings(
                        exc, prepared, DROPPABLE_SETTINGS, backend, base_url, handle
                    )
                    if refused:
                        base = _without_settings(base, refused, pipe_code, handle)
                        continue
                    if mode is None or mode == "prompt":
                        raise
                    if refuses_schema_keyword(exc) and learn_plain_schema(backend, base_url, str(exc)):
                        continue  # the same mode, with a plain schema
                    if not refuses_mode(exc, mode):
                        raise
                    if fall_back(backend, base_url, mode, str(exc)) is None:
                        raise

        async def once() -> T:
            result, prepared = await ask()
            following = None
            if result.tool_ignored and prepared.structured_mode == "tools":
                # the server ignores forced tools (it answered in text): the model never saw the schema as a
                # tool, so later calls describe it in the prompt (the next mode, remembered for this backend)
                following = fall_back(
                    backend, base_url, "tools", "a forced tool was answered in text, with no tool call"
                )
            try:
                value = parse(mend_text(result.text))
            except ProviderCallError as exc:
                if exc.reason != "schema_mismatch" or schema is None:
                    raise
                if result.truncated and following is None:
                    # (a forced tool the server ignored: the cut text is prose, not a structure the limit cut,
                    # so the repair call in the next mode is worth more than "raise max_tokens")
                    raise _cut_off(prepared, exc, result) from None
                # one more call, told what was wrong with the reply
                retry = prepared.model_copy(
                    update={
                        "structured_mode": following or prepared.structured_mode,
                        "prompt": repair_prompt(base.prompt, schema, str(exc), result.text),
                    }
                )
                result = await send(retry)
                try:
                    value = parse(mend_text(result.text))
                except ProviderCallError as again:
                    if result.truncated:
                        raise _cut_off(retry, again, result) from None
                    raise ProviderCallError(
                        f"{again} (also after one retry told what was wrong)",
                        retryable=False,
                        reason=again.reason,
                    ) from None
            if result.truncated:
                record_warning(
                    f"pipe {pipe_code!r}: the reply of {handle.handle!r} stopped at the token limit "
                    f"({_limit_text(prepared, result)}): {what} may be cut short; "
                    f"{_limit_advice(prepared, result)}"
                )
            return value

        return await call_with_retries(
            once, policy=policy, handle=handle, pipe_code=pipe_code, secrets=(key,), backend=backend
        )

    async def _parts(self, job: LLMJob) -> list[Part]:
        from pipelex.inference.live.resources import load_part

        if not job.attachments:
            return []
        storage = self.runtime.storage
        return list(
            await asyncio.gather(
                *(
                    load_part(
                        a.kind, a.url, a.mime_type, storage, policy=job.io_policy, pipe_code=job.pipe_code
                    )
                    for a in job.attachments
                )
            )
        )

    async def make_text(self, job: LLMJob) -> str:
        """Text from an LLM."""
        return await self._chat(
            job,
            category=ModelCategory.LLM,
            prompt=job.prompt,
            system=job.system_prompt,
            parts=await self._parts(job),
            schema=None,
            parse=lambda text: text,
            what="text",
        )

    async def make_object(self, job: LLMJob, model: type[StuffContent]) -> StuffContent:
        """A structured object from an LLM, validated against the concept model."""
        schema = job.json_schema or _object_schema(model)  # the operator computed it already

        def parse(text: str) -> StuffContent:
            return _validate(job, model, _load_json(job, text))

        return await self._chat(
            job,
            category=ModelCategory.LLM,
            prompt=job.prompt,
            system=job.system_prompt,
            parts=await self._parts(job),
            schema=schema,
            parse=parse,
            what=f"a {job.concept_ref}",
        )

    async def make_object_list(self, job: LLMJob, model: type[StuffContent]) -> list[StuffContent]:
        """A list of objects (exactly ``item_count`` when fixed), each validated against the concept model."""
        schema = _list_schema(model, job.item_count)
        count_hint = (
            f"\n\nAnswer with exactly {job.item_count} items."
            if job.item_count
            else "\n\nAnswer with as many items as fit the request."
        )

        def parse(text: str) -> list[StuffContent]:
            data = _load_json(job, text)
            items = data.get("items") if is_json_object(data) else data
            if not is_list(items):
                raise ProviderCallError(
                    f"the reply for {job.concept_ref}[] has no `items` list",
                    retryable=True,
                    reason="schema_mismatch",
                )
            if job.item_count is not None:
                if len(items) < job.item_count:
                    raise ProviderCallError(
                        f"the reply has {len(items)} items, {job.item_count} were asked",
                        retryable=True,
                        reason="schema_mismatch",
                    )
                items = items[: job.item_count]
            return [_validate(job, model, item) for item in items]

        return await self._chat(
            job,
            category=ModelCategory.LLM,
            prompt=job.prompt + count_hint,
            system=job.system_prompt,
            parts=await self._parts(job),
            schema=schema,
            parse=parse,
            what=f"a list of {job.concept_ref}",
        )

    # ------------------------------------------------------------------------------------------ search and judge
    async def search(self, job: SearchJob) -> SearchResultContent:
        """A web search through a search-capable chat model: an answer with its sources."""
        schema: dict[str, Any] = {
            "type": "object",
            "required": ["answer", "sources"],
            "properties": {
                "answer": {"type": "string"},
                "sources": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["url", "title"],
                        "properties": {
                            "url": {"type": "string", "format": "uri"},
                            "title": {"type": "string"},
                            "snippet": {"type": "string"},
                        },
                    },
                },
            },
        }
        limit = f" Give at most {job.max_results} sources." if job.max_results else ""

        def parse(text: str) -> SearchResultContent:
            data = _load_json(job, text)
            try:
                sources = [
                    DocumentContent.model_validate(
                        {"url": str(s["url"]), "title": s.get("title"), "snippet": s.get("snippet")}
                    )
                    for s in data.get("sources", [])
                    if is_json_object(s) and s.get("url")
                ]
                answer = str(data["answer"])
            except (KeyError, TypeError, AttributeError) as exc:
                raise ProviderCallError(
                    f"the search reply does not fit SearchResult ({exc})",
                    retryable=True,
                    reason="schema_mismatch",
                ) from exc
            if job.max_results:
                sources = sources[: job.max_results]
            return SearchResultContent(answer=answer, sources=sources)

        return await self._chat(
            job,
            category=ModelCategory.SEARCH,
            system=None,
            parts=[],
            schema=schema,
            prompt=f"Search the web and answer, citing your sources.{limit}\n\n{job.prompt}",
            parse=parse,
            what="a web search",
        )

    async def judge(self, job: JudgeJob) -> list[dict[str, Any]]:
        """Verdicts from an LLM, one per question (``yes_no`` / ``choice`` / ``level`` + ``label``)."""
        properties: dict[str, Any] = {}
        lines: list[str] = []
        for index, question in enumerate(job.questions):
            key = f"q{index + 1}"
            properties[key] = _verdict_schema(question)
            lines.append(f"{key}: {question.question}{_verdict_hint(question)}")
        schema = {"type": "object", "properties": properties, "required": list(properties)}

        def parse(text: str) -> list[dict[str, Any]]:
            data = _load_json(job, text)
            verdicts: list[dict[str, Any]] = []
            for index, question in enumerate(job.questions):
                verdict = data.get(f"q{index + 1}") if is_json_object(data) else None
                verdicts.append(_check_verdict(question, verdict))
            return verdicts

        prompt = f"{job.prompt}\n\nAnswer each question:\n" + "\n".join(lines)
        return await self._chat(
            job,
            category=ModelCategory.JUDGE,
            prompt=prompt,
            system=None,
            parts=[],
            schema=schema,
            parse=parse,
            what="a judgment",
        )

    # ------------------------------------------------------------------------------------------ images
    async def make_images(self, job: ImgGenJob) -> list[ImageContent]:
        """Images from an OpenAI-compatible images endpoint, stored and referenced by URI."""
        runtime = self.runtime
        resolved = self._resolve(runtime, job.model, ModelCategory.IMG_GEN, job.pipe_code)
        policy = runtime.deck.policy

        def fits(handle: ModelHandle) -> str | None:
            return None if "image" in handle.outputs else "does not generate images"

        async def call(handle: ModelHandle, backend: Backend) -> list[ImageContent]:

            key = backend.api_key() or "no-key-needed"
            shape = (job.aspect_ratio or "square").split("_", 1)[0]
            request = ImageRequest(
                model_id=handle.model_id,
                prompt=job.prompt,
                n=job.nb_images,
                size=_ASPECT_SIZES.get(shape),
                output_format=job.output_format,
                quality=resolved.quality,
                timeout=policy.timeout,
            )

            base_url = backend.resolved_base_url()
            priced = handle.is_priced(backend)

            async def once() -> list[ImageContent]:
                result = await self._image_call(handle, backend, request, key=key, pipe_code=job.pipe_code)
                record(handle, result.usage, priced=priced)
                if not result.usage_reported:
                    _say_no_usage(job.pipe_code, handle)
                return await self._store_images(job, result.images, runtime.storage, source=base_url)

            return await call_with_retries(
                once, policy=policy, handle=handle, pipe_code=job.pipe_code, secrets=(key,), backend=backend
            )

        return await self.try_handles(
            runtime, resolved, pipe_code=job.pipe_code, what="images", fits=fits, call=call
        )

    async def _image_call(
        self, handle: ModelHandle, backend: Backend, request: ImageRequest, *, key: str, pipe_code: str
    ) -> ImageResult:
        """One images call; an optional setting the model refuses (quality, background, output_format) is
        dropped, the call made again at once without it (remembered per model), and the leaf told."""
        from pipelex.inference.live.structured import dropped_settings
        from pipelex.inference.providers.base import DROPPABLE_IMAGE_SETTINGS
        from pipelex.inference.providers.session import open_provider

        base_url = backend.resolved_base_url()
        policy = self.runtime.deck.policy
        while True:
            dropped = sorted(dropped_settings(backend, base_url, handle.model_id))
            request = _without_settings(request, dropped, pipe_code, handle)
            try:
                async with open_provider(
                    backend,
                    api_key=key,
                    base_url=base_url,
                    timeout=policy.timeout,
                    max_reply_bytes=self.runtime.max_reply_bytes,
                ) as provider:
                    return await provider.generate_images(request)
            except ProviderCallError as exc:
                if not _learn_refused_settings(
                    exc, request, DROPPABLE_IMAGE_SETTINGS, backend, base_url, handle
                ):
                    raise

    async def _store_images(
        self, job: ImgGenJob, images: list[Any], storage: Storage, *, source: str | None
    ) -> list[ImageContent]:
        from pipelex.inference.live.resources import load_bytes, png_size, sniff_mime

        stored: list[ImageContent] = []
        for image in images:
            if image.data_b64 is not None:
                try:
                    data = base64.b64decode(image.data_b64, validate=True)
                except ValueError as exc:
                    raise ProviderCallError(
                        "malformed reply (an image is not base64)", retryable=True, reason="malformed"
                    ) from exc
            else:
                # a URL the provider returned: fetched through the gate, the provider's own origin trusted
                data, _ = await load_bytes(
                    image.url,
                    storage,
                    policy=job.io_policy.for_provider_output(source),
                    pipe_code=job.pipe_code,
                )
            mime = sniff_mime(data, image.mime_type)
            uri, public = await asyncio.to_thread(storage.put, data, mime)
            size = png_size(data)
            stored.append(
                ImageContent(
                    url=uri,
                    public_url=public,
                    mime_type=mime,
                    width=size[0] if size else None,
                    height=size[1] if size else None,
                    source_prompt=job.prompt,
                    source_negative_prompt=job.negative_prompt,
                )
            )
        return stored

    # ------------------------------------------------------------------------------------------ extraction
    async def make_pages(self, job: ExtractJob) -> list[PageContent]:
        """Pages of a PDF or an image: the PDF text layer (pypdfium2), a vision model, or tesseract."""
        from pipelex.inference.live.extract import extract_pages

        runtime = self.runtime
        resolved = self._resolve(runtime, job.model, ModelCategory.EXTRACT, job.pipe_code)
        return await extract_pages(self, job, resolved, runtime)

    # ------------------------------------------------------------------------------------------ documents
    async def make_document(self, job: DocGenJob) -> DocumentContent:
        """A document rendered locally (PDF with reportlab; DOCX and XLSX written directly), stored."""
        from pipelex.inference.live.docgen import render_document

        runtime = self.runtime
        data, mime = await asyncio.to_thread(render_document, job)
        uri, public = await asyncio.to_thread(runtime.storage.put, data, mime)
        return DocumentContent(url=uri, public_url=public, mime_type=mime, filename=job.filename)

    # ------------------------------------------------------------------------------------------ functions
    async def call_function(
        self, job: FuncJob, inputs: dict[str, Any], model: type[StuffContent]
    ) -> StuffContent:
        """Import ``function_name`` and call it with the inputs' contents; check what it returns."""
        module_name, _, attr = job.function_name.rpartition(".")
        try:
            function = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise PipeRunError(
                f"pipe {job.pipe_code!r}: cannot import function {job.function_name!r} ({exc}); make "
                "sure its module is importable (on PYTHONPATH)",
                pipe_code=job.pipe_code,
                error_type="pipe_func_function_refused",
            ) from exc
        result = function(**inputs)
        if inspect.isawaitable(result):
            result = await result
        elif not inspect.iscoroutinefunction(function):
            await asyncio.sleep(0)
        _refuse_non_finite(job, result)
        if isinstance(result, model):
            return result
        if isinstance(result, str) and model is TextContent:
            return TextContent(text=result)
        value: object = result.model_dump() if isinstance(result, StuffContent) else result
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            from pipelex.concepts.fit_messages import fit_problems, shown

            fields = ", ".join(model.model_fields)
            problem = (
                fit_problems(exc, value)
                if is_dict(value)
                else f"{job.concept_ref} takes a str"
                if model is TextContent
                else f"{job.concept_ref} takes a dict of its fields ({fields})"
            )
            raise PipeRunError(
                f"pipe {job.pipe_code!r}: function {job.function_name!r} returned {shown(value)}, which does not "
                f"fit {job.concept_ref}: {problem}; make the function return what the pipe's output declares",
                pipe_code=job.pipe_code,
                error_type="pipe_output_invalid",
            ) from exc
        except Exception as exc:
            raise PipeRunError(
                f"pipe {job.pipe_code!r}: function {job.function_name!r} returned "
                f"{type(result).__name__}, which does not fit {job.concept_ref}: {exc}",
                pipe_code=job.pipe_code,
                error_type="pipe_output_invalid",
            ) from exc


def _refuse_non_finite(job: FuncJob, result: object) -> None:
    """A function's output holding NaN or an infinity: JSON has neither, so the run answered the field as ``null`` (a
    required number silently emptied) on the direct backend, and failed as an "internal error in the workflow" on
    Temporal, whose payloads are JSON. Refused here, naming the field, as a model's reply and a caller's input are."""
    value: object = result.model_dump() if isinstance(result, BaseModel) else result
    pending: list[tuple[str, object]] = [("", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            where = f"field {path!r} is" if path else "it is"
            raise PipeRunError(
                f"pipe {job.pipe_code!r}: function {job.function_name!r} returned a value whose {where} {item!r}: "
                "a number of a pipe's output must be finite (JSON has no NaN or infinity); make the function return "
                "a number, or leave an optional field out",
                pipe_code=job.pipe_code,
                error_type="pipe_output_invalid",
            )
        if isinstance(item, dict):
            pending.extend((f"{path}.{key}" if path else str(key), child) for key, child in item.items())  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        elif isinstance(item, list | tuple):
            pending.extend((f"{path}[{index}]", child) for index, child in enumerate(item))  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]


# ---------------------------------------------------------------------------------------------------- schemas


def _object_schema(model: type[StuffContent]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.setdefault("type", "object")
    return schema


def _list_schema(model: type[StuffContent], count: int | None) -> dict[str, Any]:
    """``{"items": [<model>, ...]}``, with the item schema's ``$defs`` hoisted to the root."""
    item = model.model_json_schema()
    defs = item.pop("$defs", {})
    array: dict[str, Any] = {"type": "array", "items": item}
    if count is not None:
        array["minItems"] = array["maxItems"] = count
    schema: dict[str, Any] = {"type": "object", "properties": {"items": array}, "required": ["items"]}
    if defs:
        schema["$defs"] = defs
    return schema


def _finite(text: str) -> float:
    """A JSON number of a structured reply; one past a float's range (``1e999``) is no number a model means."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _not_a_number(text: str) -> Any:
    """``NaN``, ``Infinity``, ``-Infinity``: Python's json reads them, JSON has none; a field holding one was answered
    as ``null`` (a required number silently emptied), as the third pass found for a caller's inputs."""
    raise ValueError(f"{text} is not a JSON number")


_READ_NUMBERS: dict[str, Any] = {"parse_float": _finite, "parse_constant": _not_a_number}
"""How a structured reply's numbers are read: finite, or the reply is malformed (retried, then the repair call)."""


def _load_json(job: LLMJob | SearchJob | JudgeJob, text: str) -> Any:
    cleaned = text.strip()
    answer = _after_thinking(cleaned)
    # the thinking is never read for the answer: a draft in it is not the answer
    return _read_json(cleaned if answer is None else answer, shown=text)


def _after_thinking(text: str) -> str | None:
    """The answer after a reasoning model's thinking when it is in the reply (the model served without a
    reasoning parser: llama.cpp, Ollama, vLLM), or None: the text after the first ``</think>`` of a reply that
    starts with ``<think>``, or of one that starts with prose and has no ``<think>`` before its ``</think>``
    (DeepSeek-R1's and QwQ's chat templates open the thinking in the prompt, so the reply starts mid-thought); the
    final channel of a reply in OpenAI's harmony format (gpt-oss: ``<|channel|>analysis<|message|>...<|end|>
    <|start|>assistant<|channel|>final<|message|>{...}``). A reply whose thinking never ended (cut at the token
    limit) has no answer: "" (a draft in the thinking is none). A reply starting as JSON or a fenced block is an
    answer, whatever its strings hold."""
    if text.startswith(("{", "[", "`")):
        return None
    if _HARMONY_FINAL in text:
        answer = text.rpartition(_HARMONY_FINAL)[2]
        return answer.partition("<|return|>")[0].partition("<|end|>")[0].strip()
    # thinking that never ended (cut at the token limit, or never closed): no answer, only drafts
    harmony = text.startswith(("<|channel|>", "<|start|>"))
    if harmony or (text.startswith("<think>") and "</think>" not in text):
        return ""
    thought, closed, answer = text.partition("</think>")
    if closed and (text.startswith("<think>") or "<think>" not in thought):
        return answer.strip()
    return None


_HARMONY_FINAL = "<|channel|>final<|message|>"
"""Where the answer starts in a reply in OpenAI's harmony format (gpt-oss), after the analysis channel."""


def _read_json(cleaned: str, shown: str | None = None) -> Any:
    """The JSON value of a reply: the whole text, a fenced block, or one found among prose; a JSON string that
    holds an object or a list (the answer encoded twice: a tool's arguments quoted again, a model writing its
    JSON as a string) is read once more."""
    if cleaned.startswith("```"):
        cleaned = cleaned.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(cleaned, **_READ_NUMBERS)
    except ValueError as exc:
        found = _json_in_prose(cleaned)
        if found is not None:  # validated against the concept as any reply is
            return mend_json(found[0]) if "\\u" in cleaned else found[0]
        raise ProviderCallError(
            f"the structured reply is not JSON ({exc}): {(shown or cleaned)[:120]!r}",
            retryable=True,
            reason="schema_mismatch",
        ) from exc
    except RecursionError:
        # a reply of ten thousand nested brackets (a prompt-injected model, a broken server) is no answer; json
        # reads nesting by recursion, and its RecursionError failed the pipe unexplained, with no repair call
        raise ProviderCallError(
            f"the structured reply nests too deeply to be read: {(shown or cleaned)[:120]!r}",
            retryable=True,
            reason="schema_mismatch",
        ) from None
    if isinstance(data, str) and data.strip().startswith(("{", "[")):
        try:
            inner = json.loads(data, **_READ_NUMBERS)
        except (ValueError, RecursionError):
            inner = None
        if is_json_object(inner) or is_list(inner):
            data = inner
    # a lone surrogate escape ("\\ud83d": half an emoji, a reply cut short) is read by json as a string no UTF-8 text
    # can carry, and failed the run where it was written out (its digest): mended as a decoder mends bad bytes
    return mend_json(data) if "\\u" in cleaned else data


# a fenced block's opening and closing lines, searched one after the other: one pattern holding both, `(.*?)` between
# them, scanned the rest of the reply from every opening without a closing (quadratic: a 100 KB reply of "```\na"
# took 11 s, a 1 MB one 20 minutes)
_FENCE_OPEN = re.compile(r"```[ \t]*+(?:json|JSON|Json)?+[ \t]*+\n")
_FENCE_CLOSE = re.compile(r"\n[ \t]*+```")
_PROSE_STARTS = 4
"""How many opening brackets of a prose reply are tried as the start of its JSON (bounded: a reply full of
brackets is not read again from each one)."""


def _fenced_block(text: str) -> str | None:
    """The text of the first fenced block of ``text`` (between its first opening line and the first closing line
    after it), or None. When the first opening has no closing after it, no later one has: one pass."""
    opening = _FENCE_OPEN.search(text)
    if opening is None:
        return None
    closing = _FENCE_CLOSE.search(text, opening.end())
    return None if closing is None else text[opening.end() : closing.start()]


def _json_in_prose(text: str) -> tuple[Any] | None:
    """The JSON value a reply gives among prose ("Here is the answer: ```json {...} ``` Hope it helps", or a bare
    object between sentences), as a 1-tuple, or None. A fenced block is taken first; else the value read from
    one of the first opening brackets, when it is an object or a list."""
    candidates = [fenced.strip()] if (fenced := _fenced_block(text)) is not None else []
    decoder = json.JSONDecoder(**_READ_NUMBERS)
    for candidate in candidates:
        try:
            return (json.loads(candidate, **_READ_NUMBERS),)
        except (ValueError, RecursionError):
            pass
    if text.startswith(("{", "[")):
        # a reply that starts as JSON is one JSON value, maybe cut at the token limit or broken further on: an
        # object inside it (a nested concept's) is no answer, and validating it named every field missing
        starts = [0]
    else:
        starts = list(itertools.islice((i for i, c in enumerate(text[:200_000]) if c in "{["), _PROSE_STARTS))
    for start in starts:
        try:
            value, _ = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            continue
        if is_json_object(value) or is_list(value):
            return (value,)
    return None


def _validate(job: LLMJob, model: type[StuffContent], data: Any) -> StuffContent:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()[:6]
        )
        raise ProviderCallError(
            f"the reply does not fit the concept {job.concept_ref} ({problems})",
            retryable=True,
            reason="schema_mismatch",
        ) from exc


def _verdict_schema(question: JudgeQuestionJob) -> dict[str, Any]:
    match question.judgment:
        case "yes_no":
            return {"type": "object", "properties": {"yes_no": {"type": "boolean"}}, "required": ["yes_no"]}
        case "choice":
            return {
                "type": "object",
                "properties": {"choice": {"type": "string", "enum": question.options}},
                "required": ["choice"],
            }
        case "rating":
            return {
                "type": "object",
                "required": ["level"],
                "properties": {
                    "level": {"type": "integer", "minimum": 0, "maximum": max(0, len(question.levels) - 1)}
                },
            }


def _verdict_hint(question: JudgeQuestionJob) -> str:
    match question.judgment:
        case "yes_no":
            return " (yes_no: true or false)"
        case "choice":
            return f" (choice: one of {', '.join(question.options)})"
        case "rating":
            return " (level: " + ", ".join(f"{i} = {label}" for i, label in enumerate(question.levels)) + ")"


def _check_verdict(question: JudgeQuestionJob, verdict: Any) -> dict[str, Any]:
    def bad(detail: str) -> ProviderCallError:
        return ProviderCallError(
            f"the verdict on {question.question!r} {detail}", retryable=True, reason="schema_mismatch"
        )

    if not is_json_object(verdict):  # parsed JSON: keys are strings
        raise bad("is missing")
    match question.judgment:
        case "yes_no":
            if not isinstance(verdict.get("yes_no"), bool):
                raise bad("has no boolean `yes_no`")
            return {"yes_no": verdict["yes_no"]}
        case "choice":
            if verdict.get("choice") not in question.options:
                raise bad(f"is not one of {question.options}")
            return {"choice": verdict["choice"]}
        case "rating":
            level = verdict.get("level")
            if not isinstance(level, int) or not 0 <= level < max(1, len(question.levels)):
                raise bad(f"has no level between 0 and {len(question.levels) - 1}")
            return {"level": level, "label": question.levels[level] if question.levels else None}


__all__ = ["LiveContentGenerator", "LiveRuntime", "ProviderCallFailed", "missing_key_message"]
