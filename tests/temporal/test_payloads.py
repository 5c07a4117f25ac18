"""Payloads: contents cross the wire as JSON and come back as the same concept models (no server needed)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipelex.backends.temporal.payloads import ContentCodec, LibraryRef, WireMemory
from pipelex.concepts.natives import (
    CompositeContent,
    ImageContent,
    ListContent,
    PageContent,
    TextAndImagesContent,
    TextContent,
)
from pipelex.language.library import build_library
from pipelex.memory.stuff import Absence, Stuff, WorkingMemory
from tests.storage.test_storage import _bucket, moto_endpoint  # noqa: F401 - the fixture, used by name
from tests.temporal.bundles import SHOP_BUNDLE


@pytest.fixture
def codec() -> ContentCodec:
    return ContentCodec(build_library([(SHOP_BUNDLE, None)]))


def roundtrip(codec: ContentCodec, memory: WorkingMemory) -> WorkingMemory:
    wire = WireMemory.model_validate_json(codec.wire_memory(memory).model_dump_json())
    return codec.memory(wire)


def test_memory_round_trips_into_the_same_models(codec: ContentCodec) -> None:
    order_model = codec.library.concepts.content_model(codec.library.concepts.concepts["garden_shop.Order"])
    order = order_model.model_validate({"customer": "Ana", "size": "large", "plants": ["rose"]})
    page = PageContent(
        text_and_images=TextAndImagesContent(
            text=TextContent(text="p1"), images=[ImageContent(url="https://x/y.png")]
        )
    )
    memory = WorkingMemory.with_inputs(
        {
            "order": Stuff(stuff_name="order", concept="garden_shop.Order", content=order),
            "pages": Stuff(
                stuff_name="pages", concept="native.Page", content=ListContent(items=[page, page])
            ),
            "extras": Stuff(
                stuff_name="extras",
                concept="native.Composite",
                content=CompositeContent.model_validate(
                    {"thanks": TextContent(text="thanks"), "pic": ImageContent(url="https://x/z.png")}
                ),
            ),
        }
    )
    memory.store("labels", Absence(variable_name="labels", kind="skipped", reason="no plants"))
    memory.aliases["main_stuff"] = "order"
    back = roundtrip(codec, memory)
    assert back.to_json() == memory.to_json()
    assert type(back.root["order"].content) is order_model
    pages = back.root["pages"].content
    assert isinstance(pages, ListContent) and all(isinstance(p, PageContent) for p in pages.items)
    extras = back.root["extras"].content
    assert isinstance(extras, CompositeContent)
    assert isinstance(extras.model_extra and extras.model_extra["thanks"], TextContent)
    assert isinstance(extras.model_extra and extras.model_extra["pic"], ImageContent)
    assert back.absences["labels"] == memory.absences["labels"]


def test_a_leaf_gets_only_what_it_reads(codec: ContentCodec) -> None:
    memory = WorkingMemory.with_inputs(
        {
            name: Stuff(stuff_name=name, concept="native.Text", content=TextContent(text=name))
            for name in ("a", "b", "c")
        }
    )
    memory.aliases["alias_of_b"] = "b"
    wire = codec.wire_memory(memory, only={"a", "alias_of_b"})
    assert sorted(s.name for s in wire.stuffs) == ["a", "b"]
    assert wire.aliases == {"alias_of_b": "b"}


def test_the_library_digest_follows_the_texts() -> None:
    one = LibraryRef.of([(SHOP_BUNDLE, "a.mthds")])
    assert one.digest == LibraryRef.of([(SHOP_BUNDLE, "a.mthds")]).digest
    assert one.digest != LibraryRef.of([(SHOP_BUNDLE + "\n", "a.mthds")]).digest


def test_every_native_content_round_trips(codec: ContentCodec) -> None:
    from pipelex.concepts.mocks import mock_content
    from pipelex.concepts.natives import NATIVE_CONTENT

    for code, model in NATIVE_CONTENT.items():
        content = mock_content(model, label=code)
        back = codec.decode(codec.encode(content), f"native.{code}", is_list=False)
        assert type(back) is model, code
        assert back.model_dump(mode="json") == content.model_dump(mode="json"), code


async def test_the_claim_check_codec_round_trips_and_refuses_odd_references(tmp_path: Path) -> None:
    from temporalio.api.common.v1 import Payload

    from pipelex.backends.temporal.codec import CLAIM_CHECK_ENCODING, ClaimCheckCodec
    from pipelex.errors import PayloadStoreError

    codec = ClaimCheckCodec(tmp_path, threshold=1024)
    small = Payload(metadata={"encoding": b"json/plain"}, data=b'"x"')
    big = Payload(metadata={"encoding": b"json/plain"}, data=b'"' + b"y" * 5000 + b'"')
    encoded = await codec.encode([small, big])
    assert encoded[0] == small and encoded[1].metadata["encoding"] == CLAIM_CHECK_ENCODING
    assert len(encoded[1].data) == 64 and len(list(tmp_path.iterdir())) == 1
    assert await codec.decode(encoded) == [small, big]
    forged = Payload(metadata={"encoding": CLAIM_CHECK_ENCODING}, data=b"../../etc/passwd")
    with pytest.raises(PayloadStoreError, match="not a sha256 digest"):
        await codec.decode([forged])
    missing = Payload(metadata={"encoding": CLAIM_CHECK_ENCODING}, data=b"0" * 64)
    with pytest.raises(PayloadStoreError, match="PIPELEX_STORAGE_DIR"):
        await codec.decode([missing])


def test_the_payload_converters_the_sdk_makes_share_one_set_and_convert_as_pydantic_does(
    tmp_path: Path,
) -> None:
    import dataclasses

    from temporalio.contrib.pydantic import PydanticPayloadConverter
    from temporalio.converter import DataConverter

    from pipelex.backends.temporal.codec import SharedPydanticPayloadConverter, data_converter
    from pipelex.backends.temporal.payloads import LibraryRef, PipeRunOutcomeJson, WireResult, WireStuff

    converter = data_converter(store=tmp_path, threshold=1024)
    # as the SDK makes one at each workflow activation: a new data converter from the class
    again = dataclasses.replace(converter)
    assert again.payload_converter_class is SharedPydanticPayloadConverter
    assert again.failure_converter_class is DataConverter.default.failure_converter_class
    first, second = SharedPydanticPayloadConverter(), SharedPydanticPayloadConverter()
    assert first is not second and first.converters is second.converters
    reference = PydanticPayloadConverter()
    values = [
        PipeRunOutcomeJson(
            result=WireResult(
                stuff=WireStuff(
                    name="out", stuff_code="s1", concept="native.Text", is_list=False, content={"text": "é"}
                )
            ),
            events=[{"op": "start", "node": 0, "at": 1.5}],
        ),
        LibraryRef.of([("domain = 'x'", None)]),
        {"a": [1, 2.0, None, True]},
        "text",
    ]
    payloads = again.payload_converter.to_payloads(values)
    assert payloads == reference.to_payloads(values)
    hints: list[type] = [PipeRunOutcomeJson, LibraryRef, dict, str]
    assert again.payload_converter.from_payloads(payloads, hints) == values
    assert isinstance(again.payload_codec, type(converter.payload_codec))


def test_the_data_converter_is_its_own_copy_for_every_context_and_refuses_a_part_that_takes_one(
    tmp_path: Path,
) -> None:
    from collections.abc import Sequence

    from temporalio.api.common.v1 import Payload
    from temporalio.converter import (
        ActivitySerializationContext,
        DataConverter,
        PayloadCodec,
        SerializationContext,
        WithSerializationContext,
        WorkflowSerializationContext,
    )

    from pipelex.backends.temporal.codec import ClaimCheckCodec, ContextFreeDataConverter, data_converter

    converter = data_converter(store=tmp_path, threshold=1024)
    contexts: list[SerializationContext] = [
        WorkflowSerializationContext(namespace="default", workflow_id="w"),
        ActivitySerializationContext(
            namespace="default",
            activity_id="1",
            activity_type="act_run_leaf",
            activity_task_queue="q",
            workflow_id="w",
            workflow_type="WfRunPipe",
            is_local=False,
        ),
    ]
    for context in contexts:
        # what the SDK's own answer is (every part asked), answered without asking
        assert DataConverter.with_context(converter, context) is converter
        assert converter.with_context(context) is converter

    class ContextCodec(PayloadCodec, WithSerializationContext):
        def __init__(self, context: SerializationContext | None = None) -> None:
            self.context = context

        async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
            return list(payloads)

        async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
            return list(payloads)

        def with_context(self, context: SerializationContext) -> ContextCodec:
            return ContextCodec(context)

    with pytest.raises(TypeError, match="takes a serialization context"):
        ContextFreeDataConverter(payload_codec=ContextCodec())
    assert isinstance(
        ContextFreeDataConverter(payload_codec=ClaimCheckCodec(tmp_path, threshold=1)), DataConverter
    )


def test_run_settings_cross_the_wire_with_their_limits_and_exploration() -> None:
    from pipelex.backends.temporal.payloads import WireSettings
    from pipelex.config.run_settings import RunSettings
    from pipelex.config.settings import LimitsConfig

    settings = RunSettings(
        limits=LimitsConfig(max_batch_items=7, template_max_steps=500), explore_all_outcomes=True
    )
    wire = WireSettings.model_validate_json(WireSettings.of(settings).model_dump_json())
    assert wire.run_settings() == settings


@pytest.mark.parametrize(("mode", "explores"), [("dry", True), ("live", False)])
def test_a_payload_of_an_older_version_explores_as_its_mode_did(mode: str, explores: bool) -> None:
    """A workflow replayed from a history recorded before the exploration policy travelled runs as it first ran."""
    from pipelex.backends.temporal.client import library_ref
    from pipelex.backends.temporal.payloads import PipeRunPayload
    from pipelex.language.library import build_library
    from tests.temporal.bundles import SHOP_BUNDLE

    recorded = {
        "library": library_ref(build_library([(SHOP_BUNDLE, None)])).model_dump(mode="json"),
        "pipe_ref": "garden_shop.handle_order",
        "output_name": "handle_order",
        "memory": {"stuffs": [], "aliases": {}, "absences": {}},
        "run_mode": mode,
        "settings": {"nb_list_items": 3},  # no limits, no explore_all_outcomes
        "dispatch": {"task_queue": "q"},
    }
    payload = PipeRunPayload.model_validate(recorded)
    assert payload.settings.run_settings().explore_all_outcomes is explores
    assert payload.settings.run_settings().limits.max_batch_items == 10_000  # the defaults


def test_the_generator_of_the_mode_sets_the_exploration_of_a_run() -> None:
    from pipelex.config.run_settings import RunSettings
    from pipelex.inference.leaf import settings_for
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode

    assert settings_for(PipeRunMode.DRY, RunSettings()).explore_all_outcomes is True
    assert settings_for(PipeRunMode.LIVE, RunSettings()).explore_all_outcomes is False
    # a live run never runs the outcomes it did not take, whatever the caller's settings say
    assert (
        settings_for(PipeRunMode.LIVE, RunSettings(explore_all_outcomes=True)).explore_all_outcomes is False
    )


def test_same_json_tells_types_apart() -> None:
    from pipelex.backends.temporal.payloads import same_json

    assert same_json({"a": [1, "x", None, {"b": 2.5}]}, {"a": [1, "x", None, {"b": 2.5}]})
    assert not same_json(1, 1.0) and not same_json(1, True) and not same_json({"a": 1}, {"a": True})
    assert not same_json([1, 2], [1, 2, 3]) and not same_json({"a": 1}, {"b": 1}) and not same_json([1], (1,))


def test_a_leaf_omits_only_data_equal_to_what_its_workflow_holds() -> None:
    """An input whose recorded data differs from what the payload carried (here a path into it, or another value)
    keeps its data; so does an output when the result is an absence."""
    from pipelex.backends.temporal.payloads import (
        TraceEvent,
        WireMemory,
        WireResult,
        WireStuff,
        omit_held_data,
        restore_omitted,
    )
    from pipelex.memory.stuff import Absence
    from pipelex.tracing.graph import IOItem

    memory = WireMemory(
        stuffs=[
            WireStuff(name="a", stuff_code="c1", concept="native.Text", is_list=False, content={"text": "1"}),
            WireStuff(
                name="b", stuff_code="c2", concept="native.Number", is_list=False, content={"number": 1}
            ),
        ]
    )

    def item(name: str, data: object) -> IOItem:
        return IOItem(name=name, concept="native.Text", data=data)

    events = [  # as a leaf's activity records them: the JSON they travel as
        TraceEvent(
            op="start", node=0, inputs=[item("a", {"text": "1"}), item("b", {"number": 1.0}), item("c", 3)]
        ).model_dump(mode="json"),
        TraceEvent(op="end", node=0, outputs=[item("out", {"absent": True})]).model_dump(mode="json"),
    ]
    absent = WireResult(absence=Absence(variable_name="out", kind="skipped", reason="an input was absent"))
    omit_held_data(events, memory, "out", absent)
    start, end = (TraceEvent.model_validate(event) for event in events)
    assert start.omitted == ["a"] and start.inputs is not None
    assert [i.data for i in start.inputs] == [None, {"number": 1.0}, 3]
    assert end.omitted is None and end.outputs is not None and end.outputs[0].data == {"absent": True}
    read = events  # the JSON its workflow reads
    restore_omitted(read, memory, "out", absent)
    assert "omitted" not in read[0] and [i["data"] for i in read[0]["inputs"]] == [
        {"text": "1"},
        {"number": 1.0},
        3,
    ]
    assert [TraceEvent.model_validate(e) for e in read] == [
        TraceEvent(
            op="start", node=0, inputs=[item("a", {"text": "1"}), item("b", {"number": 1.0}), item("c", 3)]
        ),
        TraceEvent(op="end", node=0, outputs=[item("out", {"absent": True})]),
    ]


async def test_a_payload_sent_again_keeps_its_age_fresh(tmp_path: Path) -> None:
    """With an age (a server's ``storage_max_age_seconds``), a payload not written again for that long is deleted by
    a later write. The codec skipped the write of a payload held already, so one sent again and again (the same big
    input run after run, a memory passed to every leaf) kept its first write's time, and a write by any process past
    the age deleted it while runs still sent it by reference: their workers could not read it."""
    import os
    import time

    from temporalio.api.common.v1 import Payload

    from pipelex.backends.temporal.codec import ClaimCheckCodec, LocalPayloadStore
    from pipelex.backends.temporal.stored import get_json, put_json
    from pipelex.storage.protocol import StorageBounds

    bounds = StorageBounds(max_age_seconds=3600)
    codec = ClaimCheckCodec(LocalPayloadStore(tmp_path, bounds), threshold=1024)
    big = Payload(metadata={"encoding": b"json/plain"}, data=b'"' + b"y" * 5000 + b'"')
    key = (await codec.encode([big]))[0].data.decode()
    listed = put_json(codec.store, {"items": ["z" * 100]})
    old = time.time() - 7200  # both first written two hours ago: past the age
    for name in (key, listed):
        os.utime(tmp_path / name, (old, old))
    sent = await codec.encode([big])  # a later run sends the same payload, and stores the same list
    assert put_json(codec.store, {"items": ["z" * 100]}) == listed
    # another process writes a payload: it counts the folder, deleting what is past the age
    LocalPayloadStore(tmp_path, bounds).put("f" * 64, b"other")
    assert await codec.decode(sent) == [big]
    assert get_json(codec.store, listed) == {"items": ["z" * 100]}


def test_a_payload_is_kept_while_its_run_may_still_read_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's input, sent by reference at its start, is read again with no write: by a worker replaying the
    workflow's history, by the client fetching the result. With ``[api] storage_max_age_seconds`` under the
    longest run (``[limits] run_deadline_seconds``, up to a day) a write by any process deleted it mid-run. The
    payloads' age is now never under the longest run plus the time its result is kept (``[api] run_ttl_seconds``)."""
    import os
    import time

    from pipelex.backends.temporal.codec import LocalPayloadStore, payload_min_age, payload_store
    from pipelex.config.settings import PipelexConfig

    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(tmp_path))
    config = PipelexConfig()
    config = config.model_copy(update={"api": config.api.model_copy(update={"storage_max_age_seconds": 600})})
    served = config.served()
    least = payload_min_age(served)
    assert least == served.limits.run_deadline_seconds + served.api.run_ttl_seconds > 600
    store = payload_store(served.storage, least)
    assert isinstance(store, LocalPayloadStore)
    store.put("a" * 64, b"the run's input")
    old = time.time() - 1200  # past the store's 600 s, within the run's life
    os.utime(tmp_path / "temporal-payloads" / ("a" * 64), (old, old))
    payload_store(served.storage, least).put("b" * 64, b"another process's write")
    assert store.get("a" * 64) == b"the run's input"
    unbounded = PipelexConfig().storage  # the CLI's folder: no age, none added
    assert payload_store(unbounded, least)._files.bounds.max_age_seconds == 0  # pyright: ignore[reportAttributeAccessIssue, reportPrivateUsage]


def test_an_s3_payload_sent_again_is_uploaded_again_only_past_half_its_age(
    moto_endpoint: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On S3 a held payload's age restarts by writing it again (an upload): one sent by every leaf that reads it is
    uploaded again only once half the store's age has passed (it then lives at least half of it more).

    The store's clock is moved forward past half the age instead of sleeping through it: S3's ``LastModified`` is
    to the second, so with a short age a busy machine's slow HEADs (or an upload late in its second) already read
    as past half of it."""
    from pipelex.backends.temporal import codec as codec_module
    from pipelex.backends.temporal.codec import S3PayloadStore
    from pipelex.config.settings import StorageConfig

    _bucket(moto_endpoint, "payloads")
    config = StorageConfig(
        kind="s3", s3_bucket="payloads", s3_endpoint_url=moto_endpoint, max_age_seconds=600
    )
    store = S3PayloadStore(config)
    uploads: list[str] = []
    real = store._s3.client.put_object  # pyright: ignore[reportPrivateUsage]

    def counting(**kwargs: object) -> object:
        uploads.append(str(kwargs["Key"]))
        return real(**kwargs)

    class _Clock:
        """``time`` as the codec reads it, ``ahead`` seconds later than the machine's."""

        ahead = 0.0

        @classmethod
        def time(cls) -> float:
            return time.time() + cls.ahead

    monkeypatch.setattr(codec_module, "time", _Clock)
    store._s3.client.put_object = counting  # pyright: ignore[reportPrivateUsage]
    for _ in range(3):
        store.put("c" * 64, b"a big payload")
    assert uploads == ["temporal-payloads/" + "c" * 64]  # held and young: a HEAD each time
    _Clock.ahead = 290.0  # still under half the age
    store.put("c" * 64, b"a big payload")
    assert len(uploads) == 1
    _Clock.ahead = 310.0  # past half the age
    store.put("c" * 64, b"a big payload")
    assert len(uploads) == 2 and store.get("c" * 64) == b"a big payload"
    unbounded = S3PayloadStore(config.model_copy(update={"max_age_seconds": 0}))
    unbounded._s3.client.put_object = counting  # pyright: ignore[reportPrivateUsage]
    _Clock.ahead = 10_000.0
    unbounded.put("c" * 64, b"a big payload")
    assert len(uploads) == 2  # no age: never uploaded again


def test_a_composite_holding_every_native_content_round_trips_under_its_wire_key(codec: ContentCodec) -> None:
    """Contents nested in an open model travel tagged with their native concept (``native.Text`` for Markdown's
    class too), and a codec that has not met a key yet (another process's) rebuilds the same models from it."""
    from pipelex.backends.temporal.payloads import CONTENT_TAG
    from pipelex.concepts.mocks import mock_content
    from pipelex.concepts.natives import NATIVE_CLASS_NAMES, NATIVE_CONTENT

    extras = {code.lower(): mock_content(model, label=code) for code, model in NATIVE_CONTENT.items()}
    data = codec.encode(CompositeContent.model_validate(extras))
    expected = {code.lower(): "Text" if code == "Markdown" else code for code in NATIVE_CLASS_NAMES}
    assert {name: value[CONTENT_TAG] for name, value in data.items()} == {
        name: f"native.{code}" for name, code in expected.items()
    }
    back = ContentCodec(codec.library).decode(data, "native.Composite", is_list=False)
    assert isinstance(back, CompositeContent) and back.model_extra is not None
    for name, content in extras.items():
        assert type(back.model_extra[name]) is type(content), name
        assert back.model_extra[name].model_dump(mode="json") == content.model_dump(mode="json"), name


def test_a_codec_makes_only_the_native_classes_whose_contents_travel() -> None:
    """A process's first codec does not make every native concept's class (a pydantic class each, ~12 M
    instructions for all): only those of the contents it encodes or decodes."""
    from tests.backends.test_temporal_worker import run_python

    out = run_python(
        """
        from pipelex.backends.temporal.payloads import CONTENT_TAG, ContentCodec
        from pipelex.concepts import natives
        from pipelex.language.library import build_library
        from pipelex.memory.stuff import Stuff, WorkingMemory

        def made():
            return sorted(name for name in set(natives.NATIVE_CLASS_NAMES.values()) if natives.made(name))

        bundle = 'domain = "d"\\n[pipe.p]\\ntype = "PipeLLM"\\ndescription = "P"\\noutput = "Text"\\nprompt = "Hi"\\n'
        codec = ContentCodec(build_library([(bundle, None)]))
        memory = WorkingMemory.with_inputs(
            {"a": Stuff(stuff_name="a", concept="native.Text", content=natives.TextContent(text="a"))}
        )
        assert codec.memory(codec.wire_memory(memory)).to_json() == memory.to_json()
        print(made())
        tagged = {"pic": {CONTENT_TAG: "native.Image", "data": {"url": "https://x/y.png"}}}
        back = codec.decode(tagged, "native.Composite", is_list=False)
        print(made(), type(back.model_extra["pic"]).__name__)
        """
    ).splitlines()
    opened = "'AnythingContent', 'CompositeContent', 'DynamicContent'"  # the open models share a module
    assert out == ["['TextContent']", f"[{opened}, 'ImageContent', 'TextContent'] ImageContent"]
