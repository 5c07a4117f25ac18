"""The request and response bodies of the runner API, as pydantic models (they make the OpenAPI document).

Requests forbid unknown fields, so a misspelt field is a 422 naming it rather than a silently ignored
key. Responses reuse the core's models where one exists (the execution graph, the validation report,
diagnostics, per-pipe verdicts), so the API says exactly what ``pipelex validate --format json`` and
``pipelex run`` say.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.tracing.graph import ExecutionGraph
from pipelex.validation.report import ValidationReport

BackendName = Literal["direct", "temporal"]

MAX_BUNDLES = 64
_BUNDLE_EXAMPLE = """domain = "greetings"
main_pipe = "greet"

[pipe.greet]
type = "PipeLLM"
description = "Greets someone"
inputs = { name = "Text" }
output = "Text"
prompt = "Say hello to $name"
"""


class _Request(BaseModel):
    # strict: `"dry_run": 1` or `"yes"` is refused, not coerced to a boolean (the schema says boolean)
    model_config = ConfigDict(extra="forbid", strict=True)


class ExecuteRequest(_Request):
    """``POST /v1/execute`` and ``POST /v1/start``: run one pipe of the given bundle texts."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "mthds_contents": [_BUNDLE_EXAMPLE],
                    "pipe_code": None,
                    "inputs": {"name": "Ada"},
                    "dry_run": True,
                    "mock_inputs": False,
                }
            ]
        },
    )

    mthds_contents: list[str] = Field(
        min_length=1, max_length=MAX_BUNDLES, description="The texts of the .mthds bundles (one library)."
    )
    pipe_code: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="The pipe to run (`code` or `domain.code`); default: the `main_pipe`.",
    )
    inputs: dict[str, JsonValue] = Field(
        default_factory=dict,
        description=(
            "Input name -> value, shaped against the pipe's declared inputs: a string fills a text-like concept, a "
            'number a Number, an object a structure, a list an `X[]`; `{"concept": ..., "content": ...}` is the '
            'explicit form. Images and documents are `{"url": "data:..."}`; local files and URLs are refused '
            "unless the server's `[api]` config allows them."
        ),
    )
    dry_run: bool = Field(
        default=False, description="Mock every inference leaf: no keys, no cost, no storage IO."
    )
    mock_inputs: bool = Field(
        default=False, description="Synthesise missing required inputs (needs `dry_run`)."
    )

    @model_validator(mode="after")
    def _mock_inputs_need_dry_run(self) -> ExecuteRequest:
        if self.mock_inputs and not self.dry_run:
            raise ValueError(
                '`mock_inputs` needs `dry_run`: set "dry_run": true, or give every input and set '
                '"mock_inputs": false'
            )
        return self


class ValidateRequest(_Request):
    """``POST /v1/validate``: validate bundle texts (static checks and a dry run of every pipe)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"mthds_contents": [_BUNDLE_EXAMPLE]}]}
    )

    mthds_contents: list[str] = Field(
        min_length=1, max_length=MAX_BUNDLES, description="The texts of the .mthds bundles (one library)."
    )
    allow_signatures: bool = Field(default=False, description="Accept PipeSignature placeholders as valid.")


class StuffOut(BaseModel):
    """A named, typed value of the working memory."""

    stuff_code: str
    stuff_name: str
    concept: str = Field(description="The concept reference, e.g. `native.Text` or `menus.MenuCard`.")
    content: JsonValue = Field(description="The content, as the concept's JSON.")


class AbsenceOut(BaseModel):
    """A value that is absent, and why."""

    absent: Literal[True] = True
    variable_name: str
    kind: str
    reason: str
    producing_pipe: str | None = None
    upstream: AbsenceOut | None = None


class WorkingMemoryOut(BaseModel):
    """Every named stuff of the run, the aliases (``main_stuff`` -> a name) and the recorded absences."""

    root: dict[str, StuffOut]
    aliases: dict[str, str]
    absences: dict[str, AbsenceOut]


class ModelUsageOut(BaseModel):
    """Tokens and cost of one model."""

    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float


class UsageOut(BaseModel):
    """Token usage and cost of a run (zero for a dry run)."""

    total_tokens: int
    total_cost_usd: float
    by_model: dict[str, ModelUsageOut]


class ExecuteResponse(BaseModel):
    """The result of a run: the main output, the working memory, the execution graph and the usage."""

    pipeline_run_id: str
    pipe_code: str
    run_mode: PipeRunMode
    backend: BackendName
    main_stuff: StuffOut | AbsenceOut | None = Field(description="The pipe's output (or the absence record).")
    working_memory: WorkingMemoryOut
    graph: ExecutionGraph
    usage: UsageOut


class ValidateResponse(ValidationReport):
    """The validation report (the document ``pipelex validate --format json`` prints) plus the sweep's graph.

    An invalid bundle is a normal answer: ``is_valid`` is false and ``errors`` says why.
    """

    graph: ExecutionGraph = Field(description="Every pipe's dry run of the sweep, each a root of the graph.")
    backend: BackendName
    workflow_id: str | None = Field(
        default=None,
        description=(
            "On the Temporal backend: the id of the `WfDryValidate` workflow whose single activity "
            "`act_dry_validate` ran the sweep on a worker."
        ),
    )


class RunStatus(StrEnum):
    """Where a run started with ``POST /v1/start`` stands."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class FieldProblem(BaseModel):
    """One problem with a field of the request."""

    field: str = Field(description="Where: a dotted path into the request body, e.g. `body.inputs.name`.")
    message: str


class Problem(BaseModel):
    """An error, as an RFC 9457 problem document (``application/problem+json``).

    Besides the standard members, ``errors`` names the faulty request fields, ``diagnostics`` lists the
    problems of an invalid bundle (as ``pipelex validate --format json`` does), and ``pipe_code`` /
    ``error_type`` say which pipe failed and how.
    """

    type: str = Field(
        description="A URI naming the kind of problem, e.g. `urn:pipelex:problem:bundle-invalid`."
    )
    title: str
    status: int
    detail: str
    instance: str = Field(description="The request path the problem occurred on.")
    errors: list[FieldProblem] | None = None
    diagnostics: list[DiagnosticOut] | None = None
    pipe_code: str | None = None
    error_type: str | None = None
    run_id: str | None = None


class DiagnosticOut(BaseModel):
    """One problem of a bundle (the same fields as the validation report's ``errors``)."""

    error_type: str
    message: str
    file: str | None = None
    line: int | None = None
    pipe: str | None = None
    field: str | None = None


class StartResponse(BaseModel):
    """A run was started: poll ``status_url`` (``GET /v1/runs/{run_id}``) for its status and result."""

    run_id: str
    status: RunStatus
    status_url: str


class RunStatusResponse(BaseModel):
    """A run started with ``POST /v1/start``: its status, and its result or problem once finished."""

    run_id: str
    status: RunStatus
    backend: BackendName
    dry_run: bool
    created_at: datetime
    finished_at: datetime | None = None
    result: ExecuteResponse | None = Field(default=None, description="The run's result once it succeeded.")
    problem: Problem | None = Field(default=None, description="Why the run failed, once it failed.")


class ModelHandleOut(BaseModel):
    """A concrete model of the deck; prices in USD per million tokens."""

    handle: str
    backend: str
    model_id: str
    category: str
    inputs: list[str]
    outputs: list[str]
    input_price: float
    output_price: float


class DeckNamesOut(BaseModel):
    """The aliases (``@x``), presets (``$x``, with the reference they point at) and waterfalls (``~x``) of one
    model category."""

    aliases: dict[str, str]
    presets: dict[str, str]
    waterfalls: dict[str, list[str]]


class ModelsResponse(BaseModel):
    """The model deck: handles, and the names naming them, per category (``categories``: a PipeImgGen reads
    ``@default-small`` in ``img_gen``) and flattened (the LLM meaning first)."""

    handles: list[ModelHandleOut]
    aliases: dict[str, str]
    presets: dict[str, str]
    waterfalls: dict[str, list[str]]
    categories: dict[str, DeckNamesOut] = Field(default_factory=dict)


class VersionResponse(BaseModel):
    """What is serving."""

    name: Literal["pipelex"] = "pipelex"
    version: str
    api_version: Literal["v1"] = "v1"
    python: str
    backend: BackendName


class HealthResponse(BaseModel):
    """The service is up."""

    status: Literal["ok"] = "ok"


Problem.model_rebuild()
