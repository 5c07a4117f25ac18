"""The IO policy of a run: what it may read from outside, and the pure checks behind it.

A run reads bytes from outside when an image or a document is extracted, sent to a model, or stored:
references given by the caller, and references built during the run (a ``construct``, a template, a
function, a model's output). Each such read goes through :func:`pipelex.io.gate.read_reference`, which
applies the :class:`IOPolicy` the run carries. This module holds the policy and the checks that need no
network: the reference's kind, a strict parse of http(s) URLs, and the classification of addresses
(loopback, private, link-local, multicast, unspecified, reserved, shared, and the IPv6 forms that embed
an IPv4 address: mapped, compatible, 6to4, Teredo, NAT64).

Two policies ship:

- :meth:`IOPolicy.closed` (the runner API's default): ``data:`` URLs and the run's own storage only;
  files only inside the storage folder; no URLs.
- the CLI and Python API take ``[io]`` from ``pipelex.toml``: the files the user names are read, public
  http(s) URLs the caller named are fetched, internal addresses are refused unless allowed.

Wherever URLs are fetched, only those the run's **caller named** (``named_urls``: every http(s) URL its inputs
hold) are, unless ``allow_built_urls``: a URL built during the run (a ``construct``, a template, a function's or
a model's output) could carry what the run read (a document's text, a local file) to any host, and its lookup
alone would tell a name server. A trusted origin is fetched either way; a redirect keeps the standing of the URL
that led to it.
"""

import ipaddress
import os
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field

from pipelex.record import FrozenRecord
from pipelex.storage.protocol import STORAGE_SCHEME
from pipelex.system_paths import system_root

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_MAX_READ_BYTES = 50 * 1024 * 1024
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class ReferenceKind(StrEnum):
    """How a reference is read."""

    DATA = "data"  # a data: URL, decoded in place
    STORAGE = "storage"  # pipelex-storage://, the run's own store
    FILE = "file"  # a path or a file:// URL
    HTTP = "http"  # http:// or https://
    OTHER = "other"  # any other scheme: never read


class RefusalReason(StrEnum):
    """Why the policy refuses a read."""

    LOCAL_FILE = "local_file"
    URL = "url"
    SCHEME = "scheme"
    MALFORMED = "malformed"
    INTERNAL = "internal"
    BUILT_URL = "built_url"
    PROVIDER_FILE = "provider_file"
    SYSTEM_FILE = "system_file"


class Refusal(FrozenRecord):
    """A refused read: the reason and a short explanation that reveals nothing about the server."""

    reason: RefusalReason
    detail: str

    FIELDS = ("reason", "detail")

    def __init__(self, reason: RefusalReason, detail: str) -> None:
        self.reason = reason
        self.detail = detail

    @property
    def hint(self) -> str:
        """How to get past it (the setting to change, or what to send instead)."""
        match self.reason:
            case RefusalReason.LOCAL_FILE:
                return (
                    "send the content inline as a data: URL, or let the runner read local files "
                    "([io] allow_local_files for the CLI, [api] allow_local_files for a server)"
                )
            case RefusalReason.URL:
                return "send the content inline as a data: URL, or allow URLs ([io] / [api] allow_urls)"
            case RefusalReason.BUILT_URL:
                return (
                    "give the URL as an input of the run, or, for a bundle you trust, let runs fetch the URLs they "
                    "build ([io] / [api] allow_built_urls)"
                )
            case RefusalReason.INTERNAL:
                return (
                    "only public hosts are fetched; an operator who means it can allow internal addresses "
                    "([io] / [api] allow_internal_urls) or trust one origin ([io] / [api] trusted_origins)"
                )
            case RefusalReason.PROVIDER_FILE:
                return (
                    "a model's server answers images as bytes or as URLs, never as files of this machine: check "
                    "the backend's base_url in the model deck"
                )
            case RefusalReason.SYSTEM_FILE:
                return "name a document or an image file of your own, or send the content as a data: URL"
            case RefusalReason.SCHEME | RefusalReason.MALFORMED:
                return "use a data: URL, an http(s):// URL, or a file path"


class HttpTarget(FrozenRecord):
    """An http(s) URL taken apart strictly: what to resolve, where to connect, what to ask for."""

    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int
    path: str  # path and query, at least "/"

    FIELDS = ("scheme", "host", "port", "path")

    def __init__(self, scheme: str, host: str, port: int, path: str) -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path

    @property
    def origin(self) -> str:
        """``scheme://host:port`` (the port always written)."""
        return f"{self.scheme}://{_bracketed(self.host)}:{self.port}"

    @property
    def host_header(self) -> str:
        """The ``Host`` header: the port only when it is not the scheme's default."""
        default = 443 if self.scheme == "https" else 80
        return _bracketed(self.host) if self.port == default else f"{_bracketed(self.host)}:{self.port}"

    def url_for(self, address: IPAddress) -> str:
        """The same URL with ``address`` in place of the host: the connection goes to the checked address."""
        return f"{self.scheme}://{_bracketed(str(address))}:{self.port}{self.path}"


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def reference_kind(url: str) -> ReferenceKind:
    """How ``url`` would be read (a string without a scheme is a path)."""
    if url.startswith("data:"):
        return ReferenceKind.DATA
    if url.startswith(STORAGE_SCHEME):
        return ReferenceKind.STORAGE
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ReferenceKind.OTHER
    if not scheme or (len(scheme) == 1 and os.name == "nt"):  # a Windows drive letter is a path
        return ReferenceKind.FILE
    if scheme == "file":
        return ReferenceKind.FILE
    if scheme in ("http", "https"):
        return ReferenceKind.HTTP
    return ReferenceKind.OTHER


def system_file_refusal(real_path: str) -> Refusal | None:
    """Why a file whose real path is ``real_path`` is never read (it lies in a system folder), or None."""
    root = system_root(real_path)
    if root is None:
        return None
    return Refusal(
        RefusalReason.SYSTEM_FILE,
        f"it lies in {root}, a system folder (the kernel's views of processes and devices), which holds no document",
    )


def local_path(url: str) -> Path:
    """The path a ``file://`` URL or a bare path names (not resolved)."""
    if url.lower().startswith("file:"):
        return Path(unquote(urlsplit(url).path))
    return Path(url)


def parse_http_url(url: str) -> HttpTarget | Refusal:
    """Take an http(s) URL apart, refusing what parsers disagree on (credentials, spaces, backslashes, ...)."""
    malformed = Refusal(RefusalReason.MALFORMED, "it is not a well-formed http(s) URL")
    if any(ch.isspace() or ord(ch) < 0x20 or ch in "\\\x7f" for ch in url):
        return malformed
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return malformed
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return Refusal(RefusalReason.SCHEME, f"the URL scheme {scheme!r} is never read")
    if "@" in parts.netloc:
        return Refusal(RefusalReason.MALFORMED, "a URL with credentials (user@host) is never fetched")
    host = (parts.hostname or "").rstrip(".")
    if not host or "%" in host:
        return malformed
    try:
        host.encode("idna")
    except UnicodeError:
        return malformed
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return HttpTarget(
        scheme=scheme, host=host.lower(), port=port or (443 if scheme == "https" else 80), path=path
    )


def literal_address(host: str) -> IPAddress | None:
    """The address a host names without any lookup: an IP literal in any spelling ``inet_aton`` accepts
    (``127.1``, ``0x7f000001``, ``2130706433``, ``0177.0.0.1``) or an IPv6 literal; None for a name."""
    bare = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        pass
    if bare and all(ch in "0123456789abcdefxABCDEFX." for ch in bare):
        import socket  # only here: the socket module is a tenth of a small validate's own imports

        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare))
        except OSError:
            return None
    return None


def address_refusal(address: IPAddress) -> str | None:
    """Why ``address`` is not a public unicast address (and so is never fetched), or None when it is.

    IPv6 forms that carry an IPv4 address (mapped ``::ffff:a.b.c.d``, compatible ``::a.b.c.d``, 6to4,
    Teredo, NAT64) are judged by the IPv4 address too.
    """
    if isinstance(address, ipaddress.IPv6Address):
        address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
        if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d on the wire
            reason = address_refusal(address.ipv4_mapped)
            return None if reason is None else f"{reason} (inside {address})"
        embedded: list[ipaddress.IPv4Address] = []
        if address.sixtofour is not None:
            embedded.append(address.sixtofour)
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if any(address in network for network in _NAT64):
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if int(address) >> 32 == 0:  # ::a.b.c.d, the deprecated IPv4-compatible form (and ::, ::1)
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        for inner in embedded:
            reason = address_refusal(inner)
            if reason is not None:
                return f"{reason} (inside {address})"
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not globally routable", not address.is_global),
    )
    for name, hit in checks:
        if hit:
            return f"{name} address"
    return None


class IOPolicy(BaseModel):
    """What a run may read from outside. Frozen and serialisable: it travels with the run, to every job
    and over the Temporal wire. The default is closed: ``data:`` URLs and the run's own storage only."""

    # defer_build: a command's policy is made from the configuration's validated [io] (model_construct, see
    # PipelexConfig.io_policy) or is the default; the validator is built when a policy is validated or serialised
    # (the runner API, the Temporal wire), not by every command
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    allow_local_files: bool = Field(default=False, description="read any local file (paths, file:// URLs)")
    local_roots: tuple[str, ...] = Field(
        default=(),
        description="folders whose files are read even when allow_local_files is off (the storage folder)",
    )
    allow_urls: bool = Field(default=False, description="fetch http(s) URLs")
    allow_internal_urls: bool = Field(
        default=False, description="fetch URLs whose host is or resolves to a non-public address"
    )
    allow_built_urls: bool = Field(
        default=False,
        description="fetch URLs built during the run (a construct, a template, a function or model output), "
        "not only those the caller named",
    )
    named_urls: tuple[str, ...] = Field(
        default=(), description="the http(s) URLs the run's caller named (its inputs): the ones it fetches"
    )
    trusted_origins: tuple[str, ...] = Field(
        default=(),
        description="origins (scheme://host:port) fetched even when internal (an operator's own server)",
    )
    provider_output: bool = Field(
        default=False,
        description="the references read are those a provider returned (generated images): never a local file",
    )
    max_read_bytes: int = Field(
        default=DEFAULT_MAX_READ_BYTES, ge=1, description="the most bytes one read returns"
    )
    fetch_timeout_s: float = Field(
        default=30.0, gt=0, description="the longest one fetch (all redirects) may take"
    )
    max_redirects: int = Field(
        default=5, ge=0, le=20, description="redirect hops followed, each checked again"
    )

    @classmethod
    def closed(cls, *, local_roots: tuple[str, ...] = ()) -> "IOPolicy":
        """The closed policy: data: URLs and storage, and files only under ``local_roots``."""
        return cls(local_roots=local_roots)

    @property
    def fetches_named_only(self) -> bool:
        """True when the run fetches URLs, but only those its caller named."""
        return self.allow_urls and not self.allow_built_urls

    def naming(self, urls: Iterable[str]) -> "IOPolicy":
        """This policy for a run whose caller named ``urls`` (its inputs' http(s) URLs): those may be fetched.
        The same policy when it fetches no URL, or every URL a run builds."""
        if not self.fetches_named_only:
            return self
        named = tuple(dict.fromkeys((*self.named_urls, *urls)))
        return self if named == self.named_urls else self.model_copy(update={"named_urls": named})

    def is_named(self, url: str) -> bool:
        """True when the run's caller named ``url`` (or the run may fetch any URL it builds)."""
        return self.allow_built_urls or url in self.named_urls

    def is_trusted(self, origin: str) -> bool:
        """True when ``origin`` is one of the trusted origins."""
        return any(_normal_origin(trusted) == origin for trusted in self.trusted_origins)

    def for_provider_output(self, base_url: str | None) -> "IOPolicy":
        """The policy for a URL a provider returned (a generated image): fetched even when the run may not
        fetch URLs, since the operator configured that provider; its own origin is trusted, other hosts
        are checked as usual. It never names a file of this machine (``provider_output``): a ``file://`` URL or a
        path in a provider's answer is refused even where the run reads local files (the CLI), or a hostile image
        endpoint (a proxy, a compromised server) would have the run store any file its user can read as the
        image, and a later step send it back out."""
        origin = _normal_origin(base_url) if base_url else None
        trusted = (*self.trusted_origins, origin) if origin else self.trusted_origins
        return self.model_copy(
            update={
                "allow_urls": True,
                "allow_built_urls": True,
                "trusted_origins": trusted,
                "provider_output": True,
            }
        )

    def refusal(self, url: str, *, named: bool | None = None) -> Refusal | None:
        """Why reading ``url`` is refused before any lookup, or None when it may be tried.

        A host that is a name is resolved at fetch time, where every address it resolves to is checked.
        ``named``: whether the run's caller named the URL (a redirect keeps the standing of the URL it came
        from); by default, whether it is among :attr:`named_urls`.
        """
        match reference_kind(url):
            case ReferenceKind.DATA | ReferenceKind.STORAGE:
                return None
            case ReferenceKind.FILE:
                path = local_path(url)
                if "\x00" in str(path):  # no file has one; the OS would refuse it with a ValueError
                    return Refusal(RefusalReason.MALFORMED, "a path holding a NUL byte is never read")
                return self.file_refusal(path)
            case ReferenceKind.OTHER:
                try:
                    scheme = urlsplit(url).scheme.lower()
                except ValueError:
                    return Refusal(RefusalReason.MALFORMED, "it is not a well-formed URL")
                if scheme == "data":  # `DATA:`, `Data:`: pipelex reads data URLs spelled in lower case only
                    return Refusal(
                        RefusalReason.SCHEME,
                        f"a data URL is read only with its scheme in lower case: write {url[:5]!r} as 'data:'",
                    )
                return Refusal(RefusalReason.SCHEME, f"the URL scheme {scheme!r} is never read")
            case ReferenceKind.HTTP:
                return self.http_refusal(url, named=self.is_named(url) if named is None else named)

    def file_refusal(self, path: Path) -> Refusal | None:
        """Why reading the local file ``path`` is refused, or None."""
        if self.provider_output:
            return Refusal(
                RefusalReason.PROVIDER_FILE, "it is a local file, which a provider's answer never names"
            )
        # a file the run may read is never one of a system folder (its real path: a link, `..` or /dev/stdin
        # leading there too); judged only then, so a refusal says nothing of a server's files it would not read
        if self.allow_local_files:
            return system_file_refusal(os.path.realpath(path))
        real = os.path.realpath(path)
        for root in self.local_roots:
            real_root = os.path.realpath(root)
            if os.path.commonpath([real, real_root]) == real_root:
                return system_file_refusal(real)
        return Refusal(RefusalReason.LOCAL_FILE, "this run does not read local files")

    def http_refusal(self, url: str, *, named: bool = True) -> Refusal | None:
        """Why fetching ``url`` is refused before any lookup (scheme, shape, URLs allowed, a URL the caller did
        not name, a literal internal address), or None. ``named``: whether the caller named it."""
        target = parse_http_url(url)
        if isinstance(target, Refusal):
            return target
        if self.is_trusted(target.origin):
            return None
        if not self.allow_urls:
            return Refusal(RefusalReason.URL, "this run does not fetch URLs")
        if not named and not self.allow_built_urls:
            return Refusal(
                RefusalReason.BUILT_URL,
                "this run fetches only the URLs its caller named (its inputs), and this one was built during the run",
            )
        if self.allow_internal_urls:
            return None
        if target.host == "localhost" or target.host.endswith(".localhost"):
            return Refusal(RefusalReason.INTERNAL, "its host is an internal address (loopback)")
        literal = literal_address(target.host)
        if literal is not None:
            reason = address_refusal(literal)
            if reason is not None:
                return Refusal(RefusalReason.INTERNAL, f"its host is an internal address ({reason})")
        return None

    def address_refusal(self, target: HttpTarget, address: IPAddress) -> Refusal | None:
        """Why connecting to ``address`` for ``target`` is refused (an internal address), or None."""
        if self.allow_internal_urls or self.is_trusted(target.origin):
            return None
        if address_refusal(address) is not None:
            return Refusal(RefusalReason.INTERNAL, "its host is not a public address")
        return None


def _normal_origin(url: str) -> str | None:
    target = parse_http_url(url)
    return None if isinstance(target, Refusal) else target.origin
