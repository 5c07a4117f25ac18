"""Fidelity cases on natives, operators and libraries (part B), in the manner of ``fidelity_bundles``.

Single-file bases use every native concept as an input, an output, a refinement, a structured field and a list;
every operator with its settings and model references (presets, aliases, waterfalls, inline tables); concept
definitions; intent hints. Folder bases (a dict of relative path -> text) are multi-file libraries and packages
(``METHODS.toml``): ``benchmarks/fidelity.py`` validates the folder and its entry file alone.

A mutation is a plain text substitution applied to every base holding its target (a folder base: the first file
holding it). Nothing here encodes an expected verdict: the two CLIs decide.
"""

from __future__ import annotations

BASES: dict[str, str] = {}
FOLDERS: dict[str, dict[str, str]] = {}

BASES["natives_desk"] = '''domain = "natives_desk"
description = "A shop assistant reading a customer's message and answering in several native shapes"
main_pipe = "handle_message"

[concept.CustomerMessage]
description = "A message a customer sent"
refines = "Text"

[concept.Urgency]
description = "How urgent the message is"
refines = "Rating"

[concept.Topic]
description = "What the message is about"
refines = "Choice"

[concept.Ticket]
description = "A support ticket"

[concept.Ticket.structure]
subject = { type = "text", description = "Subject line", required = true }
topic = { type = "concept", concept_ref = "Topic", description = "The topic" }
urgent = { type = "concept", concept_ref = "YesNo", description = "Needs an answer today" }
due = { type = "concept", concept_ref = "Date", description = "When an answer is due" }
amount = { type = "concept", concept_ref = "Number", description = "An amount the customer mentions" }
extras = { type = "concept", concept_ref = "JSON", description = "Anything else" }
notes = { type = "list", item_type = "concept", item_concept_ref = "Markdown", description = "Notes" }

[pipe.handle_message]
type = "PipeSequence"
description = "Ticket, urgency, answer, page"
inputs = { message = "CustomerMessage", screenshot = "Image" }
output = "Html"
steps = [
    { pipe = "open_ticket", result = "ticket" },
    { pipe = "rate_urgency", result = "urgency" },
    { pipe = "draft_answer", result = "answer" },
    { pipe = "answer_page", result = "page" },
]

[pipe.open_ticket]
type = "PipeLLM"
description = "Open a ticket from the message and its screenshot"
inputs = { message = "CustomerMessage", screenshot = "Image" }
output = "Ticket"
model = "$vision"
prompt = """
Open a support ticket for this message:
@message

The customer attached this screenshot:
$screenshot
"""

[pipe.rate_urgency]
type = "PipeLLM"
description = "How urgent"
inputs = { ticket = "Ticket" }
output = "Urgency"
prompt = "Rate from 1 to 5 how urgent this ticket is: $ticket.subject"

[pipe.draft_answer]
type = "PipeLLM"
description = "Draft an answer in Markdown"
inputs = { ticket = "Ticket", urgency = "Urgency" }
output = "Markdown"
system_prompt = "You answer customers politely."
prompt = """
Answer this ticket (urgency $urgency):
@ticket
"""

[pipe.answer_page]
type = "PipeCompose"
description = "The answer as an HTML page"
inputs = { answer = "Markdown" }
output = "Html"
template = "<article>{{ answer.text }}</article>"
'''

BASES["office_docs"] = '''domain = "office_docs"
description = "Read a contract PDF, summarise it, structure its parties, judge it"
main_pipe = "review_contract"

[concept.ContractScan]
description = "A scanned contract"
refines = "Document"

[concept.Party]
description = "A party to the contract"

[concept.Party.structure]
name = { type = "text", description = "Legal name", required = true }
role = { type = "text", description = "Role in the contract", choices = ["buyer", "seller", "guarantor"] }
signed_on = { type = "date", description = "Date of signature" }

[concept.Assessment]
description = "What the reviewer thinks of the contract"

[concept.Assessment.structure]
fair = { type = "concept", concept_ref = "YesNo", description = "Balanced for both sides", required = true }
clarity = { type = "concept", concept_ref = "Rating", description = "How clear it reads", required = true }

[pipe.review_contract]
type = "PipeSequence"
description = "Extract, summarise, structure, judge"
inputs = { scan = "ContractScan" }
output = "Assessment"
steps = [
    { pipe = "read_scan", result = "pages" },
    { pipe = "summarise", result = "summary" },
    { pipe = "list_parties", result = "parties" },
    { pipe = "assess", result = "assessment" },
]

[pipe.read_scan]
type = "PipeExtract"
description = "The pages of the scan"
inputs = { scan = "ContractScan" }
output = "Page[]"
model = "@default-text-from-pdf"
page_views = true

[pipe.list_parties]
type = "PipeStructure"
description = "The parties named in the summary"
inputs = { summary = "Text" }
output = "Party[]"
model = "@default-small-structured"

[pipe.assess]
type = "PipeJudge"
description = "Fairness and clarity"
inputs = { pages = "Page[]" }
output = "Assessment"
model = "@default-judgment"
prompt = """
@pages
"""

[pipe.assess.questions.fair]
question = "Is the contract balanced for both sides?"
criteria = { yes = "obligations are mutual", no = "one side carries the risk" }

[pipe.assess.questions.clarity]
question = "How clear is it?"
levels = ["opaque", "dense", "clear"]

[pipe.summarise]
type = "PipeLLM"
description = "A one-page summary"
inputs = { pages = "Page[]" }
output = "Text"
prompt = """
Summarise this contract, naming its parties:
@pages
"""
'''

BASES["docgen_letter"] = """domain = "letters"
description = "A letter written, then printed"
main_pipe = "send_letter"

[concept.Letter]
description = "A letter to a customer"
refines = "Text"

[pipe.send_letter]
type = "PipeSequence"
description = "Write then print"
inputs = { request = "Text" }
output = "Document"
steps = [
    { pipe = "write_letter", result = "summary" },
    { pipe = "print_summary", result = "report" },
]

[pipe.write_letter]
type = "PipeLLM"
description = "Write the letter"
inputs = { request = "Text" }
output = "Letter"
prompt = "Write a short letter answering: $request"

[pipe.print_summary]
type = "PipeDocGen"
description = "The letter as a PDF"
inputs = { summary = "Letter" }
output = "Document"
format = "pdf"
filename = "summary.pdf"
template = "$summary"
"""

BASES["poster_studio"] = '''domain = "poster_studio"
description = "Posters for an event, two variants, checked by a vision model"
main_pipe = "make_posters"

[concept.EventBrief]
description = "What the event is"

[concept.EventBrief.structure]
title = { type = "text", description = "Event title", required = true }
when = { type = "datetime", description = "When it starts" }
mood = { type = "text", description = "The mood", choices = ["calm", "festive", "serious"] }

[concept.PosterPrompt]
description = "A prompt for the poster generator"
refines = "Text"

[concept.PosterCheck]
description = "Does a poster show the title legibly"
refines = "YesNo"

[pipe.make_posters]
type = "PipeSequence"
description = "Prompt, two posters, a check of each"
inputs = { brief = "EventBrief" }
output = "PosterCheck[]"
steps = [
    { pipe = "write_prompt", result = "poster_prompt" },
    { pipe = "draw_posters", result = "posters" },
    { pipe = "check_poster", batch_over = "posters", batch_as = "poster", result = "checks" },
]

[pipe.write_prompt]
type = "PipeLLM"
description = "Write the prompt"
inputs = { brief = "EventBrief" }
output = "PosterPrompt"
model = { model = "$writing-creative", temperature = 0.9, max_tokens = 800 }
prompt = "Write an image prompt for a $brief.mood poster announcing $brief.title."

[pipe.draw_posters]
type = "PipeImgGen"
description = "Two variants"
inputs = { poster_prompt = "PosterPrompt" }
output = "Image[2]"
prompt = "$poster_prompt"
negative_prompt = "blurry text"
aspect_ratio = "portrait_3_4"
output_format = "png"
seed = 42

[pipe.check_poster]
type = "PipeLLM"
description = "Is the title legible"
inputs = { poster = "Image" }
output = "PosterCheck"
model = "$vision"
prompt = """
Is the event title legible on this poster?
$poster
"""
'''

BASES["desk_models"] = """domain = "desk_models"
description = "The same answer written with several model references"
main_pipe = "answer_all"

[concept]
Question = "A question from a reader"
Answer = "An answer to a reader"

[concept.Facts]
description = "Facts gathered for an answer"

[concept.Facts.structure]
facts = { type = "list", item_type = "text", description = "Facts", required = true }
checked = { type = "boolean", description = "Were they checked", default_value = false }

[pipe.answer_all]
type = "PipeParallel"
description = "Three drafts side by side"
inputs = { question = "Question" }
output = "Composite"
branches = [
    { pipe = "answer_preset", result = "by_preset" },
    { pipe = "answer_alias", result = "by_alias" },
    { pipe = "answer_table", result = "by_table" },
    { pipe = "gather_facts", result = "facts" },
]

[pipe.answer_preset]
type = "PipeLLM"
description = "With a preset"
inputs = { question = "Question" }
output = "Answer"
model = "$writing-factual"
prompt = "Answer: $question"

[pipe.answer_alias]
type = "PipeLLM"
description = "With an alias"
inputs = { question = "Question" }
output = "Answer"
model = "@default-general"
prompt = "Answer: $question"

[pipe.answer_table]
type = "PipeLLM"
description = "With an inline table"
inputs = { question = "Question" }
output = "Answer"
model = { model = "@default-premium", temperature = 0.2 }
prompt = "Answer: $question"

[pipe.gather_facts]
type = "PipeLLM"
description = "Facts, structured by a small model"
inputs = { question = "Question" }
output = "Facts"
model = "@default-general"
model_to_structure = "@default-small-structured"
structuring_method = "preliminary_text"
prompt = "List the facts needed to answer: $question"
"""

BASES["reading_hints"] = '''domain = "reading_hints"
description = "A book-club card with intent hints"
main_pipe = "write_card"

[concept.BookTitle]
description = "A book's title"
hints = { intent = "label" }

[concept.ClubCard]
description = "The month's card"

[concept.ClubCard.structure]
headline = { type = "text", description = "Headline", hints = { intent = "label" }, required = true }
blurb = { type = "text", description = "A blurb", hints = { intent = "prose" } }
seats = { type = "integer", description = "Seats", hints = { intent = "quantity" } }
score = { type = "integer", description = "The club's score", hints = { intent = "rating" } }

[pipe.write_card]
type = "PipeLLM"
description = "Write the card"
inputs = { title = "BookTitle", notes = { concept = "Text", hints = { intent = "prose" } } }
output = "ClubCard"
prompt = """
A card for:
@title

Notes:
@notes
"""
'''

BASES["native_inputs"] = '''domain = "native_inputs"
description = "A planner reading natives of every kind"
main_pipe = "plan_day"

[pipe.plan_day]
type = "PipeLLM"
description = "Plan a day from natives"
inputs = { day = "Date", start = "Time", budget = "Number", rainy = "YesNo", style = "Choice", mood = "Rating", prefs = "JSON", album = "TextAndImages", guide = "Document" }
output = "Text"
prompt = """
Plan a day on $day starting at $start with a budget of $budget.
Rain: $rainy. Style: $style. Mood: $mood.
Preferences:
@prefs

Last trip:
@album

The guide:
$guide
"""
'''

BASES["search_and_pages"] = '''domain = "search_pages"
description = "Search the web, read a page, keep the facts"
main_pipe = "research"

[concept.SourcePage]
description = "A web page to read"
refines = "Document"

[concept.Finding]
description = "A finding with its source"

[concept.Finding.structure]
claim = { type = "text", description = "The claim", required = true }
source = { type = "concept", concept_ref = "Document", description = "Where it comes from" }
page = { type = "concept", concept_ref = "Page", description = "The page it was read on" }

[pipe.research]
type = "PipeSequence"
description = "Search, read, find"
inputs = { topic = "Text", page_url = "SourcePage" }
output = "Finding[]"
steps = [
    { pipe = "search_topic", result = "results" },
    { pipe = "read_page", result = "pages" },
    { pipe = "find_claims", result = "findings" },
]

[pipe.search_topic]
type = "PipeSearch"
description = "Search the web"
inputs = { topic = "Text" }
output = "SearchResult"
prompt = "Latest reliable sources on $topic"
max_results = 5

[pipe.read_page]
type = "PipeExtract"
description = "Read the web page"
inputs = { page_url = "SourcePage" }
output = "Page[]"
model = "@default-extract-web-page"
render_js = true
include_raw_html = false

[pipe.find_claims]
type = "PipeLLM"
description = "The claims"
inputs = { results = "SearchResult", pages = "Page[]" }
output = "Finding[]"
prompt = """
From these search results:
@results

and this page:
@pages

list the claims with their sources.
"""
'''

MUTATIONS: dict[str, tuple[str, str]] = {
    # --- natives as outputs of a PipeLLM ------------------------------------------------------------------
    "llm_out_image": ('output = "Markdown"\nsystem_prompt', 'output = "Image"\nsystem_prompt'),
    "llm_out_image_list": ('output = "Markdown"\nsystem_prompt', 'output = "Image[]"\nsystem_prompt'),
    "llm_out_refined_image": (
        'output = "PosterCheck"\nmodel = "$vision"',
        'output = "Image"\nmodel = "$vision"',
    ),
    "llm_out_html": ('output = "Markdown"\nsystem_prompt', 'output = "Html"\nsystem_prompt'),
    "llm_out_json": ('output = "Markdown"\nsystem_prompt', 'output = "JSON"\nsystem_prompt'),
    "llm_out_json_lower": ('output = "Markdown"\nsystem_prompt', 'output = "Json"\nsystem_prompt'),
    "llm_out_number": ('output = "Markdown"\nsystem_prompt', 'output = "Number"\nsystem_prompt'),
    "llm_out_date": ('output = "Markdown"\nsystem_prompt', 'output = "Date"\nsystem_prompt'),
    "llm_out_time": ('output = "Markdown"\nsystem_prompt', 'output = "Time"\nsystem_prompt'),
    "llm_out_page": ('output = "Markdown"\nsystem_prompt', 'output = "Page"\nsystem_prompt'),
    "llm_out_document": ('output = "Markdown"\nsystem_prompt', 'output = "Document"\nsystem_prompt'),
    "llm_out_text_and_images": (
        'output = "Markdown"\nsystem_prompt',
        'output = "TextAndImages"\nsystem_prompt',
    ),
    "llm_out_search_result": ('output = "Markdown"\nsystem_prompt', 'output = "SearchResult"\nsystem_prompt'),
    "llm_out_anything": ('output = "Markdown"\nsystem_prompt', 'output = "Anything"\nsystem_prompt'),
    "llm_out_dynamic": ('output = "Markdown"\nsystem_prompt', 'output = "Dynamic"\nsystem_prompt'),
    "llm_out_composite": ('output = "Markdown"\nsystem_prompt', 'output = "Composite"\nsystem_prompt'),
    "llm_out_native_qualified": (
        'output = "Markdown"\nsystem_prompt',
        'output = "native.Markdown"\nsystem_prompt',
    ),
    "llm_out_native_bad_qualifier": (
        'output = "Markdown"\nsystem_prompt',
        'output = "natives.Markdown"\nsystem_prompt',
    ),
    "llm_out_pdf_old_name": ('output = "Markdown"\nsystem_prompt', 'output = "PDF"\nsystem_prompt'),
    "llm_out_choice_list": ('output = "Urgency"\nprompt', 'output = "Choice[]"\nprompt'),
    "llm_out_rating_fixed": ('output = "Urgency"\nprompt', 'output = "Rating[3]"\nprompt'),
    "llm_out_yesno_native": (
        'output = "PosterCheck"\nmodel = "$vision"',
        'output = "YesNo"\nmodel = "$vision"',
    ),
    "solo_out_image": ('output = "Text"\nprompt = """\nPlan', 'output = "Image"\nprompt = """\nPlan'),
    "solo_out_image_list": ('output = "Text"\nprompt = """\nPlan', 'output = "Image[]"\nprompt = """\nPlan'),
    "solo_out_page_list": ('output = "Text"\nprompt = """\nPlan', 'output = "Page[]"\nprompt = """\nPlan'),
    "solo_out_html": ('output = "Text"\nprompt = """\nPlan', 'output = "Html"\nprompt = """\nPlan'),
    "solo_out_json": ('output = "Text"\nprompt = """\nPlan', 'output = "JSON"\nprompt = """\nPlan'),
    "solo_out_number": ('output = "Text"\nprompt = """\nPlan', 'output = "Number"\nprompt = """\nPlan'),
    "solo_out_date": ('output = "Text"\nprompt = """\nPlan', 'output = "Date"\nprompt = """\nPlan'),
    "solo_out_time": ('output = "Text"\nprompt = """\nPlan', 'output = "Time"\nprompt = """\nPlan'),
    "solo_out_yesno": ('output = "Text"\nprompt = """\nPlan', 'output = "YesNo"\nprompt = """\nPlan'),
    "solo_out_choice": ('output = "Text"\nprompt = """\nPlan', 'output = "Choice"\nprompt = """\nPlan'),
    "solo_out_rating": ('output = "Text"\nprompt = """\nPlan', 'output = "Rating"\nprompt = """\nPlan'),
    "solo_out_document": ('output = "Text"\nprompt = """\nPlan', 'output = "Document"\nprompt = """\nPlan'),
    "solo_out_textandimages": (
        'output = "Text"\nprompt = """\nPlan',
        'output = "TextAndImages"\nprompt = """\nPlan',
    ),
    "solo_out_searchresult": (
        'output = "Text"\nprompt = """\nPlan',
        'output = "SearchResult"\nprompt = """\nPlan',
    ),
    "solo_out_anything": ('output = "Text"\nprompt = """\nPlan', 'output = "Anything"\nprompt = """\nPlan'),
    "solo_out_composite": ('output = "Text"\nprompt = """\nPlan', 'output = "Composite"\nprompt = """\nPlan'),
    "solo_out_dynamic": ('output = "Text"\nprompt = """\nPlan', 'output = "Dynamic"\nprompt = """\nPlan'),
    "solo_out_markdown_two": (
        'output = "Text"\nprompt = """\nPlan',
        'output = "Markdown[2]"\nprompt = """\nPlan',
    ),
    # --- natives as inputs ----------------------------------------------------------------------------------
    "in_anything": ('budget = "Number"', 'budget = "Anything"'),
    "in_dynamic": ('budget = "Number"', 'budget = "Dynamic"'),
    "in_composite": ('budget = "Number"', 'budget = "Composite"'),
    "in_html": ('prefs = "JSON"', 'prefs = "Html"'),
    "in_page_list": ('album = "TextAndImages"', 'album = "Page[]"'),
    "in_search_result": ('album = "TextAndImages"', 'album = "SearchResult"'),
    "in_image_unreferenced": ("The guide:\n$guide\n", "The guide is attached.\n"),
    "in_image_block": ("The guide:\n$guide\n", "The guide:\n@guide\n"),
    "in_date_field": ("on $day starting", "on $day.date starting"),
    "in_date_bad_field": ("on $day starting", "on $day.weekday starting"),
    "in_number_field": ("budget of $budget.", "budget of $budget.number."),
    "in_rating_field": ("Mood: $mood.", "Mood: $mood.level."),
    "in_choice_bad_field": ("Style: $style.", "Style: $style.label."),
    "in_json_field": ("@prefs\n", "$prefs.json_obj\n"),
    "in_unknown_native": ('style = "Choice"', 'style = "Selection"'),
    "in_lower_native": ('style = "Choice"', 'style = "choice"'),
    # --- natives refined -------------------------------------------------------------------------------------
    "refine_html": ('refines = "Text"\n\n[concept.Urgency]', 'refines = "Html"\n\n[concept.Urgency]'),
    "refine_page": ('refines = "Document"\n\n[concept.Finding]', 'refines = "Page"\n\n[concept.Finding]'),
    "refine_json": ('refines = "Text"\n\n[concept.Urgency]', 'refines = "JSON"\n\n[concept.Urgency]'),
    "refine_markdown": ('refines = "Text"\n\n[concept.Urgency]', 'refines = "Markdown"\n\n[concept.Urgency]'),
    "refine_number_for_rating": ('refines = "Rating"', 'refines = "Number"'),
    "refine_yesno_for_choice": ('refines = "Choice"', 'refines = "YesNo"'),
    "refine_image_doc": ('refines = "Document"\n\n[concept.Party]', 'refines = "Image"\n\n[concept.Party]'),
    "refine_qualified_native": ('refines = "Rating"', 'refines = "native.Rating"'),
    "refine_page_native_list": ('refines = "Rating"', 'refines = "Rating[]"'),
    # --- native redeclaration -------------------------------------------------------------------------------
    "redeclare_native_text": (
        "[concept.CustomerMessage]",
        '[concept.Text]\ndescription = "My own text"\n\n[concept.CustomerMessage]',
    ),
    "redeclare_native_shorthand": (
        '[concept]\nQuestion = "A question',
        '[concept]\nNumber = "A number"\nQuestion = "A question',
    ),
    "redeclare_native_rating": ("[concept.Urgency]", "[concept.Rating]"),
    "redeclare_native_page_structured": (
        "[concept.Finding]",
        '[concept.Page]\ndescription = "A page"\n\n[concept.Page.structure]\nbody = { type = "text", description = "Body" }\n\n[concept.Finding]',
    ),
    "declare_native_lookalike": (
        "[concept.CustomerMessage]",
        '[concept.TextBlock]\ndescription = "A block of text"\nrefines = "Text"\n\n[concept.CustomerMessage]',
    ),
    # --- structured fields of native concepts ---------------------------------------------------------------
    "field_concept_image": (
        'concept_ref = "JSON", description = "Anything else"',
        'concept_ref = "Image", description = "Anything else"',
    ),
    "field_concept_anything": (
        'concept_ref = "JSON", description = "Anything else"',
        'concept_ref = "Anything", description = "Anything else"',
    ),
    "field_concept_dynamic": (
        'concept_ref = "JSON", description = "Anything else"',
        'concept_ref = "Dynamic", description = "Anything else"',
    ),
    "field_concept_composite": (
        'concept_ref = "JSON", description = "Anything else"',
        'concept_ref = "Composite", description = "Anything else"',
    ),
    "field_concept_time": (
        'concept_ref = "Date", description = "When an answer is due"',
        'concept_ref = "Time", description = "When an answer is due"',
    ),
    "field_concept_unknown": (
        'concept_ref = "Date", description = "When an answer is due"',
        'concept_ref = "Deadline", description = "When an answer is due"',
    ),
    "field_list_of_pages": (
        'item_concept_ref = "Markdown", description = "Notes"',
        'item_concept_ref = "Page", description = "Notes"',
    ),
    "field_list_item_native_code": (
        'item_type = "concept", item_concept_ref = "Markdown", description = "Notes"',
        'item_type = "Markdown", description = "Notes"',
    ),
    "field_list_of_search_results": (
        'item_concept_ref = "Markdown", description = "Notes"',
        'item_concept_ref = "SearchResult", description = "Notes"',
    ),
    "field_concept_searchresult": (
        'concept_ref = "Document", description = "Where it comes from"',
        'concept_ref = "SearchResult", description = "Where it comes from"',
    ),
    "field_time_scalar": (
        'signed_on = { type = "date", description = "Date of signature" }',
        'signed_on = { type = "time", description = "Time of signature" }',
    ),
    "field_datetime_default_toml": (
        'when = { type = "datetime", description = "When it starts" }',
        'when = { type = "datetime", description = "When it starts", default_value = 2026-06-01T18:00:00 }',
    ),
    "field_choices_default": (
        'choices = ["calm", "festive", "serious"] }',
        'choices = ["calm", "festive", "serious"], default_value = "calm" }',
    ),
    "field_choices_default_outside": (
        'choices = ["calm", "festive", "serious"] }',
        'choices = ["calm", "festive", "serious"], default_value = "angry" }',
    ),
    "field_choices_on_integer": (
        'role = { type = "text", description = "Role in the contract", choices = ["buyer", "seller", "guarantor"] }',
        'role = { type = "integer", description = "Role in the contract", choices = [1, 2, 3] }',
    ),
    "field_boolean_default_string": ("default_value = false }", 'default_value = "no" }'),
    "field_required_and_default": ("default_value = false }", "default_value = false, required = true }"),
    # --- operators: PipeImgGen ------------------------------------------------------------------------------
    "img_output_text": ('output = "Image[2]"', 'output = "Text"'),
    "img_output_list": ('output = "Image[2]"', 'output = "Image[]"'),
    "img_output_refined": ('output = "Image[2]"', 'output = "PosterPrompt"'),
    "img_background_transparent": (
        'output_format = "png"',
        'output_format = "png"\nbackground = "transparent"',
    ),
    "img_background_bad": ('output_format = "png"', 'output_format = "png"\nbackground = "clear"'),
    "img_negative_prompt_var": ('negative_prompt = "blurry text"', 'negative_prompt = "$poster_prompt"'),
    "img_seed_auto": ("seed = 42", 'seed = "auto"'),
    "img_seed_word": ("seed = 42", 'seed = "random"'),
    "img_model_preset": ('output_format = "png"', 'output_format = "png"\nmodel = "$gen-image"'),
    "img_model_unknown_preset": ('output_format = "png"', 'output_format = "png"\nmodel = "$gen-picture"'),
    "img_model_llm_preset": ('output_format = "png"', 'output_format = "png"\nmodel = "$writing-factual"'),
    "img_model_waterfall": ('output_format = "png"', 'output_format = "png"\nmodel = "~gen-image"'),
    "img_aspect_square": ('aspect_ratio = "portrait_3_4"', 'aspect_ratio = "square"'),
    "img_aspect_bad": ('aspect_ratio = "portrait_3_4"', 'aspect_ratio = "portrait_4_5"'),
    "img_size_1k": ('aspect_ratio = "portrait_3_4"', 'size = "1k"'),
    "img_prompt_missing": ('prompt = "$poster_prompt"\n', ""),
    "img_temperature": ("seed = 42", "seed = 42\ntemperature = 0.5"),
    # --- operators: PipeLLM settings --------------------------------------------------------------------------
    "llm_table_reasoning_effort": ("temperature = 0.9, max_tokens = 800", 'reasoning_effort = "high"'),
    "llm_table_reasoning_on_alias": (
        'model = { model = "@default-premium", temperature = 0.2 }',
        'model = { model = "@default-premium", reasoning_effort = "low" }',
    ),
    "llm_table_reasoning_budget": ("temperature = 0.9, max_tokens = 800", "reasoning_budget = 2000"),
    "llm_table_both_reasoning": (
        "temperature = 0.9, max_tokens = 800",
        'reasoning_effort = "high", reasoning_budget = 2000',
    ),
    "llm_table_unknown_key": ("temperature = 0.9, max_tokens = 800", "temperature = 0.9, top_p = 0.5"),
    "llm_table_handle": (
        'model = { model = "@default-premium", temperature = 0.2 }',
        'model = { model = "gpt-4o", temperature = 0.2 }',
    ),
    "llm_table_unknown_handle": (
        'model = { model = "@default-premium", temperature = 0.2 }',
        'model = { model = "gpt-17-ultra", temperature = 0.2 }',
    ),
    "llm_handle_bare": ('model = "@default-general"\nprompt', 'model = "gpt-4o-mini"\nprompt'),
    "llm_handle_unknown": ('model = "@default-general"\nprompt', 'model = "gpt-17-ultra"\nprompt'),
    "llm_preset_unknown": ('model = "$writing-factual"', 'model = "$writing-poetic"'),
    "llm_alias_unknown": ('model = "@default-general"\nprompt', 'model = "@default-generic"\nprompt'),
    "llm_waterfall_unknown": ('model = "@default-general"\nprompt', 'model = "~no-such-chain"\nprompt'),
    "llm_long_preset": ('model = "$writing-factual"', 'model = "preset:writing-factual"'),
    "llm_long_handle": ('model = "@default-general"\nprompt', 'model = "handle:gpt-4o-mini"\nprompt'),
    "llm_img_alias": ('model = "@default-general"\nprompt', 'model = "@default-img-gen"\nprompt'),
    "llm_extract_alias": ('model = "@default-general"\nprompt', 'model = "@default-text-from-pdf"\nprompt'),
    "llm_to_structure_on_text": (
        'output = "Answer"\nmodel = "$writing-factual"',
        'output = "Answer"\nmodel = "$writing-factual"\nmodel_to_structure = "@default-small-structured"',
    ),
    "llm_structuring_direct": ('structuring_method = "preliminary_text"', 'structuring_method = "direct"'),
    "llm_structuring_bad": ('structuring_method = "preliminary_text"', 'structuring_method = "two_steps"'),
    "llm_templating_ticks": (
        'system_prompt = "You answer',
        'templating_style = "ticks"\nsystem_prompt = "You answer',
    ),
    "llm_system_prompt_var": (
        'system_prompt = "You answer customers politely."',
        'system_prompt = "You answer customers politely about $ticket.subject."',
    ),
    "llm_system_prompt_image": (
        'system_prompt = "You answer customers politely."',
        'system_prompt = "You answer customers politely."\nnb_output = 2',
    ),
    "llm_prompt_missing_image_only": (
        'prompt = """\nOpen a support ticket for this message:\n@message\n\nThe customer attached this screenshot:\n$screenshot\n"""',
        'prompt = """\nOpen a support ticket for this message:\n@message\n"""',
    ),
    "llm_no_prompt": ('prompt = "Rate from 1 to 5 how urgent this ticket is: $ticket.subject"\n', ""),
    # --- operators: PipeCompose -------------------------------------------------------------------------------
    "compose_out_markdown": ('output = "Html"\ntemplate', 'output = "Markdown"\ntemplate'),
    "compose_out_number": ('output = "Html"\ntemplate', 'output = "Number"\ntemplate'),
    "compose_out_json": ('output = "Html"\ntemplate', 'output = "JSON"\ntemplate'),
    "compose_out_image": ('output = "Html"\ntemplate', 'output = "Image"\ntemplate'),
    "compose_template_table_html": (
        'template = "<article>{{ answer.text }}</article>"',
        'template = { template = "<article>{{ answer.text }}</article>", category = "html" }',
    ),
    "compose_template_category_bad": (
        'template = "<article>{{ answer.text }}</article>"',
        'template = { template = "<article>{{ answer.text }}</article>", category = "xml" }',
    ),
    "compose_markdown_filter": (
        'template = "<article>{{ answer.text }}</article>"',
        'template = { template = "<article>{{ answer.text | markdown }}</article>", category = "html" }',
    ),
    "compose_bad_field": (
        'template = "<article>{{ answer.text }}</article>"',
        'template = "<article>{{ answer.body }}</article>"',
    ),
    "compose_construct_on_html": (
        'template = "<article>{{ answer.text }}</article>"',
        'construct = { inner_html = { from = "answer.text" } }',
    ),
    # --- operators: PipeExtract / PipeStructure / PipeSearch / PipeDocGen / PipeJudge ------------------------
    "extract_output_text": (
        'output = "Page[]"\nmodel = "@default-text-from-pdf"',
        'output = "Text"\nmodel = "@default-text-from-pdf"',
    ),
    "extract_output_single_page": (
        'output = "Page[]"\nmodel = "@default-text-from-pdf"',
        'output = "Page"\nmodel = "@default-text-from-pdf"',
    ),
    "extract_two_inputs": (
        'inputs = { scan = "ContractScan" }\noutput = "Page[]"',
        'inputs = { scan = "ContractScan", cover = "Image" }\noutput = "Page[]"',
    ),
    "extract_llm_model": ('model = "@default-text-from-pdf"', 'model = "@default-general"'),
    "extract_dpi": ("page_views = true", "page_views = true\npage_views_dpi = 150"),
    "extract_prompt": ("page_views = true", 'page_views = true\nprompt = "Read $scan"'),
    "extract_text_input": (
        'inputs = { scan = "ContractScan" }\noutput = "Page[]"',
        'inputs = { scan = "Text" }\noutput = "Page[]"',
    ),
    "structure_output_text": ('output = "Party[]"\nmodel', 'output = "Text"\nmodel'),
    "structure_no_model": (
        'output = "Party[]"\nmodel = "@default-small-structured"\n',
        'output = "Party[]"\n',
    ),
    "structure_prompt": (
        'model = "@default-small-structured"\n',
        'model = "@default-small-structured"\nprompt = "Parties of $summary"\n',
    ),
    "structure_img_model": ('model = "@default-small-structured"', 'model = "@default-img-gen"'),
    "structure_two_inputs": (
        'inputs = { summary = "Text" }\noutput = "Party[]"',
        'inputs = { summary = "Text", scan = "ContractScan" }\noutput = "Party[]"',
    ),
    "structure_list_input": (
        'inputs = { summary = "Text" }\noutput = "Party[]"',
        'inputs = { summary = "Page[]" }\noutput = "Party[]"',
    ),
    "structure_single_output": (
        'inputs = { summary = "Text" }\noutput = "Party[]"',
        'inputs = { summary = "Text" }\noutput = "Party"',
    ),
    "search_output_text": ('output = "SearchResult"\nprompt', 'output = "Text"\nprompt'),
    "search_output_document": ('output = "SearchResult"\nprompt', 'output = "Document[]"\nprompt'),
    "search_output_structured": ('output = "SearchResult"\nprompt', 'output = "Finding"\nprompt'),
    "search_no_prompt": ('prompt = "Latest reliable sources on $topic"\n', ""),
    "search_llm_alias": ("max_results = 5", 'max_results = 5\nmodel = "@default-general"'),
    "search_include_domains": (
        "max_results = 5",
        'max_results = 5\ninclude_domains = ["who.int", "nih.gov"]',
    ),
    "search_to_date": ("max_results = 5", 'max_results = 5\nto_date = "2026-02-30"'),
    "docgen_xlsx": ('format = "pdf"', 'format = "xlsx"'),
    "docgen_bad_format": ('format = "pdf"', 'format = "odt"'),
    "docgen_no_format": ('format = "pdf"\n', ""),
    "docgen_output_text": ('output = "Document"\nformat', 'output = "Text"\nformat'),
    "docgen_output_refined": ('output = "Document"\nformat', 'output = "ContractScan"\nformat'),
    "docgen_template_var_unknown": ('template = "$summary"', 'template = "$summary $signature"'),
    "docgen_no_template": ('template = "$summary"\n', ""),
    "docgen_template_file": ('template = "$summary"', 'template_file = "summary.html"'),
    "docgen_llm_model": ('filename = "summary.pdf"', 'filename = "summary.pdf"\nmodel = "@default-general"'),
    "docgen_filename_ext": ('filename = "summary.pdf"', 'filename = "summary.docx"'),
    "judge_levels_bare_one": ('levels = ["opaque", "dense", "clear"]', 'levels = ["clear"]'),
    "judge_criteria_only_yes": (
        'criteria = { yes = "obligations are mutual", no = "one side carries the risk" }',
        'criteria = { yes = "obligations are mutual" }',
    ),
    "judge_question_missing_field": (
        "[pipe.assess.questions.clarity]",
        '[pipe.assess.questions.length]\nquestion = "Is it long?"\ncriteria = { yes = "long", no = "short" }\n\n[pipe.assess.questions.clarity]',
    ),
    "judge_kind_mismatch": (
        'levels = ["opaque", "dense", "clear"]',
        'criteria = { yes = "clear", no = "opaque" }',
    ),
    "judge_threshold": (
        'levels = ["opaque", "dense", "clear"]',
        'levels = ["opaque", "dense", "clear"]\nthreshold = 0.5',
    ),
    "judge_threshold_high": (
        'levels = ["opaque", "dense", "clear"]',
        'levels = ["opaque", "dense", "clear"]\nthreshold = 1.5',
    ),
    "judge_llm_preset": ('model = "@default-judgment"', 'model = "$writing-factual"'),
    # --- intent hints --------------------------------------------------------------------------------------
    "hint_unknown_intent": ('hints = { intent = "label" }\n', 'hints = { intent = "headline" }\n'),
    "hint_unknown_key": ('hints = { intent = "label" }\n', 'hints = { intent = "label", colour = "red" }\n'),
    "hint_only_unknown_key": ('hints = { intent = "label" }\n', 'hints = { widget = "slider" }\n'),
    "hint_inapplicable_quantity_text": (
        'hints = { intent = "label" }, required = true',
        'hints = { intent = "quantity" }, required = true',
    ),
    "hint_inapplicable_prose_integer": ('hints = { intent = "quantity" }', 'hints = { intent = "prose" }'),
    "hint_intent_int": ('hints = { intent = "label" }\n', "hints = { intent = 3 }\n"),
    "hint_field_int": ('hints = { intent = "quantity" }', "hints = { intent = 4 }"),
    "hint_input_bool": ('hints = { intent = "prose" } } }', "hints = { intent = true } } }"),
    "hint_nested_table": (
        'hints = { intent = "label" }\n',
        'hints = { intent = "label", extra = { a = "b" } }\n',
    ),
    "hint_not_table": ('hints = { intent = "label" }\n', 'hints = "label"\n'),
    "hint_empty": ('hints = { intent = "label" }\n', "hints = {}\n"),
    "hint_on_pipe": (
        'description = "Write the card"\n',
        'description = "Write the card"\nhints = { intent = "prose" }\n',
    ),
    "hint_input_unknown_intent": ('hints = { intent = "prose" } } }', 'hints = { intent = "essay" } } }'),
    "hint_input_no_concept": (
        'notes = { concept = "Text", hints = { intent = "prose" } }',
        'notes = { hints = { intent = "prose" } }',
    ),
    "hint_input_extra_key": (
        'notes = { concept = "Text", hints = { intent = "prose" } }',
        'notes = { concept = "Text", label = "Notes" }',
    ),
    "hint_input_concept_only": (
        'notes = { concept = "Text", hints = { intent = "prose" } }',
        'notes = { concept = "Text" }',
    ),
    "hint_input_list": (
        'notes = { concept = "Text", hints = { intent = "prose" } }',
        'notes = { concept = "Text[]", hints = { intent = "prose" } }',
    ),
    "hint_rating_on_rating_field": (
        'score = { type = "integer", description = "The club\'s score", hints = { intent = "rating" } }',
        'score = { type = "concept", concept_ref = "Rating", description = "The club\'s score", hints = { intent = "rating" } }',
    ),
    "hint_rating_on_text": (
        'blurb = { type = "text", description = "A blurb", hints = { intent = "prose" } }',
        'blurb = { type = "text", description = "A blurb", hints = { intent = "rating" } }',
    ),
    "hint_on_refined_concept": (
        'description = "The month\'s card"\n',
        'description = "The month\'s card"\nhints = { intent = "prose" }\n',
    ),
    # --- concept definitions -----------------------------------------------------------------------------------
    "concept_refines_and_structure": (
        '[concept.Ticket]\ndescription = "A support ticket"\n',
        '[concept.Ticket]\ndescription = "A support ticket"\nrefines = "Text"\n',
    ),
    "concept_refines_unknown": ('refines = "Choice"', 'refines = "Category"'),
    "concept_refines_other_domain": ('refines = "Choice"', 'refines = "catalog.Category"'),
    "concept_no_description": ('[concept.Ticket]\ndescription = "A support ticket"\n', "[concept.Ticket]\n"),
    "concept_lower_name": ("[concept.Ticket]", "[concept.ticket]"),
    "concept_structure_empty": (
        '[concept.Facts.structure]\nfacts = { type = "list", item_type = "text", description = "Facts", required = true }\nchecked = { type = "boolean", description = "Were they checked", default_value = false }\n',
        "[concept.Facts.structure]\n",
    ),
    "concept_unused": (
        '[concept]\nQuestion = "A question',
        '[concept]\nUnused = "Nobody uses this"\nQuestion = "A question',
    ),
    "concept_field_reserved": ('subject = { type = "text"', 'text = { type = "text"'),
    "concept_field_keyword": ('subject = { type = "text"', 'class = { type = "text"'),
    "concept_field_underscore": ('subject = { type = "text"', '_subject = { type = "text"'),
    "concept_field_bad_type": ('subject = { type = "text"', 'subject = { type = "string"'),
    "concept_field_shorthand": (
        'subject = { type = "text", description = "Subject line", required = true }',
        'subject = "Subject line"',
    ),
}

_ATTACHMENT = (
    "[concept.Ticket]\n",
    '[concept.Attachment]\ndescription = "A file the customer attached"\n\n[concept.Attachment.structure]\n'
    'shot = { type = "concept", concept_ref = "Image", description = "The screenshot" }\n\n[concept.Ticket]\n',
)
_SHOT = (
    "[concept.Ticket]\n",
    '[concept.Shot]\ndescription = "A screenshot"\nrefines = "Image"\n\n[concept.Ticket]\n',
)
_EXTRAS = 'concept_ref = "JSON", description = "Anything else"'
_EXTRAS_FIELD = 'type = "concept", concept_ref = "JSON", description = "Anything else"'

COMBINED: dict[str, list[tuple[str, str]]] = {
    # an image reached through a field: directly, in a list, refined, nested, optional, inside natives
    "field_list_of_images": [
        (
            _EXTRAS_FIELD,
            'type = "list", item_type = "concept", item_concept_ref = "Image", description = "Shots"',
        )
    ],
    "field_list_of_images_code": [
        (_EXTRAS_FIELD, 'type = "list", item_type = "Image", description = "Shots"')
    ],
    "field_refined_image": [_SHOT, (_EXTRAS, 'concept_ref = "Shot", description = "Shot"')],
    "field_nested_image": [_ATTACHMENT, (_EXTRAS, 'concept_ref = "Attachment", description = "Attachment"')],
    "field_nested_image_list": [
        _ATTACHMENT,
        (
            _EXTRAS_FIELD,
            'type = "list", item_type = "concept", item_concept_ref = "Attachment", description = "Files"',
        ),
    ],
    "field_image_required": [(_EXTRAS, 'concept_ref = "Image", description = "Shot", required = true')],
    "field_text_and_images": [(_EXTRAS, 'concept_ref = "TextAndImages", description = "Shot"')],
    "field_page": [(_EXTRAS, 'concept_ref = "Page", description = "Page"')],
    "field_document": [(_EXTRAS, 'concept_ref = "Document", description = "Doc"')],
    "field_image_on_structure_output": [
        (
            'signed_on = { type = "date", description = "Date of signature" }',
            'signature = { type = "concept", concept_ref = "Image", description = "The signature" }',
        ),
    ],
    # PipeCompose construct into natives that have fields
    "construct_text": [
        (
            'output = "Html"\ntemplate = "<article>{{ answer.text }}</article>"',
            'output = "Text"\nconstruct = { text = { from = "answer.text" } }',
        ),
        ('output = "Html"\nsteps', 'output = "Text"\nsteps'),
    ],
    "construct_html_template_field": [
        (
            'template = "<article>{{ answer.text }}</article>"',
            'construct = { inner_html = { template = "<p>$answer</p>" }, css_class = "answer" }',
        ),
    ],
    "construct_html_bad_field": [
        (
            'template = "<article>{{ answer.text }}</article>"',
            'construct = { body = { from = "answer.text" } }',
        ),
    ],
    "construct_number": [
        (
            'output = "Html"\ntemplate = "<article>{{ answer.text }}</article>"',
            'output = "Number"\nconstruct = { number = 3 }',
        ),
        ('output = "Html"\nsteps', 'output = "Number"\nsteps'),
    ],
    "construct_json": [
        (
            'output = "Html"\ntemplate = "<article>{{ answer.text }}</article>"',
            'output = "JSON"\nconstruct = { json_obj = { from = "answer" } }',
        ),
        ('output = "Html"\nsteps', 'output = "JSON"\nsteps'),
    ],
    "construct_image": [
        (
            'output = "Html"\ntemplate = "<article>{{ answer.text }}</article>"',
            'output = "Image"\nconstruct = { url = "https://example.com/a.png" }',
        ),
        ('output = "Html"\nsteps', 'output = "Image"\nsteps'),
    ],
    "construct_yesno": [
        (
            'output = "Html"\ntemplate = "<article>{{ answer.text }}</article>"',
            'output = "YesNo"\nconstruct = { yes_no = true }',
        ),
        ('output = "Html"\nsteps', 'output = "YesNo"\nsteps'),
    ],
    "construct_refined_text": [
        (
            'output = "Html"\ntemplate = "<article>{{ answer.text }}</article>"',
            'output = "CustomerMessage"\nconstruct = { text = { from = "answer.text" } }',
        ),
        ('output = "Html"\nsteps', 'output = "CustomerMessage"\nsteps'),
    ],
}

# --- folders: multi-file libraries and packages --------------------------------------------------------------

_CATALOG = """domain = "shop"

[concept.Product]
description = "A product of the catalogue"

[concept.Product.structure]
name = { type = "text", description = "The product's name", required = true }
price = { type = "number", description = "Price in euros", required = true }

[pipe.describe_product]
type = "PipeLLM"
description = "A catalogue line"
inputs = { product = "Product" }
output = "Text"
prompt = "One catalogue line for $product.name at $product.price euros"
"""

_NEWSLETTER = """domain = "shop"
main_pipe = "write_newsletter"

[pipe.write_newsletter]
type = "PipeSequence"
description = "A newsletter from the products of the week"
inputs = { products = "Product[]" }
output = "Text"
steps = [
    { pipe = "describe_product", batch_over = "products", batch_as = "product", result = "lines" },
    { pipe = "assemble", result = "newsletter" },
]

[pipe.assemble]
type = "PipeCompose"
description = "Puts the lines together"
inputs = { lines = "Text[]" }
output = "Text"
template = "This week:\\n$lines"
"""

FOLDERS["lib_shop"] = {"catalog.mthds": _CATALOG, "newsletter.mthds": _NEWSLETTER}

FOLDERS["lib_two_domains"] = {
    "catalog.mthds": _CATALOG,
    "newsletter.mthds": _NEWSLETTER.replace('domain = "shop"', 'domain = "shop.newsletter"')
    .replace('"Product[]"', '"shop.Product[]"')
    .replace('pipe = "describe_product"', 'pipe = "shop.describe_product"'),
}

FOLDERS["lib_forward"] = {
    "bundle.mthds": """domain = "clinic"
main_pipe = "triage_visit"

[concept.Visit]
description = "A patient's visit note"
refines = "Text"

[concept.Triage]
description = "Where the patient goes next"

[concept.Triage.structure]
ward = { type = "text", description = "The ward", required = true }
urgent = { type = "boolean", description = "Seen today" }

[pipe.triage_visit]
type = "PipeSequence"
description = "Summarise then route"
inputs = { visit = "Visit" }
output = "Triage"
steps = [
    { pipe = "summarise_visit", result = "summary" },
    { pipe = "route_patient", result = "triage" },
]

[pipe.route_patient]
description = "Choose the ward"
inputs = { summary = "Text" }
output = "Triage"
signature_for = "PipeLLM"
""",
    "summaries.mthds": """domain = "clinic"

[pipe.summarise_visit]
type = "PipeLLM"
description = "Summarise the visit"
inputs = { visit = "Visit" }
output = "Text"
prompt = "Summarise this visit in three lines: $visit"
""",
    "routing.mthds": """domain = "clinic"

[pipe.route_patient]
type = "PipeLLM"
description = "Choose the ward"
inputs = { summary = "Text" }
output = "Triage"
prompt = "Which ward should see this patient? $summary"
""",
}

_PKG_MANIFEST = """[package]
address = "github.com/acme/harbour-tools"
version = "1.0.0"
description = "Berth allocation for a harbour"

[exports.harbour]
pipes = ["allocate_berth"]
"""

FOLDERS["pkg_harbour"] = {
    "METHODS.toml": _PKG_MANIFEST,
    "harbour.mthds": """domain = "harbour"
main_pipe = "allocate_berth"

[concept.Vessel]
description = "An arriving vessel"

[concept.Vessel.structure]
name = { type = "text", description = "The vessel's name", required = true }
length_m = { type = "number", description = "Length in metres", required = true }

[pipe.allocate_berth]
type = "PipeSequence"
description = "Check the vessel, then pick a berth"
inputs = { vessel = "Vessel" }
output = "Text"
steps = [
    { pipe = "check_vessel", result = "check" },
    { pipe = "pick_berth", result = "berth" },
]

[pipe.check_vessel]
type = "PipeLLM"
description = "Anything unusual about the vessel"
inputs = { vessel = "Vessel" }
output = "Text"
prompt = "Anything unusual about $vessel.name, $vessel.length_m m long?"

[pipe.pick_berth]
type = "PipeLLM"
description = "Pick a berth"
inputs = { check = "Text" }
output = "Text"
prompt = "Pick a berth given: $check"
""",
}

FOLDERS["lib_subpackage"] = {
    "catalog.mthds": _CATALOG,
    "newsletter.mthds": _NEWSLETTER,
    "pricing/METHODS.toml": _PKG_MANIFEST.replace("harbour-tools", "pricing")
    .replace("harbour", "pricing")
    .replace("allocate_berth", "price_product"),
    "pricing/pricing.mthds": """domain = "pricing"

[pipe.price_product]
type = "PipeLLM"
description = "A fair price"
inputs = { name = "Text" }
output = "Number"
prompt = "A fair price in euros for $name"
""",
}

FOLDER_MUTATIONS: dict[str, tuple[str, str]] = {
    # libraries
    "lib_duplicate_pipe": (
        'template = "This week:\\n$lines"\n',
        'template = "This week:\\n$lines"\n\n[pipe.describe_product]\ntype = "PipeLLM"\ndescription = "Again"\ninputs = { product = "Product" }\noutput = "Text"\nprompt = "Again $product.name"\n',
    ),
    "lib_duplicate_concept": (
        'main_pipe = "write_newsletter"\n',
        'main_pipe = "write_newsletter"\n\n[concept.Product]\ndescription = "A product, again"\n',
    ),
    "lib_typo_cross_file_pipe": ('pipe = "describe_product"', 'pipe = "describe_products"'),
    "lib_typo_cross_file_concept": (
        'inputs = { products = "Product[]" }',
        'inputs = { products = "Products[]" }',
    ),
    "lib_qualified_same_domain": ('pipe = "describe_product"', 'pipe = "shop.describe_product"'),
    "lib_wrong_domain_qualifier": ('pipe = "shop.describe_product"', 'pipe = "shops.describe_product"'),
    "lib_unqualified_other_domain": ('pipe = "shop.describe_product"', 'pipe = "describe_product"'),
    "lib_two_main_pipes": (
        'domain = "shop"\n\n[concept.Product]',
        'domain = "shop"\nmain_pipe = "describe_product"\n\n[concept.Product]',
    ),
    "lib_signature_mismatch": (
        'inputs = { summary = "Text" }\noutput = "Triage"\nprompt',
        'inputs = { summary = "Text" }\noutput = "Text"\nprompt',
    ),
    "lib_signature_input_mismatch": (
        'inputs = { summary = "Text" }\noutput = "Triage"\nprompt = "Which ward should see this patient? $summary"',
        'inputs = { summary = "Visit" }\noutput = "Triage"\nprompt = "Which ward should see this patient? $summary"',
    ),
    "lib_forward_concept_elsewhere": (
        'prompt = "Summarise this visit in three lines: $visit"\n',
        'prompt = "Summarise this visit in three lines: $visit"\n\n[concept.Ward]\ndescription = "A ward of the clinic"\n',
    ),
    "lib_different_domain_file": (
        'domain = "clinic"\n\n[pipe.summarise_visit]',
        'domain = "clinic.notes"\n\n[pipe.summarise_visit]',
    ),
    # packages
    "pkg_no_manifest_exports": ('\n[exports.harbour]\npipes = ["allocate_berth"]\n', ""),
    "pkg_export_unknown_pipe": ('pipes = ["allocate_berth"]', 'pipes = ["allocate_berth", "no_such_pipe"]'),
    "pkg_export_unknown_domain": ("[exports.harbour]", "[exports.port]"),
    "pkg_manifest_no_address": ('address = "github.com/acme/harbour-tools"\n', ""),
    "pkg_manifest_bad_version": ('version = "1.0.0"', 'version = "one"'),
    "pkg_manifest_bad_toml": ('version = "1.0.0"', 'version = "1.0.0'),
    "pkg_manifest_unknown_key": ('version = "1.0.0"', 'version = "1.0.0"\nhomepage = "https://acme.example"'),
    "pkg_dependency_declared": (
        "\n[exports.harbour]",
        '\n[dependencies]\nscheduling = { address = "github.com/acme/berth-scheduling", version = "^1.0.0" }\n\n[exports.harbour]',
    ),
    "pkg_alias_reference": (
        '{ pipe = "pick_berth", result = "berth" }',
        '{ pipe = "scheduling->berth_scheduling.pick_berth", result = "berth" }',
    ),
    "pkg_self_qualified": (
        '{ pipe = "pick_berth", result = "berth" }',
        '{ pipe = "harbour.pick_berth", result = "berth" }',
    ),
    "lib_call_subpackage": (
        '{ pipe = "assemble", result = "newsletter" }',
        '{ pipe = "pricing.price_product", batch_over = "lines", batch_as = "name", result = "prices" },\n    { pipe = "assemble", result = "newsletter" }',
    ),
    "pkg_arrow_no_alias": (
        '{ pipe = "pick_berth", result = "berth" }',
        '{ pipe = "->harbour.pick_berth", result = "berth" }',
    ),
}

FOLDER_COMBINED: dict[str, list[tuple[str, str]]] = {
    # a declared dependency, and a step calling it by alias: installed nowhere
    "pkg_dependency_used": [
        FOLDER_MUTATIONS["pkg_dependency_declared"],
        FOLDER_MUTATIONS["pkg_alias_reference"],
    ],
    # a signature in the entry file and no concrete definition anywhere
    "lib_signature_alone": [
        (
            '[pipe.route_patient]\ntype = "PipeLLM"\ndescription = "Choose the ward"\ninputs = { summary = "Text" }\noutput = "Triage"\nprompt = "Which ward should see this patient? $summary"\n',
            "",
        )
    ],
}


def _apply(base: str, old: str, new: str) -> str | None:
    return base.replace(old, new, 1) if old in base else None


def _apply_folder(files: dict[str, str], old: str, new: str) -> dict[str, str] | None:
    for rel, text in files.items():
        changed = _apply(text, old, new)
        if changed is not None and changed != text:
            return {**files, rel: changed}
    return None


def cases() -> dict[str, str | dict[str, str]]:
    """Each base and each mutation of it; folder cases are dicts of relative path -> text."""
    out: dict[str, str | dict[str, str]] = {}
    for base_name, text in BASES.items():
        out[f"{base_name}__base"] = text
        for mutation, (old, new) in MUTATIONS.items():
            changed = _apply(text, old, new)
            if changed is not None and changed != text:
                out[f"{base_name}__{mutation}"] = changed
        for mutation, pairs in COMBINED.items():
            current: str | None = text
            for old, new in pairs:
                current = _apply(current, old, new) if current is not None else None
            if current is not None and current != text:
                out[f"{base_name}__{mutation}"] = current
    for base_name, files in FOLDERS.items():
        out[f"{base_name}__base"] = files
        for mutation, (old, new) in FOLDER_MUTATIONS.items():
            changed_files = _apply_folder(files, old, new)
            if changed_files is not None:
                out[f"{base_name}__{mutation}"] = changed_files
        for mutation, pairs in FOLDER_COMBINED.items():
            current: dict[str, str] | None = files
            for old, new in pairs:
                current = _apply_folder(current, old, new) if current is not None else None
            if current is not None:
                out[f"{base_name}__{mutation}"] = current
    return out
