"""The data converter: pydantic payloads, and big payloads by content-addressed reference ("claim check").

A payload over ``[temporal] payload_offload_bytes`` is written once to a content-addressed payload store and
replaced on the wire by its digest, so no payload ever nears Temporal's 2 MiB limit and histories stay small.
The codec runs at the edge (client and worker), never in workflow code. The store follows ``[storage]``:

- ``kind = "local"``: a folder, ``<PIPELEX_STORAGE_DIR or [storage] local_dir>/temporal-payloads/<sha256>``;
  every client and worker must see the same folder (one machine, or a shared volume);
- ``kind = "s3"``: the bucket, ``s3://<bucket>/<prefix>/temporal-payloads/<sha256>``; workers then share
  nothing but the Temporal address and the bucket.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import (
    DataConverter,
    EncodingPayloadConverter,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)

from pipelex.errors import PayloadStoreError
from pipelex.storage.protocol import StorageBounds

if TYPE_CHECKING:
    from pipelex.config.settings import PipelexConfig, StorageConfig

CLAIM_CHECK_ENCODING = b"pipelex/claim-check"
_DIGEST = re.compile(r"[0-9a-f]{64}")


def payload_store_dir(local_dir: str = ".pipelex/storage") -> Path:
    """The folder of offloaded payloads (under ``PIPELEX_STORAGE_DIR`` or the configured storage folder)."""
    return Path(os.environ.get("PIPELEX_STORAGE_DIR") or local_dir) / "temporal-payloads"


class PayloadStore(Protocol):
    """Where offloaded payloads live, by sha256 (blocking calls: the codec runs them off the event loop)."""

    def has(self, key: str) -> bool:
        """True when the payload ``key`` is stored."""
        ...

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (its sha256); a payload held already is not written again, but in a store
        with an age its age restarts (a payload still sent must not be deleted as unused)."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes of ``key``; raise :class:`PayloadStoreError` when they cannot be read."""
        ...


class LocalPayloadStore:
    """A folder shared by every client and worker; with ``bounds``, a payload not written again for their
    ``max_age_seconds`` is deleted by a later write (see :func:`payload_bounds`)."""

    def __init__(self, folder: Path, bounds: StorageBounds | None = None) -> None:  # noqa: D107
        from pipelex.storage.local import LocalStorage

        self.folder = folder
        self._files = LocalStorage(folder, bounds)

    def has(self, key: str) -> bool:  # noqa: D102
        return (self.folder / key).exists()

    def put(self, key: str, data: bytes) -> None:  # noqa: D102
        self._files.put_named(key, data)

    def get(self, key: str) -> bytes:  # noqa: D102
        path = self.folder / key
        try:
            return path.read_bytes()
        except OSError as exc:
            raise PayloadStoreError(
                f"a Temporal payload was sent by reference to {path}, which cannot be read "
                f"({exc.strerror}): every client and worker must share the storage folder "
                '(set PIPELEX_STORAGE_DIR to the same path), or use [storage] kind = "s3"'
            ) from exc


class S3PayloadStore:
    """A bucket (S3 or S3-compatible): clients and workers on any host share it."""

    def __init__(self, config: StorageConfig, min_age_seconds: float = 0) -> None:  # noqa: D107
        from pipelex.storage.s3 import S3Storage

        prefix = "/".join(p for p in (config.s3_prefix.strip("/"), "temporal-payloads") if p)
        self._s3 = S3Storage(
            config.s3_bucket,
            prefix=prefix,
            endpoint_url=config.s3_endpoint_url or None,
            region=config.s3_region,
            bounds=payload_bounds(config, min_age_seconds),
        )

    def has(self, key: str) -> bool:  # noqa: D102
        return self._written(key) is not None

    def _written(self, key: str) -> float | None:
        """When the object ``key`` was last written (Unix seconds), None when there is none."""
        try:
            head = self._s3.client.head_object(Bucket=self._s3.bucket, Key=self._s3.key(key))
        except Exception:  # noqa: BLE001 - a missing object (404) or an unreadable one: write it again
            return None
        return float(head["LastModified"].timestamp())

    def put(self, key: str, data: bytes) -> None:  # noqa: D102
        written = self._written(key)
        if written is not None:
            max_age = self._s3.bounds.max_age_seconds
            # held: no age to restart, or one written in the last half of it lives at least half of it more (a
            # HEAD, not the upload of a payload every leaf that reads it would send again)
            if not max_age or time.time() - written < max_age / 2:
                return
        self._s3.put_named(key, data, "application/x-protobuf")

    def get(self, key: str) -> bytes:  # noqa: D102
        try:
            return self._s3.client.get_object(Bucket=self._s3.bucket, Key=self._s3.key(key))["Body"].read()
        except Exception as exc:
            raise PayloadStoreError(
                f"a Temporal payload was sent by reference to s3://{self._s3.bucket}/{self._s3.key(key)}, which "
                f"cannot be read ({type(exc).__name__}): every client and worker must use the same [storage] "
                "bucket, with credentials that can read it"
            ) from exc


def payload_bounds(storage: StorageConfig, min_age_seconds: float = 0) -> StorageBounds:
    """The bounds of the payload folder: the store's age (``[storage] max_age_seconds``; a server's ``[api]
    storage_max_age_seconds``), never under ``min_age_seconds`` (how long a run may last and its result be read:
    a payload is read again while its run lasts, when a worker replays the workflow's history, and when the
    result is fetched, with no write to restart its age), and no quota: a refusal inside a worker's codec fails
    no run, Temporal retries the workflow task for ever (the run hangs), so payloads are bounded by their age
    alone."""
    age = storage.max_age_seconds
    return StorageBounds(max_age_seconds=max(age, math.ceil(min_age_seconds)) if age else 0)


def payload_min_age(config: PipelexConfig) -> float:
    """The least age of an offloaded payload before it may be deleted: the longest a run may last (``[temporal]
    run_deadline_s``, a server's ``[limits] run_deadline_seconds``) plus the time a finished run's result is kept
    for its reader (``[api] run_ttl_seconds``)."""
    longest = max(config.temporal.run_deadline_s or 0.0, config.limits.run_deadline_seconds)
    return longest + config.api.run_ttl_seconds


def payload_store(storage: StorageConfig, min_age_seconds: float = 0) -> PayloadStore:
    """The payload store of ``[storage]`` (see :func:`payload_bounds` for ``min_age_seconds``)."""
    if storage.kind == "s3":
        return S3PayloadStore(storage, min_age_seconds)
    return LocalPayloadStore(payload_store_dir(storage.local_dir), payload_bounds(storage, min_age_seconds))


class ClaimCheckCodec(PayloadCodec):
    """Swaps payloads bigger than ``threshold`` bytes for their sha256, kept in ``store``."""

    def __init__(self, store: PayloadStore | Path, *, threshold: int) -> None:  # noqa: D107
        self.store: PayloadStore = LocalPayloadStore(store) if isinstance(store, Path) else store
        self.threshold = threshold

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Offload the big payloads."""
        encoded: list[Payload] = []
        for payload in payloads:
            if payload.ByteSize() <= self.threshold:
                encoded.append(payload)
                continue
            data = payload.SerializeToString()
            key = hashlib.sha256(data).hexdigest()
            # put even when held: a held payload's age restarts (else one sent again and again was deleted once
            # its first write passed the store's age, and the run reading it failed)
            await asyncio.to_thread(self.store.put, key, data)
            encoded.append(Payload(metadata={"encoding": CLAIM_CHECK_ENCODING}, data=key.encode()))
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Fetch the offloaded payloads back."""
        decoded: list[Payload] = []
        for payload in payloads:
            if payload.metadata.get("encoding") != CLAIM_CHECK_ENCODING:
                decoded.append(payload)
                continue
            key = payload.data.decode(errors="replace")
            if not _DIGEST.fullmatch(key):
                raise PayloadStoreError(
                    f"a Temporal payload claims to be stored by reference under {key[:80]!r}, "
                    "which is not a sha256 digest"
                )
            decoded.append(Payload.FromString(await asyncio.to_thread(self.store.get, key)))
        return decoded


class SharedPydanticPayloadConverter(PydanticPayloadConverter):
    """The SDK's pydantic payload converter, its encoding converters made once per process and shared.

    The SDK makes a new payload converter from the data converter's class at each workflow activation (its
    command-aware data converter): :class:`PydanticPayloadConverter` builds a JSON serializer and a cache of type
    adapters each time (about 10 µs), and the cache starts empty. The converters hold no state of a run (the JSON
    one only caches a type adapter per type hint): one set serves every instance, and the type adapters built for
    pipelex's payloads are built once.
    """

    _shared: Mapping[bytes, EncodingPayloadConverter] | None = None

    def __init__(self) -> None:  # noqa: D107 - deliberately not calling PydanticPayloadConverter.__init__
        shared = SharedPydanticPayloadConverter._shared
        if shared is None:
            PydanticPayloadConverter.__init__(self)
            SharedPydanticPayloadConverter._shared = self.converters
        else:
            self.converters = shared


class ContextFreeDataConverter(DataConverter):
    """pipelex's data converter: none of its parts takes a serialization context, so it is its own copy for every
    context, answered at once.

    The SDK asks for a copy of the data converter for the context of each payload it converts (several per leaf:
    the activity's input and result, in the workflow and in the activity worker); the base class answers by asking
    each part whether it takes a context (about 2.3 µs a call) and, none of pipelex's does, returns itself. Checked
    once, when it is made: a part that would take a context is refused.
    """

    def __post_init__(self) -> None:  # noqa: D105
        super().__post_init__()
        probe = WorkflowSerializationContext(namespace="pipelex-probe", workflow_id="pipelex-probe")
        # the base class's question, part by part (its own answer would make a copy of this class: checked again)
        for part in (
            self.payload_converter,
            self.payload_codec,
            self.failure_converter,
            self.external_storage,
        ):
            if isinstance(part, WithSerializationContext) and part.with_context(probe) is not part:
                raise TypeError(
                    f"a part of this data converter ({type(part).__name__}) takes a serialization context: "
                    "use a DataConverter"
                )

    def with_context(self, context: SerializationContext) -> ContextFreeDataConverter:  # noqa: ARG002
        """Itself (no part takes a context)."""
        return self


def data_converter(*, store: PayloadStore | Path, threshold: int) -> DataConverter:
    """Pydantic payloads (:class:`SharedPydanticPayloadConverter`), big ones by reference."""
    return ContextFreeDataConverter(
        payload_converter_class=SharedPydanticPayloadConverter,
        payload_codec=ClaimCheckCodec(store, threshold=threshold),
    )
