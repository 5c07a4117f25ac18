"""A library: one or several parsed bundles, their concepts and their pipes, with reference resolution.

Pure: it takes texts. Reading files happens in :mod:`pipelex.language.loader`.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Generator
from contextlib import contextmanager
from functools import lru_cache

from pipelex.concepts.library import Concept, ConceptLibrary
from pipelex.concepts.natives import NATIVE_CONTENT
from pipelex.diagnostics import Diagnostic, ErrorType
from pipelex.language.blueprint import (
    SIGNATURE_TYPE,
    BundleBlueprint,
    ControllerBlueprintBase,
    PipeBlueprint,
)
from pipelex.language.parser import ParsedBundle, parse_bundle
from pipelex.language.source_map import SourceMap
from pipelex.language.specs import PIPE_REF_RE
from pipelex.record import Record


class PipeEntry(Record):
    """One pipe of the library with where it comes from."""

    domain: str
    code: str
    blueprint: PipeBlueprint
    bundle: BundleBlueprint
    source_map: SourceMap
    ref: str

    FIELDS = ("domain", "code", "blueprint", "bundle", "source_map")

    def __init__(
        self, domain: str, code: str, blueprint: PipeBlueprint, bundle: BundleBlueprint, source_map: SourceMap
    ) -> None:
        self.domain = domain
        self.code = code
        self.blueprint = blueprint
        self.bundle = bundle
        self.source_map = source_map
        self.ref = f"{domain}.{code}"
        """``domain.code`` (made once: read several times per run of the pipe; an entry is never changed)."""

    @property
    def file(self) -> str | None:
        """The file the pipe is declared in."""
        return self.source_map.file

    @property
    def line(self) -> int | None:
        """The line the pipe is declared on."""
        return self.source_map.pipe_line(self.code)

    @property
    def is_controller(self) -> bool:
        """True for sequence, parallel, condition and batch."""
        return isinstance(self.blueprint, ControllerBlueprintBase)

    @property
    def is_signature(self) -> bool:
        """True for a signature: a contract with no implementation yet (valid, not runnable)."""
        return self.blueprint.type == SIGNATURE_TYPE


class Library(Record):
    """Every concept and pipe of a set of bundles."""

    concepts: ConceptLibrary
    pipes: dict[str, PipeEntry]
    bundles: list[ParsedBundle]
    diagnostics: list[Diagnostic]
    broken_pipes: set[str]
    # signatures replaced by their concrete definition, by ref (their contract must match the definition's)
    implemented_signatures: dict[str, PipeEntry]
    _by_code: dict[str, list[str]]  # bare code -> refs
    _by_code_size: int  # len(pipes) when _by_code was built (pipes are only added)
    _codes_by_domain: dict[str, list[str]]
    _codes_size: int
    broken_concepts: set[str]  # declared but failed their schema: ``domain.Code``

    FIELDS = (
        "concepts",
        "pipes",
        "bundles",
        "diagnostics",
        "broken_pipes",
        "implemented_signatures",
        "_by_code",
        "_by_code_size",
        "_codes_by_domain",
        "_codes_size",
        "broken_concepts",
    )

    def __init__(
        self,
        concepts: ConceptLibrary,
        pipes: dict[str, PipeEntry] | None = None,
        bundles: list[ParsedBundle] | None = None,
        diagnostics: list[Diagnostic] | None = None,
        broken_pipes: set[str] | None = None,
        implemented_signatures: dict[str, PipeEntry] | None = None,
        _by_code: dict[str, list[str]] | None = None,
        _by_code_size: int = -1,
        _codes_by_domain: dict[str, list[str]] | None = None,
        _codes_size: int = -1,
        broken_concepts: set[str] | None = None,
    ) -> None:
        self.concepts = concepts
        self.pipes = {} if pipes is None else pipes
        self.bundles = [] if bundles is None else bundles
        self.diagnostics = [] if diagnostics is None else diagnostics
        self.broken_pipes = set() if broken_pipes is None else broken_pipes
        self.implemented_signatures = {} if implemented_signatures is None else implemented_signatures
        self._by_code = {} if _by_code is None else _by_code
        self._by_code_size = _by_code_size
        self._codes_by_domain = {} if _codes_by_domain is None else _codes_by_domain
        self._codes_size = _codes_size
        self.broken_concepts = set() if broken_concepts is None else broken_concepts

    @property
    def main_pipe(self) -> PipeEntry | None:
        """The ``main_pipe`` of the first bundle that names one (resolved)."""
        for parsed in self.bundles:
            bp = parsed.blueprint
            if bp is not None and bp.main_pipe:
                return self.resolve_pipe(bp.main_pipe, bp.domain)
        return None

    @property
    def main_pipe_code(self) -> str | None:
        """The ``main_pipe`` as written."""
        for parsed in self.bundles:
            if parsed.blueprint is not None and parsed.blueprint.main_pipe:
                return parsed.blueprint.main_pipe
        return None

    def resolve_pipe(self, ref: str, from_domain: str | None = None) -> PipeEntry | None:
        """Find a pipe by ``domain.code``, or by bare code: seen from a domain, a pipe of that domain (a reference
        resolves inside its own domain, as in the reference); with no domain (a name given on the command line),
        the pipe of that code if it is unique in the library."""
        if from_domain is not None:
            local = self.local_pipe(ref, from_domain)
            if local is not None:
                return local
        parts = pipe_ref_parts(ref)
        if parts is None or parts[0]:
            return None
        _, domain, code = parts
        if domain:
            return self.pipes.get(f"{domain}.{code}")
        if from_domain is not None:
            return self.pipes.get(f"{from_domain}.{code}")
        found = self.pipe_refs_of_code(code)
        return self.pipes[found[0]] if len(found) == 1 else None

    def local_pipe(self, ref: str, domain: str) -> PipeEntry | None:
        """The pipe of ``domain`` whose bare code is ``ref``, if there is one: what :meth:`resolve_pipe` finds for
        it from ``domain``, without reading the reference (a step or a branch names its pipe so, and each run of a
        sequence resolves its steps again). None otherwise, also when ``ref`` is another kind of reference.

        Exact because every pipe of a library has a valid pipe code (:func:`build_library` keeps no other): a pipe
        found under ``domain.ref`` whose code is ``ref`` says ``ref`` is a bare code (no package, no domain), which
        :func:`pipe_ref_parts` would have read as such."""
        found = self.pipes.get(f"{domain}.{ref}")
        return found if found is not None and found.code == ref else None

    def pipe_refs_of_code(self, code: str) -> list[str]:
        """The refs of every pipe whose code is ``code`` (an index, rebuilt when pipes were added)."""
        if self._by_code_size != len(self.pipes):
            index: dict[str, list[str]] = {}
            for pipe_ref, entry in self.pipes.items():
                index.setdefault(entry.code, []).append(pipe_ref)
            self._by_code, self._by_code_size = index, len(self.pipes)
        return self._by_code.get(code, [])

    def pipe_codes_of_domain(self, domain: str) -> list[str]:
        """The sorted codes of the pipes of ``domain`` (indexed once for every domain, like the codes)."""
        if self._codes_size != len(self.pipes):
            by_domain: dict[str, list[str]] = {}
            for entry in self.pipes.values():
                by_domain.setdefault(entry.domain, []).append(entry.code)
            self._codes_by_domain = {d: sorted(codes) for d, codes in by_domain.items()}
            self._codes_size = len(self.pipes)
        return self._codes_by_domain.get(domain, [])

    def is_broken_pipe(self, ref: str, from_domain: str | None = None) -> bool:
        """True when ``ref`` (seen from ``from_domain``) names a pipe that was declared but failed its schema.

        ``broken_pipes`` holds ``domain.code`` refs, or bare codes for bundles whose domain is itself broken
        (then any domain matches: the bundle's problem is already reported).
        """
        domain, _, code = ref.rpartition(".")
        if code in self.broken_pipes:
            return True
        domains = [domain] if domain else [d for d in (from_domain,) if d]
        return any(f"{d}.{code}" in self.broken_pipes for d in domains)

    def is_broken_concept(self, ref: str, from_domain: str | None = None) -> bool:
        """True when ``ref`` names a concept that was declared but failed its schema (its error is reported)."""
        domain, _, code = ref.rpartition(".")
        if code in self.broken_concepts:
            return True
        domains = [domain] if domain else [d for d in (from_domain,) if d]
        return any(f"{d}.{code}" in self.broken_concepts for d in domains)

    def resolve_concept(self, ref: str, from_domain: str | None) -> Concept | None:
        """Find a concept as seen from ``from_domain``."""
        return self.concepts.resolve(ref, from_domain)


_YOUNG_THRESHOLD_WHILE_BUILDING = 50_000
_gc_lock = threading.Lock()
_gc_builds = 0  # builds in progress (nested or in other threads): the first one raises the threshold, the last restores
_gc_saved = (0, 0, 0)


@contextmanager
def _fewer_young_collections() -> Generator[None, None, None]:
    """Run the cyclic garbage collector's young generation less often while a library is built.

    Building makes many objects that all live on (TOML tables, blueprints, concepts) and little cyclic garbage;
    at the default threshold (every 700 allocations) each collection walks survivors only, which costs a fifth of
    parsing a 10,000-pipe bundle. Nothing is left uncollected: the threshold comes back after the build.
    """
    global _gc_builds, _gc_saved
    with _gc_lock:
        _gc_builds += 1
        if _gc_builds == 1:
            _gc_saved = gc.get_threshold()
            young, *older = _gc_saved
            if young:  # 0: automatic collection is off, and stays off
                gc.set_threshold(max(young, _YOUNG_THRESHOLD_WHILE_BUILDING), *older)
    try:
        yield
    finally:
        with _gc_lock:
            _gc_builds -= 1
            if _gc_builds == 0:
                gc.set_threshold(*_gc_saved)


def build_library(sources: list[tuple[str, str | None]]) -> Library:
    """Parse every ``(text, file)`` and merge them into one library; problems become diagnostics."""
    with _fewer_young_collections():
        return _build_library(sources)


def _build_library(sources: list[tuple[str, str | None]]) -> Library:
    library = Library(concepts=ConceptLibrary.with_natives())
    for text, file in sources:
        parsed = parse_bundle(text, file=file)
        library.bundles.append(parsed)
        library.diagnostics.extend(parsed.diagnostics)
        bp = parsed.blueprint
        library.broken_pipes |= (
            {f"{bp.domain}.{code}" for code in parsed.broken_pipes} if bp is not None else parsed.broken_pipes
        )
        library.broken_concepts |= (
            {f"{bp.domain}.{code}" for code in parsed.broken_concepts}
            if bp is not None
            else parsed.broken_concepts
        )
        if bp is None:
            continue
        for code, concept_bp in bp.concepts.items():
            if code in NATIVE_CONTENT:
                library.diagnostics.append(
                    Diagnostic(
                        error_type=ErrorType.NATIVE_CONCEPT_REDECLARATION,
                        file=file,
                        line=parsed.source_map.concept_line(code),
                        message=f"concept {code!r} redeclares the native concept native.{code}: use the native one "
                        f"as it is, or give your concept another name (e.g. 'My{code}') that refines it",
                    )
                )
                continue
            ref = f"{bp.domain}.{code}"
            if ref in library.concepts.concepts:
                library.diagnostics.append(
                    Diagnostic(
                        error_type=ErrorType.DUPLICATE_DECLARATION,
                        file=file,
                        line=parsed.source_map.concept_line(code),
                        message=f"concept {ref!r} is declared twice in the library: keep one declaration",
                    )
                )
                continue
            library.concepts.add(bp.domain, code, concept_bp, source=file)
        for code, pipe_bp in bp.pipes.items():
            ref = f"{bp.domain}.{code}"
            existing = library.pipes.get(ref)
            if existing is not None:
                # A signature is satisfied by a concrete definition in another file: the concrete one wins,
                # and its contract is checked against the signature's (see the static checks).
                entry = PipeEntry(bp.domain, code, pipe_bp, bp, parsed.source_map)
                if existing.is_signature and not entry.is_signature:
                    library.pipes[ref] = entry
                    library.implemented_signatures[ref] = existing
                    continue
                if entry.is_signature and not existing.is_signature:
                    library.implemented_signatures[ref] = entry
                    continue
                library.diagnostics.append(
                    Diagnostic(
                        error_type=ErrorType.DUPLICATE_DECLARATION,
                        file=file,
                        line=parsed.source_map.pipe_line(code),
                        pipe=code,
                        message=f"pipe {ref!r} is declared twice in the library (also in "
                        f"{existing.file}): keep one declaration",
                    )
                )
                continue
            library.pipes[ref] = PipeEntry(bp.domain, code, pipe_bp, bp, parsed.source_map)
    return library


@lru_cache(maxsize=4096)
def pipe_ref_parts(ref: str) -> tuple[str | None, str | None, str] | None:
    """``(package, domain, code)`` of a pipe reference as :data:`PIPE_REF_RE` reads it (a part not written is
    None), or None when ``ref`` is not one. Cached: a library's references are few and read again and again (each
    step of a sequence, by its static check and by every run), and a match with its groups costs more than the
    lookup."""
    match = PIPE_REF_RE.match(ref)
    if match is None:
        return None
    return match.group("package"), match.group("domain"), match.group("code")
