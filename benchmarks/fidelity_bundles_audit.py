"""A field-coverage audit of the ten earlier passes (eleventh fidelity pass): the fields and value kinds no case had.

``/work/shared/MTHDS-REFERENCE.md`` was walked field by field and every field grepped in the other
``fidelity_bundles*`` modules. The fields that no case (or a single one) used were: PipeExtract's ``render_js`` and
``include_raw_html``, PipeImgGen's ``is_raw`` and an explicit ``size``, PipeCompose's ``list_to_dict_keyed_by``,
PipeDocGen's ``template_file``, the long forms of a model reference (``preset:`` / ``alias:`` / ``waterfall:`` /
``handle:``), a structure field of type ``time``, PipeSearch's ``to_date`` and ``include_images``, a signature's
``signature_for``, and the header's fields written with unusual values. The value kinds no case gave a field that
has them were mostly: an empty string, an empty list or table, a wrong type (a string for a number or a
boolean), an unknown value of an enum, the wrong case of an enum value, and a number out of its range.

The bases are valid bundles written the way users write them (the reference's docs' style: a ``[pipe]`` table,
``$var`` and ``@var`` prompts, a ``system_prompt`` in the header). Each mutation changes one field to one of those
value kinds. Case names are ``au_<base>__base`` and ``au_<base>__<mutation>``; ``fidelity.py`` writes and runs
them like the other modules' cases. Nothing here encodes an expected verdict: the two CLIs decide.
"""

from __future__ import annotations

BASES: dict[str, str] = {}
MUTATIONS: list[tuple[str, str, str, str]] = []  # (base, mutation, old, new): ``old`` replaced once

BASES["web_reader"] = '''domain = "web_reading"
description = "Read a web page and a scanned flyer (a PDF), then sum them up"
main_pipe = "read_and_sum_up"

[concept]
Digest = "A short digest of what was read"

[pipe]
[pipe.read_and_sum_up]
type = "PipeSequence"
description = "Read the page, read the flyer, write the digest"
inputs = { page = "Document", flyer = "Document" }
output = "Digest"
steps = [
    { pipe = "read_page", result = "page_pages" },
    { pipe = "read_flyer", result = "flyer_pages" },
    { pipe = "sum_up", result = "digest" },
]

[pipe.read_page]
type = "PipeExtract"
description = "Text of a web page, its scripts run"
inputs = { page = "Document" }
output = "Page[]"
model = "@default-extract-web-page"
render_js = true
include_raw_html = true

[pipe.read_flyer]
type = "PipeExtract"
description = "OCR of a scanned flyer"
inputs = { flyer = "Document" }
output = "Page[]"
max_page_images = 2
page_image_captions = false
page_views = true
page_views_dpi = 150

[pipe.sum_up]
type = "PipeLLM"
description = "Write the digest"
inputs = { page_pages = "Page[]", flyer_pages = "Page[]" }
output = "Digest"
prompt = """
Sum up these two sources in five lines.

@page_pages

@flyer_pages
"""
'''
MUTATIONS += [
    ("web_reader", "render_js_string", "render_js = true", 'render_js = "yes"'),
    ("web_reader", "render_js_false", "render_js = true", "render_js = false"),
    ("web_reader", "raw_html_string", "include_raw_html = true", 'include_raw_html = "true"'),
    ("web_reader", "max_images_negative", "max_page_images = 2", "max_page_images = -1"),
    ("web_reader", "max_images_zero", "max_page_images = 2", "max_page_images = 0"),
    ("web_reader", "max_images_string", "max_page_images = 2", 'max_page_images = "2"'),
    ("web_reader", "dpi_zero", "page_views_dpi = 150", "page_views_dpi = 0"),
    ("web_reader", "dpi_float", "page_views_dpi = 150", "page_views_dpi = 150.5"),
    ("web_reader", "extract_model_empty", 'model = "@default-extract-web-page"', 'model = ""'),
    (
        "web_reader",
        "extract_model_unknown",
        'model = "@default-extract-web-page"',
        'model = "@default-scrape"',
    ),
    ("web_reader", "extract_output_page", 'output = "Page[]"\nmodel', 'output = "Page"\nmodel'),
    ("web_reader", "extract_output_text", 'output = "Page[]"\nmodel', 'output = "Text"\nmodel'),
    (
        "web_reader",
        "extract_no_inputs",
        'inputs = { page = "Document" }\noutput = "Page[]"',
        'output = "Page[]"',
    ),
    (
        "web_reader",
        "extract_two_inputs",
        'inputs = { page = "Document" }\noutput = "Page[]"',
        'inputs = { page = "Document", flyer = "Document" }\noutput = "Page[]"',
    ),
    (
        "web_reader",
        "extract_input_text",
        'inputs = { flyer = "Document" }\noutput',
        'inputs = { flyer = "Text" }\noutput',
    ),
    (
        "web_reader",
        "extract_input_image",
        'inputs = { flyer = "Document" }\noutput',
        'inputs = { flyer = "Image" }\noutput',
    ),
    ("web_reader", "steps_empty_list", "steps = [\n", "steps = []\nold_steps = [\n"),
    ("web_reader", "description_empty", 'description = "Write the digest"', 'description = ""'),
    ("web_reader", "prompt_empty", 'prompt = """\nSum up', 'prompt = ""\nold = """\nSum up'),
]

BASES["poster_studio"] = """domain = "poster_studio"
description = "Posters for the village fair"
main_pipe = "make_posters"

[concept.PosterBrief]
description = "What the poster must show"

[concept.PosterBrief.structure]
theme = { type = "text", description = "The fair's theme", required = true }
colours = { type = "list", item_type = "text", description = "Colours to use" }

[pipe]
[pipe.make_posters]
type = "PipeSequence"
description = "Write a prompt, then draw two posters"
inputs = { brief = "PosterBrief" }
output = "Image[2]"
steps = [
    { pipe = "write_poster_prompt", result = "poster_prompt" },
    { pipe = "draw_posters", result = "posters" },
]

[pipe.write_poster_prompt]
type = "PipeLLM"
description = "Turn the brief into an image prompt"
inputs = { brief = "PosterBrief" }
output = "Text"
model = "$writing-creative"
prompt = "Write an image prompt for a fair poster on $brief.theme, in the colours {{ brief.colours | join(', ') }}."

[pipe.draw_posters]
type = "PipeImgGen"
description = "Draw two posters"
inputs = { poster_prompt = "Text" }
output = "Image[2]"
prompt = "$poster_prompt"
negative_prompt = "text, watermark, blurry"
aspect_ratio = "portrait_2_3"
size = "2k"
is_raw = false
seed = "auto"
background = "opaque"
output_format = "png"
"""
MUTATIONS += [
    ("poster_studio", "is_raw_true", "is_raw = false", "is_raw = true"),
    ("poster_studio", "is_raw_string", "is_raw = false", 'is_raw = "no"'),
    ("poster_studio", "seed_int", 'seed = "auto"', "seed = 42"),
    ("poster_studio", "seed_random", 'seed = "auto"', 'seed = "random"'),
    ("poster_studio", "seed_negative", 'seed = "auto"', "seed = -3"),
    ("poster_studio", "size_3k", 'size = "2k"', 'size = "3k"'),
    ("poster_studio", "size_upper", 'size = "2k"', 'size = "2K"'),
    ("poster_studio", "size_pixels", 'size = "2k"', 'size = "1024x1536"'),
    ("poster_studio", "aspect_upper", 'aspect_ratio = "portrait_2_3"', 'aspect_ratio = "Portrait_2_3"'),
    ("poster_studio", "aspect_colon", 'aspect_ratio = "portrait_2_3"', 'aspect_ratio = "2:3"'),
    ("poster_studio", "aspect_empty", 'aspect_ratio = "portrait_2_3"', 'aspect_ratio = ""'),
    ("poster_studio", "format_gif", 'output_format = "png"', 'output_format = "gif"'),
    ("poster_studio", "format_jpg", 'output_format = "png"', 'output_format = "jpg"'),
    ("poster_studio", "background_none", 'background = "opaque"', 'background = "none"'),
    ("poster_studio", "background_transparent", 'background = "opaque"', 'background = "transparent"'),
    (
        "poster_studio",
        "negative_empty",
        'negative_prompt = "text, watermark, blurry"',
        'negative_prompt = ""',
    ),
    (
        "poster_studio",
        "negative_var",
        'negative_prompt = "text, watermark, blurry"',
        'negative_prompt = "$poster_prompt"',
    ),
    ("poster_studio", "imggen_prompt_empty", 'prompt = "$poster_prompt"', 'prompt = ""'),
    ("poster_studio", "imggen_output_zero", 'output = "Image[2]"\nprompt', 'output = "Image[0]"\nprompt'),
    ("poster_studio", "imggen_output_list", 'output = "Image[2]"\nprompt', 'output = "Image[]"\nprompt'),
    (
        "poster_studio",
        "imggen_model_llm",
        'prompt = "$poster_prompt"',
        'model = "$writing-creative"\nprompt = "$poster_prompt"',
    ),
    ("poster_studio", "colours_empty_desc", 'description = "Colours to use"', 'description = ""'),
]

BASES["order_book"] = """domain = "order_book"
description = "Index order lines by their SKU"
main_pipe = "index_lines"

[concept.OrderLine]
description = "One line of an order"

[concept.OrderLine.structure]
sku = { type = "text", description = "Stock keeping unit", required = true }
quantity = { type = "integer", description = "How many", required = true }
picked_at = { type = "time", description = "When it was picked" }
shipped_on = { type = "datetime", description = "When it left" }

[concept.LineIndex]
description = "Order lines keyed by SKU"

[concept.LineIndex.structure]
by_sku = { type = "dict", key_type = "text", value_type = "concept", description = "Lines by SKU", required = true }
note = { type = "text", description = "A note" }

[pipe]
[pipe.index_lines]
type = "PipeCompose"
description = "Key the lines by SKU"
inputs = { lines = "OrderLine[]", remark = "Text" }
output = "LineIndex"

[pipe.index_lines.construct]
by_sku = { from = "lines", list_to_dict_keyed_by = "sku" }
note = { template = "Indexed by $remark" }
"""
MUTATIONS += [
    ("order_book", "keyed_by_unknown", 'list_to_dict_keyed_by = "sku"', 'list_to_dict_keyed_by = "code"'),
    ("order_book", "keyed_by_empty", 'list_to_dict_keyed_by = "sku"', 'list_to_dict_keyed_by = ""'),
    (
        "order_book",
        "keyed_by_number_field",
        'list_to_dict_keyed_by = "sku"',
        'list_to_dict_keyed_by = "quantity"',
    ),
    ("order_book", "keyed_from_single", 'lines = "OrderLine[]"', 'lines = "OrderLine"'),
    (
        "order_book",
        "construct_literal",
        'note = { template = "Indexed by $remark" }',
        'note = "Indexed"\nremark_unused = 1',
    ),
    ("order_book", "time_type_upper", 'type = "time"', 'type = "Time"'),
    ("order_book", "time_type_timestamp", 'type = "time"', 'type = "timestamp"'),
    (
        "order_book",
        "datetime_default",
        'description = "When it left" }',
        'description = "When it left", default_value = "2024-05-01T10:00:00" }',
    ),
    (
        "order_book",
        "dict_no_value_type",
        'key_type = "text", value_type = "concept", ',
        'key_type = "text", ',
    ),
    ("order_book", "dict_value_unknown", 'value_type = "concept"', 'value_type = "float"'),
    ("order_book", "dict_key_integer", 'key_type = "text"', 'key_type = "integer"'),
    (
        "order_book",
        "integer_default_string",
        'description = "How many", required = true',
        'description = "How many", default_value = "one"',
    ),
    (
        "order_book",
        "choices_empty",
        'description = "Stock keeping unit", required = true',
        'description = "Stock keeping unit", choices = [], required = true',
    ),
    (
        "order_book",
        "choices_with_default_in",
        'description = "Stock keeping unit", required = true',
        'description = "Stock keeping unit", choices = ["A1", "B2"], default_value = "A1"',
    ),
    (
        "order_book",
        "choices_with_default_out",
        'description = "Stock keeping unit", required = true',
        'description = "Stock keeping unit", choices = ["A1", "B2"], default_value = "C3"',
    ),
    (
        "order_book",
        "choices_on_integer",
        'description = "How many", required = true',
        'description = "How many", choices = ["1", "2"], required = true',
    ),
    ("order_book", "field_keyword", "picked_at = {", "class = {"),
    ("order_book", "field_underscore", "picked_at = {", "_picked_at = {"),
    ("order_book", "field_upper", "picked_at = {", "PickedAt = {"),
    ("order_book", "field_dash", "picked_at = {", '"picked-at" = {'),
    (
        "order_book",
        "field_required_string",
        'description = "Stock keeping unit", required = true',
        'description = "Stock keeping unit", required = "yes"',
    ),
    (
        "order_book",
        "field_no_description",
        '{ type = "time", description = "When it was picked" }',
        '{ type = "time" }',
    ),
    (
        "order_book",
        "structure_empty",
        "[concept.LineIndex.structure]\n",
        "[concept.LineIndex.structure]\n[concept.LineIndex.old]\n",
    ),
]

BASES["model_forms"] = """domain = "model_forms"
description = "Every long form of a model reference"
main_pipe = "answer_all"
system_prompt = "You answer tersely."

[pipe]
[pipe.answer_all]
type = "PipeParallel"
description = "Ask four times"
inputs = { question = "Text" }
output = "Composite"
add_each_output = true
branches = [
    { pipe = "by_preset", result = "a" },
    { pipe = "by_alias", result = "b" },
    { pipe = "by_handle", result = "c" },
    { pipe = "by_settings", result = "d" },
]

[pipe.by_preset]
type = "PipeLLM"
description = "A preset, long form"
inputs = { question = "Text" }
output = "Text"
model = "preset:writing-factual"
prompt = "Answer: $question"

[pipe.by_alias]
type = "PipeLLM"
description = "An alias, long form"
inputs = { question = "Text" }
output = "Text"
model = "alias:default-small"
prompt = "Answer: $question"

[pipe.by_handle]
type = "PipeLLM"
description = "A bare handle"
inputs = { question = "Text" }
output = "Text"
model = "gpt-4o-mini"
prompt = "Answer: $question"

[pipe.by_settings]
type = "PipeLLM"
description = "Inline settings"
inputs = { question = "Text" }
output = "Text"
model = { model = "@default-small", temperature = 0.2, max_tokens = 300 }
prompt = "Answer: $question"
"""
MUTATIONS += [
    ("model_forms", "preset_unknown", 'model = "preset:writing-factual"', 'model = "preset:writing-poetic"'),
    ("model_forms", "preset_empty", 'model = "preset:writing-factual"', 'model = "preset:"'),
    (
        "model_forms",
        "preset_dollar_long",
        'model = "preset:writing-factual"',
        'model = "preset:$writing-factual"',
    ),
    ("model_forms", "alias_unknown", 'model = "alias:default-small"', 'model = "alias:default-tiny"'),
    ("model_forms", "alias_upper", 'model = "alias:default-small"', 'model = "ALIAS:default-small"'),
    ("model_forms", "waterfall_long", 'model = "gpt-4o-mini"', 'model = "waterfall:document-extractor"'),
    ("model_forms", "waterfall_unknown", 'model = "gpt-4o-mini"', 'model = "~pricey_llms"'),
    ("model_forms", "waterfall_other_kind", 'model = "gpt-4o-mini"', 'model = "~document-extractor"'),
    ("model_forms", "handle_long", 'model = "gpt-4o-mini"', 'model = "handle:gpt-4o-mini"'),
    ("model_forms", "handle_unknown", 'model = "gpt-4o-mini"', 'model = "handle:gpt-17"'),
    ("model_forms", "handle_upper", 'model = "gpt-4o-mini"', 'model = "GPT-4o-mini"'),
    ("model_forms", "model_empty", 'model = "gpt-4o-mini"', 'model = ""'),
    (
        "model_forms",
        "model_empty_table",
        'model = { model = "@default-small", temperature = 0.2, max_tokens = 300 }',
        "model = {}",
    ),
    ("model_forms", "temperature_high", "temperature = 0.2", "temperature = 7"),
    ("model_forms", "temperature_string", "temperature = 0.2", 'temperature = "low"'),
    ("model_forms", "max_tokens_zero", "max_tokens = 300", "max_tokens = 0"),
    ("model_forms", "max_tokens_negative", "max_tokens = 300", "max_tokens = -5"),
    ("model_forms", "reasoning_effort_high", "max_tokens = 300", 'reasoning_effort = "high"'),
    ("model_forms", "reasoning_effort_bad", "max_tokens = 300", 'reasoning_effort = "extreme"'),
    ("model_forms", "settings_unknown_key", "max_tokens = 300", "top_k = 5"),
    ("model_forms", "settings_no_model", 'model = "@default-small", temperature', "temperature"),
    ("model_forms", "system_prompt_empty", 'system_prompt = "You answer tersely."', 'system_prompt = ""'),
    (
        "model_forms",
        "system_prompt_var",
        'system_prompt = "You answer tersely."',
        'system_prompt = "You answer $question tersely."',
    ),
    ("model_forms", "parallel_branches_empty", "branches = [\n", "branches = []\nold_branches = [\n"),
    ("model_forms", "add_each_output_string", "add_each_output = true", 'add_each_output = "true"'),
    (
        "model_forms",
        "branch_result_dup",
        '{ pipe = "by_alias", result = "b" }',
        '{ pipe = "by_alias", result = "a" }',
    ),
    ("model_forms", "branch_no_result", '{ pipe = "by_alias", result = "b" }', '{ pipe = "by_alias" }'),
]

BASES["news_search"] = '''domain = "news_search"
description = "Search the news and brief the editor"
main_pipe = "brief_editor"

[pipe]
[pipe.brief_editor]
type = "PipeSequence"
description = "Search, then brief"
inputs = { topic = "Text" }
output = "Text"
steps = [
    { pipe = "search_news", result = "found" },
    { pipe = "write_brief", result = "brief" },
]

[pipe.search_news]
type = "PipeSearch"
description = "Recent news on the topic"
inputs = { topic = "Text" }
output = "SearchResult"
prompt = "Latest news about $topic"
include_images = true
max_results = 8
from_date = "2025-01-01"
to_date = "2025-06-30"
include_domains = ["reuters.com", "apnews.com"]

[pipe.write_brief]
type = "PipeLLM"
description = "Brief the editor"
inputs = { found = "SearchResult" }
output = "Text"
prompt = """
Brief the editor in five bullet points, citing sources:

@found
"""
'''
MUTATIONS += [
    ("news_search", "from_date_words", 'from_date = "2025-01-01"', 'from_date = "last week"'),
    ("news_search", "from_date_toml_date", 'from_date = "2025-01-01"', "from_date = 2025-01-01"),
    ("news_search", "from_date_datetime", 'from_date = "2025-01-01"', 'from_date = "2025-01-01T00:00:00"'),
    ("news_search", "to_before_from", 'to_date = "2025-06-30"', 'to_date = "2024-06-30"'),
    ("news_search", "to_date_bad_day", 'to_date = "2025-06-30"', 'to_date = "2025-06-31"'),
    ("news_search", "max_results_zero", "max_results = 8", "max_results = 0"),
    ("news_search", "max_results_string", "max_results = 8", 'max_results = "8"'),
    ("news_search", "include_images_string", "include_images = true", 'include_images = "yes"'),
    (
        "news_search",
        "domains_string",
        'include_domains = ["reuters.com", "apnews.com"]',
        'include_domains = "reuters.com"',
    ),
    (
        "news_search",
        "domains_empty",
        'include_domains = ["reuters.com", "apnews.com"]',
        "include_domains = []",
    ),
    (
        "news_search",
        "domains_both",
        'include_domains = ["reuters.com", "apnews.com"]',
        'include_domains = ["reuters.com"]\nexclude_domains = ["reuters.com"]',
    ),
    ("news_search", "search_output_text", 'output = "SearchResult"\nprompt', 'output = "Text"\nprompt'),
    (
        "news_search",
        "search_output_list",
        'output = "SearchResult"\nprompt',
        'output = "SearchResult[]"\nprompt',
    ),
    (
        "news_search",
        "search_model_unknown",
        'prompt = "Latest news',
        'model = "@default-web-search"\nprompt = "Latest news',
    ),
    ("news_search", "search_prompt_no_var", 'prompt = "Latest news about $topic"', 'prompt = "Latest news"'),
]

BASES["ticket_router"] = """domain = "support.tickets"
description = "Route tickets by urgency"
main_pipe = "route_ticket"

[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
subject = { type = "text", description = "Subject line", required = true }
urgency = { type = "text", description = "How urgent", choices = ["low", "high"], required = true }

[pipe]
[pipe.route_ticket]
type = "PipeCondition"
description = "Urgent tickets go to the on-call desk"
inputs = { ticket = "Ticket" }
output = "Text"
expression = "ticket.urgency"
add_alias_from_expression_to = "urgency_label"
default_outcome = "answer_later"

[pipe.route_ticket.outcomes]
high = "page_on_call"
low = "answer_later"

[pipe.page_on_call]
type = "PipeLLM"
description = "Page the on-call engineer"
inputs = { ticket = "Ticket" }
output = "Text"
prompt = "Write a pager message for: $ticket.subject"

[pipe.answer_later]
type = "PipeCompose"
description = "A holding reply"
inputs = { ticket = "Ticket" }
output = "Text"
template = "We got your ticket about $ticket.subject and will answer within two days."
"""
MUTATIONS += [
    (
        "ticket_router",
        "alias_empty",
        'add_alias_from_expression_to = "urgency_label"',
        'add_alias_from_expression_to = ""',
    ),
    (
        "ticket_router",
        "alias_camel",
        'add_alias_from_expression_to = "urgency_label"',
        'add_alias_from_expression_to = "UrgencyLabel"',
    ),
    (
        "ticket_router",
        "alias_is_input",
        'add_alias_from_expression_to = "urgency_label"',
        'add_alias_from_expression_to = "ticket"',
    ),
    (
        "ticket_router",
        "default_continue_upper",
        'default_outcome = "answer_later"',
        'default_outcome = "Continue"',
    ),
    ("ticket_router", "default_fail", 'default_outcome = "answer_later"', 'default_outcome = "fail"'),
    ("ticket_router", "default_empty", 'default_outcome = "answer_later"', 'default_outcome = ""'),
    (
        "ticket_router",
        "default_qualified",
        'default_outcome = "answer_later"',
        'default_outcome = "support.tickets.answer_later"',
    ),
    (
        "ticket_router",
        "default_other_domain",
        'default_outcome = "answer_later"',
        'default_outcome = "billing.answer_later"',
    ),
    (
        "ticket_router",
        "outcomes_empty",
        '[pipe.route_ticket.outcomes]\nhigh = "page_on_call"\nlow = "answer_later"',
        "[pipe.route_ticket.outcomes]",
    ),
    ("ticket_router", "outcome_key_number", 'high = "page_on_call"', '1 = "page_on_call"'),
    ("ticket_router", "outcome_key_empty", 'high = "page_on_call"', '"" = "page_on_call"'),
    ("ticket_router", "outcome_value_fail", 'low = "answer_later"', 'low = "fail"'),
    ("ticket_router", "outcome_qualified", 'high = "page_on_call"', 'high = "support.tickets.page_on_call"'),
    ("ticket_router", "expression_empty", 'expression = "ticket.urgency"', 'expression = ""'),
    (
        "ticket_router",
        "expression_braces",
        'expression = "ticket.urgency"',
        'expression = "{{ ticket.urgency }}"',
    ),
    ("ticket_router", "expression_unknown_var", 'expression = "ticket.urgency"', 'expression = "urgency"'),
    (
        "ticket_router",
        "expression_filter",
        'expression = "ticket.urgency"',
        'expression = "ticket.urgency | lower"',
    ),
    ("ticket_router", "domain_upper", 'domain = "support.tickets"', 'domain = "Support.Tickets"'),
    ("ticket_router", "domain_double_dot", 'domain = "support.tickets"', 'domain = "support..tickets"'),
    ("ticket_router", "domain_trailing_dot", 'domain = "support.tickets"', 'domain = "support.tickets."'),
    ("ticket_router", "domain_empty", 'domain = "support.tickets"', 'domain = ""'),
    ("ticket_router", "domain_native", 'domain = "support.tickets"', 'domain = "native"'),
    ("ticket_router", "domain_digit_segment", 'domain = "support.tickets"', 'domain = "support.2024"'),
    ("ticket_router", "domain_dash", 'domain = "support.tickets"', 'domain = "support-tickets"'),
    ("ticket_router", "main_pipe_empty", 'main_pipe = "route_ticket"', 'main_pipe = ""'),
    (
        "ticket_router",
        "main_pipe_qualified",
        'main_pipe = "route_ticket"',
        'main_pipe = "support.tickets.route_ticket"',
    ),
    (
        "ticket_router",
        "main_pipe_other_domain",
        'main_pipe = "route_ticket"',
        'main_pipe = "billing.route_ticket"',
    ),
    ("ticket_router", "main_pipe_list", 'main_pipe = "route_ticket"', 'main_pipe = ["route_ticket"]'),
    ("ticket_router", "description_number", 'description = "Route tickets by urgency"', "description = 3"),
    (
        "ticket_router",
        "concept_ref_qualified",
        'inputs = { ticket = "Ticket" }\noutput = "Text"\nexpression',
        'inputs = { ticket = "support.tickets.Ticket" }\noutput = "Text"\nexpression',
    ),
    (
        "ticket_router",
        "concept_ref_wrong_domain",
        'inputs = { ticket = "Ticket" }\noutput = "Text"\nexpression',
        'inputs = { ticket = "support.Ticket" }\noutput = "Text"\nexpression',
    ),
]

BASES["report_desk"] = '''domain = "report_desk"
description = "Draft a report, judge it, print it"
main_pipe = "make_report"

[concept.QualityVerdict]
description = "How good the draft is"
refines = "Rating"

[pipe]
[pipe.make_report]
type = "PipeSequence"
description = "Draft, judge and print"
inputs = { notes = "Text" }
output = "Document"
steps = [
    { pipe = "draft_report", result = "draft" },
    { pipe = "judge_draft", result = "quality" },
    { pipe = "print_report", result = "report" },
]

[pipe.draft_report]
type = "PipeLLM"
description = "Draft the report"
inputs = { notes = "Text" }
output = "Text"
templating_style = "ticks"
structuring_method = "direct"
prompt = """
Write a one-page report from these notes:
@notes
"""

[pipe.judge_draft]
type = "PipeJudge"
description = "Rate the draft"
inputs = { draft = "Text" }
output = "QualityVerdict"
prompt = """
Rate this draft:
@draft
"""
question = "How clear is this report?"
levels = ["poor", "fair", "good", "excellent"]
threshold = 2

[pipe.print_report]
type = "PipeDocGen"
description = "Print the report as a PDF"
inputs = { draft = "Text", quality = "QualityVerdict" }
output = "Document"
format = "pdf"
filename = "report.pdf"
template = """
# Report

$draft

Rated {{ quality.level }}.
"""
'''
MUTATIONS += [
    ("report_desk", "templating_upper", 'templating_style = "ticks"', 'templating_style = "Ticks"'),
    ("report_desk", "templating_unknown", 'templating_style = "ticks"', 'templating_style = "markdown"'),
    ("report_desk", "templating_no_tag", 'templating_style = "ticks"', 'templating_style = "no_tag"'),
    (
        "report_desk",
        "structuring_unknown",
        'structuring_method = "direct"',
        'structuring_method = "two_step"',
    ),
    (
        "report_desk",
        "structuring_preliminary",
        'structuring_method = "direct"',
        'structuring_method = "preliminary_text"',
    ),
    (
        "report_desk",
        "model_to_structure_on_text",
        'structuring_method = "direct"',
        'model_to_structure = "$writing-factual"',
    ),
    ("report_desk", "threshold_high", "threshold = 2", "threshold = 9"),
    ("report_desk", "threshold_negative", "threshold = 2", "threshold = -1"),
    ("report_desk", "threshold_float", "threshold = 2", "threshold = 2.5"),
    ("report_desk", "threshold_string", "threshold = 2", 'threshold = "good"'),
    ("report_desk", "levels_empty", 'levels = ["poor", "fair", "good", "excellent"]', "levels = []"),
    ("report_desk", "levels_one", 'levels = ["poor", "fair", "good", "excellent"]', 'levels = ["good"]'),
    (
        "report_desk",
        "levels_dup",
        'levels = ["poor", "fair", "good", "excellent"]',
        'levels = ["poor", "good", "good"]',
    ),
    (
        "report_desk",
        "levels_table",
        'levels = ["poor", "fair", "good", "excellent"]',
        'levels = { poor = "Bad", good = "Fine" }',
    ),
    ("report_desk", "question_empty", 'question = "How clear is this report?"', 'question = ""'),
    ("report_desk", "judge_no_question", 'question = "How clear is this report?"\n', ""),
    ("report_desk", "format_upper", 'format = "pdf"', 'format = "PDF"'),
    ("report_desk", "format_html", 'format = "pdf"', 'format = "html"'),
    (
        "report_desk",
        "format_docx",
        'format = "pdf"\nfilename = "report.pdf"',
        'format = "docx"\nfilename = "report.docx"',
    ),
    ("report_desk", "filename_empty", 'filename = "report.pdf"', 'filename = ""'),
    ("report_desk", "filename_other_ext", 'filename = "report.pdf"', 'filename = "report.txt"'),
    (
        "report_desk",
        "template_file",
        'template = """\n# Report',
        'template_file = "report.md"\nold = """\n# Report',
    ),
    (
        "report_desk",
        "template_and_file",
        'filename = "report.pdf"',
        'filename = "report.pdf"\ntemplate_file = "report.md"',
    ),
    ("report_desk", "docgen_output_text", 'output = "Document"\nformat', 'output = "Text"\nformat'),
    ("report_desk", "docgen_no_format", 'format = "pdf"\n', ""),
]

BASES["intake_sketch"] = """domain = "intake"
description = "Intake of claims, sketched with a signature"
main_pipe = "take_claim"

[concept]
Claim = "A claim as the customer wrote it"
ClaimSummary = "A summary of a claim"

[pipe]
[pipe.take_claim]
type = "PipeSequence"
description = "Summarise, then file"
inputs = { claim = "Claim" }
output = "Text"
steps = [
    { pipe = "summarise_claim", result = "summary" },
    { pipe = "file_claim", result = "receipt" },
]

[pipe.summarise_claim]
type = "PipeSignature"
description = "Summarise a claim (to be written)"
inputs = { claim = "Claim" }
output = "ClaimSummary"
signature_for = "PipeLLM"

[pipe.file_claim]
type = "PipeCompose"
description = "A receipt"
inputs = { summary = "ClaimSummary" }
output = "Text"
template = "Filed: $summary"
"""
MUTATIONS += [
    (
        "intake_sketch",
        "signature_for_controller",
        'signature_for = "PipeLLM"',
        'signature_for = "PipeSequence"',
    ),
    ("intake_sketch", "signature_for_unknown", 'signature_for = "PipeLLM"', 'signature_for = "PipeGPT"'),
    ("intake_sketch", "signature_for_lower", 'signature_for = "PipeLLM"', 'signature_for = "pipellm"'),
    ("intake_sketch", "signature_for_missing", 'signature_for = "PipeLLM"\n', ""),
    (
        "intake_sketch",
        "signature_with_prompt",
        'signature_for = "PipeLLM"',
        'signature_for = "PipeLLM"\nprompt = "Sum up $claim"',
    ),
    (
        "intake_sketch",
        "signature_filled",
        'type = "PipeSignature"',
        'type = "PipeLLM"\nprompt = "Sum up $claim"',
    ),
    (
        "intake_sketch",
        "signature_wrong_output",
        'template = "Filed: $summary"',
        'template = "Filed: $summary"\n\n[pipe.other]\ntype = "PipeSignature"\ndescription = "x"\noutput = "Text[]"\nsignature_for = "PipeLLM"',
    ),
    (
        "intake_sketch",
        "inputs_hints",
        'inputs = { summary = "ClaimSummary" }',
        'inputs = { summary = { concept = "ClaimSummary", hints = { tone = "dry" } } }',
    ),
    (
        "intake_sketch",
        "inputs_table_no_concept",
        'inputs = { summary = "ClaimSummary" }',
        'inputs = { summary = { hints = { tone = "dry" } } }',
    ),
    ("intake_sketch", "inputs_empty_table", 'inputs = { summary = "ClaimSummary" }', "inputs = {}"),
    (
        "intake_sketch",
        "input_spec_empty",
        'inputs = { summary = "ClaimSummary" }',
        'inputs = { summary = "" }',
    ),
    ("intake_sketch", "concept_desc_empty", 'Claim = "A claim as the customer wrote it"', 'Claim = ""'),
    ("intake_sketch", "concept_shorthand_number", 'Claim = "A claim as the customer wrote it"', "Claim = 1"),
    (
        "intake_sketch",
        "concept_dup_case",
        'ClaimSummary = "A summary of a claim"',
        'ClaimSummary = "A summary of a claim"\nCLAIM = "Shouting"',
    ),
]


# the docs' "kick off a project" tutorial, copied as users copy it (a [pipe] table, domain-qualified concept
# references, a header system_prompt), then grown with a rich PipeCompose template table (category,
# templating_style, extra_context)
BASES["docs_tutorial"] = """domain = "tutorial"
description = "My first Pipelex library"
system_prompt = "You are a helpful assistant."
main_pipe = "answer_and_format"

[concept]
Question = "A question that needs to be answered"
Answer = "A response to a question"

[pipe]
[pipe.answer_and_format]
type = "PipeSequence"
description = "Answer, then lay the answer out"
inputs = { question = "tutorial.Question" }
output = "Text"
steps = [
    { pipe = "answer_question", result = "answer" },
    { pipe = "format_answer", result = "page" },
]

[pipe.answer_question]
type = "PipeLLM"
description = "Answer a question"
inputs = { question = "tutorial.Question" }
output = "tutorial.Answer"
prompt = \"\"\"
Please answer the following question:

@question

Provide a clear and concise answer.
\"\"\"

[pipe.format_answer]
type = "PipeCompose"
description = "Lay the answer out as markdown"
inputs = { answer = "tutorial.Answer" }
output = "Text"

[pipe.format_answer.template]
template = \"\"\"
# {{ title }}

$answer
\"\"\"
category = "markdown"
templating_style = { tag_style = "no_tag" }
extra_context = { title = "Your answer" }
"""
MUTATIONS += [
    ("docs_tutorial", "domain_renamed_refs_kept", 'domain = "tutorial"', 'domain = "my_tutorial"'),
    ("docs_tutorial", "category_unknown", 'category = "markdown"', 'category = "md"'),
    ("docs_tutorial", "category_html", 'category = "markdown"', 'category = "html"'),
    ("docs_tutorial", "category_upper", 'category = "markdown"', 'category = "Markdown"'),
    (
        "docs_tutorial",
        "extra_context_empty",
        'extra_context = { title = "Your answer" }',
        "extra_context = {}",
    ),
    (
        "docs_tutorial",
        "extra_context_string",
        'extra_context = { title = "Your answer" }',
        'extra_context = "Your answer"',
    ),
    (
        "docs_tutorial",
        "extra_context_number",
        'extra_context = { title = "Your answer" }',
        "extra_context = { title = 3 }",
    ),
    (
        "docs_tutorial",
        "compose_templating_unknown",
        'tag_style = "no_tag"',
        'tag_style = "plain"',
    ),
    (
        "docs_tutorial",
        "compose_templating_string",
        'templating_style = { tag_style = "no_tag" }',
        'templating_style = "no_tag"',
    ),
    (
        "docs_tutorial",
        "rich_template_no_template",
        'template = """\n# {{ title }}',
        'text = """\n# {{ title }}',
    ),
    ("docs_tutorial", "plx_concept_prefix", 'output = "tutorial.Answer"', 'output = "native.Answer"'),
    (
        "docs_tutorial",
        "pipe_table_value",
        "[pipe]\n[pipe.answer_and_format]",
        'pipe = "answer_question"\n[pipe.answer_and_format]',
    ),
    (
        "docs_tutorial",
        "system_prompt_multiline",
        'system_prompt = "You are a helpful assistant."',
        'system_prompt = """\nYou are a helpful assistant.\nAnswer in English.\n"""',
    ),
    ("docs_tutorial", "jinja2_old_type", 'type = "PipeCompose"', 'type = "PipeJinja2"'),
]


def _apply(text: str, old: str, new: str) -> str:
    if old not in text:
        raise ValueError(f"mutation target absent: {old!r}")
    return text.replace(old, new, 1)


def cases() -> dict[str, str | dict[str, str]]:
    out: dict[str, str | dict[str, str]] = {}
    for name, text in BASES.items():
        out[f"au_{name}__base"] = text
    for base, mutation, old, new in MUTATIONS:
        out[f"au_{base}__{mutation}"] = _apply(BASES[base], old, new)
    return out


if __name__ == "__main__":
    made = cases()
    print(f"{len(BASES)} bases, {len(MUTATIONS)} mutations, {len(made)} cases")
