"""Seventh hostile pass: the content type a store writes is never the caller's word for an active page.

A key holder's live run stores its data-URL inputs (``data:text/html;base64,...`` as an ``Image`` or ``Document``)
in the server's store. It was written under the declared type: an S3 object of ``Content-Type: text/html`` and a
blob named ``<sha256>.html`` or ``.svg``, a page a browser runs from the operator's bucket or folder when either is
served; a line break in the declared type failed the S3 write with an internal error (a 500). The one rule,
:func:`pipelex.storage.protocol.stored_type`, keeps the type the bytes announce, or an inert declared one, else
``application/octet-stream``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelex.storage.local import LocalStorage
from pipelex.storage.protocol import STORAGE_SCHEME, blob_name, is_blob_name, stored_type
from tests.storage.test_storage import _bucket, moto_endpoint  # noqa: F401 - the fixture, used by name

PAGE = b"<html><script>alert(document.domain)</script></html>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

ACTIVE = [
    "text/html",
    "TEXT/HTML",
    "text/html; charset=utf-8",
    "image/svg+xml",
    "application/xhtml+xml",
    "text/xml",
    "application/javascript",
    "text/javascript",
    "application/x-httpd-php",
    "multipart/x-mixed-replace",
    "text/html\r\nx-amz-acl: public-read",
    "image/png\r\nx-amz-acl: public-read",
    "image/png\nContent-Disposition: inline",
    "text/plain\x00",
    "a" * 5000,
    "",
    "png",
    "image/",
]


@pytest.mark.parametrize("declared", ACTIVE)
def test_a_declared_active_or_malformed_type_is_stored_as_bytes(declared: str) -> None:
    assert stored_type(PAGE, declared) == "application/octet-stream"
    assert blob_name(PAGE, declared).endswith(".bin")


@pytest.mark.parametrize(
    ("declared", "kept"),
    [
        ("image/png", "image/png"),
        ("image/jpeg", "image/jpeg"),
        ("IMAGE/WEBP", "image/webp"),
        ("application/pdf", "application/pdf"),
        ("text/plain; charset=utf-8", "text/plain"),
        ("text/markdown", "text/markdown"),
        ("audio/mpeg", "audio/mpeg"),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (None, "application/octet-stream"),
    ],
)
def test_an_inert_declared_type_is_kept(declared: str | None, kept: str) -> None:
    assert stored_type(b"some bytes", declared) == kept
    assert is_blob_name(blob_name(b"some bytes", declared))


def test_the_bytes_announce_their_own_type_whatever_was_declared() -> None:
    assert stored_type(PNG, "text/html") == "image/png"
    assert stored_type(b"%PDF-1.7 ...", "image/svg+xml") == "application/pdf"
    assert blob_name(PNG, "text/html").endswith(".png")


def test_bytes_declared_opaque_stay_opaque() -> None:
    # the runner API's blob store puts every upload as application/octet-stream and finds it as <sha256>.bin:
    # a PDF or PNG uploaded by hash must be found again (tests/api/test_protocol_blobs.py)
    assert stored_type(PNG, "application/octet-stream") == "application/octet-stream"
    assert blob_name(b"%PDF-1.7 ...", "application/octet-stream").endswith(".bin")


def test_a_local_store_names_no_blob_as_a_page(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    uri, _ = store.put(PAGE, "text/html")
    svg_uri, _ = store.put(PAGE + b"<svg/>", "image/svg+xml")
    assert uri.endswith(".bin") and svg_uri.endswith(".bin"), (uri, svg_uri)
    assert sorted(p.suffix for p in tmp_path.iterdir() if not p.name.startswith(".")) == [".bin", ".bin"]
    assert store.get(uri) == PAGE


def test_an_s3_store_writes_no_active_content_type(moto_endpoint: str) -> None:  # noqa: F811
    from pipelex.storage.s3 import S3Storage

    client = _bucket(moto_endpoint, "typed")
    store = S3Storage("typed", prefix="blobs", endpoint_url=moto_endpoint)
    for index, declared in enumerate(["text/html", "image/svg+xml", "text/html\r\nx-amz-acl: public-read"]):
        data = PAGE + bytes([index])
        uri, public = store.put(
            data, declared
        )  # the line break used to fail the write (botocore's header check)
        key = public.removeprefix("s3://typed/")
        head = client.head_object(Bucket="typed", Key=key)
        assert head["ContentType"] == "application/octet-stream", (declared, head["ContentType"])
        assert key.endswith(".bin") and store.get(uri) == data
    uri, public = store.put(PNG, "text/html")
    assert (
        client.head_object(Bucket="typed", Key=public.removeprefix("s3://typed/"))["ContentType"]
        == "image/png"
    )
    assert uri == f"{STORAGE_SCHEME}{blob_name(PNG, None)}"
