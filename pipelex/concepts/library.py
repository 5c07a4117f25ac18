"""The concept library: native and declared concepts, refinement, fields, and compiled content models."""

from __future__ import annotations

import datetime as dt
import marshal
import types
import typing
import weakref
from functools import lru_cache
from typing import Any, Literal, Optional, cast

from pydantic import BaseModel, Field, PydanticUserError, create_model

from pipelex.concepts.natives import (
    LEAF_NATIVES,
    NATIVE_CLASS_NAMES,
    NATIVE_CONTENT,
    NATIVE_DESCRIPTIONS,
    NATIVE_REFINES,
    StuffContent,
    TextContent,
    native_name,
)
from pipelex.errors import ConceptCompileError
from pipelex.language.blueprint import ConceptBlueprint, FieldBlueprint
from pipelex.record import FrozenRecord, Record

NATIVE_DOMAIN = "native"
_SCALAR_CONCEPT = {
    "text": "native.Text",
    "integer": "native.Number",
    "number": "native.Number",
    "boolean": "native.YesNo",
    "date": "native.Date",
    "datetime": "native.Date",
    "time": "native.Time",
    "dict": "native.JSON",
}
_SCALAR_PY: dict[str, Any] = {
    "text": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "date": dt.date,
    "datetime": dt.datetime,
    "time": dt.time,
    "dict": dict[str, Any],
}


class FieldInfo(FrozenRecord):
    """What a binding path finds at one field: the concept of the value, whether a list, whether required."""

    name: str
    concept_ref: str
    is_list: bool
    required: bool
    description: str

    FIELDS = ("name", "concept_ref", "is_list", "required", "description")

    def __init__(
        self, name: str, concept_ref: str, is_list: bool, required: bool, description: str = ""
    ) -> None:
        self.name = name
        self.concept_ref = concept_ref
        self.is_list = is_list
        self.required = required
        self.description = description


class Concept(Record):
    """A concept known to the library."""

    ref: str
    code: str
    domain: str
    description: str
    refines: str | None
    blueprint: ConceptBlueprint | None
    source: str | None

    FIELDS = ("ref", "code", "domain", "description", "refines", "blueprint", "source")

    def __init__(
        self,
        ref: str,
        code: str,
        domain: str,
        description: str,
        refines: str | None = None,
        blueprint: ConceptBlueprint | None = None,
        source: str | None = None,
    ) -> None:
        self.ref = ref
        self.code = code
        self.domain = domain
        self.description = description
        self.refines = refines
        self.blueprint = blueprint
        self.source = source

    @property
    def is_native(self) -> bool:
        """True for the 18 natives (a bundle may write `domain = "native"`: its own concepts are not natives)."""
        return self.domain == NATIVE_DOMAIN and self.code in NATIVE_CONTENT

    @property
    def has_structure(self) -> bool:
        """True when the concept declares its own structure table."""
        return self.blueprint is not None and isinstance(self.blueprint.structure, dict)


class ConceptLibrary(Record):
    """Every concept of a loaded library, keyed by ``domain.Code``."""

    concepts: dict[str, Concept]
    _models: dict[str, type[StuffContent]]
    _compiling: dict[str, str]  # concept ref -> model name, while compiling
    _pending: dict[str, type[StuffContent]]  # models of the current compile pass
    _by_code: dict[str, list[str]]  # bare code -> refs, for unqualified lookups
    _by_code_size: int  # len(concepts) when _by_code was built (concepts are only ever added)

    FIELDS = ("concepts", "_models", "_compiling", "_pending", "_by_code", "_by_code_size")

    def __init__(
        self,
        concepts: dict[str, Concept] | None = None,
        _models: dict[str, type[StuffContent]] | None = None,
        _compiling: dict[str, str] | None = None,
        _pending: dict[str, type[StuffContent]] | None = None,
        _by_code: dict[str, list[str]] | None = None,
        _by_code_size: int = -1,
    ) -> None:
        self.concepts = {} if concepts is None else concepts
        self._models = {} if _models is None else _models
        self._compiling = {} if _compiling is None else _compiling
        self._pending = {} if _pending is None else _pending
        self._by_code = {} if _by_code is None else _by_code
        self._by_code_size = _by_code_size
        # native_base's answers, by the concept's identity (the concept held, so its id is never reused), valid
        # while the library holds the concepts it held when they were found (not a field: a copy starts empty)
        self._native_bases: dict[int, tuple[Concept, Concept | None]] = {}
        self._native_bases_size = -1

    @classmethod
    def with_natives(cls) -> ConceptLibrary:
        """A library holding the natives only."""
        lib = cls()
        for code, description in NATIVE_DESCRIPTIONS.items():
            refines = NATIVE_REFINES.get(code)
            lib.concepts[f"native.{code}"] = Concept(
                ref=f"native.{code}",
                code=code,
                domain=NATIVE_DOMAIN,
                description=description,
                refines=f"native.{refines}" if refines else None,
            )
        return lib

    def add(self, domain: str, code: str, blueprint: ConceptBlueprint, source: str | None = None) -> Concept:
        """Declare a concept (its ``refines`` is resolved lazily)."""
        concept = Concept(
            ref=f"{domain}.{code}",
            code=code,
            domain=domain,
            description=blueprint.description,
            refines=blueprint.refines,
            blueprint=blueprint,
            source=source,
        )
        self.concepts[concept.ref] = concept
        self._models.pop(concept.ref, None)
        self._native_bases.clear()  # a concept a `refines` named may exist now
        return concept

    # ------------------------------------------------------------------ resolution
    def resolve(self, ref: str, domain: str | None = None) -> Concept | None:
        """Find ``ref`` (bare, ``domain.Code`` or ``native.Code``) as seen from ``domain``.

        Seen from a domain, a bare code is a concept of that domain or a native: another domain's concept is
        written qualified (``shop.Product``), as in the reference ("not declared in domain 'x' and is not
        native"). With no domain (a name given on the command line), a code unique in the library is found too.
        """
        if "." in ref:
            return self.concepts.get(ref)
        if domain is not None and f"{domain}.{ref}" in self.concepts:
            return self.concepts[f"{domain}.{ref}"]
        if f"native.{ref}" in self.concepts:
            return self.concepts[f"native.{ref}"]
        if domain is not None:
            return None
        matches = self._refs_of_code(ref)
        return self.concepts[matches[0]] if len(matches) == 1 else None

    def _refs_of_code(self, code: str) -> list[str]:
        """The refs of every concept whose code is ``code`` (an index, rebuilt when concepts were added)."""
        if self._by_code_size != len(self.concepts):
            index: dict[str, list[str]] = {}
            for concept_ref, concept in self.concepts.items():
                index.setdefault(concept.code, []).append(concept_ref)
            self._by_code, self._by_code_size = index, len(self.concepts)
        return self._by_code.get(code, [])

    def parent(self, concept: Concept) -> Concept | None:
        """The concept ``concept`` refines (shorthand concepts and structureless tables refine Text)."""
        if concept.refines:
            return self.resolve(concept.refines, concept.domain)
        if not concept.is_native and not concept.has_structure:
            if concept.blueprint is not None and isinstance(concept.blueprint.structure, str):
                return None
            return self.concepts.get("native.Text")
        return None

    def ancestry(self, concept: Concept) -> list[Concept]:
        """``concept`` then every concept it refines, nearest first."""
        chain = [concept]
        seen = {concept.ref}
        current = self.parent(concept)
        while current is not None and current.ref not in seen:
            chain.append(current)
            seen.add(current.ref)
            current = self.parent(current)
        return chain

    def native_base(self, concept: Concept) -> Concept | None:
        """The nearest native concept in the ancestry, if any.

        Found once per concept (its ancestry is walked again by every pipe run and check that asks: the runtime
        asks for each input of each run): kept until a concept is added (:meth:`add`, or the dict itself grown)."""
        if self._native_bases_size != len(self.concepts):
            self._native_bases.clear()
            self._native_bases_size = len(self.concepts)
        known = self._native_bases.get(id(concept))
        if known is not None and known[0] is concept:
            return known[1]
        base: Concept | None = None
        for item in self.ancestry(concept):
            if item.is_native:
                base = item
                break
        self._native_bases[id(concept)] = (concept, base)
        return base

    def refines(self, concept: Concept, other: Concept) -> bool:
        """True when ``concept`` is ``other`` or refines it."""
        ref = other.ref
        if concept.ref == ref:
            return True
        # a loop, not ``any(genexpr)``: a generator left early is closed by raising GeneratorExit in it (a
        # traceback and an exception object, for every concept of every pipe checked)
        for item in self.ancestry(concept):
            if item.ref == ref:
                return True
        return False

    def is_text_like(self, concept: Concept) -> bool:
        """True when the content is a plain text."""
        base = self.native_base(concept)
        return base is not None and base.code in ("Text", "Markdown")

    def is_compatible(self, provided: Concept, required: Concept) -> bool:
        """Can a stuff of ``provided`` fill an input declared as ``required``?"""
        if required.ref in ("native.Anything", "native.Dynamic") or provided.ref == "native.Dynamic":
            return True
        if self.refines(provided, required):
            return True
        if self._same_content_below(required, provided):
            return True
        if self.page_as_text_and_images(provided, required):
            return True
        markdown = self.concepts.get("native.Markdown")
        if markdown is not None and self.refines(required, markdown):
            return False  # Markdown (or a refinement of it) takes markdown: a plain text is not one (the reference)
        # A concept that only refines a native holds that native's content: the native, or another such concept
        # on the same native, fills it (the reference: a SearchResult step feeds a NewsFinding input)
        base = self.native_base(required)
        if (
            base is not None
            and not required.has_structure
            and not provided.has_structure
            and base.code not in ("Anything", "Dynamic", "Composite")
            and self.native_base(provided) is base
        ):
            return True
        # A plain text fills any text-like concept, and a text-like concept fills Text.
        return (
            self.is_text_like(provided)
            and self.is_text_like(required)
            and (
                provided.ref in ("native.Text", "native.Markdown")
                or required.ref == "native.Text"
                or (not provided.has_structure and not required.has_structure)
            )
        )

    def page_as_text_and_images(self, provided: Concept, required: Concept) -> bool:
        """A page (``Page`` or a concept refining it) where a ``TextAndImages`` is declared (or a concept refining it
        with no structure of its own): the reference takes it, one for one (``Page[]`` for ``TextAndImages[]``; a
        page is not a ``Text`` nor a ``Document``, and a ``TextAndImages`` is not a page). A page holds its text
        and images in its ``text_and_images`` field: the run hands that on (``pipelex.pipes.runtime``)."""
        if required.has_structure:
            return False
        tai = self.concepts.get("native.TextAndImages")
        page = self.concepts.get("native.Page")
        return (
            tai is not None
            and page is not None
            and self.native_base(required) is tai
            and self.refines(provided, page)
        )

    def _same_content_below(self, required: Concept, provided: Concept) -> bool:
        """``required`` refines the structured concept ``provided`` adding no structure of its own (nor does any
        concept between them): it holds ``provided``'s content, so a ``provided`` fills it (the reference: a step
        making a ``Claim`` feeds an input declared as ``Invoice``, which refines ``Claim``)."""
        if provided.is_native or not provided.has_structure or required.ref == provided.ref:
            return False
        for item in self.ancestry(required):
            if item.ref == provided.ref:
                return True
            if item.has_structure or item.is_native:
                return False
        return False

    # ------------------------------------------------------------------ fields
    def structure_of(self, concept: Concept) -> dict[str, FieldBlueprint] | None:
        """The declared structure fields of ``concept`` or of the structured concept it refines."""
        for item in self.ancestry(concept):
            if item.blueprint is not None and isinstance(item.blueprint.structure, dict):
                return {
                    name: (
                        spec
                        if isinstance(spec, FieldBlueprint)
                        else FieldBlueprint(type="text", description=spec, required=True)
                    )
                    for name, spec in item.blueprint.structure.items()
                }
        return None

    def field_infos(self, concept: Concept) -> dict[str, FieldInfo] | None:
        """The fields a binding path can walk into; ``None`` for a leaf (a value held whole)."""
        structure = self.structure_of(concept)
        if structure is not None:
            return {name: self._field_info(name, spec, concept.domain) for name, spec in structure.items()}
        base = self.native_base(concept)
        if base is None or base.code in LEAF_NATIVES:
            return None
        return _native_field_infos(NATIVE_CONTENT[base.code])

    def content_field_infos(self, concept: Concept) -> dict[str, FieldInfo] | None:
        """Like :meth:`field_infos`, but a leaf native exposes its content fields (``text.text``)."""
        infos = self.field_infos(concept)
        if infos is not None:
            return infos
        base = self.native_base(concept)
        if base is None or base.code in ("Anything", "Dynamic", "Composite"):
            return None
        return _native_field_infos(NATIVE_CONTENT[base.code])

    def _field_info(self, name: str, spec: FieldBlueprint, domain: str) -> FieldInfo:
        kind = spec.type or "text"
        if spec.choices is not None:
            return FieldInfo(name, "native.Text", False, spec.required, spec.description)
        if kind == "concept":
            target = self.resolve(spec.concept_ref or "", domain)
            return FieldInfo(
                name,
                target.ref if target else (spec.concept_ref or "native.Anything"),
                False,
                spec.required,
                spec.description,
            )
        if kind == "list":
            item = spec.item_concept_ref if spec.item_type == "concept" else spec.item_type
            if item and item in _SCALAR_CONCEPT:
                ref = _SCALAR_CONCEPT[item]
            else:
                target = self.resolve(item or "Text", domain)
                ref = target.ref if target else "native.Text"
            return FieldInfo(name, ref, True, spec.required, spec.description)
        return FieldInfo(
            name, _SCALAR_CONCEPT.get(kind, "native.Text"), False, spec.required, spec.description
        )

    # ------------------------------------------------------------------ compiled models
    def content_model(self, concept: Concept) -> type[StuffContent]:
        """The pydantic model of ``concept``'s content (compiled once, cached)."""
        cached = self._models.get(concept.ref)
        if cached is not None:
            return cached
        structure = self.structure_of(concept)
        if structure is None:
            base = self.native_base(concept)
            model = NATIVE_CONTENT[base.code] if base is not None else TextContent
            self._models[concept.ref] = model
            return model
        outermost = not self._compiling
        try:
            model = self._compile(concept, structure)
            if outermost:  # resolve the forward references of every model compiled in this pass
                for built in self._pending.values():
                    built.model_rebuild(_types_namespace=dict(self._pending))
        except BaseException as exc:
            if outermost:  # forget the half-built models of a failed pass
                half_built = set(self._pending.values())
                for ref in [r for r, m in self._models.items() if m in half_built]:
                    del self._models[ref]
                if isinstance(exc, RecursionError):  # ~8 frames per concept: a chain of several hundred
                    raise ConceptCompileError(
                        f"concept {concept.ref!r} nests structures too deeply (concepts holding concepts, "
                        "hundreds of levels) to be compiled: flatten its structure"
                    ) from None
            raise
        finally:
            if outermost:
                self._pending.clear()
        return model

    def _compile(self, concept: Concept, structure: dict[str, FieldBlueprint]) -> type[StuffContent]:
        name = f"{concept.domain.replace('.', '_')}__{concept.code}"
        self._compiling[concept.ref] = name  # a nested reference back to it becomes a forward reference
        try:
            definitions: dict[str, Any] = {}
            for field_name, spec in structure.items():
                annotation = self._annotation(spec, concept.domain)
                if spec.required:
                    definitions[field_name] = (annotation, Field(description=spec.description))
                else:
                    definitions[field_name] = (
                        Optional[annotation],  # noqa: UP045 - may be a forward-ref string
                        Field(default=spec.default_value, description=spec.description),
                    )
            try:
                model = create_model(  # type: ignore[call-overload]
                    name,
                    __base__=StuffContent,
                    __doc__=concept.description,
                    **definitions,
                )
            except (PydanticUserError, NameError, TypeError, ValueError) as exc:
                raise ConceptCompileError(
                    f"concept {concept.ref!r} cannot be compiled to a content model: {exc}; "
                    "fix its `structure` (field names must be snake_case identifiers that "
                    "neither start with '_' nor shadow pydantic's 'model_*' names)"
                ) from exc
        finally:
            del self._compiling[concept.ref]
        self._pending[name] = model
        self._models[concept.ref] = model
        return model

    def _model_or_forward_ref(self, target: Concept) -> Any:
        """The content model of ``target``, or its name while it is being compiled (a forward reference,
        resolved when the compile pass ends)."""
        return self._compiling.get(target.ref) or self.content_model(target)

    def _annotation(self, spec: FieldBlueprint, domain: str) -> Any:
        kind = spec.type or "text"
        if spec.choices:
            return Literal[tuple(spec.choices)]  # type: ignore[valid-type]
        if kind == "concept":
            target = self.resolve(spec.concept_ref or "", domain)
            return self._model_or_forward_ref(target) if target else dict[str, Any]
        if kind == "list":
            item = spec.item_concept_ref if spec.item_type == "concept" else spec.item_type
            if item is None or item in _SCALAR_PY:
                return list[_SCALAR_PY.get(item or "text", str)]
            target = self.resolve(item, domain)
            return list[self._model_or_forward_ref(target)] if target else list[str]  # type: ignore[misc]
        if kind == "dict":
            key = _SCALAR_PY.get(spec.key_type or "text", str)
            value = _SCALAR_PY.get(spec.value_type or "text", Any)
            return dict[key, value]  # type: ignore[valid-type]
        return _SCALAR_PY.get(kind, str)

    def json_schema(self, concept: Concept) -> dict[str, Any]:
        """The JSON schema of the concept's content: generated once per content model (a structured leaf asks at
        every run; generating it costs about a millisecond), a fresh copy each time (callers may change theirs)."""
        model = self.content_model(concept)
        data = _SCHEMA_DATA.get(model)
        if data is None:
            try:
                schema = model.model_json_schema()
            except (
                RecursionError
            ):  # pydantic recurses ~26 frames per nested structure: ~30 levels pass the stack
                raise ConceptCompileError(
                    f"concept {concept.ref!r} nests structures too deeply (concepts holding concepts) for its JSON "
                    "schema to be generated: flatten its structure"
                ) from None
            data = _SCHEMA_DATA[model] = marshal.dumps(_as_json_data(schema), _NO_SHARING)
        return marshal.loads(data)


_JSON_SCALARS = (str, int, float, bool, type(None))
# marshal's format 2 writes an object met twice twice (format 3 writes a reference): every copy is a tree, as the
# JSON round trip gave it, so a caller changing one part of its copy changes no other part
_NO_SHARING = 2


def _is_json_data(value: object) -> bool:
    """Whether ``value`` is made of dicts with text keys, lists and JSON scalars only (exact types: a tuple, a
    subclass of ``str`` such as an enum member, or a key that is not text is not)."""
    kind = type(value)
    if kind is dict:
        return all(
            type(key) is str and _is_json_data(item)
            for key, item in cast("dict[object, object]", value).items()
        )
    if kind is list:
        return all(_is_json_data(item) for item in cast("list[object]", value))
    return kind in _JSON_SCALARS


def _as_json_data(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema as a JSON round trip gives it back (``json.loads(json.dumps(schema))``), without importing
    :mod:`json` (~5 M instructions of a validate) when it is already plain JSON data, as pydantic's schemas are;
    a copy of it is a :func:`marshal.loads` of the result's bytes (written with ``_NO_SHARING``)."""
    if _is_json_data(schema):
        return schema
    import json

    return json.loads(json.dumps(schema))


# by content model (not by concept ref: a library may recompile a concept into a new model)
_SCHEMA_DATA: weakref.WeakKeyDictionary[type[BaseModel], bytes] = weakref.WeakKeyDictionary()


# the native concept of each native content class (``TextContent`` is Text's: Markdown refines Text)
_NATIVE_CODE_OF_CLASS = {name: code for code, name in NATIVE_CLASS_NAMES.items() if code != "Markdown"}


@lru_cache(maxsize=64)
def _native_field_infos(model: type[BaseModel]) -> dict[str, FieldInfo]:
    # cached per content class: every binding walk through a native asks again; callers only read the result
    infos: dict[str, FieldInfo] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        required = info.is_required()
        args = typing.get_args(annotation)
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            non_none = [a for a in args if a is not type(None)]
            annotation = non_none[0] if len(non_none) == 1 else annotation
            if type(None) in args:
                required = False
        is_list = typing.get_origin(annotation) is list
        if is_list:
            annotation = typing.get_args(annotation)[0]
        native = native_name(annotation) if isinstance(annotation, type) else None  # (makes no native class)
        if native is not None:
            ref = f"native.{_NATIVE_CODE_OF_CLASS[native]}"
        elif annotation is str:
            ref = "native.Text"
        elif annotation in (int, float) or typing.get_origin(annotation) in (typing.Union, types.UnionType):
            ref = "native.Number"
        elif annotation is bool:
            ref = "native.YesNo"
        else:
            ref = "native.JSON"
        infos[name] = FieldInfo(name, ref, is_list, required, info.description or "")
    return infos
