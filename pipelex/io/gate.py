"""The one gate between a run and the bytes behind a reference.

:func:`read_reference` is the only code that reads an image or a document a run names, whoever built the
reference (the caller, a construct, a template, a function, a model). It applies the run's
:class:`~pipelex.io.policy.IOPolicy`:

- ``data:`` URLs are decoded; ``pipelex-storage://`` URIs are read from the run's store;
- local files are read only when the policy allows them (or under one of its folders), only regular files
  (never a device or a pipe), at most ``max_read_bytes``;
- http(s) URLs are fetched only when allowed, and only those the run's caller named unless the policy lets it
  fetch the URLs it builds (checked before any lookup). The host is resolved once and every address it resolves to
  is checked; the connection goes to a checked address (the URL is rewritten to it, with the ``Host``
  header and TLS server name of the original host), so a second lookup cannot point elsewhere. Redirects
  are followed by hand, each hop checked again like the first. The whole fetch is bounded by
  ``fetch_timeout_s`` and the body by ``max_read_bytes``; proxies from the environment are not used.

A refused read raises :class:`~pipelex.errors.ReadRefusedError`, a failed one
:class:`~pipelex.errors.ReadFailedError`. Neither says whether anything answered at an address (no
connection errors, statuses or timings in the message): the cause goes to the debug log only.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import os
import socket
import stat
import zlib
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from pipelex.errors import ReadFailedError, ReadRefusedError
from pipelex.io.policy import (
    HttpTarget,
    IOPolicy,
    IPAddress,
    ReferenceKind,
    Refusal,
    RefusalReason,
    literal_address,
    local_path,
    parse_http_url,
    reference_kind,
    system_file_refusal,
)
from pipelex.system_paths import opened_real_path

if TYPE_CHECKING:
    import httpx

    from pipelex.storage.protocol import Storage

logger = logging.getLogger("pipelex.io")

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def shown(url: str) -> str:
    """A reference as messages show it: quoted, shortened, a data: URL never in full (nor its header: a data URL
    without a comma is all header, 3 MB of it made a message of 3 MB)."""
    if url.startswith("data:"):
        header = url.split(",", 1)[0]
        return repr((header if len(header) <= 100 else header[:97] + "...") + ",...")
    return repr(url if len(url) <= 100 else url[:97] + "...")


def refused(url: str, refusal: Refusal, *, pipe_code: str | None) -> ReadRefusedError:
    """The error of a refused read."""
    where = f"pipe {pipe_code!r}: " if pipe_code else ""
    return ReadRefusedError(
        f"{where}reading {shown(url)} is refused: {refusal.detail}; {refusal.hint}",
        pipe_code=pipe_code,
        reason=refusal.reason.value,
    )


def unreadable(
    url: str, policy: IOPolicy, *, pipe_code: str | None, cause: object, detail: str | None = None
) -> ReadFailedError:
    """The error of a failed read: the same words whatever failed (the cause goes to the debug log)."""
    logger.debug("reading %s failed: %r", shown(url), cause)
    where = f"pipe {pipe_code!r}: " if pipe_code else ""
    why = detail or (
        f"it is unreachable, not a success answer, larger than {policy.max_read_bytes} bytes "
        f"([io] max_read_bytes) or slower than {policy.fetch_timeout_s:g} s"
    )
    return ReadFailedError(
        f"{where}{shown(url)} cannot be read ({why}); give a reachable URL, a readable file, or a data: URL",
        pipe_code=pipe_code,
    )


async def read_reference(
    url: str, policy: IOPolicy, storage: Storage | None, *, pipe_code: str | None
) -> tuple[bytes, str | None]:
    """The bytes behind ``url`` and (when known) their MIME type, if ``policy`` allows reading it.

    Raises:
        ReadRefusedError: the policy refuses the reference (or a redirect it leads to).
        ReadFailedError: the reference cannot be read.
    """
    refusal = policy.refusal(url)
    if refusal is not None:
        raise refused(url, refusal, pipe_code=pipe_code)
    match reference_kind(url):
        case ReferenceKind.DATA:
            return _read_data(url, policy, pipe_code=pipe_code)
        case ReferenceKind.STORAGE:
            return await _read_storage(url, policy, storage, pipe_code=pipe_code)
        case ReferenceKind.FILE:
            return await asyncio.to_thread(_read_file, url, policy, pipe_code)
        case ReferenceKind.HTTP:
            return await _read_http(url, policy, pipe_code=pipe_code)
        case ReferenceKind.OTHER:  # pragma: no cover - refused by the policy above
            raise unreadable(url, policy, pipe_code=pipe_code, cause="scheme")


def _read_data(url: str, policy: IOPolicy, *, pipe_code: str | None) -> tuple[bytes, str | None]:
    from pipelex.storage.local import decode_data_url

    if len(url) > policy.max_read_bytes * 4 // 3 + 1024:
        raise unreadable(
            url,
            policy,
            pipe_code=pipe_code,
            cause="size",
            detail=f"it holds more than {policy.max_read_bytes} bytes ([io] max_read_bytes)",
        )
    decoded = decode_data_url(url)
    if decoded is None:
        raise unreadable(url, policy, pipe_code=pipe_code, cause="malformed", detail="a malformed data: URL")
    return decoded


async def _read_storage(
    url: str, policy: IOPolicy, storage: Storage | None, *, pipe_code: str | None
) -> tuple[bytes, str | None]:
    from pipelex.storage.protocol import STORAGE_SCHEME

    if storage is None:
        raise unreadable(
            url, policy, pipe_code=pipe_code, cause="no storage", detail="this run has no storage"
        )
    try:
        data = await asyncio.to_thread(storage.get, url)
    except Exception as exc:  # a missing blob, a refused name, a store error: one answer
        raise unreadable(
            url, policy, pipe_code=pipe_code, cause=exc, detail="no such blob in this run's storage"
        ) from None
    if len(data) > policy.max_read_bytes:
        raise unreadable(
            url,
            policy,
            pipe_code=pipe_code,
            cause="size",
            detail=f"it holds more than {policy.max_read_bytes} bytes ([io] max_read_bytes)",
        )
    return data, mimetypes.guess_type(url.removeprefix(STORAGE_SCHEME))[0]


def _read_file(url: str, policy: IOPolicy, pipe_code: str | None) -> tuple[bytes, str | None]:
    path = local_path(url)
    # details only where the run may read any file: there the user owns the disk; elsewhere one answer
    tell = policy.allow_local_files
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)  # non-blocking: opening a named pipe must not wait for a writer
    except OSError as exc:
        detail = (
            f"{exc.strerror or 'cannot open it'}" if tell else "no such file in the folders this run reads"
        )
        raise unreadable(url, policy, pipe_code=pipe_code, cause=exc, detail=detail) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise unreadable(
                url,
                policy,
                pipe_code=pipe_code,
                cause="not a regular file",
                detail="it is not a regular file" if tell else None,
            )
        # the file opened, not the path checked before: a link switched to /proc/self/environ meanwhile is refused
        refusal = system_file_refusal(opened_real_path(fd, path))
        if refusal is not None:
            raise refused(url, refusal, pipe_code=pipe_code)
        if info.st_size > policy.max_read_bytes:
            raise unreadable(
                url,
                policy,
                pipe_code=pipe_code,
                cause="size",
                detail=f"it holds more than {policy.max_read_bytes} bytes ([io] max_read_bytes)",
            )
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > policy.max_read_bytes:  # the file grew while read
                raise unreadable(
                    url,
                    policy,
                    pipe_code=pipe_code,
                    cause="size",
                    detail=f"it holds more than {policy.max_read_bytes} bytes ([io] max_read_bytes)",
                )
            chunks.append(chunk)
    except OSError as exc:
        raise unreadable(
            url,
            policy,
            pipe_code=pipe_code,
            cause=exc,
            detail=(exc.strerror or "a read error") if tell else None,
        ) from None
    finally:
        os.close(fd)
    return b"".join(chunks), mimetypes.guess_type(path.name)[0]


# ---------------------------------------------------------------------------------------------------- http(s)
async def resolve(target: HttpTarget) -> list[IPAddress]:
    """Every address ``target.host`` resolves to (one lookup), in the resolver's order; [] when none."""
    literal = literal_address(target.host)
    if literal is not None:
        return [literal]
    import ipaddress

    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            target.host, target.port, type=socket.SOCK_STREAM
        )
    except (OSError, UnicodeError):
        return []
    found: list[IPAddress] = []
    for info in infos:
        try:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        except ValueError:
            continue
        if address not in found:
            found.append(address)
    return found


async def _read_http(url: str, policy: IOPolicy, *, pipe_code: str | None) -> tuple[bytes, str | None]:
    import httpx

    try:
        async with (
            asyncio.timeout(policy.fetch_timeout_s),
            httpx.AsyncClient(
                follow_redirects=False, trust_env=False, timeout=policy.fetch_timeout_s
            ) as client,
        ):
            return await _follow(client, url, policy, pipe_code=pipe_code)
    except (ReadRefusedError, ReadFailedError):
        raise
    # httpx.InvalidURL is none of the others: httpx raises it on a Location header it cannot parse (it builds the
    # next request even when it does not follow it)
    except (TimeoutError, httpx.HTTPError, httpx.InvalidURL, OSError, ValueError, zlib.error) as exc:
        raise unreadable(url, policy, pipe_code=pipe_code, cause=exc) from None


async def _follow(
    client: httpx.AsyncClient, url: str, policy: IOPolicy, *, pipe_code: str | None
) -> tuple[bytes, str | None]:
    current = url
    # a redirect keeps the standing of the URL the caller named (or the run built)
    named = policy.is_named(url)
    for hop in range(policy.max_redirects + 1):
        if hop and reference_kind(current) is not ReferenceKind.HTTP:
            # a redirect to a data: URL, a pipelex-storage:// name or a file would be read as the run's own (a public
            # host naming the run's stored blobs or, where the run reads files, the user's files)
            raise refused(
                current,
                Refusal(RefusalReason.SCHEME, "a redirect leads only to another http(s) URL"),
                pipe_code=pipe_code,
            )
        # the scheme, URLs allowed, a built URL, a literal internal host: every hop
        refusal = policy.refusal(current, named=named)
        if refusal is not None:
            raise refused(url if current == url else current, refusal, pipe_code=pipe_code)
        target = parse_http_url(current)
        assert not isinstance(target, Refusal)  # the policy refused malformed URLs above
        addresses = await resolve(target)
        if not addresses:
            if policy.allow_internal_urls or policy.is_trusted(target.origin):
                raise unreadable(current, policy, pipe_code=pipe_code, cause="no address")
            # an unresolvable name answers like an internal one: no oracle on which internal names exist
            raise refused(
                current,
                Refusal(RefusalReason.INTERNAL, "its host is not a public address"),
                pipe_code=pipe_code,
            )
        for address in addresses:
            address_refused = policy.address_refusal(target, address)
            if address_refused is not None:
                raise refused(current, address_refused, pipe_code=pipe_code)
        response = await _send_pinned(client, target, addresses)
        try:
            location = response.headers.get("location")
            if response.status_code in _REDIRECTS and location:
                current = urljoin(current, location.strip())
                continue
            if not 200 <= response.status_code < 300:
                raise unreadable(url, policy, pipe_code=pipe_code, cause=f"status {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > policy.max_read_bytes:
                raise unreadable(url, policy, pipe_code=pipe_code, cause="declared size")
            decoding = BoundedDecoding(response.headers.get_list("content-encoding", split_commas=True))
            chunks: list[bytes] = []
            total = 0
            # the raw bytes, decoded here a stage at a time with a cap on what each stage may make: httpx's own
            # decoders inflate a whole network chunk at once (a 2 KB body of `gzip, gzip` is 1 GB in one call)
            async for raw in response.aiter_raw():
                chunk = decoding.decode(raw, policy.max_read_bytes - total)
                total += len(chunk)
                if total > policy.max_read_bytes:
                    raise unreadable(url, policy, pipe_code=pipe_code, cause="size")
                chunks.append(chunk)
            tail = decoding.finish(policy.max_read_bytes - total)
            if total + len(tail) > policy.max_read_bytes:
                raise unreadable(url, policy, pipe_code=pipe_code, cause="size")
            chunks.append(tail)
            mime = response.headers.get("content-type", "").split(";")[0].strip() or None
            return b"".join(chunks), mime
        finally:
            await response.aclose()
    raise unreadable(
        url,
        policy,
        pipe_code=pipe_code,
        cause="too many redirects",
        detail=f"it redirects more than {policy.max_redirects} times ([io] max_redirects)",
    )


# the encodings a fetch asks for and decodes, the zlib window of each ("deflate" is zlib-wrapped, raw deflate tried
# when the first bytes are not); at most two applied one over the other (a real server applies one)
_ACCEPT_ENCODING = "gzip, deflate"
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
_MAX_ENCODINGS = 2


class BoundedDecoding:
    """The ``Content-Encoding`` stages of one body, each bounded in what it makes.

    A stage never makes more than the room it is given plus one byte, so a body that inflates past the bound is
    caught at the first chunk that would pass it, whatever its ratio and however many encodings it stacks, and the
    memory a chunk takes stays within (stages x room): past it :class:`BodyTooLargeError` (an inner stage's
    output, compressed, is smaller than the body's, so it is held to the same room). An encoding other than gzip
    and deflate, or more than ``_MAX_ENCODINGS`` of them, raises ``ValueError``: either way the body cannot be read.
    """

    def __init__(self, encodings: list[str]) -> None:
        names = [name.strip().lower() for name in encodings if name.strip().lower() not in ("", "identity")]
        unknown = [name for name in names if name not in _WBITS]
        if unknown or len(names) > _MAX_ENCODINGS:
            raise ValueError(f"content encoding {', '.join(names)!r}")
        # applied in the order listed, so decoded from the last
        self._stages = [_Stage(_WBITS[name]) for name in reversed(names)]

    def decode(self, data: bytes, room: int) -> bytes:
        """The decoded bytes of ``data``, at most ``room`` of them."""
        for stage in self._stages:
            data = stage.feed(data, room)
        return data

    def finish(self, room: int) -> bytes:
        """What the stages still hold once the body has arrived."""
        data = b""
        for stage in self._stages:
            data = stage.feed(data, room) + stage.flush(room)
        return data


class BodyTooLargeError(ValueError):
    """A stage of a body's decoding made more than its room."""


class _Stage:
    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._inflate = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        if not data:
            return b""
        limit = max(room, 0) + 1  # one byte past the room says the body passes it (0 would mean no limit)
        if not self._started and self._wbits == zlib.MAX_WBITS:
            try:
                out = self._inflate.decompress(data, limit)
            except zlib.error:  # "deflate" sent raw, as some servers do
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                out = self._inflate.decompress(data, limit)
        else:
            out = self._inflate.decompress(data, limit)
        self._started = True
        if len(out) > room or self._inflate.unconsumed_tail:
            raise BodyTooLargeError("the body decodes past its bound")
        return out

    def flush(self, room: int) -> bytes:
        out = self._inflate.flush() if self._started else b""
        if len(out) > room:
            raise BodyTooLargeError("the body decodes past its bound")
        return out


async def _send_pinned(
    client: httpx.AsyncClient, target: HttpTarget, addresses: list[IPAddress]
) -> httpx.Response:
    """GET ``target`` from the first checked address that accepts a connection (no second lookup)."""
    import httpx

    last: Exception | None = None
    for address in addresses:
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        request = client.build_request(
            "GET",
            target.url_for(address),
            headers={"Host": target.host_header, "Accept-Encoding": _ACCEPT_ENCODING},
            extensions=extensions,
        )
        try:
            return await client.send(request, stream=True)
        except httpx.TransportError as exc:
            last = exc
    assert last is not None
    raise last
