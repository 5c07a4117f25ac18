"""Seventeenth fidelity pass: PipeLLM prompts (images, system prompts, output counts), conditions, libraries.

Hand-written bundles in the style of the reference's published docs, on the angles the earlier passes touched
least: a PipeLLM reading images and documents (``$image``, ``@image``, lists of images, an image only in the
system prompt, pages), its ``system_prompt`` at the bundle's and the pipe's level, its output counts
(``nb_output``, ``multiple_output``, ``X[]`` / ``X[N]`` written every way); PipeCondition with ``expression`` or
``expression_template``, its ``outcomes`` written every way, ``default_outcome`` and
``add_alias_from_expression_to`` read by an outcome; libraries of two or three files (folder cases: domains that
refer to each other, refinements across files, the main pipe in another file, codes declared twice). Case names
are ``f17_<group>__<name>``; nothing here encodes an expected verdict: the two CLIs decide.
"""

from __future__ import annotations


def _sub(text: str, old: str, new: str) -> str:
    """``text`` with its one ``old`` replaced (the mutation must hit: a silent miss would test the base twice)."""
    if old not in text:
        raise ValueError(f"mutation target not found: {old!r}")
    return text.replace(old, new, 1)


# ---------------------------------------------------------------------------------------------------------------
# PipeLLM: images, documents, system prompts

_VISION = '''domain = "gallery"
description = "Describe a photo for a catalogue"
main_pipe = "describe_photo"

[concept]
PhotoDescription = "A short description of a photo, for a catalogue"

[pipe.describe_photo]
type = "PipeLLM"
description = "Describe the photo"
inputs = { photo = "Image" }
output = "PhotoDescription"
prompt = """
Describe this photo in two sentences, for a catalogue:

$photo
"""
'''


def _vision() -> dict[str, str]:
    B = _VISION
    P = "$photo\n"
    C: dict[str, str] = {"base": B}
    C["at_photo"] = _sub(B, P, "@photo\n")
    C["braces_photo"] = _sub(B, P, "{{ photo }}\n")
    C["photo_inline"] = _sub(B, "two sentences, for a catalogue:\n\n$photo\n", "two sentences: $photo\n")
    C["photo_not_read"] = _sub(B, P, "the photo attached.\n")
    C["photo_in_system_prompt"] = _sub(
        B, 'prompt = """', 'system_prompt = "You look at $photo and write for a catalogue."\nprompt = """'
    ).replace('$photo\n"""', 'the photo.\n"""')
    C["photo_both_prompts"] = _sub(
        B, 'prompt = """', 'system_prompt = "You look at $photo and write for a catalogue."\nprompt = """'
    )
    C["photos_list_dollar"] = _sub(_sub(B, 'photo = "Image"', 'photos = "Image[]"'), P, "$photos\n")
    C["photos_list_at"] = _sub(_sub(B, 'photo = "Image"', 'photos = "Image[]"'), P, "@photos\n")
    C["photos_list_for"] = _sub(
        _sub(B, 'photo = "Image"', 'photos = "Image[]"'), P, "{% for p in photos %}\n{{ p }}\n{% endfor %}\n"
    )
    C["photos_fixed_count"] = _sub(_sub(B, 'photo = "Image"', 'photos = "Image[3]"'), P, "$photos\n")
    C["photo_with_images_filter"] = _sub(B, P, "{{ photo | with_images }}\n")
    C["photo_url_field"] = _sub(B, P, "$photo.url\n")
    C["photo_caption_field"] = _sub(B, P, "$photo.caption\n")
    C["photo_unknown_field"] = _sub(B, P, "$photo.resolution\n")
    C["two_images"] = _sub(
        _sub(B, 'photo = "Image"', 'photo = "Image", logo = "Image"'),
        P,
        "$photo\n\nThe brand's logo:\n$logo\n",
    )
    C["image_and_text"] = _sub(
        _sub(B, 'photo = "Image"', 'photo = "Image", brief = "Text"'), P, "$photo\n\n@brief\n"
    )
    C["document_input"] = _sub(_sub(B, 'photo = "Image"', 'leaflet = "Document"'), P, "$leaflet\n")
    C["document_at"] = _sub(_sub(B, 'photo = "Image"', 'leaflet = "Document"'), P, "@leaflet\n")
    C["document_not_read"] = _sub(_sub(B, 'photo = "Image"', 'leaflet = "Document"'), P, "the leaflet.\n")
    C["pdf_input"] = _sub(_sub(B, 'photo = "Image"', 'leaflet = "PDF"'), P, "$leaflet\n")
    C["page_input"] = _sub(_sub(B, 'photo = "Image"', 'page = "Page"'), P, "$page\n")
    C["page_with_images"] = _sub(_sub(B, 'photo = "Image"', 'page = "Page"'), P, "{{ page | with_images }}\n")
    C["page_view"] = _sub(_sub(B, 'photo = "Image"', 'page = "Page"'), P, "$page.page_view\n")
    C["page_dotted_input"] = _sub(_sub(B, 'photo = "Image"', '"page.page_view" = "Image"'), P, "$page\n")
    C["pages_list"] = _sub(_sub(B, 'photo = "Image"', 'pages = "Page[]"'), P, "@pages\n")
    C["refined_image_simple"] = _sub(
        _sub(B, 'photo = "Image"', 'photo = "ProductShot"'),
        'PhotoDescription = "A short description of a photo, for a catalogue"',
        'PhotoDescription = "A short description of a photo, for a catalogue"\n\n'
        '[concept.ProductShot]\ndescription = "A photo of a product"\nrefines = "Image"',
    )
    C["output_image"] = _sub(B, 'output = "PhotoDescription"', 'output = "Image"')
    C["output_text_list"] = _sub(B, 'output = "PhotoDescription"', 'output = "Text[]"')
    return C


_SYS = '''domain = "support"
description = "Answer a customer's question in the company's voice"
main_pipe = "answer_question"
system_prompt = "You are a friendly support agent for a bicycle shop."

[pipe.answer_question]
type = "PipeLLM"
description = "Answer the question"
inputs = { question = "Text", policy = "Text" }
output = "Text"
system_prompt = """
You answer following this policy:
@policy
"""
prompt = """
Answer this question:

@question
"""
'''


def _sys() -> dict[str, str]:
    B = _SYS
    C: dict[str, str] = {"base": B}
    C["no_pipe_system"] = _sub(
        _sub(B, 'system_prompt = """\nYou answer following this policy:\n@policy\n"""\n', ""),
        "@question\n",
        "@question\n\n@policy\n",
    )
    C["no_bundle_system"] = _sub(
        B, 'system_prompt = "You are a friendly support agent for a bicycle shop."\n', ""
    )
    C["bundle_system_reads_input"] = _sub(
        B,
        'system_prompt = "You are a friendly support agent for a bicycle shop."',
        'system_prompt = "You are a friendly support agent. Question: $question"',
    )
    C["pipe_system_dollar"] = _sub(B, '@policy\n"""\nprompt', '$policy\n"""\nprompt')
    C["pipe_system_inline_at"] = _sub(
        B,
        'system_prompt = """\nYou answer following this policy:\n@policy\n"""',
        'system_prompt = "Follow this policy: @policy"',
    )
    C["pipe_system_braces"] = _sub(B, '@policy\n"""\nprompt', '{{ policy }}\n"""\nprompt')
    C["pipe_system_undeclared"] = _sub(B, '@policy\n"""\nprompt', '@policy\n$tone\n"""\nprompt')
    C["pipe_system_empty"] = _sub(
        _sub(B, 'system_prompt = """\nYou answer following this policy:\n@policy\n"""', 'system_prompt = ""'),
        "@question\n",
        "@question\n\n@policy\n",
    )
    C["bundle_system_empty"] = _sub(
        B, 'system_prompt = "You are a friendly support agent for a bicycle shop."', 'system_prompt = ""'
    )
    C["bundle_system_number"] = _sub(
        B, 'system_prompt = "You are a friendly support agent for a bicycle shop."', "system_prompt = 42"
    )
    C["pipe_system_table"] = _sub(
        _sub(
            B,
            'system_prompt = """\nYou answer following this policy:\n@policy\n"""',
            'system_prompt = { template = "Follow the policy" }',
        ),
        "@question\n",
        "@question\n\n@policy\n",
    )
    C["pipe_system_only"] = _sub(B, 'prompt = """\nAnswer this question:\n\n@question\n"""\n', "").replace(
        '@policy\n"""', '@policy\n\nThe question:\n@question\n"""'
    )
    C["no_prompts"] = B.split('system_prompt = """')[0]
    C["prompt_empty"] = _sub(
        B, 'prompt = """\nAnswer this question:\n\n@question\n"""', 'prompt = ""'
    ).replace('@policy\n"""', '@policy\n@question\n"""')
    C["pipe_system_optional_guarded"] = _sub(
        _sub(B, 'policy = "Text"', 'policy = "Text?"'), '@policy\n"""\nprompt', '@?policy\n"""\nprompt'
    )
    C["pipe_system_optional_unguarded"] = _sub(B, 'policy = "Text"', 'policy = "Text?"')
    C["system_prompt_on_compose"] = (
        _SYS.split("[pipe.answer_question]")[0]
        + """[pipe.answer_question]
type = "PipeCompose"
description = "Answer the question"
inputs = { question = "Text" }
output = "Text"
system_prompt = "Be brief."
template = "Q: $question"
"""
    )
    C["system_prompt_on_imggen"] = (
        _SYS.split("[pipe.answer_question]")[0]
        + """[pipe.answer_question]
type = "PipeImgGen"
description = "Draw the question"
inputs = { question = "Text" }
output = "Image"
system_prompt = "Be brief."
prompt = "A drawing of $question"
"""
    )
    C["templating_style_ticks"] = _sub(
        B, 'output = "Text"\n', 'output = "Text"\ntemplating_style = "ticks"\n'
    )
    C["templating_style_bad"] = _sub(B, 'output = "Text"\n', 'output = "Text"\ntemplating_style = "html"\n')
    C["templating_style_markdown"] = _sub(
        B, 'output = "Text"\n', 'output = "Text"\ntemplating_style = "markdown"\n'
    )
    C["bundle_system_jinja"] = _sub(
        B,
        'system_prompt = "You are a friendly support agent for a bicycle shop."',
        'system_prompt = "You are a friendly support agent{% if true %} for a bicycle shop{% endif %}."',
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# PipeLLM output counts

_COUNT = '''domain = "naming"
description = "Propose names for a product"
main_pipe = "propose_names"

[concept]
ProductBrief = "What the product is and who it is for"

[concept.NameIdea]
description = "A proposed product name"

[concept.NameIdea.structure]
name = { type = "text", description = "The name", required = true }
rationale = { type = "text", description = "Why it fits" }

[pipe.propose_names]
type = "PipeLLM"
description = "Propose product names"
inputs = { brief = "ProductBrief" }
output = "NameIdea[]"
prompt = """
Propose names for this product:

@brief
"""
'''


def _count() -> dict[str, str]:
    B = _COUNT
    OUT = 'output = "NameIdea[]"'
    C: dict[str, str] = {"base": B}
    for name, repl in {
        "fixed_3": 'output = "NameIdea[3]"',
        "fixed_1": 'output = "NameIdea[1]"',
        "fixed_0": 'output = "NameIdea[0]"',
        "fixed_neg": 'output = "NameIdea[-2]"',
        "fixed_space_in": 'output = "NameIdea[ 3 ]"',
        "space_before": 'output = "NameIdea []"',
        "fixed_word": 'output = "NameIdea[three]"',
        "single": 'output = "NameIdea"',
        "nb_output_3_list": 'output = "NameIdea[]"\nnb_output = 3',
        "nb_output_3_single": 'output = "NameIdea"\nnb_output = 3',
        "nb_output_3_fixed3": 'output = "NameIdea[3]"\nnb_output = 3',
        "nb_output_2_fixed3": 'output = "NameIdea[3]"\nnb_output = 2',
        "nb_output_0": 'output = "NameIdea[]"\nnb_output = 0',
        "nb_output_1": 'output = "NameIdea[]"\nnb_output = 1',
        "nb_output_str": 'output = "NameIdea[]"\nnb_output = "3"',
        "multiple_true_list": 'output = "NameIdea[]"\nmultiple_output = true',
        "multiple_true_single": 'output = "NameIdea"\nmultiple_output = true',
        "multiple_false_list": 'output = "NameIdea[]"\nmultiple_output = false',
        "multiple_false_single": 'output = "NameIdea"\nmultiple_output = false',
        "text_list": 'output = "Text[]"',
        "text_fixed": 'output = "Text[5]"',
        "text_nb_output": 'output = "Text"\nnb_output = 5',
        "optional_output": 'output = "NameIdea?"',
        "optional_list": 'output = "NameIdea[]?"',
        "qualified_list": 'output = "naming.NameIdea[]"',
        "qualified_fixed": 'output = "naming.NameIdea[4]"',
        "native_qualified_list": 'output = "native.Text[]"',
        "nb_output_var_prompt": 'output = "NameIdea[]"\nnb_output = 3',
    }.items():
        C[name] = _sub(B, OUT, repl)
    C["nb_output_var_prompt"] = _sub(
        C["nb_output_var_prompt"], "Propose names", "Propose {{ _nb_output }} names"
    )
    C["fixed_var_prompt"] = _sub(
        _sub(B, OUT, 'output = "NameIdea[3]"'), "Propose names", "Propose $_nb_output names"
    )
    C["list_var_prompt"] = _sub(B, "Propose names", "Propose {{ _nb_output }} names")
    C["seq_list_into_batch"] = (
        B.replace('main_pipe = "propose_names"', 'main_pipe = "name_and_check"')
        + """
[pipe.name_and_check]
type = "PipeSequence"
description = "Propose names, then check each one"
inputs = { brief = "ProductBrief" }
output = "Text[]"
steps = [
    { pipe = "propose_names", result = "ideas" },
    { pipe = "check_name", batch_over = "ideas", batch_as = "idea", result = "checks" },
]

[pipe.check_name]
type = "PipeLLM"
description = "Check a name"
inputs = { idea = "NameIdea" }
output = "Text"
prompt = "Is $idea.name a good name? Say why in one line."
"""
    )
    C["seq_fixed_into_batch"] = _sub(C["seq_list_into_batch"], OUT, 'output = "NameIdea[3]"')
    C["seq_nb_output_step"] = _sub(
        C["seq_list_into_batch"],
        '{ pipe = "propose_names", result = "ideas" }',
        '{ pipe = "propose_names", result = "ideas", nb_output = 3 }',
    )
    C["seq_multiple_output_step"] = _sub(
        C["seq_list_into_batch"],
        '{ pipe = "propose_names", result = "ideas" }',
        '{ pipe = "propose_names", result = "ideas", multiple_output = true }',
    )
    C["seq_single_into_batch"] = _sub(C["seq_list_into_batch"], OUT, 'output = "NameIdea"')
    C["seq_list_read_whole"] = (
        _sub(
            _sub(
                C["seq_list_into_batch"],
                '{ pipe = "check_name", batch_over = "ideas", batch_as = "idea", result = "checks" }',
                '{ pipe = "check_name", result = "checks" }',
            ),
            'inputs = { idea = "NameIdea" }',
            'inputs = { ideas = "NameIdea[]" }',
        )
        .replace("Is $idea.name a good name? Say why in one line.", "Which of these is best? @ideas")
        .replace('output = "Text[]"\nsteps', 'output = "Text"\nsteps')
    )
    C["seq_fixed_read_as_fixed"] = _sub(
        _sub(C["seq_list_read_whole"], OUT, 'output = "NameIdea[3]"'),
        'ideas = "NameIdea[]"',
        'ideas = "NameIdea[3]"',
    )
    C["seq_list_read_as_fixed"] = _sub(
        C["seq_list_read_whole"], 'ideas = "NameIdea[]"', 'ideas = "NameIdea[3]"'
    )
    C["seq_fixed_read_as_other_fixed"] = _sub(
        _sub(C["seq_list_read_whole"], OUT, 'output = "NameIdea[2]"'),
        'ideas = "NameIdea[]"',
        'ideas = "NameIdea[3]"',
    )
    C["seq_list_read_at_inline"] = _sub(
        C["seq_list_read_whole"], "Which of these is best? @ideas", "Which is best?\n@ideas"
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# PipeCondition

_COND = '''domain = "helpdesk"
description = "Route a support ticket to the right reply"
main_pipe = "handle_ticket"

[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
subject = { type = "text", description = "The subject line", required = true }
body = { type = "text", description = "What the customer wrote", required = true }

[concept.Triage]
description = "How a ticket was classified"

[concept.Triage.structure]
kind = { choices = ["bug", "billing", "other"], description = "The kind of ticket", required = true }
urgent = { type = "boolean", description = "Whether it is urgent" }

[pipe.handle_ticket]
type = "PipeSequence"
description = "Classify the ticket, then reply"
inputs = { ticket = "Ticket" }
output = "Text"
steps = [
    { pipe = "classify_ticket", result = "triage" },
    { pipe = "route_ticket", result = "reply" },
]

[pipe.classify_ticket]
type = "PipeLLM"
description = "Classify the ticket"
inputs = { ticket = "Ticket" }
output = "Triage"
prompt = """
Classify this ticket:

@ticket
"""

[pipe.route_ticket]
type = "PipeCondition"
description = "Reply according to the ticket's kind"
inputs = { ticket = "Ticket", triage = "Triage" }
output = "Text"
expression = "triage.kind"
default_outcome = "reply_other"

[pipe.route_ticket.outcomes]
bug = "reply_bug"
billing = "reply_billing"

[pipe.reply_bug]
type = "PipeLLM"
description = "Reply to a bug report"
inputs = { ticket = "Ticket" }
output = "Text"
prompt = "Thank the customer for reporting the bug described in $ticket.subject."

[pipe.reply_billing]
type = "PipeLLM"
description = "Reply to a billing question"
inputs = { ticket = "Ticket" }
output = "Text"
prompt = "Answer the billing question: $ticket.body"

[pipe.reply_other]
type = "PipeLLM"
description = "Reply to anything else"
inputs = { ticket = "Ticket" }
output = "Text"
prompt = "Reply politely to: $ticket.body"
'''


def _cond() -> dict[str, str]:
    B = _COND
    E = 'expression = "triage.kind"'
    D = 'default_outcome = "reply_other"'
    OUT = '[pipe.route_ticket.outcomes]\nbug = "reply_bug"\nbilling = "reply_billing"\n'
    C: dict[str, str] = {"base": B}
    C["template"] = _sub(B, E, 'expression_template = "{{ triage.kind }}"')
    C["template_filter"] = _sub(B, E, 'expression_template = "{{ triage.kind | lower }}"')
    C["template_if"] = _sub(
        B, E, 'expression_template = "{% if triage.urgent %}bug{% else %}{{ triage.kind }}{% endif %}"'
    )
    C["template_plain_text"] = _sub(B, E, 'expression_template = "bug"')
    C["template_dollar"] = _sub(B, E, 'expression_template = "$triage.kind"')
    C["expression_braces"] = _sub(B, E, 'expression = "{{ triage.kind }}"')
    C["expression_filter"] = _sub(B, E, 'expression = "triage.kind | upper"')
    C["expression_ternary"] = _sub(B, E, "expression = \"'bug' if triage.urgent else triage.kind\"")
    C["expression_concat"] = _sub(B, E, "expression = \"triage.kind ~ '_x'\"")
    C["expression_boolean_field"] = _sub(
        _sub(B, E, 'expression = "triage.urgent"'),
        OUT,
        '[pipe.route_ticket.outcomes]\nTrue = "reply_bug"\nFalse = "reply_billing"\n',
    )
    C["expression_unknown_field"] = _sub(B, E, 'expression = "triage.category"')
    C["expression_undeclared"] = _sub(B, E, 'expression = "verdict.kind"')
    C["expression_input_other"] = _sub(B, E, 'expression = "ticket.subject"')
    C["expression_and_template"] = _sub(B, E, E + '\nexpression_template = "{{ triage.kind }}"')
    C["no_expression"] = _sub(B, E + "\n", "")
    C["expression_empty"] = _sub(B, E, 'expression = ""')
    C["expression_syntax"] = _sub(B, E, 'expression = "triage.kind =="')
    C["template_syntax"] = _sub(B, E, 'expression_template = "{{ triage.kind "')
    C["expression_at"] = _sub(B, E, 'expression = "@triage.kind"')
    C["no_default"] = _sub(B, D + "\n", "")
    C["default_fail"] = _sub(B, D, 'default_outcome = "fail"')
    C["default_continue"] = _sub(B, D, 'default_outcome = "continue"')
    C["default_continue_optional"] = _sub(
        _sub(
            _sub(B, D, 'default_outcome = "continue"'),
            'output = "Text"\nexpression',
            'output = "Text?"\nexpression',
        ),
        'output = "Text"\nsteps',
        'output = "Text?"\nsteps',
    )
    C["default_unknown"] = _sub(B, D, 'default_outcome = "reply_unknown"')
    C["default_qualified"] = _sub(B, D, 'default_outcome = "helpdesk.reply_other"')
    C["outcome_qualified"] = _sub(B, 'bug = "reply_bug"', 'bug = "helpdesk.reply_bug"')
    C["outcome_fail"] = _sub(B, 'billing = "reply_billing"', 'billing = "fail"')
    C["outcome_continue"] = _sub(B, 'billing = "reply_billing"', 'billing = "continue"')
    C["outcome_unknown_pipe"] = _sub(B, 'billing = "reply_billing"', 'billing = "reply_invoice"')
    C["outcomes_empty"] = _sub(B, OUT, "[pipe.route_ticket.outcomes]\n")
    C["outcomes_missing"] = _sub(B, OUT, "")
    C["outcomes_inline"] = _sub(
        _sub(B, OUT, ""), D, D + '\noutcomes = { bug = "reply_bug", billing = "reply_billing" }'
    )
    C["outcomes_quoted_keys"] = _sub(
        B, OUT, '[pipe.route_ticket.outcomes]\n"bug" = "reply_bug"\n"billing" = "reply_billing"\n'
    )
    C["outcomes_key_spaces"] = _sub(B, OUT, OUT + '"needs review" = "reply_other"\n')
    C["outcomes_key_number"] = _sub(B, OUT, OUT + '3 = "reply_other"\n')
    C["outcomes_key_empty"] = _sub(B, OUT, OUT + '"" = "reply_other"\n')
    C["outcome_to_itself"] = _sub(B, 'billing = "reply_billing"', 'billing = "route_ticket"')
    C["outcome_value_table"] = _sub(B, 'billing = "reply_billing"', 'billing = { pipe = "reply_billing" }')
    C["pipe_map_old"] = _sub(B, "[pipe.route_ticket.outcomes]", "[pipe.route_ticket.pipe_map]")
    C["default_pipe_code_old"] = _sub(B, D, 'default_pipe_code = "reply_other"')
    C["alias_read_by_outcome"] = _sub(
        _sub(B, D, D + '\nadd_alias_from_expression_to = "ticket_kind"'),
        'inputs = { ticket = "Ticket" }\noutput = "Text"\nprompt = "Thank the customer',
        'inputs = { ticket = "Ticket", ticket_kind = "Text" }\noutput = "Text"\nprompt = "Thank the customer ($ticket_kind)',
    )
    C["alias_not_read"] = _sub(B, D, D + '\nadd_alias_from_expression_to = "ticket_kind"')
    C["alias_read_later_step"] = _sub(
        _sub(
            _sub(B, D, D + '\nadd_alias_from_expression_to = "ticket_kind"'),
            '    { pipe = "route_ticket", result = "reply" },\n',
            '    { pipe = "route_ticket", result = "reply" },\n    { pipe = "sign_reply", result = "signed" },\n',
        ),
        "[pipe.reply_bug]",
        """[pipe.sign_reply]
type = "PipeCompose"
description = "Sign the reply"
inputs = { reply = "Text", ticket_kind = "Text" }
output = "Text"
template = "$reply (filed under $ticket_kind)"

[pipe.reply_bug]""",
    )
    C["alias_bad_name"] = _sub(B, D, D + '\nadd_alias_from_expression_to = "ticket kind"')
    C["alias_empty"] = _sub(B, D, D + '\nadd_alias_from_expression_to = ""')
    C["alias_number"] = _sub(B, D, D + "\nadd_alias_from_expression_to = 3")
    C["outcome_other_output"] = _sub(
        B, 'output = "Text"\nprompt = "Answer the billing', 'output = "Triage"\nprompt = "Answer the billing'
    )
    C["outcome_list_output"] = _sub(
        B, 'output = "Text"\nprompt = "Answer the billing', 'output = "Text[]"\nprompt = "Answer the billing'
    )
    C["outcome_reads_undeclared"] = _sub(
        B,
        'inputs = { ticket = "Ticket" }\noutput = "Text"\nprompt = "Answer the billing question: $ticket.body"',
        'inputs = { ticket = "Ticket", invoice = "Text" }\noutput = "Text"\nprompt = "Answer the billing question: $ticket.body about @invoice"',
    ).replace("about @invoice", "about $invoice")
    C["outcome_reads_triage"] = _sub(
        B,
        'inputs = { ticket = "Ticket" }\noutput = "Text"\nprompt = "Answer the billing question: $ticket.body"',
        'inputs = { ticket = "Ticket", triage = "Triage" }\noutput = "Text"\nprompt = "Answer the $triage.kind question: $ticket.body"',
    )
    C["condition_input_unused"] = _sub(
        B,
        'inputs = { ticket = "Ticket", triage = "Triage" }',
        'inputs = { ticket = "Ticket", triage = "Triage", note = "Text" }',
    )
    C["condition_no_ticket"] = _sub(
        B, 'inputs = { ticket = "Ticket", triage = "Triage" }', 'inputs = { triage = "Triage" }'
    )
    C["condition_main"] = _sub(B, 'main_pipe = "handle_ticket"', 'main_pipe = "route_ticket"')
    C["condition_triage_list"] = _sub(
        B,
        'inputs = { ticket = "Ticket", triage = "Triage" }',
        'inputs = { ticket = "Ticket", triage = "Triage[]" }',
    )
    C["output_anything"] = _sub(B, 'output = "Text"\nexpression', 'output = "Anything"\nexpression')
    C["output_dynamic"] = _sub(B, 'output = "Text"\nexpression', 'output = "Dynamic"\nexpression')
    return C


# ---------------------------------------------------------------------------------------------------------------
# Libraries of several files (folder cases)

_LEGAL = '''domain = "legal"
description = "Contracts and their clauses"

[concept.Contract]
description = "A signed agreement between parties"
refines = "Text"

[concept.Clause]
description = "One clause of a contract"

[concept.Clause.structure]
title = { type = "text", description = "The clause's title", required = true }
text = { type = "text", description = "What it says", required = true }

[pipe.extract_clauses]
type = "PipeLLM"
description = "List a contract's clauses"
inputs = { contract = "Contract" }
output = "Clause[]"
prompt = """
List the clauses of this contract:

@contract
"""
'''

_REVIEW = '''domain = "review"
description = "Review a contract's clauses for risks"
main_pipe = "review_contract"

[concept.RiskNote]
description = "A risk found in a clause"

[concept.RiskNote.structure]
clause_title = { type = "text", description = "Which clause", required = true }
risk = { type = "text", description = "The risk", required = true }

[pipe.review_contract]
type = "PipeSequence"
description = "Extract the clauses, then note the risk of each"
inputs = { contract = "legal.Contract" }
output = "RiskNote[]"
steps = [
    { pipe = "legal.extract_clauses", result = "clauses" },
    { pipe = "note_risk", batch_over = "clauses", batch_as = "clause", result = "risks" },
]

[pipe.note_risk]
type = "PipeLLM"
description = "Note the risk of one clause"
inputs = { clause = "legal.Clause" }
output = "RiskNote"
prompt = """
What is the risk in this clause?

@clause
"""
'''


def _lib() -> dict[str, dict[str, str]]:
    L, R = _LEGAL, _REVIEW
    C: dict[str, dict[str, str]] = {}
    C["base"] = {"legal.mthds": L, "bundle.mthds": R}
    C["bare_concept"] = {
        "legal.mthds": L,
        "bundle.mthds": _sub(R, 'clause = "legal.Clause"', 'clause = "Clause"'),
    }
    C["bare_pipe"] = {
        "legal.mthds": L,
        "bundle.mthds": _sub(R, '{ pipe = "legal.extract_clauses"', '{ pipe = "extract_clauses"'),
    }
    C["wrong_domain_pipe"] = {
        "legal.mthds": L,
        "bundle.mthds": _sub(R, '{ pipe = "legal.extract_clauses"', '{ pipe = "contracts.extract_clauses"'),
    }
    C["refine_across"] = {
        "legal.mthds": L,
        "bundle.mthds": _sub(
            _sub(R, 'inputs = { contract = "legal.Contract" }', 'inputs = { contract = "Lease" }'),
            "[concept.RiskNote]",
            '[concept.Lease]\ndescription = "A rental contract"\nrefines = "legal.Contract"\n\n[concept.RiskNote]',
        ),
    }
    C["refine_across_structured"] = {
        "legal.mthds": L,
        "bundle.mthds": _sub(
            _sub(R, 'inputs = { clause = "legal.Clause" }', 'inputs = { clause = "KeyClause" }'),
            "[concept.RiskNote]",
            '[concept.KeyClause]\ndescription = "An important clause"\nrefines = "legal.Clause"\n\n[concept.RiskNote]',
        ),
    }
    C["refine_unknown_across"] = {
        "legal.mthds": L,
        "bundle.mthds": _sub(
            R,
            "[concept.RiskNote]",
            '[concept.Lease]\ndescription = "A rental contract"\nrefines = "legal.Agreement"\n\n[concept.RiskNote]',
        ),
    }
    C["field_concept_across"] = {
        "legal.mthds": L,
        "bundle.mthds": _sub(
            R,
            'risk = { type = "text", description = "The risk", required = true }',
            'risk = { type = "text", description = "The risk", required = true }\n'
            'clause = { type = "concept", concept_ref = "legal.Clause", description = "The clause" }',
        ),
    }
    C["field_list_across"] = {
        "legal.mthds": L,
        "bundle.mthds": _sub(
            R,
            'risk = { type = "text", description = "The risk", required = true }',
            'risk = { type = "text", description = "The risk", required = true }\n'
            'related = { type = "list", item_type = "concept", item_concept_ref = "legal.Clause", description = "x" }',
        ),
    }
    C["same_domain_two_files"] = {
        "legal.mthds": L,
        "more.mthds": """domain = "legal"
description = "More about contracts"

[pipe.summarize_contract]
type = "PipeLLM"
description = "Summarize a contract"
inputs = { contract = "Contract" }
output = "Text"
prompt = "Summarize: @contract"
""".replace("Summarize: @contract", "Summarize:\n@contract"),
        "bundle.mthds": R,
    }
    C["same_domain_duplicate_pipe"] = {
        "legal.mthds": L,
        "more.mthds": 'domain = "legal"\ndescription = "Again"\n\n' + L[L.index("[pipe.extract_clauses]") :],
        "bundle.mthds": R,
    }
    C["same_domain_duplicate_concept"] = {
        "legal.mthds": L,
        "more.mthds": 'domain = "legal"\ndescription = "Again"\n\n[concept]\nContract = "A contract, again"\n',
        "bundle.mthds": R,
    }
    C["other_domain_same_pipe_code"] = {
        "legal.mthds": L,
        "bundle.mthds": R
        + '''
[pipe.extract_clauses]
type = "PipeLLM"
description = "Our own clause lister"
inputs = { contract = "legal.Contract" }
output = "legal.Clause[]"
prompt = """
List the clauses:

@contract
"""
''',
    }
    C["other_domain_same_concept_code"] = {
        "legal.mthds": L,
        "bundle.mthds": _sub(
            R, "[concept.RiskNote]", '[concept]\nContract = "Our own contract"\n\n[concept.RiskNote]'
        ),
    }
    C["main_pipe_other_file"] = {
        "legal.mthds": _sub(
            L,
            'description = "Contracts and their clauses"\n',
            'description = "Contracts and their clauses"\nmain_pipe = "extract_clauses"\n',
        ),
        "bundle.mthds": _sub(R, 'main_pipe = "review_contract"\n', ""),
    }
    C["main_pipe_names_other_domain"] = {
        "legal.mthds": L,
        "bundle.mthds": _sub(R, 'main_pipe = "review_contract"', 'main_pipe = "legal.extract_clauses"'),
    }
    C["three_files_chain"] = {
        "legal.mthds": L,
        "bundle.mthds": R,
        "report.mthds": '''domain = "reporting"
description = "Report on a contract's risks"
main_pipe = "risk_report"

[pipe.risk_report]
type = "PipeSequence"
description = "Review the contract, then write a report"
inputs = { contract = "legal.Contract" }
output = "Text"
steps = [
    { pipe = "review.review_contract", result = "risks" },
    { pipe = "write_report", result = "report" },
]

[pipe.write_report]
type = "PipeLLM"
description = "Write the report"
inputs = { risks = "review.RiskNote[]" }
output = "Text"
prompt = """
Write a short report on these risks:

@risks
"""
''',
    }
    C["cycle_across_files"] = {
        "legal.mthds": L
        + """
[pipe.review_and_list]
type = "PipeSequence"
description = "Review, then list again"
inputs = { contract = "Contract" }
output = "review.RiskNote[]"
steps = [{ pipe = "review.review_contract", result = "notes" }]
""",
        "bundle.mthds": _sub(
            R,
            'steps = [\n    { pipe = "legal.extract_clauses", result = "clauses" },',
            'steps = [\n    { pipe = "legal.review_and_list", result = "earlier" },\n    { pipe = "legal.extract_clauses", result = "clauses" },',
        ),
    }
    C["domain_in_subfolder"] = {"lib/legal.mthds": L, "bundle.mthds": R}
    C["concept_only_file"] = {
        "concepts.mthds": 'domain = "legal"\ndescription = "Concepts"\n\n[concept.Contract]\ndescription = "A contract"\nrefines = "Text"\n',
        "legal.mthds": L.replace(
            '[concept.Contract]\ndescription = "A signed agreement between parties"\nrefines = "Text"\n\n', ""
        ),
        "bundle.mthds": R,
    }
    C["bundle_system_prompt_across"] = {
        "legal.mthds": _sub(
            L,
            'description = "Contracts and their clauses"\n',
            'description = "Contracts and their clauses"\nsystem_prompt = "You are a careful lawyer."\n',
        ),
        "bundle.mthds": R,
    }
    C["output_wrong_domain"] = {
        "legal.mthds": L,
        "bundle.mthds": _sub(R, 'output = "RiskNote[]"\nsteps', 'output = "legal.RiskNote[]"\nsteps'),
    }
    return C


# ---------------------------------------------------------------------------------------------------------------
# Controllers from the docs: parallel, batch

_PAR = """domain = "marketing"
description = "Write a product's tagline and description at once"
main_pipe = "write_copy"

[concept]
Product = "A product to market"
Tagline = "A one-line tagline"
LongDescription = "A paragraph describing a product"

[concept.ProductCopy]
description = "All the copy for a product"

[concept.ProductCopy.structure]
tagline = { type = "text", description = "The tagline", required = true }
long_description = { type = "text", description = "The description", required = true }

[pipe.write_copy]
type = "PipeParallel"
description = "Write the copy in parallel"
inputs = { product = "Product" }
output = "ProductCopy"
combined_output = "ProductCopy"
branches = [
    { pipe = "write_tagline", result = "tagline" },
    { pipe = "write_description", result = "long_description" },
]

[pipe.write_tagline]
type = "PipeLLM"
description = "Write a tagline"
inputs = { product = "Product" }
output = "Tagline"
prompt = "Write a tagline for $product"

[pipe.write_description]
type = "PipeLLM"
description = "Write a description"
inputs = { product = "Product" }
output = "LongDescription"
prompt = "Describe $product in a paragraph"
"""


def _par() -> dict[str, str]:
    B = _PAR
    C: dict[str, str] = {"base": B}
    C["no_combined"] = _sub(B, 'combined_output = "ProductCopy"\n', "")
    C["add_each_only"] = _sub(B, 'combined_output = "ProductCopy"\n', "add_each_output = true\n").replace(
        'output = "ProductCopy"\nadd_each', 'output = "Text"\nadd_each'
    )
    C["add_each_and_combined"] = _sub(
        B, 'combined_output = "ProductCopy"\n', 'combined_output = "ProductCopy"\nadd_each_output = true\n'
    )
    C["combined_other"] = _sub(B, 'combined_output = "ProductCopy"', 'combined_output = "Product"')
    C["combined_unknown"] = _sub(B, 'combined_output = "ProductCopy"', 'combined_output = "Brochure"')
    C["combined_text"] = _sub(
        _sub(B, 'combined_output = "ProductCopy"', 'combined_output = "Text"'),
        'output = "ProductCopy"\ncombined',
        'output = "Text"\ncombined',
    )
    C["result_not_field"] = _sub(B, 'result = "long_description"', 'result = "description"')
    C["missing_field_branch"] = _sub(
        B, '    { pipe = "write_description", result = "long_description" },\n', ""
    )
    C["branch_list_output"] = _sub(B, 'output = "Tagline"', 'output = "Tagline[]"')
    C["branch_structured_into_text_field"] = _sub(
        _sub(B, 'output = "Tagline"', 'output = "ProductCopy"'),
        'prompt = "Write a tagline for $product"',
        'prompt = "Write copy for $product"',
    )
    C["combined_qualified"] = _sub(
        B, 'combined_output = "ProductCopy"', 'combined_output = "marketing.ProductCopy"'
    )
    C["output_composite"] = _sub(
        B, 'output = "ProductCopy"\ncombined_output = "ProductCopy"\n', 'output = "Composite"\n'
    )
    C["branch_same_result"] = _sub(B, 'result = "long_description"', 'result = "tagline"')
    C["combined_required_field_missing"] = _sub(
        B,
        'long_description = { type = "text", description = "The description", required = true }',
        'long_description = { type = "text", description = "The description", required = true }\n'
        'slogan = { type = "text", description = "A slogan", required = true }',
    )
    C["combined_optional_field"] = _sub(
        B,
        'long_description = { type = "text", description = "The description", required = true }',
        'long_description = { type = "text", description = "The description", required = true }\n'
        'slogan = { type = "text", description = "A slogan" }',
    )
    C["combined_field_integer"] = _sub(
        B,
        'long_description = { type = "text", description = "The description", required = true }',
        'long_description = { type = "integer", description = "The description", required = true }',
    )
    return C


_BATCH = '''domain = "reviews"
description = "Summarize customer reviews one by one"
main_pipe = "summarize_reviews"

[concept]
Review = "A customer's review of a product"
ReviewSummary = "A one-line summary of a review"

[pipe.summarize_reviews]
type = "PipeBatch"
description = "Summarize each review"
inputs = { reviews = "Review[]" }
output = "ReviewSummary[]"
branch_pipe_code = "summarize_review"
input_list_name = "reviews"
input_item_name = "review"

[pipe.summarize_review]
type = "PipeLLM"
description = "Summarize one review"
inputs = { review = "Review" }
output = "ReviewSummary"
prompt = """
Summarize this review in one line:

@review
"""
'''


def _batch() -> dict[str, str]:
    B = _BATCH
    C: dict[str, str] = {"base": B}
    C["no_list_name"] = _sub(B, 'input_list_name = "reviews"\n', "")
    C["no_item_name"] = _sub(B, 'input_item_name = "review"\n', "")
    C["no_names"] = _sub(_sub(B, 'input_list_name = "reviews"\n', ""), 'input_item_name = "review"\n', "")
    C["list_name_unknown"] = _sub(B, 'input_list_name = "reviews"', 'input_list_name = "comments"')
    C["item_equals_list"] = _sub(B, 'input_item_name = "review"', 'input_item_name = "reviews"')
    C["item_empty"] = _sub(B, 'input_item_name = "review"', 'input_item_name = ""')
    C["list_single"] = _sub(B, 'inputs = { reviews = "Review[]" }', 'inputs = { reviews = "Review" }')
    C["list_fixed"] = _sub(B, 'inputs = { reviews = "Review[]" }', 'inputs = { reviews = "Review[5]" }')
    C["output_single"] = _sub(B, 'output = "ReviewSummary[]"\nbranch', 'output = "ReviewSummary"\nbranch')
    C["output_fixed"] = _sub(B, 'output = "ReviewSummary[]"\nbranch', 'output = "ReviewSummary[5]"\nbranch')
    C["extra_input_passed"] = _sub(
        _sub(B, 'inputs = { reviews = "Review[]" }', 'inputs = { reviews = "Review[]", product = "Text" }'),
        'inputs = { review = "Review" }',
        'inputs = { review = "Review", product = "Text" }',
    ).replace("Summarize this review in one line:", "Summarize this review of $product in one line:")
    C["extra_input_unused"] = _sub(
        B, 'inputs = { reviews = "Review[]" }', 'inputs = { reviews = "Review[]", product = "Text" }'
    )
    C["branch_unknown"] = _sub(
        B, 'branch_pipe_code = "summarize_review"', 'branch_pipe_code = "summarize_one"'
    )
    C["branch_itself"] = _sub(
        B, 'branch_pipe_code = "summarize_review"', 'branch_pipe_code = "summarize_reviews"'
    )
    C["branch_list_output"] = _sub(
        B, 'output = "ReviewSummary"\nprompt', 'output = "ReviewSummary[]"\nprompt'
    )
    C["item_name_camel"] = _sub(
        _sub(B, 'input_item_name = "review"', 'input_item_name = "oneReview"'),
        'inputs = { review = "Review" }',
        'inputs = { oneReview = "Review" }',
    ).replace("@review\n", "@oneReview\n")
    C["list_name_qualified_concept"] = _sub(
        B, 'inputs = { reviews = "Review[]" }', 'inputs = { reviews = "reviews.Review[]" }'
    )
    C["in_sequence"] = (
        _sub(B, 'main_pipe = "summarize_reviews"', 'main_pipe = "digest"')
        + '''
[pipe.digest]
type = "PipeSequence"
description = "Summarize each review, then write a digest"
inputs = { reviews = "Review[]" }
output = "Text"
steps = [
    { pipe = "summarize_reviews", result = "summaries" },
    { pipe = "write_digest", result = "digest" },
]

[pipe.write_digest]
type = "PipeLLM"
description = "Write a digest"
inputs = { summaries = "ReviewSummary[]" }
output = "Text"
prompt = """
Write a digest of:

@summaries
"""
'''
    )
    C["in_sequence_read_single"] = _sub(
        C["in_sequence"],
        'inputs = { summaries = "ReviewSummary[]" }',
        'inputs = { summaries = "ReviewSummary" }',
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# Natives read in prompts: their fields, their multiplicity

_NAT = """domain = "desk"
description = "Write a note from what came in"
main_pipe = "write_note"

[pipe.write_note]
type = "PipeLLM"
description = "Write a note"
inputs = { item = "NATIVE" }
output = "Text"
prompt = \"\"\"
Write a short note about this:

READ
\"\"\"
"""


def _nat() -> dict[str, str]:
    C: dict[str, str] = {}
    for name, (native, read) in {
        "number": ("Number", "$item"),
        "number_field": ("Number", "$item.number"),
        "number_format": ("Number", "{{ item.number | format('.2f') }}"),
        "yesno": ("YesNo", "@item"),
        "yesno_field": ("YesNo", "$item.yes_no"),
        "yesno_probability": ("YesNo", "$item.probability"),
        "choice_field": ("Choice", "$item.choice"),
        "rating_level": ("Rating", "$item.level"),
        "rating_label": ("Rating", "$item.label"),
        "date": ("Date", "$item"),
        "date_field": ("Date", "$item.date"),
        "time_field": ("Time", "$item.time"),
        "json": ("JSON", "@item"),
        "json_obj": ("JSON", "$item.json_obj"),
        "json_obj_key": ("JSON", "$item.json_obj.customer"),
        "html": ("Html", "@item"),
        "html_inner": ("Html", "$item.inner_html"),
        "markdown": ("Markdown", "@item"),
        "markdown_text": ("Markdown", "$item.text"),
        "search_result": ("SearchResult", "@item"),
        "search_answer": ("SearchResult", "$item.answer"),
        "search_sources": ("SearchResult", "@item.sources"),
        "text_and_images": ("TextAndImages", "@item"),
        "text_and_images_text": ("TextAndImages", "$item.text"),
        "text_and_images_images": ("TextAndImages", "$item.images"),
        "dynamic": ("Dynamic", "@item"),
        "dynamic_field": ("Dynamic", "$item.anything"),
        "anything": ("Anything", "@item"),
        "anything_field": ("Anything", "$item.title"),
        "composite": ("Composite", "@item"),
        "text_field": ("Text", "$item.text"),
        "text_unknown_field": ("Text", "$item.words"),
        "document_filename": ("Document", "$item.filename"),
        "document_title": ("Document", "$item.title"),
        "image_width": ("Image", "$item.width"),
        "numbers_list": ("Number[]", "@item"),
        "numbers_for": ("Number[]", "{% for n in item %}{{ n.number }} {% endfor %}"),
        "dates_list": ("Date[2]", "$item"),
        "native_qualified": ("native.Number", "$item"),
        "native_lower": ("native.number", "$item"),
    }.items():
        C[name] = _sub(_sub(_NAT, "NATIVE", native), "READ", read)
    return C


# ---------------------------------------------------------------------------------------------------------------
# Sequences: result names against inputs, outputs, refinements

_SEQ = """domain = "kitchen"
description = "Plan a dinner from what is in the fridge"
main_pipe = "plan_dinner"

[concept]
Ingredients = "What is in the fridge"
Recipe = "A recipe, ingredients and steps"
ShoppingList = "What to buy"

[pipe.plan_dinner]
type = "PipeSequence"
description = "Pick a recipe, then list what to buy"
inputs = { ingredients = "Ingredients" }
output = "ShoppingList"
steps = [
    { pipe = "pick_recipe", result = "recipe" },
    { pipe = "list_missing", result = "shopping_list" },
]

[pipe.pick_recipe]
type = "PipeLLM"
description = "Pick a recipe"
inputs = { ingredients = "Ingredients" }
output = "Recipe"
prompt = \"\"\"
Pick a dinner recipe using mostly:

@ingredients
\"\"\"

[pipe.list_missing]
type = "PipeLLM"
description = "List what is missing"
inputs = { recipe = "Recipe", ingredients = "Ingredients" }
output = "ShoppingList"
prompt = \"\"\"
What do we need to buy for this recipe?

@recipe

We have:

@ingredients
\"\"\"
"""


def _seq() -> dict[str, str]:
    B = _SEQ
    C: dict[str, str] = {"base": B}
    C["result_is_input_name"] = _sub(B, 'result = "recipe" }', 'result = "ingredients" }')
    C["result_twice"] = _sub(B, 'result = "shopping_list" }', 'result = "recipe" }')
    C["result_missing"] = _sub(
        B, '{ pipe = "list_missing", result = "shopping_list" }', '{ pipe = "list_missing" }'
    )
    C["result_missing_first"] = _sub(
        B, '{ pipe = "pick_recipe", result = "recipe" }', '{ pipe = "pick_recipe" }'
    )
    C["result_camel"] = _sub(
        _sub(B, 'result = "recipe" }', 'result = "theRecipe" }'),
        'inputs = { recipe = "Recipe", ',
        'inputs = { theRecipe = "Recipe", ',
    ).replace("@recipe\n", "@theRecipe\n")
    C["result_dashed"] = _sub(B, 'result = "shopping_list" }', 'result = "shopping-list" }')
    C["result_main_stuff_first"] = _sub(B, 'result = "recipe" }', 'result = "main_stuff" }')
    C["output_refines_last"] = _sub(
        _sub(
            B,
            'ShoppingList = "What to buy"',
            'ShoppingList = "What to buy"\n\n[concept.GroceryList]\ndescription = "Groceries"\nrefines = "ShoppingList"',
        ),
        'output = "ShoppingList"\nsteps',
        'output = "GroceryList"\nsteps',
    )
    C["last_refines_output"] = _sub(
        _sub(
            B,
            'ShoppingList = "What to buy"',
            'ShoppingList = "What to buy"\n\n[concept.GroceryList]\ndescription = "Groceries"\nrefines = "ShoppingList"',
        ),
        'output = "ShoppingList"\nprompt',
        'output = "GroceryList"\nprompt',
    )
    C["output_text_last_concept"] = _sub(B, 'output = "ShoppingList"\nsteps', 'output = "Text"\nsteps')
    C["output_concept_last_text"] = _sub(B, 'output = "ShoppingList"\nprompt', 'output = "Text"\nprompt')
    C["input_unused_by_steps"] = _sub(
        B,
        'inputs = { ingredients = "Ingredients" }\noutput = "ShoppingList"\nsteps',
        'inputs = { ingredients = "Ingredients", budget = "Number" }\noutput = "ShoppingList"\nsteps',
    )
    C["step_reads_later_result"] = _sub(
        _sub(
            B,
            'inputs = { ingredients = "Ingredients" }\noutput = "Recipe"',
            'inputs = { ingredients = "Ingredients", shopping_list = "ShoppingList" }\noutput = "Recipe"',
        ),
        "Pick a dinner recipe using mostly:\n\n@ingredients\n",
        "Pick a dinner recipe using mostly:\n\n@ingredients\n\n@shopping_list\n",
    )
    C["steps_empty"] = _sub(
        B,
        'steps = [\n    { pipe = "pick_recipe", result = "recipe" },\n    { pipe = "list_missing", result = "shopping_list" },\n]',
        "steps = []",
    )
    C["step_pipe_qualified"] = _sub(B, '{ pipe = "pick_recipe"', '{ pipe = "kitchen.pick_recipe"')
    C["step_extra_key"] = _sub(
        B,
        '{ pipe = "pick_recipe", result = "recipe" }',
        '{ pipe = "pick_recipe", result = "recipe", description = "x" }',
    )
    C["step_input_rename"] = _sub(
        B,
        '{ pipe = "pick_recipe", result = "recipe" }',
        '{ pipe = "pick_recipe", result = "recipe", inputs = { ingredients = "ingredients" } }',
    )
    C["single_step"] = (
        _sub(
            _sub(B, '    { pipe = "pick_recipe", result = "recipe" },\n', ""),
            'output = "ShoppingList"\nsteps',
            'output = "ShoppingList"\nsteps',
        )
        .replace(
            'inputs = { recipe = "Recipe", ingredients = "Ingredients" }',
            'inputs = { ingredients = "Ingredients" }',
        )
        .replace("@recipe\n\nWe have:\n\n", "")
    )
    C["steps_table_array"] = _sub(
        B,
        'steps = [\n    { pipe = "pick_recipe", result = "recipe" },\n    { pipe = "list_missing", result = "shopping_list" },\n]\n',
        "",
    ).replace(
        "[pipe.pick_recipe]",
        '[[pipe.plan_dinner.steps]]\npipe = "pick_recipe"\nresult = "recipe"\n\n[[pipe.plan_dinner.steps]]\npipe = "list_missing"\nresult = "shopping_list"\n\n[pipe.pick_recipe]',
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# PipeImgGen reading an image, PipeExtract inputs

_IMG = """domain = "studio"
description = "Draw a poster"
main_pipe = "draw_poster"

[pipe.draw_poster]
type = "PipeImgGen"
description = "Draw a poster"
inputs = { theme = "Text" }
output = "Image"
prompt = "A bright poster about $theme"
"""


def _img() -> dict[str, str]:
    B = _IMG
    C: dict[str, str] = {"base": B}
    C["reads_image"] = _sub(
        _sub(B, 'inputs = { theme = "Text" }', 'inputs = { theme = "Text", sketch = "Image" }'),
        "about $theme",
        "about $theme in the style of $sketch",
    )
    C["image_unused"] = _sub(
        B, 'inputs = { theme = "Text" }', 'inputs = { theme = "Text", sketch = "Image" }'
    )
    C["reads_image_at"] = _sub(
        _sub(B, 'inputs = { theme = "Text" }', 'inputs = { theme = "Text", sketch = "Image" }'),
        'prompt = "A bright poster about $theme"',
        'prompt = """\nA bright poster about $theme\n@sketch\n"""',
    )
    C["reads_structured"] = (
        _sub(
            _sub(B, 'inputs = { theme = "Text" }', 'inputs = { theme = "Brief" }'),
            'output = "Image"',
            'output = "Image"',
        )
        .replace(
            'main_pipe = "draw_poster"\n',
            'main_pipe = "draw_poster"\n\n[concept.Brief]\ndescription = "A brief"\n\n[concept.Brief.structure]\nsubject = { type = "text", description = "x", required = true }\n',
        )
        .replace("$theme", "$theme.subject")
    )
    C["reads_structured_whole"] = _sub(C["reads_structured"], "$theme.subject", "@theme")
    C["no_inputs"] = _sub(_sub(B, 'inputs = { theme = "Text" }\n', ""), "about $theme", "about the sea")
    C["negative_prompt_reads"] = _sub(
        B,
        'prompt = "A bright poster about $theme"',
        'prompt = "A bright poster"\nnegative_prompt = "nothing about $theme"',
    )
    C["prompt_missing"] = _sub(B, 'prompt = "A bright poster about $theme"', "")
    C["prompt_list_input"] = _sub(
        _sub(B, 'theme = "Text"', 'themes = "Text[]"'), "about $theme", "about $themes"
    )
    C["output_refined"] = _sub(B, 'output = "Image"', 'output = "Poster"').replace(
        'main_pipe = "draw_poster"\n',
        'main_pipe = "draw_poster"\n\n[concept.Poster]\ndescription = "A poster"\nrefines = "Image"\n',
    )
    C["output_list"] = _sub(B, 'output = "Image"', 'output = "Image[]"')
    C["output_fixed"] = _sub(B, 'output = "Image"', 'output = "Image[4]"')
    C["nb_output"] = _sub(B, 'output = "Image"', 'output = "Image[]"\nnb_output = 2')
    return C


# ---------------------------------------------------------------------------------------------------------------
# Natives inside structures, in PipeCompose, and as a construct's output

_LISTING = """domain = "realty"
description = "Write a listing for a house"
main_pipe = "write_listing"

[concept.House]
description = "A house for sale"

[concept.House.structure]
address = { type = "text", description = "Where it is", required = true }
FIELD

[pipe.write_listing]
type = "PipeLLM"
description = "Write the listing"
inputs = { house = "House" }
output = "Text"
prompt = \"\"\"
Write a listing for the house at $house.address.
READ
\"\"\"
"""


def _inner() -> dict[str, str]:
    C: dict[str, str] = {}
    for name, (field, read) in {
        "image_field": (
            'photo = { type = "concept", concept_ref = "Image", description = "A photo" }',
            "$house.photo",
        ),
        "image_field_at": (
            'photo = { type = "concept", concept_ref = "Image", description = "A photo" }',
            "@house.photo",
        ),
        "image_field_qualified": (
            'photo = { type = "concept", concept_ref = "native.Image", description = "A photo" }',
            "$house.photo",
        ),
        "image_list_field": (
            'photos = { type = "list", item_type = "concept", item_concept_ref = "Image", description = "Photos" }',
            "@house.photos",
        ),
        "image_field_with_images": (
            'photo = { type = "concept", concept_ref = "Image", description = "A photo" }',
            "{{ house | with_images }}",
        ),
        "image_field_url": (
            'photo = { type = "concept", concept_ref = "Image", description = "A photo" }',
            "$house.photo.url",
        ),
        "number_field_native": (
            'price = { type = "concept", concept_ref = "Number", description = "The price" }',
            "$house.price",
        ),
        "number_field_native_number": (
            'price = { type = "concept", concept_ref = "Number", description = "The price" }',
            "$house.price.number",
        ),
        "document_field": (
            'deed = { type = "concept", concept_ref = "Document", description = "The deed" }',
            "$house.deed",
        ),
        "date_field_native": (
            'listed = { type = "concept", concept_ref = "Date", description = "Listed" }',
            "$house.listed",
        ),
        "text_field_native": (
            'notes = { type = "concept", concept_ref = "Text", description = "Notes" }',
            "$house.notes",
        ),
        "page_field": (
            'plan = { type = "concept", concept_ref = "Page", description = "The plan" }',
            "$house.plan",
        ),
        "dynamic_field": (
            'extra = { type = "concept", concept_ref = "Dynamic", description = "Extra" }',
            "$house.extra",
        ),
        "anything_field": (
            'extra = { type = "concept", concept_ref = "Anything", description = "Extra" }',
            "$house.extra",
        ),
        "unknown_native_field": (
            'clip = { type = "concept", concept_ref = "native.Video", description = "A clip" }',
            "$house.clip",
        ),
        "dict_field_read_key": (
            'rooms = { type = "dict", key_type = "text", value_type = "integer", description = "Rooms" }',
            "{{ house.rooms['kitchen'] }}",
        ),
        "list_field_index": (
            'tags = { type = "list", item_type = "text", description = "Tags" }',
            "{{ house.tags[0] }}",
        ),
        "list_field_join": (
            'tags = { type = "list", item_type = "text", description = "Tags" }',
            "{{ house.tags | join(', ') }}",
        ),
    }.items():
        C[name] = _sub(_sub(_LISTING, "FIELD", field), "READ", read)
    return C


_NCOMP = """domain = "desk"
description = "Build a native value with PipeCompose"
main_pipe = "build_value"

[pipe.build_value]
type = "PipeCompose"
description = "Build the value"
inputs = { note = "Text" }
output = "OUTPUT"
BODY
"""


def _ncomp() -> dict[str, str]:
    C: dict[str, str] = {}
    for name, (output, body) in {
        "text_template": ("Text", 'template = "Note: $note"'),
        "markdown_template": ("Markdown", 'template = "# Note\\n\\n$note"'),
        "html_template": ("Html", 'template = { template = "<p>$note</p>", category = "html" }'),
        "number_template": ("Number", 'template = "42"'),
        "json_template": ("JSON", 'template = "{\\"note\\": \\"x\\"}"'),
        "image_template": ("Image", 'template = "$note"'),
        "yesno_construct": (
            "YesNo",
            '[pipe.build_value.construct]\nyes_no = true\nprobability = { template = "$note" }',
        ),
        "yesno_construct_literal": (
            "YesNo",
            '[pipe.build_value.construct]\nyes_no = true\nprobability = 0.9\nnote_text = { from = "note" }',
        ),
        "number_construct": ("Number", '[pipe.build_value.construct]\nnumber = 3\nlabel = { from = "note" }'),
        "number_construct_only": ("Number", "construct = { number = 3 }\n# $note"),
        "json_construct": ("JSON", '[pipe.build_value.construct]\njson_obj = { from = "note" }'),
        "text_construct": ("Text", '[pipe.build_value.construct]\ntext = { from = "note" }'),
        "html_construct": (
            "Html",
            '[pipe.build_value.construct]\ninner_html = { template = "<p>$note</p>" }\ncss_class = "card"',
        ),
        "date_construct": (
            "Date",
            '[pipe.build_value.construct]\ndate = "2026-03-01"\nlabel = { from = "note" }',
        ),
        "choice_construct": ("Choice", '[pipe.build_value.construct]\nchoice = { from = "note" }'),
        "dynamic_template": ("Dynamic", 'template = "Note: $note"'),
        "anything_template": ("Anything", 'template = "Note: $note"'),
    }.items():
        C[name] = _sub(_sub(_NCOMP, "OUTPUT", output), "BODY", body)
    return C


_NEST = """domain = "reports"
description = "Summarize each page of a report's extraction"
main_pipe = "summarize_pages"

[concept.Extraction]
description = "What was extracted from a report"

[concept.Extraction.structure]
title = { type = "text", description = "The title", required = true }
sections = { type = "list", item_type = "text", description = "The sections", required = true }

[pipe.summarize_pages]
type = "PipeSequence"
description = "Summarize each section"
inputs = { extraction = "Extraction" }
output = "Text[]"
steps = [
    { pipe = "summarize_section", batch_over = "extraction.sections", batch_as = "section", result = "summaries" },
]

[pipe.summarize_section]
type = "PipeLLM"
description = "Summarize a section"
inputs = { section = "Text" }
output = "Text"
prompt = "Summarize: $section"
"""


def _nest() -> dict[str, str]:
    B = _NEST
    C: dict[str, str] = {"base": B}
    C["over_title"] = _sub(B, 'batch_over = "extraction.sections"', 'batch_over = "extraction.title"')
    C["over_unknown"] = _sub(B, 'batch_over = "extraction.sections"', 'batch_over = "extraction.chapters"')
    C["over_whole"] = _sub(B, 'batch_over = "extraction.sections"', 'batch_over = "extraction"')
    C["batch_list_name_dotted"] = (
        B.split("[pipe.summarize_pages]")[0]
        + """[pipe.summarize_pages]
type = "PipeBatch"
description = "Summarize each section"
inputs = { extraction = "Extraction" }
output = "Text[]"
branch_pipe_code = "summarize_section"
input_list_name = "extraction.sections"
input_item_name = "section"
"""
        + "\n[pipe.summarize_section]"
        + B.split("[pipe.summarize_section]")[1]
    )
    C["bind_then_batch"] = (
        _sub(
            B,
            'steps = [\n    { pipe = "summarize_section"',
            'steps = [\n    { pipe = "pick_sections", result = "sections" },\n    { pipe = "summarize_section"',
        ).replace('batch_over = "extraction.sections"', 'batch_over = "sections"')
        + """
[pipe.pick_sections]
type = "PipeCompose"
description = "Take the sections"
inputs = { extraction = "Extraction" }
output = "Text[]"
construct = { from = "extraction.sections" }
"""
    )
    return C


def cases() -> dict[str, str | dict[str, str]]:
    """Every case, named ``f17_<group>__<name>`` (a folder case: a dict of relative path -> text)."""
    out: dict[str, str | dict[str, str]] = {}
    groups: tuple[tuple[str, dict[str, str] | dict[str, dict[str, str]]], ...] = (
        ("vis", _vision()),
        ("sys", _sys()),
        ("count", _count()),
        ("cond", _cond()),
        ("lib", _lib()),
        ("par", _par()),
        ("batch", _batch()),
        ("nat", _nat()),
        ("seq", _seq()),
        ("img", _img()),
        ("inner", _inner()),
        ("ncomp", _ncomp()),
        ("nest", _nest()),
    )
    for group, made in groups:
        for name, text in made.items():
            out[f"f17_{group}__{name}"] = text
    return out
