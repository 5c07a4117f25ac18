"""Fourteenth fidelity pass: prompt templates, conditions, constructs, filters, headers and cross-domain references.

Hand-written probes, the way users write bundles, of the areas the earlier passes touched least: Jinja2 forms in
prompts (block ``set``, ``loop`` outside a loop, quoted braces, macros, filters, ``raw``), ``$``/``@`` sigils on
nested paths and list items, the runtime variables (``_nb_output``, ``_stuff_name``), PipeCondition expressions
and outcome maps, PipeCompose constructs and template categories, where the ``markdown`` filter exists, the
bundle header's fields and cross-domain concept and pipe references (folder cases). Case names are
``f14_<group>__<name>``; ``fidelity.py`` writes and runs them like the other modules' cases. Nothing here encodes
an expected verdict: the two CLIs decide.
"""

from __future__ import annotations

_DESK_HEAD = """domain = "desk"
description = "Front desk"
main_pipe = "go"

[concept.Customer]
description = "A customer"

[concept.Customer.structure]
name = { type = "text", description = "Name", required = true }
vip = { type = "boolean", description = "VIP or not" }

[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
title = { type = "text", description = "Title", required = true }
tags = { type = "list", item_type = "text", description = "Tags" }
customer = { type = "concept", concept_ref = "Customer", description = "Who wrote it", required = true }
history = { type = "list", item_type = "concept", item_concept_ref = "Customer", description = "Previous handlers" }
score = { type = "integer", description = "Priority" }
"""


def _tpl() -> dict:  # type: ignore[type-arg]
    """Prompt templates: Jinja2 forms, sigils, nested paths into structures, list items."""
    HEAD = _DESK_HEAD

    def llm(inputs, prompt, extra="", output="Text"):
        return (
            HEAD
            + f'''
[pipe.go]
type = "PipeLLM"
description = "Answers"
inputs = {inputs}
output = "{output}"
{extra}prompt = """
{prompt}
"""
'''
        )

    C = {}
    T = '{ ticket = "Ticket" }'
    TS = '{ tickets = "Ticket[]" }'
    C["idx_list_field"] = llm(T, "First tag: {{ ticket.tags[0] }}")
    C["idx_sub"] = llm(T, "Title: {{ ticket['title'] }}")
    C["dollar_deep"] = llm(T, "From $ticket.customer.name")
    C["dollar_deep_missing"] = llm(T, "From $ticket.customer.email")
    C["dollar_missing_field"] = llm(T, "About $ticket.subject")
    C["jinja_missing_field"] = llm(T, "About {{ ticket.subject }}")
    C["at_deep"] = llm(T, "Answer this:\n@ticket.customer")
    C["at_deep_missing"] = llm(T, "Answer this:\n@ticket.owner")
    C["loop_field"] = llm(TS, "{% for t in tickets %}- {{ t.title }}\n{% endfor %}")
    C["loop_missing_field"] = llm(TS, "{% for t in tickets %}- {{ t.subject }}\n{% endfor %}")
    C["dollar_on_list"] = llm(TS, "All: $tickets")
    C["at_on_list"] = llm(TS, "All:\n@tickets")
    C["dollar_list_index"] = llm(TS, "First: {{ tickets[0].title }}")
    C["dollar_list_attr"] = llm(TS, "First: $tickets.title")
    C["text_dot_text"] = llm('{ note = "Text" }', "Note: $note.text")
    C["text_dot_other"] = llm('{ note = "Text" }', "Note: $note.body")
    C["raw_block"] = llm('{ note = "Text" }', "{% raw %}$note{% endraw %} and $note")
    C["raw_only"] = llm('{ note = "Text" }', "{% raw %}{{ note }}{% endraw %}")
    C["comment_only"] = llm('{ note = "Text" }', "{# {{ note }} #}Hello")
    C["set_alias"] = llm('{ note = "Text" }', "{% set n = note %}{{ n }}")
    C["macro"] = llm('{ note = "Text" }', "{% macro show(x) %}[{{ x }}]{% endmacro %}{{ show(note) }}")
    C["include"] = llm('{ note = "Text" }', "{% include 'other.jinja2' %} $note")
    C["filter_unknown"] = llm('{ note = "Text" }', "{{ note | frobnicate }}")
    C["filter_tojson"] = llm(T, "{{ ticket | tojson }}")
    C["filter_attr_chain"] = llm(T, "{{ ticket.tags | join(', ') | upper }}")
    C["test_defined_required"] = llm(T, "{% if ticket is defined %}$ticket.title{% endif %}")
    C["loop_var_outside"] = llm(T, "$ticket.title {{ loop.index }}")
    C["range_call"] = llm(T, "{% for i in range(3) %}$ticket.title{% endfor %}")
    C["score_math"] = llm(T, "Priority {{ ticket.score + 1 }} for $ticket.title")
    C["dollar_trailing_dot"] = llm(T, "Hello $ticket.title.")
    C["dollar_underscore_field"] = llm(T, "Hello $ticket._private")
    C["dollar_method"] = llm(T, "Hello {{ ticket.title.upper() }}")
    C["dollar_items"] = llm(T, "{% for k, v in ticket.items() %}{{ k }}{% endfor %}")
    C["history_loop"] = llm(T, "{% for h in ticket.history %}{{ h.name }}{% endfor %}")
    C["history_loop_missing"] = llm(T, "{% for h in ticket.history %}{{ h.email }}{% endfor %}")
    C["optional_dollar_deep"] = llm('{ ticket = "Ticket?" }', "{% if ticket %}$ticket.title{% endif %}")
    C["optional_at_q_deep"] = llm('{ ticket = "Ticket?" }', "@?ticket.customer")
    C["sys_only_reads"] = llm(T, "Hello", extra='system_prompt = "You handle $ticket.title"\n')
    C["sys_reads_missing"] = llm(T, "Hello $ticket.title", extra='system_prompt = "You handle $other"\n')
    C["jinja_whitespace_ctrl"] = llm(TS, "{%- for t in tickets -%}{{- t.title -}}{%- endfor -%}")
    C["jinja_unclosed"] = llm(T, "{% if ticket.score %}$ticket.title")
    C["jinja_elif"] = llm(
        T, "{% if ticket.score > 3 %}hi{% elif ticket.score %}mid{% else %}lo{% endif %} $ticket.title"
    )
    C["namespace"] = llm(
        TS,
        "{% set ns = namespace(n=0) %}{% for t in tickets %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}",
    )
    C["at_at_escape_only"] = llm(T, "Mail us @@ home $ticket.title")
    C["dollar_dollar"] = llm(T, "Costs $$5 for $ticket.title")
    C["dollar_digit_field"] = llm(T, "Costs $ticket.1")
    C["braces_in_text"] = llm(T, 'JSON like {"a": 1} for $ticket.title')
    C["double_braces_literal"] = llm(T, "Write {{ '{{' }} for $ticket.title")
    return C


def _tpl2() -> dict:  # type: ignore[type-arg]
    """Templates of every operator, filters, compose categories and styles, `_nb_output`."""
    HEAD = _DESK_HEAD

    def pipe(inputs, body, ptype="PipeLLM", output="Text", extra=""):
        return (
            HEAD
            + f'''
[pipe.go]
type = "{ptype}"
description = "Answers"
inputs = {inputs}
output = "{output}"
{extra}{body}
'''
        )

    def llm(inputs, prompt, **kw):
        return pipe(inputs, f'prompt = """\n{prompt}\n"""', **kw)

    def comp(inputs, template, **kw):
        return pipe(inputs, f'template = """\n{template}\n"""', ptype="PipeCompose", **kw)

    T = '{ ticket = "Ticket" }'
    C = {}
    C["at_in_if_block"] = llm(T, "{% if ticket.score %}\n@ticket\n{% endif %}")
    C["at_list_field"] = llm(T, "Tags:\n@ticket.tags")
    C["at_q_required"] = llm(T, "@?ticket")
    C["dollar_q"] = llm('{ ticket = "Ticket?" }', "$?ticket")
    C["dollar_brace"] = llm(T, "${ticket} $ticket.title")
    C["dollar_space"] = llm(T, "$ ticket and $ticket.title")
    C["set_block"] = llm(T, "{% set t %}$ticket.title{% endset %}{{ t }}")
    C["filter_block"] = llm(T, "{% filter upper %}$ticket.title{% endfilter %}")
    C["call_block"] = llm(
        T, "{% macro box() %}[{{ caller() }}]{% endmacro %}{% call box() %}$ticket.title{% endcall %}"
    )
    C["tag_filter_arg"] = llm(T, "{{ ticket|tag('the_ticket') }}")
    C["tag_filter_field"] = llm(T, "{{ ticket.customer|tag }}")
    C["format_filter_explicit"] = llm(T, "{{ ticket.title|format }}")
    C["markdown_filter"] = llm(T, "{{ ticket|markdown }}")
    C["with_images_filter"] = llm(T, "{{ ticket|with_images }}")
    C["join_no_arg"] = llm(T, "{{ ticket.tags|join }} $ticket.title")
    C["dict_attr"] = llm(T, "{{ ticket.customer['name'] }}")
    C["nb_output_compose"] = comp(T, "$_nb_output for $ticket.title")
    C["nb_output_llm_single"] = llm(T, "Give $_nb_output answers for $ticket.title")
    C["nb_output_llm_list"] = llm(T, "Give $_nb_output answers for $ticket.title", output="Text[3]")
    C["nb_output_llm_open"] = llm(T, "Give {{ _nb_output }} answers for $ticket.title", output="Text[]")
    C["compose_loop_outside"] = comp('{ tickets = "Ticket[]" }', "{{ loop.index }}: {{ tickets|length }}")
    C["compose_at"] = comp(T, "Ticket:\n@ticket")
    C["compose_at_inline"] = comp(T, "Ticket: @ticket")
    C["compose_category_html"] = pipe(
        T, 'template = { template = "<b>$ticket.title</b>", category = "html" }', ptype="PipeCompose"
    )
    C["compose_category_bad"] = pipe(
        T, 'template = { template = "$ticket.title", category = "latex" }', ptype="PipeCompose"
    )
    C["compose_category_mermaid"] = pipe(
        T,
        'template = { template = "graph TD; A-->B; $ticket.title", category = "mermaid" }',
        ptype="PipeCompose",
    )
    C["compose_style_table"] = pipe(
        T,
        'template = { template = "@ticket", templating_style = { tag_style = "ticks", text_format = "markdown" } }',
        ptype="PipeCompose",
    )
    C["compose_style_bad"] = pipe(
        T,
        'template = { template = "@ticket", templating_style = { tag_style = "curly" } }',
        ptype="PipeCompose",
    )
    C["compose_extra_ctx_unread"] = pipe(
        T, 'template = { template = "$ticket.title", extra_context = { sig = "Bob" } }', ptype="PipeCompose"
    )
    C["compose_template_empty"] = pipe(T, 'template = ""', ptype="PipeCompose")
    C["compose_template_ws"] = pipe(T, 'template = "   "', ptype="PipeCompose")
    C["compose_no_input_constant"] = pipe("{}", 'template = "Hello world"', ptype="PipeCompose")
    C["llm_no_input_constant"] = pipe("{}", 'prompt = "Tell a joke"')
    C["llm_no_inputs_key"] = (
        HEAD
        + """
[pipe.go]
type = "PipeLLM"
description = "Answers"
output = "Text"
prompt = "Tell a joke"
"""
    )
    C["imggen_negative_reads"] = pipe(
        '{ ticket = "Ticket", style = "Text" }',
        'prompt = "A drawing of $ticket.title"\nnegative_prompt = "Nothing like $style"',
        ptype="PipeImgGen",
        output="Image",
    )
    C["imggen_negative_only"] = pipe(
        '{ ticket = "Ticket", style = "Text" }',
        'prompt = "A drawing"\nnegative_prompt = "Nothing like $style and $ticket.title"',
        ptype="PipeImgGen",
        output="Image",
    )
    C["imggen_at_block"] = pipe(
        T, 'prompt = """\nA drawing of:\n@ticket\n"""', ptype="PipeImgGen", output="Image"
    )
    C["imggen_nb_output"] = pipe(
        T, 'prompt = "$_nb_output drawings of $ticket.title"', ptype="PipeImgGen", output="Image[2]"
    )
    C["search_prompt_at"] = pipe(
        T, 'prompt = """\nFind:\n@ticket\n"""', ptype="PipeSearch", output="SearchResult"
    )
    C["search_prompt_dollar"] = pipe(
        T, 'prompt = "News about $ticket.title"', ptype="PipeSearch", output="SearchResult"
    )
    C["llm_sys_at"] = pipe(T, 'prompt = "Answer"\nsystem_prompt = """\nContext:\n@ticket\n"""')
    C["llm_sys_loop"] = pipe(
        '{ tickets = "Ticket[]" }',
        'prompt = "Answer"\nsystem_prompt = "{% for t in tickets %}{{ t.title }}{% endfor %}"',
    )
    C["score_compare_str"] = llm(T, "{% if ticket.score == '3' %}x{% endif %}$ticket.title")
    C["is_none_test"] = llm(T, "{% if ticket.score is none %}x{% endif %}$ticket.title")
    C["is_not_defined_deep"] = llm(T, "{% if ticket.score is not defined %}x{% endif %}$ticket.title")
    C["selectattr"] = llm(
        '{ tickets = "Ticket[]" }', "{{ tickets|selectattr('score')|map(attribute='title')|join(', ') }}"
    )
    C["map_attr_missing"] = llm(
        '{ tickets = "Ticket[]" }', "{{ tickets|map(attribute='subject')|join(', ') }}"
    )
    C["first_filter"] = llm('{ tickets = "Ticket[]" }', "{{ (tickets|first).title }}")
    C["list_index_neg"] = llm('{ tickets = "Ticket[]" }', "{{ tickets[-1].title }}")
    C["text_list_item_text"] = llm('{ notes = "Text[]" }', "{% for n in notes %}{{ n.text }}{% endfor %}")
    C["text_list_item_bad"] = llm('{ notes = "Text[]" }', "{% for n in notes %}{{ n.body }}{% endfor %}")
    C["image_dollar_url"] = llm('{ photo = "Image" }', "Look at $photo.url")
    C["image_dollar_bad"] = llm('{ photo = "Image" }', "Look at $photo.path and $photo")
    C["image_caption"] = llm('{ photo = "Image" }', "Look at $photo (caption {{ photo.caption }})")
    C["page_fields"] = llm(
        '{ pages = "Page[]" }', "{% for p in pages %}{{ p.text_and_images.text.text }}{% endfor %}"
    )
    C["number_dot"] = llm('{ n = "Number" }', "Value {{ n.number }} and $n")
    return C


def _tpl3() -> dict:  # type: ignore[type-arg]
    """Runtime variables, metadata fields, loop variables under sigils, prompt field forms."""
    HEAD = _DESK_HEAD

    def pipe(inputs, body, ptype="PipeLLM", output="Text", code="go"):
        return f'''
[pipe.{code}]
type = "{ptype}"
description = "Answers"
inputs = {inputs}
output = "{output}"
{body}
'''

    T = '{ ticket = "Ticket" }'
    C = {}
    C["nb_seq_step_nb2"] = (
        HEAD
        + """
[pipe.go]
type = "PipeSequence"
description = "Writes"
inputs = { ticket = "Ticket" }
output = "Text[2]"
steps = [{ pipe = "draft", nb_output = 2, result = "drafts" }]
"""
        + pipe(T, 'prompt = "Write {{ _nb_output }} drafts for $ticket.title"', code="draft")
    )
    C["nb_seq_step_multiple"] = (
        HEAD
        + """
[pipe.go]
type = "PipeSequence"
description = "Writes"
inputs = { ticket = "Ticket" }
output = "Text[]"
steps = [{ pipe = "draft", multiple_output = true, result = "drafts" }]
"""
        + pipe(T, 'prompt = "Write $_nb_output drafts for $ticket.title"', code="draft")
    )
    C["nb_imggen_single"] = HEAD + pipe(
        T, 'prompt = "$_nb_output drawing of $ticket.title"', ptype="PipeImgGen", output="Image"
    )
    C["nb_imggen_open"] = HEAD + pipe(
        T, 'prompt = "Drawings of $ticket.title {{ _nb_output }}"', ptype="PipeImgGen", output="Image[]"
    )
    C["nb_llm_guarded"] = HEAD + pipe(
        T, 'prompt = "{% if _nb_output is defined %}$_nb_output {% endif %}answers for $ticket.title"'
    )
    C["nb_llm_struct3"] = HEAD + pipe(
        T, 'prompt = "$_nb_output customers from $ticket.title"', output="Customer[3]"
    )
    C["nb_sys"] = HEAD + pipe(
        T, 'prompt = "Answer $ticket.title"\nsystem_prompt = "Write $_nb_output answers"', output="Text[2]"
    )
    C["stuff_name"] = HEAD + pipe(T, 'prompt = "Answer {{ ticket._stuff_name }} $ticket.title"')
    C["concept_code"] = HEAD + pipe(T, 'prompt = "Answer {{ ticket._concept_code }} $ticket.title"')
    C["stuff_name_dollar"] = HEAD + pipe(T, 'prompt = "Answer $ticket._stuff_name and $ticket.title"')
    C["content_class"] = HEAD + pipe(T, 'prompt = "Answer {{ ticket._content_class }} $ticket.title"')
    C["stuff_code_only"] = HEAD + pipe(T, 'prompt = "Answer {{ ticket._stuff_code }}"')
    C["private_other"] = HEAD + pipe(T, 'prompt = "Answer {{ ticket._secret }} $ticket.title"')
    C["extract_prompt"] = HEAD + pipe(
        '{ doc = "Document" }', 'prompt = "Read $doc"', ptype="PipeExtract", output="Page[]"
    )
    C["judge_prompt_deep"] = HEAD + pipe(
        T,
        'prompt = "Is $ticket.customer.name a VIP?"\nquestion = "Is the customer a VIP?"\ncriteria = { yes = "VIP", no = "not VIP" }\nmodel = "@default-judge"',
        ptype="PipeJudge",
        output="YesNo",
    )
    C["structure_reads"] = HEAD + pipe('{ note = "Text" }', "", ptype="PipeStructure", output="Customer")
    C["structure_prompt"] = HEAD + pipe(
        '{ note = "Text" }', 'prompt = "Structure $note"', ptype="PipeStructure", output="Customer"
    )
    C["docgen_template"] = HEAD + pipe(
        T, 'format = "pdf"\ntemplate = "<h1>$ticket.title</h1>"', ptype="PipeDocGen", output="Document"
    )
    C["docgen_no_template"] = HEAD + pipe(T, 'format = "pdf"', ptype="PipeDocGen", output="Document")
    C["search_sys"] = HEAD + pipe(
        T, 'prompt = "About $ticket.title"\nsystem_prompt = "x"', ptype="PipeSearch", output="SearchResult"
    )
    C["prompt_file"] = HEAD + pipe(T, 'prompt_file = "prompts/x.jinja2"')
    C["prompt_template_old"] = HEAD + pipe(T, 'prompt_template = "Answer $ticket.title"')
    C["prompt_list"] = HEAD + pipe(T, 'prompt = ["Answer $ticket.title"]')
    C["prompt_empty"] = HEAD + pipe(T, 'prompt = ""')
    C["prompt_missing_llm"] = HEAD + pipe("{}", "")
    C["sys_empty"] = HEAD + pipe(T, 'prompt = "Answer $ticket.title"\nsystem_prompt = ""')
    C["prompt_ws"] = HEAD + pipe(T, 'prompt = "   "')
    C["dollar_in_code_fence"] = HEAD + pipe(
        T, 'prompt = """\n```bash\necho $HOME\n```\nAnswer $ticket.title\n"""'
    )
    C["dollar_env_upper"] = HEAD + pipe(T, 'prompt = "Costs $USD for $ticket.title"')
    C["at_block_deep_list_item"] = HEAD + pipe(
        '{ tickets = "Ticket[]" }', 'prompt = """\n{% for t in tickets %}\n@t\n{% endfor %}\n"""'
    )
    C["at_block_loop_field"] = HEAD + pipe(
        '{ tickets = "Ticket[]" }', 'prompt = """\n{% for t in tickets %}\n@t.customer\n{% endfor %}\n"""'
    )
    C["dollar_loop_var"] = HEAD + pipe(
        '{ tickets = "Ticket[]" }', 'prompt = "{% for t in tickets %}$t.title, {% endfor %}"'
    )
    C["dollar_loop_missing"] = HEAD + pipe(
        '{ tickets = "Ticket[]" }', 'prompt = "{% for t in tickets %}$t.subject, {% endfor %}"'
    )
    C["at_q_loop_var"] = HEAD + pipe(
        '{ tickets = "Ticket[]" }', 'prompt = """\n{% for t in tickets %}\n@?t\n{% endfor %}\n"""'
    )
    C["with_block_dollar"] = HEAD + pipe(T, 'prompt = "{% with c = ticket.customer %}$c.name{% endwith %}"')
    C["macro_dollar"] = HEAD + pipe(T, 'prompt = "{% macro m(x) %}$x{% endmacro %}{{ m(ticket.title) }}"')
    C["set_dollar"] = HEAD + pipe(T, 'prompt = "{% set c = ticket.customer %}Hello $c.name"')
    C["set_at_block"] = HEAD + pipe(T, 'prompt = """\n{% set c = ticket.customer %}\n@c\n"""')
    return C


def _cond() -> dict:  # type: ignore[type-arg]
    """PipeCondition expressions, expression templates and outcome maps."""
    HEAD = """domain = "desk"
description = "Front desk"
main_pipe = "route"

[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
title = { type = "text", description = "Title", required = true }
category = { type = "text", description = "Category", choices = ["billing", "bug", "other"], required = true }
score = { type = "integer", description = "Priority" }
urgent = { type = "boolean", description = "Urgent" }
tags = { type = "list", item_type = "text", description = "Tags" }

[pipe.answer_billing]
type = "PipeLLM"
description = "Billing answer"
inputs = { ticket = "Ticket" }
output = "Text"
prompt = "Answer the billing ticket $ticket.title"

[pipe.answer_bug]
type = "PipeLLM"
description = "Bug answer"
inputs = { ticket = "Ticket" }
output = "Text"
prompt = "Answer the bug ticket $ticket.title"
"""

    def cond(body, inputs='{ ticket = "Ticket" }', output="Text"):
        return (
            HEAD
            + f'''
[pipe.route]
type = "PipeCondition"
description = "Routes"
inputs = {inputs}
output = "{output}"
{body}
'''
        )

    OUTCOMES = 'outcomes = { billing = "answer_billing", bug = "answer_bug" }\ndefault_outcome = "answer_bug"'
    C = {}
    C["base"] = cond('expression = "ticket.category"\n' + OUTCOMES)
    C["expr_braces"] = cond('expression = "{{ ticket.category }}"\n' + OUTCOMES)
    C["expr_filter"] = cond('expression = "ticket.category | lower"\n' + OUTCOMES)
    C["expr_bool"] = cond(
        'expression = "ticket.urgent"\noutcomes = { True = "answer_billing", False = "answer_bug" }\ndefault_outcome = "fail"'
    )
    C["expr_bool_lower"] = cond(
        'expression = "ticket.urgent"\noutcomes = { true = "answer_billing", false = "answer_bug" }\ndefault_outcome = "fail"'
    )
    C["expr_compare"] = cond(
        'expression = "ticket.score > 3"\noutcomes = { "True" = "answer_billing" }\ndefault_outcome = "answer_bug"'
    )
    C["expr_ternary"] = cond("expression = \"'billing' if ticket.score > 3 else 'bug'\"\n" + OUTCOMES)
    C["expr_undeclared"] = cond('expression = "customer.category"\n' + OUTCOMES)
    C["expr_missing_field"] = cond('expression = "ticket.kind"\n' + OUTCOMES)
    C["expr_dollar"] = cond('expression = "$ticket.category"\n' + OUTCOMES)
    C["expr_template"] = cond('expression_template = "{{ ticket.category }}"\n' + OUTCOMES)
    C["expr_template_plain"] = cond('expression_template = "ticket.category"\n' + OUTCOMES)
    C["expr_template_dollar"] = cond('expression_template = "$ticket.category"\n' + OUTCOMES)
    C["expr_template_if"] = cond(
        'expression_template = "{% if ticket.score > 3 %}billing{% else %}bug{% endif %}"\n' + OUTCOMES
    )
    C["both_expr"] = cond(
        'expression = "ticket.category"\nexpression_template = "{{ ticket.category }}"\n' + OUTCOMES
    )
    C["no_expr"] = cond(OUTCOMES)
    C["empty_expr"] = cond('expression = ""\n' + OUTCOMES)
    C["outcomes_empty"] = cond(
        'expression = "ticket.category"\noutcomes = {}\ndefault_outcome = "answer_bug"'
    )
    C["outcome_fail"] = cond(
        'expression = "ticket.category"\noutcomes = { billing = "answer_billing", bug = "fail" }\ndefault_outcome = "answer_bug"'
    )
    C["outcome_continue"] = cond(
        'expression = "ticket.category"\noutcomes = { billing = "answer_billing", bug = "continue" }\ndefault_outcome = "answer_bug"'
    )
    C["outcome_continue_opt"] = cond(
        'expression = "ticket.category"\noutcomes = { billing = "answer_billing", bug = "continue" }\ndefault_outcome = "answer_bug"',
        output="Text?",
    )
    C["default_continue_opt"] = cond(
        'expression = "ticket.category"\n'
        + 'outcomes = { billing = "answer_billing", bug = "answer_bug" }\ndefault_outcome = "continue"',
        output="Text?",
    )
    C["outcome_key_space"] = cond(
        'expression = "ticket.category"\noutcomes = { "billing issue" = "answer_billing", bug = "answer_bug" }\ndefault_outcome = "answer_bug"'
    )
    C["outcome_key_empty"] = cond(
        'expression = "ticket.category"\noutcomes = { "" = "answer_billing", bug = "answer_bug" }\ndefault_outcome = "answer_bug"'
    )
    C["outcome_key_number"] = cond(
        'expression = "ticket.score"\noutcomes = { 1 = "answer_billing", 2 = "answer_bug" }\ndefault_outcome = "answer_bug"'
    )
    C["outcome_unknown_pipe"] = cond(
        'expression = "ticket.category"\noutcomes = { billing = "answer_refund", bug = "answer_bug" }\ndefault_outcome = "answer_bug"'
    )
    C["outcome_same_pipe"] = cond(
        'expression = "ticket.category"\noutcomes = { billing = "answer_bug", bug = "answer_bug" }\ndefault_outcome = "answer_bug"'
    )
    C["outcome_non_choice"] = cond(
        'expression = "ticket.category"\noutcomes = { refund = "answer_billing", bug = "answer_bug" }\ndefault_outcome = "answer_bug"'
    )
    C["outcome_value_table"] = cond(
        'expression = "ticket.category"\noutcomes = { billing = { pipe = "answer_billing" }, bug = "answer_bug" }\ndefault_outcome = "answer_bug"'
    )
    C["outcome_qualified"] = cond(
        'expression = "ticket.category"\noutcomes = { billing = "desk.answer_billing", bug = "answer_bug" }\ndefault_outcome = "desk.answer_bug"'
    )
    C["pipe_map_old"] = cond(
        'expression = "ticket.category"\npipe_map = { billing = "answer_billing", bug = "answer_bug" }\ndefault_outcome = "answer_bug"'
    )
    C["default_missing"] = cond(
        'expression = "ticket.category"\noutcomes = { billing = "answer_billing", bug = "answer_bug" }'
    )
    C["default_FAIL"] = cond(
        'expression = "ticket.category"\noutcomes = { billing = "answer_billing", bug = "answer_bug" }\ndefault_outcome = "FAIL"'
    )
    C["alias_ok"] = cond(
        'expression = "ticket.category"\n' + OUTCOMES + '\nadd_alias_from_expression_to = "chosen"'
    )
    C["alias_bad"] = cond(
        'expression = "ticket.category"\n' + OUTCOMES + '\nadd_alias_from_expression_to = "Chosen Route"'
    )
    C["extra_input_unused"] = cond(
        'expression = "ticket.category"\n' + OUTCOMES, inputs='{ ticket = "Ticket", note = "Text" }'
    )
    C["input_for_outcome_only"] = (
        HEAD.replace(
            'inputs = { ticket = "Ticket" }\noutput = "Text"\nprompt = "Answer the bug ticket $ticket.title"',
            'inputs = { ticket = "Ticket", note = "Text" }\noutput = "Text"\nprompt = "Answer the bug ticket $ticket.title with $note"',
        )
        + """
[pipe.route]
type = "PipeCondition"
description = "Routes"
inputs = { ticket = "Ticket", note = "Text" }
output = "Text"
expression = "ticket.category"
outcomes = { billing = "answer_billing", bug = "answer_bug" }
default_outcome = "answer_bug"
"""
    )
    C["expr_list_len"] = cond(
        'expression = "ticket.tags | length"\noutcomes = { "0" = "answer_billing" }\ndefault_outcome = "answer_bug"'
    )
    C["expr_on_text_input"] = cond(
        'expression = "note"\n' + OUTCOMES, inputs='{ ticket = "Ticket", note = "Text" }'
    )
    C["expr_text_dot_text"] = cond(
        'expression = "note.text"\n'
        + 'outcomes = { billing = "answer_billing", bug = "answer_bug" }\ndefault_outcome = "answer_bug"',
        inputs='{ ticket = "Ticket", note = "Text" }',
    )
    C["expr_method"] = cond(
        'expression = "ticket.category.upper()"\noutcomes = { BILLING = "answer_billing", BUG = "answer_bug" }\ndefault_outcome = "answer_bug"'
    )
    C["expr_syntax_err"] = cond('expression = "ticket.category =="\n' + OUTCOMES)
    C["expr_multi_stmt"] = cond('expression = "{% if ticket.urgent %}billing{% endif %}"\n' + OUTCOMES)
    C["output_mismatch"] = cond('expression = "ticket.category"\n' + OUTCOMES, output="Ticket")
    C["output_list"] = cond('expression = "ticket.category"\n' + OUTCOMES, output="Text[]")
    return C


def _cons() -> dict:  # type: ignore[type-arg]
    """PipeCompose constructs: from paths, literals, templates, nested tables, fitting values."""
    HEAD = """domain = "desk"
description = "Front desk"
main_pipe = "go"

[concept.Customer]
description = "A customer"

[concept.Customer.structure]
name = { type = "text", description = "Name", required = true }
vip = { type = "boolean", description = "VIP or not" }

[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
title = { type = "text", description = "Title", required = true }
tags = { type = "list", item_type = "text", description = "Tags" }
customer = { type = "concept", concept_ref = "Customer", description = "Who wrote it", required = true }
score = { type = "integer", description = "Priority" }
due = { type = "date", description = "Due date" }
meta = { type = "dict", key_type = "text", value_type = "text", description = "Extra" }

[concept.Card]
description = "A card"

[concept.Card.structure]
heading = { type = "text", description = "Heading", required = true }
owner = { type = "text", description = "Owner name" }
priority = { type = "integer", description = "Priority" }
labels = { type = "list", item_type = "text", description = "Labels" }
who = { type = "concept", concept_ref = "Customer", description = "Customer" }
urgent = { type = "boolean", description = "Urgent" }
due = { type = "date", description = "Due" }
kind = { type = "text", description = "Kind", choices = ["bug", "question"] }
"""

    def cons(body, inputs='{ ticket = "Ticket" }', output="Card"):
        return (
            HEAD
            + f'''
[pipe.go]
type = "PipeCompose"
description = "Builds a card"
inputs = {inputs}
output = "{output}"

[pipe.go.construct]
{body}
'''
        )

    C = {}
    C["base"] = cons('heading = { from = "ticket.title" }')
    C["template_field"] = cons('heading = { template = "#$ticket.score $ticket.title" }')
    C["literal"] = cons('heading = "Fixed"\nowner = { from = "ticket.customer.name" }')
    C["deep_from"] = cons('heading = { from = "ticket.customer.name" }')
    C["from_missing_path"] = cons('heading = { from = "ticket.subject" }')
    C["from_unknown_root"] = cons('heading = { from = "card.title" }')
    C["from_int_to_text"] = cons('heading = { from = "ticket.score" }')
    C["from_text_to_int"] = cons('heading = { from = "ticket.title" }\npriority = { from = "ticket.title" }')
    C["literal_int_str"] = cons('heading = { from = "ticket.title" }\npriority = "high"')
    C["literal_int"] = cons('heading = { from = "ticket.title" }\npriority = 3')
    C["literal_float_to_int"] = cons('heading = { from = "ticket.title" }\npriority = 3.5')
    C["literal_bool"] = cons('heading = { from = "ticket.title" }\nurgent = true')
    C["literal_bool_str"] = cons('heading = { from = "ticket.title" }\nurgent = "yes"')
    C["literal_list"] = cons('heading = { from = "ticket.title" }\nlabels = ["a", "b"]')
    C["literal_list_ints"] = cons('heading = { from = "ticket.title" }\nlabels = [1, 2]')
    C["from_list"] = cons('heading = { from = "ticket.title" }\nlabels = { from = "ticket.tags" }')
    C["from_list_to_text"] = cons('heading = { from = "ticket.tags" }')
    C["from_struct"] = cons('heading = { from = "ticket.title" }\nwho = { from = "ticket.customer" }')
    C["from_struct_to_text"] = cons('heading = { from = "ticket.customer" }')
    C["nested_table"] = cons(
        'heading = { from = "ticket.title" }\n\n[pipe.go.construct.who]\nname = { from = "ticket.customer.name" }\nvip = true'
    )
    C["nested_table_missing_req"] = cons(
        'heading = { from = "ticket.title" }\n\n[pipe.go.construct.who]\nvip = true'
    )
    C["nested_table_extra"] = cons(
        'heading = { from = "ticket.title" }\n\n[pipe.go.construct.who]\nname = { from = "ticket.customer.name" }\nemail = "x@y.z"'
    )
    C["literal_date"] = cons('heading = { from = "ticket.title" }\ndue = 2026-03-01')
    C["literal_date_str"] = cons('heading = { from = "ticket.title" }\ndue = "2026-03-01"')
    C["from_date"] = cons('heading = { from = "ticket.title" }\ndue = { from = "ticket.due" }')
    C["choice_ok"] = cons('heading = { from = "ticket.title" }\nkind = "bug"')
    C["choice_bad"] = cons('heading = { from = "ticket.title" }\nkind = "feature"')
    C["choice_template"] = cons('heading = { from = "ticket.title" }\nkind = { template = "bug" }')
    C["template_for_int"] = cons(
        'heading = { from = "ticket.title" }\npriority = { template = "$ticket.score" }'
    )
    C["from_and_template"] = cons('heading = { from = "ticket.title", template = "x" }')
    C["from_empty"] = cons('heading = { from = "" }')
    C["from_dollar"] = cons('heading = { from = "$ticket.title" }')
    C["unknown_method"] = cons('heading = { value = "x" }')
    C["list_to_dict"] = cons(
        'heading = { from = "ticket.title" }', inputs='{ ticket = "Ticket", people = "Customer[]" }'
    ).replace(
        'heading = { from = "ticket.title" }',
        'heading = { from = "ticket.title" }\nlabels = { from = "people", list_to_dict_keyed_by = "name" }',
    )
    C["from_input_list_to_list"] = cons(
        'heading = { from = "ticket.title" }\nlabels = { from = "notes" }',
        inputs='{ ticket = "Ticket", notes = "Text[]" }',
    )
    C["from_input_text"] = cons('heading = { from = "note" }', inputs='{ note = "Text" }')
    C["from_input_text_dot"] = cons('heading = { from = "note.text" }', inputs='{ note = "Text" }')
    C["from_number_to_int"] = cons('heading = "x"\npriority = { from = "n" }', inputs='{ n = "Number" }')
    C["from_number_dot"] = cons('heading = "x"\npriority = { from = "n.number" }', inputs='{ n = "Number" }')
    C["only_optional_fields"] = cons('owner = { from = "ticket.title" }')
    C["empty_construct"] = (
        HEAD
        + """
[pipe.go]
type = "PipeCompose"
description = "Builds a card"
inputs = { ticket = "Ticket" }
output = "Card"
construct = {}
"""
    )
    C["construct_text_output"] = cons('text = { from = "ticket.title" }', output="Text")
    C["construct_template_unused_input"] = cons(
        'heading = { from = "ticket.title" }', inputs='{ ticket = "Ticket", note = "Text" }'
    )
    C["construct_list_output"] = cons('heading = { from = "ticket.title" }', output="Card[]")
    C["construct_dict_field"] = cons('heading = { from = "ticket.title" }', output="Card").replace(
        "[pipe.go.construct]\nheading", "[pipe.go.construct]\nheading"
    )
    C["template_list_item"] = cons('heading = { template = "{{ ticket.tags[0] }}" }')
    C["template_at"] = cons('heading = { template = "@ticket" }')
    return C


def _mdf() -> dict:  # type: ignore[type-arg]
    """The markdown filter and pipelex's other filters in every kind of template."""
    HEAD = """domain = "desk"
description = "Front desk"
main_pipe = "go"

[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
title = { type = "text", description = "Title", required = true }
body = { type = "text", description = "Body in markdown", required = true }
"""

    def comp(tpl, cat=None, output="Text"):
        if cat is None:
            body = f'template = """\n{tpl}\n"""'
        else:
            body = f'template = {{ template = """\n{tpl}\n""", category = "{cat}" }}'
        return (
            HEAD
            + f'''
[pipe.go]
type = "PipeCompose"
description = "Writes"
inputs = {{ ticket = "Ticket" }}
output = "{output}"
{body}
'''
        )

    def llm(field, tpl, ptype="PipeLLM", output="Text"):
        extra = 'prompt = "Answer"\n' if field == "system_prompt" else ""
        return (
            HEAD
            + f'''
[pipe.go]
type = "{ptype}"
description = "Writes"
inputs = {{ ticket = "Ticket" }}
output = "{output}"
{extra}{field} = """
{tpl}
"""
'''
        )

    C = {}
    for filt in ["markdown", "tag", "format", "with_images"]:
        t = "{{ ticket.body|" + filt + " }} $ticket.title"
        C[f"{filt}_compose_basic"] = comp(t)
        C[f"{filt}_compose_html"] = comp(t, "html", output="Html")
        C[f"{filt}_compose_markdown"] = comp(t, "markdown")
        C[f"{filt}_compose_llm_prompt"] = comp(t, "llm_prompt")
        C[f"{filt}_llm_prompt"] = llm("prompt", t)
        C[f"{filt}_imggen"] = llm("prompt", t, ptype="PipeImgGen", output="Image")
    C["markdown_sys"] = llm("system_prompt", "{{ ticket.body|markdown }} $ticket.title")
    C["markdown_search"] = llm(
        "prompt", "{{ ticket.body|markdown }} $ticket.title", ptype="PipeSearch", output="SearchResult"
    )
    C["markdown_compose_mermaid"] = comp("{{ ticket.body|markdown }} $ticket.title", "mermaid")
    C["markdown_compose_expression"] = comp("{{ ticket.body|markdown }} $ticket.title", "expression")
    C["markdown_construct_template"] = (
        HEAD
        + """
[concept.Card]
description = "A card"

[concept.Card.structure]
heading = { type = "text", description = "Heading", required = true }

[pipe.go]
type = "PipeCompose"
description = "Builds"
inputs = { ticket = "Ticket" }
output = "Card"

[pipe.go.construct]
heading = { template = "{{ ticket.body|markdown }} $ticket.title" }
"""
    )
    C["markdown_condition_template"] = (
        HEAD
        + """
[pipe.a]
type = "PipeCompose"
description = "a"
inputs = { ticket = "Ticket" }
output = "Text"
template = "$ticket.title"

[pipe.go]
type = "PipeCondition"
description = "Routes"
inputs = { ticket = "Ticket" }
output = "Text"
expression_template = "{{ ticket.body|markdown }}"
outcomes = { x = "a" }
default_outcome = "a"
"""
    )
    return C


def _hdr() -> dict:  # type: ignore[type-arg]
    """Bundle header fields, and cross-domain concept and pipe references (folder cases)."""
    C = {}

    def b(head, body):
        return head + "\n" + body

    H = """domain = "desk"
description = "Front desk"
main_pipe = "go"
"""
    P = """
[concept.Note]
description = "A note"
refines = "Text"

[pipe.go]
type = "PipeLLM"
description = "Answers"
inputs = { note = "Note" }
output = "Text"
prompt = "Answer $note"
"""
    C["hdr_base"] = H + P
    C["hdr_domain_upper"] = H.replace('"desk"', '"Desk"', 1) + P
    C["hdr_domain_dash"] = H.replace('"desk"', '"front-desk"', 1) + P
    C["hdr_domain_dotted"] = H.replace('"desk"', '"acme.front_desk"', 1) + P
    C["hdr_domain_digit"] = H.replace('"desk"', '"desk2"', 1) + P
    C["hdr_domain_leading_digit"] = H.replace('"desk"', '"2desk"', 1) + P
    C["hdr_domain_native"] = H.replace('"desk"', '"native"', 1) + P
    C["hdr_domain_empty"] = H.replace('"desk"', '""', 1) + P
    C["hdr_domain_trailing_dot"] = H.replace('"desk"', '"desk."', 1) + P
    C["hdr_description_missing"] = H.replace('description = "Front desk"\n', "") + P
    C["hdr_description_empty"] = H.replace('"Front desk"', '""') + P
    C["hdr_main_pipe_qualified"] = H.replace('main_pipe = "go"', 'main_pipe = "desk.go"') + P
    C["hdr_main_pipe_unknown"] = H.replace('main_pipe = "go"', 'main_pipe = "went"') + P
    C["hdr_main_pipe_empty"] = H.replace('main_pipe = "go"', 'main_pipe = ""') + P
    C["hdr_system_prompt"] = H + 'system_prompt = "You are kind"\n' + P
    C["hdr_system_prompt_var"] = H + 'system_prompt = "You answer $note"\n' + P
    C["hdr_unknown_key"] = H + 'author = "me"\n' + P
    C["hdr_version"] = H + 'version = "1.0.0"\n' + P
    C["hdr_definition"] = H + 'definition = "old"\n' + P
    C["hdr_prompt_template_to_structure"] = H + 'prompt_template_to_structure = "x"\n' + P
    C["hdr_main_pipe_list"] = H.replace('main_pipe = "go"', 'main_pipe = ["go"]') + P
    # cross-domain
    SH = """domain = "shared"
description = "Shared"

[concept.Customer]
description = "A customer"

[concept.Customer.structure]
name = { type = "text", description = "Name", required = true }

[pipe.greet]
type = "PipeLLM"
description = "Greets"
inputs = { customer = "Customer" }
output = "Text"
prompt = "Greet $customer.name"
"""

    def lib(main):
        return {"shared.mthds": SH, "bundle.mthds": main}

    M = """domain = "desk"
description = "Front desk"
main_pipe = "go"

[pipe.go]
type = "PipeSequence"
description = "Greets then answers"
inputs = { customer = "shared.Customer" }
output = "Text"
steps = [{ pipe = "shared.greet", result = "greeting" }]
"""
    F = {}
    F["x_base"] = lib(M)
    F["x_unqualified_concept"] = lib(M.replace('"shared.Customer"', '"Customer"'))
    F["x_unqualified_pipe"] = lib(M.replace('"shared.greet"', '"greet"'))
    F["x_wrong_domain_concept"] = lib(M.replace('"shared.Customer"', '"desk.Customer"'))
    F["x_upper_domain"] = lib(M.replace('"shared.Customer"', '"Shared.Customer"'))
    F["x_list_qualified"] = lib(
        M.replace('"shared.Customer"', '"shared.Customer[]"').replace(
            'steps = [{ pipe = "shared.greet", result = "greeting" }]',
            'steps = [{ pipe = "shared.greet", batch_over = "customer", batch_as = "one", result = "greeting" }]',
        )
    )
    F["x_refine_cross"] = lib(
        M.replace(
            "[pipe.go]", '[concept.Vip]\ndescription = "A VIP"\nrefines = "shared.Customer"\n\n[pipe.go]'
        )
        .replace('"shared.Customer"', '"Vip"', 1)
        .replace('refines = "Vip"', 'refines = "shared.Customer"')
    )
    F["x_field_cross"] = lib(
        M.replace(
            "[pipe.go]",
            '[concept.Visit]\ndescription = "A visit"\n\n[concept.Visit.structure]\nwho = { type = "concept", concept_ref = "shared.Customer", description = "Who" }\n\n[pipe.go]',
        )
    )
    F["x_field_cross_unqualified"] = lib(
        M.replace(
            "[pipe.go]",
            '[concept.Visit]\ndescription = "A visit"\n\n[concept.Visit.structure]\nwho = { type = "concept", concept_ref = "Customer", description = "Who" }\n\n[pipe.go]',
        )
    )
    F["x_output_cross"] = lib(M.replace('output = "Text"\nsteps', 'output = "shared.Text"\nsteps'))
    F["x_native_qualified"] = lib(M.replace('output = "Text"\nsteps', 'output = "native.Text"\nsteps'))
    F["x_same_domain_two_files"] = {
        "shared.mthds": SH,
        "bundle.mthds": M.replace('domain = "desk"', 'domain = "shared"').replace(
            'main_pipe = "go"', 'main_pipe = "go"'
        ),
    }
    F["x_dotted_domain"] = {
        "shared.mthds": SH.replace('domain = "shared"', 'domain = "acme.shared"'),
        "bundle.mthds": M.replace("shared.", "acme.shared."),
    }
    F["x_dotted_domain_short"] = {
        "shared.mthds": SH.replace('domain = "shared"', 'domain = "acme.shared"'),
        "bundle.mthds": M,
    }
    return {**C, **F}


def _jinja() -> dict:  # type: ignore[type-arg]
    """Jinja2 statements users copy (macro defaults, call blocks, loop controls, line statements) and sigils beside punctuation."""
    HEAD = _DESK_HEAD

    def llm(inputs, prompt, output="Text"):
        return (
            HEAD
            + f'''
[pipe.go]
type = "PipeLLM"
description = "Answers"
inputs = {inputs}
output = "{output}"
prompt = """
{prompt}
"""
'''
        )

    T = '{ ticket = "Ticket" }'
    TS = '{ tickets = "Ticket[]" }'
    C = {}
    C["for_if_filter"] = llm(TS, "{% for t in tickets if t.score %}{{ t.title }}{% endfor %}")
    C["for_recursive"] = llm(TS, "{% for t in tickets recursive %}{{ t.title }}{% endfor %}")
    C["macro_default_reads"] = llm(T, "{% macro m(x=ticket.title) %}[{{ x }}]{% endmacro %}{{ m() }}")
    C["call_with_args"] = llm(
        TS,
        "{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(t) each(tickets) %}{{ t.title }}{% endcall %}",
    )
    C["autoescape_block"] = llm(T, "{% autoescape false %}$ticket.title{% endautoescape %}")
    C["block_tag"] = llm(T, "{% block content %}$ticket.title{% endblock %}")
    C["break_ext"] = llm(TS, "{% for t in tickets %}{{ t.title }}{% break %}{% endfor %}")
    C["do_ext"] = llm(TS, "{% set l = [] %}{% do l.append(1) %}{{ tickets|length }}")
    C["set_in_loop_read_after"] = llm(TS, "{% for t in tickets %}{% set last = t %}{% endfor %}{{ last }}")
    C["dollar_in_print"] = llm(T, "{{ $ticket.title }}")
    C["at_colon"] = llm(T, "Ticket:\n@ticket:\nAnswer it")
    C["at_trailing_dot"] = llm(T, "Ticket:\n@ticket.\nAnswer it")
    C["at_at_line"] = llm(T, "@@ticket\n$ticket.title")
    C["at_at_line_only"] = llm(T, "@@ticket")
    C["dollar_dollar_only"] = llm(T, "$$ticket")
    C["at_tab"] = llm(T, "\t@ticket")
    C["at_in_md_list"] = llm(T, "Items:\n- @ticket")
    C["at_in_comment_block"] = llm(T, "{#\n@ticket\n#}\n$ticket.title")
    C["at_in_comment_only"] = llm(T, "{#\n@ticket\n#}\nHello")
    C["at_in_raw_only"] = llm(T, "{% raw %}\n@ticket\n{% endraw %}")
    C["dollar_possessive"] = llm(T, "Read $ticket.customer.name's ticket")
    C["dollar_trailing_double_dot"] = llm(T, "Read $ticket.title..")
    C["dollar_then_bracket"] = llm(T, "Read $ticket.tags[0]")
    C["dollar_then_paren"] = llm(T, "Read $ticket.title()")
    C["at_q_with_text"] = llm('{ ticket = "Ticket?" }', "Ticket: @?ticket")
    C["at_bang"] = llm(T, "@!ticket")
    C["dollar_bang"] = llm(T, "$!ticket")
    C["jinja_in_at_line"] = llm(T, "@ticket {# note #}")
    C["two_ats_line"] = llm('{ ticket = "Ticket", note = "Text" }', "@ticket @note")
    C["at_crlf"] = llm(T, "Ticket:\r\n@ticket\r\nAnswer")
    C["dollar_unicode_name"] = llm('{ ticket = "Ticket" }', "Read $tickét and $ticket.title")
    C["jinja_line_statement"] = llm(TS, "# for t in tickets\n{{ t.title }}\n# endfor")
    C["print_tuple"] = llm(T, "{{ ticket.title, ticket.score }}")
    C["concat_tilde"] = llm(T, "{{ ticket.title ~ ' / ' ~ ticket.customer.name }}")
    C["list_literal_loop"] = llm(T, "{% for f in ['title', 'score'] %}{{ ticket[f] }}{% endfor %}")
    C["getattr_filter"] = llm(T, "{{ ticket|attr('title') }}")
    C["dict_items_loop"] = llm(
        T, "{% for k, v in ticket.meta|dictsort %}{{ k }}={{ v }}{% endfor %}$ticket.title"
    )
    return C


def cases() -> dict[str, str | dict[str, str]]:
    """Every case, named ``f14_<group>__<name>`` (a folder case: a dict of relative path -> text)."""
    out: dict[str, str | dict[str, str]] = {}
    for group, made in (
        ("tpl", _tpl()),
        ("tpl2", _tpl2()),
        ("tpl3", _tpl3()),
        ("cond", _cond()),
        ("cons", _cons()),
        ("mdf", _mdf()),
        ("hdr", _hdr()),
        ("jinja", _jinja()),
    ):
        for name, text in made.items():
            out[f"f14_{group}__{name}"] = text
    return out
