"""Module attributes loaded on first use: a module's ``__getattr__`` (PEP 562) over a table of names.

:mod:`pipelex.language.blueprint` and :mod:`pipelex.inference.jobs` give names whose modules cost time to
import (or pydantic classes to build) only when something asks for them. (``import pipelex`` keeps its own
``__getattr__``: it imports no submodule at all, ``tests/test_public_api.py``.)
"""

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_attributes(module: str, where: Mapping[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A ``__getattr__`` for ``module``: ``name`` from the module ``where[name]`` names, imported then, and kept in
    ``namespace`` (the module's globals) so the next use is a plain lookup; any other name is an AttributeError."""

    def __getattr__(name: str) -> Any:
        source = where.get(name)
        if source is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(import_module(source), name)
        namespace[name] = value
        return value

    return __getattr__
