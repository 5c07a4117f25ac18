"""The fields every job has, an attachment, and the LLM's job (every LLM-backed operator builds one)."""

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from pipelex.io.policy import IOPolicy
from pipelex.pipe_run.pipe_run_mode import PipeRunMode


class Job(BaseModel):
    """Fields every job has."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    run_mode: PipeRunMode
    pipe_code: str
    model: str | None = None
    nb_list_items: int = 3
    text_truncate_length: int = 256
    # what the leaf may read from outside (the run's policy; closed when not given)
    io_policy: IOPolicy = Field(default_factory=IOPolicy)


class Attachment(BaseModel):
    """An image or document passed to a model with the prompt."""

    # defer_build (as every job): built with the first job that holds one, not by every command that imports jobs
    model_config = ConfigDict(defer_build=True)

    kind: Literal["image", "document"]
    url: str
    mime_type: str | None = None


class LLMJob(Job):
    """Text, an object, or a list of objects from an LLM."""

    kind: Literal["llm"] = "llm"
    output: Literal["text", "object", "object_list", "text_list"]
    prompt: str
    system_prompt: str | None = None
    attachments: list[Attachment] = Field(default_factory=lambda: [])
    json_schema: dict[str, Any] | None = None
    concept_ref: str
    item_count: int | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None

    @classmethod
    def of_checked(
        cls,
        *,
        run_mode: PipeRunMode,
        pipe_code: str,
        nb_list_items: int,
        text_truncate_length: int,
        io_policy: IOPolicy,
        output: Literal["text", "object", "object_list", "text_list"],
        prompt: str,
        concept_ref: str,
        system_prompt: str | None = None,
        attachments: list[Attachment] | None = None,
        model: str | None = None,
        json_schema: dict[str, Any] | None = None,
        item_count: int | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        reasoning_effort: str | None = None,
    ) -> Self:
        """The job of an LLM leaf, from values of the types of its fields already (the run's settings, rendered
        prompts, attachments made as :class:`Attachment`, model settings checked by ``ModelSettings.of``): made as
        ``model_construct`` makes it, without validating what is typed here. The validator (~4.4 M instructions to
        build, a small command's every LLM leaf asks for one) is then built only where a job is validated or
        serialised (a Temporal worker's payload)."""
        return cls.model_construct(
            run_mode=run_mode,
            pipe_code=pipe_code,
            nb_list_items=nb_list_items,
            text_truncate_length=text_truncate_length,
            io_policy=io_policy,
            output=output,
            prompt=prompt,
            concept_ref=concept_ref,
            system_prompt=system_prompt,
            attachments=[] if attachments is None else attachments,
            model=model,
            json_schema=json_schema,
            item_count=item_count,
            temperature=temperature,
            max_tokens=max_tokens,
            reasoning_effort=reasoning_effort,
        )
