"""What the routes call: a run or a validation, on the direct backend (here) or on Temporal (``api/temporal.py``).

The API is an adapter: the work is :class:`~pipelex.pipeline.runner.PipelexRunner` and
:func:`~pipelex.validation.report.validate_library`. On the direct backend each run or sweep runs in
a worker thread of a pool of ``[api] max_concurrent_runs`` threads, with its own event loop, so that
parsing, static checks, the run and the serialisation of its result never hold the server's event
loop: ``/health`` and other requests keep being answered while runs compute. A result leaves the
thread as JSON bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from pipelex.api.models import (
    AbsenceOut,
    BackendName,
    ExecuteRequest,
    ExecuteResponse,
    StuffOut,
    UsageOut,
    ValidateRequest,
    ValidateResponse,
    WorkingMemoryOut,
)
from pipelex.api.problems import ApiProblem
from pipelex.api.security import InputPolicy
from pipelex.config.deck import ModelDeck, default_deck
from pipelex.config.settings import PipelexConfig
from pipelex.errors import BundleLoadError
from pipelex.memory.stuff import Absence
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner, PipelineOutput
from pipelex.tracing.graph import ExecutionGraph


class ApiBackend(Protocol):
    """Where the API's runs and validation sweeps happen."""

    name: BackendName

    async def execute(self, request: ExecuteRequest) -> bytes:
        """Run the request's pipe; return the :class:`ExecuteResponse` as JSON bytes (raise a pipelex error)."""
        ...

    async def validate(self, request: ValidateRequest) -> bytes:
        """Validate the request's bundles; return the :class:`ValidateResponse` as JSON bytes."""
        ...

    def serving(self) -> AbstractAsyncContextManager[None]:
        """Hold what the backend needs while the server runs (threads, a Temporal session); release it after."""
        ...


def bundle_sources(mthds_contents: list[str]) -> list[tuple[str, str | None]]:
    """The ``(text, file name)`` pairs of request bundles; diagnostics name them ``<bundle N>``."""
    return [(text, f"<bundle {i + 1}>") for i, text in enumerate(mthds_contents)]


def run_mode_of(request: ExecuteRequest) -> PipeRunMode:
    """The run mode a request asks for."""
    return PipeRunMode.DRY if request.dry_run else PipeRunMode.LIVE


def execute_response(output: PipelineOutput, *, backend: BackendName) -> ExecuteResponse:
    """The API document of a run's output."""
    main = output.main_stuff
    main_out: StuffOut | AbsenceOut | None
    if main is None:
        main_out = None
    elif isinstance(main, Absence):
        main_out = AbsenceOut.model_validate(main.to_json())
    else:
        main_out = StuffOut.model_validate(main.to_json())
    return ExecuteResponse(pipeline_run_id=output.pipeline_run_id, pipe_code=output.pipe_code, run_mode=output.run_mode,
                           backend=backend, main_stuff=main_out,
                           working_memory=WorkingMemoryOut.model_validate(output.working_memory.to_json()),
                           graph=output.graph, usage=UsageOut.model_validate(output.usage.to_json()))


def prepare_run(request: ExecuteRequest, config: PipelexConfig, deck: ModelDeck | None = None) -> PipelexRunner:
    """Load and check the bundle, shape the inputs and apply the input policy, before anything runs.

    Raises the core's errors (bundle invalid, unknown pipe, bad input) and :class:`InputRefusedError`.
    """
    from pipelex.memory.inputs import shape_inputs

    runner = PipelexRunner(mthds_content=request.mthds_contents, pipe_run_mode=run_mode_of(request),
                           settings=config.run_settings(), deck=deck)
    library = runner.load()
    entry = runner.pick_pipe(library, request.pipe_code)
    if not request.dry_run and not config.api.allow_pipe_func:
        funcs = [e.code for e in library.pipes.values() if e.blueprint.type == "PipeFunc"]
        if funcs:
            raise ApiProblem("pipe-func-refused", f"the bundle has PipeFunc pipe(s) ({', '.join(funcs)}): a live run "
                             "would import and call Python functions on this server, which its [api] config does "
                             "not allow (allow_pipe_func); send \"dry_run\": true, or run it with the CLI",
                             pipe_code=funcs[0])
    policy = InputPolicy(allow_local_files=config.api.allow_local_files, allow_urls=config.api.allow_urls,
                         allow_internal_urls=config.api.allow_internal_urls)
    policy.check(shape_inputs(request.inputs, entry, library, base_dir=None))
    return runner


def validate_texts(mthds_contents: list[str], config: PipelexConfig, deck: ModelDeck, *, allow_signatures: bool,
                   backend: BackendName = "direct") -> ValidateResponse:
    """The whole validation of bundle texts, in this thread: the report plus the sweep's graph."""
    from pipelex.language.library import build_library
    from pipelex.validation.diagnostics import Diagnostic, ErrorType
    from pipelex.validation.report import ValidationReport, validate_library
    from pipelex.validation.sweep import merge_sweep_graphs

    graphs: list[ExecutionGraph] = []
    try:
        library = build_library(bundle_sources(mthds_contents))
    except BundleLoadError as exc:
        unreadable = Diagnostic(error_type=ErrorType.FILE_UNREADABLE, message=str(exc), file=exc.file, line=exc.line)
        report = ValidationReport(is_valid=False, is_runnable=False, total_pipes=0, validated_pipes=[],
                                  errors=[unreadable], warnings=[], dry_run_sweep=False)
    else:
        report = validate_library(library, deck, settings=config.run_settings(), allow_signatures=allow_signatures,
                                  allowed_to_fail=frozenset(config.dry_run.allowed_to_fail_pipes), graphs=graphs)
    return ValidateResponse(**dict(report), graph=merge_sweep_graphs(graphs), backend=backend)


class DirectApiBackend:
    """Runs and sweeps in this process, each in a worker thread with its own event loop."""

    name: BackendName = "direct"

    def __init__(self, config: PipelexConfig, *, deck: ModelDeck | None = None) -> None:
        self.config = config
        self.deck = deck  # None: the runner's own deck for runs, the default deck for validation (as the CLI)
        self._pool = ThreadPoolExecutor(max_workers=config.api.max_concurrent_runs, thread_name_prefix="pipelex-run")

    async def execute(self, request: ExecuteRequest) -> bytes:
        """Run the pipe in a worker thread."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._execute, request)

    def _execute(self, request: ExecuteRequest) -> bytes:
        runner = prepare_run(request, self.config, self.deck)
        output = asyncio.run(runner.execute_pipeline(request.inputs, request.pipe_code,
                                                     mock_inputs=request.mock_inputs))
        return execute_response(output, backend=self.name).model_dump_json().encode()

    async def validate(self, request: ValidateRequest) -> bytes:
        """Validate in a worker thread."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._validate, request)

    def _validate(self, request: ValidateRequest) -> bytes:
        response = validate_texts(request.mthds_contents, self.config, self.deck or default_deck(),
                                  allow_signatures=request.allow_signatures, backend=self.name)
        return response.model_dump_json().encode()

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        """Stop the worker threads when the server stops (runs in progress finish first)."""
        try:
            yield
        finally:
            await asyncio.get_running_loop().run_in_executor(None, self._pool.shutdown)
