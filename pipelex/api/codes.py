"""Our errors in the protocol's vocabulary: a registry ``code`` for every problem kind and diagnostic type.

Every problem document the API sends carries ``code`` (a core code of the ``mthds`` error registry),
and the ``domain``, ``retry`` verdict and ``next_step`` kind the registry declares for it; its ``type``
is ``https://mthds.ai/errors/<code>``. Our own words stay: ``detail`` and ``next_step.detail`` say
what is wrong and how to fix it, and our ``error_type`` (the corpus vocabulary) rides beside the code.
"""

from __future__ import annotations

from typing import Any

from mthds.protocol.problem.client_problems import render_template
from mthds.protocol.problem.registry import CORE_BASE_URL, CORE_CODE_SPECS, CodeSpec, StepKind

# our problem kinds (pipelex.api.problems) -> the default core code
KIND_CODES: dict[str, str] = {
    "request-invalid": "request.invalid",
    "bundle-invalid": "method.invalid",
    "input-invalid": "input.invalid",
    "input-refused": "security.input_url_refused",
    "pipe-failed": "run.failed",
    "pipe-func-refused": "runtime.unsupported",
    "bad-request": "request.malformed",
    "unauthorized": "auth.missing_credential",
    "forbidden": "auth.forbidden",
    "not-found": "request.not_found",
    "method-not-allowed": "request.method_not_allowed",
    "body-too-large": "request.too_large",
    "unsupported-media-type": "request.malformed",
    "too-many-runs": "runtime.unavailable",
    "server-busy": "runtime.unavailable",
    "storage-full": "account.quota_exhausted",
    "storage-unavailable": "runtime.unavailable",
    "run-limit-exceeded": "input.too_large",  # the deadline and template budget have codes of their own (below)
    "request-timeout": "request.malformed",
    "provider-failed": "provider.failed",
    "provider-not-configured": "runtime.misconfigured",
    "backend-unavailable": "runtime.unavailable",
    "server-misconfigured": "runtime.misconfigured",
    "internal-error": "runtime.unexpected",
    "blobs-missing": "request.blobs_missing",
    "tree-refused": "method.package_invalid",
    "run-not-found": "run.not_found",
    "run-not-finished": "run.not_finished",
    "run-failed": "run.failed",
    "run-cancelled": "run.cancelled",
    "run-already-ended": "run.already_ended",
    "pipe-not-found": "request.pipe_not_found",
    "pipe-unspecified": "request.pipe_unspecified",
    "unsupported": "request.unsupported",
}

# our diagnostic types (pipelex.diagnostics.ErrorType) -> the core code of the same fault
ERROR_TYPE_CODES: dict[str, str] = {
    "toml_syntax": "method.syntax",
    "file_unreadable": "method.syntax",
    "schema_violation": "method.schema_violation",
    "invalid_concept_spec": "method.schema_violation",  # the reference: a malformed spec breaks the schema
    "unknown_pipe_type": "method.pipe_type_invalid",
    "missing_pipe_type": "method.pipe_type_invalid",
    "invalid_pipe_code_syntax": "method.identifier_invalid",
    "invalid_input_name": "method.identifier_invalid",
    "binding_step_invalid": "method.binding_step_invalid",
    "native_concept_redeclaration": "method.name_conflict",
    "duplicate_declaration": "method.name_conflict",
    "package_invalid": "method.package_invalid",
    "batch_item_name_collision": "method.name_conflict",
    "unresolved_concept": "method.concept_unresolved",
    "unresolved_pipe_dependency": "method.pipe_unresolved",
    "unresolved_package_dependency": "method.dependency_missing",
    "unknown_model": "model.unknown",
    "model_unspecified": "model.unspecified",
    "pipe_cycle": "method.cycle",
    "concept_cycle": "method.cycle",
    "missing_input_variable": "method.input_undeclared",
    "extraneous_input_variable": "method.input_unused",
    "input_stuff_spec_mismatch": "method.input_concept_mismatch",
    "inadequate_output_concept": "method.output_concept_mismatch",
    "llm_output_cannot_be_image": "method.output_concept_mismatch",
    "inadequate_output_multiplicity": "method.output_multiplicity_mismatch",
    "binding_path_unresolved": "method.field_path_unresolved",
    "optional_marker_invalid": "method.optional_marker_invalid",
    "optional_not_handled": "method.optional_unhandled",
    "optional_output_required": "method.optional_unhandled",
    "optional_input_unguarded": "method.optional_unhandled",
    "optional_branch_required_field": "method.optional_unhandled",
    "optional_force_redundant": "method.optional_force_redundant",
    "hint_unknown_key": "method.hint_invalid",  # the three hint warnings: one core code
    "hint_unknown_intent": "method.hint_invalid",
    "hint_inapplicable_intent": "method.hint_invalid",
    "template_private_name": "method.template_private_name",
    # the reference: a template that does not parse breaks the schema (a prompt, a condition's expression, an inline
    # `@`: "Validation error at 'pipe.x': Could not detect required variables in prompt"); its
    # method.template_invalid is a template that fails when rendered (ours: DryRunError)
    "template_syntax": "method.schema_violation",
    "mock_unsatisfiable": "method.mock_unsatisfiable",
    "not_runnable": "method.not_runnable",
    "signature_mismatch": "method.signature_mismatch",
    "resource_missing": "method.resource_missing",
    "limit_exceeded": "method.schema_violation",  # a spec past a [limits] bound of the server (e.g. Text[N])
    "pipe_output_invalid": "pipe.output_invalid",
    # run-time error types of PipeRunError
    "template_render_failed": "pipe.template_render_failed",
    "condition_unmatched": "pipe.condition_unmatched",
    "condition_refused": "pipe.condition_refused",
    "forced_input_absent": "pipe.forced_input_absent",
    "stack_overflow": "pipe.stack_overflow",
    "unknown_pipe": "method.pipe_unresolved",
    "missing_input": "pipe.input_unresolved",
    "input_unreadable": "input.file_unreadable",
    "read_refused": "security.method_url_refused",
    "pipe_func_function_refused": "method.function_invalid",
    "doc_gen_format_not_supported": "model.capability_unsupported",
    "provider_missing_key": "runtime.misconfigured",
    "provider_not_configured": "runtime.misconfigured",
    "provider_no_model": "model.unavailable",
    "provider_engine_missing": "runtime.misconfigured",
    "provider_unsupported_input": "input.file_type_unsupported",
    "provider_unsupported": "model.capability_unsupported",
    "provider_no_text_layer": "input.file_unreadable",
    "provider_rate_limited": "provider.rate_limited",
    "provider_timeout": "provider.timeout",
    "provider_unavailable": "provider.unavailable",
    "provider_auth": "provider.credential_refused",
    "provider_refused": "model.content_refused",
    "provider_error": "provider.failed",
    "internal_error": "runtime.unexpected",
}

# what to do next, by step kind, when the registry's own sentence needs parameters we do not have
_STEP_FALLBACK: dict[str, str] = {
    StepKind.RETRY: "Send the same request again.",
    StepKind.WAIT: "Wait a moment, then send the request again.",
    StepKind.READ_RUN: "Read the run by its id to learn how it ended.",
    StepKind.REFRESH: "Read the current state again, then repeat the operation.",
    StepKind.CHANGE_INPUT: "Correct the request as the detail says, then send it again.",
    StepKind.CHANGE_METHOD: "Fix the method as the detail says, then validate it again (POST /v1/validate).",
    StepKind.CHANGE_MODEL: "Name a model this runner serves (GET /v1/models), then validate the method again.",
    StepKind.CHECK_CREDENTIALS: "Send this server's API key as `Authorization: Bearer <key>`.",
    StepKind.REQUEST_ACCESS: "Ask the server's operator for access.",
    StepKind.CHECK_ACCOUNT: "Check the account's limits with the server's operator.",
    StepKind.FIX_CONFIGURATION: "Ask the server's operator to fix its configuration as the detail says.",
    StepKind.UPGRADE: "Check the routes this server serves in its OpenAPI document (/openapi.json).",
    StepKind.CONTACT_OWNER: "Ask the method's owner to fix it.",
    StepKind.REPORT: "Report the problem to the server's operator, quoting the detail.",
}


def spec_of(code: str) -> CodeSpec:
    """The registry entry of a core code (a ``KeyError`` for a code the registry does not hold: a bug of ours)."""
    return CORE_CODE_SPECS[code]


def code_for_error_type(error_type: str | None, default: str = "method.invalid") -> str:
    """The core code of one of our ``error_type`` values."""
    if error_type is None:
        return default
    return ERROR_TYPE_CODES.get(error_type, default)


def declared_params(code: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters the code declares, of those given, leaving out unknown values (``None``)."""
    names = {p.name for p in spec_of(code).params}
    return {name: value for name, value in params.items() if name in names and value is not None}


def next_step(
    code: str, params: dict[str, Any] | None = None, *, detail: str | None = None
) -> dict[str, str]:
    """The ``next_step`` member: the registry's kind, and its sentence (ours when given, else the registry's)."""
    spec = spec_of(code)
    step = spec.actor_step
    if detail is None:
        try:
            detail = render_template(step.detail, params=params or {})
        except ValueError:  # the sentence names a parameter we do not know
            detail = _STEP_FALLBACK.get(step.kind, "See the detail.")
    return {"kind": step.kind.value, "detail": detail}


def core_members(code: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """``type``, ``code``, ``domain``, ``retry``, ``next_step`` (and ``params``) of a problem with this core code."""
    spec = spec_of(code)
    kept = declared_params(code, params or {})
    members: dict[str, Any] = {
        "type": f"{CORE_BASE_URL}/{code}",
        "code": code,
        "domain": spec.domain.value,
        "retry": spec.retry.value,
        "next_step": next_step(code, kept),
    }
    if kept:
        members["params"] = kept
    return members
