"""The pipelex error tree: every error the package raises on purpose is defined here.

Every one derives from :class:`PipelexError`, split by audience (a test reads this tree and checks it against the
classes, so it stays true)::

    PipelexError
    ├── BundleError                   the bundle author's mistake (parse, schema, static validation)
    │   ├── BundleLoadError           a file cannot be read or is not a TOML document
    │   ├── BundleInvalidError        the bundle parsed but does not validate (carries diagnostics)
    │   └── ConceptCompileError       a concept's structure cannot become a content model
    ├── RunError                      a run failed
    │   ├── InputError                a caller's input does not fit the declared specs
    │   │   └── InputRefusedError     an input names a file or URL the server's [api] policy refuses
    │   ├── RunNotFoundError          no run has this id on the backend
    │   ├── RunCancelledError         the run was cancelled before it finished
    │   ├── PipeRunError              a pipe failed while running (carries the pipe code)
    │   │   ├── DryRunError           a dry run found a fault that only shows when running
    │   │   ├── ReadRefusedError      the run's IO policy refuses to read a file or URL
    │   │   ├── ReadFailedError       a file or URL the policy allows cannot be read
    │   │   ├── MockUnsatisfiableError  a dry-run mock cannot satisfy the concept's constraints
    │   │   ├── ProviderError         an AI provider call failed, or no provider is configured for a live leaf
    │   │   │   ├── ProviderCallFailed  a call failed for good (provider, model, HTTP status, reason)
    │   │   │   └── MissingKeyError   a live run needs provider keys that are not set (before anything runs)
    │   │   ├── LimitExceededError    a run passed one of the [limits] (list size, template budget, deadline, memory)
    │   │   │   ├── TemplateBudgetExceeded  a template render passed its step or output budget
    │   │   │   └── StorageFullError  a write would take the store past its quota ([storage] max_bytes)
    │   │   └── StorageUnavailableError  the object store cannot be reached or refuses the requests (S3)
    │   └── PayloadStoreError         a payload sent by reference (Temporal) is not in the payload store
    ├── ConfigError                   the configuration (pipelex.toml, model deck, environment) is wrong
    │   ├── MissingBaseUrlError       a backend of the deck has no base URL (neither its variable nor base_url)
    │   └── TemporalUnavailableError  the Temporal server cannot be reached or started
    └── UsageError                    a command-line argument is unusable (a path, a port), found before any work

Messages say what is wrong, where, and how to fix it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelex.diagnostics import Diagnostic


#: the how-to of an error that a dry run avoids, as the errors raised below the runner write it (the CLI's terms);
#: :class:`~pipelex.pipeline.runner.PipelexRunner` rewords it in its channel's terms (its ``dry_run_hint``)
DRY_RUN_FIX = "run with --dry-run"


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


class MissingBaseUrlError(ConfigError):
    """A backend has no base URL: neither its ``base_url_env`` variable nor its ``base_url`` is set."""

    def __init__(self, message: str, *, backend: str, variable: str | None) -> None:
        super().__init__(message)
        self.backend = backend
        self.variable = variable


class TemporalUnavailableError(ConfigError):
    """The Temporal server cannot be reached or started."""


class RunError(PipelexError):
    """A run failed."""


class InputError(RunError):
    """A caller's input does not fit the declared inputs of the pipe."""

    def __init__(self, message: str, *, input_name: str | None = None) -> None:
        super().__init__(message)
        self.input_name = input_name


class InputRefusedError(InputError):
    """An input names a local file or a URL that the server's ``[api]`` config does not allow."""


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


class ProviderCallFailed(ProviderError):
    """A provider call failed for good: names the provider (backend), model, HTTP status and reason."""

    def __init__(
        self,
        message: str,
        *,
        pipe_code: str,
        provider: str | None,
        model: str | None,
        status: int | None,
        reason: str,
        retryable: bool,
    ) -> None:
        super().__init__(message, pipe_code=pipe_code, error_type=f"provider_{reason}")
        self.provider = provider
        self.model = model
        self.status = status
        self.reason = reason
        self.retryable = retryable


class MissingKeyError(ProviderError):
    """A live run needs provider keys that are not set; ``variables`` names them (raised before anything runs)."""

    error_type = "provider_missing_key"

    def __init__(self, message: str, *, pipe_code: str | None, variables: list[str]) -> None:
        super().__init__(message, pipe_code=pipe_code)
        self.variables = variables


class LimitExceededError(PipeRunError):
    """A run asked for more than one of the ``[limits]`` allow (a list, a template render, the deadline, memory).

    ``limit`` is the setting's name (``max_list_items``, ``template_max_steps``, ...); ``value`` its value when
    known (the deadline's seconds, say).
    """

    error_type = "limit_exceeded"

    def __init__(
        self, message: str, *, limit: str, pipe_code: str | None = None, value: float | None = None
    ) -> None:
        super().__init__(message, pipe_code=pipe_code)
        self.limit = limit
        self.value = value


class TemplateBudgetExceeded(LimitExceededError):
    """A render asked for more than its budget (the message names the limit and the setting)."""


class StorageFullError(LimitExceededError):
    """A write would take the store past its quota (``[storage] max_bytes``; a server: ``[api] max_storage_bytes``),
    once the blobs older than its ``max_age_seconds`` are gone."""


class StorageUnavailableError(PipeRunError):
    """The object store cannot be reached, or refuses this process's requests (its endpoint, its bucket, its
    credentials): a fault of the store or of its settings, not of what the run was asked. A server answers a
    503 ``storage-unavailable`` that names neither the store nor its bucket (they are in its log)."""

    error_type = "storage_unavailable"


class PayloadStoreError(RunError):
    """A payload sent by reference cannot be found in the payload store."""


class UsageError(PipelexError):
    """A command-line argument cannot be used (a missing input file, an output folder that is a file, a port out
    of range...). Found before any work starts; the CLI exits with code 2."""


def too_many_digits(text: str, exc: BaseException) -> str | None:
    """The message for ``exc`` when it is Python's refusal to read an integer of more digits than
    ``sys.get_int_max_str_digits()`` (4,300 by default: ``tomllib`` and ``json`` raise a bare ``ValueError`` that
    tells to call ``sys.set_int_max_str_digits()``); else None. The message ends with the line and column of the
    first run of that many digits in ``text`` as ``(at line L, column C)``, a TOML error's form (the number,
    unless a string holding such a run comes first)."""
    import sys

    if not isinstance(exc, ValueError) or "integer string conversion" not in str(exc):
        return None
    import re

    limit = sys.get_int_max_str_digits()
    match = re.search(r"[0-9](?:_?[0-9]){" + str(limit) + ",}", text)  # TOML integers may hold underscores
    where = ""
    if match is not None:
        start = match.start()
        line = text.count("\n", 0, start) + 1
        where = f" (at line {line}, column {start - text.rfind(chr(10), 0, start)})"
    return (
        f"a number has more than {limit} digits, more than can be read: write it shorter, "
        f"or as a string if it is a code rather than a quantity{where}"
    )
