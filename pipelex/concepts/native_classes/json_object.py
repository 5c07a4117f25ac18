"""A JSON object (``JSON``). Made on first use: see :mod:`pipelex.concepts.natives`."""

from typing import Any

from pipelex.concepts.native_classes.base import StuffContent, structure_text


class JSONContent(StuffContent):
    """A JSON object."""

    json_obj: dict[str, Any]

    def __str__(self) -> str:
        import json

        return json.dumps(self.json_obj, indent=4)

    def markdown_text(self) -> str:
        return structure_text(self.json_obj)
