"""The FastAPI application of the runner API: routes, the API-key guard, the body limit, problem documents.

The routes speak the MTHDS Protocol 2.0.0 (``mthds`` package; ``docs/api.md`` has the details)::

    GET  /health                         the service is up (never needs the key; also /v1/health)
    POST /v1/execute                     run a pipe of a method: pipeline_run_id + pipe_output (+ graph, usage)
    POST /v1/start                       the same, in the background: pipeline_run_id at once (202)
    GET  /v1/runs/{id}[/status|/results|/progress]   a started run (pipelex/api/protocol_routes.py); on Temporal
                                         read from the Temporal server (the run id is the workflow id)
    POST /v1/runs/{id}/cancel            cancel a run in progress
    POST /v1/validate                    the verdict (is_valid true|false, problem items); invalid is a 200
    GET  /v1/models                      the model deck: models [{name, type}] (?type= filters)
    GET  /v1/version                     protocol_version, runner_version, blob_store (public)
    POST /v1/blobs/missing, PUT /v1/blobs/{sha256}, POST /v1/pipe-io, GET /v1/models/check, POST /v1/resolve

A method travels as ``files`` (tree path -> text | {base64} | {sha256, size}) or, as before the protocol,
``mthds_contents``. Every error is an ``application/problem+json`` document carrying the protocol's
``code`` (:mod:`pipelex.api.problems`, :mod:`pipelex.api.codes`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import platform
from collections.abc import AsyncGenerator, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipelex.api.body import BodyRoute, inputs_source
from pipelex.api.guards import RequestGuard, routes_needing
from pipelex.api.models import (
    ExecuteRequest,
    ExecuteResponse,
    HealthResponse,
    ModelsResponse,
    Problem,
    ProblemItemOut,
    RunRequest,
    RunStatus,
    StartResponse,
    ValidateMethodRequest,
    ValidateRequest,
    ValidationVerdict,
    VersionResponse,
)
from pipelex.api.problems import (
    MAX_LISTED_PROBLEMS,
    PROBLEM_MEDIA_TYPE,
    ApiProblem,
    problem,
    problem_for_exception,
    problem_responses,
)
from pipelex.api.protocol.blobs import ApiBlobStore
from pipelex.api.protocol.files import MethodSources, sources_of
from pipelex.api.runs import RunStore
from pipelex.api.security import BodySizeLimit, key_matches, request_hold, run_owner
from pipelex.api.service import ApiBackend, DirectApiBackend
from pipelex.config.settings import LimitsConfig, PipelexConfig
from pipelex.errors import ConfigError, PipelexError

logger = logging.getLogger("pipelex.api")
_FROM_ENV = "<from environment>"
JSON = "application/json"
DRY_RUN_ENV = "PIPELEX_API_DRY_RUN"
_TRUTHY = {"1", "true", "yes", "on"}
_FALSY = {"", "0", "false", "no", "off"}


def configured_api_key(config: PipelexConfig) -> str | None:
    """The API key of the server: ``$PIPELEX_API_KEY`` (or the variable ``[api] api_key_env`` names); None if unset."""
    value = os.environ.get(config.api.api_key_env, "").strip()
    if not value.isascii():  # a header carries Latin-1: no client could send it (undecodable bytes: a crash)
        raise ConfigError(
            f"${config.api.api_key_env} holds a character that is not ASCII: HTTP headers cannot carry it, so no "
            "client could present the key; use an ASCII key (e.g. `openssl rand -hex 32`)"
        )
    return value or None


def forced_dry_run(config: PipelexConfig) -> bool:
    """Whether the server forces dry runs: ``[api] force_dry_run``, or ``$PIPELEX_API_DRY_RUN`` set to 1/true/yes/on.
    Another value (``maybe``, ``enabled``) is a :class:`ConfigError`: read as off, it would serve live runs, which
    cost money, to an operator who meant dry ones."""
    if config.api.force_dry_run:
        return True
    value = os.environ.get(DRY_RUN_ENV, "").strip().lower()
    if value in _TRUTHY:
        return True
    if value in _FALSY:
        return False
    raise ConfigError(
        f"${DRY_RUN_ENV}={value!r} is neither on (1, true, yes, on) nor off (0, false, no, off, or unset): set "
        "one of those"
    )


def problem_response(document: Problem, *, headers: dict[str, str] | None = None) -> JSONResponse:
    """A problem document as an HTTP response."""
    return JSONResponse(
        document.model_dump(mode="json", exclude_none=True),
        status_code=document.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def create_app(
    config: PipelexConfig | None = None,
    *,
    api_key: str | None = _FROM_ENV,
    backend: ApiBackend | None = None,
    limits: LimitsConfig | None = None,
) -> FastAPI:
    """The runner API for ``config`` (default: the booted configuration).

    Args:
        config: the configuration; its ``[api]`` section sets the limits and the input policy, and
            ``[temporal] is_enabled`` puts runs and sweeps on Temporal workers.
        api_key: the key every route but ``/health`` requires; by default read from the environment
            variable ``[api] api_key_env`` names (``PIPELEX_API_KEY``); None means no key is required.
        backend: where runs happen (default: Temporal when enabled in ``config``, else worker processes of
            this machine, see ``[limits] run_isolation``).
        limits: the ``[limits]`` of this server, over those of ``config`` (run deadline, memory ceiling,
            result store, request deadlines, list sizes, template budget).
    """
    from pipelex.boot import Pipelex
    from pipelex.version import __version__

    config = config or Pipelex.config()
    if limits is not None:
        config = config.model_copy(update={"limits": limits})
    key = configured_api_key(config) if api_key == _FROM_ENV else api_key
    chosen = backend or _default_backend(config, owner=run_owner(key))
    store = RunStore(
        max_runs=config.api.max_stored_runs,
        ttl_seconds=config.api.run_ttl_seconds,
        max_bytes=config.limits.max_stored_run_bytes,
    )
    force_dry = forced_dry_run(config)
    blobs = _blob_store(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncGenerator[None, None]:
        async with chosen.serving():
            try:
                yield
            finally:
                tasks = store.running_tasks()
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    app = FastAPI(
        title="pipelex runner API",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs" if config.api.docs_pages else None,
        redoc_url="/redoc" if config.api.docs_pages else None,
        description="Run and validate MTHDS methods over HTTP: the MTHDS Protocol 2.0.0, plus the extensions "
        "documented in docs/api.md. Errors are RFC 9457 problem documents (application/problem+json) carrying "
        "the protocol's `code`.",
    )
    app.state.backend = chosen
    app.state.runs = store
    app.state.blobs = blobs
    app.state.auth_enabled = key is not None
    app.state.force_dry_run = force_dry
    _install_error_handlers(app)

    app.state.api_key = key
    dependencies: list[Any] = [Depends(_require_api_key)] if key is not None else []
    auth = ("unauthorized",) if key is not None else ()
    remote = ("backend-unavailable",) if chosen.name == "temporal" else ()
    v1 = APIRouter(prefix="/v1", dependencies=dependencies, route_class=BodyRoute)

    async def method_sources(
        files: dict[str, Any] | None, mthds_contents: list[str] | None, request: Request
    ) -> MethodSources:
        """The request's bundles, read off the event loop (a tree's blobs are files), counted in its hold."""
        sources = await asyncio.to_thread(
            sources_of,
            files=_plain(files),
            mthds_contents=mthds_contents,
            blobs=blobs,
            hold=request_hold(request.scope),
        )
        request.state.sources = sources
        return sources

    async def run_request(body: RunRequest, request: Request) -> ExecuteRequest:
        """The backends' request: the method's bundles read, the run mode decided, the unsupported refused."""
        for name in ("output_name", "output_multiplicity", "dynamic_output_concept_ref"):
            if getattr(body, name) is not None:
                raise ApiProblem(
                    "unsupported",
                    f"this runner does not support `{name}`: leave it out (the output is the pipe's declared "
                    "output, named by `main_stuff_name`)",
                    params={"field": name, "reason": "not_supported"},
                    errors=[
                        _request_item(f"body.{name}", "not supported by this runner", "request.unsupported")
                    ],
                )
        if force_dry and body.dry_run is False:
            raise ApiProblem(
                "unsupported",
                'this server runs every pipe dry (it was started with --dry-run): leave out "dry_run": false',
                params={"field": "dry_run", "reason": "forced_dry_run"},
                errors=[_request_item("body.dry_run", "this server only runs dry", "request.unsupported")],
            )
        dry = force_dry or bool(body.dry_run)
        if body.mock_inputs and not dry:
            raise ApiProblem(
                "request-invalid",
                'body.mock_inputs: `mock_inputs` needs a dry run: set "dry_run": true, or give every input and set '
                '"mock_inputs": false',
                errors=[_request_item("body.mock_inputs", "needs a dry run")],
            )
        sources = await method_sources(body.files, body.mthds_contents, request)
        inputs = dict(body.inputs or {})
        return ExecuteRequest.model_construct(
            mthds_contents=sources.texts,
            pipe_code=body.pipe_code,
            inputs=inputs,
            dry_run=dry,
            mock_inputs=body.mock_inputs,
        ).with_inputs_source(inputs_source(request, inputs))

    run_problems = (
        "request-invalid",
        "tree-refused",
        "blobs-missing",
        "unsupported",
        "bundle-invalid",
        "input-invalid",
        "input-refused",
        "body-too-large",
    )

    @v1.post(
        "/execute",
        response_model=ExecuteResponse,
        openapi_extra={"x-mthds-protocol": True},
        responses=problem_responses(
            *run_problems,
            "pipe-failed",
            "pipe-func-refused",
            "provider-failed",
            "provider-not-configured",
            *remote,
            *auth,
        ),
    )
    async def execute(body: RunRequest, request: Request) -> Response:
        """Run a pipe (default: the method's ``main_pipe``): ``pipeline_run_id`` and ``pipe_output`` (the working
        memory), plus our ``main_stuff``, ``graph`` and ``usage``.

        A dry run (``dry_run: true``, or a server started with ``--dry-run``) needs no AI provider and costs nothing.
        """
        return await _unless_client_leaves(request, chosen.execute(await run_request(body, request)))

    @v1.post(
        "/start",
        status_code=202,
        response_model=StartResponse,
        openapi_extra={"x-mthds-protocol": True},
        responses=problem_responses(*run_problems, "pipe-func-refused", "too-many-runs", *remote, *auth),
    )
    async def start(body: RunRequest, request: Request, response: Response) -> StartResponse:
        """Start a run in the background and return its ``pipeline_run_id`` at once; read it under ``/v1/runs/{id}``.

        The method, the pipe and the inputs are checked first: a method that does not validate or a bad input is
        refused here (422), as ``/execute`` refuses it. A failure during the run makes a *failed* run. On the
        Temporal backend the id is the run's workflow id, and the run is read from the Temporal server: it
        survives a restart of this server and is readable from any replica.
        """
        execute_request = await run_request(body, request)
        record = await chosen.start(execute_request, store, request.state.sources)
        hold = request_hold(request.scope)
        if hold is not None and record.task is not None:
            # the run holds its request until it ends: its bytes stay counted in [api] max_held_body_bytes
            hold.keep()
            record.task.add_done_callback(lambda _: hold.release())
        status_url = f"/v1/runs/{record.run_id}"
        response.headers["Location"] = status_url
        return StartResponse(
            pipeline_run_id=record.run_id, run_id=record.run_id, status=record.status, status_url=status_url
        )

    @v1.post(
        "/validate",
        response_model=ValidationVerdict,
        openapi_extra={"x-mthds-protocol": True},
        responses=problem_responses(
            "request-invalid", "tree-refused", "blobs-missing", "body-too-large", *remote, *auth
        ),
    )
    async def validate(body: ValidateMethodRequest, request: Request) -> Response:
        """Validate a method: parse, schema, references, static checks and a dry run of every pipe.

        The answer is the protocol's verdict: ``is_valid: true`` with ``warnings``, or ``is_valid: false`` with
        ``errors`` (problem items whose ``location`` names the file, line, pipe and field) and ``message``. An
        invalid method is a 200; non-2xx means no verdict could be produced. Our report's other members
        (``validated_pipes``, the sweep's ``graph``, ``backend``, ...) ride beside.
        """
        from pipelex.api.protocol.shapes import validation_answer

        sources = await method_sources(body.files, body.mthds_contents, request)
        raw = await chosen.validate(
            ValidateRequest.model_construct(
                mthds_contents=sources.texts, allow_signatures=body.allow_signatures
            )
        )

        def shaped() -> dict[str, Any]:
            from pipelex.api.protocol.pipe_io import validation_artifacts

            answer = validation_answer(raw, sources, render_markdown="markdown" in (body.render or []))
            if answer["is_valid"]:
                answer.update(validation_artifacts(sources, body.views or []))
            return answer

        return Response(json.dumps(await asyncio.to_thread(shaped)), media_type=JSON)

    @v1.get(
        "/models",
        response_model=ModelsResponse,
        openapi_extra={"x-mthds-protocol": True},
        responses=problem_responses("request-invalid", *auth),
    )
    async def models(
        model_type: Annotated[
            str | None,
            Query(
                alias="type",
                max_length=32,
                description="Only this category: llm, extract, img_gen, search, judgment.",
            ),
        ] = None,
    ) -> Response:
        """The model deck: ``models`` (one ``{name, type}`` per model, with its provider, capabilities and prices);
        our ``aliases`` (``@x``), ``presets`` (``$x``) and ``waterfalls`` (``~x``) ride beside."""
        from pipelex.api.protocol.shapes import MODEL_CATEGORIES, models_answer
        from pipelex.config.deck import deck_for

        if model_type is not None and model_type not in MODEL_CATEGORIES:
            detail = f"unknown model type {model_type!r}: use one of {', '.join(MODEL_CATEGORIES)}"
            raise ApiProblem(
                "request-invalid",
                detail,
                params={"field": "type"},
                errors=[_request_item("query.type", detail)],
            )
        return Response(json.dumps(models_answer(deck_for(config), model_type)), media_type=JSON)

    async def version() -> VersionResponse:
        """What is serving: the MTHDS ``protocol_version``, this ``runner_version``, whether it keeps a ``blob_store``,
        and the ``implementation``. Public, as the protocol says (it needs no key)."""
        from pipelex.api.protocol import PROTOCOL_VERSION

        return VersionResponse(
            protocol_version=PROTOCOL_VERSION,
            runner_version=__version__,
            blob_store=True,
            version=__version__,
            python=platform.python_version(),
            backend=chosen.name,
            dry_run=force_dry,
        )

    async def health() -> HealthResponse:
        """The service is up. Never needs the API key."""
        return HealthResponse()

    from pipelex.api.protocol_routes import protocol_router

    app.add_api_route("/health", health, methods=["GET"], response_model=HealthResponse, tags=["health"])
    app.add_api_route("/v1/health", health, methods=["GET"], response_model=HealthResponse, tags=["health"])
    app.add_api_route(
        "/v1/version",
        version,
        methods=["GET"],
        response_model=VersionResponse,
        openapi_extra={"x-mthds-protocol": True},
    )
    app.include_router(v1)
    app.include_router(
        protocol_router(config, store, blobs, chosen, dependencies=dependencies, auth=auth, remote=remote)
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(
        BodySizeLimit,
        max_body_bytes=config.api.max_body_bytes,
        streamed_bodies={"PUT /v1/blobs/": config.api.max_blob_bytes},
        max_held_bytes=config.api.max_held_body_bytes,
    )
    # outermost: the key is checked from the headers before any body is read; the body read has deadlines
    app.add_middleware(
        RequestGuard,
        api_key=key,
        key_required=routes_needing(app),
        idle_seconds=config.limits.request_idle_seconds,
        body_seconds=config.limits.request_body_seconds,
    )
    return app


CLIENT_CLOSED_REQUEST = 499  # nginx's status for a client that left before its answer (nobody reads it)


async def _unless_client_leaves(request: Request, work: Coroutine[Any, Any, bytes]) -> Response:
    """``work``'s answer (JSON); when the client closes its connection first, the run is cancelled (its worker process
    killed, its run loop's task or its Temporal workflow cancelled: what ``/v1/runs/{id}/cancel`` does to a started
    run) and a 499 nobody reads is returned.

    ``/v1/execute`` answers on the connection that asked: a client gone (a timeout, Ctrl-C) can never read the
    answer nor learn the run's id, so every provider call after it would be paid for nothing. A run meant to outlive
    its client is started with ``/v1/start``, whose result stays readable under its id."""
    running = asyncio.ensure_future(work)
    leaving = asyncio.ensure_future(_client_left(request))
    try:
        await asyncio.wait({running, leaving}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        running.cancel()
        raise
    finally:
        leaving.cancel()
    if running.done():
        return Response(running.result(), media_type=JSON)
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await running  # the cancellation reached the run (and its worker) before the route ends
    logger.info("the client of %s left before its answer: its run was cancelled", request.url.path)
    return Response(status_code=CLIENT_CLOSED_REQUEST)


async def _client_left(request: Request) -> None:
    """Return when the client has closed its connection. Called once the body has been read: the server's next
    message is then ``http.disconnect`` (the guard's receive no longer times out after the body)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _plain(files: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``files`` map as JSON data (entries parsed into models go back to their wire form)."""
    if files is None:
        return None
    return {k: v if isinstance(v, str) else v.model_dump() for k, v in files.items()}


def _blob_store(config: PipelexConfig) -> ApiBlobStore:
    from pipelex.storage.factory import storage_for

    return ApiBlobStore(
        storage=storage_for(config.served()),  # bounded by [api] max_storage_bytes, storage_max_age_seconds
        max_blob_bytes=config.api.max_blob_bytes,
        upload_ttl_seconds=config.api.blob_upload_ttl_seconds,
    )


def _request_item(field: str, detail: str, code: str = "request.invalid") -> ProblemItemOut:
    return ProblemItemOut(code=code, detail=detail, location={"field": field}, field=field, message=detail)  # type: ignore[arg-type]


_bearer = HTTPBearer(auto_error=False, description="The server's API key, as `Authorization: Bearer <key>`.")


async def _require_api_key(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Refuse a request without the server's key (compared in constant time)."""
    key: str = request.app.state.api_key
    if credentials is None:
        raise ApiProblem(
            "unauthorized",
            "this server requires its API key: send `Authorization: Bearer <key>`",
            code="auth.missing_credential",
        )
    if not key_matches(credentials.credentials, key):
        raise ApiProblem(
            "unauthorized",
            "the API key sent does not match this server's key: send `Authorization: Bearer <key>` with its key",
            code="auth.invalid_credential",
        )


def _default_backend(config: PipelexConfig, *, owner: str | None) -> ApiBackend:
    if config.temporal.is_enabled:
        from pipelex.api.temporal import TemporalApiBackend

        return TemporalApiBackend(config, owner=owner)
    return DirectApiBackend(config)


def _install_error_handlers(app: FastAPI) -> None:
    async def on_api_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiProblem)
        headers = dict(exc.headers or {})
        if exc.kind == "unauthorized":
            headers["WWW-Authenticate"] = "Bearer"
        document = exc.to_problem(request.url.path)
        sources: MethodSources | None = getattr(request.state, "sources", None)
        if sources is not None:
            document = document.model_copy(update={"detail": sources.rename(document.detail)})
        return problem_response(document, headers=headers or None)

    async def on_invalid_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        content_type = request.headers.get("content-type")
        found = exc.errors()
        # the first MAX_LISTED_PROBLEMS only, as for an invalid method: a 206 KB `files` map of 1,000 entries of 20
        # unknown keys makes 44,000 errors (each entry fails each branch of its union), and shaping them all on the
        # event loop held every client 1.4 s for a 14 MB answer (seventeenth hostile pass)
        errors = [_field_problem(error, content_type) for error in found[:MAX_LISTED_PROBLEMS]]
        detail = (
            "; ".join(f"{e.field}: {e.message}" for e in errors[:5]) or "the request does not fit its model"
        )
        if len(found) > MAX_LISTED_PROBLEMS:
            detail += f" (and {len(found) - 5:,} more; `errors` lists the first {MAX_LISTED_PROBLEMS})"
        elif len(found) > 5:
            detail += f" (and {len(found) - 5} more, see `errors`)"
        malformed = any(e.code == "request.malformed" for e in errors)
        code = "request.malformed" if malformed else "request.invalid"
        params = {"reason": "not_json"} if malformed else {"field": errors[0].field if errors else "body"}
        return problem_response(
            problem(
                "request-invalid", detail, instance=request.url.path, code=code, params=params, errors=errors
            )
        )

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if (
            exc.status_code == 400
        ):  # FastAPI could not read the body (not UTF-8, say): a request problem like the rest
            detail = "the body cannot be read as JSON (send a UTF-8 JSON object)"
            return problem_response(
                problem(
                    "request-invalid",
                    detail,
                    instance=request.url.path,
                    code="request.malformed",
                    params={"reason": "not_json"},
                    errors=[_request_item("body", detail, "request.malformed")],
                )
            )
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code)
        if kind is None:  # pragma: no cover - the framework raises no other status for us
            kind = "bad-request" if exc.status_code < 500 else "internal-error"
        detail = {
            "not-found": f"no route {request.url.path!r}: the routes are under /v1 (see /docs or "
            "/openapi.json)",
            "method-not-allowed": f"{request.method} is not allowed on {request.url.path!r}",
        }.get(kind)
        return problem_response(
            problem(kind, detail or str(exc.detail), instance=request.url.path),
            headers=getattr(exc, "headers", None),
        )

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        sources: MethodSources | None = getattr(request.state, "sources", None)
        rename = sources.rename if sources is not None else None
        return problem_response(problem_for_exception(exc, instance=request.url.path, rename=rename))

    app.add_exception_handler(ApiProblem, on_api_problem)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    # pipelex errors are answers, handled here; any other exception is a bug: Starlette's outer middleware
    # answers with our handler and still logs it
    app.add_exception_handler(PipelexError, on_error)
    app.add_exception_handler(Exception, on_error)


#: what a body that is JSON but not an object is, in JSON's own words
_JSON_KINDS: dict[type, str] = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
}


def _field_problem(error: Any, content_type: str | None = None) -> ProblemItemOut:
    loc = tuple(error.get("loc", ()))
    where = ".".join(str(part) for part in loc) or "body"
    kind = error.get("type", "")
    message = str(error.get("msg", "invalid"))
    code = "request.invalid"
    if kind == "json_invalid":
        code = "request.malformed"
        # FastAPI's location is ("body", <character offset>): the field is the body, the offset where it broke
        at = f" at character {loc[1]}" if len(loc) == 2 and isinstance(loc[1], int) else ""
        where = "body"
        message = (
            f"the body is not valid JSON ({error.get('ctx', {}).get('error', 'syntax error')}{at}): send a JSON "
            "object"
        )
    elif kind == "model_attributes_type" and loc == ("body",):
        # the body is no JSON object: bytes FastAPI did not read as JSON (its Content-Type), or JSON of another kind
        given: object = error.get("input")
        if isinstance(given, bytes | bytearray):
            code = "request.malformed"
            shown = (content_type or "none")[:100]  # the caller's header, quoted cut
            message = (
                f"the body was not read as JSON (Content-Type: {shown}): send the request's "
                "fields as a JSON object with `Content-Type: application/json`"
            )
        else:
            what = "null" if given is None else _JSON_KINDS.get(type(given), "not an object")
            message = (
                f"the body is {what}, not a "
                "JSON object: send the request's fields as one JSON object (see the request schema in /openapi.json)"
            )
    elif kind == "missing" and where == "body":
        message = "a JSON body is required"
    elif kind == "missing":
        message = "this field is required"
    elif kind == "extra_forbidden":
        message = "unknown field: remove it or fix its name (see the request schema in /openapi.json)"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return _request_item(where, message, code)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with every error response filed as ``application/problem+json`` of ``Problem``."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    problem_schema = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for status, entry in operation.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400:
                    entry["content"] = {PROBLEM_MEDIA_TYPE: problem_schema}
                    if status == "422" and entry.get("description") == "Validation Error":
                        entry["description"] = "The request is invalid"
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    if "Problem" not in components:  # pragma: no cover - RunStatusResponse references it
        components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    app.openapi_schema = schema
    return schema


__all__ = ["create_app", "configured_api_key", "RunStatus"]
