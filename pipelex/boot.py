"""Booting pipelex: configuration, inference on or off, backend choice. Idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.record import Record

if TYPE_CHECKING:
    from pipelex.config.settings import PipelexConfig


class _BootState(Record):
    needs_inference: bool
    config: PipelexConfig | None

    FIELDS = ("needs_inference", "config")

    def __init__(self, needs_inference: bool = True, config: PipelexConfig | None = None) -> None:
        self.needs_inference = needs_inference
        self.config = config


class Pipelex:
    """The process-wide boot of pipelex."""

    _state: _BootState | None = None
    _unbooted_config: PipelexConfig | None = None

    @classmethod
    def make(
        cls,
        *,
        needs_inference: bool = True,
        config: PipelexConfig | None = None,
        config_path: str | Path | None = None,
    ) -> Pipelex:
        """Boot (or re-boot) pipelex. ``needs_inference=False`` forces every run of this process dry.

        The configuration is ``config`` when given, else ``pipelex.toml`` found as ``config/settings.py`` says.
        """
        if config is None:
            from pipelex.config.settings import load_config

            config = load_config(config_path)
        cls._state = _BootState(needs_inference=needs_inference, config=config)
        return cls()

    @classmethod
    def config(cls) -> PipelexConfig:
        """The configuration of the boot; without a boot, the config file found now (loaded once)."""
        if cls._state is not None and cls._state.config is not None:
            return cls._state.config
        if cls._unbooted_config is None:
            from pipelex.config.settings import load_config

            cls._unbooted_config = load_config()
        return cls._unbooted_config

    @classmethod
    def teardown(cls) -> None:
        """Forget the boot."""
        cls._state = None
        cls._unbooted_config = None

    @classmethod
    def boot_settings(cls) -> tuple[bool, PipelexConfig] | None:
        """``(needs_inference, config)`` of the boot, or None without one: what a child process needs to boot alike."""
        state = cls._state
        return (
            (state.needs_inference, state.config) if state is not None and state.config is not None else None
        )

    @classmethod
    def is_booted(cls) -> bool:
        """True after :meth:`make`."""
        return cls._state is not None

    @classmethod
    def effective_run_mode(cls, requested: PipeRunMode) -> PipeRunMode:
        """The mode a run gets: dry when the process booted without inference (and a warning if live was asked)."""
        if cls._state is not None and not cls._state.needs_inference and requested is PipeRunMode.LIVE:
            import logging  # only for this warning: a command that never warns does not import logging

            from pipelex.logtext import escape_pipelex_records

            escape_pipelex_records()
            logging.getLogger("pipelex").warning(
                "a live run was requested, but pipelex was booted without inference "
                "(Pipelex.make(needs_inference=False)): the run is forced to dry mode"
            )
            return PipeRunMode.DRY
        return requested
