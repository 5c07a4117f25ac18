"""PipeExtract's blueprint: pages extracted from a document or an image.

Imported the first time a bundle uses the kind (see :data:`pipelex.language.blueprint.PIPE_CLASSES`).
"""

from typing import Literal

from pipelex.language.blueprints.base import ModelChoice, PipeBlueprintBase


class PipeExtractBlueprint(PipeBlueprintBase):
    """Pages extracted from a document or an image."""

    type: Literal["PipeExtract"]
    model: ModelChoice | None = None
    max_page_images: int | None = None
    page_image_captions: bool | None = None
    page_views: bool | None = None
    page_views_dpi: int | None = None
    render_js: bool | None = None
    include_raw_html: bool | None = None
