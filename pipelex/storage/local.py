"""A local, content-addressed storage folder. URIs look like ``pipelex-storage://<sha256>.<ext>``.

Live runs normalise data URLs of inputs into storage; dry runs never touch storage.
"""

from __future__ import annotations

import base64
import contextlib
import os
import time
from collections.abc import Callable, Generator
from pathlib import Path

from pydantic import BaseModel

from pipelex.concepts.natives import DocumentContent, ImageContent, ListContent, StuffContent
from pipelex.errors import ConfigError
from pipelex.narrowing import is_list
from pipelex.storage.protocol import (
    STORAGE_SCHEME,
    Footprint,
    Storage,
    StorageBounds,
    blob_name,
    is_blob_name,
    name_of,
)

__all__ = ["STORAGE_SCHEME", "LocalStorage", "data_url_mime", "decode_data_url", "normalize_content"]


class LocalStorage:
    """Content-addressed blobs in a folder (default ``.pipelex/storage``, or ``PIPELEX_STORAGE_DIR``).

    With ``bounds`` (a quota, an age), each write takes the folder's lock (``.lock``: the server's workers are
    processes) and refuses a new blob that would pass the quota. The footprint is counted (and the blobs past
    their age deleted) at the first write, then again once the count is ``RESCAN_SECONDS`` old; in between, this
    store adds what it writes (another process's writes are seen at the next count).
    """

    def __init__(self, root: Path | None = None, bounds: StorageBounds | None = None) -> None:
        self.root = root or Path(os.environ.get("PIPELEX_STORAGE_DIR", ".pipelex/storage"))
        self.bounds = bounds or StorageBounds()
        self._footprint = Footprint()

    def put(self, data: bytes, mime_type: str | None) -> tuple[str, str]:
        """Store ``data``; return its storage URI and a public ``file://`` URL."""
        name = blob_name(data, mime_type)
        path = self.put_named(name, data)
        return f"{STORAGE_SCHEME}{name}", path.resolve().as_uri()

    def put_named(self, name: str, data: bytes) -> Path:
        """Store ``data`` as ``name`` (its content address: a blob held already is not written again), within
        the bounds; return its path. A folder that cannot be made or written is a :class:`ConfigError` naming it
        (e.g. ``PIPELEX_STORAGE_DIR`` naming a file)."""
        try:
            return self._put_named(name, data)
        except OSError as exc:
            raise self._unusable(exc) from exc

    def _unusable(self, exc: OSError) -> ConfigError:
        reason = "it is a file, not a folder" if self.root.is_file() else (exc.strerror or str(exc))
        return ConfigError(
            f"the storage folder {str(self.root)!r} cannot be written ({reason}): set PIPELEX_STORAGE_DIR or "
            "[storage] local_dir of pipelex.toml to a folder this process can write"
        )

    def _put_named(self, name: str, data: bytes) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / name
        if self.bounds.bounded:
            with self._locked():
                if not self._make_room(name, len(data)):
                    self._write(path, name, data)
                    self._footprint.grew(len(data))
        elif not path.exists():
            self._write(path, name, data)
        return path

    def get(self, uri: str) -> bytes:
        """The bytes behind a storage URI."""
        return (self.root / name_of(uri)).read_bytes()

    def size(self, uri: str) -> int | None:
        """The size of the blob behind a storage URI (a ``stat``), None when none is stored."""
        try:
            return (self.root / name_of(uri)).stat().st_size
        except (OSError, ValueError):
            return None

    @staticmethod
    def _write(path: Path, name: str, data: bytes) -> None:
        # write then rename: concurrent writers of the same blob never see a partial file
        partial = path.with_name(f".{name}.{os.getpid()}.{id(data)}.part")
        partial.write_bytes(data)
        partial.replace(path)

    @contextlib.contextmanager
    def _locked(self) -> Generator[None]:
        import fcntl

        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _make_room(self, name: str, size: int) -> bool:
        """Delete the blobs past their age; True when ``name`` is held (its age restarts), else refuse a blob of
        ``size`` bytes past the quota. Held under the folder's lock."""
        fresh = self._footprint.fresh()
        if fresh is not None:
            path = self.root / name
            if path.exists():
                os.utime(path)
                return True
            if self.bounds.fits(fresh, size):
                return False
            # past the quota by the last count: count again (blobs may have aged out) before refusing
        used, held = self._count(name)
        if held:
            os.utime(self.root / name)
            return True
        self.bounds.check_room(used, size)
        return False

    def room(self, needed: int = 0) -> int | None:
        """The bytes new blobs may still take (None: no quota): from a fresh count when it leaves room for
        ``needed``, else from a count of the folder (its aged blobs deleted)."""
        return self.bounds.room(self._footprint, needed, self._count_all)

    def _count_all(self) -> int:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._unusable(exc) from exc
        with self._locked():
            return self._count(None)[0]

    def _count(self, name: str | None) -> tuple[int, bool]:
        """The bytes the folder holds once its aged blobs are deleted, and whether it holds ``name``."""
        now = time.time()
        max_age = self.bounds.max_age_seconds
        used, held = 0, False
        with os.scandir(self.root) as entries:
            for entry in entries:
                if not is_blob_name(entry.name) or not entry.is_file(follow_symlinks=False):
                    continue  # the lock, partial writes, the Temporal payload folder (bounded by itself), others' files
                try:
                    stat = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if entry.name == name:
                    held = True
                elif max_age and now - stat.st_mtime > max_age:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                    continue
                used += stat.st_size
        self._footprint.counted(used)
        return used, held


def data_url_mime(url: str) -> str | None:
    """The MIME type a ``data:`` URL declares (None when it declares none, or for another URL)."""
    if not url.startswith("data:"):
        return None
    return url.partition(",")[0][5:].split(";", 1)[0] or None


def decode_data_url(url: str) -> tuple[bytes, str | None] | None:
    """The bytes and MIME type of a ``data:`` URL (None when it is not one, or is broken).

    As RFC 2397 writes them: after ``;base64`` the data is base64 (any percent-escapes in it decoded first, as some
    encoders escape ``+``, ``/`` and ``=``; line breaks and blanks skipped, as encoders that wrap lines write them);
    otherwise it is URL-encoded octets (``Hello%2C%20world``). Base64 holding any other character (``@@@@``,
    URL-safe ``-`` and ``_``) is broken: Python's lenient decoder drops such characters, so a broken URL read as
    other bytes, ``@@@@`` as an empty image."""
    from urllib.parse import unquote_to_bytes

    header, _, payload = url.partition(",")
    if not header.startswith("data:") or not payload:
        return None
    mime = data_url_mime(url)
    try:
        if ";base64" in header.lower():
            # UnicodeEncodeError (a letter past ASCII) and binascii.Error are ValueErrors
            encoded = unquote_to_bytes(payload) if "%" in payload else payload.encode("ascii")
            data = base64.b64decode(b"".join(encoded.split()), validate=True)
        else:
            data = unquote_to_bytes(payload)
    except ValueError:
        return None
    return data, mime


def normalize_content(
    content: StuffContent, storage: Storage, malformed: Callable[[str], None] | None = None
) -> StuffContent:
    """A copy of ``content`` where every image/document given as a data URL points into storage.

    ``malformed``: called with a data URL that cannot be decoded (it may raise); without it, such a URL is kept as
    it is (its reader fails on it)."""
    if isinstance(content, ImageContent | DocumentContent) and content.url.startswith("data:"):
        decoded = decode_data_url(content.url)
        if decoded is None:
            if malformed is not None:
                malformed(content.url)
            return content
        data, mime = decoded
        uri, public = storage.put(data, mime or content.mime_type)
        return content.model_copy(
            update={"url": uri, "public_url": public, "mime_type": content.mime_type or mime}
        )
    if isinstance(content, ListContent):
        return ListContent(
            items=[
                normalize_content(i, storage, malformed) if isinstance(i, StuffContent) else i
                for i in content.items
            ]
        )
    updates: dict[str, object] = {}
    for name in type(content).model_fields:
        value = getattr(content, name)
        if isinstance(value, StuffContent):
            new = normalize_content(value, storage, malformed)
            if new is not value:
                updates[name] = new
        elif is_list(value) and any(isinstance(v, BaseModel) for v in value):
            updates[name] = [
                normalize_content(v, storage, malformed) if isinstance(v, StuffContent) else v for v in value
            ]
    return content.model_copy(update=updates) if updates else content
