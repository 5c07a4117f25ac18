"""PipeSearch's blueprint: a web search.

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Literal

from pipelex.language.blueprints.base import ModelChoice, PipeBlueprintBase


class PipeSearchBlueprint(PipeBlueprintBase):
    """A web search."""

    type: Literal["PipeSearch"]
    prompt: str
    model: ModelChoice | None = None
    include_images: bool | None = None
    max_results: int | None = None
    from_date: str | None = None
    to_date: str | None = None
    include_domains: list[str] | None = None
    exclude_domains: list[str] | None = None
