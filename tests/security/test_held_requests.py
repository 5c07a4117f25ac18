"""What the server holds for requests is bounded together by ``[api] max_held_body_bytes`` (fourth hostile pass):
the bodies, the blobs a method tree names by hash, the bytes of a blob upload, and the request of a run started
with ``/v1/start`` until that run ends. Past the budget: a 503 ``server-busy`` with ``Retry-After``, and the
server keeps answering."""

from __future__ import annotations

import hashlib
import textwrap
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pipelex.api.app import create_app
from pipelex.api.problems import ApiProblem
from pipelex.api.protocol.blobs import ApiBlobStore
from pipelex.api.protocol.files import sources_of
from pipelex.api.security import HeldBytes, Hold
from pipelex.config.settings import PipelexConfig, StorageConfig
from tests.api.bundles import FUNCS
from tests.api.conftest import assert_problem, serving

KIB = 1024
BUNDLE = textwrap.dedent("""
    domain = "held"
    main_pipe = "hello"

    [pipe.hello]
    type        = "PipeCompose"
    description = "Says hello"
    output      = "Text"
    template    = "hello"
""")


class CountingStorage:
    """A storage in memory that counts its reads."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.reads = 0

    def put(self, data: bytes, mime_type: str | None) -> tuple[str, str]:
        uri = f"pipelex-storage://{hashlib.sha256(data).hexdigest()}.bin"
        self.objects[uri] = data
        return uri, uri

    def get(self, uri: str) -> bytes:
        self.reads += 1
        return self.objects[uri]

    def size(self, uri: str) -> int | None:
        data = self.objects.get(uri)
        return None if data is None else len(data)

    def room(self) -> int | None:
        return None


def blob_store() -> tuple[ApiBlobStore, CountingStorage]:
    storage = CountingStorage()
    return ApiBlobStore(storage=storage, max_blob_bytes=64 * 1024**2, upload_ttl_seconds=60), storage  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------- trees by hash
def test_a_tree_naming_one_blob_many_times_reads_and_holds_it_once() -> None:
    # 40 entries naming one 60 MB blob made the server process read it 40 times and hold 2.4 GB (its /health
    # blocked 10 s meanwhile); each distinct blob is now read once and counted once in the request's hold
    blobs, storage = blob_store()
    data = b"x" * (256 * KIB)
    sha = blobs.store(data)
    files: dict[str, Any] = {"m.mthds": BUNDLE}
    files.update({f"f{i}.bin": {"sha256": sha, "size": len(data)} for i in range(40)})
    hold = Hold(HeldBytes(1024**2))
    sources = sources_of(files=files, mthds_contents=None, blobs=blobs, hold=hold)
    assert sources.names == ["m.mthds"] and len(sources.other_files) == 40
    assert storage.reads == 1
    assert hold.bytes == len(data)


def test_asking_which_blobs_are_missing_reads_none_of_them() -> None:
    # POST /v1/blobs/missing read and hashed every blob it listed that the server held: a 16 KB request naming 40
    # held blobs of 16 MiB read 640 MiB (1 s of the server's CPU and disk per request, any number at once); the
    # store is asked each blob's size instead (a stat, a HEAD), and the bytes are checked when they are used
    blobs, storage = blob_store()
    shas = [blobs.store(bytes([i]) * KIB) for i in range(3)]
    assert all(blobs.holds(sha, KIB) for sha in shas) and storage.reads == 0
    assert not blobs.holds(shas[0], KIB + 1) and not blobs.holds("0" * 64, KIB)


def test_a_tree_naming_more_blob_bytes_than_the_budget_is_refused_before_any_read() -> None:
    blobs, storage = blob_store()
    shas = [blobs.store(bytes([i]) * (300 * KIB)) for i in range(4)]
    files: dict[str, Any] = {"m.mthds": BUNDLE}
    files.update({f"f{i}.bin": {"sha256": sha, "size": 300 * KIB} for i, sha in enumerate(shas)})
    hold = Hold(HeldBytes(1024**2))
    with pytest.raises(ApiProblem) as refused:
        sources_of(files=files, mthds_contents=None, blobs=blobs, hold=hold)
    assert refused.value.kind == "body-too-large"
    assert "max_held_body_bytes" in refused.value.detail
    assert storage.reads == 0 and hold.bytes == 0


def test_a_tree_past_what_other_requests_leave_is_busy() -> None:
    blobs, storage = blob_store()
    sha = blobs.store(b"y" * (600 * KIB))
    ledger = HeldBytes(1024**2)
    Hold(ledger).add(600 * KIB)  # another request in progress
    hold = Hold(ledger)
    with pytest.raises(ApiProblem) as refused:
        sources_of(
            files={"m.mthds": BUNDLE, "big.bin": {"sha256": sha, "size": 600 * KIB}},
            mthds_contents=None,
            blobs=blobs,
            hold=hold,
        )
    assert refused.value.kind == "server-busy" and refused.value.headers == {"Retry-After": "1"}
    assert storage.reads == 0


def test_a_blob_declared_at_another_size_is_missing_and_not_kept() -> None:
    # an entry declaring 1 byte must not make the server keep a large stored blob under a 1-byte count
    blobs, _ = blob_store()
    sha = blobs.store(b"z" * (512 * KIB))
    hold = Hold(HeldBytes(1024**2))
    with pytest.raises(ApiProblem) as refused:
        sources_of(
            files={"m.mthds": BUNDLE, **{f"f{i}.bin": {"sha256": sha, "size": 1} for i in range(10)}},
            mthds_contents=None,
            blobs=blobs,
            hold=hold,
        )
    assert refused.value.kind == "blobs-missing"
    assert refused.value.extensions["params"] == {"missing_blobs": [sha]}


# ---------------------------------------------------------------------------------------------------- over HTTP
@pytest.fixture
def small_server(tmp_path: Any) -> Iterator[str]:
    config = PipelexConfig()
    config = config.model_copy(
        update={
            "api": config.api.model_copy(
                update={
                    "max_body_bytes": 256 * KIB,
                    "max_held_body_bytes": 100 * KIB,
                    "allow_pipe_func": True,
                }
            ),
            "storage": StorageConfig(local_dir=str(tmp_path / "storage")),
        }
    )
    with serving(create_app(config, api_key=None)) as url:
        yield url


def padded(text: str, size: int) -> str:
    """``text`` followed by a TOML comment making it ``size`` characters long."""
    return text + "\n#" + "p" * (size - len(text) - 2)


def wait_for(status: str, http: httpx.Client, run_id: str) -> None:
    deadline = time.monotonic() + 60
    while http.get(f"/v1/runs/{run_id}").json()["status"] != status:
        assert time.monotonic() < deadline, f"the run never became {status}"
        time.sleep(0.05)


def test_a_started_run_holds_its_request_until_it_ends(small_server: str) -> None:
    # runs of /v1/start held their request (up to max_body_bytes each) outside the budget, bounded only by
    # max_stored_runs (1,000 x 5 MiB); they now count in max_held_body_bytes until they end
    slow = {"mthds_contents": [padded(FUNCS, 60 * KIB)], "pipe_code": "nap", "inputs": {"delay": "120"}}
    with httpx.Client(base_url=small_server, timeout=60) as http:
        first = http.post("/v1/start", json=slow)
        assert first.status_code == 202, first.text
        run_id = first.json()["run_id"]
        busy = http.post("/v1/start", json=slow)
        document = assert_problem(busy, 503, "server-busy")
        assert busy.headers["retry-after"] == "1" and document["code"] == "runtime.unavailable"
        assert "max_held_body_bytes" in document["detail"]
        assert http.get("/health").status_code == 200
        small = http.post("/v1/execute", json={"mthds_contents": [BUNDLE], "dry_run": True})
        assert small.status_code == 200, small.text  # what the run leaves of the budget still serves
        assert http.post(f"/v1/runs/{run_id}/cancel").status_code == 200
        wait_for("cancelled", http, run_id)
        deadline = time.monotonic() + 30
        again = http.post("/v1/start", json=slow)
        while again.status_code == 503 and time.monotonic() < deadline:  # released once the run's task ended
            again = http.post("/v1/start", json=slow)
        assert again.status_code == 202, again.text
        assert http.post(f"/v1/runs/{again.json()['run_id']}/cancel").status_code == 200


def test_a_blob_upload_counts_in_the_held_budget(small_server: str) -> None:
    # uploads (PUT /v1/blobs, up to max_blob_bytes each) were held outside the budget: a key holder could ask
    # for 1,000 links and hold 1,000 x 64 MiB at once
    slow = {"mthds_contents": [padded(FUNCS, 80 * KIB)], "pipe_code": "nap", "inputs": {"delay": "120"}}
    data = b"b" * (64 * KIB)
    sha = hashlib.sha256(data).hexdigest()
    with httpx.Client(base_url=small_server, timeout=60) as http:
        link = http.post("/v1/blobs/missing", json={"blobs": [{"sha256": sha, "size": len(data)}]})
        upload = link.json()["missing"][0]["upload"]
        run_id = http.post("/v1/start", json=slow).json()["run_id"]
        busy = http.put(upload["url"], content=data, headers=upload["headers"])
        assert_problem(busy, 503, "server-busy")
        assert busy.headers["retry-after"] == "1"
        assert http.post(f"/v1/runs/{run_id}/cancel").status_code == 200
        wait_for("cancelled", http, run_id)
        deadline = time.monotonic() + 30
        stored = http.put(upload["url"], content=data, headers=upload["headers"])
        while stored.status_code == 503 and time.monotonic() < deadline:
            stored = http.put(upload["url"], content=data, headers=upload["headers"])
        assert stored.status_code == 201, stored.text


def big_output(chars: int) -> str:
    return textwrap.dedent(f"""
        domain = "answer"
        main_pipe = "blow"

        [pipe.blow]
        type        = "PipeCompose"
        description = "A long text from a short request"
        output      = "Text"
        template    = "{{{{ 'x' * {chars} }}}}"
    """)


@pytest.mark.parametrize("route", ["/v1/execute", "/v1/start"])
def test_an_answer_past_the_held_budget_is_refused_where_it_is_made(small_server: str, route: str) -> None:
    # a 3 KB dry run batching such a template made a 400 MB answer, which the server process read from the
    # worker and held (1.2 GB at its peak); an answer past max_held_body_bytes is now refused in the worker
    body = {"mthds_contents": [big_output(200_000)], "dry_run": True}
    with httpx.Client(base_url=small_server, timeout=60) as http:
        answer = http.post(route, json=body)
        if route == "/v1/start":
            run_id = answer.json()["run_id"]
            wait_for("failed", http, run_id)
            answer = http.get(f"/v1/runs/{run_id}/results")
            document = assert_problem(answer, 409, "run-failed")["run_error"]
        else:
            document = assert_problem(answer, 422, "run-limit-exceeded")
        assert document["limit"] == "max_held_body_bytes"
        assert "max_held_body_bytes" in document["detail"] and "the answer is" in document["detail"]
        small = http.post("/v1/execute", json={**body, "mthds_contents": [big_output(20_000)]})
        assert small.status_code == 200, small.text
        assert small.json()["main_stuff"]["content"]["text"] == "x" * 20_000


def test_an_answer_counts_in_the_held_budget_until_it_is_sent() -> None:
    from pipelex.api.security import _CURRENT_HOLD, HeldBytes, Hold  # pyright: ignore[reportPrivateUsage]
    from pipelex.api.service import held_answer

    config = PipelexConfig()
    config = config.model_copy(
        update={"api": config.api.model_copy(update={"max_held_body_bytes": 100 * KIB})}
    )
    ledger = HeldBytes(100 * KIB)
    Hold(ledger).add(80 * KIB)  # other requests in progress
    hold = Hold(ledger)
    token = _CURRENT_HOLD.set(hold)
    try:
        assert held_answer(b"x" * 10 * KIB, config) == b"x" * 10 * KIB
        assert hold.bytes == 10 * KIB and ledger.held == 90 * KIB
        with pytest.raises(ApiProblem) as busy:
            held_answer(b"y" * 20 * KIB, config)
        assert busy.value.kind == "server-busy" and ledger.held == 90 * KIB
    finally:
        _CURRENT_HOLD.reset(token)


def test_a_stored_result_is_reshaped_off_the_event_loop(
    small_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /results and /progress parsed and reshaped a stored result (up to 128 MiB) on the event loop: a 150 MB
    # /results held every other request 2 s, and clients asking in a loop held the server; a reshaping that
    # does not end now leaves /health answering
    import threading

    from pipelex.api.protocol import shapes

    release = threading.Event()
    real = shapes.run_results_document

    def slow(record: Any) -> dict[str, Any]:
        release.wait(60)
        return real(record)

    monkeypatch.setattr(shapes, "run_results_document", slow)
    with httpx.Client(base_url=small_server, timeout=60) as http:
        run_id = http.post("/v1/start", json={"mthds_contents": [BUNDLE], "dry_run": True}).json()["run_id"]
        wait_for("succeeded", http, run_id)
        answers: list[httpx.Response] = []
        reader = threading.Thread(target=lambda: answers.append(http.get(f"/v1/runs/{run_id}/results")))
        reader.start()
        try:
            with httpx.Client(base_url=small_server, timeout=10) as other:
                assert other.get("/health").status_code == 200
                assert other.get(f"/v1/runs/{run_id}/status").json()["status"] == "COMPLETED"
        finally:
            release.set()
            reader.join(60)
        assert answers[0].status_code == 200 and answers[0].json()["main_stuff"] == {"text": "hello"}
