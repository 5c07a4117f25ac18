"""Files sent by hash: ``POST /v1/blobs/missing``, the signed ``PUT /v1/blobs/{sha256}``, and ``files`` naming blobs.

The clients decide by themselves: a tree past 256 KiB inline travels by hash once ``/v1/version`` says
``blob_store``, its missing blobs uploaded first.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import httpx
import pytest
from mthds.method_tree.file_entry import HashFileEntry
from mthds.protocol.models import BlobRef
from mthds.protocol.pipeline_inputs import PipelineInputs
from mthds.runners.api.client import MthdsAPIClient
from mthds.runners.api.exceptions import ApiResponseError
from pipelex_sdk.client import PipelexAPIClient

from tests.api.bundles import MENU
from tests.api.conftest import ServerFactory, assert_problem

NOTE: PipelineInputs = {"kitchen_note": "eggs, leeks"}
DRY = {"dry_run": True}
# a bundle past the clients' 256 KiB inline threshold: the same method, with a long comment
LARGE = MENU + "\n" + "\n".join(f"# note {i:06d} " + "x" * 100 for i in range(3000)) + "\n"


@pytest.fixture
def blob_server(make_server: ServerFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(tmp_path / "storage"))
    return make_server(max_blob_bytes=1024 * 1024)


async def test_large_tree_travels_by_hash_and_is_uploaded_once(blob_server: str, tmp_path: Path) -> None:
    assert len(LARGE.encode()) > 300_000
    digest = hashlib.sha256(LARGE.encode()).hexdigest()
    contents = {"menu.mthds": LARGE.encode(), "assets/logo.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256))}
    async with PipelexAPIClient(api_key="unused", base_url=blob_server, request_timeout_seconds=120) as sdk:
        result = await sdk.execute(contents=contents, inputs=NOTE, extra=DRY)
        assert result.main_stuff["text"].startswith("DRY RUN")
        assert (tmp_path / "storage" / f"{digest}.bin").read_bytes() == LARGE.encode()
        # the server now holds every blob of the tree: asking again names nothing to upload
        async with MthdsAPIClient(api_key="unused", base_url=blob_server) as client:
            blobs = [BlobRef(sha256=hashlib.sha256(b).hexdigest(), size=len(b)) for b in contents.values()]
            assert (await client.missing_blobs(blobs)).missing == []
        again = await sdk.validate(contents=contents)
        assert again.is_valid


async def test_blob_routes_with_the_protocol_client(blob_server: str) -> None:
    data = LARGE.encode()
    blob = BlobRef(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    async with MthdsAPIClient(api_key="unused", base_url=blob_server, request_timeout_seconds=120) as client:
        files = {"menu.mthds": HashFileEntry(sha256=blob.sha256, size=blob.size)}
        with pytest.raises(ApiResponseError) as missing:
            await client.execute(files=files, inputs=NOTE, extra=DRY)
        problem = missing.value.problem
        assert problem.code == "request.blobs_missing"
        assert problem.params is not None and problem.params.missing_blobs == [blob.sha256]
        answer = await client.missing_blobs([blob])
        assert [m.sha256 for m in answer.missing] == [blob.sha256]
        target = answer.missing[0].upload
        assert target.method == "PUT" and target.url.startswith(f"{blob_server}/v1/blobs/{blob.sha256}?")
        await client.upload_blob(answer.missing[0], data)
        result = await client.execute(files=files, inputs=NOTE, extra=DRY)
        assert result.pipe_output.working_memory.aliases["main_stuff"]


def test_uploads_need_a_valid_link_and_the_named_bytes(blob_server: str) -> None:
    data = b"some bytes of a file"
    sha = hashlib.sha256(data).hexdigest()
    with httpx.Client(base_url=blob_server, timeout=30) as http:
        missing = http.post("/v1/blobs/missing", json={"blobs": [{"sha256": sha, "size": len(data)}]})
        assert missing.status_code == 200, missing.text
        url = missing.json()["missing"][0]["upload"]["url"]
        forged = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
        problem = assert_problem(httpx.put(forged, content=data), 403, "forbidden")
        assert problem["code"] == "auth.forbidden"
        other = httpx.put(url, content=b"some bytes of a fill")  # the same length, other bytes
        assert assert_problem(other, 422, "request-invalid")["code"] == "request.invalid"
        stored = httpx.put(url, content=data)
        assert stored.status_code == 201, stored.text
        assert stored.json() == {"sha256": sha, "size": len(data)}
        again = http.post("/v1/blobs/missing", json={"blobs": [{"sha256": sha, "size": len(data)}]})
        assert again.json() == {"missing": []}


def test_blob_limits(blob_server: str) -> None:
    with httpx.Client(base_url=blob_server, timeout=30) as http:
        huge = {"blobs": [{"sha256": "a" * 64, "size": 2 * 1024 * 1024}]}
        problem = assert_problem(http.post("/v1/blobs/missing", json=huge), 422, "request-invalid")
        assert problem["code"] == "request.too_large" and "max_blob_bytes" in problem["detail"]
        twice = {"blobs": [{"sha256": "b" * 64, "size": 1}, {"sha256": "b" * 64, "size": 2}]}
        assert_problem(http.post("/v1/blobs/missing", json=twice), 422, "request-invalid")
        data = b"x" * 100
        sha = hashlib.sha256(data).hexdigest()
        url = http.post("/v1/blobs/missing", json={"blobs": [{"sha256": sha, "size": 100}]}).json()[
            "missing"
        ][0]
        too_long = httpx.put(url["upload"]["url"], content=b"x" * (1024 * 1024 + 1))
        assert_problem(too_long, 413, "body-too-large")  # refused from its Content-Length
        past_the_link = httpx.put(url["upload"]["url"], content=b"x" * 200)
        assert "100 bytes" in assert_problem(past_the_link, 413, "body-too-large")["detail"]
        float_size = http.post("/v1/validate", json={"files": {"a.mthds": {"sha256": sha, "size": 100.0}}})
        assert_problem(float_size, 422, "request-invalid")


def test_files_tree_forms_and_refusals(blob_server: str) -> None:
    with httpx.Client(base_url=blob_server, timeout=60) as http:
        encoded = base64.b64encode(MENU.encode()).decode()
        ok = http.post("/v1/validate", json={"files": {"menu.mthds": {"base64": encoded}}})
        assert ok.status_code == 200 and ok.json()["is_valid"] is True, ok.text
        for files, reason in (
            ({"../menu.mthds": MENU}, "invalid_tree_path"),
            ({".hidden/menu.mthds": MENU}, "excluded_name"),
            ({"menu.mthds": {"base64": "not base64!"}}, "malformed_entry"),
            ({"Menu.mthds": MENU, "menu.mthds": MENU}, "path_collision"),
        ):
            problem = assert_problem(http.post("/v1/validate", json={"files": files}), 422, "tree-refused")
            assert problem["code"] == "method.package_invalid" and problem["params"]["reason"] == reason, (
                problem
            )
        # robust16: a bundle saved as UTF-16 was "not UTF-8 text (invalid start byte at byte 0)"
        utf16 = {"menu.mthds": {"base64": base64.b64encode(MENU.encode("utf-16")).decode()}}
        problem = assert_problem(http.post("/v1/validate", json={"files": utf16}), 422, "request-invalid")
        assert "'menu.mthds' is UTF-16 text, not UTF-8: save it as UTF-8" in problem["detail"], problem
        assert problem["errors"][0]["field"] == "body.files.menu.mthds"
        no_bundle = http.post("/v1/validate", json={"files": {"notes.txt": "hello"}})
        assert "no .mthds bundle" in assert_problem(no_bundle, 422, "request-invalid")["detail"]
        both = http.post("/v1/validate", json={"files": {"a.mthds": MENU}, "mthds_contents": [MENU]})
        assert "not both" in assert_problem(both, 422, "request-invalid")["detail"]


def test_the_input_policy_and_body_limit_hold_on_files_trees(make_server: ServerFactory) -> None:
    from tests.api.bundles import PHOTO

    url = make_server(max_body_bytes=64 * 1024)
    with httpx.Client(base_url=url, timeout=60) as http:
        local = {
            "files": {"photos.mthds": PHOTO},
            "inputs": {"photo": {"url": "file:///etc/passwd"}},
            "dry_run": True,
        }
        problem = assert_problem(http.post("/v1/execute", json=local), 422, "input-refused")
        assert problem["code"] == "security.input_path_refused" and problem["location"]["input"] == "photo"
        remote = {**local, "inputs": {"photo": {"url": "http://169.254.169.254/latest"}}}
        assert assert_problem(http.post("/v1/execute", json=remote), 422, "input-refused")["code"] == (
            "security.input_url_refused"
        )
        big = {"files": {"photos.mthds": PHOTO + "#" * 70_000}, "dry_run": True, "mock_inputs": True}
        assert (
            assert_problem(http.post("/v1/execute", json=big), 413, "body-too-large")["code"]
            == "request.too_large"
        )


def test_an_upload_past_the_storage_quota_is_a_507(
    make_server: ServerFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Uploads fill the server's store up to ``[api] max_storage_bytes``, then are refused (nothing was deleted and
    nothing bounded the store: a key holder could fill the disk). ``/blobs/missing`` says so before the upload."""
    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(tmp_path / "storage"))
    url = make_server(max_blob_bytes=64 * 1024, max_storage_bytes=150_000, storage_max_age_seconds=0)
    blobs = [bytes([i]) * 60_000 for i in range(3)]
    refs = [{"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for b in blobs]
    with httpx.Client(base_url=url, timeout=30) as http:
        links = [http.post("/v1/blobs/missing", json={"blobs": [r]}).json()["missing"][0] for r in refs]
        answers = [
            httpx.put(link["upload"]["url"], content=b, timeout=30)
            for link, b in zip(links, blobs, strict=True)
        ]
        assert [a.status_code for a in answers[:2]] == [201, 201], answers[1].text
        problem = assert_problem(answers[2], 507, "storage-full")  # a link asked for before the store filled
        assert problem["code"] == "account.quota_exhausted" and problem["params"] == {
            "quota": "max_storage_bytes"
        }
        assert "120000 bytes" in problem["detail"] and "[api] max_storage_bytes" in problem["detail"]
        early = assert_problem(http.post("/v1/blobs/missing", json={"blobs": refs}), 507, "storage-full")
        assert "60000 bytes" in early["detail"] and "room for 30000 more" in early["detail"], early
        assert http.post("/v1/blobs/missing", json={"blobs": refs[:2]}).json() == {"missing": []}
        assert http.get("/health").status_code == 200
    stored = [p for p in (tmp_path / "storage").iterdir() if not p.name.startswith(".")]
    assert len(stored) == 2


def test_a_store_that_cannot_be_reached_is_a_503_naming_no_bucket(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The server's S3 store is down (nothing listens at its endpoint): looking blobs up and uploading them answer a
    503 ``storage-unavailable`` (``runtime.unavailable``), not a 500 nor "the blob is missing"; the detail names
    neither the bucket nor the endpoint, the server log names both; the server keeps answering."""
    import socket

    from pipelex.api.app import create_app
    from pipelex.config.settings import PipelexConfig
    from tests.api.conftest import serving

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{sock.getsockname()[1]}"  # closed once the block ends: nothing listens
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    config = PipelexConfig()
    storage = config.storage.model_copy(
        update={"kind": "s3", "s3_bucket": "operators-private-bucket", "s3_endpoint_url": endpoint}
    )
    blob = b"some bytes to upload"
    ref = {"sha256": hashlib.sha256(blob).hexdigest(), "size": len(blob)}
    with (
        caplog.at_level("WARNING"),
        serving(create_app(config.model_copy(update={"storage": storage}), api_key=None)) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        answer = http.post("/v1/blobs/missing", json={"blobs": [ref]})
        problem = assert_problem(answer, 503, "storage-unavailable")
        assert problem["code"] == "runtime.unavailable"
        assert "operators-private-bucket" not in answer.text and endpoint not in answer.text
        assert http.get("/health").status_code == 200
    assert "operators-private-bucket" in caplog.text
