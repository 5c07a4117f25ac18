"""Where runs happen: the :class:`~pipelex.backends.protocol.Backend` protocol and its two implementations.

``direct`` (:class:`~pipelex.backends.direct.DirectBackend`): every pipe in the caller's event loop.
``temporal`` (:class:`~pipelex.backends.temporal.backend.TemporalBackend`): controllers as workflows, leaves
as activities on workers. :func:`backend_for` is the one place a backend is picked by name or configuration;
temporalio is imported only when the Temporal backend is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pipelex.backends.protocol import Backend
    from pipelex.config.settings import PipelexConfig

BackendName = Literal["direct", "temporal"]


def backend_for(name: str | None = None, config: PipelexConfig | None = None) -> Backend:
    """The backend called ``name``; by default the configured one (Temporal when ``[temporal] is_enabled``).

    ``config``: the configuration the Temporal backend connects with (default: the booted one, read when a
    session opens).
    """
    from pipelex.errors import ConfigError

    if name is None:
        if config is None:
            from pipelex.boot import Pipelex

            enabled = Pipelex.config().temporal.is_enabled
        else:
            enabled = config.temporal.is_enabled
        name = "temporal" if enabled else "direct"
    if name == "direct":
        from pipelex.backends.direct import DirectBackend

        return DirectBackend()
    if name == "temporal":
        from pipelex.backends.temporal.backend import TemporalBackend

        return TemporalBackend(config)
    raise ConfigError(f"unknown backend {name!r}: use 'direct' or 'temporal'")
