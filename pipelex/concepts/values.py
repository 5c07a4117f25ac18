"""Turning plain values into contents of a concept, walking paths through contents, building output stuffs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ValidationError

from pipelex.concepts import natives
from pipelex.concepts.library import Concept, ConceptLibrary
from pipelex.concepts.natives import ListContent, StuffContent, TextContent, native_name
from pipelex.narrowing import is_dict, is_json_object
from pipelex.narrowing import is_list as is_list_value  # `is_list` names a parameter of walk_values


class ContentError(ValueError):
    """A value does not fit a concept; ``problem`` says where and what the concept takes there."""

    def __init__(self, message: str, problem: str = "") -> None:
        super().__init__(message)
        self.problem = problem or message


def to_content(value: Any, concept: Concept, concepts: ConceptLibrary) -> StuffContent:
    """``value`` as content of ``concept`` (a string fills a text, a number a Number, a dict a structure...)."""
    model = concepts.content_model(concept)
    if isinstance(value, model):
        return value
    if isinstance(value, BaseModel):
        value = value.model_dump()
    try:
        if model is TextContent:
            if isinstance(value, str):
                return TextContent(text=value)
            return model.model_validate(value)
        match native_name(model):  # the other natives' classes are made on first use: none is made here
            case "NumberContent" if isinstance(value, int | float) and not isinstance(value, bool):
                return natives.NumberContent(number=value)
            case "YesNoContent" if isinstance(value, bool):
                return natives.YesNoContent(yes_no=value)
            case "JSONContent" if is_json_object(value) and "json_obj" not in value:
                return natives.JSONContent(json_obj=value)
            case "DateContent" if isinstance(value, str | dt.date):
                return natives.DateContent(date=value.isoformat() if isinstance(value, dt.date) else value)
            case "TimeContent" if isinstance(value, str | dt.time):
                return natives.TimeContent(time=value.isoformat() if isinstance(value, dt.time) else value)
            case _:
                return model.model_validate(value)
    except ValidationError as exc:
        from pipelex.concepts.fit_messages import fit_problems, shown

        problem = fit_problems(exc, value)
        raise ContentError(f"{shown(value)} does not fit {concept.ref}: {problem}", problem) from exc


def walk_values(content: StuffContent, is_list: bool, segments: list[str]) -> tuple[list[Any], bool]:
    """Follow ``segments`` through a content; crossing a list flattens; missing values are dropped."""
    values: list[Any] = list(content.items) if isinstance(content, ListContent) else [content]
    for seg in segments:
        found: list[Any] = []
        for value in values:
            if isinstance(value, BaseModel):
                item = getattr(value, seg, None)
                if item is None and value.model_extra:
                    item = value.model_extra.get(seg)
            elif is_dict(value):
                item = value.get(seg)
            else:
                item = None
            if item is None:
                continue
            if is_list_value(item):
                found.extend(i for i in item if i is not None)
                is_list = True
            else:
                found.append(item)
        values = found
    return values, is_list
