"""What crosses the wire between the client, workflows and activities: one pydantic model in, one out.

Everything a workflow needs travels in its payload: the library (its bundle texts, with a content digest
workers cache the compiled library by), the working memory (contents as plain JSON, rebuilt into the
concept models on the other side), the run mode, the run settings (with the run's ``[limits]``), the dispatch
options (task queues, timeouts, retry policy) and the tracing position. A leaf's payload (:class:`LeafPayload`)
carries only what the leaf uses: the memory it reads, and its library and run settings by digest (the worker
keeps both, else reads them from the input of the workflow that dispatched the leaf). Payloads larger than the
configured threshold are swapped for a content-addressed reference by :mod:`pipelex.backends.temporal.codec`.

Pure module: no IO, safe to import in workflow code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticSerializationError, to_json

from pipelex.concepts.natives import (
    NATIVE_CLASS_NAMES,
    NATIVE_CONTENT,
    ListContent,
    StoredListContent,
    StuffContent,
    native_name,
)
from pipelex.concepts.values import to_content
from pipelex.config.run_settings import RunSettings
from pipelex.config.settings import LimitsConfig
from pipelex.io.policy import IOPolicy
from pipelex.memory.stuff import Absence, PipeResult, Stuff, WorkingMemory
from pipelex.narrowing import is_json_object, is_list
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipes.context import OutputOverride
from pipelex.tracing.graph import IOItem


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------------------------- library
class BundleText(_Wire):
    """One bundle: its text and the file it came from (for diagnostics)."""

    text: str
    file: str | None = None


class LibraryRef(_Wire):
    """The library: its content digest, and its bundle texts (by value) or where to find them (by reference).

    Workflows always get the texts by value. Leaf activities -- the bulk of a run -- get the digest only, and
    the workflow whose input holds the texts: a worker process compiles each library once and caches it by
    digest; on a miss, the activity reads the texts from that workflow's history (the server is the store).
    """

    digest: str
    texts: list[BundleText] | None = None
    source_workflow_id: str | None = None
    source_run_id: str | None = None

    def by_reference(self, workflow_id: str, run_id: str) -> LibraryRef:
        """The same library, referenced by the workflow whose input carries its texts."""
        return LibraryRef(digest=self.digest, source_workflow_id=workflow_id, source_run_id=run_id)

    @classmethod
    def of(cls, sources: list[tuple[str, str | None]]) -> LibraryRef:
        """The reference of ``(text, file)`` sources."""
        texts = [BundleText(text=text, file=file) for text, file in sources]
        blob = json.dumps([[t.text, t.file] for t in texts], ensure_ascii=False).encode("utf-8")
        return cls(digest=hashlib.sha256(blob).hexdigest(), texts=texts)


# ---------------------------------------------------------------------------------------------------- memory
CONTENT_TAG = "__pipelex_content__"


class StoredPart(_Wire):
    """One blob of a stored list: ``count`` encoded items under ``key`` (a sha256) in the payload store."""

    key: str
    count: int


class StoredListRef(_Wire):
    """A list kept in the payload store: its items are those of ``parts`` in order, less the first ``skip``.

    A list longer than ``[temporal] batch_chunk_size`` travels this way (the client stores a run's long inputs in
    parts of that many items; a long batch stores each slice's results): workflows hold only this reference.
    """

    concept: str
    count: int
    parts: list[StoredPart] = Field(default_factory=lambda: [])
    skip: int = 0

    def slice(self, first: int, size: int) -> StoredListRef:
        """The items ``first`` to ``first + size`` (the parts that hold them)."""
        start, stop = self.skip + first, self.skip + min(self.count, first + size)
        parts: list[StoredPart] = []
        skip = 0
        offset = 0
        for part in self.parts:
            end = offset + part.count
            if end > start and offset < stop:
                if not parts:
                    skip = start - offset
                parts.append(part)
            offset = end
        return StoredListRef(concept=self.concept, count=max(0, stop - start), parts=parts, skip=skip)


class WireStuff(_Wire):
    """A stuff as plain JSON; ``content`` is rebuilt into ``concept``'s model (a long list: ``stored`` instead)."""

    name: str
    stuff_code: str
    concept: str
    is_list: bool
    content: Any = None
    stored: StoredListRef | None = None


class WireMemory(_Wire):
    """A working memory as plain JSON."""

    stuffs: list[WireStuff] = Field(default_factory=lambda: [])
    aliases: dict[str, str] = Field(default_factory=dict)
    absences: dict[str, Absence] = Field(default_factory=dict)


class WireResult(_Wire):
    """A pipe's result: a stuff, or an absence."""

    stuff: WireStuff | None = None
    absence: Absence | None = None


ListLoader = Callable[[StoredListRef], list[Any]]
"""Reads the encoded items of a stored list (from the payload store: IO, never in workflow code)."""


# the code a native content class is keyed by on the wire: the first code naming it, Markdown's class being Text's
_NATIVE_CODE_OF_CLASS: dict[str, str] = {
    name: code for code, name in NATIVE_CLASS_NAMES.items() if code != "Markdown"
}


class ContentCodec:
    """Turns contents into JSON and back into the same content models, for one library's concepts.

    Contents of a concept are dumped as JSON and validated back into the concept's model. Values held in
    the extra fields of open models (``Composite``, ``Anything``, ``Dynamic``) that are contents themselves
    are tagged with their model, so a parallel's composite output comes back holding the same models.
    """

    def __init__(self, library: Any) -> None:
        from pipelex.language.library import Library

        assert isinstance(library, Library)
        self.library = library
        # filled as models and keys are met: a native concept's class is made only where its content travels (making
        # them all costs the first codec of a process ~12 M instructions, most of them for classes no run uses)
        self._by_model: dict[type[StuffContent], str] = {}
        self._by_key: dict[str, type[StuffContent]] = {}

    def _key_of(self, model: type[StuffContent]) -> str | None:
        key = self._by_model.get(model)
        if key is None:
            code = _NATIVE_CODE_OF_CLASS.get(native_name(model) or "")
            if code is not None:  # a native concept's own class: keyed by its first code (Text, not Markdown)
                key = self._by_model[model] = f"native.{code}"
                self._by_key[key] = model
                return key
            concepts = self.library.concepts
            for concept in concepts.concepts.values():
                if concepts.content_model(concept) is model:
                    self._by_model[model] = concept.ref
                    self._by_key[concept.ref] = model
                    return concept.ref
        return key

    def _model_of(self, key: str) -> type[StuffContent] | None:
        model = self._by_key.get(key)
        if model is None:
            native = key.removeprefix("native.")
            if native != key and _NATIVE_CODE_OF_CLASS.get(NATIVE_CLASS_NAMES.get(native, "")) == native:
                model = self._by_key[key] = NATIVE_CONTENT[native]
                self._by_model[model] = key
                return model
            concept = self.library.concepts.concepts.get(key)
            if concept is not None:
                model = self.library.concepts.content_model(concept)
                self._by_key[key] = model
        return model

    # -- encoding
    def encode(self, content: StuffContent) -> Any:
        """The JSON of a content (a list content: the list of its items' JSON)."""
        if isinstance(content, ListContent):
            return [self._encode_item(item) for item in content.items]
        return self._encode_item(content)

    def _encode_item(self, item: Any) -> Any:
        if not isinstance(item, StuffContent):
            return item
        data = item.model_dump(mode="json")
        if item.model_extra:
            for name, value in item.model_extra.items():
                data[name] = self._encode_nested(value)
        return data

    def _encode_nested(self, value: Any) -> Any:
        if isinstance(value, StoredListContent):
            from pipelex.errors import PipeRunError

            raise PipeRunError(
                f"a list of {value.count} items (longer than [temporal] batch_chunk_size) is kept by reference on "
                "Temporal and cannot be nested inside another output (e.g. a parallel's combined output): raise "
                "batch_chunk_size, or give the list its own result name",
                error_type="stored_list_nested",
            )
        if isinstance(value, StuffContent):
            key = self._key_of(type(value))
            if key is not None and not isinstance(value, ListContent):
                return {CONTENT_TAG: key, "data": self._encode_item(value)}
            return self._encode_item(value)
        if is_list(value):
            return [self._encode_nested(v) for v in value]
        return value

    # -- decoding
    def decode(self, data: Any, concept_ref: str, *, is_list: bool) -> StuffContent:
        """Rebuild the content of a stuff of ``concept_ref`` (for every stuff of every leaf, in workflows and
        activities: what it uses is imported at the top of this module, not by an ``import`` statement here)."""
        concepts = self.library.concepts
        concept = concepts.concepts[concept_ref]
        if is_list:
            return ListContent(
                items=[to_content(self._decode_nested(item), concept, concepts) for item in data]
            )
        return to_content(self._decode_nested(data), concept, concepts)

    def _decode_nested(self, value: Any) -> Any:
        if is_json_object(value):  # JSON from the wire: keys are strings
            if CONTENT_TAG in value and "data" in value and len(value) == 2:
                model = self._model_of(str(value[CONTENT_TAG]))
                inner = self._decode_nested(value["data"])
                return model.model_validate(inner) if model is not None else inner
            return {k: self._decode_nested(v) for k, v in value.items()}
        if is_list(value):
            return [self._decode_nested(v) for v in value]
        return value

    # -- stuffs, results, memories
    def wire_stuff(self, name: str, stuff: Stuff) -> WireStuff:
        """A stuff as plain JSON (a list kept by reference: its reference)."""
        if isinstance(stuff.content, StoredListContent):
            return WireStuff(
                name=name,
                stuff_code=stuff.stuff_code,
                concept=stuff.concept,
                is_list=True,
                stored=StoredListRef.model_validate(stuff.content.ref),
            )
        return WireStuff(
            name=name,
            stuff_code=stuff.stuff_code,
            concept=stuff.concept,
            is_list=stuff.is_list,
            content=self.encode(stuff.content),
        )

    def stuff(self, wire: WireStuff, load: ListLoader | None = None) -> Stuff:
        """Rebuild a stuff. A stored list is read with ``load`` (IO: activities and clients), else it stays stored
        (workflow code)."""
        if wire.stored is not None:
            if load is None:
                content: StuffContent = StoredListContent(
                    count=wire.stored.count,
                    concept=wire.stored.concept,
                    ref=wire.stored.model_dump(mode="json"),
                )
            else:
                content = self.decode(load(wire.stored), wire.concept, is_list=True)
        else:
            content = self.decode(wire.content, wire.concept, is_list=wire.is_list)
        return Stuff(stuff_code=wire.stuff_code, stuff_name=wire.name, concept=wire.concept, content=content)

    def wire_result(self, result: PipeResult) -> WireResult:
        """A result as plain JSON."""
        if isinstance(result, Absence):
            return WireResult(absence=result)
        return WireResult(stuff=self.wire_stuff(result.stuff_name, result))

    def result(self, wire: WireResult, load: ListLoader | None = None) -> PipeResult:
        """Rebuild a result."""
        if wire.absence is not None:
            return wire.absence
        assert wire.stuff is not None
        return self.stuff(wire.stuff, load)

    def wire_memory(self, memory: WorkingMemory, *, only: set[str] | None = None) -> WireMemory:
        """A memory as plain JSON; ``only`` keeps the named roots (and the aliases leading to them)."""
        aliases = dict(memory.aliases)
        names = set(memory.root)
        absences = dict(memory.absences)
        if only is not None:
            wanted = set(only) | {aliases[n] for n in only if n in aliases}
            aliases = {k: v for k, v in aliases.items() if k in only}
            names &= wanted
            absences = {k: v for k, v in absences.items() if k in wanted}
        return WireMemory(
            stuffs=[self.wire_stuff(name, memory.root[name]) for name in memory.root if name in names],
            aliases=aliases,
            absences=absences,
        )

    def memory(self, wire: WireMemory, load: ListLoader | None = None) -> WorkingMemory:
        """Rebuild a memory (``load``: see :meth:`stuff`)."""
        return WorkingMemory(
            root={s.name: self.stuff(s, load) for s in wire.stuffs},
            aliases=dict(wire.aliases),
            absences=dict(wire.absences),
        )


# ---------------------------------------------------------------------------------------------------- settings
class WireSettings(_Wire):
    """:class:`~pipelex.config.run_settings.RunSettings` on the wire."""

    nb_list_items: int = 3
    text_gen_truncate_length: int = 256
    nb_extract_pages: int = 4
    max_concurrency: int = 8
    pipe_stack_limit: int = 64
    io_policy: IOPolicy = Field(default_factory=IOPolicy)
    tag_style: str = "xml"
    text_format: str = "plain"
    # the run's [limits]: a worker bounds lists, batches and template renders by the client's run, not its own
    # config (a payload recorded before they travelled has none: the defaults)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    # what the generator of the run's mode asks of conditions (None: a payload recorded before it travelled,
    # see PipeRunPayload)
    explore_all_outcomes: bool | None = None

    @classmethod
    def of(cls, settings: RunSettings) -> WireSettings:
        """From run settings."""
        return cls(
            nb_list_items=settings.nb_list_items,
            text_gen_truncate_length=settings.text_gen_truncate_length,
            nb_extract_pages=settings.nb_extract_pages,
            max_concurrency=settings.max_concurrency,
            pipe_stack_limit=settings.pipe_stack_limit,
            io_policy=settings.io_policy,
            tag_style=settings.tag_style,
            text_format=settings.text_format,
            limits=settings.limits,
            explore_all_outcomes=settings.explore_all_outcomes,
        )

    def run_settings(self) -> RunSettings:
        """Back to run settings."""
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        fields["explore_all_outcomes"] = bool(self.explore_all_outcomes)
        return RunSettings(**fields)

    def digest(self) -> str:
        """The content digest a leaf names these settings by (sha256 of their JSON)."""
        return hashlib.sha256(self.model_dump_json().encode("utf-8")).hexdigest()


class DispatchOptions(_Wire):
    """Where and how leaves are dispatched (from ``[temporal]``): workflow code cannot read the config."""

    task_queue: str
    queue_by_kind: dict[str, str] = Field(default_factory=dict)
    queue_by_model: dict[str, str] = Field(default_factory=dict)
    activity_start_to_close_s: float = 600.0
    activity_heartbeat_s: float = 30.0
    retry_initial_interval_s: float = 1.0
    retry_backoff: float = 2.0
    retry_max_interval_s: float = 60.0
    retry_max_attempts: int = 3
    batch_chunk_size: int = 1000
    slice_items_in_flight: int = 50
    # a sequence of more steps runs them in child workflows (``WfRunSteps``) of this many (absent in payloads of
    # older versions: the default)
    sequence_chunk_size: int = 1000
    # units of inline work (template steps, see ``TemporalPipeRouter._inline_turn``) one workflow task does at most
    # before it ends the activation (a no-op local activity) and goes on in the next
    inline_units_per_task: int = 1_000_000


# ---------------------------------------------------------------------------------------------------- tracing
class Placement(_Wire):
    """Where a pipe run happened on Temporal."""

    worker: str | None = None
    workflow_id: str | None = None
    run_id: str | None = None
    task_queue: str | None = None
    activity_id: str | None = None
    attempt: int | None = None


class TraceEvent(_Wire):
    """One tracer call, replayed into the run's :class:`~pipelex.tracing.tracer.GraphTracer` by the client.

    ``node`` (and ``parent``, ``target``) are indexes local to the fragment the event belongs to; a start
    event with ``parent=None`` attaches to the node the fragment's caller runs under.
    """

    op: Literal["start", "end", "mark", "selected", "usage", "warning", "fragment"]
    node: int
    at: float | None = None
    # start
    parent: int | None = None
    pipe_code: str | None = None
    pipe_type: str | None = None
    kind: str | None = None
    description: str | None = None
    domain: str | None = None
    inputs: list[IOItem] | None = None
    placement: Placement | None = None
    # end / mark
    status: str | None = None
    outputs: list[IOItem] | None = None
    error: str | None = None
    usage: dict[str, Any] | None = None
    duration: float | None = None
    tag: str | None = None
    # warning
    message: str | None = None
    # selected
    target: int | None = None
    label: str | None = None
    # fragment: the events of a slice of a long batch, kept in the payload store under ``ref`` (a sha256); its
    # root nodes attach to ``parent``; ``nodes`` is how many pipe runs it holds
    ref: str | None = None
    nodes: int | None = None
    # a leaf's start / end sent back by its activity: the names of the inputs / outputs whose ``data`` was left
    # out because the workflow holds it already (an input's is the content the leaf's payload carried under that
    # name, the output's the content of the leaf's result); the workflow puts it back (:func:`restore_omitted`)
    omitted: list[str] | None = None

    @model_serializer(mode="wrap")
    def _without_nulls(self, handler: SerializerFunctionWrapHandler) -> Any:
        """The fields that hold something: an event sets a few of its 20 (what is left out reads back as None)."""
        data: object = handler(self)
        if is_json_object(data):
            return {name: value for name, value in data.items() if value is not None}
        return data

    @field_validator("inputs", "outputs", mode="after")
    @classmethod
    def _parsed_data_is_plain_json(
        cls, items: list[IOItem] | None, info: ValidationInfo
    ) -> list[IOItem] | None:
        """Items read from JSON text hold plain JSON data: the client's graph takes them as they are, without
        converting and copying each one again (``IOItem.is_plain_json``)."""
        if items and info.mode == "json":
            for item in items:
                item.known_plain_json()
        return items


JsonEvent = dict[str, Any]
"""A :class:`TraceEvent` as the JSON it travels as (the fields that hold something), as workflow code keeps it.

Workflow code only re-numbers the events of a child, puts back the data a leaf left out and passes them on: it holds
them as this JSON, not as models (no validation of every event and its items at each leaf, no serializer call per
event in the workflow's outcome, a few dicts for the collector instead of a model, its ``__dict__`` and fields-set
per event, item and placement). The client validates them once, into :class:`TraceEvent`, as it reads the outcome.
"""


# ---------------------------------------------------------------------------------------------------- jobs
class WireOutputOverride(_Wire):
    """A sequence step's ``nb_output`` (``item_count``) or ``multiple_output`` (no count) for the pipe it runs."""

    item_count: int | None = None

    @classmethod
    def of(cls, override: OutputOverride | None) -> WireOutputOverride | None:
        """The wire form of a run context's override."""
        return None if override is None else cls(item_count=override.item_count)

    def runtime(self) -> OutputOverride:
        """Back to the run context's form."""
        return OutputOverride(item_count=self.item_count)


class PipeRunPayload(_Wire):
    """Run one pipe (a controller in ``WfRunPipe``, an operator in ``act_run_leaf``) over a memory.

    ``output_override``: the list a sequence step asks the pipe for (absent in payloads of older versions: the
    pipe's declared output).
    """

    library: LibraryRef
    pipe_ref: str
    output_name: str
    memory: WireMemory
    run_mode: PipeRunMode
    settings: WireSettings
    dispatch: DispatchOptions
    depth: int = 0
    stack: list[str] = Field(default_factory=lambda: [])
    output_override: WireOutputOverride | None = None

    @model_validator(mode="after")
    def _exploration_of_older_payloads(self) -> PipeRunPayload:
        """A payload of an older version has no ``explore_all_outcomes``: then a dry run explored every outcome
        and a live one did not (a workflow replayed from its history runs as it first ran)."""
        if self.settings.explore_all_outcomes is None:
            self.settings = self.settings.model_copy(
                update={"explore_all_outcomes": self.run_mode is PipeRunMode.DRY}
            )
        return self

    def run_override(self) -> OutputOverride | None:
        """The run context's ``output_override`` for this payload."""
        return None if self.output_override is None else self.output_override.runtime()


class LeafPayload(_Wire):
    """Run one leaf (an operator) in ``act_run_leaf``: what the leaf needs, and nothing it does not.

    The run settings are the same for every leaf of a workflow: a leaf names them by ``settings_digest``, those of
    the workflow whose input holds its library (``library.source_workflow_id``); a worker keeps the settings of a
    digest once it has read them (:func:`pipelex.backends.temporal.process.settings_for`). ``settings`` by value:
    a leaf whose library travels by value, and payloads recorded by older versions (which also carried ``dispatch``:
    a leaf reads its heartbeat timeout from the activity's own info, and dispatches nothing).
    """

    library: LibraryRef
    pipe_ref: str
    output_name: str
    memory: WireMemory
    run_mode: PipeRunMode
    settings: WireSettings | None = None
    settings_digest: str | None = None
    dispatch: DispatchOptions | None = None
    depth: int = 0
    stack: list[str] = Field(default_factory=lambda: [])
    output_override: WireOutputOverride | None = None

    @model_validator(mode="after")
    def _settings_by_value_or_digest(self) -> LeafPayload:
        """One of the two; the exploration of an older payload's settings as :class:`PipeRunPayload` fills it."""
        if self.settings is None and self.settings_digest is None:
            raise ValueError("a leaf payload needs its run settings, by value or by digest")
        if self.settings is not None and self.settings.explore_all_outcomes is None:
            self.settings = self.settings.model_copy(
                update={"explore_all_outcomes": self.run_mode is PipeRunMode.DRY}
            )
        return self

    def run_override(self) -> OutputOverride | None:
        """The run context's ``output_override`` for this payload."""
        return None if self.output_override is None else self.output_override.runtime()


def omit_held_data(events: list[JsonEvent], memory: WireMemory, output_name: str, result: WireResult) -> None:
    """Leave out of a leaf's own start and end events (the JSON its activity sends) the data its workflow holds
    already: the inputs' data the leaf's payload carried (``memory``), the output's (``output_name``) the result's;
    each event names what it left out (``omitted``).

    Only a value exactly equal to the one held (the same JSON: types, and keys in the same order) is left out: what
    the workflow puts back is the very value the event recorded.
    """
    held_in = {stuff.name: stuff.content for stuff in memory.stuffs if stuff.stored is None}
    out = result.stuff
    held_out = {output_name: out.content} if out is not None and out.stored is None else {}
    roots: set[int] = set()
    for event in events:
        op = event.get("op")
        if op == "start" and event.get("parent") is None:
            roots.add(event["node"])
            _omit(event, "inputs", held_in)
        elif op == "end" and event.get("node") in roots:
            _omit(event, "outputs", held_out)


def _omit(event: JsonEvent, field: str, held: dict[str, Any]) -> None:
    names: list[str] = []
    items: list[dict[str, Any]] = event.get(field) or []
    for item in items:
        name = item.get("name")
        data = item.get("data")
        if name in held and data is not None and same_json(data, held[name]):
            item["data"] = None
            names.append(name)
    if names:
        event["omitted"] = names


def same_json(a: object, b: object) -> bool:
    """The same JSON value, types included (``==`` holds ``1 == 1.0 == True``) and keys in the same order.

    Compared in C: ``==`` first (most values that differ, differ there), then the JSON texts (which tell ``1`` from
    ``1.0`` and ``true`` at any depth). Keys in another order read as different: the data is then kept, never lost.
    """
    if type(a) is not type(b) or a != b:
        return False
    try:
        return to_json(a, inf_nan_mode="constants") == to_json(b, inf_nan_mode="constants")
    except PydanticSerializationError:
        return False


def restore_omitted(
    events: list[JsonEvent], memory: WireMemory, output_name: str, result: WireResult
) -> None:
    """Put back the data a leaf's activity left out of its events (:func:`omit_held_data`), from the payload the
    workflow sent (``memory``) and the result it got back. The events are the JSON the workflow read
    (:class:`PipeRunOutcomeJson`): their ``omitted`` goes, as it never was."""
    for event in events:
        omitted = event.pop("omitted", None)
        if not omitted:
            continue
        if event.get("op") == "start":
            held = {stuff.name: stuff.content for stuff in memory.stuffs}
            items: list[dict[str, Any]] = event.get("inputs") or []
        else:
            held = {output_name: result.stuff.content} if result.stuff is not None else {}
            items = event.get("outputs") or []
        for item in items:
            name = item.get("name")
            if name in omitted:
                if name not in held:
                    from pipelex.errors import PipeRunError

                    raise PipeRunError(
                        f"a leaf's trace left out the data of {name!r}, which its workflow does not hold",
                        error_type="internal_error",
                    )
                item["data"] = held[name]


class LeafSource(BaseModel):
    """What a leaf sent by reference reads from the input of the workflow that dispatched it (a ``PipeRunPayload``,
    an ``ItemsPayload`` or a ``StepsPayload``: the other fields ignored): the library and the run settings."""

    model_config = ConfigDict(extra="ignore")

    library: LibraryRef
    run_mode: PipeRunMode | None = None
    settings: WireSettings | None = None

    @model_validator(mode="after")
    def _exploration_of_older_payloads(self) -> LeafSource:
        """As :class:`PipeRunPayload` reads it, so the digest is the one the workflow computed."""
        if self.settings is not None and self.settings.explore_all_outcomes is None:
            self.settings = self.settings.model_copy(
                update={"explore_all_outcomes": self.run_mode is PipeRunMode.DRY}
            )
        return self


class PipeRunOutcome(_Wire):
    """What a pipe run sends back: its result, the memory it leaves (controllers) and its trace events."""

    result: WireResult
    memory: WireMemory | None = None
    events: list[TraceEvent] = Field(default_factory=lambda: [])


class PipeRunOutcomeJson(_Wire):
    """A :class:`PipeRunOutcome` as workflow code reads (a leaf's, a child workflow's) and writes it (its own): the
    same JSON, its trace events left as JSON objects (:data:`JsonEvent`)."""

    result: WireResult
    memory: WireMemory | None = None
    events: list[JsonEvent] = Field(default_factory=lambda: [])


class ItemsPayload(PipeRunPayload):
    """Run ``pipe_ref`` once per item of ``items`` (a slice of a batch's list), in ``WfRunItems``.

    ``first_index`` is the slice's place in the whole list (output names ``<output_name>[<index>]``).
    """

    items: WireStuff | None = None
    item_name: str
    first_index: int = 0
    # a slice of a stored list: the child reads its items (``act_load_items``) and stores its results and trace
    # (``act_store_items``), returning only their references
    items_ref: StoredListRef | None = None
    items_stuff_code: str = ""
    store_results: bool = False

    def run_payload(self) -> PipeRunPayload:
        """The same job without the slice: what the items' own activities and child workflows are made from."""
        return PipeRunPayload.model_construct(
            **{name: getattr(self, name) for name in PipeRunPayload.model_fields}
        )


class StoredSlice(_Wire):
    """A slice's results and trace, stored: ``items`` holds the produced items (absences left out, as in the
    batch's output), ``events_key`` the trace events (``nodes`` pipe runs); ``concept`` is the first item's."""

    items: StoredPart
    events_key: str
    nodes: int
    concept: str | None = None


class ItemsOutcome(_Wire):
    """The results of a slice of a batch, in item order, and the trace events of its runs (or, for a slice of a
    long batch, only where they are stored)."""

    results: list[WireResult] = Field(default_factory=lambda: [])
    events: list[JsonEvent] = Field(default_factory=lambda: [])
    stored: StoredSlice | None = None


class StepsPayload(PipeRunPayload):
    """Run the steps ``start`` to ``stop`` (excluded) of the sequence ``pipe_ref`` over ``memory``, in ``WfRunSteps``
    (a chunk of a long sequence): the memory comes whole and goes back after the steps."""

    start: int
    stop: int

    def run_payload(self) -> PipeRunPayload:
        """The same job without the range: what the steps' own activities and child workflows are made from."""
        return PipeRunPayload.model_construct(
            **{name: getattr(self, name) for name in PipeRunPayload.model_fields}
        )


class StepsOutcome(_Wire):
    """What a chunk of a sequence sends back: its last step's result, the memory after its steps, and where its
    trace events are stored (one ``fragment`` for the sequence's workflow, whatever the chunk's length)."""

    result: WireResult
    memory: WireMemory
    stored: StoredSlice


class StoreItems(_Wire):
    """What ``act_store_items`` puts in the payload store: a slice's produced items and its trace events."""

    items: list[Any]
    concept: str | None = None
    events: list[JsonEvent] = Field(default_factory=lambda: [])  # read back by the client, as TraceEvents
    nodes: int = 0


class PipeFailure(_Wire):
    """The details of a failed pipe run, carried by the non-retryable application error."""

    message: str
    pipe_code: str | None = None
    error_type: str
    events: list[TraceEvent] = Field(default_factory=lambda: [])


class DryValidatePayload(_Wire):
    """Validate bundle texts on a worker: static checks plus the dry-run sweep, in one activity."""

    library: LibraryRef
    settings: WireSettings
    allow_signatures: bool = False
    static_only: bool = False
    allowed_to_fail: list[str] = Field(default_factory=lambda: [])
    bundle_path: str | None = None


class DryValidateOutcome(_Wire):
    """The validation report and the sweep's execution graph (every pipe's dry run is a root), as JSON."""

    report: dict[str, Any]
    graph: dict[str, Any] | None = None
    worker: str | None = None
