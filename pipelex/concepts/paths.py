"""Paths through concepts: what a name holds (:class:`Var`) and what ``root.field.sub`` reaches in it
(:func:`walk_path`), by the concepts' declared structures.

Static validation walks binding paths with it, and pipes walk the same paths at run time
(:func:`pipelex.pipes.runtime.extract_path`), so both agree on what a path reaches.
"""

from __future__ import annotations

from pipelex.concepts.library import Concept, ConceptLibrary
from pipelex.diagnostics import ErrorType
from pipelex.record import FrozenRecord, replace


class Var(FrozenRecord):
    """What a name holds: a concept, one value or a list, maybe absent (static validation tracks it through the
    working memory of controllers)."""

    concept: Concept
    is_list: bool
    item_count: int | None
    maybe_absent: bool
    items_are_lists: bool  # a list of lists: a batch over a pipe whose output is itself a list
    # who puts it in memory, for messages: "step 1 (pipe 'note_sights')", "the inputs of 'plan_day'"
    origin: str

    FIELDS = ("concept", "is_list", "item_count", "maybe_absent", "items_are_lists", "origin")
    COMPARED = ("concept", "is_list", "item_count", "maybe_absent", "items_are_lists")

    def __init__(
        self,
        concept: Concept,
        is_list: bool = False,
        item_count: int | None = None,
        maybe_absent: bool = False,
        items_are_lists: bool = False,
        origin: str = "",
    ) -> None:
        self.concept = concept
        self.is_list = is_list
        self.item_count = item_count
        self.maybe_absent = maybe_absent
        self.items_are_lists = items_are_lists
        self.origin = origin

    def with_origin(self, origin: str) -> Var:
        """``replace(self, origin=origin)``: the same value as another producer puts it in memory, made without
        ``replace``'s work by name (a sequence's check makes one for each step; a test compares both)."""
        return Var(
            self.concept, self.is_list, self.item_count, self.maybe_absent, self.items_are_lists, origin
        )

    def describe(self) -> str:
        """Like a spec: ``native.Text[]?`` (``native.Page[][]`` for a list of lists)."""
        mult = (f"[{self.item_count}]" if self.item_count else "[]") if self.is_list else ""
        inner = "[]" if self.is_list and self.items_are_lists else ""
        return f"{self.concept.ref}{inner}{mult}{'?' if self.maybe_absent else ''}"

    def as_batched(self) -> Var:
        """What a batch of this value makes: a list of it (a list of lists when it is itself a list)."""
        return replace(self, is_list=True, item_count=None, items_are_lists=self.is_list)

    def item(self) -> Var:
        """One item of this list: a list itself when the items are lists."""
        return replace(self, is_list=self.items_are_lists, item_count=None, items_are_lists=False)

    def as_written(self, domain: str) -> str:
        """Like a spec as a bundle of ``domain`` writes it: ``SightNote[]`` (natives and own concepts bare)."""
        mult = (f"[{self.item_count}]" if self.item_count else "[]") if self.is_list else ""
        inner = "[]" if self.is_list and self.items_are_lists else ""
        bare = self.concept.is_native or self.concept.domain == domain
        return f"{self.concept.code if bare else self.concept.ref}{inner}{mult}"


class PathResult(FrozenRecord):
    """The outcome of walking a binding path."""

    var: Var | None
    error_type: str | None
    message: str | None

    FIELDS = ("var", "error_type", "message")

    def __init__(self, var: Var | None, error_type: str | None = None, message: str | None = None) -> None:
        self.var = var
        self.error_type = error_type
        self.message = message


def walk_path(
    concepts: ConceptLibrary, root: Var, root_name: str, segments: list[str], *, content_fields: bool = False
) -> PathResult:
    """Walk ``root_name.seg1.seg2`` through the concepts' fields; crossing a list gives a flat list.

    A binding treats text, numbers and other plain natives as leaves; ``content_fields`` lets the walk
    reach their content fields too (``produce.text`` in a PipeCompose construct).
    """
    concept, is_list, absent = root.concept, root.is_list, root.maybe_absent
    walked = root_name
    for seg in segments:
        infos = concepts.content_field_infos(concept) if content_fields else concepts.field_infos(concept)
        if infos is None:
            return PathResult(
                None,
                ErrorType.BINDING_PATH_UNRESOLVED,
                f"{walked!r} holds a {concept.ref}, which a path cannot walk into (its value is held "
                f"whole), so '.{seg}' reaches nothing: bind {walked!r} itself",
            )
        info = infos.get(seg)
        if info is None:
            return PathResult(
                None,
                ErrorType.BINDING_PATH_UNRESOLVED,
                f"{concept.ref} has no field {seg!r} (in {walked + '.' + seg!r}); its fields are "
                f"{', '.join(sorted(infos))}",
            )
        target = concepts.resolve(info.concept_ref, concept.domain)
        if target is None:
            return PathResult(
                None,
                ErrorType.UNRESOLVED_CONCEPT,
                f"field {seg!r} of {concept.ref} names the unknown concept {info.concept_ref!r}",
            )
        if not info.required and not is_list and not info.is_list:
            absent = True  # an unset list field is the empty list: a list is never absent
        concept, is_list = target, is_list or info.is_list
        walked = f"{walked}.{seg}"
    return PathResult(Var(concept, is_list, None, absent))
