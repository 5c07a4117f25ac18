"""Booting pipelex: configuration, inference on or off, backend choice. Idempotent."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pipelex.pipe_run.pipe_run_mode import PipeRunMode

logger = logging.getLogger("pipelex")


@dataclass
class _BootState:
    needs_inference: bool = True


class Pipelex:
    """The process-wide boot of pipelex."""

    _state: _BootState | None = None

    @classmethod
    def make(cls, *, needs_inference: bool = True) -> Pipelex:
        """Boot (or re-boot) pipelex. ``needs_inference=False`` forces every run of this process dry."""
        cls._state = _BootState(needs_inference=needs_inference)
        return cls()

    @classmethod
    def teardown(cls) -> None:
        """Forget the boot."""
        cls._state = None

    @classmethod
    def is_booted(cls) -> bool:
        """True after :meth:`make`."""
        return cls._state is not None

    @classmethod
    def effective_run_mode(cls, requested: PipeRunMode) -> PipeRunMode:
        """The mode a run gets: dry when the process booted without inference (and a warning if live was asked)."""
        if cls._state is not None and not cls._state.needs_inference and requested is PipeRunMode.LIVE:
            logger.warning("a live run was requested, but pipelex was booted without inference "
                           "(Pipelex.make(needs_inference=False)): the run is forced to dry mode")
            return PipeRunMode.DRY
        return requested
