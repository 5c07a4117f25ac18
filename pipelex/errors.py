"""The pipelex error tree.

Every error the package raises on purpose derives from :class:`PipelexError`, split by audience::

    PipelexError
    ├── BundleError               the bundle author's mistake (parse, schema, static validation)
    │   ├── BundleLoadError       a file cannot be read or is not a TOML document
    │   ├── BundleInvalidError    the bundle parsed but does not validate (carries diagnostics)
    │   └── ConceptCompileError   a concept's structure cannot become a content model
    ├── RunError                  a run failed
    │   ├── InputError            a caller's input does not fit the declared specs
    │   ├── PipeRunError          a pipe failed while running (carries the pipe code)
    │   │   ├── DryRunError       a dry run found a fault that only shows when running
    │   │   ├── ReadRefusedError  the run's IO policy refuses to read a file or URL
    │   │   ├── ReadFailedError   a file or URL the policy allows cannot be read
    │   │   └── LimitExceededError a run passed one of the [limits] (list size, template budget, deadline, memory)
    │   ├── MockUnsatisfiableError a dry-run mock cannot satisfy the concept's constraints
    │   ├── RunNotFoundError      no run has that id on this backend (never started, or not ours)
    │   └── RunCancelledError     the run was cancelled before it finished
    ├── ConfigError               the configuration (pipelex.toml, model deck, environment) is wrong
    └── UsageError                a command-line argument is unusable (a path, a port), found before any work

Messages say what is wrong, where, and how to fix it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelex.diagnostics import Diagnostic


class PipelexError(Exception):
    """The root of every error pipelex raises on purpose.

    ``partial_output``: set by :class:`~pipelex.pipeline.runner.PipelexRunner` when a run fails after it
    started: a ``PipelineOutput`` (no main output) with the graph so far (the failure on the node that failed),
    the working memory so far and the usage so far.
    """

    partial_output: Any = None


class BundleError(PipelexError):
    """The bundle author's mistake."""


class BundleLoadError(BundleError):
    """A bundle file cannot be read, decoded or parsed as TOML."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.line = line


class BundleInvalidError(BundleError):
    """The bundle does not validate; ``diagnostics`` lists every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        lines = [d.render() for d in diagnostics]
        super().__init__(
            f"The bundle does not validate ({len(diagnostics)} problem(s)):\n" + "\n".join(lines)
        )


class ConceptCompileError(BundleError):
    """A concept's structure cannot be compiled to a content model (e.g. a refused field name)."""


class ConfigError(PipelexError):
    """The configuration is wrong or incomplete."""


class RunError(PipelexError):
    """A run failed."""


class InputError(RunError):
    """A caller's input does not fit the declared inputs of the pipe."""

    def __init__(self, message: str, *, input_name: str | None = None) -> None:
        super().__init__(message)
        self.input_name = input_name


class RunNotFoundError(RunError):
    """No run has this id on the backend (never started here, a mistyped id, or an id that is not a run)."""

    def __init__(self, message: str, *, run_id: str) -> None:
        super().__init__(message)
        self.run_id = run_id


class RunCancelledError(RunError):
    """The run was cancelled (by its caller, or on the Temporal server) before it finished."""

    error_type: str = "run_cancelled"

    def __init__(self, message: str, *, run_id: str) -> None:
        super().__init__(message)
        self.run_id = run_id


class PipeRunError(RunError):
    """A pipe failed while running."""

    error_type: str = "pipe_run_failed"

    def __init__(self, message: str, *, pipe_code: str | None = None, error_type: str | None = None) -> None:
        super().__init__(message)
        self.pipe_code = pipe_code
        if error_type is not None:
            self.error_type = error_type


class DryRunError(PipeRunError):
    """A fault that only shows when the pipe runs (found by a dry run)."""

    error_type = "DryRunError"


class ReadRefusedError(PipeRunError):
    """The run's IO policy refuses to read a reference (a local file, a URL, an internal address).

    ``reason`` is the :class:`~pipelex.io.policy.RefusalReason` value.
    """

    error_type = "read_refused"

    def __init__(self, message: str, *, pipe_code: str | None = None, reason: str = "refused") -> None:
        super().__init__(message, pipe_code=pipe_code)
        self.reason = reason


class ReadFailedError(PipeRunError):
    """A reference the IO policy allows cannot be read. The message never says why at the network level."""

    error_type = "input_unreadable"


class MockUnsatisfiableError(PipeRunError):
    """A dry-run mock cannot be built that satisfies the concept's constraints."""

    error_type = "mock_unsatisfiable"


class ProviderError(PipeRunError):
    """An AI provider call failed, or no provider is configured for a live leaf."""

    error_type = "provider_error"


class LimitExceededError(PipeRunError):
    """A run asked for more than one of the ``[limits]`` allow (a list, a template render, the deadline, memory).

    ``limit`` is the setting's name (``max_list_items``, ``template_max_steps``, ...).
    """

    error_type = "limit_exceeded"

    def __init__(self, message: str, *, limit: str, pipe_code: str | None = None) -> None:
        super().__init__(message, pipe_code=pipe_code)
        self.limit = limit


class UsageError(PipelexError):
    """A command-line argument cannot be used (a missing input file, an output folder that is a file, a port out
    of range...). Found before any work starts; the CLI exits with code 2."""
