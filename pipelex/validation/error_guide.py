"""What each ``error_type`` means and how a bundle author usually fixes it.

One entry per error type a diagnostic can carry (``ErrorType``); ``explain`` answers an unknown name with the
list of known ones. Used by ``pipelex mcp serve`` (the ``explain_error`` tool) and kept beside the vocabulary so a
new error type without an explanation fails a test.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from pipelex.language.blueprint import PIPE_TYPES


class ErrorExplanation(BaseModel):
    """One error type: the stage that reports it, what it means, and the usual fix."""

    model_config = ConfigDict(frozen=True)

    error_type: str
    stage: str
    meaning: str
    fix: str


_LOAD, _RESOLVE, _STATIC, _SWEEP = "load and schema", "resolution", "static checks", "dry-run sweep"

_GUIDE: dict[str, tuple[str, str, str]] = {
    "toml_syntax": (
        _LOAD,
        "The file is not valid TOML (an unclosed string or bracket, a duplicated key, a bad value).",
        "Fix the TOML at the line given; a TOML-aware editor shows the spot.",
    ),
    "file_unreadable": (
        _LOAD,
        "A bundle file could not be read (missing, not a file, not UTF-8, or refused).",
        "Check the path and that the file is UTF-8 text with the .mthds extension.",
    ),
    "schema_violation": (
        _LOAD,
        "A declaration breaks a rule of the language: an unknown field, a missing required "
        "field, or a value of the wrong type.",
        "Compare the declaration with the language guide (docs/language.md); remove misspelt "
        "fields and give required ones.",
    ),
    "invalid_concept_spec": (
        _LOAD,
        "A concept declaration is malformed: a bad structure field, an unknown field "
        "type, a bad choice list or default.",
        "Fix the concept's structure; each field needs a known type (text, integer, number, "
        "boolean, date, list, dict, concept) and a description.",
    ),
    "unknown_pipe_type": (
        _LOAD,
        "A pipe's `type` is not one of the pipe types of the language.",
        f"Use one of {', '.join(PIPE_TYPES)}.",
    ),
    "missing_pipe_type": (
        _LOAD,
        "A pipe has no `type` field.",
        'Add `type = "PipeLLM"` (or the pipe type you mean) to the pipe\'s table.',
    ),
    "invalid_pipe_code_syntax": (
        _LOAD,
        "A pipe code is not snake_case.",
        "Rename the pipe to lower snake_case (letters, digits, underscores).",
    ),
    "invalid_input_name": (
        _LOAD,
        "An input name is not a plain identifier (for example it holds a dot).",
        "Name inputs with snake_case identifiers; reach into a field in templates instead.",
    ),
    "binding_step_invalid": (
        _LOAD,
        "A binding step (`{ from = ..., result = ... }`) is malformed or used outside a PipeSequence.",
        "Use binding steps only in a sequence's `steps`, with both `from` and `result`.",
    ),
    "native_concept_redeclaration": (
        _LOAD,
        "A bundle declares a concept with the name of a native concept (Text, Image, Document, ...).",
        "Rename the concept, or use the native one without declaring it.",
    ),
    "duplicate_declaration": (
        _LOAD,
        "The same concept or pipe is declared twice in one domain.",
        "Keep one declaration, or move one to another domain.",
    ),
    "unresolved_concept": (
        _RESOLVE,
        "A concept reference names no concept of the library.",
        "Declare the concept, fix its spelling, or qualify it with its domain (`domain.Concept`).",
    ),
    "unresolved_pipe_dependency": (
        _RESOLVE,
        "A controller refers to a pipe that is not declared.",
        "Declare the pipe, fix the code, or load the bundle that declares it (-L DIR).",
    ),
    "unresolved_package_dependency": (
        _RESOLVE,
        "A reference names a package that is not a dependency.",
        "Declare the dependency in METHODS.toml, or fix the package alias.",
    ),
    "unknown_model": (
        _RESOLVE,
        "A model reference names no model, alias, preset or waterfall of the deck for "
        "the category the pipe needs.",
        "Use a model of the right category (`pipelex show models` lists them) or add it to [models].",
    ),
    "model_unspecified": (
        _RESOLVE,
        "An operator names no model, and the model deck names no default for its category (judgment has none).",
        'Name the model on the pipe (model = "@default-judgment"), or set one under [models.defaults].',
    ),
    "pipe_cycle": (
        _RESOLVE,
        "Controllers call each other in a cycle, so a run would never end.",
        "Break the cycle: a pipe must not (indirectly) run itself.",
    ),
    "concept_cycle": (
        _RESOLVE,
        "A concept refines itself, or its structure holds itself (directly or through other concepts, even in an "
        "optional field or a list), so no value of it could ever be built.",
        "Break the loop: keep the nested fields in a concept of their own, or refer to the other value by an "
        "identifier.",
    ),
    "missing_input_variable": (
        _STATIC,
        "A prompt or template uses a variable that the pipe's inputs do not "
        "declare, or a step reads a name nothing produced.",
        "Declare the input in `inputs`, or produce it in an earlier step.",
    ),
    "extraneous_input_variable": (
        _STATIC,
        "A pipe declares an input that it never uses.",
        "Remove the input, or use it in the prompt or template.",
    ),
    "input_stuff_spec_mismatch": (
        _STATIC,
        "What a step receives (concept or multiplicity) differs from what the sub-pipe declares.",
        "Make the producing step's output and the consuming pipe's input agree, including `[]`.",
    ),
    "inadequate_output_concept": (
        _STATIC,
        "A pipe's declared output does not fit what it produces (a controller's "
        "last step, or an operator that cannot make that concept).",
        "Declare the concept the pipe really produces, or a concept it refines.",
    ),
    "inadequate_output_multiplicity": (
        _STATIC,
        "A pipe's declared output multiplicity (`X`, `X[]`, `X[N]`) does not fit what it produces.",
        "Match the multiplicity: a batch outputs a list, a single step a single item.",
    ),
    "llm_output_cannot_be_image": (
        _STATIC,
        "A PipeLLM declares an image output; language models produce text and structures.",
        "Use PipeImgGen to generate images.",
    ),
    "batch_item_name_collision": (
        _STATIC,
        "A batch's item name collides with another input name.",
        "Give `input_item_name` a name that no other input uses.",
    ),
    "binding_path_unresolved": (
        _STATIC,
        "A binding step's `from` path names a field the stuff does not have.",
        "Fix the path to a field of the concept's structure.",
    ),
    "optional_marker_invalid": (
        _STATIC,
        "A `?` marker is used where the language does not allow it, or combined "
        "with a multiplicity in a way it does not define.",
        "Use `X?` for an optional single input; lists are never optional.",
    ),
    "optional_not_handled": (
        _STATIC,
        "An optional value is passed where a required one is expected.",
        "Guard it with a PipeCondition, or declare the receiving input optional.",
    ),
    "optional_output_required": (
        _STATIC,
        "A pipe that may produce nothing feeds a required input.",
        "Declare the consumer's input optional, or make the producer always produce.",
    ),
    "optional_input_unguarded": (
        _STATIC,
        "A template uses an optional input without checking that it is there.",
        "Use `@?name`, or wrap it in `{% if name %}...{% endif %}`.",
    ),
    "optional_branch_required_field": (
        _STATIC,
        "A condition's branch reads a field that may be absent.",
        "Guard the field, or make it required in the concept.",
    ),
    "hint_unknown_key": (
        _STATIC,
        "A warning: a `hints` table has a key this version of the standard does not define (it knows `intent`).",
        "Nothing to fix for validation (the entry is kept); check the key's spelling.",
    ),
    "hint_unknown_intent": (
        _STATIC,
        "A warning: an `intent` hint is not one of prose, label, rating, quantity.",
        "Nothing to fix for validation (the entry is kept); use one of the four words.",
    ),
    "hint_inapplicable_intent": (
        _STATIC,
        "A warning: an `intent` hint is on a site of the other kind (prose/label on a number, rating/quantity on a "
        "text, or either on a structure, a date, a list...).",
        "Nothing to fix for validation (the entry is kept); move the hint to a text or number site.",
    ),
    "optional_force_redundant": (
        _STATIC,
        "An optional marker or guard is applied to something that is always present.",
        "Remove the redundant `?` or guard.",
    ),
    "template_private_name": (
        _STATIC,
        "A template names a private variable (starting with `_`) that the runtime does not provide.",
        "Rename the variable; names starting with `_` are reserved for the runtime.",
    ),
    "template_syntax": (
        _STATIC,
        "A prompt or template is not valid Jinja.",
        "Fix the Jinja syntax at the place given (unclosed `{% %}` or `{{ }}`).",
    ),
    "signature_mismatch": (
        _STATIC,
        "A concrete pipe implements a signature (same code) but declares other inputs or another output.",
        "Make the definition keep the signature's contract (same input names, concepts and multiplicities, "
        "same output), or change the signature.",
    ),
    "package_invalid": (
        _LOAD,
        "A package manifest (METHODS.toml) of the method's folder is not valid TOML.",
        "Fix the TOML at the line given, or remove the file if the folder is not a package.",
    ),
    "resource_missing": (
        _STATIC,
        "A file a pipe names (a PipeDocGen's `template_file`) is not in the bundle's folder.",
        "Put the file beside the bundle and name it by its path relative to the bundle's folder, or write an "
        "inline `template` (pdf).",
    ),
    "limit_exceeded": (
        _STATIC,
        "The bundle asks for more work than this installation allows: a list size `Concept[N]` over [limits] "
        "max_list_items, a batch or list output over max_batch_items, or a template render over its budget.",
        "Ask for less (a smaller N, the input split into several runs, a simpler template), or raise the limit "
        "named in the message in pipelex.toml [limits] if you run the bundle yourself.",
    ),
    "DryRunError": (
        _SWEEP,
        "The pipe failed when dry-run with mocked inputs.",
        "Read the message: usually a template, a condition expression or a function fails on the "
        "mocked data.",
    ),
    "pipe_output_invalid": (
        _SWEEP,
        "The (mocked) output does not fit the declared output concept.",
        "Declare the concept the pipe really produces.",
    ),
    "mock_unsatisfiable": (
        _SWEEP,
        "No mock value can satisfy the concept's constraints.",
        "Relax the concept's constraints (choices, patterns) or give inputs explicitly.",
    ),
    "not_runnable": (
        _SWEEP,
        "The library still holds PipeSignature contracts, so it validates but cannot run.",
        "Replace each signature with a concrete pipe, or pass --allow-signatures to validate only.",
    ),
}


def explanation_of(error_type: str) -> ErrorExplanation | None:
    """The explanation of ``error_type``, or None if it is not an error type of ours."""
    entry = _GUIDE.get(error_type)
    if entry is None:
        return None
    stage, meaning, fix = entry
    return ErrorExplanation(error_type=error_type, stage=stage, meaning=meaning, fix=fix)


def known_error_types() -> list[str]:
    """Every error type that has an explanation."""
    return list(_GUIDE)


def all_explanations() -> list[ErrorExplanation]:
    """Every explanation, in the order of the stages."""
    return [ErrorExplanation(error_type=t, stage=s, meaning=m, fix=f) for t, (s, m, f) in _GUIDE.items()]
