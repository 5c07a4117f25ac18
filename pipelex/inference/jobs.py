"""Inference jobs: everything a leaf needs, including the run mode, as plain serialisable models.

A job carries :class:`PipeRunMode`; :func:`pipelex.inference.leaf.generate` honours it at the leaf.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipelex.config.run_settings import LimitsConfig
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


class ImgGenJob(Job):
    """Images from a prompt."""

    kind: Literal["img_gen"] = "img_gen"
    prompt: str
    negative_prompt: str | None = None
    nb_images: int = 1
    aspect_ratio: str | None = None
    output_format: str | None = None


class ExtractJob(Job):
    """Pages extracted from a document or an image."""

    kind: Literal["extract"] = "extract"
    source_url: str
    source_kind: Literal["image", "document"]
    page_views: bool = False
    page_views_dpi: int = 72
    nb_extract_pages: int = 4
    # the run's limits: a PDF is opened in a process bounded by them (pipelex.inference.live.pdf_reader)
    limits: LimitsConfig = Field(default_factory=LimitsConfig.model_construct)


class SearchJob(Job):
    """A web search."""

    kind: Literal["search"] = "search"
    prompt: str
    max_results: int | None = None


class JudgeQuestionJob(BaseModel):
    """One question of a judgment job."""

    model_config = ConfigDict(defer_build=True)  # built with the first JudgeJob only

    key: str | None = None
    question: str
    judgment: Literal["yes_no", "choice", "rating"]
    options: list[str] = Field(default_factory=lambda: [])
    levels: list[str] = Field(default_factory=lambda: [])
    threshold: float | None = None


class JudgeJob(Job):
    """A judgment."""

    kind: Literal["judge"] = "judge"
    prompt: str
    questions: list[JudgeQuestionJob]


class FuncJob(Job):
    """A Python function called by import path."""

    kind: Literal["func"] = "func"
    function_name: str
    concept_ref: str


class DocGenJob(Job):
    """A document generated from text."""

    kind: Literal["doc_gen"] = "doc_gen"
    format: str
    filename: str
    text: str
    title: str | None = None
