"""The names ``pipelex`` exports: pinned, each importable, and none loaded before it is asked for."""

from __future__ import annotations

import subprocess
import sys

import pipelex

EXPORTED = {
    "Pipelex",
    "PipeRunMode",
    "PipelexRunner",
    "PipelineOutput",
    "PipelexError",
    "BundleError",
    "BundleLoadError",
    "BundleInvalidError",
    "ConfigError",
    "RunError",
    "InputError",
    "PipeRunError",
    "DryRunError",
}


def test_the_exported_names_are_pinned() -> None:
    assert (
        set(pipelex.__all__) == EXPORTED
    )  # a change here is a change of the public API: say so in the notes
    assert len(pipelex.__all__) == len(EXPORTED)
    assert sorted(dir(pipelex)) == sorted(EXPORTED)


def test_each_exported_name_resolves() -> None:
    for name in pipelex.__all__:
        value = getattr(pipelex, name)
        assert getattr(value, "__name__", name) == name


def test_import_pipelex_loads_none_of_them() -> None:
    code = "import sys, pipelex; print(sorted(m for m in sys.modules if m.startswith('pipelex.')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]"
