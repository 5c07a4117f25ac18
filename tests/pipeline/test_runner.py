"""The Python API: ``PipelexRunner`` dry runs, mocks, the no-inference boot, live refusals and input errors."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelex.boot import Pipelex
from pipelex.concepts.natives import CompositeContent, ListContent, TextContent
from pipelex.config.run_settings import RunSettings
from pipelex.errors import BundleInvalidError, InputError, PipelexError, RunError
from pipelex.language.library import Library
from pipelex.memory.stuff import Stuff, WorkingMemory
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.pipeline.runner import PipelexRunner, PipelineOutput
from pipelex.tracing.graph import ExecutionGraph


def _stuff(memory: WorkingMemory, name: str) -> Stuff:
    """The stuff ``name`` of ``memory``, which must be there."""
    found = memory.get(name)
    assert found is not None, f"{name!r} is not in the working memory"
    return found


SHOP_BUNDLE = textwrap.dedent("""
    domain      = "garden_shop"
    description = "Preparing a garden-shop order for dispatch"
    main_pipe   = "prepare_order"

    [concept.Order]
    description = "A customer's order at the garden shop"

    [concept.Order.structure]
    customer = { type = "text", description = "Who placed the order", required = true }
    size     = { choices = ["small", "large"], description = "How big the parcel is", required = true }
    plants   = { type = "list", item_type = "text", description = "The plants ordered", required = true }

    [concept]
    PlantLabel = "The label tied to one plant of the order"

    [pipe.prepare_order]
    type        = "PipeSequence"
    description = "Labels the plants, routes the parcel, writes the extras and the summary"
    inputs      = { order = "Order" }
    output      = "Text"
    steps = [
      { from = "order.customer", result = "customer" },
      { from = "order.plants", result = "plants" },
      { pipe = "label_plants", result = "labels" },
      { pipe = "route_order", result = "routing" },
      { pipe = "write_extras", result = "extras" },
      { pipe = "write_summary", result = "summary" },
    ]

    [pipe.label_plants]
    type             = "PipeBatch"
    description      = "Writes a label for each plant"
    inputs           = { plants = "Text[]" }
    output           = "PlantLabel[]"
    branch_pipe_code = "label_one_plant"
    input_list_name  = "plants"
    input_item_name  = "plant"

    [pipe.label_one_plant]
    type        = "PipeLLM"
    description = "Writes the label of one plant"
    inputs      = { plant = "Text" }
    output      = "PlantLabel"
    prompt      = "Write a one-line label for $plant."

    [pipe.route_order]
    type            = "PipeCondition"
    description     = "Sends the parcel to the desk that takes its size"
    inputs          = { order = "Order" }
    output          = "Text"
    expression      = "order.size"
    default_outcome = "fail"

    [pipe.route_order.outcomes]
    small = "note_small_desk"
    large = "note_large_desk"

    [pipe.note_small_desk]
    type        = "PipeCompose"
    description = "Notes the small-parcel desk"
    inputs      = { order = "Order" }
    output      = "Text"
    template    = "small desk for $order.customer"

    [pipe.note_large_desk]
    type        = "PipeCompose"
    description = "Notes the large-parcel desk"
    inputs      = { order = "Order" }
    output      = "Text"
    template    = "large desk for $order.customer"

    [pipe.write_extras]
    type            = "PipeParallel"
    description     = "Writes the thank-you note and the tag at once"
    inputs          = { customer = "Text" }
    output          = "Composite"
    add_each_output = true
    branches = [
      { pipe = "write_thanks", result = "thanks" },
      { pipe = "write_tag", result = "tag" },
    ]

    [pipe.write_thanks]
    type        = "PipeLLM"
    description = "Thanks the customer"
    inputs      = { customer = "Text" }
    output      = "Text"
    prompt      = "Thank $customer for the order in one line."

    [pipe.write_tag]
    type        = "PipeCompose"
    description = "Writes the parcel tag"
    inputs      = { customer = "Text" }
    output      = "Text"
    template    = "Parcel for $customer"

    [pipe.write_summary]
    type        = "PipeCompose"
    description = "Writes the dispatch summary"
    inputs      = { customer = "Text", routing = "Text", tag = "Text" }
    output      = "Text"
    template    = "$customer | $routing | $tag"
""")

SEED_BUNDLE = """
    domain      = "seed_catalog"
    description = "Seed packets described by a model"
    main_pipe   = "describe_packet"

    [concept.SeedPacket]
    description = "A packet of seeds on the shop's rack"

    [concept.SeedPacket.structure]
    variety = { type = "text", description = "The variety of the seeds", required = true }
    season  = { choices = ["spring", "summer", "autumn"], description = "When to sow", required = true }
    grams   = { type = "number", description = "The weight of seeds in the packet", required = true }
    count   = { type = "integer", description = "How many seeds", required = true }
    organic = { type = "boolean", description = "Whether the seeds are organic", required = true }
    tips    = { type = "list", item_type = "text", description = "Sowing tips", required = true }
    sown_on = { type = "date", description = "A suggested sowing date", required = false }

    [pipe.describe_packet]
    type        = "PipeLLM"
    description = "Describes one seed packet"
    inputs      = { note = "Text" }
    output      = "SeedPacket"
    prompt      = "Describe the seed packet this note is about: $note"

    [pipe.describe_packets]
    type        = "PipeLLM"
    description = "Describes every packet a note mentions"
    inputs      = { note = "Text" }
    output      = "SeedPacket[]"
    prompt      = "Describe every seed packet this note mentions: $note"

    [pipe.describe_two_packets]
    type        = "PipeLLM"
    description = "Describes the two packets a note compares"
    inputs      = { note = "Text" }
    output      = "SeedPacket[2]"
    prompt      = "Describe the two seed packets this note compares: $note"

    [pipe.shelve_packets]
    type        = "PipeCompose"
    description = "Writes the shelf line of a rack of packets"
    inputs      = { packets = "SeedPacket[]" }
    output      = "Text"
    template    = "Rack: $packets"
"""

ORDER = {"customer": "Ana", "size": "large", "plants": ["rose", "fern"]}
SEASONS = {"spring", "summer", "autumn"}


async def run_shop(order: dict[str, Any] = ORDER) -> PipelineOutput:
    runner = PipelexRunner(mthds_content=SHOP_BUNDLE, pipe_run_mode=PipeRunMode.DRY)
    return await runner.execute_pipeline(inputs={"order": order})


def codes(graph: ExecutionGraph) -> dict[str, str]:
    """Node id -> pipe code."""
    return {node.id: node.pipe_code for node in graph.nodes}


def edges(graph: ExecutionGraph, kind: str) -> set[tuple[str, str, str | None]]:
    """``(source code, target code, label)`` of the edges of one kind."""
    by_id = codes(graph)
    return {(by_id[e.source], by_id[e.target], e.label) for e in graph.edges if e.kind == kind}


def statuses(graph: ExecutionGraph) -> dict[str, set[str]]:
    """Pipe code -> the statuses of its runs."""
    found: dict[str, set[str]] = {}
    for node in graph.nodes:
        found.setdefault(node.pipe_code, set()).add(node.status)
    return found


@pytest.fixture
def seed_runner(tmp_bundle: Callable[..., Path]) -> Callable[..., PipelexRunner]:
    path = tmp_bundle(textwrap.dedent(SEED_BUNDLE), "seeds.mthds")

    def make(mode: PipeRunMode = PipeRunMode.DRY, settings: RunSettings | None = None) -> PipelexRunner:
        return PipelexRunner(bundle_uri=path, pipe_run_mode=mode, settings=settings)

    return make


@pytest.fixture
def booted_without_inference() -> Iterator[None]:
    Pipelex.make(needs_inference=False)
    try:
        yield
    finally:
        Pipelex.teardown()


@pytest.fixture
def no_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def validate_against(library: Library, concept_ref: str, content: Any) -> None:
    concept = library.concepts.resolve(concept_ref)
    assert concept is not None, concept_ref
    library.concepts.content_model(concept).model_validate(content)


# ---------------------------------------------------------------------------------------------------- a dry run


async def test_dry_run_returns_the_main_stuff_and_every_named_stuff() -> None:
    output = await run_shop()
    assert output.run_mode is PipeRunMode.DRY
    assert output.pipe_code == "prepare_order"
    assert isinstance(output.main_stuff, Stuff)
    assert output.main_stuff.concept == "native.Text"
    assert output.main_stuff_json() == {"text": "Ana | large desk for Ana | Parcel for Ana"}
    memory = output.working_memory
    assert {"order", "customer", "plants", "labels", "routing", "extras", "thanks", "tag", "summary"} <= set(
        memory.root
    )
    assert memory.main_result() is not None
    assert memory.get("main_stuff") is not None
    assert _stuff(memory, "main_stuff").content_json() == output.main_stuff_json()
    assert _stuff(memory, "customer").content_json() == {"text": "Ana"}
    plants = _stuff(memory, "plants").content
    assert isinstance(plants, ListContent) and [p.text for p in plants.items] == ["rose", "fern"]
    labels = _stuff(memory, "labels")
    assert labels.concept == "garden_shop.PlantLabel"
    assert isinstance(labels.content, ListContent) and len(labels.content.items) == 2
    assert _stuff(memory, "routing").content_json() == {"text": "large desk for Ana"}
    extras = _stuff(memory, "extras").content
    assert isinstance(extras, CompositeContent)
    assert extras.model_dump(mode="json")["tag"] == {"text": "Parcel for Ana"}


async def test_dry_llm_text_says_it_is_a_dry_run_and_names_the_pipe() -> None:
    thanks = (await run_shop()).working_memory.get("thanks")
    assert thanks is not None and isinstance(thanks.content, TextContent)
    assert "dry run" in thanks.content.text.lower()
    assert "write_thanks" in thanks.content.text


async def test_dry_run_graph_records_contains_data_and_the_selected_outcome() -> None:
    graph = (await run_shop()).graph
    assert graph.mode == "dry"
    assert graph.main_pipe == "prepare_order"
    assert sorted(node.pipe_code for node in graph.nodes) == sorted(
        [
            "prepare_order",
            "label_plants",
            "label_one_plant",
            "label_one_plant",
            "route_order",
            "note_small_desk",
            "note_large_desk",
            "write_extras",
            "write_thanks",
            "write_tag",
            "write_summary",
        ]
    )
    assert edges(graph, "contains") == {
        ("prepare_order", "label_plants", None),
        ("label_plants", "label_one_plant", None),
        ("prepare_order", "route_order", None),
        ("route_order", "note_small_desk", None),
        ("route_order", "note_large_desk", None),
        ("prepare_order", "write_extras", None),
        ("write_extras", "write_thanks", None),
        ("write_extras", "write_tag", None),
        ("prepare_order", "write_summary", None),
    }
    assert {("note_large_desk", "write_summary", "routing"), ("write_tag", "write_summary", "tag")} <= edges(
        graph, "data"
    )
    assert edges(graph, "selected_outcome") == {("route_order", "note_large_desk", "large")}


@pytest.mark.parametrize(
    ("size", "taken", "checked"),
    [("small", "note_small_desk", "note_large_desk"), ("large", "note_large_desk", "note_small_desk")],
)
async def test_dry_condition_follows_the_data_and_only_checks_the_other_outcome(
    size: str, taken: str, checked: str
) -> None:
    output = await run_shop({**ORDER, "size": size})
    assert _stuff(output.working_memory, "routing").content_json() == {"text": f"{size} desk for Ana"}
    found = statuses(output.graph)
    assert found[taken] == {"succeeded"}
    assert found[checked] == {"checked"}
    assert edges(output.graph, "selected_outcome") == {("route_order", taken, size)}


async def test_dry_run_usage_is_zero_and_not_reported() -> None:
    output = await run_shop()
    assert output.usage.total_tokens == 0
    assert output.usage.total_cost_usd == 0
    assert not output.usage.is_reportable
    assert output.graph.usage.get("total_tokens", 0) == 0


# ---------------------------------------------------------------------------------------------------- mocks


async def test_structured_mock_validates_and_honours_choices(
    seed_runner: Callable[..., PipelexRunner],
) -> None:
    runner = seed_runner()
    output = await runner.execute_pipeline(pipe_code="describe_packet", mock_inputs=True)
    packet = output.main_stuff_json()
    validate_against(runner.load(), "seed_catalog.SeedPacket", packet)
    assert packet["season"] in SEASONS
    assert isinstance(packet["count"], int) and isinstance(packet["organic"], bool)
    assert len(packet["tips"]) == 3


@pytest.mark.parametrize(
    ("pipe_code", "settings", "count"),
    [
        ("describe_packets", None, 3),
        ("describe_packets", RunSettings(nb_list_items=5), 5),
        ("describe_two_packets", None, 2),
        ("describe_two_packets", RunSettings(nb_list_items=5), 2),
    ],
    ids=["list-default", "list-configured", "fixed-2", "fixed-2-ignores-config"],
)
async def test_list_mocks_have_nb_list_items_or_exactly_n(
    seed_runner: Callable[..., PipelexRunner], pipe_code: str, settings: RunSettings | None, count: int
) -> None:
    runner = seed_runner(settings=settings)
    output = await runner.execute_pipeline(pipe_code=pipe_code, mock_inputs=True)
    items = output.main_stuff_json()["items"]
    assert len(items) == count
    for item in items:
        validate_against(runner.load(), "seed_catalog.SeedPacket", item)
        assert item["season"] in SEASONS


async def test_a_self_nesting_concept_is_refused_before_anything_runs() -> None:
    # a structure holding its own concept (a tree) is refused, as the reference refuses it ("Cycle detected in
    # concept references"); the mocks' depth bound stays for concepts nested deep without a cycle
    bundle = """
domain = "trees"
main_pipe = "grow"
[concept.Node]
description = "A node of a tree"
[concept.Node.structure]
label = { type = "text", description = "Label", required = true }
children = { type = "list", item_type = "concept", item_concept_ref = "Node", description = "Kids", required = true }
parent = { type = "concept", concept_ref = "Node", description = "Its parent" }
[pipe.grow]
type = "PipeLLM"
description = "Grows a tree"
output = "Node"
prompt = "Grow a tree"
"""
    runner = PipelexRunner(mthds_content=bundle, pipe_run_mode=PipeRunMode.DRY)
    with pytest.raises(BundleInvalidError, match="holds itself"):
        await runner.execute_pipeline()


async def test_mock_inputs_are_valid_lists_of_nb_list_items(
    seed_runner: Callable[..., PipelexRunner],
) -> None:
    runner = seed_runner()
    output = await runner.execute_pipeline(pipe_code="shelve_packets", mock_inputs=True)
    packets = output.working_memory.get("packets")
    assert packets is not None and packets.concept == "seed_catalog.SeedPacket"
    items = packets.content_json()["items"]
    assert len(items) == 3
    for item in items:
        validate_against(runner.load(), "seed_catalog.SeedPacket", item)
    assert output.main_stuff_json()["text"].startswith("Rack: ")


async def test_given_inputs_are_kept_and_only_missing_ones_mocked(
    seed_runner: Callable[..., PipelexRunner],
) -> None:
    output = await seed_runner().execute_pipeline(inputs={"note": "Two packets of basil"}, mock_inputs=True)
    assert _stuff(output.working_memory, "note").content_json() == {"text": "Two packets of basil"}


# ---------------------------------------------------------------------------------------------------- boot and modes


def test_pipelex_is_importable_from_the_package_root() -> None:
    import pipelex

    assert getattr(pipelex, "Pipelex", None) is Pipelex, "SPEC §2: `from pipelex import Pipelex`"
    assert getattr(pipelex, "PipelexRunner", None) is PipelexRunner
    assert getattr(pipelex, "PipeRunMode", None) is PipeRunMode


async def test_boot_without_inference_forces_dry_and_warns(
    booted_without_inference: None,
    seed_runner: Callable[..., PipelexRunner],
    no_provider: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="pipelex")
    runner = seed_runner(PipeRunMode.LIVE)
    output = await runner.execute_pipeline(inputs={"note": "A packet of basil"})
    assert output.run_mode is PipeRunMode.DRY
    assert output.graph.mode == "dry"
    assert output.usage.total_tokens == 0
    validate_against(runner.load(), "seed_catalog.SeedPacket", output.main_stuff_json())
    warnings = [r for r in caplog.records if r.name == "pipelex" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "dry" in warnings[0].getMessage()
    await runner.execute_pipeline(inputs={"note": "A packet of chives"})
    assert len([r for r in caplog.records if r.name == "pipelex"]) == 2, (
        "a warning each time live was requested"
    )


async def test_boot_without_inference_does_not_warn_for_a_dry_run(
    booted_without_inference: None,
    seed_runner: Callable[..., PipelexRunner],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="pipelex")
    output = await seed_runner(PipeRunMode.DRY).execute_pipeline(inputs={"note": "A packet of basil"})
    assert output.run_mode is PipeRunMode.DRY
    assert [r for r in caplog.records if r.name == "pipelex"] == []


async def test_teardown_restores_live_runs(
    seed_runner: Callable[..., PipelexRunner], no_provider: None
) -> None:
    Pipelex.make(needs_inference=False)
    Pipelex.teardown()
    with pytest.raises(RunError, match="OPENAI_API_KEY"):
        await seed_runner(PipeRunMode.LIVE).execute_pipeline(inputs={"note": "A packet of basil"})


async def test_live_llm_leaf_without_a_provider_names_the_key_to_set(
    seed_runner: Callable[..., PipelexRunner], no_provider: None
) -> None:
    with pytest.raises(RunError, match="OPENAI_API_KEY") as caught:
        await seed_runner(PipeRunMode.LIVE).execute_pipeline(inputs={"note": "A packet of basil"})
    assert "describe_packet" in str(caught.value)
    # a program is told to ask for a dry run with its own argument, not the CLI's flag
    assert "run with `pipe_run_mode=PipeRunMode.DRY` to mock" in str(caught.value)
    assert "--dry-run" not in str(caught.value)


async def test_the_dry_run_fix_is_in_the_channels_terms_before_and_during_the_run(
    tmp_bundle: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, no_provider: None
) -> None:
    """Robustness pass (robust16): the live runner's "no provider configured" error named `--dry-run`, a CLI flag,
    on every channel (MCP's agents and Python programs have no flags). A channel names its own way
    (``dry_run_hint``), found before the run (the pre-flight) and by a leaf during it alike."""
    path = tmp_bundle(textwrap.dedent(SEED_BUNDLE), "seeds3.mthds")
    runner = PipelexRunner(bundle_uri=path, pipe_run_mode=PipeRunMode.LIVE, dry_run_hint="call the dry tool")
    with pytest.raises(RunError) as before:
        runner.prepare({"note": "basil"}, "describe_packet")
    assert "or call the dry tool to mock every provider call" in str(before.value)
    assert "--dry-run" not in str(before.value)
    # the pre-flight passes; the key is gone when the leaf calls
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    run = runner.prepare({"note": "basil"}, "describe_packet")
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(RunError) as during:
        await runner.execute_prepared(run)
    assert "OPENAI_API_KEY" in str(during.value) and "or call the dry tool" in str(during.value)
    assert "--dry-run" not in str(during.value)
    assert during.value.partial_output is not None  # what the run did is still kept


async def test_the_runners_own_arguments_are_read_or_refused_clearly(tmp_bundle: Callable[..., Path]) -> None:
    """Robustness pass (robust16): `library_dirs="lib"` (one folder, not a list) was read as the one-character paths
    "l", "i", "b" (or "/": "refusing to search it"); `pipe_run_mode="dry"` (the mode's own value) raised
    AttributeError: 'str' object has no attribute 'value', and "DRY" one about `prepare_inputs`; bytes given as
    `mthds_content` "object of type 'int' has no len()"; a runner given no bundle at all said "the bundle has no
    `main_pipe`"."""
    path = tmp_bundle(textwrap.dedent(SEED_BUNDLE), "seeds4.mthds")
    one_folder = PipelexRunner(library_dirs=str(path.parent), pipe_run_mode=PipeRunMode.DRY)
    assert one_folder.library_dirs == [path.parent]
    by_value: Any = "dry"  # the mode's value, as a program reading it from its own config gives it
    runner = PipelexRunner(mthds_content=textwrap.dedent(SEED_BUNDLE), pipe_run_mode=by_value)
    output = await runner.execute_pipeline(inputs={"note": "basil"})
    assert output.run_mode is PipeRunMode.DRY
    with pytest.raises(ValueError, match="pipe_run_mode 'DRY' is not a run mode: give PipeRunMode.LIVE or"):
        PipelexRunner(mthds_content=SEED_BUNDLE, pipe_run_mode="DRY")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="mthds_content is bytes: .*decode"):
        PipelexRunner(mthds_content=SEED_BUNDLE.encode())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="mthds_content\\[1\\] is int"):
        PipelexRunner(mthds_content=[SEED_BUNDLE, 3])  # type: ignore[list-item]
    for nothing in (PipelexRunner(pipe_run_mode=PipeRunMode.DRY), PipelexRunner(mthds_content=[])):
        with pytest.raises(InputError, match="the runner was given no bundle: pass `bundle_uri`"):
            await nothing.execute_pipeline(inputs={})


_PYTHON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | st.binary(max_size=4)
    | st.just(object())
    | st.just(PipeRunMode.DRY),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner)
        | st.frozensets(st.integers(), max_size=2)
        | st.dictionaries(
            st.one_of(st.sampled_from(["note", "concept", "content", "url"]), st.integers(), st.none()),
            inner,
            max_size=3,
        )
    ),
    max_leaves=6,
)
_DRY_SEEDS = PipelexRunner(mthds_content=textwrap.dedent(SEED_BUNDLE), pipe_run_mode=PipeRunMode.DRY)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    inputs=_PYTHON_VALUES,
    pipe_code=st.one_of(
        st.none(), st.just("describe_packet"), st.text(max_size=4), st.integers(), st.binary(max_size=3)
    ),
    mock_inputs=st.booleans(),
)
def test_whatever_a_program_passes_prepare_answers_a_pipelex_error_or_a_run(
    inputs: Any, pipe_code: Any, mock_inputs: bool
) -> None:
    """Robustness pass (robust16), derandomized: any Python value as `inputs` (not only JSON: bytes, tuples, sets,
    keys that are no strings) and as `pipe_code` is prepared or refused with a PipelexError naming what to fix, never
    an AttributeError or TypeError from inside the runner."""
    try:
        _DRY_SEEDS.prepare(inputs, pipe_code, mock_inputs=mock_inputs)
    except PipelexError as error:
        assert str(error) and "Traceback" not in str(error)


async def test_a_program_is_told_its_own_argument_to_fix(
    seed_runner: Callable[..., PipelexRunner], tmp_bundle: Callable[..., Path]
) -> None:
    """Robustness pass (robust16): inputs that are not a dict of names (a string, a list, a dict keyed by numbers)
    raised a bare AttributeError (`'str' object has no attribute 'items'`), a pipe code that is not a string a bare
    TypeError from a regex; mock inputs in a live run and a bundle without `main_pipe` named the CLI's flags."""
    for inputs in ("note", ["basil"], {1: "basil"}):
        with pytest.raises(
            InputError, match="give a dict mapping each input's name \\(a string\\) to its value"
        ):
            await seed_runner().execute_pipeline(inputs=inputs)  # type: ignore[arg-type]
    with pytest.raises(
        InputError, match="the pipe to run is given as int: .* with `pipe_code=...`; its pipes: "
    ):
        await seed_runner().execute_pipeline(pipe_code=3, inputs={"note": "basil"})  # type: ignore[arg-type]
    with pytest.raises(InputError) as mocks:
        await seed_runner(PipeRunMode.LIVE).execute_pipeline(mock_inputs=True)
    assert "`pipe_run_mode=PipeRunMode.DRY`" in str(mocks.value) and "--dry-run" not in str(mocks.value)
    no_main = tmp_bundle(
        textwrap.dedent(SEED_BUNDLE).replace('main_pipe   = "describe_packet"', ""), "nomain.mthds"
    )
    with pytest.raises(InputError) as unnamed:
        await PipelexRunner(bundle_uri=no_main, pipe_run_mode=PipeRunMode.DRY).execute_pipeline(inputs={})
    message = str(unnamed.value)
    assert "name the pipe to run with `pipe_code=...`" in message and "--pipe" not in message


async def test_mock_inputs_are_refused_in_a_live_run(seed_runner: Callable[..., PipelexRunner]) -> None:
    with pytest.raises(InputError, match="dry"):
        await seed_runner(PipeRunMode.LIVE).execute_pipeline(mock_inputs=True)


# ---------------------------------------------------------------------------------------------------- input errors


async def test_a_missing_input_is_told_how_to_give_it_in_the_callers_own_terms(
    seed_runner: Callable[..., PipelexRunner], tmp_bundle: Callable[..., Path]
) -> None:
    # a program calling the runner gives inputs as arguments: the CLI's -i and --mock-inputs mean nothing to it
    with pytest.raises(InputError) as caught:
        await seed_runner().execute_pipeline(pipe_code="describe_packet", inputs={})
    message = str(caught.value)
    assert "needs the input(s) 'note'" in message  # the API's registry code reads this phrase
    assert "`inputs`" in message and "mock_inputs=True" in message and "-i" not in message
    # a channel names its own way (the CLI its flags, the API and MCP their fields)
    path = tmp_bundle(textwrap.dedent(SEED_BUNDLE), "seeds2.mthds")
    runner = PipelexRunner(bundle_uri=path, pipe_run_mode=PipeRunMode.DRY, inputs_hint="as the channel says")
    with pytest.raises(InputError, match="needs the input\\(s\\) 'note': give them as the channel says$"):
        await runner.execute_pipeline(pipe_code="describe_packet", inputs={})


@pytest.mark.parametrize(
    ("pipe_code", "inputs", "name"),
    [
        ("describe_packet", {"note": "basil", "notes": "chives"}, "notes"),
        ("describe_packet", {"note": ["basil", "chives"]}, "note"),
        ("describe_packet", {"note": {"text": 3}}, "note"),
        ("describe_packet", {}, "note"),
        ("shelve_packets", {"packets": [{"variety": "basil"}]}, "packets"),
        ("shelve_packets", {"packets": {"variety": "basil", "season": "spring"}}, "packets"),
    ],
    ids=["unknown-name", "list-for-single", "wrong-type", "missing", "wrong-structure", "single-for-list"],
)
async def test_a_wrong_input_is_refused_before_anything_runs(
    seed_runner: Callable[..., PipelexRunner],
    no_provider: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    pipe_code: str,
    inputs: dict[str, Any],
    name: str,
) -> None:
    storage = tmp_path / "storage"
    monkeypatch.setenv("PIPELEX_STORAGE_DIR", str(storage))
    # A live run: had any leaf run, it would fail on the missing provider instead.
    with pytest.raises(InputError) as caught:
        await seed_runner(PipeRunMode.LIVE).execute_pipeline(pipe_code=pipe_code, inputs=inputs)
    assert caught.value.input_name == name
    assert f"'{name}" in str(caught.value)
    assert not storage.exists()


async def test_a_bundle_without_main_pipe_is_named_in_the_error(tmp_bundle: Callable[..., Path]) -> None:
    """Eighteenth hostile pass, low: "the bundle has no `main_pipe`" named no file; the bundle given is named, and a
    library's error says none of its bundles declares one."""
    text = 'domain = "pair"\n\n' + "".join(
        f'[pipe.{code}]\ntype = "PipeCompose"\ndescription = "Echo"\ninputs = {{ n = "Text" }}\noutput = "Text"\n'
        f'template = "$n"\n\n'
        for code in ("first", "second")
    )
    path = tmp_bundle(text, "pair.mthds")
    with pytest.raises(
        InputError, match=r"the bundle .*pair\.mthds has no `main_pipe`: name the pipe to run"
    ):
        await PipelexRunner(bundle_uri=path, pipe_run_mode=PipeRunMode.DRY).execute_pipeline(
            inputs={"n": "x"}
        )
    with pytest.raises(
        InputError, match=r"the library has no `main_pipe` \(none of its bundles declares one\)"
    ):
        await PipelexRunner(library_dirs=[path.parent], pipe_run_mode=PipeRunMode.DRY).execute_pipeline(
            inputs={"n": "x"}
        )
