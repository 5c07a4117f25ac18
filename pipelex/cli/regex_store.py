"""Regular expressions compiled once, at install, instead of in every command.

``re`` compiles a pattern in Python (its parser, then its code generator) into a list of integers that the C engine
runs. The imports and the start of a small ``pipelex validate`` compile ~50 patterns (argparse's, platform's,
tomllib's, pydantic's, the language's): ~39 M instructions, ~7 % of the command, the same every time.
:mod:`pipelex.cli.regex_codes`, written by :mod:`pipelex.cli.regex_codes_gen`, holds what ``re``'s compiler makes of
each of those patterns under one Python build; a one-command process hands the stored code to the C engine
(``_sre.compile``, what ``re`` itself calls last) when the pattern, its flags, the interpreter's version and the
engine's ``MAGIC`` all match, and compiles anything else as ``re`` does. ``re``'s own cache is unchanged.
"""

from __future__ import annotations

import sys

# not typing's: `pipelex --help` imports this module and needs no typing (pipelex/__init__.py)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def install() -> bool:
    """Have ``re`` take a stored pattern's code when the running interpreter is the one it was stored under; False
    when not (another Python: nothing changes) or when done already. Only for a one-command process
    (``cli/main.py``): an embedding program's ``re`` is left as it is."""
    from importlib import import_module
    from pathlib import Path

    from pipelex.cli.dataclass_store import byte_code_kept

    if not byte_code_kept(Path(__file__).with_name("regex_codes.py")):
        return False
    from pipelex.cli import regex_codes

    engine: Any = import_module("_sre")
    compiler: Any = import_module("re._compiler")
    original = compiler.compile
    if regex_codes.PYTHON != sys.version or regex_codes.MAGIC != engine.MAGIC or hasattr(original, "stored"):
        return False
    compiler.compile = _stored_compile(original, regex_codes.CODES, engine.compile)
    return True


def _stored_compile(original: Any, codes: dict[tuple[str | bytes, int], tuple[Any, ...]], engine: Any) -> Any:
    """``re._compiler.compile`` taking a stored pattern's code, anything else compiled by ``original``."""

    def compile(p: Any, flags: int = 0) -> Any:  # noqa: A001 - re._compiler's own name
        if type(p) is str or type(p) is bytes:
            entry = codes.get((p, flags))
            if entry is not None:
                final_flags, code, groups, groupindex, indexgroup = entry
                # the engine keeps what it is given: fresh mutable copies for each pattern, as re makes
                return engine(p, final_flags, list(code), groups, dict(groupindex), indexgroup)
        return original(p, flags)

    compile.stored = codes  # type: ignore[attr-defined]
    return compile
