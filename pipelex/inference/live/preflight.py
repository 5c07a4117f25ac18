"""The pre-flight of a live run: the models of every pipe reachable from the one being run get resolved (the
caller lists them with :func:`pipelex.pipes.kinds.model_calls`), and a model whose provider key is not set
fails the run before anything runs, naming the variable to set; so does a backend whose base URL cannot be
resolved (:class:`~pipelex.errors.MissingBaseUrlError`).

A waterfall passes when one of its models is usable (a local engine needs no key), since the run falls back
to it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from pipelex.config.deck import ModelCategory, ModelDeck
from pipelex.errors import DRY_RUN_FIX, MissingBaseUrlError, MissingKeyError
from pipelex.language.model_ref import ModelRef
from pipelex.record import FrozenRecord


class ModelCall(FrozenRecord):
    """A model a pipe calls through a provider: the field naming it, the reference written there (None: the
    category's default), and the category the reference is looked up in."""

    pipe_code: str
    field: str
    ref: ModelRef | None
    category: ModelCategory

    FIELDS = ("pipe_code", "field", "ref", "category")

    def __init__(self, pipe_code: str, field: str, ref: ModelRef | None, category: ModelCategory) -> None:
        self.pipe_code = pipe_code
        self.field = field
        self.ref = ref
        self.category = category


def preflight(calls: Sequence[ModelCall], deck: ModelDeck, *, env: Mapping[str, str] | None = None) -> None:
    """Raise :class:`MissingKeyError` when one of ``calls`` (the models a run may call, see
    :func:`pipelex.pipes.kinds.model_calls`) needs a provider key that is not set."""
    env = os.environ if env is None else env
    problems: list[str] = []
    variables: list[str] = []
    first_pipe: str | None = None
    for call in calls:
        field, category = call.field, call.category
        default = deck.default_ref(category)
        if call.ref is None and default is None:
            continue  # static validation reports a pipe with no model and no default (model_unspecified)
        ref = call.ref or ModelRef.parse(default or "")
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
                f"pipe {call.pipe_code!r} ({field} {ref.written!r}): {no_url[0]}",
                backend=no_url[0].backend,
                variable=no_url[0].variable,
            )
        if missing:
            names = " or ".join(missing)
            problems.append(
                f"pipe {call.pipe_code!r} ({field} {ref.written!r} -> {', '.join(h.handle for h in resolved)}) "
                f"needs {names}"
            )
            variables += [m for m in missing if m not in variables]
            first_pipe = first_pipe or call.pipe_code
    if problems:
        raise MissingKeyError(
            "this live run needs provider keys that are not set: "
            + "; ".join(problems)
            + f". Set {', '.join(variables)} in the environment (or point the model at another backend in "
            f"pipelex.toml [models]), or {DRY_RUN_FIX} to mock every provider call",
            pipe_code=first_pipe,
            variables=variables,
        )
