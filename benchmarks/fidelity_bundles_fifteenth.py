"""Fifteenth fidelity pass: the pipe kinds and mechanics the earlier passes touched least.

Hand-written bundles in the style of the reference's published documentation and cookbook (hello world, summarize
with a batch, invoice and table extraction, image generation in three steps, web search briefs), then varied:
PipeExtract (inputs, outputs, settings, the pages handed on), PipeImgGen (prompts, counts, settings, models),
PipeSearch, PipeJudge, PipeParallel (``add_each_output``, ``combined_output``, ``Composite``, structured outputs),
multiplicity (``[]``, ``[N]``) through sequences, parallels, conditions and batches, PipeBatch's
``input_list_name`` / ``input_item_name``, refinement chains over the natives, model references (presets, aliases,
waterfalls, long forms, inline tables) and libraries of several files whose domains refer to each other (folder
cases). Case names are ``f15_<group>__<name>``; nothing here encodes an expected verdict: the two CLIs decide.
"""

from __future__ import annotations


def _sub(text: str, old: str, new: str) -> str:
    """``text`` with its one ``old`` replaced (the mutation must hit: a silent miss would test the base twice)."""
    if old not in text:
        raise ValueError(f"mutation target not found: {old!r}")
    return text.replace(old, new, 1)


# ---------------------------------------------------------------------------------------------------------------
# PipeExtract: a cookbook-style invoice reader and its variations

_INVOICE = '''domain = "invoices"
description = "Read invoices and pull out their totals"
main_pipe = "read_invoice"

[concept.Invoice]
description = "A supplier invoice"

[concept.Invoice.structure]
supplier = { type = "text", description = "Who sent it", required = true }
total = { type = "number", description = "Amount due", required = true }
currency = { type = "text", description = "Currency code", choices = ["EUR", "USD", "GBP"] }
issued_on = { type = "date", description = "Issue date" }

[pipe.read_invoice]
type = "PipeSequence"
description = "Extract the pages, then read the invoice"
inputs = { document = "Document" }
output = "Invoice"
steps = [
    { pipe = "extract_pages", result = "pages" },
    { pipe = "invoice_from_pages", result = "invoice" },
]

[pipe.extract_pages]
type = "PipeExtract"
description = "Extract the invoice's pages"
inputs = { document = "Document" }
output = "Page[]"
model = "@default-extract-document"

[pipe.invoice_from_pages]
type = "PipeLLM"
description = "Read the invoice from its pages"
inputs = { pages = "Page[]" }
output = "Invoice"
prompt = """
Here are the pages of an invoice:

@pages

Give the supplier, the total amount due, its currency and the issue date.
"""
'''


def _ext() -> dict[str, str]:
    B = _INVOICE
    X = 'model = "@default-extract-document"\n'
    C: dict[str, str] = {"base": B}
    C["in_image"] = B.replace('document = "Document"', 'scan = "Image"').replace(
        '{ pipe = "extract_pages"', '{ pipe = "extract_pages"'
    )
    C["in_pdf_gone"] = B.replace('"Document"', '"PDF"')
    C["in_text"] = _sub(
        B,
        'inputs = { document = "Document" }\noutput = "Page[]"',
        'inputs = { document = "Text" }\noutput = "Page[]"',
    )
    C["two_inputs"] = _sub(
        B,
        'inputs = { document = "Document" }\noutput = "Page[]"',
        'inputs = { document = "Document", note = "Text" }\noutput = "Page[]"',
    )
    C["no_inputs"] = _sub(B, 'inputs = { document = "Document" }\noutput = "Page[]"', 'output = "Page[]"')
    C["out_page_single"] = _sub(B, 'output = "Page[]"\nmodel', 'output = "Page"\nmodel')
    C["out_page_fixed"] = _sub(B, 'output = "Page[]"\nmodel', 'output = "Page[3]"\nmodel')
    C["out_text_list"] = _sub(B, 'output = "Page[]"\nmodel', 'output = "Text[]"\nmodel')
    C["out_native_page"] = _sub(B, 'output = "Page[]"\nmodel', 'output = "native.Page[]"\nmodel')
    C["out_refined_page"] = _sub(
        _sub(B, 'output = "Page[]"\nmodel', 'output = "InvoicePage[]"\nmodel'),
        "[pipe.read_invoice]",
        '[concept.InvoicePage]\ndescription = "One page of an invoice"\nrefines = "Page"\n\n[pipe.read_invoice]',
    )
    C["in_refined_document"] = B.replace('"Document"', '"InvoiceFile"').replace(
        "[pipe.read_invoice]",
        '[concept.InvoiceFile]\ndescription = "An invoice file"\nrefines = "Document"\n\n[pipe.read_invoice]',
    )
    C["in_refined_image"] = B.replace('document = "Document"', 'document = "Receipt"').replace(
        "[pipe.read_invoice]",
        '[concept.Receipt]\ndescription = "A photo of a receipt"\nrefines = "Image"\n\n[pipe.read_invoice]',
    )
    C["in_structured_concept"] = B.replace('document = "Document"', 'document = "Invoice"')
    C["m_no_model"] = _sub(B, X, "")
    C["m_text_from_pdf"] = _sub(B, X, 'model = "@default-text-from-pdf"\n')
    C["m_no_inference"] = _sub(B, X, 'model = "@default-no-inference"\n')
    C["m_waterfall"] = _sub(B, X, 'model = "~document-extractor"\n')
    C["m_waterfall_ocr"] = _sub(B, X, 'model = "~ocr-extractor"\n')
    C["m_preset"] = _sub(B, X, 'model = "$extract-testing"\n')
    C["m_web_page"] = _sub(B, X, 'model = "@default-extract-web-page"\n')
    C["m_llm_alias"] = _sub(B, X, 'model = "@default-general"\n')
    C["m_unknown_alias"] = _sub(B, X, 'model = "@default-ocr-pro"\n')
    C["m_long_alias"] = _sub(B, X, 'model = "alias:default-extract-document"\n')
    C["m_long_waterfall"] = _sub(B, X, 'model = "waterfall:document-extractor"\n')
    C["m_inline_table"] = _sub(B, X, 'model = { model = "@default-extract-document" }\n')
    C["s_page_views"] = _sub(B, X, X + "page_views = true\npage_views_dpi = 150\n")
    C["s_dpi_zero"] = _sub(B, X, X + "page_views = true\npage_views_dpi = 0\n")
    C["s_dpi_string"] = _sub(B, X, X + 'page_views = true\npage_views_dpi = "150"\n')
    C["s_dpi_no_views"] = _sub(B, X, X + "page_views_dpi = 150\n")
    C["s_max_images"] = _sub(B, X, X + "max_page_images = 4\npage_image_captions = true\n")
    C["s_max_images_neg"] = _sub(B, X, X + "max_page_images = -1\n")
    C["s_max_images_zero"] = _sub(B, X, X + "max_page_images = 0\n")
    C["s_render_js"] = _sub(B, X, X + "render_js = true\ninclude_raw_html = true\n")
    C["s_unknown_key"] = _sub(B, X, X + 'ocr_language = "fr"\n')
    C["s_prompt"] = _sub(B, X, X + 'prompt = "Extract $document"\n')
    # the pages handed on: one page at a time, the page view as an image, a dotted input name
    per_page = _sub(
        _sub(
            B,
            '{ pipe = "invoice_from_pages", result = "invoice" },',
            '{ pipe = "describe_page", batch_over = "pages", batch_as = "page", result = "notes" },\n'
            '    { pipe = "invoice_from_pages", result = "invoice" },',
        ),
        "[pipe.invoice_from_pages]",
        '''[pipe.describe_page]
type = "PipeLLM"
description = "Describe one page"
inputs = { page = "Page" }
output = "Text"
prompt = """
Describe this page:

@page
"""

[pipe.invoice_from_pages]''',
    )
    C["batch_pages"] = per_page
    C["page_view_image"] = _sub(
        _sub(per_page, 'inputs = { page = "Page" }', 'inputs = { page = "Page" }\nmodel = "$vision"'),
        "@page\n",
        "@page\n\nThe page as rendered: $page.page_view\n",
    )
    C["page_view_dotted_input"] = _sub(
        _sub(per_page, 'inputs = { page = "Page" }', 'inputs = { "page.page_view" = "Image" }'),
        "@page\n",
        "$page.page_view\n",
    )
    C["page_text_dotted"] = _sub(per_page, "@page\n", "$page.text_and_images.text\n")
    C["page_text_missing"] = _sub(per_page, "@page\n", "$page.body\n")
    C["page_batch_wrong_item"] = _sub(per_page, 'inputs = { page = "Page" }', 'inputs = { page = "Page[]" }')
    C["page_batch_text_item"] = _sub(per_page, 'inputs = { page = "Page" }', 'inputs = { page = "Text" }')
    C["pages_to_text_list"] = _sub(B, 'inputs = { pages = "Page[]" }', 'inputs = { pages = "Text[]" }')
    C["pages_to_single"] = _sub(B, 'inputs = { pages = "Page[]" }', 'inputs = { pages = "Page" }')
    C["pages_to_textandimages"] = _sub(
        B, 'inputs = { pages = "Page[]" }', 'inputs = { pages = "TextAndImages[]" }'
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# PipeImgGen: the cookbook's three-step image generation

_IMAGE = '''domain = "imagery"
description = "Turn an idea into a picture"
main_pipe = "make_picture"

[concept.VisualBrief]
description = "A short visual description for an image model"
refines = "Text"

[pipe.make_picture]
type = "PipeSequence"
description = "Idea to brief to picture"
inputs = { idea = "Text" }
output = "Image"
steps = [
    { pipe = "write_brief", result = "brief" },
    { pipe = "render", result = "picture" },
]

[pipe.write_brief]
type = "PipeLLM"
description = "Write a visual brief"
inputs = { idea = "Text" }
output = "VisualBrief"
model = "$img-gen-prompting"
prompt = """
Write a one-paragraph visual description of this idea for an image model:

@idea
"""

[pipe.render]
type = "PipeImgGen"
description = "Render the brief"
inputs = { brief = "VisualBrief" }
output = "Image"
prompt = "$brief"
model = "$gen-image"
aspect_ratio = "landscape_16_9"
'''


def _img() -> dict[str, str]:
    B = _IMAGE
    M = 'model = "$gen-image"\n'
    A = 'aspect_ratio = "landscape_16_9"\n'
    C: dict[str, str] = {"base": B}
    C["no_prompt"] = _sub(B, 'prompt = "$brief"\n', "")
    C["static_prompt"] = _sub(
        _sub(B, 'inputs = { brief = "VisualBrief" }\n', ""),
        'prompt = "$brief"',
        'prompt = "A red fox in snow"',
    )
    C["static_prompt_unused_input"] = _sub(B, 'prompt = "$brief"', 'prompt = "A red fox in snow"')
    C["prompt_jinja"] = _sub(B, 'prompt = "$brief"', 'prompt = "{{ brief }}, watercolor"')
    C["prompt_at"] = _sub(B, 'prompt = "$brief"', 'prompt = """\n@brief\n"""')
    C["negative"] = _sub(B, A, A + 'negative_prompt = "blurry, text, watermark"\n')
    C["negative_sigil"] = _sub(B, A, A + 'negative_prompt = "not $brief"\n')
    C["imggenprompt_gone"] = B.replace('"VisualBrief"', '"ImgGenPrompt"')
    C["input_text_plain"] = B.replace('brief = "VisualBrief"', 'brief = "Text"')
    C["input_structured"] = _sub(
        B.replace("VisualBrief", "Scene"),
        '[concept.Scene]\ndescription = "A short visual description for an image model"\nrefines = "Text"',
        '[concept.Scene]\ndescription = "A scene"\n\n[concept.Scene.structure]\nsubject = "What is shown"\nmood = "The mood"',
    )
    C["input_structured_field"] = _sub(
        C["input_structured"], 'prompt = "$brief"', 'prompt = "$brief.subject, $brief.mood"'
    )
    C["out_list"] = _sub(
        _sub(B, 'output = "Image"\nprompt', 'output = "Image[]"\nprompt'),
        'output = "Image"\nsteps',
        'output = "Image[]"\nsteps',
    )
    C["out_fixed"] = _sub(
        _sub(B, 'output = "Image"\nprompt', 'output = "Image[3]"\nprompt'),
        'output = "Image"\nsteps',
        'output = "Image[3]"\nsteps',
    )
    C["out_fixed_seq_single"] = _sub(B, 'output = "Image"\nprompt', 'output = "Image[3]"\nprompt')
    C["out_text"] = _sub(
        _sub(B, 'output = "Image"\nprompt', 'output = "Text"\nprompt'),
        'output = "Image"\nsteps',
        'output = "Text"\nsteps',
    )
    C["out_refined_image"] = B.replace('output = "Image"', 'output = "Poster"').replace(
        "[pipe.make_picture]",
        '[concept.Poster]\ndescription = "A poster"\nrefines = "Image"\n\n[pipe.make_picture]',
    )
    C["step_nb_output"] = _sub(
        _sub(
            B,
            '{ pipe = "render", result = "picture" }',
            '{ pipe = "render", result = "pictures", nb_output = 2 }',
        ),
        'output = "Image"\nsteps',
        'output = "Image[]"\nsteps',
    )
    C["step_nb_output_single_out"] = _sub(
        B,
        '{ pipe = "render", result = "picture" }',
        '{ pipe = "render", result = "pictures", nb_output = 2 }',
    )
    C["m_none"] = _sub(B, M, "")
    C["m_fast"] = _sub(B, M, 'model = "$gen-image-fast"\n')
    C["m_hq"] = _sub(B, M, 'model = "$gen-image-high-quality"\n')
    C["m_synth_photo"] = _sub(B, M, 'model = "$synthesize-photo"\n')
    C["m_alias_premium"] = _sub(B, M, 'model = "@default-premium"\n')
    C["m_llm_preset"] = _sub(B, M, 'model = "$writing-creative"\n')
    C["m_unknown"] = _sub(B, M, 'model = "$gen-image-ultra"\n')
    C["m_inline"] = _sub(B, M, 'model = { model = "$gen-image", quality = "high" }\n')
    C["m_inline_bad_quality"] = _sub(B, M, 'model = { model = "$gen-image", quality = "ultra" }\n')
    C["ar_square"] = _sub(B, A, 'aspect_ratio = "square"\n')
    C["ar_ratio_text"] = _sub(B, A, 'aspect_ratio = "16:9"\n')
    C["ar_portrait"] = _sub(B, A, 'aspect_ratio = "portrait_2_3"\n')
    C["size_tier"] = _sub(B, A, 'size = "1k"\n')
    C["size_exact"] = _sub(B, A, 'size = "1024x768"\n')
    C["size_bad"] = _sub(B, A, 'size = "huge"\n')
    C["background"] = _sub(B, A, A + 'background = "transparent"\noutput_format = "png"\n')
    C["background_bad"] = _sub(B, A, A + 'background = "white"\n')
    C["format_gif"] = _sub(B, A, A + 'output_format = "gif"\n')
    C["seed_auto"] = _sub(B, A, A + 'seed = "auto"\nis_raw = true\n')
    C["seed_text"] = _sub(B, A, A + 'seed = "lucky"\n')
    C["nb_output_field"] = _sub(B, A, A + "nb_output = 2\n")
    C["img_input_ref"] = _sub(
        _sub(B, 'inputs = { brief = "VisualBrief" }', 'inputs = { brief = "VisualBrief", style = "Image" }'),
        'prompt = "$brief"',
        'prompt = "$brief in the style of $style"',
    ).replace(
        'inputs = { idea = "Text" }\noutput = "Image"',
        'inputs = { idea = "Text", style = "Image" }\noutput = "Image"',
    )
    C["img_input_unused"] = _sub(
        B, 'inputs = { brief = "VisualBrief" }', 'inputs = { brief = "VisualBrief", style = "Image" }'
    ).replace(
        'inputs = { idea = "Text" }\noutput = "Image"',
        'inputs = { idea = "Text", style = "Image" }\noutput = "Image"',
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# PipeSearch and PipeJudge: a market brief

_SEARCH = '''domain = "market_brief"
description = "Search the web about a company and judge the news"
main_pipe = "brief"

[concept.CompanyNews]
description = "What the web says about a company"
refines = "SearchResult"

[concept.NewsCheck]
description = "Whether the news matter"

[concept.NewsCheck.structure]
material = { type = "concept", concept_ref = "YesNo", description = "Material news?", required = true }
tone = { type = "concept", concept_ref = "Choice", description = "The tone", required = true }

[pipe.brief]
type = "PipeSequence"
description = "Search then judge"
inputs = { company = "Text" }
output = "NewsCheck"
steps = [
    { pipe = "search_news", result = "news" },
    { pipe = "judge_news", result = "check" },
]

[pipe.search_news]
type = "PipeSearch"
description = "Search recent news"
inputs = { company = "Text" }
output = "CompanyNews"
prompt = "Latest news about $company"
model = "$standard"
max_results = 5
include_images = false

[pipe.judge_news]
type = "PipeJudge"
description = "Judge the news"
inputs = { news = "CompanyNews" }
output = "NewsCheck"
model = "@default-judgment"
prompt = """
@news
"""

[pipe.judge_news.questions.material]
question = "Is any of this material for investors?"
criteria = { yes = "It moves the price", no = "Noise" }

[pipe.judge_news.questions.tone]
question = "What is the overall tone?"
options = { positive = "Good news", neutral = "Neither", negative = "Bad news" }
'''


def _srch() -> dict[str, str]:
    B = _SEARCH
    S = 'model = "$standard"\nmax_results = 5\ninclude_images = false\n'
    C: dict[str, str] = {"base": B}
    C["m_deep"] = _sub(B, 'model = "$standard"', 'model = "$deep"')
    C["m_alias"] = _sub(B, 'model = "$standard"', 'model = "@default-search"')
    C["m_llm"] = _sub(B, 'model = "$standard"', 'model = "@default-general"')
    C["m_unknown"] = _sub(B, 'model = "$standard"', 'model = "$exhaustive"')
    C["max_zero"] = _sub(B, "max_results = 5", "max_results = 0")
    C["max_string"] = _sub(B, "max_results = 5", 'max_results = "5"')
    C["max_float"] = _sub(B, "max_results = 5", "max_results = 5.5")
    C["domains"] = _sub(
        B, S, S + 'include_domains = ["reuters.com", "ft.com"]\nexclude_domains = ["reddit.com"]\n'
    )
    C["domains_string"] = _sub(B, S, S + 'include_domains = "reuters.com"\n')
    C["dates"] = _sub(B, S, S + 'from_date = "2026-01-01"\nto_date = "2026-06-30"\n')
    C["dates_toml"] = _sub(B, S, S + "from_date = 2026-01-01\n")
    C["dates_reversed"] = _sub(B, S, S + 'from_date = "2026-06-30"\nto_date = "2026-01-01"\n')
    C["unknown_key"] = _sub(B, S, S + 'language = "en"\n')
    C["no_prompt"] = _sub(B, 'prompt = "Latest news about $company"\n', "")
    C["prompt_static_unused"] = _sub(
        B, 'prompt = "Latest news about $company"', 'prompt = "Latest news about ACME"'
    )
    C["out_native"] = B.replace('"CompanyNews"', '"SearchResult"')
    C["out_list"] = _sub(B, 'output = "CompanyNews"\nprompt', 'output = "CompanyNews[]"\nprompt')
    C["out_text"] = _sub(
        _sub(B, 'output = "CompanyNews"\nprompt', 'output = "Text"\nprompt'),
        'news = "CompanyNews"',
        'news = "Text"',
    )
    C["out_structured"] = _sub(
        _sub(
            B,
            'output = "CompanyNews"\nprompt',
            'output = "Digest"\nprompt',
        ),
        "[pipe.brief]",
        '[concept.Digest]\ndescription = "A digest"\n\n[concept.Digest.structure]\nheadline = "The headline"\n\n[pipe.brief]',
    ).replace('news = "CompanyNews"', 'news = "Digest"')
    C["out_image"] = _sub(B, 'output = "CompanyNews"\nprompt', 'output = "Image"\nprompt')
    C["search_to_text_input"] = _sub(B, 'news = "CompanyNews"', 'news = "Text"')
    C["search_answer_path"] = _sub(B, "@news\n", "$news.answer\n")
    C["search_sources_loop"] = _sub(
        B, "@news\n", "{% for s in news.sources %}- {{ s.url }}\n{% endfor %}$news.answer\n"
    )
    C["search_bad_path"] = _sub(B, "@news\n", "$news.summary\n")
    # judge variations
    J = '[pipe.judge_news.questions.tone]\nquestion = "What is the overall tone?"\noptions = { positive = "Good news", neutral = "Neither", negative = "Bad news" }\n'
    C["j_tone_levels"] = _sub(
        _sub(
            B,
            J,
            '[pipe.judge_news.questions.tone]\nquestion = "How positive is it?"\nlevels = [\n  { label = "bad", description = "Bad" },\n  { label = "fine", description = "Fine" },\n  { label = "great", description = "Great" },\n]\n',
        ),
        'concept_ref = "Choice", description = "The tone"',
        'concept_ref = "Rating", description = "The tone"',
    )
    C["j_tone_levels_as_choice"] = _sub(
        B,
        J,
        '[pipe.judge_news.questions.tone]\nquestion = "How positive is it?"\nlevels = [\n  { label = "bad", description = "Bad" },\n  { label = "great", description = "Great" },\n]\n',
    )
    C["j_missing_question"] = _sub(B, J, "")
    C["j_extra_question"] = _sub(
        B,
        J,
        J
        + '\n[pipe.judge_news.questions.urgent]\nquestion = "Urgent?"\ncriteria = { yes = "Yes", no = "No" }\n',
    )
    C["j_threshold"] = _sub(
        B,
        'criteria = { yes = "It moves the price", no = "Noise" }',
        'criteria = { yes = "It moves the price", no = "Noise" }\nthreshold = 0.8',
    )
    C["j_threshold_on_options"] = _sub(B, "options = { positive", "threshold = 0.5\noptions = { positive")
    C["j_criteria_missing_no"] = _sub(
        B,
        'criteria = { yes = "It moves the price", no = "Noise" }',
        'criteria = { yes = "It moves the price" }',
    )
    C["j_options_one"] = _sub(
        B,
        'options = { positive = "Good news", neutral = "Neither", negative = "Bad news" }',
        'options = { positive = "Good news" }',
    )
    C["j_no_prompt"] = _sub(
        B,
        'prompt = """\n@news\n"""\n\n[pipe.judge_news.questions.material]',
        "\n[pipe.judge_news.questions.material]",
    )
    C["j_llm_model"] = _sub(B, 'model = "@default-judgment"', 'model = "@default-general"')
    C["j_vision_model"] = _sub(B, 'model = "@default-judgment"', 'model = "@default-judgment-vision"')
    C["j_single_question"] = _sub(
        _sub(
            _sub(B, J, ""),
            '[pipe.judge_news.questions.material]\nquestion = "Is any of this material for investors?"\n',
            'question = "Is any of this material for investors?"\n',
        ),
        'output = "NewsCheck"\nmodel',
        'output = "YesNo"\nmodel',
    ).replace('output = "NewsCheck"\nsteps', 'output = "YesNo"\nsteps')
    C["j_single_question_structured_out"] = _sub(
        _sub(B, J, ""),
        '[pipe.judge_news.questions.material]\nquestion = "Is any of this material for investors?"\n',
        'question = "Is any of this material for investors?"\n',
    )
    C["j_output_refined_yesno"] = _sub(
        C["j_single_question"].replace('"YesNo"', '"Material"'),
        "[pipe.brief]",
        '[concept.Material]\ndescription = "Material or not"\nrefines = "YesNo"\n\n[pipe.brief]',
    )
    C["j_output_text"] = C["j_single_question"].replace('output = "YesNo"', 'output = "Text"')
    C["j_field_text"] = _sub(
        B,
        'tone = { type = "concept", concept_ref = "Choice", description = "The tone", required = true }',
        'tone = { type = "text", description = "The tone", required = true }',
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# PipeParallel: several analyses of one text at once

_PARALLEL = """domain = "review_desk"
description = "Analyse a product review from several angles at once"
main_pipe = "analyse"

[concept.Sentiment]
description = "How the reviewer feels"
refines = "Text"

[concept.Topics]
description = "What the review talks about"

[concept.Topics.structure]
items = { type = "list", item_type = "text", description = "Topics", required = true }

[concept.ReviewAnalysis]
description = "The analyses of a review"

[concept.ReviewAnalysis.structure]
sentiment = { type = "concept", concept_ref = "Sentiment", description = "Sentiment", required = true }
topics = { type = "concept", concept_ref = "Topics", description = "Topics", required = true }

[pipe.analyse]
type = "PipeParallel"
description = "Run both analyses"
inputs = { review = "Text" }
output = "ReviewAnalysis"
add_each_output = true
branches = [
    { pipe = "get_sentiment", result = "sentiment" },
    { pipe = "get_topics", result = "topics" },
]

[pipe.get_sentiment]
type = "PipeLLM"
description = "Sentiment"
inputs = { review = "Text" }
output = "Sentiment"
prompt = "What is the sentiment of this review? $review"

[pipe.get_topics]
type = "PipeLLM"
description = "Topics"
inputs = { review = "Text" }
output = "Topics"
prompt = "List the topics of this review: $review"
"""


def _par() -> dict[str, str]:
    B = _PARALLEL
    C: dict[str, str] = {"base": B}
    C["no_add_each"] = _sub(B, "add_each_output = true\n", "")
    C["add_each_false"] = _sub(B, "add_each_output = true", "add_each_output = false")
    C["add_each_string"] = _sub(B, "add_each_output = true", 'add_each_output = "yes"')
    C["combined_output"] = _sub(B, "add_each_output = true\n", 'combined_output = "ReviewAnalysis"\n')
    C["combined_output_too"] = _sub(
        B, "add_each_output = true\n", 'add_each_output = true\ncombined_output = "ReviewAnalysis"\n'
    )
    C["out_composite"] = _sub(B, 'output = "ReviewAnalysis"', 'output = "Composite"')
    C["out_composite_no_add"] = _sub(
        _sub(B, 'output = "ReviewAnalysis"', 'output = "Composite"'), "add_each_output = true\n", ""
    )
    C["out_text"] = _sub(B, 'output = "ReviewAnalysis"', 'output = "Text"')
    C["out_list"] = _sub(B, 'output = "ReviewAnalysis"', 'output = "ReviewAnalysis[]"')
    C["out_optional"] = _sub(B, 'output = "ReviewAnalysis"', 'output = "ReviewAnalysis?"')
    C["out_dynamic"] = _sub(B, 'output = "ReviewAnalysis"', 'output = "Dynamic"')
    C["result_not_field"] = _sub(
        B, '{ pipe = "get_topics", result = "topics" }', '{ pipe = "get_topics", result = "themes" }'
    )
    C["field_not_required_missing"] = _sub(
        _sub(B, '{ pipe = "get_topics", result = "topics" },\n', ""),
        'concept_ref = "Topics", description = "Topics", required = true',
        'concept_ref = "Topics", description = "Topics"',
    )
    C["field_required_missing"] = _sub(B, '    { pipe = "get_topics", result = "topics" },\n', "")
    C["field_wrong_concept"] = _sub(
        B,
        'concept_ref = "Sentiment", description = "Sentiment"',
        'concept_ref = "Topics", description = "Sentiment"',
    )
    C["field_text_type"] = _sub(
        B,
        'sentiment = { type = "concept", concept_ref = "Sentiment", description = "Sentiment", required = true }',
        'sentiment = { type = "text", description = "Sentiment", required = true }',
    )
    C["field_parent_concept"] = _sub(
        B,
        'concept_ref = "Sentiment", description = "Sentiment"',
        'concept_ref = "Text", description = "Sentiment"',
    )
    C["one_branch"] = _sub(
        _sub(B, '    { pipe = "get_topics", result = "topics" },\n', ""),
        'topics = { type = "concept", concept_ref = "Topics", description = "Topics", required = true }\n',
        "",
    )
    C["no_branches"] = _sub(
        B,
        'branches = [\n    { pipe = "get_sentiment", result = "sentiment" },\n    { pipe = "get_topics", result = "topics" },\n]\n',
        "branches = []\n",
    )
    C["branch_no_result"] = _sub(B, '{ pipe = "get_topics", result = "topics" }', '{ pipe = "get_topics" }')
    C["branch_nb_output"] = _sub(
        B,
        '{ pipe = "get_topics", result = "topics" }',
        '{ pipe = "get_topics", result = "topics", nb_output = 2 }',
    )
    C["branch_unknown_pipe"] = _sub(
        B, '{ pipe = "get_topics", result = "topics" }', '{ pipe = "get_themes", result = "topics" }'
    )
    C["branch_from"] = _sub(
        B, '{ pipe = "get_topics", result = "topics" }', '{ from = "review", result = "topics" }'
    )
    C["extra_input_unread"] = _sub(
        B,
        'inputs = { review = "Text" }\noutput = "ReviewAnalysis"',
        'inputs = { review = "Text", product = "Text" }\noutput = "ReviewAnalysis"',
    )
    # inside a sequence: the branch results read by a later step (add_each_output), the combined value read too
    seq = _sub(
        _sub(B, 'main_pipe = "analyse"', 'main_pipe = "report"'),
        "[pipe.analyse]",
        '''[pipe.report]
type = "PipeSequence"
description = "Analyse then report"
inputs = { review = "Text" }
output = "Text"
steps = [
    { pipe = "analyse", result = "analysis" },
    { pipe = "write_report", result = "report" },
]

[pipe.write_report]
type = "PipeLLM"
description = "Write the report"
inputs = { sentiment = "Sentiment", topics = "Topics" }
output = "Text"
prompt = """
Sentiment: $sentiment
@topics
"""

[pipe.analyse]''',
    )
    C["seq_reads_each"] = seq
    C["seq_reads_each_no_add"] = _sub(seq, "add_each_output = true\n", "")
    C["seq_reads_each_add_false"] = _sub(seq, "add_each_output = true", "add_each_output = false")
    C["seq_reads_combined"] = _sub(
        _sub(
            seq,
            'inputs = { sentiment = "Sentiment", topics = "Topics" }',
            'inputs = { analysis = "ReviewAnalysis" }',
        ),
        "Sentiment: $sentiment\n@topics\n",
        "Sentiment: $analysis.sentiment\n@analysis.topics\n",
    )
    C["seq_reads_combined_composite"] = _sub(
        _sub(
            _sub(seq, 'output = "ReviewAnalysis"', 'output = "Composite"'),
            'inputs = { sentiment = "Sentiment", topics = "Topics" }',
            'inputs = { analysis = "Composite" }',
        ),
        "Sentiment: $sentiment\n@topics\n",
        "@analysis\n",
    )
    C["branch_batch"] = _sub(
        _sub(
            _sub(
                _sub(
                    B,
                    'inputs = { review = "Text" }\noutput = "ReviewAnalysis"',
                    'inputs = { reviews = "Text[]" }\noutput = "ReviewAnalysis"',
                ),
                '{ pipe = "get_sentiment", result = "sentiment" }',
                '{ pipe = "get_sentiment", result = "sentiment", batch_over = "reviews", batch_as = "review" }',
            ),
            '{ pipe = "get_topics", result = "topics" }',
            '{ pipe = "get_topics", result = "topics", batch_over = "reviews", batch_as = "review" }',
        ),
        'concept_ref = "Sentiment", description = "Sentiment", required = true',
        'concept_ref = "Sentiment", description = "Sentiment", required = true',
    )
    C["branch_batch_list_fields"] = _sub(
        _sub(
            C["branch_batch"],
            'sentiment = { type = "concept", concept_ref = "Sentiment", description = "Sentiment", required = true }',
            'sentiment = { type = "list", item_type = "concept", item_concept_ref = "Sentiment", description = "Sentiment", required = true }',
        ),
        'topics = { type = "concept", concept_ref = "Topics", description = "Topics", required = true }',
        'topics = { type = "list", item_type = "concept", item_concept_ref = "Topics", description = "Topics", required = true }',
    )
    C["branch_batch_dotted"] = (
        _sub(
            C["branch_batch"],
            'batch_over = "reviews", batch_as = "review" }\n    { pipe = "get_topics"',
            'batch_over = "shop.reviews", batch_as = "review" },\n    { pipe = "get_topics"',
        )
        if 'batch_over = "reviews", batch_as = "review" }\n    { pipe = "get_topics"' in C["branch_batch"]
        else _sub(
            C["branch_batch"],
            'batch_over = "reviews", batch_as = "review" },\n    { pipe = "get_topics"',
            'batch_over = "shop.reviews", batch_as = "review" },\n    { pipe = "get_topics"',
        )
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# Multiplicity through controllers, and PipeBatch's names: the cookbook's "summarize" shape

_SUMMARIZE = '''domain = "summaries"
description = "Summarize a long text by its topics"
main_pipe = "summarize"

[concept.Topic]
description = "A topic the text covers"
refines = "Text"

[concept.TopicSummary]
description = "A summary of one topic"

[concept.TopicSummary.structure]
topic = { type = "text", description = "The topic", required = true }
summary = { type = "text", description = "What the text says about it", required = true }

[pipe.summarize]
type = "PipeSequence"
description = "Find the topics, summarize each"
inputs = { text = "Text" }
output = "TopicSummary[]"
steps = [
    { pipe = "find_topics", result = "topics" },
    { pipe = "summarize_topics", result = "summaries" },
]

[pipe.find_topics]
type = "PipeLLM"
description = "Find the topics"
inputs = { text = "Text" }
output = "Topic[]"
prompt = """
List the main topics of this text:

@text
"""

[pipe.summarize_topics]
type = "PipeBatch"
description = "Summarize each topic"
inputs = { topics = "Topic[]", text = "Text" }
output = "TopicSummary[]"
branch_pipe_code = "summarize_topic"
input_list_name = "topics"
input_item_name = "topic"

[pipe.summarize_topic]
type = "PipeLLM"
description = "Summarize one topic"
inputs = { topic = "Topic", text = "Text" }
output = "TopicSummary"
prompt = """
Summarize what this text says about $topic:

@text
"""
'''


def _mult() -> dict[str, str]:
    B = _SUMMARIZE
    C: dict[str, str] = {"base": B}
    C["b_list_not_input"] = _sub(B, 'input_list_name = "topics"', 'input_list_name = "subjects"')
    C["b_list_single"] = _sub(
        B, 'inputs = { topics = "Topic[]", text = "Text" }', 'inputs = { topics = "Topic", text = "Text" }'
    )
    C["b_list_fixed"] = _sub(
        _sub(
            B,
            'inputs = { topics = "Topic[]", text = "Text" }',
            'inputs = { topics = "Topic[3]", text = "Text" }',
        ),
        'output = "Topic[]"',
        'output = "Topic[3]"',
    )
    C["b_item_same_as_list"] = _sub(B, 'input_item_name = "topic"', 'input_item_name = "topics"')
    C["b_item_same_as_input"] = _sub(
        _sub(B, 'input_item_name = "topic"', 'input_item_name = "text"'), "about $topic", "about $text"
    )
    C["b_item_capital"] = _sub(B, 'input_item_name = "topic"', 'input_item_name = "Topic"')
    C["b_item_empty"] = _sub(B, 'input_item_name = "topic"', 'input_item_name = ""')
    C["b_item_missing"] = _sub(B, 'input_item_name = "topic"\n', "")
    C["b_list_missing"] = _sub(B, 'input_list_name = "topics"\n', "")
    C["b_both_missing"] = _sub(B, 'input_list_name = "topics"\ninput_item_name = "topic"\n', "")
    C["b_item_not_branch_input"] = _sub(B, 'input_item_name = "topic"', 'input_item_name = "subject"')
    C["b_branch_reads_list"] = _sub(
        _sub(
            B, 'inputs = { topic = "Topic", text = "Text" }', 'inputs = { topics = "Topic[]", text = "Text" }'
        ),
        "about $topic",
        "about $topics",
    )
    C["b_shared_unread"] = _sub(
        _sub(B, 'inputs = { topic = "Topic", text = "Text" }', 'inputs = { topic = "Topic" }'),
        "\n@text\n",
        "\n",
    )
    C["b_shared_missing"] = _sub(
        B, 'inputs = { topics = "Topic[]", text = "Text" }', 'inputs = { topics = "Topic[]" }'
    )
    C["b_output_single"] = _sub(
        B, 'output = "TopicSummary[]"\nbranch_pipe_code', 'output = "TopicSummary"\nbranch_pipe_code'
    )
    C["b_output_wrong_concept"] = _sub(
        B, 'output = "TopicSummary[]"\nbranch_pipe_code', 'output = "Topic[]"\nbranch_pipe_code'
    )
    C["b_branch_list_out"] = _sub(B, 'output = "TopicSummary"\nprompt', 'output = "TopicSummary[]"\nprompt')
    C["b_unknown_branch"] = _sub(
        B, 'branch_pipe_code = "summarize_topic"', 'branch_pipe_code = "summarise_topic"'
    )
    C["b_branch_self"] = _sub(
        B, 'branch_pipe_code = "summarize_topic"', 'branch_pipe_code = "summarize_topics"'
    )
    C["b_batch_over_keys"] = _sub(
        B,
        'input_list_name = "topics"\ninput_item_name = "topic"',
        'batch_over = "topics"\nbatch_as = "topic"',
    )
    C["b_item_refined_parent"] = _sub(
        B, 'inputs = { topic = "Topic", text = "Text" }', 'inputs = { topic = "Text", text = "Text" }'
    )
    # the same through a sequence step's batch
    step = _sub(
        _sub(
            B,
            '{ pipe = "summarize_topics", result = "summaries" }',
            '{ pipe = "summarize_topic", batch_over = "topics", batch_as = "topic", result = "summaries" }',
        ),
        """[pipe.summarize_topics]
type = "PipeBatch"
description = "Summarize each topic"
inputs = { topics = "Topic[]", text = "Text" }
output = "TopicSummary[]"
branch_pipe_code = "summarize_topic"
input_list_name = "topics"
input_item_name = "topic"

""",
        "",
    )
    C["s_step_batch"] = step
    C["s_step_batch_out_single"] = _sub(
        step, 'output = "TopicSummary[]"\nsteps', 'output = "TopicSummary"\nsteps'
    )
    C["s_step_batch_out_fixed"] = _sub(
        step, 'output = "TopicSummary[]"\nsteps', 'output = "TopicSummary[3]"\nsteps'
    )
    C["s_step_batch_as_list_name"] = _sub(step, 'batch_as = "topic"', 'batch_as = "topics"')
    C["s_step_batch_over_single"] = _sub(step, 'output = "Topic[]"', 'output = "Topic"')
    C["s_step_batch_over_unknown"] = _sub(step, 'batch_over = "topics"', 'batch_over = "themes"')
    C["s_step_batch_as_only"] = _sub(step, 'batch_over = "topics", ', "")
    C["s_step_nb_output"] = _sub(
        B,
        '{ pipe = "find_topics", result = "topics" }',
        '{ pipe = "find_topics", result = "topics", nb_output = 3 }',
    )
    C["s_step_multiple_output"] = _sub(
        B,
        '{ pipe = "find_topics", result = "topics" }',
        '{ pipe = "find_topics", result = "topics", multiple_output = true }',
    )
    C["s_step_nb_and_multiple"] = _sub(
        B,
        '{ pipe = "find_topics", result = "topics" }',
        '{ pipe = "find_topics", result = "topics", nb_output = 3, multiple_output = true }',
    )
    C["s_producer_single"] = _sub(B, 'output = "Topic[]"', 'output = "Topic"')
    C["s_producer_fixed"] = _sub(B, 'output = "Topic[]"', 'output = "Topic[4]"')
    C["s_consumer_fixed"] = _sub(
        _sub(B, 'output = "Topic[]"', 'output = "Topic[4]"'),
        'inputs = { topics = "Topic[]", text = "Text" }',
        'inputs = { topics = "Topic[4]", text = "Text" }',
    )
    C["s_consumer_fixed_other"] = _sub(
        _sub(B, 'output = "Topic[]"', 'output = "Topic[4]"'),
        'inputs = { topics = "Topic[]", text = "Text" }',
        'inputs = { topics = "Topic[5]", text = "Text" }',
    )
    C["s_seq_out_single"] = _sub(B, 'output = "TopicSummary[]"\nsteps', 'output = "TopicSummary"\nsteps')
    C["s_seq_out_parent"] = _sub(B, 'output = "TopicSummary[]"\nsteps', 'output = "Text[]"\nsteps')
    C["s_seq_out_anything"] = _sub(B, 'output = "TopicSummary[]"\nsteps', 'output = "Anything"\nsteps')
    C["s_seq_input_list"] = _sub(
        _sub(
            B,
            'inputs = { text = "Text" }\noutput = "TopicSummary[]"',
            'inputs = { text = "Text[]" }\noutput = "TopicSummary[]"',
        ),
        'inputs = { text = "Text" }\noutput = "Topic[]"',
        'inputs = { text = "Text[]" }\noutput = "Topic[]"',
    )
    C["s_seq_input_list_to_single"] = _sub(
        B,
        'inputs = { text = "Text" }\noutput = "TopicSummary[]"',
        'inputs = { text = "Text[]" }\noutput = "TopicSummary[]"',
    )
    C["s_llm_fixed_out"] = _sub(B, 'output = "Topic[]"\nprompt', 'output = "Topic[5]"\nprompt').replace(
        'inputs = { topics = "Topic[]", text = "Text" }', 'inputs = { topics = "Topic[]", text = "Text" }'
    )
    C["s_list_of_list"] = _sub(B, 'output = "Topic[]"\nprompt', 'output = "Topic[][]"\nprompt')
    # a condition between the steps
    cond = _sub(
        _sub(
            B,
            '{ pipe = "summarize_topics", result = "summaries" }',
            '{ pipe = "route", result = "summaries" }',
        ),
        "[pipe.summarize_topics]",
        """[pipe.route]
type = "PipeCondition"
description = "Summarize only when there are topics"
inputs = { topics = "Topic[]", text = "Text" }
output = "TopicSummary[]"
expression = "topics | length > 0"
outcomes = { "True" = "summarize_topics" }
default_outcome = "summarize_topics"

[pipe.summarize_topics]""",
    )
    C["c_route"] = cond
    C["c_route_fail"] = _sub(cond, 'default_outcome = "summarize_topics"', 'default_outcome = "fail"')
    C["c_route_continue"] = _sub(cond, 'default_outcome = "summarize_topics"', 'default_outcome = "continue"')
    C["c_route_continue_opt"] = _sub(
        _sub(cond, 'default_outcome = "summarize_topics"', 'default_outcome = "continue"'),
        'output = "TopicSummary[]"\nexpression',
        'output = "TopicSummary[]?"\nexpression',
    )
    C["c_route_single_out"] = _sub(
        cond, 'output = "TopicSummary[]"\nexpression', 'output = "TopicSummary"\nexpression'
    )
    C["c_route_item_outcome"] = _sub(
        cond, 'outcomes = { "True" = "summarize_topics" }', 'outcomes = { "True" = "summarize_topic" }'
    )
    C["c_route_unread_text"] = _sub(
        cond,
        'inputs = { topics = "Topic[]", text = "Text" }\noutput = "TopicSummary[]"\nexpression',
        'inputs = { topics = "Topic[]", text = "Text", style = "Text" }\noutput = "TopicSummary[]"\nexpression',
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# Refinement chains over the natives, and native names

_REFINE = '''domain = "clinic"
description = "Triage patient letters"
main_pipe = "triage"

[concept.Letter]
description = "A letter from a patient"
refines = "Text"

[concept.UrgentLetter]
description = "A letter that needs an answer today"
refines = "Letter"

[concept.Triage]
description = "The triage of a letter"

[concept.Triage.structure]
priority = { type = "integer", description = "1 is most urgent", required = true }
reason = "Why"

[pipe.triage]
type = "PipeLLM"
description = "Triage a letter"
inputs = { letter = "UrgentLetter" }
output = "Triage"
prompt = """
Triage this letter:

@letter
"""
'''


def _ref() -> dict[str, str]:
    B = _REFINE
    C: dict[str, str] = {"base": B}
    C["chain_to_native_input"] = _sub(
        B, 'inputs = { letter = "UrgentLetter" }', 'inputs = { letter = "Text" }'
    )
    C["refines_structured"] = _sub(B, 'refines = "Letter"', 'refines = "Triage"')
    C["refines_self"] = _sub(B, 'refines = "Letter"', 'refines = "UrgentLetter"')
    C["refines_cycle"] = _sub(B, 'refines = "Text"', 'refines = "UrgentLetter"')
    C["refines_unknown"] = _sub(B, 'refines = "Letter"', 'refines = "Note"')
    C["refines_qualified_own"] = _sub(B, 'refines = "Letter"', 'refines = "clinic.Letter"')
    C["refines_native_qualified"] = _sub(B, 'refines = "Text"', 'refines = "native.Text"')
    C["refines_other_domain"] = _sub(B, 'refines = "Letter"', 'refines = "office.Letter"')
    C["refines_image"] = _sub(B, 'refines = "Text"', 'refines = "Image"')
    C["refines_number"] = _sub(_sub(B, 'refines = "Text"', 'refines = "Number"'), "@letter\n", "$letter\n")
    C["refines_document"] = _sub(B, 'refines = "Text"', 'refines = "Document"')
    C["refines_page"] = _sub(B, 'refines = "Text"', 'refines = "Page"')
    C["refines_json"] = _sub(B, 'refines = "Text"', 'refines = "JSON"')
    C["refines_dynamic"] = _sub(B, 'refines = "Text"', 'refines = "Dynamic"')
    C["refines_composite"] = _sub(B, 'refines = "Text"', 'refines = "Composite"')
    C["refines_anything"] = _sub(B, 'refines = "Text"', 'refines = "Anything"')
    C["refines_markdown"] = _sub(B, 'refines = "Text"', 'refines = "Markdown"')
    C["refines_html"] = _sub(B, 'refines = "Text"', 'refines = "Html"')
    C["refines_searchresult"] = _sub(B, 'refines = "Text"', 'refines = "SearchResult"')
    C["refines_pdf_gone"] = _sub(B, 'refines = "Text"', 'refines = "PDF"')
    C["refines_with_structure"] = _sub(
        B,
        'refines = "Letter"\n',
        'refines = "Letter"\n\n[concept.UrgentLetter.structure]\ndeadline = "When"\n',
    )
    C["refines_structured_with_structure"] = _sub(
        _sub(
            B,
            'refines = "Letter"\n',
            'refines = "Triage"\n\n[concept.UrgentLetter.structure]\ndeadline = "When"\n',
        ),
        "@letter\n",
        "$letter.deadline and $letter.reason\n",
    )
    C["refines_list_value"] = _sub(B, 'refines = "Letter"', 'refines = ["Letter"]')
    C["native_name_concept"] = _sub(
        B, "[concept.Letter]", '[concept.Number]\ndescription = "My number"\n\n[concept.Letter]'
    )
    C["native_name_text"] = _sub(
        B,
        "[concept.Letter]",
        '[concept.Image]\ndescription = "My image"\nrefines = "Text"\n\n[concept.Letter]',
    )
    C["native_input_page_text"] = _sub(
        _sub(B, 'inputs = { letter = "UrgentLetter" }', 'inputs = { letter = "Page" }'),
        "@letter\n",
        "$letter.text_and_images.text\n",
    )
    C["native_input_number_path"] = _sub(
        _sub(
            B, 'inputs = { letter = "UrgentLetter" }', 'inputs = { letter = "UrgentLetter", age = "Number" }'
        ),
        "@letter\n",
        "@letter\n\nThe patient is $age.number years old.\n",
    )
    C["native_input_date"] = _sub(
        _sub(
            B, 'inputs = { letter = "UrgentLetter" }', 'inputs = { letter = "UrgentLetter", today = "Date" }'
        ),
        "@letter\n",
        "@letter\n\nToday: $today\n",
    )
    C["native_input_yesno_path"] = _sub(
        _sub(
            B, 'inputs = { letter = "UrgentLetter" }', 'inputs = { letter = "UrgentLetter", known = "YesNo" }'
        ),
        "@letter\n",
        "@letter\n\nKnown patient: $known.yes_no\n",
    )
    C["native_input_yesno_bad_path"] = _sub(
        _sub(
            B, 'inputs = { letter = "UrgentLetter" }', 'inputs = { letter = "UrgentLetter", known = "YesNo" }'
        ),
        "@letter\n",
        "@letter\n\nKnown patient: $known.answer\n",
    )
    C["native_input_dynamic"] = _sub(
        B, 'inputs = { letter = "UrgentLetter" }', 'inputs = { letter = "Dynamic" }'
    )
    C["native_input_anything"] = _sub(
        B, 'inputs = { letter = "UrgentLetter" }', 'inputs = { letter = "Anything" }'
    )
    C["native_input_json"] = _sub(
        _sub(B, 'inputs = { letter = "UrgentLetter" }', 'inputs = { letter = "JSON" }'),
        "@letter\n",
        "$letter.json_obj\n",
    )
    C["native_output_number"] = _sub(B, 'output = "Triage"', 'output = "Number"')
    C["native_output_date"] = _sub(B, 'output = "Triage"', 'output = "Date"')
    C["native_output_json"] = _sub(B, 'output = "Triage"', 'output = "JSON"')
    C["native_output_dynamic"] = _sub(B, 'output = "Triage"', 'output = "Dynamic"')
    C["native_output_composite"] = _sub(B, 'output = "Triage"', 'output = "Composite"')
    C["native_output_document"] = _sub(B, 'output = "Triage"', 'output = "Document"')
    C["native_output_html"] = _sub(B, 'output = "Triage"', 'output = "Html"')
    C["native_output_search"] = _sub(B, 'output = "Triage"', 'output = "SearchResult"')
    # a refined letter handed to a step that wants the parent, and the other way round
    seq = _sub(
        _sub(B, 'main_pipe = "triage"', 'main_pipe = "desk"'),
        "[pipe.triage]",
        """[pipe.desk]
type = "PipeSequence"
description = "Flag then triage"
inputs = { letter = "Letter" }
output = "Triage"
steps = [
    { pipe = "flag", result = "urgent" },
    { pipe = "triage", result = "triage" },
]

[pipe.flag]
type = "PipeLLM"
description = "Rewrite as urgent"
inputs = { letter = "Letter" }
output = "UrgentLetter"
prompt = "Rewrite this as an urgent letter: $letter"

[pipe.triage]""",
    )
    C["seq_child_for_child"] = _sub(
        seq, 'inputs = { letter = "UrgentLetter" }', 'inputs = { urgent = "UrgentLetter" }'
    ).replace('@letter\n"""', '@urgent\n"""')
    C["seq_parent_for_child"] = seq
    C["seq_child_for_parent"] = _sub(
        _sub(seq, 'inputs = { letter = "UrgentLetter" }', 'inputs = { urgent = "Letter" }'),
        "Triage this letter:\n\n@letter",
        "Triage this letter:\n\n@urgent",
    )
    C["seq_child_for_native"] = _sub(
        _sub(seq, 'inputs = { letter = "UrgentLetter" }', 'inputs = { urgent = "Text" }'),
        "Triage this letter:\n\n@letter",
        "Triage this letter:\n\n@urgent",
    )
    C["seq_child_for_markdown"] = _sub(
        _sub(seq, 'inputs = { letter = "UrgentLetter" }', 'inputs = { urgent = "Markdown" }'),
        "Triage this letter:\n\n@letter",
        "Triage this letter:\n\n@urgent",
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# Model references on PipeLLM

_MODELS = """domain = "writing"
description = "Write a product description"
main_pipe = "describe"

[pipe.describe]
type = "PipeLLM"
description = "Describe a product"
inputs = { product = "Text" }
output = "Text"
model = "$writing-creative"
prompt = "Write a short, lively description of $product."
"""


def _mdl() -> dict[str, str]:
    B = _MODELS
    M = 'model = "$writing-creative"'
    C: dict[str, str] = {"base": B}
    for name in (
        "writing-factual-cheap",
        "retrieval-premium",
        "engineering-codebase-analysis",
        "deep-analysis",
        "testing-text",
        "vision-diagram",
        "img-gen-prompting-cheap",
    ):
        C[f"preset_{name.replace('-', '_')}"] = _sub(B, M, f'model = "${name}"')
    for name in (
        "default-premium",
        "default-small-creative",
        "default-large-context-text",
        "best-gpt",
        "default-premium-vision",
    ):
        C[f"alias_{name.replace('-', '_')}"] = _sub(B, M, f'model = "@{name}"')
    C["alias_judgment"] = _sub(B, M, 'model = "@default-judgment"')
    C["alias_extract"] = _sub(B, M, 'model = "@default-extract-document"')
    C["alias_search"] = _sub(B, M, 'model = "@default-search"')
    C["preset_img"] = _sub(B, M, 'model = "$gen-image"')
    C["preset_search"] = _sub(B, M, 'model = "$standard"')
    C["waterfall_extract"] = _sub(B, M, 'model = "~document-extractor"')
    C["waterfall_unknown"] = _sub(B, M, 'model = "~writers"')
    C["long_preset"] = _sub(B, M, 'model = "preset:writing-creative"')
    C["long_alias"] = _sub(B, M, 'model = "alias:default-premium"')
    C["long_handle_unknown"] = _sub(B, M, 'model = "handle:gpt-9"')
    C["long_unknown_kind"] = _sub(B, M, 'model = "family:gpt"')
    C["bare_unknown"] = _sub(B, M, 'model = "my-favourite-model"')
    C["bare_handle"] = _sub(B, M, 'model = "gpt-4o"')
    C["sigil_only"] = _sub(B, M, 'model = "$"')
    C["empty"] = _sub(B, M, 'model = ""')
    C["space_after_sigil"] = _sub(B, M, 'model = "$ writing-creative"')
    C["upper_preset"] = _sub(B, M, 'model = "$Writing-Creative"')
    C["underscore_preset"] = _sub(B, M, 'model = "$writing_creative"')
    C["number"] = _sub(B, M, "model = 4")
    C["inline_preset"] = _sub(B, M, 'model = { model = "$writing-creative", temperature = 0.9 }')
    C["inline_alias_max"] = _sub(
        B, M, 'model = { model = "@default-small", temperature = 0.2, max_tokens = 300 }'
    )
    C["inline_no_temperature"] = _sub(B, M, 'model = { model = "@default-small", max_tokens = 300 }')
    C["inline_reasoning"] = _sub(
        B, M, 'model = { model = "@default-premium", temperature = 1, reasoning_effort = "high" }'
    )
    C["inline_reasoning_bad"] = _sub(
        B, M, 'model = { model = "@default-premium", temperature = 1, reasoning_effort = "extreme" }'
    )
    C["inline_budget"] = _sub(
        B, M, 'model = { model = "@default-premium", temperature = 1, reasoning_budget = 2048 }'
    )
    C["inline_max_tokens_neg"] = _sub(
        B, M, 'model = { model = "@default-small", temperature = 0.2, max_tokens = -5 }'
    )
    C["inline_temp_int"] = _sub(B, M, 'model = { model = "@default-small", temperature = 0 }')
    C["inline_subtable"] = _sub(
        B, M, '[pipe.describe.model]\nmodel = "@default-small"\ntemperature = 0.3'
    ).replace(
        '[pipe.describe.model]\nmodel = "@default-small"\ntemperature = 0.3\nprompt = "Write a short, lively description of $product."',
        'prompt = "Write a short, lively description of $product."\n\n[pipe.describe.model]\nmodel = "@default-small"\ntemperature = 0.3',
    )
    C["inline_empty"] = _sub(B, M, "model = {}")
    C["structure_model"] = _sub(
        _sub(B, 'output = "Text"', 'output = "Blurb"'),
        "[pipe.describe]",
        '[concept.Blurb]\ndescription = "A blurb"\n\n[concept.Blurb.structure]\ntitle = "Title"\nbody = "Body"\n\n[pipe.describe]',
    ).replace(M, M + '\nmodel_to_structure = "$engineering-structured"')
    C["structure_model_unknown"] = C["structure_model"].replace(
        'model_to_structure = "$engineering-structured"', 'model_to_structure = "$structurer"'
    )
    C["structure_model_text_out"] = _sub(B, M, M + '\nmodel_to_structure = "$engineering-structured"')
    C["structure_model_inline"] = C["structure_model"].replace(
        'model_to_structure = "$engineering-structured"',
        'model_to_structure = { model = "@default-small-structured", temperature = 0.1 }',
    )
    return C


# ---------------------------------------------------------------------------------------------------------------
# Libraries of several files (folder cases): domains referring to each other

_LIB_COMMON = """domain = "common"
description = "Shared concepts and pipes"

[concept.Person]
description = "A person"

[concept.Person.structure]
name = { type = "text", description = "Full name", required = true }
email = "E-mail address"

[concept.Greeting]
description = "A greeting"
refines = "Text"

[pipe.greet]
type = "PipeLLM"
description = "Greet a person"
inputs = { person = "Person" }
output = "Greeting"
prompt = "Write a one-line greeting for $person.name."
"""

_LIB_MAIN = '''domain = "onboarding"
description = "Welcome new staff"
main_pipe = "welcome"

[concept.WelcomePack]
description = "What a newcomer gets"

[concept.WelcomePack.structure]
greeting = { type = "concept", concept_ref = "common.Greeting", description = "The greeting", required = true }
checklist = "Their first-week checklist"

[pipe.welcome]
type = "PipeSequence"
description = "Greet, then write the pack"
inputs = { newcomer = "common.Person" }
output = "WelcomePack"
steps = [
    { pipe = "common.greet", result = "greeting" },
    { pipe = "write_pack", result = "pack" },
]

[pipe.write_pack]
type = "PipeLLM"
description = "Write the pack"
inputs = { newcomer = "common.Person", greeting = "common.Greeting" }
output = "WelcomePack"
prompt = """
Greeting: $greeting
Write a welcome pack for $newcomer.name.
"""
'''


def _lib() -> dict[str, dict[str, str]]:
    Cm, M = _LIB_COMMON, _LIB_MAIN
    C: dict[str, dict[str, str]] = {}
    # common.greet reads `person`; the sequence holds `newcomer`: the base binds it first
    base_main = _sub(
        M,
        '{ pipe = "common.greet", result = "greeting" },',
        '{ from = "newcomer", result = "person" },\n    { pipe = "common.greet", result = "greeting" },',
    )
    C["base"] = {"common.mthds": Cm, "bundle.mthds": base_main}
    C["unbound_input"] = {"common.mthds": Cm, "bundle.mthds": M}
    C["input_renamed"] = {
        "common.mthds": Cm,
        "bundle.mthds": M.replace("newcomer", "person"),
    }
    C["bare_concept_other_domain"] = {
        "common.mthds": Cm,
        "bundle.mthds": base_main.replace('"common.Person"', '"Person"'),
    }
    C["bare_pipe_other_domain"] = {
        "common.mthds": Cm,
        "bundle.mthds": base_main.replace('"common.greet"', '"greet"'),
    }
    C["wrong_domain_prefix"] = {
        "common.mthds": Cm,
        "bundle.mthds": base_main.replace("common.Greeting", "shared.Greeting"),
    }
    C["same_domain_two_files"] = {
        "common.mthds": Cm,
        "more.mthds": 'domain = "common"\ndescription = "More"\n\n[concept.Team]\ndescription = "A team"\n',
        "bundle.mthds": base_main,
    }
    C["duplicate_concept"] = {
        "common.mthds": Cm,
        "more.mthds": 'domain = "common"\ndescription = "More"\n\n[concept.Greeting]\ndescription = "Another greeting"\nrefines = "Text"\n',
        "bundle.mthds": base_main,
    }
    C["duplicate_pipe"] = {
        "common.mthds": Cm,
        "more.mthds": 'domain = "common"\ndescription = "More"\n\n[pipe.greet]\ntype = "PipeLLM"\ndescription = "Greet"\ninputs = { person = "Person" }\noutput = "Greeting"\nprompt = "Hello $person.name"\n',
        "bundle.mthds": base_main,
    }
    C["same_code_other_domain"] = {
        "common.mthds": Cm,
        "bundle.mthds": base_main.replace(
            "[pipe.write_pack]",
            '[pipe.greet]\ntype = "PipeLLM"\ndescription = "Greet locally"\ninputs = { person = "common.Person" }\noutput = "common.Greeting"\nprompt = "Hi $person.name"\n\n[pipe.write_pack]',
        ),
    }
    C["concept_same_code_other_domain"] = {
        "common.mthds": Cm,
        "bundle.mthds": base_main.replace(
            "[pipe.welcome]", '[concept.Person]\ndescription = "A local person"\n\n[pipe.welcome]'
        ),
    }
    C["two_main_pipes"] = {
        "common.mthds": _sub(
            Cm,
            'description = "Shared concepts and pipes"\n',
            'description = "Shared concepts and pipes"\nmain_pipe = "greet"\n',
        ),
        "bundle.mthds": base_main,
    }
    C["refines_across"] = {
        "common.mthds": Cm,
        "bundle.mthds": base_main.replace(
            "[concept.WelcomePack]",
            '[concept.WarmGreeting]\ndescription = "A warm greeting"\nrefines = "common.Greeting"\n\n[concept.WelcomePack]',
        ).replace('output = "common.Greeting"', 'output = "common.Greeting"'),
    }
    C["child_for_parent_across"] = {
        "common.mthds": Cm,
        "bundle.mthds": base_main.replace(
            'inputs = { newcomer = "common.Person", greeting = "common.Greeting" }',
            'inputs = { newcomer = "common.Person", greeting = "Text" }',
        ),
    }
    C["parent_for_child_across"] = {
        "common.mthds": Cm,
        "bundle.mthds": base_main.replace(
            "[concept.WelcomePack]",
            '[concept.WarmGreeting]\ndescription = "A warm greeting"\nrefines = "common.Greeting"\n\n[concept.WelcomePack]',
        ).replace(
            'inputs = { newcomer = "common.Person", greeting = "common.Greeting" }',
            'inputs = { newcomer = "common.Person", greeting = "WarmGreeting" }',
        ),
    }
    C["cross_cycle"] = {
        "common.mthds": Cm.replace(
            'prompt = "Write a one-line greeting for $person.name."',
            'prompt = "Write a one-line greeting for $person.name."\n\n[pipe.loop]\ntype = "PipeSequence"\ndescription = "Loop"\ninputs = { newcomer = "Person" }\noutput = "onboarding.WelcomePack"\nsteps = [{ pipe = "onboarding.welcome", result = "pack" }]',
        ),
        "bundle.mthds": base_main,
    }
    C["uses_pipe_from_dotted_domain"] = {
        "common.mthds": Cm.replace('domain = "common"', 'domain = "acme.common"'),
        "bundle.mthds": base_main.replace("common.", "acme.common."),
    }
    C["dotted_domain_short_ref"] = {
        "common.mthds": Cm.replace('domain = "common"', 'domain = "acme.common"'),
        "bundle.mthds": base_main,
    }
    C["sub_folder"] = {"lib/common.mthds": Cm, "bundle.mthds": base_main}
    C["concept_field_other_domain_bare"] = {
        "common.mthds": Cm,
        "bundle.mthds": base_main.replace('concept_ref = "common.Greeting"', 'concept_ref = "Greeting"'),
    }
    C["batch_across"] = {
        "common.mthds": Cm,
        "bundle.mthds": """domain = "onboarding"
description = "Greet a whole team"
main_pipe = "greet_all"

[pipe.greet_all]
type = "PipeBatch"
description = "Greet each newcomer"
inputs = { people = "common.Person[]" }
output = "common.Greeting[]"
branch_pipe_code = "common.greet"
input_list_name = "people"
input_item_name = "person"
""",
    }
    C["batch_across_item_mismatch"] = {
        "common.mthds": Cm,
        "bundle.mthds": C["batch_across"]["bundle.mthds"].replace(
            'input_item_name = "person"', 'input_item_name = "newcomer"'
        ),
    }
    C["parallel_across"] = {
        "common.mthds": Cm,
        "bundle.mthds": """domain = "onboarding"
description = "Greet in two ways"
main_pipe = "two_greetings"

[concept.Greetings]
description = "Two greetings"

[concept.Greetings.structure]
formal = { type = "concept", concept_ref = "common.Greeting", description = "Formal", required = true }
casual = { type = "concept", concept_ref = "common.Greeting", description = "Casual", required = true }

[pipe.two_greetings]
type = "PipeParallel"
description = "Both greetings"
inputs = { person = "common.Person" }
output = "Greetings"
add_each_output = true
branches = [
    { pipe = "common.greet", result = "formal" },
    { pipe = "casual", result = "casual" },
]

[pipe.casual]
type = "PipeLLM"
description = "Casual greeting"
inputs = { person = "common.Person" }
output = "common.Greeting"
prompt = "Say hi to $person.name"
""",
    }
    C["condition_across"] = {
        "common.mthds": Cm,
        "bundle.mthds": """domain = "onboarding"
description = "Greet only people with an e-mail"
main_pipe = "maybe_greet"

[pipe.maybe_greet]
type = "PipeCondition"
description = "Greet when we can write"
inputs = { person = "common.Person" }
output = "common.Greeting"
expression = "person.email"
outcomes = { "" = "common.greet" }
default_outcome = "common.greet"
""",
    }
    return C


# ---------------------------------------------------------------------------------------------------------------
# Cookbook-style single bundles: hello world, table from image, gantt chart, expense check


def _cook() -> dict[str, str]:
    C: dict[str, str] = {}
    C["hello_world"] = '''domain = "quick_start"
description = "Discovering Pipelex"
main_pipe = "hello_world"

[pipe.hello_world]
type = "PipeLLM"
description = "Write text about Hello World."
output = "Text"
model = { model = "@default-small", temperature = 0.9 }
prompt = """
Write a haiku about Hello World.
"""
'''
    C["hello_world_no_desc"] = C["hello_world"].replace('description = "Write text about Hello World."\n', "")
    C["hello_world_plx_domain"] = C["hello_world"].replace('domain = "quick_start"', 'domain = "quick-start"')
    C["table_from_image"] = '''domain = "tables"
description = "Turn a picture of a table into HTML, then check it"
main_pipe = "table_to_html"

[concept.HtmlTable]
description = "An HTML table"
refines = "Html"

[pipe.table_to_html]
type = "PipeSequence"
description = "Read then review"
inputs = { table_screenshot = "Image" }
output = "HtmlTable"
steps = [
    { pipe = "draft_html", result = "draft" },
    { pipe = "review_html", result = "html_table" },
]

[pipe.draft_html]
type = "PipeLLM"
description = "Draft the HTML"
inputs = { table_screenshot = "Image" }
output = "HtmlTable"
model = "$vision-table"
prompt = """
Write the HTML of the table in this image:
$table_screenshot
"""

[pipe.review_html]
type = "PipeLLM"
description = "Fix the draft against the image"
inputs = { table_screenshot = "Image", draft = "HtmlTable" }
output = "HtmlTable"
model = "$vision-table"
prompt = """
Here is an image of a table and a draft of its HTML:
$table_screenshot

@draft

Fix any mistake and give the corrected HTML.
"""
'''
    T = C["table_from_image"]
    C["table_image_unread"] = _sub(
        T,
        "Here is an image of a table and a draft of its HTML:\n$table_screenshot\n",
        "Here is a draft of its HTML:\n",
    )
    C["table_image_at"] = _sub(
        T,
        "Write the HTML of the table in this image:\n$table_screenshot\n",
        "Write the HTML of the table in this image:\n@table_screenshot\n",
    )
    C["table_image_list"] = T.replace('table_screenshot = "Image"', 'table_screenshot = "Image[]"')
    C["table_html_path"] = _sub(T, "@draft\n", "$draft.inner_html\n")
    C["gantt"] = """domain = "gantt"
description = "Read the tasks of a Gantt chart"
main_pipe = "extract_gantt"

[concept.GanttTask]
description = "A task of a Gantt chart"

[concept.GanttTask.structure]
name = { type = "text", description = "Task name", required = true }
start = { type = "date", description = "Start date" }
end = { type = "date", description = "End date" }

[concept.GanttChart]
description = "The tasks of a chart"

[concept.GanttChart.structure]
tasks = { type = "list", item_type = "concept", item_concept_ref = "GanttTask", description = "The tasks", required = true }

[pipe.extract_gantt]
type = "PipeSequence"
description = "Names first, then each task's dates"
inputs = { gantt_chart_image = "Image" }
output = "GanttChart"
steps = [
    { pipe = "task_names", result = "names" },
    { pipe = "task_details", batch_over = "names", batch_as = "name", result = "tasks" },
    { pipe = "assemble", result = "chart" },
]

[pipe.task_names]
type = "PipeLLM"
description = "List the task names"
inputs = { gantt_chart_image = "Image" }
output = "Text[]"
model = "$vision-diagram"
prompt = "List the task names in this chart: $gantt_chart_image"

[pipe.task_details]
type = "PipeLLM"
description = "Read one task"
inputs = { gantt_chart_image = "Image", name = "Text" }
output = "GanttTask"
model = "$vision-diagram"
prompt = "In this chart $gantt_chart_image, give the dates of the task $name."

[pipe.assemble]
type = "PipeCompose"
description = "Gather the tasks"
inputs = { tasks = "GanttTask[]" }
output = "GanttChart"

[pipe.assemble.construct]
tasks = { from = "tasks" }
"""
    G = C["gantt"]
    C["gantt_llm_assemble"] = _sub(
        G,
        'output = "GanttChart"\n\n[pipe.assemble.construct]\ntasks = { from = "tasks" }\n',
        'output = "GanttChart"\nprompt = "Gather these tasks: @tasks"\n',
    ).replace(
        'type = "PipeCompose"\ndescription = "Gather the tasks"',
        'type = "PipeLLM"\ndescription = "Gather the tasks"',
    )
    C["gantt_construct_wrong_field"] = _sub(G, 'tasks = { from = "tasks" }\n', 'items = { from = "tasks" }\n')
    C["gantt_construct_single"] = _sub(
        G, 'inputs = { tasks = "GanttTask[]" }', 'inputs = { tasks = "GanttTask" }'
    )
    C["gantt_batch_as_image"] = _sub(G, 'batch_as = "name"', 'batch_as = "gantt_chart_image"')
    C["gantt_date_default"] = _sub(
        G,
        'start = { type = "date", description = "Start date" }',
        'start = { type = "date", description = "Start date", default_value = 2026-01-01 }',
    )
    C["expense_check"] = '''domain = "expenses"
description = "Check an expense claim against its receipt"
main_pipe = "check_claim"

[concept.ExpenseClaim]
description = "An expense claim"

[concept.ExpenseClaim.structure]
amount = { type = "number", description = "Claimed amount", required = true }
category = { type = "text", description = "Category", choices = ["travel", "meals", "lodging"], required = true }

[concept.ReceiptPhoto]
description = "A photo of a receipt"
refines = "Image"

[concept.ClaimVerdict]
description = "Whether the claim matches its receipt"
refines = "YesNo"

[pipe.check_claim]
type = "PipeSequence"
description = "Read the receipt, then judge the claim"
inputs = { claim = "ExpenseClaim", receipt = "ReceiptPhoto" }
output = "ClaimVerdict"
steps = [
    { pipe = "read_receipt", result = "receipt_pages" },
    { pipe = "judge_claim", result = "verdict" },
]

[pipe.read_receipt]
type = "PipeExtract"
description = "OCR the receipt"
inputs = { receipt = "ReceiptPhoto" }
output = "Page[]"
model = "@default-extract-image"

[pipe.judge_claim]
type = "PipeJudge"
description = "Does the receipt back the claim?"
inputs = { claim = "ExpenseClaim", receipt_pages = "Page[]" }
output = "ClaimVerdict"
model = "@default-judgment"
prompt = """
Claim: $claim.amount for $claim.category

@receipt_pages
"""
question = "Does the receipt support the claimed amount and category?"
criteria = { yes = "Amount and category match", no = "They do not" }
threshold = 0.7
'''
    E = C["expense_check"]
    C["expense_choice_bad_field"] = _sub(E, "$claim.category", "$claim.kind")
    C["expense_threshold_one"] = _sub(E, "threshold = 0.7", "threshold = 1.0")
    C["expense_judge_vision"] = _sub(
        _sub(E, 'model = "@default-judgment"', 'model = "@default-judgment-vision"'),
        'inputs = { claim = "ExpenseClaim", receipt_pages = "Page[]" }',
        'inputs = { claim = "ExpenseClaim", receipt_pages = "Page[]", receipt = "ReceiptPhoto" }',
    ).replace("@receipt_pages\n", "@receipt_pages\n$receipt\n")
    C["expense_out_rating"] = _sub(E, 'refines = "YesNo"', 'refines = "Rating"')
    C["expense_extract_page_views_image"] = _sub(
        E, 'model = "@default-extract-image"', 'model = "@default-extract-image"\npage_views = true'
    )
    return C


def cases() -> dict[str, str | dict[str, str]]:
    """Every case, named ``f15_<group>__<name>`` (a folder case: a dict of relative path -> text)."""
    out: dict[str, str | dict[str, str]] = {}
    for group, made in (
        ("ext", _ext()),
        ("img", _img()),
        ("srch", _srch()),
        ("par", _par()),
        ("mult", _mult()),
        ("ref", _ref()),
        ("mdl", _mdl()),
        ("lib", _lib()),
        ("cook", _cook()),
    ):
        for name, text in made.items():
            out[f"f15_{group}__{name}"] = text
    return out
