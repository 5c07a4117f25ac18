"""The store's footprint is bounded: a quota in bytes, and an age past which a blob not stored again is deleted.

Blobs uploaded with signed links (``PUT /v1/blobs/{sha256}``), inputs given as data URLs, generated images and
pages all go to the server's store; nothing was ever deleted and nothing bounded it, so a key holder could fill
the storage disk with 64 MiB uploads. Each write now looks at what the store holds: it deletes the blobs past
``max_age_seconds`` and refuses a new blob past ``max_bytes`` (``StorageFullError``; on the API a 507
``storage-full``). A server's store takes ``[api] max_storage_bytes`` / ``storage_max_age_seconds``; the CLI's
folder is unbounded unless ``[storage]`` says otherwise. Local folder and S3 (a real ``moto_server``) alike.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from pipelex.config.settings import PipelexConfig
from pipelex.errors import LimitExceededError, StorageFullError
from pipelex.storage.factory import storage_for
from pipelex.storage.local import LocalStorage
from pipelex.storage.protocol import STORAGE_SCHEME, Storage, StorageBounds
from tests.storage.test_storage import _bucket, moto_endpoint  # noqa: F401 - the fixture, used by name

KB = 1000


def _fill_and_refuse(store: Storage) -> list[str]:
    """Three 30 KB blobs fit a 100 KB quota; the fourth is refused, naming the setting; storing a held blob again
    costs nothing."""
    uris = [store.put(bytes([i]) * 30 * KB, "application/octet-stream")[0] for i in range(3)]
    with pytest.raises(StorageFullError, match=r"quota of 100000 bytes .*max_storage_bytes") as refused:
        store.put(b"\xff" * 30 * KB, "application/octet-stream")
    assert isinstance(refused.value, LimitExceededError) and refused.value.limit == "max_storage_bytes"
    assert store.put(bytes([0]) * 30 * KB, "application/octet-stream")[0] == uris[0]  # held: no growth
    assert store.room() == 10 * KB
    return uris


def test_a_local_store_refuses_a_blob_past_its_quota(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "s", StorageBounds(max_bytes=100 * KB))
    _fill_and_refuse(store)
    assert sum(p.stat().st_size for p in (tmp_path / "s").iterdir() if not p.name.startswith(".")) == 90 * KB


def test_a_local_store_deletes_blobs_past_their_age_to_make_room(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "s", StorageBounds(max_bytes=100 * KB, max_age_seconds=3600))
    uris = _fill_and_refuse(store)
    old = time.time() - 7200
    for uri in uris[1:]:  # two blobs not stored again for two hours; the first was stored again just now
        os.utime(tmp_path / "s" / uri.removeprefix(STORAGE_SCHEME), (old, old))
    fresh, _ = store.put(b"\xff" * 30 * KB, "application/octet-stream")
    names = sorted(p.name for p in (tmp_path / "s").iterdir() if not p.name.startswith("."))
    assert names == sorted(u.removeprefix(STORAGE_SCHEME) for u in (uris[0], fresh))


def test_a_run_of_writes_counts_the_folder_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting the folder at every write made writes quadratic: 3,000 stored pages took 29 s, 10,000 several
    minutes. The count is trusted for ``RESCAN_SECONDS`` (plus what the store wrote since), and taken again
    before a refusal."""
    import pipelex.storage.local as local

    scans: list[object] = []
    real = os.scandir

    def counting(path: Any) -> Any:
        scans.append(path)
        return real(path)

    monkeypatch.setattr(local.os, "scandir", counting)
    store = LocalStorage(tmp_path / "s", StorageBounds(max_bytes=100 * KB, max_age_seconds=3600))
    for i in range(200):
        store.put(i.to_bytes(2, "big") * 200, None)  # 400 bytes each: 80 KB in all
    assert len(scans) == 1
    with pytest.raises(StorageFullError):
        store.put(b"\xff" * 30 * KB, None)
    assert len(scans) == 2  # counted again before refusing


def test_room_answers_from_a_fresh_count_and_counts_again_before_saying_no(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``POST /v1/blobs/missing`` asks the store's room on every call: a fresh count answers when it leaves the
    room asked for (no scan of the folder, no listing of the bucket per call); a count that leaves too little is
    taken again first (blobs may have aged out), so the answer that refuses is never a stale one."""
    import pipelex.storage.local as local

    scans: list[object] = []
    real = os.scandir

    def counting(path: Any) -> Any:
        scans.append(path)
        return real(path)

    monkeypatch.setattr(local.os, "scandir", counting)
    store = LocalStorage(tmp_path / "s", StorageBounds(max_bytes=100 * KB, max_age_seconds=3600))
    uris = [store.put(bytes([i]) * 30 * KB, None)[0] for i in range(3)]
    assert len(scans) == 1  # the first write counted
    for _ in range(50):
        assert store.room(5 * KB) == 10 * KB
    assert len(scans) == 1
    aged = time.time() - 7200
    os.utime(tmp_path / "s" / uris[0].removeprefix(STORAGE_SCHEME), (aged, aged))
    assert store.room(20 * KB) == 40 * KB  # 10 KB left by the count: counted again, the aged blob deleted
    assert len(scans) == 2 and not (tmp_path / "s" / uris[0].removeprefix(STORAGE_SCHEME)).exists()


def test_an_unbounded_store_is_as_before(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "s")
    for i in range(5):
        store.put(bytes([i]) * 30 * KB, None)
    assert not (tmp_path / "s" / ".lock").exists()  # no lock, no scan: the CLI's folder, by default
    assert store.room() is None


def test_a_server_store_is_bounded_by_default() -> None:
    served = PipelexConfig().served()
    assert served.storage.max_bytes == served.api.max_storage_bytes == 10 * 1024**3
    assert served.storage.max_age_seconds == served.api.storage_max_age_seconds == 7 * 24 * 3600
    assert PipelexConfig().storage.max_bytes == 0  # the CLI's


def test_the_server_store_is_the_bounded_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(tmp_path / "s"))
    config = PipelexConfig()
    config = config.model_copy(update={"api": config.api.model_copy(update={"max_storage_bytes": 100 * KB})})
    _fill_and_refuse(storage_for(config.served()))


def test_a_standalone_worker_stores_within_the_servers_bounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Any
) -> None:
    """``pipelex worker`` serves whatever clients of its task queues send, a runner API's callers among them: it
    wrote with the CLI's ``[storage]`` (no quota, nothing ever deleted), so a key holder of a server whose runs
    go to standalone workers filled their disk. It now stores within ``[api] max_storage_bytes`` and
    ``storage_max_age_seconds`` as the server's own worker does (the activities' store and the payload store)."""
    import asyncio

    import pipelex.backends.temporal.client as client_module
    import pipelex.backends.temporal.worker as worker_module
    from pipelex.backends.temporal.codec import payload_bounds
    from pipelex.boot import Pipelex

    served: list[PipelexConfig] = []

    async def no_connection(config: PipelexConfig) -> object:
        return object()

    async def capture(client: object, queues: list[str], *, config: PipelexConfig, **_: object) -> None:
        served.append(config)
        await asyncio.sleep(0)

    monkeypatch.setattr(client_module, "connect", no_connection)
    monkeypatch.setattr(worker_module, "run_workers", capture)
    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(tmp_path / "s"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipelex.toml").write_text(
        "[api]\nmax_storage_bytes = 100000\nstorage_max_age_seconds = 3600\n"
    )
    Pipelex.teardown()
    try:
        code, _, err = run_cli("worker", "--address", "127.0.0.1:1")
    finally:
        Pipelex.teardown()
    assert code == 0, err
    (config,) = served
    assert (config.storage.max_bytes, config.storage.max_age_seconds) == (100 * KB, 3600)
    _fill_and_refuse(storage_for(config))
    assert payload_bounds(config.storage).max_age_seconds == 3600  # the payloads it offloads age out too


def test_an_s3_store_refuses_past_its_quota_and_deletes_by_age(moto_endpoint: str) -> None:  # noqa: F811
    from pipelex.storage.s3 import S3Storage

    client = _bucket(moto_endpoint, "quota")
    client.put_object(Bucket="quota", Key="elsewhere/big", Body=b"x" * 500 * KB)  # not under the prefix
    store = S3Storage(
        "quota", prefix="blobs", endpoint_url=moto_endpoint, bounds=StorageBounds(max_bytes=100 * KB)
    )
    _fill_and_refuse(store)
    aging = S3Storage(
        "quota", prefix="blobs", endpoint_url=moto_endpoint,
        bounds=StorageBounds(max_bytes=100 * KB, max_age_seconds=1),
    )  # fmt: skip
    time.sleep(1.5)  # every blob is now past one second: the next write deletes them
    fresh, _ = aging.put(b"\xfe" * 30 * KB, None)
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket="quota")["Contents"])
    assert keys == ["blobs/" + fresh.removeprefix(STORAGE_SCHEME), "elsewhere/big"]


def test_temporal_payloads_are_deleted_past_the_store_age(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run on Temporal sends a payload past ``payload_offload_bytes`` (256 KiB: an input, a result) by reference,
    written in ``<storage>/temporal-payloads``: each distinct one was kept forever, so dry runs with 5 MiB inputs
    filled the disk of a Temporal-backed server. A payload not written again for the store's age is now deleted
    by a later write; the folder has no quota (a refusal in a worker's codec makes Temporal retry the task for
    ever: the run hung)."""
    from pipelex.backends.temporal.codec import payload_store

    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(tmp_path / "s"))
    config = PipelexConfig()
    config = config.model_copy(update={"api": config.api.model_copy(update={"max_storage_bytes": 100 * KB})})
    store = payload_store(config.served().storage)
    folder = tmp_path / "s" / "temporal-payloads"
    for i in range(5):  # past the quota: payloads are never refused
        store.put(f"{i:064x}", bytes([i]) * 30 * KB)
    old = time.time() - 8 * 24 * 3600  # past the default age of 7 days
    for i in range(4):
        os.utime(folder / f"{i:064x}", (old, old))
    fresh = payload_store(config.served().storage)  # another process: it counts the folder at its first write
    fresh.put(f"{9:064x}", b"\xff" * 30 * KB)
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        f"{4:064x}",
        f"{9:064x}",
    ]
