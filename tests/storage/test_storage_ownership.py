"""A bounded store counts and ages only the blobs it writes (``<sha256>.<ext>``, a Temporal payload's ``<sha256>``).

The age deletes a blob not stored again for ``max_age_seconds``; it deleted every file of the folder and every
object directly under the S3 prefix, whoever wrote it: with ``s3_prefix = ""`` (the default) on a bucket that
holds other data, a server's first write after seven days deleted the bucket's other top-level objects, and they
counted against the quota too.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from pipelex.storage.local import LocalStorage
from pipelex.storage.protocol import STORAGE_SCHEME, StorageBounds, is_blob_name
from tests.storage.test_storage import _bucket, moto_endpoint  # noqa: F401 - the fixture, used by name

KB = 1000


def test_only_names_the_store_writes_are_its_blobs() -> None:
    digest = "ab" * 32
    assert is_blob_name(f"{digest}.png") and is_blob_name(digest) and is_blob_name(f"{digest}.bin")
    for other in ("report.pdf", "README", f"{digest}.tar.gz", f".{digest}.png.1.2.part", ".lock", digest.upper(),
                  f"{digest[:-1]}.png", f"{digest}.", f"{digest}x"):  # fmt: skip
        assert not is_blob_name(other), other


def test_a_local_store_leaves_others_files_alone(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(b"x" * 90 * KB)  # not a blob: neither aged nor counted
    store = LocalStorage(folder, StorageBounds(max_bytes=100 * KB, max_age_seconds=3600))
    old_uri, _ = store.put(b"o" * KB, None)
    old = time.time() - 7200
    for name in ("report.pdf", old_uri.removeprefix(STORAGE_SCHEME)):
        os.utime(folder / name, (old, old))
    fresh = LocalStorage(folder, StorageBounds(max_bytes=100 * KB, max_age_seconds=3600))
    fresh.put(b"n" * 50 * KB, None)  # fits: report.pdf's 90 KB are not the store's
    assert (folder / "report.pdf").read_bytes() == b"x" * 90 * KB
    assert not (folder / old_uri.removeprefix(STORAGE_SCHEME)).exists()  # the store's own aged blob: deleted
    assert fresh.room() == 50 * KB


def test_an_s3_store_without_a_prefix_leaves_the_buckets_other_objects(moto_endpoint: str) -> None:  # noqa: F811
    from pipelex.storage.s3 import S3Storage

    client = _bucket(moto_endpoint, "shared")
    client.put_object(Bucket="shared", Key="invoice-2026.pdf", Body=b"x" * 90 * KB)
    store = S3Storage(
        "shared", endpoint_url=moto_endpoint, bounds=StorageBounds(max_bytes=100 * KB, max_age_seconds=1)
    )
    old_uri, _ = store.put(b"o" * KB, None)
    time.sleep(1.5)  # both objects are now past one second
    aging = S3Storage(
        "shared", endpoint_url=moto_endpoint, bounds=StorageBounds(max_bytes=100 * KB, max_age_seconds=1)
    )
    fresh, _ = aging.put(b"n" * 50 * KB, None)  # fits: the invoice's 90 KB are not the store's
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket="shared")["Contents"])
    assert keys == sorted(["invoice-2026.pdf", fresh.removeprefix(STORAGE_SCHEME)])
    assert old_uri.removeprefix(STORAGE_SCHEME) not in keys
