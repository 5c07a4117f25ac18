"""pipelex: an open, fast runtime for MTHDS bundles.

The public names are loaded lazily so that ``import pipelex`` (and ``pipelex --help``) stays instant.
"""

from __future__ import annotations

from importlib import import_module

# not `typing.TYPE_CHECKING`: `pipelex --help` imports this package and nothing else needs typing there (~10 M
# instructions, 8 % of the help); type checkers read this name the same way
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pipelex.boot import Pipelex
    from pipelex.errors import (
        BundleError,
        BundleInvalidError,
        BundleLoadError,
        ConfigError,
        DryRunError,
        InputError,
        PipelexError,
        PipeRunError,
        RunError,
    )
    from pipelex.pipe_run.pipe_run_mode import PipeRunMode
    from pipelex.pipeline.runner import PipelexRunner, PipelineOutput
    from pipelex.version import MTHDS_PROTOCOL_VERSION as MTHDS_PROTOCOL_VERSION
    from pipelex.version import __version__ as __version__


__all__ = [
    # boot and run
    "Pipelex",
    "PipeRunMode",
    "PipelexRunner",
    "PipelineOutput",
    # errors
    "PipelexError",
    "BundleError",
    "BundleLoadError",
    "BundleInvalidError",
    "ConfigError",
    "RunError",
    "InputError",
    "PipeRunError",
    "DryRunError",
]

_WHERE = {
    "Pipelex": "pipelex.boot",
    "PipeRunMode": "pipelex.pipe_run.pipe_run_mode",
    "PipelexRunner": "pipelex.pipeline.runner",
    "PipelineOutput": "pipelex.pipeline.runner",
    **{name: "pipelex.errors" for name in __all__[4:]},
    # the versions (pipelex.version), loaded when asked for like the rest
    "__version__": "pipelex.version",
    "MTHDS_PROTOCOL_VERSION": "pipelex.version",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pipelex' has no attribute {name!r}")
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
