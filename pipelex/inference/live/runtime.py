"""What a live run takes from its configuration: the model deck and the store, handed to the live generator.

A :class:`LiveRuntime` is made where a run is set up (the runner, a Temporal worker from its own configuration:
provider keys live on the workers) and travels with the run to its leaves inside the run context's
:class:`~pipelex.inference.leaf.Generators`; no leaf reads a process-wide configuration. Light module: the store
is made when first used (a dry run never makes it), providers are not imported here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pipelex.config.deck import ModelDeck
from pipelex.config.run_settings import DEFAULT_MAX_REPLY_BYTES
from pipelex.record import FrozenRecord

if TYPE_CHECKING:
    from pipelex.config.settings import PipelexConfig
    from pipelex.storage.protocol import Storage


class LiveRuntime(FrozenRecord):
    """The deck live calls resolve models in, and the store generated images and documents go to."""

    deck: ModelDeck
    make_storage: Callable[[], Storage]
    _storage: list[Storage]
    # [limits] max_reply_bytes: the bytes a model call's reply may hold (pipelex.inference.providers.bounded_http)
    max_reply_bytes: int

    FIELDS = ("deck", "make_storage", "_storage", "max_reply_bytes")
    COMPARED = ("deck", "make_storage", "max_reply_bytes")

    def __init__(
        self,
        deck: ModelDeck,
        make_storage: Callable[[], Storage],
        _storage: list[Storage] | None = None,
        max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
    ) -> None:
        self.deck = deck
        self.make_storage = make_storage
        self._storage = [] if _storage is None else _storage
        self.max_reply_bytes = max_reply_bytes

    @classmethod
    def of(
        cls, config: PipelexConfig, deck: ModelDeck | None = None, *, max_reply_bytes: int | None = None
    ) -> LiveRuntime:
        """The deck (``deck``, else the config's ``[models]``), the ``[storage]`` store and the reply bound
        (``max_reply_bytes``, else ``[limits] max_reply_bytes``) of ``config``."""
        from pipelex.config.deck import deck_for

        def make_storage() -> Storage:
            from pipelex.storage.factory import storage_for

            return storage_for(config)

        return cls(
            deck=deck or deck_for(config),
            make_storage=make_storage,
            max_reply_bytes=config.limits.max_reply_bytes if max_reply_bytes is None else max_reply_bytes,
        )

    @property
    def storage(self) -> Storage:
        """The run's store, made on first use."""
        if not self._storage:
            self._storage.append(self.make_storage())
        return self._storage[0]
