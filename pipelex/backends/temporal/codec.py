"""The data converter: pydantic payloads, and big payloads by content-addressed reference ("claim check").

A payload over ``[temporal] payload_offload_bytes`` is written once to a content-addressed folder
(``<storage dir>/temporal-payloads/<sha256>``) and replaced on the wire by its digest, so no payload ever
nears Temporal's 2 MiB limit and histories stay small. The codec runs at the edge (client and worker),
never in workflow code. Every client and worker of a deployment must see the same storage folder
(``PIPELEX_STORAGE_DIR``, or ``[storage] local_dir``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

from pipelex.errors import RunError

CLAIM_CHECK_ENCODING = b"pipelex/claim-check"
_DIGEST = re.compile(r"[0-9a-f]{64}")


class PayloadStoreError(RunError):
    """A payload sent by reference cannot be found in the payload store."""


def payload_store_dir(local_dir: str = ".pipelex/storage") -> Path:
    """The folder of offloaded payloads (under ``PIPELEX_STORAGE_DIR`` or the configured storage folder)."""
    return Path(os.environ.get("PIPELEX_STORAGE_DIR") or local_dir) / "temporal-payloads"


class ClaimCheckCodec(PayloadCodec):
    """Swaps payloads bigger than ``threshold`` bytes for their sha256, stored in ``store``."""

    def __init__(self, store: Path, *, threshold: int) -> None:  # noqa: D107
        self.store = store
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
            path = self.store / key
            if not path.exists():
                self.store.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_bytes(data)
                tmp.replace(path)
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
            path = self.store / key
            try:
                decoded.append(Payload.FromString(path.read_bytes()))
            except OSError as exc:
                raise PayloadStoreError(
                    f"a Temporal payload was sent by reference to {path}, which cannot be read "
                    f"({exc.strerror}): every client and worker must share the storage folder "
                    "(set PIPELEX_STORAGE_DIR to the same path)"
                ) from exc
        return decoded


def data_converter(*, store: Path, threshold: int) -> DataConverter:
    """Pydantic payloads, big ones by reference."""
    return dataclasses.replace(
        pydantic_data_converter, payload_codec=ClaimCheckCodec(store, threshold=threshold)
    )
