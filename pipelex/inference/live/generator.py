"""The live content generator: provider calls. Providers are configured in the model deck.

Until a provider is configured for a model, a live inference leaf fails before any call with a
message naming the configuration to set. Leaves that need no provider (a PipeFunc call) run for real.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import os
from typing import Any

from pipelex.concepts.natives import (
    DocumentContent,
    ImageContent,
    PageContent,
    SearchResultContent,
    StuffContent,
    TextContent,
)
from pipelex.errors import PipeRunError, ProviderError
from pipelex.inference.jobs import DocGenJob, ExtractJob, FuncJob, ImgGenJob, Job, JudgeJob, LLMJob, SearchJob


def _no_provider(job: Job, what: str) -> ProviderError:
    key_hint = "OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server)"
    has_key = bool(os.environ.get("OPENAI_API_KEY") or os.environ.get("ANTHROPIC_API_KEY"))
    detail = ("a key is set, but this build has no provider adapter for it yet"
              if has_key else f"no AI provider is configured: set {key_hint} or ANTHROPIC_API_KEY")
    return ProviderError(f"pipe {job.pipe_code!r} needs {what} from model {job.model or 'the default model'!r} in a "
                         f"live run, and {detail}; or run with --dry-run to mock it", pipe_code=job.pipe_code,
                         error_type="provider_not_configured")


class LiveContentGenerator:
    """Calls providers for real."""

    async def make_text(self, job: LLMJob) -> str:
        """Text from an LLM."""
        raise _no_provider(job, "text")

    async def make_object(self, job: LLMJob, model: type[StuffContent]) -> StuffContent:
        """A structured object from an LLM."""
        raise _no_provider(job, "a structured object")

    async def make_object_list(self, job: LLMJob, model: type[StuffContent]) -> list[StuffContent]:
        """A list of structured objects from an LLM."""
        raise _no_provider(job, "a list of objects")

    async def make_images(self, job: ImgGenJob) -> list[ImageContent]:
        """Images from an image model."""
        raise _no_provider(job, "images")

    async def make_pages(self, job: ExtractJob) -> list[PageContent]:
        """Pages from an extraction model."""
        raise _no_provider(job, "extracted pages")

    async def search(self, job: SearchJob) -> SearchResultContent:
        """A web search."""
        raise _no_provider(job, "a web search")

    async def judge(self, job: JudgeJob) -> list[dict[str, Any]]:
        """Verdicts from an LLM."""
        raise _no_provider(job, "a judgment")

    async def call_function(self, job: FuncJob, inputs: dict[str, Any], model: type[StuffContent]) -> StuffContent:
        """Import ``function_name`` and call it with the inputs' contents; check what it returns."""
        module_name, _, attr = job.function_name.rpartition(".")
        try:
            function = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise PipeRunError(f"pipe {job.pipe_code!r}: cannot import function {job.function_name!r} ({exc}); make "
                               "sure its module is importable (on PYTHONPATH)", pipe_code=job.pipe_code,
                               error_type="pipe_func_function_refused") from exc
        result = function(**inputs)
        if inspect.isawaitable(result):
            result = await result
        elif not inspect.iscoroutinefunction(function):
            await asyncio.sleep(0)
        if isinstance(result, model):
            return result
        if isinstance(result, str) and model is TextContent:
            return TextContent(text=result)
        try:
            return model.model_validate(result.model_dump() if isinstance(result, StuffContent) else result)
        except Exception as exc:
            raise PipeRunError(f"pipe {job.pipe_code!r}: function {job.function_name!r} returned "
                               f"{type(result).__name__}, which does not fit {job.concept_ref}: {exc}",
                               pipe_code=job.pipe_code, error_type="pipe_output_invalid") from exc

    async def make_document(self, job: DocGenJob) -> DocumentContent:
        """A generated document."""
        raise _no_provider(job, f"a {job.format} document")
