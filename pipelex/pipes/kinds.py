"""One home per pipe kind: what the library knows about each pipe type, and the registry that finds it.

Each operator module (``pipes/operators/*.py``) and controller module (``pipes/controllers/*.py``) declares
its kind once, as ``KIND = PipeKind(...)``: how it runs, its static checks, the pipes it calls, the models it
calls and their category, whether it runs inline in a Temporal workflow, its task kind, whether it runs the
bundle author's Python code. Everything else (the runtime's dispatch, the static checker, the Temporal
router and activities, the pre-flight of a live run, the runner API) asks the registry instead of keeping a
table of type names.

The registry maps each type name of the language (a key of
:data:`pipelex.language.blueprint.PIPE_KIND_MODULES`, the ``type`` literal of its blueprint class) to the module
that holds its kind. A module is imported
the first time its kind is asked for, so the language layer never imports pipes and a command imports only
the kinds it meets.

Adding a pipe kind: its blueprint class in its module under ``pipelex/language/blueprints`` (registered, and
added to the union pyright reads, in ``pipelex/language/blueprint.py``), one
module under ``pipes/operators`` or ``pipes/controllers`` that declares ``KIND``, and one line in
:data:`_MODULES`. ``tests/pipes/test_kinds.py`` checks
that every type of the union is registered with all its facts (``docs/pipe-kinds.md``).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

from pipelex.language import blueprint as bp
from pipelex.record import FrozenRecord

if TYPE_CHECKING:
    from pipelex.concepts.library import Concept
    from pipelex.concepts.paths import Var
    from pipelex.config.deck import ModelCategory
    from pipelex.inference.live.preflight import ModelCall
    from pipelex.language.library import Library, PipeEntry
    from pipelex.language.specs import ConceptSpec
    from pipelex.memory.stuff import PipeResult, WorkingMemory
    from pipelex.pipes.checks import PipeChecks
    from pipelex.pipes.context import RunContext
    from pipelex.pipes.resolved import ResolvedInputs

P = TypeVar("P", bound=bp.PipeBlueprintBase)
P_contra = TypeVar("P_contra", bound=bp.PipeBlueprintBase, contravariant=True)

# type name -> the module that declares its KIND (one line per pipe kind)
_MODULES: dict[str, str] = {
    "PipeLLM": "pipelex.pipes.operators.llm",
    "PipeImgGen": "pipelex.pipes.operators.img_gen",
    "PipeExtract": "pipelex.pipes.operators.extract",
    "PipeFunc": "pipelex.pipes.operators.func",
    "PipeCompose": "pipelex.pipes.operators.compose",
    "PipeSearch": "pipelex.pipes.operators.search",
    "PipeStructure": "pipelex.pipes.operators.structure",
    "PipeJudge": "pipelex.pipes.operators.judge",
    "PipeDocGen": "pipelex.pipes.operators.doc_gen",
    "PipeSignature": "pipelex.pipes.operators.signature",
    "PipeSequence": "pipelex.pipes.controllers.sequence",
    "PipeParallel": "pipelex.pipes.controllers.parallel",
    "PipeCondition": "pipelex.pipes.controllers.condition",
    "PipeBatch": "pipelex.pipes.controllers.batch",
}


class PipeRunner(Protocol[P_contra]):
    """Runs one pipe of the kind in this process (its inputs resolved, its node traced by the runtime)."""

    async def __call__(
        self,
        entry: PipeEntry,
        pipe: P_contra,
        inputs: ResolvedInputs,
        memory: WorkingMemory,
        ctx: RunContext,
        output_name: str,
        /,
    ) -> PipeResult:
        """The pipe's output: a stuff, or an absence."""
        ...


class OperatorRun(Protocol[P_contra]):
    """An operator's run: its resolved inputs in, its output out (an operator never sees the working memory)."""

    async def __call__(
        self, entry: PipeEntry, pipe: P_contra, inputs: ResolvedInputs, ctx: RunContext, /
    ) -> Any:
        """The operator's output stuff."""
        ...


class PipeCheck(Protocol[P_contra]):
    """The static checks of one pipe of the kind, after the checks every pipe gets (inputs, output, models)."""

    def __call__(
        self,
        checks: PipeChecks,
        entry: PipeEntry,
        pipe: P_contra,
        inputs: dict[str, Var],
        output: tuple[ConceptSpec, Concept] | None,
        /,
    ) -> None:
        """Report every problem through ``checks``."""
        ...


class SubPipes(Protocol[P_contra]):
    """The pipe references a pipe runs, as written (resolvable or not): none for an operator."""

    def __call__(self, pipe: P_contra, /) -> list[str]:
        """The references, in the order the pipe declares them."""
        ...


class ModelCalls(Protocol[P_contra]):
    """The models a pipe calls through a provider."""

    def __call__(self, entry: PipeEntry, pipe: P_contra, /) -> list[ModelCall]:
        """One :class:`ModelCall` per model field the pipe will call."""
        ...


class CallerAdditions(Protocol):
    """What running a pipe adds to its caller's working memory besides its output (static view)."""

    def __call__(self, checks: PipeChecks, entry: PipeEntry, /) -> dict[str, Var]:
        """Names to what they hold."""
        ...


def operator_runner(run: OperatorRun[P]) -> PipeRunner[P]:
    """The :class:`PipeRunner` of an operator's ``run(entry, pipe, inputs, ctx)``."""

    @functools.wraps(run)
    async def runner(
        entry: PipeEntry,
        pipe: P,
        inputs: ResolvedInputs,
        memory: WorkingMemory,
        ctx: RunContext,
        output_name: str,
        /,
    ) -> PipeResult:
        return await run(entry, pipe, inputs, ctx)

    return runner


def no_check(
    checks: PipeChecks,
    entry: PipeEntry,
    pipe: bp.PipeBlueprintBase,
    inputs: dict[str, Var],
    output: tuple[ConceptSpec, Concept] | None,
    /,
) -> None:
    """A kind with no checks of its own (every pipe still gets the common ones: inputs, output, models)."""


def no_sub_pipes(pipe: bp.PipeBlueprintBase, /) -> list[str]:
    """An operator runs no other pipe."""
    return []


def no_model_calls(entry: PipeEntry, pipe: bp.PipeBlueprintBase, /) -> list[ModelCall]:
    """A pipe that calls no provider model."""
    return []


def no_additions(checks: PipeChecks, entry: PipeEntry, /) -> dict[str, Var]:
    """A pipe that leaves only its output in its caller's memory."""
    return {}


class PipeKind(FrozenRecord, Generic[P]):
    """Everything the library knows about one pipe type.

    Attributes:
        blueprint: the language's blueprint class; its ``type`` literal is the kind's name.
        run: runs a pipe of the kind in this process.
        check: its own static checks.
        sub_pipes: the pipes a controller runs (outcome keywords such as ``fail`` left out).
        model_category: the category its ``model`` field is looked up in (None: it has no model field).
        model_calls: the models it calls through a provider (the pre-flight of a live run checks their keys).
        runs_inline: on Temporal, runs in the workflow itself (deterministic, no IO) instead of an activity.
        task_kind: on Temporal, the ``queue_by_kind`` key of its activity (None: inline or a controller).
        runs_user_code: it imports and calls the bundle author's Python code (may block, may do any IO).
        caller_additions: what it adds to its caller's memory besides its output (a PipeParallel's
            ``add_each_output``), for the static checks of the caller.
    """

    blueprint: type[P]
    run: PipeRunner[P]
    check: PipeCheck[P]
    sub_pipes: SubPipes[P]
    model_category: ModelCategory | None
    model_calls: ModelCalls[P]
    runs_inline: bool
    task_kind: str | None
    runs_user_code: bool
    caller_additions: CallerAdditions

    FIELDS = (
        "blueprint",
        "run",
        "check",
        "sub_pipes",
        "model_category",
        "model_calls",
        "runs_inline",
        "task_kind",
        "runs_user_code",
        "caller_additions",
    )

    def __init__(
        self,
        *,
        blueprint: type[P],
        run: PipeRunner[P],
        check: PipeCheck[P] = no_check,
        sub_pipes: SubPipes[P] = no_sub_pipes,
        model_category: ModelCategory | None = None,
        model_calls: ModelCalls[P] = no_model_calls,
        runs_inline: bool = False,
        task_kind: str | None = None,
        runs_user_code: bool = False,
        caller_additions: CallerAdditions = no_additions,
    ) -> None:
        self.blueprint = blueprint
        self.run = run
        self.check = check
        self.sub_pipes = sub_pipes
        self.model_category = model_category
        self.model_calls = model_calls
        self.runs_inline = runs_inline
        self.task_kind = task_kind
        self.runs_user_code = runs_user_code
        self.caller_additions = caller_additions

    @property
    def type_name(self) -> str:
        """The ``type`` a bundle writes (``PipeSignature`` for a signature, which bundles write without one)."""
        return bp.type_name_of(self.blueprint)

    @property
    def is_controller(self) -> bool:
        """True for the kinds that run other pipes (sequence, parallel, condition, batch)."""
        return issubclass(self.blueprint, bp.ControllerBlueprintBase)


_KINDS: dict[str, PipeKind[Any]] = {}


def kind_of(pipe: str | bp.PipeBlueprint) -> PipeKind[Any]:
    """The kind of a pipe type name or blueprint (its module imported on first use).

    Raises:
        KeyError: for a type name the language does not define.
    """
    name = pipe if isinstance(pipe, str) else pipe.type
    found = _KINDS.get(name)
    if found is None:
        module = importlib.import_module(_MODULES[name])
        candidate: object = module.KIND
        # a module's KIND, checked here: its runner's type is not known statically
        found = cast("PipeKind[Any]", candidate) if isinstance(candidate, PipeKind) else None
        if found is None or found.type_name != name:
            raise TypeError(f"{_MODULES[name]}.KIND is not the PipeKind of {name!r}")
        _KINDS[name] = found
    return found


def registered_names() -> Sequence[str]:
    """Every type name the registry knows."""
    return tuple(_MODULES)


def all_kinds() -> dict[str, PipeKind[Any]]:
    """Every registered kind, by type name (imports every kind module)."""
    return {name: kind_of(name) for name in _MODULES}


def sub_pipe_refs(entry: PipeEntry) -> list[str]:
    """The pipe references ``entry`` runs, as written (resolvable or not)."""
    return kind_of(entry.blueprint).sub_pipes(entry.blueprint)


def reachable_pipes(entry: PipeEntry, library: Library) -> list[PipeEntry]:
    """``entry`` and every pipe it may run, each once."""
    seen: dict[str, PipeEntry] = {}
    stack = [entry]
    while stack:
        current = stack.pop()
        if current.ref in seen:
            continue
        seen[current.ref] = current
        for ref in sub_pipe_refs(current):
            found = library.resolve_pipe(ref, current.domain)
            if found is not None:
                stack.append(found)
    return list(seen.values())


def model_calls(entry: PipeEntry, library: Library) -> list[ModelCall]:
    """The provider models ``entry`` and every pipe it may run call (what a live run's pre-flight checks)."""
    return [
        call
        for pipe in reachable_pipes(entry, library)
        for call in kind_of(pipe.blueprint).model_calls(pipe, pipe.blueprint)
    ]
