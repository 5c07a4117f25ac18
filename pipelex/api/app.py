"""The FastAPI application of the runner API: routes, the API-key guard, the body limit, problem documents.

Routes (``docs/api.md`` has the details)::

    GET  /health              the service is up (never needs the key; also /v1/health)
    POST /v1/execute          run a pipe of bundle texts; the output, working memory, graph and usage
    POST /v1/start            the same, in the background: a run id at once (202)
    GET  /v1/runs/{run_id}    the status of a started run, and its result or problem once finished
    POST /v1/validate         the validation report and the sweep's graph (an invalid bundle is a 200)
    GET  /v1/models           the model deck
    GET  /v1/version          what is serving

Every error is an ``application/problem+json`` document (:mod:`pipelex.api.problems`).
"""

from __future__ import annotations

import asyncio
import os
import platform
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipelex.api.models import (
    DeckNamesOut,
    ExecuteRequest,
    ExecuteResponse,
    FieldProblem,
    HealthResponse,
    ModelHandleOut,
    ModelsResponse,
    Problem,
    RunStatus,
    RunStatusResponse,
    StartResponse,
    ValidateRequest,
    ValidateResponse,
    VersionResponse,
)
from pipelex.api.problems import (
    PROBLEM_MEDIA_TYPE,
    ApiProblem,
    problem,
    problem_for_exception,
    problem_responses,
)
from pipelex.api.runs import RunRecord, RunStore
from pipelex.api.security import BodySizeLimit, key_matches
from pipelex.api.service import ApiBackend, DirectApiBackend
from pipelex.config.settings import PipelexConfig
from pipelex.errors import PipelexError

_FROM_ENV = "<from environment>"
JSON = "application/json"


def configured_api_key(config: PipelexConfig) -> str | None:
    """The API key of the server: ``$PIPELEX_API_KEY`` (or the variable ``[api] api_key_env`` names); None if unset."""
    value = os.environ.get(config.api.api_key_env, "").strip()
    return value or None


def problem_response(document: Problem, *, headers: dict[str, str] | None = None) -> JSONResponse:
    """A problem document as an HTTP response."""
    return JSONResponse(
        document.model_dump(mode="json", exclude_none=True),
        status_code=document.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def create_app(
    config: PipelexConfig | None = None, *, api_key: str | None = _FROM_ENV, backend: ApiBackend | None = None
) -> FastAPI:
    """The runner API for ``config`` (default: the booted configuration).

    Args:
        config: the configuration; its ``[api]`` section sets the limits and the input policy, and
            ``[temporal] is_enabled`` puts runs and sweeps on Temporal workers.
        api_key: the key every route but ``/health`` requires; by default read from the environment
            variable ``[api] api_key_env`` names (``PIPELEX_API_KEY``); None means no key is required.
        backend: where runs happen (default: Temporal when enabled in ``config``, else this process).
    """
    from pipelex import __version__
    from pipelex.boot import Pipelex

    config = config or Pipelex.config()
    key = configured_api_key(config) if api_key == _FROM_ENV else api_key
    chosen = backend or _default_backend(config)
    store = RunStore(max_runs=config.api.max_stored_runs, ttl_seconds=config.api.run_ttl_seconds)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
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
        description="Run and validate MTHDS bundles over HTTP. Errors are RFC 9457 problem documents "
        "(application/problem+json).",
    )
    app.state.backend = chosen
    app.state.runs = store
    app.state.auth_enabled = key is not None
    _install_error_handlers(app)

    app.state.api_key = key
    dependencies: list[Any] = [Depends(_require_api_key)] if key is not None else []
    auth = ("unauthorized",) if key is not None else ()
    remote = ("backend-unavailable",) if chosen.name == "temporal" else ()
    v1 = APIRouter(prefix="/v1", dependencies=dependencies)

    @v1.post(
        "/execute",
        response_model=ExecuteResponse,
        responses=problem_responses(
            "request-invalid",
            "bundle-invalid",
            "input-invalid",
            "input-refused",
            "pipe-failed",
            "pipe-func-refused",
            "body-too-large",
            "provider-failed",
            "provider-not-configured",
            *remote,
            *auth,
        ),
    )
    async def execute(body: ExecuteRequest) -> Response:
        """Run a pipe (default: the bundle's ``main_pipe``) and return its output, working memory, graph and usage.

        A dry run (``dry_run: true``) needs no AI provider and costs nothing.
        """
        return Response(await chosen.execute(body), media_type=JSON)

    @v1.post(
        "/start",
        status_code=202,
        response_model=StartResponse,
        responses=problem_responses("request-invalid", "body-too-large", "too-many-runs", *auth),
    )
    async def start(body: ExecuteRequest, response: Response) -> StartResponse:
        """Start a run in the background and return its id at once; poll ``GET /v1/runs/{run_id}``.

        The bundle is checked when the run starts: a bad bundle or input makes a *failed* run whose
        ``problem`` says why.
        """
        record = store.new(backend=chosen.name, dry_run=body.dry_run)
        record.task = asyncio.create_task(_run_in_background(chosen, record, body))
        status_url = f"/v1/runs/{record.run_id}"
        response.headers["Location"] = status_url
        return StartResponse(run_id=record.run_id, status=record.status, status_url=status_url)

    @v1.get(
        "/runs/{run_id}", response_model=RunStatusResponse, responses=problem_responses("not-found", *auth)
    )
    async def run_status(
        run_id: Annotated[str, Path(max_length=64, description="The id `POST /v1/start` returned.")],
    ) -> Response:
        """The status of a run started with ``POST /v1/start``, and its result or problem once finished.

        Finished runs are kept in memory for ``[api] run_ttl_seconds``, at most ``[api] max_stored_runs``.
        """
        record = store.get(run_id)
        if record is None:
            raise ApiProblem(
                "not-found",
                f"no run {run_id!r}: it was never started here, or it finished more than "
                f"{config.api.run_ttl_seconds} s ago, or newer runs took its place",
            )
        return Response(record.status_json(), media_type=JSON)

    @v1.post(
        "/validate",
        response_model=ValidateResponse,
        responses=problem_responses("request-invalid", "body-too-large", *remote, *auth),
    )
    async def validate(body: ValidateRequest) -> Response:
        """Validate bundle texts: parse, schema, references, static checks and a dry run of every pipe.

        The answer is the report ``pipelex validate --format json`` prints plus the sweep's execution
        graph; an invalid bundle is a 200 with ``is_valid: false``.
        """
        return Response(await chosen.validate(body), media_type=JSON)

    @v1.get("/models", response_model=ModelsResponse, responses=problem_responses(*auth))
    async def models() -> ModelsResponse:
        """The model deck: handles with their provider, capabilities and prices, and the names bundles may use."""
        from pipelex.config.deck import CATEGORY_ORDER, deck_for

        deck = deck_for(config)
        handles = [
            ModelHandleOut(
                handle=h.handle,
                backend=h.backend,
                model_id=h.model_id,
                category=h.category.value,
                inputs=list(h.inputs),
                outputs=list(h.outputs),
                input_price=h.input_price,
                output_price=h.output_price,
            )
            for h in deck.handles.values()
        ]
        categories = {
            category.value: DeckNamesOut(
                aliases=dict(deck.aliases[category]),
                presets={name: preset.model for name, preset in deck.presets[category].items()},
                waterfalls={name: list(chain) for name, chain in deck.waterfalls[category].items()},
            )
            for category in CATEGORY_ORDER
        }
        # the flat tables: every name, as a PipeLLM reads it when the LLM category has it
        flat: dict[str, dict[str, Any]] = {"aliases": {}, "presets": {}, "waterfalls": {}}
        for names in reversed(categories.values()):
            flat["aliases"].update(names.aliases)
            flat["presets"].update(names.presets)
            flat["waterfalls"].update(names.waterfalls)
        return ModelsResponse(
            handles=handles,
            aliases=flat["aliases"],
            presets=flat["presets"],
            waterfalls=flat["waterfalls"],
            categories=categories,
        )

    @v1.get("/version", response_model=VersionResponse, responses=problem_responses(*auth))
    async def version() -> VersionResponse:
        """The pipelex version, the API version and the backend runs go to."""
        return VersionResponse(version=__version__, python=platform.python_version(), backend=chosen.name)

    async def health() -> HealthResponse:
        """The service is up. Never needs the API key."""
        return HealthResponse()

    app.add_api_route("/health", health, methods=["GET"], response_model=HealthResponse, tags=["health"])
    app.add_api_route("/v1/health", health, methods=["GET"], response_model=HealthResponse, tags=["health"])
    app.include_router(v1)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(BodySizeLimit, max_body_bytes=config.api.max_body_bytes)
    return app


_bearer = HTTPBearer(auto_error=False, description="The server's API key, as `Authorization: Bearer <key>`.")


async def _require_api_key(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Refuse a request without the server's key (compared in constant time)."""
    key: str = request.app.state.api_key
    if credentials is None or not key_matches(credentials.credentials, key):
        raise ApiProblem(
            "unauthorized",
            "this server requires its API key: send `Authorization: Bearer <key>`"
            + (" (the key sent does not match)" if credentials is not None else ""),
        )


def _default_backend(config: PipelexConfig) -> ApiBackend:
    if config.temporal.is_enabled:
        from pipelex.api.temporal import TemporalApiBackend

        return TemporalApiBackend(config)
    return DirectApiBackend(config)


async def _run_in_background(backend: ApiBackend, record: RunRecord, body: ExecuteRequest) -> None:
    try:
        result = await backend.execute(body)
    except asyncio.CancelledError:
        record.finish(
            problem=problem(
                "internal-error",
                "the server stopped before the run finished",
                instance=f"/v1/runs/{record.run_id}",
                run_id=record.run_id,
            )
        )
        raise
    except Exception as exc:  # every failure becomes the run's problem document
        record.finish(
            problem=problem_for_exception(exc, instance=f"/v1/runs/{record.run_id}").model_copy(
                update={"run_id": record.run_id}
            )
        )
    else:
        record.finish(result_json=result)


def _install_error_handlers(app: FastAPI) -> None:
    async def on_api_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiProblem)
        headers = {"WWW-Authenticate": "Bearer"} if exc.kind == "unauthorized" else None
        return problem_response(exc.to_problem(request.url.path), headers=headers)

    async def on_invalid_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [_field_problem(error) for error in exc.errors()]
        detail = (
            "; ".join(f"{e.field}: {e.message}" for e in errors[:5]) or "the request does not fit its model"
        )
        if len(errors) > 5:
            detail += f" (and {len(errors) - 5} more, see `errors`)"
        return problem_response(problem("request-invalid", detail, instance=request.url.path, errors=errors))

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
                    errors=[FieldProblem(field="body", message=detail)],
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
        return problem_response(problem_for_exception(exc, instance=request.url.path))

    app.add_exception_handler(ApiProblem, on_api_problem)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    # pipelex errors are answers, handled here; any other exception is a bug: Starlette's outer middleware
    # answers with our handler and still logs it
    app.add_exception_handler(PipelexError, on_error)
    app.add_exception_handler(Exception, on_error)


def _field_problem(error: Any) -> FieldProblem:
    where = ".".join(str(part) for part in error.get("loc", ())) or "body"
    kind = error.get("type", "")
    message = str(error.get("msg", "invalid"))
    if kind == "json_invalid":
        message = (
            f"the body is not valid JSON ({error.get('ctx', {}).get('error', 'syntax error')}): send a JSON "
            "object"
        )
    elif kind == "missing" and where == "body":
        message = "a JSON body is required"
    elif kind == "missing":
        message = "this field is required"
    elif kind == "extra_forbidden":
        message = "unknown field: remove it or fix its name (see the request schema in /openapi.json)"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return FieldProblem(field=where, message=message)


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
