"""The natives whose fields are open (``Anything``, ``Dynamic``, ``Composite``). Made on first use: see :mod:`pipelex.concepts.natives`."""

from pydantic import ConfigDict

from pipelex.concepts.native_classes.base import StuffContent


class AnythingContent(StuffContent):
    """Any JSON value except an array or null."""

    model_config = ConfigDict(extra="allow")


class DynamicContent(StuffContent):
    """Content whose concept is decided at run time."""

    model_config = ConfigDict(extra="allow")


class CompositeContent(StuffContent):
    """A named bag of branch results (PipeParallel output)."""

    model_config = ConfigDict(extra="allow")
