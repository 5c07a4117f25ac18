"""The leaf: the one place where the run mode is honoured. A job's mode picks the content generator.

A run's :class:`Generators` travel in its run context: the dry generator, and the live generator bound to the
run's own model deck and store (a :class:`~pipelex.inference.live.runtime.LiveRuntime` made where the run is
set up, from the configuration it was given). What a live run needs beside its leaves is the live generator's
too (the pre-flight of provider keys, input normalisation into the store, the provider session), and what a
dry run asks of controllers is the dry generator's (exploring every outcome of a condition): the runner, the
backends and the controllers ask the generator of the run's mode, never branch on the mode themselves.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from pipelex.errors import ConfigError
from pipelex.inference.jobs import Job
from pipelex.inference.protocol import ContentGenerator
from pipelex.pipe_run.pipe_run_mode import PipeRunMode
from pipelex.record import replace

if TYPE_CHECKING:
    from pipelex.config.run_settings import RunSettings
    from pipelex.inference.live.runtime import LiveRuntime


@cache
def _dry() -> ContentGenerator:
    from pipelex.inference.dry.generator import DryContentGenerator

    return DryContentGenerator()


def generator_class(mode: PipeRunMode) -> type[ContentGenerator]:
    """The class of the generator that honours ``mode`` (to read its policies without making one)."""
    match mode:
        case PipeRunMode.DRY:
            from pipelex.inference.dry.generator import DryContentGenerator

            return DryContentGenerator
        case PipeRunMode.LIVE:
            from pipelex.inference.live.generator import LiveContentGenerator

            return LiveContentGenerator


def settings_for(mode: PipeRunMode, settings: RunSettings) -> RunSettings:
    """``settings`` with what the generator of ``mode`` asks of the run's controllers: whether a condition also
    runs the outcomes it did not take (the dry generator does: its leaves cost nothing, so a dry run checks
    every outcome pipe; the live one does not). Called where a run is set up, once."""
    explore = generator_class(mode).explores_all_outcomes
    if settings.explore_all_outcomes is explore:
        return settings
    return replace(settings, explore_all_outcomes=explore)


class Generators:
    """The content generators of one run: the dry one, and the live one bound to the run's deck and store.

    ``live`` is None for a run that has no live configuration (a validation sweep, a workflow's inline pipes):
    a live leaf there is a clear error, not a silent read of some other configuration.
    """

    def __init__(self, live: LiveRuntime | None = None) -> None:  # noqa: D107
        self.live = live
        self._live: ContentGenerator | None = None

    def for_mode(self, mode: PipeRunMode) -> ContentGenerator:
        """The generator that honours ``mode``: live calls providers, dry builds mocks."""
        match mode:
            case PipeRunMode.DRY:
                return _dry()
            case PipeRunMode.LIVE:
                if self._live is None:
                    if self.live is None:
                        raise ConfigError(
                            "a live leaf ran without the run's live configuration (model deck, storage): "
                            "give the run context Generators(live=LiveRuntime.of(config)) where the run is set up"
                        )
                    from pipelex.inference.live.generator import LiveContentGenerator

                    self._live = LiveContentGenerator(self.live)
                return self._live

    def for_job(self, job: Job) -> ContentGenerator:
        """The generator of ``job.run_mode``."""
        return self.for_mode(job.run_mode)
