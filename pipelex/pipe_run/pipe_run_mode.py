"""The run mode: live leaves call AI providers, dry leaves build format-compliant mocks."""

from enum import StrEnum


class PipeRunMode(StrEnum):
    """How inference leaves behave. It travels inside every inference job and is honoured at the leaf."""

    LIVE = "live"
    DRY = "dry"
