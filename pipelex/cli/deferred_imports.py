"""Standard-library modules that a command's imports name but its work never uses, executed at their first use.

``pydantic.types`` imports :mod:`secrets` for the constant-time comparison of two secret values; ``secrets`` imports
``hmac``, ``hashlib`` and OpenSSL's ``libcrypto`` (whose relocation alone touches ~200 pages): ~13 M instructions
of every command, for a method no command calls. ``inspect`` (imported by ``dataclasses``) imports
:mod:`linecache`, :mod:`tokenize` and :mod:`token`, which only its source-reading functions (and a traceback's
printing) use. A one-command process binds these names to modules that execute on their first attribute access,
as :class:`importlib.util.LazyLoader` does, with a lock so that a second thread waits for the first's import
instead of reading a half-executed module (Python 3.11's ``LazyLoader`` has no such lock). Once executed, the
module is an ordinary module: the same object, in ``sys.modules`` and wherever it was bound.

Only for modules nobody has imported yet, and only in a one-command process (``cli/main.py``): an embedding
program's imports are left as they are.
"""

from __future__ import annotations

import sys
from types import ModuleType

# not typing's: imported before anything else of a command (pipelex/__init__.py)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: imported by the command's imports, used by none of their work (the module doc says by whom and why)
DEFERRED = ("secrets", "linecache", "tokenize", "token")


def install(names: tuple[str, ...] = DEFERRED) -> list[str]:
    """Bind each module of ``names`` that is not imported yet to a module that executes at its first attribute
    access; returns the names deferred (a name Python cannot find is left to fail where it is imported)."""
    from importlib.util import find_spec, module_from_spec

    deferred: list[str] = []
    for name in names:
        if name in sys.modules:
            continue
        spec = find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            continue
        module = module_from_spec(spec)
        module.__class__ = _DeferredModule
        sys.modules[name] = module
        deferred.append(name)
    return deferred


class _DeferredModule(ModuleType):
    """A module whose code runs at the first read of any of its attributes (then it is a plain module again)."""

    def __getattribute__(self, attr: str) -> Any:
        if attr != "__spec__":  # `import name` reads it (is the module still initialising?): not a use
            _execute(self)
        return ModuleType.__getattribute__(self, attr)

    def __setattr__(self, attr: str, value: object) -> None:
        _execute(self)
        ModuleType.__setattr__(self, attr, value)

    def __delattr__(self, attr: str) -> None:
        _execute(self)
        ModuleType.__delattr__(self, attr)


def _execute(module: ModuleType) -> None:
    """Run a deferred module's code once. The thread that runs it reads the module freely meanwhile (its own code
    does); any other thread waits for the end of the run."""
    with _LOCK:
        if type(module) is not _DeferredModule or _RUNNING.get(id(module)) == _get_ident():
            return
        _RUNNING[id(module)] = _get_ident()
        try:
            spec = ModuleType.__getattribute__(module, "__spec__")
            spec.loader.exec_module(module)
            object.__setattr__(module, "__class__", ModuleType)
        finally:
            del _RUNNING[id(module)]


def _new_lock() -> Any:
    import _thread

    return _thread.RLock()


def _thread_ident() -> Any:
    import _thread

    return _thread.get_ident


_LOCK = _new_lock()
_get_ident = _thread_ident()
#: deferred module (id) -> the thread running its code
_RUNNING: dict[int, int] = {}
