"""Errors as RFC 9457 problem documents: the one place pipelex errors become HTTP statuses.

| kind | status | code (MTHDS registry) | when |
|---|---|---|---|
| ``request-invalid`` | 422 | ``request.invalid`` (``request.malformed``: not JSON) | the body is not JSON or does not fit the request model (``errors`` names the fields) |
| ``bundle-invalid`` | 422 | ``method.invalid`` | ``/execute`` or ``/start`` got a bundle that does not validate (``diagnostics``) |
| ``input-invalid`` | 422 | ``input.*`` (missing, unexpected, wrong concept/multiplicity, invalid) or ``request.pipe_*`` | an input is missing, unknown or does not fit the pipe's declared input |
| ``input-refused`` | 422 | ``security.input_url_refused`` / ``security.input_path_refused`` | an input references a local file or URL the server's ``[api]`` config does not allow |
| ``pipe-failed`` | 422 | ``pipe.*`` by ``error_type``, else ``run.failed`` | a pipe of the run failed (``pipe_code``, ``error_type``) |
| ``pipe-func-refused`` | 422 | ``runtime.unsupported`` | a live run of a bundle with a PipeFunc, and ``[api] allow_pipe_func`` is off |
| ``unauthorized`` | 401 | ``auth.missing_credential`` / ``auth.invalid_credential`` | an API key is configured and the request has no valid ``Authorization: Bearer`` |
| ``not-found`` | 404 | ``request.not_found`` (a route) / ``run.not_found`` (a run) | no such route, or no such run (never started, or dropped from memory) |
| ``run-cancelled`` | 409 | ``run.cancelled`` | the problem of a run cancelled with ``POST /v1/runs/{id}/cancel`` (or on the Temporal server) |
| ``run-already-ended`` | 409 | ``run.already_ended`` | ``POST /v1/runs/{id}/cancel`` of a run that had already ended |
| ``method-not-allowed`` | 405 | ``request.method_not_allowed`` | the route exists with another method |
| ``body-too-large`` | 413 | ``request.too_large`` | the body passes ``[api] max_body_bytes`` |
| ``storage-unavailable`` | 503 | ``runtime.unavailable`` | the server's object store (S3) cannot be reached or refuses its requests (the store and its bucket are named in the server log only) |
| ``storage-full`` | 507 | ``account.quota_exhausted`` | a write (a blob upload, a run's stored input or image) would pass the store's quota, ``[api] max_storage_bytes`` |
| ``too-many-runs`` | 429 | ``runtime.unavailable`` | every slot of the run store holds a run still in progress |
| ``server-busy`` | 503 | ``runtime.unavailable`` | the requests in progress (bodies, blobs, uploads) and the runs started with ``/v1/start`` already fill ``[api] max_held_body_bytes`` (``Retry-After``) |
| ``run-limit-exceeded`` | 422 | ``run.timed_out``, ``pipe.template_budget_exceeded``, ``input.too_large`` | the run passed a ``[limits]`` bound: deadline, template budget, memory ceiling, batch size, stored result (``limit``) |
| ``request-timeout`` | 408 | ``request.malformed`` | the request body stalled or took longer than ``[limits] request_body_seconds`` |
| ``provider-failed`` | 502 | ``provider.*`` by ``error_type`` | an AI provider call failed after its retries |
| ``provider-not-configured`` | 503 | ``runtime.misconfigured`` | a live run needs an AI provider this server does not have |
| ``backend-unavailable`` | 503 | ``runtime.unavailable`` | Temporal is enabled and its server cannot be reached |
| ``server-misconfigured`` | 500 | ``runtime.misconfigured`` | the server's own configuration is wrong (details in its log only) |
| ``internal-error`` | 500 | ``runtime.unexpected`` | a bug of ours (the traceback goes to the server log, never to the client) |

No problem document carries a traceback or a secret: ``detail`` is the error's own message, written
for the author of the request.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from pipelex.api.models import DiagnosticOut, Problem, ProblemItemOut
from pipelex.errors import (
    BundleInvalidError,
    BundleLoadError,
    ConfigError,
    InputError,
    InputRefusedError,
    LimitExceededError,
    PipelexError,
    PipeRunError,
    ProviderError,
    RunCancelledError,
    RunNotFoundError,
    StorageFullError,
    StorageUnavailableError,
)

logger = logging.getLogger("pipelex.api")

# an address a provider's failure may name: a URL; an IPv4 address (a port after it or not); an IPv6 one in brackets;
# a host name with a port (``llm-gw.corp.internal:4000``, ``localhost:8000``). Linear: a name starts where no name
# goes on before it (the look-behinds), so a long run of labels is tried once, and a bracket's span is bounded
_URL = re.compile(
    r"\b[a-z][a-z0-9+.-]{0,31}://[^\s'\"()<>]+"
    r"|(?<![\w.:-])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w.])"
    r"|\[[0-9a-f]{0,4}:[0-9a-f:.]{1,44}(?:%[\w.-]{1,32})?\](?::\d{1,5})?"
    r"|(?<![\w.:-])(?:localhost|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z][a-z0-9-]*):\d{1,5}(?![\w.])",
    re.IGNORECASE,
)


def served_provider_detail(text: str, instance: str) -> str:
    """A provider failure as a caller of the server reads it: without the addresses it names. The hints name the
    model server the operator configured (``nothing answered at http://10.0.3.7:8000/v1``, ``the key was refused
    by ...``), an internal gateway a key holder has no business learning, nor whether it answers; the server log
    keeps the whole message for the operator."""
    withheld = _URL.sub("<address withheld>", text)
    if withheld != text:
        logger.warning("a provider call failed while serving %s: %s", instance, text)
    return withheld


PROBLEM_MEDIA_TYPE = "application/problem+json"

_TITLES: dict[str, tuple[int, str]] = {
    "request-invalid": (422, "The request is invalid"),
    "bundle-invalid": (422, "The bundle does not validate"),
    "tree-refused": (422, "The method tree is refused"),
    "blobs-missing": (422, "A file sent by hash is not held by this server"),
    "input-invalid": (422, "An input does not fit the pipe"),
    "input-refused": (422, "An input references a file or URL this server does not allow"),
    "pipe-failed": (422, "A pipe of the run failed"),
    "pipe-func-refused": (422, "This server does not call Python functions for live runs"),
    "unsupported": (422, "This server does not support a field of the request"),
    "bad-request": (400, "The request cannot be read"),
    "unauthorized": (401, "A valid API key is required"),
    "forbidden": (403, "The request is not allowed"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "run-not-finished": (409, "The run has not finished yet"),
    "run-failed": (409, "The run failed"),
    "run-cancelled": (409, "The run was cancelled"),
    "run-already-ended": (409, "The run has already ended"),
    "body-too-large": (413, "The request body is too large"),
    "unsupported-media-type": (415, "The request body must be JSON"),
    "storage-full": (507, "The server's storage is full"),
    "storage-unavailable": (503, "The server's object store cannot be reached"),
    "too-many-runs": (429, "Too many runs in progress"),
    "run-limit-exceeded": (422, "The run passed a limit of this server"),
    "request-timeout": (408, "The request body was not received in time"),
    "provider-failed": (502, "An AI provider call failed"),
    "provider-not-configured": (503, "No AI provider is configured on this server"),
    "backend-unavailable": (503, "The Temporal backend cannot be reached"),
    "server-busy": (503, "The server holds as many requests as it can: retry shortly"),
    "server-misconfigured": (500, "The server is misconfigured"),
    "internal-error": (500, "Internal error"),
}


# provider errors that say this server lacks something (a key, a provider, a local engine): 503
_SERVER_LACKS = frozenset(
    {"provider_not_configured", "provider_missing_key", "provider_no_model", "provider_engine_missing"}
)
# provider errors caused by what the request sent (an input the model cannot take): 422
_INPUT_FAULTS = frozenset({"provider_unsupported_input", "provider_no_text_layer", "provider_unsupported"})


def problem(
    kind: str,
    detail: str,
    *,
    instance: str,
    code: str | None = None,
    params: dict[str, Any] | None = None,
    errors: list[Any] | None = None,
    **extensions: Any,
) -> Problem:
    """A problem document of ``kind`` (a key of the table in the module docstring).

    ``code`` is the MTHDS registry code (default: the kind's); ``params`` its parameters (only those the
    code declares are kept); ``errors`` the faults, as :class:`ProblemItemOut` or plain dicts.
    """
    from pipelex.api.codes import KIND_CODES, core_members
    from pipelex.redaction import redact

    status, title = _TITLES[kind]
    members = core_members(code or KIND_CODES[kind], params)
    items = [e if isinstance(e, ProblemItemOut) else ProblemItemOut.model_validate(e) for e in errors or []]
    return Problem(
        title=title,
        status=status,
        detail=redact(detail),  # a provider's echo of a key, however encoded, never reaches a client
        instance=instance,
        kind=kind,
        errors=items or None,
        **members,
        **extensions,
    )


class ApiProblem(Exception):
    """Raised by the API's own code to answer with a problem document."""

    def __init__(
        self, kind: str, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.headers = headers
        self.extensions = extensions

    def to_problem(self, instance: str) -> Problem:
        """The problem document of this error at ``instance``."""
        return problem(self.kind, self.detail, instance=instance, **self.extensions)


_TEMPLATE_OPERATIONS = {
    "template_max_steps": "loop",
    "template_max_output_chars": "output",
    "template_max_int_bits": "repeat",
}


def limit_problem(
    detail: str,
    *,
    limit: str,
    instance: str,
    pipe_code: str | None = None,
    value: float | None = None,
    **extensions: Any,
) -> Problem:
    """The ``run-limit-exceeded`` problem of the ``[limits]`` setting ``limit`` (``value``: its value, if known),
    with the core code of the fault: ``run.timed_out``, ``pipe.template_budget_exceeded``, else ``input.too_large``."""
    if limit == "run_deadline_seconds":
        code, params = "run.timed_out", {"timeout": value}
    elif limit in _TEMPLATE_OPERATIONS:
        code, params = (
            "pipe.template_budget_exceeded",
            {"pipe": pipe_code, "operation": _TEMPLATE_OPERATIONS[limit]},
        )
    else:
        code, params = "input.too_large", {"limit": value}
    params = {k: v for k, v in params.items() if v is not None}
    return problem(
        "run-limit-exceeded",
        detail,
        instance=instance,
        code=code,
        params=params or None,
        limit=limit,
        pipe_code=pipe_code,
        **extensions,
    )


def diagnostic_item(d: Any, *, rename: Any = None) -> ProblemItemOut:
    """A validation diagnostic as a protocol problem item: its code, and our file/line/pipe/field in ``location``."""
    from pipelex.api.codes import code_for_error_type, declared_params

    file = rename(d.file) if rename is not None and d.file is not None else d.file
    message = rename(d.message) if rename is not None else d.message
    code = code_for_error_type(d.error_type)
    location = {
        "file": file,
        "line": d.line if d.line and d.line >= 1 else None,
        "pipe": d.pipe,
        "field": d.field,
    }
    params = declared_params(code, {"pipe": d.pipe})
    return ProblemItemOut.model_validate(
        {
            "code": code,
            "detail": message,
            "params": params or None,
            "location": {k: v for k, v in location.items() if v is not None} or None,
            "error_type": d.error_type,
            "message": message,
            "file": file,
            "line": d.line,
            "pipe": d.pipe,
            "field": d.field,
            "severity": getattr(d, "severity", None),
        }
    )


MAX_LISTED_PROBLEMS = 100
"""The problems of an invalid bundle a problem document lists (the count says how many there are)."""


def problem_for_exception(exc: BaseException, *, instance: str, rename: Any = None) -> Problem:
    """Map an error raised while serving a request to its problem document (complete over the error tree).

    ``rename`` maps the core's ``<bundle N>`` to the names the request gave its bundles (tree paths).
    """
    document = _problem_for_exception(exc, instance=instance, rename=rename)
    if rename is not None:
        document = document.model_copy(update={"detail": rename(document.detail)})
    return document


def _problem_for_exception(exc: BaseException, *, instance: str, rename: Any) -> Problem:  # noqa: C901
    from pipelex.api.codes import code_for_error_type

    if isinstance(exc, ApiProblem):  # and a worker process's problem (pipelex.api.isolation.WorkerProblem)
        return exc.to_problem(instance)
    if isinstance(exc, StorageUnavailableError):
        logger.error("object store unavailable while serving %s: %s", instance, exc)
        return problem(
            "storage-unavailable",
            "this server's object store cannot be reached right now; retry later (its operator can find the "
            "cause in the server log)",
            instance=instance,
            pipe_code=exc.pipe_code,
        )
    if isinstance(exc, StorageFullError):
        return problem(
            "storage-full",
            str(exc),
            instance=instance,
            params={"quota": exc.limit},
            limit=exc.limit,
            pipe_code=exc.pipe_code,
        )
    if isinstance(exc, LimitExceededError):
        return limit_problem(
            str(exc), limit=exc.limit, instance=instance, pipe_code=exc.pipe_code, value=exc.value
        )
    if isinstance(exc, BundleInvalidError):
        # the first MAX_LISTED_PROBLEMS only: each costs the server's event loop ~0.1 ms to read from its worker and
        # write out, so 80,000 (a 3.8 MB bundle of 40,000 broken pipes) held every client 8.6 s (seventeenth hostile
        # pass); /v1/validate answers them all
        listed = exc.diagnostics[:MAX_LISTED_PROBLEMS]
        diagnostics = [
            DiagnosticOut(
                error_type=d.error_type,
                message=rename(d.message) if rename else d.message,
                file=rename(d.file) if rename and d.file else d.file,
                line=d.line,
                pipe=d.pipe,
                field=d.field,
            )
            for d in listed
        ]
        count = len(exc.diagnostics)
        shown = (
            "see `errors`"
            if count <= MAX_LISTED_PROBLEMS
            else f"`errors` lists the first {MAX_LISTED_PROBLEMS}"
        )
        return problem(
            "bundle-invalid",
            f"the bundle does not validate ({count:,} problem(s)): fix them ({shown}; POST /v1/validate gives the "
            "full report)",
            instance=instance,
            diagnostics=diagnostics,
            errors=[diagnostic_item(d, rename=rename) for d in listed] or None,
        )
    if isinstance(exc, BundleLoadError):
        diagnostic = DiagnosticOut(
            error_type="file_unreadable", message=str(exc), file=exc.file, line=exc.line
        )
        return problem(
            "bundle-invalid",
            str(exc),
            instance=instance,
            diagnostics=[diagnostic],
            errors=[diagnostic_item(diagnostic, rename=rename)],
        )
    if isinstance(exc, RunNotFoundError):
        return problem(
            "not-found",
            str(exc),
            instance=instance,
            code="run.not_found",
            params={"pipeline_run_id": exc.run_id},
        )
    if isinstance(exc, RunCancelledError):
        return problem("run-cancelled", str(exc), instance=instance, run_id=exc.run_id)
    if isinstance(exc, InputRefusedError):
        code = (
            "security.input_path_refused"
            if "file on the server" in str(exc)
            else "security.input_url_refused"
        )
        return problem(
            "input-refused",
            str(exc),
            instance=instance,
            code=code,
            params={"input": exc.input_name},
            location=_input_location(exc),
            errors=_input_field(exc, code),
        )
    if isinstance(exc, InputError):
        code = input_error_code(str(exc))
        return problem(
            "input-invalid",
            str(exc),
            instance=instance,
            code=code,
            params={"input": exc.input_name},
            location=_input_location(exc),
            errors=_input_field(exc, code),
        )
    if isinstance(
        exc, ProviderError
    ):  # with MissingKeyError: a live run's pre-flight found keys missing here
        detail = served_provider_detail(
            str(exc).replace("run with --dry-run", 'send "dry_run": true'), instance
        )
        code = code_for_error_type(exc.error_type, "provider.failed")
        if exc.error_type in _SERVER_LACKS:
            return problem(
                "provider-not-configured",
                detail,
                instance=instance,
                code=code,
                pipe_code=exc.pipe_code,
                error_type=exc.error_type,
            )
        kind = "pipe-failed" if exc.error_type in _INPUT_FAULTS else "provider-failed"
        return problem(
            kind, detail, instance=instance, code=code, pipe_code=exc.pipe_code, error_type=exc.error_type
        )
    if isinstance(exc, PipeRunError):
        return problem(
            "pipe-failed",
            str(exc),
            instance=instance,
            code=code_for_error_type(exc.error_type, "run.failed"),
            params={"pipe": exc.pipe_code},
            location={"pipe": exc.pipe_code} if exc.pipe_code else None,
            pipe_code=exc.pipe_code,
            error_type=exc.error_type,
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
    from pipelex.logtext import LogLines, format_exception_escaped
    from pipelex.redaction import redact

    # the messages it quotes (a provider's text) are escaped: a line break in one cannot add a line to the log
    return LogLines(redact(format_exception_escaped(exc)))


def input_error_code(message: str) -> str:
    """The registry code of an input error, read from the core's message (the core's InputError has no type)."""
    if "is not an input of pipe" in message:
        return "input.unexpected"
    if "needs the input(s)" in message:
        return "input.missing"
    if "is not in the bundle" in message or "is not in the library" in message:
        return "request.pipe_not_found"
    if "names pipes of more than one domain" in message:  # a bare code two domains declare
        return "request.pipe_ambiguous"
    if "has no `main_pipe`" in message:
        return "request.pipe_unspecified"
    if "cannot be read (no such readable file)" in message:
        return "input.file_unreadable"
    if (
        "but the pipe reads" in message and "is given as" in message
    ) or "names the unknown concept" in message:
        return "input.wrong_concept"
    if (
        "is a list, but" in message
        or "items, but the pipe reads" in message
        or "is a single value, but the pipe reads" in message
    ):
        return "input.wrong_multiplicity"
    return "input.invalid"


def _input_location(exc: InputError) -> dict[str, Any] | None:
    return {"input": exc.input_name, "field": f"body.inputs.{exc.input_name}"} if exc.input_name else None


def _input_field(exc: InputError, code: str) -> list[dict[str, Any]] | None:
    if exc.input_name is None:
        return None
    from pipelex.redaction import redact

    field = f"body.inputs.{exc.input_name}"
    message = redact(str(exc))
    return [
        {
            "code": code,
            "detail": message,
            "location": {"input": exc.input_name, "field": field},
            "field": field,
            "message": message,
        }
    ]


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
