"""The request and response bodies of the runner API, as pydantic models (they make the OpenAPI document).

Requests forbid unknown fields, so a misspelt field is a 422 naming it rather than a silently ignored
key. Responses reuse the core's models where one exists (the execution graph, the validation report,
diagnostics, per-pipe verdicts), so the API says exactly what ``pipelex validate --format json`` and
``pipelex run`` say.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PrivateAttr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError, PydanticKnownError
from typing_extensions import TypeAliasType

from pipelex.narrowing import unencodable_path
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.tracing.graph import ExecutionGraph
from pipelex.validation.report import ValidationReport
from pipelex.validation.sweep import PipeVerdict

BackendName = Literal["direct", "temporal"]

# A JSON value of a request body: the schema of pydantic's `JsonValue` (the same `$defs/JsonValue` in the OpenAPI
# document) without its validator, which walks and copies every value of the body in Python, on the event loop:
# 0.6 s for a 4.7 MB body of 470,000 small objects, 1 s for 1,200,000 empty lists, while `/health` waited. What a
# body holds was parsed from JSON: it is JSON already.
BodyJson = TypeAliasType("JsonValue", Any)  # pyright: ignore[reportGeneralTypeIssues] - its schema's name

MAX_BUNDLES = 64
MAX_FILES = 1000
_BUNDLE_EXAMPLE = """domain = "greetings"
main_pipe = "greet"

[pipe.greet]
type = "PipeLLM"
description = "Greets someone"
inputs = { name = "Text" }
output = "Text"
prompt = "Say hello to $name"
"""


# The request body being validated and the path of its lone surrogate (None: it holds none), as pipelex.api.body found
# it where the body is parsed, in the request's own task: its check then skips the walk of every value (~0.3 s of the
# event loop for a 4.7 MB body of 470,000 small objects; the walk, when the bytes show a surrogate escape, runs off the
# loop there)
CHECKED_BODY: ContextVar[tuple[object, str | None] | None] = ContextVar("pipelex_checked_body", default=None)


MAX_UNKNOWN_FIELDS = 20


class ClosedBody(BaseModel):
    """A JSON object of a request that forbids unknown fields (``extra="forbid"``), each refused by name, and too many
    of them refused at once, as one error, before pydantic validates anything.

    pydantic makes one error per unknown key (per branch of a union), and each became an item of the 422: a 5 MB body
    of 531,000 unknown keys held the event loop 28 s (every other client waited) and answered 144 MB; a blob entry
    of ``files`` holding 400,000 keys made 800,000 errors (seventeenth hostile pass)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _few_unknown_fields(cls, data: Any) -> Any:
        unknown = _unknown_keys(data, cls.model_fields)
        if len(unknown) > MAX_UNKNOWN_FIELDS:
            shown = ", ".join(f"`{name[:40]}`" for name in unknown[:5])
            raise PydanticCustomError(
                "too_many_unknown_fields",
                "{count} unknown fields ({shown}, ...): remove them or fix their names (see the request schema in "
                "/openapi.json)",
                {"count": f"{len(unknown):,}", "shown": shown},
            )
        return data


def _unknown_keys(data: object, fields: Mapping[str, object]) -> list[str]:
    """The keys of ``data`` (a JSON object) that name none of ``fields``, when it holds more than the bound (else [])."""
    if not isinstance(data, dict) or len(cast(dict[str, Any], data)) <= MAX_UNKNOWN_FIELDS:
        return []
    return [name for name in cast(dict[str, Any], data) if name not in fields]


def _dict_size(value: object) -> int | None:
    """How many entries ``value`` holds when it is a mapping, else None."""
    return len(cast(dict[str, Any], value)) if isinstance(value, dict) else None


class RequestBody(ClosedBody):
    # strict: `"dry_run": 1` or `"yes"` is refused, not coerced to a boolean (the schema says boolean)
    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("files", mode="before", check_fields=False)
    @classmethod
    def _few_files(cls, files: Any) -> Any:
        """A tree of more than ``MAX_FILES`` files is refused before its entries are validated (pydantic checks the
        length after: 400,000 malformed entries made 1,200,000 errors, 14 s of the event loop)."""
        size = _dict_size(files)
        if size is not None and size > MAX_FILES:
            raise PydanticKnownError(
                "too_long", {"field_type": "Dictionary", "max_length": MAX_FILES, "actual_length": size}
            )
        return files

    @model_validator(mode="before")
    @classmethod
    def _text_only(cls, data: Any) -> Any:
        """Refuse a string holding a lone surrogate (``"\\ud800"``, valid JSON escapes Python's ``json`` reads)
        anywhere in the body, naming its field: it failed the run where it was written out (a 500)."""
        checked = CHECKED_BODY.get()
        path = checked[1] if checked is not None and checked[0] is data else unencodable_path(data)
        if path is not None:
            raise PydanticCustomError(
                "string_not_text",
                "{path} holds a lone UTF-16 surrogate (such as \\ud800), which no UTF-8 text can carry: send "
                "the text's characters",
                {"path": path},
            )
        return data


class Base64EntryIn(ClosedBody):
    """A file of the tree as its bytes in canonical padded standard Base64."""

    model_config = ConfigDict(extra="forbid", strict=True)

    base64: str


class HashEntryIn(ClosedBody):
    """A file of the tree named by its SHA-256 and size: a blob this server holds (``POST /v1/blobs/missing``)."""

    model_config = ConfigDict(
        extra="forbid", strict=True
    )  # a size written 13.0 is refused, as the standard says

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


FileEntryIn = str | Base64EntryIn | HashEntryIn

_FILES_DESCRIPTION = (
    'The method as its whole tree (MTHDS Protocol): tree path -> the file\'s text, `{"base64": ...}`, or '
    '`{"sha256", "size"}` of a blob this server holds. The `.mthds` files are the bundles; diagnostics '
    "name them by tree path. Give `files` or `mthds_contents`, not both."
)
_CONTENTS_DESCRIPTION = (
    "The texts of the .mthds bundles (one library), named `<bundle N>` in diagnostics: the documented "
    "alias of `files` from before the protocol. Give `files` or `mthds_contents`, not both."
)


def one_method_source(files: object, mthds_contents: object) -> None:
    if files is None and mthds_contents is None:
        raise ValueError(
            "the request names no method: give `files` (tree path -> bundle text) or `mthds_contents` "
            "(a list of bundle texts)"
        )
    if files is not None and mthds_contents is not None:
        raise ValueError("give the method once: `files` or `mthds_contents`, not both")


class RunRequest(RequestBody):
    """``POST /v1/execute`` and ``POST /v1/start``: run one pipe of a method (the protocol's run request)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "files": {"greetings.mthds": _BUNDLE_EXAMPLE},
                    "pipe_code": None,
                    "inputs": {"name": "Ada"},
                    "dry_run": True,
                }
            ]
        },
    )

    files: dict[str, FileEntryIn] | None = Field(
        default=None, min_length=1, max_length=MAX_FILES, description=_FILES_DESCRIPTION
    )
    mthds_contents: list[str] | None = Field(
        default=None, min_length=1, max_length=MAX_BUNDLES, description=_CONTENTS_DESCRIPTION
    )
    pipe_code: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="The pipe to run (`code` or `domain.code`); default: the `main_pipe`.",
    )
    inputs: dict[str, BodyJson] | None = Field(
        default=None,
        description=(
            "Input name -> value, shaped against the pipe's declared inputs: a string fills a text-like concept, a "
            'number a Number, an object a structure, a list an `X[]`; `{"concept": ..., "content": ...}` is the '
            'explicit form. Images and documents are `{"url": "data:..."}`; local files and URLs are refused '
            "unless the server's `[api]` config allows them."
        ),
    )
    output_name: str | None = Field(default=None, description="Not supported by this runner: leave it out.")
    output_multiplicity: BodyJson = Field(
        default=None, description="Not supported by this runner: leave it out."
    )
    dynamic_output_concept_ref: str | None = Field(
        default=None, description="Not supported by this runner: leave it out."
    )
    dry_run: bool | None = Field(
        default=None,
        description=(
            "Extension: mock every inference leaf (no keys, no cost, no storage IO). Default: live, unless the "
            "server forces dry runs (`pipelex api serve --dry-run`), in which case `false` is refused."
        ),
    )
    mock_inputs: bool = Field(
        default=False, description="Extension: synthesise missing required inputs (needs a dry run)."
    )

    @model_validator(mode="after")
    def _checks(self) -> RunRequest:
        one_method_source(self.files, self.mthds_contents)
        if self.mock_inputs and self.dry_run is False:
            raise ValueError(
                '`mock_inputs` needs `dry_run`: set "dry_run": true, or give every input and set '
                '"mock_inputs": false'
            )
        return self


class ValidateMethodRequest(RequestBody):
    """``POST /v1/validate``: validate a method (static checks and a dry run of every pipe)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"files": {"greetings.mthds": _BUNDLE_EXAMPLE}}]},
    )

    files: dict[str, FileEntryIn] | None = Field(
        default=None, min_length=1, max_length=MAX_FILES, description=_FILES_DESCRIPTION
    )
    mthds_contents: list[str] | None = Field(
        default=None, min_length=1, max_length=MAX_BUNDLES, description=_CONTENTS_DESCRIPTION
    )
    allow_signatures: bool = Field(default=False, description="Accept PipeSignature placeholders as valid.")
    render: list[str] | None = Field(
        default=None,
        max_length=16,
        description='Extension: `["markdown"]` adds `rendered_markdown`, the report as Markdown; other tokens are ignored.',
    )
    views: list[str] | None = Field(
        default=None,
        max_length=16,
        description='Extension: `"input_form"` and `"output_form"` add those artifacts to a valid verdict; other '
        "tokens are ignored.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> ValidateMethodRequest:
        one_method_source(self.files, self.mthds_contents)
        return self


class ExecuteRequest(RequestBody):
    """A run as the backends take it: bundle texts, the pipe, shaped-later inputs, the run mode.

    The routes build it from a :class:`RunRequest` once the method's files are read and the dry-run
    mode is decided (it was the request body before the protocol).
    """

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
    inputs: dict[str, BodyJson] = Field(
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

    # the JSON request body ``inputs`` was parsed from, when its values are the very objects parsed (see
    # ``pipelex.api.body.inputs_source``): a worker process re-reads them from it rather than from their pickle
    _inputs_source: bytes | None = PrivateAttr(default=None)

    def with_inputs_source(self, source: bytes | None) -> ExecuteRequest:
        """This request, noting the JSON body its ``inputs`` are parsed from (None: they travel as they are)."""
        self._inputs_source = source
        return self

    def for_worker(self) -> tuple[ExecuteRequest, bytes | None]:
        """What to send a worker process: this request without its inputs, and the body to read them from; or
        this request and None. Pickling 470,000 parsed values took ~0.2 s of the server's event loop; the body's
        bytes are copied as they are (thirteenth hostile pass)."""
        source = self._inputs_source
        if source is None:
            return self, None
        lean = self.model_copy(update={"inputs": {}})
        lean._inputs_source = None
        return lean, source

    def with_inputs_read(self, source: bytes) -> ExecuteRequest:
        """This request (sent by :meth:`for_worker`), its inputs read back from ``source``."""
        import json

        return self.model_copy(update={"inputs": dict(json.loads(source)["inputs"])})


class ValidateRequest(RequestBody):
    """A validation as the backends take it: bundle texts (built by the route from a :class:`ValidateMethodRequest`)."""

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


class PipeOutputOut(BaseModel):
    """The protocol's ``pipe_output``: the run's working memory (``root`` + ``aliases``) and its run id."""

    pipeline_run_id: str
    working_memory: WorkingMemoryOut


class ExecuteResponse(BaseModel):
    """``POST /v1/execute`` 200 (the protocol's ``RunResultExecute``): ``pipeline_run_id`` and ``pipe_output``.

    Extensions: ``main_stuff_name`` (the working-memory name of the output), ``main_stuff`` (the output
    itself, or its absence record), ``pipe_code``, ``run_mode``, ``backend``, the execution ``graph`` and
    the ``usage``.
    """

    pipeline_run_id: str
    pipe_output: PipeOutputOut
    main_stuff_name: str = Field(description="The name of the output in `pipe_output.working_memory.root`.")
    main_stuff: StuffOut | AbsenceOut | None = Field(description="The pipe's output (or the absence record).")
    pipe_code: str
    run_mode: PipeRunMode
    backend: BackendName
    graph: ExecutionGraph
    usage: UsageOut


class ValidationVerdict(BaseModel):
    """``POST /v1/validate`` 200: the protocol's verdict, ``is_valid`` true (with ``warnings``) or false (with
    ``errors`` and ``message``), each fault a problem item whose ``location`` says file, line, pipe and field.

    Our report's members ride beside (those of ``pipelex validate --format json``): ``is_runnable``,
    ``validated_pipes``, ``total_pipes``, ``pending_signatures``, ``dry_run_sweep``; plus the sweep's
    ``graph``, the ``backend``, ``workflow_id`` (Temporal) and ``rendered_markdown`` when asked for.
    """

    is_valid: bool
    is_runnable: bool
    message: str
    errors: list[ProblemItemOut]
    warnings: list[ProblemItemOut]
    bundle_path: str | None = None
    total_pipes: int
    validated_pipes: list[PipeVerdict]
    pending_signatures: list[str]
    dry_run_sweep: bool
    graph: ExecutionGraph = Field(description="Every pipe's dry run of the sweep, each a root of the graph.")
    backend: BackendName
    workflow_id: str | None = Field(
        default=None,
        description=(
            "On the Temporal backend: the id of the `WfDryValidate` workflow whose single activity "
            "`act_dry_validate` ran the sweep on a worker."
        ),
    )
    rendered_markdown: str | None = Field(
        default=None, description='The report as Markdown (`"render": ["markdown"]`).'
    )
    default_pipe_ref: str | None = Field(
        default=None, description="A valid verdict: the method's `main_pipe`."
    )
    pipe_io_contracts: dict[str, JsonValue] | None = Field(
        default=None,
        description="A valid verdict: every pipe's I/O contract (the standard's `PipeIOContracts`).",
    )
    input_form: dict[str, JsonValue] | None = Field(
        default=None,
        description='`"views": ["input_form"]`: every pipe\'s input form (the standard\'s `InputForm`).',
    )
    output_form: dict[str, JsonValue] | None = Field(
        default=None,
        description='`"views": ["output_form"]`: every pipe\'s output form (the standard\'s `OutputForm`).',
    )


class ValidateResponse(ValidationReport):
    """The validation report as the backends produce it, plus the sweep's graph (before the protocol's shaping)."""

    graph: ExecutionGraph
    backend: BackendName
    workflow_id: str | None = None


class RunStatus(StrEnum):
    """Where a run started with ``POST /v1/start`` stands."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class _NoNulls(BaseModel):
    """A protocol part: written with ``exclude_none`` (the protocol leaves a member with no value out, never ``null``)."""


class LocationOut(_NoNulls):
    """Where a problem is: in the method (file, line, pipe, field), the request (field) or the run (input)."""

    model_config = ConfigDict(extra="allow")

    file: str | None = Field(default=None, description="The tree path of the bundle (or `<bundle N>`).")
    line: int | None = Field(default=None, ge=1)
    column: int | None = Field(default=None, ge=1)
    pipe: str | None = None
    field: str | None = Field(
        default=None, description="A field of the bundle, or a dotted path into the request body."
    )
    input: str | None = None


class ProblemItemOut(_NoNulls):
    """One fault (a ``ProblemItem`` of the protocol): its core ``code``, ``detail``, ``params`` and ``location``.

    Our own members ride beside them: ``error_type`` (the corpus vocabulary), ``message``, and the
    flat ``file``/``line``/``pipe``/``field``/``severity`` of ``pipelex validate --format json``.
    """

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="A core code of the MTHDS error registry, e.g. `method.pipe_unresolved`.")
    detail: str
    params: dict[str, JsonValue] | None = None
    location: LocationOut | None = None
    error_type: str | None = None
    message: str | None = None
    file: str | None = None
    line: int | None = None
    pipe: str | None = None
    field: str | None = None
    severity: str | None = None


class NextStepOut(BaseModel):
    """What the reader should do next: a step kind of the protocol and one sentence."""

    kind: str
    detail: str


class Problem(_NoNulls):
    """An error, as an RFC 9457 problem document (``application/problem+json``) with the MTHDS core members.

    ``code`` is a core code of the MTHDS error registry (``type`` is its page,
    ``https://mthds.ai/errors/<code>``), with the registry's ``domain`` (who must act), ``retry``
    verdict and ``next_step``. Besides, ``errors`` lists the faults (request fields, or the problems of
    an invalid bundle, each with its own code and ``location``), ``kind`` is our problem kind,
    ``diagnostics`` the validation errors as ``pipelex validate --format json`` prints them, and
    ``pipe_code`` / ``error_type`` say which pipe failed and how.
    """

    type: str = Field(
        description="The page of the problem's code, e.g. `https://mthds.ai/errors/method.invalid`."
    )
    title: str
    status: int
    detail: str
    instance: str = Field(description="The request path the problem occurred on.")
    code: str = Field(description="A core code of the MTHDS error registry.")
    domain: str = Field(description="Who must act: input, method, account, operator or runtime.")
    retry: str = Field(description="Whether repeating the request can succeed: no, yes or outcome_unknown.")
    next_step: NextStepOut
    kind: str = Field(description="Our problem kind, e.g. `bundle-invalid` (see docs/api.md).")
    params: dict[str, JsonValue] | None = None
    location: LocationOut | None = None
    retry_after: float | None = None
    errors: list[ProblemItemOut] | None = Field(default=None, min_length=1)
    diagnostics: list[DiagnosticOut] | None = None
    pipe_code: str | None = None
    error_type: str | None = None
    run_id: str | None = None
    pipeline_run_id: str | None = None
    run_error: dict[str, JsonValue] | None = Field(
        default=None, description="`run.failed`: the failed run's own problem document."
    )
    limit: str | None = Field(
        default=None,
        description="`run-limit-exceeded`: the `[limits]` setting the run passed, e.g. `run_deadline_seconds`.",
    )


class DiagnosticOut(BaseModel):
    """One problem of a bundle (the same fields as the validation report's ``errors``)."""

    error_type: str
    message: str
    file: str | None = None
    line: int | None = None
    pipe: str | None = None
    field: str | None = None


class StartResponse(BaseModel):
    """``POST /v1/start`` 202 (the protocol's ``RunResultStart``): the run's ``pipeline_run_id``.

    Extensions: ``run_id`` (the same id, as before the protocol), ``status`` and ``status_url``; read the run
    with ``GET /v1/runs/{id}/status``, ``/results`` and ``/progress``.
    """

    pipeline_run_id: str
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


class ModelOut(ModelHandleOut):
    """One model of the deck (the protocol's ``ModelInfo``): ``name`` (the handle) and ``type`` (its category)."""

    name: str
    type: str = Field(description="llm, extract, img_gen, search, judgment; or our own category (doc_gen).")


class ModelsResponse(BaseModel):
    """``GET /v1/models`` (the protocol's ``ModelDeck``): ``models``; and our handles, aliases (``@x``), presets
    (``$x``) and waterfalls (``~x``)."""

    models: list[ModelOut]
    handles: list[ModelHandleOut]
    aliases: dict[str, str]
    presets: dict[str, str]
    waterfalls: dict[str, list[str]]
    categories: dict[str, DeckNamesOut] = Field(
        default_factory=dict,
        description="The names per category (a PipeImgGen reads `@default-small` in `img_gen`); the flat tables "
        "above give the LLM meaning first.",
    )
    categories: dict[str, DeckNamesOut] = Field(default_factory=dict)


class VersionResponse(BaseModel):
    """``GET /v1/version`` (the protocol's ``VersionInfo``): the protocol version, this runner's, the blob store.

    Extensions: ``implementation``, ``name``, ``version``, ``api_version``, ``python``, ``backend`` and
    ``dry_run`` (whether the server forces dry runs).
    """

    protocol_version: str = Field(description="The MTHDS Protocol version served, e.g. `2.0.0`.")
    runner_version: str
    blob_store: bool = Field(
        description="True: POST /v1/blobs/missing is served and `files` may name blobs by hash."
    )
    implementation: Literal["pipelex"] = "pipelex"
    name: Literal["pipelex"] = "pipelex"
    version: str
    api_version: Literal["v1"] = "v1"
    python: str
    backend: BackendName
    dry_run: bool = Field(description="Whether every run is a dry run (`pipelex api serve --dry-run`).")


class HealthResponse(BaseModel):
    """The service is up."""

    status: Literal["ok"] = "ok"


Problem.model_rebuild()
