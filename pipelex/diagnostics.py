"""Diagnostics: one problem found in a bundle, typed with an ``error_type`` from the corpus vocabulary.

The bottom layer with ``errors.py``: the language (parser, library), validation, the runner and the API all report
problems as diagnostics, so this module imports nothing of pipelex.
"""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class ErrorType(StrEnum):
    """Error types: the corpus vocabulary, plus the few load-level ones the language needs."""

    # load and schema level
    TOML_SYNTAX = "toml_syntax"
    FILE_UNREADABLE = "file_unreadable"
    SCHEMA_VIOLATION = "schema_violation"
    INVALID_CONCEPT_SPEC = "invalid_concept_spec"
    UNKNOWN_PIPE_TYPE = "unknown_pipe_type"
    MISSING_PIPE_TYPE = "missing_pipe_type"
    INVALID_PIPE_CODE_SYNTAX = "invalid_pipe_code_syntax"
    INVALID_INPUT_NAME = "invalid_input_name"
    BINDING_STEP_INVALID = "binding_step_invalid"
    NATIVE_CONCEPT_REDECLARATION = "native_concept_redeclaration"
    DUPLICATE_DECLARATION = "duplicate_declaration"
    PACKAGE_INVALID = "package_invalid"  # a package manifest (METHODS.toml) that is not valid TOML
    # resolution
    UNRESOLVED_CONCEPT = "unresolved_concept"
    UNRESOLVED_PIPE_DEPENDENCY = "unresolved_pipe_dependency"
    UNRESOLVED_PACKAGE_DEPENDENCY = "unresolved_package_dependency"
    UNKNOWN_MODEL = "unknown_model"
    MODEL_UNSPECIFIED = "model_unspecified"  # no `model`, and the deck names no default for the category
    PIPE_CYCLE = "pipe_cycle"
    CONCEPT_CYCLE = "concept_cycle"  # a concept refining or holding itself (the reference: method.cycle)
    # static checks
    MISSING_INPUT_VARIABLE = "missing_input_variable"
    EXTRANEOUS_INPUT_VARIABLE = "extraneous_input_variable"
    INPUT_STUFF_SPEC_MISMATCH = "input_stuff_spec_mismatch"
    INADEQUATE_OUTPUT_CONCEPT = "inadequate_output_concept"
    INADEQUATE_OUTPUT_MULTIPLICITY = "inadequate_output_multiplicity"
    LLM_OUTPUT_CANNOT_BE_IMAGE = "llm_output_cannot_be_image"
    BATCH_ITEM_NAME_COLLISION = "batch_item_name_collision"
    BINDING_PATH_UNRESOLVED = "binding_path_unresolved"
    OPTIONAL_MARKER_INVALID = "optional_marker_invalid"
    OPTIONAL_NOT_HANDLED = "optional_not_handled"
    OPTIONAL_OUTPUT_REQUIRED = "optional_output_required"
    OPTIONAL_INPUT_UNGUARDED = "optional_input_unguarded"
    OPTIONAL_BRANCH_REQUIRED_FIELD = "optional_branch_required_field"
    OPTIONAL_FORCE_REDUNDANT = "optional_force_redundant"
    HINT_UNKNOWN_KEY = "hint_unknown_key"  # the three hint ones are warnings (pipelex.validation.hints)
    HINT_UNKNOWN_INTENT = "hint_unknown_intent"
    HINT_INAPPLICABLE_INTENT = "hint_inapplicable_intent"
    TEMPLATE_PRIVATE_NAME = "template_private_name"
    TEMPLATE_SYNTAX = "template_syntax"
    SIGNATURE_MISMATCH = "signature_mismatch"
    RESOURCE_MISSING = "resource_missing"  # a file a pipe names (template_file) is not in its folder
    LIMIT_EXCEEDED = "limit_exceeded"  # a [limits] bound of pipelex.toml (e.g. `Text[N]` past max_list_items)
    # run level (dry-run sweep)
    DRY_RUN_ERROR = "DryRunError"
    PIPE_OUTPUT_INVALID = "pipe_output_invalid"
    MOCK_UNSATISFIABLE = "mock_unsatisfiable"
    NOT_RUNNABLE = "not_runnable"


class Severity(StrEnum):
    """Errors make a bundle invalid; warnings do not."""

    ERROR = "error"
    WARNING = "warning"


class Diagnostic(BaseModel):
    """One problem: its type, a message saying what is wrong and how to fix it, and where it is."""

    # defer_build: built at the first problem found (a valid bundle's validation makes none)
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    error_type: str
    message: str
    file: str | None = None
    line: int | None = None
    pipe: str | None = None
    field: str | None = None
    severity: Severity = Severity.ERROR

    def render(self) -> str:
        """One line for a console: ``file:line: [error_type] pipe 'x', field 'y': message``.

        One line whatever it quotes: a line break in it (a file name holding one, ``lib/x\\nSUCCESS.mthds``, in
        a library folder someone else made, here or in the message) is written out (``\\n``), so no part of it
        starts a line of its own that reads as the CLI's (``  SUCCESS  domain.pipe``, ``error: ...``)."""
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        ctx: list[str] = []
        if self.pipe:
            ctx.append(f"pipe {self.pipe!r}")
        if self.field:
            ctx.append(f"field {self.field!r}")
        ctx_text = (", ".join(ctx) + ": ") if ctx else ""
        return one_line(f"{where}[{self.error_type}] {ctx_text}{self.message}")


_LINE_BREAKS = {0x0A: "\\n", 0x0D: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def one_line(text: str) -> str:
    """``text`` with its line breaks written out (``\\n``, ``\\r``, ``\\u2028``, ``\\u2029``): a name or a
    diagnostic shown on one line of a console (the other controls are the console's to write out)."""
    return text.translate(_LINE_BREAKS) if not text.isprintable() else text
