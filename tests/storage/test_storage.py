"""Storage: local content addressing, and an S3-compatible store against a real ``moto_server`` process."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelex.boot import Pipelex
from pipelex.concepts.natives import DocumentContent, ImageContent
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner
from pipelex.storage.local import LocalStorage, decode_data_url, normalize_content
from pipelex.storage.protocol import STORAGE_SCHEME, name_of
from pipelex.testing.fake_provider import FakeProvider
from tests.inference.conftest import boot, make_pdf, make_png
from tests.timing import STARTUP_S


def test_local_storage_is_content_addressed(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "s")
    uri, public = store.put(b"hello", "text/plain")
    again, _ = store.put(b"hello", "text/plain")
    assert uri == again and uri.startswith(STORAGE_SCHEME) and uri.endswith(".txt")
    assert store.get(uri) == b"hello" and public.startswith("file://")
    assert store.size(uri) == 5 and store.size(f"{STORAGE_SCHEME}{'0' * 64}.txt") is None
    assert len(list((tmp_path / "s").iterdir())) == 1


@pytest.mark.parametrize(
    "uri",
    [
        "pipelex-storage://../etc/passwd",
        "pipelex-storage://",
        "pipelex-storage://a/b",
        # fourteenth hostile pass: only the names a store writes (`<sha256>.<ext>`, `<sha256>`)
        "pipelex-storage://users.csv",
        "pipelex-storage://temporal-payloads",
        f"pipelex-storage://{'0' * 64}.tar.gz",
        f"pipelex-storage://{'0' * 63}.png",
        f"pipelex-storage://{'A' * 64}.png",
        f"pipelex-storage://{'0' * 64}.p\u00e9",
        f"other://{'0' * 64}.png",
    ],
)
def test_storage_uris_cannot_leave_the_store(uri: str) -> None:
    with pytest.raises(ValueError):
        name_of(uri)


def test_data_urls_are_normalised_into_storage(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    image = ImageContent(url="data:image/png;base64," + base64.b64encode(make_png()).decode())
    stored = normalize_content(image, store)
    assert isinstance(stored, ImageContent) and stored.url.startswith(STORAGE_SCHEME)
    assert store.get(stored.url) == make_png()


@pytest.mark.parametrize(
    ("url", "data", "mime"),
    [
        # RFC 2397's own example: URL-encoded octets, no base64
        ("data:,A%20brief%20note", b"A brief note", None),
        (
            "data:text/plain;charset=utf-8,caf%C3%A9%2C%20s'il%20vous%20pla%C3%AEt",
            "café, s'il vous plaît".encode(),
            "text/plain",
        ),
        ("data:text/plain,plain text stays", b"plain text stays", "text/plain"),
        # base64, as most encoders write it and with its '+', '/' and '=' percent-escaped
        ("data:application/pdf;base64,JVBERi0xLjc+Pz8=", b"%PDF-1.7>??", "application/pdf"),
        ("data:application/pdf;BASE64,JVBERi0xLjc%2BPz8%3D", b"%PDF-1.7>??", "application/pdf"),
    ],
)
def test_data_urls_are_read_as_rfc_2397_writes_them(url: str, data: bytes, mime: str | None) -> None:
    assert decode_data_url(url) == (data, mime)


def test_base64_wrapped_in_lines_is_read() -> None:
    encoded = base64.encodebytes(b"%PDF-1.7 " * 40).decode()  # 76-character lines
    assert "\n" in encoded
    assert decode_data_url("data:application/pdf;base64," + encoded) == (b"%PDF-1.7 " * 40, "application/pdf")
    assert decode_data_url("data:application/pdf;base64,JVBE Ri0x\r\nLjc+Pz8=") == (
        b"%PDF-1.7>??",
        "application/pdf",
    )


@pytest.mark.parametrize(
    "payload",
    ["@@@@", "JVBERi0x@Ljc+Pz8=", "JVBERi0xLjc-Pz8_", "JVBERi0xLjc+Pz8", "JVBERi0xLjc+Pz8=é", "%FF%FE%FD%FC"],
)
def test_broken_base64_is_a_broken_data_url(payload: str) -> None:
    """Python's lenient decoder dropped the characters base64 does not have: ``@@@@`` was read as no bytes (sent to a
    model as an empty image), URL-safe base64 as other bytes (thirteenth hostile pass)."""
    assert decode_data_url("data:image/png;base64," + payload) is None


def test_a_percent_encoded_document_is_stored_as_its_bytes(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    document = DocumentContent(url="data:text/plain,Line%20one%0ALine%20two", mime_type="text/plain")
    stored = normalize_content(document, store)
    assert isinstance(stored, DocumentContent) and store.get(stored.url) == b"Line one\nLine two"


# ---------------------------------------------------------------------------------------------------- S3 (moto)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def moto_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real ``moto_server`` process on 127.0.0.1, and AWS credentials for it."""
    executable = shutil.which("moto_server", path=os.path.dirname(sys.executable)) or shutil.which(
        "moto_server"
    )
    if executable is None:
        pytest.skip("moto_server is not installed (pip install 'moto[server]')")
    port = _free_port()
    process = subprocess.Popen(
        [executable, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("moto_server did not start")
                time.sleep(0.1)
        for name, value in (
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ):
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def _bucket(endpoint: str, name: str) -> Any:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    return client


def test_s3_storage_put_get(moto_endpoint: str) -> None:
    from pipelex.storage.s3 import S3Storage

    client = _bucket(moto_endpoint, "blobs")
    store = S3Storage("blobs", prefix="runs/", endpoint_url=moto_endpoint)
    uri, public = store.put(b"%PDF-1.4 hello", "application/pdf")
    assert uri.startswith(STORAGE_SCHEME) and uri.endswith(".pdf")
    assert public == f"s3://blobs/runs/{uri.removeprefix(STORAGE_SCHEME)}"
    assert store.get(uri) == b"%PDF-1.4 hello"
    assert store.size(uri) == 14 and store.size(f"{STORAGE_SCHEME}{'0' * 64}.pdf") is None
    listed = client.list_objects_v2(Bucket="blobs")["Contents"]
    assert [o["Key"] for o in listed] == [f"runs/{uri.removeprefix(STORAGE_SCHEME)}"]


def test_s3_storage_reads_only_the_objects_it_wrote(moto_endpoint: str, tmp_path: Path) -> None:
    """Fourteenth hostile pass: on a bucket shared with other data (``s3_prefix = ""``, which the store's aging
    allows for), any caller of a served run read another object of the bucket by its name
    (``pipelex-storage://users.csv``); the local folder let any file of its own be read the same way."""
    import asyncio

    from pipelex.errors import ReadFailedError
    from pipelex.io.gate import read_reference
    from pipelex.io.policy import IOPolicy
    from pipelex.storage.s3 import S3Storage

    client = _bucket(moto_endpoint, "shared")
    client.put_object(Bucket="shared", Key="users.csv", Body=b"alice,secret")
    (tmp_path / "notes.txt").write_bytes(b"alice,secret")
    for store in (S3Storage("shared", prefix="", endpoint_url=moto_endpoint), LocalStorage(tmp_path)):
        uri, _ = store.put(b"%PDF-1.4 mine", "application/pdf")
        assert asyncio.run(read_reference(uri, IOPolicy(), store, pipe_code="p"))[0] == b"%PDF-1.4 mine"
        for name in ("users.csv", "notes.txt"):
            with pytest.raises(ReadFailedError, match="no such blob"):
                asyncio.run(read_reference(f"{STORAGE_SCHEME}{name}", IOPolicy(), store, pipe_code="p"))
            assert store.size(f"{STORAGE_SCHEME}{name}") is None


IMG_AND_EXTRACT = """
domain = "s3check"

[pipe.draw]
type = "PipeImgGen"
description = "Draw"
inputs = { brief = "Text" }
output = "Image"
prompt = "Draw $brief"

[pipe.read]
type = "PipeExtract"
description = "Read"
inputs = { paper = "Document" }
output = "Page[]"
page_views = true
"""


async def test_live_run_with_s3_storage(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    client = _bucket(moto_endpoint, "pipelex-runs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PIPELEX_STORAGE_DIR", raising=False)
    with FakeProvider() as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        boot(
            storage={
                "kind": "s3",
                "s3_bucket": "pipelex-runs",
                "s3_prefix": "p",
                "s3_endpoint_url": moto_endpoint,
            }
        )
        try:
            runner = PipelexRunner(mthds_content=IMG_AND_EXTRACT, pipe_run_mode=PipeRunMode.LIVE)
            image = (
                await runner.execute_pipeline(inputs={"brief": "a hedge"}, pipe_code="draw")
            ).main_stuff_json()
            pdf = "data:application/pdf;base64," + base64.b64encode(make_pdf(["In the bucket"])).decode()
            pages = (
                await runner.execute_pipeline(inputs={"paper": {"url": pdf}}, pipe_code="read")
            ).main_stuff_json()
        finally:
            Pipelex.teardown()
    assert image["url"].startswith(STORAGE_SCHEME) and image["public_url"].startswith("s3://pipelex-runs/p/")
    assert pages["items"][0]["text_and_images"]["text"]["text"] == "In the bucket"
    keys = {o["Key"] for o in client.list_objects_v2(Bucket="pipelex-runs")["Contents"]}
    assert len(keys) == 3  # the image, the normalised input PDF, the page view
    assert not (tmp_path / ".pipelex").exists()  # nothing went to the local folder


async def test_dry_run_does_no_storage_io_even_with_s3(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    boot(storage={"kind": "s3", "s3_bucket": "nowhere", "s3_endpoint_url": "http://127.0.0.1:9"})
    try:
        runner = PipelexRunner(mthds_content=IMG_AND_EXTRACT, pipe_run_mode=PipeRunMode.DRY)
        output = await runner.execute_pipeline(inputs={"brief": "x"}, pipe_code="draw")
    finally:
        Pipelex.teardown()
    assert output.main_stuff_json()["url"].startswith("https://")


def test_an_s3_store_that_cannot_be_reached_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store nobody answers at (after boto3's retries): every call is a StorageUnavailableError whose message says
    what to check and names neither the bucket nor the endpoint (it may reach a server's clients); the log has
    both."""
    from pipelex.errors import StorageUnavailableError
    from pipelex.storage.s3 import S3Storage

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    endpoint = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    store = S3Storage("secret-bucket-name", endpoint_url=endpoint)
    uri = f"{STORAGE_SCHEME}{'0' * 64}.pdf"
    for call in (
        lambda: store.put(b"%PDF-1.4", "application/pdf"),
        lambda: store.get(uri),
        lambda: store.size(uri),
    ):
        with pytest.raises(StorageUnavailableError) as caught:
            call()
        message = str(caught.value)
        assert "secret-bucket-name" not in message and endpoint not in message
        assert "s3_endpoint_url" in message and "details in the log" in message
        assert caught.value.error_type == "storage_unavailable"


def test_an_s3_bucket_that_does_not_exist_is_unavailable_and_a_missing_blob_is_not_found(
    moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    from pipelex.errors import StorageUnavailableError
    from pipelex.storage.s3 import S3Storage

    _bucket(moto_endpoint, "blobs")
    missing = f"{STORAGE_SCHEME}{'0' * 64}.pdf"
    store = S3Storage("blobs", endpoint_url=moto_endpoint)
    with pytest.raises(FileNotFoundError):
        store.get(missing)
    assert store.size(missing) is None and store.size("not a storage uri") is None

    nowhere = S3Storage("no-such-bucket", endpoint_url=moto_endpoint)
    with (
        caplog.at_level("WARNING", logger="pipelex.storage"),
        pytest.raises(StorageUnavailableError) as caught,
    ):
        nowhere.put(b"%PDF-1.4", "application/pdf")
    assert "NoSuchBucket" in str(caught.value) and "no-such-bucket" not in str(caught.value)
    assert "no-such-bucket" in caplog.text and moto_endpoint in caplog.text
    with pytest.raises(StorageUnavailableError):
        nowhere.get(missing)  # not "not found": the bucket itself is missing


async def test_a_live_run_whose_store_is_unavailable_fails_its_pipe_with_that_error(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The image is generated, then cannot be stored (the bucket does not exist): the pipe fails with
    StorageUnavailableError (a server's 503 ``storage-unavailable``), not an error of the pipe's own making."""
    from pipelex.errors import StorageUnavailableError

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PIPELEX_STORAGE_DIR", raising=False)
    with FakeProvider() as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        boot(storage={"kind": "s3", "s3_bucket": "never-made", "s3_endpoint_url": moto_endpoint})
        try:
            runner = PipelexRunner(mthds_content=IMG_AND_EXTRACT, pipe_run_mode=PipeRunMode.LIVE)
            with pytest.raises(StorageUnavailableError) as caught:
                await runner.execute_pipeline(inputs={"brief": "a hedge"}, pipe_code="draw")
        finally:
            Pipelex.teardown()
    assert caught.value.pipe_code == "draw" and "NoSuchBucket" in str(caught.value)
