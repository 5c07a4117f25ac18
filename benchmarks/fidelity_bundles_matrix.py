"""An error-type x context matrix (the sixth fidelity pass): each corpus ``error.*`` tag, in many places.

For every error tag of the corpus vocabulary that is not excluded, small invalid bundles put the one fault in
different contexts: which operator or controller carries it, whether the faulty pipe is the main pipe or a
sub-pipe reached through a sequence step, a batch step, a PipeBatch, a parallel branch, a condition outcome or
a nested sequence, in a dotted domain, with structured concepts, with lists and optionals. Each tag also gets
valid near misses (the smallest change that makes the bundle legal: a checker too strict is also wrong), and
a few bundles carry TWO faults of different types (the label depends on the order of the checks).

Case names are ``mx_<tag>__<context>``; ``fidelity.py`` writes and runs them like the other modules' cases.
Nothing here encodes an expected verdict: the two CLIs decide.
"""

from __future__ import annotations

CONCEPTS = """
[concept]
Note = "A note left at the front desk"
Summary = "A short summary of a note"

[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
title = { type = "text", description = "Title", required = true }
body = { type = "text", description = "Body" }
tags = { type = "list", item_type = "text", description = "Tags" }
"""


def _inputs(ins: dict[str, str]) -> str:
    return "{ " + ", ".join(f'{k if k.isidentifier() else repr(k)} = "{v}"' for k, v in ins.items()) + " }"


def head(main: str, domain: str = "front_desk", concepts: str = CONCEPTS) -> str:
    return f'domain = "{domain}"\ndescription = "Front desk notes"\nmain_pipe = "{main}"\n{concepts}\n'


def pipe(code: str, type_: str | None, ins: dict[str, str] | None, output: str, body: str) -> str:
    lines = [f"[pipe.{code}]"]
    if type_ is not None:
        lines.append(f'type = "{type_}"')
    lines.append(f'description = "The {code} pipe"')
    if ins:
        lines.append(f"inputs = {_inputs(ins)}")
    lines.append(f'output = "{output}"')
    return "\n".join(lines) + "\n" + body.strip("\n") + "\n\n"


def llm(code: str, ins: dict[str, str], output: str, prompt: str, extra: str = "") -> str:
    return pipe(code, "PipeLLM", ins, output, f'prompt = """\n{prompt}\n"""\n{extra}')


def compose(code: str, ins: dict[str, str], output: str, template: str) -> str:
    return pipe(code, "PipeCompose", ins, output, f'template = """\n{template}\n"""')


HEADLINE = llm("headline", {"note": "Note"}, "Summary", "Give a headline for: $note")
POLISH = llm("polish", {"summary": "Summary"}, "Summary", "Polish this summary: $summary")


def _listed(ins: dict[str, str]) -> dict[str, str]:
    return {("notes" if k == "note" else k): ("Note[]" if k == "note" else v) for k, v in ins.items()}


def wrap(ctx: str, leaf: str, ins: dict[str, str], out: str, code: str = "leaf") -> str:
    """A bundle whose ``leaf`` pipe (given) is reached in context ``ctx``; ``ins`` are its inputs (``note`` the
    one a batch splits), ``out`` its output."""
    if ctx == "main":
        return head(code) + leaf
    if ctx == "seq":
        return (
            head("run")
            + pipe(
                "run",
                "PipeSequence",
                ins,
                out,
                f'steps = [\n    {{ pipe = "{code}", result = "result" }},\n]',
            )
            + leaf
        )
    if ctx == "seq2":
        return (
            head("run")
            + pipe(
                "run",
                "PipeSequence",
                {**ins},
                out,
                f'steps = [\n    {{ pipe = "headline", result = "summary" }},\n    {{ pipe = "{code}", result = "result" }},\n]',
            )
            + HEADLINE
            + leaf
        )
    if ctx == "batch":
        return (
            head("run")
            + pipe(
                "run",
                "PipeSequence",
                _listed(ins),
                out.rstrip("?") + "[]",
                f'steps = [\n    {{ pipe = "{code}", batch_over = "notes", batch_as = "note", result = "results" }},\n]',
            )
            + leaf
        )
    if ctx == "pbatch":
        return (
            head("run")
            + pipe(
                "run",
                "PipeBatch",
                _listed(ins),
                out.rstrip("?") + "[]",
                f'branch_pipe_code = "{code}"\ninput_list_name = "notes"\ninput_item_name = "note"',
            )
            + leaf
        )
    if ctx == "par":
        return (
            head("run")
            + pipe(
                "run",
                "PipeParallel",
                ins,
                "Composite",
                f'add_each_output = true\nbranches = [\n    {{ pipe = "{code}", result = "result" }},\n    {{ pipe = "headline", result = "heading" }},\n]',
            )
            + HEADLINE
            + leaf
        )
    if ctx == "cond":
        return (
            head("run")
            + pipe(
                "run",
                "PipeCondition",
                ins,
                out,
                f'expression = "note.text"\noutcomes = {{ urgent = "{code}" }}\ndefault_outcome = "fail"',
            )
            + leaf
        )
    if ctx == "nested":
        return (
            head("run")
            + pipe(
                "run", "PipeSequence", ins, out, 'steps = [\n    { pipe = "inner", result = "result" },\n]'
            )
            + pipe(
                "inner",
                "PipeSequence",
                ins,
                out,
                f'steps = [\n    {{ pipe = "{code}", result = "inner_result" }},\n]',
            )
            + leaf
        )
    if ctx == "dom":
        return (
            head("run", domain="acme.front_desk")
            + pipe(
                "run",
                "PipeSequence",
                ins,
                out,
                f'steps = [\n    {{ pipe = "acme.front_desk.{code}", result = "result" }},\n]',
            )
            + leaf
        )
    raise ValueError(ctx)


NOTE = {"note": "Note"}
CTXS = ["main", "seq", "seq2", "batch", "pbatch", "par", "cond", "nested", "dom"]


def _leaf_cases(
    tag: str, leaves: list[tuple[str, str, dict[str, str], str]], ctxs: list[str]
) -> dict[str, str]:
    """Each leaf (label, text, inputs, output) in contexts, round-robin so every leaf and context shows up."""
    out: dict[str, str] = {}
    for i, ctx in enumerate(ctxs):
        label, text, ins, output = leaves[i % len(leaves)]
        out[f"mx_{tag}__{label}_{ctx}"] = wrap(ctx, text, ins, output)
    return out


def cases() -> dict[str, str | dict[str, str]]:
    c: dict[str, str | dict[str, str]] = {}

    # --- missing_input_variable -------------------------------------------------------------------------
    c.update(
        _leaf_cases(
            "missing_input_variable",
            [
                ("llm", llm("leaf", NOTE, "Summary", "Summarise $note for $customer"), NOTE, "Summary"),
                (
                    "compose",
                    compose("leaf", NOTE, "Summary", "{{ note.text }} / {{ customer }}"),
                    NOTE,
                    "Summary",
                ),
                ("llm_at", llm("leaf", NOTE, "Summary", "Summarise:\n@note\n@history"), NOTE, "Summary"),
                (
                    "llm_sys",
                    llm("leaf", NOTE, "Summary", "Summarise $note", 'system_prompt = "You write for $team."'),
                    NOTE,
                    "Summary",
                ),
            ],
            ["main", "seq", "batch", "pbatch", "par", "cond", "nested", "dom"],
        )
    )
    # the sequence does not provide what its step needs
    c["mx_missing_input_variable__step_unwired"] = (
        head("run")
        + pipe(
            "run", "PipeSequence", NOTE, "Summary", 'steps = [\n    { pipe = "leaf", result = "result" },\n]'
        )
        + llm("leaf", {"note": "Note", "ticket": "Ticket"}, "Summary", "Summarise $note for $ticket.title")
    )
    c["mx_missing_input_variable__imggen"] = head("leaf") + pipe(
        "leaf", "PipeImgGen", NOTE, "Image", 'prompt = "A picture of $note in $style"'
    )
    c["mx_missing_input_variable__ok_jinja_set"] = head("leaf") + llm(
        "leaf", NOTE, "Summary", "{% set who = 'team' %}Summarise $note for {{ who }}"
    )
    c["mx_missing_input_variable__ok_loop_var"] = head("leaf") + llm(
        "leaf", {"ticket": "Ticket"}, "Summary", "{% for t in ticket.tags %}{{ t }} {% endfor %}$ticket.title"
    )
    c["mx_missing_input_variable__ok_dollar_digit"] = head("leaf") + llm(
        "leaf", NOTE, "Summary", "Summarise $note, it cost $100 and $ alone"
    )

    # --- extraneous_input_variable ----------------------------------------------------------------------
    two = {"note": "Note", "extra": "Text"}
    c.update(
        _leaf_cases(
            "extraneous_input_variable",
            [
                ("llm", llm("leaf", two, "Summary", "Summarise $note"), two, "Summary"),
                ("compose", compose("leaf", two, "Summary", "Note: $note"), two, "Summary"),
                (
                    "imggen",
                    pipe("leaf", "PipeImgGen", two, "Image", 'prompt = "A picture of $note"'),
                    two,
                    "Image",
                ),
                (
                    "search",
                    pipe("leaf", "PipeSearch", two, "SearchResult", 'prompt = "Find $note"'),
                    two,
                    "SearchResult",
                ),
            ],
            ["main", "seq", "batch", "pbatch", "cond", "nested", "dom"],
        )
    )
    c["mx_extraneous_input_variable__ok_in_system_prompt"] = head("leaf") + llm(
        "leaf", two, "Summary", "Summarise $note", 'system_prompt = "Write as $extra."'
    )
    c["mx_extraneous_input_variable__ok_jinja_if"] = head("leaf") + llm(
        "leaf", two, "Summary", "Summarise $note{% if extra %} (see above){% endif %}"
    )
    c["mx_extraneous_input_variable__ok_controller"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            two,
            "Summary",
            'steps = [\n    { pipe = "headline", result = "result" },\n]',
        )
        + HEADLINE
    )

    # --- input_stuff_spec_mismatch ----------------------------------------------------------------------
    tk = {"ticket": "Ticket"}
    c["mx_input_stuff_spec_mismatch__seq_concept"] = (
        head("run")
        + pipe(
            "run", "PipeSequence", NOTE, "Summary", 'steps = [\n    { pipe = "leaf", result = "result" },\n]'
        )
        + llm("leaf", {"note": "Ticket"}, "Summary", "Summarise $note")
    )
    c["mx_input_stuff_spec_mismatch__seq_list_to_single"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"note": "Note[]"},
            "Summary",
            'steps = [\n    { pipe = "headline", result = "result" },\n]',
        )
        + HEADLINE
    )
    c["mx_input_stuff_spec_mismatch__seq_single_to_list"] = (
        head("run")
        + pipe(
            "run", "PipeSequence", NOTE, "Summary", 'steps = [\n    { pipe = "leaf", result = "result" },\n]'
        )
        + llm("leaf", {"note": "Note[]"}, "Summary", "Summarise $note")
    )
    c["mx_input_stuff_spec_mismatch__batch_item"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"notes": "Note[]"},
            "Summary[]",
            'steps = [\n    { pipe = "leaf", batch_over = "notes", batch_as = "note", result = "results" },\n]',
        )
        + llm("leaf", {"note": "Ticket"}, "Summary", "Summarise $note")
    )
    c["mx_input_stuff_spec_mismatch__pbatch_item"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]"},
            "Summary[]",
            'branch_pipe_code = "leaf"\ninput_list_name = "notes"\ninput_item_name = "note"',
        )
        + llm("leaf", {"note": "Ticket"}, "Summary", "Summarise $note")
    )
    c["mx_input_stuff_spec_mismatch__par_branch"] = (
        head("run")
        + pipe(
            "run",
            "PipeParallel",
            NOTE,
            "Composite",
            'add_each_output = true\nbranches = [\n    { pipe = "leaf", result = "result" },\n    { pipe = "headline", result = "heading" },\n]',
        )
        + HEADLINE
        + llm("leaf", {"note": "Ticket"}, "Summary", "Summarise $note")
    )
    c["mx_input_stuff_spec_mismatch__cond_outcome"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Summary",
            'expression = "note.text"\noutcomes = { urgent = "leaf" }\ndefault_outcome = "headline"',
        )
        + HEADLINE
        + llm("leaf", {"note": "Ticket"}, "Summary", "Summarise $note")
    )
    c["mx_input_stuff_spec_mismatch__step_result"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "Summary",
            'steps = [\n    { pipe = "headline", result = "summary" },\n    { pipe = "leaf", result = "result" },\n]',
        )
        + HEADLINE
        + llm("leaf", {"summary": "Ticket"}, "Summary", "Polish $summary")
    )
    c["mx_input_stuff_spec_mismatch__fixed_count"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"notes": "Note[2]"},
            "Summary",
            'steps = [\n    { pipe = "leaf", result = "result" },\n]',
        )
        + llm("leaf", {"notes": "Note[3]"}, "Summary", "Summarise $notes")
    )
    c["mx_input_stuff_spec_mismatch__ok_refinement"] = (
        head("run", concepts=CONCEPTS + '\n[concept.Memo]\ndescription = "A memo"\nrefines = "Note"\n')
        + pipe(
            "run",
            "PipeSequence",
            {"note": "Memo"},
            "Summary",
            'steps = [\n    { pipe = "headline", result = "result" },\n]',
        )
        + HEADLINE
    )
    c["mx_input_stuff_spec_mismatch__ok_fixed_to_var"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"notes": "Note[3]"},
            "Summary",
            'steps = [\n    { pipe = "leaf", result = "result" },\n]',
        )
        + llm("leaf", {"notes": "Note[]"}, "Summary", "Summarise $notes")
    )
    c["mx_input_stuff_spec_mismatch__ok_note_to_text"] = (
        head("run")
        + pipe(
            "run", "PipeSequence", NOTE, "Summary", 'steps = [\n    { pipe = "leaf", result = "result" },\n]'
        )
        + llm("leaf", {"note": "Text"}, "Summary", "Summarise $note")
    )

    # --- inadequate_output_concept ----------------------------------------------------------------------
    c["mx_inadequate_output_concept__seq_last"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "Ticket",
            'steps = [\n    { pipe = "headline", result = "result" },\n]',
        )
        + HEADLINE
    )
    c["mx_inadequate_output_concept__seq_batch"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"notes": "Note[]"},
            "Ticket[]",
            'steps = [\n    { pipe = "headline", batch_over = "notes", batch_as = "note", result = "results" },\n]',
        )
        + HEADLINE
    )
    c["mx_inadequate_output_concept__pbatch"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]"},
            "Ticket[]",
            'branch_pipe_code = "headline"\ninput_list_name = "notes"\ninput_item_name = "note"',
        )
        + HEADLINE
    )
    c["mx_inadequate_output_concept__cond"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Ticket",
            'expression = "note.text"\noutcomes = { urgent = "headline" }\ndefault_outcome = "fail"',
        )
        + HEADLINE
    )
    c["mx_inadequate_output_concept__nested"] = (
        head("run")
        + pipe(
            "run", "PipeSequence", NOTE, "Summary", 'steps = [\n    { pipe = "inner", result = "result" },\n]'
        )
        + pipe(
            "inner", "PipeSequence", NOTE, "Ticket", 'steps = [\n    { pipe = "headline", result = "r" },\n]'
        )
        + HEADLINE
    )
    c["mx_inadequate_output_concept__dom_native"] = (
        head("run", domain="acme.front_desk")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "Number",
            'steps = [\n    { pipe = "headline", result = "result" },\n]',
        )
        + HEADLINE
    )
    c["mx_inadequate_output_concept__seq_binding"] = head("run") + pipe(
        "run", "PipeSequence", tk, "Number", 'steps = [\n    { from = "ticket.title", result = "title" },\n]'
    )
    c["mx_inadequate_output_concept__ok_parent"] = (
        head("run")
        + pipe(
            "run", "PipeSequence", NOTE, "Text", 'steps = [\n    { pipe = "headline", result = "result" },\n]'
        )
        + HEADLINE
    )
    c["mx_inadequate_output_concept__ok_qualified"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "front_desk.Summary",
            'steps = [\n    { pipe = "headline", result = "result" },\n]',
        )
        + HEADLINE
    )
    c["mx_inadequate_output_concept__ok_binding_text"] = head("run") + pipe(
        "run", "PipeSequence", tk, "Text", 'steps = [\n    { from = "ticket.title", result = "title" },\n]'
    )

    # --- inadequate_output_multiplicity -----------------------------------------------------------------
    c["mx_inadequate_output_multiplicity__seq_list"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "Summary[]",
            'steps = [\n    { pipe = "headline", result = "result" },\n]',
        )
        + HEADLINE
    )
    c["mx_inadequate_output_multiplicity__seq_batch_single"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"notes": "Note[]"},
            "Summary",
            'steps = [\n    { pipe = "headline", batch_over = "notes", batch_as = "note", result = "results" },\n]',
        )
        + HEADLINE
    )
    c["mx_inadequate_output_multiplicity__pbatch_single"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]"},
            "Summary",
            'branch_pipe_code = "headline"\ninput_list_name = "notes"\ninput_item_name = "note"',
        )
        + HEADLINE
    )
    c["mx_inadequate_output_multiplicity__fixed_batch"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"notes": "Note[]"},
            "Summary[2]",
            'steps = [\n    { pipe = "headline", batch_over = "notes", batch_as = "note", result = "results" },\n]',
        )
        + HEADLINE
    )
    c["mx_inadequate_output_multiplicity__fixed_other"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "Summary[2]",
            'steps = [\n    { pipe = "leaf", result = "result" },\n]',
        )
        + llm("leaf", NOTE, "Summary[3]", "Three summaries of $note")
    )
    c["mx_inadequate_output_multiplicity__cond"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Summary[]",
            'expression = "note.text"\noutcomes = { urgent = "headline" }\ndefault_outcome = "fail"',
        )
        + HEADLINE
    )
    c["mx_inadequate_output_multiplicity__nested"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "Summary[]",
            'steps = [\n    { pipe = "inner", result = "result" },\n]',
        )
        + pipe(
            "inner", "PipeSequence", NOTE, "Summary", 'steps = [\n    { pipe = "headline", result = "r" },\n]'
        )
        + HEADLINE
    )
    c["mx_inadequate_output_multiplicity__ok_nb_output"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "Summary[3]",
            'steps = [\n    { pipe = "leaf", result = "result", nb_output = 3 },\n]',
        )
        + llm("leaf", NOTE, "Summary[]", "Summaries of $note")
    )
    c["mx_inadequate_output_multiplicity__ok_multiple_output"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "Summary[]",
            'steps = [\n    { pipe = "leaf", result = "result", multiple_output = true },\n]',
        )
        + llm("leaf", NOTE, "Summary[]", "Summaries of $note")
    )
    c["mx_inadequate_output_multiplicity__ok_batch_list"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"notes": "Note[]"},
            "Summary[]",
            'steps = [\n    { pipe = "headline", batch_over = "notes", batch_as = "note", result = "results" },\n]',
        )
        + HEADLINE
    )

    # --- llm_output_cannot_be_image ---------------------------------------------------------------------
    photo = CONCEPTS + '\n[concept.Photo]\ndescription = "A photo"\nrefines = "Image"\n'
    c["mx_llm_output_cannot_be_image__main"] = head("leaf") + llm("leaf", NOTE, "Image", "Draw $note")
    c["mx_llm_output_cannot_be_image__list"] = head("leaf") + llm("leaf", NOTE, "Image[]", "Draw $note")
    c["mx_llm_output_cannot_be_image__fixed"] = head("leaf") + llm("leaf", NOTE, "Image[2]", "Draw $note")
    c["mx_llm_output_cannot_be_image__refined"] = head("leaf", concepts=photo) + llm(
        "leaf", NOTE, "Photo", "Draw $note"
    )
    c["mx_llm_output_cannot_be_image__qualified"] = head("leaf") + llm(
        "leaf", NOTE, "native.Image", "Draw $note"
    )
    c["mx_llm_output_cannot_be_image__in_seq"] = wrap(
        "seq", llm("leaf", NOTE, "Image", "Draw $note"), NOTE, "Image"
    )
    c["mx_llm_output_cannot_be_image__in_batch"] = wrap(
        "pbatch", llm("leaf", NOTE, "Image", "Draw $note"), NOTE, "Image"
    )
    c["mx_llm_output_cannot_be_image__ok_imggen"] = head("leaf") + pipe(
        "leaf", "PipeImgGen", NOTE, "Image", 'prompt = "Draw $note"'
    )
    c["mx_llm_output_cannot_be_image__ok_image_input"] = head("leaf") + llm(
        "leaf", {"photo": "Image"}, "Summary", "Describe this photo:\n@photo"
    )
    c["mx_llm_output_cannot_be_image__ok_page"] = head("leaf") + llm(
        "leaf", NOTE, "Html", "Write HTML for $note"
    )

    # --- invalid_pipe_code_syntax -----------------------------------------------------------------------
    for label, bad in [("upper", "Leaf"), ("hyphen", "leaf-one"), ("digit", "1leaf"), ("camel", "leafOne")]:
        for ctx in ["main", "seq"] if label in ("upper", "hyphen") else ["pbatch", "cond"]:
            text = wrap(
                ctx,
                HEADLINE.replace("[pipe.headline]", f'[pipe."{bad}"]' if "-" in bad else f"[pipe.{bad}]"),
                NOTE,
                "Summary",
                code=bad,
            )
            c[f"mx_invalid_pipe_code_syntax__{label}_{ctx}"] = text
    c["mx_invalid_pipe_code_syntax__step_ref_dash"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "Summary",
            'steps = [\n    { pipe = "head-line", result = "result" },\n]',
        )
        + HEADLINE
    )
    c["mx_invalid_pipe_code_syntax__ok_digits"] = wrap(
        "seq", HEADLINE.replace("[pipe.headline]", "[pipe.leaf_2]"), NOTE, "Summary", code="leaf_2"
    )
    c["mx_invalid_pipe_code_syntax__ok_qualified"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "Summary",
            'steps = [\n    { pipe = "front_desk.headline", result = "result" },\n]',
        )
        + HEADLINE
    )

    # --- invalid_input_name -----------------------------------------------------------------------------
    for label, name, ctx in [
        ("upper", "Note", "main"),
        ("hyphen", "the-note", "seq"),
        ("digit", "1note", "main"),
        ("space", "the note", "main"),
    ]:
        leaf = llm("leaf", {name: "Note"}, "Summary", "Summarise {{ note }}")
        c[f"mx_invalid_input_name__{label}_{ctx}"] = wrap(ctx, leaf, {name: "Note"}, "Summary")
    c["mx_invalid_input_name__batch_as_dotted"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"notes": "Note[]"},
            "Summary[]",
            'steps = [\n    { pipe = "headline", batch_over = "notes", batch_as = "note.item", result = "results" },\n]',
        )
        + HEADLINE
    )
    c["mx_invalid_input_name__result_dotted"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "Summary",
            'steps = [\n    { pipe = "headline", result = "out.summary" },\n]',
        )
        + HEADLINE
    )
    c["mx_invalid_input_name__par_result_upper"] = (
        head("run")
        + pipe(
            "run",
            "PipeParallel",
            NOTE,
            "Composite",
            'add_each_output = true\nbranches = [\n    { pipe = "headline", result = "Heading" },\n]',
        )
        + HEADLINE
    )
    c["mx_invalid_input_name__item_name_upper"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]"},
            "Summary[]",
            'branch_pipe_code = "headline"\ninput_list_name = "notes"\ninput_item_name = "Note"',
        )
        + HEADLINE
    )
    c["mx_invalid_input_name__ok_dotted_field"] = head("leaf") + llm(
        "leaf", {"ticket.title": "Text"}, "Summary", "Summarise $ticket.title"
    ).replace('"ticket.title"', '"ticket.title"')
    c["mx_invalid_input_name__ok_underscore"] = head("leaf") + llm(
        "leaf", {"the_note_2": "Note"}, "Summary", "Summarise $the_note_2"
    )

    # --- unknown_pipe_type / missing_pipe_type ----------------------------------------------------------
    for label, typ, ctx in [
        ("llm_case", "PipeLlm", "main"),
        ("jinja2", "PipeJinja2", "seq"),
        ("ocr", "PipeOcr", "pbatch"),
        ("function", "PipeFunction", "cond"),
        ("lower", "pipellm", "nested"),
        ("empty", "", "main"),
    ]:
        c[f"mx_unknown_pipe_type__{label}_{ctx}"] = wrap(
            ctx,
            HEADLINE.replace('type = "PipeLLM"', f'type = "{typ}"').replace("[pipe.headline]", "[pipe.leaf]"),
            NOTE,
            "Summary",
        )
    c["mx_unknown_pipe_type__controller"] = wrap(
        "seq", HEADLINE.replace("[pipe.headline]", "[pipe.leaf]"), NOTE, "Summary"
    ).replace('type = "PipeSequence"', 'type = "PipeSeq"')
    c["mx_unknown_pipe_type__ok_signature"] = head("leaf") + pipe(
        "leaf", "PipeSignature", NOTE, "Summary", ""
    )
    for label, ctx in [
        ("main", "main"),
        ("seq", "seq"),
        ("pbatch", "pbatch"),
        ("par", "par"),
        ("cond", "cond"),
        ("dom", "dom"),
    ]:
        c[f"mx_missing_pipe_type__{label}"] = wrap(
            ctx,
            HEADLINE.replace('type = "PipeLLM"\n', "").replace("[pipe.headline]", "[pipe.leaf]"),
            NOTE,
            "Summary",
        )
    c["mx_missing_pipe_type__controller"] = wrap(
        "seq", HEADLINE.replace("[pipe.headline]", "[pipe.leaf]"), NOTE, "Summary"
    ).replace('type = "PipeSequence"\n', "")
    c["mx_missing_pipe_type__ok_type_last"] = head("leaf") + (
        '[pipe.leaf]\ndescription = "Leaf"\ninputs = { note = "Note" }\noutput = "Summary"\nprompt = "Sum $note"\ntype = "PipeLLM"\n'
    )
    c["mx_missing_pipe_type__ok_inline_table"] = head("leaf").replace("\n[concept]", "\n[concept]") + (
        'pipe.leaf = { type = "PipeLLM", description = "Leaf", inputs = { note = "Note" }, output = "Summary", prompt = "Sum $note" }\n'
    )

    # --- batch_item_name_collision ----------------------------------------------------------------------
    c["mx_batch_item_name_collision__step_same"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"notes": "Note[]"},
            "Summary[]",
            'steps = [\n    { pipe = "leaf", batch_over = "notes", batch_as = "notes", result = "results" },\n]',
        )
        + llm("leaf", {"notes": "Note"}, "Summary", "Sum $notes")
    )
    c["mx_batch_item_name_collision__pbatch_same"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]"},
            "Summary[]",
            'branch_pipe_code = "leaf"\ninput_list_name = "notes"\ninput_item_name = "notes"',
        )
        + llm("leaf", {"notes": "Note"}, "Summary", "Sum $notes")
    )
    c["mx_batch_item_name_collision__pbatch_other_input"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]", "note": "Text"},
            "Summary[]",
            'branch_pipe_code = "headline"\ninput_list_name = "notes"\ninput_item_name = "note"',
        )
        + HEADLINE
    )
    c["mx_batch_item_name_collision__step_other_input"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"notes": "Note[]", "note": "Note"},
            "Summary[]",
            'steps = [\n    { pipe = "headline", batch_over = "notes", batch_as = "note", result = "results" },\n]',
        )
        + HEADLINE
    )
    c["mx_batch_item_name_collision__par_same"] = (
        head("run")
        + pipe(
            "run",
            "PipeParallel",
            {"notes": "Note[]"},
            "Composite",
            'add_each_output = true\nbranches = [\n    { pipe = "leaf", batch_over = "notes", batch_as = "notes", result = "results" },\n]',
        )
        + llm("leaf", {"notes": "Note"}, "Summary", "Sum $notes")
    )
    c["mx_batch_item_name_collision__nested_same"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"notes": "Note[]"},
            "Summary[]",
            'steps = [\n    { pipe = "inner", result = "r" },\n]',
        )
        + pipe(
            "inner",
            "PipeBatch",
            {"notes": "Note[]"},
            "Summary[]",
            'branch_pipe_code = "leaf"\ninput_list_name = "notes"\ninput_item_name = "notes"',
        )
        + llm("leaf", {"notes": "Note"}, "Summary", "Sum $notes")
    )
    c["mx_batch_item_name_collision__ok_step_result_name"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"notes": "Note[]"},
            "Summary[]",
            'steps = [\n    { pipe = "headline", batch_over = "notes", batch_as = "note", result = "notes_done" },\n]',
        )
        + HEADLINE
    )
    c["mx_batch_item_name_collision__ok_singular"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]", "tone": "Text"},
            "Summary[]",
            'branch_pipe_code = "leaf"\ninput_list_name = "notes"\ninput_item_name = "note"',
        )
        + llm("leaf", {"note": "Note", "tone": "Text"}, "Summary", "Sum $note in a $tone tone")
    )

    # --- binding_step_invalid ---------------------------------------------------------------------------
    for label, step in [
        ("pipe_and_from", '{ pipe = "headline", from = "ticket.title", result = "title" }'),
        ("no_result", '{ from = "ticket.title" }'),
        ("result_dotted", '{ from = "ticket.title", result = "t.title" }'),
        (
            "batch_fields",
            '{ from = "ticket.tags", result = "tag", batch_over = "ticket.tags", batch_as = "t" }',
        ),
        ("malformed", '{ from = "ticket..title", result = "title" }'),
        ("empty_from", '{ from = "", result = "title" }'),
        ("from_trailing_dot", '{ from = "ticket.title.", result = "title" }'),
    ]:
        c[f"mx_binding_step_invalid__{label}"] = head("run") + pipe(
            "run", "PipeSequence", tk, "Text", f"steps = [\n    {step},\n]"
        )
    c["mx_binding_step_invalid__in_parallel"] = head("run") + pipe(
        "run",
        "PipeParallel",
        tk,
        "Composite",
        'add_each_output = true\nbranches = [\n    { from = "ticket.title", result = "title" },\n]',
    )
    c["mx_binding_step_invalid__ok_whole"] = head("run") + pipe(
        "run", "PipeSequence", tk, "Ticket", 'steps = [\n    { from = "ticket", result = "copy" },\n]'
    )
    c["mx_binding_step_invalid__ok_then_pipe"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            tk,
            "Summary",
            'steps = [\n    { from = "ticket.title", result = "note" },\n    { pipe = "leaf", result = "r" },\n]',
        )
        + llm("leaf", {"note": "Text"}, "Summary", "Sum $note")
    )

    # --- binding_path_unresolved ------------------------------------------------------------------------
    nested = CONCEPTS + (
        '\n[concept.Case]\ndescription = "A case"\n\n[concept.Case.structure]\n'
        'ticket = { type = "concept", concept_ref = "Ticket", description = "The ticket", required = true }\n'
        'owner = { type = "text", description = "Owner" }\n'
    )
    for label, path, ins in [
        ("unknown_field", "ticket.nope", tk),
        ("past_leaf", "ticket.title.size", tk),
        ("root_text", "note.size", NOTE),
        ("nested_unknown", "case.ticket.nope", {"case": "Case"}),
        ("nested_past_leaf", "case.owner.name", {"case": "Case"}),
        ("list_field", "ticket.tags.first", tk),
    ]:
        c[f"mx_binding_path_unresolved__{label}"] = head("run", concepts=nested) + pipe(
            "run", "PipeSequence", ins, "Text", f'steps = [\n    {{ from = "{path}", result = "value" }},\n]'
        )
    c["mx_binding_path_unresolved__batch_over_dotted"] = (
        head("run", concepts=nested)
        + pipe(
            "run",
            "PipeSequence",
            tk,
            "Summary[]",
            'steps = [\n    { pipe = "leaf", batch_over = "ticket.labels", batch_as = "tag", result = "r" },\n]',
        )
        + llm("leaf", {"tag": "Text"}, "Summary", "Sum $tag")
    )
    c["mx_binding_path_unresolved__ok_nested"] = head("run", concepts=nested) + pipe(
        "run",
        "PipeSequence",
        {"case": "Case"},
        "Text",
        'steps = [\n    { from = "case.ticket.title", result = "value" },\n]',
    )
    c["mx_binding_path_unresolved__ok_optional_field"] = head("run", concepts=nested) + pipe(
        "run",
        "PipeSequence",
        {"case": "Case"},
        "Text?",
        'steps = [\n    { from = "case.owner", result = "value" },\n]',
    )
    c["mx_binding_path_unresolved__ok_batch_over_dotted"] = (
        head("run", concepts=nested)
        + pipe(
            "run",
            "PipeSequence",
            tk,
            "Summary[]",
            'steps = [\n    { pipe = "leaf", batch_over = "ticket.tags", batch_as = "tag", result = "r" },\n]',
        )
        + llm("leaf", {"tag": "Text"}, "Summary", "Sum $tag")
    )

    # --- optional_marker_invalid ------------------------------------------------------------------------
    for label, ins, out in [
        ("list_optional_input", {"notes": "Note[]?"}, "Summary"),
        ("double", {"note": "Note??"}, "Summary"),
        ("both", {"note": "Note?!"}, "Summary"),
        ("force_output", NOTE, "Summary!"),
        ("list_optional_output", NOTE, "Summary[]?"),
        ("fixed_optional", {"notes": "Note[2]?"}, "Summary"),
    ]:
        var = next(iter(ins))
        c[f"mx_optional_marker_invalid__{label}"] = head("leaf") + llm(
            "leaf", ins, out, f"@?{var}\nSummarise."
        )
    c["mx_optional_marker_invalid__in_seq"] = (
        head("run")
        + pipe(
            "run", "PipeSequence", NOTE, "Summary[]?", 'steps = [\n    { pipe = "leaf", result = "r" },\n]'
        )
        + llm("leaf", NOTE, "Summary[]", "Sum $note")
    )
    c["mx_optional_marker_invalid__ok_optional_output"] = head("leaf") + llm(
        "leaf", {"note": "Note?"}, "Summary?", "@?note\nSummarise."
    )
    c["mx_optional_marker_invalid__ok_force_input"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"note": "Note?"},
            "Summary",
            'steps = [\n    { pipe = "leaf", result = "r" },\n]',
        )
        + llm("leaf", {"note": "Note!"}, "Summary", "Sum $note")
    )

    # --- optional_not_handled / optional_output_required / optional_branch_required_field ---------------
    opt = {"note": "Note?"}
    c["mx_optional_not_handled__seq"] = (
        head("run")
        + pipe(
            "run", "PipeSequence", opt, "Summary", 'steps = [\n    { pipe = "headline", result = "r" },\n]'
        )
        + HEADLINE
    )
    c["mx_optional_not_handled__seq2"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            opt,
            "Summary",
            'steps = [\n    { pipe = "headline", result = "summary" },\n    { pipe = "polish", result = "r" },\n]',
        )
        + HEADLINE
        + POLISH
    )
    c["mx_optional_not_handled__nested"] = (
        head("run")
        + pipe("run", "PipeSequence", opt, "Summary", 'steps = [\n    { pipe = "inner", result = "r" },\n]')
        + pipe(
            "inner",
            "PipeSequence",
            NOTE,
            "Summary",
            'steps = [\n    { pipe = "headline", result = "r2" },\n]',
        )
        + HEADLINE
    )
    c["mx_optional_not_handled__binding"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"ticket": "Ticket"},
            "Summary",
            'steps = [\n    { from = "ticket.body", result = "note" },\n    { pipe = "leaf", result = "r" },\n]',
        )
        + llm("leaf", {"note": "Text"}, "Summary", "Sum $note")
    )
    c["mx_optional_not_handled__structured"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            {"ticket": "Ticket?"},
            "Summary",
            'steps = [\n    { pipe = "leaf", result = "r" },\n]',
        )
        + llm("leaf", tk, "Summary", "Sum $ticket.title")
    )
    c["mx_optional_not_handled__dom"] = (
        head("run", domain="acme.front_desk")
        + pipe(
            "run",
            "PipeSequence",
            opt,
            "Summary",
            'steps = [\n    { pipe = "acme.front_desk.headline", result = "r" },\n]',
        )
        + HEADLINE
    )
    c["mx_optional_not_handled__ok_optional_out"] = (
        head("run")
        + pipe(
            "run", "PipeSequence", opt, "Summary?", 'steps = [\n    { pipe = "headline", result = "r" },\n]'
        )
        + HEADLINE
    )
    c["mx_optional_not_handled__ok_force"] = (
        head("run")
        + pipe("run", "PipeSequence", opt, "Summary", 'steps = [\n    { pipe = "leaf", result = "r" },\n]')
        + llm("leaf", {"note": "Note!"}, "Summary", "Sum $note")
    )
    c["mx_optional_not_handled__ok_absorb"] = (
        head("run")
        + pipe("run", "PipeSequence", opt, "Summary", 'steps = [\n    { pipe = "leaf", result = "r" },\n]')
        + llm("leaf", opt, "Summary", "@?note\nWrite a summary.")
    )

    cond_cont = 'expression = "note.text"\noutcomes = {{ urgent = "{p}" }}\ndefault_outcome = "continue"'
    c["mx_optional_output_required__cond"] = (
        head("run") + pipe("run", "PipeCondition", NOTE, "Summary", cond_cont.format(p="headline")) + HEADLINE
    )
    c["mx_optional_output_required__cond_structured"] = (
        head("run")
        + pipe("run", "PipeCondition", NOTE, "Ticket", cond_cont.format(p="leaf"))
        + llm("leaf", NOTE, "Ticket", "Ticket for $note")
    )
    c["mx_optional_output_required__cond_in_seq"] = (
        head("run")
        + pipe("run", "PipeSequence", NOTE, "Summary?", 'steps = [\n    { pipe = "route", result = "r" },\n]')
        + pipe("route", "PipeCondition", NOTE, "Summary", cond_cont.format(p="headline"))
        + HEADLINE
    )
    c["mx_optional_output_required__cond_in_batch"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]"},
            "Summary[]",
            'branch_pipe_code = "route"\ninput_list_name = "notes"\ninput_item_name = "note"',
        )
        + pipe("route", "PipeCondition", NOTE, "Summary", cond_cont.format(p="headline"))
        + HEADLINE
    )
    c["mx_optional_output_required__cond_template"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Summary",
            'expression_template = "{{ note.text }}"\noutcomes = { urgent = "headline" }\ndefault_outcome = "continue"',
        )
        + HEADLINE
    )
    c["mx_optional_output_required__cond_dom"] = (
        head("run", domain="acme.front_desk")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "acme.front_desk.Summary",
            cond_cont.format(p="acme.front_desk.headline"),
        )
        + HEADLINE
    )
    c["mx_optional_output_required__ok_optional"] = (
        head("run")
        + pipe("run", "PipeCondition", NOTE, "Summary?", cond_cont.format(p="headline"))
        + HEADLINE
    )
    c["mx_optional_output_required__ok_fail"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Summary",
            cond_cont.format(p="headline").replace('"continue"', '"fail"'),
        )
        + HEADLINE
    )

    pair = (
        '\n[concept.Pair]\ndescription = "Two summaries"\n\n[concept.Pair.structure]\n'
        'heading = {{ type = "concept", concept_ref = "Summary", description = "Heading", required = true }}\n'
        'other = {{ type = "concept", concept_ref = "Summary", description = "Other"{req} }}\n'
    )
    par_body = 'add_each_output = false\nbranches = [\n    {{ pipe = "headline", result = "heading" }},\n    {{ pipe = "{p}", result = "other" }},\n]'
    for label, ins, leaf_ins, req, extra_ctx in [
        ("basic", {"note": "Note", "extra": "Note?"}, {"extra": "Note"}, ", required = true", ""),
        ("structured", {"note": "Note", "extra": "Ticket?"}, {"extra": "Ticket"}, ", required = true", ""),
        ("in_seq", {"note": "Note", "extra": "Note?"}, {"extra": "Note"}, ", required = true", "seq"),
        ("dom", {"note": "Note", "extra": "Note?"}, {"extra": "Note"}, ", required = true", "dom"),
        (
            "compose_leaf",
            {"note": "Note", "extra": "Note?"},
            {"extra": "Note"},
            ", required = true",
            "compose",
        ),
        ("both_required", {"note": "Note?", "extra": "Note?"}, {"extra": "Note"}, ", required = true", ""),
    ]:
        leaf = (
            compose("leaf", leaf_ins, "Summary", "About: $extra")
            if extra_ctx == "compose"
            else llm("leaf", leaf_ins, "Summary", "Summarise $extra")
        )
        domain = "acme.front_desk" if extra_ctx == "dom" else "front_desk"
        par = pipe("par", "PipeParallel", ins, "Pair", par_body.format(p="leaf"))
        if extra_ctx == "seq":
            text = (
                head("run", concepts=CONCEPTS + pair.format(req=req))
                + pipe(
                    "run", "PipeSequence", ins, "Pair?", 'steps = [\n    { pipe = "par", result = "r" },\n]'
                )
                + par
            )
        else:
            text = head("par", domain=domain, concepts=CONCEPTS + pair.format(req=req)) + par
        c[f"mx_optional_branch_required_field__{label}"] = text + HEADLINE + leaf
    c["mx_optional_branch_required_field__ok_field_optional"] = (
        head("par", concepts=CONCEPTS + pair.format(req=""))
        + pipe("par", "PipeParallel", {"note": "Note", "extra": "Note?"}, "Pair", par_body.format(p="leaf"))
        + HEADLINE
        + llm("leaf", {"extra": "Note"}, "Summary", "Summarise $extra")
    )
    c["mx_optional_branch_required_field__ok_input_required"] = (
        head("par", concepts=CONCEPTS + pair.format(req=", required = true"))
        + pipe("par", "PipeParallel", {"note": "Note", "extra": "Note"}, "Pair", par_body.format(p="leaf"))
        + HEADLINE
        + llm("leaf", {"extra": "Note"}, "Summary", "Summarise $extra")
    )

    # --- optional_input_unguarded -----------------------------------------------------------------------
    oi = {"note": "Note", "extra": "Text?"}
    c.update(
        _leaf_cases(
            "optional_input_unguarded",
            [
                ("llm", llm("leaf", oi, "Summary", "Summarise $note with $extra"), oi, "Summary"),
                ("compose", compose("leaf", oi, "Summary", "$note / {{ extra }}"), oi, "Summary"),
                ("llm_at", llm("leaf", oi, "Summary", "Summarise $note\n@extra"), oi, "Summary"),
                (
                    "imggen",
                    pipe("leaf", "PipeImgGen", oi, "Image", 'prompt = "A picture of $note in $extra"'),
                    oi,
                    "Image",
                ),
            ],
            ["main", "seq", "batch", "pbatch", "nested", "dom"],
        )
    )
    c["mx_optional_input_unguarded__cond_expression"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            {"note": "Note?"},
            "Summary",
            'expression = "note.text"\noutcomes = { urgent = "leaf" }\ndefault_outcome = "leaf"',
        )
        + llm("leaf", {"note": "Note?"}, "Summary", "@?note\nWrite.")
    )
    c["mx_optional_input_unguarded__ok_if_defined"] = head("leaf") + llm(
        "leaf", oi, "Summary", "Summarise $note{% if extra is defined %} with $extra{% endif %}"
    )
    c["mx_optional_input_unguarded__ok_at_q"] = head("leaf") + llm(
        "leaf", oi, "Summary", "Summarise $note\n@?extra"
    )
    c["mx_optional_input_unguarded__ok_cond_guarded"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            {"note": "Note?"},
            "Summary",
            'expression = "note.text if note is defined else \'none\'"\noutcomes = { urgent = "leaf" }\ndefault_outcome = "leaf"',
        )
        + llm("leaf", {"note": "Note?"}, "Summary", "@?note\nWrite.")
    )

    # --- template_private_name --------------------------------------------------------------------------
    for label, tmpl, op, ctx in [
        ("stuff", "{{ note._stuff }} $note", "llm", "main"),
        ("dunder", "{{ note.__class__ }} $note", "llm", "seq"),
        ("compose", "{{ note._content }}", "compose", "pbatch"),
        ("sys", None, "llm", "cond"),
        ("loop", "{% for t in ticket._items %}{{ t }}{% endfor %}$ticket.title", "llm_tk", "main"),
        ("dollar", "Sum $note._code", "llm", "nested"),
    ]:
        if label == "sys":
            leaf = llm("leaf", NOTE, "Summary", "Sum $note", 'system_prompt = "Code {{ note._stuff_code }}"')
        elif op == "compose":
            leaf = compose("leaf", NOTE, "Summary", tmpl)
        elif op == "llm_tk":
            leaf = llm("leaf", tk, "Summary", tmpl)
            c[f"mx_template_private_name__{label}_{ctx}"] = wrap(ctx, leaf, tk, "Summary")
            continue
        else:
            leaf = llm("leaf", NOTE, "Summary", tmpl)
        c[f"mx_template_private_name__{label}_{ctx}"] = wrap(ctx, leaf, NOTE, "Summary")
    c["mx_template_private_name__ok_field_underscore_inside"] = head(
        "leaf", concepts=CONCEPTS.replace("tags = ", "due_date = ")
    ) + llm("leaf", tk, "Summary", "{{ ticket.due_date }} $ticket.title")
    c["mx_template_private_name__ok_filter"] = head("leaf") + llm(
        "leaf", NOTE, "Summary", "{{ note | upper }}"
    )

    # --- native_concept_redeclaration -------------------------------------------------------------------
    for label, decl in [
        ("text_short", 'Text = "My own text"'),
        ("image_table", None),
        ("number", 'Number = "A number"'),
        ("page", 'Page = "A page"'),
        ("json", 'JSON = "Some JSON"'),
        ("dynamic", 'Dynamic = "Anything"'),
    ]:
        if decl is None:
            concepts = CONCEPTS + '\n[concept.Image]\ndescription = "My image"\nrefines = "Text"\n'
        else:
            concepts = CONCEPTS.replace("[concept]\n", f"[concept]\n{decl}\n", 1)
        domain = "acme.front_desk" if label == "number" else "front_desk"
        c[f"mx_native_concept_redeclaration__{label}"] = (
            head("headline", domain=domain, concepts=concepts) + HEADLINE
        )
    c["mx_native_concept_redeclaration__ok_prefix"] = (
        head("headline", concepts=CONCEPTS.replace("[concept]\n", '[concept]\nTextNote = "A text"\n', 1))
        + HEADLINE
    )
    c["mx_native_concept_redeclaration__ok_refines"] = (
        head(
            "headline",
            concepts=CONCEPTS + '\n[concept.Picture]\ndescription = "A picture"\nrefines = "Image"\n',
        )
        + HEADLINE
    )

    # --- unresolved_concept -----------------------------------------------------------------------------
    for label, text in [
        ("output_typo", llm("leaf", NOTE, "Sumary", "Sum $note")),
        ("input_typo", llm("leaf", {"note": "Nte"}, "Summary", "Sum $note")),
        ("other_domain", llm("leaf", NOTE, "billing.Summary", "Sum $note")),
        ("list", llm("leaf", NOTE, "Sumary[]", "Sum $note")),
        ("optional", llm("leaf", {"note": "Nte?"}, "Summary", "@?note\nSum.")),
        ("native_qualified", llm("leaf", NOTE, "native.Txt", "Sum $note")),
    ]:
        c[f"mx_unresolved_concept__{label}"] = head("leaf") + text
    c["mx_unresolved_concept__refines"] = (
        head("headline", concepts=CONCEPTS + '\n[concept.Memo]\ndescription = "A memo"\nrefines = "Notte"\n')
        + HEADLINE
    )
    c["mx_unresolved_concept__field_ref"] = (
        head(
            "headline",
            concepts=CONCEPTS
            + '\n[concept.Case]\ndescription = "A case"\n\n[concept.Case.structure]\nt = { type = "concept", concept_ref = "Tiket", description = "T" }\n',
        )
        + HEADLINE
    )
    c["mx_unresolved_concept__in_controller"] = wrap(
        "seq", HEADLINE.replace("[pipe.headline]", "[pipe.leaf]"), NOTE, "Summary"
    ).replace('output = "Summary"\nsteps', 'output = "Sumary"\nsteps')
    c["mx_unresolved_concept__ok_forward"] = head(
        "leaf",
        concepts='\n[concept]\nSummary = "S"\n'
        + CONCEPTS.replace('Summary = "A short summary of a note"\n', ""),
    ) + llm("leaf", NOTE, "Summary", "Sum $note")
    c["mx_unresolved_concept__ok_native_qualified"] = head("leaf") + llm(
        "leaf", NOTE, "native.Text", "Sum $note"
    )

    # --- unresolved_pipe_dependency ---------------------------------------------------------------------
    for ctx in ["seq", "seq2", "batch", "pbatch", "par", "cond", "nested", "dom"]:
        c[f"mx_unresolved_pipe_dependency__{ctx}"] = wrap(ctx, "", NOTE, "Summary", code="missing_pipe")
    c["mx_unresolved_pipe_dependency__default_outcome"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Summary",
            'expression = "note.text"\noutcomes = { urgent = "headline" }\ndefault_outcome = "nowhere"',
        )
        + HEADLINE
    )
    c["mx_unresolved_pipe_dependency__main_pipe"] = head("nowhere") + HEADLINE
    c["mx_unresolved_pipe_dependency__other_domain"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "Summary",
            'steps = [\n    { pipe = "billing.headline", result = "r" },\n]',
        )
        + HEADLINE
    )
    c["mx_unresolved_pipe_dependency__ok_forward_ref"] = wrap(
        "seq", HEADLINE.replace("[pipe.headline]", "[pipe.leaf]"), NOTE, "Summary"
    )
    c["mx_unresolved_pipe_dependency__ok_cond_continue"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Summary?",
            'expression = "note.text"\noutcomes = { urgent = "headline" }\ndefault_outcome = "continue"',
        )
        + HEADLINE
    )

    # --- unresolved_package_dependency ------------------------------------------------------------------
    for ctx in ["seq", "batch", "pbatch", "par", "cond", "nested"]:
        c[f"mx_unresolved_package_dependency__{ctx}"] = wrap(
            ctx, "", NOTE, "Summary", code="tools->toolbox.summarise"
        )
    c["mx_unresolved_package_dependency__address"] = wrap(
        ctx, "", NOTE, "Summary", code="github.com/acme/tools->toolbox.summarise"
    )
    c["mx_unresolved_package_dependency__concept"] = head("headline") + HEADLINE.replace(
        'output = "Summary"', 'output = "tools->toolbox.Summary"'
    )
    c["mx_unresolved_package_dependency__ok_local_domain"] = (
        head("run", domain="toolbox")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "Summary",
            'steps = [\n    { pipe = "toolbox.headline", result = "r" },\n]',
        )
        + HEADLINE
    )
    c["mx_unresolved_package_dependency__ok_package"] = {
        "METHODS.toml": '[package]\naddress = "github.com/acme/front-desk"\nversion = "1.0.0"\ndescription = "Front desk"\n',
        "bundle.mthds": head("run")
        + pipe(
            "run", "PipeSequence", NOTE, "Summary", 'steps = [\n    { pipe = "headline", result = "r" },\n]'
        )
        + HEADLINE,
    }

    # --- unknown_model ----------------------------------------------------------------------------------
    for label, text, ctx in [
        ("llm_preset", llm("leaf", NOTE, "Summary", "Sum $note", 'model = "$no-such-preset"'), "main"),
        ("llm_alias", llm("leaf", NOTE, "Summary", "Sum $note", 'model = "@no-such-alias"'), "seq"),
        (
            "llm_waterfall",
            llm("leaf", NOTE, "Summary", "Sum $note", 'model = "~no-such-waterfall"'),
            "pbatch",
        ),
        ("llm_handle", llm("leaf", NOTE, "Summary", "Sum $note", 'model = "gpt-17-ultra"'), "cond"),
        (
            "imggen",
            pipe(
                "leaf", "PipeImgGen", NOTE, "Image", 'prompt = "Draw $note"\nmodel = "$no-such-image-preset"'
            ),
            "main",
        ),
        (
            "extract",
            pipe("leaf", "PipeExtract", {"scan": "Document"}, "Page[]", 'model = "@no-such-extractor"'),
            "main",
        ),
        (
            "search",
            pipe(
                "leaf", "PipeSearch", NOTE, "SearchResult", 'prompt = "Find $note"\nmodel = "$no-such-search"'
            ),
            "main",
        ),
        ("long_form", llm("leaf", NOTE, "Summary", "Sum $note", 'model = "preset:no-such-preset"'), "nested"),
    ]:
        out = "Summary" if "Summary" in text.split("prompt")[0] else text.split('output = "')[1].split('"')[0]
        ins = {"scan": "Document"} if label == "extract" else NOTE
        c[f"mx_unknown_model__{label}_{ctx}"] = wrap(ctx, text, ins, out)
    c["mx_unknown_model__ok_default_preset"] = head("leaf") + llm(
        "leaf", NOTE, "Summary", "Sum $note", 'model = "$writing-factual"'
    )
    c["mx_unknown_model__ok_alias"] = head("leaf") + llm(
        "leaf", NOTE, "Summary", "Sum $note", 'model = "@default-general"'
    )

    # --- DryRunError (faults found only by running the method on mock data) ----------------------------
    c["mx_dry_run_error__cond_empty_in_seq"] = (
        head("run")
        + pipe("run", "PipeSequence", NOTE, "Summary", 'steps = [\n    { pipe = "route", result = "r" },\n]')
        + pipe(
            "route",
            "PipeCondition",
            NOTE,
            "Summary",
            'expression = "\'\'"\noutcomes = { urgent = "headline" }\ndefault_outcome = "headline"',
        )
        + HEADLINE
    )
    c["mx_dry_run_error__cond_empty_template"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Summary",
            'expression_template = "{% if false %}x{% endif %}"\noutcomes = { urgent = "headline" }\ndefault_outcome = "headline"',
        )
        + HEADLINE
    )
    c["mx_dry_run_error__cond_empty_in_batch"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]"},
            "Summary[]",
            'branch_pipe_code = "route"\ninput_list_name = "notes"\ninput_item_name = "note"',
        )
        + pipe(
            "route",
            "PipeCondition",
            NOTE,
            "Summary",
            'expression = "\'\'"\noutcomes = { urgent = "headline" }\ndefault_outcome = "headline"',
        )
        + HEADLINE
    )
    c["mx_dry_run_error__ok_constant"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Summary",
            'expression = "\'urgent\'"\noutcomes = { urgent = "headline" }\ndefault_outcome = "fail"',
        )
        + HEADLINE
    )

    # --- two faults of different types in one bundle ----------------------------------------------------
    c["mx_two__unknown_model_and_missing_var"] = head("leaf") + llm(
        "leaf", NOTE, "Summary", "Sum $note for $who", 'model = "$no-such-preset"'
    )
    c["mx_two__unresolved_concept_and_missing_var"] = head("leaf") + llm(
        "leaf", NOTE, "Sumary", "Sum $note for $who"
    )
    c["mx_two__unresolved_pipe_and_output_concept"] = (
        head("run")
        + pipe(
            "run",
            "PipeSequence",
            NOTE,
            "Ticket",
            'steps = [\n    { pipe = "headline", result = "a" },\n    { pipe = "nowhere", result = "b" },\n]',
        )
        + HEADLINE
    )
    c["mx_two__extraneous_and_missing"] = head("leaf") + llm(
        "leaf", {"note": "Note", "extra": "Text"}, "Summary", "Sum $note for $who"
    )
    c["mx_two__native_redeclared_and_unknown_type"] = head(
        "headline", concepts=CONCEPTS.replace("[concept]\n", '[concept]\nText = "Mine"\n', 1)
    ) + HEADLINE.replace('type = "PipeLLM"', 'type = "PipeLlm"')
    c["mx_two__image_output_and_unknown_model"] = head("leaf") + llm(
        "leaf", NOTE, "Image", "Draw $note", 'model = "@no-such-alias"'
    )
    c["mx_two__multiplicity_and_mismatch"] = (
        head("run")
        + pipe("run", "PipeSequence", NOTE, "Summary[]", 'steps = [\n    { pipe = "leaf", result = "r" },\n]')
        + llm("leaf", tk, "Summary", "Sum $ticket")
    )
    c["mx_two__private_and_unguarded"] = head("leaf") + llm("leaf", oi, "Summary", "{{ note._stuff }} $extra")
    c["mx_two__bad_input_name_and_model"] = head("leaf") + llm(
        "leaf", {"Note": "Note"}, "Summary", "Sum {{ Note }}", 'model = "$no-such-preset"'
    )
    c["mx_two__binding_and_optional"] = head("run") + pipe(
        "run",
        "PipeSequence",
        {"ticket": "Ticket?"},
        "Text",
        'steps = [\n    { from = "ticket.nope", result = "v" },\n]',
    )
    c.update(more_cases())
    c.update(third_cases())
    return c


def _seq(ins: dict[str, str], out: str, steps: str, code: str = "run") -> str:
    return pipe(code, "PipeSequence", ins, out, f"steps = [\n{steps}\n]")


def more_cases() -> dict[str, str | dict[str, str]]:
    """The second round: the thinner tags again in other places, multi-file libraries, more pairs of faults."""
    c: dict[str, str | dict[str, str]] = {}
    tk = {"ticket": "Ticket"}
    cond = 'expression = "note.text"\noutcomes = {{ urgent = "{p}" }}\ndefault_outcome = "{d}"'

    # templates of other operators and controllers reading a private name
    c["mx2_template_private_name__imggen"] = head("leaf") + pipe(
        "leaf", "PipeImgGen", NOTE, "Image", 'prompt = "A picture of {{ note._stuff_code }} $note"'
    )
    c["mx2_template_private_name__search"] = head("leaf") + pipe(
        "leaf", "PipeSearch", NOTE, "SearchResult", 'prompt = "Find {{ note.__dict__ }} $note"'
    )
    c["mx2_template_private_name__judge"] = head("leaf") + pipe(
        "leaf",
        "PipeJudge",
        NOTE,
        "YesNo",
        'model = "@default-judgment"\nprompt = "Is {{ note._content }} urgent? $note"\nquestion = "Urgent?"\ncriteria = { yes = "Urgent", no = "Not urgent" }',
    )
    c["mx2_template_private_name__cond_template"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Summary",
            'expression_template = "{{ note._stuff }}"\noutcomes = { urgent = "headline" }\ndefault_outcome = "headline"',
        )
        + HEADLINE
    )
    c["mx2_template_private_name__construct"] = head("leaf", concepts=CONCEPTS) + pipe(
        "leaf",
        "PipeCompose",
        NOTE,
        "Ticket",
        '[pipe.leaf.construct]\ntitle = { template = "{{ note._stuff }}" }',
    )
    c["mx2_template_private_name__ok_dict_key"] = head("leaf") + llm(
        "leaf", tk, "Summary", "{{ ticket['title'] }} and $ticket.body"
    )

    # inputs named in ways a name cannot be
    for label, name in [("underscore", "_note"), ("keyword", "class"), ("dotted_text", "note.size")]:
        c[f"mx2_invalid_input_name__{label}"] = head("leaf") + llm(
            "leaf", {name: "Note"}, "Summary", "Sum {{ x }}".replace("x", name.split(".")[0])
        )
    c["mx2_invalid_input_name__pbatch_item_dotted"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]"},
            "Summary[]",
            'branch_pipe_code = "headline"\ninput_list_name = "notes"\ninput_item_name = "note.x"',
        )
        + HEADLINE
    )
    c["mx2_invalid_input_name__ok_dotted_structured"] = (
        head("run")
        + _seq(tk, "Summary", '    { pipe = "leaf", result = "r" },')
        + llm("leaf", {"ticket.title": "Text"}, "Summary", "Sum $ticket.title")
    )

    # batch item names colliding with results and inputs
    c["mx2_batch_item_name_collision__as_equals_earlier_result"] = (
        head("run")
        + _seq(
            {"notes": "Note[]", "seed": "Note"},
            "Summary[]",
            '    { pipe = "headline", result = "note" },\n    { pipe = "leaf", batch_over = "notes", batch_as = "note", result = "r" },',
        ).replace('"headline", result = "note"', '"first", result = "note"')
        + llm("first", {"seed": "Note"}, "Note", "Copy $seed")
        + llm("leaf", {"note": "Note"}, "Summary[]", "Sum $note").replace(
            'output = "Summary[]"', 'output = "Summary"'
        )
    )
    c["mx2_batch_item_name_collision__pbatch_item_empty"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]"},
            "Summary[]",
            'branch_pipe_code = "headline"\ninput_list_name = "notes"\ninput_item_name = ""',
        )
        + HEADLINE
    )
    c["mx2_batch_item_name_collision__par_other_input"] = (
        head("run")
        + pipe(
            "run",
            "PipeParallel",
            {"notes": "Note[]", "note": "Note"},
            "Composite",
            'add_each_output = true\nbranches = [\n    { pipe = "headline", batch_over = "notes", batch_as = "note", result = "r" },\n]',
        )
        + HEADLINE
    )

    # bindings: paths through lists, optionals and nested sequences
    deep = CONCEPTS + (
        '\n[concept.Queue]\ndescription = "A queue of tickets"\n\n[concept.Queue.structure]\n'
        'tickets = { type = "list", item_type = "concept", item_concept_ref = "Ticket", description = "Tickets", required = true }\n'
        'lead = { type = "concept", concept_ref = "Ticket", description = "The lead ticket" }\n'
    )
    for label, path, out in [
        ("through_list_unknown", "queue.tickets.nope", "Text[]"),
        ("optional_concept_unknown", "queue.lead.nope", "Text?"),
        ("root_unknown_field", "queue.ticket", "Ticket"),
    ]:
        c[f"mx2_binding_path_unresolved__{label}"] = head("run", concepts=deep) + _seq(
            {"queue": "Queue"}, out, f'    {{ from = "{path}", result = "v" }},'
        )
    c["mx2_binding_path_unresolved__nested_seq"] = (
        head("run", concepts=deep)
        + _seq({"queue": "Queue"}, "Text", '    { pipe = "inner", result = "r" },')
        + _seq({"queue": "Queue"}, "Text", '    { from = "queue.lead.titel", result = "v" },', code="inner")
    )
    c["mx2_binding_path_unresolved__ok_through_list"] = head("run", concepts=deep) + _seq(
        {"queue": "Queue"}, "Text[]", '    { from = "queue.tickets.title", result = "v" },'
    )
    c["mx2_binding_path_unresolved__ok_optional_concept"] = head("run", concepts=deep) + _seq(
        {"queue": "Queue"}, "Text?", '    { from = "queue.lead.title", result = "v" },'
    )
    c["mx2_binding_step_invalid__nested"] = (
        head("run")
        + _seq(tk, "Text", '    { pipe = "inner", result = "r" },')
        + _seq(tk, "Text", '    { from = "ticket.title" },', code="inner")
    )
    c["mx2_binding_step_invalid__from_list"] = head("run") + _seq(
        tk, "Text", '    { from = ["ticket", "title"], result = "t" },'
    )

    # optional markers in other places
    c["mx2_optional_marker_invalid__pbatch_list"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]?"},
            "Summary[]",
            'branch_pipe_code = "headline"\ninput_list_name = "notes"\ninput_item_name = "note"',
        )
        + HEADLINE
    )
    c["mx2_optional_marker_invalid__force_list"] = head("leaf") + llm(
        "leaf", {"notes": "Note[]!"}, "Summary", "Sum $notes"
    )
    c["mx2_optional_marker_invalid__cond_output_list"] = (
        head("run")
        + pipe("run", "PipeCondition", NOTE, "Summary[]?", cond.format(p="leaf", d="continue"))
        + llm("leaf", NOTE, "Summary[]", "Sum $note")
    )
    c["mx2_optional_marker_invalid__ok_force_root"] = head("leaf") + llm(
        "leaf", {"note": "Note!"}, "Summary", "Sum $note"
    )

    # optional values reaching required places
    c["mx2_optional_not_handled__pbatch_other"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]", "tone": "Text?"},
            "Summary[]",
            'branch_pipe_code = "leaf"\ninput_list_name = "notes"\ninput_item_name = "note"',
        )
        + llm("leaf", {"note": "Note", "tone": "Text"}, "Summary", "Sum $note in a $tone tone")
    )
    c["mx2_optional_not_handled__par_composite"] = (
        head("run")
        + pipe(
            "run",
            "PipeParallel",
            {"note": "Note?"},
            "Composite",
            'add_each_output = true\nbranches = [\n    { pipe = "headline", result = "h" },\n]',
        )
        + HEADLINE
    )
    c["mx2_optional_not_handled__cond_outcome"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            {"note": "Note?"},
            "Summary",
            'expression = "\'urgent\'"\noutcomes = { urgent = "headline" }\ndefault_outcome = "fail"',
        )
        + HEADLINE
    )
    c["mx2_optional_not_handled__batch_step_other"] = (
        head("run")
        + _seq(
            {"notes": "Note[]", "tone": "Text?"},
            "Summary[]",
            '    { pipe = "leaf", batch_over = "notes", batch_as = "note", result = "r" },',
        )
        + llm("leaf", {"note": "Note", "tone": "Text"}, "Summary", "Sum $note in a $tone tone")
    )
    c["mx2_optional_not_handled__ok_later_absorbed"] = (
        head("run")
        + _seq(
            {"note": "Note?"},
            "Summary",
            '    { pipe = "headline", result = "summary" },\n    { pipe = "leaf", result = "r" },',
        )
        + HEADLINE
        + llm("leaf", {"summary": "Summary?"}, "Summary", "@?summary\nWrite a summary.")
    )
    c["mx2_optional_output_required__nested_cond_list"] = (
        head("run")
        + pipe("run", "PipeCondition", NOTE, "Summary[]", cond.format(p="leaf", d="continue"))
        + llm("leaf", NOTE, "Summary[]", "Sum $note")
    )
    c["mx2_optional_output_required__cond_outcome_continue"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Summary",
            'expression = "note.text"\noutcomes = { urgent = "headline", calm = "continue" }\ndefault_outcome = "headline"',
        )
        + HEADLINE
    )
    c["mx2_optional_branch_required_field__batch_branch"] = (
        head(
            "par",
            concepts=CONCEPTS
            + '\n[concept.Pack]\ndescription = "A pack"\n\n[concept.Pack.structure]\nsums = { type = "list", item_type = "concept", item_concept_ref = "Summary", description = "S", required = true }\n',
        )
        + pipe(
            "par",
            "PipeParallel",
            {"notes": "Note[]", "tone": "Text?"},
            "Pack",
            'add_each_output = false\nbranches = [\n    { pipe = "leaf", batch_over = "notes", batch_as = "note", result = "sums" },\n]',
        )
        + llm("leaf", {"note": "Note", "tone": "Text"}, "Summary", "Sum $note in a $tone tone")
    )
    c["mx2_optional_input_unguarded__judge"] = head("leaf") + pipe(
        "leaf",
        "PipeJudge",
        {"note": "Note", "extra": "Text?"},
        "YesNo",
        'model = "@default-judgment"\nprompt = "Is $note urgent? $extra"\nquestion = "Urgent?"\ncriteria = { yes = "Urgent", no = "Not urgent" }',
    )
    c["mx2_optional_input_unguarded__search"] = head("leaf") + pipe(
        "leaf",
        "PipeSearch",
        {"note": "Note", "extra": "Text?"},
        "SearchResult",
        'prompt = "Find $note $extra"',
    )
    c["mx2_optional_input_unguarded__construct"] = head("leaf") + pipe(
        "leaf",
        "PipeCompose",
        {"note": "Note", "extra": "Text?"},
        "Ticket",
        '[pipe.leaf.construct]\ntitle = { template = "$note" }\nbody = { from = "extra" }',
    )
    c["mx2_optional_input_unguarded__ok_construct_template_guard"] = head("leaf") + pipe(
        "leaf",
        "PipeCompose",
        {"note": "Note", "extra": "Text?"},
        "Ticket",
        '[pipe.leaf.construct]\ntitle = { template = "$note" }\nbody = { template = "{% if extra is defined %}$extra{% endif %}" }',
    )

    # missing and extraneous inputs of controllers
    c["mx2_missing_input_variable__batch_over_unknown"] = (
        head("run")
        + _seq(
            NOTE,
            "Summary[]",
            '    { pipe = "headline", batch_over = "notez", batch_as = "note", result = "r" },',
        )
        + HEADLINE
    )
    c["mx2_missing_input_variable__list_name_unknown"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]"},
            "Summary[]",
            'branch_pipe_code = "headline"\ninput_list_name = "items"\ninput_item_name = "note"',
        )
        + HEADLINE
    )
    c["mx2_missing_input_variable__cond_expression"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Summary",
            'expression = "urgency.text"\noutcomes = { urgent = "headline" }\ndefault_outcome = "headline"',
        )
        + HEADLINE
    )
    c["mx2_missing_input_variable__construct_from"] = head("leaf") + pipe(
        "leaf",
        "PipeCompose",
        NOTE,
        "Ticket",
        '[pipe.leaf.construct]\ntitle = { from = "subject" }\nbody = { template = "$note" }',
    )
    c["mx2_missing_input_variable__par_branch"] = (
        head("run")
        + pipe(
            "run",
            "PipeParallel",
            {"seed": "Note"},
            "Composite",
            'add_each_output = true\nbranches = [\n    { pipe = "headline", result = "h" },\n]',
        )
        + HEADLINE
    )
    c["mx2_extraneous_input_variable__cond"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            {"note": "Note", "extra": "Text"},
            "Summary",
            cond.format(p="headline", d="headline"),
        )
        + HEADLINE
    )
    c["mx2_extraneous_input_variable__par"] = (
        head("run")
        + pipe(
            "run",
            "PipeParallel",
            {"note": "Note", "extra": "Text"},
            "Composite",
            'add_each_output = true\nbranches = [\n    { pipe = "headline", result = "h" },\n]',
        )
        + HEADLINE
    )
    c["mx2_extraneous_input_variable__pbatch"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]", "extra": "Text"},
            "Summary[]",
            'branch_pipe_code = "headline"\ninput_list_name = "notes"\ninput_item_name = "note"',
        )
        + HEADLINE
    )
    c["mx2_extraneous_input_variable__construct"] = head("leaf") + pipe(
        "leaf",
        "PipeCompose",
        {"note": "Note", "extra": "Text"},
        "Ticket",
        '[pipe.leaf.construct]\ntitle = { template = "$note" }',
    )
    c["mx2_extraneous_input_variable__ok_cond_expression"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            {"note": "Note", "level": "Text"},
            "Summary",
            'expression = "level.text"\noutcomes = { high = "headline" }\ndefault_outcome = "headline"',
        )
        + HEADLINE
    )

    # outputs of other controllers and operators
    pk = CONCEPTS + (
        '\n[concept.Pack]\ndescription = "A pack"\n\n[concept.Pack.structure]\n'
        'heading = { type = "concept", concept_ref = "Summary", description = "H", required = true }\n'
        'ending = { type = "concept", concept_ref = "Summary", description = "E", required = true }\n'
    )
    c["mx2_inadequate_output_concept__par_missing_field"] = (
        head("run", concepts=pk)
        + pipe(
            "run",
            "PipeParallel",
            NOTE,
            "Pack",
            'add_each_output = false\nbranches = [\n    { pipe = "headline", result = "heading" },\n]',
        )
        + HEADLINE
    )
    c["mx2_inadequate_output_concept__par_native"] = (
        head("run")
        + pipe(
            "run",
            "PipeParallel",
            NOTE,
            "Summary",
            'add_each_output = false\nbranches = [\n    { pipe = "headline", result = "heading" },\n]',
        )
        + HEADLINE
    )
    c["mx2_inadequate_output_concept__judge_text"] = head("leaf") + pipe(
        "leaf",
        "PipeJudge",
        NOTE,
        "Summary",
        'model = "@default-judgment"\nprompt = "Is $note urgent?"\nquestion = "Urgent?"\ncriteria = { yes = "Urgent", no = "Not urgent" }',
    )
    c["mx2_inadequate_output_concept__cond_two_outcomes"] = (
        head("run")
        + pipe("run", "PipeCondition", NOTE, "Summary", cond.format(p="headline", d="leaf"))
        + HEADLINE
        + llm("leaf", NOTE, "Ticket", "Ticket for $note")
    )
    c["mx2_inadequate_output_concept__ok_par_both"] = (
        head("run", concepts=pk)
        + pipe(
            "run",
            "PipeParallel",
            NOTE,
            "Pack",
            'add_each_output = false\nbranches = [\n    { pipe = "headline", result = "heading" },\n    { pipe = "headline", result = "ending" },\n]',
        )
        + HEADLINE
    )
    c["mx2_inadequate_output_multiplicity__par_list"] = (
        head("run")
        + pipe(
            "run",
            "PipeParallel",
            NOTE,
            "Composite[]",
            'add_each_output = true\nbranches = [\n    { pipe = "headline", result = "h" },\n]',
        )
        + HEADLINE
    )
    c["mx2_inadequate_output_multiplicity__binding_list"] = head("run") + _seq(
        tk, "Text", '    { from = "ticket.tags", result = "t" },'
    )
    c["mx2_inadequate_output_multiplicity__ok_binding_list"] = head("run") + _seq(
        tk, "Text[]", '    { from = "ticket.tags", result = "t" },'
    )
    c["mx2_llm_output_cannot_be_image__structure"] = head("leaf") + pipe(
        "leaf", "PipeStructure", NOTE, "Image", 'model = "$writing-factual"'
    )
    c["mx2_llm_output_cannot_be_image__preliminary"] = head("leaf") + llm(
        "leaf", NOTE, "Image", "Draw $note", 'structuring_method = "preliminary_text"'
    )

    # models named on other operators
    c["mx2_unknown_model__judge"] = head("leaf") + pipe(
        "leaf",
        "PipeJudge",
        NOTE,
        "YesNo",
        'model = "@no-such-judge"\nprompt = "Is $note urgent?"\nquestion = "Urgent?"\ncriteria = { yes = "Urgent", no = "Not urgent" }',
    )
    c["mx2_unknown_model__structure"] = head("leaf") + pipe(
        "leaf", "PipeStructure", NOTE, "Ticket", 'model = "$no-such-preset"'
    )
    c["mx2_unknown_model__model_to_structure"] = head("leaf") + llm(
        "leaf", NOTE, "Ticket", "Ticket for $note", 'model_to_structure = "$no-such-preset"'
    )
    c["mx2_unknown_model__wrong_category"] = head("leaf") + llm(
        "leaf", NOTE, "Summary", "Sum $note", 'model = "$gen-image"'
    )
    c["mx2_unknown_model__ok_handle_long"] = head("leaf") + llm(
        "leaf", NOTE, "Summary", "Sum $note", 'model = "preset:writing-factual"'
    )

    # concepts in other places
    c["mx2_unresolved_concept__batch_list"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Nte[]"},
            "Summary[]",
            'branch_pipe_code = "headline"\ninput_list_name = "notes"\ninput_item_name = "note"',
        )
        + HEADLINE
    )
    c["mx2_unresolved_concept__item_concept_ref"] = (
        head(
            "headline",
            concepts=CONCEPTS
            + '\n[concept.Queue]\ndescription = "Q"\n\n[concept.Queue.structure]\nitems = { type = "list", item_type = "concept", item_concept_ref = "Tiket", description = "I" }\n',
        )
        + HEADLINE
    )
    c["mx2_unresolved_concept__par_output"] = (
        head("run")
        + pipe(
            "run",
            "PipeParallel",
            NOTE,
            "Bundle",
            'add_each_output = true\nbranches = [\n    { pipe = "headline", result = "h" },\n]',
        )
        + HEADLINE
    )
    c["mx2_unresolved_concept__lower_domain_concept"] = head("leaf") + llm(
        "leaf", NOTE, "front_desk.summary", "Sum $note"
    )
    c["mx2_native_concept_redeclaration__table_structure"] = (
        head(
            "headline",
            concepts=CONCEPTS
            + '\n[concept.Text]\ndescription = "T"\n\n[concept.Text.structure]\nbody = "The body"\n',
        )
        + HEADLINE
    )
    c["mx2_native_concept_redeclaration__composite"] = (
        head("headline", concepts=CONCEPTS.replace("[concept]\n", '[concept]\nComposite = "C"\n', 1))
        + HEADLINE
    )
    c["mx2_native_concept_redeclaration__ok_lowercase_domain_same"] = (
        head("headline", domain="text", concepts=CONCEPTS) + HEADLINE
    )

    # multi-file libraries: the fault in the second file
    lib_head = (
        'domain = "front_desk"\ndescription = "Front desk"\nmain_pipe = "run"\n'
        + CONCEPTS
        + "\n"
        + _seq(NOTE, "Summary", '    { pipe = "helper", result = "r" },')
    )
    c["mx2_unresolved_pipe_dependency__lib"] = {
        "bundle.mthds": lib_head,
        "helpers.mthds": 'domain = "front_desk"\n\n' + llm("helpr", NOTE, "Summary", "Sum $note"),
    }
    c["mx2_unresolved_concept__lib"] = {
        "bundle.mthds": lib_head,
        "helpers.mthds": 'domain = "front_desk"\n\n' + llm("helper", NOTE, "Sumary", "Sum $note"),
    }
    c["mx2_native_concept_redeclaration__lib"] = {
        "bundle.mthds": lib_head,
        "helpers.mthds": 'domain = "front_desk"\n\n[concept]\nImage = "Mine"\n\n'
        + llm("helper", NOTE, "Summary", "Sum $note"),
    }
    c["mx2_input_stuff_spec_mismatch__lib"] = {
        "bundle.mthds": lib_head,
        "helpers.mthds": 'domain = "front_desk"\n\n'
        + llm("helper", {"note": "Ticket"}, "Summary", "Sum $note"),
    }
    c["mx2_unresolved_pipe_dependency__ok_lib"] = {
        "bundle.mthds": lib_head,
        "helpers.mthds": 'domain = "front_desk"\n\n' + llm("helper", NOTE, "Summary", "Sum $note"),
    }
    c["mx2_unresolved_pipe_dependency__lib_other_domain"] = {
        "bundle.mthds": lib_head.replace('"helper"', '"tools.helper"'),
        "helpers.mthds": 'domain = "tools"\n\n[concept]\nNote = "N"\nSummary = "S"\n\n'
        + llm("helper", {"note": "tools.Note"}, "tools.Summary", "Sum $note"),
    }

    # pairs of faults of different kinds
    c["mx2_two__schema_and_missing_var"] = head("leaf") + llm(
        "leaf", NOTE, "Summary", "Sum $note for $who", "temperature_x = 3"
    )
    c["mx2_two__unresolved_concept_and_pipe"] = head("run") + _seq(
        NOTE, "Sumary", '    { pipe = "nowhere", result = "r" },'
    )
    c["mx2_two__optional_and_multiplicity"] = (
        head("run")
        + _seq({"note": "Note?"}, "Summary[]", '    { pipe = "headline", result = "r" },')
        + HEADLINE
    )
    c["mx2_two__binding_and_extraneous"] = head("run") + _seq(
        {"ticket": "Ticket", "extra": "Text"}, "Text", '    { from = "ticket.nope", result = "v" },'
    )
    c["mx2_two__redeclared_and_unresolved"] = head(
        "leaf", concepts=CONCEPTS.replace("[concept]\n", '[concept]\nText = "Mine"\n', 1)
    ) + llm("leaf", NOTE, "Sumary", "Sum $note")
    c["mx2_two__private_and_missing"] = head("leaf") + llm("leaf", NOTE, "Summary", "{{ note._stuff }} $who")
    c["mx2_two__image_and_missing"] = head("leaf") + llm("leaf", NOTE, "Image", "Draw $note $who")
    c["mx2_two__collision_and_mismatch"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]"},
            "Summary[]",
            'branch_pipe_code = "leaf"\ninput_list_name = "notes"\ninput_item_name = "notes"',
        )
        + llm("leaf", {"notes": "Ticket"}, "Summary", "Sum $notes")
    )
    c["mx2_two__unguarded_and_model"] = head("leaf") + llm(
        "leaf", {"note": "Note", "extra": "Text?"}, "Summary", "Sum $note $extra", 'model = "$no-such-preset"'
    )
    c["mx2_two__marker_and_missing"] = head("leaf") + llm(
        "leaf", {"notes": "Note[]?"}, "Summary", "Sum $notes $who"
    )
    c["mx2_two__output_concept_and_unused"] = (
        head("run")
        + _seq({"note": "Note", "extra": "Text"}, "Ticket", '    { pipe = "headline", result = "r" },')
        + HEADLINE
    )
    c["mx2_two__type_and_concept"] = head("leaf") + llm("leaf", NOTE, "Sumary", "Sum $note").replace(
        'type = "PipeLLM"', 'type = "PipeLlm"'
    )

    # dry-run faults
    c["mx2_dry_run_error__expression_unmatched_fail"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Summary",
            'expression = "\'calm\'"\noutcomes = { urgent = "headline" }\ndefault_outcome = "fail"',
        )
        + HEADLINE
    )
    c["mx2_dry_run_error__template_division"] = head("leaf") + compose(
        "leaf", NOTE, "Summary", "{{ 1 // 0 }} $note"
    )
    c["mx2_dry_run_error__ok_unmatched_default"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Summary",
            'expression = "\'calm\'"\noutcomes = { urgent = "headline" }\ndefault_outcome = "headline"',
        )
        + HEADLINE
    )
    return c


def third_cases() -> dict[str, str | dict[str, str]]:
    """The third round: valid near misses around optionals, lists and bindings (where a checker too strict
    shows), and a few more faults next to them."""
    c: dict[str, str | dict[str, str]] = {}
    tk = {"ticket": "Ticket"}
    opt = {"note": "Note?"}
    c["mx3_optional__ok_chain"] = (
        head("run")
        + _seq(
            opt,
            "Summary?",
            '    { pipe = "leaf", result = "summary" },\n    { pipe = "polish_opt", result = "r" },',
        )
        + llm("leaf", opt, "Summary?", "@?note\nWrite a summary.")
        + llm("polish_opt", {"summary": "Summary?"}, "Summary?", "@?summary\nPolish it.")
    )
    c["mx3_optional__ok_continue_then_guarded"] = (
        head("run")
        + _seq(
            NOTE,
            "Summary",
            '    { pipe = "route", result = "summary" },\n    { pipe = "leaf", result = "r" },',
        )
        + pipe(
            "route",
            "PipeCondition",
            NOTE,
            "Summary?",
            'expression = "note.text"\noutcomes = { urgent = "headline" }\ndefault_outcome = "continue"',
        )
        + HEADLINE
        + llm("leaf", {"summary": "Summary?"}, "Summary", "@?summary\nWrite a summary.")
    )
    c["mx3_optional__continue_then_required"] = (
        head("run")
        + _seq(
            NOTE,
            "Summary",
            '    { pipe = "route", result = "summary" },\n    { pipe = "polish", result = "r" },',
        )
        + pipe(
            "route",
            "PipeCondition",
            NOTE,
            "Summary?",
            'expression = "note.text"\noutcomes = { urgent = "headline" }\ndefault_outcome = "continue"',
        )
        + HEADLINE
        + POLISH
    )
    c["mx3_optional__ok_continue_then_forced"] = (
        head("run")
        + _seq(
            NOTE,
            "Summary",
            '    { pipe = "route", result = "summary" },\n    { pipe = "leaf", result = "r" },',
        )
        + pipe(
            "route",
            "PipeCondition",
            NOTE,
            "Summary?",
            'expression = "note.text"\noutcomes = { urgent = "headline" }\ndefault_outcome = "continue"',
        )
        + HEADLINE
        + llm("leaf", {"summary": "Summary!"}, "Summary", "Polish $summary")
    )
    c["mx3_optional__jinja_if_truthy"] = head("leaf") + llm(
        "leaf",
        {"note": "Note", "extra": "Text?"},
        "Summary",
        "Sum $note{% if extra %} with $extra{% endif %}",
    )
    c["mx3_optional__default_filter"] = head("leaf") + llm(
        "leaf",
        {"note": "Note", "extra": "Text?"},
        "Summary",
        "Sum $note with {{ extra | default('nothing') }}",
    )
    c["mx3_optional__ok_guard_and_at"] = head("leaf") + llm(
        "leaf",
        {"note": "Note", "extra": "Text?"},
        "Summary",
        "Sum $note\n@?extra\n{% if extra is defined %}Use $extra.{% endif %}",
    )
    c["mx3_optional__cond_default_filter"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            {"note": "Note?"},
            "Summary?",
            'expression = "note.text | default(\'calm\')"\noutcomes = { urgent = "leaf" }\ndefault_outcome = "continue"',
        )
        + llm("leaf", {"note": "Note?"}, "Summary?", "@?note\nWrite.")
    )
    c["mx3_optional__branch_extra_not_provided"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]"},
            "Summary[]",
            'branch_pipe_code = "leaf"\ninput_list_name = "notes"\ninput_item_name = "note"',
        )
        + llm("leaf", {"note": "Note", "tone": "Text?"}, "Summary", "Sum $note\n@?tone")
    )
    c["mx3_optional__step_extra_not_provided"] = (
        head("run")
        + _seq(NOTE, "Summary", '    { pipe = "leaf", result = "r" },')
        + llm("leaf", {"note": "Note", "tone": "Text?"}, "Summary", "Sum $note\n@?tone")
    )
    c["mx3_optional__pbatch_forced_from_optional"] = (
        head("run")
        + pipe(
            "run",
            "PipeBatch",
            {"notes": "Note[]", "tone": "Text?"},
            "Summary[]",
            'branch_pipe_code = "leaf"\ninput_list_name = "notes"\ninput_item_name = "note"',
        )
        + llm("leaf", {"note": "Note", "tone": "Text!"}, "Summary", "Sum $note in a $tone tone")
    )
    c["mx3_optional__par_optional_structured_field_ok"] = (
        head(
            "par",
            concepts=CONCEPTS
            + '\n[concept.Pair]\ndescription = "P"\n\n[concept.Pair.structure]\nheading = { type = "concept", concept_ref = "Summary", description = "H", required = true }\nother = { type = "concept", concept_ref = "Summary", description = "O" }\n',
        )
        + pipe(
            "par",
            "PipeParallel",
            {"note": "Note", "extra": "Note?"},
            "Pair?",
            'add_each_output = false\nbranches = [\n    { pipe = "headline", result = "heading" },\n    { pipe = "leaf", result = "other" },\n]',
        )
        + HEADLINE
        + llm("leaf", {"extra": "Note"}, "Summary", "Sum $extra")
    )

    # lists and bindings
    deep = CONCEPTS + (
        '\n[concept.Queue]\ndescription = "A queue of tickets"\n\n[concept.Queue.structure]\n'
        'tickets = { type = "list", item_type = "concept", item_concept_ref = "Ticket", description = "Tickets", required = true }\n'
        'lead = { type = "concept", concept_ref = "Ticket", description = "The lead ticket" }\n'
    )
    c["mx3_list__ok_batch_over_optional_list_field"] = (
        head("run")
        + _seq(
            tk,
            "Summary[]",
            '    { pipe = "leaf", batch_over = "ticket.tags", batch_as = "tag", result = "r" },',
        )
        + llm("leaf", {"tag": "Text"}, "Summary", "Sum $tag")
    )
    c["mx3_list__ok_batch_over_nested_list"] = (
        head("run", concepts=deep)
        + _seq(
            {"queue": "Queue"},
            "Summary[]",
            '    { pipe = "leaf", batch_over = "queue.tickets", batch_as = "ticket", result = "r" },',
        )
        + llm("leaf", tk, "Summary", "Sum $ticket.title")
    )
    c["mx3_list__batch_over_optional_concept_list"] = (
        head("run", concepts=deep)
        + _seq(
            {"queue": "Queue"},
            "Summary[]",
            '    { pipe = "leaf", batch_over = "queue.lead.tags", batch_as = "tag", result = "r" },',
        )
        + llm("leaf", {"tag": "Text"}, "Summary", "Sum $tag")
    )
    c["mx3_list__ok_bind_optional_concept_field"] = (
        head("run", concepts=deep)
        + _seq(
            {"queue": "Queue"},
            "Summary?",
            '    { from = "queue.lead", result = "ticket" },\n    { pipe = "leaf", result = "r" },',
        )
        + llm("leaf", tk, "Summary", "Sum $ticket.title")
    )
    c["mx3_list__bind_optional_concept_field_required_out"] = (
        head("run", concepts=deep)
        + _seq(
            {"queue": "Queue"},
            "Summary",
            '    { from = "queue.lead", result = "ticket" },\n    { pipe = "leaf", result = "r" },',
        )
        + llm("leaf", tk, "Summary", "Sum $ticket.title")
    )
    c["mx3_list__ok_result_rebinds_input"] = (
        head("run")
        + _seq(
            NOTE,
            "Summary",
            '    { pipe = "tidy", result = "note" },\n    { pipe = "headline", result = "r" },',
        )
        + llm("tidy", NOTE, "Note", "Tidy $note")
        + HEADLINE
    )
    c["mx3_list__ok_unused_middle_result"] = (
        head("run")
        + _seq(
            NOTE,
            "Summary",
            '    { pipe = "headline", result = "first" },\n    { pipe = "headline", result = "second" },',
        )
        + HEADLINE
    )
    c["mx3_list__ok_outcomes_same_pipe"] = (
        head("run")
        + pipe(
            "run",
            "PipeCondition",
            NOTE,
            "Summary",
            'expression = "note.text"\noutcomes = { urgent = "headline", calm = "headline" }\ndefault_outcome = "headline"',
        )
        + HEADLINE
    )
    c["mx3_list__ok_refinement_chain"] = (
        head(
            "run",
            concepts=CONCEPTS
            + '\n[concept.Memo]\ndescription = "A memo"\nrefines = "Note"\n\n[concept.Brief]\ndescription = "A brief memo"\nrefines = "Memo"\n',
        )
        + _seq({"brief": "Brief"}, "Summary", '    { pipe = "leaf", result = "r" },')
        + llm("leaf", {"brief": "Text"}, "Summary", "Sum $brief")
    )
    c["mx3_list__construct_from_list"] = head("leaf") + pipe(
        "leaf",
        "PipeCompose",
        tk,
        "Ticket",
        '[pipe.leaf.construct]\ntitle = { template = "$ticket.title" }\ntags = { from = "ticket.tags" }',
    )
    c["mx3_list__ok_dotted_input_list_field"] = head("leaf") + llm(
        "leaf", {"ticket.tags": "Text[]"}, "Summary", "Sum {{ ticket.tags }}"
    )
    c["mx3_list__ok_seq_fixed_from_nb_output"] = (
        head("run")
        + _seq(NOTE, "Summary[2]", '    { pipe = "leaf", result = "r", nb_output = 2 },')
        + llm("leaf", NOTE, "Summary", "Sum $note")
    )
    c["mx3_list__seq_list_from_single_multiple_output"] = (
        head("run")
        + _seq(NOTE, "Summary[]", '    { pipe = "headline", result = "r", multiple_output = true },')
        + HEADLINE
    )
    c["mx3_list__ok_item_count_one"] = (
        head("run") + _seq(NOTE, "Summary[1]", '    { pipe = "headline", result = "r" },') + HEADLINE
    )
    return c
