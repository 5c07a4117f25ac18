"""Our results in the protocol's shapes: the ``/validate`` verdict, the model deck, and a started run's reads.

Each function returns plain JSON data; the tests read every one back through ``mthds``' and
``pipelex-sdk``'s own models, so a shape that drifts from the contract fails there.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pipelex.api.problems import diagnostic_item
from pipelex.diagnostics import Diagnostic
from pipelex.narrowing import is_json_object

if TYPE_CHECKING:
    from pipelex.api.protocol.files import MethodSources
    from pipelex.api.runs import RunRecord
    from pipelex.config.deck import ModelDeck

# our model categories -> the protocol's ModelCategory values (a category it lacks keeps its raw value)
_CATEGORIES = {
    "llm": "llm",
    "extract": "extract",
    "img_gen": "img_gen",
    "image_gen": "img_gen",
    "search": "search",
    "judge": "judgment",
}
MODEL_CATEGORIES = ("llm", "extract", "img_gen", "search", "judgment")


# ---------------------------------------------------------------------------------------------------- /validate
def validation_answer(raw: bytes, sources: MethodSources, *, render_markdown: bool) -> dict[str, Any]:
    """The ``/validate`` 200 body: our report (``pipelex validate --format json``) as the protocol's verdict union.

    ``errors`` and ``warnings`` become problem items (``code``, ``detail``, ``params``, ``location`` with our
    file/line/pipe/field, plus our flat members); an invalid verdict carries ``message`` and at least one
    error. Our other members (``validated_pipes``, ``graph``, ``backend``, ...) ride as extensions.
    """
    report: dict[str, Any] = json.loads(raw)
    errors = [_item(d, sources) for d in report.get("errors", [])]
    warnings = [_item(d, sources) for d in report.get("warnings", [])]
    verdicts = report.get("validated_pipes", [])
    if report.get("bundle_path"):
        report["bundle_path"] = sources.rename(report["bundle_path"])
    for verdict in verdicts:
        if verdict.get("message"):
            verdict["message"] = sources.rename(verdict["message"])
    if not report.get("is_valid") and not errors:
        # a failure only the dry-run sweep saw: one item per failed pipe
        for verdict in verdicts:
            if verdict.get("status") == "FAILURE":
                errors.append(
                    _item(
                        {
                            "error_type": verdict.get("error_type") or "DryRunError",
                            "message": verdict.get("message")
                            or f"pipe {verdict['pipe_ref']} failed its dry run",
                            "pipe": verdict["pipe_ref"],
                        },
                        sources,
                    )
                )
        if not errors:
            errors.append(
                _item({"error_type": "DryRunError", "message": "the method does not validate"}, sources)
            )
    report["errors"] = errors
    report["warnings"] = warnings
    names = ", ".join(sources.names)
    if report.get("is_valid"):
        total = report.get("total_pipes", 0)
        report["message"] = f"the method is valid: {total} pipe(s) of {names} validated" + (
            f", {len(warnings)} warning(s)" if warnings else ""
        )
    else:
        report["is_runnable"] = False
        report["message"] = f"the method does not validate: {len(errors)} error(s) in {names}"
    if render_markdown:
        report["rendered_markdown"] = _markdown(report)
    return report


def _item(d: dict[str, Any], sources: MethodSources) -> dict[str, Any]:
    diagnostic = Diagnostic.model_validate({k: v for k, v in d.items() if k in Diagnostic.model_fields})
    return diagnostic_item(diagnostic, rename=sources.rename).model_dump(mode="json", exclude_none=True)


def _markdown(report: dict[str, Any]) -> str:
    lines = [f"# {'Valid' if report['is_valid'] else 'Invalid'} method", "", report["message"], ""]
    for title, items in (("Errors", report["errors"]), ("Warnings", report["warnings"])):
        if items:
            lines += [f"## {title}", ""]
            for item in items:
                where = item.get("location", {})
                place = f"{where['file']}:{where['line']}" if where.get("line") else where.get("file", "")
                pipe = f" (pipe `{where['pipe']}`)" if where.get("pipe") else ""
                lines.append(f"- `{item['code']}` {place}{pipe}: {item['detail']}")
            lines.append("")
    verdicts = report.get("validated_pipes", [])
    if verdicts:
        lines += ["## Pipes", ""]
        lines += [f"- `{v['pipe_ref']}`: {v['status']}" for v in verdicts]
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------------- /models
def models_answer(deck: ModelDeck, category: str | None) -> dict[str, Any]:
    """``GET /v1/models``: ``models: [{name, type}]`` (one per handle, with its provider, capabilities and prices).

    Our deck's naming layers ride as extensions: ``handles`` (as before), the names per category
    (``categories``) and flattened (``aliases``, ``presets``, ``waterfalls``: the LLM meaning first).
    """
    from pipelex.config.deck import CATEGORY_ORDER

    models: list[dict[str, Any]] = []
    handles: list[dict[str, Any]] = []
    for h in deck.handles.values():
        kind = _CATEGORIES.get(h.category.value, h.category.value)
        entry = {
            "handle": h.handle,
            "backend": h.backend,
            "model_id": h.model_id,
            "category": h.category.value,
            "inputs": list(h.inputs),
            "outputs": list(h.outputs),
            "input_price": h.input_price,
            "output_price": h.output_price,
        }
        handles.append(entry)
        if category is None or kind == category:
            models.append({"name": h.handle, "type": kind, **entry})
    categories = {
        cat.value: {
            "aliases": dict(deck.aliases[cat]),
            "presets": {name: preset.model for name, preset in deck.presets[cat].items()},
            "waterfalls": {name: list(chain) for name, chain in deck.waterfalls[cat].items()},
        }
        for cat in CATEGORY_ORDER
    }
    flat: dict[str, dict[str, Any]] = {"aliases": {}, "presets": {}, "waterfalls": {}}
    for names in reversed(categories.values()):  # the LLM meaning of a name wins
        for table in flat:
            flat[table].update(names[table])
    return {"models": models, "handles": handles, **flat, "categories": categories}


# ---------------------------------------------------------------------------------------------------- runs
_STATUS = {"running": "RUNNING", "succeeded": "COMPLETED", "failed": "FAILED", "cancelled": "CANCELLED"}
_PROGRESS_STATUS = {
    "running": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
}
_INVOCATION_STATUS = {
    "running": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "checked": "succeeded",
    "skipped": "skipped",
}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def run_read(record: RunRecord) -> dict[str, Any]:
    """``GET /v1/runs/{id}/status``: the run record (``pipeline_run_id``, ``status``, times, ``error``)."""
    body: dict[str, Any] = {
        "pipeline_run_id": record.run_id,
        "pipe_code": record.pipe_code,
        "status": _STATUS[record.status.value],
        "created_at": _iso(record.created_at),
        "finished_at": _iso(record.finished_at),
        "degraded": False,
        "backend": record.backend,
        "dry_run": record.dry_run,
    }
    if record.problem is not None:
        body["error"] = record.problem.model_dump(mode="json", exclude_none=True)
    return body


def run_results_document(record: RunRecord) -> dict[str, Any]:
    """``GET /v1/runs/{id}/results`` 200: the main stuff's content, the working memory, the pipe output, the graph."""
    assert record.result_json is not None
    result: dict[str, Any] = json.loads(record.result_json)
    main = result.get("main_stuff")
    return {
        "pipeline_run_id": record.run_id,
        "main_stuff": main.get("content") if is_json_object(main) and not main.get("absent") else None,
        "main_stuff_name": result.get("main_stuff_name"),
        "working_memory": result["pipe_output"]["working_memory"],
        "pipe_output": result["pipe_output"],
        "graph_spec": None,
        "graph": result.get("graph"),
        "usage": result.get("usage"),
        "pipe_code": result.get("pipe_code"),
        "run_mode": result.get("run_mode"),
        "backend": result.get("backend"),
    }


def run_progress(record: RunRecord) -> dict[str, Any]:
    """``GET /v1/runs/{id}/progress``: the run's status and, once it ended, one invocation per pipe run of its graph.

    While a run is in progress its graph is not readable from here, so the snapshot lists no invocation
    (the contract allows it: a run that has written no progress event answers with none).
    """
    invocations: list[dict[str, Any]] = []
    summary = f"Running {record.pipe_code or 'the main pipe'}"
    if record.result_json is not None:
        graph: dict[str, Any] = json.loads(record.result_json).get("graph") or {}
        nodes: list[dict[str, Any]] = graph.get("nodes", [])
        for node in nodes:
            timing: dict[str, Any] = node.get("timing", {})
            invocation: dict[str, Any] = {
                "path": node["path"],
                "pipe_code": node["pipe_code"],
                "pipe_ref": f"{node['domain']}.{node['pipe_code']}"
                if node.get("domain")
                else node["pipe_code"],
                "pipe_type": node["pipe_type"],
                "status": _INVOCATION_STATUS.get(node.get("status", ""), node.get("status", "")),
                "started_at": _epoch_iso(timing.get("started_at")),
                "ended_at": _epoch_iso(timing.get("ended_at")),
            }
            invocations.append(invocation)
        summary = f"Succeeded: {len(invocations)} pipe run(s)"
    elif record.problem is not None:
        summary = (
            f"{'Cancelled' if record.status.value == 'cancelled' else 'Failed'}: {record.problem.detail}"
        )
    return {
        "pipeline_run_id": record.run_id,
        "mode": "dry" if record.dry_run else "live",
        "status": _PROGRESS_STATUS[record.status.value],
        "version": len(invocations) + (0 if record.finished_at is None else 1),
        "assembled_at": _iso(datetime.now(UTC)),
        "summary": summary,
        "invocations": invocations,
    }


def _epoch_iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return _iso(datetime.fromtimestamp(seconds, UTC))


# ---------------------------------------------------------------------------------------------------- /models/check
CHECK_CATEGORIES = (*MODEL_CATEGORIES, "doc_gen")


def model_check(deck: ModelDeck, reference: str, category: str | None) -> dict[str, Any]:
    """``GET /v1/models/check``: whether a model reference resolves on this deck, in which categories, to which handles.

    Each category is checked as its pipes read names (a PipeImgGen's ``@default-small`` is the image one);
    ``category`` narrows the check to one. Always a verdict: ``resolution`` ``resolved``, or ``not_found`` with
    ``suggestions``. The caller has checked that ``reference`` is not blank and ``category`` is known.
    """
    import difflib

    from pipelex.config.deck import CATEGORY_ORDER, LOOKUP_ORDER
    from pipelex.language.model_ref import ModelRef

    ref = ModelRef.parse(reference)
    kind, name = ref.kind.value, ref.name
    tables: dict[str, Any] = {"preset": deck.presets, "alias": deck.aliases, "waterfall": deck.waterfalls}
    matches: list[dict[str, Any]] = []
    other_categories: list[str] = []
    for cat in CATEGORY_ORDER:
        label = _CATEGORIES.get(cat.value, cat.value)
        resolved = deck.resolve_model(ref, cat)
        if resolved is None or not resolved.handles:
            continue
        if category is not None and label != category:
            other_categories.append(label)
            continue
        match: dict[str, Any] = {"category": label, "resolves_to": resolved.handles[0].handle}
        if kind == "handle":
            match["via"] = []
        else:
            home = next((c for c in LOOKUP_ORDER[cat] if name in tables[kind][c]), cat)
            found = tables[kind][home][name]
            if kind == "preset":
                match.update(target=found.model, description=found.description or None)
            elif kind == "alias":
                match["target"] = found
            else:
                match["fallbacks"] = list(found)
        matches.append(match)
    if kind == "handle":
        known = list(deck.handles)
    else:
        known = sorted({n for c in CATEGORY_ORDER for n in tables[kind][c]})
    other_kinds = [
        k for k, table in tables.items() if k != kind and any(name in table[c] for c in CATEGORY_ORDER)
    ]
    if kind != "handle" and name in deck.handles:
        other_kinds.append("handle")
    return {
        "reference": reference.strip(),
        "name": name,
        "kind": kind,
        "category": category,
        "resolution": "resolved" if matches else "not_found",
        "matches": matches,
        "suggestions": [] if matches else difflib.get_close_matches(name, known, n=5),
        "other_kinds": other_kinds,
        "other_categories": other_categories,
    }
