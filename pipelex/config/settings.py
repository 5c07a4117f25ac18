"""``pipelex.toml``: the configuration file, its sections as typed models, and where it is looked for.

Search order (the first file found wins; nothing found means every default):

1. the path given to :func:`load_config` (or ``$PIPELEX_CONFIG``);
2. ``./pipelex.toml``;
3. ``./.pipelex/pipelex.toml``;
4. ``$XDG_CONFIG_HOME/pipelex/pipelex.toml`` (``~/.config/pipelex/pipelex.toml``).

Unknown keys are an error naming the file and the key. Secrets never live here: keys come from the
environment (the config names the variable, e.g. ``api_key_env = "OPENAI_API_KEY"``).
"""

# The annotations stay text while the classes are made: a section is a plain class, its annotations read only when
# its validator is made (see Section)
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelex.config.run_settings import LimitsConfig, RunSettings
from pipelex.errors import ConfigError, too_many_digits
from pipelex.io.policy import IOPolicy
from pipelex.language.blueprint import TemplatingStyleBlueprint, TemplatingStyleChoice

S = TypeVar("S", bound="Section")


class Section:
    """A section of ``pipelex.toml`` (or the whole file, :class:`PipelexConfig`): a plain class whose fields are
    its annotations and whose defaults are its class attributes.

    Most commands run without a config file: they read the defaults, which need no validation (pydantic does not
    validate defaults either). Creating a pydantic model class costs ~2 M instructions (its fields, their
    constraints, its schema), and these ten were ~23 M of every command whether a file was read or not; a plain
    class costs almost nothing. The section's pydantic model (its validator: the same annotations, constraints
    in ``Annotated[..., Field(...)]``, and defaults) is made from the class the first time values are validated:
    a file is read, or a section is made with values (``TemporalConfig(address=...)``). Instances are frozen in
    use (nothing assigns to them); :meth:`model_copy`, :meth:`model_dump` and :meth:`model_validate` behave as
    pydantic's methods of the same names.
    """

    # the pydantic model made from the class, per class (see validator())
    _validators: ClassVar[dict[type[Section], type[BaseModel]]] = {}
    # the field names of each class, in order
    _field_names: ClassVar[dict[type[Section], tuple[str, ...]]] = {}

    def __init__(self, **values: Any) -> None:
        """The defaults, with ``values`` validated over them (a bad value raises pydantic's ValidationError)."""
        if values:
            validated = type(self).validator().model_validate(_as_data(values))
            self.__dict__.update(_from_model(validated).__dict__)
        else:
            self.__dict__.update(type(self)._defaults())

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The fields, in the order they are declared (the class's annotations, its bases' first)."""
        names = Section._field_names.get(cls)
        if names is None:
            seen: dict[str, None] = {}
            for klass in reversed(cls.__mro__):
                if klass is not Section and issubclass(klass, Section):
                    seen.update(
                        dict.fromkeys(n for n in klass.__dict__.get("__annotations__", {}) if n[0] != "_")
                    )
            names = Section._field_names[cls] = tuple(seen)
        return names

    @classmethod
    def _defaults(cls) -> dict[str, Any]:
        """Each field's default, a fresh copy of the mutable ones (as pydantic gives each instance its own)."""
        return {name: _fresh(getattr(cls, name)) for name in cls.field_names()}

    @classmethod
    def validator(cls) -> type[BaseModel]:
        """The pydantic model of this section: same fields, annotations, constraints and defaults; unknown keys
        are errors. Made on first use (sections in fields are their own validators)."""
        model = Section._validators.get(cls)
        if model is None:
            import typing

            hints = typing.get_type_hints(cls, include_extras=True)
            annotations: dict[str, Any] = {}
            namespace: dict[str, Any] = {
                "__module__": cls.__module__,
                "__qualname__": cls.__qualname__,
                "__doc__": cls.__doc__,
                "model_config": ConfigDict(extra="forbid", frozen=True),
            }
            for name in cls.field_names():
                hint = hints[name]
                default = getattr(cls, name)
                if isinstance(hint, type) and issubclass(hint, Section):
                    hint = hint.validator()
                    default = Field(default_factory=hint.model_construct)
                annotations[name] = hint
                namespace[name] = default
            namespace["__annotations__"] = annotations
            model = type(cls.__name__, (BaseModel,), namespace)
            model.__pipelex_section__ = cls  # type: ignore[attr-defined]
            Section._validators[cls] = model
        return model

    @classmethod
    def model_validate(cls: type[S], data: Any) -> S:
        """Validate ``data`` (a mapping, e.g. a parsed TOML table); a bad value raises ValidationError."""
        return _from_model(cls.validator().model_validate(_as_data(data)))  # type: ignore[return-value]

    @classmethod
    def model_construct(cls: type[S], **values: Any) -> S:
        """An instance of ``values`` over the defaults, not validated (values known to be valid)."""
        instance = cls.__new__(cls)
        instance.__dict__.update(cls._defaults())
        instance.__dict__.update(values)
        return instance

    def model_copy(self: S, *, update: dict[str, Any] | None = None) -> S:
        """A copy with ``update`` (not validated, as pydantic's ``model_copy``)."""
        copy = type(self).__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(update or {})
        return copy

    def model_dump(self, *, mode: Literal["python", "json"] = "python") -> dict[str, Any]:
        """The fields as a dict, sections as dicts (as pydantic's ``model_dump``, ``source`` left out)."""
        return _to_model(self).model_dump(mode=mode)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.field_names())

    __hash__ = None  # pyright: ignore[reportAssignmentType]

    def __repr__(self) -> str:
        values = " ".join(f"{name}={getattr(self, name)!r}" for name in self.field_names())
        return f"{type(self).__qualname__}({values})"


def _fresh(value: Any) -> Any:
    """A default as an instance gets it: its own list or dict, its own section."""
    if isinstance(value, (list, dict)):
        return cast("list[Any] | dict[Any, Any]", value).copy()
    if isinstance(value, Section):
        return type(value)()
    return value


def _to_model(section: Section) -> BaseModel:
    """The section as an instance of its validator (known valid: not validated again)."""
    values: dict[str, Any] = {
        name: _to_model(value) if isinstance(value, Section) else value
        for name in section.field_names()
        for value in [getattr(section, name)]
    }
    return type(section).validator().model_construct(None, **values)


def _as_data(values: Any) -> Any:
    """``values`` with the sections in them as their validators' instances (a section is valid already)."""
    if isinstance(values, dict):
        return {k: _to_model(v) if isinstance(v, Section) else v for k, v in values.items()}  # type: ignore[misc]
    return values


def _from_model(model: BaseModel) -> Section:
    """The section of a validated instance of its validator."""
    cls: type[Section] = vars(type(model))["__pipelex_section__"]
    instance = cls.__new__(cls)
    for name in cls.field_names():
        value = getattr(model, name)
        if isinstance(value, BaseModel) and "__pipelex_section__" in vars(type(value)):
            value = _from_model(value)
        instance.__dict__[name] = value
    return instance


class DryRunConfig(Section):
    """``[dry_run]``: how mocks are made, and which pipes the validation sweep lets fail."""

    nb_list_items: Annotated[int, Field(ge=1, le=1000)] = 3
    text_gen_truncate_length: Annotated[int, Field(ge=16)] = 256
    nb_extract_pages: Annotated[int, Field(ge=1, le=1000)] = 4
    allowed_to_fail_pipes: list[str] = []


class RuntimeConfig(Section):
    """``[runtime]``: concurrency and recursion bounds of a run, and the templating style of pipes that
    declare none (a tag style, or ``{ tag_style, text_format }``, as a pipe's ``templating_style``)."""

    max_concurrency: Annotated[int, Field(ge=1, le=10_000)] = 8
    pipe_stack_limit: Annotated[int, Field(ge=2, le=10_000)] = 64
    default_templating_style: TemplatingStyleChoice = "xml"


#: The activity kinds ``[temporal] queue_by_kind`` routes (the operators' ``task_kind``; a test checks it against
#: the registry): a key outside them (``LLM``, ``PipeLLM``) routed nothing, without a word.
TaskKind = Literal["llm", "img_gen", "extract", "search", "judge", "func", "doc_gen"]
#: A Temporal task queue's name: an empty one is no queue a worker can serve.
QueueName = Annotated[str, Field(min_length=1)]


class TemporalConfig(Section):
    """``[temporal]``: the Temporal backend. ``address = ""`` means: start an embedded local dev server."""

    is_enabled: bool = False
    address: str = ""
    namespace: str = "default"
    task_queue: str = "pipelex"
    # activity routing: task queue per activity kind ("llm", "img_gen", ...) and per model handle
    queue_by_kind: dict[TaskKind, QueueName] = {}
    queue_by_model: dict[str, QueueName] = {}
    # run an in-process worker with each run: None = only with the embedded dev server (address = "")
    in_process_worker: bool | None = None
    # how long to wait for a server to answer when connecting (seconds); then the CLI says what it tried
    connect_timeout_s: Annotated[float, Field(gt=0, le=600)] = 10.0
    # how long a caller waiting on a run keeps trying to reach a configured server that went away mid-run
    # (seconds; a restart, a failover): the run goes on there meanwhile, and is not cancelled when the caller gives up
    reconnect_wait_s: Annotated[float, Field(ge=0, le=86_400)] = 300.0
    # leaf activities: timeouts (seconds) and the retry policy of provider faults (author errors never retry)
    activity_start_to_close_s: Annotated[float, Field(gt=0)] = 600.0
    # seconds a whole run (its top workflow, children included) may take before Temporal ends it, for runs of
    # the CLI and the Python API (none: no deadline, as on the direct backend); runner API runs take
    # [limits] run_deadline_seconds of the server instead
    run_deadline_s: Annotated[float | None, Field(gt=0, le=30 * 86_400)] = None
    activity_heartbeat_s: Annotated[float, Field(gt=0)] = 30.0
    retry_initial_interval_s: Annotated[float, Field(gt=0)] = 1.0
    retry_backoff: Annotated[float, Field(ge=1)] = 2.0
    retry_max_interval_s: Annotated[float, Field(gt=0)] = 60.0
    retry_max_attempts: Annotated[int, Field(ge=1)] = 3
    # a worker's cached workflows wait this long for it before another worker takes them over (seconds)
    sticky_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    # payloads bigger than this go by content-addressed reference (local storage), never over the 2 MiB limit
    payload_offload_bytes: Annotated[int, Field(ge=1024, le=1536 * 1024)] = 256 * 1024
    # a batch over more items than this runs them in child workflows of this many items each, so every workflow
    # history stays far under Temporal's limits (about 3 events per leaf: 1,000 items ~ 4,000 events)
    batch_chunk_size: Annotated[int, Field(ge=1, le=5000)] = 1000
    # activities / child workflows one workflow keeps in flight at most (batch items, parallel branches): a workflow
    # task that dispatches them all at once must stay under Temporal's 2 s deadlock limit on a busy worker; a bigger
    # [runtime] max_concurrency runs more slices of a long batch side by side instead (each with at most this many)
    slice_items_in_flight: Annotated[int, Field(ge=1, le=5000)] = 50
    # a sequence of more steps than this runs them in child workflows of this many steps each (and a longer one in
    # chunks of chunks), so no workflow history grows with the sequence (about 6 events per leaf step, one after
    # the other: 1,000 steps ~ 6,000 events, far under Temporal's 51,200)
    sequence_chunk_size: Annotated[int, Field(ge=2, le=5000)] = 1000
    # inline pipes (a PipeCompose renders in the workflow itself) do this many units of work in one workflow
    # activation at most (a unit a template step, 64 characters rendered or built, 2,000 for each inline pipe run)
    # before the workflow runs a no-op local activity and goes on in its next activation: one computing for 2 s is
    # failed by the SDK as a deadlock and retried without end. About 0.2-0.5 s of work at the default
    inline_units_per_task: Annotated[int, Field(ge=1_000, le=100_000_000)] = 1_000_000
    # activities per second started from a task queue, across ALL its workers (Temporal enforces it server
    # side): e.g. { "gpt-queue" = 8.0 } with queue_by_model routing a model there respects that provider's limit
    queue_rate_limits: dict[str, float] = {}
    # the embedded dev server (address = "") serves Temporal's Web UI on 127.0.0.1; --temporal prints its URL
    embedded_ui: bool = True


class StorageConfig(Section):
    """``[storage]``: where generated images, extracted pages and documents go."""

    kind: Literal["local", "s3"] = "local"
    local_dir: str = ".pipelex/storage"
    s3_bucket: str = ""
    s3_prefix: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    # the store's footprint: bytes in all (0: no quota; a write past it is refused) and how long a blob not
    # stored again is kept (0: forever). A server's store takes [api] max_storage_bytes / storage_max_age_seconds
    max_bytes: Annotated[int, Field(ge=0)] = 0
    max_age_seconds: Annotated[int, Field(ge=0)] = 0


class IOConfig(Section):
    """``[io]``: what a run of the CLI or the Python API may read (the runner API uses ``[api]`` instead).

    The user of the CLI is the author of the run: the files they name are read, and public http(s) URLs
    they name (in the inputs) are fetched. Internal addresses (loopback, private, link-local, ...) stay refused
    unless allowed, and so do URLs a bundle builds during the run unless ``allow_built_urls``.
    """

    allow_local_files: bool = True
    # folders whose files are read even when allow_local_files is off
    local_roots: list[str] = []
    allow_urls: bool = True
    allow_internal_urls: bool = False
    # fetch URLs a run builds (a construct, a template, a function's or a model's output), not only the inputs'
    allow_built_urls: bool = False
    # origins (scheme://host:port) fetched even when internal: an operator's own document server
    trusted_origins: list[str] = []
    max_read_bytes: Annotated[int, Field(ge=1)] = 50 * 1024 * 1024
    fetch_timeout_s: Annotated[float, Field(gt=0)] = 30.0
    max_redirects: Annotated[int, Field(ge=0, le=20)] = 5


class ReportingConfig(Section):
    """``[reporting]``: the end-of-run cost table."""

    is_cost_report_enabled: bool = True


class TracingConfig(Section):
    """``[tracing]``: OpenTelemetry export of a span per pipe run (off unless an OTLP endpoint is set), and how
    much of the execution graph a run holds in memory."""

    # the collector's base URL for OTLP/HTTP (e.g. "http://127.0.0.1:4318"); "" = $OTEL_EXPORTER_OTLP_ENDPOINT
    otlp_endpoint: str = ""
    service_name: str = "pipelex"
    export_timeout_s: Annotated[float, Field(gt=0, le=300)] = 10.0
    # children of one controller (batch items...) the execution graph holds in memory; the runs past it are
    # folded: written to disk as they end, summarised in the graph (and graph.html), complete in graph.json
    graph_children_in_memory: Annotated[int, Field(ge=1)] = 10_000


class ApiConfig(Section):
    """``[api]``: the HTTP runner API. The key itself comes from ``$PIPELEX_API_KEY`` (or ``api_key_env``)."""

    api_key_env: str = "PIPELEX_API_KEY"
    max_body_bytes: Annotated[int, Field(ge=1024)] = 5 * 1024 * 1024
    # request bodies held at once by requests in progress (read, parsed, running): past it a new request is a 503
    # server-busy (Retry-After) instead of memory growing with the number of connections
    max_held_body_bytes: Annotated[int, Field(ge=1024)] = 128 * 1024 * 1024
    allow_local_files: bool = False
    allow_urls: bool = False
    # URLs to private, loopback, link-local or reserved addresses stay refused even with allow_urls
    allow_internal_urls: bool = False
    # with allow_urls: also fetch URLs a run builds, not only those its request's inputs name
    allow_built_urls: bool = False
    # origins (scheme://host:port) a served run may fetch even when internal (with or without allow_urls)
    trusted_origins: list[str] = []
    # a live PipeFunc imports and calls any Python function a request names: refused unless enabled
    allow_pipe_func: bool = False
    # runs and validations executing at once; more requests wait their turn
    max_concurrent_runs: Annotated[int, Field(ge=1, le=4096)] = 64
    # threads, each with an event loop, where runs and validations execute (off the loop answering HTTP)
    run_threads: Annotated[int, Field(ge=1, le=64)] = 2
    # runs started with POST /v1/start kept in memory: the oldest finished ones are dropped beyond this
    max_stored_runs: Annotated[int, Field(ge=1, le=1_000_000)] = 1000
    # a finished run's result is dropped this long after it finished
    run_ttl_seconds: Annotated[int, Field(ge=1)] = 3600
    # every run is a dry run, whatever the request says (also `pipelex api serve --dry-run`, $PIPELEX_API_DRY_RUN)
    force_dry_run: bool = False
    # files sent by hash (POST /v1/blobs/missing, PUT /v1/blobs/{sha256}): the largest blob, and how long an
    # upload link stays valid
    max_blob_bytes: Annotated[int, Field(ge=1024)] = 64 * 1024 * 1024
    blob_upload_ttl_seconds: Annotated[int, Field(ge=10, le=86400)] = 900
    # the server's store (blobs uploaded, inputs given as data URLs, generated images, pages): its quota in bytes
    # (past it an upload is a 507 storage-full) and how long a blob not stored again is kept (0: forever)
    max_storage_bytes: Annotated[int, Field(ge=1024)] = 10 * 1024 * 1024 * 1024
    storage_max_age_seconds: Annotated[int, Field(ge=0)] = 7 * 24 * 3600
    # serve the interactive pages /docs and /redoc (FastAPI's, with scripts from a CDN); with a key set they, like
    # /openapi.json, need the key
    docs_pages: bool = True


class PipelexConfig(Section):
    """The whole configuration. Sections are optional; ``models`` is the model deck (see ``config/deck.py``).

    A section left out is its class's defaults (pydantic never validates defaults: that is the instance the
    validator would make; ``tests/config/test_settings.py`` checks both agree for every section).
    """

    dry_run: DryRunConfig = DryRunConfig()
    runtime: RuntimeConfig = RuntimeConfig()
    temporal: TemporalConfig = TemporalConfig()
    storage: StorageConfig = StorageConfig()
    reporting: ReportingConfig = ReportingConfig()
    tracing: TracingConfig = TracingConfig()
    io: IOConfig = IOConfig()
    api: ApiConfig = ApiConfig()
    limits: LimitsConfig = (
        LimitsConfig.model_construct()
    )  # a pydantic model of run_settings.py: not validated
    models: dict[str, Any] = {}  # parsed into a ModelDeck by config/deck.py
    source: Annotated[str | None, Field(exclude=True)] = None  # the file this came from, if any

    def with_env_overrides(self, env: dict[str, str] | None = None) -> PipelexConfig:
        """Apply the environment overrides (``PIPELEX_TEMPORAL_ADDRESS`` / ``_NAMESPACE`` / ``_TASK_QUEUE``)."""
        env = dict(os.environ) if env is None else env
        updates: dict[str, Any] = {}
        for key in ("address", "namespace", "task_queue"):
            value = env.get(f"PIPELEX_TEMPORAL_{key.upper()}")
            if value:
                updates[key] = value
        if not updates:
            return self
        return self.model_copy(update={"temporal": self.temporal.model_copy(update=updates)})

    def served(self) -> PipelexConfig:
        """This config as the runner API uses it: ``[io]`` replaced by the server's policy from ``[api]``.

        Local files only inside the storage folder unless ``[api] allow_local_files``; URLs only with
        ``[api] allow_urls``; internal addresses only with ``[api] allow_internal_urls``. The size and time
        bounds of ``[io]`` apply.
        """
        roots = [str(Path(self.storage_dir()).resolve())] if self.storage.kind == "local" else []
        io = self.io.model_copy(
            update={
                "allow_local_files": self.api.allow_local_files,
                "local_roots": roots,
                "allow_urls": self.api.allow_urls,
                "allow_internal_urls": self.api.allow_internal_urls,
                "allow_built_urls": self.api.allow_built_urls,
                "trusted_origins": list(self.api.trusted_origins),
            }
        )
        return self.model_copy(update={"io": io, "storage": self.served_storage()})

    def served_storage(self) -> StorageConfig:
        """``[storage]`` bounded as a server's store: ``[api] max_storage_bytes`` and ``storage_max_age_seconds``."""
        return self.storage.model_copy(
            update={
                "max_bytes": self.api.max_storage_bytes,
                "max_age_seconds": self.api.storage_max_age_seconds,
            }
        )

    def for_worker(self) -> PipelexConfig:
        """This config as a standalone ``pipelex worker`` serves with: its store bounded as a server's
        (:meth:`served_storage`). Such a worker stores what any client of its task queues sends, the callers of a
        runner API among them, so its disk is bounded as that server's own is; its runs' IO policy and limits
        travel with each run, whatever this config says."""
        return self.model_copy(update={"storage": self.served_storage()})

    def storage_dir(self) -> str:
        """The local storage folder (``PIPELEX_STORAGE_DIR`` over ``[storage] local_dir``)."""
        return os.environ.get("PIPELEX_STORAGE_DIR") or self.storage.local_dir

    def io_policy(self) -> IOPolicy:
        """The :class:`~pipelex.io.policy.IOPolicy` of ``[io]`` (whose values are validated already: the policy
        is not validated again, and its validator is not built by a command that only reads it)."""
        return IOPolicy.model_construct(
            allow_local_files=self.io.allow_local_files,
            local_roots=tuple(self.io.local_roots),
            allow_urls=self.io.allow_urls,
            allow_internal_urls=self.io.allow_internal_urls,
            allow_built_urls=self.io.allow_built_urls,
            named_urls=(),
            trusted_origins=tuple(self.io.trusted_origins),
            max_read_bytes=self.io.max_read_bytes,
            fetch_timeout_s=self.io.fetch_timeout_s,
            max_redirects=self.io.max_redirects,
        )

    def run_settings(self) -> RunSettings:
        """The :class:`~pipelex.config.run_settings.RunSettings` of this config (its IO policy from ``[io]``, its
        ``[limits]``)."""
        tag_style, text_format = self._default_style()
        return RunSettings(
            nb_list_items=self.dry_run.nb_list_items,
            text_gen_truncate_length=self.dry_run.text_gen_truncate_length,
            nb_extract_pages=self.dry_run.nb_extract_pages,
            max_concurrency=self.runtime.max_concurrency,
            pipe_stack_limit=self.runtime.pipe_stack_limit,
            io_policy=self.io_policy(),
            limits=self.limits,
            tag_style=tag_style,
            text_format=text_format,
        )

    def _default_style(self) -> tuple[str, str]:
        """``(tag_style, text_format)`` of ``[runtime] default_templating_style``."""
        style = self.runtime.default_templating_style
        if isinstance(style, TemplatingStyleBlueprint):
            return style.tag_style, style.text_format
        return style, "plain"


def config_candidates(cwd: Path | None = None) -> list[Path]:
    """Where a config file is looked for, in order."""
    cwd = cwd or Path.cwd()
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return [cwd / "pipelex.toml", cwd / ".pipelex" / "pipelex.toml", xdg / "pipelex" / "pipelex.toml"]


def find_config_file(path: str | Path | None = None) -> Path | None:
    """The config file to read: ``path``, ``$PIPELEX_CONFIG``, or the first candidate that exists."""
    explicit = path or os.environ.get("PIPELEX_CONFIG")
    if explicit:
        explicit_path = Path(explicit)
        if not explicit_path.is_file():
            if explicit_path.is_dir():
                problem = "is a folder, not a file"
            elif explicit_path.exists():
                problem = "is not a regular file (a device, a named pipe or a socket)"
            else:
                problem = "does not exist"
            raise ConfigError(
                f"config file {explicit_path} {problem}: give the path of a pipelex.toml (or unset PIPELEX_CONFIG)"
            )
        return explicit_path
    return next((p for p in config_candidates() if p.is_file()), None)


def parse_config(text: str, *, source: str = "<config>") -> PipelexConfig:
    """Parse config text; a TOML or schema error names the file, the key and the fix."""
    import tomllib

    if text.startswith("\ufeff"):  # tomllib reads it as an 'Invalid statement' at line 1, column 1
        raise ConfigError(
            f"{source}: the file starts with a byte-order mark (U+FEFF), which is not TOML; save it as UTF-8 "
            "without a BOM"
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc}); fix the syntax") from exc
    except ValueError as exc:  # an integer past Python's digit limit
        message = too_many_digits(text, exc)
        if message is None:
            raise
        raise ConfigError(f"{source}: {message}") from None
    try:
        config = PipelexConfig.model_validate(data)
    except ValidationError as exc:
        problems: list[str] = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "(top level)"
            if error["type"] == "extra_forbidden":
                section = ".".join(str(p) for p in error["loc"][:-1])
                known = _known_keys(section)
                problems.append(
                    f"unknown key `{where}`" + (f" (known keys: {', '.join(known)})" if known else "")
                )
            elif error["loc"][-1:] == (
                "[key]",
            ):  # a table's key, not a value: pydantic's loc ends in "[key]"
                table = ".".join(str(p) for p in error["loc"][:-2])
                problems.append(f"the key `{error['loc'][-2]}` of `{table}`: {error['msg']}")
            else:
                problems.append(f"`{where}`: {error['msg']}")
        raise ConfigError(
            f"{source}: " + "; ".join(problems) + "; fix or remove these keys (see `pipelex init`)"
        ) from exc
    if config.models:  # a bad [models] table is an error when the file is read, not at the first live call
        from pipelex.config.deck import deck_from_config

        deck_from_config(config.models, source=source)
    return config.model_copy(update={"source": source})


def _known_keys(section: str) -> list[str]:
    cls: type[Section] = PipelexConfig
    for part in filter(None, section.split(".")):
        default = getattr(cls, part, None) if part in cls.field_names() else None
        if isinstance(default, BaseModel):  # [limits]: a pydantic model of run_settings.py
            return list(type(default).model_fields)
        if not isinstance(default, Section):
            return []
        cls = type(default)
    return [name for name in cls.field_names() if name != "source"]


def default_config() -> PipelexConfig:
    """The configuration without a file: every default (no validator is made: see :class:`Section`)."""
    return PipelexConfig()


def load_config(path: str | Path | None = None) -> PipelexConfig:
    """Find, read and validate the config, then apply environment overrides."""
    found = find_config_file(path)
    if found is None:
        return default_config().with_env_overrides()
    from pipelex.narrowing import wide_encoding

    try:
        raw = found.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {found}: {exc}") from exc
    wide = wide_encoding(raw)  # UTF-16 (PowerShell's `>`), with or without its byte-order mark
    if wide is not None:
        raise ConfigError(f"cannot read config file {found}: it is {wide} text; save it as UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"cannot read config file {found}: it is not UTF-8 text (byte {exc.start} cannot be decoded); save it "
            "as UTF-8"
        ) from exc
    return parse_config(text, source=str(found)).with_env_overrides()
