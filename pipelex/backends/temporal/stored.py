"""Long lists and long traces kept in the payload store, by sha256, so no workflow task handles them whole.

On Temporal a workflow task that computes for more than 2 seconds fails ("potential deadlock"), and a workflow's
history is bounded. So a list longer than ``[temporal] batch_chunk_size`` never crosses a workflow whole:

- the client stores a run's long input lists in parts of ``batch_chunk_size`` items (:func:`offload_lists`);
  the workflow gets a :class:`~pipelex.backends.temporal.payloads.StoredListRef` (digests and counts);
- a batch over a stored list (or any list longer than ``batch_chunk_size``) runs each slice in a child workflow
  that reads its items in an activity (``act_load_items``) and keeps its results and its trace events in
  another (``act_store_items``: the activity's own input payload, kept as it is, so the claim-check codec's copy
  is the only one): the batch's workflow keeps one reference per slice, its output is a stored list;
- leaves read the stored lists they take (in the activity), inline pipes get them read back first;
- the client reads the run's stored outputs back and expands the stored trace fragments into the graph
  (:func:`resolve_events`), with the digests and data a direct run records.

Blobs are JSON (UTF-8) or Temporal payloads of JSON, keyed by the sha256 of their bytes, in the store of ``[storage]`` (a local folder or an
S3 bucket), next to the codec's offloaded payloads. Blocking calls: run them off the event loop.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pipelex.backends.temporal.codec import PayloadStore
from pipelex.backends.temporal.payloads import StoredListRef, StoredPart, TraceEvent, WireMemory, WireStuff
from pipelex.errors import PayloadStoreError
from pipelex.narrowing import is_dict, is_json_object, is_list

if TYPE_CHECKING:
    from temporalio.client import Client

    from pipelex.backends.temporal.payloads import ContentCodec
    from pipelex.tracing.graph import IOItem


def store_of(client: Client) -> PayloadStore:
    """The payload store of a client's data converter (the claim-check codec's)."""
    from pipelex.backends.temporal.codec import ClaimCheckCodec

    codec = client.data_converter.payload_codec
    if not isinstance(codec, ClaimCheckCodec):
        raise PayloadStoreError(
            "this Temporal client has no pipelex payload store (connect with pipelex.backends.temporal.client.connect)"
        )
    return codec.store


def put_json(store: PayloadStore, value: Any) -> str:
    """Store ``value`` as JSON; its key (the sha256 of the bytes)."""
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    key = hashlib.sha256(data).hexdigest()
    store.put(key, data)  # held already: not written again, its age restarts
    return key


def get_json(store: PayloadStore, key: str) -> Any:
    """The JSON value stored under ``key`` (a JSON blob, or a kept Temporal payload of JSON: see
    :func:`keep_payload`)."""
    data = store.get(key)
    if hashlib.sha256(data).hexdigest() != key:
        raise PayloadStoreError(f"the stored blob {key[:12]} does not match its digest (changed or damaged)")
    if data[:1] != b"{":
        from temporalio.api.common.v1 import Payload

        payload = Payload.FromString(data)
        if payload.metadata.get("encoding") != b"json/plain":
            raise PayloadStoreError(f"the stored blob {key[:12]} is neither JSON nor a JSON Temporal payload")
        data = payload.data
    return json.loads(data)


def keep_payload(store: PayloadStore, payload: Any) -> str:
    """Keep a Temporal payload (a ``temporalio.api.common.v1.Payload`` of JSON) as it is; its key, the sha256 of its
    bytes: the claim-check codec's key for the same payload, so one offloaded already is not written again."""
    data = payload.SerializeToString()
    key = hashlib.sha256(data).hexdigest()
    store.put(key, data)  # held already: not written again, its age restarts
    return key


def put_items(store: PayloadStore, items: list[Any]) -> StoredPart:
    """Store encoded items as one part."""
    return StoredPart(key=put_json(store, {"items": items}), count=len(items))


def read_items(store: PayloadStore, ref: StoredListRef) -> list[Any]:
    """The encoded items of a stored list (or slice)."""
    items: list[Any] = []
    for part in ref.parts:
        blob = get_json(store, part.key)
        got = blob.get("items") if is_json_object(blob) else None
        if not is_list(got) or len(got) != part.count:
            raise PayloadStoreError(f"the stored list part {part.key[:12]} does not hold {part.count} items")
        items.extend(got)
    return items[ref.skip : ref.skip + ref.count]


def store_list(store: PayloadStore, concept: str, items: list[Any], part_size: int) -> StoredListRef:
    """Store encoded items in parts of ``part_size``."""
    parts = [put_items(store, items[i : i + part_size]) for i in range(0, len(items), max(1, part_size))]
    return StoredListRef(concept=concept, count=len(items), parts=parts)


def offload_lists(memory: WireMemory, store: PayloadStore, threshold: int) -> WireMemory:
    """The memory with each list longer than ``threshold`` items stored (parts of ``threshold`` items)."""
    stuffs: list[WireStuff] = []
    for stuff in memory.stuffs:
        if stuff.stored is None and stuff.is_list and is_list(stuff.content):
            content = stuff.content
            if len(content) > threshold:
                stuff = stuff.model_copy(
                    update={"content": None, "stored": store_list(store, stuff.concept, content, threshold)}
                )
        stuffs.append(stuff)
    return memory.model_copy(update={"stuffs": stuffs})


# ---------------------------------------------------------------------------------------------------- traces
def put_events(store: PayloadStore, events: list[TraceEvent]) -> str:  # (tests; slices keep their payload)
    """Store a fragment of trace events; its key."""
    return put_json(store, {"events": [e.model_dump(mode="json", exclude_none=True) for e in events]})


def get_events(store: PayloadStore, key: str) -> list[TraceEvent]:
    """The trace events of a stored fragment."""
    blob = get_json(store, key)
    raw = blob.get("events") if is_json_object(blob) else None
    if not is_list(raw):
        raise PayloadStoreError(f"the stored trace fragment {key[:12]} holds no events")
    return [TraceEvent.model_validate(e) for e in raw]


def expand_fragments(events: list[TraceEvent], store: PayloadStore) -> Iterator[TraceEvent]:
    """The events with every stored fragment read back in its place (recursively), node ids made unique.

    A generator: one fragment (one slice's events) is read and held at a time, so the events of a batch of
    any size stream into the graph instead of being held whole."""
    if not any(e.op == "fragment" for e in events):
        yield from events
        return
    taken = [e.node for e in events if e.op == "start"]
    next_node = max(taken, default=-1) + 1
    for event in events:
        if event.op != "fragment":
            yield event
            continue
        assert event.ref is not None
        inner = list(
            expand_fragments(get_events(store, event.ref), store)
        )  # numbered on its own, then mapped
        mapping: dict[int, int] = {}
        for item in inner:
            if item.op == "start":
                mapping[item.node] = next_node
                next_node += 1
        for item in inner:
            update: dict[str, Any] = {"node": mapping[item.node]}
            if item.op == "start":
                update["parent"] = event.parent if item.parent is None else mapping[item.parent]
            if item.target is not None:
                update["target"] = mapping[item.target]
            yield item.model_copy(update=update)


def iter_resolved_events(
    events: list[TraceEvent], store: PayloadStore, codec: ContentCodec
) -> Iterator[TraceEvent]:
    """The events of a run as a direct run records them: fragments expanded, and the inputs and outputs that name
    a stored list given the digest and data of the list itself. A generator (see :func:`expand_fragments`)."""
    from pipelex.pipes.runtime import STORED_LIST_MARK

    resolved: dict[str, IOItem] = {}

    def fix(items: list[IOItem] | None) -> list[IOItem] | None:
        if not items or not any(is_dict(i.data) and STORED_LIST_MARK in i.data for i in items):
            return items
        return [_resolved_item(item, store, codec, resolved) for item in items]

    for event in expand_fragments(events, store):
        inputs, outputs = fix(event.inputs), fix(event.outputs)
        if inputs is not event.inputs or outputs is not event.outputs:
            event = event.model_copy(update={"inputs": inputs, "outputs": outputs})
        yield event


def resolve_events(events: list[TraceEvent], store: PayloadStore, codec: ContentCodec) -> list[TraceEvent]:
    """:func:`iter_resolved_events` as a list (for the short traces of a failure or a run stopped midway)."""
    return list(iter_resolved_events(events, store, codec))


def _resolved_item(
    item: IOItem, store: PayloadStore, codec: ContentCodec, cache: dict[str, IOItem]
) -> IOItem:
    from pipelex.pipes.runtime import STORED_LIST_MARK, io_item

    if not (is_dict(item.data) and STORED_LIST_MARK in item.data):
        return item
    ref = StoredListRef.model_validate(item.data[STORED_LIST_MARK])
    key = ref.model_dump_json()
    done = cache.get(key)
    if done is None:
        wire = WireStuff(name=item.name, stuff_code="", concept=item.concept, is_list=True, stored=ref)
        done = cache[key] = io_item(item.name, codec.stuff(wire, lambda r: read_items(store, r)))
    return done.model_copy(update={"name": item.name})
