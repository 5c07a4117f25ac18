"""Sixteenth fidelity pass: pages handed to TextAndImages inputs, then the angles the earlier passes touched least.

First the neighbourhood of the fifteenth pass's open item (a PipeExtract's ``Page[]`` given to an input declared
``TextAndImages[]``): pages to ``TextAndImages``, ``Text``, ``Image``, a refinement of ``TextAndImages``, the other
way round, through sequences, batches, parallels and conditions, from a refinement of ``Page``. Then hand-written
bundles in the style of the reference's published docs: PipeCompose and construct blocks, structures with every
field type, defaults and ``choices``, odd TOML (multi-line strings, escapes, dotted keys, inline tables against
tables), domains and ``system_prompt``, ``main_pipe`` and pipe code forms. Case names are ``f16_<group>__<name>``;
nothing here encodes an expected verdict: the two CLIs decide.
"""

from __future__ import annotations


def _sub(text: str, old: str, new: str) -> str:
    """``text`` with its one ``old`` replaced (the mutation must hit: a silent miss would test the base twice)."""
    if old not in text:
        raise ValueError(f"mutation target not found: {old!r}")
    return text.replace(old, new, 1)


# ---------------------------------------------------------------------------------------------------------------
# Pages to TextAndImages

_PAGES = '''domain = "reports"
description = "Read a report's pages and summarize them"
main_pipe = "summarize_report"

[pipe.summarize_report]
type = "PipeSequence"
description = "Extract the pages, then summarize them"
inputs = { document = "Document" }
output = "Text"
steps = [
    { pipe = "extract_pages", result = "pages" },
    { pipe = "summarize_pages", result = "summary" },
]

[pipe.extract_pages]
type = "PipeExtract"
description = "Extract the report's pages"
inputs = { document = "Document" }
output = "Page[]"
model = "@default-extract-document"

[pipe.summarize_pages]
type = "PipeLLM"
description = "Summarize the pages"
inputs = { pages = "TextAndImages[]" }
output = "Text"
prompt = """
Summarize these pages:

@pages
"""
'''

_PAGE_ITEM = '''domain = "reports"
description = "Describe each page of a report"
main_pipe = "describe_report"

[pipe.describe_report]
type = "PipeSequence"
description = "Extract the pages, then describe each"
inputs = { document = "Document" }
output = "Text[]"
steps = [
    { pipe = "extract_pages", result = "pages" },
    { pipe = "describe_page", batch_over = "pages", batch_as = "page", result = "notes" },
]

[pipe.extract_pages]
type = "PipeExtract"
description = "Extract the report's pages"
inputs = { document = "Document" }
output = "Page[]"
model = "@default-extract-document"

[pipe.describe_page]
type = "PipeLLM"
description = "Describe one page"
inputs = { page = "TextAndImages" }
output = "Text"
prompt = """
Describe this page in two sentences:

@page
"""
'''


def _page() -> dict[str, str]:
    B = _PAGES
    IN = 'inputs = { pages = "TextAndImages[]" }'
    C: dict[str, str] = {"base": B}
    C["to_single"] = _sub(B, IN, 'inputs = { pages = "TextAndImages" }')
    C["to_text_list"] = _sub(B, IN, 'inputs = { pages = "Text[]" }')
    C["to_image_list"] = _sub(B, IN, 'inputs = { pages = "Image[]" }')
    C["to_text_single"] = _sub(B, IN, 'inputs = { pages = "Text" }')
    C["to_anything_list"] = _sub(B, IN, 'inputs = { pages = "Anything[]" }')
    C["to_native_qualified"] = _sub(B, IN, 'inputs = { pages = "native.TextAndImages[]" }')
    C["to_fixed"] = _sub(B, IN, 'inputs = { pages = "TextAndImages[3]" }')
    C["to_refined_tai"] = _sub(
        _sub(B, IN, 'inputs = { pages = "Slide[]" }'),
        "[pipe.summarize_report]",
        '[concept.Slide]\ndescription = "A slide"\nrefines = "TextAndImages"\n\n[pipe.summarize_report]',
    )
    C["to_document_list"] = _sub(B, IN, 'inputs = { pages = "Document[]" }')
    # from a main input declared as pages, and its refinement
    direct = _sub(
        _sub(
            _sub(
                B,
                'inputs = { document = "Document" }\noutput = "Text"',
                'inputs = { pages = "Page[]" }\noutput = "Text"',
            ),
            '    { pipe = "extract_pages", result = "pages" },\n',
            "",
        ),
        """[pipe.extract_pages]
type = "PipeExtract"
description = "Extract the report's pages"
inputs = { document = "Document" }
output = "Page[]"
model = "@default-extract-document"

""",
        "",
    )
    C["direct_main_input"] = direct
    C["direct_refined_page"] = _sub(
        direct.replace('pages = "Page[]"', 'pages = "ScannedPage[]"'),
        "[pipe.summarize_report]",
        '[concept.ScannedPage]\ndescription = "A scanned page"\nrefines = "Page"\n\n[pipe.summarize_report]',
    )
    C["direct_single_page"] = direct.replace('pages = "Page[]"', 'pages = "Page"').replace(
        '"TextAndImages[]"', '"TextAndImages"'
    )
    C["reverse_tai_to_page"] = direct.replace('pages = "Page[]"', 'pages = "TextAndImages[]"').replace(
        'inputs = { pages = "TextAndImages[]" }\noutput = "Text"\nprompt',
        'inputs = { pages = "Page[]" }\noutput = "Text"\nprompt',
    )
    C["direct_page_to_text"] = direct.replace('"TextAndImages[]"', '"Text[]"')
    # the page's own field as a dotted input
    C["dotted_text_and_images"] = _sub(
        B, "@pages\n", "{% for p in pages %}{{ p.text_and_images.text }}\n{% endfor %}\n"
    ).replace(IN, 'inputs = { pages = "Page[]" }')
    # one page at a time
    P = _PAGE_ITEM
    C["item_base"] = P
    C["item_text"] = _sub(P, 'inputs = { page = "TextAndImages" }', 'inputs = { page = "Text" }')
    C["item_image"] = _sub(P, 'inputs = { page = "TextAndImages" }', 'inputs = { page = "Image" }')
    C["item_list"] = _sub(P, 'inputs = { page = "TextAndImages" }', 'inputs = { page = "TextAndImages[]" }')
    C["item_pipebatch"] = _sub(
        _sub(
            P,
            '{ pipe = "describe_page", batch_over = "pages", batch_as = "page", result = "notes" },',
            '{ pipe = "describe_all", result = "notes" },',
        ),
        "[pipe.describe_page]",
        """[pipe.describe_all]
type = "PipeBatch"
description = "Describe every page"
inputs = { pages = "Page[]" }
output = "Text[]"
branch_pipe_code = "describe_page"
input_list_name = "pages"
input_item_name = "page"

[pipe.describe_page]""",
    )
    C["item_pipebatch_tai_list"] = C["item_pipebatch"].replace(
        'inputs = { pages = "Page[]" }\noutput = "Text[]"\nbranch',
        'inputs = { pages = "TextAndImages[]" }\noutput = "Text[]"\nbranch',
    )
    # a parallel and a condition reading the pages
    C["parallel"] = _sub(
        _sub(
            B,
            '{ pipe = "summarize_pages", result = "summary" },',
            '{ pipe = "two_views", result = "views" },\n    { pipe = "merge", result = "summary" },',
        ),
        "[pipe.summarize_pages]",
        '''[pipe.two_views]
type = "PipeParallel"
description = "Summarize and list the key figures at once"
inputs = { pages = "TextAndImages[]" }
output = "Composite"
branches = [
    { pipe = "summarize_pages", result = "short" },
    { pipe = "key_figures", result = "figures" },
]
add_each_output = true

[pipe.key_figures]
type = "PipeLLM"
description = "List the key figures"
inputs = { pages = "TextAndImages[]" }
output = "Text"
prompt = """
List the key figures in:

@pages
"""

[pipe.merge]
type = "PipeLLM"
description = "Merge"
inputs = { short = "Text", figures = "Text" }
output = "Text"
prompt = "Merge $short and $figures"

[pipe.summarize_pages]''',
    )
    C["parallel_page_inputs"] = _sub(
        C["parallel"],
        'inputs = { pages = "TextAndImages[]" }\noutput = "Composite"\nbranches',
        'inputs = { pages = "Page[]" }\noutput = "Composite"\nbranches',
    )
    C["condition"] = _sub(
        _sub(
            B,
            '{ pipe = "summarize_pages", result = "summary" },',
            '{ pipe = "pick", result = "summary" },',
        ),
        "[pipe.summarize_pages]",
        '''[pipe.pick]
type = "PipeCondition"
description = "Short or long summary"
inputs = { pages = "Page[]" }
output = "Text"
expression = "pages | length > 3"
outcomes = { "True" = "summarize_pages", "False" = "summarize_short" }
default_outcome = "summarize_pages"

[pipe.summarize_short]
type = "PipeLLM"
description = "A one-line summary"
inputs = { pages = "TextAndImages[]" }
output = "Text"
prompt = """
One line about:

@pages
"""

[pipe.summarize_pages]''',
    )
    C["condition_tai_inputs"] = C["condition"].replace(
        'inputs = { pages = "Page[]" }\noutput = "Text"\nexpression',
        'inputs = { pages = "TextAndImages[]" }\noutput = "Text"\nexpression',
    )
    # a structured output built from pages
    C["to_structured"] = _sub(
        _sub(B, 'output = "Text"\nprompt = """\nSummarize', 'output = "Brief"\nprompt = """\nSummarize'),
        "[pipe.summarize_report]",
        '[concept.Brief]\ndescription = "A brief"\n\n[concept.Brief.structure]\ntitle = "The title"\npoints = { type = "list", item_type = "text", description = "Key points" }\n\n[pipe.summarize_report]',
    ).replace(
        'inputs = { document = "Document" }\noutput = "Text"\nsteps',
        'inputs = { document = "Document" }\noutput = "Brief"\nsteps',
    )
    C["via_compose"] = _sub(
        _sub(
            B,
            '{ pipe = "summarize_pages", result = "summary" },',
            '{ pipe = "summarize_pages", result = "short" },\n    { pipe = "wrap", result = "summary" },',
        ),
        "[pipe.summarize_pages]",
        """[pipe.wrap]
type = "PipeCompose"
description = "Wrap the summary"
inputs = { short = "Text", pages = "TextAndImages[]" }
output = "Text"
template = "Summary: $short"

[pipe.summarize_pages]""",
    )
    # pages as the output of a controller declared TextAndImages
    C["seq_output_tai"] = _sub(
        _sub(B, 'output = "Text"\nsteps', 'output = "TextAndImages[]"\nsteps'),
        '    { pipe = "summarize_pages", result = "summary" },\n',
        "",
    )
    C["extract_output_tai"] = _sub(B, 'output = "Page[]"\nmodel', 'output = "TextAndImages[]"\nmodel')
    C["item_refined_page_batch"] = _sub(
        P.replace('output = "Page[]"\nmodel', 'output = "ReportPage[]"\nmodel'),
        "[pipe.describe_report]",
        '[concept.ReportPage]\ndescription = "A page of a report"\nrefines = "Page"\n\n[pipe.describe_report]',
    )
    C["item_tai_to_page"] = _sub(
        _sub(P, 'inputs = { page = "TextAndImages" }', 'inputs = { page = "Page" }'),
        'inputs = { document = "Document" }\noutput = "Text[]"\nsteps = [\n    { pipe = "extract_pages", result = "pages" },\n',
        'inputs = { pages = "TextAndImages[]" }\noutput = "Text[]"\nsteps = [\n',
    )
    C["compose_page_field"] = _sub(
        _sub(
            B,
            IN + '\noutput = "Text"\nprompt = """\nSummarize these pages:\n\n@pages\n"""',
            'inputs = { pages = "TextAndImages[]" }\noutput = "Text"\ntemplate = "{% for p in pages %}{{ p.text }}{% endfor %}"',
        ),
        'type = "PipeLLM"\ndescription = "Summarize the pages"',
        'type = "PipeCompose"\ndescription = "Join the pages"',
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# PipeCompose with a construct block: a shelf label built field by field

_CONS = """domain = "market"
description = "Build labels for the market stall"
main_pipe = "make_label"

[concept.Product]
description = "A product on sale"

[concept.Product.structure]
name = { type = "text", description = "Product name", required = true }
price = { type = "number", description = "Price per unit", required = true }
organic = { type = "boolean", description = "Organic or not" }

[concept.Label]
description = "A shelf label"

[concept.Label.structure]
title = { type = "text", description = "The big line", required = true }
price = { type = "number", description = "Shown price", required = true }
stock = { type = "integer", description = "Units left" }
note = { type = "text", description = "A small line" }

[pipe.make_label]
type = "PipeCompose"
description = "Build the label from the product"
inputs = { product = "Product" }
output = "Label"

[pipe.make_label.construct]
title = { from = "product.name" }
price = { from = "product.price" }
stock = 12
note = { template = "Fresh from the farm: $product.name" }
"""

_NOTE = 'note = { template = "Fresh from the farm: $product.name" }'
_NOTE_FIELD = 'note = { type = "text", description = "A small line" }'


def _cons() -> dict[str, str]:
    B = _CONS
    C: dict[str, str] = {"base": B}
    C["fixed_text"] = _sub(B, 'title = { from = "product.name" }', 'title = "Apples"')
    C["fixed_int_in_text"] = _sub(B, 'title = { from = "product.name" }', "title = 42")
    C["fixed_text_in_number"] = _sub(B, 'price = { from = "product.price" }', 'price = "cheap"')
    C["fixed_float_in_int"] = _sub(B, "stock = 12", "stock = 12.5")
    C["fixed_bool_in_int"] = _sub(B, "stock = 12", "stock = true")
    C["fixed_list_in_text"] = _sub(B, _NOTE, 'note = ["a", "b"]')
    C["missing_required"] = _sub(B, 'title = { from = "product.name" }\n', "")
    C["missing_optional"] = _sub(B, "stock = 12\n", "")
    C["extra_field"] = _sub(B, "stock = 12\n", 'stock = 12\ncolour = "green"\n')
    C["from_unknown_var"] = _sub(B, 'title = { from = "product.name" }', 'title = { from = "item.name" }')
    C["from_unknown_field"] = _sub(
        B, 'title = { from = "product.name" }', 'title = { from = "product.label" }'
    )
    C["from_whole_input"] = _sub(B, 'title = { from = "product.name" }', 'title = { from = "product" }')
    C["from_bool_to_text"] = _sub(B, _NOTE, 'note = { from = "product.organic" }')
    C["template_unknown_var"] = _sub(B, "Fresh from the farm: $product.name", "Fresh from $farm")
    C["template_jinja"] = _sub(B, "Fresh from the farm: $product.name", "{{ product.name | upper }} today")
    C["template_in_number"] = _sub(
        B, 'price = { from = "product.price" }', 'price = { template = "$product.price" }'
    )
    C["both_template_and_construct"] = _sub(
        B, 'output = "Label"\n', 'output = "Label"\ntemplate = "$product.name"\n'
    )
    C["construct_to_text"] = _sub(B, 'output = "Label"\n', 'output = "Text"\n')
    head = B.split("[pipe.make_label.construct]")[0]
    C["construct_empty"] = head + "[pipe.make_label.construct]\n"
    C["construct_inline"] = _sub(
        head,
        'output = "Label"\n',
        'output = "Label"\nconstruct = { title = { from = "product.name" }, price = { from = "product.price" } }\n',
    )
    C["from_and_template"] = _sub(
        B,
        'title = { from = "product.name" }',
        'title = { from = "product.name", template = "$product.name" }',
    )
    C["unknown_method"] = _sub(B, 'title = { from = "product.name" }', 'title = { value = "Apples" }')
    C["unused_input"] = _sub(
        B, 'inputs = { product = "Product" }', 'inputs = { product = "Product", season = "Text" }'
    )
    fixed = _sub(B, 'inputs = { product = "Product" }\n', "")
    fixed = _sub(fixed, 'title = { from = "product.name" }', 'title = "Apples"')
    fixed = _sub(fixed, 'price = { from = "product.price" }', "price = 2.5")
    C["no_inputs_fixed"] = _sub(fixed, _NOTE, 'note = "Picked today"')
    nested = _sub(
        _sub(
            B,
            "[pipe.make_label]",
            """[concept.Shelf]
description = "A shelf with its label"

[concept.Shelf.structure]
aisle = { type = "integer", description = "Aisle number", required = true }
label = { type = "concept", concept_ref = "Label", description = "The label", required = true }

[pipe.make_shelf]
type = "PipeCompose"
description = "Build a shelf"
inputs = { product = "Product" }
output = "Shelf"

[pipe.make_shelf.construct]
aisle = 4

[pipe.make_shelf.construct.label]
title = { from = "product.name" }
price = { from = "product.price" }

[pipe.make_label]""",
        ),
        'main_pipe = "make_label"',
        'main_pipe = "make_shelf"',
    )
    C["nested_table"] = nested
    C["nested_missing_required"] = _sub(
        nested, 'price = { from = "product.price" }\n\n[pipe.make_label]', "\n[pipe.make_label]"
    )
    C["nested_from_whole"] = _sub(
        _sub(
            nested,
            '[pipe.make_shelf.construct.label]\ntitle = { from = "product.name" }\nprice = { from = "product.price" }\n',
            "",
        ),
        "aisle = 4\n",
        'aisle = 4\nlabel = { from = "product" }\n',
    )
    C["list_field_fixed"] = _sub(
        _sub(B, _NOTE_FIELD, 'tags = { type = "list", item_type = "text", description = "Tags" }'),
        _NOTE,
        'tags = ["fruit", "local"]',
    )
    C["choices_fixed_ok"] = _sub(
        _sub(
            B,
            _NOTE_FIELD,
            'size = { type = "text", description = "Label size", choices = ["small", "large"] }',
        ),
        _NOTE,
        'size = "small"',
    )
    C["choices_fixed_bad"] = _sub(C["choices_fixed_ok"], 'size = "small"', 'size = "huge"')
    C["date_fixed"] = _sub(
        _sub(B, _NOTE_FIELD, 'packed = { type = "date", description = "Packing date" }'),
        _NOTE,
        'packed = "2026-12-02"',
    )
    C["date_fixed_bad"] = _sub(C["date_fixed"], 'packed = "2026-12-02"', 'packed = "yesterday"')
    C["template_table_form"] = _sub(
        B, _NOTE, 'note = { template = { template = "Fresh: $product.name", category = "basic" } }'
    )
    C["template_number"] = _sub(B, _NOTE, "note = { template = 5 }")
    C["template_array"] = _sub(B, _NOTE, 'note = { template = ["Fresh: $product.name"] }')
    C["from_number"] = _sub(B, _NOTE, "note = { from = 5 }")
    C["template_empty"] = _sub(B, _NOTE, 'note = { template = "" }')
    return C


# ---------------------------------------------------------------------------------------------------------------
# Concept structures: every field type, defaults, choices

_STRUCT = """domain = "hr"
description = "Screen job applications"
main_pipe = "screen"

[concept.Application]
description = "A job application as read from an email"

[concept.Application.structure]
candidate = { type = "text", description = "Candidate's full name", required = true }
years = { type = "integer", description = "Years of experience", default_value = 0 }
expected_salary = { type = "number", description = "Expected yearly salary" }
remote = { type = "boolean", description = "Wants to work remotely", default_value = false }
available_from = { type = "date", description = "First day available" }
skills = { type = "list", item_type = "text", description = "Skills listed" }
level = { type = "text", description = "Seniority", choices = ["junior", "mid", "senior"], default_value = "mid" }
links = { type = "dict", key_type = "text", value_type = "text", description = "Profile links by site" }

[pipe.screen]
type = "PipeLLM"
description = "Read the application from the email"
inputs = { email = "Text" }
output = "Application"
prompt = \"\"\"
Read this job application and fill in the candidate's details:

@email
\"\"\"
"""

_YEARS = 'years = { type = "integer", description = "Years of experience", default_value = 0 }'
_REMOTE = 'remote = { type = "boolean", description = "Wants to work remotely", default_value = false }'
_LINKS = (
    'links = { type = "dict", key_type = "text", value_type = "text", description = "Profile links by site" }'
)
_SKILLS = 'skills = { type = "list", item_type = "text", description = "Skills listed" }'
_DATE = 'available_from = { type = "date", description = "First day available" }'
_LEVEL_CHOICES = 'choices = ["junior", "mid", "senior"], default_value = "mid"'


def _struct() -> dict[str, str]:
    B = _STRUCT
    C: dict[str, str] = {"base": B}
    C["int_default_text"] = _sub(B, "default_value = 0", 'default_value = "none"')
    C["int_default_float"] = _sub(B, "default_value = 0", "default_value = 1.5")
    C["int_default_bool"] = _sub(B, "default_value = 0", "default_value = true")
    C["int_default_negative"] = _sub(B, "default_value = 0", "default_value = -3")
    C["bool_default_text"] = _sub(B, "default_value = false", 'default_value = "no"')
    C["bool_default_int"] = _sub(B, "default_value = false", "default_value = 0")
    C["choice_default_outside"] = _sub(B, 'default_value = "mid"', 'default_value = "lead"')
    C["choice_default_case"] = _sub(B, 'default_value = "mid"', 'default_value = "Mid"')
    C["choices_empty"] = _sub(B, _LEVEL_CHOICES, "choices = []")
    C["choices_numbers"] = _sub(B, _LEVEL_CHOICES, "choices = [1, 2, 3]")
    C["choices_on_integer"] = _sub(
        B, _YEARS, 'years = { type = "integer", description = "Years", choices = [0, 1, 2] }'
    )
    C["choices_on_list"] = _sub(
        B,
        _SKILLS,
        'skills = { type = "list", item_type = "text", description = "Skills", choices = ["python", "go"] }',
    )
    C["choices_duplicate"] = _sub(B, '["junior", "mid", "senior"]', '["junior", "mid", "mid"]')
    C["choices_string"] = _sub(B, 'choices = ["junior", "mid", "senior"]', 'choices = "junior"')
    C["required_with_default"] = _sub(B, "default_value = 0", "default_value = 0, required = true")
    C["required_false_explicit"] = _sub(
        B, _YEARS, 'years = { type = "integer", description = "Years", required = false }'
    )
    C["required_string"] = _sub(
        B, _YEARS, 'years = { type = "integer", description = "Years", required = "yes" }'
    )
    C["dict_no_types"] = _sub(B, _LINKS, 'links = { type = "dict", description = "Profile links by site" }')
    C["dict_int_values"] = _sub(B, 'value_type = "text"', 'value_type = "integer"')
    C["dict_bad_value_type"] = _sub(B, 'value_type = "text"', 'value_type = "url"')
    C["dict_default"] = _sub(B, _LINKS, _LINKS[:-2] + ', default_value = { github = "x" } }')
    C["list_no_item_type"] = _sub(B, _SKILLS, 'skills = { type = "list", description = "Skills listed" }')
    C["list_item_integer"] = _sub(B, 'item_type = "text"', 'item_type = "integer"')
    C["list_item_bad"] = _sub(B, 'item_type = "text"', 'item_type = "strings"')
    C["list_item_native"] = _sub(B, 'item_type = "text"', 'item_type = "Image"')
    C["list_default"] = _sub(B, _SKILLS, _SKILLS[:-2] + ', default_value = ["python"] }')
    C["list_default_text"] = _sub(B, _SKILLS, _SKILLS[:-2] + ', default_value = "python" }')
    C["date_default"] = _sub(B, _DATE, _DATE[:-2] + ', default_value = "2027-01-04" }')
    C["date_default_bad"] = _sub(B, _DATE, _DATE[:-2] + ', default_value = "soon" }')
    C["date_default_toml_date"] = _sub(B, _DATE, _DATE[:-2] + ", default_value = 2027-01-04 }")
    C["datetime_field"] = _sub(B, 'type = "date"', 'type = "datetime"')
    C["time_field"] = _sub(B, 'type = "date"', 'type = "time"')
    C["float_type"] = _sub(B, 'type = "number"', 'type = "float"')
    C["string_type"] = _sub(B, 'candidate = { type = "text"', 'candidate = { type = "string"')
    C["type_capital"] = _sub(B, 'candidate = { type = "text"', 'candidate = { type = "Text"')
    C["no_type_with_choices"] = _sub(B, 'level = { type = "text", ', "level = { ")
    C["no_description"] = _sub(B, 'description = "Years of experience", ', "")
    C["unknown_key"] = _sub(B, _YEARS, _YEARS[:-2] + ", minimum = 0 }")
    C["field_bare_string"] = _sub(B, _YEARS, 'years = "Years of experience"')
    C["field_keyword"] = _sub(B, "remote = {", "import = {")
    C["field_leading_underscore"] = _sub(B, "remote = {", "_remote = {")
    C["field_uppercase"] = _sub(B, "remote = {", "Remote = {")
    C["field_dash"] = _sub(B, "remote = {", '"work-remote" = {')
    C["concept_field_native"] = _sub(
        B, _REMOTE, 'photo = { type = "concept", concept_ref = "Image", description = "A photo" }'
    )
    C["concept_field_unknown"] = _sub(
        B, _REMOTE, 'photo = { type = "concept", concept_ref = "Portrait", description = "A photo" }'
    )
    C["concept_field_no_ref"] = _sub(B, _REMOTE, 'photo = { type = "concept", description = "A photo" }')
    C["concept_field_self"] = _sub(
        B,
        _REMOTE,
        'referee = { type = "concept", concept_ref = "Application", description = "Another application" }',
    )
    C["concept_ref_on_text"] = _sub(
        B, 'candidate = { type = "text", ', 'candidate = { type = "text", concept_ref = "Text", '
    )
    C["concept_ref_no_type"] = _sub(
        B, 'candidate = { type = "text", ', 'candidate = { concept_ref = "Text", '
    )
    C["concept_ref_on_list"] = _sub(
        B,
        'item_type = "text", description = "Skills listed"',
        'item_type = "text", concept_ref = "Text", description = "Skills listed"',
    )
    C["concept_ref_on_integer"] = _sub(
        B, 'years = { type = "integer", ', 'years = { type = "integer", concept_ref = "Number", '
    )
    C["item_concept_ref_list"] = _sub(
        B,
        _SKILLS,
        'skills = { type = "list", item_type = "concept", item_concept_ref = "Text", description = "Skills" }',
    )
    C["item_concept_ref_missing"] = _sub(
        B, _SKILLS, 'skills = { type = "list", item_type = "concept", description = "Skills" }'
    )
    C["table_form_field"] = (
        _sub(B, _YEARS + "\n", "")
        + '\n[concept.Application.structure.years]\ntype = "integer"\ndescription = "Years of experience"\n'
        + "default_value = 0\n"
    )
    C["structure_empty"] = _sub(
        B,
        "\n".join(B.split("[concept.Application.structure]\n")[1].split("\n\n")[0].splitlines()) + "\n",
        "",
    )
    C["refines_and_structure"] = _sub(
        B,
        'description = "A job application as read from an email"\n',
        'description = "A job application as read from an email"\nrefines = "Text"\n',
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# Odd TOML: multi-line strings, escapes, dotted keys, arrays of tables, shorthand concept tables

_TOML = """domain = "newsletter"
description = "Write the weekly newsletter"
main_pipe = "write_newsletter"

[concept.Digest]
description = "The week's news, condensed"

[pipe.write_newsletter]
type = "PipeSequence"
description = "Condense the news, then write the letter"
inputs = { news = "Text" }
output = "Text"
steps = [
    { pipe = "condense", result = "digest" },
    { pipe = "write_letter", result = "letter" },
]

[pipe.condense]
type = "PipeLLM"
description = "Condense the week's news"
inputs = { news = "Text" }
output = "Digest"
prompt = \"\"\"
Condense this week's news into five bullet points:

@news
\"\"\"

[pipe.write_letter]
type = "PipeLLM"
description = "Write the newsletter"
inputs = { digest = "Digest" }
output = "Text"
prompt = "Write a friendly newsletter from $digest"
"""

_P2 = 'prompt = "Write a friendly newsletter from $digest"'
_LETTER = (
    '[pipe.write_letter]\ntype = "PipeLLM"\ndescription = "Write the newsletter"\ninputs = { digest = "Digest" }\n'
    'output = "Text"\n' + _P2 + "\n"
)
_DIGEST = '[concept.Digest]\ndescription = "The week\'s news, condensed"\n'
_CONDENSE_DESC = 'description = "Condense the week\'s news"'


def _toml() -> dict[str, str]:
    B = _TOML
    C: dict[str, str] = {"base": B}
    C["literal_multiline"] = _sub(B, _P2, "prompt = '''\nWrite a friendly newsletter from $digest\n'''")
    C["literal_single"] = _sub(B, _P2, "prompt = 'Write a friendly newsletter from $digest'")
    C["escaped_quote"] = _sub(B, _P2, 'prompt = "Write a \\"friendly\\" newsletter from $digest"')
    C["escaped_tab_unicode"] = _sub(
        B, _P2, 'prompt = "Write a friendly newsletter\\tfrom $digest \\u00e9t\\u00e9"'
    )
    C["bad_escape"] = _sub(B, _P2, 'prompt = "Write a friendly newsletter \\q from $digest"')
    C["line_continuation"] = _sub(
        B, _P2, 'prompt = """\\\n    Write a friendly newsletter \\\n    from $digest"""'
    )
    C["dollar_escaped"] = _sub(B, _P2, 'prompt = "Write a newsletter costing $$5 from $digest"')
    C["dotted_keys_pipe"] = _sub(
        B,
        _LETTER,
        'pipe.write_letter.type = "PipeLLM"\npipe.write_letter.description = "Write the newsletter"\n'
        'pipe.write_letter.inputs.digest = "Digest"\npipe.write_letter.output = "Text"\n'
        'pipe.write_letter.prompt = "Write a friendly newsletter from $digest"\n',
    )
    C["dotted_inputs"] = _sub(B, 'inputs = { digest = "Digest" }', 'inputs.digest = "Digest"')
    C["inputs_table"] = _sub(
        B,
        'inputs = { digest = "Digest" }\noutput = "Text"\n' + _P2 + "\n",
        'output = "Text"\n' + _P2 + '\n\n[pipe.write_letter.inputs]\ndigest = "Digest"\n',
    )
    C["steps_array_of_tables"] = _sub(
        _sub(
            B,
            'steps = [\n    { pipe = "condense", result = "digest" },\n    { pipe = "write_letter", result = "letter" },\n]\n',
            "",
        ),
        "[pipe.condense]",
        '[[pipe.write_newsletter.steps]]\npipe = "condense"\nresult = "digest"\n\n'
        '[[pipe.write_newsletter.steps]]\npipe = "write_letter"\nresult = "letter"\n\n[pipe.condense]',
    )
    C["concept_shorthand_table"] = _sub(B, _DIGEST, '[concept]\nDigest = "The week\'s news, condensed"\n')
    C["concept_dotted_description"] = _sub(
        B, _DIGEST, 'concept.Digest.description = "The week\'s news, condensed"\n'
    )
    C["concept_inline"] = _sub(
        B, _DIGEST, 'concept = { Digest = { description = "The week\'s news, condensed" } }\n'
    )
    C["pipe_inline_table"] = _sub(
        B,
        _LETTER,
        '[pipe]\nwrite_letter = { type = "PipeLLM", description = "Write the newsletter", inputs = { digest = "Digest" }, '
        'output = "Text", prompt = "Write a friendly newsletter from $digest" }\n',
    )
    C["comments_everywhere"] = B.replace("\n[", "\n# a section\n[").replace(
        'output = "Text"\nprompt', 'output = "Text" # the letter\nprompt'
    )
    C["trailing_comma_inline"] = _sub(B, 'inputs = { digest = "Digest" }', 'inputs = { digest = "Digest", }')
    C["newline_in_inline"] = _sub(B, 'inputs = { digest = "Digest" }', 'inputs = {\n    digest = "Digest"\n}')
    C["duplicate_key"] = _sub(B, 'output = "Digest"\n', 'output = "Digest"\noutput = "Text"\n')
    C["duplicate_table"] = B + '\n[pipe.condense]\ntype = "PipeLLM"\n'
    C["quoted_pipe_code"] = _sub(B, "[pipe.write_letter]", '[pipe."write_letter"]')
    C["quoted_concept_code"] = _sub(B, "[concept.Digest]", '[concept."Digest"]')
    C["bom"] = "\ufeff" + B
    C["tabs_indent"] = B.replace("    { pipe", "\t{ pipe")
    C["no_final_newline"] = B.rstrip("\n")
    C["unicode_description"] = _sub(B, _CONDENSE_DESC, 'description = "Résumer les nouvelles — 📰"')
    C["empty_description"] = _sub(B, _CONDENSE_DESC, 'description = ""')
    C["whitespace_description"] = _sub(B, _CONDENSE_DESC, 'description = "   "')
    C["multiline_description"] = _sub(B, _CONDENSE_DESC, 'description = """\nCondense\nthe week\'s news\n"""')
    C["integer_description"] = _sub(B, _CONDENSE_DESC, "description = 5")
    C["prompt_array"] = _sub(B, _P2, 'prompt = ["Write a friendly newsletter from $digest"]')
    C["prompt_integer"] = _sub(B, _P2, "prompt = 5")
    C["header_description_multiline"] = _sub(
        B, 'description = "Write the weekly newsletter"', 'description = """Write the\nweekly newsletter"""'
    )
    C["domain_after_tables"] = _sub(B, 'domain = "newsletter"\n', "") + 'domain = "newsletter"\n'
    return C


# ---------------------------------------------------------------------------------------------------------------
# Domains, system prompts, main_pipe and pipe codes

_DOM = """domain = "support_desk"
description = "Answer customer tickets"
system_prompt = "You are a calm, precise support agent."
main_pipe = "answer_ticket"

[concept.Ticket]
description = "A customer's support ticket"

[concept.Reply]
description = "A reply to a ticket"
refines = "Text"

[pipe.answer_ticket]
type = "PipeLLM"
description = "Answer one ticket"
inputs = { ticket = "Ticket" }
output = "Reply"
system_prompt = "You answer tickets for an online shop."
prompt = \"\"\"
Answer this ticket politely:

@ticket
\"\"\"
"""

_SP = 'system_prompt = "You answer tickets for an online shop."\n'
_BUNDLE_SP = 'system_prompt = "You are a calm, precise support agent."\n'


def _dom() -> dict[str, str]:
    B = _DOM
    C: dict[str, str] = {"base": B}
    C["no_pipe_system_prompt"] = _sub(B, _SP, "")
    C["no_bundle_system_prompt"] = _sub(B, _BUNDLE_SP, "")
    C["sp_with_var"] = _sub(B, _SP, 'system_prompt = "You answer tickets about $ticket."\n')
    C["sp_unknown_var"] = _sub(B, _SP, 'system_prompt = "You answer tickets in $language."\n')
    C["bundle_sp_var"] = _sub(B, _BUNDLE_SP, 'system_prompt = "You are $persona."\n')
    C["sp_empty"] = _sub(B, _SP, 'system_prompt = ""\n')
    C["sp_multiline"] = _sub(B, _SP, 'system_prompt = """\nYou answer tickets\nfor an online shop.\n"""\n')
    C["sp_jinja"] = _sub(B, _SP, 'system_prompt = "{% if ticket %}Answer carefully.{% endif %}"\n')
    C["sp_block_sigil"] = _sub(B, _SP, 'system_prompt = """\nContext:\n\n@ticket\n"""\n')
    C["sp_on_compose"] = _sub(
        B,
        'type = "PipeLLM"\ndescription = "Answer one ticket"\ninputs = { ticket = "Ticket" }\noutput = "Reply"\n'
        + _SP
        + 'prompt = """\nAnswer this ticket politely:\n\n@ticket\n"""\n',
        'type = "PipeCompose"\ndescription = "Answer one ticket"\ninputs = { ticket = "Ticket" }\noutput = "Reply"\n'
        + _SP
        + 'template = "Thanks for $ticket"\n',
    )
    C["domain_upper"] = _sub(B, 'domain = "support_desk"', 'domain = "SupportDesk"')
    C["domain_dotted"] = _sub(B, 'domain = "support_desk"', 'domain = "shop.support"')
    C["domain_dash"] = _sub(B, 'domain = "support_desk"', 'domain = "support-desk"')
    C["domain_native"] = _sub(B, 'domain = "support_desk"', 'domain = "native"')
    C["domain_digit"] = _sub(B, 'domain = "support_desk"', 'domain = "2support"')
    C["domain_empty"] = _sub(B, 'domain = "support_desk"', 'domain = ""')
    C["domain_missing"] = _sub(B, 'domain = "support_desk"\n', "")
    C["domain_long"] = _sub(B, 'domain = "support_desk"', 'domain = "' + "support_" * 12 + 'desk"')
    C["header_description_missing"] = _sub(B, 'description = "Answer customer tickets"\n', "")
    C["main_pipe_qualified"] = _sub(
        B, 'main_pipe = "answer_ticket"', 'main_pipe = "support_desk.answer_ticket"'
    )
    C["main_pipe_other_domain"] = _sub(
        B, 'main_pipe = "answer_ticket"', 'main_pipe = "billing.answer_ticket"'
    )
    C["main_pipe_unknown"] = _sub(B, 'main_pipe = "answer_ticket"', 'main_pipe = "answer_tickets"')
    C["main_pipe_case"] = _sub(B, 'main_pipe = "answer_ticket"', 'main_pipe = "Answer_Ticket"')
    C["main_pipe_empty"] = _sub(B, 'main_pipe = "answer_ticket"', 'main_pipe = ""')
    C["main_pipe_list"] = _sub(B, 'main_pipe = "answer_ticket"', 'main_pipe = ["answer_ticket"]')
    C["pipe_code_upper"] = B.replace("answer_ticket", "AnswerTicket")
    C["pipe_code_dash"] = B.replace("answer_ticket", "answer-ticket")
    C["pipe_code_digit"] = B.replace("answer_ticket", "1answer")
    C["pipe_code_underscore_lead"] = B.replace("answer_ticket", "_answer")
    C["pipe_code_keyword"] = B.replace("answer_ticket", "return")
    C["pipe_code_long"] = B.replace("answer_ticket", "answer_" + "ticket_" * 15 + "now")
    C["concept_code_snake"] = B.replace("[concept.Reply]", "[concept.Customer_Reply]").replace(
        'output = "Reply"', 'output = "Customer_Reply"'
    )
    C["concept_code_acronym"] = B.replace("Reply", "FAQReply")
    C["concept_code_lower"] = B.replace("[concept.Reply]", "[concept.reply]").replace(
        'output = "Reply"', 'output = "reply"'
    )
    C["concept_same_as_native"] = (
        B.replace("[concept.Reply]", "[concept.Text]")
        .replace('output = "Reply"', 'output = "Text"')
        .replace('refines = "Text"\n', "")
    )
    C["output_qualified_own"] = _sub(B, 'output = "Reply"', 'output = "support_desk.Reply"')
    C["input_qualified_other"] = _sub(
        B, 'inputs = { ticket = "Ticket" }', 'inputs = { ticket = "billing.Ticket" }'
    )
    C["input_native_qualified"] = _sub(
        B, 'inputs = { ticket = "Ticket" }', 'inputs = { ticket = "native.Text" }'
    )
    C["unknown_header_key"] = _sub(
        B, 'main_pipe = "answer_ticket"', 'main_pipe = "answer_ticket"\nversion = "1.0"'
    )
    C["definition_key"] = _sub(
        B, 'description = "Answer customer tickets"', 'definition = "Answer customer tickets"'
    )
    return C


def _fields() -> dict[str, str]:
    """Field tables as users write them without a ``type`` (the second rule of this pass), and their neighbours."""
    B = _STRUCT
    CAND = 'candidate = { type = "text", description = "Candidate\'s full name", required = true }'
    C: dict[str, str] = {}
    for name, field in {
        "desc_only": 'candidate = { description = "Name" }',
        "required_only": 'candidate = { description = "Name", required = true }',
        "required_false": 'candidate = { description = "Name", required = false }',
        "default_only": 'candidate = { description = "Name", default_value = "Ann" }',
        "choices_only": 'candidate = { description = "Name", choices = ["Ann", "Bob"] }',
        "choices_default": 'candidate = { description = "Name", choices = ["Ann", "Bob"], default_value = "Ann" }',
        "choices_default_outside": 'candidate = { description = "Name", choices = ["Ann", "Bob"], default_value = "Cy" }',
        "choices_required": 'candidate = { description = "Name", choices = ["Ann", "Bob"], required = true }',
        "choices_empty_no_type": 'candidate = { description = "Name", choices = [] }',
        "item_type_no_type": 'candidate = { description = "Names", item_type = "text" }',
        "key_type_no_type": 'candidate = { description = "Names", key_type = "text", value_type = "text" }',
        "concept_ref_choices": 'candidate = { description = "Name", concept_ref = "Text", choices = ["a"] }',
        "item_concept_ref_no_type": 'candidate = { description = "Names", item_concept_ref = "Text" }',
        "hints_only": 'candidate = { description = "Name", hints = { tone = "formal" } }',
        "type_empty": 'candidate = { type = "", description = "Name" }',
        "type_unknown": 'candidate = { type = "email", description = "Name" }',
        "choices_integer_type": 'candidate = { type = "integer", description = "Name", choices = ["1", "2"] }',
        "choices_number_type": 'candidate = { type = "number", description = "Name", choices = ["1.5"] }',
        "choices_boolean_type": 'candidate = { type = "boolean", description = "Name", choices = ["yes"] }',
        "choices_date_type": 'candidate = { type = "date", description = "Name", choices = ["2026-01-01"] }',
        "choices_concept_type": 'candidate = { type = "concept", concept_ref = "Text", description = "N", choices = ["a"] }',
        "number_default_int": 'candidate = { type = "number", description = "Score", default_value = 3 }',
        "number_default_bool": 'candidate = { type = "number", description = "Score", default_value = true }',
        "text_default_int": 'candidate = { type = "text", description = "Name", default_value = 3 }',
        "dict_key_integer": 'candidate = { type = "dict", key_type = "integer", value_type = "text", description = "N" }',
        "list_item_dict": 'candidate = { type = "list", item_type = "dict", description = "Names" }',
        "list_item_list": 'candidate = { type = "list", item_type = "list", description = "Names" }',
        "list_item_code": 'candidate = { type = "list", item_type = "Application", description = "Names" }',
        "description_empty": 'candidate = { type = "text", description = "" }',
        "no_description_table": 'candidate = { type = "text", required = true }',
    }.items():
        C[name] = _sub(B, CAND, field)
    C["table_form_no_type"] = _sub(B, CAND + "\n", "") + (
        '\n[concept.Application.structure.candidate]\ndescription = "Name"\nrequired = true\n'
    )
    return C


def cases() -> dict[str, str | dict[str, str]]:
    """Every case, named ``f16_<group>__<name>`` (a folder case: a dict of relative path -> text)."""
    out: dict[str, str | dict[str, str]] = {}
    for group, made in (
        ("page", _page()),
        ("cons", _cons()),
        ("struct", _struct()),
        ("toml", _toml()),
        ("dom", _dom()),
        ("field", _fields()),
    ):
        for name, text in made.items():
            out[f"f16_{group}__{name}"] = text
    return out
