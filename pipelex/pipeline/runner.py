"""``PipelexRunner``: load a bundle, shape the inputs, run a pipe, return its output, memory, graph and usage."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pipelex.backends.protocol import Backend, PipelineOutput, PreparedRun, build_output, store_result
from pipelex.boot import Pipelex
from pipelex.config.deck import ModelDeck, deck_for
from pipelex.config.run_settings import RunSettings
from pipelex.diagnostics import Severity
from pipelex.errors import DRY_RUN_FIX, BundleInvalidError, InputError, PipelexError
from pipelex.inference.leaf import Generators
from pipelex.inference.live.runtime import LiveRuntime
from pipelex.language.library import Library, PipeEntry, build_library
from pipelex.language.loader import load_library
from pipelex.memory.stuff import PipeResult, Stuff, WorkingMemory
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.record import replace
from pipelex.validation.static import check_library

if TYPE_CHECKING:
    from pipelex.config.settings import PipelexConfig
    from pipelex.tracing.tracer import GraphTracer

__all__ = ["PipelexRunner", "PipelineOutput", "store_result"]


class PipelexRunner:
    """Runs pipes of a bundle (a file, bundle text, or library folders) on a :class:`Backend`.

    ``backend``: a :class:`~pipelex.backends.protocol.Backend`, or its name (``"direct"``, ``"temporal"``); by
    default the configured one (``[temporal] is_enabled``). The runner validates and shapes once
    (:meth:`prepare`), then hands the prepared run to the backend; it never asks which backend it holds.

    Its runs use the configuration it is given, and only that one: ``config`` (default: the booted one, read
    once, here) gives the backend, the run settings (with the ``[limits]``), the model deck, the store and the
    tracing; ``settings`` and ``deck`` replace the config's own. They travel with each run to its leaves (the
    run's generators), so two runners of different configurations may run side by side in one process.
    """

    def __init__(
        self,
        bundle_uri: str | Path | None = None,
        *,
        mthds_content: str | list[str] | None = None,
        library_dirs: list[str | Path] | str | Path | None = None,
        pipe_run_mode: PipeRunMode = PipeRunMode.LIVE,
        settings: RunSettings | None = None,
        deck: ModelDeck | None = None,
        backend: Backend | Literal["direct", "temporal"] | None = None,
        config: PipelexConfig | None = None,
        inputs_hint: str | None = None,
        dry_run_hint: str | None = None,
        pipe_hint: str | None = None,
    ) -> None:
        from pipelex.backends import backend_for

        self.config = config if config is not None else Pipelex.config()
        self.backend: Backend = (
            backend_for(backend if isinstance(backend, str) else None, self.config)
            if backend is None or isinstance(backend, str)
            else backend
        )
        self.bundle_uri = Path(bundle_uri) if bundle_uri is not None else None
        if isinstance(mthds_content, bytes | bytearray):  # a list of its byte values otherwise
            raise TypeError("mthds_content is bytes: give the bundle's text as a str (.decode('utf-8'))")
        self.mthds_content = [mthds_content] if isinstance(mthds_content, str) else list(mthds_content or [])
        for index, text in enumerate(self.mthds_content):
            if not _is_text(text):
                raise TypeError(
                    f"mthds_content[{index}] is {type(text).__name__}: give each bundle's text as a str"
                    + (" (bytes: .decode('utf-8'))" if isinstance(text, bytes) else "")
                )
        # one folder given as itself, not as a list: a str is not read as a list of one-character paths
        dirs = [library_dirs] if isinstance(library_dirs, str | Path) else library_dirs or []
        self.library_dirs = [Path(d) for d in dirs]
        self.pipe_run_mode = _run_mode(pipe_run_mode)
        self.settings = settings or self.config.run_settings()
        self.deck = deck or deck_for(self.config)
        # how the caller gives inputs, as a missing input's error says it ("give them <hint>"): each channel names its
        # own way (the CLI its flags, the API and MCP their fields); a program calling the runner, its arguments
        self.inputs_hint = inputs_hint or PYTHON_INPUTS_HINT
        # the same for how to ask for a dry run (the fix of a live run with no provider key: "or <hint>") and how to
        # name the pipe to run ("name the pipe to run <hint>")
        self.dry_run_hint = dry_run_hint or PYTHON_DRY_RUN_HINT
        self.pipe_hint = pipe_hint or PYTHON_PIPE_HINT
        # the run's content generators: the live one calls providers with this deck and stores in this store, its
        # replies bounded by the run's [limits] (settings given by the caller win over the config's)
        self.generators = Generators(
            live=LiveRuntime.of(self.config, self.deck, max_reply_bytes=self.settings.limits.max_reply_bytes)
        )
        self._library: Library | None = None
        # children of one controller the graph holds in memory ([tracing]); the others are folded to disk
        self.graph_children_in_memory: int | None = (
            self.config.tracing.graph_children_in_memory
        )  # None: never fold
        # the tracer of the run in progress, read by progress displays (on Temporal it answers with the
        # progress polled from the workflow until the run's events come back)
        self.current_tracer: GraphTracer | None = None
        # what the last run did if it failed (also on the error, as ``partial_output``); None after a success
        self.failed_output: PipelineOutput | None = None

    def load(self) -> Library:
        """Load and statically validate the library; raise :class:`BundleInvalidError` listing every problem."""
        if self._library is not None:
            return self._library
        paths = [*self.library_dirs, *([self.bundle_uri] if self.bundle_uri else [])]
        if not paths and not self.mthds_content:
            raise InputError(
                "the runner was given no bundle: pass `bundle_uri` (a .mthds file), `mthds_content` (a bundle's "
                "text) or `library_dirs` (folders of bundles)"
            )
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
        if len(set(codes)) < len(codes):  # a code in two domains: list the refs, which tell them apart
            codes = list(library.pipes)
        listed = (
            f"its pipes: {', '.join(codes[:20])}{f' and {len(codes) - 20} more' if len(codes) > 20 else ''}"
            if codes
            else "it declares no pipe: add a [pipe.<code>] table (docs/language.md)"
        )
        if not _is_text_or_none(pipe_code):  # a program's argument: nothing typed it
            raise InputError(
                f"the pipe to run is given as {type(pipe_code).__name__}: name it by its code (or domain.code) "
                f"{self.pipe_hint}; {listed}"
            )
        if pipe_code is None:
            entry = library.main_pipe
            if entry is None:
                # the file when there is one; a library's bundles: none of them declares one
                if self.bundle_uri is not None:
                    where = f"the bundle {self.bundle_uri} has no `main_pipe`"
                elif self.library_dirs:
                    where = "the library has no `main_pipe` (none of its bundles declares one)"
                else:
                    where = "the bundle has no `main_pipe`"
                raise InputError(f"{where}: name the pipe to run {self.pipe_hint}; {listed}")
            return entry
        entry = library.resolve_pipe(pipe_code)
        if entry is None:
            where = "library" if self.library_dirs else "bundle"
            refs = library.pipe_refs_of_code(pipe_code)
            if len(refs) > 1:
                raise InputError(
                    f"pipe {pipe_code!r} names pipes of more than one domain of the {where} ({', '.join(refs)}): "
                    "name the one to run as domain.code"
                )
            raise InputError(f"pipe {pipe_code!r} is not in the {where}; {listed}")
        return entry

    def prepare(
        self,
        inputs: dict[str, Any] | None = None,
        pipe_code: str | None = None,
        *,
        mock_inputs: bool = False,
        inputs_base_dir: Path | None = None,
        check_inputs: Callable[[dict[str, Stuff]], None] | None = None,
    ) -> PreparedRun:
        """Everything before a run, once: the mode, the validated library, the pipe, the memory holding the
        shaped inputs, and the backend's own checks (a missing provider key, where keys are read).

        ``check_inputs``: called with the shaped inputs before anything reads them (the API's input policy).
        """
        try:
            return self._prepare(
                inputs,
                pipe_code,
                mock_inputs=mock_inputs,
                inputs_base_dir=inputs_base_dir,
                check_inputs=check_inputs,
            )
        except PipelexError as exc:
            self._in_channel_terms(exc)
            raise

    def _in_channel_terms(self, exc: PipelexError) -> None:
        """Reword the how-to of an error raised below the runner (written in the CLI's terms, ``DRY_RUN_FIX``) in
        this runner's channel's terms (``dry_run_hint``): a program is not told to pass a CLI flag."""
        message = exc.args[0] if len(exc.args) == 1 else None
        if isinstance(message, str) and DRY_RUN_FIX in message and self.dry_run_hint != DRY_RUN_FIX:
            exc.args = (message.replace(DRY_RUN_FIX, self.dry_run_hint),)

    def _prepare(
        self,
        inputs: dict[str, Any] | None = None,
        pipe_code: str | None = None,
        *,
        mock_inputs: bool = False,
        inputs_base_dir: Path | None = None,
        check_inputs: Callable[[dict[str, Stuff]], None] | None = None,
    ) -> PreparedRun:
        from pipelex.memory.inputs import caller_urls, check_local_files, shape_inputs
        from pipelex.memory.inputs import mock_inputs as make_mock_inputs
        from pipelex.narrowing import is_dict

        mode = Pipelex.effective_run_mode(self.pipe_run_mode)
        if mock_inputs and mode is not PipeRunMode.DRY:
            raise InputError(f"mock inputs are only for dry runs: {self.dry_run_hint}, or give every input")
        given: object = inputs  # a program's argument: nothing typed it (the API and MCP read a JSON object)
        if given is not None and not (is_dict(given) and all(isinstance(name, str) for name in given)):
            raise InputError(
                f"the inputs are given as {type(given).__name__}"
                f"{' with a name that is not a string' if is_dict(given) else ''}: give a dict mapping "
                "each input's name (a string) to its value"
            )
        library = self.load()
        entry = self.pick_pipe(library, pipe_code)
        stuffs = shape_inputs(
            inputs or {}, entry, library, base_dir=inputs_base_dir, limits=self.settings.limits
        )
        if check_inputs is not None:  # the caller's inputs, before anything reads them (mocks are ours)
            check_inputs(stuffs)
        check_local_files(stuffs, self.settings.io_policy)
        # the URLs the caller named are the ones the run may fetch (unless its policy lets it fetch those it builds)
        settings = self.settings
        if settings.io_policy.fetches_named_only:
            settings = replace(settings, io_policy=settings.io_policy.naming(caller_urls(stuffs)))
        if mock_inputs:
            stuffs.update(make_mock_inputs(entry, library, stuffs, nb_list_items=self.settings.nb_list_items))
        _check_required(entry, stuffs, self.inputs_hint)
        # what the run needs beside its leaves is its generator's: live, data URL inputs go into the run's store
        stuffs = self.generators.for_mode(mode).prepare_inputs(stuffs)
        run = PreparedRun(
            run_id=self.backend.new_run_id(),
            entry=entry,
            library=library,
            memory=WorkingMemory.with_inputs(stuffs),
            mode=mode,
            settings=settings,
            deck=self.deck,
            generators=self.generators,
            config=self.config,
            graph_children_in_memory=self.graph_children_in_memory,
        )
        self.backend.check(run)
        return run

    async def execute_pipeline(
        self,
        inputs: dict[str, Any] | None = None,
        pipe_code: str | None = None,
        *,
        mock_inputs: bool = False,
        inputs_base_dir: Path | None = None,
    ) -> PipelineOutput:
        """Run ``pipe_code`` (default: ``main_pipe``) with ``inputs``; return the output, memory, graph, usage."""
        run = self.prepare(inputs, pipe_code, mock_inputs=mock_inputs, inputs_base_dir=inputs_base_dir)
        return await self.execute_prepared(run)

    async def execute_prepared(
        self, run: PreparedRun, *, ended: Callable[[], None] | None = None
    ) -> PipelineOutput:
        """Run a prepared run on the runner's backend and wait; keep what it did if it fails (``failed_output``).

        ``ended``: called once the run has ended well, before its graph is built (the CLI's one-command process
        freezes the collector's objects there: what the run made lives until the process ends)."""
        if run.mode is PipeRunMode.LIVE:  # a live run logs (its providers, its reads): printed escaped
            from pipelex.logtext import escape_pipelex_records

            escape_pipelex_records()
        tracer = self.backend.tracer(run)
        self.current_tracer = tracer
        self.failed_output = None
        result: PipeResult
        try:
            async with self.backend.session():
                result = await self.backend.run(run, tracer)
        except BaseException as exc:  # noqa: BLE001 - re-raised: only what the run did is kept
            graph = tracer.build()
            self.failed_output = build_output(
                run_id=run.run_id,
                entry=run.entry,
                mode=run.mode,
                memory=self.backend.memory_so_far(run, graph),
                graph=graph,
                result=None,
            )
            if isinstance(exc, PipelexError):
                exc.partial_output = self.failed_output
                self._in_channel_terms(exc)
            raise
        if ended is not None:
            ended()
        return build_output(
            run_id=run.run_id,
            entry=run.entry,
            mode=run.mode,
            memory=run.memory,
            graph=tracer.build(),
            result=result,
        )

    async def start_pipeline(
        self,
        inputs: dict[str, Any] | None = None,
        pipe_code: str | None = None,
        *,
        mock_inputs: bool = False,
        inputs_base_dir: Path | None = None,
    ) -> str:
        """Start a run on the runner's backend without waiting; return its run id (read it with the backend's
        ``status``). On Temporal the run id is the workflow id and the run outlives this process."""
        run = self.prepare(inputs, pipe_code, mock_inputs=mock_inputs, inputs_base_dir=inputs_base_dir)
        async with self.backend.session():
            return await self.backend.start(run)


#: how a program calling :class:`PipelexRunner` gives inputs (the default ``inputs_hint``)
PYTHON_INPUTS_HINT = "in `inputs`, or mock them with `mock_inputs=True` in a dry run"
#: how it asks for a dry run (the default ``dry_run_hint``), and names the pipe to run (``pipe_hint``)
PYTHON_DRY_RUN_HINT = "run with `pipe_run_mode=PipeRunMode.DRY`"
PYTHON_PIPE_HINT = "with `pipe_code=...`"


def _run_mode(mode: object) -> PipeRunMode:
    """``pipe_run_mode`` as a :class:`PipeRunMode` (its value, ``"dry"`` or ``"live"``, is one too)."""
    if isinstance(mode, PipeRunMode):
        return mode
    if isinstance(mode, str) and mode in PipeRunMode._value2member_map_:
        return PipeRunMode(mode)
    raise ValueError(
        f"pipe_run_mode {mode!r} is not a run mode: give PipeRunMode.LIVE or PipeRunMode.DRY ('live' or 'dry')"
    )


def _is_text_or_none(value: object) -> bool:
    """A program's argument: typed, but nothing checked it."""
    return value is None or _is_text(value)


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _check_required(entry: PipeEntry, stuffs: dict[str, Stuff], hint: str) -> None:
    from pipelex.language.specs import ConceptSpec

    missing = [
        name
        for name, text in entry.blueprint.input_specs().items()
        if name not in stuffs and "." not in name and not ConceptSpec.parse(text).is_optional
    ]
    if missing:
        raise InputError(
            f"pipe {entry.code!r} needs the input(s) {', '.join(repr(m) for m in missing)}: give them {hint}",
            input_name=missing[0],
        )


def _merge(library: Library, sources: list[tuple[str, str | None]]) -> Library:
    texts = [(p.source_map.text, p.source_map.file) for p in library.bundles]
    return build_library([*texts, *sources])
