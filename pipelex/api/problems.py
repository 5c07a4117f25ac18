"""Errors as RFC 9457 problem documents: the one place pipelex errors become HTTP statuses.

| problem type (``urn:pipelex:problem:...``) | status | when |
|---|---|---|
| ``request-invalid`` | 422 | the body is not JSON or does not fit the request model (``errors`` names the fields) |
| ``bundle-invalid`` | 422 | ``/execute`` or ``/start`` got a bundle that does not validate (``diagnostics``) |
| ``input-invalid`` | 422 | an input is missing, unknown or does not fit the pipe's declared input |
| ``input-refused`` | 422 | an input references a local file or URL the server's ``[api]`` config does not allow |
| ``pipe-failed`` | 422 | a pipe of the run failed (``pipe_code``, ``error_type``) |
| ``pipe-func-refused`` | 422 | a live run of a bundle with a PipeFunc, and ``[api] allow_pipe_func`` is off |
| ``unauthorized`` | 401 | an API key is configured and the request has no valid ``Authorization: Bearer`` |
| ``not-found`` | 404 | no such route, or no such run (never started, or dropped from memory) |
| ``method-not-allowed`` | 405 | the route exists with another method |
| ``body-too-large`` | 413 | the body passes ``[api] max_body_bytes`` |
| ``too-many-runs`` | 429 | every slot of the run store holds a run still in progress |
| ``provider-failed`` | 502 | an AI provider call failed after its retries |
| ``provider-not-configured`` | 503 | a live run needs an AI provider this server does not have |
| ``backend-unavailable`` | 503 | Temporal is enabled and its server cannot be reached |
| ``server-misconfigured`` | 500 | the server's own configuration is wrong (details in its log only) |
| ``internal-error`` | 500 | a bug of ours (the traceback goes to the server log, never to the client) |

No problem document carries a traceback or a secret: ``detail`` is the error's own message, written
for the author of the request.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from pipelex.api.models import DiagnosticOut, FieldProblem, Problem
from pipelex.errors import (
    BundleInvalidError,
    BundleLoadError,
    ConfigError,
    InputError,
    PipelexError,
    PipeRunError,
    ProviderError,
)

logger = logging.getLogger("pipelex.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_PREFIX = "urn:pipelex:problem:"

_TITLES: dict[str, tuple[int, str]] = {
    "request-invalid": (422, "The request is invalid"),
    "bundle-invalid": (422, "The bundle does not validate"),
    "input-invalid": (422, "An input does not fit the pipe"),
    "input-refused": (422, "An input references a file or URL this server does not allow"),
    "pipe-failed": (422, "A pipe of the run failed"),
    "pipe-func-refused": (422, "This server does not call Python functions for live runs"),
    "bad-request": (400, "The request cannot be read"),
    "unauthorized": (401, "A valid API key is required"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "body-too-large": (413, "The request body is too large"),
    "unsupported-media-type": (415, "The request body must be JSON"),
    "too-many-runs": (429, "Too many runs in progress"),
    "provider-failed": (502, "An AI provider call failed"),
    "provider-not-configured": (503, "No AI provider is configured on this server"),
    "backend-unavailable": (503, "The Temporal backend cannot be reached"),
    "server-misconfigured": (500, "The server is misconfigured"),
    "internal-error": (500, "Internal error"),
}


# provider errors that say this server lacks something (a key, a provider, a local engine): 503
_SERVER_LACKS = frozenset(
    {"provider_not_configured", "provider_missing_key", "provider_no_model", "provider_engine_missing"}
)
# provider errors caused by what the request sent (an input the model cannot take): 422
_INPUT_FAULTS = frozenset({"provider_unsupported_input", "provider_no_text_layer", "provider_unsupported"})


def problem(kind: str, detail: str, *, instance: str, **extensions: Any) -> Problem:
    """A problem document of ``kind`` (a key of the table in the module docstring)."""
    from pipelex.redaction import redact

    status, title = _TITLES[kind]
    return Problem(
        type=PROBLEM_PREFIX + kind,
        title=title,
        status=status,
        detail=redact(detail),  # a provider's echo of a key, however encoded, never reaches a client
        instance=instance,
        **extensions,
    )


class ApiProblem(Exception):
    """Raised by the API's own code to answer with a problem document."""

    def __init__(self, kind: str, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.extensions = extensions

    def to_problem(self, instance: str) -> Problem:
        """The problem document of this error at ``instance``."""
        return problem(self.kind, self.detail, instance=instance, **self.extensions)


class InputRefusedError(InputError):
    """An input names a local file or a URL that the server's ``[api]`` config does not allow."""


def problem_for_exception(exc: BaseException, *, instance: str) -> Problem:
    """Map an error raised while serving a request to its problem document (complete over the error tree)."""
    if isinstance(exc, ApiProblem):
        return exc.to_problem(instance)
    if isinstance(exc, BundleInvalidError):
        diagnostics = [
            DiagnosticOut(
                error_type=d.error_type,
                message=d.message,
                file=d.file,
                line=d.line,
                pipe=d.pipe,
                field=d.field,
            )
            for d in exc.diagnostics
        ]
        return problem(
            "bundle-invalid",
            f"the bundle does not validate ({len(diagnostics)} problem(s)): fix them "
            "(see `diagnostics`; POST /v1/validate gives the full report)",
            instance=instance,
            diagnostics=diagnostics,
        )
    if isinstance(exc, BundleLoadError):
        diagnostic = DiagnosticOut(
            error_type="file_unreadable", message=str(exc), file=exc.file, line=exc.line
        )
        return problem("bundle-invalid", str(exc), instance=instance, diagnostics=[diagnostic])
    if isinstance(exc, InputRefusedError):
        return problem("input-refused", str(exc), instance=instance, errors=_input_field(exc))
    if isinstance(exc, InputError):
        return problem("input-invalid", str(exc), instance=instance, errors=_input_field(exc))
    if isinstance(exc, ProviderError):
        detail = str(exc).replace("run with --dry-run", 'send "dry_run": true')
        if exc.error_type in _SERVER_LACKS:
            return problem(
                "provider-not-configured",
                detail,
                instance=instance,
                pipe_code=exc.pipe_code,
                error_type=exc.error_type,
            )
        kind = "pipe-failed" if exc.error_type in _INPUT_FAULTS else "provider-failed"
        return problem(kind, detail, instance=instance, pipe_code=exc.pipe_code, error_type=exc.error_type)
    if isinstance(exc, PipeRunError):
        return problem(
            "pipe-failed", str(exc), instance=instance, pipe_code=exc.pipe_code, error_type=exc.error_type
        )
    from pipelex.inference.live.preflight import MissingKeyError

    if isinstance(exc, MissingKeyError):
        # a live run's pre-flight found provider keys missing on this server: the message names the variables
        detail = str(exc).replace("run with --dry-run", 'send "dry_run": true')
        return problem(
            "provider-not-configured", detail, instance=instance, error_type="provider_missing_key"
        )
    if isinstance(exc, ConfigError):
        logger.error("configuration error while serving %s: %s", instance, exc)
        return problem(
            "server-misconfigured",
            "the server's configuration is invalid; its operator can find the cause in the server log",
            instance=instance,
        )
    if isinstance(exc, PipelexError):  # another run failure (RunError and future subclasses)
        return problem("pipe-failed", str(exc), instance=instance, error_type=type(exc).__name__)
    incident = uuid.uuid4().hex[:12]
    logger.error("internal error %s while serving %s\n%s", incident, instance, _redacted_traceback(exc))
    return problem(
        "internal-error",
        f"an internal error occurred (incident {incident}); it was logged on the server",
        instance=instance,
    )


def _redacted_traceback(exc: BaseException) -> str:
    """The traceback of a bug, for the server log, with every secret redacted."""
    import traceback

    from pipelex.redaction import redact

    return redact("".join(traceback.format_exception(exc)))


def _input_field(exc: InputError) -> list[FieldProblem] | None:
    if exc.input_name is None:
        return None
    from pipelex.redaction import redact

    return [FieldProblem(field=f"body.inputs.{exc.input_name}", message=redact(str(exc)))]


def problem_responses(*kinds: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entries of the problem kinds a route may answer with."""
    responses: dict[int | str, dict[str, Any]] = {}
    for kind in kinds:
        status, title = _TITLES[kind]
        # app.py's OpenAPI hook files these schemas under application/problem+json
        entry = responses.setdefault(status, {"model": Problem, "description": title})
        if title not in entry["description"]:
            entry["description"] += f"; {title}"
    return responses
