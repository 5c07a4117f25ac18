"""What the runner API does with a request body on its event loop is bounded by the body's bytes, at a small cost
per byte: a body of many small values must not hold the loop that answers every other client.

Twelfth hostile pass: a dry ``/v1/execute`` whose input is a 4.7 MB list of 470,000 small objects (under
``max_body_bytes``, any key holder) took ~1.8 s of the server process's event loop before a worker saw it: the
lone-surrogate check of the body built a path string for every value (~1 s), then pydantic's ``JsonValue`` validator
walked and copied every value of ``inputs`` in Python (~0.6 s; 1,200,000 empty lists: 1 s). Twenty such requests at
once held ``/health`` for 37 s, and for 19-51 s when they ran (some answered 408). The check now walks without
building anything per value (paths are built only when there is one to name) and the request models take inputs as
parsed JSON (the same ``JsonValue`` schema, no per-value validator): the same twenty requests hold ``/health`` ~2 s
when refused on the loop. A body of 1,200,000 empty lists spent ~0.8 s of its parse in the garbage collector (twenty
at once: `/health` 8 s); the routes now parse bodies with it paused (``pipelex.api.body``): 2.5 s.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest

from pipelex.api.app import create_app
from pipelex.api.body import holds_no_surrogate, parse_json_body
from pipelex.api.models import ExecuteRequest, RunRequest
from pipelex.config.settings import PipelexConfig
from pipelex.narrowing import unencodable_path
from tests.security.conftest import served_api

BUNDLE = (
    'domain = "t"\nmain_pipe = "p"\n\n[pipe.p]\ntype = "PipeCompose"\ndescription = "x"\n'
    'inputs = { t = "Text" }\noutput = "Text"\ntemplate = "{{ t.text }}"\n'
)


def _many_values(count: int) -> dict[str, object]:
    return {"t": {"concept": "Anything", "content": {"items": [{"a": 1} for _ in range(count)]}}}


def test_the_request_models_take_inputs_as_parsed_without_walking_them() -> None:
    inputs = _many_values(10)
    request = RunRequest.model_validate({"mthds_contents": [BUNDLE], "inputs": inputs})
    assert request.inputs is not None and request.inputs["t"] is inputs["t"]  # not walked, not copied
    execute = ExecuteRequest.model_validate({"mthds_contents": [BUNDLE], "inputs": inputs})
    assert execute.inputs["t"] is inputs["t"]
    schema = RunRequest.model_json_schema()  # the OpenAPI document's shape is unchanged
    assert schema["properties"]["inputs"]["anyOf"][0]["additionalProperties"] == {"$ref": "#/$defs/JsonValue"}
    assert schema["$defs"]["JsonValue"] == {}
    with pytest.raises(ValueError, match=r"inputs\.t\.content\.items\[3\]\.a holds a lone UTF-16 surrogate"):
        inputs["t"]["content"]["items"][3] = {"a": "\ud800"}  # type: ignore[index]
        RunRequest.model_validate({"mthds_contents": [BUNDLE], "inputs": inputs})


def test_the_surrogate_check_builds_nothing_per_value() -> None:
    data = json.loads(json.dumps(_many_values(200_000)))
    tracemalloc.start()
    try:
        assert unencodable_path(data) is None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000, peak  # a path string and a tuple per value: ~30 MB
    data["t"]["content"]["items"][150_000] = {"a": ["x", "\udc00"]}
    assert unencodable_path(data, "inputs") == "inputs.t.content.items[150000].a[1]"


def test_a_body_is_parsed_with_the_garbage_collector_paused() -> None:
    body = json.dumps([[] for _ in range(300_000)]).encode()
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(count)
    try:
        assert parse_json_body(body) == [[]] * 300_000
        assert len(collections) <= 1 and gc.isenabled()  # at most the one the next allocation starts
        collections.clear()
        json.loads(body)
        assert len(collections) > 100  # what the paused collector would have done
        gc.disable()
        parse_json_body(body)
        assert not gc.isenabled()  # a collector paused by someone else stays paused
    finally:
        gc.enable()
        gc.callbacks.remove(count)


@pytest.mark.parametrize("route", ["/v1/execute", "/v1/start", "/v1/validate", "/v1/resolve", "/v1/pipe-io"])
def test_the_routes_parse_their_body_with_the_collector_paused(route: str) -> None:
    """Through the app itself (its routers' `route_class`): a body of 300,000 empty lists starts hundreds of
    collections when parsed as FastAPI parses it, a few at most now."""
    app = create_app(PipelexConfig(), api_key=None)
    body = json.dumps({"mthds_contents": ["x"], "inputs": {"t": [[] for _ in range(300_000)]}, "unknown": 1})
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    async def post() -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
            await client.get("/health")
            gc.callbacks.append(count)
            try:
                answer = await client.post(route, content=body, headers={"content-type": "application/json"})
            finally:
                gc.callbacks.remove(count)
            return answer.status_code

    assert asyncio.run(post()) == 422
    assert len(collections) < 20, len(collections)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_api(
        tmp_path_factory.mktemp("api-body-cost"), "", env={"PIPELEX_API_KEY": "body-cost-key"}
    ) as url:
        yield url


def test_bodies_of_many_values_do_not_hold_the_event_loop(api: str) -> None:
    """Eight 4.7 MB bodies of 470,000 objects, refused by the request model (an unknown field) so that no worker
    runs: everything they cost is the event loop's. `/health` waited ~15 s before, ~1 s now."""
    body = json.dumps(
        {"mthds_contents": [BUNDLE], "inputs": _many_values(470_000), "dry_run": True, "unknown": 1}
    ).encode()
    headers = {"authorization": "Bearer body-cost-key", "content-type": "application/json"}

    async def scenario() -> tuple[list[int], float]:
        async with httpx.AsyncClient(base_url=api, timeout=120) as client:
            posts = [
                asyncio.create_task(client.post("/v1/execute", content=body, headers=headers))
                for _ in range(8)
            ]
            worst = 0.0
            while not all(post.done() for post in posts):
                start = time.monotonic()
                assert (await client.get("/health")).status_code == 200
                worst = max(worst, time.monotonic() - start)
                await asyncio.sleep(0.05)
            return [(await post).status_code for post in posts], worst

    statuses, worst = asyncio.run(scenario())
    assert statuses == [422] * 8, statuses
    assert worst < 6.0, worst


@pytest.mark.parametrize(
    ("body", "plain"),
    [
        (b'{"t": "caf\xc3\xa9 \\u00e9 \\ud83d\\ude00"}', False),  # a pair of escapes: the walk tells
        (b'{"t": "caf\xc3\xa9 \\u00e9 \xf0\x9f\x98\x80"}', True),
        (b'{"t": "\\\\ud800"}', False),  # an escaped backslash: text, but the scan does not tell it apart
        (b'{"t": "\\uD800"}', False),
        (b'{"t": "\\udfff"}', False),
        (b'{"t": "\xed\xa0\x80"}', False),  # a surrogate encoded as UTF-8: json reads it ("surrogatepass")
        ('{"t": "x"}'.encode("utf-16-le"), False),  # json reads UTF-16 too: not scanned
        ('\ufeff{"t": "x"}'.encode(), True),
    ],
)
def test_a_bodys_bytes_tell_when_it_holds_no_surrogate(body: bytes, plain: bool) -> None:
    assert holds_no_surrogate(body) is plain
    if plain:
        assert unencodable_path(json.loads(body.decode("utf-8-sig"))) is None


@pytest.mark.parametrize(
    "text",
    [b"\\ud800", b"\\uDBFF\\u0041", b"\xed\xa0\x80", b"\xed\xbf\xbf"],
)
def test_the_routes_refuse_a_surrogate_in_any_spelling_and_walk_only_then(
    text: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The routes skip the walk of every value when the body's bytes show no surrogate (thirteenth hostile pass: ~0.3 s
    of the event loop for 470,000 values), and still refuse one however it is written: an escape, or encoded as
    UTF-8 (which json reads); in UTF-16 the body is walked, once (where it is parsed, off the event loop: the models
    read the result)."""
    import pipelex.api.body as body_module
    import pipelex.api.models as models

    walks: list[object] = []

    def counting(data: object, root: str = "") -> str | None:
        walks.append(data)
        return unencodable_path(data, root)

    monkeypatch.setattr(models, "unencodable_path", counting)
    monkeypatch.setattr(body_module, "unencodable_path", counting)
    app = create_app(PipelexConfig(), api_key=None)
    plain = json.dumps({"mthds_contents": ["x"], "inputs": _many_values(1_000), "unknown": 1}).encode()
    broken = b'{"mthds_contents": ["x"], "inputs": {"t": "a' + text + b'"}}'
    utf16 = json.dumps({"mthds_contents": ["x"], "inputs": {"t": "a\ud800"}}).encode("utf-16-le")

    async def post(body: bytes) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
            return await client.post(
                "/v1/execute", content=body, headers={"content-type": "application/json"}
            )

    answer = asyncio.run(post(plain))
    assert answer.status_code == 422 and "unknown" in answer.text  # refused for its unknown field only
    assert walks == []
    for body in (broken, utf16):
        answer = asyncio.run(post(body))
        assert answer.status_code == 422, answer.text
        assert "inputs.t holds a lone UTF-16 surrogate" in answer.text, answer.text
    assert len(walks) == 2


def test_a_workers_inputs_travel_as_the_bodys_bytes() -> None:
    """A run's inputs, the very values parsed from its body, go to its worker process as the body's bytes, parsed
    again there, instead of pickled on the event loop (~0.2 s for 470,000 values; thirteenth hostile pass); a call's
    first argument (``/v1/start``'s check) too. Inputs changed after the parse travel as they are."""
    import pickle

    from pipelex.api.body import inputs_source
    from pipelex.api.isolation import IsolatedJob, _lean
    from pipelex.api.service import answer_isolated_job, check_run

    body = json.dumps({"mthds_contents": [BUNDLE], "inputs": _many_values(50_000), "dry_run": True}).encode()

    class Parsed:  # what BodyRequest keeps of a request: its bytes and their parse
        _body = body
        _json = json.loads(body)

    inputs = dict(Parsed._json["inputs"])
    assert inputs_source(cast(Any, Parsed), inputs) is body
    assert inputs_source(cast(Any, Parsed), {**inputs, "t": "other"}) is None
    assert inputs_source(cast(Any, Parsed), {**inputs, "u": "more"}) is None
    request = ExecuteRequest.model_construct(
        mthds_contents=[BUNDLE], pipe_code=None, inputs=inputs, dry_run=True, mock_inputs=False
    ).with_inputs_source(body)
    config = PipelexConfig()
    for kind, sent in (("execute", request), ("call", (check_run, (request, config, None, None)))):
        lean, source = _lean(kind, sent)
        assert source is body
        job = IsolatedJob(
            kind=cast(Any, kind),
            request=lean,
            config=config,
            deck=cast(Any, None),
            environ={},
            boot=None,
            memory_bytes=2**31,
            work=answer_isolated_job,
            inputs_source=source,
        )
        travelled = pickle.loads(pickle.dumps(job))
        first = travelled.request if kind == "execute" else travelled.request[1][0]
        assert first.inputs == {}
        restored = travelled.with_inputs_read()
        again = restored.request if kind == "execute" else restored.request[1][0]
        assert again.inputs == inputs and restored.inputs_source is None
        assert again.model_dump(exclude={"inputs"}) == request.model_dump(exclude={"inputs"})
    plain = request.model_copy()
    plain.with_inputs_source(None)
    assert _lean("execute", plain) == (plain, None)
