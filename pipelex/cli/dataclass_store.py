"""Dataclass methods compiled once, at install, instead of in every command.

``dataclasses`` writes each method of a dataclass (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
``__setattr__``...) as Python source and compiles it with ``exec`` when the class is made. The imports of a small
``pipelex validate`` make ~210 of them, for the dataclasses of pydantic and annotated_types, with the same texts in
every process: compiling them is ~8 % of the command's CPU time. :mod:`pipelex.cli.dataclass_methods` holds those texts
as a module, written by :mod:`pipelex.cli.dataclass_methods_gen`: Python compiles it once into its byte-code cache,
like any module, and a one-command process then takes a method's code from it by its exact text.

Only an exact text is taken from the store, and its code there is what Python compiles from that text (the store
is ordinary source). Any other text (another version of a library, a user's dataclass) is compiled as
``dataclasses`` does. A stored method's code names the stored module as its file, so a traceback through a
dataclass's ``__init__`` shows its line instead of ``<string>``.
"""

from __future__ import annotations

import builtins
import sys
from pathlib import Path
from types import CodeType, FunctionType

# not typing's: `pipelex --help` imports this module (the regex store asks it whether byte code is kept) and needs
# no typing (pipelex/__init__.py)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def install() -> bool:
    """Have ``dataclasses`` take a method's code from the store when it has its text; False if already done (or
    ``dataclasses`` already has an ``exec`` of its own). Only for a one-command process (``cli/main.py``): an
    embedding program's ``dataclasses`` is left as it is."""
    import dataclasses

    if "exec" in vars(dataclasses) or not byte_code_kept(Path(__file__).with_name("dataclass_methods.py")):
        return False
    from pipelex.cli.dataclass_methods import CODES

    dataclasses.exec = _stored_exec(CODES)  # type: ignore[attr-defined]
    return True


def byte_code_kept(source: Path) -> bool:
    """Whether importing the store at ``source`` reads Python's byte-code cache (its ``.pyc`` is there, or this
    import writes it for the next ones). Compiling a store from source every time costs more than it saves: a
    read-only install without its ``.pyc``, under ``PYTHONDONTWRITEBYTECODE``, goes without."""
    if not sys.dont_write_bytecode:
        return True
    from importlib.util import cache_from_source

    return Path(cache_from_source(str(source))).is_file()


def _stored_exec(codes: dict[str, CodeType]) -> Any:
    """``exec`` for ``dataclasses``: a stored text defines its function from the stored code, anything else runs
    as the builtin runs it."""

    def exec_(source: object, globals: dict[str, Any] | None = None, locals: Any = None, /) -> None:
        if globals is None:  # the builtin runs in its caller's namespaces (dataclasses always passes its own)
            caller = sys._getframe(1)  # pyright: ignore[reportPrivateUsage]
            globals, locals = caller.f_globals, caller.f_locals if locals is None else locals
        if type(source) is str:
            code = codes.get(source)
            if code is not None and locals is not None:
                # what running a text made of one `def` does: the function, in `locals`, with `globals` as its globals
                globals.setdefault("__builtins__", builtins.__dict__)
                locals[code.co_name] = FunctionType(code, globals)
                return
            # compiled without this module's compiler flags (it postpones no annotations), as the caller's would be
            source = compile(source, "<string>", "exec", dont_inherit=True)
        builtins.exec(source, globals, locals)  # type: ignore[arg-type]

    return exec_
