"""The pre-flight of a live run: every pipe reachable from the one being run gets its models resolved, and a
model whose provider key is not set fails the run before anything runs, naming the variable to set; so does a
backend whose base URL cannot be resolved (:class:`~pipelex.config.deck.MissingBaseUrlError`).

A waterfall passes when one of its models is usable (a local engine needs no key), since the run falls back
to it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pipelex.config.deck import PIPE_MODEL_CATEGORY, MissingBaseUrlError, ModelCategory, ModelDeck
from pipelex.errors import ProviderError
from pipelex.language import blueprint as bp
from pipelex.language.library import Library, PipeEntry
from pipelex.language.model_ref import ModelRef

_SPECIAL_OUTCOMES = frozenset({"fail", "continue"})


class MissingKeyError(ProviderError):
    """A live run needs provider keys that are not set; ``variables`` names them (raised before anything runs)."""

    error_type = "provider_missing_key"

    def __init__(self, message: str, *, pipe_code: str | None, variables: list[str]) -> None:
        super().__init__(message, pipe_code=pipe_code)
        self.variables = variables


def sub_pipe_refs(pipe: bp.PipeBlueprint) -> list[str]:
    """The pipes a controller runs (none for an operator)."""
    match pipe:
        case bp.PipeSequenceBlueprint():
            return [step.pipe for step in pipe.steps if step.pipe]
        case bp.PipeParallelBlueprint():
            return [branch.pipe for branch in pipe.branches]
        case bp.PipeConditionBlueprint():
            refs = [*pipe.outcomes.values(), pipe.default_outcome]
            return [ref for ref in refs if ref not in _SPECIAL_OUTCOMES]
        case bp.PipeBatchBlueprint():
            return [pipe.branch_pipe_code]
        case _:
            return []


def reachable_pipes(entry: PipeEntry, library: Library) -> list[PipeEntry]:
    """``entry`` and every pipe it may run, each once."""
    seen: dict[str, PipeEntry] = {}
    stack = [entry]
    while stack:
        current = stack.pop()
        if current.ref in seen:
            continue
        seen[current.ref] = current
        for ref in sub_pipe_refs(current.blueprint):
            found = library.resolve_pipe(ref, current.domain)
            if found is not None:
                stack.append(found)
    return list(seen.values())


def model_category(entry: PipeEntry) -> ModelCategory | None:
    """The category of the models a pipe calls (None for a pipe that calls none)."""
    return PIPE_MODEL_CATEGORY.get(entry.blueprint.type) if entry.blueprint.type != "PipeDocGen" else None


def model_refs(entry: PipeEntry, deck: ModelDeck) -> list[tuple[str, ModelRef]]:
    """``(field, model reference)`` of each model a pipe calls (its default when it names none)."""
    pipe = entry.blueprint
    category = model_category(entry)
    if category is None:
        return []
    model = ModelRef.of(getattr(pipe, "model", None))
    refs = [
        (
            "model",
            model if model is not None and model.written else ModelRef.parse(deck.default_ref(category)),
        )
    ]
    if isinstance(pipe, bp.PipeLLMBlueprint) and pipe.structuring_method == "preliminary_text":
        structure_ref = ModelRef.of(pipe.model_to_structure)
        if structure_ref is not None and structure_ref.written:
            refs.append(("model_to_structure", structure_ref))
    return refs


def preflight(
    entry: PipeEntry, library: Library, deck: ModelDeck, *, env: Mapping[str, str] | None = None
) -> None:
    """Raise :class:`MissingKeyError` when a pipe reachable from ``entry`` needs a provider key that is not set."""
    env = os.environ if env is None else env
    problems: list[str] = []
    variables: list[str] = []
    first_pipe: str | None = None
    for pipe in reachable_pipes(entry, library):
        for field, ref in model_refs(pipe, deck):
            category = ModelCategory.LLM if field == "model_to_structure" else model_category(pipe)
            resolved = deck.resolve(ref, category)
            if resolved is None:
                continue  # static validation reports unknown models
            missing: list[str] = []
            no_url: list[MissingBaseUrlError] = []
            for handle in resolved:
                backend = deck.backend_of(handle)
                try:
                    backend.resolved_base_url(env)
                except MissingBaseUrlError as exc:
                    no_url.append(exc)
                    continue
                if not backend.needs_key or backend.api_key(env):
                    missing, no_url = [], []
                    break
                if backend.api_key_env and backend.api_key_env not in missing:
                    missing.append(backend.api_key_env)
            if no_url and not missing:
                raise MissingBaseUrlError(
                    f"pipe {pipe.code!r} ({field} {ref.written!r}): {no_url[0]}",
                    backend=no_url[0].backend,
                    variable=no_url[0].variable,
                )
            if missing:
                names = " or ".join(missing)
                problems.append(
                    f"pipe {pipe.code!r} ({field} {ref.written!r} -> {', '.join(h.handle for h in resolved)}) "
                    f"needs {names}"
                )
                variables += [m for m in missing if m not in variables]
                first_pipe = first_pipe or pipe.code
    if problems:
        raise MissingKeyError(
            "this live run needs provider keys that are not set: "
            + "; ".join(problems)
            + f". Set {', '.join(variables)} in the environment (or point the model at another backend in "
            "pipelex.toml [models]), or run with --dry-run to mock every provider call",
            pipe_code=first_pipe,
            variables=variables,
        )
