"""A served run's answer names what it stored by its ``pipelex-storage://`` URI, never by where the server keeps it.

Eighth hostile pass: on a server storing in S3, a live run's answer gave each stored input, image or page the public
URL ``s3://<bucket>/<prefix>/<name>``: the operator's bucket and prefix, told to every key holder (the bucket is
where a targeted attack on the operator's cloud account starts). The local folder's ``file://`` URL was dropped
already (fourth pass); now every public URL that is not a web URL is. The real server, its S3 on ``moto_server``.
"""

from __future__ import annotations

import base64
from pathlib import Path

import httpx

from pipelex.api.service import without_local_paths
from pipelex.storage.protocol import STORAGE_SCHEME
from tests.security.conftest import served_api
from tests.storage.test_storage import _bucket, moto_endpoint  # noqa: F401 - the fixture, used by name

BUCKET = "tenant-secret-bucket"
PREFIX = "prod-blobs"
KEEP = """
domain = "keeping"
main_pipe = "acknowledge"

[pipe.acknowledge]
type = "PipeCompose"
description = "Acknowledges a document without reading it"
inputs = { doc = "Document" }
output = "Text"
template = "received $doc"
"""


def test_a_live_run_on_an_s3_store_answers_no_bucket_name(tmp_path: Path, moto_endpoint: str) -> None:  # noqa: F811
    client = _bucket(moto_endpoint, BUCKET)
    config = (
        f'[storage]\nkind = "s3"\ns3_bucket = "{BUCKET}"\ns3_prefix = "{PREFIX}"\n'
        f's3_endpoint_url = "{moto_endpoint}"\n'
    )
    with served_api(tmp_path, config) as url:
        document = "data:application/pdf;base64," + base64.b64encode(b"%PDF-1.4 kept").decode()
        body = {"mthds_contents": [KEEP], "dry_run": False, "inputs": {"doc": {"url": document}}}
        answer = httpx.post(f"{url}/v1/execute", json=body, timeout=120)
    assert answer.status_code == 200, answer.text
    stored = answer.json()["pipe_output"]["working_memory"]["root"]["doc"]["content"]
    assert stored["url"].startswith(STORAGE_SCHEME) and stored["public_url"] is None, stored
    # nowhere in the answer (memory, main output, graph data): neither the bucket, nor the prefix, nor the scheme
    assert BUCKET not in answer.text and PREFIX not in answer.text and "s3:" not in answer.text
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"{PREFIX}/{stored['url'].removeprefix(STORAGE_SCHEME)}"]  # it was stored there


def test_only_web_public_urls_are_kept_in_an_answer() -> None:
    def content(public: str) -> dict[str, str]:
        return {"url": f"{STORAGE_SCHEME}{'0' * 64}.png", "public_url": public}

    for hidden in (
        "s3://b/p/x.png",
        "S3://b/x",
        "file:///srv/x.png",
        "gs://b/x",
        "az://c/x",
        "/srv/x.png",
        "x",
    ):
        assert without_local_paths({"a": [content(hidden)]}) == {
            "a": [{**content(hidden), "public_url": None}]
        }
    for kept in ("https://cdn.example.com/x.png", "HTTP://example.com/x"):
        assert without_local_paths(content(kept)) == content(kept)
