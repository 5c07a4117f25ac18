"""An S3-compatible store (AWS S3, MinIO, Ceph, ...) through boto3 (the ``s3`` extra), imported lazily."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

from pipelex.errors import ConfigError, StorageUnavailableError
from pipelex.storage.protocol import (
    STORAGE_SCHEME,
    Footprint,
    StorageBounds,
    blob_name,
    is_blob_name,
    name_of,
    stored_type,
)

logger = logging.getLogger("pipelex.storage")


class S3Storage:
    """Content-addressed blobs under ``s3://bucket/prefix/``. Credentials come from the usual AWS sources.

    With ``bounds`` (a quota, an age), a write lists the objects directly under the prefix (the first write, then
    once the count is ``RESCAN_SECONDS`` old; in between this store adds what it writes), deletes those past
    their age and refuses a new blob that would pass the quota. S3 has no lock: writers racing each other
    can pass the quota by the blobs they write at once (each at most ``[api] max_blob_bytes`` or a read's
    ``max_read_bytes``).

    A store that cannot be reached (after boto3's retries), a bucket that does not exist, credentials it refuses:
    :class:`~pipelex.errors.StorageUnavailableError` (the bucket and the endpoint in the log). A blob that is not
    stored: ``FileNotFoundError`` from :meth:`get` (as the local store), None from :meth:`size`.
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        bounds: StorageBounds | None = None,
    ) -> None:
        if not bucket:
            raise ConfigError('[storage] kind = "s3" needs s3_bucket = "<bucket name>" in pipelex.toml')
        try:
            import boto3  # pyright: ignore[reportMissingTypeStubs]  (boto3 ships no type information)
        except ImportError as exc:  # pragma: no cover - boto3 is in the s3 extra
            raise ConfigError("[storage] kind = \"s3\" needs boto3: pip install 'pipelex[s3]'") from exc
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url or None
        self.bounds = bounds or StorageBounds()
        self._footprint = Footprint()
        # untyped third-party boundary: the client's methods are generated at run time
        self.client: Any = boto3.client(  # pyright: ignore[reportUnknownMemberType]
            "s3", endpoint_url=self.endpoint_url, region_name=region
        )

    def key(self, name: str) -> str:
        """The object key of a blob name (under the prefix)."""
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, data: bytes, mime_type: str | None) -> tuple[str, str]:
        """Upload ``data`` unless a blob with the same content is there; return its URI and ``s3://`` URL."""
        content_type = stored_type(data, mime_type)
        name = blob_name(data, content_type)
        key = self.put_named(name, data, content_type)
        return f"{STORAGE_SCHEME}{name}", f"s3://{self.bucket}/{key}"

    def put_named(self, name: str, data: bytes, content_type: str) -> str:
        """Upload ``data`` as ``name`` (its content address), within the bounds; return its key."""
        key = self.key(name)
        grows = self._make_room(key, len(data)) if self.bounds.bounded else False
        with self._calling("store a blob"):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        if grows:
            self._footprint.grew(len(data))
        return key

    def get(self, uri: str) -> bytes:
        """Download the blob behind a storage URI (``FileNotFoundError`` when none is stored)."""
        key = self.key(name_of(uri))
        with self._calling("read a blob", missing=key):
            response = self.client.get_object(Bucket=self.bucket, Key=key)
            return response["Body"].read()

    def size(self, uri: str) -> int | None:
        """The size of the blob behind a storage URI (a ``HEAD``), None when none is stored."""
        try:
            key = self.key(name_of(uri))
        except ValueError:  # not a blob's name: none is stored under it
            return None
        try:
            with self._calling("look a blob up", missing=key):
                response = self.client.head_object(Bucket=self.bucket, Key=key)
        except FileNotFoundError:
            return None
        return int(response["ContentLength"])

    @contextmanager
    def _calling(self, what: str, *, missing: str | None = None) -> Generator[None]:
        """Calls to the store: an object that is not there is ``FileNotFoundError`` (when ``missing`` names the key
        asked for); any other failure of the store (after boto3's own retries) is a
        :class:`StorageUnavailableError` saying which store and what to check."""
        try:
            yield
        except Exception as exc:
            if isinstance(exc, StorageUnavailableError):
                raise
            code = _error_code(exc)
            if missing is not None and code in _MISSING:
                raise FileNotFoundError(f"no object {missing!r} in bucket {self.bucket!r}") from None
            # the bucket, the endpoint and boto3's own text (which names them) go to the log only: the message may
            # reach a server's clients (a run's graph, its error)
            logger.warning(
                "S3 store: bucket %r at %s could not %s: %s: %s",
                self.bucket,
                self.endpoint_url or "AWS",
                what,
                type(exc).__name__,
                exc,
            )
            raise StorageUnavailableError(
                f"the object store (S3) could not {what} ({code or type(exc).__name__}; details in the log): check "
                "that its endpoint is reachable, that the bucket exists, and that the credentials may read and "
                "write it ([storage] s3_bucket, s3_endpoint_url and the AWS credentials)"
            ) from exc

    def _make_room(self, key: str, size: int) -> bool:
        """Delete the objects past their age; refuse a new blob of ``size`` bytes past the quota (a blob held
        already is written again: its age restarts). True when the write adds a blob."""
        fresh = self._footprint.fresh()
        if fresh is not None:
            if self.size(f"{STORAGE_SCHEME}{key.rpartition('/')[2]}") is not None:
                return False
            if self.bounds.fits(fresh, size):
                return True
            # past the quota by the last count: count again (blobs may have aged out) before refusing
        used, held = self._count(key)
        if not held:
            self.bounds.check_room(used, size)
        return not held

    def room(self, needed: int = 0) -> int | None:
        """The bytes new blobs may still take (None: no quota): from a fresh count when it leaves room for
        ``needed``, else from a listing (its aged objects deleted)."""
        return self.bounds.room(self._footprint, needed, lambda: self._count(None)[0])

    def _count(self, key: str | None) -> tuple[int, bool]:
        """The bytes under the prefix once its aged objects are deleted, and whether it holds ``key``."""
        max_age = self.bounds.max_age_seconds
        now = time.time()
        prefix = f"{self.prefix}/" if self.prefix else ""
        used, held = 0, False
        with self._calling("count its blobs"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix, Delimiter="/"
            )
            for page in pages:
                for item in page.get("Contents", []):
                    name, stored = item["Key"], int(item["Size"])
                    if not is_blob_name(name.rpartition("/")[2]):
                        continue  # not a blob of this store's: another application's object in a shared bucket
                    if name == key:
                        held = True
                    elif max_age and now - item["LastModified"].timestamp() > max_age:
                        self.client.delete_object(Bucket=self.bucket, Key=name)
                        continue
                    used += stored
        self._footprint.counted(used)
        return used, held


# what S3 (and S3-compatible servers) answer for an object that is not there: GET's code, HEAD's status
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


def _error_code(exc: BaseException) -> str | None:
    """The error code of botocore's ``ClientError`` (``NoSuchBucket``, ``AccessDenied``, ``404``...), else None
    (a connection that failed, a time-out, missing credentials)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    error = response.get("Error")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    code = error.get("Code") if isinstance(error, dict) else None  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    return str(code) if code else None  # pyright: ignore[reportUnknownArgumentType]
