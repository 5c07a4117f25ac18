"""``PipelexRunner``: load a bundle, shape the inputs, run a pipe, return its output, memory, graph and usage."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from pipelex.boot import Pipelex
from pipelex.config.deck import ModelDeck, deck_for
from pipelex.config.run_settings import RunSettings
from pipelex.diagnostics import Severity
from pipelex.errors import BundleInvalidError, ConfigError, InputError, PipelexError
from pipelex.language.library import Library, PipeEntry, build_library
from pipelex.language.loader import load_library
from pipelex.memory.stuff import Absence, PipeResult, Stuff, WorkingMemory
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.reporting.usage import UsageReport, roll_up
from pipelex.tracing.graph import ExecutionGraph
from pipelex.validation.static import check_library

if TYPE_CHECKING:
    from pipelex.tracing.tracer import GraphTracer


class PipelineOutput(BaseModel):
    """What a run returns."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    pipeline_run_id: str
    pipe_code: str
    run_mode: PipeRunMode
    main_stuff: Stuff | Absence | None
    working_memory: WorkingMemory
    graph: ExecutionGraph
    usage: UsageReport

    def __repr__(self) -> str:
        # asyncio.run() reprs the main task (and so its result) when it restores the SIGINT handler: a default
        # repr of a 10,000-item run costs about a second
        return f"PipelineOutput(run={self.pipeline_run_id!r}, pipe={self.pipe_code!r}, mode={self.run_mode.value})"

    @property
    def warnings(self) -> list[str]:
        """The warnings recorded on the run's pipes (a reply cut off by the token limit, ...), in graph order."""
        return [message for node in self.graph.nodes for message in node.warnings]

    def main_stuff_json(self) -> Any:
        """The main output as JSON: the content of a stuff, or the absence record."""
        if self.main_stuff is None:
            return None
        if isinstance(self.main_stuff, Absence):
            return self.main_stuff.to_json()
        return self.main_stuff.content_json()


class PipelexRunner:
    """Runs pipes of a bundle (a file, bundle text, or library folders)."""

    def __init__(
        self,
        bundle_uri: str | Path | None = None,
        *,
        mthds_content: str | list[str] | None = None,
        library_dirs: list[str | Path] | None = None,
        pipe_run_mode: PipeRunMode = PipeRunMode.LIVE,
        settings: RunSettings | None = None,
        deck: ModelDeck | None = None,
        backend: Literal["direct", "temporal"] | None = None,
    ) -> None:
        config = Pipelex.config() if backend is None or settings is None else None
        # the backend: where the pipes run; by default from config ([temporal] is_enabled)
        self.backend = backend or (
            "temporal" if config is not None and config.temporal.is_enabled else "direct"
        )
        if self.backend not in ("direct", "temporal"):
            raise ConfigError(f"unknown backend {self.backend!r}: use 'direct' or 'temporal'")
        self.bundle_uri = Path(bundle_uri) if bundle_uri is not None else None
        self.mthds_content = [mthds_content] if isinstance(mthds_content, str) else list(mthds_content or [])
        self.library_dirs = [Path(d) for d in library_dirs or []]
        self.pipe_run_mode = pipe_run_mode
        self.settings = settings or Pipelex.config().run_settings()
        self.deck = deck or deck_for(Pipelex.config())
        self._library: Library | None = None
        # children of one controller the graph holds in memory ([tracing]); the others are folded to disk
        self.graph_children_in_memory = (config or Pipelex.config()).tracing.graph_children_in_memory
        self.current_tracer: Any = None  # the tracer of the run in progress, read by progress displays
        # what the last run did if it failed (also on the error, as ``partial_output``); None after a success
        self.failed_output: PipelineOutput | None = None

    def load(self) -> Library:
        """Load and statically validate the library; raise :class:`BundleInvalidError` listing every problem."""
        if self._library is not None:
            return self._library
        paths = [*self.library_dirs, *([self.bundle_uri] if self.bundle_uri else [])]
        if self.mthds_content:
            sources: list[tuple[str, str | None]] = [
                (text, f"<bundle {i + 1}>") for i, text in enumerate(self.mthds_content)
            ]
            library = build_library(sources) if not paths else _merge(load_library(paths), sources)
        else:
            library = load_library(paths)
        errors = [
            d for d in check_library(library, self.deck, self.settings.limits) if d.severity is Severity.ERROR
        ]
        if errors:
            raise BundleInvalidError(errors)
        self._library = library
        return library

    def pick_pipe(self, library: Library, pipe_code: str | None) -> PipeEntry:
        """The pipe to run: ``pipe_code``, or the bundle's ``main_pipe``."""
        codes = [p.code for p in library.pipes.values()]
        listed = (
            f"its pipes: {', '.join(codes[:20])}{f' and {len(codes) - 20} more' if len(codes) > 20 else ''}"
            if codes
            else "it declares no pipe: add a [pipe.<code>] table (docs/language.md)"
        )
        if pipe_code is None:
            entry = library.main_pipe
            if entry is None:
                raise InputError(
                    "the bundle has no `main_pipe`: name the pipe to run (--pipe CODE / pipe_code=...); "
                    f"{listed}"
                )
            return entry
        entry = library.resolve_pipe(pipe_code)
        if entry is None:
            where = "library" if self.library_dirs else "bundle"
            raise InputError(f"pipe {pipe_code!r} is not in the {where}; {listed}")
        return entry

    def prepare(
        self,
        inputs: dict[str, Any] | None = None,
        pipe_code: str | None = None,
        *,
        mock_inputs: bool = False,
        inputs_base_dir: Path | None = None,
    ) -> tuple[PipeRunMode, Library, PipeEntry, WorkingMemory]:
        """Everything before a run: the mode, the validated library, the pipe, the memory holding the inputs."""
        from pipelex.memory.inputs import mock_inputs as make_mock_inputs
        from pipelex.memory.inputs import shape_inputs

        mode = Pipelex.effective_run_mode(self.pipe_run_mode)
        if mock_inputs and mode is not PipeRunMode.DRY:
            raise InputError(
                "mock inputs are only for dry runs: run with --dry-run (PipeRunMode.DRY), or give every input"
            )
        library = self.load()
        entry = self.pick_pipe(library, pipe_code)
        stuffs = shape_inputs(inputs or {}, entry, library, base_dir=inputs_base_dir)
        if mock_inputs:
            stuffs.update(make_mock_inputs(entry, library, stuffs, nb_list_items=self.settings.nb_list_items))
        _check_required(entry, stuffs)
        if mode is PipeRunMode.LIVE:
            from pipelex.inference.live.preflight import preflight
            from pipelex.storage.factory import storage_for
            from pipelex.storage.local import normalize_content

            if (
                self.backend == "direct"
            ):  # on Temporal the keys live on the workers, which report a missing one
                preflight(entry, library, self.deck)  # a missing key fails here, before anything runs
            storage = storage_for(Pipelex.config())
            stuffs = {
                n: s.model_copy(update={"content": normalize_content(s.content, storage)})
                for n, s in stuffs.items()
            }
        return mode, library, entry, WorkingMemory.with_inputs(stuffs)

    async def execute_pipeline(
        self,
        inputs: dict[str, Any] | None = None,
        pipe_code: str | None = None,
        *,
        mock_inputs: bool = False,
        inputs_base_dir: Path | None = None,
    ) -> PipelineOutput:
        """Run ``pipe_code`` (default: ``main_pipe``) with ``inputs``; return the output, memory, graph, usage."""
        from pipelex.tracing.tracer import GraphTracer

        mode, library, entry, memory = self.prepare(
            inputs, pipe_code, mock_inputs=mock_inputs, inputs_base_dir=inputs_base_dir
        )
        run_id = uuid.uuid4().hex
        tracer: GraphTracer
        run: Coroutine[Any, Any, PipeResult]
        if self.backend == "temporal":
            from pipelex.backends.temporal.tracing import ReplayTracer

            replay = ReplayTracer(
                pipeline_run_id=run_id,
                main_pipe=entry.code,
                domain=entry.domain,
                mode=mode.value,
                backend="temporal",
            )
            tracer = replay
            run = self._run_temporal(entry, memory, library, mode, run_id, replay)
        else:
            tracer = GraphTracer(
                pipeline_run_id=run_id,
                main_pipe=entry.code,
                domain=entry.domain,
                mode=mode.value,
                backend="direct",
                children_in_memory=self.graph_children_in_memory,
            )
            self.current_tracer = tracer
            run = _run_direct(entry, memory, library, mode, self.settings, self.deck, tracer)
        self.failed_output = None
        result: PipeResult
        try:
            result = await run
        except BaseException as exc:  # noqa: BLE001 - re-raised: only what the run did is kept
            self.failed_output = _partial_output(run_id, entry, mode, memory, tracer, library)
            if isinstance(exc, PipelexError):
                exc.partial_output = self.failed_output
            raise
        store_result(memory, entry, result)
        graph = tracer.build()
        usage = roll_up(
            graph
        )  # leaves recorded their usage on their nodes; sum it per controller and per run
        return PipelineOutput(
            pipeline_run_id=run_id,
            pipe_code=entry.code,
            run_mode=mode,
            main_stuff=result,
            working_memory=memory,
            graph=graph,
            usage=usage,
        )

    async def _run_temporal(
        self,
        entry: PipeEntry,
        memory: WorkingMemory,
        library: Library,
        mode: PipeRunMode,
        run_id: str,
        tracer: Any,
    ) -> PipeResult:
        from pipelex.backends.temporal.client import run_on_temporal

        _, result = await run_on_temporal(
            entry,
            memory,
            library,
            run_mode=mode,
            settings=self.settings,
            pipeline_run_id=run_id,
            observer=self,
            tracer=tracer,
        )
        return result


async def _run_direct(
    entry: PipeEntry,
    memory: WorkingMemory,
    library: Library,
    mode: PipeRunMode,
    settings: RunSettings,
    deck: ModelDeck,
    tracer: GraphTracer,
) -> PipeResult:
    from pipelex.backends.direct import run_in_process

    async with _provider_session(mode, deck):
        return await run_in_process(
            entry, memory, library, run_mode=mode, settings=settings, tracer=tracer, export_spans=True
        )


def _partial_output(
    run_id: str,
    entry: PipeEntry,
    mode: PipeRunMode,
    memory: WorkingMemory,
    tracer: GraphTracer,
    library: Library,
) -> PipelineOutput:
    """What a failed run did: the graph so far (the failure on its node), the memory so far, the usage so far.

    A direct run's memory is the one the run filled. A Temporal run's memory stayed on the workers: the outputs
    of the main pipe's finished steps are read back from the trace events.
    """
    graph = tracer.build()
    if tracer.backend == "temporal":
        memory = _memory_from_graph(memory, graph, library)
    return PipelineOutput(
        pipeline_run_id=run_id,
        pipe_code=entry.code,
        run_mode=mode,
        main_stuff=None,
        working_memory=memory,
        graph=graph,
        usage=roll_up(graph),
    )


def _memory_from_graph(inputs: WorkingMemory, graph: ExecutionGraph, library: Library) -> WorkingMemory:
    """The inputs, plus the outputs of the succeeded steps directly under the main pipe's node."""
    from pipelex.concepts.natives import ListContent
    from pipelex.concepts.values import ContentError, to_content

    memory = WorkingMemory(
        root=dict(inputs.root), aliases=dict(inputs.aliases), absences=dict(inputs.absences)
    )
    roots, children = graph.tree()
    for root in roots[:1]:
        for node in children.get(root.id, []):
            if node.status != "succeeded":
                continue
            for item in node.outputs:
                concept = library.concepts.concepts.get(item.concept)
                if concept is None or item.data is None:
                    continue
                try:
                    if item.multiplicity == "list" and isinstance(item.data, list):
                        content: Any = ListContent(
                            items=[to_content(v, concept, library.concepts) for v in item.data]
                        )
                    else:
                        content = to_content(item.data, concept, library.concepts)
                except ContentError:  # recorded data that no longer fits: the graph still has it
                    continue
                memory.store(item.name, Stuff(stuff_name=item.name, concept=concept.ref, content=content))
    return memory


def _provider_session(mode: PipeRunMode, deck: ModelDeck) -> contextlib.AbstractAsyncContextManager[object]:
    """Live runs share provider clients (closed at the end) and bound the calls in flight; dry runs need none."""
    if mode is not PipeRunMode.LIVE:
        return contextlib.nullcontext()
    from pipelex.inference.providers.session import provider_session

    return provider_session(max_concurrency=deck.policy.max_concurrency)


def store_result(memory: WorkingMemory, entry: PipeEntry, result: PipeResult) -> None:
    """Store a run's result in its memory (under its own name, or the pipe's code)."""
    if isinstance(result, Stuff):
        memory.store(result.stuff_name if result.stuff_name in memory.root else entry.code, result)
    else:
        memory.store(result.variable_name, result)


def _check_required(entry: PipeEntry, stuffs: dict[str, Stuff]) -> None:
    from pipelex.language.specs import ConceptSpec

    missing = [
        name
        for name, text in entry.blueprint.input_specs().items()
        if name not in stuffs and "." not in name and not ConceptSpec.parse(text).is_optional
    ]
    if missing:
        raise InputError(
            f"pipe {entry.code!r} needs the input(s) {', '.join(repr(m) for m in missing)}: give them "
            "with -i (a JSON/TOML file or inline JSON), or add --dry-run --mock-inputs to mock them",
            input_name=missing[0],
        )


def _merge(library: Library, sources: list[tuple[str, str | None]]) -> Library:
    texts = [(p.source_map.text, p.source_map.file) for p in library.bundles]
    return build_library([*texts, *sources])
