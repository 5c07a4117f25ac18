"""The fields every job has, an attachment, and the LLM's job (every LLM-backed operator builds one)."""

from typing import Any, Literal

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
