"""The blob store of the runner API: files sent by hash, kept in our storage under their SHA-256.

A client about to send a large method tree asks ``POST /v1/blobs/missing`` which of its blobs the
server lacks; each missing blob gets an upload target, ``PUT /v1/blobs/{sha256}`` on this server,
whose URL carries a signature (HMAC-SHA256 of the hash, the size and an expiry, keyed by a secret of
this server process). The protocol's clients send an upload with exactly the target's headers and no
credential of their own, so the signature is what authorises the write: it names one blob of one
size, for ``[api] blob_upload_ttl_seconds``. The server checks the body's length and SHA-256 before
anything is stored, so a blob is always the bytes its name says; a blob is stored once, whatever the
number of uploads.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field

from pipelex.storage.protocol import STORAGE_SCHEME, Storage

BLOB_MIME = "application/octet-stream"


def _uri(sha256: str) -> str:
    # Storage.put names application/octet-stream bytes <sha256>.bin
    return f"{STORAGE_SCHEME}{sha256}.bin"


@dataclass
class ApiBlobStore:
    """Blobs by SHA-256 in a :class:`~pipelex.storage.protocol.Storage`; satisfies ``mthds``' ``BlobStore``."""

    storage: Storage
    max_blob_bytes: int
    upload_ttl_seconds: int
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def read_blob(self, sha256: str) -> bytes | None:
        """The bytes named ``sha256``, or None when they are not stored (or the stored bytes are not those)."""
        try:
            data = self.storage.get(_uri(sha256))
        except (
            OSError,
            ValueError,
        ):  # not stored (FileNotFoundError), unreadable; a store that is down raises
            return None
        if hashlib.sha256(data).hexdigest() != sha256:  # pragma: no cover - a store tampered with outside us
            return None
        return data

    def holds(self, sha256: str, size: int) -> bool:
        """Whether the blob is stored, at this size: a ``stat`` or a ``HEAD``, nothing read (a blob is stored only
        once its bytes were checked against its hash; ``read_blob`` checks them again when they are used)."""
        return self.storage.size(_uri(sha256)) == size

    def room(self, needed: int = 0) -> int | None:
        """The bytes new blobs may still take in the store (None: no quota)."""
        return self.storage.room(needed)

    def store(self, data: bytes) -> str:
        """Store the bytes; return their SHA-256."""
        self.storage.put(data, BLOB_MIME)
        return hashlib.sha256(data).hexdigest()

    # ------------------------------------------------------------------------------------------ signatures
    def sign(self, sha256: str, size: int, *, now: float | None = None) -> tuple[int, str]:
        """An expiry (Unix seconds) and the signature allowing one upload of this blob until then."""
        expires = int((time.time() if now is None else now) + self.upload_ttl_seconds)
        return expires, self._mac(sha256, size, expires)

    def check_signature(self, sha256: str, size: int, expires: int, signature: str) -> str | None:
        """Why an upload's signature does not allow it, or None when it does."""
        if expires < time.time():
            return "the upload link has expired: ask POST /v1/blobs/missing for a new one"
        if not hmac.compare_digest(
            self._mac(sha256, size, expires).encode(), signature.encode("utf-8", "replace")
        ):
            return "the upload link's signature is not valid for this blob: use the link POST /v1/blobs/missing gave"
        return None

    def _mac(self, sha256: str, size: int, expires: int) -> str:
        message = f"{sha256}:{size}:{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()
