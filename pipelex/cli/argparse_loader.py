"""argparse, imported without :mod:`gettext` when the CLI is the first to import it.

argparse imports ``gettext`` (``from gettext import gettext as _, ngettext``) to translate its strings, and importing
``gettext`` compiles its plural-forms tokenizer, a verbose regular expression (~3.5 M instructions, half a
percent of a small validate). A console-script command translates argparse's strings once (``pipelex/cli/main.py``,
``_translate_without_lookups``), and without a catalogue needs nothing of ``gettext``. So, when neither argparse
nor ``gettext`` is loaded yet, argparse is imported against a stand-in ``gettext`` whose two functions import the
real module at their first call and answer what it answers; the stand-in is out of ``sys.modules`` once argparse
is imported, so any other ``import gettext`` gets the real module. A process that loaded either before keeps
argparse exactly as it is.
"""

import sys
from importlib import import_module
from types import ModuleType


def _gettext(message: str) -> str:
    import gettext

    return gettext.gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    import gettext

    return gettext.ngettext(singular, plural, n)


def _import_argparse() -> None:
    if "argparse" in sys.modules or "gettext" in sys.modules:
        return
    stand_in = ModuleType("gettext", "pipelex's stand-in for gettext while argparse is imported")
    stand_in.gettext = _gettext  # type: ignore[attr-defined]
    stand_in.ngettext = _ngettext  # type: ignore[attr-defined]
    sys.modules["gettext"] = stand_in
    try:
        import_module("argparse")
    finally:
        if sys.modules.get("gettext") is stand_in:
            del sys.modules["gettext"]


_import_argparse()

import argparse  # noqa: E402

__all__ = ["argparse"]
