"""The Temporal backend: controllers run as (child) workflows, inference leaves as activities on workers.

The backend decides only *where* a pipe runs; the pipe and leaf code is the same as the direct
backend's (:func:`pipelex.pipes.runtime.run_pipe`). The run mode rides in every activity payload,
so a dry run on Temporal really dispatches activities and they mock inside the worker.

Entry points (all importable from this package; temporalio is imported lazily, on first call)::

    async def run_pipeline_on_temporal(
        mthds_contents: list[str], *, inputs: dict[str, Any] | None = None, pipe_code: str | None = None,
        pipe_run_mode: PipeRunMode = PipeRunMode.LIVE, mock_inputs: bool = False,
        config: PipelexConfig | None = None, pipeline_run_id: str | None = None,
    ) -> PipelineOutput
        # Run a pipe of the bundle texts on Temporal and wait for it; the same PipelineOutput as the
        # direct backend (main_stuff, working_memory, graph, usage). Used by the API's /execute.
        # Raises BundleInvalidError / InputError before anything is dispatched, PipeRunError when a
        # pipe fails, TemporalUnavailableError (a ConfigError) when the server cannot be reached.

    async def start_pipeline_on_temporal(<same arguments>) -> str
        # Start the same run without waiting; returns the pipeline_run_id (used by the API's /start).

    async def get_pipeline_run_on_temporal(pipeline_run_id: str, *, config: PipelexConfig | None = None
                                           ) -> TemporalRunStatus
        # TemporalRunStatus: status "running" | "succeeded" | "failed", output: PipelineOutput | None,
        # error: str | None (used by the API's GET /runs/{id}).

    async def validate_on_temporal(
        mthds_contents: list[str], *, allow_signatures: bool = False, static_only: bool = False,
        config: PipelexConfig | None = None,
    ) -> TemporalValidationReport
        # The whole validation (static checks + the dry-run sweep) shipped to a worker as ONE activity,
        # ``act_dry_validate`` in the workflow ``WfDryValidate``; nothing nested is dispatched.
        # TemporalValidationReport is a ValidationReport (is_valid, validated_pipes, errors, warnings,
        # is_runnable, ...) plus ``graphs`` (pipe_ref -> ExecutionGraph of its dry run) and ``workflow_id``.

    @asynccontextmanager
    async def temporal_session(config: PipelexConfig | None = None) -> AsyncIterator[TemporalSession]
        # A client (and, with no address configured, an embedded dev server and an in-process worker)
        # kept for the duration of the block; the functions above reuse the active session of the
        # running event loop. A long-lived host (the HTTP API) should wrap its lifespan in it, so
        # /start runs keep progressing after the request returns.

Configuration: ``[temporal]`` in ``pipelex.toml`` (``is_enabled``, ``address`` -- empty means an embedded
local dev server --, ``namespace``, ``task_queue``, ``queue_by_kind``, ``queue_by_model``), with the
environment overrides ``PIPELEX_TEMPORAL_ADDRESS`` / ``_NAMESPACE`` / ``_TASK_QUEUE``.
See ``docs/temporal.md`` for the user-facing choices.
"""
