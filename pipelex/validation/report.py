"""Validation as a whole: parse, schema, resolution, static checks, and the dry-run sweep; one report."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from pipelex.config.deck import ModelDeck
from pipelex.config.run_settings import RunSettings
from pipelex.diagnostics import Diagnostic, ErrorType, Severity
from pipelex.language.library import Library
from pipelex.pipes.context import PipeRouter
from pipelex.pipes.in_process import InProcessRouter
from pipelex.pipes.inline import run_inline
from pipelex.validation.order import leaf_first
from pipelex.validation.static import callers_of_failures, check_library, pending_signatures
from pipelex.validation.sweep import PipeStatus, PipeVerdict, sweep

if TYPE_CHECKING:
    from pipelex.tracing.graph import ExecutionGraph


class ValidationReport(BaseModel):
    """The document ``pipelex validate --format json`` prints.

    :func:`validate_library` makes it from values it typed itself (``model_construct``): its validator and
    serialiser are built when a report is validated or dumped (``--format json``, the runner API), not by a
    ``validate`` that prints text.
    """

    model_config = ConfigDict(defer_build=True)

    is_valid: bool
    is_runnable: bool
    bundle_path: str | None = None
    total_pipes: int
    validated_pipes: list[PipeVerdict]
    pending_signatures: list[str] = Field(default_factory=lambda: [])
    errors: list[Diagnostic]
    warnings: list[Diagnostic]
    dry_run_sweep: bool

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return self.model_dump(mode="json")


def validate_library(
    library: Library,
    deck: ModelDeck,
    *,
    settings: RunSettings | None = None,
    run_sweep: bool = True,
    allow_signatures: bool = False,
    bundle_path: str | None = None,
    allowed_to_fail: frozenset[str] = frozenset(),
    only: list[str] | None = None,
    graphs: list[ExecutionGraph] | None = None,
    router: PipeRouter | None = None,
) -> ValidationReport:
    """Validate a library; report every problem. ``graphs`` collects the sweep's execution graphs when given.

    ``router`` decides where the sweep's dry runs run (in this process by default).
    """
    settings = settings or RunSettings()
    diagnostics = check_library(library, deck, settings.limits)
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    warnings = [d for d in diagnostics if d.severity is Severity.WARNING]
    failed = {d.pipe for d in errors if d.pipe}
    verdicts: list[PipeVerdict] = []
    if run_sweep:
        kept_graphs = len(graphs) if graphs is not None else 0

        def swept() -> Coroutine[Any, Any, list[PipeVerdict]]:
            return sweep(
                library,
                settings,
                router if router is not None else InProcessRouter(),
                failed_statically=failed,
                allowed_to_fail=allowed_to_fail,
                graphs=graphs,
                blocked=callers_of_failures(library, failed),
                allow_signatures=allow_signatures,
            )

        def forget_graphs() -> None:  # the graphs of an inline attempt, before it is run again in a loop
            if graphs is not None:
                del graphs[kept_graphs:]

        verdicts = _run_sweep(swept, forget_graphs, in_process=router is None)
    else:
        verdicts = [
            PipeVerdict.of(
                pipe_ref=e.ref,
                status=PipeStatus.FAILURE if e.code in failed else PipeStatus.SKIPPED,
                message=None if e.code in failed else "dry-run sweep not run",
            )
            for e in library.pipes.values()
        ]
    if only is not None:
        verdicts = [v for v in verdicts if v.pipe_ref in only or v.pipe_ref.rpartition(".")[2] in only]
    # a fault in a step fails the dry run of every controller above it too: the step first (the reference names it)
    failed_dry = {
        v.pipe_ref: v for v in verdicts if v.status is PipeStatus.FAILURE and v.error_type == "DryRunError"
    }
    for ref in leaf_first(library, list(failed_dry)) if len(failed_dry) > 1 else failed_dry:
        verdict = failed_dry[ref]
        entry = library.pipes.get(ref)
        errors.append(
            Diagnostic(
                error_type=ErrorType.DRY_RUN_ERROR,
                message=verdict.message or "dry run failed",
                file=entry.file if entry else None,
                line=entry.line if entry else None,
                pipe=entry.code if entry else ref,
            )
        )
    pending = pending_signatures(library)
    if pending and not allow_signatures:
        # a signature is a valid contract: the bundle is valid, but not runnable until each one has a body
        for ref in pending:
            entry = library.pipes[ref]
            warnings.append(
                Diagnostic(
                    error_type=ErrorType.NOT_RUNNABLE,
                    file=entry.file,
                    line=entry.line,
                    pipe=entry.code,
                    severity=Severity.WARNING,
                    message=f"pipe {ref!r} is a signature: valid but NOT yet runnable; replace it "
                    "with a concrete pipe of the same inputs and output (or pass "
                    "--allow-signatures to accept it while you sketch)",
                )
            )
    return ValidationReport.model_construct(
        is_valid=not errors,
        is_runnable=not errors and not pending,
        bundle_path=bundle_path,
        total_pipes=len(library.pipes),
        validated_pipes=verdicts,
        pending_signatures=pending,
        errors=errors,
        warnings=warnings,
        dry_run_sweep=run_sweep,
    )


def _run_sweep(
    swept: Callable[[], Coroutine[Any, Any, list[PipeVerdict]]],
    forget: Callable[[], None],
    *,
    in_process: bool,
) -> list[PipeVerdict]:
    """The sweep's verdicts. In this process its dry runs never wait (every leaf is a mock): it runs inline,
    without an event loop (see :mod:`pipelex.pipes.inline`; ``forget`` undoes an attempt it cannot finish there);
    through another router (Temporal) it needs asyncio."""
    if in_process:
        return run_inline(swept, on_loop=forget)
    import asyncio

    return asyncio.run(swept())
