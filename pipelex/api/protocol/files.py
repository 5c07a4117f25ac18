"""A request's method: the protocol's ``files`` tree, or our ``mthds_contents`` list, as bundle texts with names.

``files`` maps tree paths to entries: the file's text, ``{"base64": ...}``, or ``{"sha256", "size"}`` naming
a blob this server holds (``POST /v1/blobs/missing``). The map is read by ``mthds``' own receiver
(``read_file_map``), so every refusal the standard defines (a path that is no tree path, a name the
membership rule excludes, colliding paths, a malformed entry, a blob not held) is decided as the
standard says. The bundles are the tree's ``.mthds`` files, in tree-path order; diagnostics name them by
their tree path. ``mthds_contents`` (our documented alias) names its texts ``<bundle N>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pipelex.api.problems import ApiProblem
from pipelex.api.protocol.blobs import ApiBlobStore
from pipelex.api.security import Hold
from pipelex.narrowing import is_json_object, wide_encoding

MTHDS_SUFFIX = ".mthds"


@dataclass(frozen=True)
class MethodSources:
    """The bundle texts of a request and the name of each (a tree path, or ``<bundle N>``)."""

    texts: list[str]
    names: list[str]
    other_files: tuple[str, ...] = ()

    def rename(self, text: str) -> str:
        """``text`` with each ``<bundle N>`` (how the core names bundle texts) replaced by the bundle's name."""
        for index in range(len(self.names), 0, -1):
            placeholder = f"<bundle {index}>"
            if placeholder in text:
                text = text.replace(placeholder, self.names[index - 1])
        return text

    def name_of(self, file: str | None) -> str | None:
        """The name of a diagnostic's file (``<bundle N>`` becomes the tree path)."""
        return None if file is None else self.rename(file)


class _RequestBlobs:
    """The blobs one request's tree names, each read once however many entries name it (``mthds``' reader asks
    the store once per entry: 40 entries naming one 60 MB blob held 2.4 GB), and kept only at a size an entry
    declares (a blob read at another size is a missing one, its bytes dropped at once)."""

    def __init__(self, blobs: ApiBlobStore, declared: dict[str, set[int]]) -> None:
        self.blobs = blobs
        self.declared = declared
        self.read: dict[str, bytes | None] = {}

    def read_blob(self, sha256: str) -> bytes | None:
        if sha256 not in self.read:
            data = self.blobs.read_blob(sha256)
            self.read[sha256] = (
                data if data is not None and len(data) in self.declared.get(sha256, ()) else None
            )
        return self.read[sha256]


def declared_blobs(files: dict[str, Any]) -> dict[str, set[int]]:
    """The sizes the hash entries of ``files`` declare, by hash."""
    sizes: dict[str, set[int]] = {}
    for entry in files.values():
        if is_json_object(entry):
            sha, size = entry.get("sha256"), entry.get("size")
            if isinstance(sha, str) and isinstance(size, int) and not isinstance(size, bool):
                sizes.setdefault(sha, set()).add(size)
    return sizes


def sources_of(
    *,
    files: dict[str, Any] | None,
    mthds_contents: list[str] | None,
    blobs: ApiBlobStore | None,
    hold: Hold | None = None,
) -> MethodSources:
    """The bundles of a request, from ``files`` (read as the standard reads a map of file entries) or ``mthds_contents``.

    The blobs the tree names by hash are read into this process: each distinct blob once, their bytes counted in
    the request's ``hold`` (``[api] max_held_body_bytes``) before any is read, and a tree naming more than that
    budget is refused. It reads files: call it off the event loop.

    Raises :class:`ApiProblem`: ``blobs-missing`` naming the hashes the server does not hold,
    ``tree-refused`` for a map the standard refuses, ``request-invalid`` for a tree with no ``.mthds``
    bundle or a bundle that is not UTF-8, ``body-too-large`` for a tree whose blobs pass the budget,
    ``server-busy`` when they would pass what the requests in progress leave of it.
    """
    if files is None:
        texts = list(mthds_contents or [])
        return MethodSources(texts=texts, names=[f"<bundle {i + 1}>" for i in range(len(texts))])
    from mthds.method_tree.exceptions import MethodTreeError, MethodTreeRefusedError
    from mthds.method_tree.file_entry import read_file_map
    from mthds.method_tree.vocabulary import TreeRefusalCode

    declared = declared_blobs(files)
    named = sum(max(0, *sizes) for sizes in declared.values())
    if hold is not None and named:
        budget = hold.ledger.budget
        if budget is not None and named > budget:
            raise ApiProblem(
                "body-too-large",
                f"`files` names {named} bytes of blobs by hash, more than this server loads for one request "
                f"({budget} bytes, [api] max_held_body_bytes): send a smaller method tree",
                params={"limit": budget, "size": named},
            )
        hold.take(named)
    try:
        reading = read_file_map(
            json.dumps(files), blob_store=_RequestBlobs(blobs, declared) if blobs is not None else None
        )
    except MethodTreeRefusedError as exc:
        refusal = exc.refusal
        if refusal.code is TreeRefusalCode.MISSING_BLOB:
            raise ApiProblem(
                "blobs-missing",
                f"this server does not hold {len(refusal.names)} file(s) the request sends by hash: upload them "
                "(POST /v1/blobs/missing names each with its upload link), then send the request again",
                params={"missing_blobs": list(refusal.names)},
            ) from exc
        raise ApiProblem(
            "tree-refused",
            f"`files` is not a method tree this server can read ({refusal.code.value}: "
            f"{', '.join(refusal.names) or 'no file'}): {exc}",
            params={"reason": refusal.code.value},
            errors=[_field_item("body.files", str(exc), "method.package_invalid")],
        ) from exc
    except MethodTreeError as exc:
        raise ApiProblem(
            "request-invalid", f"`files` cannot be read: {exc}", errors=[_field_item("body.files", str(exc))]
        ) from exc
    texts: list[str] = []
    names: list[str] = []
    others: list[str] = []
    for tree_path in sorted(reading.contents):
        data = reading.contents[tree_path]
        if not tree_path.endswith(MTHDS_SUFFIX):
            others.append(tree_path)
            continue
        try:
            texts.append(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            wide = wide_encoding(data)
            detail = (
                f"the bundle {tree_path!r} is {wide} text, not UTF-8: save it as UTF-8"
                if wide is not None
                else f"the bundle {tree_path!r} is not UTF-8 text ({exc.reason} at byte {exc.start}): save it as UTF-8"
            )
            raise ApiProblem(
                "request-invalid", detail, errors=[_field_item(f"body.files.{tree_path}", detail)]
            ) from exc
        names.append(tree_path)
    if not texts:
        detail = (
            f"`files` holds no .mthds bundle ({len(others)} other file(s)): send the method's bundles, "
            'e.g. {"files": {"method.mthds": "<bundle text>"}}'
        )
        raise ApiProblem("request-invalid", detail, errors=[_field_item("body.files", detail)])
    return MethodSources(texts=texts, names=names, other_files=tuple(others))


def _field_item(field: str, detail: str, code: str = "request.invalid") -> dict[str, Any]:
    return {"code": code, "detail": detail, "location": {"field": field}, "field": field, "message": detail}
