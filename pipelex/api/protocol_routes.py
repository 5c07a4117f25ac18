"""The routes beside the protocol's five: a started run's reads, the blob routes, and the method tooling.

GET  /v1/runs/{id}            the run as before the protocol (status, result or problem)
GET  /v1/runs/{id}/status     the run record: PENDING | RUNNING | COMPLETED | FAILED, times, error
GET  /v1/runs/{id}/results    202 while running (Retry-After), 200 the results, 409 ``run.failed``
GET  /v1/runs/{id}/progress   the progress snapshot (invocations once the run has ended)
POST /v1/runs/{id}/cancel     cancel a run in progress (409 ``run.already_ended`` once it ended)
POST /v1/blobs/missing        which blobs this server lacks, each with a signed upload link
PUT  /v1/blobs/{sha256}       upload one blob (authorised by the link's signature, not the API key)
POST /v1/pipe-io              the input/output contracts and forms of a pipe, without running anything
GET  /v1/models/check         whether a model reference resolves on this server's deck
POST /v1/resolve              the method's library as resolved (concepts and pipes, fully qualified)
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelex.api.body import BodyRoute
from pipelex.api.models import (
    MAX_BUNDLES,
    MAX_FILES,
    ClosedBody,
    FileEntryIn,
    RequestBody,
    RunStatus,
    one_method_source,
)
from pipelex.api.problems import ApiProblem, problem_responses
from pipelex.api.protocol.blobs import ApiBlobStore
from pipelex.api.protocol.files import MethodSources, sources_of
from pipelex.api.runs import RunRecord, RunStore
from pipelex.api.security import current_hold, request_hold
from pipelex.config.settings import PipelexConfig
from pipelex.errors import StorageFullError

if TYPE_CHECKING:
    from pipelex.api.service import ApiBackend

JSON = "application/json"
RUN_ID = Annotated[str, Path(max_length=64, description="The `pipeline_run_id` `POST /v1/start` returned.")]
SHA256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="The blob's SHA-256, lowercase hex.")]
MAX_BLOBS_PER_REQUEST = 1000
_STATUS_CODES = {"running": "RUNNING", "succeeded": "COMPLETED", "failed": "FAILED", "cancelled": "CANCELLED"}
RETRY_SECONDS = 1


# ---------------------------------------------------------------------------------------------------- bodies
class BlobRefIn(ClosedBody):
    """A blob named by its SHA-256 and size."""

    model_config = ConfigDict(extra="forbid", strict=True)

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class MissingBlobsRequestIn(BaseModel):
    """``POST /v1/blobs/missing``: the blobs about to be sent by hash (each hash once), and the tree's digest."""

    model_config = ConfigDict(extra="allow", strict=True)

    blobs: list[BlobRefIn] = Field(default_factory=lambda: [], max_length=MAX_BLOBS_PER_REQUEST)
    digest: str | None = Field(default=None, pattern=r"^sha256:[0-9a-f]{64}$")


class UploadTargetOut(BaseModel):
    """Where to upload one blob: its bytes as the whole body of ``method`` ``url`` with exactly ``headers``."""

    method: str
    url: str
    headers: dict[str, str]


class MissingBlobOut(BaseModel):
    """A blob this server lacks, with where to upload it."""

    sha256: str
    size: int
    upload: UploadTargetOut


class MissingBlobsOut(BaseModel):
    """Every blob of the request this server does not hold (empty: nothing to upload)."""

    missing: list[MissingBlobOut]


class MethodRequestIn(RequestBody):
    """The method of a tooling request: ``files`` (the protocol's tree) or ``mthds_contents``."""

    files: dict[str, FileEntryIn] | None = Field(default=None, min_length=1, max_length=MAX_FILES)
    mthds_contents: list[str] | None = Field(default=None, min_length=1, max_length=MAX_BUNDLES)

    @model_validator(mode="after")
    def _one_source(self) -> MethodRequestIn:
        one_method_source(self.files, self.mthds_contents)
        return self


class PipeIORequestIn(MethodRequestIn):
    """``POST /v1/pipe-io``: the pipe to describe (default: the ``main_pipe``), or every pipe."""

    pipe_ref: str | None = Field(default=None, min_length=1, max_length=256)
    all_pipes: bool = False
    include_files: bool = Field(default=False, description="Echo the bundles' texts, by tree path.")


class BlobStoredOut(BaseModel):
    """An uploaded blob, stored under its SHA-256."""

    sha256: str
    size: int


# ---------------------------------------------------------------------------------------------------- router
def protocol_router(
    config: PipelexConfig,
    store: RunStore,
    blobs: ApiBlobStore,
    backend: ApiBackend,
    *,
    dependencies: list[Any],
    auth: tuple[str, ...],
    remote: tuple[str, ...] = (),
) -> APIRouter:
    """The routes of this module; ``dependencies`` (the API-key guard) on all but the signed blob upload.

    A run is read from ``store`` (the runs of this server, and finished runs it cached), else from where
    ``backend`` keeps runs (the Temporal server), so a Temporal run is readable after a restart of this
    server and from any replica.
    """
    router = APIRouter(route_class=BodyRoute)
    guarded = APIRouter(prefix="/v1", dependencies=dependencies, route_class=BodyRoute)
    public = APIRouter(prefix="/v1", route_class=BodyRoute)

    async def record_of(run_id: str) -> RunRecord:
        record = store.get(run_id) or await backend.lookup(run_id, store)
        if record is None:
            raise ApiProblem(
                "not-found",
                f"no run {run_id!r}: {backend.unknown_run_hint()}",
                code="run.not_found",
                params={"pipeline_run_id": run_id},
            )
        return record

    read_problems = ("not-found", *remote, *auth)

    @guarded.get("/runs/{run_id}", responses=problem_responses(*read_problems))
    async def run_status(run_id: RUN_ID) -> Response:
        """The run as before the protocol: ``status`` (running, succeeded, failed, cancelled), its ``result`` or
        ``problem``.

        Direct backend: finished runs are kept in memory for ``[api] run_ttl_seconds``, at most ``[api]
        max_stored_runs``. Temporal backend: the run is read from the Temporal server (finished runs are cached
        within the same bounds).
        """
        return Response((await record_of(run_id)).status_json(), media_type=JSON)

    @guarded.get("/runs/{run_id}/status", responses=problem_responses(*read_problems))
    async def run_status_read(run_id: RUN_ID) -> dict[str, Any]:
        """The run record: ``status`` RUNNING, COMPLETED, FAILED or CANCELLED, ``created_at``, ``finished_at`` and
        ``error``."""
        from pipelex.api.protocol.shapes import run_read

        return run_read(await record_of(run_id))

    @guarded.post(
        "/runs/{run_id}/cancel",
        responses={
            202: {"description": "The cancellation was asked for; the run is still closing: read it again."},
            **problem_responses("not-found", "run-already-ended", *remote, *auth),
        },
    )
    async def run_cancel(run_id: RUN_ID) -> Response:
        """Cancel a run in progress: 200 with the run (``status`` cancelled) once it stopped, 202 while it closes
        (on Temporal, its activities stop at their next heartbeat); 409 ``run.already_ended`` when it had ended."""
        record = await record_of(run_id)
        if record.status is RunStatus.RUNNING:
            record = await backend.cancel(record, store)
        else:
            raise ApiProblem(
                "run-already-ended",
                f"the run {run_id} has already ended ({record.status.value}): there is nothing to cancel",
                params={"pipeline_run_id": run_id, "run_status": _STATUS_CODES[record.status.value]},
                pipeline_run_id=run_id,
            )
        status_code = 202 if record.status is RunStatus.RUNNING else 200
        return Response(record.status_json(), media_type=JSON, status_code=status_code)

    @guarded.get(
        "/runs/{run_id}/results",
        responses={
            202: {"description": "The run is still running: read again after `Retry-After` seconds."},
            **problem_responses("not-found", "run-failed", "server-busy", *remote, *auth),
        },
    )
    async def run_results(run_id: RUN_ID) -> Response:
        """The results of a finished run: 200 with ``main_stuff`` (the output's content), ``working_memory``,
        ``pipe_output``, ``graph`` and ``usage``; 202 while it runs; 409 ``run.failed`` (its problem as
        ``run_error``) when it failed."""
        from pipelex.api.protocol.shapes import run_results_document

        record = await record_of(run_id)
        if record.status.value == "running":
            return JSONResponse(
                {"pipeline_run_id": run_id, "status": "RUNNING", "retry_after_seconds": RETRY_SECONDS},
                status_code=202,
                headers={"Retry-After": str(RETRY_SECONDS)},
            )
        if record.problem is not None:
            raise ApiProblem(
                "run-failed",
                f"the run {run_id} failed: {record.problem.detail}",
                params={"pipeline_run_id": run_id, "run_status": "FAILED"},
                pipeline_run_id=run_id,
                run_error=record.problem.model_dump(mode="json", exclude_none=True),
            )
        return Response(await reshaped(run_results_document, record), media_type=JSON)

    @guarded.get(
        "/runs/{run_id}/progress",
        response_model=dict[str, Any],
        responses=problem_responses(*read_problems, "server-busy"),
    )
    async def run_progress(run_id: RUN_ID) -> Response:
        """The run's progress snapshot: its status, and once it ended one invocation per pipe run of its graph."""
        from pipelex.api.protocol.shapes import run_progress as progress_of

        return Response(await reshaped(progress_of, await record_of(run_id)), media_type=JSON)

    # a stored result (up to [api] max_held_body_bytes) is parsed and reshaped for /results and /progress: several
    # times its size in objects and seconds of CPU, so off the event loop (which answers every other request)
    # and one at a time (however many clients ask)
    reshaping = asyncio.Semaphore(1)

    async def reshaped(shape: Callable[[RunRecord], dict[str, Any]], record: RunRecord) -> bytes:
        async with reshaping:
            answer = await asyncio.to_thread(lambda: _json_bytes(shape(record)))
        # counted in the request's hold until its client has read it, as a run's answer is (a 503 `server-busy` past
        # max_held_body_bytes): clients asking for a large result and reading nothing cannot pile its copies up
        hold = current_hold()
        if hold is not None:
            hold.take(len(answer))
        return answer

    _blob_routes(guarded, public, blobs, auth)

    async def method_of(body: MethodRequestIn, request: Request) -> MethodSources:
        import asyncio

        files = (
            None
            if body.files is None
            else {k: v if isinstance(v, str) else v.model_dump() for k, v in body.files.items()}
        )
        sources = await asyncio.to_thread(
            sources_of,
            files=files,
            mthds_contents=body.mthds_contents,
            blobs=blobs,
            hold=request_hold(request.scope),
        )
        request.state.sources = sources
        return sources

    tooling = ("request-invalid", "tree-refused", "blobs-missing", "input-invalid", "body-too-large", *auth)

    @guarded.post("/pipe-io", response_model=dict[str, Any], responses=problem_responses(*tooling))
    async def pipe_io(body: PipeIORequestIn, request: Request) -> Response:
        """The I/O of a pipe without running anything: ``pipe_io_contracts``, ``input_form`` and ``output_form``.

        The pipe is ``pipe_ref``, else the method's ``main_pipe`` (``all_pipes``: every pipe). A method that
        does not load is a 200 with ``is_valid: false`` and its ``errors``; an unknown or missing pipe a 422.
        """
        from pipelex.api.protocol.pipe_io import pipe_io_json

        sources = await method_of(body, request)
        answer = await backend.call(pipe_io_json, sources, body.pipe_ref, body.all_pipes, body.include_files)
        return Response(answer, media_type="application/json")

    @guarded.post("/resolve", response_model=dict[str, Any], responses=problem_responses(*tooling))
    async def resolve(body: MethodRequestIn, request: Request) -> Response:
        """The method's library as loaded: every concept (with its JSON Schema) and pipe under its qualified
        reference, the domains and the ``main_pipe``. No static checks and no dry run: a valid verdict says the
        method resolves, not that it runs (that is ``/validate``)."""
        from pipelex.api.protocol.pipe_io import resolve_json

        sources = await method_of(body, request)
        return Response(await backend.call(resolve_json, sources), media_type="application/json")

    @guarded.get("/models/check", responses=problem_responses("request-invalid", *auth))
    async def check_model(
        reference: Annotated[
            str, Query(max_length=256, description="`$preset`, `@alias`, `~waterfall` or a handle.")
        ],
        model_type: Annotated[str | None, Query(alias="type", max_length=32)] = None,
    ) -> dict[str, Any]:
        """Whether a model reference resolves on this server's deck, as what kind, in which categories, to which
        handles; a reference that resolves nowhere is a verdict with ``resolution: not_found`` and suggestions."""
        from pipelex.api.protocol.shapes import CHECK_CATEGORIES, model_check
        from pipelex.config.deck import deck_for

        stripped = reference.strip()
        if not stripped or stripped in ("$", "@", "~") or stripped.endswith(":"):
            raise ApiProblem(
                "request-invalid",
                f"`reference` names no model ({reference!r}): give `$preset`, `@alias`, `~waterfall` or a handle",
                params={"field": "reference"},
                location={"field": "reference"},
            )
        if model_type is not None and model_type not in CHECK_CATEGORIES:
            raise ApiProblem(
                "request-invalid",
                f"unknown model type {model_type!r}: use one of {', '.join(CHECK_CATEGORIES)}",
                params={"field": "type"},
                location={"field": "type"},
            )
        return model_check(deck_for(config), reference, model_type)

    router.include_router(guarded)
    router.include_router(public)
    return router


def _blob_routes(guarded: APIRouter, public: APIRouter, blobs: ApiBlobStore, auth: tuple[str, ...]) -> None:
    """``POST /v1/blobs/missing`` (guarded by the key) and the signed ``PUT /v1/blobs/{sha256}`` (public)."""

    @guarded.post(
        "/blobs/missing",
        response_model=MissingBlobsOut,
        responses=problem_responses("request-invalid", "storage-full", "storage-unavailable", *auth),
    )
    async def missing_blobs(body: MissingBlobsRequestIn, request: Request) -> MissingBlobsOut:
        """Which of these blobs this server does not hold, each with a signed upload link (``PUT /v1/blobs/{sha256}``).

        A blob larger than ``[api] max_blob_bytes`` is refused; a hash listed twice with two sizes too.
        """
        sizes: dict[str, int] = {}
        for blob in body.blobs:
            if blob.size > blobs.max_blob_bytes:
                raise ApiProblem(
                    "request-invalid",
                    f"the blob {blob.sha256} has {blob.size} bytes, past this server's limit of "
                    f"{blobs.max_blob_bytes} bytes ([api] max_blob_bytes)",
                    code="request.too_large",
                    params={"limit": blobs.max_blob_bytes, "size": blob.size},
                )
            if sizes.setdefault(blob.sha256, blob.size) != blob.size:
                raise ApiProblem(
                    "request-invalid",
                    f"the blob {blob.sha256} is listed twice with two sizes: list each hash once",
                    params={"field": "blobs"},
                )
        import asyncio

        held = await asyncio.gather(
            *(asyncio.to_thread(blobs.holds, sha, size) for sha, size in sizes.items())
        )
        base = str(request.base_url).rstrip("/")
        missing: list[MissingBlobOut] = []
        for (sha, size), is_held in zip(sizes.items(), held, strict=True):
            if is_held:
                continue
            expires, signature = blobs.sign(sha, size)
            url = f"{base}/v1/blobs/{sha}?size={size}&expires={expires}&signature={signature}"
            target = UploadTargetOut(
                method="PUT", url=url, headers={"Content-Type": "application/octet-stream"}
            )
            missing.append(MissingBlobOut(sha256=sha, size=size, upload=target))
        wanted = sum(blob.size for blob in missing)
        room = await asyncio.to_thread(blobs.room, wanted) if wanted else None
        if room is not None and wanted > room:  # said now, not after the client uploaded what cannot be kept
            raise ApiProblem(
                "storage-full",
                f"the {len(missing)} blob(s) to upload take {wanted} bytes, but this server's store has room for "
                f"{room} more ([api] max_storage_bytes; a blob not stored again for [api] storage_max_age_seconds "
                "is deleted): retry later, or ask the operator to raise the quota",
                params={"quota": "max_storage_bytes"},
            )
        return MissingBlobsOut(missing=missing)

    @public.put(
        "/blobs/{sha256}",
        status_code=201,
        response_model=BlobStoredOut,
        responses=problem_responses(
            "request-invalid", "forbidden", "body-too-large", "storage-full", "storage-unavailable"
        ),
    )
    async def put_blob(
        sha256: SHA256,
        request: Request,
        size: Annotated[int, Query(ge=0, le=2**53)],
        expires: Annotated[int, Query(ge=0, le=2**40)],
        signature: Annotated[str, Query(pattern=r"^[0-9a-f]{64}$")],
    ) -> BlobStoredOut:
        """Upload one blob: the body is its bytes. Authorised by the link ``POST /v1/blobs/missing`` gave (no key)."""
        refusal = blobs.check_signature(sha256, size, expires, signature)
        if refusal is not None:
            raise ApiProblem("forbidden", refusal, params={"requirement": "a valid upload link"})
        data = await _read_at_most(request, size, sha256)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ApiProblem(
                "request-invalid",
                f"the body's SHA-256 is not {sha256}: send the file the link names, unchanged",
                params={"field": "body"},
            )
        import asyncio

        try:
            await asyncio.to_thread(blobs.store, data)
        except StorageFullError as exc:
            raise ApiProblem("storage-full", str(exc), params={"quota": exc.limit}) from None
        return BlobStoredOut(sha256=sha256, size=size)


async def _read_at_most(request: Request, size: int, sha256: str) -> bytes:
    """The upload's body, refused as soon as it passes the ``size`` its signed link names (nothing more is held)."""
    chunks: list[bytes] = []
    total = 0
    hold = request_hold(request.scope)
    async for chunk in request.stream():
        if hold is not None:
            hold.take(
                len(chunk), close=True
            )  # the upload's bytes count with the other requests' (max_held_body_bytes)
        total += len(chunk)
        if total > size:
            raise ApiProblem(
                "body-too-large",
                f"the body passes the {size} bytes of the blob {sha256}: send the file's bytes unchanged",
                headers={"Connection": "close"},
            )
        chunks.append(chunk)
    if total != size:
        raise ApiProblem(
            "request-invalid",
            f"the body has {total} bytes, but the blob {sha256} has {size}: send the file's bytes unchanged",
            params={"field": "body"},
        )
    return b"".join(chunks)


def _json_bytes(document: dict[str, Any]) -> bytes:
    """``document`` as JSONResponse renders it."""
    return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
