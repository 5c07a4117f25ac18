"""Running one pipe: resolve its inputs from working memory (absences lift), trace it, dispatch to its kind
(:mod:`pipelex.pipes.kinds`), check its output against the declared spec."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pipelex.concepts.library import Concept
from pipelex.concepts.natives import ListContent, StoredListContent, StuffContent, is_list_content
from pipelex.concepts.paths import Var, walk_path
from pipelex.concepts.values import ContentError, to_content, walk_values
from pipelex.errors import LimitExceededError, PipeRunError
from pipelex.language.library import PipeEntry
from pipelex.language.specs import ConceptSpec, Multiplicity, Presence
from pipelex.limits import check_list_size, count_pipe_run, count_run_items
from pipelex.memory.stuff import Absence, PipeResult, Stuff, WorkingMemory
from pipelex.pipes.context import OutputOverride, RunContext
from pipelex.pipes.inline import entered_now
from pipelex.pipes.resolved import ResolvedInputs
from pipelex.record import replace

if TYPE_CHECKING:
    from pipelex.tracing.graph import IOItem


def output_spec(entry: PipeEntry, ctx: RunContext) -> tuple[ConceptSpec, Concept]:
    """The output spec and concept of a pipe (validated statically before any run): the declared one, or the list
    a sequence step asks for with ``nb_output`` / ``multiple_output`` (``ctx.output_override``).

    Resolved once per run for each pipe and override (``ctx.resolved``): a batch's items share their branch's."""
    override = ctx.output_override
    key = ("output", id(entry), override)
    cached: tuple[PipeEntry, ConceptSpec, Concept] | None = ctx.resolved.get(key)
    if cached is not None and cached[0] is entry:  # the entry is held by the cache: its id is not reused
        return cached[1], cached[2]
    spec, concept = _resolve_output(entry, ctx, override)
    ctx.resolved[key] = (entry, spec, concept)
    return spec, concept


def _resolve_output(
    entry: PipeEntry, ctx: RunContext, override: OutputOverride | None
) -> tuple[ConceptSpec, Concept]:
    spec = ConceptSpec.parse(entry.blueprint.output)
    if override is not None:
        spec = spec.model_copy(
            update={
                "multiplicity": Multiplicity.VARIABLE if override.item_count is None else Multiplicity.FIXED,
                "item_count": override.item_count,
            }
        )
    concept = ctx.library.resolve_concept(spec.concept_ref, entry.domain)
    if concept is None:  # pragma: no cover - static validation rejects this first
        raise PipeRunError(
            f"pipe {entry.code!r}: unknown output concept {spec.concept_ref!r}", pipe_code=entry.code
        )
    if spec.item_count is not None:  # validation refuses it first; a run of an unvalidated library stops here
        maximum = ctx.settings.limits.max_list_items
        if spec.item_count > maximum:
            raise LimitExceededError(
                f"pipe {entry.code!r}: its output {_output_text(entry, ctx)} asks for "
                f"{spec.item_count} items, more than the {maximum} allowed ([limits] "
                "max_list_items in pipelex.toml)",
                limit="max_list_items",
                pipe_code=entry.code,
            )
    return spec, concept


def _output_text(entry: PipeEntry, ctx: RunContext) -> str:
    """The pipe's output as this run asks for it, for messages."""
    if ctx.output_override is None:
        return repr(entry.blueprint.output)
    spec = ConceptSpec.parse(entry.blueprint.output)
    count = ctx.output_override.item_count
    return (
        f"{spec.concept_ref}[{'' if count is None else count}] (declared {entry.blueprint.output!r}, its sequence "
        f"step asks for {ctx.output_override.describe()})"
    )


def lookup(memory: WorkingMemory, name: str, ctx: RunContext) -> Stuff | Absence | None:
    """The value of ``name`` (dotted names walk into a stuff's fields)."""
    if "." not in name:  # most inputs: a whole stuff (no list made by splitting the name)
        stuff = memory.get(name)
        return stuff if stuff is not None else memory.absence(name)
    root, *segments = name.split(".")
    stuff = memory.get(root)
    if stuff is None:
        return memory.absence(root)
    if not segments:
        return stuff
    concept = ctx.library.concepts.concepts.get(stuff.concept)
    if concept is None:
        return None
    try:
        found = extract_path(stuff, concept, root, segments, ctx, name=name, content_fields=True)
    except PathUnresolvedError as exc:
        raise PipeRunError(f"input {name!r}: {exc}") from exc
    if found is None:
        return Absence(variable_name=name, kind="declared_absent", reason=f"{name!r} holds nothing")
    return found


class PathUnresolvedError(ValueError):
    """A path walks into a field the concept does not have, or past a value held whole."""


def extract_path(
    stuff: Stuff,
    concept: Concept,
    root: str,
    segments: list[str],
    ctx: RunContext,
    *,
    name: str,
    content_fields: bool,
) -> Stuff | None:
    """The value at ``root.segments`` of ``stuff`` as a new stuff ``name`` (a deep copy), typed by the concepts'
    declared structures; crossing a list gives a flat list. None when a single value holds nothing."""
    walked = walk_path(
        ctx.library.concepts, Var(concept, stuff.is_list), root, segments, content_fields=content_fields
    )
    if walked.var is None:
        raise PathUnresolvedError(walked.message)
    values, is_list = walk_values(stuff.content, stuff.is_list, segments)
    is_list = is_list or walked.var.is_list  # a list field left unset is the empty list, never an absence
    if not is_list and not values:
        return None
    target = walked.var.concept
    contents = [to_content(_deep_copy(v), target, ctx.library.concepts) for v in values]
    content: StuffContent = ListContent(items=contents) if is_list else contents[0]
    return Stuff.of(name, target.ref, content)  # a content made valid, a concept ref: nothing to validate


def _deep_copy(value: object) -> object:
    return value.model_copy(deep=True) if isinstance(value, StuffContent) else value


def _input_specs(entry: PipeEntry, ctx: RunContext) -> tuple[tuple[str, str, ConceptSpec], ...]:
    """The declared inputs of ``entry``: name, spec text, parsed spec (parsed once per run, ``ctx.resolved``)."""
    key = ("inputs", id(entry))
    cached: tuple[PipeEntry, tuple[tuple[str, str, ConceptSpec], ...]] | None = ctx.resolved.get(key)
    if cached is not None and cached[0] is entry:
        return cached[1]
    specs = tuple(
        (name, text, ConceptSpec.parse(text)) for name, text in entry.blueprint.input_specs().items()
    )
    ctx.resolved[key] = (entry, specs)
    return specs


def _text_and_images_inputs(entry: PipeEntry, ctx: RunContext) -> dict[str, Concept]:
    """The inputs of ``entry`` declared as ``TextAndImages`` (or a concept refining it with no structure of its
    own), each with its concept: a page given there is handed on as its ``text_and_images`` (resolved once per run,
    ``ctx.resolved``; empty for most pipes)."""
    key = ("text_and_images_inputs", id(entry))
    cached: tuple[PipeEntry, dict[str, Concept]] | None = ctx.resolved.get(key)
    if cached is not None and cached[0] is entry:
        return cached[1]
    concepts = ctx.library.concepts
    tai = concepts.concepts.get("native.TextAndImages")
    found: dict[str, Concept] = {}
    for name, _text, spec in _input_specs(entry, ctx):
        concept = ctx.library.resolve_concept(spec.concept_ref, entry.domain)
        if concept is not None and not concept.has_structure and concepts.native_base(concept) is tai:
            found[name] = concept
    ctx.resolved[key] = (entry, found)
    return found


def _pages_as_text_and_images(stuff: Stuff, declared: Concept, ctx: RunContext) -> Stuff:
    """``stuff`` as the ``TextAndImages`` input ``declared`` takes it: a page (or list of pages) becomes its
    ``text_and_images`` (validation accepts a page there, as the reference does); anything else is left as it is.
    A list kept by reference (a distributed backend's store) is left too: its items are read back later."""
    concepts = ctx.library.concepts
    provided = concepts.concepts.get(stuff.concept)
    if provided is None or not concepts.page_as_text_and_images(provided, declared):
        return stuff
    content = stuff.content
    if isinstance(content, StoredListContent):
        return stuff
    if isinstance(content, ListContent):
        items = [getattr(item, "text_and_images", item) for item in content.items]
        return Stuff.of(stuff.stuff_name, declared.ref, ListContent(items=items))
    held = getattr(content, "text_and_images", None)
    if not isinstance(held, StuffContent):
        return stuff
    return Stuff.of(stuff.stuff_name, declared.ref, held)


def resolve_inputs(
    entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, output_name: str
) -> ResolvedInputs | Absence:
    """Gather the declared inputs; an absent required input skips the pipe (the absence lifts). A page given to an
    input declared ``TextAndImages`` is handed on as its ``text_and_images``."""
    stuffs: dict[str, Stuff] = {}
    absent: dict[str, Absence] = {}
    text_and_images = _text_and_images_inputs(entry, ctx)
    for name, text, spec in _input_specs(entry, ctx):
        found = lookup(memory, name, ctx)
        if found is None:
            if spec.is_optional:
                absent[name] = Absence(variable_name=name, kind="declared_absent", reason="not provided")
                continue
            raise PipeRunError(
                f"pipe {entry.code!r} needs input {name!r} ({text}), which is not in working memory: "
                "provide it as an input or produce it in an earlier step",
                pipe_code=entry.code,
                error_type="missing_input",
            )
        if isinstance(found, Absence):
            if spec.presence is Presence.OPTIONAL:
                absent[name] = found
                continue
            if spec.presence is Presence.FORCED:
                raise PipeRunError(
                    f"pipe {entry.code!r} forces input {name!r} ({text}) but it is absent: {found.reason}",
                    pipe_code=entry.code,
                    error_type="forced_input_absent",
                )
            return Absence(
                variable_name=output_name,
                kind="skipped",
                reason=f"skipped because input {name!r} is absent",
                producing_pipe=entry.code,
                upstream=found,
            )
        if text_and_images and name in text_and_images:
            found = _pages_as_text_and_images(found, text_and_images[name], ctx)
        stuffs[name] = found
    return ResolvedInputs(stuffs, absent)


def make_output(
    entry: PipeEntry,
    ctx: RunContext,
    content: StuffContent | list[StuffContent],
    *,
    concept: Concept | None = None,
) -> Stuff:
    """Build the output stuff of ``entry`` and check it fits the declared spec."""
    spec, declared = output_spec(entry, ctx)
    concept = concept or declared
    if isinstance(content, list):
        content = ListContent(items=content)
    return check_output(entry, ctx, Stuff.of(entry.code, concept.ref, content), spec, declared)


def check_output(
    entry: PipeEntry, ctx: RunContext, stuff: Stuff, spec: ConceptSpec, declared: Concept
) -> Stuff:
    """Refuse an output that does not fit the declared spec (``pipe_output_invalid``)."""
    concepts = ctx.library.concepts
    spec_is_list = spec.is_list
    if declared.ref == "native.Anything" and not spec_is_list:
        return stuff  # "Anything" takes any concept, one value or a list
    content = stuff.content
    listed = is_list_content(content)  # what ``stuff.is_list`` answers
    if spec_is_list != listed:
        raise PipeRunError(
            f"pipe {entry.code!r} produced {'a list' if listed else 'a single item'} but its "
            f"output is {_output_text(entry, ctx)}",
            pipe_code=entry.code,
            error_type="pipe_output_invalid",
        )
    if not listed:
        if spec.item_count is not None:  # a single item where a count is asked: its size is 1
            if spec.item_count != 1:
                raise PipeRunError(
                    f"pipe {entry.code!r} produced 1 items but its output is {_output_text(entry, ctx)}",
                    pipe_code=entry.code,
                    error_type="pipe_output_invalid",
                )
        return _check_single(entry, ctx, stuff, content, declared)
    items = content.items if isinstance(content, ListContent) else [content]
    stored = listed and isinstance(content, StoredListContent)
    size = content.count if stored and isinstance(content, StoredListContent) else len(items)
    if size > 1:
        check_list_size(size, ctx.settings.limits, what="its output", pipe_code=entry.code)
    if listed:
        count_run_items(size, ctx.settings.limits, ctx.run_counts, pipe_code=entry.code)
    if spec.item_count is not None and size != spec.item_count:
        raise PipeRunError(
            f"pipe {entry.code!r} produced {size} items but its output is {_output_text(entry, ctx)}",
            pipe_code=entry.code,
            error_type="pipe_output_invalid",
        )
    produced = concepts.concepts.get(stuff.concept, declared)
    if declared.ref in ("native.Anything", "native.Dynamic", "native.Composite"):
        return stuff
    if produced is not declared and not concepts.is_compatible(produced, declared):
        raise _not_a(entry, produced, declared)
    if stored:  # a list kept by reference: each item was checked by the pipe that produced it
        return stuff
    model = concepts.content_model(produced)
    checked: list[StuffContent] = []
    changed = False  # an item made anew by to_content (a loop flag: no generator per pipe run to find out)
    for item in items:
        if isinstance(item, model):  # what to_content keeps as it is (most outputs: built as the model)
            checked.append(item)
            continue
        try:
            made = to_content(item, produced, concepts)
        except ContentError as exc:
            raise _misfit(entry, produced, exc) from exc
        checked.append(made)
        changed = changed or made is not item
    if not changed:
        return stuff  # every item already fits: no copy
    if isinstance(stuff.content, ListContent):
        return stuff.model_copy(update={"content": ListContent(items=checked)})
    return stuff.model_copy(update={"content": checked[0]})


def _not_a(entry: PipeEntry, produced: Concept, declared: Concept) -> PipeRunError:
    """An output of a concept that is not the declared one (nor refines it)."""
    return PipeRunError(
        f"pipe {entry.code!r} produced a {produced.ref}, which is not a {declared.ref}",
        pipe_code=entry.code,
        error_type="pipe_output_invalid",
    )


def _misfit(entry: PipeEntry, produced: Concept, exc: ContentError) -> PipeRunError:
    """An output whose value does not fit its concept's content model."""
    return PipeRunError(
        f"pipe {entry.code!r} produced an output that does not fit the concept {produced.ref}: {exc.problem}",
        pipe_code=entry.code,
        error_type="pipe_output_invalid",
    )


def _check_single(entry: PipeEntry, ctx: RunContext, stuff: Stuff, content: Any, declared: Concept) -> Stuff:
    """:func:`check_output`'s checks of a single output (not a list), after its multiplicity and count: the same
    checks in the same order, without a list of one item (once per pipe run: a batch's items)."""
    concepts = ctx.library.concepts
    produced = concepts.concepts.get(stuff.concept, declared)
    if declared.ref in ("native.Anything", "native.Dynamic", "native.Composite"):
        return stuff
    if produced is not declared and not concepts.is_compatible(produced, declared):
        raise _not_a(entry, produced, declared)
    if isinstance(content, concepts.content_model(produced)):  # what to_content keeps as it is
        return stuff
    try:
        made = to_content(content, produced, concepts)
    except ContentError as exc:
        raise _misfit(entry, produced, exc) from exc
    if made is content:
        return stuff
    return stuff.model_copy(update={"content": made})


STORED_LIST_MARK = "$pipelex_stored_list"


@cache
def _graph():  # noqa: ANN202 (the module: its names keep their types)
    """The graph's models, imported by the first run that records its IO (a validation sweep records none).

    Cached: an import statement in :func:`io_item` would cost microseconds per item."""
    from pipelex.tracing import graph

    return graph


# contents an IO memo holds at most (see io_item): a step's output is read by the next steps, soon after
IO_MEMO_SIZE = 64


def io_item(
    name: str,
    result: Stuff | Absence,
    *,
    share_over: int | None = None,
    memo: dict[int, tuple[object, Any, str | None]] | None = None,
) -> IOItem:
    """A graph IO record of a stuff (or an absence).

    ``share_over``: a list of more items than this is recorded as its content model, shared with the working
    memory (pydantic writes it as JSON with the graph), and digested item by item: the graph of a million-item
    batch holds no copy of the million items, in or out.

    ``memo``: the JSON data and digest of the contents recorded last (the run's tracer keeps it, ``io_memo``), by
    the content's identity (the content held, so its id is not reused): the output of a step is the input of the
    next ones, the same content model (contents are never changed), and is not dumped and digested again. It
    holds the last :data:`IO_MEMO_SIZE` contents at most.
    """
    graph = _graph()
    IOItem, digest, list_digest = graph.IOItem, graph.digest, graph.list_digest  # noqa: N806
    if type(result) is not Stuff and isinstance(result, Absence):
        return IOItem.of_json(name=name, concept="absent", digest=None, data=result.to_json())
    content = result.content
    listed = is_list_content(content)
    if listed and isinstance(
        content, StoredListContent
    ):  # the client computes digest and data from the stored list
        return IOItem.of_json(
            name=name,
            concept=result.concept,
            digest=None,
            multiplicity="list",
            data={STORED_LIST_MARK: content.ref, "count": content.count},
        )
    if (
        share_over is not None
        and listed
        and isinstance(content, ListContent)
        and len(content.items) > share_over
    ):
        return IOItem.of_json(
            name=name,
            concept=result.concept,
            digest=list_digest(content.items),
            multiplicity="list",
            data=content,
        )
    if memo is not None:
        known = memo.get(id(content))
        if known is not None and known[0] is content:
            data, content_digest = known[1], known[2]
        else:
            # ``result.content_json()``: the content's ``model_dump(mode="json")``, plain JSON data already
            data = content.__pydantic_serializer__.to_python(content, mode="json")
            content_digest = digest(data, plain=True)
            if len(memo) >= IO_MEMO_SIZE:
                memo.clear()
            memo[id(content)] = (content, data, content_digest)
    else:
        data = result.content_json()
        content_digest = digest(data, plain=True)
    return IOItem.of_json(
        name=name,
        concept=result.concept,
        digest=content_digest,
        multiplicity="list" if listed else "single",
        data=data,
    )


def _stack_overflow(entry: PipeEntry, ctx: RunContext) -> PipeRunError:
    """The error of a pipe run ``pipe_stack_limit`` levels down: a pipe that calls itself (named with its
    cycle) or a chain of controllers nested that deep (named as such, with the setting to raise)."""
    limit = ctx.settings.pipe_stack_limit
    stack = (*ctx.stack, entry.ref)
    first = stack.index(entry.ref)
    if first < len(stack) - 1:
        cycle = stack[first:]
        shown = " -> ".join(cycle if len(cycle) <= 6 else (*cycle[:3], "...", *cycle[-2:]))
        cause = f"a pipe calls itself ({shown})"
        fix = "a method must be a tree of calls: break the loop"
    else:
        cause = (
            f"a chain of nested pipes ({stack[0]} -> ... -> {' -> '.join(stack[-3:])}) is deeper than that"
        )
        fix = "flatten the chain (sequence steps side by side instead of nested) or raise [runtime] pipe_stack_limit"
    return PipeRunError(
        f"pipe {entry.code!r}: the pipe stack passed {limit} levels ([runtime] pipe_stack_limit): {cause}: {fix}",
        pipe_code=entry.code,
        error_type="stack_overflow",
    )


async def run_pipe(
    entry: PipeEntry, memory: WorkingMemory, ctx: RunContext, *, output_name: str
) -> PipeResult:
    """Run one pipe in this process: inputs, dispatch, output check, tracing."""
    if ctx.depth >= ctx.settings.pipe_stack_limit:
        raise _stack_overflow(entry, ctx)
    count_pipe_run(ctx.settings.limits, ctx.run_counts, pipe_code=entry.code)
    resolved = resolve_inputs(entry, memory, ctx, output_name)
    controller = entry.is_controller
    if controller and type(resolved) is ResolvedInputs and resolved.absent:
        # an optional input the caller did not give is absent for the sub-pipes too: one that requires it is
        # skipped (the absence lifts), not failed for a missing input
        for name, absence in resolved.absent.items():
            if "." not in name and memory.get(name) is None and memory.absence(name) is None:
                memory.store(name, absence, main=False)
    tracer = ctx.tracer
    records_io = (
        tracer.records_io
    )  # digests and data are most of a dry run's cost: only for a graph read later
    share_over = tracer.lists_shared_over
    memo = tracer.io_memo
    inputs_io: list[IOItem] = []
    if records_io and type(resolved) is ResolvedInputs:
        for n, s in resolved.stuffs.items():
            inputs_io.append(io_item(n, s, share_over=share_over, memo=memo))
        if resolved.absent:
            inputs_io += [io_item(n, a) for n, a in resolved.absent.items()]
    node = tracer.start_node(
        pipe_code=entry.code,
        pipe_type=entry.blueprint.type,
        kind="controller" if controller else "operator",
        description=entry.blueprint.description,
        domain=entry.domain,
        parent_id=ctx.parent_node,
        inputs=inputs_io,
    )
    if type(resolved) is not ResolvedInputs and isinstance(resolved, Absence):
        spec, _ = output_spec(entry, ctx)
        skipped: PipeResult = resolved
        if spec.is_list and spec.item_count is None and not spec.is_optional:
            # a skipped pipe that would make a list leaves an empty list, not an absence (static validation
            # types it so: absence does not flow on through lists)
            skipped = make_output(entry, ctx, [])
        ctx.tracer.end_node(
            node, status="skipped", outputs=[io_item(output_name, skipped)] if records_io else []
        )
        return skipped
    override = ctx.output_override
    sub = ctx.child(node, entry.ref)  # the sub-pipes of a controller run for their own declared outputs
    if override is not None and not controller:
        sub = replace(sub, output_override=override)  # an operator makes the list its sequence step asks for
    try:
        if controller:
            result = await _dispatch(entry, resolved, memory, sub, output_name)
        else:  # the run-wide bound on leaves in flight ([runtime] max_concurrency)
            assert ctx.semaphore is not None  # set by RunContext.__post_init__
            if entered_now(ctx.semaphore):  # an inline run's bound, which never waits
                result = await _dispatch(entry, resolved, memory, sub, output_name)
            else:
                async with ctx.semaphore:
                    result = await _dispatch(entry, resolved, memory, sub, output_name)
        if override is not None and controller and isinstance(result, Stuff):
            result = _fit_override(entry, ctx, result)
    except PipeRunError as exc:
        if exc.pipe_code is None:
            exc.pipe_code = entry.code
        ctx.tracer.end_node(node, status="failed", error=str(exc))
        raise
    except MemoryError:
        ctx.tracer.end_node(node, status="failed", error="out of memory")
        raise LimitExceededError(
            f"pipe {entry.code!r} ran out of memory (on the runner API, each run's ceiling is "
            "[limits] run_memory_bytes): make it hold less (fewer or smaller items, smaller "
            "inputs)",
            limit="run_memory_bytes",
            pipe_code=entry.code,
        ) from None
    except Exception as exc:
        ctx.tracer.end_node(node, status="failed", error=f"{type(exc).__name__}: {exc}")
        raise PipeRunError(
            f"pipe {entry.code!r} failed: {type(exc).__name__}: {exc}", pipe_code=entry.code
        ) from exc
    tracer.end_node(
        node,
        status="succeeded" if isinstance(result, Stuff) else "skipped",
        outputs=[io_item(output_name, result, share_over=share_over, memo=memo)] if records_io else [],
    )
    return result


def _fit_override(entry: PipeEntry, ctx: RunContext, result: Stuff) -> Stuff:
    """A controller run by a step with ``nb_output`` / ``multiple_output``: its single output becomes a one-item
    list, then the list is checked against the step's request (a count it cannot meet is an error, not a guess)."""
    if not result.is_list:
        result = result.model_copy(update={"content": ListContent(items=[result.content])})
    spec, declared = output_spec(entry, ctx)
    return check_output(entry, ctx, result, spec, declared)


@cache
def _kinds():  # noqa: ANN202 (the module: its names keep their types)
    """The pipe-kind registry (it imports this module: imported by the first run). Cached: an import statement
    in :func:`_dispatch` costs an import-system call (and an AttributeError made and dropped) per pipe run."""
    from pipelex.pipes import kinds

    return kinds


async def _dispatch(
    entry: PipeEntry, inputs: ResolvedInputs, memory: WorkingMemory, ctx: RunContext, output_name: str
) -> PipeResult:
    return (
        await _kinds().kind_of(entry.blueprint).run(entry, entry.blueprint, inputs, memory, ctx, output_name)
    )
